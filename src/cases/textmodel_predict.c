/*
 * textmodel_predict.c
 *		Classifying a text with a read text model, with the features that
 *		weighed most; see textmodel.h.
 */
#include "postgres.h"

#include <math.h>

#include "textfeatures.h"
#include "textmodel.h"

typedef struct Feat
{
	uint32		bucket;
	int			seq;			/* order in the text, to keep the first token */
	char	   *token;
} Feat;

typedef struct Feats
{
	Feat	   *items;
	int			n;
	int			max;
	bool		tokens;
} Feats;

/* A feature of the text seen in training: its row, weight and token. */
typedef struct Seen
{
	int			row;
	double		f;
	const char *token;
	double		contribution;
} Seen;

static void
collect(uint32 bucket, const char *token, void *arg)
{
	Feats	   *fs = (Feats *) arg;

	if (fs->n == fs->max)
	{
		fs->max *= 2;
		fs->items = repalloc_huge(fs->items, fs->max * sizeof(Feat));
	}
	fs->items[fs->n].bucket = bucket;
	fs->items[fs->n].seq = fs->n;
	fs->items[fs->n].token = fs->tokens ? pstrdup(token) : NULL;
	fs->n++;
}

static int
cmp_feat(const void *a, const void *b)
{
	const Feat *x = (const Feat *) a;
	const Feat *y = (const Feat *) b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->seq - y->seq;
}

/* The distinct features of the text that the model knows, with f = log(1 + n). */
static Seen *
seen_features(const TmModel *m, const char *text, int len, bool tokens, int *nseen)
{
	Feats		fs;
	Seen	   *seen;
	int			i;

	fs.max = 256;
	fs.n = 0;
	fs.tokens = tokens;
	fs.items = palloc(fs.max * sizeof(Feat));
	tf_features(text, len, m->bits, collect, &fs);
	qsort(fs.items, fs.n, sizeof(Feat), cmp_feat);
	seen = palloc(Max(fs.n, 1) * sizeof(Seen));
	*nseen = 0;
	for (i = 0; i < fs.n;)
	{
		int			j = i;

		while (j < fs.n && fs.items[j].bucket == fs.items[i].bucket)
			j++;
		if (m->index[fs.items[i].bucket] >= 0)
		{
			Seen	   *s = &seen[(*nseen)++];

			s->row = m->index[fs.items[i].bucket];
			s->f = log1p((double) (j - i));
			s->token = fs.items[i].token;
		}
		i = j;
	}
	return seen;
}

static int
cmp_guess(const void *a, const void *b)
{
	const TmGuess *x = (const TmGuess *) a;
	const TmGuess *y = (const TmGuess *) b;

	if (x->probability != y->probability)
		return x->probability > y->probability ? -1 : 1;
	return x->cls - y->cls;
}

static void
score(const TmModel *m, const Seen *seen, int nseen, TmGuess *guesses)
{
	double	   *s = palloc(m->nclasses * sizeof(double));
	double		best = -INFINITY;
	double		sum = 0.0;
	int			c;
	int			i;

	for (c = 0; c < m->nclasses; c++)
		s[c] = m->prior[c];
	for (i = 0; i < nseen; i++)
	{
		const float *w = m->weights + (Size) seen[i].row * m->nclasses;

		for (c = 0; c < m->nclasses; c++)
			s[c] += seen[i].f * w[c];
	}
	for (c = 0; c < m->nclasses; c++)
		best = Max(best, s[c]);
	for (c = 0; c < m->nclasses; c++)
		sum += exp(s[c] - best);
	for (c = 0; c < m->nclasses; c++)
	{
		guesses[c].cls = c;
		guesses[c].probability = exp(s[c] - best) / sum;
	}
	pfree(s);
	qsort(guesses, m->nclasses, sizeof(TmGuess), cmp_guess);
}

static int
cmp_contribution(const void *a, const void *b)
{
	const Seen *x = (const Seen *) a;
	const Seen *y = (const Seen *) b;

	if (x->contribution != y->contribution)
		return x->contribution > y->contribution ? -1 : 1;
	return strcmp(x->token, y->token);
}

/*
 * The features that weighed most for class top: f times how much more the
 * feature's weight for top is than its mean weight for the other classes.
 */
static int
explain(const TmModel *m, Seen *seen, int nseen, int top, char **words, int maxwords)
{
	int			i;
	int			n = 0;

	for (i = 0; i < nseen; i++)
	{
		const float *w = m->weights + (Size) seen[i].row * m->nclasses;
		double		others = 0.0;
		int			c;

		for (c = 0; c < m->nclasses; c++)
			if (c != top)
				others += w[c];
		others = m->nclasses > 1 ? others / (m->nclasses - 1) : 0.0;
		seen[i].contribution = seen[i].f * (w[top] - others);
	}
	qsort(seen, nseen, sizeof(Seen), cmp_contribution);
	for (i = 0; i < nseen && n < maxwords; i++)
		if (seen[i].contribution > 0.0)
			words[n++] = pstrdup(seen[i].token);
	return n;
}

int
tm_predict(const TmModel *m, const char *text, int len, TmGuess *guesses,
		   char **words, int maxwords)
{
	int			nseen;
	Seen	   *seen;
	int			nwords = 0;

	if (m->nclasses == 0)
		return 0;
	seen = seen_features(m, text, len, words != NULL, &nseen);
	score(m, seen, nseen, guesses);
	if (nseen == 0)
		nwords = -1;
	else if (words != NULL)
		nwords = explain(m, seen, nseen, guesses[0].cls, words, maxwords);
	pfree(seen);
	return nwords;
}

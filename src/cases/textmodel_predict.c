/*
 * textmodel_predict.c
 *		Classifying a text with a read text model, with the features that
 *		weighed most; see textmodel.h.
 *
 * It runs at intake for every case without a category, so it is kept lean:
 * the text's features are counted in a small open-addressing table as they
 * come (only those the model knows; a token copied once, into one buffer),
 * the weights are 16-bit (textmodel.c, quantise()) and their rows are asked
 * for before they are read, and of the explanation only the few best words
 * are kept, by insertion.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "textfeatures.h"
#include "textmodel.h"

/* A feature of the text seen in training: its bucket, row, count and token. */
typedef struct Seen
{
	uint32		bucket;
	int			row;
	double		f;				/* occurrences, then log(1 + occurrences) */
	int			token;			/* offset in Collect.tokens; -1 without tokens */
	double		contribution;
} Seen;

typedef struct Collect
{
	const TmModel *m;
	Seen	   *seen;
	int			nseen;
	int		   *slots;			/* index into seen + 1; 0 empty */
	int			nslots;			/* a power of two, at least twice nseen */
	bool		want_tokens;
	StringInfoData tokens;
} Collect;

static inline int
slot_of(uint32 bucket, int nslots)
{
	return (int) ((bucket * 2654435761u) & (uint32) (nslots - 1));
}

/* Twice the slots (and room for as many features), the features placed again. */
static void
grow(Collect *cl)
{
	int			i;

	cl->nslots *= 2;
	cl->slots = repalloc_huge(cl->slots, cl->nslots * sizeof(int));
	memset(cl->slots, 0, cl->nslots * sizeof(int));
	cl->seen = repalloc_huge(cl->seen, (cl->nslots / 2) * sizeof(Seen));
	for (i = 0; i < cl->nseen; i++)
	{
		int			h = slot_of(cl->seen[i].bucket, cl->nslots);

		while (cl->slots[h] != 0)
			h = (h + 1) & (cl->nslots - 1);
		cl->slots[h] = i + 1;
	}
}

static void
collect(uint32 bucket, const char *token, void *arg)
{
	Collect    *cl = (Collect *) arg;
	int			row = cl->m->index[bucket];
	int			h;
	Seen	   *s;

	if (row < 0)
		return;					/* never seen in training: no weight */
	for (h = slot_of(bucket, cl->nslots); cl->slots[h] != 0; h = (h + 1) & (cl->nslots - 1))
		if (cl->seen[cl->slots[h] - 1].bucket == bucket)
		{
			cl->seen[cl->slots[h] - 1].f += 1.0;	/* its first token is kept */
			return;
		}
	s = &cl->seen[cl->nseen];
	s->bucket = bucket;
	s->row = row;
	s->f = 1.0;
	s->token = -1;
	if (cl->want_tokens)
	{
		s->token = cl->tokens.len;
		appendBinaryStringInfo(&cl->tokens, token, strlen(token) + 1);
	}
	cl->slots[h] = ++cl->nseen;
	if (cl->nseen * 2 >= cl->nslots)
		grow(cl);
}

/* The distinct features of the text that the model knows, with f = log(1 + n). */
static void
seen_features(Collect *cl, const TmModel *m, const char *text, int len, bool tokens)
{
	int			i;

	cl->m = m;
	cl->nseen = 0;
	cl->nslots = 256;
	cl->slots = palloc0(cl->nslots * sizeof(int));
	cl->seen = palloc((cl->nslots / 2) * sizeof(Seen));
	cl->want_tokens = tokens;
	if (tokens)
		initStringInfo(&cl->tokens);
	tf_features(text, len, m->bits, collect, cl);
	for (i = 0; i < cl->nseen; i++)
		cl->seen[i].f = log1p(cl->seen[i].f);
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

/*
 * The guesses in order of probability, the first ntop of them at least (a
 * suggestion at intake needs the first only: one pass, no sort).
 */
static void
order_guesses(TmGuess *guesses, int n, int ntop)
{
	int			best = 0;
	int			c;

	if (ntop != 1)
	{
		qsort(guesses, n, sizeof(TmGuess), cmp_guess);
		return;
	}
	for (c = 1; c < n; c++)
		if (cmp_guess(&guesses[c], &guesses[best]) < 0)
			best = c;
	if (best != 0)
	{
		TmGuess		t = guesses[0];

		guesses[0] = guesses[best];
		guesses[best] = t;
	}
}

static void
score(const TmModel *m, const Seen *seen, int nseen, TmGuess *guesses, int ntop)
{
	double	   *s = palloc0(m->nclasses * sizeof(double));
	double		best = -INFINITY;
	double		sum = 0.0;
	int			c;
	int			i;

	/*
	 * The rows lie at random in megabytes of weights: ask for all of them
	 * first, so that their cache misses overlap instead of coming one by one.
	 */
	for (i = 0; i < nseen; i++)
	{
		const char *row = (const char *) (m->q + (Size) seen[i].row * m->stride);
		Size		bytes = Min(m->nclasses * sizeof(int16), 1024);
		Size		off;

		for (off = 0; off < bytes; off += 64)
			__builtin_prefetch(row + off);
	}
	for (i = 0; i < nseen; i++)
	{
		const int16 *q = m->q + (Size) seen[i].row * m->stride;
		double		f = seen[i].f;

		for (c = 0; c < m->nclasses; c++)
			s[c] += f * q[c];
	}
	for (c = 0; c < m->nclasses; c++)
	{
		s[c] = m->prior[c] + s[c] * m->scale;
		best = Max(best, s[c]);
	}
	for (c = 0; c < m->nclasses; c++)
	{
		s[c] = exp(s[c] - best);
		sum += s[c];
	}
	for (c = 0; c < m->nclasses; c++)
	{
		guesses[c].cls = c;
		guesses[c].probability = s[c] / sum;
	}
	pfree(s);
	order_guesses(guesses, m->nclasses, ntop);
}

/* Whether feature a weighed more than b: a higher contribution, then the smaller token. */
static bool
weighs_more(const Collect *cl, const Seen *a, const Seen *b)
{
	if (a->contribution != b->contribution)
		return a->contribution > b->contribution;
	return strcmp(cl->tokens.data + a->token, cl->tokens.data + b->token) < 0;
}

/*
 * The features that weighed most for class top: f times how much more the
 * feature's weight for top is than its mean weight for the other classes
 * (the weights of a row sum to 0, to the rounding of 16 bits: that mean is
 * -w/(n-1), and the difference w n/(n-1)).  The best maxwords are kept by
 * insertion.
 */
static int
explain(const TmModel *m, Collect *cl, int top, char **words, int maxwords)
{
	Seen	  **best = palloc(Max(maxwords, 1) * sizeof(Seen *));
	/* a row's weights sum to 0 (less its mean): the others' mean is -q/(n-1) */
	double		gain = m->nclasses > 1 ? m->scale * m->nclasses / (m->nclasses - 1) : m->scale;
	int			nbest = 0;
	int			i;
	int			k;

	for (i = 0; i < cl->nseen; i++)
	{
		Seen	   *s = &cl->seen[i];

		s->contribution = s->f * m->q[(Size) s->row * m->stride + top] * gain;
		if (!(s->contribution > 0.0) ||
			(nbest == maxwords && !weighs_more(cl, s, best[nbest - 1])))
			continue;
		k = nbest < maxwords ? nbest++ : maxwords - 1;
		for (; k > 0 && weighs_more(cl, s, best[k - 1]); k--)
			best[k] = best[k - 1];
		best[k] = s;
	}
	for (i = 0; i < nbest; i++)
		words[i] = pstrdup(cl->tokens.data + best[i]->token);
	pfree(best);
	return nbest;
}

int
tm_predict(const TmModel *m, const char *text, int len, TmGuess *guesses, int ntop,
		   char **words, int maxwords)
{
	Collect		cl;
	int			nwords = 0;
	bool		tokens = words != NULL && maxwords > 0;

	if (m->nclasses == 0)
		return 0;
	seen_features(&cl, m, text, len, tokens);
	score(m, cl.seen, cl.nseen, guesses, ntop);
	if (cl.nseen == 0)
		nwords = -1;
	else if (tokens)
		nwords = explain(m, &cl, guesses[0].cls, words, maxwords);
	pfree(cl.seen);
	pfree(cl.slots);
	if (tokens)
		pfree(cl.tokens.data);
	return nwords;
}

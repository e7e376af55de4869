/*
 * textmodel.c
 *		Reading a stored text model and classifying a text; see textmodel.h.
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "errcodes.h"
#include "textfeatures.h"
#include "textmodel.h"

typedef struct Reader
{
	const char *p;
	const char *end;
} Reader;

static void
damaged(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("text model parameters are damaged or of an unknown version"),
			 errhint("Train the model again with gridgov.train_text_model().")));
}

static void
take(Reader *r, void *dst, Size n)
{
	if (r->end - r->p < (ptrdiff_t) n)
		damaged();
	memcpy(dst, r->p, n);
	r->p += n;
}

static uint32
take_uint32(Reader *r)
{
	uint32		v;

	take(r, &v, sizeof(v));
	return v;
}

const char *
tm_variant_name(int variant)
{
	return variant == TM_COMPLEMENT ? "complement" : "multinomial";
}

int
tm_variant_code(const char *name)
{
	if (name && strcmp(name, "complement") == 0)
		return TM_COMPLEMENT;
	if (name && strcmp(name, "multinomial") == 0)
		return TM_MULTINOMIAL;
	return -1;
}

static void
read_header(Reader *r, TmModel *m)
{
	unsigned char head[8];
	int			i;

	take(r, head, sizeof(head));
	if (memcmp(head, "GGTM", 4) != 0 || head[4] != TM_VERSION || head[5] > TM_COMPLEMENT ||
		head[6] < TF_MIN_BITS || head[6] > TF_MAX_BITS)
		damaged();
	m->variant = head[5];
	m->bits = head[6];
	m->nclasses = (int) take_uint32(r);
	take(r, &m->alpha, sizeof(float));
	m->ndocs = take_uint32(r);
	if (m->nclasses > TM_MAX_CLASSES || !(m->alpha > 0.0f && m->alpha <= 100.0f))
		damaged();
	m->labels = palloc(Max(m->nclasses, 1) * sizeof(char *));
	m->docs = palloc(Max(m->nclasses, 1) * sizeof(int64));
	for (i = 0; i < m->nclasses; i++)
	{
		uint16		len;

		m->docs[i] = take_uint32(r);
		take(r, &len, sizeof(len));
		m->labels[i] = palloc(len + 1);
		take(r, m->labels[i], len);
		m->labels[i][len] = '\0';
		/* A label is text of the database's encoding, without a NUL. */
		if (memchr(m->labels[i], '\0', len) != NULL || !pg_verifymbstr(m->labels[i], len, true))
			damaged();
	}
}

/* First pass over the counts: a row for each bucket seen in any class. */
static void
index_buckets(Reader r, TmModel *m)
{
	Size		nbuckets = (Size) 1 << m->bits;
	int			c;

	m->index = MemoryContextAllocHuge(CurrentMemoryContext, nbuckets * sizeof(int32));
	memset(m->index, 0xff, nbuckets * sizeof(int32));
	m->nrows = 0;
	for (c = 0; c < m->nclasses; c++)
	{
		uint32		n = take_uint32(&r);
		uint32		i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
		{
			uint32		b = take_uint32(&r);
			float		v;

			take(&r, &v, sizeof(v));
			/* a count is log(1 + occurrences): finite and not negative */
			if (b >= nbuckets || !(v >= 0.0f && v < HUGE_VALF))
				damaged();
			if (m->index[b] < 0)
				m->index[b] = m->nrows++;
		}
	}
}

static void
read_counts(Reader *r, TmModel *m, double *total)
{
	int			c;

	/* A stored form whose dense weights would exceed the cap is refused before any allocation. */
	if ((Size) Max(m->nrows, 1) * (Size) Max(m->nclasses, 1) > TM_MAX_WEIGHTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a text model may hold at most %zu weights (features seen x classes)", TM_MAX_WEIGHTS),
				 errhint("Train it with fewer bits or fewer classes.")));
	m->weights = MemoryContextAllocHuge(CurrentMemoryContext,
										(Size) Max(m->nrows, 1) * m->nclasses * sizeof(float));
	memset(m->weights, 0, (Size) Max(m->nrows, 1) * m->nclasses * sizeof(float));
	for (c = 0; c < m->nclasses; c++)
	{
		uint32		n = take_uint32(r);
		uint32		i;

		CHECK_FOR_INTERRUPTS();
		total[c] = 0.0;
		for (i = 0; i < n; i++)
		{
			uint32		b = take_uint32(r);
			float		v;

			take(r, &v, sizeof(v));
			m->weights[(Size) m->index[b] * m->nclasses + c] = v;
			total[c] += v;
		}
	}
}

/* Turns the counts into the variant's weights, in place. */
static void
weigh(TmModel *m, const double *total)
{
	double		all = 0.0;
	double		av = (double) m->alpha * m->nrows;
	int			c;
	Size		row;

	for (c = 0; c < m->nclasses; c++)
	{
		all += total[c];
		m->prior[c] = m->variant == TM_MULTINOMIAL && m->ndocs > 0 ?
			log((double) Max(m->docs[c], 1) / (double) m->ndocs) : 0.0;
	}
	for (row = 0; row < (Size) m->nrows; row++)
	{
		float	   *w = m->weights + row * m->nclasses;
		double		sum = 0.0;

		if ((row & 1023) == 0)
			CHECK_FOR_INTERRUPTS();

		for (c = 0; c < m->nclasses; c++)
			sum += w[c];
		for (c = 0; c < m->nclasses; c++)
		{
			if (m->variant == TM_MULTINOMIAL)
				w[c] = (float) log((w[c] + m->alpha) / (total[c] + av));
			else
				w[c] = (float) -log((sum - w[c] + m->alpha) / (all - total[c] + av));
		}
	}
}

/*
 * The weights as read for classifying: each row less its mean (a constant
 * per feature, the same for every class, changes no class's probability and
 * no feature's weight against the others), in 16-bit steps of one scale for
 * the model, each row in whole 64-byte cache lines.  A text's features lie
 * at random in the rows: half the bytes of float rows, and one cache line a
 * row for up to 32 classes, is what a suggestion at intake waits for.
 */
static void
quantise(TmModel *m)
{
	Size		nrows = Max(m->nrows, 1);
	double		maxdev = 0.0;
	char	   *raw;
	Size		row;
	int			c;

	m->stride = TYPEALIGN(32, Max(m->nclasses, 1));
	for (row = 0; row < (Size) m->nrows; row++)
	{
		const float *w = m->weights + row * m->nclasses;
		double		mean = 0.0;

		for (c = 0; c < m->nclasses; c++)
			mean += w[c];
		mean /= Max(m->nclasses, 1);
		for (c = 0; c < m->nclasses; c++)
			maxdev = Max(maxdev, fabs(w[c] - mean));
	}
	m->scale = maxdev > 0.0 ? maxdev / 32767.0 : 1.0;
	raw = MemoryContextAllocHuge(CurrentMemoryContext, nrows * m->stride * sizeof(int16) + 64);
	m->q = (int16 *) TYPEALIGN(64, raw);
	memset(m->q, 0, nrows * m->stride * sizeof(int16));
	for (row = 0; row < (Size) m->nrows; row++)
	{
		const float *w = m->weights + row * m->nclasses;
		double		mean = 0.0;

		if ((row & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		for (c = 0; c < m->nclasses; c++)
			mean += w[c];
		mean /= Max(m->nclasses, 1);
		for (c = 0; c < m->nclasses; c++)
			m->q[row * m->stride + c] = (int16) lrint((w[c] - mean) / m->scale);
	}
	pfree(m->weights);
	m->weights = NULL;
}

TmModel *
tm_model_read(const bytea *stored, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TmModel    *m = palloc0(sizeof(TmModel));
	Reader		r;
	double	   *total;

	r.p = VARDATA_ANY(stored);
	r.end = r.p + VARSIZE_ANY_EXHDR(stored);
	m->bytes = VARSIZE_ANY_EXHDR(stored);
	read_header(&r, m);
	index_buckets(r, m);
	total = palloc(Max(m->nclasses, 1) * sizeof(double));
	m->prior = palloc(Max(m->nclasses, 1) * sizeof(double));
	read_counts(&r, m, total);
	if (r.p != r.end)
		damaged();
	weigh(m, total);
	quantise(m);
	pfree(total);
	MemoryContextSwitchTo(old);
	return m;
}

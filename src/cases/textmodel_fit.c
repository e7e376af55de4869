/*
 * textmodel_fit.c
 *		Fitting a text model and writing its stored form; see textmodel.h.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "errcodes.h"
#include "textfeatures.h"
#include "textmodel.h"


struct TmFit
{
	MemoryContext cxt;
	int			bits;
	int			variant;
	float		alpha;
	int64		ndocs;
	int			nclasses;
	int			maxclasses;
	char	  **labels;
	int64	   *docs;
	float	  **counts;			/* per class, 2^bits */
	uint32	   *doc;			/* the current document's buckets */
	int			ndoc;
	int			maxdoc;
};

TmFit *
tm_fit_create(MemoryContext cxt, int bits, int variant, float alpha)
{
	TmFit	   *fit = MemoryContextAllocZero(cxt, sizeof(TmFit));

	fit->cxt = cxt;
	fit->bits = bits;
	fit->variant = variant;
	fit->alpha = alpha;
	fit->maxclasses = 16;
	fit->labels = MemoryContextAlloc(cxt, fit->maxclasses * sizeof(char *));
	fit->docs = MemoryContextAlloc(cxt, fit->maxclasses * sizeof(int64));
	fit->counts = MemoryContextAlloc(cxt, fit->maxclasses * sizeof(float *));
	fit->maxdoc = 1024;
	fit->doc = MemoryContextAlloc(cxt, fit->maxdoc * sizeof(uint32));
	return fit;
}

static int
fit_class(TmFit *fit, const char *label)
{
	int			i;

	for (i = fit->nclasses - 1; i >= 0; i--)
		if (strcmp(fit->labels[i], label) == 0)
			return i;
	if (fit->nclasses >= TM_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a text model has at most %d classes", TM_MAX_CLASSES)));
	if (fit->nclasses == fit->maxclasses)
	{
		fit->maxclasses *= 2;
		fit->labels = repalloc(fit->labels, fit->maxclasses * sizeof(char *));
		fit->docs = repalloc(fit->docs, fit->maxclasses * sizeof(int64));
		fit->counts = repalloc(fit->counts, fit->maxclasses * sizeof(float *));
	}
	i = fit->nclasses++;
	fit->labels[i] = MemoryContextStrdup(fit->cxt, label);
	fit->docs[i] = 0;
	fit->counts[i] = MemoryContextAllocHuge(fit->cxt, ((Size) 1 << fit->bits) * sizeof(float));
	memset(fit->counts[i], 0, ((Size) 1 << fit->bits) * sizeof(float));
	return i;
}

static void
collect(uint32 bucket, const char *token, void *arg)
{
	TmFit	   *fit = (TmFit *) arg;

	(void) token;
	if (fit->ndoc == fit->maxdoc)
	{
		fit->maxdoc *= 2;
		fit->doc = repalloc(fit->doc, fit->maxdoc * sizeof(uint32));
	}
	fit->doc[fit->ndoc++] = bucket;
}

static int
cmp_uint32(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return (x > y) - (x < y);
}

void
tm_fit_add(TmFit *fit, const char *label, const char *text, int len)
{
	int			c;
	int			i;
	float	   *counts;

	if (label == NULL || text == NULL)
		return;
	c = fit_class(fit, label);
	fit->docs[c]++;
	fit->ndocs++;
	fit->ndoc = 0;
	tf_features(text, len, fit->bits, collect, fit);
	qsort(fit->doc, fit->ndoc, sizeof(uint32), cmp_uint32);
	counts = fit->counts[c];
	for (i = 0; i < fit->ndoc;)
	{
		int			j = i;

		while (j < fit->ndoc && fit->doc[j] == fit->doc[i])
			j++;
		counts[fit->doc[i]] += (float) log1p((double) (j - i));
		i = j;
	}
}

int64
tm_fit_documents(const TmFit *fit)
{
	return fit ? fit->ndocs : 0;
}

static void
put_uint32(StringInfo buf, uint32 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, sizeof(v));
}

static void
put_class_counts(StringInfo buf, const float *counts, Size nbuckets)
{
	uint32		n = 0;
	Size		b;
	int			at = buf->len;

	put_uint32(buf, 0);
	for (b = 0; b < nbuckets; b++)
	{
		if (counts[b] == 0.0f)
			continue;
		put_uint32(buf, (uint32) b);
		appendBinaryStringInfo(buf, (const char *) &counts[b], sizeof(float));
		n++;
	}
	memcpy(buf->data + at, &n, sizeof(n));
}

bytea *
tm_fit_serialise(const TmFit *fit)
{
	StringInfoData buf;
	unsigned char head[8] = {'G', 'G', 'T', 'M', TM_VERSION, 0, 0, 0};
	uint32		ndocs32 = (uint32) Min(fit->ndocs, (int64) PG_UINT32_MAX);
	int			i;
	bytea	   *out;

	head[5] = (unsigned char) fit->variant;
	head[6] = (unsigned char) fit->bits;
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, "\0\0\0\0", VARHDRSZ);
	appendBinaryStringInfo(&buf, (const char *) head, sizeof(head));
	put_uint32(&buf, (uint32) fit->nclasses);
	appendBinaryStringInfo(&buf, (const char *) &fit->alpha, sizeof(float));
	put_uint32(&buf, ndocs32);
	for (i = 0; i < fit->nclasses; i++)
	{
		size_t		full = strlen(fit->labels[i]);
		uint16		len = (uint16) full;

		if (full > PG_UINT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a text model's label is at most %d bytes", PG_UINT16_MAX)));

		put_uint32(&buf, (uint32) Min(fit->docs[i], (int64) PG_UINT32_MAX));
		appendBinaryStringInfo(&buf, (const char *) &len, sizeof(len));
		appendBinaryStringInfo(&buf, fit->labels[i], len);
	}
	for (i = 0; i < fit->nclasses; i++)
		put_class_counts(&buf, fit->counts[i], (Size) 1 << fit->bits);
	out = (bytea *) buf.data;
	SET_VARSIZE(out, buf.len);
	return out;
}

/*
 * textmodel.h
 *		Naive Bayes text classifier over hashed n-gram counts (textfeatures.h).
 *
 * A model is fitted from (label, text) pairs and kept as a bytea:
 *   header  "GGTM", version (1), variant (0 multinomial, 1 complement),
 *           bits, a pad byte, uint32 class count, float4 alpha, uint32 documents;
 *   classes uint32 documents, uint16 label length, label bytes (each class);
 *   counts  per class: uint32 n, then n (uint32 bucket, float4 count), buckets
 *           ascending: only the non-zero buckets of the class.
 * A document's count of a feature is log(1 + occurrences) (Rennie et al.'s
 * TF transform).  The weights are derived from the counts when the model is
 * read, so one stored form serves both variants:
 *   multinomial: score_c = log P(c) + sum f_b log((n_cb + a) / (n_c + a V))
 *   complement:  score_c = - sum f_b log((N_b - n_cb + a) / (N - n_c + a V))
 * with V the number of buckets seen in training; buckets never seen in
 * training are left out.  Probabilities are the softmax of the scores.  Read
 * for classifying, a weight is kept less its row's mean, in 16 bits
 * (textmodel.c, quantise()): the softmax is the same.
 */
#ifndef GRIDGOV_TEXTMODEL_H
#define GRIDGOV_TEXTMODEL_H

#include "postgres.h"

#define TM_VERSION			1
#define TM_MULTINOMIAL		0
#define TM_COMPLEMENT		1
#define TM_MAX_CLASSES		4096	/* classes a model may have (fit and read) */
#define TM_MAX_WEIGHTS		((Size) 1 << 27)	/* rows x classes a read model may hold (512 MB) */

typedef struct TmFit TmFit;

typedef struct TmModel
{
	int			variant;
	int			bits;
	int			nclasses;
	float		alpha;
	int64		ndocs;
	char	  **labels;
	int64	   *docs;			/* training documents per class */
	int32	   *index;			/* bucket -> row, -1 if never seen */
	int			nrows;
	float	   *weights;		/* while reading: [row * nclasses + class] */
	int16	   *q;				/* [row * stride + class]: the weight less the
								 * row's mean, in steps of scale */
	int			stride;			/* nclasses rounded up to 32: whole cache lines */
	double		scale;
	double	   *prior;			/* per class */
	Size		bytes;			/* size of the stored form */
} TmModel;

typedef struct TmGuess
{
	int			cls;
	double		probability;
} TmGuess;

/* Fitting: a state in cxt, documents added one by one, then the stored form. */
extern TmFit *tm_fit_create(MemoryContext cxt, int bits, int variant, float alpha);
extern void tm_fit_add(TmFit *fit, const char *label, const char *text, int len);
extern int64 tm_fit_documents(const TmFit *fit);
extern bytea *tm_fit_serialise(const TmFit *fit);

/* Reads a stored model into cxt (errors on a damaged or unknown form). */
extern TmModel *tm_model_read(const bytea *stored, MemoryContext cxt);

/*
 * Classifies a text: guesses[0..nclasses), the first ntop of them (0: all)
 * by probability, highest first;
 * when words is not NULL, up to maxwords features that weighed most for the
 * first guess (palloc'd strings) in *words, their number returned; -1 when
 * the text has no feature the model knows (the guesses are then by prior).
 */
extern int	tm_predict(const TmModel *m, const char *text, int len, TmGuess *guesses, int ntop,
					   char **words, int maxwords);

/* The variant's name and its code (-1 for an unknown name). */
extern const char *tm_variant_name(int variant);
extern int	tm_variant_code(const char *name);

#endif							/* GRIDGOV_TEXTMODEL_H */

/*
 * batch.h
 *		Rows appended to a table in batches, from C.
 *
 * The engine, writing one row per new case (the intake events and clocks),
 * collects the rows column by column and appends
 * them with one kept plan per batch: a single row through plain parameters
 * ($1..$n), several through one array per column and unnest().  The caller
 * runs inside SPI and owns the memory context the values live in.
 */
#ifndef GRIDGOV_BATCH_H
#define GRIDGOV_BATCH_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/memutils.h"

#define BATCH_MAX_COLS	20

typedef struct Batch
{
	const char *what;			/* for error messages */
	const char *one_sql;		/* INSERT of one row from $1..$ncols */
	const char *many_sql;		/* INSERT from $1..$ncols as arrays */
	const char *const *tables;	/* the tables of the statements' %1$s, %2$s; or NULL */
	int			ncols;
	Oid			types[BATCH_MAX_COLS];	/* element types */
	int16		typlen[BATCH_MAX_COLS];
	bool		typbyval[BATCH_MAX_COLS];
	MemoryContext cxt;			/* where the rows' values are kept */
	int			capacity;
	int			n;
	Datum	   *values[BATCH_MAX_COLS];
	bool	   *nulls[BATCH_MAX_COLS];
} Batch;

/*
 * Prepares a batch of up to capacity rows; its arrays, and copies of the
 * values added, live in CurrentMemoryContext.  With tables (NULL-ended), the
 * statements are templates whose %1$s, %2$s name where this node holds the
 * rows of those tables for the county of the first row's column 0 (the table,
 * or under Citus its shard: shards.c); all rows of a batch are then of
 * counties held together.  Without, they are plain statements.  One kept plan
 * per statement and relations.
 */
extern void batch_init(Batch *b, const char *what, int ncols, const Oid *types, int capacity,
					   const char *const *tables, const char *one_sql, const char *many_sql);

/*
 * Adds a row (values and nulls of ncols columns), copying by-reference
 * values into the batch's context; the caller flushes when full.
 */
extern void batch_add(Batch *b, const Datum *values, const bool *nulls);

static inline bool
batch_full(const Batch *b)
{
	return b->n >= b->capacity;
}

/*
 * The batch as parameters of a statement: one per column, the single row's
 * values (n must be 1) or arrays of all the rows (empty arrays for none).
 */
extern void batch_params(const Batch *b, bool as_arrays, Datum *params, char *nulls, Oid *types);

/* Appends the collected rows (if any) and empties the batch. */
extern void batch_flush(Batch *b);

#endif							/* GRIDGOV_BATCH_H */

/*
 * batch.c
 *		Rows appended to a table in batches, from C; see batch.h.
 */
#include "postgres.h"

#include "utils/array.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"

#include "batch.h"
#include "gridcode.h"
#include "plans.h"
#include "shards.h"

void
batch_init(Batch *b, const char *what, int ncols, const Oid *types, int capacity,
		   const char *const *tables, const char *one_sql, const char *many_sql)
{
	int			c;

	Assert(ncols > 0 && ncols <= BATCH_MAX_COLS && capacity > 0);
	b->what = what;
	b->one_sql = one_sql;
	b->many_sql = many_sql;
	b->tables = tables;
	b->ncols = ncols;
	b->capacity = capacity;
	b->n = 0;
	b->cxt = CurrentMemoryContext;
	for (c = 0; c < ncols; c++)
	{
		b->types[c] = types[c];
		get_typlenbyval(types[c], &b->typlen[c], &b->typbyval[c]);
		b->values[c] = palloc(capacity * sizeof(Datum));
		b->nulls[c] = palloc(capacity * sizeof(bool));
	}
}

void
batch_add(Batch *b, const Datum *values, const bool *nulls)
{
	MemoryContext old;
	int			c;

	if (b->n >= b->capacity)
		elog(ERROR, "batch of %s is full", b->what);
	old = MemoryContextSwitchTo(b->cxt);
	for (c = 0; c < b->ncols; c++)
	{
		b->nulls[c][b->n] = nulls[c];
		b->values[c][b->n] = (nulls[c] || b->typbyval[c]) ? values[c]
			: datumCopy(values[c], false, b->typlen[c]);
	}
	MemoryContextSwitchTo(old);
	b->n++;
}

void
batch_params(const Batch *b, bool as_arrays, Datum *params, char *nulls, Oid *types)
{
	int			c;

	for (c = 0; c < b->ncols; c++)
	{
		int			dims[1] = {b->n};
		int			lbs[1] = {1};
		int16		len;
		bool		byval;
		char		align;

		if (!as_arrays)
		{
			Assert(b->n == 1);
			types[c] = b->types[c];
			params[c] = b->values[c][0];
			nulls[c] = b->nulls[c][0] ? 'n' : ' ';
			continue;
		}
		types[c] = get_array_type(b->types[c]);
		get_typlenbyvalalign(b->types[c], &len, &byval, &align);
		params[c] = (b->n == 0) ? PointerGetDatum(construct_empty_array(b->types[c]))
			: PointerGetDatum(construct_md_array(b->values[c], b->nulls[c], 1, dims, lbs,
												 b->types[c], len, byval, align));
		nulls[c] = ' ';
	}
}

/*
 * The hash of the batch's counties (column 0), whose rows this node holds
 * together: an error when they are not held together (a batch of many
 * counties on a Citus cluster).  0 without tables.
 */
static int32
batch_hash(const Batch *b)
{
	int32		hash;
	Oid			rel;
	int			i;

	if (b->tables == NULL)
		return 0;
	hash = gridcode_hash_of(DatumGetGridCode(b->values[0][0]));
	if (!shards_distributed(b->tables[0]))
		return hash;
	rel = shards_rows_relation(b->tables[0], hash);
	for (i = 1; i < b->n; i++)
		if (shards_rows_relation(b->tables[0], gridcode_hash_of(DatumGetGridCode(b->values[0][i]))) != rel)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the %s of one batch are of counties held apart", b->what),
					 errdetail("On a Citus cluster a batch is written where its counties are held.")));
	return hash;
}

void
batch_flush(Batch *b)
{
	Datum		params[BATCH_MAX_COLS];
	char		nulls[BATCH_MAX_COLS];
	Oid			types[BATCH_MAX_COLS];
	bool		one = (b->n == 1);
	SPIPlanPtr	plan;

	if (b->n == 0)
		return;
	batch_params(b, !one, params, nulls, types);
	plan = shards_plan(one ? b->one_sql : b->many_sql, b->tables, batch_hash(b), b->ncols, types);
	plans_execute(plan, params, nulls, false, 0, SPI_OK_INSERT);
	if (SPI_processed != (uint64) b->n)
		elog(ERROR, "could not append the %s", b->what);
	b->n = 0;
}

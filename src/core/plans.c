/*
 * plans.c
 *		gridgov's SPI statements under a search_path of their own; see plans.h.
 *
 * PostgreSQL keeps the search_path a plan was made under and re-plans an
 * invalidated kept plan under that same path; executing under the safe path
 * as well keeps this true whatever a later server version does on re-planning.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "storage/bufmgr.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "plans.h"
#include "shards.h"

/*
 * A nesting level of its own only when something is to be set: statements
 * run from within one (e.g. by a trigger fired by gridgov's own UPDATE) find
 * the path already set and cost nothing.
 */
int
plans_safe_begin(const char *name, const char *value)
{
	int			nest;

	if (name == NULL && namespace_search_path != NULL &&
		strcmp(namespace_search_path, PLANS_SEARCH_PATH) == 0)
		return -1;
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", PLANS_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (name != NULL)
		(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

void
plans_safe_end(int nest)
{
	if (nest >= 0)
		AtEOXact_GUC(true, nest);
}

static SPIPlanPtr
prepare(const char *sql, int nargs, const Oid *types, int cursor_options)
{
	int			nest = plans_safe_begin(NULL, NULL);
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, (Oid *) types, cursor_options);

	plans_safe_end(nest);
	if (plan == NULL)
		elog(ERROR, "gridgov: could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return plan;
}

SPIPlanPtr
plans_keep(SPIPlanPtr *slot, const char *sql, int nargs, const Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = prepare(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);

		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "gridgov: could not keep the plan of \"%s\"", sql);
		*slot = plan;
	}
	return *slot;
}

static void
check_rc(int rc, int expected_rc)
{
	if (rc != expected_rc)
		elog(ERROR, "gridgov: statement failed: %s", SPI_result_code_string(rc));
}

void
plans_execute(SPIPlanPtr plan, const Datum *values, const char *nulls, bool read_only,
			  long count, int expected_rc)
{
	int			nest = plans_safe_begin(NULL, NULL);
	int			rc = SPI_execute_plan(plan, (Datum *) values, nulls, read_only, count);

	plans_safe_end(nest);
	check_rc(rc, expected_rc);
}

void
plans_execute_snapshot(SPIPlanPtr plan, const Datum *values, const char *nulls,
					   Snapshot snapshot, long count)
{
	int			nest = plans_safe_begin(NULL, NULL);
	int			rc = SPI_execute_snapshot(plan, (Datum *) values, nulls, snapshot,
										  InvalidSnapshot, true, false, count);

	plans_safe_end(nest);
	check_rc(rc, SPI_OK_SELECT);
}

void
plans_run(const char *sql, int nargs, const Oid *types, const Datum *values, const char *nulls,
		  bool read_only, long count, int expected_rc)
{
	SPIPlanPtr	plan = prepare(sql, nargs, types, 0);

	plans_execute(plan, values, nulls, read_only, count, expected_rc);
	SPI_freeplan(plan);
}

void
plans_run_snapshot(const char *sql, int nargs, const Oid *types, const Datum *values,
				   Snapshot snapshot)
{
	SPIPlanPtr	plan = prepare(shards_local_reads(sql), nargs, types, 0);

	plans_execute_snapshot(plan, values, NULL, snapshot, 0);
	SPI_freeplan(plan);
}

Portal
plans_cursor_open(const char *sql)
{
	int			nest = plans_safe_begin(NULL, NULL);
	Portal		portal = SPI_cursor_open_with_args(NULL, shards_local_reads(sql), 0, NULL, NULL, NULL,
												   true, 0);

	plans_safe_end(nest);
	return portal;
}

/*
 * The tables this backend sent a growth invalidation for, and their size
 * then: a few (those of a case), searched in order.
 */
#define GROWTH_TABLES	8
/* Below this many blocks a table's plans are not worth making again. */
#define GROWTH_MIN_BLOCKS	8

typedef struct GrowthMark
{
	Oid			relid;
	BlockNumber blocks;
} GrowthMark;

static GrowthMark growth_marks[GROWTH_TABLES];

static GrowthMark *
growth_mark(Oid relid)
{
	int			i;

	for (i = 0; i < GROWTH_TABLES; i++)
		if (growth_marks[i].relid == relid || !OidIsValid(growth_marks[i].relid))
			break;
	if (i == GROWTH_TABLES)
		i = relid % GROWTH_TABLES;	/* full: take a slot, at worst one more invalidation */
	if (growth_marks[i].relid != relid)
	{
		growth_marks[i].relid = relid;
		growth_marks[i].blocks = 0;
	}
	return &growth_marks[i];
}

void
plans_table_grew(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	GrowthMark *mark;
	BlockNumber known;
	BlockNumber now;

	if (!RelationIsValid(rel))
		return;
	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
	{
		RelationClose(rel);
		return;
	}
	now = RelationGetNumberOfBlocks(rel);
	mark = growth_mark(relid);
	known = Max((BlockNumber) Max(rel->rd_rel->relpages, 0), mark->blocks);
	RelationClose(rel);
	if (now < GROWTH_MIN_BLOCKS || now / 2 < known)
		return;
	mark->blocks = now;
	CacheInvalidateRelcacheByRelid(relid);
}

/*
 * case_rows.c
 *		The checks behind the row-level security of a case's own rows (its
 *		events, clocks, escalations, whistles and their calls): each reads the
 *		case, or its history, by (county, case_id) on the relation that holds
 *		them on this node (the table, or under Citus the co-located shard:
 *		shards.c), as the history's owner, and applies the caller's scope
 *		(scope.c).  Policies on distributed tables may not hold subqueries, and
 *		a subquery on a worker would be a distributed query from a shard; these
 *		functions are the one rule on one server and on a cluster.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "gridcode.h"
#include "owner.h"
#include "plans.h"
#include "scope.h"
#include "shards.h"

static const char case_sql[] =
	"SELECT c.grid, c.department_id FROM %s c "
	"WHERE c.county OPERATOR(gridgov.=) $1 AND c.id = $2";
static const char event_sql[] =
	"SELECT 1 FROM %s e WHERE e.county OPERATOR(gridgov.=) $1 AND e.case_id = $2 "
	"AND e.action = $3 AND e.payload OPERATOR(pg_catalog.@>) $4 "
	"AND e.txid = (pg_catalog.pg_current_xact_id()::text)::pg_catalog.int8 LIMIT 1";
static const char call_sql[] =
	"SELECT 1 FROM %s w WHERE w.county OPERATOR(gridgov.=) $1 AND w.case_id = $2 "
	"AND w.whistle_id = $3 AND w.department_id = $4 LIMIT 1";

static const char *const cases_table[] = {"cases", NULL};
static const char *const events_table[] = {"case_events", NULL};
static const char *const calls_table[] = {"whistle_calls", NULL};

typedef struct RowProbe
{
	const char *sql;
	const char *const *tables;
	GridCode	county;
	int			nargs;
	Oid			types[4];
	Datum		values[4];
	bool		found;
	ScopeCase	c;				/* case_sql: the case read */
} RowProbe;

static void
probe_cb(void *arg)
{
	RowProbe   *p = (RowProbe *) arg;
	bool		isnull;

	plans_execute(shards_plan(p->sql, p->tables, gridcode_hash_of(p->county), p->nargs, p->types),
				  p->values, NULL, true, 1, SPI_OK_SELECT);
	p->found = SPI_processed > 0;
	if (!p->found || p->sql != case_sql)
		return;
	p->c.county = p->county;
	p->c.grid = DatumGetGridCode(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	p->c.has_grid = !isnull;
	p->c.department_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	p->c.has_department = !isnull;
	if (isnull)
		p->c.department_id = 0;
	if (!p->c.has_grid)
		p->c.grid = 0;
}

/* Runs the probe as the history's owner; whether it found a row. */
static bool
probe(RowProbe *p)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	owner_run_as_history_owner(probe_cb, p);
	SPI_finish();
	return p->found;
}

/* Reads case (county, id) into p; false when it does not exist. */
static bool
read_case(RowProbe *p, FunctionCallInfo fcinfo)
{
	Oid			gridcode = get_fn_expr_argtype(fcinfo->flinfo, 0);

	MemSet(p, 0, sizeof(*p));
	p->sql = case_sql;
	p->tables = cases_table;
	p->county = PG_GETARG_GRIDCODE(0);
	p->nargs = 2;
	p->types[0] = gridcode;
	p->types[1] = INT8OID;
	p->values[0] = PG_GETARG_DATUM(0);
	p->values[1] = PG_GETARG_DATUM(1);
	p->c.case_id = PG_GETARG_INT64(1);
	return probe(p);
}

/* Whether the caller may read (or act on) case (county, case_id) of the arguments. */
static bool
row_allowed(FunctionCallInfo fcinfo, bool act)
{
	RowProbe	p;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || !read_case(&p, fcinfo))
		return false;
	return act ? scope_case_actable(&p.c) : scope_case_readable(&p.c);
}

/* gridgov.case_row_readable(county, case_id): the caller may read the case. */
PG_FUNCTION_INFO_V1(gridgov_case_row_readable);
Datum
gridgov_case_row_readable(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(row_allowed(fcinfo, false));
}

/* gridgov.case_row_actable(county, case_id): the caller may act on the case. */
PG_FUNCTION_INFO_V1(gridgov_case_row_actable);
Datum
gridgov_case_row_actable(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(row_allowed(fcinfo, true));
}

/*
 * gridgov.case_event_now(county, case_id, action, payload): this transaction
 * appended an event of the action to the case's history whose payload
 * contains payload; false for a case the caller may not read (which it
 * could otherwise probe with guesses of a payload).
 */
PG_FUNCTION_INFO_V1(gridgov_case_event_now);
Datum
gridgov_case_event_now(PG_FUNCTION_ARGS)
{
	RowProbe	p;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_BOOL(false);
	/* Only of a case the caller sees: no probe of another's history. */
	if (!row_allowed(fcinfo, false))
		PG_RETURN_BOOL(false);
	MemSet(&p, 0, sizeof(p));
	p.sql = event_sql;
	p.tables = events_table;
	p.county = PG_GETARG_GRIDCODE(0);
	p.nargs = 4;
	p.types[0] = get_fn_expr_argtype(fcinfo->flinfo, 0);
	p.types[1] = INT8OID;
	p.types[2] = TEXTOID;
	p.types[3] = JSONBOID;
	p.values[0] = PG_GETARG_DATUM(0);
	p.values[1] = PG_GETARG_DATUM(1);
	p.values[2] = PG_GETARG_DATUM(2);
	p.values[3] = PG_GETARG_DATUM(3);
	PG_RETURN_BOOL(probe(&p));
}

/*
 * gridgov.whistle_calls_me(county, case_id, whistle_id): the whistle summons
 * the caller's department.
 */
PG_FUNCTION_INFO_V1(gridgov_whistle_calls_me);
Datum
gridgov_whistle_calls_me(PG_FUNCTION_ARGS)
{
	RowProbe	p;
	int64		department = scope_department_id();

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || department == 0)
		PG_RETURN_BOOL(false);
	MemSet(&p, 0, sizeof(p));
	p.sql = call_sql;
	p.tables = calls_table;
	p.county = PG_GETARG_GRIDCODE(0);
	p.nargs = 4;
	p.types[0] = get_fn_expr_argtype(fcinfo->flinfo, 0);
	p.types[1] = INT8OID;
	p.types[2] = INT8OID;
	p.types[3] = INT8OID;
	p.values[0] = PG_GETARG_DATUM(0);
	p.values[1] = PG_GETARG_DATUM(1);
	p.values[2] = PG_GETARG_DATUM(2);
	p.values[3] = Int64GetDatum(department);
	PG_RETURN_BOOL(probe(&p));
}

/* gridgov.my_department_id(): the department of the caller's active staff row, or NULL. */
PG_FUNCTION_INFO_V1(gridgov_my_department_id);
Datum
gridgov_my_department_id(PG_FUNCTION_ARGS)
{
	int64		department = scope_department_id();

	if (department == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(department);
}

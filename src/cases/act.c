/*
 * act.c
 *		gridgov.act(), gridgov.act_prepare() and the system actions; see act.h.
 *
 * gridgov.act(case_id, action, note, payload, at) announces the action and
 * runs one UPDATE of the case; the BEFORE UPDATE trigger (workflow.c) finds
 * the action's transition in the case's current state (the row as locked by
 * the UPDATE, so concurrent actions are checked one after the other), applies
 * it and its payload, and the engine (engine.c) appends the event and applies
 * the clock effects.  An announcement lives until its UPDATE, the end of the
 * (sub)transaction, or the next announcement.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "act.h"
#include "gridcode.h"
#include "shards.h"
#include "contact.h"
#include "errcodes.h"
#include "plans.h"

static PendingAction pending;

/* The system actions: no transition row; announced from C only. */
static const char *const system_actions[] = {"rehome", "master_closed", "escalate", "recalendar",
"contact_revealed", "sensor_alarm", "sensor_peak", "sensor_cleared"};

static void
act_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		pending.set = false;
}

/* An aborted subtransaction (savepoint, EXCEPTION block) forgets the action too. */
static void
act_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
					 SubTransactionId parentSubid pg_attribute_unused(),
					 void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		pending.set = false;
}

void
act_init(void)
{
	RegisterXactCallback(act_xact_callback, NULL);
	RegisterSubXactCallback(act_subxact_callback, NULL);
}

const PendingAction *
act_pending_for(int64 case_id)
{
	return (pending.set && pending.case_id == case_id) ? &pending : NULL;
}

void
act_pending_done(void)
{
	pending.set = false;
}

bool
act_is_system_action(const char *action)
{
	size_t		i;

	for (i = 0; i < lengthof(system_actions); i++)
		if (strcmp(action, system_actions[i]) == 0)
			return true;
	return false;
}

/* Announces an action (copies live in the transaction's memory). */
static void
announce(int64 case_id, const char *action, bool system, const char *note, Jsonb *payload,
		 bool has_at, TimestampTz at)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	pending.set = true;
	pending.system = system;
	pending.case_id = case_id;
	strlcpy(pending.action, action, sizeof(pending.action));
	pending.note = note ? pstrdup(note) : NULL;
	pending.payload = payload ? DatumGetJsonbPCopy(JsonbPGetDatum(payload)) : NULL;
	pending.has_at = has_at;
	pending.at = has_at ? at : 0;
	MemoryContextSwitchTo(old);
}

/*
 * The arguments act() and act_prepare() share (from argument first on:
 * case_id, action, note, payload, at): an announcement of a caller's action.
 */
static void
announce_args(FunctionCallInfo fcinfo, int first)
{
	char	   *action;

	if (PG_ARGISNULL(first) || PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("case_id and action must not be NULL")));
	if (!PG_ARGISNULL(first + 3) && !JB_ROOT_IS_OBJECT(PG_GETARG_JSONB_P(first + 3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("payload must be a JSON object")));
	action = text_to_cstring(PG_GETARG_TEXT_PP(first + 1));
	if (strlen(action) >= REF_NAME_LEN || act_is_system_action(action))
		ereport(ERROR,
				(errcode(GG_ILLEGAL_TRANSITION),
				 errmsg("\"%.*s\" is not an action a caller can take", REF_NAME_LEN, action)));
	announce(PG_GETARG_INT64(first), action, false,
			 PG_ARGISNULL(first + 2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(first + 2)),
			 PG_ARGISNULL(first + 3) ? NULL : PG_GETARG_JSONB_P(first + 3),
			 !PG_ARGISNULL(first + 4), PG_ARGISNULL(first + 4) ? 0 : PG_GETARG_TIMESTAMPTZ(first + 4));
}

/*
 * gridgov.act_prepare(case_id, action, note, payload, at): announce the
 * action of the next UPDATE of that case in this transaction.
 */
PG_FUNCTION_INFO_V1(gridgov_act_prepare);
Datum
gridgov_act_prepare(PG_FUNCTION_ARGS)
{
	announce_args(fcinfo, 0);
	PG_RETURN_VOID();
}

static SPIPlanPtr act_plan = NULL;
static SPIPlanPtr act_county_plan = NULL;

/*
 * The case the UPDATE of act() did not find: GG100 when the caller cannot
 * see it (it may not exist), 42501 when the caller sees it but may not act
 * on it (docs/security.md).
 */
static void
act_not_found(int64 case_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(case_id)};

	pending.set = false;
	plans_run("SELECT 1 FROM gridgov.cases x WHERE x.id = $1", 1, types, values, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("case " INT64_FORMAT " is outside the cases you may act on", case_id),
				 errdetail("A login acts on the cases of its grids, of its command center's jurisdiction or held by its department (docs/security.md)."),
				 errhint("SELECT * FROM gridgov.my_scope() shows your scope.")));
	ereport(ERROR,
			(errcode(GG_UNKNOWN_CASE),
			 errmsg("case " INT64_FORMAT " does not exist", case_id)));
}

/*
 * The action announced for case_id, taken by one UPDATE of the case ($1 its
 * id; with by_county, $1 the county and $2 the id); returns the updated case,
 * its contact data masked for a caller who may not read them.  Inside SPI.
 */
static Datum
act_update(Datum *values, Oid *types, bool by_county, int64 case_id)
{
	bool		isnull;
	Datum		county;

	if (by_county)
		plans_keep(&act_county_plan, "UPDATE gridgov.cases x SET updated_at = x.updated_at "
				   "WHERE x.county OPERATOR(gridgov.=) $1 AND x.id = $2 RETURNING x.county", 2, types);
	else
		plans_keep(&act_plan, "UPDATE gridgov.cases x SET updated_at = x.updated_at WHERE x.id = $1 "
				   "RETURNING x.county", 1, types);
	plans_execute(by_county ? act_county_plan : act_plan, values, NULL, false, 0, SPI_OK_UPDATE_RETURNING);
	if (SPI_processed == 0)
		act_not_found(case_id);
	county = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return contact_case_for_caller(county, SPI_gettypeid(SPI_tuptable->tupdesc, 1), case_id);
}

/*
 * Under Citus, act() on the coordinator: the case's county (read under the
 * caller's policy: a case it cannot see is GG100, as on one server), then
 * gridgov.act_in() of that county, which Citus runs on the node that holds
 * the case (a distributed function), where the announcement and the UPDATE
 * meet in one backend.
 */
static Datum
act_on_cluster(FunctionCallInfo fcinfo)
{
	Oid			id_type[1] = {INT8OID};
	Datum		id[1] = {PG_GETARG_DATUM(0)};
	Oid			types[6] = {InvalidOid, INT8OID, TEXTOID, TEXTOID, JSONBOID, TIMESTAMPTZOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	int			i;
	int			nest;
	int			rc;

	plans_run("SELECT x.county FROM gridgov.cases x WHERE x.id = $1", 1, id_type, id, NULL, true, 1,
			  SPI_OK_SELECT);
	if (SPI_processed == 0)
		act_not_found(PG_GETARG_INT64(0));
	types[0] = SPI_gettypeid(SPI_tuptable->tupdesc, 1);
	values[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	for (i = 0; i < 5; i++)
	{
		values[i + 1] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		nulls[i + 1] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	nest = plans_safe_begin(NULL, NULL);
	rc = SPI_execute_with_args("SELECT * FROM gridgov.act_in($1, $2, $3, $4, $5, $6)", 6, types, values,
							   nulls, false, 0);
	plans_safe_end(nest);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "gridgov: act_in() did not return the case");
	return PointerGetDatum(SPI_returntuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc));
}

/*
 * gridgov.act(case_id, action, note, payload, at): the workflow's one entry
 * point; returns the updated case, its contact data masked for a caller who
 * may not read them (GG100 when there is no such case in the caller's sight).
 */
PG_FUNCTION_INFO_V1(gridgov_act);
Datum
gridgov_act(PG_FUNCTION_ARGS)
{
	Datum		values[1];
	Oid			types[1] = {INT8OID};
	Datum		result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (shards_distributed("cases"))
	{
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			announce_args(fcinfo, 0);	/* the same error as on one server */
		result = act_on_cluster(fcinfo);
		SPI_finish();
		PG_RETURN_DATUM(result);
	}
	announce_args(fcinfo, 0);
	values[0] = PG_GETARG_DATUM(0);
	result = act_update(values, types, false, PG_GETARG_INT64(0));
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * gridgov.act_in(county, case_id, action, note, payload, at): act() on a
 * case of county, on the node that holds it (Citus runs it there; on one
 * server it is act() with the county).  Elsewhere the case's shard is not
 * local and it refuses (55000) rather than lose the announcement.
 */
PG_FUNCTION_INFO_V1(gridgov_act_in);
Datum
gridgov_act_in(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	Oid			types[2];
	Datum		result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("county must not be NULL")));
	announce_args(fcinfo, 1);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) shards_rows_relation("cases", gridcode_hash_of(PG_GETARG_GRIDCODE(0)));
	types[0] = get_fn_expr_argtype(fcinfo->flinfo, 0);
	types[1] = INT8OID;
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	result = act_update(values, types, true, PG_GETARG_INT64(1));
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* The UPDATE of each system action: what it may change. */
static const char *
system_update_sql(const char *action)
{
	if (strcmp(action, "rehome") == 0)
		return "UPDATE gridgov.cases SET grid = ($3 ->> 'to_grid')::gridgov.gridcode "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	if (strcmp(action, "master_closed") == 0)
		return "UPDATE gridgov.cases SET closed_at = $4 "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	if (strcmp(action, "recalendar") == 0 || strcmp(action, "contact_revealed") == 0 ||
		strncmp(action, "sensor_", 7) == 0)
		return "UPDATE gridgov.cases SET updated_at = updated_at "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	if (strcmp(action, "escalate") == 0)
		return "UPDATE gridgov.cases SET "
			"escalation_level = GREATEST(escalation_level, ($3 ->> 'level')::integer) "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown system action \"%.*s\"", REF_NAME_LEN, action)));
	return NULL;				/* keep the compiler quiet */
}

/* A system action's UPDATE; returns the number of rows it changed (0 or 1). */
static uint64
system_update(const SystemAction *a)
{
	const char *sql = system_update_sql(a->action);
	Oid			types[4] = {a->county_type, INT8OID, JSONBOID, TIMESTAMPTZOID};
	Datum		values[4] = {a->county, Int64GetDatum(a->case_id), JsonbPGetDatum(a->payload),
	TimestampTzGetDatum(a->at)};
	uint64		n;

	announce(a->case_id, a->action, true, a->note, a->payload, a->has_at, a->at);
	PG_TRY();
	{
		plans_run(sql, 4, types, values, NULL, false, 0, SPI_OK_UPDATE);
		n = SPI_processed;
	}
	PG_FINALLY();
	{
		pending.set = false;
	}
	PG_END_TRY();
	return n;
}

void
workflow_system_update(Datum county, Oid county_type, int64 case_id, const char *action,
					   Jsonb *payload, TimestampTz at)
{
	SystemAction a = {county, county_type, case_id, action, payload, NULL, true, at};

	system_update(&a);
}

uint64
act_system_action(const SystemAction *a)
{
	return system_update(a);
}

/*
 * Under Citus, on a node that does not hold the case (the coordinator): the
 * same call, which Citus runs on the node that does (a distributed function
 * by county, gridgov.distribute()), where the announcement and the UPDATE
 * meet in one backend.  Refuses (55000) when it would come back here.
 */
static void
system_update_elsewhere(FunctionCallInfo fcinfo)
{
	static bool delegating = false;
	Oid			types[5] = {get_fn_expr_argtype(fcinfo->flinfo, 0), INT8OID, TEXTOID, JSONBOID,
	TIMESTAMPTZOID};
	Datum		values[5] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), PG_GETARG_DATUM(2),
	PG_GETARG_DATUM(3), PG_GETARG_DATUM(4)};

	if (delegating)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the case's shard is not on this node"),
				 errdetail("Citus did not run gridgov.case_system_update() where the case is."),
				 errhint("Run gridgov.distribute() on the coordinator: it makes the function a distributed one.")));
	delegating = true;
	PG_TRY();
	{
		int			nest = plans_safe_begin(NULL, NULL);
		int			rc = SPI_execute_with_args("SELECT * FROM gridgov.case_system_update($1, $2, $3, $4, $5)",
											   5, types, values, NULL, false, 0);

		plans_safe_end(nest);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "gridgov: case_system_update() failed on the case's node");
	}
	PG_FINALLY();
	{
		delegating = false;
	}
	PG_END_TRY();
}

/*
 * gridgov.case_system_update(county, case_id, action, payload, at): the system
 * actions, recorded in the history with the payload.  rehome sets the grid to
 * payload.to_grid (may be null), master_closed sets closed_at to at, escalate
 * raises the supervision flag and the escalation level to payload.level.
 */
PG_FUNCTION_INFO_V1(gridgov_case_system_update);
Datum
gridgov_case_system_update(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("case_system_update: arguments must not be NULL")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!shards_rows_local("cases", gridcode_hash_of(PG_GETARG_GRIDCODE(0))))
		system_update_elsewhere(fcinfo);
	else
		workflow_system_update(PG_GETARG_DATUM(0), get_fn_expr_argtype(fcinfo->flinfo, 0),
							   PG_GETARG_INT64(1), text_to_cstring(PG_GETARG_TEXT_PP(2)),
							   PG_GETARG_JSONB_P(3), PG_GETARG_TIMESTAMPTZ(4));
	SPI_finish();
	PG_RETURN_VOID();
}

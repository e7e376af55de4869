/*
 * intake_finish.c
 *		The AFTER INSERT statement trigger on gridgov.cases
 *		(gridgov.case_intake_finish): what every new case needs besides its
 *		own row, for all the statement's new cases at once.
 *
 * In one pass over the statement's transition table, for each new case:
 *	- its intake event (seq 1, at reported_at, action intake, payload
 *	  {source, category, urgency, grid, department_id, possible_duplicate_of}),
 *	  hash-chained to the genesis hash by audit_event_hash(), the code behind
 *	  gridgov.event_hash();
 *	- the clocks its workflow starts at intake (sla_clocks.h), due after the
 *	  policy's limit on the policy's calendar, warning at warn_ratio of it;
 *	- unless gridgov.analytics_sync is on, an entry in gridgov.analytics_queue
 *	  (the analytics statement trigger refreshes at once otherwise).
 * Rows are appended in batches (batch.h) as the owner of the case history:
 * case roles need no rights on these tables.  The actor of the events is
 * the caller.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "audit.h"
#include "batch.h"
#include "case_columns.h"
#include "gridgov.h"
#include "owner.h"
#include "plans.h"
#include "refcache.h"
#include "sla_clocks.h"
#include "triggers.h"

/* Cases per batch: every batch's rows and arrays live in one memory context. */
#define FINISH_BATCH	1000

/* Intake events: columns and statements. */
enum
{
	EV_COUNTY, EV_CASE_ID, EV_AT, EV_ROLE, EV_STAFF, EV_TO_STATE, EV_PAYLOAD, EV_PREV, EV_HASH,
	EV_NCOLS
};

#define EVENT_COLUMNS \
	"INSERT INTO gridgov.case_events (county, case_id, seq, at, actor_role, actor_staff_id, " \
	"action, from_state, to_state, note, payload, prev_hash, hash) "
#define EVENT_ONE_SQL EVENT_COLUMNS \
	"VALUES ($1, $2, 1, $3, $4, $5, 'intake', NULL, $6, NULL, $7, $8, $9)"
#define EVENT_MANY_SQL EVENT_COLUMNS \
	"SELECT u.county, u.case_id, 1, u.at, u.actor_role, u.actor_staff_id, 'intake', NULL, u.to_state, " \
	"NULL, u.payload, u.prev_hash, u.hash " \
	"FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), " \
	"pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), " \
	"pg_catalog.unnest($8), pg_catalog.unnest($9)) " \
	"AS u(county, case_id, at, actor_role, actor_staff_id, to_state, payload, prev_hash, hash)"

/* Clocks started at intake. */
enum
{
	CL_COUNTY, CL_CASE_ID, CL_STAGE, CL_POLICY, CL_CALENDAR, CL_AMOUNT, CL_UNIT, CL_STARTED,
	CL_DUE, CL_WARN, CL_NCOLS
};

#define CLOCK_COLUMNS \
	"INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, policy_id, calendar_id, amount, unit, " \
	"started_at, due_at, warn_at, next_escalation_at) "
#define CLOCK_ONE_SQL CLOCK_COLUMNS \
	"VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $9)"
#define CLOCK_MANY_SQL CLOCK_COLUMNS \
	"SELECT u.county, u.case_id, u.stage, 1, u.policy_id, u.calendar_id, u.amount, u.unit, " \
	"u.started_at, u.due_at, u.warn_at, u.due_at " \
	"FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), " \
	"pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), " \
	"pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10)) " \
	"AS u(county, case_id, stage, policy_id, calendar_id, amount, unit, started_at, due_at, warn_at)"

/* Analytics queue entries. */
#define QUEUE_ONE_SQL \
	"INSERT INTO gridgov.analytics_queue (county, case_id) VALUES ($1, $2)"
#define QUEUE_MANY_SQL \
	"INSERT INTO gridgov.analytics_queue (county, case_id) " \
	"SELECT u.county, u.case_id FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) " \
	"AS u(county, case_id)"

/*
 * A single new case (a single-row INSERT): its event, clocks and queue entry
 * in one statement ($1-$9 the event, $10-$19 the clocks as arrays, $20
 * whether to queue), one executor start instead of three.
 */
#define SINGLE_SQL \
	"WITH e AS (" EVENT_ONE_SQL "), " \
	"q AS (INSERT INTO gridgov.analytics_queue (county, case_id) SELECT $1, $2 WHERE $20) " \
	CLOCK_COLUMNS \
	"SELECT u.county, u.case_id, u.stage, 1, u.policy_id, u.calendar_id, u.amount, u.unit, " \
	"u.started_at, u.due_at, u.warn_at, u.due_at " \
	"FROM ROWS FROM (pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12), " \
	"pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), pg_catalog.unnest($16), " \
	"pg_catalog.unnest($17), pg_catalog.unnest($18), pg_catalog.unnest($19)) " \
	"AS u(county, case_id, stage, policy_id, calendar_id, amount, unit, started_at, due_at, warn_at)"
#define SINGLE_NARGS	(EV_NCOLS + CL_NCOLS + 1)

/* Kept plans. */
static SPIPlanPtr single_plan = NULL;
static SPIPlanPtr event_one_plan = NULL;
static SPIPlanPtr event_many_plan = NULL;
static SPIPlanPtr clock_one_plan = NULL;
static SPIPlanPtr clock_many_plan = NULL;
static SPIPlanPtr queue_one_plan = NULL;
static SPIPlanPtr queue_many_plan = NULL;

typedef struct Finish
{
	const int  *attnum;
	Oid			county_type;
	/* the actor of the events */
	Datum		role;
	bool		has_staff;
	int64		staff;
	Datum		genesis;
	/* the batches */
	Batch		events;
	Batch		clocks;
	Batch		queue;
	bool		queue_on;
} Finish;

/* The intake payload ---------------------------------------------------------- */

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

static void
push_string(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	push_key(st, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

static void
push_bigint(JsonbParseState **st, const char *key, TupleTableSlot *slot, int attnum)
{
	JsonbValue	v;
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	push_key(st, key);
	if (isnull)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(DatumGetInt64(d));
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * A column of a new case that its NOT NULL constraint has checked; an error
 * rather than a misread value should the constraint ever be missing.
 */
static Datum
slot_required(TupleTableSlot *slot, int attnum, CaseCol c)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a new case has no %s", case_column_name(c))));
	return d;
}

/* A required text or enum column as a C string. */
static const char *
slot_text(TupleTableSlot *slot, const int *attnum, CaseCol c, bool is_enum)
{
	Datum		d = slot_required(slot, attnum[c], c);

	return is_enum ? DatumGetCString(DirectFunctionCall1(enum_out, d)) : TextDatumGetCString(d);
}

/* {source, category, urgency, grid (as text), department_id, possible_duplicate_of} */
static Jsonb *
intake_payload(TupleTableSlot *slot, const int *attnum, const char *source, const char *category,
			   const char *urgency)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	bool		isnull;
	Datum		grid = slot_getattr(slot, attnum[CC_GRID], &isnull);
	char		code[GRIDCODE_MAX_DIGITS + 1];

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_string(&st, "source", source);
	push_string(&st, "category", category);
	push_string(&st, "urgency", urgency);
	if (!isnull)
		gridcode_to_cstring(DatumGetGridCode(grid), code);
	push_string(&st, "grid", isnull ? NULL : code);
	push_bigint(&st, "department_id", slot, attnum[CC_DEPARTMENT]);
	push_bigint(&st, "possible_duplicate_of", slot, attnum[CC_DUPLICATE]);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* One new case ------------------------------------------------------------------ */

typedef struct NewCase
{
	Datum		county;
	int64		case_id;
	TimestampTz reported_at;
	const char *source;
	const char *category;
	const char *urgency;
	const char *workflow;
	const char *state;
} NewCase;

static void
add_event(Finish *f, TupleTableSlot *slot, const NewCase *nc)
{
	CaseEvent	e;
	Jsonb	   *payload = intake_payload(slot, f->attnum, nc->source, nc->category, nc->urgency);
	uint8		hash[AUDIT_HASH_LEN];
	Datum		v[EV_NCOLS];
	bool		n[EV_NCOLS] = {false};

	e.county = DatumGetGridCode(nc->county);
	e.case_id = nc->case_id;
	e.seq = 1;
	e.at = nc->reported_at;
	e.actor_role = NameStr(*DatumGetName(f->role));
	e.has_staff = f->has_staff;
	e.actor_staff_id = f->staff;
	e.action = "intake";
	e.from_state = NULL;
	e.to_state = nc->state;
	e.note = NULL;
	e.payload = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	audit_event_hash(audit_genesis, &e, hash);

	v[EV_COUNTY] = nc->county;
	v[EV_CASE_ID] = Int64GetDatum(nc->case_id);
	v[EV_AT] = TimestampTzGetDatum(nc->reported_at);
	v[EV_ROLE] = f->role;
	v[EV_STAFF] = Int64GetDatum(f->staff);
	n[EV_STAFF] = !f->has_staff;
	v[EV_TO_STATE] = CStringGetTextDatum(nc->state);
	v[EV_PAYLOAD] = JsonbPGetDatum(payload);
	v[EV_PREV] = f->genesis;
	v[EV_HASH] = PointerGetDatum(audit_hash_bytea(hash));
	batch_add(&f->events, v, n);
}

/*
 * True while this trigger appends clocks: the analytics trigger on
 * case_clocks skips those (WHEN NOT gridgov.intake_writing()), as the cases
 * are queued, or refreshed by the analytics trigger on cases, anyway.
 */
static bool writing_clocks = false;

/* Runs fn(arg) with writing_clocks set. */
static void
while_writing_clocks(void (*fn) (void *), void *arg)
{
	writing_clocks = true;
	PG_TRY();
	{
		fn(arg);
	}
	PG_FINALLY();
	{
		writing_clocks = false;
	}
	PG_END_TRY();
}

static void
batch_flush_cb(void *arg)
{
	batch_flush((Batch *) arg);
}

/* Appends the batch of clocks (a callback for owner_run_as_history_owner). */
static void
flush_clocks_cb(void *arg)
{
	while_writing_clocks(batch_flush_cb, arg);
}

static void
run_single(void *arg)
{
	Finish	   *f = (Finish *) arg;
	Datum		params[SINGLE_NARGS];
	char		nulls[SINGLE_NARGS];
	Oid			types[SINGLE_NARGS];
	SPIPlanPtr	plan;

	batch_params(&f->events, false, params, nulls, types);
	batch_params(&f->clocks, true, params + EV_NCOLS, nulls + EV_NCOLS, types + EV_NCOLS);
	params[SINGLE_NARGS - 1] = BoolGetDatum(f->queue_on);
	nulls[SINGLE_NARGS - 1] = ' ';
	types[SINGLE_NARGS - 1] = BOOLOID;
	plan = plans_keep(&single_plan, SINGLE_SQL, SINGLE_NARGS, types, 0);
	plans_execute(plan, params, nulls, false, 0, SPI_OK_INSERT);
	if (SPI_processed != (uint64) f->clocks.n)
		elog(ERROR, "could not append the intake event and clocks");
	f->events.n = 0;
	f->clocks.n = 0;
	f->queue.n = 0;
}

/* The event, clocks and queue entry of a single case, in one statement. */
static void
flush_single(Finish *f)
{
	while_writing_clocks(run_single, f);
}

static void
flush_cb(void *arg)
{
	Finish	   *f = (Finish *) arg;

	if (f->events.n == 1 && f->events.capacity == 1)
	{
		flush_single(f);
		return;
	}
	batch_flush(&f->events);
	flush_clocks_cb(&f->clocks);
	if (f->queue_on)
		batch_flush(&f->queue);
}

PG_FUNCTION_INFO_V1(gridgov_intake_writing);
Datum
gridgov_intake_writing(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(writing_clocks);
}

static void
add_clocks(Finish *f, const NewCase *nc)
{
	const ClockStart *starts;
	int			k = sla_intake_clocks(nc->workflow, nc->category, nc->urgency, nc->source, &starts);
	int			i;

	for (i = 0; i < k; i++)
	{
		const ClockStart *s = &starts[i];
		Datum		v[CL_NCOLS];
		bool		n[CL_NCOLS] = {false};

		v[CL_COUNTY] = nc->county;
		v[CL_CASE_ID] = Int64GetDatum(nc->case_id);
		v[CL_STAGE] = s->stage;
		v[CL_POLICY] = Int64GetDatum(s->policy_id);
		v[CL_CALENDAR] = Int32GetDatum(s->calendar_id);
		/* batch_add() copies them: a change of the policies may empty the memo. */
		v[CL_AMOUNT] = NumericGetDatum(s->amount);
		v[CL_UNIT] = s->unit;
		v[CL_STARTED] = TimestampTzGetDatum(nc->reported_at);
		v[CL_DUE] = TimestampTzGetDatum(worktime_add_internal(s->calendar_id, nc->reported_at,
															  s->amount, s->wunit));
		v[CL_WARN] = TimestampTzGetDatum(worktime_add_internal(s->calendar_id, nc->reported_at,
															   s->warn_amount, s->wunit));
		if (batch_full(&f->clocks))
			owner_run_as_history_owner(flush_clocks_cb, &f->clocks);
		batch_add(&f->clocks, v, n);
	}
}

static void
add_case(Finish *f, TupleTableSlot *slot)
{
	const int  *attnum = f->attnum;
	NewCase		nc;

	nc.county = slot_required(slot, attnum[CC_COUNTY], CC_COUNTY);
	nc.case_id = DatumGetInt64(slot_required(slot, attnum[CC_ID], CC_ID));
	nc.reported_at = DatumGetTimestampTz(slot_required(slot, attnum[CC_REPORTED_AT], CC_REPORTED_AT));
	nc.source = slot_text(slot, attnum, CC_SOURCE, true);
	nc.category = slot_text(slot, attnum, CC_CATEGORY, false);
	nc.urgency = slot_text(slot, attnum, CC_URGENCY, true);
	nc.workflow = slot_text(slot, attnum, CC_WORKFLOW, false);
	nc.state = slot_text(slot, attnum, CC_STATE, false);

	add_event(f, slot, &nc);
	add_clocks(f, &nc);
	if (f->queue_on)
	{
		Datum		v[2] = {nc.county, Int64GetDatum(nc.case_id)};
		bool		n[2] = {false, false};

		batch_add(&f->queue, v, n);
	}
}

/* Set-up ------------------------------------------------------------------------- */

static void
finish_init(Finish *f, Relation rel)
{
	const char *role = GetUserNameFromId(GetUserId(), false);

	f->attnum = case_columns(rel)->attnum;
	f->county_type = TupleDescAttr(RelationGetDescr(rel), f->attnum[CC_COUNTY] - 1)->atttypid;
	f->role = DirectFunctionCall1(namein, CStringGetDatum(role));
	f->has_staff = refcache_staff_of_role(GetUserId(), &f->staff);
	if (!f->has_staff)
		f->staff = 0;
	f->genesis = PointerGetDatum(audit_hash_bytea(audit_genesis));
	f->queue_on = !gridgov_analytics_sync;
}

/*
 * Batches are set up in the per-batch context (reset after each flush), so
 * they are (re)initialised at the start of each batch.
 */
static void
batches_init(Finish *f, int capacity)
{
	Oid			ev_types[EV_NCOLS] = {f->county_type, INT8OID, TIMESTAMPTZOID, NAMEOID, INT8OID,
	TEXTOID, JSONBOID, BYTEAOID, BYTEAOID};
	Oid			cl_types[CL_NCOLS] = {f->county_type, INT8OID, sla_stage_type(), INT8OID, INT4OID,
	NUMERICOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Oid			q_types[2] = {f->county_type, INT8OID};

	batch_init(&f->events, "intake events", EV_NCOLS, ev_types, capacity,
			   EVENT_ONE_SQL, &event_one_plan, EVENT_MANY_SQL, &event_many_plan);
	/* A case starts a few clocks (two with the shipped workflows). */
	batch_init(&f->clocks, "intake clocks", CL_NCOLS, cl_types, capacity * 2,
			   CLOCK_ONE_SQL, &clock_one_plan, CLOCK_MANY_SQL, &clock_many_plan);
	batch_init(&f->queue, "analytics queue entries", 2, q_types, capacity,
			   QUEUE_ONE_SQL, &queue_one_plan, QUEUE_MANY_SQL, &queue_many_plan);
}

PG_FUNCTION_INFO_V1(gridgov_case_intake_finish);
Datum
gridgov_case_intake_finish(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "case_intake_finish");
	Finish		f;
	Tuplestorestate *ts;
	TupleTableSlot *slot;
	MemoryContext batch_cxt;
	MemoryContext case_cxt;
	MemoryContext old;
	int			readptr;
	int			capacity;

	if (td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gridgov.case_intake_finish() needs the transition table of the new cases"),
				 errhint("Create the trigger with REFERENCING NEW TABLE AS new_cases.")));
	ts = td->tg_newtable;
	if (tuplestore_tuple_count(ts) == 0)
		return PointerGetDatum(NULL);
	capacity = (int) Min(tuplestore_tuple_count(ts), FINISH_BATCH);

	/*
	 * The lock on case_clocks comes before the policies are looked up: a
	 * policy or calendar being removed (its guard holds SHARE on case_clocks)
	 * is then gone, its removal's invalidation taken in with the lock, or
	 * waits for this transaction.
	 */
	LockRelationOid(triggers_gridgov_relid("case_clocks"), RowExclusiveLock);
	finish_init(&f, td->tg_relation);

	/* A read pointer of our own, as a scan of the transition table takes one. */
	readptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, readptr);
	tuplestore_rescan(ts);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation), &TTSOpsMinimalTuple);

	/*
	 * Two contexts: one for a batch's rows (about 0.5 kB a case, copied in by
	 * batch_add()), one for the work on each case, reset after it.  Both keep
	 * their first block across resets, so a large insert reuses the same
	 * memory instead of giving it back to the system and faulting it in again.
	 */
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "gridgov intake batch",
									  capacity * 1024, ALLOCSET_DEFAULT_INITSIZE,
									  ALLOCSET_DEFAULT_MAXSIZE);
	case_cxt = AllocSetContextCreate(CurrentMemoryContext, "gridgov intake case",
									 64 * 1024, 64 * 1024, ALLOCSET_DEFAULT_MAXSIZE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	old = MemoryContextSwitchTo(batch_cxt);
	batches_init(&f, capacity);
	MemoryContextSwitchTo(case_cxt);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		add_case(&f, slot);
		/* A tuple read back from a spilled store was allocated here too. */
		ExecClearTuple(slot);
		MemoryContextReset(case_cxt);
		if (batch_full(&f.events))
		{
			owner_run_as_history_owner(flush_cb, &f);
			MemoryContextReset(case_cxt);
			MemoryContextReset(batch_cxt);
			MemoryContextSwitchTo(batch_cxt);
			batches_init(&f, capacity);
			MemoryContextSwitchTo(case_cxt);
		}
	}
	owner_run_as_history_owner(flush_cb, &f);
	MemoryContextSwitchTo(old);
	SPI_finish();
	tuplestore_select_read_pointer(ts, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(case_cxt);
	MemoryContextDelete(batch_cxt);
	return PointerGetDatum(NULL);
}

/*
 * intake_finish.c
 *		The AFTER INSERT statement trigger on gridgov.cases
 *		(gridgov.case_intake_finish): what every new case needs besides its
 *		own row, for all the statement's new cases at once.
 *
 * In one pass over the statement's transition table, for each new case the
 * engine (engine.h) is given:
 *	- its intake event (seq 1, at reported_at, action intake, payload
 *	  {source, category, urgency, grid, department_id, possible_duplicate_of}),
 *	  chained to the genesis hash;
 *	- the clocks its workflow starts at intake (workflows.intake_clocks), due
 *	  after the policy's limit on the policy's calendar.
 * and appends them in batches as the owner of the case history.  The actor of
 * the events is the caller.  With gridgov.analytics_sync on, the new cases'
 * analytics are refreshed at the end; otherwise the analytics job reads the
 * new events from the history (docs/bi.md).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "audit.h"
#include "case_columns.h"
#include "engine.h"
#include "gridgov.h"
#include "history_import.h"
#include "jsonbuild.h"
#include "notify.h"
#include "owner.h"
#include "plans.h"
#include "refcache.h"
#include "restore.h"
#include "sla_clocks.h"
#include "triggers.h"
#include "worktime.h"

/* Cases per batch: every batch's rows and arrays live in one memory context. */
#define FINISH_BATCH	1000

typedef struct Finish
{
	const int  *attnum;
	Oid			county_type;
	/* the actor of the events */
	const char *role;
	bool		has_staff;
	int64		staff;
	EngineBatch batch;
	/* cases restored from a dump were met (restore.c) */
	bool		restored;
	/* the new cases' ids, for a synchronous analytics refresh */
	bool		sync;
	ArrayBuildState *ids;
} Finish;

/* The intake payload ---------------------------------------------------------- */

static void
push_bigint(JsonbParseState **st, const char *key, TupleTableSlot *slot, int attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	if (isnull)
		jb_string(st, key, NULL);
	else
		jb_int64(st, key, DatumGetInt64(d));
}

/*
 * The discovery deadline of a case found at occurred_at (1.3.0): when the
 * discover policy the engine picks for it (Yizhuang: 30 minutes) ends, as
 * ISO 8601 text; NULL without occurred_at or without such a policy.  No
 * clock runs for it (the case did not exist yet): intake records it, in UTC,
 * and the timeliness views compare reported_at with it.
 */
static char *
discover_due(TupleTableSlot *slot, const int *attnum, const char *source, const char *category,
			 const char *urgency)
{
	static char *const stage[] = {"discover"};
	const int	utc = 0;			/* the same text whatever the session's time zone */
	const ClockStart *starts;
	bool		isnull = true;
	Datum		occurred = attnum[CC_OCCURRED_AT] ? slot_getattr(slot, attnum[CC_OCCURRED_AT], &isnull) : 0;
	TimestampTz due;

	if (isnull || sla_clocks_for(1, (char **) stage, category, urgency, source, &starts) == 0)
		return NULL;
	due = worktime_add_internal(starts[0].calendar_id, DatumGetTimestampTz(occurred), starts[0].amount,
								starts[0].wunit);
	return JsonEncodeDateTime(NULL, TimestampTzGetDatum(due), TIMESTAMPTZOID, &utc);
}

/*
 * What assisted intake did (1.5.0; intake_assist.c), when it did anything:
 * category_by unless the caller gave the category, located_by when the grid
 * came from words.  Its evidence (the probability, the words, the place) is
 * the case's (cases.assisted), not repeated in every intake event.
 */
static void
push_assisted(JsonbParseState **st, TupleTableSlot *slot, const int *attnum)
{
	bool		isnull;
	Datum		d;
	char	   *by;

	if (attnum[CC_CATEGORY_BY] == 0)
		return;
	d = slot_getattr(slot, attnum[CC_CATEGORY_BY], &isnull);
	by = isnull ? NULL : TextDatumGetCString(d);
	if (by && strcmp(by, "caller") != 0)
		jb_string(st, "category_by", by);
	d = slot_getattr(slot, attnum[CC_LOCATED_BY], &isnull);
	by = isnull ? NULL : TextDatumGetCString(d);
	if (by && strcmp(by, "address") == 0)
		jb_string(st, "located_by", by);
}

/* {source, category, urgency, grid (as text), department_id, possible_duplicate_of[, discover_due][, category_by, located_by]} */
static Jsonb *
intake_payload(TupleTableSlot *slot, const int *attnum, const char *source, const char *category,
			   const char *urgency)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	bool		isnull;
	Datum		grid = slot_getattr(slot, attnum[CC_GRID], &isnull);
	char		code[GRIDCODE_MAX_DIGITS + 1];
	char	   *due = discover_due(slot, attnum, source, category, urgency);

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_string(&st, "source", source);
	jb_string(&st, "category", category);
	jb_string(&st, "urgency", urgency);
	if (!isnull)
		gridcode_to_cstring(DatumGetGridCode(grid), code);
	jb_string(&st, "grid", isnull ? NULL : code);
	push_bigint(&st, "department_id", slot, attnum[CC_DEPARTMENT]);
	push_bigint(&st, "possible_duplicate_of", slot, attnum[CC_DUPLICATE]);
	if (due)
		jb_string(&st, "discover_due", due);
	push_assisted(&st, slot, attnum);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
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

/* One new case ------------------------------------------------------------------ */

typedef struct NewCase
{
	EngineCase	c;
	TimestampTz reported_at;
	const char *workflow;
	const char *state;
} NewCase;

static void
add_event(Finish *f, TupleTableSlot *slot, const NewCase *nc)
{
	CaseEvent	e;
	Jsonb	   *payload = intake_payload(slot, f->attnum, nc->c.source, nc->c.category, nc->c.urgency);
	uint8		hash[AUDIT_HASH_LEN];

	e.county = DatumGetGridCode(nc->c.county);
	e.case_id = nc->c.case_id;
	e.seq = 1;
	e.at = nc->reported_at;
	e.actor_role = f->role;
	e.has_staff = f->has_staff;
	e.actor_staff_id = f->staff;
	e.action = "intake";
	e.from_state = NULL;
	e.to_state = nc->state;
	e.note = NULL;
	e.payload = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	engine_add_event(&f->batch, &e, payload, audit_genesis, hash);
	notify_case_intake(&e, slot, f->attnum);
}

static void
add_case(Finish *f, TupleTableSlot *slot)
{
	const int  *attnum = f->attnum;
	const RefWorkflow *w;
	NewCase		nc;

	nc.c.county = slot_required(slot, attnum[CC_COUNTY], CC_COUNTY);
	nc.c.county_type = f->county_type;
	nc.c.case_id = DatumGetInt64(slot_required(slot, attnum[CC_ID], CC_ID));
	/* A case restored from a dump brings its own events and clocks (restore.c). */
	if (restore_take_case(DatumGetGridCode(nc.c.county), nc.c.case_id))
	{
		f->restored = true;
		return;
	}
	nc.reported_at = DatumGetTimestampTz(slot_required(slot, attnum[CC_REPORTED_AT], CC_REPORTED_AT));
	nc.c.source = slot_text(slot, attnum, CC_SOURCE, true);
	nc.c.category = slot_text(slot, attnum, CC_CATEGORY, false);
	nc.c.urgency = slot_text(slot, attnum, CC_URGENCY, true);
	nc.workflow = slot_text(slot, attnum, CC_WORKFLOW, false);
	nc.state = slot_text(slot, attnum, CC_STATE, false);

	add_event(f, slot, &nc);
	w = refcache_workflow(nc.workflow);
	if (w && w->nintake_clocks > 0)
		engine_add_clocks(&f->batch, &nc.c, w->nintake_clocks, w->intake_clocks, nc.reported_at, true);
	if (f->sync)
		f->ids = accumArrayResult(f->ids, Int64GetDatum(nc.c.case_id), false, INT8OID,
								  CurTransactionContext);
}

/* Set-up ------------------------------------------------------------------------- */

static void
finish_init(Finish *f, Relation rel)
{
	f->attnum = case_columns(rel)->attnum;
	f->county_type = TupleDescAttr(RelationGetDescr(rel), f->attnum[CC_COUNTY] - 1)->atttypid;
	f->role = GetUserNameFromId(GetUserId(), false);
	f->has_staff = refcache_staff_of_role(GetUserId(), &f->staff);
	if (!f->has_staff)
		f->staff = 0;
	f->sync = gridgov_analytics_sync;
	f->restored = false;
	f->ids = NULL;
}

/* With gridgov.analytics_sync on: the new cases' analytics, at once. */
static void
refresh_cb(void *arg)
{
	Finish	   *f = (Finish *) arg;
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1] = {makeArrayResult(f->ids, CurrentMemoryContext)};

	plans_run("SELECT gridgov.analytics_refresh($1)", 1, types, values, NULL, false, 0, SPI_OK_SELECT);
}

/*
 * After cases restored from a dump: the watermark of the analytics' outbox
 * goes, so that the next drain recomputes the analytics (not dumped) of the
 * whole history, whose events carry another cluster's transaction ids.
 */
static void
restored_cb(void *arg pg_attribute_unused())
{
	plans_run("DELETE FROM gridgov.analytics_watermark", 0, NULL, NULL, NULL, false, 0, SPI_OK_DELETE);
}

/* Every new case of the transition table, in batches of FINISH_BATCH. */
static void
finish_cases(Finish *f, Relation rel, Tuplestorestate *ts, int capacity)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	/*
	 * Two contexts: one for a batch's rows (about 0.5 kB a case, copied in by
	 * batch_add()), one for the work on each case, reset after it.  Both keep
	 * their first block across resets, so a large insert reuses the same
	 * memory instead of giving it back to the system and faulting it in again.
	 */
	MemoryContext batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "gridgov intake batch",
													capacity * 1024, ALLOCSET_DEFAULT_INITSIZE,
													ALLOCSET_DEFAULT_MAXSIZE);
	MemoryContext case_cxt = AllocSetContextCreate(CurrentMemoryContext, "gridgov intake case",
												   64 * 1024, 64 * 1024, ALLOCSET_DEFAULT_MAXSIZE);
	MemoryContext old = MemoryContextSwitchTo(batch_cxt);

	engine_batch_init(&f->batch, f->county_type, capacity);
	MemoryContextSwitchTo(case_cxt);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		add_case(f, slot);
		/* A tuple read back from a spilled store was allocated here too. */
		ExecClearTuple(slot);
		MemoryContextReset(case_cxt);
		if (engine_batch_full(&f->batch))
		{
			engine_flush(&f->batch);
			MemoryContextReset(case_cxt);
			MemoryContextReset(batch_cxt);
			MemoryContextSwitchTo(batch_cxt);
			engine_batch_init(&f->batch, f->county_type, capacity);
			MemoryContextSwitchTo(case_cxt);
		}
	}
	engine_flush(&f->batch);
	MemoryContextSwitchTo(old);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(case_cxt);
	MemoryContextDelete(batch_cxt);
}

PG_FUNCTION_INFO_V1(gridgov_case_intake_finish);
Datum
gridgov_case_intake_finish(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "case_intake_finish");
	Finish		f;
	Tuplestorestate *ts;
	int			readptr;
	int			nest;

	if (td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gridgov.case_intake_finish() needs the transition table of the new cases"),
				 errhint("Create the trigger with REFERENCING NEW TABLE AS new_cases.")));
	ts = td->tg_newtable;
	/* Imported cases come with their history (history_import.c). */
	if (tuplestore_tuple_count(ts) == 0 || history_import_inserting())
		return PointerGetDatum(NULL);

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
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	nest = plans_safe_begin(NULL, NULL);
	finish_cases(&f, td->tg_relation, ts, (int) Min(tuplestore_tuple_count(ts), FINISH_BATCH));
	if (f.sync && f.ids != NULL)
		owner_run_as_history_owner(refresh_cb, &f);
	if (f.restored)
		owner_run_as_history_owner(restored_cb, NULL);
	plans_safe_end(nest);
	SPI_finish();
	tuplestore_select_read_pointer(ts, 0);
	/* A bulk load: the plans made on the tables before it are made again. */
	plans_table_grew(RelationGetRelid(td->tg_relation));
	plans_table_grew(triggers_gridgov_relid("case_events"));
	plans_table_grew(triggers_gridgov_relid("case_clocks"));
	return PointerGetDatum(NULL);
}

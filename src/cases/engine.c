/*
 * engine.c
 *		The case engine: events and clock effects; see engine.h.
 *
 * Rows are appended with kept plans: one row through plain parameters, many
 * through one array per column and unnest() (batch.h); a one-row intake
 * writes its event and clocks in one statement.  The clock effects of an
 * action are a few UPDATEs of the case's clocks, found by the primary key's
 * prefix (county, case_id).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "engine.h"
#include "gridcode.h"
#include "shards.h"
#include "errcodes.h"
#include "horizon.h"
#include "owner.h"
#include "payload.h"
#include "plans.h"
#include "requests.h"
#include "sla_clocks.h"
#include "triggers.h"
#include "act.h"
#include "worktime.h"

/* Events: columns and statements. */
enum
{
	EV_COUNTY, EV_CASE_ID, EV_SEQ, EV_AT, EV_ROLE, EV_STAFF, EV_ACTION, EV_FROM, EV_TO, EV_NOTE,
	EV_PAYLOAD, EV_PREV, EV_HASH, EV_NCOLS
};

#define EVENT_COLUMNS \
	"INSERT INTO %1$s (county, case_id, seq, at, actor_role, actor_staff_id, " \
	"action, from_state, to_state, note, payload, prev_hash, hash) "
#define EVENT_ONE_SQL EVENT_COLUMNS \
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
#define EVENT_MANY_SQL EVENT_COLUMNS \
	"SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), " \
	"pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), " \
	"pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11), " \
	"pg_catalog.unnest($12), pg_catalog.unnest($13))"

/*
 * Clocks: columns and statements.  A clock started at intake is the first of
 * its stage (seq 1); one started later follows the case's last of the stage.
 */
enum
{
	CL_COUNTY, CL_CASE_ID, CL_STAGE, CL_SEQ, CL_POLICY, CL_CALENDAR, CL_AMOUNT, CL_UNIT, CL_STARTED,
	CL_DUE, CL_WARN, CL_NCOLS
};

#define CLOCK_COLUMNS(clocks) \
	"INSERT INTO " clocks " (county, case_id, stage, seq, policy_id, calendar_id, amount, unit, " \
	"started_at, due_at, warn_at, next_escalation_at) "
#define CLOCK_SEQ(clocks, county, case_id, stage, seq) \
	"COALESCE(" seq ", 1 + COALESCE((SELECT pg_catalog.max(k.seq) FROM " clocks " k " \
	"WHERE k.county OPERATOR(gridgov.=) " county " AND k.case_id = " case_id " AND k.stage = " stage "), 0))"
#define CLOCK_ONE_SQL CLOCK_COLUMNS("%1$s") \
	"VALUES ($1, $2, $3, " CLOCK_SEQ("%1$s", "$1", "$2", "$3", "$4") ", $5, $6, $7, $8, $9, $10, $11, $10)"
#define CLOCK_ROWS(clocks, p) \
	"SELECT u.county, u.case_id, u.stage, " CLOCK_SEQ(clocks, "u.county", "u.case_id", "u.stage", "u.seq") ", " \
	"u.policy_id, u.calendar_id, u.amount, u.unit, u.started_at, u.due_at, u.warn_at, u.due_at " \
	"FROM ROWS FROM (pg_catalog.unnest(" p "1), pg_catalog.unnest(" p "2), pg_catalog.unnest(" p "3), " \
	"pg_catalog.unnest(" p "4), pg_catalog.unnest(" p "5), pg_catalog.unnest(" p "6), " \
	"pg_catalog.unnest(" p "7), pg_catalog.unnest(" p "8), pg_catalog.unnest(" p "9), " \
	"pg_catalog.unnest(" p "10), pg_catalog.unnest(" p "11)) " \
	"AS u(county, case_id, stage, seq, policy_id, calendar_id, amount, unit, started_at, due_at, warn_at)"
#define CLOCK_MANY_SQL CLOCK_COLUMNS("%1$s") CLOCK_ROWS("%1$s", "$")

/* One case's event and clocks in one statement (a one-row intake or update). */
#define SINGLE_SQL \
	"WITH e AS (" EVENT_ONE_SQL ") " CLOCK_COLUMNS("%2$s") \
	"SELECT u.county, u.case_id, u.stage, " CLOCK_SEQ("%2$s", "u.county", "u.case_id", "u.stage", "u.seq") ", " \
	"u.policy_id, u.calendar_id, u.amount, u.unit, u.started_at, u.due_at, u.warn_at, u.due_at " \
	"FROM ROWS FROM (pg_catalog.unnest($14), pg_catalog.unnest($15), pg_catalog.unnest($16), " \
	"pg_catalog.unnest($17), pg_catalog.unnest($18), pg_catalog.unnest($19), pg_catalog.unnest($20), " \
	"pg_catalog.unnest($21), pg_catalog.unnest($22), pg_catalog.unnest($23), pg_catalog.unnest($24)) " \
	"AS u(county, case_id, stage, seq, policy_id, calendar_id, amount, unit, started_at, due_at, warn_at)"
#define SINGLE_NARGS	(EV_NCOLS + CL_NCOLS)

/* Where the statements write: the tables, or under Citus the shards (shards.c). */
static const char *const events_table[] = {"case_events", NULL};
static const char *const clocks_table[] = {"case_clocks", NULL};
static const char *const single_tables[] = {"case_events", "case_clocks", NULL};
static const char *const clocks_calendars[] = {"case_clocks", "calendars", NULL};
static const char *const cases_table[] = {"cases", NULL};

static void flush_clocks(EngineBatch *b);

/* Adding ---------------------------------------------------------------------- */

void
engine_batch_init(EngineBatch *b, Oid county_type, int capacity)
{
	Oid			ev_types[EV_NCOLS] = {county_type, INT8OID, INT4OID, TIMESTAMPTZOID, NAMEOID, INT8OID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, BYTEAOID, BYTEAOID};
	Oid			cl_types[CL_NCOLS] = {county_type, INT8OID, sla_stage_type(), INT4OID, INT8OID, INT4OID,
	NUMERICOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};

	batch_init(&b->events, "case events", EV_NCOLS, ev_types, capacity,
			   events_table, EVENT_ONE_SQL, EVENT_MANY_SQL);
	/* A case starts a few clocks (two with the shipped workflows). */
	batch_init(&b->clocks, "case clocks", CL_NCOLS, cl_types, capacity * 2,
			   clocks_table, CLOCK_ONE_SQL, CLOCK_MANY_SQL);
	b->single = (capacity == 1);
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

void
engine_add_event(EngineBatch *b, const CaseEvent *e, Jsonb *payload, const uint8 *prev, uint8 *hash)
{
	Datum		v[EV_NCOLS];
	bool		n[EV_NCOLS] = {false};

	audit_event_hash(prev, e, hash);
	v[EV_COUNTY] = GridCodeGetDatum(e->county);
	v[EV_CASE_ID] = Int64GetDatum(e->case_id);
	v[EV_SEQ] = Int32GetDatum(e->seq);
	v[EV_AT] = TimestampTzGetDatum(e->at);
	v[EV_ROLE] = DirectFunctionCall1(namein, CStringGetDatum(e->actor_role));
	v[EV_STAFF] = Int64GetDatum(e->actor_staff_id);
	n[EV_STAFF] = !e->has_staff;
	v[EV_ACTION] = CStringGetTextDatum(e->action);
	v[EV_FROM] = text_or_null(e->from_state, &n[EV_FROM]);
	v[EV_TO] = text_or_null(e->to_state, &n[EV_TO]);
	v[EV_NOTE] = text_or_null(e->note, &n[EV_NOTE]);
	v[EV_PAYLOAD] = payload ? JsonbPGetDatum(payload) : (Datum) 0;
	n[EV_PAYLOAD] = (payload == NULL);
	v[EV_PREV] = PointerGetDatum(audit_hash_bytea(prev));
	v[EV_HASH] = PointerGetDatum(audit_hash_bytea(hash));
	batch_add(&b->events, v, n);
}

void
engine_add_clocks(EngineBatch *b, const EngineCase *c, int nstages, char **stages,
				  TimestampTz at, bool intake)
{
	const ClockStart *starts;
	int			k = sla_clocks_for(nstages, stages, c->category, c->urgency, c->source, &starts);
	int			i;

	for (i = 0; i < k; i++)
	{
		const ClockStart *s = &starts[i];
		Datum		v[CL_NCOLS];
		bool		n[CL_NCOLS] = {false};

		v[CL_COUNTY] = c->county;
		v[CL_CASE_ID] = Int64GetDatum(c->case_id);
		v[CL_STAGE] = s->stage;
		v[CL_SEQ] = Int32GetDatum(1);
		n[CL_SEQ] = !intake;
		v[CL_POLICY] = Int64GetDatum(s->policy_id);
		v[CL_CALENDAR] = Int32GetDatum(s->calendar_id);
		/* batch_add() copies them: a change of the policies may empty the memo. */
		v[CL_AMOUNT] = NumericGetDatum(s->amount);
		v[CL_UNIT] = s->unit;
		v[CL_STARTED] = TimestampTzGetDatum(at);
		v[CL_DUE] = TimestampTzGetDatum(worktime_add_internal(s->calendar_id, at, s->amount, s->wunit));
		horizon_clock_started(c->case_id, s->stage, s->calendar_id, s->wunit,
							  DatumGetTimestampTz(v[CL_DUE]));
		v[CL_WARN] = TimestampTzGetDatum(worktime_add_internal(s->calendar_id, at, s->warn_amount,
															   s->wunit));
		if (batch_full(&b->clocks))
			flush_clocks(b);
		batch_add(&b->clocks, v, n);
	}
}

/* Flushing --------------------------------------------------------------------- */

static void
flush_clocks_cb(void *arg)
{
	batch_flush((Batch *) arg);
}

static void
flush_clocks(EngineBatch *b)
{
	owner_run_as_history_owner(flush_clocks_cb, &b->clocks);
}

/* The event and clocks of one case in one statement. */
static void
flush_single(EngineBatch *b)
{
	Datum		params[SINGLE_NARGS];
	char		nulls[SINGLE_NARGS];
	Oid			types[SINGLE_NARGS];
	SPIPlanPtr	plan;

	batch_params(&b->events, false, params, nulls, types);
	batch_params(&b->clocks, true, params + EV_NCOLS, nulls + EV_NCOLS, types + EV_NCOLS);
	plan = shards_plan(SINGLE_SQL, single_tables, gridcode_hash_of(DatumGetGridCode(params[EV_COUNTY])),
					   SINGLE_NARGS, types);
	plans_execute(plan, params, nulls, false, 0, SPI_OK_INSERT);
	if (SPI_processed != (uint64) b->clocks.n)
		elog(ERROR, "could not append the event and clocks of case " INT64_FORMAT,
			 DatumGetInt64(params[EV_CASE_ID]));
	b->events.n = 0;
	b->clocks.n = 0;
}

static void
flush_cb(void *arg)
{
	EngineBatch *b = (EngineBatch *) arg;

	if (b->single && b->events.n == 1)
	{
		flush_single(b);
		return;
	}
	batch_flush(&b->events);
	batch_flush(&b->clocks);
}

void
engine_flush(EngineBatch *b)
{
	if (b->events.n > 0 || b->clocks.n > 0)
		owner_run_as_history_owner(flush_cb, b);
}

/* Clock effects of an action ------------------------------------------------------- */

#define CLOCKS_OF_CASE \
	" k.county OPERATOR(gridgov.=) $1 AND k.case_id = $2 AND k.met_at IS NULL AND k.cancelled_at IS NULL"

#define SUSPEND_SQL \
	"UPDATE %1$s k SET paused_at = $3 WHERE" CLOCKS_OF_CASE " AND k.paused_at IS NULL"
#define RESUME_SQL \
	"UPDATE %1$s k SET " \
	"due_at = gridgov.sla_shift(c.name, k.unit, k.due_at, k.paused_at, $3), " \
	"warn_at = gridgov.sla_shift(c.name, k.unit, k.warn_at, k.paused_at, $3), " \
	"next_escalation_at = gridgov.sla_shift(c.name, k.unit, k.next_escalation_at, k.paused_at, $3), " \
	"paused_minutes = k.paused_minutes + gridgov.worktime_between(c.name, k.paused_at, $3, 'minutes'), " \
	"paused_at = NULL " \
	"FROM %2$s c WHERE c.id = k.calendar_id AND" CLOCKS_OF_CASE " AND k.paused_at IS NOT NULL"
#define EXTEND_AMOUNT	"($4 ->> 'amount')::numeric"
#define EXTEND_UNIT		"COALESCE($4 ->> 'unit', k.unit)"
#define EXTEND_SQL \
	"UPDATE %1$s k SET " \
	"due_at = gridgov.worktime_add(c.name, k.due_at, " EXTEND_AMOUNT ", " EXTEND_UNIT "), " \
	"warn_at = gridgov.worktime_add(c.name, k.warn_at, " EXTEND_AMOUNT ", " EXTEND_UNIT "), " \
	"next_escalation_at = CASE WHEN k.escalation_level = 0 " \
	"THEN gridgov.worktime_add(c.name, k.due_at, " EXTEND_AMOUNT ", " EXTEND_UNIT ") " \
	"ELSE k.next_escalation_at END, " \
	"extended = k.extended + CASE WHEN " EXTEND_UNIT " = k.unit THEN " EXTEND_AMOUNT " ELSE 0 END " \
	"FROM %2$s c WHERE c.id = k.calendar_id AND" CLOCKS_OF_CASE \
	" AND k.stage = ($4 ->> 'stage')::gridgov.sla_stage"
#define STOP_SQL \
	"UPDATE %1$s k SET met_at = $3, paused_at = NULL, next_escalation_at = NULL " \
	"WHERE" CLOCKS_OF_CASE " AND k.stage::text = ANY ($4)"
#define CANCEL_SQL \
	"UPDATE %1$s k SET cancelled_at = $3, paused_at = NULL, next_escalation_at = NULL " \
	"WHERE" CLOCKS_OF_CASE " AND k.stage::text = ANY ($4)"
/* Closing meets the whole clock and cancels the others; merging cancels all. */
#define CLOSE_SQL \
	"UPDATE %1$s k SET " \
	"met_at = CASE WHEN k.stage = 'whole' AND NOT $4 THEN $3 END, " \
	"cancelled_at = CASE WHEN k.stage = 'whole' AND NOT $4 THEN NULL ELSE $3 END, " \
	"paused_at = NULL, next_escalation_at = NULL WHERE" CLOCKS_OF_CASE

/*
 * Runs an UPDATE of the case's clocks (%1$s; %2$s the calendars) with ($1
 * county, $2 case, $3 at, [$4 arg]).
 */
static uint64
update_clocks(const char *sql, const EngineChange *ch, Oid argtype, Datum arg)
{
	Oid			types[4] = {ch->c.county_type, INT8OID, TIMESTAMPTZOID, argtype};
	Datum		values[4] = {ch->c.county, Int64GetDatum(ch->c.case_id), TimestampTzGetDatum(ch->at), arg};
	int			nargs = OidIsValid(argtype) ? 4 : 3;

	plans_execute(shards_plan(sql, clocks_calendars, gridcode_hash_of(DatumGetGridCode(ch->c.county)),
							  nargs, types), values, NULL, false, 0, SPI_OK_UPDATE);
	return SPI_processed;
}

/* A text[] of names. */
static Datum
names_array(int n, char **names)
{
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static void
nothing_to_change(const EngineChange *ch, const char *what)
{
	ereport(ERROR,
			(errcode(GG_NO_CLOCK),
			 errmsg("case " INT64_FORMAT " has no %s", ch->c.case_id, what)));
}

/*
 * suspend (and an approved suspension), resume and extend (and an approved
 * extension, whose payload grant is the granted stage and amount) act on the
 * clocks by their own rules.
 */
static bool
pause_or_move(const EngineChange *ch, Jsonb *grant)
{
	const char *action = ch->t->action;
	Jsonb	   *moves = grant ? grant : ch->payload;

	if (strcmp(action, "suspend") == 0 || strcmp(action, "approve_suspension") == 0)
		(void) update_clocks(SUSPEND_SQL, ch, InvalidOid, (Datum) 0);
	else if (strcmp(action, "resume") == 0)
	{
		if (update_clocks(RESUME_SQL, ch, InvalidOid, (Datum) 0) == 0)
			nothing_to_change(ch, "suspended clock to resume");
	}
	else if (strcmp(action, "extend") == 0 || strcmp(action, "approve_extension") == 0)
	{
		const char *stage = payload_scalar(moves, "stage");

		if (moves == NULL || update_clocks(EXTEND_SQL, ch, JSONBOID, JsonbPGetDatum(moves)) == 0)
			nothing_to_change(ch, psprintf("running %s clock to extend", stage ? stage : ""));
	}
	else
		return false;
	return true;
}

/* The clocks the action stops (met) and cancels. */
static void
stop_and_cancel(const EngineChange *ch)
{
	const RefTransition *t = ch->t;

	if (t->nclock_stop > 0 &&
		update_clocks(STOP_SQL, ch, TEXTARRAYOID, names_array(t->nclock_stop, t->clock_stop)) == 0 &&
		t->to_state[0] == '\0' && t->nclock_start == 0 && !requests_action(t->action))
		nothing_to_change(ch, psprintf("running %s clock", t->clock_stop[0]));
	if (t->nclock_cancel > 0)
		(void) update_clocks(CANCEL_SQL, ch, TEXTARRAYOID, names_array(t->nclock_cancel, t->clock_cancel));
}

static void
clock_effects_cb(void *arg)
{
	const EngineChange *ch = (const EngineChange *) arg;
	const RefTransition *t = ch->t;
	Jsonb	   *grant = requests_apply(ch);

	stop_and_cancel(ch);
	if (pause_or_move(ch, grant))
		return;
	if (ch->closes || ch->merged)
		(void) update_clocks(CLOSE_SQL, ch, BOOLOID, BoolGetDatum(ch->merged));
	if (t->nclock_start > 0 && ch->open_after)
	{
		EngineBatch b;

		engine_batch_init(&b, ch->c.county_type, 1);
		engine_add_clocks(&b, &ch->c, t->nclock_start, t->clock_start, ch->at, false);
		batch_flush(&b.clocks);
	}
}

void
engine_clock_effects(const EngineChange *ch)
{
	if (ch->t == NULL)
		return;					/* an edit or a system action: no clock effect */

	/*
	 * case_clocks is locked before the policies are looked up for the clocks
	 * the transition starts, as at intake (intake_finish.c): a policy or
	 * calendar being removed (its guard holds SHARE on case_clocks) is then
	 * gone, or waits for this transaction.
	 */
	LockRelationOid(triggers_gridgov_relid("case_clocks"), RowExclusiveLock);
	owner_run_as_history_owner(clock_effects_cb, (void *) ch);
}

/* Merged duplicates close with their master ------------------------------------------- */

typedef struct CloseMerged
{
	Datum		county;
	Oid			county_type;
	int64		case_id;
	TimestampTz closed_at;
} CloseMerged;

static void
close_merged_cb(void *arg)
{
	CloseMerged *m = (CloseMerged *) arg;
	Oid			types[2] = {m->county_type, INT8OID};
	Datum		values[2] = {m->county, Int64GetDatum(m->case_id)};
	SPITupleTable *dups;
	uint64		n;
	uint64		i;

	plans_execute(shards_plan("SELECT c.id FROM %1$s c "
							  "WHERE c.county OPERATOR(gridgov.=) $1 AND c.master_case_id = $2 "
							  "AND c.closed_at IS NULL AND c.state = '" ENGINE_MERGED_STATE "' ORDER BY c.id",
							  cases_table, gridcode_hash_of(DatumGetGridCode(m->county)), 2, types),
				  values, NULL, true, 0, SPI_OK_SELECT);
	dups = SPI_tuptable;
	n = SPI_processed;
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		int64		dup = DatumGetInt64(SPI_getbinval(dups->vals[i], dups->tupdesc, 1, &isnull));
		char	   *payload = psprintf("{\"master_case_id\": " INT64_FORMAT "}", m->case_id);

		workflow_system_update(m->county, m->county_type, dup, "master_closed",
							   DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(payload))),
							   m->closed_at);
	}
	SPI_freetuptable(dups);
}

void
engine_close_merged(Datum county, Oid county_type, int64 case_id, TimestampTz closed_at)
{
	CloseMerged m = {county, county_type, case_id, closed_at};

	owner_run_as_history_owner(close_merged_cb, &m);
}

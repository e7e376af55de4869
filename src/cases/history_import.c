/*
 * history_import.c
 *		gridgov.history_import_apply(): the C half of gridgov.import_history();
 *		see history_import.h and docs/history-import.md.
 *
 * import_history() (SQL, 065) validates the staged cases set-based, gives
 * each accepted case its id, county, grid and case number, and leaves them
 * with their timelines (arrays of actions, times, notes and payloads) in
 * pg_temp.gg_import_ready.  This file reads them with a cursor and, for each
 * case, walks the timeline through the workflow's transitions (the reference
 * cache's, as the case triggers read them): the action must be allowed in the
 * state the case is in, its required keys present; counters, closing and the
 * payload's columns follow as in workflow.c, and the clocks as the engine's
 * clock effects (engine.c) — started from the policies (sla_clocks.c), due
 * after the working time (worktime.c), stopped, paused, moved, extended and
 * closed at the steps' times.  A case that fails is recorded with its reason
 * and nothing of it is written.  The others' events are chained with
 * audit_event_hash() (through engine_add_event()) and appended in batches
 * with their clocks as the owner of the history, the outcome of each case
 * goes to pg_temp.gg_import_done, and finally the complete case rows are
 * inserted in one statement, which the intake triggers let pass.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "audit.h"
#include "batch.h"
#include "engine.h"
#include "history_import.h"
#include "owner.h"
#include "plans.h"
#include "payload.h"
#include "refcache.h"
#include "requests.h"
#include "shards.h"
#include "sla_clocks.h"
#include "triggers.h"
#include "worktime.h"

/* Cases per batch of appended rows. */
#define IMPORT_CHUNK	1000
/* Steps and clocks one imported case may have. */
#define IMPORT_MAX_STEPS	200
#define IMPORT_MAX_CLOCKS	64

static bool inserting = false;

bool
history_import_inserting(void)
{
	return inserting;
}

/* The staged cases, as import_history() left them. */
enum
{
	R_CASE_ID, R_COUNTY, R_CATEGORY, R_WORKFLOW, R_URGENCY, R_SOURCE, R_DEPARTMENT, R_REPORTED,
	R_SEQS, R_ACTIONS, R_ATS, R_NOTES, R_PAYLOADS, R_INTAKE_PAYLOAD, R_NCOLS
};

#define READY_SQL \
	"SELECT case_id, county, category, workflow, urgency, source, department_id, reported_at, " \
	"seqs, actions, ats, notes, payloads, intake_payload FROM pg_temp.gg_import_ready"

/* A clock of the case being walked. */
typedef struct WalkClock
{
	Datum		stage;
	char	   *stage_name;
	int32		seq;
	int64		policy_id;
	int32		calendar_id;
	Numeric		amount;
	Datum		unit;
	WorktimeUnit wunit;
	TimestampTz started;
	TimestampTz due;
	TimestampTz warn;
	TimestampTz next_escalation;	/* 0: none */
	TimestampTz met;			/* 0: not met */
	TimestampTz cancelled;		/* 0: not cancelled */
	TimestampTz paused;			/* 0: not paused */
	Numeric		paused_minutes;
	Numeric		extended;
} WalkClock;

/* One staged case and where its walk has got to. */
typedef struct Walk
{
	Datum		county;
	Oid			county_type;
	int64		case_id;
	const char *category;
	const char *workflow;
	const char *urgency;
	const char *source;
	TimestampTz reported_at;
	Jsonb	   *intake_payload;
	int			nsteps;
	Datum	   *seqs;
	bool	   *seq_nulls;
	Datum	   *actions;
	bool	   *action_nulls;
	Datum	   *ats;
	bool	   *at_nulls;
	Datum	   *notes;
	bool	   *note_nulls;
	Datum	   *payloads;
	bool	   *payload_nulls;
	/* the walk */
	char		state[REF_NAME_LEN];
	char	  **from_states;	/* per step */
	char	  **to_states;
	const char **step_actions;
	TimestampTz closed_at;		/* 0: open */
	int32		counters[6];
	bool		has_department;
	int64		department_id;
	int			solved;			/* -1: NULL */
	char	   *satisfaction;
	int			nclocks;
	WalkClock	clocks[IMPORT_MAX_CLOCKS];
	char	   *reason;			/* why the case is refused, or NULL */
} Walk;

static const char *const counter_names[6] = {
	"dispatches", "returns", "reworks", "reopens", "extensions", "suspensions"
};

/* Actions whose effects reach beyond the case: not imported. */
static const char *const not_importable[] = {"merge", "whistle", "report_in", "supervise", "answer_supervision"};


static Jsonb *
step_payload(const Walk *w, int i)
{
	return w->payload_nulls[i] ? NULL : DatumGetJsonbP(w->payloads[i]);
}

/* Clocks -------------------------------------------------------------------------- */

static inline bool
clock_running(const WalkClock *k)
{
	return k->met == 0 && k->cancelled == 0;
}

static int32
next_seq(const Walk *w, Datum stage)
{
	int32		seq = 0;
	int			i;

	for (i = 0; i < w->nclocks; i++)
		if (w->clocks[i].stage == stage)
			seq = Max(seq, w->clocks[i].seq);
	return seq + 1;
}

/* The clocks the stages start at time at (the policies permitting). */
static void
start_clocks(Walk *w, int nstages, char **stages, TimestampTz at)
{
	const ClockStart *starts;
	int			n = sla_clocks_for(nstages, stages, w->category, w->urgency, w->source, &starts);
	int			i;

	for (i = 0; i < n; i++)
	{
		const ClockStart *s = &starts[i];
		WalkClock  *k;

		if (w->nclocks >= IMPORT_MAX_CLOCKS)
		{
			w->reason = psprintf("more than %d clocks", IMPORT_MAX_CLOCKS);
			return;
		}
		k = &w->clocks[w->nclocks];
		memset(k, 0, sizeof(*k));
		k->stage = s->stage;
		k->stage_name = DatumGetCString(DirectFunctionCall1(enum_out, s->stage));
		k->seq = next_seq(w, s->stage);
		k->policy_id = s->policy_id;
		k->calendar_id = s->calendar_id;
		/* copies: a change of the policies may empty their memo (sla_clocks.c) */
		k->amount = DatumGetNumericCopy(NumericGetDatum(s->amount));
		k->unit = PointerGetDatum(PG_DETOAST_DATUM_COPY(s->unit));
		k->wunit = s->wunit;
		k->started = at;
		k->due = worktime_add_internal(s->calendar_id, at, s->amount, s->wunit);
		k->warn = worktime_add_internal(s->calendar_id, at, s->warn_amount, s->wunit);
		k->next_escalation = k->due;
		k->paused_minutes = int64_to_numeric(0);
		k->extended = int64_to_numeric(0);
		w->nclocks++;
	}
}

static bool
in_names(const char *name, int n, char **names)
{
	int			i;

	for (i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* A time moved later by a pause, as gridgov.sla_shift(). */
static TimestampTz
shifted(const WalkClock *k, TimestampTz t, TimestampTz from, TimestampTz to)
{
	if (k->wunit == WORKTIME_CALENDAR_DAYS)
		return t + (to - from);
	return worktime_add_internal(k->calendar_id, t,
								 worktime_between_internal(k->calendar_id, from, to, WORKTIME_MINUTES),
								 WORKTIME_MINUTES);
}

static void
suspend_clocks(Walk *w, TimestampTz at)
{
	int			i;

	for (i = 0; i < w->nclocks; i++)
		if (clock_running(&w->clocks[i]) && w->clocks[i].paused == 0)
			w->clocks[i].paused = at;
}

static void
resume_clocks(Walk *w, TimestampTz at)
{
	int			n = 0;
	int			i;

	for (i = 0; i < w->nclocks; i++)
	{
		WalkClock  *k = &w->clocks[i];

		if (!clock_running(k) || k->paused == 0)
			continue;
		k->due = shifted(k, k->due, k->paused, at);
		k->warn = shifted(k, k->warn, k->paused, at);
		if (k->next_escalation != 0)
			k->next_escalation = shifted(k, k->next_escalation, k->paused, at);
		k->paused_minutes = numeric_add_opt_error(k->paused_minutes,
												  worktime_between_internal(k->calendar_id, k->paused,
																			at, WORKTIME_MINUTES),
												  NULL);
		k->paused = 0;
		n++;
	}
	if (n == 0)
		w->reason = pstrdup("resume without a suspended clock");
}

/* extend: {stage, amount[, unit]} moves the running clocks of the stage. */
static void
extend_clocks(Walk *w, Jsonb *payload)
{
	char	   *stage = payload_scalar(payload, "stage");
	char	   *amount_text = payload_scalar(payload, "amount");
	char	   *unit_text = payload_scalar(payload, "unit");
	Numeric		amount;
	int			n = 0;
	int			i;

	if (stage == NULL || amount_text == NULL)
	{
		w->reason = pstrdup("extend needs a stage and an amount");
		return;
	}
	amount = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(amount_text),
												 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	for (i = 0; i < w->nclocks; i++)
	{
		WalkClock  *k = &w->clocks[i];
		char	   *kunit = TextDatumGetCString(k->unit);
		WorktimeUnit u = worktime_unit_from_name(unit_text ? unit_text : kunit);

		if (!clock_running(k) || strcmp(k->stage_name, stage) != 0)
			continue;
		k->due = worktime_add_internal(k->calendar_id, k->due, amount, u);
		k->warn = worktime_add_internal(k->calendar_id, k->warn, amount, u);
		k->next_escalation = k->due;
		if (unit_text == NULL || strcmp(unit_text, kunit) == 0)
			k->extended = numeric_add_opt_error(k->extended, amount, NULL);
		n++;
	}
	if (n == 0)
		w->reason = psprintf("extend without a running %s clock", stage);
}

/* Meets the stages' clocks; closing meets the whole clock and cancels the rest. */
static void
stop_clocks(Walk *w, const RefTransition *t, bool closes, TimestampTz at)
{
	int			i;

	for (i = 0; i < w->nclocks; i++)
	{
		WalkClock  *k = &w->clocks[i];

		if (!clock_running(k))
			continue;
		if (in_names(k->stage_name, t->nclock_stop, t->clock_stop))
			k->met = at;
		else if (in_names(k->stage_name, t->nclock_cancel, t->clock_cancel))
			k->cancelled = at;
		else if (closes && strcmp(k->stage_name, "whole") == 0)
			k->met = at;
		else if (closes)
			k->cancelled = at;
		else
			continue;
		k->paused = 0;
		k->next_escalation = 0;
	}
}

/* Steps ----------------------------------------------------------------------------- */

static bool
has_required(const Walk *w, Jsonb *payload, const char *key)
{
	if (payload_value(payload, key) != NULL)
		return true;
	if (strcmp(key, "department_id") == 0)
		return w->has_department;
	if (strcmp(key, "solved") == 0)
		return w->solved >= 0;
	if (strcmp(key, "satisfaction") == 0)
		return w->satisfaction != NULL;
	return false;
}

/* The transition of step i, or NULL with the reason set. */
static const RefTransition *
step_transition(Walk *w, int i, const char *action, Jsonb *payload)
{
	const RefTransition *t;
	size_t		k;
	int			r;

	/* Requests and joint meetings have rows of their own, written by the live engine. */
	for (k = 0; k < lengthof(not_importable); k++)
		if (strcmp(action, not_importable[k]) == 0 || requests_action(action))
		{
			w->reason = psprintf("step %d: action \"%s\" cannot be imported", i + 1, action);
			return NULL;
		}
	t = refcache_transition(w->workflow, w->state, action);
	if (t == NULL)
	{
		w->reason = psprintf("step %d: action \"%s\" is not allowed in state \"%s\" of workflow \"%s\"",
							 i + 1, action, w->state, w->workflow);
		return NULL;
	}
	t = refcache_transition_copy(t);
	for (r = 0; r < t->nrequires; r++)
		if (!has_required(w, payload, t->requires[r]))
		{
			w->reason = psprintf("step %d: action \"%s\" needs a value for \"%s\"", i + 1, action,
								 t->requires[r]);
			return NULL;
		}
	return t;
}

/* The columns the payload carries (department_id always; solved, satisfaction when required). */
static void
step_columns(Walk *w, const RefTransition *t, Jsonb *payload)
{
	char	   *dept = payload_scalar(payload, "department_id");
	char	   *solved = payload_scalar(payload, "solved");
	char	   *satisfaction = payload_scalar(payload, "satisfaction");
	int			k;

	if (dept)
	{
		w->has_department = true;
		w->department_id = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(dept)));
	}
	for (k = 0; k < t->nrequires; k++)
	{
		if (strcmp(t->requires[k], "solved") == 0 && solved)
			w->solved = (strcmp(solved, "true") == 0) ? 1 : 0;
		if (strcmp(t->requires[k], "satisfaction") == 0 && satisfaction)
			w->satisfaction = satisfaction;
	}
	for (k = 0; k < (int) lengthof(counter_names); k++)
		if (refcache_counts(t, counter_names[k]))
			w->counters[k]++;
}

/* The state the step leads to, closing or reopening the case as workflow.c does. */
static bool
step_state(Walk *w, int i, const RefTransition *t, TimestampTz at)
{
	const char *to = t->to_state[0] ? t->to_state : w->state;
	const RefState *was = refcache_state(w->workflow, w->state);
	const RefState *now = refcache_state(w->workflow, to);
	bool		closes = false;

	if (now == NULL)
	{
		w->reason = psprintf("step %d: state \"%s\" is not a state of workflow \"%s\"", i + 1, to, w->workflow);
		return false;
	}
	if (now->closes)
	{
		closes = (w->closed_at == 0);
		w->closed_at = at;
	}
	else if (was && was->terminal && !now->terminal)
		w->closed_at = 0;
	strlcpy(w->state, to, sizeof(w->state));
	return closes;
}

static void
walk_step(Walk *w, int i)
{
	Jsonb	   *payload = step_payload(w, i);
	const char *action = TextDatumGetCString(w->actions[i]);
	TimestampTz at = DatumGetTimestampTz(w->ats[i]);
	const RefTransition *t = step_transition(w, i, action, payload);
	bool		closes;

	if (t == NULL)
		return;
	w->from_states[i] = pstrdup(w->state);
	w->step_actions[i] = t->action;
	step_columns(w, t, payload);
	closes = step_state(w, i, t, at);
	w->to_states[i] = pstrdup(w->state);
	if (w->reason)
		return;
	if (strcmp(t->action, "suspend") == 0)
		suspend_clocks(w, at);
	else if (strcmp(t->action, "resume") == 0)
		resume_clocks(w, at);
	else if (strcmp(t->action, "extend") == 0)
		extend_clocks(w, payload);
	else
	{
		stop_clocks(w, t, closes, at);
		if (t->nclock_start > 0 && w->closed_at == 0)
			start_clocks(w, t->nclock_start, t->clock_start, at);
	}
}

/* Walks the whole timeline; w->reason says why it failed. */
static void
walk_case(Walk *w)
{
	const RefWorkflow *wf = refcache_workflow(w->workflow);
	int			i;

	if (wf == NULL || wf->initial[0] == '\0')
	{
		w->reason = psprintf("workflow \"%s\" has no initial state", w->workflow);
		return;
	}
	strlcpy(w->state, wf->initial, sizeof(w->state));
	w->from_states = palloc0(Max(w->nsteps, 1) * sizeof(char *));
	w->to_states = palloc0(Max(w->nsteps, 1) * sizeof(char *));
	w->step_actions = palloc0(Max(w->nsteps, 1) * sizeof(char *));
	start_clocks(w, wf->nintake_clocks, wf->intake_clocks, w->reported_at);
	for (i = 0; i < w->nsteps && w->reason == NULL; i++)
		walk_step(w, i);
}

/* Reading a staged case ------------------------------------------------------------ */

static void
read_array(HeapTuple tup, TupleDesc desc, int col, Oid elemtype, Datum **values, bool **nulls, int *n)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col + 1, &isnull);
	int16		len;
	bool		byval;
	char		align;

	if (isnull)
	{
		*values = NULL;
		*nulls = NULL;
		*n = 0;
		return;
	}
	get_typlenbyvalalign(elemtype, &len, &byval, &align);
	deconstruct_array(DatumGetArrayTypeP(d), elemtype, len, byval, align, values, nulls, n);
}

static const char *
read_text(HeapTuple tup, TupleDesc desc, int col)
{
	char	   *s = SPI_getvalue(tup, desc, col + 1);

	return s;
}

/* Moves step from to position to (to < from), shifting the ones between up. */
static void
move_step(Walk *w, int from, int to)
{
	Datum	   *arrays[4] = {w->seqs, w->actions, w->ats, w->notes};
	bool	   *nulls[2] = {w->note_nulls, w->payload_nulls};
	Datum		payload = w->payloads[from];
	int			a;

	for (a = 0; a < 4; a++)
	{
		Datum		d = arrays[a][from];

		memmove(&arrays[a][to + 1], &arrays[a][to], (from - to) * sizeof(Datum));
		arrays[a][to] = d;
	}
	memmove(&w->payloads[to + 1], &w->payloads[to], (from - to) * sizeof(Datum));
	w->payloads[to] = payload;
	for (a = 0; a < 2; a++)
	{
		bool		b = nulls[a][from];

		memmove(&nulls[a][to + 1], &nulls[a][to], (from - to) * sizeof(bool));
		nulls[a][to] = b;
	}
}

/*
 * The steps in seq order (they arrive in any order; insertion sort, as a
 * timeline is short and usually in order), then the checks of that order:
 * no seq twice, times that never go back, the first not before the report.
 */
static void
order_steps(Walk *w)
{
	int			i;
	int			j;

	for (i = 1; i < w->nsteps; i++)
	{
		for (j = i; j > 0 && DatumGetInt32(w->seqs[j - 1]) > DatumGetInt32(w->seqs[i]); j--)
			;
		if (j < i)
			move_step(w, i, j);
	}
	for (i = 0; i < w->nsteps; i++)
	{
		TimestampTz prev = (i == 0) ? w->reported_at : DatumGetTimestampTz(w->ats[i - 1]);

		if (i > 0 && DatumGetInt32(w->seqs[i]) == DatumGetInt32(w->seqs[i - 1]))
		{
			w->reason = pstrdup("two steps have the same seq");
			return;
		}
		if (DatumGetTimestampTz(w->ats[i]) < prev)
			w->reason = pstrdup("the steps are not in time order");
	}
}

/*
 * 42804 unless the staged rows have the types import_history() gives them:
 * the function reads them as such.
 */
static void
check_ready_types(TupleDesc desc)
{
	static const Oid types[R_NCOLS] = {
		INT8OID, InvalidOid, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID,
		INT4ARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, JSONBARRAYOID, JSONBOID
	};
	int			i;

	if (desc->natts != R_NCOLS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the staged cases of the history import have %d columns, not %d", desc->natts, R_NCOLS)));
	for (i = 0; i < R_NCOLS; i++)
		if (OidIsValid(types[i]) && SPI_gettypeid(desc, i + 1) != types[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column %d of the staged cases of the history import has the wrong type", i + 1),
					 errdetail("gridgov.import_history() prepares them; call it, not its parts.")));
}

/* A required value of a staged case; 22004 if it is NULL. */
static Datum
read_required(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col + 1, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("column \"%s\" of a staged case of the history import is null",
						SPI_fname(desc, col + 1))));
	return d;
}

/* A step without a time, action or seq: the case's reason. */
static void
check_steps_complete(Walk *w)
{
	int			i;

	for (i = 0; i < w->nsteps && w->reason == NULL; i++)
		if (w->action_nulls[i] || w->at_nulls[i] || w->seq_nulls[i])
			w->reason = pstrdup("a step has no time or no action");
}

static void
read_case(Walk *w, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	int			n[5];

	memset(w, 0, offsetof(Walk, clocks));
	w->nclocks = 0;
	w->reason = NULL;
	w->solved = -1;
	w->county = read_required(tup, desc, R_COUNTY);
	w->county_type = SPI_gettypeid(desc, R_COUNTY + 1);
	w->case_id = DatumGetInt64(read_required(tup, desc, R_CASE_ID));
	w->category = read_text(tup, desc, R_CATEGORY);
	w->workflow = read_text(tup, desc, R_WORKFLOW);
	w->urgency = read_text(tup, desc, R_URGENCY);
	w->source = read_text(tup, desc, R_SOURCE);
	w->department_id = DatumGetInt64(SPI_getbinval(tup, desc, R_DEPARTMENT + 1, &isnull));
	w->has_department = !isnull;
	w->reported_at = DatumGetTimestampTz(read_required(tup, desc, R_REPORTED));
	w->intake_payload = DatumGetJsonbP(read_required(tup, desc, R_INTAKE_PAYLOAD));
	read_array(tup, desc, R_ACTIONS, TEXTOID, &w->actions, &w->action_nulls, &n[0]);
	read_array(tup, desc, R_ATS, TIMESTAMPTZOID, &w->ats, &w->at_nulls, &n[1]);
	read_array(tup, desc, R_NOTES, TEXTOID, &w->notes, &w->note_nulls, &n[2]);
	read_array(tup, desc, R_PAYLOADS, JSONBOID, &w->payloads, &w->payload_nulls, &n[3]);
	read_array(tup, desc, R_SEQS, INT4OID, &w->seqs, &w->seq_nulls, &n[4]);
	if (n[0] != n[1] || n[0] != n[2] || n[0] != n[3] || n[0] != n[4])
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the staged timeline of a case has arrays of different lengths"),
				 errdetail("gridgov.import_history() prepares them; call it, not its parts.")));
	w->nsteps = n[0];
	check_steps_complete(w);
	if (w->reason == NULL && w->nsteps > IMPORT_MAX_STEPS)
		w->reason = psprintf("more than %d steps", IMPORT_MAX_STEPS);
	else if (w->reason == NULL)
		order_steps(w);
}

/* Writing ---------------------------------------------------------------------------- */

enum
{
	CK_COUNTY, CK_CASE_ID, CK_STAGE, CK_SEQ, CK_POLICY, CK_CALENDAR, CK_AMOUNT, CK_UNIT, CK_STARTED,
	CK_DUE, CK_WARN, CK_MET, CK_CANCELLED, CK_PAUSED, CK_PAUSED_MINUTES, CK_EXTENDED, CK_NEXT, CK_NCOLS
};

#define UNNEST16(p) \
	"pg_catalog.unnest(" p "1), pg_catalog.unnest(" p "2), pg_catalog.unnest(" p "3), " \
	"pg_catalog.unnest(" p "4), pg_catalog.unnest(" p "5), pg_catalog.unnest(" p "6), " \
	"pg_catalog.unnest(" p "7), pg_catalog.unnest(" p "8), pg_catalog.unnest(" p "9), " \
	"pg_catalog.unnest(" p "10), pg_catalog.unnest(" p "11), pg_catalog.unnest(" p "12), " \
	"pg_catalog.unnest(" p "13), pg_catalog.unnest(" p "14), pg_catalog.unnest(" p "15), " \
	"pg_catalog.unnest(" p "16)"

#define CLOCK_INSERT \
	"INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, policy_id, calendar_id, amount, unit, " \
	"started_at, due_at, warn_at, met_at, cancelled_at, paused_at, paused_minutes, extended, " \
	"next_escalation_at) "
#define CLOCK_ONE_SQL CLOCK_INSERT \
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
#define CLOCK_MANY_SQL CLOCK_INSERT "SELECT * FROM ROWS FROM (" UNNEST16("$") ", pg_catalog.unnest($17))"

enum
{
	D_CASE_ID, D_REASON, D_STATE, D_CLOSED, D_UPDATED, D_EVENTS, D_HASH, D_DISPATCHES, D_RETURNS,
	D_REWORKS, D_REOPENS, D_EXTENSIONS, D_SUSPENSIONS, D_DEPARTMENT, D_SOLVED, D_SATISFACTION, D_NCOLS
};

#define DONE_INSERT \
	"INSERT INTO pg_temp.gg_import_done (case_id, reason, state, closed_at, updated_at, events, " \
	"history_hash, dispatches, returns, reworks, reopens, extensions, suspensions, department_id, " \
	"solved, satisfaction) "
#define DONE_ONE_SQL DONE_INSERT \
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
#define DONE_MANY_SQL DONE_INSERT "SELECT * FROM ROWS FROM (" UNNEST16("$") ")"


typedef struct Writer
{
	MemoryContext cxt;			/* the batches and their rows; reset at each flush */
	Oid			county_type;
	const char *role;
	bool		has_staff;
	int64		staff;
	EngineBatch events;
	Batch		clocks;
	Batch		done;
	bool		started;		/* the batches are prepared */
	int64		imported;
} Writer;

static void
writer_init(Writer *wr)
{
	Oid			ck_types[CK_NCOLS] = {wr->county_type, INT8OID, sla_stage_type(), INT4OID, INT8OID, INT4OID,
		NUMERICOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID, NUMERICOID, NUMERICOID, TIMESTAMPTZOID};
	Oid			d_types[D_NCOLS] = {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID,
		BYTEAOID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID, INT8OID, BOOLOID, TEXTOID};
	MemoryContext old = MemoryContextSwitchTo(wr->cxt);

	engine_batch_init(&wr->events, wr->county_type, IMPORT_CHUNK * 8);
	batch_init(&wr->clocks, "imported clocks", CK_NCOLS, ck_types, IMPORT_CHUNK * 8,
			   NULL, CLOCK_ONE_SQL, CLOCK_MANY_SQL);
	batch_init(&wr->done, "imported cases", D_NCOLS, d_types, IMPORT_CHUNK,
			   NULL, DONE_ONE_SQL, DONE_MANY_SQL);
	MemoryContextSwitchTo(old);
}

static void
flush_clocks_cb(void *arg)
{
	batch_flush((Batch *) arg);
}

static void
writer_flush(Writer *wr)
{
	engine_flush(&wr->events);
	owner_run_as_history_owner(flush_clocks_cb, &wr->clocks);
	batch_flush(&wr->done);
	MemoryContextReset(wr->cxt);
	writer_init(wr);
}

static inline Datum
time_or_null(TimestampTz t, bool *isnull)
{
	*isnull = (t == 0);
	return TimestampTzGetDatum(t);
}

static void
add_clock(Writer *wr, const Walk *w, const WalkClock *k)
{
	Datum		v[CK_NCOLS];
	bool		n[CK_NCOLS] = {false};

	v[CK_COUNTY] = w->county;
	v[CK_CASE_ID] = Int64GetDatum(w->case_id);
	v[CK_STAGE] = k->stage;
	v[CK_SEQ] = Int32GetDatum(k->seq);
	v[CK_POLICY] = Int64GetDatum(k->policy_id);
	v[CK_CALENDAR] = Int32GetDatum(k->calendar_id);
	v[CK_AMOUNT] = NumericGetDatum(k->amount);
	v[CK_UNIT] = k->unit;
	v[CK_STARTED] = TimestampTzGetDatum(k->started);
	v[CK_DUE] = TimestampTzGetDatum(k->due);
	v[CK_WARN] = TimestampTzGetDatum(k->warn);
	v[CK_MET] = time_or_null(k->met, &n[CK_MET]);
	v[CK_CANCELLED] = time_or_null(k->cancelled, &n[CK_CANCELLED]);
	v[CK_PAUSED] = time_or_null(k->paused, &n[CK_PAUSED]);
	v[CK_PAUSED_MINUTES] = NumericGetDatum(k->paused_minutes);
	v[CK_EXTENDED] = NumericGetDatum(k->extended);
	v[CK_NEXT] = time_or_null(k->next_escalation, &n[CK_NEXT]);
	batch_add(&wr->clocks, v, n);
}

/* The events of the case, chained; returns the last hash's owner (NULL: only the intake). */
static bytea *
add_events(Writer *wr, const Walk *w)
{
	CaseEvent	e;
	uint8		prev[AUDIT_HASH_LEN];
	uint8		hash[AUDIT_HASH_LEN];
	int			i;

	e.county = DatumGetGridCode(w->county);
	e.case_id = w->case_id;
	e.actor_role = wr->role;
	e.has_staff = wr->has_staff;
	e.actor_staff_id = wr->staff;
	for (i = -1; i < w->nsteps; i++)
	{
		Jsonb	   *payload = (i < 0) ? w->intake_payload : step_payload(w, i);

		e.seq = i + 2;
		e.at = (i < 0) ? w->reported_at : DatumGetTimestampTz(w->ats[i]);
		e.action = (i < 0) ? "intake" : w->step_actions[i];
		e.from_state = (i < 0) ? NULL : w->from_states[i];
		e.to_state = (i < 0) ? refcache_initial_state(w->workflow) : w->to_states[i];
		e.note = (i < 0 || w->note_nulls[i]) ? NULL : TextDatumGetCString(w->notes[i]);
		e.payload = payload ? JsonbToCString(NULL, &payload->root, VARSIZE(payload)) : NULL;
		engine_add_event(&wr->events, &e, payload, (i < 0) ? audit_genesis : prev, hash);
		memcpy(prev, hash, AUDIT_HASH_LEN);
	}
	return w->nsteps > 0 ? audit_hash_bytea(hash) : NULL;
}

static void
add_done(Writer *wr, const Walk *w, bytea *history_hash)
{
	Datum		v[D_NCOLS];
	bool		n[D_NCOLS] = {false};
	bool		refused = (w->reason != NULL);
	int			k;

	memset(v, 0, sizeof(v));
	for (k = 0; k < D_NCOLS; k++)
		n[k] = refused;
	n[D_CASE_ID] = false;
	v[D_CASE_ID] = Int64GetDatum(w->case_id);
	n[D_REASON] = !refused;
	if (refused)
	{
		v[D_REASON] = CStringGetTextDatum(w->reason);
		batch_add(&wr->done, v, n);
		return;
	}
	v[D_STATE] = CStringGetTextDatum(w->state);
	v[D_CLOSED] = time_or_null(w->closed_at, &n[D_CLOSED]);
	v[D_UPDATED] = (w->nsteps > 0) ? w->ats[w->nsteps - 1] : TimestampTzGetDatum(w->reported_at);
	v[D_EVENTS] = Int32GetDatum(w->nsteps + 1);
	v[D_HASH] = PointerGetDatum(history_hash);
	n[D_HASH] = (history_hash == NULL);
	for (k = 0; k < 6; k++)
		v[D_DISPATCHES + k] = Int32GetDatum(w->counters[k]);
	v[D_DEPARTMENT] = Int64GetDatum(w->department_id);
	n[D_DEPARTMENT] = !w->has_department;
	v[D_SOLVED] = BoolGetDatum(w->solved == 1);
	n[D_SOLVED] = (w->solved < 0);
	v[D_SATISFACTION] = w->satisfaction ? CStringGetTextDatum(w->satisfaction) : (Datum) 0;
	n[D_SATISFACTION] = (w->satisfaction == NULL);
	batch_add(&wr->done, v, n);
}

static void
write_case(Writer *wr, const Walk *w)
{
	MemoryContext old;
	int			i;

	if (!wr->started)
	{
		writer_init(wr);
		wr->started = true;
	}
	old = MemoryContextSwitchTo(wr->cxt);
	if (wr->events.events.n + w->nsteps + 1 > wr->events.events.capacity ||
		wr->clocks.n + w->nclocks > wr->clocks.capacity || batch_full(&wr->done))
	{
		MemoryContextSwitchTo(old);
		writer_flush(wr);
		old = MemoryContextSwitchTo(wr->cxt);
	}
	if (w->reason == NULL)
	{
		add_done(wr, w, add_events(wr, w));
		for (i = 0; i < w->nclocks; i++)
			add_clock(wr, w, &w->clocks[i]);
		wr->imported++;
	}
	else
		add_done(wr, w, NULL);
	MemoryContextSwitchTo(old);
}

/* The cases ------------------------------------------------------------------------- */

#define CASES_SQL \
	"INSERT INTO gridgov.cases (county, id, case_no, source, external_id, category, urgency, title, " \
	"description, location, coord_system, address, reporter_name, reporter_phone, objcode, grid, " \
	"department_id, workflow, state, reported_at, updated_at, closed_at, dispatches, returns, reworks, " \
	"reopens, extensions, suspensions, solved, satisfaction, events, history_hash) " \
	"OVERRIDING SYSTEM VALUE " \
	"SELECT r.county, r.case_id, r.case_no, r.source::gridgov.case_source, r.external_id, r.category, " \
	"r.urgency::gridgov.urgency, r.title, r.description, r.location, r.coord_system, r.address, " \
	"r.reporter_name, r.reporter_phone, r.objcode, r.grid, d.department_id, r.workflow, d.state, " \
	"r.reported_at, d.updated_at, d.closed_at, d.dispatches, d.returns, d.reworks, d.reopens, " \
	"d.extensions, d.suspensions, d.solved, d.satisfaction::gridgov.satisfaction, d.events, " \
	"d.history_hash " \
	"FROM pg_temp.gg_import_ready r JOIN pg_temp.gg_import_done d ON d.case_id = r.case_id " \
	"WHERE d.reason IS NULL"

static void
insert_cases(int64 expected)
{
	inserting = true;
	PG_TRY();
	{
		plans_run(CASES_SQL, 0, NULL, NULL, NULL, false, 0, SPI_OK_INSERT);
	}
	PG_FINALLY();
	{
		inserting = false;
	}
	PG_END_TRY();
	if ((int64) SPI_processed != expected)
		elog(ERROR, "inserted " UINT64_FORMAT " imported cases, not " INT64_FORMAT,
			 SPI_processed, expected);
}

static void
import_all(Writer *wr)
{
	Portal		portal = plans_cursor_open(READY_SQL);
	MemoryContext row_cxt = AllocSetContextCreate(CurrentMemoryContext, "import walk",
												  ALLOCSET_DEFAULT_SIZES);
	Walk	   *w = palloc(sizeof(Walk));

	for (;;)
	{
		SPITupleTable *rows;
		uint64		nrows;
		uint64		i;

		SPI_cursor_fetch(portal, true, IMPORT_CHUNK);
		/* The flushes below run statements, which replace SPI_tuptable. */
		rows = SPI_tuptable;
		nrows = SPI_processed;
		if (nrows == 0)
			break;
		for (i = 0; i < nrows; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(row_cxt);

			if (i == 0)
				check_ready_types(rows->tupdesc);
			read_case(w, rows->vals[i], rows->tupdesc);
			wr->county_type = w->county_type;
			if (w->reason == NULL)
				walk_case(w);
			MemoryContextSwitchTo(old);
			write_case(wr, w);
			MemoryContextReset(row_cxt);
		}
		SPI_freetuptable(rows);
	}
	SPI_cursor_close(portal);
}

/*
 * gridgov.history_import_apply() returns bigint: imports what
 * pg_temp.gg_import_ready holds; the number of cases imported.
 */
PG_FUNCTION_INFO_V1(gridgov_history_import_apply);
Datum
gridgov_history_import_apply(PG_FUNCTION_ARGS)
{
	Writer		wr;
	int			nest;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* Its batches mix counties: not yet where the counties are on many nodes. */
	if (shards_distributed("cases"))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gridgov.import_history() does not run on a Citus cluster yet"),
				 errdetail("It writes the history of many counties in each batch."),
				 errhint("Import into a single server, then distribute it (docs/scaling.md).")));
	nest = plans_safe_begin(NULL, NULL);
	/* As at intake: policies and calendars being removed wait for us, or are gone. */
	LockRelationOid(triggers_gridgov_relid("case_clocks"), RowExclusiveLock);
	memset(&wr, 0, sizeof(wr));
	wr.cxt = AllocSetContextCreate(CurrentMemoryContext, "import batches", ALLOCSET_DEFAULT_SIZES);
	/* The login that runs the import (import_history() runs as the owner). */
	wr.role = GetUserNameFromId(GetSessionUserId(), false);
	wr.has_staff = refcache_staff_of_role(GetSessionUserId(), &wr.staff);
	wr.county_type = InvalidOid;
	import_all(&wr);
	if (wr.started)
		writer_flush(&wr);
	insert_cases(wr.imported);
	plans_table_grew(triggers_gridgov_relid("cases"));
	plans_table_grew(triggers_gridgov_relid("case_events"));
	plans_table_grew(triggers_gridgov_relid("case_clocks"));
	plans_safe_end(nest);
	SPI_finish();
	PG_RETURN_INT64(wr.imported);
}

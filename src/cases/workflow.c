/*
 * workflow.c
 *		The BEFORE UPDATE trigger on gridgov.cases (gridgov.case_update): the
 *		rules of a case's change.
 *
 * Every UPDATE of a case passes here, from gridgov.act() or raw SQL:
 *
 *	- a state change must be a transition of the case's workflow: the action
 *	  announced by act() (act.c), whose transition sets the new state and
 *	  whose payload sets the columns it carries, or for a raw UPDATE the
 *	  single transition between the two states (GG101 none, GG103 several);
 *	- the current role must be a member of one of the transition's roles (GG102);
 *	- the values the transition requires must be present (GG104);
 *	- columns gridgov maintains (keys, counters, closed_at, history) are not
 *	  written directly (GG105); callback answers and the master of a merge
 *	  change only with the actions that require them; the county never changes;
 *	- the transition's effects on the row are applied: its counter, closed_at
 *	  when the new state closes the case (cleared on reopening);
 *	- the engine (engine.c) appends one event, chained to the previous one,
 *	  and applies the action's clock effects; a case that closes closes the
 *	  duplicates merged into it.
 *
 * The system actions (act.c) have no transition row and may change only
 * their own columns.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "act.h"
#include "case_change.h"
#include "case_time.h"
#include "engine.h"
#include "errcodes.h"
#include "notify.h"
#include "owner.h"
#include "payload.h"
#include "plans.h"
#include "refcache.h"
#include "scope.h"
#include "triggers.h"
#include "shards.h"
#include "workflow.h"

static const char *const events_table[] = {"case_events", NULL};
static const char *const master_tables[] = {"cases", "workflow_states", NULL};

/* --- checks -------------------------------------------------------------- */

static void
maintained_error(const char *column, const char *detail)
{
	ereport(ERROR,
			(errcode(GG_MAINTAINED_COLUMN),
			 errmsg("column %s of a case is maintained by gridgov", column),
			 errdetail_internal("%s", detail)));
}

/* Keys, counters and history may never be written directly. */
static void
check_untouchable(const CaseChange *ch)
{
	static const CaseCol fixed[] = {
		CC_COUNTY, CC_ID, CC_CASE_NO, CC_WORKFLOW, CC_CLOSED_AT, CC_DISPATCHES,
		CC_RETURNS, CC_REWORKS, CC_REOPENS, CC_EXTENSIONS, CC_SUSPENSIONS,
		CC_SUPERVISED, CC_ESCALATION_LEVEL, CC_EVENTS, CC_HISTORY_HASH
	};
	size_t		i;

	for (i = 0; i < lengthof(fixed); i++)
		if (change_changed(ch, fixed[i]))
			maintained_error(case_column_name(fixed[i]),
							 fixed[i] == CC_COUNTY ?
							 "A case never changes county after intake." :
							 "It follows from the case's history; move the case on with gridgov.act().");
}

/* An edited grid stays inside the case's county (a case never changes county). */
static void
check_grid_edit(const CaseChange *ch)
{
	GridCode	county;
	GridCode	grid;

	if (!change_changed(ch, CC_GRID) || ch->newn[change_ix(ch, CC_GRID)])
		return;
	county = DatumGetGridCode(change_old(ch, CC_COUNTY));
	grid = DatumGetGridCode(ch->newv[change_ix(ch, CC_GRID)]);
	if (gridcode_level(grid) < GRIDCODE_LEVEL_COUNTY || !gridcode_is_ancestor_or_self(county, grid))
	{
		char		code[GRIDCODE_MAX_DIGITS + 1];
		char		own[GRIDCODE_MAX_DIGITS + 1];

		gridcode_to_cstring(grid, code);
		gridcode_to_cstring(county, own);
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("grid %s is not inside the case's county %s", code, own),
				 errdetail("A case never changes county; its grid is the county or an area inside it.")));
	}
}

/*
 * What intake recorded of how the case came in never changes after:
 * occurred_at (1.3.0: the discovery deadline rests on it), and how the
 * category and the place were found (1.5.0: category_by, located_by,
 * assisted).  An optional column a schema lacks is skipped.
 */
static void
check_intake_only_edit(const CaseChange *ch)
{
	static const struct
	{
		CaseCol		col;
		const char *detail;
	}			intake_only[] = {
		{CC_OCCURRED_AT, "It is given at intake, when the case is reported, and measures its discovery; "
		 "it cannot be changed later."},
		{CC_CATEGORY_BY, "It records how the case got its category at intake and cannot be changed later."},
		{CC_LOCATED_BY, "It records how the case got its grid at intake and cannot be changed later."},
		{CC_ASSISTED, "It records what intake inferred from the case's words and cannot be changed later."},
	};
	size_t		i;

	for (i = 0; i < lengthof(intake_only); i++)
		if (ch->attnum[intake_only[i].col] != 0 && change_changed(ch, intake_only[i].col))
			maintained_error(case_column_name(intake_only[i].col), intake_only[i].detail);
}

/*
 * A changed category or department must exist (there are no foreign keys on
 * cases: 055_cases.sql), and a category keeps the case's workflow.
 */
static void
check_references(const CaseChange *ch, const char *workflow)
{
	if (change_changed(ch, CC_CATEGORY))
	{
		char	   *code = change_new_text(ch, CC_CATEGORY);
		const RefCategory *cat = refcache_known_category(code);

		if (strcmp(cat->workflow, workflow) != 0)
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("category \"%s\" follows workflow \"%s\", not the case's \"%s\"",
							code, cat->workflow, workflow),
					 errdetail("A case keeps the workflow it entered with.")));
	}
	if (change_changed(ch, CC_DEPARTMENT) && !ch->newn[change_ix(ch, CC_DEPARTMENT)])
		refcache_check_department(DatumGetInt64(ch->newv[change_ix(ch, CC_DEPARTMENT)]));
}

static bool
requires_key(const RefTransition *t, const char *key)
{
	int			k;

	for (k = 0; t && k < t->nrequires; k++)
		if (strcmp(t->requires[k], key) == 0)
			return true;
	return false;
}

/* Callback answers and merge target change only with actions that require them. */
static void
check_action_columns(const CaseChange *ch, const RefTransition *t)
{
	static const CaseCol action_cols[] = {CC_SOLVED, CC_SATISFACTION, CC_MASTER};
	size_t		i;

	for (i = 0; i < lengthof(action_cols); i++)
		if (change_changed(ch, action_cols[i]) && !requires_key(t, case_column_name(action_cols[i])))
			maintained_error(case_column_name(action_cols[i]),
							 "It is set by the workflow action that records it (callback, merge).");
}

static void
check_role(const RefTransition *t, const char *workflow)
{
	Oid			me = GetUserId();
	StringInfoData names;
	int			i;

	if (t->nroles == 0 || superuser())
		return;
	initStringInfo(&names);
	for (i = 0; i < t->nroles; i++)
	{
		Oid			role = get_role_oid(t->roles[i], true);

		if (OidIsValid(role) && has_privs_of_role(me, role))
			return;
		appendStringInfo(&names, "%s%s", i ? ", " : "", t->roles[i]);
	}
	ereport(ERROR,
			(errcode(GG_ROLE_DENIED),
			 errmsg("role \"%s\" may not take action \"%s\" in workflow \"%s\"",
					GetUserNameFromId(me, false), t->action, workflow),
			 errdetail("The action is allowed to members of: %s.", names.data),
			 errhint("Grant one of those roles, or have a member take the action.")));
}

/* Each required key: a case column that must be non-NULL, else a payload key. */
static void
check_requires(const CaseChange *ch, const RefTransition *t, const PendingAction *p)
{
	int			k;

	for (k = 0; k < t->nrequires; k++)
	{
		int			attnum = SPI_fnumber(ch->desc, t->requires[k]);
		bool		present = (attnum > 0) ? !ch->newn[attnum - 1] : payload_value(p ? p->payload : NULL, t->requires[k]) != NULL;

		if (!present)
			ereport(ERROR,
					(errcode(GG_MISSING_PAYLOAD),
					 errmsg("action \"%s\" needs a value for \"%s\"", t->action, t->requires[k]),
					 errhint("Pass it in the payload of gridgov.act(), e.g. '{\"%s\": ...}'.", t->requires[k])));
	}
}

/* The master of a merge: same county, not this case, not finished. */
static void
check_master(const CaseChange *ch)
{
	Datum		args[2] = {ch->newv[change_ix(ch, CC_COUNTY)], ch->newv[change_ix(ch, CC_MASTER)]};
	Oid			types[2] = {TupleDescAttr(ch->desc, change_ix(ch, CC_COUNTY))->atttypid, INT8OID};
	bool		isnull;

	if (ch->newn[change_ix(ch, CC_MASTER)] || !change_changed(ch, CC_MASTER))
		return;
	if (DatumGetInt64(ch->newv[change_ix(ch, CC_MASTER)]) == change_case_id(ch))
		ereport(ERROR,
				(errcode(GG_BAD_MERGE),
				 errmsg("case " INT64_FORMAT " cannot be merged into itself", change_case_id(ch))));
	plans_execute(shards_plan("SELECT c.closed_at IS NULL AND NOT s.terminal "
							  "FROM %1$s c JOIN %2$s s ON s.workflow = c.workflow AND s.state = c.state "
							  "WHERE c.county OPERATOR(gridgov.=) $1 AND c.id = $2",
							  master_tables, gridcode_hash_of(DatumGetGridCode(args[0])), 2, types),
				  args, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed == 0 ||
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		ereport(ERROR,
				(errcode(GG_BAD_MERGE),
				 errmsg("case " INT64_FORMAT " cannot be merged into case " INT64_FORMAT,
						change_case_id(ch), DatumGetInt64(ch->newv[change_ix(ch, CC_MASTER)])),
				 errdetail("The master must be an open case of the same county.")));
}

/* --- an announced action ------------------------------------------------- */

/* The value as ->> returns it, read with the column's type input function (as a cast from text). */
static Datum
payload_as(JsonbValue *v, Oid type, bool *isnull)
{
	char	   *text;
	Oid			input;
	Oid			ioparam;

	*isnull = (v->type == jbvNull);
	if (*isnull)
		return (Datum) 0;
	if (v->type == jbvString)
		text = pnstrdup(v->val.string.val, v->val.string.len);
	else if (v->type == jbvNumeric)
		text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	else if (v->type == jbvBool)
		text = v->val.boolean ? "true" : "false";
	else
		text = JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
	getTypeInputInfo(type, &input, &ioparam);
	return OidInputFunctionCall(input, text, ioparam, -1);
}

/*
 * The columns an action's payload carries: department_id with any action
 * but one that requires it (there it names the department the action is
 * about, as report_in does, and moves nothing); solved, satisfaction and
 * master_case_id with the actions that require them.
 */
static void
apply_payload(CaseChange *ch, const RefTransition *t, const PendingAction *p)
{
	static const CaseCol carried[] = {CC_DEPARTMENT, CC_SOLVED, CC_SATISFACTION, CC_MASTER};
	size_t		i;

	for (i = 0; i < lengthof(carried); i++)
	{
		const char *key = case_column_name(carried[i]);
		JsonbValue *v = payload_value(p ? p->payload : NULL, key);
		bool		isnull;
		Datum		d;

		if (v == NULL || (carried[i] != CC_DEPARTMENT) != requires_key(t, key))
			continue;
		d = payload_as(v, TupleDescAttr(ch->desc, change_ix(ch, carried[i]))->atttypid, &isnull);
		change_set_given(ch, carried[i], d, isnull);
	}
}

/* The announced action's transition in state from; it sets the new state. */
static const RefTransition *
apply_announced(CaseChange *ch, const PendingAction *p, const char *workflow, const char *from)
{
	const RefTransition *t = refcache_transition_copy(refcache_transition(workflow, from, p->action));
	const char *to;

	if (t == NULL)
		ereport(ERROR,
				(errcode(GG_ILLEGAL_TRANSITION),
				 errmsg("action \"%s\" is not allowed in state \"%s\" of workflow \"%s\"",
						p->action, from, workflow),
				 errdetail("Allowed actions there: %s.", refcache_allowed_actions(workflow, from))));
	to = t->to_state[0] ? t->to_state : from;
	if (change_changed(ch, CC_STATE) && strcmp(change_new_text(ch, CC_STATE), to) != 0)
		ereport(ERROR,
				(errcode(GG_ILLEGAL_TRANSITION),
				 errmsg("action \"%s\" leads to state \"%s\", not \"%s\"",
						p->action, to, change_new_text(ch, CC_STATE))));
	change_set_given(ch, CC_STATE, CStringGetTextDatum(to), false);
	apply_payload(ch, t, p);
	return t;
}

/* A raw change of state: the one transition between the two states, if any. */
static const RefTransition *
transition_of_raw_change(const char *workflow, const char *from, const char *to)
{
	const RefTransition *t = NULL;
	int			n;

	if (strcmp(from, to) == 0)
		return NULL;
	n = refcache_transitions_between(workflow, from, to, &t);
	if (n == 0)
		ereport(ERROR,
				(errcode(GG_ILLEGAL_TRANSITION),
				 errmsg("no action of workflow \"%s\" leads from state \"%s\" to \"%s\"", workflow, from, to),
				 errdetail("Allowed actions in state \"%s\": %s.", from, refcache_allowed_actions(workflow, from))));
	if (n > 1)
		ereport(ERROR,
				(errcode(GG_AMBIGUOUS_CHANGE),
				 errmsg("several actions lead from state \"%s\" to \"%s\"", from, to),
				 errhint("Name the action with gridgov.act().")));
	return refcache_transition_copy(t);
}

/* --- effects on the row ---------------------------------------------------- */

/* The transition's counter, and the supervision mark of a supervise action (督办). */
static void
apply_counter(CaseChange *ch, const RefTransition *t)
{
	static const CaseCol counters[] = {
		CC_DISPATCHES, CC_RETURNS, CC_REWORKS, CC_REOPENS, CC_EXTENSIONS, CC_SUSPENSIONS
	};
	size_t		i;

	for (i = 0; i < lengthof(counters); i++)
		if (refcache_counts(t, case_column_name(counters[i])))
			change_set(ch, counters[i], Int32GetDatum(DatumGetInt32(change_old(ch, counters[i])) + 1), false);
	if (strcmp(t->action, ENGINE_SUPERVISE_ACTION) == 0)
		change_set(ch, CC_SUPERVISED, BoolGetDatum(true), false);
}

static void
apply_closing(CaseChange *ch, const char *workflow, const char *from, const char *to, TimestampTz at)
{
	const RefState *was = refcache_state(workflow, from);
	const RefState *now = refcache_state(workflow, to);

	if (now == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("state \"%s\" is not a state of workflow \"%s\"", to, workflow)));
	if (now->closes)
		change_set(ch, CC_CLOSED_AT, TimestampTzGetDatum(at), false);
	else if (was && was->terminal && !now->terminal)
		change_set(ch, CC_CLOSED_AT, (Datum) 0, true);
}

/* A system action may change only its own columns. */
static void
check_system_change(const CaseChange *ch, const char *action)
{
	int			i;

	for (i = 0; i < ch->desc->natts; i++)
	{
		bool		own;

		if (TupleDescAttr(ch->desc, i)->attisdropped || i == change_ix(ch, CC_UPDATED_AT) ||
			!change_attr_changed(ch, i))
			continue;
		if (strcmp(action, "rehome") == 0)
			own = (i == change_ix(ch, CC_GRID));
		else if (strcmp(action, "master_closed") == 0)
			own = (i == change_ix(ch, CC_CLOSED_AT));
		else if (strcmp(action, "recalendar") == 0 || strcmp(action, "contact_revealed") == 0 ||
				 strncmp(action, "sensor_", 7) == 0)
			own = false;		/* it records what it did to the clocks, who looked, or what a device reported */
		else
			own = (i == change_ix(ch, CC_ESCALATION_LEVEL));
		if (!own)
			elog(ERROR, "system action %s may not change column %s",
				 action, NameStr(TupleDescAttr(ch->desc, i)->attname));
	}
}

/*
 * Who holds the case, and where it lies, change by a command center's
 * dispatch or edit (or the admin role's), never by the holder or a worker:
 * holding is what lets a department act on a case and read its contact data,
 * the grid what puts it under a command center (docs/security.md).  A
 * department that may act only because a whistle summons it changes nothing.
 */
static void
check_holder_change(const CaseChange *ch, const PendingAction *p, bool edited)
{
	ScopeCase	c;
	bool		summoned_only;

	c.county = DatumGetGridCode(change_old(ch, CC_COUNTY));
	c.has_grid = !ch->oldn[change_ix(ch, CC_GRID)];
	c.grid = c.has_grid ? DatumGetGridCode(change_old(ch, CC_GRID)) : 0;
	c.has_department = !ch->oldn[change_ix(ch, CC_DEPARTMENT)];
	c.department_id = c.has_department ? DatumGetInt64(change_old(ch, CC_DEPARTMENT)) : 0;
	c.case_id = change_case_id(ch);
	/* A department here only because a whistle summons it reports in and edits nothing. */
	summoned_only = p != NULL && !p->system && strcmp(p->action, "report_in") == 0 && !scope_case_acts_fully(&c);
	if (summoned_only && edited)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("a department summoned to case " INT64_FORMAT " may report in, not change it", c.case_id)));
	/* The department, and the grid (which decides the command center over it). */
	if ((change_changed(ch, CC_DEPARTMENT) || change_changed(ch, CC_GRID)) && !scope_case_redirect(&c))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only a command center over case " INT64_FORMAT " may change its department or grid", c.case_id),
				 errdetail("A case changes hands by a dispatch of the command center whose jurisdiction covers it.")));
}

/*
 * The checks and effects of a change made by a workflow action or an edit;
 * returns the action's transition (NULL for an edit).
 */
static const RefTransition *
apply_user_change(CaseChange *ch, const PendingAction *p, const char *workflow, const char *from,
				  TimestampTz at)
{
	bool		edited = change_any(ch);	/* by the UPDATE itself, before the action's own changes */
	const RefTransition *t = p ? apply_announced(ch, p, workflow, from) : NULL;
	const char *to = change_new_text(ch, CC_STATE);

	check_untouchable(ch);
	check_grid_edit(ch);
	check_intake_only_edit(ch);
	check_references(ch, workflow);
	if (p == NULL)
		t = transition_of_raw_change(workflow, from, to);
	check_action_columns(ch, t);
	if (t)
	{
		check_role(t, workflow);
		check_requires(ch, t, p);
		apply_counter(ch, t);
		check_master(ch);
	}
	check_holder_change(ch, p, edited);
	if (strcmp(from, to) != 0 || t)
		apply_closing(ch, workflow, from, to, at);
	return t;
}

/* --- the event ------------------------------------------------------------ */

static void
previous_hash(const CaseChange *ch, uint8 *prev)
{
	Datum		args[3];
	Oid			types[3] = {TupleDescAttr(ch->desc, change_ix(ch, CC_COUNTY))->atttypid, INT8OID, INT4OID};
	bool		isnull;
	Datum		d;

	if (!ch->oldn[change_ix(ch, CC_HISTORY_HASH)])
	{
		bytea	   *h = DatumGetByteaPP(ch->oldv[change_ix(ch, CC_HISTORY_HASH)]);

		if (VARSIZE_ANY_EXHDR(h) != AUDIT_HASH_LEN)
			elog(ERROR, "case history hash has the wrong length");
		memcpy(prev, VARDATA_ANY(h), AUDIT_HASH_LEN);
		return;
	}
	args[0] = change_old(ch, CC_COUNTY);
	args[1] = change_old(ch, CC_ID);
	args[2] = change_old(ch, CC_EVENTS);
	plans_execute(shards_plan("SELECT hash FROM %1$s "
							  "WHERE county OPERATOR(gridgov.=) $1 AND case_id = $2 AND seq = $3",
							  events_table, gridcode_hash_of(DatumGetGridCode(args[0])), 3, types),
				  args, NULL, true, 1, SPI_OK_SELECT);
	d = (SPI_processed == 1) ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)
		: (isnull = true, (Datum) 0);
	if (SPI_processed == 0 && ch->old_is_ours)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("case " INT64_FORMAT " is still being filed by the statement that inserts it",
						change_case_id(ch)),
				 errdetail("The intake of a case ends with the INSERT or COPY statement that files it, "
						   "which writes its first event."),
				 errhint("Change the case in a later statement, not in the one that inserts it.")));
	if (isnull || VARSIZE_ANY_EXHDR(DatumGetByteaPP(d)) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the history of case " INT64_FORMAT " has no valid event %d",
						change_case_id(ch), DatumGetInt32(args[2])),
				 errhint("Run gridgov.verify_history() on the case.")));
	memcpy(prev, VARDATA_ANY(DatumGetByteaPP(d)), AUDIT_HASH_LEN);
}

/* Appends the event of this change and chains the case's history to it; returns its seq. */
static int32
record_event(CaseChange *ch, const PendingAction *p, const char *action, const char *from, TimestampTz at)
{
	CaseEvent	e;
	EngineBatch b;
	uint8		prev[AUDIT_HASH_LEN];
	uint8		hash[AUDIT_HASH_LEN];
	Jsonb	   *payload = change_event_payload(ch, p ? p->payload : NULL);

	e.county = DatumGetGridCode(change_old(ch, CC_COUNTY));
	e.case_id = change_case_id(ch);
	e.seq = DatumGetInt32(change_old(ch, CC_EVENTS)) + 1;
	e.at = at;
	e.actor_role = GetUserNameFromId(GetUserId(), false);
	e.has_staff = refcache_staff_of_role(GetUserId(), &e.actor_staff_id);
	e.action = action;
	e.from_state = from;
	e.to_state = change_new_text(ch, CC_STATE);
	e.note = p ? p->note : NULL;
	e.payload = payload ? JsonbToCString(NULL, &payload->root, VARSIZE(payload)) : NULL;
	previous_hash(ch, prev);
	engine_batch_init(&b, TupleDescAttr(ch->desc, change_ix(ch, CC_COUNTY))->atttypid, 1);
	engine_add_event(&b, &e, payload, prev, hash);
	engine_flush(&b);
	notify_case_change(&e, ch);
	change_set(ch, CC_EVENTS, Int32GetDatum(e.seq), false);
	change_set(ch, CC_HISTORY_HASH, PointerGetDatum(audit_hash_bytea(hash)), false);
	change_set(ch, CC_UPDATED_AT, TimestampTzGetDatum(at), false);
	return e.seq;
}

/* --- the trigger ------------------------------------------------------------ */

/* The clock effects of the action, and the duplicates that close with the case. */
static void
apply_effects(CaseChange *ch, const RefTransition *t, const PendingAction *p, TimestampTz at, int32 seq)
{
	EngineChange ec;
	Oid			county_type = TupleDescAttr(ch->desc, change_ix(ch, CC_COUNTY))->atttypid;
	bool		closes = ch->oldn[change_ix(ch, CC_CLOSED_AT)] && !ch->newn[change_ix(ch, CC_CLOSED_AT)];
	const char *to = change_new_text(ch, CC_STATE);

	ec.c.county = change_old(ch, CC_COUNTY);
	ec.c.county_type = county_type;
	ec.c.case_id = change_case_id(ch);
	ec.c.category = change_new_text(ch, CC_CATEGORY);
	ec.c.urgency = DatumGetCString(DirectFunctionCall1(enum_out, change_new(ch, CC_URGENCY)));
	ec.c.source = DatumGetCString(DirectFunctionCall1(enum_out, change_new(ch, CC_SOURCE)));
	ec.t = t;
	ec.at = at;
	ec.payload = p ? p->payload : NULL;
	ec.seq = seq;
	ec.note = p ? p->note : NULL;
	ec.actor = GetUserNameFromId(GetUserId(), false);
	ec.department_given = !ch->newn[change_ix(ch, CC_DEPARTMENT)];
	ec.department_id = ec.department_given ? DatumGetInt64(ch->newv[change_ix(ch, CC_DEPARTMENT)]) : 0;
	ec.closes = closes;
	ec.merged = strcmp(to, ENGINE_MERGED_STATE) == 0 &&
		strcmp(change_old_text(ch, CC_STATE), ENGINE_MERGED_STATE) != 0;
	ec.open_after = ch->newn[change_ix(ch, CC_CLOSED_AT)];
	engine_clock_effects(&ec);
	if (closes)
		engine_close_merged(ec.c.county, county_type, ec.c.case_id,
							DatumGetTimestampTz(ch->newv[change_ix(ch, CC_CLOSED_AT)]));
}

PG_FUNCTION_INFO_V1(gridgov_case_update);
Datum
gridgov_case_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "case_update");
	CaseChange	ch;
	const PendingAction *p;
	const RefTransition *t = NULL;
	char	   *workflow;
	char	   *from;
	const char *action;
	TimestampTz at;
	HeapTuple	result;
	int			nest;
	int32		seq;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	change_init(&ch, td);
	p = act_pending_for(change_case_id(&ch));
	if (p == NULL && !change_any(&ch))
	{
		SPI_finish();
		return PointerGetDatum(td->tg_newtuple);
	}
	/* Every statement below runs under gridgov's path, set once (plans.h). */
	nest = plans_safe_begin(NULL, NULL);
	workflow = change_old_text(&ch, CC_WORKFLOW);
	from = change_old_text(&ch, CC_STATE);
	at = case_time_of_event(p && p->has_at, p ? p->at : 0, p && p->system,
							DatumGetTimestampTz(change_old(&ch, CC_UPDATED_AT)), change_case_id(&ch));
	if (p && p->system)
	{
		check_system_change(&ch, p->action);
		action = pstrdup(p->action);
	}
	else
	{
		t = apply_user_change(&ch, p, workflow, from, at);
		action = t ? t->action : "edit";
	}
	seq = record_event(&ch, p, action, from, at);
	if (p)
		act_pending_done();
	apply_effects(&ch, t, p, at, seq);
	/* The row's values live in SPI's memory, which SPI_finish() frees. */
	result = SPI_copytuple(change_new_tuple(&ch, td->tg_newtuple));
	plans_safe_end(nest);
	SPI_finish();
	return PointerGetDatum(result);
}

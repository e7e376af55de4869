/*
 * workflow.c
 *		The BEFORE UPDATE trigger on gridgov.cases (gridgov.case_update) and the
 *		pieces gridgov.act() uses.
 *
 * Every UPDATE of a case passes here, from gridgov.act() or raw SQL:
 *
 *	- a state change must be a transition of the case's workflow: the action
 *	  announced by act() (gridgov.act_prepare), or for a raw UPDATE the single
 *	  transition between the two states (GG101 none, GG103 several);
 *	- the current role must be a member of one of the transition's roles (GG102);
 *	- the values the transition requires must be present (GG104);
 *	- columns gridgov maintains (keys, counters, closed_at, history) are not
 *	  written directly (GG105); callback answers and the master of a merge
 *	  change only with the actions that require them; the county never changes;
 *	- the transition's effects are applied: its counter, closed_at when the
 *	  new state closes the case (cleared on reopening);
 *	- one event is appended to gridgov.case_events, chained to the previous
 *	  one by sha256 (audit.c), and the case's events/history_hash/updated_at
 *	  follow.
 *
 * Three system actions have no transition row: 'rehome' (a re-division moved
 * the case to another grid), 'master_closed' (the master of a merged case
 * closed) and 'escalate' (the SLA sweep escalated a late clock); they are
 * announced from C only (case_system_update) and may change only the grid,
 * closed_at, resp. the supervision flag and escalation level.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "case_columns.h"
#include "case_time.h"
#include "errcodes.h"
#include "owner.h"
#include "plans.h"
#include "refcache.h"
#include "triggers.h"
#include "workflow.h"

/* The action gridgov.act() announced for the next UPDATE of one case. */
typedef struct PendingAction
{
	bool		set;
	int64		case_id;
	char		action[REF_NAME_LEN];
	char	   *note;
	Jsonb	   *payload;
	bool		has_at;			/* an explicit time was given */
	TimestampTz at;
	bool		system;			/* rehome / master_closed, from C only */
} PendingAction;

static PendingAction pending;

typedef struct CaseChange
{
	TupleDesc	desc;
	const int  *attnum;
	Datum	   *oldv;
	bool	   *oldn;
	Datum	   *newv;
	bool	   *newn;
	bool	   *replace;
} CaseChange;

static SPIPlanPtr insert_event_plan = NULL;
static SPIPlanPtr prev_hash_plan = NULL;
static SPIPlanPtr master_plan = NULL;

static void
workflow_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		pending.set = false;
}

/* An aborted subtransaction (savepoint, EXCEPTION block) forgets the action too. */
static void
workflow_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
						  SubTransactionId parentSubid pg_attribute_unused(),
						  void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		pending.set = false;
}

void
workflow_init(void)
{
	RegisterXactCallback(workflow_xact_callback, NULL);
	RegisterSubXactCallback(workflow_subxact_callback, NULL);
}

/* --- reading the two row versions --------------------------------------- */

static void
change_init(CaseChange *ch, TriggerData *td)
{
	int			natts;

	ch->desc = RelationGetDescr(td->tg_relation);
	natts = ch->desc->natts;
	ch->attnum = case_columns(td->tg_relation)->attnum;
	ch->oldv = palloc(natts * sizeof(Datum));
	ch->oldn = palloc(natts * sizeof(bool));
	ch->newv = palloc(natts * sizeof(Datum));
	ch->newn = palloc(natts * sizeof(bool));
	ch->replace = palloc0(natts * sizeof(bool));
	heap_deform_tuple(td->tg_trigtuple, ch->desc, ch->oldv, ch->oldn);
	heap_deform_tuple(td->tg_newtuple, ch->desc, ch->newv, ch->newn);
}

static inline int
ix(CaseChange *ch, CaseCol c)
{
	return ch->attnum[c] - 1;
}

/* Whether attribute index i differs between the old and new row. */
static bool
attr_changed(CaseChange *ch, int i)
{
	Form_pg_attribute att = TupleDescAttr(ch->desc, i);

	if (ch->oldn[i] != ch->newn[i])
		return true;
	if (ch->oldn[i])
		return false;
	return !datumIsEqual(ch->oldv[i], ch->newv[i], att->attbyval, att->attlen);
}

static bool
changed(CaseChange *ch, CaseCol c)
{
	return attr_changed(ch, ix(ch, c));
}

/*
 * A column of the stored row that its NOT NULL constraint guarantees; an
 * error rather than a misread value should the constraint ever be missing.
 */
static Datum
old_required(CaseChange *ch, CaseCol c)
{
	if (ch->oldn[ix(ch, c)])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a stored case has no %s", case_column_name(c))));
	return ch->oldv[ix(ch, c)];
}

/* A column an UPDATE may not set to NULL. */
static Datum
new_required(CaseChange *ch, CaseCol c)
{
	if (ch->newn[ix(ch, c)])
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("column %s of a case cannot be NULL", case_column_name(c))));
	return ch->newv[ix(ch, c)];
}

static char *
old_text(CaseChange *ch, CaseCol c)
{
	return TextDatumGetCString(old_required(ch, c));
}

static char *
new_text(CaseChange *ch, CaseCol c)
{
	return TextDatumGetCString(new_required(ch, c));
}

static void
set_new(CaseChange *ch, CaseCol c, Datum v, bool isnull)
{
	ch->newv[ix(ch, c)] = v;
	ch->newn[ix(ch, c)] = isnull;
	ch->replace[ix(ch, c)] = true;
}

static int64
case_id_of(CaseChange *ch)
{
	return DatumGetInt64(old_required(ch, CC_ID));
}

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
check_untouchable(CaseChange *ch)
{
	static const CaseCol fixed[] = {
		CC_COUNTY, CC_ID, CC_CASE_NO, CC_WORKFLOW, CC_CLOSED_AT, CC_DISPATCHES,
		CC_RETURNS, CC_REWORKS, CC_REOPENS, CC_EXTENSIONS, CC_SUSPENSIONS,
		CC_SUPERVISED, CC_ESCALATION_LEVEL, CC_EVENTS, CC_HISTORY_HASH
	};
	size_t		i;

	for (i = 0; i < lengthof(fixed); i++)
		if (changed(ch, fixed[i]))
			maintained_error(case_column_name(fixed[i]),
							 fixed[i] == CC_COUNTY ?
							 "A case never changes county after intake." :
							 "It follows from the case's history; move the case on with gridgov.act().");
}

/* An edited grid stays inside the case's county (a case never changes county). */
static void
check_grid_edit(CaseChange *ch)
{
	GridCode	county;
	GridCode	grid;

	if (!changed(ch, CC_GRID) || ch->newn[ix(ch, CC_GRID)])
		return;
	county = DatumGetGridCode(ch->oldv[ix(ch, CC_COUNTY)]);
	grid = DatumGetGridCode(ch->newv[ix(ch, CC_GRID)]);
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
 * A changed category or department must exist (there are no foreign keys on
 * cases: 055_cases.sql), and a category keeps the case's workflow.
 */
static void
check_references(CaseChange *ch, const char *workflow)
{
	if (changed(ch, CC_CATEGORY))
	{
		char	   *code = new_text(ch, CC_CATEGORY);
		const RefCategory *cat = refcache_known_category(code);

		if (strcmp(cat->workflow, workflow) != 0)
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("category \"%s\" follows workflow \"%s\", not the case's \"%s\"",
							code, cat->workflow, workflow),
					 errdetail("A case keeps the workflow it entered with.")));
	}
	if (changed(ch, CC_DEPARTMENT) && !ch->newn[ix(ch, CC_DEPARTMENT)])
		refcache_check_department(DatumGetInt64(ch->newv[ix(ch, CC_DEPARTMENT)]));
}

/* Callback answers and merge target change only with actions that require them. */
static void
check_action_columns(CaseChange *ch, const RefTransition *t)
{
	static const CaseCol action_cols[] = {CC_SOLVED, CC_SATISFACTION, CC_MASTER};
	size_t		i;

	for (i = 0; i < lengthof(action_cols); i++)
	{
		const char *name = case_column_name(action_cols[i]);
		bool		required = false;
		int			k;

		if (!changed(ch, action_cols[i]))
			continue;
		for (k = 0; t && k < t->nrequires; k++)
			if (strcmp(t->requires[k], name) == 0)
				required = true;
		if (!required)
			maintained_error(name, "It is set by the workflow action that records it (callback, merge).");
	}
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

static bool
payload_has(const char *key)
{
	JsonbValue	k;

	if (!pending.set || pending.payload == NULL)
		return false;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(&pending.payload->root, JB_FOBJECT, &k) != NULL;
}

/* Each required key: a case column that must be non-NULL, else a payload key. */
static void
check_requires(CaseChange *ch, const RefTransition *t)
{
	int			k;

	for (k = 0; k < t->nrequires; k++)
	{
		int			attnum = SPI_fnumber(ch->desc, t->requires[k]);
		bool		present = (attnum > 0) ? !ch->newn[attnum - 1] : payload_has(t->requires[k]);

		if (!present)
			ereport(ERROR,
					(errcode(GG_MISSING_PAYLOAD),
					 errmsg("action \"%s\" needs a value for \"%s\"", t->action, t->requires[k]),
					 errhint("Pass it in the payload of gridgov.act(), e.g. '{\"%s\": ...}'.", t->requires[k])));
	}
}

/* The master of a merge: same county, not this case, not finished. */
static void
check_master(CaseChange *ch)
{
	Datum		args[2] = {ch->newv[ix(ch, CC_COUNTY)], ch->newv[ix(ch, CC_MASTER)]};
	Oid			types[2] = {TupleDescAttr(ch->desc, ix(ch, CC_COUNTY))->atttypid, INT8OID};
	bool		isnull;

	if (ch->newn[ix(ch, CC_MASTER)] || !changed(ch, CC_MASTER))
		return;
	if (DatumGetInt64(ch->newv[ix(ch, CC_MASTER)]) == case_id_of(ch))
		ereport(ERROR,
				(errcode(GG_BAD_MERGE),
				 errmsg("case " INT64_FORMAT " cannot be merged into itself", case_id_of(ch))));
	plans_keep(&master_plan,
			   "SELECT c.closed_at IS NULL AND NOT s.terminal "
			   "FROM gridgov.cases c JOIN gridgov.workflow_states s "
			   "ON s.workflow = c.workflow AND s.state = c.state "
			   "WHERE c.county OPERATOR(gridgov.=) $1 AND c.id = $2",
			   2, types, 0);
	plans_execute(master_plan, args, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed == 0 ||
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		ereport(ERROR,
				(errcode(GG_BAD_MERGE),
				 errmsg("case " INT64_FORMAT " cannot be merged into case " INT64_FORMAT,
						case_id_of(ch), DatumGetInt64(ch->newv[ix(ch, CC_MASTER)])),
				 errdetail("The master must be an open case of the same county.")));
}

/* --- which transition ---------------------------------------------------- */

static const RefTransition *
transition_of_change(CaseChange *ch, const char *workflow, const char *from, const char *to)
{
	const RefTransition *t = NULL;
	int			n;

	if (pending.set && pending.case_id == case_id_of(ch) && !pending.system)
	{
		t = refcache_transition(workflow, from, pending.action);
		if (t == NULL)
			ereport(ERROR,
					(errcode(GG_ILLEGAL_TRANSITION),
					 errmsg("action \"%s\" is not allowed in state \"%s\" of workflow \"%s\"",
							pending.action, from, workflow),
					 errdetail("Allowed actions there: %s.", refcache_allowed_actions(workflow, from))));
		if (strcmp(t->to_state[0] ? t->to_state : from, to) != 0)
			ereport(ERROR,
					(errcode(GG_ILLEGAL_TRANSITION),
					 errmsg("action \"%s\" leads to state \"%s\", not \"%s\"",
							pending.action, t->to_state[0] ? t->to_state : from, to)));
		return t;
	}
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
	return t;
}

/* --- effects ------------------------------------------------------------- */

static void
apply_counter(CaseChange *ch, const RefTransition *t)
{
	static const CaseCol counters[] = {
		CC_DISPATCHES, CC_RETURNS, CC_REWORKS, CC_REOPENS, CC_EXTENSIONS, CC_SUSPENSIONS
	};
	size_t		i;

	for (i = 0; i < lengthof(counters); i++)
		if (strcmp(t->counter, case_column_name(counters[i])) == 0)
			set_new(ch, counters[i], Int32GetDatum(DatumGetInt32(ch->oldv[ix(ch, counters[i])]) + 1), false);
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
		set_new(ch, CC_CLOSED_AT, TimestampTzGetDatum(at), false);
	else if (was && was->terminal && !now->terminal)
		set_new(ch, CC_CLOSED_AT, (Datum) 0, true);
}

/* --- the event ----------------------------------------------------------- */

/* Names (and for grid/department the new values) of the fields an edit changed. */
static char *
edit_payload_text(CaseChange *ch)
{
	StringInfoData buf;
	int			i;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"changed\": [");
	for (i = 0; i < ch->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(ch->desc, i);

		if (att->attisdropped || ch->replace[i] || !attr_changed(ch, i) ||
			i == ix(ch, CC_STATE) || i == ix(ch, CC_UPDATED_AT))
			continue;
		appendStringInfo(&buf, "%s", first ? "" : ", ");
		escape_json(&buf, NameStr(att->attname));
		first = false;
	}
	appendStringInfoString(&buf, "]");
	if (changed(ch, CC_DEPARTMENT) && !ch->newn[ix(ch, CC_DEPARTMENT)])
		appendStringInfo(&buf, ", \"department_id\": " INT64_FORMAT,
						 DatumGetInt64(ch->newv[ix(ch, CC_DEPARTMENT)]));
	if (changed(ch, CC_GRID))
	{
		char		code[GRIDCODE_MAX_DIGITS + 1];

		if (ch->newn[ix(ch, CC_GRID)])
			appendStringInfoString(&buf, ", \"grid\": null");
		else
		{
			gridcode_to_cstring(DatumGetGridCode(ch->newv[ix(ch, CC_GRID)]), code);
			appendStringInfo(&buf, ", \"grid\": \"%s\"", code);
		}
	}
	appendStringInfoChar(&buf, '}');
	return first && !changed(ch, CC_DEPARTMENT) && !changed(ch, CC_GRID) ? NULL : buf.data;
}

/* Payload of the event: what changed, plus what act() passed. */
static Jsonb *
event_payload(CaseChange *ch)
{
	char	   *text = edit_payload_text(ch);
	Jsonb	   *auto_part = text ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text))) : NULL;

	if (pending.set && pending.payload)
		return auto_part ? DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
															  JsonbPGetDatum(pending.payload),
															  JsonbPGetDatum(auto_part)))
			: pending.payload;
	return auto_part;
}

static void
previous_hash(CaseChange *ch, uint8 *prev)
{
	Datum		args[3];
	Oid			types[3] = {TupleDescAttr(ch->desc, ix(ch, CC_COUNTY))->atttypid, INT8OID, INT4OID};
	bool		isnull;
	Datum		d;

	if (!ch->oldn[ix(ch, CC_HISTORY_HASH)])
	{
		bytea	   *h = DatumGetByteaPP(ch->oldv[ix(ch, CC_HISTORY_HASH)]);

		if (VARSIZE_ANY_EXHDR(h) != AUDIT_HASH_LEN)
			elog(ERROR, "case history hash has the wrong length");
		memcpy(prev, VARDATA_ANY(h), AUDIT_HASH_LEN);
		return;
	}
	plans_keep(&prev_hash_plan,
			   "SELECT hash FROM gridgov.case_events "
			   "WHERE county OPERATOR(gridgov.=) $1 AND case_id = $2 AND seq = $3",
			   3, types, 0);
	args[0] = old_required(ch, CC_COUNTY);
	args[1] = old_required(ch, CC_ID);
	args[2] = old_required(ch, CC_EVENTS);
	plans_execute(prev_hash_plan, args, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the history of case " INT64_FORMAT " has no event %d",
						case_id_of(ch), DatumGetInt32(args[2])),
				 errhint("Run gridgov.verify_history() on the case.")));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull || VARSIZE_ANY_EXHDR(DatumGetByteaPP(d)) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("event %d of case " INT64_FORMAT " has no valid hash",
						DatumGetInt32(args[2]), case_id_of(ch))));
	memcpy(prev, VARDATA_ANY(DatumGetByteaPP(d)), AUDIT_HASH_LEN);
}


typedef struct EventInsert
{
	Datum	   *values;
	char	   *nulls;
} EventInsert;

static void
execute_event_insert(void *arg)
{
	EventInsert *ins = (EventInsert *) arg;

	plans_execute(insert_event_plan, ins->values, ins->nulls, false, 0, SPI_OK_INSERT);
}

static void
insert_as_history_owner(Datum *values, char *nulls)
{
	EventInsert ins = {values, nulls};

	owner_run_as_history_owner(execute_event_insert, &ins);
}

static void
insert_event(CaseChange *ch, CaseEvent *e, Jsonb *payload, const uint8 *prev, const uint8 *hash)
{
	Oid			types[13] = {TupleDescAttr(ch->desc, ix(ch, CC_COUNTY))->atttypid, INT8OID, INT4OID,
		TIMESTAMPTZOID, NAMEOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	JSONBOID, BYTEAOID, BYTEAOID};
	Datum		v[13];
	char		n[13];

	memset(n, ' ', sizeof(n));
	plans_keep(&insert_event_plan,
			   "INSERT INTO gridgov.case_events (county, case_id, seq, at, "
			   "actor_role, actor_staff_id, action, from_state, to_state, note, "
			   "payload, prev_hash, hash) "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
			   13, types, 0);
	v[0] = GridCodeGetDatum(e->county);
	v[1] = Int64GetDatum(e->case_id);
	v[2] = Int32GetDatum(e->seq);
	v[3] = TimestampTzGetDatum(e->at);
	v[4] = DirectFunctionCall1(namein, CStringGetDatum(e->actor_role));
	v[5] = Int64GetDatum(e->actor_staff_id);
	n[5] = e->has_staff ? ' ' : 'n';
	v[6] = CStringGetTextDatum(e->action);
	v[7] = e->from_state ? CStringGetTextDatum(e->from_state) : (n[7] = 'n', (Datum) 0);
	v[8] = e->to_state ? CStringGetTextDatum(e->to_state) : (n[8] = 'n', (Datum) 0);
	v[9] = e->note ? CStringGetTextDatum(e->note) : (n[9] = 'n', (Datum) 0);
	v[10] = payload ? JsonbPGetDatum(payload) : (n[10] = 'n', (Datum) 0);
	v[11] = PointerGetDatum(audit_hash_bytea(prev));
	v[12] = PointerGetDatum(audit_hash_bytea(hash));
	insert_as_history_owner(v, n);
}

/* Whether the pending action (act(), a system action) is this case's. */
static bool
pending_is_mine(CaseChange *ch)
{
	return pending.set && pending.case_id == case_id_of(ch);
}

/* The time of this change's event (case_time.h). */
static TimestampTz
event_time(CaseChange *ch)
{
	bool		mine = pending_is_mine(ch);

	return case_time_of_event(mine && pending.has_at, pending.at, mine && pending.system,
							  DatumGetTimestampTz(old_required(ch, CC_UPDATED_AT)), case_id_of(ch));
}

/* Append the event for this change and chain the case's history to it. */
static void
record_event(CaseChange *ch, const char *action, const char *from, const char *to, TimestampTz at)
{
	CaseEvent	e;
	uint8		prev[AUDIT_HASH_LEN];
	uint8		hash[AUDIT_HASH_LEN];
	Jsonb	   *payload = event_payload(ch);

	e.county = DatumGetGridCode(old_required(ch, CC_COUNTY));
	e.case_id = case_id_of(ch);
	e.seq = DatumGetInt32(old_required(ch, CC_EVENTS)) + 1;
	e.at = at;
	e.actor_role = GetUserNameFromId(GetUserId(), false);
	e.has_staff = refcache_staff_of_role(GetUserId(), &e.actor_staff_id);
	e.action = action;
	e.from_state = from;
	e.to_state = to;
	e.note = pending_is_mine(ch) ? pending.note : NULL;
	e.payload = payload ? JsonbToCString(NULL, &payload->root, VARSIZE(payload)) : NULL;

	previous_hash(ch, prev);
	audit_event_hash(prev, &e, hash);
	insert_event(ch, &e, payload, prev, hash);
	set_new(ch, CC_EVENTS, Int32GetDatum(e.seq), false);
	set_new(ch, CC_HISTORY_HASH, PointerGetDatum(audit_hash_bytea(hash)), false);
	set_new(ch, CC_UPDATED_AT, TimestampTzGetDatum(at), false);
}

/* Whether anything but updated_at differs between the versions. */
static bool
anything_changed(CaseChange *ch)
{
	int			i;

	for (i = 0; i < ch->desc->natts; i++)
		if (!TupleDescAttr(ch->desc, i)->attisdropped && i != ix(ch, CC_UPDATED_AT) &&
			attr_changed(ch, i))
			return true;
	return false;
}

/* The system actions: no transition row, announced from C only. */
static bool
is_system_action(const char *action)
{
	return strcmp(action, "rehome") == 0 || strcmp(action, "master_closed") == 0 ||
		strcmp(action, "escalate") == 0;
}

/* A system action may change only its own columns. */
static void
check_system_change(CaseChange *ch)
{
	int			i;

	for (i = 0; i < ch->desc->natts; i++)
	{
		bool		own;

		if (TupleDescAttr(ch->desc, i)->attisdropped || i == ix(ch, CC_UPDATED_AT) ||
			!attr_changed(ch, i))
			continue;
		if (strcmp(pending.action, "rehome") == 0)
			own = (i == ix(ch, CC_GRID));
		else if (strcmp(pending.action, "master_closed") == 0)
			own = (i == ix(ch, CC_CLOSED_AT));
		else
			own = (i == ix(ch, CC_SUPERVISED) || i == ix(ch, CC_ESCALATION_LEVEL));
		if (!own)
			elog(ERROR, "system action %s may not change column %s",
				 pending.action, NameStr(TupleDescAttr(ch->desc, i)->attname));
	}
}

/*
 * The checks and effects of a change made by a workflow action or an edit;
 * returns the action recorded ("edit" when no transition applies).
 */
static const char *
apply_user_change(CaseChange *ch, const char *workflow, const char *from, const char *to,
				  TimestampTz at)
{
	const RefTransition *t;

	check_untouchable(ch);
	check_grid_edit(ch);
	check_references(ch, workflow);
	t = transition_of_change(ch, workflow, from, to);
	check_action_columns(ch, t);
	if (t)
	{
		check_role(t, workflow);
		check_requires(ch, t);
		apply_counter(ch, t);
		check_master(ch);
	}
	if (strcmp(from, to) != 0 || t)
		apply_closing(ch, workflow, from, to, at);
	return t ? t->action : "edit";
}

PG_FUNCTION_INFO_V1(gridgov_case_update);
Datum
gridgov_case_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "case_update");
	CaseChange	ch;
	char	   *workflow;
	char	   *from;
	char	   *to;
	char		action[REF_NAME_LEN];
	TimestampTz at;
	bool		mine;
	HeapTuple	result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	change_init(&ch, td);
	mine = pending_is_mine(&ch);
	if (!mine && !anything_changed(&ch))
	{
		SPI_finish();
		return PointerGetDatum(td->tg_newtuple);
	}
	workflow = old_text(&ch, CC_WORKFLOW);
	from = old_text(&ch, CC_STATE);
	to = new_text(&ch, CC_STATE);
	at = event_time(&ch);
	if (mine && pending.system)
	{
		check_system_change(&ch);
		strlcpy(action, pending.action, sizeof(action));
	}
	else
		strlcpy(action, apply_user_change(&ch, workflow, from, to, at), sizeof(action));
	record_event(&ch, action, from, to, at);
	if (mine)
		pending.set = false;
	/*
	 * The row's values live in SPI's memory, which SPI_finish() frees: the
	 * new tuple is built here and copied out to the trigger's context.
	 */
	result = SPI_copytuple(heap_modify_tuple(td->tg_newtuple, ch.desc, ch.newv, ch.newn, ch.replace));
	SPI_finish();
	return PointerGetDatum(result);
}

/*
 * gridgov.act_prepare(case_id, action, note, payload, at): announce the
 * action of the next UPDATE of that case in this transaction (used by
 * gridgov.act(); a raw UPDATE needs no announcement).
 */
PG_FUNCTION_INFO_V1(gridgov_act_prepare);
Datum
gridgov_act_prepare(PG_FUNCTION_ARGS)
{
	MemoryContext old;
	char	   *action;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("case id and action must not be NULL")));
	action = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strlen(action) >= REF_NAME_LEN || is_system_action(action))
		ereport(ERROR,
				(errcode(GG_ILLEGAL_TRANSITION),
				 errmsg("\"%.*s\" is not an action a caller can take", REF_NAME_LEN, action)));
	old = MemoryContextSwitchTo(TopTransactionContext);
	pending.set = true;
	pending.system = false;
	pending.case_id = PG_GETARG_INT64(0);
	strlcpy(pending.action, action, sizeof(pending.action));
	pending.note = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	pending.payload = PG_ARGISNULL(3) ? NULL : DatumGetJsonbPCopy(PG_GETARG_DATUM(3));
	pending.has_at = !PG_ARGISNULL(4);
	pending.at = pending.has_at ? PG_GETARG_TIMESTAMPTZ(4) : 0;
	MemoryContextSwitchTo(old);
	PG_RETURN_VOID();
}

/*
 * Run an UPDATE of one case as a system action (rehome, master_closed) with a
 * payload, via SPI; used by gridgov.rehome_cases() and the merge closer.
 */
static void
run_system_update(int64 case_id, const char *action, const char *sql, int nargs,
				  Oid *types, Datum *values, Jsonb *payload, TimestampTz at)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	pending.set = true;
	pending.system = true;
	pending.case_id = case_id;
	strlcpy(pending.action, action, sizeof(pending.action));
	pending.note = NULL;
	pending.payload = payload ? DatumGetJsonbPCopy(JsonbPGetDatum(payload)) : NULL;
	pending.has_at = true;
	pending.at = at;
	MemoryContextSwitchTo(old);
	PG_TRY();
	{
		plans_run(sql, nargs, types, values, NULL, false, 0, SPI_OK_UPDATE);
	}
	PG_FINALLY();
	{
		pending.set = false;
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
	char	   *action;
	Oid			types[4] = {get_fn_expr_argtype(fcinfo->flinfo, 0), INT8OID, JSONBOID, TIMESTAMPTZOID};
	Datum		values[4];
	const char *sql;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("case_system_update: arguments must not be NULL")));
	action = text_to_cstring(PG_GETARG_TEXT_PP(2));
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(3);
	values[3] = PG_GETARG_DATUM(4);
	if (strcmp(action, "rehome") == 0)
		sql = "UPDATE gridgov.cases SET grid = ($3 ->> 'to_grid')::gridgov.gridcode "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	else if (strcmp(action, "master_closed") == 0)
		sql = "UPDATE gridgov.cases SET closed_at = $4 "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	else if (strcmp(action, "escalate") == 0)
		sql = "UPDATE gridgov.cases SET supervised = true, "
			"escalation_level = GREATEST(escalation_level, ($3 ->> 'level')::integer) "
			"WHERE county OPERATOR(gridgov.=) $1 AND id = $2";
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown system action \"%s\"", action)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	run_system_update(PG_GETARG_INT64(1), action, sql, 4, types, values,
					  PG_GETARG_JSONB_P(3), PG_GETARG_TIMESTAMPTZ(4));
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * triggers.c
 *		The registry of gridgov's triggers and the check every trigger
 *		function makes on entry; see triggers.h.
 *
 * C trigger functions call triggers_check(); PL/pgSQL ones start with
 *		PERFORM gridgov.trigger_check('name', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
 * Both end in check_binding() below, against the one list of bindings: the
 * table below, followed by the bindings of gridgov.invalidate_caches(), one
 * per table the cache registry watches (cache.c), which are not written here
 * again.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "cache.h"
#include "shards.h"
#include "triggers.h"

typedef struct TriggerBinding
{
	const char *function;		/* trigger function in schema gridgov */
	const char *relation;		/* table in schema gridgov */
	bool		before;			/* BEFORE, else AFTER */
	bool		row;			/* FOR EACH ROW, else FOR EACH STATEMENT */
	const char *events;			/* any of I(nsert) U(pdate) D(elete) T(runcate) */
} TriggerBinding;

#define B_ROW(fn, rel, ev)		{fn, rel, true, true, ev}
#define B_STMT(fn, rel, ev)		{fn, rel, true, false, ev}
#define A_ROW(fn, rel, ev)		{fn, rel, false, true, ev}
#define A_STMT(fn, rel, ev)		{fn, rel, false, false, ev}

/*
 * Not listed here: gridgov.invalidate_caches(), AFTER INSERT OR UPDATE OR
 * DELETE OR TRUNCATE FOR EACH STATEMENT on each table the cache registry
 * watches (binding_at()).
 */
static const TriggerBinding bindings[] = {
	/* grids and organisation */
	B_ROW("grids_check", "grids", "IU"),
	B_ROW("settings_guard", "settings", "IUD"),
	B_ROW("departments_check", "departments", "IU"),
	B_ROW("staff_check", "staff", "IU"),
	B_ROW("grid_staff_check", "grid_staff", "IU"),
	B_ROW("categories_guard", "categories", "IUD"),
	B_ROW("components_check", "components", "IU"),
	B_ROW("routing_rules_check", "routing_rules", "IU"),
	B_ROW("transitions_check", "transitions", "IU"),
	B_ROW("shipped_rows_restore", "workflows", "IU"),
	B_ROW("shipped_rows_restore", "workflow_states", "IU"),
	B_ROW("shipped_rows_restore", "transitions", "IU"),
	B_ROW("shipped_rows_restore", "sla_policies", "I"),
	B_ROW("shipped_rows_restore", "calendars", "I"),
	/* references without foreign keys */
	A_STMT("reference_guard", "categories", "UD"),
	B_STMT("reference_guard", "categories", "T"),
	A_STMT("reference_guard", "workflows", "UD"),
	B_STMT("reference_guard", "workflows", "T"),
	A_STMT("reference_guard", "workflow_states", "UD"),
	B_STMT("reference_guard", "workflow_states", "T"),
	A_STMT("reference_guard", "departments", "UD"),
	B_STMT("reference_guard", "departments", "T"),
	A_STMT("reference_guard", "sla_policies", "UD"),
	B_STMT("reference_guard", "sla_policies", "T"),
	A_STMT("reference_guard", "calendars", "UD"),
	B_STMT("reference_guard", "calendars", "T"),
	/* cases and their history */
	B_ROW("case_intake", "cases", "I"),
	A_STMT("case_intake_finish", "cases", "I"),
	A_STMT("case_inbox_file", "case_inbox", "I"),
	B_ROW("case_update", "cases", "U"),
	B_ROW("case_no_delete", "cases", "D"),
	B_STMT("case_no_delete", "cases", "T"),
	B_ROW("case_events_append_only", "case_events", "UD"),
	B_STMT("case_events_append_only", "case_events", "T"),
	B_ROW("history_seals_append_only", "history_seals", "UD"),
	B_STMT("history_seals_append_only", "history_seals", "T"),
	B_ROW("history_seals_append_only", "history_seal_heads", "UD"),
	B_STMT("history_seals_append_only", "history_seal_heads", "T"),
	/* calendars and time limits */
	B_ROW("calendars_check", "calendars", "IU"),
	B_ROW("calendar_periods_check", "calendar_periods", "IU"),
	B_ROW("calendar_guard", "calendars", "IUD"),
	B_STMT("calendar_guard", "calendars", "T"),
	B_ROW("calendar_guard", "calendar_periods", "IUD"),
	B_STMT("calendar_guard", "calendar_periods", "T"),
	B_ROW("calendar_guard", "calendar_exceptions", "IUD"),
	B_STMT("calendar_guard", "calendar_exceptions", "T"),
	B_ROW("sla_builtin_guard", "sla_policies", "UD"),
	B_ROW("sla_builtin_guard", "escalation_ladder", "UD"),
	/* analytics */
	A_STMT("analytics_cases_changed", "cases", "U"),
	B_ROW("score_weights_guard", "score_weights", "IUD"),
	B_ROW("settings_analytics_check", "settings", "IU"),
	A_ROW("settings_analytics_changed", "settings", "IUD"),
	/* repeat callers and the social-conditions index */
	B_ROW("caller_key_secret_restore", "caller_key_secret", "I"),
	B_ROW("settings_social_check", "settings", "IU"),
	B_ROW("social_index_weights_guard", "social_index_weights", "IUD"),
	/* sensors (a partition of sensor_readings counts as the table) */
	B_ROW("sensors_check", "sensors", "IU"),
	B_ROW("sensor_rules_check", "sensor_rules", "IU"),
	B_ROW("sensor_reading_in", "sensor_readings", "I"),
	B_STMT("sensor_readings_start", "sensor_readings", "I"),
	A_STMT("sensor_readings_done", "sensor_readings", "I"),
	B_ROW("video_alert_in", "video_alerts", "I"),
	B_ROW("video_event_types_check", "video_event_types", "IU"),
	B_ROW("categories_sensor_guard", "categories", "UD"),
	/* grid workers' patrols (on each partition of patrol_points) */
	B_ROW("patrol_point_check", "patrol_points", "I"),
	B_ROW("settings_patrol_check", "settings", "IU"),
	B_ROW("patrol_weights_guard", "patrol_weights", "IUD"),
};

#define NSTATIC		((int) lengthof(bindings))

/* How many bindings there are: the table above and one per watched table. */
static int
nbindings(void)
{
	return NSTATIC + cache_watched_count();
}

/* Binding i: of the table above, else the trigger of a watched table. */
static TriggerBinding
binding_at(int i)
{
	TriggerBinding cache_trigger = A_STMT("invalidate_caches", NULL, "IUDT");

	if (i < NSTATIC)
		return bindings[i];
	cache_trigger.relation = cache_watched_table(i - NSTATIC);
	return cache_trigger;
}

Oid
triggers_gridgov_relid(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("gridgov", false));

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table gridgov.%s does not exist", name)));
	return relid;
}

/*
 * The table of a binding, or InvalidOid when this version of the schema has
 * none of that name (an earlier release's install script run with this
 * module has fewer watched tables): no firing on it to allow.
 */
static Oid
binding_relid(const char *name)
{
	Oid			nsp = get_namespace_oid("gridgov", true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/*
 * The partitioned table a partition belongs to (its topmost ancestor), or
 * relid itself: a row trigger of a partitioned table fires on the partition.
 * The last answer is kept (a feed inserts into one day's partition at a time).
 */
static Oid
partition_root(Oid relid)
{
	static Oid	memo_relid = InvalidOid;
	static Oid	memo_root = InvalidOid;
	List	   *ancestors;

	if (!OidIsValid(relid) || !get_rel_relispartition(relid))
		return relid;
	if (relid == memo_relid)
		return memo_root;
	ancestors = get_partition_ancestors(relid);
	if (ancestors == NIL)
		return relid;
	memo_root = llast_oid(ancestors);
	memo_relid = relid;
	list_free(ancestors);
	return memo_root;
}

static const char *
describe(const TriggerBinding *b)
{
	static const char *const names[] = {"INSERT", "UPDATE", "DELETE", "TRUNCATE"};
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, b->before ? "BEFORE" : "AFTER");
	for (i = 0; i < 4; i++)
		if (strchr(b->events, "IUDT"[i]) != NULL)
			appendStringInfo(&buf, "%s %s", buf.len > 6 ? " OR" : "", names[i]);
	appendStringInfo(&buf, " FOR EACH %s on gridgov.%s", b->row ? "ROW" : "STATEMENT", b->relation);
	return buf.data;
}

/*
 * Refuses a firing of gridgov.fn() that no binding allows; returns the table
 * of the binding that allows it.  The relation fired on is the table or,
 * under Citus, one of its shards (shards.c).
 */
static const char *
check_binding(const char *fn, Oid relid, bool before, bool after, bool row, char event)
{
	StringInfoData allowed;
	int			n = nbindings();
	int			i;
	char	   *relname;
	Oid			table = shards_table_of(partition_root(relid));

	initStringInfo(&allowed);
	for (i = 0; i < n; i++)
	{
		TriggerBinding b = binding_at(i);

		if (strcmp(b.function, fn) != 0)
			continue;
		if (b.before == before && !b.before == after && b.row == row &&
			event != '\0' && strchr(b.events, event) != NULL &&
			OidIsValid(table) && table == binding_relid(b.relation))
			return b.relation;
		appendStringInfo(&allowed, "%s%s", allowed.len ? "; " : "", describe(&b));
	}
	relname = OidIsValid(relid) ? get_rel_name(relid) : NULL;
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("gridgov.%s() may not fire here (on %s)", fn, relname ? relname : "an unknown relation"),
			 allowed.len ? errdetail("It fires only %s.", allowed.data)
			 : errdetail("It is not a trigger function of gridgov.")));
	return NULL;				/* keep the compiler quiet */
}

static char
event_char(TriggerEvent ev)
{
	if (TRIGGER_FIRED_BY_INSERT(ev))
		return 'I';
	if (TRIGGER_FIRED_BY_UPDATE(ev))
		return 'U';
	if (TRIGGER_FIRED_BY_DELETE(ev))
		return 'D';
	if (TRIGGER_FIRED_BY_TRUNCATE(ev))
		return 'T';
	return '\0';
}

TriggerData *
triggers_check_table(FunctionCallInfo fcinfo, const char *fn, const char **table)
{
	TriggerData *td;
	const char *bound;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gridgov.%s() must be called as a trigger", fn)));
	td = (TriggerData *) fcinfo->context;
	bound = check_binding(fn, RelationGetRelid(td->tg_relation), TRIGGER_FIRED_BEFORE(td->tg_event),
						  TRIGGER_FIRED_AFTER(td->tg_event), TRIGGER_FIRED_FOR_ROW(td->tg_event),
						  event_char(td->tg_event));
	if (table)
		*table = bound;
	return td;
}

TriggerData *
triggers_check(FunctionCallInfo fcinfo, const char *fn)
{
	return triggers_check_table(fcinfo, fn, NULL);
}

/*
 * gridgov.trigger_check(fn, relid, tg_when, tg_level, tg_op): the same check
 * for a PL/pgSQL trigger function, from its TG_ variables; returns the table
 * of the binding (under Citus TG_TABLE_NAME is the shard's name).
 */
PG_FUNCTION_INFO_V1(gridgov_trigger_check);
Datum
gridgov_trigger_check(PG_FUNCTION_ARGS)
{
	const char *fn;
	const char *when;
	const char *level;
	const char *op;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gridgov.trigger_check() needs a function name and the trigger's TG_RELID, TG_WHEN, TG_LEVEL and TG_OP")));
	fn = text_to_cstring(PG_GETARG_TEXT_PP(0));
	when = text_to_cstring(PG_GETARG_TEXT_PP(2));
	level = text_to_cstring(PG_GETARG_TEXT_PP(3));
	op = text_to_cstring(PG_GETARG_TEXT_PP(4));
	PG_RETURN_TEXT_P(cstring_to_text(check_binding(fn, PG_GETARG_OID(1), strcmp(when, "BEFORE") == 0,
												   strcmp(when, "AFTER") == 0, strcmp(level, "ROW") == 0,
												   (strcmp(op, "INSERT") == 0 || strcmp(op, "UPDATE") == 0 ||
													strcmp(op, "DELETE") == 0 || strcmp(op, "TRUNCATE") == 0)
												   ? op[0] : '\0')));
}

/* gridgov.trigger_bindings(): the registry, for the catalog test and the docs. */
PG_FUNCTION_INFO_V1(gridgov_trigger_bindings);
Datum
gridgov_trigger_bindings(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nbindings(); i++)
	{
		TriggerBinding b = binding_at(i);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(b.function);
		values[1] = CStringGetTextDatum(b.relation);
		values[2] = CStringGetTextDatum(b.before ? "BEFORE" : "AFTER");
		values[3] = CStringGetTextDatum(b.row ? "ROW" : "STATEMENT");
		values[4] = CStringGetTextDatum(b.events);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

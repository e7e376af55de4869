/*
 * requests.c
 *		Requests and joint meetings beside a case's history; see requests.h.
 *
 * Each row is keyed by the case and the seq of the event that filed it, so
 * that it needs no sequence of its own (ids unique across Citus nodes) and
 * points at its place in the history; the decision records the seq of its
 * own event.  Statements are kept plans on the case's shard (shards.h), run
 * with the engine's rights: case roles have no write privilege on these
 * tables, whose rows exist only through the workflow's actions.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "errcodes.h"
#include "gridcode.h"
#include "payload.h"
#include "plans.h"
#include "requests.h"
#include "shards.h"

static const char *const requests_table[] = {"case_requests", NULL};
static const char *const request_pending_tables[] = {"case_requests", "case_meetings", NULL};
static const char *const clocks_table[] = {"case_clocks", NULL};
static const char *const meetings_table[] = {"case_meetings", NULL};
static const char *const departments_table[] = {"departments", NULL};

#define OF_CASE(a) " " a ".county OPERATOR(gridgov.=) $1 AND " a ".case_id = $2 "

#define PENDING_SQL \
	"SELECT EXISTS (SELECT 1 FROM %1$s r WHERE" OF_CASE("r") "AND r.decided_at IS NULL) " \
	"OR EXISTS (SELECT 1 FROM %2$s m WHERE" OF_CASE("m") "AND m.decided_at IS NULL)"
#define CLOCK_UNIT_SQL \
	"SELECT k.unit FROM %1$s k WHERE" OF_CASE("k") \
	"AND k.stage = ($3 OPERATOR(pg_catalog.->>) 'stage')::gridgov.sla_stage " \
	"AND k.met_at IS NULL AND k.cancelled_at IS NULL ORDER BY k.seq DESC LIMIT 1"
#define FILE_SQL \
	"INSERT INTO %1$s (county, case_id, seq, kind, stage, amount, unit, reason, requested_at, requested_by) " \
	"VALUES ($1, $2, $3, $4, ($5 OPERATOR(pg_catalog.->>) 'stage')::gridgov.sla_stage, " \
	"($5 OPERATOR(pg_catalog.->>) 'amount')::numeric, " \
	"COALESCE($5 OPERATOR(pg_catalog.->>) 'unit', $6), $7, $8, $9)"
#define DECIDE_SQL \
	"UPDATE %1$s r SET decided_seq = $3, decided_at = $4, decision = $5, decided_by = $6, " \
	"granted_amount = CASE WHEN $5 = 'approved' AND r.kind = 'extension' THEN LEAST(r.amount, " \
	"COALESCE(($7 OPERATOR(pg_catalog.->>) 'amount')::numeric, r.amount)) END " \
	"WHERE" OF_CASE("r") "AND r.kind = $8 AND r.decided_at IS NULL " \
	"RETURNING r.stage::text, r.granted_amount::text, r.unit"
#define INACTIVE_SQL \
	"SELECT pg_catalog.string_agg(COALESCE(d.x::text, 'null'), ', ' ORDER BY d.x) " \
	"FROM (SELECT DISTINCT e::bigint AS x " \
	"FROM pg_catalog.jsonb_array_elements_text($1 OPERATOR(pg_catalog.->) 'departments') e) d " \
	"WHERE d.x IS NULL OR NOT EXISTS (SELECT 1 FROM %1$s dep WHERE dep.id = d.x AND dep.active)"
#define CONVENE_SQL \
	"INSERT INTO %1$s (county, case_id, seq, convened_at, convened_by, departments) " \
	"SELECT $1, $2, $3, $4, $5, ARRAY(SELECT DISTINCT e::bigint " \
	"FROM pg_catalog.jsonb_array_elements_text($6 OPERATOR(pg_catalog.->) 'departments') e ORDER BY 1)"
#define SUPERVISED_SQL \
	"SELECT EXISTS (SELECT 1 FROM %1$s k WHERE" OF_CASE("k") \
	"AND k.stage = 'supervise' AND k.met_at IS NULL AND k.cancelled_at IS NULL)"
#define CANCEL_REQUESTS_SQL \
	"UPDATE %1$s r SET decided_seq = $3, decided_at = $4, decision = 'cancelled', decided_by = $5 " \
	"WHERE" OF_CASE("r") "AND r.decided_at IS NULL"
#define CANCEL_MEETINGS_SQL \
	"UPDATE %1$s m SET decided_seq = $3, decided_at = $4, decided_by = $5 " \
	"WHERE" OF_CASE("m") "AND m.decided_at IS NULL"
#define LEAD_SQL \
	"SELECT $3 = ANY (m.departments) FROM %1$s m WHERE" OF_CASE("m") "AND m.decided_at IS NULL"
#define CLOSE_MEETING_SQL \
	"UPDATE %1$s m SET decided_seq = $4, decided_at = $5, decided_by = $6, decision = $7, " \
	"lead_department_id = $3 WHERE" OF_CASE("m") "AND m.decided_at IS NULL"

/*
 * Runs sql (on the case's shards of tables) with $1 county, $2 case and the
 * rest.  Never read-only: each statement takes a fresh snapshot, so that what
 * it reads was committed before this transaction took the case's row lock (a
 * request another session filed just before is seen, not missed).
 */
static void
run(const char *sql, const char *const *tables, const EngineChange *ch, int nargs, Oid *types,
	Datum *values, const char *nulls, int rc)
{
	types[0] = ch->c.county_type;
	types[1] = INT8OID;
	values[0] = ch->c.county;
	values[1] = Int64GetDatum(ch->c.case_id);
	plans_execute(shards_plan(sql, tables, gridcode_hash_of(DatumGetGridCode(ch->c.county)), nargs, types),
				  values, nulls, false, 0, rc);
}

/* Column col of the first result row as text (NULL when none or NULL). */
static char *
result_text(int col)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed == 0)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? NULL : TextDatumGetCString(d);
}

/* A text that says something (not NULL, not only white space). */
static bool
has_words(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char) *s))
			return true;
	return false;
}

static void
missing(const EngineChange *ch, const char *what)
{
	ereport(ERROR,
			(errcode(GG_MISSING_PAYLOAD),
			 errmsg("action \"%s\" needs %s", ch->t->action, what)));
}

/*
 * An amount of the payload (absent: fine unless required) is a number above
 * 0 and at most 100000; a unit, one of the time units.  Messages quote at
 * most 40 characters of what was given.
 */
static void
check_amount(const EngineChange *ch, bool required)
{
	static const char *const units[] = {"minutes", "working_hours", "working_days", "calendar_days"};
	char	   *text = payload_scalar(ch->payload, "amount");
	JsonbValue *unit_value = payload_value(ch->payload, "unit");
	char	   *unit = payload_scalar(ch->payload, "unit");
	double		d;
	size_t		i;

	if (text == NULL && (required || payload_value(ch->payload, "amount") != NULL))
		missing(ch, "an amount (a number)");
	if (text != NULL)
	{
		d = DatumGetFloat8(DirectFunctionCall1(float8in, CStringGetDatum(text)));
		if (!(d > 0 && d <= 100000))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("amount must be a number above 0 and at most 100000, not %.40s", text)));
	}
	for (i = 0; unit != NULL && i < lengthof(units); i++)
		if (strcmp(unit, units[i]) == 0)
			unit_value = NULL;
	if (unit_value != NULL && unit_value->type != jbvNull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unit must be minutes, working_hours, working_days or calendar_days, not \"%.40s\"",
						unit ? unit : "(not a text)")));
}

/* Whether the EXISTS query sql (on the case's shards of tables) is true for the case. */
static bool
case_has(const char *sql, const char *const *tables, const EngineChange *ch)
{
	Oid			types[2];
	Datum		values[2];
	bool		isnull;

	run(sql, tables, ch, 2, types, values, NULL, SPI_OK_SELECT);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
}

/* One decision of the case at a time. */
static void
check_nothing_pending(const EngineChange *ch)
{
	if (case_has(PENDING_SQL, request_pending_tables, ch))
		ereport(ERROR,
				(errcode(GG_DECISION_PENDING),
				 errmsg("case " INT64_FORMAT " awaits a decision of the command center already",
						ch->c.case_id),
				 errhint("Wait for the decision on its open request or joint meeting "
						 "(gridgov.case_requests, gridgov.case_meetings).")));
}

/* request_extension, request_suspension. */
static void
file_request(const EngineChange *ch, const char *kind)
{
	bool		extension = strcmp(kind, "extension") == 0;
	Oid			types[9];
	Datum		values[9];
	char		nulls[9] = "         ";
	char	   *unit = NULL;

	if (!has_words(ch->note))
		missing(ch, "a reason (the note)");
	if (extension && payload_scalar(ch->payload, "stage") == NULL)
		missing(ch, "a stage (a text)");
	if (extension)
		check_amount(ch, true);
	check_nothing_pending(ch);
	if (extension)
	{
		types[2] = JSONBOID;
		values[2] = JsonbPGetDatum(ch->payload);
		run(CLOCK_UNIT_SQL, clocks_table, ch, 3, types, values, NULL, SPI_OK_SELECT);
		unit = result_text(1);
		if (unit == NULL)
			ereport(ERROR,
					(errcode(GG_NO_CLOCK),
					 errmsg("case " INT64_FORMAT " has no running %s clock to extend",
							ch->c.case_id, payload_scalar(ch->payload, "stage"))));
	}
	types[2] = INT4OID, values[2] = Int32GetDatum(ch->seq);
	types[3] = TEXTOID, values[3] = CStringGetTextDatum(kind);
	types[4] = JSONBOID;
	values[4] = extension ? JsonbPGetDatum(ch->payload)
		: DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	types[5] = TEXTOID, values[5] = unit ? CStringGetTextDatum(unit) : (Datum) 0;
	nulls[5] = unit ? ' ' : 'n';
	types[6] = TEXTOID, values[6] = CStringGetTextDatum(ch->note);
	types[7] = TIMESTAMPTZOID, values[7] = TimestampTzGetDatum(ch->at);
	types[8] = NAMEOID, values[8] = DirectFunctionCall1(namein, CStringGetDatum(ch->actor));
	run(FILE_SQL, requests_table, ch, 9, types, values, nulls, SPI_OK_INSERT);
}

/* The extend payload of an approved extension. */
static Jsonb *
grant_payload(const char *stage, const char *amount, const char *unit)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "{\"stage\": ");
	escape_json(&s, stage);
	appendStringInfo(&s, ", \"amount\": %s, \"unit\": ", amount);
	escape_json(&s, unit);
	appendStringInfoChar(&s, '}');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data)));
}

/* approve_* and refuse_* of a request. */
static Jsonb *
decide_request(const EngineChange *ch, const char *kind, bool approved)
{
	Oid			types[8];
	Datum		values[8];
	char		nulls[8] = "        ";

	if (approved)
		check_amount(ch, false);
	types[2] = INT4OID, values[2] = Int32GetDatum(ch->seq);
	types[3] = TIMESTAMPTZOID, values[3] = TimestampTzGetDatum(ch->at);
	types[4] = TEXTOID, values[4] = CStringGetTextDatum(approved ? "approved" : "refused");
	types[5] = NAMEOID, values[5] = DirectFunctionCall1(namein, CStringGetDatum(ch->actor));
	types[6] = JSONBOID, values[6] = ch->payload ? JsonbPGetDatum(ch->payload) : (Datum) 0;
	nulls[6] = ch->payload ? ' ' : 'n';
	types[7] = TEXTOID, values[7] = CStringGetTextDatum(kind);
	run(DECIDE_SQL, requests_table, ch, 8, types, values, nulls, SPI_OK_UPDATE_RETURNING);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(GG_NOTHING_TO_DECIDE),
				 errmsg("case " INT64_FORMAT " has no open %s request", ch->c.case_id, kind)));
	if (!approved || strcmp(kind, "extension") != 0)
		return NULL;
	return grant_payload(result_text(1), result_text(2), result_text(3));
}

/* refer_meeting: the departments convened must be active ones. */
static void
convene(const EngineChange *ch)
{
	Oid			types[6];
	Datum		values[6];
	char	   *inactive;

	if (!payload_is_array(ch->payload, "departments"))
		missing(ch, "the departments to convene (a JSON array of department ids)");
	check_nothing_pending(ch);
	types[0] = JSONBOID;
	values[0] = JsonbPGetDatum(ch->payload);
	plans_execute(shards_plan(INACTIVE_SQL, departments_table, gridcode_hash_of(DatumGetGridCode(ch->c.county)),
							  1, types), values, NULL, true, 0, SPI_OK_SELECT);
	inactive = result_text(1);
	if (inactive)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("no active department %s", inactive)));
	types[2] = INT4OID, values[2] = Int32GetDatum(ch->seq);
	types[3] = TIMESTAMPTZOID, values[3] = TimestampTzGetDatum(ch->at);
	types[4] = NAMEOID, values[4] = DirectFunctionCall1(namein, CStringGetDatum(ch->actor));
	types[5] = JSONBOID, values[5] = JsonbPGetDatum(ch->payload);
	run(CONVENE_SQL, meetings_table, ch, 6, types, values, NULL, SPI_OK_INSERT);
}

/* decide: the meeting's decision and its lead department, one of those convened. */
static void
close_meeting(const EngineChange *ch)
{
	char	   *decision = payload_scalar(ch->payload, "decision");
	Oid			types[7];
	Datum		values[7];
	bool		isnull;

	if (payload_value(ch->payload, "decision") == NULL || payload_value(ch->payload, "decision")->type != jbvString ||
		!has_words(decision))
		missing(ch, "the meeting's decision (a text)");
	/* The payload's department_id has moved the case to the lead department. */
	if (payload_scalar(ch->payload, "department_id") == NULL || !ch->department_given)
		missing(ch, "the lead department (department_id)");
	types[2] = INT8OID, values[2] = Int64GetDatum(ch->department_id);
	run(LEAD_SQL, meetings_table, ch, 3, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(GG_NOTHING_TO_DECIDE),
				 errmsg("case " INT64_FORMAT " has no open joint meeting", ch->c.case_id)));
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) || isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the lead department must be one of the departments the meeting convened")));
	types[3] = INT4OID, values[3] = Int32GetDatum(ch->seq);
	types[4] = TIMESTAMPTZOID, values[4] = TimestampTzGetDatum(ch->at);
	types[5] = NAMEOID, values[5] = DirectFunctionCall1(namein, CStringGetDatum(ch->actor));
	types[6] = TEXTOID, values[6] = CStringGetTextDatum(decision);
	run(CLOSE_MEETING_SQL, meetings_table, ch, 7, types, values, NULL, SPI_OK_UPDATE);
}

/* supervise (督办): not while a supervision of the case is unanswered. */
static void
check_not_supervised(const EngineChange *ch)
{
	if (case_has(SUPERVISED_SQL, clocks_table, ch))
		ereport(ERROR,
				(errcode(GG_DECISION_PENDING),
				 errmsg("case " INT64_FORMAT " is under supervision already", ch->c.case_id),
				 errdetail("Its holder has not answered the supervision (a supervise clock is running).")));
}

/*
 * A case that closes or is merged leaves nothing open to decide: cancelled.
 * (Until ALTER EXTENSION gridgov UPDATE has run, the tables of 1.3.0 are not
 * there, nor anything to cancel.)
 */
static void
cancel_open(const EngineChange *ch)
{
	Oid			types[5];
	Datum		values[5];

	if (!OidIsValid(get_relname_relid("case_requests", get_namespace_oid("gridgov", false))))
		return;

	types[2] = INT4OID, values[2] = Int32GetDatum(ch->seq);
	types[3] = TIMESTAMPTZOID, values[3] = TimestampTzGetDatum(ch->at);
	types[4] = NAMEOID, values[4] = DirectFunctionCall1(namein, CStringGetDatum(ch->actor));
	run(CANCEL_REQUESTS_SQL, requests_table, ch, 5, types, values, NULL, SPI_OK_UPDATE);
	run(CANCEL_MEETINGS_SQL, meetings_table, ch, 5, types, values, NULL, SPI_OK_UPDATE);
}

bool
requests_action(const char *action)
{
	static const char *const actions[] = {
		"request_extension", "request_suspension", "approve_extension", "refuse_extension",
		"approve_suspension", "refuse_suspension", "refer_meeting", "decide"
	};
	size_t		i;

	for (i = 0; i < lengthof(actions); i++)
		if (strcmp(action, actions[i]) == 0)
			return true;
	return false;
}

Jsonb *
requests_apply(const EngineChange *ch)
{
	const char *a = ch->t->action;

	if (strncmp(a, "request_", 8) == 0 && requests_action(a))
		file_request(ch, a + 8);
	else if ((strncmp(a, "approve_", 8) == 0 || strncmp(a, "refuse_", 7) == 0) && requests_action(a))
		return decide_request(ch, strchr(a, '_') + 1, a[0] == 'a');
	else if (strcmp(a, "refer_meeting") == 0)
		convene(ch);
	else if (strcmp(a, "decide") == 0)
		close_meeting(ch);
	else if (strcmp(a, ENGINE_SUPERVISE_ACTION) == 0)
		check_not_supervised(ch);
	if (ch->closes || ch->merged)
		cancel_open(ch);
	return NULL;
}

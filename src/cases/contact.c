/*
 * contact.c
 *		Citizens' contact data: the contact columns of gridgov.cases and their
 *		masks, the case row as a caller may see it (act()'s result), and
 *		gridgov.reveal_contact(); see contact.h and docs/security.md.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "mb/pg_wchar.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "act.h"
#include "contact.h"
#include "errcodes.h"
#include "mask.h"
#include "owner.h"
#include "plans.h"
#include "scope.h"

typedef char *(*MaskFn) (const char *, int);

/* The contact columns of gridgov.cases and how each is masked: the one list. */
static const struct
{
	const char *column;
	MaskFn		mask;
}			contact_columns[] =
{
	{"reporter_name", mask_name},
	{"reporter_phone", mask_phone},
	{"address", mask_address},
	{"description", mask_numbers},
};

#define NCONTACT lengthof(contact_columns)
#define REASON_MAX 500

static Oid
cases_relid(void)
{
	return get_relname_relid("cases", get_namespace_oid("gridgov", false));
}

/* Whether the caller may SELECT every contact column of gridgov.cases. */
static bool
caller_reads_contacts(void)
{
	Oid			relid = cases_relid();
	size_t		i;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		return true;
	for (i = 0; i < NCONTACT; i++)
	{
		AttrNumber	att = get_attnum(relid, contact_columns[i].column);

		if (att == InvalidAttrNumber ||
			pg_attribute_aclcheck(relid, att, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			return false;
	}
	return true;
}

/* The row with its contact columns masked. */
static Datum
masked_row(Datum row)
{
	HeapTupleHeader th = DatumGetHeapTupleHeader(row);
	TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
	HeapTupleData tuple;
	Datum	   *v = palloc(sizeof(Datum) * desc->natts);
	bool	   *n = palloc(sizeof(bool) * desc->natts);
	HeapTuple	out;
	int			i;

	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	heap_deform_tuple(&tuple, desc, v, n);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);
		size_t		k;

		for (k = 0; k < NCONTACT && !a->attisdropped && !n[i]; k++)
			if (a->atttypid == TEXTOID && strcmp(NameStr(a->attname), contact_columns[k].column) == 0)
			{
				text	   *t = DatumGetTextPP(v[i]);

				v[i] = CStringGetTextDatum(contact_columns[k].mask(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
			}
	}
	out = heap_form_tuple(desc, v, n);
	ReleaseTupleDesc(desc);
	return HeapTupleGetDatum(out);
}

typedef struct CaseRead
{
	Datum		county;
	Oid			county_type;
	int64		case_id;
	const char *sql;
	bool		found;
	Datum		row;			/* the first column */
	bool		row_null;
} CaseRead;

static void
case_read_cb(void *arg)
{
	CaseRead   *r = (CaseRead *) arg;
	Oid			types[2] = {r->county_type, INT8OID};
	Datum		values[2] = {r->county, Int64GetDatum(r->case_id)};
	bool		isnull;

	/* Not read-only: a fresh snapshot, which sees the caller's UPDATE just made. */
	plans_run(r->sql, 2, types, values, NULL, false, 1, SPI_OK_SELECT);
	r->found = SPI_processed > 0;
	if (r->found)
		r->row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	r->row_null = r->found && isnull;
}

Datum
contact_case_for_caller(Datum county, Oid county_type, int64 case_id)
{
	CaseRead	r = {county, county_type, case_id,
		"SELECT x FROM gridgov.cases x WHERE x.county OPERATOR(gridgov.=) $1 AND x.id = $2", false, 0, false};
	bool		clear = caller_reads_contacts();

	owner_run_as_history_owner(case_read_cb, &r);
	if (!r.found)
		elog(ERROR, "case " INT64_FORMAT " vanished", case_id);
	return clear ? r.row : masked_row(r.row);
}

/* Whether the character at p is white space or invisible (ASCII, no-break, Unicode spaces, zero widths). */
static bool
is_blank(const char *p)
{
	pg_wchar	c = (*p & 0x80) ? utf8_to_unicode((const unsigned char *) p) : (pg_wchar) *p;

	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x00A0 || c == 0x1680 ||
		(c >= 0x2000 && c <= 0x200D) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
		c == 0x205F || c == 0x2060 || c == 0x3000 || c == 0xFEFF;
}

/* The reason of a reveal: given (22004), not blank and at most REASON_MAX characters (22023). */
static char *
reveal_reason(FunctionCallInfo fcinfo)
{
	char	   *reason;
	char	   *p;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("case_id and reason must not be NULL"),
				 errdetail("Every look at a citizen's contact data is recorded with its reason.")));
	reason = text_to_cstring(PG_GETARG_TEXT_PP(1));
	for (p = reason; *p != '\0' && is_blank(p); p += pg_utf_mblen((const unsigned char *) p))
		;
	if (*p == '\0' || pg_mbstrlen(reason) > REASON_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the reason must have 1 to %d characters that are not all blank", REASON_MAX)));
	return reason;
}

/* The case of id case_id as the caller sees it (GG100 when it sees none), into c. */
static void
visible_case(int64 case_id, ScopeCase *c, Datum *county, Oid *county_type)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(case_id)};
	HeapTuple	t;
	TupleDesc	d;
	bool		isnull;

	plans_run("SELECT x.county, x.grid, x.department_id FROM gridgov.cases x WHERE x.id = $1",
			  1, types, values, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(GG_UNKNOWN_CASE),
				 errmsg("case " INT64_FORMAT " does not exist", case_id)));
	t = SPI_tuptable->vals[0];
	d = SPI_tuptable->tupdesc;
	*county = SPI_getbinval(t, d, 1, &isnull);
	*county_type = SPI_gettypeid(d, 1);
	c->county = DatumGetGridCode(*county);
	c->grid = DatumGetGridCode(SPI_getbinval(t, d, 2, &isnull));
	c->has_grid = !isnull;
	c->department_id = DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
	c->has_department = !isnull;
	c->case_id = case_id;
}

/* {"columns": [the contact columns]}: the payload of a contact_revealed event. */
static Jsonb *
reveal_payload(void)
{
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"columns\": [");
	for (i = 0; i < NCONTACT; i++)
		appendStringInfo(&buf, "%s\"%s\"", i ? ", " : "", contact_columns[i].column);
	appendStringInfoString(&buf, "]}");
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* Refuses the look at case_id unless the caller holds it or is the command center over it. */
static void
check_contact_right(int64 case_id, ScopeCase *c)
{
	if (!scope_case_contact(c))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("you may not read the contact data of case " INT64_FORMAT, case_id),
				 errdetail("Only the department that holds the case and the command center whose jurisdiction covers it may."),
				 errhint("Read the masked case in gridgov.my_cases.")));
}

/* Appends the contact_revealed event of the caller's look at case_id; returns the case's county. */
static Datum
record_look(int64 case_id, const char *reason, Oid *county_type)
{
	ScopeCase	c;
	SystemAction a = {0};

	visible_case(case_id, &c, &a.county, &a.county_type);
	check_contact_right(case_id, &c);
	a.case_id = case_id;
	a.action = "contact_revealed";
	a.payload = reveal_payload();
	a.note = reason;
	if (act_system_action(&a) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the look at the contact data of case " INT64_FORMAT " could not be recorded", case_id),
				 errdetail("Recording it needs the right to update the case.")));
	*county_type = a.county_type;
	return a.county;
}

/* The procedure must run where it can commit: CALL, outside a transaction block. */
static void
check_can_commit(FunctionCallInfo fcinfo)
{
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("gridgov.reveal_contact() must be called with CALL outside a transaction block"),
				 errdetail("It commits the record of the look before it returns the contact data, so that no rollback can take the record back."),
				 errhint("CALL gridgov.reveal_contact(case_id, reason);")));
}

/*
 * CALL gridgov.reveal_contact(case_id, reason): the clear contact data of a
 * case, for its holder and the command center over it, returned only once
 * the contact_revealed event recording the look has committed.
 */
PG_FUNCTION_INFO_V1(gridgov_reveal_contact);
Datum
gridgov_reveal_contact(PG_FUNCTION_ARGS)
{
	char	   *reason = reveal_reason(fcinfo);
	int64		case_id = PG_GETARG_INT64(0);
	CaseRead	r = {0};
	TupleDesc	desc;
	HeapTupleHeader result;

	check_can_commit(fcinfo);
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	r.county = record_look(case_id, reason, &r.county_type);
	/*
	 * The record is committed, and flushed to disk whatever the caller's
	 * synchronous_commit, before anything is read: no rollback or crash
	 * undoes it.
	 */
	SPI_commit();
	XLogFlush(XactLastCommitEnd);
	r.case_id = case_id;
	r.sql = "SELECT x.reporter_name, x.reporter_phone, x.address, x.description "
		"FROM gridgov.cases x WHERE x.county OPERATOR(gridgov.=) $1 AND x.id = $2";
	owner_run_as_history_owner(case_read_cb, &r);
	if (!r.found)
		elog(ERROR, "case " INT64_FORMAT " vanished", case_id);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts != (int) NCONTACT)
		elog(ERROR, "gridgov.reveal_contact() must return a row of %d columns", (int) NCONTACT);
	/* The four text columns, in the shape of the result (copied out of SPI's memory). */
	result = SPI_returntuple(SPI_tuptable->vals[0], BlessTupleDesc(desc));
	SPI_finish();
	PG_RETURN_DATUM(PointerGetDatum(result));
}

/*
 * gridgov.contact_revealable(case_id): whether the caller may reveal the
 * contact data of a case it sees (GG100 for one it does not see); reads and
 * records nothing.
 */
PG_FUNCTION_INFO_V1(gridgov_contact_revealable);
Datum
gridgov_contact_revealable(PG_FUNCTION_ARGS)
{
	ScopeCase	c;
	Datum		county;
	Oid			county_type;
	bool		ok;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	visible_case(PG_GETARG_INT64(0), &c, &county, &county_type);
	ok = scope_case_contact(&c);
	SPI_finish();
	PG_RETURN_BOOL(ok);
}

/* gridgov.contact_columns(): the contact columns of gridgov.cases, in the order of the list. */
PG_FUNCTION_INFO_V1(gridgov_contact_columns);
Datum
gridgov_contact_columns(PG_FUNCTION_ARGS)
{
	Datum		elems[NCONTACT];
	size_t		i;

	for (i = 0; i < NCONTACT; i++)
		elems[i] = CStringGetTextDatum(contact_columns[i].column);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, NCONTACT, TEXTOID, -1, false, TYPALIGN_INT));
}

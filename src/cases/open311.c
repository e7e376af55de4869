/*
 * open311.c
 *		gridgov.open311_json(): one row of gridgov.open311_service_requests as
 *		the Open311 GeoReport v2 service request object.
 *
 * Every Open311 answer with requests (GET requests, GET request, the pushes of
 * cross-platform transfer) builds one object per case, so this is the
 * gateway's hot path: in SQL, a call per row that the planner cannot inline
 * (the row is used seventeen times) cost about as much as the query itself.
 * The object's keys are the view's columns but case_id and county (internal),
 * under their own names; times are W3C date-times in the given zone
 * (w3c_time_text), lat and long numbers, every other column a string, NULL
 * a JSON null.  The row's columns are found by name, so the view may gain
 * columns.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "w3c.h"

PG_FUNCTION_INFO_V1(gridgov_open311_json);

/* The object's keys, each a column of gridgov.open311_service_requests. */
static const char *const open311_keys[] = {
	"service_request_id", "status", "status_notes", "service_name", "service_code",
	"description", "agency_responsible", "service_notice", "requested_datetime",
	"updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
	"lat", "long", "media_url"
};

static int
column_of(TupleDesc td, const char *name)
{
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("the row has no column \"%s\"", name),
			 errhint("Pass a row of gridgov.open311_service_requests.")));
	return -1;					/* not reached */
}

/* The JSON value of one column: null, a W3C time, a number or a string. */
static void
column_value(JsonbValue *v, Form_pg_attribute att, Datum d, bool isnull, Datum zone)
{
	Oid			out;
	bool		varlena;
	text	   *t;

	v->type = jbvNull;
	if (isnull)
		return;
	if (att->atttypid == TIMESTAMPTZOID)
	{
		if ((t = w3c_time_text(DatumGetTimestampTz(d), zone)) == NULL)
			return;
		v->type = jbvString;
		v->val.string.val = VARDATA_ANY(t);
		v->val.string.len = VARSIZE_ANY_EXHDR(t);
		return;
	}
	if (att->atttypid == NUMERICOID)
	{
		v->type = jbvNumeric;
		v->val.numeric = DatumGetNumeric(d);
		return;
	}
	getTypeOutputInfo(att->atttypid, &out, &varlena);
	v->type = jbvString;
	v->val.string.val = OidOutputFunctionCall(out, d);
	v->val.string.len = strlen(v->val.string.val);
}

Datum
gridgov_open311_json(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec;
	TupleDesc	td;
	HeapTupleData tuple;
	Datum	   *values;
	bool	   *nulls;
	JsonbParseState *st = NULL;
	JsonbValue *result;
	size_t		i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	rec = PG_GETARG_HEAPTUPLEHEADER(0);
	td = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec), HeapTupleHeaderGetTypMod(rec));
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	values = palloc(td->natts * sizeof(Datum));
	nulls = palloc(td->natts * sizeof(bool));
	heap_deform_tuple(&tuple, td, values, nulls);

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < lengthof(open311_keys); i++)
	{
		int			col = column_of(td, open311_keys[i]);
		JsonbValue	k;
		JsonbValue	v;

		k.type = jbvString;
		k.val.string.val = (char *) open311_keys[i];
		k.val.string.len = strlen(open311_keys[i]);
		(void) pushJsonbValue(&st, WJB_KEY, &k);
		column_value(&v, TupleDescAttr(td, col), values[col], nulls[col], PG_GETARG_DATUM(1));
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
	}
	result = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	ReleaseTupleDesc(td);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}

/*
 * case_columns.c
 *		The bound columns of gridgov.cases; see case_columns.h.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "cache.h"
#include "case_columns.h"
#include "pgis.h"

/* Each column: its name and the type gridgov reads it as. */
typedef struct ColumnSpec
{
	const char *name;
	const char *type_schema;	/* "gridgov", or NULL for a built-in / PostGIS type */
	const char *type_name;		/* "geometry" is PostGIS's */
	Oid			builtin;		/* when type_schema and type_name are NULL */
	bool		optional;		/* added after 1.2.0: attnum 0 when missing */
} ColumnSpec;

static const ColumnSpec specs[CC_NCOLS] = {
	[CC_COUNTY] = {"county", "gridgov", "gridcode", InvalidOid},
	[CC_ID] = {"id", NULL, NULL, INT8OID},
	[CC_CASE_NO] = {"case_no", NULL, NULL, TEXTOID},
	[CC_CATEGORY] = {"category", NULL, NULL, TEXTOID},
	[CC_URGENCY] = {"urgency", "gridgov", "urgency", InvalidOid},
	[CC_LOCATION] = {"location", NULL, "geometry", InvalidOid},
	[CC_COORD_SYSTEM] = {"coord_system", NULL, NULL, TEXTOID},
	[CC_OBJCODE] = {"objcode", NULL, NULL, TEXTOID},
	[CC_GRID] = {"grid", "gridgov", "gridcode", InvalidOid},
	[CC_DEPARTMENT] = {"department_id", NULL, NULL, INT8OID},
	[CC_WORKFLOW] = {"workflow", NULL, NULL, TEXTOID},
	[CC_STATE] = {"state", NULL, NULL, TEXTOID},
	[CC_REPORTED_AT] = {"reported_at", NULL, NULL, TIMESTAMPTZOID},
	[CC_CLOSED_AT] = {"closed_at", NULL, NULL, TIMESTAMPTZOID},
	[CC_DISPATCHES] = {"dispatches", NULL, NULL, INT4OID},
	[CC_RETURNS] = {"returns", NULL, NULL, INT4OID},
	[CC_REWORKS] = {"reworks", NULL, NULL, INT4OID},
	[CC_REOPENS] = {"reopens", NULL, NULL, INT4OID},
	[CC_SOLVED] = {"solved", NULL, NULL, BOOLOID},
	[CC_SATISFACTION] = {"satisfaction", "gridgov", "satisfaction", InvalidOid},
	[CC_MASTER] = {"master_case_id", NULL, NULL, INT8OID},
	[CC_DUPLICATE] = {"possible_duplicate_of", NULL, NULL, INT8OID},
	[CC_EVENTS] = {"events", NULL, NULL, INT4OID},
	[CC_HISTORY_HASH] = {"history_hash", NULL, NULL, BYTEAOID},
	[CC_UPDATED_AT] = {"updated_at", NULL, NULL, TIMESTAMPTZOID},
	[CC_EXTENSIONS] = {"extensions", NULL, NULL, INT4OID},
	[CC_SUSPENSIONS] = {"suspensions", NULL, NULL, INT4OID},
	[CC_SUPERVISED] = {"supervised", NULL, NULL, BOOLOID},
	[CC_ESCALATION_LEVEL] = {"escalation_level", NULL, NULL, INT4OID},
	[CC_SOURCE] = {"source", "gridgov", "case_source", InvalidOid},
	[CC_TITLE] = {"title", NULL, NULL, TEXTOID},
	[CC_DESCRIPTION] = {"description", NULL, NULL, TEXTOID},
	[CC_ADDRESS] = {"address", NULL, NULL, TEXTOID},
	[CC_OCCURRED_AT] = {"occurred_at", NULL, NULL, TIMESTAMPTZOID, true},
	[CC_CATEGORY_BY] = {"category_by", NULL, NULL, TEXTOID, true},
	[CC_LOCATED_BY] = {"located_by", NULL, NULL, TEXTOID, true},
	[CC_ASSISTED] = {"assisted", NULL, NULL, JSONBOID, true},
};

static CaseColumns binding;

/* The binding depends on the definition of gridgov.cases (cache.h). */
static const char *const definitions[] = {"cases", NULL};
static const CacheSpec binding_spec = {"cases columns", NULL, definitions, false, false};
static int	binding_id;

void
case_columns_init(void)
{
	binding_id = cache_register(&binding_spec);
}

const char *
case_column_name(CaseCol c)
{
	return specs[c].name;
}

static Oid
expected_type(const ColumnSpec *s)
{
	Oid			nsp;
	Oid			typ;

	if (s->type_name == NULL)
		return s->builtin;
	if (s->type_schema == NULL)
		return pgis_geometry_type();
	nsp = get_namespace_oid(s->type_schema, false);
	typ = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(s->type_name),
						  ObjectIdGetDatum(nsp));
	if (!OidIsValid(typ))
		elog(ERROR, "type %s.%s does not exist", s->type_schema, s->type_name);
	return typ;
}

static int
bind_column(TupleDesc desc, const ColumnSpec *s, Oid want)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), s->name) != 0)
			continue;
		if (att->atttypid != want)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column %s of gridgov.cases has type %s, not %s",
							s->name, format_type_be(att->atttypid), format_type_be(want)),
					 errdetail("gridgov reads this column as %s.", format_type_be(want))));
		return i + 1;
	}
	if (s->optional)
		return 0;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("gridgov.cases has no column \"%s\"", s->name)));
	return 0;					/* keep the compiler quiet */
}

const CaseColumns *
case_columns(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	CaseColumns fresh;
	int			c;
	uint64		token;

	if (binding.relid == RelationGetRelid(rel) && cache_is_current(binding_id))
		return &binding;
	token = cache_build_start(binding_id);
	for (c = 0; c < CC_NCOLS; c++)
	{
		fresh.type[c] = expected_type(&specs[c]);
		fresh.attnum[c] = bind_column(desc, &specs[c], fresh.type[c]);
	}
	fresh.relid = RelationGetRelid(rel);
	fresh.generation = binding.generation + 1;
	binding = fresh;
	cache_build_done(binding_id, token);
	return &binding;
}

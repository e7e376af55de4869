/*
 * pgis.c
 *		Calls into PostGIS through its SQL-callable functions.
 *
 * The functions are found in the schema of the installed postgis extension,
 * by name and argument types, once per backend; the lookup is forgotten when
 * pg_proc changes (a cache of the registry, cache.h), so dropping and
 * re-creating PostGIS in a live session is handled.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "cache.h"
#include "pgis.h"
#include "plans.h"

typedef struct PgisFunctions
{
	Oid			namespace;		/* the postgis extension's schema */
	Oid			geometry_type;
	FmgrInfo	as_ewkb;
	FmgrInfo	from_ewkb;
	FmgrInfo	transform;
} PgisFunctions;

static PgisFunctions pgis;

static const CacheSpec pgis_spec = {"PostGIS functions", NULL, NULL, true, false};
static int	pgis_id;

void
pgis_init(void)
{
	pgis_id = cache_register(&pgis_spec);
}

static Oid
postgis_schema(void)
{
	Oid			extoid = get_extension_oid("postgis", true);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	if (!OidIsValid(extoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"postgis\" is not installed"),
				 errhint("gridgov needs PostGIS: CREATE EXTENSION postgis.")));
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

static void
lookup_function(FmgrInfo *finfo, const char *schema, const char *name,
				int nargs, Oid *argtypes)
{
	List	   *qname = list_make2(makeString(pstrdup(schema)), makeString(pstrdup(name)));
	Oid			fn = LookupFuncName(qname, nargs, argtypes, true);

	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("PostGIS function %s.%s not found", schema, name),
				 errhint("gridgov needs PostGIS 3.")));
	fmgr_info_cxt(fn, finfo, TopMemoryContext);
}

static void
pgis_load(void)
{
	Oid			nsp;
	char	   *schema;
	Oid			args[2];
	uint64		token;

	if (cache_is_current(pgis_id))
		return;
	token = cache_build_start(pgis_id);
	nsp = postgis_schema();
	pgis.namespace = nsp;
	schema = get_namespace_name(nsp);
	pgis.geometry_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										 CStringGetDatum("geometry"),
										 ObjectIdGetDatum(nsp));
	if (!OidIsValid(pgis.geometry_type))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type geometry not found in schema \"%s\"", schema)));

	args[0] = pgis.geometry_type;
	lookup_function(&pgis.as_ewkb, schema, "st_asewkb", 1, args);
	args[1] = INT4OID;
	lookup_function(&pgis.transform, schema, "st_transform", 2, args);
	args[0] = BYTEAOID;
	lookup_function(&pgis.from_ewkb, schema, "st_geomfromewkb", 1, args);
	cache_build_done(pgis_id, token);
}

Oid
pgis_namespace(void)
{
	pgis_load();
	return pgis.namespace;
}

Oid
pgis_geometry_type(void)
{
	pgis_load();
	return pgis.geometry_type;
}

bytea *
pgis_as_ewkb(Datum geometry)
{
	pgis_load();
	return DatumGetByteaPP(FunctionCall1(&pgis.as_ewkb, geometry));
}

Datum
pgis_from_ewkb(bytea *ewkb)
{
	pgis_load();
	return FunctionCall1(&pgis.from_ewkb, PointerGetDatum(ewkb));
}

Datum
pgis_transform(Datum geometry, int32 srid)
{
	int			nest;
	Datum		result;

	pgis_load();
	/* PostGIS reads spatial_ref_sys through SPI, by unqualified names. */
	nest = plans_safe_begin(NULL, NULL);
	result = FunctionCall2(&pgis.transform, geometry, Int32GetDatum(srid));
	plans_safe_end(nest);
	return result;
}

Datum
pgis_make_point(double x, double y, int32 srid)
{
	bytea	   *ewkb = palloc(VARHDRSZ + 25);
	uint8	   *p = (uint8 *) VARDATA(ewkb);
	uint32		type = 1 | 0x20000000u; /* Point with SRID */

	SET_VARSIZE(ewkb, VARHDRSZ + 25);
#ifdef WORDS_BIGENDIAN
	p[0] = 0;
#else
	p[0] = 1;
#endif
	memcpy(p + 1, &type, 4);
	memcpy(p + 5, &srid, 4);
	memcpy(p + 9, &x, 8);
	memcpy(p + 17, &y, 8);
	return pgis_from_ewkb(ewkb);
}

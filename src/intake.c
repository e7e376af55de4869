/*
 * intake.c
 *		The BEFORE INSERT trigger on gridgov.cases: plain INSERT and COPY are the
 *		intake API, and this trigger completes every new case.
 *
 * For each row: check the category (GG121 unknown, GG108 inactive) and fill
 * the urgency from it; convert the location from coord_system to WGS-84;
 * locate the grid at reported_at (unless given); derive the county (from the
 * grid, else the home county; GG107 when neither); route to a department
 * (unless given; gridgov.route(), memoised per backend); set the workflow and
 * its initial state; number the case; flag a likely duplicate.  Columns that
 * gridgov maintains (state, counters, closed_at, ...) must be left at their
 * defaults (GG105).  The intake events of the history are written by a
 * statement trigger (gridgov.case_intake_events()) from the statement's
 * transition table: payload and hash built in C, rows appended in batches.
 *
 * Per-row costs are kept down by caching per backend: the attribute numbers
 * of gridgov.cases (dropped by a relcache callback), the parsed
 * gridgov.duplicate_window (re-parsed when the setting's text changes), and
 * SPI plans kept across statements for the duplicate search and the intake
 * events (the plan cache revalidates them when what they use changes).
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/gist.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "audit.h"
#include "coords.h"
#include "gridcode.h"
#include "intake.h"
#include "locate.h"
#include "pgis.h"
#include "refcache.h"

double		duplicate_radius_m = 100.0;
static char *duplicate_window_text = NULL;
static char *case_time_zone = NULL;

/* Attribute numbers of the case columns the trigger reads or writes. */
typedef enum CaseCol
{
	CC_COUNTY, CC_ID, CC_CASE_NO, CC_CATEGORY, CC_URGENCY, CC_LOCATION,
	CC_COORD_SYSTEM, CC_OBJCODE, CC_GRID, CC_DEPARTMENT, CC_WORKFLOW, CC_STATE,
	CC_REPORTED_AT, CC_CLOSED_AT, CC_DISPATCHES, CC_RETURNS, CC_REWORKS,
	CC_REOPENS, CC_SOLVED, CC_SATISFACTION, CC_MASTER, CC_DUPLICATE, CC_EVENTS,
	CC_HISTORY_HASH, CC_UPDATED_AT, CC_EXTENSIONS, CC_SUSPENSIONS, CC_SUPERVISED,
	CC_ESCALATION_LEVEL, CC_SOURCE, CC_NCOLS
} CaseCol;

static const char *const case_col_names[CC_NCOLS] = {
	"county", "id", "case_no", "category", "urgency", "location",
	"coord_system", "objcode", "grid", "department_id", "workflow", "state",
	"reported_at", "closed_at", "dispatches", "returns", "reworks",
	"reopens", "solved", "satisfaction", "master_case_id", "possible_duplicate_of", "events",
	"history_hash", "updated_at", "extensions", "suspensions", "supervised",
	"escalation_level", "source"
};

/* A row being completed: current values, and which ones were replaced. */
typedef struct CaseRow
{
	TupleDesc	desc;
	int			attnum[CC_NCOLS];
	Datum	   *values;
	bool	   *nulls;
	bool	   *replace;
} CaseRow;

static FmgrInfo route_fn;
static bool functions_valid = false;

/* Attribute numbers of the columns, for the relation they were read from. */
static Oid	attnums_relid = InvalidOid;
static int	attnums[CC_NCOLS];

/* gridgov.duplicate_window as last parsed (text and IntervalStyle). */
static char *window_text = NULL;
static int	window_style = -1;
static Interval window_value;

/*
 * The kept plan of the duplicate search.  The plan cache revalidates it when
 * what it uses changes; it also names PostGIS's schema in its text, so a
 * change in pg_proc (e.g. PostGIS re-created) drops it with route_fn.
 */
static SPIPlanPtr duplicate_plan = NULL;

static void
functions_invalidate(Datum arg pg_attribute_unused(), int cacheid pg_attribute_unused(),
					 uint32 hashvalue pg_attribute_unused())
{
	functions_valid = false;
}

/*
 * The GiST index of open cases' locations (cases_open_location) and its
 * overlap operator, for the duplicate pre-check; found with the attnums.
 */
typedef struct CaseLocationIndex
{
	Oid			index;			/* InvalidOid: none usable, always search */
	Oid			subtype;
	Oid			collation;
	RegProcedure overlap;
} CaseLocationIndex;

static CaseLocationIndex location_index;

static void
attnums_invalidate(Datum arg pg_attribute_unused(), Oid relid)
{
	if (relid == InvalidOid || relid == attnums_relid)
		attnums_relid = InvalidOid;
}

void
intake_init(void)
{
	DefineCustomRealVariable("gridgov.duplicate_radius_m",
							 "Distance within which an open case of the same category is flagged as a likely duplicate.",
							 NULL, &duplicate_radius_m, 100.0, 0.0, 100000.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("gridgov.duplicate_window",
							   "Time window (before or after reporting) in which a likely duplicate is looked for.",
							   NULL, &duplicate_window_text, "24 hours",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("gridgov.time_zone",
							   "Time zone of the local date in case numbers.",
							   NULL, &case_time_zone, "Asia/Shanghai",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	CacheRegisterSyscacheCallback(PROCOID, functions_invalidate, (Datum) 0);
	CacheRegisterRelcacheCallback(attnums_invalidate, (Datum) 0);
}

static void
lookup_function(FmgrInfo *finfo, const char *name, int nargs, Oid *argtypes)
{
	List	   *qname = list_make2(makeString("gridgov"), makeString(pstrdup(name)));
	Oid			fn = LookupFuncName(qname, nargs, argtypes, false);

	fmgr_info_cxt(fn, finfo, TopMemoryContext);
}

static void
load_functions(Oid gridcode_type)
{
	Oid			route_args[3] = {TEXTOID, gridcode_type, TEXTOID};

	if (functions_valid)
		return;
	lookup_function(&route_fn, "route", 3, route_args);
	if (duplicate_plan)
		SPI_freeplan(duplicate_plan);
	duplicate_plan = NULL;
	functions_valid = true;
}

/*
 * A generic plan prepared in the current SPI connection and kept for the
 * backend: planned once, not again for every call with its parameter values.
 */
static SPIPlanPtr
keep_plan(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return plan;
}

/* The GiST index on location that the pre-check can use, if there is one. */
static void
find_location_index(Relation rel)
{
	Oid			oid = get_relname_relid("cases_open_location", RelationGetNamespace(rel));
	Relation	irel;

	location_index.index = InvalidOid;
	if (!OidIsValid(oid))
		return;
	irel = index_open(oid, AccessShareLock);
	if (irel->rd_index->indrelid == RelationGetRelid(rel) && irel->rd_rel->relam == GIST_AM_OID &&
		IndexRelationGetNumberOfKeyAttributes(irel) == 1 &&
		irel->rd_index->indkey.values[0] == attnums[CC_LOCATION])
	{
		Oid			op = get_opfamily_member(irel->rd_opfamily[0], irel->rd_opcintype[0],
											 irel->rd_opcintype[0], RTOverlapStrategyNumber);

		if (OidIsValid(op))
		{
			location_index.index = oid;
			location_index.subtype = irel->rd_opcintype[0];
			location_index.collation = irel->rd_indcollation[0];
			location_index.overlap = get_opcode(op);
		}
	}
	index_close(irel, AccessShareLock);
}

/* The attribute numbers (and the location index) of this version of the relation. */
static void
lookup_attnums(Relation rel)
{
	int			i;

	if (attnums_relid == RelationGetRelid(rel))
		return;
	for (i = 0; i < CC_NCOLS; i++)
	{
		attnums[i] = SPI_fnumber(RelationGetDescr(rel), case_col_names[i]);
		if (attnums[i] <= 0)
			elog(ERROR, "gridgov.cases has no column \"%s\"", case_col_names[i]);
	}
	find_location_index(rel);
	attnums_relid = RelationGetRelid(rel);
}

static void
row_init(CaseRow *row, Relation rel, HeapTuple tuple)
{

	row->desc = RelationGetDescr(rel);
	lookup_attnums(rel);
	memcpy(row->attnum, attnums, sizeof(attnums));
	row->values = palloc(row->desc->natts * sizeof(Datum));
	row->nulls = palloc(row->desc->natts * sizeof(bool));
	row->replace = palloc0(row->desc->natts * sizeof(bool));
	heap_deform_tuple(tuple, row->desc, row->values, row->nulls);
}

static inline bool
is_null(CaseRow *row, CaseCol c)
{
	return row->nulls[row->attnum[c] - 1];
}

static inline Datum
get(CaseRow *row, CaseCol c)
{
	return row->values[row->attnum[c] - 1];
}

static char *
get_text(CaseRow *row, CaseCol c)
{
	return is_null(row, c) ? NULL : TextDatumGetCString(get(row, c));
}

static void
set(CaseRow *row, CaseCol c, Datum value, bool isnull)
{
	int			i = row->attnum[c] - 1;

	row->values[i] = value;
	row->nulls[i] = isnull;
	row->replace[i] = true;
}

static Oid
col_type(CaseRow *row, CaseCol c)
{
	return TupleDescAttr(row->desc, row->attnum[c] - 1)->atttypid;
}

/* Columns gridgov maintains must arrive empty (or at their defaults). */
static void
check_maintained_columns(CaseRow *row)
{
	static const CaseCol must_be_null[] = {
		CC_CLOSED_AT, CC_SOLVED, CC_SATISFACTION, CC_MASTER, CC_HISTORY_HASH
	};
	static const CaseCol must_be_zero[] = {
		CC_DISPATCHES, CC_RETURNS, CC_REWORKS, CC_REOPENS, CC_EXTENSIONS,
		CC_SUSPENSIONS, CC_ESCALATION_LEVEL, CC_EVENTS
	};
	size_t		i;

	for (i = 0; i < lengthof(must_be_null); i++)
		if (!is_null(row, must_be_null[i]))
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("column %s of a new case is set by gridgov", case_col_names[must_be_null[i]]),
					 errdetail("It is filled in by workflow actions; leave it out of the INSERT.")));
	if (is_null(row, CC_SUPERVISED) || DatumGetBool(get(row, CC_SUPERVISED)))
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("column supervised of a new case is set by gridgov"),
				 errdetail("It is raised when a clock of the case is escalated; leave it out of the INSERT.")));
	for (i = 0; i < lengthof(must_be_zero); i++)
		if (is_null(row, must_be_zero[i]) || DatumGetInt32(get(row, must_be_zero[i])) != 0)
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("column %s of a new case is set by gridgov", case_col_names[must_be_zero[i]]),
					 errdetail("It counts workflow actions and starts at 0; leave it out of the INSERT.")));
}

/* Category: must exist and be active; fills workflow, initial state, urgency. */
static void
apply_category(CaseRow *row, RefCategory *cat)
{
	char	   *code = get_text(row, CC_CATEGORY);
	const RefCategory *found;
	const char *initial;
	char	   *workflow = get_text(row, CC_WORKFLOW);
	char	   *state = get_text(row, CC_STATE);

	if (code == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a case needs a category"),
				 errhint("Give a category code from gridgov.categories, e.g. E0102.")));
	found = refcache_category(code);
	if (found == NULL)
		ereport(ERROR,
				(errcode(GG_UNKNOWN_CATEGORY),
				 errmsg("unknown category \"%s\"", code),
				 errhint("Categories are listed in gridgov.categories.")));
	*cat = *found;
	if (!cat->active)
		ereport(ERROR,
				(errcode(GG_INACTIVE_CATEGORY),
				 errmsg("category \"%s\" is not active", code),
				 errdetail("New cases cannot be filed under an inactive category.")));
	initial = refcache_initial_state(cat->workflow);
	if (initial == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("workflow \"%s\" of category \"%s\" has no initial state", cat->workflow, code)));
	if (workflow && strcmp(workflow, cat->workflow) != 0)
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("category \"%s\" follows workflow \"%s\", not \"%s\"", code, cat->workflow, workflow),
				 errhint("Leave workflow out of the INSERT; the category decides it.")));
	if (state && strcmp(state, initial) != 0)
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("a new case enters in state \"%s\", not \"%s\"", initial, state),
				 errhint("Leave state out of the INSERT and move the case on with gridgov.act().")));
	set(row, CC_WORKFLOW, CStringGetTextDatum(cat->workflow), false);
	set(row, CC_STATE, CStringGetTextDatum(initial), false);
	if (is_null(row, CC_URGENCY))
	{
		Oid			typ = col_type(row, CC_URGENCY);

		set(row, CC_URGENCY,
			OidFunctionCall2(F_ENUM_IN, CStringGetDatum(cat->default_urgency), ObjectIdGetDatum(typ)),
			false);
	}
}

/* Location: WGS-84 from coord_system; returns whether there is one. */
static bool
apply_location(CaseRow *row, double *lon, double *lat)
{
	char	   *system_name = get_text(row, CC_COORD_SYSTEM);
	CoordSystem sys = coord_system_from_name(system_name ? system_name : "wgs84");

	if (is_null(row, CC_LOCATION))
		return false;
	locate_read_point(get(row, CC_LOCATION), "the case location", lon, lat);
	coord_to_wgs84(sys, lon, lat);
	set(row, CC_LOCATION, pgis_make_point(*lon, *lat, COORD_SRID_WGS84), false);
	return true;
}

/* Grid (locate unless given) and county (from the grid, else home county). */
static void
apply_grid_and_county(CaseRow *row, bool has_location, double lon, double lat)
{
	GridCode	grid;
	GridCode	county;
	bool		has_grid = !is_null(row, CC_GRID);

	if (!has_grid && has_location &&
		locate_lonlat(lon, lat, DatumGetTimestampTz(get(row, CC_REPORTED_AT)), &grid))
	{
		set(row, CC_GRID, GridCodeGetDatum(grid), false);
		has_grid = true;
	}
	if (has_grid)
	{
		grid = DatumGetGridCode(get(row, CC_GRID));
		if (gridcode_level(grid) < GRIDCODE_LEVEL_COUNTY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a case's grid cannot be a province or city code"),
					 errdetail("A case's grid is a county, town, community or unit grid code.")));
		county = gridcode_truncate(grid, 6);
	}
	else if (!is_null(row, CC_COUNTY))
		county = DatumGetGridCode(get(row, CC_COUNTY));
	else if (!refcache_home_county(&county))
		ereport(ERROR,
				(errcode(GG_NO_COUNTY),
				 errmsg("the case lies outside every grid and no home county is configured"),
				 errhint("Set it once: UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county'.")));
	if (!is_null(row, CC_COUNTY) && DatumGetGridCode(get(row, CC_COUNTY)) != county)
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("county does not match the case's grid"),
				 errdetail("A case belongs to the county of its grid.")));
	if (gridcode_ndigits(county) != 6)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("county must be a 6-digit code")));
	set(row, CC_COUNTY, GridCodeGetDatum(county), false);
}

static void
apply_route(CaseRow *row, const char *category)
{
	bool		has_grid = !is_null(row, CC_GRID);
	GridCode	grid = has_grid ? DatumGetGridCode(get(row, CC_GRID)) : 0;
	bool		has_objcode = !is_null(row, CC_OBJCODE);
	int64		dept;
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	if (!is_null(row, CC_DEPARTMENT))
		return;
	if (!has_objcode && refcache_route_get(category, has_grid, grid, &dept))
	{
		set(row, CC_DEPARTMENT, Int64GetDatum(dept), false);
		return;
	}
	InitFunctionCallInfoData(*fcinfo, &route_fn, 3, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = CStringGetTextDatum(category);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = GridCodeGetDatum(grid);
	fcinfo->args[1].isnull = !has_grid;
	fcinfo->args[2].value = has_objcode ? get(row, CC_OBJCODE) : (Datum) 0;
	fcinfo->args[2].isnull = !has_objcode;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("no department to route category \"%s\" to", category)));
	dept = DatumGetInt64(result);
	if (!has_objcode)
		refcache_route_put(category, has_grid, grid, dept);
	set(row, CC_DEPARTMENT, Int64GetDatum(dept), false);
}

/* county-yyyymmdd-id, the date local to gridgov.time_zone. */
static void
apply_case_no(CaseRow *row)
{
	char		county[GRIDCODE_MAX_DIGITS + 1];
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	pg_tz	   *tz = pg_tzset(case_time_zone);

	if (!is_null(row, CC_CASE_NO))
		return;
	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gridgov.time_zone \"%s\" is not a known time zone", case_time_zone)));
	if (timestamp2tm(DatumGetTimestampTz(get(row, CC_REPORTED_AT)), &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("reported_at is out of range for a case number")));
	gridcode_to_cstring(DatumGetGridCode(get(row, CC_COUNTY)), county);
	set(row, CC_CASE_NO,
		CStringGetTextDatum(psprintf("%s-%04d%02d%02d-%07" INT64_MODIFIER "d", county,
									 tm.tm_year, tm.tm_mon, tm.tm_mday,
									 DatumGetInt64(get(row, CC_ID)))),
		false);
}

/* gridgov.duplicate_window as an interval, parsed again only when it changes. */
static Datum
duplicate_window(void)
{
	if (window_text == NULL || window_style != IntervalStyle ||
		strcmp(window_text, duplicate_window_text) != 0)
	{
		Interval   *iv = DatumGetIntervalP(DirectFunctionCall3(interval_in,
															   CStringGetDatum(duplicate_window_text),
															   ObjectIdGetDatum(InvalidOid),
															   Int32GetDatum(-1)));

		window_value = *iv;
		if (window_text)
			pfree(window_text);
		window_text = MemoryContextStrdup(TopMemoryContext, duplicate_window_text);
		window_style = IntervalStyle;
	}
	return IntervalPGetDatum(&window_value);
}

/*
 * The query of gridgov.find_duplicate() (same conditions, same order), with
 * the PostGIS schema spelled out.  The candidates come from the GiST index of
 * open cases by the bounding box alone (a materialised CTE, so the planner
 * cannot start from the (county, reported_at) btree and read every case of
 * the time window); the other conditions filter them.
 */
static char *
duplicate_sql(void)
{
	HeapTuple	typ = SearchSysCache1(TYPEOID, ObjectIdGetDatum(pgis_geometry_type()));
	const char *pg;

	if (!HeapTupleIsValid(typ))
		elog(ERROR, "cache lookup failed for type geometry");
	/* PostGIS's schema is the schema of its geometry type. */
	pg = quote_identifier(get_namespace_name(((Form_pg_type) GETSTRUCT(typ))->typnamespace));
	ReleaseSysCache(typ);

	return psprintf("WITH near AS MATERIALIZED ("
					" SELECT c.id, c.county, c.category, c.master_case_id, c.reported_at, c.location"
					" FROM gridgov.cases c"
					" WHERE c.closed_at IS NULL"
					" AND c.location OPERATOR(%s.&&) %s.st_expand($4,"
					" $5 / (111195.0797 * pg_catalog.cos(pg_catalog.radians(%s.st_y($4)))),"
					" $5 / 111195.0797))"
					" SELECT n.id FROM near n"
					" WHERE n.county OPERATOR(gridgov.=) $1 AND n.category OPERATOR(pg_catalog.=) $2"
					" AND n.master_case_id IS NULL"
					" AND n.reported_at BETWEEN $3 OPERATOR(pg_catalog.-) $6 AND $3 OPERATOR(pg_catalog.+) $6"
					" AND %s.st_dwithin(n.location::%s.geography, $4::%s.geography, $5, false)"
					" ORDER BY %s.st_distance(n.location::%s.geography, $4::%s.geography, false),"
					" n.reported_at DESC, n.id"
					" LIMIT 1",
					pg, pg, pg, pg, pg, pg, pg, pg, pg);
}

/*
 * Run the duplicate search with enable_seqscan off (as gridgov.route() does):
 * when the plan is made on a small or empty table, a sequential scan looks
 * cheaper, and a kept plan would then scan every open case for every row.
 */
static bool
run_duplicate_search(Datum *args, int64 *found)
{
	int			nest = NewGUCNestLevel();
	bool		isnull = true;

	(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_execute_plan(duplicate_plan, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look for a likely duplicate");
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			*found = DatumGetInt64(d);
	}
	AtEOXact_GUC(true, nest);
	return !isnull;
}

typedef struct DuplicateSearch
{
	Datum	   *args;
	int64	   *master;
	bool		found;
} DuplicateSearch;

static void
run_duplicate_search_cb(void *arg)
{
	DuplicateSearch *search = (DuplicateSearch *) arg;

	search->found = run_duplicate_search(search->args, search->master);
}

/* A WGS-84 rectangle as a polygon geometry, through EWKB. */
static Datum
box_geometry(double xmin, double ymin, double xmax, double ymax)
{
	const double xy[10] = {xmin, ymin, xmin, ymax, xmax, ymax, xmax, ymin, xmin, ymin};
	const int	len = 1 + 4 + 4 + 4 + 4 + sizeof(xy);
	bytea	   *ewkb = palloc(VARHDRSZ + len);
	uint8	   *p = (uint8 *) VARDATA(ewkb);
	uint32		type = 3 | 0x20000000u; /* Polygon with SRID */
	int32		srid = COORD_SRID_WGS84;
	uint32		one = 1;
	uint32		five = 5;

	SET_VARSIZE(ewkb, VARHDRSZ + len);
#ifdef WORDS_BIGENDIAN
	p[0] = 0;
#else
	p[0] = 1;
#endif
	memcpy(p + 1, &type, 4);
	memcpy(p + 5, &srid, 4);
	memcpy(p + 9, &one, 4);
	memcpy(p + 13, &five, 4);
	memcpy(p + 17, xy, sizeof(xy));
	return pgis_from_ewkb(ewkb);
}

/* Whether a case (a heap tuple of the index scan) passes the search's filters. */
static bool
is_candidate(CaseRow *row, TupleTableSlot *slot, TimestampTz lo, TimestampTz hi)
{
	bool		isnull;
	Datum		d;
	text	   *a;
	text	   *b;

	(void) slot_getattr(slot, row->attnum[CC_CLOSED_AT], &isnull);
	if (!isnull)
		return false;
	(void) slot_getattr(slot, row->attnum[CC_MASTER], &isnull);
	if (!isnull)
		return false;
	d = slot_getattr(slot, row->attnum[CC_COUNTY], &isnull);
	if (isnull || DatumGetGridCode(d) != DatumGetGridCode(get(row, CC_COUNTY)))
		return false;
	d = slot_getattr(slot, row->attnum[CC_REPORTED_AT], &isnull);
	if (isnull || DatumGetTimestampTz(d) < lo || DatumGetTimestampTz(d) > hi)
		return false;
	d = slot_getattr(slot, row->attnum[CC_CATEGORY], &isnull);
	if (isnull)
		return false;
	a = DatumGetTextPP(d);
	b = DatumGetTextPP(get(row, CC_CATEGORY));
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/*
 * Pre-check of the duplicate search, straight on the GiST index of open
 * cases' locations: is any case visible to the statement open, unmerged, of
 * the county and category, reported within the window, with a box that
 * overlaps a box slightly larger than the search's?  Only then can the search
 * find one: its conditions are these plus the exact spherical distance, so
 * "none" here is exact, and most new cases (no likely duplicate) skip the
 * search and its executor start-up.  Returns true (search) when the index is
 * missing or not usable.
 */
static bool
duplicate_possible(Relation rel, CaseRow *row, double lat, double lon, Datum window)
{
	/* The search's box (see gridgov.find_duplicate()), 0.1 % + 1 cm larger. */
	double		dy = duplicate_radius_m / 111195.0797 * 1.001 + 1e-7;
	double		dx = duplicate_radius_m / (111195.0797 * cos(lat * (M_PI / 180.0))) * 1.001 + 1e-7;
	TimestampTz lo;
	TimestampTz hi;
	Relation	irel;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
	bool		found = false;

	if (!OidIsValid(location_index.index) || !(dx < 90.0) ||
		!list_member_oid(RelationGetIndexList(rel), location_index.index))
		return true;
	irel = index_open(location_index.index, AccessShareLock);
	if (!irel->rd_index->indisvalid)
	{
		index_close(irel, AccessShareLock);
		return true;
	}
	lo = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval, get(row, CC_REPORTED_AT), window));
	hi = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, get(row, CC_REPORTED_AT), window));
	ScanKeyEntryInitialize(&key, 0, 1, RTOverlapStrategyNumber, location_index.subtype,
						   location_index.collation, location_index.overlap,
						   box_geometry(lon - dx, lat - dy, lon + dx, lat + dy));
	scan = index_beginscan(rel, irel, GetActiveSnapshot(), 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	slot = table_slot_create(rel, NULL);
	while (!found && index_getnext_slot(scan, ForwardScanDirection, slot))
		found = is_candidate(row, slot, lo, hi);
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	index_close(irel, AccessShareLock);
	return found;
}

static void
apply_duplicate(Relation rel, CaseRow *row, bool has_location, double lon, double lat)
{
	Datum		args[6];
	int64		master = 0;
	bool		found;

	if (!has_location || !is_null(row, CC_DUPLICATE) || duplicate_radius_m <= 0.0)
		return;
	args[0] = get(row, CC_COUNTY);
	args[1] = get(row, CC_CATEGORY);
	args[2] = get(row, CC_REPORTED_AT);
	args[3] = get(row, CC_LOCATION);
	args[4] = Float8GetDatum(duplicate_radius_m);
	args[5] = duplicate_window();
	if (!duplicate_possible(rel, row, lat, lon, args[5]))
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (duplicate_plan == NULL)
	{
		Oid			types[6] = {col_type(row, CC_COUNTY), TEXTOID, TIMESTAMPTZOID,
		pgis_geometry_type(), FLOAT8OID, INTERVALOID};

		duplicate_plan = keep_plan(duplicate_sql(), 6, types);
	}
	{
		DuplicateSearch search = {args, &master, false};

		/* As the extension owner: an intake role needs no SELECT on cases. */
		audit_as_history_owner(run_duplicate_search_cb, &search);
		found = search.found;
	}
	SPI_finish();
	if (found)
		set(row, CC_DUPLICATE, Int64GetDatum(master), false);
}

PG_FUNCTION_INFO_V1(gridgov_case_intake);
Datum
gridgov_case_intake(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	CaseRow		row;
	RefCategory cat;
	double		lon = 0.0;
	double		lat = 0.0;
	bool		has_location;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gridgov.case_intake() must be a BEFORE INSERT FOR EACH ROW trigger")));

	row_init(&row, td->tg_relation, td->tg_trigtuple);
	load_functions(col_type(&row, CC_GRID));
	check_maintained_columns(&row);
	apply_category(&row, &cat);
	has_location = apply_location(&row, &lon, &lat);
	apply_grid_and_county(&row, has_location, lon, lat);
	apply_route(&row, cat.code);
	apply_case_no(&row);
	apply_duplicate(td->tg_relation, &row, has_location, lon, lat);
	set(&row, CC_EVENTS, Int32GetDatum(1), false);
	/* updated_at is the time of the latest event: the intake, at reported_at. */
	set(&row, CC_UPDATED_AT, get(&row, CC_REPORTED_AT), false);

	return PointerGetDatum(heap_modify_tuple(td->tg_trigtuple, row.desc,
											 row.values, row.nulls, row.replace));
}


/*
 * The intake events.  Their payload and hash are built here in C (the hash
 * by audit_event_hash(), the code behind gridgov.event_hash()), and they are
 * appended with kept plans: one row with VALUES, more in batches of arrays
 * through unnest().
 */
#define EVENT_BATCH		1000

#define EVENT_COLUMNS \
	"INSERT INTO gridgov.case_events (county, case_id, seq, at, actor_role, actor_staff_id, " \
	"action, from_state, to_state, note, payload, prev_hash, hash) "
#define EVENT_ONE_SQL EVENT_COLUMNS \
	"VALUES ($4, $5, 1, $6, $1, $2, 'intake', NULL, $7, NULL, $8, $3, $9)"
#define EVENT_BATCH_SQL EVENT_COLUMNS \
	"SELECT u.county, u.case_id, 1, u.at, $1, $2, 'intake', NULL, u.to_state, NULL, u.payload, $3, u.hash " \
	"FROM ROWS FROM (pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), " \
	"pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9)) " \
	"AS u(county, case_id, at, to_state, payload, hash)"

/* Columns of an event batch, in the order of parameters $4..$9. */
enum
{
	EV_COUNTY, EV_CASE_ID, EV_AT, EV_TO_STATE, EV_PAYLOAD, EV_HASH, EV_NCOLS
};

typedef struct IntakeEvents
{
	Datum		actor[3];		/* $1 actor role, $2 staff id, $3 genesis hash */
	char		actor_nulls[3];
	const char *role;
	bool		has_staff;
	int64		staff;
	Oid			types[EV_NCOLS];	/* element types */
	int			n;
	Datum		values[EV_NCOLS][EVENT_BATCH];
} IntakeEvents;

/* Kept plans appending one event, and a batch of events. */
static SPIPlanPtr event_one_plan = NULL;
static SPIPlanPtr event_batch_plan = NULL;

static bytea *
hash_bytea(const uint8 *hash)
{
	bytea	   *b = palloc(VARHDRSZ + AUDIT_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(b), hash, AUDIT_HASH_LEN);
	return b;
}

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

static void
push_string(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	push_key(st, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

static void
push_bigint(JsonbParseState **st, const char *key, TupleTableSlot *slot, int attnum)
{
	JsonbValue	v;
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	push_key(st, key);
	if (isnull)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric, d));
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* A text or enum column as a C string (NULL for NULL). */
static const char *
slot_text(TupleTableSlot *slot, int attnum, bool is_enum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	if (isnull)
		return NULL;
	return is_enum ? DatumGetCString(DirectFunctionCall1(enum_out, d)) : TextDatumGetCString(d);
}

/*
 * The intake payload: {source, category, urgency, grid (as text),
 * department_id, possible_duplicate_of}, NULLs as JSON null.
 */
static Jsonb *
intake_payload(TupleTableSlot *slot, const int *attnum)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;
	bool		isnull;
	Datum		grid = slot_getattr(slot, attnum[CC_GRID], &isnull);
	char		code[GRIDCODE_MAX_DIGITS + 1];

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_string(&st, "source", slot_text(slot, attnum[CC_SOURCE], true));
	push_string(&st, "category", slot_text(slot, attnum[CC_CATEGORY], false));
	push_string(&st, "urgency", slot_text(slot, attnum[CC_URGENCY], true));
	if (!isnull)
		gridcode_to_cstring(DatumGetGridCode(grid), code);
	push_string(&st, "grid", isnull ? NULL : code);
	push_bigint(&st, "department_id", slot, attnum[CC_DEPARTMENT]);
	push_bigint(&st, "possible_duplicate_of", slot, attnum[CC_DUPLICATE]);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* Add the event of one new case (a row of the transition table) to the batch. */
static void
add_event(IntakeEvents *ev, TupleTableSlot *slot, const int *attnum)
{
	CaseEvent	e;
	bool		isnull;
	Jsonb	   *payload = intake_payload(slot, attnum);
	uint8		hash[AUDIT_HASH_LEN];
	int			i = ev->n;

	e.county = DatumGetGridCode(slot_getattr(slot, attnum[CC_COUNTY], &isnull));
	e.case_id = DatumGetInt64(slot_getattr(slot, attnum[CC_ID], &isnull));
	e.seq = 1;
	e.at = DatumGetTimestampTz(slot_getattr(slot, attnum[CC_REPORTED_AT], &isnull));
	e.actor_role = ev->role;
	e.has_staff = ev->has_staff;
	e.actor_staff_id = ev->staff;
	e.action = "intake";
	e.from_state = NULL;
	e.to_state = slot_text(slot, attnum[CC_STATE], false);
	e.note = NULL;
	e.payload = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	audit_event_hash(audit_genesis, &e, hash);

	ev->values[EV_COUNTY][i] = GridCodeGetDatum(e.county);
	ev->values[EV_CASE_ID][i] = Int64GetDatum(e.case_id);
	ev->values[EV_AT][i] = TimestampTzGetDatum(e.at);
	ev->values[EV_TO_STATE][i] = CStringGetTextDatum(e.to_state);
	ev->values[EV_PAYLOAD][i] = JsonbPGetDatum(payload);
	ev->values[EV_HASH][i] = PointerGetDatum(hash_bytea(hash));
	ev->n++;
}

/* Append the batch (run as the owner of case_events, see audit_as_history_owner). */
static void
flush_events(void *arg)
{
	IntakeEvents *ev = (IntakeEvents *) arg;
	Datum		params[3 + EV_NCOLS];
	char		nulls[3 + EV_NCOLS];
	Oid			types[3 + EV_NCOLS] = {NAMEOID, INT8OID, BYTEAOID};
	bool		one = (ev->n == 1);
	int			c;

	memcpy(params, ev->actor, sizeof(ev->actor));
	memcpy(nulls, ev->actor_nulls, sizeof(ev->actor_nulls));
	for (c = 0; c < EV_NCOLS; c++)
	{
		int16		len;
		bool		byval;
		char		align;

		nulls[3 + c] = ' ';
		if (one)
		{
			types[3 + c] = ev->types[c];
			params[3 + c] = ev->values[c][0];
			continue;
		}
		types[3 + c] = get_array_type(ev->types[c]);
		get_typlenbyvalalign(ev->types[c], &len, &byval, &align);
		params[3 + c] = PointerGetDatum(construct_array(ev->values[c], ev->n, ev->types[c],
														len, byval, align));
	}
	if (one && event_one_plan == NULL)
		event_one_plan = keep_plan(EVENT_ONE_SQL, 3 + EV_NCOLS, types);
	else if (!one && event_batch_plan == NULL)
		event_batch_plan = keep_plan(EVENT_BATCH_SQL, 3 + EV_NCOLS, types);
	if (SPI_execute_plan(one ? event_one_plan : event_batch_plan, params, nulls, false, 0) != SPI_OK_INSERT ||
		SPI_processed != (uint64) ev->n)
		elog(ERROR, "could not append the intake events");
	ev->n = 0;
}

/*
 * AFTER INSERT ... REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT:
 * the intake events of all new cases (seq 1, at reported_at, action intake,
 * the payload above), chained to the genesis hash.  The actor is the caller;
 * the insert runs as the history's owner.
 */
PG_FUNCTION_INFO_V1(gridgov_case_intake_events);
Datum
gridgov_case_intake_events(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	IntakeEvents *ev;
	Tuplestorestate *ts;
	TupleTableSlot *slot;
	MemoryContext batch_cxt;
	MemoryContext old;
	int			readptr;
	int			attnum[CC_NCOLS];

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gridgov.case_intake_events() must be an AFTER INSERT statement trigger with NEW TABLE AS new_cases")));
	ts = td->tg_newtable;
	if (tuplestore_tuple_count(ts) == 0)
		return PointerGetDatum(NULL);
	lookup_attnums(td->tg_relation);
	memcpy(attnum, attnums, sizeof(attnums));

	ev = palloc0(sizeof(IntakeEvents));
	ev->role = GetUserNameFromId(GetUserId(), false);
	ev->has_staff = refcache_staff_of_role(GetUserId(), &ev->staff);
	ev->actor[0] = DirectFunctionCall1(namein, CStringGetDatum(ev->role));
	ev->actor[1] = Int64GetDatum(ev->staff);
	ev->actor[2] = PointerGetDatum(hash_bytea(audit_genesis));
	ev->actor_nulls[0] = ' ';
	ev->actor_nulls[1] = ev->has_staff ? ' ' : 'n';
	ev->actor_nulls[2] = ' ';
	ev->types[EV_COUNTY] = TupleDescAttr(RelationGetDescr(td->tg_relation), attnum[CC_COUNTY] - 1)->atttypid;
	ev->types[EV_CASE_ID] = INT8OID;
	ev->types[EV_AT] = TIMESTAMPTZOID;
	ev->types[EV_TO_STATE] = TEXTOID;
	ev->types[EV_PAYLOAD] = JSONBOID;
	ev->types[EV_HASH] = BYTEAOID;

	/* A read pointer of our own, as a scan of the transition table takes one. */
	readptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, readptr);
	tuplestore_rescan(ts);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation), &TTSOpsMinimalTuple);
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "gridgov intake events",
									  ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* The events of each batch, and its arrays, live in batch_cxt. */
	old = MemoryContextSwitchTo(batch_cxt);
	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		add_event(ev, slot, attnum);
		if (ev->n == EVENT_BATCH)
		{
			audit_as_history_owner(flush_events, ev);
			/* A tuple read back from a spilled store was allocated here too. */
			ExecClearTuple(slot);
			MemoryContextReset(batch_cxt);
		}
	}
	if (ev->n > 0)
		audit_as_history_owner(flush_events, ev);
	MemoryContextSwitchTo(old);
	SPI_finish();
	tuplestore_select_read_pointer(ts, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(batch_cxt);
	return PointerGetDatum(NULL);
}

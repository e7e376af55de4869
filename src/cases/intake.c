/*
 * intake.c
 *		The BEFORE INSERT trigger on gridgov.cases: plain INSERT and COPY are the
 *		intake API, and this trigger completes every new case.
 *
 * For each row: check occurred_at (finite, not after reported_at: 22023);
 * give a case without a category the text model's or the unclassified one
 * (intake_assist.c; category_by); check the category (GG121 unknown, GG108
 * inactive) and fill the urgency from it; convert the location from
 * coord_system to WGS-84; locate the grid at reported_at (unless given;
 * without a location, from a place the words name: located_by, assisted);
 * derive the county (from the
 * grid, else the home county; GG107 when neither); route to a department
 * (unless given; gridgov.route(), memoised per backend); set the workflow and
 * its initial state; number the case; flag a likely duplicate.  Columns that
 * gridgov maintains (state, counters, closed_at, ...) must be left at their
 * defaults (GG105), except in a complete row from a dump inserted by the owner
 * of gridgov.cases or a superuser, which is let in as it is (restore.c).
 * What follows from the statement as a whole (intake
 * events and SLA clocks) is written afterwards by the
 * statement trigger gridgov.case_intake_finish() (intake_finish.c).
 *
 * Per-row costs are kept down by caching per backend: the attribute numbers
 * of gridgov.cases (case_columns.c, through the cache registry) and the parsed
 * gridgov.duplicate_window (re-parsed when the setting's text changes).  The
 * likely-duplicate search is duplicate.c's, the rule gridgov.find_duplicate()
 * applies too: it reads the index and the table directly, with no plan.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "case_columns.h"
#include "case_time.h"
#include "coords.h"
#include "duplicate.h"
#include "errcodes.h"
#include "history_import.h"
#include "intake.h"
#include "intake_assist.h"
#include "locate.h"
#include "owner.h"
#include "pgis.h"
#include "refcache.h"
#include "restore.h"
#include "triggers.h"

double		duplicate_radius_m = 100.0;
static char *duplicate_window_text = NULL;
static char *case_time_zone = NULL;

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

/* route_fn, looked up again when pg_proc changes (cache.h). */
static const CacheSpec functions_spec = {"intake functions", NULL, NULL, true, false};
static int	functions_id;

/* gridgov.duplicate_window as last parsed (text and IntervalStyle). */
static char *window_text = NULL;
static int	window_style = -1;
static Interval window_value;


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
	functions_id = cache_register(&functions_spec);
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
	uint64		token;

	if (cache_is_current(functions_id))
		return;
	token = cache_build_start(functions_id);
	lookup_function(&route_fn, "route", 3, route_args);
	cache_build_done(functions_id, token);
}

static void
row_init(CaseRow *row, Relation rel, HeapTuple tuple)
{
	const CaseColumns *cols = case_columns(rel);

	row->desc = RelationGetDescr(rel);
	memcpy(row->attnum, cols->attnum, sizeof(row->attnum));
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

/* A column every new case needs (its NOT NULL constraint is checked only later). */
static void
require(CaseRow *row, CaseCol c)
{
	if (is_null(row, c))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a case needs a value for %s", case_column_name(c)),
				 errhint("Leave %s out of the INSERT for its default, or give a value.", case_column_name(c))));
}

/* occurred_at, when given (and the table has it: 1.3.0), is finite and not after reported_at. */
static void
check_occurred_at(CaseRow *row)
{
	if (row->attnum[CC_OCCURRED_AT] == 0 || is_null(row, CC_OCCURRED_AT))
		return;
	case_time_check_occurred(DatumGetTimestampTz(get(row, CC_OCCURRED_AT)),
							 DatumGetTimestampTz(get(row, CC_REPORTED_AT)));
}

/* Columns gridgov maintains must arrive empty (or at their defaults). */
static void
check_maintained_columns(CaseRow *row)
{
	static const CaseCol must_be_null[] = {
		CC_CLOSED_AT, CC_SOLVED, CC_SATISFACTION, CC_MASTER, CC_HISTORY_HASH
	};
	/* 1.5.0: absent (attnum 0) in a schema not yet updated */
	static const CaseCol intake_sets[] = {CC_CATEGORY_BY, CC_LOCATED_BY, CC_ASSISTED};
	static const CaseCol must_be_zero[] = {
		CC_DISPATCHES, CC_RETURNS, CC_REWORKS, CC_REOPENS, CC_EXTENSIONS,
		CC_SUSPENSIONS, CC_ESCALATION_LEVEL, CC_EVENTS
	};
	size_t		i;

	for (i = 0; i < lengthof(must_be_null); i++)
		if (!is_null(row, must_be_null[i]))
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("column %s of a new case is set by gridgov", case_column_name(must_be_null[i])),
					 errdetail("It is filled in by workflow actions; leave it out of the INSERT.")));
	if (is_null(row, CC_SUPERVISED) || DatumGetBool(get(row, CC_SUPERVISED)))
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("column supervised of a new case is set by gridgov"),
				 errdetail("It is raised when a clock of the case is escalated; leave it out of the INSERT.")));
	for (i = 0; i < lengthof(intake_sets); i++)
		if (row->attnum[intake_sets[i]] != 0 && !is_null(row, intake_sets[i]))
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("column %s of a new case is set by gridgov", case_column_name(intake_sets[i])),
					 errdetail("Intake records in it how the case got its category and grid; leave it out of the INSERT.")));
	for (i = 0; i < lengthof(must_be_zero); i++)
		if (is_null(row, must_be_zero[i]) || DatumGetInt32(get(row, must_be_zero[i])) != 0)
			ereport(ERROR,
					(errcode(GG_MAINTAINED_COLUMN),
					 errmsg("column %s of a new case is set by gridgov", case_column_name(must_be_zero[i])),
					 errdetail("It counts workflow actions and starts at 0; leave it out of the INSERT.")));
}

/*
 * The category given, else the one assisted intake finds (a text model's, or
 * settings unclassified_category: intake_assist.c); category_by records
 * which (a schema before 1.5.0 has neither the column nor the setting).
 */
static char *
category_of(CaseRow *row, IntakeAssist *assist)
{
	char	   *code = get_text(row, CC_CATEGORY);
	const char *by = "caller";

	/* A schema before 1.5.0 has neither the column nor the text models. */
	if (code == NULL && row->attnum[CC_CATEGORY_BY] != 0)
	{
		char	   *source = DatumGetCString(DirectFunctionCall1(enum_out, get(row, CC_SOURCE)));

		code = (char *) intake_assist_category(source, get_text(row, CC_TITLE),
											   get_text(row, CC_DESCRIPTION), assist, &by);
		if (code != NULL)
			set(row, CC_CATEGORY, CStringGetTextDatum(code), false);
	}
	if (code == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a case needs a category"),
				 errdetail("No text model gave one with enough confidence, and settings unclassified_category has none for the case's source."),
				 errhint("Give a category code from gridgov.categories, e.g. E0102.")));
	if (row->attnum[CC_CATEGORY_BY] != 0)
		set(row, CC_CATEGORY_BY, CStringGetTextDatum(by), false);
	return code;
}

/* Category: must exist and be active; fills workflow, initial state, urgency. */
static void
apply_category(CaseRow *row, RefCategory *cat, IntakeAssist *assist)
{
	char	   *code = category_of(row, assist);
	const char *initial;
	char	   *workflow = get_text(row, CC_WORKFLOW);
	char	   *state = get_text(row, CC_STATE);

	*cat = *refcache_known_category(code);
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

/*
 * A case's place: its grid (located at `at` unless given; *has_grid tells
 * whether there is one) and its county (of the grid, else the given one,
 * else the home county).  The one rule of intake and gridgov.case_county().
 */
static GridCode
place_case(bool *has_grid, GridCode *grid, bool has_county, GridCode county_given,
		   bool has_location, double lon, double lat, TimestampTz at)
{
	GridCode	county;

	if (!*has_grid && has_location && locate_lonlat(lon, lat, at, grid))
		*has_grid = true;
	if (*has_grid)
	{
		if (gridcode_level(*grid) < GRIDCODE_LEVEL_COUNTY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a case's grid cannot be a province or city code"),
					 errdetail("A case's grid is a county, town, community or unit grid code.")));
		county = gridcode_truncate(*grid, 6);
	}
	else if (has_county)
		county = county_given;
	else if (!refcache_home_county(&county))
		ereport(ERROR,
				(errcode(GG_NO_COUNTY),
				 errmsg("the case lies outside every grid and no home county is configured"),
				 errhint("Set it once: UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county'.")));
	if (has_county && county_given != county)
		ereport(ERROR,
				(errcode(GG_MAINTAINED_COLUMN),
				 errmsg("county does not match the case's grid"),
				 errdetail("A case belongs to the county of its grid.")));
	if (gridcode_ndigits(county) != 6)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("county must be a 6-digit code")));
	return county;
}

/*
 * Grid (given, else located from the location, else from a place the words
 * name: intake_assist.c) and county (from the grid, else home county);
 * located_by records which.
 */
static void
apply_grid_and_county(CaseRow *row, bool has_location, double lon, double lat, IntakeAssist *assist)
{
	bool		has_grid = !is_null(row, CC_GRID);
	GridCode	grid = has_grid ? DatumGetGridCode(get(row, CC_GRID)) : 0;
	bool		had_grid = has_grid;
	const char *by = has_grid ? "grid" : NULL;
	GridCode	county;

	if (!has_grid && !has_location && row->attnum[CC_LOCATED_BY] != 0 &&
		intake_assist_place(get_text(row, CC_ADDRESS), get_text(row, CC_TITLE), get_text(row, CC_DESCRIPTION),
							!is_null(row, CC_COUNTY),
							is_null(row, CC_COUNTY) ? 0 : DatumGetGridCode(get(row, CC_COUNTY)),
							assist, &grid))
	{
		has_grid = true;
		by = "address";
	}
	county = place_case(&has_grid, &grid, !is_null(row, CC_COUNTY),
						is_null(row, CC_COUNTY) ? 0 : DatumGetGridCode(get(row, CC_COUNTY)),
						has_location, lon, lat, DatumGetTimestampTz(get(row, CC_REPORTED_AT)));
	if (has_grid && !had_grid)
		set(row, CC_GRID, GridCodeGetDatum(grid), false);
	set(row, CC_COUNTY, GridCodeGetDatum(county), false);
	if (has_grid && by == NULL)
		by = "point";
	if (row->attnum[CC_LOCATED_BY] != 0)
		set(row, CC_LOCATED_BY, by ? CStringGetTextDatum(by) : (Datum) 0, by == NULL);
}

/*
 * gridgov.case_county(location, coord_system, grid, reported_at): the county
 * intake gives a case of these values (for a client that must name it, as
 * on a Citus cluster, where the county routes the row).
 */
PG_FUNCTION_INFO_V1(gridgov_case_county);
Datum
gridgov_case_county(PG_FUNCTION_ARGS)
{
	bool		has_location = !PG_ARGISNULL(0);
	bool		has_grid = !PG_ARGISNULL(2);
	GridCode	grid = has_grid ? PG_GETARG_GRIDCODE(2) : 0;
	double		lon = 0.0;
	double		lat = 0.0;

	if (has_location)
	{
		char	   *system_name = PG_ARGISNULL(1) ? "wgs84" : text_to_cstring(PG_GETARG_TEXT_PP(1));

		locate_read_point(PG_GETARG_DATUM(0), "the case location", &lon, &lat);
		coord_to_wgs84(coord_system_from_name(system_name), &lon, &lat);
	}
	PG_RETURN_GRIDCODE(place_case(&has_grid, &grid, false, 0, has_location, lon, lat,
								  PG_ARGISNULL(3) ? GetCurrentTransactionStartTimestamp()
								  : PG_GETARG_TIMESTAMPTZ(3)));
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
	{
		refcache_check_department(DatumGetInt64(get(row, CC_DEPARTMENT)));
		return;
	}
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
	/* Rules as committed now, like the memo that keeps the answer (refcache.c). */
	PushActiveSnapshot(GetLatestSnapshot());
	result = FunctionCallInvoke(fcinfo);
	PopActiveSnapshot();
	if (fcinfo->isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("no department to route category \"%s\" to", category)));
	dept = DatumGetInt64(result);
	refcache_check_department(dept);
	if (!has_objcode)
		refcache_route_put(category, has_grid, grid, dept);
	set(row, CC_DEPARTMENT, Int64GetDatum(dept), false);
}

/* cases.assisted: what assisted intake inferred and why, when it sought anything. */
static void
apply_assisted(CaseRow *row, const IntakeAssist *assist)
{
	bool		isnull;
	Datum		value;

	if (row->attnum[CC_ASSISTED] == 0)
		return;
	value = intake_assist_jsonb(assist, &isnull);
	set(row, CC_ASSISTED, value, isnull);
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
 * The likely duplicate (duplicate.c), searched as the owner of the case
 * history: an intake role needs no SELECT on gridgov.cases.
 */
static void
apply_duplicate(Relation rel, CaseRow *row, bool has_location, double lon, double lat)
{
	DuplicateProbe probe;
	int64		master;

	if (!has_location || !is_null(row, CC_DUPLICATE) || duplicate_radius_m <= 0.0)
		return;
	probe.county = DatumGetGridCode(get(row, CC_COUNTY));
	probe.category = DatumGetTextPP(get(row, CC_CATEGORY));
	probe.at = DatumGetTimestampTz(get(row, CC_REPORTED_AT));
	probe.window = duplicate_window();
	probe.lon = lon;
	probe.lat = lat;
	probe.radius_m = duplicate_radius_m;
	if (duplicate_find(rel, &probe, owner_of_history(), &master))
		set(row, CC_DUPLICATE, Int64GetDatum(master), false);
}

/*
 * A case coming back from a dump (restore.c, docs/backup.md): complete (its
 * history counted, numbered, in a workflow state, in a county) and inserted
 * by the owner of gridgov.cases or a superuser, as pg_restore runs.  It is
 * let in as it is, its events and clocks arriving by their own COPY.  Anyone
 * else giving such a row meets check_maintained_columns().
 */
static bool
restored_case(Relation rel, CaseRow *row)
{
	if (is_null(row, CC_EVENTS) || DatumGetInt32(get(row, CC_EVENTS)) < 1 ||
		is_null(row, CC_COUNTY) || is_null(row, CC_CASE_NO) ||
		is_null(row, CC_WORKFLOW) || is_null(row, CC_STATE) ||
		!restore_allowed(rel->rd_rel->relowner))
		return false;
	restore_note_case(DatumGetGridCode(get(row, CC_COUNTY)), DatumGetInt64(get(row, CC_ID)));
	return true;
}

/*
 * A complete row of an imported case, inserted by gridgov.import_history()
 * (history_import.c), which has checked and completed it: kept as it is.
 */
static bool
imported_row(void)
{
	return history_import_inserting();
}

PG_FUNCTION_INFO_V1(gridgov_case_intake);
Datum
gridgov_case_intake(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "case_intake");
	CaseRow		row;
	RefCategory cat;
	IntakeAssist assist;
	double		lon = 0.0;
	double		lat = 0.0;
	bool		has_location;

	if (imported_row())
		return PointerGetDatum(td->tg_trigtuple);
	row_init(&row, td->tg_relation, td->tg_trigtuple);
	if (restored_case(td->tg_relation, &row))
		return PointerGetDatum(td->tg_trigtuple);
	load_functions(col_type(&row, CC_GRID));
	require(&row, CC_SOURCE);
	require(&row, CC_REPORTED_AT);
	case_time_check_future(DatumGetTimestampTz(get(&row, CC_REPORTED_AT)), "reported_at");
	check_occurred_at(&row);
	check_maintained_columns(&row);
	memset(&assist, 0, sizeof(assist));
	apply_category(&row, &cat, &assist);
	has_location = apply_location(&row, &lon, &lat);
	apply_grid_and_county(&row, has_location, lon, lat, &assist);
	apply_assisted(&row, &assist);
	apply_route(&row, cat.code);
	apply_case_no(&row);
	apply_duplicate(td->tg_relation, &row, has_location, lon, lat);
	set(&row, CC_EVENTS, Int32GetDatum(1), false);
	/* updated_at is the time of the latest event: the intake, at reported_at. */
	set(&row, CC_UPDATED_AT, get(&row, CC_REPORTED_AT), false);

	return PointerGetDatum(heap_modify_tuple(td->tg_trigtuple, row.desc,
											 row.values, row.nulls, row.replace));
}

/*
 * locate.c
 *		gridgov.locate(point [, at]) and the per-backend cache of the grid layer.
 *
 * Rule (documented in docs/grids.md): among the grid versions valid at `at`
 * that cover the point (interior or boundary, exactly as ST_Covers), take the
 * best by (1) special before general, (2) finer level first, (3) smaller code
 * first.  A point on an edge shared by two grids of equal precedence therefore
 * always gets the one with the smaller code.  When no grid covers the point,
 * the nearest grid within gridgov.locate_tolerance_m metres (distance to its
 * outline, local equirectangular metres, rounded to the millimetre) wins, ties
 * broken by the same rule;
 * farther away the answer is NULL.
 *
 * The cache (locate_index.c) holds every version of every grid.  It is built
 * lazily on first use, and dropped when a relcache invalidation for
 * gridgov.grids arrives — a statement trigger on the table sends one at every
 * change, delivered to other sessions at commit (the cache registry,
 * cache.h).  Pending invalidations are read once per statement, so another
 * session's committed change is used by this session's next statement.  If
 * the index would exceed gridgov.locate_cache_max_mb, it is not kept and
 * locate answers through gridgov.locate_reference() (plain PostGIS, same
 * rule) instead.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "gridcode.h"
#include "locate.h"
#include "plans.h"
#include "locate_index.h"
#include "pgis.h"
#include "sphere.h"
#include "wkb.h"

#define SRID_WGS84			4326

double		locate_tolerance_m = 50.0;
static int	locate_cache_max_mb = 256;

typedef struct LocateCache
{
	LocIndex   *idx;			/* NULL when not built or over the limit */
	bool		over_limit;		/* last build exceeded the memory bound */
	uint64		builds;
	double		last_build_ms;
	Size		last_memory;
	uint32	   *stamp;			/* per grid, for de-duplicating near candidates */
	uint32		stamp_now;
	LocalTransactionId checked_lxid;
	TimestampTz checked_stmt;
} LocateCache;

static LocateCache cache;

/* A candidate while choosing the answer. */
typedef struct LocChoice
{
	const LocIndex *idx;
	TimestampTz at;
	int32		best;
	double		best_distance;
	double		lon,
				lat,
				tolerance;
} LocChoice;

static const char *const locate_tables[] = {"grids", NULL};
static const CacheSpec locate_spec = {"grid index", locate_tables, NULL, false, false};
static int	locate_cache_id;

void
locate_init(void)
{
	DefineCustomRealVariable("gridgov.locate_tolerance_m",
							 "Distance in metres within which a point outside every grid gets the nearest grid.",
							 "Farther than this, gridgov.locate returns NULL. 0 disables the search.",
							 &locate_tolerance_m, 50.0, 0.0, 100000.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("gridgov.locate_cache_max_mb",
							"Largest in-memory grid index gridgov.locate keeps per backend, in MB.",
							"A larger layer is answered through plain PostGIS queries instead.",
							&locate_cache_max_mb, 256, 1, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_MB, NULL, NULL, NULL);
	locate_cache_id = cache_register(&locate_spec);
}

static Oid
grids_relation(void)
{
	Oid			nsp = get_namespace_oid("gridgov", false);
	Oid			relid = get_relname_relid("grids", nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table gridgov.grids does not exist"),
				 errhint("Is the gridgov extension installed in this database?")));
	return relid;
}

/* The backend's local transaction id (moved into vxid in PostgreSQL 17). */
#if PG_VERSION_NUM >= 170000
#define CURRENT_LXID	(MyProc->vxid.lxid)
#else
#define CURRENT_LXID	(MyProc->lxid)
#endif

/* Read pending invalidations once per statement (cheap when there are none). */
static void
accept_invalidations_once_per_statement(void)
{
	TimestampTz stmt = GetCurrentStatementStartTimestamp();

	if (cache.checked_lxid != CURRENT_LXID || cache.checked_stmt != stmt)
	{
		AcceptInvalidationMessages();
		cache.checked_lxid = CURRENT_LXID;
		cache.checked_stmt = stmt;
	}
}

/* Polygon rings of one grid's EWKB, added to the index. */
static void
add_ring_visitor(const WkbSeq *seq, void *arg)
{
	LocIndex   *idx = (LocIndex *) arg;
	double	   *xy;
	uint32		i;

	if (seq->geomtype != WKB_POLYGON && seq->geomtype != WKB_TRIANGLE)
		return;
	xy = palloc((Size) seq->npoints * 2 * sizeof(double));
	for (i = 0; i < seq->npoints; i++)
		wkb_seq_get(seq, i, &xy[2 * i], &xy[2 * i + 1]);
	locidx_add_ring(idx, xy, (int32) seq->npoints);
	pfree(xy);
}

static void
add_grid_row(LocIndex *idx, HeapTuple tuple, TupleDesc desc)
{
	bool		isnull[5];
	Datum		code = SPI_getbinval(tuple, desc, 1, &isnull[0]);
	Datum		special = SPI_getbinval(tuple, desc, 2, &isnull[1]);
	Datum		from = SPI_getbinval(tuple, desc, 3, &isnull[2]);
	Datum		to = SPI_getbinval(tuple, desc, 4, &isnull[3]);
	Datum		geom = SPI_getbinval(tuple, desc, 5, &isnull[4]);
	bytea	   *ewkb;

	if (isnull[0] || isnull[1] || isnull[2] || isnull[3] || isnull[4])
		return;					/* NOT NULL columns; defensive */
	ewkb = pgis_as_ewkb(geom);
	locidx_add_grid(idx, DatumGetGridCode(code), DatumGetBool(special),
					DatumGetTimestampTz(from), DatumGetTimestampTz(to));
	wkb_walk((uint8 *) VARDATA_ANY(ewkb), VARSIZE_ANY_EXHDR(ewkb), add_ring_visitor, idx, NULL);
	pfree(ewkb);
}

/*
 * Read every grid version into idx; false when the memory bound is exceeded.
 * *token: the cache's build token, taken when the grids are read.
 */
static bool
load_grids(LocIndex *idx, Size limit, uint64 *token)
{
	Portal		portal;
	bool		fits = true;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	portal = plans_cursor_open("SELECT code, kind = 'special', valid_from, valid_to, geom "
							   "FROM gridgov.grids ORDER BY code, valid_from");
	/* Invalidations seen up to here are older than the cursor's snapshot. */
	*token = cache_build_start(locate_cache_id);
	while (fits)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
			add_grid_row(idx, SPI_tuptable->vals[i], SPI_tuptable->tupdesc);
		SPI_freetuptable(SPI_tuptable);
		fits = locidx_memory(idx) <= limit;
	}
	SPI_cursor_close(portal);
	SPI_finish();
	return fits;
}

static void
locate_build(void)
{
	Size		limit = (Size) locate_cache_max_mb * 1024 * 1024;
	instr_time	start;
	instr_time	elapsed;
	LocIndex   *idx;
	bool		fits;
	uint64		token;

	/* The stamps live in the index's context and go with it. */
	if (cache.idx)
	{
		MemoryContextDelete(cache.idx->cxt);
		cache.idx = NULL;
	}
	cache.stamp = NULL;
	INSTR_TIME_SET_CURRENT(start);
	(void) grids_relation();
	idx = locidx_create(TopMemoryContext);
	PG_TRY();
	{
		fits = load_grids(idx, limit, &token);
		if (fits)
		{
			locidx_build(idx);
			fits = locidx_memory(idx) <= limit;
		}
	}
	PG_CATCH();
	{
		MemoryContextDelete(idx->cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	cache.last_memory = locidx_memory(idx);
	cache.over_limit = !fits;
	if (fits)
	{
		cache.idx = idx;
		cache.stamp = MemoryContextAllocZero(idx->cxt, Max(idx->ngrids, 1) * sizeof(uint32));
		cache.stamp_now = 0;
	}
	else
		MemoryContextDelete(idx->cxt);
	cache.builds++;
	cache_build_done(locate_cache_id, token);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	cache.last_build_ms = INSTR_TIME_GET_MILLISEC(elapsed);
}

/* The current index, (re)built when needed; NULL when the layer is over the limit. */
static LocIndex *
locate_index(void)
{
	accept_invalidations_once_per_statement();
	if (!cache_is_current(locate_cache_id))
		locate_build();
	return cache.idx;
}

static inline bool
valid_at(const LocGrid *g, TimestampTz at)
{
	return g->valid_from <= at && at < g->valid_to;
}

/* Whether grid a takes precedence over grid b. */
static inline bool
precedes(const LocGrid *a, const LocGrid *b)
{
	if (a->special != b->special)
		return a->special;
	if (a->level != b->level)
		return a->level > b->level;
	return a->code < b->code;
}

static void
consider_covering(int32 gi, void *arg)
{
	LocChoice  *ch = (LocChoice *) arg;
	const LocGrid *g = &ch->idx->grids[gi];

	if (!valid_at(g, ch->at))
		return;
	if (ch->best < 0 || precedes(g, &ch->idx->grids[ch->best]))
		ch->best = gi;
}

static void
consider_near(int32 gi, void *arg)
{
	LocChoice  *ch = (LocChoice *) arg;
	const LocGrid *g = &ch->idx->grids[gi];
	double		d;

	if (cache.stamp[gi] == cache.stamp_now || !valid_at(g, ch->at))
		return;
	cache.stamp[gi] = cache.stamp_now;
	/* Millimetres, so that equal distances (a shared vertex) tie exactly. */
	d = rint(locidx_distance_m(ch->idx, gi, ch->lon, ch->lat) * 1000.0) / 1000.0;
	if (d > ch->tolerance)
		return;
	if (ch->best < 0 || d < ch->best_distance ||
		(d == ch->best_distance && precedes(g, &ch->idx->grids[ch->best])))
	{
		ch->best = gi;
		ch->best_distance = d;
	}
}

static bool
locate_in_index(const LocIndex *idx, double lon, double lat, TimestampTz at, GridCode *code)
{
	LocChoice	ch = {idx, at, -1, 0.0, lon, lat, locate_tolerance_m};

	locidx_covering(idx, lon, lat, consider_covering, &ch);
	if (ch.best < 0 && locate_tolerance_m > 0.0 && fabs(lat) < 89.0)
	{
		double		dy = locate_tolerance_m / SPHERE_METRES_PER_DEGREE;
		double		dx = dy / cos(lat * M_PI / 180.0);

		if (++cache.stamp_now == 0)
		{
			memset(cache.stamp, 0, Max(idx->ngrids, 1) * sizeof(uint32));
			cache.stamp_now = 1;
		}
		locidx_near(idx, lon, lat, dx, dy, consider_near, &ch);
	}
	if (ch.best < 0)
		return false;
	*code = idx->grids[ch.best].code;
	return true;
}

/* The plain-PostGIS answer, for layers over the cache limit. */
static bool
locate_through_sql(double lon, double lat, TimestampTz at, GridCode *code)
{
	Oid			argtypes[3] = {pgis_geometry_type(), TIMESTAMPTZOID, FLOAT8OID};
	Datum		values[3] = {pgis_make_point(lon, lat, SRID_WGS84), TimestampTzGetDatum(at),
		Float8GetDatum(locate_tolerance_m)};
	bool		found = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plans_run("SELECT gridgov.locate_reference($1, $2, $3)", 3, argtypes, values, NULL,
			  true, 1, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			*code = DatumGetGridCode(d);
			found = true;
		}
	}
	SPI_finish();
	return found;
}

bool
locate_lonlat(double lon, double lat, TimestampTz at, GridCode *code)
{
	LocIndex   *idx = locate_index();

	if (idx == NULL)
		return locate_through_sql(lon, lat, at, code);
	return locate_in_index(idx, lon, lat, at, code);
}

static void
point_visitor(const WkbSeq *seq, void *arg)
{
	double	   *xy = (double *) arg;

	wkb_seq_get(seq, 0, &xy[0], &xy[1]);
}

static const char *
wkb_type_name(int type)
{
	static const char *const names[] = {
		"Unknown", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
		"MultiPolygon", "GeometryCollection", "CircularString", "CompoundCurve",
		"CurvePolygon", "MultiCurve", "MultiSurface", "Curve", "Surface",
		"PolyhedralSurface", "TIN", "Triangle"
	};

	return (type >= 0 && type <= WKB_TRIANGLE) ? names[type] : "Unknown";
}

void
locate_read_point(Datum geometry, const char *what, double *lon, double *lat)
{
	bytea	   *ewkb = pgis_as_ewkb(geometry);
	WkbInfo		info;
	double		xy[2] = {0.0, 0.0};

	wkb_walk((uint8 *) VARDATA_ANY(ewkb), VARSIZE_ANY_EXHDR(ewkb), point_visitor, xy, &info);
	if (info.type != WKB_POINT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a point, not a %s", what, wkb_type_name(info.type))));
	if (info.empty)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is an empty point", what)));
	if (!isfinite(xy[0]) || !isfinite(xy[1]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has a non-finite coordinate", what),
				 errdetail("Coordinates must be finite numbers, not NaN or infinity.")));
	if (info.has_srid && info.srid != 0 && info.srid != SRID_WGS84)
	{
		pfree(ewkb);
		locate_read_point(pgis_transform(geometry, SRID_WGS84), what, lon, lat);
		return;
	}
	if (xy[0] < -180.0 || xy[0] > 180.0 || xy[1] < -90.0 || xy[1] > 90.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s (%g %g) is not a WGS-84 longitude/latitude", what, xy[0], xy[1]),
				 errhint("Give SRID 4326 coordinates, or set the point's SRID so that it can be transformed.")));
	*lon = xy[0];
	*lat = xy[1];
	pfree(ewkb);
}

PG_FUNCTION_INFO_V1(gridgov_locate);
Datum
gridgov_locate(PG_FUNCTION_ARGS)
{
	double		lon;
	double		lat;
	GridCode	code;
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);

	locate_read_point(PG_GETARG_DATUM(0), "the point to locate", &lon, &lat);
	if (!locate_lonlat(lon, lat, at, &code))
		PG_RETURN_NULL();
	PG_RETURN_GRIDCODE(code);
}

PG_FUNCTION_INFO_V1(gridgov_locate_cache_stats);
Datum
gridgov_locate_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[10];
	bool		nulls[10] = {false};
	LocIndex   *idx;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	idx = locate_index();
	values[0] = BoolGetDatum(idx != NULL);
	values[1] = Int32GetDatum(idx ? idx->ngrids : 0);
	values[2] = Int32GetDatum(idx ? idx->nrings : 0);
	values[3] = Int64GetDatum(idx ? idx->npoints : 0);
	values[4] = Int64GetDatum(idx ? (int64) idx->ncols * idx->nrows : 0);
	values[5] = Int64GetDatum(idx ? idx->nentries : 0);
	values[6] = Int64GetDatum((int64) cache.last_memory);
	values[7] = Int64GetDatum((int64) locate_cache_max_mb * 1024 * 1024);
	values[8] = Int64GetDatum((int64) cache.builds);
	values[9] = Float8GetDatum(cache.last_build_ms);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/*
 * coords.c
 *		WGS-84 ↔ GCJ-02 ↔ BD-09 (and CGCS2000) for points and whole geometries.
 *
 * GCJ-02 is WGS-84 plus an offset given by the public "eviltransform" /
 * "coordtransform" formulas on the Krasovsky ellipsoid (a = 6378245.0,
 * ee = 0.00669342162296594323).  BD-09 is GCJ-02 plus Baidu's second offset
 * (x_pi = π·3000/180, shifts 0.0065 / 0.006).  Neither has a closed-form
 * inverse: the inverses are fixed-point iterations, stopped when a step moves
 * the point by at most COORD_ITER_TOL degrees or after COORD_ITER_MAX steps.
 * Offsets apply only inside the China box (coords.h), tested on the WGS-84
 * side in both directions.  See docs/coordinates.md for the derivation and the
 * measured accuracy.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "coords.h"
#include "pgis.h"
#include "wkb.h"

/* GCJ-02 constants (Krasovsky 1940 ellipsoid). */
#define GCJ_A		6378245.0
#define GCJ_EE		0.00669342162296594323

/* BD-09 constants. */
#define BD_X_PI		(M_PI * 3000.0 / 180.0)
#define BD_DLON		0.0065
#define BD_DLAT		0.006

/*
 * Inverse iteration: stop when a step moves the point by at most this many
 * degrees in both axes; the error left is then about 1e-3 of that.  Over the
 * box, GCJ-02 needs at most 5 steps and BD-09 at most 3 (docs/coordinates.md);
 * the bound only guards the loop.
 */
#define COORD_ITER_TOL	1e-9
#define COORD_ITER_MAX	20

/*
 * The inverses only search for a preimage inside the box when the input lies
 * within this margin of the box: the offsets never exceed 0.03°, so beyond it
 * no point of the box can map there.
 */
#define COORD_BOX_MARGIN	0.1

/*
 * An inverse result counts as inside the box when it is inside the box grown
 * by this slack, so that points exactly on an edge round-trip despite the
 * iteration's last-digit error (about 1e-11°).
 */
#define COORD_BOX_SLACK		1e-8

/* EWKB flag: the root header carries an SRID. */
#define EWKB_SRID_FLAG	0x20000000u

/* Names echoed in errors are clipped to this many bytes. */
#define COORD_ECHO_MAX	40

#define COORD_VALID_NAMES_TEXT "wgs84, gcj02, bd09 and cgcs2000"

typedef struct CoordName
{
	const char *name;
	CoordSystem sys;
} CoordName;

/* Canonical names first (indexed by CoordSystem), then aliases. */
static const CoordName coord_names[] = {
	{"wgs84", COORD_WGS84},
	{"gcj02", COORD_GCJ02},
	{"bd09", COORD_BD09},
	{"cgcs2000", COORD_CGCS2000},
	{"wgs-84", COORD_WGS84},
	{"wgs84ll", COORD_WGS84},
	{"epsg:4326", COORD_WGS84},
	{"gcj-02", COORD_GCJ02},
	{"gcj02ll", COORD_GCJ02},
	{"bd-09", COORD_BD09},
	{"bd09ll", COORD_BD09},
	{"cgcs-2000", COORD_CGCS2000},
	{"epsg:4490", COORD_CGCS2000},
};

/* ASCII only: C literals are not converted to the database encoding. */
static const char *const coord_descriptions[COORD_NSYSTEMS] = {
	"WGS-84 longitude/latitude (EPSG:4326): GPS receivers, OpenStreetMap, international maps; what gridgov stores",
	"GCJ-02 (\"Mars coordinates\"): Amap/AutoNavi, Tencent and Google Maps inside China; WGS-84 plus an offset of a few hundred metres inside the box",
	"BD-09 longitude/latitude (Baidu's bd09ll): Baidu Maps; GCJ-02 plus a second offset of about 0.9 km inside the box",
	"CGCS2000 (EPSG:4490), China's national geodetic system since 2008; equal to WGS-84 within centimetres, so only the SRID changes",
};

/* ---------------------------------------------------------------------------
 * Names and SRIDs
 * ---------------------------------------------------------------------------
 */

static char *
coord_name_echo(const char *name)
{
	int			len = strlen(name);
	int			cut;

	if (len <= COORD_ECHO_MAX)
		return pstrdup(name);
	cut = pg_mbcliplen(name, len, COORD_ECHO_MAX);
	return psprintf("%.*s...", cut, name);
}

CoordSystem
coord_system_from_name(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(coord_names); i++)
		if (pg_strcasecmp(name, coord_names[i].name) == 0)
			return coord_names[i].sys;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown coordinate system \"%s\"", coord_name_echo(name)),
			 errdetail("Valid coordinate systems are " COORD_VALID_NAMES_TEXT
					   ", in any letter case; gridgov.coord_systems() lists their aliases."),
			 pg_strcasecmp(name, "bd09mc") == 0 ?
			 errhint("Baidu Mercator metres (bd09mc) are not supported: request bd09ll longitude/latitude from Baidu's API.") : 0));
	return COORD_WGS84;			/* keep compiler quiet */
}

const char *
coord_system_name(CoordSystem sys)
{
	return coord_names[sys].name;
}

int32
coord_system_srid(CoordSystem sys)
{
	return sys == COORD_CGCS2000 ? COORD_SRID_CGCS2000 : COORD_SRID_WGS84;
}

/* ---------------------------------------------------------------------------
 * Point checks and the box
 * ---------------------------------------------------------------------------
 */

static void
coord_check_point(double lon, double lat)
{
	if (!isfinite(lon) || !isfinite(lat))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coordinate (%g %g) is not finite", lon, lat),
				 errdetail("Longitude and latitude must be finite numbers; only an empty point may hold NaN.")));
	if (lon < -180.0 || lon > 180.0 || lat < -90.0 || lat > 90.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coordinate (%.15g %.15g) is out of range for longitude/latitude",
						lon, lat),
				 errdetail("Longitude must lie in [-180, 180] and latitude in [-90, 90] degrees."),
				 errhint("If the coordinates are projected (for example metres), ST_Transform the geometry to SRID 4326 first.")));
}

static inline bool
in_box_grown(double lon, double lat, double by)
{
	return lon >= COORD_BOX_LON_MIN - by && lon <= COORD_BOX_LON_MAX + by &&
		lat >= COORD_BOX_LAT_MIN - by && lat <= COORD_BOX_LAT_MAX + by;
}

/* ---------------------------------------------------------------------------
 * GCJ-02
 * ---------------------------------------------------------------------------
 */

/* The GCJ-02 offset (degrees) of a WGS-84 point; defined everywhere. */
static inline void
gcj_offset(double lon, double lat, double *dlon, double *dlat)
{
	double		x = lon - 105.0;
	double		y = lat - 35.0;
	double		common = (20.0 * sin(6.0 * x * M_PI) + 20.0 * sin(2.0 * x * M_PI)) * 2.0 / 3.0;
	double		tlat;
	double		tlon;
	double		radlat;
	double		magic;
	double		sqrtmagic;

	tlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
	tlat += common;
	tlat += (20.0 * sin(y * M_PI) + 40.0 * sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
	tlat += (160.0 * sin(y / 12.0 * M_PI) + 320.0 * sin(y * M_PI / 30.0)) * 2.0 / 3.0;

	tlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
	tlon += common;
	tlon += (20.0 * sin(x * M_PI) + 40.0 * sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
	tlon += (150.0 * sin(x / 12.0 * M_PI) + 300.0 * sin(x / 30.0 * M_PI)) * 2.0 / 3.0;

	radlat = lat / 180.0 * M_PI;
	magic = sin(radlat);
	magic = 1.0 - GCJ_EE * magic * magic;
	sqrtmagic = sqrt(magic);
	*dlat = (tlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * M_PI);
	*dlon = (tlon * 180.0) / (GCJ_A / sqrtmagic * cos(radlat) * M_PI);
}

/* The WGS-84 point whose GCJ-02 image is (glon, glat), ignoring the box. */
static void
gcj_inverse(double glon, double glat, double *lon, double *lat)
{
	double		wlon = glon;
	double		wlat = glat;
	int			i;

	for (i = 0; i < COORD_ITER_MAX; i++)
	{
		double		dlon;
		double		dlat;
		double		nlon;
		double		nlat;
		bool		done;

		gcj_offset(wlon, wlat, &dlon, &dlat);
		nlon = glon - dlon;
		nlat = glat - dlat;
		done = fabs(nlon - wlon) <= COORD_ITER_TOL && fabs(nlat - wlat) <= COORD_ITER_TOL;
		wlon = nlon;
		wlat = nlat;
		if (done)
			break;
	}
	*lon = wlon;
	*lat = wlat;
}

/* ---------------------------------------------------------------------------
 * BD-09 (from and to GCJ-02)
 * ---------------------------------------------------------------------------
 */

static inline void
bd_forward(double glon, double glat, double *blon, double *blat)
{
	double		z = sqrt(glon * glon + glat * glat) + 0.00002 * sin(glat * BD_X_PI);
	double		theta = atan2(glat, glon) + 0.000003 * cos(glon * BD_X_PI);

	*blon = z * cos(theta) + BD_DLON;
	*blat = z * sin(theta) + BD_DLAT;
}

/*
 * The GCJ-02 point whose BD-09 image is (blon, blat): the usual closed-form
 * approximation (about 2e-6° off), refined by fixed-point iteration.
 */
static void
bd_inverse(double blon, double blat, double *glon, double *glat)
{
	double		x = blon - BD_DLON;
	double		y = blat - BD_DLAT;
	double		z = sqrt(x * x + y * y) - 0.00002 * sin(y * BD_X_PI);
	double		theta = atan2(y, x) - 0.000003 * cos(x * BD_X_PI);
	double		gx = z * cos(theta);
	double		gy = z * sin(theta);
	int			i;

	for (i = 0; i < COORD_ITER_MAX; i++)
	{
		double		fx;
		double		fy;
		double		nx;
		double		ny;
		bool		done;

		bd_forward(gx, gy, &fx, &fy);
		nx = gx + (blon - fx);
		ny = gy + (blat - fy);
		done = fabs(nx - gx) <= COORD_ITER_TOL && fabs(ny - gy) <= COORD_ITER_TOL;
		gx = nx;
		gy = ny;
		if (done)
			break;
	}
	*glon = gx;
	*glat = gy;
}

/* ---------------------------------------------------------------------------
 * Per-point API
 * ---------------------------------------------------------------------------
 */

void
coord_from_wgs84(CoordSystem to, double *lon, double *lat)
{
	double		dlon;
	double		dlat;

	coord_check_point(*lon, *lat);
	if (to == COORD_WGS84 || to == COORD_CGCS2000)
		return;
	if (!in_box_grown(*lon, *lat, 0.0))
		return;
	gcj_offset(*lon, *lat, &dlon, &dlat);
	*lon += dlon;
	*lat += dlat;
	if (to == COORD_BD09)
		bd_forward(*lon, *lat, lon, lat);
}

void
coord_to_wgs84(CoordSystem from, double *lon, double *lat)
{
	double		glon = *lon;
	double		glat = *lat;
	double		wlon;
	double		wlat;

	coord_check_point(*lon, *lat);
	if (from == COORD_WGS84 || from == COORD_CGCS2000)
		return;
	if (!in_box_grown(*lon, *lat, COORD_BOX_MARGIN))
		return;
	if (from == COORD_BD09)
		bd_inverse(*lon, *lat, &glon, &glat);
	gcj_inverse(glon, glat, &wlon, &wlat);

	/*
	 * Only a preimage inside the box is a preimage at all (the forward
	 * transform leaves outside points alone); otherwise the input was never
	 * offset and stays as it is.
	 */
	if (in_box_grown(wlon, wlat, COORD_BOX_SLACK))
	{
		*lon = wlon;
		*lat = wlat;
	}
}

/* ---------------------------------------------------------------------------
 * Geometries through EWKB
 * ---------------------------------------------------------------------------
 */

typedef struct CoordWalk
{
	CoordSystem sys;
	bool		to_wgs84;
} CoordWalk;

static void
convert_sequence(const WkbSeq *seq, void *arg)
{
	const CoordWalk *walk = (const CoordWalk *) arg;
	uint32		i;

	for (i = 0; i < seq->npoints; i++)
	{
		double		x;
		double		y;

		wkb_seq_get(seq, i, &x, &y);
		if (walk->to_wgs84)
			coord_to_wgs84(walk->sys, &x, &y);
		else
			coord_from_wgs84(walk->sys, &x, &y);
		wkb_seq_set(seq, i, x, y);
	}
}

static void
check_input_srid(int32 srid, CoordSystem sys, bool to_wgs84)
{
	int32		expected = to_wgs84 ? coord_system_srid(sys) : COORD_SRID_WGS84;

	if (srid == 0 || srid == expected)
		return;
	if (to_wgs84)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot convert a geometry with SRID %d from %s",
						srid, coord_system_name(sys)),
				 errdetail("Input in %s must have SRID 0 or %d (longitude/latitude).",
						   coord_system_name(sys), expected),
				 errhint("Transform it to longitude/latitude first: ST_Transform(geom, %d).",
						 expected)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot convert a geometry with SRID %d to %s",
					srid, coord_system_name(sys)),
			 errdetail("Input to from_wgs84 must be WGS-84 longitude/latitude with SRID 0 or 4326."),
			 errhint("Transform it first: ST_Transform(geom, 4326).")));
}

static inline bool
machine_is_little_endian(void)
{
#ifdef WORDS_BIGENDIAN
	return false;
#else
	return true;
#endif
}

static uint32
get_uint32(const uint8 *p, bool little_endian)
{
	uint32		v;

	memcpy(&v, p, sizeof(v));
	return little_endian == machine_is_little_endian() ? v : pg_bswap32(v);
}

static void
put_uint32(uint8 *p, uint32 v, bool little_endian)
{
	if (little_endian != machine_is_little_endian())
		v = pg_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

/*
 * EWKB with the root's SRID set: overwritten in place when the root carries
 * one, else a new buffer with the SRID flag and field inserted after the type.
 * The root header is: byte order (1), type with flags (4), SRID (4) if flagged.
 */
static bytea *
ewkb_with_srid(bytea *ewkb, bool has_srid, int32 srid)
{
	uint8	   *data = (uint8 *) VARDATA_ANY(ewkb);
	size_t		len = VARSIZE_ANY_EXHDR(ewkb);
	bool		little = data[0] == 1;
	bytea	   *out;
	uint8	   *odata;

	if (has_srid)
	{
		put_uint32(data + 5, (uint32) srid, little);
		return ewkb;
	}
	out = (bytea *) palloc(VARHDRSZ + len + 4);
	SET_VARSIZE(out, VARHDRSZ + len + 4);
	odata = (uint8 *) VARDATA(out);
	odata[0] = data[0];
	put_uint32(odata + 1, get_uint32(data + 1, little) | EWKB_SRID_FLAG, little);
	put_uint32(odata + 5, (uint32) srid, little);
	memcpy(odata + 9, data + 5, len - 5);
	return out;
}

static Datum
convert_geometry(Datum geometry, CoordSystem sys, bool to_wgs84)
{
	bytea	   *ewkb = pgis_as_ewkb(geometry);
	uint8	   *data = (uint8 *) VARDATA_ANY(ewkb);
	size_t		len = VARSIZE_ANY_EXHDR(ewkb);
	CoordWalk	walk = {sys, to_wgs84};
	WkbInfo		info;
	bytea	   *out;
	Datum		result;

	/* A first pass reads the header (SRID) and checks the structure. */
	wkb_walk(data, len, NULL, NULL, &info);
	check_input_srid(info.has_srid ? info.srid : 0, sys, to_wgs84);
	if (!info.empty)
		wkb_walk(data, len, convert_sequence, &walk, NULL);
	out = ewkb_with_srid(ewkb, info.has_srid,
						 to_wgs84 ? COORD_SRID_WGS84 : coord_system_srid(sys));
	result = pgis_from_ewkb(out);
	if (out != ewkb)
		pfree(out);
	pfree(ewkb);
	return result;
}

Datum
coord_geometry_to_wgs84(Datum geometry, CoordSystem from)
{
	return convert_geometry(geometry, from, true);
}

Datum
coord_geometry_from_wgs84(Datum geometry, CoordSystem to)
{
	return convert_geometry(geometry, to, false);
}

/* ---------------------------------------------------------------------------
 * SQL-callable functions
 * ---------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(coords_to_wgs84);
PG_FUNCTION_INFO_V1(coords_from_wgs84);
PG_FUNCTION_INFO_V1(coords_systems);

/* gridgov.to_wgs84(geometry, from_system text) → geometry */
Datum
coords_to_wgs84(PG_FUNCTION_ARGS)
{
	CoordSystem sys = coord_system_from_name(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	PG_RETURN_DATUM(coord_geometry_to_wgs84(PG_GETARG_DATUM(0), sys));
}

/* gridgov.from_wgs84(geometry, to_system text) → geometry */
Datum
coords_from_wgs84(PG_FUNCTION_ARGS)
{
	CoordSystem sys = coord_system_from_name(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	PG_RETURN_DATUM(coord_geometry_from_wgs84(PG_GETARG_DATUM(0), sys));
}

static Datum
aliases_of(CoordSystem sys)
{
	Datum		elems[lengthof(coord_names)];
	int			n = 0;
	int			i;

	for (i = COORD_NSYSTEMS; i < (int) lengthof(coord_names); i++)
		if (coord_names[i].sys == sys)
			elems[n++] = CStringGetTextDatum(coord_names[i].name);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * gridgov.coord_systems() → (name, aliases, srid, description, lon_min,
 * lat_min, lon_max, lat_max): one row per system, the box NULL where no
 * offset applies.
 */
Datum
coords_systems(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			s;

	InitMaterializedSRF(fcinfo, 0);
	for (s = 0; s < COORD_NSYSTEMS; s++)
	{
		CoordSystem sys = (CoordSystem) s;
		bool		offset = (sys == COORD_GCJ02 || sys == COORD_BD09);
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, !offset, !offset, !offset, !offset};

		values[0] = CStringGetTextDatum(coord_system_name(sys));
		values[1] = aliases_of(sys);
		values[2] = Int32GetDatum(coord_system_srid(sys));
		values[3] = CStringGetTextDatum(coord_descriptions[sys]);
		values[4] = Float8GetDatum(COORD_BOX_LON_MIN);
		values[5] = Float8GetDatum(COORD_BOX_LAT_MIN);
		values[6] = Float8GetDatum(COORD_BOX_LON_MAX);
		values[7] = Float8GetDatum(COORD_BOX_LAT_MAX);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * sphere.h
 *		gridgov's constants and measures on the sphere (sphere.c): the one
 *		metres-per-degree factor, and great-circle distances as PostGIS measures
 *		them on geography with use_spheroid = false.
 *
 * Two radii meet here, on purpose:
 *   - SPHERE_METRES_PER_DEGREE is the length of one degree of a great circle
 *     on the sphere of radius 6,371,008.8 m (the IUGG mean radius, rounded):
 *     locate's metric (a local equirectangular projection, locate.c,
 *     locate_index.c, gridgov.locate_reference()) and every box in degrees
 *     around a circle in metres.  SQL reads it as gridgov.metres_per_degree().
 *   - SPHERE_POSTGIS_RADIUS_M is the sphere PostGIS measures a WGS-84
 *     geography on when asked for a spherical answer: the mean radius
 *     (2a + b) / 3 of the WGS-84 ellipsoid, 6,371,008.7714 m.  The
 *     likely-duplicate rule (docs/cases.md) is defined by that distance.
 * They differ by 3e-9 (relative): 0.3 µm per 100 m.
 *
 * The hotspot analytics (084) use ellipsoidal factors of their own (metres
 * per degree of latitude and of longitude on the WGS-84 ellipsoid at a
 * latitude), which are a different quantity and stay there.
 */
#ifndef GRIDGOV_SPHERE_H
#define GRIDGOV_SPHERE_H

#include "postgres.h"

/* Metres per degree of a great circle on the sphere of radius 6,371,008.8 m. */
#define SPHERE_METRES_PER_DEGREE	111195.0797

/* The WGS-84 ellipsoid: semi-major axis and inverse flattening. */
#define SPHERE_WGS84_A				6378137.0
#define SPHERE_WGS84_RF				298.257223563

/* PostGIS's sphere for WGS-84 (use_spheroid = false): (2a + b) / 3. */
#define SPHERE_POSTGIS_RADIUS_M \
	((2.0 * SPHERE_WGS84_A + SPHERE_WGS84_A * (1.0 - 1.0 / SPHERE_WGS84_RF)) / 3.0)

/*
 * The great-circle distance in metres from (lon1, lat1) to (lon2, lat2),
 * degrees, on PostGIS's sphere: what ST_DWithin(a::geography, b::geography,
 * r, false) compares with r (a the first point), to the last bit when PostGIS
 * measures the pair directly.  Coordinates outside the WGS-84 ranges are
 * wrapped as PostGIS wraps them.
 */
extern double sphere_distance_m(double lon1, double lat1, double lon2, double lat2);

/*
 * A distance as ST_Distance(geography, geography, false) reports it:
 * rounded to 1e-8 m.
 */
extern double sphere_reported_m(double distance_m);

/* A box in degrees: one or two longitude ranges (two across the antimeridian). */
typedef struct SphereBox
{
	int			nlon;
	double		lon_lo[2];
	double		lon_hi[2];
	double		lat_lo;
	double		lat_hi;
} SphereBox;

/*
 * The box holding every point within radius_m metres (PostGIS's sphere) of
 * (lon, lat): latitudes clipped at the poles; all longitudes when the circle
 * holds a pole; split in two when it crosses the antimeridian.  It is made
 * larger by a millionth and a few millimetres, so that rounding never leaves
 * out a point whose distance is within radius_m.
 */
extern void sphere_circle_box(double lon, double lat, double radius_m, SphereBox *box);

#endif							/* GRIDGOV_SPHERE_H */

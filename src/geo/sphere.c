/*
 * sphere.c
 *		Measures on the sphere; see sphere.h.
 *
 * The distance is the great-circle angle by the atan2 form of Vincenty's
 * formula (well conditioned from coincident to antipodal points), computed
 * in the order PostGIS computes it for two points on a sphere, so that a
 * distance compared with a radius here is the one ST_DWithin compares.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "sphere.h"

/* The circle's box is made larger by this much (relative) and these radians. */
#define BOX_RELATIVE_SLACK	1e-6
#define BOX_ABSOLUTE_SLACK	1e-9	/* radians: 6 mm on the earth */

PG_FUNCTION_INFO_V1(gridgov_metres_per_degree);
Datum
gridgov_metres_per_degree(PG_FUNCTION_ARGS pg_attribute_unused())
{
	PG_RETURN_FLOAT8(SPHERE_METRES_PER_DEGREE);
}

static double
radians(double degrees)
{
	return M_PI * degrees / 180.0;
}

/* An angle in radians, wrapped into (-pi, pi]. */
static double
wrap_angle(double a)
{
	if (a > 2.0 * M_PI || a < -2.0 * M_PI)
		a = remainder(a, 2.0 * M_PI);
	if (a > M_PI)
		a -= 2.0 * M_PI;
	else if (a <= -M_PI)
		a += 2.0 * M_PI;
	return a;
}

/* A latitude in radians, folded over the poles into [-pi/2, pi/2]. */
static double
fold_latitude(double lat)
{
	lat = wrap_angle(lat);
	if (lat > M_PI_2)
		return M_PI - lat;
	if (lat < -M_PI_2)
		return -M_PI - lat;
	return lat;
}

double
sphere_distance_m(double lon1, double lat1, double lon2, double lat2)
{
	double		phi1 = fold_latitude(radians(lat1));
	double		phi2 = fold_latitude(radians(lat2));
	double		dlon = wrap_angle(radians(lon2)) - wrap_angle(radians(lon1));
	double		cos_dlon = cos(dlon);
	double		sin1 = sin(phi1);
	double		cos1 = cos(phi1);
	double		sin2 = sin(phi2);
	double		cos2 = cos(phi2);
	double		east = cos2 * sin(dlon);
	double		north = cos1 * sin2 - sin1 * cos2 * cos_dlon;
	double		along = sin1 * sin2 + cos1 * cos2 * cos_dlon;

	return SPHERE_POSTGIS_RADIUS_M * atan2(sqrt(east * east + north * north), along);
}

double
sphere_reported_m(double distance_m)
{
	return round(distance_m * 1e8) / 1e8;
}

void
sphere_circle_box(double lon, double lat, double radius_m, SphereBox *box)
{
	double		angle = radius_m / SPHERE_POSTGIS_RADIUS_M * (1.0 + BOX_RELATIVE_SLACK) + BOX_ABSOLUTE_SLACK;
	double		dlat = angle * (180.0 / M_PI);
	double		reach;
	double		dlon;

	box->lat_lo = Max(lat - dlat, -90.0);
	box->lat_hi = Min(lat + dlat, 90.0);
	box->nlon = 1;
	box->lon_lo[0] = -180.0;
	box->lon_hi[0] = 180.0;
	/* A circle holding a pole, or reaching half way round, spans every longitude. */
	reach = sin(Min(angle, M_PI_2)) / cos(radians(lat));
	if (lat + dlat >= 90.0 || lat - dlat <= -90.0 || !(reach < 1.0))
		return;
	dlon = asin(reach) * (180.0 / M_PI) + 1e-9;
	if (dlon >= 180.0)
		return;
	box->lon_lo[0] = lon - dlon;
	box->lon_hi[0] = lon + dlon;
	if (box->lon_lo[0] < -180.0)
	{
		box->nlon = 2;
		box->lon_lo[1] = box->lon_lo[0] + 360.0;
		box->lon_hi[1] = 180.0;
		box->lon_lo[0] = -180.0;
	}
	else if (box->lon_hi[0] > 180.0)
	{
		box->nlon = 2;
		box->lon_lo[1] = -180.0;
		box->lon_hi[1] = box->lon_hi[0] - 360.0;
		box->lon_hi[0] = 180.0;
	}
}

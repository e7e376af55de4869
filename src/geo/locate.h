/*
 * locate.h
 *		gridgov.locate(): the grid of a point, for SQL and for the C intake
 *		trigger.
 */
#ifndef GRIDGOV_LOCATE_H
#define GRIDGOV_LOCATE_H

#include "postgres.h"
#include "datatype/timestamp.h"

#include "gridcode.h"

/* GUC gridgov.locate_tolerance_m */
extern double locate_tolerance_m;

/* Register GUCs and the relcache callback; called from _PG_init. */
extern void locate_init(void);

/*
 * The grid of the WGS-84 point (lon, lat) at time at, by the documented rule;
 * false when no grid covers it or lies within the tolerance.
 */
extern bool locate_lonlat(double lon, double lat, TimestampTz at, GridCode *code);

/*
 * Read a point geometry as WGS-84 lon/lat: SRID 4326 or 0 as is, other SRIDs
 * through ST_Transform; non-points, empty points and non-finite coordinates
 * raise 22023.  what names the argument in messages.
 */
extern void locate_read_point(Datum geometry, const char *what, double *lon, double *lat);

#endif							/* GRIDGOV_LOCATE_H */

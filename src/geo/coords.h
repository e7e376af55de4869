/*
 * coords.h
 *		Chinese map coordinate systems: WGS-84, GCJ-02 ("Mars coordinates",
 *		Amap/Tencent), BD-09 (Baidu) and CGCS2000, converted to and from WGS-84.
 *
 * The per-point functions work on doubles in place, allocate nothing and are
 * what per-row C code (the case intake trigger, locate) calls.  The geometry
 * functions rewrite every X/Y of any geometry type through EWKB (pgis.h,
 * wkb.h) and apply the SRID rules below.  See docs/coordinates.md.
 *
 * Rules shared by all entry points:
 *	- Offsets apply inside the box COORD_BOX_* (WGS-84 degrees, edges
 *	  included); other points are returned unchanged.  The box is tested on the
 *	  WGS-84 side in both directions, so every WGS-84 point inside the box
 *	  round-trips.
 *	- A coordinate that is NaN or infinite, or a longitude outside [-180, 180]
 *	  or a latitude outside [-90, 90], raises 22023.
 *	- SRIDs: WGS-84, GCJ-02 and BD-09 map to 4326 (GCJ-02 and BD-09 data are
 *	  conventionally stored as 4326), CGCS2000 to 4490.
 */
#ifndef GRIDGOV_COORDS_H
#define GRIDGOV_COORDS_H

#include "postgres.h"
#include "fmgr.h"

typedef enum CoordSystem
{
	COORD_WGS84,
	COORD_GCJ02,
	COORD_BD09,
	COORD_CGCS2000
} CoordSystem;

#define COORD_NSYSTEMS		4

/* The "China box" inside which the GCJ-02 / BD-09 offsets apply. */
#define COORD_BOX_LON_MIN	72.004
#define COORD_BOX_LON_MAX	137.8347
#define COORD_BOX_LAT_MIN	0.8293
#define COORD_BOX_LAT_MAX	55.8271

/* SRIDs. */
#define COORD_SRID_WGS84	4326
#define COORD_SRID_CGCS2000	4490

/*
 * System from its name, case-insensitively: wgs84, gcj02, bd09, cgcs2000 and
 * the aliases wgs-84, gcj-02, bd-09, cgcs-2000, wgs84ll, gcj02ll, bd09ll
 * (Baidu's coordtype names), epsg:4326, epsg:4490.  Unknown → 22023.
 */
extern CoordSystem coord_system_from_name(const char *name);

/* Canonical name ("gcj02") and SRID (4326 or 4490) of a system. */
extern const char *coord_system_name(CoordSystem sys);
extern int32 coord_system_srid(CoordSystem sys);

/* Convert one point in place, longitude first; 22023 on bad coordinates. */
extern void coord_to_wgs84(CoordSystem from, double *lon, double *lat);
extern void coord_from_wgs84(CoordSystem to, double *lon, double *lat);

/*
 * Convert every vertex of a PostGIS geometry.  to_wgs84 accepts SRID 0 or the
 * source system's SRID and returns SRID 4326; from_wgs84 accepts SRID 0 or
 * 4326 and returns the target system's SRID.  Other SRIDs → 22023.
 */
extern Datum coord_geometry_to_wgs84(Datum geometry, CoordSystem from);
extern Datum coord_geometry_from_wgs84(Datum geometry, CoordSystem to);

#endif							/* GRIDGOV_COORDS_H */

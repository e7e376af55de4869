/*
 * pgis.h
 *		gridgov's bridge to PostGIS: geometries cross as EWKB through PostGIS's
 *		own SQL-callable functions (looked up in the postgis extension's schema
 *		and called through fmgr), never through liblwgeom.
 */
#ifndef GRIDGOV_PGIS_H
#define GRIDGOV_PGIS_H

#include "postgres.h"
#include "fmgr.h"

/* Registers the function lookups with the cache registry (_PG_init). */
extern void pgis_init(void);

/* OID of the postgis extension's schema. */
extern Oid	pgis_namespace(void);

/* OID of PostGIS's geometry type. */
extern Oid	pgis_geometry_type(void);

/* EWKB (SRID included, machine byte order as PostGIS writes it) of a geometry. */
extern bytea *pgis_as_ewkb(Datum geometry);

/* Geometry from EWKB. */
extern Datum pgis_from_ewkb(bytea *ewkb);

/* A point geometry with an SRID, built through EWKB. */
extern Datum pgis_make_point(double x, double y, int32 srid);

/* ST_Transform(geometry, srid). */
extern Datum pgis_transform(Datum geometry, int32 srid);

#endif							/* GRIDGOV_PGIS_H */

/*
 * duplicate.h
 *		The intake trigger's pre-check for likely duplicates (duplicate.c), on
 *		the index cases_open_duplicate_key.
 */
#ifndef GRIDGOV_DUPLICATE_H
#define GRIDGOV_DUPLICATE_H

#include "postgres.h"

#include "utils/rel.h"
#include "utils/timestamp.h"

#include "gridcode.h"

/* A new case looking for a likely duplicate. */
typedef struct DuplicateProbe
{
	const int  *attnum;			/* attribute numbers of gridgov.cases (intake.h) */
	GridCode	county;
	text	   *category;
	TimestampTz at;				/* reported_at */
	Datum		window;			/* gridgov.duplicate_window, an interval */
	double		lon;			/* WGS-84 location */
	double		lat;
	double		radius_m;		/* gridgov.duplicate_radius_m */
} DuplicateProbe;

/*
 * Finds the index cases_open_duplicate_key of rel, if it is the expected
 * btree on (county, category, reported_at, ST_X(location), ST_Y(location));
 * called when the attribute numbers of gridgov.cases are looked up.
 */
extern void duplicate_find_index(Relation rel, const int *attnum);

/*
 * Half the sides, in degrees, of the box around a point at latitude lat that
 * holds the circle of radius_m metres (0.1 % + 1 cm larger).
 */
extern void duplicate_half_box(double lat, double radius_m, double *dx, double *dy);

/* The cells (integer[]) that the box of radius_m around (x, y) touches. */
extern Datum duplicate_cells(double x, double y, double radius_m);

/*
 * Whether any case visible to the statement could be a likely duplicate of
 * the probe (exact "no"; true also when the index is missing or unusable).
 */
extern bool duplicate_possible(Relation rel, const DuplicateProbe *p);

#endif							/* GRIDGOV_DUPLICATE_H */

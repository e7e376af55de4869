/*
 * duplicate.h
 *		The likely-duplicate rule, once, in C (duplicate.c): used by the
 *		intake trigger and by gridgov.find_duplicate(); the index it reads is
 *		found by its shape (duplicate_index.c).
 */
#ifndef GRIDGOV_DUPLICATE_H
#define GRIDGOV_DUPLICATE_H

#include "postgres.h"

#include "utils/rel.h"
#include "utils/timestamp.h"

#include "case_columns.h"
#include "gridcode.h"

/* A new case (or any point) looking for a likely duplicate. */
typedef struct DuplicateProbe
{
	GridCode	county;
	text	   *category;
	TimestampTz at;				/* reported_at */
	Datum		window;			/* an interval, e.g. gridgov.duplicate_window */
	double		lon;			/* WGS-84 location */
	double		lat;
	double		radius_m;		/* 0 to 100,000, e.g. gridgov.duplicate_radius_m */
} DuplicateProbe;

/*
 * The likely duplicate of the probe in rel (gridgov.cases): the nearest case
 * visible to the active snapshot that is open (closed_at NULL), unmerged
 * (master_case_id NULL), of the probe's county and category, reported within
 * the window of `at` (bounds included) and lying within radius_m metres on
 * PostGIS's sphere (bound included); nearest by the distance as ST_Distance
 * reports it, then the later reported_at, then the lower id.  Read with the
 * rights of `reader` (SELECT on the columns it reads, no row-level security
 * in force).  Returns whether there is one, and its id.
 */
extern bool duplicate_find(Relation rel, const DuplicateProbe *p, Oid reader, int64 *id);

/* The columns of the index the search reads, in order (duplicate_index.c). */
enum
{
	DUPKEY_COUNTY, DUPKEY_CATEGORY, DUPKEY_CELL, DUPKEY_REPORTED_AT, DUPKEY_X, DUPKEY_Y,
	DUPKEY_NATTS
};

/*
 * An index of rel of the shape the search reads,
 *		btree (county, category, gridgov.duplicate_cell(ST_X(location),
 *		ST_Y(location)), reported_at, ST_X(location), ST_Y(location))
 *		[WHERE closed_at IS NULL]
 * with the default operator classes, found among rel's indexes once per
 * binding of its columns (so again after any change of its indexes);
 * InvalidOid, after a warning, when it has none.
 */
extern Oid	duplicate_index(Relation rel, const CaseColumns *cols);

#endif							/* GRIDGOV_DUPLICATE_H */

/*
 * locate_index.h
 *		The in-memory spatial index behind gridgov.locate(): every grid version's
 *		rings, and a uniform raster of cells over the layer that lists, per cell,
 *		the grids whose outline may meet it — flagged when the whole cell lies
 *		inside the grid, so most lookups need no point-in-polygon test at all.
 *
 * Coverage ("the grid covers the point", interior or boundary) is decided with
 * an exact orientation predicate, so a point on a shared edge is covered by
 * every grid that shares it, exactly as PostGIS's ST_Covers says.  The choice
 * among covering grids is made by the caller's precedence rule (locate.c).
 *
 * The structure is plain C over one memory context; it knows nothing of SPI or
 * PostGIS.
 */
#ifndef GRIDGOV_LOCATE_INDEX_H
#define GRIDGOV_LOCATE_INDEX_H

#include "postgres.h"
#include "datatype/timestamp.h"

#include "gridcode.h"

typedef struct LocGrid
{
	GridCode	code;
	int			level;
	bool		special;
	TimestampTz valid_from;
	TimestampTz valid_to;
	double		xmin,
				ymin,
				xmax,
				ymax;
	int32		first_ring;
	int32		nrings;
} LocGrid;

typedef struct LocRing
{
	int64		first_point;	/* index into xy[] in points (2 doubles each) */
	int32		npoints;		/* closed ring: last point repeats the first */
} LocRing;

typedef struct LocIndex
{
	MemoryContext cxt;

	/* grids and their geometry */
	LocGrid    *grids;
	int32		ngrids;
	int32		maxgrids;
	LocRing    *rings;
	int32		nrings;
	int32		maxrings;
	double	   *xy;
	int64		npoints;
	int64		maxpoints;

	/* raster of cells over the layer's extent */
	double		x0,
				y0,
				cellw,
				cellh;
	int32		ncols,
				nrows;
	int32	   *cell_start;		/* ncols * nrows + 1 offsets into entries */
	int32	   *entries;		/* grid index, | LOC_INSIDE when the cell is inside */
	int64		nentries;
	bool		built;
} LocIndex;

#define LOC_INSIDE			((int32) 0x40000000)
#define LOC_GRID_MASK		((int32) 0x3FFFFFFF)

/* Point-in-grid answers. */
typedef enum LocCover
{
	LOC_OUTSIDE = 0,
	LOC_COVERS = 1
} LocCover;

/* Create an empty index in a new child context of parent. */
extern LocIndex *locidx_create(MemoryContext parent);

/* Start a grid; then add its rings; returns the grid's index. */
extern int32 locidx_add_grid(LocIndex *idx, GridCode code, bool special,
							 TimestampTz valid_from, TimestampTz valid_to);
extern void locidx_add_ring(LocIndex *idx, const double *xy, int32 npoints);

/* Build the cell raster once all grids are added. */
extern void locidx_build(LocIndex *idx);

/* Memory held by the index, in bytes. */
extern Size locidx_memory(const LocIndex *idx);

/* Whether grid g covers (x, y): interior or boundary, decided exactly. */
extern bool locidx_grid_covers(const LocIndex *idx, int32 g, double x, double y);

/*
 * Call fn for each grid that covers (x, y).  Returns the number of grids
 * examined (for statistics).
 */
typedef void (*locidx_visit_fn) (int32 grid, void *arg);
extern void locidx_covering(const LocIndex *idx, double x, double y,
							locidx_visit_fn fn, void *arg);

/*
 * Call fn for each grid whose bounding box comes within (dx, dy) of (x, y) —
 * candidates for a nearest-grid search; a grid may be visited more than once.
 */
extern void locidx_near(const LocIndex *idx, double x, double y, double dx, double dy,
						locidx_visit_fn fn, void *arg);

/*
 * Distance in metres from (x, y) to grid g's outline, with degrees converted
 * by a local equirectangular projection at y (0 when the grid covers it).
 */
extern double locidx_distance_m(const LocIndex *idx, int32 g, double x, double y);


#endif							/* GRIDGOV_LOCATE_INDEX_H */

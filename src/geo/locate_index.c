/*
 * locate_index.c
 *		Grid outlines in memory and the cell raster that finds, for a point, the
 *		few grids worth testing; see locate_index.h.
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"
#include "utils/memutils.h"

#include "locate_index.h"
#include "predicates.h"
#include "sphere.h"

/* Cells per grid version the raster aims at, and its ceiling. */
#define CELLS_PER_GRID		8
#define MAX_CELLS			(8 * 1024 * 1024)
/* Cells are tested expanded by this much, so rounding never hides an edge. */
#define CELL_SLACK_DEG		1e-9

/* A (cell, entry) pair collected while building, before the CSR layout. */
typedef struct CellEntry
{
	int32		cell;
	int32		entry;
} CellEntry;

typedef struct EntryList
{
	CellEntry  *items;
	int64		n;
	int64		max;
} EntryList;

LocIndex *
locidx_create(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "gridgov locate index",
											  ALLOCSET_DEFAULT_SIZES);
	LocIndex   *idx = MemoryContextAllocZero(cxt, sizeof(LocIndex));

	idx->cxt = cxt;
	return idx;
}

/* Grow an array of elemsize-byte elements to hold at least need elements. */
static void *
grow_array(MemoryContext cxt, void *array, int64 *max, int64 need, Size elemsize)
{
	int64		newmax = Max(*max * 2, Max(need, 64));

	if (array == NULL)
		array = MemoryContextAllocHuge(cxt, newmax * elemsize);
	else
		array = repalloc_huge(array, newmax * elemsize);
	*max = newmax;
	return array;
}

int32
locidx_add_grid(LocIndex *idx, GridCode code, bool special,
				TimestampTz valid_from, TimestampTz valid_to)
{
	LocGrid    *g;

	if (idx->ngrids >= idx->maxgrids)
	{
		int64		max = idx->maxgrids;

		if (idx->ngrids >= LOC_GRID_MASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("grid layer has too many grid versions for the locate index")));
		idx->grids = grow_array(idx->cxt, idx->grids, &max, idx->ngrids + 1, sizeof(LocGrid));
		idx->maxgrids = (int32) Min(max, LOC_GRID_MASK);
	}
	g = &idx->grids[idx->ngrids];
	g->code = code;
	g->level = gridcode_level(code);
	g->special = special;
	g->valid_from = valid_from;
	g->valid_to = valid_to;
	g->xmin = g->ymin = get_float8_infinity();
	g->xmax = g->ymax = -get_float8_infinity();
	g->first_ring = idx->nrings;
	g->nrings = 0;
	return idx->ngrids++;
}

void
locidx_add_ring(LocIndex *idx, const double *xy, int32 npoints)
{
	LocGrid    *g = &idx->grids[idx->ngrids - 1];
	LocRing    *r;
	int32		i;

	if (idx->nrings >= idx->maxrings)
	{
		int64		max = idx->maxrings;

		idx->rings = grow_array(idx->cxt, idx->rings, &max, idx->nrings + 1, sizeof(LocRing));
		idx->maxrings = (int32) Min(max, PG_INT32_MAX);
	}
	if (idx->npoints + npoints > idx->maxpoints)
		idx->xy = grow_array(idx->cxt, idx->xy, &idx->maxpoints,
							 idx->npoints + npoints, 2 * sizeof(double));
	r = &idx->rings[idx->nrings++];
	r->first_point = idx->npoints;
	r->npoints = npoints;
	memcpy(idx->xy + 2 * idx->npoints, xy, (Size) npoints * 2 * sizeof(double));
	idx->npoints += npoints;
	g->nrings++;
	for (i = 0; i < npoints; i++)
	{
		g->xmin = Min(g->xmin, xy[2 * i]);
		g->xmax = Max(g->xmax, xy[2 * i]);
		g->ymin = Min(g->ymin, xy[2 * i + 1]);
		g->ymax = Max(g->ymax, xy[2 * i + 1]);
	}
}

Size
locidx_memory(const LocIndex *idx)
{
	return MemoryContextMemAllocated(idx->cxt, true);
}

static inline const double *
ring_points(const LocIndex *idx, const LocRing *r)
{
	return idx->xy + 2 * r->first_point;
}

/* Whether the segment (x1,y1)-(x2,y2) meets the closed rectangle (Liang-Barsky). */
static bool
segment_meets_rect(double x1, double y1, double x2, double y2,
				   double rx0, double ry0, double rx1, double ry1)
{
	double		dx = x2 - x1;
	double		dy = y2 - y1;
	double		p[4] = {-dx, dx, -dy, dy};
	double		q[4] = {x1 - rx0, rx1 - x1, y1 - ry0, ry1 - y1};
	double		t0 = 0.0;
	double		t1 = 1.0;
	int			i;

	for (i = 0; i < 4; i++)
	{
		if (p[i] == 0.0)
		{
			if (q[i] < 0.0)
				return false;
			continue;
		}
		if (p[i] < 0.0)
		{
			double		r = q[i] / p[i];

			if (r > t1)
				return false;
			t0 = Max(t0, r);
		}
		else
		{
			double		r = q[i] / p[i];

			if (r < t0)
				return false;
			t1 = Min(t1, r);
		}
	}
	return true;
}

static inline int32
col_of(const LocIndex *idx, double x)
{
	double		c = floor((x - idx->x0) / idx->cellw);

	return (int32) Max(0.0, Min(c, (double) (idx->ncols - 1)));
}

static inline int32
row_of(const LocIndex *idx, double y)
{
	double		r = floor((y - idx->y0) / idx->cellh);

	return (int32) Max(0.0, Min(r, (double) (idx->nrows - 1)));
}

/* Choose the raster: extent of all grids, about CELLS_PER_GRID cells per grid. */
static void
choose_raster(LocIndex *idx)
{
	double		xmin = get_float8_infinity(),
				ymin = get_float8_infinity(),
				xmax = -get_float8_infinity(),
				ymax = -get_float8_infinity();
	double		w,
				h,
				target;
	int32		i;

	for (i = 0; i < idx->ngrids; i++)
	{
		xmin = Min(xmin, idx->grids[i].xmin);
		ymin = Min(ymin, idx->grids[i].ymin);
		xmax = Max(xmax, idx->grids[i].xmax);
		ymax = Max(ymax, idx->grids[i].ymax);
	}
	w = Max(xmax - xmin, 1e-6) * (1 + 1e-9) + 2 * CELL_SLACK_DEG;
	h = Max(ymax - ymin, 1e-6) * (1 + 1e-9) + 2 * CELL_SLACK_DEG;
	target = Min((double) MAX_CELLS, Max(1024.0, (double) idx->ngrids * CELLS_PER_GRID));
	idx->ncols = (int32) Max(1.0, Min(ceil(sqrt(target * w / h)), target));
	idx->nrows = (int32) Max(1.0, Min(ceil(target / idx->ncols), target));
	idx->x0 = xmin - CELL_SLACK_DEG;
	idx->y0 = ymin - CELL_SLACK_DEG;
	idx->cellw = w / idx->ncols;
	idx->cellh = h / idx->nrows;
}

static void
push_entry(MemoryContext cxt, EntryList *list, int32 cell, int32 entry)
{
	if (list->n >= list->max)
		list->items = grow_array(cxt, list->items, &list->max, list->n + 1, sizeof(CellEntry));
	list->items[list->n].cell = cell;
	list->items[list->n].entry = entry;
	list->n++;
}

/* Mark the cells of grid g's bbox window that one of its edges meets. */
static void
mark_edge_cells(const LocIndex *idx, const LocGrid *g, int32 c0, int32 r0, int32 wcols,
				uint8 *partial)
{
	int32		k;

	for (k = g->first_ring; k < g->first_ring + g->nrings; k++)
	{
		const LocRing *ring = &idx->rings[k];
		const double *p = ring_points(idx, ring);
		int32		i;

		for (i = 0; i + 1 < ring->npoints; i++)
		{
			double		x1 = p[2 * i],
						y1 = p[2 * i + 1],
						x2 = p[2 * i + 2],
						y2 = p[2 * i + 3];
			int32		ca = col_of(idx, Min(x1, x2) - CELL_SLACK_DEG);
			int32		cb = col_of(idx, Max(x1, x2) + CELL_SLACK_DEG);
			int32		ra = row_of(idx, Min(y1, y2) - CELL_SLACK_DEG);
			int32		rb = row_of(idx, Max(y1, y2) + CELL_SLACK_DEG);
			int32		c,
						r;

			for (r = ra; r <= rb; r++)
				for (c = ca; c <= cb; c++)
				{
					double		rx0 = idx->x0 + c * idx->cellw - CELL_SLACK_DEG;
					double		ry0 = idx->y0 + r * idx->cellh - CELL_SLACK_DEG;

					if (c < c0 || r < r0 || c - c0 >= wcols)
						continue;
					if (segment_meets_rect(x1, y1, x2, y2, rx0, ry0,
										   rx0 + idx->cellw + 2 * CELL_SLACK_DEG,
										   ry0 + idx->cellh + 2 * CELL_SLACK_DEG))
						partial[(size_t) (r - r0) * wcols + (c - c0)] = 1;
				}
		}
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * For one raster row of grid g's window, the x of every crossing of the
 * horizontal line y with g's edges, sorted; returns the count.
 */
static int32
row_crossings(const LocIndex *idx, const LocGrid *g, double y, double **xs, int32 *maxxs)
{
	int32		n = 0;
	int32		k;

	for (k = g->first_ring; k < g->first_ring + g->nrings; k++)
	{
		const LocRing *ring = &idx->rings[k];
		const double *p = ring_points(idx, ring);
		int32		i;

		for (i = 0; i + 1 < ring->npoints; i++)
		{
			double		x1 = p[2 * i],
						y1 = p[2 * i + 1],
						x2 = p[2 * i + 2],
						y2 = p[2 * i + 3];

			if ((y1 > y) == (y2 > y))
				continue;
			if (n >= *maxxs)
			{
				*maxxs *= 2;
				*xs = repalloc(*xs, *maxxs * sizeof(double));
			}
			(*xs)[n++] = x1 + (y - y1) * (x2 - x1) / (y2 - y1);
		}
	}
	qsort(*xs, n, sizeof(double), cmp_double);
	return n;
}

/* Collect grid g's raster entries: partial cells, and cells wholly inside. */
static void
collect_grid_entries(LocIndex *idx, int32 gi, EntryList *list, double **xs, int32 *maxxs)
{
	const LocGrid *g = &idx->grids[gi];
	int32		c0 = col_of(idx, g->xmin - CELL_SLACK_DEG);
	int32		c1 = col_of(idx, g->xmax + CELL_SLACK_DEG);
	int32		r0 = row_of(idx, g->ymin - CELL_SLACK_DEG);
	int32		r1 = row_of(idx, g->ymax + CELL_SLACK_DEG);
	int32		wcols = c1 - c0 + 1;
	uint8	   *partial = palloc0((size_t) wcols * (r1 - r0 + 1));
	int32		r;

	mark_edge_cells(idx, g, c0, r0, wcols, partial);
	for (r = r0; r <= r1; r++)
	{
		double		yc = idx->y0 + (r + 0.5) * idx->cellh;
		int32		n = row_crossings(idx, g, yc, xs, maxxs);
		int32		next = 0;
		int32		c;

		for (c = c0; c <= c1; c++)
		{
			int32		cell = r * idx->ncols + c;
			double		xc = idx->x0 + (c + 0.5) * idx->cellw;

			while (next < n && (*xs)[next] < xc)
				next++;
			if (partial[(size_t) (r - r0) * wcols + (c - c0)])
				push_entry(idx->cxt, list, cell, gi);
			else if (next % 2 == 1)
				push_entry(idx->cxt, list, cell, gi | LOC_INSIDE);
		}
	}
	pfree(partial);
}

void
locidx_build(LocIndex *idx)
{
	MemoryContext old = MemoryContextSwitchTo(idx->cxt);
	EntryList	list = {NULL, 0, 0};
	int32		maxxs = 64;
	double	   *xs = palloc(maxxs * sizeof(double));
	int64		ncells;
	int64		i;
	int32		gi;
	int32	   *fill;

	idx->built = true;
	if (idx->ngrids == 0)
	{
		MemoryContextSwitchTo(old);
		return;
	}
	choose_raster(idx);
	for (gi = 0; gi < idx->ngrids; gi++)
		collect_grid_entries(idx, gi, &list, &xs, &maxxs);

	/* Counting sort of the pairs into the CSR layout, grid order kept per cell. */
	ncells = (int64) idx->ncols * idx->nrows;
	idx->cell_start = MemoryContextAllocHuge(idx->cxt, (ncells + 1) * sizeof(int32));
	memset(idx->cell_start, 0, (ncells + 1) * sizeof(int32));
	if (list.n >= PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("grid layer is too large for the locate index")));
	for (i = 0; i < list.n; i++)
		idx->cell_start[list.items[i].cell + 1]++;
	for (i = 0; i < ncells; i++)
		idx->cell_start[i + 1] += idx->cell_start[i];
	idx->entries = MemoryContextAllocHuge(idx->cxt, Max(list.n, 1) * sizeof(int32));
	fill = MemoryContextAllocHuge(idx->cxt, ncells * sizeof(int32));
	memcpy(fill, idx->cell_start, ncells * sizeof(int32));
	for (i = 0; i < list.n; i++)
		idx->entries[fill[list.items[i].cell]++] = list.items[i].entry;
	idx->nentries = list.n;

	pfree(fill);
	if (list.items)
		pfree(list.items);
	pfree(xs);
	MemoryContextSwitchTo(old);
}

bool
locidx_grid_covers(const LocIndex *idx, int32 gi, double x, double y)
{
	const LocGrid *g = &idx->grids[gi];
	bool		inside = false;
	int32		k;

	if (x < g->xmin || x > g->xmax || y < g->ymin || y > g->ymax)
		return false;
	for (k = g->first_ring; k < g->first_ring + g->nrings; k++)
	{
		const LocRing *ring = &idx->rings[k];
		const double *p = ring_points(idx, ring);
		int32		i;

		for (i = 0; i + 1 < ring->npoints; i++)
		{
			double		ax = p[2 * i],
						ay = p[2 * i + 1],
						bx = p[2 * i + 2],
						by = p[2 * i + 3];

			if (ax == x && ay == y)
				return true;	/* on a vertex */
			if ((ay > y) != (by > y))
			{
				int			o = orient2d_sign(ax, ay, bx, by, x, y);

				if (o == 0)
					return true;	/* on the edge */
				if ((by > ay) ? (o > 0) : (o < 0))
					inside = !inside;
			}
			else if (ay == y && by == y && x >= Min(ax, bx) && x <= Max(ax, bx))
				return true;	/* on a horizontal edge */
		}
	}
	return inside;
}

static inline bool
cell_of(const LocIndex *idx, double x, double y, int32 *cell)
{
	double		c = floor((x - idx->x0) / idx->cellw);
	double		r = floor((y - idx->y0) / idx->cellh);

	if (!idx->built || idx->ngrids == 0 || !(c >= 0 && c < idx->ncols && r >= 0 && r < idx->nrows))
		return false;
	*cell = (int32) r * idx->ncols + (int32) c;
	return true;
}

void
locidx_covering(const LocIndex *idx, double x, double y, locidx_visit_fn fn, void *arg)
{
	int32		cell;
	int32		i;

	if (!cell_of(idx, x, y, &cell))
		return;
	for (i = idx->cell_start[cell]; i < idx->cell_start[cell + 1]; i++)
	{
		int32		e = idx->entries[i];
		int32		gi = e & LOC_GRID_MASK;

		if ((e & LOC_INSIDE) || locidx_grid_covers(idx, gi, x, y))
			fn(gi, arg);
	}
}

void
locidx_near(const LocIndex *idx, double x, double y, double dx, double dy,
			locidx_visit_fn fn, void *arg)
{
	int32		c0,
				c1,
				r0,
				r1,
				c,
				r;

	if (!idx->built || idx->ngrids == 0)
		return;
	if (x + dx < idx->x0 || y + dy < idx->y0 ||
		x - dx > idx->x0 + idx->ncols * idx->cellw ||
		y - dy > idx->y0 + idx->nrows * idx->cellh)
		return;
	c0 = col_of(idx, x - dx);
	c1 = col_of(idx, x + dx);
	r0 = row_of(idx, y - dy);
	r1 = row_of(idx, y + dy);
	for (r = r0; r <= r1; r++)
		for (c = c0; c <= c1; c++)
		{
			int32		cell = r * idx->ncols + c;
			int32		i;

			for (i = idx->cell_start[cell]; i < idx->cell_start[cell + 1]; i++)
				fn(idx->entries[i] & LOC_GRID_MASK, arg);
		}
}

/* Distance from the origin to segment (ax,ay)-(bx,by), all in metres. */
static double
origin_segment_distance(double ax, double ay, double bx, double by)
{
	double		dx = bx - ax;
	double		dy = by - ay;
	double		len2 = dx * dx + dy * dy;
	double		t = 0.0;

	if (len2 > 0.0)
		t = Max(0.0, Min(1.0, -(ax * dx + ay * dy) / len2));
	return hypot(ax + t * dx, ay + t * dy);
}

double
locidx_distance_m(const LocIndex *idx, int32 gi, double x, double y)
{
	const LocGrid *g = &idx->grids[gi];
	double		ky = SPHERE_METRES_PER_DEGREE;
	double		kx = SPHERE_METRES_PER_DEGREE * cos(y * M_PI / 180.0);
	double		best = get_float8_infinity();
	int32		k;

	if (locidx_grid_covers(idx, gi, x, y))
		return 0.0;
	for (k = g->first_ring; k < g->first_ring + g->nrings; k++)
	{
		const LocRing *ring = &idx->rings[k];
		const double *p = ring_points(idx, ring);
		int32		i;

		for (i = 0; i + 1 < ring->npoints; i++)
			best = Min(best, origin_segment_distance((p[2 * i] - x) * kx, (p[2 * i + 1] - y) * ky,
													 (p[2 * i + 2] - x) * kx, (p[2 * i + 3] - y) * ky));
	}
	return best;
}

/*
 * duplicate.c
 *		The intake trigger's pre-check for likely duplicates.
 *
 * A likely duplicate of a new case is an open, unmerged case of the same
 * county and category, reported within gridgov.duplicate_window of it and
 * lying within gridgov.duplicate_radius_m.  A spatial index of open cases
 * answers that badly when many cases are open (a loaded history keeps every
 * case open until it is worked): every open case around a busy corner, of
 * any category and month, is a candidate that must be read from the heap.
 * So the open cases are indexed by what a search fixes first,
 *
 *		btree (county, category, duplicate_cell(x, y), reported_at, x, y)
 *		WHERE closed_at IS NULL				(cases_open_duplicate_key)
 *
 * with x, y = ST_X(location), ST_Y(location) and the cell a square of
 * 0.01 degrees (about 1.1 km north-south, 0.85 km east-west in Beijing).  A
 * search reads, for each cell its box touches (one to four for the default
 * 100 m), the entries of its county and category within the time window,
 * and compares the coordinates kept in each entry with the box: its cost
 * follows the cases of one category around one place in the window, not the
 * number of open cases.  Only the entries inside the box are fetched from
 * the heap (visibility, closed, merged).  "None" here is exact, so most new
 * cases skip the full search (gridgov.find_duplicate()'s query, spherical
 * distance and order) and its executor start-up.  A box touching more than
 * DUPLICATE_MAX_CELLS cells (a radius of kilometres) skips the pre-check.
  */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/itup.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "duplicate.h"
#include "gridcode.h"
#include "case_columns.h"

#define METRES_PER_DEGREE	111195.0797 /* on the sphere of radius 6,371,008.8 m */

/* The index of the search, if usable (InvalidOid: always search). */
static Oid	key_index = InvalidOid;

static TimestampTz
shifted(TimestampTz t, Datum window, bool forward)
{
	return DatumGetTimestampTz(DirectFunctionCall2(forward ? timestamptz_pl_interval : timestamptz_mi_interval,
												   TimestampTzGetDatum(t), window));
}

/* Cells ------------------------------------------------------------------------ */

enum
{
	KEY_COUNTY, KEY_CATEGORY, KEY_CELL, KEY_REPORTED_AT, KEY_X, KEY_Y, KEY_NATTS
};

/* Cells per degree, and the most cells a pre-check probes. */
#define CELLS_PER_DEGREE	100.0
#define DUPLICATE_MAX_CELLS	16

/* The cell of a point: its column and row of 0.01-degree squares. */
static int32
cell_of(double x, double y)
{
	double		col = floor(x * CELLS_PER_DEGREE) + 18000.0;
	double		row = floor(y * CELLS_PER_DEGREE) + 9000.0;

	/* Out-of-range coordinates (not WGS-84) share the cells of the edges. */
	col = Max(0.0, Min(col, 36000.0));
	row = Max(0.0, Min(row, 18000.0));
	return (int32) col * 20000 + (int32) row;
}

PG_FUNCTION_INFO_V1(gridgov_duplicate_cell);
Datum
gridgov_duplicate_cell(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	double		y = PG_GETARG_FLOAT8(1);

	if (isnan(x) || isnan(y))
		PG_RETURN_NULL();
	PG_RETURN_INT32(cell_of(x, y));
}

/* The cells a box touches: cols x rows of them from the lowest, lo. */
typedef struct CellRange
{
	int32		lo;
	int32		cols;
	int32		rows;
} CellRange;

static CellRange
cell_range(double x, double y, double dx, double dy)
{
	CellRange	r;
	int32		hi = cell_of(x + dx, y + dy);

	r.lo = cell_of(x - dx, y - dy);
	r.cols = hi / 20000 - r.lo / 20000 + 1;
	r.rows = hi % 20000 - r.lo % 20000 + 1;
	return r;
}

static int32
cell_at(const CellRange *r, int32 i, int32 j)
{
	return r->lo + i * 20000 + j;
}

/* The cells of the box of radius_m around (x, y), as an integer[]. */
Datum
duplicate_cells(double x, double y, double radius_m)
{
	double		dx;
	double		dy;
	CellRange	r;
	Datum	   *cells;
	int32		i;
	int32		j;

	duplicate_half_box(y, radius_m, &dx, &dy);
	r = cell_range(x, y, dx, dy);
	cells = palloc(sizeof(Datum) * r.cols * r.rows);
	for (i = 0; i < r.cols; i++)
		for (j = 0; j < r.rows; j++)
			cells[i * r.rows + j] = Int32GetDatum(cell_at(&r, i, j));
	return PointerGetDatum(construct_array(cells, r.cols * r.rows, INT4OID, sizeof(int32), true,
										   TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(gridgov_duplicate_cells);
Datum
gridgov_duplicate_cells(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	double		y = PG_GETARG_FLOAT8(1);
	double		radius_m = PG_GETARG_FLOAT8(2);

	if (!isfinite(x) || !isfinite(y) || x < -180.0 || x > 180.0 || y < -90.0 || y > 90.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("(%g %g) is not a WGS-84 longitude/latitude", x, y)));
	if (!(radius_m >= 0.0 && radius_m <= 100000.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("radius_m must be between 0 and 100000 metres, not %g", radius_m)));
	PG_RETURN_DATUM(duplicate_cells(x, y, radius_m));
}

/* The intake pre-check -------------------------------------------------------- */

/* Whether expression e is a Var of attribute attnum. */
static bool
is_column(Node *e, int attnum)
{
	return e != NULL && IsA(e, Var) && ((Var *) e)->varattno == attnum;
}

/* Whether expression e is a call of function name(location). */
static bool
is_call_on_location(Node *e, const char *name, int location)
{
	FuncExpr   *f = (FuncExpr *) e;

	return e != NULL && IsA(e, FuncExpr) && list_length(f->args) == 1 &&
		is_column(linitial(f->args), location) && f->funcresulttype == FLOAT8OID &&
		strcmp(get_func_name(f->funcid), name) == 0;
}

/* Whether expression e is gridgov.duplicate_cell(st_x(location), st_y(location)). */
static bool
is_cell_of_location(Node *e, int location)
{
	FuncExpr   *f = (FuncExpr *) e;

	return e != NULL && IsA(e, FuncExpr) && list_length(f->args) == 2 &&
		strcmp(get_func_name(f->funcid), "duplicate_cell") == 0 &&
		is_call_on_location(linitial(f->args), "st_x", location) &&
		is_call_on_location(lsecond(f->args), "st_y", location);
}

/*
 * Whether irel is a valid btree index on exactly (county, category,
 * duplicate_cell(x, y), reported_at, x, y), x and y the location's.
 */
static bool
usable_index(Relation irel, const int *attnum)
{
	List	   *exprs;
	int2vector *k = &irel->rd_index->indkey;

	if (irel->rd_rel->relam != BTREE_AM_OID || !irel->rd_index->indisvalid ||
		IndexRelationGetNumberOfKeyAttributes(irel) != KEY_NATTS ||
		k->values[KEY_COUNTY] != attnum[CC_COUNTY] || k->values[KEY_CATEGORY] != attnum[CC_CATEGORY] ||
		k->values[KEY_CELL] != 0 || k->values[KEY_REPORTED_AT] != attnum[CC_REPORTED_AT] ||
		k->values[KEY_X] != 0 || k->values[KEY_Y] != 0)
		return false;
	exprs = RelationGetIndexExpressions(irel);
	return list_length(exprs) == 3 &&
		is_cell_of_location(linitial(exprs), attnum[CC_LOCATION]) &&
		is_call_on_location(lsecond(exprs), "st_x", attnum[CC_LOCATION]) &&
		is_call_on_location(lthird(exprs), "st_y", attnum[CC_LOCATION]);
}

void
duplicate_find_index(Relation rel, const int *attnum)
{
	Oid			oid = get_relname_relid("cases_open_duplicate_key", RelationGetNamespace(rel));
	Relation	irel;

	key_index = InvalidOid;
	if (!OidIsValid(oid))
		return;
	irel = index_open(oid, AccessShareLock);
	if (irel->rd_index->indrelid == RelationGetRelid(rel) && usable_index(irel, attnum))
		key_index = oid;
	index_close(irel, AccessShareLock);
}

/* Scan key on index column i (1-based) with the opfamily's operator of a strategy. */
static void
scan_key(ScanKey key, Relation irel, int i, StrategyNumber strategy, Datum arg)
{
	Oid			type = irel->rd_opcintype[i - 1];
	Oid			op = get_opfamily_member(irel->rd_opfamily[i - 1], type, type, strategy);

	if (!OidIsValid(op))
		elog(ERROR, "index \"%s\" has no operator of strategy %d on column %d",
			 RelationGetRelationName(irel), strategy, i);
	ScanKeyEntryInitialize(key, 0, i, strategy, type, irel->rd_indcollation[i - 1], get_opcode(op), arg);
}

/* Whether the visible version of the entry's case is open and unmerged. */
static bool
open_and_unmerged(const DuplicateProbe *p, IndexScanDesc scan, TupleTableSlot *slot)
{
	bool		isnull;

	if (!index_fetch_heap(scan, slot))
		return false;
	(void) slot_getattr(slot, p->attnum[CC_CLOSED_AT], &isnull);
	if (!isnull)
		return false;
	(void) slot_getattr(slot, p->attnum[CC_MASTER], &isnull);
	return isnull;
}

void
duplicate_half_box(double lat, double radius_m, double *dx, double *dy)
{
	double		c = cos(lat * (M_PI / 180.0));

	*dy = radius_m / METRES_PER_DEGREE * 1.001 + 1e-7;
	*dx = (c > 1e-9) ? radius_m / (METRES_PER_DEGREE * c) * 1.001 + 1e-7 : 360.0;
}

/* Whether an entry of cell with visible, open, unmerged case lies in the box. */
static bool
probe_cell(const DuplicateProbe *p, IndexScanDesc scan, ScanKey keys, int32 cell, double dx,
		   double dy, TupleTableSlot *slot)
{
	keys[2].sk_argument = Int32GetDatum(cell);
	index_rescan(scan, keys, 5, NULL, 0);
	while (index_getnext_tid(scan, ForwardScanDirection) != NULL)
	{
		bool		xnull;
		bool		ynull;
		double		x = DatumGetFloat8(index_getattr(scan->xs_itup, 1 + KEY_X, scan->xs_itupdesc, &xnull));
		double		y = DatumGetFloat8(index_getattr(scan->xs_itup, 1 + KEY_Y, scan->xs_itupdesc, &ynull));

		if (xnull || ynull || fabs(x - p->lon) > dx || fabs(y - p->lat) > dy)
			continue;
		if (open_and_unmerged(p, scan, slot))
			return true;
	}
	return false;
}

bool
duplicate_possible(Relation rel, const DuplicateProbe *p)
{
	double		dx;
	double		dy;
	CellRange	r;
	Relation	irel;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData keys[5];
	bool		found = false;
	int32		i;
	int32		j;

	if (!OidIsValid(key_index) || !list_member_oid(RelationGetIndexList(rel), key_index))
		return true;
	duplicate_half_box(p->lat, p->radius_m, &dx, &dy);
	r = cell_range(p->lon, p->lat, dx, dy);
	if (r.cols * r.rows > DUPLICATE_MAX_CELLS)
		return true;
	irel = index_open(key_index, AccessShareLock);
	if (!irel->rd_index->indisvalid)
	{
		index_close(irel, AccessShareLock);
		return true;
	}
	scan_key(&keys[0], irel, 1 + KEY_COUNTY, BTEqualStrategyNumber, GridCodeGetDatum(p->county));
	scan_key(&keys[1], irel, 1 + KEY_CATEGORY, BTEqualStrategyNumber, PointerGetDatum(p->category));
	scan_key(&keys[2], irel, 1 + KEY_CELL, BTEqualStrategyNumber, Int32GetDatum(r.lo));
	scan_key(&keys[3], irel, 1 + KEY_REPORTED_AT, BTGreaterEqualStrategyNumber,
			 TimestampTzGetDatum(shifted(p->at, p->window, false)));
	scan_key(&keys[4], irel, 1 + KEY_REPORTED_AT, BTLessEqualStrategyNumber,
			 TimestampTzGetDatum(shifted(p->at, p->window, true)));
	scan = index_beginscan(rel, irel, GetActiveSnapshot(), 5, 0);
	scan->xs_want_itup = true;
	slot = table_slot_create(rel, NULL);
	for (i = 0; i < r.cols && !found; i++)
		for (j = 0; j < r.rows && !found; j++)
			found = probe_cell(p, scan, keys, cell_at(&r, i, j), dx, dy, slot);
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	index_close(irel, AccessShareLock);
	return found;
}

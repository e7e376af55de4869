/*
 * duplicate.c
 *		The likely-duplicate rule, once: the intake trigger (intake.c) and
 *		gridgov.find_duplicate() both call duplicate_find().
 *
 * A likely duplicate of a new case is the nearest open (closed_at NULL),
 * unmerged (master_case_id NULL) case of the same county and category whose
 * location lies within gridgov.duplicate_radius_m metres and whose
 * reported_at lies within gridgov.duplicate_window of the new case's; nearest
 * by distance, then the later reported_at, then the lower id.
 *
 * Distances are PostGIS's on the sphere (ST_DWithin / ST_Distance on
 * geography with use_spheroid = false, sphere.h): a case at a distance equal
 * to the radius counts (<=, on the distance before rounding, as ST_DWithin);
 * cases are ordered by the distance rounded to 1e-8 m, as ST_Distance
 * reports it, so that two cases whose distances differ by less than that are
 * a tie, decided by reported_at (later first), then id (lower first).
 *
 * The search reads the index and the table directly, with no SPI and no
 * plan, so no statistics can change how it runs.  The open cases are indexed
 * by what a search fixes first (duplicate_index.c),
 *
 *		btree (county, category, duplicate_cell(x, y), reported_at, x, y)
 *		WHERE closed_at IS NULL				(cases_open_duplicate_key)
 *
 * with x, y = ST_X(location), ST_Y(location) and the cell a square of 0.01
 * degrees (about 1.1 km north-south, 0.85 km east-west in Beijing).  One
 * index scan reads, for each cell that the box around the circle touches
 * (one to four for 100 m; an array key, one descent per cell), the entries
 * of the county and category within the window, and measures the distance
 * from the coordinates kept in each entry.  Only an entry within the radius
 * that could be nearer than the best so far is fetched from the table
 * (visibility to the statement's snapshot, closed, merged, id); the scan
 * runs backwards, latest first within a cell, so that of many reports at one
 * point (a geocoded address) only the latest is fetched.  The cost
 * follows the cases of one category around one place in the window, not the
 * number of open cases.  A box of more than DUPLICATE_MAX_CELLS cells (a
 * radius of tens of kilometres, or a circle round a pole) is read instead as
 * one range of cells per span of longitude, all times of the county and
 * category in it.  Without a usable index the table is read whole (after a
 * warning, duplicate_index.c): slow, but the same answer.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "case_columns.h"
#include "duplicate.h"
#include "gridcode.h"
#include "locate.h"
#include "pgis.h"
#include "scope.h"
#include "sphere.h"
#include "wkb.h"

/* Cells per degree; the most cells a search reads one by one. */
#define CELLS_PER_DEGREE	100.0
#define DUPLICATE_MAX_CELLS	4096
/* The largest radius, in metres (gridgov.duplicate_radius_m's bound). */
#define DUPLICATE_MAX_RADIUS_M	100000.0

/* Cells -------------------------------------------------------------------------- */

/* The column and row of the 0.01-degree square of x and y (beyond the range: the edges). */
static int32
cell_col(double x)
{
	return (int32) Max(0.0, Min(floor(x * CELLS_PER_DEGREE) + 18000.0, 36000.0));
}

static int32
cell_row(double y)
{
	return (int32) Max(0.0, Min(floor(y * CELLS_PER_DEGREE) + 9000.0, 18000.0));
}

static int32
cell_of(int32 col, int32 row)
{
	return col * 20000 + row;
}

PG_FUNCTION_INFO_V1(gridgov_duplicate_cell);
Datum
gridgov_duplicate_cell(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	double		y = PG_GETARG_FLOAT8(1);

	if (isnan(x) || isnan(y))
		PG_RETURN_NULL();
	PG_RETURN_INT32(cell_of(cell_col(x), cell_row(y)));
}

/* The cells a box touches: cols of rows from (col_lo[k], row_lo), per span k of longitude. */
typedef struct CellBox
{
	int			nspans;
	int32		col_lo[2];
	int32		col_hi[2];
	int32		row_lo;
	int32		row_hi;
} CellBox;

/* The cells of a box; returns how many. */
static int64
cell_box(const SphereBox *box, CellBox *cb)
{
	int64		n = 0;
	int			k;

	cb->nspans = box->nlon;
	cb->row_lo = cell_row(box->lat_lo);
	cb->row_hi = cell_row(box->lat_hi);
	for (k = 0; k < box->nlon; k++)
	{
		cb->col_lo[k] = cell_col(box->lon_lo[k]);
		cb->col_hi[k] = cell_col(box->lon_hi[k]);
		n += (int64) (cb->col_hi[k] - cb->col_lo[k] + 1) * (cb->row_hi - cb->row_lo + 1);
	}
	/* Spans that meet in one column (a circle all but round the earth) become one. */
	if (cb->nspans == 2 && cb->col_hi[1] >= cb->col_lo[0] - 1 && cb->col_hi[0] >= cb->col_lo[1] - 1)
	{
		cb->nspans = 1;
		cb->col_lo[0] = 0;
		cb->col_hi[0] = 36000;
		n = (int64) 36001 * (cb->row_hi - cb->row_lo + 1);
	}
	return n;
}

/* Every cell of the box, as an integer[]. */
static Datum
cell_array(const CellBox *cb, int64 n)
{
	Datum	   *cells = palloc(sizeof(Datum) * n);
	int64		i = 0;
	int			k;
	int32		col;
	int32		row;

	for (k = 0; k < cb->nspans; k++)
		for (col = cb->col_lo[k]; col <= cb->col_hi[k]; col++)
			for (row = cb->row_lo; row <= cb->row_hi; row++)
				cells[i++] = Int32GetDatum(cell_of(col, row));
	Assert(i == n);
	return PointerGetDatum(construct_array(cells, (int) n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

static void
check_radius(double radius_m)
{
	if (!(radius_m >= 0.0 && radius_m <= DUPLICATE_MAX_RADIUS_M))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("radius_m must be between 0 and 100000 metres, not %g", radius_m)));
}

PG_FUNCTION_INFO_V1(gridgov_duplicate_cells);
Datum
gridgov_duplicate_cells(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	double		y = PG_GETARG_FLOAT8(1);
	double		radius_m = PG_GETARG_FLOAT8(2);
	SphereBox	box;
	CellBox		cb;

	if (!isfinite(x) || !isfinite(y) || x < -180.0 || x > 180.0 || y < -90.0 || y > 90.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("(%g %g) is not a WGS-84 longitude/latitude", x, y)));
	check_radius(radius_m);
	sphere_circle_box(x, y, radius_m, &box);
	PG_RETURN_DATUM(cell_array(&cb, cell_box(&box, &cb)));
}

/* The search ----------------------------------------------------------------------- */

typedef struct Search
{
	const DuplicateProbe *p;
	const int  *attnum;
	Oid			category_collation;
	TimestampTz from;			/* the window: at - window .. at + window */
	TimestampTz to;
	SphereBox	box;			/* around the circle */
	double		last_x;			/* the last point measured, and its distance */
	double		last_y;
	double		last_d;
	TupleTableSlot *slot;
	bool		scoped;			/* row-level security applies to the reader: only its cases */
	bool		found;			/* the nearest so far: */
	double		distance;		/* as ST_Distance reports it */
	TimestampTz reported_at;
	int64		id;
} Search;

/* Whether (x, y) lies in the box around the circle (never for NaN). */
static bool
in_box(const SphereBox *box, double x, double y)
{
	int			k;

	if (!(y >= box->lat_lo && y <= box->lat_hi))
		return false;
	for (k = 0; k < box->nlon; k++)
		if (x >= box->lon_lo[k] && x <= box->lon_hi[k])
			return true;
	return false;
}

/*
 * The distance of a case at (x, y) reported at `at`, as ST_Distance reports
 * it, if it lies within the radius and could be the nearest (its id unknown
 * yet); else -1.  Measured only inside the box, and once for a run of cases
 * at one point.
 */
static double
candidate_distance(Search *s, double x, double y, TimestampTz at)
{
	double		d;

	if (!in_box(&s->box, x, y))
		return -1.0;
	if (x != s->last_x || y != s->last_y)
	{
		s->last_x = x;
		s->last_y = y;
		s->last_d = sphere_distance_m(x, y, s->p->lon, s->p->lat);
	}
	d = s->last_d;
	if (!(d <= s->p->radius_m))
		return -1.0;
	d = sphere_reported_m(d);
	if (s->found && (d > s->distance || (d == s->distance && at < s->reported_at)))
		return -1.0;
	return d;
}

/* Whether the reader's scope (scope.c, as the policy of gridgov.cases) holds the case in the slot. */
static bool
reader_sees(Search *s, int64 id)
{
	ScopeCase	c;
	bool		isnull;

	c.county = DatumGetGridCode(slot_getattr(s->slot, s->attnum[CC_COUNTY], &isnull));
	if (isnull)
		return false;
	c.grid = DatumGetGridCode(slot_getattr(s->slot, s->attnum[CC_GRID], &isnull));
	c.has_grid = !isnull;
	c.department_id = DatumGetInt64(slot_getattr(s->slot, s->attnum[CC_DEPARTMENT], &isnull));
	c.has_department = !isnull;
	c.case_id = id;
	return scope_case_readable(&c);
}

/* Takes the case in the slot if it is open, unmerged, the reader's and nearer than the best so far. */
static void
consider_case(Search *s, double d, TimestampTz at)
{
	bool		isnull;
	int64		id;

	(void) slot_getattr(s->slot, s->attnum[CC_CLOSED_AT], &isnull);
	if (!isnull)
		return;
	(void) slot_getattr(s->slot, s->attnum[CC_MASTER], &isnull);
	if (!isnull)
		return;
	id = DatumGetInt64(slot_getattr(s->slot, s->attnum[CC_ID], &isnull));
	if (isnull || (s->found && d == s->distance && at == s->reported_at && id >= s->id))
		return;
	if (s->scoped && !reader_sees(s, id))
		return;
	s->found = true;
	s->distance = d;
	s->reported_at = at;
	s->id = id;
}

/* Scan key on index column i (1-based) with the opfamily's operator of a strategy. */
static void
scan_key(ScanKey key, Relation irel, int i, StrategyNumber strategy, Datum arg, int flags)
{
	Oid			type = irel->rd_opcintype[i - 1];
	Oid			op = get_opfamily_member(irel->rd_opfamily[i - 1], type, type, strategy);

	if (!OidIsValid(op))
		elog(ERROR, "index \"%s\" has no operator of strategy %d on column %d",
			 RelationGetRelationName(irel), strategy, i);
	ScanKeyEntryInitialize(key, flags, i, strategy, type, irel->rd_indcollation[i - 1],
						   get_opcode(op), arg);
}

/* The index entry the scan is on: a candidate if near enough, then its case if visible. */
static void
consider_entry(Search *s, IndexScanDesc scan)
{
	IndexTuple	itup = scan->xs_itup;
	TupleDesc	desc = scan->xs_itupdesc;
	bool		nulls[3];
	double		x = DatumGetFloat8(index_getattr(itup, 1 + DUPKEY_X, desc, &nulls[0]));
	double		y = DatumGetFloat8(index_getattr(itup, 1 + DUPKEY_Y, desc, &nulls[1]));
	TimestampTz at = DatumGetTimestampTz(index_getattr(itup, 1 + DUPKEY_REPORTED_AT, desc, &nulls[2]));
	double		d;

	if (nulls[0] || nulls[1] || nulls[2])
		return;
	d = candidate_distance(s, x, y, at);
	if (d >= 0.0 && index_fetch_heap(scan, s->slot))
		consider_case(s, d, at);
}

/*
 * Keys of one scan: county, category, then either cell = ANY (every cell of
 * the box), or cell between the ends of one span (set per span), then the
 * window.  Returns the number of keys.
 */
static int
search_keys(const Search *s, Relation irel, const CellBox *cb, int64 ncells, ScanKey keys)
{
	int			n = 0;

	scan_key(&keys[n++], irel, 1 + DUPKEY_COUNTY, BTEqualStrategyNumber, GridCodeGetDatum(s->p->county), 0);
	scan_key(&keys[n++], irel, 1 + DUPKEY_CATEGORY, BTEqualStrategyNumber, PointerGetDatum(s->p->category), 0);
	if (ncells <= DUPLICATE_MAX_CELLS)
		scan_key(&keys[n++], irel, 1 + DUPKEY_CELL, BTEqualStrategyNumber, cell_array(cb, ncells),
				 SK_SEARCHARRAY);
	else
	{
		scan_key(&keys[n++], irel, 1 + DUPKEY_CELL, BTGreaterEqualStrategyNumber, Int32GetDatum(0), 0);
		scan_key(&keys[n++], irel, 1 + DUPKEY_CELL, BTLessEqualStrategyNumber, Int32GetDatum(0), 0);
	}
	scan_key(&keys[n++], irel, 1 + DUPKEY_REPORTED_AT, BTGreaterEqualStrategyNumber,
			 TimestampTzGetDatum(s->from), 0);
	scan_key(&keys[n++], irel, 1 + DUPKEY_REPORTED_AT, BTLessEqualStrategyNumber,
			 TimestampTzGetDatum(s->to), 0);
	return n;
}

/* Whether the statement's snapshot may use the index (as the planner decides). */
static bool
index_usable_now(Relation irel)
{
	Form_pg_index ix = irel->rd_index;

	return ix->indisvalid &&
		(!ix->indcheckxmin ||
		 TransactionIdPrecedes(HeapTupleHeaderGetXmin(irel->rd_indextuple->t_data), TransactionXmin));
}

static void
scan_index(Search *s, Relation rel, Relation irel)
{
	CellBox		cb;
	int64		ncells = cell_box(&s->box, &cb);
	ScanKeyData keys[6];
	int			nkeys = search_keys(s, irel, &cb, ncells, keys);
	int			spans = (ncells <= DUPLICATE_MAX_CELLS) ? 1 : cb.nspans;
	IndexScanDesc scan = index_beginscan(rel, irel, GetActiveSnapshot(), nkeys, 0);
	int			k;

	scan->xs_want_itup = true;
	for (k = 0; k < spans; k++)
	{
		if (ncells > DUPLICATE_MAX_CELLS)
		{
			keys[2].sk_argument = Int32GetDatum(cell_of(cb.col_lo[k], cb.row_lo));
			keys[3].sk_argument = Int32GetDatum(cell_of(cb.col_hi[k], cb.row_hi));
		}
		index_rescan(scan, keys, nkeys, NULL, 0);
		/* Latest first: of cases at one distance, the first one that qualifies wins. */
		while (index_getnext_tid(scan, BackwardScanDirection) != NULL)
			consider_entry(s, scan);
	}
	index_endscan(scan);
}

/* The x and y of a stored point; false for NULL-like values (empty, not a point). */
static void
point_visitor(const WkbSeq *seq, void *arg)
{
	double	   *xy = (double *) arg;

	if (seq->npoints == 1)
		wkb_seq_get(seq, 0, &xy[0], &xy[1]);
}

static bool
stored_point(Datum geometry, double *x, double *y)
{
	bytea	   *ewkb = pgis_as_ewkb(geometry);
	WkbInfo		info;
	double		xy[2] = {0.0, 0.0};

	wkb_walk((uint8 *) VARDATA_ANY(ewkb), VARSIZE_ANY_EXHDR(ewkb), point_visitor, xy, &info);
	pfree(ewkb);
	*x = xy[0];
	*y = xy[1];
	return info.type == WKB_POINT && !info.empty;
}

/* The row in the slot, from a scan of the whole table: every condition checked here. */
static void
consider_row(Search *s)
{
	const int  *a = s->attnum;
	bool		isnull[4];
	Datum		county = slot_getattr(s->slot, a[CC_COUNTY], &isnull[0]);
	Datum		category = slot_getattr(s->slot, a[CC_CATEGORY], &isnull[1]);
	Datum		at = slot_getattr(s->slot, a[CC_REPORTED_AT], &isnull[2]);
	Datum		location = slot_getattr(s->slot, a[CC_LOCATION], &isnull[3]);
	double		x;
	double		y;
	double		d;

	if (isnull[0] || isnull[1] || isnull[2] || isnull[3] ||
		DatumGetGridCode(county) != s->p->county ||
		DatumGetTimestampTz(at) < s->from || DatumGetTimestampTz(at) > s->to ||
		!DatumGetBool(DirectFunctionCall2Coll(texteq, s->category_collation, category,
											  PointerGetDatum(s->p->category))) ||
		!stored_point(location, &x, &y))
		return;
	d = candidate_distance(s, x, y, DatumGetTimestampTz(at));
	if (d >= 0.0)
		consider_case(s, d, DatumGetTimestampTz(at));
}

static void
scan_table(Search *s, Relation rel)
{
	TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);

	while (table_scan_getnextslot(scan, ForwardScanDirection, s->slot))
	{
		CHECK_FOR_INTERRUPTS();
		consider_row(s);
	}
	table_endscan(scan);
}

/*
 * The search reads with the reader's rights: SELECT on its columns, and when
 * row-level security applies to the reader, only the cases of its scope (the
 * policy's own check, applied to each candidate); returns whether it does.
 */
static bool
check_reader(Relation rel, const int *attnum, Oid reader)
{
	static const CaseCol read[] = {
		CC_ID, CC_COUNTY, CC_CATEGORY, CC_LOCATION, CC_REPORTED_AT, CC_CLOSED_AT, CC_MASTER,
		CC_GRID, CC_DEPARTMENT
	};
	Oid			relid = RelationGetRelid(rel);
	size_t		i;

	if (pg_class_aclcheck(relid, reader, ACL_SELECT) != ACLCHECK_OK)
		for (i = 0; i < lengthof(read); i++)
			if (pg_attribute_aclcheck(relid, attnum[read[i]], reader, ACL_SELECT) != ACLCHECK_OK)
				aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(rel));
	if (check_enable_rls(relid, reader, false) != RLS_ENABLED)
		return false;
	if (reader != GetUserId())
		elog(ERROR, "a scoped duplicate search must run as its reader");
	return true;
}

/* The window around at; false when it is empty (a negative window). */
static bool
window_bounds(const DuplicateProbe *p, TimestampTz *from, TimestampTz *to)
{
	*from = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
													TimestampTzGetDatum(p->at), p->window));
	*to = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												  TimestampTzGetDatum(p->at), p->window));
	return *from <= *to;
}

bool
duplicate_find(Relation rel, const DuplicateProbe *p, Oid reader, int64 *id)
{
	const CaseColumns *cols = case_columns(rel);
	Oid			indexoid;
	Relation	irel = NULL;
	Search		s;

	bool		scoped = check_reader(rel, cols->attnum, reader);

	memset(&s, 0, sizeof(s));
	s.scoped = scoped;
	s.p = p;
	s.attnum = cols->attnum;
	s.category_collation = TupleDescAttr(RelationGetDescr(rel), cols->attnum[CC_CATEGORY] - 1)->attcollation;
	sphere_circle_box(p->lon, p->lat, p->radius_m, &s.box);
	s.last_x = get_float8_nan();
	if (!window_bounds(p, &s.from, &s.to))
		return false;
	indexoid = duplicate_index(rel, cols);
	if (OidIsValid(indexoid))
		irel = index_open(indexoid, AccessShareLock);
	s.slot = table_slot_create(rel, NULL);
	if (irel != NULL && index_usable_now(irel))
		scan_index(&s, rel, irel);
	else
		scan_table(&s, rel);
	ExecDropSingleTupleTableSlot(s.slot);
	if (irel != NULL)
		index_close(irel, AccessShareLock);
	*id = s.id;
	return s.found;
}

/* gridgov.find_duplicate() ----------------------------------------------------------- */

static Oid
cases_relid(void)
{
	Oid			relid = get_relname_relid("cases", get_namespace_oid("gridgov", false));

	if (!OidIsValid(relid))
		elog(ERROR, "table gridgov.cases not found");
	return relid;
}

/* gridgov.find_duplicate(county, category, at, point, radius_m, win), strict. */
PG_FUNCTION_INFO_V1(gridgov_find_duplicate);
Datum
gridgov_find_duplicate(PG_FUNCTION_ARGS)
{
	DuplicateProbe p;
	Relation	rel;
	int64		id;
	bool		found;

	p.county = PG_GETARG_GRIDCODE(0);
	p.category = PG_GETARG_TEXT_PP(1);
	p.at = PG_GETARG_TIMESTAMPTZ(2);
	locate_read_point(PG_GETARG_DATUM(3), "the point of a duplicate search", &p.lon, &p.lat);
	p.radius_m = PG_GETARG_FLOAT8(4);
	check_radius(p.radius_m);
	p.window = PG_GETARG_DATUM(5);
	rel = table_open(cases_relid(), AccessShareLock);
	found = duplicate_find(rel, &p, GetUserId(), &id);
	table_close(rel, AccessShareLock);
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/*
 * wkb.c
 *		Walk (E)WKB coordinate sequences; see wkb.h.
 */
#include "postgres.h"

#include <math.h>

#include "port/pg_bswap.h"

#include "wkb.h"

#define EWKB_Z_FLAG		0x80000000u
#define EWKB_M_FLAG		0x40000000u
#define EWKB_SRID_FLAG	0x20000000u

/* Nesting deeper than this is refused rather than recursed into. */
#define WKB_MAX_DEPTH	32

typedef struct WkbWalker
{
	uint8	   *data;
	size_t		len;
	size_t		pos;
	wkb_seq_fn	fn;
	void	   *arg;
	int			polygons;		/* running polygon counter */
	bool		any_coords;
} WkbWalker;

static bool
machine_is_little_endian(void)
{
#ifdef WORDS_BIGENDIAN
	return false;
#else
	return true;
#endif
}

static void
wkb_malformed(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("malformed WKB: %s", what)));
}

static void
need(WkbWalker *w, size_t n)
{
	if (n > w->len - w->pos)
		wkb_malformed("truncated geometry");
}

static uint32
read_uint32(WkbWalker *w, bool swap)
{
	uint32		v;

	need(w, 4);
	memcpy(&v, w->data + w->pos, 4);
	w->pos += 4;
	return swap ? pg_bswap32(v) : v;
}


void
wkb_seq_get(const WkbSeq *seq, uint32 i, double *x, double *y)
{
	uint8	   *p = seq->coords + (size_t) i * seq->ndims * sizeof(double);
	uint64		bits[2];

	memcpy(bits, p, sizeof(bits));
	if (seq->swap)
	{
		bits[0] = pg_bswap64(bits[0]);
		bits[1] = pg_bswap64(bits[1]);
	}
	memcpy(x, &bits[0], sizeof(double));
	memcpy(y, &bits[1], sizeof(double));
}

void
wkb_seq_set(const WkbSeq *seq, uint32 i, double x, double y)
{
	uint8	   *p = seq->coords + (size_t) i * seq->ndims * sizeof(double);
	uint64		bits[2];

	memcpy(&bits[0], &x, sizeof(double));
	memcpy(&bits[1], &y, sizeof(double));
	if (seq->swap)
	{
		bits[0] = pg_bswap64(bits[0]);
		bits[1] = pg_bswap64(bits[1]);
	}
	memcpy(p, bits, sizeof(bits));
}

/* Consume a sequence of npoints points and hand it to the visitor. */
static void
visit_sequence(WkbWalker *w, int geomtype, int polygon, int ring, uint32 npoints,
			   int ndims, bool swap)
{
	WkbSeq		seq;
	size_t		bytes;

	if (npoints > (w->len - w->pos) / (ndims * sizeof(double)))
		wkb_malformed("point count exceeds the data");
	bytes = (size_t) npoints * ndims * sizeof(double);
	seq.geomtype = geomtype;
	seq.polygon = polygon;
	seq.ring = ring;
	seq.npoints = npoints;
	seq.ndims = ndims;
	seq.swap = swap;
	seq.coords = w->data + w->pos;
	if (npoints > 0 && w->fn)
		w->fn(&seq, w->arg);
	w->pos += bytes;
}

static bool
point_is_empty(WkbWalker *w, int ndims, bool swap)
{
	WkbSeq		seq = {WKB_POINT, -1, 0, 1, ndims, swap, w->data + w->pos};
	double		x,
				y;

	need(w, ndims * sizeof(double));
	wkb_seq_get(&seq, 0, &x, &y);
	return isnan(x) && isnan(y);
}

static void walk_geometry(WkbWalker *w, int depth, WkbInfo *info);

static void
walk_rings(WkbWalker *w, int geomtype, int ndims, bool swap)
{
	uint32		nrings = read_uint32(w, swap);
	int			polygon = w->polygons++;
	uint32		r;

	for (r = 0; r < nrings; r++)
	{
		uint32		npoints = read_uint32(w, swap);

		visit_sequence(w, geomtype, polygon, (int) r, npoints, ndims, swap);
		if (npoints > 0)
			w->any_coords = true;
	}
}

static void
walk_body(WkbWalker *w, int type, int ndims, bool swap, int depth)
{
	uint32		n;
	uint32		i;

	switch (type)
	{
		case WKB_POINT:
			if (point_is_empty(w, ndims, swap))
				w->pos += ndims * sizeof(double);
			else
			{
				w->any_coords = true;
				visit_sequence(w, WKB_POINT, -1, 0, 1, ndims, swap);
			}
			break;
		case WKB_LINESTRING:
		case WKB_CIRCULARSTRING:
			n = read_uint32(w, swap);
			visit_sequence(w, type, -1, 0, n, ndims, swap);
			if (n > 0)
				w->any_coords = true;
			break;
		case WKB_POLYGON:
		case WKB_TRIANGLE:
			walk_rings(w, type, ndims, swap);
			break;
		case WKB_MULTIPOINT:
		case WKB_MULTILINESTRING:
		case WKB_MULTIPOLYGON:
		case WKB_GEOMETRYCOLLECTION:
		case WKB_COMPOUNDCURVE:
		case WKB_CURVEPOLYGON:
		case WKB_MULTICURVE:
		case WKB_MULTISURFACE:
		case WKB_POLYHEDRALSURFACE:
		case WKB_TIN:
			n = read_uint32(w, swap);
			for (i = 0; i < n; i++)
				walk_geometry(w, depth + 1, NULL);
			break;
		default:
			wkb_malformed(psprintf("unknown geometry type %d", type));
	}
}

static void
walk_geometry(WkbWalker *w, int depth, WkbInfo *info)
{
	uint8		order;
	bool		swap;
	uint32		rawtype;
	int			type;
	int			ndims = 2;
	bool		has_srid;
	int32		srid = 0;

	if (depth > WKB_MAX_DEPTH)
		wkb_malformed("geometry nested too deeply");
	need(w, 1);
	order = w->data[w->pos++];
	if (order > 1)
		wkb_malformed("bad byte order mark");
	swap = ((order == 1) != machine_is_little_endian());
	rawtype = read_uint32(w, swap);

	has_srid = (rawtype & EWKB_SRID_FLAG) != 0;
	ndims += ((rawtype & EWKB_Z_FLAG) != 0) + ((rawtype & EWKB_M_FLAG) != 0);
	type = (int) (rawtype & 0x0FFFFFFFu);
	if (type >= 1000 && type < 4000)
	{
		/* ISO numbering: 1000s Z, 2000s M, 3000s ZM */
		ndims += (type / 1000 == 3) ? 2 : 1;
		type %= 1000;
	}
	if (has_srid)
		srid = (int32) read_uint32(w, swap);
	if (info)
	{
		info->type = type;
		info->has_srid = has_srid;
		info->srid = srid;
		info->ndims = ndims;
	}
	walk_body(w, type, ndims, swap, depth);
}

void
wkb_walk(uint8 *data, size_t len, wkb_seq_fn fn, void *arg, WkbInfo *info)
{
	WkbWalker	w = {data, len, 0, fn, arg, 0, false};
	WkbInfo		local;

	walk_geometry(&w, 0, info ? info : &local);
	if (info)
		info->empty = !w.any_coords;
}

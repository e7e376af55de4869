/*
 * wkb.h
 *		A walker over (E)WKB, the form in which gridgov receives geometries from
 *		PostGIS (see pgis.h).  It visits every coordinate sequence — the point of
 *		a Point, the vertices of a line or curve, each ring of a polygon or
 *		triangle — of any geometry type, nested collections included, and lets
 *		the visitor read or rewrite X/Y in place.
 *
 * Both EWKB flags (Z 0x80000000, M 0x40000000, SRID 0x20000000) and ISO type
 * numbers (1000s Z, 2000s M, 3000s ZM) are understood.  Malformed input raises
 * 22P03.
 */
#ifndef GRIDGOV_WKB_H
#define GRIDGOV_WKB_H

#include "postgres.h"

/* WKB geometry type numbers. */
#define WKB_POINT				1
#define WKB_LINESTRING			2
#define WKB_POLYGON				3
#define WKB_MULTIPOINT			4
#define WKB_MULTILINESTRING		5
#define WKB_MULTIPOLYGON		6
#define WKB_GEOMETRYCOLLECTION	7
#define WKB_CIRCULARSTRING		8
#define WKB_COMPOUNDCURVE		9
#define WKB_CURVEPOLYGON		10
#define WKB_MULTICURVE			11
#define WKB_MULTISURFACE		12
#define WKB_POLYHEDRALSURFACE	15
#define WKB_TIN					16
#define WKB_TRIANGLE			17

/* One coordinate sequence met during a walk. */
typedef struct WkbSeq
{
	int			geomtype;		/* type owning the sequence (1, 2, 3, 8, 17) */
	int			polygon;		/* running polygon number for rings, else -1 */
	int			ring;			/* ring number inside its polygon, 0 = exterior */
	uint32		npoints;
	int			ndims;			/* doubles per point: 2, 3 or 4 */
	bool		swap;			/* byte order differs from the machine's */
	uint8	   *coords;			/* first byte of the first point */
} WkbSeq;

/* What a walk learned about the root geometry. */
typedef struct WkbInfo
{
	int			type;			/* root geometry type number */
	bool		has_srid;
	int32		srid;
	int			ndims;
	bool		empty;			/* no coordinates at all (or a NaN empty point) */
} WkbInfo;

typedef void (*wkb_seq_fn) (const WkbSeq *seq, void *arg);

/* Walk the geometry in data[0..len), calling fn (may be NULL) per sequence. */
extern void wkb_walk(uint8 *data, size_t len, wkb_seq_fn fn, void *arg, WkbInfo *info);

/* Read and write X/Y of point i of a sequence. */
extern void wkb_seq_get(const WkbSeq *seq, uint32 i, double *x, double *y);
extern void wkb_seq_set(const WkbSeq *seq, uint32 i, double x, double y);

#endif							/* GRIDGOV_WKB_H */

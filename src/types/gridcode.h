/*
 * gridcode.h
 *		The gridcode type's internal representation, shared by every C module
 *		that reads or produces area codes.
 *
 * A gridcode is a string of 2, 4, 6, 9, 12, 14 or 15 decimal digits (province,
 * city, county, town/street, village/community, unit grid with a 2- or 3-digit
 * sequence).  It is stored in one int64, passed by value:
 *
 *		packed = (digits padded on the right with zeros to 15 digits) << 3 | lencode
 *
 * where lencode is the index of the code's length in gridcode_lengths[].  Plain
 * signed comparison of the packed values is the type's total order: codes sort
 * by their padded digits, and on equal padded digits the shorter code (the
 * ancestor) first.  Hence an ancestor sorts before all of its descendants and a
 * subtree is the contiguous range [code, gridcode_subtree_max(code)].
 *
 * This layout is also the binary send/recv format; never change it without an
 * upgrade path.
 */
#ifndef GRIDGOV_GRIDCODE_H
#define GRIDGOV_GRIDCODE_H

#include "postgres.h"
#include "fmgr.h"

typedef int64 GridCode;

#define GRIDCODE_MAX_DIGITS		15
#define GRIDCODE_NLENGTHS		7
#define GRIDCODE_LENCODE_BITS	3
#define GRIDCODE_LENCODE_MASK	((int64) 7)

/* Hierarchy levels, as returned by gridgov.level(). */
#define GRIDCODE_LEVEL_PROVINCE		1
#define GRIDCODE_LEVEL_CITY			2
#define GRIDCODE_LEVEL_COUNTY		3
#define GRIDCODE_LEVEL_TOWN			4
#define GRIDCODE_LEVEL_COMMUNITY	5
#define GRIDCODE_LEVEL_GRID			6

#define DatumGetGridCode(X)		((GridCode) DatumGetInt64(X))
#define GridCodeGetDatum(X)		Int64GetDatum((int64) (X))
#define PG_GETARG_GRIDCODE(n)	DatumGetGridCode(PG_GETARG_DATUM(n))
#define PG_RETURN_GRIDCODE(x)	return GridCodeGetDatum(x)

/* Number of digits of each length code, in sort order. */
extern const int gridcode_lengths[GRIDCODE_NLENGTHS];
/* Powers of ten 10^0 .. 10^15. */
extern const int64 gridcode_pow10[GRIDCODE_MAX_DIGITS + 1];

/* Length code for a digit count, or -1 when the count is not a gridcode length. */
extern int	gridcode_lencode_for_length(int ndigits);

/* Level (1..6) for a digit count that is a valid gridcode length. */
extern int	gridcode_level_for_length(int ndigits);

/* Largest digit count that belongs to a level (1..6): 2, 4, 6, 9, 12 or 15. */
extern int	gridcode_length_for_level(int level);

/* true when the packed value is one that gridcode_make() can produce. */
extern bool gridcode_is_wellformed(int64 packed);

/* Build a code from its own digits read as a number and its digit count. */
extern GridCode gridcode_make(int64 value, int ndigits);

/* Text of a code into buf (at least GRIDCODE_MAX_DIGITS + 1 bytes). */
extern void gridcode_to_cstring(GridCode code, char *buf);

/* The hash of a gridcode (its hash opclass; Citus places rows by it). */
extern int32 gridcode_hash_of(GridCode code);

/* Parse a NUL-terminated string; raises 22P02 naming the problem. */
extern GridCode gridcode_from_cstring(const char *str);

/* The greatest code in the subtree rooted at code (code itself for unit grids). */
extern GridCode gridcode_subtree_max(GridCode code);

/* The code cut to ndigits (a valid length not above its own). */
extern GridCode gridcode_truncate(GridCode code, int ndigits);

/* true when a is b or an ancestor of b in the hierarchy. */
extern bool gridcode_is_ancestor_or_self(GridCode a, GridCode b);

static inline int
gridcode_ndigits(GridCode code)
{
	return gridcode_lengths[code & GRIDCODE_LENCODE_MASK];
}

static inline int64
gridcode_padded(GridCode code)
{
	return code >> GRIDCODE_LENCODE_BITS;
}

static inline int
gridcode_level(GridCode code)
{
	return gridcode_level_for_length(gridcode_ndigits(code));
}

/* The code's own digits as a number, e.g. 110115 for '110115'. */
static inline int64
gridcode_value(GridCode code)
{
	return gridcode_padded(code) / gridcode_pow10[GRIDCODE_MAX_DIGITS - gridcode_ndigits(code)];
}

#endif							/* GRIDGOV_GRIDCODE_H */

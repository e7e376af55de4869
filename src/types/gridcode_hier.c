/*
 * gridcode_hier.c
 *		The hierarchy over gridcodes: levels, parent and ancestors, the
 *		ancestor-or-self operators, and the GB/T 2260 / GB/T 10114 digit-range
 *		checks of administrative code prefixes.
 *
 * Levels: 1 province (2 digits), 2 city (4), 3 county (6), 4 town/street (9),
 * 5 village/community (12), 6 unit grid (14 or 15).  A 14-digit and a 15-digit
 * unit grid are never ancestors of one another.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "gridcode.h"

static const char *const level_names[] = {
	NULL, "province", "city", "county", "town", "community", "grid"
};

#define LEVEL_NAMES_TEXT "province, city, county, town, community, grid"

static void
check_level_range(int32 level)
{
	if (level < GRIDCODE_LEVEL_PROVINCE || level > GRIDCODE_LEVEL_GRID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gridcode level %d is out of range", level),
				 errdetail("Levels run from 1 (province) to 6 (unit grid).")));
}

static int
level_from_name(const char *name)
{
	int			level;

	for (level = GRIDCODE_LEVEL_PROVINCE; level <= GRIDCODE_LEVEL_GRID; level++)
		if (strcmp(name, level_names[level]) == 0)
			return level;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown gridcode level \"%s\"", name),
			 errdetail("Valid level names are " LEVEL_NAMES_TEXT ".")));
	return 0;					/* keep compiler quiet */
}

/*
 * The ancestor of code at a level, or -1 when the code is above that level
 * (a county code has no town ancestor).
 */
static GridCode
ancestor_at_level(GridCode code, int level)
{
	int			own = gridcode_level(code);

	if (level > own)
		return -1;
	if (level == own)
		return code;
	return gridcode_truncate(code, gridcode_length_for_level(level));
}

PG_FUNCTION_INFO_V1(gridcode_level_fn);
Datum
gridcode_level_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(gridcode_level(PG_GETARG_GRIDCODE(0)));
}

PG_FUNCTION_INFO_V1(gridcode_level_name);
Datum
gridcode_level_name(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(level_names[gridcode_level(PG_GETARG_GRIDCODE(0))]));
}

PG_FUNCTION_INFO_V1(gridcode_parent);
Datum
gridcode_parent(PG_FUNCTION_ARGS)
{
	GridCode	code = PG_GETARG_GRIDCODE(0);
	int			level = gridcode_level(code);

	if (level == GRIDCODE_LEVEL_PROVINCE)
		PG_RETURN_NULL();
	PG_RETURN_GRIDCODE(ancestor_at_level(code, level - 1));
}

static Datum
ancestor_result(FunctionCallInfo fcinfo, GridCode code, int level)
{
	GridCode	result = ancestor_at_level(code, level);

	if (result < 0)
		PG_RETURN_NULL();
	PG_RETURN_GRIDCODE(result);
}

PG_FUNCTION_INFO_V1(gridcode_ancestor);
Datum
gridcode_ancestor(PG_FUNCTION_ARGS)
{
	int32		level = PG_GETARG_INT32(1);

	check_level_range(level);
	return ancestor_result(fcinfo, PG_GETARG_GRIDCODE(0), level);
}

PG_FUNCTION_INFO_V1(gridcode_ancestor_by_name);
Datum
gridcode_ancestor_by_name(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

	return ancestor_result(fcinfo, PG_GETARG_GRIDCODE(0), level_from_name(name));
}

PG_FUNCTION_INFO_V1(gridcode_subtree_max_fn);
Datum
gridcode_subtree_max_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCODE(gridcode_subtree_max(PG_GETARG_GRIDCODE(0)));
}

/* a @> b: a is b or an ancestor of b. */
PG_FUNCTION_INFO_V1(gridcode_contains);
Datum
gridcode_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridcode_is_ancestor_or_self(PG_GETARG_GRIDCODE(0), PG_GETARG_GRIDCODE(1)));
}

/* a <@ b: a is b or a descendant of b. */
PG_FUNCTION_INFO_V1(gridcode_contained);
Datum
gridcode_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridcode_is_ancestor_or_self(PG_GETARG_GRIDCODE(1), PG_GETARG_GRIDCODE(0)));
}

/* The digits of the code from position start (0-based) for n digits. */
static int
digits_at(GridCode code, int start, int n)
{
	int			ndigits = gridcode_ndigits(code);

	return (int) ((gridcode_value(code) / gridcode_pow10[ndigits - start - n]) % gridcode_pow10[n]);
}

static bool
province_is_valid(int p)
{
	/* GB/T 2260 province-level codes. */
	static const int provinces[] = {
		11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
		41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
		71, 81, 82
	};
	size_t		i;

	for (i = 0; i < lengthof(provinces); i++)
		if (provinces[i] == p)
			return true;
	return false;
}

/*
 * Kind of a town-level (digits 7-9) or village-level (digits 10-12) segment
 * per GB/T 10114 and the statistical division codes, NULL when out of range.
 */
static const char *
town_kind(int t)
{
	if (t >= 1 && t <= 99)
		return "street";
	if (t >= 100 && t <= 199)
		return "town";
	if (t >= 200 && t <= 399)
		return "township";
	if (t >= 400 && t <= 599)
		return "other";
	return NULL;
}

static const char *
village_kind(int v)
{
	if (v >= 1 && v <= 199)
		return "residents";
	if (v >= 200 && v <= 399)
		return "villagers";
	if (v >= 400 && v <= 599)
		return "other";
	return NULL;
}

/*
 * Whether every administrative segment the code has lies in its documented
 * digit range: province in the GB/T 2260 list; city 01-70 or 90; county 00-99
 * (00 for a city not divided into districts); town 001-599; village 001-599;
 * unit-grid sequence not zero.
 */
static bool
admin_prefix_is_valid(GridCode code)
{
	int			ndigits = gridcode_ndigits(code);
	int			city;

	if (!province_is_valid(digits_at(code, 0, 2)))
		return false;
	if (ndigits == 2)
		return true;
	city = digits_at(code, 2, 2);
	if (!((city >= 1 && city <= 70) || city == 90))
		return false;
	if (ndigits == 4 || ndigits == 6)
		return true;
	if (town_kind(digits_at(code, 6, 3)) == NULL)
		return false;
	if (ndigits == 9)
		return true;
	if (village_kind(digits_at(code, 9, 3)) == NULL)
		return false;
	if (ndigits == 12)
		return true;
	return digits_at(code, 12, ndigits - 12) != 0;
}

PG_FUNCTION_INFO_V1(gridcode_is_valid_admin_prefix);
Datum
gridcode_is_valid_admin_prefix(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(admin_prefix_is_valid(PG_GETARG_GRIDCODE(0)));
}

/*
 * The kind of the code's own last administrative segment: for a town-level
 * code street | town | township | other, for a village-level code
 * residents | villagers | other; NULL at other levels or out of range.
 */
PG_FUNCTION_INFO_V1(gridcode_admin_kind);
Datum
gridcode_admin_kind(PG_FUNCTION_ARGS)
{
	GridCode	code = PG_GETARG_GRIDCODE(0);
	const char *kind = NULL;

	if (gridcode_ndigits(code) == 9)
		kind = town_kind(digits_at(code, 6, 3));
	else if (gridcode_ndigits(code) == 12)
		kind = village_kind(digits_at(code, 9, 3));
	if (kind == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(kind));
}

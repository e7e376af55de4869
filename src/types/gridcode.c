/*
 * gridcode.c
 *		The gridcode base type: representation, text and binary I/O, casts,
 *		comparison, sort support and hashing.
 *
 * See gridcode.h for the packed layout and why integer order is the
 * hierarchy-friendly order.  Hierarchy functions live in gridcode_hier.c and
 * the planner support in gridcode_planner.c.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/sortsupport.h"

#include "gridcode.h"

/* Packed int64 must travel by value. */
#if !USE_FLOAT8_BYVAL
#error "gridgov needs a 64-bit platform: gridcode is an 8-byte pass-by-value type"
#endif

const int	gridcode_lengths[GRIDCODE_NLENGTHS] = {2, 4, 6, 9, 12, 14, 15};

const int64 gridcode_pow10[GRIDCODE_MAX_DIGITS + 1] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000),
	INT64CONST(10000), INT64CONST(100000), INT64CONST(1000000),
	INT64CONST(10000000), INT64CONST(100000000), INT64CONST(1000000000),
	INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000),
	INT64CONST(100000000000000), INT64CONST(1000000000000000)
};

/* Input longer than this is echoed clipped in error messages. */
#define GRIDCODE_ECHO_MAX	40

#define GRIDCODE_LENGTHS_TEXT "2, 4, 6, 9, 12, 14 or 15"

int
gridcode_lencode_for_length(int ndigits)
{
	int			i;

	for (i = 0; i < GRIDCODE_NLENGTHS; i++)
		if (gridcode_lengths[i] == ndigits)
			return i;
	return -1;
}

int
gridcode_level_for_length(int ndigits)
{
	switch (ndigits)
	{
		case 2:
			return GRIDCODE_LEVEL_PROVINCE;
		case 4:
			return GRIDCODE_LEVEL_CITY;
		case 6:
			return GRIDCODE_LEVEL_COUNTY;
		case 9:
			return GRIDCODE_LEVEL_TOWN;
		case 12:
			return GRIDCODE_LEVEL_COMMUNITY;
		case 14:
		case 15:
			return GRIDCODE_LEVEL_GRID;
	}
	elog(ERROR, "gridcode length %d has no level", ndigits);
	return 0;					/* keep compiler quiet */
}

int
gridcode_length_for_level(int level)
{
	static const int by_level[] = {0, 2, 4, 6, 9, 12, 15};

	if (level < GRIDCODE_LEVEL_PROVINCE || level > GRIDCODE_LEVEL_GRID)
		elog(ERROR, "gridcode level %d does not exist", level);
	return by_level[level];
}

bool
gridcode_is_wellformed(int64 packed)
{
	int64		lencode = packed & GRIDCODE_LENCODE_MASK;
	int64		padded = packed >> GRIDCODE_LENCODE_BITS;
	int			ndigits;

	if (packed < 0 || lencode >= GRIDCODE_NLENGTHS)
		return false;
	if (padded >= gridcode_pow10[GRIDCODE_MAX_DIGITS])
		return false;
	ndigits = gridcode_lengths[lencode];
	return padded % gridcode_pow10[GRIDCODE_MAX_DIGITS - ndigits] == 0;
}

GridCode
gridcode_make(int64 value, int ndigits)
{
	int			lencode = gridcode_lencode_for_length(ndigits);

	Assert(lencode >= 0);
	Assert(value >= 0 && value < gridcode_pow10[ndigits]);
	return ((value * gridcode_pow10[GRIDCODE_MAX_DIGITS - ndigits])
			<< GRIDCODE_LENCODE_BITS) | lencode;
}

void
gridcode_to_cstring(GridCode code, char *buf)
{
	int			ndigits = gridcode_ndigits(code);
	int64		value = gridcode_value(code);
	int			i;

	for (i = ndigits - 1; i >= 0; i--)
	{
		buf[i] = (char) ('0' + value % 10);
		value /= 10;
	}
	buf[ndigits] = '\0';
}

GridCode
gridcode_truncate(GridCode code, int ndigits)
{
	int			own = gridcode_ndigits(code);

	Assert(ndigits <= own && gridcode_lencode_for_length(ndigits) >= 0);
	return gridcode_make(gridcode_value(code) / gridcode_pow10[own - ndigits], ndigits);
}

GridCode
gridcode_subtree_max(GridCode code)
{
	int			ndigits = gridcode_ndigits(code);
	int64		padded;

	/* A unit grid has no descendants: 14- and 15-digit codes are siblings. */
	if (ndigits >= 14)
		return code;
	padded = gridcode_padded(code) + gridcode_pow10[GRIDCODE_MAX_DIGITS - ndigits] - 1;
	return (padded << GRIDCODE_LENCODE_BITS) | (GRIDCODE_NLENGTHS - 1);
}

bool
gridcode_is_ancestor_or_self(GridCode a, GridCode b)
{
	return a <= b && b <= gridcode_subtree_max(a);
}

/* Echo of the user's input for an error message, clipped when long. */
static char *
gridcode_input_echo(const char *str)
{
	int			len = strlen(str);
	int			cut;

	if (len <= GRIDCODE_ECHO_MAX)
		return pstrdup(str);
	cut = pg_mbcliplen(str, len, GRIDCODE_ECHO_MAX);
	return psprintf("%.*s...", cut, str);
}

static void
gridcode_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type gridcode: \"%s\"",
					gridcode_input_echo(str)),
			 errdetail_internal("%s", detail)));
}

/* Report the first character that is not an ASCII digit, naming it. */
static void
gridcode_report_non_digit(const char *str, const char *bad)
{
	int			position = pg_mbstrlen_with_len(str, bad - str) + 1;
	int			charlen = pg_mblen(bad);

	gridcode_syntax_error(str,
						  psprintf("Character \"%.*s\" at position %d is not a digit; a gridcode has digits only.",
								   charlen, bad, position));
}

GridCode
gridcode_from_cstring(const char *str)
{
	const char *p;
	int64		value = 0;
	int			ndigits;

	if (*str == '\0')
		gridcode_syntax_error(str,
							  "The value is empty; a gridcode has " GRIDCODE_LENGTHS_TEXT " digits.");
	for (p = str; *p; p++)
		if (*p < '0' || *p > '9')
			gridcode_report_non_digit(str, p);

	ndigits = p - str;
	if (gridcode_lencode_for_length(ndigits) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type gridcode: \"%s\"",
						gridcode_input_echo(str)),
				 errdetail_plural("The value has %d digit; a gridcode has " GRIDCODE_LENGTHS_TEXT " digits.",
								  "The value has %d digits; a gridcode has " GRIDCODE_LENGTHS_TEXT " digits.",
								  ndigits, ndigits)));

	for (p = str; *p; p++)
		value = value * 10 + (*p - '0');
	return gridcode_make(value, ndigits);
}

PG_FUNCTION_INFO_V1(gridcode_in);
Datum
gridcode_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCODE(gridcode_from_cstring(PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(gridcode_out);
Datum
gridcode_out(PG_FUNCTION_ARGS)
{
	char	   *buf = palloc(GRIDCODE_MAX_DIGITS + 1);

	gridcode_to_cstring(PG_GETARG_GRIDCODE(0), buf);
	PG_RETURN_CSTRING(buf);
}

/* Binary format: the packed int64, validated on receipt. */
PG_FUNCTION_INFO_V1(gridcode_recv);
Datum
gridcode_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		packed = pq_getmsgint64(buf);

	if (!gridcode_is_wellformed(packed))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external gridcode value"),
				 errdetail("The 8-byte value " INT64_FORMAT " does not encode a gridcode.",
						   packed)));
	PG_RETURN_GRIDCODE(packed);
}

PG_FUNCTION_INFO_V1(gridcode_send);
Datum
gridcode_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, PG_GETARG_GRIDCODE(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* gridcode -> bigint: the code's digits read as a decimal number. */
PG_FUNCTION_INFO_V1(gridcode_to_int8);
Datum
gridcode_to_int8(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(gridcode_value(PG_GETARG_GRIDCODE(0)));
}

/* bigint -> gridcode: the decimal digits of the number must have a gridcode length. */
PG_FUNCTION_INFO_V1(int8_to_gridcode);
Datum
int8_to_gridcode(PG_FUNCTION_ARGS)
{
	int64		value = PG_GETARG_INT64(0);
	int64		rest;
	int			ndigits = 1;

	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint " INT64_FORMAT " cannot be a gridcode", value),
				 errdetail("A gridcode is a string of digits; negative numbers have none.")));
	for (rest = value / 10; rest > 0; rest /= 10)
		ndigits++;
	if (gridcode_lencode_for_length(ndigits) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint " INT64_FORMAT " cannot be a gridcode", value),
				 errdetail_plural("It has %d digit; a gridcode has " GRIDCODE_LENGTHS_TEXT " digits.",
								  "It has %d digits; a gridcode has " GRIDCODE_LENGTHS_TEXT " digits.",
								  ndigits, ndigits),
				 errhint("Codes with leading zeros can only be written as text.")));
	PG_RETURN_GRIDCODE(gridcode_make(value, ndigits));
}

/* Comparison: the packed values' integer order is the type's order. */
#define GRIDCODE_CMP_FUNC(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(PG_GETARG_GRIDCODE(0) op PG_GETARG_GRIDCODE(1)); \
}

GRIDCODE_CMP_FUNC(gridcode_eq, ==)
GRIDCODE_CMP_FUNC(gridcode_ne, !=)
GRIDCODE_CMP_FUNC(gridcode_lt, <)
GRIDCODE_CMP_FUNC(gridcode_le, <=)
GRIDCODE_CMP_FUNC(gridcode_gt, >)
GRIDCODE_CMP_FUNC(gridcode_ge, >=)

PG_FUNCTION_INFO_V1(gridcode_larger);
Datum
gridcode_larger(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCODE(Max(PG_GETARG_GRIDCODE(0), PG_GETARG_GRIDCODE(1)));
}

PG_FUNCTION_INFO_V1(gridcode_smaller);
Datum
gridcode_smaller(PG_FUNCTION_ARGS)
{
	PG_RETURN_GRIDCODE(Min(PG_GETARG_GRIDCODE(0), PG_GETARG_GRIDCODE(1)));
}

static inline int
gridcode_cmp_internal(GridCode a, GridCode b)
{
	return (a > b) - (a < b);
}

PG_FUNCTION_INFO_V1(gridcode_cmp);
Datum
gridcode_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(gridcode_cmp_internal(PG_GETARG_GRIDCODE(0), PG_GETARG_GRIDCODE(1)));
}

#if PG_VERSION_NUM < 150000
static int
gridcode_fastcmp(Datum x, Datum y, SortSupport ssup)
{
	return gridcode_cmp_internal(DatumGetGridCode(x), DatumGetGridCode(y));
}
#endif

PG_FUNCTION_INFO_V1(gridcode_sortsupport);
Datum
gridcode_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

#if PG_VERSION_NUM >= 150000
	/* Lets tuplesort use its specialised radix-friendly signed comparator. */
	ssup->comparator = ssup_datum_signed_cmp;
#else
	ssup->comparator = gridcode_fastcmp;
#endif
	PG_RETURN_VOID();
}

int32
gridcode_hash_of(GridCode code)
{
	return DatumGetInt32(DirectFunctionCall1(hashint8, Int64GetDatum(code)));
}

PG_FUNCTION_INFO_V1(gridcode_hash);
Datum
gridcode_hash(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(gridcode_hash_of(PG_GETARG_GRIDCODE(0)));
}

PG_FUNCTION_INFO_V1(gridcode_hash_extended);
Datum
gridcode_hash_extended(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2(hashint8extended, PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

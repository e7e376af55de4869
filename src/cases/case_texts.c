/*
 * case_texts.c
 *		The length limits of a case's free-text columns, as one CHECK
 *		constraint (cases_texts) calling gridgov.case_texts_ok().
 *
 * Six CHECK constraints of the form length(col) BETWEEN a AND b are read
 * back from the catalog and planned again for every statement that writes a
 * case, which costs a single-row INSERT more than the checks themselves.  One
 * C function with plain column arguments is cheap to set up, and it names
 * the column and its limit when a value is out of range (23514).
 * gridgov.case_texts_problem() says the same without raising, for checks
 * that collect refusals (the history import).
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

typedef struct TextLimit
{
	const char *column;
	int			min;			/* 0: may be empty */
	int			max;
} TextLimit;

/* In the order of the function's arguments. */
static const TextLimit limits[] = {
	{"external_id", 1, 100},
	{"title", 1, 500},
	{"description", 0, 20000},
	{"address", 0, 500},
	{"reporter_name", 0, 100},
	{"reporter_phone", 0, 40},
};

/*
 * -1 when the value has min to max characters, else its characters.
 * Characters are counted only when the bytes do not settle it: every
 * character takes one byte or more, so min <= bytes <= max means
 * min <= characters <= max.
 */
static int
out_of_limits(const TextLimit *limit, text *value)
{
	int			bytes = VARSIZE_ANY_EXHDR(value);
	int			chars;

	if (bytes >= limit->min && bytes <= limit->max)
		return -1;
	chars = pg_mbstrlen_with_len(VARDATA_ANY(value), bytes);
	return (chars < limit->min || chars > limit->max) ? chars : -1;
}

/* The first argument out of its limits (its characters in *chars), or NULL. */
static const TextLimit *
first_out_of_limits(FunctionCallInfo fcinfo, int *chars)
{
	int			i;

	for (i = 0; i < (int) lengthof(limits); i++)
		if (!PG_ARGISNULL(i) && (*chars = out_of_limits(&limits[i], PG_GETARG_TEXT_PP(i))) >= 0)
			return &limits[i];
	return NULL;
}

PG_FUNCTION_INFO_V1(gridgov_case_texts_ok);
Datum
gridgov_case_texts_ok(PG_FUNCTION_ARGS)
{
	int			chars;
	const TextLimit *limit = first_out_of_limits(fcinfo, &chars);

	if (limit)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s of a case must have %d to %d characters, not %d",
						limit->column, limit->min, limit->max, chars),
				 errdetail("The limits are those of constraint cases_texts on gridgov.cases.")));
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(gridgov_case_texts_problem);
Datum
gridgov_case_texts_problem(PG_FUNCTION_ARGS)
{
	int			chars;
	const TextLimit *limit = first_out_of_limits(fcinfo, &chars);

	if (!limit)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s must have %d to %d characters, not %d",
											  limit->column, limit->min, limit->max, chars)));
}

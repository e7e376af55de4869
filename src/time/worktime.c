/*
 * worktime.c
 *		Working-time arithmetic: worktime_add, worktime_between and
 *		is_working_day over compiled calendars (worktime_calendar.c).
 *
 * The calendar's work timeline is the sequence of its work intervals, day by
 * local day, period by period; each interval is clipped to start no earlier
 * than the end of the previous one (only DST changes can make them touch or
 * overlap) and empty ones are dropped.  Every walk starts at the local day
 * before the day of its start, so that clipping is the same for all entry
 * points, and looks at most WORKTIME_MAX_DAYS days ahead.
 *
 * Units (docs/calendars.md has the full rules and worked examples):
 *   minutes, working_hours  working time, counted inside work intervals from
 *                           start (or from the next interval when start is
 *                           outside work time); amounts are rounded to whole
 *                           microseconds;
 *   working_days            N: the close of the N-th working day after the
 *                           local date of start (that date never counts);
 *                           N + f: f of the (N+1)-th working day's working
 *                           time, from its opening;
 *   calendar_days           N: same local time of day N dates later, then the
 *                           fraction as elapsed time (timestamptz + interval
 *                           in the calendar's zone).
 * Amount 0 returns start unchanged for every unit.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"

#include "worktime.h"

PG_FUNCTION_INFO_V1(worktime_add_fn);
PG_FUNCTION_INFO_V1(worktime_between_fn);
PG_FUNCTION_INFO_V1(worktime_between_unit_fn);
PG_FUNCTION_INFO_V1(worktime_is_working_day_fn);

#define USECS_PER_MINUTE_N	INT64CONST(60000000)

static const char *const wt_unit_names[] = {
	"minutes", "working_hours", "working_days", "calendar_days"
};

#define WT_UNITS_TEXT "minutes, working_hours, working_days and calendar_days"

/* ------------------------------------------------------------------------
 * Numeric helpers
 * ------------------------------------------------------------------------
 */

static Numeric
num_mul(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static Numeric
num_sub(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static Numeric
num_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static Numeric
num_div(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(a),
											   NumericGetDatum(b)));
}

static int
num_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/* Rounded to the nearest integer, halves away from zero. */
static int64
num_round_int64(Numeric a)
{
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(a)));
}

static int64
num_floor_int64(Numeric a)
{
	return num_round_int64(DatumGetNumeric(DirectFunctionCall1(numeric_floor,
															   NumericGetDatum(a))));
}

static Numeric
num_trim(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(a)));
}

/* The amount as text for messages, cut short after 30 characters. */
static char *
num_text(Numeric a)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(a)));

	if (strlen(s) > 30)
		strcpy(s + 27, "...");
	return s;
}

/* ------------------------------------------------------------------------
 * Argument checks
 * ------------------------------------------------------------------------
 */

WorktimeUnit
worktime_unit_from_name(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(wt_unit_names); i++)
		if (strcmp(name, wt_unit_names[i]) == 0)
			return (WorktimeUnit) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown worktime unit \"%s\"", name),
			 errdetail("Units are " WT_UNITS_TEXT ".")));
	return WORKTIME_MINUTES;	/* keep compiler quiet */
}

const char *
worktime_unit_name(WorktimeUnit unit)
{
	return wt_unit_names[unit];
}

/* Timestamps are accepted in [0001-01-01, 10000-01-01) UTC. */
static void
wt_check_timestamp(TimestampTz ts, const char *what)
{
	TimestampTz lo = (TimestampTz) (date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	TimestampTz hi = (TimestampTz) (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite timestamp", what),
				 errdetail("Working time cannot be counted from or to infinity.")));
	if (ts < lo || ts >= hi)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of the supported range", what),
				 errdetail("Worktime functions accept timestamps from 0001-01-01 to 9999-12-31 (UTC).")));
}

/* The largest accepted amount of a unit, and its wording for messages. */
static int64
wt_unit_max(WorktimeUnit unit)
{
	switch (unit)
	{
		case WORKTIME_MINUTES:
			return WORKTIME_MAX_MINUTES;
		case WORKTIME_WORKING_HOURS:
			return WORKTIME_MAX_HOURS;
		case WORKTIME_WORKING_DAYS:
		case WORKTIME_CALENDAR_DAYS:
			return WORKTIME_MAX_DAYS;
	}
	return 0;					/* keep compiler quiet */
}

static void
wt_check_amount(Numeric amount, WorktimeUnit unit)
{
	if (numeric_is_nan(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("worktime amount must not be NaN")));
	if (numeric_is_inf(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("worktime amount must be finite, not %s", num_text(amount)),
				 errdetail("Deadlines are finite; use NULL for \"no deadline\" in your own tables.")));
	if (num_cmp(amount, int64_to_numeric(0)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("worktime amount must not be negative: %s", num_text(amount)),
				 errdetail("worktime_add only counts forward; use worktime_between for the time between two instants.")));
	if (num_cmp(amount, int64_to_numeric(wt_unit_max(unit))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("worktime amount %s is too large for unit \"%s\"",
						num_text(amount), worktime_unit_name(unit)),
				 errdetail("At most " INT64_FORMAT " %s (about 100 years) can be added.",
						   wt_unit_max(unit), worktime_unit_name(unit))));
}

/* A walk found no result within WORKTIME_MAX_DAYS days. */
static void
wt_no_result(const WtCalendar *cal, TimestampTz start, bool found_work)
{
	if (!found_work)
		ereport(ERROR,
				(errcode(ERRCODE_GG_NO_WORKING_TIME),
				 errmsg("calendar \"%s\" has no working time in the %d days after %s",
						cal->name, WORKTIME_MAX_DAYS, timestamptz_to_str(start)),
				 errhint("Give the calendar work periods in gridgov.calendar_periods.")));
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("worktime result lies more than %d days after %s",
					WORKTIME_MAX_DAYS, timestamptz_to_str(start)),
			 errdetail("Calendar \"%s\" has too little working time for this amount.",
					   cal->name)));
}

/* ------------------------------------------------------------------------
 * worktime_add
 * ------------------------------------------------------------------------
 */

/* The instant at which `us` microseconds of working time have elapsed. */
static TimestampTz
wt_add_us(WtCalendar *cal, TimestampTz start, int64 us)
{
	DateADT		d0;
	DateADT		d;
	int64		tod;
	TimestampTz floor = DT_NOBEGIN;
	int64		remaining = us;
	bool		found = false;

	if (us == 0)
		return start;
	wt_to_local(cal, start, &d0, &tod);
	for (d = d0 - 1; d <= d0 + WORKTIME_MAX_DAYS; d++)
	{
		int			n = wt_day_spans(cal, d, &floor);
		int			i;

		for (i = 0; i < n; i++)
		{
			TimestampTz s = Max(cal->scratch[i].start, start);
			TimestampTz e = cal->scratch[i].end;

			if (e <= s)
				continue;
			found = true;
			if (remaining <= e - s)
				return s + remaining;
			remaining -= e - s;
		}
	}
	wt_no_result(cal, start, found);
	return 0;					/* keep compiler quiet */
}

/* Position `part` microseconds of working time into one day's spans. */
static TimestampTz
wt_within_day(const WtCalendar *cal, int n, int64 part)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		int64		len = cal->scratch[i].end - cal->scratch[i].start;

		if (part <= len)
			return cal->scratch[i].start + part;
		part -= len;
	}
	return cal->scratch[n - 1].end;
}

static TimestampTz
wt_add_working_days(WtCalendar *cal, TimestampTz start, Numeric amount)
{
	int64		whole = num_floor_int64(amount);
	Numeric		frac = num_sub(amount, int64_to_numeric(whole));
	bool		has_frac = num_cmp(frac, int64_to_numeric(0)) != 0;
	DateADT		d0;
	DateADT		d;
	int64		tod;
	TimestampTz floor = DT_NOBEGIN;
	int64		count = 0;

	if (whole == 0 && !has_frac)
		return start;
	wt_to_local(cal, start, &d0, &tod);
	for (d = d0 - 1; d <= d0 + WORKTIME_MAX_DAYS; d++)
	{
		int			n = wt_day_spans(cal, d, &floor);
		int64		len = 0;
		int			i;

		if (d <= d0 || n == 0)
			continue;
		count++;
		if (!has_frac && count == whole)
			return cal->scratch[n - 1].end;
		if (!has_frac || count <= whole)
			continue;
		for (i = 0; i < n; i++)
			len += cal->scratch[i].end - cal->scratch[i].start;
		return wt_within_day(cal, n,
							 num_round_int64(num_mul(frac, int64_to_numeric(len))));
	}
	wt_no_result(cal, start, count > 0);
	return 0;					/* keep compiler quiet */
}

static TimestampTz
wt_add_calendar_days(WtCalendar *cal, TimestampTz start, Numeric amount)
{
	int64		whole = num_floor_int64(amount);
	Numeric		frac = num_sub(amount, int64_to_numeric(whole));
	int64		frac_us = num_round_int64(num_mul(frac, int64_to_numeric(USECS_PER_DAY)));
	TimestampTz base = start;

	if (whole > 0)
	{
		DateADT		d0;
		int64		tod;

		wt_to_local(cal, start, &d0, &tod);
		base = wt_from_local(cal, d0 + (DateADT) whole, tod);
	}
	return base + frac_us;
}

static TimestampTz
wt_add(WtCalendar *cal, TimestampTz start, Numeric amount, WorktimeUnit unit)
{
	wt_check_timestamp(start, "start");
	wt_check_amount(amount, unit);
	switch (unit)
	{
		case WORKTIME_MINUTES:
			return wt_add_us(cal, start,
							 num_round_int64(num_mul(amount, int64_to_numeric(USECS_PER_MINUTE_N))));
		case WORKTIME_WORKING_HOURS:
			return wt_add_us(cal, start,
							 num_round_int64(num_mul(amount, int64_to_numeric(USECS_PER_HOUR))));
		case WORKTIME_WORKING_DAYS:
			return wt_add_working_days(cal, start, amount);
		case WORKTIME_CALENDAR_DAYS:
			return wt_add_calendar_days(cal, start, amount);
	}
	return start;				/* keep compiler quiet */
}

/* ------------------------------------------------------------------------
 * worktime_between
 * ------------------------------------------------------------------------
 */

/* Local dates of t1 <= t2, checked to be at most WORKTIME_MAX_DAYS apart. */
static void
wt_span_dates(const WtCalendar *cal, TimestampTz t1, TimestampTz t2,
			  DateADT *d1, DateADT *d2)
{
	int64		tod;

	wt_to_local(cal, t1, d1, &tod);
	wt_to_local(cal, t2, d2, &tod);
	if (*d2 - *d1 > WORKTIME_MAX_DAYS)
	{
		/* timestamptz_to_str returns a static buffer: copy the first. */
		char	   *from = pstrdup(timestamptz_to_str(t1));

		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("worktime_between covers at most %d days", WORKTIME_MAX_DAYS),
				 errdetail("%s and %s are %d local days apart.",
						   from, timestamptz_to_str(t2), *d2 - *d1)));
	}
}

/* Working microseconds in [t1, t2), t1 <= t2. */
static int64
wt_between_us(WtCalendar *cal, TimestampTz t1, TimestampTz t2)
{
	DateADT		d1;
	DateADT		d2;
	DateADT		d;
	TimestampTz floor = DT_NOBEGIN;
	int64		total = 0;

	wt_span_dates(cal, t1, t2, &d1, &d2);
	for (d = d1 - 1; d <= d2 + 1; d++)
	{
		int			n = wt_day_spans(cal, d, &floor);
		int			i;

		for (i = 0; i < n; i++)
		{
			TimestampTz s = Max(cal->scratch[i].start, t1);
			TimestampTz e = Min(cal->scratch[i].end, t2);

			if (e > s)
				total += e - s;
		}
	}
	return total;
}

/*
 * Working days from t1 to t2 (t1 <= t2), the inverse of adding working days:
 * the working days after t1's local date that closed by t2, plus the share of
 * the next one's working time that lies before t2.
 */
static Numeric
wt_between_working_days(WtCalendar *cal, TimestampTz t1, TimestampTz t2)
{
	DateADT		d1;
	DateADT		d2;
	DateADT		d;
	TimestampTz floor = DT_NOBEGIN;
	int64		full = 0;

	wt_span_dates(cal, t1, t2, &d1, &d2);
	for (d = d1 - 1; d <= d2 + 1; d++)
	{
		int			n = wt_day_spans(cal, d, &floor);
		int64		len = 0;
		int64		part = 0;
		int			i;

		if (d <= d1 || n == 0)
			continue;
		if (cal->scratch[n - 1].end <= t2)
		{
			full++;
			continue;
		}
		for (i = 0; i < n; i++)
		{
			len += cal->scratch[i].end - cal->scratch[i].start;
			if (t2 > cal->scratch[i].start)
				part += Min(cal->scratch[i].end, t2) - cal->scratch[i].start;
		}
		return num_add(int64_to_numeric(full),
					   num_div(int64_to_numeric(part), int64_to_numeric(len)));
	}
	return int64_to_numeric(full);
}

/*
 * Calendar days from t1 to t2 (t1 <= t2): the most whole days n with
 * worktime_add(t1, n calendar days) <= t2, plus the rest in days of 24 hours.
 */
static Numeric
wt_between_calendar_days(WtCalendar *cal, TimestampTz t1, TimestampTz t2)
{
	DateADT		d1;
	DateADT		d2;
	int64		tod;
	int64		n;
	TimestampTz base;

	wt_span_dates(cal, t1, t2, &d1, &d2);
	wt_to_local(cal, t1, &d1, &tod);
	n = (t2 - t1) / USECS_PER_DAY;
	while (wt_from_local(cal, d1 + (DateADT) (n + 1), tod) <= t2)
		n++;
	while (n > 0 && wt_from_local(cal, d1 + (DateADT) n, tod) > t2)
		n--;
	base = n == 0 ? t1 : wt_from_local(cal, d1 + (DateADT) n, tod);
	return num_add(int64_to_numeric(n),
				   num_div(int64_to_numeric(t2 - base), int64_to_numeric(USECS_PER_DAY)));
}

static int64
wt_between(WtCalendar *cal, TimestampTz t1, TimestampTz t2)
{
	wt_check_timestamp(t1, "t1");
	wt_check_timestamp(t2, "t2");
	if (t2 < t1)
		return -wt_between_us(cal, t2, t1);
	return wt_between_us(cal, t1, t2);
}

static Numeric
wt_between_unit(WtCalendar *cal, TimestampTz t1, TimestampTz t2, WorktimeUnit unit)
{
	TimestampTz lo = Min(t1, t2);
	TimestampTz hi = Max(t1, t2);
	Numeric		result;

	wt_check_timestamp(t1, "t1");
	wt_check_timestamp(t2, "t2");
	switch (unit)
	{
		case WORKTIME_MINUTES:
			result = num_div(int64_to_numeric(wt_between_us(cal, lo, hi)),
							 int64_to_numeric(USECS_PER_MINUTE_N));
			break;
		case WORKTIME_WORKING_HOURS:
			result = num_div(int64_to_numeric(wt_between_us(cal, lo, hi)),
							 int64_to_numeric(USECS_PER_HOUR));
			break;
		case WORKTIME_WORKING_DAYS:
			result = wt_between_working_days(cal, lo, hi);
			break;
		case WORKTIME_CALENDAR_DAYS:
		default:
			result = wt_between_calendar_days(cal, lo, hi);
			break;
	}
	if (t2 < t1)
		result = DatumGetNumeric(DirectFunctionCall1(numeric_uminus, NumericGetDatum(result)));
	return num_trim(result);
}

/* ------------------------------------------------------------------------
 * C API
 * ------------------------------------------------------------------------
 */

TimestampTz
worktime_add_internal(int32 calendar_id, TimestampTz start, Numeric amount,
					  WorktimeUnit unit)
{
	return wt_add(wt_calendar_by_id(calendar_id), start, amount, unit);
}

TimestampTz
worktime_add_working_us(int32 calendar_id, TimestampTz start, int64 working_us)
{
	WtCalendar *cal = wt_calendar_by_id(calendar_id);

	wt_check_timestamp(start, "start");
	if (working_us < 0 || working_us > WORKTIME_MAX_MINUTES * USECS_PER_MINUTE_N)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("working time of " INT64_FORMAT " microseconds is out of range",
						working_us)));
	return wt_add_us(cal, start, working_us);
}

int64
worktime_between_us(int32 calendar_id, TimestampTz t1, TimestampTz t2)
{
	return wt_between(wt_calendar_by_id(calendar_id), t1, t2);
}

Numeric
worktime_between_internal(int32 calendar_id, TimestampTz t1, TimestampTz t2,
						  WorktimeUnit unit)
{
	return wt_between_unit(wt_calendar_by_id(calendar_id), t1, t2, unit);
}

static bool
wt_is_working_day(WtCalendar *cal, DateADT day)
{
	TimestampTz floor = DT_NOBEGIN;
	DateADT		lo = date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE;
	DateADT		hi = date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE;

	if (DATE_NOT_FINITE(day) || day < lo || day >= hi)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("day is out of the supported range"),
				 errdetail("Worktime functions accept dates from 0001-01-01 to 9999-12-31.")));
	(void) wt_day_spans(cal, day - 1, &floor);
	return wt_day_spans(cal, day, &floor) > 0;
}

bool
worktime_is_working_day(int32 calendar_id, DateADT day)
{
	return wt_is_working_day(wt_calendar_by_id(calendar_id), day);
}

/* ------------------------------------------------------------------------
 * SQL functions
 * ------------------------------------------------------------------------
 */

/* Arguments are never NULL: a missing deadline input is an error, not NULL. */
void
wt_require_args(FunctionCallInfo fcinfo, const char *fn, const char *const *names)
{
	int			i;

	for (i = 0; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" of gridgov.%s must not be null", names[i], fn)));
}

static WtCalendar *
wt_calendar_arg(FunctionCallInfo fcinfo)
{
	return wt_calendar_by_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

static WorktimeUnit
wt_unit_arg(FunctionCallInfo fcinfo, int argno)
{
	return worktime_unit_from_name(text_to_cstring(PG_GETARG_TEXT_PP(argno)));
}

/* worktime_add(calendar text, start timestamptz, amount numeric, unit text) */
Datum
worktime_add_fn(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"calendar", "start", "amount", "unit"};
	WtCalendar *cal;
	WorktimeUnit unit;

	wt_require_args(fcinfo, "worktime_add", names);
	cal = wt_calendar_arg(fcinfo);
	unit = wt_unit_arg(fcinfo, 3);
	PG_RETURN_TIMESTAMPTZ(wt_add(cal, PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_NUMERIC(2), unit));
}

/* worktime_between(calendar text, t1 timestamptz, t2 timestamptz) -> interval */
Datum
worktime_between_fn(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"calendar", "t1", "t2"};
	WtCalendar *cal;
	Interval   *result;

	wt_require_args(fcinfo, "worktime_between", names);
	cal = wt_calendar_arg(fcinfo);
	result = palloc0(sizeof(Interval));
	result->time = wt_between(cal, PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_TIMESTAMPTZ(2));
	PG_RETURN_INTERVAL_P(result);
}

/* worktime_between(calendar text, t1, t2, unit text) -> numeric */
Datum
worktime_between_unit_fn(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"calendar", "t1", "t2", "unit"};
	WtCalendar *cal;
	WorktimeUnit unit;

	wt_require_args(fcinfo, "worktime_between", names);
	cal = wt_calendar_arg(fcinfo);
	unit = wt_unit_arg(fcinfo, 3);
	PG_RETURN_NUMERIC(wt_between_unit(cal, PG_GETARG_TIMESTAMPTZ(1),
									  PG_GETARG_TIMESTAMPTZ(2), unit));
}

/* is_working_day(calendar text, day date) -> boolean */
Datum
worktime_is_working_day_fn(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"calendar", "day"};
	WtCalendar *cal;

	wt_require_args(fcinfo, "is_working_day", names);
	cal = wt_calendar_arg(fcinfo);
	PG_RETURN_BOOL(wt_is_working_day(cal, PG_GETARG_DATEADT(1)));
}

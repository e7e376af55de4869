/*
 * worktime.h
 *		Working-time arithmetic over calendars stored as data.
 *
 * A calendar (gridgov.calendars) has an IANA time zone, work periods per ISO
 * weekday (gridgov.calendar_periods) and per-date exceptions
 * (gridgov.calendar_exceptions).  worktime_calendar.c compiles a calendar
 * into sorted arrays, caches it per backend and drops the cache when any of
 * the three tables changes in any session; worktime.c does the arithmetic.
 * docs/calendars.md states the semantics; this header is the C API other
 * modules (the SLA clocks) call per case.
 *
 * All functions raise the documented errors (SQLSTATEs in docs/calendars.md)
 * and never return an invalid timestamp.
 */
#ifndef WORKTIME_H
#define WORKTIME_H

#include "postgres.h"

#include "fmgr.h"
#include "pgtime.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* Units of worktime_add / worktime_between. */
typedef enum WorktimeUnit
{
	WORKTIME_MINUTES,			/* working minutes */
	WORKTIME_WORKING_HOURS,		/* 60 working minutes */
	WORKTIME_WORKING_DAYS,		/* closes of working days after the day of receipt */
	WORKTIME_CALENDAR_DAYS		/* wall-clock days in the calendar's zone */
} WorktimeUnit;

/*
 * Bounds.  No walk looks further than WORKTIME_MAX_DAYS local days past the
 * day of its start, so every call finishes in bounded time; amounts above the
 * per-unit maxima are refused before any walking.  Inputs must lie in
 * [WORKTIME_MIN_TS, WORKTIME_END_TS), which keeps all arithmetic far from
 * PostgreSQL's timestamp limits.
 */
#define WORKTIME_MAX_DAYS		36600	/* about 100 years */
#define WORKTIME_MAX_MINUTES	(WORKTIME_MAX_DAYS * INT64CONST(1440))
#define WORKTIME_MAX_HOURS		(WORKTIME_MAX_DAYS * INT64CONST(24))

/*
 * gridgov SQLSTATEs of this module (range GG200-GG249).  GG201 (a shipped
 * calendar row cannot be changed) is raised by the SQL triggers.
 */
#define ERRCODE_GG_NO_WORKING_TIME	MAKE_SQLSTATE('G','G','2','0','0')

/* Setup: registers the calendar cache with the cache registry (_PG_init). */
extern void worktime_init(void);

/* Units by name: 'minutes', 'working_hours', 'working_days', 'calendar_days'. */
extern WorktimeUnit worktime_unit_from_name(const char *name);
extern const char *worktime_unit_name(WorktimeUnit unit);

/* Calendar id by name; ERROR 42704 when there is none. */
extern int32 worktime_calendar_id(const char *name);

/* Calendar name by id (the cache's copy); ERROR 42704 when there is none. */
extern const char *worktime_calendar_name(int32 calendar_id);

/*
 * The instant at which `amount` of `unit` has elapsed after `start` on the
 * calendar.  amount must be finite and >= 0 (22023) and within the unit's
 * maximum (22003); start must be finite and in range (22008).
 */
extern TimestampTz worktime_add_internal(int32 calendar_id, TimestampTz start,
										 Numeric amount, WorktimeUnit unit);

/* The same for an amount of working time in microseconds (>= 0). */
extern TimestampTz worktime_add_working_us(int32 calendar_id, TimestampTz start,
										   int64 working_us);

/*
 * Working time in [t1, t2) in microseconds; negative when t2 < t1.
 * t1 and t2 may be at most WORKTIME_MAX_DAYS local days apart (22008).
 */
extern int64 worktime_between_us(int32 calendar_id, TimestampTz t1, TimestampTz t2);

/* worktime_between in a unit, as a numeric without trailing zeros. */
extern Numeric worktime_between_internal(int32 calendar_id, TimestampTz t1,
										 TimestampTz t2, WorktimeUnit unit);

/* Whether a local date has working time on the calendar. */
extern bool worktime_is_working_day(int32 calendar_id, DateADT day);

/*
 * The calendar's horizon (gridgov.calendars.known_until): the last local date
 * its exceptions are known for.  False when it has none (a calendar whose
 * weekly pattern is the whole truth, or a schema before 1.0.0).
 */
extern bool worktime_calendar_horizon(int32 calendar_id, DateADT *known_until);

/*
 * Whether a deadline counted in unit on the calendar is provisional: the unit
 * counts working time (not calendar_days), the calendar has a horizon and due
 * lies after the end of the horizon's day in the calendar's zone.  Sets
 * *known_until when it is.
 */
extern bool worktime_past_horizon(int32 calendar_id, TimestampTz due, WorktimeUnit unit,
								  DateADT *known_until);

/* ------------------------------------------------------------------------
 * Internal to worktime.c and worktime_calendar.c: the compiled calendar.
 * ------------------------------------------------------------------------
 */

/* One work period of a day, local time of day in microseconds, end <= 24:00. */
typedef struct WtPeriod
{
	int64		start;
	int64		end;
} WtPeriod;

/*
 * An effective exception: the date works with the periods of ISO weekday
 * `weekday` (1-7), or not at all when weekday is 0 (holiday).  'regular'
 * overrides are resolved away at compile time.
 */
typedef struct WtException
{
	DateADT		date;
	int32		weekday;
} WtException;

/* An absolute interval of working time [start, end). */
typedef struct WtSpan
{
	TimestampTz start;
	TimestampTz end;
} WtSpan;

typedef struct WtCalendar
{
	MemoryContext cxt;			/* holds this struct and its arrays */
	int32		id;
	char	   *name;
	char	   *zone_name;
	pg_tz	   *tz;
	WtPeriod   *periods[8];		/* index 1..7 = ISO weekday */
	int			nperiods[8];
	WtException *exceptions;	/* sorted by date */
	int			nexceptions;
	int			max_periods;	/* most periods of any weekday */
	WtSpan	   *scratch;		/* max_periods spans, for one day's intervals */
	bool		fresh;			/* loaded with the latest snapshot */
	bool		has_horizon;	/* calendars.known_until is set */
	DateADT		known_until;	/* the last local date its exceptions are known for */
	struct WtCalendar *next;
} WtCalendar;

/*
 * The calendar SQL functions are not strict: 22004 naming the first NULL
 * argument (names[i] is argument i's name, fn the function's).
 */
extern void wt_require_args(FunctionCallInfo fcinfo, const char *fn, const char *const *names);

/* Cache lookups (worktime_calendar.c); ERROR 42704 when unknown. */
extern WtCalendar *wt_calendar_by_name(const char *name);
extern WtCalendar *wt_calendar_by_id(int32 id);

/* Local time helpers in the calendar's zone. */
extern void wt_to_local(const WtCalendar *cal, TimestampTz ts, DateADT *date, int64 *tod);
extern TimestampTz wt_from_local(const WtCalendar *cal, DateADT date, int64 tod);

/*
 * The work intervals of local date `date`, clipped so that none starts before
 * *floor (the end of the previous interval of the walk) and empty ones are
 * dropped; *floor advances to the last end.  Returns the count; the spans are
 * in cal->scratch until the next call.
 */
extern int	wt_day_spans(WtCalendar *cal, DateADT date, TimestampTz *floor);

#endif							/* WORKTIME_H */

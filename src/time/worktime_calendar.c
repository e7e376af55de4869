/*
 * worktime_calendar.c
 *		Compiled calendars: loading from the calendar tables, a per-backend
 *		cache with relcache-callback invalidation, local-time conversion and
 *		the work intervals of one day.
 *
 * A calendar is compiled into per-weekday arrays of periods and one sorted
 * array of effective exceptions.  Compiled calendars live in a memory context
 * under CacheMemoryContext until any of gridgov.calendars,
 * gridgov.calendar_periods or gridgov.calendar_exceptions changes: the cache
 * registry (cache.h) watches the three tables, whose statement trigger
 * gridgov.invalidate_caches() sends a relcache invalidation that reaches every
 * backend at its next invalidation processing point (and this one at the next
 * command); the next lookup then drops the whole cache.  Lookups also accept
 * pending invalidations, so a change committed by another session is seen by
 * the next call even inside a long transaction.
 *
 * Calendars are read with the latest snapshot (like PostgreSQL reads its own
 * catalogs), so a cache filled after an invalidation always holds the newest
 * committed data.  In parallel mode that snapshot is not available; a
 * calendar loaded there uses the query's snapshot and is marked not fresh, to
 * be reloaded by the next lookup outside parallel mode.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "cache.h"
#include "plans.h"
#include "triggers.h"
#include "worktime.h"

/* The tables a calendar is compiled from. */
static const char *const wt_tables[] = {
	"calendars", "calendar_periods", "calendar_exceptions", NULL
};
static const CacheSpec wt_spec = {"calendars", wt_tables, NULL, false, false};
static int	wt_cache_id;

static MemoryContext wt_cache_cxt = NULL;
static WtCalendar *wt_calendars = NULL;

void
worktime_init(void)
{
	wt_cache_id = cache_register(&wt_spec);
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------
 */

/* Runs one prepared query with one parameter under the load's snapshot. */
static void
wt_query(const char *sql, Oid argtype, Datum arg, Snapshot snap)
{
	plans_run_snapshot(sql, 1, &argtype, &arg, snap);
}

static Datum
wt_getattr(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/* Fills in the per-weekday periods from the current SPI result. */
static void
wt_compile_periods(WtCalendar *cal)
{
	int			n = (int) SPI_processed;
	int			i;
	int			count[8] = {0};
	bool		isnull;

	for (i = 0; i < n; i++)
	{
		int			wd = DatumGetInt16(wt_getattr(i, 1, &isnull));

		if (wd < 1 || wd > 7)
			elog(ERROR, "calendar period with weekday %d", wd);
		count[wd]++;
	}
	cal->max_periods = 1;
	for (i = 1; i <= 7; i++)
	{
		cal->periods[i] = palloc0(sizeof(WtPeriod) * Max(count[i], 1));
		cal->nperiods[i] = 0;
		cal->max_periods = Max(cal->max_periods, count[i]);
	}
	for (i = 0; i < n; i++)
	{
		int			wd = DatumGetInt16(wt_getattr(i, 1, &isnull));
		WtPeriod   *p = &cal->periods[wd][cal->nperiods[wd]++];

		p->start = DatumGetTimeADT(wt_getattr(i, 2, &isnull));
		p->end = DatumGetTimeADT(wt_getattr(i, 3, &isnull));
	}
	cal->scratch = palloc(sizeof(WtSpan) * cal->max_periods);
}

/*
 * Fills in the effective exceptions from the current SPI result, ordered by
 * day and then user rows before shipped ones: the first row of a day wins,
 * and a 'regular' row only cancels the shipped row of its day.
 */
static void
wt_compile_exceptions(WtCalendar *cal)
{
	int			n = (int) SPI_processed;
	int			i;
	bool		isnull;
	bool		have_prev = false;
	DateADT		prev = 0;

	cal->exceptions = palloc(sizeof(WtException) * Max(n, 1));
	cal->nexceptions = 0;
	for (i = 0; i < n; i++)
	{
		DateADT		day = DatumGetDateADT(wt_getattr(i, 1, &isnull));
		char	   *kind = TextDatumGetCString(wt_getattr(i, 2, &isnull));
		Datum		of = wt_getattr(i, 3, &isnull);
		WtException *e;

		if (have_prev && day == prev)
			continue;
		have_prev = true;
		prev = day;
		if (strcmp(kind, "regular") == 0)
			continue;
		e = &cal->exceptions[cal->nexceptions++];
		e->date = day;
		if (strcmp(kind, "holiday") == 0)
			e->weekday = 0;
		else
			e->weekday = isnull ? 1 : DatumGetInt16(of);
	}
}

/*
 * Reads the calendars row, by name when name is not NULL, else by id, into a
 * new WtCalendar in cxt.
 */
static WtCalendar *
wt_load_row(const char *name, int32 id, MemoryContext cxt, Snapshot snap)
{
	MemoryContext oldcxt;
	WtCalendar *cal;
	bool		isnull;
	bool		horizon;
	Datum		known_until;

	/* The horizon arrived with 1.0.0: a 0.1.0 schema has none. */
	horizon = get_attnum(triggers_gridgov_relid("calendars"), "known_until") != InvalidAttrNumber;
	if (name != NULL)
		wt_query(horizon ? "SELECT id, name, time_zone, known_until FROM gridgov.calendars WHERE name = $1"
				 : "SELECT id, name, time_zone, NULL::date FROM gridgov.calendars WHERE name = $1",
				 TEXTOID, CStringGetTextDatum(name), snap);
	else
		wt_query(horizon ? "SELECT id, name, time_zone, known_until FROM gridgov.calendars WHERE id = $1"
				 : "SELECT id, name, time_zone, NULL::date FROM gridgov.calendars WHERE id = $1",
				 INT4OID, Int32GetDatum(id), snap);
	if (SPI_processed != 1)
	{
		if (name != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("calendar \"%s\" does not exist", name),
					 errhint("The calendars are listed in gridgov.calendars.")));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("calendar with id %d does not exist", id),
				 errhint("The calendars are listed in gridgov.calendars.")));
	}

	oldcxt = MemoryContextSwitchTo(cxt);
	cal = palloc0(sizeof(WtCalendar));
	cal->cxt = cxt;
	cal->id = DatumGetInt32(wt_getattr(0, 1, &isnull));
	cal->name = TextDatumGetCString(wt_getattr(0, 2, &isnull));
	cal->zone_name = TextDatumGetCString(wt_getattr(0, 3, &isnull));
	cal->tz = pg_tzset(cal->zone_name);
	known_until = wt_getattr(0, 4, &isnull);
	cal->has_horizon = !isnull;
	cal->known_until = isnull ? 0 : DatumGetDateADT(known_until);
	MemoryContextSwitchTo(oldcxt);
	if (cal->tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" of calendar \"%s\" is not recognized",
						cal->zone_name, cal->name),
				 errdetail("The server's time zone data does not know this zone."),
				 errhint("Set gridgov.calendars.time_zone to a name listed in pg_timezone_names.")));
	return cal;
}

/*
 * Reads one calendar, by name when name is not NULL, else by id, into a new
 * memory context that becomes part of the cache.
 */
static WtCalendar *
wt_load(const char *name, int32 id)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	WtCalendar *cal;
	Snapshot	snap;
	bool		fresh = !IsInParallelMode();

	/* Freed with the function's context if anything below fails. */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "gridgov worktime calendar",
								ALLOCSET_SMALL_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	snap = fresh ? GetLatestSnapshot() : InvalidSnapshot;
	cal = wt_load_row(name, id, cxt, snap);
	cal->fresh = fresh;

	wt_query("SELECT weekday, starts, ends FROM gridgov.calendar_periods"
			 " WHERE calendar_id = $1 ORDER BY weekday, starts",
			 INT4OID, Int32GetDatum(cal->id), snap);
	oldcxt = MemoryContextSwitchTo(cxt);
	wt_compile_periods(cal);
	MemoryContextSwitchTo(oldcxt);

	wt_query("SELECT day, kind, periods_of FROM gridgov.calendar_exceptions"
			 " WHERE calendar_id = $1 ORDER BY day, builtin",
			 INT4OID, Int32GetDatum(cal->id), snap);
	oldcxt = MemoryContextSwitchTo(cxt);
	wt_compile_exceptions(cal);
	MemoryContextSwitchTo(oldcxt);

	SPI_finish();

	MemoryContextSetParent(cxt, wt_cache_cxt);
	cal->next = wt_calendars;
	wt_calendars = cal;
	return cal;
}

/* ------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------
 */

static WtCalendar *
wt_lookup(const char *name, int32 id)
{
	WtCalendar **link;

	AcceptInvalidationMessages();

	if (wt_cache_cxt == NULL)
		wt_cache_cxt = AllocSetContextCreate(CacheMemoryContext,
											 "gridgov worktime calendars",
											 ALLOCSET_SMALL_SIZES);
	if (!cache_is_current(wt_cache_id))
	{
		/* Empty, and filled one calendar at a time with the latest data. */
		MemoryContextReset(wt_cache_cxt);
		wt_calendars = NULL;
		cache_build_done(wt_cache_id, cache_build_start(wt_cache_id));
	}

	for (link = &wt_calendars; *link != NULL; link = &(*link)->next)
	{
		WtCalendar *cal = *link;

		if (name != NULL ? strcmp(cal->name, name) != 0 : cal->id != id)
			continue;
		if (cal->fresh || IsInParallelMode())
			return cal;
		/* Loaded in parallel mode: read it again with the latest snapshot. */
		*link = cal->next;
		MemoryContextDelete(cal->cxt);
		break;
	}
	return wt_load(name, id);
}

WtCalendar *
wt_calendar_by_name(const char *name)
{
	return wt_lookup(name, 0);
}

WtCalendar *
wt_calendar_by_id(int32 id)
{
	return wt_lookup(NULL, id);
}

int32
worktime_calendar_id(const char *name)
{
	return wt_calendar_by_name(name)->id;
}

const char *
worktime_calendar_name(int32 calendar_id)
{
	return pstrdup(wt_calendar_by_id(calendar_id)->name);
}

bool
worktime_calendar_horizon(int32 calendar_id, DateADT *known_until)
{
	WtCalendar *cal = wt_calendar_by_id(calendar_id);

	*known_until = cal->known_until;
	return cal->has_horizon;
}

bool
worktime_past_horizon(int32 calendar_id, TimestampTz due, WorktimeUnit unit, DateADT *known_until)
{
	WtCalendar *cal;

	if (unit == WORKTIME_CALENDAR_DAYS)
		return false;			/* holidays do not move a count of calendar days */
	cal = wt_calendar_by_id(calendar_id);
	if (!cal->has_horizon || DATE_NOT_FINITE(cal->known_until))
		return false;
	*known_until = cal->known_until;
	/* The horizon's day ends at 24:00 local time, the next day's 00:00. */
	return due > wt_from_local(cal, cal->known_until + 1, 0);
}

/* ------------------------------------------------------------------------
 * Local time
 * ------------------------------------------------------------------------
 */

/* The local date and time of day (microseconds) of ts in the calendar's zone. */
void
wt_to_local(const WtCalendar *cal, TimestampTz ts, DateADT *date, int64 *tod)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(ts, &tzoff, &tm, &fsec, NULL, cal->tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	*date = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	*tod = ((((int64) tm.tm_hour * MINS_PER_HOUR) + tm.tm_min) * SECS_PER_MINUTE
			+ tm.tm_sec) * USECS_PER_SEC + fsec;
}

/*
 * The instant of local date `date` at time of day `tod` (24:00 allowed), as
 * PostgreSQL converts a local timestamp in a zone (timestamp AT TIME ZONE):
 * a local time that does not exist or exists twice around a DST change gets
 * the offset DetermineTimeZoneOffset() picks.
 */
TimestampTz
wt_from_local(const WtCalendar *cal, DateADT date, int64 tod)
{
	struct pg_tm tm;
	int64		secs;
	int			tz;

	if (tod >= USECS_PER_DAY)
	{
		date += 1;
		tod -= USECS_PER_DAY;
	}
	memset(&tm, 0, sizeof(tm));
	j2date(date + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	secs = tod / USECS_PER_SEC;
	tm.tm_hour = (int) (secs / SECS_PER_HOUR);
	tm.tm_min = (int) ((secs / SECS_PER_MINUTE) % MINS_PER_HOUR);
	tm.tm_sec = (int) (secs % SECS_PER_MINUTE);
	tz = DetermineTimeZoneOffset(&tm, cal->tz);
	return (TimestampTz) date * USECS_PER_DAY + tod + (int64) tz * USECS_PER_SEC;
}

/* ------------------------------------------------------------------------
 * One day's work intervals
 * ------------------------------------------------------------------------
 */

/* ISO weekday whose periods apply on `date`, or 0 when it is a holiday. */
static int
wt_day_weekday(const WtCalendar *cal, DateADT date)
{
	int			lo = 0;
	int			hi = cal->nexceptions - 1;
	int			dow;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		DateADT		d = cal->exceptions[mid].date;

		if (d == date)
			return cal->exceptions[mid].weekday;
		if (d < date)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	dow = j2day(date + POSTGRES_EPOCH_JDATE);	/* 0 = Sunday */
	return dow == 0 ? 7 : dow;
}

int
wt_day_spans(WtCalendar *cal, DateADT date, TimestampTz *floor)
{
	int			wd = wt_day_weekday(cal, date);
	int			n = 0;
	int			i;

	if (wd == 0)
		return 0;
	for (i = 0; i < cal->nperiods[wd]; i++)
	{
		const WtPeriod *p = &cal->periods[wd][i];
		TimestampTz s = wt_from_local(cal, date, p->start);
		TimestampTz e = wt_from_local(cal, date, p->end);

		if (s < *floor)
			s = *floor;
		if (e <= s)
			continue;
		cal->scratch[n].start = s;
		cal->scratch[n].end = e;
		n++;
		*floor = e;
	}
	return n;
}

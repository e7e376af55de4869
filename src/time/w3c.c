/*
 * w3c.c
 *		gridgov.w3c_time(): a time as a W3C date-time in a time zone, with the
 *		zone's UTC offset, e.g. 2026-03-02T09:00:00+08:00.
 *
 * Every Open311 answer and every event of the live feed carries such times
 * (three per service request), so this is on the gateway's hot path; in SQL
 * (two to_char calls and an interval subtraction) it was most of the cost of
 * GET requests.json.  The zone is read exactly as AT TIME ZONE reads it (a
 * name, an abbreviation or a POSIX offset), by calling timestamptz_zone().
 * Seconds are truncated, and so is an offset's seconds part (local mean time
 * of old dates); an infinite time gives NULL.  Its inverse for input is
 * gridgov.w3c_parse() (SQL, src/sql/086_analytics_open311.sql).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#include "w3c.h"

PG_FUNCTION_INFO_V1(gridgov_w3c_time);

/* "YYYY-MM-DDThh:mm:ss+hh:mm" of a local time and its offset from UTC. */
static text *
w3c_format(Timestamp local, int64 offset_us)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int64		off = (offset_us < 0 ? -offset_us : offset_us) / USECS_PER_SEC;
	char		buf[64];

	if (timestamp2tm(local, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 offset_us < 0 ? '-' : '+', (int) (off / 3600), (int) (off % 3600 / 60));
	return cstring_to_text(buf);
}

/* The text of t in the zone (a text Datum), or NULL for an infinite time. */
text *
w3c_time_text(TimestampTz t, Datum zone)
{
	Timestamp	local;

	if (TIMESTAMP_NOT_FINITE(t))
		return NULL;
	/* AT TIME ZONE: raises 22023 for an unknown zone, as SQL would. */
	local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, zone, TimestampTzGetDatum(t)));
	return w3c_format(local, local - t);
}

Datum
gridgov_w3c_time(PG_FUNCTION_ARGS)
{
	text	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	result = w3c_time_text(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_DATUM(1));
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

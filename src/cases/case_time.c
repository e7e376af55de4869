/*
 * case_time.c
 *		The times of a case's events; see case_time.h.
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "case_time.h"
#include "errcodes.h"

/* gridgov.future_tolerance, in seconds */
static int	future_tolerance_s = 300;

void
case_time_init(void)
{
	DefineCustomIntVariable("gridgov.future_tolerance",
							"How far ahead of the database's clock a case's reported_at or an action's time may lie.",
							"A time further ahead is refused (GG112): a clock error or a typo would "
							"otherwise put a case's history in the future, where no later event could follow it.",
							&future_tolerance_s, 300, 0, 7 * 24 * 3600,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
}

void
case_time_check_future(TimestampTz t, const char *what)
{
	TimestampTz limit = GetCurrentTimestamp() + (TimestampTz) future_tolerance_s * USECS_PER_SEC;

	if (TIMESTAMP_NOT_FINITE(t) || t > limit)
		ereport(ERROR,
				(errcode(GG_TIME_IN_FUTURE),
				 errmsg("%s lies in the future", what),
				 errdetail("It is %s; gridgov.future_tolerance allows %d seconds ahead of the database's clock.",
						   timestamptz_to_str(t), future_tolerance_s),
				 errhint("Give the time the case was reported or the action was taken, in the past.")));
}

bool
case_time_is_future(TimestampTz t)
{
	return TIMESTAMP_IS_NOEND(t) ||
		t > GetCurrentTimestamp() + (TimestampTz) future_tolerance_s * USECS_PER_SEC;
}

void
case_time_check_occurred(TimestampTz occurred, TimestampTz reported)
{
	if (TIMESTAMP_NOT_FINITE(occurred))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("occurred_at must be a finite time"),
				 errhint("Give when the problem occurred or was found, or leave occurred_at out (NULL).")));
	if (occurred > reported)
	{
		/* timestamptz_to_str() returns a static buffer: copy the first one */
		char	   *occurred_text = pstrdup(timestamptz_to_str(occurred));

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("occurred_at is later than reported_at"),
				 errdetail("A problem is reported when or after it occurs or is found: occurred_at is %s, reported_at %s.",
						   occurred_text, timestamptz_to_str(reported)),
				 errhint("Give when the problem occurred or was found, no later than the report.")));
	}
}

TimestampTz
case_time_of_event(bool explicit_time, TimestampTz given, bool system, TimestampTz latest,
				   int64 case_id)
{
	TimestampTz start = GetCurrentTransactionStartTimestamp();

	if (!explicit_time)
		return Max(start, latest);
	/* A system action (sweep, recalendar) may be as of a later time, never infinity. */
	if (TIMESTAMP_IS_NOEND(given))
		case_time_check_future(given, "the action's time");
	if (given < latest)
		ereport(ERROR,
				(errcode(GG_TIME_BACKWARDS),
				 errmsg("an event of case " INT64_FORMAT " cannot be earlier than its latest event", case_id),
				 errdetail("The latest event is at %s.", timestamptz_to_str(latest)),
				 errhint("Leave the time out (NULL) to record the action now.")));
	if (!system)
		case_time_check_future(given, "the action's time");
	return given;
}

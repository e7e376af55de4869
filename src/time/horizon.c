/*
 * horizon.c
 *		The calendar horizon: the last date a calendar's exceptions are known
 *		for (gridgov.calendars.known_until), the provisional deadlines past
 *		it, and the warning a statement gets when it starts one.
 *
 * The rule (a deadline counted in working time that lies after the end of
 * the horizon's day is provisional) is worktime_past_horizon()
 * (worktime_calendar.c), over the compiled calendar; gridgov.is_provisional()
 * gives it to SQL (gridgov.provisional_clocks, gridgov.sla_board_at()), and
 * the engine calls horizon_clock_started() for every clock it starts.
 * docs/calendars.md ("The horizon") states it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"

#include "errcodes.h"
#include "horizon.h"
#include "worktime.h"

PG_FUNCTION_INFO_V1(gridgov_calendar_horizon);
PG_FUNCTION_INFO_V1(gridgov_is_provisional);

/* The statement that was last warned: its local transaction and start time. */
static LocalTransactionId warned_lxid = InvalidLocalTransactionId;
static TimestampTz warned_statement = 0;

/* gridgov.calendar_horizon(calendar text) -> date, NULL when it has none */
Datum
gridgov_calendar_horizon(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"calendar"};
	DateADT		known_until;

	wt_require_args(fcinfo, "calendar_horizon", names);
	if (!worktime_calendar_horizon(worktime_calendar_id(text_to_cstring(PG_GETARG_TEXT_PP(0))),
								   &known_until))
		PG_RETURN_NULL();
	PG_RETURN_DATEADT(known_until);
}

/* gridgov.is_provisional(calendar text, due timestamptz, unit text) -> boolean */
Datum
gridgov_is_provisional(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"calendar", "due", "unit"};
	int32		calendar_id;
	WorktimeUnit unit;
	DateADT		known_until;

	wt_require_args(fcinfo, "is_provisional", names);
	calendar_id = worktime_calendar_id(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	unit = worktime_unit_from_name(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	PG_RETURN_BOOL(worktime_past_horizon(calendar_id, PG_GETARG_TIMESTAMPTZ(1), unit, &known_until));
}

static char *
date_text(DateADT d)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d)));
}

void
horizon_clock_started(int64 case_id, Datum stage, int32 calendar_id, WorktimeUnit unit,
					  TimestampTz due)
{
	DateADT		known_until;
	TimestampTz statement = GetCurrentStatementStartTimestamp();

	if (!worktime_past_horizon(calendar_id, due, unit, &known_until))
		return;
	/* One warning per statement: a bulk intake is not drowned in them. */
	if (warned_lxid == MyProc->lxid && warned_statement == statement)
		return;
	warned_lxid = MyProc->lxid;
	warned_statement = statement;
	ereport(WARNING,
			(errcode(GG_PROVISIONAL_DEADLINE),
			 errmsg("deadline of case " INT64_FORMAT " lies past the horizon of its calendar", case_id),
			 errdetail("Its %s clock is due at %s, after %s, the last day whose holidays calendar \"%s\" "
					   "knows; past that day the weekly pattern applies, so the deadline is provisional. "
					   "Further provisional deadlines started by this statement are not reported.",
					   DatumGetCString(DirectFunctionCall1(enum_out, stage)),
					   timestamptz_to_str(due), date_text(known_until),
					   worktime_calendar_name(calendar_id)),
			 errhint("Load the next year's holidays with gridgov.load_calendar_year(); "
					 "gridgov.provisional_clocks lists the provisional deadlines.")));
}

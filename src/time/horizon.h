/*
 * horizon.h
 *		The calendar horizon and provisional deadlines; see horizon.c.
 */
#ifndef GRIDGOV_HORIZON_H
#define GRIDGOV_HORIZON_H

#include "postgres.h"

#include "utils/timestamp.h"

#include "worktime.h"

/*
 * A clock of the case started with this due time: when the deadline is
 * provisional (past its calendar's horizon), WARNING 01GG2, once per
 * statement.
 */
extern void horizon_clock_started(int64 case_id, Datum stage, int32 calendar_id, WorktimeUnit unit,
								  TimestampTz due);

#endif							/* GRIDGOV_HORIZON_H */

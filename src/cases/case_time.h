/*
 * case_time.h
 *		The rules for the times of a case's events: none lies more than
 *		gridgov.future_tolerance ahead of the database's clock, and none is
 *		earlier than the case's latest event.
 */
#ifndef GRIDGOV_CASE_TIME_H
#define GRIDGOV_CASE_TIME_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* Registers gridgov.future_tolerance; called from _PG_init. */
extern void case_time_init(void);

/*
 * GG112 when t (what: "reported_at", "the action's time") lies more than
 * gridgov.future_tolerance ahead of the current time.
 */
extern void case_time_check_future(TimestampTz t, const char *what);

/* Whether t lies more than gridgov.future_tolerance ahead of the current time (or is infinity). */
extern bool case_time_is_future(TimestampTz t);

/*
 * 22023 when a case's occurred_at (when the problem occurred or was found)
 * is infinite or later than its reported_at.
 */
extern void case_time_check_occurred(TimestampTz occurred, TimestampTz reported);

/*
 * The time of a new event of a case whose latest event is at latest: the
 * given time (explicit), which must not be earlier (GG111) nor, unless it is
 * the time of a system action (a sweep's as_of), in the future (GG112);
 * without one, the transaction's start time, or the latest event's time when
 * that is later (a transaction that committed meanwhile).
 */
extern TimestampTz case_time_of_event(bool explicit_time, TimestampTz given, bool system,
									  TimestampTz latest, int64 case_id);

#endif							/* GRIDGOV_CASE_TIME_H */

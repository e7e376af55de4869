/*
 * notify.h
 *		NOTIFY gridgov_events for every event of a case's history: its intake
 *		and every change (transitions, edits, system actions), sent when the
 *		transaction commits (docs/events.md).
 */
#ifndef GRIDGOV_NOTIFY_H
#define GRIDGOV_NOTIFY_H

#include "postgres.h"

#include "executor/tuptable.h"

#include "audit.h"
#include "case_change.h"

/* Registers gridgov.notify_max_per_transaction and the transaction callbacks. */
extern void notify_init(void);

/*
 * The event e of a change (the BEFORE UPDATE trigger): the case's number,
 * department and grid are read from the new version of the row.
 */
extern void notify_case_change(const CaseEvent *e, const CaseChange *ch);

/*
 * The intake event e of a new case, a row of the statement's transition
 * table (attnum: the bound columns of gridgov.cases, case_columns.h).
 */
extern void notify_case_intake(const CaseEvent *e, TupleTableSlot *slot, const int *attnum);

#endif							/* GRIDGOV_NOTIFY_H */

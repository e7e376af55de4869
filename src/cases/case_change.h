/*
 * case_change.h
 *		The two versions of a case an UPDATE trigger sees, read and changed
 *		through the bound columns of gridgov.cases (case_columns.h).
 */
#ifndef GRIDGOV_CASE_CHANGE_H
#define GRIDGOV_CASE_CHANGE_H

#include "postgres.h"

#include "commands/trigger.h"
#include "utils/jsonb.h"

#include "case_columns.h"

typedef struct CaseChange
{
	TupleDesc	desc;
	const int  *attnum;
	Datum	   *oldv;
	bool	   *oldn;
	Datum	   *newv;
	bool	   *newn;
	bool	   *replace;		/* columns the trigger sets in the new row */
	bool	   *maintained;		/* of those, the ones gridgov derives (not an edit) */
	bool		old_is_ours;	/* the old version was written by this transaction */
} CaseChange;

/* Reads both versions of the row the trigger fires for. */
extern void change_init(CaseChange *ch, TriggerData *td);

static inline int
change_ix(const CaseChange *ch, CaseCol c)
{
	return ch->attnum[c] - 1;
}

/* Whether attribute index i, resp. column c, differs between the versions. */
extern bool change_attr_changed(const CaseChange *ch, int i);
extern bool change_changed(const CaseChange *ch, CaseCol c);

/* Whether anything but updated_at differs. */
extern bool change_any(const CaseChange *ch);

/* A column of the stored row its NOT NULL constraint guarantees (XX001 if NULL). */
extern Datum change_old(const CaseChange *ch, CaseCol c);
/* A column the UPDATE may not set to NULL (23502 if NULL). */
extern Datum change_new(const CaseChange *ch, CaseCol c);
extern char *change_old_text(const CaseChange *ch, CaseCol c);
extern char *change_new_text(const CaseChange *ch, CaseCol c);
extern int64 change_case_id(const CaseChange *ch);

/* Sets column c of the new row: derived by gridgov, or given (by an action's payload). */
extern void change_set(CaseChange *ch, CaseCol c, Datum v, bool isnull);
extern void change_set_given(CaseChange *ch, CaseCol c, Datum v, bool isnull);

/*
 * The event's payload for the change: the names of the columns it edits
 * (and the new grid and department), merged under the action's payload.
 */
extern Jsonb *change_event_payload(const CaseChange *ch, Jsonb *action_payload);

/* The new row, built in the current memory context. */
extern HeapTuple change_new_tuple(const CaseChange *ch, HeapTuple newtuple);

#endif							/* GRIDGOV_CASE_CHANGE_H */

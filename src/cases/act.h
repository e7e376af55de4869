/*
 * act.h
 *		Actions announced for the next UPDATE of a case: gridgov.act() (and
 *		gridgov.act_prepare()) for workflow actions, workflow_system_update()
 *		for the system actions.  The BEFORE UPDATE trigger (workflow.c) reads
 *		the announcement of the case it is updating.
 */
#ifndef GRIDGOV_ACT_H
#define GRIDGOV_ACT_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "refcache.h"

typedef struct PendingAction
{
	bool		set;
	int64		case_id;
	char		action[REF_NAME_LEN];
	char	   *note;
	Jsonb	   *payload;
	bool		has_at;			/* an explicit time was given */
	TimestampTz at;
	bool		system;			/* a system action (rehome, master_closed, escalate, recalendar, contact_revealed, sensor_*) */
} PendingAction;

/* The action announced for case_id, or NULL. */
extern const PendingAction *act_pending_for(int64 case_id);

/* The announcement has been used (by the trigger of its case). */
extern void act_pending_done(void);

/* Whether action is one of the system actions, which only C announces. */
extern bool act_is_system_action(const char *action);

/*
 * Runs a system action on one case: an UPDATE of the columns it may change,
 * recorded in the history with payload at time at.
 */
extern void workflow_system_update(Datum county, Oid county_type, int64 case_id, const char *action,
								   Jsonb *payload, TimestampTz at);

/* A system action on one case, with a note; has_at false: at the case's time of now. */
typedef struct SystemAction
{
	Datum		county;
	Oid			county_type;
	int64		case_id;
	const char *action;
	Jsonb	   *payload;
	const char *note;
	bool		has_at;
	TimestampTz at;
} SystemAction;

/* Runs a system action as the caller (its row-level security applies); returns the rows changed. */
extern uint64 act_system_action(const SystemAction *a);

/* Registers the transaction callbacks; called from _PG_init. */
extern void act_init(void);

#endif							/* GRIDGOV_ACT_H */

/*
 * sla_clocks.h
 *		The policies of the time-limit clocks a case starts, from C.
 *
 * A workflow names the stages whose clocks start at intake
 * (gridgov.workflows.intake_clocks), a transition those its action starts
 * (gridgov.transitions.clock_start); gridgov.sla_policy() picks the policy of
 * each stage from the case's category, urgency and source.  The answer for
 * stages and a kind of case is memoised per backend and dropped when
 * sla_policies change; the deadlines are then computed per case with the
 * working-time arithmetic (worktime.h).
 */
#ifndef GRIDGOV_SLA_CLOCKS_H
#define GRIDGOV_SLA_CLOCKS_H

#include "postgres.h"

#include "utils/numeric.h"

#include "worktime.h"

typedef struct ClockStart
{
	Datum		stage;			/* gridgov.sla_stage value */
	int64		policy_id;
	int32		calendar_id;
	Numeric		amount;			/* limit, in unit */
	Numeric		warn_amount;	/* amount * warn_ratio */
	Datum		unit;			/* the unit as text */
	WorktimeUnit wunit;
} ClockStart;

/* Registers the relcache callback; called from _PG_init. */
extern void sla_clocks_init(void);

/*
 * The clocks a case of this category, urgency and source starts for the
 * listed stages (a workflow's intake clocks, a transition's clock_start):
 * sets *starts to an array (valid until the next call) and returns its length
 * (0: no policy covers any of them).  The policies are read as the owner of
 * the case history, with a fresh snapshot, and memoised per backend.
 */
extern int	sla_clocks_for(int nstages, char **stages, const char *category, const char *urgency,
						   const char *source, const ClockStart **starts);

/* Type of the sla_stage values above (call before sla_clocks_for). */
extern Oid	sla_stage_type(void);

#endif							/* GRIDGOV_SLA_CLOCKS_H */

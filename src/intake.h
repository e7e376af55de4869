/*
 * intake.h
 *		The case intake triggers: gridgov.case_intake (each row, intake.c) and
 *		gridgov.case_intake_finish (each statement, intake_finish.c).
 */
#ifndef GRIDGOV_INTAKE_H
#define GRIDGOV_INTAKE_H

#include "utils/rel.h"

#include "errcodes.h"

/* The columns of gridgov.cases the intake triggers read or write. */
typedef enum CaseCol
{
	CC_COUNTY, CC_ID, CC_CASE_NO, CC_CATEGORY, CC_URGENCY, CC_LOCATION,
	CC_COORD_SYSTEM, CC_OBJCODE, CC_GRID, CC_DEPARTMENT, CC_WORKFLOW, CC_STATE,
	CC_REPORTED_AT, CC_CLOSED_AT, CC_DISPATCHES, CC_RETURNS, CC_REWORKS,
	CC_REOPENS, CC_SOLVED, CC_SATISFACTION, CC_MASTER, CC_DUPLICATE, CC_EVENTS,
	CC_HISTORY_HASH, CC_UPDATED_AT, CC_EXTENSIONS, CC_SUSPENSIONS, CC_SUPERVISED,
	CC_ESCALATION_LEVEL, CC_SOURCE, CC_NCOLS
} CaseCol;

/* Attribute numbers of those columns in this version of the relation (cached). */
extern const int *intake_attnums(Relation rel);

/* GUC gridgov.duplicate_radius_m */
extern double duplicate_radius_m;

/* Register GUCs and callbacks; called from _PG_init. */
extern void intake_init(void);

#endif							/* GRIDGOV_INTAKE_H */

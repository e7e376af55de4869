/*
 * intake.h
 *		The case intake triggers: gridgov.case_intake (each row, intake.c) and
 *		gridgov.case_intake_finish (each statement, intake_finish.c).
 */
#ifndef GRIDGOV_INTAKE_H
#define GRIDGOV_INTAKE_H

#include "postgres.h"

/* GUC gridgov.duplicate_radius_m */
extern double duplicate_radius_m;

/* Register GUCs and callbacks; called from _PG_init. */
extern void intake_init(void);

#endif							/* GRIDGOV_INTAKE_H */

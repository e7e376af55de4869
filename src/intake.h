/*
 * intake.h
 *		The case intake trigger (gridgov.case_intake).
 */
#ifndef GRIDGOV_INTAKE_H
#define GRIDGOV_INTAKE_H

#include "errcodes.h"

/* GUC gridgov.duplicate_radius_m */
extern double duplicate_radius_m;

/* Register GUCs and callbacks; called from _PG_init. */
extern void intake_init(void);

#endif							/* GRIDGOV_INTAKE_H */

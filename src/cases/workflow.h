/*
 * workflow.h
 *		The state machine of cases: the BEFORE UPDATE trigger that validates
 *		every change of a case and appends it to the hash-chained history.
 */
#ifndef GRIDGOV_WORKFLOW_H
#define GRIDGOV_WORKFLOW_H

#include "postgres.h"

/* Register the transaction callback; called from _PG_init. */
extern void workflow_init(void);

#endif							/* GRIDGOV_WORKFLOW_H */

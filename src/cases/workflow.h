/*
 * workflow.h
 *		The state machine of cases: the BEFORE UPDATE trigger that validates
 *		every change of a case and has the engine record it (workflow.c).
 */
#ifndef GRIDGOV_WORKFLOW_H
#define GRIDGOV_WORKFLOW_H

#include "postgres.h"

#endif							/* GRIDGOV_WORKFLOW_H */

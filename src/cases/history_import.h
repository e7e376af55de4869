/*
 * history_import.h
 *		A district's past cases brought in whole (gridgov.import_history(),
 *		docs/history-import.md): each staged case's timeline is walked through
 *		its workflow's transitions in C, its events chained with the engine's
 *		hash (audit.h), its clocks computed with the live policies and
 *		working-time arithmetic, and the complete case rows inserted.
 */
#ifndef GRIDGOV_HISTORY_IMPORT_H
#define GRIDGOV_HISTORY_IMPORT_H

#include "postgres.h"

/*
 * True only while gridgov.history_import_apply() inserts the imported case
 * rows: the intake triggers then keep them as they are (intake.c,
 * intake_finish.c).  No SQL can set it.
 */
extern bool history_import_inserting(void);

#endif							/* GRIDGOV_HISTORY_IMPORT_H */

/*
 * owner.h
 *		Running a piece of gridgov's C code as the owner of the case history.
 *
 * The history (gridgov.case_events) and what is written with it are appended
 * as the role that owns gridgov.case_events, whoever the caller is; so are
 * the reads of reference data that a check needs and the caller may not have
 * the right to read (as with a foreign key).
 */
#ifndef GRIDGOV_OWNER_H
#define GRIDGOV_OWNER_H

#include "postgres.h"

/* Owner of gridgov.case_events. */
extern Oid	owner_of_history(void);

/*
 * Runs fn(arg) as the owner of gridgov.case_events (SPI already connected,
 * SECURITY_LOCAL_USERID_CHANGE set), then switches back, also on error.
 */
extern void owner_run_as_history_owner(void (*fn) (void *), void *arg);

/* The same, connected to SPI for fn (SPI_connect before, SPI_finish after). */
extern void owner_spi_as_history_owner(void (*fn) (void *), void *arg);

#endif							/* GRIDGOV_OWNER_H */

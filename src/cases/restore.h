/*
 * restore.h
 *		Cases that arrive complete, from a dump (pg_restore, pg_dump | psql):
 *		the intake trigger lets them in as they are and notes them, and the
 *		intake statement trigger then leaves them alone (their events and
 *		clocks arrive by their own COPY).  docs/backup.md.
 */
#ifndef GRIDGOV_RESTORE_H
#define GRIDGOV_RESTORE_H

#include "postgres.h"

#include "gridcode.h"

/*
 * Whether the current user may bring back complete cases: a member of the
 * role that owns gridgov.cases (owner_role), or a superuser.
 */
extern bool restore_allowed(Oid owner_role);

/* Note a case let in complete by the intake trigger of the running statement. */
extern void restore_note_case(GridCode county, int64 case_id);

/* True, once, for a case noted by restore_note_case() (and forgets it). */
extern bool restore_take_case(GridCode county, int64 case_id);

#endif							/* GRIDGOV_RESTORE_H */

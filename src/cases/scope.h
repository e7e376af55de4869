/*
 * scope.h
 *		Which cases a login sees, acts on, files and reveals the contact data
 *		of: the access matrix of docs/security.md, from the organisation data
 *		(staff, departments, grid_staff) and the login's group roles.
 *
 * A case is given by its county, current grid (NULL: in no grid, so its place
 * is the county), holding department (NULL: none) and id.
 */
#ifndef GRIDGOV_SCOPE_H
#define GRIDGOV_SCOPE_H

#include "postgres.h"

#include "gridcode.h"

typedef struct ScopeCase
{
	GridCode	county;
	bool		has_grid;
	GridCode	grid;
	bool		has_department;
	int64		department_id;
	int64		case_id;
} ScopeCase;

extern bool scope_case_readable(const ScopeCase *c);
extern bool scope_case_actable(const ScopeCase *c);
extern bool scope_case_fileable(const ScopeCase *c);
extern bool scope_case_contact(const ScopeCase *c);

/* Whether the caller acts on the case for more than reporting in on a summons. */
extern bool scope_case_acts_fully(const ScopeCase *c);

/* Whether the caller may change who holds the case (a command center's dispatcher, admin). */
extern bool scope_case_redirect(const ScopeCase *c);

/* The department of the caller's active staff row (0 when none). */
extern int64 scope_department_id(void);

/* Registers the scope's cache with the registry; called from _PG_init. */
extern void scope_init(void);

#endif							/* GRIDGOV_SCOPE_H */

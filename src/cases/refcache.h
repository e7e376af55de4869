/*
 * refcache.h
 *		Per-backend caches of reference data that the case triggers read on
 *		every row: categories, workflow states and transitions, the staff row of
 *		each database role, the home county, and memoised routing answers.
 *
 * Everything is loaded together on first use and dropped together when any of
 * the watched tables changes in any session (a cache of the registry, cache.h).
 */
#ifndef GRIDGOV_REFCACHE_H
#define GRIDGOV_REFCACHE_H

#include "postgres.h"

#include "gridcode.h"

#define REF_NAME_LEN	64

typedef struct RefCategory
{
	char		code[REF_NAME_LEN];		/* hash key */
	char		workflow[REF_NAME_LEN];
	char		default_urgency[16];
	bool		active;
} RefCategory;

typedef struct RefState
{
	char		key[2 * REF_NAME_LEN];	/* workflow '\0' state */
	bool		initial;
	bool		terminal;
	bool		closes;
} RefState;

typedef struct RefTransition
{
	char		key[3 * REF_NAME_LEN];	/* workflow '\0' from '\0' action */
	char		action[REF_NAME_LEN];
	char		from_state[REF_NAME_LEN];
	char		to_state[REF_NAME_LEN]; /* "" when the state stays */
	char		counter[64];		/* "" for none; several joined by + */
	int			nroles;
	char	  **roles;
	int			nrequires;
	char	  **requires;
	int			nclock_start;	/* SLA stages whose clocks the action starts */
	char	  **clock_start;
	int			nclock_stop;	/* ... and stops (met) */
	char	  **clock_stop;
	int			nclock_cancel;	/* ... and cancels (neither met nor late) */
	char	  **clock_cancel;
} RefTransition;

/* A workflow: its initial state and the SLA stages timed from intake. */
typedef struct RefWorkflow
{
	char		workflow[REF_NAME_LEN];	/* hash key */
	char		initial[REF_NAME_LEN];	/* "" when it has none */
	int			nintake_clocks;
	char	  **intake_clocks;
} RefWorkflow;

/* Copies a name of at most REF_NAME_LEN - 1 bytes into dst; 42622 when longer. */
extern void refcache_copy_name(char *dst, const char *src, const char *what);

/* Registers the cache and the tables it reads (at _PG_init). */
extern void refcache_init(void);

extern const RefCategory *refcache_category(const char *code);
/* The category, or GG121 (unknown category): the check of a case's category. */
extern const RefCategory *refcache_known_category(const char *code);
extern const RefState *refcache_state(const char *workflow, const char *state);
/* 23503 unless the department exists: the check of a case's department_id. */
extern void refcache_check_department(int64 id);
extern const char *refcache_initial_state(const char *workflow);
/* The workflow, or NULL when there is no such workflow. */
extern const RefWorkflow *refcache_workflow(const char *workflow);

/*
 * The transition for action from state (an exact row, else a '*' row when
 * the state is not terminal); NULL when the action is not allowed there.
 */
extern const RefTransition *refcache_transition(const char *workflow, const char *from,
												const char *action);

/*
 * A copy of t in the current memory context: what the cache hands out lives
 * only until the next lookup after an invalidation.
 */
extern RefTransition *refcache_transition_copy(const RefTransition *t);

/* Whether the transition increments the case counter named counter (its counter, or one of a+b). */
extern bool refcache_counts(const RefTransition *t, const char *counter);

/* Transitions from -> to (state-changing ones only); returns how many, first in *found. */
extern int	refcache_transitions_between(const char *workflow, const char *from, const char *to,
										 const RefTransition **found);

/* Comma-separated actions allowed from a state, for messages. */
extern char *refcache_allowed_actions(const char *workflow, const char *from);

/* Staff id mapped to a database role; false when none. */
extern bool refcache_staff_of_role(Oid roleid, int64 *staff_id);

/* The configured home county; false when not set. */
extern bool refcache_home_county(GridCode *county);
/* The category of settings unclassified_category, or NULL when unset. */
extern const char *refcache_unclassified_category(void);

/* Memoised gridgov.route(category, grid) answers (objcode NULL). */
extern bool refcache_route_get(const char *category, bool has_grid, GridCode grid, int64 *dept);
extern void refcache_route_put(const char *category, bool has_grid, GridCode grid, int64 dept);

#endif							/* GRIDGOV_REFCACHE_H */

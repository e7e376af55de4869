/*
 * case_columns.h
 *		The columns of gridgov.cases that gridgov's C code reads and writes,
 *		bound once to their attribute numbers and checked for their types.
 *
 * The binding is made on first use and dropped by a relcache invalidation
 * of the table (ALTER TABLE, or any invalidation that may concern it); a
 * column that is missing (42703; unless optional, see below) or of another
 * type than gridgov expects (42804) is an error, never a misread Datum.
 */
#ifndef GRIDGOV_CASE_COLUMNS_H
#define GRIDGOV_CASE_COLUMNS_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "utils/rel.h"

typedef enum CaseCol
{
	CC_COUNTY, CC_ID, CC_CASE_NO, CC_CATEGORY, CC_URGENCY, CC_LOCATION,
	CC_COORD_SYSTEM, CC_OBJCODE, CC_GRID, CC_DEPARTMENT, CC_WORKFLOW, CC_STATE,
	CC_REPORTED_AT, CC_CLOSED_AT, CC_DISPATCHES, CC_RETURNS, CC_REWORKS,
	CC_REOPENS, CC_SOLVED, CC_SATISFACTION, CC_MASTER, CC_DUPLICATE, CC_EVENTS,
	CC_HISTORY_HASH, CC_UPDATED_AT, CC_EXTENSIONS, CC_SUSPENSIONS, CC_SUPERVISED,
	CC_ESCALATION_LEVEL, CC_SOURCE, CC_TITLE, CC_DESCRIPTION, CC_ADDRESS,
	CC_OCCURRED_AT, CC_CATEGORY_BY, CC_LOCATED_BY, CC_ASSISTED, CC_NCOLS
} CaseCol;

/*
 * Columns added after 1.2.0 are optional: a schema not yet updated (the new
 * library runs against the old tables until ALTER EXTENSION gridgov UPDATE)
 * lacks them, and their attnum is then 0.  Test with case_column_present().
 */

typedef struct CaseColumns
{
	Oid			relid;			/* the relation they were bound for */
	uint32		generation;		/* changes with every new binding */
	int			attnum[CC_NCOLS];
	Oid			type[CC_NCOLS];
} CaseColumns;

/* Whether the binding has column c (an optional column may be missing: attnum 0). */
static inline bool
case_column_present(const CaseColumns *cols, CaseCol c)
{
	return cols->attnum[c] > 0;
}

/* The column's name in gridgov.cases. */
extern const char *case_column_name(CaseCol c);

/*
 * The binding for rel, which must be gridgov.cases (checked by the caller's
 * trigger check); bound again after an invalidation.
 */
extern const CaseColumns *case_columns(Relation rel);

/* Registers the binding with the cache registry; called from _PG_init. */
extern void case_columns_init(void);

#endif							/* GRIDGOV_CASE_COLUMNS_H */

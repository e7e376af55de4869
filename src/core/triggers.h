/*
 * triggers.h
 *		The registry of gridgov's triggers: which trigger function fires on
 *		which of gridgov's tables, when, at which level and for which events.
 *
 * Every trigger function of gridgov, in C or PL/pgSQL, checks on entry that
 * it fires as registered here (the relation by OID, the timing, the level and
 * the event) and refuses anything else with 39P01: attached to another table,
 * it would otherwise act on that table with the rights of gridgov's code.
 * test/catalog.sql checks that the installed triggers and this registry agree.
 */
#ifndef GRIDGOV_TRIGGERS_H
#define GRIDGOV_TRIGGERS_H

#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"

/*
 * For a C trigger function fn (its name in schema gridgov): the TriggerData
 * of this call, after checking that it fires as registered.
 */
extern TriggerData *triggers_check(FunctionCallInfo fcinfo, const char *fn);

/*
 * The same, and *table: the gridgov table of the binding the firing matched
 * (a static string), for a trigger function that acts on the table it is
 * registered for rather than on the relation it fires on.
 */
extern TriggerData *triggers_check_table(FunctionCallInfo fcinfo, const char *fn,
										 const char **table);

/* OID of gridgov's table name; an error when it does not exist. */
extern Oid	triggers_gridgov_relid(const char *name);

#endif							/* GRIDGOV_TRIGGERS_H */

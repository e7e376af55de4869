/*
 * plans.h
 *		The SPI statements gridgov's C code runs: prepared (and kept per
 *		backend), executed, and both under a search_path of its own.
 *
 * Every name in those statements is schema-qualified (gridgov., pg_catalog.,
 * or PostGIS's schema spelled out), and they are prepared and executed with
 * search_path = 'pg_catalog, gridgov, pg_temp'.  So nothing a caller puts earlier on
 * its search_path (a function or an operator with the same name and argument
 * types) can take the place of what gridgov means, even when the statement
 * runs with the rights of the case history's owner (audit.h).
 */
#ifndef GRIDGOV_PLANS_H
#define GRIDGOV_PLANS_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/snapshot.h"

/* The search_path of gridgov's own statements. */
#define PLANS_SEARCH_PATH	"pg_catalog, gridgov, pg_temp"

/*
 * Opens a GUC nesting level with the safe search_path (and, when name is not
 * NULL, name = value too); plans_safe_end() closes it.
 */
extern int	plans_safe_begin(const char *name, const char *value);
extern void plans_safe_end(int nest);

/*
 * The plan in *slot, prepared (with the safe search_path) and kept on first
 * use.  A kept plan is generic: made once (and again after an invalidation
 * of what it reads, see plans_table_grew()), never for each execution.  The
 * statements kept are key lookups and appends, whose best plan does not
 * depend on the values; a plan made for each execution would be made for
 * every case (the planner would otherwise prefer one for the single-case
 * statements that unnest arrays, whose custom estimates look cheaper).
 */
extern SPIPlanPtr plans_keep(SPIPlanPtr *slot, const char *sql, int nargs, const Oid *types);

/* SPI_execute_plan with the safe search_path; errors unless rc is expected. */
extern void plans_execute(SPIPlanPtr plan, const Datum *values, const char *nulls,
						  bool read_only, long count, int expected_rc);

/*
 * The same with a given snapshot (e.g. GetLatestSnapshot() for reference data
 * that outlives the statement); read-only.
 */
extern void plans_execute_snapshot(SPIPlanPtr plan, const Datum *values, const char *nulls,
								   Snapshot snapshot, long count);

/* A one-off statement with parameters (prepared, run and freed), read-only or not. */
extern void plans_run(const char *sql, int nargs, const Oid *types, const Datum *values,
					  const char *nulls, bool read_only, long count, int expected_rc);

/*
 * A one-off statement under a given snapshot, read-only; under Citus the
 * reference tables it names are read in their copy on this node
 * (shards_local_reads()).
 */
extern void plans_run_snapshot(const char *sql, int nargs, const Oid *types, const Datum *values,
							   Snapshot snapshot);

/* A read-only cursor over a statement without parameters (local copies, as above). */
extern Portal plans_cursor_open(const char *sql);

/*
 * Plans made for a table's size: call after a statement added rows to the
 * table relid (locked by the caller).  A plan is made for the size the table
 * had then (its block count, whatever its statistics say), and kept: one made
 * while the table was nearly empty reads the whole table for a key until it
 * is made again.  When the table has at least doubled since its statistics
 * (or since this backend last did this), this sends an invalidation of it,
 * which makes every backend's plans on it (kept by gridgov, cached by
 * PL/pgSQL, PostgreSQL's foreign-key checks) be made again at their next use,
 * for the size the table has then.  A table growing from empty to n blocks
 * sends it about log2(n) times per inserting backend.
 */
extern void plans_table_grew(Oid relid);

#endif							/* GRIDGOV_PLANS_H */

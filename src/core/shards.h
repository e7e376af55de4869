/*
 * shards.h
 *		Which gridgov table a relation stands for: the table itself, or one of
 *		its Citus shards (gridgov.<table>_<shardid>, listed in Citus's catalog
 *		pg_dist_shard with that table as its logical relation).
 *
 * Under Citus a trigger of a distributed or reference table fires on the
 * shard, so the relation a trigger sees is the shard.  Triggers and caches
 * ask here for the table it belongs to, by OID, never by name alone.
 */
#ifndef GRIDGOV_SHARDS_H
#define GRIDGOV_SHARDS_H

#include "postgres.h"

#include "executor/spi.h"

/*
 * The gridgov table relid is or is a Citus shard of; InvalidOid for a
 * relation outside schema gridgov, or one that is neither.
 */
extern Oid	shards_table_of(Oid relid);

/*
 * The relation on this node that holds the rows of gridgov.table for the
 * distribution value whose hash (the distribution column type's hash
 * function, as Citus computes it) is hash: the table itself on one server or
 * while it is not distributed, else its shard for that hash.  An error when
 * that shard is not on this node.  The shard ranges are read once per backend
 * and again when Citus invalidates the table.
 */
extern Oid	shards_rows_relation(const char *table, int32 hash);

/* Whether this node holds the rows of gridgov.table for hash (always on one server). */
extern bool shards_rows_local(const char *table, int32 hash);

/* Whether gridgov.table is a Citus table (its rows are in shards). */
extern bool shards_distributed(const char *table);

/*
 * A kept plan of sql_template, whose %1$s and %2$s are replaced by the
 * relations shards_rows_relation() gives for tables (NULL-ended, at most
 * two) and hash; one plan per template and relations.  With tables NULL,
 * sql_template is the statement itself (one kept plan).
 */
extern SPIPlanPtr shards_plan(const char *sql_template, const char *const *tables, int32 hash,
							  int nargs, const Oid *types);

/*
 * sql, a statement that only reads, with each reference table gridgov.name
 * it names replaced by that table's copy on this node, once gridgov's tables
 * are distributed (else sql itself): Citus refuses a query on a reference
 * table from inside a query on a shard (a function of gridgov's that a view
 * calls on a worker), and reading the local copy is what Citus would do.
 */
extern char *shards_local_reads(const char *sql);

/* Registers the cache of shard ranges (at _PG_init). */
extern void shards_init(void);

#endif							/* GRIDGOV_SHARDS_H */

/*
 * cache.h
 *		The registry of gridgov's per-backend caches and their invalidation.
 *
 * Each cache registers at _PG_init what it is and what it is built from: the
 * gridgov tables whose rows it reads, the tables whose definition only it
 * depends on, and whether it holds function lookups (pg_proc).  The registry
 * registers one relcache callback, one PROCOID syscache callback and one
 * callback for the role catalogs (AUTHOID, AUTHMEMMEMROLE) for them all; an invalidation of a watched table (or of every relation) counts as an
 * invalidation of each cache built from it, which is then not current.
 *
 * The tables whose rows caches read are the one list of watched tables: each
 * gets the statement trigger gridgov.invalidate_caches() (created by the
 * install script from gridgov.cache_watched_tables(), registered in
 * triggers.c from cache_watched_table()).  The trigger sends a relcache
 * invalidation for the watched table, which this backend processes at its
 * next command and every other backend once the change commits.
 *
 * A cache is used as
 *		if (!cache_is_current(id))
 *		{
 *			uint64	token = cache_build_start(id);
 *			... read the tables ...
 *			cache_build_done(id, token);
 *		}
 * so that an invalidation that arrives while it is read makes it stale again,
 * and a build that fails leaves it stale.
 */
#ifndef GRIDGOV_CACHE_H
#define GRIDGOV_CACHE_H

#include "postgres.h"

typedef struct CacheSpec
{
	const char *name;			/* what the cache holds, for gridgov.cache_stats() */
	const char *const *tables;	/* gridgov tables whose rows it reads; NULL-ended, or NULL */
	const char *const *definitions; /* gridgov tables whose definition only it uses; NULL-ended, or NULL */
	bool		functions;		/* holds function lookups: dropped when pg_proc changes */
	bool		roles;			/* holds role attributes or memberships: dropped when
								 * pg_authid or pg_auth_members change */
} CacheSpec;

/* Registers a cache (at _PG_init; spec must be static); returns its id. */
extern int	cache_register(const CacheSpec *spec);

/* Whether the cache was built and no invalidation of it arrived since. */
extern bool cache_is_current(int id);

/* Starts a build: looks up the watched tables; returns the token for cache_build_done. */
extern uint64 cache_build_start(int id);

/* Ends a build that started with token: current until the next invalidation. */
extern void cache_build_done(int id, uint64 token);

/* The watched tables (those whose rows some cache reads), for triggers.c. */
extern int	cache_watched_count(void);
extern const char *cache_watched_table(int i);

#endif							/* GRIDGOV_CACHE_H */

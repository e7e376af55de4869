/*
 * cache.c
 *		The registry of gridgov's per-backend caches; see cache.h.
 *
 * A backend has room for ten relcache callbacks (PostgreSQL 15), which other
 * extensions share (Citus takes five), so gridgov registers one: it compares
 * the invalidated relation with the OIDs of the watched tables, looked up by
 * name when a cache starts a build, and counts an invalidation for every
 * cache built from a table that matches.  An invalidation of every relation
 * (InvalidOid, e.g. after a lost invalidation message) counts for every cache
 * built from a table; so does any invalidation while a watched table was
 * missing at the last lookup (it may exist by now, under an OID not known
 * here).  The counts are per backend and only grow: a cache is current when
 * it was built and its count has not moved since its build started.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "cache.h"
#include "triggers.h"

#define MAX_CACHES	16
#define MAX_WATCHED 32

typedef struct CacheState
{
	const CacheSpec *spec;
	uint64		invalidations;	/* counted by the callbacks */
	bool		built;
	uint64		built_at;		/* invalidations when the last build started */
} CacheState;

typedef struct WatchedTable
{
	const char *name;			/* in schema gridgov */
	Oid			relid;			/* at the last lookup; InvalidOid when missing */
	uint32		readers;		/* caches that read its rows (bit per id) */
	uint32		dependents;		/* caches built from it, rows or definition */
} WatchedTable;

static CacheState caches[MAX_CACHES];
static int	ncaches = 0;
static WatchedTable watched[MAX_WATCHED];
static int	nwatched = 0;
static const char *read_tables[MAX_WATCHED];	/* those with readers, in order */
static int	nread_tables = 0;
static uint32 function_caches = 0;	/* caches of function lookups */
static uint32 role_caches = 0;	/* caches of role attributes and memberships */
static bool relcache_callback_registered = false;
static bool syscache_callback_registered = false;
static bool role_callback_registered = false;

static void
invalidate(uint32 stale)
{
	int			i;

	for (i = 0; i < ncaches; i++)
		if (stale & ((uint32) 1 << i))
			caches[i].invalidations++;
}

static void
relcache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	uint32		stale = 0;
	int			i;

	for (i = 0; i < nwatched; i++)
		if (relid == InvalidOid || watched[i].relid == relid || watched[i].relid == InvalidOid)
			stale |= watched[i].dependents;
	invalidate(stale);
}

static void
function_callback(Datum arg pg_attribute_unused(), int cacheid pg_attribute_unused(),
				  uint32 hashvalue pg_attribute_unused())
{
	invalidate(function_caches);
}

static void
role_callback(Datum arg pg_attribute_unused(), int cacheid pg_attribute_unused(),
			  uint32 hashvalue pg_attribute_unused())
{
	invalidate(role_caches);
}

/* Adds table name to the watch list for cache id. */
static void
watch(const char *name, int id, bool rows)
{
	WatchedTable *w = NULL;
	int			i;

	for (i = 0; i < nwatched && w == NULL; i++)
		if (strcmp(watched[i].name, name) == 0)
			w = &watched[i];
	if (w == NULL)
	{
		if (nwatched == MAX_WATCHED)
			elog(ERROR, "gridgov's caches watch more than %d tables", MAX_WATCHED);
		w = &watched[nwatched++];
		w->name = name;
		w->relid = InvalidOid;
		w->readers = 0;
		w->dependents = 0;
	}
	w->dependents |= (uint32) 1 << id;
	if (rows && w->readers == 0)
		read_tables[nread_tables++] = w->name;
	if (rows)
		w->readers |= (uint32) 1 << id;
}

int
cache_register(const CacheSpec *spec)
{
	const char *const *t;
	int			id;

	if (ncaches == MAX_CACHES)
		elog(ERROR, "gridgov registers more than %d caches", MAX_CACHES);
	id = ncaches++;
	caches[id].spec = spec;
	for (t = spec->tables; t && *t; t++)
		watch(*t, id, true);
	for (t = spec->definitions; t && *t; t++)
		watch(*t, id, false);
	if (spec->functions)
		function_caches |= (uint32) 1 << id;
	if (nwatched > 0 && !relcache_callback_registered)
	{
		CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
		relcache_callback_registered = true;
	}
	if (spec->functions && !syscache_callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, function_callback, (Datum) 0);
		syscache_callback_registered = true;
	}
	if (spec->roles)
		role_caches |= (uint32) 1 << id;
	if (spec->roles && !role_callback_registered)
	{
		CacheRegisterSyscacheCallback(AUTHOID, role_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMMEMROLE, role_callback, (Datum) 0);
		role_callback_registered = true;
	}
	return id;
}

bool
cache_is_current(int id)
{
	return caches[id].built && caches[id].built_at == caches[id].invalidations;
}

uint64
cache_build_start(int id)
{
	uint64		token = caches[id].invalidations;
	Oid			nsp = get_namespace_oid("gridgov", true);
	int			i;

	for (i = 0; i < nwatched; i++)
		watched[i].relid = OidIsValid(nsp) ? get_relname_relid(watched[i].name, nsp) : InvalidOid;
	return token;
}

void
cache_build_done(int id, uint64 token)
{
	caches[id].built = true;
	caches[id].built_at = token;
}

int
cache_watched_count(void)
{
	return nread_tables;
}

const char *
cache_watched_table(int i)
{
	if (i < 0 || i >= nread_tables)
		elog(ERROR, "no watched table %d", i);
	return read_tables[i];
}

/* A text[] of the names in names[0..n-1]. */
static Datum
names_array(const char **names, int n)
{
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The names of the caches in mask, as a text[]. */
static Datum
cache_names(uint32 mask)
{
	const char *names[MAX_CACHES];
	int			n = 0;
	int			i;

	for (i = 0; i < ncaches; i++)
		if (mask & ((uint32) 1 << i))
			names[n++] = caches[i].spec->name;
	return names_array(names, n);
}

/* The tables cache id watches, rows (or else definition), as a text[]. */
static Datum
watched_names(int id, bool rows)
{
	const char *names[MAX_WATCHED];
	int			n = 0;
	int			i;

	for (i = 0; i < nwatched; i++)
	{
		bool		reads = (watched[i].readers & ((uint32) 1 << id)) != 0;
		bool		depends = (watched[i].dependents & ((uint32) 1 << id)) != 0;

		if (rows ? reads : depends && !reads)
			names[n++] = watched[i].name;
	}
	return names_array(names, n);
}

/* gridgov.cache_watched_tables(): each watched table (of those the schema has) and the caches that read it. */
PG_FUNCTION_INFO_V1(gridgov_cache_watched_tables);
Datum
gridgov_cache_watched_tables(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			nsp = get_namespace_oid("gridgov", true);
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nwatched; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		/*
		 * Only the tables this version of the schema has: an earlier
		 * release's install script, run with this module (the upgrade test,
		 * CREATE EXTENSION ... VERSION), makes the triggers of its own tables.
		 */
		if (watched[i].readers == 0 || !OidIsValid(nsp) ||
			!OidIsValid(get_relname_relid(watched[i].name, nsp)))
			continue;
		values[0] = CStringGetTextDatum(watched[i].name);
		values[1] = cache_names(watched[i].readers);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * gridgov.cache_stats(): this backend's caches, after reading the pending
 * invalidations.
 */
PG_FUNCTION_INFO_V1(gridgov_cache_stats);
Datum
gridgov_cache_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	AcceptInvalidationMessages();
	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < ncaches; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(caches[i].spec->name);
		values[1] = watched_names(i, true);
		values[2] = watched_names(i, false);
		values[3] = BoolGetDatum(caches[i].spec->functions);
		values[4] = Int64GetDatum((int64) caches[i].invalidations);
		values[5] = BoolGetDatum(cache_is_current(i));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * gridgov.invalidate_caches(): the statement trigger on every watched table.
 * It sends a relcache invalidation for the watched table of the binding the
 * firing matched (its OID in schema gridgov), never for the relation the
 * trigger fired on (on a Citus shard that would be the shard's, which no
 * cache watches).  This session processes it at its next command, every
 * other session when the change commits.
 */
PG_FUNCTION_INFO_V1(gridgov_invalidate_caches);
Datum
gridgov_invalidate_caches(PG_FUNCTION_ARGS)
{
	const char *table;

	(void) triggers_check_table(fcinfo, "invalidate_caches", &table);
	CacheInvalidateRelcacheByRelid(triggers_gridgov_relid(table));
	PG_RETURN_POINTER(NULL);
}

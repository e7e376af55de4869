/*
 * shards.c
 *		The gridgov table a relation stands for, itself or as a Citus shard;
 *		see shards.h.
 *
 * A shard is recognised only through Citus's own catalog: its name is
 * <table>_<shardid> in schema gridgov and pg_catalog.pg_dist_shard has the row
 * (shardid, logicalrelid = gridgov.<table>).  The answer is kept per backend
 * with the shard's name, and asked again when the OID names another relation
 * (a shard dropped and its OID reused).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "cache.h"
#include "plans.h"
#include "shards.h"
#include "triggers.h"

typedef struct ShardEntry
{
	Oid			relid;			/* hash key: the shard */
	Oid			table;			/* its gridgov table */
	NameData	name;			/* the shard's name when it was looked up */
} ShardEntry;

static HTAB *shard_tables = NULL;

/* The shard id in a name <table>_<digits>, or -1. */
static int64
shard_id_in(const char *name)
{
	const char *underscore = strrchr(name, '_');
	const char *p;
	int64		id = 0;

	if (underscore == NULL || underscore[1] == '\0')
		return -1;
	for (p = underscore + 1; *p; p++)
	{
		if (*p < '0' || *p > '9' || id > (PG_INT64_MAX - 9) / 10)
			return -1;
		id = id * 10 + (*p - '0');
	}
	return id;
}

/* Citus's logical relation of shard id, or InvalidOid (no Citus, no such shard). */
static Oid
citus_logical_relid(int64 shardid)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	Oid			result = InvalidOid;
	int			nest;

	if (!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
		return InvalidOid;
	args[0] = Int64GetDatum(shardid);
	nest = plans_safe_begin(NULL, NULL);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plans_keep(&plan, "SELECT logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_shard"
			   " WHERE shardid = $1", 1, argtypes);
	if (SPI_execute_plan(plan, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetObjectId(d);
	}
	SPI_finish();
	plans_safe_end(nest);
	return result;
}

/* The gridgov table a shard named name (in schema gridgov) belongs to, or InvalidOid. */
static Oid
lookup_shard(const char *name, Oid nsp)
{
	int64		shardid = shard_id_in(name);
	Oid			table;
	char	   *logical;

	if (shardid < 0)
		return InvalidOid;
	table = citus_logical_relid(shardid);
	if (!OidIsValid(table) || get_rel_namespace(table) != nsp)
		return InvalidOid;
	/* The shard's name is its table's name, "_", the shard id. */
	logical = get_rel_name(table);
	if (logical == NULL || strncmp(name, logical, strlen(logical)) != 0 || name[strlen(logical)] != '_' ||
		shard_id_in(name + strlen(logical)) != shardid)
		return InvalidOid;
	return table;
}

static void
ensure_hash(void)
{
	HASHCTL		ctl;

	if (shard_tables != NULL)
		return;
	MemSet(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(ShardEntry);
	ctl.hcxt = TopMemoryContext;
	shard_tables = hash_create("gridgov shards", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

Oid
shards_table_of(Oid relid)
{
	Oid			nsp = get_namespace_oid("gridgov", true);
	char	   *name;
	ShardEntry *entry;
	bool		found;

	if (!OidIsValid(relid) || !OidIsValid(nsp) || get_rel_namespace(relid) != nsp)
		return InvalidOid;
	name = get_rel_name(relid);
	if (name == NULL)
		return InvalidOid;
	ensure_hash();
	entry = hash_search(shard_tables, &relid, HASH_FIND, NULL);
	if (entry != NULL && strcmp(NameStr(entry->name), name) == 0)
		return entry->table;
	if (shard_id_in(name) < 0)
		return relid;			/* a gridgov table itself (no shard suffix) */
	{
		Oid			table = lookup_shard(name, nsp);

		if (!OidIsValid(table))
			return relid;		/* a gridgov table whose name ends in digits */
		entry = hash_search(shard_tables, &relid, HASH_ENTER, &found);
		entry->table = table;
		namestrcpy(&entry->name, name);
		return table;
	}
}

/*
 * Shard ranges of the gridgov tables read so far: for each, its shards' hash
 * ranges and the local relation of each (InvalidOid when the shard is on
 * another node), or no shards when the table is not a Citus table.  A
 * reference table has one shard, of the whole range.
 */
typedef struct ShardRanges
{
	char		table[NAMEDATALEN];
	int			n;				/* 0: not distributed, the table holds its rows */
	bool		reference;		/* a reference table: one shard, on every node */
	int32	   *min;
	int32	   *max;
	Oid		   *relid;
} ShardRanges;

#define MAX_SHARDED_TABLES 64
#define SHARD_RANGES_SQL \
	"SELECT COALESCE(s.shardminvalue::pg_catalog.int4, -2147483648), " \
	"COALESCE(s.shardmaxvalue::pg_catalog.int4, 2147483647), " \
	"pg_catalog.format('%s_%s', $2, s.shardid), s.shardminvalue IS NULL, " \
	"EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement p WHERE p.shardid = s.shardid " \
	"AND p.groupid = (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)) " \
	"FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid = $1 ORDER BY 1"

/*
 * Read again (all of them) when Citus changes the shards of one of the
 * per-case tables; gridgov.distribute() converts the reference tables first.
 */
static const char *const sharded_tables[] = {"cases", "case_events", "case_clocks", "escalations",
"whistles", "whistle_calls", "history_seal_heads", "case_stats", NULL};
static const CacheSpec ranges_spec = {"shard ranges", NULL, sharded_tables, false, false};
static int	ranges_cache_id;
static ShardRanges ranges[MAX_SHARDED_TABLES];
static int	nranges = 0;
static MemoryContext ranges_cxt = NULL;

void
shards_init(void)
{
	ranges_cache_id = cache_register(&ranges_spec);
}

/* Reads the shard ranges of gridgov.table into r (n = 0 without Citus or when not distributed). */
static void
read_ranges(ShardRanges *r, const char *table)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	Oid			nsp = get_namespace_oid("gridgov", false);
	uint64		i;

	strlcpy(r->table, table, NAMEDATALEN);
	r->n = 0;
	r->reference = false;
	if (!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
		return;
	values[0] = ObjectIdGetDatum(triggers_gridgov_relid(table));
	values[1] = CStringGetTextDatum(table);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plans_keep(&plan, SHARD_RANGES_SQL, 2, types);
	plans_execute(plan, values, NULL, true, 0, SPI_OK_SELECT);
	r->min = MemoryContextAlloc(ranges_cxt, sizeof(int32) * (SPI_processed + 1));
	r->max = MemoryContextAlloc(ranges_cxt, sizeof(int32) * (SPI_processed + 1));
	r->relid = MemoryContextAlloc(ranges_cxt, sizeof(Oid) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		bool		isnull;
		char	   *name;

		r->min[i] = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
		r->max[i] = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
		name = TextDatumGetCString(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull));
		/* Only a shard with a placement on this node (not a moved one's leftover). */
		r->relid[i] = DatumGetBool(SPI_getbinval(t, SPI_tuptable->tupdesc, 5, &isnull))
			? get_relname_relid(name, nsp) : InvalidOid;
		r->reference = DatumGetBool(SPI_getbinval(t, SPI_tuptable->tupdesc, 4, &isnull));
	}
	r->n = (int) SPI_processed;
	SPI_finish();
}

/* The ranges of gridgov.table, read when the cache is not current. */
static const ShardRanges *
table_ranges(const char *table)
{
	int			i;

	if (!cache_is_current(ranges_cache_id))
	{
		uint64		token = cache_build_start(ranges_cache_id);

		if (ranges_cxt == NULL)
			ranges_cxt = AllocSetContextCreate(TopMemoryContext, "gridgov shard ranges",
											   ALLOCSET_SMALL_SIZES);
		MemoryContextReset(ranges_cxt);
		nranges = 0;
		cache_build_done(ranges_cache_id, token);
	}
	for (i = 0; i < nranges; i++)
		if (strcmp(ranges[i].table, table) == 0)
			return &ranges[i];
	if (nranges == MAX_SHARDED_TABLES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("more than %d gridgov tables read through their shards", MAX_SHARDED_TABLES)));
	read_ranges(&ranges[nranges], table);
	return &ranges[nranges++];
}

bool
shards_distributed(const char *table)
{
	return table_ranges(table)->n > 0;
}

/* The index of the shard of r whose range holds hash (r has shards). */
static int
shard_index(const ShardRanges *r, int32 hash)
{
	int			lo = 0;
	int			hi = r->n - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (r->min[mid] <= hash)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

bool
shards_rows_local(const char *table, int32 hash)
{
	const ShardRanges *r = table_ranges(table);
	int			i;

	if (r->n == 0)
		return true;
	i = shard_index(r, hash);
	return hash >= r->min[i] && hash <= r->max[i] && OidIsValid(r->relid[i]);
}

Oid
shards_rows_relation(const char *table, int32 hash)
{
	const ShardRanges *r = table_ranges(table);
	int			lo;

	if (r->n == 0)
		return triggers_gridgov_relid(table);
	lo = shard_index(r, hash);
	if (hash < r->min[lo] || hash > r->max[lo] || !OidIsValid(r->relid[lo]))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the shard of gridgov.%s for this county is not on this node", table),
				 errdetail("gridgov reads a case's rows on the node that holds the case."),
				 errhint("Call gridgov's functions on the coordinator.")));
	return r->relid[lo];
}

/* The name of a shard read before: an error when it is gone (moved since). */
static const char *
relation_name(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a shard of gridgov's tables was moved away from this node"),
				 errhint("Run the statement again.")));
	return name;
}

typedef struct PlanKey
{
	const char *sql_template;
	Oid			relids[2];
} PlanKey;

typedef struct PlanEntry
{
	PlanKey		key;
	SPIPlanPtr	plan;
} PlanEntry;

static HTAB *shard_plans = NULL;

SPIPlanPtr
shards_plan(const char *sql_template, const char *const *tables, int32 hash, int nargs,
			const Oid *types)
{
	PlanKey		key;
	PlanEntry  *entry;
	bool		found;
	const char *names[2] = {"", ""};
	int			i;

	MemSet(&key, 0, sizeof(key));
	key.sql_template = sql_template;
	for (i = 0; tables != NULL && i < 2 && tables[i] != NULL; i++)
	{
		key.relids[i] = shards_rows_relation(tables[i], hash);
		names[i] = quote_qualified_identifier("gridgov", relation_name(key.relids[i]));
	}
	if (shard_plans == NULL)
	{
		HASHCTL		ctl;

		MemSet(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(PlanKey);
		ctl.entrysize = sizeof(PlanEntry);
		ctl.hcxt = TopMemoryContext;
		shard_plans = hash_create("gridgov shard plans", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(shard_plans, &key, HASH_ENTER, &found);
	if (!found)
		entry->plan = NULL;
	if (entry->plan == NULL)
		(void) plans_keep(&entry->plan, tables == NULL ? sql_template
						  : psprintf(sql_template, names[0], names[1]), nargs, types);
	return entry->plan;
}

/* Whether sql[i..] starts an identifier character. */
static inline bool
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * The local copy of reference table gridgov.name (its placement on this
 * node), or NULL when name is not a reference table with a copy here.
 */
static const char *
reference_copy(const char *name)
{
	Oid			nsp = get_namespace_oid("gridgov", false);
	Oid			relid = get_relname_relid(name, nsp);
	const ShardRanges *r;

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION)
		return NULL;
	r = table_ranges(name);
	if (!r->reference || r->n != 1 || !OidIsValid(r->relid[0]))
		return NULL;
	return quote_qualified_identifier("gridgov", relation_name(r->relid[0]));
}

char *
shards_local_reads(const char *sql)
{
	StringInfoData out;
	const char *p = sql;
	const char *hit;

	if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)) ||
		!shards_distributed("cases"))
		return (char *) sql;
	initStringInfo(&out);
	while ((hit = strstr(p, "gridgov.")) != NULL)
	{
		const char *name = hit + strlen("gridgov.");
		const char *end = name;
		const char *copy;
		char		table[NAMEDATALEN];

		while (ident_char(*end))
			end++;
		appendBinaryStringInfo(&out, p, name - p);
		p = end;
		if (end - name >= NAMEDATALEN || (hit > sql && ident_char(hit[-1])) || *end == '(' || *end == '.')
		{
			appendBinaryStringInfo(&out, name, end - name);
			continue;
		}
		memcpy(table, name, end - name);
		table[end - name] = '\0';
		copy = reference_copy(table);
		if (copy == NULL)
			appendStringInfoString(&out, table);
		else
		{
			out.len -= strlen("gridgov.");
			out.data[out.len] = '\0';
			appendStringInfoString(&out, copy);
		}
	}
	appendStringInfoString(&out, p);
	return out.data;
}

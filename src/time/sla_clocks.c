/*
 * sla_clocks.c
 *		The time-limit clocks a new case starts with; see sla_clocks.h.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "cache.h"
#include "owner.h"
#include "plans.h"
#include "refcache.h"
#include "sla_clocks.h"

/* What picks the policies of some clocks: the stages, and the kind of case. */
#define STAGES_LEN	256
typedef struct KindKey
{
	char		stages[STAGES_LEN];	/* stage names, comma-separated, as listed */
	char		category[REF_NAME_LEN];
	char		urgency[REF_NAME_LEN];
	char		source[REF_NAME_LEN];
} KindKey;

typedef struct KindEntry
{
	KindKey		key;
	int			n;
	ClockStart *starts;
} KindEntry;

static MemoryContext memo_cxt = NULL;
static HTAB *memo = NULL;
static Oid	stage_type = InvalidOid;
static SPIPlanPtr kind_plan = NULL;

#define KIND_SQL \
	"SELECT s.stage, p.id, p.calendar_id, p.amount, p.unit, p.amount OPERATOR(pg_catalog.*) p.warn_ratio " \
	"FROM (SELECT DISTINCT x::gridgov.sla_stage AS stage " \
	"      FROM pg_catalog.unnest(pg_catalog.string_to_array($1, ',')) x) s " \
	"CROSS JOIN LATERAL gridgov.sla_policy($2, $3::gridgov.urgency, $4::gridgov.case_source, s.stage) p " \
	"ORDER BY s.stage"

/*
 * A change of sla_policies or workflows marks the memo stale (cache.h); it is
 * emptied at the next lookup, so that what a caller holds stays valid until
 * then.
 */
static const char *const memo_tables[] = {"sla_policies", "workflows", NULL};
static const CacheSpec memo_spec = {"intake clocks", memo_tables, NULL, false, false};
static int	memo_id;

void
sla_clocks_init(void)
{
	memo_id = cache_register(&memo_spec);
}

static void
memo_reset(void)
{
	HASHCTL		ctl;
	Oid			nsp = get_namespace_oid("gridgov", false);
	uint64		token = cache_build_start(memo_id);

	if (memo_cxt == NULL)
		memo_cxt = AllocSetContextCreate(TopMemoryContext, "gridgov intake clocks",
										 ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(memo_cxt);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(KindKey);
	ctl.entrysize = sizeof(KindEntry);
	ctl.hcxt = memo_cxt;
	memo = hash_create("gridgov intake clocks", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	stage_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("sla_stage"),
								 ObjectIdGetDatum(nsp));
	if (!OidIsValid(stage_type))
		elog(ERROR, "type gridgov.sla_stage does not exist");
	cache_build_done(memo_id, token);
}

typedef struct KindQuery
{
	const KindKey *key;
	KindEntry  *entry;
} KindQuery;

/* A column of a policy row; its table's NOT NULL constraints keep NULLs out. */
static Datum
policy_value(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("an SLA policy has no value in column %d of its selection", col)));
	return d;
}

/* Reads the clocks of a kind of case (run as the owner of the case history). */
static void
load_kind_cb(void *arg)
{
	KindQuery  *q = (KindQuery *) arg;
	Datum		params[4];
	uint64		i;
	MemoryContext old;

	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};

	plans_keep(&kind_plan, KIND_SQL, 4, types);
	params[0] = CStringGetTextDatum(q->key->stages);
	params[1] = CStringGetTextDatum(q->key->category);
	params[2] = CStringGetTextDatum(q->key->urgency);
	params[3] = CStringGetTextDatum(q->key->source);
	/* The policies as committed now: the memo outlives this statement. */
	plans_execute_snapshot(kind_plan, params, NULL, GetLatestSnapshot(), 0);
	old = MemoryContextSwitchTo(memo_cxt);
	q->entry->n = (int) SPI_processed;
	q->entry->starts = palloc0(Max(SPI_processed, 1) * sizeof(ClockStart));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ClockStart *s = &q->entry->starts[i];
		char	   *unit;

		s->stage = policy_value(tup, desc, 1);
		s->policy_id = DatumGetInt64(policy_value(tup, desc, 2));
		s->calendar_id = DatumGetInt32(policy_value(tup, desc, 3));
		s->amount = DatumGetNumeric(datumCopy(policy_value(tup, desc, 4), false, -1));
		unit = TextDatumGetCString(policy_value(tup, desc, 5));
		s->unit = CStringGetTextDatum(unit);
		s->wunit = worktime_unit_from_name(unit);
		s->warn_amount = DatumGetNumeric(datumCopy(policy_value(tup, desc, 6), false, -1));
	}
	MemoryContextSwitchTo(old);
}

/* stages as "a,b,c" into key (zeroed); 22023 when they do not fit. */
static void
stages_key(char *key, int nstages, char **stages)
{
	size_t		len = 0;
	int			i;

	for (i = 0; i < nstages; i++)
	{
		const char *s = stages[i] ? stages[i] : "";
		size_t		n = strlen(s);

		if (len + n + 1 >= STAGES_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("too many SLA stages to start at once (%d)", nstages)));
		if (i > 0)
			key[len++] = ',';
		memcpy(key + len, s, n);
		len += n;
	}
}

/* Reads the policies of an entry just entered; removes it again on error. */
static void
memo_load(const KindKey *key, KindEntry *e)
{
	KindQuery	q = {key, e};

	e->n = 0;
	e->starts = NULL;
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		owner_run_as_history_owner(load_kind_cb, &q);
		SPI_finish();
	}
	PG_CATCH();
	{
		(void) hash_search(memo, key, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

int
sla_clocks_for(int nstages, char **stages, const char *category, const char *urgency,
			   const char *source, const ClockStart **starts)
{
	KindKey		key;
	KindEntry  *e;
	bool		found;

	if (!cache_is_current(memo_id))
		memo_reset();
	memset(&key, 0, sizeof(key));
	if (category == NULL || urgency == NULL || source == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a case needs a category, urgency and source to start its clocks")));
	*starts = NULL;
	if (nstages == 0)
		return 0;
	stages_key(key.stages, nstages, stages);
	refcache_copy_name(key.category, category, "category");
	refcache_copy_name(key.urgency, urgency, "urgency");
	refcache_copy_name(key.source, source, "source");
	e = hash_search(memo, &key, HASH_ENTER, &found);
	if (!found)
		memo_load(&key, e);
	*starts = e->starts;
	return e->n;
}

Oid
sla_stage_type(void)
{
	if (!cache_is_current(memo_id))
		memo_reset();
	return stage_type;
}

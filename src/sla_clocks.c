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
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "audit.h"
#include "refcache.h"
#include "sla_clocks.h"

/* A kind of case: what picks its intake clocks. */
typedef struct KindKey
{
	char		workflow[REF_NAME_LEN];
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
static bool memo_valid = false;
static Oid	watched[2] = {InvalidOid, InvalidOid};	/* sla_policies, workflows */
static Oid	stage_type = InvalidOid;
static SPIPlanPtr kind_plan = NULL;

#define KIND_SQL \
	"SELECT s.stage, p.id, p.calendar_id, p.amount, p.unit, p.amount OPERATOR(pg_catalog.*) p.warn_ratio " \
	"FROM gridgov.workflows w " \
	"CROSS JOIN LATERAL (SELECT DISTINCT x::gridgov.sla_stage AS stage " \
	"                    FROM pg_catalog.unnest(w.intake_clocks) x) s " \
	"CROSS JOIN LATERAL gridgov.sla_policy($2, $3::gridgov.urgency, $4::gridgov.case_source, s.stage) p " \
	"WHERE w.name OPERATOR(pg_catalog.=) $1 " \
	"ORDER BY s.stage"

/*
 * A change of sla_policies or workflows (their statement triggers send a
 * relcache invalidation) marks the memo stale; it is emptied at the next
 * lookup, so that what a caller holds stays valid until then.
 */
static void
memo_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	if (relid == InvalidOid || relid == watched[0] || relid == watched[1])
		memo_valid = false;
}

void
sla_clocks_init(void)
{
	CacheRegisterRelcacheCallback(memo_callback, (Datum) 0);
}

static void
memo_reset(void)
{
	HASHCTL		ctl;
	Oid			nsp = get_namespace_oid("gridgov", false);

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
	watched[0] = get_relname_relid("sla_policies", nsp);
	watched[1] = get_relname_relid("workflows", nsp);
	stage_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("sla_stage"),
								 ObjectIdGetDatum(nsp));
	if (!OidIsValid(stage_type))
		elog(ERROR, "type gridgov.sla_stage does not exist");
	memo_valid = true;
}

static void
key_part(char *dst, const char *src, const char *what)
{
	if (strlen(src) >= REF_NAME_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" is too long", what, src)));
	strlcpy(dst, src, REF_NAME_LEN);
}

typedef struct KindQuery
{
	const KindKey *key;
	KindEntry  *entry;
} KindQuery;

/* Reads the clocks of a kind of case (run as the owner of the case history). */
static void
load_kind_cb(void *arg)
{
	KindQuery  *q = (KindQuery *) arg;
	Datum		params[4];
	uint64		i;
	MemoryContext old;

	if (kind_plan == NULL)
	{
		Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
		SPIPlanPtr	plan = SPI_prepare(KIND_SQL, 4, types);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the intake clock query: %s", SPI_result_code_string(SPI_result));
		kind_plan = plan;
	}
	params[0] = CStringGetTextDatum(q->key->workflow);
	params[1] = CStringGetTextDatum(q->key->category);
	params[2] = CStringGetTextDatum(q->key->urgency);
	params[3] = CStringGetTextDatum(q->key->source);
	/* The policies as committed now: the memo outlives this statement. */
	if (SPI_execute_snapshot(kind_plan, params, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the intake clocks");
	old = MemoryContextSwitchTo(memo_cxt);
	q->entry->n = (int) SPI_processed;
	q->entry->starts = palloc0(Max(SPI_processed, 1) * sizeof(ClockStart));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ClockStart *s = &q->entry->starts[i];
		bool		isnull;
		char	   *unit;

		s->stage = SPI_getbinval(tup, desc, 1, &isnull);
		s->policy_id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		s->calendar_id = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		s->amount = DatumGetNumeric(datumCopy(SPI_getbinval(tup, desc, 4, &isnull), false, -1));
		unit = TextDatumGetCString(SPI_getbinval(tup, desc, 5, &isnull));
		s->unit = CStringGetTextDatum(unit);
		s->wunit = worktime_unit_from_name(unit);
		s->warn_amount = DatumGetNumeric(datumCopy(SPI_getbinval(tup, desc, 6, &isnull), false, -1));
	}
	MemoryContextSwitchTo(old);
}

int
sla_intake_clocks(const char *workflow, const char *category, const char *urgency,
				  const char *source, const ClockStart **starts)
{
	KindKey		key;
	KindEntry  *e;
	bool		found;

	if (!memo_valid)
		memo_reset();
	memset(&key, 0, sizeof(key));
	key_part(key.workflow, workflow, "workflow");
	key_part(key.category, category, "category");
	key_part(key.urgency, urgency, "urgency");
	key_part(key.source, source, "source");
	e = hash_search(memo, &key, HASH_ENTER, &found);
	if (!found)
	{
		KindQuery	q = {&key, e};

		e->n = 0;
		e->starts = NULL;
		PG_TRY();
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			audit_as_history_owner(load_kind_cb, &q);
			SPI_finish();
		}
		PG_CATCH();
		{
			(void) hash_search(memo, &key, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	*starts = e->starts;
	return e->n;
}

Oid
sla_stage_type(void)
{
	if (!memo_valid)
		memo_reset();
	return stage_type;
}

/*
 * notify.c
 *		NOTIFY gridgov_events for every event of a case's history; see
 *		notify.h and docs/events.md.
 *
 * The engine's callers hand each event over as they append it: the intake
 * statement trigger (intake_finish.c) and the update trigger (workflow.c).
 * The payloads are kept in the transaction's memory and given to
 * Async_Notify() at pre-commit, which PostgreSQL then delivers with the
 * commit: nothing is sent for a transaction that rolls back, and the events
 * of a rolled-back subtransaction (savepoint, EXCEPTION block) are dropped
 * with it.  Notifying only at pre-commit also keeps a transaction that is
 * prepared (PREPARE TRANSACTION; Citus's two-phase commit across nodes)
 * possible: PostgreSQL refuses to prepare one that has notified, so such a
 * transaction sends none of these.
 *
 * At most gridgov.notify_max_per_transaction events of a transaction are sent
 * one by one.  Beyond them, each event is only counted, per county and action;
 * each count is sent as one summary ({"type":"cases", ...}, with the
 * transaction's id to read the events by), so that a bulk load queues a
 * bounded number of notifications, of bounded memory.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "case_columns.h"
#include "gridcode.h"
#include "notify.h"
#include "refcache.h"

#define NOTIFY_CHANNEL	"gridgov_events"
/* PostgreSQL's longest payload, less one (NOTIFY_PAYLOAD_MAX_LENGTH of async.c, not exported). */
#define NOTIFY_PAYLOAD_LIMIT	(BLCKSZ - NAMEDATALEN - 128)

/* gridgov.notify_max_per_transaction: events sent one by one (0: none at all). */
static int	notify_max = 1000;

/* An event of the transaction to send, queued by the subtransaction that appended it. */
typedef struct Queued
{
	SubTransactionId subid;
	char	   *payload;
} Queued;

/* The events beyond the limit, counted per county, action and subtransaction. */
typedef struct SummaryKey
{
	GridCode	county;
	SubTransactionId subid;
	char		action[REF_NAME_LEN];
} SummaryKey;

typedef struct Summary
{
	SummaryKey	key;
	int64		count;
	int64		first_case_id;
	int64		last_case_id;
} Summary;

/* What the transaction sends at commit: in TopTransactionContext, empty outside one. */
static Queued *queued = NULL;
static int	nqueued = 0;
static int	queued_cap = 0;
static HTAB *summaries = NULL;
static Summary *last_summary = NULL;	/* the summary of the last counted event */

/* An event and what the payload says of its case after it. */
typedef struct NotifyCase
{
	const CaseEvent *e;
	const char *case_no;
	bool		has_department;
	int64		department_id;
	bool		has_grid;
	GridCode	grid;
} NotifyCase;

/* Payloads ------------------------------------------------------------------------ */

static void
append_string(StringInfo buf, const char *key, const char *value)
{
	appendStringInfo(buf, ",\"%s\":", key);
	if (value == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, value);
}

static void
append_code(StringInfo buf, const char *key, bool has, GridCode code)
{
	char		text[GRIDCODE_MAX_DIGITS + 1];

	if (has)
		gridcode_to_cstring(code, text);
	append_string(buf, key, has ? text : NULL);
}

/*
 * {"type":"case","county","case_id","case_no","seq","action","from","to",
 *  "department_id","grid","at"}
 */
static void
append_event(StringInfo buf, const NotifyCase *c)
{
	char		at[MAXDATELEN + 1];

	appendStringInfoString(buf, "{\"type\":\"case\"");
	append_code(buf, "county", true, c->e->county);
	appendStringInfo(buf, ",\"case_id\":" INT64_FORMAT, c->e->case_id);
	append_string(buf, "case_no", c->case_no);
	appendStringInfo(buf, ",\"seq\":%d", c->e->seq);
	append_string(buf, "action", c->e->action);
	append_string(buf, "from", c->e->from_state);
	append_string(buf, "to", c->e->to_state);
	if (c->has_department)
		appendStringInfo(buf, ",\"department_id\":" INT64_FORMAT, c->department_id);
	else
		appendStringInfoString(buf, ",\"department_id\":null");
	append_code(buf, "grid", c->has_grid, c->grid);
	append_string(buf, "at", JsonEncodeDateTime(at, TimestampTzGetDatum(c->e->at), TIMESTAMPTZOID, NULL));
	appendStringInfoChar(buf, '}');
}

/*
 * The event's payload, in TopTransactionContext.  A case number given at
 * intake may be long (up to what its unique index takes): should the payload
 * not fit a notification, its case_no is null.
 */
static char *
event_payload(const NotifyCase *c)
{
	StringInfoData buf;
	char	   *payload;

	initStringInfo(&buf);
	append_event(&buf, c);
	if (buf.len >= NOTIFY_PAYLOAD_LIMIT)
	{
		NotifyCase	shorter = *c;

		shorter.case_no = NULL;
		resetStringInfo(&buf);
		append_event(&buf, &shorter);
	}
	payload = MemoryContextStrdup(TopTransactionContext, buf.data);
	pfree(buf.data);
	return payload;
}

/* {"type":"cases","county","action","count","first_case_id","last_case_id","txid"} */
static char *
summary_payload(const Summary *g)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"type\":\"cases\"");
	append_code(&buf, "county", true, g->key.county);
	append_string(&buf, "action", g->key.action);
	appendStringInfo(&buf, ",\"count\":" INT64_FORMAT ",\"first_case_id\":" INT64_FORMAT
					 ",\"last_case_id\":" INT64_FORMAT ",\"txid\":" UINT64_FORMAT "}",
					 g->count, g->first_case_id, g->last_case_id,
					 U64FromFullTransactionId(GetTopFullTransactionIdIfAny()));
	return buf.data;
}

/* Queueing ------------------------------------------------------------------------ */

static void
queue_event(const NotifyCase *c)
{
	if (nqueued == queued_cap)
	{
		int			cap = (queued_cap == 0) ? Min(notify_max, 16) : Min(queued_cap * 2, notify_max);
		Size		size = cap * sizeof(Queued);

		queued = (queued == NULL) ? MemoryContextAlloc(TopTransactionContext, size) : repalloc(queued, size);
		queued_cap = cap;
	}
	queued[nqueued].subid = GetCurrentSubTransactionId();
	queued[nqueued].payload = event_payload(c);
	nqueued++;
}

/* The summary of key, made when it is new. */
static Summary *
summary_of(const SummaryKey *key)
{
	Summary	   *g;
	bool		found;

	if (summaries == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(SummaryKey);
		ctl.entrysize = sizeof(Summary);
		ctl.hcxt = TopTransactionContext;
		summaries = hash_create("gridgov notify summaries", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	g = (Summary *) hash_search(summaries, key, HASH_ENTER, &found);
	if (!found)
	{
		g->count = 0;
		g->first_case_id = PG_INT64_MAX;
		g->last_case_id = PG_INT64_MIN;
	}
	return g;
}

static void
count_in_summary(Summary *g, int64 count, int64 first_case_id, int64 last_case_id)
{
	g->count += count;
	g->first_case_id = Min(g->first_case_id, first_case_id);
	g->last_case_id = Max(g->last_case_id, last_case_id);
}

/* An event beyond the limit: counted in its summary. */
static void
summarize(const CaseEvent *e)
{
	Summary	   *g = last_summary;
	SubTransactionId subid = GetCurrentSubTransactionId();

	if (g == NULL || g->key.county != e->county || g->key.subid != subid ||
		strcmp(g->key.action, e->action) != 0)
	{
		SummaryKey	key;

		MemSet(&key, 0, sizeof(key));
		key.county = e->county;
		key.subid = subid;
		strlcpy(key.action, e->action, sizeof(key.action));
		g = summary_of(&key);
		last_summary = g;
	}
	count_in_summary(g, 1, e->case_id, e->case_id);
}

/*
 * Whether the event is to be sent one by one; beyond the limit it is counted
 * in its summary instead (false), and with the limit 0 dropped (false).
 */
static bool
notify_wanted(const CaseEvent *e)
{
	if (notify_max <= 0 || e == NULL)
		return false;
	if (nqueued < notify_max)
		return true;
	summarize(e);
	return false;
}

void
notify_case_change(const CaseEvent *e, const CaseChange *ch)
{
	NotifyCase	c;
	int			department = change_ix(ch, CC_DEPARTMENT);
	int			grid = change_ix(ch, CC_GRID);

	if (!notify_wanted(e))
		return;
	c.e = e;
	c.case_no = change_old_text(ch, CC_CASE_NO);
	c.has_department = !ch->newn[department];
	c.department_id = c.has_department ? DatumGetInt64(ch->newv[department]) : 0;
	c.has_grid = !ch->newn[grid];
	c.grid = c.has_grid ? DatumGetGridCode(ch->newv[grid]) : 0;
	queue_event(&c);
}

void
notify_case_intake(const CaseEvent *e, TupleTableSlot *slot, const int *attnum)
{
	NotifyCase	c;
	bool		isnull;
	Datum		d;

	if (!notify_wanted(e))
		return;
	c.e = e;
	d = slot_getattr(slot, attnum[CC_CASE_NO], &isnull);
	c.case_no = isnull ? NULL : TextDatumGetCString(d);
	d = slot_getattr(slot, attnum[CC_DEPARTMENT], &isnull);
	c.has_department = !isnull;
	c.department_id = isnull ? 0 : DatumGetInt64(d);
	d = slot_getattr(slot, attnum[CC_GRID], &isnull);
	c.has_grid = !isnull;
	c.grid = isnull ? 0 : DatumGetGridCode(d);
	queue_event(&c);
}

/* Transactions --------------------------------------------------------------------- */

static void
forget_all(void)
{
	/* The memory goes with TopTransactionContext. */
	queued = NULL;
	nqueued = 0;
	queued_cap = 0;
	summaries = NULL;
	last_summary = NULL;
}

/* Pre-commit: every queued event, then every summary, to Async_Notify(). */
static void
send_all(void)
{
	int			i;

	for (i = 0; i < nqueued; i++)
		Async_Notify(NOTIFY_CHANNEL, queued[i].payload);
	if (summaries != NULL)
	{
		HASH_SEQ_STATUS scan;
		Summary	   *g;

		hash_seq_init(&scan, summaries);
		while ((g = (Summary *) hash_seq_search(&scan)) != NULL)
			Async_Notify(NOTIFY_CHANNEL, summary_payload(g));
	}
	forget_all();
}

static void
notify_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_PRE_COMMIT)
		send_all();
	else if (event == XACT_EVENT_PRE_PREPARE || event == XACT_EVENT_COMMIT ||
			 event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE)
		forget_all();
}

/*
 * The end of a subtransaction: its events are the tail of the queue, and
 * its summaries those of its id.  A commit hands them to the parent, an abort
 * drops them.
 */
static void
end_subtransaction(SubTransactionId sub, SubTransactionId parent, bool commit)
{
	HASH_SEQ_STATUS scan;
	Summary	   *g;
	List	   *moved = NIL;
	ListCell   *lc;
	int			i;

	for (i = nqueued - 1; i >= 0 && queued[i].subid == sub; i--)
	{
		if (commit)
			queued[i].subid = parent;
		else
		{
			pfree(queued[i].payload);
			nqueued = i;
		}
	}
	last_summary = NULL;
	if (summaries == NULL)
		return;
	hash_seq_init(&scan, summaries);
	while ((g = (Summary *) hash_seq_search(&scan)) != NULL)
	{
		if (g->key.subid != sub)
			continue;
		if (commit)
			moved = lappend(moved, memcpy(palloc(sizeof(Summary)), g, sizeof(Summary)));
		(void) hash_search(summaries, &g->key, HASH_REMOVE, NULL);
	}
	foreach(lc, moved)
	{
		Summary	   *m = (Summary *) lfirst(lc);

		m->key.subid = parent;
		count_in_summary(summary_of(&m->key), m->count, m->first_case_id, m->last_case_id);
	}
	list_free_deep(moved);
}

static void
notify_subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
						void *arg pg_attribute_unused())
{
	if (nqueued == 0 && summaries == NULL)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		end_subtransaction(mySubid, parentSubid, true);
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		end_subtransaction(mySubid, parentSubid, false);
}

void
notify_init(void)
{
	DefineCustomIntVariable("gridgov.notify_max_per_transaction",
							"Case events a transaction sends one by one on channel gridgov_events.",
							"Beyond them, the events are sent as one summary per county and action "
							"(type cases, with the transaction's id); 0 sends none at all.",
							&notify_max, 1000, 0, 1000000, PGC_SUSET, 0, NULL, NULL, NULL);
	RegisterXactCallback(notify_xact_callback, NULL);
	RegisterSubXactCallback(notify_subxact_callback, NULL);
}

/*
 * sensors.c
 *		The readings' trigger (gridgov.sensor_reading_in) and its statement
 *		trigger (gridgov.sensor_readings_done); see docs/sensors.md.
 *
 * The devices and their active rules are a per-backend cache of the cache
 * registry (cache.c), rebuilt when gridgov.sensors or gridgov.sensor_rules
 * change.  The state of each device x rule lives in memory in front of
 * gridgov.sensor_rule_state: a device's states are read from the table at
 * its first reading in a transaction (one statement), kept in memory while
 * the transaction runs, and the states a statement changed are written back
 * in one statement at its end.  A normal reading (no fire, peak or clear)
 * runs no SQL at all; a bad one is one INSERT into gridgov.sensor_quarantine;
 * a fire, peak or clear one call of gridgov.sensor_rule_fire /
 * sensor_rule_note, which lock the state's row (two backends feeding one
 * device never open two cases: docs/sensors.md, Concurrency).  All SQL runs
 * as the owner of the history (owner.h): a device role needs only INSERT.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "cache.h"
#include "case_time.h"
#include "owner.h"
#include "plans.h"
#include "restore.h"
#include "sensor_rules.h"
#include "sensors.h"
#include "triggers.h"

#define SENSOR_ID_LEN	65			/* 64 characters (bytes) and the zero */

typedef struct SensorEntry
{
	char		id[SENSOR_ID_LEN];	/* hash key */
	bool		active;
	int			nrules;
	SensorRule *rules;
	SensorState *states;
	uint64		state_gen;		/* states loaded in this generation */
	bool		bulk_fill;		/* being loaded by load_all_states() */
	uint64		dirty_epoch;	/* in the dirty list of this epoch */
} SensorEntry;

static struct
{
	MemoryContext cxt;
	HTAB	   *sensors;
	uint64		gen;			/* states of an older generation are reloaded */
	LocalTransactionId lxid;	/* the transaction the states belong to */
	bool		lost;			/* a subtransaction aborted: reload */
	LocalTransactionId parent_lxid; /* the transaction of parent_statements */
	int			parent_statements;	/* INSERT statements on gridgov.sensor_readings running */
	int			loads;			/* devices loaded one by one in this generation */
	SensorEntry **dirty;
	int			ndirty;
	int			cap;
	uint64		dirty_epoch;
} sc;

static const char *const sensor_tables[] = {"sensors", "sensor_rules", NULL};
static const CacheSpec sensors_spec = {"devices and their rules", sensor_tables, NULL, false, false};
static int	sensors_cache_id;

/* The reading of a row, as sent. */
typedef struct Reading
{
	bool		has_sensor, has_at, has_value, has_quality;
	char		sensor[SENSOR_ID_LEN];
	bool		id_too_long;
	TimestampTz at;
	double		value;
	int16		quality;
} Reading;

/* The relation of the last firing, checked once per statement. */
static struct
{
	Oid			relid;
	LocalTransactionId lxid;
	CommandId	cid;
	bool		is_default;
	int			att[4];			/* sensor_id, at, value, quality */
} memo;

static void
sensors_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
						 SubTransactionId parentSubid pg_attribute_unused(), void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		sc.lost = true;
}

void
sensors_init(void)
{
	sensors_cache_id = cache_register(&sensors_spec);
	RegisterSubXactCallback(sensors_subxact_callback, NULL);
}

/* Forgets every state in memory (they are read again) and the dirty list. */
static void
forget_states(void)
{
	sc.gen++;
	sc.loads = 0;
	sc.ndirty = 0;
	sc.dirty_epoch++;
	sc.lost = false;
	sc.lxid = MyProc->lxid;
}

/* The devices and rules: gridgov.sensors x active gridgov.sensor_rules, one row per pair (or device). */
static const char *const load_sql =
"SELECT s.id, s.active, r.id, r.condition, r.threshold, r.hysteresis, "
"(pg_catalog.date_part('epoch', r.duration) * 1000000)::pg_catalog.int8, "
"(pg_catalog.date_part('epoch', r.rate_window) * 1000000)::pg_catalog.int8, r.peak_step "
"FROM gridgov.sensors s LEFT JOIN gridgov.sensor_rules r "
"ON r.active AND (r.kind = s.kind OR r.sensor_id = s.id) "
"ORDER BY s.id, r.id";

static void
load_rule(HeapTuple t, TupleDesc d, SensorRule *r)
{
	bool		isnull;
	char	   *cond = TextDatumGetCString(SPI_getbinval(t, d, 4, &isnull));

	r->id = DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
	r->cond = (SensorCondition) Max(sensor_condition_parse(cond), 0);
	r->threshold = DatumGetFloat8(SPI_getbinval(t, d, 5, &isnull));
	r->hysteresis = DatumGetFloat8(SPI_getbinval(t, d, 6, &isnull));
	r->duration_us = DatumGetInt64(SPI_getbinval(t, d, 7, &isnull));
	r->window_us = DatumGetInt64(SPI_getbinval(t, d, 8, &isnull));
	r->peak_step = DatumGetFloat8(SPI_getbinval(t, d, 9, &isnull));
}

/* The entry of the device of rows [from, to) of the load. */
static void
load_entry(int from, int to)
{
	SPITupleTable *tt = SPI_tuptable;
	bool		isnull;
	char	   *id = TextDatumGetCString(SPI_getbinval(tt->vals[from], tt->tupdesc, 1, &isnull));
	SensorEntry *e;
	int			i;

	if (strlen(id) >= SENSOR_ID_LEN)
		return;					/* the table's check keeps such ids out */
	e = hash_search(sc.sensors, id, HASH_ENTER, NULL);
	e->active = DatumGetBool(SPI_getbinval(tt->vals[from], tt->tupdesc, 2, &isnull));
	e->nrules = 0;
	e->rules = MemoryContextAllocZero(sc.cxt, sizeof(SensorRule) * (to - from));
	e->states = MemoryContextAllocZero(sc.cxt, sizeof(SensorState) * (to - from));
	e->state_gen = 0;
	e->dirty_epoch = 0;
	for (i = from; i < to; i++)
	{
		(void) SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull);
		if (!isnull)
			load_rule(tt->vals[i], tt->tupdesc, &e->rules[e->nrules++]);
	}
}

static void
load_sensors_cb(void *arg pg_attribute_unused())
{
	static SPIPlanPtr plan = NULL;
	uint64		i, from = 0;

	plans_execute(plans_keep(&plan, load_sql, 0, NULL), NULL, NULL, true, 0, SPI_OK_SELECT);
	for (i = 1; i <= SPI_processed; i++)
	{
		bool		isnull;

		if (i < SPI_processed &&
			strcmp(TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)),
				   TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[from], SPI_tuptable->tupdesc, 1, &isnull))) == 0)
			continue;
		load_entry((int) from, (int) i);
		from = i;
	}
}

static void
build_sensors(void)
{
	uint64		token = cache_build_start(sensors_cache_id);
	HASHCTL		ctl;

	if (sc.cxt == NULL)
		sc.cxt = AllocSetContextCreate(CacheMemoryContext, "gridgov sensors", ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(sc.cxt);
	sc.sensors = NULL;
	sc.dirty = NULL;
	sc.cap = 0;
	forget_states();
	ctl.keysize = SENSOR_ID_LEN;
	ctl.entrysize = sizeof(SensorEntry);
	ctl.hcxt = sc.cxt;
	sc.sensors = hash_create("gridgov sensors", 1024, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	owner_spi_as_history_owner(load_sensors_cb, NULL);
	cache_build_done(sensors_cache_id, token);
}

static void flush_states(void);

/* The devices cache current and the states of this transaction (written back first when stale). */
static void
ensure_current(void)
{
	bool		current = sc.sensors != NULL && cache_is_current(sensors_cache_id);

	if (sc.lost || sc.lxid != MyProc->lxid)
		forget_states();
	if (current)
		return;
	if (sc.ndirty > 0)
		flush_states();
	build_sensors();
}

/* The states of a device, from gridgov.sensor_rule_state. */
static const char *const state_sql =
"SELECT x.rule_id, x.phase, x.since, x.ref_value, x.last_at, x.last_value, x.peak, x.peak_at "
"FROM gridgov.sensor_rule_state x WHERE x.sensor_id = $1";

/* A state from columns off+2 .. off+8 of t: phase, since, ref_value, last_at, last_value, peak, peak_at. */
static void
load_state_at(SensorState *s, HeapTuple t, TupleDesc d, int off)
{
	bool		isnull;
	bool		n2;

	s->phase = (SensorPhase) Max(sensor_phase_parse(TextDatumGetCString(SPI_getbinval(t, d, off + 2, &isnull))), 0);
	s->since = DatumGetTimestampTz(SPI_getbinval(t, d, off + 3, &isnull));
	s->has_since = !isnull;
	s->ref_value = DatumGetFloat8(SPI_getbinval(t, d, off + 4, &isnull));
	s->has_ref = !isnull;
	s->last_at = DatumGetTimestampTz(SPI_getbinval(t, d, off + 5, &isnull));
	s->last_value = DatumGetFloat8(SPI_getbinval(t, d, off + 6, &n2));
	s->has_last = !isnull && !n2;
	s->peak = DatumGetFloat8(SPI_getbinval(t, d, off + 7, &isnull));
	s->peak_at = DatumGetTimestampTz(SPI_getbinval(t, d, off + 8, &n2));
	s->has_peak = !isnull && !n2;
}

static void
load_states_cb(void *arg)
{
	static SPIPlanPtr plan = NULL;
	SensorEntry *e = (SensorEntry *) arg;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(e->id)};
	uint64		i;
	int			j;

	plans_execute(plans_keep(&plan, state_sql, 1, types), values, NULL, true, 0, SPI_OK_SELECT);
	memset(e->states, 0, sizeof(SensorState) * e->nrules);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		rule = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));

		for (j = 0; j < e->nrules; j++)
			if (e->rules[j].id == rule)
				load_state_at(&e->states[j], SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 0);
	}
}

/*
 * After this many devices loaded one by one in a transaction, the states of
 * all the others are read in one statement (a bulk feed touches them all;
 * a feed of a few readings a transaction reads only its own).
 */
#define SENSOR_SINGLE_LOADS 32

static const char *const all_states_sql =
"SELECT x.sensor_id, x.rule_id, x.phase, x.since, x.ref_value, x.last_at, x.last_value, x.peak, x.peak_at "
"FROM gridgov.sensor_rule_state x";

static void
load_all_states_cb(void *arg pg_attribute_unused())
{
	static SPIPlanPtr plan = NULL;
	uint64		i;
	int			j;

	plans_execute(plans_keep(&plan, all_states_sql, 0, NULL), NULL, NULL, true, 0, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *id = TextDatumGetCString(SPI_getbinval(t, d, 1, &isnull));
		int64		rule = DatumGetInt64(SPI_getbinval(t, d, 2, &isnull));
		SensorEntry *e = strlen(id) < SENSOR_ID_LEN ? hash_search(sc.sensors, id, HASH_FIND, NULL) : NULL;

		if (e == NULL || !e->bulk_fill)
			continue;
		for (j = 0; j < e->nrules; j++)
			if (e->rules[j].id == rule)
				load_state_at(&e->states[j], t, d, 1);
	}
}

/* The states of every device not yet loaded in this generation, in one statement. */
static void
load_all_states(void)
{
	HASH_SEQ_STATUS seq;
	SensorEntry *e;

	hash_seq_init(&seq, sc.sensors);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		e->bulk_fill = e->state_gen != sc.gen;
		if (e->bulk_fill)
		{
			memset(e->states, 0, sizeof(SensorState) * e->nrules);
			e->state_gen = sc.gen;
		}
	}
	owner_spi_as_history_owner(load_all_states_cb, NULL);
}

/* The device's states of this generation. */
static void
ensure_states(SensorEntry *e)
{
	if (e->state_gen == sc.gen)
		return;
	if (sc.loads >= SENSOR_SINGLE_LOADS)
	{
		load_all_states();
		return;
	}
	owner_spi_as_history_owner(load_states_cb, e);
	e->state_gen = sc.gen;
	sc.loads++;
}

static void
mark_dirty(SensorEntry *e)
{
	if (e->dirty_epoch == sc.dirty_epoch)
		return;
	if (sc.ndirty == sc.cap)
	{
		int			cap = Max(64, sc.cap * 2);

		sc.dirty = sc.dirty ? repalloc(sc.dirty, sizeof(SensorEntry *) * cap)
			: MemoryContextAlloc(sc.cxt, sizeof(SensorEntry *) * cap);
		sc.cap = cap;
	}
	sc.dirty[sc.ndirty++] = e;
	e->dirty_epoch = sc.dirty_epoch;
}

/* The columns of gridgov.sensor_rule_state the statement writes, as arrays. */
#define NFLUSH 9
static const Oid flush_types[NFLUSH] = {TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID,
	FLOAT8ARRAYOID, TIMESTAMPTZARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, TIMESTAMPTZARRAYOID};
static const Oid flush_elem[NFLUSH] = {TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID, FLOAT8OID,
	TIMESTAMPTZOID, FLOAT8OID, FLOAT8OID, TIMESTAMPTZOID};

static const char *const flush_sql =
"INSERT INTO gridgov.sensor_rule_state AS t "
"(sensor_id, rule_id, phase, since, ref_value, last_at, last_value, peak, peak_at) "
"SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
"pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), "
"pg_catalog.unnest($8), pg_catalog.unnest($9)) "
"ON CONFLICT ON CONSTRAINT sensor_rule_state_pkey DO UPDATE SET phase = excluded.phase, "
"since = excluded.since, ref_value = excluded.ref_value, last_at = excluded.last_at, "
"last_value = excluded.last_value, peak = excluded.peak, peak_at = excluded.peak_at, "
"changed_at = pg_catalog.statement_timestamp()";

typedef struct FlushColumns
{
	Datum	   *v[NFLUSH];
	bool	   *n[NFLUSH];
	int			count;
} FlushColumns;

static void
flush_put(FlushColumns *c, const SensorEntry *e, int r)
{
	const SensorState *s = &e->states[r];
	int			k = c->count++;

	c->v[0][k] = CStringGetTextDatum(e->id);
	c->v[1][k] = Int64GetDatum(e->rules[r].id);
	c->v[2][k] = CStringGetTextDatum(sensor_phase_name(s->phase));
	c->v[3][k] = TimestampTzGetDatum(s->since);
	c->n[3][k] = !s->has_since;
	c->v[4][k] = Float8GetDatum(s->ref_value);
	c->n[4][k] = !s->has_ref;
	c->v[5][k] = TimestampTzGetDatum(s->last_at);
	c->v[6][k] = Float8GetDatum(s->last_value);
	c->n[5][k] = c->n[6][k] = !s->has_last;
	c->v[7][k] = Float8GetDatum(s->peak);
	c->v[8][k] = TimestampTzGetDatum(s->peak_at);
	c->n[7][k] = c->n[8][k] = !s->has_peak;
}

static void
flush_cb(void *arg)
{
	static SPIPlanPtr plan = NULL;
	FlushColumns *c = (FlushColumns *) arg;
	Datum		values[NFLUSH];
	int			dims[1] = {c->count};
	int			lbs[1] = {1};
	int			i;

	for (i = 0; i < NFLUSH; i++)
	{
		int16		len;
		bool		byval;
		char		align;

		get_typlenbyvalalign(flush_elem[i], &len, &byval, &align);
		values[i] = PointerGetDatum(construct_md_array(c->v[i], c->n[i], 1, dims, lbs, flush_elem[i],
													   len, byval, align));
	}
	plans_execute(plans_keep(&plan, flush_sql, NFLUSH, flush_types), values, NULL, false, 0, SPI_OK_INSERT);
}

/* Writes the states the dirty devices hold to gridgov.sensor_rule_state, in one statement. */
static void
flush_states(void)
{
	FlushColumns c = {{0}, {0}, 0};
	int			total = 0;
	int			i, r;

	for (i = 0; i < sc.ndirty; i++)
		total += sc.dirty[i]->nrules;
	for (i = 0; i < NFLUSH; i++)
	{
		c.v[i] = palloc(sizeof(Datum) * Max(total, 1));
		c.n[i] = palloc0(sizeof(bool) * Max(total, 1));
	}
	for (i = 0; i < sc.ndirty; i++)
		for (r = 0; r < sc.dirty[i]->nrules; r++)
			flush_put(&c, sc.dirty[i], r);
	sc.ndirty = 0;
	sc.dirty_epoch++;
	if (c.count > 0)
		owner_spi_as_history_owner(flush_cb, &c);
}

/* One reading kept apart, with its reason. */
typedef struct QuarantineArgs
{
	const Reading *r;
	const char *reason;
} QuarantineArgs;

static void
quarantine_cb(void *arg)
{
	static SPIPlanPtr plan = NULL;
	QuarantineArgs *q = (QuarantineArgs *) arg;
	Oid			types[5] = {TEXTOID, TIMESTAMPTZOID, FLOAT8OID, INT2OID, TEXTOID};
	Datum		values[5] = {CStringGetTextDatum(q->r->sensor), TimestampTzGetDatum(q->r->at),
		Float8GetDatum(q->r->value), Int16GetDatum(q->r->quality), CStringGetTextDatum(q->reason)};
	char		nulls[5] = {q->r->has_sensor ? ' ' : 'n', q->r->has_at ? ' ' : 'n',
		q->r->has_value ? ' ' : 'n', q->r->has_quality ? ' ' : 'n', ' '};

	plans_execute(plans_keep(&plan,
							 "INSERT INTO gridgov.sensor_quarantine (sensor_id, at, value, quality, reason) "
							 "VALUES ($1, $2, $3, $4, $5)", 5, types),
				  values, nulls, false, 0, SPI_OK_INSERT);
}

static void
quarantine(const Reading *r, const char *reason)
{
	QuarantineArgs q = {r, reason};

	owner_spi_as_history_owner(quarantine_cb, &q);
}

/* A fire, peak or clear of rule r of device e. */
typedef struct EventArgs
{
	const SensorEntry *e;
	int			r;
	const SensorStep *st;
	TimestampTz at;
} EventArgs;

static void
event_cb(void *arg)
{
	static SPIPlanPtr fire_plan = NULL;
	static SPIPlanPtr note_plan = NULL;
	EventArgs  *a = (EventArgs *) arg;
	Oid			types[5] = {TEXTOID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT8OID};
	Oid			note_types[5] = {TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID, FLOAT8OID};
	Datum		values[5] = {CStringGetTextDatum(a->e->id), Int64GetDatum(a->e->rules[a->r].id),
		TimestampTzGetDatum(a->at), TimestampTzGetDatum(a->st->since), Float8GetDatum(a->st->measure)};

	if (a->st->event == SE_FIRE)
	{
		plans_execute(plans_keep(&fire_plan, "SELECT 1 FROM gridgov.sensor_rule_fire($1, $2, $3, $4, $5)",
								 5, types), values, NULL, false, 0, SPI_OK_SELECT);
		return;
	}
	values[2] = CStringGetTextDatum(a->st->event == SE_PEAK ? "sensor_peak" : "sensor_cleared");
	values[3] = TimestampTzGetDatum(a->at);
	plans_execute(plans_keep(&note_plan, "SELECT gridgov.sensor_rule_note($1, $2, $3, $4, $5)",
							 5, note_types), values, NULL, false, 0, SPI_OK_SELECT);
}

/* Runs the reading through the device's rules; SQL only for a fire, a peak or a clear. */
static void
run_rules(SensorEntry *e, const Reading *rd)
{
	int			i;

	ensure_states(e);
	for (i = 0; i < e->nrules; i++)
	{
		SensorStep	st;

		if (!sensor_rule_step(&e->rules[i], &e->states[i], rd->at, rd->value, &st))
			continue;
		mark_dirty(e);
		if (st.event != SE_NONE)
		{
			EventArgs	a = {e, i, &st, rd->at};

			owner_spi_as_history_owner(event_cb, &a);
		}
	}
}

/* The trigger's relation checked (once per statement) and its columns found. */
static TriggerData *
reading_trigger(FunctionCallInfo fcinfo)
{
	TriggerData *td;
	static const char *const names[4] = {"sensor_id", "at", "value", "quality"};
	int			i;

	if (CALLED_AS_TRIGGER(fcinfo))
	{
		td = (TriggerData *) fcinfo->context;
		if (memo.relid == RelationGetRelid(td->tg_relation) && memo.lxid == MyProc->lxid &&
			memo.cid == GetCurrentCommandId(false) && TRIGGER_FIRED_BEFORE(td->tg_event) &&
			TRIGGER_FIRED_FOR_ROW(td->tg_event) && TRIGGER_FIRED_BY_INSERT(td->tg_event))
			return td;
	}
	td = triggers_check(fcinfo, "sensor_reading_in");
	for (i = 0; i < 4; i++)
	{
		memo.att[i] = SPI_fnumber(RelationGetDescr(td->tg_relation), names[i]);
		if (memo.att[i] <= 0)
			elog(ERROR, "gridgov: sensor_readings has no column %s", names[i]);
	}
	memo.is_default = strcmp(RelationGetRelationName(td->tg_relation), "sensor_readings_default") == 0;
	memo.relid = RelationGetRelid(td->tg_relation);
	memo.lxid = MyProc->lxid;
	memo.cid = GetCurrentCommandId(false);
	return td;
}

static void
reading_read(TriggerData *td, Reading *r)
{
	HeapTuple	t = td->tg_trigtuple;
	TupleDesc	d = RelationGetDescr(td->tg_relation);
	bool		isnull;
	Datum		id = heap_getattr(t, memo.att[0], d, &isnull);

	memset(r, 0, sizeof(Reading));
	r->has_sensor = !isnull;
	if (!isnull)
	{
		text	   *txt = DatumGetTextPP(id);
		int			len = VARSIZE_ANY_EXHDR(txt);

		r->id_too_long = len >= SENSOR_ID_LEN;
		len = Min(len, SENSOR_ID_LEN - 1);
		/* the first 64 bytes, cut at a character's start */
		len = pg_mbcliplen(VARDATA_ANY(txt), len, len);
		memcpy(r->sensor, VARDATA_ANY(txt), len);
	}
	r->at = DatumGetTimestampTz(heap_getattr(t, memo.att[1], d, &isnull));
	r->has_at = !isnull;
	r->value = DatumGetFloat8(heap_getattr(t, memo.att[2], d, &isnull));
	r->has_value = !isnull;
	r->quality = DatumGetInt16(heap_getattr(t, memo.att[3], d, &isnull));
	r->has_quality = !isnull;
}

/* What is wrong with the reading (NULL: nothing); *e its device. */
static const char *
reading_problem(const Reading *r, SensorEntry **e)
{
	if (!r->has_sensor || r->id_too_long)
		return "unknown_sensor";
	if (!r->has_at || TIMESTAMP_IS_NOBEGIN(r->at))
		return "no_time";
	if (!r->has_value)
		return "no_value";
	if (!isfinite(r->value))
		return "not_finite";
	if (!r->has_quality || r->quality < 0 || r->quality > 2)
		return "bad_quality";
	if (case_time_is_future(r->at))
		return "future";
	ensure_current();
	*e = hash_search(sc.sensors, r->sensor, HASH_FIND, NULL);
	if (*e == NULL)
		return "unknown_sensor";
	if (!(*e)->active)
		return "inactive_sensor";
	if (memo.is_default)
		return "no_partition";
	return NULL;
}

/* Whether an INSERT or COPY on gridgov.sensor_readings itself (not a partition) is running. */
static bool
via_parent(void)
{
	return sc.parent_lxid == MyProc->lxid && sc.parent_statements > 0;
}

/*
 * BEFORE INSERT row trigger on gridgov.sensor_readings (cloned to every
 * partition): a bad reading goes to the quarantine instead (the row is
 * skipped), a good one through its device's rules.  A row written straight
 * into a partition by its owner or a superuser (pg_restore, pg_dump | psql
 * write each partition's rows) goes in as it is.
 */
PG_FUNCTION_INFO_V1(gridgov_sensor_reading_in);
Datum
gridgov_sensor_reading_in(PG_FUNCTION_ARGS)
{
	TriggerData *td = reading_trigger(fcinfo);
	Reading		r;
	SensorEntry *e = NULL;
	const char *reason;

	if (!via_parent() && restore_allowed(td->tg_relation->rd_rel->relowner))
		return PointerGetDatum(td->tg_trigtuple);
	reading_read(td, &r);
	reason = reading_problem(&r, &e);
	if (reason != NULL)
	{
		quarantine(&r, reason);
		return PointerGetDatum(NULL);
	}
	if (r.quality <= 1)
		run_rules(e, &r);
	return PointerGetDatum(td->tg_trigtuple);
}

/*
 * BEFORE INSERT statement trigger on gridgov.sensor_readings (not its
 * partitions): a statement on the table itself is running.
 */
PG_FUNCTION_INFO_V1(gridgov_sensor_readings_start);
Datum
gridgov_sensor_readings_start(PG_FUNCTION_ARGS)
{
	(void) triggers_check(fcinfo, "sensor_readings_start");
	if (sc.parent_lxid != MyProc->lxid)
	{
		sc.parent_lxid = MyProc->lxid;
		sc.parent_statements = 0;
	}
	sc.parent_statements++;
	return PointerGetDatum(NULL);
}

/*
 * AFTER INSERT statement trigger on gridgov.sensor_readings and each of its
 * partitions: writes the states the statement changed.
 */
PG_FUNCTION_INFO_V1(gridgov_sensor_readings_done);
Datum
gridgov_sensor_readings_done(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "sensor_readings_done");

	if (!td->tg_relation->rd_rel->relispartition && sc.parent_lxid == MyProc->lxid && sc.parent_statements > 0)
		sc.parent_statements--;
	if (sc.lost || sc.lxid != MyProc->lxid)
		forget_states();
	else if (sc.ndirty > 0)
		flush_states();
	return PointerGetDatum(NULL);
}

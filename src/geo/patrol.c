/*
 * patrol.c
 *		The intake of grid workers' patrol fixes: gridgov.patrol_point_check(),
 *		the BEFORE INSERT row trigger of gridgov.patrol_points (docs/grid-workers.md).
 *
 * Each fix is checked against what the worker app can get wrong, and a bad one
 * is not stored in gridgov.patrol_points but appended to gridgov.patrol_rejects
 * with its reason (the trigger then returns NULL for it):
 *	no_worker		staff_id is NULL
 *	no_time			at is NULL
 *	no_point		geom is NULL or empty
 *	bad_point		a coordinate is NaN, infinite or outside WGS-84's ranges
 *	accuracy		accuracy_m is NaN, negative or above setting patrol_max_accuracy_m
 *	unknown_worker	staff_id is no active staff member (or its department has no county)
 *	no_partition	no daily partition holds the time (the row reached the default partition)
 *	duplicate		the worker's previous fix in this backend has the same time
 *	speed			from the worker's previous fix in this backend, faster than
 *					setting patrol_max_speed_kmh
 * A good fix gets its county (the worker's department's county).  A fix that
 * arrives with its county, written by the owner of the table or a superuser,
 * comes back from a dump (pg_restore; docs/backup.md) or another gridgov
 * database: it was checked when it first arrived and is let in as it is,
 * unless it reaches the default partition (no_partition, as any other fix).
 *
 * The speed check needs the worker's previous fix: each backend keeps the
 * last accepted fix per worker (forgotten when a transaction or a savepoint aborts).  It
 * applies to fixes that follow it within setting patrol_session_gap_s;
 * an earlier fix (out of order, or from another backend's feed) is stored
 * unchecked and the sessions (gridgov.patrol_sessions_of) leave out any step
 * faster than the limit.  After three speed rejections in a row the next fix
 * is taken as the new start: the previous accepted one was the outlier.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "gridcode.h"
#include "owner.h"
#include "patrol.h"
#include "pgis.h"
#include "plans.h"
#include "restore.h"
#include "sphere.h"
#include "triggers.h"
#include "wkb.h"

static const char *const watched_tables[] = {"staff", "departments", "settings", NULL};
static const CacheSpec patrol_spec = {"patrol workers and limits", watched_tables, NULL, false, false};
static int	patrol_cache_id;

typedef struct WorkerEntry
{
	int64		staff_id;
	GridCode	county;
} WorkerEntry;

typedef struct LastFix
{
	int64		staff_id;
	TimestampTz at;
	double		lon;
	double		lat;
	int			streak;			/* speed rejections since the last accepted fix */
} LastFix;

static struct
{
	MemoryContext cxt;
	HTAB	   *workers;
	double		max_accuracy_m;
	double		max_speed_mps;
	double		gap_s;
} pc;

static HTAB *last_fixes;		/* LastFix by staff_id, in TopMemoryContext */
static SPIPlanPtr reject_plan;

static void
forget_last_fixes(void)
{
	if (last_fixes != NULL)
	{
		hash_destroy(last_fixes);
		last_fixes = NULL;
	}
}

/* A transaction (or savepoint) that aborts takes its fixes back: forget the last ones. */
static void
patrol_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_ABORT)
		forget_last_fixes();
}

static void
patrol_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
						SubTransactionId parentSubid pg_attribute_unused(), void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget_last_fixes();
}

void
patrol_init(void)
{
	patrol_cache_id = cache_register(&patrol_spec);
	RegisterXactCallback(patrol_xact_callback, NULL);
	RegisterSubXactCallback(patrol_subxact_callback, NULL);
}

static double
setting_number(const char *key, double dflt)
{
	int			i;

	for (i = 0; i < (int) SPI_processed; i++)
	{
		char	   *k = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *v = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

		if (k != NULL && strcmp(k, key) == 0 && v != NULL)
			return strtod(v, NULL);
	}
	return dflt;
}

static void
load_as_owner(void *arg pg_attribute_unused())
{
	HASHCTL		ctl;
	uint64		i;

	plans_run("SELECT s.key, s.value FROM gridgov.settings s WHERE s.key LIKE 'patrol\\_%'",
			  0, NULL, NULL, NULL, true, 0, SPI_OK_SELECT);
	pc.max_accuracy_m = setting_number("patrol_max_accuracy_m", 50);
	pc.max_speed_mps = setting_number("patrol_max_speed_kmh", 25) / 3.6;
	pc.gap_s = setting_number("patrol_session_gap_s", 600);
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(WorkerEntry);
	ctl.hcxt = pc.cxt;
	pc.workers = hash_create("gridgov patrol workers", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	plans_run("SELECT s.id, gridgov.ancestor(d.jurisdiction, 3) FROM gridgov.staff s "
			  "JOIN gridgov.departments d ON d.id = s.department_id WHERE s.active",
			  0, NULL, NULL, NULL, true, 0, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		n1,
					n2;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &n1));
		Datum		county = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &n2);
		WorkerEntry *w;

		if (n1 || n2)
			continue;
		w = hash_search(pc.workers, &id, HASH_ENTER, NULL);
		w->county = DatumGetGridCode(county);
	}
}

/* The workers and the limits, read again after a change of staff, departments or settings. */
static void
ensure_cache(void)
{
	uint64		token;

	if (cache_is_current(patrol_cache_id))
		return;
	token = cache_build_start(patrol_cache_id);
	if (pc.cxt == NULL)
		pc.cxt = AllocSetContextCreate(TopMemoryContext, "gridgov patrol cache", ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(pc.cxt);
	pc.workers = NULL;
	owner_spi_as_history_owner(load_as_owner, NULL);
	cache_build_done(patrol_cache_id, token);
}

/* A fix read from a row. */
typedef struct Fix
{
	bool		has_staff;
	int64		staff_id;
	bool		has_at;
	TimestampTz at;
	bool		has_point;
	double		lon;
	double		lat;
	bool		has_accuracy;
	double		accuracy;
} Fix;

static void
point_of(const WkbSeq *seq, void *arg)
{
	Fix		   *f = (Fix *) arg;

	if (seq->geomtype == WKB_POINT && seq->npoints == 1 && !f->has_point)
	{
		wkb_seq_get(seq, 0, &f->lon, &f->lat);
		f->has_point = true;
	}
}

static Datum
column(TriggerData *td, const char *name, bool *isnull)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("gridgov.patrol_points has no column %s", name)));
	return heap_getattr(td->tg_trigtuple, attnum, desc, isnull);
}

static void
read_fix(TriggerData *td, Fix *f)
{
	bool		isnull;
	Datum		d;

	memset(f, 0, sizeof(Fix));
	d = column(td, "staff_id", &isnull);
	f->has_staff = !isnull;
	f->staff_id = isnull ? 0 : DatumGetInt64(d);
	d = column(td, "at", &isnull);
	f->has_at = !isnull;
	f->at = isnull ? 0 : DatumGetTimestampTz(d);
	d = column(td, "accuracy_m", &isnull);
	f->has_accuracy = !isnull;
	f->accuracy = isnull ? 0 : DatumGetFloat4(d);
	d = column(td, "geom", &isnull);
	if (!isnull)
	{
		bytea	   *ewkb = pgis_as_ewkb(d);
		WkbInfo		info;

		wkb_walk((uint8 *) VARDATA_ANY(ewkb), VARSIZE_ANY_EXHDR(ewkb), point_of, f, &info);
		if (info.empty || info.type != WKB_POINT)
			f->has_point = false;
		pfree(ewkb);
	}
}

/* The reason a fix is bad without looking at the worker's earlier fixes, or NULL. */
static const char *
static_reason(const Fix *f, WorkerEntry **worker)
{
	*worker = NULL;
	if (!f->has_staff)
		return "no_worker";
	if (!f->has_at)
		return "no_time";
	if (!f->has_point)
		return "no_point";
	if (isnan(f->lon) || isnan(f->lat) || isinf(f->lon) || isinf(f->lat) ||
		f->lon < -180 || f->lon > 180 || f->lat < -90 || f->lat > 90)
		return "bad_point";
	if (f->has_accuracy && (isnan(f->accuracy) || f->accuracy < 0 || f->accuracy > pc.max_accuracy_m))
		return "accuracy";
	*worker = hash_search(pc.workers, &f->staff_id, HASH_FIND, NULL);
	if (*worker == NULL)
		return "unknown_worker";
	return NULL;
}

static LastFix *
last_fix_of(int64 staff_id, bool *found)
{
	if (last_fixes == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(LastFix);
		ctl.hcxt = TopMemoryContext;
		last_fixes = hash_create("gridgov patrol last fixes", 1024, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return hash_search(last_fixes, &staff_id, HASH_ENTER, found);
}

/* speed or duplicate when the fix follows the worker's last one too fast; records it otherwise. */
static const char *
motion_reason(const Fix *f)
{
	bool		found;
	LastFix    *last = last_fix_of(f->staff_id, &found);

	if (found && f->at < last->at)
		return NULL;			/* out of order: stored unchecked */
	if (found && f->at == last->at)
		return "duplicate";
	if (found && last->streak < 3 && (double) (f->at - last->at) / USECS_PER_SEC <= pc.gap_s)
	{
		double		dt = (double) (f->at - last->at) / USECS_PER_SEC;
		double		m = sphere_distance_m(last->lon, last->lat, f->lon, f->lat);

		if (m > pc.max_speed_mps * dt)
		{
			last->streak++;
			return "speed";
		}
	}
	last->at = f->at;
	last->lon = f->lon;
	last->lat = f->lat;
	last->streak = 0;
	return NULL;
}

typedef struct RejectArgs
{
	TriggerData *td;
	const char *reason;
} RejectArgs;

static void
reject_as_owner(void *arg)
{
	RejectArgs *r = (RejectArgs *) arg;
	static const char *const cols[] = {"staff_id", "at", "geom", "accuracy_m"};
	Oid			types[5] = {INT8OID, TIMESTAMPTZOID, pgis_geometry_type(), FLOAT4OID, TEXTOID};
	Datum		values[5];
	char		nulls[5];
	int			i;

	for (i = 0; i < 4; i++)
	{
		bool		isnull;

		values[i] = column(r->td, cols[i], &isnull);
		nulls[i] = isnull ? 'n' : ' ';
	}
	values[4] = CStringGetTextDatum(r->reason);
	nulls[4] = ' ';
	plans_keep(&reject_plan,
			   "INSERT INTO gridgov.patrol_rejects (staff_id, at, geom, accuracy_m, reason) "
			   "VALUES ($1, $2, $3, $4, $5)", 5, types);
	plans_execute(reject_plan, values, nulls, false, 0, SPI_OK_INSERT);
}

static bool
is_default_partition(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);

	return rel->rd_rel->relispartition &&
		get_default_partition_oid(get_partition_parent(relid, false)) == relid;
}

/* The row with its county set. */
static HeapTuple
with_county(TriggerData *td, GridCode county)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int			attnum = SPI_fnumber(desc, "county");
	Datum		v = GridCodeGetDatum(county);
	bool		n = false;

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("gridgov.patrol_points has no column county")));
	return heap_modify_tuple_by_cols(td->tg_trigtuple, desc, 1, &attnum, &v, &n);
}

/* A fix coming back from a dump: its county given, by the owner or a superuser. */
static bool
restored_fix(TriggerData *td)
{
	bool		isnull;

	(void) column(td, "county", &isnull);
	return !isnull && restore_allowed(td->tg_relation->rd_rel->relowner);
}

/*
 * Whether the caller may write a fix of this worker, as the policy
 * patrol_points_write says (row-level security is checked after this trigger,
 * on the rows it lets through only): without this, a bad fix of another worker
 * would be appended to their rejects, and whether a forged fix is dropped or
 * refused would tell whether that worker is active and where their last fix was.
 */
static void
check_writer(TriggerData *td, const Fix *f)
{
	Relation	rel = td->tg_relation;
	Oid			relid = rel->rd_rel->relispartition ?
		get_partition_parent(RelationGetRelid(rel), false) : RelationGetRelid(rel);
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(f->staff_id)};
	bool		isnull;
	bool		ok;

	if (check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plans_run("SELECT $1 = s.staff_id OR s.reads = 'all' FROM gridgov.my_scope() s",
			  1, types, values, f->has_staff ? " " : "n", true, 1, SPI_OK_SELECT);
	ok = SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
	SPI_finish();
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("new row violates row-level security policy for table \"patrol_points\""),
				 errdetail("A login writes the patrol fixes of its own staff member only.")));
}

PG_FUNCTION_INFO_V1(gridgov_patrol_point_check);
Datum
gridgov_patrol_point_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = triggers_check(fcinfo, "patrol_point_check");
	Fix			f;
	WorkerEntry *worker;
	RejectArgs	r;

	/* (the default partition stays empty: a row there would stop its day's partition being made) */
	if (restored_fix(td) && !is_default_partition(td->tg_relation))
		return PointerGetDatum(td->tg_trigtuple);
	ensure_cache();
	read_fix(td, &f);
	r.td = td;
	r.reason = static_reason(&f, &worker);
	if (r.reason == NULL && is_default_partition(td->tg_relation))
		r.reason = "no_partition";
	if (r.reason == NULL)
		r.reason = motion_reason(&f);
	if (r.reason == NULL)
		return PointerGetDatum(with_county(td, worker->county));
	check_writer(td, &f);
	owner_spi_as_history_owner(reject_as_owner, &r);
	return PointerGetDatum(NULL);
}

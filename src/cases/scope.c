/*
 * scope.c
 *		The access matrix of docs/security.md ("Who sees which cases"): a
 *		login's scope, built from its group roles and its staff row, and the
 *		per-case checks the row-level security policies call; see scope.h.
 *
 * The scope is cached per backend for one role (GetUserId(): SET ROLE and
 * SECURITY DEFINER functions switch it) and rebuilt when staff, grid_staff
 * or departments change, or a role or role membership does (cache.h).  Grid
 * assignments are kept with their validity and checked at the statement's
 * time, so the cache outlives the transactions it serves.  It is read with a
 * fresh snapshot, never the transaction's: a REPEATABLE READ transaction
 * would otherwise rebuild it, after an invalidation, from rows already
 * changed and keep that stale scope current for the whole session.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "act.h"
#include "cache.h"
#include "owner.h"
#include "plans.h"
#include "scope.h"
#include "shards.h"

/* What a department's kind gives its staff to see. */
typedef enum DeptReach
{
	REACH_NONE,					/* no (active) department */
	REACH_AREA,					/* command center, government, community: its jurisdiction */
	REACH_HELD					/* functional, utility, discipline: what it holds or held */
} DeptReach;

typedef struct ScopeGrid
{
	GridCode	grid;
	TimestampTz valid_from;
	TimestampTz valid_to;
} ScopeGrid;

typedef struct Scope
{
	Oid			userid;
	bool		superuser;
	bool		all;			/* superuser, BYPASSRLS, the owner, gridgov_admin */
	bool		worker;
	bool		dispatcher;
	bool		department;
	bool		reader;			/* gridgov_leader or gridgov_auditor */
	int64		staff_id;		/* 0: no active staff row */
	int64		department_id;
	char		kind[32];
	DeptReach	reach;
	bool		center;			/* the department is a command center */
	GridCode	jurisdiction;
	int			ngrids;
	ScopeGrid  *grids;			/* current and future assignments */
} Scope;

static const char *const watched_tables[] = {"staff", "grid_staff", "departments", NULL};
static const CacheSpec scope_spec = {"login scopes", watched_tables, NULL, false, true};
static int	scope_cache_id;
static Scope scope;
static MemoryContext scope_cxt = NULL;

void
scope_init(void)
{
	scope_cache_id = cache_register(&scope_spec);
}

static bool
member_of(Oid userid, const char *role)
{
	Oid			r = get_role_oid(role, true);

	return OidIsValid(r) && has_privs_of_role(userid, r);
}

static void
load_roles(Scope *s)
{
	s->superuser = superuser_arg(s->userid);
	s->all = s->superuser || has_bypassrls_privilege(s->userid) ||
		has_privs_of_role(s->userid, owner_of_history()) || member_of(s->userid, "gridgov_admin");
	s->worker = member_of(s->userid, "gridgov_worker");
	s->dispatcher = member_of(s->userid, "gridgov_dispatcher");
	s->department = member_of(s->userid, "gridgov_department");
	s->reader = member_of(s->userid, "gridgov_leader") || member_of(s->userid, "gridgov_auditor");
}

#define STAFF_SQL \
	"SELECT s.id, d.id, d.kind, d.jurisdiction::text, d.active " \
	"FROM gridgov.staff s JOIN gridgov.departments d ON d.id = s.department_id " \
	"WHERE s.db_role = $1 AND s.active"
#define GRIDS_SQL \
	"SELECT g.grid::text, g.valid_from, g.valid_to FROM gridgov.grid_staff g " \
	"WHERE g.staff_id = $1 AND g.valid_to > pg_catalog.now() ORDER BY g.grid"

/* The staff row of the login and its department (as the owner: the login may not read staff). */
static void
load_staff_cb(void *arg)
{
	Scope	   *s = (Scope *) arg;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(GetUserNameFromId(s->userid, false))};
	bool		isnull;
	char	   *kind;

	plans_run_snapshot(STAFF_SQL, 1, types, values, GetLatestSnapshot());
	if (SPI_processed == 0)
		return;
	s->staff_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull)))
		return;					/* an inactive department gives nothing */
	s->department_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	kind = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	strlcpy(s->kind, kind, sizeof(s->kind));
	s->jurisdiction = gridcode_from_cstring(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4));
	s->center = strcmp(kind, "command_center") == 0;
	s->reach = (s->center || strcmp(kind, "government") == 0 || strcmp(kind, "community") == 0)
		? REACH_AREA : REACH_HELD;
}

static void
load_grids_cb(void *arg)
{
	Scope	   *s = (Scope *) arg;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(s->staff_id)};
	uint64		i;

	plans_run_snapshot(GRIDS_SQL, 1, types, values, GetLatestSnapshot());
	s->ngrids = (int) SPI_processed;
	s->grids = MemoryContextAllocZero(scope_cxt, sizeof(ScopeGrid) * Max(s->ngrids, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		bool		isnull;

		s->grids[i].grid = gridcode_from_cstring(SPI_getvalue(t, SPI_tuptable->tupdesc, 1));
		s->grids[i].valid_from = DatumGetTimestampTz(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
		s->grids[i].valid_to = DatumGetTimestampTz(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull));
	}
}

static void
scope_build(Oid userid)
{
	uint64		token;

	if (scope_cxt)
		MemoryContextReset(scope_cxt);
	else
		scope_cxt = AllocSetContextCreate(TopMemoryContext, "gridgov login scope", ALLOCSET_SMALL_SIZES);
	scope.userid = InvalidOid;	/* not valid until the end */
	token = cache_build_start(scope_cache_id);
	memset(&scope, 0, sizeof(scope));
	scope.userid = userid;
	load_roles(&scope);
	if (!scope.all)
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		owner_run_as_history_owner(load_staff_cb, &scope);
		if (scope.staff_id != 0)
			owner_run_as_history_owner(load_grids_cb, &scope);
		SPI_finish();
	}
	cache_build_done(scope_cache_id, token);
}

/* The user scope_current() answers for instead of the current one (InvalidOid: none). */
static Oid	scope_user_override = InvalidOid;

static const Scope *
scope_current(void)
{
	Oid			userid = OidIsValid(scope_user_override) ? scope_user_override : GetUserId();

	if (!cache_is_current(scope_cache_id) || scope.userid != userid)
	{
		scope.userid = InvalidOid;
		scope_build(userid);
	}
	return &scope;
}

/* The case's place: its grid, or its county when it lies in no grid. */
static GridCode
case_place(const ScopeCase *c)
{
	return c->has_grid ? c->grid : c->county;
}

/* Whether the place lies in one of the login's grids at the statement's time. */
static bool
in_grids(const Scope *s, GridCode place)
{
	TimestampTz now = GetCurrentStatementStartTimestamp();
	int			i;

	for (i = 0; i < s->ngrids; i++)
		if (s->grids[i].valid_from <= now && now < s->grids[i].valid_to &&
			gridcode_is_ancestor_or_self(s->grids[i].grid, place))
			return true;
	return false;
}

static bool
in_jurisdiction(const Scope *s, GridCode place)
{
	return s->department_id != 0 && gridcode_is_ancestor_or_self(s->jurisdiction, place);
}

static bool
holds(const Scope *s, const ScopeCase *c)
{
	return s->department_id != 0 && c->has_department && c->department_id == s->department_id;
}

/* ($4) An event of the case names the department, or a whistle summoned it; (not $4) a whistle summons it now. */
static const char held_sql[] =
	"SELECT 1 FROM %s e "
	"WHERE $4 AND e.county OPERATOR(gridgov.=) $1::gridgov.gridcode AND e.case_id = $2 "
	"AND (e.payload OPERATOR(pg_catalog.->>) 'department_id') = $3 "
	"UNION ALL SELECT 1 FROM %s w "
	"WHERE w.county OPERATOR(gridgov.=) $1::gridgov.gridcode AND w.case_id = $2 "
	"AND w.department_id = $3::pg_catalog.int8 AND ($4 OR w.reported_at IS NULL) LIMIT 1";

typedef struct HeldProbe
{
	const ScopeCase *c;
	int64		department_id;
	bool		ever;			/* held or summoned ever (read), or summoned now (act) */
	bool		held;
} HeldProbe;

static const char *const held_tables[] = {"case_events", "whistle_calls", NULL};

static void
held_cb(void *arg)
{
	HeldProbe  *h = (HeldProbe *) arg;
	char		county[GRIDCODE_MAX_DIGITS + 1];
	Oid			types[4] = {TEXTOID, INT8OID, TEXTOID, BOOLOID};
	Datum		values[4];

	gridcode_to_cstring(h->c->county, county);
	values[0] = CStringGetTextDatum(county);
	values[1] = Int64GetDatum(h->c->case_id);
	values[2] = CStringGetTextDatum(psprintf(INT64_FORMAT, h->department_id));
	values[3] = BoolGetDatum(h->ever);
	plans_execute(shards_plan(held_sql, held_tables, gridcode_hash_of(h->c->county), 4, types),
				  values, NULL, true, 1, SPI_OK_SELECT);
	h->held = SPI_processed > 0;
}

/*
 * Whether an event of the case's history names the login's department or a
 * whistle summoned it (ever: for reading), or a whistle summons it now (for
 * acting: reporting in); read as the owner, so no policy recurses.
 */
static bool
held_before(const Scope *s, const ScopeCase *c, bool ever)
{
	HeldProbe	h = {c, s->department_id, ever, false};

	if (s->department_id == 0)
		return false;
	owner_spi_as_history_owner(held_cb, &h);
	return h.held;
}

/* The department_id of an announced action's payload (0 when none, or not a whole number). */
static int64
payload_department(const PendingAction *p)
{
	JsonbValue	k;
	JsonbValue *v;
	char	   *txt;
	char	   *end;
	long long	id;

	if (p->payload == NULL || !JB_ROOT_IS_OBJECT(p->payload))
		return 0;
	k.type = jbvString;
	k.val.string.val = "department_id";
	k.val.string.len = strlen("department_id");
	v = findJsonbValueFromContainer(&p->payload->root, JB_FOBJECT, &k);
	if (v == NULL || v->type != jbvNumeric)
		return 0;
	txt = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	id = strtoll(txt, &end, 10);
	return (errno != 0 || *end != '\0') ? 0 : (int64) id;
}

bool
scope_case_readable(const ScopeCase *c)
{
	const Scope *s = scope_current();
	GridCode	place = case_place(c);
	bool		by_department = s->dispatcher || s->department || s->reader;

	if (s->all)
		return true;
	if (s->staff_id == 0)
		return false;
	if (s->worker && in_grids(s, place))
		return true;
	if (!by_department || s->department_id == 0)
		return false;
	if (s->reach == REACH_AREA && in_jurisdiction(s, place))
		return true;
	if (holds(s, c))
		return true;
	/* A command center, and leaders and auditors of an area, see the area, not more. */
	if (s->reach == REACH_AREA && (s->center || (!s->dispatcher && !s->department)))
		return false;
	return held_before(s, c, true);
}

/* The caller acts on the case in its own right: its grids, its center's area, its holding. */
static bool
acts_in_own_right(const Scope *s, const ScopeCase *c)
{
	GridCode	place = case_place(c);

	if (s->all)
		return true;
	if (s->staff_id == 0)
		return false;
	return (s->worker && in_grids(s, place)) ||
		(s->dispatcher && s->center && in_jurisdiction(s, place)) ||
		((s->dispatcher || s->department) && holds(s, c));
}

bool
scope_case_actable(const ScopeCase *c)
{
	const Scope *s = scope_current();
	const PendingAction *pending;

	if (acts_in_own_right(s, c))
		return true;
	if (s->staff_id == 0 || (!s->dispatcher && !s->department))
		return false;
	/*
	 * A department a whistle summons may report in for itself, and take no
	 * other action (the workflow refuses any column the report-in would edit).
	 */
	pending = act_pending_for(c->case_id);
	return pending != NULL && !pending->system && strcmp(pending->action, "report_in") == 0 &&
		payload_department(pending) == s->department_id && held_before(s, c, false);
}

bool
scope_case_acts_fully(const ScopeCase *c)
{
	return acts_in_own_right(scope_current(), c);
}

bool
scope_case_fileable(const ScopeCase *c)
{
	const Scope *s = scope_current();

	if (s->all)
		return true;
	if (s->staff_id == 0)
		return false;
	/* A grid worker reports from its grids; other staff file anywhere (intake routes it). */
	if (s->worker && !s->dispatcher && !s->department)
		return in_grids(s, case_place(c));
	return true;
}

bool
scope_case_redirect(const ScopeCase *c)
{
	const Scope *s = scope_current();

	return s->all || (s->dispatcher && s->center && in_jurisdiction(s, case_place(c)));
}

bool
scope_case_contact(const ScopeCase *c)
{
	const Scope *s = scope_current();

	if (s->superuser)
		return true;
	if (s->staff_id == 0)
		return false;
	if (s->dispatcher && s->center && in_jurisdiction(s, case_place(c)))
		return true;
	return (s->dispatcher || s->department) && holds(s, c);
}

int64
scope_department_id(void)
{
	const Scope *s = scope_current();

	return s->staff_id == 0 ? 0 : s->department_id;
}

/* SQL ------------------------------------------------------------------------ */

/* The case of arguments (county, grid, department_id[, case_id]); false when county is NULL. */
static bool
case_args(FunctionCallInfo fcinfo, ScopeCase *c)
{
	if (PG_ARGISNULL(0))
		return false;
	c->county = PG_GETARG_GRIDCODE(0);
	c->has_grid = !PG_ARGISNULL(1);
	c->grid = c->has_grid ? PG_GETARG_GRIDCODE(1) : 0;
	c->has_department = !PG_ARGISNULL(2);
	c->department_id = c->has_department ? PG_GETARG_INT64(2) : 0;
	c->case_id = (PG_NARGS() > 3 && !PG_ARGISNULL(3)) ? PG_GETARG_INT64(3) : 0;
	return true;
}

PG_FUNCTION_INFO_V1(gridgov_case_readable);
Datum
gridgov_case_readable(PG_FUNCTION_ARGS)
{
	ScopeCase	c;

	PG_RETURN_BOOL(case_args(fcinfo, &c) && scope_case_readable(&c));
}

/* fn(arg) with scope_current() answering for the login that called (the outer user). */
static bool
as_caller(bool (*fn) (void *arg), void *arg)
{
	volatile bool result = false;

	scope_user_override = GetOuterUserId();
	PG_TRY();
	{
		result = fn(arg);
	}
	PG_FINALLY();
	{
		scope_user_override = InvalidOid;
	}
	PG_END_TRY();
	return result;
}

static bool
case_readable_cb(void *arg)
{
	return scope_case_readable((const ScopeCase *) arg);
}

/*
 * gridgov.case_readable_by_caller(county, grid, department_id, case_id):
 * case_readable for the login that called (the outer user: a SECURITY
 * DEFINER function that calls it asks for its caller, not its owner).
 */
PG_FUNCTION_INFO_V1(gridgov_case_readable_by_caller);
Datum
gridgov_case_readable_by_caller(PG_FUNCTION_ARGS)
{
	ScopeCase	c;

	if (!case_args(fcinfo, &c))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(as_caller(case_readable_cb, &c));
}

typedef struct TrackArgs
{
	Oid			types[2];
	Datum		values[2];
} TrackArgs;

static SPIPlanPtr track_plan;

/* gridgov.patrol_track_readable(county, staff_id), which asks gridgov.my_scope(). */
static bool
track_readable_cb(void *arg)
{
	TrackArgs  *t = (TrackArgs *) arg;
	bool		isnull = true;
	bool		readable = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plans_keep(&track_plan, "SELECT gridgov.patrol_track_readable($1, $2)", 2, t->types);
	plans_execute(track_plan, t->values, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed == 1)
		readable = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return readable && !isnull;
}

/*
 * gridgov.patrol_track_readable_by_caller(county, staff_id): whether the login
 * that called reads the worker's track (for a SECURITY DEFINER function,
 * gridgov.worker_assessment, that sees every worker); false on NULL.
 */
PG_FUNCTION_INFO_V1(gridgov_patrol_track_readable_by_caller);
Datum
gridgov_patrol_track_readable_by_caller(PG_FUNCTION_ARGS)
{
	TrackArgs	t;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	t.types[0] = get_fn_expr_argtype(fcinfo->flinfo, 0);
	t.types[1] = INT8OID;
	t.values[0] = PG_GETARG_DATUM(0);
	t.values[1] = PG_GETARG_DATUM(1);
	if (!OidIsValid(t.types[0]))
		elog(ERROR, "gridgov.patrol_track_readable_by_caller: unknown argument type");
	PG_RETURN_BOOL(as_caller(track_readable_cb, &t));
}

PG_FUNCTION_INFO_V1(gridgov_case_actable);
Datum
gridgov_case_actable(PG_FUNCTION_ARGS)
{
	ScopeCase	c;

	PG_RETURN_BOOL(case_args(fcinfo, &c) && scope_case_actable(&c));
}

PG_FUNCTION_INFO_V1(gridgov_case_fileable);
Datum
gridgov_case_fileable(PG_FUNCTION_ARGS)
{
	ScopeCase	c;

	PG_RETURN_BOOL(case_args(fcinfo, &c) && scope_case_fileable(&c));
}

/* What a scope reads or acts on: all, scoped or none. */
static const char *
reach_word(bool all, bool any)
{
	return all ? "all" : (any ? "scoped" : "none");
}

/* The login's current grids, as an array of the gridcode type (type). */
static Datum
grids_array(const Scope *s, Oid type)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(s->ngrids, 1));
	TimestampTz now = GetCurrentStatementStartTimestamp();
	int			n = 0;
	int			i;

	for (i = 0; i < s->ngrids; i++)
		if (s->grids[i].valid_from <= now && now < s->grids[i].valid_to)
			elems[n++] = Int64GetDatum(s->grids[i].grid);
	return PointerGetDatum(construct_array(elems, n, type, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * gridgov.my_scope(): one row describing what gridgov made of the caller
 * (login, staff_id, department_id, department_kind, jurisdiction, grids,
 * reads, acts).
 */
PG_FUNCTION_INFO_V1(gridgov_my_scope);
Datum
gridgov_my_scope(PG_FUNCTION_ARGS)
{
	const Scope *s = scope_current();
	TupleDesc	desc;
	Datum		v[8];
	bool		n[8] = {false};
	bool		dept = s->department_id != 0;
	bool		by_dept = dept && (s->dispatcher || s->department || s->reader);
	bool		acts = (s->worker && s->ngrids > 0) || (dept && (s->dispatcher || s->department));

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts != 8)
		elog(ERROR, "gridgov.my_scope() must return a row of 8 columns");
	desc = BlessTupleDesc(desc);
	v[0] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(s->userid, false)));
	v[1] = Int64GetDatum(s->staff_id);
	n[1] = s->staff_id == 0;
	v[2] = Int64GetDatum(s->department_id);
	n[2] = !dept;
	v[3] = dept ? CStringGetTextDatum(s->kind) : (Datum) 0;
	n[3] = !dept;
	v[4] = Int64GetDatum(s->jurisdiction);
	n[4] = !dept;
	v[5] = grids_array(s, get_element_type(TupleDescAttr(desc, 5)->atttypid));
	v[6] = CStringGetTextDatum(reach_word(s->all, s->staff_id != 0 && ((s->worker && s->ngrids > 0) || by_dept)));
	v[7] = CStringGetTextDatum(reach_word(s->all, s->staff_id != 0 && acts));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, n)));
}

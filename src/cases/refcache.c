/*
 * refcache.c
 *		Reference data for the case triggers, cached per backend; see refcache.h.
 *
 * Routing answers are memoised by (category, area key) rather than by the
 * exact grid.  gridgov.route() sees a grid only through its ancestors: rules
 * match when their area is one of them, and the command-center fallback uses
 * the town (level 4) and county (level 3) ancestors.  So when no routing rule
 * names the grid's community or unit grid (levels 5 and 6), every grid of the
 * town routes like the town itself, and the town code is the key; otherwise
 * the deepest ancestor a rule names is.  The set of rule areas at levels 5 and
 * 6 is read on first use of the memo and dropped with the rest when
 * routing_rules changes.
 * This keeps the memo to about categories x towns entries instead of
 * categories x grids, so intake rarely calls route().
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "cache.h"
#include "errcodes.h"
#include "owner.h"
#include "plans.h"
#include "refcache.h"
#include "triggers.h"

/* Tables whose changes drop the caches (see cache.h). */
static const char *const watched_tables[] = {
	"categories", "workflows", "workflow_states", "transitions", "staff",
	"settings", "routing_rules", "departments", "components", NULL
};
static const CacheSpec refcache_spec = {"reference data", watched_tables, NULL, false, false};
static int	refcache_id;

typedef struct RouteKey
{
	char		category[REF_NAME_LEN];
	bool		has_grid;
	GridCode	grid;
} RouteKey;

typedef struct RouteEntry
{
	RouteKey	key;
	int64		department;
} RouteEntry;

typedef struct StaffEntry
{
	Oid			roleid;
	int64		staff_id;
} StaffEntry;

typedef struct RefCache
{
	MemoryContext cxt;
	HTAB	   *categories;
	HTAB	   *states;
	HTAB	   *transitions;
	HTAB	   *staff;
	HTAB	   *routes;
	HTAB	   *workflows;		/* RefWorkflow by name */
	HTAB	   *deep_areas;		/* rule areas at levels 5 and 6 */
	bool		deep_areas_loaded;	/* read with the first routing memo use */
	HTAB	   *departments;	/* ids of the departments */
	bool		departments_loaded; /* read with the first department check */
	bool		has_home_county;
	GridCode	home_county;
	/* settings unclassified_category (1.5.0), "" when unset or absent */
	char		unclassified[REF_NAME_LEN];
	/* transitions in load order, for "allowed actions" and "between" scans */
	RefTransition **all_transitions;
	int			ntransitions;
} RefCache;

static RefCache cache;

void
refcache_init(void)
{
	refcache_id = cache_register(&refcache_spec);
}

static HTAB *
make_table(const char *name, Size keysize, Size entrysize, int flags)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cache.cxt;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_CONTEXT | flags);
}

void
refcache_copy_name(char *dst, const char *src, const char *what)
{
	if (strlen(src) >= REF_NAME_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%.*s...\" is too long", what, REF_NAME_LEN, src)));
	strlcpy(dst, src, REF_NAME_LEN);
}

static void
pair_key(char *key, const char *a, const char *b)
{
	memset(key, 0, 2 * REF_NAME_LEN);
	strlcpy(key, a, REF_NAME_LEN);
	strlcpy(key + REF_NAME_LEN, b, REF_NAME_LEN);
}

static void
triple_key(char *key, const char *a, const char *b, const char *c)
{
	memset(key, 0, 3 * REF_NAME_LEN);
	strlcpy(key, a, REF_NAME_LEN);
	strlcpy(key + REF_NAME_LEN, b, REF_NAME_LEN);
	strlcpy(key + 2 * REF_NAME_LEN, c, REF_NAME_LEN);
}

/* A column as text; "" for NULL (the tables' NOT NULL constraints keep it out). */
static char *
col_text(int row, int col)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return v ? v : "";
}

static bool
col_bool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return !isnull && DatumGetBool(d);
}

/* A text[] column as a palloc'd array of strings in the cache context. */
static char **
col_text_array(int row, int col, int *n)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;
	int			i;

	*n = 0;
	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, n);
	out = MemoryContextAlloc(cache.cxt, Max(*n, 1) * sizeof(char *));
	for (i = 0; i < *n; i++)
		out[i] = MemoryContextStrdup(cache.cxt, nulls[i] ? "" : TextDatumGetCString(elems[i]));
	return out;
}

/*
 * Reference data is read with a fresh snapshot, not the statement's: the
 * cache outlives the statement, and a long statement (a COPY) or a
 * repeatable-read transaction would otherwise fill it with rows that a
 * change committed since has removed (see gridgov.reference_guard()).
 */
static void
run(const char *sql)
{
	plans_run_snapshot(sql, 0, NULL, NULL, GetLatestSnapshot());
}

static void
load_categories(void)
{
	uint64		i;

	run("SELECT code, workflow, default_urgency, active FROM gridgov.categories");
	for (i = 0; i < SPI_processed; i++)
	{
		char		code[REF_NAME_LEN];
		RefCategory *c;

		refcache_copy_name(code, col_text(i, 1), "category code");
		c = hash_search(cache.categories, code, HASH_ENTER, NULL);
		refcache_copy_name(c->workflow, col_text(i, 2), "workflow name");
		strlcpy(c->default_urgency, col_text(i, 3), sizeof(c->default_urgency));
		c->active = col_bool(i, 4);
	}
}

static void
load_workflows(void)
{
	uint64		i;

	run("SELECT name, intake_clocks FROM gridgov.workflows");
	for (i = 0; i < SPI_processed; i++)
	{
		char		name[REF_NAME_LEN] = {0};
		RefWorkflow *w;

		refcache_copy_name(name, col_text(i, 1), "workflow name");
		w = hash_search(cache.workflows, name, HASH_ENTER, NULL);
		w->initial[0] = '\0';
		w->intake_clocks = col_text_array(i, 2, &w->nintake_clocks);
	}
}

static void
load_states(void)
{
	uint64		i;

	run("SELECT workflow, state, initial, terminal, closes_case FROM gridgov.workflow_states");
	for (i = 0; i < SPI_processed; i++)
	{
		char		key[2 * REF_NAME_LEN];
		RefState   *s;

		pair_key(key, col_text(i, 1), col_text(i, 2));
		s = hash_search(cache.states, key, HASH_ENTER, NULL);
		s->initial = col_bool(i, 3);
		s->terminal = col_bool(i, 4);
		s->closes = col_bool(i, 5);
		if (s->initial)
		{
			char		wf[REF_NAME_LEN] = {0};
			RefWorkflow *w;

			strlcpy(wf, s->key, REF_NAME_LEN);
			w = hash_search(cache.workflows, wf, HASH_FIND, NULL);
			if (w)
				strlcpy(w->initial, s->key + REF_NAME_LEN, REF_NAME_LEN);
		}
	}
}

static void
load_transitions(void)
{
	uint64		i;

	/*
	 * clock_cancel came with 1.3.0: until ALTER EXTENSION gridgov UPDATE has
	 * run, this library serves the previous release's tables.
	 */
	if (get_attnum(triggers_gridgov_relid("transitions"), "clock_cancel") != InvalidAttrNumber)
		run("SELECT workflow, from_state, action, COALESCE(to_state, ''), COALESCE(counter, ''), "
			"roles, requires, clock_start, clock_stop, clock_cancel FROM gridgov.transitions "
			"ORDER BY workflow, from_state, action");
	else
		run("SELECT workflow, from_state, action, COALESCE(to_state, ''), COALESCE(counter, ''), "
			"roles, requires, clock_start, clock_stop, '{}'::pg_catalog.text[] FROM gridgov.transitions "
			"ORDER BY workflow, from_state, action");
	cache.ntransitions = (int) SPI_processed;
	cache.all_transitions = MemoryContextAlloc(cache.cxt,
											   Max(SPI_processed, 1) * sizeof(RefTransition *));
	for (i = 0; i < SPI_processed; i++)
	{
		char		key[3 * REF_NAME_LEN];
		RefTransition *t;

		triple_key(key, col_text(i, 1), col_text(i, 2), col_text(i, 3));
		t = hash_search(cache.transitions, key, HASH_ENTER, NULL);
		refcache_copy_name(t->from_state, col_text(i, 2), "state");
		refcache_copy_name(t->action, col_text(i, 3), "action");
		refcache_copy_name(t->to_state, col_text(i, 4), "state");
		if (strlcpy(t->counter, col_text(i, 5), sizeof(t->counter)) >= sizeof(t->counter))
			elog(ERROR, "counter of transition %s is too long", t->action);
		t->roles = col_text_array(i, 6, &t->nroles);
		t->requires = col_text_array(i, 7, &t->nrequires);
		t->clock_start = col_text_array(i, 8, &t->nclock_start);
		t->clock_stop = col_text_array(i, 9, &t->nclock_stop);
		t->clock_cancel = col_text_array(i, 10, &t->nclock_cancel);
		cache.all_transitions[i] = t;
	}
}

static void
load_staff(void)
{
	uint64		i;

	run("SELECT db_role, pg_catalog.min(id) FROM gridgov.staff "
		"WHERE active AND db_role IS NOT NULL GROUP BY db_role");
	for (i = 0; i < SPI_processed; i++)
	{
		Oid			roleid = get_role_oid(col_text(i, 1), true);
		StaffEntry *e;

		if (!OidIsValid(roleid))
			continue;
		e = hash_search(cache.staff, &roleid, HASH_ENTER, NULL);
		e->staff_id = pg_strtoint64(col_text(i, 2));
	}
}

/*
 * The rule areas at levels 5 and 6, read when the routing memo is first used
 * (intake only: sessions that only take workflow actions need no access to
 * routing_rules).
 */
static void
load_deep_areas(void)
{
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	run("SELECT DISTINCT area FROM gridgov.routing_rules "
		"WHERE area IS NOT NULL AND gridgov.level(area) >= 5");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		GridCode	area = DatumGetGridCode(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc, 1, &isnull));

		(void) hash_search(cache.deep_areas, &area, HASH_ENTER, NULL);
	}
	SPI_finish();
	cache.deep_areas_loaded = true;
}

/*
 * The department ids, read at the first department check, as the owner of
 * the case history: checking a reference needs no right to read departments
 * (as with a foreign key).
 */
static void
load_departments_cb(void *arg pg_attribute_unused())
{
	uint64		i;

	run("SELECT id FROM gridgov.departments");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 1, &isnull));

		(void) hash_search(cache.departments, &id, HASH_ENTER, NULL);
	}
}

static void
load_departments(void)
{
	owner_spi_as_history_owner(load_departments_cb, NULL);
	cache.departments_loaded = true;
}

static void
load_home_county(void)
{
	bool		isnull;
	Datum		d;

	run("SELECT gridgov.home_county()");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	cache.has_home_county = !isnull;
	cache.home_county = isnull ? 0 : DatumGetGridCode(d);
	/* no row in a schema before 1.5.0 */
	run("SELECT s.value FROM gridgov.settings s WHERE s.key = 'unclassified_category'");
	cache.unclassified[0] = '\0';
	if (SPI_processed == 1)
	{
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull)
			refcache_copy_name(cache.unclassified, TextDatumGetCString(d), "unclassified_category");
	}
}

static void
refcache_load(void)
{
	uint64		token;

	if (cache.cxt)
		MemoryContextReset(cache.cxt);
	else
		cache.cxt = AllocSetContextCreate(TopMemoryContext, "gridgov reference cache",
										  ALLOCSET_DEFAULT_SIZES);
	cache.categories = make_table("gridgov categories", REF_NAME_LEN, sizeof(RefCategory), HASH_STRINGS);
	cache.states = make_table("gridgov states", 2 * REF_NAME_LEN, sizeof(RefState), HASH_BLOBS);
	cache.transitions = make_table("gridgov transitions", 3 * REF_NAME_LEN, sizeof(RefTransition), HASH_BLOBS);
	cache.staff = make_table("gridgov staff", sizeof(Oid), sizeof(StaffEntry), HASH_BLOBS);
	cache.routes = make_table("gridgov routes", sizeof(RouteKey), sizeof(RouteEntry), HASH_BLOBS);
	cache.workflows = make_table("gridgov workflows", REF_NAME_LEN, sizeof(RefWorkflow), HASH_STRINGS);
	cache.deep_areas = make_table("gridgov deep rule areas", sizeof(GridCode), sizeof(GridCode), HASH_BLOBS);
	cache.deep_areas_loaded = false;
	cache.departments = make_table("gridgov departments", sizeof(int64), sizeof(int64), HASH_BLOBS);
	cache.departments_loaded = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* Invalidations up to here predate what we read; later ones drop us again. */
	token = cache_build_start(refcache_id);
	load_categories();
	load_workflows();
	load_states();
	load_transitions();
	load_staff();
	load_home_county();
	SPI_finish();
	cache_build_done(refcache_id, token);
}

static void
ensure_loaded(void)
{
	if (!cache_is_current(refcache_id))
		refcache_load();
}

const RefCategory *
refcache_category(const char *code)
{
	char		key[REF_NAME_LEN] = {0};

	ensure_loaded();
	if (code == NULL || strlen(code) >= REF_NAME_LEN)
		return NULL;
	strlcpy(key, code, REF_NAME_LEN);
	return hash_search(cache.categories, key, HASH_FIND, NULL);
}

const RefCategory *
refcache_known_category(const char *code)
{
	const RefCategory *cat = refcache_category(code);

	if (code == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a case needs a category"),
				 errhint("Give a category code from gridgov.categories, e.g. E0102.")));
	if (cat == NULL)
		ereport(ERROR,
				(errcode(GG_UNKNOWN_CATEGORY),
				 errmsg("unknown category \"%.*s\"", REF_NAME_LEN, code),
				 errhint("Categories are listed in gridgov.categories.")));
	return cat;
}

/* Cases refer to departments without a foreign key (055_cases.sql). */
void
refcache_check_department(int64 id)
{
	ensure_loaded();
	if (!cache.departments_loaded)
		load_departments();
	if (hash_search(cache.departments, &id, HASH_FIND, NULL) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("department %" INT64_MODIFIER "d does not exist", id),
				 errhint("Departments are listed in gridgov.departments.")));
}

const RefState *
refcache_state(const char *workflow, const char *state)
{
	char		key[2 * REF_NAME_LEN];

	ensure_loaded();
	if (workflow == NULL || state == NULL ||
		strlen(workflow) >= REF_NAME_LEN || strlen(state) >= REF_NAME_LEN)
		return NULL;
	pair_key(key, workflow, state);
	return hash_search(cache.states, key, HASH_FIND, NULL);
}

const RefWorkflow *
refcache_workflow(const char *workflow)
{
	char		key[REF_NAME_LEN] = {0};

	ensure_loaded();
	if (workflow == NULL || strlen(workflow) >= REF_NAME_LEN)
		return NULL;
	strlcpy(key, workflow, REF_NAME_LEN);
	return hash_search(cache.workflows, key, HASH_FIND, NULL);
}

const char *
refcache_initial_state(const char *workflow)
{
	const RefWorkflow *w = refcache_workflow(workflow);

	return (w && w->initial[0]) ? w->initial : NULL;
}

const RefTransition *
refcache_transition(const char *workflow, const char *from, const char *action)
{
	char		key[3 * REF_NAME_LEN];
	RefTransition *t;
	const RefState *s;

	ensure_loaded();
	if (workflow == NULL || from == NULL || action == NULL ||
		strlen(workflow) >= REF_NAME_LEN || strlen(from) >= REF_NAME_LEN ||
		strlen(action) >= REF_NAME_LEN)
		return NULL;
	triple_key(key, workflow, from, action);
	t = hash_search(cache.transitions, key, HASH_FIND, NULL);
	if (t)
		return t;
	s = refcache_state(workflow, from);
	if (s && s->terminal)
		return NULL;
	triple_key(key, workflow, "*", action);
	return hash_search(cache.transitions, key, HASH_FIND, NULL);
}

static char **
copy_names(char **names, int n)
{
	char	  **out = palloc(Max(n, 1) * sizeof(char *));
	int			i;

	for (i = 0; i < n; i++)
		out[i] = pstrdup(names[i]);
	return out;
}

RefTransition *
refcache_transition_copy(const RefTransition *t)
{
	RefTransition *c;

	if (t == NULL)
		return NULL;
	c = palloc(sizeof(RefTransition));
	*c = *t;
	c->roles = copy_names(t->roles, t->nroles);
	c->requires = copy_names(t->requires, t->nrequires);
	c->clock_start = copy_names(t->clock_start, t->nclock_start);
	c->clock_stop = copy_names(t->clock_stop, t->nclock_stop);
	c->clock_cancel = copy_names(t->clock_cancel, t->nclock_cancel);
	return c;
}

/* Whether transition t (of its workflow) applies from state from. */
static bool
applies_from(const RefTransition *t, const char *workflow, const char *from)
{
	const RefState *s;

	if (strcmp(t->key, workflow) != 0)
		return false;
	if (strcmp(t->from_state, from) == 0)
		return true;
	if (strcmp(t->from_state, "*") != 0)
		return false;
	s = refcache_state(workflow, from);
	return s && !s->terminal;
}

int
refcache_transitions_between(const char *workflow, const char *from, const char *to,
							 const RefTransition **found)
{
	int			n = 0;
	int			i;

	ensure_loaded();
	for (i = 0; i < cache.ntransitions; i++)
	{
		const RefTransition *t = cache.all_transitions[i];

		if (t->to_state[0] && strcmp(t->to_state, to) == 0 && applies_from(t, workflow, from))
		{
			if (n == 0)
				*found = t;
			n++;
		}
	}
	return n;
}

char *
refcache_allowed_actions(const char *workflow, const char *from)
{
	StringInfoData buf;
	int			i;

	ensure_loaded();
	initStringInfo(&buf);
	for (i = 0; i < cache.ntransitions; i++)
	{
		const RefTransition *t = cache.all_transitions[i];

		if (applies_from(t, workflow, from))
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", t->action);
	}
	return buf.len ? buf.data : pstrdup("none");
}

bool
refcache_staff_of_role(Oid roleid, int64 *staff_id)
{
	StaffEntry *e;

	ensure_loaded();
	e = hash_search(cache.staff, &roleid, HASH_FIND, NULL);
	if (e)
		*staff_id = e->staff_id;
	return e != NULL;
}

bool
refcache_home_county(GridCode *county)
{
	ensure_loaded();
	*county = cache.home_county;
	return cache.has_home_county;
}

const char *
refcache_unclassified_category(void)
{
	ensure_loaded();
	return cache.unclassified[0] ? cache.unclassified : NULL;
}

/*
 * The area a grid routes like (see the head of this file): the grid itself
 * up to town level, else its deepest ancestor at level 5 or 6 that a rule
 * names, else its town.
 */
static GridCode
route_area(GridCode grid)
{
	int			level = gridcode_level(grid);
	int			l;

	if (level <= GRIDCODE_LEVEL_TOWN)
		return grid;
	for (l = level; l > GRIDCODE_LEVEL_TOWN; l--)
	{
		GridCode	a = (l == level) ? grid : gridcode_truncate(grid, gridcode_length_for_level(l));

		if (hash_search(cache.deep_areas, &a, HASH_FIND, NULL))
			return a;
	}
	return gridcode_truncate(grid, gridcode_length_for_level(GRIDCODE_LEVEL_TOWN));
}

static void
route_key(RouteKey *key, const char *category, bool has_grid, GridCode grid)
{
	if (!cache.deep_areas_loaded)
		load_deep_areas();
	memset(key, 0, sizeof(RouteKey));
	strlcpy(key->category, category, REF_NAME_LEN);
	key->has_grid = has_grid;
	key->grid = has_grid ? route_area(grid) : 0;
}

bool
refcache_route_get(const char *category, bool has_grid, GridCode grid, int64 *dept)
{
	RouteKey	key;
	RouteEntry *e;

	ensure_loaded();
	if (strlen(category) >= REF_NAME_LEN)
		return false;
	route_key(&key, category, has_grid, grid);
	e = hash_search(cache.routes, &key, HASH_FIND, NULL);
	if (e)
		*dept = e->department;
	return e != NULL;
}

void
refcache_route_put(const char *category, bool has_grid, GridCode grid, int64 dept)
{
	RouteKey	key;
	RouteEntry *e;

	ensure_loaded();
	if (strlen(category) >= REF_NAME_LEN)
		return;
	route_key(&key, category, has_grid, grid);
	e = hash_search(cache.routes, &key, HASH_ENTER, NULL);
	e->department = dept;
}

/* gridgov.actor_staff_id(): the staff member mapped to the current role. */
PG_FUNCTION_INFO_V1(gridgov_actor_staff_id);
Datum
gridgov_actor_staff_id(PG_FUNCTION_ARGS)
{
	int64		staff;

	if (!refcache_staff_of_role(GetUserId(), &staff))
		PG_RETURN_NULL();
	PG_RETURN_INT64(staff);
}

bool
refcache_counts(const RefTransition *t, const char *counter)
{
	size_t		n = strlen(counter);
	const char *c = t->counter;

	while (*c)
	{
		const char *end = strchr(c, '+');
		size_t		len = end ? (size_t) (end - c) : strlen(c);

		if (len == n && strncmp(c, counter, n) == 0)
			return true;
		c += len + (end ? 1 : 0);
	}
	return false;
}

/*
 * duplicate_index.c
 *		The index the likely-duplicate search reads, found by its shape among
 *		the indexes of gridgov.cases; see duplicate.h.
 *
 * gridgov creates it as cases_open_duplicate_key (055), but its name is not
 * what makes it usable: any valid btree on exactly these key columns, with
 * the default operator classes, the column's collation for category, no
 * INCLUDE columns, and no predicate or exactly closed_at IS NULL, holds every
 * open case under the keys the search gives, so a DBA may rebuild it under
 * another name (REINDEX CONCURRENTLY, pg_repack) without a change here.  The
 * functions in its expressions must be PostGIS's st_x/st_y and gridgov's
 * duplicate_cell, not a namesake of another schema.
 */
#include "postgres.h"

#include "access/genam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/primnodes.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "duplicate.h"
#include "pgis.h"

/* The choice, and the binding of the columns it was made for. */
static Oid	chosen_index = InvalidOid;
static uint32 chosen_generation = 0;

/* Whether e is a Var of the table's attribute attnum. */
static bool
is_column(Node *e, int attnum)
{
	return e != NULL && IsA(e, Var) && ((Var *) e)->varattno == attnum &&
		((Var *) e)->varlevelsup == 0;
}

/* Whether e calls the function nsp.name with nargs arguments, returning rettype. */
static bool
is_call(Node *e, Oid nsp, const char *name, int nargs, Oid rettype)
{
	FuncExpr   *f = (FuncExpr *) e;
	char	   *fname;

	if (e == NULL || !IsA(e, FuncExpr) || list_length(f->args) != nargs ||
		f->funcresulttype != rettype || get_func_namespace(f->funcid) != nsp)
		return false;
	fname = get_func_name(f->funcid);
	return fname != NULL && strcmp(fname, name) == 0;
}

/* Whether e is PostGIS's name(location), name st_x or st_y. */
static bool
is_coordinate(Node *e, const char *name, int location)
{
	return is_call(e, pgis_namespace(), name, 1, FLOAT8OID) &&
		is_column(linitial(((FuncExpr *) e)->args), location);
}

/* Whether e is gridgov.duplicate_cell(st_x(location), st_y(location)). */
static bool
is_cell(Node *e, Oid gridgov, int location)
{
	return is_call(e, gridgov, "duplicate_cell", 2, INT4OID) &&
		is_coordinate(linitial(((FuncExpr *) e)->args), "st_x", location) &&
		is_coordinate(lsecond(((FuncExpr *) e)->args), "st_y", location);
}

/* Whether index column i is of type `type` with its default btree operator family. */
static bool
default_btree_column(Relation irel, int i, Oid type)
{
	Oid			opclass = GetDefaultOpClass(type, BTREE_AM_OID);

	return irel->rd_opcintype[i] == type && OidIsValid(opclass) &&
		get_opclass_family(opclass) == irel->rd_opfamily[i];
}

/* Whether the predicate is none, or exactly closed_at IS NULL. */
static bool
holds_open_cases(Relation irel, int closed_at)
{
	List	   *pred = RelationGetIndexPredicate(irel);
	NullTest   *nt;

	if (pred == NIL)
		return true;
	if (list_length(pred) != 1 || !IsA(linitial(pred), NullTest))
		return false;
	nt = (NullTest *) linitial(pred);
	return nt->nulltesttype == IS_NULL && !nt->argisrow && is_column((Node *) nt->arg, closed_at);
}

/* Whether the key columns are the table's columns and expressions the search reads. */
static bool
has_search_keys(Relation rel, Relation irel, const CaseColumns *cols)
{
	const int  *attnum = cols->attnum;
	int2vector *k = &irel->rd_index->indkey;
	List	   *exprs = RelationGetIndexExpressions(irel);
	int			loc = attnum[CC_LOCATION];

	return k->values[DUPKEY_COUNTY] == attnum[CC_COUNTY] &&
		k->values[DUPKEY_CATEGORY] == attnum[CC_CATEGORY] &&
		k->values[DUPKEY_CELL] == 0 && k->values[DUPKEY_REPORTED_AT] == attnum[CC_REPORTED_AT] &&
		k->values[DUPKEY_X] == 0 && k->values[DUPKEY_Y] == 0 &&
		list_length(exprs) == 3 &&
		is_cell(linitial(exprs), RelationGetNamespace(rel), loc) &&
		is_coordinate(lsecond(exprs), "st_x", loc) &&
		is_coordinate(lthird(exprs), "st_y", loc);
}

/* Whether irel, an index of rel, is of the shape the search reads (duplicate.h). */
static bool
usable(Relation rel, Relation irel, const CaseColumns *cols)
{
	Form_pg_index ix = irel->rd_index;
	Oid			category_collation = TupleDescAttr(RelationGetDescr(rel),
												   cols->attnum[CC_CATEGORY] - 1)->attcollation;

	return irel->rd_rel->relam == BTREE_AM_OID && ix->indisvalid && ix->indisready &&
		ix->indislive && IndexRelationGetNumberOfAttributes(irel) == DUPKEY_NATTS &&
		IndexRelationGetNumberOfKeyAttributes(irel) == DUPKEY_NATTS &&
		has_search_keys(rel, irel, cols) && holds_open_cases(irel, cols->attnum[CC_CLOSED_AT]) &&
		default_btree_column(irel, DUPKEY_COUNTY, cols->type[CC_COUNTY]) &&
		default_btree_column(irel, DUPKEY_CATEGORY, TEXTOID) &&
		irel->rd_indcollation[DUPKEY_CATEGORY] == category_collation &&
		default_btree_column(irel, DUPKEY_CELL, INT4OID) &&
		default_btree_column(irel, DUPKEY_REPORTED_AT, TIMESTAMPTZOID) &&
		default_btree_column(irel, DUPKEY_X, FLOAT8OID) &&
		default_btree_column(irel, DUPKEY_Y, FLOAT8OID);
}

static Oid
choose_index(Relation rel, const CaseColumns *cols)
{
	ListCell   *lc;

	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	irel = index_open(lfirst_oid(lc), AccessShareLock);
		bool		ok = usable(rel, irel, cols);

		index_close(irel, AccessShareLock);
		if (ok)
			return lfirst_oid(lc);
	}
	ereport(WARNING,
			(errmsg("gridgov.cases has no index the likely-duplicate search can use"),
			 errdetail("Until there is one, each search for a likely duplicate reads the whole table."),
			 errhint("Create it again: CREATE INDEX cases_open_duplicate_key ON gridgov.cases "
					 "(county, category, gridgov.duplicate_cell(ST_X(location), ST_Y(location)), "
					 "reported_at, ST_X(location), ST_Y(location)) WHERE closed_at IS NULL;")));
	return InvalidOid;
}

Oid
duplicate_index(Relation rel, const CaseColumns *cols)
{
	if (cols->generation != chosen_generation)
	{
		chosen_index = choose_index(rel, cols);
		chosen_generation = cols->generation;
	}
	return chosen_index;
}

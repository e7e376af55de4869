/*
 * gridcode_planner.c
 *		Planner support for the hierarchy operators @> and <@ on gridcode.
 *
 * Index conditions: "col <@ X" (and "X @> col") on a btree-indexed gridcode
 * column becomes the exact range "col >= X AND col <= subtree_max(X)", because
 * a subtree is one contiguous range of the type's order.  "col @> X" (and
 * "X <@ col", col is an ancestor of X) with a constant X becomes
 * "col = ANY(ancestors of X)".
 *
 * Selectivity: a subtree is estimated as that range with the column's
 * histogram, the ancestors as the sum of their equality selectivities.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "commands/defrem.h"

#include "gridcode.h"

#define GRIDCODE_MAX_ANCESTORS	6

/* Which relation between the indexed/estimated column and the other operand. */
typedef enum ColumnRole
{
	COLUMN_IN_SUBTREE,			/* col <@ X, X @> col */
	COLUMN_IS_ANCESTOR			/* col @> X, X <@ col */
} ColumnRole;

/*
 * For a <@ b (contained=true) or a @> b (contained=false), with the column as
 * argument number colarg, what the column is relative to the other operand.
 */
static ColumnRole
column_role(bool contained, int colarg)
{
	bool		col_is_left = (colarg == 0);

	if (contained)
		return col_is_left ? COLUMN_IN_SUBTREE : COLUMN_IS_ANCESTOR;
	return col_is_left ? COLUMN_IS_ANCESTOR : COLUMN_IN_SUBTREE;
}

/* The btree comparison operator of a strategy for gridcode in an opfamily. */
static Oid
gridcode_btree_operator(Oid opfamily, Oid typid, int16 strategy)
{
	return get_opfamily_member(opfamily, typid, typid, strategy);
}

/* The default btree opfamily of the gridcode type. */
static Oid
gridcode_default_btree_family(Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

static Const *
make_gridcode_const(Oid typid, GridCode code)
{
	return makeConst(typid, -1, InvalidOid, sizeof(int64),
					 GridCodeGetDatum(code), false, true);
}

/* All ancestors of code and code itself, shallowest first; returns the count. */
static int
ancestors_and_self(GridCode code, GridCode *out)
{
	int			level = gridcode_level(code);
	int			n = 0;
	int			l;

	for (l = GRIDCODE_LEVEL_PROVINCE; l < level; l++)
		out[n++] = gridcode_truncate(code, gridcode_length_for_level(l));
	out[n++] = code;
	return n;
}

/* gridgov.subtree_max(gridcode), for bounds computed at execution time. */
static Oid
subtree_max_function(Oid typid)
{
	List	   *name = list_make2(makeString("gridgov"), makeString("subtree_max"));

	return LookupFuncName(name, 1, &typid, true);
}

/* Upper bound expression of the subtree of other (a Const when other is one). */
static Expr *
subtree_upper_bound(Node *other, Oid typid)
{
	Oid			fn;

	if (IsA(other, Const))
		return (Expr *) make_gridcode_const(typid,
											gridcode_subtree_max(DatumGetGridCode(((Const *) other)->constvalue)));
	fn = subtree_max_function(typid);
	if (!OidIsValid(fn))
		return NULL;
	return (Expr *) makeFuncExpr(fn, typid, list_make1(copyObject(other)),
								 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
}

static List *
subtree_index_condition(Node *col, Node *other, Oid opfamily, Oid typid)
{
	Oid			geop = gridcode_btree_operator(opfamily, typid, BTGreaterEqualStrategyNumber);
	Oid			leop = gridcode_btree_operator(opfamily, typid, BTLessEqualStrategyNumber);
	Expr	   *upper;

	if (!OidIsValid(geop) || !OidIsValid(leop))
		return NIL;
	upper = subtree_upper_bound(other, typid);
	if (upper == NULL)
		return NIL;
	return list_make2(make_opclause(geop, BOOLOID, false, (Expr *) copyObject(col),
									(Expr *) copyObject(other), InvalidOid, InvalidOid),
					  make_opclause(leop, BOOLOID, false, (Expr *) copyObject(col),
									upper, InvalidOid, InvalidOid));
}

static List *
ancestors_index_condition(Node *col, Const *other, Oid opfamily, Oid typid)
{
	Oid			eqop = gridcode_btree_operator(opfamily, typid, BTEqualStrategyNumber);
	Oid			arraytype = get_array_type(typid);
	GridCode	codes[GRIDCODE_MAX_ANCESTORS];
	Datum		datums[GRIDCODE_MAX_ANCESTORS];
	int			n;
	int			i;
	ScalarArrayOpExpr *saop;
	ArrayType  *array;

	if (!OidIsValid(eqop) || !OidIsValid(arraytype))
		return NIL;
	n = ancestors_and_self(DatumGetGridCode(other->constvalue), codes);
	for (i = 0; i < n; i++)
		datums[i] = GridCodeGetDatum(codes[i]);
	array = construct_array(datums, n, typid, sizeof(int64), true, TYPALIGN_DOUBLE);

	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = eqop;
	saop->opfuncid = get_opcode(eqop);
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(copyObject(col),
							makeConst(arraytype, -1, InvalidOid, -1,
									  PointerGetDatum(array), false, false));
	saop->location = -1;
	return list_make1(saop);
}

static List *
index_condition(SupportRequestIndexCondition *req, bool contained)
{
	OpExpr	   *clause;
	Node	   *col;
	Node	   *other;
	Oid			typid;

	if (!is_opclause(req->node) || req->index->relam != BTREE_AM_OID)
		return NIL;
	clause = (OpExpr *) req->node;
	if (list_length(clause->args) != 2 || req->indexarg > 1)
		return NIL;
	col = (Node *) list_nth(clause->args, req->indexarg);
	other = (Node *) list_nth(clause->args, 1 - req->indexarg);
	typid = exprType(col);
	if (exprType(other) != typid ||
		!is_pseudo_constant_for_index(req->root, other, req->index))
		return NIL;
	if (IsA(other, Const) && ((Const *) other)->constisnull)
		return NIL;

	req->lossy = false;
	if (column_role(contained, req->indexarg) == COLUMN_IN_SUBTREE)
		return subtree_index_condition(col, other, req->opfamily, typid);
	if (IsA(other, Const))
		return ancestors_index_condition(col, (Const *) other, req->opfamily, typid);
	return NIL;
}

static Datum
support_request(Node *rawreq, bool contained)
{
	if (IsA(rawreq, SupportRequestIndexCondition))
		return PointerGetDatum(index_condition((SupportRequestIndexCondition *) rawreq,
											   contained));
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(gridcode_contained_support);
Datum
gridcode_contained_support(PG_FUNCTION_ARGS)
{
	return support_request((Node *) PG_GETARG_POINTER(0), true);
}

PG_FUNCTION_INFO_V1(gridcode_contains_support);
Datum
gridcode_contains_support(PG_FUNCTION_ARGS)
{
	return support_request((Node *) PG_GETARG_POINTER(0), false);
}

/* Selectivity of "var OP code" for one btree comparison operator. */
static double
comparison_selectivity(PlannerInfo *root, Oid opno, PGFunction estimator,
					   Node *var, Oid typid, GridCode code, int varRelid)
{
	List	   *args = list_make2(var, make_gridcode_const(typid, code));

	return DatumGetFloat8(DirectFunctionCall4(estimator,
											  PointerGetDatum(root),
											  ObjectIdGetDatum(opno),
											  PointerGetDatum(args),
											  Int32GetDatum(varRelid)));
}

static double
subtree_selectivity(PlannerInfo *root, VariableStatData *vardata, Oid opfamily,
					Oid typid, GridCode code, int varRelid)
{
	Oid			geop = gridcode_btree_operator(opfamily, typid, BTGreaterEqualStrategyNumber);
	Oid			leop = gridcode_btree_operator(opfamily, typid, BTLessEqualStrategyNumber);
	double		ge;
	double		le;

	if (!OidIsValid(geop) || !OidIsValid(leop))
		return DEFAULT_RANGE_INEQ_SEL;
	ge = comparison_selectivity(root, geop, scalargesel, vardata->var, typid, code, varRelid);
	le = comparison_selectivity(root, leop, scalarlesel, vardata->var, typid,
								gridcode_subtree_max(code), varRelid);
	/* Combined as clauselist_selectivity combines a range pair. */
	if (ge == DEFAULT_INEQ_SEL || le == DEFAULT_INEQ_SEL)
		return DEFAULT_RANGE_INEQ_SEL;
	if (ge + le - 1.0 > 0.0)
		return ge + le - 1.0;
	return (ge + le - 1.0 < -0.01) ? DEFAULT_RANGE_INEQ_SEL : 1.0e-10;
}

static double
ancestors_selectivity(VariableStatData *vardata, Oid opfamily, Oid typid, GridCode code)
{
	Oid			eqop = gridcode_btree_operator(opfamily, typid, BTEqualStrategyNumber);
	GridCode	codes[GRIDCODE_MAX_ANCESTORS];
	int			n;
	int			i;
	double		sum = 0.0;

	if (!OidIsValid(eqop))
		return DEFAULT_EQ_SEL;
	n = ancestors_and_self(code, codes);
	for (i = 0; i < n; i++)
#if PG_VERSION_NUM >= 150000
		sum += var_eq_const(vardata, eqop, InvalidOid, GridCodeGetDatum(codes[i]),
							false, true, false);
#else
		sum += var_eq_const(vardata, eqop, GridCodeGetDatum(codes[i]),
							false, true, false);
#endif
	return sum;
}

static double
restriction_selectivity_for(PlannerInfo *root, List *args, int varRelid, bool contained)
{
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	double		sel = DEFAULT_RANGE_INEQ_SEL;
	Oid			typid;
	Oid			opfamily;

	if (!get_restriction_variable(root, args, varRelid, &vardata, &other, &varonleft))
		return DEFAULT_RANGE_INEQ_SEL;
	typid = exprType(vardata.var);
	opfamily = gridcode_default_btree_family(typid);
	if (IsA(other, Const) && !((Const *) other)->constisnull && OidIsValid(opfamily))
	{
		GridCode	code = DatumGetGridCode(((Const *) other)->constvalue);

		if (column_role(contained, varonleft ? 0 : 1) == COLUMN_IN_SUBTREE)
			sel = subtree_selectivity(root, &vardata, opfamily, typid, code, varRelid);
		else
			sel = ancestors_selectivity(&vardata, opfamily, typid, code);
	}
	else if (IsA(other, Const))
		sel = 0.0;				/* NULL operand: strict operator, no rows */
	ReleaseVariableStats(vardata);
	CLAMP_PROBABILITY(sel);
	return sel;
}

PG_FUNCTION_INFO_V1(gridcode_contained_sel);
Datum
gridcode_contained_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(restriction_selectivity_for((PlannerInfo *) PG_GETARG_POINTER(0),
												 (List *) PG_GETARG_POINTER(2),
												 PG_GETARG_INT32(3), true));
}

PG_FUNCTION_INFO_V1(gridcode_contains_sel);
Datum
gridcode_contains_sel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(restriction_selectivity_for((PlannerInfo *) PG_GETARG_POINTER(0),
												 (List *) PG_GETARG_POINTER(2),
												 PG_GETARG_INT32(3), false));
}

/*
 * intake_assist.c
 *		Assisted intake (docs/assisted-intake.md): what intake infers for a
 *		new case from its words when the caller did not say it.
 *
 * A case without a category is given the best category of the text model
 * named by gridgov.intake_text_model when its probability reaches
 * gridgov.intake_suggest_threshold (category_by 'model'), else the category
 * of settings unclassified_category (category_by 'fallback'), which the
 * command center corrects.  A case without a location or a grid is given
 * the grid of the most specific place its address (else its title and
 * description) names, through gridgov.suggest_area() (located_by
 * 'address'), unless the place is ambiguous.  What was inferred and why (the
 * probability, the words that weighed most, the place and the term matched)
 * goes into cases.assisted and the intake event's payload.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "gridcode.h"
#include "intake_assist.h"
#include "owner.h"
#include "plans.h"
#include "refcache.h"
#include "textmodel_cache.h"

static char *intake_text_model = NULL;
static double intake_suggest_threshold = 0.5;
static SPIPlanPtr area_plan = NULL;

void
intake_assist_init(void)
{
	DefineCustomStringVariable("gridgov.intake_text_model",
							   "Text model (gridgov.text_models, target category) that gives a category to a case that arrives without one; empty: none.",
							   NULL, &intake_text_model, "category",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("gridgov.intake_suggest_threshold",
							 "Probability from which intake files a case under the text model's category; below it the case gets settings unclassified_category.",
							 NULL, &intake_suggest_threshold, 0.5, 0.0, 1.0,
							 PGC_SUSET, 0, NULL, NULL, NULL);
}

/* Whether any token of the explanation has a digit (a number of the caller's is never shown). */
static bool
has_digit(const char *s)
{
	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			return true;
	return false;
}

/*
 * The category of a case that arrives without one: the model's best when it
 * is an active category and probable enough, else unclassified_category.
 * Returns the code and sets *by; NULL when neither (the caller refuses the
 * case as before 1.5.0).
 */
const char *
intake_assist_category(const char *title, const char *description, IntakeAssist *a, const char **by)
{
	const char *fallback;

	if (intake_text_model != NULL && intake_text_model[0] != '\0' && title != NULL)
	{
		char	   *doc = textmodel_document(title, description);

		a->asked = textmodel_best(intake_text_model, "category", doc, strlen(doc), &a->best);
		if (a->asked)
		{
			const RefCategory *cat = refcache_category(a->best.label);

			a->applied = a->best.probability >= intake_suggest_threshold && cat != NULL && cat->active;
			if (a->applied)
			{
				*by = "model";
				return a->best.label;
			}
		}
	}
	fallback = refcache_unclassified_category();
	*by = "fallback";
	return fallback;
}

static char *
spi_text(int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* The candidates of an ambiguous place (column 6, gridcode[]) into a, in the caller's context. */
static void
read_candidates(IntakeAssist *a)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6, &isnull);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	if (isnull)
		return;
	arr = DatumGetArrayTypeP(d);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), sizeof(int64), true, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	a->candidates = palloc(Max(n, 1) * sizeof(GridCode));
	a->ncandidates = 0;
	for (i = 0; i < n; i++)
		if (!nulls[i])
			a->candidates[a->ncandidates++] = DatumGetGridCode(elems[i]);
}

typedef struct AreaArgs
{
	const char *words;
	IntakeAssist *a;
	MemoryContext cxt;
	bool		found;
} AreaArgs;

/* The query of suggest_area(), as the owner of the case history. */
static void
area_as_owner(void *arg)
{
	AreaArgs   *x = arg;
	Datum		words = CStringGetTextDatum(x->words);
	MemoryContext old;
	bool		isnull;

	plans_keep(&area_plan,
			   "SELECT a.grid, a.name, a.kind, a.matched, a.ambiguous, a.candidates "
			   "FROM gridgov.suggest_area($1) a", 1, (Oid[]) {TEXTOID});
	plans_execute(area_plan, &words, NULL, true, 1, SPI_OK_SELECT);
	x->found = SPI_processed == 1;
	if (!x->found)
		return;
	old = MemoryContextSwitchTo(x->cxt);
	x->a->ambiguous = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull));
	x->a->place_grid = DatumGetGridCode(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	x->a->place_name = spi_text(2);
	x->a->place_kind = spi_text(3);
	x->a->place_matched = spi_text(4);
	if (x->a->ambiguous)
		read_candidates(x->a);
	MemoryContextSwitchTo(old);
}

/*
 * gridgov.suggest_area(text) into a (in cxt); whether it named a place.  The
 * gazetteer is read as the owner of the case history (owner.h), as other
 * reference data intake needs.
 */
static bool
suggest_area(const char *words, IntakeAssist *a, MemoryContext cxt)
{
	AreaArgs	x = {words, a, cxt, false};

	owner_spi_as_history_owner(area_as_owner, &x);
	return x.found;
}

/*
 * The grid of a case with neither location nor grid, from the place its
 * address names, else its title and description: true with *grid when one
 * place (not ambiguous) is named.
 */
bool
intake_assist_place(const char *address, const char *title, const char *description,
					IntakeAssist *a, GridCode *grid)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		named = false;

	if (address != NULL && address[0] != '\0')
		named = suggest_area(address, a, cxt);
	if (!named && title != NULL)
		named = suggest_area(textmodel_document(title, description), a, cxt);
	a->place_asked = named;
	if (!named || a->ambiguous)
		return false;
	*grid = a->place_grid;
	return true;
}

static void
append_key(StringInfo buf, const char *key, const char *value)
{
	appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

static void
append_suggestion(StringInfo buf, const IntakeAssist *a)
{
	int			i;
	bool		first = true;

	appendStringInfoString(buf, "\"suggestion\": {\"model\": ");
	escape_json(buf, intake_text_model);
	append_key(buf, "category", a->best.label);
	appendStringInfo(buf, ", \"probability\": %.4f, \"applied\": %s, \"words\": [",
					 a->best.probability, a->applied ? "true" : "false");
	for (i = 0; i < a->best.nwords; i++)
	{
		if (has_digit(a->best.words[i]))
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		escape_json(buf, a->best.words[i]);
		first = false;
	}
	appendStringInfoString(buf, "]}");
}

static void
append_place(StringInfo buf, const IntakeAssist *a)
{
	char		code[GRIDCODE_MAX_DIGITS + 1];
	int			i;

	appendStringInfoString(buf, "\"place\": {");
	if (a->ambiguous)
	{
		appendStringInfoString(buf, "\"ambiguous\": [");
		for (i = 0; i < a->ncandidates; i++)
		{
			gridcode_to_cstring(a->candidates[i], code);
			appendStringInfo(buf, "%s\"%s\"", i ? ", " : "", code);
		}
		appendStringInfoString(buf, "]}");
		return;
	}
	gridcode_to_cstring(a->place_grid, code);
	appendStringInfo(buf, "\"grid\": \"%s\"", code);
	append_key(buf, "name", a->place_name);
	append_key(buf, "kind", a->place_kind);
	append_key(buf, "matched", a->place_matched);
	appendStringInfoChar(buf, '}');
}

/* cases.assisted: the suggestion and the place, when either was sought; *isnull otherwise. */
Datum
intake_assist_jsonb(const IntakeAssist *a, bool *isnull)
{
	StringInfoData buf;

	*isnull = !a->asked && !a->place_asked;
	if (*isnull)
		return (Datum) 0;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	if (a->asked)
		append_suggestion(&buf, a);
	if (a->asked && a->place_asked)
		appendStringInfoString(&buf, ", ");
	if (a->place_asked)
		append_place(&buf, a);
	appendStringInfoChar(&buf, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

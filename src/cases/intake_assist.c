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
 * goes into cases.assisted and the intake event's payload, as much of it as
 * the masked text shows (my_cases): no word or place name that the masks of
 * contact data hide there.
 *
 * settings unclassified_category is a list, "H99, patrol:E9901, ...": the
 * category of a source's own entry, else the bare one, so that a patrol's
 * case waits in its own workflow (a case keeps the workflow it entered with).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "gridcode.h"
#include "intake_assist.h"
#include "jsonbuild.h"
#include "mask.h"
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
 * The words of the explanation that may be shown: no digit, and found as they
 * are in the masked document (an e-mail address or a long number masked in
 * my_cases is not shown here either).
 */
static void
keep_shown_words(TextModelBest *best, const char *doc)
{
	char	   *masked = mask_numbers(doc, strlen(doc));
	int			i;
	int			n = 0;

	for (i = 0; i < best->nwords; i++)
		if (!has_digit(best->words[i]) && strstr(masked, best->words[i]) != NULL)
			best->words[n++] = best->words[i];
	best->nwords = n;
}

static char *
trimmed(char *s)
{
	char	   *end;

	while (*s == ' ')
		s++;
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		*--end = '\0';
	return s;
}

/*
 * The category of settings unclassified_category for source: its entries are
 * "CODE" or "source:CODE", separated by commas (checked by settings_guard());
 * the source's own entry, else the bare one; NULL when neither.
 */
static char *
unclassified_for(const char *setting, const char *source)
{
	char	   *copy;
	char	   *save = NULL;
	char	   *tok;
	char	   *bare = NULL;

	if (setting == NULL)
		return NULL;
	copy = pstrdup(setting);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
	{
		char	   *colon = strchr(tok, ':');

		if (colon == NULL)
			bare = trimmed(tok);
		else
		{
			*colon = '\0';
			if (strcmp(trimmed(tok), source) == 0)
				return trimmed(colon + 1);
		}
	}
	return bare;
}

/*
 * The category of a case of source that arrives without one: the model's
 * best when it is an active category and probable enough, else the source's
 * unclassified category.  Returns the code and sets *by; NULL when neither
 * (the caller refuses the case as before 1.5.0).
 */
const char *
intake_assist_category(const char *source, const char *title, const char *description,
					   IntakeAssist *a, const char **by)
{
	if (intake_text_model != NULL && intake_text_model[0] != '\0' && title != NULL)
	{
		char	   *doc = textmodel_document(title, description);

		a->asked = textmodel_best(intake_text_model, "category", doc, strlen(doc), &a->best);
		if (a->asked)
		{
			const RefCategory *cat = refcache_category(a->best.label);

			keep_shown_words(&a->best, doc);
			a->applied = a->best.probability >= intake_suggest_threshold && cat != NULL && cat->active;
			if (a->applied)
			{
				*by = "model";
				return a->best.label;
			}
		}
	}
	*by = "fallback";
	return unclassified_for(refcache_unclassified_category(), source);
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
 * Whether the place found may give the case its grid: one place (not
 * ambiguous), at county level or finer (a city named is no case's grid), and
 * inside the county given with the case, if any (which a client computed
 * without the words: gridgov.case_county(), the inbox, a Citus router).
 */
static bool
place_applies(const IntakeAssist *a, bool has_county, GridCode county)
{
	if (a->ambiguous || gridcode_level(a->place_grid) < GRIDCODE_LEVEL_COUNTY)
		return false;
	return !has_county || gridcode_truncate(a->place_grid, 6) == county;
}

/*
 * The grid of a case with neither location nor grid, from the place its
 * address names, else its title and description: true with *grid when the
 * place applies (above).  The place's name and the term matched are kept for
 * assisted only when the masked text shows the term (mask_address of an
 * address, mask_numbers of the title and description): 金星西路3号院 is not
 * shown of an address whose numbers my_cases stars.
 */
bool
intake_assist_place(const char *address, const char *title, const char *description,
					bool has_county, GridCode county, IntakeAssist *a, GridCode *grid)
{
	MemoryContext cxt = CurrentMemoryContext;
	const char *shown = NULL;

	if (address != NULL && address[0] != '\0' && suggest_area(address, a, cxt))
		shown = mask_address(address, strlen(address));
	else if (title != NULL)
	{
		char	   *doc = textmodel_document(title, description);

		if (suggest_area(doc, a, cxt))
			shown = mask_numbers(doc, strlen(doc));
	}
	a->place_asked = shown != NULL;
	if (!a->place_asked)
		return false;
	if (a->place_matched == NULL || strstr(shown, a->place_matched) == NULL)
		a->place_name = a->place_matched = NULL;
	a->place_applied = place_applies(a, has_county, county);
	if (a->place_applied)
		*grid = a->place_grid;
	return a->place_applied;
}

static void
push_suggestion(JsonbParseState **st, const IntakeAssist *a)
{
	jb_key(st, "suggestion");
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_string(st, "model", intake_text_model);
	jb_string(st, "category", a->best.label);
	jb_float(st, "probability", a->best.probability, 4);
	jb_bool(st, "applied", a->applied);
	jb_strings(st, "words", a->best.words, a->best.nwords);
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

static void
push_place(JsonbParseState **st, const IntakeAssist *a)
{
	char		code[GRIDCODE_MAX_DIGITS + 1];
	int			i;

	jb_key(st, "place");
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	if (a->ambiguous)
	{
		char	  **codes = palloc(Max(a->ncandidates, 1) * sizeof(char *));

		for (i = 0; i < a->ncandidates; i++)
		{
			codes[i] = palloc(GRIDCODE_MAX_DIGITS + 1);
			gridcode_to_cstring(a->candidates[i], codes[i]);
		}
		jb_strings(st, "ambiguous", codes, a->ncandidates);
	}
	else
	{
		gridcode_to_cstring(a->place_grid, code);
		jb_string(st, "grid", code);
		jb_bool(st, "applied", a->place_applied);
		jb_string(st, "kind", a->place_kind);
		if (a->place_matched != NULL)
		{
			jb_string(st, "name", a->place_name);
			jb_string(st, "matched", a->place_matched);
		}
	}
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/* cases.assisted: the suggestion and the place, when either was sought; *isnull otherwise. */
Datum
intake_assist_jsonb(const IntakeAssist *a, bool *isnull)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;

	*isnull = !a->asked && !a->place_asked;
	if (*isnull)
		return (Datum) 0;
	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	if (a->asked)
		push_suggestion(&st, a);
	if (a->place_asked)
		push_place(&st, a);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}

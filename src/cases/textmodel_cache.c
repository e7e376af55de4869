/*
 * textmodel_cache.c
 *		The models of gridgov.text_models read once per backend and kept by
 *		name (the cache "text models", dropped when text_models changes;
 *		cache.h), and the suggestions made with them.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cache.h"
#include "owner.h"
#include "plans.h"
#include "textfeatures.h"
#include "textmodel.h"
#include "textmodel_cache.h"

#define TM_MAX_K			1000
#define TM_NAME_LEN			64

static const char *const watched_tables[] = {"text_models", NULL};
static const CacheSpec textmodel_spec = {"text models", watched_tables, NULL, false, false};
static int	textmodel_cache_id = -1;
static MemoryContext models_cxt = NULL;
static HTAB *models = NULL;
static SPIPlanPtr load_plan = NULL;

typedef struct ModelEntry
{
	char		name[TM_NAME_LEN];
	char		target[16];
	TmModel    *model;
} ModelEntry;

void
textmodel_cache_init(void)
{
	textmodel_cache_id = cache_register(&textmodel_spec);
}

static void
reset_models(void)
{
	HASHCTL		ctl;

	if (models_cxt == NULL)
		models_cxt = AllocSetContextCreate(TopMemoryContext, "gridgov text models",
										   ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(models_cxt);
	ctl.keysize = TM_NAME_LEN;
	ctl.entrysize = sizeof(ModelEntry);
	ctl.hcxt = models_cxt;
	models = hash_create("gridgov text models", 8, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

typedef struct LoadArgs
{
	ModelEntry *e;
	const char *name;
	bool		found;
} LoadArgs;

/* The query of load_model(), as the owner of the case history. */
static void
load_as_owner(void *arg)
{
	LoadArgs   *a = arg;
	Datum		name = CStringGetTextDatum(a->name);
	bool		isnull;
	Datum		params;

	plans_keep(&load_plan, "SELECT m.params, m.target FROM gridgov.text_models m WHERE m.name = $1",
			   1, (Oid[]) {TEXTOID});
	plans_execute(load_plan, &name, NULL, true, 1, SPI_OK_SELECT);
	a->found = SPI_processed > 0;
	if (!a->found)
		return;
	params = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "text model \"%s\" has no parameters", a->name);
	strlcpy(a->e->target, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
			sizeof(a->e->target));
	a->e->model = tm_model_read(DatumGetByteaPP(params), models_cxt);
}

/*
 * Reads the model name from gridgov.text_models into entry e (in
 * models_cxt); false if none.  Read as the owner of the case history, like
 * other reference data intake needs (owner.h): a grid worker filing a case
 * may not read the models themselves.
 */
static bool
load_model(ModelEntry *e, const char *name)
{
	LoadArgs	a = {e, name, false};

	owner_spi_as_history_owner(load_as_owner, &a);
	return a.found;
}

/* The entry of a model found, or NULL (missing_ok) / 42704 for one that does not exist. */
static const ModelEntry *
found_model(const ModelEntry *e, const char *name, bool missing_ok)
{
	if (e->model != NULL)
		return e;
	if (missing_ok)
		return NULL;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("text model \"%s\" does not exist", name),
			 errhint("Train it with gridgov.train_text_model().")));
	return NULL;				/* not reached */
}

/*
 * The model name, read on first use.  A name the table lacks is remembered
 * as missing (model NULL) until the table changes: intake asks for its
 * model with every case, and a database that has trained none yet must not
 * pay a query for each.
 */
static const ModelEntry *
lookup_model(const char *name, bool missing_ok)
{
	ModelEntry *e;
	bool		found;
	uint64		token;

	if (strlen(name) >= TM_NAME_LEN)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("text model \"%.*s...\" does not exist", TM_NAME_LEN, name)));
	}
	if (models == NULL || !cache_is_current(textmodel_cache_id))
		reset_models();
	e = hash_search(models, name, HASH_FIND, NULL);
	if (e != NULL)
		return found_model(e, name, missing_ok);
	token = cache_build_start(textmodel_cache_id);
	e = hash_search(models, name, HASH_ENTER, &found);
	e->model = NULL;
	PG_TRY();
	{
		(void) load_model(e, name);
	}
	PG_CATCH();
	{
		hash_search(models, name, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	/* the cache holds what the table had: the models read, name missing or not */
	cache_build_done(textmodel_cache_id, token);
	return found_model(e, name, missing_ok);
}

static void
check_target(const ModelEntry *e, const char *target)
{
	if (strcmp(e->target, target) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("text model \"%s\" predicts %s, not %s", e->name, e->target, target)));
}

static Datum
words_array(char **words, int n)
{
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(words[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * gridgov.text_model_suggest(model, target, text, k): the model's k best
 * labels for the text with their probabilities, and with the first the
 * features that weighed most for it.  No rows for a NULL text.
 */
PG_FUNCTION_INFO_V1(gridgov_text_model_suggest);
Datum
gridgov_text_model_suggest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const ModelEntry *e;
	text	   *doc;
	int			k;
	TmGuess    *guesses;
	char	   *words[TM_BEST_WORDS];
	int			nwords;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the model of a suggestion must not be null")));
	k = PG_ARGISNULL(3) ? -1 : PG_GETARG_INT32(3);
	if (k < 1 || k > TM_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the number of suggestions must be between 1 and %d", TM_MAX_K)));
	InitMaterializedSRF(fcinfo, 0);
	e = lookup_model(text_to_cstring(PG_GETARG_TEXT_PP(0)), false);
	check_target(e, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (PG_ARGISNULL(2) || e->model->nclasses == 0)
		return (Datum) 0;
	doc = PG_GETARG_TEXT_PP(2);
	guesses = palloc(e->model->nclasses * sizeof(TmGuess));
	nwords = tm_predict(e->model, VARDATA_ANY(doc), VARSIZE_ANY_EXHDR(doc), guesses, k, words, TM_BEST_WORDS);
	if (nwords < 0)
		return (Datum) 0;		/* nothing the model knows: no suggestion */
	for (i = 0; i < Min(k, e->model->nclasses); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(e->model->labels[guesses[i].cls]);
		values[1] = Float8GetDatum(guesses[i].probability);
		values[2] = words_array(words, i == 0 ? nwords : 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * The best label of the model name (of target) for a text: false when there
 * is no such model, or one of another target (intake must not stop when an
 * admin retrains the name for departments), or the text has no feature it
 * knows.  The label and words are palloc'd in the caller's context; words
 * (up to TM_BEST_WORDS) are the features that weighed most.
 */
bool
textmodel_best(const char *name, const char *target, const char *text, int len, TextModelBest *best)
{
	const ModelEntry *e = lookup_model(name, true);
	TmGuess    *guesses;
	char	   *words[TM_BEST_WORDS];
	int			i;

	if (e == NULL || e->model->nclasses == 0 || strcmp(e->target, target) != 0)
		return false;
	guesses = palloc(e->model->nclasses * sizeof(TmGuess));
	best->nwords = tm_predict(e->model, text, Min(len, TF_MAX_BYTES), guesses, 1, words, TM_BEST_WORDS);
	if (best->nwords < 0 || !isfinite(guesses[0].probability))
		return false;
	best->label = pstrdup(e->model->labels[guesses[0].cls]);
	best->probability = guesses[0].probability;
	for (i = 0; i < best->nwords; i++)
		best->words[i] = words[i];
	pfree(guesses);
	return true;
}

/*
 * The document of a case a text model reads: its title, a line break, its
 * description (none: empty).  The one form of training (text_model_rows)
 * and of intake.
 */
char *
textmodel_document(const char *title, const char *description)
{
	Size		t = title ? strlen(title) : 0;
	Size		d = description ? strlen(description) : 0;
	char	   *doc = palloc(t + d + 2);

	memcpy(doc, title ? title : "", t);
	doc[t] = '\n';
	memcpy(doc + t + 1, description ? description : "", d);
	doc[t + d + 1] = '\0';
	return doc;
}

/* gridgov.text_model_document(title, description): textmodel_document() in SQL. */
PG_FUNCTION_INFO_V1(gridgov_text_model_document);
Datum
gridgov_text_model_document(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(textmodel_document(text_to_cstring(PG_GETARG_TEXT_PP(0)),
														  PG_ARGISNULL(1) ? NULL
														  : text_to_cstring(PG_GETARG_TEXT_PP(1)))));
}

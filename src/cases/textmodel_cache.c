/*
 * textmodel_cache.c
 *		The models of gridgov.text_models read once per backend and kept by
 *		name (the cache "text models", dropped when text_models changes;
 *		cache.h), and the suggestions made with them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cache.h"
#include "plans.h"
#include "textmodel.h"
#include "textmodel_cache.h"

#define TM_MAX_K			1000
#define TM_WORDS			5
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

/* Reads the model name from gridgov.text_models into entry e (in models_cxt); false if none. */
static bool
load_model(ModelEntry *e, const char *name)
{
	Datum		arg = CStringGetTextDatum(name);
	bool		isnull;
	Datum		params;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plans_keep(&load_plan, "SELECT m.params, m.target FROM gridgov.text_models m WHERE m.name = $1",
			   1, (Oid[]) {TEXTOID});
	plans_execute(load_plan, &arg, NULL, true, 1, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		SPI_finish();
		return false;
	}
	params = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "text model \"%s\" has no parameters", name);
	strlcpy(e->target, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
			sizeof(e->target));
	e->model = tm_model_read(DatumGetByteaPP(params), models_cxt);
	SPI_finish();
	return true;
}

static const ModelEntry *
lookup_model(const char *name)
{
	ModelEntry *e;
	bool		found;
	uint64		token;
	bool		loaded = false;

	if (strlen(name) >= TM_NAME_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("text model \"%.*s...\" does not exist", TM_NAME_LEN, name)));
	if (models == NULL || !cache_is_current(textmodel_cache_id))
		reset_models();
	e = hash_search(models, name, HASH_FIND, NULL);
	if (e != NULL)
		return e;
	token = cache_build_start(textmodel_cache_id);
	e = hash_search(models, name, HASH_ENTER, &found);
	PG_TRY();
	{
		loaded = load_model(e, name);
	}
	PG_CATCH();
	{
		hash_search(models, name, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (!loaded)
		hash_search(models, name, HASH_REMOVE, NULL);
	/* the cache holds what the table had: the models read, none for name */
	cache_build_done(textmodel_cache_id, token);
	if (!loaded)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("text model \"%s\" does not exist", name),
				 errhint("Train it with gridgov.train_text_model().")));
	return e;
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
	char	   *words[TM_WORDS];
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
	e = lookup_model(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	check_target(e, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (PG_ARGISNULL(2) || e->model->nclasses == 0)
		return (Datum) 0;
	doc = PG_GETARG_TEXT_PP(2);
	guesses = palloc(e->model->nclasses * sizeof(TmGuess));
	nwords = tm_predict(e->model, VARDATA_ANY(doc), VARSIZE_ANY_EXHDR(doc), guesses, words, TM_WORDS);
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

/*
 * textmodel_fns.c
 *		The SQL functions of the text models' stored forms (056_text_model.sql):
 *		fitting as an aggregate, classifying texts with a stored form,
 *		describing one.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "textfeatures.h"
#include "textmodel.h"

PG_FUNCTION_INFO_V1(gridgov_text_model_fit_step);
Datum
gridgov_text_model_fit_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TmFit	   *fit = PG_ARGISNULL(0) ? NULL : (TmFit *) PG_GETARG_POINTER(0);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "gridgov_text_model_fit_step called in a non-aggregate context");
	if (fit == NULL)
	{
		int			bits = PG_ARGISNULL(3) ? -1 : PG_GETARG_INT32(3);
		int			variant = PG_ARGISNULL(4) ? -1 :
			tm_variant_code(text_to_cstring(PG_GETARG_TEXT_PP(4)));
		float		alpha = PG_ARGISNULL(5) ? -1.0f : PG_GETARG_FLOAT4(5);

		if (bits < TF_MIN_BITS || bits > TF_MAX_BITS || variant < 0 || !(alpha > 0.0f && alpha <= 100.0f))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid text model parameters"),
					 errdetail("Bits must be between %d and %d, the variant \"complement\" or \"multinomial\" and alpha above 0 and at most 100.",
							   TF_MIN_BITS, TF_MAX_BITS)));
		fit = tm_fit_create(aggcxt, bits, variant, alpha);
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		text	   *doc = PG_GETARG_TEXT_PP(2);

		tm_fit_add(fit, text_to_cstring(PG_GETARG_TEXT_PP(1)), VARDATA_ANY(doc),
				   Min(VARSIZE_ANY_EXHDR(doc), TF_MAX_BYTES));
	}
	PG_RETURN_POINTER(fit);
}

PG_FUNCTION_INFO_V1(gridgov_text_model_fit_final);
Datum
gridgov_text_model_fit_final(PG_FUNCTION_ARGS)
{
	TmFit	   *fit = PG_ARGISNULL(0) ? NULL : (TmFit *) PG_GETARG_POINTER(0);

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "gridgov_text_model_fit_final called in a non-aggregate context");
	if (tm_fit_documents(fit) == 0)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(tm_fit_serialise(fit));
}

/* The first guess for each text of an array (NULL for a NULL text). */
PG_FUNCTION_INFO_V1(gridgov_text_model_classify);
Datum
gridgov_text_model_classify(PG_FUNCTION_ARGS)
{
	TmModel    *m = tm_model_read(PG_GETARG_BYTEA_PP(0), CurrentMemoryContext);
	ArrayType  *docs = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	TmGuess    *guesses = palloc(Max(m->nclasses, 1) * sizeof(TmGuess));

	deconstruct_array(docs, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		text	   *doc;

		if (nulls[i] || m->nclasses == 0)
		{
			nulls[i] = true;
			continue;
		}
		doc = DatumGetTextPP(elems[i]);
		tm_predict(m, VARDATA_ANY(doc), VARSIZE_ANY_EXHDR(doc), guesses, 1, NULL, 0);
		elems[i] = CStringGetTextDatum(m->labels[guesses[0].cls]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, &n, (int[]) {1},
											 TEXTOID, -1, false, TYPALIGN_INT));
}

/* What a stored form holds, as jsonb. */
PG_FUNCTION_INFO_V1(gridgov_text_model_info);
Datum
gridgov_text_model_info(PG_FUNCTION_ARGS)
{
	TmModel    *m = tm_model_read(PG_GETARG_BYTEA_PP(0), CurrentMemoryContext);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"variant\": \"%s\", \"bits\": %d, \"alpha\": %g, "
					 "\"classes\": %d, \"documents\": " INT64_FORMAT ", \"buckets\": %d, \"bytes\": %zu}",
					 TM_VERSION, tm_variant_name(m->variant), m->bits, (double) m->alpha,
					 m->nclasses, m->ndocs, m->nrows, m->bytes);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

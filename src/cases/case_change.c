/*
 * case_change.c
 *		The two versions of an updated case; see case_change.h.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "case_change.h"
#include "gridcode.h"

void
change_init(CaseChange *ch, TriggerData *td)
{
	int			natts;

	ch->desc = RelationGetDescr(td->tg_relation);
	natts = ch->desc->natts;
	ch->attnum = case_columns(td->tg_relation)->attnum;
	ch->oldv = palloc(natts * sizeof(Datum));
	ch->oldn = palloc(natts * sizeof(bool));
	ch->newv = palloc(natts * sizeof(Datum));
	ch->newn = palloc(natts * sizeof(bool));
	ch->replace = palloc0(natts * sizeof(bool));
	ch->maintained = palloc0(natts * sizeof(bool));
	heap_deform_tuple(td->tg_trigtuple, ch->desc, ch->oldv, ch->oldn);
	heap_deform_tuple(td->tg_newtuple, ch->desc, ch->newv, ch->newn);
	ch->old_is_ours = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(td->tg_trigtuple->t_data));
}

bool
change_attr_changed(const CaseChange *ch, int i)
{
	Form_pg_attribute att = TupleDescAttr(ch->desc, i);

	if (ch->oldn[i] != ch->newn[i])
		return true;
	if (ch->oldn[i])
		return false;
	return !datumIsEqual(ch->oldv[i], ch->newv[i], att->attbyval, att->attlen);
}

bool
change_changed(const CaseChange *ch, CaseCol c)
{
	return change_attr_changed(ch, change_ix(ch, c));
}

bool
change_any(const CaseChange *ch)
{
	int			i;

	for (i = 0; i < ch->desc->natts; i++)
		if (!TupleDescAttr(ch->desc, i)->attisdropped && i != change_ix(ch, CC_UPDATED_AT) &&
			change_attr_changed(ch, i))
			return true;
	return false;
}

Datum
change_old(const CaseChange *ch, CaseCol c)
{
	if (ch->oldn[change_ix(ch, c)])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("a stored case has no %s", case_column_name(c))));
	return ch->oldv[change_ix(ch, c)];
}

Datum
change_new(const CaseChange *ch, CaseCol c)
{
	if (ch->newn[change_ix(ch, c)])
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("column %s of a case cannot be NULL", case_column_name(c))));
	return ch->newv[change_ix(ch, c)];
}

char *
change_old_text(const CaseChange *ch, CaseCol c)
{
	return TextDatumGetCString(change_old(ch, c));
}

char *
change_new_text(const CaseChange *ch, CaseCol c)
{
	return TextDatumGetCString(change_new(ch, c));
}

int64
change_case_id(const CaseChange *ch)
{
	return DatumGetInt64(change_old(ch, CC_ID));
}

void
change_set_given(CaseChange *ch, CaseCol c, Datum v, bool isnull)
{
	ch->newv[change_ix(ch, c)] = v;
	ch->newn[change_ix(ch, c)] = isnull;
	ch->replace[change_ix(ch, c)] = true;
}

void
change_set(CaseChange *ch, CaseCol c, Datum v, bool isnull)
{
	change_set_given(ch, c, v, isnull);
	ch->maintained[change_ix(ch, c)] = true;
}

/* The names of the edited columns (not state, updated_at or derived ones). */
static bool
append_edited(const CaseChange *ch, StringInfo buf)
{
	bool		any = false;
	int			i;

	for (i = 0; i < ch->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(ch->desc, i);

		if (att->attisdropped || ch->maintained[i] || !change_attr_changed(ch, i) ||
			i == change_ix(ch, CC_STATE) || i == change_ix(ch, CC_UPDATED_AT))
			continue;
		appendStringInfoString(buf, any ? ", " : "");
		escape_json(buf, NameStr(att->attname));
		any = true;
	}
	return any;
}

/* {"changed": [...], "department_id": new, "grid": new}, or NULL when nothing is edited. */
static char *
edit_payload_text(const CaseChange *ch)
{
	StringInfoData buf;
	bool		any;
	bool		dept = change_changed(ch, CC_DEPARTMENT);
	bool		grid = change_changed(ch, CC_GRID);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"changed\": [");
	any = append_edited(ch, &buf);
	appendStringInfoString(&buf, "]");
	if (dept && !ch->newn[change_ix(ch, CC_DEPARTMENT)])
		appendStringInfo(&buf, ", \"department_id\": " INT64_FORMAT,
						 DatumGetInt64(ch->newv[change_ix(ch, CC_DEPARTMENT)]));
	if (grid && ch->newn[change_ix(ch, CC_GRID)])
		appendStringInfoString(&buf, ", \"grid\": null");
	else if (grid)
	{
		char		code[GRIDCODE_MAX_DIGITS + 1];

		gridcode_to_cstring(DatumGetGridCode(ch->newv[change_ix(ch, CC_GRID)]), code);
		appendStringInfo(&buf, ", \"grid\": \"%s\"", code);
	}
	appendStringInfoChar(&buf, '}');
	return (any || dept || grid) ? buf.data : NULL;
}

Jsonb *
change_event_payload(const CaseChange *ch, Jsonb *action_payload)
{
	char	   *text = edit_payload_text(ch);
	Jsonb	   *edits = text ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text))) : NULL;

	if (action_payload == NULL)
		return edits;
	if (edits == NULL)
		return action_payload;
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(action_payload),
											  JsonbPGetDatum(edits)));
}

HeapTuple
change_new_tuple(const CaseChange *ch, HeapTuple newtuple)
{
	return heap_modify_tuple(newtuple, ch->desc, ch->newv, ch->newn, ch->replace);
}

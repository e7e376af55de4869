/*
 * payload.c
 *		Reading the keys of an action's payload; see payload.h.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "payload.h"

JsonbValue *
payload_value(Jsonb *payload, const char *key)
{
	JsonbValue	k;

	if (payload == NULL || !JB_ROOT_IS_OBJECT(payload))
		return NULL;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(&payload->root, JB_FOBJECT, &k);
}

char *
payload_scalar(Jsonb *payload, const char *key)
{
	JsonbValue *v = payload_value(payload, key);

	if (v == NULL)
		return NULL;
	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	if (v->type == jbvNumeric)
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	if (v->type == jbvBool)
		return pstrdup(v->val.boolean ? "true" : "false");
	return NULL;
}

bool
payload_is_array(Jsonb *payload, const char *key)
{
	JsonbValue *v = payload_value(payload, key);

	return v != NULL && v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

/*
 * jsonbuild.c
 *		Building a jsonb value in C, key by key; see jsonbuild.h.  Used by the
 *		intake event's payload (intake_finish.c) and the evidence of assisted
 *		intake (intake_assist.c).
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "jsonbuild.h"

void
jb_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

static void
string_value(JsonbValue *v, const char *value)
{
	if (value == NULL)
		v->type = jbvNull;
	else
	{
		v->type = jbvString;
		v->val.string.val = (char *) value;
		v->val.string.len = strlen(value);
	}
}

void
jb_string(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	jb_key(st, key);
	string_value(&v, value);
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

void
jb_bool(JsonbParseState **st, const char *key, bool value)
{
	JsonbValue	v;

	jb_key(st, key);
	v.type = jbvBool;
	v.val.boolean = value;
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

void
jb_int64(JsonbParseState **st, const char *key, int64 value)
{
	JsonbValue	v;

	jb_key(st, key);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(value);
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

void
jb_float(JsonbParseState **st, const char *key, double value, int digits)
{
	JsonbValue	v;

	jb_key(st, key);
	v.type = jbvNumeric;
	v.val.numeric = int64_div_fast_to_numeric((int64) llround(value * pow(10.0, digits)), digits);
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

void
jb_strings(JsonbParseState **st, const char *key, char *const *values, int n)
{
	JsonbValue	v;
	int			i;

	jb_key(st, key);
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		string_value(&v, values[i]);
		(void) pushJsonbValue(st, WJB_ELEM, &v);
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

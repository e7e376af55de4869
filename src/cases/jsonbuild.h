/*
 * jsonbuild.h
 *		Building a jsonb value in C, key by key (jsonbuild.c), without
 *		printing and parsing text.
 */
#ifndef GRIDGOV_JSONBUILD_H
#define GRIDGOV_JSONBUILD_H

#include "postgres.h"

#include "utils/jsonb.h"

extern void jb_key(JsonbParseState **st, const char *key);
/* key: a string, or null for NULL. */
extern void jb_string(JsonbParseState **st, const char *key, const char *value);
extern void jb_bool(JsonbParseState **st, const char *key, bool value);
extern void jb_int64(JsonbParseState **st, const char *key, int64 value);
/* key: a number rounded to digits decimals (a finite value of at most 15 digits before them). */
extern void jb_float(JsonbParseState **st, const char *key, double value, int digits);
/* key: an array of the n strings. */
extern void jb_strings(JsonbParseState **st, const char *key, char *const *values, int n);

#endif							/* GRIDGOV_JSONBUILD_H */

/*
 * payload.h
 *		Reading the keys of an action's payload (a jsonb object), as the
 *		engine, the requests and the history import need them.
 */
#ifndef GRIDGOV_PAYLOAD_H
#define GRIDGOV_PAYLOAD_H

#include "postgres.h"

#include "utils/jsonb.h"

/* The value of key in payload; NULL when payload is NULL, not an object, or has no such key. */
extern JsonbValue *payload_value(Jsonb *payload, const char *key);

/*
 * The value of key as ->> gives a scalar: a string, a number or a boolean as
 * text; NULL for a JSON null, an array or object, or no such key.
 */
extern char *payload_scalar(Jsonb *payload, const char *key);

/* Whether the value of key is a JSON array. */
extern bool payload_is_array(Jsonb *payload, const char *key);

#endif							/* GRIDGOV_PAYLOAD_H */

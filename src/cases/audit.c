/*
 * audit.c
 *		Hashing of case events; see audit.h.
 *
 * Canonical bytes of an event (version 1): the ASCII tag "gridgov-event-v1",
 * then each field as a 4-byte big-endian length and its bytes, or the length
 * 0xFFFFFFFF for NULL, in this order: county (digits), case id (decimal), seq
 * (decimal), time (microseconds since 2000-01-01 00:00 UTC, decimal — no time
 * zone enters), actor role, actor staff id (decimal), action, from state, to
 * state, note, payload (jsonb's text form, which is canonical: keys sorted,
 * one spelling per value).  The same function backs the triggers that append
 * events and gridgov.verify_history(), so the two cannot disagree.
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "audit.h"

#define AUDIT_TAG		"gridgov-event-v1"
#define AUDIT_NULL_LEN	0xFFFFFFFFu

const uint8 audit_genesis[AUDIT_HASH_LEN] = {0};

static void
hash_field(pg_cryptohash_ctx *ctx, const char *value)
{
	uint32		len = value ? (uint32) strlen(value) : AUDIT_NULL_LEN;
	uint8		be[4] = {len >> 24, (len >> 16) & 0xFF, (len >> 8) & 0xFF, len & 0xFF};

	if (pg_cryptohash_update(ctx, be, 4) < 0 ||
		(value && pg_cryptohash_update(ctx, (const uint8 *) value, len) < 0))
	{
		const char *why = pstrdup(pg_cryptohash_error(ctx));

		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not hash case event: %s", why)));
	}
}

static char *
int64_text(int64 v)
{
	return psprintf(INT64_FORMAT, v);
}

void
audit_event_hash(const uint8 *prev, const CaseEvent *e, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	char		county[GRIDCODE_MAX_DIGITS + 1];

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, prev, AUDIT_HASH_LEN) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) AUDIT_TAG, strlen(AUDIT_TAG)) < 0)
	{
		if (ctx)
			pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not start hashing a case event")));
	}
	gridcode_to_cstring(e->county, county);
	hash_field(ctx, county);
	hash_field(ctx, int64_text(e->case_id));
	hash_field(ctx, int64_text(e->seq));
	hash_field(ctx, int64_text(e->at));
	hash_field(ctx, e->actor_role);
	hash_field(ctx, e->has_staff ? int64_text(e->actor_staff_id) : NULL);
	hash_field(ctx, e->action);
	hash_field(ctx, e->from_state);
	hash_field(ctx, e->to_state);
	hash_field(ctx, e->note);
	hash_field(ctx, e->payload);
	if (pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN) < 0)
	{
		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not finish hashing a case event")));
	}
	pg_cryptohash_free(ctx);
}

static const char *
text_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * gridgov.event_hash(prev, county, case_id, seq, at, actor_role,
 * actor_staff_id, action, from_state, to_state, note, payload)
 */
PG_FUNCTION_INFO_V1(gridgov_event_hash);
Datum
gridgov_event_hash(PG_FUNCTION_ARGS)
{
	CaseEvent	e;
	bytea	   *prev;
	bytea	   *result;
	int			i;

	for (i = 0; i <= 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("event_hash: prev, county, case_id, seq and at must not be NULL")));
	prev = PG_GETARG_BYTEA_PP(0);
	if (VARSIZE_ANY_EXHDR(prev) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("event_hash: prev must be %d bytes, not %d",
						AUDIT_HASH_LEN, (int) VARSIZE_ANY_EXHDR(prev))));
	e.county = PG_GETARG_INT64(1);
	e.case_id = PG_GETARG_INT64(2);
	e.seq = PG_GETARG_INT32(3);
	e.at = PG_GETARG_TIMESTAMPTZ(4);
	e.actor_role = PG_ARGISNULL(5) ? NULL : NameStr(*PG_GETARG_NAME(5));
	e.has_staff = !PG_ARGISNULL(6);
	e.actor_staff_id = e.has_staff ? PG_GETARG_INT64(6) : 0;
	e.action = text_arg(fcinfo, 7);
	e.from_state = text_arg(fcinfo, 8);
	e.to_state = text_arg(fcinfo, 9);
	e.note = text_arg(fcinfo, 10);
	e.payload = PG_ARGISNULL(11) ? NULL :
		JsonbToCString(NULL, &PG_GETARG_JSONB_P(11)->root, VARSIZE(PG_GETARG_JSONB_P(11)));

	result = palloc(VARHDRSZ + AUDIT_HASH_LEN);
	SET_VARSIZE(result, VARHDRSZ + AUDIT_HASH_LEN);
	audit_event_hash((const uint8 *) VARDATA_ANY(prev), &e, (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

bytea *
audit_hash_bytea(const uint8 *hash)
{
	bytea	   *b = palloc(VARHDRSZ + AUDIT_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(b), hash, AUDIT_HASH_LEN);
	return b;
}

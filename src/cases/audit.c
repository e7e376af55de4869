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
 * events and gridgov.verify_history(), so the two cannot disagree.  The
 * length-prefixed fields are written by audit_hash_field(), which the seals
 * (seal.c) use too.
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
hash_failed(AuditHasher *h)
{
	const char *why = h->ctx ? pstrdup(pg_cryptohash_error(h->ctx)) : "out of memory";

	if (h->ctx)
		pg_cryptohash_free(h->ctx);
	h->ctx = NULL;
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not hash %s: %s", h->what, why)));
}

void
audit_hasher_start(AuditHasher *h, const char *what)
{
	h->what = what;
	h->ctx = pg_cryptohash_create(PG_SHA256);
	if (h->ctx == NULL || pg_cryptohash_init(h->ctx) < 0)
		hash_failed(h);
}

void
audit_hash_raw(AuditHasher *h, const void *data, uint32 len)
{
	if (pg_cryptohash_update(h->ctx, (const uint8 *) data, len) < 0)
		hash_failed(h);
}

void
audit_hash_field(AuditHasher *h, const void *data, uint32 len)
{
	uint32		n = data ? len : AUDIT_NULL_LEN;
	uint8		be[4] = {n >> 24, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF};

	audit_hash_raw(h, be, 4);
	if (data)
		audit_hash_raw(h, data, len);
}

void
audit_hash_text(AuditHasher *h, const char *s)
{
	audit_hash_field(h, s, s ? (uint32) strlen(s) : 0);
}

void
audit_hasher_finish(AuditHasher *h, uint8 *out)
{
	if (pg_cryptohash_final(h->ctx, out, AUDIT_HASH_LEN) < 0)
		hash_failed(h);
	pg_cryptohash_free(h->ctx);
	h->ctx = NULL;
}

static char *
int64_text(int64 v)
{
	return psprintf(INT64_FORMAT, v);
}

void
audit_event_hash(const uint8 *prev, const CaseEvent *e, uint8 *out)
{
	AuditHasher h;
	char		county[GRIDCODE_MAX_DIGITS + 1];

	audit_hasher_start(&h, "a case event");
	audit_hash_raw(&h, prev, AUDIT_HASH_LEN);
	audit_hash_raw(&h, AUDIT_TAG, strlen(AUDIT_TAG));
	gridcode_to_cstring(e->county, county);
	audit_hash_text(&h, county);
	audit_hash_text(&h, int64_text(e->case_id));
	audit_hash_text(&h, int64_text(e->seq));
	audit_hash_text(&h, int64_text(e->at));
	audit_hash_text(&h, e->actor_role);
	audit_hash_text(&h, e->has_staff ? int64_text(e->actor_staff_id) : NULL);
	audit_hash_text(&h, e->action);
	audit_hash_text(&h, e->from_state);
	audit_hash_text(&h, e->to_state);
	audit_hash_text(&h, e->note);
	audit_hash_text(&h, e->payload);
	audit_hasher_finish(&h, out);
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

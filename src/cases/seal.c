/*
 * seal.c
 *		Hashing of the daily history seals (gridgov.history_seals).
 *
 * A seal commits to the heads (latest events) of the case histories that
 * changed since the previous seal.  Its canonical bytes (version 1), defined
 * here and nowhere else:
 *
 *	heads chain:	c0 = 32 zero bytes,
 *					ci = sha256(c(i-1) || head i), the heads in key order
 *					(county code, then case id, then seq, ascending), where a
 *					head is the fields county (digits), case id (decimal), seq
 *					(decimal) and the event's 32-byte hash;
 *	seal hash:		sha256("gridgov-seal-v1" || day (YYYY-MM-DD) || prev
 *					(32 bytes) || number of heads (decimal) || c(n)).
 *
 * Every field is written as a 4-byte big-endian length and its bytes by
 * audit_hash_field(), as in the event hashes (audit.c).  The heads chain is
 * the aggregate gridgov.seal_heads_digest(), which refuses heads out of key
 * order, and the seal hash gridgov.seal_hash(); the SQL of
 * src/sql/059_history.sql only combines the two.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"

#include "audit.h"
#include "gridcode.h"

#define SEAL_TAG	"gridgov-seal-v1"

/* State of gridgov.seal_heads_digest(): the chain so far and the last key. */
typedef struct SealDigest
{
	uint8		chain[AUDIT_HASH_LEN];
	int64		heads;
	GridCode	county;
	int64		case_id;
	int32		seq;
} SealDigest;

/* A 32-byte hash argument, or 22023. */
static const uint8 *
hash_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(n);

	if (VARSIZE_ANY_EXHDR(b) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %d bytes, not %d", name, AUDIT_HASH_LEN,
						(int) VARSIZE_ANY_EXHDR(b))));
	return (const uint8 *) VARDATA_ANY(b);
}

/* Whether (county, case_id, seq) comes after the state's last head. */
static bool
after_last(const SealDigest *s, GridCode county, int64 case_id, int32 seq)
{
	if (county != s->county)
		return county > s->county;
	if (case_id != s->case_id)
		return case_id > s->case_id;
	return seq > s->seq;
}

static SealDigest *
digest_state(FunctionCallInfo fcinfo)
{
	MemoryContext aggctx;
	SealDigest *s;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seal_heads_digest_step() can only be called as an aggregate's transition function")));
	if (!PG_ARGISNULL(0))
		return (SealDigest *) PG_GETARG_POINTER(0);
	s = MemoryContextAllocZero(aggctx, sizeof(SealDigest));
	return s;
}

/*
 * gridgov.seal_heads_digest_step(state, county, case_id, seq, hash): the
 * transition function of gridgov.seal_heads_digest().
 */
PG_FUNCTION_INFO_V1(gridgov_seal_heads_digest_step);
Datum
gridgov_seal_heads_digest_step(PG_FUNCTION_ARGS)
{
	SealDigest *s = digest_state(fcinfo);
	AuditHasher	h;
	GridCode	county;
	int64		case_id;
	int32		seq;
	char		digits[GRIDCODE_MAX_DIGITS + 1];

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a sealed head needs a county, a case id, a seq and a hash")));
	county = PG_GETARG_GRIDCODE(1);
	case_id = PG_GETARG_INT64(2);
	seq = PG_GETARG_INT32(3);
	if (s->heads > 0 && !after_last(s, county, case_id, seq))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sealed heads must be given in key order, each once"),
				 errhint("Call the aggregate with ORDER BY county, case_id, seq.")));
	audit_hasher_start(&h, "a sealed head");
	audit_hash_raw(&h, s->chain, AUDIT_HASH_LEN);
	gridcode_to_cstring(county, digits);
	audit_hash_text(&h, digits);
	audit_hash_text(&h, psprintf(INT64_FORMAT, case_id));
	audit_hash_text(&h, psprintf("%d", seq));
	audit_hash_field(&h, hash_arg(fcinfo, 4, "a sealed head's hash"), AUDIT_HASH_LEN);
	audit_hasher_finish(&h, s->chain);
	s->heads++;
	s->county = county;
	s->case_id = case_id;
	s->seq = seq;
	PG_RETURN_POINTER(s);
}

/* gridgov.seal_heads_digest_final(state): the chain's last value (c0 for no heads). */
PG_FUNCTION_INFO_V1(gridgov_seal_heads_digest_final);
Datum
gridgov_seal_heads_digest_final(PG_FUNCTION_ARGS)
{
	const SealDigest *s = PG_ARGISNULL(0) ? NULL : (const SealDigest *) PG_GETARG_POINTER(0);

	PG_RETURN_BYTEA_P(audit_hash_bytea(s ? s->chain : audit_genesis));
}

/* The day as YYYY-MM-DD, whatever DateStyle says; 22008 outside years 1-9999. */
static char *
day_text(DateADT day)
{
	int			year;
	int			month;
	int			mday;

	if (DATE_NOT_FINITE(day))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a seal's day must be a finite date")));
	j2date(day + POSTGRES_EPOCH_JDATE, &year, &month, &mday);
	if (year < 1 || year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a seal's day must lie in the years 1 to 9999")));
	return psprintf("%04d-%02d-%02d", year, month, mday);
}

/* gridgov.seal_hash(day, prev, heads, heads_digest) */
PG_FUNCTION_INFO_V1(gridgov_seal_hash);
Datum
gridgov_seal_hash(PG_FUNCTION_ARGS)
{
	char	   *day = day_text(PG_GETARG_DATEADT(0));
	const uint8 *prev = hash_arg(fcinfo, 1, "prev");
	int64		heads = PG_GETARG_INT64(2);
	const uint8 *digest = hash_arg(fcinfo, 3, "heads_digest");
	AuditHasher	h;
	uint8		out[AUDIT_HASH_LEN];

	if (heads < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the number of heads must not be negative")));
	audit_hasher_start(&h, "a seal");
	audit_hash_raw(&h, SEAL_TAG, strlen(SEAL_TAG));
	audit_hash_text(&h, day);
	audit_hash_field(&h, prev, AUDIT_HASH_LEN);
	audit_hash_text(&h, psprintf(INT64_FORMAT, heads));
	audit_hash_field(&h, digest, AUDIT_HASH_LEN);
	audit_hasher_finish(&h, out);
	PG_RETURN_BYTEA_P(audit_hash_bytea(out));
}

/*
 * gridgov.local_day(at): the date of at in gridgov.time_zone.  In C because
 * the setting exists only once the module is loaded, which calling this
 * function ensures.
 */
PG_FUNCTION_INFO_V1(gridgov_local_day);
Datum
gridgov_local_day(PG_FUNCTION_ARGS)
{
	const char *zone = GetConfigOption("gridgov.time_zone", false, false);
	Datum		local = DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(zone),
											PG_GETARG_DATUM(0));

	PG_RETURN_DATUM(DirectFunctionCall1(timestamp_date, local));
}

/*
 * callerkey.c
 *		The caller key of repeat callers (重点人群, docs/bi.md; docs/security.md,
 *		The caller key): HMAC-SHA256 of a phone number normalised to its
 *		digits, under a secret of 32 random bytes that only the extension's
 *		owner reads (gridgov.caller_key_secret, src/sql/088_social.sql).
 *
 * Normalising: every character that writes a digit (mask.c: ASCII and
 * full-width digits, Chinese numerals, circled digits ...) becomes its value,
 * everything else is dropped; a mobile number (1 and 10 digits) loses what
 * was written before it: the country code 86 or 0086, a trunk 0 after it or
 * alone.  A number of fewer than 7 digits has no key (it identifies nobody).
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "common/hmac.h"
#include "fmgr.h"
#include "port.h"
#include "utils/builtins.h"

#include "mask.h"

#define CALLER_SECRET_LEN	32
#define CALLER_MIN_DIGITS	7

/* Whether d (digits) is an 11-digit mobile number: 1 and 10 digits. */
static bool
is_mobile(const char *d)
{
	return d[0] == '1' && strlen(d) == 11;
}

/*
 * The mobile number in d when d is one written with a prefix: the country
 * code 0086 or 86, a trunk 0 after it or alone (+86 (0)138..., 0138...); d
 * itself otherwise.
 */
static char *
strip_mobile_prefix(char *d)
{
	static const char *const prefixes[] = {"0086", "86", ""};
	size_t		i;

	for (i = 0; i < lengthof(prefixes); i++)
	{
		size_t		n = strlen(prefixes[i]);
		char	   *rest = d + n;

		if (strncmp(d, prefixes[i], n) != 0)
			continue;
		if (n > 0 && is_mobile(rest))
			return rest;
		if (rest[0] == '0' && is_mobile(rest + 1))
			return rest + 1;
	}
	return d;
}

/*
 * The normalised digits of a phone number (palloc'd), or NULL when it has
 * fewer than CALLER_MIN_DIGITS digits.
 */
static char *
normalise_phone(const char *s, int len)
{
	char	   *d = strip_mobile_prefix(phone_digits(s, len));

	return strlen(d) >= CALLER_MIN_DIGITS ? d : NULL;
}

/* HMAC-SHA256 of data under key into out (PG_SHA256_DIGEST_LENGTH bytes). */
static void
hmac_sha256(const uint8 *key, size_t keylen, const char *data, size_t len, uint8 *out)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_hmac_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
	{
		char	   *why = pstrdup(pg_hmac_error(ctx));

		pg_hmac_free(ctx);
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
						errmsg("could not compute the caller key: %s", why)));
	}
	pg_hmac_free(ctx);
}

/* gridgov.caller_phone_digits(phone text) -> text: the normalised number or NULL. */
PG_FUNCTION_INFO_V1(gridgov_caller_phone_digits);
Datum
gridgov_caller_phone_digits(PG_FUNCTION_ARGS)
{
	text	   *phone;
	char	   *d;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	phone = PG_GETARG_TEXT_PP(0);
	d = normalise_phone(VARDATA_ANY(phone), VARSIZE_ANY_EXHDR(phone));
	if (d == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(d));
}

/*
 * gridgov.caller_hmac(phone text, secret bytea) -> bytea: HMAC-SHA256 of the
 * normalised number under the secret; NULL for a NULL argument or a number
 * without a key.  22023 for a secret that is not 32 bytes long.
 */
PG_FUNCTION_INFO_V1(gridgov_caller_hmac);
Datum
gridgov_caller_hmac(PG_FUNCTION_ARGS)
{
	text	   *phone;
	bytea	   *secret;
	char	   *d;
	bytea	   *out;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	phone = PG_GETARG_TEXT_PP(0);
	secret = PG_GETARG_BYTEA_PP(1);
	if (VARSIZE_ANY_EXHDR(secret) != CALLER_SECRET_LEN)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the caller key secret must be %d bytes long, not %d",
							   CALLER_SECRET_LEN, (int) VARSIZE_ANY_EXHDR(secret)),
						errhint("Make a new one with gridgov.caller_key_rotate().")));
	d = normalise_phone(VARDATA_ANY(phone), VARSIZE_ANY_EXHDR(phone));
	if (d == NULL)
		PG_RETURN_NULL();
	out = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(out, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	hmac_sha256((const uint8 *) VARDATA_ANY(secret), CALLER_SECRET_LEN, d, strlen(d),
				(uint8 *) VARDATA(out));
	PG_RETURN_BYTEA_P(out);
}

/* gridgov.caller_secret_new() -> bytea: 32 bytes from pg_strong_random(). */
PG_FUNCTION_INFO_V1(gridgov_caller_secret_new);
Datum
gridgov_caller_secret_new(PG_FUNCTION_ARGS)
{
	bytea	   *out = palloc(VARHDRSZ + CALLER_SECRET_LEN);

	SET_VARSIZE(out, VARHDRSZ + CALLER_SECRET_LEN);
	if (!pg_strong_random(VARDATA(out), CALLER_SECRET_LEN))
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
						errmsg("could not generate random bytes for the caller key secret")));
	PG_RETURN_BYTEA_P(out);
}

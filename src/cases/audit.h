/*
 * audit.h
 *		The hash chain of case histories (全程留痕): every event of a case
 *		carries sha256(previous hash || canonical bytes of the event).
 */
#ifndef GRIDGOV_AUDIT_H
#define GRIDGOV_AUDIT_H

#include "postgres.h"
#include "common/cryptohash.h"
#include "datatype/timestamp.h"

#include "gridcode.h"

#define AUDIT_HASH_LEN	32

/* One event's hashed content; NULL pointers are SQL NULLs. */
typedef struct CaseEvent
{
	GridCode	county;
	int64		case_id;
	int32		seq;
	TimestampTz at;
	const char *actor_role;
	bool		has_staff;
	int64		actor_staff_id;
	const char *action;
	const char *from_state;
	const char *to_state;
	const char *note;
	const char *payload;		/* jsonb's canonical text output */
} CaseEvent;

/* The chain's first "previous hash": 32 zero bytes. */
extern const uint8 audit_genesis[AUDIT_HASH_LEN];

/*
 * A sha256 being computed over canonical bytes, and what it hashes (for the
 * error message "could not hash <what>").  Every field is written as its
 * length (4 bytes, big-endian) and its bytes; a NULL field as the length
 * 0xFFFFFFFF and no bytes.  The event hashes (below) and the history seals
 * (seal.c) are both written with it.
 */
typedef struct AuditHasher
{
	pg_cryptohash_ctx *ctx;
	const char *what;
} AuditHasher;

extern void audit_hasher_start(AuditHasher *h, const char *what);
/* Bytes as they are (no length): the previous hash, a tag. */
extern void audit_hash_raw(AuditHasher *h, const void *data, uint32 len);
/* One field: data[0..len-1], or NULL. */
extern void audit_hash_field(AuditHasher *h, const void *data, uint32 len);
/* One text field (without its terminating zero), or NULL. */
extern void audit_hash_text(AuditHasher *h, const char *s);
/* The 32-byte digest into out; the hasher is freed. */
extern void audit_hasher_finish(AuditHasher *h, uint8 *out);

/* out = sha256(prev || canonical(e)) */
extern void audit_event_hash(const uint8 *prev, const CaseEvent *e, uint8 *out);

/* A hash as a bytea (palloc'd). */
extern bytea *audit_hash_bytea(const uint8 *hash);

#endif							/* GRIDGOV_AUDIT_H */

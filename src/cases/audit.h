/*
 * audit.h
 *		The hash chain of case histories (全程留痕): every event of a case
 *		carries sha256(previous hash || canonical bytes of the event).
 */
#ifndef GRIDGOV_AUDIT_H
#define GRIDGOV_AUDIT_H

#include "postgres.h"
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

/* out = sha256(prev || canonical(e)) */
extern void audit_event_hash(const uint8 *prev, const CaseEvent *e, uint8 *out);

/* A hash as a bytea (palloc'd). */
extern bytea *audit_hash_bytea(const uint8 *hash);

#endif							/* GRIDGOV_AUDIT_H */

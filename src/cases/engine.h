/*
 * engine.h
 *		The case engine: every effect of a case's change besides its own row,
 *		in one place — the event appended to the hash-chained history (the
 *		outbox the analytics read), and the clocks the change starts, stops,
 *		pauses, moves or cancels; at intake (intake_finish.c, many cases per
 *		statement) and on every update (workflow.c, one case per row).
 *
 * All of it is written as the owner of the case history (owner switch in
 * engine_flush() and engine_clock_effects()), so case roles need no rights
 * on case_events or case_clocks.
 */
#ifndef GRIDGOV_ENGINE_H
#define GRIDGOV_ENGINE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "audit.h"
#include "batch.h"
#include "gridcode.h"
#include "refcache.h"

/* The terminal state of a merged duplicate: it cancels the case's clocks. */
#define ENGINE_MERGED_STATE		"merged"

/* The supervision action (督办): it marks the case supervised (workflow.c). */
#define ENGINE_SUPERVISE_ACTION	"supervise"

/* Events and clock starts of one or many cases, appended together. */
typedef struct EngineBatch
{
	Batch		events;
	Batch		clocks;
	bool		single;			/* one event of one case (a one-row statement) */
} EngineBatch;

/* The case a clock start or clock effect is for. */
typedef struct EngineCase
{
	Datum		county;			/* gridgov.gridcode */
	Oid			county_type;
	int64		case_id;
	const char *category;
	const char *urgency;
	const char *source;
} EngineCase;

/*
 * Prepares a batch for capacity events (and their clocks) in the current
 * memory context; county_type is the type of gridgov.cases.county.
 */
extern void engine_batch_init(EngineBatch *b, Oid county_type, int capacity);

/*
 * Adds event e (payload its jsonb, NULL for none) chained to prev; writes
 * its hash to hash.  The actor fields of e are the caller's.
 */
extern void engine_add_event(EngineBatch *b, const CaseEvent *e, Jsonb *payload,
							 const uint8 *prev, uint8 *hash);

/*
 * Adds the clocks the case starts at time at for the stages (their
 * policies permitting); at intake they are the first of their stage.
 */
extern void engine_add_clocks(EngineBatch *b, const EngineCase *c, int nstages, char **stages,
							  TimestampTz at, bool intake);

static inline bool
engine_batch_full(const EngineBatch *b)
{
	return batch_full(&b->events);
}

/* Appends what the batch holds (as the history's owner) and empties it. */
extern void engine_flush(EngineBatch *b);

/* A workflow action's effects on the case's clocks. */
typedef struct EngineChange
{
	EngineCase	c;
	const RefTransition *t;		/* the action's transition */
	TimestampTz at;				/* the event's time */
	Jsonb	   *payload;		/* the action's payload (extend reads it) */
	int32		seq;			/* the event's seq in the case's history */
	const char *note;			/* the action's note (a request's reason) */
	const char *actor;			/* the role taking the action */
	bool		department_given;	/* the case has a department after the change */
	int64		department_id;	/* ... that one */
	bool		closes;			/* the case closes with this change */
	bool		merged;			/* the case becomes a merged duplicate */
	bool		open_after;		/* the case is open after the change */
} EngineChange;

/*
 * The clock effects of an action (runs as the history's owner): the clocks
 * it stops are met and those it cancels cancelled (an action that keeps the
 * state and only stops clocks, as answer_supervision, must stop one: GG251);
 * the bookkeeping of requests and joint meetings is done (requests.h);
 * suspend and an approved suspension pause the running clocks, resume moves
 * them by the pause's working time, extend and an approved extension move a
 * stage's deadline (GG251 when there is nothing to resume or extend);
 * closing meets the whole clock and cancels the others, merging cancels all,
 * and an open case starts the clocks the action starts.
 */
extern void engine_clock_effects(const EngineChange *ch);

/*
 * A case that closed at closed_at closes the open duplicates merged into it
 * (system action master_closed, payload {master_case_id}).
 */
extern void engine_close_merged(Datum county, Oid county_type, int64 case_id, TimestampTz closed_at);

#endif							/* GRIDGOV_ENGINE_H */

/*
 * requests.h
 *		What the command center decides on, kept beside the case's history:
 *		the holder's requests for an extension or a suspension
 *		(gridgov.case_requests) and the joint meetings on difficult cases
 *		(gridgov.case_meetings).  The engine runs this with an action's clock
 *		effects, as the history's owner (engine.c).
 */
#ifndef GRIDGOV_REQUESTS_H
#define GRIDGOV_REQUESTS_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "engine.h"

/*
 * Whether action files or decides a request or a joint meeting
 * (request_extension, request_suspension, approve_* and refuse_* of them,
 * refer_meeting, decide).
 */
extern bool requests_action(const char *action);

/*
 * The bookkeeping of an action: files the request (GG254 when a
 * decision of the case is pending already; GG251 when the stage to extend
 * has no running clock; GG104 without a reason), records the decision (GG253
 * when nothing of that kind is open), convenes or closes the joint meeting
 * (23503 for a department that is not active, 22023 for a lead department
 * the meeting did not convene; 22023 for an amount or unit out of range);
 * refuses a second supervision while one is unanswered (GG254); cancels the
 * open request and meeting of a case that closes or is merged.  For an
 * approved extension, returns the grant as an extend payload ({stage,
 * amount, unit}); else NULL.
 */
extern Jsonb *requests_apply(const EngineChange *ch);

#endif							/* GRIDGOV_REQUESTS_H */

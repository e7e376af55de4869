/*
 * errcodes.h
 *		gridgov's own SQLSTATEs (class GG), for conditions no standard code
 *		describes.  Every code is listed in docs/errors.md.
 *
 *	GG000-GG099	grids and locate
 *	GG100-GG119	cases and workflows
 *	GG120-GG149	organisation, categories and routing
 *	GG200-GG249	calendars and working time
 *	GG250-GG299	time limits, escalation
 */
#ifndef GRIDGOV_ERRCODES_H
#define GRIDGOV_ERRCODES_H

#include "utils/elog.h"

#define GG_CODE(a, b, c)		MAKE_SQLSTATE('G', 'G', a, b, c)

#define GG_UNKNOWN_CASE			GG_CODE('1', '0', '0')	/* no such case */
#define GG_ILLEGAL_TRANSITION	GG_CODE('1', '0', '1')	/* action not allowed in this state */
#define GG_ROLE_DENIED			GG_CODE('1', '0', '2')	/* current role may not take the action */
#define GG_AMBIGUOUS_CHANGE		GG_CODE('1', '0', '3')	/* raw state change matches several actions */
#define GG_MISSING_PAYLOAD		GG_CODE('1', '0', '4')	/* action needs values that are missing */
#define GG_MAINTAINED_COLUMN	GG_CODE('1', '0', '5')	/* column maintained by gridgov */
#define GG_HISTORY_APPEND_ONLY	GG_CODE('1', '0', '6')	/* case history is append-only */
#define GG_NO_COUNTY			GG_CODE('1', '0', '7')	/* unlocated and no home county */
#define GG_INACTIVE_CATEGORY	GG_CODE('1', '0', '8')	/* category not active */
#define GG_CASE_NOT_DELETABLE	GG_CODE('1', '0', '9')	/* cases are never deleted */
#define GG_BAD_MERGE			GG_CODE('1', '1', '0')	/* merge not possible */
#define GG_TIME_BACKWARDS		GG_CODE('1', '1', '1')	/* event earlier than the previous one */
#define GG_TIME_IN_FUTURE		GG_CODE('1', '1', '2')	/* beyond gridgov.future_tolerance */
#define GG_UNKNOWN_CATEGORY		GG_CODE('1', '2', '1')	/* shared with gridgov.route() */
#define GG_NO_CLOCK				GG_CODE('2', '5', '1')	/* no clock to resume or extend */
#define GG_NOTHING_TO_DECIDE	GG_CODE('2', '5', '3')	/* no open request or meeting to decide */
#define GG_DECISION_PENDING		GG_CODE('2', '5', '4')	/* a request or meeting awaits a decision */

/* Warnings (class 01, warning; subclass GGn) */
#define GG_PROVISIONAL_DEADLINE	MAKE_SQLSTATE('0', '1', 'G', 'G', '2')	/* deadline past the calendar horizon */

#endif							/* GRIDGOV_ERRCODES_H */

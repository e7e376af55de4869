/*
 * w3c.h
 *		W3C date-times (w3c.c): gridgov.w3c_time() and its C form, used by
 *		gridgov.open311_json() (src/cases/open311.c).
 */
#ifndef GRIDGOV_W3C_H
#define GRIDGOV_W3C_H

#include "datatype/timestamp.h"

/* t in the zone (a text Datum, as AT TIME ZONE takes it); NULL for an infinite t. */
extern text *w3c_time_text(TimestampTz t, Datum zone);

#endif

/*
 * contact.h
 *		Citizens' contact data in gridgov.cases: which columns they are, the
 *		case row as a caller may see it, and gridgov.reveal_contact()
 *		(docs/security.md, Citizens' contact data).
 */
#ifndef GRIDGOV_CONTACT_H
#define GRIDGOV_CONTACT_H

#include "postgres.h"

/*
 * The case (county of type county_type, id) as a row of gridgov.cases, read
 * as the owner of the history, with its contact columns masked unless the
 * caller may SELECT every one of them.  SPI must be connected.
 */
extern Datum contact_case_for_caller(Datum county, Oid county_type, int64 case_id);

#endif							/* GRIDGOV_CONTACT_H */

/*
 * restore.c
 *		Cases that arrive complete from a dump.
 *
 * pg_dump writes gridgov.cases, case_events and case_clocks as they are, and
 * pg_restore (or psql with a plain dump) COPYs them back; the intake trigger
 * (intake.c) lets a complete row in unchanged when the inserting role owns
 * the table or is a superuser, and notes it here, so that the intake
 * statement trigger (intake_finish.c) appends no intake event and starts no
 * clock for it.  The notes live until the statement trigger takes them, and
 * are dropped with the transaction or an aborted subtransaction.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "restore.h"

typedef struct RestoredKey
{
	GridCode	county;
	int64		case_id;
} RestoredKey;

static HTAB *restored = NULL;
static bool callbacks_registered = false;

static void
restore_forget(void)
{
	if (restored != NULL)
		hash_destroy(restored);
	restored = NULL;
}

static void
restore_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		restore_forget();
}

static void
restore_subxact_callback(SubXactEvent event, SubTransactionId mySubid pg_attribute_unused(),
						 SubTransactionId parentSubid pg_attribute_unused(),
						 void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		restore_forget();
}

bool
restore_allowed(Oid owner_role)
{
	return superuser() || has_privs_of_role(GetUserId(), owner_role);
}

void
restore_note_case(GridCode county, int64 case_id)
{
	RestoredKey key;

	if (!callbacks_registered)
	{
		RegisterXactCallback(restore_xact_callback, NULL);
		RegisterSubXactCallback(restore_subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (restored == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(RestoredKey);
		ctl.entrysize = sizeof(RestoredKey);
		ctl.hcxt = TopMemoryContext;
		restored = hash_create("gridgov restored cases", 1024, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	key.county = county;
	key.case_id = case_id;
	(void) hash_search(restored, &key, HASH_ENTER, NULL);
}

bool
restore_take_case(GridCode county, int64 case_id)
{
	RestoredKey key;
	bool		found;

	if (restored == NULL)
		return false;
	memset(&key, 0, sizeof(key));
	key.county = county;
	key.case_id = case_id;
	(void) hash_search(restored, &key, HASH_REMOVE, &found);
	return found;
}

/*
 * gridgov.c
 *		Module entry point of the gridgov extension.
 *
 * Each concern lives in its own file (gridcode*.c, ...); this file only holds
 * the module magic and _PG_init, which asks every module to register its
 * settings and its caches (with the registry, cache.c).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "case_columns.h"
#include "case_time.h"
#include "gridgov.h"
#include "intake.h"
#include "intake_assist.h"
#include "locate.h"
#include "notify.h"
#include "patrol.h"
#include "pgis.h"
#include "refcache.h"
#include "textmodel_cache.h"
#include "sla_clocks.h"
#include "act.h"
#include "scope.h"
#include "shards.h"
#include "sensors.h"

PG_MODULE_MAGIC;

/*
 * gridgov.analytics_sync is read by the analytics' update trigger (SQL,
 * 081_analytics_summaries.sql) and by the intake statement trigger
 * (intake_finish.c), which refresh the changed cases at once when it is on.
 */
bool		gridgov_analytics_sync = false;

/* gridgov.analytics_sync(): the setting, for the WHEN clauses of the triggers. */
PG_FUNCTION_INFO_V1(gridgov_analytics_sync_setting);
Datum
gridgov_analytics_sync_setting(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gridgov_analytics_sync);
}

void
_PG_init(void)
{
	DefineCustomBoolVariable("gridgov.analytics_sync",
							 "Refreshes the analytics of changed cases inside the writing transaction.",
							 "Off (the default), gridgov.analytics_refresh_pending() (the gridgov-analytics job, "
							 "every minute) reads the changes from the case history and refreshes them.",
							 &gridgov_analytics_sync, false, PGC_USERSET, 0, NULL, NULL, NULL);
	pgis_init();
	locate_init();
	case_columns_init();
	case_time_init();
	refcache_init();
	textmodel_cache_init();
	sla_clocks_init();
	intake_init();
	intake_assist_init();
	act_init();
	notify_init();
	scope_init();
	shards_init();
	worktime_init();
	sensors_init();
	patrol_init();
}

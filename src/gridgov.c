/*
 * gridgov.c
 *		Module entry point of the gridgov extension.
 *
 * Each concern lives in its own file (gridcode*.c, ...); this file only holds
 * the module magic and _PG_init, which asks every module to register its
 * settings and callbacks.
 */
#include "postgres.h"

#include "fmgr.h"

#include "gridgov.h"
#include "intake.h"
#include "locate.h"
#include "refcache.h"
#include "workflow.h"
#include "worktime.h"

PG_MODULE_MAGIC;

void
_PG_init(void)
{
	locate_init();
	refcache_init();
	intake_init();
	workflow_init();
	worktime_init();
}

/*
 * gridgov.h
 *		Declarations shared across gridgov's C modules.
 */
#ifndef GRIDGOV_H
#define GRIDGOV_H

#include "postgres.h"

extern void _PG_init(void);

/* GUC gridgov.analytics_sync */
extern bool gridgov_analytics_sync;

#endif							/* GRIDGOV_H */

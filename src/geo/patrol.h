/*
 * patrol.h
 *		The intake check of grid workers' patrol fixes (patrol.c).
 */
#ifndef GRIDGOV_PATROL_H
#define GRIDGOV_PATROL_H

/* Registers the patrol cache and its transaction callback (_PG_init). */
extern void patrol_init(void);

#endif							/* GRIDGOV_PATROL_H */

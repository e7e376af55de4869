/*
 * sensors.h
 *		The readings' trigger: quarantine of bad readings, the devices' rules
 *		run in memory, their states written once per statement.
 */
#ifndef GRIDGOV_SENSORS_H
#define GRIDGOV_SENSORS_H

/* Registers the caches and the transaction callbacks; called from _PG_init. */
extern void sensors_init(void);

#endif							/* GRIDGOV_SENSORS_H */

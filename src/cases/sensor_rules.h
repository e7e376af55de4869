/*
 * sensor_rules.h
 *		The state machine of a device's rule (gridgov.sensor_rules): one step
 *		per reading, in memory, no SQL.  sensors.c keeps the states and acts
 *		on the events; gridgov.sensor_rule_eval() runs the same steps on
 *		arrays.  docs/sensors.md gives the semantics with examples.
 */
#ifndef GRIDGOV_SENSOR_RULES_H
#define GRIDGOV_SENSOR_RULES_H

#include "postgres.h"

#include "datatype/timestamp.h"

typedef enum SensorCondition
{
	SC_ABOVE,
	SC_BELOW,
	SC_RATE,
	SC_STUCK
} SensorCondition;

typedef enum SensorPhase
{
	SP_IDLE,
	SP_PENDING,
	SP_FIRING
} SensorPhase;

typedef enum SensorEvent
{
	SE_NONE,
	SE_FIRE,
	SE_PEAK,
	SE_CLEAR
} SensorEvent;

typedef struct SensorRule
{
	int64		id;
	SensorCondition cond;
	double		threshold;
	double		hysteresis;
	double		peak_step;
	int64		duration_us;
	int64		window_us;
} SensorRule;

typedef struct SensorState
{
	SensorPhase phase;
	bool		has_since;
	TimestampTz since;			/* pending/firing: first reading of the condition;
								 * stuck: start of the run */
	bool		has_ref;
	double		ref_value;		/* stuck: value of the run */
	bool		has_last;
	TimestampTz last_at;
	double		last_value;
	bool		has_peak;
	double		peak;
	TimestampTz peak_at;
} SensorState;

typedef struct SensorStep
{
	SensorEvent event;
	double		measure;		/* the value, or the rate per minute */
	TimestampTz since;			/* SE_FIRE: when the condition started */
} SensorStep;

/* The phase's name in gridgov.sensor_rule_state, and back (-1: unknown). */
extern const char *sensor_phase_name(SensorPhase p);
extern int	sensor_phase_parse(const char *name);

/* The condition of a name (-1: unknown). */
extern int	sensor_condition_parse(const char *name);

/*
 * 22023 when the rule's values are out of the ranges gridgov.sensor_rules
 * allows.
 */
extern void sensor_rule_check(const SensorRule *r);

/*
 * Runs a reading through the rule: updates *s, sets *out.  Returns false,
 * changing nothing, for a reading earlier than the last one evaluated.
 */
extern bool sensor_rule_step(const SensorRule *r, SensorState *s, TimestampTz at, double v,
							 SensorStep *out);

#endif							/* GRIDGOV_SENSOR_RULES_H */

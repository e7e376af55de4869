/*
 * sensor_rules.c
 *		The state machine of a device's rule; see sensor_rules.h.
 *
 * above, below and rate: the condition is "on" at a reading beyond the
 * threshold (value > threshold, value < threshold, rate >= threshold when
 * the threshold is positive or <= threshold when it is negative).  An idle
 * rule becomes pending at an "on" reading (since = its time) and fires at
 * the first "on" reading at least duration after since (at once when the
 * duration is 0); a reading that is not "on" sets a pending rule back to
 * idle.  A firing rule clears only at a reading past the threshold by more
 * than the hysteresis on the other side (value < threshold - hysteresis,
 * ...); until then each reading beyond the last recorded peak by more than
 * peak_step is a new peak.  The rate is the change per minute from the
 * previous reading, when that is at most rate_window earlier; without one
 * (a first reading, a gap) a pending rule goes back to idle and a firing
 * one stays as it is.
 * stuck: a run starts at a reading more than threshold away from the run's
 * value; the rule fires at a reading of the run at least duration after its
 * start and clears at the reading that ends the run.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "sensor_rules.h"

static const char *const phase_names[] = {"idle", "pending", "firing"};
static const char *const condition_names[] = {"above", "below", "rate", "stuck"};

const char *
sensor_phase_name(SensorPhase p)
{
	return phase_names[p];
}

/* The index of name in names[0..n-1], or -1. */
static int
name_index(const char *const *names, int n, const char *name)
{
	int			i;

	for (i = 0; i < n; i++)
		if (name != NULL && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int
sensor_phase_parse(const char *name)
{
	return name_index(phase_names, lengthof(phase_names), name);
}

int
sensor_condition_parse(const char *name)
{
	return name_index(condition_names, lengthof(condition_names), name);
}

void
sensor_rule_check(const SensorRule *r)
{
	const char *problem = NULL;

	if (!isfinite(r->threshold) || !isfinite(r->hysteresis) || !isfinite(r->peak_step))
		problem = "threshold, hysteresis and peak_step must be finite";
	else if (r->hysteresis < 0 || r->peak_step < 0)
		problem = "hysteresis and peak_step must not be negative";
	else if (r->duration_us < 0 || r->duration_us > 30 * USECS_PER_DAY)
		problem = "duration must be between 0 and 30 days";
	else if (r->window_us <= 0 || r->window_us > USECS_PER_DAY)
		problem = "rate_window must be more than 0 and at most 1 day";
	else if (r->cond == SC_RATE && r->threshold == 0)
		problem = "the threshold of a rate rule must not be 0";
	else if (r->cond == SC_STUCK && (r->threshold < 0 || r->duration_us == 0))
		problem = "a stuck rule needs a threshold >= 0 and a duration > 0";
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bad sensor rule: %s", problem)));
}

/* Whether m lies beyond the threshold (the condition holds). */
static bool
is_on(const SensorRule *r, double m)
{
	switch (r->cond)
	{
		case SC_ABOVE:
			return m > r->threshold;
		case SC_BELOW:
			return m < r->threshold;
		default:
			return r->threshold > 0 ? m >= r->threshold : m <= r->threshold;
	}
}

/* Whether m lies back past the threshold by more than the hysteresis. */
static bool
is_cleared(const SensorRule *r, double m)
{
	switch (r->cond)
	{
		case SC_ABOVE:
			return m < r->threshold - r->hysteresis;
		case SC_BELOW:
			return m > r->threshold + r->hysteresis;
		default:
			return r->threshold > 0 ? m < r->threshold - r->hysteresis
				: m > r->threshold + r->hysteresis;
	}
}

/* Whether m is a new peak: beyond the last one by more than peak_step. */
static bool
is_new_peak(const SensorRule *r, const SensorState *s, double m)
{
	bool		up = r->cond == SC_ABOVE || (r->cond == SC_RATE && r->threshold > 0);

	if (!s->has_peak)
		return true;
	return up ? m > s->peak + r->peak_step : m < s->peak - r->peak_step;
}

/*
 * Whether to lies at least us after from (to >= from): the difference of two
 * timestamps 4713 BC and 294276 AD apart overflows int64, and is then more
 * than any duration.
 */
static bool
elapsed_at_least(TimestampTz from, TimestampTz to, int64 us)
{
	int64		d;

	if (pg_sub_s64_overflow(to, from, &d))
		return to > from;
	return d >= us;
}

static void
fire(SensorState *s, TimestampTz at, double m, SensorStep *out)
{
	s->phase = SP_FIRING;
	s->has_peak = true;
	s->peak = m;
	s->peak_at = at;
	out->event = SE_FIRE;
	out->since = s->since;
}

/* above, below, rate: the measure m of the reading at (known: a rate could be measured). */
static void
step_threshold(const SensorRule *r, SensorState *s, TimestampTz at, double m, bool known, SensorStep *out)
{
	bool		on = known && is_on(r, m);

	if (s->phase == SP_FIRING)
	{
		if (known && is_cleared(r, m))
		{
			s->phase = SP_IDLE;
			s->has_since = s->has_peak = false;
			out->event = SE_CLEAR;
		}
		else if (on && is_new_peak(r, s, m))
		{
			s->peak = m;
			s->peak_at = at;
			out->event = SE_PEAK;
		}
		return;
	}
	if (!on)
	{
		s->phase = SP_IDLE;
		s->has_since = false;
		return;
	}
	if (s->phase == SP_IDLE)
	{
		s->phase = SP_PENDING;
		s->has_since = true;
		s->since = at;
	}
	if (elapsed_at_least(s->since, at, r->duration_us))
		fire(s, at, m, out);
}

/* stuck: the run of unchanged values. */
static void
step_stuck(const SensorRule *r, SensorState *s, TimestampTz at, double v, SensorStep *out)
{
	if (!s->has_ref || fabs(v - s->ref_value) > r->threshold)
	{
		s->has_ref = s->has_since = true;
		s->ref_value = v;
		s->since = at;
		if (s->phase == SP_FIRING)
		{
			s->phase = SP_IDLE;
			s->has_peak = false;
			out->event = SE_CLEAR;
		}
		return;
	}
	if (s->phase != SP_FIRING && elapsed_at_least(s->since, at, r->duration_us))
		fire(s, at, v, out);
}

bool
sensor_rule_step(const SensorRule *r, SensorState *s, TimestampTz at, double v, SensorStep *out)
{
	double		m = v;
	bool		known = true;

	out->event = SE_NONE;
	out->measure = v;
	out->since = 0;
	if (s->has_last && at < s->last_at)
		return false;
	if (r->cond == SC_STUCK)
		step_stuck(r, s, at, v, out);
	else
	{
		if (r->cond == SC_RATE)
		{
			known = s->has_last && at > s->last_at && !elapsed_at_least(s->last_at, at, r->window_us + 1);
			m = known ? (v - s->last_value) * 60.0e6 / (double) (at - s->last_at) : 0;
			out->measure = m;
		}
		step_threshold(r, s, at, m, known, out);
	}
	s->has_last = true;
	s->last_at = at;
	s->last_value = v;
	return true;
}

/*
 * An interval as microseconds (a day 24 hours, a month 30 days); beyond a
 * century either way, a century (sensor_rule_check refuses it).
 */
static int64
interval_us(Interval *iv)
{
	const int64 century = (int64) 36525 * USECS_PER_DAY;
	double		us = (double) iv->time + ((double) iv->day + (double) iv->month * DAYS_PER_MONTH) * USECS_PER_DAY;

	if (us > (double) century)
		return century;
	if (us < (double) -century)
		return -century;
	return (int64) us;
}

/* The rule of gridgov.sensor_rule_eval's arguments 0-5. */
static void
eval_rule(FunctionCallInfo fcinfo, SensorRule *r)
{
	int			c = sensor_condition_parse(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	if (c < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("condition must be above, below, rate or stuck")));
	r->id = 0;
	r->cond = (SensorCondition) c;
	r->threshold = PG_GETARG_FLOAT8(1);
	r->hysteresis = PG_GETARG_FLOAT8(2);
	r->duration_us = interval_us(PG_GETARG_INTERVAL_P(3));
	r->window_us = interval_us(PG_GETARG_INTERVAL_P(4));
	r->peak_step = PG_GETARG_FLOAT8(5);
	sensor_rule_check(r);
}

static const char *const event_names[] = {NULL, "fire", "peak", "clear"};

/* One output row of gridgov.sensor_rule_eval. */
static void
eval_row(ReturnSetInfo *rsinfo, TimestampTz at, double v, const SensorState *s, const SensorStep *st)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, false, st->event == SE_NONE, st->event == SE_NONE};

	values[0] = TimestampTzGetDatum(at);
	values[1] = Float8GetDatum(v);
	values[2] = CStringGetTextDatum(sensor_phase_name(s->phase));
	values[3] = st->event == SE_NONE ? (Datum) 0 : CStringGetTextDatum(event_names[st->event]);
	values[4] = Float8GetDatum(st->measure);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * gridgov.sensor_rule_eval(condition, threshold, hysteresis, duration,
 * rate_window, peak_step, ats, vals): the readings through the rule.
 */
PG_FUNCTION_INFO_V1(gridgov_sensor_rule_eval);
Datum
gridgov_sensor_rule_eval(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SensorRule	r;
	SensorState s = {0};
	Datum	   *ats, *vals;
	bool	   *atn, *valn;
	int			n, nv, i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < 8; i++)
		if (PG_ARGISNULL(i))
			return (Datum) 0;
	eval_rule(fcinfo, &r);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(6), TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ats, &atn, &n);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(7), FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &vals, &valn, &nv);
	if (n != nv)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ats and vals must have the same number of elements, not %d and %d", n, nv)));
	for (i = 0; i < n; i++)
	{
		SensorStep	st;
		double		v = DatumGetFloat8(vals[i]);
		TimestampTz at = DatumGetTimestampTz(ats[i]);

		if (atn[i] || valn[i] || !isfinite(v) || TIMESTAMP_NOT_FINITE(at))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("reading %d has no finite time or value", i + 1)));
		if (sensor_rule_step(&r, &s, at, v, &st))
			eval_row(rsinfo, at, v, &s, &st);
	}
	return (Datum) 0;
}

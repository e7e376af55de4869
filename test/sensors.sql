-- Sensors (src/sql/078_sensors.sql, src/cases/sensors.c, sensor_rules.c;
-- docs/sensors.md), in the fictitious county 990701, which no other suite uses:
--   1. the rules' state machine alone (gridgov.sensor_rule_eval): above with a
--      duration and hysteresis, below, rate, stuck, bad parameters;
--   2. devices and rules: located, refused when bad;
--   3. readings end to end: a rule fires after its duration and opens one
--      case (source sensor, the owner department, occurred when the condition
--      began), peaks and the clearing join its history, a second alarm while
--      the case is open joins it, once it is closed a new alarm opens a new
--      case; the state is written at the end of each statement and read back
--      from the table; quality 2 and late readings are kept, not evaluated;
--   4. bad readings are quarantined with their reason and fed again by
--      sensor_quarantine_retry once the reason is gone; partitions;
--   5. a device login feeds readings and nothing else.
BEGIN;
SELECT plan(72);
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL gridgov.duplicate_radius_m = 0;
CREATE TEMP TABLE sen_setup AS SELECT gridgov.setup_roles();

-- 1. The state machine ----------------------------------------------------------------

-- Readings every 5 minutes from 10:00 (+08); pg_temp.ev(condition, threshold,
-- hysteresis, duration, values[, rate_window, peak_step]) is "phase/event" per reading.
CREATE FUNCTION pg_temp.ev(cond text, t float8, h float8, d interval, vals float8[],
                           w interval DEFAULT '10 minutes', step float8 DEFAULT 0)
    RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(e.phase || COALESCE('/' || e.event, '') ORDER BY e.at)
    FROM gridgov.sensor_rule_eval(cond, t, h, d, w, step,
                                  (SELECT array_agg(timestamptz '2019-07-01 10:00+08' + (i - 1) * interval '5 minutes' ORDER BY i)
                                   FROM generate_series(1, cardinality(vals)) i), vals) e
$$;

SELECT is(pg_temp.ev('above', 0.5, 0.1, '10 minutes', ARRAY[0.2, 0.6, 0.7, 0.9, 0.8, 1.1, 0.45, 0.35, 0.6]),
          ARRAY['idle', 'pending', 'pending', 'firing/fire', 'firing', 'firing/peak', 'firing', 'idle/clear', 'pending'],
          'above 0.5 for 10 minutes, hysteresis 0.1: fires at the reading 10 minutes after the first one above, a new maximum is a peak, 0.45 keeps it firing, 0.35 (< 0.4) clears');
SELECT is(pg_temp.ev('above', 0.5, 0, '10 minutes', ARRAY[0.6, 0.7, 0.4, 0.6, 0.7, 0.8]),
          ARRAY['pending', 'pending', 'idle', 'pending', 'pending', 'firing/fire'],
          'above: a reading back under the threshold before the duration starts the wait over');
SELECT is(pg_temp.ev('above', 0.5, 0, '0', ARRAY[0.5, 0.51, 0.5]),
          ARRAY['idle', 'firing/fire', 'firing'],
          'above, duration 0, hysteresis 0: the threshold itself is not above, 0.51 fires at once, and 0.5 does not clear (not below 0.5 - 0)');
SELECT is(pg_temp.ev('below', 10, 2, '5 minutes', ARRAY[12, 9, 8, 11, 12.5]),
          ARRAY['idle', 'pending', 'firing/fire', 'firing', 'idle/clear'],
          'below 10 for 5 minutes, hysteresis 2: 11 keeps it firing, 12.5 (> 12) clears');
SELECT is(pg_temp.ev('below', 10, 0, '0', ARRAY[9, 8, 8.5, 7]),
          ARRAY['firing/fire', 'firing/peak', 'firing', 'firing/peak'],
          'below: the peaks are new minima');
SELECT is(pg_temp.ev('above', 0.5, 0, '0', ARRAY[0.6, 0.65, 0.75, 0.8], '10 minutes', 0.1),
          ARRAY['firing/fire', 'firing', 'firing/peak', 'firing'],
          'peak_step 0.1: only a reading more than 0.1 beyond the last recorded peak is a new one');
-- Rate: 5 minutes apart, +0.5 in 5 minutes is 0.1 a minute.
SELECT is(pg_temp.ev('rate', 0.08, 0.03, '0', ARRAY[1.0, 1.1, 1.6, 2.2, 2.5, 2.6]),
          ARRAY['idle', 'idle', 'firing/fire', 'firing/peak', 'firing', 'idle/clear'],
          'rate >= 0.08 a minute: +0.5 in 5 minutes fires, +0.6 is a peak, +0.3 (0.06 >= 0.05) keeps it, +0.1 (0.02) clears');
SELECT is(pg_temp.ev('rate', -0.1, 0, '0', ARRAY[3.0, 2.0, 1.9]),
          ARRAY['idle', 'firing/fire', 'idle/clear'],
          'a negative rate threshold watches falls: -1.0 in 5 minutes fires');
SELECT is(pg_temp.ev('rate', 0.08, 0, '0', ARRAY[1.0, 2.0], '4 minutes'),
          ARRAY['idle', 'idle'],
          'rate: readings further apart than rate_window give no rate');
SELECT is(pg_temp.ev('stuck', 0.01, 0, '15 minutes', ARRAY[5, 5.005, 5, 5.01, 5.0, 5.3, 5.3]),
          ARRAY['idle', 'idle', 'idle', 'firing/fire', 'firing', 'idle/clear', 'idle'],
          'stuck within 0.01 for 15 minutes fires at the reading 15 minutes into the run, and clears when the value moves');
SELECT is((SELECT array_agg(e.event ORDER BY e.at) FROM gridgov.sensor_rule_eval('above', 1, 0, '0', '10 minutes', 0,
                                                     ARRAY['2019-07-01 10:00+08', '2019-07-01 09:00+08', '2019-07-01 10:05+08']::timestamptz[],
                                                     ARRAY[2, 0, 3]::float8[]) e),
          ARRAY['fire', 'peak'],
          'a reading earlier than the last one evaluated is skipped');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_rule_eval('rate', 0, 0, '0', '1 minute', 0, ARRAY[now()], ARRAY[1::float8])$$,
                 '22023', 'bad sensor rule: the threshold of a rate rule must not be 0', 'sensor_rule_eval: a rate of 0 is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_rule_eval('stuck', 0, 0, '0', '1 minute', 0, ARRAY[now()], ARRAY[1::float8])$$,
                 '22023', NULL, 'sensor_rule_eval: stuck without a duration is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_rule_eval('sideways', 0, 0, '0', '1 minute', 0, ARRAY[now()], ARRAY[1::float8])$$,
                 '22023', NULL, 'sensor_rule_eval: an unknown condition is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_rule_eval('above', 0, 0, '0', '1 minute', 0, ARRAY[now()], ARRAY['NaN'::float8])$$,
                 '22023', NULL, 'sensor_rule_eval: a NaN reading is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_rule_eval('above', 0, 0, '178000000 years', '1 minute', 0, ARRAY[now()], ARRAY[1::float8])$$,
                 '22023', 'bad sensor rule: duration must be between 0 and 30 days', 'sensor_rule_eval: a huge duration is 22023, not an overflow');
SELECT is((SELECT array_agg(e.phase || COALESCE('/' || e.event, '') ORDER BY e.at)
           FROM gridgov.sensor_rule_eval('above', 0, 0, '1 day', '1 minute', 0,
                                         ARRAY['4713-01-01 BC', '294276-12-31']::timestamptz[], ARRAY[1, 1]::float8[]) e),
          ARRAY['pending', 'firing/fire'],
          'sensor_rule_eval: readings 4713 BC and 294276 AD are more than a day apart (the difference overflowed and it stayed pending)');
SELECT is((SELECT array_agg(e.phase ORDER BY e.at)
           FROM gridgov.sensor_rule_eval('rate', -1e-20, 0, '0', '1 day', 0,
                                         ARRAY['4713-01-01 BC', '294276-12-31']::timestamptz[], ARRAY[1, 2]::float8[]) e),
          ARRAY['idle', 'idle'], 'sensor_rule_eval: and give no rate (further apart than rate_window; the overflow made a rise a fall)');
SELECT is((SELECT count(*) FROM gridgov.sensor_rule_eval('above', NULL, 0, '0', '1 minute', 0, ARRAY[now()], ARRAY[1::float8])),
          0::bigint, 'sensor_rule_eval: a NULL argument gives no rows');

-- 2. Devices and rules -------------------------------------------------------------------

INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(103.00, 33.00, 103.04, 33.04, 4326))
FROM (VALUES ('990701', '设备测试区'), ('990701001', '设备测试街道'), ('990701001001', '设备测试社区'),
             ('990701001001001', '设备测试网格')) v(code, name);
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('sen-cc', '设备测试区指挥中心', 'district', '990701', 'command_center'),
    ('sen-water', '设备测试区水务局', 'district', '990701', 'functional');
INSERT INTO gridgov.sensors (id, kind, location, name, unit, department_id)
SELECT v.id, v.kind, ST_SetSRID(ST_MakePoint(v.x, 33.01), 4326), v.name, v.unit,
       (SELECT id FROM gridgov.departments WHERE code = 'sen-water')
FROM (VALUES ('SEN-WL-1', 'water_level', 103.010, '一号涵洞水位计', 'm'),
             ('SEN-WL-2', 'water_level', 103.020, '二号涵洞水位计', 'm'),
             ('SEN-RF-1', 'rainfall', 103.030, '雨量计', 'mm'),
             ('SEN-NS-1', 'noise', 103.035, '噪声计', 'dB'),
             ('SEN-OFF-1', 'water_level', 103.015, '停用水位计', 'm')) v(id, kind, x, name, unit);
UPDATE gridgov.sensors SET active = false WHERE id = 'SEN-OFF-1';

SELECT is((SELECT array_agg(grid::text || ' ' || county::text ORDER BY id) FROM gridgov.sensors WHERE id LIKE 'SEN-WL-%'),
          ARRAY['990701001001001 990701', '990701001001001 990701'],
          'a device is located in its grid, and its county follows');
SELECT throws_ok($$INSERT INTO gridgov.sensors (id, kind, location) VALUES ('SEN-BAD', 'noise', ST_SetSRID(ST_MakePoint(203, 33), 4326))$$,
                 '22023', 'the location of a device must be a WGS-84 point', 'a location off the globe is 22023');
SELECT throws_ok($$UPDATE gridgov.sensors SET id = 'SEN-WL-9' WHERE id = 'SEN-WL-2'$$,
                 '23514', 'the id of a device cannot change', 'a device''s id never changes (23514)');
SELECT throws_ok($$INSERT INTO gridgov.sensors (id, kind, location) VALUES ('bad id!', 'noise', ST_SetSRID(ST_MakePoint(103, 33), 4326))$$,
                 '23514', NULL, 'a device id with other characters is 23514');

INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, hysteresis, duration, category, title)
VALUES ('sen 涵洞积水', 'water_level', 'above', 0.5, 0.1, '10 minutes', 'E0406', '涵洞积水');
INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, hysteresis, category, urgency, title)
VALUES ('sen 暴雨', 'rainfall', 'rate', 1.0, 0.5, 'E0406', 'emergency', '短时强降雨');
INSERT INTO gridgov.sensor_rules (name, sensor_id, condition, threshold, duration, category, title, department_id)
VALUES ('sen 噪声计卡死', 'SEN-NS-1', 'stuck', 0, '20 minutes', 'H0902', '噪声计读数不变',
        (SELECT id FROM gridgov.departments WHERE code = 'sen-cc'));

SELECT throws_ok($$INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, category, title)
                   VALUES ('sen x', 'noise', 'above', 1, 'ZZ99', 'x')$$,
                 '23503', NULL, 'a rule''s category must be an active category (23503)');
SELECT throws_ok($$INSERT INTO gridgov.sensor_rules (name, kind, sensor_id, condition, threshold, category, title)
                   VALUES ('sen x', 'noise', 'SEN-NS-1', 'above', 1, 'H0902', 'x')$$,
                 '23514', NULL, 'a rule names a kind or a device, not both (23514)');
SELECT throws_ok($$INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, hysteresis, category, title)
                   VALUES ('sen x', 'noise', 'above', 1, -1, 'H0902', 'x')$$,
                 '23514', NULL, 'a negative hysteresis is 23514');

SELECT throws_ok($$UPDATE gridgov.categories SET active = false WHERE code = 'E0406'$$,
                 '23503', 'category "E0406" is used by the active sensor rule sen 暴雨',
                 'a category an active rule opens cases of stays active (else every firing reading would fail the feed with GG108)');
SAVEPOINT sen_cat;
UPDATE gridgov.sensor_rules SET active = false WHERE name = 'sen 噪声计卡死';
SELECT lives_ok($$UPDATE gridgov.categories SET active = false WHERE code = 'H0902'$$,
                'once its rules are inactive, the category may be deactivated');
ROLLBACK TO SAVEPOINT sen_cat;

-- 3. Readings end to end --------------------------------------------------------------

SELECT is((SELECT array_agg(p ORDER BY p) FROM gridgov.sensor_partitions('2019-07-01 00:00+00', 0) p),
          ARRAY['sensor_readings_y2019m07'], 'sensor_partitions makes the month of as_of');
SELECT is((SELECT count(*) FROM gridgov.sensor_partitions('2019-07-15 00:00+00', 0)), 0::bigint,
          'sensor_partitions: a month that has its partition is left alone');

-- One statement: the water level rises from 10:00, above 0.5 from 10:05.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES
    ('SEN-WL-1', '2019-07-01 10:00+08', 0.2), ('SEN-WL-1', '2019-07-01 10:05+08', 0.6),
    ('SEN-WL-2', '2019-07-01 10:05+08', 0.3), ('SEN-WL-1', '2019-07-01 10:10+08', 0.7);
SELECT is((SELECT phase || ' ' || since::text FROM gridgov.sensor_rule_state WHERE sensor_id = 'SEN-WL-1'),
          'pending 2019-07-01 10:05:00+08', 'the state the statement left is written at its end: pending since 10:05');
SELECT is((SELECT count(*) FROM gridgov.cases WHERE county = '990701'), 0::bigint, 'no case before the duration');

INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES ('SEN-WL-1', '2019-07-01 10:15+08', 0.9);
CREATE TEMP TABLE c1 AS SELECT * FROM gridgov.cases WHERE county = '990701' AND source = 'sensor';
SELECT is((SELECT count(*) FROM c1), 1::bigint, 'the reading 10 minutes into the condition opens a case');
SELECT is((SELECT ARRAY[category, urgency::text, workflow, state, reported_at::text, occurred_at::text,
                        grid::text, (SELECT code FROM gridgov.departments d WHERE d.id = department_id)] FROM c1),
          ARRAY['E0406', 'urgent', 'grid_event', 'reported', '2019-07-01 10:15:00+08', '2019-07-01 10:05:00+08',
                '990701001001001', 'sen-water'],
          'the case: the rule''s category (its default urgency and workflow), reported at the firing reading, occurred when the condition began, in the device''s grid, held by the device''s owner department');
SELECT is((SELECT title FROM c1), '一号涵洞水位计 涵洞积水', 'its title is the device''s name and the rule''s title');
SELECT is((SELECT ARRAY[sensor_id, (SELECT name FROM gridgov.sensor_rules r WHERE r.id = rule_id)]
           FROM gridgov.sensor_cases s JOIN c1 ON s.county = c1.county AND s.case_id = c1.id),
          ARRAY['SEN-WL-1', 'sen 涵洞积水'], 'gridgov.sensor_cases names the device and the rule of the case');

-- Later readings: a new peak, a lower one, 0.45 (inside the hysteresis), then 0.35 clears.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES
    ('SEN-WL-1', '2019-07-01 10:20+08', 0.8), ('SEN-WL-1', '2019-07-01 10:25+08', 1.1);
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES ('SEN-WL-1', '2019-07-01 10:30+08', 0.45);
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES ('SEN-WL-1', '2019-07-01 10:35+08', 0.35);
SELECT is((SELECT array_agg(e.action || ' ' || e.at::text || COALESCE(' ' || (e.payload ->> 'value'), '') ORDER BY e.seq)
           FROM gridgov.case_events e JOIN c1 ON e.county = c1.county AND e.case_id = c1.id),
          ARRAY['intake 2019-07-01 10:15:00+08', 'sensor_peak 2019-07-01 10:25:00+08 1.1',
                'sensor_cleared 2019-07-01 10:35:00+08 0.35'],
          'the history: intake, the new peak 1.1 at 10:25, "condition cleared" at 10:35 (0.8 and 0.45 add nothing)');
SELECT is((SELECT state || ' ' || (closed_at IS NULL)::text FROM gridgov.cases c WHERE c.id = (SELECT id FROM c1)),
          'reported true', 'clearing does not close the case: a person verifies it');
SELECT is_empty($$SELECT * FROM gridgov.verify_histories('990701')$$, 'the histories of the sensor cases verify (hash chains)');

-- The condition returns while the case is open: no second case, an alarm joins it.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES
    ('SEN-WL-1', '2019-07-01 11:00+08', 0.7), ('SEN-WL-1', '2019-07-01 11:10+08', 0.8);
SELECT is((SELECT count(*) FROM gridgov.cases WHERE county = '990701' AND source = 'sensor'), 1::bigint,
          'the rule fires again while its case is open: still one case');
SELECT is((SELECT e.action || ' ' || (e.payload ->> 'since') FROM gridgov.case_events e
           WHERE e.case_id = (SELECT id FROM c1) ORDER BY e.seq DESC LIMIT 1),
          'sensor_alarm 2019-07-01T11:00:00+08:00', 'the new alarm is appended to the open case (since 11:00)');

-- Closed by a person; the next alarm opens a new case.
SELECT lives_ok($$SELECT gridgov.act((SELECT id FROM c1), 'reject', '核实：已排水', '{}', '2019-07-01 11:20+08')$$,
                'the command center closes the case');
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES
    ('SEN-WL-1', '2019-07-01 11:30+08', 0.2), ('SEN-WL-1', '2019-07-01 11:40+08', 0.9),
    ('SEN-WL-1', '2019-07-01 11:50+08', 0.95);
SELECT is((SELECT array_agg(occurred_at::text ORDER BY id) FROM gridgov.cases WHERE county = '990701' AND source = 'sensor'),
          ARRAY['2019-07-01 10:05:00+08', '2019-07-01 11:40:00+08'],
          'after the case was closed, the next firing opens a new case');

-- Quality 2 is kept and not evaluated; a late reading is kept and not evaluated.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value, quality) VALUES ('SEN-WL-2', '2019-07-01 10:10+08', 5, 2);
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES ('SEN-WL-1', '2019-07-01 09:00+08', 0.0);
SELECT is((SELECT ARRAY[(SELECT count(*) FROM gridgov.sensor_readings WHERE sensor_id = 'SEN-WL-2'),
                        (SELECT count(*) FROM gridgov.sensor_rule_state WHERE sensor_id = 'SEN-WL-2' AND phase <> 'idle')]),
          ARRAY[2, 0]::bigint[], 'a reading of quality 2 is stored but runs no rule');
SELECT is((SELECT phase || ' ' || last_at::text FROM gridgov.sensor_rule_state WHERE sensor_id = 'SEN-WL-1'),
          'firing 2019-07-01 11:50:00+08', 'a reading earlier than the last one evaluated is stored but changes no state');

-- Rate: rainfall totals; +6 mm in 5 minutes is 1.2 mm a minute.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES
    ('SEN-RF-1', '2019-07-01 10:00+08', 10), ('SEN-RF-1', '2019-07-01 10:05+08', 12),
    ('SEN-RF-1', '2019-07-01 10:10+08', 18), ('SEN-RF-1', '2019-07-01 10:15+08', 26),
    ('SEN-RF-1', '2019-07-01 10:20+08', 28);
SELECT is((SELECT array_agg(e.action || COALESCE(' ' || (e.payload ->> 'value'), '') ORDER BY e.seq)
           FROM gridgov.cases c JOIN gridgov.case_events e ON e.county = c.county AND e.case_id = c.id
           WHERE c.source = 'sensor' AND c.external_id LIKE 'SEN-RF-1/%'),
          ARRAY['intake', 'sensor_peak 1.6', 'sensor_cleared 0.4'],
          'rate: 1.2 mm/min opens the case (emergency rule), 1.6 is a peak, 0.4 (< 0.5) clears');
SELECT is((SELECT urgency::text FROM gridgov.cases WHERE external_id LIKE 'SEN-RF-1/%'), 'emergency',
          'the rule''s urgency is the case''s');

-- Stuck: one device's rule, 20 minutes unchanged; its department is the rule's.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value)
SELECT 'SEN-NS-1', timestamptz '2019-07-01 10:00+08' + i * interval '5 minutes', CASE WHEN i < 6 THEN 48.0 ELSE 52.5 END
FROM generate_series(0, 6) i;
SELECT is((SELECT ARRAY[c.occurred_at::text, c.reported_at::text, d.code,
                        (SELECT string_agg(e.action, ',' ORDER BY e.seq) FROM gridgov.case_events e
                         WHERE e.county = c.county AND e.case_id = c.id)]
           FROM gridgov.cases c JOIN gridgov.departments d ON d.id = c.department_id
           WHERE c.external_id LIKE 'SEN-NS-1/%'),
          ARRAY['2019-07-01 10:00:00+08', '2019-07-01 10:20:00+08', 'sen-cc', 'intake,sensor_cleared'],
          'stuck: the rule of one device fires 20 minutes into the run (to the rule''s department) and clears when the value moves');

-- The state is read back from the table: a new transaction (here: after an
-- aborted subtransaction) finds SEN-WL-2 pending since the time the table says.
UPDATE gridgov.sensor_rule_state SET phase = 'pending', since = '2019-07-01 12:00+08', last_at = '2019-07-01 12:00+08',
                                     last_value = 0.6
WHERE sensor_id = 'SEN-WL-2';
INSERT INTO gridgov.sensor_rule_state (sensor_id, rule_id, phase, since, last_at, last_value)
SELECT 'SEN-WL-2', id, 'pending', '2019-07-01 12:00+08', '2019-07-01 12:00+08', 0.6
FROM gridgov.sensor_rules WHERE name = 'sen 涵洞积水'
ON CONFLICT DO NOTHING;
DO $$ BEGIN PERFORM 1 / 0; EXCEPTION WHEN division_by_zero THEN NULL; END $$;
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES ('SEN-WL-2', '2019-07-01 12:10+08', 0.7);
SELECT is((SELECT occurred_at::text FROM gridgov.cases WHERE external_id LIKE 'SEN-WL-2/%'), '2019-07-01 12:00:00+08',
          'the state is taken from gridgov.sensor_rule_state when memory is stale: pending since 12:00, fired at 12:10');

-- The same for 40 devices at once: the first 32 read one by one, the others in one statement.
INSERT INTO gridgov.sensors (id, kind, location)
SELECT 'SEN-B-' || i, 'water_level', ST_SetSRID(ST_MakePoint(103.01, 33.02), 4326) FROM generate_series(1, 40) i;
INSERT INTO gridgov.sensor_rule_state (sensor_id, rule_id, phase, since, last_at, last_value)
SELECT 'SEN-B-' || i, r.id, 'pending', '2019-07-01 12:00+08', '2019-07-01 12:00+08', 0.6
FROM generate_series(1, 40) i, gridgov.sensor_rules r WHERE r.name = 'sen 涵洞积水';
DO $$ BEGIN PERFORM 1 / 0; EXCEPTION WHEN division_by_zero THEN NULL; END $$;
INSERT INTO gridgov.sensor_readings (sensor_id, at, value)
SELECT 'SEN-B-' || i, '2019-07-01 12:10+08', 0.7 FROM generate_series(1, 40) i;
SELECT is((SELECT count(*) FROM gridgov.cases WHERE external_id LIKE 'SEN-B-%' AND occurred_at = '2019-07-01 12:00+08'),
          40::bigint, '40 devices whose states are read back (32 one by one, 8 in one statement) each open their case');

-- 4. Bad readings ---------------------------------------------------------------------

INSERT INTO gridgov.sensor_readings (sensor_id, at, value, quality) VALUES
    ('SEN-XX-9', '2019-07-01 10:00+08', 1, 0), ('SEN-OFF-1', '2019-07-01 10:00+08', 1, 0),
    ('SEN-WL-2', '2019-07-01 13:00+08', 'NaN', 0), ('SEN-WL-2', '2019-07-01 13:00+08', '-Infinity', 0),
    ('SEN-WL-2', '2019-07-01 13:00+08', NULL, 0), ('SEN-WL-2', NULL, 1, 0), (NULL, '2019-07-01 13:00+08', 1, 0),
    ('SEN-WL-2', '2019-07-01 13:00+08', 1, 7), ('SEN-WL-2', '2019-07-01 13:00+08', 1, NULL),
    ('SEN-WL-2', now() + interval '1 day', 1, 0), ('SEN-WL-2', 'infinity', 1, 0),
    ('SEN-WL-2', '2019-05-01 10:00+08', 1, 0), (repeat('x', 500), '2019-07-01 13:00+08', 1, 0);
SELECT is((SELECT array_agg(reason || ' ' || COALESCE(left(sensor_id, 8), '-') ORDER BY id) FROM gridgov.sensor_quarantine),
          ARRAY['unknown_sensor SEN-XX-9', 'inactive_sensor SEN-OFF-', 'not_finite SEN-WL-2', 'not_finite SEN-WL-2',
                'no_value SEN-WL-2', 'no_time SEN-WL-2', 'unknown_sensor -', 'bad_quality SEN-WL-2',
                'bad_quality SEN-WL-2', 'future SEN-WL-2', 'future SEN-WL-2', 'no_partition SEN-WL-2',
                'unknown_sensor xxxxxxxx'],
          'every bad reading is quarantined with its reason, none is lost and none fails the statement');
SELECT is((SELECT length(sensor_id) FROM gridgov.sensor_quarantine WHERE sensor_id LIKE 'xxx%'), 64,
          'an over-long device id is kept to its first 64 characters');
SELECT is((SELECT count(*) FROM gridgov.sensor_readings WHERE at = '2019-07-01 13:00+08' OR sensor_id IN ('SEN-XX-9', 'SEN-OFF-1')),
          0::bigint, 'no bad reading is stored');
SELECT is((SELECT count(*) FROM gridgov.sensor_readings_default), 0::bigint, 'the default partition stays empty');
SELECT is((SELECT quality FROM gridgov.sensor_quarantine WHERE reason = 'bad_quality' ORDER BY id LIMIT 1), 7::smallint,
          'the quarantine keeps the values as sent');

-- The reasons go away: the device is registered, May gets its partition.
INSERT INTO gridgov.sensors (id, kind, location) VALUES ('SEN-XX-9', 'rainfall', ST_SetSRID(ST_MakePoint(103.02, 33.02), 4326));
-- As the admin role, whose functions these are (it has no CREATE on the schema and no INSERT on readings).
CREATE ROLE sen_admin IN ROLE gridgov_admin;
SET LOCAL ROLE sen_admin;
SELECT is((SELECT count(*) FROM gridgov.sensor_partitions('2019-05-01 00:00+00', 0)), 1::bigint,
          'a partition for May is made (by the admin role)');
SELECT is((SELECT ARRAY[retried, quarantined_again] FROM gridgov.sensor_quarantine_retry()), ARRAY[7, 5]::bigint[],
          'sensor_quarantine_retry (by the admin role) feeds unknown_sensor, inactive_sensor, future and no_partition again: 2 are stored now, the still inactive, the nameless, the over-long and the two future ones are quarantined again');
RESET ROLE;
SELECT is((SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'gridgov.sensor_readings_y2019m05'::regclass),
          (SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'gridgov'), 'the partition is the extension owner''s');
SELECT is((SELECT count(*) FROM gridgov.sensor_readings WHERE sensor_id IN ('SEN-XX-9', 'SEN-WL-2') AND at IN ('2019-07-01 10:00+08', '2019-05-01 10:00+08')),
          2::bigint, 'the device registered since and the month with a partition now are stored');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_partitions(NULL)$$, '22023', NULL, 'sensor_partitions: NULL as_of is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_partitions(now(), 99)$$, '22023', NULL, 'sensor_partitions: 99 months ahead is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_partitions('294276-12-01', 1)$$, '22023', NULL,
                 'sensor_partitions: an as_of past 2199 is 22023 (was 22008 from the month after it)');
SELECT throws_ok($$SELECT * FROM gridgov.sensor_quarantine_retry(NULL)$$, '22004', NULL, 'sensor_quarantine_retry(NULL) is 22004');

-- A restore writes each partition's rows straight into it: they go in as they are.
INSERT INTO gridgov.sensor_readings_y2019m07 (sensor_id, at, value) VALUES
    ('SEN-GONE', '2019-07-02 10:00+08', 'NaN'), ('SEN-WL-2', '2019-07-02 10:00+08', 9);
SELECT is((SELECT ARRAY[(SELECT count(*) FROM gridgov.sensor_readings WHERE at = '2019-07-02 10:00+08'),
                        (SELECT count(*) FROM gridgov.sensor_quarantine WHERE sensor_id = 'SEN-GONE'),
                        (SELECT count(*) FROM gridgov.cases WHERE external_id LIKE 'SEN-WL-2/%')]),
          ARRAY[2, 0, 1]::bigint[],
          'rows the owner writes straight into a partition (as pg_restore does) are stored as they are: no quarantine, no rule');

-- 5. A device's login ---------------------------------------------------------------

CREATE ROLE sen_feed IN ROLE gridgov_device;
SET LOCAL ROLE sen_feed;
INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES
    ('SEN-WL-2', '2019-07-01 14:00+08', 0.2), ('SEN-NONE', '2019-07-01 14:00+08', 0.2);
SELECT throws_ok($$SELECT count(*) FROM gridgov.sensor_quarantine$$, '42501', NULL,
                 'the device role cannot read the quarantine');
SELECT throws_ok($$SELECT count(*) FROM gridgov.sensor_readings$$, '42501', NULL,
                 'the device role only writes readings');
SELECT throws_ok($$INSERT INTO gridgov.sensor_readings_y2019m07 (sensor_id, at, value) VALUES ('SEN-WL-2', '2019-07-03 10:00+08', 1)$$,
                 '42501', NULL, 'the device role writes through gridgov.sensor_readings, not straight into a partition');
SELECT throws_ok($$INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, category, title)
                   VALUES ('sen feed', 'noise', 'above', 1, 'H0902', 'x')$$, '42501', NULL,
                 'the device role cannot define rules');
RESET ROLE;

-- Row-level security: devices and their readings are seen as cases are.
CREATE ROLE sen_water_clerk IN ROLE gridgov_department;
CREATE ROLE sen_cc_disp IN ROLE gridgov_dispatcher;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT v.name, d.id, v.r FROM (VALUES ('水务测试员', 'sen-water', 'sen_water_clerk'), ('中心测试员', 'sen-cc', 'sen_cc_disp')) v(name, code, r)
JOIN gridgov.departments d ON d.code = v.code;
SET LOCAL ROLE sen_water_clerk;
SELECT is((SELECT array_agg(id ORDER BY id) FROM gridgov.sensors),
          ARRAY['SEN-NS-1', 'SEN-OFF-1', 'SEN-RF-1', 'SEN-WL-1', 'SEN-WL-2'],
          'a functional department sees the devices it owns');
SELECT is((SELECT count(DISTINCT sensor_id) FROM gridgov.device_readings), 4::bigint,
          '... and their readings (gridgov.device_readings; the inactive one has none)');
RESET ROLE;
SET LOCAL ROLE sen_cc_disp;
SELECT is((SELECT count(*) FROM gridgov.sensors), 46::bigint,
          'the command center sees every device of its jurisdiction');
RESET ROLE;
SELECT is((SELECT ARRAY[(SELECT count(*) FROM gridgov.sensor_readings WHERE at = '2019-07-01 14:00+08'),
                        (SELECT count(*) FROM gridgov.sensor_quarantine WHERE sensor_id = 'SEN-NONE')]),
          ARRAY[1, 1]::bigint[], 'the device role''s readings are stored or quarantined (the trigger writes as the history''s owner)');

SELECT * FROM finish();
ROLLBACK;

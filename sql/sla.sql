-- Time limits: policy precedence, clocks started and stopped by the workflow,
-- suspend/resume/extend arithmetic on the cn calendar around Spring Festival
-- 2026 (holidays 15-23 Feb, adjusted working Saturday 14 Feb), warnings once,
-- each ladder rung once, an idempotent sweep, whistles with on-time, late and
-- missing report-ins, and the errors.
SET timezone = 'Asia/Shanghai';
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
BEGIN;
\i sql/fixtures/cases.sql
INSERT INTO departments (code, name, level, jurisdiction, kind) VALUES
    ('DX-JW',  '大兴区纪委监委', 'district', '110115', 'discipline'),
    ('DX-JCY', '大兴区人民检察院', 'district', '110115', 'discipline');
CREATE VIEW dept_codes AS SELECT id, code FROM departments;
CREATE FUNCTION codes(ids bigint[]) RETURNS text[] LANGUAGE sql AS $$
    SELECT pg_catalog.array_agg(code ORDER BY code) FROM departments WHERE id = ANY (ids) $$;

-- 1. Policy precedence: longest prefix, then a set urgency, then a set source.
INSERT INTO sla_policies (category_prefix, urgency, source, stage, amount, unit, calendar_id, note)
SELECT 'E0102', 'urgent', 'app', 'handle', 2, 'working_hours', id, 'city rule' FROM calendars WHERE name = 'cn';
INSERT INTO sla_policies (category_prefix, urgency, source, stage, amount, unit, calendar_id, note)
SELECT 'E0102', NULL, 'app', 'handle', 3, 'working_hours', id, 'city rule' FROM calendars WHERE name = 'cn';
SELECT v.cat, v.urg, v.src, v.stage, p.category_prefix, p.urgency, p.source, p.amount, p.unit, p.note
FROM (VALUES ('E0102', 'normal', 'patrol', 'handle'), ('E0102', 'urgent', 'app', 'handle'),
             ('E0102', 'normal', 'app', 'handle'), ('E0102', 'urgent', 'patrol', 'handle'),
             ('E0199', 'normal', 'patrol', 'handle'), ('E0401', 'normal', 'video', 'handle'),
             ('E0102', 'urgent', 'patrol', 'file'), ('H0101', 'normal', 'hotline', 'sign'),
             ('E0102', 'normal', 'patrol', 'whole')) v(cat, urg, src, stage)
LEFT JOIN LATERAL sla_policy(v.cat, v.urg::urgency, v.src::case_source, v.stage::sla_stage) p ON true;

-- 2. A grid event reported on Friday 13 Feb 2026 at 16:00: intake starts the
--    file clock (20 min); file, dispatch, sign move the clocks on.
ALTER TABLE cases ALTER COLUMN id RESTART WITH 2001;
INSERT INTO cases (source, category, title, location, reported_at)
VALUES ('patrol', 'E0102', '春节前暴露垃圾', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), '2026-02-13 16:00+08');
CREATE VIEW clocks AS
SELECT case_id, stage, seq, started_at, due_at, warn_at, met_at, cancelled_at, paused_at,
       paused_minutes, extended, warned_at, escalation_level, next_escalation_at
FROM case_clocks ORDER BY case_id, started_at, stage, seq;
SELECT * FROM clocks;
SELECT (act(2001, 'file', NULL, '{}', '2026-02-13 16:10+08')).state;
SELECT (act(2001, 'dispatch', NULL, '{}', '2026-02-13 16:25+08')).state;
SELECT (act(2001, 'sign', NULL, '{}', '2026-02-13 16:40+08')).state;
-- file met on time, dispatch met 5 minutes late, sign met; the handle clock
-- (exposed rubbish: 4 working hours) runs from Fri 16:40: 50 minutes on Friday,
-- 3 h 10 on the adjusted working Saturday 14 Feb → Sat 11:40; warns at 80 %
-- (3 h 12) → Sat 10:52.
SELECT stage, seq, started_at, due_at, warn_at, met_at, met_at <= due_at AS on_time FROM clocks;

-- 3. Suspended (挂账) on Saturday 09:00 and resumed on Wednesday 25 Feb 10:00:
--    960 working minutes passed (Sat 420, Spring Festival 0, Tue 24 Feb 450,
--    Wed 90), so the deadline moves from Sat 11:40 to Wed 14:10 and the
--    warning from Sat 10:52 to Wed 11:52.
SELECT (act(2001, 'suspend', '等待供电部门', '{}', '2026-02-14 09:00+08')).suspensions;
SELECT stage, due_at, paused_at FROM clocks WHERE met_at IS NULL;
SELECT (act(2001, 'resume', NULL, '{}', '2026-02-25 10:00+08')).state;
SELECT stage, due_at, warn_at, paused_at, paused_minutes, next_escalation_at FROM clocks WHERE met_at IS NULL;
-- 4. An approved extension (延期) of 1 working hour: due Wed 15:10, warning 14:22.
SELECT (act(2001, 'extend', '需调用吊车', '{"stage": "handle", "amount": 1, "unit": "working_hours"}',
            '2026-02-25 12:00+08')).extensions;
SELECT stage, due_at, warn_at, extended, next_escalation_at FROM clocks WHERE met_at IS NULL;

-- 5. The sweep: a warning once, then one rung per due sweep up the shipped
--    ladder: a reminder to the holder (YZ-CC) at the breach, its supervising
--    department (DX-CC) 4 working hours later, the town center 1 working day
--    later (YZ-CC holds the case itself, so the district's is told), the
--    district center 1 working day after that, which supervises (督办).
SELECT sla_sweep('2026-02-25 14:00+08') AS before_warning,
       sla_sweep('2026-02-25 14:30+08') AS warning,
       sla_sweep('2026-02-25 14:30+08') AS same_again;
SELECT stage, warned_at, escalation_level FROM clocks WHERE met_at IS NULL;
SELECT sla_sweep('2026-02-25 15:30+08') AS rung_1, sla_sweep('2026-02-25 15:30+08') AS again,
       sla_sweep('2026-02-26 10:29+08') AS too_early_for_2;
SELECT escalation_level, next_escalation_at FROM clocks WHERE met_at IS NULL;
-- (A working day's delay ends at the close of the next working day: Fri 27
-- Feb 17:30, then Sat 28 Feb 17:30, an adjusted working day.)
SELECT sla_sweep('2026-02-26 10:30+08') AS rung_2, sla_sweep('2026-02-27 17:29+08') AS too_early_for_3,
       sla_sweep('2026-02-27 17:30+08') AS rung_3, sla_sweep('2026-02-28 17:30+08') AS rung_4;
SELECT stage, clock_seq, level, at, due_at, codes(department_ids) AS told FROM escalations ORDER BY level;
SELECT supervised, escalation_level, events FROM cases WHERE id = 2001;
SELECT seq, action, at, payload - 'department_ids' AS payload FROM case_events
WHERE case_id = 2001 AND action IN ('escalate', 'supervise') ORDER BY seq;
-- The supervision's clock runs until the holder answers; then the handle
-- clock is at the top of its ladder.
SELECT stage, started_at, due_at, met_at FROM clocks WHERE stage = 'supervise';
SELECT (act(2001, 'answer_supervision', '已安排吊车', '{}', '2026-03-02 11:00+08')).state;
SELECT stage, met_at FROM clocks WHERE stage = 'supervise';
SELECT sla_sweep('2026-03-31 00:00+08') AS top_of_ladder;
-- Handling after the breach stops the clock late and starts verification.
SELECT (act(2001, 'handle', NULL, '{}', '2026-03-31 09:00+08')).state;
SELECT stage, seq, due_at, met_at, met_at <= due_at AS on_time, escalation_level, next_escalation_at
FROM clocks WHERE stage IN ('handle', 'verify');
SELECT sla_sweep('2026-04-01 00:00+08') > 0 AS verify_escalates_later;

-- 6. Hotline: dispatch and whole clocks at intake; signing starts the handle
--    and the first-contact clocks; closing meets whole and cancels what still
--    runs; a merged duplicate cancels its clocks.
INSERT INTO cases (source, category, title, reported_at) VALUES
    ('hotline', 'H0101', '噪声扰民', '2026-03-02 09:00+08'),
    ('hotline', 'H0101', '噪声扰民（重复）', '2026-03-02 09:05+08');
SELECT case_id, stage, started_at, due_at FROM clocks WHERE case_id IN (2002, 2003);
SELECT (act(2002, 'dispatch', NULL, '{}', '2026-03-02 09:10+08')).state,
       (act(2003, 'merge', NULL, '{"master_case_id": 2002}', '2026-03-02 09:11+08')).state,
       (act(2002, 'sign', NULL, '{}', '2026-03-02 10:00+08')).state,
       (act(2002, 'contact', NULL, '{}', '2026-03-02 10:30+08')).state,
       (act(2002, 'handle', NULL, '{}', '2026-03-03 10:00+08')).state,
       (act(2002, 'reply', NULL, '{}', '2026-03-03 11:00+08')).state,
       (act(2002, 'callback', NULL, '{"solved": true, "satisfaction": "satisfied"}', '2026-03-03 15:00+08')).state,
       (act(2002, 'close', NULL, '{}', '2026-03-03 16:00+08')).state;
SELECT case_id, stage, seq, met_at, cancelled_at, met_at <= due_at AS on_time FROM clocks
WHERE case_id IN (2002, 2003) ORDER BY case_id, stage, seq;

-- 7. Whistle-and-report (吹哨报到): two departments within 30 minutes; one on
--    time, one late; a second whistle nobody answers.
INSERT INTO cases (source, category, title, location, reported_at)
VALUES ('leader', 'E0401', '路面塌陷', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), '2026-03-04 08:00+08');
SELECT whistle(2004, ARRAY(SELECT id FROM departments WHERE code IN ('DX-CGJ', 'DX-WATER')),
               '到现场处置塌陷', '30 minutes', '2026-03-04 08:10+08') > 0 AS whistled;
SELECT report_in(2004, (SELECT id FROM departments WHERE code = 'DX-CGJ'), '2026-03-04 08:30+08') AS cgj_on_time,
       report_in(2004, (SELECT id FROM departments WHERE code = 'DX-WATER'), '2026-03-04 08:55+08') AS water_on_time;
SELECT whistle(2004, ARRAY(SELECT id FROM departments WHERE code = 'HC-CC'), '协助', '15 minutes',
               '2026-03-04 09:00+08') > 0 AS whistled_again;
-- At 09:10: the late report-in (and this emergency's own file clock, already late).
SELECT sla_sweep('2026-03-04 09:10+08') > 0 AS swept;
SELECT stage, level, codes(department_ids) AS told, due_at FROM escalations WHERE case_id = 2004 AND stage = 'whistle';
SELECT sla_sweep('2026-03-04 09:20+08') AS after_second_deadline, sla_sweep('2026-03-04 09:20+08') AS again;
SELECT stage, clock_seq > 0 AS has_whistle, level, codes(department_ids) AS told, due_at
FROM escalations WHERE case_id = 2004 AND stage = 'whistle' ORDER BY due_at;
SELECT codes(ARRAY[department_id]) AS department, due_at, reported_at, reported_at <= due_at AS on_time,
       escalated_at IS NOT NULL AS escalated
FROM whistle_calls WHERE case_id = 2004 ORDER BY due_at, department_id;
SELECT town, whistles, cases_whistled, calls, on_time_report_ins, on_time_rate FROM whistle_rates;

-- 8. Errors.
SELECT act(2004, 'resume', NULL, '{}', '2026-03-04 10:00+08');
SELECT act(2004, 'extend', NULL, '{"stage": "callback", "amount": 1}', '2026-03-04 10:00+08');
SELECT act(2004, 'extend', NULL, '{"stage": "handle"}', '2026-03-04 10:00+08');
SELECT act(2004, 'extend', NULL, '{"stage": "lunch", "amount": 1}', '2026-03-04 10:00+08');
SELECT report_in(2004, -7, '2026-03-04 10:00+08');
DO $$
BEGIN
    PERFORM gridgov.report_in(2004, (SELECT id FROM gridgov.departments WHERE code = 'DX-CGJ'), '2026-03-04 10:00+08');
EXCEPTION WHEN SQLSTATE 'GG252' THEN
    RAISE NOTICE 'reporting in twice: %', SQLSTATE;
END $$;
SELECT whistle(2004, '{}', NULL);
SELECT whistle(2004, ARRAY[-1::bigint], NULL);
SELECT whistle(2004, ARRAY(SELECT id FROM departments WHERE code = 'DX-CGJ'), NULL, '-5 minutes');
SELECT sla_sweep(NULL);
SELECT sla_sweep('infinity');
SELECT sla_sweep('2026-03-04 10:00+08', 0);
CALL sla_sweep_run('2026-03-04 10:00+08', 0);
-- The first max_cases due cases, in key order; the job's procedure commits
-- after each batch, which it cannot do inside this transaction block.
SELECT pg_catalog.count(*) AS due FROM sla_due_cases('2026-05-01 00:00+08');
SELECT sla_sweep('2026-05-01 00:00+08', 1) > 0 AS swept_one_case;
SELECT pg_catalog.count(*) AS due FROM sla_due_cases('2026-05-01 00:00+08');
CALL sla_sweep_run('2026-05-01 00:00+08', 1);
SELECT * FROM schedule_jobs();
SELECT unschedule_jobs();
SELECT * FROM job_definitions();
UPDATE sla_policies SET amount = 99 WHERE builtin AND category_prefix = 'E0102';
DELETE FROM sla_policies WHERE builtin AND category_prefix = 'E0102';
UPDATE escalation_ladder SET delay = 0 WHERE level = 2;
UPDATE sla_policies SET active = false WHERE builtin AND category_prefix = 'E0102' RETURNING category_prefix, active;
SELECT category_prefix, amount, unit FROM sla_policy('E0102', 'normal', 'patrol', 'handle');
INSERT INTO sla_policies (category_prefix, stage, amount, unit, calendar_id)
SELECT 'E', 'handle', 1, 'working_days', id FROM calendars WHERE name = 'cn';
\set VERBOSITY terse
INSERT INTO sla_policies (category_prefix, stage, amount, unit, calendar_id)
SELECT 'X', 'handle', 1, 'working_days', id FROM calendars WHERE name = 'cn';
INSERT INTO sla_policies (category_prefix, stage, amount, unit, calendar_id)
SELECT 'E05', 'handle', 0, 'working_days', id FROM calendars WHERE name = 'cn';
INSERT INTO sla_policies (category_prefix, stage, amount, unit, calendar_id)
SELECT 'E05', 'handle', 1, 'fortnights', id FROM calendars WHERE name = 'cn';
\set VERBOSITY default

-- Every history is still intact, and the analytics facts, refreshed (the
-- job takes in the history once this transaction has ended: here, by hand),
-- agree with their recomputation from these cases, events and clocks.
SELECT pg_catalog.count(*) AS broken FROM verify_histories();
SELECT analytics_refresh(ARRAY(SELECT id FROM cases)) > 0 AS refreshed;
SELECT pg_catalog.count(*) AS analytics_inconsistencies FROM analytics_check();
SELECT file_on_time, dispatch_on_time, sign_on_time, handle_on_time, escalation_level
FROM case_facts WHERE case_id = 2001;
ROLLBACK;

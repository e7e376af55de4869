-- Demo step 5: time limits.  Cases left late on a recent working day, sweeps at
-- later times climbing the escalation ladder to the discipline bodies, a whistle
-- with one late department, and this session listening to the notifications.
\set QUIET on
SET client_min_messages = warning;
-- A working day between one and two weeks ago, so every time below is past.
SELECT d::date AS day FROM pg_catalog.generate_series(CURRENT_DATE - 14, CURRENT_DATE - 7, interval '1 day') d
WHERE gridgov.is_working_day('cn', d::date) ORDER BY d LIMIT 1 \gset
SELECT (:'day'::date + 1 + i)::date AS next_day FROM pg_catalog.generate_series(0, 6) i
WHERE gridgov.is_working_day('cn', (:'day'::date + 1 + i)::date) ORDER BY i LIMIT 1 \gset
CREATE FUNCTION pg_temp.t(d date, hhmm text) RETURNS timestamptz LANGUAGE sql AS $$
    SELECT (d::text || ' ' || hhmm || ' Asia/Shanghai')::timestamptz $$;
CREATE TEMP TABLE late (label text, id bigint);

-- 暴露垃圾 (4 working hours to handle), dispatched and signed, then left alone.
WITH c AS (
    INSERT INTO gridgov.cases (county, source, category, title, location, coord_system, reported_at)
    VALUES (case_county(ST_SetSRID(ST_MakePoint(116.3350, 39.7300), 4326), 'gcj02'),
            'app', 'E0102', '兴华大街路口垃圾堆放三天无人清理',
            ST_SetSRID(ST_MakePoint(116.3350, 39.7300), 4326), 'gcj02', pg_temp.t(:'day', '08:30'))
    RETURNING id)
INSERT INTO late SELECT 'rubbish', id FROM c;
SELECT gridgov.act(id, 'file', NULL, '{}', pg_temp.t(:'day', '08:40')) FROM late WHERE label = 'rubbish' \gset
SELECT gridgov.act(id, 'dispatch', NULL, '{}', pg_temp.t(:'day', '08:45')) FROM late WHERE label = 'rubbish' \gset
SELECT gridgov.act(id, 'sign', NULL, '{}', pg_temp.t(:'day', '08:50')) FROM late WHERE label = 'rubbish' \gset
-- 路面塌陷 (emergency): a whistle summons the water company and the power company.
WITH c AS (
    INSERT INTO gridgov.cases (county, source, category, title, location, coord_system, urgency, reported_at)
    VALUES (case_county(ST_SetSRID(ST_MakePoint(116.5060, 39.7950), 4326), 'gcj02'),
            'leader', 'E0401', '荣华中路路面塌陷，疑似自来水管破裂',
            ST_SetSRID(ST_MakePoint(116.5060, 39.7950), 4326), 'gcj02', 'emergency', pg_temp.t(:'day', '09:00'))
    RETURNING id)
INSERT INTO late SELECT 'collapse', id FROM c;
SELECT gridgov.whistle(id, ARRAY(SELECT d.id FROM gridgov.departments d WHERE d.code IN ('dx-water', 'dx-power')),
                       '立即到现场处置塌陷', '30 minutes', pg_temp.t(:'day', '09:05')) AS whistle
FROM late WHERE label = 'collapse' \gset
SELECT gridgov.report_in(l.id, d.id, pg_temp.t(:'day', '09:25')) AS water_on_time
FROM late l, gridgov.departments d WHERE l.label = 'collapse' AND d.code = 'dx-water' \gset
SELECT gridgov.report_in(l.id, d.id, pg_temp.t(:'day', '09:55')) AS power_on_time
FROM late l, gridgov.departments d WHERE l.label = 'collapse' AND d.code = 'dx-power' \gset
\set QUIET off

\echo
\echo '== 5. Time limits: the rubbish case''s clocks (signed at 08:50 on' :day', 4 working hours to handle)'
SELECT k.stage, k.started_at::time AS started, k.due_at, k.met_at::time AS met,
       k.met_at <= k.due_at AS on_time
FROM gridgov.case_clocks k JOIN late l ON l.id = k.case_id WHERE l.label = 'rubbish'
ORDER BY k.started_at, k.stage;
\echo
\echo '== Whistle-and-report (吹哨报到) on the road collapse: report within 30 minutes'
SELECT d.name AS department, w.due_at::time AS due, w.reported_at::time AS reported,
       w.reported_at <= w.due_at AS on_time
FROM gridgov.whistle_calls w JOIN gridgov.departments d ON d.id = w.department_id
JOIN late l ON l.id = w.case_id ORDER BY d.code;

\echo
\echo '== This session LISTENs to gridgov_events; the sweep runs at later times (as_of):'
LISTEN gridgov_events;
\echo '-- at 14:00: the rubbish case''s warning, the collapse case''s late clocks, the late report-in'
SELECT gridgov.sla_sweep(pg_temp.t(:'day', '14:00')) AS actions;
\echo '-- at 15:00: the rubbish case is past its 14:20 deadline: rung 1, a reminder to the department holding it (催办)'
SELECT gridgov.sla_sweep(pg_temp.t(:'day', '15:00')) AS actions;
\echo '-- at 15:00 again: nothing (idempotent)'
SELECT gridgov.sla_sweep(pg_temp.t(:'day', '15:00')) AS actions;
\echo '-- then each time the rubbish case''s next rung falls due: its supervising department, the town'
\echo '-- center, the district center, which supervises it (督办) — and, the supervision unanswered'
\echo '-- (a second breach), the discipline bodies, by the rule this district configured'
\echo '-- (Pidu pushes repeated breaches to the discipline commission and procuratorate):'
INSERT INTO gridgov.escalation_ladder (category_prefix, urgency, level, title, target, min_breaches, delay, delay_unit, calendar_id)
SELECT '', NULL, 5, '区纪委监委、区检察院 (discipline inspection and procuratorate)', 'discipline', 2, 1, 'working_days', id
FROM gridgov.calendars WHERE name = 'cn';
CREATE FUNCTION pg_temp.next_rung() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT k.next_escalation_at + interval '1 minute' FROM gridgov.case_clocks k
            JOIN late l ON l.id = k.case_id AND l.label = 'rubbish' WHERE k.stage = 'handle');
END $$;
SELECT pg_temp.next_rung() AS at \gset
SELECT pg_catalog.to_char(:'at'::timestamptz, 'MM-DD HH24:MI') AS at, gridgov.sla_sweep(:'at') AS actions;
SELECT pg_temp.next_rung() AS at \gset
SELECT pg_catalog.to_char(:'at'::timestamptz, 'MM-DD HH24:MI') AS at, gridgov.sla_sweep(:'at') AS actions;
SELECT pg_temp.next_rung() AS at \gset
SELECT pg_catalog.to_char(:'at'::timestamptz, 'MM-DD HH24:MI') AS at, gridgov.sla_sweep(:'at') AS actions;
SELECT pg_temp.next_rung() AS at \gset
SELECT pg_catalog.to_char(:'at'::timestamptz, 'MM-DD HH24:MI') AS at, gridgov.sla_sweep(:'at') AS actions;
UNLISTEN gridgov_events;

\echo
\echo '== The ladder the rubbish case climbed (escalations), and the supervision (督办) its rung 4 started'
SELECT e.level, e.at, e.due_at,
       (SELECT pg_catalog.string_agg(d.name, '、' ORDER BY d.id) FROM gridgov.departments d
        WHERE d.id = ANY (e.department_ids)) AS told
FROM gridgov.escalations e JOIN late l ON l.id = e.case_id
WHERE l.label = 'rubbish' AND e.stage = 'handle' ORDER BY e.level;
SELECT c.case_no, c.supervised, c.escalation_level FROM gridgov.cases c JOIN late l ON l.id = c.id ORDER BY l.label DESC;

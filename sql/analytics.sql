-- Analytics on hand-built fixtures with known answers: per-case facts, three
-- rates, timeliness (with the published Tianmen figures), weights, ranking,
-- the SLA board, the analytics calendar, compaction, and bad arguments.
-- Every expected number is worked out in the comments.  Clocks are written by
-- hand after the workflow steps (the SLA policies are switched off), so the
-- results do not depend on how the SLA module sets them.
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
-- Analytics refreshed in the writing transaction; the queue (the default) is
-- tested at the end.
SET gridgov.analytics_sync = on;
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
BEGIN;
\i sql/fixtures/cases.sql
UPDATE sla_policies SET active = false;

CREATE TEMP TABLE k (label text PRIMARY KEY, id bigint);
CREATE FUNCTION c(label text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM k WHERE k.label = c.label $$;
CREATE FUNCTION dep(code text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM departments d WHERE d.code = dep.code $$;
CREATE FUNCTION new_case(label text, category text, lon float8, lat float8, at timestamptz,
                         source case_source DEFAULT 'patrol') RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE i bigint;
BEGIN
    INSERT INTO gridgov.cases (source, category, title, location, reported_at, reporter_name, reporter_phone, address)
    VALUES (source, category, label, ST_SetSRID(ST_MakePoint(lon, lat), 4326), at, '李四', '13912345678', '某小区3号楼')
    RETURNING id INTO i;
    INSERT INTO k VALUES (label, i);
    RETURN i;
END $$;
CREATE FUNCTION step(label text, action text, at timestamptz, payload jsonb DEFAULT '{}') RETURNS text
LANGUAGE sql AS $$ SELECT (gridgov.act(c(label), action, NULL, payload, at)).state $$;
-- A clock written by hand (calendar cn).  It bypasses the case history, which
-- the analytics follow: its case is refreshed by hand.
CREATE FUNCTION clock(label text, stage sla_stage, seq int, started timestamptz, due timestamptz,
                      met timestamptz DEFAULT NULL, level int DEFAULT 0) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at,
                                     warn_at, met_at, escalation_level)
    SELECT x.county, x.id, stage, seq, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 1, 'working_days',
           started, due, due, met, level
    FROM gridgov.cases x WHERE x.id = c(label);
    SELECT gridgov.analytics_refresh(ARRAY[c(label)]);
$$;

-- 1. Building blocks ---------------------------------------------------------------
SELECT h, handle_bucket(h) FROM unnest('{0, 0.25, 0.2501, 4.166667, 8, 8.01, 479, 480.5, NULL}'::numeric[]) h;
SELECT pct(1, 3), pct(2, 3), pct(0, 5), pct(5, 0), pct(NULL, 1);
SELECT weighted_score(50, 75, 75, 30, 35, 35) AS all_three, weighted_score(NULL, 100, 0, 30, 35, 35) AS no_response,
       weighted_score(NULL, NULL, NULL, 30, 35, 35) AS none, weighted_score(50, NULL, NULL, 0, 35, 35) AS zero_weight;
-- P(X >= 1 | 1) = 1 - e^-1 = 0.632 -> 0.199; P(X >= 5 | 1) = 0.00366 -> 2.437;
-- P(X >= 2 | 3) = 1 - 4e^-3 = 0.801 -> 0.096; P(X >= 30 | 2) = 5.9e-25 -> 24.232;
-- P(X >= 200 | 150) = 5.7e-5 -> 4.243 (the last two summed exactly in double precision).
SELECT round(poisson_score(1, 1)::numeric, 4) AS p1, round(poisson_score(5, 1)::numeric, 4) AS p5,
       round(poisson_score(2, 3)::numeric, 4) AS lower_tail, round(poisson_score(30, 2)::numeric, 3) AS far,
       poisson_score(0, 2) AS zero, round(poisson_score(200, 150)::numeric, 3) AS big;
SELECT area_at('110115', '110115004001001', 4) AS town, area_at('110115', '110115004001001', 5) AS community,
       area_at('110115', '110115005', 5) AS coarser, area_at('110115', NULL, 4) AS no_grid;

-- 2. Nine cases of March 2026 (Monday 2 March; cn works 8:30-12:00 and 13:30-17:30).
--    P1 (116.45, 39.85) lies in grid 110115004001001, P2 (116.55, 39.85) in
--    110115004001002, P3 (116.45, 39.65) in community 110115004002 (no unit
--    grids), P4 (116.30, 39.70) in town 110115005 (no communities).
-- A: grid event at P1, the whole loop, signed late.
SELECT new_case('A', 'E0102', 116.45, 39.85, '2026-03-02 09:00') IS NOT NULL AS a;
SELECT step('A', 'file', '2026-03-02 09:10'), step('A', 'dispatch', '2026-03-02 09:20'),
       step('A', 'sign', '2026-03-02 10:00'), step('A', 'handle', '2026-03-02 15:00'),
       step('A', 'verify_pass', '2026-03-03 09:00'),
       step('A', 'callback', '2026-03-03 10:00', '{"solved": true, "satisfaction": "satisfied"}');
-- B: hotline at P2: contacted after signing, returned (the return approved),
--    re-dispatched to DX-CGJ, unsatisfied callback,
--    re-handled (rework), extended, basically satisfied.
SELECT new_case('B', 'H0101', 116.55, 39.85, '2026-03-02 09:00', 'hotline') IS NOT NULL AS b;
SELECT step('B', 'dispatch', '2026-03-02 09:30'), step('B', 'return', '2026-03-02 10:00'),
       step('B', 'approve_return', '2026-03-02 10:15'),
       step('B', 'dispatch', '2026-03-02 10:30', jsonb_build_object('department_id', dep('DX-CGJ'))),
       step('B', 'sign', '2026-03-02 11:00'), step('B', 'contact', '2026-03-02 11:30'),
       step('B', 'handle', '2026-03-03 10:00'),
       step('B', 'reply', '2026-03-03 11:00'),
       step('B', 'callback', '2026-03-03 14:00', '{"solved": false, "satisfaction": "unsatisfied"}'),
       step('B', 'rehandle', '2026-03-03 15:00'), step('B', 'handle', '2026-03-04 10:00'),
       step('B', 'reply', '2026-03-04 10:30');
SELECT clock('B', 'whole', 1, '2026-03-02 09:00', '2026-03-04 17:30');
SELECT step('B', 'extend', '2026-03-04 10:40', '{"stage": "whole", "amount": 1}'),
       step('B', 'callback', '2026-03-04 11:00', '{"solved": true, "satisfaction": "basically_satisfied"}'),
       step('B', 'close', '2026-03-04 11:30');
-- C: dispute at P3: mediated, agreed, followed up.
SELECT new_case('C', 'D0101', 116.45, 39.65, '2026-03-02 10:00') IS NOT NULL AS c;
SELECT step('C', 'mediate', '2026-03-02 11:00'), step('C', 'agree', '2026-03-03 16:00'),
       step('C', 'follow_up', '2026-03-05 10:00', '{"solved": true, "satisfaction": "satisfied"}'),
       step('C', 'close', '2026-03-05 10:30');
-- D: handled on the spot by the grid worker (自处置).
SELECT new_case('D', 'E0102', 116.45, 39.85, '2026-03-02 11:00') IS NOT NULL AS d;
SELECT step('D', 'self_handle', '2026-03-02 11:20'), step('D', 'verify_pass', '2026-03-02 11:40'),
       step('D', 'close', '2026-03-02 12:00');
-- E: street order (routed to DX-CGJ by the E05 rule), not filed.
SELECT new_case('E', 'E0505', 116.45, 39.85, '2026-03-02 14:00') IS NOT NULL AS e;
SELECT step('E', 'reject', '2026-03-02 14:30');
-- F: a duplicate of A, filed and merged; it closes with A.
SELECT new_case('F', 'E0102', 116.45, 39.85, '2026-03-02 15:00') IS NOT NULL AS f;
SELECT step('F', 'file', '2026-03-02 15:10'),
       step('F', 'merge', '2026-03-02 15:20', jsonb_build_object('master_case_id', c('A')));
SELECT step('A', 'close', '2026-03-03 11:00');
-- G: town 005, dispatched and never signed: overdue, escalated to rung 2.
SELECT new_case('G', 'E0102', 116.30, 39.70, '2026-03-02 09:00') IS NOT NULL AS g;
SELECT step('G', 'file', '2026-03-02 09:05'), step('G', 'dispatch', '2026-03-02 09:10');
-- H: hotline in town 005, unsolved, closed after its deadline.
SELECT new_case('H', 'H0101', 116.30, 39.70, '2026-03-03 09:00', 'hotline') IS NOT NULL AS h;
SELECT step('H', 'dispatch', '2026-03-03 09:10'), step('H', 'sign', '2026-03-03 09:20'),
       step('H', 'contact', '2026-03-03 09:30'), step('H', 'handle', '2026-03-03 10:00'), step('H', 'reply', '2026-03-03 10:10'),
       step('H', 'callback', '2026-03-03 10:20', '{"solved": false, "satisfaction": "unsatisfied"}'),
       step('H', 'close', '2026-03-03 10:30');
-- I: filed on 31 March, due in April.
SELECT new_case('I', 'E0102', 116.55, 39.85, '2026-03-31 16:00') IS NOT NULL AS i;
SELECT step('I', 'file', '2026-03-31 16:10');

-- The clocks, as the SLA module would have left them (B's whole clock moved by
-- its extension from 4 to 5 March).
UPDATE case_clocks SET due_at = '2026-03-05 17:30', met_at = '2026-03-04 11:30', extended = 1
WHERE case_id = c('B') AND stage = 'whole';
SELECT analytics_refresh(ARRAY[c('B')]) AS refreshed;
SELECT clock('A', 'sign', 1, '2026-03-02 09:20', '2026-03-02 09:50', '2026-03-02 10:00'),
       clock('A', 'handle', 1, '2026-03-02 10:00', '2026-03-02 17:30', '2026-03-02 15:00'),
       clock('A', 'whole', 1, '2026-03-02 09:00', '2026-03-04 17:30', '2026-03-03 11:00'),
       clock('B', 'sign', 1, '2026-03-02 09:30', '2026-03-02 10:30', '2026-03-02 10:00'),
       clock('B', 'sign', 2, '2026-03-02 10:30', '2026-03-02 11:30', '2026-03-02 11:00'),
       clock('C', 'whole', 1, '2026-03-02 10:00', '2026-03-06 17:30', '2026-03-05 10:30'),
       clock('D', 'whole', 1, '2026-03-02 11:00', '2026-03-03 17:30', '2026-03-02 12:00'),
       clock('F', 'whole', 1, '2026-03-02 15:00', '2026-03-04 17:30'),
       clock('G', 'sign', 1, '2026-03-02 09:10', '2026-03-02 09:40', NULL, 2),
       clock('G', 'whole', 1, '2026-03-02 09:00', '2026-03-04 17:30'),
       clock('H', 'sign', 1, '2026-03-03 09:10', '2026-03-03 09:40', '2026-03-03 09:20'),
       clock('H', 'whole', 1, '2026-03-03 09:00', '2026-03-03 10:00', '2026-03-03 10:30'),
       clock('I', 'whole', 1, '2026-03-31 16:00', '2026-04-01 17:30');

-- 3. Per-case facts.  A: response 9:20-10:00 = 0.667 working h; handling
--    9:20-12:00 + 13:30-15:00 = 4.167 h; total 9:00-17:30 less lunch = 7 h on
--    2 March and 8:30-11:00 = 2.5 h on 3 March: 9.5 h (26 calendar hours).
--    B: response 9:30-11:00 = 1.5 h; handling from 2 March 9:30 to 4 March 10:00
--    = 6.5 + 7.5 + 1.5 = 15.5 h.  C (never dispatched): handling from the report,
--    10:00 on 2 March to 16:00 on 3 March = 6 + 6 = 12 h.  D: 20 minutes.
--    H: 50 minutes.
SELECT k.label, f.town, f.community, f.grid, f.category_major, f.category_minor, f.source, f.state,
       f.department_code, f.merged
FROM case_facts f JOIN k ON k.id = f.case_id ORDER BY k.label;
SELECT k.label, to_char(f.filed_at, 'DD HH24:MI') AS filed, to_char(f.first_dispatched_at, 'DD HH24:MI') AS first_disp,
       to_char(f.dispatched_at, 'DD HH24:MI') AS disp, to_char(f.signed_at, 'DD HH24:MI') AS signed,
       to_char(f.handled_at, 'DD HH24:MI') AS handled, to_char(f.verified_at, 'DD HH24:MI') AS verified,
       to_char(f.called_back_at, 'DD HH24:MI') AS called_back, to_char(f.closed_at, 'DD HH24:MI') AS closed,
       to_char(f.deadline, 'MM-DD HH24:MI') AS deadline, f.reported_day, f.filed_day, f.due_day
FROM case_facts f JOIN k ON k.id = f.case_id ORDER BY k.label;
SELECT k.label, f.sign_on_time, f.handle_on_time, f.whole_on_time, f.closed_on_time,
       f.response_work_hours, f.response_hours, f.handle_work_hours, f.handle_hours,
       f.total_work_hours, f.total_hours
FROM case_facts f JOIN k ON k.id = f.case_id ORDER BY k.label;
SELECT k.label, f.dispatches, f.returns, f.reworks, f.reopens, f.extensions, f.escalation_level, f.solved,
       f.satisfaction, ST_AsText(f.location_approx) AS location_approx
FROM case_facts f JOIN k ON k.id = f.case_id ORDER BY k.label;
SELECT * FROM analytics_check();

-- 4. Three rates, March, county and towns (from the month summaries) and per
--    department.  County: dispatched A B G H, responded B H (A signed late, G
--    not at all) = 50%; called back A B C H, solved A B C = 75%, satisfied A B
--    C = 75%; score (30 x 50 + 35 x 75 + 35 x 75) / 100 = 67.5.
--    Town 004: dispatched A B, responded B; called back A B C, all solved and
--    satisfied: 50 / 100 / 100 -> 85.  Town 005: G H, responded H; H unsolved
--    and unsatisfied: 50 / 0 / 0 -> 15.
SELECT level, area, dept.code AS department, reported, dispatched, responded, response_rate, called_back, solved,
       resolution_rate, satisfied, satisfaction_rate, score, served_from
FROM three_rates r LEFT JOIN dept ON dept.id = r.department_id
WHERE period = 'month' AND period_start = '2026-03-01' AND level IN ('county', 'town')
ORDER BY level, area, department NULLS FIRST;

-- 5. Timeliness, March.  Filed: all but E (rejected) = 8 (B and H: hotline
--    intake; C: dispute intake; D: self-handled).  Due in March: A B C D G H (F
--    merged, I due in April) = 6; closed A B C D H = 83.33%; on time A B C D
--    (H closed 10:30, due 10:00) = 66.67%; reworked B, extended B: 16.67%;
--    first dispatch: A and H of A B G H = 50%; handling 4.167 15.5 12 0.333
--    0.833: average 6.57 h, p90 = the 5th of 5 (ceil(0.9 x 5)) = bucket 16.
SELECT level, area, dept.code AS department, filed, due, closed, closed_on_time, closure_rate, on_time_rate,
       reworked, rework_rate, extended, extension_rate, dispatched, first_dispatch_ok, first_dispatch_accuracy,
       handled, avg_handle_hours, p90_handle_hours, served_from
FROM timeliness t LEFT JOIN dept ON dept.id = t.department_id
WHERE period = 'month' AND period_start = '2026-03-01' AND level IN ('county', 'town')
ORDER BY level, area, department NULLS FIRST;
-- April: only I is due, open.
SELECT level, area, filed, due, closed, closure_rate FROM timeliness
WHERE period = 'month' AND period_start = '2026-04-01' AND department_id IS NULL ORDER BY level, area;
-- The same counts from the per-case rows, by day and grid: 2 March in grid
-- 004001001 has A D E F reported (F merged), A D F filed; D is due on 3 March
-- (20 minutes of handling), A on 4 March (4.17 h); F, merged, is never due.
SELECT period_start, area, reported, dispatched, responded, called_back, solved, filed, due, closed, closed_on_time,
       round(handle_hours / NULLIF(handled, 0), 2) AS avg_handle_hours, served_from
FROM kpi
WHERE period = 'day' AND level = 'grid' AND area = '110115004001001' AND department_id IS NULL
ORDER BY period_start;
-- Weeks start on Monday: 2 March opens the week of everything but I (30 March).
SELECT period_start, reported, dispatched FROM three_rates
WHERE period = 'week' AND level = 'county' AND department_id IS NULL ORDER BY period_start;

-- 6. Weights are data: a county row (50/25/25) overrides the shipped default,
--    a town row (100/0/0) overrides the county row in its town.
--    County: (50 x 50 + 25 x 75 + 25 x 75) / 100 = 62.5; town 004: 75;
--    town 005: the response rate alone, 50.
INSERT INTO score_weights (area, response, resolution, satisfaction, note) VALUES
    ('110115', 50, 25, 25, 'test'), ('110115005', 100, 0, 0, 'test');
SELECT level, area, score FROM three_rates
WHERE period = 'month' AND period_start = '2026-03-01' AND level IN ('county', 'town') AND department_id IS NULL
ORDER BY level, area;
DELETE FROM score_weights WHERE NOT builtin;
-- The shipped row is read-only; weights are not negative and not all zero.
UPDATE score_weights SET response = 40 WHERE builtin;
DELETE FROM score_weights WHERE builtin;
INSERT INTO score_weights (area, response, resolution, satisfaction, builtin) VALUES ('110115', 1, 1, 1, true);
INSERT INTO score_weights (area, response, resolution, satisfaction) VALUES ('110115', -1, 1, 1);
INSERT INTO score_weights (area, response, resolution, satisfaction) VALUES ('110115', 0, 0, 0);
INSERT INTO score_weights (area, response, resolution, satisfaction) VALUES (NULL, 1, 1, 1), (NULL, 2, 2, 2);

-- 7. Department ranking, March: DX-CGJ (B, E) 100; YZ-CC (A C D F I): A's late
--    response 0%, A and C solved and satisfied -> 70; HC-CC (G H) 15.
SELECT month, county, department_code, dispatched, response_rate, resolution_rate, satisfaction_rate, score,
       due, closure_rate, on_time_rate, first_dispatch_accuracy, avg_handle_hours, rank
FROM department_ranking WHERE month = '2026-03-01' ORDER BY rank, department_code;

-- 8. The board on 1 April 17:00: I (filed, YZ-CC) is due at 17:30; G (dispatched,
--    HC-CC) is overdue at rung 2; a whistle of G summoned DX-CGJ (not reported,
--    due long ago) and DX-WATER (reported).
INSERT INTO whistles (county, case_id, at, note, report_within)
SELECT county, id, '2026-03-02 10:00', '现场报到', '30 minutes' FROM cases WHERE id = c('G');
INSERT INTO whistle_calls (county, case_id, whistle_id, department_id, due_at, reported_at)
SELECT w.county, w.case_id, w.id, v.d, '2026-03-02 10:30', v.r
FROM whistles w, (VALUES (dep('DX-CGJ'), NULL::timestamptz), (dep('DX-WATER'), '2026-03-02 10:20')) v(d, r)
WHERE w.case_id = c('G');
SELECT county, town, department_name, state, open_cases, due_within_hour, overdue, overdue_level0, overdue_level1,
       overdue_level2, overdue_level3, whistles_pending, whistles_late
FROM sla_board_at('2026-04-01 17:00');
-- An hour later I is overdue too (not escalated yet).
SELECT town, state, open_cases, due_within_hour, overdue, overdue_level0, overdue_level2
FROM sla_board_at('2026-04-01 18:00') WHERE open_cases > 0;
SELECT pg_catalog.count(*) > 0 AS live_board FROM sla_board;

-- 9. Tianmen, December 2016 (published: 996 filed, 972 due, 911 closed, 737 on
--    time; 93.72% and 75.82%).  996 hotline cases in town 005, each due 7
--    days after its report: 972 reported 1-20 December (due 8-27 December), 24
--    on 27-28 December (due in January).  737 answered the day after the
--    report, 174 a day after the deadline, 85 still open.
INSERT INTO cases (source, category, title, location, reported_at)
SELECT 'hotline', 'H0201', '天门 ' || i, ST_SetSRID(ST_MakePoint(116.30, 39.70), 4326),
       CASE WHEN i <= 972 THEN timestamptz '2016-12-01 09:00' + ((i - 1) % 20) * interval '1 day'
            ELSE timestamptz '2016-12-27 09:00' + ((i - 973) % 2) * interval '1 day' END
FROM generate_series(1, 996) i;
CREATE TEMP TABLE tm AS
SELECT row_number() OVER (ORDER BY id) AS i, id, reported_at FROM cases WHERE title LIKE '天门 %';
SELECT pg_catalog.count(*) AS answered FROM (
    SELECT act(id, 'answer', NULL, '{}', CASE WHEN i <= 737 THEN reported_at + interval '1 day'
                                              ELSE reported_at + interval '8 days' END)
    FROM tm WHERE i <= 911 ORDER BY i) x;
INSERT INTO case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at, met_at)
SELECT x.county, x.id, 'whole', 1, (SELECT id FROM calendars WHERE name = 'cn'), 7, 'calendar_days',
       x.reported_at, x.reported_at + interval '7 days', x.reported_at + interval '5 days', x.closed_at
FROM cases x JOIN tm ON tm.id = x.id;
SELECT analytics_refresh(ARRAY(SELECT id FROM tm)) > 0 AS refreshed;
SELECT level, area, served_from, filed, due, closed, closed_on_time, closure_rate, on_time_rate
FROM timeliness
WHERE period = 'month' AND period_start = '2016-12-01' AND department_id IS NULL
ORDER BY level, area;
SELECT period_start, filed, due, closed, closure_rate FROM timeliness
WHERE period = 'month' AND level = 'town' AND area = '110115005' AND department_id IS NULL
  AND period_start IN ('2016-12-01', '2017-01-01') ORDER BY 1;

-- 10. Compaction folds the delta rows and changes no result; the check agrees.
CREATE TEMP TABLE before AS SELECT * FROM kpi WHERE period = 'month' AND level IN ('county', 'town');
SELECT pg_catalog.count(*) > pg_catalog.count(DISTINCT (month, county, town, department_id)) AS has_deltas
FROM stats_month;
SELECT analytics_compact() > 0 AS folded;
SELECT pg_catalog.count(*) = pg_catalog.count(DISTINCT (month, county, town, department_id)) AS one_row_per_key
FROM stats_month;
SELECT pg_catalog.count(*) AS changed FROM (
    (SELECT * FROM before EXCEPT SELECT * FROM kpi WHERE period = 'month' AND level IN ('county', 'town'))
    UNION ALL
    (SELECT * FROM kpi WHERE period = 'month' AND level IN ('county', 'town') EXCEPT SELECT * FROM before)) x;
SELECT analytics_compact() AS nothing_left;
SELECT * FROM analytics_check();
-- A rebuild from scratch gives the same.
SELECT analytics_rebuild() AS cases_rebuilt;
SELECT pg_catalog.count(*) AS changed FROM (
    (SELECT * FROM before EXCEPT SELECT * FROM kpi WHERE period = 'month' AND level IN ('county', 'town'))
    UNION ALL
    (SELECT * FROM kpi WHERE period = 'month' AND level IN ('county', 'town') EXCEPT SELECT * FROM before)) x;

-- 11. The analytics calendar (cn unless setting analytics_calendar says
--     otherwise): on 24x7 working hours are calendar hours; adding, changing or
--     removing the setting recomputes everything.  Unknown calendars are refused.
SELECT analytics_calendar(), analytics_time_zone();
INSERT INTO settings (key, value) VALUES ('analytics_calendar', '24x7');
SELECT k.label, f.handle_work_hours, f.handle_hours, f.total_work_hours, f.total_hours
FROM case_facts f JOIN k ON k.id = f.case_id WHERE k.label IN ('A', 'B') ORDER BY 1;
SELECT * FROM analytics_check();
UPDATE settings SET value = 'cn' WHERE key = 'analytics_calendar';
SELECT k.label, f.handle_work_hours FROM case_facts f JOIN k ON k.id = f.case_id WHERE k.label = 'A';
UPDATE settings SET value = 'mars' WHERE key = 'analytics_calendar';
UPDATE settings SET value = '24x7' WHERE key = 'analytics_calendar';
DELETE FROM settings WHERE key = 'analytics_calendar';
SELECT analytics_calendar(), k.label, f.handle_work_hours FROM case_facts f JOIN k ON k.id = f.case_id WHERE k.label = 'A';
INSERT INTO settings (key, value) VALUES ('analytics_calendar', 'nowhere');

-- 12. Bad arguments.
SELECT * FROM sla_board_at(NULL);
SELECT poisson_score(3, 0);
SELECT poisson_score(3, 'NaN');
SELECT poisson_score(NULL, 1) IS NULL AS strict;
SELECT * FROM detect_hotspots(NULL);
SELECT * FROM detect_hotspots('2026-03-09', '0 days');
SELECT * FROM detect_hotspots('2026-03-09', '7 days', '-8 weeks');
SELECT * FROM detect_hotspots('2026-03-09', min_cases => 0);
SELECT * FROM detect_hotspots('2026-03-09', alpha => 1);
SELECT * FROM detect_hotspots('2026-03-09', cluster_m => 0);
SELECT * FROM detect_hotspots('2026-03-09', cluster_min => 1);
SELECT * FROM detect_hotspots('infinity');
SELECT map_geojson('street', 'open_cases', '2026-03-09');
SELECT map_geojson('town', 'happiness', '2026-03-09');
SELECT map_svg(NULL, 'open_cases', '2026-03-09');
SELECT analytics_nightly(NULL);
SELECT analytics_refresh(NULL) AS nothing, analytics_refresh('{}') AS nothing_either;
SELECT analytics_refresh_pending(0);
SELECT analytics_refresh_pending(-5);

-- 13. The outbox (gridgov.analytics_sync off, the default).  A new case and a
--     workflow step are not refreshed in the writing transaction: the check
--     reports the case missing, then stale.  The drain takes in the events of
--     the transactions that have ended below the oldest one still running —
--     not this one's, which is still running — so it leaves them as they are;
--     test/analytics_outbox.sql shows them taken in once committed.  The
--     watermark does not pass this transaction.
SET gridgov.analytics_sync = off;
SELECT analytics_sync() AS sync;
SELECT new_case('Q', 'E0102', 116.45, 39.85, '2026-03-10 09:00+08') IS NOT NULL AS inserted;
SELECT count(*) AS facts FROM case_facts WHERE case_id = c('Q');
SELECT problem FROM analytics_check() WHERE key = c('Q')::text;
SELECT analytics_refresh_pending() AS refreshed_while_running;
SELECT below <= (pg_current_xact_id()::text)::bigint AS watermark_not_past_this_transaction FROM analytics_watermark;
SELECT step('Q', 'file', '2026-03-10 09:05+08');
SELECT step('Q', 'dispatch', '2026-03-10 09:10+08', jsonb_build_object('department_id', dep('YZ-CC')));
SELECT problem FROM analytics_check() WHERE key = c('Q')::text;
SELECT count(DISTINCT txid) AS transactions, count(*) AS events FROM case_events WHERE case_id = c('Q');
SELECT analytics_refresh(ARRAY[c('Q')]) AS refreshed_by_hand;
SELECT * FROM analytics_check();
SELECT state, dispatches FROM case_facts WHERE case_id = c('Q');
-- With analytics_sync on again, the writing transaction refreshes.
SET gridgov.analytics_sync = on;
SELECT step('Q', 'sign', '2026-03-10 09:30+08');
SELECT * FROM analytics_check();
-- No trigger is needed to keep them in order: the AFTER triggers on cases are
-- the intake's statement trigger and, with analytics_sync on, the analytics'
-- update trigger; the engine writes every event and clock before the row.
SELECT tgname FROM pg_trigger
WHERE tgrelid = 'gridgov.cases'::regclass AND NOT tgisinternal AND (tgtype & 2) = 0
ORDER BY tgname;

ROLLBACK;

-- The month summaries and every branch of gridgov.kpi equal a plain
-- aggregation of the per-case facts (an independent formulation of the
-- definitions, below), and the per-case facts equal their recomputation from
-- cases, history and clocks (analytics_check) — after inserts, after workflow
-- steps, after returns and re-dispatches to other departments, merges and
-- reopens, after clocks are written and moved across a month boundary, after
-- compaction, and after a rebuild.
BEGIN;
SELECT plan(25);
-- Analytics refreshed in the writing transaction (the queue is tested in sql/analytics.sql).
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;

-- 60 cases, every 3 hours from 25 March 2026 09:00 (so across the month end),
-- at five places (two unit grids, a community, a town, outside every grid) and
-- in four categories (a town-center event, an E05 event routed to DX-CGJ, a
-- hotline ticket, a dispute).
CREATE TEMP TABLE places (n int, lon float8, lat float8);
INSERT INTO places VALUES (0, 116.45, 39.85), (1, 116.55, 39.85), (2, 116.45, 39.65), (3, 116.30, 39.70), (4, 117.5, 40.5);
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT CASE WHEN c.cat LIKE 'H%' THEN 'hotline' ELSE 'patrol' END::gridgov.case_source, c.cat, 'p' || i,
       ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326),
       timestamptz '2026-03-25 09:00' + i * interval '3 hours'
FROM generate_series(0, 59) i
JOIN places p ON p.n = i % 5
JOIN (VALUES (0, 'E0102'), (1, 'E0505'), (2, 'H0101'), (3, 'D0101')) c(n, cat) ON c.n = (i / 5) % 4;
CREATE TEMP TABLE p AS
SELECT row_number() OVER (ORDER BY id)::int - 1 AS i, id, reported_at, workflow FROM gridgov.cases WHERE title LIKE 'p%';

-- Walk a case through actions, one hour apart from its report plus an offset.
CREATE FUNCTION walk(i int, actions text[], hours_from int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a text;
    n int := hours_from;
    cid bigint := (SELECT id FROM p WHERE p.i = walk.i);
    t0 timestamptz := (SELECT reported_at FROM p WHERE p.i = walk.i);
    st text;
BEGIN
    FOREACH a IN ARRAY actions LOOP
        n := n + 1;
        st := (gridgov.act(cid, CASE WHEN a = 'redispatch' THEN 'dispatch' ELSE a END, NULL,
                CASE WHEN a = 'redispatch'
                     THEN jsonb_build_object('department_id', (SELECT id FROM gridgov.departments WHERE code = 'DX-CGJ'))
                     WHEN a IN ('callback', 'follow_up')
                     THEN jsonb_build_object('solved', i % 3 <> 0,
                                             'satisfaction', (ARRAY['satisfied', 'basically_satisfied', 'unsatisfied'])[1 + i % 3])
                     WHEN a = 'merge'
                     THEN jsonb_build_object('master_case_id', (SELECT id FROM p WHERE p.i = walk.i - 5))
                     ELSE '{}' END,
                t0 + n * interval '1 hour')).state;
    END LOOP;
    RETURN st;
END $$;

-- The definitions again, written independently: every count from case_facts
-- by period x level x area x department (and all departments).
CREATE TEMP VIEW oracle AS
WITH f AS (
    SELECT x.*, COALESCE(x.grid, x.community) AS grid_area FROM gridgov.case_facts x
), rows AS (
    SELECT f.county, f.town, f.community, f.grid_area, f.department_id, f.reported_day AS day,
           1 AS reported, f.merged::int AS merged,
           (NOT f.merged AND f.dispatches > 0)::int AS dispatched,
           (NOT f.merged AND f.dispatches > 0 AND f.signed_at IS NOT NULL AND f.sign_on_time IS DISTINCT FROM false
            AND CASE WHEN f.contact_required THEN f.contacted_at IS NOT NULL AND f.contact_on_time IS DISTINCT FROM false
                     ELSE true END)::int AS responded,
           (NOT f.merged AND f.dispatches = 1 AND f.returns = 0 AND f.closed_at IS NOT NULL)::int AS first_dispatch_ok,
           (NOT f.merged AND f.solved IS NOT NULL)::int AS called_back,
           (NOT f.merged AND f.solved IS TRUE)::int AS solved,
           (NOT f.merged AND f.solved IS NOT NULL AND f.satisfaction IN ('satisfied', 'basically_satisfied'))::int AS satisfied,
           0 AS filed, 0 AS due, 0 AS closed, 0 AS closed_on_time, 0 AS reworked, 0 AS extended, 0 AS handled,
           0::numeric AS handle_hours, NULL::numeric AS bucket
    FROM f
    UNION ALL
    SELECT f.county, f.town, f.community, f.grid_area, f.department_id, f.filed_day,
           0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, NULL
    FROM f WHERE f.filed_at IS NOT NULL
    UNION ALL
    SELECT f.county, f.town, f.community, f.grid_area, f.department_id, f.due_day,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 1, (f.closed_at IS NOT NULL)::int, COALESCE(f.closed_at <= f.deadline, false)::int,
           (f.reworks > 0)::int, (f.extensions > 0)::int, (f.handle_work_hours IS NOT NULL)::int,
           COALESCE(f.handle_work_hours, 0), gridgov.handle_bucket(f.handle_work_hours)
    FROM f WHERE f.deadline IS NOT NULL AND f.filed_at IS NOT NULL AND NOT f.merged
), expanded AS (
    SELECT pr.period, date_trunc(pr.period, r.day::timestamp)::date AS period_start, lv.level,
           CASE lv.level WHEN 'county' THEN r.county WHEN 'town' THEN r.town WHEN 'community' THEN r.community
                         ELSE r.grid_area END AS area,
           CASE WHEN d.per THEN r.department_id END AS dept, r.*
    FROM rows r
    CROSS JOIN (VALUES ('day'), ('week'), ('month')) pr(period)
    CROSS JOIN (VALUES ('county'), ('town'), ('community'), ('grid')) lv(level)
    CROSS JOIN (VALUES (true), (false)) d(per)
)
SELECT e.period, e.period_start, e.level, e.area, e.dept AS department_id,
       sum(e.reported)::bigint AS reported, sum(e.merged)::bigint AS merged, sum(e.dispatched)::bigint AS dispatched,
       sum(e.responded)::bigint AS responded, sum(e.first_dispatch_ok)::bigint AS first_dispatch_ok,
       sum(e.called_back)::bigint AS called_back, sum(e.solved)::bigint AS solved, sum(e.satisfied)::bigint AS satisfied,
       sum(e.filed)::bigint AS filed, sum(e.due)::bigint AS due, sum(e.closed)::bigint AS closed,
       sum(e.closed_on_time)::bigint AS closed_on_time, sum(e.reworked)::bigint AS reworked,
       sum(e.extended)::bigint AS extended, sum(e.handled)::bigint AS handled, sum(e.handle_hours) AS handle_hours,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY e.bucket) AS handle_p90_hours
FROM expanded e
GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION summaries_match(phase text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEXT is_empty('SELECT * FROM gridgov.analytics_check()',
                         phase || ': case_stats equal their recomputation, summaries the sums of their rows');
    RETURN NEXT is_empty($q$
        (SELECT period, period_start, level, area, department_id, reported, merged, dispatched, responded,
                first_dispatch_ok, called_back, solved, satisfied, filed, due, closed, closed_on_time, reworked,
                extended, handled, handle_hours, handle_p90_hours
         FROM gridgov.kpi WHERE served_from = 'stats_month'
         EXCEPT SELECT * FROM oracle WHERE period = 'month' AND level IN ('county', 'town'))
        UNION ALL
        (SELECT * FROM oracle WHERE period = 'month' AND level IN ('county', 'town')
         EXCEPT SELECT period, period_start, level, area, department_id, reported, merged, dispatched, responded,
                first_dispatch_ok, called_back, solved, satisfied, filed, due, closed, closed_on_time, reworked,
                extended, handled, handle_hours, handle_p90_hours
         FROM gridgov.kpi WHERE served_from = 'stats_month')$q$,
        phase || ': month x county/town from the summaries = aggregation of the cases');
    RETURN NEXT is_empty($q$
        (SELECT period, period_start, level, area, department_id, reported, merged, dispatched, responded,
                first_dispatch_ok, called_back, solved, satisfied, filed, due, closed, closed_on_time, reworked,
                extended, handled, handle_hours, handle_p90_hours
         FROM gridgov.kpi WHERE served_from = 'case_stats'
         EXCEPT SELECT * FROM oracle WHERE NOT (period = 'month' AND level IN ('county', 'town')))
        UNION ALL
        (SELECT * FROM oracle WHERE NOT (period = 'month' AND level IN ('county', 'town'))
         EXCEPT SELECT period, period_start, level, area, department_id, reported, merged, dispatched, responded,
                first_dispatch_ok, called_back, solved, satisfied, filed, due, closed, closed_on_time, reworked,
                extended, handled, handle_hours, handle_p90_hours
         FROM gridgov.kpi WHERE served_from = 'case_stats')$q$,
        phase || ': every other period x level from the per-case rows = aggregation of the cases');
END $$;

SELECT * FROM summaries_match('after inserts');

-- Workflow steps, different for each case.
SELECT count(*) FILTER (WHERE st IS NOT NULL) AS walked FROM (
    SELECT CASE
        WHEN workflow = 'grid_event' AND i % 10 = 0 THEN walk(i, '{reject}', 0)
        WHEN workflow = 'grid_event' AND i % 10 = 1 THEN walk(i, '{self_handle,verify_pass,close}', 0)
        WHEN workflow = 'grid_event' AND i % 10 = 2 THEN walk(i, '{file,dispatch}', 0)
        WHEN workflow = 'grid_event' AND i % 10 = 3 THEN walk(i, '{file,dispatch,sign,handle,verify_fail,handle,verify_pass,close}', 0)
        WHEN workflow = 'grid_event' THEN walk(i, '{file,dispatch,sign,handle,verify_pass,callback,close}', 0)
        WHEN workflow = 'hotline' AND i % 3 = 0 THEN walk(i, '{answer}', 0)
        WHEN workflow = 'hotline' THEN walk(i, '{dispatch,sign,contact,handle,reply,callback,close}', 0)
        WHEN i % 2 = 0 THEN walk(i, '{mediate,agree,follow_up,close}', 0)
        ELSE walk(i, '{mediate,fail,refer}', 0) END AS st
    FROM p ORDER BY i) x;
SELECT * FROM summaries_match('after workflow steps');

-- Returns (approved, then re-dispatched to another department, or rejected),
-- merges and reopens, on further cases (a second batch reported in April).
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT CASE WHEN i % 2 = 0 THEN 'hotline' ELSE 'patrol' END::gridgov.case_source,
       CASE WHEN i % 2 = 0 THEN 'H0101' ELSE 'E0102' END, 'p' || i,
       ST_SetSRID(ST_MakePoint(pl.lon, pl.lat), 4326), timestamptz '2026-04-05 09:00' + (i - 60) * interval '5 hours'
FROM generate_series(60, 79) i JOIN places pl ON pl.n = i % 4;
INSERT INTO p SELECT row_number() OVER (ORDER BY id)::int + 59, id, reported_at, workflow
FROM gridgov.cases WHERE title LIKE 'p%' AND id > (SELECT max(id) FROM p);
SELECT count(*) AS walked FROM (
    SELECT CASE
        WHEN workflow = 'hotline' AND i % 4 = 0
            THEN walk(i, '{dispatch,return,approve_return,redispatch,sign,contact,handle,reply,callback,close,reopen}', 0)
        WHEN workflow = 'hotline' AND i % 8 = 2 THEN walk(i, '{dispatch,return,reject_return,sign,contact}', 0)
        WHEN workflow = 'hotline' THEN walk(i, '{dispatch,return,approve_return,redispatch,sign}', 0)
        WHEN i % 4 = 1 THEN walk(i, '{file,dispatch,return,approve_return,redispatch,sign,handle,verify_pass,close}', 0)
        ELSE walk(i, '{file,merge}', 0) END AS st
    FROM p WHERE i >= 60 ORDER BY i) x;
SELECT * FROM summaries_match('after returns, re-dispatches, merges and reopens');

-- Clocks: whole clocks due 0-9 days after the report (so on both sides of the
-- month end), sign clocks met late for every third dispatched case, contact
-- clocks met late for some hotline tickets; then some
-- deadlines move into the next month and some clocks end.
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at, met_at)
SELECT c.county, c.id, 'whole', 1, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 1, 'working_days',
       c.reported_at, c.reported_at + (p.i % 10) * interval '1 day', c.reported_at, c.closed_at
FROM gridgov.cases c JOIN p ON p.id = c.id;
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at, met_at)
SELECT c.county, c.id, 'sign', 1, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 1, 'working_days',
       f.first_dispatched_at, f.first_dispatched_at + interval '30 minutes' * (p.i % 3), f.first_dispatched_at,
       f.signed_at
FROM gridgov.cases c JOIN p ON p.id = c.id JOIN gridgov.case_facts f ON f.case_id = c.id
WHERE f.first_dispatched_at IS NOT NULL;
-- Contact clocks on the signed hotline tickets, due 30, 60 or 90 minutes after
-- signing: met by the contact event an hour after signing (late for some),
-- running (not contacted) or cancelled.
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at,
                                 met_at, cancelled_at)
SELECT c.county, c.id, 'contact', 1, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 30, 'minutes',
       f.signed_at, f.signed_at + interval '30 minutes' * (1 + p.i % 3), f.signed_at, f.contacted_at,
       CASE WHEN f.contacted_at IS NULL AND p.i % 2 = 0 THEN f.signed_at + interval '1 minute' END
FROM gridgov.cases c JOIN p ON p.id = c.id JOIN gridgov.case_facts f ON f.case_id = c.id
WHERE c.workflow = 'hotline' AND f.signed_at IS NOT NULL;
-- Clocks written by hand bypass the case history, which the analytics follow.
CREATE TEMP TABLE refreshed_1 AS SELECT gridgov.analytics_refresh(ARRAY(SELECT id FROM p)) AS n;
SELECT * FROM summaries_match('after clocks');
UPDATE gridgov.case_clocks k SET due_at = k.due_at + interval '6 days'
FROM p WHERE p.id = k.case_id AND k.stage = 'whole' AND p.i % 4 = 0;
UPDATE gridgov.case_clocks k SET met_at = k.started_at + interval '2 hours'
FROM p WHERE p.id = k.case_id AND k.stage = 'sign' AND k.met_at IS NULL;
CREATE TEMP TABLE refreshed_2 AS SELECT gridgov.analytics_refresh(ARRAY(SELECT id FROM p)) AS n;
SELECT * FROM summaries_match('after deadlines move and clocks end');

SELECT cmp_ok(gridgov.analytics_compact(), '>', 0::bigint, 'compaction folds delta rows');
SELECT * FROM summaries_match('after compaction');
SELECT is(gridgov.analytics_rebuild(), (SELECT count(*) FROM gridgov.cases), 'a rebuild recomputes every case');
SELECT * FROM summaries_match('after a rebuild');

-- A bulk insert larger than one refresh slice (10,000 cases).
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'video', 'E0102', 'bulk', ST_SetSRID(ST_MakePoint(116.40 + (i % 200) * 0.001, 39.76 + (i / 200) * 0.002), 4326),
       timestamptz '2026-04-20 00:00' + i * interval '1 minute'
FROM generate_series(1, 10050) i;
SELECT is((SELECT count(*) FROM gridgov.case_stats), (SELECT count(*) FROM gridgov.cases),
          'a bulk insert of 10,050 cases in one statement: every case has its facts');
SELECT is((SELECT sum(reported) FROM gridgov.stats_month), (SELECT count(*) FROM gridgov.cases)::numeric,
          'and is counted once in the summaries');

SELECT * FROM finish();
ROLLBACK;

-- gridgov.import_history() (docs/history-import.md): a district's past cases
-- brought in whole from the staging tables.
--   - Five timelines (every shipped workflow; returns and re-dispatch, a failed
--     verification, suspend/resume, an extension, an unsatisfied callback and
--     re-handling, a reopen, a late step that breaches its clock, a case still
--     open) are played live — INSERT and act() at the steps' times — and
--     imported from staging: each imported case equals its live twin (row,
--     events, clocks with their met/breached outcome).
--   - Every kind of bad staged case goes to import_rejects with its reason;
--     nothing is imported for it and nothing staged is left unaccounted for.
--   - A re-run imports nothing again (the keys are skipped).
--   - verify_histories() is empty; the analytics equal their recomputation.
--   - A worker cannot run the import.
BEGIN;
SELECT plan(30);
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL gridgov.analytics_sync = on;
\i sql/fixtures/cases.sql
CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();

-- The timelines: the case, then its steps (hours after reporting).
CREATE TEMP TABLE tc (tl text, source gridgov.case_source, category text, lon float8, lat float8);
INSERT INTO tc VALUES
    ('ev-return', 'patrol',     'E0102', 116.45, 39.80),
    ('hl-pause',  'hotline',    'H0101', 116.55, 39.85),
    ('dp-late',   'department', 'D0101', 116.30, 39.70),
    ('ev-open',   'video',      'E0505', 116.45, 39.65),
    ('hl-reopen', 'hotline',    'H0101', 116.25, 39.75);
CREATE TEMP TABLE ts (tl text, seq int, hours numeric, action text, department text,
                      solved boolean, satisfaction gridgov.satisfaction, payload jsonb);
INSERT INTO ts VALUES
    ('ev-return', 1, 1, 'file', NULL, NULL, NULL, NULL),
    ('ev-return', 2, 2, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('ev-return', 3, 3, 'return', 'DX-CGJ', NULL, NULL, NULL),
    ('ev-return', 4, 3.5, 'approve_return', NULL, NULL, NULL, NULL),
    ('ev-return', 5, 4, 'dispatch', 'DX-WATER', NULL, NULL, NULL),
    ('ev-return', 6, 5, 'sign', 'DX-WATER', NULL, NULL, NULL),
    ('ev-return', 7, 6, 'handle', 'DX-WATER', NULL, NULL, NULL),
    ('ev-return', 8, 7, 'verify_fail', NULL, NULL, NULL, NULL),
    ('ev-return', 9, 30, 'handle', 'DX-WATER', NULL, NULL, NULL),
    ('ev-return', 10, 31, 'verify_pass', NULL, NULL, NULL, NULL),
    ('ev-return', 11, 32, 'callback', NULL, true, 'satisfied', NULL),
    ('ev-return', 12, 33, 'close', NULL, NULL, NULL, NULL),
    ('hl-pause', 1, 1, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 2, 2, 'sign', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 3, 2.5, 'contact', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 4, 3, 'suspend', NULL, NULL, NULL, NULL),
    ('hl-pause', 5, 50, 'resume', NULL, NULL, NULL, NULL),
    ('hl-pause', 6, 51, 'extend', NULL, NULL, NULL, '{"stage": "handle", "amount": 2, "unit": "calendar_days"}'),
    ('hl-pause', 7, 60, 'handle', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 8, 61, 'reply', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 9, 62, 'callback', NULL, false, 'unsatisfied', NULL),
    ('hl-pause', 10, 63, 'rehandle', NULL, NULL, NULL, NULL),
    ('hl-pause', 11, 64, 'handle', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 12, 65, 'reply', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-pause', 13, 66, 'callback', NULL, true, 'basically_satisfied', NULL),
    ('hl-pause', 14, 67, 'close', NULL, NULL, NULL, NULL),
    ('dp-late', 1, 1, 'mediate', 'DX-CC', NULL, NULL, NULL),
    ('dp-late', 2, 800, 'fail', 'DX-CC', NULL, NULL, NULL),
    ('dp-late', 3, 801, 'refer', 'DX-CC', NULL, NULL, NULL),
    ('dp-late', 4, 802, 'follow_up', NULL, true, 'satisfied', NULL),
    ('dp-late', 5, 803, 'close', NULL, NULL, NULL, NULL),
    ('ev-open', 1, 1, 'file', NULL, NULL, NULL, NULL),
    ('ev-open', 2, 2, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 1, 1, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 2, 2, 'sign', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 3, 2.5, 'contact', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 4, 3, 'handle', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 5, 4, 'reply', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 6, 5, 'callback', NULL, true, 'satisfied', NULL),
    ('hl-reopen', 7, 6, 'close', NULL, NULL, NULL, NULL),
    ('hl-reopen', 8, 100, 'reopen', NULL, NULL, NULL, NULL),
    ('hl-reopen', 9, 101, 'sign', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 10, 101.5, 'contact', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 11, 102, 'handle', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 12, 103, 'reply', 'DX-CGJ', NULL, NULL, NULL),
    ('hl-reopen', 13, 104, 'callback', NULL, true, 'satisfied', NULL),
    ('hl-reopen', 14, 105, 'close', NULL, NULL, NULL, NULL);
CREATE TEMP TABLE t0 AS SELECT timestamptz '2026-03-02 09:00+08' AS at;

-- Live: intake, then act() at each step's time.
DO $$
DECLARE
    c record;
    s record;
    cid bigint;
BEGIN
    FOR c IN SELECT * FROM tc ORDER BY tl LOOP
        INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
        VALUES (c.source, 'live-' || c.tl, c.category, c.tl, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326),
                (SELECT at FROM t0))
        RETURNING id INTO cid;
        FOR s IN SELECT * FROM ts WHERE ts.tl = c.tl ORDER BY seq LOOP
            PERFORM gridgov.act(cid, s.action, NULL,
                COALESCE(s.payload, '{}') || jsonb_strip_nulls(jsonb_build_object(
                    'department_id', CASE WHEN s.action = 'dispatch' THEN (SELECT id FROM dept WHERE code = s.department) END,
                    'solved', s.solved, 'satisfaction', s.satisfaction)),
                (SELECT at FROM t0) + s.hours * interval '1 hour');
        END LOOP;
    END LOOP;
END
$$;

-- Staged: the same timelines, with the department intake routed the live case to.
INSERT INTO gridgov.import_cases (county, source, external_id, category, title, location, reported_at, department)
SELECT '110115', tc.source, 'imp-' || tc.tl, tc.category, tc.tl, ST_SetSRID(ST_MakePoint(tc.lon, tc.lat), 4326),
       (SELECT at FROM t0), NULL
FROM tc;
-- The department at intake is in the live intake event's payload.
UPDATE gridgov.import_cases i SET department = d.code
FROM gridgov.cases c JOIN gridgov.case_events e ON e.county = c.county AND e.case_id = c.id AND e.seq = 1
JOIN dept d ON d.id = (e.payload ->> 'department_id')::bigint
WHERE c.external_id = 'live-' || substr(i.external_id, 5) AND i.external_id LIKE 'imp-%';
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action, department, solved, satisfaction, payload)
SELECT '110115', tc.source, 'imp-' || ts.tl, ts.seq, (SELECT at FROM t0) + ts.hours * interval '1 hour', ts.action,
       ts.department, ts.solved, ts.satisfaction, ts.payload
FROM ts JOIN tc USING (tl);

-- Bad staged cases, one per check: external_id bad-N, each with its reason.
CREATE TEMP TABLE bad (ext text, reason text);
INSERT INTO bad VALUES
    ('bad-category', 'unknown category ''X9999'''),
    ('bad-location', 'missing location'),
    ('bad-title', 'missing title'),
    ('bad-long-title', 'title must have 1 to 500 characters, not 501'),
    ('bad-future', 'reported_at lies in the future'),
    ('bad-department', 'unknown department ''NO-SUCH'''),
    ('bad-step-department', 'unknown department ''NO-SUCH-2'''),
    ('bad-order', 'the steps are not in time order'),
    ('bad-before', 'the steps are not in time order'),
    ('bad-step-future', 'a step lies in the future'),
    ('bad-seq', 'two steps have the same seq'),
    ('bad-twice', 'the key is staged more than once'),
    ('bad-elsewhere', 'location lies in district 110116'),
    ('bad-coords', 'location is not a point in a known coordinate system'),
    ('bad-transition', 'step 2: action "sign" is not allowed in state "filed" of workflow "grid_event"'),
    ('bad-callback', 'step 6: action "callback" needs a value for "solved"'),
    ('bad-merge', 'step 1: action "merge" cannot be imported'),
    ('bad-resume', 'resume without a suspended clock'),
    ('bad-extend', 'extend needs a stage, a positive amount and a known unit'),
    ('bad-orphan', 'steps without a staged case');
INSERT INTO gridgov.grids (code, name, geom) VALUES ('110116', '怀柔区', sq(117.0, 40.0, 117.2, 40.2));
INSERT INTO gridgov.import_cases (county, source, external_id, category, title, location, coord_system, reported_at, department)
SELECT '110115', 'city'::gridgov.case_source, b.ext,
       CASE b.ext WHEN 'bad-category' THEN 'X9999' WHEN 'bad-transition' THEN 'E0102' WHEN 'bad-merge' THEN 'E0102'
                  WHEN 'bad-resume' THEN 'E0102' ELSE 'H0101' END,
       CASE b.ext WHEN 'bad-title' THEN NULL WHEN 'bad-long-title' THEN pg_catalog.repeat('长', 501) ELSE b.ext END,
       CASE b.ext WHEN 'bad-location' THEN NULL WHEN 'bad-elsewhere' THEN ST_SetSRID(ST_MakePoint(117.1, 40.1), 4326)
                  WHEN 'bad-coords' THEN ST_SetSRID(ST_MakeLine(ST_MakePoint(116.45, 39.8), ST_MakePoint(116.46, 39.8)), 4326)
                  ELSE ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326) END,
       'wgs84',
       CASE WHEN b.ext = 'bad-future' THEN now() + interval '1 day' ELSE (SELECT at FROM t0) END,
       CASE WHEN b.ext = 'bad-department' THEN 'NO-SUCH' END
FROM bad b WHERE b.ext <> 'bad-orphan'
UNION ALL SELECT '110115', 'city', 'bad-twice', 'H0101', 'again', ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326), 'wgs84',
       (SELECT at FROM t0), NULL;
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action, department, solved, satisfaction, payload)
SELECT '110115', 'city', v.ext, v.seq, (SELECT at FROM t0) + v.hours * interval '1 hour', v.action, v.department,
       v.solved, v.satisfaction, v.payload::jsonb
FROM (VALUES
    ('bad-step-department', 1, 1, 'dispatch', 'NO-SUCH-2', NULL::boolean, NULL::gridgov.satisfaction, NULL),
    ('bad-order', 1, 2, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-order', 2, 1, 'sign', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-before', 1, -1, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-seq', 1, 1, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-seq', 1, 2, 'sign', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-transition', 1, 1, 'file', NULL, NULL, NULL, NULL),
    ('bad-transition', 2, 2, 'sign', NULL, NULL, NULL, NULL),
    ('bad-callback', 1, 1, 'dispatch', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-callback', 2, 2, 'sign', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-callback', 3, 2.5, 'contact', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-callback', 4, 3, 'handle', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-callback', 5, 4, 'reply', 'DX-CGJ', NULL, NULL, NULL),
    ('bad-callback', 6, 5, 'callback', NULL, NULL, NULL, NULL),
    ('bad-merge', 1, 1, 'merge', NULL, NULL, NULL, '{"master_case_id": 1}'),
    ('bad-resume', 1, 1, 'resume', NULL, NULL, NULL, NULL),
    ('bad-extend', 1, 1, 'extend', NULL, NULL, NULL, '{"stage": "handle", "amount": -1}'),
    ('bad-orphan', 1, 1, 'dispatch', 'DX-CGJ', NULL, NULL, NULL)
) v(ext, seq, hours, action, department, solved, satisfaction, payload);
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action)
VALUES ('110115', 'city', 'bad-step-future', 1, now() + interval '1 day', 'dispatch');

CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM gridgov.case_events) AS events,
                                   (SELECT count(*) FROM gridgov.case_clocks) AS clocks;

-- 1. The import ----------------------------------------------------------------------
CREATE TEMP TABLE run1 AS SELECT * FROM gridgov.import_history();
SELECT results_eq('SELECT staged, imported, skipped, rejected FROM run1',
                  $$VALUES (25::bigint, 5::bigint, 0::bigint, 20::bigint)$$,
                  'first run: 25 staged rows, 5 cases imported, 20 keys rejected (one staged twice, one steps only)');
SELECT results_eq('SELECT external_id, reason FROM gridgov.import_rejects ORDER BY external_id',
                  'SELECT ext, reason FROM bad ORDER BY ext',
                  'every bad staged case is rejected with the reason of its first failed check');
SELECT is_empty($$SELECT 1 FROM gridgov.cases WHERE external_id LIKE 'bad-%'$$, 'nothing of a rejected case is imported');
SELECT is((SELECT count(*) FROM gridgov.import_rejects r
           WHERE r.staged -> 'steps' = '[]' AND r.external_id IN ('bad-step-department', 'bad-order', 'bad-seq')),
          0::bigint, 'a reject keeps its staged steps');
SELECT is((SELECT jsonb_array_length(staged -> 'case') FROM gridgov.import_rejects WHERE external_id = 'bad-twice'),
          2, 'a key staged twice keeps both staged rows');
SELECT ok((SELECT staged -> 'case' = 'null' AND jsonb_array_length(staged -> 'steps') = 1
           FROM gridgov.import_rejects WHERE external_id = 'bad-orphan'), 'steps without a case are rejected with their rows');

-- 2. Each imported case equals its live twin --------------------------------------------
CREATE TEMP VIEW pair AS
SELECT tc.tl, l.id AS live, i.id AS imp, l.county
FROM tc JOIN gridgov.cases l ON l.external_id = 'live-' || tc.tl JOIN gridgov.cases i ON i.external_id = 'imp-' || tc.tl;
SELECT is((SELECT count(*) FROM pair), 5::bigint, 'the five timelines are imported');
SELECT is_empty($$
    SELECT p.tl FROM pair p JOIN gridgov.cases l ON l.id = p.live JOIN gridgov.cases i ON i.id = p.imp
    WHERE (l.county, l.category, l.urgency, l.grid, l.department_id, l.workflow, l.state, l.reported_at,
           l.updated_at, l.closed_at, l.dispatches, l.returns, l.reworks, l.reopens, l.extensions,
           l.suspensions, l.supervised, l.escalation_level, l.solved, l.satisfaction, l.events,
           l.history_hash IS NULL, ST_AsText(l.location))
          IS DISTINCT FROM
          (i.county, i.category, i.urgency, i.grid, i.department_id, i.workflow, i.state, i.reported_at,
           i.updated_at, i.closed_at, i.dispatches, i.returns, i.reworks, i.reopens, i.extensions,
           i.suspensions, i.supervised, i.escalation_level, i.solved, i.satisfaction, i.events,
           i.history_hash IS NULL, ST_AsText(i.location))$$,
    'each imported case row equals the live one (state, closing, counters, callback, department, grid)');
SELECT is_empty($$
    SELECT p.tl, e.seq FROM pair p JOIN gridgov.case_events e ON e.case_id = p.live
    EXCEPT
    SELECT p.tl, e.seq FROM pair p JOIN gridgov.case_events e ON e.case_id = p.imp
    UNION ALL
    (SELECT p.tl, e.seq FROM pair p JOIN gridgov.case_events e ON e.case_id = p.live
          LEFT JOIN gridgov.case_events f ON f.case_id = p.imp AND f.seq = e.seq
     WHERE (e.at, e.action, e.from_state, e.to_state, e.actor_role)
           IS DISTINCT FROM (f.at, f.action, f.from_state, f.to_state, f.actor_role))$$,
    'each imported history has the live one''s events (time, action, states, actor)');
SELECT is_empty($$
    SELECT p.tl, k.stage, k.seq FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.live
    LEFT JOIN gridgov.case_clocks m ON m.case_id = p.imp AND m.stage = k.stage AND m.seq = k.seq
    WHERE (k.policy_id, k.calendar_id, k.amount, k.unit, k.started_at, k.due_at, k.warn_at, k.met_at,
           k.cancelled_at, k.paused_at, k.paused_minutes, k.extended, k.warned_at, k.escalation_level,
           k.next_escalation_at)
          IS DISTINCT FROM
          (m.policy_id, m.calendar_id, m.amount, m.unit, m.started_at, m.due_at, m.warn_at, m.met_at,
           m.cancelled_at, m.paused_at, m.paused_minutes, m.extended, m.warned_at, m.escalation_level,
           m.next_escalation_at)$$,
    'each imported clock equals the live one (due after pause and extension, met, cancelled, running)');
SELECT is((SELECT count(*) FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.imp),
          (SELECT count(*) FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.live),
          'and there are as many imported clocks as live ones');
SELECT ok((SELECT count(*) FILTER (WHERE k.met_at > k.due_at) > 0 AND count(*) FILTER (WHERE k.met_at <= k.due_at) > 0
           FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.imp WHERE p.tl = 'dp-late'),
          'the late step''s clock is breached, the others met in time');
SELECT is((SELECT count(*) FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.imp
           WHERE p.tl = 'ev-open' AND k.met_at IS NULL AND k.cancelled_at IS NULL AND k.next_escalation_at = k.due_at),
          1::bigint, 'the open case keeps its running sign clock, due for the sweep');
SELECT is((SELECT extended FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.imp
           WHERE p.tl = 'hl-pause' AND k.stage = 'handle' AND k.seq = 1), 2::numeric,
          'the extension is recorded on the handle clock');
SELECT ok((SELECT paused_minutes > 0 FROM pair p JOIN gridgov.case_clocks k ON k.case_id = p.imp
           WHERE p.tl = 'hl-pause' AND k.stage = 'whole'), 'the suspension''s working time is recorded');
SELECT is((SELECT payload -> 'imported' FROM pair p JOIN gridgov.case_events e ON e.case_id = p.imp AND e.seq = 1
           WHERE p.tl = 'ev-open'), 'true'::jsonb, 'an imported intake event says so');
SELECT is((SELECT count(*) FROM gridgov.cases WHERE external_id LIKE 'imp-%' AND possible_duplicate_of IS NOT NULL),
          0::bigint, 'imported cases are not flagged as likely duplicates of each other');

-- 3. Chains and analytics ----------------------------------------------------------------
SELECT is_empty('SELECT * FROM gridgov.verify_histories()', 'every history verifies, the imported ones too');
-- (Restricted to this file's cases: other suites commit cases of their own.)
SELECT is_empty($$SELECT * FROM gridgov.analytics_check() c
                  WHERE c.object = 'case_stats' AND c.key IN (SELECT imp::text FROM pair UNION ALL SELECT live::text FROM pair)$$,
                'the analytics facts of the imported history equal their recomputation from the raw rows');
SELECT is((SELECT count(*) FROM gridgov.case_stats s JOIN pair p ON s.case_id = p.imp), 5::bigint,
          'and every imported case has its facts');

-- 4. A re-run imports nothing again ---------------------------------------------------------
CREATE TEMP TABLE mid AS SELECT (SELECT count(*) FROM gridgov.case_events) AS events,
                                (SELECT count(*) FROM gridgov.case_clocks) AS clocks,
                                (SELECT count(*) FROM gridgov.cases) AS cases;
SELECT results_eq('SELECT staged, imported, skipped, rejected FROM gridgov.import_history()',
                  $$VALUES (25::bigint, 0::bigint, 5::bigint, 20::bigint)$$,
                  'second run: the five imported keys are skipped, the bad ones rejected again');
SELECT ok((SELECT (SELECT count(*) FROM gridgov.case_events) = events AND (SELECT count(*) FROM gridgov.case_clocks) = clocks
                  AND (SELECT count(*) FROM gridgov.cases) = cases FROM mid), 'and writes no case, event or clock');
SELECT is((SELECT count(*) FROM gridgov.import_rejects), 20::bigint, 'a reject is kept once per key');

-- A corrected case is imported and leaves the rejects.
UPDATE gridgov.import_cases SET location = ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326) WHERE external_id = 'bad-location';
SELECT results_eq('SELECT imported FROM gridgov.import_history()', $$VALUES (1::bigint)$$,
                  'a corrected case is imported on the next run');
SELECT is_empty($$SELECT 1 FROM gridgov.import_rejects WHERE external_id = 'bad-location'$$,
                'and its reject is removed');

-- 5. Who may import --------------------------------------------------------------------------
CREATE ROLE gg_imp_worker NOLOGIN;
GRANT gridgov_worker TO gg_imp_worker;
SET LOCAL ROLE gg_imp_worker;
SELECT throws_ok('SELECT * FROM gridgov.import_history()', '42501', NULL, 'a worker cannot run the import');
SELECT throws_ok('SELECT gridgov.history_import_apply()', '42501', NULL, 'nor its C half');
RESET ROLE;

-- An admin login imports (import_history() runs as the owner, the events name the
-- login), but cannot hand the C half tables of its own (it is the owner's only).
CREATE ROLE gg_imp_admin LOGIN IN ROLE gridgov_admin;
SET SESSION AUTHORIZATION gg_imp_admin;
INSERT INTO gridgov.import_cases (county, source, external_id, category, title, location, reported_at)
VALUES ('110115', 'hotline', 'admin-1', 'H0101', '管理员导入', ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326),
        '2025-03-03 09:00+08');
SELECT is((SELECT imported FROM gridgov.import_history('2026-01-01')), 1::bigint,
    'an admin login runs the import');
SELECT is((SELECT pg_catalog.string_agg(DISTINCT e.actor_role, ',') FROM gridgov.case_events e
           JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) e.county AND c.id = e.case_id
           WHERE c.external_id = 'admin-1'), 'gg_imp_admin', 'the imported events name the login that imported them');
SELECT throws_ok('SELECT gridgov.history_import_apply()', '42501', NULL,
    'an admin cannot call the C half with tables of its own');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;

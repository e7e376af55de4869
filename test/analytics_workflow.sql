-- The analytics of the workflow steps of issue 15, with hand-computed answers:
-- the discovery stage (occurred_at against the discover policy, on its
-- calendar), the response rule with and without a first-contact clock, and
-- first-dispatch accuracy with approved and rejected returns (stat_rows() of
-- hand-built rows, and the same counts in gridgov.workflow_timeliness).
BEGIN;
SELECT plan(31);
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql
-- Only this file's policies: the discover limits below, no clocks otherwise.
UPDATE gridgov.sla_policies SET active = false;
INSERT INTO gridgov.sla_policies (category_prefix, stage, amount, unit, calendar_id, note)
SELECT v.prefix, 'discover', v.amount, v.unit, c.id, 'test'
FROM (VALUES ('E0102', 30, 'minutes', '24x7'), ('E0505', 1, 'working_hours', 'cn')) v(prefix, amount, unit, cal)
JOIN gridgov.calendars c ON c.name = v.cal;

CREATE TEMP TABLE k (label text PRIMARY KEY, id bigint);
CREATE FUNCTION pg_temp.c(label text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM k WHERE k.label = c.label $$;
INSERT INTO gridgov.cases (source, external_id, category, title, location, occurred_at, reported_at)
VALUES ('patrol', 'in-time', 'E0102', 'a', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        '2026-03-02 09:00', '2026-03-02 09:30'),
       ('patrol', 'late', 'E0102', 'b', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        '2026-03-02 09:00', '2026-03-02 09:31'),
       ('video', 'weekend', 'E0505', 'c', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        '2026-03-06 17:00', '2026-03-07 10:00'),
       ('video', 'monday', 'E0505', 'd', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        '2026-03-06 17:00', '2026-03-09 09:01'),
       ('patrol', 'unknown', 'E0102', 'e', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        NULL, '2026-03-02 09:30'),
       ('video', 'no-policy', 'E0103', 'f', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        '2026-03-02 09:00', '2026-03-02 09:05');
INSERT INTO k SELECT external_id, id FROM gridgov.cases WHERE external_id IS NOT NULL;

-- 1. Discovery.  E0102: 30 minutes on 24x7, so 09:30 is in time and 09:31 late.
--    E0505: 1 working hour on cn (8:30-12:00, 13:30-17:30): found Friday 6 March
--    17:00, the limit is Monday 9 March 09:00 (30 minutes on Friday, 30 on
--    Monday): Saturday 10:00 is in time after 17 calendar hours, Monday 09:01
--    late.  No occurred_at, or no discover policy (E0103): NULL.
SELECT is((SELECT array_agg(f.discover_on_time ORDER BY f.case_id) FROM gridgov.case_facts f
           WHERE f.case_id IN (pg_temp.c('in-time'), pg_temp.c('late'))),
          ARRAY[true, false], 'discovery within 30 minutes on 24x7: on time at 30, late at 31');
SELECT is((SELECT array_agg(f.discover_minutes ORDER BY f.case_id) FROM gridgov.case_facts f
           WHERE f.case_id IN (pg_temp.c('in-time'), pg_temp.c('late'), pg_temp.c('weekend'))),
          ARRAY[30, 31, 1020]::numeric[], 'discover_minutes are calendar minutes from occurred_at to the report');
SELECT is((SELECT f.discover_on_time FROM gridgov.case_facts f WHERE f.case_id = pg_temp.c('weekend')),
          true, 'a weekend report is in time when the limit counts working hours (due Monday 09:00)');
SELECT is((SELECT f.discover_on_time FROM gridgov.case_facts f WHERE f.case_id = pg_temp.c('monday')),
          false, 'Monday 09:01 is past the working-hour limit');
SELECT ok((SELECT f.discover_on_time IS NULL AND f.discover_minutes IS NULL AND f.occurred_at IS NULL
           FROM gridgov.case_facts f WHERE f.case_id = pg_temp.c('unknown')),
          'no occurred_at: no discovery time');
SELECT ok((SELECT f.discover_on_time IS NULL AND f.discover_minutes = 5
           FROM gridgov.case_facts f WHERE f.case_id = pg_temp.c('no-policy')),
          'no discover policy for the category: minutes counted, on time NULL');
-- Per department: YZ-CC (the town center) holds the E01 cases (in-time, late,
-- unknown, no-policy: 2 measured, 1 in time, (30 + 31 + 5) / 3 = 22 minutes),
-- DX-CGJ the E05 ones ((1020 + 3841) / 2 = 2430.5 minutes: Friday 17:00 to
-- Monday 09:01 is 64 h 1 min).
SELECT results_eq(
    $$SELECT d.code::text COLLATE "default", w.cases, w.discover_measured, w.discover_on_time, w.discover_on_time_rate, w.avg_discover_minutes
      FROM gridgov.workflow_timeliness w JOIN gridgov.departments d ON d.id = w.department_id
      WHERE w.month = '2026-03-01' AND w.county = '110115' ORDER BY d.code$$,
    $$VALUES ('DX-CGJ'::text, 2::bigint, 2::bigint, 1::bigint, 50.00::numeric, 2430.50::numeric),
             ('YZ-CC', 4, 2, 1, 50.00, 22.00)$$,
    'workflow_timeliness: discovery per department');

-- 2. First contact in the response rule (stat_rows of hand-built rows): signed
--    in time responds unless a contact clock ran; then the caller must have
--    been contacted with no contact clock late.
CREATE TEMP TABLE base AS
SELECT jsonb_build_object('county', '110115', 'case_id', 1, 'case_no', 'x', 'source', 'hotline',
                          'category', 'H0101', 'urgency', 'normal', 'workflow', 'hotline', 'state', 'signed',
                          'town', '110115004', 'community', '110115004001', 'reported_at', '2026-03-02 09:00+08',
                          'reported_day', '2026-03-02', 'first_dispatched_at', '2026-03-02 09:10+08',
                          'signed_at', '2026-03-02 09:20+08', 'sign_on_time', true, 'dispatches', 1,
                          'returns', 0, 'reworks', 0, 'reopens', 0, 'extensions', 0, 'suspensions', 0,
                          'supervised', false, 'escalation_level', 0, 'merged', false,
                          'case_updated_at', '2026-03-02 09:20+08', 'contact_required', false, 'supervisions', 0,
                          'returns_requested', 0, 'returns_rejected', 0, 'extension_requests', 0,
                          'extension_refusals', 0, 'suspension_requests', 0, 'suspension_refusals', 0,
                          'meetings', 0) AS j;
CREATE FUNCTION pg_temp.r(changes jsonb) RETURNS TABLE (responded integer, first_dispatch_ok integer)
LANGUAGE sql AS $$
    SELECT r.responded, r.first_dispatch_ok
    FROM base, gridgov.stat_rows(jsonb_populate_record(NULL::gridgov.case_stats, base.j || changes)) r
    WHERE r.reported = 1
$$;
SELECT is((SELECT responded FROM pg_temp.r('{}')), 1, 'no contact clock (grid event, old hotline case): signed in time responds');
SELECT is((SELECT responded FROM pg_temp.r('{"contact_required": true}')), 0,
          'a contact clock ran and the caller was not contacted: not responded');
SELECT is((SELECT responded FROM pg_temp.r('{"contact_required": true, "contacted_at": "2026-03-02 10:00+08", "contact_on_time": true}')),
          1, 'contacted with every contact clock met in time: responded');
SELECT is((SELECT responded FROM pg_temp.r('{"contact_required": true, "contacted_at": "2026-03-02 12:00+08", "contact_on_time": false}')),
          0, 'contacted late: not responded');
SELECT is((SELECT responded FROM pg_temp.r('{"contact_required": true, "contacted_at": "2026-03-02 10:00+08", "contact_on_time": true, "sign_on_time": false}')),
          0, 'contacted in time but signed late: not responded');

-- 3. First-dispatch accuracy: closed after one dispatch and no approved return.
--    A rejected return leaves it (the case stayed with its first holder); an
--    approved one (cases.returns, then a re-dispatch) spoils it.
SELECT is((SELECT first_dispatch_ok FROM pg_temp.r('{"closed_at": "2026-03-03 09:00+08", "returns_requested": 1, "returns_rejected": 1}')),
          1, 'a rejected return does not spoil first-dispatch accuracy');
SELECT is((SELECT first_dispatch_ok FROM pg_temp.r('{"closed_at": "2026-03-03 09:00+08", "returns_requested": 1, "returns": 1, "dispatches": 2}')),
          0, 'an approved return (and the re-dispatch) does');
SELECT is((SELECT first_dispatch_ok FROM pg_temp.r('{"closed_at": null}')), 0, 'an open case is not (yet) dispatched right the first time');

-- 4. contact_required follows the case's contact clocks: a running one sets it
--    (and the signed case no longer responds); cancelled without a contact (the
--    ticket handled first, or sent to a joint meeting) it still counts against
--    the response until the caller is contacted.
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
VALUES ('hotline', 'H-1', 'H0101', 'g', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), '2026-03-02 09:00');
INSERT INTO k SELECT external_id, id FROM gridgov.cases WHERE external_id = 'H-1';
SELECT is(ARRAY[(gridgov.act(pg_temp.c('H-1'), 'dispatch', NULL, '{}', '2026-03-02 09:10')).state,
                (gridgov.act(pg_temp.c('H-1'), 'sign', NULL, '{}', '2026-03-02 09:20')).state],
          ARRAY['dispatched', 'signed'], 'a hotline case dispatched and signed (no clocks: the policies are off)');
SELECT is((SELECT sum(responded)::int FROM gridgov.kpi WHERE period = 'day' AND period_start = '2026-03-02'
           AND level = 'county' AND area = '110115' AND department_id IS NULL), 1, 'signed in time, no contact clock: responded');
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at)
SELECT x.county, x.id, 'contact', 1, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 2, 'working_hours',
       '2026-03-02 09:20', '2026-03-02 11:20', '2026-03-02 11:00'
FROM gridgov.cases x WHERE x.id = pg_temp.c('H-1');
SELECT gridgov.analytics_refresh(ARRAY[pg_temp.c('H-1')]) \g /dev/null
SELECT is((SELECT contact_required FROM gridgov.case_facts WHERE case_id = pg_temp.c('H-1')), true,
          'a running contact clock: contact required');
SELECT is((SELECT sum(responded)::int FROM gridgov.kpi WHERE period = 'day' AND period_start = '2026-03-02'
           AND level = 'county' AND area = '110115' AND department_id IS NULL), 0, 'not contacted yet: not responded (summaries and kpi)');
UPDATE gridgov.case_clocks SET cancelled_at = '2026-03-02 10:00'
WHERE case_id = pg_temp.c('H-1') AND stage = 'contact';
SELECT gridgov.analytics_refresh(ARRAY[pg_temp.c('H-1')]) \g /dev/null
SELECT is((SELECT (contact_required, contact_on_time) FROM gridgov.case_facts WHERE case_id = pg_temp.c('H-1')),
          ROW(true, NULL::boolean), 'a contact clock cancelled without a contact still requires it');
SELECT is((SELECT sum(responded)::int FROM gridgov.kpi WHERE period = 'day' AND period_start = '2026-03-02'
           AND level = 'county' AND area = '110115' AND department_id IS NULL), 0, 'and the case has not responded');
SELECT is((gridgov.act(pg_temp.c('H-1'), 'contact', NULL, '{}', '2026-03-02 10:30')).state, 'contacted',
          'the caller contacted after all');
SELECT is((SELECT sum(responded)::int FROM gridgov.kpi WHERE period = 'day' AND period_start = '2026-03-02'
           AND level = 'county' AND area = '110115' AND department_id IS NULL), 1,
          'contacted, no contact clock late: responded again');

-- 5. The same through act(), with the shipped contact (2 working hours on cn)
--    and supervise (1 working day) policies, on Monday 9 March.  HC-ok is
--    signed at 09:20 and contacts the caller at 10:00 (due 11:20), HC-late at
--    14:00 (it asked for an hour more at 09:30, refused); HC-ok is supervised
--    at 10:10 and answers at 10:20.  RJ's return is rejected (back to its
--    holder), AP's approved and re-dispatched.  MT goes to a joint meeting whose decision
--    dispatches it to DX-CGJ.
UPDATE gridgov.sla_policies SET active = true
WHERE builtin AND urgency IS NULL AND stage IN ('contact', 'supervise');
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
SELECT CASE WHEN v.cat LIKE 'H%' THEN 'hotline' ELSE 'patrol' END::gridgov.case_source, v.ext, v.cat, v.ext,
       ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), '2026-03-09 09:00'
FROM (VALUES ('HC-ok', 'H0101'), ('HC-late', 'H0101'), ('RJ', 'E0102'), ('AP', 'E0102'), ('MT', 'H0101')) v(ext, cat);
INSERT INTO k SELECT external_id, id FROM gridgov.cases WHERE title IN ('HC-ok', 'HC-late', 'RJ', 'AP', 'MT');
CREATE FUNCTION pg_temp.walk(label text, steps text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    one text;
    action text;
    at timestamptz;
    payload jsonb;
BEGIN
    -- each step: 'action@HH:MI' or 'action@HH:MI@payload'
    FOREACH one IN ARRAY steps LOOP
        action := split_part(one, '@', 1);
        at := ('2026-03-09 ' || split_part(one, '@', 2))::timestamptz;
        payload := COALESCE(NULLIF(split_part(one, '@', 3), '')::jsonb, '{}');
        st := (gridgov.act(pg_temp.c(label), action, CASE WHEN action LIKE 'request_%' THEN 'need more time' END,
                           payload, at)).state;
    END LOOP;
    RETURN st;
END $$;
SELECT is(ARRAY[
    pg_temp.walk('HC-ok', '{dispatch@09:10,sign@09:20,contact@10:00,supervise@10:10,answer_supervision@10:20}'),
    pg_temp.walk('HC-late', ARRAY['dispatch@09:10', 'sign@09:20',
                                  'request_extension@09:30@{"stage": "contact", "amount": 1}',
                                  'refuse_extension@09:35', 'contact@14:00']),
    pg_temp.walk('RJ', '{file@09:05,dispatch@09:10,return@09:30,reject_return@09:40,sign@09:50,handle@10:30,verify_pass@11:00,close@11:10}'),
    pg_temp.walk('AP', '{file@09:05,dispatch@09:10,return@09:30,approve_return@09:40,dispatch@09:50,sign@10:00,handle@10:30,verify_pass@11:00,close@11:10}'),
    pg_temp.walk('MT', ARRAY['dispatch@09:10',
                             format('refer_meeting@09:30@{"departments": [%s, %s]}',
                                    (SELECT id FROM gridgov.departments WHERE code = 'DX-CGJ'),
                                    (SELECT id FROM gridgov.departments WHERE code = 'YZ-CC')),
                             format('decide@11:00@{"department_id": %s, "decision": "DX-CGJ leads"}',
                                    (SELECT id FROM gridgov.departments WHERE code = 'DX-CGJ'))])],
    ARRAY['contacted', 'contacted', 'closed', 'closed', 'dispatched'], 'five cases walked through the new steps');
SELECT results_eq(
    $$SELECT f.contact_required, f.contacted_at, f.contact_on_time, r.responded
      FROM gridgov.case_facts f JOIN gridgov.case_stats s ON s.case_id = f.case_id,
           gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      WHERE f.case_id IN (pg_temp.c('HC-ok'), pg_temp.c('HC-late')) AND r.reported = 1 ORDER BY f.case_id$$,
    $$VALUES (true, '2026-03-09 10:00+08'::timestamptz, true, 1), (true, '2026-03-09 14:00+08', false, 0)$$,
    'first contact in time responds, contact after the 2 working hours does not');
SELECT results_eq(
    $$SELECT f.supervisions, f.supervise_on_time, f.supervised FROM gridgov.case_facts f WHERE f.case_id = pg_temp.c('HC-ok')$$,
    $$VALUES (1, true, true)$$, 'a supervision answered within its working day');
SELECT results_eq(
    $$SELECT f.returns_requested, f.returns_rejected, f.returns, f.dispatches, r.first_dispatch_ok
      FROM gridgov.case_facts f JOIN gridgov.case_stats s ON s.case_id = f.case_id,
           gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      WHERE f.case_id IN (pg_temp.c('RJ'), pg_temp.c('AP')) AND r.reported = 1 ORDER BY f.case_id$$,
    $$VALUES (1, 1, 0, 1, 1), (1, 0, 1, 2, 0)$$,
    'a rejected return keeps first-dispatch accuracy, an approved one (re-dispatched) spoils it');
SELECT results_eq(
    $$SELECT f.extension_requests, f.extension_refusals, f.extensions FROM gridgov.case_facts f WHERE f.case_id = pg_temp.c('HC-late')$$,
    $$VALUES (1, 1, 0)$$, 'an extension asked for and refused: counted, not an extension');
SELECT results_eq(
    $$SELECT f.meetings, f.dispatches, d.code::text COLLATE "default" FROM gridgov.case_facts f
      JOIN gridgov.departments d ON d.id = f.department_id WHERE f.case_id = pg_temp.c('MT')$$,
    $$VALUES (1, 2, 'DX-CGJ'::text)$$, 'a joint meeting, its decision dispatching to the lead department');
SELECT results_eq(
    $$SELECT sum(contact_required)::int, sum(contacted_on_time)::int, sum(supervised)::int,
             sum(supervision_on_time)::int, sum(returns_requested)::int, sum(returns_approved)::int,
             sum(returns_rejected)::int, sum(extension_requests)::int, sum(extension_refusals)::int,
             sum(meetings)::int
      FROM gridgov.workflow_timeliness WHERE month = '2026-03-01' AND county = '110115'$$,
    $$VALUES (3, 2, 1, 1, 2, 1, 1, 1, 1, 1)$$,
    'workflow_timeliness counts them (with H-1 of section 4: contact required, made)');
SELECT is_empty('SELECT * FROM gridgov.analytics_check()', 'the facts and summaries equal their recomputation');

SELECT * FROM finish();
ROLLBACK;

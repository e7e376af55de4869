-- The escalation sweep across sessions: a listener receives the NOTIFY
-- payloads (polled for, at most 30 s: they reach its connection after the
-- commit); two concurrent sweeps escalate each due clock exactly once; and
-- real pg_cron runs the scheduled sweep, gridgov.sla_sweep_run(), in this
-- instance and commits between its batches (bounded wait of 90 s, the one
-- place a test waits for a clock: pg_cron's granularity is a minute).
-- Fixture data must be visible to other sessions, so it is committed through
-- a dblink session, in a fictitious county 990102 no other suite uses.
BEGIN;
SELECT plan(14);

CREATE TEMP TABLE conn AS SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
    pg_catalog.current_setting('port'), pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS s;
SELECT dblink_connect('setup', (SELECT s FROM conn));
SELECT dblink_connect('listener', (SELECT s FROM conn));
SELECT dblink_connect('sweep_a', (SELECT s FROM conn));
SELECT dblink_connect('sweep_b', (SELECT s FROM conn));
SELECT dblink_exec(c, 'SET statement_timeout = ''60s''') FROM pg_catalog.unnest(ARRAY['setup', 'listener', 'sweep_a', 'sweep_b']) c;

-- Committed fixture: a district command center and discipline body for 990102,
-- and 201 exposed-rubbish cases reported at 09:00 on Monday 5 Jan 2026, so that
-- their file clocks (20 min) are due at 09:20.
SELECT dblink_exec('setup', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
        ('T99-CC', '测试区指挥中心', 'district', '990102', 'command_center'),
        ('T99-JW', '测试区纪委监委', 'district', '990102', 'discipline')$$);
SELECT dblink_exec('setup', $$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
    SELECT '990102', 'patrol', 'sla-sessions-' || i, 'E0102', '测试 ' || i, '2026-01-05 09:00+08',
           (SELECT id FROM gridgov.departments WHERE code = 'T99-CC')
    FROM pg_catalog.generate_series(0, 200) i$$);
CREATE TEMP TABLE mine AS
SELECT id, case_no FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '990102' AND external_id LIKE 'sla-sessions-%';
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_clocks k JOIN mine m ON m.id = k.case_id
           WHERE k.stage = 'file' AND k.due_at = '2026-01-05 09:20+08'), 201::bigint,
          'every case has its file clock, due at 09:20');

-- 1. A listener gets the JSON payload of one sweep that escalates one case.
SELECT dblink_exec('listener', 'LISTEN gridgov_events');
SELECT dblink_exec('setup', pg_catalog.format(
    $$UPDATE gridgov.case_clocks SET next_escalation_at = '2026-01-05 09:20+08' WHERE case_id = %s AND stage = 'file'$$,
    (SELECT pg_catalog.min(id) FROM mine)));
SELECT dblink_exec('setup', $$
    UPDATE gridgov.case_clocks SET next_escalation_at = '2026-01-05 12:00+08', warn_at = '2026-01-05 12:00+08'
    WHERE county OPERATOR(gridgov.=) '990102' AND stage = 'file'
      AND case_id <> (SELECT pg_catalog.min(id) FROM gridgov.cases WHERE external_id LIKE 'sla-sessions-%')$$);
SELECT is((SELECT n FROM dblink('sweep_a', $$SELECT gridgov.sla_sweep('2026-01-05 09:30+08')$$) AS t(n integer)),
          2, 'the sweep warns and escalates the one due clock');
-- The notifications reach the listener's connection some time after the
-- commit: collect them until two of this county have come, for at most 30 s
-- (besides them, the escalate event sends one of type case: docs/events.md).
CREATE TEMP TABLE heard (p jsonb);
CREATE FUNCTION pg_temp.hear(want bigint, limit_s integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => limit_s);
    have bigint;
BEGIN
    LOOP
        INSERT INTO heard SELECT extra::jsonb FROM dblink_get_notify('listener') WHERE notify_name = 'gridgov_events';
        SELECT pg_catalog.count(*) INTO have FROM heard WHERE p ->> 'county' = '990102' AND p ->> 'type' <> 'case';
        EXIT WHEN have >= want OR pg_catalog.clock_timestamp() > deadline;
        PERFORM pg_catalog.pg_sleep(0.02);
    END LOOP;
    RETURN have;
END $$;
SELECT is(pg_temp.hear(2, 30), 2::bigint, 'the listener received two notifications after the commit');
SELECT is((SELECT pg_catalog.jsonb_build_object('type', p -> 'type', 'stage', p -> 'stage', 'level', p -> 'level',
                                                'due_at', (p ->> 'due_at')::timestamptz = '2026-01-05 09:20+08',
                                                'case', (p ->> 'case_id')::bigint = (SELECT pg_catalog.min(id) FROM mine),
                                                'case_no', p ->> 'case_no' = (SELECT case_no FROM mine ORDER BY id LIMIT 1))
           FROM heard WHERE p ->> 'type' = 'escalation'),
          '{"type": "escalation", "stage": "file", "level": 1, "due_at": true, "case": true, "case_no": true}'::jsonb,
          'the escalation payload names the case (id and number), stage, level and due time');

-- 2. Two concurrent sweeps over the other 200 due clocks: each escalated once.
SELECT dblink_exec('setup', $$
    UPDATE gridgov.case_clocks SET next_escalation_at = '2026-01-05 09:20+08', warn_at = '2026-01-05 09:16+08'
    WHERE county OPERATOR(gridgov.=) '990102' AND stage = 'file' AND escalation_level = 0$$);
SELECT dblink_send_query('sweep_a', $$SELECT gridgov.sla_sweep('2026-01-05 10:00+08')$$);
SELECT dblink_send_query('sweep_b', $$SELECT gridgov.sla_sweep('2026-01-05 10:00+08')$$);
CREATE TEMP TABLE swept AS
SELECT 'a' AS who, n FROM dblink_get_result('sweep_a') AS t(n integer)
UNION ALL
SELECT 'b', n FROM dblink_get_result('sweep_b') AS t(n integer);
SELECT is((SELECT pg_catalog.sum(n) FROM swept), 400::bigint,
          'together the two sweeps warned and escalated each of the 200 clocks once (400 actions)');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.escalations e JOIN mine m ON m.id = e.case_id WHERE e.level = 1),
          201::bigint, 'one level-1 escalation per clock');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN mine m ON m.id = e.case_id
           WHERE e.action = 'escalate'), 201::bigint, 'one escalate event per case history');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.verify_histories('990102')), 0::bigint,
          'the histories are intact');

-- 3. Real pg_cron runs the scheduled sweep: a case reported 2 hours ago.
SELECT dblink_exec('setup', $$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
    SELECT '990102', 'patrol', 'sla-cron', 'E0102', '等待定时任务', pg_catalog.now() - interval '2 hours',
           (SELECT id FROM gridgov.departments WHERE code = 'T99-CC')$$);
SELECT is((SELECT pg_catalog.count(*) FROM dblink('setup', 'SELECT job_name FROM gridgov.schedule_jobs()') AS t(j text)),
          4::bigint, 'schedule_jobs registered the sweep, the analytics refresh, the nightly job and the patrols'' job');
CREATE FUNCTION pg_temp.wait_for_cron(limit_s integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. limit_s LOOP
        IF EXISTS (SELECT 1 FROM gridgov.escalations e JOIN gridgov.cases c ON c.id = e.case_id
                   WHERE c.external_id = 'sla-cron') THEN
            RETURN true;
        END IF;
        PERFORM pg_catalog.pg_sleep(1);
    END LOOP;
    RETURN false;
END $$;
SELECT is((SELECT command FROM cron.job WHERE jobname = 'gridgov-sla-sweep'), 'CALL gridgov.sla_sweep_run()',
          'the sweep job calls the procedure that commits in batches');
SELECT ok(pg_temp.wait_for_cron(90), 'within 90 s pg_cron ran gridgov-sla-sweep and escalated the breached case');
-- The run found 202 due cases (the 201 above, due for rung 2 since 12:00 on
-- 5 Jan, and the new one) and committed them in batches of 200: its
-- escalations (one as_of) were written by more than one transaction.
SELECT is((SELECT pg_catalog.format('%s escalations, %s', pg_catalog.count(*),
                                    CASE WHEN pg_catalog.count(DISTINCT e.xmin::text) > 1 THEN 'several transactions'
                                         ELSE 'one transaction' END)
           FROM gridgov.escalations e
           WHERE e.county OPERATOR(gridgov.=) '990102' AND e.at = (SELECT x.at FROM gridgov.escalations x JOIN gridgov.cases c ON c.id = x.case_id
                         WHERE c.external_id = 'sla-cron')),
          '202 escalations, several transactions',
          'the pg_cron run of sla_sweep_run() escalated all 202 due cases and committed between its batches');
CREATE FUNCTION pg_temp.cron_run_status(limit_s integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => limit_s);
    st text;
BEGIN
    LOOP
        SELECT d.status INTO st FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
        WHERE j.jobname = 'gridgov-sla-sweep' AND d.status IN ('succeeded', 'failed')
        ORDER BY d.start_time LIMIT 1;
        EXIT WHEN st IS NOT NULL OR pg_catalog.clock_timestamp() > deadline;
        PERFORM pg_catalog.pg_sleep(0.1);
    END LOOP;
    RETURN st;
END $$;
SELECT is(pg_temp.cron_run_status(30), 'succeeded', 'pg_cron recorded the run as succeeded (COMMIT inside CALL works under pg_cron)');
SELECT is((SELECT n FROM dblink('setup', 'SELECT gridgov.unschedule_jobs()') AS t(n integer)), 4, 'unschedule_jobs removed the four jobs');

SELECT dblink_disconnect(c) FROM pg_catalog.unnest(ARRAY['setup', 'listener', 'sweep_a', 'sweep_b']) c;
SELECT * FROM finish();
ROLLBACK;

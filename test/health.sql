-- gridgov.health() (src/sql/090_health.sql, docs/install.md): each check
-- reports what it should find, and each can fail: the group roles without
-- this version's grants, gridgov missing from the search path, a job
-- unscheduled, inactive, not as defined, with no run, a failed run or a stale
-- one (runs written into cron.job_run_details), a case due and not swept, a
-- lagging watermark, a case without grid, an overlap in the grid layer, a
-- calendar past its horizon.  Time is passed as as_of, never waited for.
-- Everything happens in this transaction and is rolled back (pg_cron's launcher
-- never sees the jobs scheduled here); the fixture uses the fictitious county
-- 990120, which no other suite uses.
BEGIN;
SELECT plan(33);
SET LOCAL client_min_messages = warning;

CREATE FUNCTION pg_temp.st(check_item text, as_of timestamptz DEFAULT pg_catalog.now()) RETURNS text
LANGUAGE sql AS $$ SELECT h.status FROM gridgov.health(as_of) h WHERE h.item = check_item $$;
CREATE FUNCTION pg_temp.detail(check_item text, as_of timestamptz DEFAULT pg_catalog.now()) RETURNS text
LANGUAGE sql AS $$ SELECT h.detail FROM gridgov.health(as_of) h WHERE h.item = check_item $$;

-- The report's shape.
SELECT is_empty($$ SELECT item FROM gridgov.health() WHERE status NOT IN ('ok', 'warning', 'error') OR detail IS NULL $$,
                'every row is ok, warning or error, with a detail');
SELECT is_empty($$ SELECT item FROM gridgov.health() WHERE status = 'ok' AND hint IS NOT NULL
                   OR status <> 'ok' AND hint IS NULL $$,
                'a row that is not ok says what to do (hint), an ok row does not');
SELECT ok((SELECT pg_catalog.array_agg(item) FROM gridgov.health()) @>
          ARRAY['extension', 'home county', 'roles', 'search_path', 'pg_cron', 'sla sweep', 'analytics',
                'coverage', 'unlocated cases'],
          'the report has the set-up, pg_cron, sweep, analytics and grid layer checks');
SELECT throws_ok($$ SELECT * FROM gridgov.health(NULL) $$, '22004', NULL, 'as_of must not be NULL');

-- Roles: setup_roles() run (here) is ok; an administration function it has not granted is not.
SELECT pg_catalog.count(*) FROM gridgov.setup_roles();
SELECT is(pg_temp.st('roles'), 'ok', 'roles: ok after setup_roles()');
REVOKE EXECUTE ON FUNCTION gridgov.health(timestamptz) FROM gridgov_admin;
SELECT is(pg_temp.st('roles'), 'warning', 'roles: a warning when gridgov_admin lacks an administration function (setup_roles() not run since it came)');
SELECT pg_catalog.count(*) FROM gridgov.setup_roles();
SELECT ok(pg_catalog.has_function_privilege('gridgov_admin', 'gridgov.health(timestamptz)', 'EXECUTE')
          AND NOT pg_catalog.has_function_privilege('public', 'gridgov.health(timestamptz)', 'EXECUTE')
          AND NOT pg_catalog.has_function_privilege('gridgov_analyst', 'gridgov.health(timestamptz)', 'EXECUTE'),
          'health() is the admin role''s, not PUBLIC''s nor the analysts''');

-- The caller's search path.
SET LOCAL search_path = public;
SELECT is(pg_temp.st('search_path'), 'warning', 'search_path: a warning for a session whose path lacks gridgov');
SET LOCAL search_path = public, gridgov;
SELECT is(pg_temp.st('search_path'), 'ok', 'search_path: ok with gridgov on it');

-- pg_cron serves this database (make test's instance): the launcher runs.
SELECT is(pg_temp.st('pg_cron'), 'ok', 'pg_cron: loaded, installed here, its launcher running');
SELECT pg_catalog.count(*) FROM gridgov.schedule_jobs();
CREATE TEMP TABLE jobs AS SELECT jobname, jobid FROM cron.job WHERE jobname LIKE 'gridgov-%';
DELETE FROM cron.job_run_details WHERE jobid IN (SELECT jobid FROM jobs);
-- Runs are written by hand with times before now(), the as_of of the checks;
-- a real run started by pg_cron while this runs starts later and is not read.
CREATE FUNCTION pg_temp.run(job text, status text, ago interval) RETURNS void LANGUAGE sql AS $$
    INSERT INTO cron.job_run_details (jobid, database, username, command, status, start_time, end_time)
    SELECT j.jobid, pg_catalog.current_database(), CURRENT_USER, 'test', status,
           pg_catalog.now() - ago, pg_catalog.now() - ago FROM jobs j WHERE j.jobname = job $$;
SELECT is(pg_temp.st('job gridgov-sla-sweep'), 'warning', 'job: a warning while no run is recorded');
SELECT pg_temp.run('gridgov-sla-sweep', 'succeeded', '30 seconds');
SELECT is(pg_temp.st('job gridgov-sla-sweep'), 'ok', 'job: ok when its last run succeeded and is recent');
SELECT is(pg_temp.st('job gridgov-sla-sweep', pg_catalog.now() + interval '1 hour'), 'error',
          'job: an error when the last run of an every-minute job is an hour old at as_of');
SELECT pg_temp.run('gridgov-nightly', 'succeeded', '20 hours');
SELECT is(pg_temp.st('job gridgov-nightly', pg_catalog.now() + interval '1 hour'), 'ok',
          'job: a daily job''s run of 21 hours before as_of is recent');
SELECT pg_temp.run('gridgov-sla-sweep', 'failed', '10 seconds');
SELECT is(pg_temp.st('job gridgov-sla-sweep'), 'error', 'job: an error when its last run failed');
SELECT ok(pg_temp.detail('job gridgov-sla-sweep') LIKE '%failed%'
          AND (SELECT h.hint FROM gridgov.health() h WHERE h.item = 'job gridgov-sla-sweep') LIKE '%runid = %',
          'job: the failed run is named, its message is left in cron.job_run_details');
UPDATE cron.job SET active = false WHERE jobname = 'gridgov-analytics';
SELECT is(pg_temp.st('job gridgov-analytics'), 'error', 'job: an error when inactive');
UPDATE cron.job SET active = true, schedule = '*/5 * * * *' WHERE jobname = 'gridgov-analytics';
SELECT is(pg_temp.st('job gridgov-analytics'), 'warning', 'job: a warning when scheduled otherwise than defined');
DELETE FROM cron.job WHERE jobname = 'gridgov-analytics';
SELECT is(pg_temp.st('job gridgov-analytics'), 'error', 'job: an error when not scheduled');

-- A case of Monday 5 March 2001, 09:00: its file clock is due at 09:20.
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('T920-CC', '健康检查测试指挥中心', 'district', '990120', 'command_center');
INSERT INTO gridgov.cases (county, source, external_id, category, title, reporter_name, reported_at, department_id)
SELECT '990120', 'patrol', 'health-1', 'E0102', '健康检查的秘密标题', '秘密的举报人', '2001-03-05 09:00+08', id
FROM gridgov.departments WHERE code = 'T920-CC';
SELECT is_empty($$ SELECT item FROM gridgov.health('2001-03-05 10:00+08') h
                   WHERE pg_catalog.concat(h.detail, h.hint) ~ '秘密|health-1' $$,
                'no row shows a case''s data');

-- The sweep: nothing due before 09:05; at 10:00 the 09:20 clock is not swept; a sweep at 09:30 clears it.
SELECT is(pg_temp.st('sla sweep', '2001-03-05 09:10+08'), 'ok', 'sla sweep: ok while nothing was due 5 minutes before as_of');
SELECT is(pg_temp.st('sla sweep', '2001-03-05 10:00+08'), 'error', 'sla sweep: an error for a clock due 40 minutes before as_of, not swept');
SELECT ok(gridgov.sla_sweep('2001-03-05 09:30+08') > 0, 'the sweep at 09:30 warns and escalates the case');
SELECT is(pg_temp.st('sla sweep', '2001-03-05 09:35+08'), 'ok', 'sla sweep: ok once swept');

-- The analytics: the watermark past this transaction, then back before it.
UPDATE gridgov.analytics_watermark SET below = (pg_catalog.pg_current_xact_id()::text)::bigint + 1;
SELECT is(pg_temp.st('analytics', '2001-03-05 10:00+08'), 'ok', 'analytics: ok when the watermark is past the events');
UPDATE gridgov.analytics_watermark SET below = (pg_catalog.pg_current_xact_id()::text)::bigint;
SELECT is(pg_temp.st('analytics', '2001-03-05 09:05+08'), 'ok', 'analytics: ok while the waiting events are minutes old');
SELECT is(pg_temp.st('analytics', '2001-03-05 10:00+08'), 'error', 'analytics: an error when a waiting event is an hour old');

-- A case without grid in the day before as_of.
SELECT is(pg_temp.st('unlocated cases', '2001-03-05 10:00+08'), 'warning', 'unlocated cases: a warning for the case without grid');
SELECT is(pg_temp.st('unlocated cases', '2001-03-07 10:00+08'), 'ok', 'unlocated cases: ok for a day without such cases');

-- Two overlapping sibling grids valid in 2091.
INSERT INTO gridgov.grids (code, name, geom, valid_from, valid_to)
SELECT v.code::gridgov.gridcode, v.code, ST_Multi(ST_MakeEnvelope(v.x, 10, v.x + 0.02, 10.01, 4326)),
       '2091-01-01', '2092-01-01'
FROM (VALUES ('990120001001', 100.0), ('990120001002', 100.01)) v(code, x);
SELECT is(pg_temp.st('coverage', '2091-06-01'), 'warning', 'coverage: a warning for overlapping siblings');

-- Calendars: a calendar an active policy counts on, whose horizon is 1 October 2001
-- (a holiday after it does not move it: the horizon is known_until).
INSERT INTO gridgov.calendars (name, time_zone, known_until) VALUES ('health-test', 'Asia/Shanghai', '2001-10-01');
INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, name)
SELECT id, '2001-12-25', 'holiday', '不移动地平线' FROM gridgov.calendars WHERE name = 'health-test';
INSERT INTO gridgov.sla_policies (category_prefix, stage, amount, unit, calendar_id)
SELECT 'C99', 'whole', 5, 'working_days', id FROM gridgov.calendars WHERE name = 'health-test';
SELECT is(pg_temp.st('calendar health-test', '2001-06-01'), 'ok', 'calendar: ok with its holidays known 4 months ahead');
SELECT is(pg_temp.st('calendar health-test', '2001-09-01'), 'warning', 'calendar: a warning within 60 days of its horizon');
SELECT is(pg_temp.st('calendar health-test', '2001-10-02'), 'error', 'calendar: an error past its horizon');

SELECT * FROM finish();
ROLLBACK;

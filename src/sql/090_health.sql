-- ---------------------------------------------------------------------------
-- Health: what a server must have for gridgov to keep its promises
-- (docs/install.md, "The DBA's checklist"), checked in one call,
-- gridgov.health(): pg_cron and gridgov's jobs, the analytics' lag behind the
-- history, due clocks the sweep has not reached, the calendars' horizon, the
-- grid layer's coverage and unlocated cases, the roles, the search path.
-- Every row holds counts, times and the names of gridgov's own objects: never
-- a case's data.  pg_cron is read through dynamic SQL, so that the checks run
-- (and report it) where pg_cron is not installed.
-- ---------------------------------------------------------------------------

-- pg_cron and gridgov's jobs ---------------------------------------------------------

-- One job of gridgov.job_definitions(), as pg_cron has it in this database.
CREATE FUNCTION gridgov.health_job(job_name text, schedule text, command text, as_of timestamptz)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    j record;
    r record;
    period interval := CASE WHEN schedule = '* * * * *' THEN interval '1 minute'
                            WHEN schedule ~ '^[0-9]+ [0-9]+ \* \* \*$' THEN interval '1 day' END;
BEGIN
    item := 'job ' || job_name;
    EXECUTE 'SELECT pg_catalog.count(*) AS n, pg_catalog.min(j.jobid) AS jobid, pg_catalog.bool_and(j.active) AS active,
                    pg_catalog.bool_and(j.schedule = $2 AND j.command = $3) AS same
             FROM cron.job j WHERE j.jobname = $1 AND j.database = pg_catalog.current_database()'
        INTO j USING job_name, schedule, command;
    IF j.n = 0 THEN
        RETURN QUERY SELECT item, 'error', 'not scheduled in this database',
            'SELECT * FROM gridgov.schedule_jobs(); schedules gridgov''s jobs.';
        RETURN;
    ELSIF NOT j.active THEN
        RETURN QUERY SELECT item, 'error', 'scheduled but inactive',
            pg_catalog.format('SELECT cron.alter_job(%s, active => true); activates it.', j.jobid);
        RETURN;
    ELSIF j.n > 1 OR NOT j.same THEN
        RETURN QUERY SELECT item, 'warning',
            pg_catalog.format('scheduled %s time(s), not as gridgov.job_definitions() has it (%s: %s)', j.n, schedule, command),
            'SELECT * FROM gridgov.schedule_jobs(); schedules it as defined (remove the other copies with cron.unschedule(jobid)).';
        RETURN;
    END IF;
    EXECUTE 'SELECT d.runid, d.status, d.start_time FROM cron.job_run_details d
             WHERE d.jobid = $1 AND d.start_time <= $2 ORDER BY d.runid DESC LIMIT 1'
        INTO r USING j.jobid, as_of;
    IF r.runid IS NULL THEN
        RETURN QUERY SELECT item, 'warning', pg_catalog.format('scheduled (%s), no run recorded yet', schedule),
            'A job just scheduled runs at its next time; pg_cron records runs in cron.job_run_details while cron.log_run is on.';
    ELSIF r.status = 'failed' THEN
        RETURN QUERY SELECT item, 'error', pg_catalog.format('the last run (run %s, started %s) failed', r.runid, pg_catalog.date_trunc('second', r.start_time)),
            pg_catalog.format('SELECT return_message FROM cron.job_run_details WHERE runid = %s; tells why.', r.runid);
    ELSIF period IS NOT NULL AND r.start_time < as_of - (3 * period + interval '2 minutes') THEN
        RETURN QUERY SELECT item, CASE WHEN r.status = 'succeeded' THEN 'error' ELSE 'warning' END,
            pg_catalog.format('the last run (run %s, %s) started %s before as_of; the job runs %s', r.runid, r.status,
                              pg_catalog.date_trunc('second', as_of - r.start_time),
                              CASE WHEN period = interval '1 minute' THEN 'every minute' ELSE 'daily' END),
            'pg_cron has not started it since: is the pg_cron launcher running (pg_stat_activity), and does a run last long?';
    ELSE
        RETURN QUERY SELECT item, 'ok', pg_catalog.format('the last run (run %s, started %s) %s', r.runid, pg_catalog.date_trunc('second', r.start_time), r.status),
            NULL::text;
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.health_job(text, text, text, timestamptz) IS
    'Internal: the health check of one of gridgov''s pg_cron jobs (gridgov.health): scheduled in this database as gridgov.job_definitions() has it, active, its last run started at or before as_of succeeded and is recent for its schedule (at most three periods and two minutes old). Needs pg_cron installed in this database';

CREATE FUNCTION gridgov.health_jobs(as_of timestamptz)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    here text := pg_catalog.current_database();
    crondb text := pg_catalog.current_setting('cron.database_name', true);
    setup text := 'Load pg_cron (shared_preload_libraries = ''pg_cron'', cron.database_name = '
                  || pg_catalog.quote_literal(pg_catalog.current_database())
                  || ', a restart), then CREATE EXTENSION pg_cron; SELECT * FROM gridgov.schedule_jobs();';
BEGIN
    item := 'pg_cron';
    IF crondb IS NULL THEN
        RETURN QUERY SELECT item, 'warning', 'pg_cron is not loaded: gridgov''s jobs cannot be checked here',
            setup || ' Or have another scheduler run the commands of gridgov.job_definitions(): the sweep and analytics checks show whether they run.';
        RETURN;
    ELSIF crondb <> here THEN
        RETURN QUERY SELECT item, 'warning',
            pg_catalog.format('pg_cron serves database %s: the jobs of this database cannot be checked here', crondb),
            pg_catalog.format('In %s: SELECT jobname, active FROM cron.job WHERE database = %L; or set cron.database_name = %L.',
                              crondb, here, here);
        RETURN;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RETURN QUERY SELECT item, 'error', 'pg_cron is loaded for this database but not installed in it',
            'CREATE EXTENSION pg_cron; SELECT * FROM gridgov.schedule_jobs();';
        RETURN;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE backend_type = 'pg_cron launcher') THEN
        RETURN QUERY SELECT item, 'error', 'the pg_cron launcher is not running: no job runs',
            'The server log says why it stopped (it stops for good when its database is dropped); a restart of the server starts it again.';
    ELSIF pg_catalog.current_setting('cron.log_run', true) IS DISTINCT FROM 'on' THEN
        RETURN QUERY SELECT item, 'warning', 'cron.log_run is off: the runs of the jobs are not recorded',
            'Set cron.log_run = on (postgresql.conf) so that failed runs show here.';
    ELSE
        RETURN QUERY SELECT item, 'ok', 'pg_cron is loaded, installed in this database and its launcher runs', NULL::text;
    END IF;
    RETURN QUERY SELECT h.* FROM gridgov.job_definitions() d
        CROSS JOIN LATERAL gridgov.health_job(d.job_name, d.schedule, d.command, as_of) h;
END
$$;
COMMENT ON FUNCTION gridgov.health_jobs(timestamptz) IS
    'Internal: the health checks of pg_cron (loaded, serving this database, installed, its launcher running, cron.log_run) and, when it serves this database, of each job of gridgov.job_definitions() (gridgov.health_job)';

-- Calendars: how far ahead their exceptions are known ---------------------------------

CREATE FUNCTION gridgov.health_calendars(as_of timestamptz, within_days integer DEFAULT 60)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 'calendar ' || c.name,
           CASE WHEN h.horizon IS NULL THEN 'ok'
                WHEN h.horizon < h.today THEN 'error'
                WHEN h.horizon < h.today + health_calendars.within_days THEN 'warning'
                ELSE 'ok' END,
           CASE WHEN h.horizon IS NULL THEN 'used by an active SLA policy; no horizon: its weekly periods are the whole truth'
                ELSE pg_catalog.format('used by an active SLA policy; its holidays are known up to %s (its horizon)%s',
                                       h.horizon, CASE WHEN h.horizon < h.today + health_calendars.within_days
                                                       THEN ': deadlines after it follow the weekly periods only' ELSE '' END) END,
           CASE WHEN h.horizon < h.today + health_calendars.within_days
                THEN pg_catalog.format('Load the next year''s holidays (docs/calendars.md, The horizon): SELECT * FROM gridgov.load_calendar_year(%L, data);', c.name) END
    FROM gridgov.calendars c
    CROSS JOIN LATERAL (
        SELECT gridgov.calendar_horizon(c.name) AS horizon,
               (health_calendars.as_of AT TIME ZONE c.time_zone)::date AS today) h
    WHERE EXISTS (SELECT 1 FROM gridgov.sla_policies p WHERE p.calendar_id = c.id AND p.active)
    ORDER BY c.name;
END;
COMMENT ON FUNCTION gridgov.health_calendars(timestamptz, integer) IS
    'Internal: the health check of each calendar an active SLA policy counts on: error when its horizon (gridgov.calendar_horizon) lies before the local day of as_of, warning when within within_days days (default 60); a calendar without a horizon has only its weekly periods';

-- The work of the jobs: sweep and analytics; the grid layer -------------------------

CREATE FUNCTION gridgov.health_work(as_of timestamptz)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n bigint;
    q record;
BEGIN
    -- Due clocks and whistle report-ins the sweep has not reached (its own rule: sla_due_cases).
    SELECT pg_catalog.count(*) INTO n FROM gridgov.sla_due_cases(as_of - interval '5 minutes');
    RETURN QUERY SELECT 'sla sweep'::text, CASE WHEN n = 0 THEN 'ok' ELSE 'error' END,
        pg_catalog.format('%s case(s) with a clock or report-in due more than 5 minutes before as_of and not swept', n),
        CASE WHEN n > 0 THEN 'The gridgov-sla-sweep job sweeps every minute (see its check); CALL gridgov.sla_sweep_run(); sweeps now.' END;
    -- The history's events the analytics have not taken in (the outbox, docs/bi.md).
    SELECT pg_catalog.count(*) AS events, pg_catalog.count(DISTINCT e.case_id) AS cases, pg_catalog.min(e.at) AS oldest
    INTO q FROM gridgov.case_events e WHERE e.txid >= (SELECT w.below FROM gridgov.analytics_watermark w);
    RETURN QUERY SELECT 'analytics'::text,
        CASE WHEN NOT EXISTS (SELECT 1 FROM gridgov.analytics_watermark) THEN 'warning'
             WHEN q.oldest < as_of - interval '10 minutes' THEN 'error' ELSE 'ok' END,
        CASE WHEN NOT EXISTS (SELECT 1 FROM gridgov.analytics_watermark) THEN 'no watermark: the next run takes in the whole history'
             WHEN q.events = 0 THEN 'every event of the history is taken in'
             ELSE pg_catalog.format('%s event(s) of %s case(s) wait to be taken in; the oldest happened %s before as_of',
                                    q.events, q.cases, pg_catalog.date_trunc('second', as_of - q.oldest)) END,
        CASE WHEN q.oldest < as_of - interval '10 minutes'
             THEN 'The gridgov-analytics job takes them in every minute (see its check) unless a transaction left open holds them back (pg_stat_activity, backend_xid); SELECT gridgov.analytics_refresh_pending(); takes them in now.' END;
    -- The grid layer valid at as_of (its own rule: coverage_issues).
    SELECT pg_catalog.count(*) INTO n FROM gridgov.coverage_issues(NULL, as_of);
    RETURN QUERY SELECT 'coverage'::text, CASE WHEN n = 0 THEN 'ok' ELSE 'warning' END,
        pg_catalog.format('%s problem(s) in the grid layer valid at as_of (gaps, overlaps, grids outside their parents)', n),
        CASE WHEN n > 0 THEN 'SELECT problem, code, other_code, area_m2 FROM gridgov.coverage_issues(); lists them (docs/grids.md).' END;
    SELECT pg_catalog.count(*) FILTER (WHERE c.grid IS NULL) AS unlocated, pg_catalog.count(*) AS reported INTO q
    FROM gridgov.cases c WHERE c.reported_at > as_of - interval '1 day' AND c.reported_at <= as_of;
    RETURN QUERY SELECT 'unlocated cases'::text, CASE WHEN q.unlocated = 0 THEN 'ok' ELSE 'warning' END,
        pg_catalog.format('%s of the %s case(s) reported in the day before as_of have no grid', q.unlocated, q.reported),
        CASE WHEN q.unlocated > 0 THEN 'Their points lie outside the grid layer or they came without one: check the layer''s outline (coverage) and the coordinate system each source sends.' END;
END
$$;
COMMENT ON FUNCTION gridgov.health_work(timestamptz) IS
    'Internal: the health checks of the work the jobs do and the grid layer: cases with something due more than 5 minutes before as_of that the sweep has not reached (error), history events the analytics have not taken in whose oldest happened more than 10 minutes before as_of (error), coverage problems of the grid layer valid at as_of and cases of the day before as_of without a grid (warnings)';

-- The set-up: version, home county, roles, search path -------------------------------

CREATE FUNCTION gridgov.health_setup(caller_schemas name[])
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    installed text;
    available text;
    missing text;
    granted boolean := false;
BEGIN
    SELECT e.installed_version, e.default_version INTO installed, available
    FROM pg_catalog.pg_available_extensions e WHERE e.name = 'gridgov';
    RETURN QUERY SELECT 'extension'::text, CASE WHEN installed = available THEN 'ok' ELSE 'warning' END,
        pg_catalog.format('gridgov %s installed, %s available', installed, available),
        CASE WHEN installed <> available THEN 'ALTER EXTENSION gridgov UPDATE; then SELECT * FROM gridgov.setup_roles(); (docs/install.md, Upgrades).' END;
    RETURN QUERY SELECT 'home county'::text, CASE WHEN gridgov.home_county() IS NULL THEN 'warning' ELSE 'ok' END,
        CASE WHEN gridgov.home_county() IS NULL THEN 'not set: unlocated cases belong to no county'
             ELSE 'set to ' || gridgov.home_county()::text END,
        CASE WHEN gridgov.home_county() IS NULL THEN 'UPDATE gridgov.settings SET value = ''110115'' WHERE key = ''home_county''; with your district''s code.' END;
    SELECT pg_catalog.string_agg(r, ', ' ORDER BY r) INTO missing
    FROM pg_catalog.unnest(ARRAY['gridgov_admin', 'gridgov_analyst', 'gridgov_auditor', 'gridgov_department',
                                 'gridgov_dispatcher', 'gridgov_leader', 'gridgov_worker']) r
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r);
    -- setup_roles() grants every administration function but itself to the
    -- admin role (docs/security.md); one it lacks is newer than the last run.
    -- (A role that does not exist has no privileges to ask about.)
    IF missing IS NULL THEN
        granted := NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
              AND pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Administration:%'
              AND p.oid <> 'gridgov.setup_roles()'::pg_catalog.regprocedure
              AND NOT pg_catalog.has_function_privilege('gridgov_admin', p.oid, 'EXECUTE'));
    END IF;
    RETURN QUERY SELECT 'roles'::text, CASE WHEN granted THEN 'ok' ELSE 'warning' END,
        CASE WHEN missing IS NOT NULL THEN 'missing group roles: ' || missing
             WHEN NOT granted THEN 'gridgov_admin lacks EXECUTE on administration functions: setup_roles() has not run since they came'
             ELSE 'the group roles exist; gridgov_admin may execute every administration function' END,
        CASE WHEN NOT granted
             THEN 'SELECT * FROM gridgov.setup_roles(); creates them and grants their privileges (docs/security.md).' END;
    RETURN QUERY SELECT 'search_path'::text, CASE WHEN 'gridgov' = ANY (caller_schemas) THEN 'ok' ELSE 'warning' END,
        CASE WHEN 'gridgov' = ANY (caller_schemas) THEN 'this session''s search_path has gridgov (its operators resolve)'
             ELSE 'this session''s search_path lacks gridgov: WHERE grid = ''110115004001'' finds no operator' END,
        CASE WHEN NOT 'gridgov' = ANY (caller_schemas)
             THEN pg_catalog.format('ALTER DATABASE %I SET search_path = "$user", public, gridgov; (new sessions)', pg_catalog.current_database()) END;
END
$$;
COMMENT ON FUNCTION gridgov.health_setup(name[]) IS
    'Internal: the health checks of the set-up (gridgov.health): the installed version against the available one, the home county setting, the group roles of gridgov.setup_roles() (missing, or gridgov_admin without EXECUTE on an administration function: not run since the last update), and gridgov on the caller''s search path (caller_schemas: current_schemas(false) of the caller)';

-- The report ------------------------------------------------------------------------

CREATE FUNCTION gridgov.health_report(as_of timestamptz, caller_schemas name[])
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    RETURN QUERY SELECT * FROM gridgov.health_setup(caller_schemas);
    RETURN QUERY SELECT * FROM gridgov.health_jobs(as_of);
    RETURN QUERY SELECT * FROM gridgov.health_work(as_of);
    RETURN QUERY SELECT * FROM gridgov.health_calendars(as_of, 60);
END
$$;
COMMENT ON FUNCTION gridgov.health_report(timestamptz, name[]) IS
    'Internal: the rows of gridgov.health(), as the owner (pg_cron shows each role only its own jobs and runs): set-up, pg_cron and the jobs, the work of the jobs and the grid layer, the calendars. 22004 for a NULL as_of';

CREATE FUNCTION gridgov.health(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT h.item, h.status, h.detail, h.hint
    FROM gridgov.health_report(health.as_of, pg_catalog.current_schemas(false)) h;
END;
COMMENT ON FUNCTION gridgov.health(timestamptz) IS
    'Administration: what this server and database lack for gridgov, one row per check (item, status ok/warning/error, detail, hint): the installed version, the home county, the group roles, gridgov on the search path, pg_cron and each scheduled job (scheduled, active, last run succeeded and recent), cases the sweep has not reached, the analytics'' lag behind the history, coverage problems and unlocated cases, the horizon of the calendars in use, all as of as_of (default now). Counts and times only; works without pg_cron. docs/install.md';

-- setup_roles() as 1.6.0 has it (src/sql/098_roles.sql).
CREATE OR REPLACE FUNCTION gridgov.setup_roles() RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    r text;
    roles text[] := ARRAY['gridgov_admin', 'gridgov_dispatcher', 'gridgov_department',
                          'gridgov_worker', 'gridgov_analyst', 'gridgov_leader', 'gridgov_auditor',
                          'gridgov_open311', 'gridgov_reporter', 'gridgov_gateway'];
    col name;
BEGIN
    FOREACH r IN ARRAY roles LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            RETURN NEXT 'created ' || r;
        END IF;
        EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA gridgov TO %I', r);
    END LOOP;
    -- The admin role holds the others.
    GRANT gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
          gridgov_auditor TO gridgov_admin;

    -- Grids, organisation, workflows, categories, routing (020-047): everyone
    -- reads them, the admin role maintains them (re-divisions go through
    -- gridgov.redivide()).
    GRANT SELECT ON gridgov.grids, gridgov.grid_revisions, gridgov.categories, gridgov.workflows,
          gridgov.workflow_states, gridgov.transitions, gridgov.departments, gridgov.settings,
          gridgov.routing_rules, gridgov.components
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.grids, gridgov.categories, gridgov.workflows,
          gridgov.workflow_states, gridgov.transitions, gridgov.departments, gridgov.staff,
          gridgov.grid_staff, gridgov.settings, gridgov.routing_rules, gridgov.components
          TO gridgov_admin;

    -- Cases (055-058, 097): the case handlers file and work them and read their
    -- histories and the staff, the leaders and auditors read them; the rows
    -- each sees and acts on are its scope (row-level security, 097).  Nobody
    -- reads the contact columns (gridgov.contact_columns()): they read
    -- gridgov.my_cases, where those are masked, and reveal_contact() the
    -- clear values, on record.  The admin role re-homes cases.
    REVOKE SELECT, UPDATE ON gridgov.cases FROM gridgov_dispatcher, gridgov_department, gridgov_worker,
           gridgov_leader, gridgov_auditor;
    FOR col IN SELECT a.attname FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = 'gridgov.cases'::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped
               ORDER BY a.attnum LOOP
        IF col = ANY (gridgov.contact_columns()) THEN
            -- Nor write them after intake: whether a write changes anything (an
            -- edit event or none) would tell what the value was.
            EXECUTE pg_catalog.format('REVOKE SELECT (%I), UPDATE (%I) ON gridgov.cases FROM gridgov_dispatcher, '
                                      'gridgov_department, gridgov_worker, gridgov_leader, gridgov_auditor', col, col);
        ELSE
            EXECUTE pg_catalog.format('GRANT SELECT (%I) ON gridgov.cases TO gridgov_dispatcher, gridgov_department, '
                                      'gridgov_worker, gridgov_leader, gridgov_auditor', col);
            EXECUTE pg_catalog.format('GRANT UPDATE (%I) ON gridgov.cases TO gridgov_dispatcher, gridgov_department, '
                                      'gridgov_worker', col);
        END IF;
    END LOOP;
    GRANT INSERT ON gridgov.cases TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    -- The inbox (096): filing without the county; its trigger reads and removes
    -- the transaction's own rows as the inserting role.
    GRANT SELECT, INSERT, DELETE ON gridgov.case_inbox TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    GRANT SELECT ON gridgov.my_cases, gridgov.case_events, gridgov.staff, gridgov.grid_staff
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_leader, gridgov_auditor;
    GRANT EXECUTE ON PROCEDURE gridgov.reveal_contact(bigint, text, text, text, text, text)
          TO gridgov_dispatcher, gridgov_department;
    GRANT EXECUTE ON FUNCTION gridgov.contact_revealable(bigint) TO gridgov_dispatcher, gridgov_department;
    GRANT EXECUTE ON FUNCTION gridgov.rehome_cases(bigint), gridgov.rehome_due_cases(timestamptz)
          TO gridgov_admin;
    -- Scale-out (096): they need the tables' owner as well (a superuser).
    GRANT EXECUTE ON FUNCTION gridgov.distribute(), gridgov.citus_id_ranges() TO gridgov_admin;

    -- Seals of the histories (059): the admin role seals; it and the analysts
    -- read the seals, export their lines and verify them.  Seals hold ids and
    -- hashes only.
    GRANT SELECT ON gridgov.history_seals, gridgov.history_seal_heads
          TO gridgov_admin, gridgov_analyst, gridgov_auditor;
    GRANT EXECUTE ON FUNCTION gridgov.seal_history(date), gridgov.seal_nightly(timestamptz) TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.seal_line(date), gridgov.verify_seal_line(text),
          gridgov.seal_recomputed(date), gridgov.verify_seals() TO gridgov_admin, gridgov_analyst, gridgov_auditor;

    -- Calendars and time limits (060-074): everyone reads them, the admin role
    -- maintains the calendars, policies and ladder; dispatchers whistle,
    -- summoned departments report in; the admin role runs the sweep and the
    -- nightly job and schedules the jobs.
    GRANT SELECT ON gridgov.sla_policies, gridgov.escalation_ladder, gridgov.case_clocks,
          gridgov.escalations, gridgov.whistles, gridgov.whistle_calls, gridgov.whistle_rates,
          gridgov.case_requests, gridgov.case_meetings,
          gridgov.calendars, gridgov.calendar_periods, gridgov.calendar_exceptions
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE ON gridgov.sla_policies, gridgov.escalation_ladder,
          gridgov.calendars, gridgov.calendar_periods, gridgov.calendar_exceptions TO gridgov_admin;
    GRANT SELECT ON gridgov.provisional_clocks
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_admin,
             gridgov_leader, gridgov_auditor;
    GRANT EXECUTE ON FUNCTION gridgov.load_calendar_year(text, jsonb, timestamptz) TO gridgov_admin;
    GRANT INSERT ON gridgov.whistles, gridgov.whistle_calls TO gridgov_dispatcher;
    GRANT UPDATE (reported_at) ON gridgov.whistle_calls TO gridgov_department, gridgov_dispatcher;
    -- The sweep runs as the owner over every case (and at any as_of): the
    -- admin role's and the job's, not a dispatcher's, whose scope is smaller.
    EXECUTE 'REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep(timestamptz, integer), gridgov.sla_due_cases(timestamptz), '
            'gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) FROM gridgov_dispatcher';
    EXECUTE 'REVOKE EXECUTE ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer) '
            'FROM gridgov_dispatcher';
    GRANT EXECUTE ON FUNCTION gridgov.sla_sweep(timestamptz, integer), gridgov.sla_due_cases(timestamptz),
          gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) TO gridgov_admin;
    GRANT EXECUTE ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer)
          TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.nightly_maintenance(timestamptz), gridgov.schedule_jobs(),
          gridgov.unschedule_jobs() TO gridgov_admin;

    -- History import (065): the admin role stages a district's past cases and imports
    -- them (docs/history-import.md).
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON gridgov.import_cases, gridgov.import_steps
          TO gridgov_admin;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.import_rejects TO gridgov_admin;
    -- (import_history() runs as the owner; its walk in C, history_import_apply(),
    -- is the owner's only, so that nobody hands it tables of their own.)
    GRANT EXECUTE ON FUNCTION gridgov.import_history(timestamptz) TO gridgov_admin;

    -- Health (090): the admin role checks the set-up, the jobs and their work
    -- (counts and times only; the report reads pg_cron's tables as the owner).
    GRANT EXECUTE ON FUNCTION gridgov.health(timestamptz), gridgov.health_report(timestamptz, name[])
          TO gridgov_admin;

    -- Analytics (080-089): the analysts, dispatchers and the admin role read
    -- the PII-free views and maps.  The board and the map metrics count cases
    -- as the owner (SECURITY DEFINER): those roles need no rights on cases or
    -- case_stats.  A report that must include the last minute's intake reads
    -- the history's new events first (analytics_refresh_pending()).  The admin
    -- role refreshes, rebuilds and compacts.
    GRANT SELECT ON gridgov.case_facts, gridgov.three_rates, gridgov.timeliness,
          gridgov.department_ranking, gridgov.kpi, gridgov.sla_board, gridgov.hotspots_latest,
          gridgov.seasonal, gridgov.grid_map, gridgov.whistle_rates, gridgov.workflow_timeliness
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.map_geojson(text, text, timestamptz),
          gridgov.map_svg(text, text, timestamptz), gridgov.sla_board_at(timestamptz),
          gridgov.grid_metrics(timestamptz), gridgov.analytics_refresh_pending(integer)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.analytics_refresh(bigint[]), gridgov.analytics_rebuild(),
          gridgov.analytics_rebuild_summaries(), gridgov.analytics_compact(),
          gridgov.analytics_nightly(timestamptz) TO gridgov_admin;
    -- Forecasts (088): the same roles read the cached fits, forecast and
    -- backtest (counts only, as the owner); the admin role refits and raises
    -- the forecast alerts (the nightly job does both).
    GRANT SELECT ON gridgov.forecast_fits TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.forecast_volume(gridgov.gridcode, text, text, integer, timestamptz),
          gridgov.forecast_fit(gridgov.gridcode, text, text, timestamptz),
          gridgov.forecast_backtest(gridgov.gridcode, text, text, date, date, integer)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.forecast_refresh(timestamptz, integer), gridgov.forecast_alerts(timestamptz)
          TO gridgov_admin;

    -- Assisted intake (056, docs/assisted-intake.md): the admin role trains and
    -- evaluates text models, replays dispatch (both read every case) and reads
    -- the models; the case handlers ask for suggestions.
    GRANT SELECT ON gridgov.text_models TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.text_model_info(bytea) TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.train_text_model(text, text, timestamptz, timestamptz, integer, text, real),
          gridgov.evaluate_text_model(text, integer),
          gridgov.dispatch_replay(timestamptz, timestamptz, text) TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.suggest_category(text, integer, text),
          gridgov.suggest_department(text, gridgov.gridcode, integer, text)
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_admin;

    -- The gateway (087, docs/gateway.md).  gridgov_open311 reads the public
    -- Open311 answers (the role of requests without a key); gridgov_reporter
    -- also files requests (an app's key maps to a member of it); gridgov_gateway
    -- is what the gateway's own login does: look up keys and endpoints, push.
    -- The event feed runs with the reader's rights (event_feed_rows is a
    -- security-invoker view); an endpoint's updates act as its department's role.
    GRANT gridgov_open311 TO gridgov_reporter;
    GRANT EXECUTE ON FUNCTION gridgov.open311_services(), gridgov.open311_service_definition(text),
          gridgov.open311_requests(jsonb, timestamptz), gridgov.open311_request(text) TO gridgov_open311;
    GRANT EXECUTE ON FUNCTION gridgov.open311_submit(jsonb) TO gridgov_reporter;
    GRANT EXECUTE ON FUNCTION gridgov.api_key_role(text), gridgov.transfer_collect(integer),
          gridgov.transfer_claim(integer, interval, timestamptz),
          gridgov.transfer_result(text, integer, text, timestamptz, integer), gridgov.transfer_endpoint(text)
          TO gridgov_gateway;
    GRANT SELECT ON gridgov.transfer_status TO gridgov_gateway, gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.api_key_create(text, name, integer, timestamptz),
          gridgov.api_key_revoke(text) TO gridgov_admin;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.transfer_endpoints TO gridgov_admin;
    GRANT SELECT ON gridgov.transfer_outbox, gridgov.api_keys TO gridgov_admin;
    GRANT SELECT ON gridgov.event_feed_rows
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_leader, gridgov_auditor,
             gridgov_admin;
    GRANT SELECT ON gridgov.transfer_endpoints_public TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    -- (Only the answer of an update can be written after it: its id and time stay.)
    GRANT SELECT, INSERT ON gridgov.transfer_inbound TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    GRANT UPDATE (result) ON gridgov.transfer_inbound TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    GRANT EXECUTE ON FUNCTION gridgov.transfer_apply(bigint, bigint, jsonb), gridgov.transfer_endpoint_role(bigint)
          TO gridgov_dispatcher, gridgov_department, gridgov_worker;

    -- Assisted intake (028): everyone who files or routes cases reads the
    -- gazetteer (gridgov.suggest_area); the admin role maintains it.
    GRANT SELECT ON gridgov.place_names
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.place_names TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.place_names_refresh(timestamptz) TO gridgov_admin;

    -- Analysis dimensions (088_dimensions.sql, docs/bi.md): the roles that
    -- read the analytics read the dimensions (counts only, as the owner) and
    -- the key work items; the admin role maintains the items.
    GRANT SELECT ON gridgov.area_ranking, gridgov.key_work_items
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT INSERT, UPDATE, DELETE ON gridgov.key_work_items TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.source_stats(text, text, date, date, gridgov.gridcode),
          gridgov.key_work_stats(text, text, date, date, gridgov.gridcode),
          gridgov.top_problems(text, text, date, date, gridgov.gridcode, text, integer),
          gridgov.season_profile(date, date, gridgov.gridcode, text), gridgov.live_situation(timestamptz),
          gridgov.forecast_actuals(gridgov.gridcode, text, text, integer, timestamptz),
          gridgov.forecast_panel(gridgov.gridcode, timestamptz, integer, integer)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    -- Repeat callers and the social-conditions index (088, docs/bi.md): the
    -- analytics readers read them (pseudonyms and counts only, as the owner:
    -- no contact rights needed); the admin role maintains the populations and
    -- the weights and rotates the caller key.  Nobody reads its secret.
    GRANT SELECT ON gridgov.repeat_callers, gridgov.area_population, gridgov.social_index_weights
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.repeat_callers(timestamptz, integer, integer),
          gridgov.social_index(date, text), gridgov.social_index_series(gridgov.gridcode, date, date)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT INSERT, UPDATE, DELETE ON gridgov.area_population, gridgov.social_index_weights TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.caller_key_rotate() TO gridgov_admin;
    -- Three-rate prediction (088_forecast_rates.sql): the roles that read the
    -- three rates predict them, see the models and backtest them (counts only,
    -- as the owner).
    GRANT EXECUTE ON FUNCTION gridgov.forecast_rates(text, timestamptz),
          gridgov.forecast_rates_model(text, timestamptz), gridgov.forecast_rates_backtest(text, date, date)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    -- Sensors and video alerts (078): gridgov_device is what a device
    -- platform's or video platform's login is a member of: it only feeds
    -- readings and alerts (the triggers open the cases as the history's
    -- owner).  The admin role registers devices, rules and event types and
    -- runs the quarantine; the command center reviews video alerts; the case
    -- handlers, leaders, auditors and analysts read rules, and the devices
    -- and their readings in their scope (row-level security, 097).
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'gridgov_device') THEN
        CREATE ROLE gridgov_device NOLOGIN;
        RETURN NEXT 'created gridgov_device';
    END IF;
    GRANT USAGE ON SCHEMA gridgov TO gridgov_device;
    GRANT INSERT ON gridgov.sensor_readings TO gridgov_device;
    -- Only the columns a video platform sends: not id (OVERRIDING SYSTEM VALUE would
    -- take ids ahead of the sequence), status, county, case_id or received_at.
    REVOKE INSERT ON gridgov.video_alerts FROM gridgov_device;
    GRANT INSERT (camera_id, event_type, confidence, image_url, at, location, external_id)
          ON gridgov.video_alerts TO gridgov_device;
    GRANT SELECT ON gridgov.sensors, gridgov.sensor_rules, gridgov.video_event_types, gridgov.device_readings,
          gridgov.sensor_cases
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT ON gridgov.sensor_readings TO gridgov_admin;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.sensors, gridgov.sensor_rules, gridgov.video_event_types
          TO gridgov_admin;
    GRANT SELECT, DELETE ON gridgov.sensor_quarantine TO gridgov_admin;
    GRANT SELECT ON gridgov.sensor_rule_state, gridgov.video_alerts TO gridgov_admin;
    GRANT SELECT ON gridgov.video_alerts TO gridgov_dispatcher;
    GRANT EXECUTE ON FUNCTION gridgov.video_alert_review(bigint, boolean) TO gridgov_dispatcher;
    GRANT EXECUTE ON FUNCTION gridgov.sensor_partitions(timestamptz, integer),
          gridgov.sensor_quarantine_retry(text[]) TO gridgov_admin;
    -- Grid workers' patrols (077, docs/grid-workers.md): workers (their app)
    -- write their fixes; the tracks are read by the worker, their grid leader
    -- and the command center over them (row-level security, 077); the admin
    -- role runs the partitions, the coverage and the retention; the command
    -- centers and leaders read the monthly assessment.
    GRANT SELECT, INSERT ON gridgov.patrol_points TO gridgov_worker, gridgov_leader, gridgov_dispatcher, gridgov_admin;
    GRANT SELECT ON gridgov.patrol_rejects TO gridgov_worker, gridgov_admin;
    GRANT SELECT ON gridgov.patrol_coverage TO gridgov_worker, gridgov_leader, gridgov_dispatcher, gridgov_admin;
    GRANT SELECT ON gridgov.patrol_roads, gridgov.patrol_weights
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.patrol_roads, gridgov.patrol_weights TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.patrol_partition_create(date), gridgov.patrol_partitions_ensure(timestamptz, integer),
          gridgov.patrol_coverage_refresh(date), gridgov.patrol_retention(timestamptz), gridgov.patrol_nightly(timestamptz)
          TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.worker_assessment(date, timestamptz), gridgov.worker_ranking(date, timestamptz)
          TO gridgov_dispatcher, gridgov_leader, gridgov_admin;
    -- Whoever reads the grids reads the per-grid patrol metrics (no worker in them).
    GRANT EXECUTE ON FUNCTION gridgov.unpatrolled_grids(integer, timestamptz), gridgov.patrol_grid_metrics(timestamptz)
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor, gridgov_admin;
    RETURN NEXT 'granted';
END
$$;
COMMENT ON FUNCTION gridgov.setup_roles() IS
    'Administration: Creates (if missing) the group roles gridgov_admin, gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader, gridgov_auditor, and the gateway''s gridgov_open311, gridgov_reporter and gridgov_gateway, and the devices'' gridgov_device (it feeds readings and video alerts), and grants their privileges (the case handlers, leaders and auditors: every column of gridgov.cases but the contact columns, gridgov.contact_columns()); idempotent. Workflow transitions name these roles; which cases each login sees is its scope (docs/security.md)';
-- A database whose roles were set up gets the new grants now, as a fresh
-- install gets them from its setup_roles() call.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'gridgov_admin') THEN
        PERFORM gridgov.setup_roles();
    END IF;
END
$$;
-- EXECUTE revoked from PUBLIC on what is not meant for everyone, as the install script ends (099).
-- ---------------------------------------------------------------------------
-- Least privilege: EXECUTE is revoked from PUBLIC on every function of
-- gridgov that is not meant for everyone —
--   - trigger functions (they fire without it; without it nobody can attach
--     them to another table, where they would refuse to run anyway);
--   - SECURITY DEFINER functions (they run with the owner's rights);
--   - functions whose COMMENT begins with 'Internal' (building blocks of
--     gridgov's own code) or 'Administration:' (jobs and DBA operations).
-- gridgov.setup_roles() (098) grants what each group role needs.  docs/security.md
-- states these rules; test/catalog.sql fails when a function breaks them.
-- This fragment runs last, so it covers every function the script created.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
          AND (p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
               OR p.prosecdef
               OR pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Internal%'
               OR pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Administration:%')
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

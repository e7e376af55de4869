-- ---------------------------------------------------------------------------
-- Case API: intake and workflow triggers, gridgov.act() and its wrappers,
-- history verification, duplicates, roles, re-homing after re-division.
-- ---------------------------------------------------------------------------

-- The staff member mapped to the current role (as the C triggers see it).
CREATE FUNCTION gridgov.actor_staff_id() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_actor_staff_id' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.actor_staff_id() IS
    'Id of the active staff member whose db_role is the current role (NULL if none); recorded in case events';

-- Hash of one event, the single definition shared by the triggers and verify_history.
CREATE FUNCTION gridgov.event_hash(prev bytea, county gridgov.gridcode, case_id bigint, seq integer,
                                   at timestamptz, actor_role name, actor_staff_id bigint,
                                   action text, from_state text, to_state text, note text,
                                   payload jsonb)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_event_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.event_hash(bytea, gridgov.gridcode, bigint, integer, timestamptz, name, bigint, text, text, text, text, jsonb) IS
    'sha256(prev || canonical bytes of an event): the tag gridgov-event-v1, then each field length-prefixed (NULL as 0xFFFFFFFF), the time as microseconds since 2000-01-01 UTC, the payload as jsonb text';

-- Likely duplicate: the nearest open case of the same category in reach.  The
-- rule is written once, in C (src/cases/duplicate.c); the intake trigger calls
-- the same code.
CREATE FUNCTION gridgov.find_duplicate(county gridgov.gridcode, category text, at timestamptz,
                                       point geometry, radius_m double precision, win interval)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_find_duplicate'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.find_duplicate(gridgov.gridcode, text, timestamptz, geometry, double precision, interval) IS
    'The nearest open, unmerged case of the county and category within radius_m metres (PostGIS''s sphere, bound included) reported within win of at (bounds included), as the statement sees them; ties by the later report, then the lower id. The intake trigger''s rule, the same C code, with gridgov.duplicate_radius_m and gridgov.duplicate_window. Needs SELECT on gridgov.cases. 22023 for a point that is not one WGS-84 point (another SRID is transformed) or a radius outside 0-100000; NULL when an argument is NULL or none is found';

-- Intake: the C row trigger completes each case; a C statement trigger has the
-- engine write the intake events and start the clocks of all new rows in
-- batches.
CREATE FUNCTION gridgov.case_intake() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_intake' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_intake() IS
    'BEFORE INSERT trigger on cases: category and urgency, WGS-84 location, grid, county, department, workflow and initial state, case number, likely duplicate';
CREATE TRIGGER case_intake BEFORE INSERT ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_intake();

CREATE FUNCTION gridgov.case_intake_finish() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_intake_finish' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_intake_finish() IS
    'AFTER INSERT statement trigger on cases, for all the statement''s new cases at once: appends each one''s intake event (seq 1, at reported_at, payload source/category/urgency/grid/department/duplicate) to its history, starts the clocks its workflow times from intake (workflows.intake_clocks, gridgov.sla_policy), and with gridgov.analytics_sync on refreshes their analytics (otherwise the analytics job reads their events); run as the owner of the history (case roles need no rights on these tables)';
CREATE TRIGGER case_intake_finish AFTER INSERT ON gridgov.cases
    REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_intake_finish();

-- Every UPDATE of a case: the state machine and the history.
CREATE FUNCTION gridgov.case_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_update' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_update() IS
    'BEFORE UPDATE trigger on cases: validates the state change (transition, role, required values), protects maintained columns, applies the announced action''s transition and payload, counters and closing; the engine appends the hash-chained event and applies the clock effects (and a closing case closes its merged duplicates)';
CREATE TRIGGER case_update BEFORE UPDATE ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_update();

CREATE FUNCTION gridgov.case_no_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('case_no_delete', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    RAISE EXCEPTION USING ERRCODE = 'GG109',
        MESSAGE = 'cases are records and cannot be deleted',
        HINT = 'Reject, close or merge the case instead.';
END
$$;
COMMENT ON FUNCTION gridgov.case_no_delete() IS 'Trigger: refuses DELETE and TRUNCATE on cases (GG109)';
CREATE TRIGGER case_no_delete BEFORE DELETE ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_no_delete();
CREATE TRIGGER case_no_truncate BEFORE TRUNCATE ON gridgov.cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_no_delete();

CREATE FUNCTION gridgov.case_events_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('case_events_append_only', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    RAISE EXCEPTION USING ERRCODE = 'GG106',
        MESSAGE = pg_catalog.format('case history is append-only: %s is not allowed', pg_catalog.lower(TG_OP)),
        DETAIL = 'Every change of a case is kept in gridgov.case_events.';
END
$$;
COMMENT ON FUNCTION gridgov.case_events_append_only() IS 'Trigger: refuses UPDATE, DELETE and TRUNCATE on case_events (GG106)';
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON gridgov.case_events
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON gridgov.case_events
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_events_append_only();

-- Announcing an action, and the system actions (rehome, master_closed, escalate).
CREATE FUNCTION gridgov.act_prepare(case_id bigint, action text, note text, payload jsonb, at timestamptz)
    RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_act_prepare' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_prepare(bigint, text, text, jsonb, timestamptz) IS
    'Building block of gridgov.act(): announces the action, note, payload and time of the next UPDATE of the case in this transaction';

CREATE FUNCTION gridgov.case_system_update(county gridgov.gridcode, case_id bigint, action text,
                                           payload jsonb, at timestamptz)
    RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_case_system_update' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.case_system_update(gridgov.gridcode, bigint, text, jsonb, timestamptz) IS
    'Internal: the system actions rehome (grid := payload.to_grid), master_closed (closed_at := at) and escalate (supervised, escalation_level := payload.level), recorded in the history with the payload; not executable by PUBLIC';
REVOKE EXECUTE ON FUNCTION gridgov.case_system_update(gridgov.gridcode, bigint, text, jsonb, timestamptz) FROM PUBLIC;

-- act(): the one entry point of the workflow, in C (src/cases/act.c): it
-- announces the action and updates the case once; the trigger above applies
-- the action's transition and payload, and the engine records the event and
-- the clock effects.
CREATE FUNCTION gridgov.act(case_id bigint, action text, note text DEFAULT NULL,
                            payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act(bigint, text, text, jsonb, timestamptz) IS
    'The workflow''s one entry point: takes an action on a case (locking it), with a note and a payload (department_id for dispatch, solved and satisfaction for callback, master_case_id for merge), at a time: NULL (the default) for now, or the case''s latest event time when a transaction that committed meanwhile recorded a later one; an explicit time may not be earlier than the latest event (GG111) nor beyond gridgov.future_tolerance (GG112). Returns the updated case. Illegal actions GG101, roles GG102, missing values GG104';
CREATE FUNCTION gridgov.act_in(county gridgov.gridcode, case_id bigint, action text, note text DEFAULT NULL,
                               payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act_in' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz) IS
    'gridgov.act() on a case of county, where the case is held: on a Citus cluster a distributed function by county (gridgov.distribute()), which act() calls on the coordinator; on one server the same as act(). Refuses (55000) on a node that does not hold the county''s cases';

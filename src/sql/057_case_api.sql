-- ---------------------------------------------------------------------------
-- Case API: intake and workflow triggers, gridgov.act() and its wrappers,
-- history verification, duplicates, roles, re-homing after re-division.
-- ---------------------------------------------------------------------------

-- Reference tables drop the per-backend caches of every session when they change.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['categories', 'workflows', 'workflow_states', 'transitions', 'staff',
                             'settings', 'routing_rules', 'departments', 'components'] LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_caches()',
            t || '_invalidate', t);
    END LOOP;
END
$$;

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

-- Intake: the C row trigger completes each case; a C statement trigger writes
-- the intake events, starts the clocks and queues the analytics of all new
-- rows in batches.
CREATE FUNCTION gridgov.case_intake() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_intake' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_intake() IS
    'BEFORE INSERT trigger on cases: category and urgency, WGS-84 location, grid, county, department, workflow and initial state, case number, likely duplicate';
CREATE TRIGGER case_intake BEFORE INSERT ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_intake();

CREATE FUNCTION gridgov.case_intake_finish() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_intake_finish' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_intake_finish() IS
    'AFTER INSERT statement trigger on cases, for all the statement''s new cases at once: appends each one''s intake event (seq 1, at reported_at, payload source/category/urgency/grid/department/duplicate) to its history, starts the clocks its workflow times from intake (workflows.intake_clocks, gridgov.sla_policy), and queues it for the analytics unless gridgov.analytics_sync is on; run as the owner of the history (case roles need no rights on these tables)';
CREATE TRIGGER case_intake_finish AFTER INSERT ON gridgov.cases
    REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_intake_finish();

-- Every UPDATE of a case: the state machine and the history.
CREATE FUNCTION gridgov.case_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_update' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_update() IS
    'BEFORE UPDATE trigger on cases: validates the state change (transition, role, required values), protects maintained columns, applies counters and closing, appends the hash-chained event';
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

-- Announcing an action, and the system actions (rehome, master_closed).
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

-- Closing a master closes the duplicates merged into it.
CREATE FUNCTION gridgov.close_merged_cases() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    d record;
BEGIN
    PERFORM gridgov.trigger_check('close_merged_cases', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    FOR d IN SELECT c.county, c.id FROM gridgov.cases c
             WHERE c.county OPERATOR(gridgov.=) NEW.county AND c.master_case_id = NEW.id
               AND c.closed_at IS NULL AND c.state = 'merged'
             ORDER BY c.id LOOP
        PERFORM gridgov.case_system_update(d.county, d.id, 'master_closed',
                                           pg_catalog.jsonb_build_object('master_case_id', NEW.id),
                                           NEW.closed_at);
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.close_merged_cases() IS
    'AFTER UPDATE trigger on cases: when a case closes, the duplicates merged into it close at the same time (event master_closed)';
CREATE TRIGGER close_merged_cases AFTER UPDATE ON gridgov.cases
    FOR EACH ROW WHEN (OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL)
    EXECUTE FUNCTION gridgov.close_merged_cases();

-- act(): the one entry point of the workflow.
CREATE FUNCTION gridgov.act(case_id bigint, action text, note text DEFAULT NULL,
                            payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    c gridgov.cases;
    t gridgov.transitions;
BEGIN
    IF case_id IS NULL OR action IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'case_id and action must not be NULL';
    END IF;
    IF payload IS NOT NULL AND pg_catalog.jsonb_typeof(payload) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'payload must be a JSON object';
    END IF;
    -- Lock the case: concurrent actions on one case are serialised, and the
    -- second one is checked against the state the first one left.
    SELECT * INTO c FROM gridgov.cases x WHERE x.id = act.case_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG100', MESSAGE = pg_catalog.format('case %s does not exist', case_id);
    END IF;
    SELECT * INTO t FROM gridgov.transitions x
    WHERE x.workflow = c.workflow AND x.action = act.action
      AND (x.from_state = c.state
           OR (x.from_state = '*' AND NOT EXISTS (
                   SELECT 1 FROM gridgov.workflow_states s
                   WHERE s.workflow = c.workflow AND s.state = c.state AND s.terminal)))
    ORDER BY x.from_state = '*'
    LIMIT 1;
    PERFORM gridgov.act_prepare(c.id, action, note, payload, at);
    UPDATE gridgov.cases x SET
        state = COALESCE(t.to_state, c.state),
        department_id = CASE WHEN payload ? 'department_id'
                             THEN (payload ->> 'department_id')::bigint ELSE x.department_id END,
        solved = CASE WHEN payload ? 'solved' AND 'solved' = ANY (t.requires)
                      THEN (payload ->> 'solved')::boolean ELSE x.solved END,
        satisfaction = CASE WHEN payload ? 'satisfaction' AND 'satisfaction' = ANY (t.requires)
                            THEN (payload ->> 'satisfaction')::gridgov.satisfaction ELSE x.satisfaction END,
        master_case_id = CASE WHEN payload ? 'master_case_id' AND 'master_case_id' = ANY (t.requires)
                              THEN (payload ->> 'master_case_id')::bigint ELSE x.master_case_id END
    WHERE x.county OPERATOR(gridgov.=) c.county AND x.id = c.id
    RETURNING * INTO c;
    RETURN c;
END
$$;
COMMENT ON FUNCTION gridgov.act(bigint, text, text, jsonb, timestamptz) IS
    'The workflow''s one entry point: takes an action on a case (locking it), with a note and a payload (department_id for dispatch, solved and satisfaction for callback, master_case_id for merge), at a time: NULL (the default) for now, or the case''s latest event time when a transaction that committed meanwhile recorded a later one; an explicit time may not be earlier than the latest event (GG111) nor beyond gridgov.future_tolerance (GG112). Returns the updated case. Illegal actions GG101, roles GG102, missing values GG104';

-- ---------------------------------------------------------------------------
-- Access control: who sees and acts on which cases, and citizens' contact
-- data (docs/security.md, "Who sees which cases" and "Citizens' contact
-- data").  The scope of a login follows from its group roles and its staff
-- row (department, grid assignments); the checks are C (src/cases/scope.c),
-- called by the row-level security policies of every per-case table, so the
-- rule is written once.  The contact columns of gridgov.cases and their
-- masks are C too (src/cases/contact.c, mask.c; declared with the cases, 055);
-- the group roles may not read those columns (098) and read
-- gridgov.my_cases instead.
-- ---------------------------------------------------------------------------

-- Scope -----------------------------------------------------------------------

CREATE FUNCTION gridgov.my_scope(
    OUT login name, OUT staff_id bigint, OUT department_id bigint, OUT department_kind text,
    OUT jurisdiction gridgov.gridcode, OUT grids gridgov.gridcode[], OUT reads text, OUT acts text)
    AS 'MODULE_PATHNAME', 'gridgov_my_scope' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.my_scope() IS
    'What gridgov made of the caller (current_user): its active staff row, the staff''s department (kind, jurisdiction; NULL when inactive), its current grid assignments, and whether it reads and acts on all cases, a scope of them, or none (docs/security.md, Who sees which cases)';

CREATE FUNCTION gridgov.case_readable(county gridgov.gridcode, grid gridgov.gridcode,
                                      department_id bigint, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_readable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_readable(gridgov.gridcode, gridgov.gridcode, bigint, bigint) IS
    'Whether the caller sees the case of county, current grid (NULL: the county is its place), holding department and id: the SELECT policy of gridgov.cases, through it of every per-case table, and the filter of gridgov.my_cases. A department''s earlier holding is looked up in the case''s history; false for a NULL county';
CREATE FUNCTION gridgov.case_actable(county gridgov.gridcode, grid gridgov.gridcode, department_id bigint,
                                     case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_actable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_actable(gridgov.gridcode, gridgov.gridcode, bigint, bigint) IS
    'Whether the caller may act on (act(), its wrappers, UPDATE) the case of county, current grid, holding department and id: the UPDATE policy of gridgov.cases and the write policies of whistles and whistle calls. A department a whistle summons may report in on the case (the action act() announced for it) and nothing else; false for a NULL county';
CREATE FUNCTION gridgov.case_fileable(county gridgov.gridcode, grid gridgov.gridcode, department_id bigint)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_fileable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_fileable(gridgov.gridcode, gridgov.gridcode, bigint) IS
    'Whether the caller may file (INSERT) a case that intake placed in county and grid and routed to department: the INSERT policy of gridgov.cases; false for a NULL county';

-- The same rules for a case's own rows, by (county, case_id): each reads the
-- case or its history where this node holds it (the table; under Citus the
-- co-located shard: policies on distributed tables hold no subqueries).
CREATE FUNCTION gridgov.case_row_readable(county gridgov.gridcode, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_row_readable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_row_readable(gridgov.gridcode, bigint) IS
    'Whether the caller sees the case (county, case_id), by gridgov.case_readable() on the case as it is: the SELECT policy of the case''s events, clocks, escalations, whistles and whistle calls; false when the case does not exist or an argument is NULL';
CREATE FUNCTION gridgov.case_row_actable(county gridgov.gridcode, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_row_actable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_row_actable(gridgov.gridcode, bigint) IS
    'Whether the caller may act on the case (county, case_id), by gridgov.case_actable() on the case as it is: the write policies of whistles and whistle calls; false when the case does not exist or an argument is NULL';
CREATE FUNCTION gridgov.case_event_now(county gridgov.gridcode, case_id bigint, action text, payload jsonb)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_event_now' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_event_now(gridgov.gridcode, bigint, text, jsonb) IS
    'Whether this transaction appended to the case''s history an event of action whose payload contains payload (the write policies of whistles and whistle calls: a summons or report-in the history records); false for a case the caller may not read (gridgov.case_row_readable())';
CREATE FUNCTION gridgov.whistle_calls_me(county gridgov.gridcode, case_id bigint, whistle_id bigint)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_whistle_calls_me' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.whistle_calls_me(gridgov.gridcode, bigint, bigint) IS
    'Whether the whistle (county, case_id, whistle_id) summons the caller''s department (the SELECT policy of whistles)';
CREATE FUNCTION gridgov.my_department_id() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_my_department_id' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.my_department_id() IS
    'The department of the caller''s active staff row (gridgov.my_scope()), or NULL';

-- Row-level security ----------------------------------------------------------------
-- The checks are declared costly (COST 1000: a department's check may look
-- up the case's history), so that the planner applies a caller's own
-- leakproof filters first (e.g. grid <@ a town, by an index) and runs the
-- check only on the rows they leave (docs/benchmarks.md, Access control).
-- The owner of the tables (gridgov's own code running as the history's
-- owner, SECURITY DEFINER functions, pg_dump) and superusers are not subject
-- to it; everyone else is.

ALTER TABLE gridgov.cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY cases_read ON gridgov.cases FOR SELECT
    USING (gridgov.case_readable(county, grid, department_id, id));
CREATE POLICY cases_file ON gridgov.cases FOR INSERT
    WITH CHECK (gridgov.case_fileable(county, grid, department_id));
-- Where an action sends the case (a dispatch, a return) is the workflow's
-- business: the check is on the case as it was.
CREATE POLICY cases_act ON gridgov.cases FOR UPDATE
    USING (gridgov.case_actable(county, grid, department_id, id))
    WITH CHECK (true);

-- The rows of a case: visible with the case.
ALTER TABLE gridgov.case_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_events_read ON gridgov.case_events FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_clocks ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_clocks_read ON gridgov.case_clocks FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.escalations ENABLE ROW LEVEL SECURITY;
CREATE POLICY escalations_read ON gridgov.escalations FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_requests_read ON gridgov.case_requests FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_meetings ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_meetings_read ON gridgov.case_meetings FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
-- The cases machines opened (078): visible with the case; a video alert
-- without a case (waiting for review, dismissed) to whoever may read alerts
-- and sees its county's cases at county level (as a case of the county
-- without grid or department: the command center of the county, the admin).
ALTER TABLE gridgov.sensor_cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY sensor_cases_read ON gridgov.sensor_cases FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.video_alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY video_alerts_read ON gridgov.video_alerts FOR SELECT
    USING (CASE WHEN case_id IS NULL THEN gridgov.case_readable(county, NULL, NULL, NULL)
                ELSE gridgov.case_row_readable(county, case_id) END);
CREATE POLICY video_alerts_feed ON gridgov.video_alerts FOR INSERT WITH CHECK (true);
-- Devices as cases are seen: by their county, grid and owner department (a
-- command center its jurisdiction's, a department its own, a worker its
-- grids', the admin role all).  Their readings through
-- gridgov.device_readings (COPY, the feed, refuses a table with row-level
-- security, so sensor_readings has none and only the admin role reads it).
ALTER TABLE gridgov.sensors ENABLE ROW LEVEL SECURITY;
CREATE POLICY sensors_scope ON gridgov.sensors
    USING (gridgov.case_readable(county, grid, department_id, NULL));
CREATE VIEW gridgov.device_readings WITH (security_barrier = true) AS
SELECT r.sensor_id, r.at, r.value, r.quality
FROM gridgov.sensor_readings r
WHERE EXISTS (SELECT 1 FROM gridgov.sensors s
              WHERE s.id = r.sensor_id AND gridgov.case_readable(s.county, s.grid, s.department_id, NULL));
COMMENT ON VIEW gridgov.device_readings IS
    'The readings of the devices the caller sees (gridgov.sensors under row-level security: by county, grid and owner department, as cases are seen): what the case roles, leaders and auditors read instead of gridgov.sensor_readings';
COMMENT ON COLUMN gridgov.device_readings.sensor_id IS 'The device';
COMMENT ON COLUMN gridgov.device_readings.at IS 'When it was measured';
COMMENT ON COLUMN gridgov.device_readings.value IS 'The measured value';
COMMENT ON COLUMN gridgov.device_readings.quality IS '0 good, 1 suspect, 2 bad';
ALTER TABLE gridgov.whistles ENABLE ROW LEVEL SECURITY;
CREATE POLICY whistles_read ON gridgov.whistles FOR SELECT
    USING (gridgov.case_row_readable(county, case_id) OR gridgov.whistle_calls_me(county, case_id, id));
-- Whistles and report-ins are written by gridgov.whistle() and report_in(),
-- after the event they append in the same transaction: a row without it (or a
-- call of a department the event does not summon, a report-in time for
-- another call, a report-in taken back) would be a summons or a report-in the
-- history does not know.
CREATE POLICY whistles_call ON gridgov.whistles FOR INSERT
    WITH CHECK (gridgov.case_row_actable(county, case_id)
                AND gridgov.case_event_now(county, case_id, 'whistle', '{}'));
-- A summoned department sees and answers its own calls.
ALTER TABLE gridgov.whistle_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY whistle_calls_read ON gridgov.whistle_calls FOR SELECT
    USING (department_id = gridgov.my_department_id() OR gridgov.case_row_readable(county, case_id));
CREATE POLICY whistle_calls_call ON gridgov.whistle_calls FOR INSERT
    WITH CHECK (gridgov.case_row_actable(county, case_id)
                AND gridgov.case_event_now(county, case_id, 'whistle',
                        pg_catalog.jsonb_build_object('departments', pg_catalog.jsonb_build_array(department_id))));
CREATE POLICY whistle_calls_report ON gridgov.whistle_calls FOR UPDATE
    USING (department_id = gridgov.my_department_id() OR gridgov.case_row_actable(county, case_id))
    WITH CHECK (reported_at IS NOT NULL
                AND gridgov.case_event_now(county, case_id, 'report_in',
                        pg_catalog.jsonb_build_object('whistle_id', whistle_id, 'department_id', department_id)));

-- Tables of case rows that only the owner and the admin role use: the
-- analytics' facts and the history import's staging (which holds contact
-- data of the past cases).
ALTER TABLE gridgov.case_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_stats_admin ON gridgov.case_stats
    USING ((gridgov.my_scope()).reads = 'all');
ALTER TABLE gridgov.import_cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_cases_admin ON gridgov.import_cases
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));
ALTER TABLE gridgov.import_steps ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_steps_admin ON gridgov.import_steps
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));
ALTER TABLE gridgov.import_rejects ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_rejects_admin ON gridgov.import_rejects
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));

-- The cases as a login may read them ---------------------------------------------
-- Runs as its owner (who may read the contact columns), so it filters by the
-- caller's scope itself, with the same function as the policy, and is a
-- security barrier: no function of the caller's sees a row before the filter.
-- Only SELECT is granted on it (an UPDATE through it would run as the owner).

CREATE VIEW gridgov.my_cases WITH (security_barrier = true) AS
SELECT c.county, c.id, c.case_no, c.source, c.external_id, c.category, c.urgency, c.title,
       gridgov.mask_numbers(c.description) AS description, c.location, c.coord_system,
       gridgov.mask_address(c.address) AS address, gridgov.mask_name(c.reporter_name) AS reporter_name,
       gridgov.mask_phone(c.reporter_phone) AS reporter_phone, c.objcode, c.grid, c.department_id,
       c.workflow, c.state, c.reported_at, c.updated_at, c.closed_at, c.dispatches, c.returns,
       c.reworks, c.reopens, c.extensions, c.suspensions, c.supervised, c.escalation_level, c.solved,
       c.satisfaction, c.master_case_id, c.possible_duplicate_of, c.events, c.history_hash, c.occurred_at,
       c.category_by, c.located_by, c.assisted
FROM gridgov.cases c
WHERE gridgov.case_readable(c.county, c.grid, c.department_id, c.id);
COMMENT ON VIEW gridgov.my_cases IS
    'The cases the caller sees (its scope: docs/security.md), every column of gridgov.cases with the contact data masked: description (gridgov.mask_numbers), address (mask_address), reporter_name (mask_name), reporter_phone (mask_phone). The clear values: gridgov.reveal_contact(case_id, reason)';

-- Its columns are those of gridgov.cases: their comments too, marked where masked.
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT v.attname, pg_catalog.col_description(c.attrelid, c.attnum) AS comment
             FROM pg_catalog.pg_attribute v
             JOIN pg_catalog.pg_attribute c ON c.attrelid = 'gridgov.cases'::pg_catalog.regclass
                                           AND c.attname = v.attname
             WHERE v.attrelid = 'gridgov.my_cases'::pg_catalog.regclass AND v.attnum > 0 LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN gridgov.my_cases.%I IS %L', a.attname,
            CASE WHEN a.attname = ANY (gridgov.contact_columns())
                 THEN a.comment || ' (masked: gridgov.reveal_contact() reads the clear value)'
                 ELSE a.comment END);
    END LOOP;
END
$$;

CREATE PROCEDURE gridgov.reveal_contact(case_id bigint, reason text,
    INOUT reporter_name text DEFAULT NULL, INOUT reporter_phone text DEFAULT NULL,
    INOUT address text DEFAULT NULL, INOUT description text DEFAULT NULL)
    AS 'MODULE_PATHNAME', 'gridgov_reveal_contact' LANGUAGE C;
COMMENT ON PROCEDURE gridgov.reveal_contact(bigint, text, text, text, text, text) IS
    'CALL gridgov.reveal_contact(case_id, reason): the clear contact data of a case (reporter_name, reporter_phone, address, description), for the department that holds it and the command center whose jurisdiction covers it, with a reason (1-500 characters). It appends a contact_revealed event (who, when, the reason as its note) to the case''s history and commits it before it reads the data, so no rollback takes the record back; hence CALL, outside a transaction block (2D000 otherwise). Errors: NULL 22004, blank or long reason 22023, a case the caller does not see GG100, one it may not reveal 42501';
CREATE FUNCTION gridgov.contact_revealable(case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_contact_revealable' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.contact_revealable(bigint) IS
    'Whether the caller may CALL gridgov.reveal_contact() on a case it sees (its holder, the command center over it); GG100 for a case it does not see. Reads and records nothing';
-- Not for everyone: setup_roles() grants them to the roles that may hold a case.
REVOKE EXECUTE ON PROCEDURE gridgov.reveal_contact(bigint, text, text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.contact_revealable(bigint) FROM PUBLIC;

-- Grid workers' patrol tracks (077, docs/security.md "Patrol tracks"): the
-- worker, their grid leader and the command center over them read them.

CREATE FUNCTION gridgov.patrol_track_readable(county gridgov.gridcode, staff_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED SET search_path FROM CURRENT AS $$
    SELECT s.reads = 'all'
           OR s.staff_id = patrol_track_readable.staff_id
           -- (its dispatchers and leaders: not a grid worker on its staff)
           OR (s.department_kind = 'command_center'
               AND (pg_catalog.pg_has_role(s.login, 'gridgov_dispatcher', 'USAGE')
                    OR pg_catalog.pg_has_role(s.login, 'gridgov_leader', 'USAGE'))
               AND (patrol_track_readable.county OPERATOR(gridgov.<@) s.jurisdiction
                    OR EXISTS (SELECT 1 FROM gridgov.grid_staff w
                               WHERE w.staff_id = patrol_track_readable.staff_id AND w.duty = 'worker'
                                 AND w.valid_from <= pg_catalog.now() AND pg_catalog.now() < w.valid_to
                                 AND w.grid OPERATOR(gridgov.<@) s.jurisdiction)))
           OR EXISTS (SELECT 1 FROM gridgov.grid_staff l, gridgov.grid_staff w
                      WHERE l.staff_id = s.staff_id AND l.duty = 'leader'
                        AND l.valid_from <= pg_catalog.now() AND pg_catalog.now() < l.valid_to
                        AND w.staff_id = patrol_track_readable.staff_id AND w.duty = 'worker'
                        AND w.valid_from <= pg_catalog.now() AND pg_catalog.now() < w.valid_to
                        AND w.grid OPERATOR(gridgov.<@) l.grid)
    FROM gridgov.my_scope() s
$$;
COMMENT ON FUNCTION gridgov.patrol_track_readable(gridgov.gridcode, bigint) IS
    'Whether the caller reads the patrol track of a worker (of county): the worker themself, the leader (网格长) of a grid over one of the worker''s current grids, a dispatcher or leader (gridgov_dispatcher, gridgov_leader) of a command center whose jurisdiction covers the county or one of those grids, and whoever reads all cases (the admin role); the row-level security of patrol_points and patrol_coverage (docs/security.md). Runs with the caller''s rights (gridgov.my_scope(), gridgov.grid_staff)';

ALTER TABLE gridgov.patrol_points ENABLE ROW LEVEL SECURITY;
CREATE POLICY patrol_points_read ON gridgov.patrol_points FOR SELECT
    USING (gridgov.patrol_track_readable(county, staff_id));
CREATE POLICY patrol_points_write ON gridgov.patrol_points FOR INSERT
    WITH CHECK (staff_id = (gridgov.my_scope()).staff_id OR (gridgov.my_scope()).reads = 'all');
ALTER TABLE gridgov.patrol_rejects ENABLE ROW LEVEL SECURITY;
CREATE POLICY patrol_rejects_read ON gridgov.patrol_rejects FOR SELECT
    USING ((gridgov.my_scope()).reads = 'all' OR staff_id = (gridgov.my_scope()).staff_id);
ALTER TABLE gridgov.patrol_coverage ENABLE ROW LEVEL SECURITY;
CREATE POLICY patrol_coverage_read ON gridgov.patrol_coverage FOR SELECT
    USING (gridgov.patrol_track_readable(county, staff_id));

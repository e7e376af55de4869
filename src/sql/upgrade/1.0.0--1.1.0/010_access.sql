-- Access control (src/sql/097_access.sql, as it is there), the calendar
-- horizon's view under the reader's rights (076), and the cache trigger of
-- grid_staff, which the login scopes read (095 creates it from
-- gridgov.cache_watched_tables() on a fresh install).
ALTER VIEW gridgov.provisional_clocks SET (security_invoker = true);
-- (A 1.0.0 installed with this version's module already has it: the install
-- script's loop asked the module which tables to watch.)
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger
                   WHERE tgrelid = 'gridgov.grid_staff'::pg_catalog.regclass AND tgname = 'grid_staff_invalidate') THEN
        CREATE TRIGGER grid_staff_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.grid_staff
            FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_caches();
    END IF;
END
$$;

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

-- The rows of a case: visible with the case (the subquery is under the
-- reader's policy on gridgov.cases).
ALTER TABLE gridgov.case_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_events_read ON gridgov.case_events FOR SELECT
    USING (EXISTS (SELECT 1 FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) case_events.county AND c.id = case_events.case_id));
ALTER TABLE gridgov.case_clocks ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_clocks_read ON gridgov.case_clocks FOR SELECT
    USING (EXISTS (SELECT 1 FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) case_clocks.county AND c.id = case_clocks.case_id));
ALTER TABLE gridgov.escalations ENABLE ROW LEVEL SECURITY;
CREATE POLICY escalations_read ON gridgov.escalations FOR SELECT
    USING (EXISTS (SELECT 1 FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) escalations.county AND c.id = escalations.case_id));
ALTER TABLE gridgov.whistles ENABLE ROW LEVEL SECURITY;
CREATE POLICY whistles_read ON gridgov.whistles FOR SELECT
    USING (EXISTS (SELECT 1 FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) whistles.county AND c.id = whistles.case_id)
           OR EXISTS (SELECT 1 FROM gridgov.whistle_calls w
                      WHERE w.county OPERATOR(gridgov.=) whistles.county AND w.case_id = whistles.case_id
                        AND w.whistle_id = whistles.id));
-- Whistles and report-ins are written by gridgov.whistle() and report_in(),
-- after the event they append in the same transaction: a row without it (or a
-- call of a department the event does not summon, a report-in time for
-- another call, a report-in taken back) would be a summons or a report-in the
-- history does not know.
CREATE POLICY whistles_call ON gridgov.whistles FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM gridgov.cases c
                        WHERE c.county OPERATOR(gridgov.=) whistles.county AND c.id = whistles.case_id
                          AND gridgov.case_actable(c.county, c.grid, c.department_id, c.id))
                AND EXISTS (SELECT 1 FROM gridgov.case_events e
                            WHERE e.county OPERATOR(gridgov.=) whistles.county AND e.case_id = whistles.case_id
                              AND e.action = 'whistle'
                              AND e.txid = (pg_catalog.pg_current_xact_id()::text)::bigint));
-- A summoned department sees and answers its own calls.
ALTER TABLE gridgov.whistle_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY whistle_calls_read ON gridgov.whistle_calls FOR SELECT
    USING (department_id = (SELECT s.department_id FROM gridgov.my_scope() s)
           OR EXISTS (SELECT 1 FROM gridgov.cases c
                      WHERE c.county OPERATOR(gridgov.=) whistle_calls.county AND c.id = whistle_calls.case_id));
CREATE POLICY whistle_calls_call ON gridgov.whistle_calls FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM gridgov.cases c
                        WHERE c.county OPERATOR(gridgov.=) whistle_calls.county AND c.id = whistle_calls.case_id
                          AND gridgov.case_actable(c.county, c.grid, c.department_id, c.id))
                AND EXISTS (SELECT 1 FROM gridgov.case_events e
                            WHERE e.county OPERATOR(gridgov.=) whistle_calls.county AND e.case_id = whistle_calls.case_id
                              AND e.action = 'whistle'
                              AND (e.payload OPERATOR(pg_catalog.->) 'departments')
                                  OPERATOR(pg_catalog.@>) pg_catalog.to_jsonb(whistle_calls.department_id)
                              AND e.txid = (pg_catalog.pg_current_xact_id()::text)::bigint));
CREATE POLICY whistle_calls_report ON gridgov.whistle_calls FOR UPDATE
    USING (department_id = (SELECT s.department_id FROM gridgov.my_scope() s)
           OR EXISTS (SELECT 1 FROM gridgov.cases c
                      WHERE c.county OPERATOR(gridgov.=) whistle_calls.county AND c.id = whistle_calls.case_id
                        AND gridgov.case_actable(c.county, c.grid, c.department_id, c.id)))
    WITH CHECK (reported_at IS NOT NULL
                AND EXISTS (SELECT 1 FROM gridgov.case_events e
                            WHERE e.county OPERATOR(gridgov.=) whistle_calls.county AND e.case_id = whistle_calls.case_id
                              AND e.action = 'report_in'
                              AND (e.payload OPERATOR(pg_catalog.->>) 'whistle_id') = whistle_calls.whistle_id::text
                              AND (e.payload OPERATOR(pg_catalog.->>) 'department_id') = whistle_calls.department_id::text
                              AND e.txid = (pg_catalog.pg_current_xact_id()::text)::bigint));

-- Tables of case rows that only the owner and the admin role use: the
-- analytics' facts and the history import's staging (which holds contact
-- data of the past cases).
ALTER TABLE gridgov.case_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_stats_admin ON gridgov.case_stats
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));
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
       c.satisfaction, c.master_case_id, c.possible_duplicate_of, c.events, c.history_hash
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

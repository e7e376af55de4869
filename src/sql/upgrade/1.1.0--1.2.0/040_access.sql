-- The policies of a case's rows call C checks instead of subqueries.
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
DROP POLICY case_events_read ON gridgov.case_events;
CREATE POLICY case_events_read ON gridgov.case_events FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
DROP POLICY case_clocks_read ON gridgov.case_clocks;
CREATE POLICY case_clocks_read ON gridgov.case_clocks FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
DROP POLICY escalations_read ON gridgov.escalations;
CREATE POLICY escalations_read ON gridgov.escalations FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
DROP POLICY whistles_read ON gridgov.whistles;
CREATE POLICY whistles_read ON gridgov.whistles FOR SELECT
    USING (gridgov.case_row_readable(county, case_id) OR gridgov.whistle_calls_me(county, case_id, id));
DROP POLICY whistles_call ON gridgov.whistles;
CREATE POLICY whistles_call ON gridgov.whistles FOR INSERT
    WITH CHECK (gridgov.case_row_actable(county, case_id)
                AND gridgov.case_event_now(county, case_id, 'whistle', '{}'));
DROP POLICY whistle_calls_read ON gridgov.whistle_calls;
CREATE POLICY whistle_calls_read ON gridgov.whistle_calls FOR SELECT
    USING (department_id = gridgov.my_department_id() OR gridgov.case_row_readable(county, case_id));
DROP POLICY whistle_calls_call ON gridgov.whistle_calls;
CREATE POLICY whistle_calls_call ON gridgov.whistle_calls FOR INSERT
    WITH CHECK (gridgov.case_row_actable(county, case_id)
                AND gridgov.case_event_now(county, case_id, 'whistle',
                        pg_catalog.jsonb_build_object('departments', pg_catalog.jsonb_build_array(department_id))));
DROP POLICY whistle_calls_report ON gridgov.whistle_calls;
CREATE POLICY whistle_calls_report ON gridgov.whistle_calls FOR UPDATE
    USING (department_id = gridgov.my_department_id() OR gridgov.case_row_actable(county, case_id))
    WITH CHECK (reported_at IS NOT NULL
                AND gridgov.case_event_now(county, case_id, 'report_in',
                        pg_catalog.jsonb_build_object('whistle_id', whistle_id, 'department_id', department_id)));
DROP POLICY case_stats_admin ON gridgov.case_stats;
CREATE POLICY case_stats_admin ON gridgov.case_stats
    USING ((gridgov.my_scope()).reads = 'all');

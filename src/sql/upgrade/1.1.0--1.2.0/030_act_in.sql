-- act_in(): act() of a county's case where it is held (a Citus distributed function).
CREATE FUNCTION gridgov.act_in(county gridgov.gridcode, case_id bigint, action text, note text DEFAULT NULL,
                               payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act_in' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz) IS
    'gridgov.act() on a case of county, where the case is held: on a Citus cluster a distributed function by county (gridgov.distribute()), which act() calls on the coordinator; on one server the same as act(). Refuses (55000) on a node that does not hold the county''s cases';
-- report_in() locks the case and its call by county and id (one shard under Citus).
CREATE OR REPLACE FUNCTION gridgov.report_in(case_id bigint, department bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    call gridgov.whistle_calls;
    cty gridgov.gridcode;
BEGIN
    -- The case first, then its summons: the order act() and the sweep lock in,
    -- by county and id (under Citus a row lock is taken on one shard).
    cty := COALESCE((SELECT x.county FROM gridgov.cases x WHERE x.id = report_in.case_id),
                    (SELECT w.county FROM gridgov.whistle_calls w
                     WHERE w.case_id = report_in.case_id AND w.department_id = report_in.department LIMIT 1));
    PERFORM 1 FROM gridgov.cases x WHERE x.county OPERATOR(gridgov.=) cty AND x.id = report_in.case_id FOR UPDATE;
    SELECT * INTO call FROM gridgov.whistle_calls w
    WHERE w.county OPERATOR(gridgov.=) cty
      AND w.case_id = report_in.case_id AND w.department_id = report_in.department AND w.reported_at IS NULL
    ORDER BY w.whistle_id DESC LIMIT 1
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG252',
            MESSAGE = pg_catalog.format('department %s has no whistle of case %s to report in to', department, case_id),
            HINT = 'It was not summoned, or has reported in already.';
    END IF;
    PERFORM gridgov.act(case_id, 'report_in', NULL,
                        pg_catalog.jsonb_build_object('department_id', department, 'whistle_id', call.whistle_id,
                                                      'on_time', at <= call.due_at), at);
    UPDATE gridgov.whistle_calls w SET reported_at = at
    WHERE w.county OPERATOR(gridgov.=) call.county AND w.case_id = call.case_id
      AND w.whistle_id = call.whistle_id AND w.department_id = call.department_id;
    RETURN at <= call.due_at;
END
$$;
COMMENT ON FUNCTION gridgov.report_in(bigint, bigint, timestamptz) IS
    'A summoned department reports in on site (报到); recorded in the history; returns whether it was on time (GG252 when the department has no open whistle call for the case)';

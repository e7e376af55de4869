-- act_in(): act() of a county's case where it is held (a Citus distributed function).
CREATE FUNCTION gridgov.act_in(county gridgov.gridcode, case_id bigint, action text, note text DEFAULT NULL,
                               payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act_in' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz) IS
    'gridgov.act() on a case of county, where the case is held: on a Citus cluster a distributed function by county (gridgov.distribute()), which act() calls on the coordinator; on one server the same as act(). Refuses (55000) on a node that does not hold the county''s cases';

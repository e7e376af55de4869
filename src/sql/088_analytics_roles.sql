-- Rights of the group roles on the analytics objects (called by gridgov.setup_roles).
CREATE FUNCTION gridgov.setup_analytics_roles() RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
BEGIN
    EXECUTE 'GRANT SELECT ON gridgov.case_facts, gridgov.three_rates, gridgov.timeliness,
             gridgov.department_ranking, gridgov.kpi, gridgov.sla_board, gridgov.hotspots_latest,
             gridgov.seasonal, gridgov.grid_map, gridgov.whistle_rates
             TO gridgov_analyst, gridgov_dispatcher, gridgov_admin';
    EXECUTE 'GRANT EXECUTE ON FUNCTION gridgov.map_geojson(text, text, timestamptz),
             gridgov.map_svg(text, text, timestamptz) TO gridgov_analyst, gridgov_dispatcher, gridgov_admin';
    -- The board and the map metrics count cases as the owner (SECURITY
    -- DEFINER): those roles need no rights on cases or case_stats.
    EXECUTE 'GRANT EXECUTE ON FUNCTION gridgov.sla_board_at(timestamptz), gridgov.grid_metrics(timestamptz)
             TO gridgov_analyst, gridgov_dispatcher, gridgov_admin';
    -- A report that must include the last minute's intake drains the queue first.
    EXECUTE 'GRANT EXECUTE ON FUNCTION gridgov.analytics_refresh_pending(integer)
             TO gridgov_analyst, gridgov_dispatcher, gridgov_admin';
    EXECUTE 'GRANT EXECUTE ON FUNCTION gridgov.analytics_refresh(bigint[]), gridgov.analytics_rebuild(),
             gridgov.analytics_rebuild_summaries(), gridgov.analytics_compact(),
             gridgov.analytics_nightly(timestamptz) TO gridgov_admin';
END
$$;
COMMENT ON FUNCTION gridgov.setup_analytics_roles() IS
    'Administration: Grants the group roles SELECT on the PII-free analytics views, the map functions and gridgov.analytics_refresh_pending(); called by gridgov.setup_roles()';

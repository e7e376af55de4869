-- health()'s check of the group roles knows gridgov_leader and gridgov_auditor (090_health.sql).
CREATE OR REPLACE FUNCTION gridgov.health_setup(caller_schemas name[])
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

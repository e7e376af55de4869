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

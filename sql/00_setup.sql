-- Installs gridgov (and PostGIS through CASCADE) into the regression database
-- and puts schema gridgov on the search path of every later suite.
SET client_min_messages = warning;
CREATE EXTENSION gridgov CASCADE;
RESET client_min_messages;

SELECT extname, extrelocatable, n.nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'gridgov';

DO $$
BEGIN
    EXECUTE pg_catalog.format('ALTER DATABASE %I SET search_path = public, gridgov',
                              pg_catalog.current_database());
END
$$;

-- ---------------------------------------------------------------------------
-- The per-backend caches (src/core/cache.c): each cache of the C code is
-- registered with the tables it is built from, and every table whose rows a
-- cache reads gets one statement trigger, gridgov.invalidate_caches(), that
-- drops the caches built from it in every session.  The list of those tables
-- is the registry's (gridgov.cache_watched_tables()), so the triggers are
-- created from it here, once every table exists.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.cache_watched_tables()
    RETURNS TABLE (table_name text, caches text[])
    AS 'MODULE_PATHNAME', 'gridgov_cache_watched_tables' LANGUAGE C STABLE PARALLEL SAFE ROWS 16;
COMMENT ON FUNCTION gridgov.cache_watched_tables() IS
    'The tables (in schema gridgov) whose rows gridgov''s per-backend caches read, and the caches that read each; every one has the statement trigger <table>_invalidate (gridgov.invalidate_caches()); compiled into the module, listed when the table exists';

CREATE FUNCTION gridgov.cache_stats()
    RETURNS TABLE (cache text, tables text[], definitions text[], functions boolean,
                   invalidations bigint, current boolean)
    AS 'MODULE_PATHNAME', 'gridgov_cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 8;
COMMENT ON FUNCTION gridgov.cache_stats() IS
    'This backend''s caches, after reading pending invalidations: what each holds, the tables whose rows it reads, the tables whose definition it depends on, whether it holds function lookups (dropped when pg_proc changes), how many invalidations of it this backend has seen, and whether it is built and current';

CREATE FUNCTION gridgov.invalidate_caches() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_invalidate_caches' LANGUAGE C;
COMMENT ON FUNCTION gridgov.invalidate_caches() IS
    'Trigger (AFTER ... FOR EACH STATEMENT on each table of gridgov.cache_watched_tables()): sends a relcache invalidation for the watched table it is registered on (never for the relation it fires on), so that every session drops the caches built from it: this one at its next command, the others when the change commits';

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT w.table_name FROM gridgov.cache_watched_tables() w ORDER BY 1 LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_caches()',
            t || '_invalidate', t);
    END LOOP;
END
$$;

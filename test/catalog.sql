-- Catalog hygiene of the installed extension: every public object in schema
-- gridgov carries a COMMENT, everything the extension owns lives in gridgov,
-- and the volatility / parallel markings follow the documented rules.
BEGIN;
SELECT plan(20);

-- Objects the extension owns, with a readable identity.
CREATE TEMP VIEW ext_objects AS
SELECT d.classid, d.objid, pg_catalog.pg_describe_object(d.classid, d.objid, 0) AS ident,
       pg_catalog.obj_description(d.objid, c.relname::name) AS comment
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = d.classid
WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'gridgov')
  AND d.deptype = 'e';

SELECT ok((SELECT pg_catalog.count(*) FROM ext_objects) > 50, 'the extension owns its objects');

SELECT is_empty($$
    SELECT ident FROM ext_objects
    WHERE comment IS NULL
      AND classid <> 'pg_catalog.pg_amop'::pg_catalog.regclass
      AND classid <> 'pg_catalog.pg_amproc'::pg_catalog.regclass
      AND classid <> 'pg_catalog.pg_opfamily'::pg_catalog.regclass
      AND ident NOT LIKE 'type gridgov._%'          -- array types
      AND ident NOT LIKE 'schema %'
      AND ident NOT LIKE 'sequence %'               -- identity sequences
    ORDER BY 1
$$, 'every object of the extension has a COMMENT');

SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
    JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'gridgov'
    WHERE p.pronamespace <> 'gridgov'::pg_catalog.regnamespace
$$, 'every function of the extension is in schema gridgov');

SELECT is_empty($$
    SELECT c.oid::pg_catalog.regclass::text
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
    JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'gridgov'
    WHERE c.relnamespace <> 'gridgov'::pg_catalog.regnamespace
$$, 'every relation of the extension is in schema gridgov');

SELECT is_empty($$
    SELECT c.oid::pg_catalog.regclass::text || '.' || a.attname
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = 'gridgov'::pg_catalog.regnamespace
      AND c.relkind IN ('r', 'v', 'm', 'p')
      AND a.attname <> 'id'
      AND pg_catalog.col_description(c.oid, a.attnum) IS NULL
    ORDER BY 1
$$, 'every column of every table and view (but id) has a COMMENT');

-- Type I/O and operator functions of gridcode are immutable and parallel safe.
SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
      AND p.proname LIKE 'gridcode\_%'
      AND p.proname NOT LIKE '%\_sel'
      AND (p.provolatile <> 'i' OR p.proparallel <> 's')
$$, 'gridcode support functions are IMMUTABLE PARALLEL SAFE');

-- Nothing of the extension is a plain stub: every C function resolves to a symbol.
SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
      AND p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c')
      AND (p.prosrc IS NULL OR p.prosrc = '' OR p.probin NOT LIKE '%gridgov%')
$$, 'every C function points into the gridgov module');


-- Security (docs/security.md) ----------------------------------------------------------

-- Every trigger on any table that runs a gridgov function is registered in
-- gridgov.trigger_bindings(), and every binding is installed.  The clones of a
-- partitioned table's row trigger on its partitions (tgparentid) are that
-- trigger: it is registered on the partitioned table (patrol_points).
SELECT set_eq($$
    SELECT t.function_name, t.table_name,
           CASE WHEN t.tgtype & 2 <> 0 THEN 'BEFORE' ELSE 'AFTER' END AS timing,
           CASE WHEN t.tgtype & 1 <> 0 THEN 'ROW' ELSE 'STATEMENT' END AS level,
           pg_catalog.string_agg(e.letter, '' ORDER BY e.ord) AS events
    FROM (-- a partition's triggers count as its partitioned table's (once)
          SELECT DISTINCT p.proname::text AS function_name, t.tgname, t.tgtype,
                 (SELECT r.relname FROM pg_catalog.pg_class r
                  WHERE r.oid = COALESCE(pg_catalog.pg_partition_root(c.oid), c.oid))::text AS table_name
          FROM pg_catalog.pg_trigger t
          JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid AND p.pronamespace = 'gridgov'::pg_catalog.regnamespace
          JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
          WHERE NOT t.tgisinternal AND c.relnamespace = 'gridgov'::pg_catalog.regnamespace) t
    JOIN (VALUES (1, 'I', 4), (2, 'U', 16), (3, 'D', 8), (4, 'T', 32)) e(ord, letter, bit) ON t.tgtype & e.bit <> 0
    GROUP BY 1, 2, 3, 4
$$, $$ SELECT * FROM gridgov.trigger_bindings() $$,
'the installed triggers are exactly the registered bindings');

SELECT is_empty($$
    SELECT t.tgname FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid AND p.pronamespace = 'gridgov'::pg_catalog.regnamespace
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    -- a partition (patrol_points' days in gridgov_tracks) is its partitioned table's
    JOIN pg_catalog.pg_class r ON r.oid = COALESCE(pg_catalog.pg_partition_root(c.oid), c.oid)
    WHERE r.relnamespace <> 'gridgov'::pg_catalog.regnamespace OR t.tgnargs > 0
$$, 'gridgov''s trigger functions fire only on gridgov''s tables (or their partitions), and take no arguments');

-- The cache registry's one list of watched tables (src/core/cache.c) is what
-- the invalidation triggers are bound to and installed on, one trigger each.
SELECT set_eq($$
    SELECT table_name, 'AFTER' AS timing, 'STATEMENT' AS level, 'IUDT' AS events FROM gridgov.cache_watched_tables()
$$, $$
    SELECT table_name, timing, level, events FROM gridgov.trigger_bindings() WHERE function_name = 'invalidate_caches'
$$, 'gridgov.invalidate_caches() is bound to each table the cache registry watches, and to no other');
SELECT set_eq($$
    SELECT c.relname::text, t.tgname::text FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    WHERE t.tgfoid = 'gridgov.invalidate_caches()'::pg_catalog.regprocedure
$$, $$
    SELECT table_name, table_name || '_invalidate' FROM gridgov.cache_watched_tables()
$$, 'every watched table has its trigger <table>_invalidate');

-- Every PL/pgSQL trigger function calls trigger_check with its own name before
-- anything else (no DECLARE initializers, which would run first).
SELECT is_empty($$
    SELECT p.proname FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
      AND p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
      AND p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'plpgsql')
      AND (pg_catalog.split_part(p.prosrc, E'\nBEGIN\n', 1) ~ '(:=|\mDEFAULT\M)'
           OR pg_catalog.strpos(p.prosrc, pg_catalog.format(
                  E'\nBEGIN\n    PERFORM gridgov.trigger_check(%L, TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);\n', p.proname)) = 0
              -- (or keeps the table it returns: under Citus TG_TABLE_NAME is a shard's)
              AND pg_catalog.strpos(p.prosrc, pg_catalog.format(
                  E'\nBEGIN\n    tbl := gridgov.trigger_check(%L, TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);\n', p.proname)) = 0)
$$, 'every PL/pgSQL trigger function checks where it fires before doing anything');

SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace AND p.prosrc ~* 'tg_argv'
$$, 'no function of gridgov reads trigger arguments');

-- EXECUTE is not PUBLIC's on what is not meant for everyone.
SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
      AND (p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype OR p.prosecdef
           OR pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Internal%'
           OR pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Administration:%')
      AND pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE')
    ORDER BY 1
$$, 'no trigger, SECURITY DEFINER, internal or administration function is executable by PUBLIC');

-- Search paths: SECURITY DEFINER functions pin pg_catalog, gridgov, pg_temp;
-- every function whose body is resolved when it runs pins one.
SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace AND p.prosecdef
      AND NOT COALESCE(p.proconfig @> ARRAY['search_path=pg_catalog, gridgov, pg_temp'], false)
$$, 'every SECURITY DEFINER function pins search_path = pg_catalog, gridgov, pg_temp');

SELECT is_empty($$
    SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
      AND (l.lanname = 'plpgsql' OR (l.lanname = 'sql' AND p.prosqlbody IS NULL))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')
      -- a procedure that commits cannot have a SET clause: it sets the path
      -- for its transactions itself, before anything else
      AND NOT (p.prokind = 'p' AND pg_catalog.strpos(p.prosrc,
               E'\nBEGIN\n    PERFORM pg_catalog.set_config(''search_path'', ''pg_catalog, gridgov, pg_temp'', true);\n') > 0)
$$, 'every function whose body is resolved at run time pins its search_path');

-- No schema on a pinned search_path can be created in by anyone but superusers
-- (pg_database_owner stands for the database's owner); pg_temp, if listed, comes last.
CREATE TEMP VIEW pinned_paths AS
SELECT p.oid::pg_catalog.regprocedure::text AS fn, pg_catalog.btrim(s.nsp, ' "') AS nsp, s.ord,
       pg_catalog.count(*) OVER (PARTITION BY p.oid) AS n
FROM pg_catalog.pg_proc p
CROSS JOIN LATERAL pg_catalog.unnest(p.proconfig) c
CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.substr(c, 13), ',')) WITH ORDINALITY s(nsp, ord)
WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace AND c LIKE 'search\_path=%';
SELECT ok((SELECT pg_catalog.count(*) FROM pinned_paths) > 100, 'the pinned search paths are read');
SELECT is_empty($$
    SELECT DISTINCT x.fn || ': ' || x.nsp FROM pinned_paths x
    WHERE x.nsp = 'pg_temp' AND x.ord <> x.n
       OR x.nsp <> 'pg_temp' AND EXISTS (
            SELECT 1 FROM pg_catalog.pg_namespace ns
            CROSS JOIN LATERAL (SELECT a.grantee FROM pg_catalog.aclexplode(ns.nspacl) a WHERE a.privilege_type = 'CREATE'
                                UNION SELECT ns.nspowner) g
            LEFT JOIN pg_catalog.pg_roles r
              ON r.oid = CASE WHEN g.grantee = 'pg_database_owner'::pg_catalog.regrole
                              THEN (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
                              ELSE g.grantee END
            WHERE ns.nspname = x.nsp AND NOT COALESCE(r.rolsuper, false))
$$, 'no schema on a pinned search_path is writable by a role that is not a superuser; pg_temp comes last');

-- Name traps: an unqualified call of any gridgov function (and aggregate), with
-- typed arguments or plain literals, all arguments or only the required ones,
-- never resolves to a function of the same name in another schema (as
-- sign(42) did: pg_catalog.sign(numeric), not the workflow wrapper).
CREATE FUNCTION pg_temp.name_traps() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    f record;
    nargs integer;
    call text;
    form text;
    tried integer := 0;
    traps text[] := '{}';
BEGIN
    FOR f IN
        SELECT p.oid, p.proname, p.prokind, p.pronargs, p.pronargdefaults,
               ARRAY(SELECT pg_catalog.unnest(p.proargtypes::oid[])) AS types
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace AND p.prokind IN ('f', 'a')
          AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proargtypes::oid[]) t
                          JOIN pg_catalog.pg_type ty ON ty.oid = t WHERE ty.typtype = 'p')
    LOOP
        FOREACH nargs IN ARRAY ARRAY[f.pronargs, f.pronargs - f.pronargdefaults] LOOP
            FOREACH form IN ARRAY ARRAY['typed', 'literal'] LOOP
                SELECT pg_catalog.string_agg(
                           CASE WHEN form = 'literal' AND t IN ('int2'::pg_catalog.regtype, 'int4'::pg_catalog.regtype,
                                    'int8'::pg_catalog.regtype, 'numeric'::pg_catalog.regtype, 'float8'::pg_catalog.regtype)
                                THEN '1'
                                WHEN form = 'literal' AND t = 'text'::pg_catalog.regtype THEN '''x'''
                                ELSE 'NULL::' || pg_catalog.format_type(t, NULL) END, ', ' ORDER BY o)
                INTO call
                FROM pg_catalog.unnest(f.types[1:nargs]) WITH ORDINALITY u(t, o);
                call := CASE WHEN f.prokind = 'a'
                             THEN pg_catalog.format('SELECT %I(x) IS NULL FROM (SELECT %s AS x) s', f.proname, call)
                             ELSE pg_catalog.format('SELECT %I(%s) IS NULL', f.proname, COALESCE(call, '')) END;
                BEGIN
                    EXECUTE 'CREATE TEMP VIEW name_trap AS ' || call;
                    tried := tried + 1;
                    -- (pg_depend records no dependency on pinned pg_catalog objects:
                    -- the view must depend on a gridgov function of that name.)
                    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                   JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
                                   JOIN pg_catalog.pg_proc q ON q.oid = d.refobjid
                                   WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                     AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                     AND r.ev_class = 'name_trap'::pg_catalog.regclass
                                     AND q.proname = f.proname
                                     AND q.pronamespace = 'gridgov'::pg_catalog.regnamespace) THEN
                        traps := traps || call;
                    END IF;
                    DROP VIEW name_trap;
                EXCEPTION WHEN OTHERS THEN
                    NULL;       -- not callable this way (ambiguous, or no match): no silent trap
                END;
            END LOOP;
        END LOOP;
    END LOOP;
    IF tried < 300 THEN
        traps := traps || pg_catalog.format('only %s calls could be tried', tried);
    END IF;
    RETURN traps;
END $$;
SELECT is(pg_temp.name_traps(), '{}'::text[],
          'no unqualified call of a gridgov function resolves to a namesake in another schema');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'sign' AND pronamespace = 'gridgov'::pg_catalog.regnamespace)
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'sign_case' AND pronamespace = 'gridgov'::pg_catalog.regnamespace),
          'the sign wrapper is sign_case(): sign(61) is pg_catalog''s and gridgov does not pretend otherwise');

SELECT * FROM finish();
ROLLBACK;

-- Catalog hygiene of the installed extension: every public object in schema
-- gridgov carries a COMMENT, everything the extension owns lives in gridgov,
-- and the volatility / parallel markings follow the documented rules.
BEGIN;
SELECT plan(7);

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

SELECT * FROM finish();
ROLLBACK;

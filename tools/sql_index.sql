-- Writes docs/sql-index.md: every object of the installed gridgov extension,
-- from the catalog and the COMMENT each one carries (test/catalog.sql makes
-- sure there is one).  tools/test.sh regenerates it and fails when the
-- committed file differs; GRIDGOV_UPDATE_DOCS=1 make test rewrites it.
\set QUIET on
SET search_path = pg_catalog;
\pset format unaligned
\pset tuples_only on
\pset footer off
WITH ext AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
      AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'gridgov')
      AND d.deptype = 'e'
), types AS (
    SELECT t.oid::pg_catalog.regtype::text AS name,
           CASE t.typtype WHEN 'e' THEN 'enum: ' || (SELECT pg_catalog.string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                                                   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
                          WHEN 'b' THEN 'base type' ELSE t.typtype::text END AS what,
           pg_catalog.obj_description(t.oid, 'pg_type') AS comment
    FROM ext JOIN pg_catalog.pg_type t ON ext.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = ext.objid
    WHERE t.typtype IN ('b', 'e') AND t.typname NOT LIKE '\_%'
), rels AS (
    SELECT c.oid, c.oid::pg_catalog.regclass::text AS name,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' END AS kind,
           pg_catalog.obj_description(c.oid, 'pg_class') AS comment
    FROM ext JOIN pg_catalog.pg_class c ON ext.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = ext.objid
    WHERE c.relkind IN ('r', 'v', 'm')
), funcs AS (
    SELECT p.oid::pg_catalog.regprocedure::text AS signature,
           CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure'
                ELSE pg_catalog.pg_get_function_result(p.oid) END AS returns,
           CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END
             || CASE p.proparallel WHEN 's' THEN ', PARALLEL SAFE' WHEN 'r' THEN ', PARALLEL RESTRICTED' ELSE '' END
             || CASE WHEN p.prosecdef THEN ', SECURITY DEFINER' ELSE '' END
             || CASE WHEN p.proisstrict THEN ', STRICT' ELSE '' END
             || ', ' || l.lanname AS markings,
           pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
    FROM ext JOIN pg_catalog.pg_proc p ON ext.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = ext.objid
    JOIN pg_catalog.pg_language l ON l.oid = p.prolang
), ops AS (
    SELECT o.oid::pg_catalog.regoperator::text AS name, pg_catalog.obj_description(o.oid, 'pg_operator') AS comment
    FROM ext JOIN pg_catalog.pg_operator o ON ext.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = ext.objid
), casts AS (
    SELECT pg_catalog.format_type(c.castsource, NULL) || ' → ' || pg_catalog.format_type(c.casttarget, NULL) AS name,
           CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'assignment' ELSE 'implicit' END AS context,
           pg_catalog.obj_description(c.oid, 'pg_cast') AS comment
    FROM ext JOIN pg_catalog.pg_cast c ON ext.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND c.oid = ext.objid
), lines(section, sort, line) AS (
    SELECT 0, ' ' || pg_catalog.lpad(n::text, 3, '0'), l FROM pg_catalog.unnest(ARRAY[
        '# SQL index',
        '',
        'Every object of the gridgov extension with its description, generated from the',
        'installed extension by `tools/sql_index.sql` (`GRIDGOV_UPDATE_DOCS=1 make test`',
        'rewrites it; `make test` fails when it is out of date). The module guides explain',
        'the objects with examples: [sql-reference.md](sql-reference.md) (gridcode),',
        '[grids.md](grids.md), [coordinates.md](coordinates.md), [organisation.md](organisation.md),',
        '[routing.md](routing.md), [cases.md](cases.md), [calendars.md](calendars.md),',
        '[sla.md](sla.md), [bi.md](bi.md), [open311.md](open311.md); SQLSTATEs in',
        '[errors.md](errors.md).', '']) WITH ORDINALITY u(l, n)
    UNION ALL SELECT 1, ' ' || pg_catalog.lpad(n::text, 3, '0'), l FROM pg_catalog.unnest(ARRAY['## Types', '', '| type | kind | description |', '|---|---|---|']) WITH ORDINALITY u(l, n)
    UNION ALL SELECT 1, name, pg_catalog.format('| `%s` | %s | %s |', name, what, pg_catalog.replace(COALESCE(comment, ''), '|', '\|')) FROM types
    UNION ALL SELECT 2, ' ' || pg_catalog.lpad(n::text, 3, '0'), l FROM pg_catalog.unnest(ARRAY['', '## Tables and views', '']) WITH ORDINALITY u(l, n)
    UNION ALL SELECT 2, r.name || '!', pg_catalog.format(E'### %s `%s`\n\n%s\n\n| column | type | description |\n|---|---|---|\n%s\n',
        r.kind, r.name, pg_catalog.replace(COALESCE(r.comment, ''), E'\n', ' '),
        (SELECT pg_catalog.string_agg(pg_catalog.format('| `%s` | %s | %s |', a.attname,
                    pg_catalog.format_type(a.atttypid, a.atttypmod),
                    pg_catalog.replace(COALESCE(pg_catalog.col_description(r.oid, a.attnum), ''), '|', '\|')),
                E'\n' ORDER BY a.attnum)
         FROM pg_catalog.pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped))
    FROM rels r
    UNION ALL SELECT 3, ' ' || pg_catalog.lpad(n::text, 3, '0'), l FROM pg_catalog.unnest(ARRAY['## Functions, procedures and aggregates', '',
        '| signature | returns | markings | description |', '|---|---|---|---|']) WITH ORDINALITY u(l, n)
    UNION ALL SELECT 3, signature, pg_catalog.format('| `%s` | %s | %s | %s |', signature, pg_catalog.replace(returns, '|', '\|'),
        markings, pg_catalog.replace(pg_catalog.replace(COALESCE(comment, ''), '|', '\|'), E'\n', ' ')) FROM funcs
    UNION ALL SELECT 4, ' ' || pg_catalog.lpad(n::text, 3, '0'), l FROM pg_catalog.unnest(ARRAY['', '## Operators', '', '| operator | description |', '|---|---|']) WITH ORDINALITY u(l, n)
    UNION ALL SELECT 4, name, pg_catalog.format('| `%s` | %s |', name, COALESCE(comment, '')) FROM ops
    UNION ALL SELECT 5, ' ' || pg_catalog.lpad(n::text, 3, '0'), l FROM pg_catalog.unnest(ARRAY['', '## Casts', '', '| cast | context | description |', '|---|---|---|']) WITH ORDINALITY u(l, n)
    UNION ALL SELECT 5, name, pg_catalog.format('| %s | %s | %s |', name, context, COALESCE(comment, '')) FROM casts
)
SELECT line FROM lines ORDER BY section, sort COLLATE "C", line COLLATE "C";

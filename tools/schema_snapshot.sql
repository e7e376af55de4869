-- Describes the installed gridgov extension as sorted lines of text, one fact a
-- line, so that two installs compare with diff (tools/schema_compare.sh): the
-- member objects; every relation, column (type, NOT NULL, default, generation,
-- identity, collation, statistics target, options but this server's per-install
-- pg_attver entry, comment) and the order of the columns; constraints,
-- indexes, triggers (the internal triggers of foreign keys by constraint, not by
-- their OID-bearing names), row-level security policies, functions with their
-- whole definition, views,
-- types, operators, operator classes, casts, sequences, comments, the
-- extension's dumped tables, a hash of the rows of every table (as JSON, so
-- that column order does not count) and the privileges: the ACLs as granted
-- and, for PUBLIC and each gridgov_* role, the effective privileges
-- (has_*_privilege) on the schema and every relation, column, sequence, type
-- and function, and the memberships between the roles.  Run it after
-- gridgov.setup_roles() to compare what the roles get.  Run it with psql -X -q
-- -A -t (unaligned rows, no headers or footer): tools/schema_compare.sh does.
-- With -v shipped_only=on the rows hashed are only the shipped ones (builtin) of
-- the tables that have them, so that a database holding data compares with a
-- fresh install (test/shell/upgrade.sh).
\if :{?shipped_only}
\else
\set shipped_only off
\endif
SET search_path = pg_catalog;
WITH ext AS (
    SELECT d.classid, d.objid
    FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
    WHERE x.extname = 'gridgov' AND d.deptype = 'e'
      AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
), ns AS (
    SELECT 'gridgov'::pg_catalog.regnamespace::oid AS oid
), roles(r) AS (
    SELECT 'public' UNION ALL
    SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname LIKE 'gridgov\_%'
), acl(kind, obj, a) AS (
    -- Every ACL entry of the schema and its objects, by grantee name.
    SELECT 'schema', 'gridgov', n.nspacl FROM pg_catalog.pg_namespace n WHERE n.oid = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'relation', c.oid::pg_catalog.regclass::text, c.relacl FROM pg_catalog.pg_class c
    WHERE c.relnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'column', c.oid::pg_catalog.regclass::text || '.' || a.attname, a.attacl
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = (SELECT oid FROM ns) AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'function', p.oid::pg_catalog.regprocedure::text, p.proacl FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'type', t.oid::pg_catalog.regtype::text, t.typacl FROM pg_catalog.pg_type t
    WHERE t.typnamespace = (SELECT oid FROM ns)
), lines(section, line) AS (
    SELECT 'member', pg_catalog.pg_describe_object(ext.classid, ext.objid, 0) FROM ext
    UNION ALL
    SELECT 'relation', pg_catalog.concat_ws(' | ', c.oid::pg_catalog.regclass::text, c.relkind, c.relpersistence,
                                           c.reloptions::text, c.relrowsecurity, c.relreplident,
                                           pg_catalog.obj_description(c.oid, 'pg_class'))
    FROM pg_catalog.pg_class c WHERE c.relnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'column order', c.oid::pg_catalog.regclass::text || ': '
           || pg_catalog.string_agg(a.attname::text, ', ' ORDER BY a.attnum)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'v', 'm', 'c', 'p', 'f')
    GROUP BY c.oid
    UNION ALL
    SELECT 'column', pg_catalog.concat_ws(' | ', c.oid::pg_catalog.regclass::text || '.' || a.attname,
                                         pg_catalog.format_type(a.atttypid, a.atttypmod),
                                         CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                                         'default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
                                         'generated ' || NULLIF(a.attgenerated, '')::text,
                                         'identity ' || NULLIF(a.attidentity, '')::text,
                                         'collation ' || CASE WHEN a.attcollation <> t.typcollation
                                                              THEN a.attcollation::pg_catalog.regcollation::text END,
                                         'stattarget ' || NULLIF(a.attstattarget, -1),
                                         'options ' || NULLIF(ARRAY(SELECT o FROM pg_catalog.unnest(a.attoptions) o
                                                                     WHERE o NOT LIKE 'pg\_attver=%'), '{}')::text,
                                         pg_catalog.col_description(c.oid, a.attnum))
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'v', 'm', 'c', 'p', 'f')
    UNION ALL
    SELECT 'constraint', pg_catalog.concat_ws(' | ', COALESCE(co.conrelid::pg_catalog.regclass::text,
                                                              co.contypid::pg_catalog.regtype::text),
                                             co.conname, co.contype, pg_catalog.pg_get_constraintdef(co.oid),
                                             CASE WHEN co.condeferrable THEN 'deferrable' END,
                                             CASE WHEN NOT co.convalidated THEN 'not valid' END,
                                             pg_catalog.obj_description(co.oid, 'pg_constraint'))
    FROM pg_catalog.pg_constraint co WHERE co.connamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'index', pg_catalog.concat_ws(' | ', pg_catalog.pg_get_indexdef(i.indexrelid),
                                        CASE WHEN i.indisclustered THEN 'clustered' END,
                                        CASE WHEN i.indisreplident THEN 'replica identity' END,
                                        pg_catalog.obj_description(i.indexrelid, 'pg_class'))
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
    WHERE c.relnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'trigger', pg_catalog.concat_ws(' | ', pg_catalog.pg_get_triggerdef(tg.oid), tg.tgenabled,
                                          pg_catalog.obj_description(tg.oid, 'pg_trigger'))
    FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    WHERE c.relnamespace = (SELECT oid FROM ns) AND NOT tg.tgisinternal
    UNION ALL
    -- Foreign keys' own triggers carry their OID in their names: described by
    -- constraint, table, timing/events and function instead.
    SELECT 'trigger (internal)', pg_catalog.concat_ws(' | ', tg.tgrelid::pg_catalog.regclass::text,
                                                     co.conname, tg.tgtype, tg.tgfoid::pg_catalog.regproc::text,
                                                     tg.tgdeferrable, tg.tginitdeferred, tg.tgenabled)
    FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    LEFT JOIN pg_catalog.pg_constraint co ON co.oid = tg.tgconstraint
    WHERE c.relnamespace = (SELECT oid FROM ns) AND tg.tgisinternal
    UNION ALL
    SELECT 'function', p.oid::pg_catalog.regprocedure::text || E'\n'
           || CASE WHEN p.prokind = 'a'
                   THEN pg_catalog.concat_ws(' ', 'aggregate', ag.aggkind, ag.aggtransfn, ag.aggfinalfn,
                                             ag.aggcombinefn, ag.aggserialfn, ag.aggdeserialfn,
                                             ag.aggtranstype::pg_catalog.regtype, ag.aggtransspace, ag.agginitval,
                                             ag.aggfinalmodify, ag.aggsortop::pg_catalog.regoperator, p.proparallel)
                   ELSE pg_catalog.pg_get_functiondef(p.oid) END
           || E'\n-- comment: ' || COALESCE(pg_catalog.obj_description(p.oid, 'pg_proc'), '(none)')
           || E'\n-- owner: ' || p.proowner::pg_catalog.regrole::text
    FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_aggregate ag ON ag.aggfnoid = p.oid
    WHERE p.pronamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'policy', pg_catalog.concat_ws(' | ', pol.polrelid::pg_catalog.regclass::text, pol.polname,
                                         pol.polcmd, pol.polpermissive,
                                         (SELECT pg_catalog.string_agg(CASE r WHEN 0 THEN 'public' ELSE r::pg_catalog.regrole::text END, ',' ORDER BY 1)
                                          FROM pg_catalog.unnest(pol.polroles) r),
                                         'using ' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
                                         'check ' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid))
    FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
    WHERE c.relnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'view', c.oid::pg_catalog.regclass::text || E' AS\n' || pg_catalog.pg_get_viewdef(c.oid)
    FROM pg_catalog.pg_class c WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'type', pg_catalog.concat_ws(' | ', t.oid::pg_catalog.regtype::text, t.typtype, t.typlen, t.typbyval,
                                       t.typalign, t.typstorage, t.typcategory, t.typispreferred,
                                       t.typinput::text, t.typoutput::text, t.typreceive::text, t.typsend::text,
                                       t.typmodin::text, t.typmodout::text, t.typanalyze::text,
                                       t.typsubscript::text, t.typcollation,
                                       pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull,
                                       t.typdefault,
                                       (SELECT pg_catalog.string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                                        FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
                                       pg_catalog.obj_description(t.oid, 'pg_type'))
    FROM pg_catalog.pg_type t WHERE t.typnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'operator', pg_catalog.concat_ws(' | ', o.oid::pg_catalog.regoperator::text, o.oprcode::text,
                                           o.oprcom::pg_catalog.regoperator::text,
                                           o.oprnegate::pg_catalog.regoperator::text,
                                           o.oprrest::text, o.oprjoin::text, o.oprcanmerge, o.oprcanhash,
                                           pg_catalog.obj_description(o.oid, 'pg_operator'))
    FROM pg_catalog.pg_operator o WHERE o.oprnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'operator class', pg_catalog.concat_ws(' | ', pg_catalog.pg_describe_object('pg_catalog.pg_opclass'::pg_catalog.regclass, oc.oid, 0),
                                                 oc.opcdefault, oc.opcintype::pg_catalog.regtype::text,
                                                 oc.opckeytype::pg_catalog.regtype::text)
    FROM pg_catalog.pg_opclass oc WHERE oc.opcnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'operator family member', pg_catalog.pg_describe_object('pg_catalog.pg_amop'::pg_catalog.regclass, ao.oid, 0)
    FROM pg_catalog.pg_amop ao JOIN pg_catalog.pg_opfamily f ON f.oid = ao.amopfamily
    WHERE f.opfnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'operator family member', pg_catalog.pg_describe_object('pg_catalog.pg_amproc'::pg_catalog.regclass, ap.oid, 0)
    FROM pg_catalog.pg_amproc ap JOIN pg_catalog.pg_opfamily f ON f.oid = ap.amprocfamily
    WHERE f.opfnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'cast', pg_catalog.concat_ws(' | ', pg_catalog.pg_describe_object(ext.classid, ext.objid, 0),
                                       ca.castfunc::pg_catalog.regprocedure::text, ca.castcontext, ca.castmethod,
                                       pg_catalog.obj_description(ca.oid, 'pg_cast'))
    FROM ext JOIN pg_catalog.pg_cast ca ON ext.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND ca.oid = ext.objid
    UNION ALL
    SELECT 'sequence', pg_catalog.concat_ws(' | ', s.seqrelid::pg_catalog.regclass::text,
                                           s.seqtypid::pg_catalog.regtype::text, s.seqstart, s.seqincrement,
                                           s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
    FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
    WHERE c.relnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'dumped table', pg_catalog.concat_ws(' | ', x.tab::pg_catalog.regclass::text, x.cond)
    FROM pg_catalog.pg_extension e,
         LATERAL ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS x(tab, cond)
    WHERE e.extname = 'gridgov'
    UNION ALL
    SELECT 'schema', pg_catalog.concat_ws(' | ', n.nspname, n.nspowner::pg_catalog.regrole::text,
                                         pg_catalog.obj_description(n.oid, 'pg_namespace'))
    FROM pg_catalog.pg_namespace n WHERE n.oid = (SELECT oid FROM ns)
    UNION ALL
    -- The rows of every table (shipped data; a fresh install has no others), or
    -- with shipped_only the builtin rows of the tables that have such a column.
    SELECT 'rows', pg_catalog.concat_ws(' | ', c.oid::pg_catalog.regclass::text,
                                       (pg_catalog.xpath('/row/n/text()', q.x))[1]::text,
                                       (pg_catalog.xpath('/row/h/text()', q.x))[1]::text)
    FROM pg_catalog.pg_class c,
         LATERAL (SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute b
                                 WHERE b.attrelid = c.oid AND b.attname = 'builtin' AND NOT b.attisdropped) AS has_builtin) hb,
         LATERAL (SELECT pg_catalog.query_to_xml(pg_catalog.format(
                      'SELECT pg_catalog.count(*) AS n, pg_catalog.md5(COALESCE(pg_catalog.string_agg('
                      '%2$s::text, E''\n'' ORDER BY %2$s::text), '''')) AS h '
                      'FROM %1$s t %3$s', c.oid::pg_catalog.regclass,
                      -- Shipped rows by their content: the ids an identity
                      -- gave them depend on what was inserted before (an
                      -- upgrade adds its shipped rows after a city's own).
                      CASE WHEN :'shipped_only'::boolean THEN '(pg_catalog.to_jsonb(t) OPERATOR(pg_catalog.-) ''id'')'
                           ELSE 'pg_catalog.to_jsonb(t)' END,
                      CASE WHEN :'shipped_only'::boolean THEN 'WHERE builtin' END), false, true, '') AS x) q
    WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind = 'r'
      AND (NOT :'shipped_only'::boolean OR hb.has_builtin)
    UNION ALL
    SELECT 'acl', pg_catalog.concat_ws(' | ', acl.kind, acl.obj,
                                      CASE WHEN x.grantee = 0 THEN 'public' ELSE x.grantee::pg_catalog.regrole::text END,
                                      x.privilege_type, 'by ' || x.grantor::pg_catalog.regrole::text,
                                      CASE WHEN x.is_grantable THEN 'grantable' END)
    FROM acl CROSS JOIN LATERAL pg_catalog.aclexplode(acl.a) x
    UNION ALL
    SELECT 'privilege', pg_catalog.concat_ws(' | ', roles.r, 'schema gridgov',
                                            pg_catalog.concat_ws(',', CASE WHEN pg_catalog.has_schema_privilege(roles.r, 'gridgov', 'USAGE') THEN 'USAGE' END,
                                                                      CASE WHEN pg_catalog.has_schema_privilege(roles.r, 'gridgov', 'CREATE') THEN 'CREATE' END))
    FROM roles
    UNION ALL
    SELECT 'privilege', pg_catalog.concat_ws(' | ', roles.r, c.oid::pg_catalog.regclass::text,
                                            (SELECT pg_catalog.string_agg(p, ',' ORDER BY p)
                                             FROM pg_catalog.unnest(CASE WHEN c.relkind = 'S'
                                                                         THEN ARRAY['USAGE', 'SELECT', 'UPDATE']
                                                                         ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] END) p
                                             WHERE CASE WHEN c.relkind = 'S' THEN pg_catalog.has_sequence_privilege(roles.r, c.oid, p)
                                                        ELSE pg_catalog.has_table_privilege(roles.r, c.oid, p) END))
    FROM pg_catalog.pg_class c CROSS JOIN roles
    WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'v', 'm', 'S', 'p', 'f')
    UNION ALL
    SELECT 'privilege', pg_catalog.concat_ws(' | ', roles.r, c.oid::pg_catalog.regclass::text || '.' || a.attname,
                                            (SELECT pg_catalog.string_agg(p, ',' ORDER BY p)
                                             FROM pg_catalog.unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p
                                             WHERE pg_catalog.has_column_privilege(roles.r, c.oid, a.attnum, p)))
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    CROSS JOIN roles
    WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
    UNION ALL
    SELECT 'privilege', pg_catalog.concat_ws(' | ', roles.r, p.oid::pg_catalog.regprocedure::text,
                                            CASE WHEN pg_catalog.has_function_privilege(roles.r, p.oid, 'EXECUTE') THEN 'EXECUTE' END)
    FROM pg_catalog.pg_proc p CROSS JOIN roles WHERE p.pronamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'privilege', pg_catalog.concat_ws(' | ', roles.r, t.oid::pg_catalog.regtype::text,
                                            CASE WHEN pg_catalog.has_type_privilege(roles.r, t.oid, 'USAGE') THEN 'USAGE' END)
    FROM pg_catalog.pg_type t CROSS JOIN roles WHERE t.typnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT 'membership', pg_catalog.concat_ws(' | ', m.member::pg_catalog.regrole::text, 'member of',
                                             m.roleid::pg_catalog.regrole::text,
                                             CASE WHEN m.admin_option THEN 'with admin option' END)
    FROM pg_catalog.pg_auth_members m
    WHERE m.roleid::pg_catalog.regrole::text LIKE 'gridgov\_%' OR m.member::pg_catalog.regrole::text LIKE 'gridgov\_%'
)
SELECT '[' || section || '] ' || line FROM lines ORDER BY section, line COLLATE "C";

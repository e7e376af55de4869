-- Planted objects (the contrib/seg-style search_path test): gridgov never calls
-- an object that an unprivileged role planted in a schema earlier on the
-- search_path.
--
-- A login that is only a member of gridgov_worker (gg_planted_planter, given
-- CREATE on the database for the test) creates the schema gg_planted and plants
-- there, with the exact argument types, so that they win over the real ones:
--   - an operator for every operator of pg_catalog, PostGIS and gridgov on the
--     types gridgov works with (=, <>, <, <=, >, >=, @>, <@ on gridcode, the
--     comparisons of text, integers, timestamps, floats, the jsonb and array
--     operators, ...), and the polymorphic ones instantiated for those types;
--   - a function for every name gridgov defines or calls (its SQL, its views,
--     the queries of its C code): gridgov's own (locate, route, level,
--     event_hash, worktime_add, ...), PostGIS's (st_x, st_dwithin, ...) and
--     pg_catalog's (now, lower, format, jsonb_build_object, ...), aggregates
--     and window functions (count(*), min, row_number(), ...) included;
--   - a view for every table and view of gridgov (a relation named without
--     its schema), and a domain for every type name a cast or declaration may
--     spell without its schema (text, jsonb, timestamptz, gridcode, geography...).
-- Each one records that it ran (a row in gg_planted.ran with the step, the
-- user it ran as and the call stack, and a sequence that counts calls even in
-- statements that failed) and then does what the real one does.
--
-- Sessions with search_path = gg_planted, pg_catalog, gridgov, public (pg_catalog
-- after the planted schema, so that exact matches there win) then use gridgov:
-- the planter itself (intake with and without location, a likely duplicate,
-- GCJ-02, a multi-row INSERT, act() and its wrappers, raw UPDATEs), the planter
-- again in a second session (verify_history, find_duplicate, route, explain_route,
-- locate, worktime_*, the other functions it may call), a dispatcher and a
-- department clerk (the rest of the workflows, raw UPDATEs, sla_sweep), an analyst
-- (the analytics views, maps, analytics_refresh_pending) and a superuser
-- (sla_sweep, analytics_refresh_pending, redivide and rehome_cases,
-- nightly_maintenance, verify_histories, health, the analytics, the Open311 functions,
-- configuration writes, case_system_update).  Each is a fresh connection, so
-- gridgov's per-backend caches and kept C plans are first prepared under the
-- hostile path; one more session prepares them under an ordinary path and then
-- switches.  A step reports what ran during its own statements: what a session
-- caches (grid index, reference data, calendars, routing answers) is read once,
-- by the first step that needs it.  A positive control in each session shows that
-- the planted objects do win when a statement names them without a schema.
--
-- Everything is committed through dblink in the fictitious county 990106, which
-- no other suite uses; the roles, the schema and the grids are removed at the
-- end (and at the start, if an earlier run was interrupted).  The test's own
-- transaction reads the planted schema only through dblink, so that it holds no
-- lock the clean-up needs.
BEGIN;
SELECT plan(54);
SET LOCAL statement_timeout = '600s';
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE ssp_conf AS
SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
           pg_catalog.current_setting('port'),
           pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS conn,
       pg_catalog.current_database() AS db,
       pg_catalog.to_char(pg_catalog.clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag;

-- The exercises: one statement each, run in a session and committed there; the
-- rows a query returns are kept as text, an error is kept, not raised.
CREATE TEMP TABLE ssp_runs (n serial, session text, step text, sql text, result text, error text);

-- A session: its own connection as `login` (the test's role when NULL).
CREATE FUNCTION pg_temp.ssp_open(session text, login text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dblink_connect(session, (SELECT conn FROM ssp_conf)
                                    || COALESCE(' user=' || login, ''));
    PERFORM dblink_exec(session, 'SET statement_timeout = ''120s''');
    RETURN session;
END $$;
-- The hostile search_path, set before the session's first use of gridgov.
CREATE FUNCTION pg_temp.ssp_hostile(session text) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_exec(session, 'SET search_path = gg_planted, pg_catalog, gridgov, public')
$$;
-- Run one statement of a step in a session.  A query's rows come back as text:
-- the whole row, so that every output column is computed, through the types'
-- output functions (row_to_json would call PostGIS's geometry-to-JSON cast,
-- which looks up spatial_ref_sys with the session's search_path).
CREATE FUNCTION pg_temp.ssp_run(session text, step text, sql text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    res text;
    err text;
BEGIN
    PERFORM dblink_exec(session, pg_catalog.format('SET gg_planted.step = %L', step));
    IF sql ~* '^\s*SELECT' THEN
        SELECT pg_catalog.string_agg(v, E'\n') INTO res
        FROM dblink(session, pg_catalog.format('SELECT q::pg_catalog.text FROM (%s) q', sql),
                    false) AS t(v text);
    ELSE
        res := dblink_exec(session, sql, false);
    END IF;
    err := NULLIF(dblink_error_message(session), 'OK');
    INSERT INTO ssp_runs (session, step, sql, result, error) VALUES (session, step, sql, res, err);
END $$;
-- A query through the setup session (search_path as configured), one text value.
CREATE FUNCTION pg_temp.ssp_value(sql text) RETURNS text LANGUAGE sql AS $$
    SELECT v FROM dblink('setup', sql, false) AS t(v text)
$$;
-- The id of a case of this run by its label, and a department's id by code.
CREATE FUNCTION pg_temp.ssp_case(label text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_temp.ssp_value(pg_catalog.format(
        'SELECT id FROM gridgov.cases WHERE county = ''990106'' AND external_id = %L',
        (SELECT tag FROM ssp_conf) || '-' || label))::bigint
$$;
CREATE FUNCTION pg_temp.ssp_dept(code text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_temp.ssp_value(pg_catalog.format('SELECT id FROM gridgov.departments WHERE code = %L', code))::bigint
$$;
-- Remove the roles, the planted schema and the grids (also what an interrupted run left).
CREATE FUNCTION pg_temp.ssp_cleanup() RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
    c text;
BEGIN
    FOREACH c IN ARRAY COALESCE(dblink_get_connections(), '{}') LOOP
        IF c <> 'setup' THEN
            PERFORM dblink_disconnect(c);
        END IF;
    END LOOP;
    RETURN dblink_exec('setup', $cleanup$
        DO $x$
        DECLARE
            r text;
        BEGIN
            DROP SCHEMA IF EXISTS gg_planted CASCADE;
            UPDATE gridgov.staff SET db_role = NULL WHERE db_role LIKE 'gg\_planted\_%';
            FOREACH r IN ARRAY ARRAY['gg_planted_planter', 'gg_planted_dispatcher', 'gg_planted_clerk',
                                     'gg_planted_analyst', 'gg_planted_admin'] LOOP
                IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
                    EXECUTE pg_catalog.format('DROP OWNED BY %I', r);
                    EXECUTE pg_catalog.format('DROP ROLE %I', r);
                END IF;
            END LOOP;
            DELETE FROM gridgov.grid_staff WHERE grid OPERATOR(gridgov.<@) '990106';
            DELETE FROM gridgov.routing_rules WHERE area OPERATOR(gridgov.<@) '990106';
            DELETE FROM gridgov.components WHERE objcode LIKE '990106%';
            DELETE FROM gridgov.score_weights WHERE area OPERATOR(gridgov.<@) '990106';
            DELETE FROM gridgov.grids WHERE code OPERATOR(gridgov.<@) '990106';
            DELETE FROM gridgov.grid_revisions WHERE note = 'gg_planted';
        END
        $x$
    $cleanup$, false);
END $fn$;

SELECT pg_temp.ssp_open('setup', NULL);
SELECT pg_temp.ssp_cleanup();

-- Roles and the committed fixture of county 990106 -------------------------------
SELECT pg_catalog.count(*) FROM dblink('setup', 'SELECT gridgov.setup_roles()') AS t(x text);
SELECT dblink_exec('setup', pg_catalog.format($$
    CREATE ROLE gg_planted_planter LOGIN IN ROLE gridgov_worker;
    CREATE ROLE gg_planted_dispatcher LOGIN IN ROLE gridgov_dispatcher;
    CREATE ROLE gg_planted_clerk LOGIN IN ROLE gridgov_department;
    CREATE ROLE gg_planted_analyst LOGIN IN ROLE gridgov_analyst;
    CREATE ROLE gg_planted_admin LOGIN IN ROLE gridgov_admin;
    GRANT CREATE ON DATABASE %I TO gg_planted_planter$$, (SELECT db FROM ssp_conf)));
SELECT dblink_exec('setup', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT v.code, v.name, 'district', '990106', v.kind
    FROM (VALUES ('SSP-990106-CC', '种植测试区指挥中心', 'command_center'),
                 ('SSP-990106-JW', '种植测试区纪委监委', 'discipline'),
                 ('SSP-990106-CGJ', '种植测试区城管执法局', 'functional')) v(code, name, kind)
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments d WHERE d.code = v.code);
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
    SELECT 'SSP-990106001-CC', '种植测试街道指挥中心', 'town', '990106001', 'command_center', d.id
    FROM gridgov.departments d
    WHERE d.code = 'SSP-990106-CC'
      AND NOT EXISTS (SELECT 1 FROM gridgov.departments x WHERE x.code = 'SSP-990106001-CC');
    INSERT INTO gridgov.grids (code, name, geom)
    SELECT v.code::gridgov.gridcode, v.name,
           ST_Multi(ST_MakeEnvelope(v.x0, 30.0, v.x1, 30.04, 4326))
    FROM (VALUES ('990106', '种植测试区', 100.0, 100.04),
                 ('990106001', '种植测试街道', 100.0, 100.04),
                 ('990106001001', '种植测试社区', 100.0, 100.04),
                 ('990106001001001', '种植测试第1网格', 100.0, 100.02),
                 ('990106001001002', '种植测试第2网格', 100.02, 100.04)) v(code, name, x0, x1);
    INSERT INTO gridgov.staff (name, department_id, db_role)
    SELECT v.name, d.id, v.login
    FROM (VALUES ('种植测试网格员', 'SSP-990106001-CC', 'gg_planted_planter'),
                 ('种植测试调度员', 'SSP-990106-CC', 'gg_planted_dispatcher'),
                 ('种植测试办事员', 'SSP-990106-CGJ', 'gg_planted_clerk')) v(name, dept, login)
    JOIN gridgov.departments d ON d.code = v.dept;
    -- The planter serves the whole fictitious county, so that its intake and
    -- actions anywhere in it are in its scope (docs/security.md).
    INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
    SELECT '990106', s.id, 'worker', '2026-01-01 00:00+08'
    FROM gridgov.staff s WHERE s.db_role = 'gg_planted_planter' AND s.active;
    INSERT INTO gridgov.routing_rules (category_prefix, area, department_id)
    SELECT 'E05', '990106001001', d.id FROM gridgov.departments d
    WHERE d.code = 'SSP-990106-CGJ'
      AND NOT EXISTS (SELECT 1 FROM gridgov.routing_rules r
                      WHERE r.area = '990106001001' AND r.category_prefix = 'E05')$$);

-- The planting, as the worker login, with nothing but pg_catalog on its path ------
SELECT pg_temp.ssp_open('planter', 'gg_planted_planter');
SELECT dblink_exec('planter', 'SET search_path = pg_catalog, pg_temp');
SELECT dblink_exec('planter', $plant$
CREATE SCHEMA gg_planted;
GRANT USAGE ON SCHEMA gg_planted TO PUBLIC;
CREATE SEQUENCE gg_planted.hits;
GRANT USAGE ON SEQUENCE gg_planted.hits TO PUBLIC;
CREATE TABLE gg_planted.ran (n bigint, trojan text, step text, cur_user name, sess_user name, context text);
GRANT INSERT ON gg_planted.ran TO PUBLIC;
CREATE TABLE gg_planted.plants (kind text, label text);
-- What every planted object does first: record the call (the sequence also
-- counts the calls made in statements that failed and were rolled back).
CREATE FUNCTION gg_planted._hit(what text) RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    ctx text;
BEGIN
    GET DIAGNOSTICS ctx = PG_CONTEXT;
    INSERT INTO gg_planted.ran VALUES (nextval('gg_planted.hits'), what,
        current_setting('gg_planted.step', true), current_user, session_user, ctx);
    RETURN true;
END $f$;
CREATE FUNCTION gg_planted._rel_write() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    PERFORM gg_planted._hit(format('relation %s (%s)', TG_TABLE_NAME, lower(TG_OP)));
    RETURN NULL;
END $f$;
-- A polymorphic type t instantiated for the element type e (NULL: it cannot be).
CREATE FUNCTION gg_planted._sub(t oid, e oid) RETURNS oid LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $f$
    SELECT CASE
        WHEN ty.typtype <> 'p' OR ty.typname = 'void' THEN t
        WHEN ty.typname IN ('anyelement', 'anycompatible', 'anynonarray', 'anycompatiblenonarray') THEN e
        WHEN ty.typname = 'anyenum' AND et.typtype = 'e' THEN e
        WHEN ty.typname IN ('anyarray', 'anycompatiblearray') AND et.typarray <> 0 THEN et.typarray
    END
    FROM pg_type ty, pg_type et WHERE ty.oid = t AND et.oid = e
$f$;
CREATE FUNCTION gg_planted._types(ts oid[]) RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $f$
    SELECT COALESCE(string_agg(format('%s', t::regtype), ', ' ORDER BY i), '')
    FROM unnest(ts) WITH ORDINALITY u(t, i)
$f$;
CREATE FUNCTION gg_planted._params(n integer) RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $f$
    SELECT COALESCE(string_agg('$' || i, ', ' ORDER BY i), '') FROM generate_series(1, n) i
$f$;

DO $do$
DECLARE
    pgis text := (SELECT e.extnamespace::regnamespace::text FROM pg_extension e WHERE e.extname = 'postgis');
    gg oid := 'gridgov'::regnamespace;
    elems oid[];
    concrete oid[];
    names text[];
    r record;
    i integer := 0;
    fn text;
    body text;
    args text;
    label text;
BEGIN
    -- The types gridgov works with; polymorphic objects are planted for elems.
    elems := ARRAY['text', 'bigint', 'integer', 'gridgov.gridcode', 'numeric', 'double precision',
                   'timestamptz', 'boolean', 'jsonb', 'name']::regtype[]::oid[]
             || ARRAY(SELECT t.oid FROM pg_type t WHERE t.typnamespace = gg AND t.typtype = 'e' ORDER BY t.oid);
    concrete := ARRAY['bool', '"char"', 'name', 'int2', 'int4', 'int8', 'text', 'oid', 'float4', 'float8', 'numeric',
                      'date', 'time', 'timestamp', 'timestamptz', 'interval', 'bytea', 'jsonb', 'json', 'varchar',
                      'bpchar', 'regclass']::regtype[]::oid[]
                || ARRAY(SELECT t.typarray FROM pg_type t WHERE t.oid = ANY (elems))
                || ARRAY(SELECT t.oid FROM pg_type t WHERE t.typnamespace = gg AND t.typtype IN ('b', 'e', 'd'))
                || ARRAY(SELECT t.oid FROM pg_type t WHERE t.typnamespace = pgis::regnamespace
                         AND t.typname IN ('geometry', 'geography', 'box2d', 'box3d', '_geometry'));

    -- 1. Operators.
    CREATE TEMP TABLE want_op (name text, l oid, r oid, res oid, src text, pri integer);
    INSERT INTO want_op
    SELECT o.oprname, o.oprleft, o.oprright, o.oprresult, n.nspname, 0
    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
    WHERE n.nspname IN ('pg_catalog', 'gridgov', pgis) AND o.oprcode <> 0
      AND (o.oprleft = 0 OR o.oprleft = ANY (concrete)) AND o.oprright = ANY (concrete)
      AND (SELECT t.typtype FROM pg_type t WHERE t.oid = o.oprresult) <> 'p';
    INSERT INTO want_op
    SELECT * FROM (
        SELECT o.oprname, CASE WHEN o.oprleft = 0 THEN 0 ELSE gg_planted._sub(o.oprleft, e) END AS l,
               gg_planted._sub(o.oprright, e) AS r, gg_planted._sub(o.oprresult, e) AS res, 'pg_catalog', 1
        FROM pg_operator o CROSS JOIN unnest(elems) e
        WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprcode <> 0
          AND 'p' IN ((SELECT t.typtype FROM pg_type t WHERE t.oid = o.oprleft),
                      (SELECT t.typtype FROM pg_type t WHERE t.oid = o.oprright))) x
    WHERE x.l IS NOT NULL AND x.r IS NOT NULL AND x.res IS NOT NULL;
    FOR r IN SELECT DISTINCT ON (w.name, w.l, w.r) w.* FROM want_op w ORDER BY w.name, w.l, w.r, w.pri LOOP
        i := i + 1;
        fn := '_op' || i;
        IF r.l = 0 THEN
            args := gg_planted._types(ARRAY[r.r]);
            body := format('RETURN OPERATOR(%I.%s) $1', r.src, r.name);
        ELSE
            args := gg_planted._types(ARRAY[r.l, r.r]);
            body := format('RETURN $1 OPERATOR(%I.%s) $2', r.src, r.name);
        END IF;
        label := format('operator %s(%s)', r.name, args);
        EXECUTE format('CREATE FUNCTION gg_planted.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                       fn, args, r.res::regtype, format('BEGIN PERFORM gg_planted._hit(%L); %s; END', label, body));
        EXECUTE format('CREATE OPERATOR gg_planted.%s (%s RIGHTARG = %s, FUNCTION = gg_planted.%I)',
                       r.name, CASE WHEN r.l = 0 THEN '' ELSE format('LEFTARG = %s,', r.l::regtype) END,
                       r.r::regtype, fn);
        INSERT INTO gg_planted.plants VALUES ('operator', label);
    END LOOP;

    -- 2. Functions: every name gridgov defines or calls (its functions, its
    --    views, and the names in the queries of its C code).
    names := ARRAY(
        SELECT lower(m[1]) FROM pg_proc p,
               regexp_matches(pg_get_functiondef(p.oid), '([A-Za-z_][A-Za-z0-9_]*)"?\s*\(', 'g') m
        WHERE p.pronamespace = gg AND p.prokind IN ('f', 'p')
        UNION
        SELECT lower(m[1]) FROM pg_class c,
               regexp_matches(pg_get_viewdef(c.oid), '([A-Za-z_][A-Za-z0-9_]*)"?\s*\(', 'g') m
        WHERE c.relnamespace = gg AND c.relkind IN ('v', 'm')
        UNION
        SELECT p.proname FROM pg_proc p WHERE p.pronamespace = gg
        UNION
        SELECT unnest(ARRAY['st_x', 'st_y', 'st_dwithin', 'st_distance', 'st_setsrid', 'st_makepoint',
                            'st_snaptogrid', 'st_asgeojson', 'st_transform', 'st_asewkb', 'st_geomfromewkb',
                            'geography', 'geometry', 'now', 'lower', 'upper', 'format', 'jsonb_build_object',
                            'length', 'left', 'substr', 'unnest', 'min', 'max', 'count', 'sum']));
    CREATE TEMP TABLE want_fn (name text, src text, oid oid, inargs oid[], res oid, retset boolean,
                               kind "char", concrete boolean, nout integer);
    INSERT INTO want_fn
    SELECT p.proname, n.nspname, p.oid, ARRAY(SELECT unnest(p.proargtypes::oid[])), p.prorettype, p.proretset,
           p.prokind,
           NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[]) a JOIN pg_type t ON t.oid = a WHERE t.typtype = 'p'),
           COALESCE(cardinality(p.proallargtypes), 0) - p.pronargs
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('pg_catalog', 'gridgov', pgis) AND p.proname = ANY (names)
      AND p.prokind IN ('f', 'a', 'w');
    -- 2a. Functions with concrete arguments: the same signature and defaults.
    FOR r IN SELECT DISTINCT ON (w.name, w.inargs) w.*, t.typname AS rname
             FROM want_fn w JOIN pg_type t ON t.oid = w.res
             WHERE w.kind = 'f' AND w.concrete
               AND (t.typtype <> 'p' OR t.typname = 'void' OR (t.typname = 'record' AND w.nout > 0))
             ORDER BY w.name, w.inargs, w.src = 'pg_catalog' LOOP
        label := format('function %s(%s)', r.name, gg_planted._types(r.inargs));
        IF r.nout > 0 THEN
            -- OUT parameters may repeat the names of IN ones: an SQL function.
            EXECUTE format('CREATE FUNCTION gg_planted.%I(%s) RETURNS %s LANGUAGE sql AS %L',
                           r.name, pg_get_function_arguments(r.oid), pg_get_function_result(r.oid),
                           format('SELECT gg_planted._hit(%L); SELECT * FROM %I.%I(%s)',
                                  label, r.src, r.name, gg_planted._params(cardinality(r.inargs))));
        ELSE
            body := format(CASE WHEN r.retset THEN 'RETURN QUERY SELECT * FROM %I.%I(%s)'
                                WHEN r.rname = 'void' THEN 'PERFORM %I.%I(%s)'
                                ELSE 'RETURN %I.%I(%s)' END,
                           r.src, r.name, gg_planted._params(cardinality(r.inargs)));
            EXECUTE format('CREATE FUNCTION gg_planted.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                           r.name, pg_get_function_arguments(r.oid), pg_get_function_result(r.oid),
                           format('BEGIN PERFORM gg_planted._hit(%L); %s; END', label, body));
        END IF;
        INSERT INTO gg_planted.plants VALUES ('function', label);
    END LOOP;
    -- 2b. Polymorphic functions of pg_catalog, instantiated for the element types.
    FOR r IN SELECT DISTINCT ON (x.name, x.args) x.* FROM (
                 SELECT w.name, w.src, w.retset,
                        ARRAY(SELECT gg_planted._sub(a, e) FROM unnest(w.inargs) WITH ORDINALITY u(a, k) ORDER BY k) AS args,
                        gg_planted._sub(w.res, e) AS res
                 FROM want_fn w CROSS JOIN unnest(elems) e
                 WHERE w.kind = 'f' AND NOT w.concrete AND w.nout = 0 AND w.src = 'pg_catalog') x
             WHERE x.res IS NOT NULL AND array_position(x.args, NULL) IS NULL
               AND NOT EXISTS (SELECT 1 FROM want_fn c WHERE c.name = x.name AND c.inargs = x.args)
             ORDER BY x.name, x.args LOOP
        label := format('function %s(%s)', r.name, gg_planted._types(r.args));
        body := format(CASE WHEN r.retset THEN 'RETURN QUERY SELECT * FROM %I.%I(%s)'
                            WHEN r.res = 'void'::regtype THEN 'PERFORM %I.%I(%s)'
                            ELSE 'RETURN %I.%I(%s)' END,
                       r.src, r.name, gg_planted._params(cardinality(r.args)));
        EXECUTE format('CREATE FUNCTION gg_planted.%I(%s) RETURNS %s%s LANGUAGE plpgsql AS %L',
                       r.name, gg_planted._types(r.args), CASE WHEN r.retset THEN 'SETOF ' ELSE '' END,
                       r.res::regtype, format('BEGIN PERFORM gg_planted._hit(%L); %s; END', label, body));
        INSERT INTO gg_planted.plants VALUES ('function', label);
    END LOOP;
    -- 2c. Functions taking VARIADIC "any" (format, jsonb_build_object, ...), for
    --     the argument lists gridgov's calls have.
    FOR r IN SELECT s.name, s.args FROM (VALUES
                 ('format', 'text, text'), ('format', 'text, text, text'), ('format', 'text, text, text, text'),
                 ('format', 'text, bigint'), ('format', 'text, integer'), ('format', 'text, gridgov.gridcode'),
                 ('format', 'text, text, bigint'), ('format', 'text, text, integer'), ('format', 'text, numeric'),
                 ('format', 'text, timestamptz'), ('format', 'text, gridgov.gridcode, text'),
                 ('jsonb_build_object', 'text, text'), ('jsonb_build_object', 'text, bigint'),
                 ('jsonb_build_object', 'text, integer'), ('jsonb_build_object', 'text, jsonb'),
                 ('jsonb_build_object', 'text, boolean'), ('jsonb_build_object', 'text, gridgov.gridcode'),
                 ('jsonb_build_object', 'text, text, text, text'), ('jsonb_build_object', 'text, timestamptz'),
                 ('jsonb_build_array', 'text'), ('jsonb_build_array', 'bigint'),
                 ('concat', 'text, text'), ('concat_ws', 'text, text, text')) s(name, args)
    LOOP
        label := format('function %s(%s)', r.name, r.args);
        EXECUTE format('CREATE FUNCTION gg_planted.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L', r.name, r.args,
                       CASE WHEN r.name LIKE 'jsonb%' THEN 'jsonb' ELSE 'text' END,
                       format('BEGIN PERFORM gg_planted._hit(%L); RETURN pg_catalog.%I(%s); END', label, r.name,
                              gg_planted._params(cardinality(string_to_array(r.args, ',')))));
        INSERT INTO gg_planted.plants VALUES ('function', label);
    END LOOP;

    -- 3. Aggregates and window functions: count(*), row_number(), rank(), and the
    --    one-argument ones, as aggregates that collect their input.
    FOR r IN SELECT DISTINCT ON (x.name, x.arg) x.* FROM (
                 SELECT w.name, w.src, w.kind, NULL::oid AS arg, w.res, true AS exact
                 FROM want_fn w
                 WHERE w.kind IN ('a', 'w') AND cardinality(w.inargs) = 0 AND w.res = 'int8'::regtype
                 UNION ALL
                 SELECT w.name, w.src, w.kind, gg_planted._sub(w.inargs[1], e), gg_planted._sub(w.res, e), w.concrete
                 FROM want_fn w CROSS JOIN unnest(elems) e
                 WHERE w.kind IN ('a', 'w') AND cardinality(w.inargs) = 1
                   AND (SELECT a.aggkind FROM pg_aggregate a WHERE a.aggfnoid = w.oid) IS DISTINCT FROM 'o'
                   AND (w.concrete AND w.inargs[1] = e OR NOT w.concrete)) x
             WHERE (x.arg IS NOT NULL OR x.name IN ('count', 'row_number', 'rank', 'dense_rank')) AND x.res IS NOT NULL
               AND (x.arg IS NULL OR (SELECT t.typtype <> 'p' AND t.typcategory <> 'A' FROM pg_type t WHERE t.oid = x.arg))
             ORDER BY x.name, x.arg, x.exact DESC LOOP
        i := i + 1;
        fn := '_agg' || i;
        IF r.arg IS NULL THEN
            label := format('aggregate %s(*)', r.name);
            EXECUTE format('CREATE FUNCTION gg_planted.%I(bigint) RETURNS bigint LANGUAGE plpgsql AS %L', fn,
                           format('BEGIN PERFORM gg_planted._hit(%L); RETURN $1; END', label));
            EXECUTE format('CREATE AGGREGATE gg_planted.%I(*) (SFUNC = pg_catalog.int8inc, STYPE = bigint, '
                           'INITCOND = 0, FINALFUNC = gg_planted.%I)', r.name, fn);
        ELSE
            label := format('aggregate %s(%s)', r.name, r.arg::regtype);
            EXECUTE format('CREATE FUNCTION gg_planted.%I(%s[]) RETURNS %s LANGUAGE plpgsql AS %L', fn,
                           r.arg::regtype, r.res::regtype,
                           format(CASE WHEN r.kind = 'a'
                                       THEN 'BEGIN PERFORM gg_planted._hit(%L); RETURN (SELECT %I.%I(x) FROM pg_catalog.unnest($1) x); END'
                                       ELSE 'BEGIN PERFORM gg_planted._hit(%L); RETURN $1[pg_catalog.array_upper($1, 1)]; END' END,
                                  label, r.src, r.name));
            EXECUTE format('CREATE AGGREGATE gg_planted.%I(%s) (SFUNC = pg_catalog.array_append, STYPE = %s[], '
                           'INITCOND = ''{}'', FINALFUNC = gg_planted.%I)', r.name, r.arg::regtype, r.arg::regtype, fn);
        END IF;
        INSERT INTO gg_planted.plants VALUES ('aggregate', label);
    END LOOP;

    -- 4. Relations: a view for every table and view of gridgov, same columns, no rows.
    FOR r IN SELECT c.oid, c.relname FROM pg_class c
             WHERE c.relnamespace = gg AND c.relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
        EXECUTE format('CREATE VIEW gg_planted.%I AS SELECT %s FROM (SELECT) s WHERE NOT gg_planted._hit(%L)', r.relname,
                       (SELECT string_agg(format('NULL::%s AS %I', format_type(a.atttypid, a.atttypmod), a.attname),
                                          ', ' ORDER BY a.attnum)
                        FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
                       format('relation %s', r.relname));
        EXECUTE format('CREATE TRIGGER planted INSTEAD OF INSERT OR UPDATE OR DELETE ON gg_planted.%I '
                       'FOR EACH ROW EXECUTE FUNCTION gg_planted._rel_write()', r.relname);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON gg_planted.%I TO PUBLIC', r.relname);
        INSERT INTO gg_planted.plants VALUES ('relation', r.relname);
    END LOOP;

    -- 5. Types: a domain for each type name a cast or a declaration may spell
    --    without its schema (integer, numeric, boolean... are keywords: always pg_catalog's).
    FOR r IN SELECT t.typname, t.oid FROM pg_type t
             WHERE (t.typnamespace = 'pg_catalog'::regnamespace
                    AND t.typname IN ('text', 'name', 'jsonb', 'json', 'date', 'timestamptz', 'timetz', 'bytea',
                                      'int2', 'int4', 'int8', 'float4', 'float8', 'bool', 'oid', 'regclass',
                                      'regtype', 'regproc', 'uuid'))
                OR (t.typnamespace = gg AND t.typtype IN ('b', 'e') AND t.typcategory <> 'A')
                OR (t.typnamespace = pgis::regnamespace AND t.typname IN ('geometry', 'geography', 'box2d', 'box3d'))
             ORDER BY t.typname LOOP
        EXECUTE format('CREATE DOMAIN gg_planted.%I AS %s CHECK (gg_planted._hit(%L))', r.typname, r.oid::regtype,
                       format('type %s', r.typname));
        INSERT INTO gg_planted.plants VALUES ('type', r.typname);
    END LOOP;
    DROP TABLE want_op, want_fn;
END
$do$;
$plant$);

SELECT ok(pg_temp.ssp_value($$
    SELECT pg_catalog.bool_and(n >= CASE kind WHEN 'operator' THEN 500 WHEN 'function' THEN 300
                                              WHEN 'aggregate' THEN 50 WHEN 'relation' THEN 40
                                              WHEN 'type' THEN 25 END)::text
    FROM (SELECT kind, pg_catalog.count(*) AS n FROM gg_planted.plants GROUP BY kind) k
    HAVING pg_catalog.count(*) = 5$$)::boolean,
    'planted: operators, functions, aggregates, relations and types in gg_planted');

-- The other sessions: fresh connections with the hostile path --------------------
SELECT pg_temp.ssp_hostile('planter');
SELECT pg_temp.ssp_open(s, l), pg_temp.ssp_hostile(s)
FROM (VALUES ('dispatcher', 'gg_planted_dispatcher'), ('clerk', 'gg_planted_clerk'),
             ('analyst', 'gg_planted_analyst'), ('admin', 'gg_planted_admin'), ('super', NULL)) v(s, l);

CREATE TEMP TABLE ssp_v AS
SELECT (SELECT tag FROM ssp_conf) AS tag, pg_temp.ssp_dept('SSP-990106-CGJ') AS fn,
       pg_temp.ssp_dept('SSP-990106-CC') AS cc, pg_temp.ssp_dept('SSP-990106001-CC') AS town;

-- Intake, by the grid worker -------------------------------------------------------
SELECT pg_temp.ssp_run('planter', 'intake without location', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, grid, reported_at)
    VALUES ('patrol', '%s-p1', 'E0102', '种植测试 无位置', '990106001001001', '2026-03-02 09:00+08')$$, tag)) FROM ssp_v;
SELECT pg_temp.ssp_run('planter', 'intake with location', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
    VALUES ('patrol', '%s-p2', 'E0102', '种植测试 有位置', 'SRID=4326;POINT(100.01 30.01)', '2026-03-02 09:05+08')$$,
    tag)) FROM ssp_v;
SELECT pg_temp.ssp_run('planter', 'intake of a likely duplicate', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
    VALUES ('patrol', '%s-p3', 'E0102', '种植测试 重复', 'SRID=4326;POINT(100.0101 30.0101)', '2026-03-02 09:10+08')$$,
    tag)) FROM ssp_v;
SELECT pg_temp.ssp_run('planter', 'intake with GCJ-02 coordinates', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, location, coord_system, reported_at)
    VALUES ('app', '%s-p4', 'E0103', '种植测试 火星坐标', 'SRID=4326;POINT(100.03 30.01)', 'gcj02',
            '2026-03-02 09:15+08')$$, tag)) FROM ssp_v;
SELECT pg_temp.ssp_run('planter', 'intake of several rows in one statement', pg_catalog.format($$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, location, grid, department_id,
                               objcode, reported_at)
    VALUES ('990106', 'hotline', '%1$s-h1', 'H0101', '种植测试 热线', NULL, NULL, %2$s, NULL, '2026-03-02 09:20+08'),
           (NULL, 'patrol', '%1$s-d1', 'D01', '种植测试 纠纷', NULL, '990106001', NULL, NULL, '2026-03-02 09:21+08'),
           (NULL, 'patrol', '%1$s-c1', 'C0101', '种植测试 部件', 'SRID=4326;POINT(100.035 30.015)', NULL, NULL,
            '9901060101000001', '2026-03-02 09:22+08'),
           (NULL, 'patrol', '%1$s-e1', 'E0501', '种植测试 规则', 'SRID=4326;POINT(100.005 30.005)', NULL, NULL,
            NULL, '2026-03-02 09:23+08')$$, tag, cc)) FROM ssp_v;

CREATE TEMP TABLE ssp_k AS
SELECT l AS label, pg_temp.ssp_case(l) AS id FROM pg_catalog.unnest(ARRAY['p1', 'p2', 'p3', 'p4', 'h1', 'd1', 'c1', 'e1']) l;
CREATE FUNCTION pg_temp.k(label text) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM ssp_k WHERE ssp_k.label = k.label
$$;
SELECT is((SELECT pg_catalog.count(id) FROM ssp_k), 8::bigint, 'the planter''s intake took in its eight cases');

-- Plans prepared under a safe path are not kept from a later hostile one: a
-- session takes in a case with gridgov on an ordinary path, then switches.
SELECT pg_temp.ssp_open('switcher', 'gg_planted_planter');
SELECT dblink_exec('switcher', 'SET search_path = public, gridgov');
SELECT pg_temp.ssp_run('switcher', 'intake under an ordinary search_path', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
    VALUES ('patrol', '%s-s1', 'E0102', '种植测试 普通路径', 'SRID=4326;POINT(100.0102 30.0102)', '2026-03-02 09:11+08')$$,
    tag)) FROM ssp_v;
SELECT pg_temp.ssp_hostile('switcher');
SELECT pg_temp.ssp_run('switcher', 'intake after switching to the hostile search_path', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
    VALUES ('patrol', '%s-s2', 'E0102', '种植测试 换路径', 'SRID=4326;POINT(100.0103 30.0103)', '2026-03-02 09:12+08')$$,
    tag)) FROM ssp_v;

-- Workflows: act() and its wrappers, by the worker, a dispatcher and a clerk ------
SELECT pg_temp.ssp_run(s, st, sql) FROM (VALUES
    ('planter', 'act() and wrappers as worker: self-handling',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'self_handle', '种植', '{}', '2026-03-02 09:30+08')).state$$, pg_temp.k('p1'))),
    ('planter', 'act() and wrappers as worker: self-handling',
     pg_catalog.format($$SELECT (gridgov.verify(%s, true, '种植', '2026-03-02 09:40+08')).state$$, pg_temp.k('p1'))),
    ('planter', 'act() and wrappers as worker: self-handling',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'mediate', NULL, '{}', '2026-03-02 09:41+08')).state$$, pg_temp.k('d1'))),
    ('planter', 'act() and wrappers as worker: self-handling',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'agree', NULL, '{}', '2026-03-02 09:42+08')).state$$, pg_temp.k('d1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: file, dispatch',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'file', '种植', '{}', '2026-03-02 10:00+08')).state$$, pg_temp.k('p2'))),
    ('dispatcher', 'act() and wrappers as dispatcher: file, dispatch',
     pg_catalog.format($$SELECT (gridgov.dispatch(%s, %s, '种植', '2026-03-02 10:01+08')).state$$, pg_temp.k('p2'), (SELECT fn FROM ssp_v))),
    ('dispatcher', 'act() and wrappers as dispatcher: file, dispatch',
     pg_catalog.format($$SELECT (gridgov.dispatch(%s, %s, '种植', '2026-03-02 10:02+08')).state$$, pg_temp.k('h1'), (SELECT fn FROM ssp_v))),
    ('dispatcher', 'act() and wrappers as dispatcher: file, dispatch',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'file', NULL, '{}', '2026-03-02 10:03+08')).state$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: file, dispatch',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'dispatch', NULL, '{}', '2026-03-02 10:04+08')).state$$, pg_temp.k('e1'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.return_case(%s, '种植', '2026-03-02 10:10+08')).state$$, pg_temp.k('e1'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.sign_case(%s, '种植', '2026-03-02 10:11+08')).state$$, pg_temp.k('p2'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.handle(%s, '种植', '2026-03-02 10:12+08')).state$$, pg_temp.k('p2'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.sign_case(%s, '种植', '2026-03-02 10:13+08')).state$$, pg_temp.k('h1'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.first_contact(%s, '种植', '2026-03-02 10:13:30+08')).state$$, pg_temp.k('h1'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.handle(%s, '种植', '2026-03-02 10:14+08')).state$$, pg_temp.k('h1'))),
    ('clerk', 'act() and wrappers as department: sign, return, handle, reply',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'reply', '种植', '{}', '2026-03-02 10:15+08')).state$$, pg_temp.k('h1'))),
    ('planter', 'act() and wrappers as worker: verification',
     pg_catalog.format($$SELECT (gridgov.verify(%s, false, '种植', '2026-03-02 10:20+08')).state$$, pg_temp.k('p2'))),
    ('planter', 'act() and wrappers as worker: verification',
     pg_catalog.format($$SELECT (gridgov.handle(%s, '种植', '2026-03-02 10:21+08')).state$$, pg_temp.k('p2'))),
    ('planter', 'act() and wrappers as worker: verification',
     pg_catalog.format($$SELECT (gridgov.verify(%s, true, '种植', '2026-03-02 10:22+08')).state$$, pg_temp.k('p2'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.callback(%s, true, 'satisfied', '种植', '2026-03-02 10:30+08')).state$$, pg_temp.k('p2'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.close(%s, '种植', '2026-03-02 10:31+08')).state$$, pg_temp.k('p2'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.callback(%s, true, 'basically_satisfied', '种植', '2026-03-02 10:32+08')).state$$, pg_temp.k('h1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.close(%s, '种植', '2026-03-02 10:33+08')).state$$, pg_temp.k('h1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.reopen(%s, '种植', '2026-03-02 10:34+08')).state$$, pg_temp.k('h1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.merge(%s, %s, '种植', '2026-03-02 10:35+08')).state$$, pg_temp.k('p4'), pg_temp.k('p1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.close(%s, '种植', '2026-03-02 10:36+08')).state$$, pg_temp.k('p1'))),
    ('dispatcher', 'act() as dispatcher: suspend, resume, extend, whistle',
     pg_catalog.format($$SELECT (gridgov.review_return(%s, true, '种植', '2026-03-02 10:39+08')).state$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() as dispatcher: suspend, resume, extend, whistle',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'dispatch', NULL, '{}', '2026-03-02 10:40+08')).state$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() as dispatcher: suspend, resume, extend, whistle',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'suspend', '种植', '{}', '2026-03-02 10:41+08')).state$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() as dispatcher: suspend, resume, extend, whistle',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'resume', '种植', '{}', '2026-03-02 11:41+08')).state$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() as dispatcher: suspend, resume, extend, whistle',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'extend', '种植', '{"stage": "sign", "amount": 1, "unit": "working_hours"}',
                                             '2026-03-02 11:42+08')).state$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() as dispatcher: suspend, resume, extend, whistle',
     pg_catalog.format($$SELECT gridgov.whistle(%s, '{%s}', '种植', '30 minutes', '2026-03-02 11:43+08')$$,
                       pg_temp.k('e1'), (SELECT fn FROM ssp_v))),
    ('clerk', 'report_in as department',
     pg_catalog.format($$SELECT gridgov.report_in(%s, %s, '2026-03-02 11:50+08')$$, pg_temp.k('e1'), (SELECT fn FROM ssp_v))),
    -- supervision, requests and their decisions, a joint meeting (1.3.0: src/cases/requests.c)
    ('dispatcher', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.supervise(%s, '种植', '2026-03-02 10:50+08')).state$$, pg_temp.k('h1'))),
    ('clerk', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.answer_supervision(%s, '种植', '2026-03-02 10:51+08')).state$$, pg_temp.k('h1'))),
    ('clerk', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.request_extension(%s, 'sign', 2, '种植', 'working_hours', '2026-03-02 10:52+08')).state$$,
                       pg_temp.k('h1'))),
    ('dispatcher', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.decide_request(%s, 'extension', true, '种植', 1, '2026-03-02 10:53+08')).state$$,
                       pg_temp.k('h1'))),
    ('clerk', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.request_suspension(%s, '种植', '2026-03-02 10:54+08')).state$$, pg_temp.k('h1'))),
    ('dispatcher', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.decide_request(%s, 'suspension', false, '种植', NULL, '2026-03-02 10:55+08')).state$$,
                       pg_temp.k('h1'))),
    ('dispatcher', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.refer_meeting(%s, '{%s}', '种植', '2026-03-02 10:56+08')).state$$,
                       pg_temp.k('h1'), (SELECT fn FROM ssp_v))),
    ('dispatcher', 'supervision, requests, joint meeting',
     pg_catalog.format($$SELECT (gridgov.decide_meeting(%s, %s, '种植', NULL, '2026-03-02 10:57+08')).state$$,
                       pg_temp.k('h1'), (SELECT fn FROM ssp_v))),
    ('planter', 'raw UPDATE of cases',
     pg_catalog.format($$UPDATE gridgov.cases SET title = '种植测试 改标题' WHERE id OPERATOR(pg_catalog.=) %s$$, pg_temp.k('p3'))),
    ('planter', 'raw UPDATE of cases',
     pg_catalog.format($$UPDATE gridgov.cases SET state = 'self_handled' WHERE id OPERATOR(pg_catalog.=) %s$$, pg_temp.k('p3'))),
    -- (a grid is the command center's to change: docs/security.md)
    ('dispatcher', 'raw UPDATE of cases as dispatcher',
     pg_catalog.format($$UPDATE gridgov.cases SET grid = '990106001001002' WHERE id OPERATOR(pg_catalog.=) %s$$, pg_temp.k('e1'))),
    ('dispatcher', 'act() and wrappers as dispatcher: callback, close, reopen, merge',
     pg_catalog.format($$SELECT (gridgov.act(%s, 'follow_up', NULL, '{"solved": true, "satisfaction": "satisfied"}',
                                             '2026-03-02 12:00+08')).state$$, pg_temp.k('d1'))),
    ('dispatcher', 'raw UPDATE of cases as dispatcher',
     pg_catalog.format($$UPDATE gridgov.cases SET state = 'closed' WHERE id OPERATOR(pg_catalog.=) %s$$, pg_temp.k('d1'))),
    ('dispatcher', 'raw UPDATE of cases as dispatcher',
     pg_catalog.format($$UPDATE gridgov.cases SET state = 'filed' WHERE id OPERATOR(pg_catalog.=) %s$$, pg_temp.k('c1')))
) v(s, st, sql);

-- Reading functions, by the grid worker in a fresh session (cold caches) ---------
SELECT pg_temp.ssp_open('reader', 'gg_planted_planter'), pg_temp.ssp_hostile('reader');
SELECT pg_temp.ssp_run('reader', st, sql) FROM (VALUES
    ('verify_history and verify_histories', pg_catalog.format('SELECT * FROM gridgov.verify_history(%s)', pg_temp.k('p2'))),
    ('verify_history and verify_histories', $$SELECT * FROM gridgov.verify_histories('990106')$$),
    ('find_duplicate', $$SELECT gridgov.find_duplicate('990106', 'E0102', '2026-03-02 09:10+08',
                                                        'SRID=4326;POINT(100.0101 30.0101)', 100, '1 day')$$),
    ('route and explain_route', $$SELECT gridgov.route('E0102', '990106001001001', NULL)$$),
    ('route and explain_route', $$SELECT gridgov.route('E0501', '990106001001001', NULL)$$),
    ('route and explain_route', $$SELECT gridgov.route('C0101', '990106001001002', '9901060101000001')$$),
    ('route and explain_route', $$SELECT * FROM gridgov.explain_route('E0501', '990106001001001', NULL)$$),
    ('route and explain_route', $$SELECT * FROM gridgov.explain_route('C0101', '990106001001002', '9901060101000001')$$),
    ('locate', $$SELECT gridgov.locate('SRID=4326;POINT(100.01 30.01)', '2026-03-02 09:00+08')$$),
    ('locate', $$SELECT gridgov.locate('SRID=4326;POINT(100.0403 30.01)', '2026-03-02 09:00+08')$$),
    ('locate', $$SELECT gridgov.locate_reference('SRID=4326;POINT(100.01 30.01)', '2026-03-02 09:00+08', 50)$$),
    ('worktime', $$SELECT gridgov.worktime_add('24x7', '2026-03-02 09:00+08', 4, 'working_hours')$$),
    ('worktime', $$SELECT gridgov.worktime_add('cn', '2026-03-06 17:00+08', 2, 'working_days')$$),
    ('worktime', $$SELECT gridgov.worktime_between('cn', '2026-03-02 09:00+08', '2026-03-09 09:00+08')$$),
    ('worktime', $$SELECT gridgov.worktime_between('cn', '2026-03-02 09:00+08', '2026-03-09 09:00+08', 'working_days')$$),
    ('worktime', $$SELECT gridgov.is_working_day('cn', '2026-03-07')$$),
    ('cache registry', $$SELECT * FROM gridgov.cache_watched_tables()$$),
    ('cache registry', $$SELECT * FROM gridgov.cache_stats()$$),
    ('gridcode and coordinate functions', $$SELECT gridgov.level('990106001'), gridgov.parent('990106001001'),
        gridgov.ancestor('990106001001001', 4), gridgov.ancestor('990106001001001', 'town'),
        gridgov.level_name('990106001'), gridgov.admin_kind('990106'), gridgov.subtree_max('990106'),
        '990106' OPERATOR(gridgov.@>) '990106001'::gridgov.gridcode, gridgov.duplicate_cells(100.01, 30.01, 100),
        gridgov.metres_per_degree()$$),
    ('gridcode and coordinate functions', $$SELECT gridgov.to_wgs84('SRID=4326;POINT(100.01 30.01)', 'gcj02'),
        gridgov.from_wgs84('SRID=4326;POINT(100.01 30.01)', 'bd09')$$),
    ('other functions a worker may call', $$SELECT gridgov.current_staff(), gridgov.home_county(),
        gridgov.command_center('990106001001001', 'town'), gridgov.escalation_targets('town_center', '990106', '990106001001001', NULL::bigint),
        gridgov.escalation_rung('E0102', 'normal', 1, 1),
        gridgov.grid_leader('990106001001001', '2026-03-02 09:00+08'), gridgov.mask_personal('王小明 13800138000', '王小明', NULL),
        gridgov.w3c_time('2026-03-02 09:00+08', 'Asia/Shanghai'), gridgov.objcode_class('9901060101000001'),
        gridgov.route_check('E0102', NULL), gridgov.analytics_calendar(), gridgov.analytics_time_zone(),
        gridgov.poisson_score(5, 1.5), gridgov.map_check('town', 'open_cases', '2026-03-02 09:00+08')$$),
    ('other functions a worker may call', $$SELECT * FROM gridgov.sla_policy('E0102', 'normal', 'patrol', 'handle')$$),
    ('other functions a worker may call', $$SELECT * FROM gridgov.coverage_issues('990106', '2026-03-02 09:00+08', 0)$$),
    ('intake with gridgov.analytics_sync on', 'SET gridgov.analytics_sync = on'),
    ('intake with gridgov.analytics_sync on', pg_catalog.format($$
        INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
        VALUES ('patrol', '%s-r1', 'E0104', '种植测试 同步统计', 'SRID=4326;POINT(100.015 30.02)', '2026-03-02 13:00+08')$$,
        (SELECT tag FROM ssp_conf)))
) v(st, sql);

-- The sweep, by the admin role; the analytics, by the analyst ---------------------
SELECT pg_temp.ssp_run('admin', 'sla_sweep as admin', $$SELECT gridgov.sla_sweep('2026-03-03 09:00+08')$$);
SELECT pg_temp.ssp_run('analyst', 'analytics views as analyst', pg_catalog.format('SELECT * FROM gridgov.%I', v))
FROM pg_catalog.unnest(ARRAY['case_facts', 'three_rates', 'timeliness', 'department_ranking', 'kpi', 'sla_board',
                             'hotspots_latest', 'seasonal', 'grid_map', 'whistle_rates']) v;
SELECT pg_temp.ssp_run('analyst', 'map_geojson and map_svg as analyst', sql) FROM (VALUES
    ($$SELECT gridgov.map_geojson('town', 'open_cases', '2026-03-20 09:00+08')$$),
    ($$SELECT gridgov.map_svg('grid', 'score', '2026-03-20 09:00+08')$$)) v(sql);
SELECT pg_temp.ssp_run('analyst', 'analytics_refresh_pending as analyst', 'SELECT gridgov.analytics_refresh_pending()');

-- The jobs and the administration, by a superuser ---------------------------------
SELECT pg_temp.ssp_run('super', st, sql) FROM (VALUES
    ('sla_sweep as superuser', $$SELECT gridgov.sla_sweep('2026-03-20 09:00+08')$$),
    ('analytics_refresh_pending as superuser', $$SELECT gridgov.analytics_refresh_pending()$$),
    ('redivide and rehome_cases as superuser', $$SELECT gridgov.redivide('{990106001001002}', '{"type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": "990106001001003", "name": "种植测试第3网格"},
                      "geometry": {"type": "Polygon", "coordinates": [[[100.02, 30.0], [100.04, 30.0], [100.04, 30.04],
                                                                      [100.02, 30.04], [100.02, 30.0]]]}}]}',
        '2026-03-05 00:00+08', 'gg_planted', false)$$),
    ('redivide and rehome_cases as superuser', $$SELECT gridgov.rehome_cases(r.id) FROM gridgov.grid_revisions r
        WHERE r.note OPERATOR(pg_catalog.=) 'gg_planted'$$),
    ('nightly_maintenance as superuser', $$SELECT gridgov.nightly_maintenance('2026-03-20 09:00+08')$$),
    ('verify_histories as superuser', $$SELECT * FROM gridgov.verify_histories()$$),
    ('health as superuser', $$SELECT * FROM gridgov.health('2026-03-20 09:00+08')$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.case_facts$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.three_rates$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.timeliness$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.department_ranking$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.kpi$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.sla_board$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.hotspots_latest$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.seasonal$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.grid_map$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.whistle_rates$$),
    ('analytics views as superuser', $$SELECT * FROM gridgov.open311_service_requests$$),
    ('analytics views as superuser', $$SELECT gridgov.map_geojson('town', 'open_cases', '2026-03-20 09:00+08')$$),
    ('analytics views as superuser', $$SELECT gridgov.map_svg('grid', 'score', '2026-03-20 09:00+08')$$),
    ('other analytics as superuser', $$SELECT * FROM gridgov.grid_metrics('2026-03-20 09:00+08')$$),
    ('other analytics as superuser', $$SELECT * FROM gridgov.sla_board_at('2026-03-20 09:00+08')$$),
    ('other analytics as superuser', $$SELECT * FROM gridgov.analytics_check()$$),
    ('other analytics as superuser', $$SELECT * FROM gridgov.map_areas('community', 'cases_30d', '2026-03-20 09:00+08')$$)
) v(st, sql);
SELECT pg_temp.ssp_run('super', 'open311 functions as superuser', sql) FROM (VALUES
    ($$SELECT gridgov.open311_services()$$),
    (pg_catalog.format('SELECT gridgov.open311_request(%L)',
                       pg_temp.ssp_value(pg_catalog.format('SELECT case_no FROM gridgov.cases WHERE id = %s', pg_temp.k('p2'))))),
    ($$SELECT gridgov.open311_requests('{"jurisdiction_id": "990106", "start_date": "2026-03-01T00:00:00+08:00",
                                         "end_date": "2026-03-20T00:00:00+08:00"}', '2026-03-20 09:00+08')$$),
    ($$SELECT gridgov.open311_submit('{"service_code": "E0102", "lat": "30.012", "long": "100.012",
                                       "description": "种植测试 open311", "jurisdiction_id": "990106"}')$$)
) v(sql);
SELECT pg_temp.ssp_run('super', 'configuration writes as superuser', pg_catalog.format(sql, tag, town, fn, pg_catalog.right(tag, 6)))
FROM ssp_v, (VALUES
    ($$INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
       VALUES ('SSP-%1$s', '种植测试社区工作站', 'community', '990106001001', 'functional', %2$s)$$),
    ($$UPDATE gridgov.departments SET name = '种植测试社区工作站（改）' WHERE code OPERATOR(pg_catalog.=) 'SSP-%1$s'$$),
    ($$INSERT INTO gridgov.staff (name, department_id, db_role) VALUES ('%1$s', %3$s, NULL)$$),
    ($$INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
       SELECT '990106001001001', s.id, 'leader', '2026-01-01 00:00+08' FROM gridgov.staff s
       WHERE s.name OPERATOR(pg_catalog.=) '%1$s'$$),
    ($$INSERT INTO gridgov.routing_rules (category_prefix, area, department_id, priority)
       VALUES ('E0502', '990106001001', %3$s, 1)$$),
    ($$INSERT INTO gridgov.components (objcode, grid, owner_id) VALUES ('9901060101%4$s', '990106001001001', %3$s)$$),
    ($$INSERT INTO gridgov.score_weights (area, response, resolution, satisfaction) VALUES ('990106', 1, 1, 1)$$),
    ($$UPDATE gridgov.staff SET db_role = db_role WHERE db_role OPERATOR(pg_catalog.=) 'gg_planted_clerk'$$),
    -- Changes that change nothing, to run the triggers of the shared reference tables.
    ($$UPDATE gridgov.settings SET value = value WHERE key OPERATOR(pg_catalog.=) 'home_county'$$),
    ($$UPDATE gridgov.categories SET name = name WHERE code OPERATOR(pg_catalog.=) 'E0102'$$),
    ($$UPDATE gridgov.transitions SET roles = roles
       WHERE workflow OPERATOR(pg_catalog.=) 'grid_event' AND action OPERATOR(pg_catalog.=) 'file'$$),
    ($$UPDATE gridgov.sla_policies SET active = active
       WHERE id OPERATOR(pg_catalog.=) (SELECT pg_catalog.min(p.id) FROM gridgov.sla_policies p)$$),
    ($$UPDATE gridgov.escalation_ladder SET level = level WHERE level OPERATOR(pg_catalog.=) 1$$)
) v(sql);
SELECT pg_temp.ssp_run('super', 'case_system_update called directly by a superuser', pg_catalog.format(
    $$SELECT gridgov.case_system_update('990106', %s, 'escalate', '{"level": 1}', pg_catalog.now())$$, pg_temp.k('e1')));

-- Positive controls: in each session, the planted objects win over the real ones
-- when a statement names them without a schema.
SELECT pg_temp.ssp_run(s, 'control: ' || s, sql)
FROM pg_catalog.unnest(ARRAY['planter', 'reader', 'dispatcher', 'clerk', 'analyst', 'super']) s, (VALUES
    ($$SELECT 1 FROM (VALUES ('x')) v(x) WHERE v.x = 'x'$$),
    ($$SELECT level('990106001'::gridgov.gridcode)$$),
    ($$SELECT st_x('SRID=4326;POINT(1 2)'::public.geometry)$$),
    ($$SELECT now()$$),
    ($$SELECT CAST('x' AS text)$$),
    ($$SELECT 1 FROM cases$$),
    ($$SELECT count(*) FROM (VALUES (1)) v(x)$$)) v(sql);

-- What ran ----------------------------------------------------------------------------
CREATE TEMP TABLE ssp_ran AS
SELECT * FROM dblink('setup', 'SELECT pg_catalog.min(n), trojan, step, cur_user, sess_user, context, pg_catalog.count(*)
                              FROM gg_planted.ran GROUP BY 2, 3, 4, 5, 6', false)
    AS t(n bigint, trojan text, step text, cur_user name, sess_user name, context text, calls bigint);
CREATE TEMP TABLE ssp_calls AS
SELECT n FROM dblink('setup', 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM gg_planted.hits', false)
    AS t(n bigint);
-- Where a planted object was called from: the call stack without the frames of
-- the planted objects (gg_planted._hit, and each one's "line 1 at PERFORM").  No
-- frame at all: a query run by gridgov's C code without an SQL-level context.
CREATE FUNCTION pg_temp.ssp_where(ctx text) RETURNS text LANGUAGE sql AS $$
    SELECT COALESCE(pg_catalog.string_agg(pg_catalog.left(pg_catalog.regexp_replace(l, '\s+', ' ', 'g'), 240),
                                          ' <- ' ORDER BY i), '(no SQL-level frame: C code)')
    FROM pg_catalog.unnest(pg_catalog.string_to_array(ctx, E'\n')) WITH ORDINALITY u(l, i)
    WHERE l NOT LIKE '%gg_planted%' AND l !~ '^PL/pgSQL function .* line 1 at PERFORM$'
$$;
CREATE FUNCTION pg_temp.ssp_findings(which text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.string_agg(f, E'\n' ORDER BY f) FROM (
        SELECT DISTINCT pg_catalog.format('%s ran as %s%s, called from: %s', trojan, cur_user,
                                          CASE WHEN cur_user <> sess_user THEN ' (session of ' || sess_user || ')' END,
                                          pg_temp.ssp_where(context)) AS f
        FROM ssp_ran WHERE step = which) x
$$;

SELECT ok((SELECT pg_catalog.array_agg(DISTINCT trojan) FROM ssp_ran WHERE step = 'control: ' || s)
          @> ARRAY['operator =(text, text)', 'function level(gridgov.gridcode)', 'function st_x(public.geometry)',
                   'function now()', 'type text', 'relation cases', 'aggregate count(*)'],
          pg_catalog.format('control (%s): a planted operator, function, aggregate, relation and type win in this session', s))
FROM pg_catalog.unnest(ARRAY['planter', 'reader', 'dispatcher', 'clerk', 'analyst', 'super']) WITH ORDINALITY u(s, i) ORDER BY i;

SELECT is(pg_temp.ssp_findings(step), NULL, pg_catalog.format('%s: gridgov called no planted object', step))
FROM ssp_runs WHERE step NOT LIKE 'control: %' GROUP BY step ORDER BY pg_catalog.min(n);

SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s): %s', step, session, error), E'\n' ORDER BY n)
           FROM ssp_runs WHERE error IS NOT NULL AND session <> 'analyst'),
          NULL, 'every exercise ran without error');
-- docs/bi.md: an analyst needs SELECT on the views and EXECUTE on the map functions only.
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s: %s', sql, pg_catalog.split_part(error, E'\n', 1)), E'\n' ORDER BY n)
           FROM ssp_runs WHERE error IS NOT NULL AND session = 'analyst'),
          NULL, 'the analyst could use every analytics view and map function it is granted');
SELECT is((SELECT n FROM ssp_calls) - (SELECT COALESCE(pg_catalog.sum(calls), 0) FROM ssp_ran), 0::numeric,
          'no planted object ran in a statement that failed');

SELECT is(pg_temp.ssp_cleanup(), 'DO', 'clean-up: the planted schema, the roles and the grids are removed');
SELECT is(pg_temp.ssp_value($$SELECT pg_catalog.count(*)::text FROM pg_catalog.pg_roles WHERE rolname LIKE 'gg\_planted\_%'$$)
          || '/' || pg_temp.ssp_value($$SELECT pg_catalog.count(*)::text FROM pg_catalog.pg_namespace WHERE nspname = 'gg_planted'$$),
          '0/0', 'clean-up: no role or schema is left');
SELECT dblink_disconnect('setup');
SELECT * FROM finish();
ROLLBACK;

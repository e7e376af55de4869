-- The gateway's SQL (issue 16, src/sql/087_gateway.sql): API keys, the event
-- feed, the cross-platform transfer, and who may call what.
--   - API keys: gg_ + 64 hex digits, only the SHA-256 kept; refused for roles that
--     could bypass gridgov's privileges or row-level security; a key resolves
--     while active and unexpired and its role stays harmless; EXECUTE rights.
--   - event_feed: the cursor's format and errors, outbox order, paging that loses
--     and repeats nothing, the department and area filters, the caller's scope
--     (a department, a dispatcher, an analyst), no personal data, a cursor from
--     event_feed_start() that sees the next event.
--   - transfer: collect (what is queued for which endpoint, once), the body,
--     claim (leases, attempts, inactive endpoints), result (backoff 5 s x 2^n up
--     to an hour, 2xx for good, errors), transfer_status, and transfer_receive
--     as an endpoint's role (applied once, duplicates, 400/403/404/409, row-level
--     security of transfer_inbound).
-- The feed and the transfer read the history up to the horizon (the oldest
-- running transaction), so nothing of this file's own transaction would ever
-- show: like test/analytics_outbox.sql, this file runs WITHOUT a transaction
-- around it (each statement commits) and polls, boundedly, until the horizon has
-- passed its events.  Its data live in the fictitious county 990160, which no
-- other suite uses; cases and departments stay (cases are never deleted), the
-- roles, staff logins, grids, endpoints (with their outbox and inbound rows) and
-- API keys are removed at the end (and at the start, after an interrupted run).
SET client_min_messages = warning;
SET TimeZone = 'Asia/Shanghai';
SET statement_timeout = '300s';
SELECT plan(258);

-- Clean-up ------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.gw_roles() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['gwt_disp', 'gwt_f1', 'gwt_f2', 'gwt_f3', 'gwt_f4', 'gwt_analyst', 'gwt_gw', 'gwt_plain', 'gwt_admin',
                 'gwt_app', 'gwt_later', 'gwt_su', 'gwt_bypass', 'gwt_cr', 'gwt_repl', 'gwt_owner_member', 'gwt_o311',
                 'gwt_readall']
$$;
CREATE FUNCTION pg_temp.gw_cleanup() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    DELETE FROM gridgov.transfer_endpoints WHERE name LIKE 'gwt-%' OR name LIKE 'gws-%';   -- and what an interrupted gateway_sessions.sql left
    DELETE FROM gridgov.api_keys WHERE label LIKE 'gwt-%';
    UPDATE gridgov.staff SET active = false, db_role = NULL WHERE db_role LIKE 'gwt\_%';
    FOREACH r IN ARRAY pg_temp.gw_roles() LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('DROP OWNED BY %I', r);
            EXECUTE format('DROP ROLE %I', r);
        END IF;
    END LOOP;
    DELETE FROM gridgov.grids WHERE code OPERATOR(gridgov.<@) '990160';
END
$$;
SELECT pg_temp.gw_cleanup();

-- Fixture: grids, departments, logins ---------------------------------------------------
--   990160 网关测试区: town A (community, grid A1: long 102.00-102.04), town B (grid B1:
--   102.04-102.08), lat 32.00-32.04.  Departments: gwt-cc (district command center),
--   gwt-f1 .. gwt-f4 (functional).  Logins (NOLOGIN roles used with SET ROLE):
--   gwt_disp dispatcher at gwt-cc, gwt_f1 .. gwt_f4 department staff, gwt_analyst
--   analyst at gwt-cc, gwt_gw the gateway, gwt_admin, gwt_app a reporter app,
--   gwt_plain nothing (PUBLIC), and roles no key may act as.
SELECT gridgov.setup_roles() \g /dev/null
INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(v.x0, 32.0, v.x1, 32.04, 4326))
FROM (VALUES ('990160',          '网关测试区',       102.00, 102.08),
             ('990160001',       '网关测试甲街道',   102.00, 102.04),
             ('990160001001',    '网关测试甲社区',   102.00, 102.04),
             ('990160001001001', '网关测试甲一格',   102.00, 102.04),
             ('990160002',       '网关测试乙镇',     102.04, 102.08),
             ('990160002001',    '网关测试乙村',     102.04, 102.08),
             ('990160002001001', '网关测试乙一格',   102.04, 102.08)) v(code, name, x0, x1);
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
SELECT v.code, v.name, 'district', '990160', v.kind
FROM (VALUES ('gwt-cc', '网关测试区指挥中心', 'command_center'), ('gwt-f1', '网关测试城管局', 'functional'),
             ('gwt-f2', '网关测试水务局', 'functional'), ('gwt-f3', '网关测试园林局', 'functional'),
             ('gwt-f4', '网关测试交通局', 'functional')) v(code, name, kind)
WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments d WHERE d.code = v.code);
CREATE FUNCTION pg_temp.dept(code text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT d.id FROM gridgov.departments d WHERE d.code = $1
$$;
CREATE ROLE gwt_disp IN ROLE gridgov_dispatcher;
CREATE ROLE gwt_f1 IN ROLE gridgov_department;
CREATE ROLE gwt_f2 IN ROLE gridgov_department;
CREATE ROLE gwt_f3 IN ROLE gridgov_department;
CREATE ROLE gwt_f4 IN ROLE gridgov_department;
CREATE ROLE gwt_analyst IN ROLE gridgov_analyst;
CREATE ROLE gwt_gw IN ROLE gridgov_gateway;
CREATE ROLE gwt_admin IN ROLE gridgov_admin;
CREATE ROLE gwt_app IN ROLE gridgov_reporter;
CREATE ROLE gwt_o311 IN ROLE gridgov_open311;
CREATE ROLE gwt_later IN ROLE gridgov_reporter;
CREATE ROLE gwt_plain;
CREATE ROLE gwt_su SUPERUSER;
CREATE ROLE gwt_bypass BYPASSRLS IN ROLE gridgov_reporter;
CREATE ROLE gwt_cr CREATEROLE IN ROLE gridgov_reporter;
CREATE ROLE gwt_repl REPLICATION IN ROLE gridgov_reporter;
CREATE ROLE gwt_owner_member IN ROLE gridgov_reporter;
CREATE ROLE gwt_readall IN ROLE gridgov_reporter, pg_read_all_data;
-- A member of the extension's owner (a superuser): it owns every gridgov table,
-- so it reads them past row-level security and column grants.
DO $$ BEGIN
    EXECUTE format('GRANT %I TO gwt_owner_member', (SELECT e.extowner::regrole::text FROM pg_extension e WHERE e.extname = 'gridgov'));
END $$;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '网关测试职员 ' || v.r, pg_temp.dept(v.d), v.r
FROM (VALUES ('gwt_disp', 'gwt-cc'), ('gwt_f1', 'gwt-f1'), ('gwt_f2', 'gwt-f2'), ('gwt_f3', 'gwt-f3'),
             ('gwt_f4', 'gwt-f4'), ('gwt_analyst', 'gwt-cc')) v(r, d);

-- A statement as a role (set for its transaction only): 'ok <first value>' or 'ERR <SQLSTATE>'.
-- Its effects are kept (each statement of this file commits).
CREATE FUNCTION pg_temp.gw_as(r text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    BEGIN
        PERFORM set_config('role', r, true);
        EXECUTE sql INTO v;
        PERFORM set_config('role', 'none', true);
        RETURN 'ok ' || COALESCE(v, 'null');
    EXCEPTION WHEN OTHERS THEN
        PERFORM set_config('role', 'none', true);
        RETURN 'ERR ' || SQLSTATE;
    END;
END
$$;
-- The rows of a query as text, in its order (compares text columns whatever their collation).
CREATE FUNCTION pg_temp.rows(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('SELECT string_agg(q::text, '' ; '') FROM (%s) q', sql) INTO r;
    RETURN r;
END
$$;
-- The SQLSTATE of a statement ('ok' when it ran).
CREATE FUNCTION pg_temp.gw_state(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
\i test/lib/horizon_wait.sql

-- Cases ----------------------------------------------------------------------------------
-- Each with its own reporter, phone, address and description, and a title naming the
-- reporter and the phone (the Open311 object masks them; the feed has no title at all).
CREATE TEMP TABLE gw_case (label text PRIMARY KEY, n integer, lon float8, id bigint, case_no text,
                           name text, phone text, address text, description text);
INSERT INTO gw_case (label, n, lon) VALUES
    ('p0', 0, 102.01), ('p1', 1, 102.02), ('p2', 2, 102.03), ('p3', 3, 102.05), ('p4', 4, 102.06),
    ('p5', 5, 102.015), ('p6', 6, 102.07), ('p7', 7, 102.025);
UPDATE gw_case SET name = (ARRAY['网关甲', '网关乙', '网关丙', '网关丁', '网关戊', '网关己', '网关庚', '网关辛'])[n + 1],
                   phone = '1391600' || lpad(n::text, 4, '0'),
                   address = '网关大街' || (70 + n) || '号',
                   description = 'GWDESC-' || n || ' 请尽快处理 身份证110101199003070' || lpad(n::text, 3, '0');
CREATE TEMP TABLE gw_run AS SELECT to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag, gridgov.event_feed_start() AS cursor0;
CREATE FUNCTION pg_temp.new_cases(labels text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, description, location, address,
                               reporter_name, reporter_phone, reported_at, department_id)
    SELECT '990160', 'patrol', 'gwt-' || (SELECT tag FROM gw_run) || '-' || c.label, 'E0102',
           '网关测试 ' || c.label || ' ' || c.name || ' ' || c.phone, c.description,
           ST_SetSRID(ST_MakePoint(c.lon, 32.02), 4326), c.address, c.name, c.phone,
           now() - interval '1 hour', pg_temp.dept('gwt-cc')
    FROM gw_case c WHERE c.label = ANY (labels) ORDER BY c.n;
    UPDATE gw_case g SET id = x.id, case_no = x.case_no
    FROM gridgov.cases x
    WHERE x.county OPERATOR(gridgov.=) '990160' AND x.external_id = 'gwt-' || (SELECT tag FROM gw_run) || '-' || g.label;
$$;
CREATE FUNCTION pg_temp.cid(label text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT id FROM gw_case WHERE label = $1
$$;
CREATE FUNCTION pg_temp.cno(label text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT case_no FROM gw_case WHERE label = $1
$$;
-- One action as the superuser (its own statement, so its own transaction).
CREATE FUNCTION pg_temp.step(label text, action text, payload jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
    SELECT (gridgov.act(pg_temp.cid($1), $2, NULL, $3)).state
$$;
-- Case ids (as an array's text) as their sorted labels ('other' for none of ours).
CREATE FUNCTION pg_temp.labels(ids text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT array_agg(DISTINCT COALESCE(c.label, 'other') ORDER BY COALESCE(c.label, 'other'))
                     FROM unnest($1::bigint[]) i LEFT JOIN gw_case c ON c.id = i)::text, '{}')
$$;

-- p0 is dispatched to gwt-f1 before any endpoint exists.
SELECT pg_temp.new_cases('{p0}');
SELECT pg_temp.step('p0', 'file') \g /dev/null
SELECT pg_temp.step('p0', 'dispatch', jsonb_build_object('department_id', pg_temp.dept('gwt-f1'))) \g /dev/null
SELECT ok(pg_temp.horizon_settle('990160'), 'the horizon passes p0''s dispatch');

-- Endpoints: gwt-f1, gwt-f2 and gwt-f3 (acting as their departments' logins), and
-- gwt-f4 (for the summons below).
INSERT INTO gridgov.transfer_endpoints (name, department_id, url, secret, db_role)
SELECT v.name, pg_temp.dept(v.d), 'http://127.0.0.1:9/' || v.name, 'secret-of-' || v.name || '-0123456789', v.r
FROM (VALUES ('gwt-ep1', 'gwt-f1', 'gwt_f1'), ('gwt-ep2', 'gwt-f2', 'gwt_f2'), ('gwt-ep3', 'gwt-f3', 'gwt_f3'),
             ('gwt-ep4', 'gwt-f4', 'gwt_f4')) v(name, d, r);
SELECT is(pg_temp.gw_state(format($f$INSERT INTO gridgov.transfer_endpoints (name, department_id, url, secret, db_role)
                                     VALUES (%L, %s, %L, %L, 'gwt_f1')$f$, v.name, pg_temp.dept('gwt-cc'), v.url, v.secret)),
          '23514', 'transfer_endpoints refuses ' || v.what)
FROM (VALUES ('gwt-bad', 'http://127.0.0.1:9/x', 'short-secret', 'a secret of 12 characters'),
             ('gwt-bad', 'ftp://127.0.0.1/x', 'a-long-enough-secret', 'an ftp url'),
             ('gwt-bad', 'http://127.0.0.1:9/x y', 'a-long-enough-secret', 'a url with a space'),
             ('gwt/bad', 'http://127.0.0.1:9/x', 'a-long-enough-secret', 'a name with a slash'),
             ('', 'http://127.0.0.1:9/x', 'a-long-enough-secret', 'an empty name')) v(name, url, secret, what);
SELECT is(pg_temp.gw_state(format($f$INSERT INTO gridgov.transfer_endpoints (name, department_id, url, secret, db_role)
                                   VALUES ('gwt-dup', %s, 'http://127.0.0.1:9/x', 'a-long-enough-secret', 'gwt_f1')$f$, pg_temp.dept('gwt-f1'))),
          '23505', 'transfer_endpoints: one endpoint per department');
CREATE FUNCTION pg_temp.ep(name text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT e.id FROM gridgov.transfer_endpoints e WHERE e.name = $1
$$;

-- The workflow, one action per statement:
--   p1  dispatched to f1
--   p2  dispatched to f1, returned, dispatched to f2 (the command center approves and re-dispatches)
--   p3  dispatched to f1; a whistle summons f4, which reports in (the case stays with f1)
--   p4  dispatched to f3
--   p5  dispatched to f1
--   p6  dispatched to f1, taken to a joint meeting, decided for f2
--   p7  filed only (held by the command center)
SELECT pg_temp.new_cases('{p1,p2,p3,p4,p5,p6,p7}');
SELECT pg_temp.step(l, 'file') FROM unnest('{p1,p2,p3,p4,p5,p6,p7}'::text[]) l \g /dev/null
SELECT pg_temp.step(l, 'dispatch', jsonb_build_object('department_id', pg_temp.dept('gwt-f1')))
FROM unnest('{p1,p2,p3,p5,p6}'::text[]) l \g /dev/null
SELECT pg_temp.step('p4', 'dispatch', jsonb_build_object('department_id', pg_temp.dept('gwt-f3'))) \g /dev/null
SELECT pg_temp.step('p2', 'return') \g /dev/null
SELECT pg_temp.step('p2', 'dispatch', jsonb_build_object('department_id', pg_temp.dept('gwt-f2'))) \g /dev/null
SELECT gridgov.whistle(pg_temp.cid('p3'), ARRAY[pg_temp.dept('gwt-f4')], '网关测试 吹哨', '30 minutes') \g /dev/null
SELECT pg_temp.step('p3', 'report_in', jsonb_build_object('department_id', pg_temp.dept('gwt-f4'))) \g /dev/null
SELECT pg_temp.step('p6', 'refer_meeting', jsonb_build_object('departments', ARRAY[pg_temp.dept('gwt-f1'), pg_temp.dept('gwt-f2')])) \g /dev/null
SELECT pg_temp.step('p6', 'decide', jsonb_build_object('decision', '由水务局牵头', 'department_id', pg_temp.dept('gwt-f2'))) \g /dev/null
SELECT is(pg_temp.rows($$SELECT c.label, x.state COLLATE "default", d.code COLLATE "default" FROM gw_case c JOIN gridgov.cases x ON x.id = c.id
                    JOIN gridgov.departments d ON d.id = x.department_id ORDER BY c.label$$),
                  pg_temp.rows($$VALUES ('p0', 'dispatched', 'gwt-f1'), ('p1', 'dispatched', 'gwt-f1'), ('p2', 'dispatched', 'gwt-f2'),
                           ('p3', 'dispatched', 'gwt-f1'), ('p4', 'dispatched', 'gwt-f3'), ('p5', 'dispatched', 'gwt-f1'),
                           ('p6', 'dispatched', 'gwt-f2'), ('p7', 'filed', 'gwt-cc')$$),
                  'fixture: the cases'' states and holders');
SELECT ok(pg_temp.horizon_settle('990160'), 'the horizon passes every event of the fixture');

-- The history of this run in outbox order, with the feed's cursor of each event.
CREATE TEMP TABLE gw_events AS
SELECT row_number() OVER (ORDER BY e.txid, e.county::text, e.case_id, e.seq) AS ord, c.label, e.case_id, e.seq,
       e.action, e.txid, format('%s.%s.%s.%s', e.txid, e.county, e.case_id, e.seq) AS cursor
FROM gridgov.case_events e JOIN gw_case c ON c.id = e.case_id
WHERE e.county OPERATOR(gridgov.=) '990160';

-- 1. API keys ---------------------------------------------------------------------------
CREATE TEMP TABLE gw_key (label text PRIMARY KEY, k text);
INSERT INTO gw_key SELECT 'gwt-app', gridgov.api_key_create('gwt-app', 'gwt_app', 120);
INSERT INTO gw_key SELECT 'gwt-app2', gridgov.api_key_create('gwt-app2', 'gwt_app');
SELECT ok((SELECT bool_and(k ~ '^gg_[0-9a-f]{64}$') FROM gw_key), 'api_key_create: gg_ and 64 hex digits');
SELECT isnt((SELECT k FROM gw_key WHERE label = 'gwt-app'), (SELECT k FROM gw_key WHERE label = 'gwt-app2'), 'two keys differ');
SELECT is(pg_temp.rows($$SELECT k.label, k.key_hash, k.db_role::text, k.rate_per_minute, k.active, k.expires_at
                    FROM gridgov.api_keys k WHERE k.label LIKE 'gwt-%' ORDER BY k.label$$),
                  pg_temp.rows($$SELECT g.label, sha256(convert_to(g.k, 'UTF8')), 'gwt_app', CASE g.label WHEN 'gwt-app' THEN 120 ELSE 600 END,
                           true, NULL::timestamptz FROM gw_key g ORDER BY g.label$$),
                  'api_keys keeps the label, the SHA-256 of the key, the role, the rate (default 600), active, no expiry');
SELECT is((SELECT count(*) FROM gridgov.api_keys a, gw_key g
           WHERE strpos(a::text, g.k) > 0 OR strpos(a::text, substr(g.k, 4)) > 0
              OR strpos(encode(a.key_hash, 'hex'), substr(g.k, 4)) > 0), 0::bigint,
          'no row of api_keys contains a key''s text, nor its hex digits');
SELECT is(pg_temp.rows($$SELECT * FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-app'))$$),
                  pg_temp.rows($$VALUES ('gwt-app'::text, 'gwt_app'::name, 120)$$), 'api_key_role finds an active key: label, role, rate');
SELECT is((SELECT count(*) FROM gridgov.api_key_role(k)), 0::bigint, 'api_key_role: no row for ' || what)
FROM (VALUES (NULL, 'NULL'), ('', 'an empty key'), (repeat('gg_0', 250000), 'a 1,000,000-character key'),
             ((SELECT upper(k) FROM gw_key WHERE label = 'gwt-app'), 'the key in upper case'),
             ((SELECT k || ' ' FROM gw_key WHERE label = 'gwt-app'), 'the key with a trailing space'),
             ((SELECT substr(k, 1, 66) FROM gw_key WHERE label = 'gwt-app'), 'a prefix of the key'),
             ((SELECT encode(key_hash, 'hex') FROM gridgov.api_keys WHERE label = 'gwt-app'), 'the stored hash')) v(k, what);
-- Refusals, each leaving no row.
SELECT is(pg_temp.gw_state(format('SELECT gridgov.api_key_create(%L, %L)', 'gwt-x-' || r, r)), '42501',
          'api_key_create refuses the ' || what || ' role ' || r)
FROM (VALUES ('gwt_su', 'SUPERUSER'), ('gwt_bypass', 'BYPASSRLS'), ('gwt_cr', 'CREATEROLE'), ('gwt_repl', 'REPLICATION'),
             -- once a bug, now fixed: accepted. gateway_role_allowed() looks at the role's own attributes only;
             -- a member of the extension's owner (a superuser) has the owner's rights on every
             -- gridgov table (past row-level security and the contact-column grants).  Refuse a
             -- role with pg_has_role(r, x, 'MEMBER') for any x that is a superuser, BYPASSRLS,
             -- CREATEROLE or REPLICATION role.
             ('gwt_owner_member', 'member-of-the-owner'),
             -- once a bug, now fixed: accepted likewise: pg_read_all_data gives SELECT on every column of
             -- gridgov.cases (reporter_name, reporter_phone...), past the contact-column grants.
             ('gwt_readall', 'pg_read_all_data member')) v(r, what);
SELECT is(pg_temp.gw_state($$SELECT gridgov.api_key_create('gwt-x-none', 'gwt_no_such_role')$$), '42704', 'api_key_create: an unknown role is 42704');
SELECT is(pg_temp.gw_state(sql), '22004', 'api_key_create: 22004 for ' || what)
FROM (VALUES ($$SELECT gridgov.api_key_create(NULL, 'gwt_app')$$, 'a NULL label'),
             ($$SELECT gridgov.api_key_create('gwt-x-null', NULL)$$, 'a NULL role'),
             ($$SELECT gridgov.api_key_create('gwt-x-null', 'gwt_app', NULL)$$, 'a NULL rate')) v(sql, what);
SELECT is(pg_temp.gw_state($$SELECT gridgov.api_key_create('gwt-app', 'gwt_app')$$), '23505', 'api_key_create: a duplicate label is 23505');
SELECT is(pg_temp.gw_state(format('SELECT gridgov.api_key_create(%L, %L, %s)', l, 'gwt_app', r)), '23514',
          'api_key_create: 23514 for ' || what)
FROM (VALUES ('gwt-x a', 600, 'a label with a space'), ('', 600, 'an empty label'), ('gwt-' || repeat('x', 61), 600, 'a 65-character label'),
             ('gwt-é', 600, 'a non-ASCII label'), ('gwt-x;drop', 600, 'a label with a semicolon'),
             ('gwt-x-rate0', 0, 'rate 0'), ('gwt-x-rate-1', -1, 'rate -1'), ('gwt-x-ratebig', 1000001, 'rate 1,000,001')) v(l, r, what);
-- (fails while the member-of-the-owner BUG above stands: that key was made)
SELECT is((SELECT count(*) FROM gridgov.api_keys WHERE label LIKE 'gwt-x%' OR label = '' OR db_role::text NOT IN ('gwt_app', 'gwt_later')
                                                   AND label LIKE 'gwt%'), 0::bigint, 'no refused call left a key');
-- Revocation, expiry, and a role that later gains BYPASSRLS or SUPERUSER.
SELECT is(gridgov.api_key_revoke('gwt-app2'), true, 'api_key_revoke: true for an active key');
SELECT is(gridgov.api_key_revoke('gwt-app2'), false, 'api_key_revoke: false the second time');
SELECT is(gridgov.api_key_revoke('gwt-nokey'), false, 'api_key_revoke: false for an unknown label');
SELECT is((SELECT count(*) FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-app2'))), 0::bigint,
          'api_key_role: no row for a revoked key');
INSERT INTO gw_key SELECT 'gwt-past', gridgov.api_key_create('gwt-past', 'gwt_app', 10, now() - interval '1 second');
INSERT INTO gw_key SELECT 'gwt-future', gridgov.api_key_create('gwt-future', 'gwt_app', 10, now() + interval '1 hour');
SELECT is((SELECT count(*) FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-past'))), 0::bigint,
          'api_key_role: no row for an expired key');
SELECT is((SELECT label FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-future'))), 'gwt-future',
          'api_key_role: a key that expires later resolves');
INSERT INTO gw_key SELECT 'gwt-later', gridgov.api_key_create('gwt-later', 'gwt_later');
SELECT is((SELECT db_role::text FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-later'))), 'gwt_later',
          'api_key_role: the key of gwt_later resolves');
ALTER ROLE gwt_later BYPASSRLS;
SELECT is((SELECT count(*) FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-later'))), 0::bigint,
          'api_key_role: no row once the key''s role has become BYPASSRLS');
ALTER ROLE gwt_later NOBYPASSRLS SUPERUSER;
SELECT is((SELECT count(*) FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-later'))), 0::bigint,
          'api_key_role: no row once it has become a superuser');
ALTER ROLE gwt_later NOSUPERUSER;
-- once a bug, now fixed: resolves (see gateway_role_allowed above): a key whose role has since been
-- made a member of a superuser must stop working like one whose role became BYPASSRLS.
DO $$ BEGIN
    EXECUTE format('GRANT %I TO gwt_later', (SELECT e.extowner::regrole::text FROM pg_extension e WHERE e.extname = 'gridgov'));
END $$;
SELECT is((SELECT count(*) FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-later'))), 0::bigint,
          'api_key_role: no row once its role has been made a member of a superuser');
DO $$ BEGIN
    EXECUTE format('REVOKE %I FROM gwt_later', (SELECT e.extowner::regrole::text FROM pg_extension e WHERE e.extname = 'gridgov'));
END $$;
SELECT is((SELECT db_role::text FROM gridgov.api_key_role((SELECT k FROM gw_key WHERE label = 'gwt-later'))), 'gwt_later',
          'api_key_role: it resolves again when the role is harmless again');

-- EXECUTE and SELECT rights.
SELECT is(has_function_privilege('gwt_plain', f, 'EXECUTE'), false, 'PUBLIC cannot run ' || f)
FROM unnest(ARRAY['gridgov.api_key_create(text, name, integer, timestamptz)', 'gridgov.api_key_revoke(text)',
                  'gridgov.api_key_role(text)', 'gridgov.transfer_collect(integer)',
                  'gridgov.transfer_claim(integer, interval, timestamptz)',
                  'gridgov.transfer_result(text, integer, text, timestamptz, integer)', 'gridgov.transfer_endpoint(text)',
                  'gridgov.transfer_apply(bigint, bigint, jsonb)', 'gridgov.transfer_endpoint_role(bigint)',
                  'gridgov.open311_submit(jsonb)', 'gridgov.open311_services()']) f;
SELECT is(pg_temp.gw_as('gwt_plain', format('SELECT label FROM gridgov.api_key_role(%L)', (SELECT k FROM gw_key WHERE label = 'gwt-app'))),
          'ERR 42501', 'PUBLIC: api_key_role refused');
SELECT is(pg_temp.gw_as('gwt_gw', format('SELECT label FROM gridgov.api_key_role(%L)', (SELECT k FROM gw_key WHERE label = 'gwt-app'))),
          'ok gwt-app', 'gridgov_gateway runs api_key_role');
SELECT is(pg_temp.gw_as('gwt_gw', sql), want, 'gridgov_gateway: ' || what)
FROM (VALUES ('SELECT count(*) FROM gridgov.api_keys', 'ERR 42501', 'cannot SELECT api_keys'),
             ('SELECT key_hash FROM gridgov.api_keys LIMIT 1', 'ERR 42501', 'cannot SELECT key_hash'),
             ($$SELECT gridgov.api_key_create('gwt-gw-made', 'gwt_app')$$, 'ERR 42501', 'cannot make keys'),
             ($$SELECT gridgov.api_key_revoke('gwt-app')::text$$, 'ERR 42501', 'cannot revoke keys'),
             ('SELECT count(*) FROM gridgov.transfer_endpoints', 'ERR 42501', 'cannot read the endpoints'' secrets table'),
             ('SELECT count(*) FROM gridgov.transfer_outbox', 'ERR 42501', 'cannot read the outbox table'),
             ($$SELECT count(*) FROM gridgov.transfer_status WHERE name LIKE 'gwt-%'$$, 'ok 4', 'reads transfer_status'),
             ($$SELECT db_role::text FROM gridgov.transfer_endpoint('gwt-ep1')$$, 'ok gwt_f1', 'runs transfer_endpoint'),
             ('SELECT gridgov.event_feed_start() IS NOT NULL', 'ok true', 'runs event_feed_start')) v(sql, want, what);
SELECT is(pg_temp.gw_as('gwt_admin', $$SELECT left(gridgov.api_key_create('gwt-admin-made', 'gwt_app'), 3)$$), 'ok gg_',
          'gridgov_admin makes keys');
SELECT is((SELECT count(*) FROM gridgov.transfer_endpoint('gwt-nope')), 0::bigint, 'transfer_endpoint: no row for an unknown name');
SELECT is(pg_temp.rows($$SELECT id, department_id, db_role::text, secret, active FROM gridgov.transfer_endpoint('gwt-ep2')$$),
                  pg_temp.rows($$SELECT pg_temp.ep('gwt-ep2'), pg_temp.dept('gwt-f2'), 'gwt_f2', 'secret-of-gwt-ep2-0123456789', true$$),
                  'transfer_endpoint: id, department, role, secret, active');

-- 2. The event feed -------------------------------------------------------------------------
-- The feed of this county from the run's start, as one call (superuser: everything).
CREATE TEMP TABLE gw_feed AS
SELECT f.id, f.data FROM gridgov.event_feed((SELECT cursor0 FROM gw_run), 10000) f WHERE f.data ->> 'county' = '990160';
SELECT is((SELECT count(*) FROM gw_feed), (SELECT count(*) FROM gw_events), 'event_feed from the run''s start: every event of the run');
SELECT is((SELECT array_agg(id ORDER BY ord) FROM gw_feed JOIN gw_events e ON e.cursor = gw_feed.id),
          (SELECT array_agg(f.id) FROM (SELECT f.id FROM gridgov.event_feed((SELECT cursor0 FROM gw_run), 10000) f
                                        WHERE f.data ->> 'county' = '990160') f),
          'in outbox order: txid, county, case, seq (and the id is TXID.COUNTY.CASE_ID.SEQ)');
SELECT is((SELECT count(*) FROM gw_feed f JOIN gw_events e ON e.cursor = f.id
           WHERE (f.data ->> 'case_id')::bigint = e.case_id AND (f.data ->> 'seq')::int = e.seq
             AND f.data ->> 'action' = e.action AND f.data ->> 'case_no' = pg_temp.cno(e.label)), (SELECT count(*) FROM gw_events),
          'each item''s data names its case, number, seq and action');
SELECT is_empty($$SELECT id FROM gw_feed
                  WHERE (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(data) k)
                        <> '{action,at,case_id,case_no,category,category_name,county,department_id,department_name,from,grid,seq,source,state,to,type,urgency}'$$,
                'data has exactly the contract''s keys');
SELECT is_empty($$SELECT f.id FROM gw_feed f JOIN gw_events e ON e.cursor = f.id
                  JOIN gridgov.case_events x ON x.county OPERATOR(gridgov.=) '990160' AND x.case_id = e.case_id AND x.seq = e.seq
                  WHERE f.data ->> 'at' !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$'
                     OR (f.data ->> 'at')::timestamptz <> date_trunc('second', x.at)
                     OR f.data -> 'from' <> COALESCE(to_jsonb(x.from_state), 'null') OR f.data -> 'to' <> COALESCE(to_jsonb(x.to_state), 'null')$$,
                'at is a W3C date-time of the event; from and to its states');
-- No personal data: none of the reporters' names, phones, addresses, descriptions, nor the
-- notes and payloads of the events.
CREATE FUNCTION pg_temp.leaks(txt text) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(DISTINCT c.label || ' ' || v.kind ORDER BY c.label || ' ' || v.kind), '{}')
    FROM gw_case c CROSS JOIN LATERAL (VALUES ('name', c.name), ('phone', c.phone), ('address', c.address),
                                              ('description', c.description), ('desc tag', 'GWDESC-' || c.n),
                                              ('id number', '110101199003070' || lpad(c.n::text, 3, '0'))) v(kind, value)
    WHERE strpos($1, v.value) > 0
$$;
SELECT is(pg_temp.leaks((SELECT string_agg(data::text, ' ') FROM gw_feed)), '{}', 'the feed carries no personal data');
SELECT is((SELECT count(*) FROM gw_feed WHERE data::text ~ '吹哨|牵头|网关测试 p'), 0::bigint, 'nor notes, payloads or titles');

-- Paging with max_rows 3 from the same cursor continues exactly where each page stopped.
CREATE TEMP TABLE gw_pages (page integer, ord integer, id text);
DO $$
DECLARE
    cur text := (SELECT cursor0 FROM gw_run);
    p integer := 0;
    n integer;
BEGIN
    LOOP
        p := p + 1;
        INSERT INTO gw_pages SELECT p, row_number() OVER (), f.id FROM gridgov.event_feed(cur, 3) f;
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n = 0 OR p > 1000;
        cur := (SELECT id FROM gw_pages WHERE page = p ORDER BY ord DESC LIMIT 1);
    END LOOP;
END
$$;
SELECT is((SELECT max(n) FROM (SELECT count(*) AS n FROM gw_pages GROUP BY page) x), 3::bigint, 'pages of at most 3');
SELECT is((SELECT array_agg(id ORDER BY page, ord) FROM gw_pages WHERE id LIKE '%.990160.%'),
          (SELECT array_agg(id ORDER BY ord) FROM gw_feed JOIN gw_events e ON e.cursor = gw_feed.id),
          'the pages, end to end, are the one big call: nothing lost, nothing twice');
SELECT is((SELECT count(DISTINCT id) FROM gw_pages), (SELECT count(*) FROM gw_pages), 'no id on two pages');
SELECT is((SELECT array_agg(f.id) FROM gridgov.event_feed((SELECT cursor FROM gw_events WHERE ord = 4), 2) f),
          (SELECT array_agg(cursor ORDER BY ord) FROM gw_events WHERE ord IN (5, 6)),
          'a cursor from the middle (the 4th event) continues with the 5th and 6th');
SELECT is((SELECT count(*) FROM gridgov.event_feed((SELECT cursor FROM gw_events ORDER BY ord DESC LIMIT 1), 10000) f
           WHERE f.data ->> 'county' = '990160'), 0::bigint, 'after the last event of the run: nothing of the run');
SELECT is((SELECT count(*) FROM gridgov.event_feed('999999999999999999.999999.999999999999999999.999999999', 10000)), 0::bigint,
          'a cursor beyond every event: nothing, no error');
-- Errors.
SELECT is(pg_temp.gw_state(format('SELECT * FROM gridgov.event_feed(%L, 10)', c)), '22023', 'event_feed: a malformed cursor ' || what || ' is 22023')
FROM (VALUES ('', 'empty'), ('abc', 'abc'), ('1.2.3', 'of three parts'), ('1.11011.1.1', 'with a 5-digit county'),
             ('1.110115.1.1.1', 'of five parts'), ('-1.110115.1.1', 'negative'), (' 1.110115.1.1', 'with a leading space'),
             (E'1.110115.1.1\n', 'with a newline'), ('1234567890123456789.110115.1.1', 'with a 19-digit txid'),
             ('1.110115.1.1234567890', 'with a 10-digit seq'), ('1e3.110115.1.1', 'in exponent notation'),
             ('１.110115.1.1', 'in full-width digits'), (repeat('1', 100000), 'of 100,000 digits')) v(c, what);
SELECT is(pg_temp.gw_state(sql), want, 'event_feed: ' || what)
FROM (VALUES ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 0)$$, '22023', 'max_rows 0 is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10001)$$, '22023', 'max_rows 10001 is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', -1)$$, '22023', 'max_rows -1 is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10000)$$, 'ok', 'max_rows 10000 runs'),
             ($$SELECT * FROM gridgov.event_feed(NULL, 10)$$, '22004', 'a NULL cursor is 22004'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', NULL)$$, '22004', 'NULL max_rows is 22004'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10, NULL, 'abc')$$, '22023', 'area abc is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10, NULL, '')$$, '22023', 'an empty area is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10, NULL, '9901600')$$, '22023', 'a 7-digit area is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10, NULL, '990160001001001001')$$, '22023', 'an 18-digit area is 22023'),
             ($$SELECT * FROM gridgov.event_feed('0.000000.0.0', 10, NULL, repeat('9', 100000))$$, '22023', 'a huge area is 22023')) v(sql, want, what);
-- Filters: the department holding the case now, the area it lies in.
CREATE FUNCTION pg_temp.feed_labels(dept bigint, area text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.labels(COALESCE(array_agg((f.data ->> 'case_id')::bigint), '{}')::text)
    FROM gridgov.event_feed((SELECT cursor0 FROM gw_run), 10000, dept, area) f
    WHERE f.data ->> 'county' = '990160'
$$;
SELECT is(pg_temp.feed_labels(pg_temp.dept('gwt-f1'), NULL), '{p0,p1,p3,p5}', 'department_id gwt-f1: the cases it holds now');
SELECT is(pg_temp.feed_labels(pg_temp.dept('gwt-f2'), NULL), '{p2,p6}', 'department_id gwt-f2: the cases it holds now (re-dispatched, decided)');
SELECT is(pg_temp.feed_labels(pg_temp.dept('gwt-cc'), NULL), '{p7}', 'department_id gwt-cc: the filed case');
SELECT is(pg_temp.feed_labels(-1, NULL), '{}', 'an unknown department: nothing');
SELECT is((SELECT count(*) FROM gridgov.event_feed((SELECT cursor0 FROM gw_run), 10000, pg_temp.dept('gwt-f1')) f
           WHERE f.data ->> 'case_id' = pg_temp.cid('p1')::text), (SELECT count(*) FROM gw_events WHERE label = 'p1'),
          'the department filter keeps every event of a case it holds (intake and filing included)');
SELECT is(pg_temp.feed_labels(NULL, '990160'), '{p0,p1,p2,p3,p4,p5,p6,p7}', 'area 990160 (county): every case');
SELECT is(pg_temp.feed_labels(NULL, '99'), '{p0,p1,p2,p3,p4,p5,p6,p7}', 'area 99 (province level): every case');
SELECT is(pg_temp.feed_labels(NULL, '990160002'), '{p3,p4,p6}', 'area 990160002 (town B): its cases');
SELECT is(pg_temp.feed_labels(NULL, '990160001001001'), '{p0,p1,p2,p5,p7}', 'area 990160001001001 (grid A1): its cases');
SELECT is(pg_temp.feed_labels(NULL, '990161'), '{}', 'another county: nothing');
SELECT is(pg_temp.feed_labels(NULL, '990160003'), '{}', 'a town without cases: nothing');
SELECT is(pg_temp.feed_labels(pg_temp.dept('gwt-f1'), '990160002'), '{p3}', 'both filters: gwt-f1''s cases in town B');
-- The caller's scope.
CREATE FUNCTION pg_temp.feed_as(r text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN x LIKE 'ERR%' THEN x ELSE pg_temp.labels(substr(x, 4)) END
    FROM pg_temp.gw_as(r, format($f$SELECT COALESCE(array_agg((f.data ->> 'case_id')::bigint), '{}')::text
                                   FROM gridgov.event_feed(%L, 10000) f WHERE f.data ->> 'county' = '990160'$f$,
                                 (SELECT cursor0 FROM gw_run))) x
$$;
SELECT is(pg_temp.feed_as('gwt_f1'), '{p0,p1,p2,p3,p5,p6}', 'gwt_f1 (department): the cases it holds or has held');
SELECT is(pg_temp.feed_as('gwt_f3'), '{p4}', 'gwt_f3: its one case');
SELECT is(pg_temp.feed_as('gwt_f4'), '{p3}', 'gwt_f4: the case it was summoned to');
SELECT is(pg_temp.feed_as('gwt_disp'), '{p0,p1,p2,p3,p4,p5,p6,p7}', 'gwt_disp (the district command center): every case');
SELECT is(pg_temp.gw_as('gwt_f1', format($f$SELECT count(*) FROM gridgov.event_feed(%L, 10000) f WHERE f.data ->> 'case_id' = %L$f$,
                                         (SELECT cursor0 FROM gw_run), pg_temp.cid('p4'))), 'ok 0',
          'gwt_f1 does not see p4''s events, even asking for them');
SELECT is(pg_temp.feed_as('gwt_analyst'), 'ERR 42501', 'an analyst is refused the feed');
SELECT is(pg_temp.feed_as('gwt_plain'), 'ERR 42501', 'a role without grants is refused the feed');
SELECT is(pg_temp.feed_as('gwt_gw'), 'ERR 42501', 'the gateway''s own role is refused the feed (it reads as the client''s role)');
SELECT is(pg_temp.gw_as('gwt_f1', format($f$SELECT string_agg(f.data::text, ' ') FROM gridgov.event_feed(%L, 10000) f$f$,
                                         (SELECT cursor0 FROM gw_run))) ~ '网关甲|13916000|网关大街|GWDESC', false,
          'the feed read by a department carries no personal data either');

-- 3. Transfer: collect ----------------------------------------------------------------------
-- gwt-ep3's department gets p4; gwt-ep4's department only reported in on p3.
-- (9 while the report_in BUG below stands)
SELECT is(gridgov.transfer_collect(), 8, 'transfer_collect queues 8 pushes: p1, p2, p3, p5, p6 to gwt-f1; p2 (re-dispatched) and p6 (decided) to gwt-f2; p4 to gwt-f3');
SELECT is(gridgov.transfer_collect(), 0, 'a second transfer_collect queues nothing');
CREATE FUNCTION pg_temp.queued(endpoint text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(c.label || ':' || e.action, ',' ORDER BY c.label, o.seq), '')
    FROM gridgov.transfer_outbox o JOIN gw_case c ON c.id = o.case_id
    JOIN gridgov.case_events e ON e.county OPERATOR(gridgov.=) o.county AND e.case_id = o.case_id AND e.seq = o.seq
    WHERE o.endpoint_id = pg_temp.ep(endpoint)
$$;
SELECT is(pg_temp.queued('gwt-ep1'), 'p1:dispatch,p2:dispatch,p3:dispatch,p5:dispatch,p6:dispatch',
          'gwt-ep1: the first dispatch of p1, p2, p3, p5, p6 (not p0: dispatched before the endpoint existed)');
SELECT is(pg_temp.queued('gwt-ep2'), 'p2:dispatch,p6:decide', 'gwt-ep2: p2''s re-dispatch to it and p6''s meeting decision for it');
SELECT is(pg_temp.queued('gwt-ep3'), 'p4:dispatch', 'gwt-ep3: p4');
-- once a bug, now fixed: report_in's payload names the department reporting in (department_id), and
-- gridgov.event_department() reads it as the department the case moved to, so
-- transfer_collect queues p3 (held by gwt-f1) for gwt-f4's platform.  Take the department
-- from the dispatching actions only (dispatch, decide ... : the events whose to_state is
-- dispatched), or record the holder in the event.
SELECT is(pg_temp.queued('gwt-ep4'), '', 'gwt-ep4: nothing: its department only reported in on p3 (a summons), p3 stays with gwt-f1');
DELETE FROM gridgov.transfer_endpoints WHERE name = 'gwt-ep4';
SELECT is((SELECT count(*) FROM gridgov.transfer_outbox o WHERE o.case_id = pg_temp.cid('p0')), 0::bigint,
          'p0, dispatched before the endpoints existed, is not queued');
SELECT is((SELECT count(*) FROM gridgov.transfer_outbox o JOIN gw_case c ON c.id = o.case_id WHERE c.label = 'p7'), 0::bigint,
          'p7, filed but not dispatched, is not queued');
-- The body.
CREATE TEMP TABLE gw_out AS
SELECT o.*, c.label, e.name AS endpoint FROM gridgov.transfer_outbox o JOIN gw_case c ON c.id = o.case_id
JOIN gridgov.transfer_endpoints e ON e.id = o.endpoint_id;
SELECT is_empty($$SELECT idempotency_key FROM gw_out WHERE idempotency_key <> format('gg:%s:%s:%s:%s', county, case_id, seq, endpoint_id)$$,
                'idempotency keys are gg:COUNTY:CASE_ID:SEQ:ENDPOINT');
SELECT is_empty($$SELECT idempotency_key FROM gw_out
                  WHERE (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(body) k)
                        <> '{department_id,endpoint,event,idempotency_key,service_request}'
                     OR body ->> 'idempotency_key' <> idempotency_key OR body ->> 'endpoint' <> endpoint
                     OR (body ->> 'department_id')::bigint <> (SELECT department_id FROM gridgov.transfer_endpoints x WHERE x.id = endpoint_id)$$,
                'the body: idempotency_key, endpoint, department_id, event, service_request');
SELECT is_empty($$SELECT o.idempotency_key FROM gw_out o
                  WHERE o.body -> 'event' ->> 'case_no' <> pg_temp.cno(o.label) OR (o.body -> 'event' ->> 'seq')::int <> o.seq
                     OR o.body -> 'event' ->> 'action' NOT IN ('dispatch', 'decide') OR o.body -> 'event' ->> 'to' <> 'dispatched'
                     OR (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(o.body -> 'event') k)
                        <> '{action,at,case_id,case_no,category,category_name,county,department_id,department_name,from,grid,seq,source,state,to,type,urgency}'$$,
                'the body''s event is the feed''s data of the dispatching event');
SELECT is_empty($$SELECT o.idempotency_key FROM gw_out o
                  WHERE (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(o.body -> 'service_request') k)
                        <> '{address,address_id,agency_responsible,description,expected_datetime,lat,long,media_url,requested_datetime,service_code,service_name,service_notice,service_request_id,status,status_notes,updated_datetime,zipcode}'
                     OR o.body -> 'service_request' ->> 'service_request_id' <> pg_temp.cno(o.label)
                     OR o.body -> 'service_request' ->> 'service_code' <> 'E0102'$$,
                'the body''s service_request is the case''s Open311 request object');
SELECT is(pg_temp.leaks((SELECT string_agg(body::text, ' ') FROM gw_out)), '{}', 'no body carries personal data');
SELECT is((SELECT body -> 'service_request' ->> 'description' FROM gw_out WHERE label = 'p1' AND endpoint = 'gwt-ep1'),
          '网关测试 p1 ** ***', 'the request''s description is the title with the reporter''s name and phone masked');

-- 4. Transfer: claim, result, status -----------------------------------------------------------
-- Claims take the due rows of every endpoint; this file's are the only ones (endpoints
-- gwt-%), so every claim below is compared on them.  Times are explicit (as_of).
UPDATE gridgov.transfer_endpoints SET active = false WHERE name = 'gwt-ep3';
CREATE TEMP TABLE gw_t AS SELECT date_trunc('second', now()) + interval '1 minute' AS t0;
CREATE FUNCTION pg_temp.t(secs numeric) RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT t0 + make_interval(secs => secs::float8) FROM gw_t
$$;
-- A claim at t0 + secs: its rows as 'label@endpoint#attempt', sorted.
CREATE TEMP TABLE gw_claims (n serial, at_s numeric, k text, endpoint_id bigint, url text, secret text, body jsonb, attempt integer);
CREATE FUNCTION pg_temp.claim(secs numeric, lease interval DEFAULT '30 seconds') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    got text;
BEGIN
    WITH c AS (SELECT * FROM gridgov.transfer_claim(1000, lease, pg_temp.t(secs))),
         kept AS (INSERT INTO gw_claims (at_s, k, endpoint_id, url, secret, body, attempt)
                  SELECT secs, c.idempotency_key, c.endpoint_id, c.url, c.secret, c.body, c.attempt FROM c RETURNING *)
    SELECT COALESCE(string_agg(o.label || '@' || o.endpoint || '#' || kept.attempt, ',' ORDER BY o.label, o.endpoint), '')
    INTO got FROM kept JOIN gw_out o ON o.idempotency_key = kept.k;
    RETURN got;
END
$$;
CREATE FUNCTION pg_temp.key(label text, endpoint text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT idempotency_key FROM gw_out WHERE gw_out.label = $1 AND gw_out.endpoint = $2
$$;
SELECT is(pg_temp.claim(-120), '', 'nothing is due before it was queued');
SELECT is(pg_temp.claim(0), 'p1@gwt-ep1#1,p2@gwt-ep1#1,p2@gwt-ep2#1,p3@gwt-ep1#1,p5@gwt-ep1#1,p6@gwt-ep1#1,p6@gwt-ep2#1',
          'a claim takes every due row of the active endpoints, attempt 1 (not gwt-ep3''s: inactive)');
SELECT is_empty($$SELECT c.k FROM gw_claims c JOIN gridgov.transfer_endpoints e ON e.id = c.endpoint_id JOIN gw_out o ON o.idempotency_key = c.k
                  WHERE c.url <> e.url OR c.secret <> e.secret OR c.body <> o.body$$,
                'each with its endpoint''s url and secret and the queued body');
SELECT is(pg_temp.claim(10), '', 'a second claim during the leases gets nothing');
SELECT is(pg_temp.claim(29.999), '', 'nor just before they end');
SELECT is(pg_temp.rows($$SELECT leased_until, attempts FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p3', 'gwt-ep1')$$),
                  pg_temp.rows($$SELECT pg_temp.t(30), 1$$), 'the lease runs for `lease` from as_of');
-- p1: failures, with the backoff.
SELECT is(gridgov.transfer_result(pg_temp.key('p1', 'gwt-ep1'), 503, 'service unavailable', pg_temp.t(1)),
          jsonb_build_object('delivered', false, 'next_attempt_at', pg_temp.t(6)), 'a 503 after attempt 1: the next in 5 s');
SELECT is(pg_temp.claim(5.999), '', 'not due before then');
SELECT is(pg_temp.claim(6), 'p1@gwt-ep1#2', 'due then: attempt 2 (the others are still leased)');
SELECT is((gridgov.transfer_result(pg_temp.key('p1', 'gwt-ep1'), 0, 'timeout', pg_temp.t(7)) ->> 'next_attempt_at')::timestamptz,
          pg_temp.t(17), 'no answer (0) after attempt 2: the next in 10 s');
SELECT is(pg_temp.rows($$SELECT last_status, last_error, leased_until FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p1', 'gwt-ep1')$$),
                  pg_temp.rows($$VALUES (0, 'timeout', NULL::timestamptz)$$), 'the status and error are kept, the lease ends');
SELECT is(pg_temp.claim(17), 'p1@gwt-ep1#3', 'attempt 3 at t0 + 17 s');
SELECT is((gridgov.transfer_result(pg_temp.key('p1', 'gwt-ep1'), 404, repeat('e', 1000), pg_temp.t(17)) ->> 'next_attempt_at')::timestamptz,
          pg_temp.t(37), 'a 404 after attempt 3: the next in 20 s');
SELECT is((SELECT length(last_error) FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p1', 'gwt-ep1')), 500,
          'an error is kept to 500 characters');
-- The others' leases end at t0 + 30 s: claimed again, attempt 2.
SELECT is(pg_temp.claim(30), 'p2@gwt-ep1#2,p2@gwt-ep2#2,p3@gwt-ep1#2,p5@gwt-ep1#2,p6@gwt-ep1#2,p6@gwt-ep2#2',
          'once the leases have ended the rows are claimed again, attempt 2 (a gateway that died loses nothing)');
SELECT is(gridgov.transfer_result(pg_temp.key('p2', 'gwt-ep1'), 200, NULL, pg_temp.t(31)) ->> 'delivered', 'true', 'a 200: delivered');
SELECT is(gridgov.transfer_result(pg_temp.key('p3', 'gwt-ep1'), 299, NULL, pg_temp.t(31)) ->> 'delivered', 'true', 'a 299: delivered');
SELECT is(gridgov.transfer_result(pg_temp.key('p6', 'gwt-ep1'), 202, NULL, pg_temp.t(31)) ->> 'delivered', 'true', 'a 202: delivered');
SELECT is(gridgov.transfer_result(pg_temp.key('p2', 'gwt-ep2'), 201, NULL, pg_temp.t(31)) ->> 'delivered', 'true', 'a 201: delivered');
-- (p5 and p6@gwt-ep2 fail, reported far ahead, so that they are not due during p1's backoff below)
SELECT is(gridgov.transfer_result(pg_temp.key('p5', 'gwt-ep1'), 300, 'redirect', pg_temp.t(1000000)),
          jsonb_build_object('delivered', false, 'next_attempt_at', pg_temp.t(1000010)), 'a 300: not delivered; after attempt 2 the next in 10 s');
SELECT is(gridgov.transfer_result(pg_temp.key('p6', 'gwt-ep2'), 199, 'odd', pg_temp.t(1000000)) ->> 'delivered', 'false', 'a 199: not delivered');
-- p1's attempts 4 to 12: 40 s, 80 s ... 2560 s, then the hour's cap.
CREATE TEMP TABLE gw_backoff (attempt integer, got text, delay numeric);
DO $$
DECLARE
    at_s numeric := 37;
    got text;
    nxt timestamptz;
BEGIN
    FOR i IN 4..12 LOOP
        got := pg_temp.claim(at_s, '1 second');
        nxt := (gridgov.transfer_result(pg_temp.key('p1', 'gwt-ep1'), 500, 'attempt ' || i, pg_temp.t(at_s)) ->> 'next_attempt_at')::timestamptz;
        INSERT INTO gw_backoff VALUES (i, got, extract(epoch FROM nxt - pg_temp.t(at_s)));
        at_s := at_s + extract(epoch FROM nxt - pg_temp.t(at_s));
    END LOOP;
END
$$;
SELECT is((SELECT array_agg(delay::integer ORDER BY attempt) FROM gw_backoff), ARRAY[40, 80, 160, 320, 640, 1280, 2560, 3600, 3600],
          'the backoff doubles from 5 s and stops at an hour (attempts 4 to 12)');
SELECT is((SELECT count(*) FROM gw_backoff WHERE got = 'p1@gwt-ep1#' || attempt), 9::bigint,
          'each of those claims took p1 alone, with the attempt''s number');
-- p1 delivered, for good.
CREATE TEMP TABLE gw_t1 AS SELECT pg_temp.t(20000) AS t1;
SELECT is(gridgov.transfer_result(pg_temp.key('p1', 'gwt-ep1'), 204, NULL, (SELECT t1 FROM gw_t1)),
          jsonb_build_object('delivered', true, 'delivered_at', (SELECT t1 FROM gw_t1)), 'a 204: delivered');
SELECT is(gridgov.transfer_result(pg_temp.key('p1', 'gwt-ep1'), 500, 'late failure', (SELECT t1 FROM gw_t1) + interval '1 minute'),
          jsonb_build_object('delivered', true, 'delivered_at', (SELECT t1 FROM gw_t1)), 'a later failure changes nothing');
SELECT is(pg_temp.rows($$SELECT delivered_at, last_status, last_error FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p1', 'gwt-ep1')$$),
                  pg_temp.rows($$SELECT (SELECT t1 FROM gw_t1), 204, NULL::text$$), 'the row stays delivered, with the 2xx status');
SELECT is(pg_temp.claim(1000010), 'p5@gwt-ep1#3,p6@gwt-ep2#3', 'delivered rows are never claimed again; the failed ones when due, attempt 3');
SELECT is(pg_temp.gw_state(sql), want, 'transfer_result: ' || what)
FROM (VALUES ($$SELECT gridgov.transfer_result('gg:no:such:key:0', 200)$$, '22023', 'an unknown key is 22023'),
             (format('SELECT gridgov.transfer_result(%L, 600)', pg_temp.key('p5', 'gwt-ep1')), '22023', 'status 600 is 22023'),
             (format('SELECT gridgov.transfer_result(%L, -1)', pg_temp.key('p5', 'gwt-ep1')), '22023', 'status -1 is 22023'),
             ($$SELECT gridgov.transfer_result(NULL, 200)$$, '22004', 'a NULL key is 22004'),
             (format('SELECT gridgov.transfer_result(%L, NULL)', pg_temp.key('p5', 'gwt-ep1')), '22004', 'a NULL status is 22004'),
             (format('SELECT gridgov.transfer_result(%L, 200, NULL, NULL)', pg_temp.key('p5', 'gwt-ep1')), '22004', 'a NULL as_of is 22004')) v(sql, want, what);
SELECT is((SELECT delivered_at FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p5', 'gwt-ep1')), NULL,
          'the refused calls left p5 undelivered');
SELECT is(pg_temp.gw_state(sql), want, 'transfer_claim: ' || what)
FROM (VALUES ('SELECT * FROM gridgov.transfer_claim(0)', '22023', 'max_rows 0 is 22023'),
             ('SELECT * FROM gridgov.transfer_claim(1001)', '22023', 'max_rows 1001 is 22023'),
             ($$SELECT * FROM gridgov.transfer_claim(1, '0.5 seconds')$$, '22023', 'a half-second lease is 22023'),
             ($$SELECT * FROM gridgov.transfer_claim(1, '61 minutes')$$, '22023', 'a 61-minute lease is 22023'),
             ('SELECT * FROM gridgov.transfer_claim(NULL)', '22004', 'NULL max_rows is 22004'),
             ('SELECT * FROM gridgov.transfer_claim(1, NULL)', '22004', 'a NULL lease is 22004'),
             ('SELECT * FROM gridgov.transfer_claim(1, ''1 minute'', NULL)', '22004', 'a NULL as_of is 22004')) v(sql, want, what);
SELECT is(pg_temp.rows($$SELECT name, pending, failing, delivered, last_error FROM gridgov.transfer_status WHERE name LIKE 'gwt-%' ORDER BY name$$),
                  pg_temp.rows($$VALUES ('gwt-ep1', 1::bigint, 1::bigint, 4::bigint, 'redirect'), ('gwt-ep2', 1::bigint, 1::bigint, 1::bigint, 'odd'),
                           ('gwt-ep3', 1::bigint, 0::bigint, 0::bigint, NULL)$$),
                  'transfer_status: pending, failing (tried at least once), delivered and the last error, per endpoint');
SELECT is(pg_temp.rows($$SELECT oldest_pending, last_delivered FROM gridgov.transfer_status WHERE name = 'gwt-ep1'$$),
                  pg_temp.rows($$SELECT (SELECT created_at FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p5', 'gwt-ep1')),
                           (SELECT t1 FROM gw_t1)$$),
                  'transfer_status: the oldest pending push and the last delivery');
-- The inactive endpoint's row waited; it is claimed once the endpoint is active again.
UPDATE gridgov.transfer_endpoints SET active = true WHERE name = 'gwt-ep3';
SELECT is(pg_temp.claim(2000000), 'p4@gwt-ep3#1,p5@gwt-ep1#4,p6@gwt-ep2#4', 'gwt-ep3 active again: its row is claimed, attempt 1');
UPDATE gridgov.transfer_endpoints SET active = false WHERE name = 'gwt-ep3';
SELECT is(gridgov.transfer_collect(), 0, 'transfer_collect again: nothing new');
-- A stale attempt: an attempt's lease ends, a later claim takes the push (a higher
-- attempt); the earlier attempt's failure arriving now changes nothing, the lease stays.
SELECT is((SELECT attempt FROM gridgov.transfer_claim(1000, '1 second', pg_temp.t(3000000))
           WHERE idempotency_key = pg_temp.key('p5', 'gwt-ep1')) IS NOT NULL, true, 'p5 at gwt-ep1 is claimed again');
SELECT is((SELECT attempts FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p5', 'gwt-ep1')) > 1, true,
          'its attempt number has grown');
SELECT is(gridgov.transfer_result(pg_temp.key('p5', 'gwt-ep1'), 500, 'late', pg_temp.t(3000000),
                                  (SELECT attempts - 1 FROM gridgov.transfer_outbox WHERE idempotency_key = pg_temp.key('p5', 'gwt-ep1'))) ->> 'stale',
          'true', 'the failure of the earlier attempt is stale');
SELECT is((SELECT leased_until IS NOT NULL AND last_error IS DISTINCT FROM 'late' FROM gridgov.transfer_outbox
           WHERE idempotency_key = pg_temp.key('p5', 'gwt-ep1')), true, 'and leaves the newer attempt''s lease and error alone');

-- 5. Transfer: status updates from the platforms ------------------------------------------------
-- A feed cursor taken now sees the next event, and only it.
CREATE TEMP TABLE gw_c1 AS SELECT gridgov.event_feed_start() AS c1;
SELECT ok((SELECT c1 ~ '^[0-9]+\.000000\.0\.0$' FROM gw_c1), 'event_feed_start(): TXID.000000.0.0, a cursor event_feed accepts');
SELECT is((SELECT count(*) FROM gridgov.event_feed((SELECT c1 FROM gw_c1), 10000) f WHERE f.data ->> 'county' = '990160'), 0::bigint,
          'event_feed from event_feed_start(): nothing of ours yet');
CREATE FUNCTION pg_temp.receive(r text, endpoint text, u jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE WHEN x LIKE 'ok %' THEN substr(x, 4)::jsonb ELSE jsonb_build_object('raised', substr(x, 5)) END
    FROM pg_temp.gw_as(r, format('SELECT gridgov.transfer_receive(%L, %L)::text', endpoint, u)) x
$$;
CREATE FUNCTION pg_temp.events_of(label text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM gridgov.case_events e WHERE e.county OPERATOR(gridgov.=) '990160' AND e.case_id = pg_temp.cid($1)
$$;
CREATE FUNCTION pg_temp.inbound() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM gridgov.transfer_inbound i JOIN gridgov.transfer_endpoints e ON e.id = i.endpoint_id WHERE e.name LIKE 'gwt-%'
$$;
-- An error body: [{"code": code, "description": text}] and nothing else.
CREATE FUNCTION pg_temp.is_error(answer jsonb, code int, what text) RETURNS text LANGUAGE sql AS $$
    SELECT ok(jsonb_typeof(answer) = 'array' AND jsonb_array_length(answer) = 1
              AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(answer -> 0) k) = '{code,description}'
              AND (answer -> 0 ->> 'code')::int = code AND length(answer -> 0 ->> 'description') > 0,
              format('%s: error %s (%s)', what, code, answer::text))
$$;
CREATE TEMP TABLE gw_before AS SELECT pg_temp.events_of('p1') AS p1_events;
SELECT is(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-1', 'service_request_id', pg_temp.cno('p1'),
                                                                  'action', 'sign', 'note', '平台签收')),
          jsonb_build_object('service_request_id', pg_temp.cno('p1'), 'state', 'signed', 'duplicate', false),
          'transfer_receive as gwt-ep1''s role: sign applies');
SELECT is(pg_temp.rows($$SELECT e.action, e.actor_role::text, e.note, e.to_state FROM gridgov.case_events e
                    WHERE e.county OPERATOR(gridgov.=) '990160' AND e.case_id = pg_temp.cid('p1') ORDER BY e.seq DESC LIMIT 1$$),
                  pg_temp.rows($$VALUES ('sign', 'gwt_f1', '平台签收', 'signed')$$), 'one sign event, acted by the endpoint''s role, with the note');
SELECT is(pg_temp.events_of('p1'), (SELECT p1_events + 1 FROM gw_before), 'exactly one new event');
SELECT is(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-1', 'service_request_id', pg_temp.cno('p1'),
                                                                  'action', 'sign', 'note', '平台签收')),
          jsonb_build_object('service_request_id', pg_temp.cno('p1'), 'state', 'signed', 'duplicate', true),
          'the same update again: the first answer, "duplicate": true');
SELECT is(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-1', 'service_request_id', pg_temp.cno('p1'),
                                                                  'action', 'handle')) ->> 'duplicate',
          'true', 'the same update_id with another action: still the duplicate');
SELECT is(pg_temp.events_of('p1'), (SELECT p1_events + 1 FROM gw_before), 'and no new event');
SELECT ok(pg_temp.horizon_settle('990160'), 'the horizon passes the sign');
SELECT is((SELECT array_agg(f.data ->> 'action') FROM gridgov.event_feed((SELECT c1 FROM gw_c1), 10000) f WHERE f.data ->> 'county' = '990160'),
          ARRAY['sign'], 'event_feed from the event_feed_start() cursor: exactly the sign');
-- An explicit W3C time, and a JSON null payload.
SELECT is(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-at', 'service_request_id', pg_temp.cno('p1'),
                                                                  'action', 'handle', 'note', NULL,
                                                                  'at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ->> 'state',
          'handled', 'an update with an explicit at (W3C, Z) and a null note applies');
SELECT ok((SELECT e.at BETWEEN now() - interval '1 minute' AND clock_timestamp() FROM gridgov.case_events e
           WHERE e.county OPERATOR(gridgov.=) '990160' AND e.case_id = pg_temp.cid('p1') ORDER BY e.seq DESC LIMIT 1),
          'the event has that time');
-- once a bug, now fixed: 400 "payload must be a JSON object": transfer_receive lets a JSON null payload
-- through, and transfer_apply passes COALESCE(u -> 'payload', '{}') = 'null'::jsonb to act()
-- (a JSON null is not an SQL NULL).  Use CASE WHEN jsonb_typeof(u -> 'payload') = 'object'
-- THEN u -> 'payload' ELSE '{}' END.
SELECT is(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-null-payload', 'service_request_id', pg_temp.cno('p3'),
                                                                  'action', 'sign', 'payload', NULL)) ->> 'state',
          'signed', 'an update with "payload": null applies like one without');
-- Refusals.
CREATE TEMP TABLE gw_before2 AS SELECT pg_temp.inbound() AS n, (SELECT count(*) FROM gridgov.case_events WHERE county OPERATOR(gridgov.=) '990160') AS events;
SELECT pg_temp.is_error(pg_temp.receive('gwt_f2', 'gwt-ep1', jsonb_build_object('update_id', 'u-2', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign')),
                        403, 'an update for gwt-ep1 applied as gwt-f2''s role');
SELECT pg_temp.is_error(pg_temp.receive(current_user, 'gwt-ep1', jsonb_build_object('update_id', 'u-2', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign')),
                        403, 'an update for gwt-ep1 applied as the superuser');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-3', 'service_request_id', pg_temp.cno('p2'), 'action', 'sign')),
                        409, 'p2 (gwt-f1 held it once; gwt-f2 holds it now)');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-4', 'service_request_id', pg_temp.cno('p4'), 'action', 'sign')),
                        404, 'p4 (gwt-f3''s, outside gwt-f1''s scope: like an unknown case)');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-5', 'service_request_id', '990160-20260101-9999999', 'action', 'sign')),
                        404, 'an unknown case');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-6', 'service_request_id', pg_temp.cno('p5'), 'action', 'handle')),
                        409, 'handle on a case not signed (the workflow refuses)');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-7', 'service_request_id', pg_temp.cno('p5'), 'action', 'fly')),
                        409, 'an action the workflow does not have');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-8', 'service_request_id', pg_temp.cno('p5'), 'action', 'refer_meeting',
                                                                               'payload', jsonb_build_object('departments', ARRAY[pg_temp.dept('gwt-f1')]))),
                        403, 'an action of the dispatchers only (the workflow''s role check)');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-nope', jsonb_build_object('update_id', 'u-9', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign')),
                        404, 'an unknown endpoint');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f3', 'gwt-ep3', jsonb_build_object('update_id', 'u-10', 'service_request_id', pg_temp.cno('p4'), 'action', 'sign')),
                        404, 'an inactive endpoint');
SELECT pg_temp.is_error(pg_temp.receive('gwt_f1', 'gwt-ep1', u), 400, 'a malformed update: ' || what)
FROM (VALUES (jsonb_build_object('service_request_id', pg_temp.cno('p5'), 'action', 'sign'), 'no update_id'),
             (jsonb_build_object('update_id', '', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign'), 'an empty update_id'),
             (jsonb_build_object('update_id', repeat('u', 201), 'service_request_id', pg_temp.cno('p5'), 'action', 'sign'), 'a 201-character update_id'),
             (jsonb_build_object('update_id', 12, 'service_request_id', pg_temp.cno('p5'), 'action', 'sign'), 'a number update_id'),
             (jsonb_build_object('update_id', 'u-11', 'action', 'sign'), 'no service_request_id'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5')), 'no action'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', ARRAY['sign']), 'an array action'),
             ('[]'::jsonb, 'an array'), ('"sign"'::jsonb, 'a string'), ('null'::jsonb, 'JSON null'), (NULL, 'SQL NULL'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'state', 'closed'), 'an unknown key'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'note', 5), 'a number note'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'note', repeat('n', 4001)), 'a 4,001-character note'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'at', 1767225600), 'a number at'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'at', 'yesterday'), 'at yesterday'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'at', '2026-03-01T09:00:00'), 'at without an offset'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'payload', '[]'::jsonb), 'an array payload'),
             (jsonb_build_object('update_id', 'u-11', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign', 'payload', 'x'), 'a string payload')) v(u, what);
SELECT is(pg_temp.inbound(), (SELECT n FROM gw_before2), 'no refused update left a transfer_inbound row');
SELECT is((SELECT count(*) FROM gridgov.case_events WHERE county OPERATOR(gridgov.=) '990160'), (SELECT events FROM gw_before2),
          'nor an event');
SELECT is((SELECT state FROM gridgov.cases WHERE id = pg_temp.cid('p5')), 'dispatched', 'p5 is still dispatched');
SELECT is(pg_temp.receive('gwt_f1', 'gwt-ep1', jsonb_build_object('update_id', 'u-6', 'service_request_id', pg_temp.cno('p5'), 'action', 'sign')) ->> 'state',
          'signed', 'a refused update_id can be used again, and then applies');
-- Row-level security of transfer_inbound: each endpoint's role sees its own rows only.
SELECT is(pg_temp.receive('gwt_f2', 'gwt-ep2', jsonb_build_object('update_id', 'u-1', 'service_request_id', pg_temp.cno('p2'), 'action', 'sign')) ->> 'state',
          'signed', 'gwt-ep2 signs p2 with its own update_id u-1 (ids are per endpoint)');
SELECT is(pg_temp.gw_as('gwt_f1', 'SELECT string_agg(update_id || ''@'' || endpoint_id, '','' ORDER BY update_id) FROM gridgov.transfer_inbound
                                   WHERE update_id <> ''u-null-payload'''),
          'ok ' || (SELECT string_agg(u || '@' || pg_temp.ep('gwt-ep1'), ',') FROM unnest('{u-1,u-6,u-at}'::text[]) u),
          'gwt_f1 reads gwt-ep1''s inbound updates only');
SELECT is(pg_temp.gw_as('gwt_f2', 'SELECT string_agg(update_id || ''@'' || endpoint_id, '','') FROM gridgov.transfer_inbound'),
          'ok u-1@' || pg_temp.ep('gwt-ep2'), 'gwt_f2 reads gwt-ep2''s only');
SELECT is(pg_temp.gw_as('gwt_f3', 'SELECT count(*) FROM gridgov.transfer_inbound'), 'ok 0', 'gwt_f3 reads none');
SELECT is(pg_temp.gw_as('gwt_f2', format($f$INSERT INTO gridgov.transfer_inbound (endpoint_id, update_id, county, case_id, result)
                                          VALUES (%s, 'forged', '990160', %s, '{}') RETURNING update_id$f$, pg_temp.ep('gwt-ep1'), pg_temp.cid('p5'))),
          'ERR 42501', 'gwt_f2 cannot write an update of gwt-ep1 (which would make the real one a "duplicate")');
SELECT is(pg_temp.gw_as('gwt_f2', format($f$UPDATE gridgov.transfer_inbound SET result = '{}' WHERE endpoint_id = %s RETURNING update_id$f$,
                                         pg_temp.ep('gwt-ep1'))), 'ok null', 'nor change one');
SELECT is(pg_temp.gw_as('gwt_f2', 'SELECT count(*) FROM gridgov.transfer_endpoints_public WHERE name LIKE ''gwt-%'''), 'ok 3',
          'a department role reads the endpoints without their secrets');
SELECT is(pg_temp.gw_as('gwt_f2', 'SELECT count(secret) FROM gridgov.transfer_endpoints'), 'ERR 42501', 'and not the secrets');
-- The contract (issue16_contract.md) gives transfer_collect a max_rows argument.
-- once a bug, now fixed: gridgov.transfer_collect(max_rows integer DEFAULT 1000) does not exist (only
-- transfer_collect()): after an outage it queues every backlog event in one call.
SELECT has_function('gridgov', 'transfer_collect', ARRAY['integer'], 'transfer_collect(max_rows integer) as the contract has it');

-- A past case brought in by the history import, dispatched to gwt-f1 in its timeline:
-- its events are history, not a dispatch to push now (dispatch_events leaves out what
-- the import's own transaction wrote).
INSERT INTO gridgov.import_cases (county, source, external_id, category, title, location, reported_at, department)
VALUES ('990160', 'patrol', 'gwt-imp-' || (SELECT tag FROM gw_run), 'E0102', '网关测试 导入',
        ST_SetSRID(ST_MakePoint(102.02, 32.02), 4326), now() - interval '3 hours', 'gwt-cc');
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action, department)
VALUES ('990160', 'patrol', 'gwt-imp-' || (SELECT tag FROM gw_run), 1, now() - interval '2 hours', 'file', NULL),
       ('990160', 'patrol', 'gwt-imp-' || (SELECT tag FROM gw_run), 2, now() - interval '1 hour', 'dispatch', 'gwt-f1');
SELECT is((SELECT imported FROM gridgov.import_history(now())), 1::bigint, 'the history import brings in a case dispatched to gwt-f1');
SELECT ok(pg_temp.horizon_settle('990160'), 'the horizon passes the import');
SELECT is((SELECT count(*) FROM gridgov.dispatch_events d JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) d.county AND c.id = d.case_id
           WHERE c.external_id = 'gwt-imp-' || (SELECT tag FROM gw_run)), 0::bigint,
          'dispatch_events leaves out the dispatch the import wrote');
SELECT gridgov.transfer_collect() \g /dev/null
SELECT is((SELECT count(*) FROM gridgov.transfer_outbox o JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) o.county AND c.id = o.case_id
           WHERE c.external_id = 'gwt-imp-' || (SELECT tag FROM gw_run)), 0::bigint,
          'transfer_collect pushes nothing for the imported case');
DELETE FROM gridgov.import_steps WHERE external_id LIKE 'gwt-imp-%';
DELETE FROM gridgov.import_cases WHERE external_id LIKE 'gwt-imp-%';

SELECT pg_temp.gw_cleanup();
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'gwt\_%'), 0::bigint, 'clean-up: the roles are gone');
SELECT * FROM finish();

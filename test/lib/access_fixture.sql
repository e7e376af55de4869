-- The organisation, logins and cases of the access-control suites
-- (test/access_matrix.sql, test/access_attacks.sql), built inside the calling
-- test's transaction in the fictitious county 990301, which no other suite uses.
--
--   990301            权限测试区 (district command center acl-cc; functional
--   │                 departments acl-f1, acl-f2)
--   ├─ 990301001      town A (command center acl-cc-a)
--   │  └─ 990301001001   community (committee acl-cm-a, under acl-cc-a)
--   │     ├─ 990301001001001  grid A1 (worker wa1)
--   │     └─ 990301001001002  grid A2 (worker wa2)
--   └─ 990301002      town B (command center acl-cc-b)
--      └─ 990301002001   community
--         └─ 990301002001001  grid B1 (worker wb1)
--
-- Twelve cases of category E0102 (grid_event), each with its own reporter's
-- name, phone, address and a description carrying a mobile number and an
-- 18-digit ID number, named by label (acl_case):
--   a1r reported    grid A1  held by acl-cc-a
--   a1f filed       grid A1  held by acl-cc-a
--   a1d dispatched  grid A1  held by acl-f1
--   a1s signed      grid A1  held by acl-f1
--   a1c dispatched  grid A1  held by acl-cm-a (the community committee)
--   a2x dispatched  grid A2  dispatched to acl-f1, returned, re-dispatched to acl-f2
--                            (held by acl-f2; acl-f1 has held it)
--   a2h handled     grid A2  held by acl-f2
--   a2v verified    grid A2  held by acl-f2
--   b1r reported    grid B1  held by acl-cc-b; a whistle summons acl-f2
--   b1d dispatched  grid B1  held by acl-f1
--   b1c dispatched  grid B1  held by acl-cm-a (town A's committee, on a town B case)
--   n0  reported    no grid (outside every grid, county 990301), held by acl-cc
-- Every case is swept once at now() (escalations of the overdue clocks), and a
-- policy of this file gives the whole clock 150 working days, so every case
-- has a provisional deadline (past the calendar's horizon).
--
-- Logins (NOLOGIN roles, used with SET ROLE), acl_login.login -> role acl_t_<login>:
--   admin    gridgov_admin, no staff row
--   ddisp    gridgov_dispatcher, staff of acl-cc (district command center)
--   adisp    gridgov_dispatcher, staff of acl-cc-a (town A command center)
--   cm       gridgov_department, staff of acl-cm-a (community committee)
--   f1, f2   gridgov_department, staff of acl-f1, acl-f2 (functional)
--   wa1, wa2 gridgov_worker, staff of acl-cm-a, workers of grids A1, A2
--   wb1      gridgov_worker, staff of acl-cc-b, worker of grid B1
--   leader   gridgov_leader, staff of acl-cc-a
--   auditor  gridgov_auditor, staff of acl-f1
--   analyst  gridgov_analyst, staff of acl-cc
--   nostaff  gridgov_dispatcher, no staff row
-- acl_scope states what each login sees, acts on, files and reveals: the
-- matrix of docs/security.md for this organisation.
SET LOCAL client_min_messages = error;
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL gridgov.duplicate_radius_m = 0;
SET LOCAL gridgov.analytics_sync = on;
CREATE TEMP TABLE acl_setup AS SELECT gridgov.setup_roles();

-- Grids -----------------------------------------------------------------------------
INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(v.x0, 31.0, v.x1, 31.04, 4326))
FROM (VALUES ('990301',          '权限测试区',         101.00, 101.08),
             ('990301001',       '权限测试甲街道',     101.00, 101.04),
             ('990301001001',    '权限测试甲社区',     101.00, 101.04),
             ('990301001001001', '权限测试甲社区一格', 101.00, 101.02),
             ('990301001001002', '权限测试甲社区二格', 101.02, 101.04),
             ('990301002',       '权限测试乙镇',       101.04, 101.08),
             ('990301002001',    '权限测试乙村',       101.04, 101.08),
             ('990301002001001', '权限测试乙村一格',   101.04, 101.08)) v(code, name, x0, x1);

-- Departments -------------------------------------------------------------------------
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('acl-cc', '权限测试区指挥中心', 'district', '990301', 'command_center'),
    ('acl-f1', '权限测试区城管执法局', 'district', '990301', 'functional'),
    ('acl-f2', '权限测试区水务局', 'district', '990301', 'functional');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT v.code, v.name, 'town', v.j::gridgov.gridcode, 'command_center', d.id
FROM (VALUES ('acl-cc-a', '权限测试甲街道指挥中心', '990301001'),
             ('acl-cc-b', '权限测试乙镇指挥中心', '990301002')) v(code, name, j),
     gridgov.departments d WHERE d.code = 'acl-cc';
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'acl-cm-a', '权限测试甲社区居委会', 'community', '990301001001', 'community', d.id
FROM gridgov.departments d WHERE d.code = 'acl-cc-a';
CREATE FUNCTION pg_temp.acl_dept(code text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT d.id FROM gridgov.departments d WHERE d.code = $1
$$;

-- Logins, staff and grid assignments ----------------------------------------------------
CREATE TEMP TABLE acl_login (
    login   text PRIMARY KEY,
    ord     integer NOT NULL,
    grp     text NOT NULL,      -- the group role
    dept    text,               -- the staff row's department (NULL: no staff row)
    grid    text,               -- the grid a worker serves
    what    text NOT NULL       -- for the test descriptions
);
INSERT INTO acl_login VALUES
    ('admin',    1, 'gridgov_admin',      NULL,       NULL,              'admin, no staff row'),
    ('ddisp',    2, 'gridgov_dispatcher', 'acl-cc',   NULL,              'district command center dispatcher'),
    ('adisp',    3, 'gridgov_dispatcher', 'acl-cc-a', NULL,              'town A command center dispatcher'),
    ('cm',       4, 'gridgov_department', 'acl-cm-a', NULL,              'community committee of town A'),
    ('f1',       5, 'gridgov_department', 'acl-f1',   NULL,              'functional department 1'),
    ('f2',       6, 'gridgov_department', 'acl-f2',   NULL,              'functional department 2'),
    ('wa1',      7, 'gridgov_worker',     'acl-cm-a', '990301001001001', 'worker of grid A1'),
    ('wa2',      8, 'gridgov_worker',     'acl-cm-a', '990301001001002', 'worker of grid A2'),
    ('wb1',      9, 'gridgov_worker',     'acl-cc-b', '990301002001001', 'worker of grid B1'),
    ('leader',  10, 'gridgov_leader',     'acl-cc-a', NULL,              'leader at town A''s command center'),
    ('auditor', 11, 'gridgov_auditor',    'acl-f1',   NULL,              'auditor at functional department 1'),
    ('analyst', 12, 'gridgov_analyst',    'acl-cc',   NULL,              'analyst (staff of the district center)'),
    ('nostaff', 13, 'gridgov_dispatcher', NULL,       NULL,              'dispatcher without a staff row');
CREATE FUNCTION pg_temp.acl_role(login text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'acl_t_' || $1
$$;
DO $$
DECLARE
    l record;
BEGIN
    FOR l IN SELECT * FROM acl_login ORDER BY ord LOOP
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN IN ROLE %I', pg_temp.acl_role(l.login), l.grp);
    END LOOP;
END
$$;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '权限测试职员' || l.login, pg_temp.acl_dept(l.dept), pg_temp.acl_role(l.login)
FROM acl_login l WHERE l.dept IS NOT NULL ORDER BY l.ord;
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT l.grid::gridgov.gridcode, s.id, 'worker', '2026-01-01 00:00+08'
FROM acl_login l JOIN gridgov.staff s ON s.db_role = pg_temp.acl_role(l.login) AND s.active
WHERE l.grid IS NOT NULL;

-- The matrix (docs/security.md) ---------------------------------------------------------
-- sees: the rows of cases and every per-case table; acts: act(), the wrappers
-- and UPDATE; files: where an INSERT is let in (A1, A2, B1: those grids;
-- none: a case outside every grid); reveals: reveal_contact().
CREATE TEMP TABLE acl_scope (login text PRIMARY KEY, sees text[], acts text[], files text[], reveals text[]);
INSERT INTO acl_scope VALUES
    -- gridgov_admin: every case; files anywhere; no staff row, so neither a
    -- holder nor a command center: no contact data.
    ('admin',   '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1r,b1d,b1c,n0}', '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1r,b1d,b1c,n0}',
                '{A1,A2,B1,none}', '{}'),
    -- dispatcher at the district command center: its jurisdiction (the
    -- county, the case outside every grid included); reveals in it.
    ('ddisp',   '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1r,b1d,b1c,n0}', '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1r,b1d,b1c,n0}',
                '{A1,A2,B1,none}', '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1r,b1d,b1c,n0}'),
    -- dispatcher at town A's command center: town A.
    ('adisp',   '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v}', '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v}',
                '{A1,A2,B1,none}', '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v}'),
    -- department login at the community committee: its jurisdiction and the
    -- cases it holds (b1c, in town B); acts on and reveals what it holds.
    ('cm',      '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1c}', '{a1c,b1c}', '{A1,A2,B1,none}', '{a1c,b1c}'),
    -- functional department 1: holds a1d, a1s, b1d; has held a2x.
    ('f1',      '{a1d,a1s,a2x,b1d}', '{a1d,a1s,b1d}', '{A1,A2,B1,none}', '{a1d,a1s,b1d}'),
    -- functional department 2: holds a2x, a2h, a2v; a whistle summons it to b1r (it sees
    -- the case and may only report in on it).
    ('f2',      '{a2x,a2h,a2v,b1r}', '{a2x,a2h,a2v}', '{A1,A2,B1,none}', '{a2x,a2h,a2v}'),
    -- grid workers: their grids (not their staff department's area); no
    -- contact data (a worker is neither a holder's login nor a center's).
    ('wa1',     '{a1r,a1f,a1d,a1s,a1c}', '{a1r,a1f,a1d,a1s,a1c}', '{A1}', '{}'),
    ('wa2',     '{a2x,a2h,a2v}', '{a2x,a2h,a2v}', '{A2}', '{}'),
    ('wb1',     '{b1r,b1d,b1c}', '{b1r,b1d,b1c}', '{B1}', '{}'),
    -- leader at town A's command center: reads town A, nothing else.
    ('leader',  '{a1r,a1f,a1d,a1s,a1c,a2x,a2h,a2v}', '{}', '{}', '{}'),
    -- auditor at functional department 1: what the department holds or has held.
    ('auditor', '{a1d,a1s,a2x,b1d}', '{}', '{}', '{}'),
    -- analyst: no case rows (staff row or not).
    ('analyst', '{}', '{}', '{}', '{}'),
    -- a login without an active staff row: nothing.
    ('nostaff', '{}', '{}', '{}', '{}');

-- Cases -----------------------------------------------------------------------------------
-- Long whole-case limits for this file's cases (source app): provisional deadlines.
INSERT INTO gridgov.sla_policies (category_prefix, source, stage, amount, unit, calendar_id, note)
SELECT 'E0102', 'app', 'whole', 150, 'working_days', c.id, 'test/lib/access_fixture.sql'
FROM gridgov.calendars c WHERE c.name = 'cn';

CREATE TEMP TABLE acl_case (
    label       text PRIMARY KEY,
    n           integer NOT NULL,
    lon         float8 NOT NULL,
    lat         float8 NOT NULL,
    dept        text NOT NULL,     -- the department at intake
    id          bigint,
    name        text,
    phone       text,
    address     text,
    mobile      text,              -- inside the description
    idno        text,              -- inside the description
    description text
);
INSERT INTO acl_case (label, n, lon, lat, dept) VALUES
    ('a1r',  1, 101.005, 31.010, 'acl-cc-a'),
    ('a1f',  2, 101.006, 31.015, 'acl-cc-a'),
    ('a1d',  3, 101.007, 31.020, 'acl-cc-a'),
    ('a1s',  4, 101.008, 31.025, 'acl-cc-a'),
    ('a1c',  5, 101.009, 31.030, 'acl-cc-a'),
    ('a2x',  6, 101.025, 31.010, 'acl-cc-a'),
    ('a2h',  7, 101.026, 31.020, 'acl-cc-a'),
    ('a2v',  8, 101.027, 31.030, 'acl-cc-a'),
    ('b1r',  9, 101.050, 31.010, 'acl-cc-b'),
    ('b1d', 10, 101.055, 31.020, 'acl-cc-b'),
    ('b1c', 11, 101.060, 31.030, 'acl-cc-b'),
    ('n0',  12, 101.500, 31.500, 'acl-cc');
UPDATE acl_case SET
    name = (ARRAY['王小明', '李晓红', '张三丰', '赵敏敏', '钱多多', '孙悟空', '周星驰', '吴承恩', '郑成功',
                  '冯梦龙', '陈静怡', '楚留香'])[n],
    phone = '1380013' || pg_catalog.lpad(n::text, 4, '0'),
    address = '兴华大街' || n || '号院' || (n + 1) || '号楼',
    mobile = '1391234' || pg_catalog.lpad(n::text, 4, '0'),
    idno = '11010119900307' || pg_catalog.lpad(n::text, 4, '0');
UPDATE acl_case SET description = '我叫' || name || '，手机' || mobile || '，身份证' || idno || '，楼下垃圾堆放三天。';
INSERT INTO gridgov.cases (county, source, external_id, category, title, description, location, address,
                           reporter_name, reporter_phone, reported_at, department_id)
SELECT '990301', 'app', 'acl-' || a.label, 'E0102', '权限测试 ' || a.label, a.description,
       ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326), a.address, a.name, a.phone,
       timestamptz '2026-11-02 09:00+08' + a.n * interval '1 minute', pg_temp.acl_dept(a.dept)
FROM acl_case a ORDER BY a.n;
UPDATE acl_case a SET id = c.id
FROM gridgov.cases c WHERE c.county::text = '990301' AND c.external_id = 'acl-' || a.label;
CREATE FUNCTION pg_temp.acl_id(label text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT a.id FROM acl_case a WHERE a.label = $1
$$;
-- Case ids (an array's text form, as a probe returns it) as sorted labels; an
-- id of no fixture case shows as 'other'.
CREATE FUNCTION pg_temp.acl_labels(ids text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT pg_catalog.array_agg(DISTINCT COALESCE(a.label, 'other') ORDER BY COALESCE(a.label, 'other'))
                     FROM pg_catalog.unnest($1::bigint[]) i LEFT JOIN acl_case a ON a.id = i)::text, '{}')
$$;

-- The workflow, as the superuser, step by step (one statement per step).
CREATE FUNCTION pg_temp.acl_step(labels text[], action text, payload jsonb, at timestamptz) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_catalog.count(gridgov.act(a.id, $2, NULL, $3, $4)) FROM acl_case a WHERE a.label = ANY ($1)
$$;
SELECT pg_temp.acl_step('{a1f,a1d,a1s,a1c,a2x,a2h,a2v,b1d,b1c}', 'file', '{}', '2026-11-02 10:00+08') \g /dev/null
SELECT pg_temp.acl_step('{a1d,a1s,a2x,b1d}', 'dispatch',
                        pg_catalog.jsonb_build_object('department_id', pg_temp.acl_dept('acl-f1')), '2026-11-02 10:05+08') \g /dev/null
SELECT pg_temp.acl_step('{a2h,a2v}', 'dispatch',
                        pg_catalog.jsonb_build_object('department_id', pg_temp.acl_dept('acl-f2')), '2026-11-02 10:05+08') \g /dev/null
SELECT pg_temp.acl_step('{a1c,b1c}', 'dispatch',
                        pg_catalog.jsonb_build_object('department_id', pg_temp.acl_dept('acl-cm-a')), '2026-11-02 10:05+08') \g /dev/null
SELECT pg_temp.acl_step('{a1s,a2h,a2v}', 'sign', '{}', '2026-11-02 10:10+08') \g /dev/null
SELECT pg_temp.acl_step('{a2x}', 'return', '{}', '2026-11-02 10:10+08') \g /dev/null
-- The command center lets the return back (退单审核, 1.3.0) before re-dispatching.
SELECT pg_temp.acl_step('{a2x}', 'approve_return', '{}', '2026-11-02 10:10+08') \g /dev/null
SELECT pg_temp.acl_step('{a2x}', 'dispatch',
                        pg_catalog.jsonb_build_object('department_id', pg_temp.acl_dept('acl-f2')), '2026-11-02 10:15+08') \g /dev/null
SELECT pg_temp.acl_step('{a2h,a2v}', 'handle', '{}', '2026-11-02 10:15+08') \g /dev/null
SELECT pg_temp.acl_step('{a2v}', 'verify_pass', '{}', '2026-11-02 10:20+08') \g /dev/null
SELECT gridgov.whistle(pg_temp.acl_id('b1r'), ARRAY[pg_temp.acl_dept('acl-f2')], '权限测试 吹哨', '30 minutes',
                       '2026-11-02 10:30+08') \g /dev/null
SELECT pg_catalog.count(gridgov.sla_sweep_case('990301', a.id, pg_catalog.now())) FROM acl_case a \g /dev/null

-- Every personal value of the fixture (and the digits inside the description),
-- to look for in what a query or an error shows.
CREATE TEMP TABLE acl_pii AS
SELECT a.label, v.kind, v.value
FROM acl_case a
CROSS JOIN LATERAL (VALUES ('name', a.name), ('phone', a.phone), ('address', a.address), ('mobile', a.mobile),
                           ('idno', a.idno), ('description', a.description),
                           ('phone middle', pg_catalog.substr(a.phone, 3, 6)),
                           ('mobile middle', pg_catalog.substr(a.mobile, 3, 6)),
                           ('idno middle', pg_catalog.substr(a.idno, 4, 11))) v(kind, value);
-- The personal values a text contains, as 'label kind' items (empty: none).
CREATE FUNCTION pg_temp.acl_leaks(txt text) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(pg_catalog.array_agg(p.label || ' ' || p.kind ORDER BY p.label, p.kind), '{}')
    FROM acl_pii p WHERE pg_catalog.strpos($1, p.value) > 0
$$;
-- What the masks must make of a case's four columns (docs/security.md).
CREATE FUNCTION pg_temp.acl_masked(label text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ROW(pg_catalog.left(a.name, 1) || pg_catalog.repeat('*', pg_catalog.length(a.name) - 1),
               pg_catalog.left(a.phone, 3) || '****' || pg_catalog.right(a.phone, 4),
               pg_catalog.regexp_replace(a.address, '[0-9]', '*', 'g'),
               '我叫' || a.name || '，手机' || pg_catalog.left(a.mobile, 3) || '****' || pg_catalog.right(a.mobile, 4)
               || '，身份证' || pg_catalog.left(a.idno, 3) || pg_catalog.repeat('*', 11) || pg_catalog.right(a.idno, 4)
               || '，楼下垃圾堆放三天。')::text
    FROM acl_case a WHERE a.label = $1
$$;
CREATE FUNCTION pg_temp.acl_clear(label text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ROW(a.name, a.phone, a.address, a.description)::text FROM acl_case a WHERE a.label = $1
$$;

-- Run one statement as a login, then undo it (the block ends by raising, so
-- its subtransaction is rolled back, with the SET ROLE). kind 'value': the
-- first column of the first row as text; 'rows': the number of rows it
-- processed. state: 'ok' or the SQLSTATE; errtext: the error's message,
-- detail, hint and context; error: its message, detail and hint.
CREATE FUNCTION pg_temp.acl_try(login text, sql text, kind text,
                                OUT result text, OUT state text, OUT errtext text, OUT error text)
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    m text;
    d text;
    h text;
    c text;
BEGIN
    BEGIN
        PERFORM pg_catalog.set_config('role', pg_temp.acl_role(login), true);
        IF kind = 'rows' THEN
            EXECUTE sql;
            GET DIAGNOSTICS n = ROW_COUNT;
            result := n::text;
        ELSE
            EXECUTE sql INTO result;
        END IF;
        state := 'ok';
        RAISE EXCEPTION USING ERRCODE = 'AC999';
    EXCEPTION
        WHEN SQLSTATE 'AC999' THEN
            NULL;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                                    h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
            errtext := pg_catalog.concat_ws(E'\n', m, d, h, c);
            error := pg_catalog.format('%s | %s | %s', m, d, h);
    END;
END
$$;

-- reveal_contact() as a login, then undone. 'ok' when it returned the clear
-- values of the case and appended exactly one event, contact_revealed, by the
-- login with the reason as its note, the history still verifying; otherwise
-- what went wrong, or the SQLSTATE.
-- Whether the login may reveal a case's contact data: gridgov.contact_revealable(),
-- the check CALL gridgov.reveal_contact() makes before it records the look
-- (the CALL itself commits, so test/shell/reveal_contact.sh runs it in real
-- sessions): ok when allowed, 42501 when not, else the error's SQLSTATE.
CREATE FUNCTION pg_temp.acl_reveal(login text, label text, OUT state text, OUT errtext text)
LANGUAGE plpgsql AS $$
DECLARE
    cid bigint := pg_temp.acl_id(label);
    allowed boolean;
    m text;
    d text;
    h text;
    c text;
BEGIN
    BEGIN
        PERFORM pg_catalog.set_config('role', pg_temp.acl_role(login), true);
        EXECUTE pg_catalog.format('SELECT gridgov.contact_revealable(%s)', cid) INTO allowed;
        state := CASE WHEN allowed THEN 'ok' ELSE '42501' END;
        RAISE EXCEPTION USING ERRCODE = 'AC999';
    EXCEPTION
        WHEN SQLSTATE 'AC999' THEN
            NULL;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                                    h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
            errtext := pg_catalog.concat_ws(E'\n', m, d, h, c);
    END;
END
$$;
-- The SQLSTATE of CALL gridgov.reveal_contact(case, reason) as the login, in
-- this transaction (where a valid call can only end in 2D000: it must commit).
CREATE FUNCTION pg_temp.acl_reveal_call(login text, label text, reason text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    cid bigint := pg_temp.acl_id(label);
    st text;
BEGIN
    BEGIN
        PERFORM pg_catalog.set_config('role', pg_temp.acl_role(login), true);
        EXECUTE pg_catalog.format('CALL gridgov.reveal_contact(%s, %L)', cid, reason);
        st := 'ok';
        RAISE EXCEPTION USING ERRCODE = 'AC999';
    EXCEPTION
        WHEN SQLSTATE 'AC999' THEN
            NULL;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    END;
    RETURN st;
END
$$;

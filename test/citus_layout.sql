-- Scale-out on one server (issue 14; docs/scaling.md): what the Citus
-- suite (test/shell/citus.sh) cannot show on a cluster, or must hold on one
-- server too:
--   1. gridgov.citus_layout() places every table of gridgov exactly once,
--      per-case tables (those with a county) distributed, and puts the
--      referenced tables before the referring ones;
--   2. gridgov.distribute() and citus_id_ranges() refuse (55000) without
--      Citus, and are not PUBLIC's;
--   3. gridgov.case_county() is intake's county, for every kind of input
--      (grid, point in WGS-84 or GCJ-02, none: the home county; errors);
--   4. gridgov.case_inbox files rows without a county into gridgov.cases at
--      the end of the statement, as the inserting role (its privileges and
--      the cases' INSERT policy apply), and keeps nothing; another
--      transaction never sees a row of it;
--   5. act_in() is act() with the county; its NULLs are refused.
-- Everything happens in this file's transaction, rolled back at the end.
BEGIN;
SELECT plan(27);
SET LOCAL client_min_messages = warning;

-- 1. The layout ------------------------------------------------------------------------
SELECT set_eq($$SELECT table_name FROM gridgov.citus_layout()$$,
              $$SELECT c.relname::text FROM pg_catalog.pg_class c
                WHERE c.relnamespace = 'gridgov'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p')
                  AND NOT c.relispartition$$,
              'citus_layout() names every table of gridgov (a partition goes with its table)');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.citus_layout()),
          (SELECT pg_catalog.count(DISTINCT table_name) FROM gridgov.citus_layout()), 'each once');
SELECT is_empty($$
    SELECT l.table_name FROM gridgov.citus_layout() l
    WHERE l.kind = 'distributed' AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = pg_catalog.format('gridgov.%I', l.table_name)::pg_catalog.regclass
          AND a.attname = 'county' AND NOT a.attisdropped)
$$, 'every distributed table has the county');
SELECT is_empty($$
    SELECT l.table_name FROM gridgov.citus_layout() l
    WHERE l.kind = 'distributed' AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint k
        WHERE k.conrelid = pg_catalog.format('gridgov.%I', l.table_name)::pg_catalog.regclass
          AND k.contype IN ('p', 'u')
          AND NOT (SELECT a.attnum FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = k.conrelid AND a.attname = 'county') = ANY (k.conkey))
$$, 'and in each of its primary and unique keys (Citus requires it)');
SELECT is_empty($$
    SELECT k.conname FROM pg_catalog.pg_constraint k
    JOIN gridgov.citus_layout() a ON a.table_name = k.conrelid::pg_catalog.regclass::text
    JOIN gridgov.citus_layout() b ON pg_catalog.format('gridgov.%I', b.table_name) = k.confrelid::pg_catalog.regclass::text
    WHERE k.contype = 'f' AND k.connamespace = 'gridgov'::pg_catalog.regnamespace
      AND k.conrelid <> k.confrelid AND a.step < b.step
$$, 'a referenced table comes before the tables that refer to it');
SELECT is_empty($$
    SELECT k.conname FROM pg_catalog.pg_constraint k
    JOIN gridgov.citus_layout() a ON pg_catalog.format('gridgov.%I', a.table_name) = k.conrelid::pg_catalog.regclass::text
    JOIN gridgov.citus_layout() b ON pg_catalog.format('gridgov.%I', b.table_name) = k.confrelid::pg_catalog.regclass::text
    WHERE k.contype = 'f' AND k.connamespace = 'gridgov'::pg_catalog.regnamespace
      AND a.kind = 'reference' AND b.kind <> 'reference'
$$, 'no reference table refers to a distributed or local one');

-- 2. Without Citus ----------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM gridgov.distribute()$$, '55000', 'gridgov.distribute() needs the citus extension in this database',
                 'distribute() without Citus: 55000, what it needs');
SELECT throws_ok($$SELECT gridgov.citus_id_ranges()$$, '55000', NULL, 'citus_id_ranges() without Citus: 55000');
SELECT is(gridgov.citus_node_group(), NULL, 'no Citus group on one server');
SELECT ok(NOT pg_catalog.has_function_privilege('public', 'gridgov.distribute()', 'EXECUTE')
          AND NOT pg_catalog.has_function_privilege('public', 'gridgov.citus_id_ranges()', 'EXECUTE'),
          'neither is PUBLIC''s');

-- 3. case_county() is intake's county ---------------------------------------------------
CREATE TEMP TABLE gg_home AS SELECT value FROM gridgov.settings WHERE key = 'home_county';
UPDATE gridgov.settings SET value = '990109' WHERE key = 'home_county';
INSERT INTO gridgov.grids (code, name, geom) VALUES
    ('990110', '测试县', ST_Multi(ST_MakeEnvelope(100.0, 30.0, 100.2, 30.2, 4326)));
SELECT is(gridgov.case_county(NULL)::text, '990109', 'no point, no grid: the home county');
SELECT is(gridgov.case_county(ST_SetSRID(ST_Point(100.1, 30.1), 4326))::text, '990110', 'a point in a county: that county');
SELECT is(gridgov.case_county(ST_SetSRID(ST_Point(10.1, 10.1), 4326))::text, '990109', 'a point outside every grid: the home county');
SELECT is(gridgov.case_county(NULL, 'wgs84', '990111001001'::gridgov.gridcode)::text, '990111', 'a grid given: its county');
SELECT is(gridgov.case_county(gridgov.from_wgs84(ST_SetSRID(ST_Point(100.1, 30.1), 4326), 'gcj02'), 'gcj02')::text,
          '990110', 'a GCJ-02 point is converted first, as at intake');
SELECT throws_ok($$SELECT gridgov.case_county(ST_SetSRID(ST_Point(100.1, 30.1), 4326), 'mars')$$, '22023', NULL,
                 'an unknown coordinate system: 22023, as at intake');
SELECT throws_ok($$SELECT gridgov.case_county(NULL, 'wgs84', '11'::gridgov.gridcode)$$, '22023', NULL,
                 'a province as grid: 22023, as at intake');
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
SELECT throws_ok($$SELECT gridgov.case_county(NULL)$$, 'GG107', NULL, 'nowhere and no home county: GG107, as at intake');
UPDATE gridgov.settings SET value = '990109' WHERE key = 'home_county';

-- 4. The inbox -------------------------------------------------------------------------
CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_inbox_worker NOLOGIN;
GRANT gridgov_worker TO gg_inbox_worker;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('inbox-cc', '收件测试指挥中心', 'district', '990110', 'command_center'),
    ('inbox-cc9', '收件测试邻县指挥中心', 'district', '990109', 'command_center');
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '收件测试员', id, 'gg_inbox_worker' FROM gridgov.departments WHERE code = 'inbox-cc';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '990110', id, 'worker', '2026-01-01' FROM gridgov.staff WHERE db_role = 'gg_inbox_worker';
SET LOCAL ROLE gg_inbox_worker;
INSERT INTO gridgov.case_inbox (source, external_id, category, title, location, reported_at)
VALUES ('patrol', 'inbox-1', 'E0102', '收件一', ST_SetSRID(ST_Point(100.05, 30.05), 4326), '2026-01-05 09:00+08'),
       ('patrol', 'inbox-2', 'E0102', '收件二', ST_SetSRID(ST_Point(100.15, 30.15), 4326), '2026-01-05 09:10+08');
RESET ROLE;
SELECT results_eq($$SELECT external_id, county::text, events FROM gridgov.cases WHERE external_id LIKE 'inbox-%' ORDER BY 1$$,
                  $$VALUES ('inbox-1', '990110', 1), ('inbox-2', '990110', 1)$$,
                  'a worker files two cases without county through the inbox: placed and taken in');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_inbox), 0::bigint, 'and the inbox keeps nothing');
SET LOCAL ROLE gg_inbox_worker;
SELECT throws_ok($$INSERT INTO gridgov.case_inbox (source, external_id, category, title, location)
                   VALUES ('patrol', 'inbox-3', 'E0102', '别处', ST_SetSRID(ST_Point(10.1, 10.1), 4326))$$,
                 '42501', NULL, 'a case outside the worker''s scope is refused as by an INSERT into cases (its policy)');
RESET ROLE;
SELECT throws_ok($$INSERT INTO gridgov.case_inbox (county, grid, source, external_id, title, category)
                   VALUES ('990110', NULL, 'patrol', 'inbox-4', 'x', 'E0102'),
                          ('990110', '990111001', 'patrol', 'inbox-5', 'x', 'E0102')$$,
                 'GG105', NULL, 'a row whose county is not its grid''s fails the statement, as at intake');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.cases WHERE external_id IN ('inbox-4', 'inbox-5')), 0::bigint,
          'nothing of it filed');

-- The policies' check of this transaction's events tells nothing of a case the
-- caller may not read (no probing another's history with guessed payloads).
SELECT ok(gridgov.case_event_now('990110', (SELECT id FROM gridgov.cases WHERE external_id = 'inbox-1'), 'intake', '{}'),
          'case_event_now(): the owner sees the intake event this transaction appended');
SELECT id AS probe_id FROM gridgov.cases WHERE external_id = 'inbox-1' \gset
CREATE ROLE gg_inbox_nobody NOLOGIN;
GRANT gridgov_department TO gg_inbox_nobody;
SET LOCAL ROLE gg_inbox_nobody;
SELECT is(gridgov.case_event_now('990110', :probe_id, 'intake', '{}'),
          false, 'a department without a staff row learns nothing of it');
RESET ROLE;

-- 5. act_in() -------------------------------------------------------------------------
SELECT is((gridgov.act_in('990110', (SELECT id FROM gridgov.cases WHERE external_id = 'inbox-1'), 'file', 'by county')).state,
          'filed', 'act_in() acts on the case of that county');
SELECT throws_ok($$SELECT gridgov.act_in(NULL, 1, 'file')$$, '22004', NULL, 'act_in() without a county: 22004');

UPDATE gridgov.settings SET value = (SELECT value FROM gg_home) WHERE key = 'home_county';
SELECT * FROM finish();
ROLLBACK;

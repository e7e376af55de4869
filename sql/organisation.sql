-- Organisation: settings, departments, staff, grid staff, and every rule they
-- enforce, each violated once.  Real Daxing codes: district 110115, towns
-- 110115004 亦庄地区 and 110115005 黄村地区, community 110115004001 贵园北里.
-- PL/pgSQL context lines carry line numbers that change with the code: hide them.
\set SHOW_CONTEXT never
SET timezone = 'Asia/Shanghai';

-- Settings ---------------------------------------------------------------------

SELECT key, value, builtin, modified FROM gridgov.settings ORDER BY key;
SELECT gridgov.home_county() IS NULL AS unset;

-- Known keys are validated.
UPDATE gridgov.settings SET value = '1101150' WHERE key = 'home_county';
UPDATE gridgov.settings SET value = '110115004' WHERE key = 'home_county';
UPDATE gridgov.settings SET value = 'daxing' WHERE key = 'home_county';
INSERT INTO gridgov.settings (key, value) VALUES ('Bad Key', 'x');

-- An INSERT of a shipped, unchanged key replaces it (how pg_restore brings back
-- a changed shipped row): no new row, the shipped row now holds the value.
INSERT INTO gridgov.settings (key, value) VALUES ('home_county', '110115');
SELECT key, value, builtin, modified, description IS NOT NULL AS described
FROM gridgov.settings ORDER BY key;
SELECT gridgov.home_county(), gridgov.level(gridgov.home_county());
-- Once changed it is an ordinary row: a second INSERT is a duplicate.
INSERT INTO gridgov.settings (key, value) VALUES ('home_county', '110116');
-- The documented way to set it.
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';

-- Shipped keys cannot be deleted or renamed; user keys can; builtin and
-- modified are maintained by gridgov whatever is written into them.
DELETE FROM gridgov.settings WHERE key = 'home_county';
UPDATE gridgov.settings SET key = 'home_district' WHERE key = 'home_county';
INSERT INTO gridgov.settings (key, value, builtin, modified) VALUES ('local_note', 'x', true, true);
UPDATE gridgov.settings SET builtin = false, modified = false WHERE key IN ('home_county', 'local_note');
SELECT key, builtin, modified FROM gridgov.settings ORDER BY key;
DELETE FROM gridgov.settings WHERE key = 'local_note';

-- Departments --------------------------------------------------------------------

-- Start from empty tables and fresh ids, so that ids in error details are stable.
SELECT (SELECT pg_catalog.count(*) FROM gridgov.departments) AS departments,
       (SELECT pg_catalog.count(*) FROM gridgov.staff) AS staff,
       (SELECT pg_catalog.count(*) FROM gridgov.grid_staff) AS grid_staff;
ALTER TABLE gridgov.departments ALTER COLUMN id RESTART;
ALTER TABLE gridgov.staff ALTER COLUMN id RESTART;
ALTER TABLE gridgov.grid_staff ALTER COLUMN id RESTART;

INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('dx-gov', '大兴区人民政府', 'district', '110115', 'government');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT v.code, v.name, v.level, v.j::gridgov.gridcode, v.kind, p.id
FROM (VALUES
    ('dx-center', '大兴区网格化服务管理中心', 'district', '110115', 'command_center', 'dx-gov'),
    ('dx-cgzf', '区城管执法局', 'district', '110115', 'functional', 'dx-gov'),
    ('dx-water', '区自来水公司', 'district', '110115', 'utility', NULL),
    ('dx-jw', '区纪委监委', 'district', '110115', 'discipline', NULL)
) v(code, name, level, j, kind, parent)
LEFT JOIN gridgov.departments p ON p.code = v.parent;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT v.code, v.name, v.level, v.j::gridgov.gridcode, v.kind, p.id
FROM (VALUES
    ('yz-center', '亦庄地区网格化服务管理中心', 'town', '110115004', 'command_center', 'dx-center'),
    ('hc-center', '黄村地区网格化服务管理中心', 'town', '110115005', 'command_center', 'dx-center'),
    ('yz-cgzf', '亦庄地区城管执法队', 'town', '110115004', 'functional', 'dx-cgzf')
) v(code, name, level, j, kind, parent)
JOIN gridgov.departments p ON p.code = v.parent;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'gybl', '贵园北里社区居委会', 'community', '110115004001', 'community', id
FROM gridgov.departments WHERE code = 'yz-center';

SELECT d.code, d.level, d.jurisdiction, d.kind, p.code AS parent, d.active
FROM gridgov.departments d LEFT JOIN gridgov.departments p ON p.id = d.parent_id
ORDER BY d.jurisdiction, d.code;

-- The jurisdiction's level must match the department's level (GG120).
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad1', '镇级却管全区', 'town', '110115', 'government');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad2', '区级却管一镇', 'district', '110115004', 'government');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad3', '社区却管一镇', 'community', '110115004', 'community');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad4', '区级却管网格', 'district', '110115004001001', 'functional');
UPDATE gridgov.departments SET level = 'town' WHERE code = 'dx-cgzf';

-- A child's jurisdiction lies inside its parent's (GG122), on insert, on a
-- change of parent, and when the parent moves away from its children.
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'bad5', '黄村的队挂在亦庄', 'town', '110115005', 'functional', id
FROM gridgov.departments WHERE code = 'yz-center';
UPDATE gridgov.departments SET parent_id = (SELECT id FROM gridgov.departments WHERE code = 'hc-center')
WHERE code = 'gybl';
UPDATE gridgov.departments SET jurisdiction = '110115005' WHERE code = 'yz-center';

-- No cycles (GG127): itself, or a chain back to itself.
UPDATE gridgov.departments SET parent_id = id WHERE code = 'dx-gov';
UPDATE gridgov.departments SET parent_id = (SELECT id FROM gridgov.departments WHERE code = 'dx-cgzf')
WHERE code = 'dx-gov';

-- At most one active command center per jurisdiction (GG124).
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('yz-center2', '亦庄第二中心', 'town', '110115004', 'command_center');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, active)
VALUES ('yz-center2', '亦庄第二中心', 'town', '110115004', 'command_center', false);
UPDATE gridgov.departments SET active = true WHERE code = 'yz-center2';
-- The unique index holds it even without the trigger (concurrent writers).
ALTER TABLE gridgov.departments DISABLE TRIGGER departments_check;
UPDATE gridgov.departments SET active = true WHERE code = 'yz-center2';
ALTER TABLE gridgov.departments ENABLE TRIGGER departments_check;
-- Hand over: deactivate the old one, then activate the new one.
UPDATE gridgov.departments SET active = false WHERE code = 'yz-center';
UPDATE gridgov.departments SET active = true WHERE code = 'yz-center2';
SELECT code, active FROM gridgov.departments WHERE kind = 'command_center' ORDER BY code;
UPDATE gridgov.departments SET active = false WHERE code = 'yz-center2';
UPDATE gridgov.departments SET active = true WHERE code = 'yz-center';

-- Plain constraints: community kind only at community level, code format,
-- attrs an object, known level and kind, unique code.
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad6', '镇级居委会', 'town', '110115004', 'community');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad code', '空格', 'district', '110115', 'government');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, attrs)
VALUES ('bad7', '属性', 'district', '110115', 'government', '[1]');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad8', '市级', 'city', '1101', 'government');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bad9', '未知', 'district', '110115', 'police');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('dx-gov', '重复', 'district', '110115', 'government');

-- command_center(area, level): the active center of that level whose
-- jurisdiction contains the area.
SELECT a AS area, l AS level, d.code
FROM (VALUES ('110115004001001', 'town'), ('110115004001001', 'district'),
             ('110115004001001', 'community'), ('110115004', 'town'),
             ('110115005201', 'town'), ('110115006001', 'town'),
             ('110115006001', 'district'), ('110115', 'town'), ('110116001', 'district'),
             ('11', 'district')) v(a, l)
LEFT JOIN gridgov.departments d ON d.id = gridgov.command_center(v.a::gridgov.gridcode, v.l)
ORDER BY 1, 2;
SELECT gridgov.command_center(NULL, 'town') IS NULL AS null_area,
       gridgov.command_center('110115004', NULL) IS NULL AS null_level;
SELECT gridgov.command_center('110115004', 'county');
SELECT gridgov.command_center('110115004', '');
-- An inactive center does not count.
UPDATE gridgov.departments SET active = false WHERE code = 'hc-center';
SELECT gridgov.command_center('110115005201', 'town') IS NULL AS inactive_center;
UPDATE gridgov.departments SET active = true WHERE code = 'hc-center';

-- Staff ------------------------------------------------------------------------------

INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '张伟', id, 'regress_gridgov_nobody' FROM gridgov.departments WHERE code = 'dx-center';
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_gridgov_clerk;
RESET client_min_messages;
CREATE ROLE regress_gridgov_clerk;
INSERT INTO gridgov.staff (name, department_id, db_role, phone)
SELECT '张伟', id, 'regress_gridgov_clerk', '010-69240001' FROM gridgov.departments WHERE code = 'dx-center';
INSERT INTO gridgov.staff (name, department_id, phone)
SELECT v.name, d.id, v.phone
FROM (VALUES ('李娜', 'yz-center', '+86 138 0000 0002'), ('王强', 'yz-cgzf', NULL),
             ('刘洋', 'gybl', '13800000004'), ('陈静', 'gybl', NULL)) v(name, dept, phone)
JOIN gridgov.departments d ON d.code = v.dept;
SELECT s.name, d.code AS department, s.db_role, s.phone, s.active
FROM gridgov.staff s JOIN gridgov.departments d ON d.id = s.department_id ORDER BY s.id;

-- One active staff row per role; phone format; a role set later must exist.
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '张伟二', id, 'regress_gridgov_clerk' FROM gridgov.departments WHERE code = 'dx-center';
INSERT INTO gridgov.staff (name, department_id, phone)
SELECT '号码', id, 'call me' FROM gridgov.departments WHERE code = 'dx-center';
UPDATE gridgov.staff SET db_role = 'regress_gridgov_nobody' WHERE name = '李娜';

-- current_staff() maps current_user to its active row.
SELECT gridgov.current_staff() IS NULL AS superuser_is_no_staff;
GRANT USAGE ON SCHEMA gridgov TO regress_gridgov_clerk;
GRANT SELECT ON gridgov.staff TO regress_gridgov_clerk;
SET ROLE regress_gridgov_clerk;
SELECT (gridgov.current_staff()).name, (gridgov.current_staff()).db_role;
RESET ROLE;
UPDATE gridgov.staff SET active = false WHERE db_role = 'regress_gridgov_clerk';
SET ROLE regress_gridgov_clerk;
SELECT gridgov.current_staff() IS NULL AS inactive_staff_is_no_staff;
RESET ROLE;
REVOKE SELECT ON gridgov.staff FROM regress_gridgov_clerk;
REVOKE USAGE ON SCHEMA gridgov FROM regress_gridgov_clerk;

-- Grid staff ---------------------------------------------------------------------------

INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'leader', '2024-01-01 00:00+08' FROM gridgov.staff WHERE name = '陈静';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'worker', '2024-01-01 00:00+08' FROM gridgov.staff WHERE name = '刘洋';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'sunk_officer', '2024-03-01 00:00+08' FROM gridgov.staff WHERE name = '王强';
-- A second leader while the first is current (GG125).
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'leader', '2024-06-01 00:00+08' FROM gridgov.staff WHERE name = '刘洋';
-- End the first leader's term, then the second one can start.
UPDATE gridgov.grid_staff SET valid_to = '2024-06-01 00:00+08'
WHERE duty = 'leader' AND grid = '110115004001001';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'leader', '2024-06-01 00:00+08' FROM gridgov.staff WHERE name = '刘洋';
-- Moving the old term into the new one is refused as well.
UPDATE gridgov.grid_staff SET valid_to = '2024-07-01 00:00+08'
WHERE grid = '110115004001001' AND duty = 'leader' AND valid_from = '2024-01-01 00:00+08';
-- The same person twice in one duty on one grid (GG125), another grid is fine.
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'worker', '2025-01-01 00:00+08' FROM gridgov.staff WHERE name = '刘洋';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001002', id, 'worker', '2025-01-01 00:00+08' FROM gridgov.staff WHERE name = '刘洋';
-- Plain constraints: a period must not be empty, duty is one of three.
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from, valid_to)
SELECT '110115004001003', id, 'worker', '2025-01-01 00:00+08', '2025-01-01 00:00+08'
FROM gridgov.staff WHERE name = '刘洋';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001003', id, 'captain', '2025-01-01 00:00+08' FROM gridgov.staff WHERE name = '刘洋';

SELECT g.grid, s.name, g.duty, g.valid_from, g.valid_to
FROM gridgov.grid_staff g JOIN gridgov.staff s ON s.id = g.staff_id ORDER BY g.grid, g.duty, g.valid_from;

-- grid_leader(grid, as_of): who leads exactly this grid at a time.
SELECT t AS as_of, s.name
FROM (VALUES ('2023-12-31 23:59+08'::timestamptz), ('2024-01-01 00:00+08'), ('2024-05-31 23:59+08'),
             ('2024-06-01 00:00+08'), ('2030-01-01 00:00+08')) v(t)
LEFT JOIN gridgov.staff s ON s.id = gridgov.grid_leader('110115004001001', v.t)
ORDER BY 1;
SELECT gridgov.grid_leader('110115004001', '2024-06-01 00:00+08') IS NULL AS community_has_no_leader,
       gridgov.grid_leader(NULL, '2024-06-01 00:00+08') IS NULL AS null_grid;

-- Clean up: later suites start from empty organisation tables.
DELETE FROM gridgov.grid_staff;
DELETE FROM gridgov.staff;
UPDATE gridgov.departments SET parent_id = NULL;
DELETE FROM gridgov.departments;
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
DROP ROLE regress_gridgov_clerk;

-- Demo step 3: Daxing's organisation (district and 26 town command centers,
-- district departments, utilities, discipline bodies, a few staff), some
-- registered components and routing rules, then where three sample cases go.
-- Needs only step 010 (demo.divisions); no grids or cases.
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;

-- The district this database serves: unlocated cases belong to it.
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';

-- District level ------------------------------------------------------------------
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('dx-gov', '大兴区人民政府', 'district', '110115', 'government');

INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT v.code, v.name, 'district', '110115', v.kind,
       CASE WHEN v.kind IN ('command_center', 'functional')
            THEN (SELECT id FROM gridgov.departments WHERE code = 'dx-gov') END
FROM (VALUES
    ('dx-center', '大兴区网格化服务管理中心', 'command_center'),
    ('dx-cgzf',   '区城管执法局',         'functional'),
    ('dx-cgw',    '区城市管理委',         'functional'),
    ('dx-sthj',   '区生态环境局',         'functional'),
    ('dx-sw',     '区水务局',             'functional'),
    ('dx-jt',     '区交通委',             'functional'),
    ('dx-zjw',    '区住建委',             'functional'),
    ('dx-scjg',   '区市场监管局',         'functional'),
    ('dx-ylh',    '区园林绿化局',         'functional'),
    ('dx-yj',     '区应急管理局',         'functional'),
    ('dx-ga',     '公安大兴分局',         'functional'),
    ('dx-wjw',    '区卫生健康委',         'functional'),
    ('dx-jw',     '区教委',               'functional'),
    ('dx-rsj',    '区人力社保局',         'functional'),
    ('dx-sfj',    '区司法局',             'functional'),
    ('dx-mzj',    '区民政局',             'functional'),
    ('dx-water',  '区自来水公司',         'utility'),
    ('dx-power',  '区供电公司',           'utility'),
    ('dx-gas',    '区燃气公司',           'utility'),
    ('dx-heat',   '区热力公司',           'utility'),
    ('dx-jwjw',   '区纪委监委',           'discipline'),
    ('dx-jcy',    '区检察院',             'discipline')
) v(code, name, kind);

-- Town level: a command center for each of the 26 towns and streets, and the
-- street-order teams of 亦庄 and 黄村.
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'tc-' || pg_catalog.right(d.code::text, 3), d.name || '网格化服务管理中心', 'town', d.code,
       'command_center', (SELECT id FROM gridgov.departments WHERE code = 'dx-center')
FROM demo.divisions d WHERE gridgov.level(d.code) = 4 ORDER BY d.code;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT v.code, v.name, 'town', v.town::gridcode, 'functional',
       (SELECT id FROM gridgov.departments WHERE code = 'dx-cgzf')
FROM (VALUES ('yz-cgzf', '亦庄地区城管执法队', '110115004'),
             ('hc-cgzf', '黄村地区城管执法队', '110115005')) v(code, name, town);

-- Community level: two committees.
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'cm-' || d.code::text, d.name, 'community', d.code, 'community',
       (SELECT id FROM gridgov.departments WHERE jurisdiction = gridgov.parent(d.code) AND kind = 'command_center')
FROM demo.divisions d WHERE d.code IN ('110115004001', '110115005201');

-- Staff and their grids.
INSERT INTO gridgov.staff (name, department_id, phone)
SELECT v.name, d.id, v.phone
FROM (VALUES ('张伟', 'dx-center', '010-00000001'), ('李娜', 'tc-004', NULL), ('王强', 'yz-cgzf', NULL),
             ('陈静', 'cm-110115004001', NULL), ('刘洋', 'cm-110115004001', NULL), ('赵敏', 'tc-005', NULL))
     v(name, dept, phone)
JOIN gridgov.departments d ON d.code = v.dept;
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', s.id, v.duty, '2024-01-01 00:00+08'
FROM (VALUES ('陈静', 'leader'), ('刘洋', 'worker'), ('王强', 'sunk_officer')) v(name, duty)
JOIN gridgov.staff s ON s.name = v.name;
-- 刘洋 walks the community's other three grids too.
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT v.grid::gridcode, s.id, 'worker', '2024-01-01 00:00+08'
FROM (VALUES ('110115004001002'), ('110115004001003'), ('110115004001004')) v(grid)
JOIN gridgov.staff s ON s.name = '刘洋';

-- Components with their owners (owner first: 先属主).
INSERT INTO gridgov.components (objcode, grid, location, owner_id, maintainer_id, state)
SELECT v.objcode, v.grid::gridcode, ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326),
       (SELECT id FROM gridgov.departments WHERE code = v.owner),
       (SELECT id FROM gridgov.departments WHERE code = v.maintainer), v.state
FROM (VALUES
    ('1101150101000001', '110115004001001', 116.4980, 39.7925, 'dx-water', NULL,       'missing'),
    ('1101150104000001', '110115004001001', 116.4984, 39.7921, 'dx-sw',    'dx-sw',    'normal'),
    ('1101150111000001', '110115004001001', 116.4990, 39.7930, 'dx-gas',   NULL,       'normal'),
    ('1101150115000001', '110115005201001', 116.3260, 39.7390, 'dx-cgw',   NULL,       'damaged'),
    ('1101150113000001', '110115005201001', 116.3265, 39.7392, NULL,       NULL,       'damaged')
) v(objcode, grid, lon, lat, owner, maintainer, state);

-- Routing rules (40 of them, plus the categories' 193 rows shipped with gridgov):
-- the most specific wins; what no rule claims goes to the town's center.
INSERT INTO gridgov.routing_rules (category_prefix, area, department_id, note)
SELECT v.prefix, v.area::gridcode, d.id, v.note
FROM (SELECT r.*, pg_catalog.row_number() OVER () AS n FROM (VALUES
    ('E05',   NULL,        'dx-cgzf',  '街面秩序: district enforcement bureau'),
    ('E05',   '110115004', 'yz-cgzf',  '街面秩序 in 亦庄: the town team'),
    ('E05',   '110115005', 'hc-cgzf',  '街面秩序 in 黄村: the town team'),
    ('E0505', NULL,        'dx-ga',    '机动车乱停放: traffic police'),
    ('E02',   NULL,        'dx-cgzf',  '宣传广告'),
    ('E03',   NULL,        'dx-zjw',   '施工管理'),
    ('E0305', NULL,        'dx-cgzf',  '无证掘路'),
    ('E04',   NULL,        'dx-yj',    '突发事件: emergency management'),
    ('E0402', NULL,        'dx-water', '自来水管破裂'),
    ('E0403', NULL,        'dx-gas',   '燃气管道破裂'),
    ('E0404', NULL,        'dx-sw',    '下水道堵塞或破损'),
    ('E0405', NULL,        'dx-heat',  '热力管道破裂'),
    ('E0406', NULL,        'dx-sw',    '道路积水'),
    ('E0408', NULL,        'dx-power', '架空线缆损坏'),
    ('E0105', NULL,        'dx-sw',    '水域不洁'),
    ('E0106', NULL,        'dx-ylh',   '绿地脏乱'),
    ('C01',   NULL,        'dx-cgw',   '公用设施 without a registered owner'),
    ('C0102', NULL,        'dx-sw',    '污水井盖'),
    ('C0103', NULL,        'dx-sw',    '雨水井盖'),
    ('C0104', NULL,        'dx-sw',    '雨水箅子'),
    ('C0105', NULL,        'dx-power', '电力井盖'),
    ('C0110', NULL,        'dx-heat',  '热力井盖'),
    ('C0111', NULL,        'dx-gas',   '燃气井盖'),
    ('C02',   NULL,        'dx-jt',    '道路交通'),
    ('C03',   NULL,        'dx-cgw',   '市容环境'),
    ('C04',   NULL,        'dx-ylh',   '园林绿化'),
    ('C05',   NULL,        'dx-zjw',   '房屋土地'),
    ('C0601', NULL,        'dx-yj',    '重大危险源'),
    ('H03',   NULL,        'dx-sthj',  '环境保护'),
    ('H07',   NULL,        'dx-heat',  '供暖'),
    ('H0801', NULL,        'dx-water', '停水'),
    ('H0802', NULL,        'dx-power', '停电'),
    ('H0803', NULL,        'dx-gas',   '燃气'),
    ('H09',   NULL,        'dx-sthj',  '噪声扰民'),
    ('H10',   NULL,        'dx-rsj',   '劳动社保'),
    ('H11',   NULL,        'dx-scjg',  '市场监管'),
    ('H12',   NULL,        'dx-jw',    '教育'),
    ('H13',   NULL,        'dx-wjw',   '卫生健康'),
    ('H14',   NULL,        'dx-ga',    '公共安全'),
    ('D03',   NULL,        'dx-rsj',   '劳资纠纷')
) r(prefix, area, dept, note)) v
JOIN gridgov.departments d ON d.code = v.dept
ORDER BY v.n;
\set QUIET off

\echo
\echo '== 3. Organisation and routing: Daxing (home county 110115)'
SELECT kind, pg_catalog.count(*) AS departments, (pg_catalog.array_agg(name ORDER BY id))[1] AS e_g
FROM gridgov.departments GROUP BY kind ORDER BY departments DESC, kind;

\echo
\echo '== A street vendor (E0501 无照经营游商) in grid 110115004001001 of 贵园北里, 亦庄: the most specific rule'
SELECT rank, step, department, reason FROM gridgov.explain_route('E0501', '110115004001001') WHERE rank <= 3;

\echo
\echo '== A missing water manhole cover (C0101) reported with its identifier: owner first (先属主)'
SELECT rank, step, department, reason
FROM gridgov.explain_route('C0101', '110115004001001', '1101150101000001') WHERE rank <= 3;

\echo
\echo '== An unlocated 12345 call about neighbours'' noise (H0902), and one nobody has a rule for (H0601)'
SELECT v.c AS category, e.step, e.department, e.reason
FROM (VALUES ('H0902'), ('H0601')) v(c), gridgov.explain_route(v.c, NULL) e WHERE e.chosen;

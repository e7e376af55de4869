-- Categories as data, the component registry, routing rules, route() and
-- explain_route(): precedence of every rule kind against the others, ties,
-- fallbacks, NULL / unknown / malformed input, and every error text.
-- Real Daxing codes: district 110115, towns 110115004 亦庄地区 and 110115005
-- 黄村地区, communities 110115004001 贵园北里 and 110115005201 前高米店村.
\set SHOW_CONTEXT never

-- Categories -----------------------------------------------------------------------

-- The shipped set: majors and minors per kind, every row shipped and unchanged.
SELECT kind, pg_catalog.count(*) FILTER (WHERE parent IS NULL) AS majors,
       pg_catalog.count(*) FILTER (WHERE parent IS NOT NULL) AS minors,
       pg_catalog.string_agg(DISTINCT workflow, ',') AS workflows,
       pg_catalog.bool_and(builtin AND NOT modified AND active) AS shipped
FROM gridgov.categories GROUP BY kind ORDER BY kind;
SELECT code, name, kind, parent, default_urgency, workflow FROM gridgov.categories
WHERE code IN ('C01', 'C0101', 'C0104', 'C06', 'E0102', 'E04', 'E0401', 'E0403', 'E0501', 'E99',
               'H09', 'H0901', 'D03')
ORDER BY code;
SELECT default_urgency, pg_catalog.string_agg(code, ' ' ORDER BY code)
FROM gridgov.categories WHERE default_urgency <> 'normal' GROUP BY 1 ORDER BY 1;

-- A city adds categories: kind, parent and workflow follow from the code.
INSERT INTO gridgov.categories (code, name) VALUES ('E07', '河湖水域'), ('E0701', '河道漂浮物'),
    ('H16', '民政'), ('H1601', '养老服务'), ('D10', '征地拆迁纠纷'), ('C07', '智能设施'), ('C0701', '充电桩');
-- A city's own workflow (categories name an existing workflow).
INSERT INTO gridgov.workflows (name, title) VALUES ('river_patrol', '河长制巡河');
INSERT INTO gridgov.workflow_states (workflow, state, title, initial) VALUES ('river_patrol', 'reported', '上报', true);
INSERT INTO gridgov.categories (code, name, default_urgency, workflow) VALUES ('E0702', '河湖溢流', 'urgent', 'river_patrol');
SELECT code, name, kind, parent, default_urgency, workflow, builtin, modified
FROM gridgov.categories WHERE NOT builtin ORDER BY code;

-- Code format, parent must exist, urgency and workflow format.
INSERT INTO gridgov.categories (code, name) VALUES ('X01', '未知种类');
INSERT INTO gridgov.categories (code, name) VALUES ('E1', '一位');
INSERT INTO gridgov.categories (code, name) VALUES ('E011', '三位');
INSERT INTO gridgov.categories (code, name) VALUES ('C010101', '部件三级');
INSERT INTO gridgov.categories (code, name) VALUES ('E01020304', '四级');
INSERT INTO gridgov.categories (code, name) VALUES ('e01', '小写');
INSERT INTO gridgov.categories (code, name) VALUES ('E0801', '无大类');
INSERT INTO gridgov.categories (code, name, default_urgency) VALUES ('E08', '紧急', 'critical');
INSERT INTO gridgov.categories (code, name, workflow) VALUES ('E08', '流程', 'Grid Event');
INSERT INTO gridgov.categories (code, name, kind) VALUES ('E08', '种类', 'event');
INSERT INTO gridgov.categories (code, name) VALUES ('E08', '');
INSERT INTO gridgov.categories (code, name) VALUES ('E07', '重复');

-- Shipped rows: changing one marks it modified (so pg_dump keeps it); they
-- cannot be deleted or recoded; deactivating is the way out.
UPDATE gridgov.categories SET name = '垃圾暴露' WHERE code = 'E0102';
UPDATE gridgov.categories SET active = false WHERE code = 'C0124';
UPDATE gridgov.categories SET default_urgency = 'normal' WHERE code = 'E0105';   -- no change
DELETE FROM gridgov.categories WHERE code = 'E0103';
UPDATE gridgov.categories SET code = 'E0113' WHERE code = 'E0103';
-- An INSERT of a shipped, unchanged code replaces it (the restore path).
INSERT INTO gridgov.categories (code, name, default_urgency) VALUES ('E0104', '道路不洁（含油污）', 'urgent');
INSERT INTO gridgov.categories (code, name) VALUES ('E0104', '再来一次');
-- builtin and modified are gridgov's to set.
INSERT INTO gridgov.categories (code, name, builtin, modified) VALUES ('E0703', '围垦河道', true, false);
UPDATE gridgov.categories SET builtin = false WHERE code = 'E0101';
SELECT code, name, default_urgency, active, builtin, modified FROM gridgov.categories
WHERE code IN ('E0101', 'E0102', 'E0104', 'E0105', 'C0124', 'E0703') ORDER BY code;
-- Rows a user added are deleted normally; a major with minors is not.
DELETE FROM gridgov.categories WHERE code = 'E0703';
DELETE FROM gridgov.categories WHERE code = 'E07';

-- Component identifiers -------------------------------------------------------------

SELECT gridgov.objcode_class('3205080101000001'), gridgov.objcode_class('1101150601000123'),
       gridgov.objcode_class(NULL) IS NULL AS null_in_null_out;
SELECT gridgov.objcode_class('320508010100001');
SELECT gridgov.objcode_class('32050801010000011');
SELECT gridgov.objcode_class('');
SELECT gridgov.objcode_class('32050801O1000001');
SELECT gridgov.objcode_class(' 3205080101000001');
SELECT gridgov.objcode_class('３２０５０８０１０１０００００１');
SELECT gridgov.objcode_class(pg_catalog.repeat('1', 100));

-- The organisation the routing tests use ------------------------------------------------

SELECT (SELECT pg_catalog.count(*) FROM gridgov.departments) AS departments,
       (SELECT pg_catalog.count(*) FROM gridgov.routing_rules) AS rules,
       (SELECT pg_catalog.count(*) FROM gridgov.components) AS components;
ALTER TABLE gridgov.departments ALTER COLUMN id RESTART;
ALTER TABLE gridgov.routing_rules ALTER COLUMN id RESTART;
ALTER TABLE gridgov.components ALTER COLUMN id RESTART;
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';

INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('dx-center', '大兴区网格化服务管理中心', 'district', '110115', 'command_center'),
    ('yz-center', '亦庄地区网格化服务管理中心', 'town', '110115004', 'command_center'),
    ('hc-center', '黄村地区网格化服务管理中心', 'town', '110115005', 'command_center'),
    ('dx-cgzf', '区城管执法局', 'district', '110115', 'functional'),
    ('yz-cgzf', '亦庄地区城管执法队', 'town', '110115004', 'functional'),
    ('hc-cgzf', '黄村地区城管执法队', 'town', '110115005', 'functional'),
    ('gybl', '贵园北里社区居委会', 'community', '110115004001', 'community'),
    ('dx-jt', '区交通委', 'district', '110115', 'functional'),
    ('dx-yj', '区应急管理局', 'district', '110115', 'functional'),
    ('dx-sw', '区水务局', 'district', '110115', 'functional'),
    ('dx-cgw', '区城市管理委', 'district', '110115', 'functional'),
    ('dx-water', '区自来水公司', 'district', '110115', 'utility'),
    ('dx-gas', '区燃气公司', 'district', '110115', 'utility'),
    ('dx-hsj', '区环境卫生服务中心', 'district', '110115', 'functional'),
    ('dx-closed', '已撤销的区属单位', 'district', '110115', 'functional'),
    ('hr-center', '怀柔区网格化服务管理中心', 'district', '110116', 'command_center');

-- department id → code, to print results without ids
CREATE FUNCTION pg_temp.dept(bigint) RETURNS text LANGUAGE sql STABLE
    AS 'SELECT code FROM gridgov.departments WHERE id = $1';
CREATE FUNCTION pg_temp.did(text) RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT id FROM gridgov.departments WHERE code = $1';

-- Routing rules ----------------------------------------------------------------------

INSERT INTO gridgov.routing_rules (category_prefix, area, department_id, priority, note) VALUES
    ('E05',   NULL,           pg_temp.did('dx-cgzf'),  0, '街面秩序: the district bureau anywhere'),
    ('E05',   '110115004',    pg_temp.did('yz-cgzf'),  0, '亦庄: the town team'),
    ('E05',   '110115004001', pg_temp.did('gybl'),     0, '贵园北里: the committee itself'),
    ('E0505', NULL,           pg_temp.did('dx-jt'),    0, '机动车乱停放: traffic, anywhere'),
    ('E04',   NULL,           pg_temp.did('dx-yj'),    0, '突发事件: emergency management'),
    ('E0402', NULL,           pg_temp.did('dx-water'), 0, '自来水管破裂: the water company'),
    ('E0404', '110115005',    pg_temp.did('dx-sw'),    0, '黄村 sewers: water authority'),
    ('E0404', '110115005',    pg_temp.did('hc-cgzf'),  0, 'same key, later id: loses the tie'),
    ('E0102', '110115005',    pg_temp.did('hc-cgzf'),  0, 'tie on key, broken by priority...'),
    ('E0102', '110115005',    pg_temp.did('dx-hsj'),   5, '...the higher priority wins'),
    ('C01',   NULL,           pg_temp.did('dx-cgw'),   0, '公用设施 without a known owner'),
    ('E0105', NULL,           pg_temp.did('dx-closed'), 9, 'a rule to a department that closed'),
    ('E0105', NULL,           pg_temp.did('dx-sw'),    0, 'the live one'),
    ('E0106', NULL,           pg_temp.did('dx-cgw'),   0, 'switched off');
UPDATE gridgov.departments SET active = false WHERE code = 'dx-closed';
UPDATE gridgov.routing_rules SET active = false WHERE category_prefix = 'E0106';
-- NULL prefix means every category.
INSERT INTO gridgov.routing_rules (category_prefix, area, department_id, note)
VALUES (NULL, '110115005201', pg_temp.did('hc-cgzf'), 'anything in 前高米店村');
SELECT id, category_prefix, area, pg_temp.dept(department_id) AS department, priority, active
FROM gridgov.routing_rules ORDER BY id;

-- Prefix format, area inside the department's jurisdiction, existing department.
INSERT INTO gridgov.routing_rules (category_prefix, department_id) VALUES ('E0', pg_temp.did('dx-cgzf'));
INSERT INTO gridgov.routing_rules (category_prefix, department_id) VALUES ('X01', pg_temp.did('dx-cgzf'));
INSERT INTO gridgov.routing_rules (category_prefix, department_id) VALUES ('e05', pg_temp.did('dx-cgzf'));
INSERT INTO gridgov.routing_rules (category_prefix, area, department_id)
VALUES ('E05', '110115005', pg_temp.did('yz-cgzf'));
INSERT INTO gridgov.routing_rules (category_prefix, area, department_id)
VALUES ('E05', '110116', pg_temp.did('dx-cgzf'));
UPDATE gridgov.routing_rules SET area = '110115' WHERE note = '贵园北里: the committee itself';
INSERT INTO gridgov.routing_rules (category_prefix, department_id) VALUES ('E05', 999999);

-- Components ---------------------------------------------------------------------------

INSERT INTO gridgov.components (objcode, grid, owner_id, maintainer_id, state) VALUES
    ('1101150101000001', '110115004001001', pg_temp.did('dx-water'), pg_temp.did('dx-sw'), 'normal'),
    ('1101150101000002', '110115004001001', NULL,                    pg_temp.did('dx-sw'), 'missing'),
    ('1101150101000003', NULL,              pg_temp.did('dx-closed'), pg_temp.did('dx-sw'), 'damaged'),
    ('1101150101000004', NULL,              pg_temp.did('dx-closed'), NULL,                'damaged'),
    ('1101150111000001', '110115005201001', pg_temp.did('dx-gas'),   NULL,                'normal'),
    ('1101150101000005', NULL,              NULL,                    NULL,                'occupied');
SELECT objcode, category, grid, pg_temp.dept(owner_id) AS owner, pg_temp.dept(maintainer_id) AS maintainer, state
FROM gridgov.components ORDER BY objcode;
-- Malformed identifier, unknown class, grid outside the identifier's county,
-- state, attrs, duplicate.
INSERT INTO gridgov.components (objcode) VALUES ('110115010100001');
INSERT INTO gridgov.components (objcode) VALUES ('11011501010000x1');
INSERT INTO gridgov.components (objcode) VALUES ('1101159901000001');
INSERT INTO gridgov.components (objcode) VALUES ('1101150100000001');
INSERT INTO gridgov.components (objcode, grid) VALUES ('1101150101000009', '110116001001001');
UPDATE gridgov.components SET grid = '110105001' WHERE objcode = '1101150101000001';
INSERT INTO gridgov.components (objcode, state) VALUES ('1101150101000009', 'stolen');
INSERT INTO gridgov.components (objcode, attrs) VALUES ('1101150101000009', '"x"');
INSERT INTO gridgov.components (objcode) VALUES ('1101150101000001');
INSERT INTO gridgov.components (objcode, category) VALUES ('1101150101000009', 'C0102');
-- A category in use by a component cannot go.
INSERT INTO gridgov.components (objcode) VALUES ('1101150701000001');
DELETE FROM gridgov.categories WHERE code = 'C0701';
DELETE FROM gridgov.components WHERE objcode = '1101150701000001';
DELETE FROM gridgov.categories WHERE code = 'C0701';

-- route(): precedence ----------------------------------------------------------------------

CREATE FUNCTION pg_temp.r(cat text, grid text, obj text DEFAULT NULL) RETURNS text LANGUAGE sql STABLE
    AS 'SELECT pg_temp.dept(gridgov.route(cat, grid::gridgov.gridcode, obj))';

-- Deepest area wins among rules of the same prefix: community over town over anywhere.
SELECT g AS grid, pg_temp.r('E0501', g) AS e0501
FROM (VALUES ('110115004001001'), ('110115004001'), ('110115004002007'), ('110115004'),
             ('110115005001001'), ('110115006001001'), ('110115'), (NULL)) v(g);
-- The longest prefix beats the deepest area: E0505 anywhere beats E05 in 贵园北里.
SELECT pg_temp.r('E0505', '110115004001001') AS e0505_gybl, pg_temp.r('E05', '110115004001001') AS e05_gybl,
       pg_temp.r('E0509', '110115004001001') AS e0509_gybl;
-- A prefix is a whole code: rule E04 covers E0401..E0409, E0402 has its own.
SELECT c AS category, pg_temp.r(c, '110115004001001') FROM (VALUES ('E04'), ('E0401'), ('E0402'), ('E0403')) v(c);
-- Ties: same prefix and area, different priority → priority; same priority → lower id.
SELECT pg_temp.r('E0102', '110115005001001') AS priority_5_wins,
       pg_temp.r('E0404', '110115005001001') AS lower_id_wins,
       pg_temp.r('E0404', '110115004001001') AS other_town_no_rule;
-- Inactive rules and rules to inactive departments are skipped.
SELECT pg_temp.r('E0105', '110115004001001') AS past_closed_department,
       pg_temp.r('E0106', '110115004001001') AS past_inactive_rule;
-- A NULL-prefix rule matches every category in its area, but only as the
-- least specific prefix.
SELECT pg_temp.r('H0901', '110115005201001') AS any_category, pg_temp.r('E0501', '110115005201001') AS e05_beats_it,
       pg_temp.r('H0901', '110115005001001') AS other_community;

-- Components: owner first (先属主), then maintainer, then rules.
SELECT o AS objcode, pg_temp.r('C0101', '110115004001001', o) AS c0101
FROM (VALUES ('1101150101000001'),   -- owner 区自来水公司
             ('1101150101000002'),   -- no owner: maintainer 区水务局
             ('1101150101000003'),   -- owner closed: maintainer
             ('1101150101000004'),   -- owner closed, no maintainer: rule C01
             ('1101150101000005'),   -- neither: rule C01
             ('1101150101000099'),   -- not registered: rule C01
             (NULL)) v(o);
-- The owner wins over any rule, even an exact one in the component's community.
INSERT INTO gridgov.routing_rules (category_prefix, area, department_id, note)
VALUES ('C0101', '110115004001', pg_temp.did('gybl'), 'exact prefix, deepest area');
SELECT pg_temp.r('C0101', '110115004001001', '1101150101000001') AS owner_still_wins,
       pg_temp.r('C0101', '110115004001001', '1101150101000099') AS rule_for_unregistered;
DELETE FROM gridgov.routing_rules WHERE category_prefix = 'C0101';
-- A major class with one of its components: allowed, owner first.
SELECT pg_temp.r('C01', NULL, '1101150101000001') AS major_class_case;
-- Routing by the owner ignores the case's grid (the gas company answers for it).
SELECT pg_temp.r('C0111', '110115004001001', '1101150111000001') AS gas_owner;
-- An event with an objcode routes by territory: the objcode is not used.
SELECT pg_temp.r('E0404', '110115004001001', '1101150101000001') AS event_with_objcode;

-- Fallbacks (属地兜底): town center, the grid's district center, the home center.
SELECT g AS grid, pg_temp.r('H0101', g) AS h0101
FROM (VALUES ('110115004001001'), ('11011500400101'), ('110115005201'), ('110115005'),
             ('110115006001001'), ('110115'), ('110116001001001'), ('110117001001001'),
             ('11'), ('1101'), (NULL)) v(g)
ORDER BY g NULLS LAST;
-- Without a town center the district center takes it; without that, the home one.
UPDATE gridgov.departments SET active = false WHERE code = 'yz-center';
SELECT pg_temp.r('H0101', '110115004001001') AS no_town_center;
UPDATE gridgov.departments SET active = true WHERE code = 'yz-center';
UPDATE gridgov.departments SET active = false WHERE code = 'hr-center';
SELECT pg_temp.r('H0101', '110116001001001') AS no_center_in_huairou;
UPDATE gridgov.departments SET active = true WHERE code = 'hr-center';
-- A rule for "anywhere" also takes unlocated cases.
SELECT pg_temp.r('E0402', NULL) AS unlocated_with_rule, pg_temp.r('E0102', NULL) AS unlocated_no_rule;

-- route(): bad input ------------------------------------------------------------------------

SELECT gridgov.route(NULL, '110115004001001');
SELECT gridgov.route('E0777', '110115004001001');
SELECT gridgov.route('', NULL);
SELECT gridgov.route('e0102', NULL);
SELECT gridgov.route(pg_catalog.repeat('E', 60), NULL);
SELECT gridgov.route(pg_catalog.repeat('E0', 500000), '110115004001001');
SELECT gridgov.route('C0101', NULL, pg_catalog.repeat('1', 1000000));
SELECT * FROM gridgov.explain_route(pg_catalog.repeat('E0', 500000), NULL);
SELECT gridgov.route('C0101', NULL, '1101150101');
SELECT gridgov.route('C0101', NULL, '110115O101000001');
SELECT gridgov.route('C0102', NULL, '1101150101000001');
SELECT gridgov.route('C02', NULL, '1101150101000001');
SELECT gridgov.route('E0102', NULL, 'not an objcode');
-- The order of checks: NULL category, unknown category, objcode format, class.
SELECT gridgov.route(NULL, NULL, 'x');
SELECT gridgov.route('E0777', NULL, 'x');
SELECT gridgov.route('C0777', NULL, '1101150101000001');
-- Unknown grids are just codes: they route like any other.
SELECT pg_temp.r('E0501', '999999999999999') AS unknown_county;
-- An inactive category still routes (old cases are re-routed on re-division).
SELECT pg_temp.r('C0124', '110115004001001') AS inactive_category;

-- Nothing to route to (GG126): no home county, then a home county without center.
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
SELECT pg_temp.r('H0101', '110117001001001') AS other_county_still_needs_a_center;
SELECT gridgov.route('H0101', NULL);
SELECT gridgov.route('H0101', '110117001001001');
UPDATE gridgov.settings SET value = '110117' WHERE key = 'home_county';
SELECT gridgov.route('H0101', NULL);
SELECT pg_temp.r('H0101', '110115004001001') AS located_cases_unaffected;
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';

-- explain_route() ---------------------------------------------------------------------------

SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('E0501', '110115004001001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('E0505', '110115004001001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('E0404', '110115005001001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('E0102', '110115005001001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('E0105', '110116001001001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('C0101', '110115004001001', '1101150101000001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('C0101', NULL, '1101150101000004');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('C0101', NULL, '1101150101000099');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('E0102', NULL, '1101150101000001');
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('H0101', NULL);
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('H0101', '110117001001001');
-- Nothing configured: explain_route() does not raise, it says so.
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
SELECT rank, step, department, reason, chosen
FROM gridgov.explain_route('H0101', '110117001001001');
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';
-- Same input errors as route().
SELECT * FROM gridgov.explain_route(NULL, NULL);
SELECT * FROM gridgov.explain_route('E0777', NULL);
SELECT * FROM gridgov.explain_route('C0102', NULL, '1101150101000001');

-- explain_route()'s winner is route()'s answer for every category in use and a
-- spread of grids and objcodes.
SELECT pg_catalog.count(*) AS cases,
       pg_catalog.count(*) FILTER (WHERE e.department_id IS DISTINCT FROM gridgov.route(c.code, g.g, o.o)) AS disagreements,
       pg_catalog.count(DISTINCT e.department_id) AS departments_reached
FROM gridgov.categories c
CROSS JOIN (VALUES (NULL::gridgov.gridcode), ('110115004001001'), ('110115004001'), ('110115004002007'),
                   ('110115005001001'), ('110115005201001'), ('110115006001001'), ('110115'),
                   ('110116001001001'), ('110117001001001')) g(g)
CROSS JOIN (VALUES (NULL::text), ('1101150101000001'), ('1101150101000002'), ('1101150101000003'),
                   ('1101150101000004'), ('1101150101000099'), ('1101150111000001')) o(o)
LEFT JOIN LATERAL (SELECT x.department_id FROM gridgov.explain_route(c.code, g.g, o.o) x WHERE x.chosen) e ON true
WHERE (c.code LIKE 'C01%' OR o.o IS NULL)
  AND (o.o IS NULL OR gridgov.objcode_class(o.o) LIKE c.code || '%' OR c.kind <> 'component');

-- Markings the intake path relies on.
SELECT p.oid::pg_catalog.regprocedure AS function, p.provolatile, p.proparallel, p.proisstrict, p.proconfig
FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
  AND p.proname IN ('route', 'explain_route', 'route_check', 'command_center', 'current_staff',
                    'home_county', 'grid_leader', 'objcode_class')
ORDER BY 1::text;

-- Clean up: later suites start from empty tables.
DELETE FROM gridgov.components;
DELETE FROM gridgov.routing_rules;
DELETE FROM gridgov.departments;
DELETE FROM gridgov.categories WHERE NOT builtin AND parent IS NOT NULL;
DELETE FROM gridgov.categories WHERE NOT builtin;
DELETE FROM gridgov.workflows WHERE name = 'river_patrol';
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
UPDATE gridgov.categories SET name = '暴露垃圾' WHERE code = 'E0102';
UPDATE gridgov.categories SET name = '道路不洁', default_urgency = 'normal' WHERE code = 'E0104';
UPDATE gridgov.categories SET active = true WHERE code = 'C0124';

-- Demo step 4: a morning of cases on the demo city.  38 cases arrive between
-- 08:00 and 12:00 of the latest working day from all channels (12345 hotline,
-- grid-worker patrols, video AI alerts, the public app in GCJ-02, city
-- dispatches, department inspections, leaders' instructions); the city
-- platform sends one ticket three times; the hotline and the app record the
-- caller's name, phone and address.  The intake trigger locates, routes
-- and numbers them; then they move through their workflows with explicit
-- times until 17:30: hotline callers contacted first (先行联系), a wrong
-- dispatch returned and, the return approved, re-dispatched, a return
-- rejected, a supervision answered, an extension granted in part and a
-- suspension refused, a difficult case to a joint meeting, a duplicate
-- flagged at intake and merged, a false video alarm rejected, a dispute
-- mediated.  Needs steps 020 (demo city) and 030 (organisation).
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;
SET timezone = 'Asia/Shanghai';
\pset footer off

-- The day: the latest working day before today on the cn calendar.
SELECT pg_catalog.max(d)::date AS day
FROM pg_catalog.generate_series(CURRENT_DATE - 20, CURRENT_DATE - 1, interval '1 day') d
WHERE gridgov.is_working_day('cn', d::date) \gset

-- People who act on the featured case log in as their own roles; the history
-- records the role and the staff member mapped to it.
SELECT pg_catalog.count(*) FROM gridgov.setup_roles() \g /dev/null
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('demo_zhangwei', 'gridgov_dispatcher'), ('demo_sunli', 'gridgov_department'),
                                   ('demo_chenjing', 'gridgov_department'), ('demo_liuyang', 'gridgov_worker')) v(role, grp) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r.role) THEN
            -- NOLOGIN: the demo acts as them by SET ROLE.  On a Citus cluster
            -- they may log in (the coordinator reaches the workers as the
            -- current role; docs/scaling.md).
            EXECUTE pg_catalog.format('CREATE ROLE %I %s IN ROLE %I', r.role,
                CASE WHEN pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN 'NOLOGIN' ELSE 'LOGIN' END,
                r.grp);
        END IF;
    END LOOP;
END
$$;
INSERT INTO gridgov.staff (name, department_id)
SELECT '孙丽', id FROM gridgov.departments WHERE code = 'dx-ga';
UPDATE gridgov.staff s SET db_role = v.role
FROM (VALUES ('张伟', 'demo_zhangwei'), ('孙丽', 'demo_sunli'), ('陈静', 'demo_chenjing'), ('刘洋', 'demo_liuyang')) v(name, role)
WHERE s.name = v.name;

-- The morning's reports.  Each names the community it comes from; its point is
-- inside that community's first unit grid.  Patrols and cameras send WGS-84,
-- the app GCJ-02 (as Amap does), the hotline desk geocodes addresses.
CREATE TEMP TABLE morning (
    ext text PRIMARY KEY, t time, source gridgov.case_source, category text, title text,
    place text, community text, sys text, reporter text, objcode text, urgency gridgov.urgency);
INSERT INTO morning VALUES
    ('12345-001', '08:03', 'hotline', 'H0902', '楼上住户凌晨装修，噪声扰民', '清和园社区', '110115006003', 'wgs84', '王女士', NULL, NULL),
    ('12345-002', '08:09', 'hotline', 'H0801', '小区自早上6点起停水，事先无通知', '瀛海家园二里', '110115008011', 'wgs84', '李先生', NULL, NULL),
    ('12345-003', '08:14', 'hotline', 'H0601', '楼道灯坏了一个月，物业不修', '兴华东里', '110115001011', 'wgs84', '赵先生', NULL, NULL),
    ('12345-004', '08:22', 'hotline', 'H0404', '小区周边道路夜间停车难', '天华园三里', '110115012003', 'wgs84', '周女士', NULL, NULL),
    ('12345-005', '08:35', 'hotline', 'H1101', '早点铺疑似使用过期原料', '茉莉社区', '110115011012', 'wgs84', '吴先生', NULL, NULL),
    ('12345-006', '08:41', 'hotline', 'H0701', '暖气不热，室温只有14度', '新源时代社区', '110115010011', 'wgs84', '郑女士', NULL, NULL),
    ('12345-007', '08:58', 'hotline', 'H1501', '咨询居住证办理流程', NULL, NULL, NULL, '冯先生', NULL, NULL),
    ('12345-008', '09:16', 'hotline', 'H0203', '商户占用人行道摆放货架', '兴华东里', '110115001011', 'wgs84', '陈女士', NULL, NULL),
    ('12345-009', '09:33', 'hotline', 'H1001', '装修公司拖欠农民工工资两个月', NULL, NULL, NULL, '褚先生', NULL, NULL),
    ('12345-010', '10:05', 'hotline', 'H0301', '村边空地夜间焚烧垃圾', '东迴城村', '110115103204', 'wgs84', '卫先生', NULL, NULL),
    ('12345-011', '10:48', 'hotline', 'H0802', '整栋楼停电，电梯困人已解救', '满庭春社区', '110115104003', 'wgs84', '蒋女士', NULL, NULL),
    ('12345-012', '11:30', 'hotline', 'H1402', '楼道堆放杂物堵塞消防通道', '榆垡新城嘉园南里', '110115107002', 'wgs84', '沈先生', NULL, NULL),
    ('XC-001', '08:26', 'patrol', 'E0201', '电线杆上张贴小广告', '贵园北里', '110115004001', 'wgs84', NULL, NULL, NULL),
    ('XC-002', '08:31', 'patrol', 'E0404', '雨污井堵塞，污水外溢', '贵园北里', '110115004001', 'wgs84', NULL, NULL, NULL),
    ('XC-003', '08:50', 'patrol', 'E0501', '早市路口游商占道经营', '三羊里社区', '110115004016', 'wgs84', NULL, NULL, NULL),
    ('XC-004', '09:12', 'patrol', 'E0109', '楼前空地堆放建材', '兴华东里', '110115001011', 'wgs84', NULL, NULL, NULL),
    ('XC-005', '09:40', 'patrol', 'D0101', '邻里因广场舞噪声发生争执', '瀛海家园二里', '110115008011', 'wgs84', NULL, NULL, NULL),
    ('XC-006', '10:12', 'patrol', 'E0506', '共享单车堆积堵塞盲道', '兴华东里', '110115001011', 'wgs84', NULL, NULL, NULL),
    ('XC-007', '10:55', 'patrol', 'E0106', '街心绿地内垃圾未清理', '新源时代社区', '110115010011', 'wgs84', NULL, NULL, NULL),
    ('XC-008', '11:40', 'patrol', 'C0115', '路灯杆倾斜，有倒伏危险', '清和园社区', '110115006003', 'wgs84', NULL, NULL, NULL),
    ('SP-001', '08:07', 'video', 'E0504', '视频AI识别：商户店外经营', '天华园三里', '110115012003', 'wgs84', NULL, NULL, NULL),
    ('SP-002', '08:44', 'video', 'E0505', '视频AI识别：机动车占用消防通道', '茉莉社区', '110115011012', 'wgs84', NULL, NULL, NULL),
    ('SP-003', '09:27', 'video', 'E0112', '视频AI识别：疑似露天焚烧', '后安定村', '110115105201', 'wgs84', NULL, NULL, NULL),
    ('SP-004', '10:20', 'video', 'E0103', '视频AI识别：垃圾桶满溢', '清和园社区', '110115006003', 'wgs84', NULL, NULL, NULL),
    ('SSP-001', '08:47', 'app', 'E0505', '小区内车辆长期占用消防通道', '贵园北里', '110115004001', 'gcj02', '刘女士', NULL, NULL),
    ('SSP-003', '09:22', 'app', 'E0102', '路边垃圾无人清运', '茉莉社区', '110115011012', 'gcj02', '匿名', NULL, NULL),
    ('SSP-004', '09:58', 'app', 'C0101', '上水井盖丢失，有安全隐患', '贵园北里', '110115004001', 'gcj02', '孔先生', '1101150101000001', NULL),
    ('SSP-005', '10:36', 'app', 'E0406', '路口积水严重，行人绕行', '新立村', '110115109202', 'gcj02', '曹女士', NULL, NULL),
    ('SSP-006', '11:12', 'app', 'E0302', '工地裸土未苫盖，扬尘严重', '善海北里', '110115110004', 'gcj02', '严先生', NULL, NULL),
    ('SZ-2026-0417', '08:15', 'city', 'E0103', '市级派单：道路两侧积存渣土', '榆垡新城嘉园南里', '110115107002', 'wgs84', NULL, NULL, NULL),
    ('SZ-2026-0452', '09:50', 'city', 'E0305', '市级派单：未经审批开挖人行道', '兴华东里', '110115001011', 'wgs84', NULL, NULL, NULL),
    ('SZ-2026-0468', '10:40', 'city', 'E0105', '市级派单：凉水河界河段漂浮物', NULL, NULL, 'outside', NULL, NULL, NULL),
    ('BM-001', '09:08', 'department', 'E0504', '市场监管巡查：餐馆店外加工', '茉莉社区', '110115011012', 'wgs84', NULL, NULL, NULL),
    ('BM-002', '10:26', 'department', 'C0207', '交通巡查：路口信号灯故障', '天华园三里', '110115012003', 'wgs84', NULL, NULL, NULL),
    ('BM-003', '11:05', 'department', 'E0302', '生态环境检查：工地扬尘', '满庭春社区', '110115104003', 'wgs84', NULL, NULL, NULL),
    ('LD-001', '09:45', 'leader', 'E0101', '区领导批示：核查小区楼顶违建', '瀛海家园二里', '110115008011', 'wgs84', NULL, NULL, 'urgent'),
    ('LD-002', '11:50', 'leader', 'C0203', '区领导调研发现：公交站亭破损', '御佳园北里', '110115108002', 'wgs84', NULL, NULL, NULL);

-- Where: a point inside a unit grid of the community (the reports of one
-- community spread over its grids), or just north of the district (丰台).
CREATE TEMP TABLE loc AS
SELECT m.ext, CASE WHEN m.sys = 'outside' THEN ST_SetSRID(ST_MakePoint(116.2880, 39.8330), 4326)
                   ELSE (SELECT ST_PointOnSurface(g.geom) FROM gridgov.grids g
                         WHERE g.code <@ m.community::gridcode AND gridgov.level(g.code) = 6 AND g.valid_to = 'infinity'
                         ORDER BY g.code LIMIT 1
                         OFFSET m.k % (SELECT pg_catalog.count(*) FROM gridgov.grids g
                                       WHERE g.code <@ m.community::gridcode AND gridgov.level(g.code) = 6
                                         AND g.valid_to = 'infinity')) END AS wgs
FROM (SELECT ext, community, sys, pg_catalog.row_number() OVER (PARTITION BY community ORDER BY ext) - 1 AS k
      FROM morning WHERE sys IS NOT NULL) m;

SELECT pg_catalog.set_config('demo.day', :'day', false) \g /dev/null
CREATE FUNCTION pg_temp.at(t time) RETURNS timestamptz LANGUAGE sql AS
$$ SELECT (pg_catalog.current_setting('demo.day')::date + t)::timestamp AT TIME ZONE 'Asia/Shanghai' $$;
-- (PL/pgSQL: a Citus coordinator plans no SQL function reading its tables with parameters.)
CREATE FUNCTION pg_temp.k(ext text) RETURNS bigint LANGUAGE plpgsql AS
$$ BEGIN RETURN (SELECT c.id FROM gridgov.cases c WHERE c.external_id = ext); END $$;

-- The callers' phone numbers and building (made up, one per ticket; no phone
-- for the anonymous).
CREATE FUNCTION pg_temp.phone(ext text, reporter text) RETURNS text LANGUAGE sql AS
$$ SELECT CASE WHEN reporter <> '匿名' THEN '1' || (3 + pg_catalog.abs(pg_catalog.hashtext(ext)) % 7)::text
               || pg_catalog.lpad((pg_catalog.abs(pg_catalog.hashtext(ext || '#')) % 1000000000)::text, 9, '0') END $$;
CREATE FUNCTION pg_temp.address(ext text, place text, reporter text) RETURNS text LANGUAGE sql AS
$$ SELECT place || CASE WHEN reporter IS NOT NULL
                        THEN (1 + pg_catalog.abs(pg_catalog.hashtext(ext || '@')) % 30)::text || '号楼'
                             || (1 + pg_catalog.abs(pg_catalog.hashtext(ext || '&')) % 6)::text || '单元' ELSE '' END $$;

-- 08:00-12:00: intake.  One INSERT for the morning's reports (the ticket
-- numbers of the hotline and the app carry the day).  The INSERTs name the
-- county intake would give each case (case_county()): so they run as
-- they are on a Citus coordinator too, where the county routes the row
-- (docs/scaling.md); on one server intake checks it.
-- Patrols and cameras say when the problem was found (occurred_at): a camera
-- alerts within minutes, a grid worker reports 5 to 45 minutes after coming
-- upon it (Yizhuang: 30 minutes to discover and report).
INSERT INTO gridgov.cases (county, source, external_id, category, title, address, reporter_name, reporter_phone,
                           location, coord_system, objcode, urgency, reported_at, occurred_at)
SELECT case_county(x.location, x.coord_system, NULL, x.reported_at), x.*
FROM (SELECT m.source, m.ext, m.category, m.title, pg_temp.address(m.ext, m.place, m.reporter), m.reporter,
             pg_temp.phone(m.ext, m.reporter),
             CASE m.sys WHEN 'gcj02' THEN gridgov.from_wgs84(s.wgs, 'gcj02') ELSE s.wgs END AS location,
             CASE m.sys WHEN 'gcj02' THEN 'gcj02' ELSE 'wgs84' END AS coord_system, m.objcode, m.urgency,
             pg_temp.at(m.t) AS reported_at,
             pg_temp.at(m.t) - CASE m.source WHEN 'video' THEN interval '2 minutes'
                                             WHEN 'patrol' THEN (5 + pg_catalog.abs(pg_catalog.hashtext(m.ext)) % 41) * interval '1 minute'
                                        END AS occurred_at
      FROM morning m LEFT JOIN loc s ON s.ext = m.ext
      ORDER BY m.t) x;
-- 09:05 a resident sends the overflowing drain of XC-002 from the app, 20 m
-- away: flagged as its likely duplicate.
INSERT INTO gridgov.cases (county, source, external_id, category, title, address, reporter_name, reporter_phone,
                           location, coord_system, reported_at)
SELECT case_county(x.location, 'gcj02'), 'app', 'SSP-002', 'E0404', '小区门口污水外溢，味道很大',
       pg_temp.address('SSP-002', '贵园北里', '何女士'), '何女士', pg_temp.phone('SSP-002', '何女士'),
       x.location, 'gcj02', pg_temp.at('09:05')
FROM (SELECT ST_Translate(gridgov.from_wgs84(s.wgs, 'gcj02'), 0.00015, 0.0001) AS location
      FROM loc s WHERE s.ext = 'XC-002') x;
-- 08:45 and 10:30: the city platform re-sends ticket SZ-2026-0417; nothing happens.
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at)
VALUES (case_county(NULL), 'city', 'SZ-2026-0417', 'E0103', '市级派单：道路两侧积存渣土（重发）', pg_temp.at('08:45')),
       (case_county(NULL), 'city', 'SZ-2026-0417', 'E0103', '市级派单：道路两侧积存渣土（再次重发）', pg_temp.at('10:30'))
ON CONFLICT (county, source, external_id) DO NOTHING;

-- The featured case, SSP-001: a car blocking a compound's fire lane, routed by
-- rule E0505 to the traffic police, who return it (inside a compound is not
-- theirs); the district center re-dispatches it to the community committee.
SET ROLE demo_zhangwei;
SELECT gridgov.act(pg_temp.k('SSP-001'), 'file', '小区内部道路，立案', '{}', pg_temp.at('08:52')) \g /dev/null
SELECT gridgov.dispatch(pg_temp.k('SSP-001'), NULL, '按规则派交警', pg_temp.at('08:55')) \g /dev/null
SET ROLE demo_sunli;
SELECT gridgov.return_case(pg_temp.k('SSP-001'), '车辆停在小区内部道路，不属道路交通管理范围，请转社区和物业', pg_temp.at('09:31')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.review_return(pg_temp.k('SSP-001'), true, '退单理由成立，同意退回', pg_temp.at('09:36')) \g /dev/null
SELECT gridgov.dispatch(pg_temp.k('SSP-001'), (SELECT id FROM gridgov.departments WHERE code = 'cm-110115004001'),
                        '改派贵园北里社区', pg_temp.at('09:41')) \g /dev/null
-- The drain reported twice: the app report is merged into the patrol's.
SELECT gridgov.merge(pg_temp.k('SSP-002'), pg_temp.k('XC-002'), '同一井口，合并处理', pg_temp.at('09:12')) \g /dev/null
SET ROLE demo_chenjing;
SELECT gridgov.sign_case(pg_temp.k('SSP-001'), '社区签收', pg_temp.at('09:50')) \g /dev/null
SELECT gridgov.handle(pg_temp.k('SSP-001'), '联系车主挪车，协调物业施划禁停标线', pg_temp.at('11:20')) \g /dev/null
SET ROLE demo_liuyang;
SELECT gridgov.verify(pg_temp.k('SSP-001'), true, '现场核查：消防通道已畅通', pg_temp.at('11:45')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.callback(pg_temp.k('SSP-001'), true, 'satisfied', '回访刘女士：已解决，满意', pg_temp.at('14:10')) \g /dev/null
SELECT gridgov.close(pg_temp.k('SSP-001'), '结案', pg_temp.at('14:15')) \g /dev/null
RESET ROLE;

-- The steps Beijing's 12345 and the grid centers measure (docs/cases.md).
-- 12345-002, a building without water: signed and the caller contacted within
-- minutes (先行联系); a dozen calls from the estate, so the district center
-- supervises it (督办) and the water company answers within the hour.
SELECT gridgov.dispatch(pg_temp.k('12345-002'), (SELECT id FROM gridgov.departments WHERE code = 'dx-water'),
                        '派区自来水公司', pg_temp.at('08:15')) \g /dev/null
SELECT gridgov.sign_case(pg_temp.k('12345-002'), '签收', pg_temp.at('08:22')) \g /dev/null
SELECT gridgov.first_contact(pg_temp.k('12345-002'), '已电话联系李先生，告知抢修进度', pg_temp.at('08:40')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.supervise(pg_temp.k('12345-002'), '同一小区来电12次，区中心督办', pg_temp.at('10:30')) \g /dev/null
RESET ROLE;
SELECT gridgov.answer_supervision(pg_temp.k('12345-002'), '管线抢修中，12:00前恢复供水', pg_temp.at('11:10')) \g /dev/null
SELECT gridgov.handle(pg_temp.k('12345-002'), '已恢复供水', pg_temp.at('12:05')) \g /dev/null
SELECT gridgov.act(pg_temp.k('12345-002'), 'reply', '已向来电人反馈', '{}', pg_temp.at('12:20')) \g /dev/null
-- 12345-006, a cold flat: the heating company returns it (the estate has its
-- own boiler room); the center finds the estate on the city network and
-- rejects the return (退单审核): the company signs after all.
SELECT gridgov.dispatch(pg_temp.k('12345-006'), (SELECT id FROM gridgov.departments WHERE code = 'dx-heat'),
                        '派区热力公司', pg_temp.at('08:50')) \g /dev/null
SELECT gridgov.return_case(pg_temp.k('12345-006'), '该小区为自管锅炉房，不属我公司供热范围', pg_temp.at('09:20')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.review_return(pg_temp.k('12345-006'), false, '经核实该小区已并入市政热网，退单不予通过', pg_temp.at('09:45')) \g /dev/null
RESET ROLE;
SELECT gridgov.sign_case(pg_temp.k('12345-006'), '签收', pg_temp.at('09:55')) \g /dev/null
SELECT gridgov.first_contact(pg_temp.k('12345-006'), '已联系郑女士，约定下午入户', pg_temp.at('13:30')) \g /dev/null
-- 12345-009, unpaid wages: the labour bureau applies to suspend the ticket
-- while arbitration runs (申请挂账); the center refuses — it stays on the clock.
SELECT gridgov.dispatch(pg_temp.k('12345-009'), (SELECT id FROM gridgov.departments WHERE code = 'dx-rsj'),
                        '派区人力社保局', pg_temp.at('09:40')) \g /dev/null
SELECT gridgov.sign_case(pg_temp.k('12345-009'), '签收', pg_temp.at('10:05')) \g /dev/null
SELECT gridgov.first_contact(pg_temp.k('12345-009'), '已联系褚先生，了解欠薪情况', pg_temp.at('10:40')) \g /dev/null
SELECT gridgov.request_suspension(pg_temp.k('12345-009'), '已进入劳动仲裁程序，申请挂账', pg_temp.at('14:00')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.decide_request(pg_temp.k('12345-009'), 'suspension', false,
                              '仲裁期间仍须督促用人单位先行支付，不予挂账', NULL, pg_temp.at('15:10')) \g /dev/null
RESET ROLE;
-- SZ-2026-0452, a pavement dug up without a permit: the enforcement bureau
-- asks for 2 more working days to have it restored (申请延期); the center grants 1.
SELECT gridgov.act(pg_temp.k('SZ-2026-0452'), 'file', '立案', '{}', pg_temp.at('09:55')) \g /dev/null
SELECT gridgov.dispatch(pg_temp.k('SZ-2026-0452'), (SELECT id FROM gridgov.departments WHERE code = 'dx-cgzf'),
                        '派区城管执法局', pg_temp.at('10:00')) \g /dev/null
SELECT gridgov.sign_case(pg_temp.k('SZ-2026-0452'), '签收', pg_temp.at('10:20')) \g /dev/null
SELECT gridgov.request_extension(pg_temp.k('SZ-2026-0452'), 'handle', 2, '需责令施工单位恢复路面，协调时间较长',
                                 'working_days', pg_temp.at('11:30')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.decide_request(pg_temp.k('SZ-2026-0452'), 'extension', true, '同意延期1个工作日', 1,
                              pg_temp.at('12:10')) \g /dev/null
RESET ROLE;
-- LD-001, a rooftop structure a district leader asked about: nobody's alone
-- (疑难案件).  The center convenes enforcement, housing and the town center
-- (会商); the meeting gives the lead to the enforcement bureau.
SELECT gridgov.act(pg_temp.k('LD-001'), 'file', '领导批示，立案', '{}', pg_temp.at('09:50')) \g /dev/null
SELECT gridgov.dispatch(pg_temp.k('LD-001'), NULL, '按规则派遣', pg_temp.at('09:55')) \g /dev/null
SET ROLE demo_zhangwei;
SELECT gridgov.refer_meeting(pg_temp.k('LD-001'),
                             ARRAY(SELECT id FROM gridgov.departments WHERE code IN ('dx-cgzf', 'dx-zjw', 'tc-008') ORDER BY id),
                             '涉及规划、住建、执法，提请会商', pg_temp.at('10:10')) \g /dev/null
SELECT gridgov.decide_meeting(pg_temp.k('LD-001'), (SELECT id FROM gridgov.departments WHERE code = 'dx-cgzf'),
                              '认定为违法建设，城管执法局牵头拆除，住建委配合安全鉴定，瀛海镇做好住户工作',
                              '会商决定', pg_temp.at('14:00')) \g /dev/null
RESET ROLE;
SELECT gridgov.sign_case(pg_temp.k('LD-001'), '牵头单位签收', pg_temp.at('14:20')) \g /dev/null

-- Everything else follows its workflow's usual path, one step every 30-120
-- minutes after reporting, as far as 17:30 allows.
CREATE TEMP TABLE path (kind text, seq int, action text, payload jsonb);
INSERT INTO path VALUES
    ('event', 1, 'file', '{}'), ('event', 2, 'dispatch', '{}'), ('event', 3, 'sign', '{}'),
    ('event', 4, 'handle', '{}'), ('event', 5, 'verify_pass', '{}'), ('event', 6, 'close', '{}'),
    ('event_cb', 1, 'file', '{}'), ('event_cb', 2, 'dispatch', '{}'), ('event_cb', 3, 'sign', '{}'),
    ('event_cb', 4, 'handle', '{}'), ('event_cb', 5, 'verify_pass', '{}'),
    ('event_cb', 6, 'callback', '{"solved": true, "satisfaction": "satisfied"}'), ('event_cb', 7, 'close', '{}'),
    ('self', 1, 'self_handle', '{}'), ('self', 2, 'verify_pass', '{}'), ('self', 3, 'close', '{}'),
    ('false_alarm', 1, 'reject', '{}'),
    ('hotline', 1, 'dispatch', '{}'), ('hotline', 2, 'sign', '{}'), ('hotline', 3, 'contact', '{}'),
    ('hotline', 4, 'handle', '{}'), ('hotline', 5, 'reply', '{}'),
    ('hotline', 6, 'callback', '{"solved": true, "satisfaction": "basically_satisfied"}'), ('hotline', 7, 'close', '{}'),
    ('answer', 1, 'answer', '{}'),
    ('dispute', 1, 'mediate', '{}'), ('dispute', 2, 'agree', '{}'),
    ('dispute', 3, 'follow_up', '{"solved": true, "satisfaction": "satisfied"}'), ('dispute', 4, 'close', '{}');
DO $$
DECLARE
    s record;
    t0 timestamptz := pg_temp.at('00:00');  -- a value: pg_temp's functions exist here only (Citus)
BEGIN
    FOR s IN
        SELECT c.id, p.action, p.payload, c.reported_at + p.seq * (30 + (c.id * 17) % 90) * interval '1 minute' AS at
        FROM gridgov.cases c
        CROSS JOIN LATERAL (SELECT CASE WHEN c.external_id = 'XC-001' THEN 'self'
                                        WHEN c.external_id = 'SP-003' THEN 'false_alarm'
                                        WHEN c.external_id = '12345-007' THEN 'answer'
                                        WHEN c.workflow = 'hotline' THEN 'hotline'
                                        WHEN c.workflow = 'dispute' THEN 'dispute'
                                        WHEN c.source IN ('app', 'city') THEN 'event_cb' ELSE 'event' END AS kind) w
        JOIN path p ON p.kind = w.kind
        WHERE c.reported_at >= t0
          AND c.external_id NOT IN ('SSP-001', 'SSP-002', '12345-002', '12345-006', '12345-009', 'SZ-2026-0452', 'LD-001')
        ORDER BY at, c.id, p.seq
    LOOP
        EXIT WHEN s.at > pg_temp.at('17:30');
        PERFORM gridgov.act(s.id, s.action, NULL, s.payload, s.at);
    END LOOP;
END
$$;
SELECT pg_temp.at('00:00') AS t0, pg_temp.k('SSP-001') AS ssp1 \gset
\set QUIET off

\echo
\echo '== 4. A morning of cases on' :day '(08:00-12:00, then worked until 17:30): by channel and state'
SELECT source, pg_catalog.sum(n) AS cases, pg_catalog.string_agg(pg_catalog.format('%s %s', n, state), ', ' ORDER BY n DESC, state) AS states
FROM (SELECT source, state, pg_catalog.count(*) AS n FROM gridgov.cases
      WHERE reported_at >= :'t0' GROUP BY source, state) s
GROUP BY source ORDER BY cases DESC, source;
SELECT pg_catalog.format('%s (%s)', pg_catalog.count(*), pg_catalog.min(case_no)) AS copies
FROM gridgov.cases WHERE external_id = 'SZ-2026-0417' \gset
\echo 'The city sent ticket SZ-2026-0417 at 08:15, 08:45 and 10:30; cases with that number:' :copies
\echo
\echo '== Where intake routed them (rules, component owners, town centers; unlocated: by rule or the district center)'
SELECT d.name AS department, pg_catalog.count(*) AS cases,
       pg_catalog.string_agg(DISTINCT pg_catalog.left(c.category, 3), ' ') AS categories,
       pg_catalog.count(*) FILTER (WHERE c.grid IS NULL) AS unlocated
FROM gridgov.cases c
JOIN gridgov.case_events e ON e.county = c.county AND e.case_id = c.id AND e.seq = 1
JOIN gridgov.departments d ON d.id = (e.payload ->> 'department_id')::bigint
WHERE c.reported_at >= :'t0'
GROUP BY d.name ORDER BY cases DESC, department LIMIT 6;
\echo '== The history of SSP-001 (app, GCJ-02): returned by the traffic police, the return approved, re-dispatched to the community'
SELECT e.seq, pg_catalog.to_char(e.at, 'HH24:MI') AS at, e.action, e.to_state,
       COALESCE(s.name, e.actor_role) AS by, pg_catalog.left(COALESCE(e.note, ''), 14) AS note,
       pg_catalog.encode(pg_catalog.substr(e.hash, 1, 4), 'hex') AS hash
FROM gridgov.case_events e LEFT JOIN gridgov.staff s ON s.id = e.actor_staff_id
WHERE e.case_id = :ssp1 ORDER BY e.seq;
\echo '== 12345 practice: first contact (先行联系), supervision (督办), reviewed return (退单审核), requests (延期/挂账), joint meeting (会商)'
SELECT c.external_id AS ticket, pg_catalog.to_char(e.at, 'HH24:MI') AS at, e.action, e.to_state,
       pg_catalog.left(COALESCE(e.note, ''), 22) AS note
FROM gridgov.case_events e JOIN gridgov.cases c ON c.county = e.county AND c.id = e.case_id
WHERE c.external_id IN ('12345-002', '12345-006', '12345-009', 'SZ-2026-0452', 'LD-001')
  AND e.action IN ('contact', 'supervise', 'answer_supervision', 'return', 'approve_return', 'reject_return',
                   'request_extension', 'approve_extension', 'refuse_extension', 'request_suspension',
                   'approve_suspension', 'refuse_suspension', 'refer_meeting', 'decide')
ORDER BY c.external_id, e.seq;
\echo '== Their clocks: contact met at once, supervision answered, the extension moved the handling deadline by 1 working day'
SELECT c.external_id AS ticket, k.stage, k.seq, pg_catalog.to_char(k.due_at, 'MM-DD HH24:MI') AS due,
       pg_catalog.to_char(k.met_at, 'HH24:MI') AS met, k.cancelled_at IS NOT NULL AS cancelled, k.extended
FROM gridgov.case_clocks k JOIN gridgov.cases c ON c.county = k.county AND c.id = k.case_id
WHERE c.external_id IN ('12345-002', 'SZ-2026-0452', 'LD-001')
  AND k.stage IN ('contact', 'supervise', 'review', 'handle', 'sign')
ORDER BY c.external_id, k.stage, k.seq;
\echo '== The joint meeting on LD-001'
SELECT pg_catalog.array_to_string(ARRAY(SELECT d.name FROM gridgov.departments d WHERE d.id = ANY (m.departments) ORDER BY d.id), '、') AS convened,
       (SELECT d.name FROM gridgov.departments d WHERE d.id = m.lead_department_id) AS lead,
       pg_catalog.left(m.decision, 24) AS decision
FROM gridgov.case_meetings m JOIN gridgov.cases c ON c.county = m.county AND c.id = m.case_id
WHERE c.external_id = 'LD-001';
\echo '== The duplicate: flagged at intake, merged at 09:12, closed with its master'
SELECT c.external_id, c.case_no, d.external_id AS duplicate_of, c.state,
       pg_catalog.to_char(c.closed_at, 'HH24:MI') AS closed, pg_catalog.to_char(d.closed_at, 'HH24:MI') AS master_closed
FROM gridgov.cases c JOIN gridgov.cases d ON d.county = c.county AND d.id = c.possible_duplicate_of
WHERE c.external_id = 'SSP-002';
SELECT pg_catalog.count(*) AS problems, (SELECT pg_catalog.count(*) FROM gridgov.case_events) AS events,
       (SELECT pg_catalog.count(*) FROM gridgov.cases) AS cases
FROM gridgov.verify_histories() \gset
\echo '== verify_histories(): the' :events 'events of all' :cases 'cases re-hashed and chained; problems found:' :problems
\pset footer on

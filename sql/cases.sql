-- Case intake: INSERT and COPY through the C trigger — coordinates, grid,
-- county, routing, numbering, initial state, duplicates, idempotent re-send,
-- outside-grid intake, and every kind of bad value.
-- The whole suite runs in one transaction that is rolled back (cases cannot be
-- deleted); psql's ON_ERROR_ROLLBACK keeps it alive across the expected errors.
SET timezone = 'Asia/Shanghai';
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
BEGIN;

-- Fixture: Daxing's real codes on a simplified geometry, departments, rules.
\i sql/fixtures/cases.sql

-- 1. A plain INSERT with a WGS-84 point: grid, county, routing (town center
--    fallback), number, workflow and initial state, default urgency, history.
INSERT INTO cases (source, external_id, category, title, location, reported_at)
VALUES ('patrol', 'P-1', 'E0102', '路边暴露垃圾', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
        '2026-03-02 09:15+08')
RETURNING county, grid, (SELECT code FROM dept WHERE id = department_id) AS department,
          case_no ~ '^110115-20260302-[0-9]{7}$' AS case_no_format,
          pg_catalog.split_part(case_no, '-', 3)::bigint = id AS number_is_id,
          workflow, state, urgency, events, history_hash IS NULL AS only_intake, closed_at;
SELECT seq, action, from_state, to_state, payload - 'department_id' AS payload,
       payload ? 'department_id' AS has_department, at, actor_role = CURRENT_USER AS by_me,
       pg_catalog.length(hash) AS hash_bytes
FROM case_events WHERE case_id = (SELECT id FROM cases WHERE external_id = 'P-1');
SELECT * FROM verify_history((SELECT id FROM cases WHERE external_id = 'P-1'));

-- 2. Map-app coordinates: GCJ-02 and BD-09 are converted to WGS-84 first.
--    The same WGS-84 point (116.45, 39.85) sent as GCJ-02 and as BD-09.
INSERT INTO cases (source, external_id, category, title, location, coord_system)
SELECT 'app', v.ext, 'E0102', '随手拍', g, v.sys
FROM (VALUES ('A-GCJ', 'gcj02'), ('A-BD', 'bd09'), ('A-WGS', 'WGS-84')) v(ext, sys),
     LATERAL (SELECT from_wgs84(ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
                                CASE WHEN v.sys = 'WGS-84' THEN 'wgs84' ELSE v.sys END) AS g) p;
SELECT external_id, coord_system, pg_catalog.round(ST_X(location)::numeric, 7) AS lon,
       pg_catalog.round(ST_Y(location)::numeric, 7) AS lat, ST_SRID(location), grid
FROM cases WHERE external_id LIKE 'A-%' ORDER BY external_id;
-- Sent as plain WGS-84 it would have landed elsewhere: GCJ-02 is ~500 m off.
SELECT pg_catalog.round(ST_Distance(from_wgs84(ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), 'gcj02')::geography,
                         ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326)::geography)) BETWEEN 300 AND 700 AS gcj_offset_m;

-- 3. Routing: a rule (E05 → 城管执法局), a component's owner, outside every grid
--    (district center), a hotline category (its own workflow).
INSERT INTO cases (source, external_id, category, title, location, objcode) VALUES
    ('patrol', 'R-E05', 'E0501', '游商', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), NULL),
    ('patrol', 'R-C01', 'C0101', '上水井盖丢失', ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326), '1101150101000001'),
    ('hotline', 'R-OUT', 'E0102', '区界外', ST_SetSRID(ST_MakePoint(117.5, 40.5), 4326), NULL),
    ('hotline', 'R-NOLOC', 'H01', '咨询', NULL, NULL);
SELECT external_id, county, grid, (SELECT code FROM dept WHERE id = department_id) AS department,
       workflow, state, urgency
FROM cases WHERE external_id LIKE 'R-%' ORDER BY external_id;

-- 4. A client that knows the grid (grid worker app) may give it; a given
--    department and urgency are kept.
INSERT INTO cases (source, external_id, category, title, grid, department_id, urgency)
SELECT 'patrol', 'G-1', 'E0102', '网格员上报', '110115004002', id, 'urgent' FROM dept WHERE code = 'DX-CGJ'
RETURNING county, grid, (SELECT code FROM dept WHERE id = department_id) AS department, urgency;

-- 5. Re-sent city dispatch: (county, source, external_id) makes it a no-op.
INSERT INTO cases (source, external_id, category, title, location)
VALUES ('city', 'SZ-2026-000123', 'E0102', '市级派单', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326))
ON CONFLICT (county, source, external_id) DO NOTHING;
INSERT INTO cases (source, external_id, category, title, location)
VALUES ('city', 'SZ-2026-000123', 'E0102', '市级派单（重发）', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326))
ON CONFLICT (county, source, external_id) DO NOTHING;
SELECT pg_catalog.count(*) AS copies, pg_catalog.min(title) FROM cases WHERE external_id = 'SZ-2026-000123';
INSERT INTO cases (source, external_id, category, title, location)
VALUES ('city', 'SZ-2026-000123', 'E0102', '不加 ON CONFLICT', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326));

-- 6. COPY goes through the same triggers (EWKT locations, GCJ-02 coordinates).
\copy cases (source, external_id, category, title, location, coord_system, reported_at) FROM stdin
video	V-1	E0102	视频告警：垃圾堆放	SRID=4326;POINT(116.4562 39.8514)	gcj02	2026-03-02 10:00:00+08
video	V-2	E0103	视频告警：渣土	SRID=4326;POINT(116.5562 39.7614)	gcj02	2026-03-02 10:01:00+08
video	V-3	H0101	无位置	\N	wgs84	2026-03-02 10:02:00+08
\.
SELECT external_id, grid, workflow, state, events,
       (SELECT pg_catalog.count(*) FROM case_events e WHERE e.case_id = c.id) AS history
FROM cases c WHERE external_id LIKE 'V-%' ORDER BY external_id;

-- 7. Likely duplicates: same category, open, within 100 m and 24 h.
INSERT INTO cases (source, external_id, category, title, location, reported_at) VALUES
    ('app', 'D-0', 'E0401', '路面塌陷', ST_SetSRID(ST_MakePoint(116.55, 39.65), 4326), '2026-03-05 08:00+08');
INSERT INTO cases (source, external_id, category, title, location, reported_at) VALUES
    ('app', 'D-near',     'E0401', '塌陷 50 m',  ST_Project(ST_SetSRID(ST_MakePoint(116.55, 39.65), 4326)::geography, 50, 0)::geometry,  '2026-03-05 09:00+08'),
    ('app', 'D-far',      'E0401', '塌陷 150 m', ST_Project(ST_SetSRID(ST_MakePoint(116.55, 39.65), 4326)::geography, 150, 0)::geometry, '2026-03-05 09:00+08'),
    ('app', 'D-late',     'E0401', '塌陷 次日',  ST_Project(ST_SetSRID(ST_MakePoint(116.55, 39.65), 4326)::geography, 10, 0)::geometry,  '2026-03-06 09:00+08'),
    ('app', 'D-othercat', 'E0102', '同点垃圾',  ST_SetSRID(ST_MakePoint(116.55, 39.65), 4326), '2026-03-05 09:00+08');
SELECT c.external_id, d.external_id AS possible_duplicate_of
FROM cases c LEFT JOIN cases d ON d.id = c.possible_duplicate_of
WHERE c.external_id LIKE 'D-%' ORDER BY c.external_id;
SET gridgov.duplicate_radius_m = 200;
SET gridgov.duplicate_window = '48 hours';
INSERT INTO cases (source, external_id, category, title, location, reported_at) VALUES
    ('app', 'D-wide', 'E0401', '塌陷 150 m', ST_Project(ST_SetSRID(ST_MakePoint(116.55, 39.65), 4326)::geography, 150, pi())::geometry, '2026-03-05 10:00+08');
SELECT d.external_id AS wide_finds FROM cases c JOIN cases d ON d.id = c.possible_duplicate_of WHERE c.external_id = 'D-wide';
RESET gridgov.duplicate_radius_m;
RESET gridgov.duplicate_window;
-- The search reads the index by 0.01-degree cells: a case across the corner
-- of four cells (0.3 m away) is found; so is one 3 km away with a 5 km radius
-- (more cells than the pre-check probes: the full search runs).
INSERT INTO cases (source, external_id, category, title, location, reported_at) VALUES
    ('app', 'D-corner-a', 'E0402', '井盖 角落', ST_SetSRID(ST_MakePoint(116.559999, 39.659999), 4326), '2026-03-05 08:00+08');
INSERT INTO cases (source, external_id, category, title, location, reported_at) VALUES
    ('app', 'D-corner-b', 'E0402', '井盖 角落', ST_SetSRID(ST_MakePoint(116.560001, 39.660001), 4326), '2026-03-05 08:01+08');
SELECT gridgov.duplicate_cell(116.559999, 39.659999) <> gridgov.duplicate_cell(116.560001, 39.660001) AS other_cell,
       d.external_id AS corner_finds
FROM cases c JOIN cases d ON d.id = c.possible_duplicate_of WHERE c.external_id = 'D-corner-b';
SET gridgov.duplicate_radius_m = 5000;
INSERT INTO cases (source, external_id, category, title, location, reported_at) VALUES
    ('app', 'D-5km', 'E0402', '井盖 3 km', ST_Project(ST_SetSRID(ST_MakePoint(116.56, 39.66), 4326)::geography, 3000, pi() / 2)::geometry, '2026-03-05 09:00+08');
SELECT d.external_id AS five_km_finds FROM cases c JOIN cases d ON d.id = c.possible_duplicate_of WHERE c.external_id = 'D-5km';
RESET gridgov.duplicate_radius_m;
SELECT cardinality(gridgov.duplicate_cells(116.56, 39.66, 100)) AS cells_100m,
       cardinality(gridgov.duplicate_cells(116.555, 39.655, 100)) AS cells_mid_cell,
       gridgov.duplicate_cell('NaN', 39.66) IS NULL AS nan_cell;
SELECT gridgov.duplicate_cells(181, 39.66, 100);
SELECT gridgov.duplicate_cells(116.56, 'Infinity', 100);
SELECT gridgov.duplicate_cells(116.56, 39.66, -1);
SELECT gridgov.duplicate_cells(116.56, 39.66, 100001);

-- 8. Bad values are rejected with clear errors.
INSERT INTO cases (source, category, title) VALUES ('app', 'E9999', '未知类别');
-- (Without a category a case gets settings unclassified_category, unless a text
-- model is sure: test/intake_assist.sql.  With the setting unset, it is refused.)
SELECT value AS shipped_unclassified FROM settings WHERE key = 'unclassified_category' \gset
UPDATE settings SET value = NULL WHERE key = 'unclassified_category';
INSERT INTO cases (source, category, title) VALUES ('app', NULL, '无类别');
UPDATE settings SET value = :'shipped_unclassified' WHERE key = 'unclassified_category';
INSERT INTO cases (source, category, title) VALUES ('app', 'xyz', '坏类别');
INSERT INTO cases (source, category, title, urgency) VALUES ('app', 'E0102', '坏紧急程度', 'panic');
INSERT INTO cases (source, category, title) VALUES ('fax', 'E0102', '坏来源');
\set VERBOSITY terse
INSERT INTO cases (source, category, title) VALUES ('app', 'E0102', '');
INSERT INTO cases (source, category, title, reporter_phone) VALUES ('app', 'E0102', '长电话', pg_catalog.repeat('电', 41));
SAVEPOINT forty;
INSERT INTO cases (source, category, title, reporter_phone) VALUES ('app', 'E0102', '电话 40 字', pg_catalog.repeat('电', 40))
RETURNING pg_catalog.length(reporter_phone) AS phone_chars, pg_catalog.octet_length(reporter_phone) AS phone_bytes;
ROLLBACK TO SAVEPOINT forty;
INSERT INTO cases (source, category, title, external_id) VALUES ('app', 'E0102', '空外部编号', '');
INSERT INTO cases (source, category, title, description) VALUES ('app', 'E0102', '长描述', pg_catalog.repeat('x', 20001));
\set VERBOSITY default
INSERT INTO cases (source, category, title, location, coord_system)
VALUES ('app', 'E0102', '坏坐标系', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), 'mars');
INSERT INTO cases (source, category, title, location)
VALUES ('app', 'E0102', '线', ST_GeomFromText('LINESTRING(116.45 39.85, 116.46 39.86)', 4326));
INSERT INTO cases (source, category, title, location)
VALUES ('app', 'E0102', 'NaN', ST_SetSRID(ST_MakePoint('NaN', 39.85), 4326));
INSERT INTO cases (source, category, title, location)
VALUES ('app', 'E0102', '经度越界', ST_SetSRID(ST_MakePoint(516.45, 39.85), 4326));
INSERT INTO cases (source, category, title, state) VALUES ('app', 'E0102', '自带状态', 'closed');
INSERT INTO cases (source, category, title, workflow) VALUES ('app', 'E0102', '自带流程', 'hotline');
INSERT INTO cases (source, category, title, dispatches) VALUES ('app', 'E0102', '自带计数', 3);
INSERT INTO cases (source, category, title, closed_at) VALUES ('app', 'E0102', '自带结案', pg_catalog.now());
INSERT INTO cases (source, category, title, grid) VALUES ('app', 'E0102', '省级网格', '11');
INSERT INTO cases (source, category, title, county, grid) VALUES ('app', 'E0102', '县不符', '110114', '110115004001');
UPDATE categories SET active = false WHERE code = 'E0104';
INSERT INTO cases (source, category, title) VALUES ('app', 'E0104', '停用类别');
UPDATE categories SET active = true WHERE code = 'E0104';
-- Unlocated with no home county configured.
UPDATE settings SET value = NULL WHERE key = 'home_county';
INSERT INTO cases (source, category, title) VALUES ('app', 'E0102', '无处安放');
UPDATE settings SET value = '110115' WHERE key = 'home_county';
INSERT INTO cases (source, category, title) VALUES ('app', 'E0102', '又有家了') RETURNING county, grid;

-- 9. Cases are records: no DELETE.
DELETE FROM cases WHERE external_id = 'P-1';
SELECT pg_catalog.count(*) AS cases_total, pg_catalog.count(DISTINCT case_no) AS numbers,
       pg_catalog.bool_and(events = 1) AS all_just_intake FROM cases;
SELECT pg_catalog.count(*) AS broken_histories FROM verify_histories();

-- 10. Discovery time (发现时间): occurred_at, when the problem occurred or was
--     found, is kept as given (NULL when unknown); never later than the report.
INSERT INTO cases (source, external_id, category, title, grid, occurred_at, reported_at)
VALUES ('patrol', 'O-1', 'E0102', '巡查发现', '110115004002', '2026-03-02 09:00+08', '2026-03-02 09:15+08'),
       ('patrol', 'O-same', 'E0102', '当即上报', '110115004002', '2026-03-02 09:15+08', '2026-03-02 09:15+08'),
       ('app', 'O-none', 'E0102', '未知', '110115004002', NULL, '2026-03-02 09:15+08')
RETURNING external_id, occurred_at, reported_at - occurred_at AS to_report;
\copy cases (source, external_id, category, title, grid, occurred_at, reported_at) FROM stdin
video	O-copy	E0102	视频发现	110115004002	2026-03-02 09:58:00+08	2026-03-02 10:00:00+08
\.
SELECT external_id, occurred_at FROM cases WHERE external_id = 'O-copy';
INSERT INTO cases (source, category, title, occurred_at, reported_at)
VALUES ('patrol', 'E0102', '先报后发现', '2026-03-02 09:16+08', '2026-03-02 09:15+08');
INSERT INTO cases (source, category, title, occurred_at) VALUES ('patrol', 'E0102', '无穷早', '-infinity');
INSERT INTO cases (source, category, title, occurred_at) VALUES ('patrol', 'E0102', '无穷晚', 'infinity');
-- Given at intake, it never changes after (the discovery deadline rests on it).
UPDATE cases SET occurred_at = occurred_at - interval '400 days' WHERE external_id = 'O-1';
UPDATE cases SET occurred_at = NULL WHERE external_id = 'O-1';
UPDATE cases SET occurred_at = '2026-03-02 09:00+08' WHERE external_id = 'O-none';
SELECT occurred_at FROM cases WHERE external_id = 'O-1';

ROLLBACK;

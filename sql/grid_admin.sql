-- Grid administration: GeoJSON import, coverage checks (each kind of defect),
-- re-division with history, and locate per version.
SET timezone = 'Asia/Shanghai';
\set SHOW_CONTEXT never

-- A GeoJSON layer: county, two towns, two communities in the west town.
SELECT import_grids($$
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"code": "110115", "name": "大兴区"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.5],[116.4,39.5],[116.4,39.9],[116.0,39.9],[116.0,39.5]]]}},
 {"type": "Feature", "properties": {"code": "110115001", "name": "西镇", "leader": "张三", "population": 52000},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.5],[116.2,39.5],[116.2,39.9],[116.0,39.9],[116.0,39.5]]]}},
 {"type": "Feature", "properties": {"code": "110115002", "name": "东镇"},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[116.2,39.5],[116.4,39.5],[116.4,39.9],[116.2,39.9],[116.2,39.5]]]]}},
 {"type": "Feature", "properties": {"code": "110115001001", "name": "南社区"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.5],[116.2,39.5],[116.2,39.7],[116.0,39.7],[116.0,39.5]]]}},
 {"type": "Feature", "properties": {"code": "110115001002", "name": "北社区"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.7],[116.2,39.7],[116.2,39.9],[116.0,39.9],[116.0,39.7]]]}}
]}$$) AS imported;
SELECT code, level, name, kind, leader, attrs, ST_GeometryType(geom), ST_SRID(geom), valid_from
FROM grids ORDER BY code;

-- The clean layer has no coverage issues.
SELECT * FROM coverage_issues();

-- Import errors.
SELECT import_grids(NULL);
SELECT import_grids('{"type": "Point", "coordinates": [1, 2]}');
SELECT import_grids('[{"type": "Feature", "properties": {"name": "无码"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]');
SELECT import_grids('[{"type": "Feature", "properties": {"code": "1101150", "name": "坏码"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]');
SELECT import_grids('[{"type": "Feature", "properties": {"code": "110115003", "name": "点"}, "geometry": {"type": "Point", "coordinates": [116.3, 39.6]}}]');
SELECT import_grids('[{"type": "Feature", "properties": {"code": "110115003", "name": "无几何"}}]');
SELECT import_grids('[{"type": "Feature", "properties": {"code": "110115003", "name": "类", "kind": "secret"}, "geometry": {"type": "Polygon", "coordinates": [[[116.2,39.5],[116.3,39.5],[116.3,39.6],[116.2,39.5]]]}}]');
-- An invalid (bow-tie) outline is refused, or repaired on request.
SELECT import_grids('[{"type": "Feature", "properties": {"code": "110115002001", "name": "蝴蝶"}, "geometry": {"type": "Polygon", "coordinates": [[[116.2,39.5],[116.3,39.6],[116.3,39.5],[116.2,39.6],[116.2,39.5]]]}}]');
SELECT import_grids('[{"type": "Feature", "properties": {"code": "110115002001", "name": "蝴蝶"}, "geometry": {"type": "Polygon", "coordinates": [[[116.2,39.5],[116.3,39.6],[116.3,39.5],[116.2,39.6],[116.2,39.5]]]}}]',
                    repair => true) AS repaired;
SELECT code, ST_IsValid(geom), ST_NumGeometries(geom) FROM grids WHERE code = '110115002001';

-- Seeded defects, one of each kind, found by coverage_issues.
--  overlap + outside_parent: community 110115002001 (the repaired bow-tie) vs a new one;
--  gap: the east town's two communities do not cover it;
--  missing_parent: a unit grid whose community does not exist.
INSERT INTO grids (code, name, geom) VALUES
    ('110115002002', '东北社区', ST_Multi(ST_MakeEnvelope(116.25, 39.55, 116.45, 39.9, 4326))),
    ('110115002009001', '孤儿网格', ST_Multi(ST_MakeEnvelope(116.35, 39.85, 116.36, 39.86, 4326)));
SELECT problem, code, other_code, ST_GeometryType(geom), pg_catalog.round(area_m2::numeric, -3) AS area_m2_approx
FROM coverage_issues();
-- Scoped to a subtree, and with a larger minimum area.
SELECT problem, code, other_code FROM coverage_issues('110115002001');
SELECT problem, code FROM coverage_issues(min_area_m2 => 1e9);
DELETE FROM grids WHERE code IN ('110115002001', '110115002002', '110115002009001');
SELECT pg_catalog.count(*) AS issues_after_cleanup FROM coverage_issues();

-- Re-division: split the south community in two on 2026-03-01.
SELECT redivide(ARRAY['110115001001']::gridcode[], $$
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"code": "110115001003", "name": "南一社区"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.5],[116.1,39.5],[116.1,39.7],[116.0,39.7],[116.0,39.5]]]}},
 {"type": "Feature", "properties": {"code": "110115001004", "name": "南二社区"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.1,39.5],[116.2,39.5],[116.2,39.7],[116.1,39.7],[116.1,39.5]]]}}
]}$$, '2026-03-01 00:00+08', '区政府2026年第3号决定') AS revision \gset
SELECT effective, retired, added, note FROM grid_revisions WHERE id = :revision;
SELECT code, name, valid_from, valid_to, revision_id = :revision AS from_revision
FROM grids WHERE code <@ '110115001' ORDER BY code, valid_from;
-- History is kept: locate answers by version.
SELECT at, locate(ST_SetSRID(ST_MakePoint(116.05, 39.6), 4326), at) AS west,
           locate(ST_SetSRID(ST_MakePoint(116.15, 39.6), 4326), at) AS east
FROM (VALUES (timestamptz '2026-02-28 23:59:59+08'), ('2026-03-01 00:00+08')) v(at);
SELECT pg_catalog.count(*) AS issues_then, (SELECT pg_catalog.count(*) FROM coverage_issues(at => '2026-02-01')) AS issues_before
FROM coverage_issues(at => '2026-03-02');

-- Merge the two back into one, keeping the old code for the merged area.
SELECT redivide(ARRAY['110115001003', '110115001004']::gridcode[], $$
[{"type": "Feature", "properties": {"code": "110115001001", "name": "南社区（合并）"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.5],[116.2,39.5],[116.2,39.7],[116.0,39.7],[116.0,39.5]]]}}]
$$, '2026-09-01 00:00+08', 'merge') > :revision AS merged;
SELECT code, name, valid_from, valid_to FROM grids WHERE code = '110115001001' ORDER BY valid_from;

-- Refusals: unknown or non-current codes, a code that is still valid, a
-- result with a gap, NULLs, infinite time.
SELECT redivide(ARRAY['110115009']::gridcode[], '[]', '2026-10-01');
SELECT redivide(ARRAY['110115001003']::gridcode[], '[]', '2026-10-01');
SELECT redivide(ARRAY['110115001001']::gridcode[], '[]', '2026-08-01');
SELECT redivide(ARRAY[]::gridcode[], $$
[{"type": "Feature", "properties": {"code": "110115001002", "name": "北社区"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.7],[116.2,39.7],[116.2,39.9],[116.0,39.9],[116.0,39.7]]]}}]
$$, '2026-10-01');
SELECT redivide(ARRAY['110115001002']::gridcode[], $$
[{"type": "Feature", "properties": {"code": "110115001005", "name": "北社区缩小"},
  "geometry": {"type": "Polygon", "coordinates": [[[116.0,39.7],[116.1,39.7],[116.1,39.9],[116.0,39.9],[116.0,39.7]]]}}]
$$, '2026-10-01');
SELECT redivide(NULL, '[]');
SELECT redivide(ARRAY['110115001002']::gridcode[], '[]', 'infinity');
-- Nothing of the refused calls remained.
SELECT pg_catalog.count(*) AS revisions FROM grid_revisions;
SELECT pg_catalog.count(*) AS issues_now FROM coverage_issues();

DELETE FROM grids;
DELETE FROM grid_revisions;

SET timezone = 'Asia/Shanghai';
\set SHOW_CONTEXT never
-- gridgov.locate: precedence (special > finer > smaller code), shared edges and
-- vertices, tolerance, versions in time, cache invalidation, and bad input.
-- Fixture: a 0.4° square county cut into two towns, a town into two communities,
-- a community into four unit grids, plus a special grid across them.

CREATE FUNCTION sq(x0 float8, y0 float8, x1 float8, y1 float8) RETURNS geometry
LANGUAGE sql IMMUTABLE AS $$
    SELECT ST_Multi(ST_MakeEnvelope(x0, y0, x1, y1, 4326))
$$;

INSERT INTO grids (code, name, geom) VALUES
    ('110115',          '大兴区',        sq(116.0, 39.5, 116.4, 39.9)),
    ('110115001',       '西镇',          sq(116.0, 39.5, 116.2, 39.9)),
    ('110115002',       '东镇',          sq(116.2, 39.5, 116.4, 39.9)),
    ('110115001001',    '南社区',        sq(116.0, 39.5, 116.2, 39.7)),
    ('110115001002',    '北社区',        sq(116.0, 39.7, 116.2, 39.9)),
    ('110115001001001', '南社区第1网格', sq(116.0, 39.6, 116.1, 39.7)),
    ('110115001001002', '南社区第2网格', sq(116.1, 39.6, 116.2, 39.7)),
    ('110115001001003', '南社区第3网格', sq(116.0, 39.5, 116.1, 39.6)),
    ('110115001001004', '南社区第4网格', sq(116.1, 39.5, 116.2, 39.6));
INSERT INTO grids (code, name, kind, geom) VALUES
    ('110115001001901', '某小学', 'special', sq(116.09, 39.59, 116.11, 39.61));

-- Precedence: the finest covering grid; special wins inside it.
SELECT label, locate(ST_SetSRID(ST_MakePoint(x, y), 4326)) AS grid
FROM (VALUES
    ('inside unit grid 1',                 116.05, 39.65),
    ('inside unit grid 4',                 116.15, 39.55),
    ('community without unit grids',       116.05, 39.85),
    ('town without communities',           116.30, 39.70),
    ('inside the special grid',            116.095, 39.605),
    ('special grid corner',                116.09, 39.59),
    ('just outside the special grid',      116.089, 39.585)
) v(label, x, y);

-- Shared edges and vertices: every grid sharing the boundary covers the point;
-- the one with the smallest code among the finest wins, always the same one.
SELECT label, locate(ST_SetSRID(ST_MakePoint(x, y), 4326)) AS grid,
       (SELECT pg_catalog.array_agg(code ORDER BY code) FROM grids g
        WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(x, y), 4326)) AND level = 6 AND kind = 'general') AS covering_unit_grids
FROM (VALUES
    ('edge between unit grids 1 and 2',    116.1,  39.65),
    ('vertex of unit grids 1,2,3,4',       116.1,  39.6),   -- inside the special grid
    ('vertex of unit grids 1,2 on the community edge', 116.1, 39.7),
    ('edge between towns 001 and 002',     116.2,  39.8),
    ('edge between communities 001/002',   116.05, 39.7),
    ('outer corner of the county',         116.0,  39.5),
    ('on the county edge',                 116.4,  39.7)
) v(label, x, y);

-- Outside every grid: the nearest grid within gridgov.locate_tolerance_m (50 m).
-- 0.0003° of longitude at 39.7° N is about 26 m; 0.0012° about 103 m.
SELECT label, locate(ST_SetSRID(ST_MakePoint(x, y), 4326)) AS grid
FROM (VALUES
    ('26 m west of unit grid 1',   115.9997, 39.65),
    ('103 m west of unit grid 1',  115.9988, 39.65),
    ('33 m south of the county',   116.30,   39.4997),
    ('far away',                   100.0,    30.0)
) v(label, x, y);
SET gridgov.locate_tolerance_m = 200;
SELECT locate(ST_SetSRID(ST_MakePoint(115.9988, 39.65), 4326)) AS within_200m;
SET gridgov.locate_tolerance_m = 0;
SELECT locate(ST_SetSRID(ST_MakePoint(115.9997, 39.65), 4326)) AS tolerance_off;
SET gridgov.locate_tolerance_m = -1;
SET gridgov.locate_tolerance_m = 'abc';
RESET gridgov.locate_tolerance_m;

-- Input: SRID 0 is taken as WGS-84; other SRIDs are transformed; NULL is NULL.
SELECT locate(ST_MakePoint(116.05, 39.65)) AS srid_0,
       locate(ST_Transform(ST_SetSRID(ST_MakePoint(116.05, 39.65), 4326), 3857)) AS from_3857,
       locate(ST_SetSRID(ST_MakePoint(116.05, 39.65, 12.5), 4326)) AS point_z,
       locate(NULL) AS null_point,
       locate(ST_SetSRID(ST_MakePoint(116.05, 39.65), 4326), NULL) AS null_time;
-- Bad input: clear errors, SQLSTATE 22023.
\set VERBOSITY default
SELECT locate(ST_GeomFromText('LINESTRING(116 39.6, 116.1 39.6)', 4326));
SELECT locate(ST_GeomFromText('MULTIPOINT((116.05 39.65))', 4326));
SELECT locate(ST_GeomFromText('POINT EMPTY', 4326));
SELECT locate(ST_SetSRID(ST_MakePoint('NaN', 39.65), 4326));
SELECT locate(ST_SetSRID(ST_MakePoint(116.05, 'Infinity'), 4326));
SELECT locate(ST_SetSRID(ST_MakePoint(216.05, 39.65), 4326));
SELECT locate(ST_SetSRID(ST_MakePoint(116.05, 1e300), 4326));
DO $$
BEGIN
    PERFORM gridgov.locate(ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326));
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END $$;

-- Versions: retire unit grid 1 at 2026-01-01 and split it in two.
UPDATE grids SET valid_to = '2026-01-01 00:00+08' WHERE code = '110115001001001';
INSERT INTO grids (code, name, geom, valid_from) VALUES
    ('110115001001005', '南社区第5网格', sq(116.0, 39.6, 116.05, 39.7), '2026-01-01 00:00+08'),
    ('110115001001006', '南社区第6网格', sq(116.05, 39.6, 116.1, 39.7), '2026-01-01 00:00+08');
SELECT at, locate(ST_SetSRID(ST_MakePoint(116.02, 39.65), 4326), at) AS west_part,
           locate(ST_SetSRID(ST_MakePoint(116.07, 39.65), 4326), at) AS east_part
FROM (VALUES (timestamptz '2025-12-31 23:59:59+08'), ('2026-01-01 00:00+08'),
             ('-infinity'), ('infinity')) v(at);
-- Overlapping versions of one code are refused.
INSERT INTO grids (code, name, geom, valid_from) VALUES
    ('110115001001005', '重复', sq(116.0, 39.6, 116.05, 39.7), '2026-06-01');
INSERT INTO grids (code, name, geom, valid_to) VALUES
    ('110115001001001', '重叠', sq(116.0, 39.6, 116.1, 39.7), '2025-06-01');
-- Invalid and empty outlines are refused.
INSERT INTO grids (code, name, geom) VALUES
    ('110115002001', '蝴蝶', ST_Multi(ST_GeomFromText('POLYGON((116.2 39.5,116.3 39.6,116.3 39.5,116.2 39.6,116.2 39.5))', 4326)));
INSERT INTO grids (code, name, geom) VALUES
    ('110115002001', '空', ST_GeomFromText('MULTIPOLYGON EMPTY', 4326));
INSERT INTO grids (code, name, geom) VALUES
    ('110115002001', '多边形', ST_MakeEnvelope(116.2, 39.5, 116.3, 39.6, 4326));
INSERT INTO grids (code, name, geom) VALUES
    ('110115002001', '墨卡托', ST_Multi(ST_MakeEnvelope(1, 1, 2, 2, 3857)));
INSERT INTO grids (code, name, kind, geom) VALUES
    ('110115002001', '类型', 'other', sq(116.2, 39.5, 116.3, 39.6));

-- The cache: a grid added in this session is used by the next statement.
SELECT builds AS builds_before FROM locate_cache_stats() \gset
SELECT locate(ST_SetSRID(ST_MakePoint(116.25, 39.55), 4326)) AS before_insert;
INSERT INTO grids (code, name, geom) VALUES ('110115002001', '东镇东社区', sq(116.2, 39.5, 116.3, 39.6));
SELECT locate(ST_SetSRID(ST_MakePoint(116.25, 39.55), 4326)) AS after_insert;
SELECT builds > :builds_before AS rebuilt, cached, grid_versions, rings, vertices
FROM locate_cache_stats();
DELETE FROM grids WHERE code = '110115002001';
SELECT locate(ST_SetSRID(ST_MakePoint(116.25, 39.55), 4326)) AS after_delete;
-- A rolled-back change is forgotten too.
BEGIN;
INSERT INTO grids (code, name, geom) VALUES ('110115002001', '临时', sq(116.2, 39.5, 116.3, 39.6));
SELECT locate(ST_SetSRID(ST_MakePoint(116.25, 39.55), 4326)) AS inside_transaction;
ROLLBACK;
SELECT locate(ST_SetSRID(ST_MakePoint(116.25, 39.55), 4326)) AS after_rollback;

-- Over the memory bound, locate answers through plain PostGIS, same answers.
SET gridgov.locate_cache_max_mb = 1;
INSERT INTO grids (code, name, geom)
SELECT ('110115002' || pg_catalog.lpad(i::text, 3, '0'))::gridcode, 'big ' || i,
       ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(116.3, 39.8), 4326), 0.001 * i, 2000))
FROM pg_catalog.generate_series(1, 30) i;
SELECT cached, memory_bytes > max_bytes AS over_limit FROM locate_cache_stats();
SELECT locate(ST_SetSRID(ST_MakePoint(116.05, 39.65), 4326)) AS via_postgis,
       locate(ST_SetSRID(ST_MakePoint(116.3, 39.8), 4326)) AS via_postgis_overlapping;
RESET gridgov.locate_cache_max_mb;
DELETE FROM grids WHERE name LIKE 'big %';
SELECT cached FROM locate_cache_stats();

-- locate_reference agrees on the fixture points.
SELECT pg_catalog.count(*) AS disagreements
FROM (VALUES (116.05, 39.65), (116.1, 39.6), (116.2, 39.8), (116.095, 39.605),
             (115.9997, 39.65), (116.3, 39.4997), (100.0, 30.0)) v(x, y)
WHERE locate(ST_SetSRID(ST_MakePoint(x, y), 4326))
      IS DISTINCT FROM locate_reference(ST_SetSRID(ST_MakePoint(x, y), 4326), pg_catalog.now(), 50);

DELETE FROM grids;
DROP FUNCTION sq(float8, float8, float8, float8);

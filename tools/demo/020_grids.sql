-- Demo step 2: the Daxing demo city (tools/democity.sql) and locate().
\set QUIET on
SET client_min_messages = warning;
\i tools/democity.sql
SELECT democity.build(1) AS rows_written \gset
\set QUIET off

\echo
\echo '== 2. The grid layer: Daxing''s outline cut into its real towns and communities, and' :rows_written 'grid versions in all'
SELECT level_name(code) AS level, kind, pg_catalog.count(*) AS grids,
       pg_catalog.round((pg_catalog.sum(ST_Area(geom::geography)) / 1e6)::numeric, 1) AS km2
FROM grids GROUP BY level_name(code), level, kind ORDER BY level, kind;

\echo
\echo '== Coverage check of the whole layer (gaps, overlaps, children outside parents): problems found'
SELECT pg_catalog.count(*) AS problems FROM coverage_issues();

\echo
\echo '== Citizens report from map apps in GCJ-02 (Amap/Tencent); locate() takes WGS-84, so convert first'
SELECT v.place, v.lon AS gcj02_lon, v.lat AS gcj02_lat,
       pg_catalog.round(ST_Distance(p::geography, ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)::geography)) AS shift_m,
       g.code AS grid, g.name AS grid_name
FROM (VALUES ('亦庄 荣华中路', 116.5060, 39.7950), ('黄村 兴华大街', 116.3350, 39.7300),
             ('西红门 宏业路', 116.3290, 39.7900), ('魏善庄 镇中心', 116.4120, 39.6380),
             ('大兴国际机场', 116.4100, 39.5090)) v(place, lon, lat)
CROSS JOIN LATERAL (SELECT to_wgs84(ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326), 'gcj02') AS p) w
LEFT JOIN grids g ON g.code = locate(w.p) AND g.valid_to = 'infinity';

\echo
\echo '== The in-memory index behind locate(), built on first use in this session'
SELECT cached, grid_versions, vertices, cells, pg_catalog.round(memory_bytes / 1048576.0, 1) AS memory_mb,
       pg_catalog.round(last_build_ms::numeric) AS build_ms
FROM locate_cache_stats();

-- (A release before 1.5.0, as test/shell/upgrade.sh loads the demo into, has no gazetteer.)
SELECT pg_catalog.to_regproc('gridgov.place_names_refresh') IS NOT NULL AS has_gazetteer \gset
\if :has_gazetteer
\echo
\echo '== The gazetteer: the grids'' names and the short forms people say (docs/places.md)'
SELECT place_names_refresh() AS place_names;
SELECT grid, name, kind, matched FROM suggest_area('来电人说在黄村镇那边，具体位置说不清');
\endif

-- Demo step 8: grid workers' patrols (docs/grid-workers.md).  Yesterday (the
-- local day before now) 刘洋 (step 030) and fifteen more grid workers of 亦庄
-- (created here, one per unit grid) each swept their grid along lanes 50 m
-- apart for 4 to 8 hours, one fix every 10 s (tools/patrol_walk.sql), a few
-- fixes of poor accuracy among them; the fixes are written with one INSERT,
-- the bad ones kept apart; the day's coverage is stored, the map shows it
-- (map_geojson(level, 'patrol_coverage'), the gateway screen's metric
-- 巡查覆盖率), and the month's ranking (十佳网格员) is printed.
-- Runs only where gridgov has patrols (1.6.0 on): test/shell/upgrade.sh loads
-- these steps into the previous release too.
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;
SET timezone = 'Asia/Shanghai';
SELECT pg_catalog.to_regclass('gridgov.patrol_points') IS NOT NULL AS has_patrols \gset
\if :has_patrols
\pset footer off
\i tools/patrol_walk.sql

-- Fifteen more workers of 亦庄's unit grids without one (a community committee's staff).
CREATE TEMP TABLE demo_units AS
SELECT g.code, ST_PointOnSurface(g.geom) AS mid,
       (ST_XMax(g.geom) - ST_XMin(g.geom)) * 111195 * cos(radians(ST_Y(ST_PointOnSurface(g.geom)))) AS w_m,
       (ST_YMax(g.geom) - ST_YMin(g.geom)) * 111195 AS h_m,
       pg_catalog.row_number() OVER (ORDER BY g.code) AS n
FROM gridgov.grids g
WHERE g.level = 6 AND g.kind = 'general' AND g.valid_to = 'infinity' AND g.code <@ '110115004'
  AND NOT EXISTS (SELECT 1 FROM gridgov.grid_staff s WHERE s.grid = g.code AND s.duty = 'worker');
INSERT INTO gridgov.staff (name, department_id)
SELECT '亦庄网格员' || lpad(u.n::text, 2, '0'), d.id
FROM demo_units u, gridgov.departments d
WHERE d.code = 'cm-110115004001' AND u.n <= 15;
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT u.code, s.id, 'worker', '2024-01-01 00:00+08'
FROM demo_units u JOIN gridgov.staff s ON s.name = '亦庄网格员' || lpad(u.n::text, 2, '0');

-- Yesterday's tracks: each worker sweeps their first grid (at most 600 m x 400 m around
-- its middle) from 08:30 for 4 to 8 hours.
SELECT gridgov.local_day(now()) - 1 AS patrol_day \gset
SELECT gridgov.patrol_partitions_ensure(now(), 7) AS partitions \gset
CREATE TEMP TABLE demo_walkers AS
SELECT DISTINCT ON (gs.staff_id) gs.staff_id, g.code,
       ST_PointOnSurface(g.geom) AS mid,
       least(0.6 * (ST_XMax(g.geom) - ST_XMin(g.geom)) * 111195 * cos(radians(ST_Y(ST_PointOnSurface(g.geom)))), 600) AS w_m,
       least(0.6 * (ST_YMax(g.geom) - ST_YMin(g.geom)) * 111195, 400) AS h_m
FROM gridgov.grid_staff gs
JOIN gridgov.grids g ON g.code = gs.grid AND g.valid_to = 'infinity'
WHERE gs.duty = 'worker' AND gs.valid_to = 'infinity'
ORDER BY gs.staff_id, g.code;
INSERT INTO gridgov.patrol_points (staff_id, at, geom, accuracy_m)
SELECT w.staff_id, p.at, p.geom, CASE WHEN p.i % 500 = 7 THEN 120 ELSE 8 END
FROM demo_walkers w,
     LATERAL pg_temp.patrol_sweep(w.staff_id::integer, w.mid, w.w_m, w.h_m,
                                  (:'patrol_day'::date + time '08:30')::timestamp AT TIME ZONE 'Asia/Shanghai',
                                  1440 + (w.staff_id::integer * 7919) % 1441) p
ORDER BY w.staff_id, p.i;
SELECT gridgov.patrol_coverage_refresh(:'patrol_day') AS coverage_rows \gset

\echo
\echo '== Yesterday''s patrols (docs/grid-workers.md): fixes stored, kept apart, coverage'
SELECT (SELECT pg_catalog.count(*) FROM gridgov.patrol_points) AS fixes,
       (SELECT pg_catalog.count(*) FROM gridgov.patrol_rejects) AS kept_apart,
       (SELECT pg_catalog.string_agg(DISTINCT reason, ', ') FROM gridgov.patrol_rejects) AS reasons,
       :coverage_rows AS coverage_rows;
SELECT s.name, c.grid, c.points, round((c.metres / 1000)::numeric, 2) AS km,
       round((c.seconds / 3600)::numeric, 2) AS hours, round(100 * c.covered_share::numeric, 1) AS covered_pct
FROM gridgov.patrol_coverage c JOIN gridgov.staff s ON s.id = c.staff_id
WHERE c.day = :'patrol_day' AND s.name = '刘洋'
ORDER BY c.grid;
\echo
\echo '== The map metric patrol_coverage (map_geojson, the screen''s 巡查覆盖率): 亦庄''s communities'
SELECT f -> 'properties' ->> 'code' AS community, f -> 'properties' ->> 'name' AS name,
       (f -> 'properties' ->> 'value')::numeric AS patrol_coverage_pct
FROM jsonb_array_elements(gridgov.map_geojson('community', 'patrol_coverage') -> 'features') f
WHERE f -> 'properties' ->> 'code' LIKE '110115004%' AND (f -> 'properties' ->> 'value')::numeric > 0
ORDER BY 3 DESC LIMIT 5;
\echo
\echo '== 十佳网格员: the month''s ranking (gridgov.worker_ranking)'
SELECT r.rank, r.name, r.score, a.patrol_hours, a.coverage
FROM gridgov.worker_ranking(:'patrol_day') r
JOIN gridgov.worker_assessment(:'patrol_day') a ON a.staff_id = r.staff_id
WHERE r.top_ten ORDER BY r.rank, r.name;
\endif

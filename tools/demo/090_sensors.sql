-- Demo step 9: machines that report (docs/sensors.md).  A rainstorm on the
-- demo city in the afternoon of the latest working day: three culvert
-- water-level gauges of the district water authority (区水务局) in real
-- communities of 黄村地区 report every five minutes; one rule (water above
-- 0.3 m for 10 minutes, cleared below 0.2 m) opens a case per flooded
-- culvert.  Two culverts flood and get a case each; one of them drains and
-- records "condition cleared", the other is still under water; the third
-- rises past the threshold for five minutes only and opens nothing.  Needs
-- steps 020 (demo city) and 030 (organisation).  Skipped where gridgov has no
-- sensors (the upgrade test loads this demo into 1.5.0).
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;
SET timezone = 'Asia/Shanghai';
SELECT pg_catalog.to_regclass('gridgov.sensor_readings') IS NOT NULL AS has_sensors \gset
\if :has_sensors
\pset footer off

SELECT pg_catalog.max(d)::date AS day
FROM pg_catalog.generate_series(CURRENT_DATE - 20, CURRENT_DATE - 1, interval '1 day') d
WHERE gridgov.is_working_day('cn', d::date) \gset

-- The gauges, at the culverts of three communities, owned by the water authority.
INSERT INTO gridgov.sensors (id, kind, location, name, unit, department_id)
SELECT v.id, 'water_level', ST_PointOnSurface(g.geom), v.name, 'm',
       (SELECT d.id FROM gridgov.departments d WHERE d.code = 'dx-sw')
FROM (VALUES ('DX-WL-001', '110115005001', '团河路涵洞水位计'),
             ('DX-WL-002', '110115005003', '兴业大街涵洞水位计'),
             ('DX-WL-003', '110115005013', '金星路涵洞水位计')) v(id, grid, name)
JOIN gridgov.grids g ON g.code = v.grid::gridgov.gridcode AND g.valid_to = 'infinity';
INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, hysteresis, duration, peak_step, category, title)
VALUES ('涵洞积水', 'water_level', 'above', 0.3, 0.1, '10 minutes', 0.1, 'E0406', '积水超过 0.3 米');
SELECT pg_catalog.count(*) FROM gridgov.sensor_partitions((:'day' || ' 12:00')::timestamptz, 1) \g /dev/null

-- The storm: readings every 5 minutes from 15:00 to 20:00, m minutes after 15:00.
INSERT INTO gridgov.sensor_readings (sensor_id, at, value)
SELECT s.id, (:'day' || ' 15:00')::timestamptz + m * interval '1 minute',
       pg_catalog.round(CASE s.id
           WHEN 'DX-WL-001' THEN CASE WHEN m BETWEEN 60 AND 130 THEN 0.1 + 0.01 * (m - 60)
                                      WHEN m BETWEEN 130 AND 200 THEN 0.8 - 0.01 * (m - 130) ELSE 0.1 END
           WHEN 'DX-WL-002' THEN CASE WHEN m BETWEEN 90 AND 140 THEN 0.1 + 0.01 * (m - 90)
                                      WHEN m > 140 THEN 0.55 ELSE 0.1 END
           ELSE CASE WHEN m = 150 THEN 0.36 ELSE 0.15 END
       END::numeric, 2)::float8
FROM pg_catalog.generate_series(0, 300, 5) m, (VALUES ('DX-WL-001'), ('DX-WL-002'), ('DX-WL-003')) s(id)
ORDER BY m, s.id;
\set QUIET off

\echo
\echo '== 9. A rainstorm: three culvert gauges report every 5 minutes; rule 涵洞积水 (above 0.3 m for 10 minutes, cleared below 0.2 m)'
SELECT s.name AS gauge, g.name AS grid, pg_catalog.max(r.value) AS highest_m,
       x.phase, c.case_no
FROM gridgov.sensors s
JOIN gridgov.grids g ON g.code = s.grid AND g.valid_to = 'infinity'
JOIN gridgov.sensor_readings r ON r.sensor_id = s.id
JOIN gridgov.sensor_rule_state x ON x.sensor_id = s.id
LEFT JOIN gridgov.cases c ON c.county = x.county AND c.id = x.case_id
WHERE s.id LIKE 'DX-WL-%'
GROUP BY s.id, s.name, g.name, x.phase, c.case_no ORDER BY s.id;

\echo
\echo '== The two cases, opened by the rule as the water rose (source sensor, to the water authority), and their histories'
SELECT c.case_no, pg_catalog.to_char(e.at, 'HH24:MI') AS at, e.action, e.payload ->> 'value' AS metres,
       CASE e.action WHEN 'intake' THEN c.title || '（' || d.name || '）'
                     WHEN 'sensor_peak' THEN '新高'
                     WHEN 'sensor_cleared' THEN '积水退去，待人工核查后结案' END AS what
FROM gridgov.cases c
JOIN gridgov.departments d ON d.id = c.department_id
JOIN gridgov.case_events e ON e.county = c.county AND e.case_id = c.id
WHERE c.source = 'sensor' AND c.external_id LIKE 'DX-WL-%'
ORDER BY c.id, e.seq;
\pset footer on
\else
\echo
\echo '== 9. Sensors: skipped (this gridgov has no sensors: gridgov.sensor_readings is missing)'
\endif

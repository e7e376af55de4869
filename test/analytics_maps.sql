-- Maps: live metrics per area at every level, the grid_map layer (a stable
-- integer key, one registered geometry column), GeoJSON with one feature per
-- area, and an SVG choropleth that parses as XML with one path per area.
BEGIN;
SELECT plan(29);
-- Analytics refreshed in the writing transaction (the queue is tested in sql/analytics.sql).
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;

-- Cases on 2 March 2026: 3 in grid ...001 (one closed, one overdue), 1 in
-- grid ...002, 2 in town 005; one from 40 days earlier, closed (not in the 30 days).
CREATE TEMP TABLE m (label text, lon float8, lat float8, at timestamptz);
INSERT INTO m VALUES ('g1a', 116.45, 39.85, '2026-03-02 09:00'), ('g1b', 116.46, 39.86, '2026-03-02 09:30'),
                     ('g1c', 116.47, 39.87, '2026-03-02 10:00'), ('g2a', 116.55, 39.85, '2026-03-02 09:00'),
                     ('t5a', 116.30, 39.70, '2026-03-02 09:00'), ('t5b', 116.31, 39.71, '2026-03-02 09:00'),
                     ('old', 116.45, 39.85, '2026-01-21 09:00');
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'hotline', 'H0101', label, ST_SetSRID(ST_MakePoint(lon, lat), 4326), at FROM m;
SELECT is(count(*), 10::bigint,
          'walked: g1a and old answered and closed, g1b dispatched, t5a dispatched, signed, contacted and called back')
FROM (SELECT gridgov.act(c.id, a.action, NULL, a.payload, c.reported_at + a.mins * interval '1 minute')
      FROM gridgov.cases c
      JOIN (VALUES ('g1a', 'answer', '{}'::jsonb, 10), ('old', 'answer', '{}', 10),
                   ('g1b', 'dispatch', '{}', 5),
                   ('t5a', 'dispatch', '{}', 5), ('t5a', 'sign', '{}', 10), ('t5a', 'contact', '{}', 15),
                   ('t5a', 'handle', '{}', 20),
                   ('t5a', 'reply', '{}', 30), ('t5a', 'callback', '{"solved": true, "satisfaction": "satisfied"}', 40),
                   ('t5a', 'close', '{}', 50)) a(label, action, payload, mins) ON a.label = c.title
      ORDER BY c.id, a.mins) x;
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at)
SELECT county, id, 'sign', 1, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 1, 'working_days',
       reported_at, '2026-03-02 12:00', reported_at
FROM gridgov.cases WHERE title = 'g1b';

-- Metrics as of 3 March: open g1b g1c g2a t5b; overdue g1b; 30 days: all but old.
SELECT results_eq($$SELECT code::text, open_cases, overdue_cases, cases_30d, dispatched_30d, responded_30d, response_rate,
                           called_back_30d, resolution_rate, satisfaction_rate, score
                    FROM gridgov.grid_metrics('2026-03-03 09:00') ORDER BY code$$,
                  $$VALUES ('110115', 4::bigint, 1::bigint, 6::bigint, 2::bigint, 1::bigint, 50.00, 1::bigint, 100.00, 100.00, 85.00),
                           ('110115004', 3, 1, 4, 1, 0, 0.00, 0, NULL, NULL, 0.00),
                           ('110115004001', 3, 1, 4, 1, 0, 0.00, 0, NULL, NULL, 0.00),
                           ('110115004001001', 2, 1, 3, 1, 0, 0.00, 0, NULL, NULL, 0.00),
                           ('110115004001002', 1, 0, 1, 0, 0, NULL, 0, NULL, NULL, NULL),
                           ('110115005', 1, 0, 2, 1, 1, 100.00, 1, 100.00, 100.00, 100.00)$$,
                  'grid_metrics: open, overdue, 30-day cases and three rates at every level');
SELECT results_eq($$SELECT open_cases, overdue_cases, cases_30d FROM gridgov.grid_metrics('2026-03-02 09:15') WHERE code = '110115'$$,
                  $$VALUES (3::bigint, 0::bigint, 4::bigint)$$,
                  'as of 2 March 9:15: g1a closed at 9:10, t5a open until 9:50, g1b and g1c not yet reported, nothing overdue');

-- grid_map: the GIS layer.
SELECT has_column('gridgov', 'grid_map', 'id', 'grid_map has a key column id');
SELECT col_type_is('gridgov', 'grid_map', 'id', 'bigint', 'id is a bigint');
SELECT is((SELECT count(*) FROM gridgov.grid_map), (SELECT count(DISTINCT id) FROM gridgov.grid_map), 'id is unique');
SELECT is((SELECT count(*) FROM gridgov.grid_map), 7::bigint, 'one row per current grid version (7)');
SELECT results_eq($$SELECT f_geometry_column::text COLLATE "default", type::text, srid, coord_dimension FROM geometry_columns
                    WHERE f_table_schema = 'gridgov' AND f_table_name = 'grid_map'$$,
                  $$VALUES ('geom', 'MULTIPOLYGON', 4326, 2)$$,
                  'one geometry column, registered as MultiPolygon in SRID 4326');
SELECT results_eq($$SELECT level, level_name, count(*) FROM gridgov.grid_map GROUP BY 1, 2 ORDER BY 1$$,
                  $$VALUES (3, 'county', 1::bigint), (4, 'town', 2::bigint), (5, 'community', 2::bigint), (6, 'grid', 2::bigint)$$,
                  'every level, with its name');
SELECT is((SELECT open_cases FROM gridgov.grid_map WHERE code = '110115004001001'), 2::bigint,
          'live metrics on the layer (open cases now)');
SELECT is((SELECT open_cases + cases_30d FROM gridgov.grid_map WHERE code = '110115004002'), 0::bigint,
          'areas without cases show zero, not NULL');

-- GeoJSON.
CREATE TEMP TABLE gj AS SELECT gridgov.map_geojson('grid', 'open_cases', '2026-03-03 09:00') AS j;
SELECT is((SELECT j ->> 'type' FROM gj), 'FeatureCollection', 'GeoJSON: a FeatureCollection');
SELECT is((SELECT jsonb_array_length(j -> 'features') FROM gj), 2, 'one feature per unit grid');
SELECT is_empty($$SELECT f FROM gj, jsonb_array_elements(j -> 'features') f
                  WHERE f ->> 'type' <> 'Feature' OR f -> 'geometry' ->> 'type' <> 'MultiPolygon'
                     OR jsonb_typeof(f -> 'id') <> 'number' OR NOT (f -> 'properties' ?& ARRAY['code', 'name', 'metric', 'value',
                        'open_cases', 'overdue_cases', 'cases_30d', 'response_rate', 'resolution_rate', 'satisfaction_rate', 'score'])$$,
                'each a Feature with an id, a MultiPolygon and the properties');
SELECT results_eq($$SELECT f -> 'properties' ->> 'code', (f -> 'properties' ->> 'value')::int FROM gj, jsonb_array_elements(j -> 'features') f ORDER BY 1$$,
                  $$VALUES ('110115004001001', 2), ('110115004001002', 1)$$,
                  'value is the chosen metric');
SELECT is(jsonb_array_length(gridgov.map_geojson('town', 'score', '2026-03-03 09:00') -> 'features'), 2, 'town level: 2 features');
UPDATE gridgov.grids SET valid_to = '2026-01-01' WHERE code = '110115004002';
SELECT is(jsonb_array_length(gridgov.map_geojson('community', 'response_rate', '2026-03-03 09:00') -> 'features'), 1,
          'only the versions valid at as_of: a retired community is left out');
SELECT is(jsonb_array_length(gridgov.map_geojson('community', 'response_rate', '2025-12-31 09:00') -> 'features'), 2,
          'and shown before it was retired');
SELECT ok((SELECT ST_HausdorffDistance(ST_GeomFromGeoJSON(f -> 'geometry'), g.geom) < 1e-6
           FROM gj, jsonb_array_elements(j -> 'features') f JOIN gridgov.grids g ON g.id = (f ->> 'id')::bigint
           WHERE f -> 'properties' ->> 'code' = '110115004001001'), 'geometry is the grid''s outline');

-- SVG.
CREATE TEMP TABLE svg AS
SELECT lvl, gridgov.map_svg(lvl, 'open_cases', '2026-03-03 09:00') AS s
FROM unnest(ARRAY['county', 'town', 'community', 'grid']) lvl;
SELECT ok((SELECT bool_and(xml_is_well_formed_document(s)) FROM svg), 'SVG: well-formed XML documents at every level');
SELECT results_eq($$SELECT lvl, (xpath('count(//svg:path)', XMLPARSE(DOCUMENT s), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']]))[1]::text::int
                    FROM svg ORDER BY lvl$$,
                  $$VALUES ('community', 1), ('county', 1), ('grid', 2), ('town', 2)$$,
                  'one path per area of the level valid at as_of');
SELECT is((SELECT (xpath('/svg:svg/svg:title/text()', XMLPARSE(DOCUMENT s), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']]))[1]::text
           FROM svg WHERE lvl = 'grid'),
          '在办案件 open cases — grid, as of 2026-03-03 09:00', 'it has a title');
SELECT is((SELECT array_agg(x::text ORDER BY x::text) FROM svg,
                  unnest(xpath('//svg:path/@data-code', XMLPARSE(DOCUMENT s), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']])) x
           WHERE lvl = 'grid'),
          '{110115004001001,110115004001002}'::text[], 'each path names its grid');
SELECT is((SELECT array_agg(x::text ORDER BY x::text) FROM svg,
                  unnest(xpath('//svg:path/@fill', XMLPARSE(DOCUMENT s), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']])) x
           WHERE lvl = 'grid'),
          '{#bd0026,#ffffb2}'::text[], 'filled by class: the highest value darkest, the lowest lightest');
SELECT is((SELECT (xpath('count(//svg:g[@id="legend"]/svg:rect)', XMLPARSE(DOCUMENT s), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']]))[1]::text::int
           FROM svg WHERE lvl = 'grid'), 5, 'a legend of five classes');
SELECT ok((SELECT s LIKE '%无数据 no data%' AND s LIKE '%fill="#cccccc"%'
           FROM (SELECT gridgov.map_svg('grid', 'resolution_rate', '2026-03-03 09:00') AS s) x),
          'areas without a value are grey and the legend says so');
UPDATE gridgov.grids SET valid_to = '2026-01-01' WHERE code = '110115004001';
SELECT ok((SELECT xml_is_well_formed_document(s)
                  AND (xpath('count(//svg:path)', XMLPARSE(DOCUMENT s), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']]))[1]::text = '0'
           FROM (SELECT gridgov.map_svg('community', 'open_cases', '2026-03-03 09:00') AS s) x),
          'a level without areas at as_of is still a document, without paths');
-- Names are escaped.
UPDATE gridgov.grids SET name = '<第1网格> & "引号"' WHERE code = '110115004001001';
SELECT ok((SELECT xml_is_well_formed_document(gridgov.map_svg('grid', 'open_cases', '2026-03-03 09:00'))),
          'names with <, > and & are escaped');
SELECT ok((SELECT (xpath('count(//svg:path)', XMLPARSE(DOCUMENT gridgov.map_svg('grid', 'open_cases', '2026-03-03 09:00')),
                         ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']]))[1]::text::int = 2),
          'and the paths are all there');

SELECT * FROM finish();
ROLLBACK;

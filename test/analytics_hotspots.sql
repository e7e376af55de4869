-- Hot spots: nothing in flat data; a planted spike of one grid x category is
-- found and nothing else; a planted cluster across a grid boundary is found
-- (and is no spike); proactive cases are opened once; the seasonal view.
BEGIN;
SELECT plan(23);
-- Analytics refreshed in the writing transaction (the queue is tested in sql/analytics.sql).
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;

-- Flat data: nine weeks up to Monday 9 March 2026 09:00, two cases a week for
-- each of four places x three categories, spread evenly in time and space (no
-- two cases of a category within 500 m of each other).
CREATE TEMP TABLE places (n int, lon float8, lat float8);
INSERT INTO places VALUES (0, 116.42, 39.77), (1, 116.52, 39.77), (2, 116.42, 39.62), (3, 116.22, 39.62);
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'patrol', c.cat, 'flat', ST_SetSRID(ST_MakePoint(p.lon + (w % 6) * 0.01, p.lat + (w / 6) * 0.01 + h * 0.005), 4326),
       timestamptz '2026-03-09 09:00' - (w * 7 + h * 3 + 1) * interval '1 day' + c.k * interval '1 hour'
FROM places p
CROSS JOIN (VALUES (0, 'E0102'), (1, 'E0103'), (2, 'E0109')) c(k, cat)
CROSS JOIN generate_series(0, 8) w
CROSS JOIN generate_series(0, 1) h;
SELECT is((SELECT count(*) FROM gridgov.cases WHERE title = 'flat'), 216::bigint, 'flat data: 216 cases in 9 weeks');
SELECT is_empty($$SELECT * FROM gridgov.detect_hotspots('2026-03-09 09:00')$$, 'flat data: no hot spot');
SELECT is((SELECT spikes + clusters FROM gridgov.hotspot_runs WHERE detected_at = '2026-03-09 09:00'), 0,
          'the run is recorded with nothing found');

-- A planted spike: 12 more reports of 暴露垃圾 (E0102) in grid 110115004001001
-- in the last three days, 700 m apart.  The window holds 14 (12 + the 2 flat
-- ones), the baseline 16: expected (16 + 1) x 7 / 56 = 2.125.
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'app', 'E0102', 'spike', ST_SetSRID(ST_MakePoint(116.405 + (i % 4) * 0.008, 39.76 + (i / 4) * 0.008), 4326),
       timestamptz '2026-03-09 08:00' - i * interval '6 hours'
FROM generate_series(0, 11) i;
-- A planted cluster: 6 reports of 道路积水 (E0406, a category of no other case)
-- within 60 m of the boundary between grids 110115004001001 and ...002
-- (longitude 116.5), three on each side: no grid has 5 of them.
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'hotline', 'E0406', 'cluster',
       ST_SetSRID(ST_MakePoint(CASE WHEN i % 2 = 0 THEN 116.4996 ELSE 116.5004 END, 39.8 + (i / 2) * 0.0003), 4326),
       timestamptz '2026-03-08 20:00' + i * interval '10 minutes'
FROM generate_series(0, 5) i;
CREATE TEMP TABLE found AS SELECT * FROM gridgov.detect_hotspots('2026-03-09 09:00');
SELECT is((SELECT count(*) FROM found), 2::bigint, 'two hot spots');
SELECT results_eq($$SELECT kind, category COLLATE "default", grid::text, cases, baseline_cases, round(expected::numeric, 3) FROM found WHERE kind = 'spike'$$,
                  $$VALUES ('spike', 'E0102', '110115004001001', 14, 16, 2.125)$$,
                  'the spike: grid 110115004001001 x E0102, 14 cases against 2.125 expected');
SELECT ok((SELECT score > threshold AND abs(score - gridgov.poisson_score(14, 2.125)) < 1e-9 FROM found WHERE kind = 'spike'),
          'its score is the Poisson surprise of 14 given 2.125 and passes the threshold');
-- 12 cells have cases (4 places x 3 flat categories); the cluster's category
-- adds 2 (one per grid): threshold -log10(0.01 / 14).
SELECT is((SELECT round(threshold::numeric, 4) FROM found WHERE kind = 'spike'), round(-log(0.01 / 14)::numeric, 4),
          'spike threshold: Bonferroni over the 14 grid x category cells tested');
SELECT ok((SELECT ST_Equals(geom, (SELECT geom FROM gridgov.grids WHERE code = '110115004001001')) FROM found WHERE kind = 'spike'),
          'the spike''s outline is its grid');
SELECT results_eq($$SELECT kind, category COLLATE "default", grid, grids::text[], cases, baseline_cases FROM found WHERE kind = 'cluster'$$,
                  $$VALUES ('cluster', 'E0406', NULL::gridcode, '{110115004001001,110115004001002}'::text[], 6, 0)$$,
                  'the cluster: 6 cases of E0406 across two grids, none before');
SELECT ok((SELECT ST_Intersects(geom, ST_SetSRID(ST_MakeLine(ST_MakePoint(116.5, 39.79), ST_MakePoint(116.5, 39.81)), 4326))
           FROM found WHERE kind = 'cluster'), 'its outline straddles the boundary');
SELECT ok((SELECT ST_NPoints(geom) > 0 AND NOT EXISTS (
               SELECT 1 FROM ST_DumpPoints(geom) d
               WHERE abs(ST_X(d.geom) * 1000 - round(ST_X(d.geom) * 1000)) > 1e-6)
           FROM found WHERE kind = 'cluster'), 'its outline is built from locations snapped to 0.001 degree');
SELECT ok((SELECT case_id IS NULL FROM found WHERE kind = 'spike'), 'no proactive case unless asked');

-- A tighter significance level or a larger minimum finds less.
SELECT is((SELECT count(*) FROM gridgov.detect_hotspots('2026-03-09 09:00', min_cases => 15)), 0::bigint,
          'min_cases 15: nothing');
SELECT is((SELECT count(*) FROM gridgov.detect_hotspots('2026-03-09 09:00', cluster_min => 7)), 1::bigint,
          'cluster_min 7: only the spike');
-- A month later the spike is baseline, not news.
SELECT is_empty($$SELECT * FROM gridgov.detect_hotspots('2026-04-09 09:00')$$, 'a month later: no hot spot');

-- Proactive cases: one per hot spot, idempotent, never counted themselves.
CREATE TEMP TABLE found2 AS SELECT * FROM gridgov.detect_hotspots('2026-03-09 09:00', open_cases => true);
SELECT is((SELECT count(*) FROM gridgov.cases WHERE source = 'proactive'), 2::bigint, 'two proactive cases opened');
SELECT results_eq($$SELECT f.kind, c.category COLLATE "default", c.state, c.grid IN ('110115004001001', '110115004001002')
                     FROM found2 f JOIN gridgov.cases c ON c.id = f.case_id ORDER BY f.kind$$,
                  $$VALUES ('cluster', 'E0406', 'reported', true), ('spike', 'E0102', 'reported', true)$$,
                  'linked to their hot spot, in its category, located in the spike''s grid or at the cluster''s centre');
SELECT ok((SELECT bool_and(c.title LIKE '未诉先办：%' AND c.reported_at = '2026-03-09 09:00')
           FROM found2 f JOIN gridgov.cases c ON c.id = f.case_id), 'titled 未诉先办 and reported at as_of');
SELECT is((SELECT cases_opened FROM gridgov.hotspot_runs WHERE detected_at = '2026-03-09 09:00'), 2, 'the run counts them');
CREATE TEMP TABLE found3 AS SELECT * FROM gridgov.detect_hotspots('2026-03-09 09:00', open_cases => true);
SELECT results_eq($$SELECT kind, category, cases, baseline_cases, case_id FROM found3 ORDER BY kind$$,
                  $$SELECT kind, category, cases, baseline_cases, case_id FROM found2 ORDER BY kind$$,
                  're-running finds the same, linked to the same cases (proactive cases are not counted)');
SELECT is((SELECT count(*) FROM gridgov.cases WHERE source = 'proactive'), 2::bigint, 'and opens no new case');
SELECT results_eq($$SELECT detected_at FROM gridgov.hotspots_latest$$,
                  $$SELECT NULL::timestamptz WHERE false$$,
                  'hotspots_latest shows the latest run, 9 April, which found nothing');

-- Seasonal view: 暴露垃圾 flat data is all February-March; plant 非法小广告
-- (E0201): 2 in January 2025, 4 in January 2026, 6 in July 2025.  January:
-- 6 cases in 2 years = 3 a year, July: 6 in 1 year; index 12 x 3 / 9 = 4, 12 x 6 / 9 = 8.
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'app', 'E0201', 'season', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), t
FROM (SELECT timestamptz '2025-01-10 10:00' + i * interval '1 day' FROM generate_series(1, 2) i
      UNION ALL SELECT timestamptz '2026-01-10 10:00' + i * interval '1 day' FROM generate_series(1, 4) i
      UNION ALL SELECT timestamptz '2025-07-10 10:00' + i * interval '1 day' FROM generate_series(1, 6) i) x(t);
SELECT results_eq($$SELECT month_of_year, cases, years, per_year, seasonal_index FROM gridgov.seasonal
                   WHERE category = 'E0201' ORDER BY 1$$,
                  $$VALUES (1, 6::bigint, 2, 3.0, 4.00), (7, 6::bigint, 1, 6.0, 8.00)$$,
                  'seasonal: cases, years and index by month of the year');

SELECT * FROM finish();
ROLLBACK;

-- The social-conditions index (社情指数, src/sql/088_social.sql, docs/bi.md
-- "Social-conditions index"):
--   1. population as data: validated, the year a month uses;
--   2. known populations and cases in June 2025 give the exact raw components,
--      their normalisation and the index, by hand;
--   3. weights as data change the index (a user default, an area's own row),
--      zscore and target normalisation, shipped rows guarded;
--   4. the series, the map metric (GeoJSON and SVG), an analyst reads them;
--   5. bad arguments give their documented SQLSTATEs.
BEGIN;
SELECT plan(46);
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql

-- 1. Population ------------------------------------------------------------------------
INSERT INTO gridgov.area_population (area, year, population, source) VALUES
    ('110115004', 2020, 20000, 'illustrative'), ('110115004', 2030, 99999, 'illustrative, later'),
    ('110115005', 2025, 10000, 'illustrative');
SELECT throws_ok($$INSERT INTO gridgov.area_population VALUES ('110115005', 2024, -5, NULL)$$, '23514', NULL,
                 'a negative population is refused (23514)');
SELECT throws_ok($$INSERT INTO gridgov.area_population VALUES ('110115005', 2024, 0, NULL)$$, '23514', NULL,
                 'so is 0');
SELECT throws_ok($$INSERT INTO gridgov.area_population VALUES ('11', 2024, 100, NULL)$$, '23514', NULL,
                 'and a province (areas are counties, towns, communities or grids)');
SELECT throws_ok($$INSERT INTO gridgov.area_population VALUES ('110115005', 1800, 100, NULL)$$, '23514', NULL,
                 'and a year before 1949');
SELECT ok((SELECT extcondition[array_position(extconfig, 'gridgov.area_population'::regclass)] = ''
           FROM pg_extension WHERE extname = 'gridgov'),
          'area_population is user data: pg_dump saves every row');

-- 2. June 2025: town 004 (亦庄, 20,000 residents in 2020) and town 005 (黄村, 10,000 in 2025).
-- 004: A1-A3 one caller written three ways (hotline, due 23 June: A1 answered, A2 left open
-- = overdue, A3 called back satisfied and closed), B1 called back unsatisfied and closed,
-- D1 and D2 disputes (due in July).  005: C1 answered, C2 a dispute, both from one phone,
-- which also called on 31 May (X1, answered; due in June as well).
CREATE TEMP TABLE m (label text, category text, lon float8, lat float8, at timestamptz, phone text);
INSERT INTO m VALUES
    ('A1', 'H0101', 116.45, 39.85, '2025-06-02 09:00', '+86 138-0013-8000'),
    ('A2', 'H0102', 116.45, 39.85, '2025-06-02 10:00', '13800138000'),
    ('A3', 'H0101', 116.46, 39.86, '2025-06-02 11:00', '１３８００１３８０００'),
    ('B1', 'H0101', 116.45, 39.85, '2025-06-02 09:00', '139-0013-9000'),
    ('D1', 'D0101', 116.45, 39.85, '2025-06-03 09:00', '13700137000'),
    ('D2', 'D0102', 116.45, 39.85, '2025-06-03 09:00', NULL),
    ('C1', 'H0101', 116.30, 39.70, '2025-06-04 09:00', '13600136000'),
    ('C2', 'D0101', 116.30, 39.70, '2025-06-04 10:00', '13600136000'),
    ('X1', 'H0101', 116.30, 39.70, '2025-05-31 15:59', '13600136000');
INSERT INTO gridgov.cases (source, category, title, location, reported_at, reporter_phone)
SELECT 'hotline', category, label, ST_SetSRID(ST_MakePoint(lon, lat), 4326), at, phone FROM m;
SELECT is(count(*), 17::bigint, 'walked: A1, C1, X1 answered; A3, B1 dispatched to callback and closed')
FROM (SELECT gridgov.act(c.id, a.action, NULL, a.payload, c.reported_at + a.mins * interval '1 minute')
      FROM gridgov.cases c
      JOIN (VALUES ('A1', 'answer', '{}'::jsonb, 10), ('C1', 'answer', '{}', 10), ('X1', 'answer', '{}', 10),
                   ('A3', 'dispatch', '{}', 5), ('A3', 'sign', '{}', 10), ('A3', 'contact', '{}', 15),
                   ('A3', 'handle', '{}', 20), ('A3', 'reply', '{}', 30),
                   ('A3', 'callback', '{"solved": true, "satisfaction": "satisfied"}', 40), ('A3', 'close', '{}', 50),
                   ('B1', 'dispatch', '{}', 5), ('B1', 'sign', '{}', 10), ('B1', 'contact', '{}', 15),
                   ('B1', 'handle', '{}', 20), ('B1', 'reply', '{}', 30),
                   ('B1', 'callback', '{"solved": false, "satisfaction": "unsatisfied"}', 40), ('B1', 'close', '{}', 50)
           ) a(label, action, payload, mins) ON a.label = c.title
      ORDER BY c.id, a.mins) x;

CREATE TEMP TABLE si AS SELECT * FROM gridgov.social_index('2025-06-01', 'town');
SELECT is((SELECT array_agg(area::text ORDER BY area) FROM si), ARRAY['110115004', '110115005'],
          'the towns of June 2025: the two of the fixture');
SELECT results_eq($$SELECT area::text, area_name, population, population_year, reported, case_density, disputes,
                           repeat_callers, called_back, satisfaction_rate, due, overdue, overdue_share
                    FROM si ORDER BY area$$,
                  $$VALUES ('110115004', '亦庄地区', 20000, 2020, 6::bigint, 3.00, 2::bigint, 1::bigint, 2::bigint,
                            50.00, 4::bigint, 1::bigint, 25.00),
                           ('110115005', '黄村地区', 10000, 2025, 2::bigint, 2.00, 1::bigint, 0::bigint, 0::bigint,
                            NULL, 2::bigint, 0::bigint, 0.00)$$,
                  'raw components: density 6 / 20,000 x 10,000 = 3 (the 2020 figure, not 2030''s), 2 disputes, one repeat caller (A1-A3), satisfaction 1 / 2, overdue A2 of 4 due; X1 (31 May, local) is reported in May, due in June');
SELECT results_eq($$SELECT area::text, n_case_density, n_disputes, n_repeat_callers, n_satisfaction, n_overdue_share, index
                    FROM si ORDER BY area$$,
                  $$VALUES ('110115004', 1.0000, 1.0000, 1.0000, 0.5000, 0.2500, 78.75),
                           ('110115005', 0.0000, 0.0000, 0.0000, NULL, 0.0000, 0.00)$$,
                  'normalised (minmax for density, disputes, repeat callers; target 100 for satisfaction (better) and overdue) and the index: (30 + 20 + 15 + 20 x 0.5 + 15 x 0.25) / 100 = 78.75; 005 without satisfaction: 0 / 80');
SELECT is((SELECT note FROM si WHERE area = '110115005'), 'no callbacks: satisfaction is NULL and left out',
          'the note says which component is missing');
SELECT is((SELECT weights -> 'satisfaction' FROM si WHERE area = '110115004'),
          '{"used": true, "target": 100, "weight": 20, "higher_is": "better", "normalisation": "target"}'::jsonb,
          'the weights used are shown per component');
SELECT is((SELECT (weights -> 'satisfaction' ->> 'used')::boolean FROM si WHERE area = '110115005'), false,
          'and whether each was used');
SELECT is((SELECT array_agg(area::text ORDER BY area) FROM gridgov.social_index('2025-06-01', 'community')
           WHERE population IS NULL AND case_density IS NULL AND note LIKE 'no population for the area%'),
          ARRAY['110115004001', '110115004002'],
          'communities without a population: density NULL, and the note says so (005''s cases, in no community, count for the town at that level, as in kpi)');
SELECT is((SELECT reported FROM gridgov.social_index('2025-05-01', 'town') WHERE area = '110115005'), 1::bigint,
          'X1, reported 31 May 15:59 UTC+8, is May''s');

-- The one definition: the satisfaction rate and due counts are three_rates' and timeliness'.
SELECT is((SELECT satisfaction_rate FROM gridgov.three_rates
           WHERE period = 'month' AND level = 'town' AND area = '110115004' AND period_start = '2025-06-01'
             AND department_id IS NULL), 50.00, 'three_rates gives the same satisfaction rate');
SELECT is((SELECT due - closed_on_time FROM gridgov.timeliness
           WHERE period = 'month' AND level = 'town' AND area = '110115004' AND period_start = '2025-06-01'
             AND department_id IS NULL), 1::bigint, 'and timeliness the same overdue count');

-- Disputes are a setting.
UPDATE gridgov.settings SET value = 'D0101' WHERE key = 'social_dispute_categories';
SELECT is((SELECT array_agg(disputes ORDER BY area) FROM gridgov.social_index('2025-06-01', 'town')),
          ARRAY[1, 1]::bigint[], 'social_dispute_categories D0101: D2 (D0102) is no longer a dispute');
SELECT throws_ok($$UPDATE gridgov.settings SET value = 'D01; DROP' WHERE key = 'social_dispute_categories'$$,
                 '22023', NULL, 'a malformed dispute list is refused (22023)');
UPDATE gridgov.settings SET value = 'D' WHERE key = 'social_dispute_categories';

-- 3. Weights as data ---------------------------------------------------------------------
INSERT INTO gridgov.social_index_weights (area, component, weight, normalisation, target, higher_is, note)
VALUES (NULL, 'overdue_share', 15, 'minmax', NULL, 'worse', 'test: relative overdue');
SELECT is((SELECT index FROM gridgov.social_index('2025-06-01', 'town') WHERE area = '110115004'), 90.00,
          'a user default row wins over the shipped one: overdue minmax, 004 gets 1 (30 + 20 + 15 + 10 + 15 = 90)');
INSERT INTO gridgov.social_index_weights (area, component, weight, normalisation, target, higher_is, note)
VALUES ('110115004', 'case_density', 0, 'minmax', NULL, 'worse', 'test: no density here');
SELECT is((SELECT array_agg(index ORDER BY area) FROM gridgov.social_index('2025-06-01', 'town')),
          ARRAY[85.71, 0.00], 'an area''s own row wins for it only: 004 without density is 60 / 70; 005 unchanged');
SELECT is((SELECT (weights -> 'case_density' ->> 'used')::boolean FROM gridgov.social_index('2025-06-01', 'town')
           WHERE area = '110115004'), false, 'a component of weight 0 is shown as not used');
INSERT INTO gridgov.social_index_weights (area, component, weight, normalisation, target, higher_is, note)
VALUES (NULL, 'disputes', 20, 'zscore', NULL, 'worse', 'test');
SELECT is((SELECT array_agg(n_disputes ORDER BY area) FROM gridgov.social_index('2025-06-01', 'town')),
          ARRAY[0.7500, 0.2500], 'zscore: 2 and 1 disputes, mean 1.5, sd 0.5: 0.5 + z / 4 = 0.75 and 0.25');
SELECT is(ARRAY[gridgov.social_normalise(30, 'target', 20, 'worse', NULL, NULL, NULL, NULL),
                gridgov.social_normalise(5, 'target', 20, 'worse', NULL, NULL, NULL, NULL),
                gridgov.social_normalise(5, 'target', 20, 'better', NULL, NULL, NULL, NULL),
                gridgov.social_normalise(4, 'minmax', NULL, 'worse', 4, 4, 4, 0),
                gridgov.social_normalise(4, 'zscore', NULL, 'worse', 4, 4, 4, 0),
                gridgov.social_normalise(9, 'zscore', NULL, 'worse', 0, 10, 1, 1)],
          ARRAY[1, 0.25, 0.75, 0, 0.5, 1]::numeric[],
          'social_normalise: target clamps at 1, better is 1 minus worse, equal areas 0 (minmax: none stands out) or 0.5 (zscore: the mean), zscore clamps at 1');
SELECT throws_ok($$INSERT INTO gridgov.social_index_weights (component, weight, normalisation, higher_is)
                   VALUES ('case_density', 1, 'target', 'worse')$$, '23514', NULL,
                 'target normalisation without a target is refused (23514)');
SELECT throws_ok($$INSERT INTO gridgov.social_index_weights (component, weight, normalisation, higher_is)
                   VALUES ('noise', 1, 'minmax', 'worse')$$, '23514', NULL, 'an unknown component too');
-- (numeric NaN passes "> 0" and made every area's pressure 1; Infinity made it 0)
SELECT throws_ok($$INSERT INTO gridgov.social_index_weights (component, weight, normalisation, target, higher_is)
                   VALUES ('case_density', 1, 'target', 'NaN', 'worse')$$, '23514', NULL, 'a target of NaN too');
SELECT throws_ok($$INSERT INTO gridgov.social_index_weights (component, weight, normalisation, target, higher_is)
                   VALUES ('overdue_share', 1, 'target', 'Infinity', 'worse')$$, '23514', NULL, 'a target of Infinity too');
SELECT throws_ok($$INSERT INTO gridgov.social_index_weights (component, weight, normalisation, higher_is)
                   VALUES ('disputes', -1, 'minmax', 'worse')$$, '23514', NULL, 'a negative weight too');
SELECT throws_ok($$UPDATE gridgov.social_index_weights SET weight = 50 WHERE builtin AND component = 'disputes'$$,
                 'GG300', NULL, 'the shipped rows cannot be changed (GG300)');
SELECT throws_ok($$INSERT INTO gridgov.social_index_weights (component, weight, normalisation, higher_is, builtin)
                   VALUES ('disputes', 1, 'minmax', 'worse', true)$$, 'GG300', NULL, 'nor forged');
SELECT ok((SELECT extcondition[array_position(extconfig, 'gridgov.social_index_weights'::regclass)] = 'WHERE NOT builtin'
           FROM pg_extension WHERE extname = 'gridgov'), 'user weights are dumped, shipped ones are not');
DELETE FROM gridgov.social_index_weights WHERE NOT builtin;

-- 4. The series and the map ------------------------------------------------------------------
SELECT results_eq($$SELECT month, reported, index FROM gridgov.social_index_series('110115004', '2025-05-01', '2025-07-01')$$,
                  $$VALUES ('2025-05-01'::date, 0::bigint, 0.00), ('2025-06-01', 6, 78.75), ('2025-07-01', 0, 18.75)$$,
                  'social_index_series: one row per month, June as social_index gives it (May: no case here, X1 is 005''s; July: D1 and D2 fall due open, overdue 100 %: 15 / 80)');
SELECT is((SELECT f -> 'properties' FROM jsonb_array_elements(gridgov.map_geojson('town', 'social_index', '2025-07-05 09:00') -> 'features') f
           WHERE f -> 'properties' ->> 'code' = '110115004') @> '{"value": 78.75, "social_index": 78.75, "social_index_month": "2025-06-01"}',
          true, 'map_geojson(level, ''social_index'', as_of): the last complete month before as_of');
SELECT is((xpath('count(//*[local-name()="path"])', gridgov.map_svg('town', 'social_index', '2025-07-05 09:00')::xml))[1]::text::int,
          2, 'map_svg draws the index, one path per town');
SELECT ok(gridgov.map_svg('town', 'social_index', '2025-07-05 09:00') LIKE '%社情指数 social-conditions index (2025-06)%',
          'with the month in its title');
SELECT is((gridgov.map_geojson('town', 'open_cases', '2025-07-05 09:00') -> 'features' -> 0 -> 'properties') ? 'social_index',
          false, 'other metrics do not compute the index');

CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_si_analyst NOLOGIN IN ROLE gridgov_analyst;
SET LOCAL ROLE gg_si_analyst;
SELECT is((SELECT index FROM gridgov.social_index('2025-06-01', 'town') WHERE area = '110115004'), 78.75,
          'an analyst (no rights on cases) reads the index');
SELECT is((SELECT count(*) FROM gridgov.social_index_series('110115005', '2025-01-01', '2025-12-01')), 12::bigint,
          'and the series');
RESET ROLE;

-- 5. Bad arguments ---------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM gridgov.social_index(NULL, 'town')$$, '22004', NULL, 'NULL month: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.social_index('2025-06-01', 'street')$$, '22023', 'unknown level "street"',
                 'unknown level: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.social_index('2025-06-15', 'town')$$, '22023', NULL,
                 'a month that is not a first day: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.social_index_series('110115004', '2025-06-01', '2025-01-01')$$, '22023', NULL,
                 'a backward series: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.social_index_series('11', '2025-01-01', '2025-06-01')$$, '22023', NULL,
                 'a province: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.social_index_series('110115004', '2015-01-01', '2025-06-01')$$, '22023', NULL,
                 'a series longer than 120 months: 22023');
-- (generate_series from infinity to infinity never ends: the timeout only stops a regression)
SET LOCAL statement_timeout = '10s';
SELECT throws_ok($$SELECT * FROM gridgov.social_index_series('110115004', 'infinity', 'infinity')$$, '22023', NULL,
                 'an infinite series: 22023 (it ran until cancelled)');
SELECT throws_ok($$SELECT * FROM gridgov.social_index_series('110115004', '-infinity', 'infinity')$$, '22023', NULL,
                 'from -infinity to infinity: 22023');
SET LOCAL statement_timeout = 0;

SELECT * FROM finish();
ROLLBACK;

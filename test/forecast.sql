-- Volume forecasts (src/sql/088_forecast.sql, docs/bi.md "Forecasts"):
--   1. the arithmetic in C: an exact fit, negative-binomial quantiles and scores;
--   2. a generated daily series of known shape (trend, weekday, yearly cycle,
--      Spring Festival, Golden Week, other holidays, adjusted working days,
--      over-dispersion 0.01) is recovered: coefficients within the errors
--      stated below, next year's expected counts within 5 % of the truth on
--      average, and the intervals cover at their nominal rate within 5 points;
--      the same for its weekly sums;
--   3. end to end on cases: forecast_fit, forecast_refresh (the cache and its
--      use), forecast_volume, forecast_backtest, forecast_alerts (a planted
--      surge raises one forecast_exceeded hot spot);
--   4. bad arguments give their documented SQLSTATEs.
BEGIN;
SELECT plan(72);
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';

-- 1. The arithmetic ------------------------------------------------------------------

-- Counts exactly exp(1 + 0.5 x): the fit returns the coefficients and no dispersion.
SELECT ok((SELECT abs(f.coefficients[1] - 1) < 1e-6 AND abs(f.coefficients[2] - 0.5) < 1e-6 AND f.dispersion < 1e-9
           FROM gridgov.glm_poisson_fit((SELECT array_agg(exp(1 + 0.5 * i / 10.0) ORDER BY i) FROM generate_series(0, 29) i),
                                        (SELECT array_agg(ARRAY[1, i / 10.0]::float8[] ORDER BY i) FROM generate_series(0, 29) i),
                                        0) f),
          'glm_poisson_fit: counts exactly exp(1 + 0.5 x) give back 1 and 0.5, dispersion 0');
-- Poisson(2): P(Y <= 1) = 0.406, P(Y <= 2) = 0.677, P(Y <= 4) = 0.947, P(Y <= 5) = 0.983.
SELECT is(ARRAY[gridgov.nb_quantile(2, 0, 0.5), gridgov.nb_quantile(2, 0, 0.9), gridgov.nb_quantile(2, 0, 0.975),
                gridgov.nb_quantile(2, 0, 0.4)],
          ARRAY[2, 4, 5, 1], 'nb_quantile: the Poisson(2) quantiles');
-- NB(mu 4, a 0.5) is geometric-like: size 2, p = 2/6; P(Y = 0) = (1/3)^2 = 0.111.
SELECT is(ARRAY[gridgov.nb_quantile(4, 0.5, 0.11), gridgov.nb_quantile(4, 0.5, 0.112)], ARRAY[0, 1],
          'nb_quantile: P(Y = 0) of NB(4, 0.5) is 1/9');
-- Poisson(3): P(Y < 1) = 0.050 and P(Y < 2) = 0.199 (nearest 0.1: 1); P(Y <= 4) = 0.815 and
-- P(Y <= 5) = 0.916 (nearest 0.9: 5).  Poisson(1): P(Y <= 1) = 0.736, P(Y <= 2) = 0.920: [0, 2].
SELECT is((SELECT array_agg(x ORDER BY k, o) FROM (VALUES (1, 3.0, 0.8), (2, 1.0, 0.8), (3, 0.01, 0.95)) v(k, mu, level),
                 LATERAL gridgov.nb_interval(mu, 0, level) i, LATERAL (VALUES (1, i.lower), (2, i.upper)) w(o, x)),
          ARRAY[1, 5, 0, 2, 0, 0], 'nb_interval: tails nearest (1 - level) / 2');
SELECT throws_ok($$SELECT gridgov.nb_interval(3, 0, 1)$$, '22023', NULL, 'nb_interval: a level of 1 is 22023');
SELECT ok(abs(gridgov.nb_score(10, 2.125, 0) - gridgov.poisson_score(10, 2.125)) < 1e-9,
          'nb_score with no dispersion is the Poisson surprise of poisson_score');
SELECT ok(gridgov.nb_score(10, 2.125, 0.5) < gridgov.nb_score(10, 2.125, 0) AND gridgov.nb_score(0, 20, 0) > 5,
          'nb_score: over-dispersion makes a high count less surprising; a 0 where 20 are expected is surprising');

-- 2. A generated series of known shape -------------------------------------------------

SELECT setseed(0.42);
CREATE TEMP TABLE truth AS
SELECT c.*,
       exp(ln(20) + 0.1 * ((c.day - date '2020-01-01') / 365.2425)
           + CASE extract(isodow FROM c.day) WHEN 6 THEN -0.4 WHEN 7 THEN -0.5 ELSE 0 END
           + 0.3 * cos(2 * pi() * ((c.day - date '2020-01-01') / 365.2425))
           + CASE WHEN c.spring_festival THEN -0.8 WHEN c.golden_week THEN -0.5 WHEN c.holiday THEN -0.3 ELSE 0 END
           + CASE WHEN c.workday THEN 0.4 ELSE 0 END) AS mu
FROM gridgov.forecast_calendar_days('2022-01-03', '2026-01-05') c;
ALTER TABLE truth ADD y integer;
UPDATE truth SET y = gridgov.nb_quantile(mu, 0.01, random());
SELECT is((SELECT count(*) FILTER (WHERE spring_festival) FROM truth WHERE day < '2025-01-01'), 22::bigint,
          'the calendar: 22 Spring Festival days off in 2022-2024 (7 + 7 + 8)');
CREATE TEMP TABLE m AS
SELECT * FROM gridgov.forecast_model('day', '2022-01-03',
                                     (SELECT array_agg(y::float8 ORDER BY day) FROM truth WHERE day < '2025-01-06'));
CREATE TEMP TABLE coef AS
SELECT r, c FROM m, unnest(gridgov.forecast_regressors('day'), m.coefficients) u(r, c);
-- Stated errors: weekday, Fourier and trend 0.05; holidays 0.10, Spring
-- Festival and Golden Week (3 x 7 days seen) 0.15.
SELECT ok((SELECT abs(c - 0.1) < 0.05 FROM coef WHERE r = 'trend'), 'trend 0.1 a year recovered within 0.05');
SELECT ok((SELECT abs(c + 0.4) < 0.05 FROM coef WHERE r = 'saturday'), 'Saturday -0.4 recovered within 0.05');
SELECT ok((SELECT abs(c + 0.5) < 0.05 FROM coef WHERE r = 'sunday'), 'Sunday -0.5 recovered within 0.05');
SELECT ok((SELECT bool_and(abs(c) < 0.05) FROM coef WHERE r IN ('tuesday', 'wednesday', 'thursday', 'friday')),
          'Tuesday to Friday like Monday, within 0.05');
SELECT ok((SELECT abs(c - 0.3) < 0.05 FROM coef WHERE r = 'cos1'), 'the yearly cycle 0.3 cos recovered within 0.05');
SELECT ok((SELECT bool_and(abs(c) < 0.05) FROM coef WHERE r ~ '^(sin|cos)[2-6]$' OR r = 'sin1'),
          'no other harmonic beyond 0.05');
SELECT ok((SELECT abs(c + 0.3) < 0.1 FROM coef WHERE r = 'holiday'), 'other holidays -0.3 recovered within 0.1');
SELECT ok((SELECT abs(c - 0.4) < 0.1 FROM coef WHERE r = 'workday'), 'adjusted working days +0.4 recovered within 0.1');
SELECT ok((SELECT abs(c + 0.8) < 0.15 FROM coef WHERE r = 'spring_festival'), 'Spring Festival -0.8 recovered within 0.15');
SELECT ok((SELECT abs(c + 0.5) < 0.15 FROM coef WHERE r = 'golden_week'), 'Golden Week -0.5 recovered within 0.15');
SELECT ok((SELECT dispersion BETWEEN 0.005 AND 0.015 FROM m), 'over-dispersion 0.01 recovered within 0.005');
SELECT ok((SELECT mae < 0.75 * naive_mae FROM m), 'in sample, the model''s error is under 3/4 of the seasonal-naive one');
SELECT ok((SELECT array_dims(covariance) = '[1:34][1:34]'
                  AND bool_and(covariance[i][i] > 0 AND abs(covariance[i][j] - covariance[j][i]) < 1e-12)
           FROM m, generate_series(1, 34) i, generate_series(1, 34) j GROUP BY covariance),
          'the coefficients'' covariance: 34 x 34 (the regressors), symmetric, positive variances');
SELECT ok((SELECT bool_and(period_dispersion > (SELECT dispersion FROM m)) FROM gridgov.forecast_predict('day', '2025-01-06', 7,
                  (SELECT coefficients FROM m), (SELECT dispersion FROM m), (SELECT covariance FROM m))),
          'with the covariance, each period''s over-dispersion adds the uncertainty of its expected count');
CREATE TEMP TABLE p AS
SELECT f.*, t.y, t.mu FROM m, gridgov.forecast_predict('day', '2025-01-06', 364, m.coefficients, m.dispersion, m.covariance) f
JOIN truth t ON t.day = f.period_start;
SELECT ok((SELECT avg(abs(expected - mu) / mu) < 0.05 FROM p), 'the next year''s expected counts within 5 % of the truth on average');
SELECT ok((SELECT avg((y BETWEEN lower_80 AND upper_80)::integer) BETWEEN 0.75 AND 0.85 FROM p),
          'the 80 % intervals cover 75-85 % of the next year''s counts');
SELECT ok((SELECT avg((y BETWEEN lower_95 AND upper_95)::integer) BETWEEN 0.90 AND 0.99 FROM p),
          'the 95 % intervals cover 90-99 % of them');
SELECT ok((SELECT bool_and(lower_95 <= lower_80 AND lower_80 <= expected AND expected <= upper_80 + 1 AND upper_80 <= upper_95) FROM p),
          'the intervals are nested around the expected count');
-- Weekly sums of the same series.
CREATE TEMP TABLE wk AS SELECT date_trunc('week', day)::date AS w, sum(y) AS y, sum(mu) AS mu FROM truth GROUP BY 1;
CREATE TEMP TABLE mw AS
SELECT * FROM gridgov.forecast_model('week', '2022-01-03', (SELECT array_agg(y::float8 ORDER BY w) FROM wk WHERE w < '2025-01-06'));
CREATE TEMP TABLE pw AS
SELECT f.*, t.y, t.mu FROM mw, gridgov.forecast_predict('week', '2025-01-06', 52, mw.coefficients, mw.dispersion, mw.covariance) f
JOIN wk t ON t.w = f.period_start;
SELECT ok((SELECT avg(abs(expected - mu) / mu) < 0.05 FROM pw), 'weeks: the next year''s expected counts within 5 % of the truth');
SELECT ok((SELECT avg((y BETWEEN lower_95 AND upper_95)::integer) >= 0.88 FROM pw),
          'weeks: the 95 % intervals cover at least 88 % of the 52 weeks');

-- 3. End to end on cases -----------------------------------------------------------------

\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;
-- 398 days, 1 November 2024 to 3 December 2025, in grid 110115004001001 (town 110115004):
-- 暴露垃圾 (E0102) Poisson around 4 on Mondays, 3 on other weekdays, 1.5 on Saturdays, 1 on Sundays.
SELECT setseed(0.7);
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'patrol', 'E0102', 'history', ST_SetSRID(ST_MakePoint(116.41 + (k % 9) * 0.01, 39.76 + (k % 7) * 0.01), 4326),
       d + interval '9 hours' + k * interval '10 minutes'
FROM generate_series(timestamp '2024-11-01', timestamp '2025-12-03', interval '1 day') d,
     LATERAL generate_series(1, gridgov.nb_quantile((ARRAY[4, 3, 3, 3, 3, 1.5, 1])[extract(isodow FROM d)::integer], 0, random())) k;
SELECT ok((SELECT count(*) BETWEEN 900 AND 1300 FROM gridgov.cases WHERE title = 'history'), 'about 1,100 cases in 398 days');

CREATE TEMP TABLE f1 AS SELECT * FROM gridgov.forecast_fit('110115004', 'E01', 'day', '2025-12-04 09:00');
SELECT is((SELECT (data_from, data_to, periods, cases::integer) FROM f1),
          (SELECT (date '2024-11-01', date '2025-12-04', 398, count(*)::integer) FROM gridgov.cases WHERE title = 'history'),
          'forecast_fit: 398 days of history from the first case to the day before as_of, every case counted');
CREATE TEMP TABLE v1 AS SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'day', 14, '2025-12-04 09:00');
SELECT is((SELECT array_agg(period_start ORDER BY period_start) FROM v1)::text,
          (SELECT array_agg(d::date ORDER BY d) FROM generate_series(date '2025-12-04', date '2025-12-17', '1 day') d)::text,
          'forecast_volume: 14 days from as_of''s day');
SELECT ok((SELECT bool_and(abs(expected - (ARRAY[4, 3, 3, 3, 3, 1.5, 1])[extract(isodow FROM period_start)::integer]) < 1)
           FROM v1),
          'forecast_volume: the weekday means (4 / 3 / 1.5 / 1) within 1');
SELECT is((SELECT count(*) FROM gridgov.forecast_volume('110115', 'E', 'day', 3, '2025-12-04 09:00')), 3::bigint,
          'the county and the kind letter E are an area and a prefix too');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'week', 4, '2025-12-04 09:00')$$, 'GG301', NULL,
                 'weeks need 104 weeks of history: GG301');

-- The nightly refresh caches the town's fit; forecast_volume uses it while current.
SELECT is(gridgov.forecast_refresh('2025-12-03 09:00'), 1, 'forecast_refresh: one town x top category has the history (days)');
SELECT is((SELECT (area::text, category_prefix COLLATE "default", grain, data_to) FROM gridgov.forecast_fits),
          ('110115004'::text, 'E01'::text, 'day'::text, date '2025-12-03'), 'the fit of 110115004 x E01 per day, history up to 2 December');
UPDATE gridgov.forecast_fits SET coefficients[1] = coefficients[1] + ln(2);
SELECT ok((SELECT bool_and(abs(c.expected - f.expected) < 1e-9 AND c.expected > 1.5 * o.expected)
           FROM gridgov.forecast_volume('110115004', 'E01', 'day', 7, '2025-12-04 09:00') c
           JOIN gridgov.forecast_predict('day', '2025-12-04', 7,
                                         (SELECT coefficients FROM gridgov.forecast_fits), 0) f USING (period_start)
           JOIN gridgov.forecast_predict('day', '2025-12-04', 7, (SELECT coefficients FROM f1), 0) o USING (period_start)),
          'forecast_volume uses the current cached fit (doubled intercept, doubled forecast)');
SELECT ok((SELECT bool_and(abs(c.expected - v.expected) < 1e-9)
           FROM gridgov.forecast_volume('110115004', 'E01', 'day', 7, '2025-12-11 09:00') c
           JOIN gridgov.forecast_predict('day', '2025-12-11', 7,
                                         (SELECT coefficients FROM gridgov.forecast_fit('110115004', 'E01', 'day', '2025-12-11 09:00')),
                                         0) v USING (period_start)),
          'a fit whose history ended 8 days before is not current: fitted on the fly');
UPDATE gridgov.forecast_fits SET coefficients[1] = coefficients[1] - ln(2);

-- Alerts: 15 more cases on 3 December (a Wednesday, about 3 expected).
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'app', 'E0102', 'surge', ST_SetSRID(ST_MakePoint(116.45, 39.8 + k * 0.001), 4326),
       timestamp '2025-12-03 14:00' + k * interval '5 minutes'
FROM generate_series(1, 15) k;
CREATE TEMP TABLE a1 AS SELECT * FROM gridgov.forecast_alerts('2025-12-04 09:00');
SELECT results_eq($$SELECT kind, category COLLATE "default", grids::text[], window_start, window_end FROM a1$$,
                  $$VALUES ('forecast_exceeded', 'E01', '{110115004}'::text[], timestamptz '2025-12-03 00:00+08', timestamptz '2025-12-04 00:00+08')$$,
                  'forecast_alerts: one forecast_exceeded hot spot, town 110115004 x E01, on 3 December');
SELECT ok((SELECT cases >= 15 AND score > threshold AND cases > (SELECT upper_95 FROM gridgov.forecast_predict('day', '2025-12-03', 1,
                  (SELECT coefficients FROM gridgov.forecast_fits), (SELECT dispersion FROM gridgov.forecast_fits))) FROM a1),
          'its count is above the 95 % interval and its score above the threshold');
SELECT is((SELECT params FROM gridgov.hotspot_runs WHERE detected_at = '2025-12-04 09:00'), '{"forecast_alerts": true}'::jsonb,
          'a run was made for as_of (detect_hotspots made none), so that the board (hotspots_latest) can show it');
SELECT is((SELECT count(*) FROM gridgov.forecast_alerts('2025-12-04 09:00')), 1::bigint,
          'a second call with the same as_of replaces the alert');
SELECT is((SELECT count(*) FROM gridgov.hotspots WHERE kind = 'forecast_exceeded'), 1::bigint, 'one alert stored');

-- The backtest: four weekly origins in November 2025.
CREATE TEMP TABLE b1 AS SELECT * FROM gridgov.forecast_backtest('110115004', 'E01', 'day', '2025-11-03', '2025-12-01');
SELECT is((SELECT (origins, points, naive) FROM b1), (4, 28, 'same weekday a week before'::text),
          'forecast_backtest: 4 origins x 7 days against the same weekday a week before');
SELECT ok((SELECT mase_ratio < 1 AND model_mase > 0 AND abs(model_mase / naive_mase - mase_ratio) < 1e-9 FROM b1),
          'on Poisson noise around weekday means the model beats the seasonal-naive forecast');
SELECT ok((SELECT coverage_80 BETWEEN 0.5 AND 1 AND coverage_95 >= coverage_80 FROM b1), 'coverage is reported, nested');

-- 4. Bad arguments ----------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume(NULL, 'E01', 'day', 7)$$, '22004', NULL, 'area NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', NULL, 'day', 7)$$, '22004', NULL, 'prefix NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'day', NULL)$$, '22004', NULL, 'horizon NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'month', 7)$$, '22023', NULL, 'unknown grain: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'day', 0)$$, '22023', NULL, 'horizon 0: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'week', 105)$$, '22023', NULL,
                 'horizon over 104 weeks: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E77', 'day', 7)$$, '42704', NULL,
                 'a prefix no category starts with: 42704');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'e01%', 'day', 7)$$, '42704', NULL,
                 'a prefix that is no category prefix at all: 42704');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115005', 'E01', 'day', 7, '2025-12-04 09:00')$$, 'GG301', NULL,
                 'an area without cases: too little history, GG301');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_backtest('110115004', 'E01', 'day', '2025-12-01', '2025-11-03')$$, '22023', NULL,
                 'backtest from >= to: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_backtest('110115004', 'E01', 'day', '2025-06-01', '2025-07-01')$$, 'GG301', NULL,
                 'backtest with less than a year of history before from: GG301');
SELECT throws_ok($$SELECT * FROM gridgov.glm_poisson_fit('{1,NULL}', '{{1},{1}}', 0)$$, '22004', NULL,
                 'glm_poisson_fit: a NULL count is 22004');
SELECT throws_ok($$SELECT * FROM gridgov.glm_poisson_fit('{1,-2,3}', '{{1},{1},{1}}', 0)$$, '22023', NULL,
                 'glm_poisson_fit: a negative count is 22023');
SELECT throws_ok($$SELECT gridgov.glm_predict_variance('{{1,0},{0,1}}', '{{1,2,3}}')$$, '22023', NULL,
                 'glm_predict_variance: a covariance that does not fit the design matrix is 22023');

SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115004', 'E01', 'day', 7, pg_catalog.now() + interval '30 days')$$,
                 '22023', 'as_of must not be in the future', 'an as_of in the future (a history of days to come): 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_backtest('110115004', 'E01', 'day', '2025-11-03', (pg_catalog.now() + interval '30 days')::date)$$,
                 '22023', 'a backtest must end by today', 'a backtest ending after today: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_backtest('110115004', 'E01', 'day', '2018-01-01', '2025-11-03', 1)$$,
                 '22023', NULL, 'a backtest of more than 400 origins (each a fit): 22023');

-- 5. The review's cases: far tails in bounded time and with their digits --------------------
SELECT is(gridgov.nb_quantile(1e6, 0, 0.9999999999999) BETWEEN 1000000 AND 1010000, true,
          'nb_quantile far in the tail of a large mean: a count near mu + 7.4 sd, not INT32_MAX after a minute');
SELECT ok(abs(gridgov.nb_score(1000, 5, 0) - gridgov.poisson_score(1000, 5)) < 1,
          'nb_score of a count far above the mean keeps its digits (as poisson_score: about 1871, not capped near 15)');
SELECT ok(gridgov.nb_score(60, 5, 0) > 40, 'nb_score(60, 5, 0) above 40 (P(Y >= 60) is about 1e-42)');

-- 6. Roles: the admin role runs the jobs' functions, an analyst the model on any series.
CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_fc_admin NOLOGIN IN ROLE gridgov_admin;
CREATE ROLE gg_fc_analyst NOLOGIN IN ROLE gridgov_analyst;
SET LOCAL ROLE gg_fc_admin;
SELECT lives_ok($$SELECT gridgov.forecast_refresh('2025-12-03 09:00')$$, 'the admin role runs forecast_refresh');
SELECT lives_ok($$SELECT count(*) FROM gridgov.forecast_alerts('2025-12-04 09:00')$$, 'and forecast_alerts');
RESET ROLE;
SET LOCAL ROLE gg_fc_analyst;
SELECT lives_ok($$SELECT * FROM gridgov.forecast_model('day', '2022-01-03', array_fill(3::float8, ARRAY[400]))$$,
                'an analyst fits the model on a series of its own');
SELECT throws_ok($$SELECT count(*) FROM gridgov.forecast_alerts('2025-12-04 09:00')$$, '42501', NULL,
                 'but may not raise alerts');
RESET ROLE;

-- A fit an admin damaged does not stop the nightly job: the alerts are skipped, the refit replaces it.
UPDATE gridgov.forecast_fits SET coefficients[1] = 20;
SELECT is((SELECT (j ->> 'forecast_alerts') IS NULL AND (j ->> 'forecasts_fitted')::int >= 1
           FROM gridgov.analytics_nightly('2025-12-04 09:00') j), true,
          'analytics_nightly with a damaged fit: alerts skipped (null), the forecasts refitted');
SELECT ok((SELECT coefficients[1] < 20 FROM gridgov.forecast_fits LIMIT 1), 'the damaged fit is replaced');

SELECT * FROM finish();
ROLLBACK;

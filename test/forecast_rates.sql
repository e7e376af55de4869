-- Three-rate prediction (src/sql/088_forecast_rates.sql, docs/bi.md "Three-rate prediction"):
--   1. the arithmetic in C, on hand-computable cases: an exact logit fit, the
--      beta prior of a few units, binomial and beta-binomial intervals;
--   2. a generated history of 30 months (January 2024 to June 2026) of 12 towns
--      of county 110115 with known rates: resolution and satisfaction fixed per
--      town, response a town's rate moved on the logit scale by -0.6 x log of
--      the town's open cases at the start of the month per monthly dispatch
--      (backlog drawn at random each month), one tiny town of 3 cases a month.
--      July 2026 is predicted within the errors stated below, the workload
--      coefficient is recovered, the tiny town shrinks toward the county, and
--      the backtest of July 2025 - June 2026 beats "same as last month" with
--      80 % intervals covering near 80 %;
--   3. bad arguments give their documented SQLSTATEs; the roles.
-- The history is written straight into gridgov.case_stats (one row per case,
-- as the analytics keep it) and summed into stats_month by
-- gridgov.analytics_rebuild_summaries(): 51,690 cases through the workflow
-- would take minutes.  The rows have no gridgov.cases behind them, so the
-- foreign key's trigger is off for this transaction (session_replication_role).
BEGIN;
SELECT plan(51);
SET LOCAL timezone = 'Asia/Shanghai';

-- 1. The arithmetic -------------------------------------------------------------------

-- Successes exactly 100 expit(0.5 + x) of 100 trials: the fit gives back 0.5 and 1, no dispersion.
SELECT ok((SELECT abs(f.coefficients[1] - 0.5) < 1e-6 AND abs(f.coefficients[2] - 1) < 1e-6 AND f.dispersion < 1e-9
                  AND f.deviance < 1e-9
           FROM gridgov.glm_binomial_fit(
                    (SELECT array_agg(100 / (1 + exp(-(0.5 + i / 10.0))) ORDER BY i) FROM generate_series(-20, 20) i),
                    array_fill(100::float8, ARRAY[41]),
                    (SELECT array_agg(ARRAY[1, i / 10.0]::float8[] ORDER BY i) FROM generate_series(-20, 20) i), 0) f),
          'glm_binomial_fit: successes exactly 100 expit(0.5 + x) give back 0.5 and 1, dispersion 0');
-- Four units of 100 with 40, 50, 50, 60: mean 0.5; S = 100 (0.01 + 0 + 0 + 0.01) = 2,
-- rho = (2 / 0.25 - 3) / (400 - 40000 / 400) = 5 / 300 = 1/60: strength 59.
SELECT is((SELECT ARRAY[round(p.mean::numeric, 6), round(p.strength::numeric, 6)]
           FROM gridgov.beta_binomial_prior('{40,50,50,60}', '{100,100,100,100}') p),
          ARRAY[0.5, 59]::numeric[], 'beta_binomial_prior: 40, 50, 50, 60 of 100 each: mean 0.5, strength 59');
SELECT is((SELECT p.strength FROM gridgov.beta_binomial_prior('{50,50,0}', '{100,100,0}') p), 1e6::float8,
          'beta_binomial_prior: no spread beyond the binomial''s: full pooling (1e6); a unit of no trials is ignored');
SELECT ok((SELECT p.mean IS NULL AND p.strength IS NULL FROM gridgov.beta_binomial_prior('{0,0}', '{0,0}') p),
          'beta_binomial_prior: no trials, no prior');
-- Binomial(10, 0.5): P(K < 3) = 0.055, P(K < 4) = 0.172 (nearest 0.1: 3); P(K <= 6) = 0.828,
-- P(K <= 7) = 0.945 (nearest 0.9: 7).
SELECT is((SELECT ARRAY[i.lower, i.upper] FROM gridgov.beta_binomial_interval(10, 0.5, 0, 0.8) i), ARRAY[3, 7],
          'beta_binomial_interval: binomial(10, 0.5) at 80 %: [3, 7]');
SELECT ok((SELECT i.lower < 3 AND i.upper > 7 FROM gridgov.beta_binomial_interval(10, 0.5, 0.3, 0.8) i),
          'beta_binomial_interval: over-dispersion widens it');
SELECT is((SELECT ARRAY[a.lower, a.upper, b.lower, b.upper, c.lower, c.upper]
           FROM gridgov.beta_binomial_interval(7, 1, 0.1, 0.8) a, gridgov.beta_binomial_interval(7, 0, 0.1, 0.8) b,
                gridgov.beta_binomial_interval(0, 0.5, 0, 0.8) c),
          ARRAY[7, 7, 0, 0, 0, 0], 'beta_binomial_interval: p 1, p 0 and no trials');

-- 2. A generated history ----------------------------------------------------------------

SET LOCAL session_replication_role = replica;
-- Only this history: whatever earlier suites left committed in the shared test
-- database goes for this transaction (rolled back at the end).
DELETE FROM gridgov.case_stats;
SELECT setseed(0.31);
CREATE TEMP TABLE towns AS
SELECT v.i, ('110115' || lpad(v.i::text, 3, '0'))::gridgov.gridcode AS town, v.size, v.response, v.resolution, v.satisfaction
FROM (VALUES (1, 400, 0.90, 0.80, 0.85), (2, 300, 0.80, 0.70, 0.80), (3, 250, 0.95, 0.90, 0.92),
             (4, 200, 0.70, 0.60, 0.75), (5, 150, 0.85, 0.85, 0.90), (6, 120, 0.92, 0.75, 0.70),
             (7, 100, 0.75, 0.80, 0.88), (8, 80, 0.88, 0.65, 0.80), (9, 60, 0.82, 0.88, 0.95),
             (10, 40, 0.93, 0.70, 0.78), (11, 20, 0.78, 0.82, 0.86), (12, 3, 0.85, 0.80, 0.85))
     v(i, size, response, resolution, satisfaction);
-- Each month, open_end of a town's cases are still open at its end (closed 2 days into the
-- next month; June 2026's not yet); the next month's response rate is
-- expit(logit(response) - 0.6 (log((open_end + 1) / (size + 1)) - log(0.3))).
CREATE TEMP TABLE truth AS
SELECT x.*, 1 / (1 + exp(-(ln(x.response / (1 - x.response))
                           - 0.6 * (ln((COALESCE(x.prev_open, round(0.3 * x.size)) + 1) / (x.size + 1.0)) - ln(0.3)))))
            AS p_response
FROM (SELECT b.*, lag(b.open_end) OVER (PARTITION BY b.i ORDER BY b.month) AS prev_open
      FROM (SELECT t.*, m::date AS month, round((0.02 + 0.68 * random()) * t.size)::integer AS open_end
            FROM towns t
            CROSS JOIN generate_series(timestamp '2024-01-01', timestamp '2026-06-01', interval '1 month') m) b) x;
-- size cases a month per town (its department: 1000 + i), reported at 10:00 on one of the
-- first 27 days, deadline 3 days later; 4 in 5 called back.  The tiny town responded to
-- none of its 3 cases in June 2026.
INSERT INTO gridgov.case_stats (county, case_id, case_no, source, category, urgency, workflow, state, town, community,
                                department_id, reported_at, filed_at, first_dispatched_at, dispatched_at, signed_at,
                                closed_at, deadline, reported_day, filed_day, due_day, sign_on_time, dispatches, returns,
                                reworks, reopens, extensions, suspensions, supervised, escalation_level, solved,
                                satisfaction, merged, case_updated_at, contact_required, supervisions, returns_requested,
                                returns_rejected, extension_requests, extension_refusals, suspension_requests,
                                suspension_refusals, meetings)
SELECT '110115', 900000000 + row_number() OVER (), 'FR' || row_number() OVER (), 'hotline', 'H0201', 'normal', 'hotline',
       CASE WHEN c.closed_at IS NULL THEN 'handling' ELSE 'closed' END, t.town, t.town, 1000 + t.i,
       c.reported_at, c.reported_at, c.reported_at, c.reported_at, c.reported_at + interval '1 hour', c.closed_at,
       c.reported_at + interval '3 days', (c.reported_at AT TIME ZONE 'Asia/Shanghai')::date,
       (c.reported_at AT TIME ZONE 'Asia/Shanghai')::date,
       ((c.reported_at + interval '3 days') AT TIME ZONE 'Asia/Shanghai')::date,
       CASE WHEN t.i = 12 AND t.month = '2026-06-01' THEN false ELSE random() < t.p_response END,
       1, 0, 0, 0, 0, 0, false, 0,
       CASE WHEN r.j % 5 <> 0 THEN random() < t.resolution END,
       CASE WHEN r.j % 5 <> 0
            THEN CASE WHEN random() < t.satisfaction THEN 'satisfied' ELSE 'unsatisfied' END::gridgov.satisfaction END,
       false, c.reported_at, false, 0, 0, 0, 0, 0, 0, 0, 0
FROM truth t
CROSS JOIN LATERAL (SELECT g.j, (t.month + floor(random() * 27) * interval '1 day' + interval '10 hours')
                                AT TIME ZONE 'Asia/Shanghai' AS reported_at
                    FROM generate_series(1, t.size) g(j)) r
CROSS JOIN LATERAL (SELECT r.reported_at,
                           CASE WHEN r.j > t.open_end THEN r.reported_at + interval '20 hours'
                                WHEN t.month < '2026-06-01'
                                THEN (t.month + interval '1 month 2 days') AT TIME ZONE 'Asia/Shanghai' END AS closed_at) c;
SELECT is(gridgov.analytics_rebuild_summaries(), 360::bigint, 'the history: 12 towns x 30 months in stats_month');
RESET session_replication_role;

-- The prediction of July 2026, made at midnight on 1 July.
CREATE TEMP TABLE f AS SELECT * FROM gridgov.forecast_rates('town', '2026-07-01 00:00');
CREATE TEMP TABLE fj AS
SELECT f.*, t.size, 100 * CASE f.rate WHEN 'response' THEN 1 / (1 + exp(-(ln(t.response / (1 - t.response))
                                                              - 0.6 * (ln((x.open_end + 1) / (t.size + 1.0)) - ln(0.3)))))
                                      WHEN 'resolution' THEN t.resolution ELSE t.satisfaction END AS truth
FROM f JOIN towns t ON t.town OPERATOR(gridgov.=) f.town JOIN truth x ON x.i = t.i AND x.month = '2026-06-01';
SELECT is((SELECT count(*) FROM f WHERE month = '2026-07-01' AND county OPERATOR(gridgov.=) '110115'
                                    AND department_id IS NULL), 36::bigint,
          'forecast_rates: 12 towns x 3 rates, for July 2026');
SELECT ok((SELECT avg(abs(expected - truth)) < 2 FROM fj WHERE rate = 'response' AND size >= 20),
          'response: within 2 points of the truth on average (towns of 20 cases a month or more)');
SELECT ok((SELECT avg(abs(expected - truth)) < 0.5 * avg(abs(last_rate - truth)) FROM fj WHERE rate = 'response' AND size >= 20),
          'response: under half the error of last month''s rate');
SELECT ok((SELECT avg(abs(expected - truth)) < 2.5 FROM fj WHERE rate IN ('resolution', 'satisfaction') AND size >= 20),
          'resolution and satisfaction: within 2.5 points of the truth on average');
SELECT ok((SELECT bool_and(lower_80 <= expected AND expected <= upper_80 AND lower_80 >= 0 AND upper_80 <= 100) FROM f),
          'every interval holds its expected rate, within 0-100');
SELECT ok((SELECT bool_and(expected_denominator = CASE rate WHEN 'response' THEN size ELSE size - size / 5 END) FROM fj),
          'expected denominators: dispatched a month (size), called back (all but every fifth)');
SELECT is((SELECT ARRAY[open_cases, last_denominator]::bigint[] FROM fj WHERE size = 400 AND rate = 'response'),
          (SELECT ARRAY[open_end, 400]::bigint[] FROM truth WHERE i = 1 AND month = '2026-06-01'),
          'the inputs: open cases at as_of are June''s backlog; June''s 400 dispatched');
-- The tiny town: 0 of 3 in June; its rate of the year and the county's are near 80-85 %.
SELECT ok((SELECT last_rate = 0 AND expected > 60 AND abs(expected - county_rate) < 15 FROM f
           WHERE town OPERATOR(gridgov.=) '110115012' AND rate = 'response'),
          'a tiny town''s 0 of 3 last month shrinks toward the county (over 60 %, within 15 points of it), not to 0');
SELECT ok((SELECT upper_80 - lower_80 FROM f WHERE town OPERATOR(gridgov.=) '110115012' AND rate = 'response')
          > 3 * (SELECT upper_80 - lower_80 FROM f WHERE town OPERATOR(gridgov.=) '110115001' AND rate = 'response'),
          'and its interval is wide (3 cases), over 3 times the 400-case town''s');
-- The models: the workload coefficient of response recovered; none on the others.
CREATE TEMP TABLE md AS SELECT * FROM gridgov.forecast_rates_model('town', '2026-07-01 00:00');
SELECT is((SELECT array_agg(rate ORDER BY rate) FROM md), ARRAY['resolution', 'response', 'satisfaction'],
          'forecast_rates_model: one model per rate of the county');
SELECT ok((SELECT abs(coefficients[7] + 0.6) < 3 * standard_errors[7] + 0.05 AND regressors[7] = 'workload'
           FROM md WHERE rate = 'response'),
          'response: the workload coefficient -0.6 recovered within 3 standard errors (+0.05)');
SELECT ok((SELECT bool_and(abs(coefficients[7]) < 3 * standard_errors[7] + 0.05) FROM md WHERE rate <> 'response'),
          'resolution and satisfaction: no workload effect found where there is none');
SELECT ok((SELECT bool_and(training_rows = 12 * 24 AND training_months = 24 AND dispersion BETWEEN 0 AND 0.01) FROM md),
          'each learnt from 12 towns x 24 months, little over-dispersion');
-- By department (one per town here): the same units, the same predictions.
SELECT is((SELECT array_agg(expected ORDER BY department_id, rate) FROM gridgov.forecast_rates('department', '2026-07-01 00:00')),
          (SELECT array_agg(expected ORDER BY town, rate) FROM f),
          'by department (one per town): the same predictions');
-- Mid-month: the month so far counts (cases reported before as_of only), the prediction is for July.
SELECT is((SELECT ARRAY[f.month::text, f.last_denominator::text] FROM gridgov.forecast_rates('town', '2026-06-16 00:00') f
           WHERE f.town OPERATOR(gridgov.=) '110115001' AND f.rate = 'response'),
          (SELECT ARRAY['2026-07-01', count(*)::text] FROM gridgov.case_stats
           WHERE town OPERATOR(gridgov.=) '110115001' AND reported_at >= '2026-06-01' AND reported_at < '2026-06-16'),
          'at 16 June: July predicted; June''s cases reported before as_of are its last month');
SELECT is((SELECT ARRAY[f.month::text, f.last_denominator::text, f.open_cases::text]
           FROM gridgov.forecast_rates('town', '2025-03-01 00:00') f
           WHERE f.town OPERATOR(gridgov.=) '110115001' AND f.rate = 'response'),
          (SELECT ARRAY['2025-03-01', '400', open_end::text] FROM truth WHERE i = 1 AND month = '2025-02-01'),
          'at midnight on 1 March 2025: March predicted from February''s 400 and February''s backlog');

-- The backtest: July 2025 to June 2026, each month fitted on the months before it.
CREATE TEMP TABLE bt AS SELECT * FROM gridgov.forecast_rates_backtest('town', '2025-07-01', '2026-06-01');
SELECT is((SELECT array_agg(rate || ':' || origins || ':' || unit_months ORDER BY rate) FROM bt),
          ARRAY['resolution:12:144', 'response:12:144', 'satisfaction:12:144'],
          'backtest: 12 origins x 12 towns scored per rate');
SELECT ok((SELECT bool_and(mae_ratio < 0.85 AND model_mae < naive_mae) FROM bt),
          'backtest: the model''s MAE under 0.85 of "same as last month" for each rate');
SELECT ok((SELECT mae_ratio < 0.75 FROM bt WHERE rate = 'response'),
          'backtest: response, where the workload moves the rate, under 0.75');
SELECT ok((SELECT bool_and(model_mae_weighted < naive_mae_weighted) FROM bt),
          'backtest: also weighted by the denominators');
SELECT ok((SELECT bool_and(coverage_80 BETWEEN 0.72 AND 0.92) AND avg(coverage_80) BETWEEN 0.75 AND 0.88 FROM bt),
          'backtest: the 80 % intervals cover 72-92 % of the 144 unit-months of each rate, 75-88 % of all');
SELECT results_eq($$SELECT rate, origins, unit_months, round(model_mae::numeric, 9), round(naive_mae::numeric, 9)
                    FROM gridgov.forecast_rates_backtest('department', '2025-07-01', '2026-06-01')$$,
                  $$SELECT rate, origins, unit_months, round(model_mae::numeric, 9), round(naive_mae::numeric, 9) FROM bt
                    ORDER BY array_position(ARRAY['response', 'resolution', 'satisfaction'], rate)$$,
                  'backtest by department (one per town): the same');

-- 3. Bad arguments ----------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates(NULL)$$, '22004', NULL, 'by NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates('grid')$$, '22023', NULL, 'by grid: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates('town', NULL)$$, '22004', NULL, 'as_of NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates('town', 'infinity')$$, '22023', NULL, 'as_of infinity: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates('town', now() + interval '40 days')$$, '22023',
                 'as_of must not be in the future', 'as_of in the future: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates('town', '2024-04-15 00:00')$$, 'GG301', NULL,
                 'three months of history: GG301');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_model('town', '2024-04-15 00:00')$$, 'GG301', NULL,
                 'forecast_rates_model too: GG301');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest('town', NULL, '2026-06-01')$$, '22004', NULL,
                 'backtest from NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest(NULL, '2025-07-01', '2026-06-01')$$, '22004', NULL,
                 'backtest by NULL: 22004');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest('town', '2025-07-15', '2026-06-01')$$, '22023', NULL,
                 'backtest from a day not the first: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest('town', '2026-06-01', '2025-07-01')$$, '22023', NULL,
                 'backtest from after to: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest('town', '2025-07-01', (date_trunc('month', now()) + interval '2 months')::date)$$,
                 '22023', NULL, 'backtest ending after the current month: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest('town', '2019-01-01', '2026-06-01')$$, '22023',
                 'a backtest may span at most 60 months', 'backtest of over 60 months: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_rates_backtest('town', '2024-02-01', '2024-05-01')$$, 'GG301', NULL,
                 'backtest with too little history before it: GG301');
SELECT throws_ok($$SELECT * FROM gridgov.glm_binomial_fit('{5,1}', '{4,1}', '{{1},{1}}', 0)$$, '22023', NULL,
                 'glm_binomial_fit: more successes than trials is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.beta_binomial_prior('{1,NULL}', '{2,2}')$$, '22004', NULL,
                 'beta_binomial_prior: a NULL element is 22004');
-- (the sum of 1e308 and 1e308 overflowed: a mean of 1e308 / Infinity = 0, silently)
SELECT throws_ok($$SELECT * FROM gridgov.beta_binomial_prior('{0,1e308}', '{1e308,1e308}')$$, '22023', NULL,
                 'beta_binomial_prior: more than 10^15 trials in all is 22023, not a mean of 0');
SELECT throws_ok($$SELECT * FROM gridgov.glm_binomial_fit('{1,2,0}', '{1e300,1e300,1e300}', '{{1,0},{1,1},{1,2}}', 0)$$,
                 '22023', NULL, 'glm_binomial_fit: so is a fit of more than 10^15 trials');
SELECT throws_ok($$SELECT * FROM gridgov.beta_binomial_interval(10, 0.5, 1, 0.8)$$, '22023', NULL,
                 'beta_binomial_interval: rho 1 is 22023');

-- 4. Roles: an analyst predicts and backtests (counts only, as the owner), without rights on
-- case_stats; PUBLIC may not.
CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_fr_analyst NOLOGIN IN ROLE gridgov_analyst;
CREATE ROLE gg_fr_nobody NOLOGIN;
SET LOCAL ROLE gg_fr_analyst;
SELECT is((SELECT count(*) FROM gridgov.forecast_rates('town', '2026-07-01 00:00')), 36::bigint,
          'an analyst predicts the three rates');
RESET ROLE;
SET LOCAL ROLE gg_fr_nobody;
SELECT throws_ok($$SELECT count(*) FROM gridgov.forecast_rates('town', '2026-07-01 00:00')$$, '42501', NULL,
                 'a role without the grant may not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

-- ---------------------------------------------------------------------------
-- analytics (6b/7): the three-rate prediction (三率预测) and its backtest.
--
-- gridgov.forecast_rates(by, as_of) predicts next month's response,
-- resolution and satisfaction rate of every town (or department) of every
-- county, with an 80 % interval, from the unit's recent rates and its open
-- workload: per county and rate, a binomial regression with logit link of a
-- month's rate on the unit's rates of the month before, the three and the
-- twelve months before (each shrunk toward the county's by an empirical-Bayes
-- beta prior: a small unit does not jump), the county's rate, the open cases
-- per monthly dispatch and their overdue share, fitted in C
-- (src/time/rates_forecast.c) across the county's units and last 24 months;
-- intervals from a beta-binomial with the fit's over-dispersion and the
-- unit's expected denominator.  The rates are gridgov.stat_rows()'s, read
-- from gridgov.stats_month (the month of as_of so far from case_stats).
-- gridgov.forecast_rates_backtest() scores the model against "same as last
-- month" on rolling monthly origins.  docs/bi.md ("Three-rate prediction")
-- gives the model and its limits.  SQLSTATEs: 22004 NULL argument, 22023 bad
-- parameter, GG301 too little history.
-- ---------------------------------------------------------------------------

-- The arithmetic, in C -----------------------------------------------------------------

CREATE FUNCTION gridgov.glm_binomial_fit(successes double precision[], trials double precision[],
                                         x double precision[], ridge double precision,
                                         OUT coefficients double precision[], OUT dispersion double precision,
                                         OUT deviance double precision, OUT iterations integer,
                                         OUT covariance double precision[])
    AS 'MODULE_PATHNAME', 'gridgov_glm_binomial_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_binomial_fit(double precision[], double precision[], double precision[], double precision) IS
    'Binomial regression with logit link of successes out of trials (one each per row) on the design matrix x (2-D, at most 64 columns, column 1 the intercept), by iteratively reweighted least squares (normal equations, Cholesky; the linear predictor held within +-12); ridge is the precision of a normal prior centred on 0 for each coefficient but the intercept''s. Returns the coefficients, the beta-binomial over-dispersion rho of the residuals (variance m p (1 - p) (1 + (m - 1) rho), from the Pearson statistic, in [0, 0.5]), the binomial deviance, the iterations, and the covariance of the coefficients (2-D, with the beta-binomial''s weights). Rows with no trials count for nothing. 22004 NULL element, 22023 bad shape or value (successes outside [0, trials], more than 10^15 trials in all), fewer rows with trials than columns or collinear regressors';

CREATE FUNCTION gridgov.beta_binomial_prior(successes double precision[], trials double precision[],
                                            OUT mean double precision, OUT strength double precision)
    AS 'MODULE_PATHNAME', 'gridgov_beta_binomial_prior' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.beta_binomial_prior(double precision[], double precision[]) IS
    'Empirical-Bayes beta prior of the rates of units with successes out of trials (one each per unit), by moments: mean = sum of successes / sum of trials, strength kappa = alpha + beta from the spread of the units'' rates beyond the binomial''s (1e6, full pooling, when there is none, a single unit, or a mean of 0 or 1; at least 0.001). A unit''s shrunk rate is (successes + kappa mean) / (trials + kappa). Both NULL when there are no trials. 22004 NULL element, 22023 arrays of different lengths, successes outside [0, trials] or more than 10^15 trials in all';

CREATE FUNCTION gridgov.beta_binomial_interval(trials integer, p double precision, rho double precision,
                                               level double precision, OUT lower integer, OUT upper integer)
    AS 'MODULE_PATHNAME', 'gridgov_beta_binomial_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.beta_binomial_interval(integer, double precision, double precision, double precision) IS
    'Central interval of the successes out of trials of a beta-binomial with mean rate p and intra-class correlation rho (the binomial when rho is 0) at a level, e.g. 0.8: the bounds whose tail probabilities are each nearest (1 - level) / 2, as gridgov.nb_interval. 22023 for trials outside [0, 1000000], p outside [0, 1], rho outside [0, 1) or a level outside (0, 1)';

-- Arguments, months, the monthly panel -------------------------------------------------

CREATE FUNCTION gridgov.forecast_rates_check(by text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF by IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'by of a three-rate prediction must not be NULL';
    END IF;
    IF by NOT IN ('town', 'department') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('by must be town or department, not "%s"', pg_catalog.left(by, 20));
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_check(text) IS
    'Internal: checks the by of the three-rate prediction: not NULL (22004), town or department (22023)';

CREATE FUNCTION gridgov.forecast_rates_month(as_of timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
RETURN pg_catalog.date_trunc('month', (as_of - interval '1 microsecond') AT TIME ZONE gridgov.analytics_time_zone())::date;
COMMENT ON FUNCTION gridgov.forecast_rates_month(timestamptz) IS
    'Internal: the last month of data a three-rate prediction made at as_of sees: the local month (analytics time zone) of the last instant before as_of, so as_of''s month when it falls inside it and the month just ended at a local midnight on the 1st; the prediction is for the month after it';

CREATE FUNCTION gridgov.forecast_rates_logit(p double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.ln(LEAST(GREATEST(p, 1e-4), 1 - 1e-4) / (1 - LEAST(GREATEST(p, 1e-4), 1 - 1e-4)));
COMMENT ON FUNCTION gridgov.forecast_rates_logit(double precision) IS
    'Internal: logit of a rate held within [0.0001, 0.9999], the scale of the three-rate model''s regressors';

CREATE FUNCTION gridgov.forecast_rates_regressors() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['intercept', 'rate_1', 'rate_3', 'rate_12', 'county_rate', 'county_season', 'workload', 'overdue_share'];
COMMENT ON FUNCTION gridgov.forecast_rates_regressors() IS
    'Names of the three-rate model''s regressors in the order of its design matrix: intercept; the logits of the unit''s shrunk rate of the last month, the last 3 and the last 12 months; the logit of the county''s rate of the last month; the county''s season: the logit of its rate of the predicted month a year before less that of its last 12 months (0 without a year of history); the log of (open cases + 1) / (monthly dispatches + 1); the overdue share of the open cases';

CREATE FUNCTION gridgov.forecast_rates_panel(by text, since date, as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, unit text, town gridgov.gridcode, department_id bigint, month date,
                   dispatched bigint, responded bigint, called_back bigint, solved bigint, satisfied bigint)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH b AS MATERIALIZED (
        SELECT gridgov.forecast_rates_month(as_of) AS m0
    ), x AS (
        -- Complete months: the month summary.
        SELECT s.month, s.county, s.town, s.department_id, s.dispatched, s.responded, s.called_back,
               s.solved, s.satisfied
        FROM gridgov.stats_month s, b
        WHERE s.month >= since AND s.month < b.m0
        UNION ALL
        -- The last month: what was reported before as_of.
        SELECT b.m0, s.county, s.town, s.department_id, r.dispatched, r.responded, r.called_back,
               r.solved, r.satisfied
        FROM b, gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        WHERE s.reported_day >= b.m0 AND s.reported_at < as_of AND r.reported = 1 AND b.m0 >= since
    )
    SELECT x.county, CASE WHEN by = 'town' THEN x.town::text ELSE x.county::text || ':' || x.department_id::text END,
           CASE WHEN by = 'town' THEN x.town END, CASE WHEN by = 'department' THEN x.department_id END,
           x.month, pg_catalog.sum(x.dispatched)::bigint, pg_catalog.sum(x.responded)::bigint,
           pg_catalog.sum(x.called_back)::bigint, pg_catalog.sum(x.solved)::bigint,
           pg_catalog.sum(x.satisfied)::bigint
    FROM x
    WHERE CASE WHEN by = 'town' THEN gridgov.level(x.town) = 4 ELSE x.department_id IS NOT NULL END
    GROUP BY 1, 2, 3, 4, 5
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_panel(text, date, timestamptz) IS
    'Internal: the counts behind the three rates (gridgov.stat_rows(): dispatched, responded, called back, solved, satisfied) per county x town (by town: towns only) or county x department (by department) x local month of report (unit: the town''s code, or county:department id), from since to the month of gridgov.forecast_rates_month(as_of): complete months from gridgov.stats_month, that month from the cases reported before as_of';

CREATE FUNCTION gridgov.forecast_rates_workload(by text, since date, as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, unit text, month date, open_cases bigint, overdue_cases bigint)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH b AS MATERIALIZED (
        SELECT gridgov.forecast_rates_month(as_of) AS m0, gridgov.analytics_time_zone() AS tz
    )
    SELECT s.county, CASE WHEN by = 'town' THEN s.town::text ELSE s.county::text || ':' || s.department_id::text END, g.month,
           pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE s.deadline < g.at)
    FROM b, gridgov.case_stats s
    CROSS JOIN LATERAL (
        SELECT m::date AS month, LEAST((m + interval '1 month') AT TIME ZONE b.tz, as_of) AS at
        FROM pg_catalog.generate_series(
                 GREATEST(pg_catalog.date_trunc('month', s.reported_day::timestamp), since::timestamp),
                 LEAST(b.m0::timestamp,
                       COALESCE(pg_catalog.date_trunc('month', s.closed_at AT TIME ZONE b.tz), b.m0::timestamp)),
                 interval '1 month') m
    ) g
    WHERE NOT s.merged AND s.reported_at < as_of
      -- (most cases close in their month: open at no month's end)
      AND (s.closed_at IS NULL
           OR s.closed_at >= LEAST((pg_catalog.date_trunc('month', s.reported_day::timestamp) + interval '1 month')
                                   AT TIME ZONE b.tz, as_of))
      AND CASE WHEN by = 'town' THEN gridgov.level(s.town) = 4 ELSE s.department_id IS NOT NULL END
      AND s.reported_at < g.at AND (s.closed_at IS NULL OR s.closed_at >= g.at)
    GROUP BY 1, 2, 3
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_workload(text, date, timestamptz) IS
    'Internal: the open workload behind the three-rate prediction per county x town or department (the case''s current one) x local month from since to gridgov.forecast_rates_month(as_of): the cases (merged ones left out) reported before and not closed by the month''s end (for the last month: by as_of), and of those the ones past their deadline then';

CREATE FUNCTION gridgov.forecast_rates_features(by text, since date, as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, unit text, town gridgov.gridcode, department_id bigint, rate text,
                   month date, successes bigint, trials bigint, trials_12 bigint, rate_1 double precision,
                   rate_3 double precision, rate_12 double precision, county_rate double precision,
                   county_rate_year_before double precision, trials_per_month double precision, dispatches_per_month double precision,
                   open_cases bigint, overdue_cases bigint, x double precision[], next_successes bigint,
                   next_trials bigint, naive double precision)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
-- The planner cannot know how few units and months the panel has: with JIT on,
-- compiling the plan took 10 of the 12 s of a county's 26 towns.
SET jit = off AS $$
    WITH b AS MATERIALIZED (
        SELECT gridgov.forecast_rates_month(as_of) AS m0,
               -- the share of the last month that lies before as_of
               EXTRACT(epoch FROM as_of - (gridgov.forecast_rates_month(as_of)::timestamp
                                           AT TIME ZONE gridgov.analytics_time_zone()))
               / EXTRACT(epoch FROM ((gridgov.forecast_rates_month(as_of) + interval '1 month')
                                     AT TIME ZONE gridgov.analytics_time_zone())
                                    - (gridgov.forecast_rates_month(as_of)::timestamp
                                       AT TIME ZONE gridgov.analytics_time_zone())) AS elapsed
    ), p AS MATERIALIZED (
        SELECT * FROM gridgov.forecast_rates_panel(by, since, as_of)
    ), dense AS (
        -- every unit x month from since, zeros where it had no case
        SELECT u.county, u.unit, u.town, u.department_id, m::date AS month,
               COALESCE(p.dispatched, 0) AS dispatched, COALESCE(p.responded, 0) AS responded,
               COALESCE(p.called_back, 0) AS called_back, COALESCE(p.solved, 0) AS solved,
               COALESCE(p.satisfied, 0) AS satisfied,
               CASE WHEN m::date = b.m0 THEN b.elapsed ELSE 1 END AS elapsed
        FROM (SELECT DISTINCT p.county, p.unit, p.town, p.department_id FROM p) u
        CROSS JOIN b
        CROSS JOIN pg_catalog.generate_series(since::timestamp, b.m0::timestamp, interval '1 month') m
        -- (a unit, a town code or county:department id, is one county's)
        LEFT JOIN p ON p.unit = u.unit AND p.month = m::date
    ), first AS (
        -- the county's first month with a dispatch: months before it count for no time
        SELECT d.county, pg_catalog.min(d.month) AS first_month FROM dense d WHERE d.dispatched > 0 GROUP BY d.county
    ), w AS (
        SELECT d.*,
               -- months the last 3 span (the last counted by its share before as_of)
               LEAST(2, GREATEST(0, (EXTRACT(year FROM pg_catalog.age(d.month, fm.first_month)) * 12
                                     + EXTRACT(month FROM pg_catalog.age(d.month, fm.first_month)))::integer))
               + d.elapsed AS span_3,
               pg_catalog.sum(d.dispatched) OVER w3 AS dispatched_3, pg_catalog.sum(d.responded) OVER w3 AS responded_3,
               pg_catalog.sum(d.called_back) OVER w3 AS called_back_3, pg_catalog.sum(d.solved) OVER w3 AS solved_3,
               pg_catalog.sum(d.satisfied) OVER w3 AS satisfied_3,
               pg_catalog.sum(d.dispatched) OVER w12 AS dispatched_12, pg_catalog.sum(d.responded) OVER w12 AS responded_12,
               pg_catalog.sum(d.called_back) OVER w12 AS called_back_12, pg_catalog.sum(d.solved) OVER w12 AS solved_12,
               pg_catalog.sum(d.satisfied) OVER w12 AS satisfied_12
        FROM dense d JOIN first fm ON fm.county OPERATOR(gridgov.=) d.county
        WINDOW w3 AS (PARTITION BY d.county, d.unit ORDER BY d.month ROWS 2 PRECEDING),
               w12 AS (PARTITION BY d.county, d.unit ORDER BY d.month ROWS 11 PRECEDING)
    ), r AS (
        SELECT w.county, w.unit, w.town, w.department_id, w.month, w.span_3, w.dispatched_3, v.*
        FROM w CROSS JOIN LATERAL (VALUES
            ('response', w.responded, w.dispatched, w.responded_3, w.dispatched_3, w.responded_12, w.dispatched_12),
            ('resolution', w.solved, w.called_back, w.solved_3, w.called_back_3, w.solved_12, w.called_back_12),
            ('satisfaction', w.satisfied, w.called_back, w.satisfied_3, w.called_back_3, w.satisfied_12, w.called_back_12)
        ) v(rate, k1, n1, k3, n3, k12, n12)
    ), priors AS (
        -- the county's beta prior of its units' rates, per month and window
        SELECT r.county, r.rate, r.month,
               gridgov.beta_binomial_prior(pg_catalog.array_agg(r.k1::float8), pg_catalog.array_agg(r.n1::float8)) AS p1,
               gridgov.beta_binomial_prior(pg_catalog.array_agg(r.k3::float8), pg_catalog.array_agg(r.n3::float8)) AS p3,
               gridgov.beta_binomial_prior(pg_catalog.array_agg(r.k12::float8), pg_catalog.array_agg(r.n12::float8)) AS p12
        FROM r GROUP BY r.county, r.rate, r.month
    ), seasons AS (
        -- the county's rate of the month after, a year before (months are dense)
        SELECT q.*, pg_catalog.lag((q.p1).mean, 11) OVER (PARTITION BY q.county, q.rate ORDER BY q.month) AS c1_year_before
        FROM priors q
    ), s AS (
        SELECT r.*, (q.p1).mean AS c1, q.c1_year_before,
               CASE WHEN r.n1 > 0 THEN (r.k1 + (q.p1).strength * mu.m1) / (r.n1 + (q.p1).strength) ELSE mu.m1 END AS s1,
               CASE WHEN r.n3 > 0 THEN (r.k3 + (q.p3).strength * mu.m3) / (r.n3 + (q.p3).strength) ELSE mu.m3 END AS s3,
               CASE WHEN r.n12 > 0 THEN (r.k12 + (q.p12).strength * mu.m12) / (r.n12 + (q.p12).strength) ELSE mu.m12 END AS s12,
               COALESCE(o.open_cases, 0) AS open_cases, COALESCE(o.overdue_cases, 0) AS overdue_cases,
               pg_catalog.lead(r.k1) OVER n AS next_successes, pg_catalog.lead(r.n1) OVER n AS next_trials
        FROM r
        JOIN seasons q ON q.county OPERATOR(gridgov.=) r.county AND q.rate = r.rate AND q.month = r.month
        CROSS JOIN LATERAL (SELECT COALESCE((q.p1).mean, (q.p3).mean, (q.p12).mean) AS m1,
                                   COALESCE((q.p3).mean, (q.p12).mean) AS m3, (q.p12).mean AS m12) mu
        LEFT JOIN gridgov.forecast_rates_workload(by, since, as_of) o
               ON o.unit = r.unit AND o.month = r.month
        WINDOW n AS (PARTITION BY r.county, r.unit, r.rate ORDER BY r.month)
    )
    SELECT s.county, s.unit, s.town, s.department_id, s.rate, s.month, s.k1, s.n1, s.n12::bigint, s.s1, s.s3, s.s12,
           COALESCE(s.c1, s.s3), s.c1_year_before, (s.n3 / s.span_3)::float8, (s.dispatched_3 / s.span_3)::float8,
           s.open_cases, s.overdue_cases,
           CASE WHEN s.s12 IS NOT NULL THEN
               ARRAY[1, gridgov.forecast_rates_logit(s.s1), gridgov.forecast_rates_logit(s.s3),
                     gridgov.forecast_rates_logit(s.s12), gridgov.forecast_rates_logit(COALESCE(s.c1, s.s3)),
                     COALESCE(gridgov.forecast_rates_logit(s.c1_year_before) - gridgov.forecast_rates_logit(s.s12), 0),
                     pg_catalog.ln((s.open_cases + 1) / (s.dispatched_3 / s.span_3 + 1)),
                     CASE WHEN s.open_cases > 0 THEN s.overdue_cases::float8 / s.open_cases ELSE 0 END]::float8[]
           END,
           s.next_successes, s.next_trials,
           CASE WHEN s.n1 > 0 THEN s.k1::float8 / s.n1 ELSE s.c1 END
    FROM s
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_features(text, date, timestamptz) IS
    'Internal: per county x unit (town or department) x rate x month from since to gridgov.forecast_rates_month(as_of), the three-rate model''s inputs: the month''s successes and trials, the unit''s rates of the month, the last 3 and the last 12 months shrunk toward the county''s by gridgov.beta_binomial_prior() of that month''s units, the county''s rate, its rate of the month after a year before, trials and dispatches per month over the last 3 months (the last month counted by the share of it before as_of), open and overdue cases at the month''s end (gridgov.forecast_rates_workload), the regressor row x (gridgov.forecast_rates_regressors(); NULL when the county had no trials in 12 months), the next month''s successes and trials, and the naive forecast (the month''s rate, else the county''s)';

-- Fits and predictions ------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_rates_training_months() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 24;
COMMENT ON FUNCTION gridgov.forecast_rates_training_months() IS
    'Months a three-rate model learns from: the 24 months before the month it predicts (each with the inputs of the month before it)';

CREATE FUNCTION gridgov.forecast_rates_min_months() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 6;
COMMENT ON FUNCTION gridgov.forecast_rates_min_months() IS
    'Months with trials (of the rate, in the county, within gridgov.forecast_rates_training_months() before the month predicted) a three-rate model needs; a county x rate with fewer is not predicted, and GG301 is raised when none is';

CREATE FUNCTION gridgov.forecast_rates_predict(by text, as_of timestamptz, first_month date DEFAULT NULL,
                                               last_month date DEFAULT NULL)
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, department_id bigint, month date, rate text,
                   expected double precision, lower_80 double precision, upper_80 double precision,
                   expected_denominator double precision, last_rate double precision, last_denominator bigint,
                   rate_1 double precision, rate_3 double precision, rate_12 double precision,
                   county_rate double precision, county_rate_year_before double precision, open_cases bigint,
                   overdue_share double precision, workload double precision, actual_rate double precision, actual_denominator bigint,
                   naive_rate double precision, coefficients double precision[], standard_errors double precision[],
                   dispersion double precision, training_rows integer, training_months integer)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT SET jit = off AS $$
    WITH t AS MATERIALIZED (
        -- the months predicted (by default the month after the last of data) and the
        -- first month of data their fits and inputs need
        SELECT m.first_month, COALESCE(last_month, m.first_month) AS last_month,
               (m.first_month - (gridgov.forecast_rates_training_months() + 13) * interval '1 month')::date AS since
        FROM (SELECT COALESCE(first_month, (gridgov.forecast_rates_month(as_of) + interval '1 month')::date)
                     AS first_month) m
    ), f AS MATERIALIZED (
        SELECT x.* FROM t, gridgov.forecast_rates_features(by, t.since, as_of) x WHERE x.x IS NOT NULL
    ), train AS (
        -- per county x rate x month predicted: the rows of the months before it
        SELECT f.county, f.rate, g::date AS target,
               pg_catalog.array_agg(f.next_successes::float8 ORDER BY f.unit, f.month) AS y,
               pg_catalog.array_agg(f.next_trials::float8 ORDER BY f.unit, f.month) AS n,
               pg_catalog.array_agg(f.x ORDER BY f.unit, f.month) AS x,
               pg_catalog.count(DISTINCT f.month) AS months
        FROM t CROSS JOIN pg_catalog.generate_series(t.first_month::timestamp, t.last_month::timestamp,
                                                     interval '1 month') g
        JOIN f ON f.month >= g - (gridgov.forecast_rates_training_months() + 1) * interval '1 month'
              AND f.month < g - interval '1 month' AND f.next_trials > 0
        GROUP BY f.county, f.rate, g
    ), fits AS (
        SELECT tr.county, tr.rate, tr.target, g.coefficients, g.dispersion, g.covariance,
               pg_catalog.cardinality(tr.y) AS training_rows, tr.months::integer AS training_months
        FROM train tr
        CROSS JOIN LATERAL gridgov.glm_binomial_fit(
            CASE WHEN tr.months >= gridgov.forecast_rates_min_months()
                      AND pg_catalog.cardinality(tr.y) > 2 * pg_catalog.cardinality(gridgov.forecast_rates_regressors())
                 THEN tr.y END, tr.n, tr.x, 1) g
        WHERE g.coefficients IS NOT NULL
    )
    SELECT f.county, f.town, f.department_id, fits.target, f.rate,
           100 * e.p, GREATEST(100 * (i.lower - 0.5) / d.trials, 0), LEAST(100 * (i.upper + 0.5) / d.trials, 100),
           f.trials_per_month,
           100.0 * f.successes / NULLIF(f.trials, 0), f.trials, 100 * f.rate_1, 100 * f.rate_3, 100 * f.rate_12,
           100 * f.county_rate, 100 * f.county_rate_year_before, f.open_cases,
           CASE WHEN f.open_cases > 0 THEN f.overdue_cases::float8 / f.open_cases ELSE 0 END,
           f.open_cases / NULLIF(f.dispatches_per_month, 0),
           100.0 * f.next_successes / NULLIF(f.next_trials, 0), f.next_trials, 100 * f.naive,
           fits.coefficients,
           ARRAY(SELECT pg_catalog.sqrt(GREATEST(fits.covariance[j][j], 0))
                 FROM pg_catalog.generate_series(1, pg_catalog.cardinality(fits.coefficients)) j ORDER BY j),
           fits.dispersion, fits.training_rows, fits.training_months
    FROM fits
    JOIN f ON f.county OPERATOR(gridgov.=) fits.county AND f.rate = fits.rate AND f.month = fits.target - interval '1 month'
    CROSS JOIN LATERAL (
        SELECT mu / (1 + mu) AS p, v
        FROM ROWS FROM (pg_catalog.unnest(gridgov.glm_predict(fits.coefficients, ARRAY[f.x])),
                        pg_catalog.unnest(gridgov.glm_predict_variance(fits.covariance, ARRAY[f.x]))) u(mu, v)
    ) e
    CROSS JOIN LATERAL (SELECT GREATEST(pg_catalog.round(f.trials_per_month), 1)::integer AS trials) d
    -- the fit's over-dispersion plus what the uncertainty of the expected rate adds
    CROSS JOIN LATERAL gridgov.beta_binomial_interval(
        d.trials, e.p, LEAST(fits.dispersion + d.trials * e.p * (1 - e.p) * e.v / GREATEST(d.trials - 1, 1), 0.99),
        0.8) i
    WHERE f.trials_12 > 0 OR f.open_cases > 0
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_predict(text, timestamptz, date, date) IS
    'Internal: the three-rate model fitted for each month from first_month to last_month (by default the month after gridgov.forecast_rates_month(as_of); per county x rate: gridgov.glm_binomial_fit with ridge 1 on the rows of gridgov.forecast_rates_features(by, since, as_of), since the 37th month before first_month, whose next month lies in the gridgov.forecast_rates_training_months() before it, when gridgov.forecast_rates_min_months() of them have trials) and its predictions for the units active in the year before (trials or open cases): expected rate and 80 % interval in % (gridgov.beta_binomial_interval of counts out of the expected denominator, rounded, each bound widened by half a count: the rates it covers out of any denominator), the inputs, the actual rate when known, the naive forecast, and the fit (coefficients, their standard errors, over-dispersion, rows and months learnt from)';

-- The prediction and its backtest ---------------------------------------------------------

CREATE FUNCTION gridgov.forecast_rates_no_history(month date) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'GG301',
        MESSAGE = pg_catalog.format('too little history for a three-rate prediction of %s: no county has %s months with cases in the %s months before it',
                                    pg_catalog.to_char(month, 'YYYY-MM'), gridgov.forecast_rates_min_months(),
                                    gridgov.forecast_rates_training_months());
END
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_no_history(date) IS
    'Internal: raises GG301, too little history for a three-rate prediction of the month';

CREATE FUNCTION gridgov.forecast_rates(by text DEFAULT 'town', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, department_id bigint, month date, rate text,
                   expected numeric, lower_80 numeric, upper_80 numeric, expected_denominator numeric,
                   last_rate numeric, last_denominator bigint, rate_1 numeric, rate_3 numeric, rate_12 numeric,
                   county_rate numeric, county_rate_year_before numeric, open_cases bigint, overdue_share numeric,
                   workload numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    PERFORM gridgov.forecast_rates_check(by);
    PERFORM gridgov.forecast_check_as_of(as_of);
    RETURN QUERY
    SELECT p.county, p.town, p.department_id, p.month, p.rate, pg_catalog.round(p.expected::numeric, 2),
           pg_catalog.round(p.lower_80::numeric, 2), pg_catalog.round(p.upper_80::numeric, 2),
           pg_catalog.round(p.expected_denominator::numeric, 1), pg_catalog.round(p.last_rate::numeric, 2),
           p.last_denominator, pg_catalog.round(p.rate_1::numeric, 2), pg_catalog.round(p.rate_3::numeric, 2),
           pg_catalog.round(p.rate_12::numeric, 2), pg_catalog.round(p.county_rate::numeric, 2),
           pg_catalog.round(p.county_rate_year_before::numeric, 2), p.open_cases,
           pg_catalog.round(p.overdue_share::numeric, 3), pg_catalog.round(p.workload::numeric, 2)
    FROM gridgov.forecast_rates_predict(by, as_of) p
    ORDER BY p.county, p.town, p.department_id, pg_catalog.array_position(ARRAY['response', 'resolution', 'satisfaction'], p.rate);
    IF NOT FOUND THEN
        PERFORM gridgov.forecast_rates_no_history((gridgov.forecast_rates_month(as_of) + interval '1 month')::date);
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_rates(text, timestamptz) IS
    'Three-rate prediction (三率预测, docs/bi.md "Three-rate prediction"): for the month after the last month of data before as_of (gridgov.forecast_rates_month: the local month of as_of, or the one just ended at midnight on the 1st), per county x town (by town) or county x department (by department) and rate (response, resolution, satisfaction, as gridgov.three_rates defines them): the expected rate in %, its 80 % interval, the expected denominator (dispatched or called back per month), the last month''s rate and denominator (so far when as_of falls inside it), and the inputs: the unit''s rates of the last 1, 3 and 12 months shrunk toward the county''s, the county''s rate (of the last month, and of the predicted month a year before), the cases open at as_of, their overdue share and workload (open cases per monthly dispatch). Only cases reported before as_of count; counts only, as the owner. 22004 NULL, 22023 by not town or department, as_of not finite or in the future, GG301 no county x rate with gridgov.forecast_rates_min_months() months of history';

CREATE FUNCTION gridgov.forecast_rates_model(by text DEFAULT 'town', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (county gridgov.gridcode, month date, rate text, regressors text[], coefficients double precision[],
                   standard_errors double precision[], dispersion double precision, training_rows integer,
                   training_months integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    PERFORM gridgov.forecast_rates_check(by);
    PERFORM gridgov.forecast_check_as_of(as_of);
    RETURN QUERY
    SELECT DISTINCT ON (p.county, pg_catalog.array_position(ARRAY['response', 'resolution', 'satisfaction'], p.rate)) p.county, p.month, p.rate, gridgov.forecast_rates_regressors(),
           p.coefficients, p.standard_errors, p.dispersion, p.training_rows, p.training_months
    FROM gridgov.forecast_rates_predict(by, as_of) p
    ORDER BY p.county, pg_catalog.array_position(ARRAY['response', 'resolution', 'satisfaction'], p.rate);
    IF NOT FOUND THEN
        PERFORM gridgov.forecast_rates_no_history((gridgov.forecast_rates_month(as_of) + interval '1 month')::date);
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_model(text, timestamptz) IS
    'The three-rate models behind gridgov.forecast_rates(by, as_of), one per county x rate: the month predicted, the regressors (gridgov.forecast_rates_regressors()), their coefficients on the logit scale and standard errors, the beta-binomial over-dispersion rho, and the unit-months and months learnt from. Counts only, as the owner. 22004 NULL, 22023 by not town or department, as_of not finite or in the future, GG301 as forecast_rates';

CREATE FUNCTION gridgov.forecast_rates_backtest(by text, from_month date, to_month date)
    RETURNS TABLE (rate text, origins integer, unit_months integer, model_mae double precision,
                   naive_mae double precision, mae_ratio double precision, coverage_80 double precision,
                   model_mae_weighted double precision, naive_mae_weighted double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    tz text := gridgov.analytics_time_zone();
    current_month date := pg_catalog.date_trunc('month', pg_catalog.now() AT TIME ZONE gridgov.analytics_time_zone())::date;
    as_of timestamptz;
BEGIN
    PERFORM gridgov.forecast_rates_check(by);
    IF from_month IS NULL OR to_month IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'from_month and to_month of a backtest must not be NULL';
    END IF;
    IF NOT (pg_catalog.isfinite(from_month) AND pg_catalog.isfinite(to_month))
       OR EXTRACT(day FROM from_month) <> 1 OR EXTRACT(day FROM to_month) <> 1 OR from_month > to_month THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'from_month and to_month must be first days of months, from_month not after to_month';
    END IF;
    IF to_month > current_month THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('a backtest must end by the current month (%s)', pg_catalog.to_char(current_month, 'YYYY-MM'));
    END IF;
    IF (EXTRACT(year FROM pg_catalog.age(to_month, from_month)) * 12 + EXTRACT(month FROM pg_catalog.age(to_month, from_month))) >= 60 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a backtest may span at most 60 months';
    END IF;
    -- Data up to the end of to_month (today for the current month).
    as_of := LEAST(pg_catalog.now(), ((to_month + interval '1 month')::timestamp AT TIME ZONE tz));
    RETURN QUERY
    WITH b AS MATERIALIZED (
        SELECT p.rate, p.month, p.actual_denominator AS n, pg_catalog.abs(p.expected - p.actual_rate) AS model_error,
               pg_catalog.abs(p.naive_rate - p.actual_rate) AS naive_error,
               p.actual_rate BETWEEN p.lower_80 - 1e-9 AND p.upper_80 + 1e-9 AS in80
        FROM gridgov.forecast_rates_predict(by, as_of, from_month, to_month) p
        WHERE p.actual_denominator > 0 AND p.naive_rate IS NOT NULL
    )
    SELECT b.rate, pg_catalog.count(DISTINCT b.month)::integer, pg_catalog.count(*)::integer,
           pg_catalog.avg(b.model_error), pg_catalog.avg(b.naive_error),
           pg_catalog.avg(b.model_error) / NULLIF(pg_catalog.avg(b.naive_error), 0),
           pg_catalog.avg(b.in80::integer)::double precision,
           pg_catalog.sum(b.n * b.model_error) / pg_catalog.sum(b.n), pg_catalog.sum(b.n * b.naive_error) / pg_catalog.sum(b.n)
    FROM b
    GROUP BY b.rate
    ORDER BY pg_catalog.array_position(ARRAY['response', 'resolution', 'satisfaction'], b.rate);
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('too little history for a three-rate backtest from %s: no county has %s months with cases in the %s months before a month scored',
                                        pg_catalog.to_char(from_month, 'YYYY-MM'),
                                        gridgov.forecast_rates_min_months(), gridgov.forecast_rates_training_months());
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_rates_backtest(text, date, date) IS
    'Backtest of the three-rate prediction on rolling monthly origins: for each month from from_month to to_month (first days of months), the model is fitted on the months before it only and predicts it from the month before (as gridgov.forecast_rates at the month''s first local midnight, the open workload then); per rate, the months and unit-months scored (units with a denominator that month), the mean absolute error in percentage points of the model and of the naive forecast (last month''s rate, the county''s when the unit had none), their ratio, the share of actual rates within the 80 % interval, and both errors again weighted by the unit-month''s denominator (large units count more). 22004 NULL, 22023 by not town or department, months not first days, from_month after to_month, more than 60 months, to_month after the current month, GG301 no month could be predicted';

-- ---------------------------------------------------------------------------
-- analytics (6/7): volume forecasts, their backtest and their alerts.
--
-- gridgov.forecast_volume(area, category_prefix, grain, horizon) forecasts the
-- cases an area (any level) will report in a category (a code and all codes
-- below it) per day or ISO week: a Poisson regression of the counts (log
-- link) on a trend, the weekday, yearly Fourier terms and China's holidays
-- from the analytics calendar (Spring Festival, the week before it and the
-- days after it, Golden Week, other holidays, adjusted working days), fitted
-- in C (src/time/forecast.c: IRLS, Cholesky), with intervals from a negative
-- binomial whose over-dispersion comes from the fit's residuals.  Fits are
-- cached in gridgov.forecast_fits (per area x prefix x grain), refreshed
-- nightly for every town x top category (gridgov.forecast_refresh);
-- gridgov.forecast_backtest() scores the model against the seasonal-naive
-- forecast on rolling origins; gridgov.forecast_alerts() raises a
-- forecast_exceeded hot spot (and a gridgov_events notification) for each
-- area x category whose last complete day or week left its 95 % interval.
-- docs/bi.md ("Forecasts") gives the model and its limits.  SQLSTATEs: 22004
-- NULL argument, 22023 bad parameter, 42704 no category starts with the
-- prefix, GG301 too little history.
-- ---------------------------------------------------------------------------

-- The arithmetic, in C -----------------------------------------------------------------

CREATE FUNCTION gridgov.glm_poisson_fit(y double precision[], x double precision[], ridge double precision,
                                        OUT coefficients double precision[], OUT dispersion double precision,
                                        OUT deviance double precision, OUT iterations integer,
                                        OUT covariance double precision[])
    AS 'MODULE_PATHNAME', 'gridgov_glm_poisson_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_poisson_fit(double precision[], double precision[], double precision) IS
    'Poisson regression with log link of the counts y on the design matrix x (2-D: one row per count, at most 64 columns, column 1 the intercept), by iteratively reweighted least squares (normal equations, Cholesky); ridge is the precision of a normal prior centred on 0 for each coefficient but the intercept''s (added to the diagonal of X''WX). Returns the coefficients, the negative-binomial over-dispersion a of the residuals (variance mu + a mu^2, moment estimate, 0 when none), the Poisson deviance, the iterations, and the covariance of the coefficients (2-D: the inverse of the normal matrix with the negative binomial''s weights mu / (1 + a mu)). 22004 NULL element, 22023 bad shape or value or collinear regressors';

CREATE FUNCTION gridgov.glm_predict(coefficients double precision[], x double precision[])
    RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'gridgov_glm_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_predict(double precision[], double precision[]) IS
    'Expected counts exp(x b) of a log-linear model, one per row of the design matrix x (2-D). 22004 NULL element, 22023 shapes that do not match';

CREATE FUNCTION gridgov.glm_predict_variance(covariance double precision[], x double precision[])
    RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'gridgov_glm_predict_variance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_predict_variance(double precision[], double precision[]) IS
    'Variance of the linear predictor (the log of the expected count) per row of the design matrix x that the coefficients'' covariance gives: x'' C x. 22004 NULL element, 22023 shapes that do not match';

CREATE FUNCTION gridgov.nb_quantile(mu double precision, dispersion double precision, p double precision)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_nb_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.nb_quantile(double precision, double precision, double precision) IS
    'The p-quantile of a negative binomial count with mean mu and over-dispersion a (variance mu + a mu^2; Poisson when a = 0): the smallest y with P(Y <= y) >= p. 22023 for mu outside [0, 1e7], a outside [0, 10] or p outside (0, 1)';

CREATE FUNCTION gridgov.nb_interval(mu double precision, dispersion double precision, level double precision,
                                    OUT lower integer, OUT upper integer)
    AS 'MODULE_PATHNAME', 'gridgov_nb_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.nb_interval(double precision, double precision, double precision) IS
    'Central interval of a negative binomial count (mean mu, over-dispersion a) at a level, e.g. 0.8: the bounds whose tail probabilities are each nearest (1 - level) / 2 (lower minimises |P(Y < lower) - t|, upper |P(Y <= upper) - (1 - t)|), so that it covers at the level on average even for small counts, where the usual quantiles cover more. 22023 as nb_quantile, or a level outside (0, 1)';

CREATE FUNCTION gridgov.nb_score(x integer, mu double precision, dispersion double precision)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridgov_nb_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.nb_score(integer, double precision, double precision) IS
    'Surprise of a count x under a negative binomial with mean mu and over-dispersion a: -log10 P(Y >= x) when x > mu, -log10 P(Y <= x) otherwise (2 means a chance of 1 in 100 on that side). 22023 for a negative x or parameters as nb_quantile refuses';

-- The regressors -----------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_calendar_days(since date, until date)
    RETURNS TABLE (day date, holiday boolean, workday boolean, spring_festival boolean,
                   before_spring_festival boolean, after_spring_festival boolean, golden_week boolean)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH ex AS (
        -- A day's user row wins over the shipped one; a regular row cancels it.
        SELECT DISTINCT ON (e.day) e.day, e.kind, COALESCE(e.name, '') AS name
        FROM gridgov.calendar_exceptions e
        JOIN gridgov.calendars c ON c.id = e.calendar_id
        WHERE c.name = gridgov.analytics_calendar()
          AND e.day >= since - 45 AND e.day < until + 45
        ORDER BY e.day, e.builtin
    ), sf AS (
        SELECT pg_catalog.min(x.day) AS first_day, pg_catalog.max(x.day) AS last_day
        FROM ex x
        WHERE x.kind = 'holiday' AND x.name ~ '春节|Spring Festival'
        GROUP BY EXTRACT(year FROM x.day + 60)
    )
    SELECT d.day,
           COALESCE(x.kind = 'holiday' AND x.name !~ '春节|Spring Festival|国庆|National Day', false),
           COALESCE(x.kind = 'workday', false),
           COALESCE(x.kind = 'holiday' AND x.name ~ '春节|Spring Festival', false),
           EXISTS (SELECT 1 FROM sf WHERE d.day >= sf.first_day - 7 AND d.day < sf.first_day),
           EXISTS (SELECT 1 FROM sf WHERE d.day > sf.last_day AND d.day <= sf.last_day + 10),
           COALESCE(x.kind = 'holiday' AND x.name ~ '国庆|National Day', false)
    FROM (SELECT g::date AS day FROM pg_catalog.generate_series(since::timestamp, until::timestamp - interval '1 day',
                                                                 interval '1 day') g) d
    LEFT JOIN ex x ON x.day = d.day
    ORDER BY d.day
$$;
COMMENT ON FUNCTION gridgov.forecast_calendar_days(date, date) IS
    'The calendar regressors of each day in [since, until) from the analytics calendar''s exceptions (a user row wins over a shipped one): holiday (a day off other than Spring Festival and Golden Week), workday (an adjusted working day, 调休补班), spring_festival (its days off), before_spring_festival (the 7 days before them), after_spring_festival (the 10 days after them), golden_week (National Day''s days off). Holidays are recognised by their names (春节 / Spring Festival, 国庆 / National Day), as gridgov.load_cn_holidays() writes them';

CREATE FUNCTION gridgov.forecast_harmonics() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10;
COMMENT ON FUNCTION gridgov.forecast_harmonics() IS
    'Yearly Fourier pairs of the forecast model: 10 (sin and cos of 2 pi k t, t in years, k = 1 to 10): enough for a season that starts on a date (heating from 15 November) to within about two weeks';

CREATE FUNCTION gridgov.forecast_regressors(grain text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN grain IN ('day', 'week') THEN
    ARRAY['intercept', 'trend']
    || CASE WHEN grain = 'day' THEN ARRAY['tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] END
    || ARRAY(SELECT f || k FROM pg_catalog.generate_series(1, gridgov.forecast_harmonics()) k,
                                (VALUES (1, 'sin'), (2, 'cos')) v(o, f) ORDER BY k, o)
    || ARRAY['holiday', 'workday', 'spring_festival', 'before_spring_festival', 'after_spring_festival', 'golden_week'] END;
COMMENT ON FUNCTION gridgov.forecast_regressors(text) IS
    'Names of the forecast model''s regressors for a grain (day or week), in the order of the design matrix and of gridgov.forecast_fits.coefficients; NULL for another grain';

CREATE FUNCTION gridgov.forecast_design(grain text, since date, periods integer) RETURNS double precision[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH days AS (
        SELECT c.*, CASE WHEN grain = 'week' THEN pg_catalog.date_trunc('week', c.day)::date ELSE c.day END AS period
        FROM gridgov.forecast_calendar_days(since, since + periods * CASE WHEN grain = 'week' THEN 7 ELSE 1 END) c
    ), per AS (
        SELECT d.period,
               pg_catalog.avg(d.holiday::integer) AS holiday, pg_catalog.avg(d.workday::integer) AS workday,
               pg_catalog.avg(d.spring_festival::integer) AS sf, pg_catalog.avg(d.before_spring_festival::integer) AS sf_pre,
               pg_catalog.avg(d.after_spring_festival::integer) AS sf_post, pg_catalog.avg(d.golden_week::integer) AS gw,
               (d.period - date '2020-01-01' + CASE WHEN grain = 'week' THEN 3 ELSE 0 END)::double precision / 365.2425 AS t,
               EXTRACT(isodow FROM d.period)::integer AS dow
        FROM days d GROUP BY d.period
    )
    SELECT pg_catalog.array_agg(
               ARRAY[1, p.t]::double precision[]
               || CASE WHEN grain = 'day' THEN ARRAY(SELECT (p.dow = k)::integer::double precision
                                                      FROM pg_catalog.generate_series(2, 7) k) END
               || ARRAY(SELECT f FROM pg_catalog.generate_series(1, gridgov.forecast_harmonics()) k,
                        LATERAL (VALUES (pg_catalog.sin(2 * pg_catalog.pi() * k * p.t)),
                                        (pg_catalog.cos(2 * pg_catalog.pi() * k * p.t))) v(f))
               || ARRAY[p.holiday, p.workday, p.sf, p.sf_pre, p.sf_post, p.gw]::double precision[]
               ORDER BY p.period)
    FROM per p
$$;
COMMENT ON FUNCTION gridgov.forecast_design(text, date, integer) IS
    'The forecast model''s design matrix (2-D, one row per period, columns as gridgov.forecast_regressors(grain) names them) for periods days (grain day) or ISO weeks (grain week, since a Monday) from since: intercept, trend in years since 2020, weekday dummies (days; Monday is the base), yearly Fourier pairs (gridgov.forecast_harmonics()), and the share of the period''s days that are holidays, adjusted working days, Spring Festival, the week before it, the 10 days after it, Golden Week (gridgov.forecast_calendar_days)';

-- Arguments, series, fits --------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_check(area gridgov.gridcode, category_prefix text, grain text)
    RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF area IS NULL OR category_prefix IS NULL OR grain IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'area, category_prefix and grain of a forecast must not be NULL';
    END IF;
    IF grain NOT IN ('day', 'week') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('grain must be day or week, not "%s"', pg_catalog.left(grain, 20));
    END IF;
    -- (088_dimensions.sql: '' is every category)
    PERFORM gridgov.category_prefix_check(category_prefix);
END
$$;
COMMENT ON FUNCTION gridgov.forecast_check(gridgov.gridcode, text, text) IS
    'Internal: checks the arguments every forecast function shares: none NULL (22004), grain day or week (22023), a category prefix that is empty (every category) or that some category code starts with (42704, gridgov.category_prefix_check)';

CREATE FUNCTION gridgov.forecast_check_as_of(as_of timestamptz) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    -- (A history padded with the zeros of days to come is no history.)
    IF as_of > pg_catalog.now() + interval '1 day' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must not be in the future';
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_check_as_of(timestamptz) IS
    'Internal: checks the as_of of a forecast function: not NULL (22004), finite and not after tomorrow (22023)';

CREATE FUNCTION gridgov.forecast_origin(grain text, as_of timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
RETURN CASE grain WHEN 'week'
    THEN pg_catalog.date_trunc('week', (as_of AT TIME ZONE gridgov.analytics_time_zone())::date)::date
    ELSE (as_of AT TIME ZONE gridgov.analytics_time_zone())::date END;
COMMENT ON FUNCTION gridgov.forecast_origin(text, timestamptz) IS
    'Internal: the first period a forecast made at as_of forecasts: its local day (grain day) or the Monday of its ISO week (week), in the analytics time zone; the history ends the period before';

CREATE FUNCTION gridgov.forecast_series(area gridgov.gridcode, category_prefix text, grain text, since date, until date)
    RETURNS TABLE (period_start date, cases integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    -- The counties of the area, as a range of the index (county, reported_day).
    lo gridgov.gridcode := CASE WHEN gridgov.level(area) <= 3 THEN area ELSE gridgov.ancestor(area, 3) END;
    hi gridgov.gridcode := gridgov.subtree_max(lo);
    lvl integer := gridgov.level(area);
BEGIN
    RETURN QUERY
    WITH hits AS (
        SELECT CASE WHEN grain = 'week' THEN pg_catalog.date_trunc('week', s.reported_day)::date
                    ELSE s.reported_day END AS p,
               pg_catalog.count(*)::integer AS n
        FROM gridgov.case_stats s
        WHERE s.county OPERATOR(gridgov.>=) lo AND s.county OPERATOR(gridgov.<=) hi
          AND s.reported_day >= since AND s.reported_day < until
          AND s.category >= category_prefix AND s.category < category_prefix || '~'
          AND s.source <> 'proactive'
          AND (lvl <= 3 OR gridgov.area_at(s.county, s.grid, lvl) OPERATOR(gridgov.=) area)
        GROUP BY 1
    )
    SELECT g.p, COALESCE(h.n, 0)
    FROM (SELECT x::date AS p
          FROM pg_catalog.generate_series(since::timestamp, until::timestamp - interval '1 day',
                                          CASE WHEN grain = 'week' THEN interval '7 days' ELSE interval '1 day' END) x) g
    LEFT JOIN hits h ON h.p = g.p
    ORDER BY g.p;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_series(gridgov.gridcode, text, text, date, date) IS
    'Internal: cases reported per period (day, or ISO week from since, a Monday) in [since, until) in the area (any level; below a county: gridgov.area_at of the case) whose category starts with category_prefix, proactive cases left out, zero periods included';

CREATE TABLE gridgov.forecast_fits (
    area            gridgov.gridcode NOT NULL,
    category_prefix text COLLATE pg_catalog."C" NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('day', 'week')),
    fitted_at       timestamptz NOT NULL,
    data_from       date NOT NULL,
    data_to         date NOT NULL,
    periods         integer NOT NULL,
    cases           bigint NOT NULL,
    regressors      text[] NOT NULL,
    coefficients    double precision[] NOT NULL,
    dispersion      double precision NOT NULL,
    deviance        double precision NOT NULL,
    iterations      integer NOT NULL,
    mae             double precision NOT NULL,
    naive_mae       double precision,
    covariance      double precision[] NOT NULL,
    PRIMARY KEY (area, category_prefix, grain),
    CONSTRAINT forecast_fits_period CHECK (data_from < data_to)
);
COMMENT ON TABLE gridgov.forecast_fits IS
    'Cached forecast models, one per area x category prefix x grain (gridgov.forecast_refresh() writes them nightly for every town x top category; gridgov.forecast_volume() uses one when current, else fits on the fly)';
COMMENT ON COLUMN gridgov.forecast_fits.area IS 'Area (any level)';
COMMENT ON COLUMN gridgov.forecast_fits.category_prefix IS 'Category prefix: the cases of every category code starting with it';
COMMENT ON COLUMN gridgov.forecast_fits.grain IS 'day or week (ISO week, Monday first)';
COMMENT ON COLUMN gridgov.forecast_fits.fitted_at IS 'as_of of the fit';
COMMENT ON COLUMN gridgov.forecast_fits.data_from IS 'First period of the fitted history';
COMMENT ON COLUMN gridgov.forecast_fits.data_to IS 'End of the fitted history (exclusive): the first period it forecasts';
COMMENT ON COLUMN gridgov.forecast_fits.periods IS 'Periods fitted';
COMMENT ON COLUMN gridgov.forecast_fits.cases IS 'Cases in the fitted history';
COMMENT ON COLUMN gridgov.forecast_fits.regressors IS 'Names of the regressors (gridgov.forecast_regressors(grain)): a fit of other regressors is never current';
COMMENT ON COLUMN gridgov.forecast_fits.coefficients IS 'Coefficients of the log-linear model, in the order of regressors';
COMMENT ON COLUMN gridgov.forecast_fits.dispersion IS 'Over-dispersion a of the residuals: a period''s count is taken as negative binomial with variance mu + a mu^2';
COMMENT ON COLUMN gridgov.forecast_fits.deviance IS 'Poisson deviance of the fit';
COMMENT ON COLUMN gridgov.forecast_fits.iterations IS 'IRLS iterations';
COMMENT ON COLUMN gridgov.forecast_fits.mae IS 'In-sample mean absolute error of the model';
COMMENT ON COLUMN gridgov.forecast_fits.naive_mae IS 'In-sample mean absolute error of the seasonal-naive forecast (same weekday a week before; same week a year before), the scale of MASE; NULL when the history is too short for it';
COMMENT ON COLUMN gridgov.forecast_fits.covariance IS 'Covariance of the coefficients (2-D, regressors x regressors): what the forecast''s intervals add for the uncertainty of the coefficients';
SELECT pg_catalog.pg_extension_config_dump('gridgov.forecast_fits', '');

CREATE FUNCTION gridgov.forecast_min_periods(grain text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE grain WHEN 'day' THEN 365 WHEN 'week' THEN 104 END;
COMMENT ON FUNCTION gridgov.forecast_min_periods(text) IS
    'History a forecast needs, from the first period with a case: 365 days or 104 weeks (a yearly cycle has to be seen); less raises GG301';

CREATE FUNCTION gridgov.forecast_max_periods(grain text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE grain WHEN 'day' THEN 1096 WHEN 'week' THEN 156 END;
COMMENT ON FUNCTION gridgov.forecast_max_periods(text) IS
    'History a forecast fits at most: the last 1,096 days or 156 weeks (three years) before its origin';

-- Fits a series given as arrays: the model on the history counts[lo:hi] of
-- design rows x[lo:hi], with the in-sample errors.
CREATE FUNCTION gridgov.forecast_fit_rows(grain text, counts double precision[], x double precision[],
                                          lo integer, hi integer,
                                          OUT coefficients double precision[], OUT dispersion double precision,
                                          OUT deviance double precision, OUT iterations integer,
                                          OUT mae double precision, OUT naive_mae double precision,
                                          OUT covariance double precision[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    m integer := CASE grain WHEN 'week' THEN 52 ELSE 7 END;
    y double precision[] := counts[lo:hi];
    mu double precision[];
BEGIN
    SELECT f.coefficients, f.dispersion, f.deviance, f.iterations, f.covariance
    INTO coefficients, dispersion, deviance, iterations, covariance
    FROM gridgov.glm_poisson_fit(y, x[lo:hi][:], 4) f;
    mu := gridgov.glm_predict(coefficients, x[lo:hi][:]);
    SELECT pg_catalog.avg(pg_catalog.abs(y[i] - mu[i])),
           pg_catalog.avg(pg_catalog.abs(y[i] - y[i - m])) FILTER (WHERE i > m)
    INTO mae, naive_mae
    FROM pg_catalog.generate_series(1, pg_catalog.cardinality(y)) i;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_fit_rows(text, double precision[], double precision[], integer, integer) IS
    'The forecast model (of gridgov.forecast_model) fitted on counts[lo:hi] and design rows x[lo:hi] (gridgov.glm_poisson_fit with ridge 4: a normal prior of standard deviation 0.5 on every coefficient but the intercept), with its in-sample mean absolute error and that of the seasonal-naive forecast, and the coefficients'' covariance';

CREATE FUNCTION gridgov.forecast_model(grain text, since date, counts double precision[],
                                       OUT coefficients double precision[], OUT dispersion double precision,
                                       OUT deviance double precision, OUT iterations integer,
                                       OUT mae double precision, OUT naive_mae double precision,
                                       OUT covariance double precision[])
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    n integer := pg_catalog.cardinality(counts);
BEGIN
    IF grain IS NULL OR since IS NULL OR counts IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'grain, since and counts must not be NULL';
    END IF;
    IF grain NOT IN ('day', 'week') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('grain must be day or week, not "%s"', pg_catalog.left(grain, 20));
    END IF;
    IF NOT pg_catalog.isfinite(since) OR (grain = 'week' AND EXTRACT(isodow FROM since) <> 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'since must be a finite date (a Monday for weeks)';
    END IF;
    IF n < gridgov.forecast_min_periods(grain) OR n > 20000 THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('%s periods of history where a %s forecast needs %s to 20000', n, grain,
                                        gridgov.forecast_min_periods(grain));
    END IF;
    SELECT f.* INTO coefficients, dispersion, deviance, iterations, mae, naive_mae, covariance
    FROM gridgov.forecast_fit_rows(grain, counts, gridgov.forecast_design(grain, since, n), 1, n) f;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_model(text, date, double precision[]) IS
    'The forecast model of a series given as counts per period (days, or ISO weeks) from since: coefficients in the order of gridgov.forecast_regressors(grain), over-dispersion, deviance, IRLS iterations, in-sample MAE of the model and of the seasonal-naive forecast, covariance of the coefficients. 22004 NULL, 22023 bad grain or since, GG301 fewer than forecast_min_periods(grain) counts';

CREATE FUNCTION gridgov.forecast_predict(grain text, since date, periods integer,
                                         coefficients double precision[], dispersion double precision,
                                         covariance double precision[] DEFAULT NULL)
    RETURNS TABLE (period_start date, expected double precision, lower_80 integer, upper_80 integer,
                   lower_95 integer, upper_95 integer, period_dispersion double precision)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH d AS (SELECT gridgov.forecast_design(grain, since, periods) AS x)
    SELECT since + (u.i::integer - 1) * CASE WHEN grain = 'week' THEN 7 ELSE 1 END, u.mu,
           i80.lower, i80.upper, i95.lower, i95.upper, u.a
    FROM d, ROWS FROM (pg_catalog.unnest(gridgov.glm_predict(coefficients, d.x)),
                       pg_catalog.unnest(CASE WHEN covariance IS NULL
                                              THEN pg_catalog.array_fill(dispersion, ARRAY[periods])
                                              ELSE gridgov.glm_predict_variance(covariance, d.x) END))
            WITH ORDINALITY AS v(mu, a0, i)
    CROSS JOIN LATERAL (SELECT v.mu, v.i, CASE WHEN covariance IS NULL THEN dispersion
                                               ELSE LEAST(dispersion + v.a0, 10) END AS a) u
    CROSS JOIN LATERAL gridgov.nb_interval(u.mu, u.a, 0.80) i80
    CROSS JOIN LATERAL gridgov.nb_interval(u.mu, u.a, 0.95) i95
    ORDER BY u.i
$$;
COMMENT ON FUNCTION gridgov.forecast_predict(text, date, integer, double precision[], double precision, double precision[]) IS
    'Forecasts of a model for periods days or weeks from since: the expected count and the 80 % and 95 % intervals of a negative binomial with that mean (gridgov.nb_interval: tails nearest 10 % and 2.5 % each) and the period''s over-dispersion: the model''s, plus, given the coefficients'' covariance, the variance of the period''s log expected count (gridgov.glm_predict_variance; at most 10)';

CREATE FUNCTION gridgov.forecast_fit(area gridgov.gridcode, category_prefix text, grain text,
                                     as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS gridgov.forecast_fits
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    origin date;
    since date;
    counts double precision[];
    first_case integer;
    r gridgov.forecast_fits;
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    PERFORM gridgov.forecast_check_as_of(as_of);
    origin := gridgov.forecast_origin(grain, as_of);
    since := origin - gridgov.forecast_max_periods(grain) * CASE WHEN grain = 'week' THEN 7 ELSE 1 END;
    SELECT pg_catalog.array_agg(s.cases::double precision ORDER BY s.period_start) INTO counts
    FROM gridgov.forecast_series(area, category_prefix, grain, since, origin) s;
    first_case := (SELECT pg_catalog.min(i) FROM pg_catalog.unnest(counts) WITH ORDINALITY u(c, i) WHERE u.c > 0);
    IF first_case IS NULL
       OR pg_catalog.cardinality(counts) - first_case + 1 < gridgov.forecast_min_periods(grain) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('too little history for a %s forecast of %s x %s: %s periods since the first case where %s are needed',
                                        grain, area, category_prefix,
                                        COALESCE(pg_catalog.cardinality(counts) - first_case + 1, 0),
                                        gridgov.forecast_min_periods(grain));
    END IF;
    since := since + (first_case - 1) * CASE WHEN grain = 'week' THEN 7 ELSE 1 END;
    counts := counts[first_case:];
    r.area := area; r.category_prefix := category_prefix; r.grain := grain; r.fitted_at := as_of;
    r.data_from := since; r.data_to := origin; r.periods := pg_catalog.cardinality(counts);
    r.cases := (SELECT pg_catalog.sum(c)::bigint FROM pg_catalog.unnest(counts) c);
    r.regressors := gridgov.forecast_regressors(grain);
    SELECT f.coefficients, f.dispersion, f.deviance, f.iterations, f.mae, f.naive_mae, f.covariance
    INTO r.coefficients, r.dispersion, r.deviance, r.iterations, r.mae, r.naive_mae, r.covariance
    FROM gridgov.forecast_model(grain, since, counts) f;
    RETURN r;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_fit(gridgov.gridcode, text, text, timestamptz) IS
    'The forecast model of an area x category prefix x grain fitted now on the history before as_of''s period (at most three years, from the first period with a case), as a row of gridgov.forecast_fits (not stored). 22004 NULL, 22023 bad grain or as_of, 42704 unknown prefix, GG301 too little history';

CREATE FUNCTION gridgov.forecast_volume(area gridgov.gridcode, category_prefix text, grain text, horizon integer,
                                        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period_start date, expected double precision, lower_80 integer, upper_80 integer,
                   lower_95 integer, upper_95 integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    origin date;
    f gridgov.forecast_fits;
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    PERFORM gridgov.forecast_check_as_of(as_of);
    IF horizon IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'horizon of a forecast must not be NULL';
    END IF;
    IF horizon < 1 OR horizon > (CASE grain WHEN 'day' THEN 366 ELSE 104 END) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('horizon must be 1 to %s %ss, not %s',
                                        CASE grain WHEN 'day' THEN 366 ELSE 104 END, grain, horizon);
    END IF;
    origin := gridgov.forecast_origin(grain, as_of);
    -- The cached fit when current: the same regressors, its history ending
    -- at most a week before the origin (and not after it).
    SELECT x.* INTO f FROM gridgov.forecast_fits x
    WHERE x.area OPERATOR(gridgov.=) forecast_volume.area AND x.category_prefix = forecast_volume.category_prefix
      AND x.grain = forecast_volume.grain AND x.regressors = gridgov.forecast_regressors(forecast_volume.grain)
      AND x.data_to <= origin AND x.data_to > origin - 7;
    IF NOT FOUND THEN
        f := gridgov.forecast_fit(area, category_prefix, grain, as_of);
    END IF;
    RETURN QUERY SELECT p.period_start, p.expected, p.lower_80, p.upper_80, p.lower_95, p.upper_95
                 FROM gridgov.forecast_predict(grain, origin, horizon, f.coefficients, f.dispersion, f.covariance) p;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_volume(gridgov.gridcode, text, text, integer, timestamptz) IS
    'Volume forecast (docs/bi.md, Forecasts): cases the area (any level) will report in categories starting with category_prefix per day or ISO week (grain), for horizon periods from as_of''s day or week (local, analytics time zone): expected count and the 80 % and 95 % intervals. Uses the cached fit of gridgov.forecast_fits when its history ends within the week before, else fits on the fly (gridgov.forecast_fit). Counts only, as the owner. 22004 NULL, 22023 bad grain, horizon (1-366 days, 1-104 weeks) or as_of, 42704 unknown prefix, GG301 too little history';

-- The nightly refresh: every town x top category -------------------------------------

CREATE FUNCTION gridgov.forecast_refresh(as_of timestamptz DEFAULT pg_catalog.now(), top integer DEFAULT 10)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    g text;
    origin date;
    since date;
    step integer;
    n integer;
    x double precision[];
    counts double precision[];
    pair record;
    first_case integer;
    fit record;
    fitted integer := 0;
BEGIN
    PERFORM gridgov.forecast_check_as_of(as_of);
    IF top IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'top must not be NULL';
    END IF;
    IF top < 1 OR top > 100 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('top must be 1 to 100, not %s', top);
    END IF;
    FOREACH g IN ARRAY ARRAY['day', 'week'] LOOP
        origin := gridgov.forecast_origin(g, as_of);
        step := CASE g WHEN 'week' THEN 7 ELSE 1 END;
        n := gridgov.forecast_max_periods(g);
        since := origin - n * step;
        x := gridgov.forecast_design(g, since, n);
        -- One pass over the cases: counts per town x major category x period,
        -- for the top categories (by cases in the window) of each county.
        FOR pair IN
            WITH hits AS (
                SELECT s.county, s.town, pg_catalog.left(s.category, 3) AS prefix,
                       (s.reported_day - since) / step + 1 AS i, pg_catalog.count(*) AS k
                FROM gridgov.case_stats s
                WHERE s.reported_day >= since AND s.reported_day < origin AND s.source <> 'proactive'
                  AND gridgov.level(s.town) = 4
                GROUP BY 1, 2, 3, 4
            ), ranked AS (
                SELECT h.county, h.prefix,
                       pg_catalog.row_number() OVER (PARTITION BY h.county ORDER BY pg_catalog.sum(h.k) DESC, h.prefix) AS r
                FROM hits h GROUP BY h.county, h.prefix
            )
            SELECT h.town, h.prefix, pg_catalog.array_agg(h.i) AS idx, pg_catalog.array_agg(h.k) AS k
            FROM hits h
            JOIN ranked r ON r.county OPERATOR(gridgov.=) h.county AND r.prefix = h.prefix AND r.r <= top
            GROUP BY h.town, h.prefix
            ORDER BY h.town, h.prefix
        LOOP
            counts := pg_catalog.array_fill(0::double precision, ARRAY[n]);
            FOR j IN 1..pg_catalog.cardinality(pair.idx) LOOP
                counts[pair.idx[j]] := pair.k[j];
            END LOOP;
            first_case := (SELECT pg_catalog.min(i) FROM pg_catalog.unnest(pair.idx) i);
            CONTINUE WHEN n - first_case + 1 < gridgov.forecast_min_periods(g);
            fit := gridgov.forecast_fit_rows(g, counts, x, first_case, n);
            INSERT INTO gridgov.forecast_fits AS t (area, category_prefix, grain, fitted_at, data_from, data_to, periods,
                                                   cases, regressors, coefficients, dispersion, deviance, iterations,
                                                   mae, naive_mae, covariance)
            VALUES (pair.town, pair.prefix, g, as_of, since + (first_case - 1) * step, origin, n - first_case + 1,
                    (SELECT pg_catalog.sum(c)::bigint FROM pg_catalog.unnest(pair.k) c),
                    gridgov.forecast_regressors(g), fit.coefficients, fit.dispersion, fit.deviance, fit.iterations,
                    fit.mae, fit.naive_mae, fit.covariance)
            ON CONFLICT (area, category_prefix, grain) DO UPDATE
            SET fitted_at = EXCLUDED.fitted_at, data_from = EXCLUDED.data_from, data_to = EXCLUDED.data_to,
                periods = EXCLUDED.periods, cases = EXCLUDED.cases, regressors = EXCLUDED.regressors,
                coefficients = EXCLUDED.coefficients, dispersion = EXCLUDED.dispersion, deviance = EXCLUDED.deviance,
                iterations = EXCLUDED.iterations, mae = EXCLUDED.mae, naive_mae = EXCLUDED.naive_mae,
                covariance = EXCLUDED.covariance
            -- (a refresh of an earlier as_of does not replace a newer fit)
            WHERE t.data_to <= EXCLUDED.data_to;
            fitted := fitted + 1;
        END LOOP;
    END LOOP;
    RETURN fitted;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_refresh(timestamptz, integer) IS
    'Administration: fits and stores (gridgov.forecast_fits) the day and week models of every town x top category: the top major categories (3-character codes, by cases in the last three years) of each county, each town with at least forecast_min_periods of history; one pass over case_stats per grain. Run by gridgov.analytics_nightly(). Returns the fits written. 22004 NULL, 22023 as_of not finite or top outside 1-100';

-- The backtest ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_backtest(area gridgov.gridcode, category_prefix text, grain text,
                                          "from" date, "to" date, horizon integer DEFAULT NULL)
    RETURNS TABLE (origins integer, points integer, naive text, model_mase double precision,
                   naive_mase double precision, mase_ratio double precision, model_mape double precision,
                   naive_mape double precision, coverage_80 double precision, coverage_95 double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    step integer;
    m integer;
    h integer;
    lo_date date;
    hi_date date;
    total integer;
    counts double precision[];
    x double precision[];
    o integer;
    first_case integer;
    fit record;
    scale double precision;
    actual double precision[] := '{}';
    model double precision[] := '{}';
    dispersion double precision[] := '{}';
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    IF "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'from and to of a backtest must not be NULL';
    END IF;
    step := CASE grain WHEN 'week' THEN 7 ELSE 1 END;
    m := CASE grain WHEN 'week' THEN 52 ELSE 7 END;
    h := COALESCE(horizon, CASE grain WHEN 'week' THEN 4 ELSE 7 END);
    lo_date := CASE grain WHEN 'week' THEN pg_catalog.date_trunc('week', "from")::date ELSE "from" END;
    hi_date := CASE grain WHEN 'week' THEN pg_catalog.date_trunc('week', "to")::date ELSE "to" END;
    IF NOT (pg_catalog.isfinite("from") AND pg_catalog.isfinite("to")) OR "from" >= "to"
       OR hi_date - lo_date < h * step OR hi_date - lo_date > 3660 OR h < 1 OR h > m THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('a backtest needs from < to, at most 3,660 days apart and at least one horizon of %s %ss (1 to %s) between them',
                                        h, grain, m);
    END IF;
    -- Periods not yet over would count as no cases; and each origin is a fit.
    IF "to" > (pg_catalog.now() AT TIME ZONE gridgov.analytics_time_zone())::date + 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a backtest must end by today';
    END IF;
    IF (hi_date - lo_date) / (h * step) > 400 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('a backtest may have at most 400 origins, not %s: a longer horizon or a shorter range',
                                        (hi_date - lo_date) / (h * step));
    END IF;
    -- The history before the first origin (three years at most) and the test range.
    SELECT pg_catalog.array_agg(s.cases::double precision ORDER BY s.period_start) INTO counts
    FROM gridgov.forecast_series(area, category_prefix, grain,
                                 lo_date - gridgov.forecast_max_periods(grain) * step, hi_date) s;
    total := pg_catalog.cardinality(counts);
    o := gridgov.forecast_max_periods(grain) + 1;     -- index of the first origin
    first_case := (SELECT pg_catalog.min(i) FROM pg_catalog.unnest(counts) WITH ORDINALITY u(c, i) WHERE u.c > 0);
    IF first_case IS NULL OR o - first_case < gridgov.forecast_min_periods(grain) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('too little history before %s for a %s backtest: %s periods since the first case where %s are needed',
                                        lo_date, grain, GREATEST(COALESCE(o - first_case, 0), 0),
                                        gridgov.forecast_min_periods(grain));
    END IF;
    x := gridgov.forecast_design(grain, lo_date - gridgov.forecast_max_periods(grain) * step, total);
    scale := (SELECT pg_catalog.avg(pg_catalog.abs(counts[i] - counts[i - m]))
              FROM pg_catalog.generate_series(first_case + m, o - 1) i);
    WHILE o + h - 1 <= total LOOP
        fit := gridgov.forecast_fit_rows(grain, counts, x, GREATEST(first_case, o - gridgov.forecast_max_periods(grain)), o - 1);
        actual := actual || counts[o:o + h - 1];
        model := model || gridgov.glm_predict(fit.coefficients, x[o:o + h - 1][:]);
        dispersion := dispersion || (SELECT pg_catalog.array_agg(LEAST(fit.dispersion + v, 10) ORDER BY i)
                                     FROM pg_catalog.unnest(gridgov.glm_predict_variance(fit.covariance, x[o:o + h - 1][:]))
                                          WITH ORDINALITY AS w(v, i));
        o := o + h;
    END LOOP;
    RETURN QUERY
    WITH b AS (
        SELECT u.actual, u.model, counts[gridgov.forecast_max_periods(grain) + u.i - m]::double precision AS naive,
               u.actual BETWEEN i80.lower AND i80.upper AS in80, u.actual BETWEEN i95.lower AND i95.upper AS in95
        FROM ROWS FROM (pg_catalog.unnest(actual), pg_catalog.unnest(model), pg_catalog.unnest(dispersion))
             WITH ORDINALITY AS u(actual, model, a, i)
        CROSS JOIN LATERAL gridgov.nb_interval(u.model, u.a, 0.80) i80
        CROSS JOIN LATERAL gridgov.nb_interval(u.model, u.a, 0.95) i95
    )
    SELECT (pg_catalog.count(*) / h)::integer, pg_catalog.count(*)::integer,
           CASE grain WHEN 'week' THEN 'same ISO week a year (52 weeks) before' ELSE 'same weekday a week before' END,
           pg_catalog.avg(pg_catalog.abs(b.actual - b.model)) / NULLIF(scale, 0),
           pg_catalog.avg(pg_catalog.abs(b.actual - b.naive)) / NULLIF(scale, 0),
           pg_catalog.avg(pg_catalog.abs(b.actual - b.model)) / NULLIF(pg_catalog.avg(pg_catalog.abs(b.actual - b.naive)), 0),
           100 * pg_catalog.avg(pg_catalog.abs(b.actual - b.model) / b.actual) FILTER (WHERE b.actual > 0),
           100 * pg_catalog.avg(pg_catalog.abs(b.actual - b.naive) / b.actual) FILTER (WHERE b.actual > 0),
           pg_catalog.avg(b.in80::integer)::double precision, pg_catalog.avg(b.in95::integer)::double precision
    FROM b;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_backtest(gridgov.gridcode, text, text, date, date, integer) IS
    'Backtest of the volume forecast on rolling origins: from the first period of from (a day, or its ISO week), every horizon periods (default 7 days or 4 weeks) while the forecast ends before to, the model is fitted on the history before the origin (three years at most) and forecasts horizon periods; returns the origins and points scored, MASE of the model and of the seasonal-naive forecast (same weekday a week before for days, same week 52 weeks before for weeks; both scaled by the in-sample seasonal-naive MAE before from), their ratio, MAPE of both (periods with cases), and the share of actual counts within the 80 % and 95 % intervals. 22004 NULL, 22023 bad grain, from >= to, a range shorter than a horizon or longer than 3,660 days, a horizon outside 1 to 7 days or 52 weeks, 42704 unknown prefix, GG301 less than forecast_min_periods of history before from';

-- Alerts -----------------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_alerts(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS SETOF gridgov.hotspots
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    f record;
    h gridgov.hotspots;
    raised integer := 0;
BEGIN
    PERFORM gridgov.forecast_check_as_of(as_of);
    DELETE FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'forecast_exceeded';
    -- The last complete period of each current fit (days; weeks on Mondays),
    -- forecast from the fit's own history (which ends before it).
    FOR f IN
        SELECT x.*, p.period_start, p.period_end, c.cases AS actual, e.expected, e.lower_95, e.upper_95,
               e.period_dispersion
        FROM gridgov.forecast_fits x
        CROSS JOIN LATERAL (SELECT gridgov.forecast_origin(x.grain, as_of)
                                   - CASE x.grain WHEN 'week' THEN 7 ELSE 1 END AS period_start,
                                   gridgov.forecast_origin(x.grain, as_of) AS period_end) p
        CROSS JOIN LATERAL gridgov.forecast_predict(x.grain, x.data_to,
                                                    (p.period_start - x.data_to) / CASE x.grain WHEN 'week' THEN 7 ELSE 1 END + 1,
                                                    x.coefficients, x.dispersion, x.covariance) e
        CROSS JOIN LATERAL gridgov.forecast_series(x.area, x.category_prefix, x.grain, p.period_start, p.period_end) c
        WHERE x.regressors = gridgov.forecast_regressors(x.grain)
          AND x.data_to <= p.period_start AND x.data_to > p.period_start - 7
          AND e.period_start = p.period_start
          AND (c.cases > e.upper_95 OR c.cases < e.lower_95)
        ORDER BY x.area, x.category_prefix, x.grain
    LOOP
        IF raised = 0 AND NOT EXISTS (SELECT 1 FROM gridgov.hotspot_runs r WHERE r.detected_at = as_of) THEN
            INSERT INTO gridgov.hotspot_runs (detected_at, params, spikes, clusters, cases_opened)
            VALUES (as_of, pg_catalog.jsonb_build_object('forecast_alerts', true), 0, 0, 0);
        END IF;
        INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                      cases, baseline_cases, expected, score, threshold, geom)
        VALUES (gridgov.ancestor(f.area, 3), as_of, 'forecast_exceeded', f.category_prefix, NULL, ARRAY[f.area],
                (f.period_start::timestamp AT TIME ZONE gridgov.analytics_time_zone()),
                (f.period_end::timestamp AT TIME ZONE gridgov.analytics_time_zone()),
                f.actual, f.cases::integer, f.expected, gridgov.nb_score(f.actual, f.expected, f.period_dispersion),
                -pg_catalog.log(0.025),
                (SELECT g.geom FROM gridgov.grids g
                 WHERE g.code OPERATOR(gridgov.=) f.area AND g.valid_from <= as_of AND as_of < g.valid_to))
        RETURNING * INTO h;
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'forecast_exceeded', 'hotspot_id', h.id, 'county', h.county::text, 'area', f.area::text,
            'category', f.category_prefix, 'grain', f.grain, 'period_start', f.period_start, 'cases', f.actual,
            'expected', pg_catalog.round(f.expected::numeric, 1), 'lower_95', f.lower_95, 'upper_95', f.upper_95,
            'at', as_of)::text);
        raised := raised + 1;
        RETURN NEXT h;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_alerts(timestamptz) IS
    'Administration: forecast alerts (未诉先办): for each current fit of gridgov.forecast_fits (history ending within the week before), the last complete period before as_of (yesterday; for weeks the last ISO week) is compared with the fit''s forecast of it; a count outside the 95 % interval is stored as a hot spot of kind forecast_exceeded (county, area in grids, category = the prefix, cases, expected, baseline_cases = cases the fit learnt from, score = gridgov.nb_score, threshold -log10(0.025), the area''s outline) in the run of as_of (created when detect_hotspots made none) and sent on channel gridgov_events ({"type": "forecast_exceeded", ...}, docs/events.md). Replaces the forecast alerts of an earlier call with the same as_of and returns the new ones. 22004 NULL, 22023 as_of not finite';

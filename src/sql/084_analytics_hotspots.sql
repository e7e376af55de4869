-- ---------------------------------------------------------------------------
-- analytics (5/7): hot spots (未诉先办) and the seasonal view.
--
-- gridgov.detect_hotspots() finds, in the window before as_of, (1) grid x
-- category counts that spike above their own baseline and (2) spatial clusters
-- of one category that cross grid boundaries (DBSCAN over the recent case
-- points), scores both with a one-sided Poisson test against the baseline
-- (Bonferroni-corrected over everything tested), stores them in
-- gridgov.hotspots for the board, and optionally opens one proactive case per
-- hot spot.  docs/bi.md gives the model.  SQLSTATEs: 22004 NULL argument,
-- 22023 bad parameter.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.poisson_score(x integer, lambda double precision) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    lnfact double precision := 0;
    lt double precision;
    term double precision := 1;
    s double precision := 1;
    k bigint;
BEGIN
    IF NOT (lambda > 0) OR lambda = 'Infinity'::double precision OR lambda = 'NaN'::double precision THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('the expected count must be a positive finite number, not %s', lambda);
    END IF;
    IF x <= 0 THEN
        RETURN 0;
    END IF;
    IF x > lambda THEN
        -- Upper tail, summed upwards from x in units of the term at x.
        IF x <= 100 THEN
            FOR i IN 2..x LOOP
                lnfact := lnfact + pg_catalog.ln(i::double precision);
            END LOOP;
        ELSE
            lnfact := x * pg_catalog.ln(x::double precision) - x + 0.5 * pg_catalog.ln(2 * pg_catalog.pi() * x)
                      + 1.0 / (12.0 * x) - 1.0 / (360.0 * x::double precision ^ 3);
        END IF;
        lt := -lambda + x * pg_catalog.ln(lambda) - lnfact;
        k := x;
        LOOP
            k := k + 1;
            term := term * lambda / k;
            s := s + term;
            EXIT WHEN term < 1e-17 * s;
        END LOOP;
        RETURN GREATEST(0, -(lt + pg_catalog.ln(s)) / pg_catalog.ln(10::double precision));
    END IF;
    -- x <= lambda: P(X >= x) = 1 - P(X <= x - 1), the lower tail summed downwards.
    k := x - 1;
    IF k <= 100 THEN
        FOR i IN 2..k LOOP
            lnfact := lnfact + pg_catalog.ln(i::double precision);
        END LOOP;
    ELSE
        lnfact := k * pg_catalog.ln(k::double precision) - k + 0.5 * pg_catalog.ln(2 * pg_catalog.pi() * k)
                  + 1.0 / (12.0 * k) - 1.0 / (360.0 * k::double precision ^ 3);
    END IF;
    lt := -lambda + k * pg_catalog.ln(lambda) - lnfact;
    WHILE k > 0 LOOP
        term := term * k / lambda;
        s := s + term;
        EXIT WHEN term < 1e-17 * s;
        k := k - 1;
    END LOOP;
    RETURN GREATEST(0, -pg_catalog.log(GREATEST(1 - pg_catalog.exp(lt + pg_catalog.ln(s)), 1e-300)));
END
$$;
COMMENT ON FUNCTION gridgov.poisson_score(integer, double precision) IS
    'Surprise of a count: -log10 P(X >= x) for X ~ Poisson(lambda), computed in log space (3 means a chance of 1 in 1,000); 0 for x <= 0; 22023 for lambda not positive and finite';

CREATE TABLE gridgov.hotspot_runs (
    detected_at timestamptz PRIMARY KEY,
    params      jsonb NOT NULL,
    spikes      integer NOT NULL,
    clusters    integer NOT NULL,
    cases_opened integer NOT NULL,
    run_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE gridgov.hotspot_runs IS 'Runs of gridgov.detect_hotspots(): one row per as_of (a re-run replaces it)';
COMMENT ON COLUMN gridgov.hotspot_runs.detected_at IS 'as_of of the run: the end of its window';
COMMENT ON COLUMN gridgov.hotspot_runs.params IS 'Parameters of the run';
COMMENT ON COLUMN gridgov.hotspot_runs.spikes IS 'Grid x category spikes found';
COMMENT ON COLUMN gridgov.hotspot_runs.clusters IS 'Cross-boundary clusters found';
COMMENT ON COLUMN gridgov.hotspot_runs.cases_opened IS 'Proactive cases opened by the run';
COMMENT ON COLUMN gridgov.hotspot_runs.run_at IS 'When the run happened';
SELECT pg_catalog.pg_extension_config_dump('gridgov.hotspot_runs', '');

CREATE TABLE gridgov.hotspots (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    county          gridgov.gridcode NOT NULL,
    detected_at     timestamptz NOT NULL REFERENCES gridgov.hotspot_runs (detected_at) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('spike', 'cluster', 'forecast_exceeded')),
    category        text COLLATE pg_catalog."C" NOT NULL,
    grid            gridgov.gridcode,
    grids           gridgov.gridcode[] NOT NULL,
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    cases           integer NOT NULL,
    baseline_cases  integer NOT NULL,
    expected        double precision NOT NULL,
    score           double precision NOT NULL,
    threshold       double precision NOT NULL,
    geom            geometry(Geometry, 4326),
    case_id         bigint,
    CONSTRAINT hotspots_spike_grid CHECK (kind <> 'spike' OR grid IS NOT NULL)
);
CREATE INDEX hotspots_detected ON gridgov.hotspots (detected_at, county);
COMMENT ON TABLE gridgov.hotspots IS
    'Hot spots found by gridgov.detect_hotspots(), kept for the command center''s board: spikes of a grid x category and clusters of one category crossing grid boundaries, with their counts, Poisson score and threshold, outline and the proactive case opened for them; and the areas x categories whose count left the 95 % interval of their forecast (kind forecast_exceeded, gridgov.forecast_alerts())';
COMMENT ON COLUMN gridgov.hotspots.county IS 'County';
COMMENT ON COLUMN gridgov.hotspots.detected_at IS 'as_of of the run that found it';
COMMENT ON COLUMN gridgov.hotspots.kind IS 'spike (a grid x category above its baseline), cluster (cases of one category close together across grid boundaries) or forecast_exceeded (an area x category prefix outside the 95 % interval of its forecast)';
COMMENT ON COLUMN gridgov.hotspots.category IS 'Category code (forecast_exceeded: the forecast''s category prefix)';
COMMENT ON COLUMN gridgov.hotspots.grid IS 'The grid of a spike; NULL for the other kinds';
COMMENT ON COLUMN gridgov.hotspots.grids IS 'Grids the hot spot''s cases lie in (forecast_exceeded: the forecast''s area)';
COMMENT ON COLUMN gridgov.hotspots.window_start IS 'Start of the window (exclusive)';
COMMENT ON COLUMN gridgov.hotspots.window_end IS 'End of the window (inclusive): the run''s as_of';
COMMENT ON COLUMN gridgov.hotspots.cases IS 'Cases in the window';
COMMENT ON COLUMN gridgov.hotspots.baseline_cases IS 'Cases of the same grid (spike) or area (cluster: within the DBSCAN distance of its hull) and category in the baseline before the window; forecast_exceeded: the cases the forecast''s fit learnt from';
COMMENT ON COLUMN gridgov.hotspots.expected IS 'Expected count in the window: (baseline_cases + 1) x window / baseline; forecast_exceeded: the forecast''s expected count';
COMMENT ON COLUMN gridgov.hotspots.score IS 'gridgov.poisson_score(cases, expected): -log10 of the chance of so many cases; forecast_exceeded: gridgov.nb_score(cases, expected, the fit''s dispersion), the chance of so many or so few';
COMMENT ON COLUMN gridgov.hotspots.threshold IS 'Score needed: -log10(alpha / number of grid x category cells, or clusters, tested in the county); forecast_exceeded: -log10(0.025), one side of the 95 % interval';
COMMENT ON COLUMN gridgov.hotspots.geom IS 'Outline: the grid of a spike; for a cluster the convex hull of its cases'' locations snapped to 0.001 degrees; forecast_exceeded: the area''s';
COMMENT ON COLUMN gridgov.hotspots.case_id IS 'Proactive case (source proactive) opened for it, if any';
SELECT pg_catalog.pg_extension_config_dump('gridgov.hotspots', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.hotspots_id_seq', '');

CREATE FUNCTION gridgov.detect_hotspots(as_of timestamptz DEFAULT pg_catalog.now(),
                                        win interval DEFAULT '7 days',
                                        baseline interval DEFAULT '8 weeks',
                                        min_cases integer DEFAULT 5,
                                        alpha double precision DEFAULT 0.01,
                                        cluster_m double precision DEFAULT 150,
                                        cluster_min integer DEFAULT 5,
                                        open_cases boolean DEFAULT false)
    RETURNS SETOF gridgov.hotspots
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    ratio double precision;
    h gridgov.hotspots;
    ext text;
    linked bigint;
    pt geometry;
    place text;
    opened integer := 0;
BEGIN
    IF as_of IS NULL OR win IS NULL OR baseline IS NULL OR min_cases IS NULL OR alpha IS NULL
       OR cluster_m IS NULL OR cluster_min IS NULL OR open_cases IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'arguments of detect_hotspots must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    IF win <= interval '0' OR baseline <= interval '0'
       OR EXTRACT(epoch FROM win) > 366 * 86400 OR EXTRACT(epoch FROM baseline) > 3660 * 86400 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('window %s and baseline %s must be positive (at most 366 and 3,660 days)', win, baseline);
    END IF;
    IF min_cases < 1 OR cluster_min < 2 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('min_cases must be at least 1 and cluster_min at least 2, not %s and %s', min_cases, cluster_min);
    END IF;
    IF NOT (alpha > 0 AND alpha < 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('alpha must lie strictly between 0 and 1, not %s', alpha);
    END IF;
    IF NOT (cluster_m > 0 AND cluster_m <= 10000) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('cluster_m must lie in (0, 10000] metres, not %s', cluster_m);
    END IF;
    ratio := EXTRACT(epoch FROM win)::double precision / EXTRACT(epoch FROM baseline)::double precision;

    DELETE FROM gridgov.hotspot_runs r WHERE r.detected_at = as_of;
    INSERT INTO gridgov.hotspot_runs (detected_at, params, spikes, clusters, cases_opened)
    VALUES (as_of, pg_catalog.jsonb_build_object('window', win, 'baseline', baseline, 'min_cases', min_cases,
                                                 'alpha', alpha, 'cluster_m', cluster_m, 'cluster_min', cluster_min,
                                                 'open_cases', open_cases), 0, 0, 0);

    -- 1. Spikes: every grid x category with a case in the window or the baseline is tested.
    INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                  cases, baseline_cases, expected, score, threshold, geom)
    WITH pts AS (
        SELECT c.county, c.grid, c.category, c.reported_at > as_of - win AS recent
        FROM gridgov.cases c
        WHERE c.reported_at > as_of - win - baseline AND c.reported_at <= as_of
          AND c.grid IS NOT NULL AND c.source <> 'proactive'
    ), cells AS (
        SELECT p.county, p.grid, p.category,
               pg_catalog.count(*) FILTER (WHERE p.recent)::integer AS x,
               pg_catalog.count(*) FILTER (WHERE NOT p.recent)::integer AS b
        FROM pts p GROUP BY 1, 2, 3
    ), tested AS (
        SELECT t.*, (t.b + 1) * ratio AS lambda,
               -pg_catalog.log(alpha / pg_catalog.count(*) OVER (PARTITION BY t.county)) AS threshold
        FROM cells t
    )
    SELECT t.county, as_of, 'spike', t.category, t.grid, ARRAY[t.grid], as_of - win, as_of, t.x, t.b, t.lambda,
           gridgov.poisson_score(t.x, t.lambda), t.threshold,
           (SELECT g.geom FROM gridgov.grids g
            WHERE g.code = t.grid AND g.valid_from <= as_of AND as_of < g.valid_to)
    FROM tested t
    WHERE t.x >= min_cases AND gridgov.poisson_score(t.x, t.lambda) >= t.threshold;

    -- 2. Clusters of one category that cross grid boundaries, in a local metric
    --    plane (equirectangular around the mean latitude of the county's points).
    INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                  cases, baseline_cases, expected, score, threshold, geom)
    WITH recent AS (
        SELECT c.county, c.grid, c.category, c.location
        FROM gridgov.cases c
        WHERE c.reported_at > as_of - win AND c.reported_at <= as_of
          AND c.location IS NOT NULL AND c.source <> 'proactive'
    ), origin AS (
        SELECT r.county, pg_catalog.avg(ST_Y(r.location)) AS lat0 FROM recent r GROUP BY r.county
    ), labelled AS (
        SELECT r.*, o.lat0,
               ST_ClusterDBSCAN(ST_Scale(r.location, 111320 * pg_catalog.cos(pg_catalog.radians(o.lat0)), 110574),
                                cluster_m, cluster_min) OVER (PARTITION BY r.county, r.category) AS cid
        FROM recent r JOIN origin o ON o.county OPERATOR(gridgov.=) r.county
    ), clusters AS (
        SELECT l.county, l.category, l.cid, l.lat0, pg_catalog.count(*)::integer AS x,
               pg_catalog.array_agg(DISTINCT l.grid ORDER BY l.grid) FILTER (WHERE l.grid IS NOT NULL) AS grids,
               ST_ConvexHull(ST_Collect(ST_Scale(l.location, 111320 * pg_catalog.cos(pg_catalog.radians(l.lat0)),
                                                 110574))) AS hull_m,
               ST_ConvexHull(ST_Collect(ST_SnapToGrid(l.location, 0.001))) AS hull
        FROM labelled l WHERE l.cid IS NOT NULL
        GROUP BY l.county, l.category, l.cid, l.lat0
        HAVING pg_catalog.count(DISTINCT l.grid) >= 2
    ), past AS MATERIALIZED (
        -- The baseline's points of the clusters' categories, in the same plane.
        SELECT b.county, b.category,
               ST_Scale(b.location, 111320 * pg_catalog.cos(pg_catalog.radians(o.lat0)), 110574) AS p
        FROM gridgov.cases b
        JOIN origin o ON o.county OPERATOR(gridgov.=) b.county
        WHERE b.reported_at > as_of - win - baseline AND b.reported_at <= as_of - win
          AND b.location IS NOT NULL AND b.source <> 'proactive'
          AND b.category IN (SELECT cl.category FROM clusters cl)
    ), based AS (
        SELECT cl.*,
               (SELECT pg_catalog.count(*) FROM past b
                WHERE b.county OPERATOR(gridgov.=) cl.county AND b.category = cl.category
                  AND ST_DWithin(b.p, cl.hull_m, cluster_m))::integer AS b
        FROM clusters cl
    ), tested AS (
        SELECT t.*, (t.b + 1) * ratio AS lambda,
               -pg_catalog.log(alpha / pg_catalog.count(*) OVER (PARTITION BY t.county)) AS threshold
        FROM based t
    )
    SELECT t.county, as_of, 'cluster', t.category, NULL, t.grids, as_of - win, as_of, t.x, t.b, t.lambda,
           gridgov.poisson_score(t.x, t.lambda), t.threshold, t.hull
    FROM tested t
    WHERE t.x >= min_cases AND gridgov.poisson_score(t.x, t.lambda) >= t.threshold;

    -- 3. Proactive cases: one per hot spot, idempotent through the external id;
    --    an existing one is linked even when no new case is opened.
    FOR h IN SELECT * FROM gridgov.hotspots x WHERE x.detected_at = as_of ORDER BY x.id LOOP
        IF h.kind = 'spike' THEN
            pt := ST_PointOnSurface(h.geom);
            ext := pg_catalog.format('hotspot/spike/%s/%s/%s', h.grid, h.category,
                                     pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD'));
            SELECT g.name INTO place FROM gridgov.grids g
            WHERE g.code = h.grid AND g.valid_from <= as_of AND as_of < g.valid_to;
        ELSE
            pt := ST_SnapToGrid(ST_Centroid(h.geom), 0.001);
            ext := pg_catalog.format('hotspot/cluster/%s/%s,%s/%s', h.category,
                                     pg_catalog.round(ST_X(pt)::numeric, 3), pg_catalog.round(ST_Y(pt)::numeric, 3),
                                     pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD'));
            place := pg_catalog.format('%s 个网格交界处', pg_catalog.cardinality(h.grids));
        END IF;
        IF open_cases THEN
            -- The county named (as intake gives it), so that the INSERT is
            -- routed on a Citus coordinator too.
            INSERT INTO gridgov.cases (county, source, external_id, category, title, location, grid, reported_at)
            SELECT gridgov.case_county(pt, 'wgs84', CASE WHEN h.kind = 'spike' THEN h.grid END, as_of),
                   'proactive', ext, h.category,
                   pg_catalog.left(pg_catalog.format('未诉先办：%s %s 近 %s 起（预期 %s）', place, cat.name, h.cases,
                                                     pg_catalog.round(h.expected::numeric, 1)), 500),
                   pt, CASE WHEN h.kind = 'spike' THEN h.grid END, as_of
            FROM gridgov.categories cat WHERE cat.code = h.category
            ON CONFLICT (county, source, external_id) DO NOTHING;
            IF FOUND THEN
                opened := opened + 1;
            END IF;
        END IF;
        -- Read, then written (Citus writes no reference table from a query
        -- that reads a distributed one).
        linked := (SELECT c.id FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) h.county AND c.source = 'proactive' AND c.external_id = ext);
        UPDATE gridgov.hotspots x SET case_id = linked WHERE x.id = h.id;
    END LOOP;

    UPDATE gridgov.hotspot_runs r
    SET spikes = (SELECT pg_catalog.count(*) FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'spike'),
        clusters = (SELECT pg_catalog.count(*) FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'cluster'),
        cases_opened = opened
    WHERE r.detected_at = as_of;

    RETURN QUERY SELECT * FROM gridgov.hotspots x WHERE x.detected_at = as_of
                 ORDER BY x.county, x.kind DESC, x.score DESC, x.id;
END
$$;
COMMENT ON FUNCTION gridgov.detect_hotspots(timestamptz, interval, interval, integer, double precision, double precision, integer, boolean) IS
    'Hot spots (未诉先办) in the window (as_of - win, as_of]: grid x category counts above their own baseline (as_of - win - baseline, as_of - win], and DBSCAN clusters (cluster_m metres, cluster_min points) of one category spanning at least two grids, each with at least min_cases cases and a Poisson score (gridgov.poisson_score against (baseline + 1) x win / baseline) above -log10(alpha / tests in the county). Replaces the results of an earlier run with the same as_of, stores them in gridgov.hotspots and gridgov.hotspot_runs, opens one proactive case each when open_cases (idempotent), and returns them. Proactive cases are never counted. 22004 NULL argument, 22023 bad parameter';

CREATE VIEW gridgov.hotspots_latest AS
SELECT h.id, h.county, h.detected_at, h.kind, h.category, c.name AS category_name, h.grid, h.grids,
       h.window_start, h.window_end, h.cases, h.baseline_cases, h.expected, h.score, h.threshold, h.geom, h.case_id
FROM gridgov.hotspots h
LEFT JOIN gridgov.categories c ON c.code = h.category
WHERE h.detected_at = (SELECT pg_catalog.max(r.detected_at) FROM gridgov.hotspot_runs r);
COMMENT ON VIEW gridgov.hotspots_latest IS 'The hot spots of the latest run of gridgov.detect_hotspots() (by as_of), for the board';
COMMENT ON COLUMN gridgov.hotspots_latest.county IS 'County';
COMMENT ON COLUMN gridgov.hotspots_latest.detected_at IS 'as_of of the run';
COMMENT ON COLUMN gridgov.hotspots_latest.kind IS 'spike, cluster or forecast_exceeded';
COMMENT ON COLUMN gridgov.hotspots_latest.category IS 'Category code';
COMMENT ON COLUMN gridgov.hotspots_latest.category_name IS 'Category name';
COMMENT ON COLUMN gridgov.hotspots_latest.grid IS 'Grid of a spike';
COMMENT ON COLUMN gridgov.hotspots_latest.grids IS 'Grids involved';
COMMENT ON COLUMN gridgov.hotspots_latest.window_start IS 'Window start (exclusive)';
COMMENT ON COLUMN gridgov.hotspots_latest.window_end IS 'Window end (inclusive)';
COMMENT ON COLUMN gridgov.hotspots_latest.cases IS 'Cases in the window';
COMMENT ON COLUMN gridgov.hotspots_latest.baseline_cases IS 'Cases in the baseline';
COMMENT ON COLUMN gridgov.hotspots_latest.expected IS 'Expected count in the window';
COMMENT ON COLUMN gridgov.hotspots_latest.score IS 'Poisson score';
COMMENT ON COLUMN gridgov.hotspots_latest.threshold IS 'Score needed';
COMMENT ON COLUMN gridgov.hotspots_latest.geom IS 'Outline';
COMMENT ON COLUMN gridgov.hotspots_latest.case_id IS 'Proactive case, if any';

-- Seasonal view ---------------------------------------------------------------------

CREATE VIEW gridgov.seasonal AS
WITH months AS (
    SELECT m.county, m.category, m.month, pg_catalog.sum(m.reported) AS n
    FROM gridgov.stats_month_category m
    GROUP BY 1, 2, 3 HAVING pg_catalog.sum(m.reported) <> 0
), moy AS (
    SELECT x.county, x.category, EXTRACT(month FROM x.month)::integer AS month_of_year,
           pg_catalog.sum(x.n) AS cases, pg_catalog.count(*) AS years
    FROM months x GROUP BY 1, 2, 3
)
SELECT y.county, y.category, c.name AS category_name, y.month_of_year, y.cases::bigint AS cases,
       y.years::integer AS years, pg_catalog.round(y.cases / y.years, 1) AS per_year,
       pg_catalog.round(12 * (y.cases / y.years)
                        / pg_catalog.sum(y.cases / y.years) OVER (PARTITION BY y.county, y.category), 2) AS seasonal_index
FROM moy y
LEFT JOIN gridgov.categories c ON c.code = y.category;
COMMENT ON VIEW gridgov.seasonal IS
    'Seasonality by county x category x month of the year (from the month summaries): cases reported in that calendar month over all years, the number of years with data for it, the mean per year, and the seasonal index (mean per year / mean of the category''s monthly means; 1 = an average month, months without data count as 0)';
COMMENT ON COLUMN gridgov.seasonal.county IS 'County';
COMMENT ON COLUMN gridgov.seasonal.category IS 'Category code';
COMMENT ON COLUMN gridgov.seasonal.category_name IS 'Category name';
COMMENT ON COLUMN gridgov.seasonal.month_of_year IS 'Calendar month, 1-12';
COMMENT ON COLUMN gridgov.seasonal.cases IS 'Cases reported in that month, all years';
COMMENT ON COLUMN gridgov.seasonal.years IS 'Years with cases in that month';
COMMENT ON COLUMN gridgov.seasonal.per_year IS 'cases / years, 1 decimal';
COMMENT ON COLUMN gridgov.seasonal.seasonal_index IS '12 x per_year / sum of the category''s per_year over the months, 2 decimals';

-- The social-conditions index (src/sql/088_social.sql, from '-- Population' on).
-- Population --------------------------------------------------------------------------

CREATE TABLE gridgov.area_population (
    area       gridgov.gridcode NOT NULL,
    year       integer NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    population integer NOT NULL CHECK (population > 0),
    source     text,
    PRIMARY KEY (area, year),
    CONSTRAINT area_population_level CHECK (gridgov.level(area) BETWEEN 3 AND 6)
);
COMMENT ON TABLE gridgov.area_population IS
    'Resident population of areas (county, town, community or grid) by year, as data: the denominator of the case density of the social-conditions index. A month uses its year''s row, else the nearest earlier year''s, else the nearest later year''s. User data, dumped';
COMMENT ON COLUMN gridgov.area_population.area IS 'Area code (county, town, community or grid level)';
COMMENT ON COLUMN gridgov.area_population.year IS 'Year the figure is for (1949-2200)';
COMMENT ON COLUMN gridgov.area_population.population IS 'Resident population (常住人口), more than 0';
COMMENT ON COLUMN gridgov.area_population.source IS 'Where the figure comes from, e.g. the 7th census (第七次全国人口普查)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.area_population', '');

-- Weights and normalisation of the index -------------------------------------------

CREATE TABLE gridgov.social_index_weights (
    area          gridgov.gridcode,
    component     text NOT NULL
                  CHECK (component IN ('case_density', 'disputes', 'repeat_callers', 'satisfaction', 'overdue_share')),
    weight        numeric NOT NULL CHECK (weight >= 0 AND weight <= 1000),
    normalisation text NOT NULL CHECK (normalisation IN ('minmax', 'zscore', 'target')),
    target        numeric CHECK (target > 0 AND target < 'Infinity'),  -- (numeric NaN sorts above Infinity)
    higher_is     text NOT NULL CHECK (higher_is IN ('worse', 'better')),
    note          text,
    builtin       boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (area, component, builtin),
    CONSTRAINT social_index_weights_target CHECK ((normalisation = 'target') = (target IS NOT NULL))
);
COMMENT ON TABLE gridgov.social_index_weights IS
    'Weights and normalisation of the components of the social-conditions index (gridgov.social_index), as data. A row applies to one component in an area and everything under it (NULL: everywhere); for an area and component the row of its closest ancestor-or-self wins, a user row before a shipped one. Ships one row per component (NULL area): an illustrative weighting, not a published one';
COMMENT ON COLUMN gridgov.social_index_weights.area IS 'Area the row applies to, with everything under it; NULL for the default';
COMMENT ON COLUMN gridgov.social_index_weights.component IS 'case_density, disputes, repeat_callers, satisfaction or overdue_share';
COMMENT ON COLUMN gridgov.social_index_weights.weight IS 'Weight of the component (0-1000; 0 leaves it out); the index divides by the sum of the weights of the components that have a value';
COMMENT ON COLUMN gridgov.social_index_weights.normalisation IS 'How the raw value becomes a pressure of 0-1: minmax ((x - min) / (max - min) over the areas of the same level and month; 0 when all are equal: none stands out), zscore (0.5 + z / 4 clamped to 0-1, z over the same areas; 0.5 when they do not vary), target (x / target clamped to 0-1)';
COMMENT ON COLUMN gridgov.social_index_weights.target IS 'Reference value of target normalisation (finite, more than 0): the raw value that means full pressure (higher_is worse) or none (higher_is better); NULL for the others';
COMMENT ON COLUMN gridgov.social_index_weights.higher_is IS 'worse: a higher raw value is more pressure; better: less (the normalised value is 1 minus the above)';
COMMENT ON COLUMN gridgov.social_index_weights.note IS 'Where the weights come from';
COMMENT ON COLUMN gridgov.social_index_weights.builtin IS 'Shipped with gridgov (read-only, not dumped); override it with a user row for the same area and component';

INSERT INTO gridgov.social_index_weights (area, component, weight, normalisation, target, higher_is, note, builtin) VALUES
    (NULL, 'case_density', 30, 'minmax', NULL, 'worse', 'Illustrative default: cases per 10,000 residents, 30 %', true),
    (NULL, 'disputes', 20, 'minmax', NULL, 'worse', 'Illustrative default: dispute cases, 20 %', true),
    (NULL, 'repeat_callers', 15, 'minmax', NULL, 'worse', 'Illustrative default: repeat callers, 15 %', true),
    (NULL, 'satisfaction', 20, 'target', 100, 'better', 'Illustrative default: satisfaction rate against 100 %, 20 %', true),
    (NULL, 'overdue_share', 15, 'target', 100, 'worse', 'Illustrative default: overdue share against 100 %, 15 %', true);
SELECT pg_catalog.pg_extension_config_dump('gridgov.social_index_weights', 'WHERE NOT builtin');

CREATE FUNCTION gridgov.social_index_weights_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('social_index_weights_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG300',
                MESSAGE = 'cannot mark a row of gridgov.social_index_weights as builtin',
                DETAIL = 'Only the gridgov install script writes shipped rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'GG300',
        MESSAGE = pg_catalog.format('cannot %s the shipped default weight of %s', pg_catalog.lower(TG_OP), OLD.component),
        DETAIL = 'Shipped rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Insert your own row for the same area and component (NULL area for the default); it takes precedence.';
END
$$;
COMMENT ON FUNCTION gridgov.social_index_weights_guard() IS
    'Trigger: the shipped social_index_weights rows cannot be updated or deleted, and no row can be marked builtin (GG300)';
CREATE TRIGGER social_index_weights_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.social_index_weights
    FOR EACH ROW EXECUTE FUNCTION gridgov.social_index_weights_guard();

-- A raw value as a pressure of 0-1.
CREATE FUNCTION gridgov.social_normalise(x numeric, normalisation text, target numeric, higher_is text,
                                         lo numeric, hi numeric, mean numeric, sd numeric)
    RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN x IS NULL THEN NULL
            ELSE (SELECT CASE WHEN higher_is = 'better' THEN 1 - v.p ELSE v.p END
                  FROM (SELECT GREATEST(0::numeric, LEAST(1::numeric,
                               CASE normalisation
                                   WHEN 'minmax' THEN CASE WHEN hi > lo THEN (x - lo) / (hi - lo) ELSE 0 END
                                   WHEN 'zscore' THEN CASE WHEN sd > 0 THEN 0.5 + (x - mean) / sd / 4 ELSE 0.5 END
                                   WHEN 'target' THEN x / target END)) AS p) v) END;
COMMENT ON FUNCTION gridgov.social_normalise(numeric, text, numeric, text, numeric, numeric, numeric, numeric) IS
    'A raw component of the social-conditions index as a pressure of 0-1: minmax (x - lo) / (hi - lo) (0 when hi = lo: no area stands out), zscore 0.5 + (x - mean) / sd / 4 (0.5 when sd = 0), target x / target, each clamped to 0-1, then 1 minus it when higher_is is better; NULL for a NULL x';

-- The index -------------------------------------------------------------------------

-- The raw components of every area of a level in a month.
CREATE FUNCTION gridgov.social_index_raw(month date, lvl integer)
    RETURNS TABLE (area gridgov.gridcode, population integer, population_year integer, reported bigint,
                   disputes bigint, repeat_callers bigint, called_back bigint, satisfied bigint, due bigint,
                   overdue bigint)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
    SET jit = off AS $$
    WITH bounds AS (
        SELECT (month::timestamp AT TIME ZONE gridgov.analytics_time_zone()) AS since,
               ((month + interval '1 month')::timestamp AT TIME ZONE gridgov.analytics_time_zone()) AS until
    ), k AS (
        SELECT x.area, x.reported, x.called_back, x.satisfied, x.due, x.due - x.closed_on_time AS overdue
        FROM gridgov.kpi x
        WHERE x.period = 'month' AND x.period_start = month AND x.department_id IS NULL
          AND x.level = CASE lvl WHEN 3 THEN 'county' WHEN 4 THEN 'town' WHEN 5 THEN 'community' ELSE 'grid' END
    ), calls AS (
        SELECT CASE lvl WHEN 3 THEN c.county WHEN 4 THEN c.town WHEN 5 THEN c.community
                        ELSE COALESCE(c.grid, c.community) END AS area,
               c.caller, c.category
        FROM bounds b, gridgov.caller_cases(b.since, b.until) c
        WHERE c.caller IS NOT NULL
    ), rc AS (
        SELECT r.area, pg_catalog.count(*) AS repeat_callers
        FROM (SELECT c.area FROM calls c GROUP BY c.area, c.caller
              HAVING pg_catalog.count(*) >= (SELECT gridgov.setting_integer('repeat_caller_min_calls', 3))) r
        GROUP BY r.area
    ), dispute_codes AS MATERIALIZED (
        SELECT pg_catalog.btrim(p) AS code
        FROM pg_catalog.regexp_split_to_table(
                 (SELECT s.value FROM gridgov.settings s WHERE s.key = 'social_dispute_categories'), ',') p
        WHERE pg_catalog.btrim(p) <> ''
    ), dp AS (
        SELECT CASE lvl WHEN 3 THEN f.county WHEN 4 THEN f.town WHEN 5 THEN f.community
                        ELSE COALESCE(f.grid, f.community) END AS area,
               pg_catalog.count(*) AS disputes
        FROM gridgov.case_stats f
        WHERE f.reported_day >= month AND f.reported_day < (month + interval '1 month')::date
          AND EXISTS (SELECT 1 FROM dispute_codes d WHERE pg_catalog.starts_with(f.category, d.code))
        GROUP BY 1
    ), areas AS (
        SELECT g.code AS area FROM gridgov.grids g
        WHERE g.level = lvl AND g.valid_from < (month + interval '1 month') AND g.valid_to > month
        UNION SELECT k.area FROM k
        UNION SELECT rc.area FROM rc
        UNION SELECT dp.area FROM dp
    )
    SELECT a.area, p.population, p.year,
           COALESCE(k.reported, 0), COALESCE(dp.disputes, 0), COALESCE(rc.repeat_callers, 0),
           COALESCE(k.called_back, 0), COALESCE(k.satisfied, 0), COALESCE(k.due, 0), COALESCE(k.overdue, 0)
    FROM areas a
    LEFT JOIN k ON k.area OPERATOR(gridgov.=) a.area
    LEFT JOIN rc ON rc.area OPERATOR(gridgov.=) a.area
    LEFT JOIN dp ON dp.area OPERATOR(gridgov.=) a.area
    LEFT JOIN LATERAL (
        SELECT ap.population, ap.year FROM gridgov.area_population ap
        WHERE ap.area OPERATOR(gridgov.=) a.area
        ORDER BY ap.year > EXTRACT(year FROM month)::integer, pg_catalog.abs(ap.year - EXTRACT(year FROM month)::integer)
        LIMIT 1) p ON true
$$;
COMMENT ON FUNCTION gridgov.social_index_raw(date, integer) IS
    'Internal: the raw counts of the social-conditions index for every area of a level (3-6) in the month starting on month: the grid versions of the level valid in the month and every area with cases; population (gridgov.area_population: the month''s year, else the nearest earlier, else the nearest later), reported, called back, satisfied, due and overdue (due minus closed on time) from gridgov.kpi, dispute cases (setting social_dispute_categories) and repeat callers (callers with repeat_caller_min_calls cases or more in the area and month)';

CREATE FUNCTION gridgov.social_index(month date, level text DEFAULT 'town')
    RETURNS TABLE (area gridgov.gridcode, area_name text, population integer,
                   population_year integer, reported bigint, case_density numeric, disputes bigint,
                   repeat_callers bigint, called_back bigint, satisfaction_rate numeric, due bigint,
                   overdue bigint, overdue_share numeric, n_case_density numeric, n_disputes numeric,
                   n_repeat_callers numeric, n_satisfaction numeric, n_overdue_share numeric,
                   weights jsonb, index numeric, note text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
    SET jit = off AS $$
#variable_conflict use_column
DECLARE
    lvl integer := CASE social_index.level WHEN 'county' THEN 3 WHEN 'town' THEN 4 WHEN 'community' THEN 5
                                           WHEN 'grid' THEN 6 END;
BEGIN
    IF social_index.month IS NULL OR social_index.level IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'month and level must not be NULL';
    END IF;
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown level "%s"', pg_catalog.left(social_index.level, 40)),
            DETAIL = 'Levels are county, town, community and grid.';
    END IF;
    IF social_index.month <> pg_catalog.date_trunc('month', social_index.month)::date
       OR social_index.month NOT BETWEEN date '1949-01-01' AND date '2200-12-01' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('month must be the first day of a month from 1949 to 2200, not %s',
                                        social_index.month),
            HINT = 'Use date_trunc(''month'', ...)::date.';
    END IF;
    RETURN QUERY
    WITH r AS (
        SELECT x.*,
               CASE WHEN x.population > 0 THEN pg_catalog.round(x.reported * 10000.0 / x.population, 2) END AS v_density,
               gridgov.pct(x.satisfied, x.called_back) AS v_satisfaction,
               gridgov.pct(x.overdue, x.due) AS v_overdue
        FROM gridgov.social_index_raw(social_index.month, lvl) x
    ), v AS (
        SELECT r.area, c.component,
               CASE c.component WHEN 'case_density' THEN r.v_density WHEN 'disputes' THEN r.disputes
                                WHEN 'repeat_callers' THEN r.repeat_callers
                                WHEN 'satisfaction' THEN r.v_satisfaction ELSE r.v_overdue END AS x
        FROM r CROSS JOIN (VALUES ('case_density'), ('disputes'), ('repeat_callers'), ('satisfaction'),
                                  ('overdue_share')) c(component)
    ), st AS (
        SELECT v.component, pg_catalog.min(v.x) AS lo, pg_catalog.max(v.x) AS hi, pg_catalog.avg(v.x) AS mean,
               pg_catalog.stddev_pop(v.x) AS sd
        FROM v GROUP BY v.component
    ), n AS (
        SELECT v.area, v.component, w.weight, w.normalisation, w.target, w.higher_is,
               gridgov.social_normalise(v.x, w.normalisation, w.target, w.higher_is, st.lo, st.hi, st.mean, st.sd) AS p
        FROM v JOIN st ON st.component = v.component
        LEFT JOIN LATERAL (
            SELECT sw.weight, sw.normalisation, sw.target, sw.higher_is FROM gridgov.social_index_weights sw
            WHERE sw.component = v.component AND (sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) v.area)
            ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
            LIMIT 1) w ON true
    ), agg AS (
        SELECT n.area,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'case_density') AS n_density,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'disputes') AS n_disputes,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'repeat_callers') AS n_repeat,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'satisfaction') AS n_satisfaction,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'overdue_share') AS n_overdue,
               pg_catalog.jsonb_object_agg(n.component, pg_catalog.jsonb_build_object(
                   'weight', n.weight, 'normalisation', n.normalisation, 'target', n.target,
                   'higher_is', n.higher_is, 'used', n.p IS NOT NULL AND n.weight > 0)) AS weights,
               CASE WHEN pg_catalog.sum(n.weight) FILTER (WHERE n.p IS NOT NULL) > 0
                    THEN pg_catalog.round(100 * pg_catalog.sum(n.weight * n.p) FILTER (WHERE n.p IS NOT NULL)
                                          / pg_catalog.sum(n.weight) FILTER (WHERE n.p IS NOT NULL), 2) END AS idx
        FROM n GROUP BY n.area
    )
    SELECT r.area, g.name, r.population, r.population_year, r.reported,
           r.v_density, r.disputes, r.repeat_callers, r.called_back, r.v_satisfaction, r.due, r.overdue, r.v_overdue,
           pg_catalog.round(a.n_density, 4), pg_catalog.round(a.n_disputes, 4), pg_catalog.round(a.n_repeat, 4),
           pg_catalog.round(a.n_satisfaction, 4), pg_catalog.round(a.n_overdue, 4), a.weights, a.idx,
           pg_catalog.concat_ws('; ',
               CASE WHEN r.population IS NULL THEN 'no population for the area: case density is NULL and left out' END,
               CASE WHEN r.called_back = 0 THEN 'no callbacks: satisfaction is NULL and left out' END,
               CASE WHEN r.due = 0 THEN 'nothing due: overdue share is NULL and left out' END)
    FROM r JOIN agg a ON a.area OPERATOR(gridgov.=) r.area
    LEFT JOIN LATERAL (
        SELECT gg.name FROM gridgov.grids gg
        WHERE gg.code OPERATOR(gridgov.=) r.area AND gg.valid_from < (social_index.month + interval '1 month')
        ORDER BY gg.valid_from DESC LIMIT 1) g ON true
    ORDER BY r.area;
END
$$;
COMMENT ON FUNCTION gridgov.social_index(date, text) IS
    'Social-conditions index (社情指数) of every area of a level (county, town, community, grid) in a month (its first day, local time): the raw components (case density = cases reported in the month per 10,000 residents of gridgov.area_population, NULL without a population; dispute cases, setting social_dispute_categories; repeat callers, callers with repeat_caller_min_calls cases or more in the area and month; satisfaction rate as three_rates; overdue share = due cases not closed by their deadline / due, %, as timeliness), each normalised to a pressure of 0-1 (n_*) by its gridgov.social_index_weights row, the weights used (JSON) and the index: 100 x sum(weight x pressure) / sum(weight) over the components with a value, 0-100, higher = more pressure; note says which components are missing. Counts every case, as the owner. 22004 NULL, 22023 unknown level or a month that is not the first day of a month';

CREATE FUNCTION gridgov.social_index_series(area gridgov.gridcode, from_month date, to_month date)
    RETURNS TABLE (month date, population integer, reported bigint, case_density numeric, disputes bigint,
                   repeat_callers bigint, satisfaction_rate numeric, overdue_share numeric,
                   n_case_density numeric, n_disputes numeric, n_repeat_callers numeric, n_satisfaction numeric,
                   n_overdue_share numeric, index numeric, note text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    lvl text;
BEGIN
    IF social_index_series.area IS NULL OR from_month IS NULL OR to_month IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'area, from_month and to_month must not be NULL';
    END IF;
    lvl := CASE gridgov.level(social_index_series.area) WHEN 3 THEN 'county' WHEN 4 THEN 'town'
                                                         WHEN 5 THEN 'community' WHEN 6 THEN 'grid' END;
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('area %s is not a county, town, community or grid', social_index_series.area);
    END IF;
    -- (infinity + 119 months is infinity: an infinite series would never end)
    IF NOT (pg_catalog.isfinite(from_month) AND pg_catalog.isfinite(to_month))
       OR to_month < from_month OR to_month > from_month + interval '119 months' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('the series from %s to %s must be finite, run forward and span at most 120 months',
                                        from_month, to_month);
    END IF;
    RETURN QUERY
    SELECT m.m::date, s.population, COALESCE(s.reported, 0), s.case_density, COALESCE(s.disputes, 0),
           COALESCE(s.repeat_callers, 0), s.satisfaction_rate, s.overdue_share, s.n_case_density, s.n_disputes,
           s.n_repeat_callers, s.n_satisfaction, s.n_overdue_share, s.index,
           COALESCE(s.note, 'no data for the area in this month')
    FROM pg_catalog.generate_series(from_month::timestamp, to_month::timestamp, interval '1 month') m(m)
    LEFT JOIN LATERAL (
        SELECT x.* FROM gridgov.social_index(m.m::date, lvl) x
        WHERE x.area OPERATOR(gridgov.=) social_index_series.area) s ON true
    ORDER BY 1;
END
$$;
COMMENT ON FUNCTION gridgov.social_index_series(gridgov.gridcode, date, date) IS
    'Time series of the social-conditions index of one area (county, town, community or grid): one row per month from from_month to to_month (first days of months, at most 120) with the raw and normalised components and the index as gridgov.social_index() gives them for the area''s level (an area without data in a month: counts 0, the rest NULL). 22004 NULL, 22023 an area of another level, months that are not first days or not finite, a backward or longer span';

-- The map metric social_index (src/sql/085_analytics_maps.sql).
CREATE OR REPLACE FUNCTION gridgov.map_check(level text, metric text, as_of timestamptz) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    lvl integer := CASE level WHEN 'county' THEN 3 WHEN 'town' THEN 4 WHEN 'community' THEN 5 WHEN 'grid' THEN 6 END;
BEGIN
    IF level IS NULL OR metric IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'level, metric and as_of must not be NULL';
    END IF;
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown map level "%s"', pg_catalog.left(level, 40)),
            DETAIL = 'Map levels are county, town, community and grid.';
    END IF;
    IF metric NOT IN ('open_cases', 'overdue_cases', 'cases_30d', 'response_rate', 'resolution_rate',
                      'satisfaction_rate', 'score', 'social_index', 'patrol_coverage', 'days_unpatrolled') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown map metric "%s"', pg_catalog.left(metric, 40)),
            DETAIL = 'Map metrics are open_cases, overdue_cases, cases_30d, response_rate, resolution_rate, satisfaction_rate, score, social_index, patrol_coverage and days_unpatrolled.';
    END IF;
    RETURN lvl;
END
$$;
COMMENT ON FUNCTION gridgov.map_check(text, text, timestamptz) IS
    'Building block of map_geojson() and map_svg(): validates the level and metric of map_geojson / map_svg and returns the level number (22004 NULL, 22023 unknown)';
CREATE OR REPLACE FUNCTION gridgov.map_areas(level text, metric text, as_of timestamptz)
    RETURNS TABLE (id bigint, code gridgov.gridcode, name text, kind gridgov.grid_kind, geom geometry,
                   metrics jsonb, value numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    lvl integer := gridgov.map_check(map_areas.level, map_areas.metric, map_areas.as_of);
    si_month date := (pg_catalog.date_trunc('month', map_areas.as_of AT TIME ZONE gridgov.analytics_time_zone())
                      - interval '1 month')::date;
BEGIN
    RETURN QUERY
    WITH si AS (
        SELECT x.area, x.index FROM gridgov.social_index(si_month, map_areas.level) x
        WHERE map_areas.metric = 'social_index'
    )
    SELECT g.id, g.code, g.name, g.kind, g.geom,
           pg_catalog.jsonb_build_object(
               'open_cases', COALESCE(m.open_cases, 0), 'overdue_cases', COALESCE(m.overdue_cases, 0),
               'cases_30d', COALESCE(m.cases_30d, 0), 'response_rate', m.response_rate,
               'resolution_rate', m.resolution_rate, 'satisfaction_rate', m.satisfaction_rate,
               'score', m.score, 'patrol_coverage', COALESCE(p.patrol_coverage, 0),
               'days_unpatrolled', p.days_unpatrolled)
           || CASE WHEN map_areas.metric = 'social_index'
                   THEN pg_catalog.jsonb_build_object('social_index', si.index, 'social_index_month', si_month)
                   ELSE '{}'::jsonb END AS metrics,
           CASE map_areas.metric
               WHEN 'open_cases' THEN COALESCE(m.open_cases, 0)
               WHEN 'overdue_cases' THEN COALESCE(m.overdue_cases, 0)
               WHEN 'cases_30d' THEN COALESCE(m.cases_30d, 0)
               WHEN 'response_rate' THEN m.response_rate
               WHEN 'resolution_rate' THEN m.resolution_rate
               WHEN 'satisfaction_rate' THEN m.satisfaction_rate
               WHEN 'score' THEN m.score
               WHEN 'social_index' THEN si.index
               WHEN 'patrol_coverage' THEN COALESCE(p.patrol_coverage, 0)
               WHEN 'days_unpatrolled' THEN p.days_unpatrolled END::numeric AS value
    FROM gridgov.grids g
    LEFT JOIN gridgov.grid_metrics(map_areas.as_of) m ON m.code OPERATOR(gridgov.=) g.code
    LEFT JOIN gridgov.patrol_grid_metrics(map_areas.as_of) p ON p.code OPERATOR(gridgov.=) g.code
    LEFT JOIN si ON si.area OPERATOR(gridgov.=) g.code
    WHERE g.level = lvl
      AND g.valid_from <= map_areas.as_of AND map_areas.as_of < g.valid_to
    ORDER BY g.code;
END
$$;
COMMENT ON FUNCTION gridgov.map_areas(text, text, timestamptz) IS
    'Building block of map_geojson() and map_svg(): the grid versions of a level valid at as_of with their metrics (gridgov.grid_metrics and the patrol metrics of gridgov.patrol_grid_metrics; for the metric social_index also social_index and social_index_month: gridgov.social_index() of the last complete month before as_of) as JSON and the chosen metric as value, ordered by code';
CREATE OR REPLACE FUNCTION gridgov.map_geojson(level text, metric text DEFAULT 'open_cases',
                                    as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
        'type', 'FeatureCollection',
        'level', map_geojson.level, 'metric', map_geojson.metric, 'as_of', map_geojson.as_of,
        'features', COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'type', 'Feature', 'id', a.id,
            'geometry', ST_AsGeoJSON(a.geom, 6)::jsonb,
            'properties', pg_catalog.jsonb_build_object('code', a.code::text, 'name', a.name, 'kind', a.kind,
                                                        'metric', map_geojson.metric, 'value', a.value)
                          || a.metrics) ORDER BY a.code), '[]'::jsonb))
    FROM gridgov.map_areas(map_geojson.level, map_geojson.metric, map_geojson.as_of) a;
END;
COMMENT ON FUNCTION gridgov.map_geojson(text, text, timestamptz) IS
    'GeoJSON FeatureCollection of the areas of a level (county, town, community, grid) valid at as_of: one Feature per area with id (grid version), WGS-84 geometry (6 decimals) and properties code, name, kind, metric, value (the chosen metric) and every metric of gridgov.grid_metrics and of gridgov.patrol_grid_metrics (patrol_coverage, days_unpatrolled; with the metric social_index: also social_index and social_index_month, the last complete month before as_of). 22004 NULL, 22023 unknown level or metric';
CREATE OR REPLACE FUNCTION gridgov.map_svg(level text, metric text DEFAULT 'open_cases',
                                as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    w constant double precision := 800;     -- map width, pixels
    margin constant double precision := 20;
    top constant double precision := 60;    -- room for the title
    legend_w constant double precision := 240;
    palette constant text[] := ARRAY['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];
    e box2d;
    kx double precision;
    s double precision;
    h double precision;
    lo numeric;
    hi numeric;
    n_null integer;
    label text;
    legend xml;
    paths xml;
    title text;
    doc xml;
BEGIN
    PERFORM gridgov.map_check(level, metric, as_of);
    label := CASE metric
        WHEN 'open_cases' THEN '在办案件 open cases'
        WHEN 'overdue_cases' THEN '超期案件 overdue cases'
        WHEN 'cases_30d' THEN '近30日案件 cases, last 30 days'
        WHEN 'response_rate' THEN '响应率 response rate (%)'
        WHEN 'resolution_rate' THEN '解决率 resolution rate (%)'
        WHEN 'satisfaction_rate' THEN '满意率 satisfaction rate (%)'
        WHEN 'social_index' THEN pg_catalog.format('社情指数 social-conditions index (%s)', pg_catalog.to_char(
            pg_catalog.date_trunc('month', as_of AT TIME ZONE gridgov.analytics_time_zone()) - interval '1 month', 'YYYY-MM'))
        WHEN 'patrol_coverage' THEN '巡查覆盖率 patrol coverage, yesterday (%)'
        WHEN 'days_unpatrolled' THEN '未巡查天数 days since the last patrol'
        ELSE '综合得分 composite score' END;
    title := pg_catalog.format('%s — %s, as of %s', label, level,
                               pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD HH24:MI'));

    SELECT ST_Extent(x.geom), pg_catalog.min(x.value), pg_catalog.max(x.value),
           pg_catalog.count(*) FILTER (WHERE x.value IS NULL)
    INTO e, lo, hi, n_null FROM gridgov.map_areas(level, metric, as_of) x;
    IF e IS NULL THEN
        e := 'BOX(0 0,1 1)'::box2d;
    END IF;
    kx := pg_catalog.cos(pg_catalog.radians((ST_YMin(e) + ST_YMax(e)) / 2));
    s := w / GREATEST((ST_XMax(e) - ST_XMin(e)) * kx, ST_YMax(e) - ST_YMin(e), 1e-9);
    h := (ST_YMax(e) - ST_YMin(e)) * s;

    -- One path per area; ST_AsSVG writes -y, so y is mapped upwards here.
    SELECT pg_catalog.xmlagg(xmlelement(name path,
               xmlattributes(
                   ST_AsSVG(ST_Affine(x.geom, s * kx, 0, 0, s, margin - ST_XMin(e) * s * kx, -(ST_YMax(e) * s) - top), 0, 1) AS d,
                   CASE WHEN x.value IS NULL THEN '#cccccc'
                        WHEN hi = lo THEN palette[3]
                        ELSE palette[1 + LEAST(4, pg_catalog.floor(5 * (x.value - lo) / (hi - lo))::integer)] END AS fill,
                   '#4d4d4d' AS stroke, '0.6' AS "stroke-width", x.code::text AS "data-code",
                   x.value AS "data-value"),
               xmlelement(name title, pg_catalog.format('%s %s: %s', x.name, x.code, COALESCE(x.value::text, '—'))))
           ORDER BY x.code)
    INTO paths FROM gridgov.map_areas(level, metric, as_of) x;

    -- Legend: five equal classes between the lowest and the highest value.
    SELECT pg_catalog.xmlagg(xmlconcat(
               xmlelement(name rect, xmlattributes(
                   w + 2 * margin AS x, top + 30 + 24 * (c.i - 1) AS y, 18 AS width, 14 AS height,
                   c.color AS fill, '#4d4d4d' AS stroke)),
               xmlelement(name text, xmlattributes(
                   w + 2 * margin + 26 AS x, top + 42 + 24 * (c.i - 1) AS y, 12 AS "font-size"), c.txt))
           ORDER BY c.i)
    INTO legend
    FROM (SELECT i, palette[i] AS color,
                 CASE WHEN hi = lo THEN pg_catalog.format('%s', lo)
                      ELSE pg_catalog.format('%s – %s', pg_catalog.round(lo + (hi - lo) * (i - 1) / 5, 2),
                                             pg_catalog.round(lo + (hi - lo) * i / 5, 2)) END AS txt
          FROM pg_catalog.generate_series(1, 5) i
          WHERE lo IS NOT NULL AND (hi > lo OR i = 3)
          UNION ALL
          SELECT 6, '#cccccc', '无数据 no data' WHERE n_null > 0) c;

    doc := xmlelement(name svg,
        xmlattributes('http://www.w3.org/2000/svg' AS xmlns,
                                 pg_catalog.round((w + 3 * margin + legend_w)::numeric, 0) AS width,
                                 pg_catalog.round((h + top + 2 * margin)::numeric, 0) AS height,
                                 pg_catalog.format('0 0 %s %s', pg_catalog.round((w + 3 * margin + legend_w)::numeric, 0),
                                                   pg_catalog.round((h + top + 2 * margin)::numeric, 0)) AS "viewBox",
                                 'sans-serif' AS "font-family"),
        xmlelement(name title, title),
        xmlelement(name rect, xmlattributes('100%' AS width, '100%' AS height, '#ffffff' AS fill)),
        xmlelement(name text, xmlattributes(margin AS x, 32 AS y, 18 AS "font-size"), title),
        xmlelement(name g, xmlattributes('areas' AS id), paths),
        xmlelement(name g, xmlattributes('legend' AS id),
            xmlelement(name text, xmlattributes(w + 2 * margin AS x, top + 18 AS y,
                                                                      13 AS "font-size"), label),
            legend));
    RETURN '<?xml version="1.0" encoding="UTF-8"?>' || E'\n' || doc::text || E'\n';
END
$$;
COMMENT ON FUNCTION gridgov.map_svg(text, text, timestamptz) IS
    'Standalone SVG choropleth of a metric over the areas of a level at as_of: a title, one <path> per area (ST_AsSVG, equirectangular projection around the map''s mean latitude, 800 px wide) filled by five equal-interval classes between the lowest and highest value (grey: no value), each with a <title> tooltip and data-code / data-value attributes, and a legend. 22004 NULL, 22023 unknown level or metric';

-- The new tables' place on a Citus cluster (src/sql/096_citus.sql).
CREATE OR REPLACE FUNCTION gridgov.citus_layout()
    RETURNS TABLE (table_name text, kind text, step integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 64
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.t, l.k, l.n::integer
    FROM ROWS FROM (pg_catalog.unnest(ARRAY[
            -- configuration: copied to every node (referenced before referring)
            'grid_revisions', 'grids', 'departments', 'staff', 'grid_staff',
            'workflows', 'workflow_states', 'transitions', 'categories', 'components',
            'routing_rules', 'settings', 'calendars', 'calendar_periods',
            'calendar_exceptions', 'sla_policies', 'escalation_ladder', 'score_weights',
            'history_seals', 'analytics_watermark', 'place_names', 'text_models',
            'key_work_items',
            -- per case, by county, co-located with cases
            'cases', 'case_events', 'case_clocks', 'escalations', 'whistles',
            'whistle_calls', 'history_seal_heads', 'case_stats', 'stats_month',
            'stats_month_hist', 'stats_month_category', 'case_requests', 'case_meetings',
            -- the history import's staging, the inbox, the analytics' node
            -- watermarks, the hot spots and the forecasts' fits (written and read by the coordinator's
            -- nightly job and views): on the coordinator only
            'import_cases', 'import_steps', 'import_rejects', 'case_inbox', 'analytics_node_watermarks',
            'hotspot_runs', 'hotspots', 'forecast_fits',
            -- the gateway's keys and the transfer's endpoints, outbox and
            -- inbound updates: on the coordinator, where the gateway connects
            'api_keys', 'transfer_endpoints', 'transfer_outbox', 'transfer_inbound',
            -- repeat callers and the social-conditions index (088): configuration,
            -- copied to every node (the nodes key the calls they hold)
            'caller_key_secret', 'area_population', 'social_index_weights',
            -- the devices, their rules and the video event types (078): configuration
            'sensors', 'sensor_rules', 'video_event_types',
            -- the cases machines opened, by county, co-located with cases
            'sensor_cases',
            -- the readings (partitioned by month, the partitions with their
            -- table), their quarantine, the rules' states and the video alerts:
            -- written by the feed's triggers on the coordinator, where devices connect
            'sensor_readings', 'sensor_quarantine', 'sensor_rule_state', 'video_alerts',
            -- the patrols' weights and road layer (077): configuration
            'patrol_weights', 'patrol_roads',
            -- the patrol fixes (partitioned by day, the partitions with their
            -- table), their rejects and the coverage computed from them: written by
            -- the worker app and the nightly job on the coordinator
            'patrol_points', 'patrol_rejects', 'patrol_coverage']),
        pg_catalog.unnest(ARRAY[
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference',
            'distributed', 'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'local', 'local', 'local', 'local', 'local', 'local', 'local',
            'local', 'local', 'local', 'local', 'local',
            'reference', 'reference', 'reference',
            'reference', 'reference', 'reference',
            'distributed',
            'local', 'local', 'local', 'local',
            'reference', 'reference',
            'local', 'local', 'local']))
        WITH ORDINALITY AS l(t, k, n)
$$;
COMMENT ON FUNCTION gridgov.citus_layout() IS
    'Where each table of gridgov lives on a Citus cluster, in the order gridgov.distribute() converts them: reference (configuration, copied to every node), distributed (per-case rows, by county, co-located with cases) or local (on the coordinator: the history import''s staging, the case inbox, the analytics'' node watermarks, the hot spots, the forecasts'' fits, the gateway''s keys and the transfer''s tables, the sensors'' readings, quarantine, rule states and video alerts, the patrol fixes, their rejects and coverage); docs/scaling.md';

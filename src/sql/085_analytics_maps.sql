-- ---------------------------------------------------------------------------
-- analytics (6/7): maps — live metrics per area, the grid_map layer for GIS
-- tools, GeoJSON and a standalone SVG choropleth.
--
-- SQLSTATEs: 22004 NULL argument, 22023 unknown level or metric.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.grid_metrics(as_of timestamptz)
    RETURNS TABLE (code gridgov.gridcode, open_cases bigint, overdue_cases bigint, cases_30d bigint,
                   dispatched_30d bigint, responded_30d bigint, response_rate numeric,
                   called_back_30d bigint, solved_30d bigint, resolution_rate numeric,
                   satisfied_30d bigint, satisfaction_rate numeric, score numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH base AS (
        SELECT s.county, s.town, s.community, s.grid,
               (s.closed_at IS NULL OR s.closed_at > grid_metrics.as_of) AND NOT s.merged AS open,
               (s.closed_at IS NULL OR s.closed_at > grid_metrics.as_of) AND NOT s.merged AND EXISTS (
                    SELECT 1 FROM gridgov.case_clocks k
                    WHERE k.county OPERATOR(gridgov.=) s.county AND k.case_id = s.case_id
                      AND k.started_at <= grid_metrics.as_of AND k.due_at < grid_metrics.as_of
                      AND (k.met_at IS NULL OR k.met_at > grid_metrics.as_of)
                      AND (k.cancelled_at IS NULL OR k.cancelled_at > grid_metrics.as_of)
                      AND (k.paused_at IS NULL OR k.paused_at > grid_metrics.as_of)) AS overdue,
               s.reported_at > grid_metrics.as_of - interval '30 days' AS recent,
               r.dispatched, r.responded, r.called_back, r.solved, r.satisfied
        FROM gridgov.case_stats s
        CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        WHERE r.reported = 1
          AND s.reported_at <= grid_metrics.as_of
          AND (s.closed_at IS NULL OR s.closed_at > grid_metrics.as_of
               OR s.reported_at > grid_metrics.as_of - interval '30 days')
    ), per_area AS (
        SELECT a.code,
               pg_catalog.count(*) FILTER (WHERE b.open) AS open_cases,
               pg_catalog.count(*) FILTER (WHERE b.overdue) AS overdue_cases,
               pg_catalog.count(*) FILTER (WHERE b.recent) AS cases_30d,
               COALESCE(pg_catalog.sum(b.dispatched) FILTER (WHERE b.recent), 0)::bigint AS dispatched_30d,
               COALESCE(pg_catalog.sum(b.responded) FILTER (WHERE b.recent), 0)::bigint AS responded_30d,
               COALESCE(pg_catalog.sum(b.called_back) FILTER (WHERE b.recent), 0)::bigint AS called_back_30d,
               COALESCE(pg_catalog.sum(b.solved) FILTER (WHERE b.recent), 0)::bigint AS solved_30d,
               COALESCE(pg_catalog.sum(b.satisfied) FILTER (WHERE b.recent), 0)::bigint AS satisfied_30d
        FROM base b
        CROSS JOIN LATERAL (SELECT DISTINCT u AS code
                            FROM pg_catalog.unnest(ARRAY[b.county, b.town, b.community, b.grid]) u
                            WHERE u IS NOT NULL) a
        GROUP BY a.code
    )
    SELECT p.code, p.open_cases, p.overdue_cases, p.cases_30d, p.dispatched_30d, p.responded_30d,
           gridgov.pct(p.responded_30d, p.dispatched_30d), p.called_back_30d, p.solved_30d,
           gridgov.pct(p.solved_30d, p.called_back_30d), p.satisfied_30d,
           gridgov.pct(p.satisfied_30d, p.called_back_30d),
           gridgov.weighted_score(gridgov.pct(p.responded_30d, p.dispatched_30d),
                                  gridgov.pct(p.solved_30d, p.called_back_30d),
                                  gridgov.pct(p.satisfied_30d, p.called_back_30d),
                                  w.response, w.resolution, w.satisfaction)
    FROM per_area p
    LEFT JOIN LATERAL (
        SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
        WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) p.code
        ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
        LIMIT 1) w ON true;
END
$$;
COMMENT ON FUNCTION gridgov.grid_metrics(timestamptz) IS
    'Live metrics of every area (county, town, community, grid) that has cases, as of a time: open cases (reported by as_of and not closed by then; merged duplicates left out), overdue cases (open, with a clock started by as_of, past due at as_of and not met, cancelled or paused by then), cases reported in the 30 days up to as_of and their three rates and composite score (callback answers and dispatches as recorded now)';

CREATE VIEW gridgov.grid_map AS
SELECT g.id, g.code, g.name, g.level, gridgov.level_name(g.code) AS level_name, g.kind,
       COALESCE(m.open_cases, 0) AS open_cases, COALESCE(m.overdue_cases, 0) AS overdue_cases,
       COALESCE(m.cases_30d, 0) AS cases_30d, COALESCE(m.dispatched_30d, 0) AS dispatched_30d,
       m.response_rate, COALESCE(m.called_back_30d, 0) AS called_back_30d, m.resolution_rate,
       m.satisfaction_rate, m.score, g.geom
FROM gridgov.grids g
LEFT JOIN gridgov.grid_metrics(pg_catalog.now()) m ON m.code OPERATOR(gridgov.=) g.code
WHERE g.valid_from <= pg_catalog.now() AND pg_catalog.now() < g.valid_to;
COMMENT ON VIEW gridgov.grid_map IS
    'GIS layer (QGIS, ogr2ogr, any OGC client): every current grid version at every level with live metrics. Key column id (bigint, the grid version), one geometry column geom (MultiPolygon, SRID 4326); filter on level or level_name for one level';
COMMENT ON COLUMN gridgov.grid_map.id IS 'Stable integer key: the grid version (gridgov.grids.id)';
COMMENT ON COLUMN gridgov.grid_map.code IS 'Area code';
COMMENT ON COLUMN gridgov.grid_map.name IS 'Area name';
COMMENT ON COLUMN gridgov.grid_map.level IS '3 county, 4 town, 5 community, 6 unit grid';
COMMENT ON COLUMN gridgov.grid_map.level_name IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.grid_map.kind IS 'general or special';
COMMENT ON COLUMN gridgov.grid_map.open_cases IS 'Open cases in the area now';
COMMENT ON COLUMN gridgov.grid_map.overdue_cases IS 'Of those, overdue now';
COMMENT ON COLUMN gridgov.grid_map.cases_30d IS 'Cases reported in the last 30 days';
COMMENT ON COLUMN gridgov.grid_map.dispatched_30d IS 'Of those, dispatched';
COMMENT ON COLUMN gridgov.grid_map.response_rate IS 'Their response rate, %';
COMMENT ON COLUMN gridgov.grid_map.called_back_30d IS 'Of those, called back';
COMMENT ON COLUMN gridgov.grid_map.resolution_rate IS 'Their resolution rate, %';
COMMENT ON COLUMN gridgov.grid_map.satisfaction_rate IS 'Their satisfaction rate, %';
COMMENT ON COLUMN gridgov.grid_map.score IS 'Their composite score';
COMMENT ON COLUMN gridgov.grid_map.geom IS 'Outline, MultiPolygon in WGS-84 (SRID 4326)';

-- Arguments shared by map_geojson and map_svg.
CREATE FUNCTION gridgov.map_check(level text, metric text, as_of timestamptz) RETURNS integer
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

-- The areas of a level at a time, with every metric and the chosen one as value.
-- The social-conditions index (088) is computed only when it is the metric: for
-- the last complete month before as_of.
CREATE FUNCTION gridgov.map_areas(level text, metric text, as_of timestamptz)
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

CREATE FUNCTION gridgov.map_geojson(level text, metric text DEFAULT 'open_cases',
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

CREATE FUNCTION gridgov.map_svg(level text, metric text DEFAULT 'open_cases',
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

-- ---------------------------------------------------------------------------
-- Grid administration: GeoJSON loading, coverage checks, re-division.
-- ---------------------------------------------------------------------------

-- GeoJSON features -> grid rows.  Accepts a FeatureCollection, a single
-- Feature, or an array of Features.  Each feature's properties carry code and
-- name (required), kind and leader (optional); every other property goes to
-- attrs.  Polygons become MultiPolygons; coordinates are converted to WGS-84
-- from coord_system; with repair, invalid outlines go through ST_MakeValid.
CREATE FUNCTION gridgov.parse_grid_features(features jsonb, coord_system text DEFAULT 'wgs84',
                                            repair boolean DEFAULT false)
    RETURNS TABLE (code gridgov.gridcode, name text, kind gridgov.grid_kind,
                   geom geometry(MultiPolygon, 4326), leader text, attrs jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    items jsonb;
    f jsonb;
    n integer := 0;
    props jsonb;
    g geometry;
    label text;
BEGIN
    IF features IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'features must not be NULL';
    END IF;
    items := CASE
        WHEN pg_catalog.jsonb_typeof(features) = 'array' THEN features
        WHEN features ->> 'type' = 'FeatureCollection' THEN features -> 'features'
        WHEN features ->> 'type' = 'Feature' THEN pg_catalog.jsonb_build_array(features)
    END;
    IF items IS NULL OR pg_catalog.jsonb_typeof(items) <> 'array' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'features must be a GeoJSON FeatureCollection, a Feature or an array of Features';
    END IF;
    FOR f IN SELECT e FROM pg_catalog.jsonb_array_elements(items) e LOOP
        n := n + 1;
        props := f -> 'properties';
        label := pg_catalog.format('feature %s', n);
        IF f ->> 'type' IS DISTINCT FROM 'Feature' OR pg_catalog.jsonb_typeof(props) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('%s is not a GeoJSON Feature with properties', label);
        END IF;
        IF props ->> 'code' IS NULL OR props ->> 'name' IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('%s has no code or no name property', label),
                HINT = 'Each feature needs properties "code" (a gridcode) and "name".';
        END IF;
        label := pg_catalog.format('feature %s (code %s)', n, props ->> 'code');
        code := (props ->> 'code')::gridgov.gridcode;
        name := props ->> 'name';
        kind := COALESCE(props ->> 'kind', 'general')::gridgov.grid_kind;
        IF pg_catalog.jsonb_typeof(f -> 'geometry') IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%s has no geometry', label);
        END IF;
        g := ST_SetSRID(ST_GeomFromGeoJSON((f -> 'geometry')::text), 4326);
        IF coord_system IS DISTINCT FROM 'wgs84' THEN
            g := gridgov.to_wgs84(g, coord_system);
        END IF;
        IF repair AND NOT (ST_IsValidDetail(g)).valid THEN
            g := ST_CollectionExtract(ST_MakeValid(g), 3);
        END IF;
        IF ST_GeometryType(g) NOT IN ('ST_Polygon', 'ST_MultiPolygon') THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('%s: geometry must be a Polygon or MultiPolygon, not %s',
                                            label, pg_catalog.substr(ST_GeometryType(g), 4));
        END IF;
        geom := ST_Multi(g);
        leader := props ->> 'leader';
        attrs := props - ARRAY['code', 'name', 'kind', 'leader'];
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.parse_grid_features(jsonb, text, boolean) IS
    'GeoJSON (FeatureCollection, Feature or array of Features) to grid rows: properties code and name required, kind and leader optional, the rest become attrs; Polygons become MultiPolygons; converted to WGS-84 from coord_system; repair runs ST_MakeValid on invalid outlines';

CREATE FUNCTION gridgov.import_grids(features jsonb, valid_from timestamptz DEFAULT '-infinity',
                                     coord_system text DEFAULT 'wgs84', repair boolean DEFAULT false)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO gridgov.grids (code, name, kind, geom, leader, attrs, valid_from)
    SELECT p.code, p.name, p.kind, p.geom, p.leader, p.attrs, import_grids.valid_from
    FROM gridgov.parse_grid_features(features, coord_system, repair) p;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.import_grids(jsonb, timestamptz, text, boolean) IS
    'Load a GeoJSON layer of grids in one call (see parse_grid_features); each becomes a version valid from valid_from; returns the number of grids loaded. Invalid outlines are rejected (GG001) unless repair is true';

-- Coverage problems among the grid versions valid at `at` under root.
CREATE FUNCTION gridgov.coverage_issues(root gridgov.gridcode DEFAULT NULL,
                                        at timestamptz DEFAULT pg_catalog.now(),
                                        min_area_m2 double precision DEFAULT 1.0)
    RETURNS TABLE (problem text, code gridgov.gridcode, other_code gridgov.gridcode,
                   geom geometry, area_m2 double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH layer AS (
        SELECT g.code, g.kind, g.geom, g.level, gridgov.parent(g.code) AS parent
        FROM gridgov.grids g
        WHERE g.valid_from <= coverage_issues.at AND coverage_issues.at < g.valid_to
    ), scope AS (
        SELECT * FROM layer l
        WHERE coverage_issues.root IS NULL OR l.code OPERATOR(gridgov.<@) coverage_issues.root
    ), invalid AS (
        SELECT 'invalid_geometry'::text AS problem, s.code, NULL::gridgov.gridcode AS other_code,
               s.geom, ST_Area(s.geom::geography) AS area_m2
        FROM scope s WHERE NOT ST_IsValid(s.geom)
    ), missing_parent AS (
        SELECT 'missing_parent', s.code, s.parent, s.geom, ST_Area(s.geom::geography)
        FROM scope s
        WHERE s.parent IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM layer p WHERE p.code OPERATOR(gridgov.=) s.parent)
          AND EXISTS (SELECT 1 FROM layer p WHERE p.level = gridgov.level(s.parent))
    ), outside AS (
        SELECT 'outside_parent', s.code, p.code, d.geom, ST_Area(d.geom::geography)
        FROM scope s
        JOIN layer p ON p.code OPERATOR(gridgov.=) s.parent
        CROSS JOIN LATERAL (SELECT ST_Difference(s.geom, p.geom) AS geom) d
        WHERE NOT ST_CoveredBy(s.geom, p.geom)
    ), gaps AS (
        SELECT 'gap', p.code, NULL::gridgov.gridcode, d.geom, ST_Area(d.geom::geography)
        FROM scope p
        CROSS JOIN LATERAL (
            SELECT ST_Union(c.geom) AS children FROM layer c
            WHERE c.parent OPERATOR(gridgov.=) p.code AND c.kind = 'general') u
        CROSS JOIN LATERAL (SELECT ST_Difference(p.geom, u.children) AS geom) d
        WHERE u.children IS NOT NULL AND NOT ST_CoveredBy(p.geom, u.children)
    ), overlapping AS (
        SELECT 'overlap', a.code, b.code, i.geom, ST_Area(i.geom::geography)
        FROM scope a
        JOIN layer b ON b.parent OPERATOR(gridgov.=) a.parent AND b.code OPERATOR(gridgov.>) a.code
                    AND b.kind = 'general' AND b.geom && a.geom
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom) i
        WHERE a.kind = 'general' AND ST_Relate(a.geom, b.geom, '2********')
    )
    SELECT * FROM (
        SELECT * FROM invalid
        UNION ALL SELECT * FROM missing_parent
        UNION ALL SELECT * FROM outside
        UNION ALL SELECT * FROM gaps
        UNION ALL SELECT * FROM overlapping
    ) issues
    WHERE issues.problem IN ('invalid_geometry', 'missing_parent') OR issues.area_m2 >= coverage_issues.min_area_m2
    ORDER BY issues.problem, issues.code, issues.other_code;
END
$$;
COMMENT ON FUNCTION gridgov.coverage_issues(gridgov.gridcode, timestamptz, double precision) IS
    'Coverage problems among grid versions valid at `at` (under root, if given): invalid_geometry; missing_parent (the parent code has no grid while its level exists in the layer); outside_parent (part of a grid outside its parent); gap (part of a parent not covered by its general children); overlap (two general siblings sharing area). Area problems smaller than min_area_m2 are ignored. One row per problem with the codes, the problem geometry and its area in m²';

-- Re-division (动态调整): retire grids and add their replacements in one step.
CREATE FUNCTION gridgov.redivide(retire gridgov.gridcode[], additions jsonb,
                                 effective timestamptz DEFAULT pg_catalog.now(),
                                 note text DEFAULT NULL,
                                 check_coverage boolean DEFAULT true,
                                 coord_system text DEFAULT 'wgs84')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    rev bigint;
    missing gridgov.gridcode[];
    added gridgov.gridcode[];
    scope gridgov.gridcode[];
    issues text;
BEGIN
    IF retire IS NULL OR additions IS NULL OR effective IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'retire, additions and effective must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(effective) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'effective must be a finite time';
    END IF;
    -- One re-division at a time; readers are not blocked.
    LOCK TABLE gridgov.grids IN SHARE ROW EXCLUSIVE MODE;

    SELECT pg_catalog.array_agg(r ORDER BY r) INTO missing
    FROM pg_catalog.unnest(retire) r
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.grids g
                      WHERE g.code OPERATOR(gridgov.=) r AND g.valid_to = 'infinity'
                        AND g.valid_from < effective);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'GG003',
            MESSAGE = pg_catalog.format('cannot retire %s: no current version that started before %s',
                                        pg_catalog.array_to_string(missing, ', '), effective),
            HINT = 'Only current grids can be retired, at a time after their version began.';
    END IF;

    SELECT pg_catalog.array_agg(p.code ORDER BY p.code) INTO added
    FROM gridgov.parse_grid_features(additions, coord_system, false) p;

    INSERT INTO gridgov.grid_revisions (effective, retired, added, note)
    VALUES (effective, retire, COALESCE(added, '{}'), note)
    RETURNING id INTO rev;
    UPDATE gridgov.grids g SET valid_to = effective
    WHERE g.code OPERATOR(gridgov.=) ANY (retire) AND g.valid_to = 'infinity';
    -- An added code that is still valid (and not retired) is refused by the
    -- grids_check trigger (GG002, overlapping versions).
    INSERT INTO gridgov.grids (code, name, kind, geom, leader, attrs, valid_from, revision_id)
    SELECT p.code, p.name, p.kind, p.geom, p.leader, p.attrs, effective, rev
    FROM gridgov.parse_grid_features(additions, coord_system, false) p;

    IF check_coverage THEN
        -- Every parent that gained or lost a child, and every added grid (with its children).
        SELECT pg_catalog.array_agg(DISTINCT c) INTO scope FROM (
            SELECT gridgov.parent(x) AS c FROM pg_catalog.unnest(retire || COALESCE(added, '{}')) x
            UNION SELECT x FROM pg_catalog.unnest(COALESCE(added, '{}')) x) s
        WHERE c IS NOT NULL;
        SELECT pg_catalog.string_agg(pg_catalog.format('%s %s%s (%s m²)', i.problem, i.code,
                                        COALESCE(' / ' || i.other_code::text, ''),
                                        pg_catalog.round(i.area_m2::numeric, 1)), '; ')
        INTO issues
        FROM (SELECT DISTINCT ON (ci.problem, ci.code, ci.other_code) ci.*
              FROM pg_catalog.unnest(scope) r, gridgov.coverage_issues(r, effective) ci) i;
        IF issues IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'GG004',
                MESSAGE = 'the re-division leaves coverage problems',
                DETAIL = issues || '.',
                HINT = 'Fix the outlines, retire the children of retired grids too, or pass check_coverage => false.';
        END IF;
    END IF;
    -- Open cases of the retired grids move now, or when the re-division takes
    -- effect (gridgov.rehome_due_cases, nightly job).
    IF effective <= pg_catalog.now() THEN
        PERFORM gridgov.rehome_cases(rev);
    END IF;
    RETURN rev;
END
$$;
COMMENT ON FUNCTION gridgov.redivide(gridgov.gridcode[], jsonb, timestamptz, text, boolean, text) IS
    'Re-division in one call: closes the current versions of the retired codes at `effective`, adds the GeoJSON additions as versions starting then, records a gridgov.grid_revisions row (modules react to it, e.g. re-homing open cases) and returns its id; by default refuses (GG004) a result with coverage problems around the change';

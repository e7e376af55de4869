-- A plausible patrol track, for the demo (tools/demo/080_patrols.sql) and the
-- benchmark (test/bench/160_patrols.sh): pg_temp.patrol_sweep(seed, around,
-- width_m, height_m, first_fix, fixes) is a worker sweeping a rectangle of
-- width_m x height_m centred on the point around along east-west lanes 50 m
-- apart, there and back, at 1.2 m/s, one fix every 10 s, with up to 1 m of
-- (deterministic) GPS noise on each axis; seed shifts where the walk starts.
CREATE FUNCTION pg_temp.patrol_sweep(seed integer, around geometry, width_m double precision,
                                     height_m double precision, first_fix timestamptz, fixes integer)
    RETURNS TABLE (i integer, at timestamptz, geom geometry)
LANGUAGE sql IMMUTABLE AS $$
    WITH p AS (
        SELECT greatest(width_m, 20) AS w, greatest(1, floor(height_m / 50)::integer + 1) AS nl,
               ST_X(around) AS cx, ST_Y(around) AS cy
    ), q AS (
        SELECT p.*, p.nl * p.w + (p.nl - 1) * 50 AS half FROM p
    ), s AS (
        SELECT q.*, g AS i,
               CASE WHEN (12.0 * g + 137 * seed)::numeric % (2 * q.half)::numeric > q.half
                    THEN 2 * q.half - ((12.0 * g + 137 * seed)::numeric % (2 * q.half)::numeric)
                    ELSE (12.0 * g + 137 * seed)::numeric % (2 * q.half)::numeric END::double precision AS d
        FROM q, generate_series(0, fixes - 1) g
    ), l AS (
        SELECT s.*, least(floor(s.d / (s.w + 50))::integer, s.nl - 1) AS lane FROM s
    ), xy AS (
        SELECT l.*, l.d - l.lane * (l.w + 50) AS r FROM l
    )
    SELECT xy.i, first_fix + xy.i * interval '10 s',
           ST_SetSRID(ST_MakePoint(
               xy.cx + (CASE WHEN xy.r <= xy.w THEN (CASE WHEN xy.lane % 2 = 0 THEN xy.r ELSE xy.w - xy.r END)
                             ELSE (CASE WHEN xy.lane % 2 = 0 THEN xy.w ELSE 0 END) END
                        - xy.w / 2 + (sin(xy.i * 12.9898 + seed * 78.233) * 43758.5453 - floor(sin(xy.i * 12.9898 + seed * 78.233) * 43758.5453)) * 2 - 1)
                       / (111195.0797 * cos(radians(xy.cy))),
               xy.cy + (50 * xy.lane + CASE WHEN xy.r <= xy.w THEN 0 ELSE xy.r - xy.w END - (xy.nl - 1) * 25
                        + (sin(xy.i * 4.1414 + seed * 17.77) * 24634.6345 - floor(sin(xy.i * 4.1414 + seed * 17.77) * 24634.6345)) * 2 - 1)
                       / 111195.0797), 4326)
    FROM xy
$$;

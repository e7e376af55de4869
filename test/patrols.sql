-- Grid workers' patrols (src/sql/077_patrols.sql, src/geo/patrol.c, docs/grid-workers.md):
--   1. the intake of fixes: good fixes get their county, bad ones are kept apart in
--      patrol_rejects with their reason (no worker, no time, no point, NaN or out of
--      range, accuracy, unknown worker, no partition, duplicate, speed; three speed
--      rejections in a row start afresh); an out-of-order outlier is stored and the
--      steps flag it as a jump;
--   2. sessions by gaps; coverage of a worker walking a known rectangle: 1,400 m in
--      1,400 s, covered share 1 - 350 x 250 / (410 x 310) of the area with a 25 m
--      buffer (the band 30 m wide inside R's edges), 60 / 410 of a road across it; unpatrolled grids; the map metrics;
--   3. the assessment: cases found, rejected, self-handled, verified, missed; the
--      weights as data (a user row wins, shipped rows are guarded); the ranking;
--   4. privacy: the worker, their leader and the command center read a track, another
--      worker and a leader elsewhere do not; retention drops a day after keeping its
--      coverage;
--   5. bad arguments give their documented SQLSTATEs.
-- The fictitious county 990701 (no other suite uses it):
--   990701001001001 grid R: 410 m east x 310 m north from 5 m south-west of
--                   102.0 E 30.0 N; worker w1 walks the rectangle 400 m x 300 m
--                   5 m inside it (so that every fix lies inside R)
--   990701001001002 grid S: 2 km north of it, worker w2
--   leader ld leads grid R only; the district command center pat-cc sees both.
BEGIN;
SELECT plan(79);
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL client_min_messages = warning;
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL gridgov.duplicate_radius_m = 0;
CREATE TEMP TABLE pat_setup AS SELECT gridgov.setup_roles();

-- Geodesic moves on the WGS-84 spheroid.
CREATE FUNCTION pg_temp.mv(p geometry, metres float8, azimuth float8) RETURNS geometry LANGUAGE sql IMMUTABLE AS $$
    SELECT ST_Project(p::geography, metres, radians(azimuth))::geometry $$;
-- The walk: from S = 102.0 E 30.0 N, 30 steps of 10 m north, 40 east, 30 south, 40 west,
-- each leg along one geodesic, one fix every 10 s.
CREATE TEMP TABLE walk (k integer PRIMARY KEY, geom geometry);
DO $$
DECLARE
    l record;
    i integer;
    k integer := 0;
    p geometry := ST_SetSRID(ST_MakePoint(102.0, 30.0), 4326);
    start geometry;
BEGIN
    INSERT INTO walk VALUES (0, p);
    FOR l IN SELECT * FROM (VALUES (1, 30, 0.0), (2, 40, 90.0), (3, 30, 180.0), (4, 40, 270.0)) v(leg, n, az) ORDER BY leg LOOP
        start := p;
        FOR i IN 1 .. l.n LOOP
            k := k + 1;
            p := pg_temp.mv(start, 10.0 * i, l.az);
            INSERT INTO walk VALUES (k, p);
        END LOOP;
    END LOOP;
END
$$;
-- Grid R: 410 m x 310 m, corners 5 m outside the walk's.
CREATE TEMP TABLE r_corners AS
SELECT pg_temp.mv(pg_temp.mv((SELECT geom FROM walk WHERE k = 0), 5, 180), 5, 270) AS c0;
ALTER TABLE r_corners ADD c1 geometry, ADD c2 geometry, ADD c3 geometry;
UPDATE r_corners SET c1 = pg_temp.mv(c0, 310, 0);
UPDATE r_corners SET c2 = pg_temp.mv(c1, 410, 90);
UPDATE r_corners SET c3 = pg_temp.mv(c2, 310, 180);

INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, v.geom
FROM (VALUES ('990701', '巡查测试区', ST_Multi(ST_MakeEnvelope(101.9, 29.9, 102.1, 30.1, 4326))),
             ('990701001', '巡查测试街道', ST_Multi(ST_MakeEnvelope(101.9, 29.9, 102.1, 30.1, 4326))),
             ('990701001001', '巡查测试社区', ST_Multi(ST_MakeEnvelope(101.9, 29.9, 102.1, 30.1, 4326))),
             ('990701001001001', '巡查测试一格',
              (SELECT ST_Multi(ST_MakePolygon(ST_MakeLine(ARRAY[c0, c1, c2, c3, c0]))) FROM r_corners)),
             ('990701001001002', '巡查测试二格', ST_Multi(ST_MakeEnvelope(102.0, 30.02, 102.004, 30.023, 4326))),
             ('990701001001003', '巡查测试三格', ST_Multi(ST_MakeEnvelope(102.01, 30.02, 102.014, 30.023, 4326))))
     v(code, name, geom);
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('pat-cc', '巡查测试区指挥中心', 'district', '990701', 'command_center');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'pat-cm', '巡查测试社区居委会', 'community', '990701001001', 'community', d.id
FROM gridgov.departments d WHERE d.code = 'pat-cc';
CREATE ROLE pat_t_w1 NOLOGIN IN ROLE gridgov_worker;
CREATE ROLE pat_t_w2 NOLOGIN IN ROLE gridgov_worker;
CREATE ROLE pat_t_ld NOLOGIN IN ROLE gridgov_leader;
CREATE ROLE pat_t_cc NOLOGIN IN ROLE gridgov_dispatcher;
CREATE ROLE pat_t_an NOLOGIN IN ROLE gridgov_analyst;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT v.name, d.id, v.r FROM (VALUES ('巡查测试甲', 'pat-cm', 'pat_t_w1'), ('巡查测试乙', 'pat-cm', 'pat_t_w2'),
                                      ('巡查测试长', 'pat-cm', 'pat_t_ld'), ('巡查测试中心', 'pat-cc', 'pat_t_cc')) v(name, dept, r)
JOIN gridgov.departments d ON d.code = v.dept;
CREATE FUNCTION pg_temp.sid(r text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT s.id FROM gridgov.staff s WHERE s.db_role = r $$;
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from) VALUES
    ('990701001001001', pg_temp.sid('pat_t_w1'), 'worker', '2026-01-01'),
    ('990701001001002', pg_temp.sid('pat_t_w2'), 'worker', '2026-01-01'),
    ('990701001001001', pg_temp.sid('pat_t_ld'), 'leader', '2026-01-01');
SELECT is(gridgov.patrol_partition_create('2026-11-02'), to_regclass('gridgov_tracks.patrol_points_20261102'),
          'patrol_partition_create: the day''s partition');
SELECT is(gridgov.patrol_partitions_ensure('2026-11-02 12:00+08', 2), 3,
          'patrol_partitions_ensure: the day before, and the 2 days after, are created; the day itself exists');
SELECT is((SELECT count(*) FROM pg_inherits WHERE inhparent = 'gridgov.patrol_points'::regclass), 5::bigint,
          'four days'' partitions and the default one');

-- 1. Intake -------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.rejects(reason text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM gridgov.patrol_rejects r WHERE r.reason = $1 $$;
INSERT INTO gridgov.patrol_points (staff_id, at, geom, accuracy_m)
SELECT pg_temp.sid('pat_t_w1'), timestamptz '2026-11-02 09:00:00+08' + w.k * interval '10 s', w.geom, 5
FROM walk w ORDER BY w.k;
SELECT is((SELECT count(*) FROM gridgov.patrol_points WHERE county = '990701'), 141::bigint,
          'the 141 fixes of the walk are stored with the worker''s county');
SELECT is((SELECT count(*) FROM gridgov_tracks.patrol_points_20261102), 141::bigint, 'in the day''s partition');
-- A lone fix an hour later at the start (a second session).
INSERT INTO gridgov.patrol_points (staff_id, at, geom) SELECT pg_temp.sid('pat_t_w1'), '2026-11-02 10:30+08', geom FROM walk WHERE k = 0;

-- Bad fixes, each once.
INSERT INTO gridgov.patrol_points (staff_id, at, geom, accuracy_m) VALUES
    (NULL, '2026-11-02 11:00+08', ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 5),
    (pg_temp.sid('pat_t_w1'), NULL, ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 5),
    (pg_temp.sid('pat_t_w1'), '2026-11-02 11:00:10+08', NULL, 5),
    (pg_temp.sid('pat_t_w1'), '2026-11-02 11:00:20+08', 'SRID=4326;POINT EMPTY', 5),
    (pg_temp.sid('pat_t_w1'), '2026-11-02 11:00:30+08', ST_SetSRID(ST_MakePoint('NaN', 30.001), 4326), 5),
    (pg_temp.sid('pat_t_w1'), '2026-11-02 11:00:40+08', ST_SetSRID(ST_MakePoint(200, 30.001), 4326), 5),
    (pg_temp.sid('pat_t_w1'), '2026-11-02 11:00:50+08', ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 80),
    (pg_temp.sid('pat_t_w1'), '2026-11-02 11:00:55+08', ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 'NaN'),
    (-1, '2026-11-02 11:01+08', ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 5),
    (pg_temp.sid('pat_t_w1'), '2030-01-01 11:01+08', ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 5);
SELECT is(ARRAY[pg_temp.rejects('no_worker'), pg_temp.rejects('no_time'), pg_temp.rejects('no_point'),
                pg_temp.rejects('bad_point'), pg_temp.rejects('accuracy'), pg_temp.rejects('unknown_worker'),
                pg_temp.rejects('no_partition')],
          ARRAY[1, 1, 2, 2, 2, 1, 1]::bigint[],
          'bad fixes are kept apart with their reasons: no worker, no time, no point (NULL, empty), bad point (NaN, 200 E), accuracy (80 m, NaN), unknown worker, no partition');
SELECT is((SELECT count(*) FROM gridgov.patrol_points), 142::bigint, 'and none of them is stored');
SELECT is((SELECT count(*) FROM gridgov.patrol_points_default), 0::bigint, 'the default partition stays empty');
SELECT ok((SELECT r.accuracy_m = 80 AND ST_X(r.geom) = 102.001 AND r.at = '2026-11-02 11:00:50+08' AND r.staff_id = pg_temp.sid('pat_t_w1')
           FROM gridgov.patrol_rejects r WHERE r.reason = 'accuracy' AND r.accuracy_m = 80),
          'a reject keeps the fix as sent');

-- w2 in grid S: speed, duplicate, out of order, three speed rejections in a row.
CREATE TEMP TABLE s0 AS SELECT ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326) AS p;
INSERT INTO gridgov.patrol_points (staff_id, at, geom)
SELECT pg_temp.sid('pat_t_w2'), v.at::timestamptz, v.g FROM s0,
       LATERAL (VALUES (1, '2026-11-02 10:00:00+08', s0.p),
                       (2, '2026-11-02 10:00:10+08', pg_temp.mv(s0.p, 1000, 90)),
                       (3, '2026-11-02 10:00:20+08', pg_temp.mv(s0.p, 20, 0)),
                       (4, '2026-11-02 10:00:20+08', pg_temp.mv(s0.p, 20, 0)),
                       (5, '2026-11-02 09:59:55+08', pg_temp.mv(s0.p, 500, 90))) v(o, at, g)
ORDER BY v.o;
SELECT is(ARRAY[pg_temp.rejects('speed'), pg_temp.rejects('duplicate')], ARRAY[1, 1]::bigint[],
          'a fix 1 km away 10 s after the previous one is too fast; a second fix at the same time is a duplicate');
SELECT is((SELECT count(*) FROM gridgov.patrol_points WHERE staff_id = pg_temp.sid('pat_t_w2')), 3::bigint,
          'the out-of-order fix (earlier than the last one) is stored unchecked');
SELECT is((SELECT array_agg(jump ORDER BY at) FROM gridgov.patrol_steps('2026-11-02 09:00+08', '2026-11-02 10:30+08')
           WHERE staff_id = pg_temp.sid('pat_t_w2')),
          ARRAY[false, true, false], 'patrol_steps: the step from the out-of-order fix (500 m in 5 s) is a jump');
-- From 10:20 (a new session): Q0, then four fixes 1 km away, 10 s apart.
INSERT INTO gridgov.patrol_points (staff_id, at, geom)
SELECT pg_temp.sid('pat_t_w2'), timestamptz '2026-11-02 10:20:00+08' + i * interval '10 s',
       CASE WHEN i = 0 THEN s0.p ELSE pg_temp.mv(s0.p, 1000 + i, 0) END
FROM s0, generate_series(0, 4) i ORDER BY i;
SELECT is(pg_temp.rejects('speed'), 4::bigint, 'three fixes in a row too fast from the last accepted one are kept apart ...');
SELECT is((SELECT count(*) FROM gridgov.patrol_points WHERE staff_id = pg_temp.sid('pat_t_w2') AND at = '2026-11-02 10:20:40+08'),
          1::bigint, '... and the next one starts afresh (the accepted one was the outlier)');

-- 2. Sessions and coverage ---------------------------------------------------------------------
CREATE TEMP TABLE ses AS SELECT * FROM gridgov.patrol_sessions('2026-11-02 00:00+08', '2026-11-03 00:00+08')
                         WHERE staff_id = pg_temp.sid('pat_t_w1');
SELECT is((SELECT array_agg(points ORDER BY session) FROM ses), ARRAY[141, 1]::bigint[],
          'patrol_sessions: the walk, and the lone fix after a gap of more than 10 minutes');
SELECT ok((SELECT abs(metres - 1400) < 0.01 AND seconds = 1400 AND jumps = 0 AND ST_NPoints(track) = 141
           FROM ses WHERE session = 1), 'the walk''s session: 1,400 m (140 steps of 10 m) in 1,400 s');
SELECT is(gridgov.patrol_coverage_refresh('2026-11-02'), 3, 'patrol_coverage_refresh: a row per worker and grid of their fixes');
CREATE TEMP TABLE cov AS SELECT * FROM gridgov.patrol_coverage WHERE staff_id = pg_temp.sid('pat_t_w1');
SELECT is((SELECT array_agg(grid::text) FROM cov), ARRAY['990701001001001'], 'w1 walked in grid R only');
SELECT is((SELECT ARRAY[points, round(metres::numeric, 2), seconds::numeric] FROM cov), ARRAY[142, 1400.00, 1400],
          'coverage of R: 142 fixes, 1,400 m, 1,400 s (the gap is not counted)');
SELECT ok((SELECT abs(covered_share - (1 - 350.0 * 250 / (410 * 310))) < 1e-4 AND basis = 'area' FROM cov),
          'covered share: everything within 25 m of the walk, a band 30 m wide along R''s edges: 1 - 350 x 250 / (410 x 310) = 0.3116');
SELECT ok((SELECT points = 3 AND abs(metres - 20) < 0.01 AND seconds = 20 FROM gridgov.patrol_coverage
           WHERE staff_id = pg_temp.sid('pat_t_w2') AND grid = '990701001001002'),
          'w2: the jump is left out of distance and time (20 m in 20 s)');
-- A road across R, 150 m north of the walk's start, from R's west edge to its east edge.
INSERT INTO gridgov.patrol_roads (name, geom)
SELECT '巡查测试路', ST_MakeLine(pg_temp.mv(c0, 155, 0), pg_temp.mv(pg_temp.mv(c0, 155, 0), 410, 90)) FROM r_corners;
CREATE TEMP TABLE refreshed AS SELECT gridgov.patrol_coverage_refresh('2026-11-02');
SELECT ok((SELECT abs(covered_share - 60.0 / 410) < 2e-4 AND basis = 'roads' FROM gridgov.patrol_coverage
           WHERE staff_id = pg_temp.sid('pat_t_w1')),
          'with a road layer: the share of the road within 25 m of the walk, 30 m at each end of 410 m');
SELECT is((SELECT count(*) FROM gridgov.patrol_coverage WHERE day = '2026-11-02'), 3::bigint,
          'a refresh replaces the day''s rows');
SELECT is((SELECT array_agg(code::text ORDER BY code) FROM gridgov.unpatrolled_grids(1, '2026-11-03 12:00+08')
           WHERE code <@ '990701'), ARRAY['990701001001003'],
          'unpatrolled_grids(1): grid T, which nobody walked; R and S were walked yesterday');
SELECT is((SELECT array_agg(code::text || ':' || COALESCE(days_unpatrolled::text, 'never') ORDER BY code)
           FROM gridgov.unpatrolled_grids(5, '2026-11-09 12:00+08') WHERE code <@ '990701'),
          ARRAY['990701001001001:7', '990701001001002:7', '990701001001003:never'],
          'unpatrolled_grids(5) a week later: all three, R and S 7 days since');
SELECT is((SELECT jsonb_agg(f -> 'properties' -> 'value' ORDER BY f -> 'properties' ->> 'code')
           FROM jsonb_array_elements(gridgov.map_geojson('grid', 'patrol_coverage', '2026-11-03 12:00+08') -> 'features') f
           WHERE f -> 'properties' ->> 'code' LIKE '990701%'),
          (SELECT jsonb_agg(round(100 * c.covered_share::numeric, 2) ORDER BY c.grid) FROM gridgov.patrol_coverage c
           WHERE c.grid <@ '990701' AND level(c.grid) = 6) || '[0]'::jsonb,
          'map_geojson patrol_coverage: yesterday''s covered share of each unit grid, percent');
SELECT is((SELECT (f -> 'properties' ->> 'value')::numeric
           FROM jsonb_array_elements(gridgov.map_geojson('community', 'days_unpatrolled', '2026-11-05 12:00+08') -> 'features') f
           WHERE f -> 'properties' ->> 'code' = '990701001001'), NULL::numeric,
          'days_unpatrolled of a community with a grid never patrolled: NULL (never)');
SELECT is((SELECT (f -> 'properties' ->> 'days_unpatrolled')::integer
           FROM jsonb_array_elements(gridgov.map_geojson('grid', 'open_cases', '2026-11-05 12:00+08') -> 'features') f
           WHERE f -> 'properties' ->> 'code' = '990701001001001'), 3,
          'every map carries days_unpatrolled: grid R, 3 days after its patrol');
SELECT ok(gridgov.map_svg('grid', 'patrol_coverage', '2026-11-03 12:00+08') LIKE '%巡查覆盖率%', 'map_svg labels patrol_coverage');

-- 3. Assessment --------------------------------------------------------------------------------
-- w1 reports three patrol cases in R; the center rejects one, files one; w1 self-handles the
-- third, whose verification fails.  A hotline case of an event category in R is a miss.
GRANT SELECT ON walk TO pat_t_w1;
SET LOCAL ROLE pat_t_w1;
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
SELECT 'patrol', 'pat-' || i, 'E0102', '巡查测试案件' || i, pg_temp.mv((SELECT geom FROM walk WHERE k = 0), 50, 45),
       timestamptz '2026-11-02 10:00+08' + i * interval '1 minute'
FROM generate_series(1, 3) i;
RESET ROLE;
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
VALUES ('hotline', 'pat-h1', 'E0102', '巡查测试热线', pg_temp.mv((SELECT geom FROM walk WHERE k = 0), 60, 45), '2026-11-03 10:00+08');
CREATE FUNCTION pg_temp.pk(ext text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM gridgov.cases c WHERE c.external_id = ext AND c.county = '990701' $$;
SELECT is((SELECT count(*) FROM gridgov.case_events e WHERE e.county = '990701' AND e.seq = 1
           AND e.actor_staff_id = pg_temp.sid('pat_t_w1')), 3::bigint, 'the patrol cases'' intake names w1');
CREATE TEMP TABLE acts AS
SELECT (gridgov.act(pg_temp.pk(v.ext), v.action, 'test', '{}', v.at::timestamptz)).state
FROM (VALUES (1, 'pat-1', 'reject', '2026-11-02 11:00+08'), (2, 'pat-2', 'file', '2026-11-02 11:00+08'),
             (3, 'pat-3', 'self_handle', '2026-11-02 11:00+08'), (4, 'pat-3', 'verify_fail', '2026-11-02 12:00+08')) v(o, ext, action, at)
ORDER BY v.o;
CREATE TEMP TABLE a AS SELECT * FROM gridgov.worker_assessment('2026-11-15', '2026-12-01 00:00+08') WHERE county = '990701';
SELECT is((SELECT array_agg(staff_id ORDER BY staff_id) FROM a),
          (SELECT array_agg(s ORDER BY s) FROM unnest(ARRAY[pg_temp.sid('pat_t_w1'), pg_temp.sid('pat_t_w2')]) s),
          'worker_assessment: the two workers of the county');
SELECT is((SELECT ARRAY[cases_found, cases_rejected, self_handled, verify_pass, verify_fail, missed, patrol_days]
           FROM a WHERE staff_id = pg_temp.sid('pat_t_w1')), ARRAY[3, 1, 1, 0, 1, 1, 1],
          'w1: 3 cases found, 1 rejected, 1 self-handled, 0 verifications passed and 1 failed, 1 missed (the hotline case), 1 day');
SELECT is((SELECT ARRAY[valid_rate, patrol_km, patrol_hours, coverage] FROM a WHERE staff_id = pg_temp.sid('pat_t_w1')),
          (SELECT ARRAY[0.6667, 1.400, 0.389, round(c.covered_share::numeric, 4)] FROM gridgov.patrol_coverage c
           WHERE c.staff_id = pg_temp.sid('pat_t_w1')),
          'w1: valid rate 2/3, 1.4 km, 1400 s = 0.389 h, coverage the share of R that day');
-- The score by hand: coverage 25 x share + hours 15 (the best) + days 10 + found 20 + valid 10 x 2/3
-- + self-handled 5 + verified 10 x 0 + satisfaction 5 x 0 (none) - missed 20.
SELECT is((SELECT score FROM a WHERE staff_id = pg_temp.sid('pat_t_w1')),
          round(25 * (SELECT coverage FROM a WHERE staff_id = pg_temp.sid('pat_t_w1')) + 15 + 10 + 20 + 10 * 0.6667 + 5 - 20, 2),
          'w1''s score is the weighted sum of the metrics');
SELECT is((SELECT score FROM a WHERE staff_id = pg_temp.sid('pat_t_w2')),
          round(25 * (SELECT coverage FROM a WHERE staff_id = pg_temp.sid('pat_t_w2'))
                + 15 * (SELECT patrol_hours FROM a WHERE staff_id = pg_temp.sid('pat_t_w2')) / 0.389 + 10, 2),
          'w2''s score: coverage, hours as a share of w1''s, a day on patrol');
INSERT INTO gridgov.patrol_weights (metric, weight, note) VALUES ('missed', 0, 'test: misses do not count');
SELECT is((SELECT score FROM gridgov.worker_assessment('2026-11-01', '2026-12-01 00:00+08') WHERE staff_id = pg_temp.sid('pat_t_w1')),
          (SELECT score + 20 FROM a WHERE staff_id = pg_temp.sid('pat_t_w1')),
          'a user row for a metric takes the place of the shipped weight');
SELECT is((SELECT array_agg(r.staff_id::text || ':' || r.rank || ':' || r.top_ten ORDER BY r.rank)
           FROM gridgov.worker_ranking('2026-11-01', '2026-12-01 00:00+08') r WHERE r.county = '990701'),
          ARRAY[pg_temp.sid('pat_t_w1') || ':1:true', pg_temp.sid('pat_t_w2') || ':2:true'],
          'worker_ranking: ranked by score, both among the ten best');
-- The assessment and the ranking list the workers whose track the caller reads.
SET LOCAL ROLE pat_t_ld;
SELECT is((SELECT array_agg(staff_id) FROM gridgov.worker_assessment('2026-11-01', '2026-12-01 00:00+08')),
          ARRAY[pg_temp.sid('pat_t_w1')], 'the leader of R assesses R''s worker only, not the other worker');
SELECT is((SELECT array_agg(r.staff_id::text || ':' || r.rank) FROM gridgov.worker_ranking('2026-11-01', '2026-12-01 00:00+08') r),
          ARRAY[pg_temp.sid('pat_t_w1') || ':1'], '... and sees R''s worker''s rank only');
SET LOCAL ROLE pat_t_cc;
SELECT is((SELECT count(*) FROM gridgov.worker_ranking('2026-11-01', '2026-12-01 00:00+08') r WHERE r.county = '990701'),
          2::bigint, 'the command center over both ranks both');
SELECT throws_ok($$SELECT * FROM gridgov.worker_assessment_all('2026-11-01', '2026-12-01 00:00+08')$$, '42501', NULL,
                 'nobody but the owner calls the unfiltered assessment');
RESET ROLE;
SELECT throws_ok($$UPDATE gridgov.patrol_weights SET weight = 1 WHERE metric = 'coverage' AND builtin$$, 'GG131', NULL,
                 'a shipped weight cannot be changed');
SELECT throws_ok($$INSERT INTO gridgov.patrol_weights (metric, weight, builtin) VALUES ('coverage', 1, true)$$, 'GG131', NULL,
                 'nor can a row be marked builtin');
SELECT throws_ok($$DELETE FROM gridgov.patrol_weights WHERE builtin$$, 'GG131', NULL, 'nor deleted');

-- 4. Privacy and retention ---------------------------------------------------------------------
CREATE FUNCTION pg_temp.seen(login text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', login);
    SELECT string_agg(DISTINCT s.db_role, ',' ORDER BY s.db_role) INTO r
    FROM gridgov.patrol_points p JOIN gridgov.staff s ON s.id = p.staff_id;
    RESET ROLE;
    RETURN COALESCE(r, '');
END
$$;
GRANT SELECT ON gridgov.staff TO gridgov_analyst;
SELECT is(pg_temp.seen('pat_t_w1'), 'pat_t_w1', 'a worker reads their own track only');
SELECT is(pg_temp.seen('pat_t_w2'), 'pat_t_w2', 'so does the other worker');
SELECT is(pg_temp.seen('pat_t_ld'), 'pat_t_w1', 'the leader of grid R reads the track of R''s worker only');
SELECT is(pg_temp.seen('pat_t_cc'), 'pat_t_w1,pat_t_w2', 'the district command center reads both');
SELECT throws_ok($$SELECT pg_temp.seen('pat_t_an')$$, '42501', NULL, 'an analyst may not read tracks at all');
-- A worker on the command center's staff is no dispatcher of it.
CREATE ROLE pat_t_cw NOLOGIN IN ROLE gridgov_worker;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '巡查测试中心员', d.id, 'pat_t_cw' FROM gridgov.departments d WHERE d.code = 'pat-cc';
SELECT is(pg_temp.seen('pat_t_cw'), '', 'a worker on a command center''s staff does not read the tracks of its jurisdiction');
SET LOCAL ROLE pat_t_w2;
SELECT throws_ok($$INSERT INTO gridgov.patrol_points (staff_id, at, geom) VALUES
                   ((SELECT staff_id FROM gridgov.my_scope()) - 1, '2026-11-02 12:00+08', ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326))$$,
                 '42501', NULL, 'a worker may not write another worker''s fixes');
SELECT throws_ok($$INSERT INTO gridgov.patrol_points (staff_id, at, geom, accuracy_m) VALUES
                   (pg_temp.sid('pat_t_w1'), '2026-11-02 12:01+08', ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326), 5000)$$,
                 '42501', NULL, 'nor a bad fix of another worker (it would land in their rejects)');
SELECT throws_ok($$INSERT INTO gridgov.patrol_points (staff_id, at, geom) VALUES
                   (-77, '2026-11-02 12:02+08', ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326))$$,
                 '42501', NULL, 'nor a fix of an unknown worker (no oracle on who is active)');
SELECT lives_ok($$INSERT INTO gridgov.patrol_points (county, staff_id, at, geom) VALUES
                  ('990799', (SELECT staff_id FROM gridgov.my_scope()), '2026-11-02 12:00+08', ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326))$$,
                'a worker writes their own fixes');
RESET ROLE;
SELECT is((SELECT count(*) FROM gridgov.patrol_rejects WHERE at IN ('2026-11-02 12:01+08', '2026-11-02 12:02+08')), 0::bigint,
          'no reject is written for a fix the caller may not write');
SELECT is((SELECT county::text FROM gridgov.patrol_points WHERE staff_id = pg_temp.sid('pat_t_w2') AND at = '2026-11-02 12:00+08'),
          '990701', '... with the county of their department, whatever they give');
-- A fix that comes back from a dump (its county given, by the owner) is let in as it is.
INSERT INTO gridgov.patrol_points (county, staff_id, at, geom, accuracy_m)
VALUES ('990701', -5, '2026-11-02 12:30+08', ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326), 500);
SELECT is((SELECT count(*) FROM gridgov.patrol_points WHERE staff_id = -5), 1::bigint,
          'a complete fix written by the owner (pg_restore) is stored as it is');
DELETE FROM gridgov.patrol_points WHERE staff_id = -5;
-- ... but not into the default partition, which must stay empty (a row there stops its day's partition).
INSERT INTO gridgov.patrol_points (county, staff_id, at, geom)
VALUES ('990701', pg_temp.sid('pat_t_w1'), '2031-05-05 10:00+08', ST_SetSRID(ST_MakePoint(102.002, 30.0215), 4326));
SELECT is((SELECT count(*) FROM gridgov.patrol_points_default), 0::bigint,
          'a complete fix of a day without partition does not reach the default partition, even from the owner');
SELECT lives_ok($$SELECT gridgov.patrol_partition_create('2031-05-05')$$, '... so that day''s partition can still be made');
DROP TABLE gridgov_tracks.patrol_points_20310505;
DELETE FROM gridgov.patrol_rejects WHERE at = '2031-05-05 10:00+08';
SELECT throws_ok($$SELECT gridgov.patrol_point_check()$$, '39P01', NULL, 'the trigger function refuses to run as a function');
SELECT throws_ok($$CREATE TRIGGER x BEFORE INSERT ON gridgov.patrol_roads FOR EACH ROW EXECUTE FUNCTION gridgov.patrol_point_check();
                   INSERT INTO gridgov.patrol_roads (geom) VALUES ('SRID=4326;LINESTRING(0 0, 1 1)')$$, '39P01', NULL,
                 'and anywhere but on patrol_points');

-- Retention: 91 days later the day's fixes go, its coverage stays (stored again from all fixes).
SELECT is((SELECT array_agg(day) FROM gridgov.patrol_retention('2026-11-02 12:00+08'::timestamptz + interval '91 days')),
          ARRAY['2026-11-01', '2026-11-02']::date[], 'patrol_retention drops the days older than 90 days');
SELECT ok(to_regclass('gridgov_tracks.patrol_points_20261102') IS NULL AND to_regclass('gridgov_tracks.patrol_points_20261103') IS NOT NULL,
          'their partitions are gone, the next day''s stays');
SELECT is((SELECT count(*) FROM gridgov.patrol_coverage WHERE day = '2026-11-02'), 3::bigint, 'the day''s coverage is kept');
SELECT is((SELECT array_agg(reason ORDER BY reason) FROM gridgov.patrol_rejects), ARRAY['no_partition', 'no_time'],
          'the rejects of those days are deleted; a fix of 2030 and one without a time (received today) are kept');

-- 5. Bad arguments and settings ------------------------------------------------------------------
SELECT throws_ok($$SELECT gridgov.patrol_partition_create(NULL)$$, '22004', NULL, 'patrol_partition_create(NULL): 22004');
SELECT throws_ok($$SELECT gridgov.patrol_partition_create('1900-01-01')$$, '22023', NULL, 'a day before 2000: 22023');
SELECT throws_ok($$SELECT gridgov.patrol_partitions_ensure(now(), 400)$$, '22023', NULL, 'days_ahead above 366: 22023');
SELECT throws_ok($$SELECT gridgov.patrol_coverage_refresh(NULL)$$, '22004', NULL, 'patrol_coverage_refresh(NULL): 22004');
SELECT throws_ok($$SELECT gridgov.patrol_coverage_refresh('infinity')$$, '22023', NULL, 'patrol_coverage_refresh(infinity): 22023');
SELECT throws_ok($$SELECT gridgov.patrol_nightly('infinity')$$, '22023', NULL, 'patrol_nightly(infinity): 22023');
SELECT throws_ok($$SELECT * FROM gridgov.patrol_retention('-infinity')$$, '22023', NULL, 'patrol_retention(-infinity): 22023');
SELECT throws_ok($$SELECT * FROM gridgov.unpatrolled_grids(0)$$, '22023', NULL, 'unpatrolled_grids(0): 22023');
SELECT throws_ok($$SELECT * FROM gridgov.worker_assessment(NULL)$$, '22004', NULL, 'worker_assessment(NULL): 22004');
SELECT throws_ok($$SELECT * FROM gridgov.worker_assessment('0001-01-01')$$, '22023', NULL, 'a month out of range: 22023');
SELECT throws_ok($$SELECT gridgov.map_geojson('grid', 'patrol_nonsense')$$, '22023', NULL, 'an unknown map metric: 22023');
SELECT throws_ok($$UPDATE gridgov.settings SET value = '-1' WHERE key = 'patrol_buffer_m'$$, '22023', NULL,
                 'a negative patrol setting: 22023');
SELECT throws_ok($$UPDATE gridgov.settings SET value = '1.5' WHERE key = 'patrol_retention_days'$$, '22023', NULL,
                 'a retention that is not a whole number of days: 22023');
-- A changed limit takes effect at once (the trigger's cache follows settings).
UPDATE gridgov.settings SET value = '3' WHERE key = 'patrol_max_accuracy_m';
INSERT INTO gridgov.patrol_points (staff_id, at, geom, accuracy_m)
VALUES (pg_temp.sid('pat_t_w1'), '2026-11-03 09:00+08', ST_SetSRID(ST_MakePoint(102.001, 30.001), 4326), 5);
SELECT is(pg_temp.rejects('accuracy'), 1::bigint, 'a fix of 5 m accuracy is kept apart once the limit is 3 m');
SELECT * FROM finish();
ROLLBACK;

-- The likely-duplicate search in C (src/cases/duplicate.c), which both the
-- intake trigger and gridgov.find_duplicate() run, against a brute-force
-- recomputation in plain PostGIS (pg_temp.dup_reference below: ST_DWithin and
-- ST_Distance on geography with use_spheroid = false, no index, no box):
--   - random probes over a cluster of cases (open, closed, merged, of another
--     category or county) with random radii and windows, including 0 and
--     negative windows and radii in the index's array and range modes;
--   - cases near the radius: the radius set to each case's distance as
--     ST_Distance reports it, and the exact distance at which ST_DWithin
--     flips (found there, not at the double just below);
--   - the window's edges (bounds included, a microsecond outside excluded);
--   - closed, merged, other-county, other-category cases excluded; ties by
--     reported_at (later first), then id (lower first);
--   - the antimeridian and the poles;
--   - the intake trigger flags what find_duplicate finds, searching as the
--     owner of the history (a role with INSERT and no SELECT on cases);
--   - NULLs, NaN, infinite and out-of-range radii, non-points, window
--     overflow: the documented answers and SQLSTATEs;
--   - the index is found by its shape: renamed it is still used, one of
--     another shape is not, and without a usable one the search reads the
--     table with the same answers;
--   - privileges: SELECT on the columns read is needed; row-level security
--     in force is refused.
-- Everything lives in the fictitious counties 990107 and 990109, away from
-- every grid (cases there take their county from the INSERT), inside the test's
-- transaction.
BEGIN;
SELECT plan(37);
SET LOCAL client_min_messages = warning;
SELECT pg_catalog.setseed(0.11);

-- Fixture ---------------------------------------------------------------------------
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('dup-cc', '重复测试区指挥中心', 'district', '990107', 'command_center'),
    ('dup-cc2', '重复测试邻区指挥中心', 'district', '990109', 'command_center');
CREATE FUNCTION pg_temp.dept(county text) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM gridgov.departments WHERE code = CASE county WHEN '990107' THEN 'dup-cc' ELSE 'dup-cc2' END
$$;
-- A point dist metres from (lon, lat) towards azimuth az (radians).
CREATE FUNCTION pg_temp.near(lon float8, lat float8, dist float8, az float8) RETURNS geometry
LANGUAGE sql AS $$
    SELECT ST_Project(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, dist, az)::geometry
$$;
-- New cases, no search at intake (radius 0), returning ids by label.
CREATE TEMP TABLE k (label text PRIMARY KEY, id bigint);
CREATE FUNCTION pg_temp.add(label text, county text, category text, p geometry, at timestamptz)
RETURNS bigint LANGUAGE plpgsql SET gridgov.duplicate_radius_m = 0 AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at, department_id)
    VALUES (county::gridgov.gridcode, 'app', 'dup-' || label, category, '重复测试 ' || label, p, at, pg_temp.dept(county))
    RETURNING id INTO new_id;
    INSERT INTO k VALUES (label, new_id);
    RETURN new_id;
END
$$;
-- 'ok', or the SQLSTATE and message of the error a statement raises.
CREATE FUNCTION pg_temp.error_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.fails_with(sql text, state text) RETURNS boolean LANGUAGE sql AS $$
    SELECT pg_catalog.split_part(pg_temp.error_of(sql), ':', 1) = state
$$;
-- The rule in plain PostGIS.
CREATE FUNCTION pg_temp.dup_reference(county gridgov.gridcode, category text, at timestamptz, point geometry,
                                      radius_m float8, win interval)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM gridgov.cases c
    WHERE c.county = $1 AND c.category = $2 AND c.closed_at IS NULL AND c.master_case_id IS NULL
      AND c.reported_at BETWEEN $3 - $6 AND $3 + $6
      AND ST_DWithin(c.location::geography, $4::geography, $5, false)
    ORDER BY ST_Distance(c.location::geography, $4::geography, false), c.reported_at DESC, c.id
    LIMIT 1
$$;

-- The cluster: 600 cases of 990107 and 100 of 990109 within 300 m of (10, 50),
-- of two categories, reported over three days; 60 closed (rejected), 40 merged.
SELECT pg_temp.add('a' || i, CASE WHEN i <= 600 THEN '990107' ELSE '990109' END,
                   (ARRAY['E0401', 'E0402'])[1 + (i % 2)],
                   pg_temp.near(10, 50, pg_catalog.random() * 300, pg_catalog.random() * 2 * pi()),
                   '2026-03-05 00:00+08'::timestamptz + pg_catalog.random() * interval '3 days')
FROM pg_catalog.generate_series(1, 700) i \g /dev/null
SELECT gridgov.act(id, 'reject', '重复测试 不予立案') FROM k
WHERE label IN (SELECT 'a' || i FROM pg_catalog.generate_series(1, 600, 10) i) \g /dev/null
DO $$
DECLARE
    i integer;
BEGIN
    FOR i IN 5..400 BY 10 LOOP
        PERFORM gridgov.merge((SELECT id FROM k WHERE label = 'a' || i), (SELECT id FROM k WHERE label = 'a' || (i + 2)));
    END LOOP;
END
$$;

-- Probes: random centre, category, time, radius and window.
CREATE TEMP TABLE probes AS
SELECT i, (CASE WHEN i % 7 = 0 THEN '990109' ELSE '990107' END)::gridgov.gridcode AS county,
       (ARRAY['E0401', 'E0402'])[1 + (i % 2)] AS category,
       '2026-03-05 00:00+08'::timestamptz + pg_catalog.random() * interval '3 days' AS at,
       pg_temp.near(10, 50, pg_catalog.random() * 350, pg_catalog.random() * 2 * pi()) AS point,
       CASE WHEN i % 50 = 0 THEN 0 ELSE pg_catalog.random() * 250 END AS radius_m,
       (ARRAY['0', '-1 hour', '1 hour', '12 hours', '1 day', '3 days']::interval[])[1 + (i % 6)] AS win
FROM pg_catalog.generate_series(1, 400) i;
CREATE TEMP TABLE answers AS
SELECT i, gridgov.find_duplicate(county, category, at, point, radius_m, win) AS found,
       pg_temp.dup_reference(county, category, at, point, radius_m, win) AS expected
FROM probes;
SELECT is((SELECT pg_catalog.count(*) FROM answers WHERE found IS DISTINCT FROM expected), 0::bigint,
          'random probes: find_duplicate equals the brute-force PostGIS answer on all 400');
SELECT cmp_ok((SELECT pg_catalog.count(DISTINCT found) FROM answers), '>=', 150::bigint,
              'random probes: the answers are varied (at least 150 different cases found)');
SELECT cmp_ok((SELECT pg_catalog.count(*) FROM answers WHERE found IS NULL), '>=', 40::bigint,
              'random probes: and some find none');
SELECT is((SELECT pg_catalog.count(*) FROM answers a JOIN gridgov.cases c ON c.id = a.found
           WHERE c.closed_at IS NOT NULL OR c.master_case_id IS NOT NULL), 0::bigint,
          'random probes: never a closed or merged case');

-- Large radii: the index read by one array of cells (20 km) and by ranges of
-- cells (50 km, 100 km: more than 4,096 cells).
SELECT is((SELECT pg_catalog.count(*) FROM probes p, (VALUES (20000.0), (50000.0), (100000.0)) r(radius_m)
           WHERE p.i <= 30
             AND gridgov.find_duplicate(p.county, p.category, p.at, p.point, r.radius_m, p.win)
                 IS DISTINCT FROM pg_temp.dup_reference(p.county, p.category, p.at, p.point, r.radius_m, p.win)),
          0::bigint, 'radii of 20, 50 and 100 km: equal to the brute-force answer');

-- Near the radius ---------------------------------------------------------------------
-- The centre (10, 50) with the radius set to each open case's distance as
-- ST_Distance reports it (rounded to 1e-8 m, so the case itself lies just
-- inside or just outside), and 1e-9 m either side.
CREATE TEMP TABLE edge AS
SELECT c.id, c.category, ST_Distance(c.location::geography, ST_SetSRID(ST_MakePoint(10, 50), 4326)::geography, false) AS r
FROM gridgov.cases c WHERE c.county = '990107' AND c.closed_at IS NULL AND c.master_case_id IS NULL;
SELECT is((SELECT pg_catalog.count(*) FROM edge, (VALUES (-1e-9), (0.0), (1e-9)) d(delta)
           WHERE gridgov.find_duplicate('990107', edge.category, '2026-03-06 12:00+08', ST_SetSRID(ST_MakePoint(10, 50), 4326),
                                        edge.r + d.delta, '2 days')
                 IS DISTINCT FROM pg_temp.dup_reference('990107', edge.category, '2026-03-06 12:00+08',
                                                        ST_SetSRID(ST_MakePoint(10, 50), 4326), edge.r + d.delta, '2 days')),
          0::bigint, 'radius at each case''s reported distance, and 1e-9 m either side: equal to the brute-force answer');

-- The exact distance at which ST_DWithin flips (bisected over doubles), for
-- single cases in their own category E0403 far apart: found at that radius,
-- not at the double just below it.
CREATE FUNCTION pg_temp.flip(a geometry, b geometry) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    lo float8 := 0;
    hi float8 := 200000;
    mid float8;
BEGIN
    LOOP
        mid := lo + (hi - lo) / 2;
        EXIT WHEN mid = lo OR mid = hi;
        IF ST_DWithin(a::geography, b::geography, mid, false) THEN hi := mid; ELSE lo := mid; END IF;
    END LOOP;
    RETURN hi;
END
$$;
CREATE TEMP TABLE flips AS
SELECT i, ST_SetSRID(ST_MakePoint(20 + i, -60 + i * 2.5), 4326) AS centre,
       pg_temp.add('f' || i, '990107', 'E0403',
                   pg_temp.near(20 + i, -60 + i * 2.5, pg_catalog.random() * 150, pg_catalog.random() * 2 * pi()),
                   '2026-03-05 08:00+08') AS id
FROM pg_catalog.generate_series(1, 40) i;
ALTER TABLE flips ADD COLUMN d float8;
UPDATE flips f SET d = pg_temp.flip(c.location, f.centre) FROM gridgov.cases c WHERE c.id = f.id;
SELECT is((SELECT pg_catalog.count(*) FROM flips
           WHERE gridgov.find_duplicate('990107', 'E0403', '2026-03-05 08:00+08', centre, d, '1 hour') = id), 40::bigint,
          'ties at the radius: a case at exactly the radius (as ST_DWithin computes it) is found (bound included)');
SELECT is((SELECT pg_catalog.count(*) FROM flips
           WHERE gridgov.find_duplicate('990107', 'E0403', '2026-03-05 08:00+08', centre, d - d * 1.2e-16, '1 hour') IS NULL
             AND pg_temp.dup_reference('990107', 'E0403', '2026-03-05 08:00+08', centre, d - d * 1.2e-16, '1 hour') IS NULL
             AND d - d * 1.2e-16 < d), 40::bigint,
          'ties at the radius: at the double just below it, neither finds it');

-- The window ------------------------------------------------------------------------
SELECT pg_temp.add('w', '990107', 'E0404', ST_SetSRID(ST_MakePoint(11, 50), 4326), '2026-03-05 08:00+08') \g /dev/null
CREATE TEMP TABLE wins AS
SELECT at, gridgov.find_duplicate('990107', 'E0404', at, ST_SetSRID(ST_MakePoint(11, 50.0001), 4326), 100, '1 day') AS found,
       pg_temp.dup_reference('990107', 'E0404', at, ST_SetSRID(ST_MakePoint(11, 50.0001), 4326), 100, '1 day') AS expected
FROM (VALUES ('2026-03-04 08:00+08'::timestamptz), ('2026-03-06 08:00+08'), ('2026-03-04 07:59:59.999999+08'),
             ('2026-03-06 08:00:00.000001+08'), ('2026-03-05 08:00+08')) v(at);
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', pg_catalog.to_char(at AT TIME ZONE 'Asia/Shanghai', 'DD HH24:MI:SS.US'),
                                                          COALESCE((found = (SELECT id FROM k WHERE label = 'w'))::text, 'none')),
                                      ' ' ORDER BY at)
           FROM wins),
          '04 07:59:59.999999:none 04 08:00:00.000000:true 05 08:00:00.000000:true 06 08:00:00.000000:true 06 08:00:00.000001:none',
          'window: reported exactly win before or after counts, a microsecond beyond does not');
SELECT is((SELECT pg_catalog.count(*) FROM wins WHERE found IS DISTINCT FROM expected), 0::bigint,
          'window: equal to the brute-force answer at its edges');

-- What is left out, and ties ---------------------------------------------------------
-- At (12, 50): an open case 40 m away; nearer, a closed one, a merged one, one
-- of another county and one of another category.
SELECT pg_temp.add('x-open', '990107', 'E0405', pg_temp.near(12, 50, 40, 0), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('x-closed', '990107', 'E0405', pg_temp.near(12, 50, 10, 0), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('x-master', '990107', 'E0405', pg_temp.near(12, 50, 500, 0), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('x-merged', '990107', 'E0405', pg_temp.near(12, 50, 12, 0), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('x-county', '990109', 'E0405', pg_temp.near(12, 50, 5, 0), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('x-category', '990107', 'E0406', pg_temp.near(12, 50, 5, 0), '2026-03-05 08:00+08') \g /dev/null
SELECT gridgov.act((SELECT id FROM k WHERE label = 'x-closed'), 'reject', '不予立案') \g /dev/null
SELECT gridgov.merge((SELECT id FROM k WHERE label = 'x-merged'), (SELECT id FROM k WHERE label = 'x-master')) \g /dev/null
SELECT is(gridgov.find_duplicate('990107', 'E0405', '2026-03-05 09:00+08', ST_SetSRID(ST_MakePoint(12, 50), 4326), 100, '1 day'),
          (SELECT id FROM k WHERE label = 'x-open'),
          'left out: closed, merged, other-county and other-category cases, though nearer');
-- At (13, 50): three cases at the same place, two reported at 09:00 (the
-- lower id first), one at 08:00; then two cases east and west at the same
-- distance, the western one reported later.
SELECT pg_temp.add('t-early', '990107', 'E0407', ST_SetSRID(ST_MakePoint(13, 50.0003), 4326), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('t-late-1', '990107', 'E0407', ST_SetSRID(ST_MakePoint(13, 50.0003), 4326), '2026-03-05 09:00+08') \g /dev/null
SELECT pg_temp.add('t-late-2', '990107', 'E0407', ST_SetSRID(ST_MakePoint(13, 50.0003), 4326), '2026-03-05 09:00+08') \g /dev/null
SELECT is(gridgov.find_duplicate('990107', 'E0407', '2026-03-05 10:00+08', ST_SetSRID(ST_MakePoint(13, 50), 4326), 100, '1 day'),
          (SELECT id FROM k WHERE label = 't-late-1'),
          'ties: at the same distance the later report wins, then the lower id');
SELECT pg_temp.add('t-east', '990107', 'E0408', ST_SetSRID(ST_MakePoint(13.0005, 50), 4326), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('t-west', '990107', 'E0408', ST_SetSRID(ST_MakePoint(12.9995, 50), 4326), '2026-03-05 08:30+08') \g /dev/null
SELECT is(ARRAY[gridgov.find_duplicate('990107', 'E0408', '2026-03-05 10:00+08', ST_SetSRID(ST_MakePoint(13, 50), 4326), 100, '1 day'),
                pg_temp.dup_reference('990107', 'E0408', '2026-03-05 10:00+08', ST_SetSRID(ST_MakePoint(13, 50), 4326), 100, '1 day')],
          ARRAY[(SELECT id FROM k WHERE label = 't-west'), (SELECT id FROM k WHERE label = 't-west')],
          'ties: east and west at one distance (as ST_Distance reports it): the later report, as the brute force orders them');

-- The antimeridian and the poles -------------------------------------------------------
SELECT pg_temp.add('m-east', '990107', 'E0409', ST_SetSRID(ST_MakePoint(179.9996, 10), 4326), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('m-pole', '990107', 'E0501', ST_SetSRID(ST_MakePoint(0, 89.9996), 4326), '2026-03-05 08:00+08') \g /dev/null
SELECT pg_temp.add('m-south', '990107', 'E0501', ST_SetSRID(ST_MakePoint(-45, -89.9999), 4326), '2026-03-05 08:00+08') \g /dev/null
SELECT is(ARRAY[gridgov.find_duplicate('990107', 'E0409', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(-179.9996, 10), 4326), 100, '1 hour'),
                gridgov.find_duplicate('990107', 'E0501', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(180, 89.9996), 4326), 100, '1 hour'),
                gridgov.find_duplicate('990107', 'E0501', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(0, 90), 4326), 50, '1 hour'),
                gridgov.find_duplicate('990107', 'E0501', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(135, -89.9999), 4326), 30, '1 hour')],
          ARRAY[(SELECT id FROM k WHERE label = 'm-east'), (SELECT id FROM k WHERE label = 'm-pole'),
                (SELECT id FROM k WHERE label = 'm-pole'), (SELECT id FROM k WHERE label = 'm-south')],
          'across the antimeridian (88 m) and round the poles (89 m, 44 m, 22 m): found');
SELECT is((SELECT pg_catalog.count(*) FROM (VALUES (-179.9996, 10.0, 'E0409', 100.0), (180, 89.9996, 'E0501', 100),
                                                   (0, 90, 'E0501', 50), (135, -89.9999, 'E0501', 30), (-179.9996, 10.0, 'E0409', 80),
                                                   (90, 89.9996, 'E0501', 60)) v(x, y, cat, r)
           WHERE gridgov.find_duplicate('990107', cat, '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(x, y), 4326), r, '1 hour')
                 IS DISTINCT FROM pg_temp.dup_reference('990107', cat, '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(x, y), 4326), r, '1 hour')),
          0::bigint, 'antimeridian and poles: equal to the brute-force answer (also just out of reach)');

-- Intake -----------------------------------------------------------------------------
-- New cases filed one by one near the cluster, with the default radius and
-- window, are flagged with what the brute force finds just before each.
CREATE TEMP TABLE intake (i integer, expected bigint, flagged bigint);
DO $$
DECLARE
    p record;
    expected bigint;
    flagged bigint;
BEGIN
    FOR p IN SELECT * FROM probes WHERE i <= 80 LOOP
        expected := pg_temp.dup_reference(p.county, p.category, p.at, p.point, 100, '24 hours');
        INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at, department_id)
        VALUES (p.county, 'app', 'dup-in-' || p.i, p.category, '重复测试 立案', p.point, p.at, pg_temp.dept(p.county::text))
        RETURNING possible_duplicate_of INTO flagged;
        INSERT INTO intake VALUES (p.i, expected, flagged);
    END LOOP;
END
$$;
SELECT is((SELECT pg_catalog.count(*) FROM intake WHERE flagged IS DISTINCT FROM expected), 0::bigint,
          'intake: each new case is flagged with the brute-force answer');
SELECT cmp_ok((SELECT pg_catalog.count(flagged) FROM intake), '>=', 30::bigint, 'intake: and most are flagged');
-- A role that may INSERT cases but not read them (a login of the district
-- center's staff, in no group role): the intake searches as the owner of the
-- history; find_duplicate, with the caller's rights, refuses.
CREATE ROLE dup_writer NOLOGIN;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '重复测试员', id, 'dup_writer' FROM gridgov.departments WHERE code = 'dup-cc';
GRANT USAGE ON SCHEMA gridgov TO dup_writer;
GRANT SELECT ON gridgov.categories, gridgov.workflows, gridgov.workflow_states, gridgov.transitions,
      gridgov.departments, gridgov.settings, gridgov.routing_rules, gridgov.components, gridgov.grids,
      gridgov.staff, gridgov.grid_staff TO dup_writer;
GRANT INSERT ON gridgov.cases TO dup_writer;
SET LOCAL ROLE dup_writer;
INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at, department_id)
VALUES ('990107', 'app', 'dup-writer', 'E0404', '重复测试 无读权限', ST_SetSRID(ST_MakePoint(11, 50.0002), 4326),
        '2026-03-05 09:00+08', (SELECT id FROM gridgov.departments WHERE code = 'dup-cc'));
SELECT pg_temp.error_of($$SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 09:00+08',
                                                         ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '1 day')$$) AS writer_error \gset
RESET ROLE;
SELECT is(:'writer_error'::text, '42501: permission denied for table cases',
          'privileges: find_duplicate needs SELECT on gridgov.cases');
SELECT is((SELECT possible_duplicate_of FROM gridgov.cases WHERE external_id = 'dup-writer'), (SELECT id FROM k WHERE label = 'w'),
          'privileges: a role with INSERT and no SELECT on cases still gets its new case flagged');
-- With SELECT on the columns read, the search finds what the caller's scope
-- holds (row-level security applies to it: docs/security.md): nothing while
-- its login is in no group role, the case once it dispatches for the district
-- center.
GRANT SELECT (id, county, category, location, reported_at, closed_at, master_case_id, grid, department_id)
      ON gridgov.cases TO dup_writer;
SET LOCAL ROLE dup_writer;
SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 09:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '1 day')
       IS NULL AS writer_found_none \gset
RESET ROLE;
SELECT ok(:'writer_found_none', 'scope: SELECT on the columns read, and the case outside the caller''s scope: not found');
GRANT gridgov_dispatcher TO dup_writer;
SET LOCAL ROLE dup_writer;
SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 09:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '1 day')
       AS writer_found \gset
RESET ROLE;
SELECT is(:'writer_found'::bigint, (SELECT id FROM k WHERE label = 'w'),
          'scope: a dispatcher of the district center finds it');

-- Arguments --------------------------------------------------------------------------
SELECT is((SELECT pg_catalog.count(*) FROM (VALUES
              (gridgov.find_duplicate(NULL, 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '1 day')),
              (gridgov.find_duplicate('990107', NULL, '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '1 day')),
              (gridgov.find_duplicate('990107', 'E0404', NULL, ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '1 day')),
              (gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', NULL, 100, '1 day')),
              (gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), NULL, '1 day')),
              (gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, NULL))) v(f)
           WHERE f IS NULL), 6::bigint, 'arguments: any NULL argument gives NULL');
SELECT is(ARRAY[gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 0, '1 day'),
                gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50.0000001), 4326), 0, '1 day'),
                gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100, '-1 day')],
          ARRAY[(SELECT id FROM k WHERE label = 'w'), NULL, NULL],
          'arguments: radius 0 finds only the same point; a negative window finds nothing');
SELECT throws_ok($$SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 'NaN', '1 day')$$,
                 '22023', 'radius_m must be between 0 and 100000 metres, not NaN', 'arguments: a NaN radius is 22023');
SELECT is((SELECT pg_catalog.count(*) FROM (VALUES (-1.0), (100000.001), ('Infinity'), ('-Infinity')) v(r)
           WHERE NOT pg_temp.fails_with($$SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08',
                                            ST_SetSRID(ST_MakePoint(11, 50), 4326), $$ || pg_catalog.quote_literal(r) || $$, '1 day')$$, '22023')),
          0::bigint, 'arguments: a radius below 0, above 100,000 or infinite is 22023');
SELECT is((SELECT pg_catalog.count(*) FROM (VALUES ('LINESTRING(11 50, 11 50.1)'), ('POINT EMPTY'), ('POINT(181 50)'),
                                                   ('POINT(11 91)'), ('MULTIPOINT((11 50))')) v(g)
           WHERE NOT pg_temp.fails_with(pg_catalog.format($$SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08',
                                            ST_SetSRID(%L::geometry, 4326), 100, '1 day')$$, g), '22023')),
          0::bigint, 'arguments: a line, an empty point, a multipoint, coordinates out of range: 22023');
SELECT throws_ok($$SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_MakePoint('NaN', 50), 100, '1 day')$$,
                 '22023', NULL, 'arguments: a NaN coordinate is 22023');
SELECT is(gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08',
                                 ST_Transform(ST_SetSRID(ST_MakePoint(11, 50.00003), 4326), 3857), 100, '1 day'),
          (SELECT id FROM k WHERE label = 'w'), 'arguments: a point of another SRID is transformed to WGS-84');
SELECT throws_ok($$SELECT gridgov.find_duplicate('990107', 'E0404', '2026-03-05 08:00+08', ST_SetSRID(ST_MakePoint(11, 50), 4326), 100,
                                                  '178000000 years')$$,
                 '22008', 'timestamp out of range', 'arguments: a window beyond the range of timestamps is 22008');

-- The index, found by its shape ---------------------------------------------------------
-- Scans of an index in this transaction so far.
CREATE FUNCTION pg_temp.scans(index_name text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_catalog.pg_stat_get_xact_numscans(pg_catalog.to_regclass('gridgov.' || index_name))
$$;
-- The answers now (the intake tests added cases), through the index as created.
CREATE TEMP TABLE base AS
SELECT i, gridgov.find_duplicate(county, category, at, point, radius_m, win) AS found FROM probes;
ALTER INDEX gridgov.cases_open_duplicate_key RENAME TO dup_renamed;
CREATE TEMP TABLE before AS SELECT pg_temp.scans('dup_renamed') AS n;
SELECT is((SELECT pg_catalog.count(*) FROM probes p JOIN base a USING (i)
           WHERE p.i <= 100 AND gridgov.find_duplicate(p.county, p.category, p.at, p.point, p.radius_m, p.win) IS DISTINCT FROM a.found),
          0::bigint, 'index: renamed, the answers are the same');
SELECT cmp_ok(pg_temp.scans('dup_renamed'), '>=', (SELECT n FROM before) + 80,
              'index: renamed, it is still read (found by its shape, not its name)');
-- Only indexes of another shape: the table is read whole, with the same answers.
SET LOCAL client_min_messages = error;
CREATE INDEX dup_pattern ON gridgov.cases (county, category text_pattern_ops,
    gridgov.duplicate_cell(ST_X(location), ST_Y(location)), reported_at, ST_X(location), ST_Y(location)) WHERE closed_at IS NULL;
CREATE INDEX dup_partial ON gridgov.cases (county, category,
    gridgov.duplicate_cell(ST_X(location), ST_Y(location)), reported_at, ST_X(location), ST_Y(location)) WHERE category = 'E0401';
DROP INDEX gridgov.dup_renamed;
SELECT is((SELECT pg_catalog.count(*) FROM probes p JOIN base a USING (i)
           WHERE gridgov.find_duplicate(p.county, p.category, p.at, p.point, p.radius_m, p.win) IS DISTINCT FROM a.found),
          0::bigint, 'index: without one of its shape the table is read, with the same 400 answers');
SELECT is(pg_temp.scans('dup_pattern') + pg_temp.scans('dup_partial'), 0::bigint,
          'index: one with another operator class or another predicate is not read');
SELECT is((SELECT pg_catalog.count(*) FROM flips WHERE gridgov.find_duplicate('990107', 'E0403', '2026-03-05 08:00+08', centre, d, '1 hour') = id),
          40::bigint, 'index: reading the table, a case at exactly the radius is still found');
-- One of the shape without a predicate is read.
CREATE INDEX dup_all ON gridgov.cases (county, category,
    gridgov.duplicate_cell(ST_X(location), ST_Y(location)), reported_at, ST_X(location), ST_Y(location));
SELECT is((SELECT pg_catalog.count(*) FROM probes p JOIN base a USING (i)
           WHERE p.i <= 100 AND gridgov.find_duplicate(p.county, p.category, p.at, p.point, p.radius_m, p.win) IS DISTINCT FROM a.found),
          0::bigint, 'index: one of the shape without a predicate gives the same answers');
SELECT cmp_ok(pg_temp.scans('dup_all'), '>=', 80::bigint, 'index: and is read');

-- Row-level security ----------------------------------------------------------------------
-- The search applies the caller's scope to each candidate (the policy's own
-- check): the nearest likely duplicate of another county's probe, which the
-- superuser finds, is not the district dispatcher's to see.
SELECT p.county AS far_county, p.category AS far_category, p.at AS far_at, ST_AsEWKT(p.point) AS far_point,
       p.radius_m AS far_radius, p.win AS far_win
FROM probes p JOIN base a USING (i) WHERE p.county OPERATOR(gridgov.=) '990109' AND a.found IS NOT NULL
ORDER BY p.i LIMIT 1 \gset
SET LOCAL ROLE dup_writer;
SELECT gridgov.find_duplicate(:'far_county', :'far_category', :'far_at', :'far_point'::geometry, :'far_radius', :'far_win')
       IS NULL AS far_none \gset
RESET ROLE;
SELECT ok(gridgov.find_duplicate(:'far_county', :'far_category', :'far_at', :'far_point'::geometry, :'far_radius', :'far_win')
          IS NOT NULL AND :'far_none',
          'scope: a likely duplicate in another county is found for the superuser, not for the dispatcher');

SELECT * FROM finish();
ROLLBACK;

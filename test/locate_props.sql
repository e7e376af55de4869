-- locate() against plain PostGIS on the demo city (tools/democity.sql, seed 1):
-- 10,000 random points, every unit-grid vertex sample and edge midpoints (ties
-- on shared edges, decided by the documented rule), special grids, the
-- tolerance band around the district.  (Cross-session invalidation:
-- test/cache_sessions.sql.)
\i tools/democity.sql
BEGIN;
SELECT plan(9);
SET LOCAL search_path = public, gridgov, democity;

SELECT ok(democity.build(1) > 3000, 'demo city built');

-- Reference: the documented rule written directly in SQL over ST_Covers.
CREATE TEMP TABLE pts (id int PRIMARY KEY, kind text, p geometry(Point, 4326));
CREATE FUNCTION pg_temp.rule(p geometry) RETURNS gridgov.gridcode LANGUAGE sql STABLE AS $$
    SELECT code FROM gridgov.grids g
    WHERE g.valid_from <= pg_catalog.now() AND pg_catalog.now() < g.valid_to AND ST_Covers(g.geom, p)
    ORDER BY g.kind = 'special' DESC, g.level DESC, g.code
    LIMIT 1
$$;

SELECT pg_catalog.setseed(0.31);
INSERT INTO pts
SELECT i, 'random', ST_SetSRID(ST_MakePoint(
           e.xmin + pg_catalog.random() * (e.xmax - e.xmin),
           e.ymin + pg_catalog.random() * (e.ymax - e.ymin)), 4326)
FROM pg_catalog.generate_series(1, 10000) i,
     (SELECT ST_XMin(b) xmin, ST_XMax(b) xmax, ST_YMin(b) ymin, ST_YMax(b) ymax
      FROM (SELECT ST_Extent(geom)::geometry b FROM gridgov.grids WHERE code = '110115') s) e;
-- Vertices of unit grids (on shared edges and corners) and midpoints of their edges.
INSERT INTO pts
SELECT 100000 + pg_catalog.row_number() OVER (), 'vertex', d.geom
FROM (SELECT (ST_DumpPoints(geom)).geom FROM gridgov.grids
      WHERE level = 6 AND kind = 'general' ORDER BY code LIMIT 600) d;
INSERT INTO pts
SELECT 200000 + pg_catalog.row_number() OVER (), 'midpoint',
       ST_SetSRID(ST_MakePoint((ST_X(a) + ST_X(b)) / 2, (ST_Y(a) + ST_Y(b)) / 2), 4326)
FROM (SELECT ST_PointN(r, n) a, ST_PointN(r, n + 1) b
      FROM (SELECT ST_ExteriorRing((ST_Dump(geom)).geom) r FROM gridgov.grids
            WHERE level = 6 AND kind = 'general' ORDER BY code LIMIT 300) rings,
           pg_catalog.generate_series(1, 6) n
      WHERE n < ST_NPoints(r)) e;

SELECT is((SELECT pg_catalog.count(*) FROM pts WHERE kind = 'random'
           AND gridgov.locate(p) IS DISTINCT FROM
               COALESCE(pg_temp.rule(p), gridgov.locate_reference(p, pg_catalog.now(), 50))),
          0::bigint, 'locate = ST_Covers reference with the documented rule on 10,000 random points');
SELECT ok((SELECT pg_catalog.count(DISTINCT gridgov.locate(p)) FROM pts WHERE kind = 'random') > 1000,
          'random points spread over more than 1,000 grids');
SELECT is((SELECT pg_catalog.count(*) FROM pts WHERE kind IN ('vertex', 'midpoint')
           AND gridgov.locate(p) IS DISTINCT FROM pg_temp.rule(p)),
          0::bigint, 'on shared edges and vertices locate picks what the rule picks (exact predicates agree)');
SELECT ok((SELECT pg_catalog.count(*) FROM pts t WHERE kind = 'vertex'
           AND (SELECT pg_catalog.count(*) FROM gridgov.grids g WHERE g.level = 6 AND ST_Covers(g.geom, t.p)) > 1) > 100,
          'many test points lie on boundaries shared by several unit grids');

-- Special grids win over the general grids under them.
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.grids s
           WHERE s.kind = 'special'
             AND gridgov.locate(ST_PointOnSurface(s.geom)) OPERATOR(gridgov.<>) s.code),
          0::bigint, 'a point inside a special grid is located in it');

-- Tolerance band outside the district: nearest grid within 50 m, NULL beyond.
CREATE TEMP TABLE outside AS
SELECT ST_Project(v.geom::geography, d, az)::geometry AS p, d
FROM (SELECT (ST_DumpPoints(ST_ExteriorRing((ST_Dump(geom)).geom))).geom
      FROM gridgov.grids WHERE code = '110115') v,
     (VALUES (20.0), (45.0), (120.0)) dd(d),
     (VALUES (0.0), (pi() / 2), (pi()), (3 * pi() / 2)) az(az)
WHERE NOT ST_Covers((SELECT geom FROM gridgov.grids WHERE code = '110115'),
                    ST_Project(v.geom::geography, d, az)::geometry);
SELECT is((SELECT pg_catalog.count(*) FROM outside
           WHERE gridgov.locate(p) IS DISTINCT FROM gridgov.locate_reference(p, pg_catalog.now(), 50)),
          0::bigint, 'outside the district: nearest grid within the tolerance (ties by the rule), NULL beyond, as the PostGIS reference says');
SELECT ok((SELECT pg_catalog.count(*) FILTER (WHERE gridgov.locate(p) IS NOT NULL) > 1000
              AND pg_catalog.count(*) FILTER (WHERE gridgov.locate(p) IS NULL) > 1000 FROM outside),
          'the band outside the district has both located (20 m, 45 m) and unlocated (120 m) points');

-- Rebuilding the (large) index within one session, after a change to the layer.
CREATE TEMP TABLE builds AS SELECT builds FROM gridgov.locate_cache_stats();
INSERT INTO gridgov.grids (code, name, geom)
VALUES ('650102001001001', 'rebuild test', ST_Multi(ST_MakeEnvelope(87.5, 43.8, 87.6, 43.9, 4326)));
SELECT results_eq(
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text,
             (SELECT builds FROM gridgov.locate_cache_stats()) > (SELECT builds FROM builds),
             (SELECT grid_versions FROM gridgov.locate_cache_stats())$$,
    $$VALUES ('650102001001001', true, (SELECT pg_catalog.count(*)::integer FROM gridgov.grids))$$,
    'after a change the index of the whole city is rebuilt in the same session and used');

SELECT * FROM finish();
ROLLBACK;

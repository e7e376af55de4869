-- Property checks of gridgov.to_wgs84 / gridgov.from_wgs84 over lattices of
-- points across the China box (every 0.1°, edges included: 363,000 points),
-- Beijing (every 0.02°), a ring around the box and the rest of the world, and
-- over random polygons: round trips, offset ranges, the box, the inverse being
-- an exact preimage or the identity, validity and vertex counts.
BEGIN;
SELECT plan(15);

-- Lattice over the box, with its edges: lon 72.004 .. 137.8347, lat 0.8293 .. 55.8271.
CREATE TEMP TABLE lattice AS
SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS w
FROM (SELECT 72.004 + 0.1 * i AS lon FROM pg_catalog.generate_series(0, 658) i
      UNION ALL SELECT 137.8347) x,
     (SELECT 0.8293 + 0.1 * j AS lat FROM pg_catalog.generate_series(0, 549) j
      UNION ALL SELECT 55.8271) y;

CREATE TEMP TABLE conv AS
SELECT w, g, b, gridgov.to_wgs84(g, 'gcj02') AS gw, gridgov.to_wgs84(b, 'bd09') AS bw
FROM (SELECT w, gridgov.from_wgs84(w, 'gcj02') AS g, gridgov.from_wgs84(w, 'bd09') AS b
      FROM lattice) s;

SELECT is((SELECT pg_catalog.count(*) FROM conv), 363660::bigint,
          'the lattice covers the box every 0.1 degree, edges included');

SELECT cmp_ok((SELECT pg_catalog.max(GREATEST(pg_catalog.abs(ST_X(gw) - ST_X(w)),
                                              pg_catalog.abs(ST_Y(gw) - ST_Y(w)))) FROM conv),
              '<=', 1e-8::float8, 'wgs84 -> gcj02 -> wgs84 is within 1e-8 degree everywhere in the box');

SELECT cmp_ok((SELECT pg_catalog.max(GREATEST(pg_catalog.abs(ST_X(bw) - ST_X(w)),
                                              pg_catalog.abs(ST_Y(bw) - ST_Y(w)))) FROM conv),
              '<=', 1e-8::float8, 'wgs84 -> bd09 -> wgs84 is within 1e-8 degree everywhere in the box');

-- GCJ-02 / BD-09 points taken from the lattice and sent back and forth. Within
-- ~0.01 degree inside the west and south edges a GCJ-02 point has no WGS-84
-- preimage (docs/coordinates.md), so this lattice keeps 0.05 degree away.
SELECT cmp_ok((SELECT pg_catalog.max(GREATEST(pg_catalog.abs(ST_X(x) - ST_X(w)),
                                              pg_catalog.abs(ST_Y(x) - ST_Y(w))))
               FROM (SELECT w, gridgov.from_wgs84(gridgov.to_wgs84(w, s), s) AS x
                     FROM lattice, (VALUES ('gcj02'), ('bd09')) t(s)
                     WHERE ST_X(w) BETWEEN 72.054 AND 137.7847
                       AND ST_Y(w) BETWEEN 0.8793 AND 55.7771) r),
              '<=', 1e-8::float8, 'gcj02 -> wgs84 -> gcj02 and bd09 -> wgs84 -> bd09 within 1e-8 degree');

-- Everywhere, with no margin: the inverse returns either its input unchanged or
-- an exact preimage (whose forward image is the input).
SELECT is((SELECT pg_catalog.count(*)
           FROM (SELECT w, s, gridgov.to_wgs84(w, s) AS x
                 FROM lattice, (VALUES ('gcj02'), ('bd09')) t(s)) r
           WHERE NOT ST_Equals(x, w)
             AND ST_Distance(gridgov.from_wgs84(x, s), w) > 1e-8),
          0::bigint, 'the inverse is the identity or an exact preimage at every lattice point');

-- Offsets over the box. Measured on this lattice: WGS-84 -> GCJ-02 1.6 m
-- (98.5 E 2.1 N, in the sea off Sumatra, where the offset field crosses zero)
-- .. 734.8 m (131.4 E 55.5 N); GCJ-02 -> BD-09 751.5 .. 1012.1 m.
SELECT is((SELECT pg_catalog.count(*) FROM conv
           WHERE ST_Distance(w::geography, g::geography) > 750),
          0::bigint, 'WGS-84 -> GCJ-02 moves no box point by more than 750 m');
SELECT is((SELECT pg_catalog.count(*) FROM conv
           WHERE NOT ST_Distance(g::geography, b::geography) BETWEEN 740 AND 1030),
          0::bigint, 'GCJ-02 -> BD-09 moves every box point by 740 .. 1030 m');

-- Beijing municipality (115.4 .. 117.5 E, 39.4 .. 41.1 N) every 0.02 degree.
-- Measured: WGS-84 -> GCJ-02 502 .. 614 m, GCJ-02 -> BD-09 837 .. 896 m.
CREATE TEMP TABLE beijing AS
SELECT w, gridgov.from_wgs84(w, 'gcj02') AS g, gridgov.from_wgs84(w, 'bd09') AS b
FROM (SELECT ST_SetSRID(ST_MakePoint(115.4 + 0.02 * i, 39.4 + 0.02 * j), 4326) AS w
      FROM pg_catalog.generate_series(0, 105) i, pg_catalog.generate_series(0, 85) j) s;
SELECT is((SELECT pg_catalog.count(*) FROM beijing
           WHERE NOT ST_Distance(w::geography, g::geography) BETWEEN 495 AND 625),
          0::bigint, 'in Beijing WGS-84 -> GCJ-02 is 495 .. 625 m');
SELECT is((SELECT pg_catalog.count(*) FROM beijing
           WHERE NOT ST_Distance(g::geography, b::geography) BETWEEN 830 AND 900),
          0::bigint, 'in Beijing GCJ-02 -> BD-09 is 830 .. 900 m');
-- In Beijing the GCJ-02 shift is to the north-east (both components positive).
SELECT is((SELECT pg_catalog.count(*) FROM beijing WHERE ST_X(g) <= ST_X(w) OR ST_Y(g) <= ST_Y(w)),
          0::bigint, 'in Beijing GCJ-02 lies north-east of WGS-84');

-- Outside the box: the world every 1 degree, and a ring 0.2 degree wide
-- around the box (every 0.002 degree across the edge, 0.5 degree along it).
CREATE TEMP TABLE outside AS
SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS w
FROM pg_catalog.generate_series(-180, 180) lon, pg_catalog.generate_series(-90, 90) lat
WHERE NOT (lon BETWEEN 71 AND 139 AND lat BETWEEN 0 AND 57)
UNION ALL
SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326)
FROM (SELECT 72.004 - 0.002 * k AS lon FROM pg_catalog.generate_series(1, 100) k
      UNION ALL SELECT 137.8347 + 0.002 * k FROM pg_catalog.generate_series(1, 100) k) x,
     (SELECT 0.6293 + 0.5 * j AS lat FROM pg_catalog.generate_series(0, 111) j) y
UNION ALL
SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326)
FROM (SELECT 72.004 + 0.5 * i AS lon FROM pg_catalog.generate_series(0, 131) i) x,
     (SELECT 0.8293 - 0.002 * k AS lat FROM pg_catalog.generate_series(1, 100) k
      UNION ALL SELECT 55.8271 + 0.002 * k FROM pg_catalog.generate_series(1, 100) k) y;
SELECT is((SELECT pg_catalog.count(*)
           FROM outside, (VALUES ('gcj02'), ('bd09')) t(s)
           WHERE ST_AsBinary(gridgov.from_wgs84(w, s)) <> ST_AsBinary(w)),
          0::bigint, 'from_wgs84 leaves every point outside the box unchanged');
SELECT is((SELECT pg_catalog.count(*)
           FROM outside, (VALUES ('gcj02'), ('bd09')) t(s)
           WHERE (ST_X(w) < 71.904 OR ST_X(w) > 137.9347 OR ST_Y(w) < 0.7293 OR ST_Y(w) > 55.9271)
             AND ST_AsBinary(gridgov.to_wgs84(w, s)) <> ST_AsBinary(w)),
          0::bigint, 'to_wgs84 leaves every point farther than 0.1 degree from the box unchanged');
SELECT is((SELECT pg_catalog.count(*)
           FROM outside, (VALUES ('gcj02'), ('bd09')) t(s), LATERAL (SELECT gridgov.to_wgs84(w, s) AS x) r
           WHERE NOT ST_Equals(x, w) AND ST_Distance(gridgov.from_wgs84(x, s), w) > 1e-8),
          0::bigint, 'outside the box, to_wgs84 is the identity or an exact preimage');

-- A whole MultiPoint converts exactly as its points do one by one.
CREATE TEMP TABLE some_points AS
SELECT pg_catalog.row_number() OVER (ORDER BY ST_X(w), ST_Y(w)) AS n, w
FROM lattice ORDER BY ST_X(w), ST_Y(w) LIMIT 20000;
SELECT is((SELECT pg_catalog.count(*)
           FROM some_points p
           JOIN ST_Dump((SELECT gridgov.from_wgs84(ST_Collect(w ORDER BY n), 'bd09') FROM some_points)) d
             ON d.path[1] = p.n
           WHERE ST_AsBinary(d.geom) = ST_AsBinary(gridgov.from_wgs84(p.w, 'bd09'))),
          20000::bigint, 'a MultiPoint of 20,000 points converts exactly like its points');

-- Random polygons with a hole across the box (radius 0.002 .. 0.05 degree, so
-- from unit grids to towns): vertex count, validity and round trip survive.
SELECT pg_catalog.setseed(0.3);
CREATE TEMP TABLE polys AS
SELECT k, ST_Difference(ST_Buffer(c, r, 12), ST_Buffer(c, r / 3, 6)) AS p
FROM (SELECT k, ST_SetSRID(ST_MakePoint(73.0 + pg_catalog.random() * 64.0,
                                        1.5 + pg_catalog.random() * 54.0), 4326) AS c,
             0.002 + pg_catalog.random() * 0.048 AS r
      FROM pg_catalog.generate_series(1, 3000) k) s;
SELECT is((SELECT pg_catalog.count(*)
           FROM polys, (VALUES ('gcj02'), ('bd09')) t(s), LATERAL (SELECT gridgov.from_wgs84(p, s) AS f) x
           WHERE NOT ST_IsValid(f) OR ST_NPoints(f) <> ST_NPoints(p) OR ST_NumInteriorRings(f) <> 1
              OR ST_NPoints(gridgov.to_wgs84(f, s)) <> ST_NPoints(p)
              OR NOT ST_IsValid(gridgov.to_wgs84(f, s))
              OR ST_HausdorffDistance(gridgov.to_wgs84(f, s), p) > 1e-8),
          0::bigint, '3,000 polygons with holes keep vertex count and validity and round-trip');

SELECT * FROM finish();
ROLLBACK;

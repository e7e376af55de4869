-- coords: WGS-84 ↔ GCJ-02 ↔ BD-09 (and CGCS2000). Published vectors, values
-- cross-checked with an independent implementation, the China box and its
-- edges, every geometry type, empties, NULLs, SRID rules and bad input.

-- The supported systems, their aliases, SRIDs and the box.
SELECT name, aliases, srid, lon_min, lat_min, lon_max, lat_max FROM coord_systems();

-- Markings.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p
WHERE p.pronamespace = 'gridgov'::regnamespace
  AND p.proname IN ('to_wgs84', 'from_wgs84', 'coord_systems')
ORDER BY 1;

-- Published vector: GCJ-02 (123, 45) → WGS-84 ≈ (122.99395597, 44.99804071).
-- That published value is what a two-step iteration gives; the converged
-- inverse is 1.6e-7° away from it, and its forward image is (123, 45) again.
SELECT ST_AsText(w, 10) AS wgs84,
       abs(ST_X(w) - 122.99395597) < 1e-6 AND abs(ST_Y(w) - 44.99804071) < 1e-6 AS within_1e6,
       ST_AsText(from_wgs84(w, 'gcj02'), 10) AS forward_again,
       ST_SRID(w) AS srid
FROM (SELECT to_wgs84(ST_MakePoint(123, 45), 'gcj02') AS w) s;

-- Forward values that published implementations give (same formulas):
-- eviltransform's Go tests (Beijing, Shanghai, Shenzhen) and coordtransform's
-- README point near Tiananmen (116.404, 39.915).
SELECT place, ST_AsText(from_wgs84(ST_MakePoint(lon, lat), 'gcj02'), 10) AS gcj02,
       abs(ST_X(from_wgs84(ST_MakePoint(lon, lat), 'gcj02')) - glon) < 1e-10
       AND abs(ST_Y(from_wgs84(ST_MakePoint(lon, lat), 'gcj02')) - glat) < 1e-10 AS matches
FROM (VALUES ('beijing',   116.377817,  39.911954,  116.38404722455657, 39.91334545536069),
             ('shanghai',  121.5272106, 31.1774276, 121.531541859215,   31.17530398364597),
             ('shenzhen',  113.912316,  22.543847,  113.9171764808363,  22.540796131694766),
             ('tiananmen', 116.404,     39.915,     116.41024449916938, 39.91640428150164))
     AS v(place, lon, lat, glon, glat);

-- BD-09: coordtransform's README gives gcj02tobd09(116.404, 39.915) =
-- (116.41036949371029, 39.92133699351021); WGS-84 → BD-09 of the same
-- Tiananmen point is (116.41662724378733, 39.922699552216216) by an
-- independent Python implementation of the formulas.
SELECT ST_AsText(from_wgs84(to_wgs84(ST_MakePoint(116.404, 39.915), 'gcj02'), 'bd09'), 10) AS gcj_to_bd,
       ST_AsText(from_wgs84(ST_MakePoint(116.404, 39.915), 'bd09'), 10) AS wgs_to_bd;
-- The centre of Baidu's map API examples (116.404, 39.915 in BD-09) is at
-- Tiananmen in WGS-84; coordtransform's one-shot bd09togcj02 is 2e-6° off the
-- exact inverse.
SELECT ST_AsText(to_wgs84(ST_MakePoint(116.404, 39.915), 'bd09'), 10) AS bd_to_wgs,
       ST_AsText(from_wgs84(to_wgs84(ST_MakePoint(116.404, 39.915), 'bd09'), 'gcj02'), 10) AS bd_to_gcj,
       ST_Distance(from_wgs84(to_wgs84(ST_MakePoint(116.404, 39.915), 'bd09'), 'gcj02'),
                   ST_SetSRID(ST_MakePoint(116.39762729119315, 39.90865673957631), 4326)) < 3e-6 AS near_one_shot;

-- Offsets in metres at Tiananmen: WGS↔GCJ and GCJ↔BD.
SELECT round(ST_Distance(w::geography, from_wgs84(w, 'gcj02')::geography)) AS wgs_gcj_m,
       round(ST_Distance(from_wgs84(w, 'gcj02')::geography, from_wgs84(w, 'bd09')::geography)) AS gcj_bd_m
FROM (SELECT ST_SetSRID(ST_MakePoint(116.404, 39.915), 4326) AS w) s;

-- Names: any letter case, the aliases; SRID 0 comes back as 4326.
SELECT n, ST_AsEWKT(to_wgs84(ST_MakePoint(116.404, 39.915), n), 8) AS wgs84
FROM (VALUES ('wgs84'), ('WGS84'), ('Wgs-84'), ('wgs84ll'), ('EPSG:4326'),
             ('gcj02'), ('GCJ-02'), ('gcj02ll'), ('bd09'), ('BD-09'), ('BD09LL'),
             ('cgcs2000'), ('CGCS-2000'), ('epsg:4490')) AS v(n);

-- Unknown names.
SELECT to_wgs84(ST_MakePoint(116, 39), 'mars');
SELECT to_wgs84(ST_MakePoint(116, 39), '');
SELECT to_wgs84(ST_MakePoint(116, 39), ' gcj02');
SELECT to_wgs84(ST_MakePoint(116, 39), 'gcj02 ');
SELECT from_wgs84(ST_MakePoint(116, 39), 'gcj');
SELECT from_wgs84(ST_MakePoint(116, 39), 'epsg:3857');
SELECT from_wgs84(ST_MakePoint(116, 39), 'BD09MC');
SELECT from_wgs84(ST_MakePoint(116, 39), repeat('火星', 50));

-- NULLs (all functions are strict).
SELECT to_wgs84(NULL, 'gcj02') IS NULL AS a, to_wgs84(ST_MakePoint(116, 39), NULL) IS NULL AS b,
       from_wgs84(NULL, 'bd09') IS NULL AS c, from_wgs84(ST_MakePoint(116, 39), NULL) IS NULL AS d;

-- SRIDs: 0 or the system's own in, 4326 out of to_wgs84; 0 or 4326 into
-- from_wgs84, the system's SRID out.
SELECT ST_SRID(to_wgs84('SRID=4326;POINT(116 39)'::geometry, 'gcj02')) AS gcj_4326,
       ST_SRID(to_wgs84('POINT(116 39)'::geometry, 'bd09')) AS bd_0,
       ST_SRID(to_wgs84('SRID=4490;POINT(116 39)'::geometry, 'cgcs2000')) AS cgcs_4490,
       ST_SRID(to_wgs84('POINT(116 39)'::geometry, 'cgcs2000')) AS cgcs_0,
       ST_SRID(from_wgs84('SRID=4326;POINT(116 39)'::geometry, 'cgcs2000')) AS to_cgcs,
       ST_SRID(from_wgs84('POINT(116 39)'::geometry, 'gcj02')) AS to_gcj,
       ST_SRID(from_wgs84('SRID=4326;POINT(116 39)'::geometry, 'wgs84')) AS to_wgs;
-- CGCS2000 is the identity on coordinates.
SELECT ST_AsEWKT(to_wgs84('SRID=4490;LINESTRING(116.1 39.2,116.3 39.4)'::geometry, 'cgcs2000')) AS from_cgcs,
       ST_AsEWKT(from_wgs84('SRID=4326;LINESTRING(116.1 39.2,116.3 39.4)'::geometry, 'cgcs2000')) AS to_cgcs;
-- Other SRIDs are refused.
SELECT to_wgs84('SRID=3857;POINT(12958000 4852000)'::geometry, 'gcj02');
SELECT to_wgs84('SRID=4490;POINT(116 39)'::geometry, 'gcj02');
SELECT to_wgs84('SRID=4326;POINT(116 39)'::geometry, 'cgcs2000');
SELECT from_wgs84('SRID=4490;POINT(116 39)'::geometry, 'gcj02');
SELECT from_wgs84('SRID=3857;POINT(12958000 4852000)'::geometry, 'wgs84');
-- The hint's way out works: GCJ-02 in Web Mercator, transformed first.
SELECT ST_AsText(to_wgs84(ST_Transform(ST_Transform('SRID=4326;POINT(123 45)'::geometry, 3857), 4326), 'gcj02'), 7) AS via_mercator;

-- Outside the box nothing moves, in either direction and for every system.
SELECT place, s,
       ST_AsBinary(to_wgs84(p, s)) = ST_AsBinary(p) AS to_unchanged,
       ST_AsBinary(from_wgs84(p, s)) = ST_AsBinary(p) AS from_unchanged
FROM (VALUES ('paris', ST_MakePoint(2.35, 48.85)), ('new york', ST_MakePoint(-74.0, 40.7)),
             ('null island', ST_MakePoint(0, 0)), ('north pole', ST_MakePoint(180, 90)),
             ('antipode', ST_MakePoint(-180, -90)), ('sydney', ST_MakePoint(151.2, -33.9)),
             ('moscow', ST_MakePoint(37.6, 55.75)), ('jakarta', ST_MakePoint(106.8, -6.2)))
     AS v(place, p),
     (VALUES ('gcj02'), ('bd09')) AS t(s)
ORDER BY 1, 2;

-- The box edges belong to the box (they move); a hair outside does not move.
SELECT edge, ST_AsText(inside, 7) AS inside_pt,
       ST_AsBinary(from_wgs84(inside, 'gcj02')) <> ST_AsBinary(inside) AS inside_moves,
       ST_AsText(outside, 7) AS outside_pt,
       ST_AsBinary(from_wgs84(outside, 'gcj02')) = ST_AsBinary(outside)
       AND ST_AsBinary(from_wgs84(outside, 'bd09')) = ST_AsBinary(outside) AS outside_stays
FROM (VALUES ('west',  ST_MakePoint(72.004, 30),     ST_MakePoint(72.0039999, 30)),
             ('east',  ST_MakePoint(137.8347, 30),   ST_MakePoint(137.8347001, 30)),
             ('south', ST_MakePoint(100, 0.8293),    ST_MakePoint(100, 0.8292999)),
             ('north', ST_MakePoint(100, 55.8271),   ST_MakePoint(100, 55.8271001)),
             ('sw',    ST_MakePoint(72.004, 0.8293), ST_MakePoint(72.0039999, 0.8292999)),
             ('ne',    ST_MakePoint(137.8347, 55.8271), ST_MakePoint(137.8347001, 55.8271001)))
     AS v(edge, inside, outside);
-- Points exactly on the edges round-trip.
SELECT edge, s,
       ST_Distance(to_wgs84(from_wgs84(p, s), s), ST_SetSRID(p, 4326)) < 1e-8 AS round_trip
FROM (VALUES ('west', ST_MakePoint(72.004, 30)), ('east', ST_MakePoint(137.8347, 30)),
             ('south', ST_MakePoint(100, 0.8293)), ('north', ST_MakePoint(100, 55.8271)),
             ('sw', ST_MakePoint(72.004, 0.8293)), ('ne', ST_MakePoint(137.8347, 55.8271)))
     AS v(edge, p),
     (VALUES ('gcj02'), ('bd09')) AS t(s)
ORDER BY 1, 2;
-- Documented limits at the edges: east of the east edge the offset points
-- outward, so an outside GCJ-02 point that equals the image of a point inside
-- the box is taken to be that image; inside the west edge, a GCJ-02 point with
-- no WGS-84 preimage is left as it is.
SELECT ST_AsText(to_wgs84(ST_MakePoint(137.838, 30), 'gcj02'), 7) AS east_strip,
       ST_AsText(from_wgs84(to_wgs84(ST_MakePoint(137.838, 30), 'gcj02'), 'gcj02'), 7) AS its_image,
       ST_AsText(to_wgs84(ST_MakePoint(72.005, 30), 'gcj02'), 7) AS west_gap;

-- Every geometry type: the type, vertex count, Z and M survive, and a round
-- trip gives back the input to 9 decimals (≈ 0.1 mm).
CREATE TABLE shapes (id serial, g geometry);
INSERT INTO shapes (g) VALUES
 ('POINT(116.404 39.915)'),
 ('LINESTRING(116.3 39.8,116.4 39.9,116.5 39.85)'),
 ('POLYGON((116.3 39.8,116.5 39.8,116.5 40,116.3 40,116.3 39.8),(116.35 39.85,116.45 39.85,116.45 39.95,116.35 39.85))'),
 ('MULTIPOINT((116.1 39.1),(121.5 31.2),(113.9 22.5))'),
 ('MULTILINESTRING((116.3 39.8,116.4 39.9),(121.4 31.1,121.5 31.2,121.6 31.1))'),
 ('MULTIPOLYGON(((116.3 39.8,116.5 39.8,116.5 40,116.3 39.8)),((121.4 31.1,121.6 31.1,121.6 31.3,121.4 31.1)))'),
 ('GEOMETRYCOLLECTION(POINT(116.4 39.9),LINESTRING(116.3 39.8,116.4 39.9),GEOMETRYCOLLECTION(POINT(113.9 22.5),POLYGON((121.4 31.1,121.6 31.1,121.6 31.3,121.4 31.1))))'),
 ('CIRCULARSTRING(116.3 39.8,116.4 39.9,116.5 39.8)'),
 ('COMPOUNDCURVE(CIRCULARSTRING(116.3 39.8,116.4 39.9,116.5 39.8),(116.5 39.8,116.6 39.7))'),
 ('CURVEPOLYGON(CIRCULARSTRING(116.3 39.8,116.4 39.9,116.5 39.8,116.4 39.7,116.3 39.8),(116.38 39.78,116.42 39.78,116.42 39.82,116.38 39.78))'),
 ('MULTICURVE((116.3 39.8,116.4 39.9),CIRCULARSTRING(121.4 31.1,121.5 31.2,121.6 31.1))'),
 ('MULTISURFACE(CURVEPOLYGON(CIRCULARSTRING(116.3 39.8,116.4 39.9,116.5 39.8,116.4 39.7,116.3 39.8)),((121.4 31.1,121.6 31.1,121.6 31.3,121.4 31.1)))'),
 ('POINT Z (116.404 39.915 44.5)'),
 ('POINT M (116.404 39.915 1700000000)'),
 ('POINT ZM (116.404 39.915 44.5 7)'),
 ('LINESTRING ZM (116.3 39.8 10 1,116.4 39.9 20 2)'),
 ('POLYGON Z ((116.3 39.8 1,116.5 39.8 2,116.5 40 3,116.3 39.8 1))'),
 ('TRIANGLE((116.3 39.8,116.5 39.8,116.4 40,116.3 39.8))'),
 ('TIN(((116.3 39.8 0,116.5 39.8 0,116.4 40 0,116.3 39.8 0)),((116.5 39.8 0,116.6 40 0,116.4 40 0,116.5 39.8 0)))'),
 ('POLYHEDRALSURFACE(((116.3 39.8 0,116.5 39.8 0,116.5 40 0,116.3 39.8 0)),((116.3 39.8 0,116.5 39.8 0,116.5 39.8 5,116.3 39.8 0)))');
UPDATE shapes SET g = ST_SetSRID(g, 4326);

SELECT id, GeometryType(g) AS type, ST_NDims(g) AS dims, s,
       GeometryType(f) = GeometryType(g) AS same_type,
       ST_NPoints(f) = ST_NPoints(g) AS same_npoints,
       ST_SRID(f) AS srid,
       ST_AsText(b, 9) = ST_AsText(g, 9) AS round_trip,
       NOT ST_OrderingEquals(f, g) AS moved
FROM shapes, (VALUES ('gcj02'), ('bd09')) AS t(s),
     LATERAL (SELECT from_wgs84(g, s) AS f) x,
     LATERAL (SELECT to_wgs84(f, s) AS b) y
ORDER BY id, s;

-- What the conversion looks like (GCJ-02, 6 decimals): X/Y shift, Z and M stay.
SELECT id, ST_AsText(from_wgs84(g, 'gcj02'), 6) AS gcj02
FROM shapes WHERE id IN (2, 3, 8, 14, 15, 16, 18) ORDER BY id;

-- Z and M values are untouched exactly.
SELECT ST_Z(from_wgs84(g, 'bd09')) AS z, ST_M(from_wgs84(g, 'bd09')) AS m,
       ST_Z(to_wgs84(g, 'gcj02')) AS z2, ST_M(to_wgs84(g, 'gcj02')) AS m2
FROM shapes WHERE id = 15;

-- Empty geometries stay empty (of their type, with the output SRID), also
-- inside collections.
SELECT e, ST_AsEWKT(to_wgs84(e::geometry, 'gcj02'), 10) AS to_wgs,
       ST_AsEWKT(from_wgs84(e::geometry, 'bd09'), 10) AS from_wgs,
       ST_NDims(to_wgs84(e::geometry, 'gcj02')) = ST_NDims(e::geometry) AS same_dims
FROM (VALUES ('POINT EMPTY'), ('LINESTRING EMPTY'), ('POLYGON EMPTY'), ('MULTIPOINT EMPTY'),
             ('MULTIPOLYGON EMPTY'), ('GEOMETRYCOLLECTION EMPTY'), ('CIRCULARSTRING EMPTY'),
             ('POINT Z EMPTY'), ('POINT ZM EMPTY'), ('SRID=4326;POINT EMPTY'),
             ('GEOMETRYCOLLECTION(POINT EMPTY,POINT(116.404 39.915))'),
             ('MULTIPOINT(EMPTY,(116.404 39.915))')) AS v(e);
-- A point whose X and Y are both NaN is how WKB spells POINT EMPTY.
SELECT ST_AsEWKT(to_wgs84(ST_MakePoint('NaN', 'NaN'), 'gcj02')) AS nan_nan;

-- Non-finite and out-of-range coordinates are refused.
SELECT to_wgs84(ST_MakePoint('NaN', 39), 'gcj02');
SELECT to_wgs84(ST_MakePoint(116, 'Infinity'), 'bd09');
SELECT from_wgs84(ST_MakePoint('-Infinity', 'NaN'), 'gcj02');
SELECT from_wgs84(ST_MakeLine(ST_MakePoint(116, 39), ST_MakePoint(116.1, 'NaN')), 'bd09');
SELECT to_wgs84(ST_MakePoint('NaN', 39), 'wgs84');
SELECT to_wgs84(ST_MakePoint(1e308, 1e308), 'gcj02');
SELECT from_wgs84(ST_MakePoint(-1e308, 0), 'cgcs2000');
SELECT to_wgs84(ST_MakePoint(180.0000001, 0), 'gcj02');
SELECT from_wgs84(ST_MakePoint(0, -90.5), 'bd09');
SELECT to_wgs84('SRID=4326;POLYGON((0 0,500000 0,500000 4000000,0 0))'::geometry, 'gcj02');
-- The extremes themselves are fine (and outside the box, so unchanged).
SELECT ST_AsText(to_wgs84('MULTIPOINT((180 90),(-180 -90),(180 -90),(-180 90))'::geometry, 'bd09')) AS extremes;

-- A 100,000-vertex line through Beijing converts and round-trips.
CREATE TABLE long_line AS
SELECT ST_MakeLine(ST_MakePoint(116.0 + i * 0.000008, 39.5 + 0.3 * sin(i / 5000.0)) ORDER BY i) AS g
FROM generate_series(1, 100000) AS i;
SELECT s, ST_NPoints(f) AS npoints,
       (SELECT max(greatest(abs(ST_X(a.geom) - ST_X(b.geom)), abs(ST_Y(a.geom) - ST_Y(b.geom))))
        FROM ST_DumpPoints(g) a JOIN ST_DumpPoints(to_wgs84(f, s)) b USING (path)) < 1e-8 AS round_trip,
       (SELECT min(ST_Distance(a.geom::geography, b.geom::geography))
        FROM ST_DumpPoints(g) a JOIN ST_DumpPoints(f) b USING (path)) > 100 AS every_vertex_moved
FROM long_line, (VALUES ('gcj02'), ('bd09')) AS t(s), LATERAL (SELECT from_wgs84(g, s) AS f) x;

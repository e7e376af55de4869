-- The demo city generator (tools/democity.sql): Daxing cut into its 26 towns,
-- 758 communities and 2,799 unit grids plus special grids, nested exactly, and
-- the synthetic lattice layer for benchmarks.  Validated with plain PostGIS.
\set ECHO none
\i tools/democity.sql
\set ECHO all

-- Seed 2 first, to show that the seed matters; then seed 1, the one checked.
SELECT democity.build(2);
SELECT md5(string_agg(code::text || kind || name || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code)) AS seed2
FROM gridgov.grids \gset
SELECT democity.build(1);
SELECT md5(string_agg(code::text || kind || name || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code)) AS seed1
FROM gridgov.grids \gset

-- Rows per level and kind; every geometry a valid, non-empty, single-part MultiPolygon.
SELECT level, level_name(code), kind, count(*) AS grids,
       bool_and(ST_IsValid(geom)) AS valid,
       bool_and(GeometryType(geom) = 'MULTIPOLYGON' AND NOT ST_IsEmpty(geom)) AS multipolygon,
       sum(ST_NumGeometries(geom)) AS parts
FROM gridgov.grids GROUP BY level, level_name(code), kind ORDER BY level, kind;

-- The district and the towns carry their real codes and names.
SELECT code, name, round(ST_Area(geom::geography) / 1e6) AS km2 FROM gridgov.grids WHERE level = 3;
SELECT g.code, g.name, g.attrs->>'type' AS type
FROM gridgov.grids g WHERE g.level = 4 ORDER BY g.code;

-- All 758 communities of the division list, with their names; none other.
SELECT count(*) AS communities,
       count(*) FILTER (WHERE g.code IS NULL) AS missing,
       count(*) FILTER (WHERE g.name <> d.name) AS misnamed
FROM democity.divisions d
LEFT JOIN gridgov.grids g ON g.code = d.code
WHERE level(d.code) = 5;
SELECT count(*) AS unknown_codes
FROM gridgov.grids g
WHERE g.level BETWEEN 3 AND 5 AND NOT EXISTS (SELECT 1 FROM democity.divisions d WHERE d.code = g.code);
SELECT code, name FROM gridgov.grids
WHERE code IN ('110115004001', '110115005201', '110115406498', '110115010009') ORDER BY code;

-- Every grid's parent code exists one level up, and the child lies inside it.
SELECT c.level, count(*) AS children,
       count(p.code) AS with_parent,
       count(*) FILTER (WHERE ST_CoveredBy(c.geom, p.geom)) AS covered
FROM gridgov.grids c
LEFT JOIN gridgov.grids p ON p.code = parent(c.code) AND p.level = c.level - 1
WHERE c.level > 3
GROUP BY c.level ORDER BY c.level;

-- Per parent, the general children together are the parent: exactly
-- (ST_Equals) and in square metres (symmetric difference below 1 m²).
SELECT p.level AS parent_level, count(*) AS parents,
       count(*) FILTER (WHERE ST_Equals(u.geom, p.geom)) AS equal,
       count(*) FILTER (WHERE ST_Area(ST_SymDifference(u.geom, p.geom)::geography) < 1) AS symdiff_below_1m2
FROM gridgov.grids p
CROSS JOIN LATERAL (SELECT ST_Union(c.geom) AS geom FROM gridgov.grids c
                    WHERE parent(c.code) = p.code AND c.kind = 'general') u
WHERE p.level < 6
GROUP BY p.level ORDER BY p.level;

-- No two general siblings overlap: their interiors are disjoint, neighbours
-- share edges only.
SELECT a.level, count(*) > 0 AS touching_pairs,
       count(*) FILTER (WHERE ST_Overlaps(a.geom, b.geom)) AS overlapping,
       count(*) FILTER (WHERE ST_Relate(a.geom, b.geom, '2********')) AS interiors_meet,
       count(*) FILTER (WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 0) AS positive_area,
       count(*) FILTER (WHERE ST_Dimension(ST_Intersection(a.geom, b.geom)) = 1) = count(*) AS share_edges
FROM gridgov.grids a
JOIN gridgov.grids b ON parent(b.code) = parent(a.code) AND a.code < b.code
                    AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
WHERE a.kind = 'general' AND b.kind = 'general'
GROUP BY a.level ORDER BY a.level;

-- Unit grids: 15-digit codes, numbered 001..n without gaps in each community,
-- at least one per community, named after the community.
SELECT count(*) AS communities,
       min(n) AS min_grids, max(n) AS max_grids, sum(n) AS unit_grids,
       bool_and(maxseq = n) AS numbered_1_to_n
FROM (SELECT parent(code) AS comm, count(*) AS n,
             max(substr(code::text, 13, 3)::integer) AS maxseq
      FROM gridgov.grids WHERE level = 6 AND kind = 'general' GROUP BY 1) s;
SELECT count(*) FILTER (WHERE g.name = democity.short_name(c.name) || '第' || substr(g.code::text, 13, 3)::integer || '网格') AS named,
       count(*) AS unit_grids
FROM gridgov.grids g JOIN gridgov.grids c ON c.code = parent(g.code)
WHERE g.level = 6 AND g.kind = 'general';
SELECT code, name FROM gridgov.grids
WHERE code IN ('110115004001001', '110115005201001') ORDER BY code;
-- Numbered west to east, north to south: by rows as high as a square of the
-- community's mean grid area from its northern edge, then by longitude.
SELECT count(*) FILTER (WHERE seq = expected) AS in_order, count(*) AS unit_grids
FROM (SELECT substr(g.code::text, 13, 3)::integer AS seq,
             row_number() OVER (PARTITION BY c.code
                                ORDER BY democity.grid_row(c.geom, n.n, g.geom),
                                         ST_X(ST_PointOnSurface(g.geom))) AS expected
      FROM gridgov.grids g
      JOIN gridgov.grids c ON c.code = parent(g.code)
      JOIN (SELECT parent(code) AS comm, count(*)::integer AS n FROM gridgov.grids
            WHERE level = 6 AND kind = 'general' GROUP BY 1) n ON n.comm = c.code
      WHERE g.level = 6 AND g.kind = 'general') s;
-- Residents' committees are weighted 3 to 1: their unit grids are smaller.
SELECT r.km2_per_grid * 2 < v.km2_per_grid AS residents_grids_smaller
FROM (SELECT sum(ST_Area(geom::geography)) / 1e6 / count(*) AS km2_per_grid
      FROM gridgov.grids WHERE level = 6 AND kind = 'general'
       AND substr(code::text, 10, 3)::integer BETWEEN 1 AND 199) r,
     (SELECT sum(ST_Area(geom::geography)) / 1e6 / count(*) AS km2_per_grid
      FROM gridgov.grids WHERE level = 6 AND kind = 'general'
       AND substr(code::text, 10, 3)::integer BETWEEN 200 AND 399) v;

-- Special grids: inside their community, overlapping at least two general unit grids.
SELECT s.code, s.name, s.attrs->>'category' AS category,
       ST_CoveredBy(s.geom, c.geom) AS inside_community,
       (SELECT count(*) FROM gridgov.grids g
        WHERE parent(g.code) = c.code AND g.kind = 'general'
          AND ST_Area(ST_Intersection(g.geom, s.geom)) > 0) >= 2 AS overlaps_general
FROM gridgov.grids s JOIN gridgov.grids c ON c.code = parent(s.code)
WHERE s.kind = 'special' ORDER BY s.code;

-- unit_grids = 758: one unit grid per community, equal to it.
SELECT democity.build(1, 758);
SELECT count(*) AS unit_grids, count(*) FILTER (WHERE ST_Equals(g.geom, c.geom)) AS equal_to_community
FROM gridgov.grids g JOIN gridgov.grids c ON c.code = parent(g.code)
WHERE g.level = 6 AND g.kind = 'general';

-- Determinism: building seed 1 again gives the same rows byte for byte.
SELECT democity.build(1);
SELECT md5(string_agg(code::text || kind || name || encode(ST_AsBinary(geom), 'hex'), ',' ORDER BY code)) AS seed1_again
FROM gridgov.grids \gset
SELECT :'seed1' = :'seed1_again' AS same_seed_same_city, :'seed1' <> :'seed2' AS other_seed_other_city;

-- Bad arguments: clear errors with documented SQLSTATEs.
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT q AS statement, pg_temp.sqlstate_of(q) AS sqlstate
FROM (VALUES ('SELECT democity.build(NULL)'), ('SELECT democity.build(1, NULL)'),
             ('SELECT democity.build(1, 757)'), ('SELECT democity.build(1, 10001)'),
             ('CALL democity.build_synthetic(NULL, 1)'), ('CALL democity.build_synthetic(10, NULL)'),
             ('CALL democity.build_synthetic(0, 1)'), ('CALL democity.build_synthetic(1000001, 1)'),
             ('CALL democity.build_synthetic(10, 1, ''110115004'')'),
             ('CALL democity.build_synthetic(10, 1, ''990101'', 0)')) v(q);
\set SHOW_CONTEXT never
SELECT democity.build(NULL);
SELECT democity.build(1, 757);
SELECT democity.build(1, 10001);
\set SHOW_CONTEXT errors

-- The synthetic layer: 2,550 unit grids = 25 full communities and a half one
-- (10 × 10 cells each) in one town, under the fictitious county 990101.
CALL democity.build_synthetic(2550, 1);
SELECT level, count(*) AS grids, bool_and(ST_IsValid(geom)) AS valid,
       round(avg(ST_Area(geom::geography)) / 100) * 100 AS avg_m2
FROM gridgov.grids WHERE code <@ '990101' GROUP BY level ORDER BY level;
SELECT code, name FROM gridgov.grids
WHERE code IN ('990101', '990101001', '990101001026', '990101001026050') ORDER BY code;
SELECT p.level AS parent_level, count(*) AS parents,
       count(*) FILTER (WHERE ST_Equals(u.geom, p.geom)) AS equal,
       count(*) FILTER (WHERE u.covered) AS children_covered
FROM gridgov.grids p
CROSS JOIN LATERAL (SELECT ST_Union(c.geom) AS geom, bool_and(ST_CoveredBy(c.geom, p.geom)) AS covered
                    FROM gridgov.grids c WHERE parent(c.code) = p.code) u
WHERE p.code <@ '990101' AND p.level < 6
GROUP BY p.level ORDER BY p.level;
SELECT count(*) AS interiors_meet
FROM gridgov.grids a
JOIN gridgov.grids b ON parent(b.code) = parent(a.code) AND a.code < b.code
                    AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')
WHERE a.code <@ '990101';
-- A second call replaces the layer; the Daxing city is untouched.
CALL democity.build_synthetic(150, 1);
SELECT count(*) FILTER (WHERE code <@ '990101') AS synthetic,
       count(*) FILTER (WHERE code <@ '110115') AS daxing
FROM gridgov.grids;
\set SHOW_CONTEXT never
CALL democity.build_synthetic(0, 1);
CALL democity.build_synthetic(10, 1, '110115004');
CALL democity.build_synthetic(NULL, 1);
\set SHOW_CONTEXT errors

-- Clearing removes everything the generator wrote, so later suites start empty.
SELECT democity.clear();
SELECT count(*) AS left_over FROM gridgov.grids;
SET client_min_messages = warning;
DROP SCHEMA democity CASCADE;
RESET client_min_messages;

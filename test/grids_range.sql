-- Grid outlines must lie in the range of WGS-84 coordinates (GG005), and the
-- documented limits of locate's tolerance search hold: none within a degree of
-- a pole, no wrapping across the antimeridian (docs/grids.md).
-- A fictitious county, 990110, inside this transaction.
BEGIN;
SELECT plan(9);
SET LOCAL client_min_messages = warning;

CREATE FUNCTION pg_temp.box(x0 float8, y0 float8, x1 float8, y1 float8) RETURNS geometry LANGUAGE sql AS $$
    SELECT ST_Multi(ST_MakeEnvelope(x0, y0, x1, y1, 4326))
$$;

SELECT throws_ok($$INSERT INTO gridgov.grids (code, name, geom) VALUES ('990110', '越界', pg_temp.box(499, 39, 500, 40))$$,
                 'GG005', 'grid 990110 lies outside the range of WGS-84 coordinates',
                 'a grid at longitude 500 is refused (GG005)');
SELECT throws_ok($$INSERT INTO gridgov.grids (code, name, geom) VALUES ('990110', '越界', pg_temp.box(116, 89.5, 117, 95))$$,
                 'GG005', NULL, 'a grid reaching latitude 95 is refused (GG005)');
SELECT throws_ok($$INSERT INTO gridgov.grids (code, name, geom) VALUES ('990110', '投影坐标', pg_temp.box(440000, 4400000, 441000, 4401000))$$,
                 'GG005', NULL, 'projected coordinates given as SRID 4326 are refused (GG005)');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.grids WHERE code OPERATOR(gridgov.=) '990110'), 0::bigint,
          'nothing was written');

-- At the edges of the range: a grid touching the antimeridian and one near the pole.
INSERT INTO gridgov.grids (code, name, geom) VALUES
    ('990110001', '日界线', pg_temp.box(179.9, 10, 180, 10.1)),
    ('990110002', '极地', pg_temp.box(0, 89.2, 1, 89.4));
SELECT is(gridgov.locate(ST_SetSRID(ST_MakePoint(179.95, 10.05), 4326)), '990110001'::gridgov.gridcode,
          'a point inside a grid at the antimeridian is located');
SELECT is(gridgov.locate(ST_SetSRID(ST_MakePoint(-179.9999, 10.05), 4326)), NULL::gridgov.gridcode,
          'the tolerance search does not wrap across the antimeridian (documented)');
SELECT is(gridgov.locate(ST_SetSRID(ST_MakePoint(0.5, 89.3), 4326)), '990110002'::gridgov.gridcode,
          'a point inside a grid near the pole is located');
SELECT is(gridgov.locate(ST_SetSRID(ST_MakePoint(1.0001, 89.3), 4326)), NULL::gridgov.gridcode,
          'no tolerance search within a degree of a pole (documented)');
SELECT is(gridgov.locate_reference(ST_SetSRID(ST_MakePoint(1.0001, 89.3), 4326), pg_catalog.now(), 50), NULL::gridgov.gridcode,
          'the PostGIS reference follows the same rule');

SELECT * FROM finish();
ROLLBACK;

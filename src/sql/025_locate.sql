-- ---------------------------------------------------------------------------
-- locate: the grid of a point, in C over a per-backend in-memory index.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.locate(point geometry, at timestamptz DEFAULT pg_catalog.now())
    RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_locate'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.locate(geometry, timestamptz) IS
    'The grid of a point at a time: among grid versions valid at `at` that cover it, special before general, finer before coarser, smaller code first; else the nearest within gridgov.locate_tolerance_m metres; else NULL. SRID 4326 or 0 as is, other SRIDs transformed.';

-- Metres per degree of a great circle, the one definition (src/geo/sphere.h).
CREATE FUNCTION gridgov.metres_per_degree() RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridgov_metres_per_degree'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.metres_per_degree() IS
    'Metres per degree of a great circle on the sphere of radius 6,371,008.8 m (111195.0797): the factor of locate''s metric (gridgov.locate, gridgov.locate_reference) and of the boxes in degrees around circles in metres; defined once, in C (src/geo/sphere.h)';

-- The same rule in plain PostGIS: the fallback for layers larger than
-- gridgov.locate_cache_max_mb, and the reference the tests compare against.
-- Distances use locate's metric: a local equirectangular projection at the
-- point's latitude (sphere of radius 6,371,008.8 m), rounded to the millimetre.
CREATE FUNCTION gridgov.locate_reference(point geometry, at timestamptz,
                                         tolerance_m double precision)
    RETURNS gridgov.gridcode
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    WITH k AS (
        SELECT gridgov.metres_per_degree() AS ky,
               gridgov.metres_per_degree() * pg_catalog.cos(pg_catalog.radians(ST_Y(point))) AS kx,
               ST_X(point) AS x0, ST_Y(point) AS y0
    )
    SELECT code FROM (
        SELECT g.code, 0 AS pass, 0::double precision AS distance, g.kind, g.level
        FROM gridgov.grids g
        WHERE g.valid_from <= at AND at < g.valid_to
          AND ST_Covers(g.geom, point)
        UNION ALL
        SELECT g.code, 1,
               pg_catalog.round(ST_Distance(ST_Affine(g.geom, k.kx, 0, 0, k.ky, -k.x0 * k.kx, -k.y0 * k.ky),
                                            ST_SetSRID(ST_MakePoint(0, 0), 4326))::numeric, 3)::double precision,
               g.kind, g.level
        FROM gridgov.grids g, k
        WHERE g.valid_from <= at AND at < g.valid_to
          AND tolerance_m > 0 AND pg_catalog.abs(ST_Y(point)) < 89
          AND g.geom && ST_Expand(point, tolerance_m / k.kx, tolerance_m / k.ky)
    ) c
    WHERE c.distance <= tolerance_m
    ORDER BY pass, distance, kind = 'special' DESC, level DESC, code
    LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.locate_reference(geometry, timestamptz, double precision) IS
    'gridgov.locate''s rule in plain PostGIS (ST_Covers; else the nearest within tolerance_m metres in locate''s metric, to the millimetre, ties by precedence; no tolerance search within 1 degree of a pole): used when the layer exceeds gridgov.locate_cache_max_mb, and as the tests'' reference. Needs an SRID 4326 point.';

CREATE FUNCTION gridgov.locate_cache_stats(
    OUT cached boolean, OUT grid_versions integer, OUT rings integer, OUT vertices bigint,
    OUT cells bigint, OUT cell_entries bigint, OUT memory_bytes bigint, OUT max_bytes bigint,
    OUT builds bigint, OUT last_build_ms double precision)
    RETURNS record
    AS 'MODULE_PATHNAME', 'gridgov_locate_cache_stats'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.locate_cache_stats() IS
    'This backend''s locate index (built first if needed): whether it is cached (false when the layer exceeds gridgov.locate_cache_max_mb), its size, memory, limit, number of builds and the last build''s time';


-- ---------------------------------------------------------------------------
-- locate: the grid of a point, in C over a per-backend in-memory index.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.locate(point geometry, at timestamptz DEFAULT pg_catalog.now())
    RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_locate'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.locate(geometry, timestamptz) IS
    'The grid of a point at a time: among grid versions valid at `at` that cover it, special before general, finer before coarser, smaller code first; else the nearest within gridgov.locate_tolerance_m metres; else NULL. SRID 4326 or 0 as is, other SRIDs transformed.';

-- The same rule in plain PostGIS: the fallback for layers larger than
-- gridgov.locate_cache_max_mb, and the reference the tests compare against.
CREATE FUNCTION gridgov.locate_reference(point geometry, at timestamptz,
                                         tolerance_m double precision)
    RETURNS gridgov.gridcode
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT code FROM (
        SELECT g.code, 0 AS pass, 0::double precision AS distance, g.kind, g.level
        FROM gridgov.grids g
        WHERE g.valid_from <= at AND at < g.valid_to
          AND ST_Covers(g.geom, point)
        UNION ALL
        SELECT g.code, 1, ST_Distance(g.geom::geography, point::geography, false), g.kind, g.level
        FROM gridgov.grids g
        WHERE g.valid_from <= at AND at < g.valid_to
          AND tolerance_m > 0
          AND ST_DWithin(g.geom::geography, point::geography, tolerance_m, false)
    ) c
    ORDER BY pass, distance, kind = 'special' DESC, level DESC, code
    LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.locate_reference(geometry, timestamptz, double precision) IS
    'gridgov.locate''s rule in plain PostGIS (ST_Covers, then nearest by spherical distance within tolerance_m): used when the layer exceeds gridgov.locate_cache_max_mb, and as the tests'' reference. Needs an SRID 4326 point.';

CREATE FUNCTION gridgov.locate_cache_stats(
    OUT cached boolean, OUT grid_versions integer, OUT rings integer, OUT vertices bigint,
    OUT cells bigint, OUT cell_entries bigint, OUT memory_bytes bigint, OUT max_bytes bigint,
    OUT builds bigint, OUT last_build_ms double precision)
    RETURNS record
    AS 'MODULE_PATHNAME', 'gridgov_locate_cache_stats'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.locate_cache_stats() IS
    'This backend''s locate index (built first if needed): whether it is cached (false when the layer exceeds gridgov.locate_cache_max_mb), its size, memory, limit, number of builds and the last build''s time';

CREATE FUNCTION gridgov.grids_invalidate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_grids_invalidate'
    LANGUAGE C;
COMMENT ON FUNCTION gridgov.grids_invalidate() IS
    'Statement trigger on gridgov.grids: sends a relcache invalidation so that every session rebuilds its locate index (others at commit)';

CREATE TRIGGER grids_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON gridgov.grids FOR EACH STATEMENT EXECUTE FUNCTION gridgov.grids_invalidate();

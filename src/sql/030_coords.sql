-- ---------------------------------------------------------------------------
-- coords: WGS-84 ↔ GCJ-02 ↔ BD-09 (and CGCS2000) for whole geometries, in C.
-- `geometry` is PostGIS's type, found through CREATE EXTENSION's search_path.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.to_wgs84(geom geometry, from_system text) RETURNS geometry
    AS 'MODULE_PATHNAME', 'coords_to_wgs84' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.to_wgs84(geometry, text) IS
    'Converts every vertex of a geometry from wgs84, gcj02 (Amap, Tencent), bd09 (Baidu) or cgcs2000 to WGS-84 (SRID 4326); Z and M untouched, points outside the China box unchanged. Input SRID must be 0 or the system''s own (4326, or 4490 for cgcs2000); errors 22023.';

CREATE FUNCTION gridgov.from_wgs84(geom geometry, to_system text) RETURNS geometry
    AS 'MODULE_PATHNAME', 'coords_from_wgs84' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.from_wgs84(geometry, text) IS
    'Converts every vertex of a WGS-84 geometry (SRID 0 or 4326) to wgs84, gcj02, bd09 or cgcs2000; result SRID 4326 (4490 for cgcs2000); Z and M untouched, points outside the China box unchanged; errors 22023.';

CREATE FUNCTION gridgov.coord_systems(
        OUT name text, OUT aliases text[], OUT srid integer, OUT description text,
        OUT lon_min double precision, OUT lat_min double precision,
        OUT lon_max double precision, OUT lat_max double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'coords_systems' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION gridgov.coord_systems() IS
    'The coordinate systems to_wgs84/from_wgs84 accept: canonical name, accepted aliases (any letter case), SRID, description, and the WGS-84 box inside which the offset applies (NULL when none does)';

-- A point from coordinates, bound to PostGIS when the extension is created, so
-- that functions with a pinned search_path without PostGIS's schema can use it.
CREATE FUNCTION gridgov.wgs84_point(lon double precision, lat double precision) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ST_SetSRID(ST_MakePoint(lon, lat), 4326);
COMMENT ON FUNCTION gridgov.wgs84_point(double precision, double precision) IS
    'A WGS-84 point (SRID 4326) at longitude lon, latitude lat (no range check: gridgov.cases'' intake and grids'' checks refuse coordinates outside WGS-84)';

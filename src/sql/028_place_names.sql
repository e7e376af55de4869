-- ---------------------------------------------------------------------------
-- Place names (issue 17, item 3): the gazetteer that finds a case's area from
-- the words of an address spoken to the hotline — a town, a community, an
-- estate (小区), a road, a school, a market — without coordinates.
-- gridgov.place_names holds each name with its aliases and the grid it names;
-- gridgov.place_names_refresh() fills it from the current grids (the shipped
-- divisions and the district's own grids), the DBA adds the rest.
-- gridgov.suggest_area() picks the most specific place a text names.
-- docs/assisted-intake.md ("Area from words").
-- ---------------------------------------------------------------------------

-- Aliases: at most 20, none NULL, each 2-100 characters.
CREATE FUNCTION gridgov.place_aliases_valid(aliases text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.cardinality(aliases) <= 20
       AND pg_catalog.array_position(aliases, NULL) IS NULL
       AND COALESCE((SELECT pg_catalog.bool_and(pg_catalog.length(a) BETWEEN 2 AND 100)
                     FROM pg_catalog.unnest(aliases) a), true);
COMMENT ON FUNCTION gridgov.place_aliases_valid(text[]) IS
    'Internal: the check of gridgov.place_names.aliases: at most 20, none NULL, each 2-100 characters';

CREATE TABLE gridgov.place_names (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 2 AND 100),
    aliases text[] NOT NULL DEFAULT '{}' CHECK (gridgov.place_aliases_valid(aliases)),
    grid    gridgov.gridcode NOT NULL,
    kind    text NOT NULL CHECK (kind IN ('district', 'town', 'community', 'grid', 'estate', 'road', 'school',
                                          'market', 'hospital', 'park', 'landmark', 'other')),
    source  text NOT NULL DEFAULT 'dba' CHECK (source IN ('divisions', 'dba')),
    UNIQUE (name, grid)
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.place_names', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.place_names_id_seq', '');
COMMENT ON TABLE gridgov.place_names IS
    'Gazetteer (地名库): names of places with their aliases and the grid each names, for finding a case''s area from the words of an address (gridgov.suggest_area). Rows of source divisions come from the current grids (gridgov.place_names_refresh); the DBA adds estates, roads, schools, markets... (source dba)';
COMMENT ON COLUMN gridgov.place_names.id IS 'Row id';
COMMENT ON COLUMN gridgov.place_names.name IS 'The name as written, 2-100 characters (e.g. 南海家园六里社区居委会, 兴华大街, 黄村第一中学)';
COMMENT ON COLUMN gridgov.place_names.aliases IS 'Other ways it is said (e.g. 南海家园六里社区, 南海家园六里): at most 20, each 2-100 characters';
COMMENT ON COLUMN gridgov.place_names.grid IS 'The grid (any level) the place lies in: a unit grid for an estate, the community or town for a longer road';
COMMENT ON COLUMN gridgov.place_names.kind IS 'district, town, community, grid (the divisions) or estate, road, school, market, hospital, park, landmark, other';
COMMENT ON COLUMN gridgov.place_names.source IS 'divisions: made from the grids by place_names_refresh (replaced by its next run); dba: added by hand (kept)';

-- The short forms a division's name is said by: the name without its
-- administrative suffix (黄村地区 -> 黄村, 青云店镇 -> 青云店, 荣华街道 -> 荣华,
-- 大兴区 -> 大兴), a community without its committee (XX社区居委会 -> XX社区, XX;
-- XX村村委会 -> XX村).
CREATE FUNCTION gridgov.place_aliases_of(name text, level integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(
    SELECT DISTINCT a FROM pg_catalog.unnest(CASE
        WHEN level = 3 THEN ARRAY[pg_catalog.regexp_replace(name, '(区|县|市)$', '')]
        WHEN level = 4 THEN ARRAY[pg_catalog.regexp_replace(name, '(地区|街道|镇|乡)$', '')]
        WHEN level = 5 THEN ARRAY[pg_catalog.regexp_replace(name, '(居民委员会|居委会|村民委员会|村委会)$', ''),
                                  pg_catalog.regexp_replace(name, '(社区居民委员会|社区居委会|社区)$', '')]
        ELSE ARRAY[]::text[] END) a
    WHERE a <> name AND pg_catalog.length(a) BETWEEN 2 AND 100
    ORDER BY a);
COMMENT ON FUNCTION gridgov.place_aliases_of(text, integer) IS
    'Internal: the aliases gridgov.place_names_refresh() gives a division''s name: without its administrative suffix (地区, 街道, 镇, 乡; 区, 县, 市), a community without 居委会 / 村委会 and without 社区; at least 2 characters';

CREATE FUNCTION gridgov.place_names_refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'as_of must not be null';
    END IF;
    DELETE FROM gridgov.place_names p WHERE p.source = 'divisions';
    INSERT INTO gridgov.place_names (name, aliases, grid, kind, source)
    SELECT g.name, gridgov.place_aliases_of(g.name, gridgov.level(g.code)), g.code,
           CASE gridgov.level(g.code) WHEN 3 THEN 'district' WHEN 4 THEN 'town' WHEN 5 THEN 'community' ELSE 'grid' END,
           'divisions'
    FROM gridgov.grids g
    WHERE g.valid_from <= as_of AND g.valid_to > as_of AND gridgov.level(g.code) >= 3
      AND pg_catalog.length(g.name) BETWEEN 2 AND 100
    ON CONFLICT (name, grid) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.place_names_refresh(timestamptz) IS
    'Administration: replaces the gazetteer''s rows of source divisions by the names of the grids valid at as_of (district, towns, communities, unit grids) with their short forms (gridgov.place_aliases_of); the DBA''s rows stay. Returns how many it wrote. Run after loading or re-dividing grids. 22004 NULL';

CREATE FUNCTION gridgov.suggest_area(address text)
    RETURNS TABLE(grid gridgov.gridcode, name text, kind text, matched text, ambiguous boolean,
                  candidates gridgov.gridcode[])
LANGUAGE sql STABLE PARALLEL SAFE
-- The planner's estimate of the self-join of the terms found is in the
-- millions (it cannot know that a text names a handful of places): with JIT
-- on, compiling the plan took 0.9 s of a call that runs in 10 ms.
SET jit = off
BEGIN ATOMIC
    WITH x AS (SELECT pg_catalog.left(suggest_area.address, 2000) AS txt),
    m0 AS (
        -- Every name or alias the text contains (its first 2,000 characters),
        -- with how many times.
        SELECT p.grid, p.name, p.kind, t.term, pg_catalog.length(t.term) AS len, gridgov.level(p.grid) AS lvl,
               (pg_catalog.length(x.txt) - pg_catalog.length(pg_catalog.replace(x.txt, t.term, '')))
                   / pg_catalog.length(t.term) AS occ
        FROM x, gridgov.place_names p
        CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.array_prepend(p.name, p.aliases)) t(term)
        WHERE pg_catalog.strpos(x.txt, t.term) > 0),
    m AS (
        -- Not a term found only inside a longer one found (兴华 in 兴华大街).
        SELECT * FROM m0 s
        WHERE NOT EXISTS (SELECT 1 FROM m0 l
                          WHERE l.len > s.len AND pg_catalog.strpos(l.term, s.term) > 0 AND l.occ >= s.occ)),
    best AS (
        -- Per place, its longest term found.
        SELECT DISTINCT ON (m.grid, m.name) m.* FROM m ORDER BY m.grid, m.name, m.len DESC),
    scored AS (
        -- A place is confirmed by the other places found that contain it
        -- (大兴 黄村 ... 兴华社区: the community inside the town named).
        SELECT b.*, (SELECT pg_catalog.count(*) FROM best a
                     WHERE a.grid OPERATOR(gridgov.<>) b.grid AND a.grid OPERATOR(gridgov.@>) b.grid) AS support
        FROM best b),
    ranked AS (
        SELECT s.*, pg_catalog.rank() OVER (ORDER BY s.lvl DESC, s.support DESC, s.len DESC) AS r FROM scored s)
    SELECT r.grid, r.name, r.kind, r.term,
           (SELECT pg_catalog.count(DISTINCT x.grid) FROM ranked x WHERE x.r = 1) > 1,
           ARRAY(SELECT DISTINCT x.grid FROM ranked x WHERE x.r = 1 ORDER BY x.grid)
    FROM ranked r
    WHERE r.r = 1
    ORDER BY r.grid, r.name
    LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.suggest_area(text) IS
    'The most specific place an address or description names (its first 2,000 characters), from gridgov.place_names: of the names and aliases it contains (but one found only inside a longer one found: 兴华 in 兴华大街), the one of the finest grid, then the one most confirmed by other places found that contain it (a town named before the community), then the longest; ambiguous is true when several grids tie, all listed in candidates (grid is the first of them). No row when it names no known place; NULL text gives no row';

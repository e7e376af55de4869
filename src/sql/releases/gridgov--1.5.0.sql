-- gridgov install script, built by concatenating src/sql/NNN_*.sql in name order.
-- Everything lives in schema gridgov (created by CREATE EXTENSION from the control
-- file).  Built-ins are qualified with pg_catalog, PostGIS with its own schema via
-- @extschema:postgis@ where the PostgreSQL version allows, else the search_path that
-- CREATE EXTENSION sets (gridgov, then the schemas of required extensions).

\echo Use "CREATE EXTENSION gridgov CASCADE" to load this file. \quit
-- ---------------------------------------------------------------------------
-- The registry of gridgov's triggers (src/triggers.c): every trigger
-- function fires only on the table, at the time and for the events it was
-- written for, and refuses anything else (39P01).
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.trigger_check(fn text, relid oid, tg_when text, tg_level text, tg_op text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_trigger_check' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.trigger_check(text, oid, text, text, text) IS
    'Building block of every PL/pgSQL trigger function of gridgov, called first with its own name and TG_RELID, TG_WHEN, TG_LEVEL, TG_OP: refuses (39P01) a firing that gridgov.trigger_bindings() does not list, e.g. the function attached to another table; returns the gridgov table the firing is bound to (TG_TABLE_NAME is a shard''s name under Citus)';

CREATE FUNCTION gridgov.trigger_bindings()
    RETURNS TABLE (function_name text, table_name text, timing text, level text, events text)
    AS 'MODULE_PATHNAME', 'gridgov_trigger_bindings' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 70;
COMMENT ON FUNCTION gridgov.trigger_bindings() IS
    'Where each trigger function of gridgov may fire: the function, the table (in schema gridgov), BEFORE or AFTER, ROW or STATEMENT, and the events (I insert, U update, D delete, T truncate); compiled into the module, checked against the installed triggers by test/catalog.sql';
-- ---------------------------------------------------------------------------
-- gridcode: hierarchical area code (province 2, city 4, county 6, town 9,
-- community 12, unit grid 14 or 15 digits), 8 bytes, passed by value.
-- ---------------------------------------------------------------------------

CREATE TYPE gridgov.gridcode;

CREATE FUNCTION gridgov.gridcode_in(pg_catalog.cstring) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_out(gridgov.gridcode) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'gridcode_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_recv(pg_catalog.internal) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_send(gridgov.gridcode) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'gridcode_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE gridgov.gridcode (
    INPUT = gridgov.gridcode_in,
    OUTPUT = gridgov.gridcode_out,
    RECEIVE = gridgov.gridcode_recv,
    SEND = gridgov.gridcode_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain,
    CATEGORY = 'U'
);

COMMENT ON TYPE gridgov.gridcode IS
    'Hierarchical area code: 2 province, 4 city, 6 county, 9 town/street, 12 village/community, 14 or 15 unit grid digits. Sorts ancestors first; every subtree is one contiguous range.';
COMMENT ON FUNCTION gridgov.gridcode_in(pg_catalog.cstring) IS 'gridcode text input: digits only, 2/4/6/9/12/14/15 of them (22P02 otherwise)';
COMMENT ON FUNCTION gridgov.gridcode_out(gridgov.gridcode) IS 'gridcode text output: the digits';
COMMENT ON FUNCTION gridgov.gridcode_recv(pg_catalog.internal) IS 'gridcode binary input: the 8-byte packed value, validated (22P03 otherwise)';
COMMENT ON FUNCTION gridgov.gridcode_send(gridgov.gridcode) IS 'gridcode binary output: the 8-byte packed value';

-- Comparison ---------------------------------------------------------------

CREATE FUNCTION gridgov.gridcode_eq(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_ne(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_lt(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_le(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_gt(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_ge(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_cmp(gridgov.gridcode, gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_sortsupport(pg_catalog.internal) RETURNS void
    AS 'MODULE_PATHNAME', 'gridcode_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_hash(gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION gridgov.gridcode_hash_extended(gridgov.gridcode, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridcode_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION gridgov.gridcode_eq(gridgov.gridcode, gridgov.gridcode) IS 'implementation of gridcode = gridcode';
COMMENT ON FUNCTION gridgov.gridcode_ne(gridgov.gridcode, gridgov.gridcode) IS 'implementation of gridcode <> gridcode';
COMMENT ON FUNCTION gridgov.gridcode_lt(gridgov.gridcode, gridgov.gridcode) IS 'implementation of gridcode < gridcode';
COMMENT ON FUNCTION gridgov.gridcode_le(gridgov.gridcode, gridgov.gridcode) IS 'implementation of gridcode <= gridcode';
COMMENT ON FUNCTION gridgov.gridcode_gt(gridgov.gridcode, gridgov.gridcode) IS 'implementation of gridcode > gridcode';
COMMENT ON FUNCTION gridgov.gridcode_ge(gridgov.gridcode, gridgov.gridcode) IS 'implementation of gridcode >= gridcode';
COMMENT ON FUNCTION gridgov.gridcode_cmp(gridgov.gridcode, gridgov.gridcode) IS 'btree comparison of gridcodes: -1, 0 or 1';
COMMENT ON FUNCTION gridgov.gridcode_sortsupport(pg_catalog.internal) IS 'btree sort support for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_hash(gridgov.gridcode) IS 'hash opclass support for gridcode';
COMMENT ON FUNCTION gridgov.gridcode_hash_extended(gridgov.gridcode, bigint) IS 'seeded 64-bit hash of a gridcode (hash partitioning)';

CREATE OPERATOR gridgov.= (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_eq,
    COMMUTATOR = OPERATOR(gridgov.=), NEGATOR = OPERATOR(gridgov.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR gridgov.<> (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_ne,
    COMMUTATOR = OPERATOR(gridgov.<>), NEGATOR = OPERATOR(gridgov.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR gridgov.< (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_lt,
    COMMUTATOR = OPERATOR(gridgov.>), NEGATOR = OPERATOR(gridgov.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR gridgov.<= (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_le,
    COMMUTATOR = OPERATOR(gridgov.>=), NEGATOR = OPERATOR(gridgov.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR gridgov.> (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_gt,
    COMMUTATOR = OPERATOR(gridgov.<), NEGATOR = OPERATOR(gridgov.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR gridgov.>= (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_ge,
    COMMUTATOR = OPERATOR(gridgov.<=), NEGATOR = OPERATOR(gridgov.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR gridgov.= (gridgov.gridcode, gridgov.gridcode) IS 'same code';
COMMENT ON OPERATOR gridgov.<> (gridgov.gridcode, gridgov.gridcode) IS 'different codes';
COMMENT ON OPERATOR gridgov.< (gridgov.gridcode, gridgov.gridcode) IS 'sorts before (ancestors before descendants)';
COMMENT ON OPERATOR gridgov.<= (gridgov.gridcode, gridgov.gridcode) IS 'sorts before or equal';
COMMENT ON OPERATOR gridgov.> (gridgov.gridcode, gridgov.gridcode) IS 'sorts after';
COMMENT ON OPERATOR gridgov.>= (gridgov.gridcode, gridgov.gridcode) IS 'sorts after or equal';

CREATE OPERATOR CLASS gridgov.gridcode_ops
    DEFAULT FOR TYPE gridgov.gridcode USING btree AS
        OPERATOR 1 gridgov.< ,
        OPERATOR 2 gridgov.<= ,
        OPERATOR 3 gridgov.= ,
        OPERATOR 4 gridgov.>= ,
        OPERATOR 5 gridgov.> ,
        FUNCTION 1 gridgov.gridcode_cmp(gridgov.gridcode, gridgov.gridcode),
        FUNCTION 2 gridgov.gridcode_sortsupport(pg_catalog.internal);

CREATE OPERATOR CLASS gridgov.gridcode_hash_ops
    DEFAULT FOR TYPE gridgov.gridcode USING hash AS
        OPERATOR 1 gridgov.= ,
        FUNCTION 1 gridgov.gridcode_hash(gridgov.gridcode),
        FUNCTION 2 gridgov.gridcode_hash_extended(gridgov.gridcode, bigint);

COMMENT ON OPERATOR CLASS gridgov.gridcode_ops USING btree IS
    'btree order of gridcode: ancestors first, subtrees contiguous; <@ and @> use it through planner support';
COMMENT ON OPERATOR CLASS gridgov.gridcode_hash_ops USING hash IS 'hash indexes, hash joins and hash partitioning of gridcode';

CREATE FUNCTION gridgov.gridcode_larger(gridgov.gridcode, gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_smaller(gridgov.gridcode, gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_larger(gridgov.gridcode, gridgov.gridcode) IS 'the later of two codes in gridcode order (max aggregate)';
COMMENT ON FUNCTION gridgov.gridcode_smaller(gridgov.gridcode, gridgov.gridcode) IS 'the earlier of two codes in gridcode order (min aggregate)';

CREATE AGGREGATE gridgov.max(gridgov.gridcode) (
    SFUNC = gridgov.gridcode_larger, STYPE = gridgov.gridcode,
    SORTOP = OPERATOR(gridgov.>), COMBINEFUNC = gridgov.gridcode_larger, PARALLEL = SAFE
);
CREATE AGGREGATE gridgov.min(gridgov.gridcode) (
    SFUNC = gridgov.gridcode_smaller, STYPE = gridgov.gridcode,
    SORTOP = OPERATOR(gridgov.<), COMBINEFUNC = gridgov.gridcode_smaller, PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.max(gridgov.gridcode) IS 'greatest code in gridcode order (uses a btree index)';
COMMENT ON AGGREGATE gridgov.min(gridgov.gridcode) IS 'least code in gridcode order (uses a btree index)';

-- Hierarchy ------------------------------------------------------------------

CREATE FUNCTION gridgov.subtree_max(gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_subtree_max_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.subtree_max(gridgov.gridcode) IS
    'Greatest code of the subtree rooted at the argument: code <@ x is code BETWEEN x AND gridgov.subtree_max(x)';

CREATE FUNCTION gridgov.gridcode_contained_support(pg_catalog.internal) RETURNS pg_catalog.internal
    AS 'MODULE_PATHNAME', 'gridcode_contained_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_contains_support(pg_catalog.internal) RETURNS pg_catalog.internal
    AS 'MODULE_PATHNAME', 'gridcode_contains_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_contained_support(pg_catalog.internal) IS
    'planner support for <@: turns col <@ x into a btree range and col @> x into col = ANY(ancestors)';
COMMENT ON FUNCTION gridgov.gridcode_contains_support(pg_catalog.internal) IS
    'planner support for @>: turns x @> col into a btree range and col @> x into col = ANY(ancestors)';

CREATE FUNCTION gridgov.gridcode_contains(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT gridgov.gridcode_contains_support;
CREATE FUNCTION gridgov.gridcode_contained(gridgov.gridcode, gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    SUPPORT gridgov.gridcode_contained_support;
COMMENT ON FUNCTION gridgov.gridcode_contains(gridgov.gridcode, gridgov.gridcode) IS 'implementation of @>: first argument is the second or an ancestor of it';
COMMENT ON FUNCTION gridgov.gridcode_contained(gridgov.gridcode, gridgov.gridcode) IS 'implementation of <@: first argument is the second or a descendant of it';

CREATE FUNCTION gridgov.gridcode_contains_sel(pg_catalog.internal, pg_catalog.oid, pg_catalog.internal, integer)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridcode_contains_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.gridcode_contained_sel(pg_catalog.internal, pg_catalog.oid, pg_catalog.internal, integer)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridcode_contained_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode_contains_sel(pg_catalog.internal, pg_catalog.oid, pg_catalog.internal, integer) IS 'restriction selectivity of @> from the column statistics';
COMMENT ON FUNCTION gridgov.gridcode_contained_sel(pg_catalog.internal, pg_catalog.oid, pg_catalog.internal, integer) IS 'restriction selectivity of <@ from the column statistics';

CREATE OPERATOR gridgov.@> (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_contains,
    COMMUTATOR = OPERATOR(gridgov.<@),
    RESTRICT = gridgov.gridcode_contains_sel, JOIN = pg_catalog.contjoinsel
);
CREATE OPERATOR gridgov.<@ (
    LEFTARG = gridgov.gridcode, RIGHTARG = gridgov.gridcode, PROCEDURE = gridgov.gridcode_contained,
    COMMUTATOR = OPERATOR(gridgov.@>),
    RESTRICT = gridgov.gridcode_contained_sel, JOIN = pg_catalog.contjoinsel
);
COMMENT ON OPERATOR gridgov.@> (gridgov.gridcode, gridgov.gridcode) IS 'is ancestor or self of';
COMMENT ON OPERATOR gridgov.<@ (gridgov.gridcode, gridgov.gridcode) IS 'is descendant or self of';

CREATE FUNCTION gridgov.level(gridgov.gridcode) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridcode_level_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.level(gridgov.gridcode) IS
    'Level number: 1 province, 2 city, 3 county, 4 town/street, 5 village/community, 6 unit grid';

CREATE FUNCTION gridgov.level_name(gridgov.gridcode) RETURNS text
    AS 'MODULE_PATHNAME', 'gridcode_level_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.level_name(gridgov.gridcode) IS
    'Level name: province, city, county, town, community or grid';

CREATE FUNCTION gridgov.parent(gridgov.gridcode) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.parent(gridgov.gridcode) IS
    'The code one level up (a unit grid''s parent is its 12-digit community); NULL for a province';

CREATE FUNCTION gridgov.ancestor(gridgov.gridcode, integer) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_ancestor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.ancestor(gridgov.gridcode, integer) IS
    'The ancestor at a level 1-6 (the code itself at its own level); NULL when the code is above that level; 22023 for a level outside 1-6';

CREATE FUNCTION gridgov.ancestor(gridgov.gridcode, text) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridcode_ancestor_by_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.ancestor(gridgov.gridcode, text) IS
    'The ancestor at a named level (province, city, county, town, community, grid); NULL when the code is above it; 22023 for an unknown name';

CREATE FUNCTION gridgov.is_valid_admin_prefix(gridgov.gridcode) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridcode_is_valid_admin_prefix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.is_valid_admin_prefix(gridgov.gridcode) IS
    'Whether each administrative segment lies in its GB/T 2260 / GB/T 10114 digit range (province list; city 01-70, 90; town 001-599; village 001-599; grid sequence not 0). Advisory: input does not enforce it';

CREATE FUNCTION gridgov.admin_kind(gridgov.gridcode) RETURNS text
    AS 'MODULE_PATHNAME', 'gridcode_admin_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.admin_kind(gridgov.gridcode) IS
    'Kind implied by the last segment''s digit range: town level street (001-099) | town (100-199) | township (200-399) | other (400-599); community level residents (001-199) | villagers (200-399) | other (400-599); else NULL';

-- Casts ------------------------------------------------------------------------

CREATE FUNCTION gridgov.gridcode(bigint) RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'int8_to_gridcode' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gridgov.to_bigint(gridgov.gridcode) RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridcode_to_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.gridcode(bigint) IS
    'bigint to gridcode: the number''s decimal digits must have a gridcode length (22003 otherwise)';
COMMENT ON FUNCTION gridgov.to_bigint(gridgov.gridcode) IS 'the code''s digits read as a decimal number';

CREATE CAST (text AS gridgov.gridcode) WITH INOUT AS ASSIGNMENT;
CREATE CAST (gridgov.gridcode AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (bigint AS gridgov.gridcode) WITH FUNCTION gridgov.gridcode(bigint);
CREATE CAST (gridgov.gridcode AS bigint) WITH FUNCTION gridgov.to_bigint(gridgov.gridcode);
COMMENT ON CAST (text AS gridgov.gridcode) IS 'parse digits (assignment cast, so text columns load into gridcode columns)';
COMMENT ON CAST (gridgov.gridcode AS text) IS 'the digits';
COMMENT ON CAST (bigint AS gridgov.gridcode) IS 'explicit: the number''s digits (no leading zeros possible)';
COMMENT ON CAST (gridgov.gridcode AS bigint) IS 'explicit: the digits as a number';
-- ---------------------------------------------------------------------------
-- grids: the versioned grid layer, one row per area version at every level.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.grid_revisions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    effective   timestamptz NOT NULL,
    retired     gridgov.gridcode[] NOT NULL,
    added       gridgov.gridcode[] NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT CURRENT_USER,
    cases_rehomed_at timestamptz
);
COMMENT ON TABLE gridgov.grid_revisions IS
    'Re-divisions (动态调整): which codes were retired and which added at an effective time. Other modules react to new rows (e.g. re-homing open cases).';
COMMENT ON COLUMN gridgov.grid_revisions.effective IS 'When the retired versions end and the added ones begin';
COMMENT ON COLUMN gridgov.grid_revisions.retired IS 'Codes whose current versions were closed at effective';
COMMENT ON COLUMN gridgov.grid_revisions.added IS 'Codes whose new versions start at effective';
COMMENT ON COLUMN gridgov.grid_revisions.note IS 'Reason or decision reference';
COMMENT ON COLUMN gridgov.grid_revisions.created_at IS 'When the re-division was recorded';
COMMENT ON COLUMN gridgov.grid_revisions.created_by IS 'Database role that recorded it';
COMMENT ON COLUMN gridgov.grid_revisions.cases_rehomed_at IS
    'When the open cases of the retired grids were moved to the new ones (NULL: not yet, e.g. a future re-division)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_revisions', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_revisions_id_seq', '');

CREATE TYPE gridgov.grid_kind AS ENUM ('general', 'special');
COMMENT ON TYPE gridgov.grid_kind IS
    'general grid, or special grid (专属网格: school, park, market, airport...) laid over general ones and taking precedence inside them';

CREATE TABLE gridgov.grids (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        gridgov.gridcode NOT NULL,
    level       integer GENERATED ALWAYS AS (gridgov.level(code)) STORED,
    name        text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    kind        gridgov.grid_kind NOT NULL DEFAULT 'general',
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT '-infinity',
    valid_to    timestamptz NOT NULL DEFAULT 'infinity',
    leader      text,
    attrs       jsonb NOT NULL DEFAULT '{}',
    revision_id bigint REFERENCES gridgov.grid_revisions (id),
    CONSTRAINT grids_validity CHECK (valid_from < valid_to),
    CONSTRAINT grids_attrs_object CHECK (pg_catalog.jsonb_typeof(attrs) = 'object')
);

-- At most one current (open-ended) version per code.
CREATE UNIQUE INDEX grids_current_code ON gridgov.grids (code) WHERE valid_to = 'infinity';
CREATE INDEX grids_code_versions ON gridgov.grids (code, valid_from);
CREATE INDEX grids_geom ON gridgov.grids USING gist (geom);

COMMENT ON TABLE gridgov.grids IS
    'Versioned grid layer: one row per version of an area at any level (county, town, community, unit grid); the level follows from the code. A version is valid in [valid_from, valid_to); valid_to = infinity is the current one (at most one per code).';
COMMENT ON COLUMN gridgov.grids.code IS 'Area code; its length gives the level';
COMMENT ON COLUMN gridgov.grids.name IS 'Area name, e.g. 亦庄地区 or 贵园北里社区 第3网格';
COMMENT ON COLUMN gridgov.grids.level IS 'gridgov.level(code): 3 county, 4 town, 5 community, 6 unit grid';
COMMENT ON COLUMN gridgov.grids.kind IS 'general, or special (专属网格: school, park, market, airport...), which takes precedence inside it';
COMMENT ON COLUMN gridgov.grids.geom IS 'Outline in WGS-84 (SRID 4326); must be valid and non-empty';
COMMENT ON COLUMN gridgov.grids.valid_from IS 'Start of this version''s validity (inclusive)';
COMMENT ON COLUMN gridgov.grids.valid_to IS 'End of this version''s validity (exclusive); infinity for the current version';
COMMENT ON COLUMN gridgov.grids.leader IS 'Grid leader (网格长), free text; staff assignments live in the organisation tables';
COMMENT ON COLUMN gridgov.grids.attrs IS 'Free attributes (population, households, area type...) as a JSON object';
COMMENT ON COLUMN gridgov.grids.revision_id IS 'The re-division (gridgov.grid_revisions) that created this version, if any';

SELECT pg_catalog.pg_extension_config_dump('gridgov.grids', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.grids_id_seq', '');

-- Write-time checks: a non-empty valid outline within the range of WGS-84
-- coordinates, and versions of one code that never overlap in time.
CREATE FUNCTION gridgov.grids_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    v valid_detail;
BEGIN
    PERFORM gridgov.trigger_check('grids_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF ST_IsEmpty(NEW.geom) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG001',
            MESSAGE = pg_catalog.format('grid %s has an empty geometry', NEW.code),
            DETAIL = 'Every grid version needs a non-empty outline.';
    END IF;
    v := ST_IsValidDetail(NEW.geom);
    IF NOT v.valid THEN
        RAISE EXCEPTION USING ERRCODE = 'GG001',
            MESSAGE = pg_catalog.format('grid %s has an invalid geometry', NEW.code),
            DETAIL = pg_catalog.format('PostGIS reports: %s at %s.', v.reason, ST_AsText(v.location)),
            HINT = 'Repair it with ST_MakeValid, or load it with gridgov.import_grids(..., repair => true).';
    END IF;
    IF ST_XMin(NEW.geom) < -180 OR ST_XMax(NEW.geom) > 180 OR ST_YMin(NEW.geom) < -90 OR ST_YMax(NEW.geom) > 90 THEN
        RAISE EXCEPTION USING ERRCODE = 'GG005',
            MESSAGE = pg_catalog.format('grid %s lies outside the range of WGS-84 coordinates', NEW.code),
            DETAIL = pg_catalog.format('Its outline spans longitudes %s to %s and latitudes %s to %s; WGS-84 has -180 to 180 and -90 to 90.',
                                       ST_XMin(NEW.geom), ST_XMax(NEW.geom), ST_YMin(NEW.geom), ST_YMax(NEW.geom)),
            HINT = 'Give the outline in longitude/latitude (SRID 4326); transform projected coordinates first (ST_Transform).';
    END IF;
    -- Serialise writers of one code so that the overlap check below sees them.
    -- Codes share 1,024 lock buckets, so a bulk load holds at most 1,024 locks.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.grids'),
                                             pg_catalog.hashtext(NEW.code::text) & 1023);
    IF EXISTS (SELECT 1 FROM gridgov.grids g
               WHERE g.code OPERATOR(gridgov.=) NEW.code AND g.id <> NEW.id
                 AND g.valid_from < NEW.valid_to AND NEW.valid_from < g.valid_to) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG002',
            MESSAGE = pg_catalog.format('grid %s already has a version overlapping [%s, %s)',
                                        NEW.code, NEW.valid_from, NEW.valid_to),
            DETAIL = 'Versions of one code must not overlap in time.',
            HINT = 'Close the current version first (set its valid_to), or use gridgov.redivide().';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.grids_check() IS
    'Trigger: rejects empty or invalid grid outlines (GG001) and overlapping versions of a code (GG002)';

CREATE TRIGGER grids_check BEFORE INSERT OR UPDATE OF code, geom, valid_from, valid_to
    ON gridgov.grids FOR EACH ROW EXECUTE FUNCTION gridgov.grids_check();
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

-- ---------------------------------------------------------------------------
-- Grid administration: GeoJSON loading, coverage checks, re-division.
-- ---------------------------------------------------------------------------

-- GeoJSON features -> grid rows.  Accepts a FeatureCollection, a single
-- Feature, or an array of Features.  Each feature's properties carry code and
-- name (required), kind and leader (optional); every other property goes to
-- attrs.  Polygons become MultiPolygons; coordinates are converted to WGS-84
-- from coord_system; with repair, invalid outlines go through ST_MakeValid.
CREATE FUNCTION gridgov.parse_grid_features(features jsonb, coord_system text DEFAULT 'wgs84',
                                            repair boolean DEFAULT false)
    RETURNS TABLE (code gridgov.gridcode, name text, kind gridgov.grid_kind,
                   geom geometry(MultiPolygon, 4326), leader text, attrs jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    items jsonb;
    f jsonb;
    n integer := 0;
    props jsonb;
    g geometry;
    label text;
BEGIN
    IF features IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'features must not be NULL';
    END IF;
    items := CASE
        WHEN pg_catalog.jsonb_typeof(features) = 'array' THEN features
        WHEN features ->> 'type' = 'FeatureCollection' THEN features -> 'features'
        WHEN features ->> 'type' = 'Feature' THEN pg_catalog.jsonb_build_array(features)
    END;
    IF items IS NULL OR pg_catalog.jsonb_typeof(items) <> 'array' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'features must be a GeoJSON FeatureCollection, a Feature or an array of Features';
    END IF;
    FOR f IN SELECT e FROM pg_catalog.jsonb_array_elements(items) e LOOP
        n := n + 1;
        props := f -> 'properties';
        label := pg_catalog.format('feature %s', n);
        IF f ->> 'type' IS DISTINCT FROM 'Feature' OR pg_catalog.jsonb_typeof(props) IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('%s is not a GeoJSON Feature with properties', label);
        END IF;
        IF props ->> 'code' IS NULL OR props ->> 'name' IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('%s has no code or no name property', label),
                HINT = 'Each feature needs properties "code" (a gridcode) and "name".';
        END IF;
        label := pg_catalog.format('feature %s (code %s)', n, props ->> 'code');
        code := (props ->> 'code')::gridgov.gridcode;
        name := props ->> 'name';
        kind := COALESCE(props ->> 'kind', 'general')::gridgov.grid_kind;
        IF pg_catalog.jsonb_typeof(f -> 'geometry') IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%s has no geometry', label);
        END IF;
        g := ST_SetSRID(ST_GeomFromGeoJSON((f -> 'geometry')::text), 4326);
        IF coord_system IS DISTINCT FROM 'wgs84' THEN
            g := gridgov.to_wgs84(g, coord_system);
        END IF;
        IF repair AND NOT (ST_IsValidDetail(g)).valid THEN
            g := ST_CollectionExtract(ST_MakeValid(g), 3);
        END IF;
        IF ST_GeometryType(g) NOT IN ('ST_Polygon', 'ST_MultiPolygon') THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('%s: geometry must be a Polygon or MultiPolygon, not %s',
                                            label, pg_catalog.substr(ST_GeometryType(g), 4));
        END IF;
        geom := ST_Multi(g);
        leader := props ->> 'leader';
        attrs := props - ARRAY['code', 'name', 'kind', 'leader'];
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.parse_grid_features(jsonb, text, boolean) IS
    'GeoJSON (FeatureCollection, Feature or array of Features) to grid rows: properties code and name required, kind and leader optional, the rest become attrs; Polygons become MultiPolygons; converted to WGS-84 from coord_system; repair runs ST_MakeValid on invalid outlines';

CREATE FUNCTION gridgov.import_grids(features jsonb, valid_from timestamptz DEFAULT '-infinity',
                                     coord_system text DEFAULT 'wgs84', repair boolean DEFAULT false)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO gridgov.grids (code, name, kind, geom, leader, attrs, valid_from)
    SELECT p.code, p.name, p.kind, p.geom, p.leader, p.attrs, import_grids.valid_from
    FROM gridgov.parse_grid_features(features, coord_system, repair) p;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.import_grids(jsonb, timestamptz, text, boolean) IS
    'Load a GeoJSON layer of grids in one call (see parse_grid_features); each becomes a version valid from valid_from; returns the number of grids loaded. Invalid outlines are rejected (GG001) unless repair is true';

-- Coverage problems among the grid versions valid at `at` under root.
CREATE FUNCTION gridgov.coverage_issues(root gridgov.gridcode DEFAULT NULL,
                                        at timestamptz DEFAULT pg_catalog.now(),
                                        min_area_m2 double precision DEFAULT 1.0)
    RETURNS TABLE (problem text, code gridgov.gridcode, other_code gridgov.gridcode,
                   geom geometry, area_m2 double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH layer AS (
        SELECT g.code, g.kind, g.geom, g.level, gridgov.parent(g.code) AS parent
        FROM gridgov.grids g
        WHERE g.valid_from <= coverage_issues.at AND coverage_issues.at < g.valid_to
    ), scope AS (
        SELECT * FROM layer l
        WHERE coverage_issues.root IS NULL OR l.code OPERATOR(gridgov.<@) coverage_issues.root
    ), invalid AS (
        SELECT 'invalid_geometry'::text AS problem, s.code, NULL::gridgov.gridcode AS other_code,
               s.geom, ST_Area(s.geom::geography) AS area_m2
        FROM scope s WHERE NOT ST_IsValid(s.geom)
    ), missing_parent AS (
        SELECT 'missing_parent', s.code, s.parent, s.geom, ST_Area(s.geom::geography)
        FROM scope s
        WHERE s.parent IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM layer p WHERE p.code OPERATOR(gridgov.=) s.parent)
          AND EXISTS (SELECT 1 FROM layer p WHERE p.level = gridgov.level(s.parent))
    ), outside AS (
        SELECT 'outside_parent', s.code, p.code, d.geom, ST_Area(d.geom::geography)
        FROM scope s
        JOIN layer p ON p.code OPERATOR(gridgov.=) s.parent
        CROSS JOIN LATERAL (SELECT ST_Difference(s.geom, p.geom) AS geom) d
        WHERE NOT ST_CoveredBy(s.geom, p.geom)
    ), gaps AS (
        SELECT 'gap', p.code, NULL::gridgov.gridcode, d.geom, ST_Area(d.geom::geography)
        FROM scope p
        CROSS JOIN LATERAL (
            SELECT ST_Union(c.geom) AS children FROM layer c
            WHERE c.parent OPERATOR(gridgov.=) p.code AND c.kind = 'general') u
        CROSS JOIN LATERAL (SELECT ST_Difference(p.geom, u.children) AS geom) d
        WHERE u.children IS NOT NULL AND NOT ST_CoveredBy(p.geom, u.children)
    ), overlapping AS (
        SELECT 'overlap', a.code, b.code, i.geom, ST_Area(i.geom::geography)
        FROM scope a
        JOIN layer b ON b.parent OPERATOR(gridgov.=) a.parent AND b.code OPERATOR(gridgov.>) a.code
                    AND b.kind = 'general' AND b.geom && a.geom
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom) i
        WHERE a.kind = 'general' AND ST_Relate(a.geom, b.geom, '2********')
    )
    SELECT * FROM (
        SELECT * FROM invalid
        UNION ALL SELECT * FROM missing_parent
        UNION ALL SELECT * FROM outside
        UNION ALL SELECT * FROM gaps
        UNION ALL SELECT * FROM overlapping
    ) issues
    WHERE issues.problem IN ('invalid_geometry', 'missing_parent') OR issues.area_m2 >= coverage_issues.min_area_m2
    ORDER BY issues.problem, issues.code, issues.other_code;
END
$$;
COMMENT ON FUNCTION gridgov.coverage_issues(gridgov.gridcode, timestamptz, double precision) IS
    'Coverage problems among grid versions valid at `at` (under root, if given): invalid_geometry; missing_parent (the parent code has no grid while its level exists in the layer); outside_parent (part of a grid outside its parent); gap (part of a parent not covered by its general children); overlap (two general siblings sharing area). Area problems smaller than min_area_m2 are ignored. One row per problem with the codes, the problem geometry and its area in m²';

-- Re-division (动态调整): retire grids and add their replacements in one step.
CREATE FUNCTION gridgov.redivide(retire gridgov.gridcode[], additions jsonb,
                                 effective timestamptz DEFAULT pg_catalog.now(),
                                 note text DEFAULT NULL,
                                 check_coverage boolean DEFAULT true,
                                 coord_system text DEFAULT 'wgs84')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    rev bigint;
    missing gridgov.gridcode[];
    added gridgov.gridcode[];
    scope gridgov.gridcode[];
    issues text;
BEGIN
    IF retire IS NULL OR additions IS NULL OR effective IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'retire, additions and effective must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(effective) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'effective must be a finite time';
    END IF;
    -- One re-division at a time; readers are not blocked.
    LOCK TABLE gridgov.grids IN SHARE ROW EXCLUSIVE MODE;

    SELECT pg_catalog.array_agg(r ORDER BY r) INTO missing
    FROM pg_catalog.unnest(retire) r
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.grids g
                      WHERE g.code OPERATOR(gridgov.=) r AND g.valid_to = 'infinity'
                        AND g.valid_from < effective);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'GG003',
            MESSAGE = pg_catalog.format('cannot retire %s: no current version that started before %s',
                                        pg_catalog.array_to_string(missing, ', '), effective),
            HINT = 'Only current grids can be retired, at a time after their version began.';
    END IF;

    SELECT pg_catalog.array_agg(p.code ORDER BY p.code) INTO added
    FROM gridgov.parse_grid_features(additions, coord_system, false) p;

    INSERT INTO gridgov.grid_revisions (effective, retired, added, note)
    VALUES (effective, retire, COALESCE(added, '{}'), note)
    RETURNING id INTO rev;
    UPDATE gridgov.grids g SET valid_to = effective
    WHERE g.code OPERATOR(gridgov.=) ANY (retire) AND g.valid_to = 'infinity';
    -- An added code that is still valid (and not retired) is refused by the
    -- grids_check trigger (GG002, overlapping versions).
    INSERT INTO gridgov.grids (code, name, kind, geom, leader, attrs, valid_from, revision_id)
    SELECT p.code, p.name, p.kind, p.geom, p.leader, p.attrs, effective, rev
    FROM gridgov.parse_grid_features(additions, coord_system, false) p;

    IF check_coverage THEN
        -- Every parent that gained or lost a child, and every added grid (with its children).
        SELECT pg_catalog.array_agg(DISTINCT c) INTO scope FROM (
            SELECT gridgov.parent(x) AS c FROM pg_catalog.unnest(retire || COALESCE(added, '{}')) x
            UNION SELECT x FROM pg_catalog.unnest(COALESCE(added, '{}')) x) s
        WHERE c IS NOT NULL;
        SELECT pg_catalog.string_agg(pg_catalog.format('%s %s%s (%s m²)', i.problem, i.code,
                                        COALESCE(' / ' || i.other_code::text, ''),
                                        pg_catalog.round(i.area_m2::numeric, 1)), '; ')
        INTO issues
        FROM (SELECT DISTINCT ON (ci.problem, ci.code, ci.other_code) ci.*
              FROM pg_catalog.unnest(scope) r, gridgov.coverage_issues(r, effective) ci) i;
        IF issues IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'GG004',
                MESSAGE = 'the re-division leaves coverage problems',
                DETAIL = issues || '.',
                HINT = 'Fix the outlines, retire the children of retired grids too, or pass check_coverage => false.';
        END IF;
    END IF;
    -- Open cases of the retired grids move now, or when the re-division takes
    -- effect (gridgov.rehome_due_cases, nightly job).
    IF effective <= pg_catalog.now() THEN
        PERFORM gridgov.rehome_cases(rev);
    END IF;
    RETURN rev;
END
$$;
COMMENT ON FUNCTION gridgov.redivide(gridgov.gridcode[], jsonb, timestamptz, text, boolean, text) IS
    'Re-division in one call: closes the current versions of the retired codes at `effective`, adds the GeoJSON additions as versions starting then, records a gridgov.grid_revisions row (modules react to it, e.g. re-homing open cases) and returns its id; by default refuses (GG004) a result with coverage problems around the change';
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
-- ---------------------------------------------------------------------------
-- organisation: settings, departments, staff, grid staff.
--
-- Functions here qualify every name (gridgov., pg_catalog., OPERATOR(gridgov.=))
-- instead of SET search_path, so that they behave the same under any caller's
-- search_path and stay cheap enough for the intake trigger's path.
--
-- SQLSTATEs (documented in docs/organisation.md): GG120 jurisdiction does not
-- match the department level, GG122 jurisdiction outside the parent's, GG124 a
-- second active command center, GG125 overlapping grid duty, GG127 parent
-- cycle, GG128 shipped row deleted or renamed; 22023 bad setting value or level
-- name; 42704 unknown database role.
-- ---------------------------------------------------------------------------

-- Settings ------------------------------------------------------------------

CREATE TABLE gridgov.settings (
    key         text COLLATE pg_catalog."C" PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    value       text,
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE gridgov.settings IS
    'Database-wide settings of gridgov (key, value). Shipped keys (builtin) cannot be deleted; set their value with UPDATE. Values of known keys are validated on write.';
COMMENT ON COLUMN gridgov.settings.key IS 'Setting name: lower-case letters, digits and _';
COMMENT ON COLUMN gridgov.settings.value IS 'Setting value as text; NULL means unset';
COMMENT ON COLUMN gridgov.settings.description IS 'What the setting does';
COMMENT ON COLUMN gridgov.settings.builtin IS 'Maintained by gridgov: the row ships with the extension (values written here are ignored)';
COMMENT ON COLUMN gridgov.settings.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

INSERT INTO gridgov.settings (key, value, description, builtin) VALUES
    ('home_county', NULL,
     'The 6-digit county (district) code this database serves, e.g. 110115. Unlocated cases belong to it and go to its district command center. Set it with: UPDATE gridgov.settings SET value = ''110115'' WHERE key = ''home_county''.',
     true),
    ('unclassified_category', 'H99, patrol:E9901, video:E9901, app:E9901, proactive:E9901',
     'The category of a case that arrives without one and that no text model classifies with enough confidence (gridgov.intake_text_model, docs/assisted-intake.md): it is filed under this category, routed by it, and waits for the command center to set the right one in the same workflow. A list separated by commas: source:code for a source of its own (a patrol''s case in the grid event workflow), a bare code for the others. A source with no category here (or NULL) is refused (23502) instead.',
     true);

-- Shipped rows are not dumped until changed; changed and user rows are.
SELECT pg_catalog.pg_extension_config_dump('gridgov.settings', 'WHERE NOT builtin OR modified');

CREATE FUNCTION gridgov.settings_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    shipped boolean;
BEGIN
    PERFORM gridgov.trigger_check('settings_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'DELETE' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG128',
                MESSAGE = pg_catalog.format('setting %s ships with gridgov and cannot be deleted', OLD.key),
                DETAIL = 'A dump and restore would bring it back.',
                HINT = pg_catalog.format('Unset it instead: UPDATE gridgov.settings SET value = NULL WHERE key = %L.', OLD.key);
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.key = 'home_county' AND NEW.value IS NOT NULL
       AND NEW.value !~ '^[0-9]{6}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting home_county must be a 6-digit county code, not "%s"', NEW.value),
            DETAIL = 'It names the district this database serves, e.g. 110115 for Daxing.';
    END IF;
    IF NEW.key = 'unclassified_category' AND NEW.value IS NOT NULL
       AND (NEW.value !~ '^ *([a-z]+ *: *)?[CEHD]([0-9]{2}){1,3} *(, *([a-z]+ *: *)?[CEHD]([0-9]{2}){1,3} *)*$'
            OR EXISTS (SELECT 1 FROM pg_catalog.regexp_matches(NEW.value, '([a-z]+) *:', 'g') m
                       WHERE NOT m[1] = ANY (pg_catalog.enum_range(NULL::gridgov.case_source)::text[]))) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting unclassified_category must be a list of category codes, not "%s"', NEW.value),
            DETAIL = 'Entries are separated by commas: a category code (for any source) or source:code (for that source), e.g. H99, patrol:E9901.';
    END IF;

    IF TG_OP = 'INSERT' THEN
        -- A row for a shipped, unchanged key replaces it (this is how pg_restore
        -- brings back a changed shipped row after CREATE EXTENSION made it).
        -- In the relation fired on: under Citus each copy of the reference
        -- table (TG_TABLE_NAME, a shard) does so for itself.
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I s '
                                  'WHERE s.key = $1 AND s.builtin AND NOT s.modified)', TG_TABLE_NAME)
            INTO shipped USING NEW.key;
        IF shipped THEN
            EXECUTE pg_catalog.format('UPDATE gridgov.%I s SET value = $2, '
                                      'description = COALESCE($3, s.description) WHERE s.key = $1', TG_TABLE_NAME)
                USING NEW.key, NEW.value, NEW.description;
            RETURN NULL;
        END IF;
        NEW.builtin := false;
        NEW.modified := false;
        RETURN NEW;
    END IF;

    IF OLD.builtin AND NEW.key <> OLD.key THEN
        RAISE EXCEPTION USING ERRCODE = 'GG128',
            MESSAGE = pg_catalog.format('setting %s ships with gridgov and cannot be renamed', OLD.key);
    END IF;
    NEW.builtin := OLD.builtin;
    NEW.modified := OLD.modified
        OR (OLD.builtin AND (NEW.value, NEW.description) IS DISTINCT FROM (OLD.value, OLD.description));
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.settings_guard() IS
    'Trigger: validates known settings (home_county: 6 digits; unclassified_category: a list of category codes, each for a source or for all; 22023), keeps builtin/modified, refuses to delete or rename shipped keys (GG128), and lets an INSERT of a shipped unchanged key replace it (restore)';

CREATE TRIGGER settings_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.settings
    FOR EACH ROW EXECUTE FUNCTION gridgov.settings_guard();
-- Also under session_replication_role = replica: a restore in that mode brings
-- a changed shipped key back through it too (docs/backup.md).
ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;

CREATE FUNCTION gridgov.home_county() RETURNS gridgov.gridcode
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.value::gridgov.gridcode FROM gridgov.settings s WHERE s.key = 'home_county';
END;
COMMENT ON FUNCTION gridgov.home_county() IS
    'The county (district) this database serves, from gridgov.settings home_county; NULL when unset';

-- Departments ----------------------------------------------------------------

CREATE TABLE gridgov.departments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text COLLATE pg_catalog."C" NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name         text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    level        text NOT NULL CHECK (level IN ('district', 'town', 'community')),
    jurisdiction gridgov.gridcode NOT NULL,
    parent_id    bigint REFERENCES gridgov.departments (id),
    kind         text NOT NULL CHECK (kind IN ('command_center', 'government', 'functional',
                                              'utility', 'discipline', 'community')),
    active       boolean NOT NULL DEFAULT true,
    attrs        jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT departments_level_jurisdiction CHECK (
        gridgov.level(jurisdiction) = CASE level WHEN 'district' THEN 3 WHEN 'town' THEN 4 ELSE 5 END),
    CONSTRAINT departments_community_kind CHECK (kind <> 'community' OR level = 'community'),
    CONSTRAINT departments_attrs_object CHECK (pg_catalog.jsonb_typeof(attrs) = 'object')
);
-- One active command center per jurisdiction (the trigger below says it first,
-- with a clearer message; this index holds under concurrent writers).
CREATE UNIQUE INDEX departments_one_command_center ON gridgov.departments (jurisdiction)
    WHERE kind = 'command_center' AND active;
CREATE INDEX departments_parent ON gridgov.departments (parent_id);
CREATE INDEX departments_jurisdiction ON gridgov.departments (jurisdiction);

COMMENT ON TABLE gridgov.departments IS
    'Departments at district, town or community level: command centers, governments, functional departments, utilities, discipline bodies and community committees. Each answers for a jurisdiction (an area code of its level).';
COMMENT ON COLUMN gridgov.departments.code IS 'Stable short identifier (ASCII letters, digits, _ . -), e.g. dx-cgzf';
COMMENT ON COLUMN gridgov.departments.name IS 'Name, e.g. 亦庄地区网格化服务管理中心';
COMMENT ON COLUMN gridgov.departments.level IS 'district (jurisdiction 6 digits), town (9 digits) or community (12 digits)';
COMMENT ON COLUMN gridgov.departments.jurisdiction IS 'The area the department answers for; its code level matches the department level';
COMMENT ON COLUMN gridgov.departments.parent_id IS 'Parent department; the jurisdiction must lie inside the parent''s';
COMMENT ON COLUMN gridgov.departments.kind IS
    'command_center (指挥中心 / 网格化服务管理中心), government, functional (职能部门), utility (供水/供电/燃气, own components), discipline (纪委监委, 检察院) or community (居委会/村委会)';
COMMENT ON COLUMN gridgov.departments.active IS 'Inactive departments are never routed to and do not count as command centers';
COMMENT ON COLUMN gridgov.departments.attrs IS 'Free attributes (address, duty phone, working calendar...) as a JSON object';

SELECT pg_catalog.pg_extension_config_dump('gridgov.departments', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.departments_id_seq', '');

CREATE FUNCTION gridgov.departments_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    want_level integer;
    p record;
    other record;
BEGIN
    PERFORM gridgov.trigger_check('departments_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    want_level := CASE NEW.level WHEN 'district' THEN 3 WHEN 'town' THEN 4 WHEN 'community' THEN 5 END;
    IF want_level IS NOT NULL AND gridgov.level(NEW.jurisdiction) <> want_level THEN
        RAISE EXCEPTION USING ERRCODE = 'GG120',
            MESSAGE = pg_catalog.format('department %s is %s level but its jurisdiction %s is a %s code',
                                        NEW.code, NEW.level, NEW.jurisdiction,
                                        gridgov.level_name(NEW.jurisdiction)),
            DETAIL = 'A district department answers for a 6-digit county code, a town department for a 9-digit town code, a community department for a 12-digit community code.';
    END IF;

    IF NEW.parent_id IS NOT NULL THEN
        SELECT d.id, d.code, d.jurisdiction INTO p FROM gridgov.departments d WHERE d.id = NEW.parent_id;
        IF FOUND AND NOT (p.jurisdiction OPERATOR(gridgov.@>) NEW.jurisdiction) THEN
            RAISE EXCEPTION USING ERRCODE = 'GG122',
                MESSAGE = pg_catalog.format('department %s (jurisdiction %s) lies outside its parent %s (jurisdiction %s)',
                                            NEW.code, NEW.jurisdiction, p.code, p.jurisdiction),
                DETAIL = 'A department''s jurisdiction must be its parent''s or lie inside it.';
        END IF;
        IF NEW.parent_id = NEW.id OR EXISTS (
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT d.id, d.parent_id FROM gridgov.departments d WHERE d.id = NEW.parent_id
                UNION
                SELECT d.id, d.parent_id FROM gridgov.departments d JOIN up ON d.id = up.parent_id
            )
            SELECT 1 FROM up WHERE up.id = NEW.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'GG127',
                MESSAGE = pg_catalog.format('department %s cannot have %s as parent: that would make a cycle',
                                            NEW.code, COALESCE(p.code, NEW.code)),
                DETAIL = 'The chain of parents of a department must end at a department without parent.';
        END IF;
    END IF;

    IF TG_OP = 'UPDATE' AND NEW.jurisdiction OPERATOR(gridgov.<>) OLD.jurisdiction THEN
        SELECT d.code, d.jurisdiction INTO other FROM gridgov.departments d
        WHERE d.parent_id = NEW.id AND NOT (NEW.jurisdiction OPERATOR(gridgov.@>) d.jurisdiction)
        ORDER BY d.code LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GG122',
                MESSAGE = pg_catalog.format('department %s cannot move to jurisdiction %s: its child %s (jurisdiction %s) would lie outside it',
                                            NEW.code, NEW.jurisdiction, other.code, other.jurisdiction),
                DETAIL = 'A department''s jurisdiction must be its parent''s or lie inside it.';
        END IF;
    END IF;

    IF NEW.kind = 'command_center' AND NEW.active THEN
        SELECT d.code, d.name INTO other FROM gridgov.departments d
        WHERE d.kind = 'command_center' AND d.active AND d.id <> NEW.id
          AND (TG_OP = 'INSERT' OR d.id <> OLD.id)
          AND d.jurisdiction OPERATOR(gridgov.=) NEW.jurisdiction;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GG124',
                MESSAGE = pg_catalog.format('jurisdiction %s already has an active command center: %s (%s)',
                                            NEW.jurisdiction, other.code, other.name),
                DETAIL = 'Cases fall back to the command center of their town or district, so there can be only one per area.',
                HINT = 'Deactivate the other one first, or insert this one with active = false.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.departments_check() IS
    'Trigger: jurisdiction level matches the department level (GG120), lies inside the parent''s and keeps children inside (GG122), no parent cycle (GG127), one active command center per jurisdiction (GG124)';

CREATE TRIGGER departments_check BEFORE INSERT OR UPDATE ON gridgov.departments
    FOR EACH ROW EXECUTE FUNCTION gridgov.departments_check();

CREATE FUNCTION gridgov.command_center(area gridgov.gridcode, level text) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    lvl integer := CASE command_center.level WHEN 'district' THEN 3 WHEN 'town' THEN 4
                                             WHEN 'community' THEN 5 END;
    dept bigint;
BEGIN
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown department level "%s"', command_center.level),
            DETAIL = 'Department levels are district, town and community.';
    END IF;
    SELECT d.id INTO dept FROM gridgov.departments d
    WHERE d.kind = 'command_center' AND d.active
      AND d.jurisdiction OPERATOR(gridgov.=) gridgov.ancestor(command_center.area, lvl);
    RETURN dept;
END
$$;
COMMENT ON FUNCTION gridgov.command_center(gridgov.gridcode, text) IS
    'The active command center of a level (district, town, community) whose jurisdiction contains the area; NULL when there is none or the area is above that level; 22023 for an unknown level';

-- Staff --------------------------------------------------------------------

CREATE TABLE gridgov.staff (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 100),
    department_id bigint NOT NULL REFERENCES gridgov.departments (id),
    db_role       text CHECK (pg_catalog.length(db_role) BETWEEN 1 AND 63),
    phone         text CHECK (phone ~ '^\+?[0-9][0-9 ()-]{2,31}$'),
    active        boolean NOT NULL DEFAULT true
);
-- A database role identifies at most one active staff member.
CREATE UNIQUE INDEX staff_db_role_active ON gridgov.staff (db_role) WHERE active AND db_role IS NOT NULL;
CREATE INDEX staff_department ON gridgov.staff (department_id);

COMMENT ON TABLE gridgov.staff IS
    'People who handle cases: name, department, optional database role. Personal data (phone) lives in this table only; views and events refer to staff by id.';
COMMENT ON COLUMN gridgov.staff.name IS 'Full name';
COMMENT ON COLUMN gridgov.staff.department_id IS 'The department the person works for';
COMMENT ON COLUMN gridgov.staff.db_role IS 'Database role the person logs in as (must exist when set); gridgov.current_staff() maps current_user to the row';
COMMENT ON COLUMN gridgov.staff.phone IS 'Work or mobile phone (personal data: keep it here only)';
COMMENT ON COLUMN gridgov.staff.active IS 'Whether the person is currently on staff';

SELECT pg_catalog.pg_extension_config_dump('gridgov.staff', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.staff_id_seq', '');

CREATE FUNCTION gridgov.staff_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('staff_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.db_role IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = NEW.db_role) THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('role "%s" does not exist', NEW.db_role),
            DETAIL = pg_catalog.format('Staff member %s can only be mapped to an existing database role.', NEW.name),
            HINT = 'Create the role first, or leave db_role NULL.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.staff_check() IS 'Trigger: db_role, when set, names an existing database role (42704)';

CREATE TRIGGER staff_check BEFORE INSERT OR UPDATE OF db_role ON gridgov.staff
    FOR EACH ROW EXECUTE FUNCTION gridgov.staff_check();

CREATE FUNCTION gridgov.current_staff() RETURNS gridgov.staff
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT s FROM gridgov.staff s
    WHERE s.db_role = CURRENT_USER::text AND s.active;
END;
COMMENT ON FUNCTION gridgov.current_staff() IS
    'The active staff row mapped to current_user (staff.db_role); NULL when there is none';

-- Grid staff ------------------------------------------------------------------

CREATE TABLE gridgov.grid_staff (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grid       gridgov.gridcode NOT NULL,
    staff_id   bigint NOT NULL REFERENCES gridgov.staff (id),
    duty       text NOT NULL CHECK (duty IN ('leader', 'worker', 'sunk_officer')),
    valid_from timestamptz NOT NULL DEFAULT pg_catalog.now(),
    valid_to   timestamptz NOT NULL DEFAULT 'infinity',
    CONSTRAINT grid_staff_validity CHECK (valid_from < valid_to)
);
CREATE INDEX grid_staff_grid ON gridgov.grid_staff (grid, duty, valid_from);
CREATE INDEX grid_staff_staff ON gridgov.grid_staff (staff_id);

COMMENT ON TABLE gridgov.grid_staff IS
    'Who serves which grid: grid leader (网格长), grid worker (网格员) or sunk officer (下沉 from a department), for a period [valid_from, valid_to). At most one leader per grid at any time.';
COMMENT ON COLUMN gridgov.grid_staff.grid IS 'Area code of the grid (any level; usually a unit grid or a community); no foreign key, so assignments can precede the grid layer';
COMMENT ON COLUMN gridgov.grid_staff.staff_id IS 'The staff member';
COMMENT ON COLUMN gridgov.grid_staff.duty IS 'leader (网格长), worker (网格员) or sunk_officer (下沉干部)';
COMMENT ON COLUMN gridgov.grid_staff.valid_from IS 'Start of the assignment (inclusive)';
COMMENT ON COLUMN gridgov.grid_staff.valid_to IS 'End of the assignment (exclusive); infinity while current';

SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_staff', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_staff_id_seq', '');

CREATE FUNCTION gridgov.grid_staff_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    other record;
BEGIN
    PERFORM gridgov.trigger_check('grid_staff_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- Serialise writers of one grid so that the overlap checks see each other.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.grid_staff'),
                                             pg_catalog.hashtext(NEW.grid::text));
    IF NEW.duty = 'leader' THEN
        SELECT g.valid_from, g.valid_to, s.name INTO other
        FROM gridgov.grid_staff g JOIN gridgov.staff s ON s.id = g.staff_id
        WHERE g.grid OPERATOR(gridgov.=) NEW.grid AND g.duty = 'leader' AND g.id <> NEW.id
          AND g.valid_from < NEW.valid_to AND NEW.valid_from < g.valid_to
        ORDER BY g.valid_from LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GG125',
                MESSAGE = pg_catalog.format('grid %s already has a leader in [%s, %s): %s',
                                            NEW.grid, other.valid_from, other.valid_to, other.name),
                DETAIL = 'A grid has at most one leader at any time.',
                HINT = 'End the current leader''s assignment first (set its valid_to).';
        END IF;
    END IF;
    SELECT g.valid_from, g.valid_to, s.name INTO other
    FROM gridgov.grid_staff g JOIN gridgov.staff s ON s.id = g.staff_id
    WHERE g.grid OPERATOR(gridgov.=) NEW.grid AND g.staff_id = NEW.staff_id AND g.duty = NEW.duty
      AND g.id <> NEW.id AND g.valid_from < NEW.valid_to AND NEW.valid_from < g.valid_to
    ORDER BY g.valid_from LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG125',
            MESSAGE = pg_catalog.format('%s is already %s of grid %s in [%s, %s)',
                                        other.name, NEW.duty, NEW.grid, other.valid_from, other.valid_to),
            DETAIL = 'Assignments of one person to one grid and duty must not overlap in time.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.grid_staff_check() IS
    'Trigger: at most one leader per grid at any time, no overlapping duplicate assignment (GG125)';

CREATE TRIGGER grid_staff_check BEFORE INSERT OR UPDATE ON gridgov.grid_staff
    FOR EACH ROW EXECUTE FUNCTION gridgov.grid_staff_check();

CREATE FUNCTION gridgov.grid_leader(grid gridgov.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT g.staff_id FROM gridgov.grid_staff g
    WHERE g.grid OPERATOR(gridgov.=) grid_leader.grid AND g.duty = 'leader'
      AND g.valid_from <= grid_leader.as_of AND grid_leader.as_of < g.valid_to
    ORDER BY g.valid_from DESC LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.grid_leader(gridgov.gridcode, timestamptz) IS
    'Staff id of the leader (网格长) of exactly this grid code at as_of (default now()); NULL when none';
-- ---------------------------------------------------------------------------
-- Workflows as data: states and transitions of each case workflow.  Before
-- the categories (045), each of which names the workflow of its cases.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.workflows (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    title       text NOT NULL,
    description text,
    intake_clocks text[] NOT NULL DEFAULT '{whole}',
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE gridgov.workflows IS 'Case workflows (state machines); each category names the workflow its cases follow';
COMMENT ON COLUMN gridgov.workflows.name IS 'Identifier, e.g. grid_event, hotline, dispute';
COMMENT ON COLUMN gridgov.workflows.title IS 'Human-readable name';
COMMENT ON COLUMN gridgov.workflows.description IS 'What the workflow is for';
COMMENT ON COLUMN gridgov.workflows.intake_clocks IS 'SLA stages whose clocks start when a case enters (e.g. {file,whole})';
COMMENT ON COLUMN gridgov.workflows.builtin IS 'Maintained by gridgov: shipped with gridgov (re-created by CREATE EXTENSION, so not dumped unless modified); rows a city adds are dumped';
COMMENT ON COLUMN gridgov.workflows.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

CREATE TABLE gridgov.workflow_states (
    workflow    text NOT NULL REFERENCES gridgov.workflows (name) ON UPDATE CASCADE ON DELETE CASCADE,
    state       text NOT NULL CHECK (state ~ '^[a-z][a-z0-9_]{0,39}$'),
    title       text NOT NULL,
    initial     boolean NOT NULL DEFAULT false,
    terminal    boolean NOT NULL DEFAULT false,
    -- A terminal state may leave closed_at unset until something else closes
    -- the case (a merged duplicate is closed with its master).
    closes_case boolean NOT NULL DEFAULT false,
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workflow, state),
    CHECK (NOT (initial AND terminal)),
    CONSTRAINT workflow_states_closes_terminal CHECK (NOT closes_case OR terminal)
);
CREATE UNIQUE INDEX workflow_states_one_initial ON gridgov.workflow_states (workflow) WHERE initial;
COMMENT ON TABLE gridgov.workflow_states IS 'States of each workflow: exactly one initial state (cases enter in it); terminal states end the case (closed_at is set)';
COMMENT ON COLUMN gridgov.workflow_states.workflow IS 'Workflow the state belongs to';
COMMENT ON COLUMN gridgov.workflow_states.state IS 'State identifier, e.g. dispatched';
COMMENT ON COLUMN gridgov.workflow_states.title IS 'Human-readable name, e.g. 已派遣';
COMMENT ON COLUMN gridgov.workflow_states.initial IS 'Cases of this workflow enter in this state';
COMMENT ON COLUMN gridgov.workflow_states.terminal IS 'The case is finished in this state';
COMMENT ON COLUMN gridgov.workflow_states.closes_case IS
    'Entering this state sets the case''s closed_at (true for closed and rejected; false for merged, which closes with its master)';
COMMENT ON COLUMN gridgov.workflow_states.builtin IS 'Maintained by gridgov: shipped with gridgov (not dumped unless modified)';
COMMENT ON COLUMN gridgov.workflow_states.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

CREATE TABLE gridgov.transitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow    text NOT NULL REFERENCES gridgov.workflows (name) ON UPDATE CASCADE ON DELETE CASCADE,
    from_state  text NOT NULL,
    action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]{0,39}$'),
    to_state    text,
    roles       text[] NOT NULL DEFAULT '{}',
    counter     text CHECK (counter ~ '^(dispatches|returns|reworks|reopens|extensions|suspensions)(\+(dispatches|returns|reworks|reopens|extensions|suspensions))?$'),
    requires    text[] NOT NULL DEFAULT '{}',
    clock_start text[] NOT NULL DEFAULT '{}',
    clock_stop  text[] NOT NULL DEFAULT '{}',
    title       text,
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false,
    clock_cancel text[] NOT NULL DEFAULT '{}',
    UNIQUE (workflow, from_state, action),
    FOREIGN KEY (workflow, to_state) REFERENCES gridgov.workflow_states (workflow, state)
        ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE gridgov.transitions IS
    'Legal state changes: in a workflow, from a state (or * for any non-terminal state), an action leads to a state (NULL: the state stays), allowed to members of any of the roles (empty: anyone). Changes here take effect in every session at its next statement.';
COMMENT ON COLUMN gridgov.transitions.workflow IS 'Workflow';
COMMENT ON COLUMN gridgov.transitions.from_state IS 'State the case must be in, or * for any non-terminal state';
COMMENT ON COLUMN gridgov.transitions.action IS 'Action name, as passed to gridgov.act()';
COMMENT ON COLUMN gridgov.transitions.to_state IS 'State after the action; NULL leaves the state unchanged (e.g. extend, whistle)';
COMMENT ON COLUMN gridgov.transitions.roles IS 'Database roles allowed to take the action (membership counts); empty array: anyone who may update cases';
COMMENT ON COLUMN gridgov.transitions.counter IS 'Case counter the action increments: dispatches, returns, reworks, reopens, extensions or suspensions, or two of them joined by + (returns+dispatches: a re-dispatch that approves a return)';
COMMENT ON COLUMN gridgov.transitions.requires IS 'Keys the action''s payload must carry, e.g. {department_id} for dispatch, {solved,satisfaction} for callback';
COMMENT ON COLUMN gridgov.transitions.clock_start IS 'SLA stages whose clocks this action starts (e.g. {sign})';
COMMENT ON COLUMN gridgov.transitions.clock_stop IS 'SLA stages whose clocks this action stops (met)';
COMMENT ON COLUMN gridgov.transitions.title IS 'Human-readable name, e.g. 派遣';
COMMENT ON COLUMN gridgov.transitions.builtin IS 'Maintained by gridgov: shipped with gridgov (not dumped unless modified)';
COMMENT ON COLUMN gridgov.transitions.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';
COMMENT ON COLUMN gridgov.transitions.clock_cancel IS 'SLA stages whose running clocks this action cancels (stopped, neither met nor late: e.g. the holder''s clocks when a case goes to a joint meeting)';

-- Every from_state must be a state of the workflow, or *.
CREATE FUNCTION gridgov.transitions_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('transitions_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.from_state <> '*' AND NOT EXISTS (
        SELECT 1 FROM gridgov.workflow_states s WHERE s.workflow = NEW.workflow AND s.state = NEW.from_state) THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('state %s is not a state of workflow %s', NEW.from_state, NEW.workflow);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.transitions_check() IS 'Trigger: a transition''s from_state is a state of its workflow or *';
CREATE TRIGGER transitions_check BEFORE INSERT OR UPDATE ON gridgov.transitions
    FOR EACH ROW EXECUTE FUNCTION gridgov.transitions_check();

-- Shipped rows come back with CREATE EXTENSION; rows a city adds, and shipped
-- rows it changed (modified), are dumped: gridgov.shipped_rows_restore() below
-- lets the restore of a changed shipped row update the one CREATE EXTENSION made.
SELECT pg_catalog.pg_extension_config_dump('gridgov.workflows', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.workflow_states', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transitions', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transitions_id_seq', '');

-- Shipped workflows -------------------------------------------------------------
-- Roles are the group roles gridgov.setup_roles() (098) creates: gridgov_dispatcher
-- (command center), gridgov_department (assignees), gridgov_worker (grid
-- workers), gridgov_admin (member of all three).

INSERT INTO gridgov.workflows (name, title, description, intake_clocks, builtin) VALUES
    ('grid_event', '数字城管案件', 'Digital city management: collect, file, dispatch, handle, report back, verify, close (GB/T 30428 practice).', '{file,whole}', true),
    ('hotline', '12345热线工单', '12345 citizen hotline: sign for, route, handle, reply, call back, close; reopened when the caller is not satisfied.', '{dispatch,whole}', true),
    ('dispute', '矛盾纠纷调解', 'Dispute mediation: accept, mediate, agreement or failure (referred), follow up, close.', '{sign,whole}', true);

INSERT INTO gridgov.workflow_states (workflow, state, title, initial, terminal, closes_case, builtin) VALUES
    ('grid_event', 'reported',     '上报',     true,  false, false, true),
    ('grid_event', 'filed',        '已立案',   false, false, false, true),
    ('grid_event', 'rejected',     '不予立案', false, true,  true,  true),
    ('grid_event', 'self_handled', '自处置',   false, false, false, true),
    ('grid_event', 'dispatched',   '已派遣',   false, false, false, true),
    ('grid_event', 'return_review', '退回待审核', false, false, false, true),
    ('grid_event', 'returned',     '已退回',   false, false, false, true),
    ('grid_event', 'meeting',      '会商中',   false, false, false, true),
    ('grid_event', 'signed',       '已签收',   false, false, false, true),
    ('grid_event', 'handled',      '已处置',   false, false, false, true),
    ('grid_event', 'verified',     '已核查',   false, false, false, true),
    ('grid_event', 'called_back',  '已回访',   false, false, false, true),
    ('grid_event', 'closed',       '已结案',   false, true,  true,  true),
    ('grid_event', 'merged',       '已合并',   false, true,  false, true),
    ('hotline',    'received',     '已受理',   true,  false, false, true),
    ('hotline',    'dispatched',   '已派单',   false, false, false, true),
    ('hotline',    'return_review', '退单待审核', false, false, false, true),
    ('hotline',    'returned',     '已退单',   false, false, false, true),
    ('hotline',    'meeting',      '会商中',   false, false, false, true),
    ('hotline',    'signed',       '已签收',   false, false, false, true),
    ('hotline',    'contacted',    '已联系',   false, false, false, true),
    ('hotline',    'handled',      '已办理',   false, false, false, true),
    ('hotline',    'replied',      '已反馈',   false, false, false, true),
    ('hotline',    'called_back',  '已回访',   false, false, false, true),
    ('hotline',    'closed',       '已办结',   false, true,  true,  true),
    ('hotline',    'merged',       '已合并',   false, true,  false, true),
    ('dispute',    'accepted',     '已受理',   true,  false, false, true),
    ('dispute',    'mediating',    '调解中',   false, false, false, true),
    ('dispute',    'agreement',    '达成协议', false, false, false, true),
    ('dispute',    'failed',       '调解失败', false, false, false, true),
    ('dispute',    'referred',     '已移交',   false, false, false, true),
    ('dispute',    'followed_up',  '已回访',   false, false, false, true),
    ('dispute',    'closed',       '已结案',   false, true,  true,  true),
    ('dispute',    'merged',       '已合并',   false, true,  false, true);

INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, clock_cancel, title, builtin) VALUES
    -- grid_event: 采集 → 立案 → 派遣 → 处置 → 反馈 → 核查结案 → 评价
    ('grid_event', 'reported',     'file',        'filed',        '{gridgov_dispatcher}', NULL, '{}', '{dispatch}', '{file}', '{}', '立案', true),
    ('grid_event', 'reported',     'reject',      'rejected',     '{gridgov_dispatcher}', NULL, '{}', '{}', '{file}', '{}', '不予立案', true),
    ('grid_event', 'reported',     'self_handle', 'self_handled', '{gridgov_worker}',     NULL, '{}', '{verify}', '{file}', '{}', '自处置', true),
    ('grid_event', 'filed',        'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '{}', '派遣', true),
    ('grid_event', 'dispatched',   'sign',        'signed',       '{gridgov_department,gridgov_worker}', NULL, '{}', '{handle}', '{sign}', '{}', '签收', true),
    ('grid_event', 'dispatched',   'return',      'return_review', '{gridgov_department}', NULL, '{}', '{review}', '{sign}', '{}', '申请退回', true),
    ('grid_event', 'return_review', 'approve_return', 'returned', '{gridgov_dispatcher}', 'returns', '{}', '{dispatch}', '{review}', '{}', '同意退回', true),
    ('grid_event', 'return_review', 'reject_return', 'dispatched', '{gridgov_dispatcher}', NULL, '{}', '{sign}', '{review}', '{}', '驳回退回', true),
    ('grid_event', 'return_review', 'dispatch',   'dispatched',   '{gridgov_dispatcher}', 'returns+dispatches', '{}', '{sign}', '{review}', '{}', '同意退回并改派', true),
    ('grid_event', 'returned',     'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '{}', '改派', true),
    ('grid_event', 'dispatched',   'refer_meeting', 'meeting',    '{gridgov_dispatcher}', NULL, '{departments}', '{review}', '{}', '{sign}', '提请会商', true),
    ('grid_event', 'signed',       'refer_meeting', 'meeting',    '{gridgov_dispatcher}', NULL, '{departments}', '{review}', '{}', '{handle}', '提请会商', true),
    ('grid_event', 'return_review', 'refer_meeting', 'meeting',   '{gridgov_dispatcher}', NULL, '{departments}', '{}', '{}', '{}', '提请会商', true),
    ('grid_event', 'meeting',      'decide',      'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{decision}', '{sign}', '{review}', '{}', '会商决定，派牵头单位', true),
    ('grid_event', 'signed',       'handle',      'handled',      '{gridgov_department,gridgov_worker}', NULL, '{}', '{verify}', '{handle}', '{}', '处置反馈', true),
    ('grid_event', 'handled',      'verify_pass', 'verified',     '{gridgov_worker,gridgov_dispatcher}', NULL, '{}', '{callback}', '{verify}', '{}', '核查通过', true),
    ('grid_event', 'handled',      'verify_fail', 'signed',       '{gridgov_worker,gridgov_dispatcher}', 'reworks', '{}', '{handle}', '{verify}', '{}', '核查不通过，返工', true),
    ('grid_event', 'self_handled', 'verify_pass', 'verified',     '{gridgov_worker,gridgov_dispatcher}', NULL, '{}', '{callback}', '{verify}', '{}', '核查通过', true),
    ('grid_event', 'self_handled', 'verify_fail', 'filed',        '{gridgov_worker,gridgov_dispatcher}', 'reworks', '{}', '{dispatch}', '{verify}', '{}', '核查不通过，转派遣', true),
    ('grid_event', 'verified',     'callback',    'called_back',  '{gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '{}', '回访', true),
    ('grid_event', 'verified',     'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '{}', '结案', true),
    ('grid_event', 'called_back',  'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '{}', '结案', true),
    ('grid_event', '*',            'merge',       'merged',       '{gridgov_dispatcher}', NULL, '{master_case_id}', '{}', '{}', '{}', '合并', true),
    -- hotline: 签收、分转、处置、督办、反馈、回访、考核; first contact (先行联系) after signing
    ('hotline',    'received',     'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '{}', '派单', true),
    ('hotline',    'received',     'answer',      'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{dispatch}', '{}', '直接答复办结', true),
    ('hotline',    'dispatched',   'sign',        'signed',       '{gridgov_department}', NULL, '{}', '{handle,contact}', '{sign}', '{}', '签收', true),
    ('hotline',    'dispatched',   'return',      'return_review', '{gridgov_department}', NULL, '{}', '{review}', '{sign}', '{}', '申请退单', true),
    ('hotline',    'return_review', 'approve_return', 'returned', '{gridgov_dispatcher}', 'returns', '{}', '{dispatch}', '{review}', '{}', '同意退单', true),
    ('hotline',    'return_review', 'reject_return', 'dispatched', '{gridgov_dispatcher}', NULL, '{}', '{sign}', '{review}', '{}', '驳回退单', true),
    ('hotline',    'return_review', 'dispatch',   'dispatched',   '{gridgov_dispatcher}', 'returns+dispatches', '{}', '{sign}', '{review}', '{}', '同意退单并改派', true),
    ('hotline',    'returned',     'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '{}', '改派', true),
    ('hotline',    'dispatched',   'refer_meeting', 'meeting',    '{gridgov_dispatcher}', NULL, '{departments}', '{review}', '{}', '{sign}', '提请会商', true),
    ('hotline',    'signed',       'refer_meeting', 'meeting',    '{gridgov_dispatcher}', NULL, '{departments}', '{review}', '{}', '{handle,contact}', '提请会商', true),
    ('hotline',    'contacted',    'refer_meeting', 'meeting',    '{gridgov_dispatcher}', NULL, '{departments}', '{review}', '{}', '{handle}', '提请会商', true),
    ('hotline',    'return_review', 'refer_meeting', 'meeting',   '{gridgov_dispatcher}', NULL, '{departments}', '{}', '{}', '{}', '提请会商', true),
    ('hotline',    'meeting',      'decide',      'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{decision}', '{sign}', '{review}', '{}', '会商决定，派牵头单位', true),
    ('hotline',    'signed',       'contact',     'contacted',    '{gridgov_department}', NULL, '{}', '{}', '{contact}', '{}', '先行联系', true),
    ('hotline',    'contacted',    'handle',      'handled',      '{gridgov_department}', NULL, '{}', '{}', '{}', '{}', '办理', true),
    -- Handled without a recorded first contact (and how earlier systems' timelines
    -- read): the contact clock is cancelled, never met, so the response rate counts it against the holder.
    ('hotline',    'signed',       'handle',      'handled',      '{gridgov_department}', NULL, '{}', '{}', '{}', '{contact}', '办理（未先行联系）', true),
    ('hotline',    'handled',      'reply',       'replied',      '{gridgov_department}', NULL, '{}', '{callback}', '{handle}', '{}', '反馈', true),
    ('hotline',    'replied',      'callback',    'called_back',  '{gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '{}', '回访', true),
    ('hotline',    'called_back',  'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '{}', '办结', true),
    ('hotline',    'called_back',  'rehandle',    'contacted',    '{gridgov_dispatcher}', 'reworks', '{}', '{handle}', '{}', '{}', '不满意，重新办理', true),
    ('hotline',    'closed',       'reopen',      'dispatched',   '{gridgov_dispatcher}', 'reopens', '{}', '{sign}', '{}', '{}', '重启', true),
    ('hotline',    '*',            'merge',       'merged',       '{gridgov_dispatcher}', NULL, '{master_case_id}', '{}', '{}', '{}', '合并', true),
    -- dispute: 受理 → 调解 → 达成协议 | 调解失败 (→ 移交) → 回访 → 结案
    ('dispute',    'accepted',     'mediate',     'mediating',    '{gridgov_worker,gridgov_department}', NULL, '{}', '{handle}', '{sign}', '{}', '开始调解', true),
    ('dispute',    'mediating',    'agree',       'agreement',    '{gridgov_worker,gridgov_department}', NULL, '{}', '{callback}', '{handle}', '{}', '达成协议', true),
    ('dispute',    'mediating',    'fail',        'failed',       '{gridgov_worker,gridgov_department}', NULL, '{}', '{}', '{handle}', '{}', '调解失败', true),
    ('dispute',    'failed',       'refer',       'referred',     '{gridgov_dispatcher,gridgov_department}', NULL, '{}', '{callback}', '{}', '{}', '移交', true),
    ('dispute',    'agreement',    'follow_up',   'followed_up',  '{gridgov_worker,gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '{}', '回访', true),
    ('dispute',    'referred',     'follow_up',   'followed_up',  '{gridgov_worker,gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '{}', '回访', true),
    ('dispute',    'followed_up',  'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '{}', '结案', true),
    ('dispute',    '*',            'merge',       'merged',       '{gridgov_dispatcher}', NULL, '{master_case_id}', '{}', '{}', '{}', '合并', true);

-- Every workflow: the actions that keep the state — time limits (see the SLA
-- module), supervision (督办), the holder's requests and the center's
-- decisions on them, whistle-and-report.
INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, title, builtin)
SELECT w.name, '*', a.action, NULL, a.roles, a.counter, a.requires, a.clock_start, a.clock_stop, a.title, true
FROM (VALUES ('grid_event'), ('hotline'), ('dispute')) w(name)
CROSS JOIN (VALUES
    ('suspend',            '{gridgov_dispatcher}'::text[], 'suspensions', '{}'::text[], '{}'::text[], '{}'::text[], '挂账'),
    ('resume',             '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '恢复'),
    ('extend',             '{gridgov_dispatcher}', 'extensions', '{stage,amount}', '{}', '{}', '延期'),
    ('supervise',          '{gridgov_dispatcher}', NULL, '{}', '{supervise}', '{}', '督办'),
    ('answer_supervision', '{gridgov_department,gridgov_worker}', NULL, '{}', '{}', '{supervise}', '督办回复'),
    ('request_extension',  '{gridgov_department,gridgov_worker}', NULL, '{stage,amount}', '{review}', '{}', '申请延期'),
    ('approve_extension',  '{gridgov_dispatcher}', 'extensions', '{}', '{}', '{review}', '批准延期'),
    ('refuse_extension',   '{gridgov_dispatcher}', NULL, '{}', '{}', '{review}', '不予延期'),
    ('request_suspension', '{gridgov_department,gridgov_worker}', NULL, '{}', '{review}', '{}', '申请挂账'),
    ('approve_suspension', '{gridgov_dispatcher}', 'suspensions', '{}', '{}', '{review}', '批准挂账'),
    ('refuse_suspension',  '{gridgov_dispatcher}', NULL, '{}', '{}', '{review}', '不予挂账'),
    ('whistle',            '{gridgov_dispatcher}', NULL, '{departments}', '{}', '{}', '吹哨'),
    ('report_in',          '{gridgov_department,gridgov_dispatcher}', NULL, '{department_id}', '{}', '{}', '报到')
) a(action, roles, counter, requires, clock_start, clock_stop, title)
ORDER BY w.name, a.action;

-- Restore of changed shipped rows --------------------------------------------------
--
-- A dump keeps the shipped rows a city changed (modified; sla_policies: the ones
-- switched off); the restore's COPY then meets the row CREATE EXTENSION just
-- shipped under the same key.  This trigger turns such an INSERT (a row that
-- says builtin, as the dumped ones do) into an UPDATE of the shipped row's
-- editable columns (as the inserting role, so its privileges apply) and skips
-- the insert; any other duplicate still fails.
-- On UPDATE it keeps builtin and sets modified when a shipped row changes.  It
-- fires also under session_replication_role = replica (ENABLE ALWAYS), like the
-- guards of settings and categories, so that a restore in that mode comes out
-- the same.  docs/backup.md.
CREATE FUNCTION gridgov.shipped_rows_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    keys text[];
    editable text[];
    key_match text;
    matched boolean;
    tbl text;  -- the table (under Citus, TG_TABLE_NAME is a shard's name)
BEGIN
    tbl := gridgov.trigger_check('shipped_rows_restore', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'UPDATE' THEN
        NEW.builtin := OLD.builtin;
        NEW.modified := OLD.modified
            OR (OLD.builtin AND pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) 'modified'
                                IS DISTINCT FROM pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) 'modified');
        RETURN NEW;
    END IF;
    IF NOT NEW.builtin THEN
        RETURN NEW;
    END IF;
    -- The natural key of each table and the columns a city may change.
    keys := CASE tbl
        WHEN 'workflows' THEN ARRAY['name']
        WHEN 'workflow_states' THEN ARRAY['workflow', 'state']
        WHEN 'transitions' THEN ARRAY['workflow', 'from_state', 'action']
        WHEN 'sla_policies' THEN ARRAY['category_prefix', 'urgency', 'source', 'stage']
        WHEN 'calendars' THEN ARRAY['name'] END;
    editable := CASE tbl
        WHEN 'workflows' THEN ARRAY['title', 'description', 'intake_clocks']
        WHEN 'workflow_states' THEN ARRAY['title', 'initial', 'terminal', 'closes_case']
        WHEN 'transitions' THEN ARRAY['to_state', 'roles', 'counter', 'requires', 'clock_start', 'clock_stop', 'title', 'clock_cancel']
        WHEN 'sla_policies' THEN ARRAY['active']
        WHEN 'calendars' THEN ARRAY['known_until'] END;
    key_match := pg_catalog.format('t.builtin AND (%s) IS NOT DISTINCT FROM (%s)',
        (SELECT pg_catalog.string_agg(pg_catalog.format('t.%I', k), ', ') FROM pg_catalog.unnest(keys) k),
        (SELECT pg_catalog.string_agg(pg_catalog.format('($1).%I', k), ', ') FROM pg_catalog.unnest(keys) k));
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I t WHERE %s)', TG_TABLE_NAME, key_match)
        INTO matched USING NEW;
    IF NOT matched THEN
        -- Only the install script writes shipped rows (it does so before this
        -- trigger exists); a builtin row of anyone else would be left out of
        -- pg_dump.
        RAISE EXCEPTION USING ERRCODE = 'GG201',
            MESSAGE = pg_catalog.format('cannot mark a row of gridgov.%s as builtin', tbl),
            DETAIL = 'Only the gridgov install script writes shipped (builtin) rows; pg_dump saves the others, which are not marked.';
    END IF;
    EXECUTE pg_catalog.format('UPDATE gridgov.%I t SET (%s) = ROW(%s) WHERE %s', TG_TABLE_NAME,
        (SELECT pg_catalog.string_agg(pg_catalog.format('%I', c), ', ') FROM pg_catalog.unnest(editable) c),
        (SELECT pg_catalog.string_agg(pg_catalog.format('($1).%I', c), ', ') FROM pg_catalog.unnest(editable) c),
        key_match) USING NEW;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.shipped_rows_restore() IS
    'Trigger on workflows, workflow_states, transitions (INSERT, UPDATE), sla_policies and calendars (INSERT): an INSERT of a builtin row with the key of a shipped row updates that row''s editable columns instead (how pg_restore brings back a shipped row changed before the dump); an UPDATE keeps builtin and marks a changed shipped row modified';

CREATE TRIGGER workflows_shipped BEFORE INSERT OR UPDATE ON gridgov.workflows
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER workflow_states_shipped BEFORE INSERT OR UPDATE ON gridgov.workflow_states
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER transitions_shipped BEFORE INSERT OR UPDATE ON gridgov.transitions
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.workflows ENABLE ALWAYS TRIGGER workflows_shipped;
ALTER TABLE gridgov.workflow_states ENABLE ALWAYS TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions ENABLE ALWAYS TRIGGER transitions_shipped;
-- ---------------------------------------------------------------------------
-- categories: component (部件) and event (事件) classes, hotline and dispute
-- categories, as data; and the component registry (16-digit 部件标识码).
--
-- SQLSTATEs: GG121 unknown category / component class, GG128 shipped row
-- deleted or recoded, GG129 component grid outside its county; 22P02 malformed
-- component identifier.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.categories (
    code            text COLLATE pg_catalog."C" PRIMARY KEY,
    name            text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 100),
    kind            text GENERATED ALWAYS AS (
                        CASE pg_catalog.left(code, 1) WHEN 'C' THEN 'component' WHEN 'E' THEN 'event'
                                                      WHEN 'H' THEN 'hotline' WHEN 'D' THEN 'dispute' END) STORED,
    parent          text COLLATE pg_catalog."C" GENERATED ALWAYS AS (
                        CASE WHEN pg_catalog.length(code) > 3
                             THEN pg_catalog.left(code, pg_catalog.length(code) - 2) END) STORED
                    REFERENCES gridgov.categories (code),
    default_urgency text NOT NULL DEFAULT 'normal' CHECK (default_urgency IN ('normal', 'urgent', 'emergency')),
    workflow        text NOT NULL CHECK (workflow ~ '^[a-z][a-z0-9_]{0,62}$')
                    CONSTRAINT categories_workflow_fkey REFERENCES gridgov.workflows (name) ON UPDATE CASCADE,
    active          boolean NOT NULL DEFAULT true,
    builtin         boolean NOT NULL DEFAULT false,
    modified        boolean NOT NULL DEFAULT false,
    -- A kind letter and 2 digits per level: C + major 2 + minor 2 for components
    -- (they mirror digits 7-10 of the 16-digit component identifier), E/H/D + up
    -- to three 2-digit levels for events, hotline and dispute categories.
    CONSTRAINT categories_code_format CHECK (
        code ~ '^[CEHD][0-9]{2}([0-9]{2}){0,2}$' AND (code !~ '^C' OR pg_catalog.length(code) <= 5))
);
CREATE INDEX categories_parent ON gridgov.categories (parent);

COMMENT ON TABLE gridgov.categories IS
    'Case categories as data: component classes (C + major 2 + minor 2, e.g. C0101 上水井盖), event classes (E0102 暴露垃圾), 12345 hotline categories (H...), disputes (D...). A major class is its own row and the parent of its minor classes. Shipped rows (builtin) are a GB/T 30428.2-style default set that cities edit, deactivate or extend.';
COMMENT ON COLUMN gridgov.categories.code IS
    'Kind letter C/E/H/D then 2 digits per level (up to 3 levels; components 2 levels), e.g. C01, C0101, E0402, H0901';
COMMENT ON COLUMN gridgov.categories.name IS 'Name, e.g. 上水井盖';
COMMENT ON COLUMN gridgov.categories.kind IS 'Derived from the first letter: component (C, 部件), event (E, 事件), hotline (H), dispute (D)';
COMMENT ON COLUMN gridgov.categories.parent IS 'Derived: the code without its last 2 digits (NULL for a major class); must exist';
COMMENT ON COLUMN gridgov.categories.default_urgency IS 'Urgency a new case gets when none is given: normal, urgent or emergency';
COMMENT ON COLUMN gridgov.categories.workflow IS
    'Workflow of its cases (grid_event for C and E, hotline for H, dispute for D when not given on insert)';
COMMENT ON COLUMN gridgov.categories.active IS 'Inactive categories stay for old cases; deactivate instead of deleting';
COMMENT ON COLUMN gridgov.categories.builtin IS 'Maintained by gridgov: the row ships with the extension (values written here are ignored)';
COMMENT ON COLUMN gridgov.categories.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

-- The shipped set.  Urgency: n normal, u urgent, e emergency.
INSERT INTO gridgov.categories (code, name, default_urgency, workflow, builtin)
SELECT v.code, v.name,
       CASE v.u WHEN 'u' THEN 'urgent' WHEN 'e' THEN 'emergency' ELSE 'normal' END,
       CASE pg_catalog.left(v.code, 1) WHEN 'H' THEN 'hotline' WHEN 'D' THEN 'dispute' ELSE 'grid_event' END,
       true
FROM (VALUES
    -- 部件 (components), GB/T 30428.2-2013 / CJ/T 214-2007 style; see docs/routing.md
    ('C01', '公用设施', 'n'),
    ('C0101', '上水井盖', 'n'), ('C0102', '污水井盖', 'n'), ('C0103', '雨水井盖', 'n'),
    ('C0104', '雨水箅子', 'n'), ('C0105', '电力井盖', 'n'), ('C0106', '路灯井盖', 'n'),
    ('C0107', '通讯井盖', 'n'), ('C0108', '电视井盖', 'n'), ('C0109', '网络井盖', 'n'),
    ('C0110', '热力井盖', 'n'), ('C0111', '燃气井盖', 'n'), ('C0112', '公安井盖', 'n'),
    ('C0113', '无主井盖', 'n'), ('C0114', '消防栓', 'n'), ('C0115', '路灯', 'n'),
    ('C0116', '景观灯', 'n'), ('C0117', '电力设施', 'n'), ('C0118', '通讯交接箱', 'n'),
    ('C0119', '邮筒', 'n'), ('C0120', '报刊亭', 'n'), ('C0121', '电话亭', 'n'),
    ('C0122', '高压线铁塔', 'n'), ('C0123', '变压器', 'n'), ('C0124', '燃气调压箱', 'n'),
    ('C02', '道路交通', 'n'),
    ('C0201', '停车场', 'n'), ('C0202', '停车咪表', 'n'), ('C0203', '公交站亭', 'n'),
    ('C0204', '出租车站牌', 'n'), ('C0205', '道路护栏', 'n'), ('C0206', '交通标志牌', 'n'),
    ('C0207', '交通信号灯', 'n'), ('C0208', '过街天桥', 'n'), ('C0209', '地下通道', 'n'),
    ('C0210', '跨河桥', 'n'), ('C0211', '路名牌', 'n'), ('C0212', '隔音屏', 'n'),
    ('C0213', '防撞桩', 'n'), ('C0214', '非机动车停放点', 'n'),
    ('C03', '市容环境', 'n'),
    ('C0301', '公共厕所', 'n'), ('C0302', '化粪池', 'n'), ('C0303', '垃圾间', 'n'),
    ('C0304', '果皮箱', 'n'), ('C0305', '垃圾转运站', 'n'), ('C0306', '广告牌匾', 'n'),
    ('C0307', '灯箱霓虹灯', 'n'), ('C0308', '宣传栏', 'n'),
    ('C04', '园林绿化', 'n'),
    ('C0401', '古树名木', 'n'), ('C0402', '行道树', 'n'), ('C0403', '护树设施', 'n'),
    ('C0404', '花架花钵', 'n'), ('C0405', '绿地', 'n'), ('C0406', '雕塑', 'n'),
    ('C0407', '街头座椅', 'n'), ('C0408', '绿地护栏', 'n'), ('C0409', '喷泉', 'n'),
    ('C05', '房屋土地', 'n'),
    ('C0501', '人防设施', 'n'), ('C0502', '文物古迹', 'n'), ('C0503', '危旧房屋', 'n'),
    ('C0504', '公共空地', 'n'),
    ('C06', '其他设施', 'n'),
    ('C0601', '重大危险源', 'n'), ('C0602', '工地', 'n'), ('C0603', '水域附属设施', 'n'),
    ('C0604', '健身设施', 'n'), ('C0605', '监控电子眼', 'n'), ('C0606', '治安岗亭', 'n'),
    -- 事件 (events)
    ('E01', '市容环境', 'n'),
    ('E0101', '私搭乱建', 'n'), ('E0102', '暴露垃圾', 'n'), ('E0103', '积存垃圾渣土', 'n'),
    ('E0104', '道路不洁', 'n'), ('E0105', '水域不洁', 'n'), ('E0106', '绿地脏乱', 'n'),
    ('E0107', '废弃家具设备', 'n'), ('E0108', '废弃车辆', 'n'), ('E0109', '乱堆物堆料', 'n'),
    ('E0110', '沿街晾晒', 'n'), ('E0111', '动物尸体', 'n'), ('E0112', '露天焚烧', 'u'),
    ('E02', '宣传广告', 'n'),
    ('E0201', '非法小广告', 'n'), ('E0202', '违章张贴悬挂广告牌匾', 'n'), ('E0203', '占道广告牌', 'n'),
    ('E0204', '街头散发广告', 'n'), ('E0205', '违规横幅标语', 'n'),
    ('E03', '施工管理', 'n'),
    ('E0301', '施工扰民', 'n'), ('E0302', '工地扬尘', 'n'), ('E0303', '道路遗撒', 'n'),
    ('E0304', '施工占道', 'n'), ('E0305', '无证掘路', 'n'), ('E0306', '施工废弃料', 'n'),
    ('E04', '突发事件', 'u'),
    ('E0401', '道路塌陷', 'e'), ('E0402', '自来水管破裂', 'u'), ('E0403', '燃气管道破裂', 'e'),
    ('E0404', '下水道堵塞或破损', 'u'), ('E0405', '热力管道破裂', 'u'), ('E0406', '道路积水', 'u'),
    ('E0407', '道路积雪结冰', 'u'), ('E0408', '架空线缆损坏', 'u'), ('E0409', '火灾隐患', 'e'),
    ('E05', '街面秩序', 'n'),
    ('E0501', '无照经营游商', 'n'), ('E0502', '流浪乞讨', 'n'), ('E0503', '占道废品收购', 'n'),
    ('E0504', '店外经营', 'n'), ('E0505', '机动车乱停放', 'n'), ('E0506', '非机动车乱停放', 'n'),
    ('E0507', '黑车拉客', 'n'), ('E0508', '露天烧烤', 'n'), ('E0509', '占道经营', 'n'),
    ('E99', '其他', 'n'),
    ('E9901', '其他事件', 'n'),
    -- 12345 hotline
    ('H01', '城乡建设', 'n'), ('H0101', '违法建设', 'n'), ('H0102', '征收拆迁', 'n'), ('H0103', '市政设施', 'n'),
    ('H02', '城市管理', 'n'), ('H0201', '环境卫生', 'n'), ('H0202', '街面秩序', 'n'), ('H0203', '违规占道', 'n'),
    ('H03', '环境保护', 'n'), ('H0301', '大气污染', 'n'), ('H0302', '水污染', 'n'), ('H0303', '垃圾分类', 'n'),
    ('H04', '交通运输', 'n'), ('H0401', '公交线路', 'n'), ('H0402', '出租车', 'n'), ('H0403', '道路拥堵', 'n'),
    ('H0404', '停车管理', 'n'),
    ('H05', '住房保障', 'n'), ('H0501', '保障性住房', 'n'), ('H0502', '不动产登记', 'n'),
    ('H06', '物业管理', 'n'), ('H0601', '物业服务', 'n'), ('H0602', '维修资金', 'n'),
    ('H07', '供暖', 'n'), ('H0701', '室温不达标', 'n'), ('H0702', '停暖', 'u'),
    ('H08', '水电气', 'n'), ('H0801', '停水', 'u'), ('H0802', '停电', 'u'), ('H0803', '燃气', 'u'),
    ('H09', '噪声扰民', 'n'), ('H0901', '施工噪声', 'n'), ('H0902', '社会生活噪声', 'n'), ('H0903', '交通噪声', 'n'),
    ('H10', '劳动社保', 'n'), ('H1001', '拖欠工资', 'n'), ('H1002', '社会保险', 'n'),
    ('H11', '市场监管', 'n'), ('H1101', '食品安全', 'n'), ('H1102', '消费维权', 'n'), ('H1103', '价格', 'n'),
    ('H12', '教育', 'n'), ('H1201', '入学', 'n'), ('H1202', '校外培训', 'n'),
    ('H13', '卫生健康', 'n'), ('H1301', '医疗服务', 'n'), ('H1302', '公共卫生', 'n'),
    ('H14', '公共安全', 'n'), ('H1401', '社会治安', 'n'), ('H1402', '消防安全', 'u'),
    ('H15', '咨询建议', 'n'), ('H1501', '政策咨询', 'n'), ('H1502', '意见建议', 'n'),
    ('H99', '其他', 'n'),
    -- 矛盾纠纷 (disputes, mediation)
    ('D01', '邻里纠纷', 'n'), ('D0101', '噪声纠纷', 'n'), ('D0102', '通行采光纠纷', 'n'), ('D0103', '漏水纠纷', 'n'),
    ('D02', '婚姻家庭纠纷', 'n'), ('D0201', '婚姻纠纷', 'n'), ('D0202', '赡养抚养纠纷', 'n'), ('D0203', '继承纠纷', 'n'),
    ('D03', '劳资纠纷', 'n'), ('D0301', '欠薪纠纷', 'n'), ('D0302', '工伤纠纷', 'n'),
    ('D04', '物业纠纷', 'n'),
    ('D05', '土地纠纷', 'n'), ('D0501', '承包地纠纷', 'n'), ('D0502', '宅基地纠纷', 'n'),
    ('D06', '损害赔偿纠纷', 'n'),
    ('D07', '消费纠纷', 'n'),
    ('D08', '交通事故纠纷', 'n'),
    ('D09', '医疗纠纷', 'n'),
    ('D99', '其他纠纷', 'n')
) AS v(code, name, u);

SELECT pg_catalog.pg_extension_config_dump('gridgov.categories', 'WHERE NOT builtin OR modified');

CREATE FUNCTION gridgov.categories_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    shipped boolean;
BEGIN
    PERFORM gridgov.trigger_check('categories_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'DELETE' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG128',
                MESSAGE = pg_catalog.format('category %s (%s) ships with gridgov and cannot be deleted', OLD.code, OLD.name),
                DETAIL = 'A dump and restore would bring it back.',
                HINT = pg_catalog.format('Deactivate it instead: UPDATE gridgov.categories SET active = false WHERE code = %L.', OLD.code);
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.workflow IS NULL THEN
        NEW.workflow := CASE pg_catalog.left(NEW.code, 1) WHEN 'H' THEN 'hotline'
                                                          WHEN 'D' THEN 'dispute' ELSE 'grid_event' END;
    END IF;

    IF TG_OP = 'INSERT' THEN
        -- A row for a shipped, unchanged code replaces it (this is how pg_restore
        -- brings back a changed shipped row after CREATE EXTENSION made it).
        -- In the relation fired on: under Citus each copy of the reference
        -- table (TG_TABLE_NAME, a shard) does so for itself.
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I c '
                                  'WHERE c.code = $1 AND c.builtin AND NOT c.modified)', TG_TABLE_NAME)
            INTO shipped USING NEW.code;
        IF shipped THEN
            EXECUTE pg_catalog.format('UPDATE gridgov.%I c SET name = $2, default_urgency = $3, '
                                      'workflow = $4, active = $5 WHERE c.code = $1', TG_TABLE_NAME)
                USING NEW.code, NEW.name, NEW.default_urgency, NEW.workflow, NEW.active;
            RETURN NULL;
        END IF;
        NEW.builtin := false;
        NEW.modified := false;
        RETURN NEW;
    END IF;

    IF OLD.builtin AND NEW.code <> OLD.code THEN
        RAISE EXCEPTION USING ERRCODE = 'GG128',
            MESSAGE = pg_catalog.format('category %s (%s) ships with gridgov and cannot be recoded', OLD.code, OLD.name),
            HINT = 'Add a category with the new code and deactivate this one.';
    END IF;
    NEW.builtin := OLD.builtin;
    NEW.modified := OLD.modified
        OR (OLD.builtin AND (NEW.name, NEW.default_urgency, NEW.workflow, NEW.active)
                            IS DISTINCT FROM (OLD.name, OLD.default_urgency, OLD.workflow, OLD.active));
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.categories_guard() IS
    'Trigger: fills workflow from the kind, keeps builtin/modified, refuses to delete or recode shipped categories (GG128), and lets an INSERT of a shipped unchanged code replace it (restore)';

CREATE TRIGGER categories_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.categories
    FOR EACH ROW EXECUTE FUNCTION gridgov.categories_guard();
-- Also under session_replication_role = replica (docs/backup.md).
ALTER TABLE gridgov.categories ENABLE ALWAYS TRIGGER categories_guard;

-- Component registry ------------------------------------------------------------

CREATE FUNCTION gridgov.objcode_class(objcode text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    bad integer;
BEGIN
    IF objcode ~ '^[0-9]{16}$' THEN
        RETURN 'C' || pg_catalog.substr(objcode, 7, 4);
    END IF;
    bad := pg_catalog.regexp_instr(objcode, '[^0-9]');
    RAISE EXCEPTION USING ERRCODE = '22P02',
        MESSAGE = pg_catalog.format('invalid component identifier "%s"',
                                    CASE WHEN pg_catalog.length(objcode) > 40
                                         THEN pg_catalog.left(objcode, 40) || '...' ELSE objcode END),
        DETAIL = CASE WHEN bad > 0
                      THEN pg_catalog.format('Character "%s" at position %s is not a digit; a component identifier (部件标识码) has 16 digits: county 6, major class 2, minor class 2, serial 6.',
                                             pg_catalog.substr(objcode, bad, 1), bad)
                      ELSE pg_catalog.format('It has %s digits; a component identifier (部件标识码) has 16: county 6, major class 2, minor class 2, serial 6.',
                                             pg_catalog.length(objcode)) END;
END
$$;
COMMENT ON FUNCTION gridgov.objcode_class(text) IS
    'Component class of a 16-digit component identifier: C + its digits 7-10 (3205080101000001 → C0101); 22P02 when it is not 16 digits';

CREATE TABLE gridgov.components (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    objcode       text COLLATE pg_catalog."C" NOT NULL UNIQUE CHECK (objcode ~ '^[0-9]{16}$'),
    category      text COLLATE pg_catalog."C" NOT NULL GENERATED ALWAYS AS ('C' || pg_catalog.substr(objcode, 7, 4)) STORED
                  REFERENCES gridgov.categories (code),
    location      geometry(Point, 4326),
    grid          gridgov.gridcode,
    owner_id      bigint REFERENCES gridgov.departments (id),
    maintainer_id bigint REFERENCES gridgov.departments (id),
    state         text NOT NULL DEFAULT 'normal'
                  CHECK (state IN ('normal', 'damaged', 'missing', 'occupied', 'removed')),
    attrs         jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT components_attrs_object CHECK (pg_catalog.jsonb_typeof(attrs) = 'object')
);
CREATE INDEX components_location ON gridgov.components USING gist (location);
CREATE INDEX components_grid ON gridgov.components (grid);
CREATE INDEX components_owner ON gridgov.components (owner_id);
CREATE INDEX components_maintainer ON gridgov.components (maintainer_id);
CREATE INDEX components_category ON gridgov.components (category);

COMMENT ON TABLE gridgov.components IS
    'Component registry (部件): one row per managed object (manhole cover, lamp, kiosk...) with its 16-digit identifier, class, location, owner (权属单位) and maintainer (养护单位). Component cases route to the owner first (先属主).';
COMMENT ON COLUMN gridgov.components.objcode IS
    'Component identifier (部件标识码), 16 digits: county 6 + major class 2 + minor class 2 + serial 6, e.g. 3205080101000001';
COMMENT ON COLUMN gridgov.components.category IS 'Derived: C + digits 7-10 of objcode; must be a category (GG121 otherwise)';
COMMENT ON COLUMN gridgov.components.location IS 'Position in WGS-84 (SRID 4326); NULL when not surveyed';
COMMENT ON COLUMN gridgov.components.grid IS 'Grid the component stands in (optional); must lie in the county of objcode (GG129)';
COMMENT ON COLUMN gridgov.components.owner_id IS 'Owning department (权属单位); NULL when unknown (无主)';
COMMENT ON COLUMN gridgov.components.maintainer_id IS 'Maintaining department (养护单位), used for routing when the owner is unknown or inactive';
COMMENT ON COLUMN gridgov.components.state IS 'normal (完好), damaged (破损), missing (丢失), occupied (占用) or removed (拆除)';
COMMENT ON COLUMN gridgov.components.attrs IS 'Free attributes (material, shape, survey date, address...) as a JSON object';

SELECT pg_catalog.pg_extension_config_dump('gridgov.components', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.components_id_seq', '');

CREATE FUNCTION gridgov.components_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    cls text;
    county gridgov.gridcode;
BEGIN
    PERFORM gridgov.trigger_check('components_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    cls := gridgov.objcode_class(NEW.objcode);   -- 22P02 when malformed
    county := pg_catalog.left(NEW.objcode, 6)::gridgov.gridcode;
    IF NEW.objcode IS NULL THEN
        RETURN NEW;                                    -- NOT NULL says so
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gridgov.categories c WHERE c.code = cls) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG121',
            MESSAGE = pg_catalog.format('unknown component class %s in component identifier %s', cls, NEW.objcode),
            DETAIL = 'Digits 7-10 of a component identifier are its major and minor class, which must be a category.',
            HINT = pg_catalog.format('Add the class first: INSERT INTO gridgov.categories (code, name) VALUES (%L, ...).', cls);
    END IF;
    IF NEW.grid IS NOT NULL AND NOT (county OPERATOR(gridgov.@>) NEW.grid) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG129',
            MESSAGE = pg_catalog.format('component %s belongs to county %s but its grid %s lies outside it',
                                        NEW.objcode, county, NEW.grid),
            DETAIL = 'The first 6 digits of a component identifier are the county it stands in.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.components_check() IS
    'Trigger: objcode is 16 digits (22P02), its class is a category (GG121), its grid lies in its county (GG129)';

CREATE TRIGGER components_check BEFORE INSERT OR UPDATE OF objcode, grid ON gridgov.components
    FOR EACH ROW EXECUTE FUNCTION gridgov.components_check();
-- ---------------------------------------------------------------------------
-- routing: rules (category prefix × area → department), gridgov.route() and
-- gridgov.explain_route().
--
-- Precedence (docs/routing.md):
--   1. a component case with a registered objcode goes to the component's owner
--      (先属主), or to its maintainer when the owner is unknown or inactive;
--   2. else the most specific active rule whose department is active: longest
--      matching category prefix, then deepest area that is the grid or an
--      ancestor of it (NULL area = anywhere, least deep), then highest priority,
--      then lowest id;
--   3. else the command center of the grid's town (属地兜底);
--   4. else the command center of the grid's county, then of the home county
--      (gridgov.settings home_county) — unlocated cases start here;
--   5. else GG126.
-- route() is on the intake path: a handful of index lookups, STABLE, and no
-- SET clause (every name is qualified instead).
--
-- SQLSTATEs: GG121 unknown category, GG123 objcode of another class, GG126
-- nothing to route to, GG130 rule area outside the department's jurisdiction;
-- 22004 NULL category; 22P02 malformed objcode.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.routing_rules (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT '' CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    area            gridgov.gridcode,
    department_id   bigint NOT NULL REFERENCES gridgov.departments (id),
    priority        integer NOT NULL DEFAULT 0,
    active          boolean NOT NULL DEFAULT true,
    note            text
);
CREATE INDEX routing_rules_lookup ON gridgov.routing_rules (category_prefix, area) WHERE active;
CREATE INDEX routing_rules_department ON gridgov.routing_rules (department_id);

COMMENT ON TABLE gridgov.routing_rules IS
    'Routing rules: cases whose category starts with category_prefix and whose grid lies in area go to department. The most specific rule wins (longest prefix, then deepest area, then highest priority, then lowest id); see gridgov.route().';
COMMENT ON COLUMN gridgov.routing_rules.category_prefix IS
    'Category prefix: '''' (or NULL on insert) for every category, a kind letter (C, E, H, D) for a whole kind, or a category code (E05 street order, E0402...) for it and its subcategories';
COMMENT ON COLUMN gridgov.routing_rules.area IS
    'Area code (any level) the rule covers: the grid or one of its ancestors; NULL means anywhere, including unlocated cases';
COMMENT ON COLUMN gridgov.routing_rules.department_id IS
    'Department the matching cases go to; an area, when given, must lie in its jurisdiction (GG130)';
COMMENT ON COLUMN gridgov.routing_rules.priority IS 'Tie-breaker between rules of equal prefix length and area depth: higher wins';
COMMENT ON COLUMN gridgov.routing_rules.active IS 'Inactive rules are ignored';
COMMENT ON COLUMN gridgov.routing_rules.note IS 'Why the rule exists (agreement, document number...)';

SELECT pg_catalog.pg_extension_config_dump('gridgov.routing_rules', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.routing_rules_id_seq', '');

CREATE FUNCTION gridgov.routing_rules_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d record;
BEGIN
    PERFORM gridgov.trigger_check('routing_rules_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    NEW.category_prefix := COALESCE(NEW.category_prefix, '');
    IF NEW.area IS NOT NULL THEN
        SELECT x.code, x.jurisdiction INTO d FROM gridgov.departments x WHERE x.id = NEW.department_id;
        IF FOUND AND NOT (d.jurisdiction OPERATOR(gridgov.@>) NEW.area) THEN
            RAISE EXCEPTION USING ERRCODE = 'GG130',
                MESSAGE = pg_catalog.format('rule area %s lies outside the jurisdiction %s of department %s',
                                            NEW.area, d.jurisdiction, d.code),
                DETAIL = 'A department is only routed cases of the area it answers for.',
                HINT = 'Pick a department whose jurisdiction contains the area, or a smaller area.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.routing_rules_check() IS
    'Trigger: NULL category_prefix becomes '''' (any category); the area lies in the department''s jurisdiction (GG130)';

CREATE TRIGGER routing_rules_check BEFORE INSERT OR UPDATE ON gridgov.routing_rules
    FOR EACH ROW EXECUTE FUNCTION gridgov.routing_rules_check();

-- Shared input checks of route() and explain_route(): the category's kind, and
-- for a component case with an objcode, that the objcode is well formed and of
-- the case's class.  Returns the kind.
CREATE FUNCTION gridgov.route_check(category text, objcode text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    kind text;
    cls text;
BEGIN
    IF route_check.category IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'category must not be NULL',
            DETAIL = 'Every case needs a category to be routed.';
    END IF;
    SELECT c.kind INTO kind FROM gridgov.categories c WHERE c.code = route_check.category;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG121',
            MESSAGE = pg_catalog.format('unknown category "%s"',
                                        CASE WHEN pg_catalog.length(route_check.category) > 40
                                             THEN pg_catalog.left(route_check.category, 40) || '...'
                                             ELSE route_check.category END),
            HINT = 'Categories are the codes in gridgov.categories, e.g. E0102 (暴露垃圾).';
    END IF;
    IF route_check.objcode IS NOT NULL THEN
        cls := gridgov.objcode_class(route_check.objcode);          -- 22P02 when malformed
        IF kind = 'component' AND NOT pg_catalog.starts_with(cls, route_check.category) THEN
            RAISE EXCEPTION USING ERRCODE = 'GG123',
                MESSAGE = pg_catalog.format('component %s is of class %s, not of category %s',
                                            route_check.objcode, cls, route_check.category),
                DETAIL = 'Digits 7-10 of a component identifier are its class; a component case''s category must be that class or its major class.',
                HINT = pg_catalog.format('File the case under %s, or correct the identifier.', cls);
        END IF;
    END IF;
    RETURN kind;
END
$$;
COMMENT ON FUNCTION gridgov.route_check(text, text) IS
    'Input checks shared by route() and explain_route(): returns the category''s kind; 22004 NULL category, GG121 unknown category, 22P02 malformed objcode, GG123 objcode of another class than the component category';

CREATE FUNCTION gridgov.route(category text, grid gridgov.gridcode, objcode text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
-- route() runs once per case at intake.  The tables are small, so the planner
-- would pick sequential scans, which cost more CPU per call than index probes
-- and grow with the table; and one generic plan per query avoids re-planning.
SET enable_seqscan = off
SET plan_cache_mode = force_generic_plan
SET search_path FROM CURRENT
AS $$
DECLARE
    dept bigint;
    is_comp boolean := false;
    prefixes text[];
    anc gridgov.gridcode[];
    home text;
BEGIN
    -- Input checks that need no lookup; on failure route_check() raises the
    -- right error in the documented order (22004, GG121, 22P02, GG123).
    IF route.category IS NULL THEN
        PERFORM gridgov.route_check(route.category, route.objcode);
    END IF;
    IF route.objcode IS NOT NULL THEN
        IF route.objcode !~ '^[0-9]{16}$' THEN
            PERFORM gridgov.route_check(route.category, route.objcode);
        END IF;
        is_comp := pg_catalog.left(route.category, 1) = 'C';
        IF is_comp AND NOT pg_catalog.starts_with('C' || pg_catalog.substr(route.objcode, 7, 4), route.category) THEN
            PERFORM gridgov.route_check(route.category, route.objcode);
        END IF;
    END IF;

    -- Unknown category: GG121.
    PERFORM FROM gridgov.categories c WHERE c.code = route.category;
    IF NOT FOUND THEN
        PERFORM gridgov.route_check(route.category, route.objcode);
    END IF;

    -- Rule prefixes are '', the kind letter, and codes of 3, 5, 7 characters.
    prefixes := ARRAY['', pg_catalog.left(route.category, 1)];
    FOR n IN 3 .. LEAST(pg_catalog.length(route.category), 7) BY 2 LOOP
        prefixes := prefixes || pg_catalog.left(route.category, n);
    END LOOP;
    anc := ARRAY[gridgov.ancestor(route.grid, 1), gridgov.ancestor(route.grid, 2),
                 gridgov.ancestor(route.grid, 3), gridgov.ancestor(route.grid, 4),
                 gridgov.ancestor(route.grid, 5), gridgov.ancestor(route.grid, 6)];

    -- 1. 先属主: a registered component goes to its owner, else its maintainer.
    IF is_comp THEN
        SELECT COALESCE((SELECT o.id FROM gridgov.departments o WHERE o.id = c.owner_id AND o.active),
                        (SELECT m.id FROM gridgov.departments m WHERE m.id = c.maintainer_id AND m.active))
          INTO dept
        FROM gridgov.components c
        WHERE c.objcode = route.objcode;
        IF dept IS NOT NULL THEN
            RETURN dept;
        END IF;
    END IF;

    -- 2. The most specific active rule whose department is active.
    SELECT r.department_id INTO dept
    FROM gridgov.routing_rules r
    WHERE r.active AND r.category_prefix = ANY (prefixes)
      AND (r.area IS NULL OR r.area OPERATOR(gridgov.=) ANY (anc))
      AND (SELECT d.active FROM gridgov.departments d WHERE d.id = r.department_id)
    ORDER BY pg_catalog.length(r.category_prefix) DESC,
             COALESCE(gridgov.level(r.area), 0) DESC, r.priority DESC, r.id
    LIMIT 1;
    IF dept IS NOT NULL THEN
        RETURN dept;
    END IF;

    -- 3, 4. The command center of the grid's town, of its county, of the home county.
    SELECT d.id INTO dept
    FROM gridgov.departments d
    WHERE d.kind = 'command_center' AND d.active
      AND d.jurisdiction OPERATOR(gridgov.=) ANY (ARRAY[anc[4], anc[3],
            (SELECT s.value FROM gridgov.settings s WHERE s.key = 'home_county')::gridgov.gridcode])
    ORDER BY gridgov.level(d.jurisdiction) DESC,
             (d.jurisdiction OPERATOR(gridgov.=) anc[3]) DESC NULLS LAST
    LIMIT 1;
    IF dept IS NOT NULL THEN
        RETURN dept;
    END IF;

    -- 5. Nothing configured: GG126.
    SELECT s.value INTO home FROM gridgov.settings s WHERE s.key = 'home_county';
    RAISE EXCEPTION USING ERRCODE = 'GG126',
        MESSAGE = pg_catalog.format('no department to route category %s to', route.category),
        DETAIL = pg_catalog.format('No active rule matches%s, and %s.',
                     CASE WHEN route.grid IS NULL THEN ' (the case has no grid)'
                          ELSE pg_catalog.format(', grid %s has no active town or district command center', route.grid) END,
                     CASE WHEN home IS NULL THEN 'settings.home_county is not set'
                          ELSE pg_catalog.format('the home county %s has no active command center', home) END),
        HINT = CASE WHEN home IS NULL
                    THEN 'Set the home district (UPDATE gridgov.settings SET value = ''110115'' WHERE key = ''home_county'') and create its command center (a gridgov.departments row of kind command_center, level district).'
                    ELSE pg_catalog.format('Create the command center of %s: a gridgov.departments row of kind command_center, level district, jurisdiction %s.', home, home) END;
END
$$;
COMMENT ON FUNCTION gridgov.route(text, gridgov.gridcode, text) IS
    'Department id responsible for a case: the registered component''s owner (then maintainer), else the most specific active rule (longest category prefix, deepest area, highest priority, lowest id), else the command center of the grid''s town, county, or home county. 22004 NULL category, GG121 unknown category, 22P02/GG123 bad objcode, GG126 nothing configured';

CREATE FUNCTION gridgov.explain_route(category text, grid gridgov.gridcode, objcode text DEFAULT NULL)
RETURNS TABLE (rank integer, step text, department_id bigint, department text,
               rule_id bigint, reason text, chosen boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    kind text := gridgov.route_check(explain_route.category, explain_route.objcode);
    is_comp boolean := kind = 'component';
    obj text := explain_route.objcode;
    prefixes text[] := ARRAY['', pg_catalog.left(explain_route.category, 1)];
    anc gridgov.gridcode[];
    home gridgov.gridcode := gridgov.home_county();
    levels text[] := ARRAY['province', 'city', 'county', 'town', 'community', 'grid'];
BEGIN
    FOR n IN 3 .. LEAST(pg_catalog.length(explain_route.category), 7) BY 2 LOOP
        prefixes := prefixes || pg_catalog.left(explain_route.category, n);
    END LOOP;
    anc := ARRAY[gridgov.ancestor(explain_route.grid, 1), gridgov.ancestor(explain_route.grid, 2),
                 gridgov.ancestor(explain_route.grid, 3), gridgov.ancestor(explain_route.grid, 4),
                 gridgov.ancestor(explain_route.grid, 5), gridgov.ancestor(explain_route.grid, 6)];

    RETURN QUERY
    WITH comp AS (
        SELECT c.objcode, c.owner_id, c.maintainer_id FROM gridgov.components c
        WHERE is_comp AND c.objcode = obj
    ),
    -- The columns are named in the first branch, not in a list after the name:
    -- Citus inlines a CTE used once as a subquery and drops such a list.
    cand AS (
        -- 1. owner of a registered component (or why there is none)
        SELECT 1 AS stage, 0 AS plen, 0 AS alevel, 0 AS prio, NULL::bigint AS rid, 'owner' AS step,
               o.id AS dept, o.name AS dname, COALESCE(o.active, false) AS ok,
               CASE WHEN o.id IS NULL THEN pg_catalog.format('component %s has no owner recorded', c.objcode)
                    ELSE pg_catalog.format('owner of component %s (先属主)', c.objcode) END AS descr,
               CASE WHEN o.id IS NULL THEN 'no owner' ELSE 'the department is inactive' END AS why_not
        FROM comp c LEFT JOIN gridgov.departments o ON o.id = c.owner_id
        UNION ALL
        SELECT 1, 0, 0, 0, NULL, 'owner', NULL, NULL, false,
               CASE WHEN is_comp THEN pg_catalog.format('component %s is not registered', obj)
                    ELSE pg_catalog.format('objcode %s ignored: %s is a%s %s category, routed by territory (先属地)',
                                           obj, explain_route.category,
                                           CASE WHEN kind = 'event' THEN 'n' ELSE '' END, kind) END,
               CASE WHEN is_comp THEN 'no owner to route to' ELSE 'not a component category' END
        WHERE obj IS NOT NULL AND NOT EXISTS (SELECT 1 FROM comp)
        UNION ALL
        -- 2. its maintainer
        SELECT 2, 0, 0, 0, NULL, 'maintainer', m.id, m.name, m.active,
               pg_catalog.format('maintainer of component %s', c.objcode), 'the department is inactive'
        FROM comp c JOIN gridgov.departments m ON m.id = c.maintainer_id
        UNION ALL
        -- 3. every active rule that matches
        SELECT 3, pg_catalog.length(r.category_prefix), COALESCE(gridgov.level(r.area), 0), r.priority, r.id,
               'rule', d.id, d.name, d.active,
               pg_catalog.format('rule %s: prefix ''%s'', area %s, priority %s', r.id, r.category_prefix,
                                 COALESCE(r.area::text || ' (' || gridgov.level_name(r.area) || ')', 'anywhere'),
                                 r.priority),
               'the department is inactive'
        FROM gridgov.routing_rules r JOIN gridgov.departments d ON d.id = r.department_id
        WHERE r.active AND r.category_prefix = ANY (prefixes)
          AND (r.area IS NULL OR r.area OPERATOR(gridgov.=) ANY (anc))
        UNION ALL
        -- 4. the command center of the grid's town
        SELECT 4, 0, 0, 0, NULL, 'town center', d.id, d.name, d.id IS NOT NULL,
               CASE WHEN d.id IS NULL THEN pg_catalog.format('town %s has no active command center', anc[4])
                    ELSE pg_catalog.format('command center of town %s (属地兜底)', anc[4]) END,
               'nothing to route to'
        FROM (SELECT 1) one
        LEFT JOIN gridgov.departments d ON d.kind = 'command_center' AND d.active
                                        AND d.jurisdiction OPERATOR(gridgov.=) anc[4]
        WHERE anc[4] IS NOT NULL
        UNION ALL
        -- 5. the command center of the grid's county
        SELECT 5, 0, 0, 0, NULL, 'district center', d.id, d.name, d.id IS NOT NULL,
               CASE WHEN d.id IS NULL THEN pg_catalog.format('county %s has no active command center', anc[3])
                    ELSE pg_catalog.format('command center of county %s', anc[3]) END
               || CASE WHEN anc[3] OPERATOR(gridgov.=) home THEN ' (the home county)' ELSE '' END,
               'nothing to route to'
        FROM (SELECT 1) one
        LEFT JOIN gridgov.departments d ON d.kind = 'command_center' AND d.active
                                        AND d.jurisdiction OPERATOR(gridgov.=) anc[3]
        WHERE anc[3] IS NOT NULL
        UNION ALL
        -- 6. the command center of the home county
        SELECT 6, 0, 0, 0, NULL, 'home center', d.id, d.name, d.id IS NOT NULL,
               CASE WHEN explain_route.grid IS NULL THEN 'unlocated case: ' ELSE '' END
               || CASE WHEN home IS NULL THEN 'settings.home_county is not set'
                       WHEN d.id IS NULL THEN pg_catalog.format('home county %s has no active command center', home)
                       ELSE pg_catalog.format('command center of home county %s (settings.home_county)', home) END,
               'nothing to route to'
        FROM (SELECT 1) one
        LEFT JOIN gridgov.departments d ON d.kind = 'command_center' AND d.active
                                        AND d.jurisdiction OPERATOR(gridgov.=) home
        WHERE anc[3] IS NULL OR home IS NULL OR anc[3] OPERATOR(gridgov.<>) home
    ),
    ordered AS (
        SELECT cand.*, pg_catalog.row_number() OVER (ORDER BY stage, plen DESC, alevel DESC, prio DESC, rid) AS pos
        FROM cand
    ),
    ranked AS (
        SELECT o.pos, pg_catalog.row_number() OVER w AS rnk,
               pg_catalog.lag(o.stage) OVER w AS p_stage, pg_catalog.lag(o.plen) OVER w AS p_plen,
               pg_catalog.lag(o.alevel) OVER w AS p_alevel, pg_catalog.lag(o.prio) OVER w AS p_prio,
               pg_catalog.lag(o.rid) OVER w AS p_rid
        FROM ordered o WHERE o.ok
        WINDOW w AS (ORDER BY o.pos)
    )
    SELECT x.rnk, x.step, x.dept, x.dname, x.rid, x.reason, x.chosen
    FROM (
        SELECT o.pos, r.rnk::integer AS rnk, o.step, o.dept, o.dname, o.rid,
               o.descr || CASE
                   WHEN NOT o.ok THEN ' — skipped: ' || o.why_not
                   WHEN r.rnk = 1 THEN ' — wins'
                   ELSE ' — below rank ' || (r.rnk - 1) || ': ' || CASE
                       WHEN r.p_stage <= 2 AND o.stage = 2 THEN 'the owner comes first'
                       WHEN r.p_stage <= 2 THEN 'components go to their owner first'
                       WHEN r.p_stage = 3 AND o.stage = 3 THEN CASE
                           WHEN r.p_plen <> o.plen
                               THEN pg_catalog.format('shorter category prefix (%s < %s characters)', o.plen, r.p_plen)
                           WHEN r.p_alevel <> o.alevel
                               THEN pg_catalog.format('less specific area (%s < %s)',
                                                      COALESCE(levels[o.alevel], 'anywhere'), levels[r.p_alevel])
                           WHEN r.p_prio <> o.prio
                               THEN pg_catalog.format('lower priority (%s < %s)', o.prio, r.p_prio)
                           ELSE pg_catalog.format('same prefix, area and priority; higher rule id (%s > %s)', o.rid, r.p_rid)
                       END
                       WHEN r.p_stage = 3 THEN 'rules come before the command centers'
                       WHEN r.p_stage = 4 THEN 'the town center comes first'
                       ELSE 'the grid''s own district center comes first'
                   END
               END AS reason,
               COALESCE(r.rnk = 1, false) AS chosen
        FROM ordered o LEFT JOIN ranked r ON r.pos = o.pos
        UNION ALL
        SELECT pg_catalog.count(*) + 1, NULL, 'none', NULL, NULL, NULL,
               'nothing to route to: route() fails with GG126; set settings.home_county and create its command center',
               false
        FROM ordered HAVING NOT COALESCE(pg_catalog.bool_or(ordered.ok), false)
    ) x
    ORDER BY x.pos;
END
$$;
COMMENT ON FUNCTION gridgov.explain_route(text, gridgov.gridcode, text) IS
    'Why a case goes where gridgov.route() sends it: one row per candidate considered (component owner and maintainer, each matching active rule, town, district and home command centers) in precedence order, with its rank among the eligible ones (NULL when skipped), the reason, and the winner (chosen). Same errors as route(), except that it never raises GG126';
-- ---------------------------------------------------------------------------
-- cases: the intake API (plain INSERT or COPY) and the case history.
-- ---------------------------------------------------------------------------

CREATE TYPE gridgov.case_source AS ENUM
    ('hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city', 'proactive');
COMMENT ON TYPE gridgov.case_source IS
    'Where a case came from: 12345 hotline, grid-worker patrol, video AI alert, public app (随手拍), department inspection, leader''s instruction, city-level dispatch, proactive (未诉先办)';
CREATE TYPE gridgov.urgency AS ENUM ('normal', 'urgent', 'emergency');
COMMENT ON TYPE gridgov.urgency IS 'Urgency of a case; selects the time limits';
CREATE TYPE gridgov.satisfaction AS ENUM ('satisfied', 'basically_satisfied', 'unsatisfied');
COMMENT ON TYPE gridgov.satisfaction IS 'The citizen''s answer at callback (满意, 基本满意, 不满意)';

-- The cells of the likely-duplicate search (src/cases/duplicate.c).
CREATE FUNCTION gridgov.duplicate_cell(x double precision, y double precision) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_duplicate_cell' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.duplicate_cell(double precision, double precision) IS
    'The 0.01-degree square holding WGS-84 longitude x, latitude y, as an integer (column * 20000 + row; coordinates beyond the range share the edge cells; NULL for NaN): the third column of the index cases_open_duplicate_key';
CREATE FUNCTION gridgov.duplicate_cells(x double precision, y double precision, radius_m double precision)
    RETURNS integer[]
    AS 'MODULE_PATHNAME', 'gridgov_duplicate_cells' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.duplicate_cells(double precision, double precision, double precision) IS
    'The cells (gridgov.duplicate_cell) that a circle of radius_m metres around longitude x, latitude y may touch; 22023 for coordinates that are not WGS-84 or a radius outside 0-100000';

-- Length limits of a case's texts, one C check (src/case_texts.c).
CREATE FUNCTION gridgov.case_texts_ok(external_id text, title text, description text, address text,
                                      reporter_name text, reporter_phone text)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_texts_ok' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_texts_ok(text, text, text, text, text, text) IS
    'Check constraint cases_texts: true, or 23514 naming the column, when a value is out of its limits in characters (external_id 1-100, title 1-500, description 0-20000, address 0-500, reporter_name 0-100, reporter_phone 0-40; NULL passes)';
CREATE FUNCTION gridgov.case_texts_problem(external_id text, title text, description text, address text,
                                           reporter_name text, reporter_phone text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_case_texts_problem' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_texts_problem(text, text, text, text, text, text) IS
    'The limits of check constraint cases_texts (gridgov.case_texts_ok) without raising: NULL when every value is within its limits, else which is not and its length, e.g. "title must have 1 to 500 characters, not 612" (the history import''s check)';

-- Masks of citizens' contact data (src/cases/mask.c, contact.c; docs/security.md) ---

CREATE FUNCTION gridgov.mask_phone(phone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_phone' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_phone(text) IS
    'A phone number masked: of its n digits (ASCII, full-width, Chinese numerals, circled, mathematical or Arabic-Indic) the first 3 and the last 4 are kept when n >= 11, the last 4 when 7 <= n < 11; separators are kept; below 7 digits every other character is starred too. 13800138000 -> 138****8000';
CREATE FUNCTION gridgov.mask_name(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_name(text) IS
    'A person''s name masked: the first character kept, every other character but spaces starred (a name of one character, spaces aside, is starred). 张三丰 -> 张**';
CREATE FUNCTION gridgov.mask_address(address text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_address(text) IS
    'An address masked: every digit starred, and Chinese numerals before 号, 栋, 幢, 楼, 单(元), 层, 室, 门 or 户, so the street or estate stays (三羊里) and the building, unit and door numbers go. 兴华大街3号院2号楼 -> 兴华大街*号院*号楼';
CREATE FUNCTION gridgov.mask_numbers(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_numbers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_numbers(text) IS
    'Free text with each run of 7 or more digits (as gridgov.mask_phone counts them; up to three separators in a row between them: spaces, dashes, dots, slashes, brackets, tildes, full-width ones; an ID number''s final X) masked as gridgov.mask_phone masks a phone, and the local part of each e-mail address but its first character: phone, ID and bank card numbers and e-mail addresses inside a description. 身份证110101199003071234 -> 身份证110***********1234';
CREATE FUNCTION gridgov.contact_columns() RETURNS text[]
    AS 'MODULE_PATHNAME', 'gridgov_contact_columns' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.contact_columns() IS
    'The columns of gridgov.cases that hold citizens'' contact data (reporter_name, reporter_phone, address, description): the group roles may not read them (gridgov.setup_roles grants every other column), gridgov.my_cases and act() mask them, gridgov.reveal_contact reads them';

CREATE TABLE gridgov.cases (
    county          gridgov.gridcode NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    case_no         text NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text,
    category        text COLLATE pg_catalog."C" NOT NULL,
    urgency         gridgov.urgency NOT NULL,
    title           text NOT NULL,
    description     text,
    location        geometry(Point, 4326),
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text,
    reporter_name   text,
    reporter_phone  text,
    objcode         text,
    grid            gridgov.gridcode,
    department_id   bigint,
    workflow        text NOT NULL,
    state           text NOT NULL,
    reported_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    closed_at       timestamptz,
    dispatches      integer NOT NULL DEFAULT 0,
    returns         integer NOT NULL DEFAULT 0,
    reworks         integer NOT NULL DEFAULT 0,
    reopens         integer NOT NULL DEFAULT 0,
    extensions      integer NOT NULL DEFAULT 0,
    suspensions     integer NOT NULL DEFAULT 0,
    supervised      boolean NOT NULL DEFAULT false,
    escalation_level integer NOT NULL DEFAULT 0,
    solved          boolean,
    satisfaction    gridgov.satisfaction,
    master_case_id  bigint,
    possible_duplicate_of bigint,
    events          integer NOT NULL DEFAULT 0,
    history_hash    bytea,
    occurred_at     timestamptz,
    category_by     text CHECK (category_by IN ('caller', 'model', 'fallback')),
    located_by      text CHECK (located_by IN ('point', 'grid', 'address')),
    assisted        jsonb,
    PRIMARY KEY (county, id),
    UNIQUE (county, source, external_id),
    UNIQUE (county, case_no),
    FOREIGN KEY (county, master_case_id) REFERENCES gridgov.cases (county, id),
    FOREIGN KEY (county, possible_duplicate_of) REFERENCES gridgov.cases (county, id),
    CHECK (master_case_id IS DISTINCT FROM id),
    CONSTRAINT cases_texts CHECK (gridgov.case_texts_ok(external_id, title, description, address,
                                                        reporter_name, reporter_phone))
);
CREATE INDEX cases_grid ON gridgov.cases (county, grid);
CREATE INDEX cases_department_open ON gridgov.cases (department_id) WHERE closed_at IS NULL;
CREATE INDEX cases_reported ON gridgov.cases (county, reported_at);
CREATE INDEX cases_master ON gridgov.cases (county, master_case_id) WHERE master_case_id IS NOT NULL;
-- Likely duplicates: the open cases of a county and category by place (a
-- 0.01-degree cell) and time, with their coordinates in the entries.  The
-- search finds it by its shape, not by this name (src/cases/duplicate_index.c).
CREATE INDEX cases_open_duplicate_key ON gridgov.cases
    (county, category, gridgov.duplicate_cell(ST_X(location), ST_Y(location)), reported_at,
     ST_X(location), ST_Y(location))
    WHERE closed_at IS NULL;
CREATE INDEX cases_id ON gridgov.cases (id);

COMMENT ON TABLE gridgov.cases IS
    'Cases (案件/诉求). Plain INSERT or COPY is the intake API: a C trigger converts coordinates to WGS-84, locates the grid, routes, numbers the case, sets the workflow''s initial state and flags a likely duplicate. State changes go through gridgov.act() (or a raw UPDATE of state, checked by the same trigger); every change is appended to gridgov.case_events. (county, source, external_id) is unique, so a re-sent dispatch is a no-op with ON CONFLICT DO NOTHING.';
COMMENT ON COLUMN gridgov.cases.county IS 'District (6-digit code) the case belongs to: from its grid, else the home county; part of every key, never changes (distribution column when scaled out)';
COMMENT ON COLUMN gridgov.cases.case_no IS 'Readable number: county-yyyymmdd-id (local date of reporting in gridgov.time_zone); set at intake unless given';
COMMENT ON COLUMN gridgov.cases.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.cases.external_id IS 'The sender''s own id (e.g. the city platform''s ticket number); unique per county and source';
COMMENT ON COLUMN gridgov.cases.category IS 'Category code (gridgov.categories, checked by the triggers rather than a foreign key: docs/cases.md, Integrity); decides the workflow and default urgency';
COMMENT ON COLUMN gridgov.cases.urgency IS 'normal, urgent or emergency; the category''s default when not given';
COMMENT ON COLUMN gridgov.cases.title IS 'Short summary';
COMMENT ON COLUMN gridgov.cases.description IS 'Full text of the complaint or report';
COMMENT ON COLUMN gridgov.cases.location IS 'Where, in WGS-84 (converted at intake from coord_system)';
COMMENT ON COLUMN gridgov.cases.coord_system IS 'Coordinate system the location was given in (wgs84, gcj02, bd09, cgcs2000); the stored location is WGS-84';
COMMENT ON COLUMN gridgov.cases.address IS 'Address as given (personal data: hidden from analysts)';
COMMENT ON COLUMN gridgov.cases.reporter_name IS 'Reporter''s name (personal data)';
COMMENT ON COLUMN gridgov.cases.reporter_phone IS 'Reporter''s phone (personal data)';
COMMENT ON COLUMN gridgov.cases.objcode IS '16-digit component identifier for component (部件) cases; routes to the component''s owner';
COMMENT ON COLUMN gridgov.cases.grid IS 'Grid the case lies in (gridgov.locate at reported_at), or as given; NULL when outside every grid';
COMMENT ON COLUMN gridgov.cases.department_id IS 'Responsible department (gridgov.departments, checked by the triggers): gridgov.route() at intake unless given; changed by dispatch';
COMMENT ON COLUMN gridgov.cases.workflow IS 'Workflow of the category (gridgov.workflows)';
COMMENT ON COLUMN gridgov.cases.state IS 'Current state in the workflow (gridgov.workflow_states)';
COMMENT ON COLUMN gridgov.cases.reported_at IS 'When the case was reported (defaults to the insert time)';
COMMENT ON COLUMN gridgov.cases.updated_at IS 'Time of the last recorded change';
COMMENT ON COLUMN gridgov.cases.closed_at IS 'When the case was closed (set on entering a closing state, or when its master closes)';
COMMENT ON COLUMN gridgov.cases.dispatches IS 'Number of dispatches (first one and re-dispatches)';
COMMENT ON COLUMN gridgov.cases.returns IS 'Number of times the assignee returned it (退单)';
COMMENT ON COLUMN gridgov.cases.reworks IS 'Number of failed verifications or unsatisfied re-handlings (返工)';
COMMENT ON COLUMN gridgov.cases.reopens IS 'Number of times a closed case was reopened';
COMMENT ON COLUMN gridgov.cases.extensions IS 'Number of approved deadline extensions (延期)';
COMMENT ON COLUMN gridgov.cases.suspensions IS 'Number of times the case was suspended (挂账)';
COMMENT ON COLUMN gridgov.cases.supervised IS 'Supervision flag (督办), raised when a clock of the case is escalated';
COMMENT ON COLUMN gridgov.cases.escalation_level IS 'Highest escalation rung any clock of the case reached (0: none; 3: discipline inspection)';
COMMENT ON COLUMN gridgov.cases.solved IS 'Callback answer: was the problem solved?';
COMMENT ON COLUMN gridgov.cases.satisfaction IS 'Callback answer: satisfied, basically satisfied or unsatisfied';
COMMENT ON COLUMN gridgov.cases.master_case_id IS 'For a merged duplicate: the case it was merged into';
COMMENT ON COLUMN gridgov.cases.possible_duplicate_of IS 'Set at intake when an open case of the same category lies within gridgov.duplicate_radius_m and gridgov.duplicate_window';
COMMENT ON COLUMN gridgov.cases.events IS 'Number of events in the case''s history';
COMMENT ON COLUMN gridgov.cases.history_hash IS 'Hash of the history''s latest event once the case has changed after intake (NULL: only the intake event); verify_history compares it';
COMMENT ON COLUMN gridgov.cases.occurred_at IS 'When the problem occurred or was found (发现时间: a patrol''s or a camera''s find), given at intake; NULL when unknown. Not later than reported_at (22023); the discovery stage of the timeliness (discover_on_time) runs from it to reported_at';
COMMENT ON COLUMN gridgov.cases.category_by IS 'How the case got its category at intake: caller (given in the INSERT), model (suggested by the text model gridgov.intake_text_model with a probability of at least gridgov.intake_suggest_threshold), fallback (the source''s category in settings unclassified_category: the command center sets the right one); NULL for cases filed before 1.5.0 or imported. Set by intake, never changed after (GG105)';
COMMENT ON COLUMN gridgov.cases.located_by IS 'How the case got its grid at intake: point (located from location), grid (given in the INSERT), address (a place named in the address or text, gridgov.suggest_area); NULL when it has none (or for cases filed before 1.5.0 or imported). Set by intake, never changed after (GG105)';
COMMENT ON COLUMN gridgov.cases.assisted IS 'What assisted intake inferred, with its evidence: {"suggestion": {"model", "category", "probability", "words", "applied"}} when a text model was asked for the category, {"place": {"grid", "kind", "applied", "name", "matched"}} or {"place": {"ambiguous": [grids]}} when a place was sought in the words (name and matched only when the masked text shows them); NULL when neither (the intake event says category_by and located_by). Set by intake, never changed after (GG105)';

SELECT pg_catalog.pg_extension_config_dump('gridgov.cases', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.cases_id_seq', '');

CREATE TABLE gridgov.case_events (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL CHECK (seq >= 1),
    at              timestamptz NOT NULL,
    actor_role      name NOT NULL,
    actor_staff_id  bigint,
    action          text NOT NULL,
    from_state      text,
    to_state        text,
    note            text,
    payload         jsonb,
    prev_hash       bytea NOT NULL,
    hash            bytea NOT NULL,
    txid            bigint NOT NULL DEFAULT (pg_catalog.pg_current_xact_id()::text)::bigint,
    PRIMARY KEY (county, case_id, seq)
);
-- The analytics read the history as an outbox, by transaction (081): the
-- events of a transaction lie together at the table's end, where a BRIN
-- range is all a scan needs.
CREATE INDEX case_events_txid ON gridgov.case_events USING brin (txid) WITH (autosummarize = on);
COMMENT ON TABLE gridgov.case_events IS
    'Case history (全程留痕): one row per change, append-only (UPDATE, DELETE and TRUNCATE are refused), hash-chained per case: hash = sha256(prev_hash || canonical bytes of the row), see gridgov.event_hash() and gridgov.verify_history()';
COMMENT ON COLUMN gridgov.case_events.county IS 'County of the case (part of the key, co-located with the case)';
COMMENT ON COLUMN gridgov.case_events.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_events.seq IS 'Position in the case''s history, 1 = intake';
COMMENT ON COLUMN gridgov.case_events.at IS 'When it happened';
COMMENT ON COLUMN gridgov.case_events.actor_role IS 'Database role that made the change';
COMMENT ON COLUMN gridgov.case_events.actor_staff_id IS 'Staff member mapped to that role (gridgov.staff.db_role), if any';
COMMENT ON COLUMN gridgov.case_events.action IS 'intake, a workflow action (dispatch, sign, ...), edit, rehome or master_closed';
COMMENT ON COLUMN gridgov.case_events.from_state IS 'State before';
COMMENT ON COLUMN gridgov.case_events.to_state IS 'State after';
COMMENT ON COLUMN gridgov.case_events.note IS 'Free-text note given with the action';
COMMENT ON COLUMN gridgov.case_events.payload IS 'Structured details of the action (department, callback answers, changed fields...)';
COMMENT ON COLUMN gridgov.case_events.prev_hash IS 'Hash of the previous event (32 zero bytes for the first)';
COMMENT ON COLUMN gridgov.case_events.hash IS 'sha256(prev_hash || canonical bytes of this event)';
COMMENT ON COLUMN gridgov.case_events.txid IS 'Id of the (top-level) transaction that appended the event: the analytics take in the events of every transaction below the oldest one still running (docs/bi.md); not part of the hashed content';

SELECT pg_catalog.pg_extension_config_dump('gridgov.case_events', '');

-- Integrity of the references of cases --------------------------------------------
--
-- cases.category, workflow, (workflow, state) and department_id, and the case
-- of every history row, are references without foreign keys: a foreign key
-- checks each new row with a query of its own, which cost intake more than
-- everything else it does together (docs/benchmarks.md).  The references
-- are kept instead by
--   - the case triggers, which accept only a category, department and state
--     that exist (from the per-backend reference cache, read with a fresh
--     snapshot), and gridgov's own code, the only writer of case_events and
--     case_clocks, for cases that exist (cases are never deleted or truncated);
--   - the guards below (and on sla_policies and calendars for case_clocks,
--     070), which refuse to delete, re-key or truncate a row that a case
--     refers to, with the foreign key's SQLSTATE 23503.  A guard first takes
--     a SHARE lock on the referring table: it waits for transactions writing
--     to it to end and keeps new ones out until it ends, so its check sees
--     every row that could refer to the keys it removes.

-- What each guarded table's key is and who refers to it: fixed here, never
-- taken from trigger arguments or a caller.  Keys of several columns compare
-- as one JSON array.
CREATE FUNCTION gridgov.reference_keys()
    RETURNS TABLE (guarded text, referrer text, own_columns text[], their_columns text[], noun text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    VALUES ('categories', 'cases', ARRAY['code'], ARRAY['category'], 'category'),
           ('workflows', 'cases', ARRAY['name'], ARRAY['workflow'], 'workflow'),
           ('workflow_states', 'cases', ARRAY['workflow', 'state'], ARRAY['workflow', 'state'], 'workflow and state'),
           ('departments', 'cases', ARRAY['id'], ARRAY['department_id'], 'department'),
           ('sla_policies', 'case_clocks', ARRAY['id'], ARRAY['policy_id'], 'policy'),
           ('calendars', 'case_clocks', ARRAY['id'], ARRAY['calendar_id'], 'calendar');
END;
COMMENT ON FUNCTION gridgov.reference_keys() IS
    'The references kept without foreign keys (docs/cases.md, Integrity): each guarded table of schema gridgov, the table referring to it, the key columns on both sides and what the key is called; read by gridgov.reference_guard()';

-- The key of alias as one text value, for columns (quoted with %I).
CREATE FUNCTION gridgov.reference_key_sql(alias text, columns text[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN pg_catalog.cardinality(columns) = 1
                THEN pg_catalog.format('%I.%I::text', alias, columns[1])
                ELSE pg_catalog.format('pg_catalog.jsonb_build_array(%s)::text',
                                       (SELECT pg_catalog.string_agg(pg_catalog.format('%I.%I', alias, c), ', ' ORDER BY o)
                                        FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, o)))
           END;
COMMENT ON FUNCTION gridgov.reference_key_sql(text, text[]) IS
    'Internal: the SQL expression of a key of columns of the row alias as text (one column cast to text, several as a JSON array), identifiers quoted';

CREATE FUNCTION gridgov.reference_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    spec record;
    own_key text;
    their_key text;
    removed text[];
    hit text;
    tbl text;  -- the table (under Citus, TG_TABLE_NAME is a shard's name)
BEGIN
    tbl := gridgov.trigger_check('reference_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- trigger_check has made sure TG_RELID is a guarded table of schema gridgov
    -- or, under Citus, a shard of one.  The copies of a reference table on the
    -- workers leave the check to the coordinator's copy, which sees all cases.
    IF gridgov.citus_node_group() > 0 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO STRICT spec FROM gridgov.reference_keys() k WHERE k.guarded = tbl;
    own_key := gridgov.reference_key_sql('r', spec.own_columns);
    their_key := gridgov.reference_key_sql('c', spec.their_columns);
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE pg_catalog.format('LOCK TABLE gridgov.%I IN SHARE MODE', spec.referrer);
        EXECUTE pg_catalog.format('SELECT %1$s FROM gridgov.%2$I c WHERE %1$s IS NOT NULL LIMIT 1',
                                  their_key, spec.referrer)
            INTO hit;
        IF hit IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = '23503',
                MESSAGE = pg_catalog.format('cannot truncate gridgov.%s: table %s refers to it', tbl, spec.referrer),
                HINT = 'Deactivate rows instead.';
        END IF;
        RETURN NULL;
    END IF;
    -- The keys the statement removes (an UPDATE that keeps every key removes none).
    IF TG_OP = 'DELETE' THEN
        EXECUTE pg_catalog.format('SELECT ARRAY(SELECT %s FROM old_rows r)', own_key) INTO removed;
    ELSE
        EXECUTE pg_catalog.format('SELECT ARRAY(SELECT %1$s FROM old_rows r EXCEPT SELECT %1$s FROM new_rows r)',
                                  own_key) INTO removed;
    END IF;
    IF pg_catalog.cardinality(removed) = 0 THEN
        RETURN NULL;
    END IF;
    EXECUTE pg_catalog.format('LOCK TABLE gridgov.%I IN SHARE MODE', spec.referrer);
    EXECUTE pg_catalog.format('SELECT %1$s FROM gridgov.%2$I c WHERE %1$s OPERATOR(pg_catalog.=) ANY ($1) LIMIT 1',
                              their_key, spec.referrer)
        INTO hit USING removed;
    IF hit IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('%s %s is still referenced from table %s', spec.noun, hit, spec.referrer),
            DETAIL = pg_catalog.format('%s on gridgov.%s would remove or re-key a row that %s refers to.',
                                       TG_OP, tbl, spec.referrer),
            HINT = 'Records keep their references: deactivate the row or add a new one instead.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.reference_guard() IS
    'AFTER DELETE / UPDATE and BEFORE TRUNCATE statement trigger on a table that cases or case_clocks refer to without a foreign key (gridgov.reference_keys()): refuses (23503) to remove, re-key or truncate a row still referred to, after a SHARE lock on the referring table (see docs/cases.md, Integrity)';

-- Creates the three guard triggers of a referenced table, named after the
-- table and its referrer (names order triggers: these come before a table's
-- other guards, e.g. calendars_guard_truncate).
CREATE FUNCTION gridgov.guard_references(tab text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    prefix text := (SELECT k.guarded || '_' || k.referrer FROM gridgov.reference_keys() k WHERE k.guarded = tab);
BEGIN
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I AFTER DELETE ON gridgov.%I REFERENCING OLD TABLE AS old_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.reference_guard()', prefix || '_refs_delete', tab);
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I AFTER UPDATE ON gridgov.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.reference_guard()', prefix || '_refs_update', tab);
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I BEFORE TRUNCATE ON gridgov.%I '
        'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.reference_guard()', prefix || '_refs_truncate', tab);
END
$$;
COMMENT ON FUNCTION gridgov.guard_references(text) IS
    'Internal (install script): creates the gridgov.reference_guard() triggers of a table listed in gridgov.reference_keys()';
REVOKE EXECUTE ON FUNCTION gridgov.guard_references(text) FROM PUBLIC;

SELECT gridgov.guard_references(t) FROM pg_catalog.unnest(ARRAY['categories', 'workflows', 'workflow_states', 'departments']) t;
-- ---------------------------------------------------------------------------
-- Assisted intake: text models learned from closed cases (docs/assisted-intake.md).
-- Features and classifier are C (src/cases/textfeatures.c, textmodel*.c); a
-- model is a row of gridgov.text_models, read once per backend and kept by
-- name (the cache "text models", dropped when the table changes).
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.text_models (
    name          text COLLATE pg_catalog."C" PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
    target        text NOT NULL CHECK (target IN ('category', 'department')),
    trained_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    since         timestamptz NOT NULL,
    until         timestamptz NOT NULL,
    training_rows bigint NOT NULL CHECK (training_rows > 0),
    classes       integer NOT NULL CHECK (classes > 0),
    params        bytea NOT NULL,
    held_out      jsonb NOT NULL,
    CHECK (since < until)
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.text_models', '');
COMMENT ON TABLE gridgov.text_models IS
    'Text models learned from closed cases (gridgov.train_text_model()): naive Bayes over hashed character and word n-grams of a case''s title and description, one row per model name; read by gridgov.suggest_category() and gridgov.suggest_department()';
COMMENT ON COLUMN gridgov.text_models.name IS 'Name of the model (letters, digits, _ . -; at most 63)';
COMMENT ON COLUMN gridgov.text_models.target IS 'What it predicts: category (gridgov.cases.category) or department (the department that finally handled the case without returning it)';
COMMENT ON COLUMN gridgov.text_models.trained_at IS 'When it was trained';
COMMENT ON COLUMN gridgov.text_models.since IS 'Start of the training period (cases reported at or after it)';
COMMENT ON COLUMN gridgov.text_models.until IS 'End of the training period (cases reported before it)';
COMMENT ON COLUMN gridgov.text_models.training_rows IS 'Number of closed cases it was trained on';
COMMENT ON COLUMN gridgov.text_models.classes IS 'Number of labels (categories or departments) it knows';
COMMENT ON COLUMN gridgov.text_models.params IS 'The model''s stored form (format in src/cases/textmodel.h; described by gridgov.text_model_info())';
COMMENT ON COLUMN gridgov.text_models.held_out IS 'Scores on the latest 10% of the training cases by reported_at, of a model trained on the earlier 90%: rows, accuracy, macro_f1 (null when fewer than 10 cases)';

CREATE FUNCTION gridgov.text_model_fit_step(internal, text, text, integer, text, real) RETURNS internal
    AS 'MODULE_PATHNAME', 'gridgov_text_model_fit_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_fit_step(internal, text, text, integer, text, real) IS
    'Internal: transition function of gridgov.text_model_fit()';
CREATE FUNCTION gridgov.text_model_fit_final(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_text_model_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_fit_final(internal) IS
    'Internal: final function of gridgov.text_model_fit()';
CREATE AGGREGATE gridgov.text_model_fit(label text, doc text, bits integer, variant text, alpha real) (
    SFUNC = gridgov.text_model_fit_step,
    STYPE = internal,
    FINALFUNC = gridgov.text_model_fit_final
);
COMMENT ON AGGREGATE gridgov.text_model_fit(text, text, integer, text, real) IS
    'Internal: the stored form of a naive Bayes model (variant complement or multinomial, 2^bits hashed features, smoothing alpha) fitted on (label, text) rows; NULL for no rows';

CREATE FUNCTION gridgov.text_model_classify(params bytea, docs text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'gridgov_text_model_classify' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_classify(bytea, text[]) IS
    'Internal: the most probable label for each text, by the model of stored form params';

CREATE FUNCTION gridgov.text_model_info(params bytea) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'gridgov_text_model_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_info(bytea) IS
    'What a text model''s stored form holds: version, variant, bits, alpha, classes, documents, buckets (features seen in training) and bytes; not executable by PUBLIC (reading a stored form costs memory in the size of its weights), granted to gridgov_admin';
REVOKE EXECUTE ON FUNCTION gridgov.text_model_info(bytea) FROM PUBLIC;

CREATE FUNCTION gridgov.text_model_suggest(model text, target text, doc text, k integer)
    RETURNS TABLE (label text, probability double precision, words text[])
    AS 'MODULE_PATHNAME', 'gridgov_text_model_suggest' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 3;
COMMENT ON FUNCTION gridgov.text_model_suggest(text, text, text, integer) IS
    'Internal: the k most probable labels of model (which must predict target) for a text, with the features that weighed most for the first; no rows for a NULL text';

CREATE FUNCTION gridgov.text_model_document(title text, description text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_text_model_document' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_document(text, text) IS
    'The text a model reads of a case: its title, a line break, its description (none: empty); the same at training and at intake. NULL for a NULL title';

-- The training rows of a target: closed cases reported in [since, until),
-- with their text (title, then description) and label.  The department of a
-- case is its department_id at close, unless a return of it was approved
-- after its last dispatch (then no department finally kept it: left out).
CREATE FUNCTION gridgov.text_model_rows(target text, since timestamptz, until timestamptz)
    RETURNS TABLE (label text, doc text, reported_at timestamptz, id bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
    SELECT CASE target WHEN 'category' THEN c.category ELSE c.department_id::text END,
           gridgov.text_model_document(c.title, c.description), c.reported_at, c.id
    FROM gridgov.cases c
    WHERE c.closed_at IS NOT NULL
      AND c.reported_at >= since AND c.reported_at < until
      AND (target = 'category'
           OR (target = 'department' AND c.department_id IS NOT NULL
               AND NOT EXISTS (
                   SELECT 1 FROM gridgov.case_events r
                   WHERE r.county = c.county AND r.case_id = c.id AND r.action = 'approve_return'
                     AND r.seq > COALESCE((SELECT max(d.seq) FROM gridgov.case_events d
                                           WHERE d.county = c.county AND d.case_id = c.id
                                             AND d.action = 'dispatch'), 0))))
    $$;
COMMENT ON FUNCTION gridgov.text_model_rows(text, timestamptz, timestamptz) IS
    'Internal: the training rows of target (category or department) from the closed cases reported in [since, until): label, text, reported_at, id';

CREATE FUNCTION gridgov.text_model_scores(actual text[], predicted text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
    WITH p AS (SELECT u.a, u.b FROM unnest(actual, predicted) AS u(a, b)),
    classes AS (SELECT p.a AS c FROM p UNION SELECT p.b FROM p WHERE p.b IS NOT NULL),
    per AS (
        SELECT k.c, count(*) FILTER (WHERE p.a = k.c AND p.b = k.c) AS tp,
               count(*) FILTER (WHERE p.b = k.c) AS predicted, count(*) FILTER (WHERE p.a = k.c) AS support
        FROM classes k CROSS JOIN p GROUP BY k.c),
    m AS (
        SELECT per.*, CASE WHEN predicted > 0 THEN tp::float8 / predicted ELSE 0 END AS prec,
               CASE WHEN support > 0 THEN tp::float8 / support ELSE 0 END AS rec
        FROM per)
    SELECT jsonb_build_object(
        'rows', (SELECT count(*) FROM p),
        'accuracy', (SELECT round((count(*) FILTER (WHERE p.a = p.b))::numeric / NULLIF(count(*), 0), 4) FROM p),
        'macro_f1', (SELECT round(avg(CASE WHEN prec + rec > 0 THEN 2 * prec * rec / (prec + rec) ELSE 0 END)::numeric, 4)
                     FROM m WHERE support > 0),
        'classes', (SELECT jsonb_object_agg(m.c, jsonb_build_object(
                        'precision', round(prec::numeric, 4), 'recall', round(rec::numeric, 4),
                        'support', support)) FROM m),
        'confusion', (SELECT jsonb_object_agg(x.a, x.row)
                      FROM (SELECT y.a, jsonb_object_agg(COALESCE(y.b, ''), y.n) AS row
                            FROM (SELECT p.a, p.b, count(*) AS n FROM p GROUP BY p.a, p.b) y
                            GROUP BY y.a) x))
    $$;
COMMENT ON FUNCTION gridgov.text_model_scores(text[], text[]) IS
    'Internal: scores of predictions against actual labels: rows, accuracy, macro_f1 (mean F1 over the labels that occur in actual), per-label precision, recall and support, and the confusion matrix {actual: {predicted: n}}';

CREATE FUNCTION gridgov.train_text_model(name text, target text, since timestamptz, until timestamptz,
                                         bits integer DEFAULT 18, variant text DEFAULT 'complement',
                                         alpha real DEFAULT 1.0)
    RETURNS gridgov.text_models
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
DECLARE
    n bigint;
    held bigint;
    held_params bytea;
    tested record;
    scores jsonb;
    r gridgov.text_models;
BEGIN
    IF name IS NULL OR target IS NULL OR since IS NULL OR until IS NULL THEN
        RAISE EXCEPTION 'the name, target and period of a text model must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF target NOT IN ('category', 'department') THEN
        RAISE EXCEPTION 'unknown text model target "%"', target
            USING ERRCODE = '22023', HINT = 'The target is category or department.';
    END IF;
    -- A retrain keeps a model's target: intake asks gridgov.intake_text_model for
    -- categories, and a name turned into a department model would silently stop it.
    IF EXISTS (SELECT 1 FROM gridgov.text_models m
               WHERE m.name = train_text_model.name AND m.target <> train_text_model.target) THEN
        RAISE EXCEPTION 'text model "%" predicts %, not %', name,
            (SELECT m.target FROM gridgov.text_models m WHERE m.name = train_text_model.name), target
            USING ERRCODE = '22023', HINT = 'Train it under another name, or delete it first.';
    END IF;
    SELECT count(*) INTO n FROM gridgov.text_model_rows(target, since, until);
    IF n = 0 THEN
        RAISE EXCEPTION 'text model "%" would be trained on no rows', name
            USING ERRCODE = '22023',
                  DETAIL = 'No closed case with a label was reported in the period.',
                  HINT = 'Choose a period with closed cases.';
    END IF;
    held := n / 10;
    scores := jsonb_build_object('rows', held, 'accuracy', NULL, 'macro_f1', NULL);
    IF held > 0 THEN
        SELECT gridgov.text_model_fit(t.label, t.doc, bits, variant, alpha) INTO held_params
        FROM (SELECT * FROM gridgov.text_model_rows(target, since, until) x
              ORDER BY x.reported_at, x.id LIMIT n - held) t;
        SELECT array_agg(t.label ORDER BY t.reported_at, t.id) AS labels,
               array_agg(t.doc ORDER BY t.reported_at, t.id) AS docs INTO tested
        FROM (SELECT * FROM gridgov.text_model_rows(target, since, until) x
              ORDER BY x.reported_at, x.id OFFSET n - held) t;
        scores := gridgov.text_model_scores(tested.labels,
                                            gridgov.text_model_classify(held_params, tested.docs))
                  - 'classes' - 'confusion';
    END IF;
    INSERT INTO gridgov.text_models AS m (name, target, trained_at, since, until, training_rows, classes,
                                          params, held_out)
    SELECT train_text_model.name, target, pg_catalog.now(), since, until, n,
           (gridgov.text_model_info(f.params)->>'classes')::integer, f.params, scores
    FROM (SELECT gridgov.text_model_fit(t.label, t.doc, bits, variant, alpha) AS params
          FROM gridgov.text_model_rows(target, since, until) t) f
    ON CONFLICT ON CONSTRAINT text_models_pkey DO UPDATE
        SET trained_at = EXCLUDED.trained_at, since = EXCLUDED.since,
            until = EXCLUDED.until, training_rows = EXCLUDED.training_rows,
            classes = EXCLUDED.classes, params = EXCLUDED.params, held_out = EXCLUDED.held_out
    RETURNING m.* INTO r;
    RETURN r;
END
$$;
COMMENT ON FUNCTION gridgov.train_text_model(text, text, timestamptz, timestamptz, integer, text, real) IS
    'Administration: trains (or retrains) the text model name for target category or department from the closed cases reported in [since, until): scores a model of the earlier 90% on the latest 10% (held_out), then fits on all; bits (10-24) is the log2 of the hashed feature space, variant complement or multinomial naive Bayes, alpha the smoothing; returns the row';

CREATE FUNCTION gridgov.evaluate_text_model(name text, folds integer DEFAULT 5) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
DECLARE
    m gridgov.text_models;
    info jsonb;
    n bigint;
    f integer;
    fold record;
    actual text[] := '{}';
    predicted text[] := '{}';
    per_fold jsonb := '[]';
BEGIN
    IF name IS NULL OR folds IS NULL THEN
        RAISE EXCEPTION 'the name and folds of an evaluation must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO m FROM gridgov.text_models t WHERE t.name = evaluate_text_model.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'text model "%" does not exist', name USING ERRCODE = '42704';
    END IF;
    IF folds < 1 OR folds > 20 THEN
        RAISE EXCEPTION 'the number of folds must be between 1 and 20' USING ERRCODE = '22023';
    END IF;
    info := gridgov.text_model_info(m.params);
    SELECT count(*) INTO n FROM gridgov.text_model_rows(m.target, m.since, m.until);
    IF n < folds + 1 THEN
        RAISE EXCEPTION 'text model "%" has too few training rows for % folds', name, folds
            USING ERRCODE = '22023', DETAIL = pg_catalog.format('It has %s rows; folds + 1 are needed.', n);
    END IF;
    FOR f IN 2 .. folds + 1 LOOP
        WITH r AS (SELECT t.*, ntile(folds + 1) OVER (ORDER BY t.reported_at, t.id) AS chunk
                   FROM gridgov.text_model_rows(m.target, m.since, m.until) t),
        model AS (SELECT gridgov.text_model_fit(r.label, r.doc, (info->>'bits')::integer,
                                                info->>'variant', (info->>'alpha')::real) AS params
                  FROM r WHERE r.chunk < f),
        test AS (SELECT array_agg(r.label ORDER BY r.reported_at, r.id) AS labels,
                        array_agg(r.doc ORDER BY r.reported_at, r.id) AS docs
                 FROM r WHERE r.chunk = f)
        SELECT test.labels, gridgov.text_model_classify(model.params, test.docs) AS guesses
        INTO fold FROM model, test;
        actual := actual || fold.labels;
        predicted := predicted || fold.guesses;
        per_fold := per_fold || (gridgov.text_model_scores(fold.labels, fold.guesses)
                                 - 'classes' - 'confusion');
    END LOOP;
    RETURN gridgov.text_model_scores(actual, predicted)
        || jsonb_build_object('folds', folds, 'per_fold', per_fold);
END
$$;
COMMENT ON FUNCTION gridgov.evaluate_text_model(text, integer) IS
    'Administration: scores the training of model name by time (rolling origin): its training cases in reported_at order are cut into folds + 1 equal parts; for each part after the first, a model of the same parameters fitted on the parts before it classifies it. Returns rows, accuracy, macro_f1, per-label precision/recall/support (classes), the confusion matrix {actual: {predicted: n}}, folds and per_fold scores';

CREATE FUNCTION gridgov.suggest_category(text text, k integer DEFAULT 3, model text DEFAULT 'category')
    RETURNS TABLE (label text, probability double precision, words text[])
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
    SELECT s.label, s.probability, s.words
    FROM gridgov.text_model_suggest(model, 'category', pg_catalog."left"(text, 100000), k) s
    $$;
COMMENT ON FUNCTION gridgov.suggest_category(text, integer, text) IS
    'The k (1-1000) most probable categories of a complaint''s words by text model model (target category), with probabilities and, on the first row, the words that weighed most for it; no rows for a NULL text; only the first 100,000 characters are read';

CREATE FUNCTION gridgov.suggest_department(text text, grid gridgov.gridcode, k integer DEFAULT 3,
                                           model text DEFAULT 'department')
    RETURNS TABLE (department_id bigint, probability double precision, words text[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
BEGIN
    IF k IS NULL OR k < 1 OR k > 1000 THEN
        RAISE EXCEPTION 'the number of suggestions must be between 1 and 1000' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT s.label::bigint, s.probability, s.words
    FROM gridgov.text_model_suggest(model, 'department', "left"(text, 100000), 1000)
         WITH ORDINALITY AS s(label, probability, words, rank)
    WHERE grid IS NULL
       OR EXISTS (SELECT 1 FROM gridgov.departments d
                  WHERE d.id = s.label::bigint AND d.active AND d.jurisdiction @> grid)
    ORDER BY s.rank
    LIMIT k;
END
$$;
COMMENT ON FUNCTION gridgov.suggest_department(text, gridgov.gridcode, integer, text) IS
    'The k (1-1000) most probable departments to handle a complaint''s words by text model model (target department), with the model''s probabilities and the words that weighed most for its first choice (on that department''s row, when kept); when grid is given only active departments whose jurisdiction contains it are kept; no rows for a NULL text';

-- Replaying dispatch: how often the first dispatch of a period's cases would
-- have been right, by today's routing rules, by a department model, and by the
-- rules with the model where the rules fall back to a command center (no
-- component owner and no rule matched: explain_route()'s chosen step is a
-- center; where the model has no answer the center stays).  The truth is the
-- department that finally handled each case, as the department model learns
-- it (text_model_rows('department', ...), its one definition).
CREATE FUNCTION gridgov.dispatch_replay(since timestamptz, until timestamptz, model text DEFAULT 'department')
    RETURNS TABLE (method text, cases bigint, correct bigint, accuracy numeric,
                   fallback bigint, fallback_correct bigint, unanswered bigint, in_training_period bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    m gridgov.text_models;
BEGIN
    IF dispatch_replay.since IS NULL OR dispatch_replay.until IS NULL OR dispatch_replay.model IS NULL THEN
        RAISE EXCEPTION 'the period and model of a dispatch replay must not be null' USING ERRCODE = '22004';
    END IF;
    IF dispatch_replay.since >= dispatch_replay.until THEN
        RAISE EXCEPTION 'the period of a dispatch replay must end after it starts' USING ERRCODE = '22023';
    END IF;
    -- The model must exist (42704) and predict departments (22023), checked
    -- and reported as suggest_department() does, even when no case is replayed.
    PERFORM FROM gridgov.text_model_suggest(dispatch_replay.model, 'department', NULL, 1);
    SELECT * INTO m FROM gridgov.text_models t WHERE t.name = dispatch_replay.model;
    RETURN QUERY
    WITH truth AS (
        SELECT r.label::bigint AS actual, r.doc, r.reported_at, c.category, c.grid, c.objcode
        FROM gridgov.text_model_rows('department', dispatch_replay.since, dispatch_replay.until) r
        JOIN gridgov.cases c ON c.id = r.id
    ),
    answered AS (
        SELECT t.actual, t.reported_at, e.department_id AS by_rules,
               COALESCE(e.step IN ('town center', 'district center', 'home center'), false) AS fell_back,
               (SELECT s.department_id
                FROM gridgov.suggest_department(t.doc, t.grid, 1, dispatch_replay.model) s) AS by_model
        FROM truth t
        LEFT JOIN LATERAL (SELECT x.department_id, x.step
                           FROM gridgov.explain_route(t.category, t.grid, t.objcode) x
                           WHERE x.chosen) e ON true
    ),
    per_method AS (
        SELECT v.method, v.answer, a.actual, a.fell_back, a.reported_at
        FROM answered a
        CROSS JOIN LATERAL (VALUES ('rules', a.by_rules), ('model', a.by_model),
                                   ('rules+model', CASE WHEN a.fell_back THEN COALESCE(a.by_model, a.by_rules)
                                                             ELSE a.by_rules END))
                           AS v(method, answer)
    )
    SELECT k.method, count(p.actual), count(*) FILTER (WHERE p.answer = p.actual),
           round((count(*) FILTER (WHERE p.answer = p.actual))::numeric / NULLIF(count(p.actual), 0), 4),
           count(*) FILTER (WHERE p.fell_back),
           count(*) FILTER (WHERE p.fell_back AND p.answer = p.actual),
           count(*) FILTER (WHERE p.actual IS NOT NULL AND p.answer IS NULL),
           CASE WHEN k.method <> 'rules' THEN count(*) FILTER (WHERE p.reported_at >= m.since AND p.reported_at < m.until) END
    FROM (VALUES (1, 'rules'), (2, 'model'), (3, 'rules+model')) AS k(ord, method)
    LEFT JOIN per_method p ON p.method = k.method
    GROUP BY k.ord, k.method
    ORDER BY k.ord;
END
$$;
COMMENT ON FUNCTION gridgov.dispatch_replay(timestamptz, timestamptz, text) IS
    'Administration: replays the first dispatch of the closed cases reported in [since, until) against the department that finally handled each without returning it (the truth of a department model): one row per method — rules (gridgov.route() with today''s rules), model (the first of gridgov.suggest_department() by text model model), rules+model (the rules, but the model where the rules fall back to a command center — no component owner and no rule matched — unless it has no answer) — with cases, correct, accuracy (NULL for no cases), fallback (cases the rules sent to a center by 属地兜底), fallback_correct (of those, how many the method got right), unanswered (no department given) and, for the methods that use the model, in_training_period (cases reported in the model''s training period, on which it is not tested fresh)';
-- ---------------------------------------------------------------------------
-- Case API: intake and workflow triggers, gridgov.act() and its wrappers,
-- history verification, duplicates, roles, re-homing after re-division.
-- ---------------------------------------------------------------------------

-- The staff member mapped to the current role (as the C triggers see it).
CREATE FUNCTION gridgov.actor_staff_id() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_actor_staff_id' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.actor_staff_id() IS
    'Id of the active staff member whose db_role is the current role (NULL if none); recorded in case events';

-- Hash of one event, the single definition shared by the triggers and verify_history.
CREATE FUNCTION gridgov.event_hash(prev bytea, county gridgov.gridcode, case_id bigint, seq integer,
                                   at timestamptz, actor_role name, actor_staff_id bigint,
                                   action text, from_state text, to_state text, note text,
                                   payload jsonb)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_event_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.event_hash(bytea, gridgov.gridcode, bigint, integer, timestamptz, name, bigint, text, text, text, text, jsonb) IS
    'sha256(prev || canonical bytes of an event): the tag gridgov-event-v1, then each field length-prefixed (NULL as 0xFFFFFFFF), the time as microseconds since 2000-01-01 UTC, the payload as jsonb text';

-- Likely duplicate: the nearest open case of the same category in reach.  The
-- rule is written once, in C (src/cases/duplicate.c); the intake trigger calls
-- the same code.
CREATE FUNCTION gridgov.find_duplicate(county gridgov.gridcode, category text, at timestamptz,
                                       point geometry, radius_m double precision, win interval)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_find_duplicate'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.find_duplicate(gridgov.gridcode, text, timestamptz, geometry, double precision, interval) IS
    'The nearest open, unmerged case of the county and category within radius_m metres (PostGIS''s sphere, bound included) reported within win of at (bounds included), as the statement sees them; ties by the later report, then the lower id. The intake trigger''s rule, the same C code, with gridgov.duplicate_radius_m and gridgov.duplicate_window. Needs SELECT on gridgov.cases. 22023 for a point that is not one WGS-84 point (another SRID is transformed) or a radius outside 0-100000; NULL when an argument is NULL or none is found';

-- Intake: the C row trigger completes each case; a C statement trigger has the
-- engine write the intake events and start the clocks of all new rows in
-- batches.
CREATE FUNCTION gridgov.case_intake() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_intake' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_intake() IS
    'BEFORE INSERT trigger on cases: category and urgency, WGS-84 location, grid, county, department, workflow and initial state, case number, likely duplicate';
CREATE TRIGGER case_intake BEFORE INSERT ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_intake();

CREATE FUNCTION gridgov.case_intake_finish() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_intake_finish' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_intake_finish() IS
    'AFTER INSERT statement trigger on cases, for all the statement''s new cases at once: appends each one''s intake event (seq 1, at reported_at, payload source/category/urgency/grid/department/duplicate) to its history, starts the clocks its workflow times from intake (workflows.intake_clocks, gridgov.sla_policy), and with gridgov.analytics_sync on refreshes their analytics (otherwise the analytics job reads their events); run as the owner of the history (case roles need no rights on these tables)';
CREATE TRIGGER case_intake_finish AFTER INSERT ON gridgov.cases
    REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_intake_finish();

-- Every UPDATE of a case: the state machine and the history.
CREATE FUNCTION gridgov.case_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_case_update' LANGUAGE C;
COMMENT ON FUNCTION gridgov.case_update() IS
    'BEFORE UPDATE trigger on cases: validates the state change (transition, role, required values), protects maintained columns, applies the announced action''s transition and payload, counters and closing; the engine appends the hash-chained event and applies the clock effects (and a closing case closes its merged duplicates)';
CREATE TRIGGER case_update BEFORE UPDATE ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_update();

CREATE FUNCTION gridgov.case_no_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('case_no_delete', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    RAISE EXCEPTION USING ERRCODE = 'GG109',
        MESSAGE = 'cases are records and cannot be deleted',
        HINT = 'Reject, close or merge the case instead.';
END
$$;
COMMENT ON FUNCTION gridgov.case_no_delete() IS 'Trigger: refuses DELETE and TRUNCATE on cases (GG109)';
CREATE TRIGGER case_no_delete BEFORE DELETE ON gridgov.cases
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_no_delete();
CREATE TRIGGER case_no_truncate BEFORE TRUNCATE ON gridgov.cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_no_delete();

CREATE FUNCTION gridgov.case_events_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('case_events_append_only', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    RAISE EXCEPTION USING ERRCODE = 'GG106',
        MESSAGE = pg_catalog.format('case history is append-only: %s is not allowed', pg_catalog.lower(TG_OP)),
        DETAIL = 'Every change of a case is kept in gridgov.case_events.';
END
$$;
COMMENT ON FUNCTION gridgov.case_events_append_only() IS 'Trigger: refuses UPDATE, DELETE and TRUNCATE on case_events (GG106)';
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON gridgov.case_events
    FOR EACH ROW EXECUTE FUNCTION gridgov.case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON gridgov.case_events
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_events_append_only();

-- Announcing an action, and the system actions (rehome, master_closed, escalate).
CREATE FUNCTION gridgov.act_prepare(case_id bigint, action text, note text, payload jsonb, at timestamptz)
    RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_act_prepare' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_prepare(bigint, text, text, jsonb, timestamptz) IS
    'Building block of gridgov.act(): announces the action, note, payload and time of the next UPDATE of the case in this transaction';

CREATE FUNCTION gridgov.case_system_update(county gridgov.gridcode, case_id bigint, action text,
                                           payload jsonb, at timestamptz)
    RETURNS void
    AS 'MODULE_PATHNAME', 'gridgov_case_system_update' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.case_system_update(gridgov.gridcode, bigint, text, jsonb, timestamptz) IS
    'Internal: the system actions rehome (grid := payload.to_grid), master_closed (closed_at := at) and escalate (supervised, escalation_level := payload.level), recorded in the history with the payload; not executable by PUBLIC';
REVOKE EXECUTE ON FUNCTION gridgov.case_system_update(gridgov.gridcode, bigint, text, jsonb, timestamptz) FROM PUBLIC;

-- act(): the one entry point of the workflow, in C (src/cases/act.c): it
-- announces the action and updates the case once; the trigger above applies
-- the action's transition and payload, and the engine records the event and
-- the clock effects.
CREATE FUNCTION gridgov.act(case_id bigint, action text, note text DEFAULT NULL,
                            payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act(bigint, text, text, jsonb, timestamptz) IS
    'The workflow''s one entry point: takes an action on a case (locking it), with a note and a payload (department_id for dispatch, solved and satisfaction for callback, master_case_id for merge), at a time: NULL (the default) for now, or the case''s latest event time when a transaction that committed meanwhile recorded a later one; an explicit time may not be earlier than the latest event (GG111) nor beyond gridgov.future_tolerance (GG112). Returns the updated case. Illegal actions GG101, roles GG102, missing values GG104';
CREATE FUNCTION gridgov.act_in(county gridgov.gridcode, case_id bigint, action text, note text DEFAULT NULL,
                               payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act_in' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz) IS
    'gridgov.act() on a case of county, where the case is held: on a Citus cluster a distributed function by county (gridgov.distribute()), which act() calls on the coordinator; on one server the same as act(). Refuses (55000) on a node that does not hold the county''s cases';
-- ---------------------------------------------------------------------------
-- Case actions over the engine (057): the named workflow actions, thin
-- wrappers over act(), and the re-homing of open cases after a re-division,
-- system updates through case_system_update().
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.dispatch(case_id bigint, department_id bigint DEFAULT NULL,
                                 note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'dispatch', note,
                       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('department_id', department_id)), at);
COMMENT ON FUNCTION gridgov.dispatch(bigint, bigint, text, timestamptz) IS
    'Dispatch (派遣/派单) or re-dispatch (改派) a case, to department_id or, when NULL, to the department routing chose';

CREATE FUNCTION gridgov.sign_case(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'sign', note, '{}', at);
COMMENT ON FUNCTION gridgov.sign_case(bigint, text, timestamptz) IS
    'The assignee acknowledges receipt (签收) (not sign(): an unqualified sign(42) would be pg_catalog.sign)';

CREATE FUNCTION gridgov.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'return', reason, '{}', at);
COMMENT ON FUNCTION gridgov.return_case(bigint, text, timestamptz) IS
    'The assignee returns a wrong dispatch (退单), with the reason; the dispatcher re-dispatches it';

CREATE FUNCTION gridgov.handle(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'handle', note, '{}', at);
COMMENT ON FUNCTION gridgov.handle(bigint, text, timestamptz) IS 'The assignee reports the case handled (处置反馈)';

CREATE FUNCTION gridgov.verify(case_id bigint, passed boolean, note text DEFAULT NULL,
                               at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, CASE WHEN passed THEN 'verify_pass' ELSE 'verify_fail' END, note, '{}', at);
COMMENT ON FUNCTION gridgov.verify(bigint, boolean, text, timestamptz) IS
    'On-site verification (核查): passed moves the case on, failed sends it back for rework (返工)';

CREATE FUNCTION gridgov.callback(case_id bigint, solved boolean, satisfaction gridgov.satisfaction,
                                 note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'callback', note,
                       pg_catalog.jsonb_build_object('solved', solved, 'satisfaction', satisfaction), at);
COMMENT ON FUNCTION gridgov.callback(bigint, boolean, gridgov.satisfaction, text, timestamptz) IS
    'Callback to the citizen (回访): solved? satisfied? (disputes use act(..., ''follow_up'', ...))';

CREATE FUNCTION gridgov.close(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'close', note, '{}', at);
COMMENT ON FUNCTION gridgov.close(bigint, text, timestamptz) IS 'Close the case (结案/办结); duplicates merged into it close with it';

CREATE FUNCTION gridgov.reopen(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'reopen', note, '{}', at);
COMMENT ON FUNCTION gridgov.reopen(bigint, text, timestamptz) IS 'Reopen a closed case (hotline: the caller was not satisfied)';

CREATE FUNCTION gridgov.merge(duplicate_id bigint, master_id bigint, note text DEFAULT NULL,
                              at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(duplicate_id, 'merge', note,
                       pg_catalog.jsonb_build_object('master_case_id', master_id), at);
COMMENT ON FUNCTION gridgov.merge(bigint, bigint, text, timestamptz) IS
    'Merge a duplicate into its master: the duplicate becomes terminal (merged) and linked, and closes when the master closes';

-- The steps of Beijing's 12345 and the grid centers (1.3.0; docs/cases.md) ------

CREATE FUNCTION gridgov.first_contact(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'contact', note, '{}', at);
COMMENT ON FUNCTION gridgov.first_contact(bigint, text, timestamptz) IS
    'The holder has contacted the caller (先行联系): meets the contact clock started at signing (hotline)';

CREATE FUNCTION gridgov.review_return(case_id bigint, approve boolean, note text DEFAULT NULL,
                                      at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, CASE WHEN approve THEN 'approve_return' WHEN NOT approve THEN 'reject_return' END,
                       note, '{}', at);
COMMENT ON FUNCTION gridgov.review_return(bigint, boolean, text, timestamptz) IS
    'The command center reviews a return (退单审核): approve lets it back (returned, to be re-dispatched; counted in returns), otherwise it goes back to the holder, who must sign again (a rejected return)';

CREATE FUNCTION gridgov.supervise(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'supervise', note, '{}', at);
COMMENT ON FUNCTION gridgov.supervise(bigint, text, timestamptz) IS
    'The command center supervises the case (督办): marks it supervised and starts a supervise clock the holder must answer (the sweep does the same at a ladder rung that supervises)';

CREATE FUNCTION gridgov.answer_supervision(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'answer_supervision', note, '{}', at);
COMMENT ON FUNCTION gridgov.answer_supervision(bigint, text, timestamptz) IS
    'The holder answers a supervision (督办回复): meets the running supervise clock (GG251 when there is none)';

CREATE FUNCTION gridgov.request_extension(case_id bigint, stage text, amount numeric, reason text,
                                          unit text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'request_extension', reason,
                       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('stage', stage, 'amount', amount,
                                                                                  'unit', unit)), at);
COMMENT ON FUNCTION gridgov.request_extension(bigint, text, numeric, text, text, timestamptz) IS
    'The holder applies for more time on a stage (申请延期), with the reason; the deadline moves only when the command center approves (gridgov.decide_request)';

CREATE FUNCTION gridgov.request_suspension(case_id bigint, reason text, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'request_suspension', reason, '{}', at);
COMMENT ON FUNCTION gridgov.request_suspension(bigint, text, timestamptz) IS
    'The holder applies to suspend the case''s clocks (申请挂账: cannot be done for now), with the reason; the clocks pause only when the command center approves';

CREATE FUNCTION gridgov.decide_request(case_id bigint, kind text, approve boolean, note text DEFAULT NULL,
                                       amount numeric DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id,
                       CASE WHEN approve THEN 'approve_' WHEN NOT approve THEN 'refuse_' END
                       OPERATOR(pg_catalog.||) CASE WHEN kind IN ('extension', 'suspension') THEN kind END,
                       note, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('amount', amount)), at);
COMMENT ON FUNCTION gridgov.decide_request(bigint, text, boolean, text, numeric, timestamptz) IS
    'The command center decides the holder''s open request of kind extension or suspension: approve moves the deadline by the time asked (or amount, when smaller) or pauses the clocks; refuse leaves them (GG253 when no such request is open)';

CREATE FUNCTION gridgov.refer_meeting(case_id bigint, departments bigint[], note text DEFAULT NULL,
                                      at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'refer_meeting', note, pg_catalog.jsonb_build_object('departments', departments), at);
COMMENT ON FUNCTION gridgov.refer_meeting(bigint, bigint[], text, timestamptz) IS
    'The command center takes a difficult case (疑难案件) to a joint meeting (会商) of the departments named: the holder''s clocks are cancelled, the case waits in state meeting';

CREATE FUNCTION gridgov.decide_meeting(case_id bigint, lead_department bigint, decision text, note text DEFAULT NULL,
                                       at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'decide', note,
                       pg_catalog.jsonb_build_object('department_id', lead_department, 'decision', decision), at);
COMMENT ON FUNCTION gridgov.decide_meeting(bigint, bigint, text, text, timestamptz) IS
    'Records the joint meeting''s decision and its lead department (牵头单位, one of those convened): the case is dispatched to it and continues';

-- Re-homing open cases after a re-division (called by redivide(), 027) ----------

CREATE FUNCTION gridgov.rehome_cases(revision bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    r gridgov.grid_revisions;
    c record;
    n integer := 0;
BEGIN
    SELECT * INTO r FROM gridgov.grid_revisions WHERE id = revision FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('re-division %s does not exist', revision);
    END IF;
    IF r.cases_rehomed_at IS NOT NULL THEN
        RETURN 0;
    END IF;
    FOR c IN
        SELECT x.county, x.id, x.grid, x.updated_at,
               COALESCE(CASE WHEN x.location IS NOT NULL THEN gridgov.locate(x.location, r.effective) END,
                        (SELECT a.code FROM gridgov.grids a
                         WHERE a.code OPERATOR(gridgov.@>) x.grid AND a.code OPERATOR(gridgov.<>) x.grid
                           AND a.valid_from <= r.effective AND r.effective < a.valid_to
                         ORDER BY a.level DESC LIMIT 1)) AS new_grid
        FROM gridgov.cases x
        JOIN gridgov.workflow_states s ON s.workflow = x.workflow AND s.state = x.state AND NOT s.terminal
        WHERE x.grid OPERATOR(gridgov.<@) ANY (r.retired)
          AND NOT EXISTS (SELECT 1 FROM gridgov.grids g
                          WHERE g.code OPERATOR(gridgov.=) x.grid
                            AND g.valid_from <= r.effective AND r.effective < g.valid_to)
        ORDER BY x.county, x.id
    LOOP
        PERFORM gridgov.case_system_update(
            c.county, c.id, 'rehome',
            pg_catalog.jsonb_build_object(
                'revision', revision, 'from_grid', c.grid::text,
                'to_grid', CASE WHEN c.new_grid OPERATOR(gridgov.<@) c.county THEN c.new_grid::text END),
            GREATEST(r.effective, c.updated_at));
        n := n + 1;
    END LOOP;
    UPDATE gridgov.grid_revisions SET cases_rehomed_at = pg_catalog.now() WHERE id = revision;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.rehome_cases(bigint) IS
    'Administration: Moves the open cases of the grids a re-division retired to the grid that now holds their location (or the nearest surviving ancestor grid), recording a rehome event in each history; once per re-division; returns the number of cases moved. redivide() calls it when the re-division is already effective, gridgov.rehome_due_cases() later otherwise';

CREATE FUNCTION gridgov.rehome_due_cases(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.sum(gridgov.rehome_cases(r.id)), 0)::integer
    FROM (SELECT id FROM gridgov.grid_revisions
          WHERE cases_rehomed_at IS NULL AND effective <= as_of ORDER BY id) r;
END;
COMMENT ON FUNCTION gridgov.rehome_due_cases(timestamptz) IS
    'Administration: Re-homes the open cases of every re-division that has become effective by as_of and was not applied yet (run by the nightly job); returns the number of cases moved';
-- ---------------------------------------------------------------------------
-- The integrity of the case histories: the verification of each case's hash
-- chain (the chain itself is written by the engine, 057), and the daily seal
-- of the histories: a hash over the heads (latest events) of every history
-- that changed since the previous seal, chained day to day, kept append-only
-- and exportable as one line of text (docs/cases.md, The daily seal).  The
-- canonical bytes are defined once, in src/cases/seal.c.
-- ---------------------------------------------------------------------------

-- Verification of the hash chains ----------------------------------------------

-- The check is PL/pgSQL (Citus plans no SQL function that reads distributed
-- tables with parameters), under other parameter names than verify_histories()
-- has: PL/pgSQL does not take a parameter named like a result column.
CREATE FUNCTION gridgov.history_breaks(of_county gridgov.gridcode, of_case_ids bigint[])
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH c AS (
        SELECT x.county, x.id, x.events, x.history_hash, x.state FROM gridgov.cases x
        WHERE (history_breaks.of_county IS NULL OR x.county OPERATOR(gridgov.=) history_breaks.of_county)
          AND (history_breaks.of_case_ids IS NULL OR x.id = ANY (history_breaks.of_case_ids))
    ), e AS (
        SELECT ev.county, ev.case_id, ev.seq, ev.hash, ev.prev_hash, ev.action, ev.to_state,
               pg_catalog.lag(ev.hash) OVER w AS previous,
               pg_catalog.lag(ev.seq) OVER w AS previous_seq,
               gridgov.event_hash(ev.prev_hash, ev.county, ev.case_id, ev.seq, ev.at, ev.actor_role,
                                  ev.actor_staff_id, ev.action, ev.from_state, ev.to_state, ev.note,
                                  ev.payload) AS recomputed
        FROM gridgov.case_events ev
        JOIN c ON ev.county OPERATOR(gridgov.=) c.county AND ev.case_id = c.id
        WINDOW w AS (PARTITION BY ev.county, ev.case_id ORDER BY ev.seq)
    ), last AS (
        SELECT DISTINCT ON (e.county, e.case_id) e.county, e.case_id, e.seq, e.hash, e.to_state
        FROM e ORDER BY e.county, e.case_id, e.seq DESC
    ), counts AS (
        SELECT e.county, e.case_id, pg_catalog.count(*) AS n FROM e GROUP BY e.county, e.case_id
    ), problems AS (
        SELECT e.county, e.case_id, e.seq, 'hash_mismatch' AS problem,
               'the event''s content does not match its hash' AS detail
        FROM e WHERE e.recomputed <> e.hash
        UNION ALL
        SELECT e.county, e.case_id, e.seq, 'chain_broken',
               'prev_hash is not the hash of the event before'
        FROM e WHERE e.prev_hash <> COALESCE(e.previous, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'))
        UNION ALL
        SELECT e.county, e.case_id, e.seq, 'seq_gap',
               pg_catalog.format('expected event %s', COALESCE(e.previous_seq, 0) + 1)
        FROM e WHERE e.seq <> COALESCE(e.previous_seq, 0) + 1
        UNION ALL
        SELECT c.county, c.id, NULL::integer, 'event_count',
               pg_catalog.format('the case records %s events, the history has %s', c.events, COALESCE(n.n, 0))
        FROM c LEFT JOIN counts n ON n.county OPERATOR(gridgov.=) c.county AND n.case_id = c.id
        WHERE c.events <> COALESCE(n.n, 0)
        UNION ALL
        SELECT c.county, c.id, l.seq, 'tail_mismatch',
               'the case''s history_hash is not the hash of its latest event'
        FROM c JOIN last l ON l.county OPERATOR(gridgov.=) c.county AND l.case_id = c.id
        WHERE c.history_hash IS NOT NULL AND c.history_hash <> l.hash
        UNION ALL
        SELECT c.county, c.id, 1, 'intake_missing',
               CASE WHEN f.case_id IS NULL THEN 'the history has no event 1'
                    ELSE pg_catalog.format('event 1 is %s, not intake', f.action) END
        FROM c LEFT JOIN e f ON f.county OPERATOR(gridgov.=) c.county AND f.case_id = c.id AND f.seq = 1
        WHERE f.case_id IS NULL OR f.action <> 'intake'
        UNION ALL
        SELECT c.county, c.id, l.seq, 'state_mismatch',
               pg_catalog.format('the case is in state %s, its latest event leads to %s', c.state, COALESCE(l.to_state, 'none'))
        FROM c JOIN last l ON l.county OPERATOR(gridgov.=) c.county AND l.case_id = c.id
        WHERE l.to_state IS DISTINCT FROM c.state
    )
    SELECT p.county, p.case_id, p.seq, p.problem, p.detail FROM problems p
    ORDER BY p.county, p.case_id, p.seq NULLS LAST, p.problem;
END
$$;
COMMENT ON FUNCTION gridgov.history_breaks(gridgov.gridcode, bigint[]) IS
    'Building block of verify_histories(): the breaks in the hash chains of the histories of a county''s cases (all counties when of_county is NULL), of the listed ids only when of_case_ids is not NULL';

CREATE FUNCTION gridgov.verify_histories(county gridgov.gridcode DEFAULT NULL, case_ids bigint[] DEFAULT NULL)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT * FROM gridgov.history_breaks(verify_histories.county, verify_histories.case_ids);
END;
COMMENT ON FUNCTION gridgov.verify_histories(gridgov.gridcode, bigint[]) IS
    'Checks the hash chains of case histories (all cases, a county, or the listed ids): hash_mismatch (an event was edited), chain_broken (an event was removed, inserted or reordered), seq_gap (a sequence number is missing), event_count (cases.events differs from the number of events), tail_mismatch (cases.history_hash is not the hash of the latest event), intake_missing (no event 1, or event 1 is not the intake), state_mismatch (the latest event does not lead to the case''s state: events removed at the end). Sealed heads are checked by gridgov.verify_seals(). No rows: intact';

CREATE FUNCTION gridgov.verify_history(case_id bigint)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT * FROM gridgov.verify_histories(NULL, ARRAY[verify_history.case_id]);
END;
COMMENT ON FUNCTION gridgov.verify_history(bigint) IS
    'Checks one case''s hash-chained history; one row per break (see verify_histories), none when intact';

-- The daily seal ----------------------------------------------------------------

CREATE FUNCTION gridgov.local_day(at timestamptz) RETURNS date
    AS 'MODULE_PATHNAME', 'gridgov_local_day' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.local_day(timestamptz) IS
    'The date of at in gridgov.time_zone (the local date of case numbers and of seals); 22023 when the setting is not a known time zone';

CREATE FUNCTION gridgov.seal_hash(day date, prev bytea, heads bigint, heads_digest bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_seal_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.seal_hash(date, bytea, bigint, bytea) IS
    'The hash of a seal: sha256 of the tag gridgov-seal-v1, then the day (YYYY-MM-DD), the previous seal''s hash, the number of heads (decimal) and the heads digest (gridgov.seal_heads_digest), each as a 4-byte big-endian length and its bytes';

CREATE FUNCTION gridgov.seal_heads_digest_step(state internal, county gridgov.gridcode, case_id bigint,
                                               seq integer, hash bytea)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'gridgov_seal_heads_digest_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.seal_heads_digest_step(internal, gridgov.gridcode, bigint, integer, bytea) IS
    'Transition function of gridgov.seal_heads_digest()';
CREATE FUNCTION gridgov.seal_heads_digest_final(state internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_seal_heads_digest_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.seal_heads_digest_final(internal) IS
    'Final function of gridgov.seal_heads_digest()';
CREATE AGGREGATE gridgov.seal_heads_digest(county gridgov.gridcode, case_id bigint, seq integer, hash bytea) (
    SFUNC = gridgov.seal_heads_digest_step,
    STYPE = internal,
    FINALFUNC = gridgov.seal_heads_digest_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.seal_heads_digest(gridgov.gridcode, bigint, integer, bytea) IS
    'The heads chain of a seal: c0 = 32 zero bytes, ci = sha256(c(i-1) || county digits, case id, seq, hash, each length-prefixed); call it with ORDER BY county, case_id, seq (heads out of that order raise 22023); 32 zero bytes for no heads';

-- The tables -------------------------------------------------------------------

CREATE TABLE gridgov.history_seals (
    day         date PRIMARY KEY,
    prev_hash   bytea NOT NULL UNIQUE CHECK (pg_catalog.octet_length(prev_hash) = 32),
    hash        bytea NOT NULL CHECK (pg_catalog.octet_length(hash) = 32),
    heads       bigint NOT NULL CHECK (heads >= 0),
    sealed_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE gridgov.history_seals IS
    'The daily seals of the case histories (gridgov.seal_history), append-only (UPDATE, DELETE and TRUNCATE are refused, GG106): each commits to the heads in gridgov.history_seal_heads of its day and to the previous seal; gridgov.seal_line() exports one as a line of text, gridgov.verify_seal_line() and gridgov.verify_seals() check them';
COMMENT ON COLUMN gridgov.history_seals.day IS 'The local day (gridgov.time_zone) the seal is named after: the seal covers every history that changed since the previous seal';
COMMENT ON COLUMN gridgov.history_seals.prev_hash IS 'Hash of the previous seal (32 zero bytes for the first); unique, so the chain cannot fork';
COMMENT ON COLUMN gridgov.history_seals.hash IS 'gridgov.seal_hash(day, prev_hash, heads, the digest of its heads)';
COMMENT ON COLUMN gridgov.history_seals.heads IS 'Number of heads the seal covers';
COMMENT ON COLUMN gridgov.history_seals.sealed_at IS 'When the seal was taken (start of the sealing transaction)';

CREATE TABLE gridgov.history_seal_heads (
    county      gridgov.gridcode NOT NULL,
    case_id     bigint NOT NULL,
    seq         integer NOT NULL CHECK (seq >= 1),
    hash        bytea NOT NULL CHECK (pg_catalog.octet_length(hash) = 32),
    day         date NOT NULL,
    PRIMARY KEY (county, case_id, seq)
);
COMMENT ON TABLE gridgov.history_seal_heads IS
    'The chain heads each seal covers, append-only (GG106): the latest event of a case''s history when the seal was taken, for every case that was new or had new events since the previous seal. The key also finds the last sealed event of a case';
COMMENT ON COLUMN gridgov.history_seal_heads.county IS 'County of the case (first in the key: the distribution column when scaled out)';
COMMENT ON COLUMN gridgov.history_seal_heads.case_id IS 'The case';
COMMENT ON COLUMN gridgov.history_seal_heads.seq IS 'The sealed event: the case''s latest when the seal was taken';
COMMENT ON COLUMN gridgov.history_seal_heads.hash IS 'That event''s hash (gridgov.case_events.hash) when it was sealed';
COMMENT ON COLUMN gridgov.history_seal_heads.day IS 'The seal (gridgov.history_seals.day) that covers it';

SELECT pg_catalog.pg_extension_config_dump('gridgov.history_seals', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.history_seal_heads', '');

CREATE FUNCTION gridgov.history_seals_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('history_seals_append_only', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    RAISE EXCEPTION USING ERRCODE = 'GG106',
        MESSAGE = pg_catalog.format('history seals are append-only: %s is not allowed', pg_catalog.lower(TG_OP)),
        DETAIL = 'A seal, once taken, is kept as it was.';
END
$$;
COMMENT ON FUNCTION gridgov.history_seals_append_only() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on history_seals and history_seal_heads (GG106)';
CREATE TRIGGER history_seals_append_only BEFORE UPDATE OR DELETE ON gridgov.history_seals
    FOR EACH ROW EXECUTE FUNCTION gridgov.history_seals_append_only();
CREATE TRIGGER history_seals_no_truncate BEFORE TRUNCATE ON gridgov.history_seals
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.history_seals_append_only();
CREATE TRIGGER history_seal_heads_append_only BEFORE UPDATE OR DELETE ON gridgov.history_seal_heads
    FOR EACH ROW EXECUTE FUNCTION gridgov.history_seals_append_only();
CREATE TRIGGER history_seal_heads_no_truncate BEFORE TRUNCATE ON gridgov.history_seal_heads
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.history_seals_append_only();

-- Sealing ------------------------------------------------------------------------

CREATE FUNCTION gridgov.seal_history(day date DEFAULT gridgov.local_day(pg_catalog.now()) - 1)
    RETURNS gridgov.history_seals
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    sealed gridgov.history_seals;
    latest gridgov.history_seals;
    today date := gridgov.local_day(pg_catalog.now());
    n bigint;
    digest bytea;
    prev bytea;
BEGIN
    IF seal_history.day IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'the day to seal must not be NULL';
    END IF;
    -- One sealer at a time (readers are not blocked); what the first one
    -- sealed is visible to the next statement of the second.
    LOCK TABLE gridgov.history_seals IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO sealed FROM gridgov.history_seals s WHERE s.day = seal_history.day;
    IF FOUND THEN
        RETURN sealed;
    END IF;
    SELECT * INTO latest FROM gridgov.history_seals s ORDER BY s.day DESC LIMIT 1;
    IF latest.day > seal_history.day THEN
        RAISE EXCEPTION USING ERRCODE = 'GG113',
            MESSAGE = pg_catalog.format('cannot seal %s: the histories are sealed up to %s', seal_history.day, latest.day),
            DETAIL = 'Seals follow each other in time; what changed since is covered by the next seal.',
            HINT = 'Seal a later day, or none: gridgov.seal_history() seals yesterday.';
    END IF;
    IF seal_history.day > today THEN
        RAISE EXCEPTION USING ERRCODE = 'GG113',
            MESSAGE = pg_catalog.format('cannot seal %s: it is %s in %s', seal_history.day, today,
                                        pg_catalog.current_setting('gridgov.time_zone')),
            DETAIL = 'A day can be sealed once it has begun.';
    END IF;
    -- Every case whose latest event is not sealed yet: new cases, and cases
    -- with events after their last sealed one (the primary key of the heads
    -- has the last sealed seq of each case).  Only those cases' latest events
    -- are read, each by its key (OFFSET 0 keeps the planner from joining the
    -- whole history instead).  One statement, one snapshot.
    WITH added AS (
        INSERT INTO gridgov.history_seal_heads (county, case_id, seq, hash, day)
        SELECT c.county, c.id, e.seq, e.hash, seal_history.day
        FROM gridgov.cases c
        CROSS JOIN LATERAL (SELECT x.seq, x.hash FROM gridgov.case_events x
                            WHERE x.county OPERATOR(gridgov.=) c.county AND x.case_id = c.id
                              AND x.seq = c.events
                            OFFSET 0) e
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.history_seal_heads h
                          WHERE h.county OPERATOR(gridgov.=) c.county AND h.case_id = c.id
                            AND h.seq >= c.events)
        RETURNING county, case_id, seq, hash
    )
    SELECT pg_catalog.count(*),
           gridgov.seal_heads_digest(a.county, a.case_id, a.seq, a.hash ORDER BY a.county, a.case_id, a.seq)
    INTO n, digest
    FROM added a;
    prev := COALESCE(latest.hash, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'));
    INSERT INTO gridgov.history_seals (day, prev_hash, hash, heads)
    VALUES (seal_history.day, prev, gridgov.seal_hash(seal_history.day, prev, n, digest), n)
    RETURNING * INTO sealed;
    RETURN sealed;
END
$$;
COMMENT ON FUNCTION gridgov.seal_history(date) IS
    'Administration: seals a day (default: yesterday in gridgov.time_zone): records the latest event of every case history that is new or changed since the previous seal, read in one snapshot, and a seal chained to the previous one; returns the seal. Idempotent for a sealed day; GG113 for a day before the last sealed one or after today. Concurrent calls queue on a lock';
REVOKE EXECUTE ON FUNCTION gridgov.seal_history(date) FROM PUBLIC;

CREATE FUNCTION gridgov.seal_line(day date) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.format('gridgov-seal v1 %s heads=%s prev=%s hash=%s',
                             pg_catalog.to_char(s.day, 'YYYY-MM-DD'), s.heads,
                             pg_catalog.encode(s.prev_hash, 'hex'), pg_catalog.encode(s.hash, 'hex'))
    FROM gridgov.history_seals s WHERE s.day = seal_line.day;
END;
COMMENT ON FUNCTION gridgov.seal_line(date) IS
    'The seal of a day as one line of text to keep outside the database: gridgov-seal v1 YYYY-MM-DD heads=N prev=<hex> hash=<hex>; NULL when the day is not sealed';
REVOKE EXECUTE ON FUNCTION gridgov.seal_line(date) FROM PUBLIC;

-- Each seal up to a day, recomputed from its heads.
CREATE FUNCTION gridgov.seal_recomputed(up_to date)
    RETURNS TABLE (day date, stored_hash bytea, expected_prev bytea, prev_hash bytea, heads bigint,
                   counted bigint, recomputed bytea)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH r AS (
        SELECT h.day, pg_catalog.count(*) AS counted,
               gridgov.seal_heads_digest(h.county, h.case_id, h.seq, h.hash ORDER BY h.county, h.case_id, h.seq) AS digest
        FROM gridgov.history_seal_heads h
        WHERE up_to IS NULL OR h.day <= up_to
        GROUP BY h.day
    ), s AS (
        SELECT s.day, s.hash, s.prev_hash, s.heads,
               COALESCE(pg_catalog.lag(s.hash) OVER (ORDER BY s.day),
                        pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex')) AS expected_prev
        FROM gridgov.history_seals s
        WHERE up_to IS NULL OR s.day <= up_to
    )
    SELECT COALESCE(s.day, r.day), s.hash, s.expected_prev, s.prev_hash, s.heads, COALESCE(r.counted, 0),
           CASE WHEN s.day IS NOT NULL THEN
               gridgov.seal_hash(s.day, s.prev_hash, COALESCE(r.counted, 0),
                                 COALESCE(r.digest, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex')))
           END
    FROM s FULL JOIN r ON r.day = s.day
    ORDER BY 1;
END
$$;
COMMENT ON FUNCTION gridgov.seal_recomputed(date) IS
    'Internal (verify_seals, verify_seal_line): each seal up to a day (NULL: all) with the hash the previous seal has, and its hash and number of heads recomputed from gridgov.history_seal_heads; a day with heads but no seal has NULL stored values';
REVOKE EXECUTE ON FUNCTION gridgov.seal_recomputed(date) FROM PUBLIC;

CREATE FUNCTION gridgov.verify_seal_line(line text) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    m text[] := pg_catalog.regexp_match(pg_catalog.btrim(line, E' \t\r\n'),
        '^gridgov-seal v1 ([0-9]{4}-[0-9]{2}-[0-9]{2}) heads=([0-9]{1,18}) prev=([0-9a-f]{64}) hash=([0-9a-f]{64})$');
    d date;
    intact boolean;
BEGIN
    IF m IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22P02', MESSAGE = 'not a gridgov seal line',
            DETAIL = 'A seal line reads: gridgov-seal v1 YYYY-MM-DD heads=N prev=<64 hex digits> hash=<64 hex digits>.';
    END IF;
    d := m[1]::date;
    -- Every seal up to the day intact, and the day's seal the line's.
    SELECT pg_catalog.bool_and(r.stored_hash IS NOT NULL AND r.prev_hash = r.expected_prev
                               AND r.heads = r.counted AND r.recomputed = r.stored_hash)
           AND pg_catalog.bool_or(r.day = d AND r.heads = m[2]::bigint
                                  AND r.prev_hash = pg_catalog.decode(m[3], 'hex')
                                  AND r.stored_hash = pg_catalog.decode(m[4], 'hex'))
    INTO intact FROM gridgov.seal_recomputed(d) r;
    RETURN COALESCE(intact, false);
END
$$;
COMMENT ON FUNCTION gridgov.verify_seal_line(text) IS
    'Whether a line of gridgov.seal_line() kept outside the database still holds: every seal up to its day matches its heads and the seal before, and the seal of its day has the line''s number of heads, prev and hash (false otherwise); 22P02 for a line that is not a seal line';
REVOKE EXECUTE ON FUNCTION gridgov.verify_seal_line(text) FROM PUBLIC;

CREATE FUNCTION gridgov.verify_seals()
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text, day date)
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    WITH r AS (
        SELECT * FROM gridgov.seal_recomputed(NULL)
    ), problems AS (
        SELECT NULL::gridgov.gridcode AS county, NULL::bigint AS case_id, NULL::integer AS seq,
               'seal_chain_broken' AS problem, 'prev_hash is not the hash of the seal before' AS detail, r.day
        FROM r
        WHERE r.stored_hash IS NOT NULL AND r.prev_hash <> r.expected_prev
        UNION ALL
        SELECT NULL, NULL, NULL, 'seal_mismatch',
               CASE WHEN r.stored_hash IS NULL THEN pg_catalog.format('%s heads are recorded for a day without a seal', r.counted)
                    WHEN r.heads <> r.counted THEN pg_catalog.format('the seal counts %s heads, %s are recorded', r.heads, r.counted)
                    ELSE 'the seal''s hash does not match its heads' END,
               r.day
        FROM r
        WHERE r.stored_hash IS NULL OR r.heads <> r.counted OR r.recomputed <> r.stored_hash
        UNION ALL
        SELECT h.county, h.case_id, h.seq,
               CASE WHEN e.hash IS NULL THEN 'sealed_head_missing' ELSE 'sealed_head_differs' END,
               CASE WHEN e.hash IS NULL THEN 'the sealed event is no longer in the history'
                    ELSE 'the event''s hash is not the sealed one' END,
               h.day
        FROM gridgov.history_seal_heads h
        LEFT JOIN gridgov.case_events e
          ON e.county OPERATOR(gridgov.=) h.county AND e.case_id = h.case_id AND e.seq = h.seq
        WHERE e.hash IS DISTINCT FROM h.hash
    )
    SELECT p.county, p.case_id, p.seq, p.problem, p.detail, p.day FROM problems p
    ORDER BY p.day, p.county, p.case_id, p.seq, p.problem;
END;
COMMENT ON FUNCTION gridgov.verify_seals() IS
    'Checks the seals against themselves and the histories: seal_chain_broken (a seal''s prev_hash is not the hash of the seal before), seal_mismatch (a seal''s hash or number of heads does not match its recorded heads, or heads without a seal), sealed_head_missing (a sealed event is no longer in the history), sealed_head_differs (a sealed event has another hash now). No rows: intact. Runs as the owner: a role without access to the histories learns only ids';
REVOKE EXECUTE ON FUNCTION gridgov.verify_seals() FROM PUBLIC;

-- The nightly job's part: seal yesterday (of as_of) unless it cannot be.
CREATE FUNCTION gridgov.seal_nightly(as_of timestamptz) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    d date := gridgov.local_day(as_of) - 1;
    latest date := (SELECT pg_catalog.max(s.day) FROM gridgov.history_seals s);
    sealed gridgov.history_seals;
BEGIN
    IF d > gridgov.local_day(pg_catalog.now()) OR d < latest THEN
        RETURN pg_catalog.jsonb_build_object('day', d, 'skipped',
            CASE WHEN d < latest THEN pg_catalog.format('sealed up to %s', latest) ELSE 'in the future' END);
    END IF;
    sealed := gridgov.seal_history(d);
    -- A statement of its own: seal_line() sees the new seal.
    RETURN pg_catalog.jsonb_build_object('day', d, 'line', gridgov.seal_line(sealed.day));
END
$$;
COMMENT ON FUNCTION gridgov.seal_nightly(timestamptz) IS
    'The seal of gridgov.nightly_maintenance(as_of): seals the day before as_of''s local day and returns {day, line} (the seal line to export), or {day, skipped} when that day lies before the last sealed day or after today';
REVOKE EXECUTE ON FUNCTION gridgov.seal_nightly(timestamptz) FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- calendars: working-time calendars as data (time zone, work periods per ISO
-- weekday, per-date exceptions) and working-time arithmetic in C.
-- docs/calendars.md states the rules; src/worktime*.c implement them.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.calendars (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (pg_catalog.length(name) BETWEEN 1 AND 63),
    time_zone   text NOT NULL,
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    known_until date CHECK (known_until IS NULL OR pg_catalog.isfinite(known_until)),
    modified    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE gridgov.calendars IS
    'Working-time calendars: a name, an IANA time zone, work periods per weekday (gridgov.calendar_periods) and per-date exceptions (gridgov.calendar_exceptions). Shipped: cn (China, State Council holidays 2004-2026) and 24x7.';
COMMENT ON COLUMN gridgov.calendars.name IS 'Unique name used by worktime_add/worktime_between, 1-63 characters, e.g. cn';
COMMENT ON COLUMN gridgov.calendars.time_zone IS 'IANA time zone name as listed in pg_timezone_names (checked on write), e.g. Asia/Shanghai; periods and days are local to it';
COMMENT ON COLUMN gridgov.calendars.description IS 'Free text';
COMMENT ON COLUMN gridgov.calendars.builtin IS 'Shipped with gridgov: created by CREATE EXTENSION, read-only but for known_until; saved by pg_dump only when modified';
COMMENT ON COLUMN gridgov.calendars.known_until IS 'The horizon: the last local date the calendar''s exceptions (holidays, adjusted working days) are known for; deadlines counted in working time that fall after it are provisional (gridgov.provisional_clocks). Moved by gridgov.load_calendar_year; NULL: the weekly pattern is the whole truth (24x7), nothing is provisional. The only column of a shipped row that may be changed';
COMMENT ON COLUMN gridgov.calendars.modified IS 'A shipped calendar whose horizon (known_until) moved (set by gridgov.calendar_guard): saved by pg_dump, and its horizon put back on restore (gridgov.shipped_rows_restore)';

CREATE TABLE gridgov.calendar_periods (
    calendar_id integer NOT NULL REFERENCES gridgov.calendars (id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts      time NOT NULL,
    ends        time NOT NULL,
    builtin     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar_id, weekday, starts),
    CONSTRAINT calendar_periods_order CHECK (starts < ends)
);
COMMENT ON TABLE gridgov.calendar_periods IS
    'Work periods of a calendar per ISO weekday, in local time: [starts, ends), several per day, never overlapping (23P01), within one day (ends may be 24:00).';
COMMENT ON COLUMN gridgov.calendar_periods.calendar_id IS 'The calendar (gridgov.calendars.id)';
COMMENT ON COLUMN gridgov.calendar_periods.weekday IS 'ISO weekday: 1 Monday ... 7 Sunday';
COMMENT ON COLUMN gridgov.calendar_periods.starts IS 'Local start time of the period (inclusive)';
COMMENT ON COLUMN gridgov.calendar_periods.ends IS 'Local end time of the period (exclusive); 24:00 for end of day; after starts';
COMMENT ON COLUMN gridgov.calendar_periods.builtin IS 'Shipped with gridgov: read-only, not saved by pg_dump';

CREATE TABLE gridgov.calendar_exceptions (
    calendar_id integer NOT NULL REFERENCES gridgov.calendars (id) ON DELETE CASCADE,
    day         date NOT NULL CHECK (pg_catalog.isfinite(day)),
    kind        text NOT NULL CHECK (kind IN ('holiday', 'workday', 'regular')),
    periods_of  smallint CHECK (periods_of BETWEEN 1 AND 7),
    name        text,
    note        text,
    source      text,
    builtin     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar_id, day, builtin),
    CONSTRAINT calendar_exceptions_periods_of CHECK (kind = 'workday' OR periods_of IS NULL)
);
COMMENT ON TABLE gridgov.calendar_exceptions IS
    'Per-date exceptions of a calendar: holiday (no work), workday (works with the periods of weekday periods_of, Monday when NULL; 调休补班 on a weekend) or regular (the weekly periods apply; cancels a shipped exception). A day has at most one shipped and one user row; the user row wins.';
COMMENT ON COLUMN gridgov.calendar_exceptions.calendar_id IS 'The calendar (gridgov.calendars.id)';
COMMENT ON COLUMN gridgov.calendar_exceptions.day IS 'Local date the exception applies to';
COMMENT ON COLUMN gridgov.calendar_exceptions.kind IS 'holiday, workday or regular';
COMMENT ON COLUMN gridgov.calendar_exceptions.periods_of IS 'For kind workday: the ISO weekday (1-7) whose periods apply; NULL means Monday. NULL for the other kinds';
COMMENT ON COLUMN gridgov.calendar_exceptions.name IS 'Name of the holiday or adjustment, e.g. 春节 Spring Festival';
COMMENT ON COLUMN gridgov.calendar_exceptions.note IS 'Free text, e.g. day off in lieu (调休)';
COMMENT ON COLUMN gridgov.calendar_exceptions.source IS 'chinese-days for rows written by gridgov.load_cn_holidays (which replaces them on reload); NULL or anything else for your own rows, which the loader never touches';
COMMENT ON COLUMN gridgov.calendar_exceptions.builtin IS 'Shipped with gridgov: read-only, not saved by pg_dump';

-- User rows are dumped; shipped rows come back with CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendars', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendars_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendar_periods', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendar_exceptions', 'WHERE NOT builtin');

-- Write-time checks ------------------------------------------------------------

CREATE FUNCTION gridgov.calendars_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    suggestion text;
BEGIN
    PERFORM gridgov.trigger_check('calendars_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = NEW.time_zone) THEN
        SELECT z.name INTO suggestion FROM pg_catalog.pg_timezone_names z
        WHERE pg_catalog.lower(z.name) = pg_catalog.lower(NEW.time_zone)
        ORDER BY z.name LIMIT 1;
        IF suggestion IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('time zone "%s" is not an IANA time zone name', NEW.time_zone),
                DETAIL = 'A calendar''s time zone must be spelt as in pg_timezone_names.',
                HINT = pg_catalog.format('Did you mean "%s"?', suggestion);
        END IF;
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('time zone "%s" is not an IANA time zone name', NEW.time_zone),
            DETAIL = 'A calendar''s time zone must be a name listed in pg_timezone_names, e.g. Asia/Shanghai.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.calendars_check() IS
    'Trigger: a calendar''s time zone must be an IANA name listed in pg_timezone_names (22023)';
CREATE TRIGGER calendars_check BEFORE INSERT OR UPDATE OF time_zone
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.calendars_check();

CREATE FUNCTION gridgov.calendar_periods_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    other record;
BEGIN
    PERFORM gridgov.trigger_check('calendar_periods_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- Serialise writers of one calendar so that the check below sees them.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.calendar_periods'),
                                             NEW.calendar_id);
    SELECT p.starts, p.ends INTO other
    FROM gridgov.calendar_periods p
    WHERE p.calendar_id = NEW.calendar_id AND p.weekday = NEW.weekday
      AND p.starts < NEW.ends AND NEW.starts < p.ends
      AND (TG_OP = 'INSERT'
           OR (p.calendar_id, p.weekday, p.starts) <> (OLD.calendar_id, OLD.weekday, OLD.starts))
    ORDER BY p.starts LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23P01',
            MESSAGE = pg_catalog.format('work period %s-%s overlaps work period %s-%s on weekday %s of calendar "%s"',
                                        NEW.starts, NEW.ends, other.starts, other.ends, NEW.weekday,
                                        (SELECT c.name FROM gridgov.calendars c WHERE c.id = NEW.calendar_id)),
            DETAIL = 'The work periods of one weekday must not overlap.',
            HINT = 'Change or delete the existing period first; adjacent periods (one ends when the next starts) are allowed.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.calendar_periods_check() IS
    'Trigger: the work periods of one weekday of a calendar must not overlap (23P01)';
CREATE TRIGGER calendar_periods_check BEFORE INSERT OR UPDATE
    ON gridgov.calendar_periods FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_periods_check();

-- Shipped rows are read-only (the guard triggers are created at the end of
-- this file, after the shipped rows are in).
CREATE FUNCTION gridgov.calendar_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
    cal text;
    tbl text;  -- the table (under Citus, TG_TABLE_NAME is a shard's name)
BEGIN
    tbl := gridgov.trigger_check('calendar_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION USING ERRCODE = 'GG201',
            MESSAGE = pg_catalog.format('cannot truncate gridgov.%s', tbl),
            DETAIL = 'It holds rows of the calendars shipped with gridgov.',
            HINT = 'Delete your own rows with DELETE ... WHERE NOT builtin.';
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG201',
                MESSAGE = pg_catalog.format('cannot mark a row of gridgov.%s as builtin', tbl),
                DETAIL = 'Only the gridgov install script writes shipped (builtin) rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    -- The horizon of a shipped calendar moves with the years loaded into it; a
    -- moved one is modified, so that pg_dump saves it (calendars_builtin puts
    -- it back on restore).
    IF TG_OP = 'UPDATE' AND tbl = 'calendars'
       AND pg_catalog.to_jsonb(NEW) - 'known_until' - 'modified' = pg_catalog.to_jsonb(OLD) - 'known_until' - 'modified' THEN
        NEW.modified := OLD.modified OR NEW.known_until IS DISTINCT FROM OLD.known_until;
        RETURN NEW;
    END IF;
    r := pg_catalog.to_jsonb(OLD);
    SELECT c.name INTO cal FROM gridgov.calendars c
    WHERE c.id = COALESCE(r->>'calendar_id', r->>'id')::integer;
    RAISE EXCEPTION USING ERRCODE = 'GG201',
        MESSAGE = pg_catalog.format('cannot %s a shipped row of calendar "%s"', pg_catalog.lower(TG_OP), cal),
        DETAIL = 'Shipped calendar rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Add rows of your own (a user exception overrides a shipped one of the same day; kind regular cancels it), or copy the calendar with gridgov.copy_calendar() and change the copy.';
END
$$;
COMMENT ON FUNCTION gridgov.calendar_guard() IS
    'Trigger: shipped (builtin) calendar rows cannot be updated (except a calendar''s horizon, known_until, which marks it modified), deleted or truncated, and no other row can be marked builtin (GG201)';

-- Working-time arithmetic (C) ---------------------------------------------------

CREATE FUNCTION gridgov.worktime_add(calendar text, start timestamptz, amount numeric, unit text)
    RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'worktime_add_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.worktime_add(text, timestamptz, numeric, text) IS
    'The instant at which amount of unit (minutes, working_hours, working_days, calendar_days) has elapsed after start on the calendar; see docs/calendars.md. Errors: NULL 22004, unknown calendar 42704, unknown unit / negative / NaN / infinite amount 22023, amount too large 22003, timestamp out of range 22008, no working time GG200';

CREATE FUNCTION gridgov.worktime_between(calendar text, t1 timestamptz, t2 timestamptz)
    RETURNS interval
    AS 'MODULE_PATHNAME', 'worktime_between_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.worktime_between(text, timestamptz, timestamptz) IS
    'Working time of the calendar in [t1, t2) as an interval of hours, minutes and seconds (negative when t2 < t1); at most 36,600 days apart (22008)';

CREATE FUNCTION gridgov.worktime_between(calendar text, t1 timestamptz, t2 timestamptz, unit text)
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'worktime_between_unit_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.worktime_between(text, timestamptz, timestamptz, text) IS
    'Time from t1 to t2 in a unit, the inverse of worktime_add: working minutes or hours in [t1, t2), working days after t1''s date closed by t2 plus a fraction, or calendar days; negative when t2 < t1';

CREATE FUNCTION gridgov.is_working_day(calendar text, day date)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'worktime_is_working_day_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.is_working_day(text, date) IS
    'Whether the local date has working time on the calendar, after holidays and adjusted working days';

-- The horizon (C, src/time/horizon.c) -------------------------------------------------

CREATE FUNCTION gridgov.calendar_horizon(calendar text)
    RETURNS date
    AS 'MODULE_PATHNAME', 'gridgov_calendar_horizon' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.calendar_horizon(text) IS
    'The calendar''s horizon: the last local date its exceptions are known for (gridgov.calendars.known_until); NULL when it has none (its weekly pattern is the whole truth). Errors: NULL 22004, unknown calendar 42704';

CREATE FUNCTION gridgov.is_provisional(calendar text, due timestamptz, unit text)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_is_provisional' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.is_provisional(text, timestamptz, text) IS
    'Whether a deadline counted in unit on the calendar is provisional: the unit counts working time (not calendar_days), the calendar has a horizon and due lies after the end of the horizon''s day in the calendar''s zone. Errors: NULL 22004, unknown calendar 42704, unknown unit 22023';

-- Loading the chinese-days data ---------------------------------------------------

CREATE FUNCTION gridgov.load_cn_holidays(calendar text, data jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer;
    bad record;
    file_rows gridgov.calendar_exceptions[];
    target gridgov.calendar_exceptions[];
    scope date[];
    deleted date[];
    inserted date[];
    kept integer;
BEGIN
    IF calendar IS NULL OR data IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = pg_catalog.format('argument "%s" of gridgov.load_cn_holidays must not be null',
                                        CASE WHEN calendar IS NULL THEN 'calendar' ELSE 'data' END);
    END IF;
    SELECT c.id INTO cal_id FROM gridgov.calendars c WHERE c.name = calendar;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('calendar "%s" does not exist', calendar),
            HINT = 'The calendars are listed in gridgov.calendars.';
    END IF;
    IF pg_catalog.jsonb_typeof(data) IS DISTINCT FROM 'object'
       OR pg_catalog.jsonb_typeof(data->'holidays') IS DISTINCT FROM 'object'
       OR pg_catalog.jsonb_typeof(COALESCE(data->'workdays', '{}')) <> 'object'
       OR pg_catalog.jsonb_typeof(COALESCE(data->'inLieuDays', '{}')) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'data is not in the chinese-days format',
            DETAIL = 'Expected a JSON object with an object "holidays" and optional objects "workdays" and "inLieuDays", each mapping YYYY-MM-DD dates to labels.';
    END IF;

    -- Every key a real date in years 1000-9999, every label a string.
    SELECT s.section, e.key, e.value INTO bad
    FROM (VALUES ('holidays'), ('workdays'), ('inLieuDays')) s(section),
         pg_catalog.jsonb_each(COALESCE(data->s.section, '{}')) e
    WHERE CASE WHEN e.key !~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' THEN true
               ELSE pg_catalog.to_char((pg_catalog.left(e.key, 8) || '01')::date
                                       + (pg_catalog.right(e.key, 2)::integer - 1), 'YYYY-MM-DD') <> e.key
          END
       OR pg_catalog.jsonb_typeof(e.value) <> 'string'
    ORDER BY 1, 2 LIMIT 1;
    IF FOUND THEN
        IF pg_catalog.jsonb_typeof(bad.value) <> 'string'
           AND bad.key ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('label of %s "%s" is not a string', bad.section, bad.key),
                DETAIL = 'chinese-days labels look like "Spring Festival,春节,4".';
        END IF;
        RAISE EXCEPTION USING ERRCODE = '22007',
            MESSAGE = pg_catalog.format('key "%s" of %s is not a date', bad.key, bad.section),
            DETAIL = 'Keys must be dates written YYYY-MM-DD, e.g. 2026-02-15.';
    END IF;
    SELECT w.key INTO bad
    FROM pg_catalog.jsonb_object_keys(COALESCE(data->'workdays', '{}')) w(key)
    WHERE data->'holidays' ? w.key OR COALESCE(data->'inLieuDays', '{}') ? w.key
    ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('date %s is both a holiday and a working day', bad.key),
            DETAIL = 'A date may appear in "workdays" or in "holidays"/"inLieuDays", not both.';
    END IF;

    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.load_cn_holidays'), cal_id);

    -- The file's days as rows: holidays and in-lieu days off, adjusted working days.
    SELECT pg_catalog.array_agg(ROW(cal_id, f.day, f.kind, NULL, f.name, f.note, 'chinese-days', false)
                                    ::gridgov.calendar_exceptions ORDER BY f.day)
    INTO file_rows
    FROM (
        SELECT e.key::date AS day, e.kind,
               CASE WHEN e.label ~ '^[^,]+,[^,]+,[0-9]+$'
                    THEN pg_catalog.split_part(e.label, ',', 2) || ' ' || pg_catalog.split_part(e.label, ',', 1)
                    ELSE e.label END AS name,
               CASE WHEN e.kind = 'workday' THEN 'adjusted working day (调休补班)'
                    WHEN COALESCE(data->'inLieuDays', '{}') ? e.key THEN 'day off in lieu (调休)' END AS note
        FROM (
            SELECT h.key, h.value AS label, 'holiday' AS kind
            FROM pg_catalog.jsonb_each_text(data->'holidays') h
            UNION ALL
            SELECT l.key, l.value, 'holiday'
            FROM pg_catalog.jsonb_each_text(COALESCE(data->'inLieuDays', '{}')) l
            WHERE NOT data->'holidays' ? l.key
            UNION ALL
            SELECT w.key, w.value, 'workday'
            FROM pg_catalog.jsonb_each_text(COALESCE(data->'workdays', '{}')) w
        ) e
    ) f;

    -- Days in scope: the file's days, and in every year the file covers (it
    -- lists 1 January of that year as a holiday) the days of the rows shipped
    -- or loaded before.  User rows (source not chinese-days) are kept.
    WITH covered AS (
        SELECT DISTINCT pg_catalog.date_part('year', f.day) AS y
        FROM pg_catalog.unnest(file_rows) f
        WHERE f.kind = 'holiday' AND pg_catalog.to_char(f.day, 'MM-DD') = '01-01'
    ), days AS (
        SELECT f.day FROM pg_catalog.unnest(file_rows) f
        UNION
        SELECT e.day FROM gridgov.calendar_exceptions e
        WHERE e.calendar_id = cal_id AND (e.builtin OR e.source = 'chinese-days')
          AND pg_catalog.date_part('year', e.day) IN (SELECT y FROM covered)
    )
    SELECT pg_catalog.array_agg(d.day ORDER BY d.day) INTO scope FROM days d;

    SELECT pg_catalog.count(*) INTO kept
    FROM gridgov.calendar_exceptions e
    WHERE e.calendar_id = cal_id AND NOT e.builtin AND e.source IS DISTINCT FROM 'chinese-days'
      AND e.day = ANY (scope);

    -- The loader rows wanted: where the file differs from the shipped row.
    SELECT pg_catalog.array_agg(t ORDER BY (t).day) INTO target
    FROM (
        SELECT CASE WHEN f.day IS NULL
                    THEN ROW(cal_id, d.day, 'regular', NULL, NULL, 'not in the loaded chinese-days data',
                             'chinese-days', false)::gridgov.calendar_exceptions
                    ELSE f END AS t
        FROM pg_catalog.unnest(scope) d(day)
        LEFT JOIN pg_catalog.unnest(file_rows) f ON f.day = d.day
        LEFT JOIN gridgov.calendar_exceptions b
               ON b.calendar_id = cal_id AND b.day = d.day AND b.builtin
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.calendar_exceptions u
                          WHERE u.calendar_id = cal_id AND u.day = d.day AND NOT u.builtin
                            AND u.source IS DISTINCT FROM 'chinese-days')
          AND (f.day IS NOT NULL OR b.day IS NOT NULL)
          AND (b.day IS NULL OR f.day IS NULL
               OR (b.kind, b.periods_of, b.name, b.note) IS DISTINCT FROM (f.kind, f.periods_of, f.name, f.note))
    ) x;

    WITH gone AS (
        DELETE FROM gridgov.calendar_exceptions e
        WHERE e.calendar_id = cal_id AND NOT e.builtin AND e.source = 'chinese-days'
          AND e.day = ANY (scope)
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(target) t
                          WHERE t.day = e.day
                            AND (t.kind, t.periods_of, t.name, t.note) IS NOT DISTINCT FROM
                                (e.kind, e.periods_of, e.name, e.note))
        RETURNING e.day
    )
    SELECT pg_catalog.array_agg(g.day) INTO deleted FROM gone g;

    WITH added AS (
        INSERT INTO gridgov.calendar_exceptions
        SELECT t.* FROM pg_catalog.unnest(target) t
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.calendar_exceptions e
                          WHERE e.calendar_id = cal_id AND e.day = t.day AND NOT e.builtin)
        RETURNING day
    )
    SELECT pg_catalog.array_agg(a.day) INTO inserted FROM added a;

    IF kept > 0 THEN
        RAISE NOTICE 'kept % day(s) of calendar "%" that have exceptions of your own', kept, calendar;
    END IF;
    RETURN (SELECT pg_catalog.count(DISTINCT x.day)
            FROM pg_catalog.unnest(COALESCE(deleted, '{}') || COALESCE(inserted, '{}')) x(day));
END
$$;
COMMENT ON FUNCTION gridgov.load_cn_holidays(text, jsonb) IS
    'Loads a chinese-days JSON file (holidays, workdays = adjusted working weekends, inLieuDays) into a calendar; replaces the rows it loaded before in every year whose 1 January the file lists, never touches your own rows; idempotent; returns the number of days written';

CREATE FUNCTION gridgov.copy_calendar(source text, name text, time_zone text DEFAULT NULL,
                                      description text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src gridgov.calendars;
    new_id integer;
BEGIN
    IF source IS NULL OR copy_calendar.name IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = pg_catalog.format('argument "%s" of gridgov.copy_calendar must not be null',
                                        CASE WHEN source IS NULL THEN 'source' ELSE 'name' END);
    END IF;
    SELECT c.* INTO src FROM gridgov.calendars c WHERE c.name = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('calendar "%s" does not exist', source),
            HINT = 'The calendars are listed in gridgov.calendars.';
    END IF;
    INSERT INTO gridgov.calendars (name, time_zone, description, known_until)
    VALUES (copy_calendar.name, COALESCE(copy_calendar.time_zone, src.time_zone),
            COALESCE(copy_calendar.description, pg_catalog.format('copy of %s', src.name)), src.known_until)
    RETURNING id INTO new_id;
    INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
    SELECT new_id, p.weekday, p.starts, p.ends
    FROM gridgov.calendar_periods p WHERE p.calendar_id = src.id;
    -- The effective exceptions: a user row wins over the shipped row of its day.
    INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, periods_of, name, note, source)
    SELECT new_id, e.day, e.kind, e.periods_of, e.name, e.note, e.source
    FROM (SELECT DISTINCT ON (x.day) x.*
          FROM gridgov.calendar_exceptions x WHERE x.calendar_id = src.id
          ORDER BY x.day, x.builtin) e
    WHERE e.kind <> 'regular';
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION gridgov.copy_calendar(text, text, text, text) IS
    'Copies a calendar (periods, effective exceptions and horizon) under a new name, optionally in another time zone, as rows of your own that you may change; returns the new id';

-- Shipped calendars ------------------------------------------------------------

-- cn's horizon is the end of the last year of the shipped data (2026; when
-- the data is refreshed, this date moves with it: test/calendar_horizon.sql
-- checks that they agree).
INSERT INTO gridgov.calendars (name, time_zone, description, builtin, known_until) VALUES
    ('cn', 'Asia/Shanghai',
     'China: 08:30-12:00 and 13:30-17:30 Monday to Friday; State Council public holidays and adjusted working days 2004-2026 (chinese-days 1.5.7)',
     true, date '2026-12-31');
INSERT INTO gridgov.calendars (name, time_zone, description, builtin) VALUES
    ('24x7', 'Asia/Shanghai', 'Round the clock: every day 00:00-24:00, no holidays', true);

INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends, builtin)
SELECT c.id, wd, p.starts, p.ends, true
FROM gridgov.calendars c,
     pg_catalog.generate_series(1, 5) wd,
     (VALUES (time '08:30', time '12:00'), (time '13:30', time '17:30')) p(starts, ends)
WHERE c.name = 'cn';
INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends, builtin)
SELECT c.id, wd, time '00:00', time '24:00', true
FROM gridgov.calendars c, pg_catalog.generate_series(1, 7) wd
WHERE c.name = '24x7';

-- data/cn-holidays/chinese-days.json (chinese-days 1.5.7, MIT, Yawei Sun),
-- embedded verbatim in the statement between the markers; docs/calendars.md says
-- how to refresh it.  sql/worktime.sql checks that it equals the file.
-- BEGIN data/cn-holidays/chinese-days.json
SELECT gridgov.load_cn_holidays('cn', $chinese_days${"holidays":{"2026-01-01":"New Year's Day,元旦,1","2026-01-02":"New Year's Day,元旦,1","2026-01-03":"New Year's Day,元旦,1","2026-02-15":"Spring Festival,春节,4","2026-02-16":"Spring Festival,春节,4","2026-02-17":"Spring Festival,春节,4","2026-02-18":"Spring Festival,春节,4","2026-02-19":"Spring Festival,春节,4","2026-02-20":"Spring Festival,春节,4","2026-02-21":"Spring Festival,春节,4","2026-02-22":"Spring Festival,春节,4","2026-02-23":"Spring Festival,春节,4","2026-04-04":"Tomb-sweeping Day,清明,1","2026-04-05":"Tomb-sweeping Day,清明,1","2026-04-06":"Tomb-sweeping Day,清明,1","2026-05-01":"Labour Day,劳动节,2","2026-05-02":"Labour Day,劳动节,2","2026-05-03":"Labour Day,劳动节,2","2026-05-04":"Labour Day,劳动节,2","2026-05-05":"Labour Day,劳动节,2","2026-06-19":"Dragon Boat Festival,端午,1","2026-06-20":"Dragon Boat Festival,端午,1","2026-06-21":"Dragon Boat Festival,端午,1","2026-09-25":"Mid-autumn Festival,中秋,1","2026-09-26":"Mid-autumn Festival,中秋,1","2026-09-27":"Mid-autumn Festival,中秋,1","2026-10-01":"National Day,国庆节,3","2026-10-02":"National Day,国庆节,3","2026-10-03":"National Day,国庆节,3","2026-10-04":"National Day,国庆节,3","2026-10-05":"National Day,国庆节,3","2026-10-06":"National Day,国庆节,3","2026-10-07":"National Day,国庆节,3","2025-01-01":"New Year's Day,元旦,1","2025-01-28":"Spring Festival,春节,4","2025-01-29":"Spring Festival,春节,4","2025-01-30":"Spring Festival,春节,4","2025-01-31":"Spring Festival,春节,4","2025-02-01":"Spring Festival,春节,4","2025-02-02":"Spring Festival,春节,4","2025-02-03":"Spring Festival,春节,4","2025-02-04":"Spring Festival,春节,4","2025-04-04":"Tomb-sweeping Day,清明,1","2025-04-05":"Tomb-sweeping Day,清明,1","2025-04-06":"Tomb-sweeping Day,清明,1","2025-05-01":"Labour Day,劳动节,2","2025-05-02":"Labour Day,劳动节,2","2025-05-03":"Labour Day,劳动节,2","2025-05-04":"Labour Day,劳动节,2","2025-05-05":"Labour Day,劳动节,2","2025-05-31":"Dragon Boat Festival,端午,1","2025-06-01":"Dragon Boat Festival,端午,1","2025-06-02":"Dragon Boat Festival,端午,1","2025-10-01":"National Day,国庆节,3","2025-10-02":"National Day,国庆节,3","2025-10-03":"National Day,国庆节,3","2025-10-04":"National Day,国庆节,3","2025-10-05":"National Day,国庆节,3","2025-10-06":"Mid-autumn Festival,中秋,1","2025-10-07":"National Day,国庆节,3","2025-10-08":"National Day,国庆节,3","2024-01-01":"New Year's Day,元旦,1","2024-02-10":"Spring Festival,春节,3","2024-02-11":"Spring Festival,春节,3","2024-02-12":"Spring Festival,春节,3","2024-02-13":"Spring Festival,春节,3","2024-02-14":"Spring Festival,春节,3","2024-02-15":"Spring Festival,春节,3","2024-02-16":"Spring Festival,春节,3","2024-02-17":"Spring Festival,春节,3","2024-04-04":"Tomb-sweeping Day,清明,1","2024-04-05":"Tomb-sweeping Day,清明,1","2024-04-06":"Tomb-sweeping Day,清明,1","2024-05-01":"Labour Day,劳动节,1","2024-05-02":"Labour Day,劳动节,1","2024-05-03":"Labour Day,劳动节,1","2024-05-04":"Labour Day,劳动节,1","2024-05-05":"Labour Day,劳动节,1","2024-06-10":"Dragon Boat Festival,端午,1","2024-09-15":"Mid-autumn Festival,中秋,1","2024-09-16":"Mid-autumn Festival,中秋,1","2024-09-17":"Mid-autumn Festival,中秋,1","2024-10-01":"National Day,国庆节,3","2024-10-02":"National Day,国庆节,3","2024-10-03":"National Day,国庆节,3","2024-10-04":"National Day,国庆节,3","2024-10-05":"National Day,国庆节,3","2024-10-06":"National Day,国庆节,3","2024-10-07":"National Day,国庆节,3","2023-01-01":"New Year's Day,元旦,1","2023-01-02":"New Year's Day,元旦,1","2023-01-21":"Spring Festival,春节,3","2023-01-22":"Spring Festival,春节,3","2023-01-23":"Spring Festival,春节,3","2023-01-24":"Spring Festival,春节,3","2023-01-25":"Spring Festival,春节,3","2023-01-26":"Spring Festival,春节,3","2023-01-27":"Spring Festival,春节,3","2023-04-05":"Tomb-sweeping Day,清明,1","2023-04-29":"Labour Day,劳动节,1","2023-04-30":"Labour Day,劳动节,1","2023-05-01":"Labour Day,劳动节,1","2023-05-02":"Labour Day,劳动节,1","2023-05-03":"Labour Day,劳动节,1","2023-06-22":"Dragon Boat Festival,端午,1","2023-06-23":"Dragon Boat Festival,端午,1","2023-06-24":"Dragon Boat Festival,端午,1","2023-09-29":"Mid-autumn Festival,中秋,1","2023-09-30":"National Day,国庆节,3","2023-10-01":"National Day,国庆节,3","2023-10-02":"National Day,国庆节,3","2023-10-03":"National Day,国庆节,3","2023-10-04":"National Day,国庆节,3","2023-10-05":"National Day,国庆节,3","2023-10-06":"National Day,国庆节,3","2022-01-01":"New Year's Day,元旦,1","2022-01-02":"New Year's Day,元旦,1","2022-01-03":"New Year's Day,元旦,1","2022-01-31":"Spring Festival,春节,3","2022-02-01":"Spring Festival,春节,3","2022-02-02":"Spring Festival,春节,3","2022-02-03":"Spring Festival,春节,3","2022-02-04":"Spring Festival,春节,3","2022-02-05":"Spring Festival,春节,3","2022-02-06":"Spring Festival,春节,3","2022-04-03":"Tomb-sweeping Day,清明,1","2022-04-04":"Tomb-sweeping Day,清明,1","2022-04-05":"Tomb-sweeping Day,清明,1","2022-04-30":"Labour Day,劳动节,1","2022-05-01":"Labour Day,劳动节,1","2022-05-02":"Labour Day,劳动节,1","2022-05-03":"Labour Day,劳动节,1","2022-05-04":"Labour Day,劳动节,1","2022-06-03":"Dragon Boat Festival,端午,1","2022-06-04":"Dragon Boat Festival,端午,1","2022-06-05":"Dragon Boat Festival,端午,1","2022-09-10":"Mid-autumn Festival,中秋,1","2022-09-11":"Mid-autumn Festival,中秋,1","2022-09-12":"Mid-autumn Festival,中秋,1","2022-10-01":"National Day,国庆节,3","2022-10-02":"National Day,国庆节,3","2022-10-03":"National Day,国庆节,3","2022-10-04":"National Day,国庆节,3","2022-10-05":"National Day,国庆节,3","2022-10-06":"National Day,国庆节,3","2022-10-07":"National Day,国庆节,3","2022-12-31":"New Year's Day,元旦,1","2021-01-01":"New Year's Day,元旦,1","2021-01-02":"New Year's Day,元旦,1","2021-01-03":"New Year's Day,元旦,1","2021-02-11":"Spring Festival,春节,3","2021-02-12":"Spring Festival,春节,3","2021-02-13":"Spring Festival,春节,3","2021-02-14":"Spring Festival,春节,3","2021-02-15":"Spring Festival,春节,3","2021-02-16":"Spring Festival,春节,3","2021-02-17":"Spring Festival,春节,3","2021-04-03":"Tomb-sweeping Day,清明,1","2021-04-04":"Tomb-sweeping Day,清明,1","2021-04-05":"Tomb-sweeping Day,清明,1","2021-05-01":"Labour Day,劳动节,1","2021-05-02":"Labour Day,劳动节,1","2021-05-03":"Labour Day,劳动节,1","2021-05-04":"Labour Day,劳动节,1","2021-05-05":"Labour Day,劳动节,1","2021-06-12":"Dragon Boat Festival,端午,1","2021-06-13":"Dragon Boat Festival,端午,1","2021-06-14":"Dragon Boat Festival,端午,1","2021-09-19":"Mid-autumn Festival,中秋,1","2021-09-20":"Mid-autumn Festival,中秋,1","2021-09-21":"Mid-autumn Festival,中秋,1","2021-10-01":"National Day,国庆节,3","2021-10-02":"National Day,国庆节,3","2021-10-03":"National Day,国庆节,3","2021-10-04":"National Day,国庆节,3","2021-10-05":"National Day,国庆节,3","2021-10-06":"National Day,国庆节,3","2021-10-07":"National Day,国庆节,3","2020-01-01":"New Year's Day,元旦,1","2020-01-24":"Spring Festival,春节,3","2020-01-25":"Spring Festival,春节,3","2020-01-26":"Spring Festival,春节,3","2020-01-27":"Spring Festival,春节,3","2020-01-28":"Spring Festival,春节,3","2020-01-29":"Spring Festival,春节,3","2020-01-30":"Spring Festival,春节,3","2020-01-31":"Spring Festival,春节,3","2020-02-01":"Spring Festival,春节,3","2020-02-02":"Spring Festival,春节,3","2020-04-04":"Tomb-sweeping Day,清明,1","2020-04-05":"Tomb-sweeping Day,清明,1","2020-04-06":"Tomb-sweeping Day,清明,1","2020-05-01":"Labour Day,劳动节,1","2020-05-02":"Labour Day,劳动节,1","2020-05-03":"Labour Day,劳动节,1","2020-05-04":"Labour Day,劳动节,1","2020-05-05":"Labour Day,劳动节,1","2020-06-25":"Dragon Boat Festival,端午,1","2020-06-26":"Dragon Boat Festival,端午,1","2020-06-27":"Dragon Boat Festival,端午,1","2020-10-01":"National Day,国庆节,3","2020-10-02":"National Day,国庆节,3","2020-10-03":"National Day,国庆节,3","2020-10-04":"National Day,国庆节,3","2020-10-05":"National Day,国庆节,3","2020-10-06":"National Day,国庆节,3","2020-10-07":"National Day,国庆节,3","2020-10-08":"National Day,国庆节,3","2019-01-01":"New Year's Day,元旦,1","2019-02-04":"Spring Festival,春节,3","2019-02-05":"Spring Festival,春节,3","2019-02-06":"Spring Festival,春节,3","2019-02-07":"Spring Festival,春节,3","2019-02-08":"Spring Festival,春节,3","2019-02-09":"Spring Festival,春节,3","2019-02-10":"Spring Festival,春节,3","2019-04-05":"Tomb-sweeping Day,清明,1","2019-04-06":"Tomb-sweeping Day,清明,1","2019-04-07":"Tomb-sweeping Day,清明,1","2019-05-01":"Labour Day,劳动节,1","2019-05-02":"Labour Day,劳动节,1","2019-05-03":"Labour Day,劳动节,1","2019-05-04":"Labour Day,劳动节,1","2019-06-07":"Dragon Boat Festival,端午,1","2019-06-08":"Dragon Boat Festival,端午,1","2019-06-09":"Dragon Boat Festival,端午,1","2019-09-13":"Mid-autumn Festival,中秋,1","2019-09-14":"Mid-autumn Festival,中秋,1","2019-09-15":"Mid-autumn Festival,中秋,1","2019-10-01":"National Day,国庆节,3","2019-10-02":"National Day,国庆节,3","2019-10-03":"National Day,国庆节,3","2019-10-04":"National Day,国庆节,3","2019-10-05":"National Day,国庆节,3","2019-10-06":"National Day,国庆节,3","2019-10-07":"National Day,国庆节,3","2018-01-01":"New Year's Day,元旦,1","2018-02-15":"Spring Festival,春节,3","2018-02-16":"Spring Festival,春节,3","2018-02-17":"Spring Festival,春节,3","2018-02-18":"Spring Festival,春节,3","2018-02-19":"Spring Festival,春节,3","2018-02-20":"Spring Festival,春节,3","2018-02-21":"Spring Festival,春节,3","2018-04-05":"Tomb-sweeping Day,清明,1","2018-04-06":"Tomb-sweeping Day,清明,1","2018-04-07":"Tomb-sweeping Day,清明,1","2018-04-29":"Labour Day,劳动节,1","2018-04-30":"Labour Day,劳动节,1","2018-05-01":"Labour Day,劳动节,1","2018-06-18":"Dragon Boat Festival,端午,1","2018-10-01":"National Day,国庆节,3","2018-10-02":"National Day,国庆节,3","2018-10-03":"National Day,国庆节,3","2018-10-04":"National Day,国庆节,3","2018-10-05":"National Day,国庆节,3","2018-10-06":"National Day,国庆节,3","2018-10-07":"National Day,国庆节,3","2018-09-24":"Mid-autumn Festival,中秋,1","2018-12-30":"New Year's Day,元旦,1","2018-12-31":"New Year's Day,元旦,1","2017-01-01":"New Year's Day,元旦,1","2017-01-02":"New Year's Day,元旦,1","2017-01-27":"Spring Festival,春节,3","2017-01-28":"Spring Festival,春节,3","2017-01-29":"Spring Festival,春节,3","2017-01-30":"Spring Festival,春节,3","2017-01-31":"Spring Festival,春节,3","2017-02-01":"Spring Festival,春节,3","2017-02-02":"Spring Festival,春节,3","2017-04-02":"Tomb-sweeping Day,清明,1","2017-04-03":"Tomb-sweeping Day,清明,1","2017-04-04":"Tomb-sweeping Day,清明,1","2017-05-01":"Labour Day,劳动节,1","2017-05-28":"Dragon Boat Festival,端午,1","2017-05-29":"Dragon Boat Festival,端午,1","2017-05-30":"Dragon Boat Festival,端午,1","2017-10-01":"National Day,国庆节,3","2017-10-02":"National Day,国庆节,3","2017-10-03":"National Day,国庆节,3","2017-10-04":"Mid-autumn Festival,中秋,1","2017-10-05":"National Day,国庆节,3","2017-10-06":"National Day,国庆节,3","2017-10-07":"National Day,国庆节,3","2017-10-08":"National Day,国庆节,3","2016-01-01":"New Year's Day,元旦,1","2016-02-07":"Spring Festival,春节,3","2016-02-08":"Spring Festival,春节,3","2016-02-09":"Spring Festival,春节,3","2016-02-10":"Spring Festival,春节,3","2016-02-11":"Spring Festival,春节,3","2016-02-12":"Spring Festival,春节,3","2016-02-13":"Spring Festival,春节,3","2016-04-04":"Tomb-sweeping Day,清明,1","2016-05-01":"Labour Day,劳动节,1","2016-05-02":"Labour Day,劳动节,1","2016-06-09":"Dragon Boat Festival,端午,1","2016-06-10":"Dragon Boat Festival,端午,1","2016-06-11":"Dragon Boat Festival,端午,1","2016-09-15":"Mid-autumn Festival,中秋,1","2016-09-16":"Mid-autumn Festival,中秋,1","2016-09-17":"Mid-autumn Festival,中秋,1","2016-10-01":"National Day,国庆节,3","2016-10-02":"National Day,国庆节,3","2016-10-03":"National Day,国庆节,3","2016-10-04":"National Day,国庆节,3","2016-10-05":"National Day,国庆节,3","2016-10-06":"National Day,国庆节,3","2016-10-07":"National Day,国庆节,3","2015-01-01":"New Year's Day,元旦,1","2015-01-02":"New Year's Day,元旦,1","2015-01-03":"New Year's Day,元旦,1","2015-02-18":"Spring Festival,春节,3","2015-02-19":"Spring Festival,春节,3","2015-02-20":"Spring Festival,春节,3","2015-02-21":"Spring Festival,春节,3","2015-02-22":"Spring Festival,春节,3","2015-02-23":"Spring Festival,春节,3","2015-02-24":"Spring Festival,春节,3","2015-04-05":"Tomb-sweeping Day,清明,1","2015-04-06":"Tomb-sweeping Day,清明,1","2015-05-01":"Labour Day,劳动节,1","2015-06-20":"Dragon Boat Festival,端午,1","2015-06-22":"Dragon Boat Festival,端午,1","2015-09-27":"Mid-autumn Festival,中秋,1","2015-10-01":"National Day,国庆节,3","2015-10-02":"National Day,国庆节,3","2015-10-03":"National Day,国庆节,3","2015-10-04":"National Day,国庆节,3","2015-10-05":"National Day,国庆节,3","2015-10-06":"National Day,国庆节,3","2015-10-07":"National Day,国庆节,3","2015-09-03":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2015-09-04":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2014-01-01":"New Year's Day,元旦,1","2014-01-31":"Spring Festival,春节,3","2014-02-01":"Spring Festival,春节,3","2014-02-02":"Spring Festival,春节,3","2014-02-03":"Spring Festival,春节,3","2014-02-04":"Spring Festival,春节,3","2014-02-05":"Spring Festival,春节,3","2014-02-06":"Spring Festival,春节,3","2014-04-05":"Tomb-sweeping Day,清明,1","2014-04-06":"Tomb-sweeping Day,清明,1","2014-04-07":"Tomb-sweeping Day,清明,1","2014-05-01":"Labour Day,劳动节,1","2014-05-02":"Labour Day,劳动节,1","2014-05-03":"Labour Day,劳动节,1","2014-06-02":"Dragon Boat Festival,端午,1","2014-09-08":"Mid-autumn Festival,中秋,1","2014-10-01":"National Day,国庆节,3","2014-10-02":"National Day,国庆节,3","2014-10-03":"National Day,国庆节,3","2014-10-04":"National Day,国庆节,3","2014-10-05":"National Day,国庆节,3","2014-10-06":"National Day,国庆节,3","2014-10-07":"National Day,国庆节,3","2013-01-01":"New Year's Day,元旦,1","2013-01-02":"New Year's Day,元旦,1","2013-01-03":"New Year's Day,元旦,1","2013-02-09":"Spring Festival,春节,3","2013-02-10":"Spring Festival,春节,3","2013-02-11":"Spring Festival,春节,3","2013-02-12":"Spring Festival,春节,3","2013-02-13":"Spring Festival,春节,3","2013-02-14":"Spring Festival,春节,3","2013-02-15":"Spring Festival,春节,3","2013-04-04":"Tomb-sweeping Day,清明,1","2013-04-05":"Tomb-sweeping Day,清明,1","2013-04-06":"Tomb-sweeping Day,清明,1","2013-04-29":"Labour Day,劳动节,1","2013-04-30":"Labour Day,劳动节,1","2013-05-01":"Labour Day,劳动节,1","2013-06-10":"Dragon Boat Festival,端午,1","2013-06-11":"Dragon Boat Festival,端午,1","2013-06-12":"Dragon Boat Festival,端午,1","2013-09-19":"Mid-autumn Festival,中秋,1","2013-09-20":"Mid-autumn Festival,中秋,1","2013-09-21":"Mid-autumn Festival,中秋,1","2013-10-01":"National Day,国庆节,3","2013-10-02":"National Day,国庆节,3","2013-10-03":"National Day,国庆节,3","2013-10-04":"National Day,国庆节,3","2013-10-05":"National Day,国庆节,3","2013-10-06":"National Day,国庆节,3","2013-10-07":"National Day,国庆节,3","2012-01-01":"New Year's Day,元旦,1","2012-01-02":"New Year's Day,元旦,1","2012-01-03":"New Year's Day,元旦,1","2012-01-22":"Spring Festival,春节,3","2012-01-23":"Spring Festival,春节,3","2012-01-24":"Spring Festival,春节,3","2012-01-25":"Spring Festival,春节,3","2012-01-26":"Spring Festival,春节,3","2012-01-27":"Spring Festival,春节,3","2012-01-28":"Spring Festival,春节,3","2012-04-02":"Tomb-sweeping Day,清明,1","2012-04-03":"Tomb-sweeping Day,清明,1","2012-04-04":"Tomb-sweeping Day,清明,1","2012-04-29":"Labour Day,劳动节,1","2012-04-30":"Labour Day,劳动节,1","2012-05-01":"Labour Day,劳动节,1","2012-06-22":"Dragon Boat Festival,端午,1","2012-06-24":"Dragon Boat Festival,端午,1","2012-09-30":"Mid-autumn Festival,中秋,1","2012-10-01":"National Day,国庆节,3","2012-10-02":"National Day,国庆节,3","2012-10-03":"National Day,国庆节,3","2012-10-04":"National Day,国庆节,3","2012-10-05":"National Day,国庆节,3","2012-10-06":"National Day,国庆节,3","2012-10-07":"National Day,国庆节,3","2011-01-01":"New Year's Day,元旦,1","2011-01-02":"New Year's Day,元旦,1","2011-01-03":"New Year's Day,元旦,1","2011-02-02":"Spring Festival,春节,3","2011-02-03":"Spring Festival,春节,3","2011-02-04":"Spring Festival,春节,3","2011-02-05":"Spring Festival,春节,3","2011-02-06":"Spring Festival,春节,3","2011-02-07":"Spring Festival,春节,3","2011-02-08":"Spring Festival,春节,3","2011-04-03":"Tomb-sweeping Day,清明,1","2011-04-04":"Tomb-sweeping Day,清明,1","2011-04-05":"Tomb-sweeping Day,清明,1","2011-04-30":"Labour Day,劳动节,1","2011-05-01":"Labour Day,劳动节,1","2011-05-02":"Labour Day,劳动节,1","2011-06-04":"Dragon Boat Festival,端午,1","2011-06-06":"Dragon Boat Festival,端午,1","2011-09-10":"Mid-autumn Festival,中秋,1","2011-09-11":"Mid-autumn Festival,中秋,1","2011-09-12":"Mid-autumn Festival,中秋,1","2011-10-01":"National Day,国庆节,3","2011-10-02":"National Day,国庆节,3","2011-10-03":"National Day,国庆节,3","2011-10-04":"National Day,国庆节,3","2011-10-05":"National Day,国庆节,3","2011-10-06":"National Day,国庆节,3","2011-10-07":"National Day,国庆节,3","2010-01-01":"New Year's Day,元旦,1","2010-01-02":"New Year's Day,元旦,1","2010-01-03":"New Year's Day,元旦,1","2010-02-13":"Spring Festival,春节,3","2010-02-14":"Spring Festival,春节,3","2010-02-15":"Spring Festival,春节,3","2010-02-16":"Spring Festival,春节,3","2010-02-17":"Spring Festival,春节,3","2010-02-18":"Spring Festival,春节,3","2010-02-19":"Spring Festival,春节,3","2010-04-03":"Tomb-sweeping Day,清明,1","2010-04-04":"Tomb-sweeping Day,清明,1","2010-04-05":"Tomb-sweeping Day,清明,1","2010-05-01":"Labour Day,劳动节,1","2010-05-02":"Labour Day,劳动节,1","2010-05-03":"Labour Day,劳动节,1","2010-06-14":"Dragon Boat Festival,端午,1","2010-06-15":"Dragon Boat Festival,端午,1","2010-06-16":"Dragon Boat Festival,端午,1","2010-09-22":"Mid-autumn Festival,中秋,1","2010-09-23":"Mid-autumn Festival,中秋,1","2010-09-24":"Mid-autumn Festival,中秋,1","2010-10-01":"National Day,国庆节,3","2010-10-02":"National Day,国庆节,3","2010-10-03":"National Day,国庆节,3","2010-10-04":"National Day,国庆节,3","2010-10-05":"National Day,国庆节,3","2010-10-06":"National Day,国庆节,3","2010-10-07":"National Day,国庆节,3","2009-01-01":"New Year's Day,元旦,1","2009-01-02":"New Year's Day,元旦,1","2009-01-03":"New Year's Day,元旦,1","2009-01-25":"Spring Festival,春节,3","2009-01-26":"Spring Festival,春节,3","2009-01-27":"Spring Festival,春节,3","2009-01-28":"Spring Festival,春节,3","2009-01-29":"Spring Festival,春节,3","2009-01-30":"Spring Festival,春节,3","2009-01-31":"Spring Festival,春节,3","2009-04-04":"Tomb-sweeping Day,清明,1","2009-04-05":"Tomb-sweeping Day,清明,1","2009-04-06":"Tomb-sweeping Day,清明,1","2009-05-01":"Labour Day,劳动节,1","2009-05-02":"Labour Day,劳动节,1","2009-05-03":"Labour Day,劳动节,1","2009-05-28":"Dragon Boat Festival,端午,1","2009-05-29":"Dragon Boat Festival,端午,1","2009-05-30":"Dragon Boat Festival,端午,1","2009-10-01":"National Day,国庆节,3","2009-10-02":"National Day,国庆节,3","2009-10-03":"Mid-autumn Festival,中秋,1","2009-10-04":"National Day,国庆节,3","2009-10-05":"National Day,国庆节,3","2009-10-06":"National Day,国庆节,3","2009-10-07":"National Day,国庆节,3","2009-10-08":"National Day,国庆节,3","2008-01-01":"New Year's Day,元旦,1","2008-02-06":"Spring Festival,春节,3","2008-02-07":"Spring Festival,春节,3","2008-02-08":"Spring Festival,春节,3","2008-02-09":"Spring Festival,春节,3","2008-02-10":"Spring Festival,春节,3","2008-02-11":"Spring Festival,春节,3","2008-02-12":"Spring Festival,春节,3","2008-04-04":"Tomb-sweeping Day,清明,1","2008-04-05":"Tomb-sweeping Day,清明,1","2008-04-06":"Tomb-sweeping Day,清明,1","2008-05-01":"Labour Day,劳动节,1","2008-05-02":"Labour Day,劳动节,1","2008-05-03":"Labour Day,劳动节,1","2008-06-07":"Dragon Boat Festival,端午,1","2008-06-08":"Dragon Boat Festival,端午,1","2008-06-09":"Dragon Boat Festival,端午,1","2008-09-13":"Mid-autumn Festival,中秋,1","2008-09-14":"Mid-autumn Festival,中秋,1","2008-09-15":"Mid-autumn Festival,中秋,1","2008-09-29":"National Day,国庆节,3","2008-09-30":"National Day,国庆节,3","2008-10-01":"National Day,国庆节,3","2008-10-02":"National Day,国庆节,3","2008-10-03":"National Day,国庆节,3","2008-10-04":"National Day,国庆节,3","2008-10-05":"National Day,国庆节,3","2007-01-01":"New Year's Day,元旦,1","2007-01-02":"New Year's Day,元旦,1","2007-01-03":"New Year's Day,元旦,1","2007-02-18":"Spring Festival,春节,3","2007-02-19":"Spring Festival,春节,3","2007-02-20":"Spring Festival,春节,3","2007-02-21":"Spring Festival,春节,3","2007-02-22":"Spring Festival,春节,3","2007-02-23":"Spring Festival,春节,3","2007-02-24":"Spring Festival,春节,3","2007-05-01":"Labour Day,劳动节,3","2007-05-02":"Labour Day,劳动节,3","2007-05-03":"Labour Day,劳动节,3","2007-05-04":"Labour Day,劳动节,3","2007-05-05":"Labour Day,劳动节,3","2007-05-06":"Labour Day,劳动节,3","2007-05-07":"Labour Day,劳动节,3","2007-10-01":"National Day,国庆节,3","2007-10-02":"National Day,国庆节,3","2007-10-03":"National Day,国庆节,3","2007-10-04":"National Day,国庆节,3","2007-10-05":"National Day,国庆节,3","2007-10-06":"National Day,国庆节,3","2007-10-07":"National Day,国庆节,3","2007-12-30":"New Year's Day,元旦,1","2007-12-31":"New Year's Day,元旦,1","2006-01-01":"New Year's Day,元旦,1","2006-01-02":"New Year's Day,元旦,1","2006-01-03":"New Year's Day,元旦,1","2006-01-29":"Spring Festival,春节,3","2006-01-30":"Spring Festival,春节,3","2006-01-31":"Spring Festival,春节,3","2006-02-01":"Spring Festival,春节,3","2006-02-02":"Spring Festival,春节,3","2006-02-03":"Spring Festival,春节,3","2006-02-04":"Spring Festival,春节,3","2006-05-01":"Labour Day,劳动节,3","2006-05-02":"Labour Day,劳动节,3","2006-05-03":"Labour Day,劳动节,3","2006-05-04":"Labour Day,劳动节,3","2006-05-05":"Labour Day,劳动节,3","2006-05-06":"Labour Day,劳动节,3","2006-05-07":"Labour Day,劳动节,3","2006-10-01":"National Day,国庆节,3","2006-10-02":"National Day,国庆节,3","2006-10-03":"National Day,国庆节,3","2006-10-04":"National Day,国庆节,3","2006-10-05":"National Day,国庆节,3","2006-10-06":"National Day,国庆节,3","2006-10-07":"National Day,国庆节,3","2005-01-01":"New Year's Day,元旦,1","2005-01-02":"New Year's Day,元旦,1","2005-01-03":"New Year's Day,元旦,1","2005-02-09":"Spring Festival,春节,3","2005-02-10":"Spring Festival,春节,3","2005-02-11":"Spring Festival,春节,3","2005-02-12":"Spring Festival,春节,3","2005-02-13":"Spring Festival,春节,3","2005-02-14":"Spring Festival,春节,3","2005-02-15":"Spring Festival,春节,3","2005-05-01":"Labour Day,劳动节,3","2005-05-02":"Labour Day,劳动节,3","2005-05-03":"Labour Day,劳动节,3","2005-05-04":"Labour Day,劳动节,3","2005-05-05":"Labour Day,劳动节,3","2005-05-06":"Labour Day,劳动节,3","2005-05-07":"Labour Day,劳动节,3","2005-10-01":"National Day,国庆节,3","2005-10-02":"National Day,国庆节,3","2005-10-03":"National Day,国庆节,3","2005-10-04":"National Day,国庆节,3","2005-10-05":"National Day,国庆节,3","2005-10-06":"National Day,国庆节,3","2005-10-07":"National Day,国庆节,3","2004-01-01":"New Year's Day,元旦,1","2004-01-22":"Spring Festival,春节,3","2004-01-23":"Spring Festival,春节,3","2004-01-24":"Spring Festival,春节,3","2004-01-25":"Spring Festival,春节,3","2004-01-26":"Spring Festival,春节,3","2004-01-27":"Spring Festival,春节,3","2004-01-28":"Spring Festival,春节,3","2004-05-01":"Labour Day,劳动节,3","2004-05-02":"Labour Day,劳动节,3","2004-05-03":"Labour Day,劳动节,3","2004-05-04":"Labour Day,劳动节,3","2004-05-05":"Labour Day,劳动节,3","2004-05-06":"Labour Day,劳动节,3","2004-05-07":"Labour Day,劳动节,3","2004-10-01":"National Day,国庆节,3","2004-10-02":"National Day,国庆节,3","2004-10-03":"National Day,国庆节,3","2004-10-04":"National Day,国庆节,3","2004-10-05":"National Day,国庆节,3","2004-10-06":"National Day,国庆节,3","2004-10-07":"National Day,国庆节,3"},"workdays":{"2026-01-04":"New Year's Day,元旦,1","2026-02-14":"Spring Festival,春节,4","2026-02-28":"Spring Festival,春节,4","2026-05-09":"Labour Day,劳动节,2","2026-09-20":"National Day,国庆节,3","2026-10-10":"National Day,国庆节,3","2025-01-26":"Spring Festival,春节,4","2025-02-08":"Spring Festival,春节,4","2025-04-27":"Labour Day,劳动节,2","2025-09-28":"National Day,国庆节,3","2025-10-11":"National Day,国庆节,3","2024-02-04":"Spring Festival,春节,3","2024-02-18":"Spring Festival,春节,3","2024-04-07":"Tomb-sweeping Day,清明,1","2024-04-28":"Labour Day,劳动节,1","2024-05-11":"Labour Day,劳动节,1","2024-09-14":"Mid-autumn Festival,中秋,1","2024-09-29":"National Day,国庆节,3","2024-10-12":"National Day,国庆节,3","2023-01-28":"Spring Festival,春节,3","2023-01-29":"Spring Festival,春节,3","2023-04-23":"Labour Day,劳动节,1","2023-05-06":"Labour Day,劳动节,1","2023-06-25":"Dragon Boat Festival,端午,1","2023-10-07":"National Day,国庆节,3","2023-10-08":"National Day,国庆节,3","2022-01-29":"Spring Festival,春节,3","2022-01-30":"Spring Festival,春节,3","2022-04-02":"Tomb-sweeping Day,清明,1","2022-04-24":"Labour Day,劳动节,1","2022-05-07":"Labour Day,劳动节,1","2022-10-08":"National Day,国庆节,3","2022-10-09":"National Day,国庆节,3","2021-02-07":"Spring Festival,春节,3","2021-02-20":"Spring Festival,春节,3","2021-04-25":"Labour Day,劳动节,1","2021-05-08":"Labour Day,劳动节,1","2021-09-18":"Mid-autumn Festival,中秋,1","2021-09-26":"National Day,国庆节,3","2021-10-09":"National Day,国庆节,3","2020-01-19":"Spring Festival,春节,3","2020-04-26":"Labour Day,劳动节,1","2020-05-09":"Labour Day,劳动节,1","2020-06-28":"Dragon Boat Festival,端午,1","2020-09-27":"National Day,国庆节,3","2020-10-10":"National Day,国庆节,3","2019-02-02":"Spring Festival,春节,3","2019-02-03":"Spring Festival,春节,3","2019-04-28":"Labour Day,劳动节,1","2019-05-05":"Labour Day,劳动节,1","2019-09-29":"National Day,国庆节,3","2019-10-12":"National Day,国庆节,3","2018-02-11":"Spring Festival,春节,3","2018-02-24":"Spring Festival,春节,3","2018-04-08":"Tomb-sweeping Day,清明,1","2018-04-28":"Labour Day,劳动节,1","2018-09-29":"National Day,国庆节,3","2018-09-30":"National Day,国庆节,3","2018-12-29":"New Year's Day,元旦,1","2017-01-22":"Spring Festival,春节,3","2017-02-04":"Spring Festival,春节,3","2017-04-01":"Tomb-sweeping Day,清明,1","2017-05-27":"Dragon Boat Festival,端午,1","2017-09-30":"National Day,国庆节,3","2016-02-06":"Spring Festival,春节,3","2016-02-14":"Spring Festival,春节,3","2016-06-12":"Dragon Boat Festival,端午,1","2016-09-18":"Mid-autumn Festival,中秋,1","2016-10-08":"National Day,国庆节,3","2016-10-09":"National Day,国庆节,3","2015-01-04":"New Year's Day,元旦,1","2015-02-15":"Spring Festival,春节,3","2015-02-28":"Spring Festival,春节,3","2015-10-10":"National Day,国庆节,3","2015-09-06":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2014-01-26":"Spring Festival,春节,3","2014-02-08":"Spring Festival,春节,3","2014-05-04":"Labour Day,劳动节,1","2014-09-28":"National Day,国庆节,3","2014-10-11":"National Day,国庆节,3","2013-01-05":"New Year's Day,元旦,1","2013-01-06":"New Year's Day,元旦,1","2013-02-16":"Spring Festival,春节,3","2013-02-17":"Spring Festival,春节,3","2013-04-07":"Tomb-sweeping Day,清明,1","2013-04-27":"Labour Day,劳动节,1","2013-04-28":"Labour Day,劳动节,1","2013-06-08":"Dragon Boat Festival,端午,1","2013-06-09":"Dragon Boat Festival,端午,1","2013-09-22":"Mid-autumn Festival,中秋,1","2013-09-29":"National Day,国庆节,3","2013-10-12":"National Day,国庆节,3","2012-01-21":"Spring Festival,春节,3","2012-01-29":"Spring Festival,春节,3","2012-03-31":"Tomb-sweeping Day,清明,1","2012-04-01":"Tomb-sweeping Day,清明,1","2012-04-28":"Labour Day,劳动节,1","2012-09-29":"National Day,国庆节,3","2011-01-30":"Spring Festival,春节,3","2011-02-12":"Spring Festival,春节,3","2011-04-02":"Tomb-sweeping Day,清明,1","2011-10-08":"National Day,国庆节,3","2011-10-09":"National Day,国庆节,3","2011-12-31":"New Year's Day,元旦,1","2010-02-20":"Spring Festival,春节,3","2010-02-21":"Spring Festival,春节,3","2010-06-12":"Dragon Boat Festival,端午,1","2010-06-13":"Dragon Boat Festival,端午,1","2010-09-19":"Mid-autumn Festival,中秋,1","2010-09-25":"Mid-autumn Festival,中秋,1","2010-09-26":"National Day,国庆节,3","2010-10-09":"National Day,国庆节,3","2009-01-04":"New Year's Day,元旦,1","2009-01-24":"Spring Festival,春节,3","2009-02-01":"Spring Festival,春节,3","2009-05-31":"Dragon Boat Festival,端午,1","2009-09-27":"National Day,国庆节,3","2009-10-10":"National Day,国庆节,3","2008-02-02":"Spring Festival,春节,3","2008-02-03":"Spring Festival,春节,3","2008-05-04":"Labour Day,劳动节,1","2008-09-27":"National Day,国庆节,3","2008-09-28":"National Day,国庆节,3","2007-02-17":"Spring Festival,春节,3","2007-02-25":"Spring Festival,春节,3","2007-04-28":"Labour Day,劳动节,3","2007-04-29":"Labour Day,劳动节,3","2007-09-29":"National Day,国庆节,3","2007-09-30":"National Day,国庆节,3","2007-12-29":"New Year's Day,元旦,1","2006-01-28":"Spring Festival,春节,3","2006-02-05":"Spring Festival,春节,3","2006-04-29":"Labour Day,劳动节,3","2006-04-30":"Labour Day,劳动节,3","2006-09-30":"National Day,国庆节,3","2006-10-08":"National Day,国庆节,3","2006-12-30":"New Year's Day,元旦,1","2006-12-31":"New Year's Day,元旦,1","2005-02-05":"Spring Festival,春节,3","2005-02-06":"Spring Festival,春节,3","2005-04-30":"Labour Day,劳动节,3","2005-05-08":"Labour Day,劳动节,3","2005-10-08":"National Day,国庆节,3","2005-10-09":"National Day,国庆节,3","2004-01-17":"Spring Festival,春节,3","2004-01-18":"Spring Festival,春节,3","2004-05-08":"Labour Day,劳动节,3","2004-05-09":"Labour Day,劳动节,3","2004-10-09":"National Day,国庆节,3","2004-10-10":"National Day,国庆节,3"},"inLieuDays":{"2026-01-02":"New Year's Day,元旦,1","2026-02-20":"Spring Festival,春节,4","2026-02-23":"Spring Festival,春节,4","2026-05-05":"Labour Day,劳动节,2","2026-10-06":"National Day,国庆节,3","2026-10-07":"National Day,国庆节,3","2025-02-03":"Spring Festival,春节,4","2025-02-04":"Spring Festival,春节,4","2025-05-05":"Labour Day,劳动节,2","2025-10-07":"National Day,国庆节,3","2025-10-08":"National Day,国庆节,3","2024-02-15":"Spring Festival,春节,3","2024-02-16":"Spring Festival,春节,3","2024-04-05":"Tomb-sweeping Day,清明,1","2024-05-02":"Labour Day,劳动节,1","2024-05-03":"Labour Day,劳动节,1","2024-09-16":"Mid-autumn Festival,中秋,1","2024-10-04":"National Day,国庆节,3","2024-10-07":"National Day,国庆节,3","2023-01-26":"Spring Festival,春节,3","2023-01-27":"Spring Festival,春节,3","2023-05-02":"Labour Day,劳动节,1","2023-05-03":"Labour Day,劳动节,1","2023-06-23":"Dragon Boat Festival,端午,1","2023-10-05":"National Day,国庆节,3","2023-10-06":"National Day,国庆节,3","2022-02-03":"Spring Festival,春节,3","2022-02-04":"Spring Festival,春节,3","2022-04-04":"Tomb-sweeping Day,清明,1","2022-05-03":"Labour Day,劳动节,1","2022-05-04":"Labour Day,劳动节,1","2022-10-06":"National Day,国庆节,3","2022-10-07":"National Day,国庆节,3","2021-02-16":"Spring Festival,春节,3","2021-02-17":"Spring Festival,春节,3","2021-05-04":"Labour Day,劳动节,1","2021-05-05":"Labour Day,劳动节,1","2021-09-20":"Mid-autumn Festival,中秋,1","2021-10-06":"National Day,国庆节,3","2021-10-07":"National Day,国庆节,3","2020-01-29":"Spring Festival,春节,3","2020-05-04":"Labour Day,劳动节,1","2020-05-05":"Labour Day,劳动节,1","2020-06-26":"Dragon Boat Festival,端午,1","2020-10-07":"National Day,国庆节,3","2020-10-08":"National Day,国庆节,3","2019-02-04":"Spring Festival,春节,3","2019-02-08":"Spring Festival,春节,3","2019-05-02":"Labour Day,劳动节,1","2019-05-03":"Labour Day,劳动节,1","2019-10-04":"National Day,国庆节,3","2019-10-07":"National Day,国庆节,3","2018-02-19":"Spring Festival,春节,3","2018-02-20":"Spring Festival,春节,3","2018-02-21":"Spring Festival,春节,3","2018-04-06":"Tomb-sweeping Day,清明,1","2018-04-30":"Labour Day,劳动节,1","2018-10-04":"National Day,国庆节,3","2018-10-05":"National Day,国庆节,3","2018-12-31":"New Year's Day,元旦,1","2017-02-01":"Spring Festival,春节,3","2017-02-02":"Spring Festival,春节,3","2017-04-03":"Tomb-sweeping Day,清明,1","2017-05-29":"Dragon Boat Festival,端午,1","2017-10-06":"National Day,国庆节,3","2016-02-11":"Spring Festival,春节,3","2016-02-12":"Spring Festival,春节,3","2016-06-10":"Dragon Boat Festival,端午,1","2016-09-16":"Mid-autumn Festival,中秋,1","2016-10-06":"National Day,国庆节,3","2016-10-07":"National Day,国庆节,3","2015-01-02":"New Year's Day,元旦,1","2015-02-23":"Spring Festival,春节,3","2015-02-24":"Spring Festival,春节,3","2015-10-07":"National Day,国庆节,3","2015-09-04":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2014-02-05":"Spring Festival,春节,3","2014-02-06":"Spring Festival,春节,3","2014-05-02":"Labour Day,劳动节,1","2014-10-06":"National Day,国庆节,3","2014-10-07":"National Day,国庆节,3","2013-01-02":"New Year's Day,元旦,1","2013-01-03":"New Year's Day,元旦,1","2013-02-14":"Spring Festival,春节,3","2013-02-15":"Spring Festival,春节,3","2013-04-05":"Tomb-sweeping Day,清明,1","2013-04-29":"Labour Day,劳动节,1","2013-04-30":"Labour Day,劳动节,1","2013-06-10":"Dragon Boat Festival,端午,1","2013-06-11":"Dragon Boat Festival,端午,1","2013-09-20":"Mid-autumn Festival,中秋,1","2013-10-04":"National Day,国庆节,3","2013-10-07":"National Day,国庆节,3","2012-01-03":"New Year's Day,元旦,1","2012-01-26":"Spring Festival,春节,3","2012-01-27":"Spring Festival,春节,3","2012-04-02":"Tomb-sweeping Day,清明,1","2012-04-03":"Tomb-sweeping Day,清明,1","2012-04-30":"Labour Day,劳动节,1","2012-10-05":"National Day,国庆节,3","2011-02-07":"Spring Festival,春节,3","2011-02-08":"Spring Festival,春节,3","2011-04-04":"Tomb-sweeping Day,清明,1","2011-10-06":"National Day,国庆节,3","2011-10-07":"National Day,国庆节,3","2010-02-18":"Spring Festival,春节,3","2010-02-19":"Spring Festival,春节,3","2010-06-14":"Dragon Boat Festival,端午,1","2010-06-15":"Dragon Boat Festival,端午,1","2010-09-23":"Mid-autumn Festival,中秋,1","2010-09-24":"Mid-autumn Festival,中秋,1","2010-10-06":"National Day,国庆节,3","2010-10-07":"National Day,国庆节,3","2009-01-02":"New Year's Day,元旦,1","2009-01-29":"Spring Festival,春节,3","2009-01-30":"Spring Festival,春节,3","2009-05-29":"Dragon Boat Festival,端午,1","2009-10-07":"National Day,国庆节,3","2009-10-08":"National Day,国庆节,3","2008-02-11":"Spring Festival,春节,3","2008-02-12":"Spring Festival,春节,3","2008-05-02":"Labour Day,劳动节,1","2008-09-29":"National Day,国庆节,3","2008-09-30":"National Day,国庆节,3","2007-01-02":"New Year's Day,元旦,1","2007-01-03":"New Year's Day,元旦,1","2007-02-22":"Spring Festival,春节,3","2007-02-23":"Spring Festival,春节,3","2007-05-04":"Labour Day,劳动节,3","2007-05-07":"Labour Day,劳动节,3","2007-10-04":"National Day,国庆节,3","2007-10-05":"National Day,国庆节,3","2007-12-31":"New Year's Day,元旦,1","2006-02-02":"Spring Festival,春节,3","2006-02-03":"Spring Festival,春节,3","2006-05-04":"Labour Day,劳动节,3","2006-05-05":"Labour Day,劳动节,3","2006-10-05":"National Day,国庆节,3","2006-10-06":"National Day,国庆节,3","2005-02-14":"Spring Festival,春节,3","2005-02-15":"Spring Festival,春节,3","2005-05-05":"Labour Day,劳动节,3","2005-05-06":"Labour Day,劳动节,3","2005-10-06":"National Day,国庆节,3","2005-10-07":"National Day,国庆节,3","2004-01-27":"Spring Festival,春节,3","2004-01-28":"Spring Festival,春节,3","2004-05-06":"Labour Day,劳动节,3","2004-05-07":"Labour Day,劳动节,3","2004-10-06":"National Day,国庆节,3","2004-10-07":"National Day,国庆节,3"}}$chinese_days$::jsonb);
-- END data/cn-holidays/chinese-days.json
UPDATE gridgov.calendar_exceptions SET builtin = true
WHERE calendar_id = (SELECT c.id FROM gridgov.calendars c WHERE c.name = 'cn');

CREATE TRIGGER calendars_guard BEFORE INSERT OR UPDATE OR DELETE
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_guard();
-- A shipped calendar whose horizon moved comes back with it on restore.  Named
-- to fire before calendars_check and calendars_guard (triggers fire in name
-- order): the restored row becomes an UPDATE of the shipped one (which the
-- guard allows and marks modified) before the guard sees an INSERT of a
-- builtin row.
CREATE TRIGGER calendars_builtin BEFORE INSERT
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.calendars ENABLE ALWAYS TRIGGER calendars_builtin;
-- The guard marks a moved horizon modified: under session_replication_role =
-- replica (a restore so made) too.
ALTER TABLE gridgov.calendars ENABLE ALWAYS TRIGGER calendars_guard;
CREATE TRIGGER calendars_guard_truncate BEFORE TRUNCATE
    ON gridgov.calendars FOR EACH STATEMENT EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_periods_guard BEFORE INSERT OR UPDATE OR DELETE
    ON gridgov.calendar_periods FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_periods_guard_truncate BEFORE TRUNCATE
    ON gridgov.calendar_periods FOR EACH STATEMENT EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_exceptions_guard BEFORE INSERT OR UPDATE OR DELETE
    ON gridgov.calendar_exceptions FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_exceptions_guard_truncate BEFORE TRUNCATE
    ON gridgov.calendar_exceptions FOR EACH STATEMENT EXECUTE FUNCTION gridgov.calendar_guard();
-- ---------------------------------------------------------------------------
-- History import: a district's past cases, staged with COPY and brought in
-- whole by one call (docs/history-import.md).  The timelines are walked in C
-- (src/cases/history_import.c): the workflow's transitions, the engine's hash
-- chain, the live clock policies and working-time arithmetic.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.import_cases (
    county          gridgov.gridcode NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text NOT NULL,
    category        text COLLATE pg_catalog."C",
    urgency         gridgov.urgency,
    title           text,
    description     text,
    location        geometry,
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text,
    reporter_name   text,
    reporter_phone  text,
    objcode         text,
    department      text COLLATE pg_catalog."C",
    reported_at     timestamptz
);
COMMENT ON TABLE gridgov.import_cases IS
    'Staging of the history import: one row per past case (fill with COPY), its timeline in gridgov.import_steps; gridgov.import_history() imports the rows it accepts and writes the others to gridgov.import_rejects (docs/history-import.md)';
COMMENT ON COLUMN gridgov.import_cases.county IS 'District of the case (6-digit code); with source and external_id the key of the import (cases with the key already present are skipped)';
COMMENT ON COLUMN gridgov.import_cases.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.import_cases.external_id IS 'The id the case had in the system it comes from';
COMMENT ON COLUMN gridgov.import_cases.category IS 'Category code (gridgov.categories); decides the workflow the timeline is checked against';
COMMENT ON COLUMN gridgov.import_cases.urgency IS 'Urgency; the category''s default when NULL';
COMMENT ON COLUMN gridgov.import_cases.title IS 'Short summary (required)';
COMMENT ON COLUMN gridgov.import_cases.description IS 'Full text';
COMMENT ON COLUMN gridgov.import_cases.location IS 'Where (a point, required), in coord_system';
COMMENT ON COLUMN gridgov.import_cases.coord_system IS 'Coordinate system of location (gridgov.coord_systems())';
COMMENT ON COLUMN gridgov.import_cases.address IS 'Address as given (personal data)';
COMMENT ON COLUMN gridgov.import_cases.reporter_name IS 'Reporter''s name (personal data)';
COMMENT ON COLUMN gridgov.import_cases.reporter_phone IS 'Reporter''s phone (personal data)';
COMMENT ON COLUMN gridgov.import_cases.objcode IS '16-digit component identifier for component cases';
COMMENT ON COLUMN gridgov.import_cases.department IS 'Code of the department responsible at intake (gridgov.departments.code), if any; a dispatch step changes it';
COMMENT ON COLUMN gridgov.import_cases.reported_at IS 'When the case was reported (required; not in the future)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.import_cases', '');

CREATE TABLE gridgov.import_steps (
    county          gridgov.gridcode NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text NOT NULL,
    seq             integer NOT NULL,
    at              timestamptz,
    action          text,
    department      text COLLATE pg_catalog."C",
    note            text,
    solved          boolean,
    satisfaction    gridgov.satisfaction,
    payload         jsonb
);
COMMENT ON TABLE gridgov.import_steps IS
    'Staging of the history import: the timeline of each staged case after its intake, one row per workflow action, in seq order (docs/history-import.md)';
COMMENT ON COLUMN gridgov.import_steps.county IS 'Key of the case (gridgov.import_cases)';
COMMENT ON COLUMN gridgov.import_steps.source IS 'Key of the case (gridgov.import_cases)';
COMMENT ON COLUMN gridgov.import_steps.external_id IS 'Key of the case (gridgov.import_cases)';
COMMENT ON COLUMN gridgov.import_steps.seq IS 'Position of the step in the timeline (1 = the first action after intake; unique per case)';
COMMENT ON COLUMN gridgov.import_steps.at IS 'When the step was taken (required; not before the previous step or reported_at, not in the future)';
COMMENT ON COLUMN gridgov.import_steps.action IS 'Workflow action (gridgov.transitions of the category''s workflow); merge, whistle and report_in are not imported';
COMMENT ON COLUMN gridgov.import_steps.department IS 'Code of the department concerned: for dispatch the department the case was dispatched to (it becomes responsible), otherwise the department that took the step (recorded in the event)';
COMMENT ON COLUMN gridgov.import_steps.note IS 'Free-text note of the step';
COMMENT ON COLUMN gridgov.import_steps.solved IS 'Callback answer: was the problem solved? (callback and follow_up need it)';
COMMENT ON COLUMN gridgov.import_steps.satisfaction IS 'Callback answer (callback and follow_up need it)';
COMMENT ON COLUMN gridgov.import_steps.payload IS 'Further details as a JSON object, as gridgov.act() takes them: extend needs {"stage": ..., "amount": ...[, "unit": ...]}';
SELECT pg_catalog.pg_extension_config_dump('gridgov.import_steps', '');

CREATE TABLE gridgov.import_rejects (
    county          gridgov.gridcode NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text NOT NULL,
    reason          text NOT NULL,
    staged          jsonb NOT NULL,
    rejected_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (county, source, external_id)
);
COMMENT ON TABLE gridgov.import_rejects IS
    'Staged cases gridgov.import_history() refused, one row per key with the reason and the staged rows; a later import of the key (once corrected) removes its row';
COMMENT ON COLUMN gridgov.import_rejects.county IS 'Key of the staged case';
COMMENT ON COLUMN gridgov.import_rejects.source IS 'Key of the staged case';
COMMENT ON COLUMN gridgov.import_rejects.external_id IS 'Key of the staged case';
COMMENT ON COLUMN gridgov.import_rejects.reason IS 'Why it was refused (the first failed check)';
COMMENT ON COLUMN gridgov.import_rejects.staged IS 'The staged rows: {"case": the import_cases row or null, "steps": the import_steps rows}';
COMMENT ON COLUMN gridgov.import_rejects.rejected_at IS 'When the import refused it';
SELECT pg_catalog.pg_extension_config_dump('gridgov.import_rejects', '');

CREATE FUNCTION gridgov.history_import_apply() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_history_import_apply' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.history_import_apply() IS
    'Internal (gridgov.import_history()): walks the timelines of pg_temp.gg_import_ready, appends the events and clocks of the cases that pass, records every outcome in pg_temp.gg_import_done and inserts the complete cases; returns how many it imported';

-- The checks of a staged case that SQL makes, set-based, in order: the first
-- that fails is the reason.  (The timeline's walk through the workflow comes
-- after, in C.)
CREATE FUNCTION gridgov.import_history(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (staged bigint, imported bigint, skipped bigint, rejected bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n_staged bigint;
    n_skipped bigint;
    n_rejected bigint;
    n_imported bigint;
BEGIN
    -- One import at a time; staging does not change under it.
    LOCK TABLE gridgov.import_cases, gridgov.import_steps IN SHARE ROW EXCLUSIVE MODE;
    -- Loads gridgov's library, whose settings (gridgov.time_zone) the case numbers read.
    PERFORM gridgov.duplicate_cell(0, 0);
    -- The work tables of an earlier import in this transaction.
    IF pg_catalog.to_regclass('pg_temp.gg_import_done') IS NOT NULL THEN
        DROP TABLE pg_temp.gg_import_steps, pg_temp.gg_import_check, pg_temp.gg_import_ready,
                   pg_temp.gg_import_done;
    END IF;

    -- The timelines, with what their checks need.
    CREATE TEMP TABLE gg_import_steps ON COMMIT DROP AS
    SELECT st.county, st.source, st.external_id,
           pg_catalog.count(*) AS nsteps,
           pg_catalog.bool_or(st.at IS NULL OR st.action IS NULL) AS incomplete,
           pg_catalog.bool_or(st.at > as_of) AS future,
           pg_catalog.min(st.department) FILTER (WHERE st.department IS NOT NULL AND d.id IS NULL) AS unknown_department,
           pg_catalog.bool_or(st.payload IS NOT NULL AND pg_catalog.jsonb_typeof(st.payload) <> 'object') AS bad_payload,
           pg_catalog.bool_or(st.action = 'extend' AND NOT COALESCE(
               pg_catalog.jsonb_typeof(st.payload) = 'object'
               AND st.payload ->> 'stage' IN (SELECT e::text FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::gridgov.sla_stage)) e)
               AND pg_catalog.jsonb_typeof(st.payload -> 'amount') = 'number'
               AND (st.payload ->> 'amount')::numeric > 0
               AND COALESCE(st.payload ->> 'unit', 'minutes') IN ('minutes', 'working_hours', 'working_days', 'calendar_days'),
               false)) AS bad_extend,
           -- In any order: the walk puts them in seq order (and checks seq and time order).
           pg_catalog.array_agg(st.seq) AS seqs,
           pg_catalog.array_agg(st.action) AS actions,
           pg_catalog.array_agg(st.at) AS ats,
           pg_catalog.array_agg(st.note) AS notes,
           pg_catalog.array_agg(pg_catalog.jsonb_strip_nulls(
               CASE WHEN pg_catalog.jsonb_typeof(st.payload) = 'object' THEN st.payload ELSE '{}'::jsonb END
               OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                   CASE WHEN st.action = 'dispatch' THEN 'department_id' ELSE 'actor_department_id' END, d.id,
                   'solved', st.solved, 'satisfaction', st.satisfaction))) AS payloads
    FROM gridgov.import_steps st
    LEFT JOIN gridgov.departments d ON d.code = st.department
    GROUP BY st.county, st.source, st.external_id;

    -- Each staged case: skipped (already imported), or its reason, or ready.
    CREATE TEMP TABLE gg_import_check ON COMMIT DROP AS
    SELECT s.*, st.nsteps, st.seqs, st.actions, st.ats, st.notes, st.payloads,
           gridgov.locate(w.point, s.reported_at) AS grid,
           cat.workflow, COALESCE(s.urgency::text, cat.default_urgency) AS final_urgency, dep.id AS department_id,
           EXISTS (SELECT 1 FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) s.county AND c.source = s.source
                     AND c.external_id = s.external_id) AS present,
           w.point,
           CASE
               WHEN twice.county IS NOT NULL THEN 'the key is staged more than once'
               WHEN gridgov.level(s.county) <> 3 THEN 'county is not a 6-digit district code'
               WHEN cat.code IS NULL THEN pg_catalog.format('unknown category %L', s.category)
               WHEN s.title IS NULL THEN 'missing title'
               WHEN s.location IS NULL THEN 'missing location'
               WHEN s.reported_at IS NULL THEN 'missing reported_at'
               WHEN s.reported_at > as_of THEN 'reported_at lies in the future'
               WHEN gridgov.case_texts_problem(s.external_id, s.title, s.description, s.address,
                                               s.reporter_name, s.reporter_phone) IS NOT NULL
                   THEN gridgov.case_texts_problem(s.external_id, s.title, s.description, s.address,
                                                   s.reporter_name, s.reporter_phone)
               WHEN s.department IS NOT NULL AND dep.id IS NULL THEN pg_catalog.format('unknown department %L', s.department)
               WHEN st.incomplete THEN 'a step has no time or no action'
               WHEN st.future THEN 'a step lies in the future'
               WHEN st.unknown_department IS NOT NULL THEN pg_catalog.format('unknown department %L', st.unknown_department)
               WHEN st.bad_payload THEN 'a step''s payload is not a JSON object'
               WHEN st.bad_extend THEN 'extend needs a stage, a positive amount and a known unit'
           END AS reason
    FROM gridgov.import_cases s
    LEFT JOIN (SELECT t.county, t.source, t.external_id FROM gridgov.import_cases t
               GROUP BY t.county, t.source, t.external_id HAVING pg_catalog.count(*) > 1) twice
           USING (county, source, external_id)
    LEFT JOIN pg_temp.gg_import_steps st USING (county, source, external_id)
    LEFT JOIN gridgov.categories cat ON cat.code = s.category
    LEFT JOIN gridgov.departments dep ON dep.code = s.department
    LEFT JOIN LATERAL (
        SELECT CASE WHEN s.location IS NOT NULL AND pg_catalog.lower(s.coord_system) IN
                              (SELECT pg_catalog.lower(a) FROM gridgov.coord_systems() cs,
                                      pg_catalog.unnest(cs.aliases || cs.name) a)
                         -- a point: the type of its EWKB (little- or big-endian) is 1
                         AND (SELECT CASE pg_catalog.get_byte(b.e, 0)
                                     WHEN 1 THEN pg_catalog.get_byte(b.e, 1) = 1 AND pg_catalog.get_byte(b.e, 2) = 0
                                                 AND pg_catalog.get_byte(b.e, 3) = 0
                                     ELSE pg_catalog.get_byte(b.e, 4) = 1 AND pg_catalog.get_byte(b.e, 3) = 0
                                          AND pg_catalog.get_byte(b.e, 2) = 0 END
                              FROM (SELECT s.location::bytea AS e) b)
                    THEN gridgov.to_wgs84(s.location, s.coord_system) END AS point) w ON true;
    UPDATE pg_temp.gg_import_check c SET reason = 'location is not a point in a known coordinate system'
        WHERE c.reason IS NULL AND c.point IS NULL;
    UPDATE pg_temp.gg_import_check c
        SET reason = pg_catalog.format('location lies in district %s', gridgov.ancestor(c.grid, 3))
        WHERE c.reason IS NULL AND c.grid IS NOT NULL AND gridgov.ancestor(c.grid, 3) OPERATOR(gridgov.<>) c.county;

    -- The cases to import, with their ids and numbers.
    CREATE TEMP TABLE gg_import_ready ON COMMIT DROP AS
    -- The case number as intake gives it: county-yyyymmdd-id, the date local to gridgov.time_zone.
    SELECT r.*, r.county::text || '-'
                || pg_catalog.to_char(r.reported_at AT TIME ZONE pg_catalog.current_setting('gridgov.time_zone'), 'YYYYMMDD')
                || '-' || CASE WHEN r.case_id < 10000000 THEN pg_catalog.lpad(r.case_id::text, 7, '0')
                               ELSE r.case_id::text END AS case_no,
           pg_catalog.jsonb_build_object('source', r.source, 'category', r.category, 'urgency', r.urgency,
                                         'grid', r.grid::text, 'department_id', r.department_id,
                                         'possible_duplicate_of', NULL, 'imported', true) AS intake_payload
    FROM (SELECT pg_catalog.nextval('gridgov.cases_id_seq') AS case_id, c.county, c.source::text AS source,
                 c.external_id, c.category, c.workflow, c.final_urgency AS urgency, c.title, c.description,
                 c.point AS location, c.coord_system, c.address, c.reporter_name, c.reporter_phone, c.objcode,
                 c.grid, c.department_id, c.reported_at,
                 COALESCE(c.seqs, '{}') AS seqs, COALESCE(c.actions, '{}') AS actions, COALESCE(c.ats, '{}') AS ats,
                 COALESCE(c.notes, '{}') AS notes, COALESCE(c.payloads, '{}') AS payloads
          FROM pg_temp.gg_import_check c WHERE NOT c.present AND c.reason IS NULL) r;
    CREATE TEMP TABLE gg_import_done (
        case_id bigint PRIMARY KEY, reason text, state text, closed_at timestamptz, updated_at timestamptz,
        events integer, history_hash bytea, dispatches integer, returns integer, reworks integer,
        reopens integer, extensions integer, suspensions integer, department_id bigint, solved boolean,
        satisfaction text) ON COMMIT DROP;

    n_imported := gridgov.history_import_apply();

    -- Every refusal, with its reason and the staged rows.
    WITH refused AS (
        -- by the checks above (a key staged twice: all its rows)
        SELECT c.county, c.source, c.external_id, pg_catalog.min(c.reason) AS reason,
               pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.-)
                                    ARRAY['nsteps', 'seqs', 'actions', 'ats', 'notes', 'payloads', 'grid', 'workflow',
                                          'final_urgency', 'department_id', 'present', 'point', 'reason']) AS staged_case
        FROM pg_temp.gg_import_check c
        WHERE NOT c.present AND c.reason IS NOT NULL
        GROUP BY c.county, c.source, c.external_id
        UNION ALL
        -- by the walk of the timeline
        SELECT i.county, i.source, i.external_id, x.reason, pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(i))
        FROM (SELECT r.county, r.source, r.external_id, d.reason
              FROM pg_temp.gg_import_done d JOIN pg_temp.gg_import_ready r ON r.case_id = d.case_id
              WHERE d.reason IS NOT NULL) x
        JOIN gridgov.import_cases i ON i.county OPERATOR(gridgov.=) x.county AND i.source::text = x.source
                                   AND i.external_id = x.external_id
        UNION ALL
        -- steps of no staged case
        SELECT st.county, st.source, st.external_id, 'steps without a staged case', NULL
        FROM pg_temp.gg_import_steps st
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.import_cases i
                          WHERE i.county OPERATOR(gridgov.=) st.county AND i.source = st.source
                            AND i.external_id = st.external_id)
          AND NOT EXISTS (SELECT 1 FROM gridgov.cases c
                          WHERE c.county OPERATOR(gridgov.=) st.county AND c.source = st.source
                            AND c.external_id = st.external_id)
    ), their_steps AS (
        SELECT st.county, st.source, st.external_id,
               pg_catalog.jsonb_agg(pg_catalog.to_jsonb(st) ORDER BY st.seq) AS steps
        FROM gridgov.import_steps st
        JOIN refused f ON f.county OPERATOR(gridgov.=) st.county AND f.source = st.source
                      AND f.external_id = st.external_id
        GROUP BY st.county, st.source, st.external_id
    )
    INSERT INTO gridgov.import_rejects AS j (county, source, external_id, reason, staged)
    SELECT f.county, f.source, f.external_id, f.reason,
           pg_catalog.jsonb_build_object('case', CASE WHEN pg_catalog.jsonb_array_length(f.staged_case) = 1
                                                      THEN f.staged_case -> 0 ELSE f.staged_case END,
                                         'steps', COALESCE(s.steps, '[]'::jsonb))
    FROM refused f
    LEFT JOIN their_steps s ON s.county OPERATOR(gridgov.=) f.county AND s.source = f.source
                           AND s.external_id = f.external_id
    ON CONFLICT (county, source, external_id) DO UPDATE
        SET reason = excluded.reason, staged = excluded.staged, rejected_at = excluded.rejected_at;
    GET DIAGNOSTICS n_rejected = ROW_COUNT;
    -- A key imported now is no longer refused.
    DELETE FROM gridgov.import_rejects j USING pg_temp.gg_import_done d JOIN pg_temp.gg_import_ready r USING (case_id)
        WHERE d.reason IS NULL AND j.county OPERATOR(gridgov.=) r.county AND j.source::text = r.source
          AND j.external_id = r.external_id;

    -- As at intake: with gridgov.analytics_sync on, the analytics now; else the job reads the history.
    IF gridgov.analytics_sync() THEN
        PERFORM gridgov.analytics_refresh(ARRAY(SELECT d.case_id FROM pg_temp.gg_import_done d WHERE d.reason IS NULL));
    END IF;
    SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE c.present)
        INTO n_staged, n_skipped FROM pg_temp.gg_import_check c;
    RETURN QUERY SELECT n_staged, n_imported, n_skipped, n_rejected;
END
$$;
COMMENT ON FUNCTION gridgov.import_history(timestamptz) IS
    'Administration: imports the past cases staged in gridgov.import_cases and gridgov.import_steps (docs/history-import.md) as of as_of (no time may lie after it): cases with their chained events, clocks with their met/breached outcome, picked up by the analytics like any other history; a key already imported is skipped, every refused case goes to gridgov.import_rejects with its reason. Returns how many cases were staged, imported, skipped and rejected';
-- ---------------------------------------------------------------------------
-- Time limits: SLA policies, clocks per case and stage, the escalation
-- ladder, escalations, whistle-and-report.
-- ---------------------------------------------------------------------------

CREATE TYPE gridgov.sla_stage AS ENUM ('discover', 'file', 'dispatch', 'sign', 'contact', 'handle', 'supervise',
                                       'review', 'verify', 'callback', 'whole');
COMMENT ON TYPE gridgov.sla_stage IS
    'Stages a time limit applies to: discover (发现: from occurred_at to the report; measured, never a running clock), file (立案), dispatch (派遣), sign (签收), contact (先行联系: the holder contacts the caller), handle (处置), supervise (督办: the holder answers a supervision), review (审核: the command center decides on a return, a request or a joint meeting), verify (核查), callback (回访), whole (from intake to closing)';

CREATE TABLE gridgov.sla_policies (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT ''
                    CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    urgency         gridgov.urgency,
    source          gridgov.case_source,
    stage           gridgov.sla_stage NOT NULL,
    amount          numeric NOT NULL CHECK (amount > 0),
    unit            text NOT NULL CHECK (unit IN ('minutes', 'working_hours', 'working_days', 'calendar_days')),
    calendar_id     integer NOT NULL REFERENCES gridgov.calendars (id),
    warn_ratio      numeric NOT NULL DEFAULT 0.8 CHECK (warn_ratio > 0 AND warn_ratio < 1),
    active          boolean NOT NULL DEFAULT true,
    note            text,
    builtin         boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (category_prefix, urgency, source, stage)
);
COMMENT ON TABLE gridgov.sla_policies IS
    'Time limits as data: for a category prefix (''''= any), urgency and source (NULL = any) and stage, an amount in a unit counted on a calendar; the most specific active policy wins (longest prefix, then a set urgency, then a set source, then the lowest id)';
COMMENT ON COLUMN gridgov.sla_policies.category_prefix IS 'Category code prefix the policy applies to; '''' for every category';
COMMENT ON COLUMN gridgov.sla_policies.urgency IS 'Urgency it applies to; NULL for any';
COMMENT ON COLUMN gridgov.sla_policies.source IS 'Source channel it applies to; NULL for any';
COMMENT ON COLUMN gridgov.sla_policies.stage IS 'Stage whose clock it sets';
COMMENT ON COLUMN gridgov.sla_policies.amount IS 'Time allowed, in unit';
COMMENT ON COLUMN gridgov.sla_policies.unit IS 'minutes (working minutes of the calendar), working_hours, working_days or calendar_days (gridgov.worktime_add)';
COMMENT ON COLUMN gridgov.sla_policies.calendar_id IS 'Calendar the time is counted on (cn: State Council working days; 24x7: every minute)';
COMMENT ON COLUMN gridgov.sla_policies.warn_ratio IS 'Share of the time after which the clock warns (default 0.8)';
COMMENT ON COLUMN gridgov.sla_policies.active IS 'Inactive policies are ignored';
COMMENT ON COLUMN gridgov.sla_policies.note IS 'Source of the limit (city rule, standard)';
COMMENT ON COLUMN gridgov.sla_policies.builtin IS 'Shipped default (re-created by CREATE EXTENSION; dumped only when switched off)';
-- A shipped policy can only be switched off (072): the dump keeps those, and
-- gridgov.shipped_rows_restore() (043) switches the shipped row off on restore.
SELECT pg_catalog.pg_extension_config_dump('gridgov.sla_policies', 'WHERE NOT builtin OR NOT active');
SELECT pg_catalog.pg_extension_config_dump('gridgov.sla_policies_id_seq', '');

-- Clocks: one per case, stage and start (a re-dispatch starts a new sign clock).
CREATE TABLE gridgov.case_clocks (
    county              gridgov.gridcode NOT NULL,
    case_id             bigint NOT NULL,
    stage               gridgov.sla_stage NOT NULL,
    seq                 integer NOT NULL,
    policy_id           bigint,
    calendar_id         integer NOT NULL,
    amount              numeric NOT NULL,
    unit                text NOT NULL,
    started_at          timestamptz NOT NULL,
    due_at              timestamptz NOT NULL,
    warn_at             timestamptz NOT NULL,
    met_at              timestamptz,
    cancelled_at        timestamptz,
    paused_at           timestamptz,
    paused_minutes      numeric NOT NULL DEFAULT 0,
    extended            numeric NOT NULL DEFAULT 0,
    warned_at           timestamptz,
    escalation_level    integer NOT NULL DEFAULT 0,
    next_escalation_at  timestamptz,
    PRIMARY KEY (county, case_id, stage, seq),
    CHECK (met_at IS NULL OR cancelled_at IS NULL)
);
-- The sweep reads only what is due: running, unpaused clocks by their next time.
CREATE INDEX case_clocks_escalation_due ON gridgov.case_clocks (next_escalation_at)
    WHERE met_at IS NULL AND cancelled_at IS NULL AND paused_at IS NULL AND next_escalation_at IS NOT NULL;
CREATE INDEX case_clocks_warning_due ON gridgov.case_clocks (warn_at)
    WHERE met_at IS NULL AND cancelled_at IS NULL AND paused_at IS NULL AND warned_at IS NULL;
-- A case's clocks are found by the primary key's prefix (county, case_id).
COMMENT ON TABLE gridgov.case_clocks IS
    'SLA clocks: one per case, stage and start. Started and stopped by the clock effects of workflow transitions, paused by suspend, moved by resume and extend; a clock past due_at is breached and climbs the escalation ladder, one rung per sweep whose time has come';
COMMENT ON COLUMN gridgov.case_clocks.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_clocks.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_clocks.stage IS 'Stage the clock times';
COMMENT ON COLUMN gridgov.case_clocks.seq IS 'Nth clock of this stage for the case (1 = first)';
COMMENT ON COLUMN gridgov.case_clocks.policy_id IS 'Policy that set the limit';
COMMENT ON COLUMN gridgov.case_clocks.calendar_id IS 'Calendar the limit is counted on';
COMMENT ON COLUMN gridgov.case_clocks.amount IS 'Time allowed (policy amount plus extensions)';
COMMENT ON COLUMN gridgov.case_clocks.unit IS 'Unit of amount';
COMMENT ON COLUMN gridgov.case_clocks.started_at IS 'When the stage began';
COMMENT ON COLUMN gridgov.case_clocks.due_at IS 'Deadline (moved by pauses and extensions)';
COMMENT ON COLUMN gridgov.case_clocks.warn_at IS 'When the clock warns (warn_ratio of the time)';
COMMENT ON COLUMN gridgov.case_clocks.met_at IS 'When the stage ended (on time when met_at <= due_at)';
COMMENT ON COLUMN gridgov.case_clocks.cancelled_at IS 'When the clock stopped without the stage ending (the case was merged or closed)';
COMMENT ON COLUMN gridgov.case_clocks.paused_at IS 'Set while the case is suspended (挂账)';
COMMENT ON COLUMN gridgov.case_clocks.paused_minutes IS 'Working minutes the clock has spent paused';
COMMENT ON COLUMN gridgov.case_clocks.extended IS 'Amount added by approved extensions (延期), in unit';
COMMENT ON COLUMN gridgov.case_clocks.warned_at IS 'When the sweep warned (once)';
COMMENT ON COLUMN gridgov.case_clocks.escalation_level IS 'Highest rung of the escalation ladder reached (0: none)';
COMMENT ON COLUMN gridgov.case_clocks.next_escalation_at IS 'When the next rung is due (due_at for the first); NULL at the top of the ladder or when stopped';
-- Clocks are written only by gridgov's triggers, for cases that exist, with a
-- policy and calendar that exist; no foreign keys on this hot path (see
-- gridgov.reference_guard(), 055): the policies and calendars a clock refers
-- to cannot be deleted, re-keyed or truncated.
SELECT gridgov.guard_references(t) FROM pg_catalog.unnest(ARRAY['sla_policies', 'calendars']) t;
SELECT pg_catalog.pg_extension_config_dump('gridgov.case_clocks', '');

CREATE TABLE gridgov.escalation_ladder (
    level       integer NOT NULL CHECK (level >= 1),
    title       text NOT NULL,
    target      text NOT NULL CHECK (target IN ('holder', 'holder_supervisor', 'town_center', 'district_center', 'discipline')),
    delay       numeric NOT NULL CHECK (delay >= 0),
    delay_unit  text NOT NULL CHECK (delay_unit IN ('minutes', 'working_hours', 'working_days', 'calendar_days')),
    calendar_id integer NOT NULL REFERENCES gridgov.calendars (id),
    builtin     boolean NOT NULL DEFAULT false,
    category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT ''
                CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    urgency     gridgov.urgency,
    supervise   boolean NOT NULL DEFAULT false,
    min_breaches integer NOT NULL DEFAULT 1 CHECK (min_breaches BETWEEN 1 AND 100),
    CONSTRAINT escalation_ladder_key UNIQUE NULLS NOT DISTINCT (category_prefix, urgency, level)
);
COMMENT ON TABLE gridgov.escalation_ladder IS
    'Escalation ladders as data, one per category prefix and urgency (the rungs sharing them): a late clock climbs the ladder of the most specific key matching its case (longest prefix, then a set urgency); rung 1 is due at the breach plus its delay, each further rung its delay after the previous rung was reached; the target says who is told';
COMMENT ON COLUMN gridgov.escalation_ladder.level IS 'Rung number, 1 upwards, within its ladder';
COMMENT ON COLUMN gridgov.escalation_ladder.title IS 'Who is told, e.g. 街镇指挥中心';
COMMENT ON COLUMN gridgov.escalation_ladder.target IS
    'holder (a reminder to the department holding the case, 催办), holder_supervisor (the department above the holder: its parent, else the command center over the case that is not the holder), town_center (the command center of the case''s town, else of its county; never the holder: then the district''s), district_center (of its county), discipline (the county''s discipline inspection and procuratorate departments)';
COMMENT ON COLUMN gridgov.escalation_ladder.delay IS 'Time after the previous rung (after the breach for rung 1)';
COMMENT ON COLUMN gridgov.escalation_ladder.delay_unit IS 'Unit of delay';
COMMENT ON COLUMN gridgov.escalation_ladder.calendar_id IS 'Calendar the delay is counted on';
COMMENT ON COLUMN gridgov.escalation_ladder.builtin IS 'Shipped default (not dumped)';
COMMENT ON COLUMN gridgov.escalation_ladder.category_prefix IS 'Category code prefix of the ladder; '''' for every category';
COMMENT ON COLUMN gridgov.escalation_ladder.urgency IS 'Urgency of the ladder; NULL for any';
COMMENT ON COLUMN gridgov.escalation_ladder.supervise IS
    'Reaching the rung puts the case under supervision (督办 by rule): the sweep takes the workflow''s supervise action, which starts a supervise clock the holder must answer';
COMMENT ON COLUMN gridgov.escalation_ladder.min_breaches IS
    'The rung applies only to a case with at least this many breaches when it falls due (repeated breaches, e.g. 2 for the discipline bodies): clocks of its steps met late or running past due and not paused, the command center''s own (review) and the whole-case clock not counted; a rung that does not apply is passed over';
SELECT pg_catalog.pg_extension_config_dump('gridgov.escalation_ladder', 'WHERE NOT builtin');

CREATE TABLE gridgov.escalations (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    stage           text NOT NULL,
    clock_seq       integer NOT NULL,
    level           integer NOT NULL,
    at              timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    department_ids  bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (county, case_id, stage, clock_seq, level),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
COMMENT ON TABLE gridgov.escalations IS
    'One row per rung a late clock (or a late whistle report-in, stage whistle) climbed: at most once per clock and level';
COMMENT ON COLUMN gridgov.escalations.county IS 'County of the case';
COMMENT ON COLUMN gridgov.escalations.case_id IS 'The case';
COMMENT ON COLUMN gridgov.escalations.stage IS 'Stage of the late clock, or whistle for a missing report-in';
COMMENT ON COLUMN gridgov.escalations.clock_seq IS 'Which clock of the stage (for whistle: the whistle id)';
COMMENT ON COLUMN gridgov.escalations.level IS 'Rung of the ladder (for whistle: 1)';
COMMENT ON COLUMN gridgov.escalations.at IS 'When the sweep escalated (its as_of)';
COMMENT ON COLUMN gridgov.escalations.due_at IS 'The deadline that was missed';
COMMENT ON COLUMN gridgov.escalations.department_ids IS 'Departments told (town or district center, discipline bodies, or the late department)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.escalations', '');

-- Whistle-and-report (吹哨报到).
CREATE TABLE gridgov.whistles (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    at              timestamptz NOT NULL,
    note            text,
    report_within   interval NOT NULL CHECK (report_within > interval '0'),
    called_by       name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (county, case_id, id),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
COMMENT ON TABLE gridgov.whistles IS 'Whistles (吹哨): a town summons departments to report on site for a case within report_within';
COMMENT ON COLUMN gridgov.whistles.county IS 'County of the case';
COMMENT ON COLUMN gridgov.whistles.case_id IS 'The case';
COMMENT ON COLUMN gridgov.whistles.at IS 'When the whistle was blown';
COMMENT ON COLUMN gridgov.whistles.note IS 'What the summoned departments are to do';
COMMENT ON COLUMN gridgov.whistles.report_within IS 'Time allowed to report on site (30 minutes in the origin case)';
COMMENT ON COLUMN gridgov.whistles.called_by IS 'Database role that blew the whistle';
SELECT pg_catalog.pg_extension_config_dump('gridgov.whistles', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.whistles_id_seq', '');

CREATE TABLE gridgov.whistle_calls (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    whistle_id      bigint NOT NULL,
    department_id   bigint NOT NULL REFERENCES gridgov.departments (id),
    due_at          timestamptz NOT NULL,
    reported_at     timestamptz,
    escalated_at    timestamptz,
    PRIMARY KEY (county, case_id, whistle_id, department_id),
    FOREIGN KEY (county, case_id, whistle_id) REFERENCES gridgov.whistles (county, case_id, id)
);
CREATE INDEX whistle_calls_due ON gridgov.whistle_calls (due_at)
    WHERE reported_at IS NULL AND escalated_at IS NULL;
COMMENT ON TABLE gridgov.whistle_calls IS 'Departments summoned by a whistle (报到): due by due_at, reported_at when they reported in, escalated_at when the sweep escalated a missing report-in';
COMMENT ON COLUMN gridgov.whistle_calls.county IS 'County of the case';
COMMENT ON COLUMN gridgov.whistle_calls.case_id IS 'The case';
COMMENT ON COLUMN gridgov.whistle_calls.whistle_id IS 'The whistle';
COMMENT ON COLUMN gridgov.whistle_calls.department_id IS 'Summoned department';
COMMENT ON COLUMN gridgov.whistle_calls.due_at IS 'Report-in deadline';
COMMENT ON COLUMN gridgov.whistle_calls.reported_at IS 'When the department reported in (on time when <= due_at)';
COMMENT ON COLUMN gridgov.whistle_calls.escalated_at IS 'When the sweep escalated the missing report-in';
SELECT pg_catalog.pg_extension_config_dump('gridgov.whistle_calls', '');

-- Requests of the holder, decided by the command center (申请延期 / 申请挂账).
CREATE TABLE gridgov.case_requests (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('extension', 'suspension')),
    stage           gridgov.sla_stage,
    amount          numeric CHECK (amount > 0 AND amount <= 100000),
    unit            text CHECK (unit IN ('minutes', 'working_hours', 'working_days', 'calendar_days')),
    reason          text NOT NULL,
    requested_at    timestamptz NOT NULL,
    requested_by    name NOT NULL,
    decided_seq     integer,
    decided_at      timestamptz,
    decision        text CHECK (decision IN ('approved', 'refused', 'cancelled')),
    decided_by      name,
    granted_amount  numeric CHECK (granted_amount > 0),
    PRIMARY KEY (county, case_id, seq),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id),
    CHECK ((kind = 'extension') = (stage IS NOT NULL AND amount IS NOT NULL AND unit IS NOT NULL)),
    CHECK ((decided_at IS NULL) = (decision IS NULL) AND (decided_at IS NULL) = (decided_seq IS NULL)),
    CHECK (granted_amount IS NULL OR (decision = 'approved' AND granted_amount <= amount))
);
-- At most one request of a case waits for a decision.
CREATE UNIQUE INDEX case_requests_open ON gridgov.case_requests (county, case_id) WHERE decided_at IS NULL;
COMMENT ON TABLE gridgov.case_requests IS
    'Requests of a case''s holder for more time (extension, 申请延期) or a suspension (挂账), with the reason, and the command center''s decision: only an approved request moves a deadline or pauses the clocks. Written by the actions request_extension, request_suspension, approve_* and refuse_* (one open request per case)';
COMMENT ON COLUMN gridgov.case_requests.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_requests.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_requests.seq IS 'The history event that filed the request';
COMMENT ON COLUMN gridgov.case_requests.kind IS 'extension or suspension';
COMMENT ON COLUMN gridgov.case_requests.stage IS 'Extension: the stage whose deadline is to move';
COMMENT ON COLUMN gridgov.case_requests.amount IS 'Extension: the time asked for, in unit';
COMMENT ON COLUMN gridgov.case_requests.unit IS 'Extension: unit of amount (the clock''s unit unless the request named one)';
COMMENT ON COLUMN gridgov.case_requests.reason IS 'Why the holder asks (the note of the request)';
COMMENT ON COLUMN gridgov.case_requests.requested_at IS 'When it was filed';
COMMENT ON COLUMN gridgov.case_requests.requested_by IS 'Database role that filed it';
COMMENT ON COLUMN gridgov.case_requests.decided_seq IS 'The history event of the decision';
COMMENT ON COLUMN gridgov.case_requests.decided_at IS 'When the command center decided (NULL: open)';
COMMENT ON COLUMN gridgov.case_requests.decision IS 'approved or refused by the command center, or cancelled: the case closed or was merged while the request was open';
COMMENT ON COLUMN gridgov.case_requests.decided_by IS 'Database role that decided';
COMMENT ON COLUMN gridgov.case_requests.granted_amount IS 'Extension approved: the time granted (at most the amount asked)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.case_requests', '');

-- Joint meetings on difficult cases (疑难案件会商).
CREATE TABLE gridgov.case_meetings (
    county              gridgov.gridcode NOT NULL,
    case_id             bigint NOT NULL,
    seq                 integer NOT NULL,
    convened_at         timestamptz NOT NULL,
    convened_by         name NOT NULL,
    departments         bigint[] NOT NULL CHECK (pg_catalog.cardinality(departments) BETWEEN 1 AND 100
                                             AND pg_catalog.array_position(departments, NULL) IS NULL),
    decided_seq         integer,
    decided_at          timestamptz,
    decided_by          name,
    decision            text,
    lead_department_id  bigint,
    PRIMARY KEY (county, case_id, seq),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id),
    CHECK ((decided_at IS NULL) = (decided_seq IS NULL) AND (decision IS NULL) = (lead_department_id IS NULL)
           AND (decision IS NULL OR decided_at IS NOT NULL))
);
CREATE UNIQUE INDEX case_meetings_open ON gridgov.case_meetings (county, case_id) WHERE decided_at IS NULL;
COMMENT ON TABLE gridgov.case_meetings IS
    'Joint meetings (会商) the command center convenes on a difficult case (疑难案件): the departments convened, then the decision and the lead department the case is dispatched to. Written by the actions refer_meeting and decide';
COMMENT ON COLUMN gridgov.case_meetings.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_meetings.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_meetings.seq IS 'The history event that convened the meeting';
COMMENT ON COLUMN gridgov.case_meetings.convened_at IS 'When it was convened';
COMMENT ON COLUMN gridgov.case_meetings.convened_by IS 'Database role that convened it';
COMMENT ON COLUMN gridgov.case_meetings.departments IS 'Departments convened';
COMMENT ON COLUMN gridgov.case_meetings.decided_seq IS 'The history event of the decision';
COMMENT ON COLUMN gridgov.case_meetings.decided_at IS 'When the meeting decided (NULL: still open); with no decision: cancelled, the case closed or was merged first';
COMMENT ON COLUMN gridgov.case_meetings.decided_by IS 'Database role that recorded the decision';
COMMENT ON COLUMN gridgov.case_meetings.decision IS 'What the meeting decided (NULL when cancelled)';
COMMENT ON COLUMN gridgov.case_meetings.lead_department_id IS 'The lead department (牵头单位), one of those convened: the case is dispatched to it';
SELECT pg_catalog.pg_extension_config_dump('gridgov.case_meetings', '');
-- ---------------------------------------------------------------------------
-- Time limits: shipped policies and ladder, clocks started and stopped by
-- the workflow, suspend/resume/extend, the escalation sweep, whistles.
-- ---------------------------------------------------------------------------

-- Shipped escalation ladders: reminders to the holder (催办), then the
-- department above it, then the command centers, the district's rung
-- supervising the case (督办); the discipline bodies (纪委监委) are on no
-- shipped ladder: a district adds them for what it decides (e.g. repeated
-- breaches, min_breaches 2, as Pidu pushes overdue cases to the discipline
-- commission and procuratorate; docs/sla.md).  Hotline tickets go to the town
-- with the district supervising in parallel (domain.md); emergencies, of the
-- hotline too, climb in minutes.
INSERT INTO gridgov.escalation_ladder (category_prefix, urgency, level, title, target, supervise, delay, delay_unit, calendar_id, builtin)
SELECT v.prefix, v.urgency::gridgov.urgency, v.level, v.title, v.target, v.supervise, v.delay, v.unit, c.id, true
FROM (VALUES ('', NULL, 1, '承办单位催办 (reminder to the holder)', 'holder', false, 0, 'minutes', '24x7'),
             ('', NULL, 2, '主管部门 (the holder''s supervising department)', 'holder_supervisor', false, 4, 'working_hours', 'cn'),
             ('', NULL, 3, '街镇指挥中心 (town command center)', 'town_center', false, 1, 'working_days', 'cn'),
             ('', NULL, 4, '区指挥中心督办 (district command center supervises)', 'district_center', true, 1, 'working_days', 'cn'),
             ('', 'emergency', 1, '承办单位催办 (reminder to the holder)', 'holder', false, 0, 'minutes', '24x7'),
             ('', 'emergency', 2, '街镇指挥中心 (town command center)', 'town_center', false, 30, 'minutes', '24x7'),
             ('', 'emergency', 3, '区指挥中心督办 (district command center supervises)', 'district_center', true, 60, 'minutes', '24x7'),
             ('H', NULL, 1, '承办单位催办 (reminder to the holder)', 'holder', false, 0, 'minutes', '24x7'),
             ('H', NULL, 2, '主管部门 (the holder''s supervising department)', 'holder_supervisor', false, 4, 'working_hours', 'cn'),
             ('H', NULL, 3, '区12345中心督办 (the district hotline center supervises)', 'district_center', true, 1, 'working_days', 'cn'),
             ('H', 'emergency', 1, '承办单位催办 (reminder to the holder)', 'holder', false, 0, 'minutes', '24x7'),
             ('H', 'emergency', 2, '街镇指挥中心 (town command center)', 'town_center', false, 30, 'minutes', '24x7'),
             ('H', 'emergency', 3, '区12345中心督办 (the district hotline center supervises)', 'district_center', true, 60, 'minutes', '24x7')
     ) v(prefix, urgency, level, title, target, supervise, delay, unit, calendar)
JOIN gridgov.calendars c ON c.name = v.calendar;

-- Shipped time limits (domain.md: Yizhuang, Taiyuan, hotline practice,
-- per-category limits in working hours).  Cities replace them.
INSERT INTO gridgov.sla_policies (category_prefix, urgency, source, stage, amount, unit, calendar_id, note, builtin)
SELECT v.prefix, v.urgency::gridgov.urgency, NULL, v.stage::gridgov.sla_stage, v.amount, v.unit, c.id, v.note, true
FROM (VALUES
    -- grid events and components: file + dispatch 30 min (urgent 10, emergency 10)
    ('E', NULL,        'file',     20, 'minutes',       '24x7', 'file + dispatch 30 min (Yizhuang, Taiyuan)'),
    ('E', 'urgent',    'file',      5, 'minutes',       '24x7', 'file + dispatch 10 min for urgent cases (Taiyuan)'),
    ('E', 'emergency', 'file',      5, 'minutes',       '24x7', 'file + dispatch 10 min for emergencies'),
    ('E', NULL,        'dispatch', 10, 'minutes',       '24x7', 'file + dispatch 30 min (Yizhuang, Taiyuan)'),
    ('E', 'urgent',    'dispatch',  5, 'minutes',       '24x7', 'file + dispatch 10 min for urgent cases (Taiyuan)'),
    ('E', 'emergency', 'dispatch',  5, 'minutes',       '24x7', 'file + dispatch 10 min for emergencies'),
    ('E', NULL,        'sign',     60, 'minutes',       '24x7', 'assignee signs within 1 h'),
    ('E', 'emergency', 'sign',     15, 'minutes',       '24x7', 'emergencies signed within 15 min'),
    ('E', NULL,        'handle',    1, 'working_days',  'cn',   'default for events'),
    ('E0101', NULL,    'handle',    4, 'working_hours', 'cn',   'illegal structure: stop within 4 working hours'),
    ('E0102', NULL,    'handle',    4, 'working_hours', 'cn',   'exposed rubbish: 4 working hours'),
    ('E0104', NULL,    'handle',    2, 'working_hours', 'cn',   'dirty road: 2 working hours'),
    ('E04', NULL,      'handle',  180, 'minutes',       '24x7', 'emergencies: 3 h to finish (Yizhuang)'),
    ('E', NULL,        'verify',   60, 'minutes',       '24x7', 'verify 1 h in the city (Taiyuan; rural areas 2 h)'),
    ('E', NULL,        'callback',  1, 'working_days',  'cn',   'callback within 1 working day'),
    ('C', NULL,        'file',     20, 'minutes',       '24x7', 'file + dispatch 30 min'),
    ('C', NULL,        'dispatch', 10, 'minutes',       '24x7', 'file + dispatch 30 min'),
    ('C', NULL,        'sign',     60, 'minutes',       '24x7', 'assignee signs within 1 h'),
    ('C', NULL,        'handle',    3, 'working_days',  'cn',   'default for components'),
    ('C', NULL,        'verify',   60, 'minutes',       '24x7', 'verify 1 h'),
    -- 12345 hotline
    ('H', NULL,        'dispatch', 30, 'minutes',       '24x7', 'route within 30 min'),
    ('H', 'urgent',    'dispatch', 10, 'minutes',       '24x7', 'urgent tickets routed within 10 min'),
    ('H', NULL,        'sign',   1440, 'minutes',       '24x7', 'sign within 24 h (hotline practice)'),
    ('H', 'urgent',    'sign',    120, 'minutes',       '24x7', 'urgent tickets signed within 2 h'),
    ('H', NULL,        'handle',    7, 'calendar_days', 'cn',   'feedback within 7 days for general issues'),
    ('H', NULL,        'callback',  1, 'working_days',  'cn',   'contact the caller within 1 working day (Shanghai streets)'),
    ('H', NULL,        'whole',    15, 'working_days',  'cn',   'closed within 15 working days'),
    -- disputes
    ('D', NULL,        'sign',      1, 'working_days',  'cn',   'mediation starts within 1 working day'),
    ('D', NULL,        'handle',   30, 'calendar_days', 'cn',   'mediation within 30 days'),
    ('D', NULL,        'callback',  5, 'working_days',  'cn',   'follow-up within 5 working days'),
    ('D', NULL,        'whole',    45, 'calendar_days', 'cn',   'closed within 45 days')
) v(prefix, urgency, stage, amount, unit, calendar, note)
JOIN gridgov.calendars c ON c.name = v.calendar;

-- Time limits of the steps of 1.3.0 (first contact, supervision, the command
-- center's decisions, discovery, hotline emergencies), after the earlier ones.
INSERT INTO gridgov.sla_policies (category_prefix, urgency, source, stage, amount, unit, calendar_id, note, builtin)
SELECT v.prefix, v.urgency::gridgov.urgency, NULL, v.stage::gridgov.sla_stage, v.amount, v.unit, c.id, v.note, true
FROM (VALUES
    ('E', NULL,        'discover',  30, 'minutes',       '24x7', 'found and reported within 30 min (Yizhuang: 30 min to discover)'),
    ('C', NULL,        'discover',  30, 'minutes',       '24x7', 'found and reported within 30 min (Yizhuang: 30 min to discover)'),
    ('H', NULL,        'contact',    2, 'working_hours', 'cn',   'first contact with the caller within 2 working hours of signing (先行联系)'),
    ('H', 'urgent',    'contact',    1, 'working_hours', 'cn',   'urgent tickets: first contact within 1 working hour'),
    ('H', 'emergency', 'dispatch',   5, 'minutes',       '24x7', 'emergency tickets routed within 5 min'),
    ('H', 'emergency', 'sign',      15, 'minutes',       '24x7', 'emergency tickets signed within 15 min'),
    ('H', 'emergency', 'contact',   30, 'minutes',       '24x7', 'emergency tickets: the caller contacted within 30 min'),
    ('H', 'emergency', 'handle',    24, 'working_hours', '24x7', 'emergency tickets handled within 24 h'),
    ('',  NULL,        'supervise',  1, 'working_days',  'cn',   'the holder answers a supervision (督办) within 1 working day'),
    ('',  'emergency', 'supervise', 60, 'minutes',       '24x7', 'emergencies: a supervision answered within 1 h'),
    ('',  NULL,        'review',     2, 'working_hours', 'cn',   'the command center decides a return, request or joint meeting within 2 working hours'),
    ('',  'emergency', 'review',    30, 'minutes',       '24x7', 'emergencies: decided within 30 min')
) v(prefix, urgency, stage, amount, unit, calendar, note)
JOIN gridgov.calendars c ON c.name = v.calendar;

-- Shipped rows are restored by CREATE EXTENSION; keep them from being changed
-- or removed (a dump would not keep the change); deactivate or override them.
CREATE FUNCTION gridgov.sla_builtin_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    tbl text;  -- the table (under Citus, TG_TABLE_NAME is a shard's name)
BEGIN
    tbl := gridgov.trigger_check('sla_builtin_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'DELETE' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG250',
                MESSAGE = pg_catalog.format('%s row shipped with gridgov cannot be deleted', tbl),
                HINT = 'Add a more specific row instead (policies: set active = false to switch one off).';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.builtin AND pg_catalog.to_jsonb(NEW) - 'active' IS DISTINCT FROM pg_catalog.to_jsonb(OLD) - 'active' THEN
        RAISE EXCEPTION USING ERRCODE = 'GG250',
            MESSAGE = pg_catalog.format('%s row shipped with gridgov cannot be changed', tbl),
            HINT = 'Add a more specific row instead (policies: set active = false to switch one off).';
    END IF;
    NEW.builtin := OLD.builtin;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.sla_builtin_guard() IS
    'Trigger: shipped SLA policies and ladder rungs cannot be changed or deleted (GG250), only switched off (policies: active)';
CREATE TRIGGER sla_policies_guard BEFORE UPDATE OR DELETE ON gridgov.sla_policies
    FOR EACH ROW EXECUTE FUNCTION gridgov.sla_builtin_guard();
CREATE TRIGGER escalation_ladder_guard BEFORE UPDATE OR DELETE ON gridgov.escalation_ladder
    FOR EACH ROW EXECUTE FUNCTION gridgov.sla_builtin_guard();
-- The restore of a shipped policy that was switched off (043, docs/backup.md).
CREATE TRIGGER sla_policies_shipped BEFORE INSERT ON gridgov.sla_policies
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.sla_policies ENABLE ALWAYS TRIGGER sla_policies_shipped;

-- Policy selection -----------------------------------------------------------

-- PL/pgSQL, not a SQL function the planner would inline into the engine's
-- query: Citus refuses an inlined SQL function that reads its tables.  The
-- engine memoises the answers per backend (below).
CREATE FUNCTION gridgov.sla_policy(category text, urgency gridgov.urgency, source gridgov.case_source,
                                   stage gridgov.sla_stage)
    RETURNS SETOF gridgov.sla_policies
    LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1
    SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT p.* FROM gridgov.sla_policies p
    WHERE p.active AND p.stage = sla_policy.stage
      AND pg_catalog.starts_with(sla_policy.category, p.category_prefix)
      AND (p.urgency IS NULL OR p.urgency = sla_policy.urgency)
      AND (p.source IS NULL OR p.source = sla_policy.source)
    ORDER BY pg_catalog.length(p.category_prefix) DESC, p.urgency IS NULL, p.source IS NULL, p.id
    LIMIT 1;
END
$$;
COMMENT ON FUNCTION gridgov.sla_policy(text, gridgov.urgency, gridgov.case_source, gridgov.sla_stage) IS
    'The policy that sets a stage''s limit for a case: the active one with the longest matching category prefix, then a set urgency, then a set source, then the lowest id; no row when none applies (no clock). PL/pgSQL, not inlined: the engine memoises its answers per backend, and under Citus a SQL function inlined into a query with parameters cannot be planned';

-- Clocks -----------------------------------------------------------------------
--
-- Clocks are started, stopped, paused, moved and cancelled by the case engine
-- (src/cases/engine.c), at intake and with every workflow action.

-- The engine takes the policy gridgov.sla_policy() picks, memoised per
-- backend; a change of the policies drops the memo in every session
-- (095_caches.sql).

-- Shift a paused clock's times by the working time the pause lasted.
CREATE FUNCTION gridgov.sla_shift(cal text, unit text, t timestamptz, paused_from timestamptz,
                                  paused_to timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE
        WHEN t IS NULL THEN NULL
        WHEN unit = 'calendar_days' THEN t + (paused_to - paused_from)
        ELSE gridgov.worktime_add(cal, t, gridgov.worktime_between(cal, paused_from, paused_to, 'minutes'), 'minutes')
    END;
COMMENT ON FUNCTION gridgov.sla_shift(text, text, timestamptz, timestamptz, timestamptz) IS
    'Internal: a clock time moved later by the time a pause lasted — wall-clock time for calendar_days limits, the calendar''s working time otherwise';
-- ---------------------------------------------------------------------------
-- The escalation sweep, whistle-and-report, and scheduling.
-- ---------------------------------------------------------------------------

-- Departments told at a rung of the ladder for a case held by holder.  A
-- rung above the holder never tells the holder itself: a town center that
-- holds a case is told nothing "as its supervisor"; the district's is.
CREATE FUNCTION gridgov.escalation_targets(target text, county gridgov.gridcode, grid gridgov.gridcode,
                                           holder bigint)
    RETURNS bigint[]
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    town bigint := CASE WHEN grid IS NOT NULL THEN gridgov.command_center(gridgov.ancestor(grid, 4), 'town') END;
    district bigint := gridgov.command_center(county, 'district');
    above bigint;
BEGIN
    IF target = 'holder' THEN
        RETURN pg_catalog.array_remove(ARRAY[holder], NULL);
    ELSIF target = 'holder_supervisor' THEN
        above := (SELECT d.parent_id FROM gridgov.departments d WHERE d.id = holder AND d.active);
        IF above IS NOT NULL AND above IS DISTINCT FROM holder
           AND EXISTS (SELECT 1 FROM gridgov.departments d WHERE d.id = above AND d.active) THEN
            RETURN ARRAY[above];
        END IF;
        target := 'town_center';
    END IF;
    IF target = 'town_center' AND town IS NOT NULL AND town IS DISTINCT FROM holder THEN
        RETURN ARRAY[town];
    ELSIF target IN ('town_center', 'district_center') THEN
        RETURN pg_catalog.array_remove(ARRAY[NULLIF(district, holder)], NULL);
    END IF;
    RETURN ARRAY(SELECT d.id FROM gridgov.departments d
                 WHERE d.kind = 'discipline' AND d.active AND d.jurisdiction OPERATOR(gridgov.@>) county
                 ORDER BY d.id);
END
$$;
COMMENT ON FUNCTION gridgov.escalation_targets(text, gridgov.gridcode, gridgov.gridcode, bigint) IS
    'Departments a ladder rung tells about a case of county and grid held by department holder: holder (the holder itself, a reminder), holder_supervisor (the holder''s active parent department, else as town_center), town_center (the command center of the case''s town, else of its county), district_center (of its county), discipline (every active discipline department whose jurisdiction holds the county); a command center is never told as the supervisor of a case it holds itself (town_center then tells the district''s, district_center nobody)';

-- The rung of a case's ladder at or above level that applies to it.
CREATE FUNCTION gridgov.escalation_rung(category text, urgency gridgov.urgency, level integer, breaches integer)
    RETURNS SETOF gridgov.escalation_ladder
    LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1 SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    key record;
BEGIN
    SELECT l.category_prefix, l.urgency INTO key FROM gridgov.escalation_ladder l
    WHERE pg_catalog.starts_with(escalation_rung.category, l.category_prefix)
      AND (l.urgency IS NULL OR l.urgency = escalation_rung.urgency)
    ORDER BY pg_catalog.length(l.category_prefix) DESC, l.urgency IS NULL
    LIMIT 1;
    RETURN QUERY
    SELECT l.* FROM gridgov.escalation_ladder l
    WHERE l.category_prefix = key.category_prefix AND l.urgency IS NOT DISTINCT FROM key.urgency
      AND l.level >= escalation_rung.level AND l.min_breaches <= escalation_rung.breaches
    ORDER BY l.level
    LIMIT 1;
END
$$;
COMMENT ON FUNCTION gridgov.escalation_rung(text, gridgov.urgency, integer, integer) IS
    'The next rung for a case of category and urgency, from level up, on the ladder of the most specific key (the longest category prefix matching, then a set urgency over NULL): the lowest rung at or above level whose min_breaches the case''s breaches reach (rungs that do not apply are passed over); no row at the top of the ladder';

-- The sweep ------------------------------------------------------------------
--
-- Locks are taken in one order everywhere: the case row first, then its
-- clocks (or whistle summonses).  act() and every UPDATE of a case take the
-- case row and then, through the clock-effects trigger, its clocks; the sweep
-- takes the case row with SKIP LOCKED, so a case another transaction holds is
-- left for the next run instead of waited for, and then re-reads the case and
-- its clocks under that lock (what it acts on is never older than the lock).
-- The sweep itself never waits for a row another transaction holds, so it
-- cannot be part of a deadlock.  The escalations key (one row per clock and
-- rung) keeps every rung to once, whatever runs at the same time.

CREATE FUNCTION gridgov.sla_due_cases(as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT d.county, d.case_id
    FROM (SELECT x.county, x.case_id FROM gridgov.case_clocks x
          WHERE x.next_escalation_at <= sla_due_cases.as_of
            AND x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL
            AND x.next_escalation_at IS NOT NULL
          UNION
          SELECT x.county, x.case_id FROM gridgov.case_clocks x
          WHERE x.warn_at <= sla_due_cases.as_of AND x.warned_at IS NULL
            AND x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL
          UNION
          SELECT w.county, w.case_id FROM gridgov.whistle_calls w
          WHERE w.due_at <= sla_due_cases.as_of AND w.escalated_at IS NULL
            AND (w.reported_at IS NULL OR w.reported_at > w.due_at)) d
    ORDER BY d.county, d.case_id;
END
$$;
COMMENT ON FUNCTION gridgov.sla_due_cases(timestamptz) IS
    'Internal: the cases with something due at as_of (a clock to warn or escalate, a late whistle report-in), in key order; read from the partial indexes on due clocks';
REVOKE EXECUTE ON FUNCTION gridgov.sla_due_cases(timestamptz) FROM PUBLIC;

-- The three passes over one locked case.  Each returns its number of actions.
CREATE FUNCTION gridgov.sla_sweep_warnings(county gridgov.gridcode, case_id bigint, case_no text, as_of timestamptz)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k record;
    n integer := 0;
BEGIN
    FOR k IN
        SELECT x.stage, x.seq, x.due_at FROM gridgov.case_clocks x
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_warnings.county AND x.case_id = sla_sweep_warnings.case_id
          AND x.warn_at <= as_of AND x.warned_at IS NULL
          AND x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL
        ORDER BY x.stage, x.seq
        FOR UPDATE SKIP LOCKED
    LOOP
        UPDATE gridgov.case_clocks x SET warned_at = as_of
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_warnings.county AND x.case_id = sla_sweep_warnings.case_id
          AND x.stage = k.stage AND x.seq = k.seq;
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'warning', 'case_id', case_id, 'case_no', case_no, 'county', county::text,
            'stage', k.stage, 'due_at', k.due_at, 'at', as_of)::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_warnings(gridgov.gridcode, bigint, text, timestamptz) IS
    'Internal (gridgov.sla_sweep_case, under the case''s lock): warns each running, unpaused clock of the case past its warn_at, once; returns the number of warnings';
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_warnings(gridgov.gridcode, bigint, text, timestamptz) FROM PUBLIC;

CREATE FUNCTION gridgov.sla_sweep_escalations(county gridgov.gridcode, case_id bigint, c gridgov.cases,
                                              as_of timestamptz, at timestamptz)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k record;
    rung gridgov.escalation_ladder;
    following gridgov.escalation_ladder;
    targets bigint[];
    breaches integer;
    next_at timestamptz;
    inserted integer;
    n integer := 0;
BEGIN
    FOR k IN
        SELECT x.stage, x.seq, x.due_at, x.escalation_level FROM gridgov.case_clocks x
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_escalations.county AND x.case_id = sla_sweep_escalations.case_id
          AND x.next_escalation_at <= as_of
          AND x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL
        ORDER BY x.stage, x.seq
        FOR UPDATE SKIP LOCKED
    LOOP
        -- The case's breaches (repeated breaches reach further rungs): its
        -- clocks of the steps someone must take, met late or running past
        -- due and not paused; not the command center's own decisions
        -- (review), nor the whole-case clock, which every late step drags
        -- along.
        SELECT pg_catalog.count(*) INTO breaches FROM gridgov.case_clocks x
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_escalations.county AND x.case_id = sla_sweep_escalations.case_id
          AND x.stage NOT IN ('review', 'whole')
          AND (x.met_at > x.due_at
               OR (x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL AND x.due_at <= as_of));
        SELECT * INTO rung FROM gridgov.escalation_rung(c.category, c.urgency, k.escalation_level + 1, breaches);
        -- Rung 1 is due at the breach plus its delay (the clock is looked at from its breach on).
        IF FOUND AND k.escalation_level = 0 AND rung.delay > 0 THEN
            next_at := gridgov.worktime_add((SELECT cal.name FROM gridgov.calendars cal WHERE cal.id = rung.calendar_id),
                                            k.due_at, rung.delay, rung.delay_unit);
            IF next_at > as_of THEN
                UPDATE gridgov.case_clocks x SET next_escalation_at = next_at
                WHERE x.county OPERATOR(gridgov.=) sla_sweep_escalations.county
                  AND x.case_id = sla_sweep_escalations.case_id AND x.stage = k.stage AND x.seq = k.seq;
                CONTINUE;
            END IF;
        END IF;
        IF NOT FOUND THEN
            UPDATE gridgov.case_clocks x SET next_escalation_at = NULL
            WHERE x.county OPERATOR(gridgov.=) sla_sweep_escalations.county AND x.case_id = sla_sweep_escalations.case_id
              AND x.stage = k.stage AND x.seq = k.seq;
            CONTINUE;
        END IF;
        targets := gridgov.escalation_targets(rung.target, county, c.grid, c.department_id);
        INSERT INTO gridgov.escalations (county, case_id, stage, clock_seq, level, at, due_at, department_ids)
        VALUES (county, case_id, k.stage::text, k.seq, rung.level, as_of, k.due_at, targets)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        IF inserted = 0 THEN
            CONTINUE;
        END IF;
        -- The next rung's time; whether it applies (min_breaches) is decided when it falls due.
        SELECT * INTO following FROM gridgov.escalation_rung(c.category, c.urgency, rung.level + 1, 100);
        next_at := CASE WHEN following.level IS NOT NULL THEN
            gridgov.worktime_add((SELECT cal.name FROM gridgov.calendars cal WHERE cal.id = following.calendar_id),
                                 as_of, following.delay, following.delay_unit) END;
        UPDATE gridgov.case_clocks x SET escalation_level = rung.level, next_escalation_at = next_at
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_escalations.county AND x.case_id = sla_sweep_escalations.case_id
          AND x.stage = k.stage AND x.seq = k.seq;
        PERFORM gridgov.case_system_update(county, case_id, 'escalate',
            pg_catalog.jsonb_build_object('stage', k.stage, 'clock_seq', k.seq, 'level', rung.level,
                                          'target', rung.target, 'due_at', k.due_at, 'department_ids', targets), at);
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'escalation', 'case_id', case_id, 'case_no', c.case_no, 'county', county::text,
            'stage', k.stage, 'level', rung.level, 'title', rung.title, 'due_at', k.due_at,
            'department_ids', targets, 'at', as_of)::text);
        IF rung.supervise THEN
            PERFORM gridgov.sla_supervise_by_rule(county, case_id, k.stage, rung, at);
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_escalations(gridgov.gridcode, bigint, gridgov.cases, timestamptz, timestamptz) IS
    'Internal (gridgov.sla_sweep_case, under the case''s lock, the case as read there): moves each running, unpaused clock of the case whose next rung is due at as_of one rung up its ladder (gridgov.escalation_rung: the case''s category and urgency, its breached clocks for min_breaches), recording an escalations row at as_of and an escalate event at time at, and supervises the case at a supervise rung; returns the number of escalations';
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_escalations(gridgov.gridcode, bigint, gridgov.cases, timestamptz, timestamptz) FROM PUBLIC;

-- Supervision by rule (督办): the workflow's supervise action, taken by the
-- sweep, unless a supervision of the case is still unanswered or the workflow
-- has no supervise action in the case's state.
CREATE FUNCTION gridgov.sla_supervise_by_rule(county gridgov.gridcode, case_id bigint, stage gridgov.sla_stage,
                                              rung gridgov.escalation_ladder, at timestamptz)
    RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    tolerance text;
BEGIN
    -- Not twice while a supervision is unanswered, nor while the case awaits
    -- the command center's own decision (a running review clock: a return
    -- under review, a request, a joint meeting).
    IF EXISTS (SELECT 1 FROM gridgov.case_clocks x
               WHERE x.county OPERATOR(gridgov.=) sla_supervise_by_rule.county AND x.case_id = sla_supervise_by_rule.case_id
                 AND x.stage IN ('supervise', 'review') AND x.met_at IS NULL AND x.cancelled_at IS NULL)
       OR NOT EXISTS (SELECT 1 FROM gridgov.cases c JOIN gridgov.transitions t
                          ON t.workflow = c.workflow AND t.action = 'supervise' AND t.from_state IN (c.state, '*')
                      JOIN gridgov.workflow_states s ON s.workflow = c.workflow AND s.state = c.state AND NOT s.terminal
                      WHERE c.county OPERATOR(gridgov.=) sla_supervise_by_rule.county AND c.id = sla_supervise_by_rule.case_id) THEN
        RETURN false;
    END IF;
    -- The sweep acts as of any time it is given (its escalate events are
    -- system actions); its supervision may lie as far ahead (at most the
    -- tolerance's maximum, 7 days), for this action only.
    tolerance := pg_catalog.current_setting('gridgov.future_tolerance');
    PERFORM pg_catalog.set_config('gridgov.future_tolerance', '604800', true);
    PERFORM gridgov.act(case_id, 'supervise', rung.title,
                        pg_catalog.jsonb_build_object('rule', pg_catalog.jsonb_build_object(
                            'category_prefix', rung.category_prefix, 'urgency', rung.urgency, 'level', rung.level),
                            'stage', stage), at);
    PERFORM pg_catalog.set_config('gridgov.future_tolerance', tolerance, true);
    RETURN true;
END
$$;
COMMENT ON FUNCTION gridgov.sla_supervise_by_rule(gridgov.gridcode, bigint, gridgov.sla_stage, gridgov.escalation_ladder, timestamptz) IS
    'Internal (the sweep, at a ladder rung that supervises): takes the workflow''s supervise action on the case at time at (督办 by rule, payload naming the rung and the late stage), unless a supervise clock of the case is still running, the case awaits the command center''s decision (a running review clock) or its state allows no supervise action; returns whether it supervised';
REVOKE EXECUTE ON FUNCTION gridgov.sla_supervise_by_rule(gridgov.gridcode, bigint, gridgov.sla_stage, gridgov.escalation_ladder, timestamptz) FROM PUBLIC;

CREATE FUNCTION gridgov.sla_sweep_whistles(county gridgov.gridcode, case_id bigint, case_no text,
                                           as_of timestamptz, at timestamptz)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k record;
    changed integer;
    n integer := 0;
BEGIN
    FOR k IN
        SELECT w.whistle_id, pg_catalog.min(w.due_at) AS due_at,
               pg_catalog.array_agg(w.department_id ORDER BY w.department_id) AS departments
        FROM (SELECT y.whistle_id, y.department_id, y.due_at FROM gridgov.whistle_calls y
              WHERE y.county OPERATOR(gridgov.=) sla_sweep_whistles.county AND y.case_id = sla_sweep_whistles.case_id
                AND y.due_at <= as_of AND y.escalated_at IS NULL
                AND (y.reported_at IS NULL OR y.reported_at > y.due_at)
              FOR UPDATE SKIP LOCKED) w
        GROUP BY w.whistle_id
        ORDER BY w.whistle_id
    LOOP
        UPDATE gridgov.whistle_calls w SET escalated_at = as_of
        WHERE w.county OPERATOR(gridgov.=) sla_sweep_whistles.county AND w.case_id = sla_sweep_whistles.case_id
          AND w.whistle_id = k.whistle_id AND w.department_id = ANY (k.departments) AND w.escalated_at IS NULL;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed = 0 THEN
            CONTINUE;
        END IF;
        INSERT INTO gridgov.escalations (county, case_id, stage, clock_seq, level, at, due_at, department_ids)
        VALUES (county, case_id, 'whistle', k.whistle_id, 1, as_of, k.due_at, k.departments)
        ON CONFLICT DO NOTHING;
        PERFORM gridgov.case_system_update(county, case_id, 'escalate',
            pg_catalog.jsonb_build_object('stage', 'whistle', 'whistle_id', k.whistle_id, 'level', 1,
                                          'due_at', k.due_at, 'department_ids', k.departments), at);
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'whistle_late', 'case_id', case_id, 'case_no', case_no, 'county', county::text,
            'stage', 'whistle', 'level', 1, 'due_at', k.due_at, 'department_ids', k.departments,
            'at', as_of)::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_whistles(gridgov.gridcode, bigint, text, timestamptz, timestamptz) IS
    'Internal (gridgov.sla_sweep_case, under the case''s lock): escalates, per whistle of the case, the summoned departments that had not reported in by the deadline or reported in late (escalate event at time at); returns the number of whistles escalated';
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_whistles(gridgov.gridcode, bigint, text, timestamptz, timestamptz) FROM PUBLIC;

CREATE FUNCTION gridgov.sla_sweep_case(county gridgov.gridcode, case_id bigint, as_of timestamptz)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    c gridgov.cases;
    at timestamptz;
    n integer;
BEGIN
    -- The case first, with the lock every UPDATE of it takes; held by
    -- another transaction, it is left for the next sweep.
    SELECT x.* INTO c FROM gridgov.cases x
    WHERE x.county OPERATOR(gridgov.=) sla_sweep_case.county AND x.id = sla_sweep_case.case_id
    FOR NO KEY UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- The escalate events come after the case's latest event, read under the lock.
    at := GREATEST(as_of, c.updated_at);
    n := gridgov.sla_sweep_warnings(county, case_id, c.case_no, as_of);
    n := n + gridgov.sla_sweep_escalations(county, case_id, c, as_of, at);
    RETURN n + gridgov.sla_sweep_whistles(county, case_id, c.case_no, as_of, at);
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) IS
    'The sweep of one case at as_of: locks the case (FOR NO KEY UPDATE SKIP LOCKED), then warns and escalates its due clocks and late whistle report-ins as read under that lock; returns the number of warnings and escalations, or NULL when another transaction holds the case (left for the next sweep). Building block of gridgov.sla_sweep() and gridgov.sla_sweep_run()';
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) FROM PUBLIC;

-- Checks of the sweep's arguments.
CREATE FUNCTION gridgov.sla_sweep_check(as_of timestamptz, how_many integer, what text)
    RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    IF as_of IS NULL OR NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    IF how_many < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('%s must be positive, not %s', what, how_many);
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_check(timestamptz, integer, text) IS
    'Internal: 22023 unless as_of is a finite time and how_many (named what in the message) is NULL or positive';

CREATE FUNCTION gridgov.sla_sweep(as_of timestamptz DEFAULT pg_catalog.now(), max_cases integer DEFAULT NULL)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n integer := 0;
    k record;
BEGIN
    PERFORM gridgov.sla_sweep_check(as_of, max_cases, 'max_cases');
    FOR k IN SELECT d.county, d.case_id FROM gridgov.sla_due_cases(as_of) d LIMIT max_cases LOOP
        n := n + COALESCE(gridgov.sla_sweep_case(k.county, k.case_id, as_of), 0);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep(timestamptz, integer) IS
    'Administration: the escalation sweep at as_of (default now), in one transaction: for each case with something due (at most max_cases of them, in key order; NULL: all), locks the case, skipping one another transaction holds (the next sweep takes it), then warns each running clock past its warn_at once, moves each clock whose next rung is due one rung up its ladder (escalations row, escalate event in the case history, NOTIFY gridgov_events with a JSON payload, the supervise action at a rung that supervises) and escalates late or missing whistle report-ins. Reads only due clocks; idempotent; concurrent sweeps never escalate a clock twice. Holds the locks of the cases it changed until the transaction ends: the scheduled job is gridgov.sla_sweep_run(), which commits in batches. Returns the number of warnings and escalations';

-- The sweep runs with the owner's rights; only roles granted it may run it.
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep(timestamptz, integer) FROM PUBLIC;

-- The scheduled sweep: the same work, committed every batch_cases cases, so
-- that no case stays locked longer than one batch.  A procedure (COMMIT
-- inside) without SECURITY DEFINER or SET clauses, which would forbid the
-- COMMIT: everything in it is qualified, and its work is done by the
-- SECURITY DEFINER functions above.
CREATE PROCEDURE gridgov.sla_sweep_run(as_of timestamptz DEFAULT pg_catalog.now(), batch_cases integer DEFAULT 200,
                                       INOUT cases integer DEFAULT NULL, INOUT skipped integer DEFAULT NULL,
                                       INOUT actions integer DEFAULT NULL, INOUT batches integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
-- A procedure that commits cannot have a SET clause: it sets its search_path
-- for each transaction (is_local), first thing and after every COMMIT.
DECLARE
    k record;
    r integer;
    open_batch integer;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, gridgov, pg_temp', true);
    open_batch := 0;
    PERFORM gridgov.sla_sweep_check(as_of, COALESCE(batch_cases, 0), 'batch_cases');
    cases := 0;
    skipped := 0;
    actions := 0;
    batches := 0;
    -- The due cases as of the first batch (the loop's cursor outlives the
    -- commits); what falls due later is the next run's.
    FOR k IN SELECT d.county, d.case_id FROM gridgov.sla_due_cases(as_of) d LOOP
        r := gridgov.sla_sweep_case(k.county, k.case_id, as_of);
        IF r IS NULL THEN
            skipped := skipped + 1;
        ELSE
            cases := cases + 1;
            actions := actions + r;
        END IF;
        open_batch := open_batch + 1;
        IF open_batch = batch_cases THEN
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, gridgov, pg_temp', true);
            batches := batches + 1;
            open_batch := 0;
        END IF;
    END LOOP;
    IF open_batch > 0 THEN
        batches := batches + 1;
    END IF;
END
$$;
COMMENT ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer) IS
    'The scheduled sweep (job gridgov-sla-sweep): the work of gridgov.sla_sweep(as_of) over every case due at as_of (default now), committed every batch_cases cases (default 200) so that an action on a case waits at most one batch; a case another transaction holds is skipped and left for the next run. Returns cases swept, skipped, actions (warnings and escalations) and batches (committed transactions). CALL it outside a transaction block (pg_cron does); inside one, its COMMIT fails (2D000): use gridgov.sla_sweep() there';
REVOKE EXECUTE ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer) FROM PUBLIC;

-- Whistle-and-report (吹哨报到) ---------------------------------------------------

CREATE FUNCTION gridgov.whistle(case_id bigint, departments bigint[], note text DEFAULT NULL,
                                report_within interval DEFAULT '30 minutes',
                                at timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    c gridgov.cases;
    w bigint;
    missing bigint[];
BEGIN
    IF departments IS NULL OR pg_catalog.cardinality(departments) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a whistle summons at least one department';
    END IF;
    IF report_within IS NULL OR report_within <= interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'report_within must be a positive interval';
    END IF;
    SELECT pg_catalog.array_agg(d ORDER BY d) INTO missing FROM pg_catalog.unnest(departments) d
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments x WHERE x.id = d AND x.active);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('no active department %s', pg_catalog.array_to_string(missing, ', '));
    END IF;
    c := gridgov.act(case_id, 'whistle', note,
                     pg_catalog.jsonb_build_object('departments', departments, 'report_within', report_within), at);
    INSERT INTO gridgov.whistles (county, case_id, at, note, report_within)
    VALUES (c.county, c.id, at, note, report_within) RETURNING id INTO w;
    INSERT INTO gridgov.whistle_calls (county, case_id, whistle_id, department_id, due_at)
    SELECT DISTINCT c.county, c.id, w, d, at + report_within FROM pg_catalog.unnest(departments) d;
    RETURN w;
END
$$;
COMMENT ON FUNCTION gridgov.whistle(bigint, bigint[], text, interval, timestamptz) IS
    'Whistle (吹哨): summons departments to report on site for the case within report_within (default 30 minutes, the origin case); recorded in the history; late or missing report-ins are escalated by the sweep; returns the whistle id';

CREATE FUNCTION gridgov.report_in(case_id bigint, department bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    call gridgov.whistle_calls;
    cty gridgov.gridcode;
BEGIN
    -- The case first, then its summons: the order act() and the sweep lock in,
    -- by county and id (under Citus a row lock is taken on one shard).
    cty := COALESCE((SELECT x.county FROM gridgov.cases x WHERE x.id = report_in.case_id),
                    (SELECT w.county FROM gridgov.whistle_calls w
                     WHERE w.case_id = report_in.case_id AND w.department_id = report_in.department LIMIT 1));
    PERFORM 1 FROM gridgov.cases x WHERE x.county OPERATOR(gridgov.=) cty AND x.id = report_in.case_id FOR UPDATE;
    SELECT * INTO call FROM gridgov.whistle_calls w
    WHERE w.county OPERATOR(gridgov.=) cty
      AND w.case_id = report_in.case_id AND w.department_id = report_in.department AND w.reported_at IS NULL
    ORDER BY w.whistle_id DESC LIMIT 1
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG252',
            MESSAGE = pg_catalog.format('department %s has no whistle of case %s to report in to', department, case_id),
            HINT = 'It was not summoned, or has reported in already.';
    END IF;
    PERFORM gridgov.act(case_id, 'report_in', NULL,
                        pg_catalog.jsonb_build_object('department_id', department, 'whistle_id', call.whistle_id,
                                                      'on_time', at <= call.due_at), at);
    UPDATE gridgov.whistle_calls w SET reported_at = at
    WHERE w.county OPERATOR(gridgov.=) call.county AND w.case_id = call.case_id
      AND w.whistle_id = call.whistle_id AND w.department_id = call.department_id;
    RETURN at <= call.due_at;
END
$$;
COMMENT ON FUNCTION gridgov.report_in(bigint, bigint, timestamptz) IS
    'A summoned department reports in on site (报到); recorded in the history; returns whether it was on time (GG252 when the department has no open whistle call for the case)';

-- Scheduling ---------------------------------------------------------------------

CREATE FUNCTION gridgov.nightly_maintenance(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    result jsonb := pg_catalog.jsonb_build_object('rehomed', gridgov.rehome_due_cases(as_of));
    analytics jsonb;
BEGIN
    IF pg_catalog.to_regprocedure('gridgov.analytics_nightly(timestamp with time zone)') IS NOT NULL THEN
        EXECUTE 'SELECT pg_catalog.to_jsonb(gridgov.analytics_nightly($1))' INTO STRICT analytics USING as_of;
        result := result || pg_catalog.jsonb_build_object('analytics', analytics);
    END IF;
    result := result || pg_catalog.jsonb_build_object('seal', gridgov.seal_nightly(as_of));
    RETURN result;
END
$$;
COMMENT ON FUNCTION gridgov.nightly_maintenance(timestamptz) IS
    'Administration: the nightly job: re-homes open cases of re-divisions that took effect, refreshes the analytics summaries and seals yesterday''s histories (gridgov.seal_nightly); returns what it did';

CREATE FUNCTION gridgov.job_definitions(OUT job_name text, OUT schedule text, OUT command text)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    VALUES ('gridgov-sla-sweep', '* * * * *', 'CALL gridgov.sla_sweep_run()'),
           ('gridgov-analytics', '* * * * *', 'SELECT gridgov.analytics_refresh_pending()'),
           ('gridgov-nightly', '17 2 * * *', 'SELECT gridgov.nightly_maintenance()');
END;
COMMENT ON FUNCTION gridgov.job_definitions() IS
    'The jobs gridgov wants scheduled: the sweep (a procedure that commits in batches: run it outside a transaction block) and the analytics refresh from the history''s new events every minute, and the nightly maintenance at 02:17 (pg_cron times are UTC); any scheduler can run these commands';

CREATE FUNCTION gridgov.schedule_jobs() RETURNS TABLE (job_name text, schedule text, jobid bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    j record;
    here text := pg_catalog.current_database();
    crondb text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'pg_cron is not installed in this database',
            DETAIL = pg_catalog.format('cron.database_name is %s.', COALESCE(crondb, 'not set (pg_cron is not loaded)')),
            HINT = 'Load pg_cron (shared_preload_libraries, cron.database_name) and CREATE EXTENSION pg_cron there; '
                   'in another database, schedule gridgov.job_definitions() with cron.schedule_in_database(..., '
                   || pg_catalog.quote_literal(here) || '); or run the commands from any scheduler.';
    END IF;
    FOR j IN SELECT * FROM gridgov.job_definitions() LOOP
        job_name := j.job_name;
        schedule := j.schedule;
        IF crondb IS NULL OR crondb = here THEN
            EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid USING j.job_name, j.schedule, j.command;
        ELSE
            EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)' INTO jobid
                USING j.job_name, j.schedule, j.command, here;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.schedule_jobs() IS
    'Administration: registers gridgov''s pg_cron jobs (gridgov-sla-sweep, which calls gridgov.sla_sweep_run(), and gridgov-analytics every minute, gridgov-nightly at 02:17 UTC) under their names; idempotent (re-running updates them). Fails with a hint (55000) without pg_cron. The install script schedules nothing';

CREATE FUNCTION gridgov.unschedule_jobs() RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    j record;
    n integer := 0;
    found_job boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'pg_cron is not installed in this database',
            HINT = 'Nothing gridgov scheduled can exist here; remove jobs of other schedulers there.';
    END IF;
    FOR j IN SELECT * FROM gridgov.job_definitions() LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1)' INTO found_job USING j.job_name;
        IF found_job THEN
            EXECUTE 'SELECT cron.unschedule($1)' USING j.job_name;
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.unschedule_jobs() IS
    'Administration: Removes gridgov''s pg_cron jobs; returns how many were removed (55000 without pg_cron)';
-- ---------------------------------------------------------------------------
-- The calendar horizon and the clocks past it: a deadline counted in working
-- time that falls after the last date its calendar's exceptions are known for
-- (gridgov.calendars.known_until) follows the weekly pattern and is
-- provisional (gridgov.is_provisional(), C).  gridgov.provisional_clocks
-- lists them; gridgov.load_calendar_year() loads the next year's holidays,
-- moves the horizon and recomputes them, recorded in each case's history.
-- docs/calendars.md "The horizon" and docs/sla.md "Provisional deadlines".
-- ---------------------------------------------------------------------------

CREATE VIEW gridgov.provisional_clocks WITH (security_invoker = true) AS
SELECT k.county, k.case_id, k.stage, k.seq, cal.name AS calendar, k.amount, k.unit, k.started_at,
       k.due_at, cal.known_until, k.paused_at IS NOT NULL AS paused
FROM gridgov.case_clocks k
JOIN gridgov.calendars cal ON cal.id = k.calendar_id
WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
  AND gridgov.is_provisional(cal.name, k.due_at, k.unit);
COMMENT ON VIEW gridgov.provisional_clocks IS
    'Open clocks (running or paused) whose deadline is provisional: counted in working time and due after the end of its calendar''s horizon (calendars.known_until), where the weekly pattern stands in for the holidays not yet known. gridgov.load_calendar_year() recomputes them';
COMMENT ON COLUMN gridgov.provisional_clocks.county IS 'County of the case';
COMMENT ON COLUMN gridgov.provisional_clocks.case_id IS 'The case';
COMMENT ON COLUMN gridgov.provisional_clocks.stage IS 'Stage the clock times';
COMMENT ON COLUMN gridgov.provisional_clocks.seq IS 'Nth clock of this stage for the case';
COMMENT ON COLUMN gridgov.provisional_clocks.calendar IS 'Calendar the limit is counted on';
COMMENT ON COLUMN gridgov.provisional_clocks.amount IS 'Time allowed, in unit (extensions not included)';
COMMENT ON COLUMN gridgov.provisional_clocks.unit IS 'Unit of amount (never calendar_days: holidays do not move those)';
COMMENT ON COLUMN gridgov.provisional_clocks.started_at IS 'When the stage began';
COMMENT ON COLUMN gridgov.provisional_clocks.due_at IS 'The provisional deadline';
COMMENT ON COLUMN gridgov.provisional_clocks.known_until IS 'The calendar''s horizon: due_at lies after the end of this local date';
COMMENT ON COLUMN gridgov.provisional_clocks.paused IS 'The clock is paused (the case is suspended)';

-- Loading the next year ------------------------------------------------------------

-- The open clocks of a calendar due after boundary, counted in working time,
-- with the time left after their anchor (the later of their start and the
-- last instant before boundary) under the calendar as it is now.
CREATE FUNCTION gridgov.horizon_clocks_left(calendar_id integer, boundary timestamptz)
    RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'county', x.county, 'case_id', x.case_id, 'stage', x.stage, 'seq', x.seq,
               'unit', x.unit, 'anchor', x.anchor, 'due_before', x.due_at,
               'due_left', gridgov.worktime_between(x.cal, x.anchor, x.due_at, x.unit),
               'warn_left', CASE WHEN x.warned_at IS NULL AND x.warn_at > x.anchor
                                 THEN gridgov.worktime_between(x.cal, x.anchor, x.warn_at, x.unit) END)
               ORDER BY x.county, x.case_id, x.stage, x.seq), '[]')
    FROM (SELECT k.*, c.name AS cal,
                 GREATEST(k.started_at, horizon_clocks_left.boundary - interval '1 microsecond') AS anchor
          FROM gridgov.case_clocks k
          JOIN gridgov.calendars c ON c.id = k.calendar_id
          WHERE k.calendar_id = horizon_clocks_left.calendar_id
            AND k.met_at IS NULL AND k.cancelled_at IS NULL
            AND k.unit <> 'calendar_days' AND k.due_at > horizon_clocks_left.boundary) x;
END;
COMMENT ON FUNCTION gridgov.horizon_clocks_left(integer, timestamptz) IS
    'Internal: the open clocks of a calendar counted in working time and due after boundary, each with its anchor (the later of its start and the last instant before boundary) and the time left from it to its due and warning times under the calendar as it is now, for gridgov.load_calendar_year()';

CREATE FUNCTION gridgov.load_calendar_year(calendar text, data jsonb, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (known_until date, days integer, clocks integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
DECLARE
    cal gridgov.calendars;
    years integer[];
    y integer;
    boundary timestamptz;
    todo jsonb;
    moved record;
    n_days integer;
    n_clocks integer := 0;
BEGIN
    IF calendar IS NULL OR data IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = pg_catalog.format('argument "%s" of gridgov.load_calendar_year must not be null',
                                        CASE WHEN calendar IS NULL THEN 'calendar'
                                             WHEN data IS NULL THEN 'data' ELSE 'as_of' END);
    END IF;
    -- Clocks are started and moved after a lock on case_clocks and with the
    -- calendar read then: none starts or moves on the old calendar meanwhile.
    LOCK TABLE gridgov.case_clocks IN SHARE ROW EXCLUSIVE MODE;
    SELECT c.* INTO cal FROM gridgov.calendars c WHERE c.name = calendar FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('calendar "%s" does not exist', calendar),
            HINT = 'The calendars are listed in gridgov.calendars.';
    END IF;
    -- The year of the data (its format is checked by load_cn_holidays below).
    SELECT pg_catalog.array_agg(DISTINCT pg_catalog.left(e.key, 4)::integer) INTO years
    FROM (VALUES ('holidays'), ('workdays'), ('inLieuDays')) s(section),
         pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(data->s.section) = 'object'
                                           THEN data->s.section ELSE '{}' END) e(key)
    WHERE pg_catalog.jsonb_typeof(data) = 'object' AND e.key ~ '^[0-9]{4}-';
    IF pg_catalog.cardinality(years) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'data must hold the days of exactly one year',
            DETAIL = pg_catalog.format('It holds days of %s years.', COALESCE(pg_catalog.cardinality(years), 0)),
            HINT = 'Pass the chinese-days sections (holidays, workdays, inLieuDays) of the next year only.';
    END IF;
    y := years[1];
    IF cal.known_until IS NOT NULL AND pg_catalog.make_date(y, 1, 1) <> cal.known_until + 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'GG202',
            MESSAGE = pg_catalog.format('year %s is not the year after the horizon of calendar "%s"', y, calendar),
            DETAIL = pg_catalog.format('The calendar''s exceptions are known until %s; %s.', cal.known_until,
                                       CASE WHEN pg_catalog.make_date(y, 1, 1) <= cal.known_until
                                            THEN 'that year is loaded already' ELSE 'the years between are missing' END),
            HINT = 'Load the year after the horizon, or correct a loaded year with gridgov.load_cn_holidays().';
    END IF;
    IF cal.known_until IS NULL AND EXISTS (SELECT 1 FROM gridgov.calendar_exceptions e
                                           WHERE e.calendar_id = cal.id AND e.day >= pg_catalog.make_date(y, 1, 1)) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG202',
            MESSAGE = pg_catalog.format('calendar "%s" has exceptions in or after year %s already', calendar, y),
            DETAIL = 'The calendar has no horizon, and the year would overlap exceptions it has.',
            HINT = 'Set calendars.known_until to the last date its exceptions are known for, or correct a year with gridgov.load_cn_holidays().';
    END IF;

    -- Before: the time left past the old horizon of each clock due after it.
    boundary := pg_catalog.make_date(y, 1, 1)::timestamp AT TIME ZONE cal.time_zone;
    todo := gridgov.horizon_clocks_left(cal.id, boundary);

    n_days := gridgov.load_cn_holidays(calendar, data);
    UPDATE gridgov.calendars c SET known_until = pg_catalog.make_date(y, 12, 31) WHERE c.id = cal.id;

    -- After: the same time left, counted on the calendar with the new year,
    -- recorded in each case's history (system action recalendar).
    WITH t AS (
        SELECT t.*, gridgov.worktime_add(calendar, t.anchor, t.due_left, t.unit) AS due_after,
               CASE WHEN t.warn_left IS NOT NULL
                    THEN gridgov.worktime_add(calendar, t.anchor, t.warn_left, t.unit) END AS warn_after
        FROM pg_catalog.jsonb_to_recordset(todo)
             AS t(county gridgov.gridcode, case_id bigint, stage gridgov.sla_stage, seq integer, unit text,
                  anchor timestamptz, due_before timestamptz, due_left numeric, warn_left numeric)
    ), u AS (
        UPDATE gridgov.case_clocks k
        SET due_at = t.due_after,
            warn_at = COALESCE(t.warn_after, k.warn_at),
            next_escalation_at = CASE WHEN k.escalation_level = 0 AND k.next_escalation_at = k.due_at
                                      THEN t.due_after ELSE k.next_escalation_at END
        FROM t
        WHERE k.county OPERATOR(gridgov.=) t.county AND k.case_id = t.case_id
          AND k.stage = t.stage AND k.seq = t.seq
          AND (k.due_at, k.warn_at) IS DISTINCT FROM (t.due_after, COALESCE(t.warn_after, k.warn_at))
        RETURNING k.county, k.case_id, k.stage, k.seq, t.due_before, k.due_at
    )
    SELECT pg_catalog.jsonb_agg(m ORDER BY m.county, m.case_id) INTO todo
    FROM (SELECT u.county, u.case_id, c.updated_at,
                 pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('stage', u.stage, 'seq', u.seq,
                                      'due_before', u.due_before, 'due_after', u.due_at)
                                      ORDER BY u.stage, u.seq) AS moved_clocks,
                 pg_catalog.count(*)::integer AS n
          FROM u
          JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) u.county AND c.id = u.case_id
          GROUP BY u.county, u.case_id, c.updated_at) m;
    FOR moved IN
        SELECT m.* FROM pg_catalog.jsonb_to_recordset(COALESCE(todo, '[]'))
                        AS m(county gridgov.gridcode, case_id bigint, updated_at timestamptz,
                             moved_clocks jsonb, n integer)
    LOOP
        PERFORM gridgov.case_system_update(moved.county, moved.case_id, 'recalendar',
            pg_catalog.jsonb_build_object('calendar', calendar, 'known_until', pg_catalog.make_date(y, 12, 31),
                                          'clocks', moved.moved_clocks),
            GREATEST(as_of, moved.updated_at));
        n_clocks := n_clocks + moved.n;
    END LOOP;
    RETURN QUERY SELECT pg_catalog.make_date(y, 12, 31), n_days, n_clocks;
END
$$;
COMMENT ON FUNCTION gridgov.load_calendar_year(text, jsonb, timestamptz) IS
    'Administration: loads the next year''s holidays (a chinese-days JSON of one year, the year after the calendar''s horizon) into a calendar with gridgov.load_cn_holidays, moves the horizon (known_until) to that year''s 31 December and recomputes the deadlines of the open clocks due past the old horizon: the working time they had left after it, counted again on the new calendar; each moved clock is recorded in its case''s history (system action recalendar, at as_of or the case''s latest event when later). Returns the new horizon, the days written and the clocks moved. Holds a SHARE ROW EXCLUSIVE lock on case_clocks until commit (intake and actions wait). Errors: NULL 22004, unknown calendar 42704, data not of one year or not in the chinese-days format 22023, a key not a date 22007, a year other than the one after the horizon GG202';
-- ---------------------------------------------------------------------------
-- analytics (1/7): per-case facts.
--
-- gridgov.case_stats holds one row per case with everything the metrics need:
-- the dimensions (area at each level, category, source, department), the time
-- of every stage (from the history, gridgov.case_events), on-time flags and the
-- deadline (from the SLA clocks, gridgov.case_clocks), working and calendar
-- durations, counters and callback answers.  It is derived data, brought up
-- to date from the history (081_analytics_summaries.sql), and
-- gridgov.case_stats_computed is the same row computed afresh from the sources.
-- gridgov.case_facts is the public, PII-free face of it.
--
-- docs/bi.md documents every column and formula.  SQLSTATEs: 42704 unknown
-- analytics calendar.
-- ---------------------------------------------------------------------------

-- The analytics calendar: working-hour durations are counted on it, and its
-- time zone decides the local day, week and month of every date.  It is the
-- setting analytics_calendar of gridgov.settings when a row for it exists
-- (validated, and a change rebuilds the analytics: 089_analytics_nightly.sql),
-- cn otherwise.
CREATE FUNCTION gridgov.analytics_calendar() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN COALESCE((SELECT s.value FROM gridgov.settings s WHERE s.key = 'analytics_calendar'), 'cn');
END
$$;
COMMENT ON FUNCTION gridgov.analytics_calendar() IS
    'Name of the analytics calendar: the value of setting analytics_calendar in gridgov.settings, cn when there is no such row or its value is NULL';

CREATE FUNCTION gridgov.analytics_time_zone() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN COALESCE((SELECT c.time_zone FROM gridgov.calendars c
                     WHERE c.name = COALESCE((SELECT s.value FROM gridgov.settings s
                                              WHERE s.key = 'analytics_calendar'), 'cn')),
                    'Asia/Shanghai');
END
$$;
COMMENT ON FUNCTION gridgov.analytics_time_zone() IS
    'Time zone of the analytics calendar: local days, weeks and months of the analytics are in it';

-- Area of a case at a level: the ancestor of its grid, the grid itself when it
-- is coarser than the level, the county when the case has no grid.
CREATE FUNCTION gridgov.area_at(county gridgov.gridcode, grid gridgov.gridcode, level integer)
    RETURNS gridgov.gridcode
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN grid IS NULL THEN county
            WHEN gridgov.level(grid) >= level THEN gridgov.ancestor(grid, level)
            ELSE grid END;
COMMENT ON FUNCTION gridgov.area_at(gridgov.gridcode, gridgov.gridcode, integer) IS
    'Area of a case at a level (4 town, 5 community, 6 grid): the ancestor of its grid at that level, the grid itself when coarser, the county when the case has no grid';

-- Handling-time histogram: upper bounds in working hours.  The p90 handling
-- time is reported at this resolution, so that summaries reproduce it exactly.
CREATE FUNCTION gridgov.handle_bucket(hours numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN hours IS NULL THEN NULL
            WHEN hours <= 0.25 THEN 0.25 WHEN hours <= 0.5 THEN 0.5 WHEN hours <= 0.75 THEN 0.75 WHEN hours <= 1 THEN 1
            WHEN hours <= 1.5 THEN 1.5 WHEN hours <= 2 THEN 2 WHEN hours <= 2.5 THEN 2.5 WHEN hours <= 3 THEN 3
            WHEN hours <= 3.5 THEN 3.5 WHEN hours <= 4 THEN 4 WHEN hours <= 5 THEN 5 WHEN hours <= 6 THEN 6
            WHEN hours <= 7 THEN 7 WHEN hours <= 8 THEN 8 WHEN hours <= 10 THEN 10 WHEN hours <= 12 THEN 12
            WHEN hours <= 16 THEN 16 WHEN hours <= 20 THEN 20 WHEN hours <= 24 THEN 24 WHEN hours <= 32 THEN 32
            WHEN hours <= 40 THEN 40 WHEN hours <= 48 THEN 48 WHEN hours <= 56 THEN 56 WHEN hours <= 64 THEN 64
            WHEN hours <= 72 THEN 72 WHEN hours <= 80 THEN 80 WHEN hours <= 96 THEN 96 WHEN hours <= 120 THEN 120
            WHEN hours <= 160 THEN 160 WHEN hours <= 240 THEN 240 WHEN hours <= 320 THEN 320 WHEN hours <= 480 THEN 480
            ELSE 'Infinity'::numeric END;
COMMENT ON FUNCTION gridgov.handle_bucket(numeric) IS
    'Upper bound of the handling-time histogram bucket holding a duration in working hours: 0.25 h steps to 1 h, 0.5 h to 4 h, 1 h to 8 h (one working day), then 10, 12, 16, 20, 24, 32, 40 (a working week) ... 480 h; Infinity above';

-- Per-case facts --------------------------------------------------------------

CREATE TABLE gridgov.case_stats (
    county              gridgov.gridcode NOT NULL,
    case_id             bigint NOT NULL,
    case_no             text NOT NULL,
    source              gridgov.case_source NOT NULL,
    category            text COLLATE pg_catalog."C" NOT NULL,
    urgency             gridgov.urgency NOT NULL,
    workflow            text NOT NULL,
    state               text NOT NULL,
    grid                gridgov.gridcode,
    town                gridgov.gridcode NOT NULL,
    community           gridgov.gridcode NOT NULL,
    department_id       bigint,
    location_approx     geometry(Point, 4326),
    reported_at         timestamptz NOT NULL,
    filed_at            timestamptz,
    first_dispatched_at timestamptz,
    dispatched_at       timestamptz,
    signed_at           timestamptz,
    handled_at          timestamptz,
    verified_at         timestamptz,
    called_back_at      timestamptz,
    closed_at           timestamptz,
    deadline            timestamptz,
    reported_day        date NOT NULL,
    filed_day           date,
    due_day             date,
    file_on_time        boolean,
    dispatch_on_time    boolean,
    sign_on_time        boolean,
    handle_on_time      boolean,
    verify_on_time      boolean,
    callback_on_time    boolean,
    whole_on_time       boolean,
    response_work_hours numeric,
    response_hours      numeric,
    handle_work_hours   numeric,
    handle_hours        numeric,
    total_work_hours    numeric,
    total_hours         numeric,
    dispatches          integer NOT NULL,
    returns             integer NOT NULL,
    reworks             integer NOT NULL,
    reopens             integer NOT NULL,
    extensions          integer NOT NULL,
    suspensions         integer NOT NULL,
    supervised          boolean NOT NULL,
    escalation_level    integer NOT NULL,
    solved              boolean,
    satisfaction        gridgov.satisfaction,
    merged              boolean NOT NULL,
    case_updated_at     timestamptz NOT NULL,
    occurred_at         timestamptz,
    discover_minutes    numeric,
    discover_on_time    boolean,
    contacted_at        timestamptz,
    contact_required    boolean NOT NULL,
    contact_on_time     boolean,
    supervisions        integer NOT NULL,
    supervise_on_time   boolean,
    returns_requested   integer NOT NULL,
    returns_rejected    integer NOT NULL,
    extension_requests  integer NOT NULL,
    extension_refusals  integer NOT NULL,
    suspension_requests integer NOT NULL,
    suspension_refusals integer NOT NULL,
    meetings            integer NOT NULL,
    PRIMARY KEY (county, case_id),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
CREATE INDEX case_stats_case ON gridgov.case_stats (case_id);
CREATE INDEX case_stats_reported ON gridgov.case_stats (county, reported_day);
CREATE INDEX case_stats_due ON gridgov.case_stats (county, due_day);

COMMENT ON TABLE gridgov.case_stats IS
    'Derived per-case facts behind the analytics (one row per case), brought up to date from the history (gridgov.analytics_refresh_pending(), or at once with gridgov.analytics_sync) and equal to gridgov.case_stats_computed; not dumped (rebuild with gridgov.analytics_rebuild() after a restore). Read gridgov.case_facts instead: it is the documented, PII-free view of these rows';
COMMENT ON COLUMN gridgov.case_stats.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_stats.case_id IS 'The case (gridgov.cases.id)';
COMMENT ON COLUMN gridgov.case_stats.case_no IS 'Readable case number';
COMMENT ON COLUMN gridgov.case_stats.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.case_stats.category IS 'Category code';
COMMENT ON COLUMN gridgov.case_stats.urgency IS 'Urgency';
COMMENT ON COLUMN gridgov.case_stats.workflow IS 'Workflow';
COMMENT ON COLUMN gridgov.case_stats.state IS 'Current state';
COMMENT ON COLUMN gridgov.case_stats.grid IS 'Grid the case lies in (NULL: none)';
COMMENT ON COLUMN gridgov.case_stats.town IS 'gridgov.area_at(county, grid, 4)';
COMMENT ON COLUMN gridgov.case_stats.community IS 'gridgov.area_at(county, grid, 5)';
COMMENT ON COLUMN gridgov.case_stats.department_id IS 'Responsible department now';
COMMENT ON COLUMN gridgov.case_stats.location_approx IS 'Location snapped to a 0.001 degree lattice (about 110 m north-south, 85 m east-west)';
COMMENT ON COLUMN gridgov.case_stats.reported_at IS 'When the case was reported';
COMMENT ON COLUMN gridgov.case_stats.filed_at IS 'First file or self_handle event; the report itself for workflows without a file action';
COMMENT ON COLUMN gridgov.case_stats.first_dispatched_at IS 'First dispatch event';
COMMENT ON COLUMN gridgov.case_stats.dispatched_at IS 'Last dispatch event (the current assignee''s)';
COMMENT ON COLUMN gridgov.case_stats.signed_at IS 'First sign (or, for disputes, mediate) event';
COMMENT ON COLUMN gridgov.case_stats.handled_at IS 'Last handle, self_handle, agree or fail event';
COMMENT ON COLUMN gridgov.case_stats.verified_at IS 'Last verify_pass event';
COMMENT ON COLUMN gridgov.case_stats.called_back_at IS 'Last callback or follow_up event';
COMMENT ON COLUMN gridgov.case_stats.closed_at IS 'When the case was closed (NULL while open or reopened)';
COMMENT ON COLUMN gridgov.case_stats.deadline IS 'Due time of the latest whole clock, else of the latest handle clock (however they ended)';
COMMENT ON COLUMN gridgov.case_stats.reported_day IS 'Local date of reported_at';
COMMENT ON COLUMN gridgov.case_stats.filed_day IS 'Local date of filed_at';
COMMENT ON COLUMN gridgov.case_stats.due_day IS 'Local date of deadline';
COMMENT ON COLUMN gridgov.case_stats.file_on_time IS 'Every ended file clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.dispatch_on_time IS 'Every ended dispatch clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.sign_on_time IS 'Every ended sign clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.handle_on_time IS 'Every ended handle clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.verify_on_time IS 'Every ended verify clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.callback_on_time IS 'Every ended callback clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.whole_on_time IS 'Every ended whole clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.response_work_hours IS 'Working hours from first_dispatched_at to signed_at';
COMMENT ON COLUMN gridgov.case_stats.response_hours IS 'Calendar hours from first_dispatched_at to signed_at';
COMMENT ON COLUMN gridgov.case_stats.handle_work_hours IS 'Working hours from first_dispatched_at (reported_at when never dispatched) to handled_at';
COMMENT ON COLUMN gridgov.case_stats.handle_hours IS 'Calendar hours over the same span as handle_work_hours';
COMMENT ON COLUMN gridgov.case_stats.total_work_hours IS 'Working hours from reported_at to closed_at';
COMMENT ON COLUMN gridgov.case_stats.total_hours IS 'Calendar hours from reported_at to closed_at';
COMMENT ON COLUMN gridgov.case_stats.dispatches IS 'Dispatches (first and re-dispatches)';
COMMENT ON COLUMN gridgov.case_stats.returns IS 'Returns by the assignee (退单) approved by the command center';
COMMENT ON COLUMN gridgov.case_stats.reworks IS 'Reworks (返工)';
COMMENT ON COLUMN gridgov.case_stats.reopens IS 'Reopens';
COMMENT ON COLUMN gridgov.case_stats.extensions IS 'Approved extensions (延期)';
COMMENT ON COLUMN gridgov.case_stats.suspensions IS 'Suspensions (挂账)';
COMMENT ON COLUMN gridgov.case_stats.supervised IS 'Supervision flag (督办)';
COMMENT ON COLUMN gridgov.case_stats.escalation_level IS 'Highest escalation rung reached';
COMMENT ON COLUMN gridgov.case_stats.solved IS 'Callback answer: solved';
COMMENT ON COLUMN gridgov.case_stats.satisfaction IS 'Callback answer: satisfaction';
COMMENT ON COLUMN gridgov.case_stats.merged IS 'Merged into another case as a duplicate';
COMMENT ON COLUMN gridgov.case_stats.case_updated_at IS 'gridgov.cases.updated_at the row was computed from';
COMMENT ON COLUMN gridgov.case_stats.occurred_at IS 'When the problem occurred or was found (gridgov.cases.occurred_at)';
COMMENT ON COLUMN gridgov.case_stats.discover_minutes IS 'Calendar minutes from occurred_at to reported_at, 2 decimals';
COMMENT ON COLUMN gridgov.case_stats.discover_on_time IS 'reported_at no later than the discovery deadline intake recorded in the intake event (payload discover_due: occurred_at plus the case''s discover policy, e.g. 30 minutes); NULL without occurred_at or without such a policy';
COMMENT ON COLUMN gridgov.case_stats.contacted_at IS 'First contact event (先行联系)';
COMMENT ON COLUMN gridgov.case_stats.contact_required IS 'The case has had a contact clock (its workflow has a first-contact step and the step was reached), however it ended: one cancelled without a contact (handled before contacting, or sent to a joint meeting) still requires the contact';
COMMENT ON COLUMN gridgov.case_stats.contact_on_time IS 'Every ended contact clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.supervisions IS 'Supervise events (督办), by hand or by the sweep';
COMMENT ON COLUMN gridgov.case_stats.supervise_on_time IS 'Every ended supervise clock (answered) ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.returns_requested IS 'Return events: returns asked for by the assignee (approved ones are counted in returns)';
COMMENT ON COLUMN gridgov.case_stats.returns_rejected IS 'reject_return events: returns the command center refused (退单驳回)';
COMMENT ON COLUMN gridgov.case_stats.extension_requests IS 'request_extension events (申请延期)';
COMMENT ON COLUMN gridgov.case_stats.extension_refusals IS 'refuse_extension events';
COMMENT ON COLUMN gridgov.case_stats.suspension_requests IS 'request_suspension events (申请挂账)';
COMMENT ON COLUMN gridgov.case_stats.suspension_refusals IS 'refuse_suspension events';
COMMENT ON COLUMN gridgov.case_stats.meetings IS 'refer_meeting events: joint meetings (会商) the case was referred to';

-- The same rows computed afresh from cases, their history and their clocks.
CREATE VIEW gridgov.case_stats_computed AS
SELECT c.county, c.id AS case_id, c.case_no, c.source, c.category, c.urgency, c.workflow, c.state, c.grid,
       gridgov.area_at(c.county, c.grid, 4) AS town,
       gridgov.area_at(c.county, c.grid, 5) AS community,
       c.department_id,
       ST_SnapToGrid(c.location, 0.001)::geometry(Point, 4326) AS location_approx,
       c.reported_at, f.filed_at, e.first_dispatched_at, e.dispatched_at, e.signed_at, e.handled_at,
       e.verified_at, e.called_back_at, c.closed_at,
       COALESCE(k.whole_due, k.handle_due) AS deadline,
       (c.reported_at AT TIME ZONE z.tz)::date AS reported_day,
       (f.filed_at AT TIME ZONE z.tz)::date AS filed_day,
       (COALESCE(k.whole_due, k.handle_due) AT TIME ZONE z.tz)::date AS due_day,
       k.file_on_time, k.dispatch_on_time, k.sign_on_time, k.handle_on_time, k.verify_on_time,
       k.callback_on_time, k.whole_on_time,
       CASE WHEN e.signed_at IS NOT NULL AND e.first_dispatched_at IS NOT NULL
            THEN pg_catalog.round(gridgov.worktime_between(z.cal, e.first_dispatched_at, e.signed_at, 'working_hours'), 6)
       END AS response_work_hours,
       pg_catalog.round(EXTRACT(epoch FROM e.signed_at - e.first_dispatched_at) / 3600, 6) AS response_hours,
       CASE WHEN e.handled_at IS NOT NULL
            THEN pg_catalog.round(gridgov.worktime_between(z.cal, COALESCE(e.first_dispatched_at, c.reported_at),
                                                           e.handled_at, 'working_hours'), 6)
       END AS handle_work_hours,
       pg_catalog.round(EXTRACT(epoch FROM e.handled_at - COALESCE(e.first_dispatched_at, c.reported_at)) / 3600,
                        6) AS handle_hours,
       CASE WHEN c.closed_at IS NOT NULL
            THEN pg_catalog.round(gridgov.worktime_between(z.cal, c.reported_at, c.closed_at, 'working_hours'), 6)
       END AS total_work_hours,
       pg_catalog.round(EXTRACT(epoch FROM c.closed_at - c.reported_at) / 3600, 6) AS total_hours,
       c.dispatches, c.returns, c.reworks, c.reopens, c.extensions, c.suspensions, c.supervised,
       c.escalation_level, c.solved, c.satisfaction, c.master_case_id IS NOT NULL AS merged,
       c.updated_at AS case_updated_at,
       c.occurred_at, pg_catalog.round(EXTRACT(epoch FROM c.reported_at - c.occurred_at) / 60, 2) AS discover_minutes,
       c.reported_at <= e.discover_due AS discover_on_time,
       e.contacted_at, k.contact_required, k.contact_on_time, e.supervisions, k.supervise_on_time,
       e.returns_requested, e.returns_rejected, e.extension_requests, e.extension_refusals,
       e.suspension_requests, e.suspension_refusals, e.meetings
FROM gridgov.cases c
CROSS JOIN (SELECT gridgov.analytics_calendar() AS cal, gridgov.analytics_time_zone() AS tz OFFSET 0) z
CROSS JOIN LATERAL (
    SELECT pg_catalog.min(ev.at) FILTER (WHERE ev.action IN ('file', 'self_handle')) AS filed,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action = 'dispatch') AS first_dispatched_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action = 'dispatch') AS dispatched_at,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action IN ('sign', 'mediate')) AS signed_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action IN ('handle', 'self_handle', 'agree', 'fail')) AS handled_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action = 'verify_pass') AS verified_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action IN ('callback', 'follow_up')) AS called_back_at,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action = 'contact') AS contacted_at,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'supervise')::integer AS supervisions,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'return')::integer AS returns_requested,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'reject_return')::integer AS returns_rejected,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'request_extension')::integer AS extension_requests,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'refuse_extension')::integer AS extension_refusals,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'request_suspension')::integer AS suspension_requests,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'refuse_suspension')::integer AS suspension_refusals,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'refer_meeting')::integer AS meetings,
           -- The discovery deadline intake recorded (no clock runs for it).
           pg_catalog.max((ev.payload OPERATOR(pg_catalog.->>) 'discover_due')::timestamptz)
               FILTER (WHERE ev.action = 'intake') AS discover_due
    FROM gridgov.case_events ev
    WHERE ev.county = c.county AND ev.case_id = c.id
) e
CROSS JOIN LATERAL (
    -- A workflow without a 'file' transition files at intake.  (Counted in a
    -- FROM clause: Citus refuses a correlated subquery in a FROM-less one.)
    SELECT COALESCE(e.filed, CASE WHEN pg_catalog.count(*) = 0 THEN c.reported_at END) AS filed_at
    FROM gridgov.transitions t
    WHERE t.workflow = c.workflow AND t.action = 'file'
) f
CROSS JOIN LATERAL (
    SELECT NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'file' AND ck.met_at IS NOT NULL) AS file_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'dispatch' AND ck.met_at IS NOT NULL) AS dispatch_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'sign' AND ck.met_at IS NOT NULL) AS sign_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'handle' AND ck.met_at IS NOT NULL) AS handle_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'verify' AND ck.met_at IS NOT NULL) AS verify_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'callback' AND ck.met_at IS NOT NULL) AS callback_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'whole' AND ck.met_at IS NOT NULL) AS whole_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'contact' AND ck.met_at IS NOT NULL) AS contact_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'supervise' AND ck.met_at IS NOT NULL) AS supervise_on_time,
           pg_catalog.count(*) FILTER (WHERE ck.stage = 'contact') > 0 AS contact_required,
           (pg_catalog.array_agg(ck.due_at ORDER BY ck.seq DESC) FILTER (WHERE ck.stage = 'whole'))[1] AS whole_due,
           (pg_catalog.array_agg(ck.due_at ORDER BY ck.seq DESC) FILTER (WHERE ck.stage = 'handle'))[1] AS handle_due
    FROM gridgov.case_clocks ck
    WHERE ck.county = c.county AND ck.case_id = c.id
) k;

COMMENT ON VIEW gridgov.case_stats_computed IS
    'gridgov.case_stats computed afresh from cases, case_events and case_clocks (one row per case, same columns): the definition the maintained rows must equal; used by gridgov.analytics_refresh(), gridgov.analytics_rebuild() and gridgov.analytics_check()';
COMMENT ON COLUMN gridgov.case_stats_computed.county IS 'See gridgov.case_stats.county';
COMMENT ON COLUMN gridgov.case_stats_computed.case_id IS 'See gridgov.case_stats.case_id';
COMMENT ON COLUMN gridgov.case_stats_computed.case_no IS 'See gridgov.case_stats.case_no';
COMMENT ON COLUMN gridgov.case_stats_computed.source IS 'See gridgov.case_stats.source';
COMMENT ON COLUMN gridgov.case_stats_computed.category IS 'See gridgov.case_stats.category';
COMMENT ON COLUMN gridgov.case_stats_computed.urgency IS 'See gridgov.case_stats.urgency';
COMMENT ON COLUMN gridgov.case_stats_computed.workflow IS 'See gridgov.case_stats.workflow';
COMMENT ON COLUMN gridgov.case_stats_computed.state IS 'See gridgov.case_stats.state';
COMMENT ON COLUMN gridgov.case_stats_computed.grid IS 'See gridgov.case_stats.grid';
COMMENT ON COLUMN gridgov.case_stats_computed.town IS 'See gridgov.case_stats.town';
COMMENT ON COLUMN gridgov.case_stats_computed.community IS 'See gridgov.case_stats.community';
COMMENT ON COLUMN gridgov.case_stats_computed.department_id IS 'See gridgov.case_stats.department_id';
COMMENT ON COLUMN gridgov.case_stats_computed.location_approx IS 'See gridgov.case_stats.location_approx';
COMMENT ON COLUMN gridgov.case_stats_computed.reported_at IS 'See gridgov.case_stats.reported_at';
COMMENT ON COLUMN gridgov.case_stats_computed.filed_at IS 'See gridgov.case_stats.filed_at';
COMMENT ON COLUMN gridgov.case_stats_computed.first_dispatched_at IS 'See gridgov.case_stats.first_dispatched_at';
COMMENT ON COLUMN gridgov.case_stats_computed.dispatched_at IS 'See gridgov.case_stats.dispatched_at';
COMMENT ON COLUMN gridgov.case_stats_computed.signed_at IS 'See gridgov.case_stats.signed_at';
COMMENT ON COLUMN gridgov.case_stats_computed.handled_at IS 'See gridgov.case_stats.handled_at';
COMMENT ON COLUMN gridgov.case_stats_computed.verified_at IS 'See gridgov.case_stats.verified_at';
COMMENT ON COLUMN gridgov.case_stats_computed.called_back_at IS 'See gridgov.case_stats.called_back_at';
COMMENT ON COLUMN gridgov.case_stats_computed.closed_at IS 'See gridgov.case_stats.closed_at';
COMMENT ON COLUMN gridgov.case_stats_computed.deadline IS 'See gridgov.case_stats.deadline';
COMMENT ON COLUMN gridgov.case_stats_computed.reported_day IS 'See gridgov.case_stats.reported_day';
COMMENT ON COLUMN gridgov.case_stats_computed.filed_day IS 'See gridgov.case_stats.filed_day';
COMMENT ON COLUMN gridgov.case_stats_computed.due_day IS 'See gridgov.case_stats.due_day';
COMMENT ON COLUMN gridgov.case_stats_computed.file_on_time IS 'See gridgov.case_stats.file_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.dispatch_on_time IS 'See gridgov.case_stats.dispatch_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.sign_on_time IS 'See gridgov.case_stats.sign_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.handle_on_time IS 'See gridgov.case_stats.handle_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.verify_on_time IS 'See gridgov.case_stats.verify_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.callback_on_time IS 'See gridgov.case_stats.callback_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.whole_on_time IS 'See gridgov.case_stats.whole_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.response_work_hours IS 'See gridgov.case_stats.response_work_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.response_hours IS 'See gridgov.case_stats.response_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.handle_work_hours IS 'See gridgov.case_stats.handle_work_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.handle_hours IS 'See gridgov.case_stats.handle_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.total_work_hours IS 'See gridgov.case_stats.total_work_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.total_hours IS 'See gridgov.case_stats.total_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.dispatches IS 'See gridgov.case_stats.dispatches';
COMMENT ON COLUMN gridgov.case_stats_computed.returns IS 'See gridgov.case_stats.returns';
COMMENT ON COLUMN gridgov.case_stats_computed.reworks IS 'See gridgov.case_stats.reworks';
COMMENT ON COLUMN gridgov.case_stats_computed.reopens IS 'See gridgov.case_stats.reopens';
COMMENT ON COLUMN gridgov.case_stats_computed.extensions IS 'See gridgov.case_stats.extensions';
COMMENT ON COLUMN gridgov.case_stats_computed.suspensions IS 'See gridgov.case_stats.suspensions';
COMMENT ON COLUMN gridgov.case_stats_computed.supervised IS 'See gridgov.case_stats.supervised';
COMMENT ON COLUMN gridgov.case_stats_computed.escalation_level IS 'See gridgov.case_stats.escalation_level';
COMMENT ON COLUMN gridgov.case_stats_computed.solved IS 'See gridgov.case_stats.solved';
COMMENT ON COLUMN gridgov.case_stats_computed.satisfaction IS 'See gridgov.case_stats.satisfaction';
COMMENT ON COLUMN gridgov.case_stats_computed.merged IS 'See gridgov.case_stats.merged';
COMMENT ON COLUMN gridgov.case_stats_computed.case_updated_at IS 'See gridgov.case_stats.case_updated_at';
COMMENT ON COLUMN gridgov.case_stats_computed.occurred_at IS 'See gridgov.case_stats.occurred_at';
COMMENT ON COLUMN gridgov.case_stats_computed.discover_minutes IS 'See gridgov.case_stats.discover_minutes';
COMMENT ON COLUMN gridgov.case_stats_computed.discover_on_time IS 'See gridgov.case_stats.discover_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.contacted_at IS 'See gridgov.case_stats.contacted_at';
COMMENT ON COLUMN gridgov.case_stats_computed.contact_required IS 'See gridgov.case_stats.contact_required';
COMMENT ON COLUMN gridgov.case_stats_computed.contact_on_time IS 'See gridgov.case_stats.contact_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.supervisions IS 'See gridgov.case_stats.supervisions';
COMMENT ON COLUMN gridgov.case_stats_computed.supervise_on_time IS 'See gridgov.case_stats.supervise_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.returns_requested IS 'See gridgov.case_stats.returns_requested';
COMMENT ON COLUMN gridgov.case_stats_computed.returns_rejected IS 'See gridgov.case_stats.returns_rejected';
COMMENT ON COLUMN gridgov.case_stats_computed.extension_requests IS 'See gridgov.case_stats.extension_requests';
COMMENT ON COLUMN gridgov.case_stats_computed.extension_refusals IS 'See gridgov.case_stats.extension_refusals';
COMMENT ON COLUMN gridgov.case_stats_computed.suspension_requests IS 'See gridgov.case_stats.suspension_requests';
COMMENT ON COLUMN gridgov.case_stats_computed.suspension_refusals IS 'See gridgov.case_stats.suspension_refusals';
COMMENT ON COLUMN gridgov.case_stats_computed.meetings IS 'See gridgov.case_stats.meetings';

-- The public face: one row per case, no personal data ---------------------------

CREATE VIEW gridgov.case_facts AS
SELECT s.case_id, s.case_no, s.county, s.town, s.community, s.grid,
       s.category, pg_catalog.left(s.category, 3) AS category_major,
       CASE WHEN pg_catalog.length(s.category) >= 5 THEN pg_catalog.left(s.category, 5) END AS category_minor,
       cat.name AS category_name, maj.name AS category_major_name,
       s.source, s.urgency, s.workflow, s.state, s.department_id, d.code AS department_code,
       d.name AS department_name, s.location_approx,
       s.reported_at, s.filed_at, s.first_dispatched_at, s.dispatched_at, s.signed_at, s.handled_at,
       s.verified_at, s.called_back_at, s.closed_at, s.deadline,
       s.reported_day, s.filed_day, s.due_day,
       s.file_on_time, s.dispatch_on_time, s.sign_on_time, s.handle_on_time, s.verify_on_time,
       s.callback_on_time, s.whole_on_time,
       s.closed_at <= s.deadline AS closed_on_time,
       s.response_work_hours, s.response_hours, s.handle_work_hours, s.handle_hours,
       s.total_work_hours, s.total_hours,
       s.dispatches, s.returns, s.reworks, s.reopens, s.extensions, s.suspensions, s.supervised,
       s.escalation_level, s.solved, s.satisfaction, s.merged,
       s.occurred_at, s.discover_minutes, s.discover_on_time, s.contacted_at, s.contact_required,
       s.contact_on_time, s.supervisions, s.supervise_on_time, s.returns_requested, s.returns_rejected,
       s.extension_requests, s.extension_refusals, s.suspension_requests, s.suspension_refusals, s.meetings
FROM gridgov.case_stats s
LEFT JOIN gridgov.categories cat ON cat.code = s.category
LEFT JOIN gridgov.categories maj ON maj.code = pg_catalog.left(s.category, 3)
LEFT JOIN gridgov.departments d ON d.id = s.department_id;

COMMENT ON VIEW gridgov.case_facts IS
    'One row per case for BI, without personal data: no reporter name or phone, no address, no title or description, no external id, and the location only snapped to a 0.001 degree lattice. Areas at every level, category, source, department, the time of every stage, deadline, on-time flags, working and calendar durations, counters, escalation and callback answers. See docs/bi.md';
COMMENT ON COLUMN gridgov.case_facts.case_id IS 'Case id (gridgov.cases.id)';
COMMENT ON COLUMN gridgov.case_facts.case_no IS 'Readable case number (county-yyyymmdd-id)';
COMMENT ON COLUMN gridgov.case_facts.county IS 'County (district) code';
COMMENT ON COLUMN gridgov.case_facts.town IS 'Town/street code (the county when the case has no grid)';
COMMENT ON COLUMN gridgov.case_facts.community IS 'Community/village code (the coarser area when the case has none)';
COMMENT ON COLUMN gridgov.case_facts.grid IS 'Unit grid (or the area the case was located to); NULL when outside every grid';
COMMENT ON COLUMN gridgov.case_facts.category IS 'Category code';
COMMENT ON COLUMN gridgov.case_facts.category_major IS 'Major class: the first 3 characters of the code, e.g. E01';
COMMENT ON COLUMN gridgov.case_facts.category_minor IS 'Minor class: the first 5 characters of the code, e.g. E0102 (NULL for a major-class case)';
COMMENT ON COLUMN gridgov.case_facts.category_name IS 'Category name';
COMMENT ON COLUMN gridgov.case_facts.category_major_name IS 'Name of the major class';
COMMENT ON COLUMN gridgov.case_facts.source IS 'Channel: hotline, patrol, video, app, department, leader, city, proactive';
COMMENT ON COLUMN gridgov.case_facts.urgency IS 'normal, urgent or emergency';
COMMENT ON COLUMN gridgov.case_facts.workflow IS 'Workflow';
COMMENT ON COLUMN gridgov.case_facts.state IS 'Current state';
COMMENT ON COLUMN gridgov.case_facts.department_id IS 'Responsible department now (after the last dispatch)';
COMMENT ON COLUMN gridgov.case_facts.department_code IS 'Its code';
COMMENT ON COLUMN gridgov.case_facts.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.case_facts.location_approx IS 'Location snapped to a 0.001 degree lattice (about 110 m x 85 m), WGS-84; never the exact point';
COMMENT ON COLUMN gridgov.case_facts.reported_at IS 'Reported (intake)';
COMMENT ON COLUMN gridgov.case_facts.filed_at IS 'Filed (立案): first file or self_handle event; the report itself for workflows without filing (hotline, dispute)';
COMMENT ON COLUMN gridgov.case_facts.first_dispatched_at IS 'First dispatch (派遣)';
COMMENT ON COLUMN gridgov.case_facts.dispatched_at IS 'Last dispatch (改派 included)';
COMMENT ON COLUMN gridgov.case_facts.signed_at IS 'First sign (签收), or mediate for disputes';
COMMENT ON COLUMN gridgov.case_facts.handled_at IS 'Last handling report (处置反馈): handle, self_handle, agree or fail';
COMMENT ON COLUMN gridgov.case_facts.verified_at IS 'Last passed verification (核查)';
COMMENT ON COLUMN gridgov.case_facts.called_back_at IS 'Last callback (回访) or follow-up';
COMMENT ON COLUMN gridgov.case_facts.closed_at IS 'Closed (结案); NULL while open';
COMMENT ON COLUMN gridgov.case_facts.deadline IS 'Deadline: due time of the latest whole clock, else of the latest handle clock (extensions and pauses included); NULL without such a clock';
COMMENT ON COLUMN gridgov.case_facts.reported_day IS 'Local date reported (analytics time zone)';
COMMENT ON COLUMN gridgov.case_facts.filed_day IS 'Local date filed';
COMMENT ON COLUMN gridgov.case_facts.due_day IS 'Local date of the deadline';
COMMENT ON COLUMN gridgov.case_facts.file_on_time IS 'File stage on time: every ended file clock ended by its due time; false if one ended late; NULL if none ended';
COMMENT ON COLUMN gridgov.case_facts.dispatch_on_time IS 'Dispatch stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.sign_on_time IS 'Sign stage on time (same rule; a return also ends a sign clock)';
COMMENT ON COLUMN gridgov.case_facts.handle_on_time IS 'Handle stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.verify_on_time IS 'Verify stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.callback_on_time IS 'Callback stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.whole_on_time IS 'Whole-case clock on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.closed_on_time IS 'Closed by the deadline (按期结案): closed_at <= deadline; NULL when open or without deadline';
COMMENT ON COLUMN gridgov.case_facts.response_work_hours IS 'Response time: working hours from first dispatch to sign';
COMMENT ON COLUMN gridgov.case_facts.response_hours IS 'Response time in calendar hours';
COMMENT ON COLUMN gridgov.case_facts.handle_work_hours IS 'Handling time: working hours from first dispatch (the report when never dispatched) to the last handling report';
COMMENT ON COLUMN gridgov.case_facts.handle_hours IS 'Handling time in calendar hours';
COMMENT ON COLUMN gridgov.case_facts.total_work_hours IS 'Working hours from report to close';
COMMENT ON COLUMN gridgov.case_facts.total_hours IS 'Calendar hours from report to close';
COMMENT ON COLUMN gridgov.case_facts.dispatches IS 'Dispatches (first one and re-dispatches)';
COMMENT ON COLUMN gridgov.case_facts.returns IS 'Returns by the assignee (退单) approved by the command center';
COMMENT ON COLUMN gridgov.case_facts.reworks IS 'Reworks (返工)';
COMMENT ON COLUMN gridgov.case_facts.reopens IS 'Reopens';
COMMENT ON COLUMN gridgov.case_facts.extensions IS 'Approved extensions (延期)';
COMMENT ON COLUMN gridgov.case_facts.suspensions IS 'Suspensions (挂账)';
COMMENT ON COLUMN gridgov.case_facts.supervised IS 'Supervision flag (督办)';
COMMENT ON COLUMN gridgov.case_facts.escalation_level IS 'Highest escalation rung reached (0: none)';
COMMENT ON COLUMN gridgov.case_facts.solved IS 'Callback: solved?';
COMMENT ON COLUMN gridgov.case_facts.satisfaction IS 'Callback: satisfied, basically_satisfied or unsatisfied';
COMMENT ON COLUMN gridgov.case_facts.merged IS 'A duplicate merged into another case (left out of every rate)';
COMMENT ON COLUMN gridgov.case_facts.occurred_at IS 'When the problem occurred or was found (发现时间), as given at intake; NULL when unknown';
COMMENT ON COLUMN gridgov.case_facts.discover_minutes IS 'Discovery time: calendar minutes from occurred_at to the report';
COMMENT ON COLUMN gridgov.case_facts.discover_on_time IS 'Reported within the discover policy''s limit after occurred_at (e.g. 30 minutes to discover); NULL without occurred_at or without a discover policy';
COMMENT ON COLUMN gridgov.case_facts.contacted_at IS 'First contact with the caller (先行联系)';
COMMENT ON COLUMN gridgov.case_facts.contact_required IS 'The case reached a first-contact step (a contact clock ran, however it ended)';
COMMENT ON COLUMN gridgov.case_facts.contact_on_time IS 'Contact stage on time (same rule as sign_on_time)';
COMMENT ON COLUMN gridgov.case_facts.supervisions IS 'Times the case was put under supervision (督办)';
COMMENT ON COLUMN gridgov.case_facts.supervise_on_time IS 'Supervision answered on time: every ended supervise clock ended by its due time; NULL if none ended';
COMMENT ON COLUMN gridgov.case_facts.returns_requested IS 'Returns asked for by the assignee (申请退单); approved ones are in returns';
COMMENT ON COLUMN gridgov.case_facts.returns_rejected IS 'Returns the command center rejected (退单驳回): they count against the assignee';
COMMENT ON COLUMN gridgov.case_facts.extension_requests IS 'Extensions asked for (申请延期)';
COMMENT ON COLUMN gridgov.case_facts.extension_refusals IS 'Extension requests refused';
COMMENT ON COLUMN gridgov.case_facts.suspension_requests IS 'Suspensions asked for (申请挂账)';
COMMENT ON COLUMN gridgov.case_facts.suspension_refusals IS 'Suspension requests refused';
COMMENT ON COLUMN gridgov.case_facts.meetings IS 'Joint meetings (会商) the case was referred to as a difficult case';
-- ---------------------------------------------------------------------------
-- analytics (2/7): what each case counts for, the month summaries, and their
-- incremental maintenance.
--
-- gridgov.stat_rows(case) is the single definition of what a case contributes
-- to every count: a row at its reported day (three rates, first-dispatch
-- accuracy), one at its filing day (filed), one at its deadline's day (due,
-- closed, on time, rework, extension, handling time).  The summaries
-- (stats_month, stats_month_hist, stats_month_category) are sums of these rows
-- by month x county x town x department.  gridgov.analytics_refresh()
-- recomputes the changed cases' rows in gridgov.case_stats and appends the
-- difference of their contributions to the summaries as delta rows (no row is
-- updated in place, so concurrent transactions never wait on each other);
-- readers always SUM, and gridgov.analytics_compact() (nightly) folds the
-- deltas.  docs/bi.md explains the choice of grain.  A query over case_stats
-- passes each row as ROW(s.*)::gridgov.case_stats, not s: on Citus it runs on
-- the shards, where s has the shard's row type, which stat_rows() does not take.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.stat_rows(s gridgov.case_stats)
    RETURNS TABLE (day date, reported integer, merged integer, dispatched integer, responded integer,
                   first_dispatch_ok integer, called_back integer, solved integer, satisfied integer,
                   filed integer, due integer, closed integer, closed_on_time integer, reworked integer,
                   extended integer, handled integer, handle_hours numeric, handle_bucket numeric)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT v.day, v.reported, v.merged, v.dispatched, v.responded, v.first_dispatch_ok, v.called_back,
           v.solved, v.satisfied, v.filed, v.due, v.closed, v.closed_on_time, v.reworked, v.extended,
           v.handled, v.handle_hours, v.handle_bucket
    FROM (VALUES
        -- at the reported day: intake, dispatch, response, callback answers.
        -- Responded: signed in time and, where the case reached a first-contact
        -- step (a contact clock), the caller contacted in time.  First dispatch
        -- ok: one dispatch, no approved return (a rejected one does not count).
        ('r', (s).reported_day, 1, (s).merged::integer,
         (NOT (s).merged AND (s).dispatches >= 1)::integer,
         (NOT (s).merged AND (s).dispatches >= 1 AND (s).signed_at IS NOT NULL
              AND (s).sign_on_time IS NOT FALSE
              AND (NOT (s).contact_required
                   OR ((s).contacted_at IS NOT NULL AND (s).contact_on_time IS NOT FALSE)))::integer,
         (NOT (s).merged AND (s).dispatches = 1 AND (s).returns = 0 AND (s).closed_at IS NOT NULL)::integer,
         (NOT (s).merged AND (s).solved IS NOT NULL)::integer,
         (NOT (s).merged AND COALESCE((s).solved, false))::integer,
         (NOT (s).merged AND (s).solved IS NOT NULL
              AND COALESCE((s).satisfaction IN ('satisfied', 'basically_satisfied'), false))::integer,
         0, 0, 0, 0, 0, 0, 0, 0::numeric, NULL::numeric),
        -- at the filing day
        ('f', (s).filed_day, 0, 0, 0, 0, 0, 0, 0, 0,
         1, 0, 0, 0, 0, 0, 0, 0::numeric, NULL::numeric),
        -- at the deadline's day: the case is due (应结案)
        ('d', (s).due_day, 0, 0, 0, 0, 0, 0, 0, 0,
         0, 1, ((s).closed_at IS NOT NULL)::integer,
         COALESCE((s).closed_at <= (s).deadline, false)::integer,
         ((s).reworks > 0)::integer, ((s).extensions > 0)::integer,
         ((s).handle_work_hours IS NOT NULL)::integer,
         COALESCE((s).handle_work_hours, 0::numeric),
         gridgov.handle_bucket((s).handle_work_hours))
    ) v(kind, day, reported, merged, dispatched, responded, first_dispatch_ok, called_back, solved,
        satisfied, filed, due, closed, closed_on_time, reworked, extended, handled, handle_hours,
        handle_bucket)
    WHERE v.day IS NOT NULL
      AND (v.kind <> 'd' OR ((s).filed_at IS NOT NULL AND NOT (s).merged));
END;
COMMENT ON FUNCTION gridgov.stat_rows(gridgov.case_stats) IS
    'What one case counts for, as up to three rows: at its reported day (reported, merged, dispatched, responded in time (signed in time and, where a contact clock ran, the caller contacted in time), first-dispatch ok (one dispatch, no approved return), called back, solved, satisfied), at its filing day (filed), at its deadline''s day if it is due (due, closed, closed on time, reworked, extended, handled, handling hours and histogram bucket). The one definition behind the summaries and every metric view; see docs/bi.md';

-- Month summaries -------------------------------------------------------------

CREATE TABLE gridgov.stats_month (
    month             date NOT NULL,
    county            gridgov.gridcode NOT NULL,
    town              gridgov.gridcode NOT NULL,
    department_id     bigint,
    reported          bigint NOT NULL DEFAULT 0,
    merged            bigint NOT NULL DEFAULT 0,
    dispatched        bigint NOT NULL DEFAULT 0,
    responded         bigint NOT NULL DEFAULT 0,
    first_dispatch_ok bigint NOT NULL DEFAULT 0,
    called_back       bigint NOT NULL DEFAULT 0,
    solved            bigint NOT NULL DEFAULT 0,
    satisfied         bigint NOT NULL DEFAULT 0,
    filed             bigint NOT NULL DEFAULT 0,
    due               bigint NOT NULL DEFAULT 0,
    closed            bigint NOT NULL DEFAULT 0,
    closed_on_time    bigint NOT NULL DEFAULT 0,
    reworked          bigint NOT NULL DEFAULT 0,
    extended          bigint NOT NULL DEFAULT 0,
    handled           bigint NOT NULL DEFAULT 0,
    handle_hours      numeric NOT NULL DEFAULT 0
);
CREATE INDEX stats_month_key ON gridgov.stats_month (month, county, town, department_id);
COMMENT ON TABLE gridgov.stats_month IS
    'Month summary: sums of gridgov.stat_rows() by local month, county, town and department. Several rows per key may exist (deltas appended by the triggers, folded by gridgov.analytics_compact()): always read it with SUM ... GROUP BY. Derived; not dumped';
COMMENT ON COLUMN gridgov.stats_month.month IS 'First day of the local month';
COMMENT ON COLUMN gridgov.stats_month.county IS 'County';
COMMENT ON COLUMN gridgov.stats_month.town IS 'Town (gridgov.area_at(county, grid, 4))';
COMMENT ON COLUMN gridgov.stats_month.department_id IS 'Responsible department';
COMMENT ON COLUMN gridgov.stats_month.reported IS 'Cases reported in the month';
COMMENT ON COLUMN gridgov.stats_month.merged IS 'Of those, merged duplicates';
COMMENT ON COLUMN gridgov.stats_month.dispatched IS 'Of those, dispatched at least once (not merged)';
COMMENT ON COLUMN gridgov.stats_month.responded IS 'Of the dispatched, signed with every sign clock met in time and, where a contact clock ran, the caller contacted with every contact clock met in time';
COMMENT ON COLUMN gridgov.stats_month.first_dispatch_ok IS 'Of the dispatched, closed after exactly one dispatch and no approved return';
COMMENT ON COLUMN gridgov.stats_month.called_back IS 'Of those reported, called back (not merged)';
COMMENT ON COLUMN gridgov.stats_month.solved IS 'Of the called back, solved';
COMMENT ON COLUMN gridgov.stats_month.satisfied IS 'Of the called back, satisfied or basically satisfied';
COMMENT ON COLUMN gridgov.stats_month.filed IS 'Cases filed in the month';
COMMENT ON COLUMN gridgov.stats_month.due IS 'Cases due in the month: filed, not merged, deadline in the month';
COMMENT ON COLUMN gridgov.stats_month.closed IS 'Of the due, closed';
COMMENT ON COLUMN gridgov.stats_month.closed_on_time IS 'Of the due, closed by the deadline';
COMMENT ON COLUMN gridgov.stats_month.reworked IS 'Of the due, reworked at least once';
COMMENT ON COLUMN gridgov.stats_month.extended IS 'Of the due, extended at least once';
COMMENT ON COLUMN gridgov.stats_month.handled IS 'Of the due, with a handling time';
COMMENT ON COLUMN gridgov.stats_month.handle_hours IS 'Sum of their handling times in working hours';

CREATE TABLE gridgov.stats_month_hist (
    month         date NOT NULL,
    county        gridgov.gridcode NOT NULL,
    town          gridgov.gridcode NOT NULL,
    department_id bigint,
    bucket        numeric NOT NULL,
    cases         bigint NOT NULL
);
CREATE INDEX stats_month_hist_key ON gridgov.stats_month_hist (month, county, town, department_id, bucket);
COMMENT ON TABLE gridgov.stats_month_hist IS
    'Month summary of handling times: due cases with a handling time per gridgov.handle_bucket() upper bound, by local month of the deadline, county, town and department (deltas as in stats_month; read with SUM). Derived; not dumped';
COMMENT ON COLUMN gridgov.stats_month_hist.month IS 'First day of the local month of the deadline';
COMMENT ON COLUMN gridgov.stats_month_hist.county IS 'County';
COMMENT ON COLUMN gridgov.stats_month_hist.town IS 'Town';
COMMENT ON COLUMN gridgov.stats_month_hist.department_id IS 'Responsible department';
COMMENT ON COLUMN gridgov.stats_month_hist.bucket IS 'Upper bound of the handling-time bucket, in working hours (Infinity: over 480)';
COMMENT ON COLUMN gridgov.stats_month_hist.cases IS 'Due cases whose handling time falls in the bucket';

CREATE TABLE gridgov.stats_month_category (
    month    date NOT NULL,
    county   gridgov.gridcode NOT NULL,
    category text COLLATE pg_catalog."C" NOT NULL,
    reported bigint NOT NULL
);
CREATE INDEX stats_month_category_key ON gridgov.stats_month_category (county, category, month);
COMMENT ON TABLE gridgov.stats_month_category IS
    'Month summary by category: cases reported per local month, county and category (deltas; read with SUM); behind gridgov.seasonal. Derived; not dumped';
COMMENT ON COLUMN gridgov.stats_month_category.month IS 'First day of the local month';
COMMENT ON COLUMN gridgov.stats_month_category.county IS 'County';
COMMENT ON COLUMN gridgov.stats_month_category.category IS 'Category code';
COMMENT ON COLUMN gridgov.stats_month_category.reported IS 'Cases reported';

-- Applying the change of some cases' rows to the summaries ---------------------

CREATE FUNCTION gridgov.stats_apply(old_rows gridgov.case_stats[], new_rows gridgov.case_stats[])
    RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
BEGIN
    WITH d AS MATERIALIZED (
        SELECT -1 AS sgn, o.county, o.town, o.department_id, o.category, r.*
        FROM pg_catalog.unnest(old_rows) o CROSS JOIN LATERAL gridgov.stat_rows(o) r
        UNION ALL
        SELECT 1, n.county, n.town, n.department_id, n.category, r.*
        FROM pg_catalog.unnest(new_rows) n CROSS JOIN LATERAL gridgov.stat_rows(n) r
    ), m AS (
        INSERT INTO gridgov.stats_month (month, county, town, department_id, reported, merged, dispatched,
                                         responded, first_dispatch_ok, called_back, solved, satisfied, filed,
                                         due, closed, closed_on_time, reworked, extended, handled, handle_hours)
        SELECT pg_catalog.date_trunc('month', d.day::timestamp)::date, d.county, d.town, d.department_id,
               pg_catalog.sum(d.sgn * d.reported), pg_catalog.sum(d.sgn * d.merged),
               pg_catalog.sum(d.sgn * d.dispatched), pg_catalog.sum(d.sgn * d.responded),
               pg_catalog.sum(d.sgn * d.first_dispatch_ok), pg_catalog.sum(d.sgn * d.called_back),
               pg_catalog.sum(d.sgn * d.solved), pg_catalog.sum(d.sgn * d.satisfied),
               pg_catalog.sum(d.sgn * d.filed), pg_catalog.sum(d.sgn * d.due), pg_catalog.sum(d.sgn * d.closed),
               pg_catalog.sum(d.sgn * d.closed_on_time), pg_catalog.sum(d.sgn * d.reworked),
               pg_catalog.sum(d.sgn * d.extended), pg_catalog.sum(d.sgn * d.handled),
               pg_catalog.sum(d.sgn * d.handle_hours)
        FROM d
        GROUP BY 1, 2, 3, 4
        HAVING pg_catalog.sum(d.sgn * d.reported) <> 0 OR pg_catalog.sum(d.sgn * d.merged) <> 0
            OR pg_catalog.sum(d.sgn * d.dispatched) <> 0 OR pg_catalog.sum(d.sgn * d.responded) <> 0
            OR pg_catalog.sum(d.sgn * d.first_dispatch_ok) <> 0 OR pg_catalog.sum(d.sgn * d.called_back) <> 0
            OR pg_catalog.sum(d.sgn * d.solved) <> 0 OR pg_catalog.sum(d.sgn * d.satisfied) <> 0
            OR pg_catalog.sum(d.sgn * d.filed) <> 0 OR pg_catalog.sum(d.sgn * d.due) <> 0
            OR pg_catalog.sum(d.sgn * d.closed) <> 0 OR pg_catalog.sum(d.sgn * d.closed_on_time) <> 0
            OR pg_catalog.sum(d.sgn * d.reworked) <> 0 OR pg_catalog.sum(d.sgn * d.extended) <> 0
            OR pg_catalog.sum(d.sgn * d.handled) <> 0 OR pg_catalog.sum(d.sgn * d.handle_hours) <> 0
        RETURNING 1
    ), h AS (
        INSERT INTO gridgov.stats_month_hist (month, county, town, department_id, bucket, cases)
        SELECT pg_catalog.date_trunc('month', d.day::timestamp)::date, d.county, d.town, d.department_id,
               d.handle_bucket, pg_catalog.sum(d.sgn * d.handled)
        FROM d WHERE d.handled <> 0
        GROUP BY 1, 2, 3, 4, 5
        HAVING pg_catalog.sum(d.sgn * d.handled) <> 0
        RETURNING 1
    )
    INSERT INTO gridgov.stats_month_category (month, county, category, reported)
    SELECT pg_catalog.date_trunc('month', d.day::timestamp)::date, d.county, d.category,
           pg_catalog.sum(d.sgn * d.reported)
    FROM d WHERE d.reported <> 0
    GROUP BY 1, 2, 3
    HAVING pg_catalog.sum(d.sgn * d.reported) <> 0;
END
$$;
COMMENT ON FUNCTION gridgov.stats_apply(gridgov.case_stats[], gridgov.case_stats[]) IS
    'Internal: appends to the summaries the difference between the contributions of the new and the old case_stats rows (keys whose sums do not change get no row)';

-- The lock shared by every refresh and taken exclusively by the drain.
CREATE FUNCTION gridgov.analytics_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 7452019470358102011;
COMMENT ON FUNCTION gridgov.analytics_lock_key() IS
    'Internal: key of the advisory lock that every analytics refresh holds shared and gridgov.analytics_refresh_pending() exclusively';

CREATE FUNCTION gridgov.analytics_refresh(case_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    old_rows gridgov.case_stats[];
    new_rows gridgov.case_stats[];
    done integer;
    one_county gridgov.gridcode;
BEGIN
    IF case_ids IS NULL OR pg_catalog.cardinality(case_ids) = 0 THEN
        RETURN 0;
    END IF;
    -- Large sets (a bulk COPY, a restore) in slices of 10,000 cases, so that the
    -- arrays below stay small.
    IF pg_catalog.cardinality(case_ids) > 10000 THEN
        done := 0;
        FOR i IN 1 .. pg_catalog.cardinality(case_ids) BY 10000 LOOP
            done := done + gridgov.analytics_refresh(case_ids[i : i + 9999]);
        END LOOP;
        RETURN done;
    END IF;
    -- No drain in another transaction meanwhile (see the outbox below).
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(gridgov.analytics_lock_key());
    -- Lock the rows first: a concurrent refresh of the same case waits here and
    -- then sees this one's result.  County by county, in key order (Citus locks
    -- rows only in a query on one county's shard).
    FOR one_county IN SELECT DISTINCT s.county FROM gridgov.case_stats s WHERE s.case_id = ANY (case_ids)
             ORDER BY s.county LOOP
        PERFORM 1 FROM gridgov.case_stats s
        WHERE s.county OPERATOR(gridgov.=) one_county AND s.case_id = ANY (case_ids) ORDER BY s.case_id FOR UPDATE;
    END LOOP;
    -- The rows that change, before and after.
    old_rows := ARRAY(SELECT s FROM gridgov.case_stats s WHERE s.case_id = ANY (case_ids));
    new_rows := ARRAY(SELECT ROW(v.*)::gridgov.case_stats FROM gridgov.case_stats_computed v
                      WHERE v.case_id = ANY (case_ids));
    SELECT pg_catalog.array_agg(o ORDER BY n.case_id) FILTER (WHERE o.case_id IS NOT NULL),
           pg_catalog.array_agg(n ORDER BY n.case_id)
    INTO old_rows, new_rows
    FROM pg_catalog.unnest(new_rows) n
    LEFT JOIN pg_catalog.unnest(old_rows) o ON o.case_id = n.case_id
    WHERE o IS DISTINCT FROM n;
    IF new_rows IS NULL THEN
        RETURN 0;
    END IF;
    -- Their contributions, unless unchanged (most workflow steps change some).
    IF EXISTS ((SELECT o.county, o.town, o.department_id, o.category, r.*
                FROM pg_catalog.unnest(old_rows) o CROSS JOIN LATERAL gridgov.stat_rows(o) r
                EXCEPT ALL
                SELECT n.county, n.town, n.department_id, n.category, r.*
                FROM pg_catalog.unnest(new_rows) n CROSS JOIN LATERAL gridgov.stat_rows(n) r)
               UNION ALL
               (SELECT n.county, n.town, n.department_id, n.category, r.*
                FROM pg_catalog.unnest(new_rows) n CROSS JOIN LATERAL gridgov.stat_rows(n) r
                EXCEPT ALL
                SELECT o.county, o.town, o.department_id, o.category, r.*
                FROM pg_catalog.unnest(old_rows) o CROSS JOIN LATERAL gridgov.stat_rows(o) r)) THEN
        PERFORM gridgov.stats_apply(old_rows, new_rows);
    END IF;
    INSERT INTO gridgov.case_stats AS t SELECT (n).* FROM pg_catalog.unnest(new_rows) n
    ON CONFLICT (county, case_id) DO UPDATE SET
        case_no = excluded.case_no, source = excluded.source, category = excluded.category,
        urgency = excluded.urgency, workflow = excluded.workflow, state = excluded.state,
        grid = excluded.grid, town = excluded.town, community = excluded.community,
        department_id = excluded.department_id, location_approx = excluded.location_approx,
        reported_at = excluded.reported_at, filed_at = excluded.filed_at,
        first_dispatched_at = excluded.first_dispatched_at, dispatched_at = excluded.dispatched_at,
        signed_at = excluded.signed_at, handled_at = excluded.handled_at, verified_at = excluded.verified_at,
        called_back_at = excluded.called_back_at, closed_at = excluded.closed_at, deadline = excluded.deadline,
        reported_day = excluded.reported_day, filed_day = excluded.filed_day, due_day = excluded.due_day,
        file_on_time = excluded.file_on_time, dispatch_on_time = excluded.dispatch_on_time,
        sign_on_time = excluded.sign_on_time, handle_on_time = excluded.handle_on_time,
        verify_on_time = excluded.verify_on_time, callback_on_time = excluded.callback_on_time,
        whole_on_time = excluded.whole_on_time, response_work_hours = excluded.response_work_hours,
        response_hours = excluded.response_hours, handle_work_hours = excluded.handle_work_hours,
        handle_hours = excluded.handle_hours, total_work_hours = excluded.total_work_hours,
        total_hours = excluded.total_hours, dispatches = excluded.dispatches, returns = excluded.returns,
        reworks = excluded.reworks, reopens = excluded.reopens, extensions = excluded.extensions,
        suspensions = excluded.suspensions, supervised = excluded.supervised,
        escalation_level = excluded.escalation_level, solved = excluded.solved,
        satisfaction = excluded.satisfaction, merged = excluded.merged,
        case_updated_at = excluded.case_updated_at, occurred_at = excluded.occurred_at,
        discover_minutes = excluded.discover_minutes, discover_on_time = excluded.discover_on_time,
        contacted_at = excluded.contacted_at, contact_required = excluded.contact_required,
        contact_on_time = excluded.contact_on_time, supervisions = excluded.supervisions,
        supervise_on_time = excluded.supervise_on_time, returns_requested = excluded.returns_requested,
        returns_rejected = excluded.returns_rejected, extension_requests = excluded.extension_requests,
        extension_refusals = excluded.extension_refusals, suspension_requests = excluded.suspension_requests,
        suspension_refusals = excluded.suspension_refusals, meetings = excluded.meetings;
    RETURN pg_catalog.cardinality(new_rows);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_refresh(bigint[]) IS
    'Administration: Recomputes the case_stats rows of the given cases from their sources, writes those that changed and appends the change of their contributions to the summaries; returns the number of rows that changed. Called by gridgov.analytics_refresh_pending() for the cases of the history''s new events, or at once by the intake and update statement triggers when gridgov.analytics_sync is on; safe to call at any time';
REVOKE EXECUTE ON FUNCTION gridgov.analytics_refresh(bigint[]) FROM PUBLIC;

-- The history as the analytics' outbox ---------------------------------------------
--
-- Every change of a case appends exactly one row to gridgov.case_events, with
-- the id of the transaction that appended it (case_events.txid).
-- gridgov.analytics_refresh_pending(), run every minute by the gridgov-analytics
-- job, refreshes the cases of the events appended since its last run: those of
-- the transactions whose ids lie at or above the watermark and below the
-- oldest transaction still running (the xmin of the current snapshot).  Every
-- transaction below that horizon has ended, so its events are all visible, and
-- none of a transaction still running (or one that commits later with a lower
-- id) is passed over: the watermark only moves up to the horizon.  docs/bi.md
-- explains the order.  SET gridgov.analytics_sync = on refreshes in the writing
-- transaction instead (tests, small sites that want no delay): the intake
-- trigger then refreshes the new cases, and the one AFTER UPDATE statement
-- trigger below the updated ones.
--
-- Two refreshes of a case that has no case_stats row yet must not both count
-- it; a refresh holds a shared advisory lock until its transaction ends and
-- the drain an exclusive one, so the drain never overlaps a refresh in another
-- transaction (rows that exist are serialized by their row lock).

CREATE TABLE gridgov.analytics_watermark (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    below     bigint NOT NULL
);
COMMENT ON TABLE gridgov.analytics_watermark IS
    'How far the analytics have read the history (one row): the events of every transaction with an id below this one are taken in. Derived; not dumped (gridgov.analytics_rebuild() sets it)';
COMMENT ON COLUMN gridgov.analytics_watermark.singleton IS 'Always true: the table has one row';
COMMENT ON COLUMN gridgov.analytics_watermark.below IS 'Transaction id up to which (exclusive) the events of case_events are taken in';
INSERT INTO gridgov.analytics_watermark (below)
VALUES ((pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint);

CREATE FUNCTION gridgov.analytics_sync() RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_analytics_sync_setting' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.analytics_sync() IS
    'Whether setting gridgov.analytics_sync is on: the intake and the update trigger then refresh the analytics in the writing transaction';

CREATE FUNCTION gridgov.analytics_refresh_pending(max_entries integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    below bigint;
    horizon bigint;
    last bigint;
    ids bigint[];
BEGIN
    IF max_entries IS NOT NULL AND max_entries < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('max_entries must be positive, not %s', max_entries),
            HINT = 'Pass NULL to take in every new event.';
    END IF;
    -- One drain at a time, and none while another transaction is refreshing:
    -- the next run (a minute later) takes over.
    IF NOT pg_catalog.pg_try_advisory_xact_lock(gridgov.analytics_lock_key()) THEN
        RETURN 0;
    END IF;
    -- On a Citus cluster the history is written under each worker's own
    -- transaction ids: a watermark per node (096_citus.sql).
    IF gridgov.citus_node_group() = 0 THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                   WHERE p.logicalrelid = 'gridgov.case_events'::pg_catalog.regclass) THEN
            RETURN gridgov.analytics_refresh_nodes(max_entries);
        END IF;
    END IF;
    SELECT w.below INTO below FROM gridgov.analytics_watermark w FOR UPDATE;
    IF below IS NULL THEN
        -- No watermark: a restore removed it (src/cases/restore.c).  The
        -- analytics are not dumped and the restored events carry the old
        -- cluster's transaction ids, so everything is recomputed once and the
        -- watermark set for this cluster (docs/backup.md).
        RETURN gridgov.analytics_rebuild();
    END IF;
    horizon := (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
    IF max_entries IS NOT NULL THEN
        -- The transactions of the first max_entries new events, whole.
        SELECT pg_catalog.max(x.txid) INTO last
        FROM (SELECT e.txid FROM gridgov.case_events e WHERE e.txid >= below AND e.txid < horizon
              ORDER BY e.txid LIMIT max_entries) x;
        horizon := COALESCE(last + 1, horizon);
    END IF;
    ids := ARRAY(SELECT DISTINCT e.case_id FROM gridgov.case_events e
                 WHERE e.txid >= below AND e.txid < horizon ORDER BY 1);
    UPDATE gridgov.analytics_watermark SET below = horizon;
    IF pg_catalog.cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM gridgov.analytics_refresh(ids);
    RETURN pg_catalog.cardinality(ids);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_refresh_pending(integer) IS
    'Administration: takes in the history''s new events (those of the transactions between the watermark and the oldest transaction still running; at most max_entries events and the rest of their last transaction; NULL: all) and refreshes the analytics of their cases; returns the number of distinct cases refreshed. Returns 0 at once while another drain, or a refresh in another transaction, is running. Without a watermark row (removed by a restore of cases: the analytics are not dumped, and restored events carry the old cluster''s transaction ids) it runs gridgov.analytics_rebuild() instead and returns its count. Run every minute by the gridgov-analytics job; 22023 for a max_entries below 1';

-- Trigger: with gridgov.analytics_sync on, the updated cases at once --------------

CREATE FUNCTION gridgov.analytics_cases_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    PERFORM gridgov.trigger_check('analytics_cases_changed', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    PERFORM gridgov.analytics_refresh(ARRAY(SELECT DISTINCT n.id FROM changed_cases n ORDER BY n.id));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_cases_changed() IS
    'AFTER UPDATE statement trigger on cases, only with gridgov.analytics_sync on: refreshes the analytics of the updated cases in the writing transaction (their events and clocks are written by then: the engine writes them before each row)';
CREATE TRIGGER stats_cases_update AFTER UPDATE ON gridgov.cases
    REFERENCING NEW TABLE AS changed_cases
    FOR EACH STATEMENT WHEN (gridgov.analytics_sync())
    EXECUTE FUNCTION gridgov.analytics_cases_changed();

-- Rebuild, compaction, check -------------------------------------------------------

CREATE FUNCTION gridgov.analytics_rebuild_summaries() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE gridgov.stats_month, gridgov.stats_month_hist, gridgov.stats_month_category IN EXCLUSIVE MODE;
    TRUNCATE gridgov.stats_month, gridgov.stats_month_hist, gridgov.stats_month_category;
    INSERT INTO gridgov.stats_month (month, county, town, department_id, reported, merged, dispatched,
                                     responded, first_dispatch_ok, called_back, solved, satisfied, filed,
                                     due, closed, closed_on_time, reworked, extended, handled, handle_hours)
    SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date, s.county, s.town, s.department_id,
           pg_catalog.sum(r.reported), pg_catalog.sum(r.merged), pg_catalog.sum(r.dispatched),
           pg_catalog.sum(r.responded), pg_catalog.sum(r.first_dispatch_ok), pg_catalog.sum(r.called_back),
           pg_catalog.sum(r.solved), pg_catalog.sum(r.satisfied), pg_catalog.sum(r.filed),
           pg_catalog.sum(r.due), pg_catalog.sum(r.closed), pg_catalog.sum(r.closed_on_time),
           pg_catalog.sum(r.reworked), pg_catalog.sum(r.extended), pg_catalog.sum(r.handled),
           pg_catalog.sum(r.handle_hours)
    FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
    GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO gridgov.stats_month_hist (month, county, town, department_id, bucket, cases)
    SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date, s.county, s.town, s.department_id,
           r.handle_bucket, pg_catalog.count(*)
    FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
    WHERE s.deadline IS NOT NULL AND s.handle_work_hours IS NOT NULL AND r.handled = 1
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO gridgov.stats_month_category (month, county, category, reported)
    SELECT pg_catalog.date_trunc('month', s.reported_day::timestamp)::date, s.county, s.category,
           pg_catalog.count(*)
    FROM gridgov.case_stats s
    GROUP BY 1, 2, 3;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_rebuild_summaries() IS
    'Administration: Rebuilds the month summaries from gridgov.case_stats (after a bulk load that bypassed the triggers, or to start afresh); returns the number of stats_month rows';

CREATE FUNCTION gridgov.analytics_rebuild() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    -- On a Citus node: the truncations and refills of many shards over one
    -- connection per node (Citus deadlocks against itself otherwise), until
    -- this function returns.
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;
    LOCK TABLE gridgov.case_stats IN EXCLUSIVE MODE;
    TRUNCATE gridgov.case_stats;
    INSERT INTO gridgov.case_stats SELECT * FROM gridgov.case_stats_computed;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM gridgov.analytics_rebuild_summaries();
    -- What this transaction's snapshot saw is taken in; the events of the
    -- transactions still running are the drain's.  (On a Citus cluster the
    -- workers' watermarks start again from their first events.)
    DELETE FROM gridgov.analytics_node_watermarks;
    DELETE FROM gridgov.analytics_watermark;
    INSERT INTO gridgov.analytics_watermark (below)
    VALUES ((pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint);
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_rebuild() IS
    'Administration: Recomputes gridgov.case_stats for every case from cases, case_events and case_clocks, then the summaries, and moves the watermark of the history''s events to what it read; returns the number of cases. Run it after a restore (derived tables are not dumped), after a bulk load with triggers disabled, or after correcting the analytics calendar''s holidays';

CREATE FUNCTION gridgov.analytics_compact() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    before bigint;
    after bigint;
    n bigint;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.analytics_compact'));
    SELECT pg_catalog.count(*) INTO before FROM gridgov.stats_month;
    WITH gone AS (DELETE FROM gridgov.stats_month RETURNING *)
    INSERT INTO gridgov.stats_month (month, county, town, department_id, reported, merged, dispatched,
                                     responded, first_dispatch_ok, called_back, solved, satisfied, filed,
                                     due, closed, closed_on_time, reworked, extended, handled, handle_hours)
    SELECT g.month, g.county, g.town, g.department_id, pg_catalog.sum(g.reported), pg_catalog.sum(g.merged),
           pg_catalog.sum(g.dispatched), pg_catalog.sum(g.responded), pg_catalog.sum(g.first_dispatch_ok),
           pg_catalog.sum(g.called_back), pg_catalog.sum(g.solved), pg_catalog.sum(g.satisfied),
           pg_catalog.sum(g.filed), pg_catalog.sum(g.due), pg_catalog.sum(g.closed),
           pg_catalog.sum(g.closed_on_time), pg_catalog.sum(g.reworked), pg_catalog.sum(g.extended),
           pg_catalog.sum(g.handled), pg_catalog.sum(g.handle_hours)
    FROM gone g
    GROUP BY g.month, g.county, g.town, g.department_id
    HAVING pg_catalog.sum(g.reported) <> 0 OR pg_catalog.sum(g.filed) <> 0 OR pg_catalog.sum(g.due) <> 0
        OR pg_catalog.sum(g.merged) <> 0 OR pg_catalog.sum(g.dispatched) <> 0
        OR pg_catalog.sum(g.responded) <> 0 OR pg_catalog.sum(g.first_dispatch_ok) <> 0
        OR pg_catalog.sum(g.called_back) <> 0 OR pg_catalog.sum(g.solved) <> 0
        OR pg_catalog.sum(g.satisfied) <> 0 OR pg_catalog.sum(g.closed) <> 0
        OR pg_catalog.sum(g.closed_on_time) <> 0 OR pg_catalog.sum(g.reworked) <> 0
        OR pg_catalog.sum(g.extended) <> 0 OR pg_catalog.sum(g.handled) <> 0
        OR pg_catalog.sum(g.handle_hours) <> 0;
    SELECT pg_catalog.count(*) INTO after FROM gridgov.stats_month;
    n := before - after;
    SELECT pg_catalog.count(*) INTO before FROM gridgov.stats_month_hist;
    WITH gone AS (DELETE FROM gridgov.stats_month_hist RETURNING *)
    INSERT INTO gridgov.stats_month_hist (month, county, town, department_id, bucket, cases)
    SELECT g.month, g.county, g.town, g.department_id, g.bucket, pg_catalog.sum(g.cases)
    FROM gone g GROUP BY g.month, g.county, g.town, g.department_id, g.bucket
    HAVING pg_catalog.sum(g.cases) <> 0;
    SELECT pg_catalog.count(*) INTO after FROM gridgov.stats_month_hist;
    n := n + before - after;
    SELECT pg_catalog.count(*) INTO before FROM gridgov.stats_month_category;
    WITH gone AS (DELETE FROM gridgov.stats_month_category RETURNING *)
    INSERT INTO gridgov.stats_month_category (month, county, category, reported)
    SELECT g.month, g.county, g.category, pg_catalog.sum(g.reported)
    FROM gone g GROUP BY g.month, g.county, g.category
    HAVING pg_catalog.sum(g.reported) <> 0;
    SELECT pg_catalog.count(*) INTO after FROM gridgov.stats_month_category;
    RETURN n + before - after;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_compact() IS
    'Administration: Folds the delta rows of the month summaries into one row per key and drops keys whose sums are all zero; returns the number of rows removed. Results do not change. Run nightly by gridgov.analytics_nightly()';

CREATE FUNCTION gridgov.analytics_check()
    RETURNS TABLE (object text, key text, problem text)
LANGUAGE sql STABLE PARALLEL SAFE
-- row_to_json() of a geometry makes PostGIS look up spatial_ref_sys: under
-- this path, never under the caller's.
SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    WITH stored AS (
        SELECT s.case_id, pg_catalog.row_to_json(s)::jsonb AS j FROM gridgov.case_stats s
    ), fresh AS (
        SELECT v.case_id, pg_catalog.row_to_json(v)::jsonb AS j FROM gridgov.case_stats_computed v
    ), facts AS (
        SELECT 'case_stats'::text AS object, COALESCE(a.case_id, b.case_id)::text AS key,
               CASE WHEN a.case_id IS NULL THEN 'missing'
                    WHEN b.case_id IS NULL THEN 'case gone'
                    ELSE 'differs in ' || (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k)
                                           FROM pg_catalog.jsonb_object_keys(b.j) k
                                           WHERE (a.j -> k) IS DISTINCT FROM (b.j -> k)) END AS problem
        FROM stored a FULL JOIN fresh b ON a.case_id = b.case_id
        WHERE a.j IS DISTINCT FROM b.j
    ), want AS (
        SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS month, s.county, s.town,
               s.department_id, pg_catalog.jsonb_build_array(
                   pg_catalog.sum(r.reported), pg_catalog.sum(r.merged), pg_catalog.sum(r.dispatched),
                   pg_catalog.sum(r.responded), pg_catalog.sum(r.first_dispatch_ok),
                   pg_catalog.sum(r.called_back), pg_catalog.sum(r.solved), pg_catalog.sum(r.satisfied),
                   pg_catalog.sum(r.filed), pg_catalog.sum(r.due), pg_catalog.sum(r.closed),
                   pg_catalog.sum(r.closed_on_time), pg_catalog.sum(r.reworked), pg_catalog.sum(r.extended),
                   pg_catalog.sum(r.handled), pg_catalog.sum(r.handle_hours)) AS v
        FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        GROUP BY 1, 2, 3, 4
    ), have AS (
        SELECT m.month, m.county, m.town, m.department_id, pg_catalog.jsonb_build_array(
                   pg_catalog.sum(m.reported), pg_catalog.sum(m.merged), pg_catalog.sum(m.dispatched),
                   pg_catalog.sum(m.responded), pg_catalog.sum(m.first_dispatch_ok),
                   pg_catalog.sum(m.called_back), pg_catalog.sum(m.solved), pg_catalog.sum(m.satisfied),
                   pg_catalog.sum(m.filed), pg_catalog.sum(m.due), pg_catalog.sum(m.closed),
                   pg_catalog.sum(m.closed_on_time), pg_catalog.sum(m.reworked), pg_catalog.sum(m.extended),
                   pg_catalog.sum(m.handled), pg_catalog.sum(m.handle_hours)) AS v
        FROM gridgov.stats_month m
        GROUP BY 1, 2, 3, 4
    ), sums AS (
        SELECT 'stats_month'::text AS object,
               pg_catalog.concat_ws('/', COALESCE(w.month, h.month), COALESCE(w.county, h.county)::text,
                                    COALESCE(w.town, h.town)::text,
                                    COALESCE(w.department_id, h.department_id)) AS key,
               pg_catalog.format('sums %s, expected %s', COALESCE(h.v::text, 'none'), COALESCE(w.v::text, 'none')) AS problem
        FROM want w
        FULL JOIN have h ON h.month = w.month AND h.county OPERATOR(gridgov.=) w.county
                        AND h.town OPERATOR(gridgov.=) w.town
                        AND COALESCE(h.department_id, -1) = COALESCE(w.department_id, -1)
        WHERE w.v IS DISTINCT FROM h.v
          AND NOT (w.v IS NULL AND h.v = '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::jsonb)
    ), hist_want AS (
        SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS month, s.county, s.town,
               s.department_id, r.handle_bucket AS bucket, pg_catalog.count(*) AS n
        FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        WHERE r.handled = 1
        GROUP BY 1, 2, 3, 4, 5
    ), hist_have AS (
        SELECT m.month, m.county, m.town, m.department_id, m.bucket, pg_catalog.sum(m.cases) AS n
        FROM gridgov.stats_month_hist m
        GROUP BY 1, 2, 3, 4, 5 HAVING pg_catalog.sum(m.cases) <> 0
    ), hist AS (
        SELECT 'stats_month_hist'::text AS object,
               pg_catalog.concat_ws('/', COALESCE(w.month, h.month), COALESCE(w.county, h.county)::text,
                                    COALESCE(w.town, h.town)::text,
                                    COALESCE(w.department_id, h.department_id),
                                    COALESCE(w.bucket, h.bucket)) AS key,
               pg_catalog.format('%s cases, expected %s', COALESCE(h.n, 0), COALESCE(w.n, 0)) AS problem
        FROM hist_want w
        FULL JOIN hist_have h ON h.month = w.month AND h.county OPERATOR(gridgov.=) w.county
                             AND h.town OPERATOR(gridgov.=) w.town
                             AND COALESCE(h.department_id, -1) = COALESCE(w.department_id, -1)
                             AND h.bucket = w.bucket
        WHERE w.n IS DISTINCT FROM h.n
    ), cat_want AS (
        SELECT pg_catalog.date_trunc('month', s.reported_day::timestamp)::date AS month, s.county, s.category,
               pg_catalog.count(*) AS n
        FROM gridgov.case_stats s GROUP BY 1, 2, 3
    ), cat_have AS (
        SELECT m.month, m.county, m.category, pg_catalog.sum(m.reported) AS n
        FROM gridgov.stats_month_category m GROUP BY 1, 2, 3 HAVING pg_catalog.sum(m.reported) <> 0
    ), cat AS (
        SELECT 'stats_month_category'::text AS object,
               pg_catalog.concat_ws('/', COALESCE(w.month, h.month), COALESCE(w.county, h.county)::text,
                                    COALESCE(w.category, h.category)) AS key,
               pg_catalog.format('%s cases, expected %s', COALESCE(h.n, 0), COALESCE(w.n, 0)) AS problem
        FROM cat_want w
        FULL JOIN cat_have h ON h.month = w.month AND h.county OPERATOR(gridgov.=) w.county
                            AND h.category = w.category
        WHERE w.n IS DISTINCT FROM h.n
    )
    SELECT f.object, f.key, f.problem FROM facts f
    UNION ALL SELECT s.object, s.key, s.problem FROM sums s
    UNION ALL SELECT h.object, h.key, h.problem FROM hist h
    UNION ALL SELECT c.object, c.key, c.problem FROM cat c
    ORDER BY 1, 2;
END;
COMMENT ON FUNCTION gridgov.analytics_check() IS
    'Consistency check of the analytics, one row per problem (none: consistent): case_stats rows that differ from gridgov.case_stats_computed (missing, case gone, or the differing columns), and summary sums that differ from the sums of gridgov.stat_rows() over case_stats. Reads every case: for tests and after bulk loads';
-- ---------------------------------------------------------------------------
-- analytics (3/7): the metric views — kpi (all counts by period x level x area
-- x department), three_rates, timeliness, department_ranking — and the weights
-- of the composite score as data.
--
-- gridgov.kpi is a UNION ALL of one branch per period (day, week, month), area
-- level (county, town, community, grid) and grouping (per department, all
-- departments).  Month branches at county and town level read the month
-- summaries; the others aggregate gridgov.case_stats.  Each branch has its
-- period, level and source as constants, so a query that filters on them plans
-- only the matching branch; filters on period_start, area and department_id
-- are pushed into it.  SQLSTATEs: GG300 shipped weights row changed, 22023 bad
-- weights.
-- ---------------------------------------------------------------------------

-- Weights of the composite score --------------------------------------------------

CREATE TABLE gridgov.score_weights (
    area         gridgov.gridcode,
    response     numeric NOT NULL CHECK (response >= 0),
    resolution   numeric NOT NULL CHECK (resolution >= 0),
    satisfaction numeric NOT NULL CHECK (satisfaction >= 0),
    note         text,
    builtin      boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (area, builtin),
    CONSTRAINT score_weights_positive CHECK (response + resolution + satisfaction > 0)
);
COMMENT ON TABLE gridgov.score_weights IS
    'Weights of the three rates in the composite score, as data. A row applies to an area and everything under it (NULL: everywhere); for an area the row of its closest ancestor-or-self wins, a user row before a shipped one. Ships one row (NULL, 30, 35, 35): one county''s practice, not a national rule';
COMMENT ON COLUMN gridgov.score_weights.area IS 'Area the weights apply to, with everything under it; NULL for the default';
COMMENT ON COLUMN gridgov.score_weights.response IS 'Weight of the response rate';
COMMENT ON COLUMN gridgov.score_weights.resolution IS 'Weight of the resolution rate';
COMMENT ON COLUMN gridgov.score_weights.satisfaction IS 'Weight of the satisfaction rate';
COMMENT ON COLUMN gridgov.score_weights.note IS 'Where the weights come from';
COMMENT ON COLUMN gridgov.score_weights.builtin IS 'Shipped with gridgov (read-only, not dumped); override it with a user row for the same area';

INSERT INTO gridgov.score_weights (area, response, resolution, satisfaction, note, builtin) VALUES
    (NULL, 30, 35, 35,
     'One county''s practice (response 30%, resolution 35%, satisfaction 35%); cities weight the three rates differently. Override with your own row.',
     true);
SELECT pg_catalog.pg_extension_config_dump('gridgov.score_weights', 'WHERE NOT builtin');

CREATE FUNCTION gridgov.score_weights_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('score_weights_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG300',
                MESSAGE = 'cannot mark a row of gridgov.score_weights as builtin',
                DETAIL = 'Only the gridgov install script writes shipped rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'GG300',
        MESSAGE = pg_catalog.format('cannot %s the shipped default score weights', pg_catalog.lower(TG_OP)),
        DETAIL = 'Shipped rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Insert your own row for the same area (NULL for the default); it takes precedence.';
END
$$;
COMMENT ON FUNCTION gridgov.score_weights_guard() IS
    'Trigger: the shipped score_weights row cannot be updated or deleted, and no row can be marked builtin (GG300)';
CREATE TRIGGER score_weights_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.score_weights
    FOR EACH ROW EXECUTE FUNCTION gridgov.score_weights_guard();

-- Percentage with two decimals; NULL without a denominator.
CREATE FUNCTION gridgov.pct(part bigint, whole bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN whole > 0 THEN pg_catalog.round(100.0 * part / whole, 2) END;
COMMENT ON FUNCTION gridgov.pct(bigint, bigint) IS
    'part / whole as a percentage rounded to 2 decimals; NULL when whole is 0 or NULL';

-- Composite score: weighted mean of the rates that exist.
CREATE FUNCTION gridgov.weighted_score(response_rate numeric, resolution_rate numeric, satisfaction_rate numeric,
                                       w_response numeric, w_resolution numeric, w_satisfaction numeric)
    RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN COALESCE(response_rate, resolution_rate, satisfaction_rate) IS NULL THEN NULL
            ELSE pg_catalog.round(
                (COALESCE(w_response * response_rate, 0) + COALESCE(w_resolution * resolution_rate, 0)
                 + COALESCE(w_satisfaction * satisfaction_rate, 0))
                / NULLIF(CASE WHEN response_rate IS NULL THEN 0 ELSE w_response END
                         + CASE WHEN resolution_rate IS NULL THEN 0 ELSE w_resolution END
                         + CASE WHEN satisfaction_rate IS NULL THEN 0 ELSE w_satisfaction END, 0), 2) END;
COMMENT ON FUNCTION gridgov.weighted_score(numeric, numeric, numeric, numeric, numeric, numeric) IS
    'Composite score from the three rates (percentages) and their weights: sum(weight x rate) / sum(weight) over the rates that are not NULL, 2 decimals; NULL when all three rates are NULL (or their weights are all 0)';

-- The counts behind every metric view ---------------------------------------------

-- One branch per period x level x grouping (24), all alike but for the
-- constants and the area and department expressions.  Each branch is
-- "SELECT <constants>, b.* FROM (<aggregation>) b": the planner flattens that
-- outer layer into the UNION ALL, sees the constants, and drops the branches a
-- filter on period or level excludes before planning them.  The case_stats
-- branches sum gridgov.stat_rows() of each case (given ROW(s.*)::gridgov.case_stats,
-- not s: on Citus each branch runs on the shards, where s has the shard's row
-- type, which stat_rows() does not take); the four month x county/town
-- branches sum the month summaries and take p90 from their histogram, in a
-- subquery that only runs when the column is asked for.
CREATE VIEW gridgov.kpi AS
-- day x county, per department
SELECT 'day'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.county AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x county, all departments
SELECT 'day'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.county AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x town, per department
SELECT 'day'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.town AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x town, all departments
SELECT 'day'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.town AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x community, per department
SELECT 'day'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.community AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x community, all departments
SELECT 'day'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.community AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x grid, per department
SELECT 'day'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x grid, all departments
SELECT 'day'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x county, per department
SELECT 'week'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.county AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x county, all departments
SELECT 'week'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.county AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x town, per department
SELECT 'week'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.town AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x town, all departments
SELECT 'week'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.town AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x community, per department
SELECT 'week'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.community AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x community, all departments
SELECT 'week'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.community AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x grid, per department
SELECT 'week'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x grid, all departments
SELECT 'week'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x county, per department
SELECT 'month'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                            AND (h.department_id = a.department_id
                                 OR (a.department_id IS NULL AND h.department_id IS NULL))
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.county AS area, m.department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x county, all departments
SELECT 'month'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.county AS area, NULL::bigint AS department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x town, per department
SELECT 'month'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                            AND h.town OPERATOR(gridgov.=) a.area
                            AND (h.department_id = a.department_id
                                 OR (a.department_id IS NULL AND h.department_id IS NULL))
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.town AS area, m.department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x town, all departments
SELECT 'month'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                            AND h.town OPERATOR(gridgov.=) a.area
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.town AS area, NULL::bigint AS department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x community, per department
SELECT 'month'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             s.community AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x community, all departments
SELECT 'month'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             s.community AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x grid, per department
SELECT 'month'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x grid, all departments
SELECT 'month'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b;

COMMENT ON VIEW gridgov.kpi IS
    'Every count behind the metric views, by period (day, week, month: local, weeks from Monday) x period_start x level (county, town, community, grid) x area x department (NULL: all departments). Month x county/town rows are served from the month summaries, the others from gridgov.case_stats; both are sums of gridgov.stat_rows(). Filter on period and level: only the matching branch runs';
COMMENT ON COLUMN gridgov.kpi.period IS 'day, week or month';
COMMENT ON COLUMN gridgov.kpi.period_start IS 'First local day of the period';
COMMENT ON COLUMN gridgov.kpi.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.kpi.area IS 'Area code at that level (cases located only to a coarser area count under it)';
COMMENT ON COLUMN gridgov.kpi.department_id IS 'Responsible department; NULL on the all-departments rows';
COMMENT ON COLUMN gridgov.kpi.reported IS 'Cases reported in the period';
COMMENT ON COLUMN gridgov.kpi.merged IS 'Of those, merged duplicates (left out of every rate)';
COMMENT ON COLUMN gridgov.kpi.dispatched IS 'Of those, dispatched at least once';
COMMENT ON COLUMN gridgov.kpi.responded IS 'Of the dispatched, signed with every sign clock met in time and, where a contact clock ran, the caller contacted with every contact clock met in time';
COMMENT ON COLUMN gridgov.kpi.first_dispatch_ok IS 'Of the dispatched, closed after one dispatch and no approved return';
COMMENT ON COLUMN gridgov.kpi.called_back IS 'Of those reported, called back';
COMMENT ON COLUMN gridgov.kpi.solved IS 'Of the called back, solved';
COMMENT ON COLUMN gridgov.kpi.satisfied IS 'Of the called back, satisfied or basically satisfied';
COMMENT ON COLUMN gridgov.kpi.filed IS 'Cases filed in the period';
COMMENT ON COLUMN gridgov.kpi.due IS 'Cases due in the period (deadline in it; filed, not merged)';
COMMENT ON COLUMN gridgov.kpi.closed IS 'Of the due, closed';
COMMENT ON COLUMN gridgov.kpi.closed_on_time IS 'Of the due, closed by the deadline';
COMMENT ON COLUMN gridgov.kpi.reworked IS 'Of the due, reworked at least once';
COMMENT ON COLUMN gridgov.kpi.extended IS 'Of the due, extended at least once';
COMMENT ON COLUMN gridgov.kpi.handled IS 'Of the due, with a handling time';
COMMENT ON COLUMN gridgov.kpi.handle_hours IS 'Sum of their handling times (working hours)';
COMMENT ON COLUMN gridgov.kpi.handle_p90_hours IS '90th percentile of their handling times, as the upper bound of its gridgov.handle_bucket() bucket';
COMMENT ON COLUMN gridgov.kpi.served_from IS 'stats_month (month summaries) or case_stats (per-case rows)';

CREATE VIEW gridgov.three_rates AS
SELECT k.period, k.period_start, k.level, k.area, k.department_id, k.reported,
       k.dispatched, k.responded, k.response_rate, k.called_back, k.solved, k.resolution_rate,
       k.satisfied, k.satisfaction_rate,
       gridgov.weighted_score(k.response_rate, k.resolution_rate, k.satisfaction_rate,
                              w.response, w.resolution, w.satisfaction) AS score,
       k.served_from
FROM (SELECT x.*, gridgov.pct(x.responded, x.dispatched) AS response_rate,
             gridgov.pct(x.solved, x.called_back) AS resolution_rate,
             gridgov.pct(x.satisfied, x.called_back) AS satisfaction_rate
      FROM gridgov.kpi x WHERE x.reported > 0) k
LEFT JOIN LATERAL (
    SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
    WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) k.area
    ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
    LIMIT 1) w ON true;
COMMENT ON VIEW gridgov.three_rates IS
    'The three rates (三率) by period x level x area x department (NULL: all departments), over the cases reported in the period (rows with none are left out): response = responded in time (signed in time and, where the workflow has a first-contact step, the caller contacted in time) / dispatched, resolution = solved / called back, satisfaction = (satisfied + basically satisfied) / called back, and the composite score (gridgov.weighted_score() with the gridgov.score_weights row of the area''s closest ancestor-or-self, user rows before shipped ones). Percentages with 2 decimals';
COMMENT ON COLUMN gridgov.three_rates.period IS 'day, week or month';
COMMENT ON COLUMN gridgov.three_rates.period_start IS 'First local day of the period';
COMMENT ON COLUMN gridgov.three_rates.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.three_rates.area IS 'Area code';
COMMENT ON COLUMN gridgov.three_rates.department_id IS 'Responsible department; NULL for all departments';
COMMENT ON COLUMN gridgov.three_rates.reported IS 'Cases reported in the period (merged duplicates included)';
COMMENT ON COLUMN gridgov.three_rates.dispatched IS 'Dispatched (派单数): reported in the period, dispatched at least once, not merged';
COMMENT ON COLUMN gridgov.three_rates.responded IS 'Responded in time: dispatched, signed with no sign clock ended after its due time and, where the case reached a first-contact step (a contact clock ran), the caller contacted with no contact clock ended after its due time';
COMMENT ON COLUMN gridgov.three_rates.response_rate IS 'Response rate (响应率), %: responded / dispatched';
COMMENT ON COLUMN gridgov.three_rates.called_back IS 'Called back (回访数): reported in the period, with a callback answer, not merged';
COMMENT ON COLUMN gridgov.three_rates.solved IS 'Answered solved at callback';
COMMENT ON COLUMN gridgov.three_rates.resolution_rate IS 'Resolution rate (解决率), %: solved / called back';
COMMENT ON COLUMN gridgov.three_rates.satisfied IS 'Answered satisfied or basically satisfied';
COMMENT ON COLUMN gridgov.three_rates.satisfaction_rate IS 'Satisfaction rate (满意率), %: satisfied / called back';
COMMENT ON COLUMN gridgov.three_rates.score IS 'Composite score, 0-100: weighted mean of the rates that are not NULL';
COMMENT ON COLUMN gridgov.three_rates.served_from IS 'stats_month or case_stats';

CREATE VIEW gridgov.timeliness AS
SELECT k.period, k.period_start, k.level, k.area, k.department_id, k.filed, k.due, k.closed,
       k.closed_on_time, gridgov.pct(k.closed, k.due) AS closure_rate,
       gridgov.pct(k.closed_on_time, k.due) AS on_time_rate,
       k.reworked, gridgov.pct(k.reworked, k.due) AS rework_rate,
       k.extended, gridgov.pct(k.extended, k.due) AS extension_rate,
       k.dispatched, k.first_dispatch_ok, gridgov.pct(k.first_dispatch_ok, k.dispatched) AS first_dispatch_accuracy,
       k.handled, CASE WHEN k.handled > 0 THEN pg_catalog.round(k.handle_hours / k.handled, 2) END AS avg_handle_hours,
       k.handle_p90_hours AS p90_handle_hours, k.served_from
FROM gridgov.kpi k
WHERE k.filed > 0 OR k.due > 0 OR k.dispatched > 0;
COMMENT ON VIEW gridgov.timeliness IS
    'Timeliness by period x level x area x department (NULL: all departments; rows with nothing filed, due or dispatched are left out): cases due in the period (deadline in it) and how many were closed (结案率 = closed / due), closed on time (按期结案率 = closed by the deadline / due), reworked (返工率), extended (延期率); first-dispatch accuracy over the cases reported in the period; average and p90 handling time in working hours. Percentages with 2 decimals';
COMMENT ON COLUMN gridgov.timeliness.period IS 'day, week or month';
COMMENT ON COLUMN gridgov.timeliness.period_start IS 'First local day of the period';
COMMENT ON COLUMN gridgov.timeliness.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.timeliness.area IS 'Area code';
COMMENT ON COLUMN gridgov.timeliness.department_id IS 'Responsible department; NULL for all departments';
COMMENT ON COLUMN gridgov.timeliness.filed IS 'Filed in the period (立案数)';
COMMENT ON COLUMN gridgov.timeliness.due IS 'Due in the period (应结案数): filed, not merged, deadline in the period';
COMMENT ON COLUMN gridgov.timeliness.closed IS 'Of the due, closed (结案数)';
COMMENT ON COLUMN gridgov.timeliness.closed_on_time IS 'Of the due, closed by the deadline (按期结案数)';
COMMENT ON COLUMN gridgov.timeliness.closure_rate IS 'Closure rate (结案率), %: closed / due';
COMMENT ON COLUMN gridgov.timeliness.on_time_rate IS 'On-time closure rate (按期结案率), %: closed_on_time / due';
COMMENT ON COLUMN gridgov.timeliness.reworked IS 'Of the due, reworked at least once';
COMMENT ON COLUMN gridgov.timeliness.rework_rate IS 'Rework rate (返工率), %: reworked / due';
COMMENT ON COLUMN gridgov.timeliness.extended IS 'Of the due, extended at least once';
COMMENT ON COLUMN gridgov.timeliness.extension_rate IS 'Extension rate (延期率), %: extended / due';
COMMENT ON COLUMN gridgov.timeliness.dispatched IS 'Reported in the period and dispatched (not merged)';
COMMENT ON COLUMN gridgov.timeliness.first_dispatch_ok IS 'Of those, closed after one dispatch and no approved return (a rejected return does not spoil it)';
COMMENT ON COLUMN gridgov.timeliness.first_dispatch_accuracy IS 'First-dispatch accuracy (一次派单准确率), %: first_dispatch_ok / dispatched';
COMMENT ON COLUMN gridgov.timeliness.handled IS 'Due cases with a handling time';
COMMENT ON COLUMN gridgov.timeliness.avg_handle_hours IS 'Average handling time of the due cases, working hours, 2 decimals';
COMMENT ON COLUMN gridgov.timeliness.p90_handle_hours IS '90th percentile handling time, working hours, at the resolution of gridgov.handle_bucket() (Infinity: over 480)';
COMMENT ON COLUMN gridgov.timeliness.served_from IS 'stats_month or case_stats';

CREATE VIEW gridgov.department_ranking AS
SELECT r.month, r.county, r.department_id, d.code AS department_code, d.name AS department_name,
       d.kind AS department_kind, r.dispatched, r.response_rate, r.called_back, r.resolution_rate,
       r.satisfaction_rate, r.score, r.due, r.closure_rate, r.on_time_rate, r.rework_rate, r.extension_rate,
       r.first_dispatch_accuracy, r.avg_handle_hours,
       pg_catalog.rank() OVER (PARTITION BY r.month, r.county
                               ORDER BY r.score DESC NULLS LAST, r.on_time_rate DESC NULLS LAST) AS rank
FROM (SELECT k.period_start AS month, k.area AS county, k.department_id, k.dispatched,
             gridgov.pct(k.responded, k.dispatched) AS response_rate, k.called_back,
             gridgov.pct(k.solved, k.called_back) AS resolution_rate,
             gridgov.pct(k.satisfied, k.called_back) AS satisfaction_rate,
             gridgov.weighted_score(gridgov.pct(k.responded, k.dispatched), gridgov.pct(k.solved, k.called_back),
                                    gridgov.pct(k.satisfied, k.called_back),
                                    w.response, w.resolution, w.satisfaction) AS score,
             k.due, gridgov.pct(k.closed, k.due) AS closure_rate, gridgov.pct(k.closed_on_time, k.due) AS on_time_rate,
             gridgov.pct(k.reworked, k.due) AS rework_rate, gridgov.pct(k.extended, k.due) AS extension_rate,
             gridgov.pct(k.first_dispatch_ok, k.dispatched) AS first_dispatch_accuracy,
             CASE WHEN k.handled > 0 THEN pg_catalog.round(k.handle_hours / k.handled, 2) END AS avg_handle_hours
      FROM gridgov.kpi k
      LEFT JOIN LATERAL (
          SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
          WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) k.area
          ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
          LIMIT 1) w ON true
      WHERE k.period = 'month' AND k.level = 'county' AND k.department_id IS NOT NULL) r
LEFT JOIN gridgov.departments d ON d.id = r.department_id;
COMMENT ON VIEW gridgov.department_ranking IS
    'Department assessment ranking (考核排名) per local month and county: each department''s three rates, composite score and timeliness; rank 1 is the highest score, ties broken by the on-time closure rate, equal ranks for full ties, departments without a score last. Served from the month summaries';
COMMENT ON COLUMN gridgov.department_ranking.month IS 'First day of the month';
COMMENT ON COLUMN gridgov.department_ranking.county IS 'County';
COMMENT ON COLUMN gridgov.department_ranking.department_id IS 'Department';
COMMENT ON COLUMN gridgov.department_ranking.department_code IS 'Its code';
COMMENT ON COLUMN gridgov.department_ranking.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.department_ranking.department_kind IS 'Its kind (command_center, functional, utility...)';
COMMENT ON COLUMN gridgov.department_ranking.dispatched IS 'Cases reported in the month and dispatched to it (now responsible)';
COMMENT ON COLUMN gridgov.department_ranking.response_rate IS 'Response rate, %';
COMMENT ON COLUMN gridgov.department_ranking.called_back IS 'Cases called back';
COMMENT ON COLUMN gridgov.department_ranking.resolution_rate IS 'Resolution rate, %';
COMMENT ON COLUMN gridgov.department_ranking.satisfaction_rate IS 'Satisfaction rate, %';
COMMENT ON COLUMN gridgov.department_ranking.score IS 'Composite score';
COMMENT ON COLUMN gridgov.department_ranking.due IS 'Cases due in the month';
COMMENT ON COLUMN gridgov.department_ranking.closure_rate IS 'Closure rate (结案率), %';
COMMENT ON COLUMN gridgov.department_ranking.on_time_rate IS 'On-time closure rate (按期结案率), %';
COMMENT ON COLUMN gridgov.department_ranking.rework_rate IS 'Rework rate, %';
COMMENT ON COLUMN gridgov.department_ranking.extension_rate IS 'Extension rate, %';
COMMENT ON COLUMN gridgov.department_ranking.first_dispatch_accuracy IS 'First-dispatch accuracy, %';
COMMENT ON COLUMN gridgov.department_ranking.avg_handle_hours IS 'Average handling time, working hours';
COMMENT ON COLUMN gridgov.department_ranking.rank IS 'Rank in the county for the month (1 = best)';

-- Stages and oversight per department ------------------------------------------------

CREATE VIEW gridgov.workflow_timeliness AS
SELECT pg_catalog.date_trunc('month', s.reported_day::timestamp)::date AS month, s.county, s.town,
       s.department_id, pg_catalog.count(*) AS cases,
       pg_catalog.count(*) FILTER (WHERE s.discover_on_time IS NOT NULL) AS discover_measured,
       pg_catalog.count(*) FILTER (WHERE s.discover_on_time) AS discover_on_time,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.discover_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.discover_on_time IS NOT NULL)) AS discover_on_time_rate,
       pg_catalog.round(pg_catalog.avg(s.discover_minutes), 2) AS avg_discover_minutes,
       pg_catalog.count(*) FILTER (WHERE s.dispatch_on_time IS NOT NULL) AS dispatch_measured,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.dispatch_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.dispatch_on_time IS NOT NULL)) AS dispatch_on_time_rate,
       pg_catalog.count(*) FILTER (WHERE s.sign_on_time IS NOT NULL) AS sign_measured,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.sign_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.sign_on_time IS NOT NULL)) AS sign_on_time_rate,
       pg_catalog.count(*) FILTER (WHERE s.contact_required) AS contact_required,
       pg_catalog.count(*) FILTER (WHERE s.contact_required AND s.contacted_at IS NOT NULL
                                   AND s.contact_on_time IS NOT FALSE) AS contacted_on_time,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.contact_required AND s.contacted_at IS NOT NULL
                                               AND s.contact_on_time IS NOT FALSE),
                   pg_catalog.count(*) FILTER (WHERE s.contact_required)) AS contact_on_time_rate,
       pg_catalog.count(*) FILTER (WHERE s.supervisions > 0) AS supervised,
       pg_catalog.count(*) FILTER (WHERE s.supervise_on_time IS NOT NULL) AS supervision_answered,
       pg_catalog.count(*) FILTER (WHERE s.supervise_on_time) AS supervision_on_time,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.supervise_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.supervise_on_time IS NOT NULL)) AS supervision_on_time_rate,
       pg_catalog.sum(s.returns_requested) AS returns_requested, pg_catalog.sum(s.returns) AS returns_approved,
       pg_catalog.sum(s.returns_rejected) AS returns_rejected,
       pg_catalog.sum(r.dispatched) AS dispatched, pg_catalog.sum(r.first_dispatch_ok) AS first_dispatch_ok,
       pg_catalog.sum(s.extension_requests) AS extension_requests,
       pg_catalog.sum(s.extension_refusals) AS extension_refusals,
       pg_catalog.sum(s.suspension_requests) AS suspension_requests,
       pg_catalog.sum(s.suspension_refusals) AS suspension_refusals,
       pg_catalog.sum(s.meetings) AS meetings
FROM gridgov.case_stats s
-- What the case counts for at its reported day (gridgov.stat_rows()'s one definition).
CROSS JOIN LATERAL (SELECT x.dispatched, x.first_dispatch_ok
                    FROM gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) x WHERE x.reported = 1) r
WHERE NOT s.merged
GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW gridgov.workflow_timeliness IS
    'Stages and oversight per local month of the report x county x town x responsible department (cases not merged; sum the counts for coarser groups): discovery (发现: reported within the discover policy''s limit after occurred_at), dispatch and sign stages on time, first contact (先行联系) in time, supervision (督办) answered in time, reviewed returns (退单审核) requested, approved and rejected, first-dispatch accuracy''s counts, extension and suspension requests (申请延期/挂账) and refusals, joint meetings (会商). Read from gridgov.case_stats; percentages with 2 decimals';
COMMENT ON COLUMN gridgov.workflow_timeliness.month IS 'First day of the local month the cases were reported in';
COMMENT ON COLUMN gridgov.workflow_timeliness.county IS 'County';
COMMENT ON COLUMN gridgov.workflow_timeliness.town IS 'Town (the county for cases without a grid)';
COMMENT ON COLUMN gridgov.workflow_timeliness.department_id IS 'Responsible department now';
COMMENT ON COLUMN gridgov.workflow_timeliness.cases IS 'Cases reported (not merged)';
COMMENT ON COLUMN gridgov.workflow_timeliness.discover_measured IS 'Of those, with occurred_at and a discover policy';
COMMENT ON COLUMN gridgov.workflow_timeliness.discover_on_time IS 'Of the measured, reported within the discover limit';
COMMENT ON COLUMN gridgov.workflow_timeliness.discover_on_time_rate IS 'Discovery on time, %: discover_on_time / discover_measured';
COMMENT ON COLUMN gridgov.workflow_timeliness.avg_discover_minutes IS 'Average calendar minutes from occurred_at to the report';
COMMENT ON COLUMN gridgov.workflow_timeliness.dispatch_measured IS 'Cases with an ended dispatch clock';
COMMENT ON COLUMN gridgov.workflow_timeliness.dispatch_on_time_rate IS 'Dispatch on time (e.g. 5 minutes to dispatch), %: cases whose every ended dispatch clock was met in time / dispatch_measured';
COMMENT ON COLUMN gridgov.workflow_timeliness.sign_measured IS 'Cases with an ended sign clock';
COMMENT ON COLUMN gridgov.workflow_timeliness.sign_on_time_rate IS 'Signed on time, %';
COMMENT ON COLUMN gridgov.workflow_timeliness.contact_required IS 'Cases that reached a first-contact step (a contact clock ran)';
COMMENT ON COLUMN gridgov.workflow_timeliness.contacted_on_time IS 'Of those, the caller contacted and no contact clock ended late';
COMMENT ON COLUMN gridgov.workflow_timeliness.contact_on_time_rate IS 'First contact in time, %: contacted_on_time / contact_required';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervised IS 'Cases put under supervision (督办) at least once';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervision_answered IS 'Cases with an ended (answered) supervise clock';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervision_on_time IS 'Of those, every supervision answered by its due time';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervision_on_time_rate IS 'Supervision answered on time, %: supervision_on_time / supervision_answered';
COMMENT ON COLUMN gridgov.workflow_timeliness.returns_requested IS 'Returns asked for by the holder (申请退单)';
COMMENT ON COLUMN gridgov.workflow_timeliness.returns_approved IS 'Returns approved by the command center (cases.returns)';
COMMENT ON COLUMN gridgov.workflow_timeliness.returns_rejected IS 'Returns rejected by the command center (counted against the holder)';
COMMENT ON COLUMN gridgov.workflow_timeliness.dispatched IS 'Cases dispatched at least once';
COMMENT ON COLUMN gridgov.workflow_timeliness.first_dispatch_ok IS 'Of those, closed after exactly one dispatch and no approved return (first-dispatch accuracy = first_dispatch_ok / dispatched)';
COMMENT ON COLUMN gridgov.workflow_timeliness.extension_requests IS 'Extensions asked for (申请延期)';
COMMENT ON COLUMN gridgov.workflow_timeliness.extension_refusals IS 'Extension requests refused';
COMMENT ON COLUMN gridgov.workflow_timeliness.suspension_requests IS 'Suspensions asked for (申请挂账)';
COMMENT ON COLUMN gridgov.workflow_timeliness.suspension_refusals IS 'Suspension requests refused';
COMMENT ON COLUMN gridgov.workflow_timeliness.meetings IS 'Referrals to a joint meeting (会商) of difficult cases';

-- Whistle-and-report (074) on the scale of the other rates -------------------------------

CREATE VIEW gridgov.whistle_rates AS
SELECT gridgov.ancestor(c.grid, 4) AS town,
       pg_catalog.date_trunc('month', w.at AT TIME ZONE 'Asia/Shanghai')::date AS month,
       pg_catalog.count(DISTINCT (w.county, w.case_id, w.id)) AS whistles,
       pg_catalog.count(DISTINCT (w.county, w.case_id)) AS cases_whistled,
       pg_catalog.count(wc.*) AS calls,
       pg_catalog.count(wc.*) FILTER (WHERE wc.reported_at <= wc.due_at) AS on_time_report_ins,
       gridgov.pct(pg_catalog.count(wc.*) FILTER (WHERE wc.reported_at <= wc.due_at),
                   pg_catalog.count(wc.*)) AS on_time_rate
FROM gridgov.whistles w
JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) w.county AND c.id = w.case_id
LEFT JOIN gridgov.whistle_calls wc ON wc.county OPERATOR(gridgov.=) w.county AND wc.case_id = w.case_id
                                  AND wc.whistle_id = w.id
GROUP BY 1, 2;
COMMENT ON VIEW gridgov.whistle_rates IS 'Whistles per town and month (Asia/Shanghai), the cases they concerned, departments summoned and the share that reported in on time';
COMMENT ON COLUMN gridgov.whistle_rates.town IS 'Town of the cases (NULL: unlocated)';
COMMENT ON COLUMN gridgov.whistle_rates.month IS 'Month the whistles were blown';
COMMENT ON COLUMN gridgov.whistle_rates.whistles IS 'Whistles blown';
COMMENT ON COLUMN gridgov.whistle_rates.cases_whistled IS 'Distinct cases whistled for';
COMMENT ON COLUMN gridgov.whistle_rates.calls IS 'Department summonses';
COMMENT ON COLUMN gridgov.whistle_rates.on_time_report_ins IS 'Summonses answered by the deadline';
COMMENT ON COLUMN gridgov.whistle_rates.on_time_rate IS 'Report-ins on time, %: on_time_report_ins / calls, 2 decimals (gridgov.pct(), the scale of the other rates); NULL without calls';
-- ---------------------------------------------------------------------------
-- analytics (4/7): the live SLA board of the command center.
--
-- gridgov.sla_board_at(as_of) reads the open cases, their running clocks and
-- the pending whistle calls directly (not the summaries): open cases by state x
-- town x department, clocks due within the hour, overdue cases by the ladder
-- rung they reached, whistle calls not yet reported in.  gridgov.sla_board is
-- the same at now().  SQLSTATE: 22004 NULL as_of.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.sla_board_at(as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, department_id bigint, department_name text,
                   state text, open_cases bigint, due_within_hour bigint, overdue bigint,
                   overdue_level0 bigint, overdue_level1 bigint, overdue_level2 bigint, overdue_level3 bigint,
                   whistles_pending bigint, whistles_late bigint, provisional bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    RETURN QUERY
    WITH open_cases AS (
        SELECT c.county, c.id, gridgov.area_at(c.county, c.grid, 4) AS town, c.department_id, c.state
        FROM gridgov.cases c
        JOIN gridgov.workflow_states ws ON ws.workflow = c.workflow AND ws.state = c.state AND NOT ws.terminal
        WHERE c.closed_at IS NULL
    ), clocks AS (
        SELECT k.county, k.case_id,
               pg_catalog.bool_or(k.paused_at IS NULL AND k.due_at >= as_of
                                  AND k.due_at < as_of + interval '1 hour') AS due_soon,
               pg_catalog.max(k.escalation_level) FILTER (WHERE k.paused_at IS NULL AND k.due_at < as_of)
                   AS overdue_level,
               pg_catalog.bool_or(gridgov.is_provisional(cal.name, k.due_at, k.unit)) AS provisional
        FROM gridgov.case_clocks k
        JOIN gridgov.calendars cal ON cal.id = k.calendar_id
        WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
        GROUP BY k.county, k.case_id
    ), by_case AS (
        SELECT o.county, o.town, o.department_id, o.state,
               pg_catalog.count(*) AS open_cases,
               pg_catalog.count(*) FILTER (WHERE k.due_soon) AS due_within_hour,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level IS NOT NULL) AS overdue,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 0) AS overdue_level0,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 1) AS overdue_level1,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 2) AS overdue_level2,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level >= 3) AS overdue_level3,
               pg_catalog.count(*) FILTER (WHERE k.provisional) AS provisional
        FROM open_cases o
        LEFT JOIN clocks k ON k.county OPERATOR(gridgov.=) o.county AND k.case_id = o.id
        GROUP BY 1, 2, 3, 4
    ), by_whistle AS (
        SELECT o.county, o.town, w.department_id, o.state,
               pg_catalog.count(*) AS whistles_pending,
               pg_catalog.count(*) FILTER (WHERE w.due_at < as_of) AS whistles_late
        FROM gridgov.whistle_calls w
        JOIN open_cases o ON o.county OPERATOR(gridgov.=) w.county AND o.id = w.case_id
        WHERE w.reported_at IS NULL
        GROUP BY 1, 2, 3, 4
    )
    SELECT COALESCE(a.county, b.county), COALESCE(a.town, b.town),
           COALESCE(a.department_id, b.department_id), d.name, COALESCE(a.state, b.state),
           COALESCE(a.open_cases, 0), COALESCE(a.due_within_hour, 0), COALESCE(a.overdue, 0),
           COALESCE(a.overdue_level0, 0), COALESCE(a.overdue_level1, 0), COALESCE(a.overdue_level2, 0),
           COALESCE(a.overdue_level3, 0), COALESCE(b.whistles_pending, 0), COALESCE(b.whistles_late, 0),
           COALESCE(a.provisional, 0)
    FROM by_case a
    FULL JOIN by_whistle b
      ON b.county OPERATOR(gridgov.=) a.county AND b.town OPERATOR(gridgov.=) a.town
     AND b.department_id = a.department_id AND b.state = a.state
    LEFT JOIN gridgov.departments d ON d.id = COALESCE(a.department_id, b.department_id)
    ORDER BY 1, 2, 5, 4, 3;
END
$$;
COMMENT ON FUNCTION gridgov.sla_board_at(timestamptz) IS
    'The command center''s live board as of a time: per county x town x department x state, open cases, cases with a running clock due within the hour after as_of, overdue cases (a running, unpaused clock past its due time) by the highest ladder rung their overdue clocks reached (0: not escalated yet; 3: rung 3 and above), and whistle calls of open cases not reported in (pending; late: past due), counted at the summoned department, and cases with a provisional deadline (a clock, running or paused, due past its calendar''s horizon: gridgov.provisional_clocks). States and clocks are the current ones; as_of moves the time they are compared with. 22004 for NULL';

CREATE VIEW gridgov.sla_board AS
SELECT b.county, b.town, b.department_id, b.department_name, b.state, b.open_cases, b.due_within_hour,
       b.overdue, b.overdue_level0, b.overdue_level1, b.overdue_level2, b.overdue_level3,
       b.whistles_pending, b.whistles_late, b.provisional
FROM gridgov.sla_board_at(pg_catalog.now()) b;
COMMENT ON VIEW gridgov.sla_board IS 'gridgov.sla_board_at(now()): the live board of open cases, deadlines, overdue cases by escalation rung, pending whistle calls and provisional deadlines';
COMMENT ON COLUMN gridgov.sla_board.county IS 'County';
COMMENT ON COLUMN gridgov.sla_board.town IS 'Town (the county for cases without a grid)';
COMMENT ON COLUMN gridgov.sla_board.department_id IS 'Responsible department (for whistle calls: the summoned one)';
COMMENT ON COLUMN gridgov.sla_board.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.sla_board.state IS 'Case state';
COMMENT ON COLUMN gridgov.sla_board.open_cases IS 'Open cases';
COMMENT ON COLUMN gridgov.sla_board.due_within_hour IS 'Open cases with a running clock due within the next hour';
COMMENT ON COLUMN gridgov.sla_board.overdue IS 'Open cases with a running, unpaused clock past its due time';
COMMENT ON COLUMN gridgov.sla_board.overdue_level0 IS 'Overdue, not escalated yet';
COMMENT ON COLUMN gridgov.sla_board.overdue_level1 IS 'Overdue, at ladder rung 1 (town center)';
COMMENT ON COLUMN gridgov.sla_board.overdue_level2 IS 'Overdue, at rung 2 (district center)';
COMMENT ON COLUMN gridgov.sla_board.overdue_level3 IS 'Overdue, at rung 3 or above (discipline inspection)';
COMMENT ON COLUMN gridgov.sla_board.whistles_pending IS 'Whistle calls (吹哨) not reported in';
COMMENT ON COLUMN gridgov.sla_board.whistles_late IS 'Of those, past their report-in deadline';
COMMENT ON COLUMN gridgov.sla_board.provisional IS 'Open cases with a provisional deadline: a running or paused clock due past its calendar''s horizon (gridgov.provisional_clocks)';
-- ---------------------------------------------------------------------------
-- analytics (5/7): hot spots (未诉先办) and the seasonal view.
--
-- gridgov.detect_hotspots() finds, in the window before as_of, (1) grid x
-- category counts that spike above their own baseline and (2) spatial clusters
-- of one category that cross grid boundaries (DBSCAN over the recent case
-- points), scores both with a one-sided Poisson test against the baseline
-- (Bonferroni-corrected over everything tested), stores them in
-- gridgov.hotspots for the board, and optionally opens one proactive case per
-- hot spot.  docs/bi.md gives the model.  SQLSTATEs: 22004 NULL argument,
-- 22023 bad parameter.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.poisson_score(x integer, lambda double precision) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    lnfact double precision := 0;
    lt double precision;
    term double precision := 1;
    s double precision := 1;
    k bigint;
BEGIN
    IF NOT (lambda > 0) OR lambda = 'Infinity'::double precision OR lambda = 'NaN'::double precision THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('the expected count must be a positive finite number, not %s', lambda);
    END IF;
    IF x <= 0 THEN
        RETURN 0;
    END IF;
    IF x > lambda THEN
        -- Upper tail, summed upwards from x in units of the term at x.
        IF x <= 100 THEN
            FOR i IN 2..x LOOP
                lnfact := lnfact + pg_catalog.ln(i::double precision);
            END LOOP;
        ELSE
            lnfact := x * pg_catalog.ln(x::double precision) - x + 0.5 * pg_catalog.ln(2 * pg_catalog.pi() * x)
                      + 1.0 / (12.0 * x) - 1.0 / (360.0 * x::double precision ^ 3);
        END IF;
        lt := -lambda + x * pg_catalog.ln(lambda) - lnfact;
        k := x;
        LOOP
            k := k + 1;
            term := term * lambda / k;
            s := s + term;
            EXIT WHEN term < 1e-17 * s;
        END LOOP;
        RETURN GREATEST(0, -(lt + pg_catalog.ln(s)) / pg_catalog.ln(10::double precision));
    END IF;
    -- x <= lambda: P(X >= x) = 1 - P(X <= x - 1), the lower tail summed downwards.
    k := x - 1;
    IF k <= 100 THEN
        FOR i IN 2..k LOOP
            lnfact := lnfact + pg_catalog.ln(i::double precision);
        END LOOP;
    ELSE
        lnfact := k * pg_catalog.ln(k::double precision) - k + 0.5 * pg_catalog.ln(2 * pg_catalog.pi() * k)
                  + 1.0 / (12.0 * k) - 1.0 / (360.0 * k::double precision ^ 3);
    END IF;
    lt := -lambda + k * pg_catalog.ln(lambda) - lnfact;
    WHILE k > 0 LOOP
        term := term * k / lambda;
        s := s + term;
        EXIT WHEN term < 1e-17 * s;
        k := k - 1;
    END LOOP;
    RETURN GREATEST(0, -pg_catalog.log(GREATEST(1 - pg_catalog.exp(lt + pg_catalog.ln(s)), 1e-300)));
END
$$;
COMMENT ON FUNCTION gridgov.poisson_score(integer, double precision) IS
    'Surprise of a count: -log10 P(X >= x) for X ~ Poisson(lambda), computed in log space (3 means a chance of 1 in 1,000); 0 for x <= 0; 22023 for lambda not positive and finite';

CREATE TABLE gridgov.hotspot_runs (
    detected_at timestamptz PRIMARY KEY,
    params      jsonb NOT NULL,
    spikes      integer NOT NULL,
    clusters    integer NOT NULL,
    cases_opened integer NOT NULL,
    run_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE gridgov.hotspot_runs IS 'Runs of gridgov.detect_hotspots(): one row per as_of (a re-run replaces it)';
COMMENT ON COLUMN gridgov.hotspot_runs.detected_at IS 'as_of of the run: the end of its window';
COMMENT ON COLUMN gridgov.hotspot_runs.params IS 'Parameters of the run';
COMMENT ON COLUMN gridgov.hotspot_runs.spikes IS 'Grid x category spikes found';
COMMENT ON COLUMN gridgov.hotspot_runs.clusters IS 'Cross-boundary clusters found';
COMMENT ON COLUMN gridgov.hotspot_runs.cases_opened IS 'Proactive cases opened by the run';
COMMENT ON COLUMN gridgov.hotspot_runs.run_at IS 'When the run happened';
SELECT pg_catalog.pg_extension_config_dump('gridgov.hotspot_runs', '');

CREATE TABLE gridgov.hotspots (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    county          gridgov.gridcode NOT NULL,
    detected_at     timestamptz NOT NULL REFERENCES gridgov.hotspot_runs (detected_at) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('spike', 'cluster', 'forecast_exceeded')),
    category        text COLLATE pg_catalog."C" NOT NULL,
    grid            gridgov.gridcode,
    grids           gridgov.gridcode[] NOT NULL,
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    cases           integer NOT NULL,
    baseline_cases  integer NOT NULL,
    expected        double precision NOT NULL,
    score           double precision NOT NULL,
    threshold       double precision NOT NULL,
    geom            geometry(Geometry, 4326),
    case_id         bigint,
    CONSTRAINT hotspots_spike_grid CHECK (kind <> 'spike' OR grid IS NOT NULL)
);
CREATE INDEX hotspots_detected ON gridgov.hotspots (detected_at, county);
COMMENT ON TABLE gridgov.hotspots IS
    'Hot spots found by gridgov.detect_hotspots(), kept for the command center''s board: spikes of a grid x category and clusters of one category crossing grid boundaries, with their counts, Poisson score and threshold, outline and the proactive case opened for them; and the areas x categories whose count left the 95 % interval of their forecast (kind forecast_exceeded, gridgov.forecast_alerts())';
COMMENT ON COLUMN gridgov.hotspots.county IS 'County';
COMMENT ON COLUMN gridgov.hotspots.detected_at IS 'as_of of the run that found it';
COMMENT ON COLUMN gridgov.hotspots.kind IS 'spike (a grid x category above its baseline), cluster (cases of one category close together across grid boundaries) or forecast_exceeded (an area x category prefix outside the 95 % interval of its forecast)';
COMMENT ON COLUMN gridgov.hotspots.category IS 'Category code (forecast_exceeded: the forecast''s category prefix)';
COMMENT ON COLUMN gridgov.hotspots.grid IS 'The grid of a spike; NULL for the other kinds';
COMMENT ON COLUMN gridgov.hotspots.grids IS 'Grids the hot spot''s cases lie in (forecast_exceeded: the forecast''s area)';
COMMENT ON COLUMN gridgov.hotspots.window_start IS 'Start of the window (exclusive)';
COMMENT ON COLUMN gridgov.hotspots.window_end IS 'End of the window (inclusive): the run''s as_of';
COMMENT ON COLUMN gridgov.hotspots.cases IS 'Cases in the window';
COMMENT ON COLUMN gridgov.hotspots.baseline_cases IS 'Cases of the same grid (spike) or area (cluster: within the DBSCAN distance of its hull) and category in the baseline before the window; forecast_exceeded: the cases the forecast''s fit learnt from';
COMMENT ON COLUMN gridgov.hotspots.expected IS 'Expected count in the window: (baseline_cases + 1) x window / baseline; forecast_exceeded: the forecast''s expected count';
COMMENT ON COLUMN gridgov.hotspots.score IS 'gridgov.poisson_score(cases, expected): -log10 of the chance of so many cases; forecast_exceeded: gridgov.nb_score(cases, expected, the fit''s dispersion), the chance of so many or so few';
COMMENT ON COLUMN gridgov.hotspots.threshold IS 'Score needed: -log10(alpha / number of grid x category cells, or clusters, tested in the county); forecast_exceeded: -log10(0.025), one side of the 95 % interval';
COMMENT ON COLUMN gridgov.hotspots.geom IS 'Outline: the grid of a spike; for a cluster the convex hull of its cases'' locations snapped to 0.001 degrees; forecast_exceeded: the area''s';
COMMENT ON COLUMN gridgov.hotspots.case_id IS 'Proactive case (source proactive) opened for it, if any';
SELECT pg_catalog.pg_extension_config_dump('gridgov.hotspots', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.hotspots_id_seq', '');

CREATE FUNCTION gridgov.detect_hotspots(as_of timestamptz DEFAULT pg_catalog.now(),
                                        win interval DEFAULT '7 days',
                                        baseline interval DEFAULT '8 weeks',
                                        min_cases integer DEFAULT 5,
                                        alpha double precision DEFAULT 0.01,
                                        cluster_m double precision DEFAULT 150,
                                        cluster_min integer DEFAULT 5,
                                        open_cases boolean DEFAULT false)
    RETURNS SETOF gridgov.hotspots
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    ratio double precision;
    h gridgov.hotspots;
    ext text;
    linked bigint;
    pt geometry;
    place text;
    opened integer := 0;
BEGIN
    IF as_of IS NULL OR win IS NULL OR baseline IS NULL OR min_cases IS NULL OR alpha IS NULL
       OR cluster_m IS NULL OR cluster_min IS NULL OR open_cases IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'arguments of detect_hotspots must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    IF win <= interval '0' OR baseline <= interval '0'
       OR EXTRACT(epoch FROM win) > 366 * 86400 OR EXTRACT(epoch FROM baseline) > 3660 * 86400 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('window %s and baseline %s must be positive (at most 366 and 3,660 days)', win, baseline);
    END IF;
    IF min_cases < 1 OR cluster_min < 2 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('min_cases must be at least 1 and cluster_min at least 2, not %s and %s', min_cases, cluster_min);
    END IF;
    IF NOT (alpha > 0 AND alpha < 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('alpha must lie strictly between 0 and 1, not %s', alpha);
    END IF;
    IF NOT (cluster_m > 0 AND cluster_m <= 10000) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('cluster_m must lie in (0, 10000] metres, not %s', cluster_m);
    END IF;
    ratio := EXTRACT(epoch FROM win)::double precision / EXTRACT(epoch FROM baseline)::double precision;

    DELETE FROM gridgov.hotspot_runs r WHERE r.detected_at = as_of;
    INSERT INTO gridgov.hotspot_runs (detected_at, params, spikes, clusters, cases_opened)
    VALUES (as_of, pg_catalog.jsonb_build_object('window', win, 'baseline', baseline, 'min_cases', min_cases,
                                                 'alpha', alpha, 'cluster_m', cluster_m, 'cluster_min', cluster_min,
                                                 'open_cases', open_cases), 0, 0, 0);

    -- 1. Spikes: every grid x category with a case in the window or the baseline is tested.
    INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                  cases, baseline_cases, expected, score, threshold, geom)
    WITH pts AS (
        SELECT c.county, c.grid, c.category, c.reported_at > as_of - win AS recent
        FROM gridgov.cases c
        WHERE c.reported_at > as_of - win - baseline AND c.reported_at <= as_of
          AND c.grid IS NOT NULL AND c.source <> 'proactive'
    ), cells AS (
        SELECT p.county, p.grid, p.category,
               pg_catalog.count(*) FILTER (WHERE p.recent)::integer AS x,
               pg_catalog.count(*) FILTER (WHERE NOT p.recent)::integer AS b
        FROM pts p GROUP BY 1, 2, 3
    ), tested AS (
        SELECT t.*, (t.b + 1) * ratio AS lambda,
               -pg_catalog.log(alpha / pg_catalog.count(*) OVER (PARTITION BY t.county)) AS threshold
        FROM cells t
    )
    SELECT t.county, as_of, 'spike', t.category, t.grid, ARRAY[t.grid], as_of - win, as_of, t.x, t.b, t.lambda,
           gridgov.poisson_score(t.x, t.lambda), t.threshold,
           (SELECT g.geom FROM gridgov.grids g
            WHERE g.code = t.grid AND g.valid_from <= as_of AND as_of < g.valid_to)
    FROM tested t
    WHERE t.x >= min_cases AND gridgov.poisson_score(t.x, t.lambda) >= t.threshold;

    -- 2. Clusters of one category that cross grid boundaries, in a local metric
    --    plane (equirectangular around the mean latitude of the county's points).
    INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                  cases, baseline_cases, expected, score, threshold, geom)
    WITH recent AS (
        SELECT c.county, c.grid, c.category, c.location
        FROM gridgov.cases c
        WHERE c.reported_at > as_of - win AND c.reported_at <= as_of
          AND c.location IS NOT NULL AND c.source <> 'proactive'
    ), origin AS (
        SELECT r.county, pg_catalog.avg(ST_Y(r.location)) AS lat0 FROM recent r GROUP BY r.county
    ), labelled AS (
        SELECT r.*, o.lat0,
               ST_ClusterDBSCAN(ST_Scale(r.location, 111320 * pg_catalog.cos(pg_catalog.radians(o.lat0)), 110574),
                                cluster_m, cluster_min) OVER (PARTITION BY r.county, r.category) AS cid
        FROM recent r JOIN origin o ON o.county OPERATOR(gridgov.=) r.county
    ), clusters AS (
        SELECT l.county, l.category, l.cid, l.lat0, pg_catalog.count(*)::integer AS x,
               pg_catalog.array_agg(DISTINCT l.grid ORDER BY l.grid) FILTER (WHERE l.grid IS NOT NULL) AS grids,
               ST_ConvexHull(ST_Collect(ST_Scale(l.location, 111320 * pg_catalog.cos(pg_catalog.radians(l.lat0)),
                                                 110574))) AS hull_m,
               ST_ConvexHull(ST_Collect(ST_SnapToGrid(l.location, 0.001))) AS hull
        FROM labelled l WHERE l.cid IS NOT NULL
        GROUP BY l.county, l.category, l.cid, l.lat0
        HAVING pg_catalog.count(DISTINCT l.grid) >= 2
    ), past AS MATERIALIZED (
        -- The baseline's points of the clusters' categories, in the same plane.
        SELECT b.county, b.category,
               ST_Scale(b.location, 111320 * pg_catalog.cos(pg_catalog.radians(o.lat0)), 110574) AS p
        FROM gridgov.cases b
        JOIN origin o ON o.county OPERATOR(gridgov.=) b.county
        WHERE b.reported_at > as_of - win - baseline AND b.reported_at <= as_of - win
          AND b.location IS NOT NULL AND b.source <> 'proactive'
          AND b.category IN (SELECT cl.category FROM clusters cl)
    ), based AS (
        SELECT cl.*,
               (SELECT pg_catalog.count(*) FROM past b
                WHERE b.county OPERATOR(gridgov.=) cl.county AND b.category = cl.category
                  AND ST_DWithin(b.p, cl.hull_m, cluster_m))::integer AS b
        FROM clusters cl
    ), tested AS (
        SELECT t.*, (t.b + 1) * ratio AS lambda,
               -pg_catalog.log(alpha / pg_catalog.count(*) OVER (PARTITION BY t.county)) AS threshold
        FROM based t
    )
    SELECT t.county, as_of, 'cluster', t.category, NULL, t.grids, as_of - win, as_of, t.x, t.b, t.lambda,
           gridgov.poisson_score(t.x, t.lambda), t.threshold, t.hull
    FROM tested t
    WHERE t.x >= min_cases AND gridgov.poisson_score(t.x, t.lambda) >= t.threshold;

    -- 3. Proactive cases: one per hot spot, idempotent through the external id;
    --    an existing one is linked even when no new case is opened.
    FOR h IN SELECT * FROM gridgov.hotspots x WHERE x.detected_at = as_of ORDER BY x.id LOOP
        IF h.kind = 'spike' THEN
            pt := ST_PointOnSurface(h.geom);
            ext := pg_catalog.format('hotspot/spike/%s/%s/%s', h.grid, h.category,
                                     pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD'));
            SELECT g.name INTO place FROM gridgov.grids g
            WHERE g.code = h.grid AND g.valid_from <= as_of AND as_of < g.valid_to;
        ELSE
            pt := ST_SnapToGrid(ST_Centroid(h.geom), 0.001);
            ext := pg_catalog.format('hotspot/cluster/%s/%s,%s/%s', h.category,
                                     pg_catalog.round(ST_X(pt)::numeric, 3), pg_catalog.round(ST_Y(pt)::numeric, 3),
                                     pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD'));
            place := pg_catalog.format('%s 个网格交界处', pg_catalog.cardinality(h.grids));
        END IF;
        IF open_cases THEN
            -- The county named (as intake gives it), so that the INSERT is
            -- routed on a Citus coordinator too.
            INSERT INTO gridgov.cases (county, source, external_id, category, title, location, grid, reported_at)
            SELECT gridgov.case_county(pt, 'wgs84', CASE WHEN h.kind = 'spike' THEN h.grid END, as_of),
                   'proactive', ext, h.category,
                   pg_catalog.left(pg_catalog.format('未诉先办：%s %s 近 %s 起（预期 %s）', place, cat.name, h.cases,
                                                     pg_catalog.round(h.expected::numeric, 1)), 500),
                   pt, CASE WHEN h.kind = 'spike' THEN h.grid END, as_of
            FROM gridgov.categories cat WHERE cat.code = h.category
            ON CONFLICT (county, source, external_id) DO NOTHING;
            IF FOUND THEN
                opened := opened + 1;
            END IF;
        END IF;
        -- Read, then written (Citus writes no reference table from a query
        -- that reads a distributed one).
        linked := (SELECT c.id FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) h.county AND c.source = 'proactive' AND c.external_id = ext);
        UPDATE gridgov.hotspots x SET case_id = linked WHERE x.id = h.id;
    END LOOP;

    UPDATE gridgov.hotspot_runs r
    SET spikes = (SELECT pg_catalog.count(*) FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'spike'),
        clusters = (SELECT pg_catalog.count(*) FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'cluster'),
        cases_opened = opened
    WHERE r.detected_at = as_of;

    RETURN QUERY SELECT * FROM gridgov.hotspots x WHERE x.detected_at = as_of
                 ORDER BY x.county, x.kind DESC, x.score DESC, x.id;
END
$$;
COMMENT ON FUNCTION gridgov.detect_hotspots(timestamptz, interval, interval, integer, double precision, double precision, integer, boolean) IS
    'Hot spots (未诉先办) in the window (as_of - win, as_of]: grid x category counts above their own baseline (as_of - win - baseline, as_of - win], and DBSCAN clusters (cluster_m metres, cluster_min points) of one category spanning at least two grids, each with at least min_cases cases and a Poisson score (gridgov.poisson_score against (baseline + 1) x win / baseline) above -log10(alpha / tests in the county). Replaces the results of an earlier run with the same as_of, stores them in gridgov.hotspots and gridgov.hotspot_runs, opens one proactive case each when open_cases (idempotent), and returns them. Proactive cases are never counted. 22004 NULL argument, 22023 bad parameter';

CREATE VIEW gridgov.hotspots_latest AS
SELECT h.id, h.county, h.detected_at, h.kind, h.category, c.name AS category_name, h.grid, h.grids,
       h.window_start, h.window_end, h.cases, h.baseline_cases, h.expected, h.score, h.threshold, h.geom, h.case_id
FROM gridgov.hotspots h
LEFT JOIN gridgov.categories c ON c.code = h.category
WHERE h.detected_at = (SELECT pg_catalog.max(r.detected_at) FROM gridgov.hotspot_runs r);
COMMENT ON VIEW gridgov.hotspots_latest IS 'The hot spots of the latest run of gridgov.detect_hotspots() (by as_of), for the board';
COMMENT ON COLUMN gridgov.hotspots_latest.county IS 'County';
COMMENT ON COLUMN gridgov.hotspots_latest.detected_at IS 'as_of of the run';
COMMENT ON COLUMN gridgov.hotspots_latest.kind IS 'spike, cluster or forecast_exceeded';
COMMENT ON COLUMN gridgov.hotspots_latest.category IS 'Category code';
COMMENT ON COLUMN gridgov.hotspots_latest.category_name IS 'Category name';
COMMENT ON COLUMN gridgov.hotspots_latest.grid IS 'Grid of a spike';
COMMENT ON COLUMN gridgov.hotspots_latest.grids IS 'Grids involved';
COMMENT ON COLUMN gridgov.hotspots_latest.window_start IS 'Window start (exclusive)';
COMMENT ON COLUMN gridgov.hotspots_latest.window_end IS 'Window end (inclusive)';
COMMENT ON COLUMN gridgov.hotspots_latest.cases IS 'Cases in the window';
COMMENT ON COLUMN gridgov.hotspots_latest.baseline_cases IS 'Cases in the baseline';
COMMENT ON COLUMN gridgov.hotspots_latest.expected IS 'Expected count in the window';
COMMENT ON COLUMN gridgov.hotspots_latest.score IS 'Poisson score';
COMMENT ON COLUMN gridgov.hotspots_latest.threshold IS 'Score needed';
COMMENT ON COLUMN gridgov.hotspots_latest.geom IS 'Outline';
COMMENT ON COLUMN gridgov.hotspots_latest.case_id IS 'Proactive case, if any';

-- Seasonal view ---------------------------------------------------------------------

CREATE VIEW gridgov.seasonal AS
WITH months AS (
    SELECT m.county, m.category, m.month, pg_catalog.sum(m.reported) AS n
    FROM gridgov.stats_month_category m
    GROUP BY 1, 2, 3 HAVING pg_catalog.sum(m.reported) <> 0
), moy AS (
    SELECT x.county, x.category, EXTRACT(month FROM x.month)::integer AS month_of_year,
           pg_catalog.sum(x.n) AS cases, pg_catalog.count(*) AS years
    FROM months x GROUP BY 1, 2, 3
)
SELECT y.county, y.category, c.name AS category_name, y.month_of_year, y.cases::bigint AS cases,
       y.years::integer AS years, pg_catalog.round(y.cases / y.years, 1) AS per_year,
       pg_catalog.round(12 * (y.cases / y.years)
                        / pg_catalog.sum(y.cases / y.years) OVER (PARTITION BY y.county, y.category), 2) AS seasonal_index
FROM moy y
LEFT JOIN gridgov.categories c ON c.code = y.category;
COMMENT ON VIEW gridgov.seasonal IS
    'Seasonality by county x category x month of the year (from the month summaries): cases reported in that calendar month over all years, the number of years with data for it, the mean per year, and the seasonal index (mean per year / mean of the category''s monthly means; 1 = an average month, months without data count as 0)';
COMMENT ON COLUMN gridgov.seasonal.county IS 'County';
COMMENT ON COLUMN gridgov.seasonal.category IS 'Category code';
COMMENT ON COLUMN gridgov.seasonal.category_name IS 'Category name';
COMMENT ON COLUMN gridgov.seasonal.month_of_year IS 'Calendar month, 1-12';
COMMENT ON COLUMN gridgov.seasonal.cases IS 'Cases reported in that month, all years';
COMMENT ON COLUMN gridgov.seasonal.years IS 'Years with cases in that month';
COMMENT ON COLUMN gridgov.seasonal.per_year IS 'cases / years, 1 decimal';
COMMENT ON COLUMN gridgov.seasonal.seasonal_index IS '12 x per_year / sum of the category''s per_year over the months, 2 decimals';
-- ---------------------------------------------------------------------------
-- analytics (6/7): maps — live metrics per area, the grid_map layer for GIS
-- tools, GeoJSON and a standalone SVG choropleth.
--
-- SQLSTATEs: 22004 NULL argument, 22023 unknown level or metric.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.grid_metrics(as_of timestamptz)
    RETURNS TABLE (code gridgov.gridcode, open_cases bigint, overdue_cases bigint, cases_30d bigint,
                   dispatched_30d bigint, responded_30d bigint, response_rate numeric,
                   called_back_30d bigint, solved_30d bigint, resolution_rate numeric,
                   satisfied_30d bigint, satisfaction_rate numeric, score numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH base AS (
        SELECT s.county, s.town, s.community, s.grid,
               (s.closed_at IS NULL OR s.closed_at > grid_metrics.as_of) AND NOT s.merged AS open,
               (s.closed_at IS NULL OR s.closed_at > grid_metrics.as_of) AND NOT s.merged AND EXISTS (
                    SELECT 1 FROM gridgov.case_clocks k
                    WHERE k.county OPERATOR(gridgov.=) s.county AND k.case_id = s.case_id
                      AND k.started_at <= grid_metrics.as_of AND k.due_at < grid_metrics.as_of
                      AND (k.met_at IS NULL OR k.met_at > grid_metrics.as_of)
                      AND (k.cancelled_at IS NULL OR k.cancelled_at > grid_metrics.as_of)
                      AND (k.paused_at IS NULL OR k.paused_at > grid_metrics.as_of)) AS overdue,
               s.reported_at > grid_metrics.as_of - interval '30 days' AS recent,
               r.dispatched, r.responded, r.called_back, r.solved, r.satisfied
        FROM gridgov.case_stats s
        CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        WHERE r.reported = 1
          AND s.reported_at <= grid_metrics.as_of
          AND (s.closed_at IS NULL OR s.closed_at > grid_metrics.as_of
               OR s.reported_at > grid_metrics.as_of - interval '30 days')
    ), per_area AS (
        SELECT a.code,
               pg_catalog.count(*) FILTER (WHERE b.open) AS open_cases,
               pg_catalog.count(*) FILTER (WHERE b.overdue) AS overdue_cases,
               pg_catalog.count(*) FILTER (WHERE b.recent) AS cases_30d,
               COALESCE(pg_catalog.sum(b.dispatched) FILTER (WHERE b.recent), 0)::bigint AS dispatched_30d,
               COALESCE(pg_catalog.sum(b.responded) FILTER (WHERE b.recent), 0)::bigint AS responded_30d,
               COALESCE(pg_catalog.sum(b.called_back) FILTER (WHERE b.recent), 0)::bigint AS called_back_30d,
               COALESCE(pg_catalog.sum(b.solved) FILTER (WHERE b.recent), 0)::bigint AS solved_30d,
               COALESCE(pg_catalog.sum(b.satisfied) FILTER (WHERE b.recent), 0)::bigint AS satisfied_30d
        FROM base b
        CROSS JOIN LATERAL (SELECT DISTINCT u AS code
                            FROM pg_catalog.unnest(ARRAY[b.county, b.town, b.community, b.grid]) u
                            WHERE u IS NOT NULL) a
        GROUP BY a.code
    )
    SELECT p.code, p.open_cases, p.overdue_cases, p.cases_30d, p.dispatched_30d, p.responded_30d,
           gridgov.pct(p.responded_30d, p.dispatched_30d), p.called_back_30d, p.solved_30d,
           gridgov.pct(p.solved_30d, p.called_back_30d), p.satisfied_30d,
           gridgov.pct(p.satisfied_30d, p.called_back_30d),
           gridgov.weighted_score(gridgov.pct(p.responded_30d, p.dispatched_30d),
                                  gridgov.pct(p.solved_30d, p.called_back_30d),
                                  gridgov.pct(p.satisfied_30d, p.called_back_30d),
                                  w.response, w.resolution, w.satisfaction)
    FROM per_area p
    LEFT JOIN LATERAL (
        SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
        WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) p.code
        ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
        LIMIT 1) w ON true;
END
$$;
COMMENT ON FUNCTION gridgov.grid_metrics(timestamptz) IS
    'Live metrics of every area (county, town, community, grid) that has cases, as of a time: open cases (reported by as_of and not closed by then; merged duplicates left out), overdue cases (open, with a clock started by as_of, past due at as_of and not met, cancelled or paused by then), cases reported in the 30 days up to as_of and their three rates and composite score (callback answers and dispatches as recorded now)';

CREATE VIEW gridgov.grid_map AS
SELECT g.id, g.code, g.name, g.level, gridgov.level_name(g.code) AS level_name, g.kind,
       COALESCE(m.open_cases, 0) AS open_cases, COALESCE(m.overdue_cases, 0) AS overdue_cases,
       COALESCE(m.cases_30d, 0) AS cases_30d, COALESCE(m.dispatched_30d, 0) AS dispatched_30d,
       m.response_rate, COALESCE(m.called_back_30d, 0) AS called_back_30d, m.resolution_rate,
       m.satisfaction_rate, m.score, g.geom
FROM gridgov.grids g
LEFT JOIN gridgov.grid_metrics(pg_catalog.now()) m ON m.code OPERATOR(gridgov.=) g.code
WHERE g.valid_from <= pg_catalog.now() AND pg_catalog.now() < g.valid_to;
COMMENT ON VIEW gridgov.grid_map IS
    'GIS layer (QGIS, ogr2ogr, any OGC client): every current grid version at every level with live metrics. Key column id (bigint, the grid version), one geometry column geom (MultiPolygon, SRID 4326); filter on level or level_name for one level';
COMMENT ON COLUMN gridgov.grid_map.id IS 'Stable integer key: the grid version (gridgov.grids.id)';
COMMENT ON COLUMN gridgov.grid_map.code IS 'Area code';
COMMENT ON COLUMN gridgov.grid_map.name IS 'Area name';
COMMENT ON COLUMN gridgov.grid_map.level IS '3 county, 4 town, 5 community, 6 unit grid';
COMMENT ON COLUMN gridgov.grid_map.level_name IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.grid_map.kind IS 'general or special';
COMMENT ON COLUMN gridgov.grid_map.open_cases IS 'Open cases in the area now';
COMMENT ON COLUMN gridgov.grid_map.overdue_cases IS 'Of those, overdue now';
COMMENT ON COLUMN gridgov.grid_map.cases_30d IS 'Cases reported in the last 30 days';
COMMENT ON COLUMN gridgov.grid_map.dispatched_30d IS 'Of those, dispatched';
COMMENT ON COLUMN gridgov.grid_map.response_rate IS 'Their response rate, %';
COMMENT ON COLUMN gridgov.grid_map.called_back_30d IS 'Of those, called back';
COMMENT ON COLUMN gridgov.grid_map.resolution_rate IS 'Their resolution rate, %';
COMMENT ON COLUMN gridgov.grid_map.satisfaction_rate IS 'Their satisfaction rate, %';
COMMENT ON COLUMN gridgov.grid_map.score IS 'Their composite score';
COMMENT ON COLUMN gridgov.grid_map.geom IS 'Outline, MultiPolygon in WGS-84 (SRID 4326)';

-- Arguments shared by map_geojson and map_svg.
CREATE FUNCTION gridgov.map_check(level text, metric text, as_of timestamptz) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    lvl integer := CASE level WHEN 'county' THEN 3 WHEN 'town' THEN 4 WHEN 'community' THEN 5 WHEN 'grid' THEN 6 END;
BEGIN
    IF level IS NULL OR metric IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'level, metric and as_of must not be NULL';
    END IF;
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown map level "%s"', pg_catalog.left(level, 40)),
            DETAIL = 'Map levels are county, town, community and grid.';
    END IF;
    IF metric NOT IN ('open_cases', 'overdue_cases', 'cases_30d', 'response_rate', 'resolution_rate',
                      'satisfaction_rate', 'score') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown map metric "%s"', pg_catalog.left(metric, 40)),
            DETAIL = 'Map metrics are open_cases, overdue_cases, cases_30d, response_rate, resolution_rate, satisfaction_rate and score.';
    END IF;
    RETURN lvl;
END
$$;
COMMENT ON FUNCTION gridgov.map_check(text, text, timestamptz) IS
    'Building block of map_geojson() and map_svg(): validates the level and metric of map_geojson / map_svg and returns the level number (22004 NULL, 22023 unknown)';

-- The areas of a level at a time, with every metric and the chosen one as value.
CREATE FUNCTION gridgov.map_areas(level text, metric text, as_of timestamptz)
    RETURNS TABLE (id bigint, code gridgov.gridcode, name text, kind gridgov.grid_kind, geom geometry,
                   metrics jsonb, value numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT g.id, g.code, g.name, g.kind, g.geom,
           pg_catalog.jsonb_build_object(
               'open_cases', COALESCE(m.open_cases, 0), 'overdue_cases', COALESCE(m.overdue_cases, 0),
               'cases_30d', COALESCE(m.cases_30d, 0), 'response_rate', m.response_rate,
               'resolution_rate', m.resolution_rate, 'satisfaction_rate', m.satisfaction_rate,
               'score', m.score) AS metrics,
           CASE map_areas.metric
               WHEN 'open_cases' THEN COALESCE(m.open_cases, 0)
               WHEN 'overdue_cases' THEN COALESCE(m.overdue_cases, 0)
               WHEN 'cases_30d' THEN COALESCE(m.cases_30d, 0)
               WHEN 'response_rate' THEN m.response_rate
               WHEN 'resolution_rate' THEN m.resolution_rate
               WHEN 'satisfaction_rate' THEN m.satisfaction_rate
               WHEN 'score' THEN m.score END::numeric AS value
    FROM gridgov.grids g
    LEFT JOIN gridgov.grid_metrics(map_areas.as_of) m ON m.code OPERATOR(gridgov.=) g.code
    WHERE g.level = gridgov.map_check(map_areas.level, map_areas.metric, map_areas.as_of)
      AND g.valid_from <= map_areas.as_of AND map_areas.as_of < g.valid_to
    ORDER BY g.code;
END
$$;
COMMENT ON FUNCTION gridgov.map_areas(text, text, timestamptz) IS
    'Building block of map_geojson() and map_svg(): the grid versions of a level valid at as_of with their metrics (gridgov.grid_metrics) as JSON and the chosen metric as value, ordered by code';

CREATE FUNCTION gridgov.map_geojson(level text, metric text DEFAULT 'open_cases',
                                    as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
        'type', 'FeatureCollection',
        'level', map_geojson.level, 'metric', map_geojson.metric, 'as_of', map_geojson.as_of,
        'features', COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'type', 'Feature', 'id', a.id,
            'geometry', ST_AsGeoJSON(a.geom, 6)::jsonb,
            'properties', pg_catalog.jsonb_build_object('code', a.code::text, 'name', a.name, 'kind', a.kind,
                                                        'metric', map_geojson.metric, 'value', a.value)
                          || a.metrics) ORDER BY a.code), '[]'::jsonb))
    FROM gridgov.map_areas(map_geojson.level, map_geojson.metric, map_geojson.as_of) a;
END;
COMMENT ON FUNCTION gridgov.map_geojson(text, text, timestamptz) IS
    'GeoJSON FeatureCollection of the areas of a level (county, town, community, grid) valid at as_of: one Feature per area with id (grid version), WGS-84 geometry (6 decimals) and properties code, name, kind, metric, value (the chosen metric) and every metric of gridgov.grid_metrics. 22004 NULL, 22023 unknown level or metric';

CREATE FUNCTION gridgov.map_svg(level text, metric text DEFAULT 'open_cases',
                                as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    w constant double precision := 800;     -- map width, pixels
    margin constant double precision := 20;
    top constant double precision := 60;    -- room for the title
    legend_w constant double precision := 240;
    palette constant text[] := ARRAY['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];
    e box2d;
    kx double precision;
    s double precision;
    h double precision;
    lo numeric;
    hi numeric;
    n_null integer;
    label text;
    legend xml;
    paths xml;
    title text;
    doc xml;
BEGIN
    PERFORM gridgov.map_check(level, metric, as_of);
    label := CASE metric
        WHEN 'open_cases' THEN '在办案件 open cases'
        WHEN 'overdue_cases' THEN '超期案件 overdue cases'
        WHEN 'cases_30d' THEN '近30日案件 cases, last 30 days'
        WHEN 'response_rate' THEN '响应率 response rate (%)'
        WHEN 'resolution_rate' THEN '解决率 resolution rate (%)'
        WHEN 'satisfaction_rate' THEN '满意率 satisfaction rate (%)'
        ELSE '综合得分 composite score' END;
    title := pg_catalog.format('%s — %s, as of %s', label, level,
                               pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD HH24:MI'));

    SELECT ST_Extent(x.geom), pg_catalog.min(x.value), pg_catalog.max(x.value),
           pg_catalog.count(*) FILTER (WHERE x.value IS NULL)
    INTO e, lo, hi, n_null FROM gridgov.map_areas(level, metric, as_of) x;
    IF e IS NULL THEN
        e := 'BOX(0 0,1 1)'::box2d;
    END IF;
    kx := pg_catalog.cos(pg_catalog.radians((ST_YMin(e) + ST_YMax(e)) / 2));
    s := w / GREATEST((ST_XMax(e) - ST_XMin(e)) * kx, ST_YMax(e) - ST_YMin(e), 1e-9);
    h := (ST_YMax(e) - ST_YMin(e)) * s;

    -- One path per area; ST_AsSVG writes -y, so y is mapped upwards here.
    SELECT pg_catalog.xmlagg(xmlelement(name path,
               xmlattributes(
                   ST_AsSVG(ST_Affine(x.geom, s * kx, 0, 0, s, margin - ST_XMin(e) * s * kx, -(ST_YMax(e) * s) - top), 0, 1) AS d,
                   CASE WHEN x.value IS NULL THEN '#cccccc'
                        WHEN hi = lo THEN palette[3]
                        ELSE palette[1 + LEAST(4, pg_catalog.floor(5 * (x.value - lo) / (hi - lo))::integer)] END AS fill,
                   '#4d4d4d' AS stroke, '0.6' AS "stroke-width", x.code::text AS "data-code",
                   x.value AS "data-value"),
               xmlelement(name title, pg_catalog.format('%s %s: %s', x.name, x.code, COALESCE(x.value::text, '—'))))
           ORDER BY x.code)
    INTO paths FROM gridgov.map_areas(level, metric, as_of) x;

    -- Legend: five equal classes between the lowest and the highest value.
    SELECT pg_catalog.xmlagg(xmlconcat(
               xmlelement(name rect, xmlattributes(
                   w + 2 * margin AS x, top + 30 + 24 * (c.i - 1) AS y, 18 AS width, 14 AS height,
                   c.color AS fill, '#4d4d4d' AS stroke)),
               xmlelement(name text, xmlattributes(
                   w + 2 * margin + 26 AS x, top + 42 + 24 * (c.i - 1) AS y, 12 AS "font-size"), c.txt))
           ORDER BY c.i)
    INTO legend
    FROM (SELECT i, palette[i] AS color,
                 CASE WHEN hi = lo THEN pg_catalog.format('%s', lo)
                      ELSE pg_catalog.format('%s – %s', pg_catalog.round(lo + (hi - lo) * (i - 1) / 5, 2),
                                             pg_catalog.round(lo + (hi - lo) * i / 5, 2)) END AS txt
          FROM pg_catalog.generate_series(1, 5) i
          WHERE lo IS NOT NULL AND (hi > lo OR i = 3)
          UNION ALL
          SELECT 6, '#cccccc', '无数据 no data' WHERE n_null > 0) c;

    doc := xmlelement(name svg,
        xmlattributes('http://www.w3.org/2000/svg' AS xmlns,
                                 pg_catalog.round((w + 3 * margin + legend_w)::numeric, 0) AS width,
                                 pg_catalog.round((h + top + 2 * margin)::numeric, 0) AS height,
                                 pg_catalog.format('0 0 %s %s', pg_catalog.round((w + 3 * margin + legend_w)::numeric, 0),
                                                   pg_catalog.round((h + top + 2 * margin)::numeric, 0)) AS "viewBox",
                                 'sans-serif' AS "font-family"),
        xmlelement(name title, title),
        xmlelement(name rect, xmlattributes('100%' AS width, '100%' AS height, '#ffffff' AS fill)),
        xmlelement(name text, xmlattributes(margin AS x, 32 AS y, 18 AS "font-size"), title),
        xmlelement(name g, xmlattributes('areas' AS id), paths),
        xmlelement(name g, xmlattributes('legend' AS id),
            xmlelement(name text, xmlattributes(w + 2 * margin AS x, top + 18 AS y,
                                                                      13 AS "font-size"), label),
            legend));
    RETURN '<?xml version="1.0" encoding="UTF-8"?>' || E'\n' || doc::text || E'\n';
END
$$;
COMMENT ON FUNCTION gridgov.map_svg(text, text, timestamptz) IS
    'Standalone SVG choropleth of a metric over the areas of a level at as_of: a title, one <path> per area (ST_AsSVG, equirectangular projection around the map''s mean latitude, 800 px wide) filled by five equal-interval classes between the lowest and highest value (grey: no value), each with a <title> tooltip and data-code / data-value attributes, and a legend. 22004 NULL, 22023 unknown level or metric';
-- ---------------------------------------------------------------------------
-- analytics (7/7): Open311 GeoReport v2 as SQL.
--
-- gridgov.open311_service_requests maps every case to the spec's service
-- request fields without personal data; the four functions return the spec's
-- JSON bodies (services list, requests, one request, the answer to a POST) or,
-- on a client error, the spec's error body [{"code": 400|404, "description":
-- ...}].  docs/open311.md has the field mapping.  The functions are SECURITY
-- DEFINER and not executable by PUBLIC: grant them to the API gateway's role.
-- ---------------------------------------------------------------------------

-- W3C date-time with the offset of a time zone, e.g. 2026-03-02T09:00:00+08:00
-- (in C: three per service request and one per feed event; src/time/w3c.c).
CREATE FUNCTION gridgov.w3c_time(t timestamptz, time_zone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_w3c_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.w3c_time(timestamptz, text) IS
    'A time as a W3C date-time (ISO 8601 subset) in a time zone (any spelling AT TIME ZONE takes; 22023 for an unknown one), with its UTC offset, e.g. 2026-03-02T09:00:00+08:00; seconds truncated; NULL for NULL or an infinite time';

-- A W3C date-time (the profile of ISO 8601 in https://www.w3.org/TR/NOTE-datetime
-- that Open311 prescribes): a complete date, hours and minutes, optional seconds
-- and fraction, and a zone designator (Z or +hh:mm / -hh:mm), which is required so
-- that the time never depends on the session's TimeZone.
CREATE FUNCTION gridgov.w3c_parse(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    v timestamptz;
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format',
            MESSAGE = 'not a W3C date-time with a time zone designator',
            HINT = 'Write e.g. 2026-03-01T00:00:00+08:00 or 2026-02-28T16:00:00Z.';
    END IF;
    BEGIN
        v := t::timestamptz;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format',
            MESSAGE = 'not a valid W3C date-time',
            HINT = 'A field is out of range (month 1-12, day of the month, hour 0-23, minute and second 0-59).';
    END;
    RETURN v;
END
$$;
COMMENT ON FUNCTION gridgov.w3c_parse(text) IS
    'A W3C date-time (YYYY-MM-DDThh:mm[:ss[.s]] with Z or +hh:mm/-hh:mm: hours 00-23, minutes and seconds 00-59, offsets up to 14:59, at most 6 decimals; the zone designator is required) as timestamptz; NULL for NULL; anything else (another format, a relative word such as now, a missing offset, a field out of range) is 22007';

-- Free text without the reporter's name, phone numbers or e-mail addresses;
-- numbers in other digits than ASCII ones are left to gridgov.mask_numbers.
CREATE FUNCTION gridgov.mask_personal(txt text, reporter_name text, reporter_phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN gridgov.mask_numbers(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
           CASE WHEN pg_catalog.length(reporter_name) >= 2
                THEN pg_catalog.replace(CASE WHEN reporter_phone <> '' THEN pg_catalog.replace(txt, reporter_phone, '***')
                                             ELSE txt END, reporter_name, '**')
                ELSE CASE WHEN reporter_phone <> '' THEN pg_catalog.replace(txt, reporter_phone, '***') ELSE txt END END,
           '\+?[0-9][0-9 ()-]{5,}[0-9]', '***', 'g'),
       '[^[:space:]@]+@[^[:space:]@]+', '***', 'g'));
COMMENT ON FUNCTION gridgov.mask_personal(text, text, text) IS
    'Free text with the reporter''s name (2 characters or more) replaced by **, and the reporter''s phone, any run of 7 or more ASCII digits (with spaces, dashes or brackets) and any e-mail address replaced by ***; then numbers in other digits (full-width, Chinese numerals...) masked by gridgov.mask_numbers';

CREATE VIEW gridgov.open311_service_requests AS
SELECT c.id AS case_id, c.county, c.case_no AS service_request_id,
       CASE WHEN c.closed_at IS NOT NULL THEN 'closed' ELSE 'open' END AS status,
       ws.title || CASE WHEN c.master_case_id IS NOT NULL
                        THEN '（已合并至 ' || COALESCE(m.case_no, '?') || '）' ELSE '' END AS status_notes,
       cat.name AS service_name, c.category AS service_code,
       gridgov.mask_personal(c.title, c.reporter_name, c.reporter_phone) AS description,
       d.name AS agency_responsible, wf.title AS service_notice,
       c.reported_at AS requested_datetime, c.updated_at AS updated_datetime, s.deadline AS expected_datetime,
       pg_catalog.concat_ws(' ', t.name, COALESCE(g.name, cm.name)) AS address,
       c.grid::text AS address_id, NULL::text AS zipcode,
       pg_catalog.round(ST_Y(c.location)::numeric, 3) AS lat, pg_catalog.round(ST_X(c.location)::numeric, 3) AS long,
       NULL::text AS media_url
FROM gridgov.cases c
JOIN gridgov.categories cat ON cat.code = c.category
JOIN gridgov.workflows wf ON wf.name = c.workflow
JOIN gridgov.workflow_states ws ON ws.workflow = c.workflow AND ws.state = c.state
LEFT JOIN gridgov.cases m ON m.county OPERATOR(gridgov.=) c.county AND m.id = c.master_case_id
LEFT JOIN gridgov.departments d ON d.id = c.department_id
LEFT JOIN gridgov.case_stats s ON s.county OPERATOR(gridgov.=) c.county AND s.case_id = c.id
LEFT JOIN gridgov.grids t ON t.code OPERATOR(gridgov.=) gridgov.area_at(c.county, c.grid, 4)
                         AND gridgov.level(c.grid) >= 4 AND t.valid_to = 'infinity'
LEFT JOIN gridgov.grids cm ON cm.code OPERATOR(gridgov.=) gridgov.area_at(c.county, c.grid, 5)
                          AND gridgov.level(c.grid) >= 5 AND cm.valid_to = 'infinity'
LEFT JOIN gridgov.grids g ON g.code OPERATOR(gridgov.=) c.grid AND gridgov.level(c.grid) >= 6
                         AND g.valid_to = 'infinity';
COMMENT ON VIEW gridgov.open311_service_requests IS
    'Every case as an Open311 GeoReport v2 service request, without personal data: the description is the case title with the reporter''s name, phone numbers and e-mail addresses masked (gridgov.mask_personal), the address is the names of the town and grid, lat/long are rounded to 0.001 degree; no reporter name or phone, no free-text address, no full description. See docs/open311.md';
COMMENT ON COLUMN gridgov.open311_service_requests.case_id IS 'Internal case id (not published)';
COMMENT ON COLUMN gridgov.open311_service_requests.county IS 'County (the Open311 jurisdiction_id)';
COMMENT ON COLUMN gridgov.open311_service_requests.service_request_id IS 'The case number';
COMMENT ON COLUMN gridgov.open311_service_requests.status IS 'open, or closed once the case is closed';
COMMENT ON COLUMN gridgov.open311_service_requests.status_notes IS 'Title of the current workflow state (merged duplicates name their master)';
COMMENT ON COLUMN gridgov.open311_service_requests.service_name IS 'Category name';
COMMENT ON COLUMN gridgov.open311_service_requests.service_code IS 'Category code';
COMMENT ON COLUMN gridgov.open311_service_requests.description IS 'Case title with personal data masked';
COMMENT ON COLUMN gridgov.open311_service_requests.agency_responsible IS 'Name of the responsible department';
COMMENT ON COLUMN gridgov.open311_service_requests.service_notice IS 'Title of the workflow the case follows';
COMMENT ON COLUMN gridgov.open311_service_requests.requested_datetime IS 'When the case was reported';
COMMENT ON COLUMN gridgov.open311_service_requests.updated_datetime IS 'Time of the case''s latest event';
COMMENT ON COLUMN gridgov.open311_service_requests.expected_datetime IS 'The case''s deadline (gridgov.case_facts.deadline)';
COMMENT ON COLUMN gridgov.open311_service_requests.address IS 'Town and grid names';
COMMENT ON COLUMN gridgov.open311_service_requests.address_id IS 'Grid code';
COMMENT ON COLUMN gridgov.open311_service_requests.zipcode IS 'Always NULL: postal codes are not kept';
COMMENT ON COLUMN gridgov.open311_service_requests.lat IS 'Latitude, WGS-84, 3 decimals';
COMMENT ON COLUMN gridgov.open311_service_requests.long IS 'Longitude, WGS-84, 3 decimals';
COMMENT ON COLUMN gridgov.open311_service_requests.media_url IS 'Always NULL: media are not kept';

-- The spec's error body.
CREATE FUNCTION gridgov.open311_error(code integer, description text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('code', code, 'description', description));
COMMENT ON FUNCTION gridgov.open311_error(integer, text) IS
    'The Open311 error body: [{"code": code, "description": description}]; code is the HTTP status to answer with';

-- One request as the spec's JSON object.
CREATE FUNCTION gridgov.open311_json(r gridgov.open311_service_requests, time_zone text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'gridgov_open311_json' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.open311_json(gridgov.open311_service_requests, text) IS
    'Internal: one row of gridgov.open311_service_requests as the spec''s service request object (its columns but case_id and county), times as W3C date-times in the time zone, lat and long numbers, NULL as JSON null (C: src/cases/open311.c)';

CREATE FUNCTION gridgov.open311_services() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'service_code', c.code, 'service_name', c.name,
               'description', pg_catalog.concat_ws(' / ', p.name, c.name),
               'metadata', false, 'type', 'realtime', 'keywords', pg_catalog.concat_ws(',', c.kind, c.code),
               'group', COALESCE(p.name, c.name)) ORDER BY c.code), '[]'::jsonb)
    FROM gridgov.categories c
    LEFT JOIN gridgov.categories p ON p.code = c.parent
    WHERE c.active
      AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = c.code AND ch.active);
END;
COMMENT ON FUNCTION gridgov.open311_services() IS
    'GET services: the active leaf categories as Open311 services (service_code, service_name, description, metadata false, type realtime, keywords, group = the parent class''s name), ordered by code';

CREATE FUNCTION gridgov.open311_service_definition(service_code text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT COALESCE((SELECT pg_catalog.jsonb_build_object('service_code', c.code, 'attributes', '[]'::jsonb)
                     FROM gridgov.categories c
                     WHERE c.code = open311_service_definition.service_code AND c.active
                       AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = c.code AND ch.active)),
                    gridgov.open311_error(404, 'service_code not found'));
END;
COMMENT ON FUNCTION gridgov.open311_service_definition(text) IS
    'GET service definition: {"service_code", "attributes": []} for a service of open311_services() (gridgov asks no extra attributes: every service has metadata false); [{"code": 404, ...}] for any other code';

CREATE FUNCTION gridgov.open311_requests(filters jsonb DEFAULT '{}', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    f jsonb := COALESCE(filters, '{}');
    bad text;
    ids text[];
    codes text[];
    statuses text[];
    t0 timestamptz;
    t1 timestamptz;
    jurisdiction gridgov.gridcode;
    tz text := gridgov.analytics_time_zone();
    page bigint[];
    result jsonb;
BEGIN
    IF pg_catalog.jsonb_typeof(f) <> 'object' THEN
        RETURN gridgov.open311_error(400, 'filters must be a JSON object');
    END IF;
    SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_object_keys(f) k
    WHERE k NOT IN ('jurisdiction_id', 'service_request_id', 'service_code', 'start_date', 'end_date', 'status');
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'unknown parameter: ' || bad);
    END IF;
    SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_each(f) e(k, v)
    WHERE pg_catalog.jsonb_typeof(v) NOT IN ('string', 'null')
      AND NOT (k IN ('service_request_id', 'service_code') AND pg_catalog.jsonb_typeof(v) = 'array');
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'parameters must be strings: ' || bad);
    END IF;

    IF f ->> 'jurisdiction_id' IS NOT NULL THEN
        BEGIN
            jurisdiction := (f ->> 'jurisdiction_id')::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation THEN
            jurisdiction := NULL;
        END;
        IF jurisdiction IS NULL OR gridgov.level(jurisdiction) <> 3
           OR NOT (jurisdiction OPERATOR(gridgov.=) gridgov.home_county()
                   OR EXISTS (SELECT 1 FROM gridgov.grids g WHERE g.code OPERATOR(gridgov.=) jurisdiction)) THEN
            RETURN gridgov.open311_error(404, 'jurisdiction_id not found');
        END IF;
    END IF;

    -- Lists: comma-delimited strings (the spec) or JSON arrays of strings.
    SELECT ARRAY(SELECT pg_catalog.btrim(x) FROM pg_catalog.unnest(
                     CASE pg_catalog.jsonb_typeof(f -> 'service_request_id')
                         WHEN 'array' THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(f -> 'service_request_id'))
                         ELSE pg_catalog.string_to_array(f ->> 'service_request_id', ',') END) x
                 WHERE pg_catalog.btrim(x) <> '') INTO ids;
    SELECT ARRAY(SELECT pg_catalog.btrim(x) FROM pg_catalog.unnest(
                     CASE pg_catalog.jsonb_typeof(f -> 'service_code')
                         WHEN 'array' THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(f -> 'service_code'))
                         ELSE pg_catalog.string_to_array(f ->> 'service_code', ',') END) x
                 WHERE pg_catalog.btrim(x) <> '') INTO codes;
    statuses := ARRAY(SELECT pg_catalog.btrim(x) FROM pg_catalog.unnest(pg_catalog.string_to_array(f ->> 'status', ',')) x
                      WHERE pg_catalog.btrim(x) <> '');
    IF EXISTS (SELECT 1 FROM pg_catalog.unnest(statuses) x WHERE x NOT IN ('open', 'closed')) THEN
        RETURN gridgov.open311_error(400, 'status must be open, closed or both, comma-delimited');
    END IF;

    IF pg_catalog.cardinality(ids) > 0 THEN
        -- The spec: service_request_id overrides every other argument.
        SELECT COALESCE(pg_catalog.jsonb_agg(gridgov.open311_json(r, tz) ORDER BY r.requested_datetime DESC, r.case_id DESC),
                        '[]'::jsonb)
        INTO result
        FROM (SELECT * FROM gridgov.open311_service_requests r
              WHERE r.service_request_id = ANY (ids)
              ORDER BY r.requested_datetime DESC, r.case_id DESC LIMIT 1000) r;
        RETURN result;
    END IF;

    BEGIN
        t0 := gridgov.w3c_parse(NULLIF(f ->> 'start_date', ''));
        t1 := gridgov.w3c_parse(NULLIF(f ->> 'end_date', ''));
    EXCEPTION WHEN invalid_datetime_format THEN
        RETURN gridgov.open311_error(400, 'start_date and end_date must be W3C date-times with a time zone, e.g. 2026-03-01T00:00:00+08:00');
    END;
    IF t0 IS NULL AND t1 IS NULL THEN
        t1 := as_of;
        t0 := as_of - interval '90 days';
    ELSIF t0 IS NULL THEN
        t0 := t1 - interval '90 days';
    ELSIF t1 IS NULL THEN
        t1 := LEAST(t0 + interval '90 days', GREATEST(t0, as_of));
    END IF;
    IF t1 < t0 THEN
        RETURN gridgov.open311_error(400, 'end_date is before start_date');
    END IF;
    IF t1 - t0 > interval '90 days' THEN
        RETURN gridgov.open311_error(400, 'the date range may not span more than 90 days');
    END IF;

    -- The page's cases first, from cases alone; the view's joins only for them
    -- (case ids are unique across counties and nodes).
    SELECT ARRAY(SELECT c.id FROM gridgov.cases c
                 WHERE c.reported_at >= t0 AND c.reported_at <= t1
                   AND (jurisdiction IS NULL OR c.county OPERATOR(gridgov.=) jurisdiction)
                   AND (pg_catalog.cardinality(codes) = 0 OR c.category = ANY (codes))
                   AND (pg_catalog.cardinality(statuses) = 0
                        OR CASE WHEN c.closed_at IS NOT NULL THEN 'closed' ELSE 'open' END = ANY (statuses))
                 ORDER BY c.reported_at DESC, c.id DESC LIMIT 1000)
    INTO page;
    SELECT COALESCE(pg_catalog.jsonb_agg(gridgov.open311_json(r, tz) ORDER BY r.requested_datetime DESC, r.case_id DESC),
                    '[]'::jsonb)
    INTO result
    FROM gridgov.open311_service_requests r
    WHERE r.case_id = ANY (page) AND (jurisdiction IS NULL OR r.county OPERATOR(gridgov.=) jurisdiction);
    RETURN result;
END
$$;
COMMENT ON FUNCTION gridgov.open311_requests(jsonb, timestamptz) IS
    'GET requests: service requests as the spec''s JSON array, newest first, at most 1,000. Filters (a JSON object of the query parameters): service_request_id (comma-delimited or array; overrides the others), service_code (comma-delimited or array), start_date and end_date (W3C date-times on requested_datetime, at most 90 days apart; default the 90 days up to as_of), status (open, closed), jurisdiction_id (county code). Errors: [{"code": 400 | 404, "description": ...}]';

CREATE FUNCTION gridgov.open311_request(id text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT COALESCE(
        (SELECT pg_catalog.jsonb_build_array(gridgov.open311_json(r, gridgov.analytics_time_zone()))
         FROM gridgov.open311_service_requests r WHERE r.service_request_id = open311_request.id),
        gridgov.open311_error(404, 'service_request_id not found'));
END;
COMMENT ON FUNCTION gridgov.open311_request(text) IS
    'GET request: one service request, as the spec''s array of one object; [{"code": 404, ...}] when there is no case with that number';

CREATE FUNCTION gridgov.open311_submit(request jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    r jsonb := request;
    bad text;
    cat gridgov.categories;
    lat double precision;
    lon double precision;
    grid gridgov.gridcode;
    county gridgov.gridcode;
    reporter text;
    c gridgov.cases;
BEGIN
    IF r IS NULL OR pg_catalog.jsonb_typeof(r) <> 'object' THEN
        RETURN gridgov.open311_error(400, 'the request must be a JSON object');
    END IF;
    -- attribute[CODE] is the spec's form encoding of the attribute object.
    SELECT pg_catalog.string_agg(pg_catalog.left(k, 40), ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_object_keys(r) k
    WHERE k NOT IN ('jurisdiction_id', 'service_code', 'lat', 'long', 'address_string', 'address_id', 'attribute',
                    'email', 'device_id', 'account_id', 'first_name', 'last_name', 'phone', 'description',
                    'media_url', 'api_key')
      AND k !~ '^attribute\[[^][]{1,100}\]$';
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'unknown parameter: ' || bad);
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.left(k, 40), ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_each(r) e(k, v)
    WHERE pg_catalog.jsonb_typeof(v) NOT IN ('string', 'null')
      AND NOT (k IN ('lat', 'long') AND pg_catalog.jsonb_typeof(v) = 'number')
      AND NOT (k = 'attribute' AND pg_catalog.jsonb_typeof(v) = 'object')
      AND NOT (k LIKE 'attribute[%' AND pg_catalog.jsonb_typeof(v) = 'array'
               AND NOT pg_catalog.jsonb_path_exists(v, 'strict $[*] ? (@.type() != "string")'));
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'parameters must be strings: ' || bad);
    END IF;

    IF NULLIF(r ->> 'service_code', '') IS NULL THEN
        RETURN gridgov.open311_error(400, 'service_code was not provided');
    END IF;
    -- A service of open311_services(): an active category without active subcategories.
    SELECT * INTO cat FROM gridgov.categories x WHERE x.code = r ->> 'service_code' AND x.active
      AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = x.code AND ch.active);
    IF NOT FOUND THEN
        RETURN gridgov.open311_error(404, 'service_code not found');
    END IF;

    IF r ->> 'jurisdiction_id' IS NOT NULL THEN
        BEGIN
            county := (r ->> 'jurisdiction_id')::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation THEN
            county := NULL;
        END;
        IF county IS NULL OR gridgov.level(county) <> 3
           OR NOT (county OPERATOR(gridgov.=) gridgov.home_county()
                   OR EXISTS (SELECT 1 FROM gridgov.grids g WHERE g.code OPERATOR(gridgov.=) county)) THEN
            RETURN gridgov.open311_error(404, 'jurisdiction_id not found');
        END IF;
    END IF;

    IF (r ->> 'lat') IS NOT NULL OR (r ->> 'long') IS NOT NULL THEN
        BEGIN
            lat := (r ->> 'lat')::double precision;
            lon := (r ->> 'long')::double precision;
        EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
            RETURN gridgov.open311_error(400, 'lat and long must be numbers');
        END;
        IF lat IS NULL OR lon IS NULL THEN
            RETURN gridgov.open311_error(400, 'lat and long must be given together');
        END IF;
        IF NOT (lat BETWEEN -90 AND 90) OR NOT (lon BETWEEN -180 AND 180) THEN
            RETURN gridgov.open311_error(400, 'lat must lie in [-90, 90] and long in [-180, 180] (WGS-84 degrees)');
        END IF;
        -- The intake's own rule (locate): a point in no grid, nor near one, lies
        -- outside every jurisdiction this database serves.
        IF gridgov.locate(gridgov.wgs84_point(lon, lat)) IS NULL THEN
            RETURN gridgov.open311_error(400, 'the location lies outside the jurisdiction: no grid of this service covers it');
        END IF;
    END IF;
    IF NULLIF(r ->> 'address_id', '') IS NOT NULL THEN
        BEGIN
            grid := (r ->> 'address_id')::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation THEN
            grid := NULL;
        END;
        IF grid IS NULL OR NOT EXISTS (SELECT 1 FROM gridgov.grids g
                                       WHERE g.code OPERATOR(gridgov.=) grid AND g.valid_to = 'infinity') THEN
            RETURN gridgov.open311_error(400, 'address_id is not a grid code');
        END IF;
    END IF;
    IF lat IS NULL AND grid IS NULL AND NULLIF(pg_catalog.btrim(r ->> 'address_string'), '') IS NULL THEN
        RETURN gridgov.open311_error(400, 'a location is required: lat and long, address_string or address_id');
    END IF;
    IF pg_catalog.length(r ->> 'description') > 20000 OR pg_catalog.length(r ->> 'address_string') > 500
       OR pg_catalog.length(r ->> 'phone') > 40
       OR pg_catalog.length(COALESCE(r ->> 'last_name', '') || COALESCE(r ->> 'first_name', '')) > 99 THEN
        RETURN gridgov.open311_error(400, 'a parameter is too long (description 20,000, address_string 500, phone 40, names 99 characters)');
    END IF;

    -- Chinese names are family name first, others given name first.
    reporter := CASE WHEN COALESCE(r ->> 'last_name', '') || COALESCE(r ->> 'first_name', '') ~ '[一-鿿]'
                 THEN NULLIF(COALESCE(r ->> 'last_name', '') || COALESCE(r ->> 'first_name', ''), '')
                 ELSE NULLIF(pg_catalog.concat_ws(' ', NULLIF(r ->> 'first_name', ''), NULLIF(r ->> 'last_name', '')), '') END;
    BEGIN
        INSERT INTO gridgov.cases (source, category, title, description, location, coord_system, address, grid,
                                   reporter_name, reporter_phone)
        VALUES ('app', cat.code,
                cat.name,
                NULLIF(r ->> 'description', ''),
                CASE WHEN lat IS NOT NULL THEN gridgov.wgs84_point(lon, lat) END, 'wgs84',
                NULLIF(pg_catalog.btrim(r ->> 'address_string'), ''),
                CASE WHEN lat IS NULL THEN grid END,
                reporter, NULLIF(r ->> 'phone', ''))
        RETURNING * INTO c;
        IF county IS NOT NULL AND NOT (c.county OPERATOR(gridgov.=) county) THEN
            -- Caught below: the insert is undone.
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('the location lies in county %s, not in jurisdiction %s', c.county, county);
        END IF;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
        RETURN gridgov.open311_error(400, SQLERRM);
    END;
    RETURN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
        'service_request_id', c.case_no,
        'service_notice', (SELECT w.title FROM gridgov.workflows w WHERE w.name = c.workflow),
        'account_id', NULL));
END
$$;
COMMENT ON FUNCTION gridgov.open311_submit(jsonb) IS
    'POST request: creates a case (source app) from the spec''s parameters as a JSON object — service_code (an active category), a location (lat and long in WGS-84 inside a grid this database serves, address_string, or address_id = a grid code), description (kept for the staff; the case''s title is the service name, so that the public answers never carry the citizen''s own words), first_name, last_name, phone; email, device_id, account_id, media_url, attribute and attribute[CODE] (the form encoding) are accepted and not stored — and answers [{"service_request_id", "service_notice", "account_id"}]. Client errors (including a location outside the given jurisdiction_id) answer [{"code": 400 | 404, "description"}] and create nothing';

REVOKE EXECUTE ON FUNCTION gridgov.open311_services() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_service_definition(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_requests(jsonb, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_request(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_submit(jsonb) FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- The gateway's side in SQL (gateway/, docs/gateway.md): API keys mapped to
-- database roles, the event feed read from the history as an outbox, and the
-- cross-platform transfer's outbox, delivery state and inbound updates.  The
-- gateway only calls these; every rule (who a key is, which events a caller
-- sees, when a push is retried, which update becomes which action) is here.
-- ---------------------------------------------------------------------------

-- A role an API key or a transfer endpoint may act as: an existing role that
-- cannot bypass what gridgov's privileges and row-level security decide.
CREATE FUNCTION gridgov.gateway_role_allowed(r name) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles x
    WHERE x.rolname = r
      -- a member of one of gridgov's group roles that HTTP callers act as
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles g
                  WHERE g.rolname IN ('gridgov_open311', 'gridgov_reporter', 'gridgov_dispatcher',
                                      'gridgov_department', 'gridgov_worker', 'gridgov_analyst',
                                      'gridgov_leader', 'gridgov_auditor')
                    AND pg_catalog.pg_has_role(x.oid, g.oid, 'MEMBER'))
      -- and not, directly or not, a role with powers beyond them
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles p
                      WHERE (p.rolsuper OR p.rolbypassrls OR p.rolcreaterole OR p.rolreplication
                             OR p.rolname IN ('gridgov_admin', 'gridgov_gateway') OR p.rolname LIKE 'pg\_%'
                             OR p.oid = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'gridgov'))
                        AND pg_catalog.pg_has_role(x.oid, p.oid, 'MEMBER')));
COMMENT ON FUNCTION gridgov.gateway_role_allowed(name) IS
    'Internal: whether an API key or a transfer endpoint may act as the role: it exists, is a member of one of gridgov''s group roles for callers (gridgov_open311, _reporter, _dispatcher, _department, _worker, _analyst, _leader, _auditor), and neither it nor any role it is a member of (directly or not) is a superuser, BYPASSRLS, CREATEROLE or REPLICATION role, gridgov_admin, gridgov_gateway, the extension''s owner or a predefined pg_ role';

-- The oldest transaction still running: every event of a transaction below it
-- is either visible or rolled back (docs/bi.md, "the watermark and the horizon").
CREATE FUNCTION gridgov.event_horizon() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
COMMENT ON FUNCTION gridgov.event_horizon() IS
    'The id of the oldest transaction still running (pg_snapshot_xmin of the current snapshot): the events of every transaction below it (case_events.txid) are final, so a reader that stops there never finds an event later behind its position';

-- ---------------------------------------------------------------------------
-- API keys.

CREATE TABLE gridgov.api_keys (
    label           text PRIMARY KEY CHECK (label ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    key_hash        bytea NOT NULL UNIQUE CHECK (pg_catalog.octet_length(key_hash) = 32),
    db_role         name NOT NULL,
    rate_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_per_minute BETWEEN 1 AND 1000000),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at      timestamptz
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.api_keys', '');
COMMENT ON TABLE gridgov.api_keys IS
    'API keys of the gateway (docs/gateway.md): each maps to a database role, whose privileges and row-level security then apply to the HTTP caller. Only the SHA-256 of a key is kept; gridgov.api_key_create() makes one';
COMMENT ON COLUMN gridgov.api_keys.label IS 'Name of the key (who holds it), 1-64 of A-Z a-z 0-9 _ . : -; the rate limit counts per label';
COMMENT ON COLUMN gridgov.api_keys.key_hash IS 'SHA-256 of the key''s text';
COMMENT ON COLUMN gridgov.api_keys.db_role IS 'The role the gateway acts as for this key (SET ROLE); the gateway''s login must be a member of it';
COMMENT ON COLUMN gridgov.api_keys.rate_per_minute IS 'Requests per minute the gateway lets through for this key';
COMMENT ON COLUMN gridgov.api_keys.active IS 'false once revoked (gridgov.api_key_revoke)';
COMMENT ON COLUMN gridgov.api_keys.created_at IS 'When the key was made';
COMMENT ON COLUMN gridgov.api_keys.expires_at IS 'When the key stops working; NULL for never';

CREATE FUNCTION gridgov.api_key_create(label text, db_role name, rate_per_minute integer DEFAULT 600,
                                       expires_at timestamptz DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k text;
BEGIN
    IF label IS NULL OR db_role IS NULL OR rate_per_minute IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'label, db_role and rate_per_minute must not be null';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = api_key_create.db_role) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object', MESSAGE = 'no such role',
            DETAIL = 'The key''s role must exist, and the gateway''s login must be a member of it.';
    END IF;
    IF NOT gridgov.gateway_role_allowed(db_role) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'an API key cannot act as this role',
            DETAIL = 'A key''s role must be a member of one of gridgov''s group roles for callers, and neither it nor a role it belongs to may be a superuser, BYPASSRLS, CREATEROLE or REPLICATION role, gridgov_admin, gridgov_gateway, the extension''s owner or a predefined pg_ role.',
            HINT = 'Map the key to a role made for it, e.g. CREATE ROLE app NOLOGIN IN ROLE gridgov_reporter (docs/gateway.md).';
    END IF;
    -- 256 bits from the server's strong random source (two version-4 UUIDs).
    k := 'gg_' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
             pg_catalog.gen_random_uuid()::text || pg_catalog.gen_random_uuid()::text, 'UTF8')), 'hex');
    INSERT INTO gridgov.api_keys (label, key_hash, db_role, rate_per_minute, expires_at)
    VALUES (api_key_create.label, pg_catalog.sha256(pg_catalog.convert_to(k, 'UTF8')), api_key_create.db_role,
            api_key_create.rate_per_minute, api_key_create.expires_at);
    RETURN k;
END
$$;
COMMENT ON FUNCTION gridgov.api_key_create(text, name, integer, timestamptz) IS
    'Administration: Makes an API key for the gateway acting as db_role, with a rate limit (requests per minute) and an optional expiry, and returns it (gg_ and 64 hex digits; shown this once, only its hash is kept). 22004 NULL argument, 42704 no such role, 42501 a role that is no member of a gridgov group role for callers, or one with more powers (superuser, BYPASSRLS, CREATEROLE, REPLICATION, gridgov_admin, gridgov_gateway, the owner, pg_ roles), 23505 the label exists, 23514 a bad label or rate';

CREATE FUNCTION gridgov.api_key_revoke(label text) RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    WITH r AS (UPDATE gridgov.api_keys k SET active = false
               WHERE k.label = api_key_revoke.label AND k.active RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM r);
END;
COMMENT ON FUNCTION gridgov.api_key_revoke(text) IS
    'Administration: Revokes an API key (it stops working at the gateway within its key cache time, GRIDGOV_GATEWAY_KEY_CACHE); true if it was active';

CREATE FUNCTION gridgov.api_key_role(key text)
    RETURNS TABLE(label text, db_role name, rate_per_minute integer)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT k.label, k.db_role, k.rate_per_minute
    FROM gridgov.api_keys k
    WHERE pg_catalog.length(api_key_role.key) <= 200
      AND k.key_hash = pg_catalog.sha256(pg_catalog.convert_to(api_key_role.key, 'UTF8'))
      AND k.active AND (k.expires_at IS NULL OR k.expires_at > pg_catalog.now())
      AND gridgov.gateway_role_allowed(k.db_role);
END;
COMMENT ON FUNCTION gridgov.api_key_role(text) IS
    'The gateway''s lookup of an API key: its label, role and rate limit, or no row for an unknown, revoked or expired key (or one whose role has since become a superuser or BYPASSRLS role)';

-- ---------------------------------------------------------------------------
-- The event feed: case_events in outbox order with what a screen shows of
-- each, without personal data.  security_invoker: the reader's row-level
-- security on cases and case_events applies.

CREATE VIEW gridgov.event_feed_rows WITH (security_invoker = true) AS
SELECT e.txid, e.county, e.case_id, e.seq,
       pg_catalog.format('%s.%s.%s.%s', e.txid, e.county, e.case_id, e.seq) AS id,
       c.department_id, c.grid,
       pg_catalog.jsonb_build_object(
           'type', 'case', 'county', e.county::text, 'case_id', e.case_id, 'case_no', c.case_no,
           'seq', e.seq, 'action', e.action, 'from', e.from_state, 'to', e.to_state,
           'department_id', c.department_id, 'department_name', d.name, 'grid', c.grid::text,
           'category', c.category, 'category_name', cat.name, 'source', c.source, 'urgency', c.urgency,
           'state', c.state, 'at', gridgov.w3c_time(e.at, gridgov.analytics_time_zone())) AS data
FROM gridgov.case_events e
JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) e.county AND c.id = e.case_id
LEFT JOIN gridgov.categories cat ON cat.code = c.category
LEFT JOIN gridgov.departments d ON d.id = c.department_id;
COMMENT ON VIEW gridgov.event_feed_rows IS
    'Every event of the history with its feed cursor (id = txid.county.case_id.seq) and what the live feed shows of it (data: the event''s keys, states and time, the case''s number, category, source, urgency, current state, department and grid; no title, note, payload or contact data). Security invoker: the reader sees the events of the cases its scope shows';
COMMENT ON COLUMN gridgov.event_feed_rows.txid IS 'The transaction that appended the event (case_events.txid): the outbox order is txid, county, case_id, seq';
COMMENT ON COLUMN gridgov.event_feed_rows.county IS 'County of the case';
COMMENT ON COLUMN gridgov.event_feed_rows.case_id IS 'The case';
COMMENT ON COLUMN gridgov.event_feed_rows.seq IS 'Position of the event in the case''s history';
COMMENT ON COLUMN gridgov.event_feed_rows.id IS 'The event''s cursor, TXID.COUNTY.CASE_ID.SEQ';
COMMENT ON COLUMN gridgov.event_feed_rows.department_id IS 'The department holding the case now';
COMMENT ON COLUMN gridgov.event_feed_rows.grid IS 'The case''s grid now';
COMMENT ON COLUMN gridgov.event_feed_rows.data IS 'The event as the feed sends it (JSON; docs/gateway.md)';

CREATE FUNCTION gridgov.event_feed_start() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN gridgov.event_horizon() || '.000000.0.0';
COMMENT ON FUNCTION gridgov.event_feed_start() IS
    'A feed cursor at the horizon: gridgov.event_feed() from it returns the events that become final from now on';

CREATE FUNCTION gridgov.event_feed(after text, max_rows integer DEFAULT 500, department_id bigint DEFAULT NULL,
                                   area text DEFAULT NULL)
    RETURNS TABLE(id text, data jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    m text[];
    a gridgov.gridcode;
    h bigint := gridgov.event_horizon();
BEGIN
    IF after IS NULL OR max_rows IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'after and max_rows must not be null';
    END IF;
    m := pg_catalog.regexp_match(after, '^([0-9]{1,18})\.([0-9]{6})\.([0-9]{1,18})\.([0-9]{1,9})$');
    IF m IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'malformed event cursor',
            DETAIL = 'An event cursor is TXID.COUNTY.CASE_ID.SEQ, as gridgov.event_feed() and gridgov.event_feed_start() return it.';
    END IF;
    IF max_rows NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'max_rows must lie between 1 and 10000';
    END IF;
    IF area IS NOT NULL THEN
        BEGIN
            a := area::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation OR string_data_right_truncation THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'area is not a grid code';
        END;
    END IF;
    RETURN QUERY
    SELECT r.id, r.data
    FROM gridgov.event_feed_rows r
    WHERE r.txid >= m[1]::bigint AND r.txid < h
      AND (r.txid, r.county::text, r.case_id, r.seq) > (m[1]::bigint, m[2], m[3]::bigint, m[4]::integer)
      AND (event_feed.department_id IS NULL OR r.department_id = event_feed.department_id)
      AND (a IS NULL OR (r.grid IS NOT NULL AND gridgov.level(r.grid) >= gridgov.level(a)
                         AND gridgov.area_at(r.county, r.grid, gridgov.level(a)) OPERATOR(gridgov.=) a))
    ORDER BY r.txid, r.county::text, r.case_id, r.seq
    LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION gridgov.event_feed(text, integer, bigint, text) IS
    'The live feed (the gateway''s /events): the events after the cursor `after` in outbox order (txid, county, case_id, seq), of transactions below the horizon only (so none can appear later behind a cursor), at most max_rows (1-10000), optionally of the cases held by department_id or lying in area (a grid code of any level); as gridgov.event_feed_rows, so the caller''s scope applies. 22004 NULL, 22023 malformed cursor, max_rows out of range or area not a grid code';

-- ---------------------------------------------------------------------------
-- Cross-platform transfer (案件跨平台流转, seed 004): a department with its
-- own system gets the cases dispatched to it pushed by the gateway, and sends
-- its status updates back.

CREATE TABLE gridgov.transfer_endpoints (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    -- Not a foreign key: on a Citus cluster this table stays on the coordinator
    -- and departments becomes a reference table (citus_layout()).
    department_id bigint NOT NULL UNIQUE,
    url           text NOT NULL CHECK (url ~ '^https?://[^[:space:]]+$' AND pg_catalog.length(url) <= 2000),
    secret        text NOT NULL CHECK (pg_catalog.length(secret) BETWEEN 16 AND 200),
    db_role       name NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    below         bigint NOT NULL DEFAULT gridgov.event_horizon(),
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_endpoints', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_endpoints_id_seq', '');
COMMENT ON TABLE gridgov.transfer_endpoints IS
    'Platforms of other systems (a department''s own, a town''s city brain) that the gateway pushes the cases dispatched to their department to, and that send status updates back (docs/gateway.md)';
COMMENT ON COLUMN gridgov.transfer_endpoints.id IS 'Endpoint id';
COMMENT ON COLUMN gridgov.transfer_endpoints.name IS 'Name in the gateway''s URL /transfer/NAME/updates';
COMMENT ON COLUMN gridgov.transfer_endpoints.department_id IS 'The department whose dispatched cases go to this platform (a gridgov.departments id; one endpoint per department)';
COMMENT ON COLUMN gridgov.transfer_endpoints.url IS 'Where the gateway POSTs each case (http or https)';
COMMENT ON COLUMN gridgov.transfer_endpoints.secret IS 'Shared secret of the HMAC-SHA256 signatures both ways (16-200 characters)';
COMMENT ON COLUMN gridgov.transfer_endpoints.db_role IS 'The role the platform''s status updates act as (the department''s role; the gateway''s login must be a member)';
COMMENT ON COLUMN gridgov.transfer_endpoints.active IS 'false stops pushing (the queue waits) and refuses updates';
COMMENT ON COLUMN gridgov.transfer_endpoints.below IS 'Outbox watermark: the events of transactions below it have been queued (gridgov.transfer_collect)';
COMMENT ON COLUMN gridgov.transfer_endpoints.created_at IS 'When the endpoint was added: only cases dispatched after it are pushed';

CREATE TABLE gridgov.transfer_outbox (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL,
    endpoint_id     bigint NOT NULL REFERENCES gridgov.transfer_endpoints (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL UNIQUE,
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    leased_until    timestamptz,
    delivered_at    timestamptz,
    last_status     integer,
    last_error      text,
    PRIMARY KEY (county, case_id, seq, endpoint_id)
);
CREATE INDEX transfer_outbox_due ON gridgov.transfer_outbox (next_attempt_at) WHERE delivered_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_outbox', '');
COMMENT ON TABLE gridgov.transfer_outbox IS
    'One row per case event to push to an endpoint (a dispatch to its department) and its delivery: leased by gridgov.transfer_claim, settled by gridgov.transfer_result; delivered rows are kept as the record';
COMMENT ON COLUMN gridgov.transfer_outbox.county IS 'County of the case';
COMMENT ON COLUMN gridgov.transfer_outbox.case_id IS 'The case';
COMMENT ON COLUMN gridgov.transfer_outbox.seq IS 'The dispatching event (case_events.seq)';
COMMENT ON COLUMN gridgov.transfer_outbox.endpoint_id IS 'The endpoint';
COMMENT ON COLUMN gridgov.transfer_outbox.idempotency_key IS 'Stable key of this push (gg:COUNTY:CASE_ID:SEQ:ENDPOINT), sent as Idempotency-Key with every attempt: the receiver deduplicates by it';
COMMENT ON COLUMN gridgov.transfer_outbox.body IS 'The JSON pushed (idempotency_key, endpoint, department_id, event, service_request)';
COMMENT ON COLUMN gridgov.transfer_outbox.created_at IS 'When it was queued';
COMMENT ON COLUMN gridgov.transfer_outbox.attempts IS 'Attempts so far (claims)';
COMMENT ON COLUMN gridgov.transfer_outbox.next_attempt_at IS 'Not to be sent before (backoff after a failure)';
COMMENT ON COLUMN gridgov.transfer_outbox.leased_until IS 'A gateway holds the row until then (its attempt is in flight); after it, another may take it';
COMMENT ON COLUMN gridgov.transfer_outbox.delivered_at IS 'When the endpoint acknowledged it (HTTP 2xx); NULL while pending';
COMMENT ON COLUMN gridgov.transfer_outbox.last_status IS 'HTTP status of the last attempt (0: no answer: refused, timed out)';
COMMENT ON COLUMN gridgov.transfer_outbox.last_error IS 'Error of the last attempt (at most 500 characters)';

CREATE TABLE gridgov.transfer_inbound (
    endpoint_id bigint NOT NULL REFERENCES gridgov.transfer_endpoints (id) ON DELETE CASCADE,
    update_id   text NOT NULL CHECK (pg_catalog.length(update_id) BETWEEN 1 AND 200),
    county      gridgov.gridcode NOT NULL,
    case_id     bigint NOT NULL,
    result      jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (endpoint_id, update_id)
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_inbound', '');
COMMENT ON TABLE gridgov.transfer_inbound IS
    'Status updates applied from endpoints, one per update_id: a repeated update is answered from here and not applied twice';
COMMENT ON COLUMN gridgov.transfer_inbound.endpoint_id IS 'The endpoint that sent it';
COMMENT ON COLUMN gridgov.transfer_inbound.update_id IS 'The platform''s own id of the update (its idempotency key)';
COMMENT ON COLUMN gridgov.transfer_inbound.county IS 'County of the case';
COMMENT ON COLUMN gridgov.transfer_inbound.case_id IS 'The case';
COMMENT ON COLUMN gridgov.transfer_inbound.result IS 'The answer given';
COMMENT ON COLUMN gridgov.transfer_inbound.received_at IS 'When it was applied';

CREATE FUNCTION gridgov.transfer_endpoint_role(endpoint_id bigint) RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT e.db_role FROM gridgov.transfer_endpoints e WHERE e.id = transfer_endpoint_role.endpoint_id;
END;
COMMENT ON FUNCTION gridgov.transfer_endpoint_role(bigint) IS
    'Internal: the role an endpoint''s updates act as (the row-level security of gridgov.transfer_inbound)';

ALTER TABLE gridgov.transfer_inbound ENABLE ROW LEVEL SECURITY;
CREATE POLICY transfer_inbound_own ON gridgov.transfer_inbound
    USING (gridgov.transfer_endpoint_role(endpoint_id) = CURRENT_USER)
    WITH CHECK (gridgov.transfer_endpoint_role(endpoint_id) = CURRENT_USER);

-- The department a case is with after one of its events: the latest event up
-- to it that set one — the intake (its routed department), or a change whose
-- payload lists department_id among the columns it changed (the engine writes
-- "changed" and the new department_id; an action's own department_id, such as
-- the department reporting in to a summons, moves nothing and is not listed).
CREATE FUNCTION gridgov.event_department(county gridgov.gridcode, case_id bigint, seq integer) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN pg_catalog.jsonb_typeof(x.payload -> 'department_id') = 'number'
                THEN (x.payload ->> 'department_id')::bigint END
    FROM gridgov.case_events x
    WHERE x.county OPERATOR(gridgov.=) event_department.county AND x.case_id = event_department.case_id
      AND x.seq <= event_department.seq
      AND ((x.action = 'intake' AND x.payload ? 'department_id')
           OR pg_catalog.jsonb_typeof(x.payload -> 'changed') = 'array' AND x.payload -> 'changed' ? 'department_id')
    ORDER BY x.seq DESC
    LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.event_department(gridgov.gridcode, bigint, integer) IS
    'Internal: the department a case was with right after its event seq, from the history: the latest event up to it that set the department (the intake''s routed department, or a change listing department_id in its payload''s "changed"); NULL for none';

-- The events that leave a case dispatched to a department: a dispatch, a
-- re-dispatch that changes the department, a joint meeting's decision; not
-- the past ones a history import brings in (written by the transaction of an
-- intake marked imported).
CREATE VIEW gridgov.dispatch_events AS
SELECT e.txid, e.county, e.case_id, e.seq, gridgov.event_department(e.county, e.case_id, e.seq) AS department_id
FROM gridgov.case_events e
WHERE e.to_state = 'dispatched'
  AND (e.from_state IS DISTINCT FROM 'dispatched' OR e.payload -> 'changed' ? 'department_id')
  AND NOT EXISTS (SELECT 1 FROM gridgov.case_events i
                  WHERE i.county OPERATOR(gridgov.=) e.county AND i.case_id = e.case_id AND i.seq = 1
                    AND i.txid = e.txid AND i.payload ? 'imported');
COMMENT ON VIEW gridgov.dispatch_events IS
    'The events of the history that leave a case dispatched to a department (into the state dispatched, or a change of department within it), with that department, but those a history import wrote (gridgov.import_history): what gridgov.transfer_collect pushes to the department''s platform';
COMMENT ON COLUMN gridgov.dispatch_events.txid IS 'The transaction that appended the event';
COMMENT ON COLUMN gridgov.dispatch_events.county IS 'County of the case';
COMMENT ON COLUMN gridgov.dispatch_events.case_id IS 'The case';
COMMENT ON COLUMN gridgov.dispatch_events.seq IS 'The event';
COMMENT ON COLUMN gridgov.dispatch_events.department_id IS 'The department the case is dispatched to (gridgov.event_department)';

CREATE FUNCTION gridgov.transfer_collect(max_rows integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    ep gridgov.transfer_endpoints;
    h bigint := gridgov.event_horizon();
    tz text := gridgov.analytics_time_zone();
    upto bigint;
    last_tx bigint;
    found_n integer;
    n integer;
    total integer := 0;
BEGIN
    IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'max_rows must lie between 1 and 100000';
    END IF;
    FOR ep IN SELECT * FROM gridgov.transfer_endpoints e WHERE e.active AND e.below < h ORDER BY e.id
              FOR UPDATE SKIP LOCKED LOOP
        -- How far this run goes: the horizon, or, with more than max_rows
        -- pushes waiting, up to the transaction of the last of the first
        -- max_rows (its events are taken next time; a transaction is never cut).
        SELECT pg_catalog.max(x.txid), pg_catalog.count(*) INTO last_tx, found_n
        FROM (SELECT d.txid FROM gridgov.dispatch_events d
              WHERE d.txid >= ep.below AND d.txid < h AND d.department_id = ep.department_id
              ORDER BY d.txid LIMIT max_rows) x;
        upto := CASE WHEN found_n < max_rows THEN h ELSE GREATEST(last_tx, ep.below + 1) END;
        INSERT INTO gridgov.transfer_outbox (county, case_id, seq, endpoint_id, idempotency_key, body)
        SELECT r.county, r.case_id, r.seq, ep.id, k.key,
               pg_catalog.jsonb_build_object(
                   'idempotency_key', k.key, 'endpoint', ep.name, 'department_id', ep.department_id,
                   'event', r.data,
                   'service_request', (SELECT gridgov.open311_json(o, tz) FROM gridgov.open311_service_requests o
                                       WHERE o.county OPERATOR(gridgov.=) r.county AND o.case_id = r.case_id))
        FROM gridgov.dispatch_events d
        JOIN gridgov.event_feed_rows r ON r.county OPERATOR(gridgov.=) d.county AND r.case_id = d.case_id AND r.seq = d.seq
        CROSS JOIN LATERAL (SELECT pg_catalog.format('gg:%s:%s:%s:%s', d.county, d.case_id, d.seq, ep.id) AS key) k
        WHERE d.txid >= ep.below AND d.txid < upto AND d.department_id = ep.department_id
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
        UPDATE gridgov.transfer_endpoints e SET below = upto WHERE e.id = ep.id;
    END LOOP;
    RETURN total;
END
$$;
COMMENT ON FUNCTION gridgov.transfer_collect(integer) IS
    'The transfer''s outbox reader (the gateway runs it before each claim): for every active endpoint, queues one gridgov.transfer_outbox row for each event, of the transactions from its watermark up to the horizon, that leaves a case dispatched to the endpoint''s department (a dispatch, a re-dispatch to it, a joint meeting''s decision for it), then moves the watermark; with more than max_rows (1-100000) waiting it stops after the transaction of the max_rows-th and goes on at the next call. Returns the rows queued. Idempotent; concurrent runs skip each other''s endpoints. 22023 max_rows out of range';

CREATE FUNCTION gridgov.transfer_claim(max_rows integer DEFAULT 10, lease interval DEFAULT '30 seconds',
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE(idempotency_key text, endpoint_id bigint, url text, secret text, body jsonb, attempt integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    IF max_rows IS NULL OR lease IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'max_rows, lease and as_of must not be null';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'as_of must be finite';
    END IF;
    IF max_rows NOT BETWEEN 1 AND 1000 OR lease < interval '1 second' OR lease > interval '1 hour' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'max_rows must lie between 1 and 1000 and lease between 1 second and 1 hour';
    END IF;
    RETURN QUERY
    WITH due AS (
        SELECT o.idempotency_key AS k
        FROM gridgov.transfer_outbox o
        JOIN gridgov.transfer_endpoints e ON e.id = o.endpoint_id AND e.active
        WHERE o.delivered_at IS NULL AND o.next_attempt_at <= as_of
          AND (o.leased_until IS NULL OR o.leased_until <= as_of)
        ORDER BY o.next_attempt_at, o.created_at, o.idempotency_key
        LIMIT max_rows
        FOR UPDATE OF o SKIP LOCKED)
    UPDATE gridgov.transfer_outbox o
    SET attempts = o.attempts + 1, leased_until = as_of + lease
    FROM due, gridgov.transfer_endpoints e
    WHERE o.idempotency_key = due.k AND e.id = o.endpoint_id
    RETURNING o.idempotency_key, o.endpoint_id, e.url, e.secret, o.body, o.attempts;
END
$$;
COMMENT ON FUNCTION gridgov.transfer_claim(integer, interval, timestamptz) IS
    'The gateway takes up to max_rows (1-1000) pushes that are due (undelivered, next_attempt_at reached, no lease running, endpoint active) and leases them for `lease` (1 s - 1 h): another gateway skips them until the lease ends, so a gateway that dies mid-attempt loses nothing. Returns each with its endpoint''s URL and secret and the attempt''s number. 22004 NULL, 22023 out of range or an infinite as_of';

CREATE FUNCTION gridgov.transfer_result(idempotency_key text, http_status integer, error text DEFAULT NULL,
                                        as_of timestamptz DEFAULT pg_catalog.now(), attempt integer DEFAULT NULL)
    RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    o gridgov.transfer_outbox;
BEGIN
    IF idempotency_key IS NULL OR http_status IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'idempotency_key, http_status and as_of must not be null';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'as_of must be finite';
    END IF;
    IF http_status NOT BETWEEN 0 AND 599 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'http_status must lie between 0 and 599';
    END IF;
    SELECT * INTO o FROM gridgov.transfer_outbox x WHERE x.idempotency_key = transfer_result.idempotency_key FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'no such push';
    END IF;
    IF o.delivered_at IS NOT NULL THEN
        RETURN pg_catalog.jsonb_build_object('delivered', true, 'delivered_at', o.delivered_at);
    END IF;
    -- The failure of an attempt whose lease ended and that another claim has
    -- since taken over: that newer attempt decides; its lease stays.
    IF attempt IS NOT NULL AND attempt <> o.attempts AND http_status NOT BETWEEN 200 AND 299 THEN
        RETURN pg_catalog.jsonb_build_object('delivered', false, 'stale', true, 'next_attempt_at', o.next_attempt_at);
    END IF;
    IF http_status BETWEEN 200 AND 299 THEN
        UPDATE gridgov.transfer_outbox x SET delivered_at = as_of, leased_until = NULL, last_status = http_status,
               last_error = NULL
        WHERE x.idempotency_key = o.idempotency_key;
        RETURN pg_catalog.jsonb_build_object('delivered', true, 'delivered_at', as_of);
    END IF;
    -- Backoff: 5 s, 10 s, 20 s ... at most an hour; it never gives up (transfer_status shows it).
    UPDATE gridgov.transfer_outbox x
    SET leased_until = NULL, last_status = http_status, last_error = pg_catalog.left(error, 500),
        next_attempt_at = as_of + LEAST(interval '5 seconds' * pg_catalog.power(2, LEAST(GREATEST(o.attempts, 1) - 1, 20)),
                                        interval '1 hour')
    WHERE x.idempotency_key = o.idempotency_key
    RETURNING * INTO o;
    RETURN pg_catalog.jsonb_build_object('delivered', false, 'next_attempt_at', o.next_attempt_at);
END
$$;
COMMENT ON FUNCTION gridgov.transfer_result(text, integer, text, timestamptz, integer) IS
    'The outcome of a push attempt (attempt: its number, as transfer_claim gave it): an HTTP 2xx marks it delivered (for good: a later result changes nothing); anything else (0 for no answer) schedules the next attempt after 5 s x 2^(attempts-1), at most an hour, keeping the status and error (500 characters) — unless it is the failure of an earlier attempt than the latest claim''s, which changes nothing ("stale": true). Returns {"delivered": true, "delivered_at"} or {"delivered": false, "next_attempt_at"}. 22004 NULL, 22023 unknown key, status out of 0-599 or an infinite as_of';

CREATE FUNCTION gridgov.transfer_endpoint(name text)
    RETURNS TABLE(id bigint, department_id bigint, db_role name, secret text, active boolean)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT e.id, e.department_id, e.db_role, e.secret, e.active
    FROM gridgov.transfer_endpoints e
    WHERE e.name = transfer_endpoint.name AND gridgov.gateway_role_allowed(e.db_role);
END;
COMMENT ON FUNCTION gridgov.transfer_endpoint(text) IS
    'The gateway''s lookup of an endpoint for an inbound update: its id, department, role, secret (to verify the signature) and whether it is active; no row for an unknown name or one whose role is a superuser, BYPASSRLS, CREATEROLE or REPLICATION role';

CREATE FUNCTION gridgov.transfer_apply(ep_id bigint, ep_department bigint, u jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    c record;
    done gridgov.cases;
    at timestamptz;
    answer jsonb;
    st text;
    msg text;
BEGIN
    -- Only columns every case handler may read (not the contact columns).
    SELECT x.id, x.county, x.department_id INTO c FROM gridgov.cases x WHERE x.case_no = u ->> 'service_request_id';
    IF NOT FOUND THEN
        RETURN gridgov.open311_error(404, 'service_request_id not found');
    END IF;
    IF c.department_id IS DISTINCT FROM ep_department THEN
        RETURN gridgov.open311_error(409, 'the case is not held by this endpoint''s department');
    END IF;
    BEGIN
        at := gridgov.w3c_parse(u ->> 'at');
    EXCEPTION WHEN invalid_datetime_format THEN
        RETURN gridgov.open311_error(400, 'at must be a W3C date-time with a time zone');
    END;
    BEGIN
        BEGIN
            INSERT INTO gridgov.transfer_inbound (endpoint_id, update_id, county, case_id, result)
            VALUES (ep_id, u ->> 'update_id', c.county, c.id, '{}');
        EXCEPTION WHEN unique_violation THEN
            -- Applied before (or being applied by a concurrent update, which we waited for).
            SELECT x.result || '{"duplicate": true}' INTO answer
            FROM gridgov.transfer_inbound x WHERE x.endpoint_id = ep_id AND x.update_id = u ->> 'update_id';
            RETURN answer;
        END;
        done := gridgov.act(c.id, u ->> 'action', u ->> 'note',
                            CASE WHEN pg_catalog.jsonb_typeof(u -> 'payload') = 'object' THEN u -> 'payload'
                                 ELSE '{}'::jsonb END, at);
        answer := pg_catalog.jsonb_build_object('service_request_id', done.case_no, 'state', done.state,
                                                'duplicate', false);
        UPDATE gridgov.transfer_inbound x SET result = answer
        WHERE x.endpoint_id = ep_id AND x.update_id = u ->> 'update_id';
        RETURN answer;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        IF st = '42501' OR st = 'GG102' THEN
            RETURN gridgov.open311_error(403, msg);
        ELSIF st LIKE 'GG1%' OR st LIKE 'GG2%' THEN
            RETURN gridgov.open311_error(409, msg);
        ELSIF st LIKE '22%' THEN
            RETURN gridgov.open311_error(400, msg);
        END IF;
        RAISE;
    END;
END
$$;
COMMENT ON FUNCTION gridgov.transfer_apply(bigint, bigint, jsonb) IS
    'Internal: the body of gridgov.transfer_receive once the update is checked: the case by number, held by the endpoint''s department, act() once per update_id, the workflow''s refusals as error bodies';

CREATE FUNCTION gridgov.transfer_receive(endpoint text, "update" jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    ep record;
    bad text;
    u jsonb := "update";
BEGIN
    SELECT e.id, e.department_id, e.db_role, e.active INTO ep
    FROM gridgov.transfer_endpoints_public e WHERE e.name = endpoint;
    IF NOT FOUND OR NOT ep.active THEN
        RETURN gridgov.open311_error(404, 'no such endpoint');
    END IF;
    IF ep.db_role <> CURRENT_USER THEN
        RETURN gridgov.open311_error(403, 'the update must be applied as the endpoint''s role');
    END IF;
    IF u IS NULL OR pg_catalog.jsonb_typeof(u) <> 'object' THEN
        RETURN gridgov.open311_error(400, 'the update must be a JSON object');
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.left(k, 40), ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_object_keys(u) k
    WHERE k NOT IN ('update_id', 'service_request_id', 'action', 'note', 'at', 'payload');
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'unknown parameter: ' || bad);
    END IF;
    IF pg_catalog.jsonb_typeof(u -> 'update_id') IS DISTINCT FROM 'string'
       OR pg_catalog.length(u ->> 'update_id') NOT BETWEEN 1 AND 200
       OR pg_catalog.jsonb_typeof(u -> 'service_request_id') IS DISTINCT FROM 'string'
       OR pg_catalog.jsonb_typeof(u -> 'action') IS DISTINCT FROM 'string' THEN
        RETURN gridgov.open311_error(400, 'update_id (1-200 characters), service_request_id and action are required strings');
    END IF;
    IF pg_catalog.jsonb_typeof(u -> 'note') NOT IN ('string', 'null') OR pg_catalog.jsonb_typeof(u -> 'at') NOT IN ('string', 'null')
       OR pg_catalog.jsonb_typeof(u -> 'payload') NOT IN ('object', 'null') OR pg_catalog.length(u ->> 'note') > 4000 THEN
        RETURN gridgov.open311_error(400, 'note and at must be strings (note at most 4,000 characters), payload an object');
    END IF;
    RETURN gridgov.transfer_apply(ep.id, ep.department_id, u);
END
$$;
COMMENT ON FUNCTION gridgov.transfer_receive(text, jsonb) IS
    'A status update from an endpoint''s platform (the gateway''s POST /transfer/NAME/updates, run as the endpoint''s role after checking the signature): {"update_id", "service_request_id", "action", "note", "at", "payload"} becomes gridgov.act() on the case, once per update_id (a repeated one answers the first result with "duplicate": true). Answers {"service_request_id", "state", "duplicate"}, or the Open311 error body: 400 bad update, 403 not the endpoint''s role or the workflow''s role check, 404 unknown endpoint or case, 409 a case not held by the endpoint''s department or an action the workflow refuses';

CREATE VIEW gridgov.transfer_endpoints_public AS
SELECT e.id, e.name, e.department_id, e.db_role, e.active FROM gridgov.transfer_endpoints e;
COMMENT ON VIEW gridgov.transfer_endpoints_public IS
    'The transfer endpoints without their secrets and watermarks (what a department role may read)';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.id IS 'Endpoint id';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.name IS 'Name';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.department_id IS 'Its department';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.db_role IS 'The role its updates act as';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.active IS 'Whether it is active';

CREATE VIEW gridgov.transfer_status AS
SELECT e.id AS endpoint_id, e.name, e.department_id, e.active,
       pg_catalog.count(o.*) FILTER (WHERE o.delivered_at IS NULL) AS pending,
       pg_catalog.count(o.*) FILTER (WHERE o.delivered_at IS NULL AND o.attempts > 0) AS failing,
       pg_catalog.count(o.*) FILTER (WHERE o.delivered_at IS NOT NULL) AS delivered,
       pg_catalog.min(o.created_at) FILTER (WHERE o.delivered_at IS NULL) AS oldest_pending,
       pg_catalog.max(o.delivered_at) AS last_delivered,
       (SELECT x.last_error FROM gridgov.transfer_outbox x
        WHERE x.endpoint_id = e.id AND x.delivered_at IS NULL AND x.last_error IS NOT NULL
        ORDER BY x.next_attempt_at DESC LIMIT 1) AS last_error
FROM gridgov.transfer_endpoints e
LEFT JOIN gridgov.transfer_outbox o ON o.endpoint_id = e.id
GROUP BY e.id;
COMMENT ON VIEW gridgov.transfer_status IS
    'Per transfer endpoint: pushes pending, failing (pending after at least one attempt), delivered, the oldest pending, the last delivery and the last error of a pending push';
COMMENT ON COLUMN gridgov.transfer_status.endpoint_id IS 'Endpoint id';
COMMENT ON COLUMN gridgov.transfer_status.name IS 'Endpoint name';
COMMENT ON COLUMN gridgov.transfer_status.department_id IS 'Its department';
COMMENT ON COLUMN gridgov.transfer_status.active IS 'Whether it is active';
COMMENT ON COLUMN gridgov.transfer_status.pending IS 'Pushes not yet acknowledged';
COMMENT ON COLUMN gridgov.transfer_status.failing IS 'Of those, the ones tried at least once';
COMMENT ON COLUMN gridgov.transfer_status.delivered IS 'Pushes acknowledged';
COMMENT ON COLUMN gridgov.transfer_status.oldest_pending IS 'When the oldest pending push was queued';
COMMENT ON COLUMN gridgov.transfer_status.last_delivered IS 'The latest acknowledgement';
COMMENT ON COLUMN gridgov.transfer_status.last_error IS 'The error of the latest failed attempt of a pending push';
-- ---------------------------------------------------------------------------
-- analytics (6/7): volume forecasts, their backtest and their alerts.
--
-- gridgov.forecast_volume(area, category_prefix, grain, horizon) forecasts the
-- cases an area (any level) will report in a category (a code and all codes
-- below it) per day or ISO week: a Poisson regression of the counts (log
-- link) on a trend, the weekday, yearly Fourier terms and China's holidays
-- from the analytics calendar (Spring Festival, the week before it and the
-- days after it, Golden Week, other holidays, adjusted working days), fitted
-- in C (src/time/forecast.c: IRLS, Cholesky), with intervals from a negative
-- binomial whose over-dispersion comes from the fit's residuals.  Fits are
-- cached in gridgov.forecast_fits (per area x prefix x grain), refreshed
-- nightly for every town x top category (gridgov.forecast_refresh);
-- gridgov.forecast_backtest() scores the model against the seasonal-naive
-- forecast on rolling origins; gridgov.forecast_alerts() raises a
-- forecast_exceeded hot spot (and a gridgov_events notification) for each
-- area x category whose last complete day or week left its 95 % interval.
-- docs/bi.md ("Forecasts") gives the model and its limits.  SQLSTATEs: 22004
-- NULL argument, 22023 bad parameter, 42704 no category starts with the
-- prefix, GG301 too little history.
-- ---------------------------------------------------------------------------

-- The arithmetic, in C -----------------------------------------------------------------

CREATE FUNCTION gridgov.glm_poisson_fit(y double precision[], x double precision[], ridge double precision,
                                        OUT coefficients double precision[], OUT dispersion double precision,
                                        OUT deviance double precision, OUT iterations integer,
                                        OUT covariance double precision[])
    AS 'MODULE_PATHNAME', 'gridgov_glm_poisson_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_poisson_fit(double precision[], double precision[], double precision) IS
    'Poisson regression with log link of the counts y on the design matrix x (2-D: one row per count, at most 64 columns, column 1 the intercept), by iteratively reweighted least squares (normal equations, Cholesky); ridge is the precision of a normal prior centred on 0 for each coefficient but the intercept''s (added to the diagonal of X''WX). Returns the coefficients, the negative-binomial over-dispersion a of the residuals (variance mu + a mu^2, moment estimate, 0 when none), the Poisson deviance, the iterations, and the covariance of the coefficients (2-D: the inverse of the normal matrix with the negative binomial''s weights mu / (1 + a mu)). 22004 NULL element, 22023 bad shape or value or collinear regressors';

CREATE FUNCTION gridgov.glm_predict(coefficients double precision[], x double precision[])
    RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'gridgov_glm_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_predict(double precision[], double precision[]) IS
    'Expected counts exp(x b) of a log-linear model, one per row of the design matrix x (2-D). 22004 NULL element, 22023 shapes that do not match';

CREATE FUNCTION gridgov.glm_predict_variance(covariance double precision[], x double precision[])
    RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'gridgov_glm_predict_variance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.glm_predict_variance(double precision[], double precision[]) IS
    'Variance of the linear predictor (the log of the expected count) per row of the design matrix x that the coefficients'' covariance gives: x'' C x. 22004 NULL element, 22023 shapes that do not match';

CREATE FUNCTION gridgov.nb_quantile(mu double precision, dispersion double precision, p double precision)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_nb_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.nb_quantile(double precision, double precision, double precision) IS
    'The p-quantile of a negative binomial count with mean mu and over-dispersion a (variance mu + a mu^2; Poisson when a = 0): the smallest y with P(Y <= y) >= p. 22023 for mu outside [0, 1e7], a outside [0, 10] or p outside (0, 1)';

CREATE FUNCTION gridgov.nb_interval(mu double precision, dispersion double precision, level double precision,
                                    OUT lower integer, OUT upper integer)
    AS 'MODULE_PATHNAME', 'gridgov_nb_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.nb_interval(double precision, double precision, double precision) IS
    'Central interval of a negative binomial count (mean mu, over-dispersion a) at a level, e.g. 0.8: the bounds whose tail probabilities are each nearest (1 - level) / 2 (lower minimises |P(Y < lower) - t|, upper |P(Y <= upper) - (1 - t)|), so that it covers at the level on average even for small counts, where the usual quantiles cover more. 22023 as nb_quantile, or a level outside (0, 1)';

CREATE FUNCTION gridgov.nb_score(x integer, mu double precision, dispersion double precision)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'gridgov_nb_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.nb_score(integer, double precision, double precision) IS
    'Surprise of a count x under a negative binomial with mean mu and over-dispersion a: -log10 P(Y >= x) when x > mu, -log10 P(Y <= x) otherwise (2 means a chance of 1 in 100 on that side). 22023 for a negative x or parameters as nb_quantile refuses';

-- The regressors -----------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_calendar_days(since date, until date)
    RETURNS TABLE (day date, holiday boolean, workday boolean, spring_festival boolean,
                   before_spring_festival boolean, after_spring_festival boolean, golden_week boolean)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH ex AS (
        -- A day's user row wins over the shipped one; a regular row cancels it.
        SELECT DISTINCT ON (e.day) e.day, e.kind, COALESCE(e.name, '') AS name
        FROM gridgov.calendar_exceptions e
        JOIN gridgov.calendars c ON c.id = e.calendar_id
        WHERE c.name = gridgov.analytics_calendar()
          AND e.day >= since - 45 AND e.day < until + 45
        ORDER BY e.day, e.builtin
    ), sf AS (
        SELECT pg_catalog.min(x.day) AS first_day, pg_catalog.max(x.day) AS last_day
        FROM ex x
        WHERE x.kind = 'holiday' AND x.name ~ '春节|Spring Festival'
        GROUP BY EXTRACT(year FROM x.day + 60)
    )
    SELECT d.day,
           COALESCE(x.kind = 'holiday' AND x.name !~ '春节|Spring Festival|国庆|National Day', false),
           COALESCE(x.kind = 'workday', false),
           COALESCE(x.kind = 'holiday' AND x.name ~ '春节|Spring Festival', false),
           EXISTS (SELECT 1 FROM sf WHERE d.day >= sf.first_day - 7 AND d.day < sf.first_day),
           EXISTS (SELECT 1 FROM sf WHERE d.day > sf.last_day AND d.day <= sf.last_day + 10),
           COALESCE(x.kind = 'holiday' AND x.name ~ '国庆|National Day', false)
    FROM (SELECT g::date AS day FROM pg_catalog.generate_series(since::timestamp, until::timestamp - interval '1 day',
                                                                 interval '1 day') g) d
    LEFT JOIN ex x ON x.day = d.day
    ORDER BY d.day
$$;
COMMENT ON FUNCTION gridgov.forecast_calendar_days(date, date) IS
    'The calendar regressors of each day in [since, until) from the analytics calendar''s exceptions (a user row wins over a shipped one): holiday (a day off other than Spring Festival and Golden Week), workday (an adjusted working day, 调休补班), spring_festival (its days off), before_spring_festival (the 7 days before them), after_spring_festival (the 10 days after them), golden_week (National Day''s days off). Holidays are recognised by their names (春节 / Spring Festival, 国庆 / National Day), as gridgov.load_cn_holidays() writes them';

CREATE FUNCTION gridgov.forecast_harmonics() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10;
COMMENT ON FUNCTION gridgov.forecast_harmonics() IS
    'Yearly Fourier pairs of the forecast model: 10 (sin and cos of 2 pi k t, t in years, k = 1 to 10): enough for a season that starts on a date (heating from 15 November) to within about two weeks';

CREATE FUNCTION gridgov.forecast_regressors(grain text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN grain IN ('day', 'week') THEN
    ARRAY['intercept', 'trend']
    || CASE WHEN grain = 'day' THEN ARRAY['tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] END
    || ARRAY(SELECT f || k FROM pg_catalog.generate_series(1, gridgov.forecast_harmonics()) k,
                                (VALUES (1, 'sin'), (2, 'cos')) v(o, f) ORDER BY k, o)
    || ARRAY['holiday', 'workday', 'spring_festival', 'before_spring_festival', 'after_spring_festival', 'golden_week'] END;
COMMENT ON FUNCTION gridgov.forecast_regressors(text) IS
    'Names of the forecast model''s regressors for a grain (day or week), in the order of the design matrix and of gridgov.forecast_fits.coefficients; NULL for another grain';

CREATE FUNCTION gridgov.forecast_design(grain text, since date, periods integer) RETURNS double precision[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH days AS (
        SELECT c.*, CASE WHEN grain = 'week' THEN pg_catalog.date_trunc('week', c.day)::date ELSE c.day END AS period
        FROM gridgov.forecast_calendar_days(since, since + periods * CASE WHEN grain = 'week' THEN 7 ELSE 1 END) c
    ), per AS (
        SELECT d.period,
               pg_catalog.avg(d.holiday::integer) AS holiday, pg_catalog.avg(d.workday::integer) AS workday,
               pg_catalog.avg(d.spring_festival::integer) AS sf, pg_catalog.avg(d.before_spring_festival::integer) AS sf_pre,
               pg_catalog.avg(d.after_spring_festival::integer) AS sf_post, pg_catalog.avg(d.golden_week::integer) AS gw,
               (d.period - date '2020-01-01' + CASE WHEN grain = 'week' THEN 3 ELSE 0 END)::double precision / 365.2425 AS t,
               EXTRACT(isodow FROM d.period)::integer AS dow
        FROM days d GROUP BY d.period
    )
    SELECT pg_catalog.array_agg(
               ARRAY[1, p.t]::double precision[]
               || CASE WHEN grain = 'day' THEN ARRAY(SELECT (p.dow = k)::integer::double precision
                                                      FROM pg_catalog.generate_series(2, 7) k) END
               || ARRAY(SELECT f FROM pg_catalog.generate_series(1, gridgov.forecast_harmonics()) k,
                        LATERAL (VALUES (pg_catalog.sin(2 * pg_catalog.pi() * k * p.t)),
                                        (pg_catalog.cos(2 * pg_catalog.pi() * k * p.t))) v(f))
               || ARRAY[p.holiday, p.workday, p.sf, p.sf_pre, p.sf_post, p.gw]::double precision[]
               ORDER BY p.period)
    FROM per p
$$;
COMMENT ON FUNCTION gridgov.forecast_design(text, date, integer) IS
    'The forecast model''s design matrix (2-D, one row per period, columns as gridgov.forecast_regressors(grain) names them) for periods days (grain day) or ISO weeks (grain week, since a Monday) from since: intercept, trend in years since 2020, weekday dummies (days; Monday is the base), yearly Fourier pairs (gridgov.forecast_harmonics()), and the share of the period''s days that are holidays, adjusted working days, Spring Festival, the week before it, the 10 days after it, Golden Week (gridgov.forecast_calendar_days)';

-- Arguments, series, fits --------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_check(area gridgov.gridcode, category_prefix text, grain text)
    RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF area IS NULL OR category_prefix IS NULL OR grain IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'area, category_prefix and grain of a forecast must not be NULL';
    END IF;
    IF grain NOT IN ('day', 'week') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('grain must be day or week, not "%s"', pg_catalog.left(grain, 20));
    END IF;
    IF category_prefix !~ '^[CEHD]([0-9]{2}){0,3}$'
       OR NOT EXISTS (SELECT 1 FROM gridgov.categories c
                      WHERE c.code >= category_prefix AND c.code < category_prefix || '~') THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('no category code starts with "%s"', pg_catalog.left(category_prefix, 20)),
            HINT = 'A category prefix is a kind letter (C, E, H, D) or a category code of gridgov.categories, e.g. H07 or E0406.';
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_check(gridgov.gridcode, text, text) IS
    'Internal: checks the arguments every forecast function shares: none NULL (22004), grain day or week (22023), a category prefix some category code starts with (42704)';

CREATE FUNCTION gridgov.forecast_check_as_of(as_of timestamptz) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    -- (A history padded with the zeros of days to come is no history.)
    IF as_of > pg_catalog.now() + interval '1 day' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must not be in the future';
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_check_as_of(timestamptz) IS
    'Internal: checks the as_of of a forecast function: not NULL (22004), finite and not after tomorrow (22023)';

CREATE FUNCTION gridgov.forecast_origin(grain text, as_of timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
RETURN CASE grain WHEN 'week'
    THEN pg_catalog.date_trunc('week', (as_of AT TIME ZONE gridgov.analytics_time_zone())::date)::date
    ELSE (as_of AT TIME ZONE gridgov.analytics_time_zone())::date END;
COMMENT ON FUNCTION gridgov.forecast_origin(text, timestamptz) IS
    'Internal: the first period a forecast made at as_of forecasts: its local day (grain day) or the Monday of its ISO week (week), in the analytics time zone; the history ends the period before';

CREATE FUNCTION gridgov.forecast_series(area gridgov.gridcode, category_prefix text, grain text, since date, until date)
    RETURNS TABLE (period_start date, cases integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    -- The counties of the area, as a range of the index (county, reported_day).
    lo gridgov.gridcode := CASE WHEN gridgov.level(area) <= 3 THEN area ELSE gridgov.ancestor(area, 3) END;
    hi gridgov.gridcode := gridgov.subtree_max(lo);
    lvl integer := gridgov.level(area);
BEGIN
    RETURN QUERY
    WITH hits AS (
        SELECT CASE WHEN grain = 'week' THEN pg_catalog.date_trunc('week', s.reported_day)::date
                    ELSE s.reported_day END AS p,
               pg_catalog.count(*)::integer AS n
        FROM gridgov.case_stats s
        WHERE s.county OPERATOR(gridgov.>=) lo AND s.county OPERATOR(gridgov.<=) hi
          AND s.reported_day >= since AND s.reported_day < until
          AND s.category >= category_prefix AND s.category < category_prefix || '~'
          AND s.source <> 'proactive'
          AND (lvl <= 3 OR gridgov.area_at(s.county, s.grid, lvl) OPERATOR(gridgov.=) area)
        GROUP BY 1
    )
    SELECT g.p, COALESCE(h.n, 0)
    FROM (SELECT x::date AS p
          FROM pg_catalog.generate_series(since::timestamp, until::timestamp - interval '1 day',
                                          CASE WHEN grain = 'week' THEN interval '7 days' ELSE interval '1 day' END) x) g
    LEFT JOIN hits h ON h.p = g.p
    ORDER BY g.p;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_series(gridgov.gridcode, text, text, date, date) IS
    'Internal: cases reported per period (day, or ISO week from since, a Monday) in [since, until) in the area (any level; below a county: gridgov.area_at of the case) whose category starts with category_prefix, proactive cases left out, zero periods included';

CREATE TABLE gridgov.forecast_fits (
    area            gridgov.gridcode NOT NULL,
    category_prefix text COLLATE pg_catalog."C" NOT NULL,
    grain           text NOT NULL CHECK (grain IN ('day', 'week')),
    fitted_at       timestamptz NOT NULL,
    data_from       date NOT NULL,
    data_to         date NOT NULL,
    periods         integer NOT NULL,
    cases           bigint NOT NULL,
    regressors      text[] NOT NULL,
    coefficients    double precision[] NOT NULL,
    dispersion      double precision NOT NULL,
    deviance        double precision NOT NULL,
    iterations      integer NOT NULL,
    mae             double precision NOT NULL,
    naive_mae       double precision,
    covariance      double precision[] NOT NULL,
    PRIMARY KEY (area, category_prefix, grain),
    CONSTRAINT forecast_fits_period CHECK (data_from < data_to)
);
COMMENT ON TABLE gridgov.forecast_fits IS
    'Cached forecast models, one per area x category prefix x grain (gridgov.forecast_refresh() writes them nightly for every town x top category; gridgov.forecast_volume() uses one when current, else fits on the fly)';
COMMENT ON COLUMN gridgov.forecast_fits.area IS 'Area (any level)';
COMMENT ON COLUMN gridgov.forecast_fits.category_prefix IS 'Category prefix: the cases of every category code starting with it';
COMMENT ON COLUMN gridgov.forecast_fits.grain IS 'day or week (ISO week, Monday first)';
COMMENT ON COLUMN gridgov.forecast_fits.fitted_at IS 'as_of of the fit';
COMMENT ON COLUMN gridgov.forecast_fits.data_from IS 'First period of the fitted history';
COMMENT ON COLUMN gridgov.forecast_fits.data_to IS 'End of the fitted history (exclusive): the first period it forecasts';
COMMENT ON COLUMN gridgov.forecast_fits.periods IS 'Periods fitted';
COMMENT ON COLUMN gridgov.forecast_fits.cases IS 'Cases in the fitted history';
COMMENT ON COLUMN gridgov.forecast_fits.regressors IS 'Names of the regressors (gridgov.forecast_regressors(grain)): a fit of other regressors is never current';
COMMENT ON COLUMN gridgov.forecast_fits.coefficients IS 'Coefficients of the log-linear model, in the order of regressors';
COMMENT ON COLUMN gridgov.forecast_fits.dispersion IS 'Over-dispersion a of the residuals: a period''s count is taken as negative binomial with variance mu + a mu^2';
COMMENT ON COLUMN gridgov.forecast_fits.deviance IS 'Poisson deviance of the fit';
COMMENT ON COLUMN gridgov.forecast_fits.iterations IS 'IRLS iterations';
COMMENT ON COLUMN gridgov.forecast_fits.mae IS 'In-sample mean absolute error of the model';
COMMENT ON COLUMN gridgov.forecast_fits.naive_mae IS 'In-sample mean absolute error of the seasonal-naive forecast (same weekday a week before; same week a year before), the scale of MASE; NULL when the history is too short for it';
COMMENT ON COLUMN gridgov.forecast_fits.covariance IS 'Covariance of the coefficients (2-D, regressors x regressors): what the forecast''s intervals add for the uncertainty of the coefficients';
SELECT pg_catalog.pg_extension_config_dump('gridgov.forecast_fits', '');

CREATE FUNCTION gridgov.forecast_min_periods(grain text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE grain WHEN 'day' THEN 365 WHEN 'week' THEN 104 END;
COMMENT ON FUNCTION gridgov.forecast_min_periods(text) IS
    'History a forecast needs, from the first period with a case: 365 days or 104 weeks (a yearly cycle has to be seen); less raises GG301';

CREATE FUNCTION gridgov.forecast_max_periods(grain text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE grain WHEN 'day' THEN 1096 WHEN 'week' THEN 156 END;
COMMENT ON FUNCTION gridgov.forecast_max_periods(text) IS
    'History a forecast fits at most: the last 1,096 days or 156 weeks (three years) before its origin';

-- Fits a series given as arrays: the model on the history counts[lo:hi] of
-- design rows x[lo:hi], with the in-sample errors.
CREATE FUNCTION gridgov.forecast_fit_rows(grain text, counts double precision[], x double precision[],
                                          lo integer, hi integer,
                                          OUT coefficients double precision[], OUT dispersion double precision,
                                          OUT deviance double precision, OUT iterations integer,
                                          OUT mae double precision, OUT naive_mae double precision,
                                          OUT covariance double precision[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    m integer := CASE grain WHEN 'week' THEN 52 ELSE 7 END;
    y double precision[] := counts[lo:hi];
    mu double precision[];
BEGIN
    SELECT f.coefficients, f.dispersion, f.deviance, f.iterations, f.covariance
    INTO coefficients, dispersion, deviance, iterations, covariance
    FROM gridgov.glm_poisson_fit(y, x[lo:hi][:], 4) f;
    mu := gridgov.glm_predict(coefficients, x[lo:hi][:]);
    SELECT pg_catalog.avg(pg_catalog.abs(y[i] - mu[i])),
           pg_catalog.avg(pg_catalog.abs(y[i] - y[i - m])) FILTER (WHERE i > m)
    INTO mae, naive_mae
    FROM pg_catalog.generate_series(1, pg_catalog.cardinality(y)) i;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_fit_rows(text, double precision[], double precision[], integer, integer) IS
    'The forecast model (of gridgov.forecast_model) fitted on counts[lo:hi] and design rows x[lo:hi] (gridgov.glm_poisson_fit with ridge 4: a normal prior of standard deviation 0.5 on every coefficient but the intercept), with its in-sample mean absolute error and that of the seasonal-naive forecast, and the coefficients'' covariance';

CREATE FUNCTION gridgov.forecast_model(grain text, since date, counts double precision[],
                                       OUT coefficients double precision[], OUT dispersion double precision,
                                       OUT deviance double precision, OUT iterations integer,
                                       OUT mae double precision, OUT naive_mae double precision,
                                       OUT covariance double precision[])
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    n integer := pg_catalog.cardinality(counts);
BEGIN
    IF grain IS NULL OR since IS NULL OR counts IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'grain, since and counts must not be NULL';
    END IF;
    IF grain NOT IN ('day', 'week') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('grain must be day or week, not "%s"', pg_catalog.left(grain, 20));
    END IF;
    IF NOT pg_catalog.isfinite(since) OR (grain = 'week' AND EXTRACT(isodow FROM since) <> 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'since must be a finite date (a Monday for weeks)';
    END IF;
    IF n < gridgov.forecast_min_periods(grain) OR n > 20000 THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('%s periods of history where a %s forecast needs %s to 20000', n, grain,
                                        gridgov.forecast_min_periods(grain));
    END IF;
    SELECT f.* INTO coefficients, dispersion, deviance, iterations, mae, naive_mae, covariance
    FROM gridgov.forecast_fit_rows(grain, counts, gridgov.forecast_design(grain, since, n), 1, n) f;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_model(text, date, double precision[]) IS
    'The forecast model of a series given as counts per period (days, or ISO weeks) from since: coefficients in the order of gridgov.forecast_regressors(grain), over-dispersion, deviance, IRLS iterations, in-sample MAE of the model and of the seasonal-naive forecast, covariance of the coefficients. 22004 NULL, 22023 bad grain or since, GG301 fewer than forecast_min_periods(grain) counts';

CREATE FUNCTION gridgov.forecast_predict(grain text, since date, periods integer,
                                         coefficients double precision[], dispersion double precision,
                                         covariance double precision[] DEFAULT NULL)
    RETURNS TABLE (period_start date, expected double precision, lower_80 integer, upper_80 integer,
                   lower_95 integer, upper_95 integer, period_dispersion double precision)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    WITH d AS (SELECT gridgov.forecast_design(grain, since, periods) AS x)
    SELECT since + (u.i::integer - 1) * CASE WHEN grain = 'week' THEN 7 ELSE 1 END, u.mu,
           i80.lower, i80.upper, i95.lower, i95.upper, u.a
    FROM d, ROWS FROM (pg_catalog.unnest(gridgov.glm_predict(coefficients, d.x)),
                       pg_catalog.unnest(CASE WHEN covariance IS NULL
                                              THEN pg_catalog.array_fill(dispersion, ARRAY[periods])
                                              ELSE gridgov.glm_predict_variance(covariance, d.x) END))
            WITH ORDINALITY AS v(mu, a0, i)
    CROSS JOIN LATERAL (SELECT v.mu, v.i, CASE WHEN covariance IS NULL THEN dispersion
                                               ELSE LEAST(dispersion + v.a0, 10) END AS a) u
    CROSS JOIN LATERAL gridgov.nb_interval(u.mu, u.a, 0.80) i80
    CROSS JOIN LATERAL gridgov.nb_interval(u.mu, u.a, 0.95) i95
    ORDER BY u.i
$$;
COMMENT ON FUNCTION gridgov.forecast_predict(text, date, integer, double precision[], double precision, double precision[]) IS
    'Forecasts of a model for periods days or weeks from since: the expected count and the 80 % and 95 % intervals of a negative binomial with that mean (gridgov.nb_interval: tails nearest 10 % and 2.5 % each) and the period''s over-dispersion: the model''s, plus, given the coefficients'' covariance, the variance of the period''s log expected count (gridgov.glm_predict_variance; at most 10)';

CREATE FUNCTION gridgov.forecast_fit(area gridgov.gridcode, category_prefix text, grain text,
                                     as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS gridgov.forecast_fits
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    origin date;
    since date;
    counts double precision[];
    first_case integer;
    r gridgov.forecast_fits;
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    PERFORM gridgov.forecast_check_as_of(as_of);
    origin := gridgov.forecast_origin(grain, as_of);
    since := origin - gridgov.forecast_max_periods(grain) * CASE WHEN grain = 'week' THEN 7 ELSE 1 END;
    SELECT pg_catalog.array_agg(s.cases::double precision ORDER BY s.period_start) INTO counts
    FROM gridgov.forecast_series(area, category_prefix, grain, since, origin) s;
    first_case := (SELECT pg_catalog.min(i) FROM pg_catalog.unnest(counts) WITH ORDINALITY u(c, i) WHERE u.c > 0);
    IF first_case IS NULL
       OR pg_catalog.cardinality(counts) - first_case + 1 < gridgov.forecast_min_periods(grain) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('too little history for a %s forecast of %s x %s: %s periods since the first case where %s are needed',
                                        grain, area, category_prefix,
                                        COALESCE(pg_catalog.cardinality(counts) - first_case + 1, 0),
                                        gridgov.forecast_min_periods(grain));
    END IF;
    since := since + (first_case - 1) * CASE WHEN grain = 'week' THEN 7 ELSE 1 END;
    counts := counts[first_case:];
    r.area := area; r.category_prefix := category_prefix; r.grain := grain; r.fitted_at := as_of;
    r.data_from := since; r.data_to := origin; r.periods := pg_catalog.cardinality(counts);
    r.cases := (SELECT pg_catalog.sum(c)::bigint FROM pg_catalog.unnest(counts) c);
    r.regressors := gridgov.forecast_regressors(grain);
    SELECT f.coefficients, f.dispersion, f.deviance, f.iterations, f.mae, f.naive_mae, f.covariance
    INTO r.coefficients, r.dispersion, r.deviance, r.iterations, r.mae, r.naive_mae, r.covariance
    FROM gridgov.forecast_model(grain, since, counts) f;
    RETURN r;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_fit(gridgov.gridcode, text, text, timestamptz) IS
    'The forecast model of an area x category prefix x grain fitted now on the history before as_of''s period (at most three years, from the first period with a case), as a row of gridgov.forecast_fits (not stored). 22004 NULL, 22023 bad grain or as_of, 42704 unknown prefix, GG301 too little history';

CREATE FUNCTION gridgov.forecast_volume(area gridgov.gridcode, category_prefix text, grain text, horizon integer,
                                        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period_start date, expected double precision, lower_80 integer, upper_80 integer,
                   lower_95 integer, upper_95 integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    origin date;
    f gridgov.forecast_fits;
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    PERFORM gridgov.forecast_check_as_of(as_of);
    IF horizon IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'horizon of a forecast must not be NULL';
    END IF;
    IF horizon < 1 OR horizon > (CASE grain WHEN 'day' THEN 366 ELSE 104 END) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('horizon must be 1 to %s %ss, not %s',
                                        CASE grain WHEN 'day' THEN 366 ELSE 104 END, grain, horizon);
    END IF;
    origin := gridgov.forecast_origin(grain, as_of);
    -- The cached fit when current: the same regressors, its history ending
    -- at most a week before the origin (and not after it).
    SELECT x.* INTO f FROM gridgov.forecast_fits x
    WHERE x.area OPERATOR(gridgov.=) forecast_volume.area AND x.category_prefix = forecast_volume.category_prefix
      AND x.grain = forecast_volume.grain AND x.regressors = gridgov.forecast_regressors(forecast_volume.grain)
      AND x.data_to <= origin AND x.data_to > origin - 7;
    IF NOT FOUND THEN
        f := gridgov.forecast_fit(area, category_prefix, grain, as_of);
    END IF;
    RETURN QUERY SELECT p.period_start, p.expected, p.lower_80, p.upper_80, p.lower_95, p.upper_95
                 FROM gridgov.forecast_predict(grain, origin, horizon, f.coefficients, f.dispersion, f.covariance) p;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_volume(gridgov.gridcode, text, text, integer, timestamptz) IS
    'Volume forecast (docs/bi.md, Forecasts): cases the area (any level) will report in categories starting with category_prefix per day or ISO week (grain), for horizon periods from as_of''s day or week (local, analytics time zone): expected count and the 80 % and 95 % intervals. Uses the cached fit of gridgov.forecast_fits when its history ends within the week before, else fits on the fly (gridgov.forecast_fit). Counts only, as the owner. 22004 NULL, 22023 bad grain, horizon (1-366 days, 1-104 weeks) or as_of, 42704 unknown prefix, GG301 too little history';

-- The nightly refresh: every town x top category -------------------------------------

CREATE FUNCTION gridgov.forecast_refresh(as_of timestamptz DEFAULT pg_catalog.now(), top integer DEFAULT 10)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    g text;
    origin date;
    since date;
    step integer;
    n integer;
    x double precision[];
    counts double precision[];
    pair record;
    first_case integer;
    fit record;
    fitted integer := 0;
BEGIN
    PERFORM gridgov.forecast_check_as_of(as_of);
    IF top IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'top must not be NULL';
    END IF;
    IF top < 1 OR top > 100 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('top must be 1 to 100, not %s', top);
    END IF;
    FOREACH g IN ARRAY ARRAY['day', 'week'] LOOP
        origin := gridgov.forecast_origin(g, as_of);
        step := CASE g WHEN 'week' THEN 7 ELSE 1 END;
        n := gridgov.forecast_max_periods(g);
        since := origin - n * step;
        x := gridgov.forecast_design(g, since, n);
        -- One pass over the cases: counts per town x major category x period,
        -- for the top categories (by cases in the window) of each county.
        FOR pair IN
            WITH hits AS (
                SELECT s.county, s.town, pg_catalog.left(s.category, 3) AS prefix,
                       (s.reported_day - since) / step + 1 AS i, pg_catalog.count(*) AS k
                FROM gridgov.case_stats s
                WHERE s.reported_day >= since AND s.reported_day < origin AND s.source <> 'proactive'
                  AND gridgov.level(s.town) = 4
                GROUP BY 1, 2, 3, 4
            ), ranked AS (
                SELECT h.county, h.prefix,
                       pg_catalog.row_number() OVER (PARTITION BY h.county ORDER BY pg_catalog.sum(h.k) DESC, h.prefix) AS r
                FROM hits h GROUP BY h.county, h.prefix
            )
            SELECT h.town, h.prefix, pg_catalog.array_agg(h.i) AS idx, pg_catalog.array_agg(h.k) AS k
            FROM hits h
            JOIN ranked r ON r.county OPERATOR(gridgov.=) h.county AND r.prefix = h.prefix AND r.r <= top
            GROUP BY h.town, h.prefix
            ORDER BY h.town, h.prefix
        LOOP
            counts := pg_catalog.array_fill(0::double precision, ARRAY[n]);
            FOR j IN 1..pg_catalog.cardinality(pair.idx) LOOP
                counts[pair.idx[j]] := pair.k[j];
            END LOOP;
            first_case := (SELECT pg_catalog.min(i) FROM pg_catalog.unnest(pair.idx) i);
            CONTINUE WHEN n - first_case + 1 < gridgov.forecast_min_periods(g);
            fit := gridgov.forecast_fit_rows(g, counts, x, first_case, n);
            INSERT INTO gridgov.forecast_fits AS t (area, category_prefix, grain, fitted_at, data_from, data_to, periods,
                                                   cases, regressors, coefficients, dispersion, deviance, iterations,
                                                   mae, naive_mae, covariance)
            VALUES (pair.town, pair.prefix, g, as_of, since + (first_case - 1) * step, origin, n - first_case + 1,
                    (SELECT pg_catalog.sum(c)::bigint FROM pg_catalog.unnest(pair.k) c),
                    gridgov.forecast_regressors(g), fit.coefficients, fit.dispersion, fit.deviance, fit.iterations,
                    fit.mae, fit.naive_mae, fit.covariance)
            ON CONFLICT (area, category_prefix, grain) DO UPDATE
            SET fitted_at = EXCLUDED.fitted_at, data_from = EXCLUDED.data_from, data_to = EXCLUDED.data_to,
                periods = EXCLUDED.periods, cases = EXCLUDED.cases, regressors = EXCLUDED.regressors,
                coefficients = EXCLUDED.coefficients, dispersion = EXCLUDED.dispersion, deviance = EXCLUDED.deviance,
                iterations = EXCLUDED.iterations, mae = EXCLUDED.mae, naive_mae = EXCLUDED.naive_mae,
                covariance = EXCLUDED.covariance
            -- (a refresh of an earlier as_of does not replace a newer fit)
            WHERE t.data_to <= EXCLUDED.data_to;
            fitted := fitted + 1;
        END LOOP;
    END LOOP;
    RETURN fitted;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_refresh(timestamptz, integer) IS
    'Administration: fits and stores (gridgov.forecast_fits) the day and week models of every town x top category: the top major categories (3-character codes, by cases in the last three years) of each county, each town with at least forecast_min_periods of history; one pass over case_stats per grain. Run by gridgov.analytics_nightly(). Returns the fits written. 22004 NULL, 22023 as_of not finite or top outside 1-100';

-- The backtest ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_backtest(area gridgov.gridcode, category_prefix text, grain text,
                                          "from" date, "to" date, horizon integer DEFAULT NULL)
    RETURNS TABLE (origins integer, points integer, naive text, model_mase double precision,
                   naive_mase double precision, mase_ratio double precision, model_mape double precision,
                   naive_mape double precision, coverage_80 double precision, coverage_95 double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    step integer;
    m integer;
    h integer;
    lo_date date;
    hi_date date;
    total integer;
    counts double precision[];
    x double precision[];
    o integer;
    first_case integer;
    fit record;
    scale double precision;
    actual double precision[] := '{}';
    model double precision[] := '{}';
    dispersion double precision[] := '{}';
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    IF "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'from and to of a backtest must not be NULL';
    END IF;
    step := CASE grain WHEN 'week' THEN 7 ELSE 1 END;
    m := CASE grain WHEN 'week' THEN 52 ELSE 7 END;
    h := COALESCE(horizon, CASE grain WHEN 'week' THEN 4 ELSE 7 END);
    lo_date := CASE grain WHEN 'week' THEN pg_catalog.date_trunc('week', "from")::date ELSE "from" END;
    hi_date := CASE grain WHEN 'week' THEN pg_catalog.date_trunc('week', "to")::date ELSE "to" END;
    IF NOT (pg_catalog.isfinite("from") AND pg_catalog.isfinite("to")) OR "from" >= "to"
       OR hi_date - lo_date < h * step OR hi_date - lo_date > 3660 OR h < 1 OR h > m THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('a backtest needs from < to, at most 3,660 days apart and at least one horizon of %s %ss (1 to %s) between them',
                                        h, grain, m);
    END IF;
    -- Periods not yet over would count as no cases; and each origin is a fit.
    IF "to" > (pg_catalog.now() AT TIME ZONE gridgov.analytics_time_zone())::date + 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a backtest must end by today';
    END IF;
    IF (hi_date - lo_date) / (h * step) > 400 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('a backtest may have at most 400 origins, not %s: a longer horizon or a shorter range',
                                        (hi_date - lo_date) / (h * step));
    END IF;
    -- The history before the first origin (three years at most) and the test range.
    SELECT pg_catalog.array_agg(s.cases::double precision ORDER BY s.period_start) INTO counts
    FROM gridgov.forecast_series(area, category_prefix, grain,
                                 lo_date - gridgov.forecast_max_periods(grain) * step, hi_date) s;
    total := pg_catalog.cardinality(counts);
    o := gridgov.forecast_max_periods(grain) + 1;     -- index of the first origin
    first_case := (SELECT pg_catalog.min(i) FROM pg_catalog.unnest(counts) WITH ORDINALITY u(c, i) WHERE u.c > 0);
    IF first_case IS NULL OR o - first_case < gridgov.forecast_min_periods(grain) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG301',
            MESSAGE = pg_catalog.format('too little history before %s for a %s backtest: %s periods since the first case where %s are needed',
                                        lo_date, grain, GREATEST(COALESCE(o - first_case, 0), 0),
                                        gridgov.forecast_min_periods(grain));
    END IF;
    x := gridgov.forecast_design(grain, lo_date - gridgov.forecast_max_periods(grain) * step, total);
    scale := (SELECT pg_catalog.avg(pg_catalog.abs(counts[i] - counts[i - m]))
              FROM pg_catalog.generate_series(first_case + m, o - 1) i);
    WHILE o + h - 1 <= total LOOP
        fit := gridgov.forecast_fit_rows(grain, counts, x, GREATEST(first_case, o - gridgov.forecast_max_periods(grain)), o - 1);
        actual := actual || counts[o:o + h - 1];
        model := model || gridgov.glm_predict(fit.coefficients, x[o:o + h - 1][:]);
        dispersion := dispersion || (SELECT pg_catalog.array_agg(LEAST(fit.dispersion + v, 10) ORDER BY i)
                                     FROM pg_catalog.unnest(gridgov.glm_predict_variance(fit.covariance, x[o:o + h - 1][:]))
                                          WITH ORDINALITY AS w(v, i));
        o := o + h;
    END LOOP;
    RETURN QUERY
    WITH b AS (
        SELECT u.actual, u.model, counts[gridgov.forecast_max_periods(grain) + u.i - m]::double precision AS naive,
               u.actual BETWEEN i80.lower AND i80.upper AS in80, u.actual BETWEEN i95.lower AND i95.upper AS in95
        FROM ROWS FROM (pg_catalog.unnest(actual), pg_catalog.unnest(model), pg_catalog.unnest(dispersion))
             WITH ORDINALITY AS u(actual, model, a, i)
        CROSS JOIN LATERAL gridgov.nb_interval(u.model, u.a, 0.80) i80
        CROSS JOIN LATERAL gridgov.nb_interval(u.model, u.a, 0.95) i95
    )
    SELECT (pg_catalog.count(*) / h)::integer, pg_catalog.count(*)::integer,
           CASE grain WHEN 'week' THEN 'same ISO week a year (52 weeks) before' ELSE 'same weekday a week before' END,
           pg_catalog.avg(pg_catalog.abs(b.actual - b.model)) / NULLIF(scale, 0),
           pg_catalog.avg(pg_catalog.abs(b.actual - b.naive)) / NULLIF(scale, 0),
           pg_catalog.avg(pg_catalog.abs(b.actual - b.model)) / NULLIF(pg_catalog.avg(pg_catalog.abs(b.actual - b.naive)), 0),
           100 * pg_catalog.avg(pg_catalog.abs(b.actual - b.model) / b.actual) FILTER (WHERE b.actual > 0),
           100 * pg_catalog.avg(pg_catalog.abs(b.actual - b.naive) / b.actual) FILTER (WHERE b.actual > 0),
           pg_catalog.avg(b.in80::integer)::double precision, pg_catalog.avg(b.in95::integer)::double precision
    FROM b;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_backtest(gridgov.gridcode, text, text, date, date, integer) IS
    'Backtest of the volume forecast on rolling origins: from the first period of from (a day, or its ISO week), every horizon periods (default 7 days or 4 weeks) while the forecast ends before to, the model is fitted on the history before the origin (three years at most) and forecasts horizon periods; returns the origins and points scored, MASE of the model and of the seasonal-naive forecast (same weekday a week before for days, same week 52 weeks before for weeks; both scaled by the in-sample seasonal-naive MAE before from), their ratio, MAPE of both (periods with cases), and the share of actual counts within the 80 % and 95 % intervals. 22004 NULL, 22023 bad grain, from >= to, a range shorter than a horizon or longer than 3,660 days, a horizon outside 1 to 7 days or 52 weeks, 42704 unknown prefix, GG301 less than forecast_min_periods of history before from';

-- Alerts -----------------------------------------------------------------------------

CREATE FUNCTION gridgov.forecast_alerts(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS SETOF gridgov.hotspots
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    f record;
    h gridgov.hotspots;
    raised integer := 0;
BEGIN
    PERFORM gridgov.forecast_check_as_of(as_of);
    DELETE FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'forecast_exceeded';
    -- The last complete period of each current fit (days; weeks on Mondays),
    -- forecast from the fit's own history (which ends before it).
    FOR f IN
        SELECT x.*, p.period_start, p.period_end, c.cases AS actual, e.expected, e.lower_95, e.upper_95,
               e.period_dispersion
        FROM gridgov.forecast_fits x
        CROSS JOIN LATERAL (SELECT gridgov.forecast_origin(x.grain, as_of)
                                   - CASE x.grain WHEN 'week' THEN 7 ELSE 1 END AS period_start,
                                   gridgov.forecast_origin(x.grain, as_of) AS period_end) p
        CROSS JOIN LATERAL gridgov.forecast_predict(x.grain, x.data_to,
                                                    (p.period_start - x.data_to) / CASE x.grain WHEN 'week' THEN 7 ELSE 1 END + 1,
                                                    x.coefficients, x.dispersion, x.covariance) e
        CROSS JOIN LATERAL gridgov.forecast_series(x.area, x.category_prefix, x.grain, p.period_start, p.period_end) c
        WHERE x.regressors = gridgov.forecast_regressors(x.grain)
          AND x.data_to <= p.period_start AND x.data_to > p.period_start - 7
          AND e.period_start = p.period_start
          AND (c.cases > e.upper_95 OR c.cases < e.lower_95)
        ORDER BY x.area, x.category_prefix, x.grain
    LOOP
        IF raised = 0 AND NOT EXISTS (SELECT 1 FROM gridgov.hotspot_runs r WHERE r.detected_at = as_of) THEN
            INSERT INTO gridgov.hotspot_runs (detected_at, params, spikes, clusters, cases_opened)
            VALUES (as_of, pg_catalog.jsonb_build_object('forecast_alerts', true), 0, 0, 0);
        END IF;
        INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                      cases, baseline_cases, expected, score, threshold, geom)
        VALUES (gridgov.ancestor(f.area, 3), as_of, 'forecast_exceeded', f.category_prefix, NULL, ARRAY[f.area],
                (f.period_start::timestamp AT TIME ZONE gridgov.analytics_time_zone()),
                (f.period_end::timestamp AT TIME ZONE gridgov.analytics_time_zone()),
                f.actual, f.cases::integer, f.expected, gridgov.nb_score(f.actual, f.expected, f.period_dispersion),
                -pg_catalog.log(0.025),
                (SELECT g.geom FROM gridgov.grids g
                 WHERE g.code OPERATOR(gridgov.=) f.area AND g.valid_from <= as_of AND as_of < g.valid_to))
        RETURNING * INTO h;
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'forecast_exceeded', 'hotspot_id', h.id, 'county', h.county::text, 'area', f.area::text,
            'category', f.category_prefix, 'grain', f.grain, 'period_start', f.period_start, 'cases', f.actual,
            'expected', pg_catalog.round(f.expected::numeric, 1), 'lower_95', f.lower_95, 'upper_95', f.upper_95,
            'at', as_of)::text);
        raised := raised + 1;
        RETURN NEXT h;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_alerts(timestamptz) IS
    'Administration: forecast alerts (未诉先办): for each current fit of gridgov.forecast_fits (history ending within the week before), the last complete period before as_of (yesterday; for weeks the last ISO week) is compared with the fit''s forecast of it; a count outside the 95 % interval is stored as a hot spot of kind forecast_exceeded (county, area in grids, category = the prefix, cases, expected, baseline_cases = cases the fit learnt from, score = gridgov.nb_score, threshold -log10(0.025), the area''s outline) in the run of as_of (created when detect_hotspots made none) and sent on channel gridgov_events ({"type": "forecast_exceeded", ...}, docs/events.md). Replaces the forecast alerts of an earlier call with the same as_of and returns the new ones. 22004 NULL, 22023 as_of not finite';
-- ---------------------------------------------------------------------------
-- analytics: the nightly job and the analytics_calendar setting.
-- ---------------------------------------------------------------------------

-- Setting analytics_calendar (optional; cn when absent) must name a calendar;
-- adding, changing or removing it recomputes every case.
CREATE FUNCTION gridgov.settings_analytics_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('settings_analytics_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.key = 'analytics_calendar' AND NEW.value IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM gridgov.calendars c WHERE c.name = NEW.value) THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('setting analytics_calendar names an unknown calendar "%s"',
                                        pg_catalog.left(NEW.value, 63)),
            DETAIL = 'It must be the name of a row of gridgov.calendars, e.g. cn.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.settings_analytics_check() IS
    'Trigger: setting analytics_calendar must name a calendar (42704)';
CREATE TRIGGER settings_analytics_check BEFORE INSERT OR UPDATE ON gridgov.settings
    FOR EACH ROW EXECUTE FUNCTION gridgov.settings_analytics_check();

CREATE FUNCTION gridgov.settings_analytics_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    PERFORM gridgov.trigger_check('settings_analytics_changed', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'UPDATE' AND NOT (OLD.key = 'analytics_calendar' AND NEW.key = 'analytics_calendar'
                                 AND OLD.value IS NOT DISTINCT FROM NEW.value) THEN
        PERFORM gridgov.analytics_rebuild();
    ELSIF TG_OP <> 'UPDATE' THEN
        PERFORM gridgov.analytics_rebuild();
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.settings_analytics_changed() IS
    'Trigger: setting analytics_calendar added, changed or removed recomputes the analytics (gridgov.analytics_rebuild())';
CREATE TRIGGER settings_analytics_added AFTER INSERT ON gridgov.settings
    FOR EACH ROW WHEN (NEW.key = 'analytics_calendar')
    EXECUTE FUNCTION gridgov.settings_analytics_changed();
CREATE TRIGGER settings_analytics_changed AFTER UPDATE ON gridgov.settings
    FOR EACH ROW WHEN (NEW.key = 'analytics_calendar' OR OLD.key = 'analytics_calendar')
    EXECUTE FUNCTION gridgov.settings_analytics_changed();
CREATE TRIGGER settings_analytics_removed AFTER DELETE ON gridgov.settings
    FOR EACH ROW WHEN (OLD.key = 'analytics_calendar')
    EXECUTE FUNCTION gridgov.settings_analytics_changed();

CREATE FUNCTION gridgov.analytics_nightly(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    stale bigint[];
    drained integer;
    refreshed integer;
    compacted bigint;
    spots integer;
    alerts integer;
    fitted integer;
    failure text;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    -- 1. The cases of the history's new events, then those whose analytics
    --    are still missing or older than the case (written with the triggers
    --    bypassed, e.g. a bulk load as replica).
    drained := gridgov.analytics_refresh_pending();
    stale := ARRAY(SELECT c.id FROM gridgov.cases c
                   LEFT JOIN gridgov.case_stats s ON s.county OPERATOR(gridgov.=) c.county AND s.case_id = c.id
                   WHERE s.case_id IS NULL OR s.case_updated_at < c.updated_at
                   ORDER BY c.id);
    refreshed := gridgov.analytics_refresh(stale);
    -- 2. Fold the day's delta rows of the summaries.
    compacted := gridgov.analytics_compact();
    -- 3. Hot spots of the week before as_of, for the board (no cases opened).
    SELECT pg_catalog.count(*) INTO spots FROM gridgov.detect_hotspots(as_of);
    -- 4. Forecast alerts of the last complete day (and week, on Mondays) from
    --    the fits of the night before, in the same run; then the fits anew.
    -- A fit that cannot forecast (a row an admin damaged) must not stop the
    -- night: the alerts are skipped with a warning, and the refit replaces it.
    BEGIN
        SELECT pg_catalog.count(*) INTO alerts FROM gridgov.forecast_alerts(as_of);
    EXCEPTION WHEN data_exception OR invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS failure = MESSAGE_TEXT;
        RAISE WARNING 'gridgov: the forecast alerts of % were skipped: %', as_of, failure;
        alerts := NULL;
    END;
    fitted := gridgov.forecast_refresh(as_of);
    RETURN pg_catalog.jsonb_build_object('as_of', as_of, 'drained', drained, 'refreshed', refreshed, 'compacted', compacted,
                                         'hotspots', spots, 'forecast_alerts', alerts, 'forecasts_fitted', fitted);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_nightly(timestamptz) IS
    'Administration: The analytics'' nightly job (scheduled by gridgov.schedule_jobs()): refreshes the cases of the history''s new events (gridgov.analytics_refresh_pending) and those whose analytics are missing or stale, folds the summaries'' delta rows (gridgov.analytics_compact), stores the hot spots of the week before as_of (gridgov.detect_hotspots with its defaults), then the forecast alerts of the last complete day or week (gridgov.forecast_alerts, from the fits of the night before; skipped with a warning, forecast_alerts null, when a fit cannot forecast) and refits the forecasts of every town x top category (gridgov.forecast_refresh); returns what it did as JSON. 22004 for NULL';
-- ---------------------------------------------------------------------------
-- Health: what a server must have for gridgov to keep its promises
-- (docs/install.md, "The DBA's checklist"), checked in one call,
-- gridgov.health(): pg_cron and gridgov's jobs, the analytics' lag behind the
-- history, due clocks the sweep has not reached, the calendars' horizon, the
-- grid layer's coverage and unlocated cases, the roles, the search path.
-- Every row holds counts, times and the names of gridgov's own objects: never
-- a case's data.  pg_cron is read through dynamic SQL, so that the checks run
-- (and report it) where pg_cron is not installed.
-- ---------------------------------------------------------------------------

-- pg_cron and gridgov's jobs ---------------------------------------------------------

-- One job of gridgov.job_definitions(), as pg_cron has it in this database.
CREATE FUNCTION gridgov.health_job(job_name text, schedule text, command text, as_of timestamptz)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    j record;
    r record;
    period interval := CASE WHEN schedule = '* * * * *' THEN interval '1 minute'
                            WHEN schedule ~ '^[0-9]+ [0-9]+ \* \* \*$' THEN interval '1 day' END;
BEGIN
    item := 'job ' || job_name;
    EXECUTE 'SELECT pg_catalog.count(*) AS n, pg_catalog.min(j.jobid) AS jobid, pg_catalog.bool_and(j.active) AS active,
                    pg_catalog.bool_and(j.schedule = $2 AND j.command = $3) AS same
             FROM cron.job j WHERE j.jobname = $1 AND j.database = pg_catalog.current_database()'
        INTO j USING job_name, schedule, command;
    IF j.n = 0 THEN
        RETURN QUERY SELECT item, 'error', 'not scheduled in this database',
            'SELECT * FROM gridgov.schedule_jobs(); schedules gridgov''s jobs.';
        RETURN;
    ELSIF NOT j.active THEN
        RETURN QUERY SELECT item, 'error', 'scheduled but inactive',
            pg_catalog.format('SELECT cron.alter_job(%s, active => true); activates it.', j.jobid);
        RETURN;
    ELSIF j.n > 1 OR NOT j.same THEN
        RETURN QUERY SELECT item, 'warning',
            pg_catalog.format('scheduled %s time(s), not as gridgov.job_definitions() has it (%s: %s)', j.n, schedule, command),
            'SELECT * FROM gridgov.schedule_jobs(); schedules it as defined (remove the other copies with cron.unschedule(jobid)).';
        RETURN;
    END IF;
    EXECUTE 'SELECT d.runid, d.status, d.start_time FROM cron.job_run_details d
             WHERE d.jobid = $1 AND d.start_time <= $2 ORDER BY d.runid DESC LIMIT 1'
        INTO r USING j.jobid, as_of;
    IF r.runid IS NULL THEN
        RETURN QUERY SELECT item, 'warning', pg_catalog.format('scheduled (%s), no run recorded yet', schedule),
            'A job just scheduled runs at its next time; pg_cron records runs in cron.job_run_details while cron.log_run is on.';
    ELSIF r.status = 'failed' THEN
        RETURN QUERY SELECT item, 'error', pg_catalog.format('the last run (run %s, started %s) failed', r.runid, pg_catalog.date_trunc('second', r.start_time)),
            pg_catalog.format('SELECT return_message FROM cron.job_run_details WHERE runid = %s; tells why.', r.runid);
    ELSIF period IS NOT NULL AND r.start_time < as_of - (3 * period + interval '2 minutes') THEN
        RETURN QUERY SELECT item, CASE WHEN r.status = 'succeeded' THEN 'error' ELSE 'warning' END,
            pg_catalog.format('the last run (run %s, %s) started %s before as_of; the job runs %s', r.runid, r.status,
                              pg_catalog.date_trunc('second', as_of - r.start_time),
                              CASE WHEN period = interval '1 minute' THEN 'every minute' ELSE 'daily' END),
            'pg_cron has not started it since: is the pg_cron launcher running (pg_stat_activity), and does a run last long?';
    ELSE
        RETURN QUERY SELECT item, 'ok', pg_catalog.format('the last run (run %s, started %s) %s', r.runid, pg_catalog.date_trunc('second', r.start_time), r.status),
            NULL::text;
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.health_job(text, text, text, timestamptz) IS
    'Internal: the health check of one of gridgov''s pg_cron jobs (gridgov.health): scheduled in this database as gridgov.job_definitions() has it, active, its last run started at or before as_of succeeded and is recent for its schedule (at most three periods and two minutes old). Needs pg_cron installed in this database';

CREATE FUNCTION gridgov.health_jobs(as_of timestamptz)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    here text := pg_catalog.current_database();
    crondb text := pg_catalog.current_setting('cron.database_name', true);
    setup text := 'Load pg_cron (shared_preload_libraries = ''pg_cron'', cron.database_name = '
                  || pg_catalog.quote_literal(pg_catalog.current_database())
                  || ', a restart), then CREATE EXTENSION pg_cron; SELECT * FROM gridgov.schedule_jobs();';
BEGIN
    item := 'pg_cron';
    IF crondb IS NULL THEN
        RETURN QUERY SELECT item, 'warning', 'pg_cron is not loaded: gridgov''s jobs cannot be checked here',
            setup || ' Or have another scheduler run the commands of gridgov.job_definitions(): the sweep and analytics checks show whether they run.';
        RETURN;
    ELSIF crondb <> here THEN
        RETURN QUERY SELECT item, 'warning',
            pg_catalog.format('pg_cron serves database %s: the jobs of this database cannot be checked here', crondb),
            pg_catalog.format('In %s: SELECT jobname, active FROM cron.job WHERE database = %L; or set cron.database_name = %L.',
                              crondb, here, here);
        RETURN;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RETURN QUERY SELECT item, 'error', 'pg_cron is loaded for this database but not installed in it',
            'CREATE EXTENSION pg_cron; SELECT * FROM gridgov.schedule_jobs();';
        RETURN;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE backend_type = 'pg_cron launcher') THEN
        RETURN QUERY SELECT item, 'error', 'the pg_cron launcher is not running: no job runs',
            'The server log says why it stopped (it stops for good when its database is dropped); a restart of the server starts it again.';
    ELSIF pg_catalog.current_setting('cron.log_run', true) IS DISTINCT FROM 'on' THEN
        RETURN QUERY SELECT item, 'warning', 'cron.log_run is off: the runs of the jobs are not recorded',
            'Set cron.log_run = on (postgresql.conf) so that failed runs show here.';
    ELSE
        RETURN QUERY SELECT item, 'ok', 'pg_cron is loaded, installed in this database and its launcher runs', NULL::text;
    END IF;
    RETURN QUERY SELECT h.* FROM gridgov.job_definitions() d
        CROSS JOIN LATERAL gridgov.health_job(d.job_name, d.schedule, d.command, as_of) h;
END
$$;
COMMENT ON FUNCTION gridgov.health_jobs(timestamptz) IS
    'Internal: the health checks of pg_cron (loaded, serving this database, installed, its launcher running, cron.log_run) and, when it serves this database, of each job of gridgov.job_definitions() (gridgov.health_job)';

-- Calendars: how far ahead their exceptions are known ---------------------------------

CREATE FUNCTION gridgov.health_calendars(as_of timestamptz, within_days integer DEFAULT 60)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 'calendar ' || c.name,
           CASE WHEN h.horizon IS NULL THEN 'ok'
                WHEN h.horizon < h.today THEN 'error'
                WHEN h.horizon < h.today + health_calendars.within_days THEN 'warning'
                ELSE 'ok' END,
           CASE WHEN h.horizon IS NULL THEN 'used by an active SLA policy; no horizon: its weekly periods are the whole truth'
                ELSE pg_catalog.format('used by an active SLA policy; its holidays are known up to %s (its horizon)%s',
                                       h.horizon, CASE WHEN h.horizon < h.today + health_calendars.within_days
                                                       THEN ': deadlines after it follow the weekly periods only' ELSE '' END) END,
           CASE WHEN h.horizon < h.today + health_calendars.within_days
                THEN pg_catalog.format('Load the next year''s holidays (docs/calendars.md, The horizon): SELECT * FROM gridgov.load_calendar_year(%L, data);', c.name) END
    FROM gridgov.calendars c
    CROSS JOIN LATERAL (
        SELECT gridgov.calendar_horizon(c.name) AS horizon,
               (health_calendars.as_of AT TIME ZONE c.time_zone)::date AS today) h
    WHERE EXISTS (SELECT 1 FROM gridgov.sla_policies p WHERE p.calendar_id = c.id AND p.active)
    ORDER BY c.name;
END;
COMMENT ON FUNCTION gridgov.health_calendars(timestamptz, integer) IS
    'Internal: the health check of each calendar an active SLA policy counts on: error when its horizon (gridgov.calendar_horizon) lies before the local day of as_of, warning when within within_days days (default 60); a calendar without a horizon has only its weekly periods';

-- The work of the jobs: sweep and analytics; the grid layer -------------------------

CREATE FUNCTION gridgov.health_work(as_of timestamptz)
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n bigint;
    q record;
BEGIN
    -- Due clocks and whistle report-ins the sweep has not reached (its own rule: sla_due_cases).
    SELECT pg_catalog.count(*) INTO n FROM gridgov.sla_due_cases(as_of - interval '5 minutes');
    RETURN QUERY SELECT 'sla sweep'::text, CASE WHEN n = 0 THEN 'ok' ELSE 'error' END,
        pg_catalog.format('%s case(s) with a clock or report-in due more than 5 minutes before as_of and not swept', n),
        CASE WHEN n > 0 THEN 'The gridgov-sla-sweep job sweeps every minute (see its check); CALL gridgov.sla_sweep_run(); sweeps now.' END;
    -- The history's events the analytics have not taken in (the outbox, docs/bi.md).
    SELECT pg_catalog.count(*) AS events, pg_catalog.count(DISTINCT e.case_id) AS cases, pg_catalog.min(e.at) AS oldest
    INTO q FROM gridgov.case_events e WHERE e.txid >= (SELECT w.below FROM gridgov.analytics_watermark w);
    RETURN QUERY SELECT 'analytics'::text,
        CASE WHEN NOT EXISTS (SELECT 1 FROM gridgov.analytics_watermark) THEN 'warning'
             WHEN q.oldest < as_of - interval '10 minutes' THEN 'error' ELSE 'ok' END,
        CASE WHEN NOT EXISTS (SELECT 1 FROM gridgov.analytics_watermark) THEN 'no watermark: the next run takes in the whole history'
             WHEN q.events = 0 THEN 'every event of the history is taken in'
             ELSE pg_catalog.format('%s event(s) of %s case(s) wait to be taken in; the oldest happened %s before as_of',
                                    q.events, q.cases, pg_catalog.date_trunc('second', as_of - q.oldest)) END,
        CASE WHEN q.oldest < as_of - interval '10 minutes'
             THEN 'The gridgov-analytics job takes them in every minute (see its check) unless a transaction left open holds them back (pg_stat_activity, backend_xid); SELECT gridgov.analytics_refresh_pending(); takes them in now.' END;
    -- The grid layer valid at as_of (its own rule: coverage_issues).
    SELECT pg_catalog.count(*) INTO n FROM gridgov.coverage_issues(NULL, as_of);
    RETURN QUERY SELECT 'coverage'::text, CASE WHEN n = 0 THEN 'ok' ELSE 'warning' END,
        pg_catalog.format('%s problem(s) in the grid layer valid at as_of (gaps, overlaps, grids outside their parents)', n),
        CASE WHEN n > 0 THEN 'SELECT problem, code, other_code, area_m2 FROM gridgov.coverage_issues(); lists them (docs/grids.md).' END;
    SELECT pg_catalog.count(*) FILTER (WHERE c.grid IS NULL) AS unlocated, pg_catalog.count(*) AS reported INTO q
    FROM gridgov.cases c WHERE c.reported_at > as_of - interval '1 day' AND c.reported_at <= as_of;
    RETURN QUERY SELECT 'unlocated cases'::text, CASE WHEN q.unlocated = 0 THEN 'ok' ELSE 'warning' END,
        pg_catalog.format('%s of the %s case(s) reported in the day before as_of have no grid', q.unlocated, q.reported),
        CASE WHEN q.unlocated > 0 THEN 'Their points lie outside the grid layer or they came without one: check the layer''s outline (coverage) and the coordinate system each source sends.' END;
END
$$;
COMMENT ON FUNCTION gridgov.health_work(timestamptz) IS
    'Internal: the health checks of the work the jobs do and the grid layer: cases with something due more than 5 minutes before as_of that the sweep has not reached (error), history events the analytics have not taken in whose oldest happened more than 10 minutes before as_of (error), coverage problems of the grid layer valid at as_of and cases of the day before as_of without a grid (warnings)';

-- The set-up: version, home county, roles, search path -------------------------------

CREATE FUNCTION gridgov.health_setup(caller_schemas name[])
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    installed text;
    available text;
    missing text;
    granted boolean := false;
BEGIN
    SELECT e.installed_version, e.default_version INTO installed, available
    FROM pg_catalog.pg_available_extensions e WHERE e.name = 'gridgov';
    RETURN QUERY SELECT 'extension'::text, CASE WHEN installed = available THEN 'ok' ELSE 'warning' END,
        pg_catalog.format('gridgov %s installed, %s available', installed, available),
        CASE WHEN installed <> available THEN 'ALTER EXTENSION gridgov UPDATE; then SELECT * FROM gridgov.setup_roles(); (docs/install.md, Upgrades).' END;
    RETURN QUERY SELECT 'home county'::text, CASE WHEN gridgov.home_county() IS NULL THEN 'warning' ELSE 'ok' END,
        CASE WHEN gridgov.home_county() IS NULL THEN 'not set: unlocated cases belong to no county'
             ELSE 'set to ' || gridgov.home_county()::text END,
        CASE WHEN gridgov.home_county() IS NULL THEN 'UPDATE gridgov.settings SET value = ''110115'' WHERE key = ''home_county''; with your district''s code.' END;
    SELECT pg_catalog.string_agg(r, ', ' ORDER BY r) INTO missing
    FROM pg_catalog.unnest(ARRAY['gridgov_admin', 'gridgov_analyst', 'gridgov_auditor', 'gridgov_department',
                                 'gridgov_dispatcher', 'gridgov_leader', 'gridgov_worker']) r
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r);
    -- setup_roles() grants every administration function but itself to the
    -- admin role (docs/security.md); one it lacks is newer than the last run.
    -- (A role that does not exist has no privileges to ask about.)
    IF missing IS NULL THEN
        granted := NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
              AND pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Administration:%'
              AND p.oid <> 'gridgov.setup_roles()'::pg_catalog.regprocedure
              AND NOT pg_catalog.has_function_privilege('gridgov_admin', p.oid, 'EXECUTE'));
    END IF;
    RETURN QUERY SELECT 'roles'::text, CASE WHEN granted THEN 'ok' ELSE 'warning' END,
        CASE WHEN missing IS NOT NULL THEN 'missing group roles: ' || missing
             WHEN NOT granted THEN 'gridgov_admin lacks EXECUTE on administration functions: setup_roles() has not run since they came'
             ELSE 'the group roles exist; gridgov_admin may execute every administration function' END,
        CASE WHEN NOT granted
             THEN 'SELECT * FROM gridgov.setup_roles(); creates them and grants their privileges (docs/security.md).' END;
    RETURN QUERY SELECT 'search_path'::text, CASE WHEN 'gridgov' = ANY (caller_schemas) THEN 'ok' ELSE 'warning' END,
        CASE WHEN 'gridgov' = ANY (caller_schemas) THEN 'this session''s search_path has gridgov (its operators resolve)'
             ELSE 'this session''s search_path lacks gridgov: WHERE grid = ''110115004001'' finds no operator' END,
        CASE WHEN NOT 'gridgov' = ANY (caller_schemas)
             THEN pg_catalog.format('ALTER DATABASE %I SET search_path = "$user", public, gridgov; (new sessions)', pg_catalog.current_database()) END;
END
$$;
COMMENT ON FUNCTION gridgov.health_setup(name[]) IS
    'Internal: the health checks of the set-up (gridgov.health): the installed version against the available one, the home county setting, the group roles of gridgov.setup_roles() (missing, or gridgov_admin without EXECUTE on an administration function: not run since the last update), and gridgov on the caller''s search path (caller_schemas: current_schemas(false) of the caller)';

-- The report ------------------------------------------------------------------------

CREATE FUNCTION gridgov.health_report(as_of timestamptz, caller_schemas name[])
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    RETURN QUERY SELECT * FROM gridgov.health_setup(caller_schemas);
    RETURN QUERY SELECT * FROM gridgov.health_jobs(as_of);
    RETURN QUERY SELECT * FROM gridgov.health_work(as_of);
    RETURN QUERY SELECT * FROM gridgov.health_calendars(as_of, 60);
END
$$;
COMMENT ON FUNCTION gridgov.health_report(timestamptz, name[]) IS
    'Internal: the rows of gridgov.health(), as the owner (pg_cron shows each role only its own jobs and runs): set-up, pg_cron and the jobs, the work of the jobs and the grid layer, the calendars. 22004 for a NULL as_of';

CREATE FUNCTION gridgov.health(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (item text, status text, detail text, hint text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT h.item, h.status, h.detail, h.hint
    FROM gridgov.health_report(health.as_of, pg_catalog.current_schemas(false)) h;
END;
COMMENT ON FUNCTION gridgov.health(timestamptz) IS
    'Administration: what this server and database lack for gridgov, one row per check (item, status ok/warning/error, detail, hint): the installed version, the home county, the group roles, gridgov on the search path, pg_cron and each scheduled job (scheduled, active, last run succeeded and recent), cases the sweep has not reached, the analytics'' lag behind the history, coverage problems and unlocated cases, the horizon of the calendars in use, all as of as_of (default now). Counts and times only; works without pg_cron. docs/install.md';
-- ---------------------------------------------------------------------------
-- The per-backend caches (src/core/cache.c): each cache of the C code is
-- registered with the tables it is built from, and every table whose rows a
-- cache reads gets one statement trigger, gridgov.invalidate_caches(), that
-- drops the caches built from it in every session.  The list of those tables
-- is the registry's (gridgov.cache_watched_tables()), so the triggers are
-- created from it here, once every table exists.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.cache_watched_tables()
    RETURNS TABLE (table_name text, caches text[])
    AS 'MODULE_PATHNAME', 'gridgov_cache_watched_tables' LANGUAGE C STABLE PARALLEL SAFE ROWS 16;
COMMENT ON FUNCTION gridgov.cache_watched_tables() IS
    'The tables (in schema gridgov) whose rows gridgov''s per-backend caches read, and the caches that read each; every one has the statement trigger <table>_invalidate (gridgov.invalidate_caches()); compiled into the module, listed when the table exists';

CREATE FUNCTION gridgov.cache_stats()
    RETURNS TABLE (cache text, tables text[], definitions text[], functions boolean,
                   invalidations bigint, current boolean)
    AS 'MODULE_PATHNAME', 'gridgov_cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 8;
COMMENT ON FUNCTION gridgov.cache_stats() IS
    'This backend''s caches, after reading pending invalidations: what each holds, the tables whose rows it reads, the tables whose definition it depends on, whether it holds function lookups (dropped when pg_proc changes), how many invalidations of it this backend has seen, and whether it is built and current';

CREATE FUNCTION gridgov.invalidate_caches() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_invalidate_caches' LANGUAGE C;
COMMENT ON FUNCTION gridgov.invalidate_caches() IS
    'Trigger (AFTER ... FOR EACH STATEMENT on each table of gridgov.cache_watched_tables()): sends a relcache invalidation for the watched table it is registered on (never for the relation it fires on), so that every session drops the caches built from it: this one at its next command, the others when the change commits';

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT w.table_name FROM gridgov.cache_watched_tables() w ORDER BY 1 LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_caches()',
            t || '_invalidate', t);
    END LOOP;
END
$$;
-- ---------------------------------------------------------------------------
-- Scale-out on Citus (docs/scaling.md): the layout of gridgov's tables on a
-- cluster, and gridgov.distribute(), the one call that applies it on a Citus
-- coordinator.  Nothing here needs Citus to be installed: the functions look
-- for it when they run.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.citus_layout()
    RETURNS TABLE (table_name text, kind text, step integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 46
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.t, l.k, l.n::integer
    FROM ROWS FROM (pg_catalog.unnest(ARRAY[
            -- configuration: copied to every node (referenced before referring)
            'grid_revisions', 'grids', 'departments', 'staff', 'grid_staff',
            'workflows', 'workflow_states', 'transitions', 'categories', 'components',
            'routing_rules', 'settings', 'calendars', 'calendar_periods',
            'calendar_exceptions', 'sla_policies', 'escalation_ladder', 'score_weights',
            'history_seals', 'analytics_watermark', 'place_names', 'text_models',
            -- per case, by county, co-located with cases
            'cases', 'case_events', 'case_clocks', 'escalations', 'whistles',
            'whistle_calls', 'history_seal_heads', 'case_stats', 'stats_month',
            'stats_month_hist', 'stats_month_category', 'case_requests', 'case_meetings',
            -- the history import's staging, the inbox, the analytics' node
            -- watermarks, the hot spots and the forecasts' fits (written and read by the coordinator's
            -- nightly job and views): on the coordinator only
            'import_cases', 'import_steps', 'import_rejects', 'case_inbox', 'analytics_node_watermarks',
            'hotspot_runs', 'hotspots', 'forecast_fits',
            -- the gateway's keys and the transfer's endpoints, outbox and
            -- inbound updates: on the coordinator, where the gateway connects
            'api_keys', 'transfer_endpoints', 'transfer_outbox', 'transfer_inbound']),
        pg_catalog.unnest(ARRAY[
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'distributed', 'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'local', 'local', 'local', 'local', 'local', 'local', 'local',
            'local', 'local', 'local', 'local', 'local']))
        WITH ORDINALITY AS l(t, k, n)
$$;
COMMENT ON FUNCTION gridgov.citus_layout() IS
    'Where each table of gridgov lives on a Citus cluster, in the order gridgov.distribute() converts them: reference (configuration, copied to every node), distributed (per-case rows, by county, co-located with cases) or local (on the coordinator: the history import''s staging, the case inbox, the analytics'' node watermarks, the hot spots, the forecasts'' fits, the gateway''s keys and the transfer''s tables); docs/scaling.md';

CREATE FUNCTION gridgov.citus_node_group() RETURNS integer
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g);
END
$$;
COMMENT ON FUNCTION gridgov.citus_node_group() IS
    'Internal: this node''s Citus group (0 on the coordinator), or NULL without Citus';

-- Each node draws the ids of the rows it inserts (whistles written by the
-- workflow on a worker, cases taken in there) from its own range: group g
-- starts at g * 2^48 + 1, the coordinator (group 0) where a single server
-- does.  Citus refuses ALTER SEQUENCE on a sequence of a distributed table,
-- so the range is where setval() moves the sequence (2^48 ids a node).  Run
-- on every node by gridgov.distribute().
CREATE FUNCTION gridgov.citus_id_ranges() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bigint := gridgov.citus_node_group();
    s text;
    n integer := 0;
BEGIN
    IF g IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.citus_id_ranges() runs only on a node of a Citus cluster';
    END IF;
    FOREACH s IN ARRAY ARRAY['cases_id_seq', 'whistles_id_seq'] LOOP
        IF g > 0 AND COALESCE(pg_catalog.pg_sequence_last_value(
                                  pg_catalog.format('gridgov.%I', s)::pg_catalog.regclass), 0)
                     < g * 281474976710656 THEN
            PERFORM pg_catalog.setval(pg_catalog.format('gridgov.%I', s)::pg_catalog.regclass,
                                      g * 281474976710656, true);
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.citus_id_ranges() IS
    'Administration: on a node of a Citus cluster, gives this node''s case and whistle ids their own range (group g: from g * 2^48 + 1; the coordinator keeps the single-server range), so that ids are unique across the cluster; run on every worker by gridgov.distribute(); returns how many sequences it moved';

-- Intake without the county ---------------------------------------------------
--
-- On a Citus cluster the county routes a row before any trigger runs, so a
-- client names it: gridgov.case_county() computes it as intake does, and
-- gridgov.case_inbox takes rows without it (INSERT or COPY, on one server or
-- a coordinator) and files them into gridgov.cases at the end of the
-- statement, in one INSERT ... SELECT.

CREATE FUNCTION gridgov.case_county(location geometry, coord_system text DEFAULT 'wgs84',
                                    grid gridgov.gridcode DEFAULT NULL, reported_at timestamptz DEFAULT NULL)
    RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_case_county' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_county(geometry, text, gridgov.gridcode, timestamptz) IS
    'The county intake gives a case of this location (in coord_system; NULL: none), grid (NULL: located) and report time (NULL: now): of its grid, else the home county (GG107 when none). What a client names as county on a Citus cluster, where the county routes the row';

CREATE TABLE gridgov.case_inbox (
    county          gridgov.gridcode,
    source          gridgov.case_source NOT NULL,
    external_id     text,
    category        text COLLATE pg_catalog."C",
    urgency         gridgov.urgency,
    title           text NOT NULL,
    description     text,
    location        geometry(Point),
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text,
    reporter_name   text,
    reporter_phone  text,
    objcode         text,
    grid            gridgov.gridcode,
    reported_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    txid            bigint NOT NULL DEFAULT (pg_catalog.pg_current_xact_id()::text)::bigint
);
COMMENT ON TABLE gridgov.case_inbox IS
    'Intake without the county: rows inserted or copied here (the columns a client gives at intake; county optional) are filed into gridgov.cases at the end of the statement, with the county of gridgov.case_county(), and removed; never holds a row after its statement. For COPY on a Citus coordinator (docs/scaling.md); RETURNING here gives no case id';
COMMENT ON COLUMN gridgov.case_inbox.county IS 'County of the case, or NULL: computed as intake does (gridgov.case_county())';
COMMENT ON COLUMN gridgov.case_inbox.source IS 'As gridgov.cases.source';
COMMENT ON COLUMN gridgov.case_inbox.external_id IS 'As gridgov.cases.external_id';
COMMENT ON COLUMN gridgov.case_inbox.category IS 'As gridgov.cases.category';
COMMENT ON COLUMN gridgov.case_inbox.urgency IS 'As gridgov.cases.urgency (NULL: the category''s default)';
COMMENT ON COLUMN gridgov.case_inbox.title IS 'As gridgov.cases.title';
COMMENT ON COLUMN gridgov.case_inbox.description IS 'As gridgov.cases.description';
COMMENT ON COLUMN gridgov.case_inbox.location IS 'As gridgov.cases.location, in coord_system';
COMMENT ON COLUMN gridgov.case_inbox.coord_system IS 'As gridgov.cases.coord_system';
COMMENT ON COLUMN gridgov.case_inbox.address IS 'As gridgov.cases.address';
COMMENT ON COLUMN gridgov.case_inbox.reporter_name IS 'As gridgov.cases.reporter_name';
COMMENT ON COLUMN gridgov.case_inbox.reporter_phone IS 'As gridgov.cases.reporter_phone';
COMMENT ON COLUMN gridgov.case_inbox.objcode IS 'As gridgov.cases.objcode';
COMMENT ON COLUMN gridgov.case_inbox.grid IS 'As gridgov.cases.grid (NULL: located)';
COMMENT ON COLUMN gridgov.case_inbox.reported_at IS 'As gridgov.cases.reported_at';
COMMENT ON COLUMN gridgov.case_inbox.txid IS 'The transaction that inserted the row: the statement trigger files and removes the rows of its own transaction';
-- Only the inserting transaction's rows, which it files before it ends.
ALTER TABLE gridgov.case_inbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_inbox_own ON gridgov.case_inbox
    USING (txid = (pg_catalog.pg_current_xact_id()::text)::bigint)
    WITH CHECK (txid = (pg_catalog.pg_current_xact_id()::text)::bigint);

-- Runs as the inserting role: gridgov.cases' privileges and policies apply to
-- the filing as to an INSERT there.
CREATE FUNCTION gridgov.case_inbox_file() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me bigint;
BEGIN
    PERFORM gridgov.trigger_check('case_inbox_file', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    me := (pg_catalog.pg_current_xact_id()::text)::bigint;
    INSERT INTO gridgov.cases (county, source, external_id, category, urgency, title, description, location,
                               coord_system, address, reporter_name, reporter_phone, objcode, grid, reported_at)
    SELECT COALESCE(i.county, gridgov.case_county(i.location, i.coord_system, i.grid, i.reported_at)),
           i.source, i.external_id, i.category, i.urgency, i.title, i.description, i.location,
           i.coord_system, i.address, i.reporter_name, i.reporter_phone, i.objcode, i.grid, i.reported_at
    FROM gridgov.case_inbox i WHERE i.txid = me;
    DELETE FROM gridgov.case_inbox i WHERE i.txid = me;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.case_inbox_file() IS
    'Trigger (AFTER INSERT FOR EACH STATEMENT on gridgov.case_inbox): files the transaction''s rows of the inbox into gridgov.cases, as the inserting role, and removes them';
CREATE TRIGGER case_inbox_file AFTER INSERT ON gridgov.case_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_inbox_file();

-- The analytics' outbox on a cluster -----------------------------------------
--
-- case_events.txid is the id of the transaction that wrote the event, and a
-- shard's events are written by its worker under the worker's own ids; so
-- the watermark and the horizon (the oldest transaction still running) are
-- kept per node: each worker reads its own shards up to its own horizon, the
-- coordinator refreshes the cases they name and moves each node's watermark.

CREATE TABLE gridgov.analytics_node_watermarks (
    groupid integer PRIMARY KEY,
    below   bigint NOT NULL
);
COMMENT ON TABLE gridgov.analytics_node_watermarks IS
    'On a Citus cluster, how far the analytics have read each worker''s history: the events of that node''s transactions with an id below this one are taken in (gridgov.analytics_refresh_pending()); a node without a row is read from its first event. Derived; not dumped';
COMMENT ON COLUMN gridgov.analytics_node_watermarks.groupid IS 'The worker''s Citus group (pg_dist_node.groupid)';
COMMENT ON COLUMN gridgov.analytics_node_watermarks.below IS 'Transaction id of that node up to which (exclusive) its events are taken in';

CREATE FUNCTION gridgov.analytics_pending_here(belows jsonb, max_entries integer)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g integer := gridgov.citus_node_group();
    below bigint;
    horizon bigint;
    shard text;
    txids bigint[] := '{}';
    found_txids bigint[];
    pairs jsonb := '[]';
    found jsonb;
BEGIN
    IF g IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.analytics_pending_here() runs only on a node of a Citus cluster';
    END IF;
    below := COALESCE((belows ->> g::text)::bigint, 0);
    horizon := (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
    IF max_entries IS NOT NULL THEN
        -- The transactions of the node's first max_entries new events, whole.
        FOR shard IN SELECT 'case_events_' || s.shardid FROM pg_catalog.pg_dist_shard s
                     JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid
                     WHERE s.logicalrelid = 'gridgov.case_events'::pg_catalog.regclass AND p.groupid = g LOOP
            EXECUTE pg_catalog.format('SELECT ARRAY(SELECT e.txid FROM gridgov.%I e WHERE e.txid >= $1 AND e.txid < $2 '
                                      'ORDER BY e.txid LIMIT $3)', shard)
                INTO found_txids USING below, horizon, max_entries;
            txids := txids || found_txids;
        END LOOP;
        horizon := COALESCE((SELECT pg_catalog.max(t) + 1
                             FROM (SELECT t FROM pg_catalog.unnest(txids) t ORDER BY t LIMIT max_entries) x), horizon);
    END IF;
    FOR shard IN SELECT 'case_events_' || s.shardid FROM pg_catalog.pg_dist_shard s
                 JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid
                 WHERE s.logicalrelid = 'gridgov.case_events'::pg_catalog.regclass AND p.groupid = g LOOP
        EXECUTE pg_catalog.format('SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT e.case_id), ''[]'') FROM gridgov.%I e '
                                  'WHERE e.txid >= $1 AND e.txid < $2', shard)
            INTO found USING below, horizon;
        pairs := pairs || found;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('group', g, 'horizon', horizon, 'cases', pairs);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_pending_here(jsonb, integer) IS
    'Internal: on a worker, the cases of its own shards whose history has new events (of its transactions from the node''s watermark in belows, {"group": below}, to its oldest running transaction; at most max_entries events and the rest of their last transaction), with that horizon: {"group", "horizon", "cases"}; run by gridgov.analytics_refresh_pending() on the coordinator';

CREATE FUNCTION gridgov.analytics_refresh_nodes(max_entries integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    belows jsonb;
    r record;
    res jsonb;
    ids bigint[] := '{}';
BEGIN
    IF gridgov.citus_node_group() IS DISTINCT FROM 0 THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.analytics_refresh_nodes() runs only on a Citus coordinator';
    END IF;
    SELECT COALESCE(pg_catalog.jsonb_object_agg(w.groupid::text, w.below), '{}') INTO belows
    FROM gridgov.analytics_node_watermarks w;
    FOR r IN SELECT * FROM pg_catalog.run_command_on_workers(
                 pg_catalog.format('SELECT gridgov.analytics_pending_here(%L, %L)', belows, max_entries)) LOOP
        IF NOT r.success THEN
            RAISE EXCEPTION USING ERRCODE = '58000',
                MESSAGE = pg_catalog.format('worker %s:%s could not read its history: %s', r.nodename, r.nodeport, r.result);
        END IF;
        res := r.result::jsonb;
        ids := ids || ARRAY(SELECT x::bigint FROM pg_catalog.jsonb_array_elements_text(res -> 'cases') x);
        INSERT INTO gridgov.analytics_node_watermarks (groupid, below)
        VALUES ((res ->> 'group')::integer, (res ->> 'horizon')::bigint)
        ON CONFLICT (groupid) DO UPDATE SET below = EXCLUDED.below;
    END LOOP;
    ids := ARRAY(SELECT DISTINCT i FROM pg_catalog.unnest(ids) i ORDER BY 1);
    IF pg_catalog.cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM gridgov.analytics_refresh(ids);
    RETURN pg_catalog.cardinality(ids);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_refresh_nodes(integer) IS
    'Internal: gridgov.analytics_refresh_pending() on a Citus coordinator: each worker reports the cases of its shards with new events up to its own horizon (gridgov.analytics_pending_here()), their analytics are refreshed, and each node''s watermark moves (gridgov.analytics_node_watermarks)';

-- A command on every worker (Citus's run_command_on_workers()), each in its
-- own transaction there; an error naming the node when one fails.
CREATE FUNCTION gridgov.citus_on_workers(command text) RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    w record;
BEGIN
    FOR w IN SELECT * FROM pg_catalog.run_command_on_workers(command) r WHERE NOT r.success LOOP
        RAISE EXCEPTION USING ERRCODE = '58000',
            MESSAGE = pg_catalog.format('worker %s:%s failed: %s', w.nodename, w.nodeport, w.result);
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.citus_on_workers(text) IS
    'Internal: runs command on every worker of the Citus cluster (each in its own transaction there); 58000 naming the node when one fails (used by gridgov.distribute())';

-- gridgov.distribute(): the one call on a Citus coordinator.  Citus converts
-- tables joined by foreign keys together and would drop and re-create the
-- extension's sequences while doing so, which an extension's members do not
-- allow; and it copies the rows already there into the shards with the
-- tables' triggers enabled, which would run intake again for every case.  So
-- the foreign keys between gridgov's tables are dropped first and made again
-- after, and gridgov's triggers that fire on INSERT are off while the rows
-- are copied (in this transaction only: other sessions wait on the tables'
-- locks).
CREATE FUNCTION gridgov.distribute()
    RETURNS TABLE (table_name text, kind text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fks text[][] := '{}';
    trigs text[][] := '{}';
    r record;
    i integer;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.distribute() needs the citus extension in this database',
            HINT = 'Load citus first in shared_preload_libraries, CREATE EXTENSION citus, then add the worker nodes; docs/scaling.md.';
    END IF;
    IF gridgov.citus_node_group() IS DISTINCT FROM 0 THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.distribute() runs on the Citus coordinator',
            HINT = 'Register the coordinator with citus_set_coordinator_host() and call gridgov.distribute() there.';
    END IF;
    PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    -- Foreign keys to reference tables: one connection per node (Citus).
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                   WHERE p.logicalrelid = 'gridgov.cases'::pg_catalog.regclass) THEN
        -- The foreign keys among gridgov's tables, as the catalog prints them.
        FOR r IN
            SELECT c.conrelid::pg_catalog.regclass::text AS rel, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def
            FROM pg_catalog.pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'gridgov'::pg_catalog.regnamespace
            ORDER BY c.conrelid, c.conname
        LOOP
            fks := fks || ARRAY[[pg_catalog.split_part(r.rel, '.', 2), r.conname, r.def]];
            EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I DROP CONSTRAINT %I',
                                      pg_catalog.split_part(r.rel, '.', 2), r.conname);
            -- The workers' copies of the extension have the keys too, which the
            -- coordinator's ALTER TABLE below adds there again (done here, before
            -- this transaction holds locks there; each in its own transaction).
            PERFORM gridgov.citus_on_workers(
                pg_catalog.format('ALTER TABLE gridgov.%I DROP CONSTRAINT IF EXISTS %I',
                                  pg_catalog.split_part(r.rel, '.', 2), r.conname));
        END LOOP;
        FOR r IN
            SELECT c.relname, t.tgname, t.tgenabled
            FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'gridgov'::pg_catalog.regnamespace AND NOT t.tgisinternal
              -- those that fire on INSERT (the copy), but the cache invalidation
              -- (Citus leaves a trigger that also fires on TRUNCATE disabled on
              -- the shards once it was disabled when they were made)
              AND t.tgtype::integer & 4 <> 0
              AND t.tgfoid <> 'gridgov.invalidate_caches()'::pg_catalog.regprocedure
            ORDER BY c.relname, t.tgname
        LOOP
            trigs := trigs || ARRAY[[r.relname::text, r.tgname::text, r.tgenabled::text]];
            EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I DISABLE TRIGGER %I', r.relname, r.tgname);
        END LOOP;
        FOR r IN SELECT l.table_name, l.kind FROM gridgov.citus_layout() l ORDER BY l.step LOOP
            IF r.kind = 'reference' THEN
                PERFORM pg_catalog.create_reference_table(pg_catalog.format('gridgov.%I', r.table_name));
            ELSIF r.kind = 'distributed' THEN
                PERFORM pg_catalog.create_distributed_table(
                    pg_catalog.format('gridgov.%I', r.table_name), 'county',
                    colocate_with => CASE WHEN r.table_name = 'cases' THEN 'none' ELSE 'gridgov.cases' END);
            END IF;
        END LOOP;
        FOR i IN 1 .. COALESCE(pg_catalog.array_length(trigs, 1), 0) LOOP
            IF trigs[i][3] = 'A' THEN
                EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ENABLE ALWAYS TRIGGER %I', trigs[i][1], trigs[i][2]);
            ELSIF trigs[i][3] = 'R' THEN
                EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ENABLE REPLICA TRIGGER %I', trigs[i][1], trigs[i][2]);
            ELSIF trigs[i][3] = 'O' THEN
                EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ENABLE TRIGGER %I', trigs[i][1], trigs[i][2]);
            END IF;
        END LOOP;
        -- pg_get_constraintdef()'s own text of a constraint of gridgov's tables.
        FOR i IN 1 .. COALESCE(pg_catalog.array_length(fks, 1), 0) LOOP
            EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ADD CONSTRAINT %I %s', fks[i][1], fks[i][2], fks[i][3]);
        END LOOP;
    END IF;
    -- act() and the system actions on the coordinator run where the case is.
    FOR r IN SELECT f.f::pg_catalog.regprocedure AS f
             FROM pg_catalog.unnest(ARRAY['gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz)',
                                          'gridgov.case_system_update(gridgov.gridcode, bigint, text, jsonb, timestamptz)']) f
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_object o
                       WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND o.objid = r.f
                         AND o.colocationid IS NOT NULL) THEN
            PERFORM pg_catalog.create_distributed_function(r.f, 'county', colocate_with => 'gridgov.cases',
                                                           force_delegation => true);
        END IF;
    END LOOP;
    PERFORM gridgov.citus_id_ranges();
    PERFORM gridgov.citus_on_workers('SELECT gridgov.citus_id_ranges()');
    RETURN QUERY SELECT l.table_name, l.kind FROM gridgov.citus_layout() l ORDER BY l.step;
END
$$;
COMMENT ON FUNCTION gridgov.distribute() IS
    'Administration: on a Citus coordinator with its workers added, makes gridgov''s configuration tables reference tables and its per-case tables distributed by county and co-located with cases (gridgov.citus_layout()), with the rows already there, and gives every node its own range of ids; again after adding a node (then it only gives the new node its ids); docs/scaling.md';
-- ---------------------------------------------------------------------------
-- Access control: who sees and acts on which cases, and citizens' contact
-- data (docs/security.md, "Who sees which cases" and "Citizens' contact
-- data").  The scope of a login follows from its group roles and its staff
-- row (department, grid assignments); the checks are C (src/cases/scope.c),
-- called by the row-level security policies of every per-case table, so the
-- rule is written once.  The contact columns of gridgov.cases and their
-- masks are C too (src/cases/contact.c, mask.c; declared with the cases, 055);
-- the group roles may not read those columns (098) and read
-- gridgov.my_cases instead.
-- ---------------------------------------------------------------------------

-- Scope -----------------------------------------------------------------------

CREATE FUNCTION gridgov.my_scope(
    OUT login name, OUT staff_id bigint, OUT department_id bigint, OUT department_kind text,
    OUT jurisdiction gridgov.gridcode, OUT grids gridgov.gridcode[], OUT reads text, OUT acts text)
    AS 'MODULE_PATHNAME', 'gridgov_my_scope' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.my_scope() IS
    'What gridgov made of the caller (current_user): its active staff row, the staff''s department (kind, jurisdiction; NULL when inactive), its current grid assignments, and whether it reads and acts on all cases, a scope of them, or none (docs/security.md, Who sees which cases)';

CREATE FUNCTION gridgov.case_readable(county gridgov.gridcode, grid gridgov.gridcode,
                                      department_id bigint, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_readable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_readable(gridgov.gridcode, gridgov.gridcode, bigint, bigint) IS
    'Whether the caller sees the case of county, current grid (NULL: the county is its place), holding department and id: the SELECT policy of gridgov.cases, through it of every per-case table, and the filter of gridgov.my_cases. A department''s earlier holding is looked up in the case''s history; false for a NULL county';
CREATE FUNCTION gridgov.case_actable(county gridgov.gridcode, grid gridgov.gridcode, department_id bigint,
                                     case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_actable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_actable(gridgov.gridcode, gridgov.gridcode, bigint, bigint) IS
    'Whether the caller may act on (act(), its wrappers, UPDATE) the case of county, current grid, holding department and id: the UPDATE policy of gridgov.cases and the write policies of whistles and whistle calls. A department a whistle summons may report in on the case (the action act() announced for it) and nothing else; false for a NULL county';
CREATE FUNCTION gridgov.case_fileable(county gridgov.gridcode, grid gridgov.gridcode, department_id bigint)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_fileable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_fileable(gridgov.gridcode, gridgov.gridcode, bigint) IS
    'Whether the caller may file (INSERT) a case that intake placed in county and grid and routed to department: the INSERT policy of gridgov.cases; false for a NULL county';

-- The same rules for a case's own rows, by (county, case_id): each reads the
-- case or its history where this node holds it (the table; under Citus the
-- co-located shard: policies on distributed tables hold no subqueries).
CREATE FUNCTION gridgov.case_row_readable(county gridgov.gridcode, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_row_readable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_row_readable(gridgov.gridcode, bigint) IS
    'Whether the caller sees the case (county, case_id), by gridgov.case_readable() on the case as it is: the SELECT policy of the case''s events, clocks, escalations, whistles and whistle calls; false when the case does not exist or an argument is NULL';
CREATE FUNCTION gridgov.case_row_actable(county gridgov.gridcode, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_row_actable' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_row_actable(gridgov.gridcode, bigint) IS
    'Whether the caller may act on the case (county, case_id), by gridgov.case_actable() on the case as it is: the write policies of whistles and whistle calls; false when the case does not exist or an argument is NULL';
CREATE FUNCTION gridgov.case_event_now(county gridgov.gridcode, case_id bigint, action text, payload jsonb)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_event_now' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_event_now(gridgov.gridcode, bigint, text, jsonb) IS
    'Whether this transaction appended to the case''s history an event of action whose payload contains payload (the write policies of whistles and whistle calls: a summons or report-in the history records); false for a case the caller may not read (gridgov.case_row_readable())';
CREATE FUNCTION gridgov.whistle_calls_me(county gridgov.gridcode, case_id bigint, whistle_id bigint)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_whistle_calls_me' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.whistle_calls_me(gridgov.gridcode, bigint, bigint) IS
    'Whether the whistle (county, case_id, whistle_id) summons the caller''s department (the SELECT policy of whistles)';
CREATE FUNCTION gridgov.my_department_id() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_my_department_id' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.my_department_id() IS
    'The department of the caller''s active staff row (gridgov.my_scope()), or NULL';

-- Row-level security ----------------------------------------------------------------
-- The checks are declared costly (COST 1000: a department's check may look
-- up the case's history), so that the planner applies a caller's own
-- leakproof filters first (e.g. grid <@ a town, by an index) and runs the
-- check only on the rows they leave (docs/benchmarks.md, Access control).
-- The owner of the tables (gridgov's own code running as the history's
-- owner, SECURITY DEFINER functions, pg_dump) and superusers are not subject
-- to it; everyone else is.

ALTER TABLE gridgov.cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY cases_read ON gridgov.cases FOR SELECT
    USING (gridgov.case_readable(county, grid, department_id, id));
CREATE POLICY cases_file ON gridgov.cases FOR INSERT
    WITH CHECK (gridgov.case_fileable(county, grid, department_id));
-- Where an action sends the case (a dispatch, a return) is the workflow's
-- business: the check is on the case as it was.
CREATE POLICY cases_act ON gridgov.cases FOR UPDATE
    USING (gridgov.case_actable(county, grid, department_id, id))
    WITH CHECK (true);

-- The rows of a case: visible with the case.
ALTER TABLE gridgov.case_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_events_read ON gridgov.case_events FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_clocks ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_clocks_read ON gridgov.case_clocks FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.escalations ENABLE ROW LEVEL SECURITY;
CREATE POLICY escalations_read ON gridgov.escalations FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_requests_read ON gridgov.case_requests FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_meetings ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_meetings_read ON gridgov.case_meetings FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.whistles ENABLE ROW LEVEL SECURITY;
CREATE POLICY whistles_read ON gridgov.whistles FOR SELECT
    USING (gridgov.case_row_readable(county, case_id) OR gridgov.whistle_calls_me(county, case_id, id));
-- Whistles and report-ins are written by gridgov.whistle() and report_in(),
-- after the event they append in the same transaction: a row without it (or a
-- call of a department the event does not summon, a report-in time for
-- another call, a report-in taken back) would be a summons or a report-in the
-- history does not know.
CREATE POLICY whistles_call ON gridgov.whistles FOR INSERT
    WITH CHECK (gridgov.case_row_actable(county, case_id)
                AND gridgov.case_event_now(county, case_id, 'whistle', '{}'));
-- A summoned department sees and answers its own calls.
ALTER TABLE gridgov.whistle_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY whistle_calls_read ON gridgov.whistle_calls FOR SELECT
    USING (department_id = gridgov.my_department_id() OR gridgov.case_row_readable(county, case_id));
CREATE POLICY whistle_calls_call ON gridgov.whistle_calls FOR INSERT
    WITH CHECK (gridgov.case_row_actable(county, case_id)
                AND gridgov.case_event_now(county, case_id, 'whistle',
                        pg_catalog.jsonb_build_object('departments', pg_catalog.jsonb_build_array(department_id))));
CREATE POLICY whistle_calls_report ON gridgov.whistle_calls FOR UPDATE
    USING (department_id = gridgov.my_department_id() OR gridgov.case_row_actable(county, case_id))
    WITH CHECK (reported_at IS NOT NULL
                AND gridgov.case_event_now(county, case_id, 'report_in',
                        pg_catalog.jsonb_build_object('whistle_id', whistle_id, 'department_id', department_id)));

-- Tables of case rows that only the owner and the admin role use: the
-- analytics' facts and the history import's staging (which holds contact
-- data of the past cases).
ALTER TABLE gridgov.case_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_stats_admin ON gridgov.case_stats
    USING ((gridgov.my_scope()).reads = 'all');
ALTER TABLE gridgov.import_cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_cases_admin ON gridgov.import_cases
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));
ALTER TABLE gridgov.import_steps ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_steps_admin ON gridgov.import_steps
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));
ALTER TABLE gridgov.import_rejects ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_rejects_admin ON gridgov.import_rejects
    USING ((SELECT s.reads = 'all' FROM gridgov.my_scope() s));

-- The cases as a login may read them ---------------------------------------------
-- Runs as its owner (who may read the contact columns), so it filters by the
-- caller's scope itself, with the same function as the policy, and is a
-- security barrier: no function of the caller's sees a row before the filter.
-- Only SELECT is granted on it (an UPDATE through it would run as the owner).

CREATE VIEW gridgov.my_cases WITH (security_barrier = true) AS
SELECT c.county, c.id, c.case_no, c.source, c.external_id, c.category, c.urgency, c.title,
       gridgov.mask_numbers(c.description) AS description, c.location, c.coord_system,
       gridgov.mask_address(c.address) AS address, gridgov.mask_name(c.reporter_name) AS reporter_name,
       gridgov.mask_phone(c.reporter_phone) AS reporter_phone, c.objcode, c.grid, c.department_id,
       c.workflow, c.state, c.reported_at, c.updated_at, c.closed_at, c.dispatches, c.returns,
       c.reworks, c.reopens, c.extensions, c.suspensions, c.supervised, c.escalation_level, c.solved,
       c.satisfaction, c.master_case_id, c.possible_duplicate_of, c.events, c.history_hash, c.occurred_at,
       c.category_by, c.located_by, c.assisted
FROM gridgov.cases c
WHERE gridgov.case_readable(c.county, c.grid, c.department_id, c.id);
COMMENT ON VIEW gridgov.my_cases IS
    'The cases the caller sees (its scope: docs/security.md), every column of gridgov.cases with the contact data masked: description (gridgov.mask_numbers), address (mask_address), reporter_name (mask_name), reporter_phone (mask_phone). The clear values: gridgov.reveal_contact(case_id, reason)';

-- Its columns are those of gridgov.cases: their comments too, marked where masked.
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT v.attname, pg_catalog.col_description(c.attrelid, c.attnum) AS comment
             FROM pg_catalog.pg_attribute v
             JOIN pg_catalog.pg_attribute c ON c.attrelid = 'gridgov.cases'::pg_catalog.regclass
                                           AND c.attname = v.attname
             WHERE v.attrelid = 'gridgov.my_cases'::pg_catalog.regclass AND v.attnum > 0 LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN gridgov.my_cases.%I IS %L', a.attname,
            CASE WHEN a.attname = ANY (gridgov.contact_columns())
                 THEN a.comment || ' (masked: gridgov.reveal_contact() reads the clear value)'
                 ELSE a.comment END);
    END LOOP;
END
$$;

CREATE PROCEDURE gridgov.reveal_contact(case_id bigint, reason text,
    INOUT reporter_name text DEFAULT NULL, INOUT reporter_phone text DEFAULT NULL,
    INOUT address text DEFAULT NULL, INOUT description text DEFAULT NULL)
    AS 'MODULE_PATHNAME', 'gridgov_reveal_contact' LANGUAGE C;
COMMENT ON PROCEDURE gridgov.reveal_contact(bigint, text, text, text, text, text) IS
    'CALL gridgov.reveal_contact(case_id, reason): the clear contact data of a case (reporter_name, reporter_phone, address, description), for the department that holds it and the command center whose jurisdiction covers it, with a reason (1-500 characters). It appends a contact_revealed event (who, when, the reason as its note) to the case''s history and commits it before it reads the data, so no rollback takes the record back; hence CALL, outside a transaction block (2D000 otherwise). Errors: NULL 22004, blank or long reason 22023, a case the caller does not see GG100, one it may not reveal 42501';
CREATE FUNCTION gridgov.contact_revealable(case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_contact_revealable' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION gridgov.contact_revealable(bigint) IS
    'Whether the caller may CALL gridgov.reveal_contact() on a case it sees (its holder, the command center over it); GG100 for a case it does not see. Reads and records nothing';
-- Not for everyone: setup_roles() grants them to the roles that may hold a case.
REVOKE EXECUTE ON PROCEDURE gridgov.reveal_contact(bigint, text, text, text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.contact_revealable(bigint) FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- Roles: the group roles and every privilege they get, in one function, after
-- every object it names.  EXECUTE on functions not meant for everyone is
-- revoked from PUBLIC by rule in the next fragment (099); what a role may run
-- of those is granted here.  Which workflow actions a role may take is data
-- (gridgov.transitions.roles, 043).  docs/security.md describes the roles.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.setup_roles() RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    r text;
    roles text[] := ARRAY['gridgov_admin', 'gridgov_dispatcher', 'gridgov_department',
                          'gridgov_worker', 'gridgov_analyst', 'gridgov_leader', 'gridgov_auditor',
                          'gridgov_open311', 'gridgov_reporter', 'gridgov_gateway'];
    col name;
BEGIN
    FOREACH r IN ARRAY roles LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            RETURN NEXT 'created ' || r;
        END IF;
        EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA gridgov TO %I', r);
    END LOOP;
    -- The admin role holds the others.
    GRANT gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
          gridgov_auditor TO gridgov_admin;

    -- Grids, organisation, workflows, categories, routing (020-047): everyone
    -- reads them, the admin role maintains them (re-divisions go through
    -- gridgov.redivide()).
    GRANT SELECT ON gridgov.grids, gridgov.grid_revisions, gridgov.categories, gridgov.workflows,
          gridgov.workflow_states, gridgov.transitions, gridgov.departments, gridgov.settings,
          gridgov.routing_rules, gridgov.components
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.grids, gridgov.categories, gridgov.workflows,
          gridgov.workflow_states, gridgov.transitions, gridgov.departments, gridgov.staff,
          gridgov.grid_staff, gridgov.settings, gridgov.routing_rules, gridgov.components
          TO gridgov_admin;

    -- Cases (055-058, 097): the case handlers file and work them and read their
    -- histories and the staff, the leaders and auditors read them; the rows
    -- each sees and acts on are its scope (row-level security, 097).  Nobody
    -- reads the contact columns (gridgov.contact_columns()): they read
    -- gridgov.my_cases, where those are masked, and reveal_contact() the
    -- clear values, on record.  The admin role re-homes cases.
    REVOKE SELECT, UPDATE ON gridgov.cases FROM gridgov_dispatcher, gridgov_department, gridgov_worker,
           gridgov_leader, gridgov_auditor;
    FOR col IN SELECT a.attname FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = 'gridgov.cases'::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped
               ORDER BY a.attnum LOOP
        IF col = ANY (gridgov.contact_columns()) THEN
            -- Nor write them after intake: whether a write changes anything (an
            -- edit event or none) would tell what the value was.
            EXECUTE pg_catalog.format('REVOKE SELECT (%I), UPDATE (%I) ON gridgov.cases FROM gridgov_dispatcher, '
                                      'gridgov_department, gridgov_worker, gridgov_leader, gridgov_auditor', col, col);
        ELSE
            EXECUTE pg_catalog.format('GRANT SELECT (%I) ON gridgov.cases TO gridgov_dispatcher, gridgov_department, '
                                      'gridgov_worker, gridgov_leader, gridgov_auditor', col);
            EXECUTE pg_catalog.format('GRANT UPDATE (%I) ON gridgov.cases TO gridgov_dispatcher, gridgov_department, '
                                      'gridgov_worker', col);
        END IF;
    END LOOP;
    GRANT INSERT ON gridgov.cases TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    -- The inbox (096): filing without the county; its trigger reads and removes
    -- the transaction's own rows as the inserting role.
    GRANT SELECT, INSERT, DELETE ON gridgov.case_inbox TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    GRANT SELECT ON gridgov.my_cases, gridgov.case_events, gridgov.staff, gridgov.grid_staff
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_leader, gridgov_auditor;
    GRANT EXECUTE ON PROCEDURE gridgov.reveal_contact(bigint, text, text, text, text, text)
          TO gridgov_dispatcher, gridgov_department;
    GRANT EXECUTE ON FUNCTION gridgov.contact_revealable(bigint) TO gridgov_dispatcher, gridgov_department;
    GRANT EXECUTE ON FUNCTION gridgov.rehome_cases(bigint), gridgov.rehome_due_cases(timestamptz)
          TO gridgov_admin;
    -- Scale-out (096): they need the tables' owner as well (a superuser).
    GRANT EXECUTE ON FUNCTION gridgov.distribute(), gridgov.citus_id_ranges() TO gridgov_admin;

    -- Seals of the histories (059): the admin role seals; it and the analysts
    -- read the seals, export their lines and verify them.  Seals hold ids and
    -- hashes only.
    GRANT SELECT ON gridgov.history_seals, gridgov.history_seal_heads
          TO gridgov_admin, gridgov_analyst, gridgov_auditor;
    GRANT EXECUTE ON FUNCTION gridgov.seal_history(date), gridgov.seal_nightly(timestamptz) TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.seal_line(date), gridgov.verify_seal_line(text),
          gridgov.seal_recomputed(date), gridgov.verify_seals() TO gridgov_admin, gridgov_analyst, gridgov_auditor;

    -- Calendars and time limits (060-074): everyone reads them, the admin role
    -- maintains the calendars, policies and ladder; dispatchers whistle,
    -- summoned departments report in; the admin role runs the sweep and the
    -- nightly job and schedules the jobs.
    GRANT SELECT ON gridgov.sla_policies, gridgov.escalation_ladder, gridgov.case_clocks,
          gridgov.escalations, gridgov.whistles, gridgov.whistle_calls, gridgov.whistle_rates,
          gridgov.case_requests, gridgov.case_meetings,
          gridgov.calendars, gridgov.calendar_periods, gridgov.calendar_exceptions
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE ON gridgov.sla_policies, gridgov.escalation_ladder,
          gridgov.calendars, gridgov.calendar_periods, gridgov.calendar_exceptions TO gridgov_admin;
    GRANT SELECT ON gridgov.provisional_clocks
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_admin,
             gridgov_leader, gridgov_auditor;
    GRANT EXECUTE ON FUNCTION gridgov.load_calendar_year(text, jsonb, timestamptz) TO gridgov_admin;
    GRANT INSERT ON gridgov.whistles, gridgov.whistle_calls TO gridgov_dispatcher;
    GRANT UPDATE (reported_at) ON gridgov.whistle_calls TO gridgov_department, gridgov_dispatcher;
    -- The sweep runs as the owner over every case (and at any as_of): the
    -- admin role's and the job's, not a dispatcher's, whose scope is smaller.
    EXECUTE 'REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep(timestamptz, integer), gridgov.sla_due_cases(timestamptz), '
            'gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) FROM gridgov_dispatcher';
    EXECUTE 'REVOKE EXECUTE ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer) '
            'FROM gridgov_dispatcher';
    GRANT EXECUTE ON FUNCTION gridgov.sla_sweep(timestamptz, integer), gridgov.sla_due_cases(timestamptz),
          gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) TO gridgov_admin;
    GRANT EXECUTE ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer)
          TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.nightly_maintenance(timestamptz), gridgov.schedule_jobs(),
          gridgov.unschedule_jobs() TO gridgov_admin;

    -- History import (065): the admin role stages a district's past cases and imports
    -- them (docs/history-import.md).
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON gridgov.import_cases, gridgov.import_steps
          TO gridgov_admin;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.import_rejects TO gridgov_admin;
    -- (import_history() runs as the owner; its walk in C, history_import_apply(),
    -- is the owner's only, so that nobody hands it tables of their own.)
    GRANT EXECUTE ON FUNCTION gridgov.import_history(timestamptz) TO gridgov_admin;

    -- Health (090): the admin role checks the set-up, the jobs and their work
    -- (counts and times only; the report reads pg_cron's tables as the owner).
    GRANT EXECUTE ON FUNCTION gridgov.health(timestamptz), gridgov.health_report(timestamptz, name[])
          TO gridgov_admin;

    -- Analytics (080-089): the analysts, dispatchers and the admin role read
    -- the PII-free views and maps.  The board and the map metrics count cases
    -- as the owner (SECURITY DEFINER): those roles need no rights on cases or
    -- case_stats.  A report that must include the last minute's intake reads
    -- the history's new events first (analytics_refresh_pending()).  The admin
    -- role refreshes, rebuilds and compacts.
    GRANT SELECT ON gridgov.case_facts, gridgov.three_rates, gridgov.timeliness,
          gridgov.department_ranking, gridgov.kpi, gridgov.sla_board, gridgov.hotspots_latest,
          gridgov.seasonal, gridgov.grid_map, gridgov.whistle_rates, gridgov.workflow_timeliness
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.map_geojson(text, text, timestamptz),
          gridgov.map_svg(text, text, timestamptz), gridgov.sla_board_at(timestamptz),
          gridgov.grid_metrics(timestamptz), gridgov.analytics_refresh_pending(integer)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.analytics_refresh(bigint[]), gridgov.analytics_rebuild(),
          gridgov.analytics_rebuild_summaries(), gridgov.analytics_compact(),
          gridgov.analytics_nightly(timestamptz) TO gridgov_admin;
    -- Forecasts (088): the same roles read the cached fits, forecast and
    -- backtest (counts only, as the owner); the admin role refits and raises
    -- the forecast alerts (the nightly job does both).
    GRANT SELECT ON gridgov.forecast_fits TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.forecast_volume(gridgov.gridcode, text, text, integer, timestamptz),
          gridgov.forecast_fit(gridgov.gridcode, text, text, timestamptz),
          gridgov.forecast_backtest(gridgov.gridcode, text, text, date, date, integer)
          TO gridgov_analyst, gridgov_dispatcher, gridgov_admin, gridgov_leader;
    GRANT EXECUTE ON FUNCTION gridgov.forecast_refresh(timestamptz, integer), gridgov.forecast_alerts(timestamptz)
          TO gridgov_admin;

    -- Assisted intake (056, docs/assisted-intake.md): the admin role trains and
    -- evaluates text models, replays dispatch (both read every case) and reads
    -- the models; the case handlers ask for suggestions.
    GRANT SELECT ON gridgov.text_models TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.text_model_info(bytea) TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.train_text_model(text, text, timestamptz, timestamptz, integer, text, real),
          gridgov.evaluate_text_model(text, integer),
          gridgov.dispatch_replay(timestamptz, timestamptz, text) TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.suggest_category(text, integer, text),
          gridgov.suggest_department(text, gridgov.gridcode, integer, text)
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_admin;

    -- The gateway (087, docs/gateway.md).  gridgov_open311 reads the public
    -- Open311 answers (the role of requests without a key); gridgov_reporter
    -- also files requests (an app's key maps to a member of it); gridgov_gateway
    -- is what the gateway's own login does: look up keys and endpoints, push.
    -- The event feed runs with the reader's rights (event_feed_rows is a
    -- security-invoker view); an endpoint's updates act as its department's role.
    GRANT gridgov_open311 TO gridgov_reporter;
    GRANT EXECUTE ON FUNCTION gridgov.open311_services(), gridgov.open311_service_definition(text),
          gridgov.open311_requests(jsonb, timestamptz), gridgov.open311_request(text) TO gridgov_open311;
    GRANT EXECUTE ON FUNCTION gridgov.open311_submit(jsonb) TO gridgov_reporter;
    GRANT EXECUTE ON FUNCTION gridgov.api_key_role(text), gridgov.transfer_collect(integer),
          gridgov.transfer_claim(integer, interval, timestamptz),
          gridgov.transfer_result(text, integer, text, timestamptz, integer), gridgov.transfer_endpoint(text)
          TO gridgov_gateway;
    GRANT SELECT ON gridgov.transfer_status TO gridgov_gateway, gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.api_key_create(text, name, integer, timestamptz),
          gridgov.api_key_revoke(text) TO gridgov_admin;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.transfer_endpoints TO gridgov_admin;
    GRANT SELECT ON gridgov.transfer_outbox, gridgov.api_keys TO gridgov_admin;
    GRANT SELECT ON gridgov.event_feed_rows
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_leader, gridgov_auditor,
             gridgov_admin;
    GRANT SELECT ON gridgov.transfer_endpoints_public TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    -- (Only the answer of an update can be written after it: its id and time stay.)
    GRANT SELECT, INSERT ON gridgov.transfer_inbound TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    GRANT UPDATE (result) ON gridgov.transfer_inbound TO gridgov_dispatcher, gridgov_department, gridgov_worker;
    GRANT EXECUTE ON FUNCTION gridgov.transfer_apply(bigint, bigint, jsonb), gridgov.transfer_endpoint_role(bigint)
          TO gridgov_dispatcher, gridgov_department, gridgov_worker;

    -- Assisted intake (028): everyone who files or routes cases reads the
    -- gazetteer (gridgov.suggest_area); the admin role maintains it.
    GRANT SELECT ON gridgov.place_names
          TO gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader,
             gridgov_auditor;
    GRANT SELECT, INSERT, UPDATE, DELETE ON gridgov.place_names TO gridgov_admin;
    GRANT EXECUTE ON FUNCTION gridgov.place_names_refresh(timestamptz) TO gridgov_admin;
    RETURN NEXT 'granted';
END
$$;
COMMENT ON FUNCTION gridgov.setup_roles() IS
    'Administration: Creates (if missing) the group roles gridgov_admin, gridgov_dispatcher, gridgov_department, gridgov_worker, gridgov_analyst, gridgov_leader, gridgov_auditor, and the gateway''s gridgov_open311, gridgov_reporter and gridgov_gateway, and grants their privileges (the case handlers, leaders and auditors: every column of gridgov.cases but the contact columns, gridgov.contact_columns()); idempotent. Workflow transitions name these roles; which cases each login sees is its scope (docs/security.md)';
-- ---------------------------------------------------------------------------
-- Least privilege: EXECUTE is revoked from PUBLIC on every function of
-- gridgov that is not meant for everyone —
--   - trigger functions (they fire without it; without it nobody can attach
--     them to another table, where they would refuse to run anyway);
--   - SECURITY DEFINER functions (they run with the owner's rights);
--   - functions whose COMMENT begins with 'Internal' (building blocks of
--     gridgov's own code) or 'Administration:' (jobs and DBA operations).
-- gridgov.setup_roles() (098) grants what each group role needs.  docs/security.md
-- states these rules; test/catalog.sql fails when a function breaks them.
-- This fragment runs last, so it covers every function the script created.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::pg_catalog.regprocedure
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'gridgov'::pg_catalog.regnamespace
          AND (p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype
               OR p.prosecdef
               OR pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Internal%'
               OR pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'Administration:%')
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

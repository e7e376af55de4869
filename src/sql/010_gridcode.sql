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

-- Hierarchy: levels, parent, ancestors, @> / <@, subtree_max, and the advisory
-- GB/T 2260 / GB/T 10114 digit-range checks.

-- parent() walks up one level; a 14- or 15-digit unit grid's parent is its community.
WITH RECURSIVE up(code, depth) AS (
    SELECT '110115004001001'::gridcode, 0
    UNION ALL
    SELECT parent(code), depth + 1 FROM up WHERE parent(code) IS NOT NULL
)
SELECT depth, code, level(code), level_name(code) FROM up ORDER BY depth;
SELECT parent('11011500400101'), parent('11'), parent('1101');

-- ancestor() by number and by name, at, above and below the code's own level.
SELECT l, ancestor('110115004001001'::gridcode, l) AS of_grid,
       ancestor('110115004'::gridcode, l) AS of_town
FROM pg_catalog.generate_series(1, 6) l;
SELECT n, ancestor('11011500400101'::gridcode, n)
FROM (VALUES ('province'), ('city'), ('county'), ('town'), ('community'), ('grid')) v(n);
SELECT ancestor('110115004'::gridcode, 0);
SELECT ancestor('110115004'::gridcode, 7);
SELECT ancestor('110115004'::gridcode, -2147483648);
SELECT ancestor('110115004'::gridcode, 'street');
SELECT ancestor('110115004'::gridcode, '');

-- @> is "ancestor or self", <@ its commutator.
SELECT a, b, a::gridcode @> b::gridcode AS contains, b::gridcode <@ a::gridcode AS contained
FROM (VALUES
    ('110115', '110115'),                -- self
    ('110115', '110115004'),             -- child
    ('110115', '110115004001001'),       -- deep descendant
    ('110115004', '110115'),             -- the other way round
    ('110115004', '110115005001'),       -- sibling's child
    ('11011500400101', '110115004001010'),  -- 14 vs 15 digits: siblings, not ancestors
    ('110115004001', '11011500400101'),  -- community over 14-digit grid
    ('110115004001', '110115004001001'), -- community over 15-digit grid
    ('110115000', '110115'),             -- same padded digits, shorter is the ancestor
    ('110115', '110115000')
) v(a, b);

-- subtree_max bounds each subtree; unit grids are their own subtree.
SELECT c, subtree_max(c::gridcode)
FROM (VALUES ('11'), ('110115'), ('110115004'), ('110115004001'),
             ('11011500400101'), ('110115004001001')) v(c);

-- Advisory digit-range checks (never enforced on input).
SELECT c, is_valid_admin_prefix(c::gridcode) AS valid, admin_kind(c::gridcode) AS kind
FROM (VALUES
    ('11'), ('10'), ('99'), ('82'),
    ('1101'), ('1100'), ('1171'), ('1190'),
    ('110115'), ('441900'),
    ('110115001'), ('110115103'), ('110115200'), ('110115403'), ('110115000'), ('110115600'),
    ('110115004001'), ('110115103200'), ('110115004400'), ('110115004000'), ('110115004600'),
    ('110115004001001'), ('110115004001000'), ('11011500400101'), ('11011500400100')
) v(c);

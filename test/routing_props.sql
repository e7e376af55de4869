-- Property checks of gridgov.route() on a random organisation: 400 random rules
-- (prefixes of every length, areas at every depth, priorities that tie, some
-- rules and departments inactive), 300 registered components, and 3,000 random
-- cases (category, grid, objcode).  route() must agree with a brute-force SQL
-- reference of the documented precedence, written independently of it (text
-- prefixes instead of gridcode operators), with explain_route()'s winner, and
-- never come back empty while the home county's command center exists.
BEGIN;
SELECT plan(10);

SELECT pg_catalog.setseed(0.4711);
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';

-- Areas: Daxing's real town codes, 30 communities each, 20 unit grids each.
CREATE TEMP TABLE towns AS
SELECT t::gridgov.gridcode AS code FROM pg_catalog.unnest(ARRAY[
    '110115001', '110115002', '110115003', '110115004', '110115005', '110115006', '110115007',
    '110115008', '110115009', '110115010', '110115011', '110115012', '110115013', '110115103',
    '110115104', '110115105', '110115106', '110115107', '110115108', '110115109', '110115110',
    '110115111', '110115403', '110115404', '110115405', '110115406']) t;

CREATE TEMP TABLE dept_seed (code text, name text, level text, jurisdiction gridgov.gridcode,
                             kind text, active boolean);
INSERT INTO dept_seed VALUES
    ('dc', '大兴区网格化服务管理中心', 'district', '110115', 'command_center', true),
    ('hr', '怀柔区网格化服务管理中心', 'district', '110116', 'command_center', true),
    ('hr-f', '怀柔区城管执法局', 'district', '110116', 'functional', true);
INSERT INTO dept_seed
SELECT 'tc' || t.code, t.code || ' center', 'town', t.code, 'command_center', pg_catalog.random() < 0.85
FROM towns t WHERE pg_catalog.random() < 0.7;
INSERT INTO dept_seed
SELECT 'df' || i, 'district dept ' || i, 'district', '110115',
       (ARRAY['functional', 'utility', 'government'])[1 + i % 3], pg_catalog.random() < 0.8
FROM pg_catalog.generate_series(1, 10) i;
INSERT INTO dept_seed
SELECT 'tf' || t.code, t.code || ' team', 'town', t.code, 'functional', pg_catalog.random() < 0.9
FROM towns t;
INSERT INTO dept_seed
SELECT DISTINCT ON (c) 'cm' || c, c || ' committee', 'community', c::gridgov.gridcode, 'community',
       pg_catalog.random() < 0.9
FROM (SELECT t.code::text || pg_catalog.lpad((1 + (pg_catalog.random() * 29)::int)::text, 3, '0') AS c
      FROM towns t, pg_catalog.generate_series(1, 2)) x;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, active)
SELECT code, name, level, jurisdiction, kind, active FROM dept_seed;

-- Rules draw their prefixes from a small pool, so that rules meet and tie.
CREATE TEMP TABLE prefix_pool AS
SELECT code FROM gridgov.categories WHERE pg_catalog.length(code) = 3 ORDER BY pg_catalog.random() LIMIT 15;
INSERT INTO prefix_pool
SELECT code FROM gridgov.categories WHERE pg_catalog.length(code) = 5 ORDER BY pg_catalog.random() LIMIT 40;

-- Rules: department first, then an area inside its jurisdiction (or anywhere).
CREATE TEMP TABLE rule_seed AS
SELECT i, d.id AS dept, d.level, d.jurisdiction::text AS j, pg_catalog.random() AS ra,
       pg_catalog.random() AS rp, (pg_catalog.random() * 2)::int AS priority,
       pg_catalog.random() < 0.9 AS active,
       (1 + (pg_catalog.random() * 28)::int) AS community_no, (1 + (pg_catalog.random() * 19)::int) AS grid_no,
       (SELECT t.code::text FROM towns t WHERE i > 0 ORDER BY pg_catalog.random() LIMIT 1) AS town
FROM pg_catalog.generate_series(1, 400) i
CROSS JOIN LATERAL (SELECT pg_catalog.random() < 0.4 AS district WHERE i > 0) w
CROSS JOIN LATERAL (SELECT d.* FROM gridgov.departments d
                    WHERE i > 0 AND (NOT w.district OR d.level = 'district')
                    ORDER BY pg_catalog.random() LIMIT 1) d;
INSERT INTO gridgov.routing_rules (category_prefix, area, department_id, priority, active)
SELECT CASE WHEN s.rp < 0.05 THEN ''
            WHEN s.rp < 0.15 THEN (ARRAY['C', 'E', 'H', 'D'])[1 + (s.rp * 1000)::int % 4]
            ELSE (SELECT c.code FROM prefix_pool c
                  WHERE (s.rp < 0.55) = (pg_catalog.length(c.code) = 3) AND s.i > 0
                  ORDER BY pg_catalog.random() LIMIT 1) END,
       (CASE
           -- rules for every category or a whole kind only for small areas
           WHEN s.rp < 0.15 AND s.level = 'district'
               THEN s.j || CASE WHEN s.j = '110115' THEN pg_catalog.right(s.town, 3) ELSE '001' END
                        || pg_catalog.lpad(s.community_no::text, 3, '0')
           WHEN s.rp < 0.15 AND s.level = 'town' THEN s.j || pg_catalog.lpad(s.community_no::text, 3, '0')
           WHEN s.rp < 0.15 THEN s.j || pg_catalog.lpad(s.grid_no::text, 3, '0')
           WHEN s.level = 'district' AND s.ra < 0.4 THEN NULL
           WHEN s.level = 'district' AND s.ra < 0.5 THEN s.j
           WHEN s.level = 'district' AND s.ra < 0.7 AND s.j = '110115' THEN s.town
           WHEN s.level = 'district' AND s.ra < 0.85 THEN s.j || CASE WHEN s.j = '110115' THEN pg_catalog.right(s.town, 3) ELSE '001' END
                                                          || pg_catalog.lpad(s.community_no::text, 3, '0')
           WHEN s.level = 'district' THEN s.j || CASE WHEN s.j = '110115' THEN pg_catalog.right(s.town, 3) ELSE '001' END
                                         || pg_catalog.lpad(s.community_no::text, 3, '0') || pg_catalog.lpad(s.grid_no::text, 3, '0')
           WHEN s.level = 'town' AND s.ra < 0.5 THEN s.j
           WHEN s.level = 'town' AND s.ra < 0.8 THEN s.j || pg_catalog.lpad(s.community_no::text, 3, '0')
           WHEN s.level = 'town' THEN s.j || pg_catalog.lpad(s.community_no::text, 3, '0') || pg_catalog.lpad(s.grid_no::text, 3, '0')
           WHEN s.ra < 0.6 THEN s.j
           ELSE s.j || pg_catalog.lpad(s.grid_no::text, 3, '0') END)::gridgov.gridcode,
       s.dept, s.priority, s.active
FROM rule_seed s;

-- Components: 300 of random minor classes; owners and maintainers random,
-- missing or inactive.
INSERT INTO gridgov.components (objcode, owner_id, maintainer_id)
SELECT DISTINCT ON (objcode) objcode, owner, maintainer FROM (
    SELECT '110115' || pg_catalog.substr(c.code, 2, 4) || pg_catalog.lpad((1 + (pg_catalog.random() * 999)::int)::text, 6, '0') AS objcode,
           CASE WHEN pg_catalog.random() < 0.8 THEN (SELECT d.id FROM gridgov.departments d WHERE i > 0 ORDER BY pg_catalog.random() LIMIT 1) END AS owner,
           CASE WHEN pg_catalog.random() < 0.5 THEN (SELECT d.id FROM gridgov.departments d WHERE i > 0 ORDER BY pg_catalog.random() LIMIT 1) END AS maintainer
    FROM pg_catalog.generate_series(1, 300) i
    CROSS JOIN LATERAL (SELECT c.code FROM gridgov.categories c
                        WHERE c.kind = 'component' AND c.parent IS NOT NULL AND i > 0
                        ORDER BY pg_catalog.random() LIMIT 1) c) x;

-- Cases: random category (most under a rule prefix); grid NULL, a county, town, community or unit grid of
-- Daxing, of Huairou (110116, has a center), or of an unknown county; for
-- component categories a registered or unregistered objcode of that class.
CREATE TEMP TABLE cases AS
SELECT i, c.code AS cat, c.kind,
       (CASE WHEN rg < 0.10 THEN NULL
             WHEN rg < 0.14 THEN '110115'
             WHEN rg < 0.20 THEN t.code::text
             WHEN rg < 0.28 THEN t.code::text || pg_catalog.lpad(cn::text, 3, '0')
             WHEN rg < 0.33 THEN '110116001' || pg_catalog.lpad(cn::text, 3, '0') || pg_catalog.lpad(gn::text, 3, '0')
             WHEN rg < 0.37 THEN '110199001' || pg_catalog.lpad(cn::text, 3, '0') || pg_catalog.lpad(gn::text, 3, '0')
             ELSE t.code::text || pg_catalog.lpad(cn::text, 3, '0') || pg_catalog.lpad(gn::text, 3, '0') END)::gridgov.gridcode AS grid,
       ro, NULL::text AS obj
FROM (SELECT i, pg_catalog.random() AS rg, pg_catalog.random() AS ro,
             (1 + (pg_catalog.random() * 29)::int) AS cn, (1 + (pg_catalog.random() * 19)::int) AS gn
      FROM pg_catalog.generate_series(1, 3000) i) s
CROSS JOIN LATERAL (SELECT c.code, c.kind FROM gridgov.categories c
                    WHERE s.i > 0 AND (s.ro < 0.4 OR EXISTS (SELECT 1 FROM prefix_pool p
                                                              WHERE pg_catalog.starts_with(c.code, p.code)))
                    ORDER BY pg_catalog.random() LIMIT 1) c
CROSS JOIN LATERAL (SELECT t.code FROM towns t WHERE s.i > 0 ORDER BY pg_catalog.random() LIMIT 1) t;
UPDATE cases SET obj = (SELECT m.objcode FROM gridgov.components m
                        WHERE m.category LIKE cases.cat || '%' AND cases.i > 0
                        ORDER BY pg_catalog.random() LIMIT 1)
WHERE kind = 'component' AND ro < 0.45;
UPDATE cases SET obj = '110115' || pg_catalog.rpad(pg_catalog.substr(cat, 2), 4, '1') || '999' || pg_catalog.lpad(i::text, 3, '0')
WHERE kind = 'component' AND ro >= 0.45 AND ro < 0.6;
UPDATE cases SET obj = '1101150101000001' WHERE kind <> 'component' AND ro < 0.1;

SELECT ok((SELECT pg_catalog.count(*) FROM gridgov.routing_rules) = 400
          AND (SELECT pg_catalog.count(*) FROM gridgov.components) > 250
          AND (SELECT pg_catalog.count(*) FROM cases WHERE obj IS NOT NULL AND kind = 'component') > 100
          AND (SELECT pg_catalog.count(*) FROM cases WHERE grid IS NULL) > 100,
          'the random organisation, rules, components and cases were generated');

-- The reference: every candidate with its precedence key, computed with text
-- prefixes; the first one per case wins.
CREATE TEMP VIEW reference AS
SELECT DISTINCT ON (x.i) x.i, x.dept, x.stage
FROM (
    SELECT k.i, 0 AS stage, 0 AS k1, 0 AS k2, 0 AS k3, 0::bigint AS k4,
           CASE WHEN o.active THEN o.id WHEN m.active THEN m.id END AS dept
    FROM cases k
    JOIN gridgov.components c ON c.objcode = k.obj
    LEFT JOIN gridgov.departments o ON o.id = c.owner_id
    LEFT JOIN gridgov.departments m ON m.id = c.maintainer_id
    WHERE k.kind = 'component'
    UNION ALL
    SELECT k.i, 1, pg_catalog.length(r.category_prefix), COALESCE(pg_catalog.length(r.area::text), 0),
           r.priority, r.id, r.department_id
    FROM cases k
    JOIN gridgov.routing_rules r ON r.active AND pg_catalog.starts_with(k.cat, r.category_prefix)
         AND (r.area IS NULL OR pg_catalog.starts_with(k.grid::text, r.area::text))
    JOIN gridgov.departments d ON d.id = r.department_id AND d.active
    UNION ALL
    SELECT k.i, 2, pg_catalog.length(d.jurisdiction::text),
           CASE WHEN d.jurisdiction::text = pg_catalog.left(k.grid::text, 6) THEN 1 ELSE 0 END, 0, 0, d.id
    FROM cases k
    JOIN gridgov.departments d ON d.kind = 'command_center' AND d.active
         AND ((pg_catalog.length(k.grid::text) >= 9 AND d.jurisdiction::text = pg_catalog.left(k.grid::text, 9))
              OR (pg_catalog.length(k.grid::text) >= 6 AND d.jurisdiction::text = pg_catalog.left(k.grid::text, 6))
              OR d.jurisdiction::text = (SELECT s.value FROM gridgov.settings s WHERE s.key = 'home_county'))
) x
WHERE x.dept IS NOT NULL
ORDER BY x.i, x.stage, x.k1 DESC, x.k2 DESC, x.k3 DESC, x.k4;

CREATE TEMP TABLE routed AS SELECT k.i, gridgov.route(k.cat, k.grid, k.obj) AS dept FROM cases k;

SELECT is((SELECT pg_catalog.count(*) FROM routed WHERE dept IS NULL), 0::bigint,
          'route() never returns NULL while the home county has a command center');
SELECT is((SELECT pg_catalog.count(*) FROM routed r JOIN reference f USING (i)
           WHERE r.dept IS DISTINCT FROM f.dept), 0::bigint,
          'route() agrees with the brute-force reference on 3,000 random cases');
SELECT ok((SELECT pg_catalog.count(DISTINCT f.stage) = 3 AND pg_catalog.count(DISTINCT f.dept) > 30
           FROM reference f),
          'the cases reached owners, rules and command centers, and many departments');
SELECT ok((SELECT pg_catalog.count(*) FROM cases k JOIN reference f USING (i)
           WHERE f.stage = 0) > 50,
          'more than 50 cases went to a component''s owner or maintainer');

SELECT is((SELECT pg_catalog.count(*) FROM cases k
           JOIN routed r USING (i)
           LEFT JOIN LATERAL (SELECT e.department_id FROM gridgov.explain_route(k.cat, k.grid, k.obj) e
                              WHERE e.chosen) e ON true
           WHERE k.i <= 600 AND e.department_id IS DISTINCT FROM r.dept), 0::bigint,
          'explain_route() marks route()''s answer as chosen (600 cases)');
SELECT is((SELECT pg_catalog.count(*) FROM cases k
           CROSS JOIN LATERAL (SELECT pg_catalog.count(*) FILTER (WHERE e.chosen) AS n,
                                      pg_catalog.count(*) FILTER (WHERE e.rank = 1) AS r1
                               FROM gridgov.explain_route(k.cat, k.grid, k.obj) e) e
           WHERE k.i <= 600 AND (e.n <> 1 OR e.r1 <> 1)), 0::bigint,
          'explain_route() has exactly one chosen row, ranked 1 (600 cases)');

-- Without any town or county center, everything not claimed by an owner or a
-- rule goes to the home county's center; the reference still agrees.
UPDATE gridgov.departments SET active = false WHERE kind = 'command_center' AND code <> 'dc';
SELECT is((SELECT pg_catalog.count(*) FROM cases k JOIN reference f USING (i)
           WHERE gridgov.route(k.cat, k.grid, k.obj) IS DISTINCT FROM f.dept), 0::bigint,
          'with only the home center left, route() still agrees with the reference');
SELECT is((SELECT pg_catalog.count(*) FROM cases k JOIN reference f USING (i)
           WHERE f.stage = 2 AND f.dept <> (SELECT d.id FROM gridgov.departments d WHERE d.code = 'dc')), 0::bigint,
          'and every fallback is the home county''s center');

-- Without it, a case nobody claims fails with GG126 instead of vanishing.
UPDATE gridgov.departments SET active = false WHERE code = 'dc';
UPDATE gridgov.routing_rules SET active = false;
SELECT throws_ok($$SELECT gridgov.route('E0102', NULL)$$, 'GG126', NULL,
                 'a case nobody claims fails with GG126 once no center is left');

SELECT * FROM finish();
ROLLBACK;

-- SQL code that a Citus cluster refused (issue 14): functions and views that
-- read gridgov's tables in ways the Citus planner does not take.  Each object
-- below is the install script's new definition; the reasons are there.

CREATE OR REPLACE FUNCTION gridgov.coverage_issues(root gridgov.gridcode DEFAULT NULL,
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

CREATE OR REPLACE FUNCTION gridgov.explain_route(category text, grid gridgov.gridcode, objcode text DEFAULT NULL)
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

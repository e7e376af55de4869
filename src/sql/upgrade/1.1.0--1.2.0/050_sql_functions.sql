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

CREATE OR REPLACE VIEW gridgov.case_stats_computed AS
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
       c.updated_at AS case_updated_at
FROM gridgov.cases c
CROSS JOIN (SELECT gridgov.analytics_calendar() AS cal, gridgov.analytics_time_zone() AS tz OFFSET 0) z
CROSS JOIN LATERAL (
    SELECT pg_catalog.min(ev.at) FILTER (WHERE ev.action IN ('file', 'self_handle')) AS filed,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action = 'dispatch') AS first_dispatched_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action = 'dispatch') AS dispatched_at,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action IN ('sign', 'mediate')) AS signed_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action IN ('handle', 'self_handle', 'agree', 'fail')) AS handled_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action = 'verify_pass') AS verified_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action IN ('callback', 'follow_up')) AS called_back_at
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
           (pg_catalog.array_agg(ck.due_at ORDER BY ck.seq DESC) FILTER (WHERE ck.stage = 'whole'))[1] AS whole_due,
           (pg_catalog.array_agg(ck.due_at ORDER BY ck.seq DESC) FILTER (WHERE ck.stage = 'handle'))[1] AS handle_due
    FROM gridgov.case_clocks ck
    WHERE ck.county = c.county AND ck.case_id = c.id
) k;

CREATE OR REPLACE VIEW gridgov.kpi AS
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

CREATE OR REPLACE FUNCTION gridgov.analytics_rebuild_summaries() RETURNS bigint
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

CREATE OR REPLACE FUNCTION gridgov.analytics_check()
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

CREATE OR REPLACE FUNCTION gridgov.grid_metrics(as_of timestamptz)
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

CREATE OR REPLACE FUNCTION gridgov.map_areas(level text, metric text, as_of timestamptz)
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

CREATE OR REPLACE FUNCTION gridgov.verify_histories(county gridgov.gridcode DEFAULT NULL, case_ids bigint[] DEFAULT NULL)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT * FROM gridgov.history_breaks(verify_histories.county, verify_histories.case_ids);
END;

CREATE OR REPLACE FUNCTION gridgov.seal_recomputed(up_to date)
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

CREATE OR REPLACE FUNCTION gridgov.sla_due_cases(as_of timestamptz)
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

CREATE OR REPLACE FUNCTION gridgov.analytics_refresh(case_ids bigint[]) RETURNS integer
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
        case_updated_at = excluded.case_updated_at;
    RETURN pg_catalog.cardinality(new_rows);
END
$$;

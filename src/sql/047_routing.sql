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

-- Trigger checks under Citus: trigger_check() returns the table of the binding
-- (TG_TABLE_NAME is a shard's name there); the PL/pgSQL triggers keep it.
DROP FUNCTION gridgov.trigger_check(text, oid, text, text, text);
CREATE FUNCTION gridgov.trigger_check(fn text, relid oid, tg_when text, tg_level text, tg_op text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_trigger_check' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.trigger_check(text, oid, text, text, text) IS
    'Building block of every PL/pgSQL trigger function of gridgov, called first with its own name and TG_RELID, TG_WHEN, TG_LEVEL, TG_OP: refuses (39P01) a firing that gridgov.trigger_bindings() does not list, e.g. the function attached to another table; returns the gridgov table the firing is bound to (TG_TABLE_NAME is a shard''s name under Citus)';
CREATE OR REPLACE FUNCTION gridgov.settings_guard() RETURNS trigger
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
    'Trigger: validates known settings (home_county: 6 digits, 22023), keeps builtin/modified, refuses to delete or rename shipped keys (GG128), and lets an INSERT of a shipped unchanged key replace it (restore)';
CREATE OR REPLACE FUNCTION gridgov.categories_guard() RETURNS trigger
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
CREATE OR REPLACE FUNCTION gridgov.shipped_rows_restore() RETURNS trigger
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
        WHEN 'transitions' THEN ARRAY['to_state', 'roles', 'counter', 'requires', 'clock_start', 'clock_stop', 'title']
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
CREATE OR REPLACE FUNCTION gridgov.reference_guard() RETURNS trigger
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
CREATE OR REPLACE FUNCTION gridgov.calendar_guard() RETURNS trigger
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
CREATE OR REPLACE FUNCTION gridgov.sla_builtin_guard() RETURNS trigger
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
-- sla_policy() is PL/pgSQL: not inlined (Citus cannot plan an inlined SQL function with parameters).
CREATE OR REPLACE FUNCTION gridgov.sla_policy(category text, urgency gridgov.urgency, source gridgov.case_source,
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

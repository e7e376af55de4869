-- Restore (issue 12, item 1; docs/backup.md): a dump keeps the shipped rows a
-- city changed, and the restore brings them back over the ones CREATE
-- EXTENSION shipped.  The intake trigger's part (complete cases from a dump
-- are let in as they are) is in the library (src/cases/restore.c).

-- Workflows, their states and transitions: modified, dumped when set.
ALTER TABLE gridgov.workflows ADD COLUMN modified boolean NOT NULL DEFAULT false;
ALTER TABLE gridgov.workflow_states ADD COLUMN modified boolean NOT NULL DEFAULT false;
ALTER TABLE gridgov.transitions ADD COLUMN modified boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN gridgov.workflows.builtin IS 'Maintained by gridgov: shipped with gridgov (re-created by CREATE EXTENSION, so not dumped unless modified); rows a city adds are dumped';
COMMENT ON COLUMN gridgov.workflows.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';
COMMENT ON COLUMN gridgov.workflow_states.builtin IS 'Maintained by gridgov: shipped with gridgov (not dumped unless modified)';
COMMENT ON COLUMN gridgov.workflow_states.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';
COMMENT ON COLUMN gridgov.transitions.builtin IS 'Maintained by gridgov: shipped with gridgov (not dumped unless modified)';
COMMENT ON COLUMN gridgov.transitions.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';
SELECT pg_catalog.pg_extension_config_dump('gridgov.workflows', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.workflow_states', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transitions', 'WHERE NOT builtin OR modified');

-- SLA policies: the shipped ones switched off are dumped.
COMMENT ON COLUMN gridgov.sla_policies.builtin IS 'Shipped default (re-created by CREATE EXTENSION; dumped only when switched off)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.sla_policies', 'WHERE NOT builtin OR NOT active');

-- Restore of changed shipped rows --------------------------------------------------
--
-- A dump keeps the shipped rows a city changed (modified; sla_policies: the ones
-- switched off); the restore's COPY then meets the row CREATE EXTENSION just
-- shipped under the same key.  This trigger turns such an INSERT into an
-- UPDATE of the shipped row's editable columns (as the inserting role, so its
-- privileges apply) and skips the insert; any other duplicate still fails.
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
BEGIN
    PERFORM gridgov.trigger_check('shipped_rows_restore', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'UPDATE' THEN
        NEW.builtin := OLD.builtin;
        NEW.modified := OLD.modified
            OR (OLD.builtin AND pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) 'modified'
                                IS DISTINCT FROM pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) 'modified');
        RETURN NEW;
    END IF;
    -- The natural key of each table and the columns a city may change.
    keys := CASE TG_TABLE_NAME
        WHEN 'workflows' THEN ARRAY['name']
        WHEN 'workflow_states' THEN ARRAY['workflow', 'state']
        WHEN 'transitions' THEN ARRAY['workflow', 'from_state', 'action']
        WHEN 'sla_policies' THEN ARRAY['category_prefix', 'urgency', 'source', 'stage'] END;
    editable := CASE TG_TABLE_NAME
        WHEN 'workflows' THEN ARRAY['title', 'description', 'intake_clocks']
        WHEN 'workflow_states' THEN ARRAY['title', 'initial', 'terminal', 'closes_case']
        WHEN 'transitions' THEN ARRAY['to_state', 'roles', 'counter', 'requires', 'clock_start', 'clock_stop', 'title']
        WHEN 'sla_policies' THEN ARRAY['active'] END;
    key_match := pg_catalog.format('t.builtin AND (%s) IS NOT DISTINCT FROM (%s)',
        (SELECT pg_catalog.string_agg(pg_catalog.format('t.%I', k), ', ') FROM pg_catalog.unnest(keys) k),
        (SELECT pg_catalog.string_agg(pg_catalog.format('($1).%I', k), ', ') FROM pg_catalog.unnest(keys) k));
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I t WHERE %s)', TG_TABLE_NAME, key_match)
        INTO matched USING NEW;
    IF NOT matched THEN
        RETURN NEW;
    END IF;
    EXECUTE pg_catalog.format('UPDATE gridgov.%I t SET (%s) = ROW(%s) WHERE %s', TG_TABLE_NAME,
        (SELECT pg_catalog.string_agg(pg_catalog.format('%I', c), ', ') FROM pg_catalog.unnest(editable) c),
        (SELECT pg_catalog.string_agg(pg_catalog.format('($1).%I', c), ', ') FROM pg_catalog.unnest(editable) c),
        key_match) USING NEW;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.shipped_rows_restore() IS
    'Trigger on workflows, workflow_states, transitions (INSERT, UPDATE) and sla_policies (INSERT): an INSERT of the key of a shipped row updates that row''s editable columns instead (how pg_restore brings back a shipped row changed before the dump); an UPDATE keeps builtin and marks a changed shipped row modified';
REVOKE EXECUTE ON FUNCTION gridgov.shipped_rows_restore() FROM PUBLIC;

CREATE TRIGGER workflows_shipped BEFORE INSERT OR UPDATE ON gridgov.workflows
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER workflow_states_shipped BEFORE INSERT OR UPDATE ON gridgov.workflow_states
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER transitions_shipped BEFORE INSERT OR UPDATE ON gridgov.transitions
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER sla_policies_shipped BEFORE INSERT ON gridgov.sla_policies
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.workflows ENABLE ALWAYS TRIGGER workflows_shipped;
ALTER TABLE gridgov.workflow_states ENABLE ALWAYS TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions ENABLE ALWAYS TRIGGER transitions_shipped;
ALTER TABLE gridgov.sla_policies ENABLE ALWAYS TRIGGER sla_policies_shipped;

-- The guards that already turn a restored shipped key into an update fire
-- under session_replication_role = replica too.
ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;
ALTER TABLE gridgov.categories ENABLE ALWAYS TRIGGER categories_guard;

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
-- A shipped row that a city changed under 0.1.0 is marked modified (before
-- the trigger below exists, which would keep modified as it was): its values
-- differ from those 0.1.0 shipped (src/sql/releases/gridgov--0.1.0.sql).

UPDATE gridgov.workflows t SET modified = true
FROM (VALUES
    ('grid_event', '数字城管案件', 'Digital city management: collect, file, dispatch, handle, report back, verify, close (GB/T 30428 practice).', '{file,whole}', true),
    ('hotline', '12345热线工单', '12345 citizen hotline: sign for, route, handle, reply, call back, close; reopened when the caller is not satisfied.', '{dispatch,whole}', true),
    ('dispute', '矛盾纠纷调解', 'Dispute mediation: accept, mediate, agreement or failure (referred), follow up, close.', '{sign,whole}', true)
) v(name, title, description, intake_clocks, builtin)
WHERE t.builtin AND t.name = v.name
  AND (t.title, t.description, t.intake_clocks) IS DISTINCT FROM (v.title, v.description, v.intake_clocks::text[]);

UPDATE gridgov.workflow_states t SET modified = true
FROM (VALUES
    ('grid_event', 'reported',     '上报',     true,  false, false, true),
    ('grid_event', 'filed',        '已立案',   false, false, false, true),
    ('grid_event', 'rejected',     '不予立案', false, true,  true,  true),
    ('grid_event', 'self_handled', '自处置',   false, false, false, true),
    ('grid_event', 'dispatched',   '已派遣',   false, false, false, true),
    ('grid_event', 'returned',     '已退回',   false, false, false, true),
    ('grid_event', 'signed',       '已签收',   false, false, false, true),
    ('grid_event', 'handled',      '已处置',   false, false, false, true),
    ('grid_event', 'verified',     '已核查',   false, false, false, true),
    ('grid_event', 'called_back',  '已回访',   false, false, false, true),
    ('grid_event', 'closed',       '已结案',   false, true,  true,  true),
    ('grid_event', 'merged',       '已合并',   false, true,  false, true),
    ('hotline',    'received',     '已受理',   true,  false, false, true),
    ('hotline',    'dispatched',   '已派单',   false, false, false, true),
    ('hotline',    'returned',     '已退单',   false, false, false, true),
    ('hotline',    'signed',       '已签收',   false, false, false, true),
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
    ('dispute',    'merged',       '已合并',   false, true,  false, true)
) v(workflow, state, title, initial, terminal, closes_case, builtin)
WHERE t.builtin AND t.workflow = v.workflow AND t.state = v.state
  AND (t.title, t.initial, t.terminal, t.closes_case) IS DISTINCT FROM (v.title, v.initial::boolean, v.terminal::boolean, v.closes_case::boolean);

UPDATE gridgov.transitions t SET modified = true
FROM (VALUES
    ('grid_event', 'reported',     'file',        'filed',        '{gridgov_dispatcher}', NULL, '{}', '{dispatch}', '{file}', '立案', true),
    ('grid_event', 'reported',     'reject',      'rejected',     '{gridgov_dispatcher}', NULL, '{}', '{}', '{file}', '不予立案', true),
    ('grid_event', 'reported',     'self_handle', 'self_handled', '{gridgov_worker}',     NULL, '{}', '{verify}', '{file}', '自处置', true),
    ('grid_event', 'filed',        'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '派遣', true),
    ('grid_event', 'dispatched',   'sign',        'signed',       '{gridgov_department,gridgov_worker}', NULL, '{}', '{handle}', '{sign}', '签收', true),
    ('grid_event', 'dispatched',   'return',      'returned',     '{gridgov_department}', 'returns', '{}', '{dispatch}', '{sign}', '退回', true),
    ('grid_event', 'returned',     'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '改派', true),
    ('grid_event', 'signed',       'handle',      'handled',      '{gridgov_department,gridgov_worker}', NULL, '{}', '{verify}', '{handle}', '处置反馈', true),
    ('grid_event', 'handled',      'verify_pass', 'verified',     '{gridgov_worker,gridgov_dispatcher}', NULL, '{}', '{}', '{verify}', '核查通过', true),
    ('grid_event', 'handled',      'verify_fail', 'signed',       '{gridgov_worker,gridgov_dispatcher}', 'reworks', '{}', '{handle}', '{verify}', '核查不通过，返工', true),
    ('grid_event', 'self_handled', 'verify_pass', 'verified',     '{gridgov_worker,gridgov_dispatcher}', NULL, '{}', '{}', '{verify}', '核查通过', true),
    ('grid_event', 'self_handled', 'verify_fail', 'filed',        '{gridgov_worker,gridgov_dispatcher}', 'reworks', '{}', '{dispatch}', '{verify}', '核查不通过，转派遣', true),
    ('grid_event', 'verified',     'callback',    'called_back',  '{gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{}', '回访', true),
    ('grid_event', 'verified',     'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '结案', true),
    ('grid_event', 'called_back',  'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '结案', true),
    ('grid_event', '*',            'merge',       'merged',       '{gridgov_dispatcher}', NULL, '{master_case_id}', '{}', '{}', '合并', true),
    ('hotline',    'received',     'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '派单', true),
    ('hotline',    'received',     'answer',      'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{dispatch}', '直接答复办结', true),
    ('hotline',    'dispatched',   'sign',        'signed',       '{gridgov_department}', NULL, '{}', '{handle}', '{sign}', '签收', true),
    ('hotline',    'dispatched',   'return',      'returned',     '{gridgov_department}', 'returns', '{}', '{dispatch}', '{sign}', '退单', true),
    ('hotline',    'returned',     'dispatch',    'dispatched',   '{gridgov_dispatcher}', 'dispatches', '{}', '{sign}', '{dispatch}', '改派', true),
    ('hotline',    'signed',       'handle',      'handled',      '{gridgov_department}', NULL, '{}', '{}', '{}', '办理', true),
    ('hotline',    'handled',      'reply',       'replied',      '{gridgov_department}', NULL, '{}', '{callback}', '{handle}', '反馈', true),
    ('hotline',    'replied',      'callback',    'called_back',  '{gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '回访', true),
    ('hotline',    'called_back',  'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '办结', true),
    ('hotline',    'called_back',  'rehandle',    'signed',       '{gridgov_dispatcher}', 'reworks', '{}', '{handle}', '{}', '不满意，重新办理', true),
    ('hotline',    'closed',       'reopen',      'dispatched',   '{gridgov_dispatcher}', 'reopens', '{}', '{sign}', '{}', '重启', true),
    ('hotline',    '*',            'merge',       'merged',       '{gridgov_dispatcher}', NULL, '{master_case_id}', '{}', '{}', '合并', true),
    ('dispute',    'accepted',     'mediate',     'mediating',    '{gridgov_worker,gridgov_department}', NULL, '{}', '{handle}', '{sign}', '开始调解', true),
    ('dispute',    'mediating',    'agree',       'agreement',    '{gridgov_worker,gridgov_department}', NULL, '{}', '{callback}', '{handle}', '达成协议', true),
    ('dispute',    'mediating',    'fail',        'failed',       '{gridgov_worker,gridgov_department}', NULL, '{}', '{}', '{handle}', '调解失败', true),
    ('dispute',    'failed',       'refer',       'referred',     '{gridgov_dispatcher,gridgov_department}', NULL, '{}', '{callback}', '{}', '移交', true),
    ('dispute',    'agreement',    'follow_up',   'followed_up',  '{gridgov_worker,gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '回访', true),
    ('dispute',    'referred',     'follow_up',   'followed_up',  '{gridgov_worker,gridgov_dispatcher}', NULL, '{solved,satisfaction}', '{}', '{callback}', '回访', true),
    ('dispute',    'followed_up',  'close',       'closed',       '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '结案', true),
    ('dispute',    '*',            'merge',       'merged',       '{gridgov_dispatcher}', NULL, '{master_case_id}', '{}', '{}', '合并', true),
    ('grid_event', '*', 'suspend',   NULL, '{gridgov_dispatcher}', 'suspensions', '{}', '{}', '{}', '挂账', true),
    ('grid_event', '*', 'resume',    NULL, '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '恢复', true),
    ('grid_event', '*', 'extend',    NULL, '{gridgov_dispatcher}', 'extensions', '{stage,amount}', '{}', '{}', '延期', true),
    ('grid_event', '*', 'whistle',   NULL, '{gridgov_dispatcher}', NULL, '{departments}', '{}', '{}', '吹哨', true),
    ('grid_event', '*', 'report_in', NULL, '{gridgov_department,gridgov_dispatcher}', NULL, '{department_id}', '{}', '{}', '报到', true),
    ('hotline',    '*', 'suspend',   NULL, '{gridgov_dispatcher}', 'suspensions', '{}', '{}', '{}', '挂账', true),
    ('hotline',    '*', 'resume',    NULL, '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '恢复', true),
    ('hotline',    '*', 'extend',    NULL, '{gridgov_dispatcher}', 'extensions', '{stage,amount}', '{}', '{}', '延期', true),
    ('hotline',    '*', 'whistle',   NULL, '{gridgov_dispatcher}', NULL, '{departments}', '{}', '{}', '吹哨', true),
    ('hotline',    '*', 'report_in', NULL, '{gridgov_department,gridgov_dispatcher}', NULL, '{department_id}', '{}', '{}', '报到', true),
    ('dispute',    '*', 'suspend',   NULL, '{gridgov_dispatcher}', 'suspensions', '{}', '{}', '{}', '挂账', true),
    ('dispute',    '*', 'resume',    NULL, '{gridgov_dispatcher}', NULL, '{}', '{}', '{}', '恢复', true),
    ('dispute',    '*', 'extend',    NULL, '{gridgov_dispatcher}', 'extensions', '{stage,amount}', '{}', '{}', '延期', true),
    ('dispute',    '*', 'whistle',   NULL, '{gridgov_dispatcher}', NULL, '{departments}', '{}', '{}', '吹哨', true),
    ('dispute',    '*', 'report_in', NULL, '{gridgov_department,gridgov_dispatcher}', NULL, '{department_id}', '{}', '{}', '报到', true)
) v(workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, title, builtin)
WHERE t.builtin AND t.workflow = v.workflow AND t.from_state = v.from_state AND t.action = v.action
  AND (t.to_state, t.roles, t.counter, t.requires, t.clock_start, t.clock_stop, t.title) IS DISTINCT FROM (v.to_state, v.roles::text[], v.counter, v.requires::text[], v.clock_start::text[], v.clock_stop::text[], v.title);

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
BEGIN
    PERFORM gridgov.trigger_check('shipped_rows_restore', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
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
    keys := CASE TG_TABLE_NAME
        WHEN 'workflows' THEN ARRAY['name']
        WHEN 'workflow_states' THEN ARRAY['workflow', 'state']
        WHEN 'transitions' THEN ARRAY['workflow', 'from_state', 'action']
        WHEN 'sla_policies' THEN ARRAY['category_prefix', 'urgency', 'source', 'stage']
        WHEN 'calendars' THEN ARRAY['name'] END;
    editable := CASE TG_TABLE_NAME
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
            MESSAGE = pg_catalog.format('cannot mark a row of gridgov.%s as builtin', TG_TABLE_NAME),
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

-- The analytics' outbox after a restore: the intake statement trigger removes
-- the watermark when it lets restored cases in; the drain then rebuilds.
CREATE OR REPLACE FUNCTION gridgov.analytics_refresh_pending(max_entries integer DEFAULT NULL) RETURNS integer
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

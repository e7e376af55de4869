-- The SLA stages in their new order (discover, contact, supervise and review
-- added): a new type, the columns converted, the old type dropped.  (A value
-- added by ALTER TYPE ... ADD VALUE could not be used before this
-- transaction commits, and the shipped rows below use them.)
-- The views over the stage columns are dropped here and re-created as the
-- install script has them by 085_views.sql (after the other fragments).
DROP FUNCTION gridgov.analytics_check();
DROP VIEW gridgov.case_stats_computed;
DROP VIEW gridgov.provisional_clocks;
DROP FUNCTION gridgov.horizon_clocks_left(integer, timestamptz);
ALTER TYPE gridgov.sla_stage RENAME TO sla_stage_1_2_0;
CREATE TYPE gridgov.sla_stage AS ENUM ('discover', 'file', 'dispatch', 'sign', 'contact', 'handle', 'supervise',
                                       'review', 'verify', 'callback', 'whole');
COMMENT ON TYPE gridgov.sla_stage IS
    'Stages a time limit applies to: discover (发现: from occurred_at to the report; measured, never a running clock), file (立案), dispatch (派遣), sign (签收), contact (先行联系: the holder contacts the caller), handle (处置), supervise (督办: the holder answers a supervision), review (审核: the command center decides on a return, a request or a joint meeting), verify (核查), callback (回访), whole (from intake to closing)';
DROP FUNCTION gridgov.sla_policy(text, gridgov.urgency, gridgov.case_source, gridgov.sla_stage_1_2_0);
ALTER TABLE gridgov.sla_policies ALTER COLUMN stage TYPE gridgov.sla_stage USING stage::text::gridgov.sla_stage;
ALTER TABLE gridgov.case_clocks ALTER COLUMN stage TYPE gridgov.sla_stage USING stage::text::gridgov.sla_stage;
DROP TYPE gridgov.sla_stage_1_2_0;
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
-- Transitions cancel clocks (clock_cancel); the shipped workflows of 1.3.0:
-- new states, then the shipped transitions brought to the install script's
-- (a shipped row the city changed, modified, is left as it is).
ALTER TABLE gridgov.transitions ADD COLUMN clock_cancel text[] NOT NULL DEFAULT '{}',
    DROP CONSTRAINT transitions_counter_check,
    ADD CONSTRAINT transitions_counter_check CHECK (counter ~ '^(dispatches|returns|reworks|reopens|extensions|suspensions)(\+(dispatches|returns|reworks|reopens|extensions|suspensions))?$');
COMMENT ON COLUMN gridgov.transitions.clock_cancel IS 'SLA stages whose running clocks this action cancels (stopped, neither met nor late: e.g. the holder''s clocks when a case goes to a joint meeting)';
COMMENT ON COLUMN gridgov.transitions.counter IS 'Case counter the action increments: dispatches, returns, reworks, reopens, extensions or suspensions, or two of them joined by + (returns+dispatches: a re-dispatch that approves a return)';
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
ALTER TABLE gridgov.workflow_states DISABLE TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions DISABLE TRIGGER transitions_shipped;
CREATE TEMP TABLE upgrade_states (LIKE gridgov.workflow_states INCLUDING DEFAULTS);
CREATE TEMP TABLE upgrade_transitions (LIKE gridgov.transitions INCLUDING DEFAULTS INCLUDING IDENTITY);
INSERT INTO pg_temp.upgrade_states (workflow, state, title, initial, terminal, closes_case, builtin) VALUES
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
INSERT INTO pg_temp.upgrade_transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, clock_cancel, title, builtin) VALUES
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
INSERT INTO pg_temp.upgrade_transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, title, builtin)
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
INSERT INTO gridgov.workflow_states (workflow, state, title, initial, terminal, closes_case, builtin)
SELECT u.workflow, u.state, u.title, u.initial, u.terminal, u.closes_case, true FROM pg_temp.upgrade_states u
WHERE NOT EXISTS (SELECT 1 FROM gridgov.workflow_states s WHERE s.workflow = u.workflow AND s.state = u.state);
UPDATE gridgov.transitions t
SET to_state = u.to_state, roles = u.roles, counter = u.counter, requires = u.requires,
    clock_start = u.clock_start, clock_stop = u.clock_stop, clock_cancel = u.clock_cancel, title = u.title
FROM pg_temp.upgrade_transitions u
WHERE t.builtin AND NOT t.modified
  AND (t.workflow, t.from_state, t.action) = (u.workflow, u.from_state, u.action);
DELETE FROM gridgov.transitions t
WHERE t.builtin AND NOT t.modified
  AND NOT EXISTS (SELECT 1 FROM pg_temp.upgrade_transitions u
                  WHERE (t.workflow, t.from_state, t.action) = (u.workflow, u.from_state, u.action));
INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start,
                                 clock_stop, clock_cancel, title, builtin)
SELECT u.workflow, u.from_state, u.action, u.to_state, u.roles, u.counter, u.requires, u.clock_start,
       u.clock_stop, u.clock_cancel, u.title, true
FROM pg_temp.upgrade_transitions u
WHERE NOT EXISTS (SELECT 1 FROM gridgov.transitions t
                  WHERE (t.workflow, t.from_state, t.action) = (u.workflow, u.from_state, u.action))
ORDER BY u.id;
ALTER TABLE gridgov.workflow_states ENABLE ALWAYS TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions ENABLE ALWAYS TRIGGER transitions_shipped;
DROP TABLE pg_temp.upgrade_states, pg_temp.upgrade_transitions;

-- Escalation ladders per category prefix and urgency.  The shipped rungs of
-- 1.2.0 give way to the shipped ladders of 1.3.0; a city's own rungs stay on
-- the ladder for every category (prefix '', any urgency), after the shipped
-- ones.
ALTER TABLE gridgov.escalation_ladder
    ADD COLUMN category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT ''
        CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    ADD COLUMN urgency gridgov.urgency,
    ADD COLUMN supervise boolean NOT NULL DEFAULT false,
    ADD COLUMN min_breaches integer NOT NULL DEFAULT 1 CHECK (min_breaches BETWEEN 1 AND 100),
    DROP CONSTRAINT escalation_ladder_pkey,
    DROP CONSTRAINT escalation_ladder_target_check,
    ADD CONSTRAINT escalation_ladder_target_check
        CHECK (target IN ('holder', 'holder_supervisor', 'town_center', 'district_center', 'discipline')),
    ADD CONSTRAINT escalation_ladder_key UNIQUE NULLS NOT DISTINCT (category_prefix, urgency, level);
ALTER TABLE gridgov.escalation_ladder DISABLE TRIGGER escalation_ladder_guard;
DELETE FROM gridgov.escalation_ladder WHERE builtin;
-- 1.2.0 shipped three rungs, 1.3.0 four on this ladder: a city's rung N becomes N + 1.
UPDATE gridgov.escalation_ladder SET level = level + 10000 WHERE NOT builtin;
UPDATE gridgov.escalation_ladder SET level = level - 9999 WHERE NOT builtin;
ALTER TABLE gridgov.escalation_ladder ENABLE TRIGGER escalation_ladder_guard;
COMMENT ON COLUMN gridgov.escalation_ladder.category_prefix IS 'Category code prefix of the ladder; '''' for every category';
COMMENT ON COLUMN gridgov.escalation_ladder.urgency IS 'Urgency of the ladder; NULL for any';
COMMENT ON COLUMN gridgov.escalation_ladder.supervise IS
    'Reaching the rung puts the case under supervision (督办 by rule): the sweep takes the workflow''s supervise action, which starts a supervise clock the holder must answer';
COMMENT ON COLUMN gridgov.escalation_ladder.min_breaches IS
    'The rung applies only to a case with at least this many breaches when it falls due (repeated breaches, e.g. 2 for the discipline bodies): clocks of its steps met late or running past due and not paused, the command center''s own (review) and the whole-case clock not counted; a rung that does not apply is passed over';
COMMENT ON COLUMN gridgov.escalation_ladder.level IS 'Rung number, 1 upwards, within its ladder';
COMMENT ON COLUMN gridgov.escalation_ladder.target IS
    'holder (a reminder to the department holding the case, 催办), holder_supervisor (the department above the holder: its parent, else the command center over the case that is not the holder), town_center (the command center of the case''s town, else of its county; never the holder: then the district''s), district_center (of its county), discipline (the county''s discipline inspection and procuratorate departments)';
COMMENT ON TABLE gridgov.escalation_ladder IS
    'Escalation ladders as data, one per category prefix and urgency (the rungs sharing them): a late clock climbs the ladder of the most specific key matching its case (longest prefix, then a set urgency); rung 1 is due at the breach plus its delay, each further rung its delay after the previous rung was reached; the target says who is told';
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
-- Clocks still climbing keep their place: the 1.2.0 rung they reached (1 the
-- town center, 2 the district center, 3 the discipline bodies) becomes the
-- highest rung of their case's 1.3.0 ladder that tells no one above it.
UPDATE gridgov.case_clocks k SET escalation_level = m.level
FROM (SELECT x.county, x.case_id, x.stage, x.seq,
             COALESCE((SELECT pg_catalog.max(l.level) FROM gridgov.escalation_ladder l
                       WHERE l.category_prefix = key.category_prefix AND l.urgency IS NOT DISTINCT FROM key.urgency
                         AND l.target = ANY (CASE x.escalation_level
                             WHEN 1 THEN ARRAY['holder', 'holder_supervisor', 'town_center']
                             WHEN 2 THEN ARRAY['holder', 'holder_supervisor', 'town_center', 'district_center']
                             ELSE ARRAY['holder', 'holder_supervisor', 'town_center', 'district_center', 'discipline'] END)),
                      x.escalation_level) AS level
      FROM gridgov.case_clocks x
      JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) x.county AND c.id = x.case_id
      CROSS JOIN LATERAL (SELECT l.category_prefix, l.urgency FROM gridgov.escalation_ladder l
                          WHERE pg_catalog.starts_with(c.category, l.category_prefix)
                            AND (l.urgency IS NULL OR l.urgency = c.urgency)
                          ORDER BY pg_catalog.length(l.category_prefix) DESC, l.urgency IS NULL LIMIT 1) key
      WHERE x.escalation_level > 0 AND x.met_at IS NULL AND x.cancelled_at IS NULL) m
WHERE k.county OPERATOR(gridgov.=) m.county AND k.case_id = m.case_id AND k.stage = m.stage AND k.seq = m.seq;
-- The time limits of the new steps (shipped policies after those of 1.2.0).
ALTER TABLE gridgov.sla_policies DISABLE TRIGGER sla_policies_shipped;
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
ALTER TABLE gridgov.sla_policies ENABLE ALWAYS TRIGGER sla_policies_shipped;
-- Requests of the holder and joint meetings (070).
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
-- The sweep: ladders per category and urgency, targets that never tell the holder as its own supervisor, supervision by rule.
DROP FUNCTION gridgov.sla_sweep_escalations(gridgov.gridcode, bigint, text, gridgov.gridcode, timestamptz, timestamptz);
DROP FUNCTION gridgov.escalation_targets(text, gridgov.gridcode, gridgov.gridcode);
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
CREATE OR REPLACE FUNCTION gridgov.sla_sweep_case(county gridgov.gridcode, case_id bigint, as_of timestamptz)
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
CREATE OR REPLACE FUNCTION gridgov.sla_sweep(as_of timestamptz DEFAULT pg_catalog.now(), max_cases integer DEFAULT NULL)
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
-- The wrappers of the new steps (058).
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
-- The new tables on a Citus cluster (096), their row-level security (097).
CREATE OR REPLACE FUNCTION gridgov.citus_layout()
    RETURNS TABLE (table_name text, kind text, step integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 40
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.t, l.k, l.n::integer
    FROM ROWS FROM (pg_catalog.unnest(ARRAY[
            -- configuration: copied to every node (referenced before referring)
            'grid_revisions', 'grids', 'departments', 'staff', 'grid_staff',
            'workflows', 'workflow_states', 'transitions', 'categories', 'components',
            'routing_rules', 'settings', 'calendars', 'calendar_periods',
            'calendar_exceptions', 'sla_policies', 'escalation_ladder', 'score_weights',
            'history_seals', 'analytics_watermark',
            -- per case, by county, co-located with cases
            'cases', 'case_events', 'case_clocks', 'escalations', 'whistles',
            'whistle_calls', 'history_seal_heads', 'case_stats', 'stats_month',
            'stats_month_hist', 'stats_month_category', 'case_requests', 'case_meetings',
            -- the history import's staging, the inbox, the analytics' node
            -- watermarks, the hot spots (written and read by the coordinator's
            -- nightly job and views): on the coordinator only
            'import_cases', 'import_steps', 'import_rejects', 'case_inbox', 'analytics_node_watermarks',
            'hotspot_runs', 'hotspots']),
        pg_catalog.unnest(ARRAY[
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference',
            'distributed', 'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'local', 'local', 'local', 'local', 'local', 'local', 'local']))
        WITH ORDINALITY AS l(t, k, n)
$$;
COMMENT ON FUNCTION gridgov.citus_layout() IS
    'Where each table of gridgov lives on a Citus cluster, in the order gridgov.distribute() converts them: reference (configuration, copied to every node), distributed (per-case rows, by county, co-located with cases) or local (on the coordinator: the history import''s staging, the case inbox, the analytics'' node watermarks, the hot spots); docs/scaling.md';
ALTER TABLE gridgov.case_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_requests_read ON gridgov.case_requests FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.case_meetings ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_meetings_read ON gridgov.case_meetings FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));

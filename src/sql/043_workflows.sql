-- ---------------------------------------------------------------------------
-- Workflows as data: states and transitions of each case workflow.  Before
-- the categories (045), each of which names the workflow of its cases.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.workflows (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
    title       text NOT NULL,
    description text,
    intake_clocks text[] NOT NULL DEFAULT '{whole}',
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE gridgov.workflows IS 'Case workflows (state machines); each category names the workflow its cases follow';
COMMENT ON COLUMN gridgov.workflows.name IS 'Identifier, e.g. grid_event, hotline, dispute';
COMMENT ON COLUMN gridgov.workflows.title IS 'Human-readable name';
COMMENT ON COLUMN gridgov.workflows.description IS 'What the workflow is for';
COMMENT ON COLUMN gridgov.workflows.intake_clocks IS 'SLA stages whose clocks start when a case enters (e.g. {file,whole})';
COMMENT ON COLUMN gridgov.workflows.builtin IS 'Maintained by gridgov: shipped with gridgov (re-created by CREATE EXTENSION, so not dumped unless modified); rows a city adds are dumped';
COMMENT ON COLUMN gridgov.workflows.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

CREATE TABLE gridgov.workflow_states (
    workflow    text NOT NULL REFERENCES gridgov.workflows (name) ON UPDATE CASCADE ON DELETE CASCADE,
    state       text NOT NULL CHECK (state ~ '^[a-z][a-z0-9_]{0,39}$'),
    title       text NOT NULL,
    initial     boolean NOT NULL DEFAULT false,
    terminal    boolean NOT NULL DEFAULT false,
    -- A terminal state may leave closed_at unset until something else closes
    -- the case (a merged duplicate is closed with its master).
    closes_case boolean NOT NULL DEFAULT false,
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workflow, state),
    CHECK (NOT (initial AND terminal)),
    CONSTRAINT workflow_states_closes_terminal CHECK (NOT closes_case OR terminal)
);
CREATE UNIQUE INDEX workflow_states_one_initial ON gridgov.workflow_states (workflow) WHERE initial;
COMMENT ON TABLE gridgov.workflow_states IS 'States of each workflow: exactly one initial state (cases enter in it); terminal states end the case (closed_at is set)';
COMMENT ON COLUMN gridgov.workflow_states.workflow IS 'Workflow the state belongs to';
COMMENT ON COLUMN gridgov.workflow_states.state IS 'State identifier, e.g. dispatched';
COMMENT ON COLUMN gridgov.workflow_states.title IS 'Human-readable name, e.g. 已派遣';
COMMENT ON COLUMN gridgov.workflow_states.initial IS 'Cases of this workflow enter in this state';
COMMENT ON COLUMN gridgov.workflow_states.terminal IS 'The case is finished in this state';
COMMENT ON COLUMN gridgov.workflow_states.closes_case IS
    'Entering this state sets the case''s closed_at (true for closed and rejected; false for merged, which closes with its master)';
COMMENT ON COLUMN gridgov.workflow_states.builtin IS 'Maintained by gridgov: shipped with gridgov (not dumped unless modified)';
COMMENT ON COLUMN gridgov.workflow_states.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

CREATE TABLE gridgov.transitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow    text NOT NULL REFERENCES gridgov.workflows (name) ON UPDATE CASCADE ON DELETE CASCADE,
    from_state  text NOT NULL,
    action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]{0,39}$'),
    to_state    text,
    roles       text[] NOT NULL DEFAULT '{}',
    counter     text CHECK (counter ~ '^(dispatches|returns|reworks|reopens|extensions|suspensions)(\+(dispatches|returns|reworks|reopens|extensions|suspensions))?$'),
    requires    text[] NOT NULL DEFAULT '{}',
    clock_start text[] NOT NULL DEFAULT '{}',
    clock_stop  text[] NOT NULL DEFAULT '{}',
    title       text,
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false,
    clock_cancel text[] NOT NULL DEFAULT '{}',
    UNIQUE (workflow, from_state, action),
    FOREIGN KEY (workflow, to_state) REFERENCES gridgov.workflow_states (workflow, state)
        ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE gridgov.transitions IS
    'Legal state changes: in a workflow, from a state (or * for any non-terminal state), an action leads to a state (NULL: the state stays), allowed to members of any of the roles (empty: anyone). Changes here take effect in every session at its next statement.';
COMMENT ON COLUMN gridgov.transitions.workflow IS 'Workflow';
COMMENT ON COLUMN gridgov.transitions.from_state IS 'State the case must be in, or * for any non-terminal state';
COMMENT ON COLUMN gridgov.transitions.action IS 'Action name, as passed to gridgov.act()';
COMMENT ON COLUMN gridgov.transitions.to_state IS 'State after the action; NULL leaves the state unchanged (e.g. extend, whistle)';
COMMENT ON COLUMN gridgov.transitions.roles IS 'Database roles allowed to take the action (membership counts); empty array: anyone who may update cases';
COMMENT ON COLUMN gridgov.transitions.counter IS 'Case counter the action increments: dispatches, returns, reworks, reopens, extensions or suspensions, or two of them joined by + (returns+dispatches: a re-dispatch that approves a return)';
COMMENT ON COLUMN gridgov.transitions.requires IS 'Keys the action''s payload must carry, e.g. {department_id} for dispatch, {solved,satisfaction} for callback';
COMMENT ON COLUMN gridgov.transitions.clock_start IS 'SLA stages whose clocks this action starts (e.g. {sign})';
COMMENT ON COLUMN gridgov.transitions.clock_stop IS 'SLA stages whose clocks this action stops (met)';
COMMENT ON COLUMN gridgov.transitions.title IS 'Human-readable name, e.g. 派遣';
COMMENT ON COLUMN gridgov.transitions.builtin IS 'Maintained by gridgov: shipped with gridgov (not dumped unless modified)';
COMMENT ON COLUMN gridgov.transitions.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';
COMMENT ON COLUMN gridgov.transitions.clock_cancel IS 'SLA stages whose running clocks this action cancels (stopped, neither met nor late: e.g. the holder''s clocks when a case goes to a joint meeting)';

-- Every from_state must be a state of the workflow, or *.
CREATE FUNCTION gridgov.transitions_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('transitions_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.from_state <> '*' AND NOT EXISTS (
        SELECT 1 FROM gridgov.workflow_states s WHERE s.workflow = NEW.workflow AND s.state = NEW.from_state) THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('state %s is not a state of workflow %s', NEW.from_state, NEW.workflow);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.transitions_check() IS 'Trigger: a transition''s from_state is a state of its workflow or *';
CREATE TRIGGER transitions_check BEFORE INSERT OR UPDATE ON gridgov.transitions
    FOR EACH ROW EXECUTE FUNCTION gridgov.transitions_check();

-- Shipped rows come back with CREATE EXTENSION; rows a city adds, and shipped
-- rows it changed (modified), are dumped: gridgov.shipped_rows_restore() below
-- lets the restore of a changed shipped row update the one CREATE EXTENSION made.
SELECT pg_catalog.pg_extension_config_dump('gridgov.workflows', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.workflow_states', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transitions', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transitions_id_seq', '');

-- Shipped workflows -------------------------------------------------------------
-- Roles are the group roles gridgov.setup_roles() (098) creates: gridgov_dispatcher
-- (command center), gridgov_department (assignees), gridgov_worker (grid
-- workers), gridgov_admin (member of all three).

INSERT INTO gridgov.workflows (name, title, description, intake_clocks, builtin) VALUES
    ('grid_event', '数字城管案件', 'Digital city management: collect, file, dispatch, handle, report back, verify, close (GB/T 30428 practice).', '{file,whole}', true),
    ('hotline', '12345热线工单', '12345 citizen hotline: sign for, route, handle, reply, call back, close; reopened when the caller is not satisfied.', '{dispatch,whole}', true),
    ('dispute', '矛盾纠纷调解', 'Dispute mediation: accept, mediate, agreement or failure (referred), follow up, close.', '{sign,whole}', true);

INSERT INTO gridgov.workflow_states (workflow, state, title, initial, terminal, closes_case, builtin) VALUES
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

INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, clock_cancel, title, builtin) VALUES
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

-- Every workflow: the actions that keep the state — time limits (see the SLA
-- module), supervision (督办), the holder's requests and the center's
-- decisions on them, whistle-and-report.
INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, roles, counter, requires, clock_start, clock_stop, title, builtin)
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

CREATE TRIGGER workflows_shipped BEFORE INSERT OR UPDATE ON gridgov.workflows
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER workflow_states_shipped BEFORE INSERT OR UPDATE ON gridgov.workflow_states
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
CREATE TRIGGER transitions_shipped BEFORE INSERT OR UPDATE ON gridgov.transitions
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.workflows ENABLE ALWAYS TRIGGER workflows_shipped;
ALTER TABLE gridgov.workflow_states ENABLE ALWAYS TRIGGER workflow_states_shipped;
ALTER TABLE gridgov.transitions ENABLE ALWAYS TRIGGER transitions_shipped;

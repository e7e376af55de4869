-- ---------------------------------------------------------------------------
-- Time limits: shipped policies and ladder, clocks started and stopped by
-- the workflow, suspend/resume/extend, the escalation sweep, whistles.
-- ---------------------------------------------------------------------------

-- Shipped escalation ladders: reminders to the holder (催办), then the
-- department above it, then the command centers, the district's rung
-- supervising the case (督办); the discipline bodies (纪委监委) are on no
-- shipped ladder: a district adds them for what it decides (e.g. repeated
-- breaches, min_breaches 2, as Pidu pushes overdue cases to the discipline
-- commission and procuratorate; docs/sla.md).  Hotline tickets go to the town
-- with the district supervising in parallel (domain.md); emergencies, of the
-- hotline too, climb in minutes.
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

-- Shipped time limits (domain.md: Yizhuang, Taiyuan, hotline practice,
-- per-category limits in working hours).  Cities replace them.
INSERT INTO gridgov.sla_policies (category_prefix, urgency, source, stage, amount, unit, calendar_id, note, builtin)
SELECT v.prefix, v.urgency::gridgov.urgency, NULL, v.stage::gridgov.sla_stage, v.amount, v.unit, c.id, v.note, true
FROM (VALUES
    -- grid events and components: file + dispatch 30 min (urgent 10, emergency 10)
    ('E', NULL,        'file',     20, 'minutes',       '24x7', 'file + dispatch 30 min (Yizhuang, Taiyuan)'),
    ('E', 'urgent',    'file',      5, 'minutes',       '24x7', 'file + dispatch 10 min for urgent cases (Taiyuan)'),
    ('E', 'emergency', 'file',      5, 'minutes',       '24x7', 'file + dispatch 10 min for emergencies'),
    ('E', NULL,        'dispatch', 10, 'minutes',       '24x7', 'file + dispatch 30 min (Yizhuang, Taiyuan)'),
    ('E', 'urgent',    'dispatch',  5, 'minutes',       '24x7', 'file + dispatch 10 min for urgent cases (Taiyuan)'),
    ('E', 'emergency', 'dispatch',  5, 'minutes',       '24x7', 'file + dispatch 10 min for emergencies'),
    ('E', NULL,        'sign',     60, 'minutes',       '24x7', 'assignee signs within 1 h'),
    ('E', 'emergency', 'sign',     15, 'minutes',       '24x7', 'emergencies signed within 15 min'),
    ('E', NULL,        'handle',    1, 'working_days',  'cn',   'default for events'),
    ('E0101', NULL,    'handle',    4, 'working_hours', 'cn',   'illegal structure: stop within 4 working hours'),
    ('E0102', NULL,    'handle',    4, 'working_hours', 'cn',   'exposed rubbish: 4 working hours'),
    ('E0104', NULL,    'handle',    2, 'working_hours', 'cn',   'dirty road: 2 working hours'),
    ('E04', NULL,      'handle',  180, 'minutes',       '24x7', 'emergencies: 3 h to finish (Yizhuang)'),
    ('E', NULL,        'verify',   60, 'minutes',       '24x7', 'verify 1 h in the city (Taiyuan; rural areas 2 h)'),
    ('E', NULL,        'callback',  1, 'working_days',  'cn',   'callback within 1 working day'),
    ('C', NULL,        'file',     20, 'minutes',       '24x7', 'file + dispatch 30 min'),
    ('C', NULL,        'dispatch', 10, 'minutes',       '24x7', 'file + dispatch 30 min'),
    ('C', NULL,        'sign',     60, 'minutes',       '24x7', 'assignee signs within 1 h'),
    ('C', NULL,        'handle',    3, 'working_days',  'cn',   'default for components'),
    ('C', NULL,        'verify',   60, 'minutes',       '24x7', 'verify 1 h'),
    -- 12345 hotline
    ('H', NULL,        'dispatch', 30, 'minutes',       '24x7', 'route within 30 min'),
    ('H', 'urgent',    'dispatch', 10, 'minutes',       '24x7', 'urgent tickets routed within 10 min'),
    ('H', NULL,        'sign',   1440, 'minutes',       '24x7', 'sign within 24 h (hotline practice)'),
    ('H', 'urgent',    'sign',    120, 'minutes',       '24x7', 'urgent tickets signed within 2 h'),
    ('H', NULL,        'handle',    7, 'calendar_days', 'cn',   'feedback within 7 days for general issues'),
    ('H', NULL,        'callback',  1, 'working_days',  'cn',   'contact the caller within 1 working day (Shanghai streets)'),
    ('H', NULL,        'whole',    15, 'working_days',  'cn',   'closed within 15 working days'),
    -- disputes
    ('D', NULL,        'sign',      1, 'working_days',  'cn',   'mediation starts within 1 working day'),
    ('D', NULL,        'handle',   30, 'calendar_days', 'cn',   'mediation within 30 days'),
    ('D', NULL,        'callback',  5, 'working_days',  'cn',   'follow-up within 5 working days'),
    ('D', NULL,        'whole',    45, 'calendar_days', 'cn',   'closed within 45 days')
) v(prefix, urgency, stage, amount, unit, calendar, note)
JOIN gridgov.calendars c ON c.name = v.calendar;

-- Time limits of the steps of 1.3.0 (first contact, supervision, the command
-- center's decisions, discovery, hotline emergencies), after the earlier ones.
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

-- Shipped rows are restored by CREATE EXTENSION; keep them from being changed
-- or removed (a dump would not keep the change); deactivate or override them.
CREATE FUNCTION gridgov.sla_builtin_guard() RETURNS trigger
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
CREATE TRIGGER sla_policies_guard BEFORE UPDATE OR DELETE ON gridgov.sla_policies
    FOR EACH ROW EXECUTE FUNCTION gridgov.sla_builtin_guard();
CREATE TRIGGER escalation_ladder_guard BEFORE UPDATE OR DELETE ON gridgov.escalation_ladder
    FOR EACH ROW EXECUTE FUNCTION gridgov.sla_builtin_guard();
-- The restore of a shipped policy that was switched off (043, docs/backup.md).
CREATE TRIGGER sla_policies_shipped BEFORE INSERT ON gridgov.sla_policies
    FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.sla_policies ENABLE ALWAYS TRIGGER sla_policies_shipped;

-- Policy selection -----------------------------------------------------------

-- PL/pgSQL, not a SQL function the planner would inline into the engine's
-- query: Citus refuses an inlined SQL function that reads its tables.  The
-- engine memoises the answers per backend (below).
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

-- Clocks -----------------------------------------------------------------------
--
-- Clocks are started, stopped, paused, moved and cancelled by the case engine
-- (src/cases/engine.c), at intake and with every workflow action.

-- The engine takes the policy gridgov.sla_policy() picks, memoised per
-- backend; a change of the policies drops the memo in every session
-- (095_caches.sql).

-- Shift a paused clock's times by the working time the pause lasted.
CREATE FUNCTION gridgov.sla_shift(cal text, unit text, t timestamptz, paused_from timestamptz,
                                  paused_to timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE
        WHEN t IS NULL THEN NULL
        WHEN unit = 'calendar_days' THEN t + (paused_to - paused_from)
        ELSE gridgov.worktime_add(cal, t, gridgov.worktime_between(cal, paused_from, paused_to, 'minutes'), 'minutes')
    END;
COMMENT ON FUNCTION gridgov.sla_shift(text, text, timestamptz, timestamptz, timestamptz) IS
    'Internal: a clock time moved later by the time a pause lasted — wall-clock time for calendar_days limits, the calendar''s working time otherwise';

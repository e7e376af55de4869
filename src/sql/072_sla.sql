-- ---------------------------------------------------------------------------
-- Time limits: shipped policies and ladder, clocks started and stopped by
-- the workflow, suspend/resume/extend, the escalation sweep, whistles.
-- ---------------------------------------------------------------------------

-- Shipped escalation ladder (the seeds: town command center at breach,
-- district command center 2 h later, discipline inspection 1 working day later).
INSERT INTO gridgov.escalation_ladder (level, title, target, delay, delay_unit, calendar_id, builtin)
SELECT v.level, v.title, v.target, v.delay, v.unit, c.id, true
FROM (VALUES (1, '街镇指挥中心 (town command center)', 'town_center', 0, 'minutes', '24x7'),
             (2, '区指挥中心 (district command center)', 'district_center', 120, 'minutes', '24x7'),
             (3, '区纪委监委、区检察院 (discipline inspection and procuratorate)', 'discipline', 1, 'working_days', 'cn')
     ) v(level, title, target, delay, unit, calendar)
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

-- Shipped rows are restored by CREATE EXTENSION; keep them from being changed
-- or removed (a dump would not keep the change); deactivate or override them.
CREATE FUNCTION gridgov.sla_builtin_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('sla_builtin_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'DELETE' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG250',
                MESSAGE = pg_catalog.format('%s row shipped with gridgov cannot be deleted', TG_TABLE_NAME),
                HINT = 'Add a more specific row instead (policies: set active = false to switch one off).';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.builtin AND pg_catalog.to_jsonb(NEW) - 'active' IS DISTINCT FROM pg_catalog.to_jsonb(OLD) - 'active' THEN
        RAISE EXCEPTION USING ERRCODE = 'GG250',
            MESSAGE = pg_catalog.format('%s row shipped with gridgov cannot be changed', TG_TABLE_NAME),
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

-- Policy selection -----------------------------------------------------------

CREATE FUNCTION gridgov.sla_policy(category text, urgency gridgov.urgency, source gridgov.case_source,
                                   stage gridgov.sla_stage)
    RETURNS SETOF gridgov.sla_policies
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
    SELECT p.* FROM gridgov.sla_policies p
    WHERE p.active AND p.stage = sla_policy.stage
      AND pg_catalog.starts_with(sla_policy.category, p.category_prefix)
      AND (p.urgency IS NULL OR p.urgency = sla_policy.urgency)
      AND (p.source IS NULL OR p.source = sla_policy.source)
    ORDER BY pg_catalog.length(p.category_prefix) DESC, p.urgency IS NULL, p.source IS NULL, p.id
    LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.sla_policy(text, gridgov.urgency, gridgov.case_source, gridgov.sla_stage) IS
    'The policy that sets a stage''s limit for a case: the active one with the longest matching category prefix, then a set urgency, then a set source, then the lowest id; no row when none applies (no clock). A set-returning function so that the planner inlines it into the queries that start clocks';

-- Clocks -----------------------------------------------------------------------

-- Start the clocks of the given stages for one case at a time (policies permitting).
CREATE FUNCTION gridgov.sla_start_clocks(county gridgov.gridcode, case_id bigint, stages text[],
                                         at timestamptz, category text, urgency gridgov.urgency,
                                         source gridgov.case_source)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    n integer;
BEGIN
    -- First the lock, then the snapshot of the INSERT: a policy or calendar
    -- being removed (its guard holds SHARE on case_clocks) is then either
    -- gone from that snapshot or waits for this transaction.
    LOCK TABLE gridgov.case_clocks IN ROW EXCLUSIVE MODE;
    INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, policy_id, calendar_id, amount, unit,
                                     started_at, due_at, warn_at, next_escalation_at)
    SELECT sla_start_clocks.county, sla_start_clocks.case_id, s.stage,
           1 + COALESCE((SELECT pg_catalog.max(k.seq) FROM gridgov.case_clocks k
                         WHERE k.county OPERATOR(gridgov.=) sla_start_clocks.county
                           AND k.case_id = sla_start_clocks.case_id AND k.stage = s.stage), 0),
           p.id, p.calendar_id, p.amount, p.unit, at, d.due, d.warn, d.due
    FROM (SELECT DISTINCT x::gridgov.sla_stage AS stage FROM pg_catalog.unnest(stages) x) s
    CROSS JOIN LATERAL gridgov.sla_policy(category, urgency, source, s.stage) p
    CROSS JOIN LATERAL (
        SELECT gridgov.worktime_add(c.name, at, p.amount, p.unit) AS due,
               gridgov.worktime_add(c.name, at, p.amount * p.warn_ratio, p.unit) AS warn
        FROM gridgov.calendars c WHERE c.id = p.calendar_id) d
    WHERE p.id IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_start_clocks(gridgov.gridcode, bigint, text[], timestamptz, text, gridgov.urgency, gridgov.case_source) IS
    'Internal: starts a clock for each listed stage that a policy covers, due after the policy''s time on its calendar, warning at warn_ratio of it';

-- Intake: the clocks the workflow starts on entry are started by the C
-- statement trigger gridgov.case_intake_finish() (057), with the policy
-- gridgov.sla_policy() picks, memoised per backend; a change of the
-- policies drops the memo in every session (095_caches.sql).

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

-- Every recorded change of a case: apply the clock effects of its event.
CREATE FUNCTION gridgov.case_clock_effects() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    e gridgov.case_events;
    t gridgov.transitions;
    st gridgov.sla_stage;
    n integer;
BEGIN
    PERFORM gridgov.trigger_check('case_clock_effects', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    SELECT * INTO e FROM gridgov.case_events x
    WHERE x.county OPERATOR(gridgov.=) NEW.county AND x.case_id = NEW.id AND x.seq = NEW.events;
    IF e.action IN ('edit', 'rehome', 'escalate', 'master_closed', 'whistle', 'report_in') THEN
        RETURN NULL;
    END IF;

    IF e.action = 'suspend' THEN
        UPDATE gridgov.case_clocks k SET paused_at = e.at
        WHERE k.county OPERATOR(gridgov.=) NEW.county AND k.case_id = NEW.id
          AND k.met_at IS NULL AND k.cancelled_at IS NULL AND k.paused_at IS NULL;
        RETURN NULL;
    END IF;
    IF e.action = 'resume' THEN
        UPDATE gridgov.case_clocks k SET
            due_at = gridgov.sla_shift(c.name, k.unit, k.due_at, k.paused_at, e.at),
            warn_at = gridgov.sla_shift(c.name, k.unit, k.warn_at, k.paused_at, e.at),
            next_escalation_at = gridgov.sla_shift(c.name, k.unit, k.next_escalation_at, k.paused_at, e.at),
            paused_minutes = k.paused_minutes + gridgov.worktime_between(c.name, k.paused_at, e.at, 'minutes'),
            paused_at = NULL
        FROM gridgov.calendars c
        WHERE c.id = k.calendar_id AND k.county OPERATOR(gridgov.=) NEW.county AND k.case_id = NEW.id
          AND k.paused_at IS NOT NULL AND k.met_at IS NULL AND k.cancelled_at IS NULL;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'GG251',
                MESSAGE = pg_catalog.format('case %s has no suspended clock to resume', NEW.id);
        END IF;
        RETURN NULL;
    END IF;
    IF e.action = 'extend' THEN
        st := (e.payload ->> 'stage')::gridgov.sla_stage;
        UPDATE gridgov.case_clocks k SET
            due_at = gridgov.worktime_add(c.name, k.due_at, (e.payload ->> 'amount')::numeric,
                                          COALESCE(e.payload ->> 'unit', k.unit)),
            warn_at = gridgov.worktime_add(c.name, k.warn_at, (e.payload ->> 'amount')::numeric,
                                           COALESCE(e.payload ->> 'unit', k.unit)),
            next_escalation_at = CASE WHEN k.escalation_level = 0
                THEN gridgov.worktime_add(c.name, k.due_at, (e.payload ->> 'amount')::numeric,
                                          COALESCE(e.payload ->> 'unit', k.unit))
                ELSE k.next_escalation_at END,
            extended = k.extended + CASE WHEN COALESCE(e.payload ->> 'unit', k.unit) = k.unit
                                         THEN (e.payload ->> 'amount')::numeric ELSE 0 END
        FROM gridgov.calendars c
        WHERE c.id = k.calendar_id AND k.county OPERATOR(gridgov.=) NEW.county AND k.case_id = NEW.id
          AND k.stage = st AND k.met_at IS NULL AND k.cancelled_at IS NULL;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'GG251',
                MESSAGE = pg_catalog.format('case %s has no running %s clock to extend', NEW.id, st);
        END IF;
        RETURN NULL;
    END IF;

    SELECT * INTO t FROM gridgov.transitions x
    WHERE x.workflow = NEW.workflow AND x.action = e.action AND x.from_state IN (OLD.state, '*')
    ORDER BY x.from_state = '*' LIMIT 1;
    -- Clocks the action stops are met at the event's time.
    UPDATE gridgov.case_clocks k SET met_at = e.at, paused_at = NULL, next_escalation_at = NULL
    WHERE k.county OPERATOR(gridgov.=) NEW.county AND k.case_id = NEW.id
      AND k.stage::text = ANY (t.clock_stop) AND k.met_at IS NULL AND k.cancelled_at IS NULL;
    -- A case that closes meets its whole clock and cancels any other still
    -- running; a merged one cancels all.
    IF NEW.closed_at IS NOT NULL AND OLD.closed_at IS NULL OR NEW.state = 'merged' AND OLD.state <> 'merged' THEN
        UPDATE gridgov.case_clocks k SET
            met_at = CASE WHEN k.stage = 'whole' AND NEW.state <> 'merged' THEN e.at END,
            cancelled_at = CASE WHEN k.stage = 'whole' AND NEW.state <> 'merged' THEN NULL ELSE e.at END,
            paused_at = NULL, next_escalation_at = NULL
        WHERE k.county OPERATOR(gridgov.=) NEW.county AND k.case_id = NEW.id
          AND k.met_at IS NULL AND k.cancelled_at IS NULL;
    END IF;
    IF pg_catalog.cardinality(t.clock_start) > 0 AND NEW.closed_at IS NULL THEN
        PERFORM gridgov.sla_start_clocks(NEW.county, NEW.id, t.clock_start, e.at,
                                         NEW.category, NEW.urgency, NEW.source);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.case_clock_effects() IS
    'AFTER UPDATE trigger on cases (runs as the extension owner): applies the clock effects of the event just recorded — a transition''s clock_stop (met) and clock_start; closing (whole met, others cancelled); merge (all cancelled); suspend (pause), resume (deadlines moved by the pause''s working time), extend (a stage''s deadline moved by payload.amount in payload.unit)';
CREATE TRIGGER case_clock_effects AFTER UPDATE ON gridgov.cases
    FOR EACH ROW WHEN (NEW.events > OLD.events)
    EXECUTE FUNCTION gridgov.case_clock_effects();

-- ---------------------------------------------------------------------------
-- The escalation sweep, whistle-and-report, and scheduling.
-- ---------------------------------------------------------------------------

-- Departments told at a rung of the ladder for a case held by holder.  A
-- rung above the holder never tells the holder itself: a town center that
-- holds a case is told nothing "as its supervisor"; the district's is.
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

-- The rung of a case's ladder at or above level that applies to it.
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

-- The sweep ------------------------------------------------------------------
--
-- Locks are taken in one order everywhere: the case row first, then its
-- clocks (or whistle summonses).  act() and every UPDATE of a case take the
-- case row and then, through the clock-effects trigger, its clocks; the sweep
-- takes the case row with SKIP LOCKED, so a case another transaction holds is
-- left for the next run instead of waited for, and then re-reads the case and
-- its clocks under that lock (what it acts on is never older than the lock).
-- The sweep itself never waits for a row another transaction holds, so it
-- cannot be part of a deadlock.  The escalations key (one row per clock and
-- rung) keeps every rung to once, whatever runs at the same time.

CREATE FUNCTION gridgov.sla_due_cases(as_of timestamptz)
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
COMMENT ON FUNCTION gridgov.sla_due_cases(timestamptz) IS
    'Internal: the cases with something due at as_of (a clock to warn or escalate, a late whistle report-in), in key order; read from the partial indexes on due clocks';
REVOKE EXECUTE ON FUNCTION gridgov.sla_due_cases(timestamptz) FROM PUBLIC;

-- The three passes over one locked case.  Each returns its number of actions.
CREATE FUNCTION gridgov.sla_sweep_warnings(county gridgov.gridcode, case_id bigint, case_no text, as_of timestamptz)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k record;
    n integer := 0;
BEGIN
    FOR k IN
        SELECT x.stage, x.seq, x.due_at FROM gridgov.case_clocks x
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_warnings.county AND x.case_id = sla_sweep_warnings.case_id
          AND x.warn_at <= as_of AND x.warned_at IS NULL
          AND x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL
        ORDER BY x.stage, x.seq
        FOR UPDATE SKIP LOCKED
    LOOP
        UPDATE gridgov.case_clocks x SET warned_at = as_of
        WHERE x.county OPERATOR(gridgov.=) sla_sweep_warnings.county AND x.case_id = sla_sweep_warnings.case_id
          AND x.stage = k.stage AND x.seq = k.seq;
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'warning', 'case_id', case_id, 'case_no', case_no, 'county', county::text,
            'stage', k.stage, 'due_at', k.due_at, 'at', as_of)::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_warnings(gridgov.gridcode, bigint, text, timestamptz) IS
    'Internal (gridgov.sla_sweep_case, under the case''s lock): warns each running, unpaused clock of the case past its warn_at, once; returns the number of warnings';
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_warnings(gridgov.gridcode, bigint, text, timestamptz) FROM PUBLIC;

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

-- Supervision by rule (督办): the workflow's supervise action, taken by the
-- sweep, unless a supervision of the case is still unanswered or the workflow
-- has no supervise action in the case's state.
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

CREATE FUNCTION gridgov.sla_sweep_whistles(county gridgov.gridcode, case_id bigint, case_no text,
                                           as_of timestamptz, at timestamptz)
    RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k record;
    changed integer;
    n integer := 0;
BEGIN
    FOR k IN
        SELECT w.whistle_id, pg_catalog.min(w.due_at) AS due_at,
               pg_catalog.array_agg(w.department_id ORDER BY w.department_id) AS departments
        FROM (SELECT y.whistle_id, y.department_id, y.due_at FROM gridgov.whistle_calls y
              WHERE y.county OPERATOR(gridgov.=) sla_sweep_whistles.county AND y.case_id = sla_sweep_whistles.case_id
                AND y.due_at <= as_of AND y.escalated_at IS NULL
                AND (y.reported_at IS NULL OR y.reported_at > y.due_at)
              FOR UPDATE SKIP LOCKED) w
        GROUP BY w.whistle_id
        ORDER BY w.whistle_id
    LOOP
        UPDATE gridgov.whistle_calls w SET escalated_at = as_of
        WHERE w.county OPERATOR(gridgov.=) sla_sweep_whistles.county AND w.case_id = sla_sweep_whistles.case_id
          AND w.whistle_id = k.whistle_id AND w.department_id = ANY (k.departments) AND w.escalated_at IS NULL;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed = 0 THEN
            CONTINUE;
        END IF;
        INSERT INTO gridgov.escalations (county, case_id, stage, clock_seq, level, at, due_at, department_ids)
        VALUES (county, case_id, 'whistle', k.whistle_id, 1, as_of, k.due_at, k.departments)
        ON CONFLICT DO NOTHING;
        PERFORM gridgov.case_system_update(county, case_id, 'escalate',
            pg_catalog.jsonb_build_object('stage', 'whistle', 'whistle_id', k.whistle_id, 'level', 1,
                                          'due_at', k.due_at, 'department_ids', k.departments), at);
        PERFORM pg_catalog.pg_notify('gridgov_events', pg_catalog.json_build_object(
            'type', 'whistle_late', 'case_id', case_id, 'case_no', case_no, 'county', county::text,
            'stage', 'whistle', 'level', 1, 'due_at', k.due_at, 'department_ids', k.departments,
            'at', as_of)::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_whistles(gridgov.gridcode, bigint, text, timestamptz, timestamptz) IS
    'Internal (gridgov.sla_sweep_case, under the case''s lock): escalates, per whistle of the case, the summoned departments that had not reported in by the deadline or reported in late (escalate event at time at); returns the number of whistles escalated';
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_whistles(gridgov.gridcode, bigint, text, timestamptz, timestamptz) FROM PUBLIC;

CREATE FUNCTION gridgov.sla_sweep_case(county gridgov.gridcode, case_id bigint, as_of timestamptz)
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
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep_case(gridgov.gridcode, bigint, timestamptz) FROM PUBLIC;

-- Checks of the sweep's arguments.
CREATE FUNCTION gridgov.sla_sweep_check(as_of timestamptz, how_many integer, what text)
    RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    IF as_of IS NULL OR NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    IF how_many < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('%s must be positive, not %s', what, how_many);
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.sla_sweep_check(timestamptz, integer, text) IS
    'Internal: 22023 unless as_of is a finite time and how_many (named what in the message) is NULL or positive';

CREATE FUNCTION gridgov.sla_sweep(as_of timestamptz DEFAULT pg_catalog.now(), max_cases integer DEFAULT NULL)
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

-- The sweep runs with the owner's rights; only roles granted it may run it.
REVOKE EXECUTE ON FUNCTION gridgov.sla_sweep(timestamptz, integer) FROM PUBLIC;

-- The scheduled sweep: the same work, committed every batch_cases cases, so
-- that no case stays locked longer than one batch.  A procedure (COMMIT
-- inside) without SECURITY DEFINER or SET clauses, which would forbid the
-- COMMIT: everything in it is qualified, and its work is done by the
-- SECURITY DEFINER functions above.
CREATE PROCEDURE gridgov.sla_sweep_run(as_of timestamptz DEFAULT pg_catalog.now(), batch_cases integer DEFAULT 200,
                                       INOUT cases integer DEFAULT NULL, INOUT skipped integer DEFAULT NULL,
                                       INOUT actions integer DEFAULT NULL, INOUT batches integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
-- A procedure that commits cannot have a SET clause: it sets its search_path
-- for each transaction (is_local), first thing and after every COMMIT.
DECLARE
    k record;
    r integer;
    open_batch integer;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, gridgov, pg_temp', true);
    open_batch := 0;
    PERFORM gridgov.sla_sweep_check(as_of, COALESCE(batch_cases, 0), 'batch_cases');
    cases := 0;
    skipped := 0;
    actions := 0;
    batches := 0;
    -- The due cases as of the first batch (the loop's cursor outlives the
    -- commits); what falls due later is the next run's.
    FOR k IN SELECT d.county, d.case_id FROM gridgov.sla_due_cases(as_of) d LOOP
        r := gridgov.sla_sweep_case(k.county, k.case_id, as_of);
        IF r IS NULL THEN
            skipped := skipped + 1;
        ELSE
            cases := cases + 1;
            actions := actions + r;
        END IF;
        open_batch := open_batch + 1;
        IF open_batch = batch_cases THEN
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, gridgov, pg_temp', true);
            batches := batches + 1;
            open_batch := 0;
        END IF;
    END LOOP;
    IF open_batch > 0 THEN
        batches := batches + 1;
    END IF;
END
$$;
COMMENT ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer) IS
    'The scheduled sweep (job gridgov-sla-sweep): the work of gridgov.sla_sweep(as_of) over every case due at as_of (default now), committed every batch_cases cases (default 200) so that an action on a case waits at most one batch; a case another transaction holds is skipped and left for the next run. Returns cases swept, skipped, actions (warnings and escalations) and batches (committed transactions). CALL it outside a transaction block (pg_cron does); inside one, its COMMIT fails (2D000): use gridgov.sla_sweep() there';
REVOKE EXECUTE ON PROCEDURE gridgov.sla_sweep_run(timestamptz, integer, integer, integer, integer, integer) FROM PUBLIC;

-- Whistle-and-report (吹哨报到) ---------------------------------------------------

CREATE FUNCTION gridgov.whistle(case_id bigint, departments bigint[], note text DEFAULT NULL,
                                report_within interval DEFAULT '30 minutes',
                                at timestamptz DEFAULT pg_catalog.now())
    RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    c gridgov.cases;
    w bigint;
    missing bigint[];
BEGIN
    IF departments IS NULL OR pg_catalog.cardinality(departments) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a whistle summons at least one department';
    END IF;
    IF report_within IS NULL OR report_within <= interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'report_within must be a positive interval';
    END IF;
    SELECT pg_catalog.array_agg(d ORDER BY d) INTO missing FROM pg_catalog.unnest(departments) d
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments x WHERE x.id = d AND x.active);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('no active department %s', pg_catalog.array_to_string(missing, ', '));
    END IF;
    c := gridgov.act(case_id, 'whistle', note,
                     pg_catalog.jsonb_build_object('departments', departments, 'report_within', report_within), at);
    INSERT INTO gridgov.whistles (county, case_id, at, note, report_within)
    VALUES (c.county, c.id, at, note, report_within) RETURNING id INTO w;
    INSERT INTO gridgov.whistle_calls (county, case_id, whistle_id, department_id, due_at)
    SELECT DISTINCT c.county, c.id, w, d, at + report_within FROM pg_catalog.unnest(departments) d;
    RETURN w;
END
$$;
COMMENT ON FUNCTION gridgov.whistle(bigint, bigint[], text, interval, timestamptz) IS
    'Whistle (吹哨): summons departments to report on site for the case within report_within (default 30 minutes, the origin case); recorded in the history; late or missing report-ins are escalated by the sweep; returns the whistle id';

CREATE FUNCTION gridgov.report_in(case_id bigint, department bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    call gridgov.whistle_calls;
    cty gridgov.gridcode;
BEGIN
    -- The case first, then its summons: the order act() and the sweep lock in,
    -- by county and id (under Citus a row lock is taken on one shard).
    cty := COALESCE((SELECT x.county FROM gridgov.cases x WHERE x.id = report_in.case_id),
                    (SELECT w.county FROM gridgov.whistle_calls w
                     WHERE w.case_id = report_in.case_id AND w.department_id = report_in.department LIMIT 1));
    PERFORM 1 FROM gridgov.cases x WHERE x.county OPERATOR(gridgov.=) cty AND x.id = report_in.case_id FOR UPDATE;
    SELECT * INTO call FROM gridgov.whistle_calls w
    WHERE w.county OPERATOR(gridgov.=) cty
      AND w.case_id = report_in.case_id AND w.department_id = report_in.department AND w.reported_at IS NULL
    ORDER BY w.whistle_id DESC LIMIT 1
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG252',
            MESSAGE = pg_catalog.format('department %s has no whistle of case %s to report in to', department, case_id),
            HINT = 'It was not summoned, or has reported in already.';
    END IF;
    PERFORM gridgov.act(case_id, 'report_in', NULL,
                        pg_catalog.jsonb_build_object('department_id', department, 'whistle_id', call.whistle_id,
                                                      'on_time', at <= call.due_at), at);
    UPDATE gridgov.whistle_calls w SET reported_at = at
    WHERE w.county OPERATOR(gridgov.=) call.county AND w.case_id = call.case_id
      AND w.whistle_id = call.whistle_id AND w.department_id = call.department_id;
    RETURN at <= call.due_at;
END
$$;
COMMENT ON FUNCTION gridgov.report_in(bigint, bigint, timestamptz) IS
    'A summoned department reports in on site (报到); recorded in the history; returns whether it was on time (GG252 when the department has no open whistle call for the case)';

-- Scheduling ---------------------------------------------------------------------

CREATE FUNCTION gridgov.nightly_maintenance(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    result jsonb := pg_catalog.jsonb_build_object('rehomed', gridgov.rehome_due_cases(as_of));
    analytics jsonb;
    made bigint;
BEGIN
    IF pg_catalog.to_regprocedure('gridgov.analytics_nightly(timestamp with time zone)') IS NOT NULL THEN
        EXECUTE 'SELECT pg_catalog.to_jsonb(gridgov.analytics_nightly($1))' INTO STRICT analytics USING as_of;
        result := result || pg_catalog.jsonb_build_object('analytics', analytics);
    END IF;
    result := result || pg_catalog.jsonb_build_object('seal', gridgov.seal_nightly(as_of));
    IF pg_catalog.to_regprocedure('gridgov.sensor_partitions(timestamp with time zone, integer)') IS NOT NULL THEN
        EXECUTE 'SELECT pg_catalog.count(*) FROM gridgov.sensor_partitions($1, 3)' INTO STRICT made USING as_of;
        result := result || pg_catalog.jsonb_build_object('sensor_partitions', made);
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION gridgov.nightly_maintenance(timestamptz) IS
    'Administration: the nightly job: re-homes open cases of re-divisions that took effect, refreshes the analytics summaries, seals yesterday''s histories (gridgov.seal_nightly) and makes the devices'' reading partitions of this month and the next 3 (gridgov.sensor_partitions); returns what it did';

CREATE FUNCTION gridgov.job_definitions(OUT job_name text, OUT schedule text, OUT command text)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    VALUES ('gridgov-sla-sweep', '* * * * *', 'CALL gridgov.sla_sweep_run()'),
           ('gridgov-analytics', '* * * * *', 'SELECT gridgov.analytics_refresh_pending()'),
           ('gridgov-nightly', '17 2 * * *', 'SELECT gridgov.nightly_maintenance()'),
           ('gridgov-patrols', '37 16 * * *', 'SELECT gridgov.patrol_nightly()');
END;
COMMENT ON FUNCTION gridgov.job_definitions() IS
    'The jobs gridgov wants scheduled: the sweep (a procedure that commits in batches: run it outside a transaction block) and the analytics refresh from the history''s new events every minute, the nightly maintenance at 02:17, and the patrols'' nightly job at 16:37 (00:37 in Beijing: partitions ahead, yesterday''s coverage, retention; gridgov.patrol_nightly) (pg_cron times are UTC); any scheduler can run these commands';

CREATE FUNCTION gridgov.schedule_jobs() RETURNS TABLE (job_name text, schedule text, jobid bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    j record;
    here text := pg_catalog.current_database();
    crondb text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'pg_cron is not installed in this database',
            DETAIL = pg_catalog.format('cron.database_name is %s.', COALESCE(crondb, 'not set (pg_cron is not loaded)')),
            HINT = 'Load pg_cron (shared_preload_libraries, cron.database_name) and CREATE EXTENSION pg_cron there; '
                   'in another database, schedule gridgov.job_definitions() with cron.schedule_in_database(..., '
                   || pg_catalog.quote_literal(here) || '); or run the commands from any scheduler.';
    END IF;
    FOR j IN SELECT * FROM gridgov.job_definitions() LOOP
        job_name := j.job_name;
        schedule := j.schedule;
        IF crondb IS NULL OR crondb = here THEN
            EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid USING j.job_name, j.schedule, j.command;
        ELSE
            EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)' INTO jobid
                USING j.job_name, j.schedule, j.command, here;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.schedule_jobs() IS
    'Administration: registers gridgov''s pg_cron jobs (gridgov-sla-sweep, which calls gridgov.sla_sweep_run(), and gridgov-analytics every minute, gridgov-nightly at 02:17 UTC, gridgov-patrols at 16:37 UTC) under their names; idempotent (re-running updates them). Fails with a hint (55000) without pg_cron. The install script schedules nothing';

CREATE FUNCTION gridgov.unschedule_jobs() RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    j record;
    n integer := 0;
    found_job boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'pg_cron is not installed in this database',
            HINT = 'Nothing gridgov scheduled can exist here; remove jobs of other schedulers there.';
    END IF;
    FOR j IN SELECT * FROM gridgov.job_definitions() LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1)' INTO found_job USING j.job_name;
        IF found_job THEN
            EXECUTE 'SELECT cron.unschedule($1)' USING j.job_name;
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.unschedule_jobs() IS
    'Administration: Removes gridgov''s pg_cron jobs; returns how many were removed (55000 without pg_cron)';

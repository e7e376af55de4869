-- ---------------------------------------------------------------------------
-- The calendar horizon and the clocks past it: a deadline counted in working
-- time that falls after the last date its calendar's exceptions are known for
-- (gridgov.calendars.known_until) follows the weekly pattern and is
-- provisional (gridgov.is_provisional(), C).  gridgov.provisional_clocks
-- lists them; gridgov.load_calendar_year() loads the next year's holidays,
-- moves the horizon and recomputes them, recorded in each case's history.
-- docs/calendars.md "The horizon" and docs/sla.md "Provisional deadlines".
-- ---------------------------------------------------------------------------

CREATE VIEW gridgov.provisional_clocks WITH (security_invoker = true) AS
SELECT k.county, k.case_id, k.stage, k.seq, cal.name AS calendar, k.amount, k.unit, k.started_at,
       k.due_at, cal.known_until, k.paused_at IS NOT NULL AS paused
FROM gridgov.case_clocks k
JOIN gridgov.calendars cal ON cal.id = k.calendar_id
WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
  AND gridgov.is_provisional(cal.name, k.due_at, k.unit);
COMMENT ON VIEW gridgov.provisional_clocks IS
    'Open clocks (running or paused) whose deadline is provisional: counted in working time and due after the end of its calendar''s horizon (calendars.known_until), where the weekly pattern stands in for the holidays not yet known. gridgov.load_calendar_year() recomputes them';
COMMENT ON COLUMN gridgov.provisional_clocks.county IS 'County of the case';
COMMENT ON COLUMN gridgov.provisional_clocks.case_id IS 'The case';
COMMENT ON COLUMN gridgov.provisional_clocks.stage IS 'Stage the clock times';
COMMENT ON COLUMN gridgov.provisional_clocks.seq IS 'Nth clock of this stage for the case';
COMMENT ON COLUMN gridgov.provisional_clocks.calendar IS 'Calendar the limit is counted on';
COMMENT ON COLUMN gridgov.provisional_clocks.amount IS 'Time allowed, in unit (extensions not included)';
COMMENT ON COLUMN gridgov.provisional_clocks.unit IS 'Unit of amount (never calendar_days: holidays do not move those)';
COMMENT ON COLUMN gridgov.provisional_clocks.started_at IS 'When the stage began';
COMMENT ON COLUMN gridgov.provisional_clocks.due_at IS 'The provisional deadline';
COMMENT ON COLUMN gridgov.provisional_clocks.known_until IS 'The calendar''s horizon: due_at lies after the end of this local date';
COMMENT ON COLUMN gridgov.provisional_clocks.paused IS 'The clock is paused (the case is suspended)';

-- Loading the next year ------------------------------------------------------------

-- The open clocks of a calendar due after boundary, counted in working time,
-- with the time left after their anchor (the later of their start and the
-- last instant before boundary) under the calendar as it is now.
CREATE FUNCTION gridgov.horizon_clocks_left(calendar_id integer, boundary timestamptz)
    RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'county', x.county, 'case_id', x.case_id, 'stage', x.stage, 'seq', x.seq,
               'unit', x.unit, 'anchor', x.anchor, 'due_before', x.due_at,
               'due_left', gridgov.worktime_between(x.cal, x.anchor, x.due_at, x.unit),
               'warn_left', CASE WHEN x.warned_at IS NULL AND x.warn_at > x.anchor
                                 THEN gridgov.worktime_between(x.cal, x.anchor, x.warn_at, x.unit) END)
               ORDER BY x.county, x.case_id, x.stage, x.seq), '[]')
    FROM (SELECT k.*, c.name AS cal,
                 GREATEST(k.started_at, horizon_clocks_left.boundary - interval '1 microsecond') AS anchor
          FROM gridgov.case_clocks k
          JOIN gridgov.calendars c ON c.id = k.calendar_id
          WHERE k.calendar_id = horizon_clocks_left.calendar_id
            AND k.met_at IS NULL AND k.cancelled_at IS NULL
            AND k.unit <> 'calendar_days' AND k.due_at > horizon_clocks_left.boundary) x;
END;
COMMENT ON FUNCTION gridgov.horizon_clocks_left(integer, timestamptz) IS
    'Internal: the open clocks of a calendar counted in working time and due after boundary, each with its anchor (the later of its start and the last instant before boundary) and the time left from it to its due and warning times under the calendar as it is now, for gridgov.load_calendar_year()';

CREATE FUNCTION gridgov.load_calendar_year(calendar text, data jsonb, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (known_until date, days integer, clocks integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
DECLARE
    cal gridgov.calendars;
    years integer[];
    y integer;
    boundary timestamptz;
    todo jsonb;
    moved record;
    n_days integer;
    n_clocks integer := 0;
BEGIN
    IF calendar IS NULL OR data IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = pg_catalog.format('argument "%s" of gridgov.load_calendar_year must not be null',
                                        CASE WHEN calendar IS NULL THEN 'calendar'
                                             WHEN data IS NULL THEN 'data' ELSE 'as_of' END);
    END IF;
    -- Clocks are started and moved after a lock on case_clocks and with the
    -- calendar read then: none starts or moves on the old calendar meanwhile.
    LOCK TABLE gridgov.case_clocks IN SHARE ROW EXCLUSIVE MODE;
    SELECT c.* INTO cal FROM gridgov.calendars c WHERE c.name = calendar FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('calendar "%s" does not exist', calendar),
            HINT = 'The calendars are listed in gridgov.calendars.';
    END IF;
    -- The year of the data (its format is checked by load_cn_holidays below).
    SELECT pg_catalog.array_agg(DISTINCT pg_catalog.left(e.key, 4)::integer) INTO years
    FROM (VALUES ('holidays'), ('workdays'), ('inLieuDays')) s(section),
         pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(data->s.section) = 'object'
                                           THEN data->s.section ELSE '{}' END) e(key)
    WHERE pg_catalog.jsonb_typeof(data) = 'object' AND e.key ~ '^[0-9]{4}-';
    IF pg_catalog.cardinality(years) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'data must hold the days of exactly one year',
            DETAIL = pg_catalog.format('It holds days of %s years.', COALESCE(pg_catalog.cardinality(years), 0)),
            HINT = 'Pass the chinese-days sections (holidays, workdays, inLieuDays) of the next year only.';
    END IF;
    y := years[1];
    IF cal.known_until IS NOT NULL AND pg_catalog.make_date(y, 1, 1) <> cal.known_until + 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'GG202',
            MESSAGE = pg_catalog.format('year %s is not the year after the horizon of calendar "%s"', y, calendar),
            DETAIL = pg_catalog.format('The calendar''s exceptions are known until %s; %s.', cal.known_until,
                                       CASE WHEN pg_catalog.make_date(y, 1, 1) <= cal.known_until
                                            THEN 'that year is loaded already' ELSE 'the years between are missing' END),
            HINT = 'Load the year after the horizon, or correct a loaded year with gridgov.load_cn_holidays().';
    END IF;
    IF cal.known_until IS NULL AND EXISTS (SELECT 1 FROM gridgov.calendar_exceptions e
                                           WHERE e.calendar_id = cal.id AND e.day >= pg_catalog.make_date(y, 1, 1)) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG202',
            MESSAGE = pg_catalog.format('calendar "%s" has exceptions in or after year %s already', calendar, y),
            DETAIL = 'The calendar has no horizon, and the year would overlap exceptions it has.',
            HINT = 'Set calendars.known_until to the last date its exceptions are known for, or correct a year with gridgov.load_cn_holidays().';
    END IF;

    -- Before: the time left past the old horizon of each clock due after it.
    boundary := pg_catalog.make_date(y, 1, 1)::timestamp AT TIME ZONE cal.time_zone;
    todo := gridgov.horizon_clocks_left(cal.id, boundary);

    n_days := gridgov.load_cn_holidays(calendar, data);
    UPDATE gridgov.calendars c SET known_until = pg_catalog.make_date(y, 12, 31) WHERE c.id = cal.id;

    -- After: the same time left, counted on the calendar with the new year,
    -- recorded in each case's history (system action recalendar).
    WITH t AS (
        SELECT t.*, gridgov.worktime_add(calendar, t.anchor, t.due_left, t.unit) AS due_after,
               CASE WHEN t.warn_left IS NOT NULL
                    THEN gridgov.worktime_add(calendar, t.anchor, t.warn_left, t.unit) END AS warn_after
        FROM pg_catalog.jsonb_to_recordset(todo)
             AS t(county gridgov.gridcode, case_id bigint, stage gridgov.sla_stage, seq integer, unit text,
                  anchor timestamptz, due_before timestamptz, due_left numeric, warn_left numeric)
    ), u AS (
        UPDATE gridgov.case_clocks k
        SET due_at = t.due_after,
            warn_at = COALESCE(t.warn_after, k.warn_at),
            next_escalation_at = CASE WHEN k.escalation_level = 0 AND k.next_escalation_at = k.due_at
                                      THEN t.due_after ELSE k.next_escalation_at END
        FROM t
        WHERE k.county OPERATOR(gridgov.=) t.county AND k.case_id = t.case_id
          AND k.stage = t.stage AND k.seq = t.seq
          AND (k.due_at, k.warn_at) IS DISTINCT FROM (t.due_after, COALESCE(t.warn_after, k.warn_at))
        RETURNING k.county, k.case_id, k.stage, k.seq, t.due_before, k.due_at
    )
    SELECT pg_catalog.jsonb_agg(m ORDER BY m.county, m.case_id) INTO todo
    FROM (SELECT u.county, u.case_id, c.updated_at,
                 pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('stage', u.stage, 'seq', u.seq,
                                      'due_before', u.due_before, 'due_after', u.due_at)
                                      ORDER BY u.stage, u.seq) AS moved_clocks,
                 pg_catalog.count(*)::integer AS n
          FROM u
          JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) u.county AND c.id = u.case_id
          GROUP BY u.county, u.case_id, c.updated_at) m;
    FOR moved IN
        SELECT m.* FROM pg_catalog.jsonb_to_recordset(COALESCE(todo, '[]'))
                        AS m(county gridgov.gridcode, case_id bigint, updated_at timestamptz,
                             moved_clocks jsonb, n integer)
    LOOP
        PERFORM gridgov.case_system_update(moved.county, moved.case_id, 'recalendar',
            pg_catalog.jsonb_build_object('calendar', calendar, 'known_until', pg_catalog.make_date(y, 12, 31),
                                          'clocks', moved.moved_clocks),
            GREATEST(as_of, moved.updated_at));
        n_clocks := n_clocks + moved.n;
    END LOOP;
    RETURN QUERY SELECT pg_catalog.make_date(y, 12, 31), n_days, n_clocks;
END
$$;
COMMENT ON FUNCTION gridgov.load_calendar_year(text, jsonb, timestamptz) IS
    'Administration: loads the next year''s holidays (a chinese-days JSON of one year, the year after the calendar''s horizon) into a calendar with gridgov.load_cn_holidays, moves the horizon (known_until) to that year''s 31 December and recomputes the deadlines of the open clocks due past the old horizon: the working time they had left after it, counted again on the new calendar; each moved clock is recorded in its case''s history (system action recalendar, at as_of or the case''s latest event when later). Returns the new horizon, the days written and the clocks moved. Holds a SHARE ROW EXCLUSIVE lock on case_clocks until commit (intake and actions wait). Errors: NULL 22004, unknown calendar 42704, data not of one year or not in the chinese-days format 22023, a key not a date 22007, a year other than the one after the horizon GG202';

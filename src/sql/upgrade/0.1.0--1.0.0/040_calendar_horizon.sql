-- 0.1.0 -> 1.0.0, issue 12 item 4: the calendar horizon and provisional deadlines
-- (src/sql/060_calendars.sql, 076_sla_horizon.sql, 083_analytics_board.sql,
-- 098_roles.sql; docs/calendars.md "The horizon", docs/sla.md "Provisional deadlines").

-- 060: the horizon of each calendar, moved by the loader of the next year.
ALTER TABLE gridgov.calendars
    ADD COLUMN known_until date CHECK (known_until IS NULL OR pg_catalog.isfinite(known_until));
COMMENT ON COLUMN gridgov.calendars.known_until IS 'The horizon: the last local date the calendar''s exceptions (holidays, adjusted working days) are known for; deadlines counted in working time that fall after it are provisional (gridgov.provisional_clocks). Moved by gridgov.load_calendar_year; NULL: the weekly pattern is the whole truth (24x7), nothing is provisional. The only column of a shipped row that may be changed';

CREATE OR REPLACE FUNCTION gridgov.calendar_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
    cal text;
BEGIN
    PERFORM gridgov.trigger_check('calendar_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION USING ERRCODE = 'GG201',
            MESSAGE = pg_catalog.format('cannot truncate gridgov.%s', TG_TABLE_NAME),
            DETAIL = 'It holds rows of the calendars shipped with gridgov.',
            HINT = 'Delete your own rows with DELETE ... WHERE NOT builtin.';
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG201',
                MESSAGE = pg_catalog.format('cannot mark a row of gridgov.%s as builtin', TG_TABLE_NAME),
                DETAIL = 'Only the gridgov install script writes shipped (builtin) rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    -- The horizon of a shipped calendar moves with the years loaded into it.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'calendars'
       AND pg_catalog.to_jsonb(NEW) - 'known_until' = pg_catalog.to_jsonb(OLD) - 'known_until' THEN
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
    'Trigger: shipped (builtin) calendar rows cannot be updated (except a calendar''s horizon, known_until), deleted or truncated, and no other row can be marked builtin (GG201)';

CREATE OR REPLACE FUNCTION gridgov.copy_calendar(source text, name text, time_zone text DEFAULT NULL,
                                      description text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src gridgov.calendars;
    new_id integer;
BEGIN
    IF source IS NULL OR copy_calendar.name IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = pg_catalog.format('argument "%s" of gridgov.copy_calendar must not be null',
                                        CASE WHEN source IS NULL THEN 'source' ELSE 'name' END);
    END IF;
    SELECT c.* INTO src FROM gridgov.calendars c WHERE c.name = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('calendar "%s" does not exist', source),
            HINT = 'The calendars are listed in gridgov.calendars.';
    END IF;
    INSERT INTO gridgov.calendars (name, time_zone, description, known_until)
    VALUES (copy_calendar.name, COALESCE(copy_calendar.time_zone, src.time_zone),
            COALESCE(copy_calendar.description, pg_catalog.format('copy of %s', src.name)), src.known_until)
    RETURNING id INTO new_id;
    INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
    SELECT new_id, p.weekday, p.starts, p.ends
    FROM gridgov.calendar_periods p WHERE p.calendar_id = src.id;
    -- The effective exceptions: a user row wins over the shipped row of its day.
    INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, periods_of, name, note, source)
    SELECT new_id, e.day, e.kind, e.periods_of, e.name, e.note, e.source
    FROM (SELECT DISTINCT ON (x.day) x.*
          FROM gridgov.calendar_exceptions x WHERE x.calendar_id = src.id
          ORDER BY x.day, x.builtin) e
    WHERE e.kind <> 'regular';
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION gridgov.copy_calendar(text, text, text, text) IS
    'Copies a calendar (periods, effective exceptions and horizon) under a new name, optionally in another time zone, as rows of your own that you may change; returns the new id';

-- The horizon: the end of the last year of chinese-days data in each calendar
-- (cn: 2026, as a fresh install ships it; a copy of cn or a year loaded with
-- load_cn_holidays counts too).
UPDATE gridgov.calendars c
SET known_until = (SELECT pg_catalog.make_date(pg_catalog.max(pg_catalog.date_part('year', e.day))::integer, 12, 31)
                   FROM gridgov.calendar_exceptions e
                   WHERE e.calendar_id = c.id AND e.source = 'chinese-days')
WHERE EXISTS (SELECT 1 FROM gridgov.calendar_exceptions e
              WHERE e.calendar_id = c.id AND e.source = 'chinese-days');

CREATE FUNCTION gridgov.calendar_horizon(calendar text)
    RETURNS date
    AS 'MODULE_PATHNAME', 'gridgov_calendar_horizon' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.calendar_horizon(text) IS
    'The calendar''s horizon: the last local date its exceptions are known for (gridgov.calendars.known_until); NULL when it has none (its weekly pattern is the whole truth). Errors: NULL 22004, unknown calendar 42704';

CREATE FUNCTION gridgov.is_provisional(calendar text, due timestamptz, unit text)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_is_provisional' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.is_provisional(text, timestamptz, text) IS
    'Whether a deadline counted in unit on the calendar is provisional: the unit counts working time (not calendar_days), the calendar has a horizon and due lies after the end of the horizon''s day in the calendar''s zone. Errors: NULL 22004, unknown calendar 42704, unknown unit 22023';

-- 083: sla_board gains the column provisional.  Its function's result type
-- changes, so both are made again; the grants the roles had are kept.
SELECT pg_catalog.set_config('gridgov_upgrade.board_acl', COALESCE((
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'on', x.target, 'grantee', x.grantee::pg_catalog.regrole::text,
               'privilege', x.privilege_type, 'grantable', x.is_grantable))
    FROM (SELECT 'TABLE gridgov.sla_board' AS target, c.relowner AS owner, a.*
          FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
          WHERE c.oid = 'gridgov.sla_board'::pg_catalog.regclass
          UNION ALL
          SELECT 'FUNCTION gridgov.sla_board_at(timestamptz)', p.proowner, a.*
          FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
          WHERE p.oid = 'gridgov.sla_board_at(timestamptz)'::pg_catalog.regprocedure) x
    WHERE x.grantee <> x.owner AND x.grantee <> 0), '[]')::text, false);
DROP VIEW gridgov.sla_board;
DROP FUNCTION gridgov.sla_board_at(timestamptz);

CREATE FUNCTION gridgov.sla_board_at(as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, department_id bigint, department_name text,
                   state text, open_cases bigint, due_within_hour bigint, overdue bigint,
                   overdue_level0 bigint, overdue_level1 bigint, overdue_level2 bigint, overdue_level3 bigint,
                   whistles_pending bigint, whistles_late bigint, provisional bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    RETURN QUERY
    WITH open_cases AS (
        SELECT c.county, c.id, gridgov.area_at(c.county, c.grid, 4) AS town, c.department_id, c.state
        FROM gridgov.cases c
        JOIN gridgov.workflow_states ws ON ws.workflow = c.workflow AND ws.state = c.state AND NOT ws.terminal
        WHERE c.closed_at IS NULL
    ), clocks AS (
        SELECT k.county, k.case_id,
               pg_catalog.bool_or(k.paused_at IS NULL AND k.due_at >= as_of
                                  AND k.due_at < as_of + interval '1 hour') AS due_soon,
               pg_catalog.max(k.escalation_level) FILTER (WHERE k.paused_at IS NULL AND k.due_at < as_of)
                   AS overdue_level,
               pg_catalog.bool_or(gridgov.is_provisional(cal.name, k.due_at, k.unit)) AS provisional
        FROM gridgov.case_clocks k
        JOIN gridgov.calendars cal ON cal.id = k.calendar_id
        WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
        GROUP BY k.county, k.case_id
    ), by_case AS (
        SELECT o.county, o.town, o.department_id, o.state,
               pg_catalog.count(*) AS open_cases,
               pg_catalog.count(*) FILTER (WHERE k.due_soon) AS due_within_hour,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level IS NOT NULL) AS overdue,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 0) AS overdue_level0,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 1) AS overdue_level1,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 2) AS overdue_level2,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level >= 3) AS overdue_level3,
               pg_catalog.count(*) FILTER (WHERE k.provisional) AS provisional
        FROM open_cases o
        LEFT JOIN clocks k ON k.county OPERATOR(gridgov.=) o.county AND k.case_id = o.id
        GROUP BY 1, 2, 3, 4
    ), by_whistle AS (
        SELECT o.county, o.town, w.department_id, o.state,
               pg_catalog.count(*) AS whistles_pending,
               pg_catalog.count(*) FILTER (WHERE w.due_at < as_of) AS whistles_late
        FROM gridgov.whistle_calls w
        JOIN open_cases o ON o.county OPERATOR(gridgov.=) w.county AND o.id = w.case_id
        WHERE w.reported_at IS NULL
        GROUP BY 1, 2, 3, 4
    )
    SELECT COALESCE(a.county, b.county), COALESCE(a.town, b.town),
           COALESCE(a.department_id, b.department_id), d.name, COALESCE(a.state, b.state),
           COALESCE(a.open_cases, 0), COALESCE(a.due_within_hour, 0), COALESCE(a.overdue, 0),
           COALESCE(a.overdue_level0, 0), COALESCE(a.overdue_level1, 0), COALESCE(a.overdue_level2, 0),
           COALESCE(a.overdue_level3, 0), COALESCE(b.whistles_pending, 0), COALESCE(b.whistles_late, 0),
           COALESCE(a.provisional, 0)
    FROM by_case a
    FULL JOIN by_whistle b
      ON b.county OPERATOR(gridgov.=) a.county AND b.town OPERATOR(gridgov.=) a.town
     AND b.department_id = a.department_id AND b.state = a.state
    LEFT JOIN gridgov.departments d ON d.id = COALESCE(a.department_id, b.department_id)
    ORDER BY 1, 2, 5, 4, 3;
END
$$;
COMMENT ON FUNCTION gridgov.sla_board_at(timestamptz) IS
    'The command center''s live board as of a time: per county x town x department x state, open cases, cases with a running clock due within the hour after as_of, overdue cases (a running, unpaused clock past its due time) by the highest ladder rung their overdue clocks reached (0: not escalated yet; 3: rung 3 and above), and whistle calls of open cases not reported in (pending; late: past due), counted at the summoned department, and cases with a provisional deadline (a clock, running or paused, due past its calendar''s horizon: gridgov.provisional_clocks). States and clocks are the current ones; as_of moves the time they are compared with. 22004 for NULL';

CREATE VIEW gridgov.sla_board AS
SELECT b.county, b.town, b.department_id, b.department_name, b.state, b.open_cases, b.due_within_hour,
       b.overdue, b.overdue_level0, b.overdue_level1, b.overdue_level2, b.overdue_level3,
       b.whistles_pending, b.whistles_late, b.provisional
FROM gridgov.sla_board_at(pg_catalog.now()) b;
COMMENT ON VIEW gridgov.sla_board IS 'gridgov.sla_board_at(now()): the live board of open cases, deadlines, overdue cases by escalation rung, pending whistle calls and provisional deadlines';
COMMENT ON COLUMN gridgov.sla_board.county IS 'County';
COMMENT ON COLUMN gridgov.sla_board.town IS 'Town (the county for cases without a grid)';
COMMENT ON COLUMN gridgov.sla_board.department_id IS 'Responsible department (for whistle calls: the summoned one)';
COMMENT ON COLUMN gridgov.sla_board.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.sla_board.state IS 'Case state';
COMMENT ON COLUMN gridgov.sla_board.open_cases IS 'Open cases';
COMMENT ON COLUMN gridgov.sla_board.due_within_hour IS 'Open cases with a running clock due within the next hour';
COMMENT ON COLUMN gridgov.sla_board.overdue IS 'Open cases with a running, unpaused clock past its due time';
COMMENT ON COLUMN gridgov.sla_board.overdue_level0 IS 'Overdue, not escalated yet';
COMMENT ON COLUMN gridgov.sla_board.overdue_level1 IS 'Overdue, at ladder rung 1 (town center)';
COMMENT ON COLUMN gridgov.sla_board.overdue_level2 IS 'Overdue, at rung 2 (district center)';
COMMENT ON COLUMN gridgov.sla_board.overdue_level3 IS 'Overdue, at rung 3 or above (discipline inspection)';
COMMENT ON COLUMN gridgov.sla_board.whistles_pending IS 'Whistle calls (吹哨) not reported in';
COMMENT ON COLUMN gridgov.sla_board.whistles_late IS 'Of those, past their report-in deadline';
COMMENT ON COLUMN gridgov.sla_board.provisional IS 'Open cases with a provisional deadline: a running or paused clock due past its calendar''s horizon (gridgov.provisional_clocks)';

REVOKE EXECUTE ON FUNCTION gridgov.sla_board_at(timestamptz) FROM PUBLIC;
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT * FROM pg_catalog.jsonb_to_recordset(pg_catalog.current_setting('gridgov_upgrade.board_acl')::jsonb)
                 AS g("on" text, grantee text, privilege text, grantable boolean)
    LOOP
        EXECUTE pg_catalog.format('GRANT %s ON %s TO %s%s', g.privilege, g."on", g.grantee,
                                  CASE WHEN g.grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;
RESET gridgov_upgrade.board_acl;

-- 076: the provisional clocks and the loader of the next year.
CREATE VIEW gridgov.provisional_clocks AS
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

REVOKE EXECUTE ON FUNCTION gridgov.horizon_clocks_left(integer, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.load_calendar_year(text, jsonb, timestamptz) FROM PUBLIC;

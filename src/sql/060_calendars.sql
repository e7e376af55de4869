-- ---------------------------------------------------------------------------
-- calendars: working-time calendars as data (time zone, work periods per ISO
-- weekday, per-date exceptions) and working-time arithmetic in C.
-- docs/calendars.md states the rules; src/worktime*.c implement them.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.calendars (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (pg_catalog.length(name) BETWEEN 1 AND 63),
    time_zone   text NOT NULL,
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    known_until date CHECK (known_until IS NULL OR pg_catalog.isfinite(known_until)),
    modified    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE gridgov.calendars IS
    'Working-time calendars: a name, an IANA time zone, work periods per weekday (gridgov.calendar_periods) and per-date exceptions (gridgov.calendar_exceptions). Shipped: cn (China, State Council holidays 2004-2026) and 24x7.';
COMMENT ON COLUMN gridgov.calendars.name IS 'Unique name used by worktime_add/worktime_between, 1-63 characters, e.g. cn';
COMMENT ON COLUMN gridgov.calendars.time_zone IS 'IANA time zone name as listed in pg_timezone_names (checked on write), e.g. Asia/Shanghai; periods and days are local to it';
COMMENT ON COLUMN gridgov.calendars.description IS 'Free text';
COMMENT ON COLUMN gridgov.calendars.builtin IS 'Shipped with gridgov: created by CREATE EXTENSION, read-only but for known_until; saved by pg_dump only when modified';
COMMENT ON COLUMN gridgov.calendars.known_until IS 'The horizon: the last local date the calendar''s exceptions (holidays, adjusted working days) are known for; deadlines counted in working time that fall after it are provisional (gridgov.provisional_clocks). Moved by gridgov.load_calendar_year; NULL: the weekly pattern is the whole truth (24x7), nothing is provisional. The only column of a shipped row that may be changed';
COMMENT ON COLUMN gridgov.calendars.modified IS 'A shipped calendar whose horizon (known_until) moved (set by gridgov.calendar_guard): saved by pg_dump, and its horizon put back on restore (gridgov.shipped_rows_restore)';

CREATE TABLE gridgov.calendar_periods (
    calendar_id integer NOT NULL REFERENCES gridgov.calendars (id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts      time NOT NULL,
    ends        time NOT NULL,
    builtin     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar_id, weekday, starts),
    CONSTRAINT calendar_periods_order CHECK (starts < ends)
);
COMMENT ON TABLE gridgov.calendar_periods IS
    'Work periods of a calendar per ISO weekday, in local time: [starts, ends), several per day, never overlapping (23P01), within one day (ends may be 24:00).';
COMMENT ON COLUMN gridgov.calendar_periods.calendar_id IS 'The calendar (gridgov.calendars.id)';
COMMENT ON COLUMN gridgov.calendar_periods.weekday IS 'ISO weekday: 1 Monday ... 7 Sunday';
COMMENT ON COLUMN gridgov.calendar_periods.starts IS 'Local start time of the period (inclusive)';
COMMENT ON COLUMN gridgov.calendar_periods.ends IS 'Local end time of the period (exclusive); 24:00 for end of day; after starts';
COMMENT ON COLUMN gridgov.calendar_periods.builtin IS 'Shipped with gridgov: read-only, not saved by pg_dump';

CREATE TABLE gridgov.calendar_exceptions (
    calendar_id integer NOT NULL REFERENCES gridgov.calendars (id) ON DELETE CASCADE,
    day         date NOT NULL CHECK (pg_catalog.isfinite(day)),
    kind        text NOT NULL CHECK (kind IN ('holiday', 'workday', 'regular')),
    periods_of  smallint CHECK (periods_of BETWEEN 1 AND 7),
    name        text,
    note        text,
    source      text,
    builtin     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar_id, day, builtin),
    CONSTRAINT calendar_exceptions_periods_of CHECK (kind = 'workday' OR periods_of IS NULL)
);
COMMENT ON TABLE gridgov.calendar_exceptions IS
    'Per-date exceptions of a calendar: holiday (no work), workday (works with the periods of weekday periods_of, Monday when NULL; 调休补班 on a weekend) or regular (the weekly periods apply; cancels a shipped exception). A day has at most one shipped and one user row; the user row wins.';
COMMENT ON COLUMN gridgov.calendar_exceptions.calendar_id IS 'The calendar (gridgov.calendars.id)';
COMMENT ON COLUMN gridgov.calendar_exceptions.day IS 'Local date the exception applies to';
COMMENT ON COLUMN gridgov.calendar_exceptions.kind IS 'holiday, workday or regular';
COMMENT ON COLUMN gridgov.calendar_exceptions.periods_of IS 'For kind workday: the ISO weekday (1-7) whose periods apply; NULL means Monday. NULL for the other kinds';
COMMENT ON COLUMN gridgov.calendar_exceptions.name IS 'Name of the holiday or adjustment, e.g. 春节 Spring Festival';
COMMENT ON COLUMN gridgov.calendar_exceptions.note IS 'Free text, e.g. day off in lieu (调休)';
COMMENT ON COLUMN gridgov.calendar_exceptions.source IS 'chinese-days for rows written by gridgov.load_cn_holidays (which replaces them on reload); NULL or anything else for your own rows, which the loader never touches';
COMMENT ON COLUMN gridgov.calendar_exceptions.builtin IS 'Shipped with gridgov: read-only, not saved by pg_dump';

-- User rows are dumped; shipped rows come back with CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendars', 'WHERE NOT builtin OR modified');
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendars_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendar_periods', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendar_exceptions', 'WHERE NOT builtin');

-- Write-time checks ------------------------------------------------------------

CREATE FUNCTION gridgov.calendars_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    suggestion text;
BEGIN
    PERFORM gridgov.trigger_check('calendars_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = NEW.time_zone) THEN
        SELECT z.name INTO suggestion FROM pg_catalog.pg_timezone_names z
        WHERE pg_catalog.lower(z.name) = pg_catalog.lower(NEW.time_zone)
        ORDER BY z.name LIMIT 1;
        IF suggestion IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('time zone "%s" is not an IANA time zone name', NEW.time_zone),
                DETAIL = 'A calendar''s time zone must be spelt as in pg_timezone_names.',
                HINT = pg_catalog.format('Did you mean "%s"?', suggestion);
        END IF;
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('time zone "%s" is not an IANA time zone name', NEW.time_zone),
            DETAIL = 'A calendar''s time zone must be a name listed in pg_timezone_names, e.g. Asia/Shanghai.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.calendars_check() IS
    'Trigger: a calendar''s time zone must be an IANA name listed in pg_timezone_names (22023)';
CREATE TRIGGER calendars_check BEFORE INSERT OR UPDATE OF time_zone
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.calendars_check();

CREATE FUNCTION gridgov.calendar_periods_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    other record;
BEGIN
    PERFORM gridgov.trigger_check('calendar_periods_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- Serialise writers of one calendar so that the check below sees them.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.calendar_periods'),
                                             NEW.calendar_id);
    SELECT p.starts, p.ends INTO other
    FROM gridgov.calendar_periods p
    WHERE p.calendar_id = NEW.calendar_id AND p.weekday = NEW.weekday
      AND p.starts < NEW.ends AND NEW.starts < p.ends
      AND (TG_OP = 'INSERT'
           OR (p.calendar_id, p.weekday, p.starts) <> (OLD.calendar_id, OLD.weekday, OLD.starts))
    ORDER BY p.starts LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23P01',
            MESSAGE = pg_catalog.format('work period %s-%s overlaps work period %s-%s on weekday %s of calendar "%s"',
                                        NEW.starts, NEW.ends, other.starts, other.ends, NEW.weekday,
                                        (SELECT c.name FROM gridgov.calendars c WHERE c.id = NEW.calendar_id)),
            DETAIL = 'The work periods of one weekday must not overlap.',
            HINT = 'Change or delete the existing period first; adjacent periods (one ends when the next starts) are allowed.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.calendar_periods_check() IS
    'Trigger: the work periods of one weekday of a calendar must not overlap (23P01)';
CREATE TRIGGER calendar_periods_check BEFORE INSERT OR UPDATE
    ON gridgov.calendar_periods FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_periods_check();

-- Shipped rows are read-only (the guard triggers are created at the end of
-- this file, after the shipped rows are in).
CREATE FUNCTION gridgov.calendar_guard() RETURNS trigger
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

-- Working-time arithmetic (C) ---------------------------------------------------

CREATE FUNCTION gridgov.worktime_add(calendar text, start timestamptz, amount numeric, unit text)
    RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'worktime_add_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.worktime_add(text, timestamptz, numeric, text) IS
    'The instant at which amount of unit (minutes, working_hours, working_days, calendar_days) has elapsed after start on the calendar; see docs/calendars.md. Errors: NULL 22004, unknown calendar 42704, unknown unit / negative / NaN / infinite amount 22023, amount too large 22003, timestamp out of range 22008, no working time GG200';

CREATE FUNCTION gridgov.worktime_between(calendar text, t1 timestamptz, t2 timestamptz)
    RETURNS interval
    AS 'MODULE_PATHNAME', 'worktime_between_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.worktime_between(text, timestamptz, timestamptz) IS
    'Working time of the calendar in [t1, t2) as an interval of hours, minutes and seconds (negative when t2 < t1); at most 36,600 days apart (22008)';

CREATE FUNCTION gridgov.worktime_between(calendar text, t1 timestamptz, t2 timestamptz, unit text)
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'worktime_between_unit_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.worktime_between(text, timestamptz, timestamptz, text) IS
    'Time from t1 to t2 in a unit, the inverse of worktime_add: working minutes or hours in [t1, t2), working days after t1''s date closed by t2 plus a fraction, or calendar days; negative when t2 < t1';

CREATE FUNCTION gridgov.is_working_day(calendar text, day date)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'worktime_is_working_day_fn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.is_working_day(text, date) IS
    'Whether the local date has working time on the calendar, after holidays and adjusted working days';

-- The horizon (C, src/time/horizon.c) -------------------------------------------------

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

-- Loading the chinese-days data ---------------------------------------------------

CREATE FUNCTION gridgov.load_cn_holidays(calendar text, data jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer;
    bad record;
    file_rows gridgov.calendar_exceptions[];
    target gridgov.calendar_exceptions[];
    scope date[];
    deleted date[];
    inserted date[];
    kept integer;
BEGIN
    IF calendar IS NULL OR data IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = pg_catalog.format('argument "%s" of gridgov.load_cn_holidays must not be null',
                                        CASE WHEN calendar IS NULL THEN 'calendar' ELSE 'data' END);
    END IF;
    SELECT c.id INTO cal_id FROM gridgov.calendars c WHERE c.name = calendar;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('calendar "%s" does not exist', calendar),
            HINT = 'The calendars are listed in gridgov.calendars.';
    END IF;
    IF pg_catalog.jsonb_typeof(data) IS DISTINCT FROM 'object'
       OR pg_catalog.jsonb_typeof(data->'holidays') IS DISTINCT FROM 'object'
       OR pg_catalog.jsonb_typeof(COALESCE(data->'workdays', '{}')) <> 'object'
       OR pg_catalog.jsonb_typeof(COALESCE(data->'inLieuDays', '{}')) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'data is not in the chinese-days format',
            DETAIL = 'Expected a JSON object with an object "holidays" and optional objects "workdays" and "inLieuDays", each mapping YYYY-MM-DD dates to labels.';
    END IF;

    -- Every key a real date in years 1000-9999, every label a string.
    SELECT s.section, e.key, e.value INTO bad
    FROM (VALUES ('holidays'), ('workdays'), ('inLieuDays')) s(section),
         pg_catalog.jsonb_each(COALESCE(data->s.section, '{}')) e
    WHERE CASE WHEN e.key !~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' THEN true
               ELSE pg_catalog.to_char((pg_catalog.left(e.key, 8) || '01')::date
                                       + (pg_catalog.right(e.key, 2)::integer - 1), 'YYYY-MM-DD') <> e.key
          END
       OR pg_catalog.jsonb_typeof(e.value) <> 'string'
    ORDER BY 1, 2 LIMIT 1;
    IF FOUND THEN
        IF pg_catalog.jsonb_typeof(bad.value) <> 'string'
           AND bad.key ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' THEN
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('label of %s "%s" is not a string', bad.section, bad.key),
                DETAIL = 'chinese-days labels look like "Spring Festival,春节,4".';
        END IF;
        RAISE EXCEPTION USING ERRCODE = '22007',
            MESSAGE = pg_catalog.format('key "%s" of %s is not a date', bad.key, bad.section),
            DETAIL = 'Keys must be dates written YYYY-MM-DD, e.g. 2026-02-15.';
    END IF;
    SELECT w.key INTO bad
    FROM pg_catalog.jsonb_object_keys(COALESCE(data->'workdays', '{}')) w(key)
    WHERE data->'holidays' ? w.key OR COALESCE(data->'inLieuDays', '{}') ? w.key
    ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('date %s is both a holiday and a working day', bad.key),
            DETAIL = 'A date may appear in "workdays" or in "holidays"/"inLieuDays", not both.';
    END IF;

    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.load_cn_holidays'), cal_id);

    -- The file's days as rows: holidays and in-lieu days off, adjusted working days.
    SELECT pg_catalog.array_agg(ROW(cal_id, f.day, f.kind, NULL, f.name, f.note, 'chinese-days', false)
                                    ::gridgov.calendar_exceptions ORDER BY f.day)
    INTO file_rows
    FROM (
        SELECT e.key::date AS day, e.kind,
               CASE WHEN e.label ~ '^[^,]+,[^,]+,[0-9]+$'
                    THEN pg_catalog.split_part(e.label, ',', 2) || ' ' || pg_catalog.split_part(e.label, ',', 1)
                    ELSE e.label END AS name,
               CASE WHEN e.kind = 'workday' THEN 'adjusted working day (调休补班)'
                    WHEN COALESCE(data->'inLieuDays', '{}') ? e.key THEN 'day off in lieu (调休)' END AS note
        FROM (
            SELECT h.key, h.value AS label, 'holiday' AS kind
            FROM pg_catalog.jsonb_each_text(data->'holidays') h
            UNION ALL
            SELECT l.key, l.value, 'holiday'
            FROM pg_catalog.jsonb_each_text(COALESCE(data->'inLieuDays', '{}')) l
            WHERE NOT data->'holidays' ? l.key
            UNION ALL
            SELECT w.key, w.value, 'workday'
            FROM pg_catalog.jsonb_each_text(COALESCE(data->'workdays', '{}')) w
        ) e
    ) f;

    -- Days in scope: the file's days, and in every year the file covers (it
    -- lists 1 January of that year as a holiday) the days of the rows shipped
    -- or loaded before.  User rows (source not chinese-days) are kept.
    WITH covered AS (
        SELECT DISTINCT pg_catalog.date_part('year', f.day) AS y
        FROM pg_catalog.unnest(file_rows) f
        WHERE f.kind = 'holiday' AND pg_catalog.to_char(f.day, 'MM-DD') = '01-01'
    ), days AS (
        SELECT f.day FROM pg_catalog.unnest(file_rows) f
        UNION
        SELECT e.day FROM gridgov.calendar_exceptions e
        WHERE e.calendar_id = cal_id AND (e.builtin OR e.source = 'chinese-days')
          AND pg_catalog.date_part('year', e.day) IN (SELECT y FROM covered)
    )
    SELECT pg_catalog.array_agg(d.day ORDER BY d.day) INTO scope FROM days d;

    SELECT pg_catalog.count(*) INTO kept
    FROM gridgov.calendar_exceptions e
    WHERE e.calendar_id = cal_id AND NOT e.builtin AND e.source IS DISTINCT FROM 'chinese-days'
      AND e.day = ANY (scope);

    -- The loader rows wanted: where the file differs from the shipped row.
    SELECT pg_catalog.array_agg(t ORDER BY (t).day) INTO target
    FROM (
        SELECT CASE WHEN f.day IS NULL
                    THEN ROW(cal_id, d.day, 'regular', NULL, NULL, 'not in the loaded chinese-days data',
                             'chinese-days', false)::gridgov.calendar_exceptions
                    ELSE f END AS t
        FROM pg_catalog.unnest(scope) d(day)
        LEFT JOIN pg_catalog.unnest(file_rows) f ON f.day = d.day
        LEFT JOIN gridgov.calendar_exceptions b
               ON b.calendar_id = cal_id AND b.day = d.day AND b.builtin
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.calendar_exceptions u
                          WHERE u.calendar_id = cal_id AND u.day = d.day AND NOT u.builtin
                            AND u.source IS DISTINCT FROM 'chinese-days')
          AND (f.day IS NOT NULL OR b.day IS NOT NULL)
          AND (b.day IS NULL OR f.day IS NULL
               OR (b.kind, b.periods_of, b.name, b.note) IS DISTINCT FROM (f.kind, f.periods_of, f.name, f.note))
    ) x;

    WITH gone AS (
        DELETE FROM gridgov.calendar_exceptions e
        WHERE e.calendar_id = cal_id AND NOT e.builtin AND e.source = 'chinese-days'
          AND e.day = ANY (scope)
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(target) t
                          WHERE t.day = e.day
                            AND (t.kind, t.periods_of, t.name, t.note) IS NOT DISTINCT FROM
                                (e.kind, e.periods_of, e.name, e.note))
        RETURNING e.day
    )
    SELECT pg_catalog.array_agg(g.day) INTO deleted FROM gone g;

    WITH added AS (
        INSERT INTO gridgov.calendar_exceptions
        SELECT t.* FROM pg_catalog.unnest(target) t
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.calendar_exceptions e
                          WHERE e.calendar_id = cal_id AND e.day = t.day AND NOT e.builtin)
        RETURNING day
    )
    SELECT pg_catalog.array_agg(a.day) INTO inserted FROM added a;

    IF kept > 0 THEN
        RAISE NOTICE 'kept % day(s) of calendar "%" that have exceptions of your own', kept, calendar;
    END IF;
    RETURN (SELECT pg_catalog.count(DISTINCT x.day)
            FROM pg_catalog.unnest(COALESCE(deleted, '{}') || COALESCE(inserted, '{}')) x(day));
END
$$;
COMMENT ON FUNCTION gridgov.load_cn_holidays(text, jsonb) IS
    'Loads a chinese-days JSON file (holidays, workdays = adjusted working weekends, inLieuDays) into a calendar; replaces the rows it loaded before in every year whose 1 January the file lists, never touches your own rows; idempotent; returns the number of days written';

CREATE FUNCTION gridgov.copy_calendar(source text, name text, time_zone text DEFAULT NULL,
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

-- Shipped calendars ------------------------------------------------------------

-- cn's horizon is the end of the last year of the shipped data (2026; when
-- the data is refreshed, this date moves with it: test/calendar_horizon.sql
-- checks that they agree).
INSERT INTO gridgov.calendars (name, time_zone, description, builtin, known_until) VALUES
    ('cn', 'Asia/Shanghai',
     'China: 08:30-12:00 and 13:30-17:30 Monday to Friday; State Council public holidays and adjusted working days 2004-2026 (chinese-days 1.5.7)',
     true, date '2026-12-31');
INSERT INTO gridgov.calendars (name, time_zone, description, builtin) VALUES
    ('24x7', 'Asia/Shanghai', 'Round the clock: every day 00:00-24:00, no holidays', true);

INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends, builtin)
SELECT c.id, wd, p.starts, p.ends, true
FROM gridgov.calendars c,
     pg_catalog.generate_series(1, 5) wd,
     (VALUES (time '08:30', time '12:00'), (time '13:30', time '17:30')) p(starts, ends)
WHERE c.name = 'cn';
INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends, builtin)
SELECT c.id, wd, time '00:00', time '24:00', true
FROM gridgov.calendars c, pg_catalog.generate_series(1, 7) wd
WHERE c.name = '24x7';

-- data/cn-holidays/chinese-days.json (chinese-days 1.5.7, MIT, Yawei Sun),
-- embedded verbatim in the statement between the markers; docs/calendars.md says
-- how to refresh it.  sql/worktime.sql checks that it equals the file.
-- BEGIN data/cn-holidays/chinese-days.json
SELECT gridgov.load_cn_holidays('cn', $chinese_days${"holidays":{"2026-01-01":"New Year's Day,元旦,1","2026-01-02":"New Year's Day,元旦,1","2026-01-03":"New Year's Day,元旦,1","2026-02-15":"Spring Festival,春节,4","2026-02-16":"Spring Festival,春节,4","2026-02-17":"Spring Festival,春节,4","2026-02-18":"Spring Festival,春节,4","2026-02-19":"Spring Festival,春节,4","2026-02-20":"Spring Festival,春节,4","2026-02-21":"Spring Festival,春节,4","2026-02-22":"Spring Festival,春节,4","2026-02-23":"Spring Festival,春节,4","2026-04-04":"Tomb-sweeping Day,清明,1","2026-04-05":"Tomb-sweeping Day,清明,1","2026-04-06":"Tomb-sweeping Day,清明,1","2026-05-01":"Labour Day,劳动节,2","2026-05-02":"Labour Day,劳动节,2","2026-05-03":"Labour Day,劳动节,2","2026-05-04":"Labour Day,劳动节,2","2026-05-05":"Labour Day,劳动节,2","2026-06-19":"Dragon Boat Festival,端午,1","2026-06-20":"Dragon Boat Festival,端午,1","2026-06-21":"Dragon Boat Festival,端午,1","2026-09-25":"Mid-autumn Festival,中秋,1","2026-09-26":"Mid-autumn Festival,中秋,1","2026-09-27":"Mid-autumn Festival,中秋,1","2026-10-01":"National Day,国庆节,3","2026-10-02":"National Day,国庆节,3","2026-10-03":"National Day,国庆节,3","2026-10-04":"National Day,国庆节,3","2026-10-05":"National Day,国庆节,3","2026-10-06":"National Day,国庆节,3","2026-10-07":"National Day,国庆节,3","2025-01-01":"New Year's Day,元旦,1","2025-01-28":"Spring Festival,春节,4","2025-01-29":"Spring Festival,春节,4","2025-01-30":"Spring Festival,春节,4","2025-01-31":"Spring Festival,春节,4","2025-02-01":"Spring Festival,春节,4","2025-02-02":"Spring Festival,春节,4","2025-02-03":"Spring Festival,春节,4","2025-02-04":"Spring Festival,春节,4","2025-04-04":"Tomb-sweeping Day,清明,1","2025-04-05":"Tomb-sweeping Day,清明,1","2025-04-06":"Tomb-sweeping Day,清明,1","2025-05-01":"Labour Day,劳动节,2","2025-05-02":"Labour Day,劳动节,2","2025-05-03":"Labour Day,劳动节,2","2025-05-04":"Labour Day,劳动节,2","2025-05-05":"Labour Day,劳动节,2","2025-05-31":"Dragon Boat Festival,端午,1","2025-06-01":"Dragon Boat Festival,端午,1","2025-06-02":"Dragon Boat Festival,端午,1","2025-10-01":"National Day,国庆节,3","2025-10-02":"National Day,国庆节,3","2025-10-03":"National Day,国庆节,3","2025-10-04":"National Day,国庆节,3","2025-10-05":"National Day,国庆节,3","2025-10-06":"Mid-autumn Festival,中秋,1","2025-10-07":"National Day,国庆节,3","2025-10-08":"National Day,国庆节,3","2024-01-01":"New Year's Day,元旦,1","2024-02-10":"Spring Festival,春节,3","2024-02-11":"Spring Festival,春节,3","2024-02-12":"Spring Festival,春节,3","2024-02-13":"Spring Festival,春节,3","2024-02-14":"Spring Festival,春节,3","2024-02-15":"Spring Festival,春节,3","2024-02-16":"Spring Festival,春节,3","2024-02-17":"Spring Festival,春节,3","2024-04-04":"Tomb-sweeping Day,清明,1","2024-04-05":"Tomb-sweeping Day,清明,1","2024-04-06":"Tomb-sweeping Day,清明,1","2024-05-01":"Labour Day,劳动节,1","2024-05-02":"Labour Day,劳动节,1","2024-05-03":"Labour Day,劳动节,1","2024-05-04":"Labour Day,劳动节,1","2024-05-05":"Labour Day,劳动节,1","2024-06-10":"Dragon Boat Festival,端午,1","2024-09-15":"Mid-autumn Festival,中秋,1","2024-09-16":"Mid-autumn Festival,中秋,1","2024-09-17":"Mid-autumn Festival,中秋,1","2024-10-01":"National Day,国庆节,3","2024-10-02":"National Day,国庆节,3","2024-10-03":"National Day,国庆节,3","2024-10-04":"National Day,国庆节,3","2024-10-05":"National Day,国庆节,3","2024-10-06":"National Day,国庆节,3","2024-10-07":"National Day,国庆节,3","2023-01-01":"New Year's Day,元旦,1","2023-01-02":"New Year's Day,元旦,1","2023-01-21":"Spring Festival,春节,3","2023-01-22":"Spring Festival,春节,3","2023-01-23":"Spring Festival,春节,3","2023-01-24":"Spring Festival,春节,3","2023-01-25":"Spring Festival,春节,3","2023-01-26":"Spring Festival,春节,3","2023-01-27":"Spring Festival,春节,3","2023-04-05":"Tomb-sweeping Day,清明,1","2023-04-29":"Labour Day,劳动节,1","2023-04-30":"Labour Day,劳动节,1","2023-05-01":"Labour Day,劳动节,1","2023-05-02":"Labour Day,劳动节,1","2023-05-03":"Labour Day,劳动节,1","2023-06-22":"Dragon Boat Festival,端午,1","2023-06-23":"Dragon Boat Festival,端午,1","2023-06-24":"Dragon Boat Festival,端午,1","2023-09-29":"Mid-autumn Festival,中秋,1","2023-09-30":"National Day,国庆节,3","2023-10-01":"National Day,国庆节,3","2023-10-02":"National Day,国庆节,3","2023-10-03":"National Day,国庆节,3","2023-10-04":"National Day,国庆节,3","2023-10-05":"National Day,国庆节,3","2023-10-06":"National Day,国庆节,3","2022-01-01":"New Year's Day,元旦,1","2022-01-02":"New Year's Day,元旦,1","2022-01-03":"New Year's Day,元旦,1","2022-01-31":"Spring Festival,春节,3","2022-02-01":"Spring Festival,春节,3","2022-02-02":"Spring Festival,春节,3","2022-02-03":"Spring Festival,春节,3","2022-02-04":"Spring Festival,春节,3","2022-02-05":"Spring Festival,春节,3","2022-02-06":"Spring Festival,春节,3","2022-04-03":"Tomb-sweeping Day,清明,1","2022-04-04":"Tomb-sweeping Day,清明,1","2022-04-05":"Tomb-sweeping Day,清明,1","2022-04-30":"Labour Day,劳动节,1","2022-05-01":"Labour Day,劳动节,1","2022-05-02":"Labour Day,劳动节,1","2022-05-03":"Labour Day,劳动节,1","2022-05-04":"Labour Day,劳动节,1","2022-06-03":"Dragon Boat Festival,端午,1","2022-06-04":"Dragon Boat Festival,端午,1","2022-06-05":"Dragon Boat Festival,端午,1","2022-09-10":"Mid-autumn Festival,中秋,1","2022-09-11":"Mid-autumn Festival,中秋,1","2022-09-12":"Mid-autumn Festival,中秋,1","2022-10-01":"National Day,国庆节,3","2022-10-02":"National Day,国庆节,3","2022-10-03":"National Day,国庆节,3","2022-10-04":"National Day,国庆节,3","2022-10-05":"National Day,国庆节,3","2022-10-06":"National Day,国庆节,3","2022-10-07":"National Day,国庆节,3","2022-12-31":"New Year's Day,元旦,1","2021-01-01":"New Year's Day,元旦,1","2021-01-02":"New Year's Day,元旦,1","2021-01-03":"New Year's Day,元旦,1","2021-02-11":"Spring Festival,春节,3","2021-02-12":"Spring Festival,春节,3","2021-02-13":"Spring Festival,春节,3","2021-02-14":"Spring Festival,春节,3","2021-02-15":"Spring Festival,春节,3","2021-02-16":"Spring Festival,春节,3","2021-02-17":"Spring Festival,春节,3","2021-04-03":"Tomb-sweeping Day,清明,1","2021-04-04":"Tomb-sweeping Day,清明,1","2021-04-05":"Tomb-sweeping Day,清明,1","2021-05-01":"Labour Day,劳动节,1","2021-05-02":"Labour Day,劳动节,1","2021-05-03":"Labour Day,劳动节,1","2021-05-04":"Labour Day,劳动节,1","2021-05-05":"Labour Day,劳动节,1","2021-06-12":"Dragon Boat Festival,端午,1","2021-06-13":"Dragon Boat Festival,端午,1","2021-06-14":"Dragon Boat Festival,端午,1","2021-09-19":"Mid-autumn Festival,中秋,1","2021-09-20":"Mid-autumn Festival,中秋,1","2021-09-21":"Mid-autumn Festival,中秋,1","2021-10-01":"National Day,国庆节,3","2021-10-02":"National Day,国庆节,3","2021-10-03":"National Day,国庆节,3","2021-10-04":"National Day,国庆节,3","2021-10-05":"National Day,国庆节,3","2021-10-06":"National Day,国庆节,3","2021-10-07":"National Day,国庆节,3","2020-01-01":"New Year's Day,元旦,1","2020-01-24":"Spring Festival,春节,3","2020-01-25":"Spring Festival,春节,3","2020-01-26":"Spring Festival,春节,3","2020-01-27":"Spring Festival,春节,3","2020-01-28":"Spring Festival,春节,3","2020-01-29":"Spring Festival,春节,3","2020-01-30":"Spring Festival,春节,3","2020-01-31":"Spring Festival,春节,3","2020-02-01":"Spring Festival,春节,3","2020-02-02":"Spring Festival,春节,3","2020-04-04":"Tomb-sweeping Day,清明,1","2020-04-05":"Tomb-sweeping Day,清明,1","2020-04-06":"Tomb-sweeping Day,清明,1","2020-05-01":"Labour Day,劳动节,1","2020-05-02":"Labour Day,劳动节,1","2020-05-03":"Labour Day,劳动节,1","2020-05-04":"Labour Day,劳动节,1","2020-05-05":"Labour Day,劳动节,1","2020-06-25":"Dragon Boat Festival,端午,1","2020-06-26":"Dragon Boat Festival,端午,1","2020-06-27":"Dragon Boat Festival,端午,1","2020-10-01":"National Day,国庆节,3","2020-10-02":"National Day,国庆节,3","2020-10-03":"National Day,国庆节,3","2020-10-04":"National Day,国庆节,3","2020-10-05":"National Day,国庆节,3","2020-10-06":"National Day,国庆节,3","2020-10-07":"National Day,国庆节,3","2020-10-08":"National Day,国庆节,3","2019-01-01":"New Year's Day,元旦,1","2019-02-04":"Spring Festival,春节,3","2019-02-05":"Spring Festival,春节,3","2019-02-06":"Spring Festival,春节,3","2019-02-07":"Spring Festival,春节,3","2019-02-08":"Spring Festival,春节,3","2019-02-09":"Spring Festival,春节,3","2019-02-10":"Spring Festival,春节,3","2019-04-05":"Tomb-sweeping Day,清明,1","2019-04-06":"Tomb-sweeping Day,清明,1","2019-04-07":"Tomb-sweeping Day,清明,1","2019-05-01":"Labour Day,劳动节,1","2019-05-02":"Labour Day,劳动节,1","2019-05-03":"Labour Day,劳动节,1","2019-05-04":"Labour Day,劳动节,1","2019-06-07":"Dragon Boat Festival,端午,1","2019-06-08":"Dragon Boat Festival,端午,1","2019-06-09":"Dragon Boat Festival,端午,1","2019-09-13":"Mid-autumn Festival,中秋,1","2019-09-14":"Mid-autumn Festival,中秋,1","2019-09-15":"Mid-autumn Festival,中秋,1","2019-10-01":"National Day,国庆节,3","2019-10-02":"National Day,国庆节,3","2019-10-03":"National Day,国庆节,3","2019-10-04":"National Day,国庆节,3","2019-10-05":"National Day,国庆节,3","2019-10-06":"National Day,国庆节,3","2019-10-07":"National Day,国庆节,3","2018-01-01":"New Year's Day,元旦,1","2018-02-15":"Spring Festival,春节,3","2018-02-16":"Spring Festival,春节,3","2018-02-17":"Spring Festival,春节,3","2018-02-18":"Spring Festival,春节,3","2018-02-19":"Spring Festival,春节,3","2018-02-20":"Spring Festival,春节,3","2018-02-21":"Spring Festival,春节,3","2018-04-05":"Tomb-sweeping Day,清明,1","2018-04-06":"Tomb-sweeping Day,清明,1","2018-04-07":"Tomb-sweeping Day,清明,1","2018-04-29":"Labour Day,劳动节,1","2018-04-30":"Labour Day,劳动节,1","2018-05-01":"Labour Day,劳动节,1","2018-06-18":"Dragon Boat Festival,端午,1","2018-10-01":"National Day,国庆节,3","2018-10-02":"National Day,国庆节,3","2018-10-03":"National Day,国庆节,3","2018-10-04":"National Day,国庆节,3","2018-10-05":"National Day,国庆节,3","2018-10-06":"National Day,国庆节,3","2018-10-07":"National Day,国庆节,3","2018-09-24":"Mid-autumn Festival,中秋,1","2018-12-30":"New Year's Day,元旦,1","2018-12-31":"New Year's Day,元旦,1","2017-01-01":"New Year's Day,元旦,1","2017-01-02":"New Year's Day,元旦,1","2017-01-27":"Spring Festival,春节,3","2017-01-28":"Spring Festival,春节,3","2017-01-29":"Spring Festival,春节,3","2017-01-30":"Spring Festival,春节,3","2017-01-31":"Spring Festival,春节,3","2017-02-01":"Spring Festival,春节,3","2017-02-02":"Spring Festival,春节,3","2017-04-02":"Tomb-sweeping Day,清明,1","2017-04-03":"Tomb-sweeping Day,清明,1","2017-04-04":"Tomb-sweeping Day,清明,1","2017-05-01":"Labour Day,劳动节,1","2017-05-28":"Dragon Boat Festival,端午,1","2017-05-29":"Dragon Boat Festival,端午,1","2017-05-30":"Dragon Boat Festival,端午,1","2017-10-01":"National Day,国庆节,3","2017-10-02":"National Day,国庆节,3","2017-10-03":"National Day,国庆节,3","2017-10-04":"Mid-autumn Festival,中秋,1","2017-10-05":"National Day,国庆节,3","2017-10-06":"National Day,国庆节,3","2017-10-07":"National Day,国庆节,3","2017-10-08":"National Day,国庆节,3","2016-01-01":"New Year's Day,元旦,1","2016-02-07":"Spring Festival,春节,3","2016-02-08":"Spring Festival,春节,3","2016-02-09":"Spring Festival,春节,3","2016-02-10":"Spring Festival,春节,3","2016-02-11":"Spring Festival,春节,3","2016-02-12":"Spring Festival,春节,3","2016-02-13":"Spring Festival,春节,3","2016-04-04":"Tomb-sweeping Day,清明,1","2016-05-01":"Labour Day,劳动节,1","2016-05-02":"Labour Day,劳动节,1","2016-06-09":"Dragon Boat Festival,端午,1","2016-06-10":"Dragon Boat Festival,端午,1","2016-06-11":"Dragon Boat Festival,端午,1","2016-09-15":"Mid-autumn Festival,中秋,1","2016-09-16":"Mid-autumn Festival,中秋,1","2016-09-17":"Mid-autumn Festival,中秋,1","2016-10-01":"National Day,国庆节,3","2016-10-02":"National Day,国庆节,3","2016-10-03":"National Day,国庆节,3","2016-10-04":"National Day,国庆节,3","2016-10-05":"National Day,国庆节,3","2016-10-06":"National Day,国庆节,3","2016-10-07":"National Day,国庆节,3","2015-01-01":"New Year's Day,元旦,1","2015-01-02":"New Year's Day,元旦,1","2015-01-03":"New Year's Day,元旦,1","2015-02-18":"Spring Festival,春节,3","2015-02-19":"Spring Festival,春节,3","2015-02-20":"Spring Festival,春节,3","2015-02-21":"Spring Festival,春节,3","2015-02-22":"Spring Festival,春节,3","2015-02-23":"Spring Festival,春节,3","2015-02-24":"Spring Festival,春节,3","2015-04-05":"Tomb-sweeping Day,清明,1","2015-04-06":"Tomb-sweeping Day,清明,1","2015-05-01":"Labour Day,劳动节,1","2015-06-20":"Dragon Boat Festival,端午,1","2015-06-22":"Dragon Boat Festival,端午,1","2015-09-27":"Mid-autumn Festival,中秋,1","2015-10-01":"National Day,国庆节,3","2015-10-02":"National Day,国庆节,3","2015-10-03":"National Day,国庆节,3","2015-10-04":"National Day,国庆节,3","2015-10-05":"National Day,国庆节,3","2015-10-06":"National Day,国庆节,3","2015-10-07":"National Day,国庆节,3","2015-09-03":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2015-09-04":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2014-01-01":"New Year's Day,元旦,1","2014-01-31":"Spring Festival,春节,3","2014-02-01":"Spring Festival,春节,3","2014-02-02":"Spring Festival,春节,3","2014-02-03":"Spring Festival,春节,3","2014-02-04":"Spring Festival,春节,3","2014-02-05":"Spring Festival,春节,3","2014-02-06":"Spring Festival,春节,3","2014-04-05":"Tomb-sweeping Day,清明,1","2014-04-06":"Tomb-sweeping Day,清明,1","2014-04-07":"Tomb-sweeping Day,清明,1","2014-05-01":"Labour Day,劳动节,1","2014-05-02":"Labour Day,劳动节,1","2014-05-03":"Labour Day,劳动节,1","2014-06-02":"Dragon Boat Festival,端午,1","2014-09-08":"Mid-autumn Festival,中秋,1","2014-10-01":"National Day,国庆节,3","2014-10-02":"National Day,国庆节,3","2014-10-03":"National Day,国庆节,3","2014-10-04":"National Day,国庆节,3","2014-10-05":"National Day,国庆节,3","2014-10-06":"National Day,国庆节,3","2014-10-07":"National Day,国庆节,3","2013-01-01":"New Year's Day,元旦,1","2013-01-02":"New Year's Day,元旦,1","2013-01-03":"New Year's Day,元旦,1","2013-02-09":"Spring Festival,春节,3","2013-02-10":"Spring Festival,春节,3","2013-02-11":"Spring Festival,春节,3","2013-02-12":"Spring Festival,春节,3","2013-02-13":"Spring Festival,春节,3","2013-02-14":"Spring Festival,春节,3","2013-02-15":"Spring Festival,春节,3","2013-04-04":"Tomb-sweeping Day,清明,1","2013-04-05":"Tomb-sweeping Day,清明,1","2013-04-06":"Tomb-sweeping Day,清明,1","2013-04-29":"Labour Day,劳动节,1","2013-04-30":"Labour Day,劳动节,1","2013-05-01":"Labour Day,劳动节,1","2013-06-10":"Dragon Boat Festival,端午,1","2013-06-11":"Dragon Boat Festival,端午,1","2013-06-12":"Dragon Boat Festival,端午,1","2013-09-19":"Mid-autumn Festival,中秋,1","2013-09-20":"Mid-autumn Festival,中秋,1","2013-09-21":"Mid-autumn Festival,中秋,1","2013-10-01":"National Day,国庆节,3","2013-10-02":"National Day,国庆节,3","2013-10-03":"National Day,国庆节,3","2013-10-04":"National Day,国庆节,3","2013-10-05":"National Day,国庆节,3","2013-10-06":"National Day,国庆节,3","2013-10-07":"National Day,国庆节,3","2012-01-01":"New Year's Day,元旦,1","2012-01-02":"New Year's Day,元旦,1","2012-01-03":"New Year's Day,元旦,1","2012-01-22":"Spring Festival,春节,3","2012-01-23":"Spring Festival,春节,3","2012-01-24":"Spring Festival,春节,3","2012-01-25":"Spring Festival,春节,3","2012-01-26":"Spring Festival,春节,3","2012-01-27":"Spring Festival,春节,3","2012-01-28":"Spring Festival,春节,3","2012-04-02":"Tomb-sweeping Day,清明,1","2012-04-03":"Tomb-sweeping Day,清明,1","2012-04-04":"Tomb-sweeping Day,清明,1","2012-04-29":"Labour Day,劳动节,1","2012-04-30":"Labour Day,劳动节,1","2012-05-01":"Labour Day,劳动节,1","2012-06-22":"Dragon Boat Festival,端午,1","2012-06-24":"Dragon Boat Festival,端午,1","2012-09-30":"Mid-autumn Festival,中秋,1","2012-10-01":"National Day,国庆节,3","2012-10-02":"National Day,国庆节,3","2012-10-03":"National Day,国庆节,3","2012-10-04":"National Day,国庆节,3","2012-10-05":"National Day,国庆节,3","2012-10-06":"National Day,国庆节,3","2012-10-07":"National Day,国庆节,3","2011-01-01":"New Year's Day,元旦,1","2011-01-02":"New Year's Day,元旦,1","2011-01-03":"New Year's Day,元旦,1","2011-02-02":"Spring Festival,春节,3","2011-02-03":"Spring Festival,春节,3","2011-02-04":"Spring Festival,春节,3","2011-02-05":"Spring Festival,春节,3","2011-02-06":"Spring Festival,春节,3","2011-02-07":"Spring Festival,春节,3","2011-02-08":"Spring Festival,春节,3","2011-04-03":"Tomb-sweeping Day,清明,1","2011-04-04":"Tomb-sweeping Day,清明,1","2011-04-05":"Tomb-sweeping Day,清明,1","2011-04-30":"Labour Day,劳动节,1","2011-05-01":"Labour Day,劳动节,1","2011-05-02":"Labour Day,劳动节,1","2011-06-04":"Dragon Boat Festival,端午,1","2011-06-06":"Dragon Boat Festival,端午,1","2011-09-10":"Mid-autumn Festival,中秋,1","2011-09-11":"Mid-autumn Festival,中秋,1","2011-09-12":"Mid-autumn Festival,中秋,1","2011-10-01":"National Day,国庆节,3","2011-10-02":"National Day,国庆节,3","2011-10-03":"National Day,国庆节,3","2011-10-04":"National Day,国庆节,3","2011-10-05":"National Day,国庆节,3","2011-10-06":"National Day,国庆节,3","2011-10-07":"National Day,国庆节,3","2010-01-01":"New Year's Day,元旦,1","2010-01-02":"New Year's Day,元旦,1","2010-01-03":"New Year's Day,元旦,1","2010-02-13":"Spring Festival,春节,3","2010-02-14":"Spring Festival,春节,3","2010-02-15":"Spring Festival,春节,3","2010-02-16":"Spring Festival,春节,3","2010-02-17":"Spring Festival,春节,3","2010-02-18":"Spring Festival,春节,3","2010-02-19":"Spring Festival,春节,3","2010-04-03":"Tomb-sweeping Day,清明,1","2010-04-04":"Tomb-sweeping Day,清明,1","2010-04-05":"Tomb-sweeping Day,清明,1","2010-05-01":"Labour Day,劳动节,1","2010-05-02":"Labour Day,劳动节,1","2010-05-03":"Labour Day,劳动节,1","2010-06-14":"Dragon Boat Festival,端午,1","2010-06-15":"Dragon Boat Festival,端午,1","2010-06-16":"Dragon Boat Festival,端午,1","2010-09-22":"Mid-autumn Festival,中秋,1","2010-09-23":"Mid-autumn Festival,中秋,1","2010-09-24":"Mid-autumn Festival,中秋,1","2010-10-01":"National Day,国庆节,3","2010-10-02":"National Day,国庆节,3","2010-10-03":"National Day,国庆节,3","2010-10-04":"National Day,国庆节,3","2010-10-05":"National Day,国庆节,3","2010-10-06":"National Day,国庆节,3","2010-10-07":"National Day,国庆节,3","2009-01-01":"New Year's Day,元旦,1","2009-01-02":"New Year's Day,元旦,1","2009-01-03":"New Year's Day,元旦,1","2009-01-25":"Spring Festival,春节,3","2009-01-26":"Spring Festival,春节,3","2009-01-27":"Spring Festival,春节,3","2009-01-28":"Spring Festival,春节,3","2009-01-29":"Spring Festival,春节,3","2009-01-30":"Spring Festival,春节,3","2009-01-31":"Spring Festival,春节,3","2009-04-04":"Tomb-sweeping Day,清明,1","2009-04-05":"Tomb-sweeping Day,清明,1","2009-04-06":"Tomb-sweeping Day,清明,1","2009-05-01":"Labour Day,劳动节,1","2009-05-02":"Labour Day,劳动节,1","2009-05-03":"Labour Day,劳动节,1","2009-05-28":"Dragon Boat Festival,端午,1","2009-05-29":"Dragon Boat Festival,端午,1","2009-05-30":"Dragon Boat Festival,端午,1","2009-10-01":"National Day,国庆节,3","2009-10-02":"National Day,国庆节,3","2009-10-03":"Mid-autumn Festival,中秋,1","2009-10-04":"National Day,国庆节,3","2009-10-05":"National Day,国庆节,3","2009-10-06":"National Day,国庆节,3","2009-10-07":"National Day,国庆节,3","2009-10-08":"National Day,国庆节,3","2008-01-01":"New Year's Day,元旦,1","2008-02-06":"Spring Festival,春节,3","2008-02-07":"Spring Festival,春节,3","2008-02-08":"Spring Festival,春节,3","2008-02-09":"Spring Festival,春节,3","2008-02-10":"Spring Festival,春节,3","2008-02-11":"Spring Festival,春节,3","2008-02-12":"Spring Festival,春节,3","2008-04-04":"Tomb-sweeping Day,清明,1","2008-04-05":"Tomb-sweeping Day,清明,1","2008-04-06":"Tomb-sweeping Day,清明,1","2008-05-01":"Labour Day,劳动节,1","2008-05-02":"Labour Day,劳动节,1","2008-05-03":"Labour Day,劳动节,1","2008-06-07":"Dragon Boat Festival,端午,1","2008-06-08":"Dragon Boat Festival,端午,1","2008-06-09":"Dragon Boat Festival,端午,1","2008-09-13":"Mid-autumn Festival,中秋,1","2008-09-14":"Mid-autumn Festival,中秋,1","2008-09-15":"Mid-autumn Festival,中秋,1","2008-09-29":"National Day,国庆节,3","2008-09-30":"National Day,国庆节,3","2008-10-01":"National Day,国庆节,3","2008-10-02":"National Day,国庆节,3","2008-10-03":"National Day,国庆节,3","2008-10-04":"National Day,国庆节,3","2008-10-05":"National Day,国庆节,3","2007-01-01":"New Year's Day,元旦,1","2007-01-02":"New Year's Day,元旦,1","2007-01-03":"New Year's Day,元旦,1","2007-02-18":"Spring Festival,春节,3","2007-02-19":"Spring Festival,春节,3","2007-02-20":"Spring Festival,春节,3","2007-02-21":"Spring Festival,春节,3","2007-02-22":"Spring Festival,春节,3","2007-02-23":"Spring Festival,春节,3","2007-02-24":"Spring Festival,春节,3","2007-05-01":"Labour Day,劳动节,3","2007-05-02":"Labour Day,劳动节,3","2007-05-03":"Labour Day,劳动节,3","2007-05-04":"Labour Day,劳动节,3","2007-05-05":"Labour Day,劳动节,3","2007-05-06":"Labour Day,劳动节,3","2007-05-07":"Labour Day,劳动节,3","2007-10-01":"National Day,国庆节,3","2007-10-02":"National Day,国庆节,3","2007-10-03":"National Day,国庆节,3","2007-10-04":"National Day,国庆节,3","2007-10-05":"National Day,国庆节,3","2007-10-06":"National Day,国庆节,3","2007-10-07":"National Day,国庆节,3","2007-12-30":"New Year's Day,元旦,1","2007-12-31":"New Year's Day,元旦,1","2006-01-01":"New Year's Day,元旦,1","2006-01-02":"New Year's Day,元旦,1","2006-01-03":"New Year's Day,元旦,1","2006-01-29":"Spring Festival,春节,3","2006-01-30":"Spring Festival,春节,3","2006-01-31":"Spring Festival,春节,3","2006-02-01":"Spring Festival,春节,3","2006-02-02":"Spring Festival,春节,3","2006-02-03":"Spring Festival,春节,3","2006-02-04":"Spring Festival,春节,3","2006-05-01":"Labour Day,劳动节,3","2006-05-02":"Labour Day,劳动节,3","2006-05-03":"Labour Day,劳动节,3","2006-05-04":"Labour Day,劳动节,3","2006-05-05":"Labour Day,劳动节,3","2006-05-06":"Labour Day,劳动节,3","2006-05-07":"Labour Day,劳动节,3","2006-10-01":"National Day,国庆节,3","2006-10-02":"National Day,国庆节,3","2006-10-03":"National Day,国庆节,3","2006-10-04":"National Day,国庆节,3","2006-10-05":"National Day,国庆节,3","2006-10-06":"National Day,国庆节,3","2006-10-07":"National Day,国庆节,3","2005-01-01":"New Year's Day,元旦,1","2005-01-02":"New Year's Day,元旦,1","2005-01-03":"New Year's Day,元旦,1","2005-02-09":"Spring Festival,春节,3","2005-02-10":"Spring Festival,春节,3","2005-02-11":"Spring Festival,春节,3","2005-02-12":"Spring Festival,春节,3","2005-02-13":"Spring Festival,春节,3","2005-02-14":"Spring Festival,春节,3","2005-02-15":"Spring Festival,春节,3","2005-05-01":"Labour Day,劳动节,3","2005-05-02":"Labour Day,劳动节,3","2005-05-03":"Labour Day,劳动节,3","2005-05-04":"Labour Day,劳动节,3","2005-05-05":"Labour Day,劳动节,3","2005-05-06":"Labour Day,劳动节,3","2005-05-07":"Labour Day,劳动节,3","2005-10-01":"National Day,国庆节,3","2005-10-02":"National Day,国庆节,3","2005-10-03":"National Day,国庆节,3","2005-10-04":"National Day,国庆节,3","2005-10-05":"National Day,国庆节,3","2005-10-06":"National Day,国庆节,3","2005-10-07":"National Day,国庆节,3","2004-01-01":"New Year's Day,元旦,1","2004-01-22":"Spring Festival,春节,3","2004-01-23":"Spring Festival,春节,3","2004-01-24":"Spring Festival,春节,3","2004-01-25":"Spring Festival,春节,3","2004-01-26":"Spring Festival,春节,3","2004-01-27":"Spring Festival,春节,3","2004-01-28":"Spring Festival,春节,3","2004-05-01":"Labour Day,劳动节,3","2004-05-02":"Labour Day,劳动节,3","2004-05-03":"Labour Day,劳动节,3","2004-05-04":"Labour Day,劳动节,3","2004-05-05":"Labour Day,劳动节,3","2004-05-06":"Labour Day,劳动节,3","2004-05-07":"Labour Day,劳动节,3","2004-10-01":"National Day,国庆节,3","2004-10-02":"National Day,国庆节,3","2004-10-03":"National Day,国庆节,3","2004-10-04":"National Day,国庆节,3","2004-10-05":"National Day,国庆节,3","2004-10-06":"National Day,国庆节,3","2004-10-07":"National Day,国庆节,3"},"workdays":{"2026-01-04":"New Year's Day,元旦,1","2026-02-14":"Spring Festival,春节,4","2026-02-28":"Spring Festival,春节,4","2026-05-09":"Labour Day,劳动节,2","2026-09-20":"National Day,国庆节,3","2026-10-10":"National Day,国庆节,3","2025-01-26":"Spring Festival,春节,4","2025-02-08":"Spring Festival,春节,4","2025-04-27":"Labour Day,劳动节,2","2025-09-28":"National Day,国庆节,3","2025-10-11":"National Day,国庆节,3","2024-02-04":"Spring Festival,春节,3","2024-02-18":"Spring Festival,春节,3","2024-04-07":"Tomb-sweeping Day,清明,1","2024-04-28":"Labour Day,劳动节,1","2024-05-11":"Labour Day,劳动节,1","2024-09-14":"Mid-autumn Festival,中秋,1","2024-09-29":"National Day,国庆节,3","2024-10-12":"National Day,国庆节,3","2023-01-28":"Spring Festival,春节,3","2023-01-29":"Spring Festival,春节,3","2023-04-23":"Labour Day,劳动节,1","2023-05-06":"Labour Day,劳动节,1","2023-06-25":"Dragon Boat Festival,端午,1","2023-10-07":"National Day,国庆节,3","2023-10-08":"National Day,国庆节,3","2022-01-29":"Spring Festival,春节,3","2022-01-30":"Spring Festival,春节,3","2022-04-02":"Tomb-sweeping Day,清明,1","2022-04-24":"Labour Day,劳动节,1","2022-05-07":"Labour Day,劳动节,1","2022-10-08":"National Day,国庆节,3","2022-10-09":"National Day,国庆节,3","2021-02-07":"Spring Festival,春节,3","2021-02-20":"Spring Festival,春节,3","2021-04-25":"Labour Day,劳动节,1","2021-05-08":"Labour Day,劳动节,1","2021-09-18":"Mid-autumn Festival,中秋,1","2021-09-26":"National Day,国庆节,3","2021-10-09":"National Day,国庆节,3","2020-01-19":"Spring Festival,春节,3","2020-04-26":"Labour Day,劳动节,1","2020-05-09":"Labour Day,劳动节,1","2020-06-28":"Dragon Boat Festival,端午,1","2020-09-27":"National Day,国庆节,3","2020-10-10":"National Day,国庆节,3","2019-02-02":"Spring Festival,春节,3","2019-02-03":"Spring Festival,春节,3","2019-04-28":"Labour Day,劳动节,1","2019-05-05":"Labour Day,劳动节,1","2019-09-29":"National Day,国庆节,3","2019-10-12":"National Day,国庆节,3","2018-02-11":"Spring Festival,春节,3","2018-02-24":"Spring Festival,春节,3","2018-04-08":"Tomb-sweeping Day,清明,1","2018-04-28":"Labour Day,劳动节,1","2018-09-29":"National Day,国庆节,3","2018-09-30":"National Day,国庆节,3","2018-12-29":"New Year's Day,元旦,1","2017-01-22":"Spring Festival,春节,3","2017-02-04":"Spring Festival,春节,3","2017-04-01":"Tomb-sweeping Day,清明,1","2017-05-27":"Dragon Boat Festival,端午,1","2017-09-30":"National Day,国庆节,3","2016-02-06":"Spring Festival,春节,3","2016-02-14":"Spring Festival,春节,3","2016-06-12":"Dragon Boat Festival,端午,1","2016-09-18":"Mid-autumn Festival,中秋,1","2016-10-08":"National Day,国庆节,3","2016-10-09":"National Day,国庆节,3","2015-01-04":"New Year's Day,元旦,1","2015-02-15":"Spring Festival,春节,3","2015-02-28":"Spring Festival,春节,3","2015-10-10":"National Day,国庆节,3","2015-09-06":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2014-01-26":"Spring Festival,春节,3","2014-02-08":"Spring Festival,春节,3","2014-05-04":"Labour Day,劳动节,1","2014-09-28":"National Day,国庆节,3","2014-10-11":"National Day,国庆节,3","2013-01-05":"New Year's Day,元旦,1","2013-01-06":"New Year's Day,元旦,1","2013-02-16":"Spring Festival,春节,3","2013-02-17":"Spring Festival,春节,3","2013-04-07":"Tomb-sweeping Day,清明,1","2013-04-27":"Labour Day,劳动节,1","2013-04-28":"Labour Day,劳动节,1","2013-06-08":"Dragon Boat Festival,端午,1","2013-06-09":"Dragon Boat Festival,端午,1","2013-09-22":"Mid-autumn Festival,中秋,1","2013-09-29":"National Day,国庆节,3","2013-10-12":"National Day,国庆节,3","2012-01-21":"Spring Festival,春节,3","2012-01-29":"Spring Festival,春节,3","2012-03-31":"Tomb-sweeping Day,清明,1","2012-04-01":"Tomb-sweeping Day,清明,1","2012-04-28":"Labour Day,劳动节,1","2012-09-29":"National Day,国庆节,3","2011-01-30":"Spring Festival,春节,3","2011-02-12":"Spring Festival,春节,3","2011-04-02":"Tomb-sweeping Day,清明,1","2011-10-08":"National Day,国庆节,3","2011-10-09":"National Day,国庆节,3","2011-12-31":"New Year's Day,元旦,1","2010-02-20":"Spring Festival,春节,3","2010-02-21":"Spring Festival,春节,3","2010-06-12":"Dragon Boat Festival,端午,1","2010-06-13":"Dragon Boat Festival,端午,1","2010-09-19":"Mid-autumn Festival,中秋,1","2010-09-25":"Mid-autumn Festival,中秋,1","2010-09-26":"National Day,国庆节,3","2010-10-09":"National Day,国庆节,3","2009-01-04":"New Year's Day,元旦,1","2009-01-24":"Spring Festival,春节,3","2009-02-01":"Spring Festival,春节,3","2009-05-31":"Dragon Boat Festival,端午,1","2009-09-27":"National Day,国庆节,3","2009-10-10":"National Day,国庆节,3","2008-02-02":"Spring Festival,春节,3","2008-02-03":"Spring Festival,春节,3","2008-05-04":"Labour Day,劳动节,1","2008-09-27":"National Day,国庆节,3","2008-09-28":"National Day,国庆节,3","2007-02-17":"Spring Festival,春节,3","2007-02-25":"Spring Festival,春节,3","2007-04-28":"Labour Day,劳动节,3","2007-04-29":"Labour Day,劳动节,3","2007-09-29":"National Day,国庆节,3","2007-09-30":"National Day,国庆节,3","2007-12-29":"New Year's Day,元旦,1","2006-01-28":"Spring Festival,春节,3","2006-02-05":"Spring Festival,春节,3","2006-04-29":"Labour Day,劳动节,3","2006-04-30":"Labour Day,劳动节,3","2006-09-30":"National Day,国庆节,3","2006-10-08":"National Day,国庆节,3","2006-12-30":"New Year's Day,元旦,1","2006-12-31":"New Year's Day,元旦,1","2005-02-05":"Spring Festival,春节,3","2005-02-06":"Spring Festival,春节,3","2005-04-30":"Labour Day,劳动节,3","2005-05-08":"Labour Day,劳动节,3","2005-10-08":"National Day,国庆节,3","2005-10-09":"National Day,国庆节,3","2004-01-17":"Spring Festival,春节,3","2004-01-18":"Spring Festival,春节,3","2004-05-08":"Labour Day,劳动节,3","2004-05-09":"Labour Day,劳动节,3","2004-10-09":"National Day,国庆节,3","2004-10-10":"National Day,国庆节,3"},"inLieuDays":{"2026-01-02":"New Year's Day,元旦,1","2026-02-20":"Spring Festival,春节,4","2026-02-23":"Spring Festival,春节,4","2026-05-05":"Labour Day,劳动节,2","2026-10-06":"National Day,国庆节,3","2026-10-07":"National Day,国庆节,3","2025-02-03":"Spring Festival,春节,4","2025-02-04":"Spring Festival,春节,4","2025-05-05":"Labour Day,劳动节,2","2025-10-07":"National Day,国庆节,3","2025-10-08":"National Day,国庆节,3","2024-02-15":"Spring Festival,春节,3","2024-02-16":"Spring Festival,春节,3","2024-04-05":"Tomb-sweeping Day,清明,1","2024-05-02":"Labour Day,劳动节,1","2024-05-03":"Labour Day,劳动节,1","2024-09-16":"Mid-autumn Festival,中秋,1","2024-10-04":"National Day,国庆节,3","2024-10-07":"National Day,国庆节,3","2023-01-26":"Spring Festival,春节,3","2023-01-27":"Spring Festival,春节,3","2023-05-02":"Labour Day,劳动节,1","2023-05-03":"Labour Day,劳动节,1","2023-06-23":"Dragon Boat Festival,端午,1","2023-10-05":"National Day,国庆节,3","2023-10-06":"National Day,国庆节,3","2022-02-03":"Spring Festival,春节,3","2022-02-04":"Spring Festival,春节,3","2022-04-04":"Tomb-sweeping Day,清明,1","2022-05-03":"Labour Day,劳动节,1","2022-05-04":"Labour Day,劳动节,1","2022-10-06":"National Day,国庆节,3","2022-10-07":"National Day,国庆节,3","2021-02-16":"Spring Festival,春节,3","2021-02-17":"Spring Festival,春节,3","2021-05-04":"Labour Day,劳动节,1","2021-05-05":"Labour Day,劳动节,1","2021-09-20":"Mid-autumn Festival,中秋,1","2021-10-06":"National Day,国庆节,3","2021-10-07":"National Day,国庆节,3","2020-01-29":"Spring Festival,春节,3","2020-05-04":"Labour Day,劳动节,1","2020-05-05":"Labour Day,劳动节,1","2020-06-26":"Dragon Boat Festival,端午,1","2020-10-07":"National Day,国庆节,3","2020-10-08":"National Day,国庆节,3","2019-02-04":"Spring Festival,春节,3","2019-02-08":"Spring Festival,春节,3","2019-05-02":"Labour Day,劳动节,1","2019-05-03":"Labour Day,劳动节,1","2019-10-04":"National Day,国庆节,3","2019-10-07":"National Day,国庆节,3","2018-02-19":"Spring Festival,春节,3","2018-02-20":"Spring Festival,春节,3","2018-02-21":"Spring Festival,春节,3","2018-04-06":"Tomb-sweeping Day,清明,1","2018-04-30":"Labour Day,劳动节,1","2018-10-04":"National Day,国庆节,3","2018-10-05":"National Day,国庆节,3","2018-12-31":"New Year's Day,元旦,1","2017-02-01":"Spring Festival,春节,3","2017-02-02":"Spring Festival,春节,3","2017-04-03":"Tomb-sweeping Day,清明,1","2017-05-29":"Dragon Boat Festival,端午,1","2017-10-06":"National Day,国庆节,3","2016-02-11":"Spring Festival,春节,3","2016-02-12":"Spring Festival,春节,3","2016-06-10":"Dragon Boat Festival,端午,1","2016-09-16":"Mid-autumn Festival,中秋,1","2016-10-06":"National Day,国庆节,3","2016-10-07":"National Day,国庆节,3","2015-01-02":"New Year's Day,元旦,1","2015-02-23":"Spring Festival,春节,3","2015-02-24":"Spring Festival,春节,3","2015-10-07":"National Day,国庆节,3","2015-09-04":"Anti-Fascist 70th Day,中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日,1","2014-02-05":"Spring Festival,春节,3","2014-02-06":"Spring Festival,春节,3","2014-05-02":"Labour Day,劳动节,1","2014-10-06":"National Day,国庆节,3","2014-10-07":"National Day,国庆节,3","2013-01-02":"New Year's Day,元旦,1","2013-01-03":"New Year's Day,元旦,1","2013-02-14":"Spring Festival,春节,3","2013-02-15":"Spring Festival,春节,3","2013-04-05":"Tomb-sweeping Day,清明,1","2013-04-29":"Labour Day,劳动节,1","2013-04-30":"Labour Day,劳动节,1","2013-06-10":"Dragon Boat Festival,端午,1","2013-06-11":"Dragon Boat Festival,端午,1","2013-09-20":"Mid-autumn Festival,中秋,1","2013-10-04":"National Day,国庆节,3","2013-10-07":"National Day,国庆节,3","2012-01-03":"New Year's Day,元旦,1","2012-01-26":"Spring Festival,春节,3","2012-01-27":"Spring Festival,春节,3","2012-04-02":"Tomb-sweeping Day,清明,1","2012-04-03":"Tomb-sweeping Day,清明,1","2012-04-30":"Labour Day,劳动节,1","2012-10-05":"National Day,国庆节,3","2011-02-07":"Spring Festival,春节,3","2011-02-08":"Spring Festival,春节,3","2011-04-04":"Tomb-sweeping Day,清明,1","2011-10-06":"National Day,国庆节,3","2011-10-07":"National Day,国庆节,3","2010-02-18":"Spring Festival,春节,3","2010-02-19":"Spring Festival,春节,3","2010-06-14":"Dragon Boat Festival,端午,1","2010-06-15":"Dragon Boat Festival,端午,1","2010-09-23":"Mid-autumn Festival,中秋,1","2010-09-24":"Mid-autumn Festival,中秋,1","2010-10-06":"National Day,国庆节,3","2010-10-07":"National Day,国庆节,3","2009-01-02":"New Year's Day,元旦,1","2009-01-29":"Spring Festival,春节,3","2009-01-30":"Spring Festival,春节,3","2009-05-29":"Dragon Boat Festival,端午,1","2009-10-07":"National Day,国庆节,3","2009-10-08":"National Day,国庆节,3","2008-02-11":"Spring Festival,春节,3","2008-02-12":"Spring Festival,春节,3","2008-05-02":"Labour Day,劳动节,1","2008-09-29":"National Day,国庆节,3","2008-09-30":"National Day,国庆节,3","2007-01-02":"New Year's Day,元旦,1","2007-01-03":"New Year's Day,元旦,1","2007-02-22":"Spring Festival,春节,3","2007-02-23":"Spring Festival,春节,3","2007-05-04":"Labour Day,劳动节,3","2007-05-07":"Labour Day,劳动节,3","2007-10-04":"National Day,国庆节,3","2007-10-05":"National Day,国庆节,3","2007-12-31":"New Year's Day,元旦,1","2006-02-02":"Spring Festival,春节,3","2006-02-03":"Spring Festival,春节,3","2006-05-04":"Labour Day,劳动节,3","2006-05-05":"Labour Day,劳动节,3","2006-10-05":"National Day,国庆节,3","2006-10-06":"National Day,国庆节,3","2005-02-14":"Spring Festival,春节,3","2005-02-15":"Spring Festival,春节,3","2005-05-05":"Labour Day,劳动节,3","2005-05-06":"Labour Day,劳动节,3","2005-10-06":"National Day,国庆节,3","2005-10-07":"National Day,国庆节,3","2004-01-27":"Spring Festival,春节,3","2004-01-28":"Spring Festival,春节,3","2004-05-06":"Labour Day,劳动节,3","2004-05-07":"Labour Day,劳动节,3","2004-10-06":"National Day,国庆节,3","2004-10-07":"National Day,国庆节,3"}}$chinese_days$::jsonb);
-- END data/cn-holidays/chinese-days.json
UPDATE gridgov.calendar_exceptions SET builtin = true
WHERE calendar_id = (SELECT c.id FROM gridgov.calendars c WHERE c.name = 'cn');

CREATE TRIGGER calendars_guard BEFORE INSERT OR UPDATE OR DELETE
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_guard();
-- A shipped calendar whose horizon moved comes back with it on restore.  Named
-- to fire before calendars_check and calendars_guard (triggers fire in name
-- order): the restored row becomes an UPDATE of the shipped one (which the
-- guard allows and marks modified) before the guard sees an INSERT of a
-- builtin row.
CREATE TRIGGER calendars_builtin BEFORE INSERT
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.calendars ENABLE ALWAYS TRIGGER calendars_builtin;
-- The guard marks a moved horizon modified: under session_replication_role =
-- replica (a restore so made) too.
ALTER TABLE gridgov.calendars ENABLE ALWAYS TRIGGER calendars_guard;
CREATE TRIGGER calendars_guard_truncate BEFORE TRUNCATE
    ON gridgov.calendars FOR EACH STATEMENT EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_periods_guard BEFORE INSERT OR UPDATE OR DELETE
    ON gridgov.calendar_periods FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_periods_guard_truncate BEFORE TRUNCATE
    ON gridgov.calendar_periods FOR EACH STATEMENT EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_exceptions_guard BEFORE INSERT OR UPDATE OR DELETE
    ON gridgov.calendar_exceptions FOR EACH ROW EXECUTE FUNCTION gridgov.calendar_guard();
CREATE TRIGGER calendar_exceptions_guard_truncate BEFORE TRUNCATE
    ON gridgov.calendar_exceptions FOR EACH STATEMENT EXECUTE FUNCTION gridgov.calendar_guard();

-- Reference implementation of gridgov's working-time arithmetic in plain
-- PL/pgSQL, written from docs/calendars.md and independent of the C code: it
-- reads the calendar tables directly (no cache) and walks the calendar day by
-- day, period by period, converting local times with PostgreSQL's own
-- timestamp <-> timestamptz casts under the calendar's time zone.
--
-- Used by test/worktime_reference.sql (identical results on random inputs)
-- and test/bench/040_worktime.sh (speed of C vs this).  Not part of the
-- extension.  Loaded with \i into schema worktime_ref; inputs are assumed
-- valid (error handling is tested against the C functions only).

CREATE SCHEMA worktime_ref;

-- The local periods that apply on date d: none on a holiday, the periods of
-- weekday periods_of (Monday when NULL) on an adjusted working day, else the
-- periods of d's own weekday.  A user row beats the shipped row of its day.
CREATE FUNCTION worktime_ref.periods(cal integer, d date)
RETURNS TABLE (starts time, ends time)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    ex record;
    wd integer := extract(isodow FROM d);
BEGIN
    SELECT e.kind, e.periods_of INTO ex
    FROM gridgov.calendar_exceptions e
    WHERE e.calendar_id = cal AND e.day = d
    ORDER BY e.builtin LIMIT 1;
    IF FOUND AND ex.kind = 'holiday' THEN
        RETURN;
    END IF;
    IF FOUND AND ex.kind = 'workday' THEN
        wd := coalesce(ex.periods_of, 1);
    END IF;
    RETURN QUERY SELECT p.starts, p.ends FROM gridgov.calendar_periods p
                 WHERE p.calendar_id = cal AND p.weekday = wd ORDER BY p.starts;
END
$$;

-- Microseconds in an interval from subtracting two timestamptz.
CREATE FUNCTION worktime_ref.us(i interval) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM i) * 1000000)::bigint $$;

CREATE FUNCTION worktime_ref.micros(n bigint) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$ SELECT n * interval '1 microsecond' $$;

-- The work intervals of date d on the calendar's timeline: local period
-- bounds cast to timestamptz in the session time zone (the caller sets it to
-- the calendar's), each start pushed to the end of the previous interval
-- (floor), empty ones dropped.  Returns arrays; floor is updated.
CREATE FUNCTION worktime_ref.day(cal integer, d date, INOUT floor timestamptz,
                                 OUT s timestamptz[], OUT e timestamptz[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p record;
    ps timestamptz;
    pe timestamptz;
BEGIN
    s := '{}';
    e := '{}';
    FOR p IN SELECT * FROM worktime_ref.periods(cal, d) LOOP
        ps := (d + p.starts)::timestamptz;
        pe := (d + p.ends)::timestamptz;       -- 24:00 is the next day's 00:00
        IF ps < floor THEN
            ps := floor;
        END IF;
        CONTINUE WHEN pe <= ps;
        s := s || ps;
        e := e || pe;
        floor := pe;
    END LOOP;
END
$$;

-- The calendar's id, with the session time zone switched to the calendar's
-- (callers are declared SET TimeZone, which restores it on exit).
CREATE FUNCTION worktime_ref.enter(calendar text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT id, time_zone INTO STRICT c FROM gridgov.calendars WHERE name = calendar;
    PERFORM set_config('TimeZone', c.time_zone, true);
    RETURN c.id;
END
$$;

-- Add `amount` microseconds of working time.
CREATE FUNCTION worktime_ref.add_us(cal integer, start timestamptz, amount bigint)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
    d date := start::date - 1;
    floor timestamptz := '-infinity';
    r record;
    i integer;
    s timestamptz;
    left_us bigint := amount;
BEGIN
    IF amount = 0 THEN
        RETURN start;
    END IF;
    LOOP
        SELECT * INTO r FROM worktime_ref.day(cal, d, floor);
        floor := r.floor;
        FOR i IN 1 .. coalesce(array_length(r.s, 1), 0) LOOP
            s := greatest(r.s[i], start);
            CONTINUE WHEN r.e[i] <= s;
            IF left_us <= worktime_ref.us(r.e[i] - s) THEN
                RETURN s + worktime_ref.micros(left_us);
            END IF;
            left_us := left_us - worktime_ref.us(r.e[i] - s);
        END LOOP;
        d := d + 1;
        IF d > start::date + 36600 THEN
            RAISE EXCEPTION 'reference: no result within 36600 days';
        END IF;
    END LOOP;
END
$$;

-- N working days: the close of the N-th working day after start's date;
-- N + f: f of the (N+1)-th working day's working time, from its opening.
CREATE FUNCTION worktime_ref.add_days(cal integer, start timestamptz, amount numeric)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
    whole bigint := floor(amount);
    f numeric := amount - floor(amount);
    d0 date := start::date;
    d date := start::date - 1;
    floor timestamptz := '-infinity';
    r record;
    n integer;
    i integer;
    seen bigint := 0;
    len bigint;
    part bigint;
BEGIN
    IF amount = 0 THEN
        RETURN start;
    END IF;
    LOOP
        SELECT * INTO r FROM worktime_ref.day(cal, d, floor);
        floor := r.floor;
        n := coalesce(array_length(r.s, 1), 0);
        IF d > d0 AND n > 0 THEN
            seen := seen + 1;
            IF f = 0 AND seen = whole THEN
                RETURN r.e[n];
            END IF;
            IF f > 0 AND seen = whole + 1 THEN
                len := 0;
                FOR i IN 1 .. n LOOP
                    len := len + worktime_ref.us(r.e[i] - r.s[i]);
                END LOOP;
                part := round(f * len);
                FOR i IN 1 .. n LOOP
                    IF part <= worktime_ref.us(r.e[i] - r.s[i]) THEN
                        RETURN r.s[i] + worktime_ref.micros(part);
                    END IF;
                    part := part - worktime_ref.us(r.e[i] - r.s[i]);
                END LOOP;
                RETURN r.e[n];
            END IF;
        END IF;
        d := d + 1;
        IF d > d0 + 36600 THEN
            RAISE EXCEPTION 'reference: no result within 36600 days';
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION worktime_ref.worktime_add(calendar text, start timestamptz, amount numeric, unit text)
RETURNS timestamptz LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE
    cal integer := worktime_ref.enter(calendar);
BEGIN
    CASE unit
        WHEN 'minutes' THEN
            RETURN worktime_ref.add_us(cal, start, (amount * 60000000)::bigint);
        WHEN 'working_hours' THEN
            RETURN worktime_ref.add_us(cal, start, (amount * 3600000000)::bigint);
        WHEN 'working_days' THEN
            RETURN worktime_ref.add_days(cal, start, amount);
        WHEN 'calendar_days' THEN
            -- timestamptz + interval in the calendar's zone: whole days on the
            -- local calendar, then the fraction as elapsed time.
            RETURN start + floor(amount) * interval '1 day'
                         + worktime_ref.micros(round((amount - floor(amount)) * 86400000000)::bigint);
    END CASE;
    RAISE EXCEPTION 'reference: unknown unit %', unit;
END
$$;

-- Working microseconds in [t1, t2), t1 <= t2.
CREATE FUNCTION worktime_ref.between_us(cal integer, t1 timestamptz, t2 timestamptz)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    d date;
    floor timestamptz := '-infinity';
    r record;
    i integer;
    total bigint := 0;
BEGIN
    FOR d IN SELECT g::date FROM generate_series(t1::date - 1, t2::date + 1, interval '1 day') g LOOP
        SELECT * INTO r FROM worktime_ref.day(cal, d, floor);
        floor := r.floor;
        FOR i IN 1 .. coalesce(array_length(r.s, 1), 0) LOOP
            IF least(r.e[i], t2) > greatest(r.s[i], t1) THEN
                total := total + worktime_ref.us(least(r.e[i], t2) - greatest(r.s[i], t1));
            END IF;
        END LOOP;
    END LOOP;
    RETURN total;
END
$$;

-- Working days after t1's date closed by t2, plus the share of the next one
-- worked before t2.
CREATE FUNCTION worktime_ref.between_days(cal integer, t1 timestamptz, t2 timestamptz)
RETURNS numeric LANGUAGE plpgsql STABLE AS $$
DECLARE
    d date;
    floor timestamptz := '-infinity';
    r record;
    n integer;
    i integer;
    full_days bigint := 0;
    len bigint;
    part bigint;
BEGIN
    FOR d IN SELECT g::date FROM generate_series(t1::date - 1, t2::date + 1, interval '1 day') g LOOP
        SELECT * INTO r FROM worktime_ref.day(cal, d, floor);
        floor := r.floor;
        n := coalesce(array_length(r.s, 1), 0);
        CONTINUE WHEN d <= t1::date OR n = 0;
        IF r.e[n] <= t2 THEN
            full_days := full_days + 1;
            CONTINUE;
        END IF;
        len := 0;
        part := 0;
        FOR i IN 1 .. n LOOP
            len := len + worktime_ref.us(r.e[i] - r.s[i]);
            IF t2 > r.s[i] THEN
                part := part + worktime_ref.us(least(r.e[i], t2) - r.s[i]);
            END IF;
        END LOOP;
        RETURN full_days + part::numeric / len;
    END LOOP;
    RETURN full_days;
END
$$;

-- Whole local days n with t1 + n days <= t2, plus the rest in days of 24 h.
CREATE FUNCTION worktime_ref.between_calendar_days(t1 timestamptz, t2 timestamptz)
RETURNS numeric LANGUAGE plpgsql STABLE AS $$
DECLARE
    n bigint := 0;
BEGIN
    WHILE t1 + (n + 1) * interval '1 day' <= t2 LOOP
        n := n + 1;
    END LOOP;
    RETURN n + worktime_ref.us(t2 - (t1 + n * interval '1 day'))::numeric / 86400000000;
END
$$;

CREATE FUNCTION worktime_ref.worktime_between(calendar text, t1 timestamptz, t2 timestamptz)
RETURNS interval LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE
    cal integer := worktime_ref.enter(calendar);
BEGIN
    IF t2 < t1 THEN
        RETURN worktime_ref.micros(-worktime_ref.between_us(cal, t2, t1));
    END IF;
    RETURN worktime_ref.micros(worktime_ref.between_us(cal, t1, t2));
END
$$;

CREATE FUNCTION worktime_ref.worktime_between(calendar text, t1 timestamptz, t2 timestamptz, unit text)
RETURNS numeric LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE
    cal integer := worktime_ref.enter(calendar);
    lo timestamptz := least(t1, t2);
    hi timestamptz := greatest(t1, t2);
    v numeric;
BEGIN
    CASE unit
        WHEN 'minutes' THEN
            v := worktime_ref.between_us(cal, lo, hi)::numeric / 60000000;
        WHEN 'working_hours' THEN
            v := worktime_ref.between_us(cal, lo, hi)::numeric / 3600000000;
        WHEN 'working_days' THEN
            v := worktime_ref.between_days(cal, lo, hi);
        WHEN 'calendar_days' THEN
            v := worktime_ref.between_calendar_days(lo, hi);
    END CASE;
    IF t2 < t1 THEN
        v := -v;
    END IF;
    RETURN trim_scale(v);
END
$$;

CREATE FUNCTION worktime_ref.is_working_day(calendar text, d date)
RETURNS boolean LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
DECLARE
    cal integer := worktime_ref.enter(calendar);
    r record;
BEGIN
    SELECT * INTO r FROM worktime_ref.day(cal, d - 1, '-infinity');
    SELECT * INTO r FROM worktime_ref.day(cal, d, r.floor);
    RETURN coalesce(array_length(r.s, 1), 0) > 0;
END
$$;

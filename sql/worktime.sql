-- Working-time calendars and arithmetic: the shipped calendars, hand-checked
-- deadlines around Spring Festival and National Day 2026 on the China
-- calendar (cn: 08:30-12:00 and 13:30-17:30 Monday to Friday, Asia/Shanghai),
-- the 24x7 calendar, calendar days across a DST change, every bad input with
-- its SQLSTATE and text, the loader, the read-only shipped rows, and the
-- compiled-calendar cache seeing changes made in this session.
SET TimeZone = 'Asia/Shanghai';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

-- SQLSTATE, message, detail and hint of a statement's error (NULL if none).
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    EXECUTE stmt;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    -- Constraint details echo the row, whose generated id depends on the run.
    det := pg_catalog.regexp_replace(det, '^Failing row contains \(.*\)\.$', 'Failing row contains (...).');
    RETURN st || ' ' || msg || COALESCE(' | ' || NULLIF(det, ''), '') || COALESCE(' | hint: ' || NULLIF(hnt, ''), '');
END
$$;

-- ---------------------------------------------------------------------------
-- The shipped calendars
-- ---------------------------------------------------------------------------
SELECT id, name, time_zone, builtin FROM gridgov.calendars ORDER BY id;
SELECT c.name, p.weekday, p.starts, p.ends
FROM gridgov.calendar_periods p JOIN gridgov.calendars c ON c.id = p.calendar_id
WHERE c.name = 'cn' ORDER BY 2, 3;
SELECT c.name, pg_catalog.count(*) AS periods, pg_catalog.min(p.starts), pg_catalog.max(p.ends)
FROM gridgov.calendar_periods p JOIN gridgov.calendars c ON c.id = p.calendar_id
WHERE c.name = '24x7' GROUP BY 1;
SELECT e.kind, pg_catalog.count(*), pg_catalog.min(e.day), pg_catalog.max(e.day),
       pg_catalog.bool_and(e.builtin) AS builtin
FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
WHERE c.name = 'cn' GROUP BY 1 ORDER BY 1;

-- Spring Festival 2026: off Sunday 15 to Monday 23 February; Saturday 14 and
-- Saturday 28 February are adjusted working days.
SELECT e.day, pg_catalog.to_char(e.day, 'Dy') AS dow, e.kind, e.name, e.note
FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
WHERE c.name = 'cn' AND e.day BETWEEN '2026-02-10' AND '2026-03-05' ORDER BY e.day;
-- Mid-autumn and National Day 2026: off 25-27 September and 1-7 October;
-- Sunday 20 September and Saturday 10 October are adjusted working days.
SELECT e.day, pg_catalog.to_char(e.day, 'Dy') AS dow, e.kind, e.name, e.note
FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
WHERE c.name = 'cn' AND e.day BETWEEN '2026-09-15' AND '2026-10-15' ORDER BY e.day;

SELECT d::date AS day, pg_catalog.to_char(d, 'Dy') AS dow, gridgov.is_working_day('cn', d::date) AS cn,
       gridgov.is_working_day('24x7', d::date) AS "24x7"
FROM pg_catalog.generate_series('2026-02-12'::date, '2026-03-02'::date, interval '1 day') d;

-- The embedded data equals data/cn-holidays/chinese-days.json: loading the
-- file again writes nothing.
\set cn_json `cat data/cn-holidays/chinese-days.json`
SELECT gridgov.load_cn_holidays('cn', :'cn_json') AS days_written;

-- ---------------------------------------------------------------------------
-- Spring Festival 2026, case received Friday 13 February 16:00
-- ---------------------------------------------------------------------------
-- 4 working hours: Fri 16:00-17:30 (1.5 h), then adjusted working Saturday
-- 14th 08:30 + 2.5 h = 11:00.  1 working day: the day of receipt does not
-- count; the 1st working day after it is Saturday 14th, closing 17:30.
-- 3 working days: Sat 14th, then (15th-23rd off) Tue 24th, Wed 25th.
-- 0.5 working days: half of Sat 14th's 7.5 h = 3 h 45 min from 08:30 = 13:45.
-- 1.5 working hours end exactly at Friday's close: 17:30, not Saturday 08:30.
SELECT a.amount, a.unit, gridgov.worktime_add('cn', '2026-02-13 16:00', a.amount, a.unit) AS due
FROM (VALUES (4::numeric, 'working_hours'), (1, 'working_days'), (3, 'working_days'),
             (0.5, 'working_days'), (1.5, 'working_days'), (1.5, 'working_hours'),
             (90, 'minutes'), (91, 'minutes'), (0.25, 'minutes'), (0, 'working_days'),
             (7, 'calendar_days'), (1.5, 'calendar_days')) a(amount, unit);

-- Start outside work time counts from the next work period: inside the lunch
-- break, before opening, after closing, on a holiday, on a Sunday, on the
-- adjusted working Saturday 28th.
SELECT s.start, pg_catalog.to_char(s.start, 'Dy') AS dow, s.why,
       gridgov.worktime_add('cn', s.start, 1, 'working_hours') AS plus_1h,
       gridgov.worktime_add('cn', s.start, 8, 'working_hours') AS plus_8h,
       gridgov.worktime_add('cn', s.start, 1, 'working_days') AS plus_1d
FROM (VALUES ('2026-02-24 12:30'::timestamptz, 'lunch break'),
             ('2026-02-24 07:00', 'before opening'),
             ('2026-02-24 18:00', 'after closing'),
             ('2026-02-24 17:30', 'at closing'),
             ('2026-02-24 08:30', 'at opening'),
             ('2026-02-16 10:00', 'Spring Festival holiday'),
             ('2026-02-28 10:00', 'adjusted working Saturday'),
             ('2026-03-01 10:00', 'Sunday'),
             ('2026-03-02 00:00', 'Monday, any time'),
             ('2026-03-02 23:59', 'Monday, any time')) s(start, why);

-- Amount 0 returns start unchanged, even outside work time.
SELECT gridgov.worktime_add('cn', '2026-02-15 10:00', 0, u) FROM (VALUES ('minutes'), ('working_hours'),
    ('working_days'), ('calendar_days')) x(u);

-- worktime_between across the holiday: Fri 13th 16:00 to Wed 25th 17:30 is
-- 1.5 + 7.5 + 7.5 + 7.5 = 24 working hours = 3 working days (Sat 14th, Tue
-- 24th, Wed 25th closed by then) = 12 calendar days and 1.5 h.
SELECT gridgov.worktime_between('cn', '2026-02-13 16:00', '2026-02-25 17:30') AS working_time,
       gridgov.worktime_between('cn', '2026-02-25 17:30', '2026-02-13 16:00') AS reversed;
SELECT u.unit, gridgov.worktime_between('cn', '2026-02-13 16:00', '2026-02-25 17:30', u.unit) AS forward,
       gridgov.worktime_between('cn', '2026-02-25 17:30', '2026-02-13 16:00', u.unit) AS backward
FROM (VALUES ('minutes'), ('working_hours'), ('working_days'), ('calendar_days')) u(unit);
-- Thu 12th 09:00 to Tue 24th 12:00: 7 + 7.5 + 7.5 + 3.5 h = 25.5 h; working
-- days: Fri 13th and Sat 14th closed, plus 3.5/7.5 of Tue 24th.
SELECT gridgov.worktime_between('cn', '2026-02-12 09:00', '2026-02-24 12:00') AS working_time,
       gridgov.worktime_between('cn', '2026-02-12 09:00', '2026-02-24 12:00', 'working_days') AS working_days,
       gridgov.worktime_between('cn', '2026-02-16 09:00', '2026-02-23 18:00') AS inside_the_holiday;

-- ---------------------------------------------------------------------------
-- National Day 2026
-- ---------------------------------------------------------------------------
-- Wed 30 Sep 10:00 + 1 working day: 1-7 Oct off, so Thu 8 Oct 17:30.
-- + 5 working days: 8, 9, Sat 10 (adjusted), 12, 13 October.
-- Wed 30 Sep 16:00 + 4 working hours: 1.5 h, then Thu 8 Oct 08:30 + 2.5 h.
-- Fri 18 Sep 15:00 + 2 working days: Sun 20 (adjusted), Mon 21.
-- Thu 24 Sep + 1 working day: Fri 25 is Mid-autumn, so Mon 28 Sep.
SELECT s.start, s.amount, s.unit, gridgov.worktime_add('cn', s.start, s.amount, s.unit) AS due
FROM (VALUES ('2026-09-30 10:00'::timestamptz, 1::numeric, 'working_days'),
             ('2026-09-30 10:00', 5, 'working_days'),
             ('2026-09-30 16:00', 4, 'working_hours'),
             ('2026-09-18 15:00', 2, 'working_days'),
             ('2026-09-24 11:00', 1, 'working_days'),
             ('2026-09-30 10:00', 7, 'calendar_days')) s(start, amount, unit);
SELECT gridgov.worktime_between('cn', '2026-09-30 10:00', '2026-10-13 17:30') AS working_time,
       gridgov.worktime_between('cn', '2026-09-30 10:00', '2026-10-13 17:30', 'working_days') AS working_days;

-- ---------------------------------------------------------------------------
-- 24x7, and calendar days in a zone with DST
-- ---------------------------------------------------------------------------
SELECT a.amount, a.unit, gridgov.worktime_add('24x7', '2026-02-14 22:00', a.amount, a.unit) AS due
FROM (VALUES (4::numeric, 'working_hours'), (1, 'working_days'), (0.5, 'working_days'),
             (2, 'working_days'), (90, 'minutes'), (1, 'calendar_days')) a(amount, unit);
SELECT gridgov.worktime_between('24x7', '2026-02-14 22:00', '2026-02-17 01:30') AS working_time,
       gridgov.worktime_between('24x7', '2026-02-14 22:00', '2026-02-17 01:30', 'working_days') AS working_days;

INSERT INTO gridgov.calendars (name, time_zone) VALUES ('wt_ny', 'America/New_York');
-- New York moves its clocks from 02:00 to 03:00 on Sunday 8 March 2026: one
-- calendar day from Saturday 12:00 is Sunday 12:00 local, 23 hours later;
-- half a calendar day is 12 hours of elapsed time.
SELECT a.amount,
       gridgov.worktime_add('wt_ny', '2026-03-07 12:00 America/New_York', a.amount, 'calendar_days')
           AT TIME ZONE 'America/New_York' AS local_due,
       gridgov.worktime_add('wt_ny', '2026-03-07 12:00 America/New_York', a.amount, 'calendar_days')
           - '2026-03-07 12:00 America/New_York'::timestamptz AS elapsed
FROM (VALUES (1::numeric), (0.5), (1.5), (2)) a(amount);
SELECT gridgov.worktime_between('wt_ny', '2026-03-07 12:00 America/New_York',
                                '2026-03-08 12:00 America/New_York', 'calendar_days') AS one_day;

-- ---------------------------------------------------------------------------
-- Bad input: SQLSTATE and text
-- ---------------------------------------------------------------------------
INSERT INTO gridgov.calendars (name, time_zone) VALUES ('wt_empty', 'UTC');
SELECT s AS statement, pg_temp.err(s) AS error FROM (VALUES
    ($$SELECT gridgov.worktime_add('nope', '2026-02-13 16:00', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 1, 'hours')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 1, '')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 1, 'Minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', -1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', -0.001, 'working_days')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 'NaN', 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 'Infinity', 'working_hours')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', '-Infinity', 'working_hours')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 1e9, 'working_days')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 52704000.000001, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 1e300, 'calendar_days')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 878401, 'working_hours')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 36600, 'working_days')$$),
    ($$SELECT gridgov.worktime_add('wt_empty', '2026-02-13 16:00', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('wt_empty', '2026-02-13 16:00', 1, 'working_days')$$),
    ($$SELECT gridgov.worktime_add('cn', 'infinity', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '-infinity', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '0002-01-01 BC', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '10000-01-01 00:00+00', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add(NULL, '2026-02-13 16:00', 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', NULL, 1, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', NULL, 'minutes')$$),
    ($$SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 1, NULL)$$),
    ($$SELECT gridgov.worktime_between('cn', NULL, '2026-02-13 16:00')$$),
    ($$SELECT gridgov.worktime_between('cn', '2026-02-13 16:00', '2026-02-14', NULL)$$),
    ($$SELECT gridgov.worktime_between('nope', '2026-02-13 16:00', '2026-02-14')$$),
    ($$SELECT gridgov.worktime_between('cn', '2026-02-13 16:00', '2026-02-14', 'days')$$),
    ($$SELECT gridgov.worktime_between('cn', '2026-02-13 16:00', 'infinity')$$),
    ($$SELECT gridgov.worktime_between('cn', '2000-01-01', '2200-01-01')$$),
    ($$SELECT gridgov.is_working_day('cn', NULL)$$),
    ($$SELECT gridgov.is_working_day('cn', 'infinity')$$),
    ($$SELECT gridgov.is_working_day('nope', '2026-02-14')$$)
) t(s);

-- A plain error as a client sees it.
SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', -2, 'working_days');

-- No working time is not an error when nothing needs counting.
SELECT gridgov.worktime_add('wt_empty', '2026-02-13 16:00', 2, 'calendar_days') AS calendar_days,
       gridgov.worktime_add('wt_empty', '2026-02-13 16:00', 0, 'minutes') AS zero,
       gridgov.worktime_between('wt_empty', '2026-02-13 16:00', '2026-03-13 16:00') AS between;

-- The largest amounts finish quickly (bounded walk).  25,000 working days
-- from 13 Feb 2026 is 30 Dec 2121 (counted in Python from the JSON, weekdays
-- after 2026); 52,704,000 minutes on 24x7 = 36,600 days = 30 Apr 2126.
SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 25000, 'working_days') AS far,
       gridgov.worktime_add('24x7', '2026-02-13 16:00', 52704000, 'minutes') AS most_minutes,
       gridgov.worktime_add('cn', '2026-02-13 16:00', 36600, 'calendar_days') AS most_days;

-- ---------------------------------------------------------------------------
-- Writing calendars: checks
-- ---------------------------------------------------------------------------
SELECT s AS statement, pg_temp.err(s) AS error FROM (VALUES
    ($$INSERT INTO gridgov.calendars (name, time_zone) VALUES ('wt_bad', 'Mars/Olympus_Mons')$$),
    ($$INSERT INTO gridgov.calendars (name, time_zone) VALUES ('wt_bad', 'asia/shanghai')$$),
    ($$INSERT INTO gridgov.calendars (name, time_zone) VALUES ('wt_bad', 'UTC+8')$$),
    ($$INSERT INTO gridgov.calendars (name, time_zone) VALUES ('', 'UTC')$$),
    ($$INSERT INTO gridgov.calendars (name, time_zone) VALUES ('cn', 'UTC')$$),
    ($$UPDATE gridgov.calendars SET time_zone = 'Nowhere' WHERE name = 'wt_ny'$$),
    ($$INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
       SELECT id, 1, '12:00', '09:00' FROM gridgov.calendars WHERE name = 'wt_ny'$$),
    ($$INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
       SELECT id, 8, '09:00', '12:00' FROM gridgov.calendars WHERE name = 'wt_ny'$$),
    ($$INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
       SELECT id, 1, time '09:00', time '12:00' FROM gridgov.calendars WHERE name = 'wt_ny'
       UNION ALL SELECT id, 1, '11:00', '13:00' FROM gridgov.calendars WHERE name = 'wt_ny'$$),
    ($$INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind)
       SELECT id, '2026-03-09', 'vacation' FROM gridgov.calendars WHERE name = 'wt_ny'$$),
    ($$INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, periods_of)
       SELECT id, '2026-03-09', 'holiday', 2 FROM gridgov.calendars WHERE name = 'wt_ny'$$),
    ($$INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind)
       SELECT id, 'infinity', 'holiday' FROM gridgov.calendars WHERE name = 'wt_ny'$$)
) t(s);

-- Adjacent periods are fine; a workday exception uses another weekday's periods.
INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
SELECT id, wd, p.s, p.e FROM gridgov.calendars, (VALUES (1), (2)) w(wd),
    (VALUES (time '09:00', time '12:00'), ('12:00', '13:00')) p(s, e)
WHERE name = 'wt_ny';
INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
SELECT id, 2, '20:00', '24:00' FROM gridgov.calendars WHERE name = 'wt_ny';
INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, periods_of)
SELECT id, '2026-03-14', 'workday', 2 FROM gridgov.calendars WHERE name = 'wt_ny';
-- Saturday 14 March works with Tuesday's periods: 09:00-13:00 and 20:00-24:00.
SELECT gridgov.worktime_add('wt_ny', '2026-03-13 12:00 America/New_York', 5, 'working_hours')
       AT TIME ZONE 'America/New_York' AS due_local,
       gridgov.worktime_add('wt_ny', '2026-03-13 12:00 America/New_York', 1, 'working_days')
       AT TIME ZONE 'America/New_York' AS close_of_saturday;

-- ---------------------------------------------------------------------------
-- Shipped rows are read-only (GG201); rows of your own override them
-- ---------------------------------------------------------------------------
SELECT s AS statement, pg_temp.err(s) AS error FROM (VALUES
    ($$UPDATE gridgov.calendars SET description = 'mine' WHERE name = 'cn'$$),
    ($$DELETE FROM gridgov.calendars WHERE name = '24x7'$$),
    ($$UPDATE gridgov.calendar_periods SET ends = '18:00'
       WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'cn') AND weekday = 1 AND starts = '13:30'$$),
    ($$DELETE FROM gridgov.calendar_exceptions
       WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'cn') AND day = '2026-02-16'$$),
    ($$TRUNCATE gridgov.calendar_exceptions$$),
    ($$INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, builtin)
       SELECT id, '2026-03-10', 'holiday', true FROM gridgov.calendars WHERE name = 'wt_ny'$$),
    ($$UPDATE gridgov.calendars SET builtin = true WHERE name = 'wt_ny'$$)
) t(s);

-- A user row beats the shipped row of its day, and the next statement of this
-- session sees it (the trigger invalidates the compiled calendar).
SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 3, 'working_days') AS before;
INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, name)
SELECT id, '2026-02-16', 'workday', 'duty day' FROM gridgov.calendars WHERE name = 'cn';
SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 3, 'working_days') AS with_monday_worked,
       gridgov.is_working_day('cn', '2026-02-16') AS monday_16th;
UPDATE gridgov.calendar_exceptions SET kind = 'regular'
WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'cn') AND day = '2026-02-16' AND NOT builtin;
SELECT gridgov.is_working_day('cn', '2026-02-16') AS regular_monday;
INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, name)
SELECT id, '2026-02-14', 'holiday', 'local closure' FROM gridgov.calendars WHERE name = 'cn';
SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 4, 'working_hours') AS saturday_closed;
DELETE FROM gridgov.calendar_exceptions
WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'cn') AND NOT builtin;
SELECT gridgov.worktime_add('cn', '2026-02-13 16:00', 3, 'working_days') AS after_delete,
       gridgov.worktime_add('cn', '2026-02-13 16:00', 4, 'working_hours') AS saturday_open_again;

-- Inside a transaction, and rolled back.
BEGIN;
UPDATE gridgov.calendar_periods SET ends = '20:00'
WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'wt_ny') AND weekday = 1 AND starts = '12:00';
SELECT gridgov.worktime_add('wt_ny', '2026-03-16 09:00 America/New_York', 8, 'working_hours')
       AT TIME ZONE 'America/New_York' AS monday_until_20;
ROLLBACK;
SELECT gridgov.worktime_add('wt_ny', '2026-03-16 09:00 America/New_York', 8, 'working_hours')
       AT TIME ZONE 'America/New_York' AS rolled_back;

-- The time zone is part of the compiled calendar.
UPDATE gridgov.calendars SET time_zone = 'Asia/Tokyo' WHERE name = 'wt_ny';
SELECT gridgov.worktime_add('wt_ny', '2026-03-16 09:00 Asia/Tokyo', 1, 'working_hours')
       AT TIME ZONE 'Asia/Tokyo' AS tokyo_10am;

-- ---------------------------------------------------------------------------
-- The loader
-- ---------------------------------------------------------------------------
SELECT s AS statement, pg_temp.err(s) AS error FROM (VALUES
    ($$SELECT gridgov.load_cn_holidays(NULL, '{"holidays": {}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', NULL)$$),
    ($$SELECT gridgov.load_cn_holidays('nope', '{"holidays": {}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '[]')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"workdays": {}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"holidays": {}, "workdays": []}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"holidays": {"2027-02-30": "x"}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"holidays": {"tomorrow": "x"}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"holidays": {}, "inLieuDays": {"2027-1-5": "x"}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"holidays": {"2027-01-01": 1}}')$$),
    ($$SELECT gridgov.load_cn_holidays('cn', '{"holidays": {"2027-01-02": "x"}, "workdays": {"2027-01-02": "y"}}')$$)
) t(s);

-- Next year's file, in one call (an example file: 2027 is not published yet).
SELECT gridgov.load_cn_holidays('cn', '{"holidays": {"2027-01-01": "New Year''s Day,元旦,1"},
    "workdays": {"2026-12-27": "New Year''s Day,元旦,1"}, "inLieuDays": {}}') AS days_written;
SELECT gridgov.load_cn_holidays('cn', '{"holidays": {"2027-01-01": "New Year''s Day,元旦,1"},
    "workdays": {"2026-12-27": "New Year''s Day,元旦,1"}, "inLieuDays": {}}') AS reload;
SELECT e.day, e.kind, e.name, e.note, e.source, e.builtin
FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
WHERE c.name = 'cn' AND NOT e.builtin ORDER BY e.day;
SELECT gridgov.is_working_day('cn', '2026-12-27') AS sunday_27_dec, gridgov.is_working_day('cn', '2027-01-01') AS new_year;

-- A corrected 2026 file replaces year 2026 (it lists 2026-01-01): here 7
-- October is no longer a day off (a 'regular' row cancels the shipped
-- holiday), Sunday 11 October becomes a working day, and 27 December 2026,
-- loaded with the 2027 file but not in this one, goes: 3 days written.  Year
-- 2027 is not covered by this file and keeps its row.
SELECT gridgov.load_cn_holidays('cn', pg_catalog.jsonb_build_object(
    'holidays', (SELECT pg_catalog.jsonb_object_agg(k, v) FROM pg_catalog.jsonb_each((:'cn_json'::jsonb)->'holidays') x(k, v)
                 WHERE k LIKE '2026-%' AND k <> '2026-10-07'),
    'workdays', (SELECT pg_catalog.jsonb_object_agg(k, v) FROM pg_catalog.jsonb_each((:'cn_json'::jsonb)->'workdays') x(k, v)
                 WHERE k LIKE '2026-%') || '{"2026-10-11": "National Day,国庆节,3"}',
    'inLieuDays', (SELECT pg_catalog.jsonb_object_agg(k, v) FROM pg_catalog.jsonb_each((:'cn_json'::jsonb)->'inLieuDays') x(k, v)
                   WHERE k LIKE '2026-%' AND k <> '2026-10-07'))) AS days_written;
SELECT e.day, e.kind, e.name, e.note, e.source
FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
WHERE c.name = 'cn' AND NOT e.builtin ORDER BY e.day;
SELECT gridgov.is_working_day('cn', '2026-10-07') AS wed_7_oct, gridgov.is_working_day('cn', '2026-10-11') AS sun_11_oct;

-- Rows of your own are never touched by the loader.
INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, name)
SELECT id, '2026-10-01', 'workday', 'on duty' FROM gridgov.calendars WHERE name = 'cn';
-- The shipped file again: 2026 back to the shipped rows (2 days), 2027 kept
-- (not covered by a 2004-2026 file), 1 October kept as your row.
SELECT gridgov.load_cn_holidays('cn', :'cn_json') AS days_written;
SELECT e.day, e.kind, e.name, e.source
FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
WHERE c.name = 'cn' AND NOT e.builtin ORDER BY e.day;
DELETE FROM gridgov.calendar_exceptions
WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'cn') AND NOT builtin;

-- ---------------------------------------------------------------------------
-- copy_calendar, and pg_dump registration
-- ---------------------------------------------------------------------------
SELECT gridgov.copy_calendar('cn', 'cn_urumqi', 'Asia/Urumqi', 'China hours, Xinjiang time') > 0 AS copied;
SELECT c.name, c.time_zone, c.description, c.builtin,
       (SELECT pg_catalog.count(*) FROM gridgov.calendar_periods p WHERE p.calendar_id = c.id) AS periods,
       (SELECT pg_catalog.count(*) FROM gridgov.calendar_exceptions e WHERE e.calendar_id = c.id) AS exceptions
FROM gridgov.calendars c WHERE c.name = 'cn_urumqi';
-- The copy is yours to change.
DELETE FROM gridgov.calendar_exceptions
WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'cn_urumqi') AND day = '2026-02-16';
SELECT gridgov.worktime_add('cn_urumqi', '2026-02-13 16:00', 3, 'working_days') AS due_in_beijing_time;
SELECT pg_temp.err($$SELECT gridgov.copy_calendar('nope', 'x')$$) AS unknown_source,
       pg_temp.err($$SELECT gridgov.copy_calendar('cn', '24x7')$$) AS name_taken;

SELECT c.relname, x.condition
FROM pg_catalog.pg_extension e,
     ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) x(reloid, condition)
JOIN pg_catalog.pg_class c ON c.oid = x.reloid
WHERE e.extname = 'gridgov' AND c.relname LIKE 'calendar%' ORDER BY 1;

DELETE FROM gridgov.calendars WHERE NOT builtin;
SELECT name FROM gridgov.calendars ORDER BY id;

-- Working-time arithmetic in C against the plain PL/pgSQL reference
-- implementation of test/lib/worktime_reference.sql, on random inputs over the
-- shipped calendars (cn, 24x7), user rows layered over shipped ones, and two
-- test calendars in zones with DST changes at 02:00 (New York, and Lord Howe
-- Island's 30-minute shift) whose periods straddle the changes: a period that
-- ends inside the skipped hour runs past the start of the next period, which
-- the timeline clips.  Plus
-- properties (inverse, additivity, monotonicity) and the cache's
-- invalidation across sessions (dblink).
BEGIN;
\i test/lib/worktime_reference.sql
SELECT plan(16);

SELECT pg_catalog.setseed(0.4242);

-- Shipped cn data: working days per year, as counted independently from
-- data/cn-holidays/chinese-days.json (weekdays not listed as holidays or
-- in-lieu days, plus the listed adjusted working days); 2027 is not in the
-- data, so it has every weekday.
SELECT results_eq($$
    SELECT y, pg_catalog.count(*) FILTER (WHERE gridgov.is_working_day('cn', d::date))::integer
    FROM pg_catalog.generate_series(2004, 2027) y,
         pg_catalog.generate_series(pg_catalog.make_date(y, 1, 1), pg_catalog.make_date(y, 12, 31), interval '1 day') d
    GROUP BY y ORDER BY y
$$, $$ VALUES (2004, 252), (2005, 250), (2006, 251), (2007, 249), (2008, 251), (2009, 250),
              (2010, 250), (2011, 250), (2012, 249), (2013, 250), (2014, 250), (2015, 249),
              (2016, 250), (2017, 249), (2018, 250), (2019, 250), (2020, 249), (2021, 250),
              (2022, 249), (2023, 249), (2024, 251), (2025, 248), (2026, 248), (2027, 261) $$,
   'cn has the State Council''s number of working days in every year 2004-2026');

-- Test calendars ----------------------------------------------------------------

INSERT INTO gridgov.calendars (name, time_zone, description) VALUES
    ('ref_ny', 'America/New_York', 'reference test: periods across the 02:00 DST changes'),
    ('ref_lhi', 'Australia/Lord_Howe', 'reference test: 30-minute DST changes at 02:00');

INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
SELECT c.id, wd, p.s, p.e
FROM gridgov.calendars c, pg_catalog.generate_series(1, 5) wd,
     (VALUES (time '00:30', time '02:15'), ('02:15', '02:30'), ('03:00', '03:30'), ('09:00', '17:00')) p(s, e)
WHERE c.name = 'ref_ny'
UNION ALL
SELECT c.id, 6, p.s, p.e
FROM gridgov.calendars c, (VALUES (time '00:00', time '01:30'), ('01:30', '03:00')) p(s, e)
WHERE c.name = 'ref_ny'
UNION ALL
SELECT c.id, wd, p.s, p.e
FROM gridgov.calendars c, pg_catalog.generate_series(1, 6) wd,
     (VALUES (time '01:45', time '02:15'), ('02:30', '03:00'), ('08:00', '12:00'), ('22:00', '24:00')) p(s, e)
WHERE c.name = 'ref_lhi'
UNION ALL
SELECT c.id, 7, '00:00', '24:00' FROM gridgov.calendars c WHERE c.name = 'ref_lhi';

INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, periods_of, name)
SELECT c.id, x.day::date, x.kind, x.periods_of, 'test'
FROM gridgov.calendars c
JOIN (VALUES
    ('ref_ny', '2025-03-09', 'workday', 1),     -- DST starts (Sunday)
    ('ref_ny', '2025-11-02', 'workday', 6),     -- DST ends: 01:00-03:00 spans the repeated hour
    ('ref_ny', '2026-03-08', 'workday', NULL),  -- Monday's periods
    ('ref_ny', '2026-11-01', 'workday', 6),
    ('ref_ny', '2025-11-29', 'workday', 2),
    ('ref_ny', '2025-07-04', 'holiday', NULL),
    ('ref_ny', '2025-12-25', 'holiday', NULL),
    ('ref_ny', '2026-01-01', 'holiday', NULL),
    ('ref_lhi', '2025-04-06', 'workday', 1),    -- DST ends at 02:00 -> 01:30
    ('ref_lhi', '2025-10-05', 'workday', 3),    -- DST starts at 02:00 -> 02:30
    ('ref_lhi', '2026-04-05', 'workday', 1),
    ('ref_lhi', '2026-10-04', 'holiday', NULL),
    ('ref_lhi', '2025-12-25', 'holiday', NULL),
    -- user rows over the shipped cn calendar (the user row wins)
    ('cn', '2025-10-01', 'regular', NULL),      -- cancels National Day's first day
    ('cn', '2025-06-10', 'holiday', NULL),      -- a local holiday on a Tuesday
    ('cn', '2025-10-02', 'workday', 6),         -- works with Saturday's periods: none
    ('cn', '2026-02-16', 'workday', NULL)       -- a Spring Festival Monday worked
) x(cal, day, kind, periods_of) ON x.cal = c.name;

-- Random cases -------------------------------------------------------------------

-- Starts: random instants in 2025-2026 (to the minute or to the microsecond),
-- or a local period boundary of the calendar's zone.
CREATE TEMP TABLE wt_starts AS
SELECT g AS i, c.name AS cal,
       CASE WHEN r < 0.55 THEN pg_catalog.date_trunc('minute',
                '2025-01-01 00:00+00'::timestamptz + pg_catalog.random() * interval '730 days')
            WHEN r < 0.75 THEN '2025-01-01 00:00+00'::timestamptz
                + (pg_catalog.random() * 730 * 86400e6)::bigint * interval '1 microsecond'
            ELSE pg_catalog.timezone(c.time_zone,
                ('2025-01-01'::date + (pg_catalog.random() * 730)::integer)
                + (ARRAY['00:00', '00:30', '01:00', '01:30', '01:45', '02:00', '02:15', '02:30',
                         '03:00', '03:30', '08:00', '08:30', '09:00', '12:00', '13:30', '17:00',
                         '17:30', '22:00', '23:59:59.999999']::time[])[1 + (pg_catalog.random() * 18)::integer])
       END AS start
FROM (SELECT g, pg_catalog.random() AS r,
             (ARRAY['cn', 'cn', 'cn', '24x7', 'ref_ny', 'ref_lhi'])[1 + (pg_catalog.random() * 5)::integer] AS cal
      FROM pg_catalog.generate_series(1, 10000) g) s
JOIN gridgov.calendars c ON c.name = s.cal;

CREATE TEMP TABLE wt_add_cases AS
SELECT s.i, s.cal, s.start, a.unit,
       CASE a.unit
           WHEN 'minutes' THEN CASE WHEN a.r < 0.1 THEN 0
                                    WHEN a.r < 0.2 THEN pg_catalog.round((pg_catalog.random() * 0.01)::numeric, 6)
                                    WHEN a.r < 0.6 THEN pg_catalog.floor(pg_catalog.random() * 2400)::numeric
                                    ELSE pg_catalog.round((pg_catalog.random() * 2400)::numeric, 2) END
           WHEN 'working_hours' THEN pg_catalog.round((pg_catalog.random() * 40)::numeric, (a.r * 3)::integer)
           WHEN 'working_days' THEN CASE WHEN a.r < 0.5 THEN pg_catalog.floor(pg_catalog.random() * 12)::numeric
                                         ELSE pg_catalog.round((pg_catalog.random() * 12)::numeric, 2) END
           ELSE CASE WHEN a.r < 0.5 THEN pg_catalog.floor(pg_catalog.random() * 30)::numeric
                     ELSE pg_catalog.round((pg_catalog.random() * 30)::numeric, 3) END
       END AS amount
FROM wt_starts s,
     LATERAL (SELECT (ARRAY['minutes', 'working_hours', 'working_days', 'calendar_days'])
                         [1 + (pg_catalog.random() * 3 + s.i * 0)::integer] AS unit,
                     pg_catalog.random() + s.i * 0 AS r) a;

SELECT ok((SELECT pg_catalog.count(*) FROM wt_add_cases) >= 10000
          AND (SELECT pg_catalog.count(DISTINCT unit) FROM wt_add_cases) = 4
          AND (SELECT pg_catalog.count(DISTINCT cal) FROM wt_add_cases) = 4,
          '10,000 random worktime_add cases over 4 calendars and 4 units');

CREATE TEMP TABLE wt_add_results AS
SELECT c.*, gridgov.worktime_add(c.cal, c.start, c.amount, c.unit) AS got,
       worktime_ref.worktime_add(c.cal, c.start, c.amount, c.unit) AS want
FROM wt_add_cases c;

SELECT is_empty($$
    SELECT i, cal, start, amount, unit, got, want FROM wt_add_results
    WHERE got IS DISTINCT FROM want ORDER BY i LIMIT 5
$$, 'worktime_add in C equals the reference on all 10,000 random cases');

-- Sanity of the sample: the cases reach holidays, adjusted working days and
-- both DST changes, so the comparison above covers them.
SELECT ok((SELECT pg_catalog.count(*) FROM wt_add_results r
           WHERE r.cal = 'cn' AND r.unit = 'working_days' AND EXISTS (
               SELECT 1 FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
               WHERE c.name = 'cn' AND e.kind = 'workday' AND e.day = (r.got AT TIME ZONE 'Asia/Shanghai')::date)) > 10
          AND (SELECT pg_catalog.count(*) FROM wt_add_results r
               WHERE r.cal IN ('ref_ny', 'ref_lhi') AND r.unit IN ('minutes', 'working_hours')
                 AND pg_catalog.date_part('month', r.got) IN (3, 4, 10, 11)) > 100,
          'the random cases land on adjusted working days and in DST-change months');

-- Pairs for worktime_between: t2 from 10 days before to 20 days after t1.
CREATE TEMP TABLE wt_pairs AS
SELECT s.i, s.cal, s.start AS t1,
       CASE WHEN p.r < 0.05 THEN s.start
            WHEN p.r < 0.3 THEN s.start + (p.r2 * 86400e6)::bigint * interval '1 microsecond'
            ELSE s.start + ((p.r2 * 30 - 10) * 86400e6)::bigint * interval '1 microsecond' END AS t2,
       (ARRAY['minutes', 'working_hours', 'working_days', 'calendar_days'])[1 + (p.r3 * 3)::integer] AS unit
FROM wt_starts s,
     LATERAL (SELECT pg_catalog.random() + s.i * 0 AS r, pg_catalog.random() + s.i * 0 AS r2,
                     pg_catalog.random() + s.i * 0 AS r3) p;

CREATE TEMP TABLE wt_between_results AS
SELECT p.*,
       gridgov.worktime_between(p.cal, p.t1, p.t2) AS got,
       worktime_ref.worktime_between(p.cal, p.t1, p.t2) AS want,
       gridgov.worktime_between(p.cal, p.t1, p.t2, p.unit) AS got_unit,
       worktime_ref.worktime_between(p.cal, p.t1, p.t2, p.unit) AS want_unit
FROM wt_pairs p;

SELECT is_empty($$
    SELECT i, cal, t1, t2, got, want FROM wt_between_results
    WHERE got::text IS DISTINCT FROM want::text ORDER BY i LIMIT 5
$$, 'worktime_between (interval) in C equals the reference on 10,000 random pairs');

SELECT is_empty($$
    SELECT i, cal, t1, t2, unit, got_unit, want_unit FROM wt_between_results
    WHERE got_unit::text IS DISTINCT FROM want_unit::text ORDER BY i LIMIT 5
$$, 'worktime_between in a unit (text of the numeric) equals the reference on 10,000 random pairs');

-- Properties (C only) -------------------------------------------------------------

SELECT is_empty($$
    SELECT s.i, s.cal, s.start, x.amount, t.back
    FROM wt_starts s,
         LATERAL (SELECT CASE WHEN s.i % 3 = 0 THEN pg_catalog.round((pg_catalog.random() * 3000)::numeric, 6)
                              ELSE pg_catalog.floor(pg_catalog.random() * 3000 + s.i * 0)::numeric END AS amount) x,
         LATERAL (SELECT gridgov.worktime_between(s.cal, s.start,
                             gridgov.worktime_add(s.cal, s.start, x.amount, 'minutes'), 'minutes') AS back) t
    WHERE t.back <> x.amount
    ORDER BY s.i LIMIT 5
$$, 'worktime_between(c, s, worktime_add(c, s, x, minutes), minutes) = x on 10,000 random (c, s, x)');

SELECT is_empty($$
    SELECT s.i, s.cal, s.start, n, t.back
    FROM wt_starts s,
         LATERAL (SELECT (s.i % 15)::numeric AS n) x,
         LATERAL (SELECT gridgov.worktime_between(s.cal, s.start,
                             gridgov.worktime_add(s.cal, s.start, x.n, 'working_days'), 'working_days') AS back) t
    WHERE t.back <> x.n
    ORDER BY s.i LIMIT 5
$$, 'worktime_between(..., working_days) inverts worktime_add(..., N, working_days) for whole N');

SELECT is_empty($$
    SELECT s.i, s.cal, s.start, x.amount, t.back
    FROM wt_starts s,
         LATERAL (SELECT pg_catalog.round((pg_catalog.random() * 40 + s.i * 0)::numeric, 2) AS amount) x,
         LATERAL (SELECT gridgov.worktime_between(s.cal, s.start,
                             gridgov.worktime_add(s.cal, s.start, x.amount, 'calendar_days'), 'calendar_days') AS back) t
    WHERE s.cal IN ('cn', '24x7') AND t.back <> x.amount
    ORDER BY s.i LIMIT 5
$$, 'worktime_between(..., calendar_days) inverts worktime_add(..., calendar_days) in a zone without DST');

SELECT is_empty($$
    SELECT p.i, p.cal, p.t1, p.t2
    FROM wt_pairs p,
         LATERAL (SELECT p.t2 + (pg_catalog.random() * 5 * 86400e6 + p.i * 0)::bigint * interval '1 microsecond' AS t3) x
    WHERE gridgov.worktime_between(p.cal, p.t1, p.t2) + gridgov.worktime_between(p.cal, p.t2, x.t3)
          <> gridgov.worktime_between(p.cal, p.t1, x.t3)
    ORDER BY p.i LIMIT 5
$$, 'worktime_between is additive: [t1, t2) + [t2, t3) = [t1, t3), any order of t1, t2, t3');

SELECT is_empty($$
    SELECT c.i, c.cal, c.start, c.unit, c.amount
    FROM wt_add_results c,
         LATERAL (SELECT c.amount + pg_catalog.round((pg_catalog.random() * 5 + c.i * 0)::numeric, 2) AS more) x
    WHERE (gridgov.worktime_add(c.cal, c.start, x.more, c.unit) < c.got
           AND (c.unit <> 'calendar_days' OR c.cal IN ('cn', '24x7')))
       OR c.got < c.start
    ORDER BY c.i LIMIT 5
$$, 'worktime_add is monotone in the amount (calendar days: without DST) and never goes back before start');

SELECT is_empty($$
    SELECT c.cal, d::date AS day
    FROM (VALUES ('cn', '2004-01-01'::date, '2027-12-31'::date), ('24x7', '2026-01-01', '2026-12-31'),
                 ('ref_ny', '2025-01-01', '2026-12-31'), ('ref_lhi', '2025-01-01', '2026-12-31')) c(cal, lo, hi),
         pg_catalog.generate_series(c.lo, c.hi, interval '1 day') d
    WHERE gridgov.is_working_day(c.cal, d::date) IS DISTINCT FROM worktime_ref.is_working_day(c.cal, d::date)
    ORDER BY 1, 2 LIMIT 5
$$, 'is_working_day in C equals the reference on every day of cn 2004-2027 and the test calendars 2025-2026');

-- Cache invalidation across sessions ------------------------------------------------
-- A second session (dblink, autocommit) creates and changes a calendar; this
-- session, which has the calendar compiled, must see each committed change.

SELECT dblink_connect('wt_other', pg_catalog.format('dbname=%s port=%s host=%s',
    pg_catalog.current_database(), pg_catalog.current_setting('port'),
    pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)))
\gset wt_
SELECT dblink_exec('wt_other', $$DELETE FROM gridgov.calendars WHERE name = 'ref_remote'$$) \gset wt_
SELECT dblink_exec('wt_other', $$INSERT INTO gridgov.calendars (name, time_zone) VALUES ('ref_remote', 'Asia/Shanghai')$$) \gset wt_
SELECT dblink_exec('wt_other', $$INSERT INTO gridgov.calendar_periods (calendar_id, weekday, starts, ends)
    SELECT id, wd, '09:00', '17:00' FROM gridgov.calendars, generate_series(1, 5) wd WHERE name = 'ref_remote'$$) \gset wt_

SELECT is(gridgov.worktime_add('ref_remote', '2026-03-02 09:00+08', 1, 'working_hours'),
          '2026-03-02 10:00+08'::timestamptz,
          'a calendar committed by another session is compiled here (Monday 09:00 + 1 h)');

SELECT dblink_exec('wt_other', $$INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind)
    SELECT id, '2026-03-02', 'holiday' FROM gridgov.calendars WHERE name = 'ref_remote'$$) \gset wt_

SELECT is(gridgov.worktime_add('ref_remote', '2026-03-02 09:00+08', 1, 'working_hours'),
          '2026-03-03 10:00+08'::timestamptz,
          'a holiday committed by another session is seen by the next call (cache invalidated)');

SELECT dblink_exec('wt_other', $$UPDATE gridgov.calendar_periods SET starts = '08:00'
    WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'ref_remote') AND weekday = 2$$) \gset wt_
SELECT dblink_exec('wt_other', $$DELETE FROM gridgov.calendar_exceptions
    WHERE calendar_id = (SELECT id FROM gridgov.calendars WHERE name = 'ref_remote')$$) \gset wt_
SELECT dblink_exec('wt_other', $$UPDATE gridgov.calendars SET time_zone = 'Europe/Berlin' WHERE name = 'ref_remote'$$) \gset wt_

SELECT is(gridgov.worktime_add('ref_remote', '2026-03-03 06:00+00', 1, 'working_hours'),
          '2026-03-03 09:00+01'::timestamptz,
          'changed periods, a deleted exception and a new time zone from another session are all seen');

SELECT dblink_exec('wt_other', $$DELETE FROM gridgov.calendars WHERE name = 'ref_remote'$$) \gset wt_
SELECT dblink_disconnect('wt_other') \gset wt_

SELECT throws_ok($$ SELECT gridgov.worktime_add('ref_remote', '2026-03-03 06:00+00', 1, 'working_hours') $$,
                 '42704', 'calendar "ref_remote" does not exist',
                 'a calendar deleted by another session is gone here');

SELECT * FROM finish();
ROLLBACK;

-- The calendar horizon (issue 12, item 4; docs/calendars.md "The horizon",
-- docs/sla.md "Provisional deadlines"), step by step:
--   1. the horizon is recorded: cn's known_until is the end of the last year of
--      the shipped data (2026), 24x7 has none;
--   2. arithmetic past it follows the weekly pattern, and a deadline after the
--      end of the horizon's day counted in working time is provisional;
--   3. clocks due past the horizon are listed by provisional_clocks (running
--      and paused, not met ones, not calendar_days ones, not 24x7 ones) and
--      counted by sla_board_at();
--   4. loading a constructed 2027 file with load_calendar_year() moves the
--      horizon and recomputes exactly the provisional open clocks: each equals
--      its recomputation from its start on the new calendar; the closed
--      case's clock and every other clock are untouched; each moved clock is
--      recorded in its case's history (recalendar), verify_histories() is
--      empty and nothing is provisional any more;
--   5. bad input gives the documented SQLSTATEs; a shipped calendar row keeps
--      every column but its horizon read-only.
-- China's 2027 schedule is not in our data (chinese-days 1.5.7 ends with
-- 2026): the 2027 file here is constructed, in the same format.  The WARNING a
-- statement gets when it starts a provisional clock is checked by
-- test/shell/calendar_horizon_warning.sh (pgTAP cannot see warnings).
-- Everything happens in this file's transaction, rolled back at the end, in a
-- fictitious county, 990121, that no other suite uses.
BEGIN;
SET client_min_messages = error;
SELECT plan(31);

-- 1. The horizon recorded --------------------------------------------------------
SELECT is(gridgov.calendar_horizon('cn'), date '2026-12-31', 'cn''s horizon is 2026-12-31');
SELECT is((SELECT known_until FROM gridgov.calendars WHERE name = 'cn'),
          (SELECT pg_catalog.make_date(pg_catalog.max(pg_catalog.date_part('year', e.day))::integer, 12, 31)
           FROM gridgov.calendar_exceptions e JOIN gridgov.calendars c ON c.id = e.calendar_id
           WHERE c.name = 'cn' AND e.builtin),
          'it is the end of the last year of the shipped holiday data');
SELECT is(gridgov.calendar_horizon('24x7'), NULL::date, '24x7 has no horizon: its weekly pattern is the whole truth');

-- 2. Arithmetic past the horizon ------------------------------------------------
SELECT is(gridgov.worktime_add('cn', '2026-12-31 09:00+08', 1, 'working_days'), '2027-01-01 17:30+08'::timestamptz,
          'past the horizon the weekly pattern applies: 1 January 2027, a Friday, is a working day');
SELECT is(ARRAY[gridgov.is_provisional('cn', '2026-12-31 17:30+08', 'working_days'),
                gridgov.is_provisional('cn', '2027-01-01 00:00+08', 'minutes'),
                gridgov.is_provisional('cn', '2027-01-01 00:00:00.000001+08', 'minutes'),
                gridgov.is_provisional('cn', '2027-01-01 17:30+08', 'working_days'),
                gridgov.is_provisional('cn', '2027-03-01 12:00+08', 'calendar_days'),
                gridgov.is_provisional('24x7', '2099-01-01 12:00+08', 'minutes')],
          ARRAY[false, false, true, true, false, false],
          'provisional: working time due after the end of the horizon''s day (not calendar_days, not 24x7)');

-- 3. Clocks past the horizon -----------------------------------------------------
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('HZ-CC', '视界区指挥中心', 'district', '990121', 'command_center');
-- Long limits, so that clocks started on Monday 1 June 2026 end in 2027.
INSERT INTO gridgov.sla_policies (category_prefix, source, stage, amount, unit, calendar_id, note)
SELECT v.prefix, 'hotline', 'whole', v.amount, v.unit, c.id, 'test/calendar_horizon.sql'
FROM (VALUES ('H0101', 150, 'working_days'), ('H0103', 70000, 'minutes'), ('H0201', 250, 'calendar_days')) v(prefix, amount, unit)
JOIN gridgov.calendars c ON c.name = 'cn';
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
SELECT '990121', 'hotline', v.tag, v.category, '视界 ' || v.tag, '2026-06-01 10:00+08',
       (SELECT id FROM gridgov.departments WHERE code = 'HZ-CC')
FROM (VALUES ('A', 'H0101'), ('B', 'H0101'), ('M', 'H0103'), ('P', 'H0101'), ('C', 'H0101'),
             ('N', 'H0102'), ('K', 'H0201')) v(tag, category);
CREATE TEMP TABLE hz AS
SELECT external_id AS tag, id FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '990121';
-- B is extended by 2 working days, P suspended, C answered (closed: its clocks stop).
SELECT gridgov.act((SELECT id FROM hz WHERE tag = 'B'), 'extend', NULL,
                   '{"stage": "whole", "amount": 2, "unit": "working_days"}', '2026-06-01 11:00+08') \g /dev/null
SELECT gridgov.act((SELECT id FROM hz WHERE tag = 'P'), 'suspend', NULL, NULL, '2026-06-02 10:00+08') \g /dev/null
SELECT gridgov.act((SELECT id FROM hz WHERE tag = 'C'), 'answer', NULL, NULL, '2026-06-01 11:00+08') \g /dev/null

CREATE TEMP TABLE clocks_before AS
SELECT h.tag, k.* FROM gridgov.case_clocks k JOIN hz h ON h.id = k.case_id
WHERE k.county OPERATOR(gridgov.=) '990121';
SELECT is((SELECT pg_catalog.array_agg(h.tag || ':' || p.stage || ':' || p.paused ORDER BY h.tag)
           FROM gridgov.provisional_clocks p JOIN hz h ON h.id = p.case_id
           WHERE p.county OPERATOR(gridgov.=) '990121'),
          ARRAY['A:whole:false', 'B:whole:false', 'M:whole:false', 'P:whole:true'],
          'provisional_clocks lists the open whole clocks due in 2027: running and paused, not the closed case''s, not calendar_days');
SELECT is((SELECT k.due_at FROM clocks_before k WHERE k.tag = 'A' AND k.stage = 'whole'), '2027-01-04 17:30+08'::timestamptz,
          'A''s 150 working days from 1 June 2026 end on Monday 4 January 2027, counting 1 January as worked');
SELECT ok((SELECT k.met_at IS NOT NULL AND k.due_at > '2027-01-01' FROM clocks_before k WHERE k.tag = 'C' AND k.stage = 'whole'),
          'C''s whole clock, due in 2027 too, is met (the case was answered)');
SELECT is((SELECT pg_catalog.sum(b.provisional)::integer FROM gridgov.sla_board_at('2026-06-03 10:00+08') b
           WHERE b.county OPERATOR(gridgov.=) '990121'), 4,
          'sla_board_at() counts the four open cases with a provisional deadline');
SELECT is((SELECT pg_catalog.sum(b.open_cases)::integer FROM gridgov.sla_board_at('2026-06-03 10:00+08') b
           WHERE b.county OPERATOR(gridgov.=) '990121'), 6,
          'of its six open cases');

-- 4. Loading the next year -------------------------------------------------------
CREATE TEMP TABLE loaded AS
SELECT * FROM gridgov.load_calendar_year('cn', $json${
    "holidays": {"2027-01-01": "New Year's Day,元旦,1",
                 "2027-02-06": "Spring Festival,春节,3", "2027-02-07": "Spring Festival,春节,3",
                 "2027-02-08": "Spring Festival,春节,3", "2027-02-09": "Spring Festival,春节,3",
                 "2027-02-10": "Spring Festival,春节,3", "2027-02-11": "Spring Festival,春节,3",
                 "2027-02-12": "Spring Festival,春节,3"},
    "workdays": {"2027-02-14": "Spring Festival,春节,3"},
    "inLieuDays": {"2027-02-11": "Spring Festival,春节,3", "2027-02-12": "Spring Festival,春节,3"}}$json$,
    '2026-06-03 10:00+08');
SELECT is((SELECT ROW(l.known_until, l.days, l.clocks)::text FROM loaded l), '(2027-12-31,9,4)',
          'load_calendar_year: horizon 2027-12-31, 9 days written, 4 clocks moved');
SELECT is(gridgov.calendar_horizon('cn'), date '2027-12-31', 'the horizon moved to the end of 2027');
SELECT is(gridgov.worktime_add('cn', '2026-12-31 09:00+08', 1, 'working_days'), '2027-01-04 17:30+08'::timestamptz,
          'the arithmetic knows 1 January 2027 is a holiday now');
SELECT is((SELECT pg_catalog.count(*)::integer FROM gridgov.case_clocks k JOIN clocks_before b
             ON b.county OPERATOR(gridgov.=) k.county AND b.case_id = k.case_id AND b.stage = k.stage AND b.seq = k.seq
           WHERE b.tag IN ('A', 'B', 'M', 'P') AND b.stage = 'whole'
             AND k.due_at = gridgov.worktime_add('cn', k.started_at, k.amount + k.extended, k.unit)
             AND k.due_at > b.due_at AND k.next_escalation_at = k.due_at),
          4, 'each provisional clock now equals its recomputation from its start on the new calendar (extension included), later than before');
SELECT is((SELECT k.due_at FROM gridgov.case_clocks k JOIN hz h ON h.id = k.case_id
           WHERE h.tag = 'A' AND k.stage = 'whole'), '2027-01-05 17:30+08'::timestamptz,
          'A''s deadline moved from 4 to 5 January 2027');
SELECT is((SELECT pg_catalog.count(*)::integer
           FROM clocks_before b JOIN gridgov.case_clocks k
             ON b.county OPERATOR(gridgov.=) k.county AND b.case_id = k.case_id AND b.stage = k.stage AND b.seq = k.seq
           WHERE NOT (b.tag IN ('A', 'B', 'M', 'P') AND b.stage = 'whole')
             AND (k.due_at, k.warn_at, k.next_escalation_at, k.met_at, k.paused_at)
                 IS NOT DISTINCT FROM (b.due_at, b.warn_at, b.next_escalation_at, b.met_at, b.paused_at)),
          (SELECT pg_catalog.count(*)::integer FROM clocks_before b WHERE NOT (b.tag IN ('A', 'B', 'M', 'P') AND b.stage = 'whole')),
          'every other clock is untouched: the closed case''s, the calendar_days one, those due before the horizon, the 24x7 ones');
SELECT is((SELECT k.paused_at FROM gridgov.case_clocks k JOIN hz h ON h.id = k.case_id WHERE h.tag = 'P' AND k.stage = 'whole'),
          '2026-06-02 10:00+08'::timestamptz, 'the paused clock stays paused');
SELECT is((SELECT pg_catalog.array_agg(h.tag ORDER BY h.tag) FROM gridgov.case_events e JOIN hz h ON h.id = e.case_id
           WHERE e.county OPERATOR(gridgov.=) '990121' AND e.action = 'recalendar'),
          ARRAY['A', 'B', 'M', 'P'], 'each moved case has one recalendar event in its history');
SELECT is((SELECT pg_catalog.count(*)::integer FROM gridgov.case_events e JOIN hz h ON h.id = e.case_id
           JOIN clocks_before b ON b.case_id = e.case_id AND b.stage = 'whole'
           JOIN gridgov.case_clocks k ON k.county OPERATOR(gridgov.=) b.county AND k.case_id = b.case_id
                                     AND k.stage = b.stage AND k.seq = b.seq
           WHERE e.action = 'recalendar'
             AND e.payload = pg_catalog.jsonb_build_object('calendar', 'cn', 'known_until', '2027-12-31',
                 'clocks', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                     'stage', 'whole', 'seq', 1, 'due_before', b.due_at, 'due_after', k.due_at)))
             AND e.at = '2026-06-03 10:00+08'),
          4, 'its payload names the calendar, the new horizon and each clock''s deadline before and after; it is at as_of');
SELECT is((SELECT pg_catalog.count(*)::integer FROM gridgov.verify_histories()), 0, 'verify_histories() finds nothing');
SELECT is((SELECT pg_catalog.count(*)::integer FROM gridgov.provisional_clocks p WHERE p.county OPERATOR(gridgov.=) '990121'),
          0, 'nothing is provisional any more');
SELECT is((SELECT pg_catalog.sum(b.provisional)::integer FROM gridgov.sla_board_at('2026-06-03 10:00+08') b
           WHERE b.county OPERATOR(gridgov.=) '990121'), 0, 'nor on the board');
SELECT is((SELECT pg_catalog.count(*)::integer FROM gridgov.load_calendar_year('cn', '{"holidays": {"2028-01-01": "x"}}', '2026-06-03 10:00+08')
           WHERE clocks = 0 AND known_until = '2028-12-31'),
          1, 'the year after: the horizon moves again, no clock to move');

-- 5. Bad input ------------------------------------------------------------------
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT throws_ok($$SELECT gridgov.load_calendar_year(NULL, '{"holidays": {}}')$$, '22004', NULL, 'NULL calendar: 22004');
SELECT throws_ok($$SELECT gridgov.load_calendar_year('cn', NULL)$$, '22004', NULL, 'NULL data: 22004');
SELECT throws_ok($$SELECT gridgov.load_calendar_year('no such', '{"holidays": {"2029-01-01": "x"}}')$$, '42704', NULL,
                 'unknown calendar: 42704');
SELECT is((SELECT pg_catalog.array_agg(s ORDER BY i) FROM (VALUES
              (1, $$SELECT gridgov.load_calendar_year('cn', '[]')$$),
              (2, $$SELECT gridgov.load_calendar_year('cn', '{"holidays": "x"}')$$),
              (3, $$SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2029-01-01": 1}}')$$),
              (4, $$SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2029-13-01": "x"}}')$$),
              (5, $$SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2029-01-01": "x", "2030-01-01": "x"}}')$$),
              (6, $$SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2028-10-01": "x"}}')$$),
              (7, $$SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2030-01-01": "x"}}')$$),
              (8, $$SELECT gridgov.calendar_horizon(NULL)$$),
              (9, $$SELECT gridgov.calendar_horizon('no such')$$),
              (10, $$SELECT gridgov.is_provisional('cn', '2027-01-01', 'hours')$$)) v(i, q),
           LATERAL (SELECT pg_temp.sqlstate_of(v.q) AS s) x),
          ARRAY['22023', '22023', '22023', '22007', '22023', 'GG202', 'GG202', '22004', '42704', '22023'],
          'not an object, no holidays object, a label not a string: 22023; a key not a date: 22007; two years: 22023; a loaded year or a gap: GG202; calendar_horizon NULL / unknown: 22004 / 42704; an unknown unit: 22023');
SELECT throws_ok($$UPDATE gridgov.calendars SET description = 'x' WHERE name = 'cn'$$, 'GG201', NULL,
                 'a shipped calendar row stays read-only');
SELECT lives_ok($$UPDATE gridgov.calendars SET known_until = '2028-06-30' WHERE name = 'cn'$$,
                'but its horizon may be set');
SELECT is(gridgov.calendar_horizon('cn'), date '2028-06-30', 'and the compiled calendar follows it');
SELECT gridgov.copy_calendar('cn', 'cn-copy-horizon') \g /dev/null
SELECT is(gridgov.calendar_horizon('cn-copy-horizon'), date '2028-06-30', 'copy_calendar() copies the horizon');

SELECT * FROM finish();
ROLLBACK;

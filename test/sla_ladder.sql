-- The escalation ladder as data (docs/sla.md; issue 15): which ladder a late
-- clock climbs (the most specific key: the longest category prefix, then a
-- set urgency; the H ladder of hotline tickets, the emergency ladder), whom
-- each rung tells (gridgov.escalation_targets: holder, holder_supervisor,
-- town_center, district_center, discipline; a center holding the case is never
-- told as its own supervisor), min_breaches (a rung passed over for a case
-- with fewer breached clocks, reached with more), the supervise rung (the
-- sweep takes action supervise once, while its clock runs), and the
-- discipline bodies only where a district puts them.  Driven by
-- gridgov.sla_sweep(as_of) at explicit times (nothing sleeps); read from
-- escalations, case_events and case_clocks.  County 990501
-- (test/lib/steps_fixture.sql); everything is rolled back.
BEGIN;
SELECT plan(61);
\i test/lib/steps_fixture.sql

-- Ladders of this file, beside the shipped ones: E04 (any urgency, urgent),
-- and E0103 with a discipline rung for repeated breaches (min_breaches 2) and
-- a district rung that supervises.
INSERT INTO gridgov.escalation_ladder (category_prefix, urgency, level, title, target, supervise, min_breaches,
                                       delay, delay_unit, calendar_id)
SELECT v.prefix, v.urgency::gridgov.urgency, v.level, v.title, v.target, v.supervise, v.min_breaches,
       v.delay, 'minutes', c.id
FROM (VALUES ('E04', NULL, 1, '测试 E04', 'holder', false, 1, 0),
             ('E04', 'urgent', 1, '测试 E04 紧急', 'town_center', false, 1, 0),
             ('E0103', NULL, 1, '测试 催办', 'holder', false, 1, 0),
             ('E0103', NULL, 2, '测试 纪委（再次超时）', 'discipline', false, 2, 5),
             ('E0103', NULL, 3, '测试 区中心督办', 'district_center', true, 1, 10)
     ) v(prefix, urgency, level, title, target, supervise, min_breaches, delay)
JOIN gridgov.calendars c ON c.name = '24x7';

CREATE FUNCTION pg_temp.rung(category text, urgency text, level integer, breaches integer DEFAULT 1) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.format('%s/%s/%s:%s%s', r.category_prefix, COALESCE(r.urgency::text, '*'), r.level, r.target,
                             CASE WHEN r.supervise THEN '+supervise' ELSE '' END)
    FROM gridgov.escalation_rung($1, $2::gridgov.urgency, $3, $4) r
$$;
-- Department codes, sorted, of an id array.
CREATE FUNCTION pg_temp.codes(ids bigint[]) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(pg_catalog.array_agg(d.code ORDER BY d.code)::text, '{}') FROM gridgov.departments d WHERE d.id = ANY ($1)
$$;
-- The rungs a case's clock of a stage climbed: level:told, in order.
CREATE FUNCTION pg_temp.climbed(label text, stage text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.string_agg(e.level || ':' || pg_temp.codes(e.department_ids), ' ' ORDER BY e.level)
    FROM gridgov.escalations e
    WHERE e.county OPERATOR(gridgov.=) '990501' AND e.case_id = pg_temp.k($1) AND e.stage = $2
$$;
CREATE FUNCTION pg_temp.events(label text, action text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.count(*) FROM gridgov.case_events e
    WHERE e.county OPERATOR(gridgov.=) '990501' AND e.case_id = pg_temp.k($1) AND e.action = $2
$$;
CREATE FUNCTION pg_temp.sweep(at timestamptz) RETURNS integer LANGUAGE sql AS $$
    SELECT gridgov.sla_sweep($1)
$$;

-- 1. The ladder of a case: the most specific key -------------------------------------
SELECT is(pg_temp.rung('E0102', 'normal', 1), '/*/1:holder', 'a rubbish case climbs the shipped '''' ladder: rung 1 the holder');
SELECT is(pg_temp.rung('E0102', 'normal', 2), '/*/2:holder_supervisor', '... rung 2 the holder''s supervising department');
SELECT is(pg_temp.rung('E0102', 'normal', 3), '/*/3:town_center', '... rung 3 the town center');
SELECT is(pg_temp.rung('E0102', 'normal', 4), '/*/4:district_center+supervise', '... rung 4 the district center, supervising');
SELECT is(pg_temp.rung('E0102', 'normal', 5), NULL, '... and nothing above the top');
SELECT is(pg_temp.rung('E0102', 'emergency', 2), '/emergency/2:town_center', 'an emergency climbs the emergency ladder');
SELECT is(pg_temp.rung('E0102', 'emergency', 3), '/emergency/3:district_center+supervise', '... whose rung 3 supervises');
SELECT is(pg_temp.rung('H0101', 'normal', 3), 'H/*/3:district_center+supervise', 'a hotline ticket climbs the H ladder');
SELECT is(pg_temp.rung('H0101', 'emergency', 2), 'H/emergency/2:town_center', 'a hotline emergency climbs the H emergency ladder (the most specific key), in minutes');
SELECT is(pg_temp.rung('E0405', 'urgent', 1), 'E04/urgent/1:town_center', 'within a prefix, a set urgency wins');
SELECT is(pg_temp.rung('E0405', 'normal', 1), 'E04/*/1:holder', 'another urgency takes the prefix''s NULL-urgency ladder');
SELECT is(pg_temp.rung('E0405', 'emergency', 2), NULL, '... even for an emergency (E04 over the '''' emergency ladder), up to its top');
SELECT is(pg_temp.rung('E0103', 'normal', 1), 'E0103/*/1:holder', 'the longest prefix wins');
SELECT is(pg_temp.rung('E0103', 'normal', 2, 1), 'E0103/*/3:district_center+supervise',
          'a min_breaches-2 rung is passed over with one breached clock');
SELECT is(pg_temp.rung('E0103', 'normal', 2, 2), 'E0103/*/2:discipline', '... and applies with two');
SELECT is(pg_temp.rung('X', 'normal', 1), '/*/1:holder', 'the '''' ladder takes any other category');

-- 2. Targets ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.told(target text, holder text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT pg_temp.codes(gridgov.escalation_targets($1, '990501', '990501001001001', pg_temp.dep($2)))
$$;
SELECT is(pg_temp.told('holder', 'wfs-f1'), '{wfs-f1}', 'holder: the department holding the case');
SELECT is(pg_temp.told('holder_supervisor', 'wfs-f1'), '{wfs-bureau}', 'holder_supervisor: the holder''s parent');
SELECT is(pg_temp.told('holder_supervisor', 'wfs-f2'), '{wfs-cc-t}', 'holder_supervisor of a holder without parent: the town center');
SELECT is(pg_temp.told('holder_supervisor', 'wfs-cc-t'), '{wfs-cc}', 'holder_supervisor of the town center: its parent, the district center');
SELECT is(pg_temp.told('town_center', 'wfs-f1'), '{wfs-cc-t}', 'town_center: the command center of the case''s town');
SELECT is(pg_temp.told('town_center', 'wfs-cc-t'), '{wfs-cc}', 'town_center when the town center holds the case: the district''s instead');
SELECT is(pg_temp.told('district_center', 'wfs-f1'), '{wfs-cc}', 'district_center: the county''s command center');
SELECT is(pg_temp.told('district_center', 'wfs-cc'), '{}', 'district_center holding the case: nobody above it');
SELECT is(pg_temp.told('discipline', 'wfs-f1'), '{wfs-jw}', 'discipline: the county''s discipline bodies');
UPDATE gridgov.departments SET active = false WHERE code = 'wfs-bureau';
SELECT is(pg_temp.told('holder_supervisor', 'wfs-f1'), '{wfs-cc-t}', 'an inactive parent: the town center instead');
UPDATE gridgov.departments SET active = true WHERE code = 'wfs-bureau';

-- 3. Sweeps in time order -----------------------------------------------------------------
-- Cases, all reported Mon 2 Mar 09:00:
--   rub  rubbish (E0102), held by wfs-f1, never filed: file clock (20 min) late at 09:20
--   twn  the same, held by the town center wfs-cc-t
--   emg  an emergency held by wfs-f1: file clock (5 min) late at 09:05
--   hot  a hotline ticket held by wfs-f2, never dispatched: dispatch clock (30 min) late at 09:30
--   one  E0103 from patrol: one clock (file, 20 min)
--   two  E0103 from video: filed late at 09:22 (file clock met late), then not
--        dispatched (dispatch clock, 10 min, late at 09:32): two breaches
-- one and two climb this file's E0103 ladder: 1 holder at the breach,
-- 2 discipline 5 min later for a case with two breached clocks, 3 the
-- district center 10 min later, supervising.
SELECT pg_temp.nc('rub', 'E0102', 'wfs-f1'), pg_temp.nc('twn', 'E0102', 'wfs-cc-t'),
       pg_temp.nc('emg', 'E0102', 'wfs-f1', 'emergency'), pg_temp.nc('hot', 'H0101', 'wfs-f2'),
       pg_temp.nc('one', 'E0103', 'wfs-cc-t'), pg_temp.nc('two', 'E0103', 'wfs-cc-t', 'normal', 'video') \g /dev/null

SELECT pg_temp.sweep(pg_temp.t(5)) \g /dev/null
SELECT is(pg_temp.climbed('emg', 'file'), '1:{wfs-f1}', '09:05 emergency at its breach: the holder is reminded');
SELECT is((pg_temp.clock('emg', 'file')).next_escalation_at, pg_temp.t(35), '... the town center is due 30 minutes later');

SELECT pg_temp.sweep(pg_temp.t(20)) \g /dev/null
SELECT is(pg_temp.climbed('rub', 'file'), '1:{wfs-f1}', '09:20 rubbish at its breach: rung 1, the holder');
SELECT is((pg_temp.clock('rub', 'file')).next_escalation_at, gridgov.worktime_add('cn', pg_temp.t(20), 4, 'working_hours'),
          '... rung 2 is due 4 working hours later');
SELECT is(((SELECT e.payload ->> 'target' FROM gridgov.case_events e WHERE e.case_id = pg_temp.k('rub') AND e.action = 'escalate'),
           (pg_temp.kase('rub')).escalation_level, (pg_temp.kase('rub')).supervised)::text,
          ('holder', 1, false)::text, 'the escalate event names its target; escalating does not supervise');
SELECT is(pg_temp.climbed('twn', 'file'), '1:{wfs-cc-t}', 'held by the town center: rung 1 reminds the town center');
-- two is filed late, at 09:22: its file clock met late; its dispatch clock (10 min) runs.
SELECT pg_temp.step('two', 'file', 22) \g /dev/null

SELECT pg_temp.sweep(pg_temp.t(30)) \g /dev/null
SELECT is(pg_temp.climbed('hot', 'dispatch'), '1:{wfs-f2}', '09:30 hotline at its breach: the holder');
SELECT is(pg_temp.climbed('one', 'file'), '1:{wfs-cc-t} 3:{wfs-cc}',
          'one breached clock: the min_breaches-2 rung is passed over, rung 3 reached 10 min after rung 1');
SELECT is(((pg_temp.kase('one')).supervised, pg_temp.events('one', 'supervise'),
           (pg_temp.clock('one', 'supervise')).started_at)::text, (true, 1::bigint, pg_temp.t(30))::text,
          '... rung 3 supervised the case: supervise event, supervised, a supervise clock');
SELECT is(pg_temp.climbed('two', 'file'), '1:{wfs-cc-t}',
          'filed late at 09:22: the file clock, met late (a breach), climbs no further');
SELECT is((pg_temp.clock('two', 'dispatch')).due_at, pg_temp.t(32), '... its dispatch clock is due at 09:32');

SELECT pg_temp.sweep(pg_temp.t(35)) \g /dev/null
SELECT is(pg_temp.climbed('emg', 'file'), '1:{wfs-f1} 2:{wfs-cc-t}', '09:35 emergency rung 2: the town center');
SELECT is(pg_temp.climbed('two', 'dispatch'), '1:{wfs-cc-t}', '09:35 the late dispatch clock: rung 1, the holder');

SELECT pg_temp.sweep(pg_temp.t(40)) \g /dev/null
SELECT is(pg_temp.climbed('two', 'dispatch'), '1:{wfs-cc-t} 2:{wfs-jw}',
          '09:40 two breaches (the file clock met late, the dispatch clock late): the discipline rung applies');
SELECT is(pg_temp.events('two', 'supervise'), 0::bigint, '... which does not supervise');
SELECT pg_temp.sweep(pg_temp.t(50)) \g /dev/null
SELECT is(pg_temp.climbed('two', 'dispatch'), '1:{wfs-cc-t} 2:{wfs-jw} 3:{wfs-cc}', '09:50: rung 3, the district center');
SELECT is((pg_temp.events('two', 'supervise'),
           (SELECT pg_catalog.count(*) FROM gridgov.case_clocks x WHERE x.case_id = pg_temp.k('two') AND x.stage = 'supervise'))::text,
          (1::bigint, 1::bigint)::text, '... which supervises the case, once');
SELECT gridgov.answer_supervision(pg_temp.k('two'), '已处理', pg_temp.t(55)) \g /dev/null
SELECT is((pg_temp.clock('two', 'supervise')).met_at, pg_temp.t(55), 'the holder''s answer meets the supervise clock');

SELECT pg_temp.sweep(pg_temp.t(95)) \g /dev/null
SELECT is(pg_temp.climbed('emg', 'file'), '1:{wfs-f1} 2:{wfs-cc-t} 3:{wfs-cc}', '10:35 emergency rung 3, an hour later: the district center');
SELECT is(((pg_temp.kase('emg')).supervised, pg_temp.events('emg', 'supervise'), (pg_temp.clock('emg', 'supervise')).due_at)::text,
          (true, 1::bigint, pg_temp.t(95 + 60))::text,
          '... which supervises: a supervise clock due in 60 minutes (the emergency policy)');

-- The shipped '' and H ladders over days (cn calendar).
CREATE TEMP TABLE due AS
SELECT (pg_temp.clock('rub', 'file')).next_escalation_at AS rub2, (pg_temp.clock('hot', 'dispatch')).next_escalation_at AS hot2;
SELECT is((SELECT hot2 FROM due), gridgov.worktime_add('cn', pg_temp.t(30), 4, 'working_hours'),
          'the H ladder''s rung 2 is due 4 working hours after its rung 1');
SELECT pg_temp.sweep((SELECT GREATEST(rub2, hot2) FROM due)) \g /dev/null
SELECT is(pg_temp.climbed('rub', 'file'), '1:{wfs-f1} 2:{wfs-bureau}', 'rubbish rung 2: the holder''s supervising department');
SELECT is(pg_temp.climbed('twn', 'file'), '1:{wfs-cc-t} 2:{wfs-cc}', 'held by the town center: rung 2 tells its parent, the district center');
SELECT is(pg_temp.climbed('hot', 'dispatch'), '1:{wfs-f2} 2:{wfs-cc-t}', 'hotline rung 2: no parent, the town center');
CREATE TEMP TABLE due3 AS
SELECT (pg_temp.clock('rub', 'file')).next_escalation_at AS rub3, (pg_temp.clock('hot', 'dispatch')).next_escalation_at AS hot3;
SELECT is((SELECT rub3 FROM due3), gridgov.worktime_add('cn', (SELECT GREATEST(rub2, hot2) FROM due), 1, 'working_days'),
          'rung 3 is due 1 working day after rung 2');
SELECT pg_temp.sweep((SELECT GREATEST(rub3, hot3) FROM due3)) \g /dev/null
SELECT is(pg_temp.climbed('rub', 'file'), '1:{wfs-f1} 2:{wfs-bureau} 3:{wfs-cc-t}', 'rubbish rung 3: the town center');
SELECT is(pg_temp.climbed('twn', 'file'), '1:{wfs-cc-t} 2:{wfs-cc} 3:{wfs-cc}',
          'held by the town center: never told as its own supervisor at the town_center rung; the district center is');
SELECT is(((pg_temp.kase('hot')).supervised, pg_temp.events('hot', 'supervise'), pg_temp.climbed('hot', 'dispatch'))::text,
          (true, 1::bigint, '1:{wfs-f2} 2:{wfs-cc-t} 3:{wfs-cc}')::text,
          'the H ladder''s rung 3: the district (hotline) center supervises');
SELECT is(((pg_temp.kase('rub')).supervised, pg_temp.events('rub', 'supervise'))::text, (false, 0::bigint)::text,
          'the '''' ladder''s rung 3 does not supervise');
CREATE TEMP TABLE due4 AS SELECT (pg_temp.clock('rub', 'file')).next_escalation_at AS rub4;
SELECT pg_temp.sweep((SELECT rub4 FROM due4)) \g /dev/null
SELECT is(pg_temp.climbed('rub', 'file'), '1:{wfs-f1} 2:{wfs-bureau} 3:{wfs-cc-t} 4:{wfs-cc}', 'rubbish rung 4: the district center');
SELECT is(((pg_temp.kase('rub')).supervised, pg_temp.events('rub', 'supervise'),
           (pg_temp.clock('rub', 'supervise')).started_at, (pg_temp.clock('rub', 'supervise')).met_at)::text,
          (true, 1::bigint, (SELECT rub4 FROM due4), NULL::timestamptz)::text,
          'rung 4 supervises: supervise event, the case supervised, a supervise clock running');
SELECT is((SELECT (e.payload -> 'rule')::text FROM gridgov.case_events e WHERE e.case_id = pg_temp.k('rub') AND e.action = 'supervise'),
          '{"level": 4, "urgency": null, "category_prefix": ""}', 'the supervise event names the rule (ladder and rung)');
SELECT is((pg_temp.clock('rub', 'file')).next_escalation_at, NULL, 'the top of the ladder: no next rung');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.escalations e
           WHERE e.county OPERATOR(gridgov.=) '990501' AND e.case_id IN (pg_temp.k('rub'), pg_temp.k('twn'), pg_temp.k('hot'), pg_temp.k('emg'))
             AND e.department_ids && ARRAY[pg_temp.dep('wfs-jw')]), 0::bigint,
          'the shipped ladders tell no discipline department (only a district''s own ladder does)');

SELECT is_empty($$SELECT * FROM gridgov.verify_histories('990501')$$, 'every history of this file verifies');
SELECT * FROM finish();
ROLLBACK;

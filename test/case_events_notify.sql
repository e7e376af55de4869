-- An event for every change (issue 15, item 8; docs/events.md): every intake
-- and every change of a case is sent on channel gridgov_events when its
-- transaction commits, with a real listener.  One dblink session ('listener')
-- LISTENs, another ('writer') takes cases in, acts on them, edits them and
-- commits; the listener's notifications are collected with a bounded poll
-- (pg_temp.hear: until the wanted number of this county has come, at most
-- 600 polls 50 ms apart).  Nothing is asserted about time: what must NOT be
-- sent (a rollback, a rolled-back savepoint, the limit 0) is checked once a
-- later committed change has been heard, since notifications arrive in
-- commit order.  Everything the sessions share is committed (cases are never
-- deleted), so it lives in its own county, 990113, which no other suite uses.
BEGIN;
SELECT plan(24);

CREATE TEMP TABLE conn AS SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
    pg_catalog.current_setting('port'), pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS s,
    'notify-' || pg_catalog.to_char(pg_catalog.clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag;
SELECT dblink_connect('writer', (SELECT s FROM conn));
SELECT dblink_connect('listener', (SELECT s FROM conn));
SELECT dblink_exec(c, 'SET statement_timeout = ''60s''') FROM pg_catalog.unnest(ARRAY['writer', 'listener']) c;

-- Committed fixture: the county's command center and a functional department.
SELECT dblink_exec('writer', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT v.* FROM (VALUES ('T13-CC', '通知测试区指挥中心', 'district', '990113'::gridgov.gridcode, 'command_center'),
                            ('T13-CG', '通知测试区城管委', 'district', '990113', 'functional')) v
    WHERE NOT EXISTS (SELECT FROM gridgov.departments d WHERE d.code = v.column1)$$);
CREATE TEMP TABLE dep AS
SELECT (SELECT id FROM gridgov.departments WHERE code = 'T13-CC') AS cc,
       (SELECT id FROM gridgov.departments WHERE code = 'T13-CG') AS cg;

-- Every notification of this county heard so far, in the order it came.
CREATE TEMP TABLE heard (n bigserial, p jsonb);
CREATE FUNCTION pg_temp.hear(want bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    have bigint;
BEGIN
    FOR i IN 1 .. 600 LOOP
        INSERT INTO heard (p)
        SELECT extra::jsonb FROM dblink_get_notify('listener') WHERE notify_name = 'gridgov_events';
        SELECT pg_catalog.count(*) INTO have FROM heard WHERE p ->> 'county' = '990113';
        EXIT WHEN have >= want;
        PERFORM pg_catalog.pg_sleep(0.05);
    END LOOP;
    RETURN have;
END $$;
-- A query of the writer's, returning one column.
CREATE FUNCTION pg_temp.w(q text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_catalog.count(*) FROM dblink('writer', q) AS t(x text)
$$;
-- The new cases of this run (committed by the writer), by the suffix of their external id.
CREATE FUNCTION pg_temp.case_of(suffix text) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM gridgov.cases WHERE source = 'patrol' AND external_id = (SELECT tag FROM conn) || '-' || suffix
$$;
-- The writer takes in cases a, b, ... (one statement), reported now: their
-- clocks are due after every fixed time the other suites sweep at.
CREATE FUNCTION pg_temp.take_in(suffixes text[]) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_exec('writer', pg_catalog.format($q$
        INSERT INTO gridgov.cases (county, source, external_id, category, title, department_id,
                                   reporter_name, reporter_phone)
        SELECT '990113', 'patrol', %L || '-' || s, 'E0102', '机密标题 ' || s, %s, '张秘密', '13800138000'
        FROM pg_catalog.unnest(%L::text[]) AS u(s)$q$,
        (SELECT tag FROM conn), (SELECT cc FROM dep), suffixes))
$$;

SELECT dblink_exec('listener', 'LISTEN gridgov_events');

-- 1. Intake: one notification per case, with the case's fields.
SELECT pg_temp.take_in(ARRAY['a', 'b', 'c']);
SELECT is(pg_temp.hear(3), 3::bigint, 'the intake of three cases in one statement sends three notifications');
SELECT is((SELECT pg_catalog.count(*) FROM heard h JOIN gridgov.cases c ON c.id = (h.p ->> 'case_id')::bigint
           JOIN gridgov.case_events e ON e.county OPERATOR(gridgov.=) c.county AND e.case_id = c.id AND e.seq = 1
           WHERE h.p - 'at' = pg_catalog.jsonb_build_object(
                     'type', 'case', 'county', '990113', 'case_id', c.id, 'case_no', c.case_no, 'seq', 1,
                     'action', e.action, 'from', NULL, 'to', 'reported', 'department_id', (SELECT cc FROM dep),
                     'grid', NULL)
             AND (h.p ->> 'at')::timestamptz = c.reported_at
             AND c.id IN (pg_temp.case_of('a'), pg_temp.case_of('b'), pg_temp.case_of('c'))),
          3::bigint, 'each names the county, case id and number, seq 1, the intake action, no from, the initial state, the department, no grid and the time');
SELECT is((SELECT pg_catalog.array_agg(DISTINCT h.p ->> 'action') FROM heard h), ARRAY['intake'],
          'the action of an intake event is intake, as the history records it');
SELECT ok((SELECT pg_catalog.bool_and(h.p ->> 'at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$') FROM heard h),
          'the time is ISO 8601 with its offset, as to_json() writes it');

-- 2. A transition through act(): from, to, action, the department after it.
SELECT pg_temp.w(pg_catalog.format($$SELECT gridgov.act(%s, 'file', '立案备注')$$,
                                               pg_temp.case_of('a')));
SELECT pg_temp.w(pg_catalog.format($$SELECT gridgov.dispatch(%s, %s, '派遣备注')$$,
                                               pg_temp.case_of('a'), (SELECT cg FROM dep)));
SELECT is(pg_temp.hear(5), 5::bigint, 'act() sends one notification per action');
SELECT is((SELECT pg_catalog.jsonb_agg(h.p - 'case_no' - 'case_id' - 'at' ORDER BY h.n) FROM heard h
           WHERE (h.p ->> 'case_id')::bigint = pg_temp.case_of('a') AND h.p ->> 'action' <> 'intake'),
          pg_catalog.jsonb_build_array(
              pg_catalog.jsonb_build_object('type', 'case', 'county', '990113', 'seq', 2, 'action', 'file',
                  'from', 'reported', 'to', 'filed', 'department_id', (SELECT cc FROM dep), 'grid', NULL),
              pg_catalog.jsonb_build_object('type', 'case', 'county', '990113', 'seq', 3, 'action', 'dispatch',
                  'from', 'filed', 'to', 'dispatched', 'department_id', (SELECT cg FROM dep), 'grid', NULL)),
          'file and dispatch: seq, action, from and to state, the department holding the case after the change');

-- 3. An edit (a new grid) and a raw UPDATE of the state.
SELECT dblink_exec('writer', pg_catalog.format($$UPDATE gridgov.cases SET grid = '990113001' WHERE id = %s$$,
                                               pg_temp.case_of('b')));
SELECT dblink_exec('writer', pg_catalog.format($$UPDATE gridgov.cases SET state = 'filed' WHERE id = %s$$,
                                               pg_temp.case_of('c')));
SELECT is(pg_temp.hear(7), 7::bigint, 'an edit and a raw UPDATE of the state send one notification each');
SELECT is((SELECT h.p - 'case_no' - 'case_id' - 'at' - 'type' - 'county' FROM heard h
           WHERE (h.p ->> 'case_id')::bigint = pg_temp.case_of('b') AND h.p ->> 'action' = 'edit'),
          pg_catalog.jsonb_build_object('seq', 2, 'action', 'edit', 'from', 'reported', 'to', 'reported',
              'department_id', (SELECT cc FROM dep), 'grid', '990113001'),
          'the edit: action edit, the state kept, the new grid');
SELECT is((SELECT h.p - 'case_no' - 'case_id' - 'at' - 'type' - 'county' FROM heard h
           WHERE (h.p ->> 'case_id')::bigint = pg_temp.case_of('c') AND h.p ->> 'action' <> 'intake'),
          pg_catalog.jsonb_build_object('seq', 2, 'action', 'file', 'from', 'reported', 'to', 'filed',
              'department_id', (SELECT cc FROM dep), 'grid', NULL),
          'the raw UPDATE of the state: the transition it makes');

-- 4. A rolled-back transaction sends nothing, nor a rolled-back savepoint;
-- the committed rest of the transaction is sent.
SELECT dblink_exec('writer', 'BEGIN');
SELECT pg_temp.w(pg_catalog.format($$SELECT gridgov.act(%s, 'reject')$$,
                                               pg_temp.case_of('b')));
SELECT dblink_exec('writer', 'ROLLBACK');
SELECT dblink_exec('writer', 'BEGIN');
SELECT pg_temp.w(pg_catalog.format($$SELECT gridgov.act(%s, 'file')$$,
                                               pg_temp.case_of('b')));
SELECT dblink_exec('writer', 'SAVEPOINT s');
SELECT dblink_exec('writer', pg_catalog.format($$UPDATE gridgov.cases SET title = '机密标题 c2' WHERE id = %s$$,
                                               pg_temp.case_of('c')));
SELECT dblink_exec('writer', 'ROLLBACK TO SAVEPOINT s');
SELECT dblink_exec('writer', 'COMMIT');
SELECT is(pg_temp.hear(8), 8::bigint, 'the committed action of the second transaction is heard');
SELECT is((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(h.p -> 'seq', h.p -> 'action', h.p -> 'to')
                                       ORDER BY h.n)
           FROM heard h WHERE (h.p ->> 'case_id')::bigint = pg_temp.case_of('b') AND (h.p ->> 'seq')::integer > 2),
          '[[3, "file", "filed"]]'::jsonb,
          'the rolled-back action (reject) was never sent, the committed one (file) was');
SELECT is((SELECT pg_catalog.count(*) FROM heard h
           WHERE (h.p ->> 'case_id')::bigint = pg_temp.case_of('c') AND (h.p ->> 'seq')::integer > 2),
          0::bigint, 'the edit of the rolled-back savepoint was never sent');

-- 5. The limit: beyond gridgov.notify_max_per_transaction events, one summary
-- per county and action with the transaction's id; 0 sends none.
SELECT dblink_exec('writer', 'SET gridgov.notify_max_per_transaction = 2');
SELECT pg_temp.take_in(ARRAY['d1', 'd2', 'd3', 'd4', 'd5']);
SELECT dblink_exec('writer', 'SET gridgov.notify_max_per_transaction = 0');
SELECT pg_temp.take_in(ARRAY['e1', 'e2']);
SELECT dblink_exec('writer', 'RESET gridgov.notify_max_per_transaction');
SELECT pg_temp.w(pg_catalog.format($$SELECT gridgov.act(%s, 'file')$$,
                                               pg_temp.case_of('e1')));
SELECT is(pg_temp.hear(12), 12::bigint,
          'with the limit 2, five new cases send two notifications and a summary; with 0, two send none');
CREATE TEMP TABLE d AS
SELECT c.id, e.txid FROM gridgov.cases c JOIN gridgov.case_events e ON e.county OPERATOR(gridgov.=) c.county
    AND e.case_id = c.id AND e.seq = 1
WHERE c.id IN (SELECT pg_temp.case_of('d' || i) FROM pg_catalog.generate_series(1, 5) i);
SELECT is((SELECT pg_catalog.count(*) FROM heard h JOIN d ON d.id = (h.p ->> 'case_id')::bigint
           WHERE h.p ->> 'type' = 'case'), 2::bigint, 'two of the five are sent one by one');
SELECT is((SELECT h.p FROM heard h WHERE h.p ->> 'type' = 'cases'),
          pg_catalog.jsonb_build_object('type', 'cases', 'county', '990113', 'action', 'intake', 'count', 3,
              'first_case_id', (SELECT pg_catalog.min(id) FROM d WHERE id NOT IN (SELECT (p ->> 'case_id')::bigint FROM heard WHERE p ->> 'type' = 'case')),
              'last_case_id', (SELECT pg_catalog.max(id) FROM d WHERE id NOT IN (SELECT (p ->> 'case_id')::bigint FROM heard WHERE p ->> 'type' = 'case')),
              'txid', (SELECT pg_catalog.min(txid) FROM d)),
          'the other three in one summary: county, action, count, the first and last of their case ids, the transaction id of their events');
SELECT is((SELECT pg_catalog.count(*) FROM d WHERE txid = (SELECT (p ->> 'txid')::bigint FROM heard WHERE p ->> 'type' = 'cases')),
          5::bigint, 'the summary''s txid finds the events in gridgov.case_events');
SELECT is((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(h.p -> 'seq', h.p -> 'action') ORDER BY h.n)
           FROM heard h WHERE (h.p ->> 'case_id')::bigint IN (pg_temp.case_of('e1'), pg_temp.case_of('e2'))),
          '[[2, "file"]]'::jsonb, 'with the limit 0 the intake sent nothing; the next transaction sends again');

-- Savepoints: events of a rolled-back one are neither sent nor counted; a
-- released one's are (here counted in the summary, beyond the limit 1).
SELECT dblink_exec('writer', 'BEGIN');
SELECT dblink_exec('writer', 'SET LOCAL gridgov.notify_max_per_transaction = 1');
SELECT pg_temp.take_in(ARRAY['f1']);
SELECT dblink_exec('writer', 'SAVEPOINT s1');
SELECT pg_temp.take_in(ARRAY['f2', 'f3']);
SELECT dblink_exec('writer', 'ROLLBACK TO SAVEPOINT s1');
SELECT dblink_exec('writer', 'SAVEPOINT s2');
SELECT pg_temp.take_in(ARRAY['f4', 'f5']);
SELECT dblink_exec('writer', 'RELEASE SAVEPOINT s2');
SELECT dblink_exec('writer', 'COMMIT');
SELECT is(pg_temp.hear(14), 14::bigint, 'the transaction with savepoints sends one notification and one summary');
SELECT is((SELECT pg_catalog.jsonb_agg(CASE WHEN h.p ->> 'type' = 'case' THEN (h.p ->> 'case_id')::bigint = pg_temp.case_of('f1')
                                            ELSE h.p - 'txid' = pg_catalog.jsonb_build_object('type', 'cases', 'county', '990113',
                                                     'action', 'intake', 'count', 2, 'first_case_id', pg_temp.case_of('f4'),
                                                     'last_case_id', pg_temp.case_of('f5')) END ORDER BY h.n)
           FROM heard h WHERE h.n > (SELECT pg_catalog.max(n) FROM heard) - 2),
          '[true, true]'::jsonb,
          'f1 one by one; the summary counts f4 and f5 of the released savepoint, not f2 and f3 of the rolled-back one');

-- A case number given at intake too long for a notification (as JSON) is left out.
SELECT dblink_exec('writer', pg_catalog.format($$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, department_id, case_no)
    VALUES ('990113', 'patrol', %L, 'E0102', '机密标题 g', %s, pg_catalog.repeat(pg_catalog.chr(1), 2000))$$,
    (SELECT tag FROM conn) || '-g', (SELECT cc FROM dep)));
SELECT is(pg_temp.hear(15), 15::bigint, 'a case with a long number is notified');
SELECT is((SELECT pg_catalog.jsonb_build_array(h.p -> 'case_no', h.p -> 'action') FROM heard h
           WHERE (h.p ->> 'case_id')::bigint = pg_temp.case_of('g')),
          '[null, "intake"]'::jsonb, 'its case_no is null: as JSON it would not fit in a notification');

-- 6. What a payload holds: exactly the documented fields, no texts of the case.
SELECT is((SELECT pg_catalog.count(*) FROM heard h
           WHERE h.p ->> 'type' = 'case'
             AND (SELECT pg_catalog.array_agg(k ORDER BY k) FROM pg_catalog.jsonb_object_keys(h.p) k)
                 <> ARRAY['action', 'at', 'case_id', 'case_no', 'county', 'department_id', 'from', 'grid', 'seq',
                          'to', 'type']),
          0::bigint, 'every case notification has exactly the documented fields');
SELECT is((SELECT pg_catalog.count(*) FROM heard h
           JOIN gridgov.case_events e ON e.county OPERATOR(gridgov.=) '990113'
                AND e.case_id = (h.p ->> 'case_id')::bigint AND e.seq = (h.p ->> 'seq')::integer
           JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) e.county AND c.id = e.case_id
           WHERE h.p ->> 'type' = 'case' AND (h.p ->> 'case_no' = c.case_no OR c.id = pg_temp.case_of('g'))
             AND h.p ->> 'action' = e.action
             AND (h.p ->> 'from') IS NOT DISTINCT FROM e.from_state AND (h.p ->> 'to') IS NOT DISTINCT FROM e.to_state
             AND (h.p ->> 'at')::timestamptz = e.at),
          (SELECT pg_catalog.count(*) FROM heard h WHERE h.p ->> 'type' = 'case'),
          'every case notification is an event of the history: its number, action, states and time');
SELECT is((SELECT pg_catalog.count(*) FROM heard h
           WHERE h.p::text ~ '机密|秘密|13800138000|备注'),
          0::bigint, 'no notification carries a title, note, contact name or phone');

SELECT dblink_disconnect(c) FROM pg_catalog.unnest(ARRAY['writer', 'listener']) c;
SELECT * FROM finish();
ROLLBACK;

-- Two compatible changes of one case from overlapping transactions both apply
-- (issue 10, item 5; docs/cases.md, Concurrent actions), with two real
-- sessions (dblink connections ce_a and ce_b to this database):
--   (a) A begins first; B edits the title and commits; A's own edit then
--       applies, recorded at B's event time (an event without an explicit
--       time is recorded at the later of the transaction's start and the
--       case's latest event);
--   (b) A begins first; B edits and holds the row; A's edit of another column
--       waits for B, then applies after it;
--   (c) the same through act() without a time: A's suspend after B's
--       committed extend;
--   (d) an explicit time earlier than the latest event still fails (GG111).
-- Each time both changes are in the history, chained, and verify_history is
-- clean.  The sessions share committed cases (cases can never be deleted), in
-- their own county, 540103, under external ids tagged with this run; the
-- fixture is one committed district command center.  Every wait is bounded:
-- the sessions run with statement_timeout, and a blocked session is polled for
-- at most 20 s.
BEGIN;
SELECT plan(16);
SET LOCAL statement_timeout = '120s';

CREATE TEMP TABLE ce AS
SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
           pg_catalog.current_setting('port'),
           pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS conn,
       'ce' || pg_catalog.to_char(pg_catalog.clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag;
CREATE TEMP TABLE pids (name text PRIMARY KEY, pid integer);

CREATE FUNCTION pg_temp.ce_open(name text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dblink_connect(name, (SELECT conn FROM ce));
    PERFORM dblink_exec(name, 'SET statement_timeout = ''30s''');
    PERFORM dblink_exec(name, 'SET search_path = public, gridgov');
    RETURN (SELECT pid FROM dblink(name, 'SELECT pg_catalog.pg_backend_pid()') AS t(pid integer));
END $$;
-- Wait (at most 20 s) until session `waiter` is blocked by session `holder`.
CREATE FUNCTION pg_temp.ce_blocked(waiter text, holder text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    w integer := (SELECT pid FROM pids WHERE name = waiter);
    h integer := (SELECT pid FROM pids WHERE name = holder);
    deadline timestamptz := pg_catalog.clock_timestamp() + interval '20 seconds';
BEGIN
    LOOP
        IF h = ANY (pg_catalog.pg_blocking_pids(w)) THEN
            RETURN true;
        END IF;
        EXIT WHEN pg_catalog.clock_timestamp() > deadline;
        PERFORM pg_catalog.pg_sleep(0.01);
    END LOOP;
    RETURN false;
END $$;
-- The one-column result of a query sent to a session, or the SQLSTATE it failed with.
CREATE FUNCTION pg_temp.ce_result(name text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT r FROM dblink_get_result(name) AS t(r text));
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE;
END $$;
-- After dblink_get_result: consume the end of the result stream.
CREATE FUNCTION pg_temp.ce_drain(name text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_catalog.count(*) FROM dblink_get_result(name) AS t(x text)
$$;
-- A new case, committed by session ce_b: a grid_event case (E0102) in 540103.
CREATE FUNCTION pg_temp.ce_case(label text) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM dblink('ce_b', pg_catalog.format(
        'INSERT INTO gridgov.cases (source, external_id, category, title, grid) '
        'VALUES (''patrol'', %L, ''E0102'', %L, ''540103001'') RETURNING id',
        (SELECT tag FROM ce) || '-' || label, '并发编辑 ' || label)) AS t(id bigint)
$$;
-- The history of a case after intake as "seq:action:payload" steps.
CREATE FUNCTION pg_temp.ce_history(case_id bigint) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s:%s', e.seq, e.action, e.payload), ' ' ORDER BY e.seq)
    FROM gridgov.case_events e
    WHERE e.county OPERATOR(gridgov.=) '540103' AND e.case_id = ce_history.case_id AND e.seq > 1
$$;
-- Event `seq` of a case: its time, and whether its prev_hash is the previous event's hash.
CREATE FUNCTION pg_temp.ce_event_at(case_id bigint, seq integer) RETURNS timestamptz LANGUAGE sql AS $$
    SELECT e.at FROM gridgov.case_events e
    WHERE e.county OPERATOR(gridgov.=) '540103' AND e.case_id = ce_event_at.case_id AND e.seq = ce_event_at.seq
$$;
CREATE FUNCTION pg_temp.ce_chained(case_id bigint) RETURNS boolean LANGUAGE sql AS $$
    SELECT pg_catalog.bool_and(e.prev_hash = p.hash)
    FROM gridgov.case_events e JOIN gridgov.case_events p
      ON p.county OPERATOR(gridgov.=) e.county AND p.case_id = e.case_id AND p.seq = e.seq - 1
    WHERE e.county OPERATOR(gridgov.=) '540103' AND e.case_id = ce_chained.case_id
$$;

INSERT INTO pids SELECT n, pg_temp.ce_open(n) FROM (VALUES ('ce_a'), ('ce_b')) v(n);
SELECT dblink_exec('ce_b', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT 'ce-540103', '堆龙德庆区网格化服务管理中心（并发测试）', 'district', '540103', 'command_center'
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments WHERE kind = 'command_center' AND active
                      AND jurisdiction OPERATOR(gridgov.=) '540103')$$);
CREATE TEMP TABLE k (label text PRIMARY KEY, id bigint);
INSERT INTO k SELECT l, pg_temp.ce_case(l) FROM (VALUES ('a'), ('b'), ('c'), ('d')) v(l);
CREATE TEMP TABLE started (label text PRIMARY KEY, at timestamptz);

-- (a) A begins first, B edits and commits, then A edits -------------------------
SELECT dblink_exec('ce_a', 'BEGIN');
INSERT INTO started SELECT 'a', t FROM dblink('ce_a', 'SELECT pg_catalog.now()') AS x(t timestamptz);
SELECT dblink_exec('ce_b', pg_catalog.format('UPDATE gridgov.cases SET title = ''B'' WHERE id = %s', (SELECT id FROM k WHERE label = 'a')));
SELECT lives_ok(pg_catalog.format($$SELECT dblink_exec('ce_a', 'UPDATE gridgov.cases SET title = ''A'' WHERE id = %s')$$,
                                  (SELECT id FROM k WHERE label = 'a')),
    '(a) A''s edit, in a transaction that began before B''s committed edit, applies');
SELECT dblink_exec('ce_a', 'COMMIT');
SELECT is((SELECT title FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '540103' AND id = (SELECT id FROM k WHERE label = 'a')),
    'A', '(a) the title is A''s, the later change');
SELECT is(pg_temp.ce_history((SELECT id FROM k WHERE label = 'a')),
    '2:edit:{"changed": ["title"]} 3:edit:{"changed": ["title"]}', '(a) both edits are in the history, B''s first');
SELECT ok(pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'a'), 3) = pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'a'), 2)
          AND pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'a'), 3) >= (SELECT at FROM started WHERE label = 'a'),
    '(a) A''s event is recorded at B''s event time, not before it (A''s transaction began earlier)');
SELECT ok(pg_temp.ce_chained((SELECT id FROM k WHERE label = 'a')), '(a) each event is chained to the one before');
SELECT is_empty(pg_catalog.format('SELECT * FROM gridgov.verify_history(%s)', (SELECT id FROM k WHERE label = 'a')),
    '(a) verify_history is clean');

-- (b) A begins first, B edits and holds the row, A's edit waits -------------------
SELECT dblink_exec('ce_a', 'BEGIN');
SELECT * FROM dblink('ce_a', 'SELECT pg_catalog.now()') AS x(t timestamptz);
SELECT dblink_exec('ce_b', 'BEGIN');
SELECT dblink_exec('ce_b', pg_catalog.format('UPDATE gridgov.cases SET title = ''B 标题'' WHERE id = %s', (SELECT id FROM k WHERE label = 'b')));
SELECT dblink_send_query('ce_a', pg_catalog.format(
    'UPDATE gridgov.cases SET description = ''A 的描述'' WHERE id = %s RETURNING title', (SELECT id FROM k WHERE label = 'b')));
SELECT ok(pg_temp.ce_blocked('ce_a', 'ce_b'), '(b) A''s edit of the description waits for B''s uncommitted title edit');
SELECT dblink_exec('ce_b', 'COMMIT');
SELECT is(pg_temp.ce_result('ce_a'), 'B 标题', '(b) once B commits, A''s edit applies to the row B left');
SELECT pg_temp.ce_drain('ce_a');
SELECT dblink_exec('ce_a', 'COMMIT');
SELECT is((SELECT pg_catalog.format('%s / %s', title, description) FROM gridgov.cases
           WHERE county OPERATOR(gridgov.=) '540103' AND id = (SELECT id FROM k WHERE label = 'b')),
    'B 标题 / A 的描述', '(b) both edits hold');
SELECT is(pg_temp.ce_history((SELECT id FROM k WHERE label = 'b')),
    '2:edit:{"changed": ["title"]} 3:edit:{"changed": ["description"]}', '(b) both edits are in the history, in commit order');
SELECT ok(pg_temp.ce_chained((SELECT id FROM k WHERE label = 'b'))
          AND pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'b'), 3) >= pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'b'), 2),
    '(b) chained, and A''s event is not earlier than B''s');

-- (c) act() without a time: A's suspend after B's committed extend -----------------
SELECT dblink_exec('ce_a', 'BEGIN');
SELECT * FROM dblink('ce_a', 'SELECT pg_catalog.now()') AS x(t timestamptz);
SELECT * FROM dblink('ce_b', pg_catalog.format(
    'SELECT (gridgov.act(%s, ''extend'', ''B 延期'', ''{"stage": "file", "amount": 5}'')).extensions',
    (SELECT id FROM k WHERE label = 'c'))) AS t(n integer);
SELECT lives_ok(pg_catalog.format($$SELECT * FROM dblink('ce_a', 'SELECT (gridgov.act(%s, ''suspend'', ''A 挂账'')).suspensions') AS t(n integer)$$,
                                  (SELECT id FROM k WHERE label = 'c')),
    '(c) act() without a time in a transaction that began before B''s committed action applies');
SELECT dblink_exec('ce_a', 'COMMIT');
SELECT is((SELECT pg_catalog.format('extensions %s, suspensions %s, %s', extensions, suspensions, pg_temp.ce_history(id))
           FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '540103' AND id = (SELECT id FROM k WHERE label = 'c')),
    'extensions 1, suspensions 1, 2:extend:{"stage": "file", "amount": 5} 3:suspend:{}',
    '(c) both actions applied, in commit order');
SELECT ok(pg_temp.ce_chained((SELECT id FROM k WHERE label = 'c'))
          AND pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'c'), 3) = pg_temp.ce_event_at((SELECT id FROM k WHERE label = 'c'), 2)
          AND (SELECT pg_catalog.count(*) = 0 FROM gridgov.verify_history((SELECT id FROM k WHERE label = 'c'))),
    '(c) chained, A''s event at B''s time, verify_history clean');

-- (d) an explicit time before the latest event still fails ------------------------
SELECT dblink_exec('ce_a', 'BEGIN');
SELECT * FROM dblink('ce_a', 'SELECT pg_catalog.now()') AS x(t timestamptz);
SELECT dblink_exec('ce_b', pg_catalog.format('UPDATE gridgov.cases SET title = ''B 改'' WHERE id = %s', (SELECT id FROM k WHERE label = 'd')));
SELECT throws_ok(pg_catalog.format($$SELECT * FROM dblink('ce_a', 'SELECT (gridgov.act(%s, ''suspend'', NULL, ''{}'', pg_catalog.now())).id') AS t(id bigint)$$,
                                   (SELECT id FROM k WHERE label = 'd')),
    'GG111', NULL, '(d) act() at A''s transaction start, before B''s committed edit, fails with GG111');
SELECT dblink_exec('ce_a', 'ROLLBACK');
SELECT is(pg_temp.ce_history((SELECT id FROM k WHERE label = 'd')), '2:edit:{"changed": ["title"]}',
    '(d) only B''s edit is in the history');

SELECT dblink_disconnect('ce_a'), dblink_disconnect('ce_b');
SELECT * FROM finish();
ROLLBACK;

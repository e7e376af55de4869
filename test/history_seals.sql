-- History invariants and the daily seal (docs/cases.md, Audit trail).
--   (a) two real sessions (dblink hs_a, hs_b): two concurrent seals of one day
--       give one seal; a change uncommitted while a seal is taken is not in
--       it and is in the next one; a REPEATABLE READ sealer that lost the race
--       fails instead of forking the chain;
--   (b) the canonical bytes, recomputed with plain sha256 from the text of
--       the documentation;
--   (c) idempotence and the order of days (GG113);
--   (d) tampering as the table owner (triggers bypassed with
--       session_replication_role = replica): deleting a case's last event and
--       resetting the case, deleting all its events, rewriting event 1,
--       rewriting seal rows;
--   (e) append-only seal tables, the nightly job, the grants.
-- Seals and the fixture of (a) are committed, in the test's own county 990104
-- under external ids tagged with this run, on days 40 to 38 days ago: this
-- test's own transaction takes no lock the sessions need until they are done
-- (its own seals, later days, roll back).  Every wait is bounded: the sessions
-- run with statement_timeout and the test polls for a blocked session for at
-- most 20 seconds.
BEGIN;
SELECT plan(49);
SET LOCAL statement_timeout = '180s';

CREATE TEMP TABLE hs AS
SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
           pg_catalog.current_setting('port'),
           pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS conn,
       'hs' || pg_catalog.to_char(pg_catalog.clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag,
       gridgov.local_day(pg_catalog.now()) - 40 AS d0,
       gridgov.local_day(pg_catalog.now()) AS today;

CREATE FUNCTION pg_temp.hs_open(name text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dblink_connect(name, (SELECT conn FROM hs));
    PERFORM dblink_exec(name, 'SET statement_timeout = ''30s''');
    PERFORM dblink_exec(name, 'SET search_path = public, gridgov');
    RETURN (SELECT pid FROM dblink(name, 'SELECT pg_catalog.pg_backend_pid()') AS t(pid integer));
END $$;
CREATE TEMP TABLE pids (name text PRIMARY KEY, pid integer);
INSERT INTO pids SELECT n, pg_temp.hs_open(n) FROM (VALUES ('hs_a'), ('hs_b')) v(n);
-- Wait (at most 20 s) until session `waiter` is blocked by session `holder`.
CREATE FUNCTION pg_temp.hs_blocked(waiter text, holder text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    w integer := (SELECT pid FROM pids WHERE name = waiter);
    h integer := (SELECT pid FROM pids WHERE name = holder);
BEGIN
    FOR i IN 1 .. 2000 LOOP
        IF h = ANY (pg_catalog.pg_blocking_pids(w)) THEN
            RETURN true;
        END IF;
        PERFORM pg_catalog.pg_sleep(0.01);
    END LOOP;
    RETURN false;
END $$;
CREATE FUNCTION pg_temp.hs_drain(name text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_catalog.count(*) FROM dblink_get_result(name) AS t(x text)
$$;
-- A seal taken by a session: "day heads hash".
CREATE FUNCTION pg_temp.hs_seal(session text, day date) RETURNS text LANGUAGE sql AS $$
    SELECT s FROM dblink(session, pg_catalog.format(
        'SELECT pg_catalog.format(''%%s %%s %%s'', day, heads, pg_catalog.encode(hash, ''hex'')) FROM gridgov.seal_history(%L)', day))
        AS t(s text)
$$;
CREATE FUNCTION pg_temp.head_day(label text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.string_agg(pg_catalog.format('%s@%s', h.seq, h.day - (SELECT d0 FROM hs)), ' ' ORDER BY h.seq)
    FROM gridgov.history_seal_heads h JOIN gridgov.cases c ON c.county = h.county AND c.id = h.case_id
    WHERE c.external_id = (SELECT tag FROM hs) || '-' || label
$$;

SELECT is((SELECT pg_catalog.count(*) FROM gridgov.history_seals WHERE day >= (SELECT d0 FROM hs)), 0::bigint,
          'no seal of the last 40 days exists yet');

-- The committed fixture: the command center of 990104 and three cases.
SELECT dblink_exec('hs_a', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT 'hs-990104', '测试区指挥中心（封存测试）', 'district', '990104', 'command_center'
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments WHERE code = 'hs-990104')$$);
SELECT dblink_exec('hs_a', pg_catalog.format($$
    INSERT INTO gridgov.cases (source, external_id, category, title, grid, reported_at)
    SELECT 'patrol', %L || '-' || i, 'E0102', '封存测试 ' || i, '990104001', %L::date - 10
    FROM pg_catalog.generate_series(1, 3) i$$, (SELECT tag FROM hs), (SELECT d0 FROM hs)));

-- (a) Two concurrent seals of one day: the second waits, then returns the first's.
SELECT dblink_exec('hs_a', 'BEGIN');
CREATE TEMP TABLE first_seal AS SELECT pg_temp.hs_seal('hs_a', (SELECT d0 FROM hs)) AS s;
SELECT dblink_send_query('hs_b', pg_catalog.format('SELECT pg_catalog.format(''%%s %%s %%s'', day, heads, pg_catalog.encode(hash, ''hex'')) FROM gridgov.seal_history(%L)', (SELECT d0 FROM hs)));
SELECT ok(pg_temp.hs_blocked('hs_b', 'hs_a'), '(a) a second seal_history waits for the first one''s transaction');
SELECT dblink_exec('hs_a', 'COMMIT');
SELECT is((SELECT s FROM dblink_get_result('hs_b') AS t(s text)), (SELECT s FROM first_seal),
          '(a) then it returns the seal the first one took');
SELECT pg_temp.hs_drain('hs_b');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.history_seals WHERE day = (SELECT d0 FROM hs)), 1::bigint,
          '(a) one seal of the day');
SELECT is((SELECT heads FROM gridgov.history_seals WHERE day = (SELECT d0 FROM hs)),
          (SELECT pg_catalog.count(*) FROM gridgov.history_seal_heads WHERE day = (SELECT d0 FROM hs)),
          '(a) its heads are recorded once');
SELECT is(pg_temp.head_day('1') || ' ' || pg_temp.head_day('2') || ' ' || pg_temp.head_day('3'), '1@0 1@0 1@0',
          '(a) the first seal covers each new case with its intake event');

-- (a) A change in flight while a seal is taken is left to the next seal.
SELECT dblink_exec('hs_a', 'BEGIN');
SELECT * FROM dblink('hs_a', pg_catalog.format(
    'SELECT (gridgov.act(id, ''file'', NULL, ''{}'', %L::date - 5)).events FROM gridgov.cases WHERE external_id = %L',
    (SELECT d0 FROM hs), (SELECT tag FROM hs) || '-1')) AS t(n integer);
SELECT is(pg_catalog.split_part(pg_temp.hs_seal('hs_b', (SELECT d0 FROM hs) + 1), ' ', 1)::date, (SELECT d0 FROM hs) + 1,
          '(a) a seal does not wait for a change of a case in flight');
SELECT dblink_exec('hs_a', 'COMMIT');
SELECT is(pg_temp.head_day('1'), '1@0', '(a) the uncommitted change is not in that seal');

-- (a) A REPEATABLE READ sealer that waited for another cannot fork the chain.
SELECT dblink_exec('hs_a', 'BEGIN');
SELECT pg_temp.hs_seal('hs_a', (SELECT d0 FROM hs) + 2);
SELECT dblink_exec('hs_b', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('hs_b', 'SELECT pg_catalog.count(*) FROM gridgov.history_seals') AS t(n bigint);
SELECT dblink_send_query('hs_b', pg_catalog.format('SELECT day FROM gridgov.seal_history(%L)', (SELECT d0 FROM hs) + 3));
SELECT ok(pg_temp.hs_blocked('hs_b', 'hs_a'), '(a) a REPEATABLE READ seal_history waits for the first one');
SELECT dblink_exec('hs_a', 'COMMIT');
SELECT throws_ok($$SELECT * FROM dblink_get_result('hs_b') AS t(d date)$$, '23505', NULL,
                 '(a) then fails with a unique violation instead of sealing on an older snapshot');
SELECT pg_temp.hs_drain('hs_b');
SELECT dblink_exec('hs_b', 'ROLLBACK');
SELECT is(pg_temp.head_day('1'), '1@0 2@2',
          '(a) the next seal covers the change, though the event is dated before the earlier seals');
SELECT is_empty($$SELECT * FROM gridgov.verify_seals() WHERE day >= (SELECT d0 FROM hs)$$,
                '(a) verify_seals finds the committed seals intact');
SELECT dblink_disconnect(name) FROM pids;

-- (b) The canonical bytes, from the documentation: a field is a 4-byte
-- big-endian length and its bytes.
CREATE FUNCTION pg_temp.f(b bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT pg_catalog.int4send(pg_catalog.length(b)) || b $$;
CREATE FUNCTION pg_temp.f(t text) RETURNS bytea LANGUAGE sql AS $$ SELECT pg_temp.f(pg_catalog.convert_to(t, 'UTF8')) $$;
CREATE TEMP TABLE sample (n integer, county gridgov.gridcode, case_id bigint, seq integer, hash bytea);
INSERT INTO sample VALUES (1, '110115', 7, 3, pg_catalog.sha256('a')), (2, '110115', 12, 1, pg_catalog.sha256('b')),
                          (3, '990104', 2, 10, pg_catalog.sha256('c'));
CREATE TEMP TABLE spec AS
WITH RECURSIVE chain(n, c) AS (
    SELECT 0, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex')
    UNION ALL
    SELECT s.n, pg_catalog.sha256(chain.c || pg_temp.f(s.county::text) || pg_temp.f(s.case_id::text)
                                  || pg_temp.f(s.seq::text) || pg_temp.f(s.hash))
    FROM chain JOIN sample s ON s.n = chain.n + 1
)
SELECT (SELECT c FROM chain ORDER BY n DESC LIMIT 1) AS digest;
SELECT is((SELECT gridgov.seal_heads_digest(county, case_id, seq, hash ORDER BY county, case_id, seq)
           FROM (SELECT * FROM sample ORDER BY n DESC) s),
          (SELECT digest FROM spec), '(b) seal_heads_digest is the documented chain over the heads in key order');
SELECT is(gridgov.seal_hash('2026-12-05', pg_catalog.sha256('p'), 3, (SELECT digest FROM spec)),
          pg_catalog.sha256('gridgov-seal-v1'::bytea || pg_temp.f('2026-12-05') || pg_temp.f(pg_catalog.sha256('p'))
                            || pg_temp.f('3') || pg_temp.f((SELECT digest FROM spec))),
          '(b) seal_hash is sha256 of the tag, the day, prev, the number of heads and the digest');
-- The event hash, from the documentation (audit.c writes its fields with the
-- same helper as the seals): sha256(prev || tag || fields), the time as
-- microseconds since 2000-01-01 UTC, NULL as the length 0xFFFFFFFF.
SELECT is(gridgov.event_hash(pg_catalog.sha256('p'), '110115', 7, 3, '2026-12-05 09:30:00.123456+08', 'clerk', NULL,
                             'file', 'reported', 'filed', NULL, '{"b": 1, "a": [true, "网格"]}'),
          pg_catalog.sha256(pg_catalog.sha256('p') || 'gridgov-event-v1'::bytea || pg_temp.f('110115') || pg_temp.f('7')
                            || pg_temp.f('3') || pg_temp.f('849749400123456') || pg_temp.f('clerk') || '\xffffffff'::bytea
                            || pg_temp.f('file') || pg_temp.f('reported') || pg_temp.f('filed') || '\xffffffff'::bytea
                            || pg_temp.f('{"a": [true, "网格"], "b": 1}')),
          '(b) event_hash is sha256 of prev, the tag and the length-prefixed fields, NULL as 0xFFFFFFFF');
SELECT is((SELECT gridgov.seal_heads_digest(county, case_id, seq, hash) FROM sample WHERE false),
          pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'), '(b) no heads: 32 zero bytes');
SELECT throws_ok($$SELECT gridgov.seal_heads_digest(county, case_id, seq, hash ORDER BY n DESC) FROM sample$$,
                 '22023', 'sealed heads must be given in key order, each once', '(b) heads out of key order are refused');
SELECT is((SELECT hash FROM gridgov.history_seals WHERE day = (SELECT d0 FROM hs) + 1),
          (SELECT gridgov.seal_hash(s.day, s.prev_hash, s.heads,
                                    (SELECT gridgov.seal_heads_digest(county, case_id, seq, hash ORDER BY county, case_id, seq)
                                     FROM gridgov.history_seal_heads h WHERE h.day = s.day))
           FROM gridgov.history_seals s WHERE s.day = (SELECT d0 FROM hs) + 1),
          '(b) a stored seal is its recomputation');

-- (c) Idempotence and the order of days.
SELECT is((SELECT pg_catalog.format('%s %s %s', day, heads, pg_catalog.encode(hash, 'hex'))
           FROM gridgov.seal_history((SELECT d0 FROM hs))), (SELECT s FROM first_seal),
          '(c) sealing a sealed day returns its seal');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.history_seals WHERE day >= (SELECT d0 FROM hs)), 3::bigint,
          '(c) and adds nothing');
SELECT throws_ok(pg_catalog.format('SELECT gridgov.seal_history(%L)', (SELECT d0 FROM hs) - 2), 'GG113', NULL,
                 '(c) a day before the last sealed one is refused (GG113)');
SELECT throws_ok(pg_catalog.format('SELECT gridgov.seal_history(%L)', (SELECT today FROM hs) + 1), 'GG113', NULL,
                 '(c) a day after today is refused (GG113)');
SELECT throws_ok('SELECT gridgov.seal_history(NULL)', '22004', NULL, '(c) NULL is refused');
SELECT matches(gridgov.seal_line((SELECT d0 FROM hs) + 2),
               '^gridgov-seal v1 \d{4}-\d{2}-\d{2} heads=[0-9]+ prev=[0-9a-f]{64} hash=[0-9a-f]{64}$',
               '(c) seal_line gives one line');
SELECT ok(gridgov.verify_seal_line(gridgov.seal_line((SELECT d0 FROM hs) + 2)), '(c) which verifies');
SELECT ok(NOT gridgov.verify_seal_line(pg_catalog.replace(gridgov.seal_line((SELECT d0 FROM hs) + 2), 'heads=', 'heads=1')),
          '(c) a line with another number of heads does not');
SELECT throws_ok($$SELECT gridgov.verify_seal_line('gridgov-seal v2 2026-12-05')$$, '22P02', NULL,
                 '(c) a line that is not a seal line is an error');
SELECT is(gridgov.seal_line((SELECT d0 FROM hs) - 1), NULL, '(c) an unsealed day has no line');

-- (d) Tampering as the table owner.  New cases in this transaction, walked a little, and sealed.
INSERT INTO gridgov.cases (source, external_id, category, title, grid, reported_at)
SELECT 'patrol', (SELECT tag FROM hs) || '-t' || i, 'E0102', '篡改测试 ' || i, '990104001', (SELECT d0 FROM hs)
FROM pg_catalog.generate_series(1, 4) i;
CREATE TEMP TABLE t AS SELECT pg_catalog.substr(external_id, pg_catalog.length((SELECT tag FROM hs)) + 2) AS label, id
FROM gridgov.cases WHERE external_id LIKE (SELECT tag FROM hs) || '-t%';
SELECT pg_catalog.count(gridgov.dispatch((gridgov.act(id, 'file', NULL, '{}', (SELECT d0 FROM hs) + 1)).id,
                                         NULL, NULL, (SELECT d0 FROM hs) + 1))
FROM t WHERE label IN ('t1', 't2');
SELECT is((SELECT heads FROM gridgov.seal_history((SELECT d0 FROM hs) + 4)), 4::bigint,
          '(d) the next seal covers the four new cases and nothing else');
CREATE TEMP TABLE kept AS SELECT gridgov.seal_line((SELECT d0 FROM hs) + 4) AS line;
SELECT is_empty($$SELECT * FROM gridgov.verify_histories('990104', ARRAY(SELECT id FROM t))$$,
                '(d) before tampering the histories are intact');

SET LOCAL session_replication_role = replica;
-- t1: its last event (dispatch) deleted, events and history_hash reset.
DELETE FROM gridgov.case_events WHERE case_id = (SELECT id FROM t WHERE label = 't1') AND seq = 3;
UPDATE gridgov.cases SET events = 2,
       history_hash = (SELECT hash FROM gridgov.case_events WHERE case_id = (SELECT id FROM t WHERE label = 't1') AND seq = 2)
WHERE id = (SELECT id FROM t WHERE label = 't1');
-- t2: the same, and the case's state put back as well.
DELETE FROM gridgov.case_events WHERE case_id = (SELECT id FROM t WHERE label = 't2') AND seq = 3;
UPDATE gridgov.cases SET events = 2, state = 'filed', dispatches = 0,
       history_hash = (SELECT hash FROM gridgov.case_events WHERE case_id = (SELECT id FROM t WHERE label = 't2') AND seq = 2)
WHERE id = (SELECT id FROM t WHERE label = 't2');
-- t3: every event deleted.
DELETE FROM gridgov.case_events WHERE case_id = (SELECT id FROM t WHERE label = 't3');
UPDATE gridgov.cases SET events = 0, history_hash = NULL WHERE id = (SELECT id FROM t WHERE label = 't3');
-- t4: event 1 rewritten as an edit, with a consistent hash.
UPDATE gridgov.case_events e SET action = 'edit',
       hash = gridgov.event_hash(e.prev_hash, e.county, e.case_id, e.seq, e.at, e.actor_role, e.actor_staff_id,
                                 'edit', e.from_state, e.to_state, e.note, e.payload)
WHERE case_id = (SELECT id FROM t WHERE label = 't4');
SET LOCAL session_replication_role = origin;

CREATE TEMP TABLE vh AS
SELECT t.label, v.seq, v.problem FROM gridgov.verify_histories('990104', ARRAY(SELECT id FROM t)) v JOIN t ON t.id = v.case_id;
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', seq, problem), ' ' ORDER BY seq, problem) FROM vh WHERE label = 't1'),
          '2:state_mismatch', '(d) last event deleted, case reset: verify_histories reports state_mismatch');
SELECT is((SELECT pg_catalog.count(*) FROM vh WHERE label = 't2'), 0::bigint,
          '(d) with the state put back too, the chain alone shows nothing');
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', seq, problem), ' ' ORDER BY seq, problem) FROM vh WHERE label = 't3'),
          '1:intake_missing', '(d) all events deleted: intake_missing');
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', seq, problem), ' ' ORDER BY seq, problem) FROM vh WHERE label = 't4'),
          '1:intake_missing', '(d) event 1 is not the intake: intake_missing');

CREATE TEMP TABLE vs AS
SELECT t.label, v.seq, v.problem, v.day - (SELECT d0 FROM hs) AS day FROM gridgov.verify_seals() v JOIN t ON t.id = v.case_id;
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s:%s:%s', label, seq, problem, day), ' ' ORDER BY label) FROM vs),
          't1:3:sealed_head_missing:4 t2:3:sealed_head_missing:4 t3:1:sealed_head_missing:4 t4:1:sealed_head_differs:4',
          '(d) verify_seals reports every sealed head that is gone or changed, t2 included');
SELECT is_empty($$SELECT * FROM gridgov.verify_seals() WHERE case_id IS NULL$$, '(d) the seals themselves are intact');

-- Rewriting the seal: first carelessly, then consistently (the last seal
-- recomputed without t2's head): only the line kept outside notices the latter.
SET LOCAL session_replication_role = replica;
UPDATE gridgov.history_seals SET hash = pg_catalog.sha256('forged') WHERE day = (SELECT d0 FROM hs) + 4;
SET LOCAL session_replication_role = origin;
SELECT is((SELECT pg_catalog.string_agg(problem, ' ') FROM gridgov.verify_seals() WHERE case_id IS NULL), 'seal_mismatch',
          '(d) a forged seal hash: seal_mismatch');
SELECT ok(NOT gridgov.verify_seal_line((SELECT line FROM kept)), '(d) and the kept line no longer verifies');
SET LOCAL session_replication_role = replica;
DELETE FROM gridgov.history_seal_heads WHERE case_id = (SELECT id FROM t WHERE label = 't2');
UPDATE gridgov.history_seals s SET heads = 3,
       hash = gridgov.seal_hash(s.day, s.prev_hash, 3,
                                (SELECT gridgov.seal_heads_digest(county, case_id, seq, hash ORDER BY county, case_id, seq)
                                 FROM gridgov.history_seal_heads h WHERE h.day = s.day))
WHERE day = (SELECT d0 FROM hs) + 4;
SET LOCAL session_replication_role = origin;
SELECT is_empty($$SELECT * FROM gridgov.verify_seals() WHERE case_id IS NULL OR case_id = (SELECT id FROM t WHERE label = 't2')$$,
                '(d) a consistent rewrite of the last seal passes verify_seals');
SELECT ok(NOT gridgov.verify_seal_line((SELECT line FROM kept)), '(d) but not the line kept outside');
SELECT ok(gridgov.verify_seal_line(gridgov.seal_line((SELECT d0 FROM hs) + 2)), '(d) earlier lines still verify');

-- (e) Append-only, the nightly job, grants.
SELECT throws_ok('UPDATE gridgov.history_seals SET heads = heads', 'GG106', NULL, '(e) history_seals refuses UPDATE');
SELECT throws_ok('DELETE FROM gridgov.history_seal_heads', 'GG106', NULL, '(e) history_seal_heads refuses DELETE');
SELECT throws_ok('TRUNCATE gridgov.history_seals, gridgov.history_seal_heads', 'GG106', NULL, '(e) and TRUNCATE');

CREATE TEMP TABLE nightly AS SELECT gridgov.nightly_maintenance() AS j;
SELECT is((SELECT j -> 'seal' ->> 'line' FROM nightly), gridgov.seal_line((SELECT today FROM hs) - 1),
          '(e) nightly_maintenance seals yesterday and reports its line');
SELECT is((SELECT (gridgov.nightly_maintenance(pg_catalog.now() - interval '10 days')) -> 'seal' ->> 'skipped'),
          pg_catalog.format('sealed up to %s', (SELECT today FROM hs) - 1),
          '(e) an as_of whose yesterday is sealed over is skipped');

SELECT gridgov.setup_roles();
GRANT SELECT ON t TO gridgov_analyst;
SELECT is(ARRAY[pg_catalog.has_function_privilege('gridgov_admin', 'gridgov.seal_history(date)', 'EXECUTE'),
                pg_catalog.has_function_privilege('gridgov_analyst', 'gridgov.seal_history(date)', 'EXECUTE'),
                pg_catalog.has_function_privilege('gridgov_dispatcher', 'gridgov.seal_history(date)', 'EXECUTE'),
                pg_catalog.has_function_privilege('gridgov_analyst', 'gridgov.verify_seals()', 'EXECUTE'),
                pg_catalog.has_function_privilege('gridgov_analyst', 'gridgov.seal_line(date)', 'EXECUTE'),
                pg_catalog.has_function_privilege('gridgov_worker', 'gridgov.verify_seals()', 'EXECUTE')],
          ARRAY[true, false, false, true, true, false],
          '(e) administrators seal; analysts verify and export; other roles neither');
SET LOCAL ROLE gridgov_analyst;
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.verify_seals() WHERE case_id IN (SELECT id FROM t)), 3::bigint,
          '(e) an analyst runs verify_seals');
SELECT throws_ok('SELECT 1 FROM gridgov.case_events LIMIT 1', '42501', NULL, '(e) without reading the histories');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

-- Concurrency of the case API, with two real sessions (dblink connections
-- gg_a and gg_b to this database):
--   (a) conflicting actions on one case through act(): the second waits for
--       the first, then fails with GG101 against the state the first left;
--       a compatible second action waits and then applies after it;
--   (b) the same through raw UPDATEs of state (and a guarded UPDATE that just
--       finds nothing to do);
--   (c) the same (source, external_id) sent twice at once with ON CONFLICT DO
--       NOTHING: one row, whichever commits (and a unique violation without it);
--   (d) many cases taken in by two sessions at once, one by one and in bulk
--       (one session's 2,300-row INSERT spills its transition table to disk
--       and spans several event batches): distinct numbers, one intake event
--       each, intact histories; then both race to file every one of them:
--       each case is filed exactly once.
-- Everything the two sessions share is committed (cases can never be
-- deleted), so it lives in its own county, 540102 (城关区, Lhasa), which no
-- other suite uses, under external ids tagged with this run.  The cases name
-- their grid (a town code of that county), so the fixture is one committed
-- district command center: no grids (whose write triggers take advisory
-- locks), no settings.  This test's own transaction only reads and creates
-- temporary objects: it holds no lock either session needs.  Every wait is
-- bounded: the sessions run with statement_timeout, and the test polls for a
-- blocked session for at most 20 seconds.
BEGIN;
SELECT plan(34);
SET LOCAL statement_timeout = '180s';

CREATE TEMP TABLE cc AS
SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
           pg_catalog.current_setting('port'),
           pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS conn,
       'cc' || pg_catalog.to_char(pg_catalog.clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag;

-- A session: its own connection, a statement timeout, gridgov on the path.
CREATE FUNCTION pg_temp.cc_open(name text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dblink_connect(name, (SELECT conn FROM cc));
    PERFORM dblink_exec(name, 'SET statement_timeout = ''30s''');
    PERFORM dblink_exec(name, 'SET search_path = public, gridgov');
    RETURN (SELECT pid FROM dblink(name, 'SELECT pg_catalog.pg_backend_pid()') AS t(pid integer));
END $$;
-- Wait (at most 20 s) until session `waiter` is blocked by session `holder`.
CREATE FUNCTION pg_temp.cc_blocked(waiter text, holder text) RETURNS boolean LANGUAGE plpgsql AS $$
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
-- After dblink_get_result: consume the end of the result stream.
CREATE FUNCTION pg_temp.cc_drain(name text) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_catalog.count(*) FROM dblink_get_result(name) AS t(x text)
$$;
-- A new case, committed by session gg_a: a grid_event case (E0102) in the
-- test county, returning its id.
CREATE FUNCTION pg_temp.cc_case(label text) RETURNS bigint LANGUAGE sql AS $$
    SELECT id FROM dblink('gg_a', pg_catalog.format(
        'INSERT INTO gridgov.cases (source, external_id, category, title, grid) '
        'VALUES (''patrol'', %L, ''E0102'', %L, ''540102001'') RETURNING id',
        (SELECT tag FROM cc) || '-' || label, '并发测试 ' || label)) AS t(id bigint)
$$;
-- Run one statement in session gg_a and commit it.
CREATE FUNCTION pg_temp.cc_run(sql text) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_exec('gg_a', sql)
$$;
-- The history of a case as "seq:action:from>to" steps.
CREATE FUNCTION pg_temp.cc_history(case_id bigint) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s:%s>%s', seq, action, from_state, to_state), ' ' ORDER BY seq)
    FROM gridgov.case_events WHERE county = '540102' AND case_events.case_id = cc_history.case_id
$$;

CREATE TEMP TABLE pids (name text PRIMARY KEY, pid integer);
INSERT INTO pids SELECT n, pg_temp.cc_open(n) FROM (VALUES ('gg_a'), ('gg_b')) v(n);

-- The fixture, committed: the district command center of 540102.
SELECT pg_temp.cc_run($$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT 'cc-540102', '城关区网格化服务管理中心（并发测试）', 'district', '540102', 'command_center'
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments WHERE code = 'cc-540102')$$);

-- (a) act(): sign and return race on a dispatched case ---------------------------
CREATE TEMP TABLE k (label text PRIMARY KEY, id bigint);
INSERT INTO k SELECT l, pg_temp.cc_case(l) FROM (VALUES ('a1'), ('a2'), ('b1'), ('b2')) v(l);
SELECT label, s FROM k, LATERAL dblink('gg_a', pg_catalog.format(
    'SELECT (gridgov.dispatch((gridgov.act(%s, ''file'')).id)).state', id)) AS t(s text);

SELECT dblink_exec('gg_a', 'BEGIN');
SELECT * FROM dblink('gg_a', pg_catalog.format('SELECT (gridgov.sign_case(%s, ''A 签收'')).state', (SELECT id FROM k WHERE label = 'a1'))) AS t(s text);
SELECT dblink_send_query('gg_b', pg_catalog.format('SELECT (gridgov.return_case(%s, ''B 退单'')).state', (SELECT id FROM k WHERE label = 'a1')));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(a) act(): B''s return waits for A''s uncommitted sign of the same case');
SELECT dblink_exec('gg_a', 'COMMIT');
SELECT throws_ok($$SELECT * FROM dblink_get_result('gg_b') AS t(s text)$$, 'GG101',
    'action "return" is not allowed in state "signed" of workflow "grid_event"',
    '(a) act(): once A commits, B''s return fails with GG101 against the state A left');
SELECT pg_temp.cc_drain('gg_b');
SELECT is((SELECT pg_catalog.format('%s returns=%s events=%s', state, returns, events) FROM gridgov.cases
           WHERE county = '540102' AND id = (SELECT id FROM k WHERE label = 'a1')),
    'signed returns=0 events=4', '(a) act(): only A''s action applied: signed, no return counted');
SELECT is(pg_temp.cc_history((SELECT id FROM k WHERE label = 'a1')),
    '1:intake:>reported 2:file:reported>filed 3:dispatch:filed>dispatched 4:sign:dispatched>signed',
    '(a) act(): the history has one event for the applied action and none for the failed one');
SELECT is_empty(pg_catalog.format('SELECT * FROM gridgov.verify_history(%s)', (SELECT id FROM k WHERE label = 'a1')),
    '(a) act(): verify_history is clean');

-- (a) act(): a compatible action waits, then applies after the first one.
SELECT dblink_exec('gg_a', 'BEGIN');
SELECT * FROM dblink('gg_a', pg_catalog.format('SELECT (gridgov.sign_case(%s)).state', (SELECT id FROM k WHERE label = 'a2'))) AS t(s text);
SELECT dblink_send_query('gg_b', pg_catalog.format('SELECT (gridgov.handle(%s, ''B 处置'')).state', (SELECT id FROM k WHERE label = 'a2')));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(a) act(): B''s handle waits for A''s uncommitted sign');
SELECT dblink_exec('gg_a', 'COMMIT');
SELECT is((SELECT s FROM dblink_get_result('gg_b') AS t(s text)), 'handled',
    '(a) act(): once A commits, B''s handle applies to the signed case');
SELECT pg_temp.cc_drain('gg_b');
SELECT is(pg_temp.cc_history((SELECT id FROM k WHERE label = 'a2')),
    '1:intake:>reported 2:file:reported>filed 3:dispatch:filed>dispatched 4:sign:dispatched>signed 5:handle:signed>handled',
    '(a) act(): both actions are in the history, in commit order');
SELECT is_empty(pg_catalog.format('SELECT * FROM gridgov.verify_history(%s)', (SELECT id FROM k WHERE label = 'a2')),
    '(a) act(): B''s event is chained to A''s: verify_history is clean');

-- (b) raw UPDATEs of state --------------------------------------------------------
SELECT dblink_exec('gg_a', 'BEGIN');
SELECT dblink_exec('gg_a', pg_catalog.format('UPDATE gridgov.cases SET state = ''signed'' WHERE id = %s', (SELECT id FROM k WHERE label = 'b1')));
SELECT dblink_send_query('gg_b', pg_catalog.format('UPDATE gridgov.cases SET state = ''return_review'' WHERE id = %s RETURNING state', (SELECT id FROM k WHERE label = 'b1')));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(b) raw UPDATE: B''s change to return_review waits for A''s change to signed');
SELECT dblink_exec('gg_a', 'COMMIT');
SELECT throws_ok($$SELECT * FROM dblink_get_result('gg_b') AS t(s text)$$, 'GG101',
    'no action of workflow "grid_event" leads from state "signed" to "return_review"',
    '(b) raw UPDATE: once A commits, B''s change is checked from signed and fails with GG101');
SELECT pg_temp.cc_drain('gg_b');
SELECT is(pg_temp.cc_history((SELECT id FROM k WHERE label = 'b1')),
    '1:intake:>reported 2:file:reported>filed 3:dispatch:filed>dispatched 4:sign:dispatched>signed',
    '(b) raw UPDATE: only A''s change is in the history');
SELECT is_empty(pg_catalog.format('SELECT * FROM gridgov.verify_history(%s)', (SELECT id FROM k WHERE label = 'b1')),
    '(b) raw UPDATE: verify_history is clean');
-- A client that guards its UPDATE with the state it saw finds nothing to do.
SELECT dblink_exec('gg_a', 'BEGIN');
SELECT dblink_exec('gg_a', pg_catalog.format('UPDATE gridgov.cases SET state = ''return_review'' WHERE id = %s', (SELECT id FROM k WHERE label = 'b2')));
SELECT dblink_send_query('gg_b', pg_catalog.format(
    'UPDATE gridgov.cases SET state = ''signed'' WHERE id = %s AND state = ''dispatched'' RETURNING state', (SELECT id FROM k WHERE label = 'b2')));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(b) guarded raw UPDATE: B waits for A');
SELECT dblink_exec('gg_a', 'COMMIT');
SELECT is_empty($$SELECT * FROM dblink_get_result('gg_b') AS t(s text)$$,
    '(b) guarded raw UPDATE: once A commits, B''s WHERE state = dispatched no longer matches');
SELECT pg_temp.cc_drain('gg_b');
-- (A return waits for the command center's review: returns counts approved returns only.)
SELECT is((SELECT pg_catalog.format('%s returns=%s ', state, returns) || pg_temp.cc_history(id) FROM gridgov.cases
           WHERE county = '540102' AND id = (SELECT id FROM k WHERE label = 'b2')),
    'return_review returns=0 1:intake:>reported 2:file:reported>filed 3:dispatch:filed>dispatched 4:return:dispatched>return_review',
    '(b) guarded raw UPDATE: A''s return applied once, B changed nothing');

-- (c) the same (source, external_id) twice at once ----------------------------------
CREATE FUNCTION pg_temp.cc_insert_sql(ext text, title text, on_conflict boolean) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.format(
        'INSERT INTO gridgov.cases (source, external_id, category, title, grid) '
        'VALUES (''city'', %L, ''E0102'', %L, ''540102001'') %s RETURNING title',
        (SELECT tag FROM cc) || '-' || ext, title,
        CASE WHEN on_conflict THEN 'ON CONFLICT (county, source, external_id) DO NOTHING' ELSE '' END)
$$;
CREATE FUNCTION pg_temp.cc_copies(ext text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.format('%s row(s): %s; events %s', pg_catalog.count(*), pg_catalog.string_agg(c.title, ', '),
               pg_catalog.string_agg(pg_temp.cc_history(c.id), ', '))
    FROM gridgov.cases c WHERE c.county = '540102' AND c.source = 'city' AND c.external_id = (SELECT tag FROM cc) || '-' || ext
$$;
SELECT dblink_exec('gg_a', 'BEGIN');
SELECT * FROM dblink('gg_a', pg_temp.cc_insert_sql('c1', '首次派单', true)) AS t(s text);
SELECT dblink_send_query('gg_b', pg_temp.cc_insert_sql('c1', '重发派单', true));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(c) ON CONFLICT: B''s insert of the same city ticket waits for A''s');
SELECT dblink_exec('gg_a', 'COMMIT');
SELECT is_empty($$SELECT * FROM dblink_get_result('gg_b') AS t(s text)$$,
    '(c) ON CONFLICT: once A commits, B''s insert does nothing');
SELECT pg_temp.cc_drain('gg_b');
SELECT is(pg_temp.cc_copies('c1'), '1 row(s): 首次派单; events 1:intake:>reported',
    '(c) ON CONFLICT: one case, A''s, with one intake event');
-- When the first sender rolls back, the second one's row is the one that stays.
SELECT dblink_exec('gg_a', 'BEGIN');
SELECT * FROM dblink('gg_a', pg_temp.cc_insert_sql('c2', '首次派单', true)) AS t(s text);
SELECT dblink_send_query('gg_b', pg_temp.cc_insert_sql('c2', '重发派单', true));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(c) ON CONFLICT: B waits for A again');
SELECT dblink_exec('gg_a', 'ROLLBACK');
SELECT is((SELECT s FROM dblink_get_result('gg_b') AS t(s text)), '重发派单',
    '(c) ON CONFLICT: once A rolls back, B''s insert goes through');
SELECT pg_temp.cc_drain('gg_b');
SELECT is(pg_temp.cc_copies('c2'), '1 row(s): 重发派单; events 1:intake:>reported',
    '(c) ON CONFLICT: one case, B''s, with one intake event');
-- Without ON CONFLICT the second sender gets the unique violation.
SELECT dblink_exec('gg_a', 'BEGIN');
SELECT * FROM dblink('gg_a', pg_temp.cc_insert_sql('c3', '首次派单', false)) AS t(s text);
SELECT dblink_send_query('gg_b', pg_temp.cc_insert_sql('c3', '重发派单', false));
SELECT ok(pg_temp.cc_blocked('gg_b', 'gg_a'), '(c) no ON CONFLICT: B waits for A');
SELECT dblink_exec('gg_a', 'COMMIT');
SELECT throws_ok($$SELECT * FROM dblink_get_result('gg_b') AS t(s text)$$, '23505',
    'duplicate key value violates unique constraint "cases_county_source_external_id_key"',
    '(c) no ON CONFLICT: once A commits, B gets a unique violation');
SELECT pg_temp.cc_drain('gg_b');

-- (d) many cases at once -----------------------------------------------------------
-- Each session takes in 200 cases one by one (each its own transaction), then
-- A 300 and B 2,300 in one INSERT ... SELECT (B with a tiny work_mem, so that
-- the statement's transition table spills to disk), at the same time.
CREATE TEMP TABLE procs AS SELECT $proc$
CREATE PROCEDURE pg_temp.cc_intake(tag text, n integer, bulk integer, INOUT made integer DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
    rows integer;
BEGIN
    FOR i IN 1 .. n LOOP
        INSERT INTO gridgov.cases (source, external_id, category, title, grid)
        VALUES ('app', tag || '-one-' || i, 'E0102', '随手拍 ' || i, '540102001');
        COMMIT;
        made := made + 1;
    END LOOP;
    INSERT INTO gridgov.cases (source, external_id, category, title, grid)
    SELECT 'app', tag || '-bulk-' || i, 'E0102', '批量导入 ' || i, '540102001'
    FROM pg_catalog.generate_series(1, bulk) i;
    GET DIAGNOSTICS rows = ROW_COUNT;
    made := made + rows;
END $$;
CREATE PROCEDURE pg_temp.cc_file_all(tag text, descending boolean, INOUT filed integer DEFAULT 0,
                                     INOUT refused integer DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    SELECT pg_catalog.array_agg(id ORDER BY CASE WHEN descending THEN -id ELSE id END) INTO ids
    FROM gridgov.cases WHERE county = '540102' AND external_id LIKE tag || '-d%';
    FOR i IN 1 .. pg_catalog.cardinality(ids) LOOP
        BEGIN
            PERFORM gridgov.act(ids[i], 'file', 'filed by ' || pg_catalog.current_setting('application_name'));
            filed := filed + 1;
        EXCEPTION WHEN SQLSTATE 'GG101' THEN
            refused := refused + 1;
        END;
        COMMIT;
    END LOOP;
END $$;
$proc$ AS sql;
SELECT dblink_exec(n, (SELECT sql FROM procs)), dblink_exec(n, pg_catalog.format('SET application_name = %L', n))
FROM (VALUES ('gg_a'), ('gg_b')) v(n);

SELECT dblink_exec('gg_b', 'SET work_mem = ''64kB''');
SELECT dblink_send_query(n, pg_catalog.format('CALL pg_temp.cc_intake(%L, 200, %s)', (SELECT tag FROM cc) || '-d' || n, bulk))
FROM (VALUES ('gg_a', 300), ('gg_b', 2300)) v(n, bulk);
CREATE TEMP TABLE made AS
SELECT n, (SELECT made FROM dblink_get_result(n) AS t(made integer)) AS made FROM (VALUES ('gg_a'), ('gg_b')) v(n);
SELECT pg_temp.cc_drain('gg_a'), pg_temp.cc_drain('gg_b');
CREATE TEMP TABLE d AS
SELECT * FROM gridgov.cases WHERE county = '540102' AND external_id LIKE (SELECT tag FROM cc) || '-d%';
SELECT is((SELECT pg_catalog.format('%s+%s made, %s rows', (SELECT made FROM made WHERE n = 'gg_a'),
                                    (SELECT made FROM made WHERE n = 'gg_b'), pg_catalog.count(*)) FROM d),
    '500+2500 made, 3000 rows', '(d) intake: both sessions took in their cases');
SELECT is((SELECT pg_catalog.count(DISTINCT case_no) FROM d), 3000::bigint,
    '(d) intake: 3000 distinct case numbers');
SELECT is((SELECT pg_catalog.count(*) FROM d
           WHERE case_no = pg_catalog.format('540102-%s-%s', pg_catalog.to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD'),
                                             pg_catalog.lpad(id::text, 7, '0'))), 3000::bigint,
    '(d) intake: every number is county-date-id');
SELECT is((SELECT pg_catalog.format('%s cases with events=1, %s intake events, %s other events',
               pg_catalog.count(*) FILTER (WHERE d.events = 1),
               (SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN d ON e.county = d.county AND e.case_id = d.id
                WHERE e.seq = 1 AND e.action = 'intake' AND e.to_state = 'reported'),
               (SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN d ON e.county = d.county AND e.case_id = d.id
                WHERE e.seq > 1 OR e.action <> 'intake')) FROM d),
    '3000 cases with events=1, 3000 intake events, 0 other events',
    '(d) intake: each case has exactly its intake event');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN d ON e.county = d.county AND e.case_id = d.id
           WHERE e.seq = 1 AND e.at = d.reported_at AND e.actor_role = CURRENT_USER
             AND e.prev_hash = pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex')
             AND e.payload = pg_catalog.jsonb_build_object('source', d.source, 'category', d.category,
                                 'urgency', d.urgency, 'grid', d.grid::text, 'department_id', d.department_id,
                                 'possible_duplicate_of', d.possible_duplicate_of)), 3000::bigint,
    '(d) intake: every intake event has its time, actor, genesis link and payload {source, category, urgency, grid, department_id, possible_duplicate_of}');

-- Both sessions now file every one of the 3,000 cases, A in ascending and B in
-- descending order of id, one transaction per case.
SELECT dblink_send_query(n, pg_catalog.format('CALL pg_temp.cc_file_all(%L, %L)', (SELECT tag FROM cc), n = 'gg_b'))
FROM (VALUES ('gg_a'), ('gg_b')) v(n);
CREATE TEMP TABLE raced AS
SELECT n, r.* FROM (VALUES ('gg_a'), ('gg_b')) v(n),
     LATERAL (SELECT * FROM dblink_get_result(n) AS t(filed integer, refused integer)) r;
SELECT pg_temp.cc_drain('gg_a'), pg_temp.cc_drain('gg_b');
SELECT is((SELECT pg_catalog.format('filed %s, refused %s', pg_catalog.sum(filed), pg_catalog.sum(refused)) FROM raced),
    'filed 3000, refused 3000', '(d) race: of 6,000 attempts to file, 3,000 applied and 3,000 got GG101');
SELECT is((SELECT pg_catalog.format('%s filed, %s with one file event by the session that won',
               pg_catalog.count(*) FILTER (WHERE c.state = 'filed' AND c.events = 2),
               pg_catalog.count(*) FILTER (WHERE (SELECT pg_catalog.count(*) FROM gridgov.case_events e
                                                  WHERE e.county = c.county AND e.case_id = c.id
                                                    AND e.action = 'file' AND e.seq = 2
                                                    AND e.note IN ('filed by gg_a', 'filed by gg_b')) = 1))
           FROM gridgov.cases c WHERE c.county = '540102' AND c.external_id LIKE (SELECT tag FROM cc) || '-d%'),
    '3000 filed, 3000 with one file event by the session that won',
    '(d) race: every case was filed exactly once');
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s won %s, history %s', r.n, r.filed,
                   (SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN d ON e.county = d.county AND e.case_id = d.id
                    WHERE e.action = 'file' AND e.note = 'filed by ' || r.n)), '; ' ORDER BY r.n)
           FROM raced r),
    (SELECT pg_catalog.string_agg(pg_catalog.format('%s won %s, history %s', r.n, r.filed, r.filed), '; ' ORDER BY r.n)
     FROM raced r),
    '(d) race: each session''s count of wins matches the history');
SELECT is_empty(pg_catalog.format('SELECT * FROM gridgov.verify_histories(''540102'', %L::bigint[])',
                                  (SELECT pg_catalog.array_agg(id) FROM d)),
    '(d) verify_histories is clean for all 3,000 cases');
SELECT is_empty($$SELECT * FROM gridgov.verify_histories('540102')$$,
    'verify_histories is clean for every case of the test county');

SELECT dblink_disconnect('gg_a'), dblink_disconnect('gg_b');
SELECT * FROM finish();
ROLLBACK;

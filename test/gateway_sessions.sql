-- The gateway's SQL across real sessions (issue 16): the event feed and the
-- transfer outbox stop at the horizon, and concurrent gateways share the work.
--   1. The horizon: session B begins, files and dispatches case b (its
--      transaction id is the lower) and stays open; session A then files and
--      dispatches case a, committing each step.  While B runs, event_feed from a
--      cursor must not return a's events (a reader would move its cursor past
--      them, and b's, appearing later with a lower id, would fall behind it and
--      be lost), event_feed_start() stays at or below B, and transfer_collect
--      queues nothing and keeps its watermark at or below B.  Once B commits,
--      the same cursor returns b's events first (txid order), then a's, and
--      transfer_collect queues both.
--   2. Two transfer_collect() at once: the second skips the endpoint the first
--      holds (it neither waits nor queues twice).
--   3. Two transfer_claim() at once: disjoint rows (FOR UPDATE SKIP LOCKED): with
--      the first claim's transaction still open the second takes the rest at
--      once; two claims sent together take every due row exactly once.
-- Like test/analytics_outbox.sql, no transaction surrounds this file (each
-- statement commits, so this session holds nothing back) and every wait is a
-- bounded poll.  Committed in the fictitious county 990162, which no other suite
-- uses; the endpoint (with its outbox) is removed at the end and at the start.
SET client_min_messages = warning;
SET statement_timeout = '300s';
SELECT plan(21);

CREATE TEMP TABLE gs_conf AS
SELECT format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
              split_part(current_setting('unix_socket_directories'), ',', 1)) AS conn,
       to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag,
       date_trunc('second', now()) + interval '1 minute' AS t0;
SELECT dblink_connect('gs_a', (SELECT conn FROM gs_conf)), dblink_connect('gs_b', (SELECT conn FROM gs_conf)) \g /dev/null
SELECT dblink_exec(c, 'SET statement_timeout = ''120s''') FROM unnest(ARRAY['gs_a', 'gs_b']) c \g /dev/null

DELETE FROM gridgov.transfer_endpoints WHERE name LIKE 'gws-%';
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
SELECT v.code, v.name, 'district', '990162', v.kind
FROM (VALUES ('gws-cc', '会话测试区指挥中心', 'command_center'), ('gws-f1', '会话测试城管局', 'functional')) v(code, name, kind)
WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments d WHERE d.code = v.code);
CREATE FUNCTION pg_temp.dept(code text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT d.id FROM gridgov.departments d WHERE d.code = $1
$$;
INSERT INTO gridgov.transfer_endpoints (name, department_id, url, secret, db_role)
VALUES ('gws-ep', pg_temp.dept('gws-f1'), 'http://127.0.0.1:9/gws', 'gws-secret-0123456789', 'gws_nobody');
CREATE FUNCTION pg_temp.ep() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT e.id FROM gridgov.transfer_endpoints e WHERE e.name = 'gws-ep'
$$;

-- Statements that file a case of this run and take it to dispatched (gws-f1), one each.
CREATE FUNCTION pg_temp.file_sql(label text) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY[
        format($f$INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
                  VALUES ('990162', 'patrol', %L, 'E0102', '会话测试', now() - interval '1 hour', %s)$f$, x.ext, pg_temp.dept('gws-cc')),
        format($f$SELECT (gridgov.act(id, 'file')).state FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '990162' AND external_id = %L$f$, x.ext),
        format($f$SELECT (gridgov.act(id, 'dispatch', NULL, jsonb_build_object('department_id', %s))).state
                  FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '990162' AND external_id = %L$f$, pg_temp.dept('gws-f1'), x.ext)]
    FROM (SELECT 'gws-' || (SELECT tag FROM gs_conf) || '-' || $1 AS ext) x
$$;
CREATE FUNCTION pg_temp.run(conn text, sqls text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q text;
BEGIN
    FOREACH q IN ARRAY sqls LOOP
        IF q ~ '^SELECT' THEN
            PERFORM * FROM dblink(conn, q) AS t(v text);
        ELSE
            PERFORM dblink_exec(conn, q);
        END IF;
    END LOOP;
END
$$;
CREATE FUNCTION pg_temp.value(conn text, sql text) RETURNS text LANGUAGE sql AS $$
    SELECT v FROM dblink(conn, sql) AS t(v text)
$$;
-- The run's cases by label.
CREATE FUNCTION pg_temp.label(case_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT split_part(c.external_id, '-', 3) FROM gridgov.cases c
    WHERE c.county OPERATOR(gridgov.=) '990162' AND c.id = $1 AND c.external_id LIKE 'gws-' || (SELECT tag FROM gs_conf) || '-%'
$$;
-- The feed from a cursor, as label:seq of this run's cases.
CREATE FUNCTION pg_temp.feed(cursor text) RETURNS text LANGUAGE sql AS $$
    SELECT COALESCE(string_agg(pg_temp.label((f.data ->> 'case_id')::bigint) || ':' || (f.data ->> 'seq'), ',' ORDER BY n), '')
    FROM gridgov.event_feed(cursor, 10000) WITH ORDINALITY f(id, data, n)
    WHERE f.data ->> 'county' = '990162' AND pg_temp.label((f.data ->> 'case_id')::bigint) IS NOT NULL
$$;
\i test/lib/horizon_wait.sql
-- Wait (at most 30 s) until a session's asynchronous query has finished.
CREATE FUNCTION pg_temp.idle(conn text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '30 s';
BEGIN
    WHILE dblink_is_busy(conn) = 1 LOOP
        IF clock_timestamp() > deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.02);
    END LOOP;
    RETURN true;
END
$$;
CREATE FUNCTION pg_temp.result(conn text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    SELECT t.v INTO v FROM dblink_get_result(conn) AS t(v text);
    PERFORM * FROM dblink_get_result(conn) AS t(v text);   -- the end of the results
    RETURN v;
END
$$;

-- 1. The horizon ------------------------------------------------------------------------------
-- Case z (filed, not dispatched), committed first, gives the reader a cursor: the
-- last of its events in the feed from a cursor taken before it.
CREATE TEMP TABLE gs_c0 AS SELECT gridgov.event_feed_start() AS c0;
SELECT pg_temp.run('gs_a', (pg_temp.file_sql('z'))[1:2]);
SELECT ok(pg_temp.horizon_settle('990162'), 'the horizon passes case z');
SELECT is(pg_temp.feed((SELECT c0 FROM gs_c0)), 'z:1,z:2', 'the feed from a cursor taken before z: z''s two events');
CREATE TEMP TABLE gs_cur AS
SELECT (SELECT f.id FROM gridgov.event_feed((SELECT c0 FROM gs_c0), 10000) WITH ORDINALITY f(id, data, n)
        WHERE f.data ->> 'county' = '990162' AND pg_temp.label((f.data ->> 'case_id')::bigint) = 'z'
        ORDER BY n DESC LIMIT 1) AS cz;
SELECT isnt((SELECT cz FROM gs_cur), NULL, 'the reader''s cursor: z''s last event');
-- B begins and takes b to dispatched, and stays open; A then does the same for a, committing.
SELECT dblink_exec('gs_b', 'BEGIN') \g /dev/null
SELECT pg_temp.run('gs_b', pg_temp.file_sql('b'));
CREATE TEMP TABLE gs_b AS SELECT pg_temp.value('gs_b', 'SELECT pg_current_xact_id()::text')::bigint AS txid;
SELECT pg_temp.run('gs_a', pg_temp.file_sql('a'));
SELECT ok((SELECT min(e.txid) FROM gridgov.case_events e WHERE e.county OPERATOR(gridgov.=) '990162'
             AND e.case_id = (SELECT id FROM gridgov.cases WHERE external_id = 'gws-' || (SELECT tag FROM gs_conf) || '-a'))
          > (SELECT txid FROM gs_b), 'a''s events, committed, have higher transaction ids than B''s');
SELECT is(pg_temp.feed((SELECT cz FROM gs_cur)), '', 'while B is open, the feed from the cursor returns nothing: not a''s committed events');
SELECT ok(split_part(gridgov.event_feed_start(), '.', 1)::bigint <= (SELECT txid FROM gs_b),
          'event_feed_start() stays at or below B');
SELECT is(gridgov.transfer_collect() >= 0 AND (SELECT count(*) FROM gridgov.transfer_outbox WHERE endpoint_id = pg_temp.ep()) = 0, true,
          'transfer_collect queues nothing of a while B is open');
SELECT ok((SELECT below FROM gridgov.transfer_endpoints WHERE id = pg_temp.ep()) <= (SELECT txid FROM gs_b),
          'and keeps the endpoint''s watermark at or below B');
SELECT dblink_exec('gs_b', 'COMMIT') \g /dev/null
SELECT ok(pg_temp.horizon_settle('990162'), 'after B commits, the horizon passes a and b (bounded wait)');
SELECT is(pg_temp.feed((SELECT cz FROM gs_cur)), 'b:1,b:2,b:3,a:1,a:2,a:3',
          'the same cursor now returns b''s events first (the lower txid), then a''s: nothing lost behind it');

-- 2. Two collects at once --------------------------------------------------------------------
SELECT dblink_exec('gs_a', 'BEGIN') \g /dev/null
SELECT is(pg_temp.value('gs_a', 'SELECT gridgov.transfer_collect()::text'), '2', 'session A''s transfer_collect queues b and a');
SELECT dblink_send_query('gs_b', 'SELECT gridgov.transfer_collect()::text') \g /dev/null
SELECT ok(pg_temp.idle('gs_b'), 'session B''s transfer_collect, meanwhile, does not wait for A');
-- (were B waiting for A, A commits now, so that the file ends instead of hanging)
SELECT CASE WHEN dblink_is_busy('gs_b') = 1 THEN dblink_exec('gs_a', 'COMMIT') END \g /dev/null
SELECT is(pg_temp.result('gs_b'), '0', 'and queues nothing (it skips the endpoint A holds)');
SELECT dblink_exec('gs_a', 'COMMIT') \g /dev/null
SELECT is((SELECT string_agg(pg_temp.label(o.case_id), ',' ORDER BY o.case_id) FROM gridgov.transfer_outbox o WHERE o.endpoint_id = pg_temp.ep()),
          'b,a', 'one push each for b and a (z was not dispatched)');

-- 3. Two claims at once ----------------------------------------------------------------------
-- Twenty more dispatched cases.
SELECT dblink_exec('gs_a', format($f$INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
                                     SELECT '990162', 'patrol', %L || i, 'E0102', '会话测试', now() - interval '1 hour', %s
                                     FROM generate_series(1, 20) i$f$,
                                  'gws-' || (SELECT tag FROM gs_conf) || '-m', pg_temp.dept('gws-cc'))) \g /dev/null
SELECT pg_temp.value('gs_a', format($f$SELECT count(gridgov.act(id, 'file'))::text FROM gridgov.cases
                                     WHERE county OPERATOR(gridgov.=) '990162' AND external_id LIKE %L$f$,
                                  'gws-' || (SELECT tag FROM gs_conf) || '-m%')) \g /dev/null
SELECT pg_temp.value('gs_a', format($f$SELECT count(gridgov.act(id, 'dispatch', NULL, jsonb_build_object('department_id', %s)))::text FROM gridgov.cases
                                     WHERE county OPERATOR(gridgov.=) '990162' AND external_id LIKE %L$f$,
                                  pg_temp.dept('gws-f1'), 'gws-' || (SELECT tag FROM gs_conf) || '-m%')) \g /dev/null
SELECT ok(pg_temp.horizon_settle('990162'), 'the horizon passes the twenty dispatches');
SELECT is(gridgov.transfer_collect(), 20, 'transfer_collect queues them');
CREATE TEMP TABLE gs_all AS SELECT idempotency_key AS k FROM gridgov.transfer_outbox WHERE endpoint_id = pg_temp.ep();
-- A claims 15 and keeps its transaction (and the row locks) open; B claims meanwhile.
CREATE FUNCTION pg_temp.claim_sql(max_rows integer, secs integer) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT format($f$SELECT COALESCE(string_agg(idempotency_key || '#' || attempt, ',' ORDER BY idempotency_key), '')
                     FROM gridgov.transfer_claim(%s, '30 seconds', %L)$f$, max_rows, (SELECT t0 FROM gs_conf) + make_interval(secs => secs))
$$;
CREATE TEMP TABLE gs_claims (who text, got text);
SELECT dblink_exec('gs_a', 'BEGIN') \g /dev/null
INSERT INTO gs_claims SELECT 'a1', pg_temp.value('gs_a', pg_temp.claim_sql(15, 0));
SELECT dblink_send_query('gs_b', pg_temp.claim_sql(1000, 0)) \g /dev/null
SELECT ok(pg_temp.idle('gs_b'), 'while A''s claim is open, B''s claim does not wait for it');
SELECT CASE WHEN dblink_is_busy('gs_b') = 1 THEN dblink_exec('gs_a', 'COMMIT') END \g /dev/null
INSERT INTO gs_claims SELECT 'b1', pg_temp.result('gs_b');
SELECT dblink_exec('gs_a', 'COMMIT') \g /dev/null
CREATE TEMP TABLE gs_got AS
SELECT c.who, split_part(x, '#', 1) AS k, split_part(x, '#', 2)::int AS attempt
FROM gs_claims c, unnest(string_to_array(NULLIF(c.got, ''), ',')) x;
SELECT is((SELECT array_agg(who || ':' || n ORDER BY who) FROM (SELECT who, count(*) AS n FROM gs_got WHERE k IN (SELECT k FROM gs_all) GROUP BY who) x),
          ARRAY['a1:15', 'b1:7'], 'A took 15 rows, B the other 7');
SELECT is((SELECT count(DISTINCT k) FROM gs_got WHERE k IN (SELECT k FROM gs_all) AND attempt = 1), (SELECT count(*) FROM gs_all),
          'disjoint, and together every row, each at attempt 1');
-- After the leases, both claim at the same moment.
SELECT dblink_send_query('gs_a', pg_temp.claim_sql(1000, 30)), dblink_send_query('gs_b', pg_temp.claim_sql(1000, 30)) \g /dev/null
SELECT ok(pg_temp.idle('gs_a') AND pg_temp.idle('gs_b'), 'two claims sent together both finish');
INSERT INTO gs_claims SELECT 'a2', pg_temp.result('gs_a');
INSERT INTO gs_claims SELECT 'b2', pg_temp.result('gs_b');
INSERT INTO gs_got SELECT c.who, split_part(x, '#', 1), split_part(x, '#', 2)::int
FROM gs_claims c, unnest(string_to_array(NULLIF(c.got, ''), ',')) x WHERE c.who IN ('a2', 'b2');
SELECT is((SELECT count(*) FROM gs_got WHERE who IN ('a2', 'b2') AND k IN (SELECT k FROM gs_all) AND attempt = 2),
          (SELECT count(*) FROM gs_all), 'together they took every row exactly once, each at attempt 2');

SELECT dblink_disconnect('gs_a'), dblink_disconnect('gs_b') \g /dev/null
DELETE FROM gridgov.transfer_endpoints WHERE name LIKE 'gws-%';
SELECT * FROM finish();

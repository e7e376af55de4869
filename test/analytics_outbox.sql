-- The analytics read the case history as an outbox (docs/bi.md, Freshness):
-- gridgov.analytics_refresh_pending() takes in the events of the transactions
-- below the oldest one still running, and moves its watermark up to there.
-- With real sessions, and no transaction around this file (each statement
-- commits, so this session holds no transaction open while the others work):
--   - a transaction that began first and commits last (a lower id committing
--     after a higher one) is not passed over: while it runs, the drain leaves
--     the later transaction's events too; after it commits, both are taken in;
--   - max_entries takes whole transactions, in id order;
--   - a drain with nothing new refreshes nothing, and the analytics equal
--     their recomputation from the raw rows.
-- Its cases are committed, in a fictitious county, 990112, that no other
-- suite uses (cases are never deleted).
SET client_min_messages = warning;
SELECT plan(13);

CREATE TEMP TABLE conn AS SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
    pg_catalog.current_setting('port'), pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS s;
SELECT dblink_connect('ob_a', (SELECT s FROM conn)), dblink_connect('ob_b', (SELECT s FROM conn)) \g /dev/null
SELECT dblink_exec('ob_b', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT 'OB-CC', '出站区指挥中心', 'district', '990112', 'command_center'
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments WHERE code = 'OB-CC')$$) \g /dev/null
-- A run of this file files fresh cases: external ids carry the run's start.
CREATE TEMP TABLE run AS SELECT pg_catalog.to_char(pg_catalog.clock_timestamp(), 'YYYYMMDDHH24MISSUS') AS tag;
CREATE FUNCTION pg_temp.new_case(label text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.format($f$INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
        VALUES ('990112', 'patrol', %L, 'E0102', 'outbox', '2026-03-02 09:00+08',
                (SELECT id FROM gridgov.departments WHERE code = 'OB-CC'))$f$, 'ob-' || (SELECT tag FROM run) || '-' || label)
$$;
CREATE FUNCTION pg_temp.facts(labels text[]) RETURNS text LANGUAGE sql AS $$
    SELECT COALESCE(pg_catalog.string_agg(l, ',' ORDER BY l), '')
    FROM pg_catalog.unnest(labels) l
    WHERE EXISTS (SELECT 1 FROM gridgov.case_stats s JOIN gridgov.cases c ON c.id = s.case_id
                  WHERE c.county OPERATOR(gridgov.=) '990112' AND c.external_id = 'ob-' || (SELECT tag FROM run) || '-' || l)
$$;
CREATE FUNCTION pg_temp.txid_of(conn text) RETURNS bigint LANGUAGE sql AS $$
    SELECT t.x FROM dblink(conn, 'SELECT (pg_catalog.pg_current_xact_id()::text)::bigint') AS t(x bigint)
$$;
-- Everything before this point is taken in.
SELECT gridgov.analytics_refresh_pending() \g /dev/null

-- A begins and files a case (its transaction id is the lower); B files one and commits.
SELECT dblink_exec('ob_a', 'BEGIN'), dblink_exec('ob_a', pg_temp.new_case('a')) \g /dev/null
SELECT dblink_exec('ob_b', pg_temp.new_case('b')) \g /dev/null
SELECT ok(pg_temp.txid_of('ob_a') < (SELECT e.txid FROM gridgov.case_events e JOIN gridgov.cases c ON c.id = e.case_id
                                     WHERE c.county OPERATOR(gridgov.=) '990112'
                                       AND c.external_id = 'ob-' || (SELECT tag FROM run) || '-b'),
          'the transaction that committed first has the higher id');
SELECT is(gridgov.analytics_refresh_pending(), 0, 'while A runs, the drain leaves B''s committed event too');
SELECT is(pg_temp.facts('{a,b}'), '', 'so neither case has analytics yet');
SELECT ok((SELECT w.below FROM gridgov.analytics_watermark w) <= pg_temp.txid_of('ob_a'),
          'the watermark stays at or below A');
SELECT dblink_exec('ob_a', 'COMMIT') \g /dev/null
SELECT is(gridgov.analytics_refresh_pending(), 2, 'after A commits, the drain takes in both transactions');
SELECT is(pg_temp.facts('{a,b}'), 'a,b', 'both cases have their analytics');
SELECT is(gridgov.analytics_refresh_pending(), 0, 'a drain with nothing new refreshes nothing');

-- Three transactions, the first with two events (the intake and an action).
SELECT dblink_exec('ob_b', 'BEGIN'), dblink_exec('ob_b', pg_temp.new_case('1')) \g /dev/null
SELECT * FROM dblink('ob_b', pg_catalog.format(
    $$SELECT (gridgov.act(id, 'file', NULL, '{}', '2026-03-02 09:10+08')).state FROM gridgov.cases
      WHERE county OPERATOR(gridgov.=) '990112' AND external_id = %L$$, 'ob-' || (SELECT tag FROM run) || '-1')) AS t(state text) \g /dev/null
SELECT dblink_exec('ob_b', 'COMMIT') \g /dev/null
SELECT dblink_exec('ob_b', pg_temp.new_case('2')) \g /dev/null
SELECT dblink_exec('ob_b', pg_temp.new_case('3')) \g /dev/null
SELECT is(gridgov.analytics_refresh_pending(1), 1, 'max_entries 1 takes the whole first transaction (its one case)');
SELECT is(pg_temp.facts('{1,2,3}') || ' ' ||
          (SELECT s.state FROM gridgov.case_stats s JOIN gridgov.cases c ON c.id = s.case_id
           WHERE c.county OPERATOR(gridgov.=) '990112' AND c.external_id = 'ob-' || (SELECT tag FROM run) || '-1'),
          '1 filed', 'its case has its analytics, with the action of the same transaction');
SELECT is(gridgov.analytics_refresh_pending(1), 1, 'max_entries 1 then takes the next transaction');
SELECT is(gridgov.analytics_refresh_pending(), 1, 'and no limit the rest');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.analytics_check() WHERE key IN
              (SELECT c.id::text FROM gridgov.cases c WHERE c.county OPERATOR(gridgov.=) '990112')), 0::bigint,
          'the analytics of these cases equal their recomputation from the raw rows');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.verify_histories('990112')), 0::bigint, 'the histories are intact');

SELECT dblink_disconnect('ob_a'), dblink_disconnect('ob_b') \g /dev/null
SELECT * FROM finish();

-- The case engine on a Citus cluster (issue 14; docs/scaling.md), on the
-- coordinator after gridgov.distribute(), with two counties whose cases live
-- on different workers.  Run by test/shell/citus.sh with pg_prove; commits
-- (the cache and id checks need other backends and nodes to see the rows).
\set QUIET on
SET client_min_messages = warning;
SELECT plan(27);

-- Two counties on different workers: 110115 (Daxing) and the first Beijing
-- county whose shard is on the other worker.
CREATE TEMP TABLE cty AS
WITH c(code) AS (VALUES ('110115'), ('110101'), ('110102'), ('110105'), ('110106'), ('110107'),
                        ('110108'), ('110109'), ('110111'), ('110112'), ('110113'), ('110114'))
SELECT c.code, (SELECT p.nodeport FROM pg_catalog.pg_dist_shard_placement p
                WHERE p.shardid = pg_catalog.get_shard_id_for_distribution_column('gridgov.cases', c.code::gridgov.gridcode)) AS port
FROM c;
SELECT isnt((SELECT port FROM cty WHERE code = '110115'),
            (SELECT port FROM cty WHERE code = (SELECT min(code) FROM cty WHERE port <> (SELECT port FROM cty WHERE code = '110115'))),
            'two counties whose cases live on different workers');
SELECT pg_catalog.set_config('t.other', (SELECT min(code) FROM cty WHERE port <> (SELECT port FROM cty WHERE code = '110115')), false) \g /dev/null

-- Intake with the county, in each county: the trigger runs on the shard, the
-- engine writes the event and clocks next to the case.
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at)
VALUES ('110115', 'patrol', 'CIT-1', 'E0103', 'citus one', '2026-12-01 09:00+08'),
       (pg_catalog.current_setting('t.other'), 'patrol', 'CIT-2', 'E0103', 'citus two', '2026-12-01 09:05+08');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN gridgov.cases c
           ON c.county = e.county AND c.id = e.case_id WHERE c.external_id IN ('CIT-1', 'CIT-2') AND e.action = 'intake'),
          2::bigint, 'each case taken in has its intake event, on its own node');
SELECT ok((SELECT pg_catalog.count(*) FROM gridgov.case_clocks k JOIN gridgov.cases c
           ON c.county = k.county AND c.id = k.case_id WHERE c.external_id IN ('CIT-1', 'CIT-2')) >= 2,
          'and its intake clocks');
SELECT is((SELECT pg_catalog.count(DISTINCT c.id) FROM gridgov.cases c WHERE c.external_id IN ('CIT-1', 'CIT-2')),
          2::bigint, 'two cases, two ids');

-- Without a county, Citus cannot route the row: the error says so.
SELECT throws_ok($$INSERT INTO gridgov.cases (source, external_id, category, title) VALUES ('patrol', 'CIT-X', 'E0103', 'x')$$,
                 NULL, NULL, 'an INSERT without county is refused on the coordinator (Citus routes by county)');

-- The inbox: rows without the county (computed from the point, or the home
-- county) or with it, filed into both counties in one statement.
INSERT INTO gridgov.case_inbox (county, source, external_id, category, title, location, reported_at)
VALUES (NULL, 'app', 'CIT-IN1', 'E0103', 'inbox one', ST_SetSRID(ST_Point(116.5, 39.78), 4326), '2026-12-01 09:10+08'),
       (pg_catalog.current_setting('t.other'), 'app', 'CIT-IN2', 'E0103', 'inbox two', NULL, '2026-12-01 09:11+08');
SELECT results_eq($$SELECT external_id, county::text, events FROM gridgov.cases WHERE external_id LIKE 'CIT-IN%' ORDER BY 1$$,
                  $$VALUES ('CIT-IN1', '110115', 1), ('CIT-IN2', pg_catalog.current_setting('t.other'), 1)$$,
                  'the inbox files rows without a county (placed by their point) and with one, on both workers');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_inbox), 0::bigint, 'and keeps nothing');

-- act(): on the coordinator, run where the case is, with the announcement.
SELECT is((gridgov.act((SELECT id FROM gridgov.cases WHERE external_id = 'CIT-1'), 'file', 'filed on the cluster',
                       '{}', '2026-12-01 10:00+08')).state, 'filed', 'act() moves a case of one worker');
SELECT is((gridgov.act((SELECT id FROM gridgov.cases WHERE external_id = 'CIT-2'), 'file', 'filed too',
                       '{}', '2026-12-01 10:00+08')).state, 'filed', 'and a case of the other');
SELECT is((SELECT e.note FROM gridgov.case_events e JOIN gridgov.cases c ON c.county = e.county AND c.id = e.case_id
           WHERE c.external_id = 'CIT-1' AND e.action = 'file'), 'filed on the cluster',
          'the event keeps the note, time and action announced on the coordinator');
SELECT is((SELECT k.met_at FROM gridgov.case_clocks k JOIN gridgov.cases c ON c.county = k.county AND c.id = k.case_id
           WHERE c.external_id = 'CIT-1' AND k.stage = 'file'), '2026-12-01 10:00+08'::timestamptz,
          'and its clock effects (the file clock met)');
BEGIN;
SELECT gridgov.act((SELECT id FROM gridgov.cases WHERE external_id = 'CIT-1'), 'suspend', 'wait', '{}', '2026-12-01 10:30+08') \g /dev/null
SELECT gridgov.act((SELECT id FROM gridgov.cases WHERE external_id = 'CIT-1'), 'resume', 'go on', '{}', '2026-12-01 11:30+08') \g /dev/null
COMMIT;
SELECT is((SELECT pg_catalog.array_agg(e.action ORDER BY e.seq) FROM gridgov.case_events e JOIN gridgov.cases c
           ON c.county = e.county AND c.id = e.case_id WHERE c.external_id = 'CIT-1'),
          ARRAY['intake', 'file', 'suspend', 'resume'], 'two actions in one transaction block, in order');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'no_such_action')$$,
                                   (SELECT id FROM gridgov.cases WHERE external_id = 'CIT-2')),
                 'GG101', NULL, 'an illegal action fails with the workflow''s error');
SELECT throws_ok($$SELECT gridgov.act(999999999, 'file')$$, 'GG100', NULL, 'a case that does not exist: GG100');
SELECT throws_ok($$SELECT gridgov.act_in('110115', 1, 'file') FROM gridgov.citus_layout() LIMIT 1$$, '55000', NULL,
                 'act_in() where the county''s cases are not held refuses rather than lose the action');

-- A whistle and a report-in on a case of the other worker.
SELECT ok(gridgov.whistle((SELECT id FROM gridgov.cases WHERE external_id = 'CIT-2'),
                          ARRAY[(SELECT pg_catalog.min(id) FROM gridgov.departments WHERE kind <> 'command_center')],
                          'on site', '30 minutes', '2026-12-01 12:00+08') > 0, 'whistle() summons a department');
SELECT is(gridgov.report_in((SELECT id FROM gridgov.cases WHERE external_id = 'CIT-2'),
                            (SELECT pg_catalog.min(id) FROM gridgov.departments WHERE kind <> 'command_center'),
                            '2026-12-01 12:10+08'), true, 'report_in() on time');
SELECT is((SELECT pg_catalog.array_agg(e.action ORDER BY e.seq) FROM gridgov.case_events e JOIN gridgov.cases c
           ON c.county = e.county AND c.id = e.case_id WHERE c.external_id = 'CIT-2'),
          ARRAY['intake', 'file', 'whistle', 'report_in'], 'both in the case''s history');

-- Likely duplicates are found on the shard (the index chosen by its shape).
INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at)
VALUES ('110115', 'patrol', 'CIT-D1', 'E0103', 'first', ST_SetSRID(ST_Point(116.45, 39.72), 4326), '2026-12-01 09:00+08');
INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at)
VALUES ('110115', 'app', 'CIT-D2', 'E0103', 'again', ST_SetSRID(ST_Point(116.45003, 39.72002), 4326), '2026-12-01 09:30+08');
SELECT is((SELECT possible_duplicate_of FROM gridgov.cases WHERE external_id = 'CIT-D2'),
          (SELECT id FROM gridgov.cases WHERE external_id = 'CIT-D1'), 'the duplicate check runs on the shard');

-- Ids: each worker draws from its own range, the coordinator from the
-- single-server one.
SELECT is((SELECT pg_catalog.count(*) FROM pg_catalog.run_command_on_workers(
               $$SELECT (SELECT last_value FROM pg_catalog.pg_sequences WHERE schemaname = 'gridgov' AND sequencename = 'cases_id_seq')
                        >= (SELECT groupid FROM pg_catalog.pg_dist_local_group)::bigint * 281474976710656$$)
           WHERE success AND result = 't'), 2::bigint, 'every worker has its own range of case ids');

-- Caches on the workers follow changes made on the coordinator: a category
-- added there is known at once to the workers' intake, which had read the
-- categories before.
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, external_id, category, title) VALUES ('110115', 'patrol', 'CIT-NEW0', 'E0198', 'new')$$,
                 'GG121', NULL, 'an unknown category is refused by the worker''s intake');
INSERT INTO gridgov.categories (code, name) VALUES ('E0198', 'test category');
-- A shipped code given again is taken as its restore, by each copy of the table.
INSERT INTO gridgov.categories (code, name) SELECT code, name FROM gridgov.categories WHERE code = 'E9901';
SELECT lives_ok($$INSERT INTO gridgov.cases (county, source, external_id, category, title) VALUES ('110115', 'patrol', 'CIT-NEW1', 'E0198', 'new')$$,
                'once the coordinator adds it, the worker takes it in');

-- The reference guards: the coordinator's copy of a reference table searches
-- the cases of every worker (the workers' copies leave it to it).
INSERT INTO gridgov.categories (code, name) VALUES ('E0197', 'guarded'), ('E0195', 'unused');
INSERT INTO gridgov.cases (county, source, external_id, category, title)
VALUES (pg_catalog.current_setting('t.other'), 'patrol', 'CIT-G1', 'E0197', 'guarded');
SELECT throws_ok($$DELETE FROM gridgov.categories WHERE code = 'E0197'$$, '23503', NULL,
                 'a category a case of the other worker refers to cannot be deleted');
SELECT throws_ok($$UPDATE gridgov.categories SET code = 'E0196' WHERE code = 'E0197'$$, '23503', NULL, 'nor re-keyed');
SELECT lives_ok($$DELETE FROM gridgov.categories WHERE code = 'E0195'$$, 'one no case refers to can');

-- No trigger of gridgov is disabled on a shard where it is enabled on its table
-- (shards are named through pg_trigger: Citus hides them from pg_class).
CREATE TEMP TABLE shard_triggers AS
SELECT (SELECT d.nodeport FROM pg_catalog.pg_dist_node d WHERE d.nodeid = r.nodeid) AS nodeport,
       pg_catalog.split_part(r.result, ' ', 1)::integer AS n, pg_catalog.split_part(r.result, ' ', 2)::integer AS disabled
FROM pg_catalog.run_command_on_all_nodes($$
    SELECT pg_catalog.count(*) || ' ' || pg_catalog.count(*) FILTER (WHERE t.tgenabled = 'D')
    FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_dist_shard s
      ON t.tgrelid::pg_catalog.regclass::text = s.logicalrelid::pg_catalog.regclass::text || '_' || s.shardid
    WHERE NOT t.tgisinternal$$) r;
SELECT ok((SELECT pg_catalog.bool_and(n > 0) FROM shard_triggers WHERE nodeport IN (SELECT nodeport FROM cty)),
          'the workers'' shards have gridgov''s triggers');
SELECT is((SELECT pg_catalog.sum(disabled) FROM shard_triggers), 0::bigint, 'none of them disabled');

SELECT * FROM finish();

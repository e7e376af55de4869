-- gridgov's per-backend caches across sessions (src/core/cache.c), with two
-- dblink sessions: A changes and commits, B reads.  B runs each statement in
-- its own transaction unless said otherwise.
--   (a) locate's grid index: a grid committed by A is used by B's next
--       statement, even inside B's open transaction, and so is its removal;
--   (b) the registry: the watched tables are the ones the caches read, and a
--       change of each, committed by A, is at B's next statement an
--       invalidation of exactly the caches that read it;
--   (c) an invalidation of a table no cache watches leaves B's caches built
--       and current (the grid index is not rebuilt), with the same answers;
--   (d) reference data and time limits: a category A adds is known to B's
--       next intake, a policy A adds sets the clock of B's next case, and
--       both are gone again for B once A removes them.
-- This test's own transaction writes nothing the sessions change, so it holds
-- none of the locks A needs.  A's fixture (a command center of the fictitious
-- county 990103, a category, a policy, a scratch table) is committed and
-- removed again; B's cases are rolled back.  Every wait is bounded (statement
-- timeouts).  The measurements of (b) and (c) are repeated, at most 5 times,
-- while an unrelated invalidation (autovacuum analysing a watched table)
-- added to them: such noise can only add invalidations, never remove one.
BEGIN;
SELECT plan(9);
SET LOCAL statement_timeout = '180s';

CREATE TEMP TABLE conn AS SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
    pg_catalog.current_setting('port'), pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS s;
SELECT dblink_connect('gg_a', (SELECT s FROM conn));
SELECT dblink_connect('gg_b', (SELECT s FROM conn));
SELECT dblink_exec(c, 'SET statement_timeout = ''30s''') FROM pg_catalog.unnest(ARRAY['gg_a', 'gg_b']) c;

-- (a) Another session's committed grid is used by this session's next statement.
SELECT dblink_exec('gg_b', 'BEGIN');
SELECT dblink_exec('gg_b', 'SET search_path = public, gridgov');
CREATE TEMP TABLE seen (step text, code text);
INSERT INTO seen SELECT 'before', c FROM dblink('gg_b',
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text$$) AS t(c text);
SELECT dblink_exec('gg_a', $$INSERT INTO gridgov.grids (code, name, geom) VALUES
    ('650102001001001', 'cross-session test grid',
     ST_Multi(ST_MakeEnvelope(87.5, 43.8, 87.6, 43.9, 4326)))$$);
INSERT INTO seen SELECT 'after commit, same transaction', c FROM dblink('gg_b',
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text$$) AS t(c text);
SELECT dblink_exec('gg_a', $$DELETE FROM gridgov.grids WHERE code = '650102001001001'$$);
INSERT INTO seen SELECT 'after delete', c FROM dblink('gg_b',
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text$$) AS t(c text);
SELECT dblink_exec('gg_b', 'COMMIT');
SELECT results_eq($$SELECT step, code FROM seen ORDER BY ctid$$,
    $$VALUES ('before', NULL::text), ('after commit, same transaction', '650102001001001'), ('after delete', NULL)$$,
    'session B sees session A''s committed grid at its next statement, and its removal');

-- (b) The registry ------------------------------------------------------------------
SELECT results_eq($$SELECT table_name, caches FROM gridgov.cache_watched_tables() ORDER BY 1$$,
    $$VALUES ('calendar_exceptions', '{calendars}'::text[]), ('calendar_periods', '{calendars}'),
             ('calendars', '{calendars}'), ('categories', '{reference data}'), ('components', '{reference data}'),
             ('departments', '{reference data,login scopes,patrol workers and limits}'), ('grid_staff', '{login scopes}'),
             ('grids', '{grid index}'), ('routing_rules', '{reference data}'),
             ('sensor_rules', '{devices and their rules}'), ('sensors', '{devices and their rules}'),
             ('settings', '{reference data,patrol workers and limits}'), ('sla_policies', '{intake clocks}'),
             ('staff', '{reference data,login scopes,patrol workers and limits}'),
             ('text_models', '{text models}'), ('transitions', '{reference data}'), ('workflow_states', '{reference data}'),
             ('workflows', '{reference data,intake clocks}')$$,
    '(b) the watched tables and the caches that read them');

-- B's invalidation counts, read by a statement of its own (which reads the
-- pending invalidations first).
CREATE FUNCTION pg_temp.b_counts() RETURNS TABLE (cache text, n bigint) LANGUAGE sql AS $$
    SELECT * FROM dblink('gg_b', 'SELECT cache, invalidations FROM gridgov.cache_stats()') AS t(cache text, n bigint)
$$;
-- The caches of B (sorted) that statement sql, run and committed by A,
-- invalidates; measured again while the set has more than expected.
CREATE FUNCTION pg_temp.invalidated_by(sql text, expected text[]) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
    got text[];
BEGIN
    FOR attempt IN 1 .. 5 LOOP
        SELECT pg_catalog.jsonb_object_agg(c.cache, c.n) INTO before FROM pg_temp.b_counts() c;
        PERFORM dblink_exec('gg_a', sql);
        SELECT COALESCE(pg_catalog.array_agg(c.cache ORDER BY c.cache), '{}') INTO got
        FROM pg_temp.b_counts() c WHERE c.n > (before ->> c.cache)::bigint;
        EXIT WHEN NOT (got @> expected AND got <> expected);
    END LOOP;
    RETURN got;
END $$;
CREATE FUNCTION pg_temp.sorted(a text[]) RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(pg_catalog.array_agg(x ORDER BY x), '{}') FROM pg_catalog.unnest(a) x
$$;

SELECT results_eq($$
    SELECT w.table_name, pg_temp.invalidated_by(pg_catalog.format('DELETE FROM gridgov.%I WHERE false', w.table_name),
                                                 pg_temp.sorted(w.caches))
    FROM gridgov.cache_watched_tables() w ORDER BY 1
$$, $$
    SELECT w.table_name, pg_temp.sorted(w.caches) FROM gridgov.cache_watched_tables() w ORDER BY 1
$$, '(b) a statement on each watched table in session A invalidates, at B''s next statement, exactly the caches that read it');

-- (c) A table no cache watches ----------------------------------------------------
-- Statistics made current first for the tables an intake appends to: B's
-- intake below must not meet the growth rule of plans.c (an invalidation of
-- cases once it has doubled since its statistics, which would drop the column
-- binding of cases), a rule test/shell/plans_growth.sh tests.
SELECT dblink_exec('gg_a', 'ANALYZE gridgov.cases, gridgov.case_events, gridgov.case_clocks');
SELECT dblink_exec('gg_a', $$
    INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
    SELECT 'T98-CC', '缓存测试区指挥中心', 'district', '990103', 'command_center'
    WHERE NOT EXISTS (SELECT 1 FROM gridgov.departments WHERE code = 'T98-CC')$$);
-- In B: take in a case of category cat and undo it; the result is the time
-- its file clock gets, or the SQLSTATE of the failed intake.
SELECT dblink_exec('gg_b', $q$
CREATE FUNCTION pg_temp.intake_probe(cat text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    new_id bigint;
    result text;
BEGIN
    INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
    VALUES ('990103', 'patrol', 'cache-sessions', cat, '缓存测试', '2026-01-05 09:00+08',
            (SELECT id FROM gridgov.departments WHERE code = 'T98-CC'))
    RETURNING id INTO new_id;
    SELECT (k.due_at - '2026-01-05 09:00+08'::timestamptz)::text INTO result
    FROM gridgov.case_clocks k WHERE k.case_id = new_id AND k.stage = 'file';
    RAISE SQLSTATE 'TT001';
EXCEPTION
    WHEN SQLSTATE 'TT001' THEN
        RETURN result;
    WHEN OTHERS THEN
        RETURN SQLSTATE;
END $f$$q$);
CREATE FUNCTION pg_temp.b_probe(cat text) RETURNS text LANGUAGE sql AS $$
    SELECT r FROM dblink('gg_b', pg_catalog.format('SELECT pg_temp.intake_probe(%L)', cat)) AS t(r text)
$$;
-- B's answers from its caches: the grid index, a calendar, its login's scope, an intake.
CREATE FUNCTION pg_temp.b_answers() RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' ', a, pg_temp.b_probe('E0102'))
    FROM dblink('gg_b', $q$SELECT pg_catalog.concat_ws(' ',
        gridgov.locate(ST_SetSRID(ST_MakePoint(91.13, 29.65), 4326)),
        gridgov.worktime_add('cn', '2026-03-02 09:00+08', 1, 'working_hours'),
        (SELECT s.reads FROM gridgov.my_scope() s))$q$) AS t(a text)
$$;
CREATE TEMP TABLE answers AS SELECT pg_temp.b_answers() AS before;
-- B asks for a suggestion of a model that does not exist: its text model
-- cache is read (and holds none).
SELECT dblink_exec('gg_b', $q$DO $d$ BEGIN PERFORM gridgov.suggest_category('路灯', 1, 'cache_probe');
    EXCEPTION WHEN undefined_object THEN NULL; END $d$$q$);
-- B feeds a reading of a device that does not exist and takes a patrol fix
-- without a worker (both kept apart), and undoes them: its caches of devices
-- and rules and of patrol workers are read.
SELECT dblink_exec('gg_b', $q$DO $d$ BEGIN
    INSERT INTO gridgov.sensor_readings (sensor_id, at, value) VALUES ('cache-probe', '2026-01-05 09:00+08', 1);
    INSERT INTO gridgov.patrol_points (staff_id, at, geom) VALUES (NULL, '2026-03-02 09:00+08', 'SRID=4326;POINT(91.13 29.65)');
    RAISE SQLSTATE 'TT001';
    EXCEPTION WHEN SQLSTATE 'TT001' THEN NULL; END $d$$q$);
SELECT is((SELECT pg_catalog.array_agg(cache ORDER BY cache) FROM dblink('gg_b',
              'SELECT cache, current FROM gridgov.cache_stats()') AS t(cache text, current boolean) WHERE current),
          (SELECT pg_catalog.array_agg(cache ORDER BY cache) FROM gridgov.cache_stats()),
          '(c) B has every cache built and current');
CREATE TEMP TABLE builds AS
SELECT b FROM dblink('gg_b', 'SELECT builds FROM gridgov.locate_cache_stats()') AS t(b bigint);
SELECT is(pg_temp.invalidated_by($$
    CREATE TABLE public.gg_cache_probe (x integer);
    ALTER TABLE public.gg_cache_probe SET (fillfactor = 50);
    DROP TABLE public.gg_cache_probe$$, '{}'), '{}',
    '(c) creating, altering and dropping a table no cache watches invalidates none of B''s caches');
SELECT is((SELECT pg_catalog.array_agg(cache ORDER BY cache) FROM dblink('gg_b',
              'SELECT cache, current FROM gridgov.cache_stats()') AS t(cache text, current boolean) WHERE current),
          (SELECT pg_catalog.array_agg(cache ORDER BY cache) FROM gridgov.cache_stats()),
          '(c) ... they are all still current');
SELECT is((SELECT pg_catalog.format('%s | %s | %s', a.before, pg_temp.b_answers(),
                                     CASE WHEN t.b = b.b THEN 'not rebuilt' ELSE 'rebuilt' END)
           FROM answers a, builds b, dblink('gg_b', 'SELECT builds FROM gridgov.locate_cache_stats()') AS t(b bigint)),
          '2026-03-02 10:00:00+08 all 00:20:00 | 2026-03-02 10:00:00+08 all 00:20:00 | not rebuilt',
          '(c) ... B''s grid index is not rebuilt, and B''s answers are the same');

-- (d) Reference data and time limits ---------------------------------------------
CREATE TEMP TABLE intakes (step text, outcome text);
INSERT INTO intakes VALUES ('unknown category', pg_temp.b_probe('E0198'));
SELECT dblink_exec('gg_a', $$INSERT INTO gridgov.categories (code, name, workflow) VALUES ('E0198', '缓存测试类', 'grid_event')$$);
INSERT INTO intakes VALUES ('category added', pg_temp.b_probe('E0198'));
SELECT dblink_exec('gg_a', $$INSERT INTO gridgov.sla_policies (category_prefix, stage, amount, unit, calendar_id)
    SELECT 'E0198', 'file', 7, 'minutes', id FROM gridgov.calendars WHERE name = '24x7'$$);
INSERT INTO intakes VALUES ('policy added', pg_temp.b_probe('E0198'));
SELECT dblink_exec('gg_a', $$DELETE FROM gridgov.sla_policies WHERE category_prefix = 'E0198'$$);
INSERT INTO intakes VALUES ('policy removed', pg_temp.b_probe('E0198'));
SELECT dblink_exec('gg_a', $$DELETE FROM gridgov.categories WHERE code = 'E0198'$$);
INSERT INTO intakes VALUES ('category removed', pg_temp.b_probe('E0198'));
SELECT results_eq($$SELECT step, outcome FROM intakes ORDER BY ctid$$,
    $$VALUES ('unknown category', 'GG121'), ('category added', '00:20:00'), ('policy added', '00:07:00'),
             ('policy removed', '00:20:00'), ('category removed', 'GG121')$$,
    '(d) B''s next intake knows the category A added and removed, and files within the time of the policy A added and removed');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '990103'), 0::bigint,
          '(d) ... B''s cases were rolled back');

SELECT dblink_exec('gg_a', $$DELETE FROM gridgov.departments WHERE code = 'T98-CC'$$);
SELECT dblink_disconnect('gg_a');
SELECT dblink_disconnect('gg_b');

SELECT * FROM finish();
ROLLBACK;

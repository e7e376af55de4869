-- Replaying dispatch (056, docs/assisted-intake.md): gridgov.dispatch_replay()
-- scores the rules, a department model and the rules with the model at the
-- command-center fallback against the department that finally handled each
-- case; and the truth it takes from text_model_rows('department', ...), where a
-- case whose return was approved after its last dispatch has no department.
-- Cases in 2019 (no other suite's cases are there), rolled back.
BEGIN;
SELECT plan(27);
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql
-- The fixture routes E05 (street order) to DX-CGJ by rule; E01 matches no
-- rule, so its cases fall back to the town's command center (YZ-CC for the
-- Yizhuang grid every case here lies in).  Street lights are in fact handled
-- by a department of their own.
INSERT INTO departments (code, name, level, jurisdiction, kind)
VALUES ('DX-LIGHT', '大兴区路灯管理所', 'district', '110115', 'functional');

-- new_case(ref, category, title, reported_at) and walk(ref, actions, target,
-- t0): one action an hour after t0; target is the department code of a
-- dispatch or the ref of a merge's master.
CREATE FUNCTION pg_temp.new_case(ref text, cat text, title text, at timestamptz) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
    VALUES ('patrol', 'dr-' || ref, cat, title, ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), at)
    RETURNING id
$$;
CREATE FUNCTION pg_temp.walk(ref text, actions text[], target text, t0 timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    FOR n IN 1 .. cardinality(actions) LOOP
        st := (gridgov.act((SELECT c.id FROM gridgov.cases c WHERE c.external_id = 'dr-' || ref), actions[n], NULL,
                           CASE actions[n]
                               WHEN 'dispatch' THEN jsonb_build_object(
                                   'department_id', (SELECT d.id FROM dept d WHERE d.code = target))
                               WHEN 'merge' THEN jsonb_build_object(
                                   'master_case_id', (SELECT c.id FROM gridgov.cases c WHERE c.external_id = 'dr-' || target))
                               ELSE '{}' END,
                           t0 + n * interval '1 hour')).state;
    END LOOP;
    RETURN st;
END $$;
-- handled_by: filed, dispatched to dept, handled there and closed;
-- self_handled: handled by the grid worker (it stays with the routed department).
CREATE FUNCTION pg_temp.handled_by(ref text, cat text, title text, dept text, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.new_case(ref, cat, title, at);
    RETURN pg_temp.walk(ref, '{file,dispatch,sign,handle,verify_pass,close}', dept, at);
END $$;
CREATE FUNCTION pg_temp.self_handled(ref text, cat text, title text, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.new_case(ref, cat, title, at);
    RETURN pg_temp.walk(ref, '{self_handle,verify_pass,close}', NULL, at);
END $$;
CREATE FUNCTION pg_temp.id(code text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM dept WHERE code = $1 $$;
CREATE FUNCTION pg_temp.replay(since timestamptz, until timestamptz, model text DEFAULT 'department')
RETURNS SETOF text LANGUAGE sql AS $$
    SELECT (r.method, r.cases, r.correct, r.accuracy, r.fallback, r.fallback_correct, r.unanswered,
            r.in_training_period)::text
    FROM gridgov.dispatch_replay(since, until, model) r
$$;

-- January: the model's training cases, noise to DX-CGJ, street lights to DX-LIGHT.
SELECT is((SELECT count(*) FILTER (WHERE pg_temp.handled_by('t' || n, cat, title, d, '2019-01-01 09:00'::timestamptz + n * interval '1 day') = 'closed')
           FROM (VALUES (1, 'E0505', '工地夜间施工噪音扰民', 'DX-CGJ'), (2, 'E0505', '半夜还在施工,噪音太大睡不着', 'DX-CGJ'),
                        (3, 'E0505', '建筑工地凌晨打桩声音很吵', 'DX-CGJ'), (4, 'E0505', '施工噪音影响休息', 'DX-CGJ'),
                        (5, 'E0505', '附近工地噪声很大', 'DX-CGJ'),
                        (6, 'E0102', '小区门口路灯不亮,晚上很黑', 'DX-LIGHT'), (7, 'E0102', '路灯坏了好几天没人修', 'DX-LIGHT'),
                        (8, 'E0102', '马路边的路灯一直闪烁', 'DX-LIGHT'), (9, 'E0102', '这条街的路灯全都不亮', 'DX-LIGHT'),
                        (10, 'E0102', '公园里路灯损坏', 'DX-LIGHT')) v(n, cat, title, d)),
          10::bigint, 'fixture: 10 training cases closed in January');
SELECT is((SELECT (training_rows, classes)::text
           FROM gridgov.train_text_model('department', 'department', '2019-01-01', '2019-02-01')),
          '(10,2)', 'the department model: 10 cases, DX-CGJ and DX-LIGHT');

-- March: the replayed period, 9 cases.
--   3 noise cases (E0505) handled by DX-CGJ: the rule is right, so is the model;
--   4 street lights (E0102) handled by DX-LIGHT: the rules fall back to YZ-CC
--     (wrong), the model says DX-LIGHT (right);
--   1 street light the grid worker handled himself (it stayed with YZ-CC): the
--     fallback is right, the model (DX-LIGHT) wrong;
--   1 noise case (E0505) told in street light words, handled by DX-CGJ: the
--     rule is right, the model (DX-LIGHT) wrong; rules+model keeps the rule.
SELECT is((SELECT count(*) FILTER (WHERE s = 'closed') FROM (
               SELECT pg_temp.handled_by('r' || n, cat, title, d, '2019-03-01 09:00'::timestamptz + n * interval '1 day') AS s
               FROM (VALUES (1, 'E0505', '工地施工噪音太吵', 'DX-CGJ'), (2, 'E0505', '夜间施工噪音扰民', 'DX-CGJ'),
                            (3, 'E0505', '凌晨工地噪声很大', 'DX-CGJ'),
                            (4, 'E0102', '路灯不亮', 'DX-LIGHT'), (5, 'E0102', '路灯坏了', 'DX-LIGHT'),
                            (6, 'E0102', '路灯一直闪烁', 'DX-LIGHT'), (7, 'E0102', '路灯损坏很黑', 'DX-LIGHT'),
                            (8, 'E0505', '路灯不亮,路灯坏了', 'DX-CGJ')) v(n, cat, title, d)
               UNION ALL
               SELECT pg_temp.self_handled('r9', 'E0102', '路灯灯罩掉了', '2019-03-20 09:00')) x),
          9::bigint, 'fixture: 9 cases closed in March');
SELECT is((SELECT array_agg(department_id ORDER BY external_id) FROM gridgov.cases WHERE external_id IN ('dr-r4', 'dr-r9')),
          ARRAY[pg_temp.id('DX-LIGHT'), pg_temp.id('YZ-CC')], 'fixture: r4 ended at DX-LIGHT, r9 stayed with YZ-CC');
SELECT is((SELECT array_agg(department_id) FROM gridgov.suggest_department('路灯不亮', '110115004001001', 1)),
          ARRAY[pg_temp.id('DX-LIGHT')], 'fixture: the model sends street lights to DX-LIGHT');
SELECT is((SELECT array_agg(department_id) FROM gridgov.suggest_department('工地施工噪音太吵', '110115004001001', 1)),
          ARRAY[pg_temp.id('DX-CGJ')], 'fixture: the model sends noise to DX-CGJ');

SELECT results_eq($$SELECT * FROM pg_temp.replay('2019-03-01', '2019-04-01')$$,
                  ARRAY['(rules,9,5,0.5556,5,1,0,)', '(model,9,7,0.7778,5,4,0,0)', '(rules+model,9,8,0.8889,5,4,0,0)'],
                  'March: rules 5 of 9 (1 of the 5 center fallbacks), model 7 (4 of them), rules+model 8');
SELECT is((SELECT sum(cases)::bigint FROM gridgov.dispatch_replay('2019-03-01', '2019-04-01')),
          3 * (SELECT count(*) FROM gridgov.text_model_rows('department', '2019-03-01', '2019-04-01')),
          'every method counts the cases of text_model_rows(''department'', ...)');
SELECT is((SELECT array_agg(cases ORDER BY method) FROM gridgov.dispatch_replay('2019-03-05', '2019-03-08')),
          ARRAY[3, 3, 3]::bigint[], 'the period is [since, until) of reported_at: 5, 6 and 7 March');
SELECT results_eq($$SELECT * FROM pg_temp.replay('2019-01-01', '2019-02-01')$$,
                  ARRAY['(rules,10,5,0.5000,5,0,0,)', '(model,10,10,1.0000,5,5,0,10)',
                        '(rules+model,10,10,1.0000,5,5,0,10)'],
                  'January: the model is scored on its own training cases, and in_training_period says so');

-- A rule that sends street lights to the command center is no fallback: the
-- rules answer the same, and rules+model now keeps them.
INSERT INTO routing_rules (category_prefix, area, department_id) VALUES ('E01', '110115004', pg_temp.id('YZ-CC'));
SELECT results_eq($$SELECT * FROM pg_temp.replay('2019-03-01', '2019-04-01')$$,
                  ARRAY['(rules,9,5,0.5556,0,0,0,)', '(model,9,7,0.7778,0,0,0,0)', '(rules+model,9,5,0.5556,0,0,0,0)'],
                  'a rule to the center: no fallback, rules+model = rules');
-- Today's rules decide: a rule sending E01 to DX-LIGHT makes the rules right on the 4.
UPDATE routing_rules SET department_id = pg_temp.id('DX-LIGHT'), area = '110115' WHERE category_prefix = 'E01';
SELECT is((SELECT correct FROM gridgov.dispatch_replay('2019-03-01', '2019-04-01') WHERE method = 'rules'),
          8::bigint, 'today''s rules: a new E01 rule to DX-LIGHT, rules right on 8 of 9');
DELETE FROM routing_rules WHERE category_prefix = 'E01';

-- May: the truth of a department, after returns.
--   m1: dispatched to DX-CGJ, return approved, merged into m2: closed with its
--       master but no department finally kept it (not in the truth set);
--   m2: the master, in words no model knows, closed by the grid worker (YZ-CC);
--   m3: dispatched to DX-CGJ, return approved, dispatched again to DX-LIGHT,
--       which handled it: in the truth set, with DX-LIGHT.
SELECT pg_temp.new_case('m1', 'E0102', '路灯不亮', '2019-05-02 09:00'),
       pg_temp.new_case('m2', 'E0102', '!!! ???', '2019-05-02 09:30'),
       pg_temp.new_case('m3', 'E0102', '路灯坏了', '2019-05-03 09:00') \g /dev/null
SELECT is(pg_temp.walk('m1', '{file,dispatch,return,approve_return}', 'DX-CGJ', '2019-05-02 09:00'), 'returned',
          'm1: returned by DX-CGJ, approved');
SELECT is(pg_temp.walk('m1', '{merge}', 'm2', '2019-05-02 14:00'), 'merged', 'm1: merged into m2');
SELECT is(pg_temp.walk('m2', '{self_handle,verify_pass,close}', NULL, '2019-05-02 16:00'), 'closed', 'm2: closed');
SELECT is(pg_temp.walk('m3', '{file,dispatch,return,approve_return}', 'DX-CGJ', '2019-05-03 09:00')
          || ' ' || pg_temp.walk('m3', '{dispatch,sign,handle,verify_pass,close}', 'DX-LIGHT', '2019-05-03 14:00'),
          'returned closed', 'm3: returned by DX-CGJ, approved, dispatched again to DX-LIGHT and closed');
SELECT is((SELECT (closed_at IS NOT NULL, department_id)::text FROM gridgov.cases WHERE external_id = 'dr-m1'),
          (true, pg_temp.id('DX-CGJ'))::text, 'm1 is closed (with its master) and still names DX-CGJ');
SELECT set_eq($$SELECT c.external_id, t.label FROM gridgov.text_model_rows('department', '2019-05-01', '2019-06-01') t
               JOIN gridgov.cases c ON c.id = t.id$$,
              $$VALUES ('dr-m2', pg_temp.id('YZ-CC')::text), ('dr-m3', pg_temp.id('DX-LIGHT')::text)$$,
              'the truth set: m1 (return approved after its last dispatch) left out, m3 with the re-dispatch''s department');
-- m2: the rules fall back to YZ-CC (right); the model knows no word of it
-- (unanswered), so rules+model keeps the center.  m3: the fallback is wrong,
-- the model right.
SELECT results_eq($$SELECT * FROM pg_temp.replay('2019-05-01', '2019-06-01')$$,
                  ARRAY['(rules,2,1,0.5000,2,1,0,)', '(model,2,1,0.5000,2,1,1,0)', '(rules+model,2,2,1.0000,2,2,0,0)'],
                  'May: the replay scores the same 2 cases; where the model is silent the center stays');

-- No cases: three rows of nothing, no error.
SELECT results_eq($$SELECT * FROM pg_temp.replay('2017-01-01', '2018-01-01')$$,
                  ARRAY['(rules,0,0,,0,0,0,)', '(model,0,0,,0,0,0,0)', '(rules+model,0,0,,0,0,0,0)'],
                  'a period without closed cases: zero cases, accuracy NULL');

-- Bad input.
SELECT throws_ok($$SELECT * FROM gridgov.dispatch_replay(NULL, '2019-04-01')$$, '22004',
                 'the period and model of a dispatch replay must not be null', 'NULL since');
SELECT throws_ok($$SELECT * FROM gridgov.dispatch_replay('2019-03-01', '2019-04-01', NULL)$$, '22004', NULL,
                 'NULL model');
SELECT throws_ok($$SELECT * FROM gridgov.dispatch_replay('2019-04-01', '2019-04-01')$$, '22023',
                 'the period of a dispatch replay must end after it starts', 'an empty period');
SELECT throws_ok($$SELECT * FROM gridgov.dispatch_replay('2019-04-01', '2019-03-01')$$, '22023', NULL,
                 'a period that ends before it starts');
SELECT throws_ok($$SELECT * FROM gridgov.dispatch_replay('2017-01-01', '2018-01-01', 'nope')$$, '42704',
                 'text model "nope" does not exist', 'an unknown model, even for a period without cases');
DO $$ BEGIN PERFORM gridgov.train_text_model('category', 'category', '2019-01-01', '2019-02-01'); END $$;
SELECT throws_ok($$SELECT * FROM gridgov.dispatch_replay('2019-03-01', '2019-04-01', 'category')$$, '22023',
                 'text model "category" predicts category, not department', 'a category model');

-- It reads every case: the admin role's, not everyone's (the roles as
-- setup_roles() makes them, in this transaction).
SELECT gridgov.setup_roles() \g /dev/null
SELECT ok(has_function_privilege('gridgov_admin', 'gridgov.dispatch_replay(timestamptz, timestamptz, text)', 'EXECUTE')
          AND NOT has_function_privilege('gridgov_dispatcher', 'gridgov.dispatch_replay(timestamptz, timestamptz, text)', 'EXECUTE')
          AND NOT has_function_privilege('gridgov_worker', 'gridgov.dispatch_replay(timestamptz, timestamptz, text)', 'EXECUTE'),
          'gridgov_admin may replay dispatch; dispatchers and grid workers may not');
SELECT * FROM finish();
ROLLBACK;

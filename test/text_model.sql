-- Text models (056, docs/assisted-intake.md): training from closed cases,
-- suggestions with their words, evaluation by time, errors, and the
-- per-backend cache dropped on retrain in the same session.
BEGIN;
SELECT plan(32);
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql

-- 40 closed cases: street lights (E0102, routed to the town center YZ-CC)
-- and construction noise (E0505, routed to DX-CGJ), alternating, one a day.
CREATE TEMP TABLE words (n int, cat text, title text);
INSERT INTO words VALUES
    (0, 'E0102', '小区门口路灯不亮,晚上很黑'), (1, 'E0102', '路灯坏了好几天没人修'),
    (2, 'E0102', '马路边的路灯一直闪烁'), (3, 'E0102', '路灯杆倒了,存在安全隐患'),
    (4, 'E0102', '这条街的路灯全都不亮'), (5, 'E0102', '路灯白天也亮着,浪费电'),
    (6, 'E0102', '公园里路灯损坏'), (7, 'E0102', 'street light broken 路灯不亮'),
    (8, 'E0102', '桥下照明灯坏了很黑'), (9, 'E0102', '路口路灯灯罩掉了'),
    (10, 'E0505', '工地夜间施工噪音扰民'), (11, 'E0505', '半夜还在施工,噪音太大睡不着'),
    (12, 'E0505', '建筑工地凌晨打桩声音很吵'), (13, 'E0505', '施工噪音影响休息'),
    (14, 'E0505', '工地晚上十一点还在作业扰民'), (15, 'E0505', '附近工地噪声很大'),
    (16, 'E0505', '渣土车夜间施工噪音'), (17, 'E0505', 'construction noise at night 施工扰民'),
    (18, 'E0505', '夜里搅拌机噪音扰民'), (19, 'E0505', '施工单位违规夜间施工');
CREATE FUNCTION pg_temp.walk(cid bigint, t0 timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a text;
    n int := 0;
    st text;
BEGIN
    FOREACH a IN ARRAY ARRAY['self_handle', 'verify_pass', 'close'] LOOP
        n := n + 1;
        st := (gridgov.act(cid, a, NULL, '{}', t0 + n * interval '1 hour')).state;
    END LOOP;
    RETURN st;
END $$;
-- (In 2018: no other suite's cases are there.)
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
SELECT 'patrol', 'tm-' || w.n || '-' || r, w.cat, w.title, ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
       timestamptz '2018-01-01 09:00' + (2 * (w.n % 10) + (w.n / 10) + 20 * r) * interval '1 day'
FROM words w CROSS JOIN generate_series(0, 1) r;
SELECT is((SELECT count(*) FILTER (WHERE pg_temp.walk(id, reported_at) = 'closed') FROM gridgov.cases
           WHERE external_id LIKE 'tm-%'),
          40::bigint, 'fixture: 40 closed cases');

-- Training.
SELECT is((SELECT (m.training_rows, m.classes, m.target) FROM
           gridgov.train_text_model('category', 'category', '2018-01-01', '2018-03-01') m),
          (40::bigint, 2, 'category'::text), 'train_text_model: 40 rows, 2 classes');
SELECT is((SELECT (held_out->>'rows')::int FROM gridgov.text_models WHERE name = 'category'),
          4, 'held out: the latest 10% by reported_at');
SELECT ok((SELECT (held_out->>'accuracy')::numeric BETWEEN 0 AND 1 FROM gridgov.text_models WHERE name = 'category'),
          'held out accuracy is a fraction');
SELECT is((SELECT gridgov.text_model_info(params)->>'variant' FROM gridgov.text_models WHERE name = 'category'),
          'complement', 'complement naive Bayes by default');

-- Suggestions.
SELECT is((SELECT label FROM gridgov.suggest_category('路灯不亮了') LIMIT 1), 'E0102',
          'street light words: E0102 first');
SELECT is((SELECT label FROM gridgov.suggest_category('晚上施工噪音太吵') LIMIT 1), 'E0505',
          'noise words: E0505 first');
SELECT ok((SELECT probability > 0.5 FROM gridgov.suggest_category('路灯不亮了') LIMIT 1),
          'the first suggestion is more probable than not');
SELECT ok((SELECT abs(sum(probability) - 1) < 1e-9 FROM gridgov.suggest_category('路灯不亮了', 2)),
          'probabilities over all classes add up to 1');
SELECT ok((SELECT '路灯' = ANY (words) FROM gridgov.suggest_category('路灯不亮了') LIMIT 1),
          'the explanation names the bigram 路灯');
SELECT is((SELECT array_agg(cardinality(words)) FROM gridgov.suggest_category('路灯不亮了', 2) OFFSET 0),
          (SELECT ARRAY[cardinality(words), 0] FROM gridgov.suggest_category('路灯不亮了') LIMIT 1),
          'only the first row carries words');
SELECT is((SELECT label FROM gridgov.suggest_category('STREET   Light') LIMIT 1), 'E0102',
          'Latin words are lower-cased');
SELECT is((SELECT count(*) FROM gridgov.suggest_category('路灯不亮了', 1)), 1::bigint, 'k = 1: one row');
SELECT is((SELECT count(*) FROM gridgov.suggest_category(NULL)), 0::bigint, 'NULL text: no rows');
SELECT is((SELECT count(*) FROM gridgov.suggest_category('')), 0::bigint, 'empty text: no rows');
SELECT is((SELECT count(*) FROM gridgov.suggest_category('???  ...')), 0::bigint,
          'a text without any known feature: no rows');
SELECT is((SELECT label FROM gridgov.suggest_category(repeat('噪音', 100000) || '路灯') LIMIT 1), 'E0505',
          'a huge text is read up to 100,000 characters (the street light at its end is not)');
SELECT throws_ok($$SELECT * FROM gridgov.suggest_category('路灯', 0)$$, '22023', NULL, 'k = 0 is refused');
SELECT throws_ok($$SELECT * FROM gridgov.suggest_category('路灯', NULL)$$, '22023', NULL, 'k NULL is refused');
SELECT throws_ok($$SELECT * FROM gridgov.suggest_category('路灯', 3, 'nope')$$, '42704',
                 'text model "nope" does not exist', 'unknown model');

-- Errors of training.
SELECT throws_ok($$SELECT gridgov.train_text_model(NULL, 'category', '2018-01-01', '2018-03-01')$$,
                 '22004', NULL, 'NULL name refused');
SELECT throws_ok($$SELECT gridgov.train_text_model('x', 'area', '2018-01-01', '2018-03-01')$$,
                 '22023', 'unknown text model target "area"', 'unknown target refused');
SELECT throws_ok($$SELECT gridgov.train_text_model('x', 'category', '2017-01-01', '2018-01-01')$$,
                 '22023', 'text model "x" would be trained on no rows', 'a model trained on no rows is refused');

-- Departments: E0102 cases stayed with YZ-CC, E0505 went to DX-CGJ.
SELECT is((SELECT classes FROM gridgov.train_text_model('department', 'department', '2018-01-01', '2018-03-01')),
          2, 'department model: 2 departments');
SELECT is((SELECT department_id FROM gridgov.suggest_department('工地噪音扰民', NULL) LIMIT 1),
          (SELECT id FROM gridgov.departments WHERE code = 'DX-CGJ'), 'noise: DX-CGJ');
SELECT is((SELECT array_agg(department_id) FROM gridgov.suggest_department('路灯不亮', '110115005')),
          (SELECT array_agg(id) FROM gridgov.departments WHERE code = 'DX-CGJ'),
          'a grid of Huangcun keeps only departments whose jurisdiction covers it (not YZ-CC)');
SELECT throws_ok($$SELECT * FROM gridgov.suggest_category('路灯', 3, 'department')$$, '22023', NULL,
                 'a department model does not suggest categories');

-- Evaluation by time.
SELECT is((SELECT ((e->>'rows')::int, (e->>'folds')::int, jsonb_array_length(e->'per_fold'))::text
           FROM gridgov.evaluate_text_model('category', 4) e),
          '(32,4,4)', 'evaluate: 4 folds after the first fifth, 32 rows scored');
SELECT ok((SELECT e ? 'accuracy' AND e ? 'macro_f1' AND e->'confusion' ? 'E0102'
              AND e->'classes'->'E0505' ? 'recall'
           FROM gridgov.evaluate_text_model('category', 4) e), 'evaluate: accuracy, macro-F1, per-class, confusion');
SELECT throws_ok($$SELECT gridgov.evaluate_text_model('category', 0)$$, '22023', NULL, 'folds = 0 refused');

-- Retrain in the same session: the cached model is dropped.  Trained on
-- 2 January alone (one noise case), the model knows one class.
DO $$ BEGIN PERFORM gridgov.train_text_model('category', 'category', '2018-01-02', '2018-01-03'); END $$;
SELECT is((SELECT array_agg(label) FROM gridgov.suggest_category('路灯 施工', 3)), ARRAY['E0505'],
          'after retraining, suggestions come from the new model');

-- Reading a stored form costs memory in the size of its weights: not for PUBLIC
-- (the roles as setup_roles() makes them, in this transaction: no other suite's).
SELECT gridgov.setup_roles() \g /dev/null
SELECT ok(NOT has_function_privilege('gridgov_worker', 'gridgov.text_model_info(bytea)', 'EXECUTE'),
          'a grid worker may not run text_model_info (a crafted stored form would cost memory)');
SELECT * FROM finish();
ROLLBACK;

-- Assisted intake (issue 17, items 2 and 3; docs/assisted-intake.md): a case
-- that arrives without a category gets the text model's when it is probable
-- enough (category_by 'model'), else settings unclassified_category
-- ('fallback'); a case without location or grid gets the grid of the place
-- its words name (located_by 'address'), unless the place is ambiguous.  What
-- was inferred and why is in cases.assisted and the intake event.
BEGIN;
SELECT plan(68);
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL client_min_messages = warning;
\i sql/fixtures/cases.sql
SELECT gridgov.place_names_refresh() > 0 AS places \gset

-- A model of two categories, fitted here on known words (what
-- train_text_model stores after fitting on closed cases).
CREATE TEMP TABLE words (cat text, title text);
INSERT INTO words VALUES
    ('E0102', '小区门口路灯不亮,晚上很黑'), ('E0102', '路灯坏了好几天没人修'),
    ('E0102', '马路边的路灯一直闪烁'), ('E0102', '路灯杆倒了,存在安全隐患'),
    ('E0102', '这条街的路灯全都不亮 电话13800138000'), ('E0102', '路灯白天也亮着,浪费电'),
    ('E0505', '工地夜间施工噪音扰民'), ('E0505', '半夜还在施工,噪音太大睡不着'),
    ('E0505', '建筑工地凌晨打桩声音很吵'), ('E0505', '施工噪音影响休息'),
    ('E0505', '工地晚上十一点还在作业扰民'), ('E0505', '附近工地噪声很大');
CREATE FUNCTION pg_temp.fit(name text, target text, flip boolean DEFAULT false) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gridgov.text_models (name, target, since, until, training_rows, classes, params, held_out)
    SELECT name, target, '2025-01-01', '2026-01-01', count(*), 2,
           gridgov.text_model_fit(CASE WHEN flip THEN CASE w.cat WHEN 'E0102' THEN 'E0505' ELSE 'E0102' END
                                       ELSE w.cat END,
                                  gridgov.text_model_document(w.title, NULL), 18, 'complement', 1), '{}'
    FROM words w
    ON CONFLICT (name) DO UPDATE SET params = excluded.params, trained_at = pg_catalog.clock_timestamp()
$$;

-- One new case: (category, category_by, grid, located_by, department code).
CREATE FUNCTION pg_temp.file(ext text, cat text, title text, descr text, addr text, lon float8 DEFAULT NULL,
                             lat float8 DEFAULT NULL, grid gridgov.gridcode DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
    WITH c AS (
        INSERT INTO gridgov.cases (source, external_id, category, title, description, address, location, grid)
        VALUES ('hotline', ext, cat, title, descr, addr,
                CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END, grid)
        RETURNING category, category_by, grid, located_by, department_id)
    SELECT concat_ws(' ', c.category, c.category_by, COALESCE(c.grid::text, '-'), COALESCE(c.located_by, '-'), d.code)
    FROM c JOIN gridgov.departments d ON d.id = c.department_id
$$;
CREATE FUNCTION pg_temp.assisted(ext text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT assisted FROM gridgov.cases WHERE external_id = ext
$$;
CREATE FUNCTION pg_temp.intake(ext text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT e.payload FROM gridgov.case_events e JOIN gridgov.cases c ON c.county = e.county AND c.id = e.case_id
    WHERE c.external_id = ext AND e.action = 'intake'
$$;

-- 1. No model yet: the unclassified category, routed as today. ------------------------------
SELECT is(current_setting('gridgov.intake_text_model'), 'category', 'the intake model''s name by default: category');
SELECT is(current_setting('gridgov.intake_suggest_threshold'), '0.5', 'the threshold by default: 0.5');
SELECT is((SELECT value FROM gridgov.settings WHERE key = 'unclassified_category'),
          'H99, patrol:E9901, video:E9901, app:E9901, proactive:E9901',
          'settings unclassified_category ships as H99 (the hotline''s 其他), E9901 for what grid workers, cameras and apps find');
SELECT is(pg_temp.file('ia-1', NULL, '路灯不亮', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC', 'no model: the unclassified category, the town center (属地兜底)');
SELECT is(pg_temp.assisted('ia-1'), NULL, 'no model asked, no place sought: assisted is NULL');
SELECT is(pg_temp.intake('ia-1') ->> 'category_by', 'fallback', 'the intake event says category_by fallback');
SELECT ok(NOT pg_temp.intake('ia-1') ? 'assisted', 'and has no assisted');

-- 2. With the model. --------------------------------------------------------------------------
SELECT pg_temp.fit('category', 'category');
SELECT is(pg_temp.file('ia-2', NULL, '路灯不亮了', '晚上很黑', NULL, 116.45, 39.8),
          'E0102 model 110115004001001 point YZ-CC', 'the model''s category above the threshold, routed by it');
SELECT is(pg_temp.assisted('ia-2') #>> '{suggestion,category}', 'E0102', 'assisted: the suggested category');
SELECT is(pg_temp.assisted('ia-2') #>> '{suggestion,applied}', 'true', 'assisted: applied');
SELECT is(pg_temp.assisted('ia-2') #>> '{suggestion,model}', 'category', 'assisted: the model');
SELECT ok((pg_temp.assisted('ia-2') #>> '{suggestion,probability}')::float8 BETWEEN 0.5 AND 1,
          'assisted: its probability, at least the threshold');
SELECT ok(pg_temp.assisted('ia-2') #> '{suggestion,words}' ? '路灯', 'assisted: the words that weighed most (路灯)');
SELECT ok(NOT pg_temp.intake('ia-2') ? 'assisted', 'the evidence is the case''s, not repeated in its intake event');
SELECT is(pg_temp.intake('ia-2') ->> 'category_by', 'model', 'the intake event says category_by model');
SELECT is(pg_temp.file('ia-3', NULL, '晚上工地施工噪音', NULL, NULL, 116.45, 39.8),
          'E0505 model 110115004001001 point DX-CGJ', 'noise words: E0505, routed by the E05 rule');
SELECT ok(pg_temp.file('ia-4x', NULL, '路灯 13800138000', NULL, NULL, 116.45, 39.8) LIKE 'E0102 model%',
          'fixture: a text with a phone number the model has seen');
SELECT ok(NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(pg_temp.assisted('ia-4x') #> '{suggestion,words}') w
                      WHERE w ~ '[0-9]'),
          'no word with a digit is shown (a caller''s number never is)');

-- 3. Below the threshold, switched off, an inactive label. ------------------------------------
SET LOCAL gridgov.intake_suggest_threshold = 1;
SELECT is(pg_temp.file('ia-5', NULL, '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC', 'below the threshold: the unclassified category');
SELECT is(pg_temp.assisted('ia-5') #>> '{suggestion,applied}', 'false', 'assisted: the suggestion, not applied');
SELECT is(pg_temp.assisted('ia-5') #>> '{suggestion,category}', 'E0102', 'assisted: what the model said, for the center');
RESET gridgov.intake_suggest_threshold;
SET LOCAL gridgov.intake_text_model = '';
SELECT is(pg_temp.file('ia-6', NULL, '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC', 'no intake model: the unclassified category');
SELECT is(pg_temp.assisted('ia-6'), NULL, 'and nothing asked');
SET LOCAL gridgov.intake_text_model = 'no_such_model';
SELECT is(pg_temp.file('ia-7', NULL, '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC', 'a model that does not exist: the unclassified category');
RESET gridgov.intake_text_model;
UPDATE gridgov.categories SET active = false WHERE code = 'E0102';
SELECT is(pg_temp.file('ia-8', NULL, '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC', 'the model''s label inactive: the unclassified category');
UPDATE gridgov.categories SET active = true WHERE code = 'E0102';
SELECT is(pg_temp.file('ia-9', NULL, 'zzz qqq', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC', 'words the model does not know: the unclassified category');
SELECT is(pg_temp.file('ia-10', 'E0505', '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'E0505 caller 110115004001001 point DX-CGJ', 'a category given is kept (caller), the model not asked');
SELECT is(pg_temp.assisted('ia-10'), NULL, 'and assisted is NULL');

-- A retrained model is used at the next intake of this session.
SELECT pg_temp.fit('category', 'category', true);
SELECT is(pg_temp.file('ia-11', NULL, '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'E0505 model 110115004001001 point DX-CGJ', 'after a retrain (labels swapped), the new model answers');
SELECT pg_temp.fit('category', 'category');

-- 4. The place from words. --------------------------------------------------------------------
SELECT is(pg_temp.file('ia-20', NULL, '路灯不亮了', NULL, '亦庄地区贵园北里社区3号楼'),
          'E0102 model 110115004001 address YZ-CC', 'no point: the community the address names, routed by it');
SELECT is(pg_temp.assisted('ia-20') -> 'place',
          '{"grid": "110115004001", "name": "贵园北里社区", "kind": "community", "matched": "贵园北里社区", "applied": true}',
          'assisted: the place, its kind and the term matched');
SELECT is(pg_temp.intake('ia-20') ->> 'located_by', 'address', 'the intake event says located_by address');
SELECT is(pg_temp.file('ia-21', 'E0102', '贵园东里社区南门路灯不亮', NULL, NULL),
          'E0102 caller 110115004002 address YZ-CC', 'no address: the place the title names');
SELECT is(pg_temp.file('ia-22', 'E0102', '路灯不亮', NULL, '亦庄和黄村交界处'),
          'E0102 caller - - DX-CC', 'two towns named alike: not located, the district center');
SELECT is(pg_temp.assisted('ia-22') -> 'place', '{"ambiguous": ["110115004", "110115005"]}',
          'assisted: the ambiguity, with the candidates');
SELECT is(pg_temp.file('ia-23', 'E0102', '路灯不亮', NULL, '某某路12号'),
          'E0102 caller - - DX-CC', 'no place named: not located, the district center');
SELECT is(pg_temp.assisted('ia-23'), NULL, 'and assisted is NULL');
SELECT is(pg_temp.file('ia-24', 'E0102', '路灯不亮', NULL, '黄村地区', 116.45, 39.8),
          'E0102 caller 110115004001001 point YZ-CC', 'a location wins over an address');
SELECT is(pg_temp.file('ia-25', 'E0102', '路灯不亮', NULL, '黄村地区', NULL, NULL, '110115004002'),
          'E0102 caller 110115004002 grid YZ-CC', 'a grid given wins over an address (located_by grid)');

-- Sources of their own: a patrol's case waits in the grid event workflow, and the
-- center gives it its category there.
SET LOCAL gridgov.intake_text_model = '';
INSERT INTO gridgov.cases (source, external_id, title, location)
VALUES ('patrol', 'ia-26', '发现一处问题', ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326)),
       ('app', 'ia-27', '随手拍', ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326)),
       ('city', 'ia-28', '市级转办', ST_SetSRID(ST_MakePoint(116.45, 39.8), 4326));
SELECT is((SELECT string_agg(external_id || ' ' || category || ' ' || workflow, ', ' ORDER BY external_id)
           FROM gridgov.cases WHERE external_id IN ('ia-26', 'ia-27', 'ia-28')),
          'ia-26 E9901 grid_event, ia-27 E9901 grid_event, ia-28 H99 hotline',
          'the unclassified category of each source: its own entry, else the bare one');
UPDATE gridgov.cases SET category = 'E0102' WHERE external_id = 'ia-26';
SELECT is((SELECT category || ' ' || category_by FROM gridgov.cases WHERE external_id = 'ia-26'), 'E0102 fallback',
          'the center gives a patrol''s unclassified case its category (same workflow)');
UPDATE gridgov.settings SET value = 'patrol:E9901' WHERE key = 'unclassified_category';
SELECT throws_ok($$INSERT INTO gridgov.cases (source, title) VALUES ('hotline', '路灯')$$, '23502', NULL,
                 'a source with no unclassified category and no bare one: 23502');
UPDATE gridgov.settings SET value = 'H99, patrol:E9901, video:E9901, app:E9901, proactive:E9901'
WHERE key = 'unclassified_category';
RESET gridgov.intake_text_model;

-- Places that do not apply: outside the county given (the inbox and Citus name
-- the county before intake reads the words), or coarser than a county.
INSERT INTO gridgov.grids (code, name, geom) VALUES ('110114', '昌平区', sq(116.0, 40.0, 116.3, 40.3)),
                                                    ('110114001', '城北街道', sq(116.0, 40.0, 116.1, 40.1));
INSERT INTO gridgov.place_names (name, aliases, grid, kind) VALUES ('北京市', '{}', '1101', 'other');
INSERT INTO gridgov.place_names (name, aliases, grid, kind) VALUES ('城北街道', '{城北}', '110114001', 'town');
INSERT INTO gridgov.cases (county, source, external_id, category, title, address)
VALUES ('110115', 'hotline', 'ia-29', 'E0102', '路灯不亮', '城北街道某小区');
SELECT is((SELECT concat_ws(' ', county, COALESCE(grid::text, '-'), COALESCE(located_by, '-'), assisted #>> '{place,applied}')
           FROM gridgov.cases WHERE external_id = 'ia-29'), '110115 - - false',
          'a place outside the county given: not applied, the case stays in its county, unlocated');
SELECT is(pg_temp.file('ia-33', 'E0102', '路灯不亮', NULL, '北京市某处'), 'E0102 caller - - DX-CC',
          'a place coarser than a county (a city): not applied');

-- What assisted shows is what the masked text shows.
INSERT INTO gridgov.place_names (name, aliases, grid, kind) VALUES ('金星西路3号院', '{}', '110115004002', 'estate');
SELECT is(pg_temp.file('ia-34', 'E0102', '路灯不亮', NULL, '金星西路3号院5号楼'),
          'E0102 caller 110115004002 address YZ-CC', 'an estate with a number in its name locates the case');
SELECT is(pg_temp.assisted('ia-34') -> 'place', '{"grid": "110115004002", "kind": "estate", "applied": true}',
          'but its name and the term matched are not shown (my_cases stars the address''s digits)');
INSERT INTO words VALUES ('E0102', '路灯不亮 联系 zhangsan@example.com'), ('E0102', '路灯坏了 zhangsan@example.com');
SELECT pg_temp.fit('category', 'category');
SELECT is(pg_temp.file('ia-35', NULL, '路灯不亮', '请联系 zhangsan@example.com', NULL, 116.45, 39.8),
          'E0102 model 110115004001001 point YZ-CC', 'a text with an e-mail address the model has seen');
SELECT ok(NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(pg_temp.assisted('ia-35') #> '{suggestion,words}') w
                      WHERE w IN ('zhangsan', 'zhangsan@example.com')),
          'the words shown leave out what mask_numbers hides (the e-mail''s local part)');

-- 5. Intake's columns are intake's. -----------------------------------------------------------
SELECT throws_ok($$INSERT INTO gridgov.cases (source, category, title, category_by) VALUES ('hotline', 'E0102', 'x', 'caller')$$,
                 'GG105', 'column category_by of a new case is set by gridgov', 'category_by in an INSERT: GG105');
SELECT throws_ok($$INSERT INTO gridgov.cases (source, category, title, located_by) VALUES ('hotline', 'E0102', 'x', 'point')$$,
                 'GG105', NULL, 'located_by in an INSERT: GG105');
SELECT throws_ok($$INSERT INTO gridgov.cases (source, category, title, assisted) VALUES ('hotline', 'E0102', 'x', '{}')$$,
                 'GG105', NULL, 'assisted in an INSERT: GG105');
SELECT throws_ok($$UPDATE gridgov.cases SET category_by = 'caller' WHERE external_id = 'ia-2'$$,
                 'GG105', NULL, 'category_by changed later: GG105');
SELECT throws_ok($$UPDATE gridgov.cases SET assisted = NULL WHERE external_id = 'ia-2'$$,
                 'GG105', NULL, 'assisted changed later: GG105');
UPDATE gridgov.cases SET category = 'H0101' WHERE external_id = 'ia-1';
SELECT is((SELECT category || ' ' || category_by FROM gridgov.cases WHERE external_id = 'ia-1'), 'H0101 fallback',
          'the center sets the category of an unclassified case; category_by keeps how it came in');

-- 6. Settings and GUCs, bad values. -----------------------------------------------------------
SELECT throws_ok($$UPDATE gridgov.settings SET value = 'garbage' WHERE key = 'unclassified_category'$$,
                 '22023', 'setting unclassified_category must be a list of category codes, not "garbage"',
                 'unclassified_category that is no category code: 22023');
SELECT throws_ok($$UPDATE gridgov.settings SET value = 'H99, walking:E9901' WHERE key = 'unclassified_category'$$,
                 '22023', NULL, 'unclassified_category with a source that does not exist: 22023');
SELECT throws_ok($$UPDATE gridgov.settings SET value = 'H99,, E9901' WHERE key = 'unclassified_category'$$,
                 '22023', NULL, 'unclassified_category with an empty entry: 22023');
SET LOCAL gridgov.intake_text_model = '';
UPDATE gridgov.settings SET value = NULL WHERE key = 'unclassified_category';
SELECT throws_ok($$INSERT INTO gridgov.cases (source, title) VALUES ('hotline', '路灯')$$,
                 '23502', 'a case needs a category', 'no model and no unclassified category: 23502, as before');
UPDATE gridgov.settings SET value = 'E9999' WHERE key = 'unclassified_category';
SELECT throws_ok($$INSERT INTO gridgov.cases (source, title) VALUES ('hotline', '路灯')$$,
                 'GG121', NULL, 'an unclassified category that does not exist: GG121 (unknown category)');
UPDATE gridgov.settings SET value = 'H99' WHERE key = 'unclassified_category';
SELECT pg_temp.fit('dept', 'department');
SET LOCAL gridgov.intake_text_model = 'dept';
SELECT is(pg_temp.file('ia-12', NULL, '路灯不亮了', NULL, NULL, 116.45, 39.8),
          'H99 fallback 110115004001001 point YZ-CC',
          'an intake model of another target is no model: the unclassified category, intake goes on');
RESET gridgov.intake_text_model;
SELECT throws_ok($$SELECT gridgov.train_text_model('category', 'department', '2000-01-01', '2100-01-01')$$,
                 '22023', 'text model "category" predicts category, not department',
                 'a retrain keeps a model''s target (intake asks it for categories)');
-- A stored form with a count that is not a number (only an admin writes text_models).
INSERT INTO gridgov.text_models (name, target, since, until, training_rows, classes, params, held_out)
VALUES ('nan', 'category', '2025-01-01', '2026-01-01', 2, 2,
        '\x4747544d01010a00020000000000803f020000000100000005004530313032010000000500453035303501000000160200000000c07f01000000420300001872313f',
        '{}');
SELECT throws_ok($$SELECT * FROM gridgov.suggest_category('aaa', 1, 'nan')$$, 'XX001', NULL,
                 'a stored form with a NaN count is damaged (XX001), not read into NaN probabilities');
SELECT throws_ok($$SET gridgov.intake_suggest_threshold = 1.5$$, '22023', NULL, 'a threshold above 1: 22023');
SELECT throws_ok($$SET gridgov.intake_suggest_threshold = -0.1$$, '22023', NULL, 'a threshold below 0: 22023');

-- 7. Many rows in one statement, each its own. ------------------------------------------------
INSERT INTO gridgov.cases (source, external_id, category, title, address)
VALUES ('hotline', 'ia-30', NULL, '路灯不亮了', '贵园北里社区'),
       ('hotline', 'ia-31', NULL, '工地噪音', NULL),
       ('hotline', 'ia-32', 'E0102', '路灯', '贵园东里社区');
SELECT is((SELECT string_agg(concat_ws(' ', external_id, category, category_by, COALESCE(located_by, '-')), ', '
                             ORDER BY external_id)
           FROM gridgov.cases WHERE external_id IN ('ia-30', 'ia-31', 'ia-32')),
          'ia-30 E0102 model address, ia-31 E0505 model -, ia-32 E0102 caller address',
          'a statement of three rows: each assisted for itself');

-- 8. A grid worker files a case: the model and the gazetteer are read for intake, not by the worker.
CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_ia_worker NOLOGIN;
GRANT gridgov_worker TO gg_ia_worker;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '网格员', id, 'gg_ia_worker' FROM gridgov.departments WHERE code = 'YZ-CC';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004', id, 'worker', '2020-01-01' FROM gridgov.staff WHERE db_role = 'gg_ia_worker';
SET LOCAL ROLE gg_ia_worker;
SELECT throws_ok($$SELECT 1 FROM gridgov.text_models$$, '42501', NULL, 'a worker may not read the models');
SELECT lives_ok($$INSERT INTO gridgov.cases (source, external_id, title, address)
                  VALUES ('patrol', 'ia-40', '路灯不亮了', '贵园北里社区')$$,
                'a worker files a case without category or point');
RESET ROLE;
SELECT is((SELECT concat_ws(' ', category, category_by, grid, located_by) FROM gridgov.cases WHERE external_id = 'ia-40'),
          'E0102 model 110115004001 address', 'and it is categorised and located from its words');

SELECT * FROM finish();
ROLLBACK;

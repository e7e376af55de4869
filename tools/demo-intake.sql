-- make demo: assisted intake on the demo city (docs/assisted-intake.md).  The
-- shipped corpus (test/data/text_corpus.tsv, 1,213 hand-written complaints of
-- 28 categories) comes in as the city's closed history (2025-2026)
-- (tools/corpus_history.sql, through gridgov.import_history), a category model
-- is trained on it, and a 12345 call is filed as the hotline desk writes it
-- down: words and a spoken address, no category, no coordinates.
-- Run from the repository's root after tools/demo/*.sql (tools/demo.sh).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\set corpus test/data/text_corpus.tsv
\set prefix demo-corpus
\ir corpus_history.sql
\set QUIET off
\pset footer off

\echo
\echo '== Assisted intake: a category model learned from the closed history'
SELECT name, training_rows, classes, held_out ->> 'accuracy' AS held_out_accuracy
FROM gridgov.train_text_model('category', 'category', '2025-01-01', pg_catalog.now());

\echo
\echo '== A 12345 call with no category and only a spoken address'
INSERT INTO gridgov.cases (source, external_id, title, description, address)
VALUES ('hotline', 'demo-call-1', '来电反映小区垃圾无人清运',
        '来电人称小区楼下垃圾桶满了好几天没人清运，垃圾堆到路边，气味很大，希望尽快处理。',
        '黄村镇长丰园二区那边')
RETURNING case_no, category, category_by, grid, located_by,
          (SELECT d.name FROM gridgov.departments d WHERE d.id = department_id) AS department;

\echo
\echo '== Why: the model''s probability and the words that weighed most, the place named'
SELECT assisted #>> '{suggestion,category}' AS category,
       pg_catalog.round((assisted #>> '{suggestion,probability}')::numeric, 3) AS probability,
       assisted #> '{suggestion,words}' AS words,
       assisted #>> '{place,name}' AS place, assisted #>> '{place,matched}' AS matched
FROM gridgov.cases WHERE external_id = 'demo-call-1';
SELECT label, pg_catalog.round(probability::numeric, 3) AS probability, words
FROM gridgov.suggest_category('来电人称小区楼下垃圾桶满了好几天没人清运', 3);

-- The held-out accuracy of a category model on the cases tools/corpus_history.sql
-- imported (external ids corpus-*): the model corpus80 is trained on the
-- closed cases reported from the first of them up to the earliest 20% of
-- them by time (so on the earliest 80%, and on any other closed case of that
-- period), then gridgov.suggest_category's first label is compared with the
-- category of each of the latest 20%.  Prints one line: training rows, cases
-- scored, top-1 accuracy.  Used by test/shell/text_corpus.sh and
-- test/bench/140_text_model.sh.
\set QUIET on
SELECT pg_catalog.min(reported_at) AS since FROM gridgov.cases WHERE external_id LIKE 'corpus-%' \gset
SELECT reported_at AS cut FROM gridgov.cases WHERE external_id LIKE 'corpus-%'
ORDER BY reported_at, id
OFFSET (SELECT pg_catalog.count(*) * 8 / 10 FROM gridgov.cases WHERE external_id LIKE 'corpus-%') LIMIT 1 \gset
SELECT training_rows FROM gridgov.train_text_model('corpus80', 'category', :'since', :'cut') \g /dev/null
SELECT m.training_rows, pg_catalog.count(*), pg_catalog.round(pg_catalog.avg((c.category = s.label)::integer), 4)
FROM gridgov.text_models m, gridgov.cases c
LEFT JOIN LATERAL gridgov.suggest_category(gridgov.text_model_document(c.title, c.description), 1, 'corpus80') s ON true
WHERE m.name = 'corpus80' AND c.external_id LIKE 'corpus-%' AND c.reported_at >= :'cut'
GROUP BY m.training_rows;

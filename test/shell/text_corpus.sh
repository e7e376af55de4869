#!/usr/bin/env bash
# The shipped corpus (test/data/text_corpus.tsv: 1,213 labelled texts, 28
# categories) as history, and the category model's accuracy on it (issue 17;
# docs/assisted-intake.md).  In a database of its own (gridgov_text_corpus,
# created and dropped here) with the demo city (tools/democity.sql, seed 1) and
# Daxing's organisation (tools/demo/030_organisation.sql):
#   - tools/corpus_history.sql imports every line as a closed case with its
#     history (the hash chains verify); a second run imports nothing twice; a
#     file with an unknown category is refused whole, with the reason; the
#     script wants its corpus variable;
#   - a category model trained on the earliest 80% of the cases by time (970)
#     classifies the latest 20% (243) by gridgov.suggest_category: its top-1
#     accuracy is printed and must be at least 0.85 (measured: 0.881);
#   - a model of the whole corpus: train_text_model's held_out (latest 10%) and
#     evaluate_text_model (4 folds, rolling origin; its last fold is an 80/20
#     split) are printed and must be at least 0.85 (held_out, last fold) and
#     0.80 (all folds, the first trained on 243 cases only).
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_text_corpus
work=$(mktemp -d)
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

source test/lib/tap.sh
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
value() { q -A -t -c "$1"; }
floor() { awk -v x="$1" -v f="$2" 'BEGIN { exit !(x != "" && x + 0 >= f) }'; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION gridgov CASCADE" >/dev/null
q -f tools/democity.sql >/dev/null
q -c "SELECT democity.build(1)" >/dev/null
q -c "CREATE SCHEMA demo" -c "CREATE TABLE demo.divisions AS SELECT code, name FROM democity.divisions" >/dev/null
q -f tools/demo/030_organisation.sql >/dev/null

# The history -----------------------------------------------------------------------
lines=$(wc -l <test/data/text_corpus.tsv)
out=$(q -v corpus=test/data/text_corpus.tsv -f tools/corpus_history.sql 2>&1) || true
is "tools/corpus_history.sql imports every line of the corpus" \
	"$out" "corpus test/data/text_corpus.tsv x 1 :  $lines cases staged,  $lines imported,  0 already there (skipped)"
is "each a closed case with a grid and a department, reported in office hours (UTC+8)" \
	"$(value "
	          SELECT count(*) FILTER (WHERE c.state = 'closed' AND c.closed_at IS NOT NULL AND c.grid IS NOT NULL
	                                   AND c.department_id IS NOT NULL) || ' closed, located and routed; '
	                 || count(DISTINCT c.category) || ' categories; '
	                 || count(*) FILTER (WHERE c.description IS NULL AND (c.reported_at AT TIME ZONE 'Asia/Shanghai')::time
	                                     BETWEEN '08:00' AND '18:00') || ' short texts reported in office hours'
	          FROM gridgov.cases c WHERE c.external_id LIKE 'corpus-%'")" \
	"$lines closed, located and routed; 28 categories; $lines short texts reported in office hours"
is "the lines, in order, are the cases' categories and titles" \
	"$(q -A -t -F $'\t' -c "SELECT category, (reported_at AT TIME ZONE 'Asia/Shanghai')::date, title
	                         FROM gridgov.cases WHERE external_id LIKE 'corpus-%' ORDER BY external_id" | md5sum)" \
	"$(md5sum <test/data/text_corpus.tsv)"
is "their histories: intake and the workflow's steps to close, hash-chained (verify_histories)" \
	"$(value "SELECT (SELECT count(*) FROM gridgov.verify_histories()) || ' broken; '
	          || (SELECT count(*) FROM gridgov.cases c WHERE c.external_id LIKE 'corpus-%'
	              AND c.events <> 8) || ' without 8 events'")" \
	"0 broken; 0 without 8 events"
is "a second run imports nothing twice" \
	"$(q -v corpus=test/data/text_corpus.tsv -f tools/corpus_history.sql 2>&1)" \
	"corpus test/data/text_corpus.tsv x 1 :  $lines cases staged,  0 imported,  $lines already there (skipped)"
printf 'H0601\t2025-03-01\t物业不修楼道灯\nX9999\t2025-03-02\t不存在的类别\n' >"$work/bad.tsv"
out=$(q -v corpus="$work/bad.tsv" -v prefix=bad -f tools/corpus_history.sql 2>&1) && st=0 || st=$?
is "a file with an unknown category is refused whole, with the reason" \
	"$st:$(grep -c "refused 1 of the corpus' 2 cases: nothing imported" <<<"$out"):$(grep -c "1 x unknown category 'X9999'" <<<"$out"):$(value "SELECT count(*) FROM gridgov.cases WHERE external_id LIKE 'bad-%'"):$(value "SELECT count(*) FROM gridgov.import_cases")" \
	"3:1:1:0:0"
out=$(q -f tools/corpus_history.sql 2>&1) && st=0 || st=$?
is "without the corpus variable it stops and says so" "$st:$(grep -c 'set the variable corpus' <<<"$out")" "3:1"

# The accuracy ------------------------------------------------------------------------
# Earliest 80% by time (970 cases) to train, the latest 20% (243) to score.
read -r train tested acc <<<"$(q -A -t -F ' ' -f test/lib/corpus_split.sql)"
echo "# shipped corpus, time-ordered 80/20 split: trained on $train, top-1 accuracy on the latest $tested: $acc (floor 0.85)"
is "the split: 970 cases to train, 243 to score" "$train:$tested" "970:243"
check "top-1 accuracy on the latest 20% by time is at least 0.85 ($acc)" floor "$acc" 0.85

read -r held held_rows <<<"$(value "SELECT held_out->>'accuracy', held_out->>'rows'
	FROM gridgov.train_text_model('corpus', 'category', '2000-01-01', '2100-01-01')" | tr '|' ' ')"
read -r ev ev_rows last last_rows <<<"$(value "SELECT e->>'accuracy', e->>'rows',
	e->'per_fold'->3->>'accuracy', e->'per_fold'->3->>'rows' FROM gridgov.evaluate_text_model('corpus', 4) e" | tr '|' ' ')"
echo "# whole corpus: train_text_model held_out (latest $held_rows): $held; evaluate_text_model, 4 folds: $ev on $ev_rows, last fold (80/20): $last on $last_rows"
check "train_text_model's held_out accuracy is at least 0.85 ($held)" floor "$held" 0.85
check "evaluate_text_model's last fold (an 80/20 split) is at least 0.85 ($last)" floor "$last" 0.85
check "evaluate_text_model over its 4 folds is at least 0.80 ($ev)" floor "$ev" 0.80
exit $fail

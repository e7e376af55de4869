#!/usr/bin/env bash
# Workflow actions: pgbench, one client, one transaction per fresh hotline case
# taking it through dispatch -> sign -> handle with gridgov.act(), as a login
# that is a member of gridgov_dispatcher and gridgov_department (the role
# checks run), on the demo city with Daxing's organisation; against three
# UPDATEs of a plain copy of the same rows (no triggers) in alternating rounds.
# Prints transactions and actions per second (median round), p99 latency, the
# ratio act/plain, and the ratio to the baseline measured on this machine
# class before the case-engine redesign (issue 11 target: >= 2x).
# BENCH_SCALE scales the duration (15 s a side) and the pool of fresh cases.
set -euo pipefail
secs=$(awk -v s="$BENCH_SCALE" 'BEGIN { t = int(15 * s + 0.5); print (t < 3 ? 3 : t) }')
pool=$(awk -v s="$BENCH_SCALE" 'BEGIN { n = int(60000 * s); print (n < 5000 ? 5000 : n) }')
# act() transactions per second of main at 556ce39 (gridgov 0.1.0 before the
# redesign), this script, 2 vCPUs (docs/benchmarks.md).
baseline_tps=${ACT_BASELINE_TPS:-477}
work=$(mktemp -d "$BENCH_INST/act.XXXXXX")
trap 'rm -rf "$work"' EXIT
pgbench=$(gg_bindir)/pgbench

bench_psql -f tools/democity.sql >/dev/null
bench_psql -c "SELECT democity.build(1)" >/dev/null
bench_psql -c "CREATE SCHEMA demo; CREATE TABLE demo.divisions AS SELECT code, name FROM democity.divisions"
bench_psql -f tools/demo/030_organisation.sql >/dev/null
bench_psql >/dev/null <<SQL
SET client_min_messages = warning;
SELECT gridgov.setup_roles();
DROP ROLE IF EXISTS bench_clerk;
CREATE ROLE bench_clerk LOGIN IN ROLE gridgov_dispatcher, gridgov_department;
GRANT USAGE ON SCHEMA public TO bench_clerk;
-- A pool of fresh hotline cases, reported an hour ago, taken one per transaction.
INSERT INTO gridgov.cases (source, external_id, category, title, reported_at)
SELECT 'hotline', 'act-' || g, 'H0101', '压测：工单流转', pg_catalog.now() - interval '1 hour'
FROM pg_catalog.generate_series(1, $pool) g;
CREATE TABLE bench_act_pool AS
SELECT pg_catalog.row_number() OVER (ORDER BY id) AS i, id FROM gridgov.cases WHERE external_id LIKE 'act-%';
ALTER TABLE bench_act_pool ADD PRIMARY KEY (i);
CREATE SEQUENCE bench_act_seq;
CREATE SEQUENCE bench_plain_seq;
-- The plain side: the same rows in a table without triggers, updated the same way.
CREATE TABLE bench_act_plain AS SELECT * FROM gridgov.cases WHERE external_id LIKE 'act-%';
ALTER TABLE bench_act_plain ADD PRIMARY KEY (county, id);
CREATE INDEX ON bench_act_plain (id);
GRANT SELECT ON bench_act_pool TO bench_clerk;
GRANT SELECT, UPDATE ON bench_act_plain TO bench_clerk;
GRANT USAGE ON SEQUENCE bench_act_seq, bench_plain_seq TO bench_clerk;
VACUUM ANALYZE bench_act_pool;
VACUUM ANALYZE bench_act_plain;
SQL
dept=$(bench_psql -Atc "SELECT department_id FROM gridgov.cases WHERE external_id = 'act-1'")

cat >"$work/act.sql" <<EOF
SELECT id AS cid FROM bench_act_pool WHERE i = (SELECT pg_catalog.nextval('bench_act_seq')) \gset
SELECT (gridgov.act(:cid, 'dispatch', NULL, '{"department_id": $dept}')).state;
SELECT (gridgov.act(:cid, 'sign')).state;
SELECT (gridgov.act(:cid, 'handle')).state;
EOF
# (the plain side is about twenty times faster: it goes round the pool)
cat >"$work/plain.sql" <<EOF
SELECT id AS cid FROM bench_act_pool WHERE i = 1 + (SELECT pg_catalog.nextval('bench_plain_seq')) % $pool \gset
UPDATE bench_act_plain SET state = 'dispatched', dispatches = dispatches + 1, updated_at = pg_catalog.now() WHERE id = :cid;
UPDATE bench_act_plain SET state = 'signed', updated_at = pg_catalog.now() WHERE id = :cid;
UPDATE bench_act_plain SET state = 'handled', updated_at = pg_catalog.now() WHERE id = :cid;
EOF

run_pgbench() { # script seconds log-prefix
	"$pgbench" -n -M prepared -c 1 -j 1 -T "$2" -f "$work/$1.sql" -l --log-prefix="$3" \
		-h "$BENCH_INST" -p "$BENCH_PORT" -U bench_clerk "$BENCH_DB" >"$work/pgbench.out" 2>&1 || true
	grep -q '^tps = ' "$work/pgbench.out" || { grep -i error "$work/pgbench.out" >&2; exit 1; }
	sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.out"
}
p99() { cat "$1"*.* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f", v[i] / 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

round_secs=$(( (secs + 2) / 3 ))
: >"$work/act.tps"
: >"$work/plain.tps"
for r in 1 2 3; do
	run_pgbench act "$round_secs" "$work/act-log$r" >>"$work/act.tps"
	run_pgbench plain "$round_secs" "$work/plain-log$r" >>"$work/plain.tps"
done
act_tps=$(median <"$work/act.tps")
plain_tps=$(median <"$work/plain.tps")
act_p99=$(p99 "$work/act-log")
plain_p99=$(p99 "$work/plain-log")
used=$(bench_psql -Atc "SELECT last_value FROM bench_act_seq")
check=$(bench_psql -Atc "SELECT pg_catalog.count(*) FILTER (WHERE state = 'handled') || ' cases handled, '
                                || (SELECT pg_catalog.count(*) FROM gridgov.verify_histories('110115')) || ' history problems'
                         FROM gridgov.cases WHERE external_id LIKE 'act-%'")
if [ "$used" -ge "$pool" ]; then
	echo "act: the pool of $pool fresh cases ran out; raise BENCH_SCALE's pool" >&2
fi

awk -v at="$act_tps" -v pt="$plain_tps" -v ap="$act_p99" -v pp="$plain_p99" -v rs="$round_secs" \
	-v base="$baseline_tps" -v check="$check" 'BEGIN {
	printf "workflow actions: fresh hotline cases, dispatch -> sign -> handle in one transaction, as a dispatcher+department login\n"
	printf "  pgbench 1 client, 3 alternating rounds of %d s each (median):\n", rs
	printf "    act() x3:              %8.0f tps (%5.0f actions/s), p99 %6.3f ms\n", at, 3 * at, ap
	printf "    plain UPDATE x3:       %8.0f tps, p99 %6.3f ms\n", pt, pp
	printf "    ratio act/plain: %.2fx; %s\n", at / pt, check
	if (base > 0)
		printf "    ratio to the baseline before the redesign (%.0f tps): %.2fx (target >= 2x)\n", base, at / base
}'

bench_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
SET session_replication_role = replica;
TRUNCATE gridgov.cases, gridgov.case_events, gridgov.case_clocks CASCADE;
RESET session_replication_role;
DROP TABLE bench_act_pool, bench_act_plain;
DROP SEQUENCE bench_act_seq, bench_plain_seq;
DROP OWNED BY bench_clerk;
DROP ROLE bench_clerk;
DELETE FROM gridgov.grid_staff;
DELETE FROM gridgov.staff;
DELETE FROM gridgov.components;
DELETE FROM gridgov.routing_rules;
DELETE FROM gridgov.departments;
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
DROP SCHEMA demo CASCADE;
SELECT democity.clear();
SQL

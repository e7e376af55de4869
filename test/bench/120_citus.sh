#!/usr/bin/env bash
# Scale-out on Citus (issue 14; docs/scaling.md): COPY intake on a Citus
# coordinator against one server, on the same machine.
#   The same demo city (tools/democity.sql, seed 1) and Daxing's organisation
#   in three databases: the benchmark instance (one server), and on a Citus
#   cluster of three local instances (gg_citus_start: a coordinator and two
#   workers) one database with both workers and one with a single worker
#   (Citus's metadata is per database), each after gridgov.distribute().
#   A CSV of n cases (50,000 x BENCH_SCALE) with their county, random points
#   of the city in GCJ-02, active categories, reported over a year, is copied
#   into gridgov.cases of each, in alternating rounds (fresh external ids each
#   round); the median cases per second of each and the ratios cluster / one
#   server (target: >= 0.8x with two workers).  The same file through
#   gridgov.case_inbox (no county: computed on the coordinator) on the
#   two-worker cluster, for information.
# Skipped (with the reason) when Citus is not available (gg_citus_available).
set -euo pipefail
source tools/lib.sh   # the cluster's functions (gg_citus_*)
n=$(awk -v s="$BENCH_SCALE" 'BEGIN { v = int(50000 * s); print (v < 5000 ? 5000 : v) }')
rounds=3
echo "== Citus: COPY intake, coordinator + workers vs one server ($n cases a COPY, $rounds rounds)"
if ! why=$(gg_citus_available); then
	echo "skipped: $why"
	exit 0
fi
source test/bench/lib/fresh_demo.sh
work=$(mktemp -d "$BENCH_INST/citus.XXXXXX")
cluster=$(mktemp -d /tmp/gridgov-bench-citus.XXXXXX)
cleanup() {
	gg_citus_stop "$cluster"
	rm -rf "$work" "$cluster"
	fresh_drop
}
trap cleanup EXIT
bench_fresh_demo gridgov_bench_citus
gg_citus_start "$cluster" gg2 >/dev/null
coord() { gg_psql "$cluster/n0" "${GG_CITUS_PORTS[0]}" "$@"; }
# The one-worker database: citus on the coordinator and the first worker only.
for i in 0 1; do
	gg_psql "$cluster/n$i" "${GG_CITUS_PORTS[$i]}" postgres -q -c "CREATE DATABASE gg1" >/dev/null
	gg_psql "$cluster/n$i" "${GG_CITUS_PORTS[$i]}" gg1 -q -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION citus" >/dev/null
done
coord gg1 -q -o /dev/null -c "SELECT pg_catalog.citus_set_coordinator_host('localhost', ${GG_CITUS_PORTS[0]})" \
	-c "SELECT pg_catalog.citus_add_node('localhost', ${GG_CITUS_PORTS[1]})"
for db in gg2 gg1; do
	coord "$db" -q -o /dev/null -c "SET client_min_messages = warning" -c "CREATE EXTENSION gridgov CASCADE" \
		-c "SELECT * FROM gridgov.distribute()"
	coord "$db" -q -o /dev/null -f tools/democity.sql 2>/dev/null  # Citus's warnings on its helper functions
	coord "$db" -q -o /dev/null -c "SELECT democity.build(1)"
	coord "$db" -q -o /dev/null -c "CREATE SCHEMA demo; CREATE TABLE demo.divisions AS SELECT code, name FROM democity.divisions"
	coord "$db" -q -o /dev/null -f tools/demo/030_organisation.sql >/dev/null
done

# The cases, with the county intake gives them (the same on every database).
fresh_psql -o /dev/null <<SQL
SELECT pg_catalog.setseed(0.12);
CREATE TABLE bench_citus_src AS
SELECT g AS i, gridgov.case_county(p, 'wgs84') AS county,
       (ARRAY['patrol', 'hotline', 'app', 'video'])[1 + g % 4] AS source,
       c.code AS category, '案件 ' || g AS title,
       ST_AsEWKT(gridgov.from_wgs84(p, 'gcj02')) AS location,
       timestamptz '2025-12-01 00:00+08' + (g::double precision / $n) * interval '365 days' AS reported_at
FROM (SELECT g, ST_SetSRID(ST_MakePoint(116.21 + pg_catalog.random() * 0.52, 39.44 + pg_catalog.random() * 0.40), 4326) AS p
      FROM pg_catalog.generate_series(1, $n) g) x
CROSS JOIN LATERAL (SELECT code FROM gridgov.categories WHERE active AND pg_catalog.length(code) = 5
                    ORDER BY pg_catalog.hashint4(g + pg_catalog.length(code)), code LIMIT 1) c;
SQL
for r in $(seq 1 "$rounds") inbox; do
	fresh_psql -c "\\copy (SELECT county, source, 'r$r-' || i, category, title, location, 'gcj02', reported_at FROM bench_citus_src ORDER BY i) TO '$work/cases-$r.csv' CSV"
done
cols="county, source, external_id, category, title, location, coord_system, reported_at"
# Seconds of one \copy of file into db (psql \timing), printed.
copy_secs() {
	local who=$1 file=$2 out
	case $who in
	one) out=$(fresh_psql -c '\timing on' -c "\\copy gridgov.cases ($cols) FROM '$file' CSV") ;;
	gg2 | gg1) out=$(coord "$who" -q -c '\timing on' -c "\\copy gridgov.cases ($cols) FROM '$file' CSV") ;;
	inbox) out=$(coord gg2 -q -c '\timing on' -c "\\copy gridgov.case_inbox (source, external_id, category, title, location, coord_system, reported_at) FROM PROGRAM 'cut -d, -f2- $file' CSV") ;;
	esac
	awk '/^Time:/ { print $2 / 1000 }' <<<"$out" | tail -n 1
}
declare -A secs
for r in $(seq 1 "$rounds"); do
	# Alternate the order of the three each round.
	case $((r % 3)) in
	1) order="one gg2 gg1" ;;
	2) order="gg2 gg1 one" ;;
	0) order="gg1 one gg2" ;;
	esac
	for who in $order; do
		secs[$who]+="$(copy_secs "$who" "$work/cases-$r.csv") "
	done
done
inbox=$(copy_secs inbox "$work/cases-inbox.csv")
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
one=$(median "${secs[one]}")
two=$(median "${secs[gg2]}")
single=$(median "${secs[gg1]}")
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
printf '%-44s %10s cases/s  (%s)\n' "one server (COPY into gridgov.cases)" "$(rate "$one")" "${secs[one]% }"
printf '%-44s %10s cases/s  (%s)\n' "Citus, coordinator + 2 workers" "$(rate "$two")" "${secs[gg2]% }"
printf '%-44s %10s cases/s  (%s)\n' "Citus, coordinator + 1 worker" "$(rate "$single")" "${secs[gg1]% }"
printf '%-44s %10s cases/s\n' "Citus, 2 workers, gridgov.case_inbox (no county)" "$(rate "$inbox")"
awk -v a="$one" -v b="$two" -v c="$single" 'BEGIN {
	printf "ratio 2 workers / one server: %.2fx (target >= 0.8x)\n", a / b
	printf "ratio 1 worker / one server:  %.2fx\n", a / c
	printf "2 workers / 1 worker:         %.2fx\n", c / b }'
# Every copy was taken in: cases, each with its intake event.
for db in gg2 gg1; do
	cases=$(coord "$db" -Atc "SELECT pg_catalog.count(*) FROM gridgov.cases")
	events=$(coord "$db" -Atc "SELECT pg_catalog.count(*) FROM gridgov.case_events WHERE action = 'intake'")
	echo "check $db: $cases cases, $events intake events"
done

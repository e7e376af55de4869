#!/usr/bin/env bash
# Likely duplicates with stale statistics (issue 11, item 6: no plan cliffs).
# In a database of its own (a fresh set of tables, never analysed; autovacuum
# off for gridgov.cases so that nothing analyses it in between), on the demo
# city (tools/democity.sql, seed 1) with Daxing's organisation:
#   1. COPY 100,000 cases (CSV, WGS-84 points inside the city's grids, the
#      active event categories, reported over 30 days) through the triggers;
#   2. COPY 5,000 new cases, each 30 m from a loaded case of its category and
#      reported 2 hours after it, so that each has a likely duplicate: with the
#      statistics as the load left them (none);
#   3. ANALYZE gridgov.cases, then COPY 5,000 more such cases (other targets).
# Prints the rates of 2 and 3 (cases per second, every case checked to be
# flagged) and their ratio; target: stale within 2x of fresh (>= 0.5x).
# BENCH_SCALE scales the sizes (at least 2,000 loaded and 200 new).
set -euo pipefail
n_load=$(awk -v s="$BENCH_SCALE" 'BEGIN { n = int(100000 * s); print (n < 2000 ? 2000 : n) }')
n_new=$(awk -v s="$BENCH_SCALE" 'BEGIN { n = int(5000 * s); print (n < 200 ? 200 : n) }')
work=$(mktemp -d "$BENCH_INST/dup.XXXXXX")
source test/bench/lib/fresh_demo.sh
trap 'rm -rf "$work"; fresh_drop' EXIT
bench_fresh_demo gridgov_bench_dup
fresh_psql >/dev/null <<SQL
SELECT pg_catalog.setseed(0.9);
-- Points inside the city's grids, and the active categories.
CREATE TABLE bench_pts AS
SELECT pg_catalog.row_number() OVER () AS i, p AS geom
FROM (SELECT ST_SetSRID(ST_MakePoint(116.21 + pg_catalog.random() * 0.52,
                                     39.44 + pg_catalog.random() * 0.40), 4326) AS p
      FROM pg_catalog.generate_series(1, $n_load * 5 / 2) g) c
WHERE gridgov.locate(p) IS NOT NULL
LIMIT $n_load;
CREATE TABLE bench_cats AS
SELECT pg_catalog.row_number() OVER (ORDER BY code) AS i, code FROM gridgov.categories WHERE active AND code LIKE 'E____';
-- The load: case g at point g, category g mod the categories, over 30 days.
CREATE TABLE bench_load AS
SELECT g, 'dup-load-' || g AS external_id, c.code AS category, p.geom,
       '2026-10-01 00:00+08'::timestamptz + (g * 30 * 86400 / $n_load) * interval '1 second' AS reported_at
FROM pg_catalog.generate_series(1, (SELECT pg_catalog.count(*) FROM bench_pts)) g
JOIN bench_pts p ON p.i = g
JOIN bench_cats c ON c.i = 1 + g % (SELECT pg_catalog.count(*) FROM bench_cats);
\\copy (SELECT 'app', external_id, category, '历史工单 ' || g, ST_AsEWKT(geom), reported_at FROM bench_load ORDER BY g) TO '$work/load.csv' WITH (FORMAT csv)
-- New cases: batch b (0 stale, 1 fresh) takes every 20th loaded case from
-- offset 10 * b as its target: 30 m away, same category, 2 hours later.
\\copy (SELECT 'app', 'dup-new-' || b || '-' || g, category, '疑似重复 ' || g, ST_AsEWKT(ST_Project(geom::geography, 30, g)::geometry), reported_at + interval '2 hours', b FROM bench_load, pg_catalog.generate_series(0, 1) b WHERE g % 20 = 10 * b + 1 AND g <= 20 * $n_new ORDER BY b, g) TO '$work/new.csv' WITH (FORMAT csv)
SQL
grep ',0$' "$work/new.csv" | sed 's/,0$//' >"$work/new-stale.csv"
grep ',1$' "$work/new.csv" | sed 's/,1$//' >"$work/new-fresh.csv"
ncat=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM bench_cats")
n_stale=$(wc -l <"$work/new-stale.csv")
n_fresh=$(wc -l <"$work/new-fresh.csv")

copy_cases() { # file -> seconds
	local t0 t1
	t0=$(date +%s.%N)
	fresh_psql -c "\\copy gridgov.cases (source, external_id, category, title, location, reported_at) FROM '$1' WITH (FORMAT csv)" >/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
t_load=$(copy_cases "$work/load.csv")
stats_before=$(fresh_psql -Atc "SELECT s.last_analyze IS NULL AND s.last_autoanalyze IS NULL
                                     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats WHERE schemaname = 'gridgov' AND tablename = 'cases')
                              FROM pg_catalog.pg_stat_user_tables s WHERE s.relid = 'gridgov.cases'::pg_catalog.regclass")
t_stale=$(copy_cases "$work/new-stale.csv")
fresh_psql -c "ANALYZE gridgov.cases"
t_fresh=$(copy_cases "$work/new-fresh.csv")
flagged=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FILTER (WHERE external_id LIKE 'dup-new-0-%' AND possible_duplicate_of IS NOT NULL) || ' of $n_stale and '
                                || pg_catalog.count(*) FILTER (WHERE external_id LIKE 'dup-new-1-%' AND possible_duplicate_of IS NOT NULL) || ' of $n_fresh'
                         FROM gridgov.cases WHERE external_id LIKE 'dup-new-%'")

awk -v nl="$n_load" -v tl="$t_load" -v ns="$n_stale" -v ts="$t_stale" -v nf="$n_fresh" -v tf="$t_fresh" \
	-v fl="$flagged" -v sb="$stats_before" -v nc="$ncat" 'BEGIN {
	printf "likely duplicates with stale statistics: demo city, Daxing organisation, a fresh database\n"
	printf "  COPY of %d cases (30 days, %d categories) into fresh tables: %.1f s, %.0f cases/s\n", nl, nc, tl, nl / tl
	printf "  COPY of %d cases, each 30 m and 2 h from a loaded case of its category:\n", ns
	printf "    before ANALYZE (no statistics on cases: %s): %7.2f s, %8.0f cases/s\n", (sb == "t" ? "none" : "SOME"), ts, ns / ts
	printf "    after ANALYZE (%d other cases):              %7.2f s, %8.0f cases/s\n", nf, tf, nf / tf
	r = (ns / ts) / (nf / tf)
	printf "    ratio stale/fresh: %.2fx (target >= 0.5x: %s); flagged as likely duplicates: %s\n", r, (r >= 0.5 ? "met" : "NOT met"), fl
}'

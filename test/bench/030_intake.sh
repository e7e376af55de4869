#!/usr/bin/env bash
# Case intake on the demo city (tools/democity.sql, seed 1, ~3,600 grids) with
# Daxing's organisation, routing rules and home county (tools/demo/030_organisation.sql):
#   single row: pgbench, one client, one INSERT per transaction (prepared) of a
#     case with a random GCJ-02 point inside the city, a random active category,
#     source and external id, through the full trigger path (coordinates, locate,
#     route, number, duplicate check, intake event) against the same INSERT into
#     a plain table of the same shape and indexes without triggers, CHECKs or
#     foreign keys (its NOT NULL columns that the trigger fills are nullable, the
#     county has a default), in three alternating rounds; median tps, p99
#     latency and the ratio (target: >= 0.4x);
#   COPY: 1,000,000 cases (CSV, EWKT locations in GCJ-02, reported over the
#     year before last)
#     through the triggers, in cases per second (target: >= 20,000/s), and the
#     same file into the plain table for scale; then
#     another 1,000,000 (the last year) in two files by two concurrent COPYs.
# BENCH_SCALE scales the pgbench duration (15 s a side) and the COPY sizes.
set -euo pipefail
secs=$(awk -v s="$BENCH_SCALE" 'BEGIN { t = int(15 * s + 0.5); print (t < 3 ? 3 : t) }')
n_copy=$(awk -v s="$BENCH_SCALE" 'BEGIN { printf "%d", 1000000 * s }')
work=$(mktemp -d "$BENCH_INST/intake.XXXXXX")
trap 'rm -rf "$work"' EXIT
pgbench=$(gg_bindir)/pgbench

# Demo city, organisation (030 reads demo.divisions), points, plain table.
bench_psql -f tools/democity.sql >/dev/null
bench_psql -c "SELECT democity.build(1)" >/dev/null
bench_psql -c "CREATE SCHEMA demo; CREATE TABLE demo.divisions AS SELECT code, name FROM democity.divisions"
bench_psql -f tools/demo/030_organisation.sql >/dev/null
bench_psql <<'SQL'
SELECT pg_catalog.setseed(0.3) \g /dev/null
-- 100,000 points inside the city's grids, as a map app sends them (GCJ-02).
CREATE TABLE bench_pts AS
SELECT pg_catalog.row_number() OVER () AS i, gridgov.from_wgs84(p, 'gcj02') AS geom
FROM (SELECT ST_SetSRID(ST_MakePoint(116.21 + pg_catalog.random() * 0.52,
                                     39.44 + pg_catalog.random() * 0.40), 4326) AS p
      FROM pg_catalog.generate_series(1, 250000)) c
WHERE gridgov.locate(p) IS NOT NULL
LIMIT 100000;
ALTER TABLE bench_pts ADD PRIMARY KEY (i);
CREATE TABLE bench_cats AS
SELECT pg_catalog.row_number() OVER (ORDER BY code) AS i, code FROM gridgov.categories WHERE active;
CREATE TABLE bench_plain (LIKE gridgov.cases INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES);
ALTER TABLE bench_plain ALTER COLUMN county SET DEFAULT '110115',
    ALTER COLUMN case_no DROP NOT NULL, ALTER COLUMN urgency DROP NOT NULL,
    ALTER COLUMN workflow DROP NOT NULL, ALTER COLUMN state DROP NOT NULL;
VACUUM ANALYZE bench_pts;
VACUUM ANALYZE bench_cats;
SQL
npts=$(bench_psql -Atc "SELECT pg_catalog.count(*) FROM bench_pts")
cats=$(bench_psql -Atc "SELECT pg_catalog.string_agg(pg_catalog.quote_literal(code), ',' ORDER BY i) FROM bench_cats")
ncat=$(bench_psql -Atc "SELECT pg_catalog.count(*) FROM bench_cats")

for target in gridgov.cases bench_plain; do
	cat >"$work/$target.sql" <<EOF
\\set k random(1, $npts)
\\set c random(1, $ncat)
\\set s random(1, 7)
\\set x random(1, 9000000000000000000)
INSERT INTO $target (source, external_id, category, title, location, coord_system)
VALUES ((ARRAY['hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city']::gridgov.case_source[])[:s],
        'pgb-' || :x, (ARRAY[$cats])[:c], '压测：随手拍上报',
        (SELECT geom FROM bench_pts WHERE i = :k), 'gcj02');
EOF
done

run_pgbench() { # target seconds [log prefix]
	local args=(-n -M prepared -c 1 -j 1 -T "$2" -f "$work/$1.sql" -h "$BENCH_INST" -p "$BENCH_PORT" -U postgres)
	[ $# -gt 2 ] && args+=(-l --log-prefix="$3")
	"$pgbench" "${args[@]}" "$BENCH_DB" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
# p99 of the per-transaction latencies (3rd field, microseconds) of a pgbench log.
p99() { cat "$1"*.* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f", v[i] / 1000 }'; }

# Three alternating rounds of each (a third of the time each), so that a
# checkpoint or autovacuum in the background weighs on both sides alike; the
# median round of each side is reported, p99 over all its rounds.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
run_pgbench gridgov.cases 2 >/dev/null
run_pgbench bench_plain 2 >/dev/null
round_secs=$(( (secs + 2) / 3 ))
: >"$work/full.tps"
: >"$work/plain.tps"
for r in 1 2 3; do
	run_pgbench gridgov.cases "$round_secs" "$work/full-log$r" >>"$work/full.tps"
	run_pgbench bench_plain "$round_secs" "$work/plain-log$r" >>"$work/plain.tps"
done
full_tps=$(median <"$work/full.tps")
plain_tps=$(median <"$work/plain.tps")
full_p99=$(p99 "$work/full-log")
plain_p99=$(p99 "$work/plain-log")
located=$(bench_psql -Atc "SELECT pg_catalog.round(100.0 * pg_catalog.count(grid) / pg_catalog.count(*)) || '% located, '
                                  || pg_catalog.count(possible_duplicate_of) || ' flagged as likely duplicates'
                           FROM gridgov.cases")

# COPY: a year of cases, ~2,700 a day, written to CSV first.
bench_psql <<SQL
\\copy (SELECT (ARRAY['hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city'])[1 + g % 7], 'copy-' || g, c.code, '历史工单 ' || g, ST_AsEWKT(ST_Translate(p.geom, ((g * 7) % 101 - 50) * 1e-5, ((g * 13) % 101 - 50) * 1e-5)), 'gcj02', pg_catalog.date_trunc('day', pg_catalog.now()) - interval '731 days' + g * interval '31.5 seconds' FROM pg_catalog.generate_series(1::bigint, $n_copy) g JOIN bench_pts p ON p.i = 1 + (g * 7919) % $npts JOIN bench_cats c ON c.i = 1 + (g * 104729) % $ncat) TO '$work/cases.csv' WITH (FORMAT csv)
SQL
before=$(bench_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.case_events")
t0=$(date +%s.%N)
bench_psql -c "\\copy gridgov.cases (source, external_id, category, title, location, coord_system, reported_at) FROM '$work/cases.csv' WITH (FORMAT csv)" >/dev/null
t1=$(date +%s.%N)
copied=$(bench_psql -Atc "SELECT pg_catalog.count(*) || ' cases and ' || (SELECT pg_catalog.count(*) - $before FROM gridgov.case_events)
                                 || ' intake events written; ' || pg_catalog.round(100.0 * pg_catalog.count(grid) / pg_catalog.count(*))
                                 || '% located, ' || pg_catalog.count(possible_duplicate_of) || ' flagged as likely duplicates'
                          FROM gridgov.cases WHERE external_id LIKE 'copy-%'")
# The same file into the plain table, for scale.
t4=$(date +%s.%N)
bench_psql -c "\\copy bench_plain (source, external_id, category, title, location, coord_system, reported_at) FROM '$work/cases.csv' WITH (FORMAT csv)" >/dev/null
t5=$(date +%s.%N)
# The same number of cases, a year later, in two files loaded by two
# concurrent COPYs (one per core of a 2-core machine): how a DBA loads a
# history faster.
for half in 1 2; do
	bench_psql <<SQL
\\copy (SELECT (ARRAY['hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city'])[1 + g % 7], 'copy2-' || g, c.code, '历史工单 ' || g, ST_AsEWKT(ST_Translate(p.geom, ((g * 7) % 101 - 50) * 1e-5, ((g * 13) % 101 - 50) * 1e-5)), 'gcj02', pg_catalog.date_trunc('day', pg_catalog.now()) - interval '366 days' + g * interval '31.5 seconds' FROM pg_catalog.generate_series(1::bigint, $n_copy) g JOIN bench_pts p ON p.i = 1 + (g * 7919) % $npts JOIN bench_cats c ON c.i = 1 + (g * 104729) % $ncat WHERE g % 2 = $half - 1) TO '$work/cases2-$half.csv' WITH (FORMAT csv)
SQL
done
t2=$(date +%s.%N)
for half in 1 2; do
	bench_psql -c "\\copy gridgov.cases (source, external_id, category, title, location, coord_system, reported_at) FROM '$work/cases2-$half.csv' WITH (FORMAT csv)" >/dev/null &
done
wait
t3=$(date +%s.%N)
copied2=$(bench_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.cases WHERE external_id LIKE 'copy2-%'")
[ "$copied2" = "$n_copy" ] || { echo "the two concurrent COPYs wrote $copied2 cases of $n_copy" >&2; exit 1; }

awk -v ft="$full_tps" -v pt="$plain_tps" -v fp="$full_p99" -v pp="$plain_p99" -v secs="$secs" \
	-v loc="$located" -v n="$n_copy" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v copied="$copied" \
	-v rs="$round_secs" -v t4="$t4" -v t5="$t5" 'BEGIN {
	printf "case intake: demo city (~3,600 grids), Daxing organisation (40 rules), random GCJ-02 points, categories, sources\n"
	printf "  single-row INSERT, pgbench 1 client, 3 alternating rounds of %d s each (median):\n", rs
	printf "    full trigger path:        %8.0f tps, p99 %6.3f ms\n", ft, fp
	printf "    plain table, no triggers: %8.0f tps, p99 %6.3f ms\n", pt, pp
	printf "    ratio full/plain: %.2fx (target >= 0.4x); %s\n", ft / pt, loc
	r = n / (t1 - t0)
	printf "  COPY of %d cases (CSV, EWKT GCJ-02) through the triggers: %.1f s, %.0f cases/s (target >= 20,000/s)\n", n, t1 - t0, r
	printf "    %s; a 4,000,000-case history takes %.1f min\n", copied, 4000000 / r / 60
	rp = n / (t5 - t4)
	printf "    the same file into the plain table: %.1f s, %.0f cases/s (ratio %.2fx, target >= 0.4x)\n", t5 - t4, rp, r / rp
	r2 = n / (t3 - t2)
	printf "  COPY of another %d cases in two files by two concurrent sessions: %.1f s, %.0f cases/s\n", n, t3 - t2, r2
}'

# Leave the database as we found it: cases are never deleted, except here by
# switching the triggers off.
bench_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
SET session_replication_role = replica;
TRUNCATE gridgov.cases, gridgov.case_events, gridgov.case_clocks CASCADE;
RESET session_replication_role;
DROP TABLE bench_plain, bench_pts, bench_cats;
DELETE FROM gridgov.grid_staff;
DELETE FROM gridgov.staff;
DELETE FROM gridgov.components;
DELETE FROM gridgov.routing_rules;
DELETE FROM gridgov.departments;
UPDATE gridgov.settings SET value = NULL WHERE key = 'home_county';
DROP SCHEMA demo CASCADE;
SELECT democity.clear();
SQL

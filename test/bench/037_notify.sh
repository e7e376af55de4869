#!/usr/bin/env bash
# The cost of NOTIFY gridgov_events on intake (issue 15, item 8; docs/events.md).
# In a database of its own, on the demo city (tools/democity.sql, seed 1) with
# Daxing's organisation, the same intake with notifications as shipped
# (gridgov.notify_max_per_transaction = 1000) and with none (0), side by side
# in five alternating rounds (on, off, on, off, ...; the machine is noisy), the
# median round of each:
#   COPY: 50,000 cases per round (CSV, WGS-84 points around the city's grids,
#     the active categories, reported over 30 days of their own) through the
#     triggers, in cases per second: 1,000 notifications and a summary per COPY;
#   single row: pgbench, one client, one INSERT of a case per transaction
#     (prepared), in transactions per second: one notification each.
# Prints both sides and the ratio on/off. No listener: the notifications are
# written to the queue and dropped (PostgreSQL keeps no queue for no listener).
# BENCH_SCALE scales the COPY size (at least 5,000) and the pgbench time (25 s a side).
set -euo pipefail
n_copy=$(awk -v s="$BENCH_SCALE" 'BEGIN { n = int(50000 * s); print (n < 5000 ? 5000 : n) }')
secs=$(awk -v s="$BENCH_SCALE" 'BEGIN { t = int(25 * s + 0.5); print (t < 5 ? 5 : t) }')
work=$(mktemp -d "$BENCH_INST/notify.XXXXXX")
source test/bench/lib/fresh_demo.sh
trap 'rm -rf "$work"; fresh_drop' EXIT
bench_fresh_demo gridgov_bench_notify
pgbench=$(gg_bindir)/pgbench
# A point inside each of the city's finest grids (the cases spread around them).
fresh_psql >/dev/null <<SQL
CREATE TABLE bench_pts AS
SELECT pg_catalog.row_number() OVER (ORDER BY code) AS i, ST_PointOnSurface(geom) AS geom
FROM gridgov.grids
WHERE valid_to = 'infinity' AND level = (SELECT pg_catalog.max(level) FROM gridgov.grids);
ALTER TABLE bench_pts ADD PRIMARY KEY (i);
CREATE TABLE bench_cats AS
SELECT pg_catalog.row_number() OVER (ORDER BY code) AS i, code FROM gridgov.categories WHERE active;
VACUUM ANALYZE bench_pts;
SQL
npts=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM bench_pts")
ncat=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM bench_cats")

# Round r of side s (0 on, 1 off) covers its own 30 days, so that no round's
# cases are likely duplicates of another's.
copy_file() { # round side
	local days=$(( 400 - 30 * (2 * $1 + $2) ))
	fresh_psql <<SQL
\\copy (SELECT 'patrol', 'notify-$1-$2-' || g, c.code, '压测 ' || g, ST_AsEWKT(ST_Translate(p.geom, ((g * 7) % 21 - 10) * 1e-5, ((g * 13) % 21 - 10) * 1e-5)), pg_catalog.date_trunc('day', pg_catalog.now()) - interval '$days days' + g * (interval '30 days' / $n_copy) FROM pg_catalog.generate_series(1::bigint, $n_copy) g JOIN bench_pts p ON p.i = 1 + (g * 7919) % $npts JOIN bench_cats c ON c.i = 1 + (g * 104729) % $ncat) TO '$work/copy-$1-$2.csv' WITH (FORMAT csv)
SQL
}
run_copy() { # round side limit -> cases per second
	local t0 t1
	t0=$(date +%s.%N)
	fresh_psql -c "SET gridgov.notify_max_per_transaction = $3" \
		-c "\\copy gridgov.cases (source, external_id, category, title, location, reported_at) FROM '$work/copy-$1-$2.csv' WITH (FORMAT csv)" >/dev/null
	t1=$(date +%s.%N)
	awk -v n="$n_copy" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f\n", n / (t1 - t0) }'
}

cat >"$work/insert.sql" <<EOF
\\set k random(1, $npts)
\\set c random(1, $ncat)
\\set x random(1, 9000000000000000000)
INSERT INTO gridgov.cases (source, external_id, category, title, location)
VALUES ('app', 'notify-pgb-' || :x, (SELECT code FROM bench_cats WHERE i = :c), '压测：随手拍上报',
        (SELECT geom FROM bench_pts WHERE i = :k));
EOF
run_pgbench() { # limit seconds -> tps
	PGOPTIONS="-c gridgov.notify_max_per_transaction=$1" "$pgbench" -n -M prepared -c 1 -j 1 -T "$2" \
		-f "$work/insert.sql" -h "$BENCH_INST" -p "$BENCH_PORT" -U postgres "$BENCH_FRESH_DB" 2>&1 |
		awk '/^tps = / { printf "%.0f\n", $3 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

rounds="1 2 3 4 5"
for r in $rounds; do
	copy_file "$r" 0
	copy_file "$r" 1
done
run_pgbench 1000 2 >/dev/null
run_pgbench 0 2 >/dev/null
round_secs=$(( (secs + 4) / 5 ))
: >"$work/copy.on"; : >"$work/copy.off"; : >"$work/tps.on"; : >"$work/tps.off"
for r in $rounds; do
	run_copy "$r" 0 1000 >>"$work/copy.on"
	run_copy "$r" 1 0 >>"$work/copy.off"
	run_pgbench 1000 "$round_secs" >>"$work/tps.on"
	run_pgbench 0 "$round_secs" >>"$work/tps.off"
done
copied=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.cases WHERE external_id LIKE 'notify-_-_-%'")
[ "$copied" = $((10 * n_copy)) ] || { echo "notify: the COPYs wrote $copied cases of $((10 * n_copy))" >&2; exit 1; }

awk -v con="$(median <"$work/copy.on")" -v coff="$(median <"$work/copy.off")" \
	-v ton="$(median <"$work/tps.on")" -v toff="$(median <"$work/tps.off")" -v n="$n_copy" -v rs="$round_secs" \
	-v all_con="$(paste -sd/ "$work/copy.on")" -v all_coff="$(paste -sd/ "$work/copy.off")" \
	-v all_ton="$(paste -sd/ "$work/tps.on")" -v all_toff="$(paste -sd/ "$work/tps.off")" 'BEGIN {
	printf "NOTIFY gridgov_events on intake: notifications on (gridgov.notify_max_per_transaction = 1000) vs off (0), no listener\n"
	printf "  COPY of %d cases through the triggers, 5 alternating rounds (median):\n", n
	printf "    on:  %8.0f cases/s (rounds %s)\n", con, all_con
	printf "    off: %8.0f cases/s (rounds %s)\n", coff, all_coff
	printf "    ratio on/off: %.3fx\n", con / coff
	printf "  single-row INSERT, pgbench 1 client, 5 alternating rounds of %d s each (median):\n", rs
	printf "    on:  %8.0f tps (rounds %s)\n", ton, all_ton
	printf "    off: %8.0f tps (rounds %s)\n", toff, all_toff
	printf "    ratio on/off: %.3fx\n", ton / toff
}'

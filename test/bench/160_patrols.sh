#!/usr/bin/env bash
# Grid workers' patrols (issue 19; docs/grid-workers.md).  In a database of its
# own on the demo city (tools/democity.sql, seed 1: 2,799 unit grids) with
# Daxing's organisation and 700 grid workers, one per 4 unit grids (the last
# one 3 more):
#   1. COPY of one day of a district's patrol fixes: 700 workers x 8 h at one
#      fix per 10 s = 2,016,000 fixes (x BENCH_SCALE), as the worker app sends
#      them (hex EWKB points), through the intake trigger into the day's
#      partition (target: >= 100,000 fixes/s);
#   2. the day's coverage (gridgov.patrol_coverage_refresh: steps, sessions,
#      metres and time per worker x grid, covered share of each grid within
#      25 m of the track) for the 2,799 unit grids (target: <= 60 s);
#   3. the map metric over it (map_geojson patrol_coverage, all unit grids)
#      and the month's assessment and ranking.
# The tracks: each worker sweeps each of their 4 grids for 2 h in turn (a
# rectangle around its middle, at most 600 m x 400 m, along lanes 50 m apart,
# there and back, at 1.2 m/s, with 2 m of GPS noise: tools/patrol_walk.sql),
# with a break of 15 minutes between two grids.
set -euo pipefail
scale=${BENCH_SCALE:-1}
workers=$(awk -v s="$scale" 'BEGIN { w = int(700 * s); if (w < 10) w = 10; print w }')
source test/bench/lib/fresh_demo.sh
trap 'fresh_drop' EXIT
bench_fresh_demo gridgov_bench_patrols
tmp=$(mktemp -d)
trap 'fresh_drop; rm -rf "$tmp"' EXIT

fresh_psql -v workers="$workers" >/dev/null <<SQL
\\i tools/patrol_walk.sql
-- The workers: one per 4 unit grids (worker k serves the grids 4k .. 4k + 3 in code order), in the district center.
CREATE TEMP TABLE units AS
SELECT g.code, pg_catalog.row_number() OVER (ORDER BY g.code) - 1 AS n, ST_PointOnSurface(g.geom) AS mid,
       ST_XMax(g.geom) - ST_XMin(g.geom) AS w, ST_YMax(g.geom) - ST_YMin(g.geom) AS h
FROM gridgov.grids g WHERE g.level = 6 AND g.kind = 'general' AND g.valid_to = 'infinity';
INSERT INTO gridgov.staff (name, department_id)
SELECT '网格员' || i, (SELECT id FROM gridgov.departments WHERE code = 'dx-center') FROM generate_series(1, :workers) i;
CREATE TEMP TABLE workers AS
SELECT s.id AS staff_id, pg_catalog.row_number() OVER (ORDER BY s.id) - 1 AS k FROM gridgov.staff s WHERE s.name LIKE '网格员%';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT u.code, w.staff_id, 'worker', '2024-01-01' FROM workers w JOIN units u ON u.n / 4 = w.k OR (w.k = :workers - 1 AND u.n / 4 >= :workers);
\\copy (SELECT w.staff_id, p.at, encode(ST_AsEWKB(p.geom), 'hex'), 8 FROM workers w JOIN units u ON u.n / 4 = w.k AND u.n < 4 * $workers, LATERAL pg_temp.patrol_sweep(w.k::integer, u.mid, least(0.6 * u.w * 111195 * cos(radians(ST_Y(u.mid))), 600), least(0.6 * u.h * 111195, 400), timestamptz '2026-11-02 08:00+08' + (u.n % 4) * interval '2 h 15 min', 720) p ORDER BY w.staff_id, p.at) TO '$tmp/fixes.tsv'
SQL
n=$(wc -l <"$tmp/fixes.tsv")
fresh_psql -Atc "SELECT gridgov.patrol_partitions_ensure('2026-11-02 12:00+08', 1)" >/dev/null

# 1. COPY ------------------------------------------------------------------------------------
t0=$(date +%s.%N)
fresh_psql -c "\\copy gridgov.patrol_points (staff_id, at, geom, accuracy_m) FROM '$tmp/fixes.tsv'"
t1=$(date +%s.%N)
stored=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.patrol_points")
rejected=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.patrol_rejects")
fresh_psql -c "VACUUM ANALYZE gridgov.patrol_points" >/dev/null

# 2. Coverage ---------------------------------------------------------------------------------
t2=$(date +%s.%N)
rows=$(fresh_psql -Atc "SELECT gridgov.patrol_coverage_refresh('2026-11-02')")
t3=$(date +%s.%N)
cov=$(fresh_psql -At -F ' ' -c "SELECT pg_catalog.count(DISTINCT c.grid) FILTER (WHERE gridgov.level(c.grid) = 6),
                                       round(pg_catalog.avg(c.covered_share) FILTER (WHERE gridgov.level(c.grid) = 6)::numeric, 3),
                                       round((pg_catalog.sum(c.metres) / 1000)::numeric, 1)
                                FROM gridgov.patrol_coverage c")

# 3. Map and assessment -----------------------------------------------------------------------
t4=$(date +%s.%N)
fresh_psql -Atc "SELECT pg_catalog.jsonb_array_length(gridgov.map_geojson('grid', 'patrol_coverage', '2026-11-03 09:00+08') -> 'features')" >/dev/null
t5=$(date +%s.%N)
fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.worker_ranking('2026-11-01', '2026-12-01 00:00+08')" >/dev/null
t6=$(date +%s.%N)

awk -v n="$n" -v stored="$stored" -v rejected="$rejected" -v workers="$workers" -v rows="$rows" -v cov="$cov" \
	-v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v t5="$t5" -v t6="$t6" 'BEGIN {
	split(cov, c, " ")
	rate = n / (t1 - t0)
	printf "patrols: COPY of %d fixes (%d workers x 8 h, one per 10 s): %.1f s, %.0f fixes/s (target >= 100,000): %s\n", n, workers, t1 - t0, rate, (rate >= 100000 ? "met" : "NOT met")
	printf "  stored %d, kept apart %d\n", stored, rejected
	printf "patrols: coverage of the day: %d rows, %d unit grids (mean covered share %.3f, %.1f km walked) in %.1f s (target <= 60 s): %s\n", rows, c[1], c[2], c[3], t3 - t2, (t3 - t2 <= 60 ? "met" : "NOT met")
	printf "  map_geojson(grid, patrol_coverage) %.2f s; worker_ranking of the month %.2f s\n", t5 - t4, t6 - t5
}'

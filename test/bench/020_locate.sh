#!/usr/bin/env bash
# locate: gridgov.locate (C, per-backend index) against the plain PostGIS join
# (points JOIN grids ON ST_Contains(geom, point), GiST index) on 1,000,000
# random points over the demo city (tools/democity.sql, seed 1, ~3,600 grids),
# in points per second, and the index's memory for the demo city and for a
# synthetic 100,000-grid layer.
set -euo pipefail
n=$(awk -v s="$BENCH_SCALE" 'BEGIN { printf "%d", 1000000 * s }')

bench_psql -f tools/democity.sql >/dev/null
bench_psql -c "SELECT democity.build(1)" >/dev/null
bench_psql <<SQL
SELECT pg_catalog.setseed(0.5) \g /dev/null
CREATE TABLE bench_pts AS
SELECT i AS id, ST_SetSRID(ST_MakePoint(e.xmin + pg_catalog.random() * (e.xmax - e.xmin),
                                        e.ymin + pg_catalog.random() * (e.ymax - e.ymin)), 4326) AS p
FROM pg_catalog.generate_series(1, $n) i,
     (SELECT ST_XMin(b) xmin, ST_XMax(b) xmax, ST_YMin(b) ymin, ST_YMax(b) ymax
      FROM (SELECT geom::box2d::geometry b FROM gridgov.grids WHERE code = '110115') s) e;
VACUUM ANALYZE bench_pts;
ANALYZE gridgov.grids;

CREATE FUNCTION bench_ms(q text) RETURNS double precision LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz := pg_catalog.clock_timestamp(); n bigint;
BEGIN
    EXECUTE q INTO n;
    RETURN 1000 * EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0);
END \$\$;
SQL

bench_psql -At -F ' ' <<'SQL' >/tmp/gridgov-bench-locate.$$
SELECT 'grids', pg_catalog.count(*) FROM gridgov.grids;
SELECT 'points', pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE gridgov.locate(p) IS NOT NULL) FROM bench_pts;
-- gridgov: one answer per point by the full rule; index already built above.
SELECT 'gridgov', bench_ms('SELECT pg_catalog.count(gridgov.locate(p)) FROM bench_pts') FROM pg_catalog.generate_series(1, 3);
-- PostGIS: the plain join on every current grid (GiST on geom), and on the
-- unit-grid level only (one match per point, the cheapest fair equivalent).
SET max_parallel_workers_per_gather = 0;
SELECT 'postgis_all', bench_ms('SELECT pg_catalog.count(*) FROM bench_pts p JOIN gridgov.grids g '
                               'ON ST_Contains(g.geom, p.p) WHERE g.valid_to = ''infinity''');
SELECT 'postgis_unit', bench_ms('SELECT pg_catalog.count(*) FROM bench_pts p JOIN gridgov.grids g '
                                'ON ST_Contains(g.geom, p.p) WHERE g.valid_to = ''infinity'' AND g.level = 6 AND g.kind = ''general''');
SELECT 'mem_demo', memory_bytes, grid_versions, vertices FROM gridgov.locate_cache_stats();
SQL

bench_psql -c "SELECT democity.clear()" >/dev/null
bench_psql -c "CALL democity.build_synthetic(100000, 1)" >/dev/null
bench_psql -At -F ' ' -c "SELECT 'mem_100k', memory_bytes, grid_versions, vertices, last_build_ms FROM gridgov.locate_cache_stats()" \
	>>/tmp/gridgov-bench-locate.$$

awk '
	$1 == "grids"        { grids = $2 }
	$1 == "points"       { pts = $2; located = $3 }
	$1 == "gridgov"      { g[++ng] = $2 }
	$1 == "postgis_all"  { pa = $2 }
	$1 == "postgis_unit" { pu = $2 }
	$1 == "mem_demo"     { md = $2; mdv = $4 }
	$1 == "mem_100k"     { m1 = $2; m1g = $3; m1v = $4; m1b = $5 }
	END {
		# median of the three runs (mawk has no asort)
		a = g[1]; b = g[2]; c = g[3]
		gm = (a > b) ? ((b > c) ? b : ((a > c) ? c : a)) : ((a > c) ? a : ((b > c) ? c : b))
		printf "locate: %d random points over the demo city (%d grid versions), %d located\n", pts, grids, located
		printf "  gridgov.locate (C, cached index):           %9.0f points/s  (%.0f ms)\n", pts / gm * 1000, gm
		printf "  PostGIS join ST_Contains + GiST, all grids: %9.0f points/s  (%.0f ms), ratio %.1fx\n", pts / pa * 1000, pa, pa / gm
		printf "  PostGIS join, unit-grid level only:         %9.0f points/s  (%.0f ms), ratio %.1fx\n", pts / pu * 1000, pu, pu / gm
		printf "  index memory: demo city %.1f MB (%d vertices); %d-grid synthetic layer %.1f MB (%d vertices, built in %.0f ms)\n",
			md / 1048576, mdv, m1g, m1 / 1048576, m1v, m1b
	}' /tmp/gridgov-bench-locate.$$
rm -f /tmp/gridgov-bench-locate.$$
bench_psql -c "DROP TABLE bench_pts; DROP FUNCTION bench_ms(text); SELECT democity.clear();" >/dev/null

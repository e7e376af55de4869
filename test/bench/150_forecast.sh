#!/usr/bin/env bash
# Volume forecasts (issue 18; docs/bi.md, "Forecasts").  In a database of its
# own on the demo city (tools/democity.sql, seed 1, 26 towns) with Daxing's
# organisation:
#   1. a generated history, 2022-01-01 .. 2026-11-30, of the shape
#      tools/forecast_history.sql documents (weekly cycle, heating and
#      flooding seasons, Spring Festival, Golden Week, adjusted working days,
#      trend, noise), about 350,000 closed cases imported through
#      gridgov.import_history() and taken in by the analytics (untimed, but
#      reported);
#   2. the backtest on it (gridgov.forecast_backtest, weekly origins over the
#      last year, 7 days or 4 weeks ahead) for series of the county, a town
#      and categories of each shape: MASE of the model and of the
#      seasonal-naive forecast, their ratio (target <= 0.85), and the
#      coverage of the 80 % and 95 % intervals (target within 5 points);
#   3. the refit of every town x top 10 categories, days and weeks
#      (gridgov.forecast_refresh, as the nightly job runs it), over the
#      imported history and then over 10,000,000 case rows (x BENCH_SCALE):
#      the imported per-case rows (gridgov.case_stats, all the fit reads)
#      copied as replica under new case ids until they number that many
#      (target: <= 60 s);
#   4. forecast_volume() from the cache and on the fly, forecast_alerts().
# BENCH_SCALE scales the 10,000,000 rows of step 3 (at least the imported
# history) and, below 0.035, the imported history itself (at least 20 cases a
# day).
set -euo pipefail
scale=${BENCH_SCALE:-1}
n=$(awk -v s="$scale" 'BEGIN { print int(10000000 * s) }')
per_day=$(awk -v s="$scale" 'BEGIN { d = 150 * s / 0.035; if (d > 150) d = 150; if (d < 20) d = 20; print int(d) }')
source test/bench/lib/fresh_demo.sh
trap 'fresh_drop' EXIT
bench_fresh_demo gridgov_bench_forecast
# The refit as the nightly job of 30 November runs it (the history ends on
# the 29th), the alerts as the next night's (the 30th against its forecast).
as_of="2026-11-30 02:00+08"

# 1. The history ---------------------------------------------------------------------------
t0=$(date +%s.%N)
fresh_psql -v since=2022-01-01 -v until=2026-12-01 -v per_day="$per_day" -f tools/forecast_history.sql >/dev/null
t1=$(date +%s.%N)
fresh_psql -Atc "SELECT gridgov.analytics_refresh_pending()" >/dev/null
fresh_psql -c "VACUUM ANALYZE gridgov.case_stats" >/dev/null
t2=$(date +%s.%N)
imported=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.case_stats")
town=$(fresh_psql -Atc "SELECT town FROM gridgov.case_stats WHERE gridgov.level(town) = 4 GROUP BY 1 ORDER BY pg_catalog.count(*) DESC, 1 LIMIT 1")

# 2. The backtests --------------------------------------------------------------------------
backtests=""
for grain in day week; do
	for series in "county:D 110115 D" "county:E01 110115 E01" "county:E04-flooding 110115 E04" "county:H 110115 H" \
		"county:H07-heating 110115 H07" "town:E01 $town E01" "town:H02 $town H02"; do
		read -r label area prefix <<<"$series"
		line=$(fresh_psql -At -F ' ' <<SQL
SELECT clock_timestamp() AS c0 \gset
CREATE TEMP TABLE b AS SELECT * FROM gridgov.forecast_backtest('$area', '$prefix', '$grain', '2025-12-01', '2026-11-30');
SELECT '$label', '$grain', b.origins, b.points, round(b.model_mase::numeric, 3), round(b.naive_mase::numeric, 3),
       round(b.mase_ratio::numeric, 3), round(b.model_mape::numeric, 1), round(b.naive_mape::numeric, 1),
       round(100 * b.coverage_80::numeric, 1), round(100 * b.coverage_95::numeric, 1),
       round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz))
FROM b;
SQL
)
		backtests="$backtests${backtests:+
}$line"
	done
done

# 3. The refit of every town x top category --------------------------------------------------
fit_small=$(fresh_psql -At -F ' ' <<SQL
SELECT clock_timestamp() AS c0 \gset
SELECT gridgov.forecast_refresh('$as_of'), round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz));
SQL
)
t3=$(date +%s.%N)
fresh_psql >/dev/null <<SQL
SET session_replication_role = replica;
INSERT INTO gridgov.case_stats
SELECT r.*
FROM gridgov.case_stats s
CROSS JOIN pg_catalog.generate_series(1, GREATEST(0, ceil($n::numeric / $imported)::integer - 1)) k
CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(s, pg_catalog.jsonb_build_object(
    'case_id', s.case_id + k::bigint * 100000000, 'case_no', s.case_no || '-' || k)) r
LIMIT GREATEST(0, $n - $imported);
RESET session_replication_role;
VACUUM ANALYZE gridgov.case_stats;
SQL
t4=$(date +%s.%N)
rows=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.case_stats")
fit_big=$(fresh_psql -At -F ' ' <<SQL
SELECT clock_timestamp() AS c0 \gset
SELECT gridgov.forecast_refresh('$as_of'), round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz));
SQL
)

# 4. Forecasts and alerts ----------------------------------------------------------------------
calls=$(fresh_psql -At -F ' ' <<SQL
SELECT clock_timestamp() AS c0 \gset
SELECT pg_catalog.count(*) FROM gridgov.forecast_volume('$town', 'H02', 'day', 28, '$as_of') \gset cached_
SELECT round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz), 1) AS cached_ms \gset
SELECT clock_timestamp() AS c0 \gset
SELECT pg_catalog.count(*) FROM gridgov.forecast_volume('110115', 'H', 'day', 28, '$as_of') \gset fly_
SELECT round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz), 1) AS fly_ms \gset
SELECT clock_timestamp() AS c0 \gset
SELECT pg_catalog.count(*) AS alerts FROM gridgov.forecast_alerts('2026-12-01 02:00+08') \gset
SELECT round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz), 1) AS alerts_ms \gset
SELECT :cached_ms, :fly_ms, :alerts, :alerts_ms, (SELECT pg_catalog.count(*) FROM gridgov.forecast_fits WHERE grain = 'day');
SQL
)

awk -v imported="$imported" -v per_day="$per_day" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v rows="$rows" \
	-v town="$town" -v fit_small="$fit_small" -v fit_big="$fit_big" -v calls="$calls" -v bt="$backtests" 'BEGIN {
	printf "forecasts: generated history 2022-01-01 .. 2026-11-30 (tools/forecast_history.sql, %d a day before its shapes): %d cases\n", per_day, imported
	printf "  imported in %.0f s, taken in by the analytics in %.0f s\n", t1 - t0, t2 - t1
	printf "  backtest, weekly origins 2025-12-01 .. 2026-11-30 (7 days / 4 weeks ahead; naive: same weekday a week before / same week a year before):\n"
	printf "    %-20s %-4s %7s %6s %10s %10s %6s %9s %9s %6s %6s %7s\n", "series", "", "origins", "points", "MASE", "naive MASE", "ratio", "MAPE %", "naive %", "cov80", "cov95", "ms"
	nb = split(bt, lines, "\n"); met = 0; cov = 0
	for (i = 1; i <= nb; i++) {
		split(lines[i], f, " ")
		printf "    %-20s %-4s %7d %6d %10.3f %10.3f %6.3f %9.1f %9.1f %6.1f %6.1f %7d\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]
		if (f[7] <= 0.85) met++
		if (f[10] >= 75 && f[10] <= 85 && f[11] >= 90 && f[11] <= 100) cov++
	}
	printf "  (town = %s, the busiest)\n", town
	printf "forecasts: MASE <= 0.85 x seasonal naive in %d of %d series; both intervals within 5 points of nominal in %d of %d\n", met, nb, cov, nb
	split(fit_small, a, " "); split(fit_big, b, " ")
	printf "  refit of every town x top 10 categories, days and weeks: %d fits in %.1f s over the %d imported cases\n", a[1], a[2] / 1000, imported
	printf "forecasts: refit over %d case rows: %d fits in %.1f s (target <= 60 s): %s\n", rows, b[1], b[2] / 1000, (b[2] <= 60000 ? "met" : "NOT met")
	printf "  (rows beyond the imported cases: their case_stats rows copied as replica in %.0f s)\n", t4 - t3
	split(calls, c, " ")
	printf "  forecast_volume, 28 days: town x H02 from the cached fit %.1f ms; county x H fitted on the fly %.1f ms\n", c[1], c[2]
	printf "  forecast_alerts (30 November vs its forecast, %d daily fits): %d forecast_exceeded hot spots in %.1f ms\n", c[5], c[3], c[4]
}'

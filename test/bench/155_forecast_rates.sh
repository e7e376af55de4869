#!/usr/bin/env bash
# Three-rate prediction (issue 18, item 4; docs/bi.md, "Three-rate
# prediction").  In a database of its own on the demo city (tools/democity.sql,
# seed 1, 26 towns) with Daxing's organisation:
#   1. the generated history of test/bench/150_forecast.sh, 2022-01-01 ..
#      2026-11-30 (tools/forecast_history.sql: callback answers with a level
#      per town and a drift per month), imported and taken in by the analytics
#      (untimed, but reported);
#   2. the backtest (gridgov.forecast_rates_backtest) of December 2025 to
#      November 2026 by town and by department: per rate the unit-months
#      scored, the MAE of the model and of "same as last month" (plain and
#      weighted by the denominators), their ratio (target < 1) and the 80 %
#      interval's coverage (target within 5 points), with its time;
#   3. gridgov.forecast_rates() of December 2026 for every town and every
#      department (as_of midnight on 1 December): rows and time.
# BENCH_SCALE scales the imported history as in 150_forecast.sh (at least 20
# cases a day).
set -euo pipefail
scale=${BENCH_SCALE:-1}
per_day=$(awk -v s="$scale" 'BEGIN { d = 150 * s / 0.035; if (d > 150) d = 150; if (d < 20) d = 20; print int(d) }')
source test/bench/lib/fresh_demo.sh
trap 'fresh_drop' EXIT
bench_fresh_demo gridgov_bench_rates
as_of="2026-12-01 00:00+08"

# 1. The history ---------------------------------------------------------------------------
t0=$(date +%s.%N)
fresh_psql -v since=2022-01-01 -v until=2026-12-01 -v per_day="$per_day" -f tools/forecast_history.sql >/dev/null
fresh_psql -Atc "SELECT gridgov.analytics_refresh_pending()" >/dev/null
fresh_psql -c "VACUUM ANALYZE gridgov.case_stats" -c "VACUUM ANALYZE gridgov.stats_month" >/dev/null
t1=$(date +%s.%N)
imported=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.case_stats")

# 2. The backtests --------------------------------------------------------------------------
backtests=""
for by in town department; do
	lines=$(fresh_psql -At -F ' ' <<SQL
SELECT clock_timestamp() AS c0 \gset
CREATE TEMP TABLE b AS SELECT * FROM gridgov.forecast_rates_backtest('$by', '2025-12-01', '2026-11-01');
SELECT round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz)) AS ms \gset
SELECT '$by', b.rate, b.origins, b.unit_months, round(b.model_mae::numeric, 2), round(b.naive_mae::numeric, 2),
       round(b.mae_ratio::numeric, 3), round(100 * b.coverage_80::numeric, 1),
       round(b.model_mae_weighted::numeric, 2), round(b.naive_mae_weighted::numeric, 2), :ms
FROM b;
SQL
)
	backtests="$backtests${backtests:+
}$lines"
done

# 3. The predictions ------------------------------------------------------------------------
calls=$(fresh_psql -At -F ' ' <<SQL
SELECT clock_timestamp() AS c0 \gset
SELECT pg_catalog.count(*) AS town_rows FROM gridgov.forecast_rates('town', '$as_of') \gset
SELECT round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz)) AS town_ms \gset
SELECT clock_timestamp() AS c0 \gset
SELECT pg_catalog.count(*) AS dept_rows FROM gridgov.forecast_rates('department', '$as_of') \gset
SELECT round(1000 * EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz)) AS dept_ms \gset
SELECT :town_rows, :town_ms, :dept_rows, :dept_ms;
SQL
)

awk -v imported="$imported" -v per_day="$per_day" -v t0="$t0" -v t1="$t1" -v calls="$calls" -v bt="$backtests" 'BEGIN {
	printf "three rates: generated history 2022-01-01 .. 2026-11-30 (tools/forecast_history.sql, %d a day): %d cases, loaded in %.0f s\n", per_day, imported, t1 - t0
	printf "  backtest, monthly origins 2025-12 .. 2026-11 (naive: last month'"'"'s rate, else the county'"'"'s):\n"
	printf "    %-10s %-12s %7s %11s %9s %9s %6s %6s %9s %9s %7s\n", "by", "rate", "origins", "unit-months", "MAE pp", "naive pp", "ratio", "cov80", "wMAE pp", "naive wpp", "ms"
	nb = split(bt, lines, "\n"); met = 0; cov = 0
	for (i = 1; i <= nb; i++) {
		split(lines[i], f, " ")
		printf "    %-10s %-12s %7d %11d %9.2f %9.2f %6.3f %6.1f %9.2f %9.2f %7d\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11]
		if (f[7] < 1) met++
		if (f[8] >= 75 && f[8] <= 85) cov++
	}
	printf "three rates: MAE below last month'"'"'s in %d of %d backtests; 80 %% intervals within 5 points in %d of %d\n", met, nb, cov, nb
	split(calls, c, " ")
	printf "three rates: forecast_rates of December 2026: every town %d rows in %d ms, every department %d rows in %d ms\n", c[1], c[2], c[3], c[4]
}'

# Sourced by the benchmarks that need a database of their own.
#   bench_fresh_demo DB   creates DB (dropped first if left over) with gridgov,
#                         autovacuum off for cases and case_events (nothing
#                         analyses or vacuums them unless the benchmark does),
#                         the demo city (tools/democity.sql, seed 1) and
#                         Daxing's organisation (tools/demo/030_organisation.sql)
#   fresh_psql ...        psql on it
#   fresh_drop            drops it (call it from the benchmark's EXIT trap)
fresh_psql() { gg_psql "$BENCH_INST" "$BENCH_PORT" "$BENCH_FRESH_DB" -q -P pager=off "$@"; }
fresh_drop() {
	[ -n "${BENCH_FRESH_DB:-}" ] || return 0
	gg_psql "$BENCH_INST" "$BENCH_PORT" postgres -q -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $BENCH_FRESH_DB" >/dev/null
}
bench_fresh_demo() {
	BENCH_FRESH_DB=$1
	fresh_drop
	gg_psql "$BENCH_INST" "$BENCH_PORT" postgres -q -c "CREATE DATABASE $BENCH_FRESH_DB" >/dev/null
	fresh_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION gridgov CASCADE;
ALTER TABLE gridgov.cases SET (autovacuum_enabled = off);
ALTER TABLE gridgov.case_events SET (autovacuum_enabled = off);
SQL
	fresh_psql -f tools/democity.sql >/dev/null
	fresh_psql -c "SELECT democity.build(1)" >/dev/null
	fresh_psql -c "CREATE SCHEMA demo; CREATE TABLE demo.divisions AS SELECT code, name FROM democity.divisions"
	fresh_psql -f tools/demo/030_organisation.sql >/dev/null
}

#!/usr/bin/env bash
# make test: install what is missing, build and install gridgov, start a
# throwaway PostgreSQL under .test/, run the pg_regress suites (sql/, expected/,
# plus isolation specs when there are any) and the pgTAP suites (test/*.sql)
# with pg_prove, stop the server, and end with one line "N passed, N failed".
source "$(dirname "$0")/lib.sh"
cd "$GG_ROOT"

gg_install_deps
gg_lock_machine
gg_build_install

TAP_DB=gridgov_test
inst=$(gg_instance_dir "$GG_ROOT/.test")
gg_stop "$inst"
rm -rf "$inst/data" "$inst"/*.log
port=$(gg_free_port 55432)
trap 'gg_stop_and_clean "$inst"' EXIT
gg_start "$inst" "$port" "$TAP_DB"
gg_log "test instance: $inst, port $port"

passed=0
failed=0

# pg_regress suites through PGXS (creates and drops its own database).  A suite
# counts as passed only when pg_regress reports it "ok"; one that did not run
# (pg_regress stopped early, missing expected file...) counts as failed.
rm -f regression.diffs regression.out
set +e
PGHOST=$inst PGPORT=$port PGUSER=postgres make -s installcheck PG_CONFIG="$(gg_pg_config)" 2>&1 |
	tee .test-regress.log
regress_status=${PIPESTATUS[0]}
set -e
regress_total=$(find sql -maxdepth 1 -name '*.sql' | wc -l)
regress_ok=$(grep -cE '\.\.\. ok ' .test-regress.log || true)
passed=$((passed + regress_ok))
failed=$((failed + regress_total - regress_ok))
if [ "$regress_status" -ne 0 ] && [ "$regress_ok" -eq "$regress_total" ]; then
	failed=$((failed + 1))
fi
if [ -s regression.diffs ]; then
	echo "---- regression.diffs ----"
	cat regression.diffs
fi

# pgTAP suites, each file in the one database that pg_cron serves.
gg_psql "$inst" "$port" postgres -q -c "CREATE DATABASE $TAP_DB"
gg_psql "$inst" "$port" "$TAP_DB" -q <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pgtap;
CREATE EXTENSION dblink;
CREATE EXTENSION pg_cron;
CREATE EXTENSION gridgov CASCADE;
-- As docs/install.md tells a DBA to do: gridgov's operators on the search path.
ALTER DATABASE gridgov_test SET search_path = "$user", public, gridgov;
SQL
# docs/sql-index.md lists every object of the installed extension; it must be
# current (GRIDGOV_UPDATE_DOCS=1 rewrites it).
gg_psql "$inst" "$port" "$TAP_DB" -f tools/sql_index.sql >.test-sql-index.md
if [ "${GRIDGOV_UPDATE_DOCS:-0}" = 1 ]; then
	cp .test-sql-index.md docs/sql-index.md
fi
if cmp -s .test-sql-index.md docs/sql-index.md; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "---- docs/sql-index.md is out of date (GRIDGOV_UPDATE_DOCS=1 make test rewrites it) ----"
	diff -u docs/sql-index.md .test-sql-index.md | head -n 40 || true
fi

shopt -s nullglob
tap_files=(test/*.sql)
if [ ${#tap_files[@]} -gt 0 ]; then
	set +e
	PGHOST=$inst PGPORT=$port PGUSER=postgres PGDATABASE=$TAP_DB \
		pg_prove --ext .sql --timer "${tap_files[@]}" 2>&1 | tee .test-tap.log
	set -e
	# A file fails when pg_prove's summary lists it (diag() output can split the
	# per-file "ok" line, so the summary is what counts); no result line at all
	# means pg_prove itself failed, and every file counts as failed.
	if grep -q '^Result: PASS' .test-tap.log; then
		tap_bad=0
	elif grep -q '^Result: FAIL' .test-tap.log; then
		tap_bad=$(grep -cE '^test/.*\.sql +\(Wstat' .test-tap.log || true)
		[ "$tap_bad" -gt 0 ] || tap_bad=${#tap_files[@]}
	else
		tap_bad=${#tap_files[@]}
	fi
	passed=$((passed + ${#tap_files[@]} - tap_bad))
	failed=$((failed + tap_bad))
fi

# Shell suites (test/shell/*.sh), for what SQL cannot check (GDAL, files,
# crashes): each gets the test instance in PGHOST/PGPORT/PGUSER/PGDATABASE and
# its server log in GG_SERVER_LOG, prints "ok"/"not ok" lines, and counts as
# passed when it exits 0 with no "not ok".
# The fuzz suites (fuzz_*) come last: a crash they provoke restarts the server.
shell_suites=()
for t in test/shell/*.sh; do [[ $t == test/shell/fuzz_* ]] || shell_suites+=("$t"); done
shell_suites+=(test/shell/fuzz_*.sh)
for t in "${shell_suites[@]}"; do
	set +e
	PGHOST=$inst PGPORT=$port PGUSER=postgres PGDATABASE=$TAP_DB GG_SERVER_LOG=$inst/server.log \
		bash "$t" 2>&1 | tee .test-shell.log
	shell_status=${PIPESTATUS[0]}
	set -e
	if [ "$shell_status" -eq 0 ] && ! grep -q '^not ok' .test-shell.log && grep -q '^ok' .test-shell.log; then
		passed=$((passed + 1))
		echo "$t .. ok"
	else
		failed=$((failed + 1))
		echo "$t .. FAILED"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

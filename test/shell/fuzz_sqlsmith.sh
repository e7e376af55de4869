#!/usr/bin/env bash
# SQLsmith (Debian's sqlsmith) against a throwaway database holding the demo
# city and cases: random queries over every table, view, function and operator
# it can see, once as the superuser and once as a grid-worker login.  Each run
# is bounded by a query count and by wall-clock time; the suite fails when the
# server log reports a backend terminated by a signal during a run.
#
# Environment: PGHOST, PGPORT, PGUSER (a superuser) and GG_SERVER_LOG (the
# server log) of the test instance, as tools/test.sh passes them; optional
#   GG_SQLSMITH_SEED      seed of the first run (default 1; the worker's is +1)
#   GG_SQLSMITH_QUERIES   queries per run (default 2500)
#   GG_SQLSMITH_SECONDS   wall-clock bound per run (default 60)
#   GG_FUZZ_KEEP=DIR      keep the queries each run sent (DIR/sqlsmith-*.sql)
# Prints TAP lines.
#
# The superuser run may do anything SQLsmith generates, and SQLsmith commits
# what it does (INSERT, UPDATE, DELETE, MERGE): each run has its own copy of the
# demo database (gridgov_sqlsmith_superuser, gridgov_sqlsmith_worker, copies of
# gridgov_sqlsmith; all dropped at the end) and uses --exclude-catalog, so it
# never writes the system catalogs, including the shared ones (pg_database,
# pg_authid) through which it could reach the other suites' databases.
set -euo pipefail
source "$(dirname "$0")/../fuzz/lib.sh"
cd "$GG_ROOT"

db=gridgov_sqlsmith
seed=${GG_SQLSMITH_SEED:-1}
queries=${GG_SQLSMITH_QUERIES:-2500}
seconds=${GG_SQLSMITH_SECONDS:-60}
out=$(mktemp -d /tmp/gridgov-sqlsmith.XXXXXX)
cleanup() {
	if [ -n "${GG_FUZZ_KEEP:-}" ]; then
		mkdir -p "$GG_FUZZ_KEEP" && cp "$out"/* "$GG_FUZZ_KEEP"/ 2>/dev/null || true
	fi
	rm -rf "$out"
	for d in "$db" "${db}_superuser" "${db}_worker"; do
		fz_drop_db "$d" 2>/dev/null || true
	done
	fz_drop_worker
}
trap cleanup EXIT

source test/lib/tap.sh

if ! command -v sqlsmith >/dev/null 2>&1; then
	not_ok "sqlsmith is installed (GG_PACKAGES in tools/lib.sh lists it)"
	exit 1
fi
if ! fz_log_check; then
	not_ok "GG_SERVER_LOG names the server log (${GG_SERVER_LOG:-unset})"
	exit 1
fi
if fz_make_db "$db"; then
	ok "database $db with the demo city and $(fz_psql "$db" -At -c 'SELECT count(*) FROM gridgov.cases') cases"
else
	not_ok "database $db with the demo city and cases"
	exit 1
fi

# run_smith LABEL USER SEED: one bounded run in a fresh copy of the demo
# database; one TAP line.
run_smith() {
	local label=$1 user=$2 s=$3 from status done_n crashes
	if ! fz_clone_db "$db" "${db}_$label"; then
		not_ok "database ${db}_$label, a copy of $db"
		return
	fi
	from=$(fz_log_offset)
	set +e
	timeout -k 10 "$seconds" stdbuf -oL sqlsmith \
		--target="host=$PGHOST port=$PGPORT user=$user dbname=${db}_$label" \
		--seed="$s" --max-queries="$queries" --exclude-catalog --dump-all-queries --verbose \
		>"$out/sqlsmith-$label.sql" 2>"$out/sqlsmith-$label.err"
	status=$?
	set -e
	# The server may still be restarting after a crash: wait for it (bounded).
	for _ in $(seq 1 60); do
		fz_psql postgres -c 'SELECT 1' >/dev/null 2>&1 && break
		sleep 1
	done
	done_n=$(grep -a -o 'queries: [0-9]*' "$out/sqlsmith-$label.err" | tail -n 1 | grep -o '[0-9]*' || true)
	crashes=$(fz_log_crashes "$from")
	if [ "$status" -ne 0 ] && [ "$status" -ne 124 ]; then
		not_ok "sqlsmith as $label (seed $s) ran (exit status $status)"
		tail -n 5 "$out/sqlsmith-$label.err" | sed 's/^/# /'
	elif [ -n "$crashes" ]; then
		not_ok "sqlsmith as $label (seed $s, ${done_n:-?} queries): no backend terminated by a signal"
		printf '%s\n' "$crashes" | sed 's/^/# /'
		echo "# the queries sent are kept with GG_FUZZ_KEEP=DIR (DIR/sqlsmith-$label.sql)"
	else
		ok "sqlsmith as $label (seed $s, ${done_n:-?} of $queries queries within ${seconds}s): no crash"
	fi
}

run_smith superuser "$PGUSER" "$seed"
run_smith worker "$FZ_WORKER" "$((seed + 1))"

exit $fail

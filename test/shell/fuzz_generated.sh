#!/usr/bin/env bash
# The generated fuzz (test/fuzz/fuzz.py) of every gridgov C function and C
# trigger, against a throwaway database holding the demo city and cases: NULLs,
# empty, huge (1 MB) and malformed values, extreme numbers and timestamps,
# invalid geometries and JSON in direct calls, in every column of INSERTs and
# raw UPDATEs of gridgov.cases, in act(), in COPY (text and binary) and in the
# reference tables; the C trigger functions attached to other tables.  Runs as
# the superuser and as a grid-worker login; fails on a crash (lost connection,
# or 'terminated by signal' in the server log) and on an internal error
# (SQLSTATE XX000 from gridgov or PostgreSQL).
#
# Environment: PGHOST, PGPORT, PGUSER (a superuser) and GG_SERVER_LOG (the
# server log) of the test instance, as tools/test.sh passes them; optional
#   GG_FUZZ_SEED         seed (default 1): the statements depend only on it and
#                        on the demo database, so a failure reproduces with it
#   GG_FUZZ_STATEMENTS   statements per role (default 8000)
#   GG_FUZZ_KEEP=DIR     keep the scripts, psql's output and the catalog in DIR
# Prints TAP lines.
set -euo pipefail
source "$(dirname "$0")/../fuzz/lib.sh"
cd "$GG_ROOT"

# The demo database, and a copy of it for each role, so that each role's run
# depends only on the seed (what one role's statements commit stays in its copy).
db=gridgov_fuzz
seed=${GG_FUZZ_SEED:-1}
count=${GG_FUZZ_STATEMENTS:-8000}
cleanup() {
	for d in "$db" "${db}_superuser" "${db}_worker"; do
		fz_drop_db "$d" 2>/dev/null || true
	done
	fz_drop_worker
}
trap cleanup EXIT

if ! fz_log_check; then
	echo "not ok 1 - GG_SERVER_LOG names the server log (${GG_SERVER_LOG:-unset})"
	exit 1
fi
if fz_make_db "$db" && fz_clone_db "$db" "${db}_superuser" && fz_clone_db "$db" "${db}_worker"; then
	echo "ok 1 - database $db with the demo city and $(fz_psql "$db" -At -c 'SELECT count(*) FROM gridgov.cases') cases"
else
	echo "not ok 1 - database $db with the demo city and cases"
	exit 1
fi

keep=()
[ -n "${GG_FUZZ_KEEP:-}" ] && keep=(--keep "$GG_FUZZ_KEEP")
# At least 10,000 statements in all, unless GG_FUZZ_STATEMENTS asks for fewer.
min=$((2 * count < 10000 ? 2 * count : 10000))
python3 test/fuzz/fuzz.py --db "${db}_superuser" --worker-db "${db}_worker" \
	--seed "$seed" --count "$count" --min-total "$min" \
	--superuser "$PGUSER" --worker "$FZ_WORKER" --server-log "$GG_SERVER_LOG" \
	--psql "$(gg_bindir)/psql" --tap-start 1 "${keep[@]}"

#!/usr/bin/env bash
# Concurrency as documented (issue 10, item 5; docs/cases.md, Concurrent
# actions): two clients hammer the same 20 cases for 30 s with compatible and
# conflicting actions (test/lib/hammer.sql): raw edits of the title and the
# description, suspend/resume pairs, extends, and workflow steps chosen by the
# state the client read (so the other client may have moved the case first).
# Every failure must carry one of the SQLSTATEs docs/cases.md tells a client
# to expect there (GG101: the other client moved the case; GG251: the other
# client resumed the case, or stopped the clock being extended); zero others
# (no GG111, no deadlock).  Every action that applied is in the history once,
# no failed one is, and the histories verify.  The counts are printed.
# Runs in its own database (gridgov_case_hammer), which it creates and drops.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_case_hammer
seconds=30
n_cases=20
expected="'GG101', 'GG251'"
work=$(mktemp -d /tmp/gridgov-case-hammer.XXXXXX)
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
clients=()
cleanup() {
	psql -X -q -d "$db" -c "INSERT INTO hammer_stop DEFAULT VALUES" >/dev/null 2>&1 || true
	for p in "${clients[@]}"; do wait "$p" 2>/dev/null || true; done
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

source test/lib/tap.sh

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
psql_db >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION gridgov CASCADE;
ALTER DATABASE $db SET search_path = "\$user", public, gridgov;
SET search_path = public, gridgov;
\i test/lib/hammer.sql
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('CH-CC', '并发区指挥中心', 'district', '990110', 'command_center');
INSERT INTO gridgov.cases (county, source, external_id, category, title, department_id)
SELECT '990110', 'patrol', 'case-hammer-' || i, 'E0102', '并发 ' || i,
       (SELECT id FROM gridgov.departments WHERE code = 'CH-CC')
FROM generate_series(1, $n_cases) i;
SQL
first=$(psql_db -At -c "SELECT min(id) FROM gridgov.cases WHERE county = '990110'")
is "the fixture: $n_cases cases with consecutive ids" \
	"$(psql_db -At -c "SELECT max(id) - min(id) + 1 FROM gridgov.cases WHERE county = '990110'")" "$n_cases"

for c in 0 1; do
	psql_db -c "SET statement_timeout = '5min'" \
		-c "CALL hammer_client($c, $first, $n_cases, 1, '{title,description,pause,extend,step}',
		    clock_timestamp() + interval '$seconds seconds')" >"$work/client$c.out" 2>&1 &
	clients+=($!)
done
clients_ok=true
for p in "${clients[@]}"; do wait "$p" || clients_ok=false; done
clients=()
is "both clients ran for ${seconds} s without a client error" "$clients_ok" true
cat "$work"/client*.out | sed 's/^/# /'

echo "# steps by outcome: $(psql_db -At -c "SELECT string_agg(format('%s %s %s', step, coalesce(sqlstate, 'applied'), c), ', ')
	FROM (SELECT step, sqlstate, count(*) AS c FROM hammer_log GROUP BY 1, 2 ORDER BY 1, 2) x")"
echo "# failures by SQLSTATE: $(psql_db -At -c "SELECT coalesce(string_agg(format('%s %s', sqlstate, c), ', '), 'none')
	FROM (SELECT sqlstate, count(*) AS c FROM hammer_log WHERE sqlstate IS NOT NULL AND sqlstate <> 'none'
	      GROUP BY 1 ORDER BY 1) x")"
is "both clients took steps" "$(psql_db -At -c "SELECT count(DISTINCT client) FROM hammer_log")" 2
is "every failure is an expected SQLSTATE ($expected)" \
	"$(psql_db -At -c "SELECT coalesce(string_agg(DISTINCT sqlstate, ', '), 'none') FROM hammer_log
	                   WHERE sqlstate IS NOT NULL AND sqlstate <> 'none' AND sqlstate NOT IN ($expected)")" none
is "every applied action is in the history once, and no failed one" \
	"$(psql_db -At -c "SELECT (SELECT count(*) FROM gridgov.case_events WHERE county = '990110' AND seq > 1)
	                          - (SELECT count(*) FROM hammer_log WHERE sqlstate IS NULL)")" 0
is "the histories verify" "$(psql_db -At -c "SELECT count(*) FROM gridgov.verify_histories('990110')")" 0

exit $fail

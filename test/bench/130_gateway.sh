#!/usr/bin/env bash
# The gateway under load (issue 16, item 6; docs/gateway.md): Open311 over HTTP
# against the same SQL called directly, in a database of its own with the demo
# city loaded (tools/demo/*.sql, as make demo does).
#   The gateway runs as it ships (node gateway/src/server.js, configured by
#   environment, pool of 10), logged in as bench_gw_login (NOINHERIT, a member
#   of gridgov_gateway, gridgov_open311 and of the api key's role
#   bench_gw_app, a gridgov_reporter); public callers' rate limit raised out of
#   the way (GRIDGOV_GATEWAY_PUBLIC_RATE), the key's at 1,000,000 a minute.
#   HTTP: autocannon (gateway/node_modules), 10 connections:
#     GET  /open311/v2/requests.json             (no key: the public role)
#     POST /open311/v2/requests.json             (form-encoded, with api_key,
#          service_code, lat/long of a point in one of the city's unit grids,
#          a description of its own each time)
#   SQL: pgbench, 10 clients, the statements the gateway runs for each, as
#   each role (BEGIN; SET LOCAL ROLE ...; SELECT gridgov.open311_requests(...)
#   or gridgov.open311_submit(...); COMMIT), extended protocol.
# Each pair in alternating rounds (HTTP, SQL, SQL, HTTP, ...; the machine is
# noisy), 20 s a side in all (4 rounds of 5 s, after a short warm-up); all GET
# rounds before the POST rounds (the POSTs' cases would grow the GET answers).
# Prints the median round of each side (req/s; p99 latency of HTTP from
# autocannon; errors, timeouts and non-2xx answers summed over the rounds) and
# the ratio HTTP/SQL, then whether the target is met: GET >= 500 req/s with
# p99 < 50 ms (median round; worst round's p99 printed) and no error, timeout
# or non-2xx answer. The target is reported, not enforced; a gateway that
# does not answer at all fails the benchmark.
# BENCH_SCALE scales the time (at least 2 s a round).
set -euo pipefail
source tools/lib.sh
round_secs=$(awk -v s="$BENCH_SCALE" 'BEGIN { t = int(5 * s + 0.5); print (t < 2 ? 2 : t) }')
rounds=4
conns=10
db=gridgov_bench_gateway
login=bench_gw_login
app_role=bench_gw_app
gw=$GG_ROOT/gateway
work=$(mktemp -d "$BENCH_INST/gateway.XXXXXX")
chmod 755 "$work"
gw_pid=
bench_db() { gg_psql "$BENCH_INST" "$BENCH_PORT" "$db" -q -P pager=off "$@"; }
cleanup() {
	if [ -n "$gw_pid" ]; then
		kill "$gw_pid" 2>/dev/null || true
		wait "$gw_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
	gg_psql "$BENCH_INST" "$BENCH_PORT" postgres -q -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS $login" -c "DROP ROLE IF EXISTS $app_role" >/dev/null 2>&1 || true
}
trap cleanup EXIT

command -v node >/dev/null 2>&1 || gg_die "gateway bench: node is not installed"
if [ ! -d "$gw/node_modules/autocannon" ]; then
	(cd "$gw" && npm ci --no-audit --no-fund >/dev/null 2>&1) || gg_die "gateway bench: npm ci failed in $gw"
fi

# The demo city, the login, the key -----------------------------------------------------
gg_psql "$BENCH_INST" "$BENCH_PORT" postgres -q -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
gg_demo_load "$db" -h "$BENCH_INST" -p "$BENCH_PORT" -U postgres -v demo_map=/dev/null >/dev/null
# Statistics, as a database in service has them (a fresh load has none until
# autovacuum comes by, and the planner then guesses): both sides alike.
gg_psql "$BENCH_INST" "$BENCH_PORT" "$db" -q -c "VACUUM ANALYZE" >/dev/null
bench_db -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
SELECT gridgov.setup_roles();
DROP ROLE IF EXISTS $login;
DROP ROLE IF EXISTS $app_role;
CREATE ROLE $app_role NOLOGIN IN ROLE gridgov_reporter;
CREATE ROLE $login LOGIN NOINHERIT IN ROLE gridgov_gateway, gridgov_open311, $app_role;
-- The reports the POSTs send: a point inside each of the city's unit grids, with
-- the services in turn.
CREATE TABLE public.bench_gw_forms AS
SELECT pg_catalog.row_number() OVER (ORDER BY g.code) AS i,
       pg_catalog.jsonb_build_object('service_code', s.code,
           'lat', pg_catalog.round(ST_Y(ST_PointOnSurface(g.geom))::numeric, 6)::text,
           'long', pg_catalog.round(ST_X(ST_PointOnSurface(g.geom))::numeric, 6)::text) AS request
FROM gridgov.grids g
JOIN (SELECT pg_catalog.row_number() OVER (ORDER BY x ->> 'service_code') - 1 AS j, x ->> 'service_code' AS code
      FROM pg_catalog.jsonb_array_elements(gridgov.open311_services()) x) s
  ON s.j = (pg_catalog.hashtext(g.code::text) & 1023) % (SELECT pg_catalog.jsonb_array_length(gridgov.open311_services()))
WHERE g.valid_to = 'infinity' AND g.level = (SELECT pg_catalog.max(level) FROM gridgov.grids);
ALTER TABLE public.bench_gw_forms ADD PRIMARY KEY (i);
GRANT SELECT ON public.bench_gw_forms TO $app_role;
SQL
key=$(bench_db -Atc "SELECT gridgov.api_key_create('bench-gateway', '$app_role', 1000000)")
nforms=$(bench_db -Atc "SELECT pg_catalog.count(*) FROM public.bench_gw_forms")
[ "$nforms" -gt 0 ] || gg_die "gateway bench: no unit grid to report in"
bench_db -At -c "SELECT 'api_key=$key&service_code=' || (request ->> 'service_code') || '&lat=' || (request ->> 'lat')
                        || '&long=' || (request ->> 'long') FROM public.bench_gw_forms ORDER BY i" >"$work/forms.txt"
cases_before=$(bench_db -Atc "SELECT pg_catalog.count(*) FROM gridgov.cases")

# The gateway -------------------------------------------------------------------------
gw_port=$(gg_free_port 58311)
PGHOST=$BENCH_INST PGPORT=$BENCH_PORT PGDATABASE=$db GRIDGOV_DATABASE_URL= DATABASE_URL= \
	GRIDGOV_DATABASE_USER=$login GRIDGOV_GATEWAY_HOST=127.0.0.1 GRIDGOV_GATEWAY_PORT=$gw_port \
	GRIDGOV_GATEWAY_PUBLIC_RATE=10000000 GRIDGOV_GATEWAY_LOG=warn \
	node "$gw/src/server.js" >"$work/gateway.log" 2>&1 &
gw_pid=$!
base=http://127.0.0.1:$gw_port/open311/v2
for _ in $(seq 1 300); do
	if node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" \
		"$base/services.json" 2>/dev/null; then
		break
	fi
	kill -0 "$gw_pid" 2>/dev/null || { cat "$work/gateway.log" >&2; gg_die "gateway bench: the gateway did not start"; }
	sleep 0.1
done
check=$(node -e "fetch(process.argv[1]).then(async r => { const j = await r.json(); console.log(r.status, Array.isArray(j) ? j.length : -1) }, e => console.log(0, e.message))" "$base/requests.json")
read -r get_status get_rows <<<"$check"
[ "$get_status" = 200 ] || { cat "$work/gateway.log" >&2; gg_die "gateway bench: GET requests.json answered $check"; }

# pgbench scripts: what the gateway runs for each call
cat >"$work/get.sql" <<EOF
BEGIN;
SET LOCAL ROLE gridgov_open311;
SELECT gridgov.open311_requests('{}'::jsonb);
COMMIT;
EOF
cat >"$work/post.sql" <<EOF
\\set i random(1, $nforms)
\\set n random(1, 1000000000)
BEGIN;
SET LOCAL ROLE $app_role;
SELECT gridgov.open311_submit(request || pg_catalog.jsonb_build_object('description', '压测上报 sql-' || :n)) FROM public.bench_gw_forms WHERE i = :i;
COMMIT;
EOF

load() { # get|post seconds -> "rps p99 errors timeouts non2xx total p50"
	node test/bench/lib/gateway_load.js "$gw" "$1" "$base/requests.json" "$2" "$conns" "$work/forms.txt"
}
sql() { # get|post seconds -> "tps latency_avg_ms failed"
	"$(gg_bindir)/pgbench" -n -M extended -c "$conns" -j 2 -T "$2" -f "$work/$1.sql" \
		-h "$BENCH_INST" -p "$BENCH_PORT" -U "$login" "$db" >"$work/pgbench.out" 2>&1 || true
	awk '/^tps = / { tps = $3 } /^latency average/ { lat = $4 } /^number of failed/ { failed = $5 }
		END { if (tps == "") exit 1; printf "%.1f %s %d\n", tps, lat, failed }' "$work/pgbench.out" ||
		{ tail -n 5 "$work/pgbench.out" >&2; gg_die "gateway bench: pgbench $1 failed"; }
}

for m in get post; do
	load "$m" 2 >/dev/null
	sql "$m" 2 >/dev/null
	: >"$work/$m.http.out"
	: >"$work/$m.sql.out"
	for r in $(seq 1 "$rounds"); do
		if [ $((r % 2)) = 1 ]; then order="http sql"; else order="sql http"; fi
		for side in $order; do
			if [ "$side" = http ]; then load "$m" "$round_secs" >>"$work/$m.http.out"; else sql "$m" "$round_secs" >>"$work/$m.sql.out"; fi
		done
	done
done
cases_after=$(bench_db -Atc "SELECT pg_catalog.count(*) FROM gridgov.cases")
kill "$gw_pid"
wait "$gw_pid" 2>/dev/null || true
gw_pid=

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$2" '{ print $c }' "$1"; }
sum() { awk -v c="$2" '{ s += $c } END { print s + 0 }' "$1"; }
max() { awk -v c="$2" '$c > m { m = $c } END { print m + 0 }' "$1"; }
rounds_of() { awk -v c="$2" '{ printf "%s%.0f", (NR > 1 ? "/" : ""), $c }' "$1"; }
for m in get post; do
	echo "$m $(col "$work/$m.http.out" 1 | median) $(col "$work/$m.http.out" 2 | median) $(max "$work/$m.http.out" 2)" \
		"$(sum "$work/$m.http.out" 3) $(sum "$work/$m.http.out" 4) $(sum "$work/$m.http.out" 5) $(sum "$work/$m.http.out" 6)" \
		"$(col "$work/$m.http.out" 7 | median) $(col "$work/$m.sql.out" 1 | median) $(col "$work/$m.sql.out" 2 | median)" \
		"$(sum "$work/$m.sql.out" 3) $(rounds_of "$work/$m.http.out" 1) $(rounds_of "$work/$m.sql.out" 1)"
done >"$work/summary"

awk -v rs="$round_secs" -v rounds="$rounds" -v conns="$conns" -v rows="$get_rows" \
	-v made="$((cases_after - cases_before))" -v summary="$work/summary" 'BEGIN {
	printf "gateway: Open311 over HTTP (autocannon, %d connections) vs the same SQL (pgbench, %d clients, same role switching), demo city\n", conns, conns
	printf "  %d alternating rounds of %d s a side (median round; errors summed); GET requests.json answers %d requests\n", rounds, rs, rows
	printf "    %-22s %9s %8s %8s %7s %8s %7s | %9s %8s %6s | %6s\n", "", "HTTP r/s", "p50 ms", "p99 ms", "errors", "timeouts", "non-2xx", "SQL tps", "avg ms", "failed", "ratio"
	while ((getline line < summary) > 0) {
		split(line, f, " ")
		name = (f[1] == "get" ? "GET  requests.json" : "POST requests.json")
		printf "    %-22s %9.1f %8d %8d %7d %8d %7d | %9.1f %8.2f %6d | %5.2fx\n", name, f[2], f[9], f[3], f[5], f[6], f[7], f[10], f[11], f[12], f[2] / f[10]
		printf "    %-22s rounds HTTP %s, SQL %s req/s; worst HTTP p99 %d ms; %d requests\n", "", f[13], f[14], f[4], f[8]
		if (f[1] == "get") { g_rps = f[2]; g_p99 = f[3]; g_worst = f[4]; g_bad = f[5] + f[6] + f[7] }
		else { p_bad = f[5] + f[6] + f[7] }
	}
	printf "    cases filed by the POSTs (HTTP and SQL): %d\n", made
	met = (g_rps >= 500 && g_p99 < 50 && g_bad == 0)
	printf "gateway: GET %.0f req/s, p99 %d ms (worst round %d ms), %d errors/timeouts/non-2xx (target >= 500 req/s, p99 < 50 ms, 0 errors): %s; POST %d errors/timeouts/non-2xx\n", \
		g_rps, g_p99, g_worst, g_bad, (met ? "met" : "NOT met"), p_bad
}'

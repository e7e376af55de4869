#!/usr/bin/env bash
# Access control (issue 13, item 5; docs/security.md "Who sees which cases"):
# what row-level security and the masked view cost a scoped login against a
# superuser, in a database of its own on the demo city (tools/democity.sql,
# seed 1) with Daxing's organisation and 1,000,000 cases (x BENCH_SCALE):
#   the cases are bulk-generated as superuser with session_replication_role =
#   replica (no triggers: intake, history and clocks are skipped), on the
#   city's unit grids and active categories, reported over the past year, 85%
#   closed, the rest open (reported, dispatched, signed), held by the town's
#   command center or a district department;
#   the scoped login, bench_access_town, is a member of gridgov_dispatcher only
#   and the login of 赵敏, staff of 黄村's command center (tc-005, jurisdiction
#   110115005): it reads the cases of 黄村.
# 1. The town dispatcher's open-case list: the same query text in a session of
#    each role, timed inside the server (a PL/pgSQL loop around EXECUTE,
#    planning included, one warm-up then the median of the executions), in
#    alternating rounds: the 50 oldest open cases of 黄村 and their count(*),
#    from gridgov.cases (the columns a group role may read) and from
#    gridgov.my_cases (with the masked contact columns); each with the explicit
#    filter grid <@ '110115005' (the superuser needs it; RLS adds its own on
#    top for the scoped login).  Both sides must return the same rows
#    (checked).  For information, the scoped login's count with no explicit
#    filter (the scope alone) against the superuser's filtered count.
# 2. act() throughput: pgbench, one client, a fixed number of transactions per
#    round, each taking one fresh patrol case of 黄村 (through the intake,
#    untimed, after part 1) through file -> dispatch -> suspend -> resume (all dispatcher
#    actions), as the scoped login and as the superuser on distinct but
#    equivalent cases (two interleaved pools), in alternating rounds.
# Prints each pair side by side with the ratio scoped/superuser (target: <= 1.3x).
# BENCH_SCALE scales the number of cases (at least 20,000) and of transactions.
set -euo pipefail
n=$(awk -v s="$BENCH_SCALE" 'BEGIN { v = int(1000000 * s); print (v < 20000 ? 20000 : v) }')
txns=$(awk -v s="$BENCH_SCALE" 'BEGIN { v = int(3000 * s); print (v < 500 ? 500 : v) }')
rounds=5
list_rounds=5
execs=15
town=110115005
login=bench_access_town
work=$(mktemp -d "$BENCH_INST/access.XXXXXX")
source test/bench/lib/fresh_demo.sh
pgbench=$(gg_bindir)/pgbench
cleanup() {
	rm -rf "$work"
	fresh_drop
	gg_psql "$BENCH_INST" "$BENCH_PORT" postgres -q -c "SET client_min_messages = warning" \
		-c "DROP ROLE IF EXISTS $login" >/dev/null 2>&1 || true
}
trap cleanup EXIT
bench_fresh_demo gridgov_bench_access
fresh_psql -c "ALTER DATABASE $BENCH_FRESH_DB SET search_path = \"\$user\", public, gridgov" >/dev/null
# psql as the scoped login, in a session of its own
login_psql() {
	"$(gg_bindir)/psql" -X -v ON_ERROR_STOP=1 -q -P pager=off -h "$BENCH_INST" -p "$BENCH_PORT" \
		-U "$login" -d "$BENCH_FRESH_DB" "$@"
}

# The login and the cases ---------------------------------------------------------------
fresh_psql -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
SELECT gridgov.setup_roles();
DROP ROLE IF EXISTS $login;
CREATE ROLE $login LOGIN IN ROLE gridgov_dispatcher;
UPDATE gridgov.staff SET db_role = '$login'
WHERE name = '赵敏' AND department_id = (SELECT id FROM gridgov.departments WHERE code = 'tc-005');

SELECT pg_catalog.setseed(0.13);
-- The current unit grids with a point inside and the town's command center.
CREATE TABLE bench_grids AS
SELECT pg_catalog.row_number() OVER (ORDER BY g.code) AS i, g.code, ST_PointOnSurface(g.geom) AS point,
       (SELECT d.id FROM gridgov.departments d
        WHERE d.kind = 'command_center' AND d.jurisdiction OPERATOR(gridgov.=) gridgov.ancestor(g.code, 4)) AS center
FROM gridgov.grids g WHERE gridgov.level(g.code) = 6 AND g.valid_to = 'infinity';
CREATE TABLE bench_cats AS
SELECT pg_catalog.row_number() OVER (ORDER BY c.code) AS i, c.code, c.workflow, c.default_urgency::gridgov.urgency AS urgency,
       s.state AS initial
FROM gridgov.categories c JOIN gridgov.workflow_states s ON s.workflow = c.workflow AND s.initial
WHERE c.active AND pg_catalog.length(c.code) = 5;
CREATE TABLE bench_depts AS
SELECT pg_catalog.row_number() OVER (ORDER BY id) AS i, id FROM gridgov.departments WHERE kind = 'functional' AND level = 'district';
SELECT pg_catalog.count(*) AS ngrids FROM bench_grids \gset
SELECT pg_catalog.count(*) AS ncats FROM bench_cats \gset
SELECT pg_catalog.count(*) AS ndepts FROM bench_depts \gset

SET session_replication_role = replica;
INSERT INTO gridgov.cases (county, id, case_no, source, category, urgency, title, location, coord_system, grid,
                           department_id, workflow, state, reported_at, updated_at, closed_at, dispatches, events)
OVERRIDING SYSTEM VALUE
SELECT '110115', x.i, '110115-bulk-' || pg_catalog.lpad(x.i::text, 8, '0'),
       CASE c.workflow WHEN 'hotline' THEN 'hotline' WHEN 'dispute' THEN 'department'
            ELSE (ARRAY['patrol', 'video', 'app', 'city'])[1 + x.i % 4] END::gridgov.case_source,
       c.code, c.urgency, '压测案件 ' || x.i, g.point, 'wgs84', g.code,
       CASE WHEN r.r2 < 0.6 THEN g.center ELSE d.id END, c.workflow,
       CASE WHEN r.r1 < 0.85 THEN 'closed' WHEN r.r1 < 0.90 OR c.workflow = 'dispute' THEN c.initial
            WHEN r.r1 < 0.95 THEN 'dispatched' ELSE 'signed' END,
       r.reported_at, r.reported_at, CASE WHEN r.r1 < 0.85 THEN r.reported_at + interval '3 days' END,
       CASE WHEN r.r1 < 0.85 OR r.r1 >= 0.90 THEN 1 ELSE 0 END, 0
FROM pg_catalog.generate_series(1, $n) x(i)
CROSS JOIN LATERAL (SELECT pg_catalog.random() AS r1, pg_catalog.random() AS r2,
                           pg_catalog.now() - pg_catalog.random() * interval '365 days' AS reported_at
                    WHERE x.i IS NOT NULL) r
JOIN bench_grids g ON g.i = 1 + (x.i::bigint * 7919) % :ngrids
JOIN bench_cats c ON c.i = 1 + (x.i::bigint * 104729) % :ncats
JOIN bench_depts d ON d.i = 1 + x.i % :ndepts;
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('gridgov.cases', 'id'), $n);
RESET session_replication_role;

-- One query's median time over executions in this session (a warm-up first).
CREATE FUNCTION bench_access_ms(q text, n integer) RETURNS TABLE (ms double precision, nrows bigint)
LANGUAGE plpgsql AS \$\$
DECLARE
    t0 timestamptz;
    r record;
    k bigint;
    times double precision[] := '{}';
BEGIN
    FOR i IN 0 .. n LOOP
        t0 := pg_catalog.clock_timestamp();
        k := 0;
        FOR r IN EXECUTE q LOOP
            k := k + 1;
        END LOOP;
        IF i > 0 THEN
            times := times || 1000 * EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0)::double precision;
        END IF;
    END LOOP;
    RETURN QUERY SELECT pg_catalog.percentile_disc(0.5) WITHIN GROUP (ORDER BY t), k FROM pg_catalog.unnest(times) t;
END
\$\$;
-- The rows a query returns, as one checksum.
CREATE FUNCTION bench_access_sum(q text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
    s text;
BEGIN
    EXECUTE 'SELECT pg_catalog.count(*) || '' rows, '' || pg_catalog.md5(pg_catalog.string_agg(t::text, '';'' ORDER BY t::text)) FROM ('
            || q || ') t' INTO s;
    RETURN s;
END
\$\$;
GRANT EXECUTE ON FUNCTION bench_access_ms(text, integer), bench_access_sum(text) TO $login;
VACUUM ANALYZE gridgov.cases;
CHECKPOINT;
SQL
counts=$(fresh_psql -At -F ' ' -c "SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE grid <@ '$town'),
    pg_catalog.count(*) FILTER (WHERE grid <@ '$town' AND closed_at IS NULL) FROM gridgov.cases")
read -r total in_town open_town <<<"$counts"

# 1. The open-case list -----------------------------------------------------------------
cols="id, case_no, category, state, urgency, title, grid, department_id, reported_at"
q_list="SELECT $cols FROM gridgov.cases WHERE grid <@ '$town' AND closed_at IS NULL ORDER BY reported_at, id LIMIT 50"
q_count="SELECT pg_catalog.count(*) FROM gridgov.cases WHERE grid <@ '$town' AND closed_at IS NULL"
q_mylist="SELECT $cols, reporter_name, reporter_phone, address, description FROM gridgov.my_cases WHERE grid <@ '$town' AND closed_at IS NULL ORDER BY reported_at, id LIMIT 50"
q_mycount="SELECT pg_catalog.count(*) FROM gridgov.my_cases WHERE grid <@ '$town' AND closed_at IS NULL"
q_scope="SELECT pg_catalog.count(*) FROM gridgov.my_cases WHERE closed_at IS NULL"
names=(list count mylist mycount)
texts=("$q_list" "$q_count" "$q_mylist" "$q_mycount")

# side, query text -> "ms rows"
time_query() {
	local sql
	sql="SELECT ms, nrows FROM bench_access_ms(\$q\$$2\$q\$, $execs)"
	if [ "$1" = scoped ]; then login_psql -At -F ' ' -c "$sql"; else fresh_psql -At -F ' ' -c "$sql"; fi
}
sum_query() {
	local sql="SELECT bench_access_sum(\$q\$$2\$q\$)"
	if [ "$1" = scoped ]; then login_psql -At -c "$sql"; else fresh_psql -At -c "$sql"; fi
}

same="yes"
for k in "${!names[@]}"; do
	a=$(sum_query scoped "${texts[$k]}")
	b=$(sum_query superuser "${texts[$k]}")
	if [ "$a" != "$b" ]; then
		same="NO"
		echo "access: ${names[$k]}: the scoped login got $a, the superuser $b" >&2
	fi
done
for r in $(seq 1 "$list_rounds"); do
	if [ $((r % 2)) = 1 ]; then order="scoped superuser"; else order="superuser scoped"; fi
	for k in "${!names[@]}"; do
		for side in $order; do
			time_query "$side" "${texts[$k]}" >>"$work/${names[$k]}.$side"
		done
	done
	for side in $order; do
		if [ "$side" = scoped ]; then time_query scoped "$q_scope"; else time_query superuser "$q_mycount"; fi >>"$work/scope.$side"
	done
done
median_ms() { awk '{ print $1 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rows_of() { awk 'END { print $2 }' "$1"; }

# What the planner made of the count: the scoped login's plan in full, with the
# rows each filter removed (where the policy runs); the superuser's plan nodes.
explain() { # side query
	local sql="EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $2"
	if [ "$1" = scoped ]; then login_psql -At -c "$sql"; else fresh_psql -At -c "$sql"; fi
}
explain scoped "$q_count" | sed 's/^/      /' >"$work/plan.scoped"
explain superuser "$q_count" | grep -v '^ *\(Filter\|Rows Removed\|Recheck\|Index Cond\|Heap Blocks\)' |
	sed 's/^ *\(->  \)\{0,1\}//; s/ (actual.*//' | paste -sd '>' | sed 's/>/ > /g' >"$work/plan.superuser"

# 2. act() throughput --------------------------------------------------------------------
fresh_psql -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
-- The pools of fresh patrol cases of 黄村 for act(), through the ordinary intake:
-- interleaved, so that both sides get the same grids and times.
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
SELECT 'patrol', 'access-' || k, 'E0102', '压测：暴露垃圾', g.point, pg_catalog.now() - interval '2 hours'
FROM pg_catalog.generate_series(1, 2 * $rounds * $txns) k
JOIN (SELECT pg_catalog.row_number() OVER (ORDER BY code) - 1 AS j, point FROM bench_grids
      WHERE code <@ '$town') g ON g.j = k % (SELECT pg_catalog.count(*) FROM bench_grids WHERE code <@ '$town');
CREATE TABLE bench_pool AS
SELECT CASE WHEN k % 2 = 0 THEN 'scoped' ELSE 'superuser' END AS side, (k + 1) / 2 AS i, id
FROM (SELECT id, pg_catalog.split_part(external_id, '-', 2)::int AS k FROM gridgov.cases
      WHERE source = 'patrol' AND external_id LIKE 'access-%') p;
ALTER TABLE bench_pool ADD PRIMARY KEY (side, i);
CREATE SEQUENCE bench_seq_scoped;
CREATE SEQUENCE bench_seq_superuser;
GRANT SELECT ON bench_pool TO $login;
GRANT USAGE ON SEQUENCE bench_seq_scoped TO $login;
VACUUM ANALYZE gridgov.cases;
VACUUM ANALYZE bench_pool;
CHECKPOINT;
SQL
for side in scoped superuser; do
	cat >"$work/act-$side.sql" <<EOF
SELECT id AS cid FROM bench_pool WHERE side = '$side' AND i = (SELECT pg_catalog.nextval('bench_seq_$side')) \gset
SELECT (gridgov.act(:cid, 'file')).state;
SELECT (gridgov.act(:cid, 'dispatch')).state;
SELECT (gridgov.act(:cid, 'suspend')).state;
SELECT (gridgov.act(:cid, 'resume')).state;
EOF
done
run_pgbench() { # side
	local user=postgres
	[ "$1" = scoped ] && user=$login
	"$pgbench" -n -M prepared -c 1 -j 1 -t "$txns" -f "$work/act-$1.sql" \
		-h "$BENCH_INST" -p "$BENCH_PORT" -U "$user" "$BENCH_FRESH_DB" >"$work/pgbench.out" 2>&1 || true
	grep -q '^tps = ' "$work/pgbench.out" && ! grep -qi 'error' "$work/pgbench.out" ||
		{ grep -i error "$work/pgbench.out" | head -n 5 >&2; exit 1; }
	sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.out"
}
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="scoped superuser"; else order="superuser scoped"; fi
	for side in $order; do
		run_pgbench "$side" >>"$work/act.$side"
	done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
act_scoped=$(median <"$work/act.scoped")
rounds_scoped=$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$work/act.scoped")
rounds_super=$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$work/act.superuser")
act_super=$(median <"$work/act.superuser")
check=$(fresh_psql -At -F ' ' -c "SELECT pg_catalog.count(*) FILTER (WHERE c.state = 'dispatched'),
        pg_catalog.count(*) FILTER (WHERE c.events = 5),
        (SELECT pg_catalog.count(*) FROM gridgov.case_events e JOIN gridgov.staff s ON s.id = e.actor_staff_id
         WHERE s.db_role = '$login' AND e.action IN ('file', 'dispatch', 'suspend', 'resume')),
        (SELECT pg_catalog.count(*) FROM gridgov.verify_histories('110115', (SELECT pg_catalog.array_agg(id) FROM bench_pool)))
    FROM gridgov.cases c JOIN bench_pool p ON p.id = c.id")
read -r dispatched five_events by_login broken <<<"$check"

# Report ------------------------------------------------------------------------------
{
	for k in "${!names[@]}"; do
		echo "${names[$k]} $(median_ms "$work/${names[$k]}.scoped") $(median_ms "$work/${names[$k]}.superuser") $(rows_of "$work/${names[$k]}.scoped")"
	done
	echo "scope $(median_ms "$work/scope.scoped") $(median_ms "$work/scope.superuser") $(rows_of "$work/scope.scoped")"
} >"$work/lists"
awk -v n="$total" -v town="$in_town" -v open="$open_town" -v same="$same" -v lr="$list_rounds" -v ex="$execs" \
	-v as="$act_scoped" -v au="$act_super" -v rs="$rounds_scoped" -v ru="$rounds_super" -v txns="$txns" -v rounds="$rounds" -v disp="$dispatched" \
	-v five="$five_events" -v bylogin="$by_login" -v broken="$broken" -v lists="$work/lists" \
	-v plan_scoped="$work/plan.scoped" -v plan_super="$(cat "$work/plan.superuser")" '
BEGIN {
	label["list"] = "cases: 50 oldest open (LIMIT 50)"; label["count"] = "cases: count(*) of open"
	label["mylist"] = "my_cases: 50 oldest open, masked"; label["mycount"] = "my_cases: count(*) of open"
	label["scope"] = "my_cases: count(*), scope alone (*)"
	printf "access control: a town dispatcher (gridgov_dispatcher, 黄村 command center) vs a superuser, %d cases (%d in 黄村, %d of them open)\n", n, town, open
	printf "  open-case list, same query text with grid <@ %s, each role in its own session; %d alternating rounds of %d executions (median, in the server):\n", "'\''110115005'\''", lr, ex
	printf "    %-38s %10s %10s %7s %6s\n", "query", "scoped", "superuser", "ratio", "rows"
	while ((getline line < lists) > 0) {
		split(line, f, " ")
		r = f[2] / f[3]
		if (f[1] != "scope" && r > worst) worst = r
		printf "    %-38s %7.2f ms %7.2f ms %6.2fx %6d\n", label[f[1]], f[2], f[3], r, f[4]
	}
	printf "    (*) the scoped login with no explicit filter (RLS alone) vs the superuser'\''s filtered count; not in the target\n"
	printf "    the same rows on both sides: %s\n", same
	printf "    plan of the count, superuser: %s\n", plan_super
	printf "    plan of the count, scoped login (EXPLAIN ANALYZE):\n"
	while ((getline line < plan_scoped) > 0)
		print line
	printf "  act() throughput: pgbench 1 client, %d alternating rounds of %d transactions, each a fresh patrol case of 黄村 through file -> dispatch -> suspend -> resume (median):\n", rounds, txns
	printf "    scoped login:   %8.0f tps (%5.0f actions/s); rounds: %s\n", as, 4 * as, rs
	printf "    superuser:      %8.0f tps (%5.0f actions/s); rounds: %s\n", au, 4 * au, ru
	printf "    ratio of time scoped/superuser: %.2fx; of the %d cases %d dispatched, %d with 5 events; %d events by the login; %d history problems\n", au / as, 2 * rounds * txns, disp, five, bylogin, broken
	worst = (au / as > worst ? au / as : worst)
	printf "access control: worst ratio scoped/superuser %.2fx (target <= 1.3x): %s\n", worst, (worst <= 1.3 ? "met" : "NOT met")
}'
[ "$same" = yes ] && [ "$broken" = 0 ] && [ "$five_events" = $((2 * rounds * txns)) ] &&
	[ "$by_login" = $((4 * rounds * txns)) ] || { echo "access: wrong rows, or the actions did not all happen" >&2; exit 1; }

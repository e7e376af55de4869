#!/usr/bin/env bash
# The Citus suite (issue 14; docs/development.md, "The Citus suite"): gridgov
# on a Citus cluster of a coordinator and two workers must answer as it does
# on a single server.
#
# Needs Citus in PG_CONFIG's PostgreSQL, or ../shared/citus/build.sh beside
# the repository to build it (gg_citus_available in tools/lib.sh); without
# either, or with GRIDGOV_SKIP_CITUS=1, prints one "ok ... skipped: REASON"
# line and exits 0.  Otherwise:
#   - starts a cluster in a temporary directory under /tmp (gg_citus_start;
#     stopped and removed on exit, also on failure), database gridgov_citus
#     on every node, and there, on the coordinator, CREATE EXTENSION gridgov
#     CASCADE, pgtap and dblink (Citus creates them on the workers too), then
#     SELECT * FROM gridgov.distribute();
#   - makes the single-node reference database gridgov_citus_ref on the test
#     instance (PGHOST/PGPORT), with the same extensions; dropped on exit;
#     both databases get the search_path of gridgov_test ("$user", public,
#     gridgov);
#   - runs every test/citus/[0-9]*.sql, in name order, on both: psql -X -q
#     -v ON_ERROR_STOP=1 -P pager=off (aligned output), working directory the
#     repository root (for \copy of data/ files); a file passes when both runs
#     succeed and print the same (stdout only: notices are not compared); a
#     unified diff (60 lines) otherwise.  The psql variable :citus is on for
#     the cluster's run and off for the single node's, for what must differ;
#   - runs every test/citus/cluster_*.sql (pgTAP) on the coordinator only with
#     pg_prove; each must pass.
# Every run gets the cluster's ports as psql variables :coordinator_port,
# :worker1_port, :worker2_port (the single node's run too), and pg_prove's
# runs also as the environment variables PGPORT_COORDINATOR, PGPORT_WORKER1,
# PGPORT_WORKER2.  The nodes listen on TCP at localhost with trust
# authentication, database gridgov_citus on each: a script reaches a worker
# with dblink('host=localhost port=' || :'worker1_port' || ' dbname=gridgov_citus
# user=postgres', ...) or \connect "host=localhost port=:worker1_port ...".
# Prints the time of the Citus build, the cluster's start, distribute() and
# each file; on a failure, the last 40 lines of each node's server log.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/lib.sh
set +e
set -uo pipefail
source test/lib/tap.sh

bindir=$(gg_bindir)
db=gridgov_citus
ref_db=gridgov_citus_ref
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
suite_start=$(now)

# Citus: installed, or built now. ---------------------------------------------
libdir=$("$(gg_pg_config)" --pkglibdir)
had_citus=no
[ -f "$libdir/citus.so" ] && had_citus=yes
t=$(now)
if ! reason=$(gg_citus_available); then
	ok "citus suite skipped: $reason"
	exit 0
fi
if [ "$had_citus" = yes ]; then
	echo "# time: Citus build: none (already installed in $libdir)"
else
	echo "# time: Citus build: $(secs "$t" "$(now)")s (installed into $libdir)"
fi

work=$(mktemp -d /tmp/gridgov-citus.XXXXXX)
chmod 755 "$work"
drop_ref() {
	"$bindir/psql" -X -q -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $ref_db WITH (FORCE)" >/dev/null 2>&1 || true
}
cleanup() {
	gg_citus_stop "$work"
	drop_ref
	rm -rf "$work"
}
trap cleanup EXIT

node_logs() {
	local i
	for i in 0 1 2; do
		[ -f "$work/n$i/server.log" ] || continue
		echo "# ---- node $i ($([ "$i" = 0 ] && echo coordinator || echo "worker $i")): last 40 lines of its server log ----"
		tail -n 40 "$work/n$i/server.log" | sed 's/^/#   /'
	done
}
# Show a file (a run's stderr, a diff) as TAP comments.
show() { sed 's/^/#   /' "$@"; }

# The cluster and the reference database. -------------------------------------
t=$(now)
if ! gg_citus_start "$work" "$db"; then
	not_ok "the Citus cluster starts"
	node_logs
	exit 1
fi
ok "the Citus cluster starts (coordinator port ${GG_CITUS_PORTS[0]}, workers ${GG_CITUS_PORTS[1]} and ${GG_CITUS_PORTS[2]})"
echo "# time: cluster start: $(secs "$t" "$(now)")s"
ports=(-v "coordinator_port=${GG_CITUS_PORTS[0]}" -v "worker1_port=${GG_CITUS_PORTS[1]}"
	-v "worker2_port=${GG_CITUS_PORTS[2]}")

coord() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -P pager=off -h "$work/n0" -p "${GG_CITUS_PORTS[0]}" -U postgres -d "$db" "$@"; }
single() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -P pager=off -d "$ref_db" "$@"; }
extensions=(-c "SET client_min_messages = warning" -c "CREATE EXTENSION gridgov CASCADE"
	-c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION dblink")

t=$(now)
if coord "${extensions[@]}" >"$work/setup.out" 2>&1; then
	ok "gridgov, pgtap and dblink in $db on the coordinator"
else
	not_ok "gridgov, pgtap and dblink in $db on the coordinator"
	show "$work/setup.out"
	node_logs
	exit 1
fi
# The search_path of gridgov_test, set on the coordinator; Citus sets it on
# the workers too.
search_path_ok=yes
coord -c "ALTER DATABASE $db SET search_path = \"\$user\", public, gridgov" >>"$work/setup.out" 2>&1 ||
	search_path_ok=no
for i in 1 2; do
	got=$(gg_psql "$work/n$i" "${GG_CITUS_PORTS[$i]}" "$db" -A -t -c "SHOW search_path" 2>>"$work/setup.out")
	[ "$got" = '"$user", public, gridgov' ] || { search_path_ok=no; echo "worker $i: search_path $got" >>"$work/setup.out"; }
done
if [ "$search_path_ok" = yes ]; then
	ok "the search_path of $db on every node"
else
	not_ok "the search_path of $db on every node"
	show "$work/setup.out"
fi
if coord -A -t -c "SELECT * FROM gridgov.distribute()" >"$work/distribute.out" 2>"$work/distribute.err"; then
	ok "gridgov.distribute() on the coordinator ($(wc -l <"$work/distribute.out") tables)"
else
	not_ok "gridgov.distribute() on the coordinator"
	show "$work/distribute.err"
	node_logs
	exit 1
fi
echo "# time: extensions and distribute(): $(secs "$t" "$(now)")s"

drop_ref
if "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $ref_db" \
	-c "ALTER DATABASE $ref_db SET search_path = \"\$user\", public, gridgov" >"$work/ref.out" 2>&1 &&
	single "${extensions[@]}" >>"$work/ref.out" 2>&1; then
	ok "the single-node reference database $ref_db"
else
	not_ok "the single-node reference database $ref_db"
	show "$work/ref.out"
	exit 1
fi

# test/citus/[0-9]*.sql: the same output on the cluster and on one node. -------
shopt -s nullglob
for f in test/citus/[0-9]*.sql; do
	name=${f##*/}
	out=$work/${name%.sql}
	t=$(now)
	coord -v citus=on "${ports[@]}" -f "$f" >"$out.citus" 2>"$out.citus.err"
	citus_status=$?
	t_citus=$(secs "$t" "$(now)")
	t=$(now)
	single -v citus=off "${ports[@]}" -f "$f" >"$out.single" 2>"$out.single.err"
	single_status=$?
	t_single=$(secs "$t" "$(now)")
	echo "# time: $name: cluster ${t_citus}s, single node ${t_single}s"
	if [ "$citus_status" -ne 0 ]; then
		not_ok "$name runs on the cluster"
		show "$out.citus.err"
		node_logs
	elif [ "$single_status" -ne 0 ]; then
		not_ok "$name runs on the single node"
		show "$out.single.err"
	elif ! diff -q "$out.single" "$out.citus" >/dev/null; then
		not_ok "$name prints the same on the cluster as on a single node"
		diff -u --label "$name (single node)" --label "$name (cluster)" "$out.single" "$out.citus" |
			head -n 60 | show
		node_logs
	else
		ok "$name prints the same on the cluster as on a single node ($(wc -l <"$out.citus") lines)"
	fi
done

# test/citus/cluster_*.sql: pgTAP on the coordinator. ---------------------------
for f in test/citus/cluster_*.sql; do
	name=${f##*/}
	t=$(now)
	PGHOST=$work/n0 PGPORT=${GG_CITUS_PORTS[0]} PGUSER=postgres PGDATABASE=$db \
		PGPORT_COORDINATOR=${GG_CITUS_PORTS[0]} PGPORT_WORKER1=${GG_CITUS_PORTS[1]} \
		PGPORT_WORKER2=${GG_CITUS_PORTS[2]} \
		pg_prove --psql-bin "$bindir/psql" --verbose \
		--set "coordinator_port=${GG_CITUS_PORTS[0]}" --set "worker1_port=${GG_CITUS_PORTS[1]}" \
		--set "worker2_port=${GG_CITUS_PORTS[2]}" "$f" >"$work/prove.out" 2>&1
	prove_status=$?
	echo "# time: $name: $(secs "$t" "$(now)")s"
	if [ "$prove_status" -eq 0 ]; then
		ok "$name passes on the coordinator ($(grep -c '^ok ' "$work/prove.out") assertions)"
	else
		not_ok "$name passes on the coordinator"
		show "$work/prove.out"
		node_logs
	fi
done

echo "# time: the Citus suite: $(secs "$suite_start" "$(now)")s"
exit $fail

#!/usr/bin/env bash
# make bench: build and install, start a throwaway instance under .bench/, run
# every test/bench/NNN_*.sh in order and print each benchmark's timings side by
# side with their ratio.  Output is also kept in .bench/results.txt.
#
# Benchmarks read larger real data from ../shared/data when it is there and
# generate data of the same shape otherwise.  BENCH_SCALE (default 1) scales
# the generated sizes down for a quick run, e.g. BENCH_SCALE=0.1; BENCH_ONLY=sweep
# runs only the benchmarks whose file name contains "sweep".
source "$(dirname "$0")/lib.sh"
cd "$GG_ROOT"

gg_install_deps
gg_lock_machine
gg_build_install

BENCH_DB=gridgov_bench
inst=$(gg_instance_dir "$GG_ROOT/.bench")
gg_stop "$inst"
rm -rf "$inst/data"
port=$(gg_free_port 55434)
trap 'gg_stop_and_clean "$inst"' EXIT
gg_start "$inst" "$port" "$BENCH_DB"
gg_psql "$inst" "$port" postgres -q -c "CREATE DATABASE $BENCH_DB"
gg_psql "$inst" "$port" "$BENCH_DB" -q -c "SET client_min_messages = warning; CREATE EXTENSION gridgov CASCADE;" \
	-c "ALTER DATABASE $BENCH_DB SET search_path = \"\$user\", public, gridgov"

export BENCH_INST=$inst BENCH_PORT=$port BENCH_DB BENCH_SCALE=${BENCH_SCALE:-1}
export SHARED_DATA=${SHARED_DATA:-$GG_ROOT/../shared/data}
bench_psql() { gg_psql "$BENCH_INST" "$BENCH_PORT" "$BENCH_DB" -q -P pager=off "$@"; }
export -f bench_psql gg_psql gg_bindir gg_pg_config gg_die gg_log
export PG_MAJOR GG_ROOT

{
	echo "gridgov benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
	echo "server:  $("$(gg_bindir)/postgres" --version), PostGIS $(bench_psql -Atc 'SELECT postgis_lib_version()')"
	echo
	for b in test/bench/[0-9]*"${BENCH_ONLY:-}"*.sh; do
		bash "$b"
		echo
	done
} 2>&1 | tee "$GG_ROOT/.bench/results.txt"

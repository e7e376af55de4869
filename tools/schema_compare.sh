#!/usr/bin/env bash
# tools/schema_compare.sh [BASE]: compares a fresh install of gridgov at git
# revision BASE (default HEAD) with a fresh install of the working tree.  Each
# is built and installed (into the PostgreSQL of PG_CONFIG), created in its own
# database of a throwaway server under .scratch/compare/ with CREATE EXTENSION
# gridgov CASCADE and gridgov.setup_roles(), and described by
# tools/schema_snapshot.sql (the working tree's, for both).  Prints the diff of
# the two descriptions and leaves them in .scratch/compare/{base,work}.txt; exits
# 0 when they are the same, 1 when they differ.  Holds the machine lock of
# make test (TMPDIR/gridgov-run.lock) while it installs.
source "$(dirname "$0")/lib.sh"
cd "$GG_ROOT"

base_rev=${1:-HEAD}
out="$GG_ROOT/.scratch/compare"
gg_lock_machine

rm -rf "$out/base-tree"
mkdir -p "$out/base-tree"
git archive "$base_rev" | tar -x -C "$out/base-tree"

inst=$(gg_instance_dir "$out/instance")
gg_stop "$inst"
rm -rf "$inst/data" "$inst"/*.log
port=$(gg_free_port 56432)
trap 'gg_stop_and_clean "$inst"' EXIT
gg_start "$inst" "$port" postgres

describe() {
	local db=$1 file=$2
	gg_psql "$inst" "$port" postgres -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	gg_psql "$inst" "$port" "$db" -q -o /dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION gridgov CASCADE;
SELECT gridgov.setup_roles();
SQL
	gg_psql "$inst" "$port" "$db" -q -A -t -f "$GG_ROOT/tools/schema_snapshot.sql" >"$file"
}

gg_log "building and describing $base_rev ($(git rev-parse --short "$base_rev"))"
make -C "$out/base-tree" -s PG_CONFIG="$(gg_pg_config)" >/dev/null
gg_as_root make -C "$out/base-tree" -s PG_CONFIG="$(gg_pg_config)" install >/dev/null
describe gridgov_compare_base "$out/base.txt"

gg_log "building and describing the working tree"
gg_build_install
describe gridgov_compare_work "$out/work.txt"

gg_log "$(wc -l <"$out/base.txt") lines of description each side; the difference:"
if diff -u "$out/base.txt" "$out/work.txt"; then
	gg_log "no difference"
else
	exit 1
fi

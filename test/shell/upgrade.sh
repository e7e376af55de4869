#!/usr/bin/env bash
# The upgrade chain (issue 12, item 2; docs/install.md, Upgrading): the previous
# release, filled with the demo city and its cases through every workflow, then
# ALTER EXTENSION gridgov UPDATE, equals a fresh install of the current version:
#   - the catalog (tools/schema_snapshot.sql: tables, columns, types, indexes,
#     constraints, triggers, functions with their bodies, views, grants,
#     comments, the shipped rows) is the same as a fresh install's with the same
#     demo loaded;
#   - every row there before is there after, column for column (the columns the
#     table had before; an upgrade may add columns);
#   - verify_histories() finds nothing, and intake and act() work after it.
# Each version the chain starts from is a frozen script of src/sql/releases/.
# Runs in its own databases, which it creates and drops.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

old_db=gridgov_upgrade_old
new_db=gridgov_upgrade_new
work=$(mktemp -d)
psql_in() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
value() { local db=$1; shift; psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"; }
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $old_db WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS $new_db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

source test/lib/tap.sh

current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" gridgov.control)
# The previous release: the newest frozen script that is not the current version.
previous=$(ls src/sql/releases/ | sed -n 's/^gridgov--\([0-9.]*\)\.sql$/\1/p' |
	grep -vx "$current" | sort -V | tail -n 1)

new_database() {
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}

# The demo city (tools/demo/*.sql) into a database: divisions, grids,
# organisation, cases through every workflow, the sweep, the analytics.  With a
# version ($2), a step the demo changed since that release is taken as the
# release had it (test/shell/upgrade-demo/VERSION/), so that it uses only what
# that release can do.
load_demo() {
	local step name
	for step in tools/demo/[0-9]*.sql; do
		name=$(basename "$step")
		if [ -n "${2:-}" ] && [ -f "test/shell/upgrade-demo/$2/$name" ]; then
			step=test/shell/upgrade-demo/$2/$name
		fi
		psql_in "$1" -o /dev/null -v demo_map="$work/map-$1.svg" -f "$step" || return 1
	done >/dev/null 2>&1
}

# Columns an update rewrites on purpose, left out of the row comparison:
# 1.3.0 renumbers the escalation ladder, and a clock still climbing keeps its
# place on the new one (case_clocks.escalation_level).
rewritten="gridgov.case_clocks.escalation_level"

# Every gridgov table's rows, as (table, row as JSON restricted to the columns
# the table has in the fingerprint's first run), into public.upgrade_rows; the
# shipped rows (builtin) aside: they are the release's, and the catalog
# comparison below checks them against a fresh install's.
fingerprint() {
	psql_in "$1" -o /dev/null <<SQL
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS public.upgrade_columns AS
SELECT c.oid::regclass::text AS rel, array_agg(a.attname::text ORDER BY a.attnum) AS cols
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'gridgov'::regnamespace AND c.relkind IN ('r', 'p')
  AND ('gridgov.' || c.relname || '.' || a.attname) <> ALL ('{$rewritten}'::text[])
GROUP BY c.oid;
DROP TABLE IF EXISTS public.upgrade_rows_$2;
CREATE TABLE public.upgrade_rows_$2 (rel text, row_json jsonb);
DO \$\$
DECLARE r record;
BEGIN
    FOR r IN SELECT rel, cols FROM public.upgrade_columns LOOP
        EXECUTE format('INSERT INTO public.upgrade_rows_$2 SELECT %L, '
                       '(SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(t)) AS e(k, v) WHERE k = ANY (%L::text[])) '
                       'FROM %s t %s', r.rel, r.cols, r.rel,
                       CASE WHEN 'builtin' = ANY (r.cols) THEN 'WHERE NOT t.builtin' END);
    END LOOP;
END
\$\$;
SQL
}

describe() {
	# The partitions gridgov.sensor_partitions() makes at run time (months of
	# readings) hold data, not schema, like rows: the demo makes some only
	# where it has sensors (not in the previous release).  Dropped first.
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
DO $$
DECLARE
    r pg_catalog.regclass;
BEGIN
    FOR r IN SELECT c.oid::pg_catalog.regclass FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'gridgov'::pg_catalog.regnamespace AND c.relispartition
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                               WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                                 AND d.deptype = 'e')
    LOOP
        EXECUTE pg_catalog.format('DROP TABLE %s', r);
    END LOOP;
END
$$;
SQL
	psql -X -q -A -t -v ON_ERROR_STOP=1 -v shipped_only=on -d "$1" -f tools/schema_snapshot.sql >"$2"
}

if [ -z "$previous" ]; then
	not_ok "a previous release in src/sql/releases/"
	exit 1
fi
echo "# from $previous to $current"

# The previous release, filled.
new_database "$old_db"
psql_in "$old_db" -o /dev/null -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION gridgov VERSION '$previous' CASCADE"
is "the previous release installs from its frozen script" \
	"$(value "$old_db" -c "SELECT extversion FROM pg_extension WHERE extname = 'gridgov'")" "$previous"
# The demo names each case's county with case_county() (1.2.0: what a Citus
# coordinator needs); a release without it takes a NULL county and fills it
# itself.  A stand-in in schema public (the demo calls it unqualified, public
# first on its search_path) while the demo loads, dropped before the update.
shim="public.case_county(geometry, text, gridgov.gridcode, timestamptz)"
if [ "$(value "$old_db" -c "SELECT pg_catalog.to_regprocedure('gridgov.case_county(geometry, text, gridgov.gridcode, timestamptz)') IS NULL")" = t ]; then
	psql_in "$old_db" -c "CREATE FUNCTION public.case_county(geometry, text DEFAULT 'wgs84',
		gridgov.gridcode DEFAULT NULL, timestamptz DEFAULT NULL) RETURNS gridgov.gridcode
		LANGUAGE sql AS 'SELECT NULL::gridgov.gridcode'" >/dev/null
fi
check "the demo city loads into $previous" load_demo "$old_db" "$previous"
psql_in "$old_db" -c "DROP FUNCTION IF EXISTS $shim" >/dev/null
cases_before=$(value "$old_db" -c "SELECT count(*) FROM gridgov.cases")
echo "# $cases_before cases, $(value "$old_db" -c "SELECT count(*) FROM gridgov.case_events") events before the update"
fingerprint "$old_db" before

check "ALTER EXTENSION gridgov UPDATE runs" \
	psql_in "$old_db" -o /dev/null -c "SET client_min_messages = warning" -c "ALTER EXTENSION gridgov UPDATE"
is "the extension is at the current version" \
	"$(value "$old_db" -c "SELECT extversion FROM pg_extension WHERE extname = 'gridgov'")" "$current"

fingerprint "$old_db" after
is "every row is there after the update, column for column" \
	"$(value "$old_db" -c "SELECT count(*) FROM ((TABLE public.upgrade_rows_before EXCEPT ALL TABLE public.upgrade_rows_after)
	                       UNION ALL (TABLE public.upgrade_rows_after EXCEPT ALL TABLE public.upgrade_rows_before)) d")" "0"
is "no table lost or gained rows" \
	"$(value "$old_db" -c "SELECT (SELECT count(*) FROM public.upgrade_rows_before) - (SELECT count(*) FROM public.upgrade_rows_after)")" "0"
is "verify_histories() finds nothing after the update" \
	"$(value "$old_db" -c "SELECT count(*) FROM gridgov.verify_histories()")" "0"

# A fresh install of the current version with the same demo.
new_database "$new_db"
check "the demo city loads into a fresh $current" load_demo "$new_db"
psql_in "$old_db" -o /dev/null -c "DROP TABLE public.upgrade_columns, public.upgrade_rows_before, public.upgrade_rows_after"
describe "$old_db" "$work/upgraded.txt"
describe "$new_db" "$work/fresh.txt"
if diff -u "$work/fresh.txt" "$work/upgraded.txt" >"$work/diff"; then
	ok "the upgraded catalog equals a fresh install's ($(wc -l <"$work/fresh.txt") facts)"
else
	not_ok "the upgraded catalog equals a fresh install's"
	sed -n '1,60s/^/#   /p' "$work/diff"
fi

# Intake and act() after the update.
got=$(value "$old_db" <<'SQL'
SET client_min_messages = warning;
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
VALUES ('patrol', 'UPGRADE-1', 'E0102', '升级后的案件',
        public.ST_SetSRID(public.ST_MakePoint(116.4980, 39.7925), 4326), '2026-11-20 09:15+08');
SELECT (gridgov.act(id, 'file', '立案', '{}', '2026-11-20 09:20+08')).state
FROM gridgov.cases WHERE source = 'patrol' AND external_id = 'UPGRADE-1';
SQL
)
is "intake and act() work after the update" "$got" "filed"

exit $fail

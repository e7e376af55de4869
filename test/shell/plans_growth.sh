#!/usr/bin/env bash
# No plan cliffs after a bulk load (issue 11, item 6; docs/development.md,
# Plans and table size).  A session makes its plans while cases, case_events
# and case_clocks are empty and vacuumed (reltuples 0: the planner believes
# them empty, and autovacuum is off for them, so nothing analyses them): it
# files cases and takes actions often enough for PostgreSQL to keep generic
# plans.  Then 20,000 cases arrive, once from another session in statements
# of 500 rows, once from the session itself in one statement.  The session's
# next actions on loaded cases, and its intake of a likely duplicate of one,
# must not read any of the three tables whole: the count of sequential scans
# of each (pg_stat_get_xact_numscans) does not grow in that transaction.  Before the
# growth rule (plans_table_grew), each first action read cases whole.
# Runs in its own database (gridgov_plans_growth), which it creates and drops.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_plans_growth
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

source test/lib/tap.sh

# A new database, the three tables empty and vacuumed.
setup() {
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
	psql_db >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION dblink;
CREATE EXTENSION gridgov CASCADE;
ALTER DATABASE $db SET search_path = "\$user", public, gridgov;
ALTER TABLE gridgov.cases SET (autovacuum_enabled = off);
ALTER TABLE gridgov.case_events SET (autovacuum_enabled = off);
ALTER TABLE gridgov.case_clocks SET (autovacuum_enabled = off);
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('PG-CC', '计划区指挥中心', 'district', '990110', 'command_center');
UPDATE gridgov.settings SET value = '990110' WHERE key = 'home_county';
SQL
	psql_db -c "VACUUM gridgov.cases, gridgov.case_events, gridgov.case_clocks" >/dev/null
}

# One long-lived session: plans on empty tables, a load (by $1: 'other' =
# another session in statements of 500 rows, 'self' = this session in one
# statement), then the counted transaction.  Prints one line
# "cases events clocks": sequential scans of each in that transaction.
load_sql() { # load_sql other|self
	local rows="SELECT '990110', 'patrol', 'load-$1-' || g, 'E0401', '历史工单',
	       ST_SetSRID(ST_MakePoint(116.25 + (g % 200) * 0.002, 39.5 + (g / 200) * 0.002), 4326),
	       now() - interval '1 day', (SELECT id FROM gridgov.departments WHERE code = 'PG-CC')"
	local insert="INSERT INTO gridgov.cases (county, source, external_id, category, title, location,
	                           reported_at, department_id)"
	if [ "$1" = self ]; then
		echo "$insert $rows FROM generate_series(1, 20000) g;"
	else
		cat <<SQL
SELECT count(dblink_exec(format('dbname=%s port=%s host=%s', current_database(),
                                current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)),
                         format(\$q\$$insert ${rows//%/%%} FROM generate_series(%s, %s) g\$q\$, b * 500 + 1, b * 500 + 500)))
FROM generate_series(0, 39) b \\g /dev/null
SQL
	fi
}
run() {
	psql_db -At <<SQL
SET client_min_messages = warning;
SET search_path = public, gridgov;
CREATE TEMP TABLE acts (id bigint);
-- Plans made now, on tables of a page: more than five actions of each kind
-- and intakes, so that PostgreSQL's plan cache settles on generic plans.
INSERT INTO gridgov.cases (county, source, external_id, category, title, location, department_id)
SELECT '990110', 'patrol', 'early-$1-' || i, 'E0102', '早期 ' || i,
       ST_SetSRID(ST_MakePoint(116.33, 39.73), 4326),
       (SELECT id FROM gridgov.departments WHERE code = 'PG-CC')
FROM generate_series(1, 8) i;
SELECT count(gridgov.act(id, 'file')) FROM gridgov.cases WHERE external_id LIKE 'early-$1-%' \g /dev/null
SELECT count(gridgov.act(id, 'dispatch')) FROM gridgov.cases
WHERE external_id LIKE 'early-$1-%' \g /dev/null
DO \$\$
BEGIN
    FOR i IN 1 .. 8 LOOP
        INSERT INTO gridgov.cases (county, source, external_id, category, title, location)
        VALUES ('990110', 'app', 'early-dup-$1-' || i, 'E0102', '早期重复',
                ST_SetSRID(ST_MakePoint(116.33, 39.7301), 4326));
    END LOOP;
END
\$\$;
$(load_sql $1)
INSERT INTO acts SELECT id FROM gridgov.cases WHERE external_id LIKE 'load-$1-%' ORDER BY id DESC LIMIT 20;
BEGIN;
-- The counts are those not yet sent to the statistics, which a transaction
-- never does: the difference within it is the transaction's own.
CREATE TEMP TABLE scans0 AS
SELECT pg_stat_get_xact_numscans('gridgov.cases'::regclass) AS c,
       pg_stat_get_xact_numscans('gridgov.case_events'::regclass) AS e,
       pg_stat_get_xact_numscans('gridgov.case_clocks'::regclass) AS k;
SELECT count(gridgov.act(id, 'file')) FROM acts \g /dev/null
SELECT count(gridgov.act(id, 'dispatch')) FROM acts \g /dev/null
INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at)
SELECT county, 'app', 'dup-$1-' || id, category, '疑似重复', location, reported_at + interval '1 hour'
FROM gridgov.cases WHERE id = (SELECT max(id) FROM acts);
SELECT pg_stat_get_xact_numscans('gridgov.cases'::regclass) - c || ' '
    || pg_stat_get_xact_numscans('gridgov.case_events'::regclass) - e || ' '
    || pg_stat_get_xact_numscans('gridgov.case_clocks'::regclass) - k
FROM scans0;
COMMIT;
SQL
}

checks() { # checks LOAD
	is "the likely duplicate was flagged ($1)" \
		"$(psql_db -At -c "SELECT count(*) FROM gridgov.cases WHERE external_id LIKE 'dup-%' AND possible_duplicate_of IS NOT NULL")" 1
	is "the histories verify ($1)" "$(psql_db -At -c "SELECT count(*) FROM gridgov.verify_histories('990110')")" 0
}
setup
is "plans made on empty tables, 20,000 cases loaded by another session in statements of 500: no table read whole by the next actions and intake (seq scans of cases, case_events, case_clocks)" \
	"$(run other | tail -n 1)" "0 0 0"
checks other
setup
is "plans made on empty tables, 20,000 cases loaded by the session itself in one statement: the same" \
	"$(run self | tail -n 1)" "0 0 0"
checks self

exit $fail

# shellcheck shell=bash
# Helpers shared by the fuzz suites (test/shell/fuzz_*.sh): a throwaway database
# holding the demo city and cases, a grid-worker login, and the server log.
#
# Environment (tools/test.sh sets it for every shell suite):
#   PGHOST, PGPORT, PGUSER   the test instance, as a superuser
#   GG_SERVER_LOG            the instance's server log, read for crashes
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib.sh"

# The login the worker runs use: a member of gridgov_worker (gridgov.setup_roles()),
# mapped to a staff member of the community 110115004001 in the fuzz database.
FZ_WORKER=gridgov_fuzz_worker

fz_psql() { # fz_psql DB [psql args...]: as the superuser, stopping at the first error
	local db=$1
	shift
	"$(gg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# fz_make_db DB: (re)create DB with the demo (tools/demo/*.sql: the Daxing demo
# city, its organisation, a day of cases worked through their workflows, time
# limits and analytics) and the worker login.
fz_make_db() {
	local db=$1
	fz_drop_db "$db"
	fz_psql postgres -c "CREATE DATABASE $db" || return 1
	gg_demo_load "$db" -v demo_map=/dev/null >/dev/null || return 1
	fz_psql "$db" <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '$FZ_WORKER') THEN
        CREATE ROLE $FZ_WORKER LOGIN;
    END IF;
END
\$\$;
GRANT gridgov_worker TO $FZ_WORKER;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '模糊测试网格员', id, '$FZ_WORKER' FROM gridgov.departments WHERE code = 'cm-110115004001';
-- A worker of the whole district, so that its statements reach every case
-- through its scope (docs/security.md) and exercise the case triggers.
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115', id, 'worker', '2020-01-01' FROM gridgov.staff WHERE db_role = '$FZ_WORKER';
SQL
}

# fz_clone_db TEMPLATE DB: (re)create DB as a copy of TEMPLATE (made by
# fz_make_db; a file copy, so each run starts from the same data) with the
# search path the demo gives its database.
fz_clone_db() {
	local template=$1 db=$2
	fz_drop_db "$db"
	fz_psql postgres -c "CREATE DATABASE $db TEMPLATE $template" \
		-c "ALTER DATABASE $db SET search_path = \"\$user\", public, gridgov" >/dev/null
}

# fz_drop_db DB: drop DB (and its sessions).
fz_drop_db() {
	local db=$1
	fz_psql postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || return 1
}

fz_drop_worker() {
	fz_psql postgres -c "SET client_min_messages = warning" \
		-c "DROP ROLE IF EXISTS $FZ_WORKER" >/dev/null 2>&1 || true
}

# fz_log_check: fail unless GG_SERVER_LOG names a readable file.
fz_log_check() {
	[ -n "${GG_SERVER_LOG:-}" ] && [ -r "$GG_SERVER_LOG" ]
}

# fz_log_offset: the server log's current size in bytes (where a run starts).
fz_log_offset() {
	stat -c %s "$GG_SERVER_LOG"
}

# fz_log_crashes OFFSET: the lines of the server log after OFFSET that report a
# backend terminated by a signal, each with the statement it was running.
fz_log_crashes() {
	tail -c +"$(($1 + 1))" "$GG_SERVER_LOG" |
		grep -a -A1 'terminated by signal' | grep -a -E 'terminated by signal|Failed process was running' || true
}

#!/usr/bin/env bash
# 090_roles.sql: setup_roles() as 1.6.0 has it, run again where roles were set
# up; then EXECUTE revoked from PUBLIC as the install script ends (099).
# Last of the fragments: after everything whose privileges it sets.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- setup_roles() as 1.6.0 has it (src/sql/098_roles.sql)."
	$x $sql/098_roles.sql function setup_roles replace
	cat <<'SQL'
-- A database whose roles were set up gets the new grants now, as a fresh
-- install gets them from its setup_roles() call.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'gridgov_admin') THEN
        PERFORM gridgov.setup_roles();
    END IF;
END
$$;
SQL
	echo "-- EXECUTE revoked from PUBLIC on what is not meant for everyone, as the install script ends (099)."
	$x $sql/099_privileges.sql file
} >src/sql/upgrade/1.5.0--1.6.0/090_roles.sql

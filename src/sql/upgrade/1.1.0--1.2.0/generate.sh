#!/usr/bin/env bash
# Regenerates this upgrade's fragments from the install script (src/sql/NNN_*.sql),
# so that they repeat its text exactly (test/shell/upgrade.sh compares the
# result with a fresh install).  Run from anywhere after changing those objects.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
d=src/sql/upgrade/1.1.0--1.2.0
sql=src/sql

{
	echo "-- Trigger checks under Citus: trigger_check() returns the table of the binding"
	echo "-- (TG_TABLE_NAME is a shard's name there); the PL/pgSQL triggers keep it."
	echo "DROP FUNCTION gridgov.trigger_check(text, oid, text, text, text);"
	$x $sql/005_triggers.sql function trigger_check
	$x $sql/040_organisation.sql function settings_guard replace
	$x $sql/045_categories.sql function categories_guard replace
	$x $sql/043_workflows.sql function shipped_rows_restore replace
	$x $sql/055_cases.sql function reference_guard replace
	$x $sql/060_calendars.sql function calendar_guard replace
	$x $sql/072_sla.sql function sla_builtin_guard replace
	echo "-- sla_policy() is PL/pgSQL: not inlined (Citus cannot plan an inlined SQL function with parameters)."
	$x $sql/072_sla.sql function sla_policy replace
} >$d/010_triggers.sql

{
	echo "-- case_stats: distributable by county (its key); case_id stays indexed."
	echo "DROP INDEX gridgov.case_stats_case;"
	grep '^CREATE INDEX case_stats_case ' $sql/080_analytics_facts.sql
} >$d/020_case_stats.sql

{
	echo "-- act_in(): act() of a county's case where it is held (a Citus distributed function)."
	$x $sql/057_case_api.sql function act_in
	echo "-- report_in() locks the case and its call by county and id (one shard under Citus)."
	$x $sql/074_sla_sweep.sql function report_in replace
	echo "-- analytics_refresh_pending(): on a Citus coordinator, a watermark per node (096)."
	$x $sql/081_analytics_summaries.sql function analytics_refresh_pending replace
	echo "-- detect_hotspots() names the county of the cases it opens, and reads the case before it links it."
	$x $sql/084_analytics_hotspots.sql function detect_hotspots replace
} >$d/030_act_in.sql

{
	echo "-- The policies of a case's rows call C checks instead of subqueries."
	for f in case_row_readable case_row_actable case_event_now whistle_calls_me my_department_id; do
		$x $sql/097_access.sql function $f
	done
	for p in case_events_read:case_events case_clocks_read:case_clocks escalations_read:escalations \
		whistles_read:whistles whistles_call:whistles whistle_calls_read:whistle_calls \
		whistle_calls_call:whistle_calls whistle_calls_report:whistle_calls case_stats_admin:case_stats; do
		echo "DROP POLICY ${p%%:*} ON gridgov.${p##*:};"
		$x $sql/097_access.sql policy "${p%%:*}"
	done
} >$d/040_access.sql

{
	echo "-- Scale-out on Citus: the layout and gridgov.distribute() (src/sql/096_citus.sql)."
	$x $sql/096_citus.sql file
} >$d/060_citus.sql

{
	echo "-- EXECUTE revoked from PUBLIC on what is not meant for everyone, as the install script ends (099)."
	$x $sql/099_privileges.sql file
} >$d/095_privileges.sql

{
	echo "-- setup_roles() as 1.2.0 has it (src/sql/098_roles.sql), after the fragments that add what it grants."
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
} >$d/090_setup_roles.sql

#!/usr/bin/env bash
# Writes 080_analytics.sql: discovery time (cases.occurred_at), the new per-case
# facts (discovery, first contact, supervision, reviewed returns, requests,
# joint meetings), the response rule with first contact, workflow_timeliness,
# and whistle_rates in percent.  The views that read case_stats as a whole row
# (ROW(s.*)::gridgov.case_stats) or list its columns are dropped before its new
# columns are added and re-created from the install script after.
# case_stats_computed and analytics_check() were dropped by 010_workflows.sql
# (they read the stage columns) and are re-created by 085_views.sql: here the
# view is created for the fill of the new columns and dropped again.  The
# grants come back with 090_roles.sql (setup_roles() run again).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
out=src/sql/upgrade/1.2.0--1.3.0/080_analytics.sql

# The new columns of case_stats, in the install script's order: name and type.
new_stats_columns() {
	sed -n '/^CREATE TABLE gridgov.case_stats (/,/^    PRIMARY KEY/p' $sql/080_analytics_facts.sql |
		sed -n '/^    case_updated_at /,/^    PRIMARY KEY/p' | sed '1d;$d' |
		sed 's/,$//; s/^ *//; s/ \+/ /'
}

{
	echo "-- Discovery time (发现时间): when the problem occurred or was found."
	echo "ALTER TABLE gridgov.cases ADD COLUMN occurred_at timestamptz;"
	grep "^COMMENT ON COLUMN gridgov.cases.occurred_at " $sql/055_cases.sql
	echo
	echo "-- Views and functions that read case_stats rows whole, or list its columns."
	echo "DROP VIEW gridgov.department_ranking, gridgov.timeliness, gridgov.three_rates, gridgov.kpi,"
	echo "          gridgov.case_facts;"
	echo
	echo "-- The new facts (nullable until filled below)."
	new_stats_columns | sed 's/ NOT NULL$//' | awk 'BEGIN { printf "ALTER TABLE gridgov.case_stats" }
		{ printf "%s\n    ADD COLUMN %s", (NR == 1 ? "" : ","), $0 } END { print ";" }'
	new_stats_columns | while read -r name _; do
		grep "^COMMENT ON COLUMN gridgov.case_stats.$name " $sql/080_analytics_facts.sql
	done
	grep "^COMMENT ON COLUMN gridgov.case_stats.returns " $sql/080_analytics_facts.sql
	echo
	$x $sql/080_analytics_facts.sql view case_stats_computed
	$x $sql/080_analytics_facts.sql view case_facts
	echo
	echo "-- Fill the new facts of the cases already counted (the summaries do not change:"
	echo "-- a 1.2.0 case has no contact clock, so what it counts for stays the same)."
	echo "UPDATE gridgov.case_stats s SET"
	new_stats_columns | awk '{ printf "%s    %s = v.%s", (NR == 1 ? "" : ",\n"), $1, $1 } END { print "" }'
	echo "FROM gridgov.case_stats_computed v"
	echo "WHERE v.county OPERATOR(gridgov.=) s.county AND v.case_id = s.case_id;"
	echo "-- (085_views.sql re-creates it, with analytics_check(), after every fragment it reads.)"
	echo "DROP VIEW gridgov.case_stats_computed;"
	new_stats_columns | grep ' NOT NULL$' | awk 'BEGIN { printf "ALTER TABLE gridgov.case_stats" }
		{ printf "%s\n    ALTER COLUMN %s SET NOT NULL", (NR == 1 ? "" : ","), $1 } END { print ";" }'
	echo
	echo "-- Responded: signed in time and, where a contact clock ran, the caller contacted in time."
	$x $sql/081_analytics_summaries.sql function stat_rows replace
	grep -E "^COMMENT ON COLUMN gridgov.stats_month.(responded|first_dispatch_ok) " $sql/081_analytics_summaries.sql
	$x $sql/081_analytics_summaries.sql function analytics_refresh replace
	echo "REVOKE EXECUTE ON FUNCTION gridgov.analytics_refresh(bigint[]) FROM PUBLIC;"
	echo
	for v in kpi three_rates timeliness department_ranking workflow_timeliness; do
		$x $sql/082_analytics_rates.sql view $v
	done
	echo
	echo "-- whistle_rates.on_time_rate in percent, as the other rates (now after pct(), in 082)."
	echo "DROP VIEW gridgov.whistle_rates;"
	$x $sql/082_analytics_rates.sql view whistle_rates
} >$out

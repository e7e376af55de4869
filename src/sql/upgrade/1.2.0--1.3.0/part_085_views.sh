#!/usr/bin/env bash
# 085_views.sql: the views over the stage columns that 010_workflows.sql
# dropped (so that the columns could change type), and the function that
# reads one of them, re-created as the install script has them now, after
# the fragments that add what they read (080: occurred_at, case_stats).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- Views over the SLA stage columns, re-created (dropped by 010_workflows.sql)."
	$x $sql/076_sla_horizon.sql view provisional_clocks
	$x $sql/076_sla_horizon.sql function horizon_clocks_left
	$x $sql/080_analytics_facts.sql view case_stats_computed
	$x $sql/081_analytics_summaries.sql function analytics_check
	echo "-- my_cases shows occurred_at too (080 added it to cases), with the comments of cases' columns."
	$x $sql/097_access.sql view my_cases | sed 's/^CREATE VIEW /CREATE OR REPLACE VIEW /'
	$x $sql/097_access.sql do_after 'CREATE VIEW gridgov.my_cases '
} >src/sql/upgrade/1.2.0--1.3.0/085_views.sql

#!/usr/bin/env bash
# 050_patrols.sql: grid workers' patrols (issue 19): the patrol tables, their
# trigger, coverage, assessment and jobs (077); the nightly job in the job list
# (074); the maps' patrol metrics (085); who reads the tracks (097), as the
# install script has them.  (setup_roles' grants: part_090_roles.sh.)
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- Grid workers' patrols (src/sql/077_patrols.sql)."
	$x $sql/077_patrols.sql file
	echo "-- The patrols' nightly job in the job list (src/sql/074_sla_sweep.sql)."
	$x $sql/074_sla_sweep.sql function job_definitions replace
	$x $sql/074_sla_sweep.sql function schedule_jobs replace
	echo "-- The maps' patrol metrics (src/sql/085_analytics_maps.sql)."
	for f in map_check map_areas map_geojson map_svg; do
		$x $sql/085_analytics_maps.sql function $f replace
	done
	echo "-- Who reads the tracks (src/sql/097_access.sql)."
	python3 - "$sql/097_access.sql" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
print(text[text.index("-- Grid workers' patrol tracks"):].rstrip('\n'))
PY
} >src/sql/upgrade/1.5.0--1.6.0/050_patrols.sql

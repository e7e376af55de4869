#!/usr/bin/env bash
# 030_social_index.sql: the social-conditions index (src/sql/088_social.sql from
# its population section on: area_population, social_index_weights and its
# shipped rows, social_index(), social_index_series()) and the map metric
# social_index (src/sql/085_analytics_maps.sql: map_check, map_areas, map_svg and
# map_geojson's comment) and the new tables in citus_layout() (096), as the
# install script has them.  After 020_callers.sql,
# whose caller_cases() the index reads.  The grants come back with 090_roles.sql.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- The social-conditions index (src/sql/088_social.sql, from '-- Population' on)."
	python3 - "$sql/088_social.sql" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
start = text.index('\n-- Population ---') + 1
print(text[start:].rstrip('\n'))
PY
	echo
	echo "-- The map metric social_index (src/sql/085_analytics_maps.sql)."
	for f in map_check map_areas map_geojson map_svg; do
		$x $sql/085_analytics_maps.sql function $f replace
	done
	echo
	echo "-- The new tables' place on a Citus cluster (src/sql/096_citus.sql)."
	$x $sql/096_citus.sql function citus_layout replace
} >src/sql/upgrade/1.5.0--1.6.0/030_social_index.sql

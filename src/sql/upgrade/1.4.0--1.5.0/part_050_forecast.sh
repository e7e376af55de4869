#!/usr/bin/env bash
# 050_forecast.sql: the volume forecasts (088), the hot spots' new kind
# forecast_exceeded and its comments (084), and the nightly job that raises
# the forecast alerts and refits (089), as the install script has them.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- The hot spots' kinds and comments (src/sql/084_analytics_hotspots.sql), as a fresh install has them."
	python3 - "$sql/084_analytics_hotspots.sql" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
table = text[text.index('CREATE TABLE gridgov.hotspots ('):]
check = re.search(r'^    kind +text NOT NULL (CHECK \(.*\)),$', table, re.M).group(1)
print('ALTER TABLE gridgov.hotspots DROP CONSTRAINT hotspots_kind_check;')
print('ALTER TABLE gridgov.hotspots ADD CONSTRAINT hotspots_kind_check %s;' % check)
for m in re.finditer(r"^COMMENT ON (TABLE gridgov\.hotspots|COLUMN gridgov\.hotspots(_latest)?\.\w+) IS\n?.*';$", text, re.M):
    print(m.group(0))
PY
	echo "-- Volume forecasts (src/sql/088_forecast.sql)."
	$x $sql/088_forecast.sql file
	echo "-- The nightly job raises the forecast alerts and refits (src/sql/089_analytics_nightly.sql)."
	$x $sql/089_analytics_nightly.sql function analytics_nightly replace
} >src/sql/upgrade/1.4.0--1.5.0/050_forecast.sql

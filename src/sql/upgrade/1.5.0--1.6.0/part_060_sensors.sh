#!/usr/bin/env bash
# 060_sensors.sql: machines that report (issue 20): the case source 'sensor'
# (055; added at the end of the enum, as a fresh install has it), the module
# 078_sensors.sql whole, the invalidation triggers of its two watched tables
# (095 creates them on a fresh install), and nightly_maintenance() making the
# readings' partitions (074).  No statement here uses the new enum value:
# ALTER TYPE ... ADD VALUE inside the update's transaction leaves it unusable
# until the update commits, and the sensor functions that name it are
# PL/pgSQL, which resolves 'sensor' only when they run.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- The case source of a device's rule (src/sql/055_cases.sql), at the end of the enum."
	echo "ALTER TYPE gridgov.case_source ADD VALUE IF NOT EXISTS 'sensor';"
	python3 - "$sql/055_cases.sql" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
m = re.search(r"^COMMENT ON TYPE gridgov\.case_source IS\n.*?';$", text, re.M | re.S)
print(m.group(0))
PY
	echo "-- The devices, their readings and rules, video alerts (src/sql/078_sensors.sql)."
	$x $sql/078_sensors.sql file
	echo "-- The cache registry watches gridgov.sensors and gridgov.sensor_rules (src/sql/095_caches.sql"
	echo "-- makes their triggers on a fresh install): the block 1.5.0's upgrade has for the same."
	$x src/sql/upgrade/1.4.0--1.5.0/020_text_model.sql do_after 'The statement trigger of each table a cache now reads'
	echo "-- Row-level security of the cases machines opened and of video alerts (src/sql/097_access.sql)."
	echo "ALTER TABLE gridgov.sensor_cases ENABLE ROW LEVEL SECURITY;"
	$x $sql/097_access.sql policy sensor_cases_read
	echo "ALTER TABLE gridgov.video_alerts ENABLE ROW LEVEL SECURITY;"
	$x $sql/097_access.sql policy video_alerts_read
	$x $sql/097_access.sql policy video_alerts_feed
	echo "ALTER TABLE gridgov.sensors ENABLE ROW LEVEL SECURITY;"
	$x $sql/097_access.sql policy sensors_scope
	$x $sql/097_access.sql view device_readings
	echo "-- The nightly job makes the readings' partitions ahead (src/sql/074_sla_sweep.sql)."
	$x $sql/074_sla_sweep.sql function nightly_maintenance replace
} >src/sql/upgrade/1.5.0--1.6.0/060_sensors.sql

#!/usr/bin/env bash
# 010_rates.sql: the three-rate prediction (088_forecast_rates.sql), as the
# install script has it.  Its grants come with setup_roles() (part_090_roles.sh).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- Three-rate prediction (src/sql/088_forecast_rates.sql)."
	$x $sql/088_forecast_rates.sql file
} >src/sql/upgrade/1.5.0--1.6.0/010_rates.sql

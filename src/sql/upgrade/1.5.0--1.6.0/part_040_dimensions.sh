#!/usr/bin/env bash
# 040_dimensions.sql: the analysis dimensions (088_dimensions.sql), the forecasts'
# check of a category prefix that now takes '' for every category (088_forecast.sql),
# and key_work_items placed as a reference table on Citus (096_citus.sql), as
# the install script has them.  The grants: 090_roles.sql (setup_roles()).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- The analysis dimensions (src/sql/088_dimensions.sql)."
	$x $sql/088_dimensions.sql file
	echo "-- A forecast's category prefix may be '' (every category) (src/sql/088_forecast.sql)."
	$x $sql/088_forecast.sql function forecast_check replace
	echo "-- key_work_items is configuration: a reference table on Citus (src/sql/096_citus.sql)."
	$x $sql/096_citus.sql function citus_layout replace
} >src/sql/upgrade/1.5.0--1.6.0/040_dimensions.sql

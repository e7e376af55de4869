#!/usr/bin/env bash
# 030_citus.sql: citus_layout() names place_names and text_models (reference), as
# the install script has it (096).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
{
	echo "-- citus_layout() with the gazetteer and the text models (src/sql/096_citus.sql)."
	tools/upgrade_extract.py src/sql/096_citus.sql function citus_layout replace
} >src/sql/upgrade/1.4.0--1.5.0/030_citus.sql

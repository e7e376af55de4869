#!/usr/bin/env bash
# 010_places.sql: the gazetteer (028), as the install script has it.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
{
	echo "-- Place names (src/sql/028_place_names.sql)."
	tools/upgrade_extract.py src/sql/028_place_names.sql file
} >src/sql/upgrade/1.4.0--1.5.0/010_places.sql

#!/usr/bin/env bash
# 010_open311.sql: Open311 as the spec says (086): W3C date-times only, a point
# outside every grid refused, the form encoding attribute[CODE] accepted, and the
# service definition.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- w3c_time and open311_json in C (src/time/w3c.c, src/cases/open311.c), the W3C date-time parser, then the functions that use it or changed (086)."
	$x $sql/086_analytics_open311.sql function w3c_time replace
	$x $sql/086_analytics_open311.sql function open311_json replace
	$x $sql/086_analytics_open311.sql function w3c_parse
	$x $sql/086_analytics_open311.sql function open311_service_definition
	$x $sql/086_analytics_open311.sql function open311_requests replace
	$x $sql/086_analytics_open311.sql function open311_submit replace
	echo "REVOKE EXECUTE ON FUNCTION gridgov.open311_service_definition(text) FROM PUBLIC;"
} >src/sql/upgrade/1.3.0--1.4.0/010_open311.sql

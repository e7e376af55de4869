#!/usr/bin/env bash
# 020_gateway.sql: the gateway's objects (087): API keys, the event feed, transfer.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
{
	echo "-- The gateway's side in SQL, as the install script has it (src/sql/087_gateway.sql)."
	tools/upgrade_extract.py src/sql/087_gateway.sql file
} >src/sql/upgrade/1.3.0--1.4.0/020_gateway.sql

#!/usr/bin/env bash
# 020_callers.sql: repeat callers (src/sql/088_social.sql up to its population
# section): the caller key (the secret, made here for an upgraded database as
# CREATE EXTENSION makes it, its restore trigger and rotation), the settings
# repeat_caller_window_days, repeat_caller_min_calls and social_dispute_categories
# with their check, caller_cases(), repeat_callers() and its view, as the install
# script has them.  The grants come back with 090_roles.sql.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
sql=src/sql
{
	echo "-- Repeat callers (src/sql/088_social.sql, up to '-- Population')."
	python3 - "$sql/088_social.sql" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
end = text.index('\n-- Population ---')
print(text[:end].rstrip('\n'))
PY
} >src/sql/upgrade/1.5.0--1.6.0/020_callers.sql

#!/usr/bin/env bash
# 040_intake.sql: assisted intake at intake (055, 040, 097): the columns of cases
# that record how a case got its category and grid (category_by, located_by,
# assisted), the setting unclassified_category and its check, and my_cases with
# the new columns, as the install script has them.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
x=tools/upgrade_extract.py
sql=src/sql
{
	echo "-- The columns of assisted intake (src/sql/055_cases.sql), as CREATE TABLE has them."
	python3 - "$sql/055_cases.sql" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
table = text[text.index('CREATE TABLE gridgov.cases ('):]
for col in ('category_by', 'located_by', 'assisted'):
    line = re.search(r'^    %s +(.*?),$' % col, table, re.M).group(1)
    print('ALTER TABLE gridgov.cases ADD COLUMN %s %s;' % (col, line))
for col in ('category_by', 'located_by', 'assisted'):
    m = re.search(r"^COMMENT ON COLUMN gridgov\.cases\.%s IS .*';$" % col, text, re.M)
    print(m.group(0))
PY
	echo "-- settings_guard() checks unclassified_category (src/sql/040_organisation.sql)."
	$x $sql/040_organisation.sql function settings_guard replace
	echo "-- The shipped setting unclassified_category, as a fresh install has it (shipped: builtin)."
	echo "ALTER TABLE gridgov.settings DISABLE TRIGGER settings_guard;"
	python3 - "$sql/040_organisation.sql" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
start = text.index("    ('unclassified_category',")
end = text.index("true)", start) + len("true)")
print("INSERT INTO gridgov.settings (key, value, description, builtin) VALUES")
print(text[start:end] + ";")
PY
	echo "ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;"
	echo "-- my_cases shows the new columns too, with the comments of cases' columns (src/sql/097_access.sql)."
	$x $sql/097_access.sql view my_cases | sed 's/^CREATE VIEW /CREATE OR REPLACE VIEW /'
	$x $sql/097_access.sql do_after 'CREATE VIEW gridgov.my_cases '
} >src/sql/upgrade/1.4.0--1.5.0/040_intake.sql

#!/usr/bin/env bash
# The WARNING of a provisional deadline (issue 12, item 4; docs/sla.md,
# Provisional deadlines), which pgTAP cannot see: a statement that starts
# clocks due past their calendar's horizon gets one WARNING 01GG2, however
# many rows it takes in; a statement whose clocks end before the horizon gets
# none; a transition that starts a provisional clock gets one; after
# load_calendar_year() has moved the horizon, the same intake gets none.
# Runs in its own database (gridgov_horizon_warning), which it creates and
# drops; the cases are in a transaction that is rolled back.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_horizon_warning
work=$(mktemp -d)
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

source test/lib/tap.sh

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION gridgov CASCADE" >/dev/null

# Each step's messages follow its marker on stderr (\warn).
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null 2>"$work/stderr" <<'SQL'
\set VERBOSITY verbose
SET client_min_messages = warning;
BEGIN;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('HW-CC', '视界区指挥中心', 'district', '990122', 'command_center');
-- 150 working days (whole) and 160 working days (sign, started by dispatch)
-- from June 2026 end in 2027, past cn's horizon (2026-12-31).
INSERT INTO gridgov.sla_policies (category_prefix, source, stage, amount, unit, calendar_id)
SELECT 'H0101', 'hotline', v.stage::gridgov.sla_stage, v.amount, 'working_days', c.id
FROM (VALUES ('whole', 150), ('sign', 160)) v(stage, amount) JOIN gridgov.calendars c ON c.name = 'cn';
CREATE FUNCTION pg_temp.intake(tag text, category text, n integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
    SELECT '990122', 'hotline', tag || i, category, 'horizon ' || tag || i, '2026-06-01 10:00+08',
           (SELECT id FROM gridgov.departments WHERE code = 'HW-CC')
    FROM pg_catalog.generate_series(1, n) i
$$;
\warn MARK bulk
SELECT pg_temp.intake('bulk-', 'H0101', 300);
\warn MARK before
SELECT pg_temp.intake('short-', 'H0102', 5);
\warn MARK transition
SELECT gridgov.act(c.id, 'dispatch', NULL, NULL, '2026-06-01 11:00+08')
FROM gridgov.cases c WHERE c.external_id = 'bulk-1';
\warn MARK two
SELECT pg_temp.intake('one-', 'H0101', 1);
SELECT pg_temp.intake('two-', 'H0101', 1);
\warn MARK loaded
SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2027-01-01": "New Year''s Day,元旦,1"}}', '2026-06-02 10:00+08');
SELECT pg_temp.intake('after-', 'H0101', 3);
\warn MARK end
ROLLBACK;
SQL

# Warnings with SQLSTATE 01GG2 between MARK $1 and the next marker.
warnings() {
	awk -v step="$1" '/^MARK /{on = ($2 == step); next} on && /^WARNING:  01GG2: /{n++} END{print n + 0}' "$work/stderr"
}
is "a 300-row intake whose clocks end past the horizon: one WARNING 01GG2" "$(warnings bulk)" 1
is "its text names a case, its clock, the horizon and what to do" \
	"$(grep -c -E '^WARNING:  01GG2: deadline of case [0-9]+ lies past the horizon of its calendar$' "$work/stderr")" 4
is "an intake whose clocks end before the horizon: none" "$(warnings before)" 0
is "a transition that starts a clock past the horizon: one" "$(warnings transition)" 1
is "two statements: one each" "$(warnings two)" 2
is "after load_calendar_year() moved the horizon: none" "$(warnings loaded)" 0
is "the detail says provisional, the hint the way out" \
	"$(grep -c -E '^DETAIL:  Its (whole|sign) clock is due at .* after 2026-12-31, the last day whose holidays calendar "cn" knows' "$work/stderr"):$(grep -c 'HINT:  Load the next year.s holidays with gridgov.load_calendar_year' "$work/stderr")" "4:4"
if [ "$fail" -ne 0 ]; then sed 's/^/#   /' "$work/stderr" | head -40; fi
exit $fail

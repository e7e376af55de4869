#!/usr/bin/env bash
# Backup and restore with the standard tools and no special options (issue 12,
# item 1; docs/backup.md): the demo city, cases through every workflow and a
# DBA's configuration edits (a shipped SLA policy switched off, a shipped
# transition's roles changed, shipped workflow and state titles changed, a
# shipped category switched off, a custom category, a custom SLA policy, a
# custom calendar exception, the shipped calendar's horizon moved by
# load_calendar_year, home_county set), sealed histories, escalations,
# whistles and hotspots, then
#   - pg_dump -Fc + pg_restore into a new database,
#   - plain pg_dump | psql into another,
#   - pg_restore under session_replication_role = replica into a third;
# in each: every gridgov table equal to the source row by row (EXCEPT ALL both
# ways, as sorted JSON lines), the sequences where they were, verify_histories()
# and verify_seals() empty, the analytics after the first drain equal to their
# recomputation, and intake, act(), the sweep and the drain working afterwards;
# a worker still cannot insert a complete (forged) case.
# Uses the pg_dump, pg_restore and psql of PG_CONFIG's bindir.  Runs in its own
# databases, which it creates and drops.  Prints the dump and restore times.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/lib.sh
set +e
set -uo pipefail
source test/lib/tap.sh

bindir=$(gg_bindir)
src_db=gridgov_dump_src
dbs=(gridgov_dump_fc gridgov_dump_plain gridgov_dump_replica)
old_db=gridgov_dump_old
work=$(mktemp -d)
chmod 755 "$work"

psql_in() { local db=$1; shift; "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
value() { local db=$1; shift; "$bindir/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"; }
drop_all() {
	local db
	for db in "$src_db" "${dbs[@]}" "$old_db"; do
		"$bindir/psql" -X -q -d postgres -c "SET client_min_messages = warning" \
			-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	done
}
cleanup() { drop_all; rm -rf "$work"; }
trap cleanup EXIT
new_database() {
	psql_in postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The source: the demo city, then more cases and the DBA's edits. ----------------
drop_all
new_database "$src_db"
load_demo() { gg_demo_load "$src_db" -o /dev/null -v demo_map=/dev/null >"$work/demo.log" 2>&1; }
check "the demo city loads" load_demo
check "cases through every workflow and configuration edits" psql_in "$src_db" -o /dev/null <<'SQL'
SET client_min_messages = warning;
-- Edits of shipped rows, and rows of the city's own.
UPDATE gridgov.sla_policies SET active = false
WHERE id = (SELECT min(id) FROM gridgov.sla_policies WHERE builtin AND stage = 'callback');
UPDATE gridgov.transitions SET roles = '{gridgov_dispatcher,gridgov_department}'
WHERE workflow = 'grid_event' AND from_state = 'reported' AND action = 'reject';
UPDATE gridgov.workflows SET title = '矛盾纠纷调解（区）' WHERE name = 'dispute';
UPDATE gridgov.workflow_states SET title = '已办结（区）' WHERE workflow = 'hotline' AND state = 'closed';
UPDATE gridgov.categories SET active = false WHERE code = 'E0112';
INSERT INTO gridgov.categories (code, name, default_urgency) VALUES ('E0199', '其他市容问题（区）', 'urgent');
INSERT INTO gridgov.sla_policies (category_prefix, stage, amount, unit, calendar_id, note)
SELECT 'E0199', 'handle', 3, 'working_days', id, '区级规定' FROM gridgov.calendars WHERE name = 'cn';
INSERT INTO gridgov.calendar_exceptions (calendar_id, day, kind, name)
SELECT id, '2026-12-28', 'holiday', '区级调休' FROM gridgov.calendars WHERE name = 'cn';
-- The next year loaded: the shipped calendar's horizon moves (2027 is constructed).
SELECT gridgov.load_calendar_year('cn', '{"holidays": {"2027-01-01": "New Year''s Day,元旦,1"}}', '2026-11-30 10:00+08');
INSERT INTO gridgov.workflows (name, title, intake_clocks) VALUES ('district_note', '区级备忘', '{}');
INSERT INTO gridgov.workflow_states (workflow, state, title, initial, terminal, closes_case) VALUES
    ('district_note', 'open', '登记', true, false, false),
    ('district_note', 'done', '完成', false, true, true);
INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, title)
VALUES ('district_note', 'open', 'finish', 'done', '完成');

-- Cases through every workflow: grid_event with a return, a failed verification
-- and a callback; hotline with an unsatisfied callback, a rework and a reopen;
-- dispute through failure and referral; a rejected case of the new category.
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
SELECT 'patrol', v.ext, v.cat, v.title,
       public.ST_SetSRID(public.ST_MakePoint(116.4980 + v.k * 0.001, 39.7925), 4326), '2026-11-02 09:00+08'
FROM (VALUES (1, 'DR-1', 'E0401', '转储测试：井盖破损'), (2, 'DR-2', 'H0902', '转储测试：噪声扰民'),
             (3, 'DR-3', 'D0101', '转储测试：邻里纠纷'), (4, 'DR-4', 'E0199', '转储测试：新类别')) v(k, ext, cat, title);
DO $$
DECLARE
    steps jsonb := '{
      "DR-1": [["file",{}],["dispatch",{}],["return",{}],["approve_return",{}],["dispatch",{}],["sign",{}],["handle",{}],
               ["verify_fail",{}],["handle",{}],["verify_pass",{}],
               ["callback",{"solved":true,"satisfaction":"satisfied"}],["close",{}]],
      "DR-2": [["dispatch",{}],["sign",{}],["contact",{}],["handle",{}],["reply",{}],
               ["callback",{"solved":false,"satisfaction":"unsatisfied"}],["rehandle",{}],["handle",{}],
               ["reply",{}],["callback",{"solved":true,"satisfaction":"basically_satisfied"}],["close",{}],
               ["reopen",{}],["supervise",{}],["answer_supervision",{}],
               ["request_extension",{"stage":"sign","amount":1},"需协调产权单位"],["approve_extension",{}],
               ["request_suspension",{},"等待供电部门"],["refuse_suspension",{}]],
      "DR-3": [["mediate",{}],["fail",{}],["refer",{}],
               ["follow_up",{"solved":true,"satisfaction":"satisfied"}],["close",{}]],
      "DR-4": [["reject",{}]]}';
    c record;
    s jsonb;
    t timestamptz;
BEGIN
    FOR c IN SELECT id, external_id FROM gridgov.cases WHERE external_id LIKE 'DR-%' ORDER BY external_id LOOP
        t := '2026-11-02 09:00+08';
        FOR s IN SELECT * FROM jsonb_array_elements(steps -> c.external_id) LOOP
            t := t + interval '20 minutes';
            PERFORM gridgov.act(c.id, s ->> 0, s ->> 2, s -> 1, t);
        END LOOP;
    END LOOP;
END
$$;
-- A joint meeting (会商) on DR-2, decided, then a request left open: rows of
-- case_meetings and case_requests, decided and open, to dump and restore.
SELECT gridgov.refer_meeting(c.id, ARRAY(SELECT d.id FROM gridgov.departments d WHERE d.code IN ('dx-cgw', 'dx-sthj')),
                             '疑难案件', '2026-11-02 16:00+08')
FROM gridgov.cases c WHERE c.external_id = 'DR-2' \g /dev/null
SELECT gridgov.decide_meeting(c.id, (SELECT d.id FROM gridgov.departments d WHERE d.code = 'dx-cgw'), '城管委牵头',
                              NULL, '2026-11-02 16:10+08')
FROM gridgov.cases c WHERE c.external_id = 'DR-2' \g /dev/null
SELECT gridgov.request_extension(c.id, 'sign', 2, '需协调', 'working_hours', '2026-11-02 16:20+08')
FROM gridgov.cases c WHERE c.external_id = 'DR-2' \g /dev/null
SELECT gridgov.sla_sweep('2026-11-10 09:00+08') \g /dev/null
SELECT gridgov.seal_history(d::date) FROM generate_series(date '2026-11-01', date '2026-11-03', '1 day') d \g /dev/null
SELECT gridgov.analytics_refresh_pending() \g /dev/null
SQL
echo "# source: $(value "$src_db" -c "SELECT count(*) || ' cases, ' || (SELECT count(*) FROM gridgov.case_events) || ' events, ' || (SELECT count(*) FROM gridgov.case_clocks) || ' clocks, ' || (SELECT count(*) FROM gridgov.escalations) || ' escalations, ' || (SELECT count(*) FROM gridgov.whistles) || ' whistles, ' || (SELECT count(*) FROM gridgov.history_seals) || ' seals' FROM gridgov.cases")"
is "the source's histories are intact" "$(value "$src_db" -c "SELECT count(*) FROM gridgov.verify_histories()")" "0"

# Dump and restore. ---------------------------------------------------------------
t0=$(now)
dump() { "$bindir/pg_dump" "$@" 2>>"$work/dump.log"; }
check "pg_dump -Fc runs" dump -Fc -f "$work/city.dump" "$src_db"
t1=$(now)
check "plain pg_dump runs" dump -f "$work/city.sql" "$src_db"
t2=$(now)
echo "# pg_dump -Fc $(secs "$t0" "$t1") s ($(stat -c %s "$work/city.dump") bytes), plain pg_dump $(secs "$t1" "$t2") s"

new_database "${dbs[0]}"
t0=$(now)
"$bindir/pg_restore" -d "${dbs[0]}" "$work/city.dump" >"$work/fc.log" 2>&1
rc=$?
t1=$(now)
is "pg_restore into a new database succeeds without errors" "$rc:$(grep -ci 'error' "$work/fc.log")" "0:0"
sed -n '1,10s/^/#   /p' "$work/fc.log"

new_database "${dbs[1]}"
t2=$(now)
psql_in "${dbs[1]}" -o /dev/null -f "$work/city.sql" >"$work/plain.log" 2>&1
rc=$?
t3=$(now)
is "pg_dump | psql into a new database succeeds without errors" "$rc:$(grep -ci 'error' "$work/plain.log")" "0:0"
sed -n '1,10s/^/#   /p' "$work/plain.log"

new_database "${dbs[2]}"
PGOPTIONS='-c session_replication_role=replica' "$bindir/pg_restore" -d "${dbs[2]}" "$work/city.dump" \
	>"$work/replica.log" 2>&1
rc=$?
is "pg_restore under session_replication_role = replica succeeds without errors" \
	"$rc:$(grep -ci 'error' "$work/replica.log")" "0:0"
sed -n '1,10s/^/#   /p' "$work/replica.log"
echo "# pg_restore $(secs "$t0" "$t1") s, psql of the plain dump $(secs "$t2" "$t3") s"

# Every table, row by row. --------------------------------------------------------
# Every gridgov table as sorted lines "table<TAB>row as JSON" (the watermark of
# the analytics' outbox is the cluster's own: left out).
rows() {
	value "$1" <<'SQL' | LC_ALL=C sort
SET client_min_messages = warning;
SELECT format('SELECT %L || E''\t'' || to_jsonb(t)::text FROM %s t', c.relname, c.oid::regclass)
FROM pg_class c
WHERE c.relnamespace = 'gridgov'::regnamespace AND c.relkind IN ('r', 'p')
  AND c.relname <> 'analytics_watermark'
ORDER BY c.relname \gexec
SQL
}
sequences() {
	value "$1" -c "SELECT sequencename || ' ' || coalesce(last_value::text, '-') FROM pg_sequences
	               WHERE schemaname = 'gridgov' ORDER BY 1"
}
# Afterwards: intake, act(), the sweep, the drain; the source answers the same.
after() {
	value "$1" <<'SQL' | tr '\n' ' '
SET client_min_messages = warning;
INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
VALUES ('patrol', 'AFTER-RESTORE-1', 'E0199', '恢复后的案件',
        public.ST_SetSRID(public.ST_MakePoint(116.4980, 39.7925), 4326), '2026-11-20 09:15+08');
SELECT (gridgov.act(id, 'file', '立案', '{}', '2026-11-20 09:20+08')).state
FROM gridgov.cases c WHERE source = 'patrol' AND external_id = 'AFTER-RESTORE-1';
SELECT count(*) FILTER (WHERE k.met_at IS NOT NULL) || ' met, ' || count(*) FILTER (WHERE k.met_at IS NULL) || ' running'
FROM gridgov.case_clocks k JOIN gridgov.cases c ON c.id = k.case_id AND c.external_id = 'AFTER-RESTORE-1';
SELECT gridgov.sla_sweep('2026-11-25 09:00+08') > 0;
SELECT gridgov.analytics_refresh_pending() >= 1;
SELECT (SELECT count(*) FROM gridgov.analytics_check()) + (SELECT count(*) FROM gridgov.verify_histories());
SQL
}
table_count=$(value "$src_db" -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'gridgov'::regnamespace AND relkind IN ('r', 'p')")
# The summaries as the drain leaves them hold delta rows; folded, they are what
# a rebuild makes (analytics_compact(): results unchanged).
value "$src_db" -c "SELECT gridgov.analytics_compact()" >/dev/null
rows "$src_db" >"$work/src.rows"
sequences "$src_db" >"$work/src.seq"
after_src=$(after "$src_db")
echo "# afterwards in the source: $after_src"
for db in "${dbs[@]}"; do
	echo "# $db"
	# The first drain after a restore recomputes the analytics (not dumped).  A
	# restore in replica mode fires no case trigger, so it needs the rebuild
	# that any write in replica mode needs (docs/backup.md, docs/bi.md).
	if [ "$db" = gridgov_dump_replica ]; then
		value "$db" -c "SELECT gridgov.analytics_rebuild()" >/dev/null
	fi
	value "$db" -c "SELECT gridgov.analytics_refresh_pending()" >/dev/null
	value "$db" -c "SELECT gridgov.analytics_compact()" >/dev/null
	rows "$db" >"$work/$db.rows"
	if diff "$work/src.rows" "$work/$db.rows" >"$work/$db.diff"; then
		ok "$db: every gridgov table ($table_count, $(wc -l <"$work/src.rows") rows) equals the source row by row"
	else
		not_ok "$db: every gridgov table equals the source row by row"
		cut -c1-200 "$work/$db.diff" | sed -n '1,20s/^/#   /p'
		echo "#   missing or different rows per table:" \
			"$(grep '^[<>]' "$work/$db.diff" | cut -f1 | sort | uniq -c | tr '\n' ' ')"
	fi
	sequences "$db" >"$work/$db.seq"
	is "$db: every sequence's last value as in the source" "$(diff "$work/src.seq" "$work/$db.seq" | tr '\n' ' ')" ""
	is "$db: verify_histories() and verify_seals() find nothing" \
		"$(value "$db" -c "SELECT (SELECT count(*) FROM gridgov.verify_histories()) + (SELECT count(*) FROM gridgov.verify_seals())")" "0"
	is "$db: the analytics equal their recomputation after the first drain" \
		"$(value "$db" -c "SELECT (SELECT count(*) FROM gridgov.analytics_check()) || ' ' || ((SELECT count(*) FROM gridgov.case_stats) = (SELECT count(*) FROM gridgov.cases))")" "0 true"
	is "$db: the shipped rows edited before the dump are edited" \
		"$(value "$db" -c "SELECT (SELECT NOT active FROM gridgov.sla_policies WHERE id = (SELECT min(id) FROM gridgov.sla_policies WHERE builtin AND stage = 'callback'))
		                   AND (SELECT roles = '{gridgov_dispatcher,gridgov_department}' AND builtin AND modified FROM gridgov.transitions
		                        WHERE workflow = 'grid_event' AND from_state = 'reported' AND action = 'reject')
		                   AND (SELECT value = '110115' FROM gridgov.settings WHERE key = 'home_county')
		                   AND (SELECT NOT active FROM gridgov.categories WHERE code = 'E0112')")" "t"

	is "$db: intake, act(), the sweep and the drain work as in the source" "$(after "$db")" "$after_src"
	# A worker may insert cases but not bring in a complete one.
	got=$(value "$db" 2>&1 <<'SQL'
SET client_min_messages = warning;
SET ROLE demo_liuyang;
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, case_no, workflow, state,
                           events, closed_at)
VALUES ('110115', 'patrol', 'FORGED-1', 'E0102', '伪造', '2026-11-20 09:15+08', '110115-20261120-9999999',
        'grid_event', 'closed', 3, '2026-11-20 10:00+08');
SQL
	)
	is "$db: a worker still cannot insert a complete case" "$(echo "$got" | grep -c 'is set by gridgov')" "1"
done

# A shipped transition edited under 0.1.0: the update marks it modified, so
# that a dump taken after the update keeps it.
new_database "$old_db"
psql_in "$old_db" -o /dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION gridgov VERSION '0.1.0' CASCADE;
UPDATE gridgov.transitions SET roles = '{gridgov_dispatcher,gridgov_department}'
WHERE workflow = 'hotline' AND from_state = 'called_back' AND action = 'close';
ALTER EXTENSION gridgov UPDATE;
SQL
dump -Fc -f "$work/old.dump" "$old_db"
new_database "${dbs[0]}"
"$bindir/pg_restore" -d "${dbs[0]}" "$work/old.dump" >"$work/old.log" 2>&1
is "a shipped row edited before the update to 1.0.0 survives a dump and restore after it" \
	"$(value "${dbs[0]}" -c "SELECT string_agg(workflow || '/' || action || ' ' || roles::text, ', ') FROM gridgov.transitions WHERE modified")" \
	"hotline/close {gridgov_dispatcher,gridgov_department}"

echo "# dump and restore timings above are of the demo database ($(value "$src_db" -c "SELECT pg_size_pretty(pg_database_size(current_database()))"))"
exit $fail

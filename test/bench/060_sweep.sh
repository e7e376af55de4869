#!/usr/bin/env bash
# Sweep cost follows what is due, not what is open: gridgov.sla_sweep() over
# 1,000 due clocks with no other open clocks, and the same 1,000 among
# 1,000,000 open clocks that are not due.  Each sweep runs in a transaction
# that is rolled back, so both measure the same work; median of 3 runs each.
set -euo pipefail
n_open=$(awk -v s="$BENCH_SCALE" 'BEGIN { printf "%d", 1000000 * s }')

bench_psql <<'SQL' >/dev/null
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('B99-CC', '基准区指挥中心', 'district', '990103', 'command_center');
-- 1,000 cases through the ordinary intake: their file clocks are due at 09:20.
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
SELECT '990103', 'patrol', 'due-' || i, 'E0102', '到期 ' || i, '2026-01-05 09:00+08',
       (SELECT id FROM gridgov.departments WHERE code = 'B99-CC')
FROM pg_catalog.generate_series(1, 1000) i;
UPDATE gridgov.case_clocks SET warn_at = '2099-01-01' WHERE county OPERATOR(gridgov.=) '990103';
VACUUM ANALYZE gridgov.case_clocks;
CREATE FUNCTION bench_sweep_ms(as_of timestamptz) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := pg_catalog.clock_timestamp(); n integer;
BEGIN
    n := gridgov.sla_sweep(as_of);
    IF n <> 1000 THEN RAISE EXCEPTION 'expected 1000 escalations, got %', n; END IF;
    RETURN 1000 * EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0);
END $$;
SQL

sweep_median() {
	for r in 1 2 3; do
		bench_psql -At -c "BEGIN" -c "SELECT bench_sweep_ms('2026-01-05 10:00+08')" -c "ROLLBACK" |
			grep -E '^[0-9.]+$'
	done | sort -n | sed -n 2p
}

alone=$(sweep_median)

# 1,000,000 open clocks that are not due (bulk-loaded without triggers: the
# sweep never touches them, so they need no history).
bench_psql <<SQL >/dev/null
SET session_replication_role = replica;
INSERT INTO gridgov.cases (county, case_no, source, category, title, urgency, workflow, state,
                           reported_at, department_id, events)
SELECT '990104', '990104-bulk-' || i, 'patrol', 'E0102', '未到期', 'normal', 'grid_event', 'signed',
       '2026-01-05 09:00+08', (SELECT id FROM gridgov.departments WHERE code = 'B99-CC'), 1
FROM pg_catalog.generate_series(1, $n_open) i;
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at,
                                 due_at, warn_at, next_escalation_at)
SELECT c.county, c.id, 'handle', 1, 1, 4, 'working_hours', c.reported_at,
       '2099-01-01', '2099-01-01', '2099-01-01'
FROM gridgov.cases c WHERE c.county OPERATOR(gridgov.=) '990104';
RESET session_replication_role;
VACUUM ANALYZE gridgov.cases;
VACUUM ANALYZE gridgov.case_clocks;
SQL

among=$(sweep_median)
open_total=$(bench_psql -At -c "SELECT pg_catalog.count(*) FROM gridgov.case_clocks WHERE met_at IS NULL AND cancelled_at IS NULL")
uses_index=$(bench_psql -At -c "EXPLAIN SELECT 1 FROM gridgov.case_clocks x WHERE x.next_escalation_at <= '2026-01-05 10:00+08' AND x.met_at IS NULL AND x.cancelled_at IS NULL AND x.paused_at IS NULL AND x.next_escalation_at IS NOT NULL" | grep -c case_clocks_escalation_due || true)

awk -v a="$alone" -v b="$among" -v open="$open_total" -v idx="$uses_index" 'BEGIN {
	printf "escalation sweep: 1,000 due clocks, alone vs among %d other open clocks (rolled back, median of 3)\n", open - 1000
	printf "  1,000 due among none:        %8.1f ms\n", a
	printf "  1,000 due among %d open: %8.1f ms, ratio %.2fx (target <= 2x)\n", open - 1000, b, b / a
	printf "  due clocks found through the partial index case_clocks_escalation_due: %s\n", (idx > 0 ? "yes" : "no")
}'
bench_psql -c "DROP FUNCTION bench_sweep_ms(timestamptz)" >/dev/null

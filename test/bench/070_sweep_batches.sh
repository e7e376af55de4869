#!/usr/bin/env bash
# act() latency while the sweep escalates 100,000 due clocks: two clients take
# act() actions (suspend/resume, extend, workflow steps; test/lib/hammer.sql)
# on the cases being swept, one on the even and one on the odd ids, for the
# whole sweep.  The sweep runs in one transaction (gridgov.sla_sweep()), and
# as the scheduled job (gridgov.sla_sweep_run(), committing every 200 and every
# 1,000 cases); each run gets its own 100,000 cases.  Then the same clients
# for 10 s with no sweep (on the cases of the first run, swept by then).  Latency is the server-side time of each action,
# lock waits included, over the actions started while the sweep ran.
set -euo pipefail
n=$(awk -v s="$BENCH_SCALE" 'BEGIN { printf "%d", 100000 * s }')

bench_psql -f test/lib/hammer.sql >/dev/null
bench_psql >/dev/null <<SQL
CREATE TABLE bench_t0 AS SELECT date_trunc('second', now()) AS t0;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
SELECT 'B' || c || '-CC', '基准区指挥中心 ' || c, 'district', c, 'command_center'
FROM unnest(ARRAY['990107', '990108', '990109']) c;
-- The sweep is global: each run sweeps as of its own time, at which only its
-- county's cases are due.  Cases of 990107 are reported 4 hours before t0
-- (file clocks due at t0 - 3:40, swept as of t0 - 3:30; their second rung is
-- due at t0 - 1:30), of 990108 3 hours before (due t0 - 2:40, swept as of
-- t0 - 2:30), of 990109 2 hours before (due t0 - 1:40, swept as of t0 - 1:35).
-- One statement per county, so that each county's ids are consecutive (the
-- clients pick their cases by id).
CREATE FUNCTION pg_temp.intake(c text, h interval) RETURNS void LANGUAGE sql AS \$\$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
    SELECT c, 'patrol', 'batches-' || c || '-' || i, 'E0102', '到期 ' || i, (SELECT t0 FROM bench_t0) - h,
           (SELECT id FROM gridgov.departments WHERE code = 'B' || c || '-CC')
    FROM generate_series(1, $n) i
\$\$;
SELECT pg_temp.intake('990107', '4 hours');
SELECT pg_temp.intake('990108', '3 hours');
SELECT pg_temp.intake('990109', '2 hours');
DO \$\$
BEGIN
    IF EXISTS (SELECT 1 FROM gridgov.cases WHERE county::text LIKE '99010_' GROUP BY county
               HAVING max(id) - min(id) + 1 <> count(*)) THEN
        RAISE EXCEPTION 'the ids of a county are not consecutive';
    END IF;
END
\$\$;
CREATE TABLE bench_window (started timestamptz, ended timestamptz);
VACUUM ANALYZE gridgov.cases;
VACUUM ANALYZE gridgov.case_clocks;
SQL
t0=$(bench_psql -At -c "SELECT t0 FROM bench_t0")
as_of() { bench_psql -At -c "SELECT '$t0'::timestamptz - interval '$1'"; }

# run LABEL COUNTY COMMAND: the clients on the county's cases while COMMAND
# runs (COMMAND empty: for 10 s); prints one result line.
run() {
	local label=$1 county=$2 cmd=$3 first pids=() c swept
	first=$(bench_psql -At -c "SELECT min(id) FROM gridgov.cases WHERE county = '$county'")
	bench_psql -c "TRUNCATE hammer_log, hammer_stop"
	for c in 0 1; do
		bench_psql -c "CALL hammer_client($c, $first + $c, $((n / 2)), 2, '{pause,extend,step}',
		               clock_timestamp() + interval '30 minutes')" &
		pids+=($!)
	done
	until [ "$(bench_psql -At -c "SELECT count(DISTINCT client) FROM hammer_log")" = 2 ]; do sleep 0.1; done
	bench_psql -c "TRUNCATE bench_window" -c "INSERT INTO bench_window SELECT clock_timestamp(), NULL"
	if [ -n "$cmd" ]; then
		swept=$(bench_psql -At -F ' ' -c "$cmd")
	else
		sleep 10
		swept=-
	fi
	bench_psql -c "UPDATE bench_window SET ended = clock_timestamp()"
	bench_psql -c "INSERT INTO hammer_stop DEFAULT VALUES"
	for c in "${pids[@]}"; do wait "$c"; done
	bench_psql -At -c "
		SELECT format('  %-30s %8s s %7s actions   p50 %7s ms   p99 %8s ms   max %9s ms   failed %s   (sweep: %s)', '$label',
		              round(extract(epoch FROM w.ended - w.started), 1), count(*),
		              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY h.ms)::numeric, 2),
		              round(percentile_cont(0.99) WITHIN GROUP (ORDER BY h.ms)::numeric, 2),
		              round(max(h.ms)::numeric, 1), count(*) FILTER (WHERE h.sqlstate IS NOT NULL AND h.sqlstate <> 'none'),
		              '$swept')
		FROM hammer_log h, bench_window w WHERE h.started BETWEEN w.started AND w.ended
		GROUP BY w.started, w.ended"
}

echo "sweep of $n due clocks beside 2 clients taking act() actions on the same cases (latency of the actions)"
echo "  (sweep: warnings and escalations of sla_sweep(); cases, skipped, actions, batches of sla_sweep_run())"
run "sla_sweep(), one transaction" 990107 "SELECT gridgov.sla_sweep('$(as_of '3:30')')"
run "sla_sweep_run(), batches 200" 990108 "CALL gridgov.sla_sweep_run('$(as_of '2:30')', 200)"
run "sla_sweep_run(), batches 1000" 990109 "CALL gridgov.sla_sweep_run('$(as_of '1:35')', 1000)"
run "no sweep (10 s)" 990107 ""
bench_psql -c "DROP TABLE hammer_log, hammer_stop, bench_t0, bench_window" \
	-c "DROP PROCEDURE hammer_client" -c "DROP FUNCTION hammer_step" >/dev/null

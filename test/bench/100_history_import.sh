#!/usr/bin/env bash
# History import (issue 12, item 3; docs/history-import.md).  In a database of
# its own on the demo city (tools/democity.sql, seed 1) with Daxing's
# organisation:
#   1. stage 1,000,000 past cases of 2024 (COPY of a CSV file into
#      gridgov.import_cases; the steps generated into gridgov.import_steps
#      with INSERT ... SELECT, untimed): WGS-84 points inside the city's grids,
#      every active category, and timelines of their workflow — grid events
#      file, dispatch, sign, handle, verify, callback, close (one in ten
#      returned and re-dispatched); hotline tickets dispatch, sign, handle,
#      reply, callback, close (one in ten unsatisfied and handled again);
#      disputes mediate, agree, follow up, close; one case in twenty left open
#      halfway; step gaps scaled per case so that some clocks are breached;
#   2. gridgov.import_history() in one session: cases per second
#      (target: >= 10,000/s);
#   3. the analytics job's drain of the imported history
#      (analytics_refresh_pending()), then the equality of the analytics with
#      their recomputation from the raw rows (analytics_check()), and the
#      hash chains (verify_histories()).
# BENCH_SCALE scales the number of cases (at least 2,000).
set -euo pipefail
n=$(awk -v s="$BENCH_SCALE" 'BEGIN { n = int(1000000 * s); print (n < 2000 ? 2000 : n) }')
work=$(mktemp -d "$BENCH_INST/import.XXXXXX")
source test/bench/lib/fresh_demo.sh
trap 'rm -rf "$work"; fresh_drop' EXIT
bench_fresh_demo gridgov_bench_import
fresh_psql -c "ALTER TABLE gridgov.case_clocks SET (autovacuum_enabled = off)" >/dev/null

# 1. Staging --------------------------------------------------------------------------
fresh_psql >/dev/null <<SQL
SELECT pg_catalog.setseed(0.12);
CREATE TABLE bench_pts AS
SELECT pg_catalog.row_number() OVER () AS i, p AS geom
FROM (SELECT ST_SetSRID(ST_MakePoint(116.21 + pg_catalog.random() * 0.52,
                                     39.44 + pg_catalog.random() * 0.40), 4326) AS p
      FROM pg_catalog.generate_series(1, 250000) g) c
WHERE gridgov.locate(p) IS NOT NULL
LIMIT 100000;
CREATE TABLE bench_cats AS
SELECT pg_catalog.row_number() OVER (ORDER BY code) AS i, code, workflow FROM gridgov.categories WHERE active;
CREATE TABLE bench_depts AS
SELECT pg_catalog.row_number() OVER (ORDER BY code) AS i, code FROM gridgov.departments WHERE kind = 'functional';
-- The staged cases, as a CSV file from the old system would give them.
CREATE TABLE bench_gen AS
SELECT g AS i, c.code AS category, c.workflow,
       CASE c.workflow WHEN 'hotline' THEN 'hotline' WHEN 'dispute' THEN 'department'
            ELSE (ARRAY['patrol', 'video', 'app', 'city'])[1 + g % 4] END AS source,
       timestamptz '2024-01-01 00:00+08' + pg_catalog.random() * interval '365 days' AS reported_at,
       p.geom, 0.3 + pg_catalog.random() * 4 AS pace,
       CASE WHEN g % 20 = 0 THEN 3 WHEN g % 10 = 1 THEN 1 ELSE 0 END AS variant,
       d.code AS department
FROM pg_catalog.generate_series(1, $n) g
JOIN bench_pts p ON p.i = 1 + g % 100000
JOIN bench_cats c ON c.i = 1 + (g::bigint * 7919) % (SELECT pg_catalog.count(*) FROM bench_cats)
JOIN bench_depts d ON d.i = 1 + (g * 31) % (SELECT pg_catalog.count(*) FROM bench_depts);
-- Timelines: (workflow, variant, seq, action, hours after reporting at pace 1,
-- department taking it, callback answer).
CREATE TABLE bench_tpl (workflow text, variant int, seq int, action text, hours numeric, dept boolean,
                        solved boolean, satisfaction gridgov.satisfaction);
INSERT INTO bench_tpl VALUES
    ('grid_event', 0, 1, 'file', 0.2, false, NULL, NULL), ('grid_event', 0, 2, 'dispatch', 0.3, true, NULL, NULL),
    ('grid_event', 0, 3, 'sign', 0.8, true, NULL, NULL), ('grid_event', 0, 4, 'handle', 4, true, NULL, NULL),
    ('grid_event', 0, 5, 'verify_pass', 4.6, false, NULL, NULL),
    ('grid_event', 0, 6, 'callback', 20, false, true, 'satisfied'), ('grid_event', 0, 7, 'close', 21, false, NULL, NULL),
    ('grid_event', 1, 1, 'file', 0.2, false, NULL, NULL), ('grid_event', 1, 2, 'dispatch', 0.3, true, NULL, NULL),
    ('grid_event', 1, 3, 'return', 0.7, true, NULL, NULL), ('grid_event', 1, 4, 'dispatch', 0.9, true, NULL, NULL),
    ('grid_event', 1, 5, 'sign', 1.2, true, NULL, NULL), ('grid_event', 1, 6, 'handle', 6, true, NULL, NULL),
    ('grid_event', 1, 7, 'verify_pass', 7, false, NULL, NULL), ('grid_event', 1, 8, 'close', 8, false, NULL, NULL),
    ('grid_event', 3, 1, 'file', 0.2, false, NULL, NULL), ('grid_event', 3, 2, 'dispatch', 0.3, true, NULL, NULL),
    ('hotline', 0, 1, 'dispatch', 0.3, true, NULL, NULL), ('hotline', 0, 2, 'sign', 3, true, NULL, NULL),
    ('hotline', 0, 3, 'handle', 40, true, NULL, NULL), ('hotline', 0, 4, 'reply', 41, true, NULL, NULL),
    ('hotline', 0, 5, 'callback', 50, false, true, 'satisfied'), ('hotline', 0, 6, 'close', 51, false, NULL, NULL),
    ('hotline', 1, 1, 'dispatch', 0.3, true, NULL, NULL), ('hotline', 1, 2, 'sign', 3, true, NULL, NULL),
    ('hotline', 1, 3, 'handle', 40, true, NULL, NULL), ('hotline', 1, 4, 'reply', 41, true, NULL, NULL),
    ('hotline', 1, 5, 'callback', 50, false, false, 'unsatisfied'), ('hotline', 1, 6, 'rehandle', 51, false, NULL, NULL),
    ('hotline', 1, 7, 'handle', 70, true, NULL, NULL), ('hotline', 1, 8, 'reply', 71, true, NULL, NULL),
    ('hotline', 1, 9, 'callback', 80, false, true, 'basically_satisfied'), ('hotline', 1, 10, 'close', 81, false, NULL, NULL),
    ('hotline', 3, 1, 'dispatch', 0.3, true, NULL, NULL), ('hotline', 3, 2, 'sign', 3, true, NULL, NULL),
    ('dispute', 0, 1, 'mediate', 2, true, NULL, NULL), ('dispute', 0, 2, 'agree', 100, true, NULL, NULL),
    ('dispute', 0, 3, 'follow_up', 150, false, true, 'satisfied'), ('dispute', 0, 4, 'close', 151, false, NULL, NULL),
    ('dispute', 3, 1, 'mediate', 2, true, NULL, NULL);
SQL
fresh_psql -c "\\copy (SELECT '110115', source, 'old-' || i, category, 'imported case ' || i, ST_AsEWKT(geom), 'wgs84', reported_at FROM bench_gen ORDER BY i) TO '$work/cases.csv' WITH (FORMAT csv)" >/dev/null
fresh_psql -c "\\copy gridgov.import_cases (county, source, external_id, category, title, location, coord_system, reported_at) FROM '$work/cases.csv' WITH (FORMAT csv)" >/dev/null
fresh_psql >/dev/null <<'SQL'
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action, department, solved, satisfaction)
SELECT '110115', g.source::gridgov.case_source, 'old-' || g.i, t.seq,
       g.reported_at + t.hours * g.pace * interval '1 hour', t.action,
       CASE WHEN t.dept THEN g.department END, t.solved, t.satisfaction
FROM bench_gen g
JOIN bench_tpl t ON t.workflow = g.workflow
                AND t.variant = CASE WHEN g.variant = 1 AND g.workflow = 'dispute' THEN 0 ELSE g.variant END;
VACUUM ANALYZE gridgov.import_cases;
VACUUM ANALYZE gridgov.import_steps;
CHECKPOINT;
SQL
steps=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.import_steps")

# 2. The import ---------------------------------------------------------------------------
# The session also reads its own CPU time (/proc/self/stat: user + system ticks), as
# the machine's other work stretches the wall-clock time.
cpu_ticks="(pg_catalog.split_part(pg_catalog.pg_read_file('/proc/self/stat'), ' ', 14)::bigint
            + pg_catalog.split_part(pg_catalog.pg_read_file('/proc/self/stat'), ' ', 15)::bigint)"
t0=$(date +%s.%N)
result=$(fresh_psql -At -F ' ' <<SQL
SELECT $cpu_ticks AS c0 \gset
SELECT staged, imported, skipped, rejected, $cpu_ticks - :c0 FROM gridgov.import_history();
SQL
)
t1=$(date +%s.%N)
read -r staged imported skipped rejected cpu <<<"$result"
hz=$(getconf CLK_TCK)
[ "$imported" = "$n" ] || { echo "history import: imported $imported of $n staged cases ($rejected rejected)" >&2;
	fresh_psql -c "SELECT reason, count(*) FROM gridgov.import_rejects GROUP BY 1 ORDER BY 2 DESC LIMIT 5" >&2; exit 1; }
counts=$(fresh_psql -At -F ' ' -c "SELECT (SELECT pg_catalog.count(*) FROM gridgov.case_events),
    (SELECT pg_catalog.count(*) FROM gridgov.case_clocks),
    (SELECT pg_catalog.count(*) FROM gridgov.case_clocks WHERE met_at > due_at),
    (SELECT pg_catalog.count(*) FROM gridgov.case_clocks WHERE met_at IS NULL AND cancelled_at IS NULL)")
read -r events clocks breached running <<<"$counts"
# A re-run: every key skipped.
t2=$(date +%s.%N)
rerun=$(fresh_psql -At -F ' ' -c "SELECT imported, skipped FROM gridgov.import_history()")
t3=$(date +%s.%N)

# 3. The analytics and the chains ------------------------------------------------------------
fresh_psql -c "VACUUM ANALYZE gridgov.cases, gridgov.case_events, gridgov.case_clocks" >/dev/null
t4=$(date +%s.%N)
refreshed=$(fresh_psql -Atc "SELECT gridgov.analytics_refresh_pending()")
t5=$(date +%s.%N)
problems=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.analytics_check()")
t6=$(date +%s.%N)
broken=$(fresh_psql -Atc "SELECT pg_catalog.count(*) FROM gridgov.verify_histories()")
t7=$(date +%s.%N)

awk -v n="$n" -v steps="$steps" -v cpu="$cpu" -v hz="$hz" -v load="$(cut -d ' ' -f 1-3 /proc/loadavg)" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v t5="$t5" \
	-v t6="$t6" -v t7="$t7" -v events="$events" -v clocks="$clocks" -v breached="$breached" -v running="$running" \
	-v rerun="$rerun" -v refreshed="$refreshed" -v problems="$problems" -v broken="$broken" 'BEGIN {
	r = n / (t1 - t0)
	printf "history import: %d staged cases, %d steps (demo city, every active category, past year)\n", n, steps
	printf "  import_history(), one session: %.1f s, %d events, %d clocks (%d breached, %d running)\n", t1 - t0, events, clocks, breached, running
	printf "history import: %.0f cases/s (target >= 10,000 cases/s): %s; a 4,000,000-case history takes %.1f min\n", r, (r >= 10000 ? "met" : "NOT met"), 4000000 / r / 60
	printf "  the importing session used %.1f s of CPU: %.0f cases per CPU-second (load average now %s)\n", cpu / hz, n / (cpu / hz), load
	split(rerun, rr, " ")
	printf "  re-run with the same staging: %d imported, %d skipped, %.1f s\n", rr[1], rr[2], t3 - t2
	printf "  analytics_refresh_pending(): %d cases in %.1f s; analytics_check(): %d differences from the recomputation (%.1f s)\n", refreshed, t5 - t4, problems, t6 - t5
	printf "  verify_histories(): %d broken chains (%.1f s)\n", broken, t7 - t6
}'
[ "$problems" = 0 ] && [ "$broken" = 0 ] || { echo "history import: the analytics or the chains are wrong" >&2; exit 1; }

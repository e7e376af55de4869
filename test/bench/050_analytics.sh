#!/usr/bin/env bash
# Analytics: month three rates and timeliness for every town from the month
# summaries (gridgov.three_rates / gridgov.timeliness, served from
# stats_month) against the best plain aggregation of the per-case rows
# (gridgov.case_stats x gridgov.stat_rows(), index on the month's days), over
# a generated history of 10,000,000 cases (x BENCH_SCALE).
#
# The history: the Daxing demo city (tools/democity.sql, 2,804 unit grids in
# 26 towns), a district center, 26 town centers and 16 district departments,
# and cases bulk-generated as superuser with session_replication_role =
# replica (no triggers: intake, history and clocks are skipped), in
# 2025-01-01 .. 2026-10-31, on grids with a skewed (power 1.6) popularity,
# over 120 event, component, hotline and dispute categories (skewed, power
# 1.8), 60% handled by the town's center and 40% by the district department
# of the category's class.  Their timeline is drawn at random: 90% dispatched
# 10-60 minutes after the report, signed after an exponential delay (mean
# 1.5 h), handled (mean 20 h), 92% closed, a deadline 3-10 days after the
# report, 5% returned and re-dispatched, 6% reworked, 3% extended, 85% called
# back, 90% of those solved, 88% satisfied.  gridgov.case_stats rows are
# written from the same draws (working hours as 7.5/24 of calendar hours: the
# benchmark measures aggregation, not working-time arithmetic, which
# test/bench/040_worktime.sh measures), then gridgov.analytics_rebuild_summaries()
# builds the summaries.  Both methods return the same rows (checked).
set -euo pipefail
n=$(awk -v s="${BENCH_SCALE:-1}" 'BEGIN { v = int(10000000 * s); if (v < 20000) v = 20000; print v }')

bench_psql -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
\i tools/democity.sql
SELECT democity.build(1) AS grid_rows \gset
UPDATE gridgov.settings SET value = '110115' WHERE key = 'home_county';
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('bench-center', '大兴区网格化服务管理中心', 'district', '110115', 'command_center');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT 'bench-tc-' || right(code::text, 3), name || '网格化服务管理中心', 'town', code, 'command_center',
       (SELECT id FROM gridgov.departments WHERE code = 'bench-center')
FROM gridgov.grids WHERE level = 4 AND valid_to = 'infinity';
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
SELECT 'bench-d' || i, '区职能部门' || i, 'district', '110115', 'functional' FROM generate_series(1, 16) i;

\o /dev/null
SELECT setseed(0.5);
\o
-- Grids and categories, numbered for skewed picking.
CREATE TABLE bench_grids AS
SELECT row_number() OVER (ORDER BY random()) AS n, g.code, gridgov.area_at('110115', g.code, 4) AS town,
       gridgov.area_at('110115', g.code, 5) AS community, ST_PointOnSurface(g.geom) AS point,
       (SELECT id FROM gridgov.departments d WHERE d.code = 'bench-tc-' || right(gridgov.ancestor(g.code, 4)::text, 3)) AS center
FROM gridgov.grids g WHERE g.level = 6 AND g.valid_to = 'infinity' AND g.kind = 'general';
CREATE TABLE bench_cats AS
SELECT row_number() OVER (ORDER BY random()) AS n, c.code, c.workflow, c.default_urgency::gridgov.urgency AS urgency,
       (SELECT id FROM gridgov.departments d WHERE d.code = 'bench-d' || (1 + abs(hashtext(left(c.code, 3))) % 16)) AS dept
FROM gridgov.categories c WHERE c.active AND length(c.code) = 5 AND c.code !~ '^C(0[2-6])'
ORDER BY c.code LIMIT 120;
SELECT count(*) AS grids FROM bench_grids \gset
SELECT count(*) AS cats FROM bench_cats \gset

-- The draws.
CREATE UNLOGGED TABLE bench_t AS
SELECT i AS id, g.code AS grid, g.town, g.community, g.point, c.code AS category, c.workflow, c.urgency,
       CASE WHEN r.r3 < 0.6 THEN g.center ELSE c.dept END AS department_id,
       CASE c.workflow WHEN 'hotline' THEN 'hotline' ELSE (ARRAY['patrol', 'video', 'app', 'department'])[1 + (i % 4)] END
           AS source,
       ts.reported_at,
       r.r4 < 0.90 AS dispatched, r.r5 < 0.05 AS returned, r.r6 < 0.06 AS reworked, r.r7 < 0.03 AS extended,
       r.r8 < 0.92 AS closed, r.r9 < 0.85 AS called_back, r.r10 < 0.90 AS solved, r.r11 AS sat,
       ts.reported_at + (10 + 50 * r.r12) * interval '1 minute' AS dispatched_at,
       -1.5 * ln(1 - r.r13) AS sign_h, -20 * ln(1 - r.r14) AS handle_h, 24 + 48 * r.r15 AS close_h,
       ts.reported_at + (3 + floor(8 * r.r16)) * interval '1 day' AS deadline
FROM generate_series(1, $n) i
CROSS JOIN LATERAL (SELECT random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
                           random() r7, random() r8, random() r9, random() r10, random() r11, random() r12,
                           random() r13, random() r14, random() r15, random() r16, random() r17, random() r18
                    WHERE i IS NOT NULL) r
CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 00:00+08' + floor(r.r17 * 669) * interval '1 day'
                           + (7 + 14 * r.r18) * interval '1 hour' AS reported_at) ts
JOIN bench_grids g ON g.n = 1 + floor(r.r1 ^ 1.6 * :grids)::int
JOIN bench_cats c ON c.n = 1 + floor(r.r2 ^ 1.8 * :cats)::int;
SQL

t0=$(date +%s)
bench_psql -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
SET session_replication_role = replica;
-- Per-case facts from the draws.
INSERT INTO gridgov.case_stats
SELECT '110115', t.id, '110115-' || to_char(t.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(t.id::text, 7, '0'),
       t.source::gridgov.case_source, t.category, t.urgency, t.workflow,
       CASE WHEN t.closed THEN 'closed' WHEN t.dispatched THEN 'dispatched'
            ELSE (SELECT state FROM gridgov.workflow_states s WHERE s.workflow = t.workflow AND s.initial) END,
       t.grid, t.town, t.community, t.department_id, ST_SnapToGrid(t.point, 0.001),
       t.reported_at, t.reported_at + interval '5 minutes',
       CASE WHEN t.dispatched THEN t.dispatched_at END,
       CASE WHEN t.dispatched THEN t.dispatched_at + CASE WHEN t.returned THEN interval '2 hours' ELSE interval '0' END END,
       CASE WHEN t.dispatched THEN t.dispatched_at + t.sign_h * interval '1 hour' END,
       CASE WHEN t.dispatched THEN t.dispatched_at + (t.sign_h + t.handle_h) * interval '1 hour' END,
       NULL, CASE WHEN t.dispatched AND t.closed AND t.called_back THEN t.dispatched_at + (t.sign_h + t.handle_h + 20) * interval '1 hour' END,
       CASE WHEN t.dispatched AND t.closed THEN t.dispatched_at + (t.sign_h + t.handle_h + t.close_h) * interval '1 hour' END,
       t.deadline,
       (t.reported_at AT TIME ZONE 'Asia/Shanghai')::date, ((t.reported_at + interval '5 minutes') AT TIME ZONE 'Asia/Shanghai')::date,
       (t.deadline AT TIME ZONE 'Asia/Shanghai')::date,
       NULL, NULL, CASE WHEN t.dispatched THEN t.sign_h <= 2 END, NULL, NULL, NULL,
       CASE WHEN t.dispatched AND t.closed THEN t.dispatched_at + (t.sign_h + t.handle_h + t.close_h) * interval '1 hour' <= t.deadline END,
       CASE WHEN t.dispatched THEN round((t.sign_h * 7.5 / 24)::numeric, 6) END,
       CASE WHEN t.dispatched THEN round(t.sign_h::numeric, 6) END,
       CASE WHEN t.dispatched THEN round(((t.sign_h + t.handle_h) * 7.5 / 24)::numeric, 6) END,
       CASE WHEN t.dispatched THEN round((t.sign_h + t.handle_h)::numeric, 6) END,
       CASE WHEN t.dispatched AND t.closed THEN round(((t.sign_h + t.handle_h + t.close_h) * 7.5 / 24)::numeric, 6) END,
       CASE WHEN t.dispatched AND t.closed THEN round((t.sign_h + t.handle_h + t.close_h)::numeric, 6) END,
       CASE WHEN t.dispatched THEN 1 + t.returned::int ELSE 0 END, t.returned::int, t.reworked::int, 0,
       t.extended::int, 0, false, 0,
       CASE WHEN t.dispatched AND t.closed AND t.called_back THEN t.solved END,
       CASE WHEN t.dispatched AND t.closed AND t.called_back
            THEN (CASE WHEN t.sat < 0.70 THEN 'satisfied' WHEN t.sat < 0.88 THEN 'basically_satisfied'
                       ELSE 'unsatisfied' END)::gridgov.satisfaction END,
       false,
       COALESCE(CASE WHEN t.dispatched AND t.closed THEN t.dispatched_at + (t.sign_h + t.handle_h + t.close_h) * interval '1 hour' END,
                t.reported_at)
FROM bench_t t;
-- The cases themselves, consistent with their facts.
INSERT INTO gridgov.cases (county, id, case_no, source, category, urgency, title, location, coord_system, grid,
                           department_id, workflow, state, reported_at, updated_at, closed_at, dispatches, returns,
                           reworks, reopens, extensions, suspensions, supervised, escalation_level, solved,
                           satisfaction, events)
OVERRIDING SYSTEM VALUE
SELECT s.county, s.case_id, s.case_no, s.source, s.category, s.urgency, 'bench case', t.point, 'wgs84', s.grid,
       s.department_id, s.workflow, s.state, s.reported_at, COALESCE(s.closed_at, s.reported_at), s.closed_at,
       s.dispatches, s.returns, s.reworks, 0, s.extensions, 0, false, 0, s.solved, s.satisfaction, 1
FROM gridgov.case_stats s JOIN bench_t t ON t.id = s.case_id;
SELECT setval(pg_get_serial_sequence('gridgov.cases', 'id'), (SELECT max(id) FROM gridgov.cases)) IS NOT NULL AS sequence_moved \gset
RESET session_replication_role;
SQL
t1=$(date +%s)
bench_psql -At -c "SELECT gridgov.analytics_rebuild_summaries()" >/dev/null
t2=$(date +%s)

bench_psql -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
-- The per-case side gets the index it needs for the filing day too.
CREATE INDEX bench_case_stats_filed ON gridgov.case_stats (county, filed_day);
VACUUM ANALYZE gridgov.case_stats;
VACUUM ANALYZE gridgov.stats_month;
VACUUM ANALYZE gridgov.stats_month_hist;
VACUUM ANALYZE gridgov.cases;

-- The same rows from the per-case facts: the definitions of the views, written
-- as one plain aggregation with the month's days as index conditions.
CREATE FUNCTION bench_raw_three_rates(m0 date, m1 date) RETURNS SETOF gridgov.three_rates
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT s.town AS area, s.department_id, date_trunc('month', r.day::timestamp)::date AS month, r.*
        FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(s) r
        WHERE s.county = '110115' AND s.reported_day >= m0 AND s.reported_day < m1 AND r.reported = 1
    ), g AS (
        SELECT month, area, department_id, sum(reported)::bigint AS reported, sum(dispatched)::bigint AS dispatched,
               sum(responded)::bigint AS responded, sum(called_back)::bigint AS called_back,
               sum(solved)::bigint AS solved, sum(satisfied)::bigint AS satisfied
        FROM c GROUP BY 1, 2, 3
        UNION ALL
        SELECT month, area, NULL, sum(reported)::bigint, sum(dispatched)::bigint, sum(responded)::bigint,
               sum(called_back)::bigint, sum(solved)::bigint, sum(satisfied)::bigint
        FROM c GROUP BY 1, 2
    )
    SELECT 'month', g.month, 'town', g.area, g.department_id, g.reported, g.dispatched, g.responded,
           gridgov.pct(g.responded, g.dispatched), g.called_back, g.solved, gridgov.pct(g.solved, g.called_back),
           g.satisfied, gridgov.pct(g.satisfied, g.called_back),
           gridgov.weighted_score(gridgov.pct(g.responded, g.dispatched), gridgov.pct(g.solved, g.called_back),
                                  gridgov.pct(g.satisfied, g.called_back), w.response, w.resolution, w.satisfaction),
           'stats_month'
    FROM g
    LEFT JOIN LATERAL (SELECT x.response, x.resolution, x.satisfaction FROM gridgov.score_weights x
                       WHERE x.area IS NULL OR x.area @> g.area
                       ORDER BY gridgov.level(x.area) DESC NULLS LAST, x.builtin LIMIT 1) w ON true
$$;
CREATE FUNCTION bench_raw_timeliness(m0 date, m1 date) RETURNS SETOF gridgov.timeliness
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT s.town AS area, s.department_id, date_trunc('month', r.day::timestamp)::date AS month, r.*
        FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(s) r
        WHERE s.county = '110115'
          AND (s.reported_day >= m0 AND s.reported_day < m1 OR s.filed_day >= m0 AND s.filed_day < m1
               OR s.due_day >= m0 AND s.due_day < m1)
          AND r.day >= m0 AND r.day < m1
    ), g AS (
        SELECT month, area, department_id, sum(filed)::bigint AS filed, sum(due)::bigint AS due,
               sum(closed)::bigint AS closed, sum(closed_on_time)::bigint AS closed_on_time,
               sum(reworked)::bigint AS reworked, sum(extended)::bigint AS extended,
               sum(dispatched)::bigint AS dispatched, sum(first_dispatch_ok)::bigint AS first_dispatch_ok,
               sum(handled)::bigint AS handled, sum(handle_hours) AS handle_hours,
               percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY handle_bucket) FILTER (WHERE handled > 0) AS p90
        FROM c GROUP BY 1, 2, 3
        UNION ALL
        SELECT month, area, NULL, sum(filed)::bigint, sum(due)::bigint, sum(closed)::bigint,
               sum(closed_on_time)::bigint, sum(reworked)::bigint, sum(extended)::bigint, sum(dispatched)::bigint,
               sum(first_dispatch_ok)::bigint, sum(handled)::bigint, sum(handle_hours),
               percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY handle_bucket) FILTER (WHERE handled > 0)
        FROM c GROUP BY 1, 2
    )
    SELECT 'month', g.month, 'town', g.area, g.department_id, g.filed, g.due, g.closed, g.closed_on_time,
           gridgov.pct(g.closed, g.due), gridgov.pct(g.closed_on_time, g.due), g.reworked,
           gridgov.pct(g.reworked, g.due), g.extended, gridgov.pct(g.extended, g.due), g.dispatched,
           g.first_dispatch_ok, gridgov.pct(g.first_dispatch_ok, g.dispatched), g.handled,
           CASE WHEN g.handled > 0 THEN round(g.handle_hours / g.handled, 2) END, g.p90, 'stats_month'
    FROM g
    WHERE g.filed > 0 OR g.due > 0 OR g.dispatched > 0
$$;

-- Wall time of a query with every column computed, ms, with the number of rows
-- and a checksum of them (the sum of a hash of each row, so order-free).
CREATE FUNCTION bench_run(q text, OUT ms double precision, OUT n bigint, OUT h bigint) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE 'SELECT count(*), sum(hashtext(x::text)) FROM (' || q || ') x' INTO n, h;
    ms := 1000 * EXTRACT(epoch FROM clock_timestamp() - t0);
END $$;
SQL

history_rounds=$(awk -v s="${BENCH_SCALE:-1}" 'BEGIN { print (s >= 0.5) ? 1 : 3 }')
bench_psql -At -F ' ' <<SQL >/tmp/gridgov-bench-analytics.$$
CREATE TEMP TABLE q (name text, sql text);
INSERT INTO q VALUES
    ('s3', \$q\$SELECT * FROM gridgov.three_rates WHERE period = 'month' AND level = 'town' AND period_start = '2026-03-01'\$q\$),
    ('r3', \$q\$SELECT * FROM bench_raw_three_rates('2026-03-01', '2026-04-01')\$q\$),
    ('st', \$q\$SELECT * FROM gridgov.timeliness WHERE period = 'month' AND level = 'town' AND period_start = '2026-03-01'\$q\$),
    ('rt', \$q\$SELECT * FROM bench_raw_timeliness('2026-03-01', '2026-04-01')\$q\$),
    ('sh', \$q\$SELECT * FROM gridgov.three_rates WHERE period = 'month' AND level = 'town'\$q\$),
    ('rh', \$q\$SELECT * FROM bench_raw_three_rates('2025-01-01', '2026-11-01')\$q\$);
-- A warm-up of the month queries, then rounds; medians.
CREATE TEMP TABLE runs AS
SELECT q.name, r.round, b.* FROM q
CROSS JOIN LATERAL generate_series(CASE WHEN q.name IN ('sh', 'rh') THEN 1 ELSE 0 END,
                                   CASE WHEN q.name IN ('sh', 'rh') THEN $history_rounds ELSE 5 END) r(round)
CROSS JOIN LATERAL bench_run(q.sql) b;
SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), min(n), count(DISTINCT h) = 1, min(h)
FROM runs WHERE round > 0 GROUP BY name ORDER BY name;
SELECT 'rows', (SELECT count(*) FROM gridgov.case_stats), (SELECT count(*) FROM gridgov.stats_month),
       (SELECT count(*) FROM gridgov.stats_month_hist), (SELECT count(DISTINCT town) FROM gridgov.case_stats),
       (SELECT count(*) FROM gridgov.case_stats WHERE reported_day >= '2026-03-01' AND reported_day < '2026-04-01'), 0;
SELECT 'size', pg_total_relation_size('gridgov.case_stats'),
       pg_total_relation_size('gridgov.stats_month') + pg_total_relation_size('gridgov.stats_month_hist'),
       pg_total_relation_size('gridgov.cases'), 0, 0, 0;
SQL

awk -v gen=$((t1 - t0)) -v build=$((t2 - t1)) '
	$1 ~ /^[sr][3th]$/ { ms[$1] = $2; n[$1] = $3; h[$1] = $5 }
	$1 == "rows"    { cases = $2; sm = $3; sh = $4; towns = $5; march = $6 }
	$1 == "size"    { zc = $2; zs = $3; zk = $4 }
	function same(a, b) { return (n[a] == n[b] && h[a] == h[b]) ? "yes" : "NO" }
	END {
		printf "analytics: month three rates and timeliness for every town, month summaries vs aggregating the per-case rows\n"
		printf "  data: %d generated cases (triggers off; %d reported in March 2026) over the demo city (%d towns), 2025-01 .. 2026-10;\n", cases, march, towns
		printf "        cases + case_stats written in %d s, summaries built in %d s (%d + %d rows)\n", gen, build, sm, sh
		printf "  three rates, March 2026, %d town x department rows: summaries %.1f ms, per-case rows %.1f ms, ratio %.0fx; identical: %s\n", n["s3"], ms["s3"], ms["r3"], ms["r3"] / ms["s3"], same("s3", "r3")
		printf "  timeliness,  March 2026, %d rows:                   summaries %.1f ms, per-case rows %.1f ms, ratio %.0fx; identical: %s\n", n["st"], ms["st"], ms["rt"], ms["rt"] / ms["st"], same("st", "rt")
		printf "  three rates, all 22 months, %d rows:              summaries %.1f ms, per-case rows %.1f ms, ratio %.0fx; identical: %s\n", n["sh"], ms["sh"], ms["rh"], ms["rh"] / ms["sh"], same("sh", "rh")
		printf "  size: case_stats %.0f MB, month summaries %.1f MB, cases %.0f MB\n", zc / 1048576, zs / 1048576, zk / 1048576
	}' /tmp/gridgov-bench-analytics.$$
rm -f /tmp/gridgov-bench-analytics.$$
bench_psql -q -c "SET client_min_messages = warning" \
	-c "DROP FUNCTION bench_run(text), bench_raw_three_rates(date, date), bench_raw_timeliness(date, date)" \
	-c "DROP TABLE bench_t, bench_grids, bench_cats" -c "DROP INDEX gridgov.bench_case_stats_filed"

-- The demo's morning (tools/demo/010-060: Daxing's divisions, grids and
-- organisation; a morning of cases through every workflow, whistles, merges,
-- the sweep's warnings and escalations, the analytics, hot spots and maps),
-- run as it is, then read back: printed the same on a Citus coordinator and on
-- one server (test/shell/citus.sh compares the two).  The steps' own output
-- goes to /dev/null (it carries the notifying backend's PID); what follows is
-- the state they leave, in a stable order, without the times of now().
\set QUIET on
SET client_min_messages = error;
-- (Citus warns on stderr that the demo's pg_temp functions stay on the coordinator.)
\set demo_map /dev/null
\o /dev/null
\i tools/demo/010_divisions.sql
\i tools/demo/020_grids.sql
\i tools/demo/030_organisation.sql
\i tools/demo/040_cases.sql
\i tools/demo/050_sla.sql
\i tools/demo/060_analytics.sql
\o
\set QUIET on
SET client_min_messages = error;
\pset pager off
\pset footer off
SET search_path = public, gridgov;
SELECT gridgov.analytics_refresh_pending() >= 0 AS drained \gset

\echo '== cases by source, workflow and state'
SELECT source, workflow, state, count(*) AS cases, count(*) FILTER (WHERE grid IS NULL) AS unlocated,
       count(*) FILTER (WHERE possible_duplicate_of IS NOT NULL) AS duplicates, sum(events) AS events
FROM gridgov.cases WHERE source <> 'proactive' AND external_id NOT LIKE 'demo-burst-%'
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
\echo '== every case: number, grid, department, state, counters (the morning)'
SELECT c.case_no, c.category, c.grid, d.code AS department, c.state, c.dispatches, c.returns, c.reworks,
       c.supervised, c.escalation_level, c.solved, c.satisfaction, m.case_no AS master
FROM gridgov.cases c LEFT JOIN gridgov.departments d ON d.id = c.department_id
LEFT JOIN gridgov.cases m ON m.county = c.county AND m.id = c.master_case_id
WHERE c.source <> 'proactive' AND c.external_id IS DISTINCT FROM NULL AND c.external_id NOT LIKE 'demo-burst-%'
   OR c.external_id IS NULL AND c.source <> 'proactive'
ORDER BY c.case_no;
\echo '== the histories: events by action, and each case''s last hash'
SELECT action, count(*) AS events FROM gridgov.case_events e JOIN gridgov.cases c ON c.county = e.county AND c.id = e.case_id
WHERE c.external_id IS NULL OR c.external_id NOT LIKE 'demo-burst-%' GROUP BY 1 ORDER BY 1;
SELECT c.case_no, encode(c.history_hash, 'hex') AS history_hash
FROM gridgov.cases c WHERE c.external_id IS NULL OR c.external_id NOT LIKE 'demo-burst-%' ORDER BY c.case_no;
SELECT count(*) AS broken_histories FROM gridgov.verify_histories();
\echo '== clocks, escalations, whistles'
SELECT c.case_no, k.stage, k.seq, k.started_at, k.due_at, k.met_at, k.cancelled_at, k.paused_minutes, k.extended,
       k.escalation_level, k.warned_at
FROM gridgov.case_clocks k JOIN gridgov.cases c ON c.county = k.county AND c.id = k.case_id
WHERE c.external_id IS NULL OR c.external_id NOT LIKE 'demo-burst-%' ORDER BY c.case_no, k.stage, k.seq;
SELECT c.case_no, e.stage, e.level, e.at, e.department_ids FROM gridgov.escalations e
JOIN gridgov.cases c ON c.county = e.county AND c.id = e.case_id ORDER BY c.case_no, e.stage, e.level;
SELECT c.case_no, w.department_id, w.due_at, w.reported_at, w.escalated_at FROM gridgov.whistle_calls w
JOIN gridgov.cases c ON c.county = w.county AND c.id = w.case_id ORDER BY c.case_no, w.department_id;
\echo '== the analytics: summaries equal to a recomputation, then the rates of the demo day'
SELECT count(*) AS analytics_problems FROM gridgov.analytics_check();
SELECT period, period_start, level, area, department_id, reported, dispatched, responded, response_rate,
       called_back, resolution_rate, satisfaction_rate, score
FROM gridgov.three_rates WHERE period = 'day' AND period_start = (SELECT max(reported_day) FROM gridgov.case_stats
                                                                 WHERE case_id IN (SELECT id FROM gridgov.cases WHERE source <> 'proactive' AND (external_id IS NULL OR external_id NOT LIKE 'demo-burst-%')))
  AND level IN ('county', 'town')
ORDER BY level, area, department_id NULLS FIRST;
SELECT period, period_start, level, area, department_id, filed, due, closed, closed_on_time, reworked, extended,
       dispatched, first_dispatch_ok, handled, avg_handle_hours
FROM gridgov.timeliness WHERE period = 'month' AND level = 'county' ORDER BY 1, 2, 3, 4, 5;
SELECT month, county, department_code, dispatched, response_rate, score, due, on_time_rate, rank
FROM gridgov.department_ranking ORDER BY month, county, department_code;
\echo '== the board at the end of the demo day, the grid map, Open311'
SELECT * FROM gridgov.sla_board_at((SELECT max(at) FROM gridgov.case_events WHERE action <> 'intake' OR at < now() - interval '2 days'))
ORDER BY 1, 2, 3, 4, 5;
SELECT code, open_cases, overdue_cases FROM gridgov.grid_metrics((SELECT max(at) FROM gridgov.case_events))
WHERE open_cases > 0 OR overdue_cases > 0 ORDER BY code;
SELECT service_request_id, status, service_code, address_id FROM gridgov.open311_service_requests
WHERE service_request_id IN (SELECT case_no FROM gridgov.cases WHERE source <> 'proactive' AND (external_id IS NULL OR external_id NOT LIKE 'demo-burst-%'))
ORDER BY service_request_id;
\echo '== hot spots'
SELECT kind, category, cases FROM gridgov.hotspots_latest ORDER BY kind, category, cases;

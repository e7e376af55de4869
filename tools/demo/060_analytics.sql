-- Demo step 6: analytics on the morning's cases — three rates by town, the
-- department ranking, the live board, a hot spot — and a map written to
-- .demo/map.svg (or the file in psql variable demo_map).  Works with any number of cases (none included): when the
-- week holds no hot spot, the step adds a burst of reports to show one.
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;

-- New cases reach the summaries from the history (their events), read every
-- minute by the gridgov-analytics job; the demo has no time to wait.
SELECT analytics_refresh_pending() AS refreshed \gset

-- The demo morning: the latest day with cases (today when there are none).
SELECT COALESCE(max(reported_day), (now() AT TIME ZONE analytics_time_zone())::date) AS demo_day
FROM case_stats \gset
\set QUIET off

\echo
\echo '== 6. Analytics.  New cases reach the summaries within a minute (job gridgov-analytics); refreshed now:' :refreshed 'cases'
\echo '== Three rates (三率) by town on' :demo_day '(all departments; % with 2 decimals)'
SELECT g.name AS town, r.reported, r.dispatched, r.response_rate, r.called_back, r.resolution_rate,
       r.satisfaction_rate, r.score
FROM three_rates r LEFT JOIN grids g ON g.code = r.area AND g.valid_to = 'infinity'
WHERE r.period = 'day' AND r.period_start = :'demo_day' AND r.level = 'town' AND r.department_id IS NULL
ORDER BY r.reported DESC, g.name
LIMIT 10;

\echo
\echo '== Timeliness of the month so far, county-wide (结案率, 按期结案率, ...; from the month summaries)'
SELECT t.period_start AS month, t.filed, t.due, t.closed, t.closure_rate, t.on_time_rate, t.rework_rate,
       t.first_dispatch_accuracy, t.avg_handle_hours, t.p90_handle_hours, t.served_from
FROM timeliness t
WHERE t.period = 'month' AND t.level = 'county' AND t.department_id IS NULL
  AND t.period_start = date_trunc('month', :'demo_day'::date::timestamp)::date;

\echo
\echo '== The measured stages of the month, county-wide (Yizhuang: 30 min to discover, 5 to dispatch; 12345: first contact, supervision, reviewed returns, requests, joint meetings)'
SELECT pg_catalog.sum(w.discover_measured) AS discovered, pg_catalog.round(pg_catalog.avg(w.avg_discover_minutes), 1) AS avg_discover_min,
       gridgov.pct(pg_catalog.sum(w.discover_on_time)::bigint, pg_catalog.sum(w.discover_measured)::bigint) AS discover_on_time,
       gridgov.pct(pg_catalog.sum(w.contacted_on_time)::bigint, pg_catalog.sum(w.contact_required)::bigint) AS contact_on_time,
       pg_catalog.sum(w.supervised) AS supervised, pg_catalog.sum(w.supervision_answered) AS answered,
       pg_catalog.sum(w.returns_requested) AS returns, pg_catalog.sum(w.returns_approved) AS approved,
       pg_catalog.sum(w.returns_rejected) AS rejected, pg_catalog.sum(w.extension_requests) AS ext_requests,
       pg_catalog.sum(w.suspension_requests) AS susp_requests, pg_catalog.sum(w.meetings) AS meetings
FROM workflow_timeliness w
WHERE w.month = date_trunc('month', :'demo_day'::date::timestamp)::date;

\echo
\echo '== Department ranking (考核排名) for the month: composite score with the shipped 30/35/35 weights'
SELECT rank, department_name, dispatched, response_rate, resolution_rate, satisfaction_rate, score, on_time_rate
FROM department_ranking
WHERE month = date_trunc('month', :'demo_day'::date::timestamp)::date
ORDER BY rank, department_name
LIMIT 8;

\echo
\echo '== The live board: open cases by town, department and state; due within the hour; overdue by escalation rung'
SELECT g.name AS town, b.department_name, b.state, b.open_cases, b.due_within_hour, b.overdue,
       b.overdue_level1 + b.overdue_level2 + b.overdue_level3 AS escalated, b.whistles_pending
FROM sla_board b LEFT JOIN grids g ON g.code = b.town AND g.valid_to = 'infinity'
ORDER BY b.overdue DESC, b.open_cases DESC, g.name
LIMIT 10;

-- Hot spots of the past week.  If there is none, add a burst: 12 reports of
-- 道路积水 (E0406) around one spot of 亦庄 over the last three days.
\set QUIET on
SELECT count(*) AS spots FROM detect_hotspots(now()) \gset
SELECT (:spots = 0) AS add_burst \gset
\if :add_burst
INSERT INTO cases (county, source, external_id, category, title, location, reported_at)
SELECT case_county(p), 'app', 'demo-burst-' || i, 'E0406', '路面积水（演示）', p, now() - i * interval '5 hours'
FROM generate_series(1, 12) i,
     LATERAL (SELECT ST_SetSRID(ST_MakePoint(116.5060 + (i % 4) * 0.0004, 39.7950 + (i / 4) * 0.0003), 4326) AS p) x
ON CONFLICT (county, source, external_id) DO NOTHING;
SELECT analytics_refresh_pending() AS refreshed \gset
SELECT count(*) AS spots FROM detect_hotspots(now()) \gset
\endif
\set QUIET off
\echo
\if :add_burst
\echo '== Hot spots (未诉先办): none in the demo data, so 12 reports of road flooding were added around 亦庄 荣华中路'
\else
\echo '== Hot spots (未诉先办) of the past week'
\endif
SELECT h.kind, h.category_name, COALESCE(g.name, array_length(h.grids, 1) || ' 个网格') AS place, h.cases,
       round(h.expected::numeric, 2) AS expected, round(h.score::numeric, 1) AS score,
       round(h.threshold::numeric, 1) AS threshold
FROM hotspots_latest h LEFT JOIN grids g ON g.code = h.grid AND g.valid_to = 'infinity'
ORDER BY h.score DESC
LIMIT 5;

\echo
\echo '== Open311 GeoReport v2: the newest request as the public API answers it (no reporter name, phone or address)'
SELECT jsonb_pretty(open311_requests('{}') -> 0) AS newest_request;

-- The map: cases of the last 30 days by town, as a standalone SVG.
\set QUIET on
\if :{?demo_map}
\else
\set demo_map .demo/map.svg
\endif
\pset format unaligned
\pset tuples_only on
\o :demo_map
SELECT map_svg('town', 'cases_30d');
\o
\pset format aligned
\pset tuples_only off
\set QUIET off
\echo
\echo '== Map written to' :demo_map '(SVG, one path per town; also: map_geojson(), and gridgov.grid_map for QGIS)'
SELECT (xpath('count(//svg:path)', XMLPARSE(DOCUMENT m), ARRAY[ARRAY['svg', 'http://www.w3.org/2000/svg']]))[1]::text AS paths,
       pg_size_pretty(octet_length(m)::bigint) AS size
FROM (SELECT map_svg('town', 'cases_30d') AS m) x;

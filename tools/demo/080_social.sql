-- Demo step 8: repeat callers (重点人群) and the social-conditions index (社情指数),
-- docs/bi.md.  The towns' populations are ILLUSTRATIVE figures made up for the
-- demo (no census table of Daxing's towns ships with gridgov: data/README.md),
-- labelled so in gridgov.area_population.source.  Last month, one resident of
-- 贵园北里 rang 12345 five times about noise (topic H09 噪声扰民): three times
-- about a building site at night, twice about a neighbour's dog, the number
-- written four ways; each call was answered at once (closed), so nothing of it
-- is open today.  Skipped on a
-- gridgov without the index (before 1.6.0: test/shell/upgrade.sh loads today's
-- demo into 1.5.0).
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;
SELECT pg_catalog.to_regproc('gridgov.social_index') IS NOT NULL AS has_social_index \gset
\if :has_social_index

INSERT INTO gridgov.area_population (area, year, population, source)
SELECT g.code, 2020, 20000 + (pg_catalog.abs(pg_catalog.hashtext(g.code::text)) % 181) * 1000,
       'illustrative figure for the demo, not census data'
FROM gridgov.grids g
WHERE g.level = 4 AND g.valid_to = 'infinity'
ON CONFLICT DO NOTHING;

-- The demo morning's month and the one before it (the map's "last complete month").
SELECT pg_catalog.date_trunc('month', COALESCE(pg_catalog.max(reported_day),
                                               (pg_catalog.now() AT TIME ZONE gridgov.analytics_time_zone())::date)
                                      - interval '1 month')::date AS last_month
FROM gridgov.case_stats \gset

INSERT INTO gridgov.cases (county, source, external_id, category, title, reporter_name, reporter_phone, location,
                           reported_at)
SELECT '110115', 'hotline', v.ext, v.category, v.title, '吕先生', v.phone,
       (SELECT ST_PointOnSurface(g.geom) FROM gridgov.grids g WHERE g.code = '110115004001001' AND g.valid_to = 'infinity'),
       ((:'last_month'::date + v.day)::timestamp + v.at) AT TIME ZONE 'Asia/Shanghai'
FROM (VALUES ('RC-001', 'H0901', '夜间工地施工噪声扰民', '+86 139-1115-0042', 3, time '23:10'),
             ('RC-002', 'H0901', '工地夜间又在施工，噪声很大', '13911150042', 6, time '23:40'),
             ('RC-003', 'H0901', '第三次反映夜间施工噪声', '１３９１１１５００４２', 12, time '00:20'),
             ('RC-004', 'H0902', '邻居家狗彻夜吠叫', '139 1115 0042', 14, time '22:05'),
             ('RC-005', 'H0902', '邻居家狗吠扰民，再次反映', '13911150042', 20, time '21:50')) v(ext, category, title, phone, day, at)
ON CONFLICT (county, source, external_id) DO NOTHING;
SELECT pg_catalog.count(gridgov.act(c.id, 'answer', '已答复并转施工单位', '{}', c.reported_at + interval '15 minutes'))
FROM gridgov.cases c WHERE c.external_id LIKE 'RC-%' AND c.state = 'received' \g /dev/null
SELECT gridgov.analytics_refresh_pending() \g /dev/null
\set QUIET off

\echo
\echo '== 8. Repeat callers (重点人群) of' :last_month '(3 calls or more on one topic in one community; a pseudonym, never the number)'
SELECT g.name AS community, r.topic, r.topic_name, r.caller, r.calls, r.open_cases, r.sources
FROM gridgov.repeat_callers((:'last_month'::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai', 31, 3) r
LEFT JOIN gridgov.grids g ON g.code = r.community AND g.valid_to = 'infinity'
ORDER BY r.calls DESC, r.community;

\echo
\echo '== Social-conditions index (社情指数) by town for' :last_month '(0-100, higher = more pressure; illustrative populations); the ten highest'
SELECT i.area_name AS town, i.population, i.reported, i.case_density, i.disputes, i.repeat_callers,
       i.satisfaction_rate, i.overdue_share, i.index
FROM gridgov.social_index(:'last_month', 'town') i
ORDER BY i.index DESC NULLS LAST, i.area
LIMIT 10;
\else
\echo '== 8. (no social-conditions index in this gridgov version: skipped)'
\endif

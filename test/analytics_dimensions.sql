-- The analysis dimensions (src/sql/088_dimensions.sql, docs/bi.md "Analysis
-- dimensions") on hand-placed cases with known answers, in a session whose
-- time zone is UTC (the dimensions count in the analytics time zone,
-- Asia/Shanghai): by source channel, main problems (against the previous
-- period and the same period a year before), key work items (category
-- prefixes and title words), the areas ranked, month x weekday x hour, the
-- live situation at a fixed as_of, the forecast's actual counts with the
-- prefix '' (every category), and bad arguments -> their SQLSTATEs.
BEGIN;
SELECT plan(48);
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'UTC';
\i sql/fixtures/cases.sql

-- Places: two unit grids of town 110115004, town 110115005 (no community).
CREATE TEMP TABLE places (n int, lon float8, lat float8);
INSERT INTO places VALUES (0, 116.45, 39.85), (1, 116.55, 39.85), (3, 116.30, 39.70);
CREATE FUNCTION put(src text, cat text, title text, place int, at timestamptz, copies int DEFAULT 1)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO gridgov.cases (source, category, title, location, reported_at)
    SELECT src::gridgov.case_source, cat, title, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), at
    FROM places p, generate_series(1, copies) WHERE p.n = place
$$;
-- February 2026 (1 February is a Sunday): 7 cases.
SELECT put('hotline', 'H0101', '暖气不热', 0, '2026-02-02 09:15+08', 2);
SELECT put('hotline', 'H0101', '夜间噪音扰民', 0, '2026-02-02 09:15+08');
SELECT put('patrol', 'E0102', 'p', 3, '2026-02-04 14:30+08', 2);
SELECT put('app', 'E0102', 'p', 1, '2026-02-07 22:05+08');
SELECT put('video', 'E0505', 'p', 0, '2026-02-28 23:59+08');    -- 15:59 UTC: still February locally
SELECT put('patrol', 'E0102', 'p', 3, '2026-03-01 00:00:30+08'); -- 28 February in UTC: March locally
-- January 2026: 5 cases; February 2025: 3 cases.
SELECT put('hotline', 'H0101', '暖气漏水', 0, '2026-01-05 10:00+08');
SELECT put('hotline', 'H0101', 'p', 0, '2026-01-05 10:00+08');
SELECT put('patrol', 'E0102', 'p', 3, '2026-01-06 08:00+08');
SELECT put('leader', 'E0102', 'p', 1, '2026-01-31 22:00+08');
SELECT put('leader', 'E0102', 'p', 1, '2026-01-31 23:30+08');
SELECT put('hotline', 'H0101', 'p', 0, '2025-02-10 10:00+08');
SELECT put('patrol', 'E0102', 'p', 3, '2025-02-11 10:00+08', 2);

-- The February hotline cases are handled and called back (town 110115004 gets a score).
CREATE FUNCTION walk(cid bigint, t0 timestamptz, sat text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a text;
    n int := 0;
    st text;
BEGIN
    FOREACH a IN ARRAY '{dispatch,sign,contact,handle,reply,callback,close}'::text[] LOOP
        n := n + 1;
        st := (gridgov.act(cid, a, NULL,
                CASE WHEN a = 'callback' THEN jsonb_build_object('solved', true, 'satisfaction', sat) ELSE '{}' END,
                t0 + n * interval '10 minutes')).state;
    END LOOP;
    RETURN st;
END $$;
SELECT is((SELECT array_agg(walk(id, reported_at, 'satisfied') ORDER BY id) FROM gridgov.cases
           WHERE source = 'hotline' AND reported_at = '2026-02-02 09:15+08'),
          ARRAY['closed', 'closed', 'closed'], 'three hotline cases walked to closed');

-- 1. By source channel --------------------------------------------------------------------
SELECT results_eq($$SELECT area::text, source, reported, share, previous_reported, change_pct
                    FROM gridgov.source_stats('month', 'county', '2026-02-10', '2026-02-11')$$,
                  $$VALUES ('110115', 'hotline', 3::bigint, 42.86, 2::bigint, 50.00),
                           ('110115', 'patrol', 2, 28.57, 1, 100.00),
                           ('110115', 'app', 1, 14.29, 0, NULL),
                           ('110115', 'video', 1, 14.29, 0, NULL)$$,
                  'source_stats: February''s whole month by channel, shares and the change against January');
SELECT results_eq($$SELECT period_start, area::text, source, reported
                    FROM gridgov.source_stats('month', 'town', '2026-01-01', '2026-03-01')$$,
                  $$VALUES ('2026-01-01'::date, '110115004', 'hotline', 2::bigint), ('2026-01-01', '110115004', 'leader', 2),
                           ('2026-01-01', '110115005', 'patrol', 1),
                           ('2026-02-01', '110115004', 'hotline', 3), ('2026-02-01', '110115004', 'app', 1),
                           ('2026-02-01', '110115004', 'video', 1), ('2026-02-01', '110115005', 'patrol', 2)$$,
                  'source_stats: by town over two months');
SELECT is((SELECT (dispatched, response_rate, called_back, resolution_rate, satisfaction_rate)::text
           FROM gridgov.source_stats('month', 'town', '2026-02-01', '2026-03-01') WHERE source = 'hotline'),
          '(3,100.00,3,100.00,100.00)', 'source_stats: the three rates of the walked cases');
SELECT is((SELECT score FROM gridgov.source_stats('month', 'town', '2026-02-01', '2026-03-01') WHERE source = 'hotline'),
          (SELECT score FROM gridgov.three_rates WHERE period = 'month' AND period_start = '2026-02-01'
             AND level = 'town' AND area = '110115004' AND department_id IS NULL AND dispatched = 3),
          'source_stats: the score as three_rates scores (the only dispatched cases of the town)');
SELECT results_eq($$SELECT source, reported FROM gridgov.source_stats('day', 'grid', '2026-02-07', '2026-02-08')$$,
                  $$VALUES ('app', 1::bigint)$$, 'source_stats: a day at grid level');
SELECT is((SELECT count(*)::int FROM gridgov.source_stats('month', 'county', '2026-02-01', '2026-03-01', '110115005')),
          1, 'source_stats: within a town, only its cases');

-- 2. Main problems --------------------------------------------------------------------------
SELECT results_eq($$SELECT category, category_name IS NOT NULL, cases, share, previous_cases, change_pct,
                           last_year_cases, year_change_pct, rank
                    FROM gridgov.top_problems('month', 'county', '2026-02-01', '2026-03-01', NULL, 'major', 2)$$,
                  $$VALUES ('E01', true, 3::bigint, 42.86, 3::bigint, 0.00, 2::bigint, 50.00, 1),
                           ('H01', true, 3, 42.86, 2, 50.00, 1, 200.00, 1)$$,
                  'top_problems: the two leading major classes tie at rank 1, against January and February 2025');
SELECT results_eq($$SELECT category, cases, rank
                    FROM gridgov.top_problems('month', 'county', '2026-02-01', '2026-03-01', NULL, 'minor')$$,
                  $$VALUES ('E0102', 3::bigint, 1), ('H0101', 3, 1), ('E0505', 1, 3)$$,
                  'top_problems: minor classes, a tie then rank 3');
SELECT results_eq($$SELECT area::text, category, cases, rank
                    FROM gridgov.top_problems('week', 'town', '2026-02-02', '2026-02-09', NULL, 'category', 1)$$,
                  $$VALUES ('110115004', 'H0101', 3::bigint, 1), ('110115005', 'E0102', 2, 1)$$,
                  'top_problems: the top category per town in an ISO week');

-- 3. Key work items ---------------------------------------------------------------------------
INSERT INTO gridgov.key_work_items (code, name, valid_from, valid_to, category_prefixes, title_words)
VALUES ('heating', '冬季供暖保障', '2026-01-01', '2026-03-01', '{E05}', '{暖气}'),
       ('spring', '春季市容整治', '2026-03-01', 'infinity', '{E01}', '{}');
SELECT results_eq($$SELECT period_start, item, item_name, reported, share, previous_reported, change_pct
                    FROM gridgov.key_work_stats('month', 'county', '2026-01-01', '2026-04-01')$$,
                  $$VALUES ('2026-01-01'::date, 'heating', '冬季供暖保障', 1::bigint, 20.00, 0::bigint, NULL::numeric),
                           ('2026-02-01', 'heating', '冬季供暖保障', 3, 42.86, 1, 200.00),
                           ('2026-03-01', 'spring', '春季市容整治', 1, 100.00, 0, NULL)$$,
                  'key_work_stats: title words or category prefixes, within the item''s validity');
SELECT throws_ok($$INSERT INTO gridgov.key_work_items (code, name, category_prefixes) VALUES ('x', 'x', '{E0}')$$,
                 '23514', NULL, 'key_work_items: a malformed prefix is 23514');
SELECT throws_ok($$INSERT INTO gridgov.key_work_items (code, name) VALUES ('x', 'x')$$,
                 '23514', NULL, 'key_work_items: an item that matches nothing is 23514');
SELECT throws_ok($$INSERT INTO gridgov.key_work_items (code, name, title_words) VALUES ('x', 'x', '{" "}')$$,
                 '23514', NULL, 'key_work_items: a blank word is 23514');
SELECT throws_ok($$INSERT INTO gridgov.key_work_items (code, name, title_words) VALUES ('x', 'x', ARRAY[NULL::text])$$,
                 '23514', NULL, 'key_work_items: a NULL word is 23514');
SELECT ok((SELECT 'gridgov.key_work_items'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'gridgov'),
          'key_work_items are dumped (pg_extension_config_dump)');

-- 4. The areas ranked ---------------------------------------------------------------------------
SELECT results_eq($$SELECT area::text, area_name, reported, rank::int, volume_rank::int, score IS NOT NULL
                    FROM gridgov.area_ranking WHERE period = 'month' AND level = 'town' AND period_start = '2026-02-01'
                    ORDER BY rank, area$$,
                  $$VALUES ('110115004', '亦庄地区', 5::bigint, 1, 1, true), ('110115005', '黄村地区', 2, 2, 2, false)$$,
                  'area_ranking: the town with a score first, the one without last');
SELECT results_eq($$SELECT area::text, rank::int, volume_rank::int
                    FROM gridgov.area_ranking WHERE period = 'week' AND level = 'grid' AND period_start = '2026-02-02'
                    ORDER BY area$$,
                  $$VALUES ('110115004001001', 1, 1), ('110115004001002', 2, 3), ('110115005', 2, 2)$$,
                  'area_ranking: grids without a score tie after the one with a score; the volume ranks differ');
SELECT ok((SELECT abs(density - reported / area_km2) < 0.01 AND area_km2 > 100
           FROM gridgov.area_ranking WHERE period = 'month' AND level = 'town' AND period_start = '2026-02-01'
             AND area = '110115004'),
          'area_ranking: density is cases per km² of the current outline');
SELECT is_empty($$SELECT period_start, area, score FROM gridgov.area_ranking WHERE period = 'month' AND level = 'town'
                    AND reported > 0
                  EXCEPT SELECT period_start, area, score FROM gridgov.three_rates
                  WHERE period = 'month' AND level = 'town' AND department_id IS NULL$$,
                'area_ranking: the scores of three_rates');

-- 5. Month x weekday x hour, in Asia/Shanghai --------------------------------------------------
SELECT results_eq($$SELECT month, weekday, hour, cases FROM gridgov.season_profile('2026-02-01', '2026-03-01')$$,
                  $$VALUES (2, 1, 9, 3::bigint), (2, 3, 14, 2), (2, 6, 22, 1), (2, 6, 23, 1)$$,
                  'season_profile: local month, ISO weekday and hour; 23:59 on 28 February is February''s');
SELECT results_eq($$SELECT month, weekday, hour, cases FROM gridgov.season_profile('2025-01-01', '2026-12-31', '110115005', 'E')$$,
                  $$VALUES (1, 2, 8, 1::bigint), (2, 2, 10, 2), (2, 3, 14, 2), (3, 7, 0, 1)$$,
                  'season_profile: within a town, one kind of category, over two years');

-- 6. The live situation on Saturday 7 February 2026 at 23:00 -------------------------------------
SELECT results_eq($$SELECT town::text, source, today, same_time_avg, same_time_max, change_pct, open_cases
                    FROM gridgov.live_situation('2026-02-07 23:00+08')$$,
                  $$VALUES ('110115004', 'app', 1::bigint, 0.00, 0::bigint, NULL::numeric, 1::bigint),
                           ('110115004', 'hotline', 0, 0.43, 3, -100.00, 3),
                           ('110115004', 'leader', 0, 0.14, 1, -100.00, 2),
                           ('110115005', 'patrol', 0, 0.29, 2, -100.00, 5)$$,
                  'live_situation: today so far against the same time of the 7 days before (22:00 on 31 January in, 23:30 out), open cases reported by as_of');
SELECT is((SELECT sum(overdue) FROM gridgov.live_situation('2026-02-07 23:00+08')),
          (SELECT sum(overdue) FROM gridgov.sla_board_at('2026-02-07 23:00+08')),
          'live_situation: overdue as sla_board_at counts it');
SELECT ok((SELECT sum(overdue) > 0 FROM gridgov.live_situation('2026-02-07 23:00+08')), 'some cases are overdue then');
SELECT is((SELECT sum(due_today)::int FROM gridgov.live_situation('2026-02-07 23:00+08')),
          (SELECT count(DISTINCT (k.county, k.case_id))::int FROM gridgov.case_clocks k JOIN gridgov.cases c ON c.id = k.case_id
           WHERE k.met_at IS NULL AND k.cancelled_at IS NULL AND k.paused_at IS NULL AND c.closed_at IS NULL
             AND c.reported_at <= '2026-02-07 23:00+08'
             AND k.due_at >= '2026-02-07 23:00+08' AND k.due_at < '2026-02-08 00:00+08'),
          'live_situation: due today = a running clock due before local midnight');
SELECT is((SELECT sum(today)::int FROM gridgov.live_situation('2026-03-01 00:00:10+08')), 0,
          'live_situation: ten seconds into a day, nothing yet (the case at 00:00:30 is later)');

-- 7. The forecast's actual counts: prefix '' is every category -------------------------------------
SELECT results_eq($$SELECT period_start, cases FROM gridgov.forecast_actuals('110115', '', 'day', 7, '2026-02-08 08:00+08')$$,
                  $$VALUES ('2026-02-01'::date, 0), ('2026-02-02', 3), ('2026-02-03', 0), ('2026-02-04', 2),
                           ('2026-02-05', 0), ('2026-02-06', 0), ('2026-02-07', 1)$$,
                  'forecast_actuals: the 7 days before as_of''s day, every category');
SELECT throws_ok($$SELECT * FROM gridgov.forecast_volume('110115', '', 'day', 14, '2026-02-08 08:00+08')$$,
                 'GG301', NULL, 'forecast_volume: prefix '''' is accepted (then too little history here)');

SELECT is((SELECT (p->>'area', p->>'name', jsonb_array_length(p->'actual'), p->'actual'->1->>'cases', p->'forecast',
                    p->>'problem' LIKE 'too little history for a day forecast of 110115%')::text
           FROM gridgov.forecast_panel(NULL, '2026-02-08 08:00+08', 7, 14) p),
          '(110115,大兴区,7,3,null,t)', 'forecast_panel: the home county''s actual counts; with too little history no forecast, and why');

-- 8. Who may read them: the analytics' readers, counts as the owner; not a department.
CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_dim_analyst NOLOGIN IN ROLE gridgov_analyst;
CREATE ROLE gg_dim_department NOLOGIN IN ROLE gridgov_department;
SET LOCAL ROLE gg_dim_analyst;
SELECT results_eq($$SELECT sum(reported)::int FROM gridgov.source_stats('month', 'county', '2026-02-01', '2026-03-01')$$,
                  ARRAY[7], 'an analyst reads the dimensions (counts as the owner, without rights on case_stats)');
SELECT results_eq($$SELECT count(*)::int FROM gridgov.key_work_items$$, ARRAY[2], 'and the key work items');
SELECT throws_ok($$INSERT INTO gridgov.key_work_items (code, name, title_words) VALUES ('x', 'x', '{x}')$$, '42501', NULL,
                 'but does not write them');
RESET ROLE;
SET LOCAL ROLE gg_dim_department;
SELECT throws_ok($$SELECT * FROM gridgov.live_situation('2026-02-07 23:00+08')$$, '42501', NULL,
                 'a department may not read the live situation of every town');
RESET ROLE;

-- 9. Bad arguments -----------------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM gridgov.source_stats(NULL, 'town', '2026-01-01', '2026-02-01')$$, '22004', NULL,
                 'source_stats: NULL period is 22004');
SELECT throws_ok($$SELECT * FROM gridgov.source_stats('year', 'town', '2026-01-01', '2026-02-01')$$, '22023',
                 'period must be day, week or month, not "year"', 'an unknown period is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.key_work_stats('month', 'street', '2026-01-01', '2026-02-01')$$, '22023',
                 'level must be county, town, community or grid, not "street"', 'an unknown level is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.top_problems('month', 'town', '2026-02-01', '2026-01-01')$$, '22023', NULL,
                 'from_day after to_day is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.season_profile('2000-01-01', '2030-01-01')$$, '22023',
                 'a range of at most 3,660 days, not 10958', 'a huge range is 22023');
-- (a month's start 4713 BC, or a year before it, is out of range: 22008 before)
SELECT throws_ok($$SELECT * FROM gridgov.top_problems('month', 'town', '4713-01-01 BC', '4713-03-01 BC')$$, '22023', NULL,
                 'days before 1949 are 22023');
SELECT throws_ok($$SELECT * FROM gridgov.source_stats('week', 'town', '5874897-12-20', '5874897-12-31')$$, '22023', NULL,
                 'days after 2200 are 22023');
SELECT throws_ok($$SELECT * FROM gridgov.season_profile('2026-01-01', 'infinity')$$, '22023', NULL,
                 'an infinite day is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.top_problems('month', 'town', '2026-01-01', '2026-02-01', NULL, 'sub')$$,
                 '22023', NULL, 'an unknown category level is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.top_problems('month', 'town', '2026-01-01', '2026-02-01', NULL, 'major', 0)$$,
                 '22023', NULL, 'top 0 is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.season_profile('2026-01-01', '2026-02-01', NULL, 'X1')$$, '42704', NULL,
                 'an unknown category prefix is 42704');
SELECT throws_ok($$SELECT * FROM gridgov.live_situation(NULL)$$, '22004', NULL, 'live_situation: NULL as_of is 22004');
SELECT throws_ok($$SELECT * FROM gridgov.live_situation('infinity')$$, '22023', NULL,
                 'live_situation: an infinite as_of is 22023');
SELECT throws_ok($$SELECT * FROM gridgov.live_situation(now() + interval '3 days')$$, '22023',
                 'as_of must not be in the future', 'live_situation: an as_of after tomorrow is 22023');

SELECT * FROM finish();
ROLLBACK;

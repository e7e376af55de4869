-- tools/forecast_history.sql: a multi-year history of closed cases with the
-- shape of a real one (docs/bi.md, "The generated history"), imported through
-- gridgov.import_history() (docs/history-import.md), to develop, test and
-- benchmark the volume forecasts on (test/bench/150_forecast.sh, the demo).
--
--   psql -v since=2023-01-01 -v until=2026-12-01 -v per_day=200 -f tools/forecast_history.sql
--
-- Variables (psql -v NAME=VALUE):
--   since     first day (default 2023-01-01)
--   until     day after the last (default today; the import refuses the future)
--   per_day   mean cases a day over the city before the shapes below (default 200)
--   seed      setseed() value in [-1, 1] (default 0.18): the same seed gives the
--             same history
--   prefix    the external ids' prefix (default fh): case N of a day becomes
--             <prefix>-YYYYMMDD-<category>-<N>
--
-- The shape (each factor multiplies a category's expected count of a day; the
-- count is a Poisson draw of the product):
--   trend      +8 % a year;
--   weekday    hotline: Monday 1.15, Tuesday-Friday 1.05, Saturday 0.70, Sunday
--              0.65; grid events (patrols, video, app): Monday-Friday 1.15,
--              Saturday 0.60, Sunday 0.50; disputes: weekdays 1.10, weekend 0.78;
--              an adjusted working day (调休补班) counts as a Wednesday;
--   holidays   (calendar cn) a day off 0.60 (grid events 0.45, disputes 0.50);
--              Spring Festival's days off 0.35, the 7 days before it falling
--              from 0.95 to 0.71, the 10 days after it rising from 0.70 to 1.0;
--              Golden Week 0.55;
--   seasons    H0701 heating (室温不达标): 0.25 outside the heating season, 6 from
--              15 November to 15 March and 10 in its first two weeks;
--              E0406 water logging (道路积水): 0.2, June and September 1.5, July
--              and August 8, with storm days (one in six) three times that;
--              H0901 construction noise: 1.4 from May to September; H0801 water
--              cuts: 1.3 in December-February, 1.2 in July-August; E0102 exposed
--              rubbish: 1 + 0.2 x cos (peak in July); the others none;
--   noise      a weekly level per workflow (log-normal, sd 0.06) and a daily
--              one per category (sd 0.05).
-- Category shares: H0201 14 %, H0601 12 %, H0801 6 %, H0901 8 %, H0701 6 %,
-- H1301 5 %, E0102 15 %, E0103 6 %, E0406 4 %, E0501 8 %, C0101 4 %,
-- D0101 6 %, D0301 6 %.
--
-- Each case: reported between 08:00 and 20:00 (Asia/Shanghai), at one of four
-- points in each current general unit grid (as tools/corpus_history.sql on
-- branch tmbench places its cases), routed by gridgov.route(), closed along a
-- short timeline of its workflow (file, dispatch, sign, handle, verify, callback,
-- close; hotline: dispatch, sign, contact, handle, reply, callback, close;
-- disputes: mediate, agree, follow up, close), every callback solved and
-- satisfied.  It needs the city's grids and an organisation that routes every
-- category (tools/democity.sql, tools/demo/030_organisation.sql) and empty
-- staging tables; it stages, imports and empties them in one transaction.
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\if :{?since}
\else
\set since 2023-01-01
\endif
\if :{?until}
\else
SELECT pg_catalog.current_date AS until \gset
\endif
\if :{?per_day}
\else
\set per_day 200
\endif
\if :{?seed}
\else
\set seed 0.18
\endif
\if :{?prefix}
\else
\set prefix fh
\endif

BEGIN;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM gridgov.import_cases) OR EXISTS (SELECT 1 FROM gridgov.import_steps) THEN
        RAISE EXCEPTION 'the staging tables gridgov.import_cases and gridgov.import_steps are not empty'
            USING ERRCODE = '55000', HINT = 'Import or empty what is staged there first.';
    END IF;
END
$$;
SELECT pg_catalog.setseed(:'seed') \g /dev/null

CREATE TEMP TABLE fh_cats (category text, share float8, workflow text) ON COMMIT DROP;
INSERT INTO fh_cats
SELECT v.category, v.share, c.workflow
FROM (VALUES ('H0201', 0.14), ('H0601', 0.12), ('H0801', 0.06), ('H0901', 0.08), ('H0701', 0.06),
             ('H1301', 0.05), ('E0102', 0.15), ('E0103', 0.06), ('E0406', 0.04), ('E0501', 0.08),
             ('C0101', 0.04), ('D0101', 0.06), ('D0301', 0.06)) v(category, share)
JOIN gridgov.categories c ON c.code = v.category;

-- The days with their calendar, the weekly levels, the storms.
CREATE TEMP TABLE fh_days ON COMMIT DROP AS
SELECT d.*, EXTRACT(isodow FROM d.day)::integer AS dow, EXTRACT(month FROM d.day)::integer AS month,
       (d.day - :'since'::date) / 365.2425 AS years,
       pg_catalog.random() < 1.0 / 6 AS storm,
       (SELECT pg_catalog.min(s.day) FROM gridgov.forecast_calendar_days(d.day - 8, d.day + 8) s
        WHERE s.spring_festival AND s.day > d.day) AS sf_next,
       (SELECT pg_catalog.max(s.day) FROM gridgov.forecast_calendar_days(d.day - 10, d.day + 1) s
        WHERE s.spring_festival AND s.day < d.day) AS sf_last
FROM gridgov.forecast_calendar_days(:'since'::date, :'until'::date) d;
CREATE TEMP TABLE fh_weeks ON COMMIT DROP AS
SELECT w.week, f.workflow,
       0.06 * pg_catalog.sqrt(-2 * pg_catalog.ln(1 - pg_catalog.random())) * pg_catalog.cos(2 * pg_catalog.pi() * pg_catalog.random()) AS level
FROM (SELECT DISTINCT pg_catalog.date_trunc('week', day)::date AS week FROM fh_days) w
CROSS JOIN (SELECT DISTINCT workflow FROM fh_cats) f;

-- Expected count of each day x category, then its Poisson draw.
CREATE TEMP TABLE fh_counts ON COMMIT DROP AS
SELECT x.day, x.category, x.workflow,
       gridgov.nb_quantile(x.mu, 0, pg_catalog.random()) AS n
FROM (
    SELECT d.day, c.category, c.workflow,
           :'per_day'::float8 * c.share * pg_catalog.power(1.08, d.years)
           -- weekday (an adjusted working day as a Wednesday)
           * CASE WHEN d.workday THEN CASE c.workflow WHEN 'hotline' THEN 1.05 WHEN 'grid_event' THEN 1.15 ELSE 1.10 END
                  ELSE CASE c.workflow
                       WHEN 'hotline' THEN (ARRAY[1.15, 1.05, 1.05, 1.05, 1.05, 0.70, 0.65])[d.dow]
                       WHEN 'grid_event' THEN (ARRAY[1.15, 1.15, 1.15, 1.15, 1.15, 0.60, 0.50])[d.dow]
                       ELSE (ARRAY[1.10, 1.10, 1.10, 1.10, 1.10, 0.78, 0.78])[d.dow] END END
           -- holidays
           * CASE WHEN d.spring_festival THEN 0.35
                  WHEN d.golden_week THEN 0.55
                  WHEN d.holiday THEN CASE c.workflow WHEN 'hotline' THEN 0.60 WHEN 'grid_event' THEN 0.45 ELSE 0.50 END
                  WHEN d.sf_next IS NOT NULL THEN 0.99 - 0.04 * (8 - (d.sf_next - d.day))
                  WHEN d.sf_last IS NOT NULL THEN 0.70 + 0.03 * (d.day - d.sf_last)
                  ELSE 1 END
           -- seasons
           * CASE c.category
                 WHEN 'H0701' THEN CASE WHEN (d.month = 11 AND EXTRACT(day FROM d.day) BETWEEN 15 AND 29) THEN 10
                                        WHEN (d.month = 11 AND EXTRACT(day FROM d.day) >= 15) OR d.month IN (12, 1, 2)
                                             OR (d.month = 3 AND EXTRACT(day FROM d.day) <= 15) THEN 6
                                        ELSE 0.25 END
                 WHEN 'E0406' THEN CASE WHEN d.month IN (7, 8) THEN 8 * CASE WHEN d.storm THEN 3 ELSE 1 END
                                        WHEN d.month IN (6, 9) THEN 1.5 ELSE 0.2 END
                 WHEN 'H0901' THEN CASE WHEN d.month BETWEEN 5 AND 9 THEN 1.4 ELSE 1 END
                 WHEN 'H0801' THEN CASE WHEN d.month IN (12, 1, 2) THEN 1.3 WHEN d.month IN (7, 8) THEN 1.2 ELSE 1 END
                 WHEN 'E0102' THEN 1 + 0.2 * pg_catalog.cos(2 * pg_catalog.pi() * (EXTRACT(doy FROM d.day) - 196) / 365.25)
                 ELSE 1 END
           -- noise: the week's level of the workflow, the day's of the category
           * pg_catalog.exp(w.level + 0.05 * pg_catalog.sqrt(-2 * pg_catalog.ln(1 - pg_catalog.random()))
                                           * pg_catalog.cos(2 * pg_catalog.pi() * pg_catalog.random())) AS mu
    FROM fh_days d
    CROSS JOIN fh_cats c
    JOIN fh_weeks w ON w.week = pg_catalog.date_trunc('week', d.day)::date AND w.workflow = c.workflow
) x;

-- Four points in each current general unit grid valid since before the first day.
CREATE TEMP TABLE fh_points ON COMMIT DROP AS
SELECT pg_catalog.row_number() OVER (ORDER BY g.code, d.path) AS i, g.code AS grid, d.geom
FROM gridgov.grids g
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.geom, 4, 1)) d
WHERE g.valid_to = 'infinity' AND g.kind = 'general'
  AND g.valid_from <= :'since'::date
  AND NOT EXISTS (SELECT 1 FROM gridgov.grids s
                  WHERE s.valid_to = 'infinity' AND s.code OPERATOR(gridgov.<@) g.code
                    AND s.code OPERATOR(gridgov.<>) g.code);
SELECT pg_catalog.count(*) AS npoints FROM fh_points \gset

CREATE TEMP TABLE fh_drawn ON COMMIT DROP AS
SELECT c.day, c.category, c.workflow, k, 1 + (pg_catalog.random() * (:npoints - 1))::bigint AS point,
       pg_catalog.random() AS at, 0.5 + pg_catalog.random() AS pace
FROM fh_counts c
CROSS JOIN LATERAL pg_catalog.generate_series(1, c.n) k;
CREATE TEMP TABLE fh_cases ON COMMIT DROP AS
SELECT :'prefix' || '-' || pg_catalog.to_char(c.day, 'YYYYMMDD') || '-' || c.category || '-' || c.k AS external_id,
       c.category, c.workflow, p.grid, p.geom,
       (c.day + interval '8 hours' + c.at * interval '12 hours')::timestamp AT TIME ZONE 'Asia/Shanghai' AS reported_at,
       c.pace
FROM fh_drawn c
JOIN fh_points p ON p.i = c.point;

CREATE TEMP TABLE fh_routes ON COMMIT DROP AS
SELECT x.category, x.grid, d.code AS department
FROM (SELECT DISTINCT category, grid FROM fh_cases) x
LEFT JOIN gridgov.departments d ON d.id = gridgov.route(x.category, x.grid);

INSERT INTO gridgov.import_cases (county, source, external_id, category, title, location, coord_system,
                                  department, reported_at)
SELECT gridgov.case_county(c.geom, 'wgs84', NULL, c.reported_at),
       (CASE c.workflow WHEN 'hotline' THEN 'hotline' WHEN 'dispute' THEN 'department'
             ELSE (ARRAY['patrol', 'video', 'app'])[1 + pg_catalog.abs(pg_catalog.hashtext(c.external_id)) % 3] END)::gridgov.case_source,
       c.external_id, c.category, cat.name || '（历史）', c.geom, 'wgs84', r.department, c.reported_at
FROM fh_cases c
JOIN gridgov.categories cat ON cat.code = c.category
LEFT JOIN fh_routes r ON r.category = c.category AND r.grid OPERATOR(gridgov.=) c.grid;

CREATE TEMP TABLE fh_timeline (workflow text, seq integer, action text, hours numeric, dept boolean, answer boolean)
    ON COMMIT DROP;
INSERT INTO fh_timeline VALUES
    ('grid_event', 1, 'file', 0.3, false, false), ('grid_event', 2, 'dispatch', 0.5, true, false),
    ('grid_event', 3, 'sign', 1.5, true, false), ('grid_event', 4, 'handle', 20, true, false),
    ('grid_event', 5, 'verify_pass', 22, false, false), ('grid_event', 6, 'callback', 26, false, true),
    ('grid_event', 7, 'close', 26.2, false, false),
    ('hotline', 1, 'dispatch', 0.3, true, false), ('hotline', 2, 'sign', 2, true, false),
    ('hotline', 3, 'contact', 3, true, false), ('hotline', 4, 'handle', 30, true, false),
    ('hotline', 5, 'reply', 31, true, false), ('hotline', 6, 'callback', 48, false, true),
    ('hotline', 7, 'close', 48.2, false, false),
    ('dispute', 1, 'mediate', 2, true, false), ('dispute', 2, 'agree', 40, true, false),
    ('dispute', 3, 'follow_up', 46, false, true), ('dispute', 4, 'close', 46.2, false, false);
-- The callback answers: solved and satisfied with a town x month probability
-- (below), each case's draws from a hash of its external id (they take no
-- random() draws, so that the counts above stay those of the seed).
CREATE FUNCTION pg_temp.fh_uniform(key text) RETURNS float8 LANGUAGE sql IMMUTABLE
RETURN (pg_catalog.abs(pg_catalog.hashtext(key)::bigint) % 1000003) / 1000003.0;
CREATE FUNCTION pg_temp.fh_normal(key text) RETURNS float8 LANGUAGE sql IMMUTABLE
RETURN pg_catalog.sqrt(-2 * pg_catalog.ln(1 - pg_temp.fh_uniform(key || ':a')))
       * pg_catalog.cos(2 * pg_catalog.pi() * pg_temp.fh_uniform(key || ':b'));
CREATE TEMP TABLE fh_answers ON COMMIT DROP AS
WITH u AS (
    SELECT c.external_id, pg_catalog.left(c.grid::text, 9) AS town,
           pg_catalog.date_trunc('month', c.reported_at AT TIME ZONE 'Asia/Shanghai')::date AS month
    FROM fh_cases c
), tm AS (
    -- a town's level and a drift of the month that lasts three months (a sum of
    -- three monthly draws), on the logit scale
    SELECT x.town, x.month,
           pg_temp.fh_uniform(x.town || ':solved') AS level_s, pg_temp.fh_uniform(x.town || ':satisfied') AS level_a,
           (SELECT pg_catalog.sum(pg_temp.fh_normal(x.town || ':' || (x.month - k * interval '1 month')::date))
            FROM pg_catalog.generate_series(0, 2) k) AS drift
    FROM (SELECT DISTINCT u.town, u.month FROM u) x
)
SELECT u.external_id,
       pg_temp.fh_uniform(u.external_id || ':solved')
           < 1 / (1 + pg_catalog.exp(-(1.0 + 1.6 * tm.level_s + 0.25 * tm.drift))) AS solved,
       pg_temp.fh_uniform(u.external_id || ':satisfied')
           < 1 / (1 + pg_catalog.exp(-(1.4 + 1.8 * tm.level_a + 0.25 * tm.drift))) AS satisfied
FROM u JOIN tm ON tm.town = u.town AND tm.month = u.month;
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action, department, solved, satisfaction)
SELECT s.county, s.source, s.external_id, t.seq, c.reported_at + t.hours * c.pace * interval '1 hour', t.action,
       CASE WHEN t.dept THEN s.department END,
       CASE WHEN t.answer THEN a.solved END,
       CASE WHEN t.answer THEN CASE WHEN a.satisfied THEN 'satisfied' ELSE 'unsatisfied' END::gridgov.satisfaction END
FROM gridgov.import_cases s
JOIN fh_cases c ON c.external_id = s.external_id
JOIN fh_answers a ON a.external_id = s.external_id
JOIN fh_timeline t ON t.workflow = c.workflow
WHERE c.reported_at + t.hours * c.pace * interval '1 hour' < pg_catalog.now();

SELECT staged, imported, skipped, rejected FROM gridgov.import_history() \gset
SELECT pg_catalog.set_config('fh.rejected', :'rejected', true), pg_catalog.set_config('fh.staged', :'staged', true),
       pg_catalog.set_config('fh.prefix', :'prefix', true) \g /dev/null
DO $$
DECLARE
    reasons text;
BEGIN
    IF pg_catalog.current_setting('fh.rejected')::bigint > 0 THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('%s x %s', n, reason), '; ' ORDER BY n DESC, reason) INTO reasons
        FROM (SELECT reason, pg_catalog.count(*) AS n FROM gridgov.import_rejects
              WHERE external_id LIKE pg_catalog.current_setting('fh.prefix') || '-%'
              GROUP BY reason ORDER BY n DESC, reason LIMIT 5) r;
        RAISE EXCEPTION 'the import refused % of the history''s % cases: nothing imported',
            pg_catalog.current_setting('fh.rejected'), pg_catalog.current_setting('fh.staged')
            USING ERRCODE = '22023', DETAIL = 'Reasons: ' || reasons || '.';
    END IF;
END
$$;
TRUNCATE gridgov.import_cases, gridgov.import_steps;
COMMIT;
\echo 'forecast history' :since '-' :until ': ' :staged 'cases staged, ' :imported 'imported, ' :skipped 'already there (skipped)'

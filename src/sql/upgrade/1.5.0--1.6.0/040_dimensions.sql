-- The analysis dimensions (src/sql/088_dimensions.sql).
-- ---------------------------------------------------------------------------
-- analytics: the seed's dimensions of analysis (来源渠道、主要问题、发生区域、
-- 季节周期、重点工作、实时运行态势、考核排名) over the one definition of what a
-- case counts for (gridgov.stat_rows()).
--
-- gridgov.source_stats() and gridgov.key_work_stats() give volume, the three
-- rates and timeliness per period x area x channel (or key work item), with
-- the share of the period's total and the change against the previous
-- period; gridgov.top_problems() the leading categories per period x area
-- with their change against the previous period and the same period a year
-- before; gridgov.area_ranking ranks the areas of a level (a town ranking
-- beside department_ranking) from gridgov.kpi; gridgov.season_profile() counts
-- reports by local month x weekday x hour; gridgov.key_work_items holds the
-- key work items (重点工作) as data, matched on category prefixes and words
-- of the title (counts only, never a text); gridgov.live_situation(as_of) is
-- today's intake so far against the same time of the previous 7 days, with the
-- open, overdue, due-today and escalated cases, by town x source.  They read
-- as the owner and give counts only.  docs/bi.md ("Analysis dimensions").
-- SQLSTATEs: 22004 NULL argument, 22023 bad period, level, range or number,
-- 42704 unknown category prefix, 23514 a bad key work item.
-- ---------------------------------------------------------------------------

-- Arguments --------------------------------------------------------------------------

CREATE FUNCTION gridgov.category_prefix_check(category_prefix text) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF category_prefix !~ '^([CEHD]([0-9]{2}){0,3})?$'
       OR NOT EXISTS (SELECT 1 FROM gridgov.categories c
                      WHERE c.code >= category_prefix AND c.code < category_prefix || '~') THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('no category code starts with "%s"', pg_catalog.left(category_prefix, 20)),
            HINT = 'A category prefix is empty (every category), a kind letter (C, E, H, D) or a category code of gridgov.categories, e.g. H07 or E0406.';
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.category_prefix_check(text) IS
    'Internal: checks a category prefix: empty (every category), a kind letter or a category code that some code of gridgov.categories starts with; 42704 otherwise';

CREATE FUNCTION gridgov.dimension_check(period text, level text, from_day date, to_day date) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF period IS NULL OR level IS NULL OR from_day IS NULL OR to_day IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'period, level, from_day and to_day must not be NULL';
    END IF;
    IF period NOT IN ('day', 'week', 'month') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('period must be day, week or month, not "%s"', pg_catalog.left(period, 20));
    END IF;
    IF level NOT IN ('county', 'town', 'community', 'grid') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('level must be county, town, community or grid, not "%s"', pg_catalog.left(level, 20));
    END IF;
    PERFORM gridgov.day_range_check(from_day, to_day);
END
$$;
COMMENT ON FUNCTION gridgov.dimension_check(text, text, date, date) IS
    'Internal: checks the arguments the dimension functions share: none NULL (22004), period day, week or month, level county, town, community or grid, and a day range as gridgov.day_range_check (22023)';

CREATE FUNCTION gridgov.day_range_check(from_day date, to_day date) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF from_day IS NULL OR to_day IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'from_day and to_day must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(from_day) OR NOT pg_catalog.isfinite(to_day) OR from_day >= to_day THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('from_day must be before to_day and both finite, not %s and %s', from_day, to_day);
    END IF;
    -- (a period's start, a year before, and local times of the days must exist: 4713 BC raised 22008)
    IF from_day < date '1949-01-01' OR to_day > date '2201-01-01' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('from_day and to_day must lie in 1949 to 2200, not %s and %s', from_day, to_day);
    END IF;
    IF to_day - from_day > 3660 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('a range of at most 3,660 days, not %s', to_day - from_day);
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.day_range_check(date, date) IS
    'Internal: checks a range of days [from_day, to_day): not NULL (22004), finite, from_day before to_day, within 1949 to 2200 (to_day at most 2201-01-01), at most 3,660 days (22023)';

-- The start of the period n periods after the one starting on day.
CREATE FUNCTION gridgov.period_add(period text, day date, n integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE period WHEN 'day' THEN day + n WHEN 'week' THEN day + 7 * n
                   WHEN 'month' THEN (day + pg_catalog.make_interval(months => n))::date END;
COMMENT ON FUNCTION gridgov.period_add(text, date, integer) IS
    'The day n periods (day, week, month) after day (before it for negative n); NULL for another period';

CREATE FUNCTION gridgov.period_year_ago(period text, day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE period WHEN 'week' THEN day - 364
                   ELSE (day - interval '1 year')::date END;
COMMENT ON FUNCTION gridgov.period_year_ago(text, date) IS
    'The same period a year before: the ISO week 52 weeks earlier (a Monday stays a Monday), else the same day or month of the previous year (29 February: 28 February)';

-- Score weights of an area: its closest ancestor-or-self's row, a user row
-- before a shipped one (as gridgov.three_rates reads them).
CREATE FUNCTION gridgov.area_score(area gridgov.gridcode, response_rate numeric, resolution_rate numeric,
                                   satisfaction_rate numeric) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT gridgov.weighted_score(response_rate, resolution_rate, satisfaction_rate,
                                  w.response, w.resolution, w.satisfaction)
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
        SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
        WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) area
        ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
        LIMIT 1) w ON true
$$;
COMMENT ON FUNCTION gridgov.area_score(gridgov.gridcode, numeric, numeric, numeric) IS
    'Composite score of an area''s three rates: gridgov.weighted_score() with the gridgov.score_weights row of its closest ancestor-or-self (a user row before a shipped one), as gridgov.three_rates scores';

-- Key work items (重点工作) as data ---------------------------------------------------

CREATE FUNCTION gridgov.key_work_match_ok(category_prefixes text[], title_words text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN category_prefixes IS NOT NULL AND title_words IS NOT NULL
   AND COALESCE(pg_catalog.array_ndims(category_prefixes), 1) = 1
   AND COALESCE(pg_catalog.array_ndims(title_words), 1) = 1
   AND pg_catalog.cardinality(category_prefixes) + pg_catalog.cardinality(title_words) BETWEEN 1 AND 100
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(category_prefixes) p
                   WHERE p IS NULL OR p !~ '^[CEHD]([0-9]{2}){0,3}$')
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(title_words) w
                   WHERE w IS NULL OR pg_catalog.btrim(w) = '' OR pg_catalog.length(w) > 50);
COMMENT ON FUNCTION gridgov.key_work_match_ok(text[], text[]) IS
    'Check constraint of gridgov.key_work_items: one-dimensional lists, 1 to 100 entries in all, each category prefix a kind letter or code (C, E0406, H0701...), each title word 1 to 50 characters and not blank, no NULL';

CREATE TABLE gridgov.key_work_items (
    code              text COLLATE pg_catalog."C" PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,40}$'),
    name              text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    valid_from        date NOT NULL DEFAULT '-infinity',
    valid_to          date NOT NULL DEFAULT 'infinity',
    category_prefixes text[] COLLATE pg_catalog."C" NOT NULL DEFAULT '{}',
    title_words       text[] NOT NULL DEFAULT '{}',
    note              text CHECK (pg_catalog.length(note) <= 2000),
    CONSTRAINT key_work_items_validity CHECK (valid_from < valid_to),
    CONSTRAINT key_work_items_match CHECK (gridgov.key_work_match_ok(category_prefixes, title_words))
);
COMMENT ON TABLE gridgov.key_work_items IS
    'Key work items (重点工作) as data: a case reported (local day) in [valid_from, valid_to) belongs to an item when its category starts with one of the prefixes or its title contains one of the words; a case may belong to several. Read by gridgov.key_work_stats() (counts only, never a title). Ships empty; dumped';
COMMENT ON COLUMN gridgov.key_work_items.code IS 'Short code of the item: letters, digits, _ . - (1-40)';
COMMENT ON COLUMN gridgov.key_work_items.name IS 'Name shown in reports, e.g. 冬季供暖保障';
COMMENT ON COLUMN gridgov.key_work_items.valid_from IS 'First local day of report it covers (-infinity: from the start)';
COMMENT ON COLUMN gridgov.key_work_items.valid_to IS 'First local day of report it no longer covers (infinity: open)';
COMMENT ON COLUMN gridgov.key_work_items.category_prefixes IS 'Category prefixes: a case whose category starts with one belongs to the item';
COMMENT ON COLUMN gridgov.key_work_items.title_words IS 'Words of the title (substrings, 1-50 characters each): a case whose title contains one belongs to the item';
COMMENT ON COLUMN gridgov.key_work_items.note IS 'Free note (who asked for it, until when)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.key_work_items', '');

-- Whether a case belongs to a key work item (its title given by the caller:
-- a join on cases by key in the query, co-located on Citus).
CREATE FUNCTION gridgov.key_work_covers(i gridgov.key_work_items, category text, title text, reported_day date)
    RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN reported_day >= (i).valid_from AND reported_day < (i).valid_to
   AND (EXISTS (SELECT 1 FROM pg_catalog.unnest((i).category_prefixes) p WHERE pg_catalog.starts_with(category, p))
        OR EXISTS (SELECT 1 FROM pg_catalog.unnest((i).title_words) w WHERE pg_catalog.strpos(title, w) > 0));
COMMENT ON FUNCTION gridgov.key_work_covers(gridgov.key_work_items, text, text, date) IS
    'Internal: whether a case (category, title, local day of report) belongs to a key work item: reported within its validity, and its category starts with one of its prefixes or its title contains one of its words (the title is matched, never returned)';

-- The counts by period x area x key ----------------------------------------------------

CREATE FUNCTION gridgov.dimension_rows(period text, level text, lo date, hi date, within gridgov.gridcode,
                                       dimension text, category_chars integer)
    RETURNS TABLE (period_start date, area gridgov.gridcode, key text, reported bigint, dispatched bigint,
                   responded bigint, called_back bigint, solved bigint, satisfied bigint, due bigint,
                   closed bigint, closed_on_time bigint)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
    SELECT pg_catalog.date_trunc(period, r.day::timestamp)::date,
           CASE level WHEN 'county' THEN s.county WHEN 'town' THEN s.town WHEN 'community' THEN s.community
                      ELSE COALESCE(s.grid, s.community) END,
           k.key,
           pg_catalog.sum(r.reported)::bigint, pg_catalog.sum(r.dispatched)::bigint,
           pg_catalog.sum(r.responded)::bigint, pg_catalog.sum(r.called_back)::bigint,
           pg_catalog.sum(r.solved)::bigint, pg_catalog.sum(r.satisfied)::bigint, pg_catalog.sum(r.due)::bigint,
           pg_catalog.sum(r.closed)::bigint, pg_catalog.sum(r.closed_on_time)::bigint
    FROM gridgov.case_stats s
    -- The title, for key work items only (a join by key: co-located on Citus).
    LEFT JOIN LATERAL (SELECT c.title FROM gridgov.cases c
                       WHERE dimension = 'key_work' AND c.county OPERATOR(gridgov.=) s.county
                         AND c.id = s.case_id) t ON true
    CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
    CROSS JOIN LATERAL (
        SELECT s.source::text WHERE dimension = 'source'
        UNION ALL
        SELECT pg_catalog.left(s.category, category_chars) WHERE dimension = 'category'
        UNION ALL
        SELECT i.code FROM gridgov.key_work_items i
        WHERE dimension = 'key_work' AND gridgov.key_work_covers(i, s.category, t.title, s.reported_day)
        UNION ALL
        -- (key work items overlap: their total is every case's, under key NULL)
        SELECT NULL WHERE dimension = 'key_work'
    ) k(key)
    -- (the days stat_rows() counts a case at, first: most cases have none in range)
    WHERE ((s.reported_day >= lo AND s.reported_day < hi) OR (s.filed_day >= lo AND s.filed_day < hi)
           OR (s.due_day >= lo AND s.due_day < hi))
      AND r.day >= lo AND r.day < hi
      AND (within IS NULL OR within OPERATOR(gridgov.@>) COALESCE(s.grid, s.county))
    GROUP BY 1, 2, 3
$$;
COMMENT ON FUNCTION gridgov.dimension_rows(text, text, date, date, gridgov.gridcode, text, integer) IS
    'Internal: the sums of gridgov.stat_rows() whose day lies in [lo, hi), by period (day, week, month) x area at a level (as gridgov.kpi) x key: the source (dimension source), the category''s first category_chars characters (category) or each key work item the case belongs to and NULL for every case (key_work), for the cases under within (NULL: all)';

-- 来源渠道: by source channel -------------------------------------------------------

CREATE FUNCTION gridgov.source_stats(period text, level text, from_day date, to_day date,
                                     within gridgov.gridcode DEFAULT NULL)
    RETURNS TABLE (period_start date, area gridgov.gridcode, source text, reported bigint, share numeric,
                   previous_reported bigint, change_pct numeric, dispatched bigint, response_rate numeric,
                   called_back bigint, resolution_rate numeric, satisfaction_rate numeric, score numeric,
                   due bigint, closure_rate numeric, on_time_rate numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT * FROM gridgov.dimension_stats(period, level, from_day, to_day, within, 'source');
END
$$;
COMMENT ON FUNCTION gridgov.source_stats(text, text, date, date, gridgov.gridcode) IS
    'Cases by source channel (来源渠道: hotline, patrol, video, app, ...) per period (day, week, month: local) x area of a level (county, town, community, grid) for the periods that overlap [from_day, to_day), under within (NULL: everywhere): reported, share of the period x area''s reports (%), reported in the previous period and the change (%), the three rates and score, due, closure and on-time closure rates, as gridgov.three_rates and gridgov.timeliness define them. Counts only, as the owner. 22004 NULL, 22023 bad period, level or range (at most 3,660 days)';

CREATE FUNCTION gridgov.dimension_stats(period text, level text, from_day date, to_day date,
                                        within gridgov.gridcode, dimension text)
    RETURNS TABLE (period_start date, area gridgov.gridcode, key text, reported bigint, share numeric,
                   previous_reported bigint, change_pct numeric, dispatched bigint, response_rate numeric,
                   called_back bigint, resolution_rate numeric, satisfaction_rate numeric, score numeric,
                   due bigint, closure_rate numeric, on_time_rate numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    lo date;
    hi date;
BEGIN
    PERFORM gridgov.dimension_check(period, level, from_day, to_day);
    lo := pg_catalog.date_trunc(period, from_day::timestamp)::date;
    hi := gridgov.period_add(period, pg_catalog.date_trunc(period, (to_day - 1)::timestamp)::date, 1);
    RETURN QUERY
    WITH d AS MATERIALIZED (
        SELECT * FROM gridgov.dimension_rows(period, level, gridgov.period_add(period, lo, -1), hi, within,
                                             dimension, NULL)
    ), totals AS (
        SELECT t.period_start, t.area, pg_catalog.sum(t.reported)::bigint AS reported
        FROM d t WHERE dimension <> 'key_work' OR t.key IS NULL GROUP BY 1, 2
    )
    SELECT d.period_start, d.area, d.key, d.reported, gridgov.pct(d.reported, t.reported),
           COALESCE(p.reported, 0), gridgov.pct(d.reported - p.reported, p.reported),
           d.dispatched, gridgov.pct(d.responded, d.dispatched), d.called_back,
           gridgov.pct(d.solved, d.called_back), gridgov.pct(d.satisfied, d.called_back),
           gridgov.area_score(d.area, gridgov.pct(d.responded, d.dispatched), gridgov.pct(d.solved, d.called_back),
                              gridgov.pct(d.satisfied, d.called_back)),
           d.due, gridgov.pct(d.closed, d.due), gridgov.pct(d.closed_on_time, d.due)
    FROM d
    JOIN totals t ON t.period_start = d.period_start AND t.area OPERATOR(gridgov.=) d.area
    LEFT JOIN d p ON p.period_start = gridgov.period_add(period, d.period_start, -1)
                 AND p.area OPERATOR(gridgov.=) d.area AND p.key = d.key
    WHERE d.period_start >= lo AND d.key IS NOT NULL
    ORDER BY d.period_start, d.area, d.reported DESC, d.key;
END
$$;
COMMENT ON FUNCTION gridgov.dimension_stats(text, text, date, date, gridgov.gridcode, text) IS
    'Internal: the rows of gridgov.source_stats() and gridgov.key_work_stats() for a dimension of gridgov.dimension_rows() (source, key_work)';

-- 重点工作: by key work item ---------------------------------------------------------

CREATE FUNCTION gridgov.key_work_stats(period text, level text, from_day date, to_day date,
                                       within gridgov.gridcode DEFAULT NULL)
    RETURNS TABLE (period_start date, area gridgov.gridcode, item text, item_name text, reported bigint,
                   share numeric, previous_reported bigint, change_pct numeric, dispatched bigint,
                   response_rate numeric, called_back bigint, resolution_rate numeric, satisfaction_rate numeric,
                   score numeric, due bigint, closure_rate numeric, on_time_rate numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT d.period_start, d.area, d.key, i.name, d.reported, d.share, d.previous_reported, d.change_pct,
           d.dispatched, d.response_rate, d.called_back, d.resolution_rate, d.satisfaction_rate, d.score, d.due,
           d.closure_rate, d.on_time_rate
    FROM gridgov.dimension_stats(period, level, from_day, to_day, within, 'key_work') d
    JOIN gridgov.key_work_items i ON i.code = d.key;
END
$$;
COMMENT ON FUNCTION gridgov.key_work_stats(text, text, date, date, gridgov.gridcode) IS
    'Cases by key work item (重点工作, gridgov.key_work_items) per period x area of a level for the periods that overlap [from_day, to_day), under within (NULL: everywhere): the columns of gridgov.source_stats(), share being of all the period x area''s reports (a case may count for several items). Counts only, as the owner; the titles are matched, never returned. 22004 NULL, 22023 bad period, level or range';

-- 主要问题: the top categories -------------------------------------------------------

CREATE FUNCTION gridgov.top_problems(period text, level text, from_day date, to_day date,
                                     within gridgov.gridcode DEFAULT NULL, category_level text DEFAULT 'major',
                                     top integer DEFAULT 10)
    RETURNS TABLE (period_start date, area gridgov.gridcode, category text, category_name text, cases bigint,
                   share numeric, previous_cases bigint, change_pct numeric, last_year_cases bigint,
                   year_change_pct numeric, rank integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
DECLARE
    lo date;
    hi date;
    n integer;
BEGIN
    PERFORM gridgov.dimension_check(period, level, from_day, to_day);
    IF category_level IS NULL OR top IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'category_level and top must not be NULL';
    END IF;
    n := CASE category_level WHEN 'major' THEN 3 WHEN 'minor' THEN 5 WHEN 'category' THEN 100 END;
    IF n IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('category_level must be major, minor or category, not "%s"',
                                        pg_catalog.left(category_level, 20));
    END IF;
    IF top < 1 OR top > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('top must be 1 to 1000, not %s', top);
    END IF;
    lo := pg_catalog.date_trunc(period, from_day::timestamp)::date;
    hi := gridgov.period_add(period, pg_catalog.date_trunc(period, (to_day - 1)::timestamp)::date, 1);
    RETURN QUERY
    WITH d AS MATERIALIZED (
        SELECT x.period_start, x.area, x.key, x.reported
        FROM gridgov.dimension_rows(period, level, gridgov.period_add(period, lo, -1), hi, within, 'category', n) x
        WHERE x.reported > 0
    ), y AS MATERIALIZED (
        SELECT x.period_start, x.area, x.key, x.reported
        FROM gridgov.dimension_rows(period, level, gridgov.period_year_ago(period, lo),
                                    gridgov.period_year_ago(period, hi), within, 'category', n) x
        WHERE x.reported > 0
    ), ranked AS (
        SELECT d.*, pg_catalog.sum(d.reported) OVER (PARTITION BY d.period_start, d.area) AS total,
               pg_catalog.rank() OVER (PARTITION BY d.period_start, d.area ORDER BY d.reported DESC)::integer AS r
        FROM d WHERE d.period_start >= lo
    )
    SELECT k.period_start, k.area, k.key, c.name, k.reported, gridgov.pct(k.reported, k.total::bigint),
           COALESCE(p.reported, 0), gridgov.pct(k.reported - p.reported, p.reported),
           COALESCE(ly.reported, 0), gridgov.pct(k.reported - ly.reported, ly.reported), k.r
    FROM ranked k
    LEFT JOIN gridgov.categories c ON c.code = k.key
    LEFT JOIN d p ON p.period_start = gridgov.period_add(period, k.period_start, -1)
                 AND p.area OPERATOR(gridgov.=) k.area AND p.key = k.key
    LEFT JOIN y ly ON ly.period_start = pg_catalog.date_trunc(period, gridgov.period_year_ago(period, k.period_start)::timestamp)::date
                  AND ly.area OPERATOR(gridgov.=) k.area AND ly.key = k.key
    WHERE k.r <= top
    ORDER BY k.period_start, k.area, k.r, k.key;
END
$$;
COMMENT ON FUNCTION gridgov.top_problems(text, text, date, date, gridgov.gridcode, text, integer) IS
    'Main problems (主要问题): per period (day, week, month) x area of a level, for the periods that overlap [from_day, to_day) and the cases under within (NULL: everywhere), the top categories by cases reported, at category_level major (3 characters, E01), minor (5, E0102; a major-class code stays as it is) or category (the full code): cases, share of the period x area''s reports (%), cases in the previous period and the change (%), cases in the same period a year before (52 weeks for weeks) and the change (%), rank (1 the most; ties share a rank, all kept). Counts only, as the owner. 22004 NULL, 22023 bad period, level, range, category_level or top (1-1000)';

-- 发生区域 / 考核排名: the areas of a level, ranked ---------------------------------------

CREATE VIEW gridgov.area_ranking AS
SELECT r.period, r.period_start, r.level, r.area, g.name AS area_name, r.reported,
       pg_catalog.round((public.ST_Area(g.geom::public.geography) / 1e6)::numeric, 3) AS area_km2,
       pg_catalog.round(r.reported / NULLIF((public.ST_Area(g.geom::public.geography) / 1e6)::numeric, 0), 2) AS density,
       r.dispatched, r.response_rate, r.called_back, r.resolution_rate, r.satisfaction_rate, r.score, r.due,
       r.closure_rate, r.on_time_rate, r.rank, r.volume_rank
FROM (SELECT k.period, k.period_start, k.level, k.area, k.reported, k.dispatched,
             gridgov.pct(k.responded, k.dispatched) AS response_rate, k.called_back,
             gridgov.pct(k.solved, k.called_back) AS resolution_rate,
             gridgov.pct(k.satisfied, k.called_back) AS satisfaction_rate,
             gridgov.area_score(k.area, gridgov.pct(k.responded, k.dispatched), gridgov.pct(k.solved, k.called_back),
                                gridgov.pct(k.satisfied, k.called_back)) AS score,
             k.due, gridgov.pct(k.closed, k.due) AS closure_rate, gridgov.pct(k.closed_on_time, k.due) AS on_time_rate,
             pg_catalog.rank() OVER (PARTITION BY k.period, k.period_start, k.level, gridgov.ancestor(k.area, 3)
                                     ORDER BY gridgov.area_score(k.area, gridgov.pct(k.responded, k.dispatched),
                                                                 gridgov.pct(k.solved, k.called_back),
                                                                 gridgov.pct(k.satisfied, k.called_back)) DESC NULLS LAST,
                                              gridgov.pct(k.closed_on_time, k.due) DESC NULLS LAST) AS rank,
             pg_catalog.rank() OVER (PARTITION BY k.period, k.period_start, k.level, gridgov.ancestor(k.area, 3)
                                     ORDER BY k.reported DESC) AS volume_rank
      FROM gridgov.kpi k
      WHERE k.department_id IS NULL AND (k.reported > 0 OR k.due > 0)) r
LEFT JOIN gridgov.grids g ON g.code OPERATOR(gridgov.=) r.area AND g.valid_to = 'infinity';
COMMENT ON VIEW gridgov.area_ranking IS
    'Areas ranked (发生区域, 考核排名: a town ranking beside department_ranking) per period (day, week, month) x level (county, town, community, grid) within their county, from gridgov.kpi (all departments): cases reported, the current outline''s area in km² and the density (cases per km²), the three rates and score, due, closure and on-time closure rates; rank 1 the highest score, ties broken by the on-time closure rate, equal ranks for full ties, areas without a score last; volume_rank 1 the most cases. Filter on period and level: only that branch of kpi runs';
COMMENT ON COLUMN gridgov.area_ranking.period IS 'day, week or month (local; weeks from Monday)';
COMMENT ON COLUMN gridgov.area_ranking.period_start IS 'First day of the period';
COMMENT ON COLUMN gridgov.area_ranking.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.area_ranking.area IS 'The area (at grid level, the community of a case outside every unit grid)';
COMMENT ON COLUMN gridgov.area_ranking.area_name IS 'Its name (current version of gridgov.grids; NULL when none)';
COMMENT ON COLUMN gridgov.area_ranking.reported IS 'Cases reported in the period';
COMMENT ON COLUMN gridgov.area_ranking.area_km2 IS 'Area of its current outline in km² (3 decimals)';
COMMENT ON COLUMN gridgov.area_ranking.density IS 'Cases reported per km² (2 decimals)';
COMMENT ON COLUMN gridgov.area_ranking.dispatched IS 'Cases reported in the period and dispatched (as three_rates)';
COMMENT ON COLUMN gridgov.area_ranking.response_rate IS 'Response rate (%), as three_rates';
COMMENT ON COLUMN gridgov.area_ranking.called_back IS 'Cases called back (as three_rates)';
COMMENT ON COLUMN gridgov.area_ranking.resolution_rate IS 'Resolution rate (%), as three_rates';
COMMENT ON COLUMN gridgov.area_ranking.satisfaction_rate IS 'Satisfaction rate (%), as three_rates';
COMMENT ON COLUMN gridgov.area_ranking.score IS 'Composite score (gridgov.area_score), as three_rates';
COMMENT ON COLUMN gridgov.area_ranking.due IS 'Cases due in the period (as timeliness)';
COMMENT ON COLUMN gridgov.area_ranking.closure_rate IS 'Closure rate (%), as timeliness';
COMMENT ON COLUMN gridgov.area_ranking.on_time_rate IS 'On-time closure rate (%), as timeliness';
COMMENT ON COLUMN gridgov.area_ranking.rank IS 'Rank by score within the county, period and level (1 the best; ties broken by on_time_rate)';
COMMENT ON COLUMN gridgov.area_ranking.volume_rank IS 'Rank by cases reported within the county, period and level (1 the most)';

-- 季节周期: month x weekday x hour ----------------------------------------------------

CREATE FUNCTION gridgov.season_profile(from_day date, to_day date, within gridgov.gridcode DEFAULT NULL,
                                       category_prefix text DEFAULT '')
    RETURNS TABLE (month integer, weekday integer, hour integer, cases bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tz text := gridgov.analytics_time_zone();
BEGIN
    PERFORM gridgov.day_range_check(from_day, to_day);
    IF category_prefix IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'category_prefix must not be NULL';
    END IF;
    PERFORM gridgov.category_prefix_check(category_prefix);
    RETURN QUERY
    SELECT EXTRACT(month FROM l.t)::integer, EXTRACT(isodow FROM l.t)::integer, EXTRACT(hour FROM l.t)::integer,
           pg_catalog.count(*)
    FROM gridgov.case_stats s
    CROSS JOIN LATERAL (SELECT s.reported_at AT TIME ZONE tz AS t) l
    WHERE s.reported_day >= from_day AND s.reported_day < to_day
      AND s.category >= category_prefix AND s.category < category_prefix || '~'
      AND (within IS NULL OR within OPERATOR(gridgov.@>) COALESCE(s.grid, s.county))
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION gridgov.season_profile(date, date, gridgov.gridcode, text) IS
    'Season and cycle (季节周期): cases reported on the local days [from_day, to_day) under within (NULL: everywhere) in categories starting with category_prefix ('''': all), by local month (1-12) x weekday (1 Monday - 7 Sunday) x hour (0-23) of the report in the analytics time zone; cells without a case are left out. Counts only, as the owner. 22004 NULL, 22023 bad range (at most 3,660 days), 42704 unknown prefix';

-- 实时运行态势: the live situation -------------------------------------------------------

CREATE FUNCTION gridgov.live_situation(as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, source text, today bigint,
                   same_time_avg numeric, same_time_max bigint, change_pct numeric, open_cases bigint,
                   overdue bigint, due_today bigint, escalated bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
DECLARE
    tz text := gridgov.analytics_time_zone();
    day0 date;
    since timestamptz;
    day_end timestamptz;
    elapsed interval;
BEGIN
    -- (not NULL, finite, not after tomorrow: as a forecast's)
    PERFORM gridgov.forecast_check_as_of(as_of);
    day0 := (as_of AT TIME ZONE tz)::date;
    since := (day0 - 7)::timestamp AT TIME ZONE tz;
    day_end := (day0 + 1)::timestamp AT TIME ZONE tz;
    -- The local time of day of as_of: each earlier day counts up to the same time.
    elapsed := (as_of AT TIME ZONE tz) - day0::timestamp;
    RETURN QUERY
    WITH intake AS (
        SELECT c.county, gridgov.area_at(c.county, c.grid, 4) AS town, c.source::text AS source,
               day0 - (c.reported_at AT TIME ZONE tz)::date AS k
        FROM gridgov.cases c
        WHERE c.reported_at >= since AND c.reported_at <= as_of
          AND (c.reported_at AT TIME ZONE tz) - (c.reported_at AT TIME ZONE tz)::date::timestamp <= elapsed
    ), per_day AS (
        SELECT i.county, i.town, i.source, i.k, pg_catalog.count(*) AS n FROM intake i GROUP BY 1, 2, 3, 4
    ), arrivals AS (
        -- (a day without a case counts as 0 in the mean)
        SELECT x.county, x.town, x.source,
               COALESCE(pg_catalog.sum(x.n) FILTER (WHERE x.k = 0), 0)::bigint AS today,
               pg_catalog.round(COALESCE(pg_catalog.sum(x.n) FILTER (WHERE x.k > 0), 0) / 7.0, 2) AS avg7,
               COALESCE(pg_catalog.max(x.n) FILTER (WHERE x.k > 0), 0)::bigint AS max7
        FROM per_day x GROUP BY 1, 2, 3
    ), open_cases AS (
        SELECT c.county, c.id, gridgov.area_at(c.county, c.grid, 4) AS town, c.source::text AS source,
               c.escalation_level
        FROM gridgov.cases c
        JOIN gridgov.workflow_states ws ON ws.workflow = c.workflow AND ws.state = c.state AND NOT ws.terminal
        WHERE c.closed_at IS NULL AND c.reported_at <= as_of
    ), clocks AS (
        SELECT k.county, k.case_id,
               pg_catalog.bool_or(k.paused_at IS NULL AND k.due_at < as_of) AS overdue,
               pg_catalog.bool_or(k.paused_at IS NULL AND k.due_at >= as_of AND k.due_at < day_end) AS due_today
        FROM gridgov.case_clocks k
        WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
        GROUP BY k.county, k.case_id
    ), backlog AS (
        SELECT o.county, o.town, o.source, pg_catalog.count(*) AS open_cases,
               pg_catalog.count(*) FILTER (WHERE k.overdue) AS overdue,
               pg_catalog.count(*) FILTER (WHERE k.due_today) AS due_today,
               pg_catalog.count(*) FILTER (WHERE o.escalation_level > 0) AS escalated
        FROM open_cases o
        LEFT JOIN clocks k ON k.county OPERATOR(gridgov.=) o.county AND k.case_id = o.id
        GROUP BY 1, 2, 3
    )
    SELECT COALESCE(a.county, b.county), COALESCE(a.town, b.town), COALESCE(a.source, b.source),
           COALESCE(a.today, 0), COALESCE(a.avg7, 0), COALESCE(a.max7, 0),
           gridgov.pct_change(COALESCE(a.today, 0), COALESCE(a.avg7, 0)),
           COALESCE(b.open_cases, 0), COALESCE(b.overdue, 0), COALESCE(b.due_today, 0), COALESCE(b.escalated, 0)
    FROM arrivals a
    FULL JOIN backlog b ON b.county OPERATOR(gridgov.=) a.county AND b.town OPERATOR(gridgov.=) a.town
                       AND b.source = a.source
    ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION gridgov.live_situation(timestamptz) IS
    'Live situation (实时运行态势) at as_of, per county x town x source: cases reported today (local day of as_of, analytics time zone) up to as_of, the mean and the most on each of the previous 7 days up to the same time of day, the change of today against that mean (%), and the open cases (reported by as_of, not closed, in a non-terminal state) with those overdue (a running, unpaused clock past as_of, as gridgov.sla_board_at), due later today (a running, unpaused clock due between as_of and the local midnight) and escalated (escalation rung 1 or more). States and clocks are the current ones; as_of moves the time they are compared with. Counts only, as the owner. 22004 NULL, 22023 as_of infinite or after tomorrow';

CREATE FUNCTION gridgov.pct_change(now_value numeric, before_value numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN before_value > 0 THEN pg_catalog.round(100.0 * (now_value - before_value) / before_value, 2) END;
COMMENT ON FUNCTION gridgov.pct_change(numeric, numeric) IS
    'Change from before_value to now_value as a percentage of before_value, 2 decimals; NULL when before_value is 0 or NULL';

-- The screen's forecast panel: the actual counts beside the forecast -----------------------

CREATE FUNCTION gridgov.forecast_actuals(area gridgov.gridcode, category_prefix text, grain text, periods integer,
                                         as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period_start date, cases integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    origin date;
BEGIN
    PERFORM gridgov.forecast_check(area, category_prefix, grain);
    PERFORM gridgov.forecast_check_as_of(as_of);
    IF periods IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'periods must not be NULL';
    END IF;
    IF periods < 1 OR periods > gridgov.forecast_max_periods(grain) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('periods must be 1 to %s %ss, not %s', gridgov.forecast_max_periods(grain),
                                        grain, periods);
    END IF;
    origin := gridgov.forecast_origin(grain, as_of);
    RETURN QUERY
    SELECT s.period_start, s.cases
    FROM gridgov.forecast_series(area, category_prefix, grain,
                                 origin - periods * CASE WHEN grain = 'week' THEN 7 ELSE 1 END, origin) s;
END
$$;
COMMENT ON FUNCTION gridgov.forecast_actuals(gridgov.gridcode, text, text, integer, timestamptz) IS
    'The counts a forecast learns from, for the periods periods (days or ISO weeks) before as_of''s day or week: cases reported in the area (any level) in categories starting with category_prefix ('''': all), proactive cases left out, zero periods included; what gridgov.forecast_volume() continues. Counts only, as the owner. 22004 NULL, 22023 bad grain, periods (1-1,096 days, 1-156 weeks) or as_of, 42704 unknown prefix';

CREATE FUNCTION gridgov.forecast_panel(area gridgov.gridcode DEFAULT NULL, as_of timestamptz DEFAULT pg_catalog.now(),
                                       past integer DEFAULT 28, horizon integer DEFAULT 14)
    RETURNS jsonb
-- (PARALLEL UNSAFE: the exception block is a subtransaction)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    the_area gridgov.gridcode := COALESCE(area, (SELECT s.value FROM gridgov.settings s WHERE s.key = 'home_county')::gridgov.gridcode);
    actual jsonb;
    ahead jsonb;
    problem text;
BEGIN
    IF the_area IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'area must not be NULL where setting home_county is not set';
    END IF;
    actual := (SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(x) ORDER BY x.period_start)
               FROM gridgov.forecast_actuals(the_area, '', 'day', past, as_of) x);
    BEGIN
        ahead := (SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(f) ORDER BY f.period_start)
                  FROM gridgov.forecast_volume(the_area, '', 'day', horizon, as_of) f);
    EXCEPTION WHEN SQLSTATE 'GG301' THEN
        problem := SQLERRM;
    END;
    RETURN pg_catalog.jsonb_build_object(
        'area', the_area::text,
        'name', (SELECT g.name FROM gridgov.grids g WHERE g.code OPERATOR(gridgov.=) the_area AND g.valid_to = 'infinity'),
        'actual', actual, 'forecast', ahead, 'problem', problem);
END
$$;
COMMENT ON FUNCTION gridgov.forecast_panel(gridgov.gridcode, timestamptz, integer, integer) IS
    'The command-center screen''s forecast panel as JSON: for an area (NULL: setting home_county), every category, the past days'' actual counts (gridgov.forecast_actuals) and the next horizon days'' forecast with its 80 % and 95 % intervals (gridgov.forecast_volume), and the area''s current name; with too little history, forecast NULL and problem the reason (GG301''s message). Needs EXECUTE on both. 22004 NULL area without home_county, else the errors of forecast_actuals and forecast_volume';
-- A forecast's category prefix may be '' (every category) (src/sql/088_forecast.sql).
CREATE OR REPLACE FUNCTION gridgov.forecast_check(area gridgov.gridcode, category_prefix text, grain text)
    RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF area IS NULL OR category_prefix IS NULL OR grain IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'area, category_prefix and grain of a forecast must not be NULL';
    END IF;
    IF grain NOT IN ('day', 'week') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('grain must be day or week, not "%s"', pg_catalog.left(grain, 20));
    END IF;
    -- (088_dimensions.sql: '' is every category)
    PERFORM gridgov.category_prefix_check(category_prefix);
END
$$;
COMMENT ON FUNCTION gridgov.forecast_check(gridgov.gridcode, text, text) IS
    'Internal: checks the arguments every forecast function shares: none NULL (22004), grain day or week (22023), a category prefix that is empty (every category) or that some category code starts with (42704, gridgov.category_prefix_check)';
-- key_work_items is configuration: a reference table on Citus (src/sql/096_citus.sql).
CREATE OR REPLACE FUNCTION gridgov.citus_layout()
    RETURNS TABLE (table_name text, kind text, step integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 64
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.t, l.k, l.n::integer
    FROM ROWS FROM (pg_catalog.unnest(ARRAY[
            -- configuration: copied to every node (referenced before referring)
            'grid_revisions', 'grids', 'departments', 'staff', 'grid_staff',
            'workflows', 'workflow_states', 'transitions', 'categories', 'components',
            'routing_rules', 'settings', 'calendars', 'calendar_periods',
            'calendar_exceptions', 'sla_policies', 'escalation_ladder', 'score_weights',
            'history_seals', 'analytics_watermark', 'place_names', 'text_models',
            'key_work_items',
            -- per case, by county, co-located with cases
            'cases', 'case_events', 'case_clocks', 'escalations', 'whistles',
            'whistle_calls', 'history_seal_heads', 'case_stats', 'stats_month',
            'stats_month_hist', 'stats_month_category', 'case_requests', 'case_meetings',
            -- the history import's staging, the inbox, the analytics' node
            -- watermarks, the hot spots and the forecasts' fits (written and read by the coordinator's
            -- nightly job and views): on the coordinator only
            'import_cases', 'import_steps', 'import_rejects', 'case_inbox', 'analytics_node_watermarks',
            'hotspot_runs', 'hotspots', 'forecast_fits',
            -- the gateway's keys and the transfer's endpoints, outbox and
            -- inbound updates: on the coordinator, where the gateway connects
            'api_keys', 'transfer_endpoints', 'transfer_outbox', 'transfer_inbound',
            -- repeat callers and the social-conditions index (088): configuration,
            -- copied to every node (the nodes key the calls they hold)
            'caller_key_secret', 'area_population', 'social_index_weights',
            -- the devices, their rules and the video event types (078): configuration
            'sensors', 'sensor_rules', 'video_event_types',
            -- the cases machines opened, by county, co-located with cases
            'sensor_cases',
            -- the readings (partitioned by month, the partitions with their
            -- table), their quarantine, the rules' states and the video alerts:
            -- written by the feed's triggers on the coordinator, where devices connect
            'sensor_readings', 'sensor_quarantine', 'sensor_rule_state', 'video_alerts',
            -- the patrols' weights and road layer (077): configuration
            'patrol_weights', 'patrol_roads',
            -- the patrol fixes (partitioned by day, the partitions with their
            -- table), their rejects and the coverage computed from them: written by
            -- the worker app and the nightly job on the coordinator
            'patrol_points', 'patrol_rejects', 'patrol_coverage']),
        pg_catalog.unnest(ARRAY[
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference',
            'distributed', 'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'local', 'local', 'local', 'local', 'local', 'local', 'local',
            'local', 'local', 'local', 'local', 'local',
            'reference', 'reference', 'reference',
            'reference', 'reference', 'reference',
            'distributed',
            'local', 'local', 'local', 'local',
            'reference', 'reference',
            'local', 'local', 'local']))
        WITH ORDINALITY AS l(t, k, n)
$$;
COMMENT ON FUNCTION gridgov.citus_layout() IS
    'Where each table of gridgov lives on a Citus cluster, in the order gridgov.distribute() converts them: reference (configuration, copied to every node), distributed (per-case rows, by county, co-located with cases) or local (on the coordinator: the history import''s staging, the case inbox, the analytics'' node watermarks, the hot spots, the forecasts'' fits, the gateway''s keys and the transfer''s tables, the sensors'' readings, quarantine, rule states and video alerts, the patrol fixes, their rejects and coverage); docs/scaling.md';

-- ---------------------------------------------------------------------------
-- analytics: repeat callers (重点人群) and the social-conditions index (社情指数).
--
-- A caller is known by a keyed hash of the phone number: HMAC-SHA256 (C,
-- src/cases/callerkey.c) of the number normalised to its digits, under a
-- secret of 32 random bytes in gridgov.caller_key_secret, which only the
-- extension's owner reads (dumped with the data, so a restore keeps the same
-- callers; docs/security.md, "The caller key").  Nothing stores the hashes:
-- they are computed when a report runs, by one Internal function
-- (caller_cases), so a rotation of the secret changes every pseudonym at once.
-- gridgov.repeat_callers() / the view gridgov.repeat_callers show the callers
-- who called min_calls times or more within a window, per area and topic,
-- with a 12-hex-digit pseudonym and never the number.
--
-- gridgov.social_index(month, level) composes, per area of a level and month,
-- case density per 10,000 residents (gridgov.area_population), dispute cases
-- (setting social_dispute_categories), repeat callers, the satisfaction rate
-- and the overdue share (both from gridgov.kpi, the one definition behind
-- three_rates and timeliness) with weights and normalisations that are data
-- (gridgov.social_index_weights) into an index of 0-100, higher = more
-- pressure.  The map metric social_index (085) draws it; social_index_series
-- gives one area's months.  docs/bi.md ("Repeat callers", "Social-conditions
-- index").  SQLSTATEs: 22004 NULL argument, 22023 bad argument or setting,
-- 23514 bad population or weights row, GG300 shipped weights row changed.
-- ---------------------------------------------------------------------------

-- The caller key -------------------------------------------------------------------

CREATE FUNCTION gridgov.caller_phone_digits(phone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_caller_phone_digits' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.caller_phone_digits(text) IS
    'A phone number as the caller key reads it: its digits in ASCII (full-width digits, Chinese numerals, circled digits and the other forms the contact masks recognise become 0-9; everything else is dropped), and a mobile number (1 and 10 digits) without what was written before it (the country code 86 or 0086, a trunk 0 after it or alone); NULL for NULL or fewer than 7 digits';

CREATE FUNCTION gridgov.caller_hmac(phone text, secret bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_caller_hmac' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.caller_hmac(text, bytea) IS
    'Internal: HMAC-SHA256 of gridgov.caller_phone_digits(phone) under a 32-byte secret (22023 for another length); NULL when an argument is NULL or the number has fewer than 7 digits';

CREATE FUNCTION gridgov.caller_secret_new() RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_caller_secret_new' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.caller_secret_new() IS
    'Internal: 32 bytes from the server''s strong random source (pg_strong_random), a new secret of the caller key';

CREATE TABLE gridgov.caller_key_secret (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    secret     bytea NOT NULL CHECK (pg_catalog.octet_length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE gridgov.caller_key_secret IS
    'The secret of the caller key (one row): repeat callers are told apart by HMAC-SHA256 of their normalised phone number under it. Readable by the extension''s owner only (no grants); made at install, dumped with the data (a restore keeps the same callers: the dump holds it as it holds the phone numbers), replaced by gridgov.caller_key_rotate()';
COMMENT ON COLUMN gridgov.caller_key_secret.singleton IS 'Always true: the table has at most one row';
COMMENT ON COLUMN gridgov.caller_key_secret.secret IS '32 random bytes';
COMMENT ON COLUMN gridgov.caller_key_secret.created_at IS 'When it was made (install or the last rotation)';
INSERT INTO gridgov.caller_key_secret (secret) VALUES (gridgov.caller_secret_new());
SELECT pg_catalog.pg_extension_config_dump('gridgov.caller_key_secret', '');

-- A restore inserts the dumped secret into the table CREATE EXTENSION filled:
-- it replaces the new one.
CREATE FUNCTION gridgov.caller_key_secret_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    present boolean;
BEGIN
    PERFORM gridgov.trigger_check('caller_key_secret_restore', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- In the relation fired on: under Citus each copy of the reference table
    -- (TG_TABLE_NAME, a shard) does so for itself.
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I)', TG_TABLE_NAME) INTO present;
    IF present THEN
        EXECUTE pg_catalog.format('UPDATE gridgov.%I SET secret = $1, created_at = $2', TG_TABLE_NAME)
            USING NEW.secret, NEW.created_at;
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.caller_key_secret_restore() IS
    'Trigger: an INSERT into gridgov.caller_key_secret while it holds a secret replaces that secret (this is how pg_restore brings back the dumped one after CREATE EXTENSION made a new one)';
CREATE TRIGGER caller_key_secret_restore BEFORE INSERT ON gridgov.caller_key_secret
    FOR EACH ROW EXECUTE FUNCTION gridgov.caller_key_secret_restore();
-- Also under session_replication_role = replica (docs/backup.md).
ALTER TABLE gridgov.caller_key_secret ENABLE ALWAYS TRIGGER caller_key_secret_restore;

CREATE FUNCTION gridgov.caller_key_rotate() RETURNS timestamptz
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
    DELETE FROM gridgov.caller_key_secret;
    INSERT INTO gridgov.caller_key_secret (secret, created_at) VALUES (gridgov.caller_secret_new(), pg_catalog.now())
    RETURNING created_at;
$$;
COMMENT ON FUNCTION gridgov.caller_key_rotate() IS
    'Administration: replaces the secret of the caller key with 32 new random bytes (or makes one when the table is empty) and returns when. Nothing stores caller keys, so every pseudonym changes at once, past calls included: callers are still told apart, but pseudonyms noted or exported before cannot be matched to the new ones';

-- Settings ------------------------------------------------------------------------

ALTER TABLE gridgov.settings DISABLE TRIGGER settings_guard;
INSERT INTO gridgov.settings (key, value, description, builtin) VALUES
    ('repeat_caller_window_days', '30',
     'Repeat callers (重点人群, gridgov.repeat_callers): the window, in days up to the report''s time, within which calls are counted; 1 to 366.',
     true),
    ('repeat_caller_min_calls', '3',
     'Repeat callers: the calls within the window (per area and topic; per area and month in the social-conditions index) that make a caller a repeat caller; 2 to 1000.',
     true),
    ('social_dispute_categories', 'D',
     'Social-conditions index (gridgov.social_index): the category codes whose cases count as disputes (矛盾纠纷), each with every code below it, separated by commas, e.g. D, H0305. The shipped D is the dispute classes D01-D99.',
     true);
ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;

CREATE FUNCTION gridgov.settings_social_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    lo integer;
    hi integer;
    what text;
BEGIN
    PERFORM gridgov.trigger_check('settings_social_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    SELECT b.lo, b.hi, b.what INTO lo, hi, what
    FROM (VALUES ('repeat_caller_window_days', 1, 366, 'a number of days'),
                 ('repeat_caller_min_calls', 2, 1000, 'a number of calls')) b(key, lo, hi, what)
    WHERE b.key = NEW.key;
    IF what IS NOT NULL AND NEW.value IS NOT NULL
       AND (NEW.value !~ '^ *[0-9]{1,4} *$' OR NEW.value::integer NOT BETWEEN lo AND hi) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting %s must be %s from %s to %s, not "%s"', NEW.key, what, lo, hi,
                                        pg_catalog.left(NEW.value, 40));
    END IF;
    IF NEW.key = 'social_dispute_categories' AND NEW.value IS NOT NULL
       AND NEW.value !~ '^ *[CEHD]([0-9]{2}){0,3} *(, *[CEHD]([0-9]{2}){0,3} *)*$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting social_dispute_categories must be a list of category codes, not "%s"',
                                        pg_catalog.left(NEW.value, 40)),
            DETAIL = 'Codes (a class letter C, E, H or D and pairs of digits, e.g. D or D01) are separated by commas; each covers every code below it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.settings_social_check() IS
    'Trigger: validates the settings repeat_caller_window_days (1-366), repeat_caller_min_calls (2-1000) and social_dispute_categories (category codes separated by commas) (22023)';
CREATE TRIGGER settings_social_check BEFORE INSERT OR UPDATE ON gridgov.settings
    FOR EACH ROW EXECUTE FUNCTION gridgov.settings_social_check();

CREATE FUNCTION gridgov.setting_integer(key text, fallback integer) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE((SELECT pg_catalog.btrim(s.value)::integer FROM gridgov.settings s
                     WHERE s.key = setting_integer.key), setting_integer.fallback);
END;
COMMENT ON FUNCTION gridgov.setting_integer(text, integer) IS
    'The value of a setting of gridgov.settings read as an integer; fallback when there is no row or its value is NULL';

-- The calls: every case with a caller key ---------------------------------------
-- (The functions that read a month of cases run without JIT: kpi's estimates
-- make the planner compile the whole UNION ALL, several seconds, for a query
-- that then runs in well under one.)

CREATE FUNCTION gridgov.caller_cases(since timestamptz, until timestamptz)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, town gridgov.gridcode, community gridgov.gridcode,
                   grid gridgov.gridcode, category text, source gridgov.case_source, reported_at timestamptz,
                   reported_day date, open_at_until boolean, caller bytea)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
    SET jit = off AS $$
#variable_conflict use_column
DECLARE
    k bytea := (SELECT x.secret FROM gridgov.caller_key_secret x);
    -- The local days around the period, for the index on reported_day.
    day0 date := (since AT TIME ZONE gridgov.analytics_time_zone())::date - 1;
    day1 date := (until AT TIME ZONE gridgov.analytics_time_zone())::date + 1;
BEGIN
    IF k IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'the caller key has no secret',
            DETAIL = 'gridgov.caller_key_secret is empty, so callers cannot be told apart.',
            HINT = 'Make a new secret with gridgov.caller_key_rotate().';
    END IF;
    RETURN QUERY
    SELECT s.county, s.case_id, s.town, s.community, s.grid, s.category, s.source, s.reported_at, s.reported_day,
           NOT s.merged AND (s.closed_at IS NULL OR s.closed_at > caller_cases.until),
           gridgov.caller_hmac(c.reporter_phone, k)
    FROM gridgov.case_stats s
    JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) s.county AND c.id = s.case_id
    WHERE s.reported_at >= caller_cases.since AND s.reported_at < caller_cases.until
      AND s.reported_day BETWEEN day0 AND day1
      AND c.reporter_phone IS NOT NULL;
END
$$;
COMMENT ON FUNCTION gridgov.caller_cases(timestamptz, timestamptz) IS
    'Internal: the cases reported in [since, until) with a reporter phone, merged duplicates included, with their areas, category, source, whether they were open at until (not merged, not closed by then) and the caller key (HMAC-SHA256 under gridgov.caller_key_secret; NULL for a number of fewer than 7 digits: callers filter those out); 55000 when the secret is missing. The one place a caller key is computed; it reads the phone numbers as the owner';

-- Repeat callers ----------------------------------------------------------------------

CREATE FUNCTION gridgov.repeat_callers(as_of timestamptz DEFAULT pg_catalog.now(), window_days integer DEFAULT NULL,
                                       min_calls integer DEFAULT NULL)
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, community gridgov.gridcode, topic text,
                   topic_name text, caller text, calls bigint, first_call timestamptz, last_call timestamptz,
                   open_cases bigint, sources text[])
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
    SET jit = off AS $$
#variable_conflict use_column
DECLARE
    days integer := COALESCE(window_days, gridgov.setting_integer('repeat_caller_window_days', 30));
    n integer := COALESCE(min_calls, gridgov.setting_integer('repeat_caller_min_calls', 3));
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    -- (infinity gave no caller, silently; near the end of time the window's end overflowed: 22008)
    IF NOT pg_catalog.isfinite(as_of) OR as_of < timestamptz '1949-01-01 00:00+00'
       OR as_of >= timestamptz '2201-01-01 00:00+00' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('as_of must be a finite time from 1949 to 2200, not %s', as_of);
    END IF;
    IF days NOT BETWEEN 1 AND 366 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('window_days must be from 1 to 366, not %s', days);
    END IF;
    IF n NOT BETWEEN 2 AND 1000 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('min_calls must be from 2 to 1000, not %s', n);
    END IF;
    RETURN QUERY
    -- The callers over the threshold first (a plain count), then the details of theirs only.
    WITH x AS MATERIALIZED (
        SELECT c.county, c.town, c.community, pg_catalog.left(c.category, 3) AS topic, c.reported_at,
               c.open_at_until, c.source, c.caller
        FROM gridgov.caller_cases(as_of - pg_catalog.make_interval(days => days),
                                  as_of + interval '1 microsecond') c
        WHERE c.caller IS NOT NULL
    ), hits AS (
        SELECT x.county, x.town, x.community, x.topic, x.caller
        FROM x GROUP BY x.county, x.town, x.community, x.topic, x.caller
        HAVING pg_catalog.count(*) >= n
    )
    SELECT x.county, x.town, x.community, x.topic, cat.name,
           pg_catalog.encode(pg_catalog.substr(x.caller, 1, 6), 'hex') AS caller,
           pg_catalog.count(*), pg_catalog.min(x.reported_at), pg_catalog.max(x.reported_at),
           pg_catalog.count(*) FILTER (WHERE x.open_at_until),
           pg_catalog.array_agg(DISTINCT x.source::text ORDER BY x.source::text)
    FROM x
    JOIN hits h ON h.county OPERATOR(gridgov.=) x.county AND h.town OPERATOR(gridgov.=) x.town
               AND h.community OPERATOR(gridgov.=) x.community AND h.topic = x.topic AND h.caller = x.caller
    LEFT JOIN gridgov.categories cat ON cat.code = x.topic
    GROUP BY x.county, x.town, x.community, x.topic, cat.name, x.caller
    ORDER BY 7 DESC, 1, 2, 3, 4, 6;
END
$$;
COMMENT ON FUNCTION gridgov.repeat_callers(timestamptz, integer, integer) IS
    'Repeat callers (重点人群): per county, town, community, topic (category major class, the first 3 characters) and caller, the callers who reported min_calls cases or more in the window_days days up to as_of (as_of included; merged duplicates count, they are calls), with the caller''s pseudonym (the first 12 hex digits of the caller key: HMAC-SHA256 of the normalised phone number under a secret only the owner reads; never the number), calls, first and last call, cases still open at as_of and the sources. window_days and min_calls NULL: the settings repeat_caller_window_days and repeat_caller_min_calls. Counts every case, as the owner. 22004 NULL as_of, 22023 as_of not finite or outside 1949-2200, window_days outside 1-366 or min_calls outside 2-1000';

CREATE VIEW gridgov.repeat_callers AS
SELECT r.county, r.town, r.community, r.topic, r.topic_name, r.caller, r.calls, r.first_call, r.last_call,
       r.open_cases, r.sources
FROM gridgov.repeat_callers() r;
COMMENT ON VIEW gridgov.repeat_callers IS
    'Repeat callers (重点人群) now: gridgov.repeat_callers() with the window and threshold of the settings repeat_caller_window_days (30) and repeat_caller_min_calls (3). No phone number, name or address: callers are pseudonyms';
COMMENT ON COLUMN gridgov.repeat_callers.county IS 'County of the calls';
COMMENT ON COLUMN gridgov.repeat_callers.town IS 'Town/street of the calls (the county when the cases have no grid)';
COMMENT ON COLUMN gridgov.repeat_callers.community IS 'Community/village of the calls (the coarser area when they have none)';
COMMENT ON COLUMN gridgov.repeat_callers.topic IS 'Category major class of the calls (first 3 characters of the code), e.g. D01';
COMMENT ON COLUMN gridgov.repeat_callers.topic_name IS 'Its name';
COMMENT ON COLUMN gridgov.repeat_callers.caller IS 'Pseudonym of the caller: the first 12 hex digits of the caller key (HMAC-SHA256 of the normalised phone number under a secret); the same caller has the same pseudonym in every row until the secret is rotated';
COMMENT ON COLUMN gridgov.repeat_callers.calls IS 'Cases the caller reported in the window in this area and topic (merged duplicates included)';
COMMENT ON COLUMN gridgov.repeat_callers.first_call IS 'First of them (reported_at)';
COMMENT ON COLUMN gridgov.repeat_callers.last_call IS 'Last of them';
COMMENT ON COLUMN gridgov.repeat_callers.open_cases IS 'Of them, open now (not closed, not merged)';
COMMENT ON COLUMN gridgov.repeat_callers.sources IS 'Channels they came through, sorted';

-- Population --------------------------------------------------------------------------

CREATE TABLE gridgov.area_population (
    area       gridgov.gridcode NOT NULL,
    year       integer NOT NULL CHECK (year BETWEEN 1949 AND 2200),
    population integer NOT NULL CHECK (population > 0),
    source     text,
    PRIMARY KEY (area, year),
    CONSTRAINT area_population_level CHECK (gridgov.level(area) BETWEEN 3 AND 6)
);
COMMENT ON TABLE gridgov.area_population IS
    'Resident population of areas (county, town, community or grid) by year, as data: the denominator of the case density of the social-conditions index. A month uses its year''s row, else the nearest earlier year''s, else the nearest later year''s. User data, dumped';
COMMENT ON COLUMN gridgov.area_population.area IS 'Area code (county, town, community or grid level)';
COMMENT ON COLUMN gridgov.area_population.year IS 'Year the figure is for (1949-2200)';
COMMENT ON COLUMN gridgov.area_population.population IS 'Resident population (常住人口), more than 0';
COMMENT ON COLUMN gridgov.area_population.source IS 'Where the figure comes from, e.g. the 7th census (第七次全国人口普查)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.area_population', '');

-- Weights and normalisation of the index -------------------------------------------

CREATE TABLE gridgov.social_index_weights (
    area          gridgov.gridcode,
    component     text NOT NULL
                  CHECK (component IN ('case_density', 'disputes', 'repeat_callers', 'satisfaction', 'overdue_share')),
    weight        numeric NOT NULL CHECK (weight >= 0 AND weight <= 1000),
    normalisation text NOT NULL CHECK (normalisation IN ('minmax', 'zscore', 'target')),
    target        numeric CHECK (target > 0 AND target < 'Infinity'),  -- (numeric NaN sorts above Infinity)
    higher_is     text NOT NULL CHECK (higher_is IN ('worse', 'better')),
    note          text,
    builtin       boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (area, component, builtin),
    CONSTRAINT social_index_weights_target CHECK ((normalisation = 'target') = (target IS NOT NULL))
);
COMMENT ON TABLE gridgov.social_index_weights IS
    'Weights and normalisation of the components of the social-conditions index (gridgov.social_index), as data. A row applies to one component in an area and everything under it (NULL: everywhere); for an area and component the row of its closest ancestor-or-self wins, a user row before a shipped one. Ships one row per component (NULL area): an illustrative weighting, not a published one';
COMMENT ON COLUMN gridgov.social_index_weights.area IS 'Area the row applies to, with everything under it; NULL for the default';
COMMENT ON COLUMN gridgov.social_index_weights.component IS 'case_density, disputes, repeat_callers, satisfaction or overdue_share';
COMMENT ON COLUMN gridgov.social_index_weights.weight IS 'Weight of the component (0-1000; 0 leaves it out); the index divides by the sum of the weights of the components that have a value';
COMMENT ON COLUMN gridgov.social_index_weights.normalisation IS 'How the raw value becomes a pressure of 0-1: minmax ((x - min) / (max - min) over the areas of the same level and month; 0 when all are equal: none stands out), zscore (0.5 + z / 4 clamped to 0-1, z over the same areas; 0.5 when they do not vary), target (x / target clamped to 0-1)';
COMMENT ON COLUMN gridgov.social_index_weights.target IS 'Reference value of target normalisation (finite, more than 0): the raw value that means full pressure (higher_is worse) or none (higher_is better); NULL for the others';
COMMENT ON COLUMN gridgov.social_index_weights.higher_is IS 'worse: a higher raw value is more pressure; better: less (the normalised value is 1 minus the above)';
COMMENT ON COLUMN gridgov.social_index_weights.note IS 'Where the weights come from';
COMMENT ON COLUMN gridgov.social_index_weights.builtin IS 'Shipped with gridgov (read-only, not dumped); override it with a user row for the same area and component';

INSERT INTO gridgov.social_index_weights (area, component, weight, normalisation, target, higher_is, note, builtin) VALUES
    (NULL, 'case_density', 30, 'minmax', NULL, 'worse', 'Illustrative default: cases per 10,000 residents, 30 %', true),
    (NULL, 'disputes', 20, 'minmax', NULL, 'worse', 'Illustrative default: dispute cases, 20 %', true),
    (NULL, 'repeat_callers', 15, 'minmax', NULL, 'worse', 'Illustrative default: repeat callers, 15 %', true),
    (NULL, 'satisfaction', 20, 'target', 100, 'better', 'Illustrative default: satisfaction rate against 100 %, 20 %', true),
    (NULL, 'overdue_share', 15, 'target', 100, 'worse', 'Illustrative default: overdue share against 100 %, 15 %', true);
SELECT pg_catalog.pg_extension_config_dump('gridgov.social_index_weights', 'WHERE NOT builtin');

CREATE FUNCTION gridgov.social_index_weights_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('social_index_weights_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG300',
                MESSAGE = 'cannot mark a row of gridgov.social_index_weights as builtin',
                DETAIL = 'Only the gridgov install script writes shipped rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'GG300',
        MESSAGE = pg_catalog.format('cannot %s the shipped default weight of %s', pg_catalog.lower(TG_OP), OLD.component),
        DETAIL = 'Shipped rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Insert your own row for the same area and component (NULL area for the default); it takes precedence.';
END
$$;
COMMENT ON FUNCTION gridgov.social_index_weights_guard() IS
    'Trigger: the shipped social_index_weights rows cannot be updated or deleted, and no row can be marked builtin (GG300)';
CREATE TRIGGER social_index_weights_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.social_index_weights
    FOR EACH ROW EXECUTE FUNCTION gridgov.social_index_weights_guard();

-- A raw value as a pressure of 0-1.
CREATE FUNCTION gridgov.social_normalise(x numeric, normalisation text, target numeric, higher_is text,
                                         lo numeric, hi numeric, mean numeric, sd numeric)
    RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN x IS NULL THEN NULL
            ELSE (SELECT CASE WHEN higher_is = 'better' THEN 1 - v.p ELSE v.p END
                  FROM (SELECT GREATEST(0::numeric, LEAST(1::numeric,
                               CASE normalisation
                                   WHEN 'minmax' THEN CASE WHEN hi > lo THEN (x - lo) / (hi - lo) ELSE 0 END
                                   WHEN 'zscore' THEN CASE WHEN sd > 0 THEN 0.5 + (x - mean) / sd / 4 ELSE 0.5 END
                                   WHEN 'target' THEN x / target END)) AS p) v) END;
COMMENT ON FUNCTION gridgov.social_normalise(numeric, text, numeric, text, numeric, numeric, numeric, numeric) IS
    'A raw component of the social-conditions index as a pressure of 0-1: minmax (x - lo) / (hi - lo) (0 when hi = lo: no area stands out), zscore 0.5 + (x - mean) / sd / 4 (0.5 when sd = 0), target x / target, each clamped to 0-1, then 1 minus it when higher_is is better; NULL for a NULL x';

-- The index -------------------------------------------------------------------------

-- The raw components of every area of a level in a month.
CREATE FUNCTION gridgov.social_index_raw(month date, lvl integer)
    RETURNS TABLE (area gridgov.gridcode, population integer, population_year integer, reported bigint,
                   disputes bigint, repeat_callers bigint, called_back bigint, satisfied bigint, due bigint,
                   overdue bigint)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
    SET jit = off AS $$
    WITH bounds AS (
        SELECT (month::timestamp AT TIME ZONE gridgov.analytics_time_zone()) AS since,
               ((month + interval '1 month')::timestamp AT TIME ZONE gridgov.analytics_time_zone()) AS until
    ), k AS (
        SELECT x.area, x.reported, x.called_back, x.satisfied, x.due, x.due - x.closed_on_time AS overdue
        FROM gridgov.kpi x
        WHERE x.period = 'month' AND x.period_start = month AND x.department_id IS NULL
          AND x.level = CASE lvl WHEN 3 THEN 'county' WHEN 4 THEN 'town' WHEN 5 THEN 'community' ELSE 'grid' END
    ), calls AS (
        SELECT CASE lvl WHEN 3 THEN c.county WHEN 4 THEN c.town WHEN 5 THEN c.community
                        ELSE COALESCE(c.grid, c.community) END AS area,
               c.caller, c.category
        FROM bounds b, gridgov.caller_cases(b.since, b.until) c
        WHERE c.caller IS NOT NULL
    ), rc AS (
        SELECT r.area, pg_catalog.count(*) AS repeat_callers
        FROM (SELECT c.area FROM calls c GROUP BY c.area, c.caller
              HAVING pg_catalog.count(*) >= (SELECT gridgov.setting_integer('repeat_caller_min_calls', 3))) r
        GROUP BY r.area
    ), dispute_codes AS MATERIALIZED (
        SELECT pg_catalog.btrim(p) AS code
        FROM pg_catalog.regexp_split_to_table(
                 (SELECT s.value FROM gridgov.settings s WHERE s.key = 'social_dispute_categories'), ',') p
        WHERE pg_catalog.btrim(p) <> ''
    ), dp AS (
        SELECT CASE lvl WHEN 3 THEN f.county WHEN 4 THEN f.town WHEN 5 THEN f.community
                        ELSE COALESCE(f.grid, f.community) END AS area,
               pg_catalog.count(*) AS disputes
        FROM gridgov.case_stats f
        WHERE f.reported_day >= month AND f.reported_day < (month + interval '1 month')::date
          AND EXISTS (SELECT 1 FROM dispute_codes d WHERE pg_catalog.starts_with(f.category, d.code))
        GROUP BY 1
    ), areas AS (
        SELECT g.code AS area FROM gridgov.grids g
        WHERE g.level = lvl AND g.valid_from < (month + interval '1 month') AND g.valid_to > month
        UNION SELECT k.area FROM k
        UNION SELECT rc.area FROM rc
        UNION SELECT dp.area FROM dp
    )
    SELECT a.area, p.population, p.year,
           COALESCE(k.reported, 0), COALESCE(dp.disputes, 0), COALESCE(rc.repeat_callers, 0),
           COALESCE(k.called_back, 0), COALESCE(k.satisfied, 0), COALESCE(k.due, 0), COALESCE(k.overdue, 0)
    FROM areas a
    LEFT JOIN k ON k.area OPERATOR(gridgov.=) a.area
    LEFT JOIN rc ON rc.area OPERATOR(gridgov.=) a.area
    LEFT JOIN dp ON dp.area OPERATOR(gridgov.=) a.area
    LEFT JOIN LATERAL (
        SELECT ap.population, ap.year FROM gridgov.area_population ap
        WHERE ap.area OPERATOR(gridgov.=) a.area
        ORDER BY ap.year > EXTRACT(year FROM month)::integer, pg_catalog.abs(ap.year - EXTRACT(year FROM month)::integer)
        LIMIT 1) p ON true
$$;
COMMENT ON FUNCTION gridgov.social_index_raw(date, integer) IS
    'Internal: the raw counts of the social-conditions index for every area of a level (3-6) in the month starting on month: the grid versions of the level valid in the month and every area with cases; population (gridgov.area_population: the month''s year, else the nearest earlier, else the nearest later), reported, called back, satisfied, due and overdue (due minus closed on time) from gridgov.kpi, dispute cases (setting social_dispute_categories) and repeat callers (callers with repeat_caller_min_calls cases or more in the area and month)';

CREATE FUNCTION gridgov.social_index(month date, level text DEFAULT 'town')
    RETURNS TABLE (area gridgov.gridcode, area_name text, population integer,
                   population_year integer, reported bigint, case_density numeric, disputes bigint,
                   repeat_callers bigint, called_back bigint, satisfaction_rate numeric, due bigint,
                   overdue bigint, overdue_share numeric, n_case_density numeric, n_disputes numeric,
                   n_repeat_callers numeric, n_satisfaction numeric, n_overdue_share numeric,
                   weights jsonb, index numeric, note text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
    SET jit = off AS $$
#variable_conflict use_column
DECLARE
    lvl integer := CASE social_index.level WHEN 'county' THEN 3 WHEN 'town' THEN 4 WHEN 'community' THEN 5
                                           WHEN 'grid' THEN 6 END;
BEGIN
    IF social_index.month IS NULL OR social_index.level IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'month and level must not be NULL';
    END IF;
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown level "%s"', pg_catalog.left(social_index.level, 40)),
            DETAIL = 'Levels are county, town, community and grid.';
    END IF;
    IF social_index.month <> pg_catalog.date_trunc('month', social_index.month)::date
       OR social_index.month NOT BETWEEN date '1949-01-01' AND date '2200-12-01' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('month must be the first day of a month from 1949 to 2200, not %s',
                                        social_index.month),
            HINT = 'Use date_trunc(''month'', ...)::date.';
    END IF;
    RETURN QUERY
    WITH r AS (
        SELECT x.*,
               CASE WHEN x.population > 0 THEN pg_catalog.round(x.reported * 10000.0 / x.population, 2) END AS v_density,
               gridgov.pct(x.satisfied, x.called_back) AS v_satisfaction,
               gridgov.pct(x.overdue, x.due) AS v_overdue
        FROM gridgov.social_index_raw(social_index.month, lvl) x
    ), v AS (
        SELECT r.area, c.component,
               CASE c.component WHEN 'case_density' THEN r.v_density WHEN 'disputes' THEN r.disputes
                                WHEN 'repeat_callers' THEN r.repeat_callers
                                WHEN 'satisfaction' THEN r.v_satisfaction ELSE r.v_overdue END AS x
        FROM r CROSS JOIN (VALUES ('case_density'), ('disputes'), ('repeat_callers'), ('satisfaction'),
                                  ('overdue_share')) c(component)
    ), st AS (
        SELECT v.component, pg_catalog.min(v.x) AS lo, pg_catalog.max(v.x) AS hi, pg_catalog.avg(v.x) AS mean,
               pg_catalog.stddev_pop(v.x) AS sd
        FROM v GROUP BY v.component
    ), n AS (
        SELECT v.area, v.component, w.weight, w.normalisation, w.target, w.higher_is,
               gridgov.social_normalise(v.x, w.normalisation, w.target, w.higher_is, st.lo, st.hi, st.mean, st.sd) AS p
        FROM v JOIN st ON st.component = v.component
        LEFT JOIN LATERAL (
            SELECT sw.weight, sw.normalisation, sw.target, sw.higher_is FROM gridgov.social_index_weights sw
            WHERE sw.component = v.component AND (sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) v.area)
            ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
            LIMIT 1) w ON true
    ), agg AS (
        SELECT n.area,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'case_density') AS n_density,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'disputes') AS n_disputes,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'repeat_callers') AS n_repeat,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'satisfaction') AS n_satisfaction,
               pg_catalog.max(n.p) FILTER (WHERE n.component = 'overdue_share') AS n_overdue,
               pg_catalog.jsonb_object_agg(n.component, pg_catalog.jsonb_build_object(
                   'weight', n.weight, 'normalisation', n.normalisation, 'target', n.target,
                   'higher_is', n.higher_is, 'used', n.p IS NOT NULL AND n.weight > 0)) AS weights,
               CASE WHEN pg_catalog.sum(n.weight) FILTER (WHERE n.p IS NOT NULL) > 0
                    THEN pg_catalog.round(100 * pg_catalog.sum(n.weight * n.p) FILTER (WHERE n.p IS NOT NULL)
                                          / pg_catalog.sum(n.weight) FILTER (WHERE n.p IS NOT NULL), 2) END AS idx
        FROM n GROUP BY n.area
    )
    SELECT r.area, g.name, r.population, r.population_year, r.reported,
           r.v_density, r.disputes, r.repeat_callers, r.called_back, r.v_satisfaction, r.due, r.overdue, r.v_overdue,
           pg_catalog.round(a.n_density, 4), pg_catalog.round(a.n_disputes, 4), pg_catalog.round(a.n_repeat, 4),
           pg_catalog.round(a.n_satisfaction, 4), pg_catalog.round(a.n_overdue, 4), a.weights, a.idx,
           pg_catalog.concat_ws('; ',
               CASE WHEN r.population IS NULL THEN 'no population for the area: case density is NULL and left out' END,
               CASE WHEN r.called_back = 0 THEN 'no callbacks: satisfaction is NULL and left out' END,
               CASE WHEN r.due = 0 THEN 'nothing due: overdue share is NULL and left out' END)
    FROM r JOIN agg a ON a.area OPERATOR(gridgov.=) r.area
    LEFT JOIN LATERAL (
        SELECT gg.name FROM gridgov.grids gg
        WHERE gg.code OPERATOR(gridgov.=) r.area AND gg.valid_from < (social_index.month + interval '1 month')
        ORDER BY gg.valid_from DESC LIMIT 1) g ON true
    ORDER BY r.area;
END
$$;
COMMENT ON FUNCTION gridgov.social_index(date, text) IS
    'Social-conditions index (社情指数) of every area of a level (county, town, community, grid) in a month (its first day, local time): the raw components (case density = cases reported in the month per 10,000 residents of gridgov.area_population, NULL without a population; dispute cases, setting social_dispute_categories; repeat callers, callers with repeat_caller_min_calls cases or more in the area and month; satisfaction rate as three_rates; overdue share = due cases not closed by their deadline / due, %, as timeliness), each normalised to a pressure of 0-1 (n_*) by its gridgov.social_index_weights row, the weights used (JSON) and the index: 100 x sum(weight x pressure) / sum(weight) over the components with a value, 0-100, higher = more pressure; note says which components are missing. Counts every case, as the owner. 22004 NULL, 22023 unknown level or a month that is not the first day of a month';

CREATE FUNCTION gridgov.social_index_series(area gridgov.gridcode, from_month date, to_month date)
    RETURNS TABLE (month date, population integer, reported bigint, case_density numeric, disputes bigint,
                   repeat_callers bigint, satisfaction_rate numeric, overdue_share numeric,
                   n_case_density numeric, n_disputes numeric, n_repeat_callers numeric, n_satisfaction numeric,
                   n_overdue_share numeric, index numeric, note text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    lvl text;
BEGIN
    IF social_index_series.area IS NULL OR from_month IS NULL OR to_month IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'area, from_month and to_month must not be NULL';
    END IF;
    lvl := CASE gridgov.level(social_index_series.area) WHEN 3 THEN 'county' WHEN 4 THEN 'town'
                                                         WHEN 5 THEN 'community' WHEN 6 THEN 'grid' END;
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('area %s is not a county, town, community or grid', social_index_series.area);
    END IF;
    -- (infinity + 119 months is infinity: an infinite series would never end)
    IF NOT (pg_catalog.isfinite(from_month) AND pg_catalog.isfinite(to_month))
       OR to_month < from_month OR to_month > from_month + interval '119 months' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('the series from %s to %s must be finite, run forward and span at most 120 months',
                                        from_month, to_month);
    END IF;
    RETURN QUERY
    SELECT m.m::date, s.population, COALESCE(s.reported, 0), s.case_density, COALESCE(s.disputes, 0),
           COALESCE(s.repeat_callers, 0), s.satisfaction_rate, s.overdue_share, s.n_case_density, s.n_disputes,
           s.n_repeat_callers, s.n_satisfaction, s.n_overdue_share, s.index,
           COALESCE(s.note, 'no data for the area in this month')
    FROM pg_catalog.generate_series(from_month::timestamp, to_month::timestamp, interval '1 month') m(m)
    LEFT JOIN LATERAL (
        SELECT x.* FROM gridgov.social_index(m.m::date, lvl) x
        WHERE x.area OPERATOR(gridgov.=) social_index_series.area) s ON true
    ORDER BY 1;
END
$$;
COMMENT ON FUNCTION gridgov.social_index_series(gridgov.gridcode, date, date) IS
    'Time series of the social-conditions index of one area (county, town, community or grid): one row per month from from_month to to_month (first days of months, at most 120) with the raw and normalised components and the index as gridgov.social_index() gives them for the area''s level (an area without data in a month: counts 0, the rest NULL). 22004 NULL, 22023 an area of another level, months that are not first days or not finite, a backward or longer span';

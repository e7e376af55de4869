-- Repeat callers (src/sql/088_social.sql, up to '-- Population').
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

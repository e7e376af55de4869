-- Repeat callers (重点人群, src/sql/088_social.sql, src/cases/callerkey.c, docs/bi.md
-- "Repeat callers", docs/security.md "The caller key"):
--   1. the normalised number: one phone written many ways is one number;
--   2. the key: HMAC-SHA256 under the secret, one key per number, none below 7 digits;
--   3. repeat_callers(): the window and the threshold bound it, per area and topic,
--      pseudonyms and never the number, open cases and sources;
--   4. the secret: readable by the owner only, restored by an INSERT, rotated;
--      the key functions are not executable by PUBLIC; an analyst without
--      contact rights reads the view;
--   5. settings and bad arguments give their documented SQLSTATEs.
BEGIN;
SELECT plan(50);
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql

-- 1. The number ---------------------------------------------------------------------------
SELECT is(ARRAY[gridgov.caller_phone_digits('+86 138-0013-8000'), gridgov.caller_phone_digits('13800138000'),
                gridgov.caller_phone_digits('１３８００１３８０００'), gridgov.caller_phone_digits('0086 138 0013 8000'),
                gridgov.caller_phone_digits('一三八〇〇一三八〇〇〇'), gridgov.caller_phone_digits('(+86)138.0013.8000'),
                gridgov.caller_phone_digits('+86 (0)138 0013 8000'), gridgov.caller_phone_digits('013800138000'),
                gridgov.caller_phone_digits('𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎'), gridgov.caller_phone_digits('壹叁捌零零壹叁捌零零零')],
          array_fill('13800138000'::text, ARRAY[10]),
          'one mobile number written ten ways (+86, full-width, 0086, Chinese numerals, dots, a trunk 0, mathematical digits, 大写) is 13800138000');
SELECT is(ARRAY[gridgov.caller_phone_digits('010-6512 3456'), gridgov.caller_phone_digits('86 010 6512 3456'),
                gridgov.caller_phone_digits('8613800138'), gridgov.caller_phone_digits('0013800138000')],
          ARRAY['01065123456', '8601065123456', '8613800138', '0013800138000'],
          'a prefix is dropped only before an 11-digit mobile number (1...): landlines and other lengths stay as written');
SELECT is(ARRAY[gridgov.caller_phone_digits('123456'), gridgov.caller_phone_digits(''),
                gridgov.caller_phone_digits('no number'), gridgov.caller_phone_digits(NULL)],
          ARRAY[NULL, NULL, NULL, NULL]::text[], 'fewer than 7 digits, empty, none or NULL: no number');
SELECT is(gridgov.caller_phone_digits(repeat('１', 100000)), repeat('1', 100000), 'a huge input is read whole');

-- 2. The key ------------------------------------------------------------------------------
CREATE TEMP TABLE k AS SELECT secret FROM gridgov.caller_key_secret;
SELECT is((SELECT count(DISTINCT gridgov.caller_hmac(p, k.secret)) FROM k,
                  unnest(ARRAY['+86 138-0013-8000', '13800138000', '１３８００１３８０００']) p), 1::bigint,
          'the three ways of writing it have one key');
SELECT isnt((SELECT gridgov.caller_hmac('13800138000', secret) FROM k),
            (SELECT gridgov.caller_hmac('13800138001', secret) FROM k), 'another number has another key');
SELECT is((SELECT octet_length(gridgov.caller_hmac('13800138000', secret)) FROM k), 32, 'a key is 32 bytes (SHA-256)');
-- RFC 4231 test case 2 gives HMAC-SHA256 itself; here, the key of 13800138000 under an all-zero secret,
-- as sha256 computes HMAC (ipad/opad) from its definition.
SELECT is(gridgov.caller_hmac('13800138000', ('\x' || repeat('00', 32))::bytea),
          sha256(('\x' || repeat('5c', 64))::bytea || sha256(('\x' || repeat('36', 64))::bytea || '13800138000'::bytea)),
          'it is HMAC-SHA256 of the normalised number (checked against the definition with sha256)');
SELECT is((SELECT gridgov.caller_hmac('123456', secret) FROM k), NULL, 'no key below 7 digits');
SELECT is(gridgov.caller_hmac(NULL, NULL), NULL, 'NULL gives NULL');
SELECT throws_ok($$SELECT gridgov.caller_hmac('13800138000', '\x0102')$$, '22023',
                 'the caller key secret must be 32 bytes long, not 2', 'a secret of another length: 22023, no number in the message');

-- 3. Repeat callers ------------------------------------------------------------------------
-- As of 2026-03-10 12:00.  Community 004001 (亦庄, topic H01): the caller A three times,
-- written three ways (one answered, so closed), and once in topic E05; B twice.  C three
-- times in town 005, one 40 days before (out of a 30-day window).  D at as_of exactly.
CREATE TEMP TABLE m (label text, source text, category text, lon float8, lat float8, at timestamptz, phone text);
INSERT INTO m VALUES
    ('A1', 'hotline', 'H0101', 116.45, 39.85, '2026-03-02 09:00', '+86 138-0013-8000'),
    ('A2', 'hotline', 'H0102', 116.45, 39.85, '2026-03-05 09:00', '13800138000'),
    ('A3', 'app',     'H0101', 116.46, 39.86, '2026-03-09 09:00', '１３８００１３８０００'),
    ('A4', 'hotline', 'E0501', 116.45, 39.85, '2026-03-09 10:00', '13800138000'),
    ('B1', 'hotline', 'H0101', 116.45, 39.85, '2026-03-03 09:00', '139 0013 9000'),
    ('B2', 'hotline', 'H0101', 116.45, 39.85, '2026-03-04 09:00', '13900139000'),
    ('C1', 'hotline', 'H0101', 116.30, 39.70, '2026-01-29 09:00', '13600136000'),
    ('C2', 'hotline', 'H0101', 116.30, 39.70, '2026-02-20 09:00', '13600136000'),
    ('C3', 'hotline', 'H0101', 116.30, 39.70, '2026-03-01 09:00', '13600136000'),
    ('D1', 'hotline', 'H0101', 116.30, 39.70, '2026-03-08 12:00', '13500135000'),
    ('D2', 'hotline', 'H0101', 116.30, 39.70, '2026-03-10 12:00', '13500135000'),
    ('S1', 'hotline', 'H0101', 116.30, 39.70, '2026-03-08 12:00', '12345'),
    ('S2', 'hotline', 'H0101', 116.30, 39.70, '2026-03-08 13:00', '12345'),
    ('S3', 'hotline', 'H0101', 116.30, 39.70, '2026-03-08 14:00', '12345');
INSERT INTO gridgov.cases (source, category, title, location, reported_at, reporter_phone)
SELECT source::gridgov.case_source, category, label, ST_SetSRID(ST_MakePoint(lon, lat), 4326), at, phone FROM m;
SELECT is(count(*), 1::bigint, 'A1 answered (closed)')
FROM (SELECT gridgov.act(c.id, 'answer', NULL, '{}', c.reported_at + interval '10 minutes')
      FROM gridgov.cases c WHERE c.title = 'A1') x;
CREATE TEMP TABLE pseudo AS
SELECT m.label, left(encode(gridgov.caller_hmac(m.phone, k.secret), 'hex'), 12) AS caller FROM m, k;

CREATE TEMP TABLE r AS SELECT * FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3);
SELECT results_eq($$SELECT county::text, town::text, community::text, topic, topic_name, caller, calls, first_call,
                           last_call, open_cases, sources FROM r$$,
                  $$SELECT '110115', '110115004', '110115004001', 'H01', '城乡建设', p.caller, 3::bigint,
                           '2026-03-02 09:00'::timestamptz, '2026-03-09 09:00'::timestamptz, 2::bigint,
                           ARRAY['app', 'hotline'] FROM pseudo p WHERE p.label = 'A1'$$,
                  'window 30 days, 3 calls: only A, one caller in community 004001 and topic H01 (A4 is E05), 2 still open, by app and hotline');
SELECT is((SELECT caller FROM r), (SELECT caller FROM pseudo WHERE label = 'A3'),
          'its pseudonym is the first 12 hex digits of the key, whichever way the number was written');
SELECT is((SELECT array_agg(p.label ORDER BY p.label) FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 2) x
           JOIN pseudo p ON p.caller = x.caller AND p.label IN ('A1', 'B1', 'C1', 'D1', 'S1')),
          ARRAY['A1', 'B1', 'C1', 'D1'],
          'with 2 calls: A, B, C (two in the window) and D (its second call at as_of exactly counts); not S (5 digits: no key)');
SELECT is((SELECT calls FROM gridgov.repeat_callers('2026-03-10 12:00', 45, 3) x
           JOIN pseudo p ON p.caller = x.caller AND p.label = 'C1'), 3::bigint,
          'a 45-day window takes in C''s call of 29 January');
SELECT is((SELECT count(*) FROM gridgov.repeat_callers('2026-03-10 11:59:59', 30, 2) x
           JOIN pseudo p ON p.caller = x.caller AND p.label = 'D1'), 0::bigint,
          'a second before, D has one call');
SELECT is((SELECT count(*) FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 4)), 0::bigint,
          'nobody called 4 times on one topic in one community');
SELECT is_empty($$SELECT 1 FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 2) x, m
                  WHERE to_jsonb(x)::text LIKE '%' || gridgov.caller_phone_digits(m.phone) || '%'
                     OR to_jsonb(x)::text LIKE '%' || gridgov.mask_phone(m.phone) || '%'
                     OR to_jsonb(x)::text LIKE '%' || right(gridgov.caller_phone_digits(m.phone), 4) || '%'$$,
                'no row carries a number, its masked form or its last four digits');
SELECT is((SELECT array_agg(column_name::text ORDER BY ordinal_position) FROM information_schema.columns
           WHERE table_schema = 'gridgov' AND table_name = 'repeat_callers'),
          ARRAY['county', 'town', 'community', 'topic', 'topic_name', 'caller', 'calls', 'first_call', 'last_call',
                'open_cases', 'sources'], 'the view''s columns: areas, topic, pseudonym and counts only');

-- 4. The secret ---------------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM gridgov.caller_key_secret WHERE octet_length(secret) = 32), 1::bigint,
          'one secret of 32 bytes, made at install');
SELECT ok((SELECT extcondition[array_position(extconfig, 'gridgov.caller_key_secret'::regclass)] = ''
           FROM pg_extension WHERE extname = 'gridgov'), 'it is dumped with the data');
-- pg_restore inserts the dumped secret after CREATE EXTENSION made a new one.
INSERT INTO gridgov.caller_key_secret (secret, created_at) VALUES (('\x' || repeat('ab', 32))::bytea, '2020-01-01');
SELECT is((SELECT array_agg(secret) FROM gridgov.caller_key_secret), ARRAY[('\x' || repeat('ab', 32))::bytea],
          'an INSERT (a restore) replaces the secret: still one row, the restored one');
SELECT is((SELECT caller FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3)),
          left(encode(gridgov.caller_hmac('13800138000', ('\x' || repeat('ab', 32))::bytea), 'hex'), 12),
          'and the pseudonyms follow it (so a restored database tells the same callers as the dumped one)');
SELECT throws_ok($$INSERT INTO gridgov.caller_key_secret (singleton, secret) VALUES (false, '\x00')$$, '23514', NULL,
                 'a malformed secret is refused');
SELECT isnt(gridgov.caller_key_rotate(), NULL, 'caller_key_rotate() makes a new secret');
SELECT isnt((SELECT secret FROM gridgov.caller_key_secret), ('\x' || repeat('ab', 32))::bytea, 'a new one');
SELECT is((SELECT calls FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3)), 3::bigint,
          'after a rotation A is still one caller');
SELECT isnt((SELECT caller FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3)),
            left(encode(gridgov.caller_hmac('13800138000', ('\x' || repeat('ab', 32))::bytea), 'hex'), 12),
            'under a new pseudonym');

DELETE FROM gridgov.caller_key_secret;
SELECT throws_ok($$SELECT * FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3)$$, '55000',
                 'the caller key has no secret', 'without a secret no caller is counted: 55000, not an empty list');
SELECT throws_ok($$SELECT * FROM gridgov.social_index('2026-03-01', 'town')$$, '55000', NULL, 'nor an index');
SELECT isnt(gridgov.caller_key_rotate(), NULL, 'caller_key_rotate() makes one again');
SELECT is((SELECT count(*) FROM gridgov.caller_key_secret WHERE octet_length(secret) = 32), 1::bigint, 'one');

CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
SELECT is((SELECT array_agg(r ORDER BY r) FROM unnest(ARRAY['gridgov_admin', 'gridgov_analyst', 'gridgov_dispatcher',
                                                            'gridgov_leader', 'gridgov_auditor', 'public']) r
           WHERE has_table_privilege(r, 'gridgov.caller_key_secret', 'SELECT')), NULL,
          'no group role (not even admin) and not PUBLIC may read the secret');
SELECT is((SELECT array_agg(f ORDER BY f) FROM unnest(ARRAY['gridgov.caller_hmac(text, bytea)',
                                                            'gridgov.caller_cases(timestamptz, timestamptz)',
                                                            'gridgov.caller_secret_new()',
                                                            'gridgov.caller_key_rotate()']) f
           WHERE has_function_privilege('public', f::regprocedure, 'EXECUTE')), NULL,
          'PUBLIC may not compute a key (nobody hashes a guessed number), list the keyed cases, nor rotate');
SELECT ok(has_function_privilege('gridgov_admin', 'gridgov.caller_key_rotate()', 'EXECUTE')
          AND NOT has_function_privilege('gridgov_admin', 'gridgov.caller_hmac(text, bytea)', 'EXECUTE'),
          'the admin role rotates, but computes no key either');
CREATE ROLE gg_rc_analyst NOLOGIN IN ROLE gridgov_analyst;
CREATE ROLE gg_rc_leader NOLOGIN IN ROLE gridgov_leader;
SET LOCAL ROLE gg_rc_analyst;
SELECT throws_ok('SELECT reporter_phone FROM gridgov.cases', '42501', NULL, 'an analyst has no contact rights');
SELECT lives_ok('SELECT count(*) FROM gridgov.repeat_callers', 'but reads the view');
SELECT is((SELECT calls FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3)), 3::bigint, 'and the function');
SELECT throws_ok('SELECT * FROM gridgov.caller_key_secret', '42501', NULL, 'not the secret');
SELECT throws_ok($$SELECT gridgov.caller_hmac('13800138000', '\x00')$$, '42501', NULL, 'nor the key function');
RESET ROLE;
SET LOCAL ROLE gg_rc_leader;
SELECT is((SELECT calls FROM gridgov.repeat_callers('2026-03-10 12:00', 30, 3)), 3::bigint, 'a leader reads them too');
RESET ROLE;

-- 5. Settings and bad arguments -------------------------------------------------------------------
UPDATE gridgov.settings SET value = '45' WHERE key = 'repeat_caller_window_days';
UPDATE gridgov.settings SET value = '2' WHERE key = 'repeat_caller_min_calls';
SELECT is((SELECT calls FROM gridgov.repeat_callers('2026-03-10 12:00') x
           JOIN gridgov.caller_key_secret k ON x.caller = left(encode(gridgov.caller_hmac('13600136000', k.secret), 'hex'), 12)),
          3::bigint, 'without arguments the settings apply: 45 days, 2 calls');
SELECT throws_ok($$UPDATE gridgov.settings SET value = '0' WHERE key = 'repeat_caller_window_days'$$, '22023',
                 'setting repeat_caller_window_days must be a number of days from 1 to 366, not "0"',
                 'a window of 0 days is refused (22023)');
SELECT throws_ok($$UPDATE gridgov.settings SET value = 'x' WHERE key = 'repeat_caller_min_calls'$$, '22023', NULL,
                 'a threshold that is no number too');
SELECT throws_ok($$SELECT * FROM gridgov.repeat_callers(NULL)$$, '22004', NULL, 'NULL as_of: 22004');
-- (infinity gave no caller without a word; the end of time raised 22008 from the window's arithmetic)
SELECT throws_ok($$SELECT * FROM gridgov.repeat_callers('infinity')$$, '22023', NULL, 'an infinite as_of: 22023, not no callers');
SELECT throws_ok($$SELECT * FROM gridgov.repeat_callers('294276-12-31 23:00 UTC')$$, '22023', NULL,
                 'an as_of after 2200: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.repeat_callers('2026-03-10', 0)$$, '22023', 'window_days must be from 1 to 366, not 0',
                 'window_days 0: 22023');
SELECT throws_ok($$SELECT * FROM gridgov.repeat_callers('2026-03-10', 30, 1)$$, '22023', 'min_calls must be from 2 to 1000, not 1',
                 'min_calls 1: 22023 (everyone would be a repeat caller)');

SELECT * FROM finish();
ROLLBACK;

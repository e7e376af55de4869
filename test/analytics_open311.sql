-- Open311 GeoReport v2, field by field against the spec: GET services, POST a
-- request (and every client error, in the spec's error shape), GET a request,
-- GET requests with each filter and the 90-day / 1,000-request defaults; no
-- personal data in any answer.  Issue 16: W3C date-times only (gridgov.w3c_parse,
-- the same instants in any session TimeZone), a point outside every grid refused,
-- the form keys attribute[CODE], GET service definition, and the roles
-- gridgov_open311 (reads) and gridgov_reporter (also files).
BEGIN;
SELECT plan(187);
-- Analytics refreshed in the writing transaction (the queue is tested in sql/analytics.sql).
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'UTC';   -- answers must not depend on the session's zone
\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;
-- A neighbouring county's outline, to post into the wrong jurisdiction.
INSERT INTO gridgov.grids (code, name, geom) VALUES ('110114', '昌平区', sq(117.4, 40.4, 117.6, 40.6));

-- An error answer is [{"code": <int>, "description": <text>}] and nothing else.
CREATE FUNCTION is_error(answer jsonb, code int, what text) RETURNS text LANGUAGE sql AS $$
    SELECT ok(jsonb_typeof(answer) = 'array' AND jsonb_array_length(answer) = 1
              AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(answer -> 0) k) = '{code,description}'
              AND jsonb_typeof(answer -> 0 -> 'code') = 'number' AND (answer -> 0 ->> 'code')::int = code
              AND jsonb_typeof(answer -> 0 -> 'description') = 'string' AND length(answer -> 0 ->> 'description') > 0,
              format('%s: error %s (%s)', what, code, answer -> 0 ->> 'description'))
$$;

-- GET services ------------------------------------------------------------------
CREATE TEMP TABLE services AS SELECT jsonb_array_elements(gridgov.open311_services()) AS s;
SELECT is((SELECT count(*) FROM services),
          (SELECT count(*) FROM gridgov.categories c WHERE c.active
             AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = c.code AND ch.active)),
          'services: one per active leaf category');
SELECT is_empty($$SELECT s FROM services WHERE (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(s) k)
                  <> '{description,group,keywords,metadata,service_code,service_name,type}'$$,
                'services: each has exactly the spec''s fields');
SELECT is_empty($$SELECT s FROM services
                  WHERE jsonb_typeof(s -> 'service_code') <> 'string' OR jsonb_typeof(s -> 'service_name') <> 'string'
                     OR jsonb_typeof(s -> 'description') <> 'string' OR s -> 'metadata' <> 'false'
                     OR s ->> 'type' <> 'realtime' OR jsonb_typeof(s -> 'keywords') <> 'string'
                     OR jsonb_typeof(s -> 'group') <> 'string'$$,
                'services: strings, metadata false, type realtime');
SELECT is((SELECT s FROM services WHERE s ->> 'service_code' = 'E0102'),
          '{"service_code": "E0102", "service_name": "暴露垃圾", "description": "市容环境 / 暴露垃圾", "metadata": false,
            "type": "realtime", "keywords": "event,E0102", "group": "市容环境"}'::jsonb,
          'services: E0102 暴露垃圾 in group 市容环境');
SELECT ok(NOT EXISTS (SELECT 1 FROM services WHERE s ->> 'service_code' = 'E01')
          AND EXISTS (SELECT 1 FROM services WHERE s ->> 'service_code' = 'D04'),
          'services: a class with subclasses is a group, a class without is a service');
UPDATE gridgov.categories SET active = false WHERE code = 'E0104';
SELECT ok(NOT gridgov.open311_services() @> '[{"service_code": "E0104"}]', 'services: inactive categories are left out');

-- POST a request -------------------------------------------------------------------
CREATE TEMP TABLE posted AS SELECT gridgov.open311_submit(
    '{"service_code": "E0102", "lat": 39.851234, "long": 116.451234, "first_name": "小明", "last_name": "王",
      "phone": "13800138000", "email": "wxm@example.com", "device_id": "d-1", "account_id": "a-1",
      "media_url": "https://example.com/p.jpg", "attribute": {"x": 1}, "api_key": "k",
      "address_string": "兴华大街88号3单元502",
      "description": "我是王小明，电话13800138000，楼下垃圾三天没人清。"}'::jsonb) AS a;
SELECT is((SELECT jsonb_array_length(a) FROM posted), 1, 'POST: an array of one object');
SELECT is((SELECT array_agg(k ORDER BY k) FROM posted, jsonb_object_keys(a -> 0) k),
          '{account_id,service_notice,service_request_id}'::text[], 'POST: exactly the spec''s fields');
CREATE TEMP TABLE made AS
SELECT c.* FROM gridgov.cases c, posted WHERE c.case_no = a -> 0 ->> 'service_request_id';
SELECT is((SELECT count(*) FROM made), 1::bigint, 'POST: service_request_id is the new case''s number');
SELECT is((SELECT a -> 0 ->> 'service_notice' FROM posted), '数字城管案件', 'POST: service_notice is the workflow''s title');
SELECT is((SELECT a -> 0 -> 'account_id' FROM posted), 'null'::jsonb, 'POST: account_id null');
SELECT results_eq($$SELECT source::text, category COLLATE "default", reporter_name, reporter_phone, address, grid::text,
                           round(ST_X(location)::numeric, 6), round(ST_Y(location)::numeric, 6), state
                    FROM made$$,
                  $$VALUES ('app', 'E0102', '王小明', '13800138000', '兴华大街88号3单元502', '110115004001001',
                            116.451234, 39.851234, 'reported')$$,
                  'POST: the case keeps source app, category, reporter (family name first), phone, address, exact WGS-84 point; located and routed');
SELECT is((SELECT description FROM made), '我是王小明，电话13800138000，楼下垃圾三天没人清。', 'POST: description kept for the staff');
SELECT is((SELECT title FROM made), '暴露垃圾', 'POST: the title is the service name (the public answers never carry the citizen''s own words)');
SELECT is(gridgov.open311_submit('{"service_code": "E0102", "address_id": "110115004002", "first_name": "Wei", "last_name": "Zhang"}') -> 0 ->> 'service_notice',
          '数字城管案件', 'POST: an address_id (grid code) is a location');
SELECT results_eq($$SELECT grid::text, location IS NULL, reporter_name, title FROM gridgov.cases WHERE reporter_name = 'Wei Zhang'$$,
                  $$VALUES ('110115004002', true, 'Wei Zhang', '暴露垃圾')$$,
                  'POST: placed in that grid, given name first for Latin names, titled by the service');
SELECT isnt(gridgov.open311_submit('{"service_code": "H0101", "address_string": "某路口", "jurisdiction_id": "110115"}') -> 0 ->> 'service_request_id',
            NULL, 'POST: an address_string is a location; the jurisdiction may be given');

-- POST errors, each in the spec's shape, creating nothing.
CREATE TEMP TABLE before_errors AS SELECT count(*) AS n FROM gridgov.cases;
SELECT is_error(gridgov.open311_submit('{"lat": 39.85, "long": 116.45}'), 400, 'POST without service_code');
SELECT is_error(gridgov.open311_submit('{"service_code": "", "lat": 39.85, "long": 116.45}'), 400, 'POST with empty service_code');
SELECT is_error(gridgov.open311_submit('{"service_code": "E9999", "lat": 39.85, "long": 116.45}'), 404, 'POST with unknown service_code');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0104", "lat": 39.85, "long": 116.45}'), 404, 'POST with inactive service_code');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102"}'), 400, 'POST without location');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85}'), 400, 'POST with lat only');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 95, "long": 116.45}'), 400, 'POST with lat out of range');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": "north", "long": 116.45}'), 400, 'POST with lat not a number');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": "NaN", "long": 116.45}'), 400, 'POST with lat NaN');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "address_id": "99"}'), 400, 'POST with address_id not a grid');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "address_id": "abc"}'), 400, 'POST with malformed address_id');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "favourite": "x"}'), 400, 'POST with an unknown parameter');
SELECT is_error(gridgov.open311_submit('{"service_code": ["E0102"], "lat": 39.85, "long": 116.45}'), 400, 'POST with a non-string parameter');
SELECT is_error(gridgov.open311_submit('[1, 2]'), 400, 'POST with a JSON array');
SELECT is_error(gridgov.open311_submit(NULL), 400, 'POST with nothing');
SELECT is_error(gridgov.open311_submit(jsonb_build_object('service_code', 'E0102', 'address_string', 'x', 'description', repeat('长', 20001))),
                400, 'POST with a too long description');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "jurisdiction_id": "110116"}'), 404, 'POST to an unknown jurisdiction');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "jurisdiction_id": "11011"}'), 404, 'POST to a malformed jurisdiction');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 40.5, "long": 117.5, "jurisdiction_id": "110115"}'), 400, 'POST located in another county than the jurisdiction');
SELECT is((SELECT count(*) FROM gridgov.cases), (SELECT n FROM before_errors), 'no error created a case');

-- GET a request ----------------------------------------------------------------------
-- The posted case, dispatched and closed on a timeline, with a deadline.  The
-- POST was reported now(); its timeline runs up to an hour ahead of that.
SET LOCAL gridgov.future_tolerance = '1h';
SELECT is((gridgov.act(id, 'file', NULL, '{}', reported_at + interval '10 minutes')).state, 'filed', 'the posted case is filed')
FROM made;
INSERT INTO gridgov.case_clocks (county, case_id, stage, seq, calendar_id, amount, unit, started_at, due_at, warn_at)
SELECT county, id, 'whole', 1, (SELECT id FROM gridgov.calendars WHERE name = 'cn'), 1, 'working_days',
       reported_at, '2030-01-01 10:00+08', reported_at FROM made;
-- (a clock written by hand bypasses the case history the analytics follow)
CREATE TEMP TABLE refreshed AS SELECT gridgov.analytics_refresh(ARRAY(SELECT id FROM made)) AS n;
CREATE TEMP TABLE got AS SELECT gridgov.open311_request((SELECT case_no FROM made)) AS a;
SELECT is((SELECT jsonb_array_length(a) FROM got), 1, 'GET request: an array of one object');
SELECT is((SELECT array_agg(k ORDER BY k) FROM got, jsonb_object_keys(a -> 0) k),
          '{address,address_id,agency_responsible,description,expected_datetime,lat,long,media_url,requested_datetime,service_code,service_name,service_notice,service_request_id,status,status_notes,updated_datetime,zipcode}'::text[],
          'GET request: exactly the spec''s 17 fields');
SELECT is((SELECT a -> 0 ->> 'service_request_id' FROM got), (SELECT case_no FROM made), 'service_request_id: the case number');
SELECT is((SELECT a -> 0 ->> 'status' FROM got), 'open', 'status: open');
SELECT is((SELECT a -> 0 ->> 'status_notes' FROM got), '已立案', 'status_notes: the state''s title');
SELECT is((SELECT a -> 0 ->> 'service_name' FROM got) || '/' || (SELECT a -> 0 ->> 'service_code' FROM got), '暴露垃圾/E0102',
          'service_name and service_code: the category');
SELECT is((SELECT a -> 0 ->> 'description' FROM got), '暴露垃圾',
          'description: the title (the service name for a POSTed request), masked; never the POSTed description');
SELECT is(gridgov.mask_personal('我是王小明，电话13800138000，楼下垃圾三天没人清。', '王小明', '13800138000'),
          '我是**，电话***，楼下垃圾三天没人清。', 'mask_personal: name and phone masked (a staff-written title that names them)');
SELECT is((SELECT a -> 0 ->> 'agency_responsible' FROM got), '亦庄地区网格化服务管理中心', 'agency_responsible: the department');
SELECT is((SELECT a -> 0 ->> 'service_notice' FROM got), '数字城管案件', 'service_notice: the workflow');
SELECT ok((SELECT (a -> 0 ->> 'requested_datetime') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$'
                  AND (a -> 0 ->> 'requested_datetime')::timestamptz = date_trunc('second', made.reported_at)
                  AND (a -> 0 ->> 'updated_datetime')::timestamptz = date_trunc('second', made.reported_at + interval '10 minutes')
           FROM got, made),
          'requested_datetime and updated_datetime: W3C date-times with the +08:00 offset');
SELECT is((SELECT a -> 0 ->> 'expected_datetime' FROM got), '2030-01-01T10:00:00+08:00', 'expected_datetime: the deadline');
SELECT is((SELECT a -> 0 ->> 'address' FROM got) || '|' || (SELECT a -> 0 ->> 'address_id' FROM got),
          '亦庄地区 贵园北里社区第1网格|110115004001001', 'address: town and grid names (not the free text); address_id: the grid');
SELECT is((SELECT a -> 0 -> 'zipcode' FROM got) || (SELECT a -> 0 -> 'media_url' FROM got), 'null'::jsonb || 'null'::jsonb,
          'zipcode and media_url: null');
SELECT is((SELECT (a -> 0 -> 'lat') || (a -> 0 -> 'long') FROM got), '[39.851, 116.451]'::jsonb,
          'lat and long: WGS-84 numbers rounded to 0.001 degree');
SELECT ok((SELECT a::text !~ '(王小明|13800138000|兴华大街|wxm@|example\.com)' FROM got), 'no personal data in the answer');
SELECT is((gridgov.act(id, 'merge', NULL, jsonb_build_object('master_case_id',
               (SELECT id FROM gridgov.cases WHERE reporter_name = 'Wei Zhang')), reported_at + interval '20 minutes')).state,
          'merged', 'merged into another case')
FROM made;
SELECT is(gridgov.open311_request((SELECT case_no FROM made)) -> 0 ->> 'status_notes',
          '已合并（已合并至 ' || (SELECT case_no FROM gridgov.cases WHERE reporter_name = 'Wei Zhang') || '）',
          'status_notes of a merged duplicate names its master');
SELECT is_error(gridgov.open311_request('110115-20260302-9999999'), 404, 'GET an unknown request');

-- GET requests -------------------------------------------------------------------------
-- 1,005 hotline tickets in the 10 days before 1 March 2026, one from 100 days before.
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
SELECT 'hotline', CASE WHEN i % 5 = 0 THEN 'H0201' ELSE 'H0101' END, 'bulk ' || i, ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326),
       timestamptz '2026-03-01 00:00+08' - i * interval '10 minutes'
FROM generate_series(1, 1005) i;
INSERT INTO gridgov.cases (source, category, title, location, reported_at)
VALUES ('hotline', 'H0101', 'old', ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), '2025-11-21 00:00+08');
SELECT is(count(gridgov.act(id, 'answer', NULL, '{}', reported_at + interval '1 hour')), 100::bigint,
          'one in ten tickets answered (closed)')
FROM gridgov.cases WHERE title LIKE 'bulk %' AND right(title, 1) = '7';
CREATE TEMP TABLE req AS SELECT gridgov.open311_requests('{}', '2026-03-01 00:00+08') AS a;
SELECT is((SELECT jsonb_array_length(a) FROM req), 1000, 'GET requests: at most 1,000 by default');
SELECT is((SELECT a -> 0 ->> 'requested_datetime' FROM req), '2026-02-28T23:50:00+08:00', 'newest first');
SELECT is(jsonb_array_length(gridgov.open311_requests(
              '{"start_date": "2025-11-20T00:00:00+08:00", "end_date": "2025-11-22T00:00:00+08:00"}', '2026-03-01 00:00+08')),
          1, 'start_date and end_date select requested_datetime; the default 90 days left the old one out');
SELECT is(jsonb_array_length(gridgov.open311_requests('{"service_code": "H0201"}', '2026-03-01 00:00+08')), 201,
          'service_code filter');
SELECT is(jsonb_array_length(gridgov.open311_requests('{"service_code": ["H0101"]}', '2026-03-01 00:00+08')), 804,
          'service_code as an array; the default 90 days leave out the 100-day-old request');
SELECT is(jsonb_array_length(gridgov.open311_requests('{"service_code": "H0201,H0101", "status": "closed"}', '2026-03-01 00:00+08')),
          100, 'status filter (closed), with a comma-delimited service_code');
SELECT is(jsonb_array_length(gridgov.open311_requests(
              jsonb_build_object('service_request_id', (SELECT string_agg(case_no, ',') FROM gridgov.cases WHERE title IN ('old', 'bulk 1')),
                                 'start_date', '2026-01-01T00:00:00Z'), '2026-03-01 00:00+08')),
          2, 'service_request_id overrides the other arguments');
SELECT is_error(gridgov.open311_requests('{"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}'), 400, 'GET requests over more than 90 days');
SELECT is_error(gridgov.open311_requests('{"start_date": "2025-06-01T00:00:00Z", "end_date": "2025-05-01T00:00:00Z"}'), 400, 'GET requests with end before start');
SELECT is_error(gridgov.open311_requests('{"start_date": "yesterday-ish"}'), 400, 'GET requests with a malformed date');
SELECT is_error(gridgov.open311_requests('{"status": "pending"}'), 400, 'GET requests with an unknown status');
SELECT is_error(gridgov.open311_requests('{"page": "2"}'), 400, 'GET requests with an unknown parameter');
SELECT is_error(gridgov.open311_requests('{"jurisdiction_id": "abc"}'), 404, 'GET requests for an unknown jurisdiction');

-- W3C date-times (gridgov.w3c_parse, issue 16) ------------------------------------------
-- The state of a parse: 'ok <epoch>' or the SQLSTATE; the epoch does not depend on
-- the session's TimeZone, so the same list must give the same answers in two zones.
CREATE FUNCTION pg_temp.w3c(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN COALESCE('ok ' || extract(epoch FROM gridgov.w3c_parse(t))::text, 'null');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
CREATE TEMP TABLE w3c_valid (t text, want timestamptz);
INSERT INTO w3c_valid VALUES
    ('2026-03-01T00:00:00Z', '2026-03-01 00:00:00+00'),
    ('2026-03-01T00:00Z', '2026-03-01 00:00:00+00'),                 -- no seconds
    ('2026-03-01T08:00:00+08:00', '2026-03-01 00:00:00+00'),
    ('2026-02-28T19:00:00-05:00', '2026-03-01 00:00:00+00'),
    ('2026-03-01T05:45+05:45', '2026-03-01 00:00:00+00'),
    ('2026-03-01T00:00:00.5Z', '2026-03-01 00:00:00.5+00'),          -- fractions
    ('2026-03-01T07:59:59.123456+08:00', '2026-02-28 23:59:59.123456+00'),
    ('2024-02-29T12:00:00-00:00', '2024-02-29 12:00:00+00'),          -- a leap day
    ('2026-03-01T23:59:59Z', '2026-03-01 23:59:59+00');
CREATE TEMP TABLE w3c_invalid (t text, what text);
INSERT INTO w3c_invalid VALUES
    ('yesterday', 'a relative word'), ('now', 'now'), ('today', 'today'), ('tomorrow', 'tomorrow'),
    ('epoch', 'epoch'), ('infinity', 'infinity'), ('-infinity', '-infinity'),
    ('12/01/2026', 'a US date'), ('01.12.2026', 'a German date'), ('J2461000', 'a Julian day'),
    ('2026-03-01', 'a date alone'), ('2026-03-01T00:00:00', 'no offset'), ('2026-03-01T00:00', 'no offset, no seconds'),
    ('2026-03-01 00:00:00+08:00', 'a space for T'), ('2026-03-01T00:00:00+08', 'an offset without minutes'),
    ('2026-03-01T00:00:00+0800', 'an offset without a colon'), ('2026-03-01T00:00:00 Z', 'a space before Z'),
    ('2026-03-01T00:00:00Z ', 'a trailing space'), ('2026-03-01T00:00:00z', 'a lower-case z'),
    ('2026-03-01T00:00:00 Asia/Shanghai', 'a zone name'), ('2026-03-01T00:00:00+08:00[Asia/Shanghai]', 'a bracketed zone'),
    ('2026-13-01T00:00:00Z', 'month 13'), ('2026-00-10T00:00:00Z', 'month 0'), ('2026-02-30T00:00:00Z', 'February 30'),
    ('2026-03-00T00:00:00Z', 'day 0'), ('2026-03-01T25:00:00Z', 'hour 25'), ('2026-03-01T00:60:00Z', 'minute 60'),
    ('0000-01-01T00:00:00Z', 'year 0'), ('２０２６-03-01T00:00:00Z', 'full-width digits'),
    ('', 'an empty string'), (repeat('2026-03-01T00:00:00Z', 50000), 'a huge string'),
    ('2026-03-01T00:00:00.1234567Z', 'seven fraction digits');
-- The W3C profile (https://www.w3.org/TR/NOTE-datetime): hh 00-23, ss 00-59, and the
-- function's own hint says so; PostgreSQL's input reads these as the next minute/day.
-- once a bug, now fixed: w3c_parse('2026-03-01T24:00:00Z') returns 2026-03-02 00:00Z instead of 22007.
-- once a bug, now fixed: w3c_parse('2026-03-01T24:00Z') likewise.
-- once a bug, now fixed: w3c_parse('2026-03-01T00:00:60Z') returns 00:01:00Z instead of 22007.
-- once a bug, now fixed: w3c_parse('2026-03-01T00:00:00+24:00') (and +99:99) raises 22009 (time zone
--   displacement out of range), not 22007: open311_requests does not catch it (500, not 400).
INSERT INTO w3c_invalid VALUES
    ('2026-03-01T24:00:00Z', 'hour 24'), ('2026-03-01T24:00Z', 'hour 24 without seconds'),
    ('2026-03-01T00:00:60Z', 'second 60'), ('2026-03-01T00:00:00+24:00', 'offset +24:00'),
    ('2026-03-01T00:00:00+99:99', 'offset +99:99');

SET LOCAL TimeZone = 'America/New_York';
SELECT is_empty($$SELECT t, pg_temp.w3c(t), want FROM w3c_valid WHERE pg_temp.w3c(t) <> 'ok ' || extract(epoch FROM want)::text$$,
                'w3c_parse: Z, +hh:mm, -hh:mm, fractions, no seconds give their instants (TimeZone America/New_York)');
CREATE TEMP TABLE w3c_ny AS SELECT t, pg_temp.w3c(t) AS got FROM w3c_valid;
SET LOCAL TimeZone = 'Asia/Kathmandu';
SELECT is_empty($$SELECT t, pg_temp.w3c(t), want FROM w3c_valid WHERE pg_temp.w3c(t) <> 'ok ' || extract(epoch FROM want)::text$$,
                'w3c_parse: the same instants in TimeZone Asia/Kathmandu (+05:45)');
SELECT is_empty($$SELECT t FROM w3c_ny n WHERE n.got IS DISTINCT FROM pg_temp.w3c(n.t)$$,
                'w3c_parse: identical answers in both zones');
SELECT ok(gridgov.w3c_parse('2026-03-01T00:00:00.5Z') - gridgov.w3c_parse('2026-03-01T00:00:00Z') = interval '0.5 s',
          'w3c_parse: a fraction is kept');
SELECT is(gridgov.w3c_parse(NULL), NULL, 'w3c_parse: NULL is NULL');
SELECT is(pg_temp.w3c(t), '22007', 'w3c_parse refuses ' || what || ' with 22007 (TimeZone Asia/Kathmandu)')
FROM w3c_invalid ORDER BY what;
SET LOCAL TimeZone = 'UTC';
SELECT is_empty($$SELECT what FROM w3c_invalid WHERE pg_temp.w3c(t) <> '22007'$$,
                'w3c_parse: the same refusals in TimeZone UTC');

-- An Open311 function's answer, or {"raised": SQLSTATE} when it raised (a 500 at the gateway).
CREATE FUNCTION pg_temp.o311(sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
BEGIN
    EXECUTE sql INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN jsonb_build_object('raised', SQLSTATE, 'message', SQLERRM);
END
$$;

-- GET requests: start_date and end_date are W3C date-times with an offset, else 400.
SELECT is_error(pg_temp.o311(format('SELECT gridgov.open311_requests(%L)', jsonb_build_object(k, v))), 400,
                format('GET requests with %s = %s', k, left(v, 40)))
FROM (VALUES ('start_date', 'yesterday'), ('start_date', 'now'), ('start_date', '12/01/2026'), ('start_date', 'J2461000'),
             ('start_date', '2026-02-20T00:00:00'), ('end_date', '2026-02-20T00:00:00'), ('end_date', 'today'),
             ('end_date', 'infinity'), ('start_date', '2026-02-30T00:00:00Z'), ('start_date', repeat('9', 100000)),
             -- once a bug, now fixed: raises 22009 (an SQL error, HTTP 500) instead of answering 400.
             ('start_date', '2026-02-20T00:00:00+24:00'),
             -- once a bug, now fixed: accepted (read as the next day) instead of 400.
             ('end_date', '2026-02-20T24:00:00+08:00')) v(k, v);
-- The 'old' ticket was reported at 2025-11-21 00:00+08: a range of that instant
-- alone, in three spellings, finds it whatever the session's zone.
SET LOCAL TimeZone = 'America/Los_Angeles';
SELECT is(jsonb_array_length(gridgov.open311_requests(jsonb_build_object('start_date', s, 'end_date', s))), 1,
          'GET requests: start_date = end_date = ' || s || ' finds the ticket of that instant (TimeZone America/Los_Angeles)')
FROM unnest(ARRAY['2025-11-21T00:00:00+08:00', '2025-11-20T16:00:00Z', '2025-11-20T11:00-05:00']) s;
SELECT is(gridgov.open311_requests('{"start_date": "2025-11-21T00:00:00+08:00", "end_date": "2025-11-21T00:00:00+08:00"}') -> 0 ->> 'requested_datetime',
          '2025-11-21T00:00:00+08:00', 'GET requests: its requested_datetime in the service''s zone, not the session''s');
SELECT is(jsonb_typeof(gridgov.open311_requests('{"start_date": "2025-11-20T00:00:00.000+08:00"}', '2026-03-01 00:00+08')), 'array',
          'GET requests: a start_date with a fraction and offset alone is an array');
SELECT is(jsonb_array_length(gridgov.open311_requests('{"start_date": "2025-11-21T00:00:00.000001+08:00", "end_date": "2025-11-22T00:00Z"}')), 0,
          'GET requests: a microsecond after the ticket leaves it out');
SET LOCAL TimeZone = 'UTC';

-- POST: a point outside every grid this database serves (Shanghai) -----------------------
CREATE TEMP TABLE before_outside AS SELECT count(*) AS n FROM gridgov.cases;
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 31.2, "long": 121.5}'), 400, 'POST in Shanghai (lat 31.2, long 121.5)');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": "31.2", "long": "121.5"}'), 400, 'POST in Shanghai, as form strings');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 31.2, "long": 121.5, "address_string": "外滩"}'), 400,
                'POST in Shanghai with an address_string');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 31.2, "long": 121.5, "address_id": "110115004002"}'), 400,
                'POST in Shanghai with a Daxing address_id');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.95, "long": 116.45}'), 400,
                'POST 5 km north of Daxing''s outline');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 0, "long": 0}'), 400, 'POST at 0, 0');
SELECT is((SELECT count(*) FROM gridgov.cases), (SELECT n FROM before_outside), 'no point outside created a case');
SELECT is(jsonb_typeof(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.899, "long": 116.599}') -> 0 -> 'service_request_id'), 'string',
          'POST inside, near the corner of the outline, is filed');
SELECT is((SELECT grid::text FROM gridgov.cases ORDER BY id DESC LIMIT 1), '110115004001002', 'and located in its grid');

-- POST: attribute[CODE], the spec's form encoding ----------------------------------------
CREATE TEMP TABLE before_attr AS SELECT count(*) AS n FROM gridgov.cases;
SELECT is(jsonb_typeof(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": "ATTRVAL-one"}') -> 0 -> 'service_request_id'),
          'string', 'POST with attribute[WHISPAWN] as a string is filed');
SELECT is(jsonb_typeof(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": ["ATTRVAL-two", "ATTRVAL-three"], "attribute[ASSET]": "ATTRVAL-four", "api_key": "k"}') -> 0 -> 'service_request_id'),
          'string', 'POST with attribute[WHISPAWN] as an array of strings, and a second attribute, is filed');
SELECT is(jsonb_typeof(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": [], "attribute[x y.z-1]": ""}') -> 0 -> 'service_request_id'),
          'string', 'POST with an empty array and an empty string attribute is filed');
SELECT is((SELECT count(*) FROM gridgov.cases), (SELECT n + 3 FROM before_attr), 'three cases filed');
SELECT is((SELECT count(*) FROM gridgov.cases c WHERE c::text LIKE '%ATTRVAL%'), 0::bigint, 'attributes are not stored');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": ["a", 1]}'), 400,
                'POST with an attribute array holding a number');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": ["a", null]}'), 400,
                'POST with an attribute array holding null');
-- once a bug, now fixed: accepted: jsonb_path_exists(v, '$[*] ? (@.type() != "string")') runs in lax
-- mode, which unwraps the inner array; 'strict $[*] ? (...)' refuses it.
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": [["a"]]}'), 400,
                'POST with an attribute array holding an array');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": {"a": "b"}}'), 400,
                'POST with an attribute object under attribute[CODE]');
SELECT is_error(gridgov.open311_submit('{"service_code": "E0102", "lat": 39.85, "long": 116.45, "attribute[WHISPAWN]": 7}'), 400,
                'POST with a number attribute');
SELECT is(gridgov.open311_submit(jsonb_build_object('service_code', 'E0102', 'lat', 39.85, 'long', 116.45, k, 'x')) -> 0 ->> 'description',
          'unknown parameter: ' || left(k, 40), 'POST with the key ' || left(k, 30) || ': unknown parameter')
FROM unnest(ARRAY['attribute[]', 'attribute[x]y', 'attribute[a[b]', 'attribute[a]b]', 'attribute[x', 'attributes[x]', 'Attribute[x]',
                  'xattribute[x]', 'attribute[x][y]']) k;
SELECT is_error(gridgov.open311_submit(jsonb_build_object('service_code', 'E0102', 'address_string', 'x',
                                                          'attribute[' || repeat('k', 101) || ']', 'v')), 400,
                'POST with an attribute code of 101 characters');
CREATE TEMP TABLE huge_key AS SELECT gridgov.open311_submit(jsonb_build_object('service_code', 'E0102', 'address_string', 'x',
                                                                              'attribute[' || repeat('長', 100000) || ']', 'v')) AS a;
SELECT is_error((SELECT a FROM huge_key), 400, 'POST with a 100,000-character attribute key');
SELECT ok((SELECT length(a -> 0 ->> 'description') < 100 FROM huge_key), 'the error quotes at most 40 characters of the key');
-- (failed while the nested array above was accepted)
SELECT is((SELECT count(*) FROM gridgov.cases), (SELECT n + 3 FROM before_attr), 'no refused attribute created a case');

-- GET service definition ---------------------------------------------------------------
SELECT is(gridgov.open311_service_definition('E0102'), '{"service_code": "E0102", "attributes": []}'::jsonb,
          'service definition of a leaf service: its code, no attributes');
SELECT is(gridgov.open311_service_definition('D04'), '{"service_code": "D04", "attributes": []}'::jsonb,
          'service definition of a class without subclasses');
SELECT is_error(gridgov.open311_service_definition('E01'), 404, 'service definition of a parent class (a group)');
SELECT is_error(gridgov.open311_service_definition('E0104'), 404, 'service definition of an inactive category');
SELECT is_error(gridgov.open311_service_definition(NULL), 404, 'service definition of NULL');
SELECT is_error(gridgov.open311_service_definition('E9999'), 404, 'service definition of an unknown code');
SELECT is_error(gridgov.open311_service_definition(repeat('E', 100000)), 404, 'service definition of a huge code');
SELECT is_empty($$SELECT s ->> 'service_code' FROM services
                  WHERE s ->> 'service_code' <> 'E0104'
                    AND gridgov.open311_service_definition(s ->> 'service_code') ->> 'service_code' IS DISTINCT FROM s ->> 'service_code'$$,
                'every service listed has its definition');
SELECT is((SELECT count(*) FROM gridgov.categories c WHERE jsonb_typeof(gridgov.open311_service_definition(c.code)) = 'object'),
          (SELECT jsonb_array_length(gridgov.open311_services())::bigint), 'and no other category has one');

-- Privileges: gridgov_open311 reads, gridgov_reporter also files -------------------------
CREATE TEMP TABLE roles_made AS SELECT gridgov.setup_roles();
CREATE ROLE o311_t_reader IN ROLE gridgov_open311;
CREATE ROLE o311_t_reporter IN ROLE gridgov_reporter;
CREATE ROLE o311_t_nobody;
-- A statement as a role: 'ok <first value>' or the SQLSTATE (the role is reset after).
CREATE FUNCTION pg_temp.as_role(r text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    BEGIN
        PERFORM set_config('role', r, true);
        EXECUTE sql INTO v;
        PERFORM set_config('role', 'none', true);
        RETURN 'ok ' || COALESCE(v, 'null');
    EXCEPTION WHEN OTHERS THEN
        PERFORM set_config('role', 'none', true);
        RETURN SQLSTATE;
    END;
END
$$;
SELECT is(left(pg_temp.as_role(r, sql), 2), want, format('%s: %s', r, what))
FROM (VALUES ('o311_t_reader', 'SELECT jsonb_typeof(gridgov.open311_services())', 'ok', 'GET services'),
             ('o311_t_reader', 'SELECT gridgov.open311_service_definition(''E0102'') ->> ''service_code''', 'ok', 'GET service definition'),
             ('o311_t_reader', 'SELECT jsonb_typeof(gridgov.open311_requests(''{}''))', 'ok', 'GET requests'),
             ('o311_t_reader', 'SELECT jsonb_typeof(gridgov.open311_request(''x''))', 'ok', 'GET request'),
             ('o311_t_reader', 'SELECT gridgov.open311_submit(''{"service_code": "E0102", "address_string": "x"}'')::text', '42', 'POST refused'),
             ('o311_t_reporter', 'SELECT jsonb_typeof(gridgov.open311_services())', 'ok', 'GET services (member of gridgov_open311)'),
             ('o311_t_reporter', 'SELECT gridgov.open311_submit(''{"service_code": "E0102", "address_string": "PRIVTEST"}'') -> 0 ->> ''service_request_id''', 'ok', 'POST'),
             ('o311_t_nobody', 'SELECT jsonb_typeof(gridgov.open311_services())', '42', 'GET services refused'),
             ('o311_t_nobody', 'SELECT jsonb_typeof(gridgov.open311_service_definition(''E0102''))', '42', 'GET service definition refused'),
             ('o311_t_nobody', 'SELECT jsonb_typeof(gridgov.open311_requests(''{}''))', '42', 'GET requests refused'),
             ('o311_t_nobody', 'SELECT jsonb_typeof(gridgov.open311_request(''x''))', '42', 'GET request refused'),
             ('o311_t_nobody', 'SELECT gridgov.open311_submit(''{"service_code": "E0102", "address_string": "x"}'')::text', '42', 'POST refused'))
     v(r, sql, want, what);
SELECT is((SELECT count(*) FROM gridgov.cases WHERE address = 'PRIVTEST' AND source::text = 'app'), 1::bigint,
          'the reporter''s POST filed exactly one case');
SELECT is(pg_temp.as_role('o311_t_reporter', 'SELECT count(*) FROM gridgov.cases'), '42501',
          'the reporter role reads no table directly');

SELECT * FROM finish();
ROLLBACK;

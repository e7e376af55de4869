-- case_facts carries no personal data: its column list is exactly the
-- documented one (no name, phone, address, title, description, external id,
-- exact location), and no value of any column contains a reporter's name,
-- phone, address, title or description, or the exact location.  An analyst
-- role granted only the view reads it and cannot read cases.
BEGIN;
SELECT plan(10);
-- Analytics refreshed in the writing transaction (the outbox is tested in sql/analytics.sql
-- and test/analytics_outbox.sql).
SET LOCAL gridgov.analytics_sync = on;
SET LOCAL timezone = 'Asia/Shanghai';
\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;

SELECT columns_are('gridgov', 'case_facts', ARRAY[
    'case_id', 'case_no', 'county', 'town', 'community', 'grid', 'category', 'category_major', 'category_minor',
    'category_name', 'category_major_name', 'source', 'urgency', 'workflow', 'state', 'department_id',
    'department_code', 'department_name', 'location_approx', 'reported_at', 'filed_at', 'first_dispatched_at',
    'dispatched_at', 'signed_at', 'handled_at', 'verified_at', 'called_back_at', 'closed_at', 'deadline',
    'reported_day', 'filed_day', 'due_day', 'file_on_time', 'dispatch_on_time', 'sign_on_time', 'handle_on_time',
    'verify_on_time', 'callback_on_time', 'whole_on_time', 'closed_on_time', 'response_work_hours',
    'response_hours', 'handle_work_hours', 'handle_hours', 'total_work_hours', 'total_hours', 'dispatches',
    'returns', 'reworks', 'reopens', 'extensions', 'suspensions', 'supervised', 'escalation_level', 'solved',
    'satisfaction', 'merged', 'occurred_at', 'discover_minutes', 'discover_on_time', 'contacted_at',
    'contact_required', 'contact_on_time', 'supervisions', 'supervise_on_time', 'returns_requested',
    'returns_rejected', 'extension_requests', 'extension_refusals', 'suspension_requests', 'suspension_refusals',
    'meetings'],
    'case_facts has exactly the documented columns');
SELECT is_empty($$
    SELECT attname FROM pg_attribute
    WHERE attrelid = 'gridgov.case_facts'::regclass AND attnum > 0
      AND attname ~ '(name|phone|address|title|description|external|reporter|location)$'
      AND attname NOT IN ('category_name', 'category_major_name', 'department_name')$$,
    'no column named like personal data (the approximate location excepted)');

-- Cases full of personal data, in every workflow, walked a little.
CREATE TEMP TABLE pii (name text, phone text, address text, title text, description text, ext text,
                       lon float8, lat float8);
INSERT INTO pii VALUES
    ('王小明', '13800138000', '兴华大街88号3单元502', '王小明家楼下垃圾堆放', '我叫王小明，电话13800138000，住兴华大街88号3单元502，楼下垃圾三天没人清。', 'EXT-PII-1', 116.451234, 39.851234),
    ('Zhang Wei', '+86 10 6123 4567', 'Room 1203, Block 7', 'Noise at night from Room 1203', 'Zhang Wei here, call +86 10 6123 4567.', 'EXT-PII-2', 116.557777, 39.843333),
    ('赵敏', '010-88886666', '幸福里小区东门', '幸福里小区东门占道经营', '赵敏反映东门摊贩占道，回电010-88886666。', 'EXT-PII-3', 116.301111, 39.701111);
INSERT INTO gridgov.cases (source, external_id, category, title, description, location, address, reporter_name,
                           reporter_phone, reported_at)
SELECT 'hotline', p.ext || '-' || c.cat, c.cat, p.title, p.description, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), p.address,
       p.name, p.phone, '2026-03-02 09:00'
FROM pii p CROSS JOIN (VALUES ('H0101'), ('E0102'), ('D0101')) c(cat);
SELECT is(count(gridgov.act(id, CASE workflow WHEN 'hotline' THEN 'dispatch' WHEN 'grid_event' THEN 'file' ELSE 'mediate' END,
                            '联系了王小明 13800138000', '{}', '2026-03-02 10:00')), 9::bigint,
          'each takes a step, with a note naming the reporter')
FROM gridgov.cases WHERE external_id LIKE 'EXT-PII-%';

SELECT is((SELECT count(*) FROM gridgov.case_facts f JOIN gridgov.cases c ON c.id = f.case_id
           WHERE c.external_id LIKE 'EXT-PII-%'), 9::bigint, 'nine cases with personal data');
SELECT is_empty($$
    SELECT f.case_id, p.name
    FROM gridgov.case_facts f
    CROSS JOIN pii p
    CROSS JOIN LATERAL jsonb_each_text(to_jsonb(f) - 'location_approx') v
    WHERE strpos(v.value, p.name) > 0 OR strpos(v.value, p.phone) > 0 OR strpos(v.value, p.address) > 0
       OR strpos(v.value, p.title) > 0 OR strpos(v.value, p.description) > 0 OR strpos(v.value, p.ext) > 0$$,
    'no value of case_facts contains a name, phone, address, title, description or external id');
SELECT is_empty($$
    SELECT f.case_id FROM gridgov.case_facts f JOIN gridgov.cases c ON c.id = f.case_id
    WHERE c.external_id LIKE 'EXT-PII-%'
      AND (ST_Equals(f.location_approx, c.location)
           OR abs(ST_X(f.location_approx) * 1000 - round(ST_X(f.location_approx) * 1000)) > 1e-6
           OR abs(ST_Y(f.location_approx) * 1000 - round(ST_Y(f.location_approx) * 1000)) > 1e-6
           OR ST_Distance(f.location_approx::geography, c.location::geography) > 80)$$,
    'the location is only the 0.001 degree lattice point next to it');
SELECT is_empty($$
    SELECT 1 FROM gridgov.case_facts f, pii p
    WHERE to_jsonb(f)::text LIKE '%' || p.name || '%' OR to_jsonb(f)::text LIKE '%' || p.phone || '%'$$,
    'nor does the JSON of whole rows (notes of the history do not leak either)');

-- An analyst granted the view only (this file's cases: the database may hold
-- others that suites committed and the analytics job took in).
CREATE TEMP TABLE mine AS SELECT id FROM gridgov.cases WHERE external_id LIKE 'EXT-PII-%';
CREATE ROLE analytics_privacy_analyst;
GRANT USAGE ON SCHEMA gridgov TO analytics_privacy_analyst;
GRANT SELECT ON gridgov.case_facts TO analytics_privacy_analyst;
GRANT SELECT ON mine TO analytics_privacy_analyst;
SET LOCAL ROLE analytics_privacy_analyst;
SELECT is((SELECT count(*) FROM gridgov.case_facts WHERE case_id IN (SELECT id FROM mine)), 9::bigint,
          'an analyst with SELECT on case_facts reads it');
SELECT throws_ok('SELECT reporter_phone FROM gridgov.cases', '42501', NULL, 'but not the cases table');
RESET ROLE;

-- The maps' public layer has no personal data either.
SELECT is_empty($$
    SELECT 1 FROM gridgov.grid_map m, pii p
    WHERE to_jsonb(m)::text LIKE '%' || p.name || '%' OR to_jsonb(m)::text LIKE '%' || p.phone || '%'
       OR to_jsonb(m)::text LIKE '%' || p.address || '%'$$,
    'grid_map carries no personal data');

SELECT * FROM finish();
ROLLBACK;

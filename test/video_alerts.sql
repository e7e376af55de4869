-- Video alerts (src/sql/078_sensors.sql; docs/sensors.md, "Video alerts"), in
-- the fictitious county 990702, which no other suite uses: an alert at or
-- above its type's confidence opens a case (source video); below it, or of an
-- inactive type or camera, it waits for review and a person accepts or
-- dismisses it; an alert within the type's radius and window of an earlier
-- alert whose case is open joins that case's history; bad alerts are refused
-- with their SQLSTATEs; a re-sent alert is a no-op.
BEGIN;
SELECT plan(46);
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL gridgov.duplicate_radius_m = 0;
CREATE TEMP TABLE va_setup AS SELECT gridgov.setup_roles();

INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(104.00, 34.00, 104.04, 34.04, 4326))
FROM (VALUES ('990702', '视频测试区'), ('990702001', '视频测试街道'), ('990702001001', '视频测试社区'),
             ('990702001001001', '视频测试网格')) v(code, name);
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('va-cc', '视频测试区指挥中心', 'district', '990702', 'command_center');
INSERT INTO gridgov.sensors (id, kind, location, name) VALUES
    ('VA-CAM-1', 'camera', ST_SetSRID(ST_MakePoint(104.010, 34.010), 4326), '天网一号'),
    ('VA-CAM-2', 'camera', ST_SetSRID(ST_MakePoint(104.030, 34.010), 4326), '天网二号'),
    ('VA-CAM-OFF', 'camera', ST_SetSRID(ST_MakePoint(104.020, 34.020), 4326), '停用摄像头');
UPDATE gridgov.sensors SET active = false WHERE id = 'VA-CAM-OFF';
INSERT INTO gridgov.video_event_types (event_type, name, category, min_confidence, dedup_radius_m, dedup_window) VALUES
    ('va_parking', '违法停车', 'E0108', 0.8, 50, '30 minutes'),
    ('va_waste', '垃圾堆放', 'E0109', 0.6, 100, '2 hours');
INSERT INTO gridgov.video_event_types (event_type, name, category, active) VALUES ('va_crowd', '人群聚集', 'E0509', false);

-- A confident alert opens a case at the camera's place.
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, image_url, at, external_id)
VALUES ('VA-CAM-1', 'va_parking', 0.93, 'https://img.example.cn/a/1.jpg', '2026-07-02 09:00+08', 'p-1');
CREATE TEMP TABLE a1 AS SELECT * FROM gridgov.video_alerts WHERE external_id = 'p-1';
SELECT is((SELECT status FROM a1), 'case', 'a confident alert opens a case');
SELECT is((SELECT ARRAY[c.source::text, c.category, c.grid::text, c.reported_at::text, c.title,
                        ST_AsText(c.location)]
           FROM gridgov.cases c JOIN a1 ON c.county = a1.county AND c.id = a1.case_id),
          ARRAY['video', 'E0108', '990702001001001', '2026-07-02 09:00:00+08', '天网一号 违法停车', 'POINT(104.01 34.01)'],
          'the case: source video, the type''s category, at the camera''s place and the alert''s time');
SELECT ok((SELECT c.description LIKE '%https://img.example.cn/a/1.jpg%' FROM gridgov.cases c JOIN a1 ON c.id = a1.case_id),
          'the case''s description links the image');
SELECT is((SELECT video_alert_id FROM gridgov.sensor_cases s JOIN a1 ON s.case_id = a1.case_id), (SELECT id FROM a1),
          'gridgov.sensor_cases names the alert of the case');

-- Duplicates: 30 m away 10 minutes later joins; 200 m away, or 40 minutes later, or another type, does not.
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, location, external_id) VALUES
    ('VA-CAM-1', 'va_parking', 0.85, '2026-07-02 09:10+08', ST_SetSRID(ST_MakePoint(104.0103, 34.0101), 4326), 'p-2');
SELECT is((SELECT status || ' ' || (case_id = (SELECT case_id FROM a1))::text FROM gridgov.video_alerts WHERE external_id = 'p-2'),
          'duplicate true', 'an alert 30 m and 10 minutes from an open one joins its case');
SELECT is((SELECT e.action || ' ' || (e.payload ->> 'video_alert') || ' ' || (e.payload ->> 'camera')
           FROM gridgov.case_events e WHERE e.case_id = (SELECT case_id FROM a1) ORDER BY e.seq DESC LIMIT 1),
          'sensor_alarm ' || (SELECT id FROM gridgov.video_alerts WHERE external_id = 'p-2') || ' VA-CAM-1',
          'the duplicate is recorded in the open case''s history (sensor_alarm with the alert and camera)');
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, location, external_id) VALUES
    ('VA-CAM-1', 'va_parking', 0.9, '2026-07-02 09:12+08', ST_SetSRID(ST_MakePoint(104.0124, 34.010), 4326), 'p-far');
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id) VALUES
    ('VA-CAM-1', 'va_parking', 0.9, '2026-07-02 09:45+08', 'p-late'),
    ('VA-CAM-1', 'va_waste', 0.9, '2026-07-02 09:05+08', 'w-1');
SELECT is((SELECT array_agg(status ORDER BY external_id) FROM gridgov.video_alerts WHERE external_id IN ('p-far', 'p-late', 'w-1')),
          ARRAY['case', 'case', 'case'],
          'about 200 m away, 40 minutes later (both outside the window), or another type: each opens a case of its own');
SELECT is((SELECT count(DISTINCT case_id) FROM gridgov.video_alerts WHERE event_type = 'va_parking'), 3::bigint,
          'three parking cases for four parking alerts');
-- Window and radius both ways in time: an alert reported late, 20 minutes before p-late, joins it.
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id) VALUES
    ('VA-CAM-1', 'va_parking', 0.9, '2026-07-02 09:30+08', 'p-before');
SELECT is((SELECT v.case_id = (SELECT case_id FROM gridgov.video_alerts WHERE external_id = 'p-late')
           FROM gridgov.video_alerts v WHERE v.external_id = 'p-before'),
          true, 'the window reaches both ways in time; the nearest (then latest) open case is joined');

-- Below the threshold: review, no case; a person decides.
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id) VALUES
    ('VA-CAM-2', 'va_parking', 0.79, '2026-07-02 10:00+08', 'r-1'),
    ('VA-CAM-2', 'va_parking', 0.5, '2026-07-02 10:01+08', 'r-2'),
    ('VA-CAM-2', 'va_crowd', 0.99, '2026-07-02 10:02+08', 'r-3'),
    ('VA-CAM-OFF', 'va_parking', 0.99, '2026-07-02 10:03+08', 'r-4');
SELECT is((SELECT array_agg(status || ' ' || (case_id IS NULL)::text ORDER BY external_id) FROM gridgov.video_alerts WHERE external_id LIKE 'r-%'),
          ARRAY['review true', 'review true', 'review true', 'review true'],
          'below the threshold (0.79 < 0.8), an inactive type or an inactive camera: kept for review, no case');
SELECT is((SELECT count(*) FROM gridgov.cases WHERE county = '990702'), 4::bigint, 'no case for the alerts waiting for review');
SELECT is((gridgov.video_alert_review((SELECT id FROM gridgov.video_alerts WHERE external_id = 'r-1'), true)).status,
          'case', 'accepting an alert waiting for review files it: a case');
SELECT is((gridgov.video_alert_review((SELECT id FROM gridgov.video_alerts WHERE external_id = 'r-2'), true)).status,
          'duplicate', 'accepting the next one, a minute later at the same camera, joins that case');
SELECT is((gridgov.video_alert_review((SELECT id FROM gridgov.video_alerts WHERE external_id = 'r-3'), false)).status,
          'dismissed', 'a dismissed alert opens nothing');
SELECT throws_ok($$SELECT gridgov.video_alert_review((SELECT id FROM gridgov.video_alerts WHERE external_id = 'r-3'), true)$$,
                 '55000', NULL, 'an alert that no longer waits for review cannot be reviewed again (55000)');
SELECT throws_ok($$SELECT gridgov.video_alert_review(NULL, true)$$, '22004', NULL, 'video_alert_review(NULL) is 22004');

-- Seen in another county than the camera's: review, no case there.
INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(104.05, 34.00, 104.09, 34.04, 4326))
FROM (VALUES ('990703', '视频测试邻区'), ('990703001', '视频测试邻街道'), ('990703001001', '视频测试邻社区'),
             ('990703001001001', '视频测试邻网格')) v(code, name);
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, location, external_id) VALUES
    ('VA-CAM-1', 'va_parking', 0.99, '2026-07-02 10:30+08', ST_SetSRID(ST_MakePoint(104.07, 34.02), 4326), 'x-county');
SELECT is((SELECT status || ' ' || county::text || ' ' || (case_id IS NULL)::text || ' '
                  || (SELECT count(*) FROM gridgov.cases WHERE county = '990703')::text
           FROM gridgov.video_alerts WHERE external_id = 'x-county'),
          'review 990702 true 0',
          'an alert placed in another county than its camera''s opens no case there: it waits for review in the camera''s county');
DELETE FROM gridgov.video_alerts WHERE external_id = 'x-county';

-- Once the case is closed, the next alert there opens a new one.
SELECT lives_ok($$SELECT gridgov.act((SELECT case_id FROM a1), 'reject', '核实：已驶离', '{}', '2026-07-02 09:20+08')$$,
                'the first parking case is closed');
-- 30 m from p-2 (whose case is closed), 56 m from the camera (p-late, p-before).
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, location, external_id) VALUES
    ('VA-CAM-1', 'va_parking', 0.9, '2026-07-02 09:15+08', ST_SetSRID(ST_MakePoint(104.0106, 34.0102), 4326), 'p-again');
SELECT is((SELECT status || ' ' || (case_id <> (SELECT case_id FROM a1))::text FROM gridgov.video_alerts WHERE external_id = 'p-again'),
          'case true', 'an alert next to a closed case opens a new one');

-- A re-sent alert is a no-op.
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id)
VALUES ('VA-CAM-1', 'va_parking', 0.93, '2026-07-02 09:00+08', 'p-1') ON CONFLICT (camera_id, external_id) DO NOTHING;
SELECT is((SELECT count(*) FROM gridgov.video_alerts WHERE external_id = 'p-1'), 1::bigint,
          'a re-sent alert (same camera and external_id) is a no-op with ON CONFLICT DO NOTHING');

-- Bad alerts.
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at) VALUES ('VA-NOPE', 'va_parking', 0.9, '2026-07-02 11:00+08')$$,
                 '23503', 'camera "VA-NOPE" is not a registered device', 'an unknown camera is 23503');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at) VALUES ('VA-CAM-1', 'va_fire', 0.9, '2026-07-02 11:00+08')$$,
                 '23503', 'video event type "va_fire" is not defined', 'an unknown event type is 23503');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at) VALUES ('VA-CAM-1', 'va_parking', 1.5, '2026-07-02 11:00+08')$$,
                 '22023', 'confidence must be between 0 and 1', 'a confidence above 1 is 22023');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at) VALUES ('VA-CAM-1', 'va_parking', 'NaN', '2026-07-02 11:00+08')$$,
                 '22023', NULL, 'a NaN confidence is 22023');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, image_url, at) VALUES ('VA-CAM-1', 'va_parking', 0.9, 'ftp://x/y.jpg', '2026-07-02 11:00+08')$$,
                 '22023', NULL, 'an image URL that is not http(s) is 22023');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, image_url, at) VALUES ('VA-CAM-1', 'va_parking', 0.9, 'https://x/a b.jpg', '2026-07-02 11:00+08')$$,
                 '22023', NULL, 'an image URL with a space is 22023');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, image_url, at) VALUES ('VA-CAM-1', 'va_parking', 0.9, 'https://x/' || repeat('a', 2000), '2026-07-02 11:00+08')$$,
                 '22023', NULL, 'an image URL of more than 2000 characters is 22023');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at) VALUES ('VA-CAM-1', 'va_parking', 0.9, now() + interval '1 day')$$,
                 'GG112', NULL, 'an alert in the future is GG112');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at) VALUES ('VA-CAM-1', 'va_parking', 0.9, '4713-01-01 BC')$$,
                 '22023', 'the time of a video alert must not lie before 1949', 'an alert of 4713 BC is 22023 (was 22008 from the case''s clock)');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence) VALUES ('VA-CAM-1', 'va_parking', 0.9)$$,
                 '23502', NULL, 'an alert without a time is 23502');
SELECT throws_ok($$INSERT INTO gridgov.video_event_types (event_type, name, category) VALUES ('va_x', 'x', 'ZZ99')$$,
                 '23503', NULL, 'an event type''s category must exist (23503): else every alert of the type would fail');
SELECT throws_ok($$UPDATE gridgov.video_event_types SET category = 'ZZ99' WHERE event_type = 'va_waste'$$,
                 '23503', NULL, 'also when it changes');
SELECT throws_ok($$UPDATE gridgov.categories SET active = false WHERE code = 'E0109'$$,
                 '23503', 'category "E0109" is used by the active video event type va_waste',
                 'and a category an active event type opens cases of stays active');
SELECT throws_ok($$INSERT INTO gridgov.video_event_types (event_type, name, category, min_confidence) VALUES ('va_x', 'x', 'H0404', 2)$$,
                 '23514', NULL, 'a threshold above 1 is refused (23514)');

-- The device role feeds alerts; the command center reads and reviews them.
CREATE ROLE va_feed IN ROLE gridgov_device;
SET LOCAL ROLE va_feed;
SELECT lives_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id)
                  VALUES ('VA-CAM-2', 'va_waste', 0.95, '2026-07-02 12:00+08', 'w-feed')$$,
                'the device role files an alert (the trigger opens the case as the owner)');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (id, camera_id, event_type, confidence, at)
                   OVERRIDING SYSTEM VALUE VALUES (9000000000, 'VA-CAM-2', 'va_waste', 0.5, '2026-07-02 12:00+08')$$,
                 '42501', NULL, 'the device role cannot choose an alert''s id (ids ahead of the sequence would fail later alerts)');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, received_at)
                   VALUES ('VA-CAM-2', 'va_waste', 0.5, '2026-07-02 12:00+08', '2000-01-01')$$,
                 '42501', NULL, 'nor its arrival time');
SELECT throws_ok($$INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, status, county, case_id)
                   VALUES ('VA-CAM-2', 'va_waste', 0.5, '2026-07-02 12:00+08', 'case', '990702', 1)$$,
                 '42501', NULL, 'nor its status, county or case');
RESET ROLE;
SELECT is((SELECT status FROM gridgov.video_alerts WHERE external_id = 'w-feed'), 'case', 'and it opened a case');
INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id, received_at)
VALUES ('VA-CAM-2', 'va_waste', 0.1, '2026-07-02 12:00+08', 'w-stamp', '2000-01-01');
SELECT ok((SELECT received_at >= now() FROM gridgov.video_alerts WHERE external_id = 'w-stamp'),
          'received_at is the statement''s time, whatever the row says');
DELETE FROM gridgov.video_alerts WHERE external_id = 'w-stamp';

-- Row-level security: a dispatcher login that is no staff member sees no case, and
-- no alert without a case either (those are its county's command center's).
CREATE ROLE va_disp IN ROLE gridgov_dispatcher;
SET LOCAL ROLE va_disp;
SELECT is_empty($$SELECT external_id FROM gridgov.video_alerts$$,
                'a login sees the alerts of the cases it sees (none here) and no alert without a case of a county it does not see');
RESET ROLE;
CREATE ROLE va_disp_home IN ROLE gridgov_dispatcher;
CREATE ROLE va_disp_away IN ROLE gridgov_dispatcher;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('va-cc-away', '视频测试外区指挥中心', 'district', '990799', 'command_center');
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT v.n, d.id, v.r FROM (VALUES ('va 本区', 'va-cc', 'va_disp_home'), ('va 外区', 'va-cc-away', 'va_disp_away')) v(n, c, r)
JOIN gridgov.departments d ON d.code = v.c;
CREATE TEMP TABLE r4 AS SELECT id FROM gridgov.video_alerts WHERE external_id = 'r-4';
GRANT SELECT ON r4 TO PUBLIC;
SET LOCAL ROLE va_disp_home;
SELECT is((SELECT array_agg(external_id ORDER BY external_id) FROM gridgov.video_alerts WHERE case_id IS NULL),
          ARRAY['r-3', 'r-4'], 'the county''s command center sees its alerts without a case');
SET LOCAL ROLE va_disp_away;
SELECT is_empty($$SELECT external_id FROM gridgov.video_alerts$$,
                'another county''s command center sees none of them');
SELECT throws_ok($$SELECT gridgov.video_alert_review((SELECT id FROM r4), false)$$,
                 '55000', NULL, 'nor may it decide them: an alert outside the caller''s scope looks as if it did not exist (55000)');
SET LOCAL ROLE va_disp_home;
SELECT is((gridgov.video_alert_review((SELECT id FROM r4), false)).status, 'dismissed',
          'the county''s command center decides it');
RESET ROLE;
SET LOCAL ROLE va_disp;
SELECT is((SELECT count(*) FROM gridgov.sensor_cases), 0::bigint, 'and the machines'' cases it sees (none)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

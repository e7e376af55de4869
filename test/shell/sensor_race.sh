#!/usr/bin/env bash
# Two sessions feed one device at once (docs/sensors.md, State, speed and
# concurrency), which pgTAP's one transaction cannot show: each session's
# rule state in memory says "idle", so both fire; the first opens the case
# and holds the state's row until it commits; the second waits for it and
# then finds the case open, so its alarm joins that case instead of opening a
# second one.  The same with a video alert pair (one event type is filed by
# one session at a time).  Deterministic: the second session is let go only
# once pg_stat_activity shows it waiting for the first's lock (bounded poll).
# Runs in its own database (gridgov_sensor_race), which it creates and drops.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_sensor_race
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

source test/lib/tap.sh

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
value() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"; }

value >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION dblink;
CREATE EXTENSION gridgov CASCADE;
INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(103.00, 33.00, 103.04, 33.04, 4326))
FROM (VALUES ('990701', '设备测试区'), ('990701001', '设备测试街道'), ('990701001001', '设备测试社区'),
             ('990701001001001', '设备测试网格')) v(code, name);
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('race-cc', '设备测试区指挥中心', 'district', '990701', 'command_center');
INSERT INTO gridgov.sensors (id, kind, location) VALUES
    ('RACE-1', 'water_level', ST_SetSRID(ST_MakePoint(103.01, 33.01), 4326)),
    ('RACE-CAM', 'camera', ST_SetSRID(ST_MakePoint(103.02, 33.02), 4326));
INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, category, title)
VALUES ('race', 'water_level', 'above', 0.5, 'E0406', '积水');
INSERT INTO gridgov.video_event_types (event_type, name, category, min_confidence)
VALUES ('piled_waste', '垃圾堆放', 'E0109', 0.5);
SELECT pg_catalog.count(*) FROM gridgov.sensor_partitions('2019-07-01 00:00+00', 0);
SQL

# A: its statement in an open transaction; B: its statement sent, let run
# until it waits for a lock; then A commits and B finishes.
race() {
	value <<SQL
SET client_min_messages = warning;
SELECT pg_catalog.format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
                         split_part(current_setting('unix_socket_directories'), ',', 1)) AS conn \gset
SELECT dblink_connect('a', :'conn'), dblink_connect('b', :'conn');
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('a', \$q\$$1\$q\$);
SELECT dblink_send_query('b', \$q\$$2\$q\$);
DO \$\$
BEGIN
    FOR i IN 1 .. 600 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity
                          WHERE datname = current_database() AND wait_event_type = 'Lock'
                            AND query LIKE '%' || 'RACE' || '%');
        PERFORM pg_catalog.pg_sleep(0.05);
    END LOOP;
END
\$\$;
SELECT count(*) FROM pg_catalog.pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%RACE%' \gset
SELECT dblink_exec('a', 'COMMIT');
SELECT * FROM dblink_get_result('b') AS t(r text);
SELECT dblink_disconnect('a'), dblink_disconnect('b');
\echo waited :count
SQL
}

out=$(race "INSERT INTO gridgov.sensor_readings VALUES ('RACE-1', '2019-07-01 10:00+08', 0.9)" \
	"INSERT INTO gridgov.sensor_readings VALUES ('RACE-1', '2019-07-01 10:01+08', 0.95)")
is "the second session waited for the first's lock on the device's state" "$(echo "$out" | sed -n 's/^waited //p')" "1"
is "two sessions whose rule fires for one device at once open one case; the second alarm joins it" \
	"$(value -c "SELECT count(*) || ' ' || (SELECT string_agg(e.action, ',' ORDER BY e.seq) FROM gridgov.case_events e
	                                         WHERE e.case_id = min(c.id))
	             FROM gridgov.cases c WHERE c.source = 'sensor'")" "1 intake,sensor_alarm"

out=$(race "INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id) VALUES ('RACE-CAM', 'piled_waste', 0.9, '2019-07-01 10:00+08', 'RACE-A')" \
	"INSERT INTO gridgov.video_alerts (camera_id, event_type, confidence, at, external_id) VALUES ('RACE-CAM', 'piled_waste', 0.9, '2019-07-01 10:01+08', 'RACE-B')")
is "the second video alert waited for the first" "$(echo "$out" | sed -n 's/^waited //p')" "1"
is "two alerts of one type at one place filed at once: one case, the second a duplicate" \
	"$(value -c "SELECT string_agg(external_id || ' ' || status, ', ' ORDER BY external_id) || ' / ' || count(DISTINCT case_id)
	             FROM gridgov.video_alerts")" "RACE-A case, RACE-B duplicate / 1"
is "the histories verify" "$(value -c "SELECT count(*) FROM gridgov.verify_histories()")" "0"

exit $fail

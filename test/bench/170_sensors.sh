#!/usr/bin/env bash
# Sensors (issue 20; docs/sensors.md).  In a database of its own on the demo
# city (tools/democity.sql, seed 1) with Daxing's organisation: 5,000 devices
# on community grids (4,000 water-level gauges, 1,000 noise meters), three
# rules (water level above 0.5 m for 10 minutes with 0.1 m of hysteresis,
# water level rising faster than 0.05 m a minute, noise stuck for 30
# minutes), and 1,000,000 readings (x BENCH_SCALE), one a minute per device,
# in which 40 gauges flood (they rise past the threshold, peak, and fall back)
# and 0.1 % of the rows are bad (unknown device, NaN).  Prints:
#   1. COPY of the readings, one session, through the trigger and the rules,
#      against COPY of the same file into a table of the same columns
#      without triggers: readings per second (target >= 100,000) and ratio;
#   2. what the rules did: cases opened, history events, quarantined rows;
#   3. from a reading that crosses a threshold to its case: one INSERT of a
#      reading that fires, case visible at the end of the statement (same
#      transaction; median of 20).
set -euo pipefail
scale=${BENCH_SCALE:-1}
n=$(awk -v s="$scale" 'BEGIN { n = int(1000000 * s); print (n < 50000 ? 50000 : n) }')
per=$((n / 5000))
source test/bench/lib/fresh_demo.sh
work=$(mktemp -d "${BENCH_INST:-/tmp}/sensors.XXXXXX")
trap 'fresh_drop; rm -rf "$work"' EXIT
bench_fresh_demo gridgov_bench_sensors

fresh_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO gridgov.sensors (id, kind, location, name, unit)
SELECT CASE WHEN i <= 4000 THEN pg_catalog.format('WL-%s', i) ELSE pg_catalog.format('NS-%s', i) END,
       CASE WHEN i <= 4000 THEN 'water_level' ELSE 'noise' END,
       ST_PointOnSurface(g.geom), pg_catalog.format('压测设备%s', i), CASE WHEN i <= 4000 THEN 'm' ELSE 'dB' END
FROM pg_catalog.generate_series(1, 5000) i
JOIN (SELECT pg_catalog.row_number() OVER (ORDER BY code) - 1 AS k, geom, pg_catalog.count(*) OVER () AS n
      FROM gridgov.grids WHERE gridgov.level(code) = 5 AND valid_to = 'infinity') g ON g.k = i % g.n;
INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, hysteresis, duration, category, title) VALUES
    ('压测：积水', 'water_level', 'above', 0.5, 0.1, '10 minutes', 'E0406', '积水'),
    ('压测：水位陡涨', 'water_level', 'rate', 0.05, 0.01, '0', 'E0406', '水位陡涨');
INSERT INTO gridgov.sensor_rules (name, kind, condition, threshold, duration, category, title)
VALUES ('压测：噪声计卡死', 'noise', 'stuck', 0, '30 minutes', 'H0902', '噪声计读数不变');
SELECT gridgov.sensor_partitions('2026-07-01 00:00+00', 1);
CREATE TABLE bench_plain_readings (sensor_id text COLLATE "C" NOT NULL, at timestamptz NOT NULL,
                                   value double precision NOT NULL, quality smallint NOT NULL DEFAULT 0);
SQL

# The readings: a minute apart from 2026-07-01 00:00 UTC, device by device
# within each minute; gauges 1-40 flood between minutes 40 and 100 (up to
# 0.5 + 0.8 m, 0.02 m a minute: above the threshold for ~40 minutes, no rate alarm),
# gauge 41-44 jump (rate alarm); noise meters vary except NS-4001..4010 (stuck).
python3 - "$per" >"$work/readings.tsv" <<'PY'
import random, sys
from datetime import datetime, timedelta, timezone
random.seed(42)
per = int(sys.argv[1])
t0 = datetime(2026, 7, 1, tzinfo=timezone.utc)
out = sys.stdout
for m in range(per):
    ts = (t0 + timedelta(minutes=m)).strftime('%Y-%m-%d %H:%M:%S+00')
    lines = []
    for i in range(1, 5001):
        if i <= 4000:
            v = 0.2 + 0.05 * random.random()
            if i <= 40 and 40 <= m < 100:
                v = 0.2 + 0.02 * (m - 40 if m < 70 else 100 - m) + 0.01 * random.random() + (0.3 if m >= 55 else 0)
            if 40 < i <= 44 and m == 50:
                v = 0.6
            sid = 'WL-%d' % i
        else:
            v = 55.0 if i <= 4010 else 50 + 10 * random.random()
            sid = 'NS-%d' % i
        k = (m * 5000 + i) % 1000
        if k == 7:
            sid = 'XX-%d' % i
        if k == 503:
            lines.append('%s\t%s\tNaN\t0' % (sid, ts))
        else:
            lines.append('%s\t%s\t%.4f\t0' % (sid, ts, v))
    out.write('\n'.join(lines) + '\n')
PY
rows=$(wc -l <"$work/readings.tsv")

copy_secs() {
	fresh_psql -At <<SQL
SELECT clock_timestamp() AS c0 \gset
\copy $1 FROM '$work/readings.tsv'
SELECT round(EXTRACT(epoch FROM clock_timestamp() - :'c0'::timestamptz)::numeric, 3);
SQL
}
plain=$(copy_secs bench_plain_readings)
real=$(copy_secs gridgov.sensor_readings)
awk -v n="$rows" -v p="$plain" -v r="$real" 'BEGIN {
	printf "sensors: COPY %d readings of 5,000 devices through 3 rules, one session\n", n;
	printf "  through the trigger and rules %8.3f s  %9.0f readings/s (target >= 100,000)\n", r, n / r;
	printf "  plain table, no triggers      %8.3f s  %9.0f readings/s   ratio %.2fx\n", p, n / p, r / p }'
fresh_psql -At -F ' ' <<'SQL' | awk '{ printf "  cases opened %s (sensor), history events from devices %s, readings stored %s, quarantined %s (%s)\n", $1, $2, $3, $4, $5 }'
SELECT (SELECT pg_catalog.count(*) FROM gridgov.cases WHERE source = 'sensor'),
       (SELECT pg_catalog.count(*) FROM gridgov.case_events WHERE action LIKE 'sensor_%'),
       (SELECT pg_catalog.count(*) FROM gridgov.sensor_readings),
       (SELECT pg_catalog.count(*) FROM gridgov.sensor_quarantine),
       (SELECT pg_catalog.string_agg(r || ':' || c, ',' ORDER BY r)
        FROM (SELECT reason AS r, pg_catalog.count(*) AS c FROM gridgov.sensor_quarantine GROUP BY 1) q);
SQL

# 3. Reading to case: 20 gauges, each one INSERT of a reading that fires at once.
fresh_psql -At <<'SQL' | awk '{ v[NR] = $1 } END { printf "  reading -> case (one INSERT that fires, the case in the same transaction): median %.2f ms, max %.2f ms\n", v[int((NR + 1) / 2)], v[NR] }'
SET client_min_messages = warning;
INSERT INTO gridgov.sensor_rules (name, sensor_id, condition, threshold, category, title)
SELECT pg_catalog.format('压测：即时 %s', i), pg_catalog.format('WL-%s', 3000 + i), 'above', 5, 'E0406', '即时'
FROM pg_catalog.generate_series(1, 20) i;
CREATE TEMP TABLE latency (ms double precision);
DO $$
DECLARE
    t0 timestamptz;
    opened bigint;
BEGIN
    FOR i IN 1 .. 20 LOOP
        t0 := pg_catalog.clock_timestamp();
        INSERT INTO gridgov.sensor_readings VALUES (pg_catalog.format('WL-%s', 3000 + i), '2026-08-01 00:00+00', 9);
        SELECT pg_catalog.count(*) INTO opened FROM gridgov.cases
        WHERE source = 'sensor' AND external_id LIKE pg_catalog.format('WL-%s/%%', 3000 + i);
        IF opened <> 1 THEN
            RAISE EXCEPTION 'no case for WL-%', 3000 + i;
        END IF;
        INSERT INTO latency VALUES (EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000);
    END LOOP;
END
$$;
SELECT ms FROM latency ORDER BY ms;
SQL

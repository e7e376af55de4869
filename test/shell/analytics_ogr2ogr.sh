#!/usr/bin/env bash
# ogr2ogr (GDAL) reads gridgov.grid_map as a layer and exports it to GeoJSON
# with one feature per current grid version, its key and its live metrics.
# Runs in its own database (gridgov_shell), which it creates, fills with the
# case fixture (committed, so that GDAL's own connection sees it) and drops.
# Environment: PGHOST, PGPORT, PGUSER of the test instance.  Prints TAP lines.
set -euo pipefail
cd "$(dirname "$0")/../.."

db=gridgov_shell
out=$(mktemp -d /tmp/gridgov-ogr.XXXXXX)
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
cleanup() {
	rm -rf "$out"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
psql_db >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION gridgov CASCADE;
SET search_path = public, gridgov;
\i sql/fixtures/cases.sql
UPDATE gridgov.sla_policies SET active = false;
INSERT INTO gridgov.cases (source, category, title, location)
SELECT 'hotline', 'H0101', 'ogr ' || i, ST_SetSRID(ST_MakePoint(116.45 + i * 0.001, 39.85), 4326)
FROM generate_series(1, 3) i;
-- The analytics of the committed cases, as the gridgov-analytics job would.
SELECT gridgov.analytics_refresh_pending();
SQL

source test/lib/tap.sh

conn="PG:host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"
rows=$(psql_db -At -c "SELECT count(*) FROM gridgov.grid_map")
grids=$(psql_db -At -c "SELECT count(*) FROM gridgov.grid_map WHERE level = 6")

check "ogr2ogr lists gridgov.grid_map as a layer" \
	bash -c "ogrinfo -ro -q '$conn' 2>/dev/null | grep -q 'gridgov.grid_map'"
check "ogr2ogr exports gridgov.grid_map to GeoJSON" \
	ogr2ogr -f GeoJSON "$out/grid_map.geojson" "$conn" gridgov.grid_map
check "with one feature per current grid version ($rows)" \
	python3 -c "import json,sys; d=json.load(open('$out/grid_map.geojson')); sys.exit(len(d['features']) != $rows)"
check "each a MultiPolygon with its code, level and live metrics" \
	python3 -c "
import json, sys
d = json.load(open('$out/grid_map.geojson'))
ok = all(f['geometry']['type'] == 'MultiPolygon'
         and {'code', 'level', 'open_cases', 'cases_30d', 'response_rate'} <= set(f['properties'])
         for f in d['features'])
g = [f for f in d['features'] if f['properties']['code'] == '110115004001001']
sys.exit(not (ok and len(g) == 1 and g[0]['properties']['open_cases'] == 3))"
check "a filtered export (unit grids only) has $grids features" \
	bash -c "ogr2ogr -f GeoJSON '$out/grids.geojson' '$conn' -sql 'SELECT * FROM gridgov.grid_map WHERE level = 6' &&
	         python3 -c \"import json,sys; sys.exit(len(json.load(open('$out/grids.geojson'))['features']) != $grids)\""

exit $fail

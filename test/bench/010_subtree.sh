#!/usr/bin/env bash
# Subtree queries over all 620,573 village codes of China: "code <@ town" on a
# btree-indexed gridcode column against "code LIKE 'town%'" on a text column
# with a text_pattern_ops btree index.  Two workloads:
#   lookups: one query per town for 2,000 random towns (planning included);
#   join:    all villages of 200 random towns in one join.
# Real codes come from ../shared/data/china-division when present, otherwise a
# generated set of the same shape (41,353 towns, ~15 villages each).
set -euo pipefail
villages=$SHARED_DATA/china-division/villages.csv.gz

bench_psql -c "CREATE TABLE bench_villages (code text NOT NULL)"
if [ -f "$villages" ]; then
	source_note="real codes from $villages"
	zcat "$villages" | tail -n +2 | cut -d, -f1 |
		bench_psql -c "\\copy bench_villages FROM STDIN"
else
	source_note="generated codes (../shared not present)"
	bench_psql -c "
		INSERT INTO bench_villages
		SELECT pg_catalog.lpad((11 + p)::text, 2, '0') || pg_catalog.lpad((1 + c)::text, 2, '0')
		       || pg_catalog.lpad((1 + k)::text, 2, '0') || pg_catalog.lpad((1 + t)::text, 3, '0')
		       || pg_catalog.lpad((1 + v)::text, 3, '0')
		FROM pg_catalog.generate_series(0, 30) p, pg_catalog.generate_series(0, 10) c,
		     pg_catalog.generate_series(0, 8) k, pg_catalog.generate_series(0, 13) t,
		     pg_catalog.generate_series(0, 14) v
		LIMIT 620573"
fi

bench_psql <<'SQL'
CREATE TABLE bench_g (code gridcode NOT NULL);
CREATE TABLE bench_t (code text NOT NULL);
INSERT INTO bench_g SELECT code::gridcode FROM bench_villages ORDER BY pg_catalog.random();
INSERT INTO bench_t SELECT code::text FROM bench_g;
CREATE INDEX bench_g_code ON bench_g (code);
CREATE INDEX bench_t_code ON bench_t (code text_pattern_ops);
VACUUM ANALYZE bench_g;
VACUUM ANALYZE bench_t;
\o /dev/null
SELECT pg_catalog.setseed(0.42);
\o
CREATE TABLE bench_towns AS
SELECT DISTINCT pg_catalog.left(code, 9) AS town FROM bench_villages ORDER BY 1;
CREATE TABLE bench_sample AS SELECT town FROM bench_towns ORDER BY pg_catalog.random() LIMIT 2000;

-- Wall time of running each statement of a list once, in milliseconds.
CREATE FUNCTION bench_run(stmts text[]) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := pg_catalog.clock_timestamp();
    s text;
    n bigint;
BEGIN
    FOREACH s IN ARRAY stmts LOOP
        EXECUTE s INTO n;
    END LOOP;
    RETURN 1000 * EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0);
END $$;
SQL

bench_psql -At -F ' ' <<'SQL' >/tmp/gridgov-bench-subtree.$$
WITH q AS (
    SELECT pg_catalog.array_agg(pg_catalog.format('SELECT pg_catalog.count(*) FROM bench_g WHERE code <@ %L', town)) AS g,
           pg_catalog.array_agg(pg_catalog.format('SELECT pg_catalog.count(*) FROM bench_t WHERE code LIKE %L', town || '%')) AS t
    FROM bench_sample
), warm AS (
    SELECT bench_run(g) + bench_run(t) AS w FROM q
), rounds AS (
    SELECT r, bench_run(g) AS g_ms, bench_run(t) AS t_ms
    FROM q, warm, pg_catalog.generate_series(1, 5) r
)
SELECT 'lookups', pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY g_ms),
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY t_ms), 2000
FROM rounds;

WITH j AS (
    SELECT 'SELECT pg_catalog.count(*) FROM (SELECT town FROM bench_sample LIMIT 200) s JOIN bench_g v ON v.code <@ s.town::gridcode' AS g,
           'SELECT pg_catalog.count(*) FROM (SELECT town FROM bench_sample LIMIT 200) s JOIN bench_t v ON v.code LIKE s.town || ''%''' AS t
), rounds AS (
    SELECT r, bench_run(ARRAY[g]) AS g_ms, bench_run(ARRAY[t]) AS t_ms
    FROM j, pg_catalog.generate_series(1, 3) r
)
SELECT 'join', pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY g_ms),
       pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY t_ms), 1
FROM rounds;

SELECT 'size', pg_catalog.pg_relation_size('bench_g_code'), pg_catalog.pg_relation_size('bench_t_code'), 0;
SELECT 'rows', (SELECT pg_catalog.count(*) FROM bench_g), (SELECT pg_catalog.count(*) FROM bench_towns), 0;
SQL

awk -v note="$source_note" '
	$1 == "rows"    { rows = $2; towns = $3 }
	$1 == "lookups" { lg = $2 / $4; lt = $3 / $4 }
	$1 == "join"    { jg = $2; jt = $3 }
	$1 == "size"    { sg = $2; st = $3 }
	END {
		printf "subtree queries: gridcode <@ (btree) vs text LIKE prefix (text_pattern_ops btree)\n"
		printf "  data: %d village codes, %d towns; %s\n", rows, towns, note
		printf "  lookups, 2,000 towns one query each: gridcode %.3f ms/query, text %.3f ms/query, ratio %.2fx\n", lg, lt, lt / lg
		printf "  join, 200 towns -> their villages:   gridcode %.1f ms, text %.1f ms, ratio %.1fx\n", jg, jt, jt / jg
		printf "  index size: gridcode %.1f MB, text %.1f MB, ratio %.2fx\n", sg / 1048576, st / 1048576, st / sg
	}' /tmp/gridgov-bench-subtree.$$
rm -f /tmp/gridgov-bench-subtree.$$
bench_psql -c "DROP TABLE bench_villages, bench_g, bench_t, bench_towns, bench_sample; DROP FUNCTION bench_run(text[])"

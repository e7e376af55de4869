-- Index use: code <@ X becomes a btree range condition; col @> X becomes
-- col = ANY(ancestors); hash opclass serves hash indexes and hash joins; btree
-- serves merge joins and sorts.

CREATE TABLE ix (code gridcode NOT NULL, payload integer);
INSERT INTO ix
SELECT ('110115' || pg_catalog.lpad(t::text, 3, '0') || pg_catalog.lpad(c::text, 3, '0')
        || pg_catalog.lpad(g::text, 3, '0'))::gridcode, t * 10000 + c * 100 + g
FROM pg_catalog.generate_series(1, 30) t, pg_catalog.generate_series(1, 30) c,
     pg_catalog.generate_series(1, 20) g;
INSERT INTO ix SELECT code::gridcode, 0 FROM (VALUES ('11'), ('1101'), ('110115')) v(code);
INSERT INTO ix SELECT ('110115' || pg_catalog.lpad(t::text, 3, '0'))::gridcode, 0
FROM pg_catalog.generate_series(1, 30) t;
CREATE INDEX ix_code ON ix (code);
ANALYZE ix;

SET enable_seqscan = off;
SET enable_bitmapscan = off;

-- The contract: EXPLAIN of code <@ '110115004' shows a range Index Cond.
EXPLAIN (COSTS OFF) SELECT pg_catalog.count(*) FROM ix WHERE code <@ '110115004';
SELECT pg_catalog.count(*) FROM ix WHERE code <@ '110115004';
-- The commuted spelling uses the same range.
EXPLAIN (COSTS OFF) SELECT pg_catalog.count(*) FROM ix WHERE '110115004' @> code;
SELECT pg_catalog.count(*) FROM ix WHERE '110115004' @> code;
-- Same rows as the sequential definition.
RESET enable_seqscan;
SELECT pg_catalog.count(*) FROM ix WHERE code::text LIKE '110115004%';
SET enable_seqscan = off;

-- A parameter (generic plan) gets a range bound computed at execution.
PREPARE sub(gridcode) AS SELECT pg_catalog.count(*) FROM ix WHERE code <@ $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE sub('110115007');
EXECUTE sub('110115007');
EXECUTE sub('110115007003');
EXECUTE sub('110115007003005');
RESET plan_cache_mode;
DEALLOCATE sub;

-- col @> X: ancestors of X through = ANY.
EXPLAIN (COSTS OFF) SELECT code FROM ix WHERE code @> '110115004001001' ORDER BY code;
SELECT code FROM ix WHERE code @> '110115004001001' ORDER BY code;
SELECT code FROM ix WHERE '110115004001001' <@ code ORDER BY code;

-- Selectivity: the estimate of a subtree follows the histogram.
RESET enable_seqscan;
RESET enable_bitmapscan;
EXPLAIN (COSTS OFF) SELECT * FROM ix WHERE code <@ '110115';
CREATE FUNCTION plan_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT json) ' || q INTO j;
    RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
SELECT plan_rows($$SELECT * FROM ix WHERE code <@ '110115004'$$) BETWEEN 300 AND 1500 AS town_estimate_sane,
       plan_rows($$SELECT * FROM ix WHERE code <@ '110115'$$) > 15000 AS county_estimate_sane,
       plan_rows($$SELECT * FROM ix WHERE code <@ '120101'$$) < 50 AS absent_estimate_sane,
       plan_rows($$SELECT * FROM ix WHERE code @> '110115004001001'$$) < 50 AS ancestors_estimate_sane;

-- Hash opclass: a hash index and a hash join.
CREATE TABLE hx (code gridcode, name text);
INSERT INTO hx SELECT code, 'n' || payload FROM ix WHERE payload % 7 = 0;
CREATE INDEX hx_hash ON hx USING hash (code);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM hx WHERE code = '110115004001003';
SELECT * FROM hx WHERE code = '110115004001003';
RESET enable_seqscan;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT pg_catalog.count(*) FROM ix JOIN hx USING (code);
SELECT pg_catalog.count(*) FROM ix JOIN hx USING (code);
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT pg_catalog.count(*) FROM ix JOIN hx USING (code);
SELECT pg_catalog.count(*) FROM ix JOIN hx USING (code);
RESET enable_hashjoin;
RESET enable_nestloop;

-- Hash partitioning uses the extended hash.
CREATE TABLE hp (code gridcode) PARTITION BY HASH (code);
CREATE TABLE hp0 PARTITION OF hp FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE hp1 PARTITION OF hp FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO hp SELECT code FROM ix;
SELECT (SELECT pg_catalog.count(*) FROM hp0) > 0 AS p0_used, (SELECT pg_catalog.count(*) FROM hp1) > 0 AS p1_used,
       (SELECT pg_catalog.count(*) FROM hp) = (SELECT pg_catalog.count(*) FROM ix) AS all_rows;

-- Sorting uses sort support and agrees with the btree index order.
SELECT pg_catalog.count(*) AS misordered FROM (
    SELECT code, pg_catalog.lag(code) OVER (ORDER BY code) AS prev FROM ix) s
WHERE prev > code;

DROP FUNCTION plan_rows(text);
DROP TABLE ix, hx, hp;

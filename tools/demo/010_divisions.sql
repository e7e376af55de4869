-- Demo step 1: install gridgov and load Daxing's real administrative divisions.
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS gridgov CASCADE;
SET search_path = public, gridgov;
-- The database the steps run in (gridgov_demo for make demo; the fuzz suites load
-- the same steps into their own databases).
ALTER DATABASE :"DBNAME" SET search_path = "$user", public, gridgov;

CREATE SCHEMA demo;
CREATE TABLE demo.divisions (code gridcode PRIMARY KEY, name text NOT NULL);
CREATE TEMP TABLE raw (code text, name text);
\copy raw FROM 'data/daxing/divisions.csv' WITH (FORMAT csv, HEADER)
INSERT INTO demo.divisions SELECT code::gridcode, name FROM raw;
ANALYZE demo.divisions;
\set QUIET off

\echo
\echo '== 1. gridcode: the real Daxing district (110115), from data/daxing/divisions.csv'
SELECT level_name(code) AS level, pg_catalog.count(*) AS codes
FROM demo.divisions GROUP BY 1, level(code) ORDER BY level(code);

\echo
\echo '== The hierarchy above one community: parent() up to the province'
WITH RECURSIVE up AS (
    SELECT code, 0 AS step FROM demo.divisions WHERE code = '110115004001'
    UNION ALL
    SELECT parent(code), step + 1 FROM up WHERE parent(code) IS NOT NULL
)
SELECT up.code, level(up.code), level_name(up.code), d.name
FROM up JOIN demo.divisions d USING (code) ORDER BY step DESC;

\echo
\echo '== Communities per town/street via @> (ancestor-or-self), with the kind its code implies'
SELECT t.code, t.name, admin_kind(t.code) AS kind, pg_catalog.count(c.code) AS communities
FROM demo.divisions t
LEFT JOIN demo.divisions c ON t.code @> c.code AND level(c.code) = 5
WHERE level(t.code) = 4
GROUP BY t.code, t.name ORDER BY communities DESC, t.code LIMIT 10;

\echo
\echo '== Everything under 亦庄地区 (110115004) is one btree range: the plan'
\set QUIET on
SET enable_seqscan = off;
\set QUIET off
EXPLAIN (COSTS OFF) SELECT code, name FROM demo.divisions WHERE code <@ '110115004';
\set QUIET on
RESET enable_seqscan;
\set QUIET off
SELECT code, name FROM demo.divisions WHERE code <@ '110115004' ORDER BY code LIMIT 6;

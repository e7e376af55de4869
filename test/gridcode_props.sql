-- Property checks of gridcode on 20,000 random codes of every length: text
-- round trip, order = (digits padded to 15, length), parent/ancestor
-- consistency, @> = digit-prefix rule, btree index answers = sequential answers.
BEGIN;
SELECT plan(9);

SELECT pg_catalog.setseed(0.2026);
CREATE TEMP TABLE rnd AS
SELECT s AS id, pg_catalog.left(
           pg_catalog.lpad((pg_catalog.floor(pg_catalog.random() * 1e15))::bigint::text, 15, '0'),
           (ARRAY[2, 4, 6, 9, 12, 14, 15])[1 + (pg_catalog.floor(pg_catalog.random() * 7))::int]) AS txt
FROM pg_catalog.generate_series(1, 20000) s;
-- Some shared prefixes so that ancestor relations actually occur.
INSERT INTO rnd SELECT 20000 + id, pg_catalog.left(txt, 6) FROM rnd WHERE pg_catalog.length(txt) >= 6 AND id % 5 = 0;
INSERT INTO rnd SELECT 40000 + id, pg_catalog.left(txt, 9) FROM rnd WHERE pg_catalog.length(txt) >= 12 AND id % 3 = 0;
ALTER TABLE rnd ADD COLUMN code gridgov.gridcode;
UPDATE rnd SET code = txt::gridgov.gridcode;

SELECT is((SELECT pg_catalog.count(*) FROM rnd WHERE code::text <> txt), 0::bigint,
          'text round trip keeps every digit');

SELECT is((SELECT pg_catalog.count(*) FROM (
              SELECT txt, pg_catalog.lead(txt) OVER (ORDER BY code, id) AS nxt FROM rnd) s
           WHERE nxt IS NOT NULL
             AND (pg_catalog.rpad(txt, 15, '0'), pg_catalog.length(txt))
                 > (pg_catalog.rpad(nxt, 15, '0'), pg_catalog.length(nxt))),
          0::bigint, 'order is (digits padded to 15, length)');

SELECT is((SELECT pg_catalog.count(*) FROM rnd
           WHERE gridgov.level(code) > 1
             AND (gridgov.parent(code)::text <> pg_catalog.left(txt,
                    (ARRAY[0, 2, 4, 6, 9, 12])[gridgov.level(code)])
                  OR NOT gridgov.parent(code) @> code
                  OR gridgov.parent(code) >= code)),
          0::bigint, 'parent is the digit prefix one level up, an ancestor, and sorts first');

SELECT is((SELECT pg_catalog.count(*) FROM rnd, pg_catalog.generate_series(1, 6) l
           WHERE gridgov.ancestor(code, l) IS DISTINCT FROM
                 CASE WHEN l <= gridgov.level(code)
                      THEN pg_catalog.left(txt, CASE WHEN l = 6 THEN pg_catalog.length(txt)
                                                     ELSE (ARRAY[2, 4, 6, 9, 12])[l] END)::gridgov.gridcode
                 END),
          0::bigint, 'ancestor(code, l) is the prefix at level l, NULL below the code');

SELECT is((SELECT pg_catalog.count(*) FROM rnd a JOIN rnd b ON a.id % 997 = b.id % 997
           WHERE (a.code OPERATOR(gridgov.@>) b.code) <>
                 (pg_catalog.starts_with(b.txt, a.txt)
                  AND NOT (pg_catalog.length(a.txt) = 14 AND pg_catalog.length(b.txt) = 15))),
          0::bigint, '@> is the digit-prefix rule (14 and 15 digits are siblings)');

SELECT is((SELECT pg_catalog.count(*) FROM rnd
           WHERE (gridgov.to_bigint(code) <> txt::bigint)
              OR (pg_catalog.left(txt, 1) <> '0'
                  AND gridgov.gridcode(gridgov.to_bigint(code)) <> code)),
          0::bigint, 'bigint casts round trip for codes without a leading zero');

CREATE INDEX ON rnd (code);
ANALYZE rnd;
CREATE TEMP TABLE roots AS SELECT code FROM rnd WHERE gridgov.level(code) IN (3, 4, 5) AND id % 29 = 0;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
CREATE TEMP TABLE by_index AS
SELECT r.code AS root, (SELECT pg_catalog.count(*) FROM rnd WHERE rnd.code OPERATOR(gridgov.<@) r.code) AS n FROM roots r;
RESET enable_seqscan;
RESET enable_bitmapscan;
SET LOCAL enable_indexscan = off;
SET LOCAL enable_indexonlyscan = off;
SET LOCAL enable_bitmapscan = off;
CREATE TEMP TABLE by_scan AS
SELECT r.code AS root, (SELECT pg_catalog.count(*) FROM rnd WHERE pg_catalog.starts_with(rnd.txt, r.code::text)) AS n FROM roots r;
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;
SELECT ok((SELECT pg_catalog.count(*) FROM roots) > 100, 'enough subtree roots sampled');
SELECT is((SELECT pg_catalog.count(*) FROM by_index i JOIN by_scan s USING (root) WHERE i.n <> s.n),
          0::bigint, 'index range scan of <@ returns the same rows as a prefix scan');
SELECT ok((SELECT pg_catalog.sum(n) FROM by_index) > (SELECT pg_catalog.count(*) FROM roots),
          'subtrees with descendants were compared');

SELECT * FROM finish();
ROLLBACK;

-- Ordering over the whole shipped Daxing set (data/daxing/divisions.csv: Beijing,
-- its city level, Daxing district, 26 towns/streets/zones, 758 communities) plus
-- two unit grids of each width under every community: an ancestor sorts before
-- all its descendants, which sort before the next sibling, so every subtree is
-- one contiguous range; and @> agrees with the digit-prefix definition.

CREATE TABLE dx (code gridcode PRIMARY KEY, name text NOT NULL);
CREATE TEMP TABLE dx_raw (code text, name text);
\copy dx_raw FROM 'data/daxing/divisions.csv' WITH (FORMAT csv, HEADER)
INSERT INTO dx SELECT code::gridcode, name FROM dx_raw;
INSERT INTO dx
SELECT (c.code::text || s.seq)::gridcode, c.name || ' 网格 ' || s.seq
FROM dx c, (VALUES ('01'), ('02'), ('001'), ('002')) s(seq)
WHERE level(c.code) = 5;

SELECT level_name(code), pg_catalog.count(*) FROM dx GROUP BY 1 ORDER BY pg_catalog.min(level(code));

-- Reference definition of "a is b or an ancestor of b" on the digit strings.
CREATE FUNCTION ref_contains(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_catalog.starts_with(b, a)
       AND pg_catalog.length(a) <= pg_catalog.length(b)
       AND NOT (pg_catalog.length(a) = 14 AND pg_catalog.length(b) = 15)
$$;

-- 1. @> equals the reference on every ordered pair (about 3 million pairs).
SELECT pg_catalog.count(*) AS pairs,
       pg_catalog.count(*) FILTER (WHERE (a.code @> b.code) <> ref_contains(a.code::text, b.code::text)) AS disagree,
       pg_catalog.count(*) FILTER (WHERE (b.code <@ a.code) <> (a.code @> b.code)) AS not_commuted
FROM dx a CROSS JOIN dx b
WHERE level(a.code) <= 5;

-- 2. Each subtree is a contiguous block of the sort order that starts at its root.
WITH ordered AS (
    SELECT code, pg_catalog.row_number() OVER (ORDER BY code) AS rn FROM dx
), spans AS (
    SELECT a.code, a.rn AS root_rn,
           pg_catalog.min(d.rn) AS first_rn, pg_catalog.max(d.rn) AS last_rn,
           pg_catalog.count(*) AS size
    FROM ordered a JOIN ordered d ON ref_contains(a.code::text, d.code::text)
    GROUP BY a.code, a.rn
)
SELECT pg_catalog.count(*) AS subtrees,
       pg_catalog.count(*) FILTER (WHERE first_rn <> root_rn) AS root_not_first,
       pg_catalog.count(*) FILTER (WHERE last_rn - first_rn + 1 <> size) AS not_contiguous
FROM spans;

-- 3. Ancestor < every descendant < the next sibling (next code at the same level
--    under the same parent).
WITH sib AS (
    SELECT code, pg_catalog.lead(code) OVER (PARTITION BY parent(code), level(code) ORDER BY code) AS next_sibling
    FROM dx
)
SELECT pg_catalog.count(*) FILTER (WHERE d.code <= a.code) AS descendant_not_after_ancestor,
       pg_catalog.count(*) FILTER (WHERE s.next_sibling IS NOT NULL AND d.code >= s.next_sibling) AS descendant_not_before_next_sibling
FROM dx a JOIN sib s ON s.code = a.code
JOIN dx d ON d.code <@ a.code AND d.code <> a.code;

-- 4. [code, subtree_max(code)] holds exactly the code's subtree, and min/max
--    aggregates see the same order.
SELECT pg_catalog.count(*) FILTER (WHERE r.in_range <> r.in_subtree) AS wrong_range,
       pg_catalog.count(*) FILTER (WHERE r.lo <> a.code) AS min_not_root
FROM dx a, LATERAL (
    SELECT pg_catalog.count(*) FILTER (WHERE d.code BETWEEN a.code AND subtree_max(a.code)) AS in_range,
           pg_catalog.count(*) FILTER (WHERE ref_contains(a.code::text, d.code::text)) AS in_subtree,
           min(d.code) FILTER (WHERE d.code <@ a.code) AS lo
    FROM dx d) r;
SELECT min(code), max(code) FROM dx;

-- 5. gridcode order agrees with text order of the padded digits, shorter first.
SELECT pg_catalog.count(*) AS out_of_text_order FROM (
    SELECT code,
           pg_catalog.lag(code::text) OVER (ORDER BY code) AS prev_text,
           pg_catalog.lag(code) OVER (ORDER BY code) AS prev
    FROM dx
) s
WHERE prev IS NOT NULL
  AND (pg_catalog.rpad(prev_text, 15, '0'), pg_catalog.length(prev_text))
      >= (pg_catalog.rpad(code::text, 15, '0'), pg_catalog.length(code::text));

-- 6. Communities per town through @>, Daxing's real numbers.
SELECT t.code, t.name, pg_catalog.count(c.code) AS communities
FROM dx t LEFT JOIN dx c ON t.code @> c.code AND level(c.code) = 5
WHERE level(t.code) = 4
GROUP BY t.code, t.name ORDER BY t.code;

-- 7. Real codes pass the advisory digit-range check; count the kinds.
SELECT level_name(code), admin_kind(code), pg_catalog.count(*),
       pg_catalog.bool_and(is_valid_admin_prefix(code)) AS all_valid
FROM dx WHERE level(code) IN (4, 5)
GROUP BY 1, 2 ORDER BY 1, 2;

DROP FUNCTION ref_contains(text, text);

-- gridcode input/output: every valid length, each kind of bad input with its
-- exact error, NULLs, casts, and the binary send/recv round trip.

-- Every valid length, one per level.
SELECT c AS input, c::gridcode AS code, level(c::gridcode), level_name(c::gridcode),
       pg_catalog.length(c::gridcode::text) AS digits
FROM (VALUES ('11'), ('1101'), ('110115'), ('110115004'), ('110115004001'),
             ('11011500400101'), ('110115004001001')) AS v(c);

-- Leading zeros and the extremes survive the round trip.
SELECT '00'::gridcode, '000000000000000'::gridcode, '999999999999999'::gridcode,
       '0100'::gridcode::text = '0100' AS keeps_zeros;

-- Storage: 8 bytes, passed by value.
SELECT typlen, typbyval, typalign FROM pg_type WHERE oid = 'gridgov.gridcode'::regtype;
SELECT pg_column_size('110115004001001'::gridcode);

-- Bad input: empty, spaces, signs, letters, other lengths, huge.
SELECT ''::gridcode;
SELECT ' 110115'::gridcode;
SELECT '110115 '::gridcode;
SELECT '1101 15'::gridcode;
SELECT '+110115'::gridcode;
SELECT '-110115'::gridcode;
SELECT '11011a'::gridcode;
SELECT '１１０１１５'::gridcode;
SELECT '大兴区'::gridcode;
SELECT '1'::gridcode;
SELECT '110'::gridcode;
SELECT '11011'::gridcode;
SELECT '1101150'::gridcode;
SELECT '11011500'::gridcode;
SELECT '1101150040'::gridcode;
SELECT '11011500400'::gridcode;
SELECT '1101150040010'::gridcode;
SELECT '1101150040010011'::gridcode;
SELECT pg_catalog.repeat('1', 100000)::gridcode;
SELECT (pg_catalog.repeat('1', 100) || 'x')::gridcode;
SELECT '1.5'::gridcode;
SELECT '1e5'::gridcode;
SELECT E'11\t'::gridcode;

-- NULLs propagate through every function and operator (all STRICT).
SELECT NULL::gridcode AS n, level(NULL), level_name(NULL), parent(NULL),
       ancestor(NULL, 3), ancestor('110115'::gridcode, NULL::integer),
       ancestor(NULL::gridcode, 'town'), is_valid_admin_prefix(NULL), admin_kind(NULL),
       subtree_max(NULL);
SELECT NULL::gridcode = '11', '11' < NULL::gridcode, NULL::gridcode @> '11',
       '11' <@ NULL::gridcode, NULL::gridcode::text, NULL::gridcode::bigint;

-- Casts: text both ways (assignment), bigint both ways (explicit).
CREATE TABLE io_t (code gridcode);
INSERT INTO io_t VALUES ('110115004');           -- unknown literal
INSERT INTO io_t SELECT '110115005'::text;       -- assignment cast from text
SELECT code, code::text || '!' AS as_text FROM io_t ORDER BY code;
SELECT 110115::bigint::gridcode, '110115004001'::gridcode::bigint,
       11011500400101::bigint::gridcode, '0011'::gridcode::bigint AS leading_zeros_lost;
SELECT 1234567::bigint::gridcode;
SELECT (-11)::bigint::gridcode;
SELECT 9223372036854775807::bigint::gridcode;
SELECT 0::bigint::gridcode;

-- Binary send/recv: a binary COPY round trip keeps every code.
CREATE TABLE io_bin (code gridcode);
INSERT INTO io_bin SELECT c::gridcode
FROM (VALUES ('11'), ('1101'), ('110115'), ('110115004'), ('110115004001'),
             ('11011500400101'), ('110115004001001'), ('00'), ('999999999999999')) v(c);
SELECT pg_catalog.encode(gridcode_send('110115004'), 'hex') AS wire;
\copy io_bin TO 'results/gridcode_io.bin' WITH (FORMAT binary)
CREATE TABLE io_bin2 (code gridcode);
\copy io_bin2 FROM 'results/gridcode_io.bin' WITH (FORMAT binary)
SELECT pg_catalog.count(*) AS rows_back,
       pg_catalog.count(*) FILTER (WHERE b.code IS NULL) AS lost
FROM io_bin a LEFT JOIN io_bin2 b USING (code);

-- Binary recv rejects 8-byte values that are not gridcodes: write bigints in
-- binary and read them back as gridcodes.
CREATE TABLE io_raw (v bigint);
INSERT INTO io_raw VALUES (7);                    -- length code 7 does not exist
\copy io_raw TO 'results/gridcode_bad1.bin' WITH (FORMAT binary)
\copy io_bin2 FROM 'results/gridcode_bad1.bin' WITH (FORMAT binary)
TRUNCATE io_raw;
INSERT INTO io_raw VALUES (-8);                   -- negative
\copy io_raw TO 'results/gridcode_bad2.bin' WITH (FORMAT binary)
\copy io_bin2 FROM 'results/gridcode_bad2.bin' WITH (FORMAT binary)
TRUNCATE io_raw;
INSERT INTO io_raw VALUES ((1::bigint << 3) | 0); -- digit beyond a 2-digit code
\copy io_raw TO 'results/gridcode_bad3.bin' WITH (FORMAT binary)
\copy io_bin2 FROM 'results/gridcode_bad3.bin' WITH (FORMAT binary)
TRUNCATE io_raw;
INSERT INTO io_raw VALUES (8000000000000000000);  -- beyond 15 digits
\copy io_raw TO 'results/gridcode_bad4.bin' WITH (FORMAT binary)
\copy io_bin2 FROM 'results/gridcode_bad4.bin' WITH (FORMAT binary)

DROP TABLE io_t, io_bin, io_bin2, io_raw;

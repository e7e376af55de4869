-- locate's cache across sessions: a grid committed by session A is used by
-- session B's next statement, even inside B's open transaction, and so is its
-- removal.  Both sessions are dblink connections; this test's own transaction
-- writes no grids (so it holds none of the grid write locks A needs).
BEGIN;
SELECT plan(1);
-- Another session's committed grid is used by this session's next statement.
CREATE TEMP TABLE conn AS SELECT pg_catalog.format('dbname=%s port=%s host=%s', pg_catalog.current_database(),
    pg_catalog.current_setting('port'), pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1)) AS s;
SELECT dblink_connect('gg_a', (SELECT s FROM conn));
SELECT dblink_connect('gg_b', (SELECT s FROM conn));
SELECT dblink_exec('gg_b', 'BEGIN');
SELECT dblink_exec('gg_b', 'SET search_path = public, gridgov');
CREATE TEMP TABLE seen (step text, code text);
INSERT INTO seen SELECT 'before', c FROM dblink('gg_b',
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text$$) AS t(c text);
SELECT dblink_exec('gg_a', $$INSERT INTO gridgov.grids (code, name, geom) VALUES
    ('650102001001001', 'cross-session test grid',
     ST_Multi(ST_MakeEnvelope(87.5, 43.8, 87.6, 43.9, 4326)))$$);
INSERT INTO seen SELECT 'after commit, same transaction', c FROM dblink('gg_b',
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text$$) AS t(c text);
SELECT dblink_exec('gg_a', $$DELETE FROM gridgov.grids WHERE code = '650102001001001'$$);
INSERT INTO seen SELECT 'after delete', c FROM dblink('gg_b',
    $$SELECT gridgov.locate(ST_SetSRID(ST_MakePoint(87.55, 43.85), 4326))::text$$) AS t(c text);
SELECT dblink_exec('gg_b', 'COMMIT');
SELECT dblink_disconnect('gg_a');
SELECT dblink_disconnect('gg_b');
SELECT results_eq($$SELECT step, code FROM seen ORDER BY ctid$$,
    $$VALUES ('before', NULL::text), ('after commit, same transaction', '650102001001001'), ('after delete', NULL)$$,
    'session B sees session A''s committed grid at its next statement, and its removal');

SELECT * FROM finish();
ROLLBACK;

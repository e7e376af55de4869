-- The layout of gridgov's tables on a Citus cluster and the configuration
-- that gridgov.distribute() turned into reference tables (test/shell/citus.sh
-- runs this file on the cluster's coordinator with :citus on and on a single
-- server with :citus off; both must print the same).
--   (a) gridgov.citus_layout(), the same wherever it runs;
--   (b) every reference table's rows, read through Citus on the coordinator:
--       their number and an md5 of the rows as text, sorted, the same as on a
--       single server, so distribute() copied every row and nothing else
--       (analytics_watermark and caller_key_secret only by their number of
--       rows: the one row of the first holds a transaction id, of the second
--       the caller key's random secret, each server's own);
--   (c) each workflow's states and transitions, a join of reference tables;
--   (d) on the cluster only, printing nothing: each worker's own copy of the
--       reference tables holds the same rows as the coordinator's (read on the
--       worker through dblink); an error otherwise.
SET client_min_messages = warning;

-- (a)
SELECT l.table_name, l.kind, l.step FROM gridgov.citus_layout() l ORDER BY l.step;

-- (b) The digest query, kept in :digest for (d).
SELECT $q$
SELECT l.table_name,
       (pg_catalog.xpath('/row/n/text()', x.x))[1]::text::bigint AS rows,
       CASE WHEN l.table_name IN ('analytics_watermark', 'caller_key_secret') THEN '-'
            ELSE (pg_catalog.xpath('/row/h/text()', x.x))[1]::text END AS md5
FROM gridgov.citus_layout() l,
     LATERAL pg_catalog.query_to_xml(pg_catalog.format(
         'SELECT pg_catalog.count(*) AS n, pg_catalog.md5(COALESCE(pg_catalog.string_agg('
         't::text, pg_catalog.chr(10) ORDER BY t::text), %L)) AS h FROM gridgov.%I t', '', l.table_name),
         false, true, '') AS x(x)
WHERE l.kind = 'reference'
ORDER BY l.step
$q$ AS digest \gset
:digest;

-- (c)
SELECT w.name AS workflow,
       (SELECT pg_catalog.count(*) FROM gridgov.workflow_states s WHERE s.workflow = w.name) AS states,
       (SELECT pg_catalog.count(*) FROM gridgov.transitions t WHERE t.workflow = w.name) AS transitions,
       (SELECT pg_catalog.count(*) FROM gridgov.transitions t
        JOIN gridgov.workflow_states s ON s.workflow = t.workflow AND s.state = t.to_state
        WHERE t.workflow = w.name AND s.terminal) AS into_terminal
FROM gridgov.workflows w ORDER BY w.name;
SELECT c.default_urgency, pg_catalog.count(*) AS categories
FROM gridgov.categories c GROUP BY c.default_urgency ORDER BY c.default_urgency;

-- (d)
\if :citus
CREATE TEMP TABLE coordinator_digest AS :digest;
CREATE TEMP TABLE worker_digest AS
SELECT w.port, d.table_name, d.rows, d.md5
FROM (VALUES (:'worker1_port'), (:'worker2_port')) AS w(port),
     LATERAL dblink(pg_catalog.format('host=localhost port=%s dbname=%s user=postgres',
                                      w.port, pg_catalog.current_database()), :'digest')
         AS d(table_name text, rows bigint, md5 text);
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT w.port, c.table_name
        FROM (SELECT DISTINCT port FROM worker_digest) w CROSS JOIN coordinator_digest c
        WHERE NOT EXISTS (SELECT 1 FROM worker_digest d
                          WHERE d.port = w.port AND d.table_name = c.table_name
                            AND d.rows = c.rows AND d.md5 = c.md5)
    LOOP
        RAISE EXCEPTION 'the worker on port % holds other rows of gridgov.% than the coordinator',
            r.port, r.table_name;
    END LOOP;
    IF (SELECT pg_catalog.count(DISTINCT port) FROM worker_digest) <> 2 THEN
        RAISE EXCEPTION 'the reference tables were not read on both workers';
    END IF;
END
$$;
\endif

-- Where gridgov.distribute() put gridgov's tables, on the coordinator of the
-- Citus cluster of test/shell/citus.sh (pgTAP, run there by pg_prove; psql
-- variables :worker1_port and :worker2_port are the workers' ports):
--   (a) gridgov.citus_layout() names every table of the extension, once;
--   (b) its 'reference' tables are Citus reference tables, with a copy on every
--       node (the coordinator and both workers);
--   (c) its 'distributed' tables are hash-distributed by county, all in the one
--       co-location group of gridgov.cases, and cases' shards are on the two
--       workers and not on the coordinator;
--   (d) its 'local' tables are not Citus tables;
--   (e) each worker's next case and whistle id is in its own range (group g:
--       g * 2^48 + 1 up to (g + 1) * 2^48 - 1), the coordinator's in the
--       single server's (below 2^48);
--   (f) distribute() called again returns the same layout and changes nothing
--       of (b)-(e): no table's distribution, no node's next id.
-- The second distribute() runs in this file's transaction, which is rolled
-- back; what it would do to the sequences (setval) is not transactional, so
-- (f) shows that it does nothing to them.
BEGIN;
SELECT plan(13);

CREATE TEMP TABLE layout AS
SELECT pg_catalog.format('gridgov.%I', l.table_name)::regclass AS rel, l.kind, l.step
FROM gridgov.citus_layout() l;

-- The Citus catalogue's view of gridgov's tables, and a node's id ranges,
-- for (b)-(e) and again for (f).  (Citus warns that temporary functions stay
-- on this node, as they should.)
SET LOCAL client_min_messages = error;
CREATE FUNCTION pg_temp.placement() RETURNS TABLE (rel regclass, method "char", model "char",
    dist_column text, colocated_with_cases boolean, node_groups integer[])
LANGUAGE sql AS $$
    SELECT p.logicalrelid, p.partmethod, p.repmodel,
           pg_catalog.column_to_column_name(p.logicalrelid, p.partkey),
           p.colocationid = (SELECT q.colocationid FROM pg_catalog.pg_dist_partition q
                             WHERE q.logicalrelid = 'gridgov.cases'::regclass),
           (SELECT pg_catalog.array_agg(DISTINCT sp.groupid ORDER BY sp.groupid)
            FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_placement sp USING (shardid)
            WHERE s.logicalrelid = p.logicalrelid)
    FROM pg_catalog.pg_dist_partition p
    WHERE p.logicalrelid::oid IN (SELECT c.oid FROM pg_catalog.pg_class c
                                  WHERE c.relnamespace = 'gridgov'::regnamespace)
$$;
-- Every node's next case and whistle id, read on the node (without drawing
-- one).
CREATE FUNCTION pg_temp.next_ids() RETURNS TABLE (port text, seq text, node_group integer, next_id bigint)
LANGUAGE sql AS $$
    SELECT n.nodeport::text, r.seq, r.node_group, r.next_id
    FROM pg_catalog.pg_dist_node n,
         LATERAL dblink(pg_catalog.format('host=localhost port=%s dbname=%s user=postgres',
                                          n.nodeport, pg_catalog.current_database()), $q$
        SELECT s.sequencename::text, gridgov.citus_node_group(),
               CASE WHEN s.last_value IS NULL THEN s.start_value ELSE s.last_value + s.increment_by END
        FROM pg_catalog.pg_sequences s
        WHERE s.schemaname = 'gridgov' AND s.sequencename IN ('cases_id_seq', 'whistles_id_seq')
    $q$) AS r(seq text, node_group integer, next_id bigint)
$$;
RESET client_min_messages;
CREATE TEMP TABLE ranges_wanted AS
SELECT n.nodeport::text AS port, s.seq, n.groupid AS node_group,
       n.groupid * 281474976710656 + 1 AS low, (n.groupid + 1) * 281474976710656 - 1 AS high
FROM pg_catalog.pg_dist_node n
CROSS JOIN (VALUES ('cases_id_seq'), ('whistles_id_seq')) AS s(seq);
CREATE TEMP TABLE ids_before AS SELECT * FROM pg_temp.next_ids();

CREATE TEMP TABLE placement_before AS SELECT * FROM pg_temp.placement();

-- (a)
SELECT set_eq(
    $$SELECT rel FROM layout$$,
    $$SELECT d.objid::regclass FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
        AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'gridgov')
        AND d.deptype = 'e' AND c.relkind IN ('r', 'p') AND NOT c.relispartition$$,
    'gridgov.citus_layout() names every table of the extension (a partition goes with its table)');
SELECT is((SELECT pg_catalog.count(*) FROM layout), (SELECT pg_catalog.count(DISTINCT rel) FROM layout),
    'gridgov.citus_layout() names each table once');

-- (b)
SELECT set_eq(
    $$SELECT rel FROM pg_temp.placement() WHERE method = 'n' AND model = 't'$$,
    $$SELECT rel FROM layout WHERE kind = 'reference'$$,
    'the reference tables of the layout are exactly the Citus reference tables');
SELECT is_empty(
    $$SELECT p.rel, p.node_groups FROM pg_temp.placement() p
      WHERE p.method = 'n' AND p.node_groups IS DISTINCT FROM
            (SELECT pg_catalog.array_agg(n.groupid ORDER BY n.groupid) FROM pg_catalog.pg_dist_node n)$$,
    'every reference table has a copy on every node');
SELECT is((SELECT pg_catalog.count(*)::integer FROM pg_catalog.pg_dist_node), 3,
    'the cluster has its coordinator and two workers');

-- (c)
SELECT set_eq(
    $$SELECT rel FROM pg_temp.placement() WHERE method = 'h' AND dist_column = 'county' AND colocated_with_cases$$,
    $$SELECT rel FROM layout WHERE kind = 'distributed'$$,
    'the distributed tables of the layout are exactly the tables distributed by county and co-located with cases');
SELECT is((SELECT node_groups FROM pg_temp.placement() WHERE rel = 'gridgov.cases'::regclass),
    (SELECT pg_catalog.array_agg(n.groupid ORDER BY n.groupid) FROM pg_catalog.pg_dist_node n WHERE n.groupid > 0),
    'the shards of gridgov.cases are on both workers and not on the coordinator');

-- (d)
SELECT is_empty(
    $$SELECT l.rel FROM layout l JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = l.rel
      WHERE l.kind = 'local'$$,
    'the local tables of the layout are not Citus tables');

-- (e)
SELECT is_empty(
    $$SELECT w.port, w.seq, w.node_group, i.node_group AS nodes_group, i.next_id, w.low, w.high
      FROM ranges_wanted w LEFT JOIN ids_before i USING (port, seq)
      WHERE i.next_id IS NULL OR i.node_group IS DISTINCT FROM w.node_group
         OR i.next_id NOT BETWEEN w.low AND w.high$$,
    'each node''s next case and whistle id is in its own range');

-- (f)
SELECT lives_ok($$CREATE TEMP TABLE second_call AS SELECT * FROM gridgov.distribute()$$,
    'gridgov.distribute() runs again');
SELECT results_eq($$SELECT table_name, kind FROM second_call$$,
    $$SELECT table_name, kind FROM gridgov.citus_layout() ORDER BY step$$,
    'the second call returns the layout');
SELECT set_eq($$SELECT * FROM pg_temp.placement()$$, $$SELECT * FROM placement_before$$,
    'the second call changes no table''s distribution');
SELECT set_eq($$SELECT * FROM pg_temp.next_ids()$$, $$SELECT * FROM ids_before$$,
    'the second call moves no node''s next id');

SELECT * FROM finish();
ROLLBACK;

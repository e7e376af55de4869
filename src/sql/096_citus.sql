-- ---------------------------------------------------------------------------
-- Scale-out on Citus (docs/scaling.md): the layout of gridgov's tables on a
-- cluster, and gridgov.distribute(), the one call that applies it on a Citus
-- coordinator.  Nothing here needs Citus to be installed: the functions look
-- for it when they run.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.citus_layout()
    RETURNS TABLE (table_name text, kind text, step integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 64
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.t, l.k, l.n::integer
    FROM ROWS FROM (pg_catalog.unnest(ARRAY[
            -- configuration: copied to every node (referenced before referring)
            'grid_revisions', 'grids', 'departments', 'staff', 'grid_staff',
            'workflows', 'workflow_states', 'transitions', 'categories', 'components',
            'routing_rules', 'settings', 'calendars', 'calendar_periods',
            'calendar_exceptions', 'sla_policies', 'escalation_ladder', 'score_weights',
            'history_seals', 'analytics_watermark', 'place_names', 'text_models',
            'key_work_items',
            -- per case, by county, co-located with cases
            'cases', 'case_events', 'case_clocks', 'escalations', 'whistles',
            'whistle_calls', 'history_seal_heads', 'case_stats', 'stats_month',
            'stats_month_hist', 'stats_month_category', 'case_requests', 'case_meetings',
            -- the history import's staging, the inbox, the analytics' node
            -- watermarks, the hot spots and the forecasts' fits (written and read by the coordinator's
            -- nightly job and views): on the coordinator only
            'import_cases', 'import_steps', 'import_rejects', 'case_inbox', 'analytics_node_watermarks',
            'hotspot_runs', 'hotspots', 'forecast_fits',
            -- the gateway's keys and the transfer's endpoints, outbox and
            -- inbound updates: on the coordinator, where the gateway connects
            'api_keys', 'transfer_endpoints', 'transfer_outbox', 'transfer_inbound',
            -- repeat callers and the social-conditions index (088): configuration,
            -- copied to every node (the nodes key the calls they hold)
            'caller_key_secret', 'area_population', 'social_index_weights',
            -- the devices, their rules and the video event types (078): configuration
            'sensors', 'sensor_rules', 'video_event_types',
            -- the cases machines opened, by county, co-located with cases
            'sensor_cases',
            -- the readings (partitioned by month, the partitions with their
            -- table), their quarantine, the rules' states and the video alerts:
            -- written by the feed's triggers on the coordinator, where devices connect
            'sensor_readings', 'sensor_quarantine', 'sensor_rule_state', 'video_alerts',
            -- the patrols' weights and road layer (077): configuration
            'patrol_weights', 'patrol_roads',
            -- the patrol fixes (partitioned by day, the partitions with their
            -- table), their rejects and the coverage computed from them: written by
            -- the worker app and the nightly job on the coordinator
            'patrol_points', 'patrol_rejects', 'patrol_coverage']),
        pg_catalog.unnest(ARRAY[
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference', 'reference', 'reference', 'reference',
            'reference',
            'distributed', 'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'distributed', 'distributed', 'distributed', 'distributed',
            'local', 'local', 'local', 'local', 'local', 'local', 'local',
            'local', 'local', 'local', 'local', 'local',
            'reference', 'reference', 'reference',
            'reference', 'reference', 'reference',
            'distributed',
            'local', 'local', 'local', 'local',
            'reference', 'reference',
            'local', 'local', 'local']))
        WITH ORDINALITY AS l(t, k, n)
$$;
COMMENT ON FUNCTION gridgov.citus_layout() IS
    'Where each table of gridgov lives on a Citus cluster, in the order gridgov.distribute() converts them: reference (configuration, copied to every node), distributed (per-case rows, by county, co-located with cases) or local (on the coordinator: the history import''s staging, the case inbox, the analytics'' node watermarks, the hot spots, the forecasts'' fits, the gateway''s keys and the transfer''s tables, the sensors'' readings, quarantine, rule states and video alerts, the patrol fixes, their rejects and coverage); docs/scaling.md';

CREATE FUNCTION gridgov.citus_node_group() RETURNS integer
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g);
END
$$;
COMMENT ON FUNCTION gridgov.citus_node_group() IS
    'Internal: this node''s Citus group (0 on the coordinator), or NULL without Citus';

-- Each node draws the ids of the rows it inserts (whistles written by the
-- workflow on a worker, cases taken in there) from its own range: group g
-- starts at g * 2^48 + 1, the coordinator (group 0) where a single server
-- does.  Citus refuses ALTER SEQUENCE on a sequence of a distributed table,
-- so the range is where setval() moves the sequence (2^48 ids a node).  Run
-- on every node by gridgov.distribute().
CREATE FUNCTION gridgov.citus_id_ranges() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g bigint := gridgov.citus_node_group();
    s text;
    n integer := 0;
BEGIN
    IF g IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.citus_id_ranges() runs only on a node of a Citus cluster';
    END IF;
    FOREACH s IN ARRAY ARRAY['cases_id_seq', 'whistles_id_seq'] LOOP
        IF g > 0 AND COALESCE(pg_catalog.pg_sequence_last_value(
                                  pg_catalog.format('gridgov.%I', s)::pg_catalog.regclass), 0)
                     < g * 281474976710656 THEN
            PERFORM pg_catalog.setval(pg_catalog.format('gridgov.%I', s)::pg_catalog.regclass,
                                      g * 281474976710656, true);
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.citus_id_ranges() IS
    'Administration: on a node of a Citus cluster, gives this node''s case and whistle ids their own range (group g: from g * 2^48 + 1; the coordinator keeps the single-server range), so that ids are unique across the cluster; run on every worker by gridgov.distribute(); returns how many sequences it moved';

-- Intake without the county ---------------------------------------------------
--
-- On a Citus cluster the county routes a row before any trigger runs, so a
-- client names it: gridgov.case_county() computes it as intake does, and
-- gridgov.case_inbox takes rows without it (INSERT or COPY, on one server or
-- a coordinator) and files them into gridgov.cases at the end of the
-- statement, in one INSERT ... SELECT.

CREATE FUNCTION gridgov.case_county(location geometry, coord_system text DEFAULT 'wgs84',
                                    grid gridgov.gridcode DEFAULT NULL, reported_at timestamptz DEFAULT NULL)
    RETURNS gridgov.gridcode
    AS 'MODULE_PATHNAME', 'gridgov_case_county' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_county(geometry, text, gridgov.gridcode, timestamptz) IS
    'The county intake gives a case of this location (in coord_system; NULL: none), grid (NULL: located) and report time (NULL: now): of its grid, else the home county (GG107 when none). What a client names as county on a Citus cluster, where the county routes the row';

CREATE TABLE gridgov.case_inbox (
    county          gridgov.gridcode,
    source          gridgov.case_source NOT NULL,
    external_id     text,
    category        text COLLATE pg_catalog."C",
    urgency         gridgov.urgency,
    title           text NOT NULL,
    description     text,
    location        geometry(Point),
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text,
    reporter_name   text,
    reporter_phone  text,
    objcode         text,
    grid            gridgov.gridcode,
    reported_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    txid            bigint NOT NULL DEFAULT (pg_catalog.pg_current_xact_id()::text)::bigint
);
COMMENT ON TABLE gridgov.case_inbox IS
    'Intake without the county: rows inserted or copied here (the columns a client gives at intake; county optional) are filed into gridgov.cases at the end of the statement, with the county of gridgov.case_county(), and removed; never holds a row after its statement. For COPY on a Citus coordinator (docs/scaling.md); RETURNING here gives no case id';
COMMENT ON COLUMN gridgov.case_inbox.county IS 'County of the case, or NULL: computed as intake does (gridgov.case_county())';
COMMENT ON COLUMN gridgov.case_inbox.source IS 'As gridgov.cases.source';
COMMENT ON COLUMN gridgov.case_inbox.external_id IS 'As gridgov.cases.external_id';
COMMENT ON COLUMN gridgov.case_inbox.category IS 'As gridgov.cases.category';
COMMENT ON COLUMN gridgov.case_inbox.urgency IS 'As gridgov.cases.urgency (NULL: the category''s default)';
COMMENT ON COLUMN gridgov.case_inbox.title IS 'As gridgov.cases.title';
COMMENT ON COLUMN gridgov.case_inbox.description IS 'As gridgov.cases.description';
COMMENT ON COLUMN gridgov.case_inbox.location IS 'As gridgov.cases.location, in coord_system';
COMMENT ON COLUMN gridgov.case_inbox.coord_system IS 'As gridgov.cases.coord_system';
COMMENT ON COLUMN gridgov.case_inbox.address IS 'As gridgov.cases.address';
COMMENT ON COLUMN gridgov.case_inbox.reporter_name IS 'As gridgov.cases.reporter_name';
COMMENT ON COLUMN gridgov.case_inbox.reporter_phone IS 'As gridgov.cases.reporter_phone';
COMMENT ON COLUMN gridgov.case_inbox.objcode IS 'As gridgov.cases.objcode';
COMMENT ON COLUMN gridgov.case_inbox.grid IS 'As gridgov.cases.grid (NULL: located)';
COMMENT ON COLUMN gridgov.case_inbox.reported_at IS 'As gridgov.cases.reported_at';
COMMENT ON COLUMN gridgov.case_inbox.txid IS 'The transaction that inserted the row: the statement trigger files and removes the rows of its own transaction';
-- Only the inserting transaction's rows, which it files before it ends.
ALTER TABLE gridgov.case_inbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_inbox_own ON gridgov.case_inbox
    USING (txid = (pg_catalog.pg_current_xact_id()::text)::bigint)
    WITH CHECK (txid = (pg_catalog.pg_current_xact_id()::text)::bigint);

-- Runs as the inserting role: gridgov.cases' privileges and policies apply to
-- the filing as to an INSERT there.
CREATE FUNCTION gridgov.case_inbox_file() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me bigint;
BEGIN
    PERFORM gridgov.trigger_check('case_inbox_file', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    me := (pg_catalog.pg_current_xact_id()::text)::bigint;
    INSERT INTO gridgov.cases (county, source, external_id, category, urgency, title, description, location,
                               coord_system, address, reporter_name, reporter_phone, objcode, grid, reported_at)
    SELECT COALESCE(i.county, gridgov.case_county(i.location, i.coord_system, i.grid, i.reported_at)),
           i.source, i.external_id, i.category, i.urgency, i.title, i.description, i.location,
           i.coord_system, i.address, i.reporter_name, i.reporter_phone, i.objcode, i.grid, i.reported_at
    FROM gridgov.case_inbox i WHERE i.txid = me;
    DELETE FROM gridgov.case_inbox i WHERE i.txid = me;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.case_inbox_file() IS
    'Trigger (AFTER INSERT FOR EACH STATEMENT on gridgov.case_inbox): files the transaction''s rows of the inbox into gridgov.cases, as the inserting role, and removes them';
CREATE TRIGGER case_inbox_file AFTER INSERT ON gridgov.case_inbox
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_inbox_file();

-- The analytics' outbox on a cluster -----------------------------------------
--
-- case_events.txid is the id of the transaction that wrote the event, and a
-- shard's events are written by its worker under the worker's own ids; so
-- the watermark and the horizon (the oldest transaction still running) are
-- kept per node: each worker reads its own shards up to its own horizon, the
-- coordinator refreshes the cases they name and moves each node's watermark.

CREATE TABLE gridgov.analytics_node_watermarks (
    groupid integer PRIMARY KEY,
    below   bigint NOT NULL
);
COMMENT ON TABLE gridgov.analytics_node_watermarks IS
    'On a Citus cluster, how far the analytics have read each worker''s history: the events of that node''s transactions with an id below this one are taken in (gridgov.analytics_refresh_pending()); a node without a row is read from its first event. Derived; not dumped';
COMMENT ON COLUMN gridgov.analytics_node_watermarks.groupid IS 'The worker''s Citus group (pg_dist_node.groupid)';
COMMENT ON COLUMN gridgov.analytics_node_watermarks.below IS 'Transaction id of that node up to which (exclusive) its events are taken in';

CREATE FUNCTION gridgov.analytics_pending_here(belows jsonb, max_entries integer)
    RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g integer := gridgov.citus_node_group();
    below bigint;
    horizon bigint;
    shard text;
    txids bigint[] := '{}';
    found_txids bigint[];
    pairs jsonb := '[]';
    found jsonb;
BEGIN
    IF g IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.analytics_pending_here() runs only on a node of a Citus cluster';
    END IF;
    below := COALESCE((belows ->> g::text)::bigint, 0);
    horizon := (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
    IF max_entries IS NOT NULL THEN
        -- The transactions of the node's first max_entries new events, whole.
        FOR shard IN SELECT 'case_events_' || s.shardid FROM pg_catalog.pg_dist_shard s
                     JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid
                     WHERE s.logicalrelid = 'gridgov.case_events'::pg_catalog.regclass AND p.groupid = g LOOP
            EXECUTE pg_catalog.format('SELECT ARRAY(SELECT e.txid FROM gridgov.%I e WHERE e.txid >= $1 AND e.txid < $2 '
                                      'ORDER BY e.txid LIMIT $3)', shard)
                INTO found_txids USING below, horizon, max_entries;
            txids := txids || found_txids;
        END LOOP;
        horizon := COALESCE((SELECT pg_catalog.max(t) + 1
                             FROM (SELECT t FROM pg_catalog.unnest(txids) t ORDER BY t LIMIT max_entries) x), horizon);
    END IF;
    FOR shard IN SELECT 'case_events_' || s.shardid FROM pg_catalog.pg_dist_shard s
                 JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid
                 WHERE s.logicalrelid = 'gridgov.case_events'::pg_catalog.regclass AND p.groupid = g LOOP
        EXECUTE pg_catalog.format('SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT e.case_id), ''[]'') FROM gridgov.%I e '
                                  'WHERE e.txid >= $1 AND e.txid < $2', shard)
            INTO found USING below, horizon;
        pairs := pairs || found;
    END LOOP;
    RETURN pg_catalog.jsonb_build_object('group', g, 'horizon', horizon, 'cases', pairs);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_pending_here(jsonb, integer) IS
    'Internal: on a worker, the cases of its own shards whose history has new events (of its transactions from the node''s watermark in belows, {"group": below}, to its oldest running transaction; at most max_entries events and the rest of their last transaction), with that horizon: {"group", "horizon", "cases"}; run by gridgov.analytics_refresh_pending() on the coordinator';

CREATE FUNCTION gridgov.analytics_refresh_nodes(max_entries integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    belows jsonb;
    r record;
    res jsonb;
    ids bigint[] := '{}';
BEGIN
    IF gridgov.citus_node_group() IS DISTINCT FROM 0 THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.analytics_refresh_nodes() runs only on a Citus coordinator';
    END IF;
    SELECT COALESCE(pg_catalog.jsonb_object_agg(w.groupid::text, w.below), '{}') INTO belows
    FROM gridgov.analytics_node_watermarks w;
    FOR r IN SELECT * FROM pg_catalog.run_command_on_workers(
                 pg_catalog.format('SELECT gridgov.analytics_pending_here(%L, %L)', belows, max_entries)) LOOP
        IF NOT r.success THEN
            RAISE EXCEPTION USING ERRCODE = '58000',
                MESSAGE = pg_catalog.format('worker %s:%s could not read its history: %s', r.nodename, r.nodeport, r.result);
        END IF;
        res := r.result::jsonb;
        ids := ids || ARRAY(SELECT x::bigint FROM pg_catalog.jsonb_array_elements_text(res -> 'cases') x);
        INSERT INTO gridgov.analytics_node_watermarks (groupid, below)
        VALUES ((res ->> 'group')::integer, (res ->> 'horizon')::bigint)
        ON CONFLICT (groupid) DO UPDATE SET below = EXCLUDED.below;
    END LOOP;
    ids := ARRAY(SELECT DISTINCT i FROM pg_catalog.unnest(ids) i ORDER BY 1);
    IF pg_catalog.cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM gridgov.analytics_refresh(ids);
    RETURN pg_catalog.cardinality(ids);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_refresh_nodes(integer) IS
    'Internal: gridgov.analytics_refresh_pending() on a Citus coordinator: each worker reports the cases of its shards with new events up to its own horizon (gridgov.analytics_pending_here()), their analytics are refreshed, and each node''s watermark moves (gridgov.analytics_node_watermarks)';

-- A command on every worker (Citus's run_command_on_workers()), each in its
-- own transaction there; an error naming the node when one fails.
CREATE FUNCTION gridgov.citus_on_workers(command text) RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    w record;
BEGIN
    FOR w IN SELECT * FROM pg_catalog.run_command_on_workers(command) r WHERE NOT r.success LOOP
        RAISE EXCEPTION USING ERRCODE = '58000',
            MESSAGE = pg_catalog.format('worker %s:%s failed: %s', w.nodename, w.nodeport, w.result);
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.citus_on_workers(text) IS
    'Internal: runs command on every worker of the Citus cluster (each in its own transaction there); 58000 naming the node when one fails (used by gridgov.distribute())';

-- gridgov.distribute(): the one call on a Citus coordinator.  Citus converts
-- tables joined by foreign keys together and would drop and re-create the
-- extension's sequences while doing so, which an extension's members do not
-- allow; and it copies the rows already there into the shards with the
-- tables' triggers enabled, which would run intake again for every case.  So
-- the foreign keys between gridgov's tables are dropped first and made again
-- after, and gridgov's triggers that fire on INSERT are off while the rows
-- are copied (in this transaction only: other sessions wait on the tables'
-- locks).
CREATE FUNCTION gridgov.distribute()
    RETURNS TABLE (table_name text, kind text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fks text[][] := '{}';
    trigs text[][] := '{}';
    r record;
    i integer;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.distribute() needs the citus extension in this database',
            HINT = 'Load citus first in shared_preload_libraries, CREATE EXTENSION citus, then add the worker nodes; docs/scaling.md.';
    END IF;
    IF gridgov.citus_node_group() IS DISTINCT FROM 0 THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = 'gridgov.distribute() runs on the Citus coordinator',
            HINT = 'Register the coordinator with citus_set_coordinator_host() and call gridgov.distribute() there.';
    END IF;
    PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    -- Foreign keys to reference tables: one connection per node (Citus).
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                   WHERE p.logicalrelid = 'gridgov.cases'::pg_catalog.regclass) THEN
        -- The foreign keys among gridgov's tables, as the catalog prints them.
        FOR r IN
            SELECT c.conrelid::pg_catalog.regclass::text AS rel, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def
            FROM pg_catalog.pg_constraint c
            WHERE c.contype = 'f' AND c.connamespace = 'gridgov'::pg_catalog.regnamespace
            ORDER BY c.conrelid, c.conname
        LOOP
            fks := fks || ARRAY[[pg_catalog.split_part(r.rel, '.', 2), r.conname, r.def]];
            EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I DROP CONSTRAINT %I',
                                      pg_catalog.split_part(r.rel, '.', 2), r.conname);
            -- The workers' copies of the extension have the keys too, which the
            -- coordinator's ALTER TABLE below adds there again (done here, before
            -- this transaction holds locks there; each in its own transaction).
            PERFORM gridgov.citus_on_workers(
                pg_catalog.format('ALTER TABLE gridgov.%I DROP CONSTRAINT IF EXISTS %I',
                                  pg_catalog.split_part(r.rel, '.', 2), r.conname));
        END LOOP;
        FOR r IN
            SELECT c.relname, t.tgname, t.tgenabled
            FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'gridgov'::pg_catalog.regnamespace AND NOT t.tgisinternal
              -- those that fire on INSERT (the copy), but the cache invalidation
              -- (Citus leaves a trigger that also fires on TRUNCATE disabled on
              -- the shards once it was disabled when they were made)
              AND t.tgtype::integer & 4 <> 0
              AND t.tgfoid <> 'gridgov.invalidate_caches()'::pg_catalog.regprocedure
            ORDER BY c.relname, t.tgname
        LOOP
            trigs := trigs || ARRAY[[r.relname::text, r.tgname::text, r.tgenabled::text]];
            EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I DISABLE TRIGGER %I', r.relname, r.tgname);
        END LOOP;
        FOR r IN SELECT l.table_name, l.kind FROM gridgov.citus_layout() l ORDER BY l.step LOOP
            IF r.kind = 'reference' THEN
                PERFORM pg_catalog.create_reference_table(pg_catalog.format('gridgov.%I', r.table_name));
            ELSIF r.kind = 'distributed' THEN
                PERFORM pg_catalog.create_distributed_table(
                    pg_catalog.format('gridgov.%I', r.table_name), 'county',
                    colocate_with => CASE WHEN r.table_name = 'cases' THEN 'none' ELSE 'gridgov.cases' END);
            END IF;
        END LOOP;
        FOR i IN 1 .. COALESCE(pg_catalog.array_length(trigs, 1), 0) LOOP
            IF trigs[i][3] = 'A' THEN
                EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ENABLE ALWAYS TRIGGER %I', trigs[i][1], trigs[i][2]);
            ELSIF trigs[i][3] = 'R' THEN
                EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ENABLE REPLICA TRIGGER %I', trigs[i][1], trigs[i][2]);
            ELSIF trigs[i][3] = 'O' THEN
                EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ENABLE TRIGGER %I', trigs[i][1], trigs[i][2]);
            END IF;
        END LOOP;
        -- pg_get_constraintdef()'s own text of a constraint of gridgov's tables.
        FOR i IN 1 .. COALESCE(pg_catalog.array_length(fks, 1), 0) LOOP
            EXECUTE pg_catalog.format('ALTER TABLE gridgov.%I ADD CONSTRAINT %I %s', fks[i][1], fks[i][2], fks[i][3]);
        END LOOP;
    END IF;
    -- act() and the system actions on the coordinator run where the case is.
    FOR r IN SELECT f.f::pg_catalog.regprocedure AS f
             FROM pg_catalog.unnest(ARRAY['gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz)',
                                          'gridgov.case_system_update(gridgov.gridcode, bigint, text, jsonb, timestamptz)']) f
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_object o
                       WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND o.objid = r.f
                         AND o.colocationid IS NOT NULL) THEN
            PERFORM pg_catalog.create_distributed_function(r.f, 'county', colocate_with => 'gridgov.cases',
                                                           force_delegation => true);
        END IF;
    END LOOP;
    PERFORM gridgov.citus_id_ranges();
    PERFORM gridgov.citus_on_workers('SELECT gridgov.citus_id_ranges()');
    RETURN QUERY SELECT l.table_name, l.kind FROM gridgov.citus_layout() l ORDER BY l.step;
END
$$;
COMMENT ON FUNCTION gridgov.distribute() IS
    'Administration: on a Citus coordinator with its workers added, makes gridgov''s configuration tables reference tables and its per-case tables distributed by county and co-located with cases (gridgov.citus_layout()), with the rows already there, and gives every node its own range of ids; again after adding a node (then it only gives the new node its ids); docs/scaling.md';

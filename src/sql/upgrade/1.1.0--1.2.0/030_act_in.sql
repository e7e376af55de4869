-- act_in(): act() of a county's case where it is held (a Citus distributed function).
CREATE FUNCTION gridgov.act_in(county gridgov.gridcode, case_id bigint, action text, note text DEFAULT NULL,
                               payload jsonb DEFAULT '{}', at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases
    AS 'MODULE_PATHNAME', 'gridgov_act_in' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.act_in(gridgov.gridcode, bigint, text, text, jsonb, timestamptz) IS
    'gridgov.act() on a case of county, where the case is held: on a Citus cluster a distributed function by county (gridgov.distribute()), which act() calls on the coordinator; on one server the same as act(). Refuses (55000) on a node that does not hold the county''s cases';
-- report_in() locks the case and its call by county and id (one shard under Citus).
CREATE OR REPLACE FUNCTION gridgov.report_in(case_id bigint, department bigint, at timestamptz DEFAULT pg_catalog.now())
    RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    call gridgov.whistle_calls;
    cty gridgov.gridcode;
BEGIN
    -- The case first, then its summons: the order act() and the sweep lock in,
    -- by county and id (under Citus a row lock is taken on one shard).
    cty := COALESCE((SELECT x.county FROM gridgov.cases x WHERE x.id = report_in.case_id),
                    (SELECT w.county FROM gridgov.whistle_calls w
                     WHERE w.case_id = report_in.case_id AND w.department_id = report_in.department LIMIT 1));
    PERFORM 1 FROM gridgov.cases x WHERE x.county OPERATOR(gridgov.=) cty AND x.id = report_in.case_id FOR UPDATE;
    SELECT * INTO call FROM gridgov.whistle_calls w
    WHERE w.county OPERATOR(gridgov.=) cty
      AND w.case_id = report_in.case_id AND w.department_id = report_in.department AND w.reported_at IS NULL
    ORDER BY w.whistle_id DESC LIMIT 1
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG252',
            MESSAGE = pg_catalog.format('department %s has no whistle of case %s to report in to', department, case_id),
            HINT = 'It was not summoned, or has reported in already.';
    END IF;
    PERFORM gridgov.act(case_id, 'report_in', NULL,
                        pg_catalog.jsonb_build_object('department_id', department, 'whistle_id', call.whistle_id,
                                                      'on_time', at <= call.due_at), at);
    UPDATE gridgov.whistle_calls w SET reported_at = at
    WHERE w.county OPERATOR(gridgov.=) call.county AND w.case_id = call.case_id
      AND w.whistle_id = call.whistle_id AND w.department_id = call.department_id;
    RETURN at <= call.due_at;
END
$$;
COMMENT ON FUNCTION gridgov.report_in(bigint, bigint, timestamptz) IS
    'A summoned department reports in on site (报到); recorded in the history; returns whether it was on time (GG252 when the department has no open whistle call for the case)';
-- analytics_refresh_pending(): on a Citus coordinator, a watermark per node (096).
CREATE OR REPLACE FUNCTION gridgov.analytics_refresh_pending(max_entries integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    below bigint;
    horizon bigint;
    last bigint;
    ids bigint[];
BEGIN
    IF max_entries IS NOT NULL AND max_entries < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('max_entries must be positive, not %s', max_entries),
            HINT = 'Pass NULL to take in every new event.';
    END IF;
    -- One drain at a time, and none while another transaction is refreshing:
    -- the next run (a minute later) takes over.
    IF NOT pg_catalog.pg_try_advisory_xact_lock(gridgov.analytics_lock_key()) THEN
        RETURN 0;
    END IF;
    -- On a Citus cluster the history is written under each worker's own
    -- transaction ids: a watermark per node (096_citus.sql).
    IF gridgov.citus_node_group() = 0 THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                   WHERE p.logicalrelid = 'gridgov.case_events'::pg_catalog.regclass) THEN
            RETURN gridgov.analytics_refresh_nodes(max_entries);
        END IF;
    END IF;
    SELECT w.below INTO below FROM gridgov.analytics_watermark w FOR UPDATE;
    IF below IS NULL THEN
        -- No watermark: a restore removed it (src/cases/restore.c).  The
        -- analytics are not dumped and the restored events carry the old
        -- cluster's transaction ids, so everything is recomputed once and the
        -- watermark set for this cluster (docs/backup.md).
        RETURN gridgov.analytics_rebuild();
    END IF;
    horizon := (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
    IF max_entries IS NOT NULL THEN
        -- The transactions of the first max_entries new events, whole.
        SELECT pg_catalog.max(x.txid) INTO last
        FROM (SELECT e.txid FROM gridgov.case_events e WHERE e.txid >= below AND e.txid < horizon
              ORDER BY e.txid LIMIT max_entries) x;
        horizon := COALESCE(last + 1, horizon);
    END IF;
    ids := ARRAY(SELECT DISTINCT e.case_id FROM gridgov.case_events e
                 WHERE e.txid >= below AND e.txid < horizon ORDER BY 1);
    UPDATE gridgov.analytics_watermark SET below = horizon;
    IF pg_catalog.cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM gridgov.analytics_refresh(ids);
    RETURN pg_catalog.cardinality(ids);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_refresh_pending(integer) IS
    'Administration: takes in the history''s new events (those of the transactions between the watermark and the oldest transaction still running; at most max_entries events and the rest of their last transaction; NULL: all) and refreshes the analytics of their cases; returns the number of distinct cases refreshed. Returns 0 at once while another drain, or a refresh in another transaction, is running. Without a watermark row (removed by a restore of cases: the analytics are not dumped, and restored events carry the old cluster''s transaction ids) it runs gridgov.analytics_rebuild() instead and returns its count. Run every minute by the gridgov-analytics job; 22023 for a max_entries below 1';
CREATE OR REPLACE FUNCTION gridgov.analytics_rebuild() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    -- On a Citus node: the truncations and refills of many shards over one
    -- connection per node (Citus deadlocks against itself otherwise), until
    -- this function returns.
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;
    LOCK TABLE gridgov.case_stats IN EXCLUSIVE MODE;
    TRUNCATE gridgov.case_stats;
    INSERT INTO gridgov.case_stats SELECT * FROM gridgov.case_stats_computed;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM gridgov.analytics_rebuild_summaries();
    -- What this transaction's snapshot saw is taken in; the events of the
    -- transactions still running are the drain's.  (On a Citus cluster the
    -- workers' watermarks start again from their first events.)
    DELETE FROM gridgov.analytics_node_watermarks;
    DELETE FROM gridgov.analytics_watermark;
    INSERT INTO gridgov.analytics_watermark (below)
    VALUES ((pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint);
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_rebuild() IS
    'Administration: Recomputes gridgov.case_stats for every case from cases, case_events and case_clocks, then the summaries, and moves the watermark of the history''s events to what it read; returns the number of cases. Run it after a restore (derived tables are not dumped), after a bulk load with triggers disabled, or after correcting the analytics calendar''s holidays';
-- detect_hotspots() names the county of the cases it opens, and reads the case before it links it.
CREATE OR REPLACE FUNCTION gridgov.detect_hotspots(as_of timestamptz DEFAULT pg_catalog.now(),
                                        win interval DEFAULT '7 days',
                                        baseline interval DEFAULT '8 weeks',
                                        min_cases integer DEFAULT 5,
                                        alpha double precision DEFAULT 0.01,
                                        cluster_m double precision DEFAULT 150,
                                        cluster_min integer DEFAULT 5,
                                        open_cases boolean DEFAULT false)
    RETURNS SETOF gridgov.hotspots
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    ratio double precision;
    h gridgov.hotspots;
    ext text;
    linked bigint;
    pt geometry;
    place text;
    opened integer := 0;
BEGIN
    IF as_of IS NULL OR win IS NULL OR baseline IS NULL OR min_cases IS NULL OR alpha IS NULL
       OR cluster_m IS NULL OR cluster_min IS NULL OR open_cases IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'arguments of detect_hotspots must not be NULL';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'as_of must be a finite time';
    END IF;
    IF win <= interval '0' OR baseline <= interval '0'
       OR EXTRACT(epoch FROM win) > 366 * 86400 OR EXTRACT(epoch FROM baseline) > 3660 * 86400 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('window %s and baseline %s must be positive (at most 366 and 3,660 days)', win, baseline);
    END IF;
    IF min_cases < 1 OR cluster_min < 2 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('min_cases must be at least 1 and cluster_min at least 2, not %s and %s', min_cases, cluster_min);
    END IF;
    IF NOT (alpha > 0 AND alpha < 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('alpha must lie strictly between 0 and 1, not %s', alpha);
    END IF;
    IF NOT (cluster_m > 0 AND cluster_m <= 10000) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('cluster_m must lie in (0, 10000] metres, not %s', cluster_m);
    END IF;
    ratio := EXTRACT(epoch FROM win)::double precision / EXTRACT(epoch FROM baseline)::double precision;

    DELETE FROM gridgov.hotspot_runs r WHERE r.detected_at = as_of;
    INSERT INTO gridgov.hotspot_runs (detected_at, params, spikes, clusters, cases_opened)
    VALUES (as_of, pg_catalog.jsonb_build_object('window', win, 'baseline', baseline, 'min_cases', min_cases,
                                                 'alpha', alpha, 'cluster_m', cluster_m, 'cluster_min', cluster_min,
                                                 'open_cases', open_cases), 0, 0, 0);

    -- 1. Spikes: every grid x category with a case in the window or the baseline is tested.
    INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                  cases, baseline_cases, expected, score, threshold, geom)
    WITH pts AS (
        SELECT c.county, c.grid, c.category, c.reported_at > as_of - win AS recent
        FROM gridgov.cases c
        WHERE c.reported_at > as_of - win - baseline AND c.reported_at <= as_of
          AND c.grid IS NOT NULL AND c.source <> 'proactive'
    ), cells AS (
        SELECT p.county, p.grid, p.category,
               pg_catalog.count(*) FILTER (WHERE p.recent)::integer AS x,
               pg_catalog.count(*) FILTER (WHERE NOT p.recent)::integer AS b
        FROM pts p GROUP BY 1, 2, 3
    ), tested AS (
        SELECT t.*, (t.b + 1) * ratio AS lambda,
               -pg_catalog.log(alpha / pg_catalog.count(*) OVER (PARTITION BY t.county)) AS threshold
        FROM cells t
    )
    SELECT t.county, as_of, 'spike', t.category, t.grid, ARRAY[t.grid], as_of - win, as_of, t.x, t.b, t.lambda,
           gridgov.poisson_score(t.x, t.lambda), t.threshold,
           (SELECT g.geom FROM gridgov.grids g
            WHERE g.code = t.grid AND g.valid_from <= as_of AND as_of < g.valid_to)
    FROM tested t
    WHERE t.x >= min_cases AND gridgov.poisson_score(t.x, t.lambda) >= t.threshold;

    -- 2. Clusters of one category that cross grid boundaries, in a local metric
    --    plane (equirectangular around the mean latitude of the county's points).
    INSERT INTO gridgov.hotspots (county, detected_at, kind, category, grid, grids, window_start, window_end,
                                  cases, baseline_cases, expected, score, threshold, geom)
    WITH recent AS (
        SELECT c.county, c.grid, c.category, c.location
        FROM gridgov.cases c
        WHERE c.reported_at > as_of - win AND c.reported_at <= as_of
          AND c.location IS NOT NULL AND c.source <> 'proactive'
    ), origin AS (
        SELECT r.county, pg_catalog.avg(ST_Y(r.location)) AS lat0 FROM recent r GROUP BY r.county
    ), labelled AS (
        SELECT r.*, o.lat0,
               ST_ClusterDBSCAN(ST_Scale(r.location, 111320 * pg_catalog.cos(pg_catalog.radians(o.lat0)), 110574),
                                cluster_m, cluster_min) OVER (PARTITION BY r.county, r.category) AS cid
        FROM recent r JOIN origin o ON o.county OPERATOR(gridgov.=) r.county
    ), clusters AS (
        SELECT l.county, l.category, l.cid, l.lat0, pg_catalog.count(*)::integer AS x,
               pg_catalog.array_agg(DISTINCT l.grid ORDER BY l.grid) FILTER (WHERE l.grid IS NOT NULL) AS grids,
               ST_ConvexHull(ST_Collect(ST_Scale(l.location, 111320 * pg_catalog.cos(pg_catalog.radians(l.lat0)),
                                                 110574))) AS hull_m,
               ST_ConvexHull(ST_Collect(ST_SnapToGrid(l.location, 0.001))) AS hull
        FROM labelled l WHERE l.cid IS NOT NULL
        GROUP BY l.county, l.category, l.cid, l.lat0
        HAVING pg_catalog.count(DISTINCT l.grid) >= 2
    ), past AS MATERIALIZED (
        -- The baseline's points of the clusters' categories, in the same plane.
        SELECT b.county, b.category,
               ST_Scale(b.location, 111320 * pg_catalog.cos(pg_catalog.radians(o.lat0)), 110574) AS p
        FROM gridgov.cases b
        JOIN origin o ON o.county OPERATOR(gridgov.=) b.county
        WHERE b.reported_at > as_of - win - baseline AND b.reported_at <= as_of - win
          AND b.location IS NOT NULL AND b.source <> 'proactive'
          AND b.category IN (SELECT cl.category FROM clusters cl)
    ), based AS (
        SELECT cl.*,
               (SELECT pg_catalog.count(*) FROM past b
                WHERE b.county OPERATOR(gridgov.=) cl.county AND b.category = cl.category
                  AND ST_DWithin(b.p, cl.hull_m, cluster_m))::integer AS b
        FROM clusters cl
    ), tested AS (
        SELECT t.*, (t.b + 1) * ratio AS lambda,
               -pg_catalog.log(alpha / pg_catalog.count(*) OVER (PARTITION BY t.county)) AS threshold
        FROM based t
    )
    SELECT t.county, as_of, 'cluster', t.category, NULL, t.grids, as_of - win, as_of, t.x, t.b, t.lambda,
           gridgov.poisson_score(t.x, t.lambda), t.threshold, t.hull
    FROM tested t
    WHERE t.x >= min_cases AND gridgov.poisson_score(t.x, t.lambda) >= t.threshold;

    -- 3. Proactive cases: one per hot spot, idempotent through the external id;
    --    an existing one is linked even when no new case is opened.
    FOR h IN SELECT * FROM gridgov.hotspots x WHERE x.detected_at = as_of ORDER BY x.id LOOP
        IF h.kind = 'spike' THEN
            pt := ST_PointOnSurface(h.geom);
            ext := pg_catalog.format('hotspot/spike/%s/%s/%s', h.grid, h.category,
                                     pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD'));
            SELECT g.name INTO place FROM gridgov.grids g
            WHERE g.code = h.grid AND g.valid_from <= as_of AND as_of < g.valid_to;
        ELSE
            pt := ST_SnapToGrid(ST_Centroid(h.geom), 0.001);
            ext := pg_catalog.format('hotspot/cluster/%s/%s,%s/%s', h.category,
                                     pg_catalog.round(ST_X(pt)::numeric, 3), pg_catalog.round(ST_Y(pt)::numeric, 3),
                                     pg_catalog.to_char(as_of AT TIME ZONE gridgov.analytics_time_zone(), 'YYYY-MM-DD'));
            place := pg_catalog.format('%s 个网格交界处', pg_catalog.cardinality(h.grids));
        END IF;
        IF open_cases THEN
            -- The county named (as intake gives it), so that the INSERT is
            -- routed on a Citus coordinator too.
            INSERT INTO gridgov.cases (county, source, external_id, category, title, location, grid, reported_at)
            SELECT gridgov.case_county(pt, 'wgs84', CASE WHEN h.kind = 'spike' THEN h.grid END, as_of),
                   'proactive', ext, h.category,
                   pg_catalog.left(pg_catalog.format('未诉先办：%s %s 近 %s 起（预期 %s）', place, cat.name, h.cases,
                                                     pg_catalog.round(h.expected::numeric, 1)), 500),
                   pt, CASE WHEN h.kind = 'spike' THEN h.grid END, as_of
            FROM gridgov.categories cat WHERE cat.code = h.category
            ON CONFLICT (county, source, external_id) DO NOTHING;
            IF FOUND THEN
                opened := opened + 1;
            END IF;
        END IF;
        -- Read, then written (Citus writes no reference table from a query
        -- that reads a distributed one).
        linked := (SELECT c.id FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) h.county AND c.source = 'proactive' AND c.external_id = ext);
        UPDATE gridgov.hotspots x SET case_id = linked WHERE x.id = h.id;
    END LOOP;

    UPDATE gridgov.hotspot_runs r
    SET spikes = (SELECT pg_catalog.count(*) FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'spike'),
        clusters = (SELECT pg_catalog.count(*) FROM gridgov.hotspots x WHERE x.detected_at = as_of AND x.kind = 'cluster'),
        cases_opened = opened
    WHERE r.detected_at = as_of;

    RETURN QUERY SELECT * FROM gridgov.hotspots x WHERE x.detected_at = as_of
                 ORDER BY x.county, x.kind DESC, x.score DESC, x.id;
END
$$;
COMMENT ON FUNCTION gridgov.detect_hotspots(timestamptz, interval, interval, integer, double precision, double precision, integer, boolean) IS
    'Hot spots (未诉先办) in the window (as_of - win, as_of]: grid x category counts above their own baseline (as_of - win - baseline, as_of - win], and DBSCAN clusters (cluster_m metres, cluster_min points) of one category spanning at least two grids, each with at least min_cases cases and a Poisson score (gridgov.poisson_score against (baseline + 1) x win / baseline) above -log10(alpha / tests in the county). Replaces the results of an earlier run with the same as_of, stores them in gridgov.hotspots and gridgov.hotspot_runs, opens one proactive case each when open_cases (idempotent), and returns them. Proactive cases are never counted. 22004 NULL argument, 22023 bad parameter';

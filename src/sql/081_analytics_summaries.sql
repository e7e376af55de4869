-- ---------------------------------------------------------------------------
-- analytics (2/7): what each case counts for, the month summaries, and their
-- incremental maintenance.
--
-- gridgov.stat_rows(case) is the single definition of what a case contributes
-- to every count: a row at its reported day (three rates, first-dispatch
-- accuracy), one at its filing day (filed), one at its deadline's day (due,
-- closed, on time, rework, extension, handling time).  The summaries
-- (stats_month, stats_month_hist, stats_month_category) are sums of these rows
-- by month x county x town x department.  gridgov.analytics_refresh()
-- recomputes the changed cases' rows in gridgov.case_stats and appends the
-- difference of their contributions to the summaries as delta rows (no row is
-- updated in place, so concurrent transactions never wait on each other);
-- readers always SUM, and gridgov.analytics_compact() (nightly) folds the
-- deltas.  docs/bi.md explains the choice of grain.  A query over case_stats
-- passes each row as ROW(s.*)::gridgov.case_stats, not s: on Citus it runs on
-- the shards, where s has the shard's row type, which stat_rows() does not take.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.stat_rows(s gridgov.case_stats)
    RETURNS TABLE (day date, reported integer, merged integer, dispatched integer, responded integer,
                   first_dispatch_ok integer, called_back integer, solved integer, satisfied integer,
                   filed integer, due integer, closed integer, closed_on_time integer, reworked integer,
                   extended integer, handled integer, handle_hours numeric, handle_bucket numeric)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT v.day, v.reported, v.merged, v.dispatched, v.responded, v.first_dispatch_ok, v.called_back,
           v.solved, v.satisfied, v.filed, v.due, v.closed, v.closed_on_time, v.reworked, v.extended,
           v.handled, v.handle_hours, v.handle_bucket
    FROM (VALUES
        -- at the reported day: intake, dispatch, response, callback answers.
        -- Responded: signed in time and, where the case reached a first-contact
        -- step (a contact clock), the caller contacted in time.  First dispatch
        -- ok: one dispatch, no approved return (a rejected one does not count).
        ('r', (s).reported_day, 1, (s).merged::integer,
         (NOT (s).merged AND (s).dispatches >= 1)::integer,
         (NOT (s).merged AND (s).dispatches >= 1 AND (s).signed_at IS NOT NULL
              AND (s).sign_on_time IS NOT FALSE
              AND (NOT (s).contact_required
                   OR ((s).contacted_at IS NOT NULL AND (s).contact_on_time IS NOT FALSE)))::integer,
         (NOT (s).merged AND (s).dispatches = 1 AND (s).returns = 0 AND (s).closed_at IS NOT NULL)::integer,
         (NOT (s).merged AND (s).solved IS NOT NULL)::integer,
         (NOT (s).merged AND COALESCE((s).solved, false))::integer,
         (NOT (s).merged AND (s).solved IS NOT NULL
              AND COALESCE((s).satisfaction IN ('satisfied', 'basically_satisfied'), false))::integer,
         0, 0, 0, 0, 0, 0, 0, 0::numeric, NULL::numeric),
        -- at the filing day
        ('f', (s).filed_day, 0, 0, 0, 0, 0, 0, 0, 0,
         1, 0, 0, 0, 0, 0, 0, 0::numeric, NULL::numeric),
        -- at the deadline's day: the case is due (应结案)
        ('d', (s).due_day, 0, 0, 0, 0, 0, 0, 0, 0,
         0, 1, ((s).closed_at IS NOT NULL)::integer,
         COALESCE((s).closed_at <= (s).deadline, false)::integer,
         ((s).reworks > 0)::integer, ((s).extensions > 0)::integer,
         ((s).handle_work_hours IS NOT NULL)::integer,
         COALESCE((s).handle_work_hours, 0::numeric),
         gridgov.handle_bucket((s).handle_work_hours))
    ) v(kind, day, reported, merged, dispatched, responded, first_dispatch_ok, called_back, solved,
        satisfied, filed, due, closed, closed_on_time, reworked, extended, handled, handle_hours,
        handle_bucket)
    WHERE v.day IS NOT NULL
      AND (v.kind <> 'd' OR ((s).filed_at IS NOT NULL AND NOT (s).merged));
END;
COMMENT ON FUNCTION gridgov.stat_rows(gridgov.case_stats) IS
    'What one case counts for, as up to three rows: at its reported day (reported, merged, dispatched, responded in time (signed in time and, where a contact clock ran, the caller contacted in time), first-dispatch ok (one dispatch, no approved return), called back, solved, satisfied), at its filing day (filed), at its deadline''s day if it is due (due, closed, closed on time, reworked, extended, handled, handling hours and histogram bucket). The one definition behind the summaries and every metric view; see docs/bi.md';

-- Month summaries -------------------------------------------------------------

CREATE TABLE gridgov.stats_month (
    month             date NOT NULL,
    county            gridgov.gridcode NOT NULL,
    town              gridgov.gridcode NOT NULL,
    department_id     bigint,
    reported          bigint NOT NULL DEFAULT 0,
    merged            bigint NOT NULL DEFAULT 0,
    dispatched        bigint NOT NULL DEFAULT 0,
    responded         bigint NOT NULL DEFAULT 0,
    first_dispatch_ok bigint NOT NULL DEFAULT 0,
    called_back       bigint NOT NULL DEFAULT 0,
    solved            bigint NOT NULL DEFAULT 0,
    satisfied         bigint NOT NULL DEFAULT 0,
    filed             bigint NOT NULL DEFAULT 0,
    due               bigint NOT NULL DEFAULT 0,
    closed            bigint NOT NULL DEFAULT 0,
    closed_on_time    bigint NOT NULL DEFAULT 0,
    reworked          bigint NOT NULL DEFAULT 0,
    extended          bigint NOT NULL DEFAULT 0,
    handled           bigint NOT NULL DEFAULT 0,
    handle_hours      numeric NOT NULL DEFAULT 0
);
CREATE INDEX stats_month_key ON gridgov.stats_month (month, county, town, department_id);
COMMENT ON TABLE gridgov.stats_month IS
    'Month summary: sums of gridgov.stat_rows() by local month, county, town and department. Several rows per key may exist (deltas appended by the triggers, folded by gridgov.analytics_compact()): always read it with SUM ... GROUP BY. Derived; not dumped';
COMMENT ON COLUMN gridgov.stats_month.month IS 'First day of the local month';
COMMENT ON COLUMN gridgov.stats_month.county IS 'County';
COMMENT ON COLUMN gridgov.stats_month.town IS 'Town (gridgov.area_at(county, grid, 4))';
COMMENT ON COLUMN gridgov.stats_month.department_id IS 'Responsible department';
COMMENT ON COLUMN gridgov.stats_month.reported IS 'Cases reported in the month';
COMMENT ON COLUMN gridgov.stats_month.merged IS 'Of those, merged duplicates';
COMMENT ON COLUMN gridgov.stats_month.dispatched IS 'Of those, dispatched at least once (not merged)';
COMMENT ON COLUMN gridgov.stats_month.responded IS 'Of the dispatched, signed with every sign clock met in time and, where a contact clock ran, the caller contacted with every contact clock met in time';
COMMENT ON COLUMN gridgov.stats_month.first_dispatch_ok IS 'Of the dispatched, closed after exactly one dispatch and no approved return';
COMMENT ON COLUMN gridgov.stats_month.called_back IS 'Of those reported, called back (not merged)';
COMMENT ON COLUMN gridgov.stats_month.solved IS 'Of the called back, solved';
COMMENT ON COLUMN gridgov.stats_month.satisfied IS 'Of the called back, satisfied or basically satisfied';
COMMENT ON COLUMN gridgov.stats_month.filed IS 'Cases filed in the month';
COMMENT ON COLUMN gridgov.stats_month.due IS 'Cases due in the month: filed, not merged, deadline in the month';
COMMENT ON COLUMN gridgov.stats_month.closed IS 'Of the due, closed';
COMMENT ON COLUMN gridgov.stats_month.closed_on_time IS 'Of the due, closed by the deadline';
COMMENT ON COLUMN gridgov.stats_month.reworked IS 'Of the due, reworked at least once';
COMMENT ON COLUMN gridgov.stats_month.extended IS 'Of the due, extended at least once';
COMMENT ON COLUMN gridgov.stats_month.handled IS 'Of the due, with a handling time';
COMMENT ON COLUMN gridgov.stats_month.handle_hours IS 'Sum of their handling times in working hours';

CREATE TABLE gridgov.stats_month_hist (
    month         date NOT NULL,
    county        gridgov.gridcode NOT NULL,
    town          gridgov.gridcode NOT NULL,
    department_id bigint,
    bucket        numeric NOT NULL,
    cases         bigint NOT NULL
);
CREATE INDEX stats_month_hist_key ON gridgov.stats_month_hist (month, county, town, department_id, bucket);
COMMENT ON TABLE gridgov.stats_month_hist IS
    'Month summary of handling times: due cases with a handling time per gridgov.handle_bucket() upper bound, by local month of the deadline, county, town and department (deltas as in stats_month; read with SUM). Derived; not dumped';
COMMENT ON COLUMN gridgov.stats_month_hist.month IS 'First day of the local month of the deadline';
COMMENT ON COLUMN gridgov.stats_month_hist.county IS 'County';
COMMENT ON COLUMN gridgov.stats_month_hist.town IS 'Town';
COMMENT ON COLUMN gridgov.stats_month_hist.department_id IS 'Responsible department';
COMMENT ON COLUMN gridgov.stats_month_hist.bucket IS 'Upper bound of the handling-time bucket, in working hours (Infinity: over 480)';
COMMENT ON COLUMN gridgov.stats_month_hist.cases IS 'Due cases whose handling time falls in the bucket';

CREATE TABLE gridgov.stats_month_category (
    month    date NOT NULL,
    county   gridgov.gridcode NOT NULL,
    category text COLLATE pg_catalog."C" NOT NULL,
    reported bigint NOT NULL
);
CREATE INDEX stats_month_category_key ON gridgov.stats_month_category (county, category, month);
COMMENT ON TABLE gridgov.stats_month_category IS
    'Month summary by category: cases reported per local month, county and category (deltas; read with SUM); behind gridgov.seasonal. Derived; not dumped';
COMMENT ON COLUMN gridgov.stats_month_category.month IS 'First day of the local month';
COMMENT ON COLUMN gridgov.stats_month_category.county IS 'County';
COMMENT ON COLUMN gridgov.stats_month_category.category IS 'Category code';
COMMENT ON COLUMN gridgov.stats_month_category.reported IS 'Cases reported';

-- Applying the change of some cases' rows to the summaries ---------------------

CREATE FUNCTION gridgov.stats_apply(old_rows gridgov.case_stats[], new_rows gridgov.case_stats[])
    RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
BEGIN
    WITH d AS MATERIALIZED (
        SELECT -1 AS sgn, o.county, o.town, o.department_id, o.category, r.*
        FROM pg_catalog.unnest(old_rows) o CROSS JOIN LATERAL gridgov.stat_rows(o) r
        UNION ALL
        SELECT 1, n.county, n.town, n.department_id, n.category, r.*
        FROM pg_catalog.unnest(new_rows) n CROSS JOIN LATERAL gridgov.stat_rows(n) r
    ), m AS (
        INSERT INTO gridgov.stats_month (month, county, town, department_id, reported, merged, dispatched,
                                         responded, first_dispatch_ok, called_back, solved, satisfied, filed,
                                         due, closed, closed_on_time, reworked, extended, handled, handle_hours)
        SELECT pg_catalog.date_trunc('month', d.day::timestamp)::date, d.county, d.town, d.department_id,
               pg_catalog.sum(d.sgn * d.reported), pg_catalog.sum(d.sgn * d.merged),
               pg_catalog.sum(d.sgn * d.dispatched), pg_catalog.sum(d.sgn * d.responded),
               pg_catalog.sum(d.sgn * d.first_dispatch_ok), pg_catalog.sum(d.sgn * d.called_back),
               pg_catalog.sum(d.sgn * d.solved), pg_catalog.sum(d.sgn * d.satisfied),
               pg_catalog.sum(d.sgn * d.filed), pg_catalog.sum(d.sgn * d.due), pg_catalog.sum(d.sgn * d.closed),
               pg_catalog.sum(d.sgn * d.closed_on_time), pg_catalog.sum(d.sgn * d.reworked),
               pg_catalog.sum(d.sgn * d.extended), pg_catalog.sum(d.sgn * d.handled),
               pg_catalog.sum(d.sgn * d.handle_hours)
        FROM d
        GROUP BY 1, 2, 3, 4
        HAVING pg_catalog.sum(d.sgn * d.reported) <> 0 OR pg_catalog.sum(d.sgn * d.merged) <> 0
            OR pg_catalog.sum(d.sgn * d.dispatched) <> 0 OR pg_catalog.sum(d.sgn * d.responded) <> 0
            OR pg_catalog.sum(d.sgn * d.first_dispatch_ok) <> 0 OR pg_catalog.sum(d.sgn * d.called_back) <> 0
            OR pg_catalog.sum(d.sgn * d.solved) <> 0 OR pg_catalog.sum(d.sgn * d.satisfied) <> 0
            OR pg_catalog.sum(d.sgn * d.filed) <> 0 OR pg_catalog.sum(d.sgn * d.due) <> 0
            OR pg_catalog.sum(d.sgn * d.closed) <> 0 OR pg_catalog.sum(d.sgn * d.closed_on_time) <> 0
            OR pg_catalog.sum(d.sgn * d.reworked) <> 0 OR pg_catalog.sum(d.sgn * d.extended) <> 0
            OR pg_catalog.sum(d.sgn * d.handled) <> 0 OR pg_catalog.sum(d.sgn * d.handle_hours) <> 0
        RETURNING 1
    ), h AS (
        INSERT INTO gridgov.stats_month_hist (month, county, town, department_id, bucket, cases)
        SELECT pg_catalog.date_trunc('month', d.day::timestamp)::date, d.county, d.town, d.department_id,
               d.handle_bucket, pg_catalog.sum(d.sgn * d.handled)
        FROM d WHERE d.handled <> 0
        GROUP BY 1, 2, 3, 4, 5
        HAVING pg_catalog.sum(d.sgn * d.handled) <> 0
        RETURNING 1
    )
    INSERT INTO gridgov.stats_month_category (month, county, category, reported)
    SELECT pg_catalog.date_trunc('month', d.day::timestamp)::date, d.county, d.category,
           pg_catalog.sum(d.sgn * d.reported)
    FROM d WHERE d.reported <> 0
    GROUP BY 1, 2, 3
    HAVING pg_catalog.sum(d.sgn * d.reported) <> 0;
END
$$;
COMMENT ON FUNCTION gridgov.stats_apply(gridgov.case_stats[], gridgov.case_stats[]) IS
    'Internal: appends to the summaries the difference between the contributions of the new and the old case_stats rows (keys whose sums do not change get no row)';

-- The lock shared by every refresh and taken exclusively by the drain.
CREATE FUNCTION gridgov.analytics_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 7452019470358102011;
COMMENT ON FUNCTION gridgov.analytics_lock_key() IS
    'Internal: key of the advisory lock that every analytics refresh holds shared and gridgov.analytics_refresh_pending() exclusively';

CREATE FUNCTION gridgov.analytics_refresh(case_ids bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    old_rows gridgov.case_stats[];
    new_rows gridgov.case_stats[];
    done integer;
    one_county gridgov.gridcode;
BEGIN
    IF case_ids IS NULL OR pg_catalog.cardinality(case_ids) = 0 THEN
        RETURN 0;
    END IF;
    -- Large sets (a bulk COPY, a restore) in slices of 10,000 cases, so that the
    -- arrays below stay small.
    IF pg_catalog.cardinality(case_ids) > 10000 THEN
        done := 0;
        FOR i IN 1 .. pg_catalog.cardinality(case_ids) BY 10000 LOOP
            done := done + gridgov.analytics_refresh(case_ids[i : i + 9999]);
        END LOOP;
        RETURN done;
    END IF;
    -- No drain in another transaction meanwhile (see the outbox below).
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(gridgov.analytics_lock_key());
    -- Lock the rows first: a concurrent refresh of the same case waits here and
    -- then sees this one's result.  County by county, in key order (Citus locks
    -- rows only in a query on one county's shard).
    FOR one_county IN SELECT DISTINCT s.county FROM gridgov.case_stats s WHERE s.case_id = ANY (case_ids)
             ORDER BY s.county LOOP
        PERFORM 1 FROM gridgov.case_stats s
        WHERE s.county OPERATOR(gridgov.=) one_county AND s.case_id = ANY (case_ids) ORDER BY s.case_id FOR UPDATE;
    END LOOP;
    -- The rows that change, before and after.
    old_rows := ARRAY(SELECT s FROM gridgov.case_stats s WHERE s.case_id = ANY (case_ids));
    new_rows := ARRAY(SELECT ROW(v.*)::gridgov.case_stats FROM gridgov.case_stats_computed v
                      WHERE v.case_id = ANY (case_ids));
    SELECT pg_catalog.array_agg(o ORDER BY n.case_id) FILTER (WHERE o.case_id IS NOT NULL),
           pg_catalog.array_agg(n ORDER BY n.case_id)
    INTO old_rows, new_rows
    FROM pg_catalog.unnest(new_rows) n
    LEFT JOIN pg_catalog.unnest(old_rows) o ON o.case_id = n.case_id
    WHERE o IS DISTINCT FROM n;
    IF new_rows IS NULL THEN
        RETURN 0;
    END IF;
    -- Their contributions, unless unchanged (most workflow steps change some).
    IF EXISTS ((SELECT o.county, o.town, o.department_id, o.category, r.*
                FROM pg_catalog.unnest(old_rows) o CROSS JOIN LATERAL gridgov.stat_rows(o) r
                EXCEPT ALL
                SELECT n.county, n.town, n.department_id, n.category, r.*
                FROM pg_catalog.unnest(new_rows) n CROSS JOIN LATERAL gridgov.stat_rows(n) r)
               UNION ALL
               (SELECT n.county, n.town, n.department_id, n.category, r.*
                FROM pg_catalog.unnest(new_rows) n CROSS JOIN LATERAL gridgov.stat_rows(n) r
                EXCEPT ALL
                SELECT o.county, o.town, o.department_id, o.category, r.*
                FROM pg_catalog.unnest(old_rows) o CROSS JOIN LATERAL gridgov.stat_rows(o) r)) THEN
        PERFORM gridgov.stats_apply(old_rows, new_rows);
    END IF;
    INSERT INTO gridgov.case_stats AS t SELECT (n).* FROM pg_catalog.unnest(new_rows) n
    ON CONFLICT (county, case_id) DO UPDATE SET
        case_no = excluded.case_no, source = excluded.source, category = excluded.category,
        urgency = excluded.urgency, workflow = excluded.workflow, state = excluded.state,
        grid = excluded.grid, town = excluded.town, community = excluded.community,
        department_id = excluded.department_id, location_approx = excluded.location_approx,
        reported_at = excluded.reported_at, filed_at = excluded.filed_at,
        first_dispatched_at = excluded.first_dispatched_at, dispatched_at = excluded.dispatched_at,
        signed_at = excluded.signed_at, handled_at = excluded.handled_at, verified_at = excluded.verified_at,
        called_back_at = excluded.called_back_at, closed_at = excluded.closed_at, deadline = excluded.deadline,
        reported_day = excluded.reported_day, filed_day = excluded.filed_day, due_day = excluded.due_day,
        file_on_time = excluded.file_on_time, dispatch_on_time = excluded.dispatch_on_time,
        sign_on_time = excluded.sign_on_time, handle_on_time = excluded.handle_on_time,
        verify_on_time = excluded.verify_on_time, callback_on_time = excluded.callback_on_time,
        whole_on_time = excluded.whole_on_time, response_work_hours = excluded.response_work_hours,
        response_hours = excluded.response_hours, handle_work_hours = excluded.handle_work_hours,
        handle_hours = excluded.handle_hours, total_work_hours = excluded.total_work_hours,
        total_hours = excluded.total_hours, dispatches = excluded.dispatches, returns = excluded.returns,
        reworks = excluded.reworks, reopens = excluded.reopens, extensions = excluded.extensions,
        suspensions = excluded.suspensions, supervised = excluded.supervised,
        escalation_level = excluded.escalation_level, solved = excluded.solved,
        satisfaction = excluded.satisfaction, merged = excluded.merged,
        case_updated_at = excluded.case_updated_at, occurred_at = excluded.occurred_at,
        discover_minutes = excluded.discover_minutes, discover_on_time = excluded.discover_on_time,
        contacted_at = excluded.contacted_at, contact_required = excluded.contact_required,
        contact_on_time = excluded.contact_on_time, supervisions = excluded.supervisions,
        supervise_on_time = excluded.supervise_on_time, returns_requested = excluded.returns_requested,
        returns_rejected = excluded.returns_rejected, extension_requests = excluded.extension_requests,
        extension_refusals = excluded.extension_refusals, suspension_requests = excluded.suspension_requests,
        suspension_refusals = excluded.suspension_refusals, meetings = excluded.meetings;
    RETURN pg_catalog.cardinality(new_rows);
END
$$;
COMMENT ON FUNCTION gridgov.analytics_refresh(bigint[]) IS
    'Administration: Recomputes the case_stats rows of the given cases from their sources, writes those that changed and appends the change of their contributions to the summaries; returns the number of rows that changed. Called by gridgov.analytics_refresh_pending() for the cases of the history''s new events, or at once by the intake and update statement triggers when gridgov.analytics_sync is on; safe to call at any time';
REVOKE EXECUTE ON FUNCTION gridgov.analytics_refresh(bigint[]) FROM PUBLIC;

-- The history as the analytics' outbox ---------------------------------------------
--
-- Every change of a case appends exactly one row to gridgov.case_events, with
-- the id of the transaction that appended it (case_events.txid).
-- gridgov.analytics_refresh_pending(), run every minute by the gridgov-analytics
-- job, refreshes the cases of the events appended since its last run: those of
-- the transactions whose ids lie at or above the watermark and below the
-- oldest transaction still running (the xmin of the current snapshot).  Every
-- transaction below that horizon has ended, so its events are all visible, and
-- none of a transaction still running (or one that commits later with a lower
-- id) is passed over: the watermark only moves up to the horizon.  docs/bi.md
-- explains the order.  SET gridgov.analytics_sync = on refreshes in the writing
-- transaction instead (tests, small sites that want no delay): the intake
-- trigger then refreshes the new cases, and the one AFTER UPDATE statement
-- trigger below the updated ones.
--
-- Two refreshes of a case that has no case_stats row yet must not both count
-- it; a refresh holds a shared advisory lock until its transaction ends and
-- the drain an exclusive one, so the drain never overlaps a refresh in another
-- transaction (rows that exist are serialized by their row lock).

CREATE TABLE gridgov.analytics_watermark (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    below     bigint NOT NULL
);
COMMENT ON TABLE gridgov.analytics_watermark IS
    'How far the analytics have read the history (one row): the events of every transaction with an id below this one are taken in. Derived; not dumped (gridgov.analytics_rebuild() sets it)';
COMMENT ON COLUMN gridgov.analytics_watermark.singleton IS 'Always true: the table has one row';
COMMENT ON COLUMN gridgov.analytics_watermark.below IS 'Transaction id up to which (exclusive) the events of case_events are taken in';
INSERT INTO gridgov.analytics_watermark (below)
VALUES ((pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint);

CREATE FUNCTION gridgov.analytics_sync() RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_analytics_sync_setting' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.analytics_sync() IS
    'Whether setting gridgov.analytics_sync is on: the intake and the update trigger then refresh the analytics in the writing transaction';

CREATE FUNCTION gridgov.analytics_refresh_pending(max_entries integer DEFAULT NULL) RETURNS integer
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

-- Trigger: with gridgov.analytics_sync on, the updated cases at once --------------

CREATE FUNCTION gridgov.analytics_cases_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    PERFORM gridgov.trigger_check('analytics_cases_changed', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    PERFORM gridgov.analytics_refresh(ARRAY(SELECT DISTINCT n.id FROM changed_cases n ORDER BY n.id));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_cases_changed() IS
    'AFTER UPDATE statement trigger on cases, only with gridgov.analytics_sync on: refreshes the analytics of the updated cases in the writing transaction (their events and clocks are written by then: the engine writes them before each row)';
CREATE TRIGGER stats_cases_update AFTER UPDATE ON gridgov.cases
    REFERENCING NEW TABLE AS changed_cases
    FOR EACH STATEMENT WHEN (gridgov.analytics_sync())
    EXECUTE FUNCTION gridgov.analytics_cases_changed();

-- Rebuild, compaction, check -------------------------------------------------------

CREATE FUNCTION gridgov.analytics_rebuild_summaries() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE gridgov.stats_month, gridgov.stats_month_hist, gridgov.stats_month_category IN EXCLUSIVE MODE;
    TRUNCATE gridgov.stats_month, gridgov.stats_month_hist, gridgov.stats_month_category;
    INSERT INTO gridgov.stats_month (month, county, town, department_id, reported, merged, dispatched,
                                     responded, first_dispatch_ok, called_back, solved, satisfied, filed,
                                     due, closed, closed_on_time, reworked, extended, handled, handle_hours)
    SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date, s.county, s.town, s.department_id,
           pg_catalog.sum(r.reported), pg_catalog.sum(r.merged), pg_catalog.sum(r.dispatched),
           pg_catalog.sum(r.responded), pg_catalog.sum(r.first_dispatch_ok), pg_catalog.sum(r.called_back),
           pg_catalog.sum(r.solved), pg_catalog.sum(r.satisfied), pg_catalog.sum(r.filed),
           pg_catalog.sum(r.due), pg_catalog.sum(r.closed), pg_catalog.sum(r.closed_on_time),
           pg_catalog.sum(r.reworked), pg_catalog.sum(r.extended), pg_catalog.sum(r.handled),
           pg_catalog.sum(r.handle_hours)
    FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
    GROUP BY 1, 2, 3, 4;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO gridgov.stats_month_hist (month, county, town, department_id, bucket, cases)
    SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date, s.county, s.town, s.department_id,
           r.handle_bucket, pg_catalog.count(*)
    FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
    WHERE s.deadline IS NOT NULL AND s.handle_work_hours IS NOT NULL AND r.handled = 1
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO gridgov.stats_month_category (month, county, category, reported)
    SELECT pg_catalog.date_trunc('month', s.reported_day::timestamp)::date, s.county, s.category,
           pg_catalog.count(*)
    FROM gridgov.case_stats s
    GROUP BY 1, 2, 3;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_rebuild_summaries() IS
    'Administration: Rebuilds the month summaries from gridgov.case_stats (after a bulk load that bypassed the triggers, or to start afresh); returns the number of stats_month rows';

CREATE FUNCTION gridgov.analytics_rebuild() RETURNS bigint
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

CREATE FUNCTION gridgov.analytics_compact() RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    before bigint;
    after bigint;
    n bigint;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.analytics_compact'));
    SELECT pg_catalog.count(*) INTO before FROM gridgov.stats_month;
    WITH gone AS (DELETE FROM gridgov.stats_month RETURNING *)
    INSERT INTO gridgov.stats_month (month, county, town, department_id, reported, merged, dispatched,
                                     responded, first_dispatch_ok, called_back, solved, satisfied, filed,
                                     due, closed, closed_on_time, reworked, extended, handled, handle_hours)
    SELECT g.month, g.county, g.town, g.department_id, pg_catalog.sum(g.reported), pg_catalog.sum(g.merged),
           pg_catalog.sum(g.dispatched), pg_catalog.sum(g.responded), pg_catalog.sum(g.first_dispatch_ok),
           pg_catalog.sum(g.called_back), pg_catalog.sum(g.solved), pg_catalog.sum(g.satisfied),
           pg_catalog.sum(g.filed), pg_catalog.sum(g.due), pg_catalog.sum(g.closed),
           pg_catalog.sum(g.closed_on_time), pg_catalog.sum(g.reworked), pg_catalog.sum(g.extended),
           pg_catalog.sum(g.handled), pg_catalog.sum(g.handle_hours)
    FROM gone g
    GROUP BY g.month, g.county, g.town, g.department_id
    HAVING pg_catalog.sum(g.reported) <> 0 OR pg_catalog.sum(g.filed) <> 0 OR pg_catalog.sum(g.due) <> 0
        OR pg_catalog.sum(g.merged) <> 0 OR pg_catalog.sum(g.dispatched) <> 0
        OR pg_catalog.sum(g.responded) <> 0 OR pg_catalog.sum(g.first_dispatch_ok) <> 0
        OR pg_catalog.sum(g.called_back) <> 0 OR pg_catalog.sum(g.solved) <> 0
        OR pg_catalog.sum(g.satisfied) <> 0 OR pg_catalog.sum(g.closed) <> 0
        OR pg_catalog.sum(g.closed_on_time) <> 0 OR pg_catalog.sum(g.reworked) <> 0
        OR pg_catalog.sum(g.extended) <> 0 OR pg_catalog.sum(g.handled) <> 0
        OR pg_catalog.sum(g.handle_hours) <> 0;
    SELECT pg_catalog.count(*) INTO after FROM gridgov.stats_month;
    n := before - after;
    SELECT pg_catalog.count(*) INTO before FROM gridgov.stats_month_hist;
    WITH gone AS (DELETE FROM gridgov.stats_month_hist RETURNING *)
    INSERT INTO gridgov.stats_month_hist (month, county, town, department_id, bucket, cases)
    SELECT g.month, g.county, g.town, g.department_id, g.bucket, pg_catalog.sum(g.cases)
    FROM gone g GROUP BY g.month, g.county, g.town, g.department_id, g.bucket
    HAVING pg_catalog.sum(g.cases) <> 0;
    SELECT pg_catalog.count(*) INTO after FROM gridgov.stats_month_hist;
    n := n + before - after;
    SELECT pg_catalog.count(*) INTO before FROM gridgov.stats_month_category;
    WITH gone AS (DELETE FROM gridgov.stats_month_category RETURNING *)
    INSERT INTO gridgov.stats_month_category (month, county, category, reported)
    SELECT g.month, g.county, g.category, pg_catalog.sum(g.reported)
    FROM gone g GROUP BY g.month, g.county, g.category
    HAVING pg_catalog.sum(g.reported) <> 0;
    SELECT pg_catalog.count(*) INTO after FROM gridgov.stats_month_category;
    RETURN n + before - after;
END
$$;
COMMENT ON FUNCTION gridgov.analytics_compact() IS
    'Administration: Folds the delta rows of the month summaries into one row per key and drops keys whose sums are all zero; returns the number of rows removed. Results do not change. Run nightly by gridgov.analytics_nightly()';

CREATE FUNCTION gridgov.analytics_check()
    RETURNS TABLE (object text, key text, problem text)
LANGUAGE sql STABLE PARALLEL SAFE
-- row_to_json() of a geometry makes PostGIS look up spatial_ref_sys: under
-- this path, never under the caller's.
SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    WITH stored AS (
        SELECT s.case_id, pg_catalog.row_to_json(s)::jsonb AS j FROM gridgov.case_stats s
    ), fresh AS (
        SELECT v.case_id, pg_catalog.row_to_json(v)::jsonb AS j FROM gridgov.case_stats_computed v
    ), facts AS (
        SELECT 'case_stats'::text AS object, COALESCE(a.case_id, b.case_id)::text AS key,
               CASE WHEN a.case_id IS NULL THEN 'missing'
                    WHEN b.case_id IS NULL THEN 'case gone'
                    ELSE 'differs in ' || (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k)
                                           FROM pg_catalog.jsonb_object_keys(b.j) k
                                           WHERE (a.j -> k) IS DISTINCT FROM (b.j -> k)) END AS problem
        FROM stored a FULL JOIN fresh b ON a.case_id = b.case_id
        WHERE a.j IS DISTINCT FROM b.j
    ), want AS (
        SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS month, s.county, s.town,
               s.department_id, pg_catalog.jsonb_build_array(
                   pg_catalog.sum(r.reported), pg_catalog.sum(r.merged), pg_catalog.sum(r.dispatched),
                   pg_catalog.sum(r.responded), pg_catalog.sum(r.first_dispatch_ok),
                   pg_catalog.sum(r.called_back), pg_catalog.sum(r.solved), pg_catalog.sum(r.satisfied),
                   pg_catalog.sum(r.filed), pg_catalog.sum(r.due), pg_catalog.sum(r.closed),
                   pg_catalog.sum(r.closed_on_time), pg_catalog.sum(r.reworked), pg_catalog.sum(r.extended),
                   pg_catalog.sum(r.handled), pg_catalog.sum(r.handle_hours)) AS v
        FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        GROUP BY 1, 2, 3, 4
    ), have AS (
        SELECT m.month, m.county, m.town, m.department_id, pg_catalog.jsonb_build_array(
                   pg_catalog.sum(m.reported), pg_catalog.sum(m.merged), pg_catalog.sum(m.dispatched),
                   pg_catalog.sum(m.responded), pg_catalog.sum(m.first_dispatch_ok),
                   pg_catalog.sum(m.called_back), pg_catalog.sum(m.solved), pg_catalog.sum(m.satisfied),
                   pg_catalog.sum(m.filed), pg_catalog.sum(m.due), pg_catalog.sum(m.closed),
                   pg_catalog.sum(m.closed_on_time), pg_catalog.sum(m.reworked), pg_catalog.sum(m.extended),
                   pg_catalog.sum(m.handled), pg_catalog.sum(m.handle_hours)) AS v
        FROM gridgov.stats_month m
        GROUP BY 1, 2, 3, 4
    ), sums AS (
        SELECT 'stats_month'::text AS object,
               pg_catalog.concat_ws('/', COALESCE(w.month, h.month), COALESCE(w.county, h.county)::text,
                                    COALESCE(w.town, h.town)::text,
                                    COALESCE(w.department_id, h.department_id)) AS key,
               pg_catalog.format('sums %s, expected %s', COALESCE(h.v::text, 'none'), COALESCE(w.v::text, 'none')) AS problem
        FROM want w
        FULL JOIN have h ON h.month = w.month AND h.county OPERATOR(gridgov.=) w.county
                        AND h.town OPERATOR(gridgov.=) w.town
                        AND COALESCE(h.department_id, -1) = COALESCE(w.department_id, -1)
        WHERE w.v IS DISTINCT FROM h.v
          AND NOT (w.v IS NULL AND h.v = '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::jsonb)
    ), hist_want AS (
        SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS month, s.county, s.town,
               s.department_id, r.handle_bucket AS bucket, pg_catalog.count(*) AS n
        FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
        WHERE r.handled = 1
        GROUP BY 1, 2, 3, 4, 5
    ), hist_have AS (
        SELECT m.month, m.county, m.town, m.department_id, m.bucket, pg_catalog.sum(m.cases) AS n
        FROM gridgov.stats_month_hist m
        GROUP BY 1, 2, 3, 4, 5 HAVING pg_catalog.sum(m.cases) <> 0
    ), hist AS (
        SELECT 'stats_month_hist'::text AS object,
               pg_catalog.concat_ws('/', COALESCE(w.month, h.month), COALESCE(w.county, h.county)::text,
                                    COALESCE(w.town, h.town)::text,
                                    COALESCE(w.department_id, h.department_id),
                                    COALESCE(w.bucket, h.bucket)) AS key,
               pg_catalog.format('%s cases, expected %s', COALESCE(h.n, 0), COALESCE(w.n, 0)) AS problem
        FROM hist_want w
        FULL JOIN hist_have h ON h.month = w.month AND h.county OPERATOR(gridgov.=) w.county
                             AND h.town OPERATOR(gridgov.=) w.town
                             AND COALESCE(h.department_id, -1) = COALESCE(w.department_id, -1)
                             AND h.bucket = w.bucket
        WHERE w.n IS DISTINCT FROM h.n
    ), cat_want AS (
        SELECT pg_catalog.date_trunc('month', s.reported_day::timestamp)::date AS month, s.county, s.category,
               pg_catalog.count(*) AS n
        FROM gridgov.case_stats s GROUP BY 1, 2, 3
    ), cat_have AS (
        SELECT m.month, m.county, m.category, pg_catalog.sum(m.reported) AS n
        FROM gridgov.stats_month_category m GROUP BY 1, 2, 3 HAVING pg_catalog.sum(m.reported) <> 0
    ), cat AS (
        SELECT 'stats_month_category'::text AS object,
               pg_catalog.concat_ws('/', COALESCE(w.month, h.month), COALESCE(w.county, h.county)::text,
                                    COALESCE(w.category, h.category)) AS key,
               pg_catalog.format('%s cases, expected %s', COALESCE(h.n, 0), COALESCE(w.n, 0)) AS problem
        FROM cat_want w
        FULL JOIN cat_have h ON h.month = w.month AND h.county OPERATOR(gridgov.=) w.county
                            AND h.category = w.category
        WHERE w.n IS DISTINCT FROM h.n
    )
    SELECT f.object, f.key, f.problem FROM facts f
    UNION ALL SELECT s.object, s.key, s.problem FROM sums s
    UNION ALL SELECT h.object, h.key, h.problem FROM hist h
    UNION ALL SELECT c.object, c.key, c.problem FROM cat c
    ORDER BY 1, 2;
END;
COMMENT ON FUNCTION gridgov.analytics_check() IS
    'Consistency check of the analytics, one row per problem (none: consistent): case_stats rows that differ from gridgov.case_stats_computed (missing, case gone, or the differing columns), and summary sums that differ from the sums of gridgov.stat_rows() over case_stats. Reads every case: for tests and after bulk loads';

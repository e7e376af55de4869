-- ---------------------------------------------------------------------------
-- analytics (3/7): the metric views — kpi (all counts by period x level x area
-- x department), three_rates, timeliness, department_ranking — and the weights
-- of the composite score as data.
--
-- gridgov.kpi is a UNION ALL of one branch per period (day, week, month), area
-- level (county, town, community, grid) and grouping (per department, all
-- departments).  Month branches at county and town level read the month
-- summaries; the others aggregate gridgov.case_stats.  Each branch has its
-- period, level and source as constants, so a query that filters on them plans
-- only the matching branch; filters on period_start, area and department_id
-- are pushed into it.  SQLSTATEs: GG300 shipped weights row changed, 22023 bad
-- weights.
-- ---------------------------------------------------------------------------

-- Weights of the composite score --------------------------------------------------

CREATE TABLE gridgov.score_weights (
    area         gridgov.gridcode,
    response     numeric NOT NULL CHECK (response >= 0),
    resolution   numeric NOT NULL CHECK (resolution >= 0),
    satisfaction numeric NOT NULL CHECK (satisfaction >= 0),
    note         text,
    builtin      boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (area, builtin),
    CONSTRAINT score_weights_positive CHECK (response + resolution + satisfaction > 0)
);
COMMENT ON TABLE gridgov.score_weights IS
    'Weights of the three rates in the composite score, as data. A row applies to an area and everything under it (NULL: everywhere); for an area the row of its closest ancestor-or-self wins, a user row before a shipped one. Ships one row (NULL, 30, 35, 35): one county''s practice, not a national rule';
COMMENT ON COLUMN gridgov.score_weights.area IS 'Area the weights apply to, with everything under it; NULL for the default';
COMMENT ON COLUMN gridgov.score_weights.response IS 'Weight of the response rate';
COMMENT ON COLUMN gridgov.score_weights.resolution IS 'Weight of the resolution rate';
COMMENT ON COLUMN gridgov.score_weights.satisfaction IS 'Weight of the satisfaction rate';
COMMENT ON COLUMN gridgov.score_weights.note IS 'Where the weights come from';
COMMENT ON COLUMN gridgov.score_weights.builtin IS 'Shipped with gridgov (read-only, not dumped); override it with a user row for the same area';

INSERT INTO gridgov.score_weights (area, response, resolution, satisfaction, note, builtin) VALUES
    (NULL, 30, 35, 35,
     'One county''s practice (response 30%, resolution 35%, satisfaction 35%); cities weight the three rates differently. Override with your own row.',
     true);
SELECT pg_catalog.pg_extension_config_dump('gridgov.score_weights', 'WHERE NOT builtin');

CREATE FUNCTION gridgov.score_weights_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('score_weights_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG300',
                MESSAGE = 'cannot mark a row of gridgov.score_weights as builtin',
                DETAIL = 'Only the gridgov install script writes shipped rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'GG300',
        MESSAGE = pg_catalog.format('cannot %s the shipped default score weights', pg_catalog.lower(TG_OP)),
        DETAIL = 'Shipped rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Insert your own row for the same area (NULL for the default); it takes precedence.';
END
$$;
COMMENT ON FUNCTION gridgov.score_weights_guard() IS
    'Trigger: the shipped score_weights row cannot be updated or deleted, and no row can be marked builtin (GG300)';
CREATE TRIGGER score_weights_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.score_weights
    FOR EACH ROW EXECUTE FUNCTION gridgov.score_weights_guard();

-- Percentage with two decimals; NULL without a denominator.
CREATE FUNCTION gridgov.pct(part bigint, whole bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN whole > 0 THEN pg_catalog.round(100.0 * part / whole, 2) END;
COMMENT ON FUNCTION gridgov.pct(bigint, bigint) IS
    'part / whole as a percentage rounded to 2 decimals; NULL when whole is 0 or NULL';

-- Composite score: weighted mean of the rates that exist.
CREATE FUNCTION gridgov.weighted_score(response_rate numeric, resolution_rate numeric, satisfaction_rate numeric,
                                       w_response numeric, w_resolution numeric, w_satisfaction numeric)
    RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN COALESCE(response_rate, resolution_rate, satisfaction_rate) IS NULL THEN NULL
            ELSE pg_catalog.round(
                (COALESCE(w_response * response_rate, 0) + COALESCE(w_resolution * resolution_rate, 0)
                 + COALESCE(w_satisfaction * satisfaction_rate, 0))
                / NULLIF(CASE WHEN response_rate IS NULL THEN 0 ELSE w_response END
                         + CASE WHEN resolution_rate IS NULL THEN 0 ELSE w_resolution END
                         + CASE WHEN satisfaction_rate IS NULL THEN 0 ELSE w_satisfaction END, 0), 2) END;
COMMENT ON FUNCTION gridgov.weighted_score(numeric, numeric, numeric, numeric, numeric, numeric) IS
    'Composite score from the three rates (percentages) and their weights: sum(weight x rate) / sum(weight) over the rates that are not NULL, 2 decimals; NULL when all three rates are NULL (or their weights are all 0)';

-- The counts behind every metric view ---------------------------------------------

-- One branch per period x level x grouping (24), all alike but for the
-- constants and the area and department expressions.  Each branch is
-- "SELECT <constants>, b.* FROM (<aggregation>) b": the planner flattens that
-- outer layer into the UNION ALL, sees the constants, and drops the branches a
-- filter on period or level excludes before planning them.  The case_stats
-- branches sum gridgov.stat_rows() of each case (given ROW(s.*)::gridgov.case_stats,
-- not s: on Citus each branch runs on the shards, where s has the shard's row
-- type, which stat_rows() does not take); the four month x county/town
-- branches sum the month summaries and take p90 from their histogram, in a
-- subquery that only runs when the column is asked for.
CREATE VIEW gridgov.kpi AS
-- day x county, per department
SELECT 'day'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.county AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x county, all departments
SELECT 'day'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.county AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x town, per department
SELECT 'day'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.town AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x town, all departments
SELECT 'day'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.town AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x community, per department
SELECT 'day'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.community AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x community, all departments
SELECT 'day'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             s.community AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x grid, per department
SELECT 'day'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- day x grid, all departments
SELECT 'day'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('day', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x county, per department
SELECT 'week'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.county AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x county, all departments
SELECT 'week'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.county AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x town, per department
SELECT 'week'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.town AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x town, all departments
SELECT 'week'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.town AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x community, per department
SELECT 'week'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.community AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x community, all departments
SELECT 'week'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             s.community AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x grid, per department
SELECT 'week'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- week x grid, all departments
SELECT 'week'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('week', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x county, per department
SELECT 'month'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                            AND (h.department_id = a.department_id
                                 OR (a.department_id IS NULL AND h.department_id IS NULL))
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.county AS area, m.department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x county, all departments
SELECT 'month'::text AS period, b.period_start, 'county'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.county AS area, NULL::bigint AS department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x town, per department
SELECT 'month'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                            AND h.town OPERATOR(gridgov.=) a.area
                            AND (h.department_id = a.department_id
                                 OR (a.department_id IS NULL AND h.department_id IS NULL))
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.town AS area, m.department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x town, all departments
SELECT 'month'::text AS period, b.period_start, 'town'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'stats_month'::text AS served_from
FROM (SELECT a.period_start, a.area, a.department_id, a.reported, a.merged, a.dispatched, a.responded,
             a.first_dispatch_ok, a.called_back, a.solved, a.satisfied, a.filed, a.due, a.closed,
             a.closed_on_time, a.reworked, a.extended, a.handled, a.handle_hours,
             (SELECT pg_catalog.min(x.bucket)
                         FILTER (WHERE x.cum >= pg_catalog.ceil(0.9::float8 * x.total::float8))
              FROM (SELECT y.bucket, pg_catalog.sum(y.n) OVER (ORDER BY y.bucket) AS cum,
                           pg_catalog.sum(y.n) OVER () AS total
                    FROM (SELECT h.bucket, pg_catalog.sum(h.cases) AS n
                          FROM gridgov.stats_month_hist h
                          WHERE h.month = a.period_start AND h.county OPERATOR(gridgov.=) a.county
                            AND h.town OPERATOR(gridgov.=) a.area
                          GROUP BY h.bucket HAVING pg_catalog.sum(h.cases) > 0) y) x) AS handle_p90_hours
      FROM (SELECT m.month AS period_start, m.county, m.town AS area, NULL::bigint AS department_id,
                   pg_catalog.sum(m.reported)::bigint AS reported, pg_catalog.sum(m.merged)::bigint AS merged,
                   pg_catalog.sum(m.dispatched)::bigint AS dispatched,
                   pg_catalog.sum(m.responded)::bigint AS responded,
                   pg_catalog.sum(m.first_dispatch_ok)::bigint AS first_dispatch_ok,
                   pg_catalog.sum(m.called_back)::bigint AS called_back,
                   pg_catalog.sum(m.solved)::bigint AS solved, pg_catalog.sum(m.satisfied)::bigint AS satisfied,
                   pg_catalog.sum(m.filed)::bigint AS filed, pg_catalog.sum(m.due)::bigint AS due,
                   pg_catalog.sum(m.closed)::bigint AS closed,
                   pg_catalog.sum(m.closed_on_time)::bigint AS closed_on_time,
                   pg_catalog.sum(m.reworked)::bigint AS reworked,
                   pg_catalog.sum(m.extended)::bigint AS extended, pg_catalog.sum(m.handled)::bigint AS handled,
                   pg_catalog.sum(m.handle_hours) AS handle_hours
            FROM gridgov.stats_month m GROUP BY 1, 2, 3, 4
            HAVING pg_catalog.sum(m.reported) <> 0 OR pg_catalog.sum(m.filed) <> 0
                OR pg_catalog.sum(m.due) <> 0) a) b
UNION ALL
-- month x community, per department
SELECT 'month'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             s.community AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x community, all departments
SELECT 'month'::text AS period, b.period_start, 'community'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             s.community AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x grid, per department
SELECT 'month'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, s.department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b
UNION ALL
-- month x grid, all departments
SELECT 'month'::text AS period, b.period_start, 'grid'::text AS level, b.area, b.department_id,
       b.reported, b.merged, b.dispatched, b.responded, b.first_dispatch_ok, b.called_back, b.solved,
       b.satisfied, b.filed, b.due, b.closed, b.closed_on_time, b.reworked, b.extended, b.handled,
       b.handle_hours, b.handle_p90_hours, 'case_stats'::text AS served_from
FROM (SELECT pg_catalog.date_trunc('month', r.day::timestamp)::date AS period_start,
             COALESCE(s.grid, s.community) AS area, NULL::bigint AS department_id,
             pg_catalog.sum(r.reported)::bigint AS reported, pg_catalog.sum(r.merged)::bigint AS merged,
             pg_catalog.sum(r.dispatched)::bigint AS dispatched,
             pg_catalog.sum(r.responded)::bigint AS responded,
             pg_catalog.sum(r.first_dispatch_ok)::bigint AS first_dispatch_ok,
             pg_catalog.sum(r.called_back)::bigint AS called_back, pg_catalog.sum(r.solved)::bigint AS solved,
             pg_catalog.sum(r.satisfied)::bigint AS satisfied, pg_catalog.sum(r.filed)::bigint AS filed,
             pg_catalog.sum(r.due)::bigint AS due, pg_catalog.sum(r.closed)::bigint AS closed,
             pg_catalog.sum(r.closed_on_time)::bigint AS closed_on_time,
             pg_catalog.sum(r.reworked)::bigint AS reworked, pg_catalog.sum(r.extended)::bigint AS extended,
             pg_catalog.sum(r.handled)::bigint AS handled, pg_catalog.sum(r.handle_hours) AS handle_hours,
             pg_catalog.percentile_disc(0.9::float8) WITHIN GROUP (ORDER BY r.handle_bucket)
                 FILTER (WHERE r.handled > 0) AS handle_p90_hours
      FROM gridgov.case_stats s CROSS JOIN LATERAL gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) r
      GROUP BY 1, 2, 3) b;

COMMENT ON VIEW gridgov.kpi IS
    'Every count behind the metric views, by period (day, week, month: local, weeks from Monday) x period_start x level (county, town, community, grid) x area x department (NULL: all departments). Month x county/town rows are served from the month summaries, the others from gridgov.case_stats; both are sums of gridgov.stat_rows(). Filter on period and level: only the matching branch runs';
COMMENT ON COLUMN gridgov.kpi.period IS 'day, week or month';
COMMENT ON COLUMN gridgov.kpi.period_start IS 'First local day of the period';
COMMENT ON COLUMN gridgov.kpi.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.kpi.area IS 'Area code at that level (cases located only to a coarser area count under it)';
COMMENT ON COLUMN gridgov.kpi.department_id IS 'Responsible department; NULL on the all-departments rows';
COMMENT ON COLUMN gridgov.kpi.reported IS 'Cases reported in the period';
COMMENT ON COLUMN gridgov.kpi.merged IS 'Of those, merged duplicates (left out of every rate)';
COMMENT ON COLUMN gridgov.kpi.dispatched IS 'Of those, dispatched at least once';
COMMENT ON COLUMN gridgov.kpi.responded IS 'Of the dispatched, signed with every sign clock met in time and, where a contact clock ran, the caller contacted with every contact clock met in time';
COMMENT ON COLUMN gridgov.kpi.first_dispatch_ok IS 'Of the dispatched, closed after one dispatch and no approved return';
COMMENT ON COLUMN gridgov.kpi.called_back IS 'Of those reported, called back';
COMMENT ON COLUMN gridgov.kpi.solved IS 'Of the called back, solved';
COMMENT ON COLUMN gridgov.kpi.satisfied IS 'Of the called back, satisfied or basically satisfied';
COMMENT ON COLUMN gridgov.kpi.filed IS 'Cases filed in the period';
COMMENT ON COLUMN gridgov.kpi.due IS 'Cases due in the period (deadline in it; filed, not merged)';
COMMENT ON COLUMN gridgov.kpi.closed IS 'Of the due, closed';
COMMENT ON COLUMN gridgov.kpi.closed_on_time IS 'Of the due, closed by the deadline';
COMMENT ON COLUMN gridgov.kpi.reworked IS 'Of the due, reworked at least once';
COMMENT ON COLUMN gridgov.kpi.extended IS 'Of the due, extended at least once';
COMMENT ON COLUMN gridgov.kpi.handled IS 'Of the due, with a handling time';
COMMENT ON COLUMN gridgov.kpi.handle_hours IS 'Sum of their handling times (working hours)';
COMMENT ON COLUMN gridgov.kpi.handle_p90_hours IS '90th percentile of their handling times, as the upper bound of its gridgov.handle_bucket() bucket';
COMMENT ON COLUMN gridgov.kpi.served_from IS 'stats_month (month summaries) or case_stats (per-case rows)';

CREATE VIEW gridgov.three_rates AS
SELECT k.period, k.period_start, k.level, k.area, k.department_id, k.reported,
       k.dispatched, k.responded, k.response_rate, k.called_back, k.solved, k.resolution_rate,
       k.satisfied, k.satisfaction_rate,
       gridgov.weighted_score(k.response_rate, k.resolution_rate, k.satisfaction_rate,
                              w.response, w.resolution, w.satisfaction) AS score,
       k.served_from
FROM (SELECT x.*, gridgov.pct(x.responded, x.dispatched) AS response_rate,
             gridgov.pct(x.solved, x.called_back) AS resolution_rate,
             gridgov.pct(x.satisfied, x.called_back) AS satisfaction_rate
      FROM gridgov.kpi x WHERE x.reported > 0) k
LEFT JOIN LATERAL (
    SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
    WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) k.area
    ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
    LIMIT 1) w ON true;
COMMENT ON VIEW gridgov.three_rates IS
    'The three rates (三率) by period x level x area x department (NULL: all departments), over the cases reported in the period (rows with none are left out): response = responded in time (signed in time and, where the workflow has a first-contact step, the caller contacted in time) / dispatched, resolution = solved / called back, satisfaction = (satisfied + basically satisfied) / called back, and the composite score (gridgov.weighted_score() with the gridgov.score_weights row of the area''s closest ancestor-or-self, user rows before shipped ones). Percentages with 2 decimals';
COMMENT ON COLUMN gridgov.three_rates.period IS 'day, week or month';
COMMENT ON COLUMN gridgov.three_rates.period_start IS 'First local day of the period';
COMMENT ON COLUMN gridgov.three_rates.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.three_rates.area IS 'Area code';
COMMENT ON COLUMN gridgov.three_rates.department_id IS 'Responsible department; NULL for all departments';
COMMENT ON COLUMN gridgov.three_rates.reported IS 'Cases reported in the period (merged duplicates included)';
COMMENT ON COLUMN gridgov.three_rates.dispatched IS 'Dispatched (派单数): reported in the period, dispatched at least once, not merged';
COMMENT ON COLUMN gridgov.three_rates.responded IS 'Responded in time: dispatched, signed with no sign clock ended after its due time and, where the case reached a first-contact step (a contact clock ran), the caller contacted with no contact clock ended after its due time';
COMMENT ON COLUMN gridgov.three_rates.response_rate IS 'Response rate (响应率), %: responded / dispatched';
COMMENT ON COLUMN gridgov.three_rates.called_back IS 'Called back (回访数): reported in the period, with a callback answer, not merged';
COMMENT ON COLUMN gridgov.three_rates.solved IS 'Answered solved at callback';
COMMENT ON COLUMN gridgov.three_rates.resolution_rate IS 'Resolution rate (解决率), %: solved / called back';
COMMENT ON COLUMN gridgov.three_rates.satisfied IS 'Answered satisfied or basically satisfied';
COMMENT ON COLUMN gridgov.three_rates.satisfaction_rate IS 'Satisfaction rate (满意率), %: satisfied / called back';
COMMENT ON COLUMN gridgov.three_rates.score IS 'Composite score, 0-100: weighted mean of the rates that are not NULL';
COMMENT ON COLUMN gridgov.three_rates.served_from IS 'stats_month or case_stats';

CREATE VIEW gridgov.timeliness AS
SELECT k.period, k.period_start, k.level, k.area, k.department_id, k.filed, k.due, k.closed,
       k.closed_on_time, gridgov.pct(k.closed, k.due) AS closure_rate,
       gridgov.pct(k.closed_on_time, k.due) AS on_time_rate,
       k.reworked, gridgov.pct(k.reworked, k.due) AS rework_rate,
       k.extended, gridgov.pct(k.extended, k.due) AS extension_rate,
       k.dispatched, k.first_dispatch_ok, gridgov.pct(k.first_dispatch_ok, k.dispatched) AS first_dispatch_accuracy,
       k.handled, CASE WHEN k.handled > 0 THEN pg_catalog.round(k.handle_hours / k.handled, 2) END AS avg_handle_hours,
       k.handle_p90_hours AS p90_handle_hours, k.served_from
FROM gridgov.kpi k
WHERE k.filed > 0 OR k.due > 0 OR k.dispatched > 0;
COMMENT ON VIEW gridgov.timeliness IS
    'Timeliness by period x level x area x department (NULL: all departments; rows with nothing filed, due or dispatched are left out): cases due in the period (deadline in it) and how many were closed (结案率 = closed / due), closed on time (按期结案率 = closed by the deadline / due), reworked (返工率), extended (延期率); first-dispatch accuracy over the cases reported in the period; average and p90 handling time in working hours. Percentages with 2 decimals';
COMMENT ON COLUMN gridgov.timeliness.period IS 'day, week or month';
COMMENT ON COLUMN gridgov.timeliness.period_start IS 'First local day of the period';
COMMENT ON COLUMN gridgov.timeliness.level IS 'county, town, community or grid';
COMMENT ON COLUMN gridgov.timeliness.area IS 'Area code';
COMMENT ON COLUMN gridgov.timeliness.department_id IS 'Responsible department; NULL for all departments';
COMMENT ON COLUMN gridgov.timeliness.filed IS 'Filed in the period (立案数)';
COMMENT ON COLUMN gridgov.timeliness.due IS 'Due in the period (应结案数): filed, not merged, deadline in the period';
COMMENT ON COLUMN gridgov.timeliness.closed IS 'Of the due, closed (结案数)';
COMMENT ON COLUMN gridgov.timeliness.closed_on_time IS 'Of the due, closed by the deadline (按期结案数)';
COMMENT ON COLUMN gridgov.timeliness.closure_rate IS 'Closure rate (结案率), %: closed / due';
COMMENT ON COLUMN gridgov.timeliness.on_time_rate IS 'On-time closure rate (按期结案率), %: closed_on_time / due';
COMMENT ON COLUMN gridgov.timeliness.reworked IS 'Of the due, reworked at least once';
COMMENT ON COLUMN gridgov.timeliness.rework_rate IS 'Rework rate (返工率), %: reworked / due';
COMMENT ON COLUMN gridgov.timeliness.extended IS 'Of the due, extended at least once';
COMMENT ON COLUMN gridgov.timeliness.extension_rate IS 'Extension rate (延期率), %: extended / due';
COMMENT ON COLUMN gridgov.timeliness.dispatched IS 'Reported in the period and dispatched (not merged)';
COMMENT ON COLUMN gridgov.timeliness.first_dispatch_ok IS 'Of those, closed after one dispatch and no approved return (a rejected return does not spoil it)';
COMMENT ON COLUMN gridgov.timeliness.first_dispatch_accuracy IS 'First-dispatch accuracy (一次派单准确率), %: first_dispatch_ok / dispatched';
COMMENT ON COLUMN gridgov.timeliness.handled IS 'Due cases with a handling time';
COMMENT ON COLUMN gridgov.timeliness.avg_handle_hours IS 'Average handling time of the due cases, working hours, 2 decimals';
COMMENT ON COLUMN gridgov.timeliness.p90_handle_hours IS '90th percentile handling time, working hours, at the resolution of gridgov.handle_bucket() (Infinity: over 480)';
COMMENT ON COLUMN gridgov.timeliness.served_from IS 'stats_month or case_stats';

CREATE VIEW gridgov.department_ranking AS
SELECT r.month, r.county, r.department_id, d.code AS department_code, d.name AS department_name,
       d.kind AS department_kind, r.dispatched, r.response_rate, r.called_back, r.resolution_rate,
       r.satisfaction_rate, r.score, r.due, r.closure_rate, r.on_time_rate, r.rework_rate, r.extension_rate,
       r.first_dispatch_accuracy, r.avg_handle_hours,
       pg_catalog.rank() OVER (PARTITION BY r.month, r.county
                               ORDER BY r.score DESC NULLS LAST, r.on_time_rate DESC NULLS LAST) AS rank
FROM (SELECT k.period_start AS month, k.area AS county, k.department_id, k.dispatched,
             gridgov.pct(k.responded, k.dispatched) AS response_rate, k.called_back,
             gridgov.pct(k.solved, k.called_back) AS resolution_rate,
             gridgov.pct(k.satisfied, k.called_back) AS satisfaction_rate,
             gridgov.weighted_score(gridgov.pct(k.responded, k.dispatched), gridgov.pct(k.solved, k.called_back),
                                    gridgov.pct(k.satisfied, k.called_back),
                                    w.response, w.resolution, w.satisfaction) AS score,
             k.due, gridgov.pct(k.closed, k.due) AS closure_rate, gridgov.pct(k.closed_on_time, k.due) AS on_time_rate,
             gridgov.pct(k.reworked, k.due) AS rework_rate, gridgov.pct(k.extended, k.due) AS extension_rate,
             gridgov.pct(k.first_dispatch_ok, k.dispatched) AS first_dispatch_accuracy,
             CASE WHEN k.handled > 0 THEN pg_catalog.round(k.handle_hours / k.handled, 2) END AS avg_handle_hours
      FROM gridgov.kpi k
      LEFT JOIN LATERAL (
          SELECT sw.response, sw.resolution, sw.satisfaction FROM gridgov.score_weights sw
          WHERE sw.area IS NULL OR sw.area OPERATOR(gridgov.@>) k.area
          ORDER BY gridgov.level(sw.area) DESC NULLS LAST, sw.builtin
          LIMIT 1) w ON true
      WHERE k.period = 'month' AND k.level = 'county' AND k.department_id IS NOT NULL) r
LEFT JOIN gridgov.departments d ON d.id = r.department_id;
COMMENT ON VIEW gridgov.department_ranking IS
    'Department assessment ranking (考核排名) per local month and county: each department''s three rates, composite score and timeliness; rank 1 is the highest score, ties broken by the on-time closure rate, equal ranks for full ties, departments without a score last. Served from the month summaries';
COMMENT ON COLUMN gridgov.department_ranking.month IS 'First day of the month';
COMMENT ON COLUMN gridgov.department_ranking.county IS 'County';
COMMENT ON COLUMN gridgov.department_ranking.department_id IS 'Department';
COMMENT ON COLUMN gridgov.department_ranking.department_code IS 'Its code';
COMMENT ON COLUMN gridgov.department_ranking.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.department_ranking.department_kind IS 'Its kind (command_center, functional, utility...)';
COMMENT ON COLUMN gridgov.department_ranking.dispatched IS 'Cases reported in the month and dispatched to it (now responsible)';
COMMENT ON COLUMN gridgov.department_ranking.response_rate IS 'Response rate, %';
COMMENT ON COLUMN gridgov.department_ranking.called_back IS 'Cases called back';
COMMENT ON COLUMN gridgov.department_ranking.resolution_rate IS 'Resolution rate, %';
COMMENT ON COLUMN gridgov.department_ranking.satisfaction_rate IS 'Satisfaction rate, %';
COMMENT ON COLUMN gridgov.department_ranking.score IS 'Composite score';
COMMENT ON COLUMN gridgov.department_ranking.due IS 'Cases due in the month';
COMMENT ON COLUMN gridgov.department_ranking.closure_rate IS 'Closure rate (结案率), %';
COMMENT ON COLUMN gridgov.department_ranking.on_time_rate IS 'On-time closure rate (按期结案率), %';
COMMENT ON COLUMN gridgov.department_ranking.rework_rate IS 'Rework rate, %';
COMMENT ON COLUMN gridgov.department_ranking.extension_rate IS 'Extension rate, %';
COMMENT ON COLUMN gridgov.department_ranking.first_dispatch_accuracy IS 'First-dispatch accuracy, %';
COMMENT ON COLUMN gridgov.department_ranking.avg_handle_hours IS 'Average handling time, working hours';
COMMENT ON COLUMN gridgov.department_ranking.rank IS 'Rank in the county for the month (1 = best)';

-- Stages and oversight per department ------------------------------------------------

CREATE VIEW gridgov.workflow_timeliness AS
SELECT pg_catalog.date_trunc('month', s.reported_day::timestamp)::date AS month, s.county, s.town,
       s.department_id, pg_catalog.count(*) AS cases,
       pg_catalog.count(*) FILTER (WHERE s.discover_on_time IS NOT NULL) AS discover_measured,
       pg_catalog.count(*) FILTER (WHERE s.discover_on_time) AS discover_on_time,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.discover_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.discover_on_time IS NOT NULL)) AS discover_on_time_rate,
       pg_catalog.round(pg_catalog.avg(s.discover_minutes), 2) AS avg_discover_minutes,
       pg_catalog.count(*) FILTER (WHERE s.dispatch_on_time IS NOT NULL) AS dispatch_measured,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.dispatch_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.dispatch_on_time IS NOT NULL)) AS dispatch_on_time_rate,
       pg_catalog.count(*) FILTER (WHERE s.sign_on_time IS NOT NULL) AS sign_measured,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.sign_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.sign_on_time IS NOT NULL)) AS sign_on_time_rate,
       pg_catalog.count(*) FILTER (WHERE s.contact_required) AS contact_required,
       pg_catalog.count(*) FILTER (WHERE s.contact_required AND s.contacted_at IS NOT NULL
                                   AND s.contact_on_time IS NOT FALSE) AS contacted_on_time,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.contact_required AND s.contacted_at IS NOT NULL
                                               AND s.contact_on_time IS NOT FALSE),
                   pg_catalog.count(*) FILTER (WHERE s.contact_required)) AS contact_on_time_rate,
       pg_catalog.count(*) FILTER (WHERE s.supervisions > 0) AS supervised,
       pg_catalog.count(*) FILTER (WHERE s.supervise_on_time IS NOT NULL) AS supervision_answered,
       pg_catalog.count(*) FILTER (WHERE s.supervise_on_time) AS supervision_on_time,
       gridgov.pct(pg_catalog.count(*) FILTER (WHERE s.supervise_on_time),
                   pg_catalog.count(*) FILTER (WHERE s.supervise_on_time IS NOT NULL)) AS supervision_on_time_rate,
       pg_catalog.sum(s.returns_requested) AS returns_requested, pg_catalog.sum(s.returns) AS returns_approved,
       pg_catalog.sum(s.returns_rejected) AS returns_rejected,
       pg_catalog.sum(r.dispatched) AS dispatched, pg_catalog.sum(r.first_dispatch_ok) AS first_dispatch_ok,
       pg_catalog.sum(s.extension_requests) AS extension_requests,
       pg_catalog.sum(s.extension_refusals) AS extension_refusals,
       pg_catalog.sum(s.suspension_requests) AS suspension_requests,
       pg_catalog.sum(s.suspension_refusals) AS suspension_refusals,
       pg_catalog.sum(s.meetings) AS meetings
FROM gridgov.case_stats s
-- What the case counts for at its reported day (gridgov.stat_rows()'s one definition).
CROSS JOIN LATERAL (SELECT x.dispatched, x.first_dispatch_ok
                    FROM gridgov.stat_rows(ROW(s.*)::gridgov.case_stats) x WHERE x.reported = 1) r
WHERE NOT s.merged
GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW gridgov.workflow_timeliness IS
    'Stages and oversight per local month of the report x county x town x responsible department (cases not merged; sum the counts for coarser groups): discovery (发现: reported within the discover policy''s limit after occurred_at), dispatch and sign stages on time, first contact (先行联系) in time, supervision (督办) answered in time, reviewed returns (退单审核) requested, approved and rejected, first-dispatch accuracy''s counts, extension and suspension requests (申请延期/挂账) and refusals, joint meetings (会商). Read from gridgov.case_stats; percentages with 2 decimals';
COMMENT ON COLUMN gridgov.workflow_timeliness.month IS 'First day of the local month the cases were reported in';
COMMENT ON COLUMN gridgov.workflow_timeliness.county IS 'County';
COMMENT ON COLUMN gridgov.workflow_timeliness.town IS 'Town (the county for cases without a grid)';
COMMENT ON COLUMN gridgov.workflow_timeliness.department_id IS 'Responsible department now';
COMMENT ON COLUMN gridgov.workflow_timeliness.cases IS 'Cases reported (not merged)';
COMMENT ON COLUMN gridgov.workflow_timeliness.discover_measured IS 'Of those, with occurred_at and a discover policy';
COMMENT ON COLUMN gridgov.workflow_timeliness.discover_on_time IS 'Of the measured, reported within the discover limit';
COMMENT ON COLUMN gridgov.workflow_timeliness.discover_on_time_rate IS 'Discovery on time, %: discover_on_time / discover_measured';
COMMENT ON COLUMN gridgov.workflow_timeliness.avg_discover_minutes IS 'Average calendar minutes from occurred_at to the report';
COMMENT ON COLUMN gridgov.workflow_timeliness.dispatch_measured IS 'Cases with an ended dispatch clock';
COMMENT ON COLUMN gridgov.workflow_timeliness.dispatch_on_time_rate IS 'Dispatch on time (e.g. 5 minutes to dispatch), %: cases whose every ended dispatch clock was met in time / dispatch_measured';
COMMENT ON COLUMN gridgov.workflow_timeliness.sign_measured IS 'Cases with an ended sign clock';
COMMENT ON COLUMN gridgov.workflow_timeliness.sign_on_time_rate IS 'Signed on time, %';
COMMENT ON COLUMN gridgov.workflow_timeliness.contact_required IS 'Cases that reached a first-contact step (a contact clock ran)';
COMMENT ON COLUMN gridgov.workflow_timeliness.contacted_on_time IS 'Of those, the caller contacted and no contact clock ended late';
COMMENT ON COLUMN gridgov.workflow_timeliness.contact_on_time_rate IS 'First contact in time, %: contacted_on_time / contact_required';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervised IS 'Cases put under supervision (督办) at least once';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervision_answered IS 'Cases with an ended (answered) supervise clock';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervision_on_time IS 'Of those, every supervision answered by its due time';
COMMENT ON COLUMN gridgov.workflow_timeliness.supervision_on_time_rate IS 'Supervision answered on time, %: supervision_on_time / supervision_answered';
COMMENT ON COLUMN gridgov.workflow_timeliness.returns_requested IS 'Returns asked for by the holder (申请退单)';
COMMENT ON COLUMN gridgov.workflow_timeliness.returns_approved IS 'Returns approved by the command center (cases.returns)';
COMMENT ON COLUMN gridgov.workflow_timeliness.returns_rejected IS 'Returns rejected by the command center (counted against the holder)';
COMMENT ON COLUMN gridgov.workflow_timeliness.dispatched IS 'Cases dispatched at least once';
COMMENT ON COLUMN gridgov.workflow_timeliness.first_dispatch_ok IS 'Of those, closed after exactly one dispatch and no approved return (first-dispatch accuracy = first_dispatch_ok / dispatched)';
COMMENT ON COLUMN gridgov.workflow_timeliness.extension_requests IS 'Extensions asked for (申请延期)';
COMMENT ON COLUMN gridgov.workflow_timeliness.extension_refusals IS 'Extension requests refused';
COMMENT ON COLUMN gridgov.workflow_timeliness.suspension_requests IS 'Suspensions asked for (申请挂账)';
COMMENT ON COLUMN gridgov.workflow_timeliness.suspension_refusals IS 'Suspension requests refused';
COMMENT ON COLUMN gridgov.workflow_timeliness.meetings IS 'Referrals to a joint meeting (会商) of difficult cases';

-- Whistle-and-report (074) on the scale of the other rates -------------------------------

CREATE VIEW gridgov.whistle_rates AS
SELECT gridgov.ancestor(c.grid, 4) AS town,
       pg_catalog.date_trunc('month', w.at AT TIME ZONE 'Asia/Shanghai')::date AS month,
       pg_catalog.count(DISTINCT (w.county, w.case_id, w.id)) AS whistles,
       pg_catalog.count(DISTINCT (w.county, w.case_id)) AS cases_whistled,
       pg_catalog.count(wc.*) AS calls,
       pg_catalog.count(wc.*) FILTER (WHERE wc.reported_at <= wc.due_at) AS on_time_report_ins,
       gridgov.pct(pg_catalog.count(wc.*) FILTER (WHERE wc.reported_at <= wc.due_at),
                   pg_catalog.count(wc.*)) AS on_time_rate
FROM gridgov.whistles w
JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) w.county AND c.id = w.case_id
LEFT JOIN gridgov.whistle_calls wc ON wc.county OPERATOR(gridgov.=) w.county AND wc.case_id = w.case_id
                                  AND wc.whistle_id = w.id
GROUP BY 1, 2;
COMMENT ON VIEW gridgov.whistle_rates IS 'Whistles per town and month (Asia/Shanghai), the cases they concerned, departments summoned and the share that reported in on time';
COMMENT ON COLUMN gridgov.whistle_rates.town IS 'Town of the cases (NULL: unlocated)';
COMMENT ON COLUMN gridgov.whistle_rates.month IS 'Month the whistles were blown';
COMMENT ON COLUMN gridgov.whistle_rates.whistles IS 'Whistles blown';
COMMENT ON COLUMN gridgov.whistle_rates.cases_whistled IS 'Distinct cases whistled for';
COMMENT ON COLUMN gridgov.whistle_rates.calls IS 'Department summonses';
COMMENT ON COLUMN gridgov.whistle_rates.on_time_report_ins IS 'Summonses answered by the deadline';
COMMENT ON COLUMN gridgov.whistle_rates.on_time_rate IS 'Report-ins on time, %: on_time_report_ins / calls, 2 decimals (gridgov.pct(), the scale of the other rates); NULL without calls';

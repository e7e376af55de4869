-- Views over the SLA stage columns, re-created (dropped by 010_workflows.sql).
CREATE VIEW gridgov.provisional_clocks WITH (security_invoker = true) AS
SELECT k.county, k.case_id, k.stage, k.seq, cal.name AS calendar, k.amount, k.unit, k.started_at,
       k.due_at, cal.known_until, k.paused_at IS NOT NULL AS paused
FROM gridgov.case_clocks k
JOIN gridgov.calendars cal ON cal.id = k.calendar_id
WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
  AND gridgov.is_provisional(cal.name, k.due_at, k.unit);
COMMENT ON VIEW gridgov.provisional_clocks IS
    'Open clocks (running or paused) whose deadline is provisional: counted in working time and due after the end of its calendar''s horizon (calendars.known_until), where the weekly pattern stands in for the holidays not yet known. gridgov.load_calendar_year() recomputes them';
COMMENT ON COLUMN gridgov.provisional_clocks.county IS 'County of the case';
COMMENT ON COLUMN gridgov.provisional_clocks.case_id IS 'The case';
COMMENT ON COLUMN gridgov.provisional_clocks.stage IS 'Stage the clock times';
COMMENT ON COLUMN gridgov.provisional_clocks.seq IS 'Nth clock of this stage for the case';
COMMENT ON COLUMN gridgov.provisional_clocks.calendar IS 'Calendar the limit is counted on';
COMMENT ON COLUMN gridgov.provisional_clocks.amount IS 'Time allowed, in unit (extensions not included)';
COMMENT ON COLUMN gridgov.provisional_clocks.unit IS 'Unit of amount (never calendar_days: holidays do not move those)';
COMMENT ON COLUMN gridgov.provisional_clocks.started_at IS 'When the stage began';
COMMENT ON COLUMN gridgov.provisional_clocks.due_at IS 'The provisional deadline';
COMMENT ON COLUMN gridgov.provisional_clocks.known_until IS 'The calendar''s horizon: due_at lies after the end of this local date';
COMMENT ON COLUMN gridgov.provisional_clocks.paused IS 'The clock is paused (the case is suspended)';
CREATE FUNCTION gridgov.horizon_clocks_left(calendar_id integer, boundary timestamptz)
    RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'county', x.county, 'case_id', x.case_id, 'stage', x.stage, 'seq', x.seq,
               'unit', x.unit, 'anchor', x.anchor, 'due_before', x.due_at,
               'due_left', gridgov.worktime_between(x.cal, x.anchor, x.due_at, x.unit),
               'warn_left', CASE WHEN x.warned_at IS NULL AND x.warn_at > x.anchor
                                 THEN gridgov.worktime_between(x.cal, x.anchor, x.warn_at, x.unit) END)
               ORDER BY x.county, x.case_id, x.stage, x.seq), '[]')
    FROM (SELECT k.*, c.name AS cal,
                 GREATEST(k.started_at, horizon_clocks_left.boundary - interval '1 microsecond') AS anchor
          FROM gridgov.case_clocks k
          JOIN gridgov.calendars c ON c.id = k.calendar_id
          WHERE k.calendar_id = horizon_clocks_left.calendar_id
            AND k.met_at IS NULL AND k.cancelled_at IS NULL
            AND k.unit <> 'calendar_days' AND k.due_at > horizon_clocks_left.boundary) x;
END;
COMMENT ON FUNCTION gridgov.horizon_clocks_left(integer, timestamptz) IS
    'Internal: the open clocks of a calendar counted in working time and due after boundary, each with its anchor (the later of its start and the last instant before boundary) and the time left from it to its due and warning times under the calendar as it is now, for gridgov.load_calendar_year()';
CREATE VIEW gridgov.case_stats_computed AS
SELECT c.county, c.id AS case_id, c.case_no, c.source, c.category, c.urgency, c.workflow, c.state, c.grid,
       gridgov.area_at(c.county, c.grid, 4) AS town,
       gridgov.area_at(c.county, c.grid, 5) AS community,
       c.department_id,
       ST_SnapToGrid(c.location, 0.001)::geometry(Point, 4326) AS location_approx,
       c.reported_at, f.filed_at, e.first_dispatched_at, e.dispatched_at, e.signed_at, e.handled_at,
       e.verified_at, e.called_back_at, c.closed_at,
       COALESCE(k.whole_due, k.handle_due) AS deadline,
       (c.reported_at AT TIME ZONE z.tz)::date AS reported_day,
       (f.filed_at AT TIME ZONE z.tz)::date AS filed_day,
       (COALESCE(k.whole_due, k.handle_due) AT TIME ZONE z.tz)::date AS due_day,
       k.file_on_time, k.dispatch_on_time, k.sign_on_time, k.handle_on_time, k.verify_on_time,
       k.callback_on_time, k.whole_on_time,
       CASE WHEN e.signed_at IS NOT NULL AND e.first_dispatched_at IS NOT NULL
            THEN pg_catalog.round(gridgov.worktime_between(z.cal, e.first_dispatched_at, e.signed_at, 'working_hours'), 6)
       END AS response_work_hours,
       pg_catalog.round(EXTRACT(epoch FROM e.signed_at - e.first_dispatched_at) / 3600, 6) AS response_hours,
       CASE WHEN e.handled_at IS NOT NULL
            THEN pg_catalog.round(gridgov.worktime_between(z.cal, COALESCE(e.first_dispatched_at, c.reported_at),
                                                           e.handled_at, 'working_hours'), 6)
       END AS handle_work_hours,
       pg_catalog.round(EXTRACT(epoch FROM e.handled_at - COALESCE(e.first_dispatched_at, c.reported_at)) / 3600,
                        6) AS handle_hours,
       CASE WHEN c.closed_at IS NOT NULL
            THEN pg_catalog.round(gridgov.worktime_between(z.cal, c.reported_at, c.closed_at, 'working_hours'), 6)
       END AS total_work_hours,
       pg_catalog.round(EXTRACT(epoch FROM c.closed_at - c.reported_at) / 3600, 6) AS total_hours,
       c.dispatches, c.returns, c.reworks, c.reopens, c.extensions, c.suspensions, c.supervised,
       c.escalation_level, c.solved, c.satisfaction, c.master_case_id IS NOT NULL AS merged,
       c.updated_at AS case_updated_at,
       c.occurred_at, pg_catalog.round(EXTRACT(epoch FROM c.reported_at - c.occurred_at) / 60, 2) AS discover_minutes,
       c.reported_at <= e.discover_due AS discover_on_time,
       e.contacted_at, k.contact_required, k.contact_on_time, e.supervisions, k.supervise_on_time,
       e.returns_requested, e.returns_rejected, e.extension_requests, e.extension_refusals,
       e.suspension_requests, e.suspension_refusals, e.meetings
FROM gridgov.cases c
CROSS JOIN (SELECT gridgov.analytics_calendar() AS cal, gridgov.analytics_time_zone() AS tz OFFSET 0) z
CROSS JOIN LATERAL (
    SELECT pg_catalog.min(ev.at) FILTER (WHERE ev.action IN ('file', 'self_handle')) AS filed,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action = 'dispatch') AS first_dispatched_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action = 'dispatch') AS dispatched_at,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action IN ('sign', 'mediate')) AS signed_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action IN ('handle', 'self_handle', 'agree', 'fail')) AS handled_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action = 'verify_pass') AS verified_at,
           pg_catalog.max(ev.at) FILTER (WHERE ev.action IN ('callback', 'follow_up')) AS called_back_at,
           pg_catalog.min(ev.at) FILTER (WHERE ev.action = 'contact') AS contacted_at,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'supervise')::integer AS supervisions,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'return')::integer AS returns_requested,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'reject_return')::integer AS returns_rejected,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'request_extension')::integer AS extension_requests,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'refuse_extension')::integer AS extension_refusals,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'request_suspension')::integer AS suspension_requests,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'refuse_suspension')::integer AS suspension_refusals,
           pg_catalog.count(*) FILTER (WHERE ev.action = 'refer_meeting')::integer AS meetings,
           -- The discovery deadline intake recorded (no clock runs for it).
           pg_catalog.max((ev.payload OPERATOR(pg_catalog.->>) 'discover_due')::timestamptz)
               FILTER (WHERE ev.action = 'intake') AS discover_due
    FROM gridgov.case_events ev
    WHERE ev.county = c.county AND ev.case_id = c.id
) e
CROSS JOIN LATERAL (
    -- A workflow without a 'file' transition files at intake.  (Counted in a
    -- FROM clause: Citus refuses a correlated subquery in a FROM-less one.)
    SELECT COALESCE(e.filed, CASE WHEN pg_catalog.count(*) = 0 THEN c.reported_at END) AS filed_at
    FROM gridgov.transitions t
    WHERE t.workflow = c.workflow AND t.action = 'file'
) f
CROSS JOIN LATERAL (
    SELECT NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'file' AND ck.met_at IS NOT NULL) AS file_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'dispatch' AND ck.met_at IS NOT NULL) AS dispatch_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'sign' AND ck.met_at IS NOT NULL) AS sign_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'handle' AND ck.met_at IS NOT NULL) AS handle_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'verify' AND ck.met_at IS NOT NULL) AS verify_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'callback' AND ck.met_at IS NOT NULL) AS callback_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'whole' AND ck.met_at IS NOT NULL) AS whole_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'contact' AND ck.met_at IS NOT NULL) AS contact_on_time,
           NOT pg_catalog.bool_or(ck.met_at > ck.due_at) FILTER (WHERE ck.stage = 'supervise' AND ck.met_at IS NOT NULL) AS supervise_on_time,
           pg_catalog.count(*) FILTER (WHERE ck.stage = 'contact') > 0 AS contact_required,
           (pg_catalog.array_agg(ck.due_at ORDER BY ck.seq DESC) FILTER (WHERE ck.stage = 'whole'))[1] AS whole_due,
           (pg_catalog.array_agg(ck.due_at ORDER BY ck.seq DESC) FILTER (WHERE ck.stage = 'handle'))[1] AS handle_due
    FROM gridgov.case_clocks ck
    WHERE ck.county = c.county AND ck.case_id = c.id
) k;

COMMENT ON VIEW gridgov.case_stats_computed IS
    'gridgov.case_stats computed afresh from cases, case_events and case_clocks (one row per case, same columns): the definition the maintained rows must equal; used by gridgov.analytics_refresh(), gridgov.analytics_rebuild() and gridgov.analytics_check()';
COMMENT ON COLUMN gridgov.case_stats_computed.county IS 'See gridgov.case_stats.county';
COMMENT ON COLUMN gridgov.case_stats_computed.case_id IS 'See gridgov.case_stats.case_id';
COMMENT ON COLUMN gridgov.case_stats_computed.case_no IS 'See gridgov.case_stats.case_no';
COMMENT ON COLUMN gridgov.case_stats_computed.source IS 'See gridgov.case_stats.source';
COMMENT ON COLUMN gridgov.case_stats_computed.category IS 'See gridgov.case_stats.category';
COMMENT ON COLUMN gridgov.case_stats_computed.urgency IS 'See gridgov.case_stats.urgency';
COMMENT ON COLUMN gridgov.case_stats_computed.workflow IS 'See gridgov.case_stats.workflow';
COMMENT ON COLUMN gridgov.case_stats_computed.state IS 'See gridgov.case_stats.state';
COMMENT ON COLUMN gridgov.case_stats_computed.grid IS 'See gridgov.case_stats.grid';
COMMENT ON COLUMN gridgov.case_stats_computed.town IS 'See gridgov.case_stats.town';
COMMENT ON COLUMN gridgov.case_stats_computed.community IS 'See gridgov.case_stats.community';
COMMENT ON COLUMN gridgov.case_stats_computed.department_id IS 'See gridgov.case_stats.department_id';
COMMENT ON COLUMN gridgov.case_stats_computed.location_approx IS 'See gridgov.case_stats.location_approx';
COMMENT ON COLUMN gridgov.case_stats_computed.reported_at IS 'See gridgov.case_stats.reported_at';
COMMENT ON COLUMN gridgov.case_stats_computed.filed_at IS 'See gridgov.case_stats.filed_at';
COMMENT ON COLUMN gridgov.case_stats_computed.first_dispatched_at IS 'See gridgov.case_stats.first_dispatched_at';
COMMENT ON COLUMN gridgov.case_stats_computed.dispatched_at IS 'See gridgov.case_stats.dispatched_at';
COMMENT ON COLUMN gridgov.case_stats_computed.signed_at IS 'See gridgov.case_stats.signed_at';
COMMENT ON COLUMN gridgov.case_stats_computed.handled_at IS 'See gridgov.case_stats.handled_at';
COMMENT ON COLUMN gridgov.case_stats_computed.verified_at IS 'See gridgov.case_stats.verified_at';
COMMENT ON COLUMN gridgov.case_stats_computed.called_back_at IS 'See gridgov.case_stats.called_back_at';
COMMENT ON COLUMN gridgov.case_stats_computed.closed_at IS 'See gridgov.case_stats.closed_at';
COMMENT ON COLUMN gridgov.case_stats_computed.deadline IS 'See gridgov.case_stats.deadline';
COMMENT ON COLUMN gridgov.case_stats_computed.reported_day IS 'See gridgov.case_stats.reported_day';
COMMENT ON COLUMN gridgov.case_stats_computed.filed_day IS 'See gridgov.case_stats.filed_day';
COMMENT ON COLUMN gridgov.case_stats_computed.due_day IS 'See gridgov.case_stats.due_day';
COMMENT ON COLUMN gridgov.case_stats_computed.file_on_time IS 'See gridgov.case_stats.file_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.dispatch_on_time IS 'See gridgov.case_stats.dispatch_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.sign_on_time IS 'See gridgov.case_stats.sign_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.handle_on_time IS 'See gridgov.case_stats.handle_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.verify_on_time IS 'See gridgov.case_stats.verify_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.callback_on_time IS 'See gridgov.case_stats.callback_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.whole_on_time IS 'See gridgov.case_stats.whole_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.response_work_hours IS 'See gridgov.case_stats.response_work_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.response_hours IS 'See gridgov.case_stats.response_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.handle_work_hours IS 'See gridgov.case_stats.handle_work_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.handle_hours IS 'See gridgov.case_stats.handle_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.total_work_hours IS 'See gridgov.case_stats.total_work_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.total_hours IS 'See gridgov.case_stats.total_hours';
COMMENT ON COLUMN gridgov.case_stats_computed.dispatches IS 'See gridgov.case_stats.dispatches';
COMMENT ON COLUMN gridgov.case_stats_computed.returns IS 'See gridgov.case_stats.returns';
COMMENT ON COLUMN gridgov.case_stats_computed.reworks IS 'See gridgov.case_stats.reworks';
COMMENT ON COLUMN gridgov.case_stats_computed.reopens IS 'See gridgov.case_stats.reopens';
COMMENT ON COLUMN gridgov.case_stats_computed.extensions IS 'See gridgov.case_stats.extensions';
COMMENT ON COLUMN gridgov.case_stats_computed.suspensions IS 'See gridgov.case_stats.suspensions';
COMMENT ON COLUMN gridgov.case_stats_computed.supervised IS 'See gridgov.case_stats.supervised';
COMMENT ON COLUMN gridgov.case_stats_computed.escalation_level IS 'See gridgov.case_stats.escalation_level';
COMMENT ON COLUMN gridgov.case_stats_computed.solved IS 'See gridgov.case_stats.solved';
COMMENT ON COLUMN gridgov.case_stats_computed.satisfaction IS 'See gridgov.case_stats.satisfaction';
COMMENT ON COLUMN gridgov.case_stats_computed.merged IS 'See gridgov.case_stats.merged';
COMMENT ON COLUMN gridgov.case_stats_computed.case_updated_at IS 'See gridgov.case_stats.case_updated_at';
COMMENT ON COLUMN gridgov.case_stats_computed.occurred_at IS 'See gridgov.case_stats.occurred_at';
COMMENT ON COLUMN gridgov.case_stats_computed.discover_minutes IS 'See gridgov.case_stats.discover_minutes';
COMMENT ON COLUMN gridgov.case_stats_computed.discover_on_time IS 'See gridgov.case_stats.discover_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.contacted_at IS 'See gridgov.case_stats.contacted_at';
COMMENT ON COLUMN gridgov.case_stats_computed.contact_required IS 'See gridgov.case_stats.contact_required';
COMMENT ON COLUMN gridgov.case_stats_computed.contact_on_time IS 'See gridgov.case_stats.contact_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.supervisions IS 'See gridgov.case_stats.supervisions';
COMMENT ON COLUMN gridgov.case_stats_computed.supervise_on_time IS 'See gridgov.case_stats.supervise_on_time';
COMMENT ON COLUMN gridgov.case_stats_computed.returns_requested IS 'See gridgov.case_stats.returns_requested';
COMMENT ON COLUMN gridgov.case_stats_computed.returns_rejected IS 'See gridgov.case_stats.returns_rejected';
COMMENT ON COLUMN gridgov.case_stats_computed.extension_requests IS 'See gridgov.case_stats.extension_requests';
COMMENT ON COLUMN gridgov.case_stats_computed.extension_refusals IS 'See gridgov.case_stats.extension_refusals';
COMMENT ON COLUMN gridgov.case_stats_computed.suspension_requests IS 'See gridgov.case_stats.suspension_requests';
COMMENT ON COLUMN gridgov.case_stats_computed.suspension_refusals IS 'See gridgov.case_stats.suspension_refusals';
COMMENT ON COLUMN gridgov.case_stats_computed.meetings IS 'See gridgov.case_stats.meetings';
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
-- my_cases shows occurred_at too (080 added it to cases), with the comments of cases' columns.
CREATE OR REPLACE VIEW gridgov.my_cases WITH (security_barrier = true) AS
SELECT c.county, c.id, c.case_no, c.source, c.external_id, c.category, c.urgency, c.title,
       gridgov.mask_numbers(c.description) AS description, c.location, c.coord_system,
       gridgov.mask_address(c.address) AS address, gridgov.mask_name(c.reporter_name) AS reporter_name,
       gridgov.mask_phone(c.reporter_phone) AS reporter_phone, c.objcode, c.grid, c.department_id,
       c.workflow, c.state, c.reported_at, c.updated_at, c.closed_at, c.dispatches, c.returns,
       c.reworks, c.reopens, c.extensions, c.suspensions, c.supervised, c.escalation_level, c.solved,
       c.satisfaction, c.master_case_id, c.possible_duplicate_of, c.events, c.history_hash, c.occurred_at
FROM gridgov.cases c
WHERE gridgov.case_readable(c.county, c.grid, c.department_id, c.id);
COMMENT ON VIEW gridgov.my_cases IS
    'The cases the caller sees (its scope: docs/security.md), every column of gridgov.cases with the contact data masked: description (gridgov.mask_numbers), address (mask_address), reporter_name (mask_name), reporter_phone (mask_phone). The clear values: gridgov.reveal_contact(case_id, reason)';
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT v.attname, pg_catalog.col_description(c.attrelid, c.attnum) AS comment
             FROM pg_catalog.pg_attribute v
             JOIN pg_catalog.pg_attribute c ON c.attrelid = 'gridgov.cases'::pg_catalog.regclass
                                           AND c.attname = v.attname
             WHERE v.attrelid = 'gridgov.my_cases'::pg_catalog.regclass AND v.attnum > 0 LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN gridgov.my_cases.%I IS %L', a.attname,
            CASE WHEN a.attname = ANY (gridgov.contact_columns())
                 THEN a.comment || ' (masked: gridgov.reveal_contact() reads the clear value)'
                 ELSE a.comment END);
    END LOOP;
END
$$;

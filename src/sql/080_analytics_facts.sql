-- ---------------------------------------------------------------------------
-- analytics (1/7): per-case facts.
--
-- gridgov.case_stats holds one row per case with everything the metrics need:
-- the dimensions (area at each level, category, source, department), the time
-- of every stage (from the history, gridgov.case_events), on-time flags and the
-- deadline (from the SLA clocks, gridgov.case_clocks), working and calendar
-- durations, counters and callback answers.  It is derived data, brought up
-- to date from the history (081_analytics_summaries.sql), and
-- gridgov.case_stats_computed is the same row computed afresh from the sources.
-- gridgov.case_facts is the public, PII-free face of it.
--
-- docs/bi.md documents every column and formula.  SQLSTATEs: 42704 unknown
-- analytics calendar.
-- ---------------------------------------------------------------------------

-- The analytics calendar: working-hour durations are counted on it, and its
-- time zone decides the local day, week and month of every date.  It is the
-- setting analytics_calendar of gridgov.settings when a row for it exists
-- (validated, and a change rebuilds the analytics: 089_analytics_nightly.sql),
-- cn otherwise.
CREATE FUNCTION gridgov.analytics_calendar() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN COALESCE((SELECT s.value FROM gridgov.settings s WHERE s.key = 'analytics_calendar'), 'cn');
END
$$;
COMMENT ON FUNCTION gridgov.analytics_calendar() IS
    'Name of the analytics calendar: the value of setting analytics_calendar in gridgov.settings, cn when there is no such row or its value is NULL';

CREATE FUNCTION gridgov.analytics_time_zone() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN COALESCE((SELECT c.time_zone FROM gridgov.calendars c
                     WHERE c.name = COALESCE((SELECT s.value FROM gridgov.settings s
                                              WHERE s.key = 'analytics_calendar'), 'cn')),
                    'Asia/Shanghai');
END
$$;
COMMENT ON FUNCTION gridgov.analytics_time_zone() IS
    'Time zone of the analytics calendar: local days, weeks and months of the analytics are in it';

-- Area of a case at a level: the ancestor of its grid, the grid itself when it
-- is coarser than the level, the county when the case has no grid.
CREATE FUNCTION gridgov.area_at(county gridgov.gridcode, grid gridgov.gridcode, level integer)
    RETURNS gridgov.gridcode
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN grid IS NULL THEN county
            WHEN gridgov.level(grid) >= level THEN gridgov.ancestor(grid, level)
            ELSE grid END;
COMMENT ON FUNCTION gridgov.area_at(gridgov.gridcode, gridgov.gridcode, integer) IS
    'Area of a case at a level (4 town, 5 community, 6 grid): the ancestor of its grid at that level, the grid itself when coarser, the county when the case has no grid';

-- Handling-time histogram: upper bounds in working hours.  The p90 handling
-- time is reported at this resolution, so that summaries reproduce it exactly.
CREATE FUNCTION gridgov.handle_bucket(hours numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN hours IS NULL THEN NULL
            WHEN hours <= 0.25 THEN 0.25 WHEN hours <= 0.5 THEN 0.5 WHEN hours <= 0.75 THEN 0.75 WHEN hours <= 1 THEN 1
            WHEN hours <= 1.5 THEN 1.5 WHEN hours <= 2 THEN 2 WHEN hours <= 2.5 THEN 2.5 WHEN hours <= 3 THEN 3
            WHEN hours <= 3.5 THEN 3.5 WHEN hours <= 4 THEN 4 WHEN hours <= 5 THEN 5 WHEN hours <= 6 THEN 6
            WHEN hours <= 7 THEN 7 WHEN hours <= 8 THEN 8 WHEN hours <= 10 THEN 10 WHEN hours <= 12 THEN 12
            WHEN hours <= 16 THEN 16 WHEN hours <= 20 THEN 20 WHEN hours <= 24 THEN 24 WHEN hours <= 32 THEN 32
            WHEN hours <= 40 THEN 40 WHEN hours <= 48 THEN 48 WHEN hours <= 56 THEN 56 WHEN hours <= 64 THEN 64
            WHEN hours <= 72 THEN 72 WHEN hours <= 80 THEN 80 WHEN hours <= 96 THEN 96 WHEN hours <= 120 THEN 120
            WHEN hours <= 160 THEN 160 WHEN hours <= 240 THEN 240 WHEN hours <= 320 THEN 320 WHEN hours <= 480 THEN 480
            ELSE 'Infinity'::numeric END;
COMMENT ON FUNCTION gridgov.handle_bucket(numeric) IS
    'Upper bound of the handling-time histogram bucket holding a duration in working hours: 0.25 h steps to 1 h, 0.5 h to 4 h, 1 h to 8 h (one working day), then 10, 12, 16, 20, 24, 32, 40 (a working week) ... 480 h; Infinity above';

-- Per-case facts --------------------------------------------------------------

CREATE TABLE gridgov.case_stats (
    county              gridgov.gridcode NOT NULL,
    case_id             bigint NOT NULL,
    case_no             text NOT NULL,
    source              gridgov.case_source NOT NULL,
    category            text COLLATE pg_catalog."C" NOT NULL,
    urgency             gridgov.urgency NOT NULL,
    workflow            text NOT NULL,
    state               text NOT NULL,
    grid                gridgov.gridcode,
    town                gridgov.gridcode NOT NULL,
    community           gridgov.gridcode NOT NULL,
    department_id       bigint,
    location_approx     geometry(Point, 4326),
    reported_at         timestamptz NOT NULL,
    filed_at            timestamptz,
    first_dispatched_at timestamptz,
    dispatched_at       timestamptz,
    signed_at           timestamptz,
    handled_at          timestamptz,
    verified_at         timestamptz,
    called_back_at      timestamptz,
    closed_at           timestamptz,
    deadline            timestamptz,
    reported_day        date NOT NULL,
    filed_day           date,
    due_day             date,
    file_on_time        boolean,
    dispatch_on_time    boolean,
    sign_on_time        boolean,
    handle_on_time      boolean,
    verify_on_time      boolean,
    callback_on_time    boolean,
    whole_on_time       boolean,
    response_work_hours numeric,
    response_hours      numeric,
    handle_work_hours   numeric,
    handle_hours        numeric,
    total_work_hours    numeric,
    total_hours         numeric,
    dispatches          integer NOT NULL,
    returns             integer NOT NULL,
    reworks             integer NOT NULL,
    reopens             integer NOT NULL,
    extensions          integer NOT NULL,
    suspensions         integer NOT NULL,
    supervised          boolean NOT NULL,
    escalation_level    integer NOT NULL,
    solved              boolean,
    satisfaction        gridgov.satisfaction,
    merged              boolean NOT NULL,
    case_updated_at     timestamptz NOT NULL,
    occurred_at         timestamptz,
    discover_minutes    numeric,
    discover_on_time    boolean,
    contacted_at        timestamptz,
    contact_required    boolean NOT NULL,
    contact_on_time     boolean,
    supervisions        integer NOT NULL,
    supervise_on_time   boolean,
    returns_requested   integer NOT NULL,
    returns_rejected    integer NOT NULL,
    extension_requests  integer NOT NULL,
    extension_refusals  integer NOT NULL,
    suspension_requests integer NOT NULL,
    suspension_refusals integer NOT NULL,
    meetings            integer NOT NULL,
    PRIMARY KEY (county, case_id),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
CREATE INDEX case_stats_case ON gridgov.case_stats (case_id);
CREATE INDEX case_stats_reported ON gridgov.case_stats (county, reported_day);
CREATE INDEX case_stats_due ON gridgov.case_stats (county, due_day);

COMMENT ON TABLE gridgov.case_stats IS
    'Derived per-case facts behind the analytics (one row per case), brought up to date from the history (gridgov.analytics_refresh_pending(), or at once with gridgov.analytics_sync) and equal to gridgov.case_stats_computed; not dumped (rebuild with gridgov.analytics_rebuild() after a restore). Read gridgov.case_facts instead: it is the documented, PII-free view of these rows';
COMMENT ON COLUMN gridgov.case_stats.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_stats.case_id IS 'The case (gridgov.cases.id)';
COMMENT ON COLUMN gridgov.case_stats.case_no IS 'Readable case number';
COMMENT ON COLUMN gridgov.case_stats.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.case_stats.category IS 'Category code';
COMMENT ON COLUMN gridgov.case_stats.urgency IS 'Urgency';
COMMENT ON COLUMN gridgov.case_stats.workflow IS 'Workflow';
COMMENT ON COLUMN gridgov.case_stats.state IS 'Current state';
COMMENT ON COLUMN gridgov.case_stats.grid IS 'Grid the case lies in (NULL: none)';
COMMENT ON COLUMN gridgov.case_stats.town IS 'gridgov.area_at(county, grid, 4)';
COMMENT ON COLUMN gridgov.case_stats.community IS 'gridgov.area_at(county, grid, 5)';
COMMENT ON COLUMN gridgov.case_stats.department_id IS 'Responsible department now';
COMMENT ON COLUMN gridgov.case_stats.location_approx IS 'Location snapped to a 0.001 degree lattice (about 110 m north-south, 85 m east-west)';
COMMENT ON COLUMN gridgov.case_stats.reported_at IS 'When the case was reported';
COMMENT ON COLUMN gridgov.case_stats.filed_at IS 'First file or self_handle event; the report itself for workflows without a file action';
COMMENT ON COLUMN gridgov.case_stats.first_dispatched_at IS 'First dispatch event';
COMMENT ON COLUMN gridgov.case_stats.dispatched_at IS 'Last dispatch event (the current assignee''s)';
COMMENT ON COLUMN gridgov.case_stats.signed_at IS 'First sign (or, for disputes, mediate) event';
COMMENT ON COLUMN gridgov.case_stats.handled_at IS 'Last handle, self_handle, agree or fail event';
COMMENT ON COLUMN gridgov.case_stats.verified_at IS 'Last verify_pass event';
COMMENT ON COLUMN gridgov.case_stats.called_back_at IS 'Last callback or follow_up event';
COMMENT ON COLUMN gridgov.case_stats.closed_at IS 'When the case was closed (NULL while open or reopened)';
COMMENT ON COLUMN gridgov.case_stats.deadline IS 'Due time of the latest whole clock, else of the latest handle clock (however they ended)';
COMMENT ON COLUMN gridgov.case_stats.reported_day IS 'Local date of reported_at';
COMMENT ON COLUMN gridgov.case_stats.filed_day IS 'Local date of filed_at';
COMMENT ON COLUMN gridgov.case_stats.due_day IS 'Local date of deadline';
COMMENT ON COLUMN gridgov.case_stats.file_on_time IS 'Every ended file clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.dispatch_on_time IS 'Every ended dispatch clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.sign_on_time IS 'Every ended sign clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.handle_on_time IS 'Every ended handle clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.verify_on_time IS 'Every ended verify clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.callback_on_time IS 'Every ended callback clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.whole_on_time IS 'Every ended whole clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.response_work_hours IS 'Working hours from first_dispatched_at to signed_at';
COMMENT ON COLUMN gridgov.case_stats.response_hours IS 'Calendar hours from first_dispatched_at to signed_at';
COMMENT ON COLUMN gridgov.case_stats.handle_work_hours IS 'Working hours from first_dispatched_at (reported_at when never dispatched) to handled_at';
COMMENT ON COLUMN gridgov.case_stats.handle_hours IS 'Calendar hours over the same span as handle_work_hours';
COMMENT ON COLUMN gridgov.case_stats.total_work_hours IS 'Working hours from reported_at to closed_at';
COMMENT ON COLUMN gridgov.case_stats.total_hours IS 'Calendar hours from reported_at to closed_at';
COMMENT ON COLUMN gridgov.case_stats.dispatches IS 'Dispatches (first and re-dispatches)';
COMMENT ON COLUMN gridgov.case_stats.returns IS 'Returns by the assignee (退单) approved by the command center';
COMMENT ON COLUMN gridgov.case_stats.reworks IS 'Reworks (返工)';
COMMENT ON COLUMN gridgov.case_stats.reopens IS 'Reopens';
COMMENT ON COLUMN gridgov.case_stats.extensions IS 'Approved extensions (延期)';
COMMENT ON COLUMN gridgov.case_stats.suspensions IS 'Suspensions (挂账)';
COMMENT ON COLUMN gridgov.case_stats.supervised IS 'Supervision flag (督办)';
COMMENT ON COLUMN gridgov.case_stats.escalation_level IS 'Highest escalation rung reached';
COMMENT ON COLUMN gridgov.case_stats.solved IS 'Callback answer: solved';
COMMENT ON COLUMN gridgov.case_stats.satisfaction IS 'Callback answer: satisfaction';
COMMENT ON COLUMN gridgov.case_stats.merged IS 'Merged into another case as a duplicate';
COMMENT ON COLUMN gridgov.case_stats.case_updated_at IS 'gridgov.cases.updated_at the row was computed from';
COMMENT ON COLUMN gridgov.case_stats.occurred_at IS 'When the problem occurred or was found (gridgov.cases.occurred_at)';
COMMENT ON COLUMN gridgov.case_stats.discover_minutes IS 'Calendar minutes from occurred_at to reported_at, 2 decimals';
COMMENT ON COLUMN gridgov.case_stats.discover_on_time IS 'reported_at no later than the discovery deadline intake recorded in the intake event (payload discover_due: occurred_at plus the case''s discover policy, e.g. 30 minutes); NULL without occurred_at or without such a policy';
COMMENT ON COLUMN gridgov.case_stats.contacted_at IS 'First contact event (先行联系)';
COMMENT ON COLUMN gridgov.case_stats.contact_required IS 'The case has had a contact clock (its workflow has a first-contact step and the step was reached), however it ended: one cancelled without a contact (handled before contacting, or sent to a joint meeting) still requires the contact';
COMMENT ON COLUMN gridgov.case_stats.contact_on_time IS 'Every ended contact clock ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.supervisions IS 'Supervise events (督办), by hand or by the sweep';
COMMENT ON COLUMN gridgov.case_stats.supervise_on_time IS 'Every ended supervise clock (answered) ended by its due time (NULL: none ended)';
COMMENT ON COLUMN gridgov.case_stats.returns_requested IS 'Return events: returns asked for by the assignee (approved ones are counted in returns)';
COMMENT ON COLUMN gridgov.case_stats.returns_rejected IS 'reject_return events: returns the command center refused (退单驳回)';
COMMENT ON COLUMN gridgov.case_stats.extension_requests IS 'request_extension events (申请延期)';
COMMENT ON COLUMN gridgov.case_stats.extension_refusals IS 'refuse_extension events';
COMMENT ON COLUMN gridgov.case_stats.suspension_requests IS 'request_suspension events (申请挂账)';
COMMENT ON COLUMN gridgov.case_stats.suspension_refusals IS 'refuse_suspension events';
COMMENT ON COLUMN gridgov.case_stats.meetings IS 'refer_meeting events: joint meetings (会商) the case was referred to';

-- The same rows computed afresh from cases, their history and their clocks.
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

-- The public face: one row per case, no personal data ---------------------------

CREATE VIEW gridgov.case_facts AS
SELECT s.case_id, s.case_no, s.county, s.town, s.community, s.grid,
       s.category, pg_catalog.left(s.category, 3) AS category_major,
       CASE WHEN pg_catalog.length(s.category) >= 5 THEN pg_catalog.left(s.category, 5) END AS category_minor,
       cat.name AS category_name, maj.name AS category_major_name,
       s.source, s.urgency, s.workflow, s.state, s.department_id, d.code AS department_code,
       d.name AS department_name, s.location_approx,
       s.reported_at, s.filed_at, s.first_dispatched_at, s.dispatched_at, s.signed_at, s.handled_at,
       s.verified_at, s.called_back_at, s.closed_at, s.deadline,
       s.reported_day, s.filed_day, s.due_day,
       s.file_on_time, s.dispatch_on_time, s.sign_on_time, s.handle_on_time, s.verify_on_time,
       s.callback_on_time, s.whole_on_time,
       s.closed_at <= s.deadline AS closed_on_time,
       s.response_work_hours, s.response_hours, s.handle_work_hours, s.handle_hours,
       s.total_work_hours, s.total_hours,
       s.dispatches, s.returns, s.reworks, s.reopens, s.extensions, s.suspensions, s.supervised,
       s.escalation_level, s.solved, s.satisfaction, s.merged,
       s.occurred_at, s.discover_minutes, s.discover_on_time, s.contacted_at, s.contact_required,
       s.contact_on_time, s.supervisions, s.supervise_on_time, s.returns_requested, s.returns_rejected,
       s.extension_requests, s.extension_refusals, s.suspension_requests, s.suspension_refusals, s.meetings
FROM gridgov.case_stats s
LEFT JOIN gridgov.categories cat ON cat.code = s.category
LEFT JOIN gridgov.categories maj ON maj.code = pg_catalog.left(s.category, 3)
LEFT JOIN gridgov.departments d ON d.id = s.department_id;

COMMENT ON VIEW gridgov.case_facts IS
    'One row per case for BI, without personal data: no reporter name or phone, no address, no title or description, no external id, and the location only snapped to a 0.001 degree lattice. Areas at every level, category, source, department, the time of every stage, deadline, on-time flags, working and calendar durations, counters, escalation and callback answers. See docs/bi.md';
COMMENT ON COLUMN gridgov.case_facts.case_id IS 'Case id (gridgov.cases.id)';
COMMENT ON COLUMN gridgov.case_facts.case_no IS 'Readable case number (county-yyyymmdd-id)';
COMMENT ON COLUMN gridgov.case_facts.county IS 'County (district) code';
COMMENT ON COLUMN gridgov.case_facts.town IS 'Town/street code (the county when the case has no grid)';
COMMENT ON COLUMN gridgov.case_facts.community IS 'Community/village code (the coarser area when the case has none)';
COMMENT ON COLUMN gridgov.case_facts.grid IS 'Unit grid (or the area the case was located to); NULL when outside every grid';
COMMENT ON COLUMN gridgov.case_facts.category IS 'Category code';
COMMENT ON COLUMN gridgov.case_facts.category_major IS 'Major class: the first 3 characters of the code, e.g. E01';
COMMENT ON COLUMN gridgov.case_facts.category_minor IS 'Minor class: the first 5 characters of the code, e.g. E0102 (NULL for a major-class case)';
COMMENT ON COLUMN gridgov.case_facts.category_name IS 'Category name';
COMMENT ON COLUMN gridgov.case_facts.category_major_name IS 'Name of the major class';
COMMENT ON COLUMN gridgov.case_facts.source IS 'Channel: hotline, patrol, video, app, department, leader, city, proactive';
COMMENT ON COLUMN gridgov.case_facts.urgency IS 'normal, urgent or emergency';
COMMENT ON COLUMN gridgov.case_facts.workflow IS 'Workflow';
COMMENT ON COLUMN gridgov.case_facts.state IS 'Current state';
COMMENT ON COLUMN gridgov.case_facts.department_id IS 'Responsible department now (after the last dispatch)';
COMMENT ON COLUMN gridgov.case_facts.department_code IS 'Its code';
COMMENT ON COLUMN gridgov.case_facts.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.case_facts.location_approx IS 'Location snapped to a 0.001 degree lattice (about 110 m x 85 m), WGS-84; never the exact point';
COMMENT ON COLUMN gridgov.case_facts.reported_at IS 'Reported (intake)';
COMMENT ON COLUMN gridgov.case_facts.filed_at IS 'Filed (立案): first file or self_handle event; the report itself for workflows without filing (hotline, dispute)';
COMMENT ON COLUMN gridgov.case_facts.first_dispatched_at IS 'First dispatch (派遣)';
COMMENT ON COLUMN gridgov.case_facts.dispatched_at IS 'Last dispatch (改派 included)';
COMMENT ON COLUMN gridgov.case_facts.signed_at IS 'First sign (签收), or mediate for disputes';
COMMENT ON COLUMN gridgov.case_facts.handled_at IS 'Last handling report (处置反馈): handle, self_handle, agree or fail';
COMMENT ON COLUMN gridgov.case_facts.verified_at IS 'Last passed verification (核查)';
COMMENT ON COLUMN gridgov.case_facts.called_back_at IS 'Last callback (回访) or follow-up';
COMMENT ON COLUMN gridgov.case_facts.closed_at IS 'Closed (结案); NULL while open';
COMMENT ON COLUMN gridgov.case_facts.deadline IS 'Deadline: due time of the latest whole clock, else of the latest handle clock (extensions and pauses included); NULL without such a clock';
COMMENT ON COLUMN gridgov.case_facts.reported_day IS 'Local date reported (analytics time zone)';
COMMENT ON COLUMN gridgov.case_facts.filed_day IS 'Local date filed';
COMMENT ON COLUMN gridgov.case_facts.due_day IS 'Local date of the deadline';
COMMENT ON COLUMN gridgov.case_facts.file_on_time IS 'File stage on time: every ended file clock ended by its due time; false if one ended late; NULL if none ended';
COMMENT ON COLUMN gridgov.case_facts.dispatch_on_time IS 'Dispatch stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.sign_on_time IS 'Sign stage on time (same rule; a return also ends a sign clock)';
COMMENT ON COLUMN gridgov.case_facts.handle_on_time IS 'Handle stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.verify_on_time IS 'Verify stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.callback_on_time IS 'Callback stage on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.whole_on_time IS 'Whole-case clock on time (same rule)';
COMMENT ON COLUMN gridgov.case_facts.closed_on_time IS 'Closed by the deadline (按期结案): closed_at <= deadline; NULL when open or without deadline';
COMMENT ON COLUMN gridgov.case_facts.response_work_hours IS 'Response time: working hours from first dispatch to sign';
COMMENT ON COLUMN gridgov.case_facts.response_hours IS 'Response time in calendar hours';
COMMENT ON COLUMN gridgov.case_facts.handle_work_hours IS 'Handling time: working hours from first dispatch (the report when never dispatched) to the last handling report';
COMMENT ON COLUMN gridgov.case_facts.handle_hours IS 'Handling time in calendar hours';
COMMENT ON COLUMN gridgov.case_facts.total_work_hours IS 'Working hours from report to close';
COMMENT ON COLUMN gridgov.case_facts.total_hours IS 'Calendar hours from report to close';
COMMENT ON COLUMN gridgov.case_facts.dispatches IS 'Dispatches (first one and re-dispatches)';
COMMENT ON COLUMN gridgov.case_facts.returns IS 'Returns by the assignee (退单) approved by the command center';
COMMENT ON COLUMN gridgov.case_facts.reworks IS 'Reworks (返工)';
COMMENT ON COLUMN gridgov.case_facts.reopens IS 'Reopens';
COMMENT ON COLUMN gridgov.case_facts.extensions IS 'Approved extensions (延期)';
COMMENT ON COLUMN gridgov.case_facts.suspensions IS 'Suspensions (挂账)';
COMMENT ON COLUMN gridgov.case_facts.supervised IS 'Supervision flag (督办)';
COMMENT ON COLUMN gridgov.case_facts.escalation_level IS 'Highest escalation rung reached (0: none)';
COMMENT ON COLUMN gridgov.case_facts.solved IS 'Callback: solved?';
COMMENT ON COLUMN gridgov.case_facts.satisfaction IS 'Callback: satisfied, basically_satisfied or unsatisfied';
COMMENT ON COLUMN gridgov.case_facts.merged IS 'A duplicate merged into another case (left out of every rate)';
COMMENT ON COLUMN gridgov.case_facts.occurred_at IS 'When the problem occurred or was found (发现时间), as given at intake; NULL when unknown';
COMMENT ON COLUMN gridgov.case_facts.discover_minutes IS 'Discovery time: calendar minutes from occurred_at to the report';
COMMENT ON COLUMN gridgov.case_facts.discover_on_time IS 'Reported within the discover policy''s limit after occurred_at (e.g. 30 minutes to discover); NULL without occurred_at or without a discover policy';
COMMENT ON COLUMN gridgov.case_facts.contacted_at IS 'First contact with the caller (先行联系)';
COMMENT ON COLUMN gridgov.case_facts.contact_required IS 'The case reached a first-contact step (a contact clock ran, however it ended)';
COMMENT ON COLUMN gridgov.case_facts.contact_on_time IS 'Contact stage on time (same rule as sign_on_time)';
COMMENT ON COLUMN gridgov.case_facts.supervisions IS 'Times the case was put under supervision (督办)';
COMMENT ON COLUMN gridgov.case_facts.supervise_on_time IS 'Supervision answered on time: every ended supervise clock ended by its due time; NULL if none ended';
COMMENT ON COLUMN gridgov.case_facts.returns_requested IS 'Returns asked for by the assignee (申请退单); approved ones are in returns';
COMMENT ON COLUMN gridgov.case_facts.returns_rejected IS 'Returns the command center rejected (退单驳回): they count against the assignee';
COMMENT ON COLUMN gridgov.case_facts.extension_requests IS 'Extensions asked for (申请延期)';
COMMENT ON COLUMN gridgov.case_facts.extension_refusals IS 'Extension requests refused';
COMMENT ON COLUMN gridgov.case_facts.suspension_requests IS 'Suspensions asked for (申请挂账)';
COMMENT ON COLUMN gridgov.case_facts.suspension_refusals IS 'Suspension requests refused';
COMMENT ON COLUMN gridgov.case_facts.meetings IS 'Joint meetings (会商) the case was referred to as a difficult case';

-- Discovery time (发现时间): when the problem occurred or was found.
ALTER TABLE gridgov.cases ADD COLUMN occurred_at timestamptz;
COMMENT ON COLUMN gridgov.cases.occurred_at IS 'When the problem occurred or was found (发现时间: a patrol''s or a camera''s find), given at intake; NULL when unknown. Not later than reported_at (22023); the discovery stage of the timeliness (discover_on_time) runs from it to reported_at';

-- Views and functions that read case_stats rows whole, or list its columns.
DROP VIEW gridgov.department_ranking, gridgov.timeliness, gridgov.three_rates, gridgov.kpi,
          gridgov.case_facts;

-- The new facts (nullable until filled below).
ALTER TABLE gridgov.case_stats
    ADD COLUMN occurred_at timestamptz,
    ADD COLUMN discover_minutes numeric,
    ADD COLUMN discover_on_time boolean,
    ADD COLUMN contacted_at timestamptz,
    ADD COLUMN contact_required boolean,
    ADD COLUMN contact_on_time boolean,
    ADD COLUMN supervisions integer,
    ADD COLUMN supervise_on_time boolean,
    ADD COLUMN returns_requested integer,
    ADD COLUMN returns_rejected integer,
    ADD COLUMN extension_requests integer,
    ADD COLUMN extension_refusals integer,
    ADD COLUMN suspension_requests integer,
    ADD COLUMN suspension_refusals integer,
    ADD COLUMN meetings integer;
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
COMMENT ON COLUMN gridgov.case_stats.returns IS 'Returns by the assignee (退单) approved by the command center';

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

-- Fill the new facts of the cases already counted (the summaries do not change:
-- a 1.2.0 case has no contact clock, so what it counts for stays the same).
UPDATE gridgov.case_stats s SET
    occurred_at = v.occurred_at,
    discover_minutes = v.discover_minutes,
    discover_on_time = v.discover_on_time,
    contacted_at = v.contacted_at,
    contact_required = v.contact_required,
    contact_on_time = v.contact_on_time,
    supervisions = v.supervisions,
    supervise_on_time = v.supervise_on_time,
    returns_requested = v.returns_requested,
    returns_rejected = v.returns_rejected,
    extension_requests = v.extension_requests,
    extension_refusals = v.extension_refusals,
    suspension_requests = v.suspension_requests,
    suspension_refusals = v.suspension_refusals,
    meetings = v.meetings
FROM gridgov.case_stats_computed v
WHERE v.county OPERATOR(gridgov.=) s.county AND v.case_id = s.case_id;
-- (085_views.sql re-creates it, with analytics_check(), after every fragment it reads.)
DROP VIEW gridgov.case_stats_computed;
ALTER TABLE gridgov.case_stats
    ALTER COLUMN contact_required SET NOT NULL,
    ALTER COLUMN supervisions SET NOT NULL,
    ALTER COLUMN returns_requested SET NOT NULL,
    ALTER COLUMN returns_rejected SET NOT NULL,
    ALTER COLUMN extension_requests SET NOT NULL,
    ALTER COLUMN extension_refusals SET NOT NULL,
    ALTER COLUMN suspension_requests SET NOT NULL,
    ALTER COLUMN suspension_refusals SET NOT NULL,
    ALTER COLUMN meetings SET NOT NULL;

-- Responded: signed in time and, where a contact clock ran, the caller contacted in time.
CREATE OR REPLACE FUNCTION gridgov.stat_rows(s gridgov.case_stats)
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
COMMENT ON COLUMN gridgov.stats_month.responded IS 'Of the dispatched, signed with every sign clock met in time and, where a contact clock ran, the caller contacted with every contact clock met in time';
COMMENT ON COLUMN gridgov.stats_month.first_dispatch_ok IS 'Of the dispatched, closed after exactly one dispatch and no approved return';
CREATE OR REPLACE FUNCTION gridgov.analytics_refresh(case_ids bigint[]) RETURNS integer
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

-- whistle_rates.on_time_rate in percent, as the other rates (now after pct(), in 082).
DROP VIEW gridgov.whistle_rates;
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

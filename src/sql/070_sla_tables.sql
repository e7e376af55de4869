-- ---------------------------------------------------------------------------
-- Time limits: SLA policies, clocks per case and stage, the escalation
-- ladder, escalations, whistle-and-report.
-- ---------------------------------------------------------------------------

CREATE TYPE gridgov.sla_stage AS ENUM ('discover', 'file', 'dispatch', 'sign', 'contact', 'handle', 'supervise',
                                       'review', 'verify', 'callback', 'whole');
COMMENT ON TYPE gridgov.sla_stage IS
    'Stages a time limit applies to: discover (发现: from occurred_at to the report; measured, never a running clock), file (立案), dispatch (派遣), sign (签收), contact (先行联系: the holder contacts the caller), handle (处置), supervise (督办: the holder answers a supervision), review (审核: the command center decides on a return, a request or a joint meeting), verify (核查), callback (回访), whole (from intake to closing)';

CREATE TABLE gridgov.sla_policies (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT ''
                    CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    urgency         gridgov.urgency,
    source          gridgov.case_source,
    stage           gridgov.sla_stage NOT NULL,
    amount          numeric NOT NULL CHECK (amount > 0),
    unit            text NOT NULL CHECK (unit IN ('minutes', 'working_hours', 'working_days', 'calendar_days')),
    calendar_id     integer NOT NULL REFERENCES gridgov.calendars (id),
    warn_ratio      numeric NOT NULL DEFAULT 0.8 CHECK (warn_ratio > 0 AND warn_ratio < 1),
    active          boolean NOT NULL DEFAULT true,
    note            text,
    builtin         boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (category_prefix, urgency, source, stage)
);
COMMENT ON TABLE gridgov.sla_policies IS
    'Time limits as data: for a category prefix (''''= any), urgency and source (NULL = any) and stage, an amount in a unit counted on a calendar; the most specific active policy wins (longest prefix, then a set urgency, then a set source, then the lowest id)';
COMMENT ON COLUMN gridgov.sla_policies.category_prefix IS 'Category code prefix the policy applies to; '''' for every category';
COMMENT ON COLUMN gridgov.sla_policies.urgency IS 'Urgency it applies to; NULL for any';
COMMENT ON COLUMN gridgov.sla_policies.source IS 'Source channel it applies to; NULL for any';
COMMENT ON COLUMN gridgov.sla_policies.stage IS 'Stage whose clock it sets';
COMMENT ON COLUMN gridgov.sla_policies.amount IS 'Time allowed, in unit';
COMMENT ON COLUMN gridgov.sla_policies.unit IS 'minutes (working minutes of the calendar), working_hours, working_days or calendar_days (gridgov.worktime_add)';
COMMENT ON COLUMN gridgov.sla_policies.calendar_id IS 'Calendar the time is counted on (cn: State Council working days; 24x7: every minute)';
COMMENT ON COLUMN gridgov.sla_policies.warn_ratio IS 'Share of the time after which the clock warns (default 0.8)';
COMMENT ON COLUMN gridgov.sla_policies.active IS 'Inactive policies are ignored';
COMMENT ON COLUMN gridgov.sla_policies.note IS 'Source of the limit (city rule, standard)';
COMMENT ON COLUMN gridgov.sla_policies.builtin IS 'Shipped default (re-created by CREATE EXTENSION; dumped only when switched off)';
-- A shipped policy can only be switched off (072): the dump keeps those, and
-- gridgov.shipped_rows_restore() (043) switches the shipped row off on restore.
SELECT pg_catalog.pg_extension_config_dump('gridgov.sla_policies', 'WHERE NOT builtin OR NOT active');
SELECT pg_catalog.pg_extension_config_dump('gridgov.sla_policies_id_seq', '');

-- Clocks: one per case, stage and start (a re-dispatch starts a new sign clock).
CREATE TABLE gridgov.case_clocks (
    county              gridgov.gridcode NOT NULL,
    case_id             bigint NOT NULL,
    stage               gridgov.sla_stage NOT NULL,
    seq                 integer NOT NULL,
    policy_id           bigint,
    calendar_id         integer NOT NULL,
    amount              numeric NOT NULL,
    unit                text NOT NULL,
    started_at          timestamptz NOT NULL,
    due_at              timestamptz NOT NULL,
    warn_at             timestamptz NOT NULL,
    met_at              timestamptz,
    cancelled_at        timestamptz,
    paused_at           timestamptz,
    paused_minutes      numeric NOT NULL DEFAULT 0,
    extended            numeric NOT NULL DEFAULT 0,
    warned_at           timestamptz,
    escalation_level    integer NOT NULL DEFAULT 0,
    next_escalation_at  timestamptz,
    PRIMARY KEY (county, case_id, stage, seq),
    CHECK (met_at IS NULL OR cancelled_at IS NULL)
);
-- The sweep reads only what is due: running, unpaused clocks by their next time.
CREATE INDEX case_clocks_escalation_due ON gridgov.case_clocks (next_escalation_at)
    WHERE met_at IS NULL AND cancelled_at IS NULL AND paused_at IS NULL AND next_escalation_at IS NOT NULL;
CREATE INDEX case_clocks_warning_due ON gridgov.case_clocks (warn_at)
    WHERE met_at IS NULL AND cancelled_at IS NULL AND paused_at IS NULL AND warned_at IS NULL;
-- A case's clocks are found by the primary key's prefix (county, case_id).
COMMENT ON TABLE gridgov.case_clocks IS
    'SLA clocks: one per case, stage and start. Started and stopped by the clock effects of workflow transitions, paused by suspend, moved by resume and extend; a clock past due_at is breached and climbs the escalation ladder, one rung per sweep whose time has come';
COMMENT ON COLUMN gridgov.case_clocks.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_clocks.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_clocks.stage IS 'Stage the clock times';
COMMENT ON COLUMN gridgov.case_clocks.seq IS 'Nth clock of this stage for the case (1 = first)';
COMMENT ON COLUMN gridgov.case_clocks.policy_id IS 'Policy that set the limit';
COMMENT ON COLUMN gridgov.case_clocks.calendar_id IS 'Calendar the limit is counted on';
COMMENT ON COLUMN gridgov.case_clocks.amount IS 'Time allowed (policy amount plus extensions)';
COMMENT ON COLUMN gridgov.case_clocks.unit IS 'Unit of amount';
COMMENT ON COLUMN gridgov.case_clocks.started_at IS 'When the stage began';
COMMENT ON COLUMN gridgov.case_clocks.due_at IS 'Deadline (moved by pauses and extensions)';
COMMENT ON COLUMN gridgov.case_clocks.warn_at IS 'When the clock warns (warn_ratio of the time)';
COMMENT ON COLUMN gridgov.case_clocks.met_at IS 'When the stage ended (on time when met_at <= due_at)';
COMMENT ON COLUMN gridgov.case_clocks.cancelled_at IS 'When the clock stopped without the stage ending (the case was merged or closed)';
COMMENT ON COLUMN gridgov.case_clocks.paused_at IS 'Set while the case is suspended (挂账)';
COMMENT ON COLUMN gridgov.case_clocks.paused_minutes IS 'Working minutes the clock has spent paused';
COMMENT ON COLUMN gridgov.case_clocks.extended IS 'Amount added by approved extensions (延期), in unit';
COMMENT ON COLUMN gridgov.case_clocks.warned_at IS 'When the sweep warned (once)';
COMMENT ON COLUMN gridgov.case_clocks.escalation_level IS 'Highest rung of the escalation ladder reached (0: none)';
COMMENT ON COLUMN gridgov.case_clocks.next_escalation_at IS 'When the next rung is due (due_at for the first); NULL at the top of the ladder or when stopped';
-- Clocks are written only by gridgov's triggers, for cases that exist, with a
-- policy and calendar that exist; no foreign keys on this hot path (see
-- gridgov.reference_guard(), 055): the policies and calendars a clock refers
-- to cannot be deleted, re-keyed or truncated.
SELECT gridgov.guard_references(t) FROM pg_catalog.unnest(ARRAY['sla_policies', 'calendars']) t;
SELECT pg_catalog.pg_extension_config_dump('gridgov.case_clocks', '');

CREATE TABLE gridgov.escalation_ladder (
    level       integer NOT NULL CHECK (level >= 1),
    title       text NOT NULL,
    target      text NOT NULL CHECK (target IN ('holder', 'holder_supervisor', 'town_center', 'district_center', 'discipline')),
    delay       numeric NOT NULL CHECK (delay >= 0),
    delay_unit  text NOT NULL CHECK (delay_unit IN ('minutes', 'working_hours', 'working_days', 'calendar_days')),
    calendar_id integer NOT NULL REFERENCES gridgov.calendars (id),
    builtin     boolean NOT NULL DEFAULT false,
    category_prefix text COLLATE pg_catalog."C" NOT NULL DEFAULT ''
                CHECK (category_prefix ~ '^([CEHD]([0-9]{2}){0,3})?$'),
    urgency     gridgov.urgency,
    supervise   boolean NOT NULL DEFAULT false,
    min_breaches integer NOT NULL DEFAULT 1 CHECK (min_breaches BETWEEN 1 AND 100),
    CONSTRAINT escalation_ladder_key UNIQUE NULLS NOT DISTINCT (category_prefix, urgency, level)
);
COMMENT ON TABLE gridgov.escalation_ladder IS
    'Escalation ladders as data, one per category prefix and urgency (the rungs sharing them): a late clock climbs the ladder of the most specific key matching its case (longest prefix, then a set urgency); rung 1 is due at the breach plus its delay, each further rung its delay after the previous rung was reached; the target says who is told';
COMMENT ON COLUMN gridgov.escalation_ladder.level IS 'Rung number, 1 upwards, within its ladder';
COMMENT ON COLUMN gridgov.escalation_ladder.title IS 'Who is told, e.g. 街镇指挥中心';
COMMENT ON COLUMN gridgov.escalation_ladder.target IS
    'holder (a reminder to the department holding the case, 催办), holder_supervisor (the department above the holder: its parent, else the command center over the case that is not the holder), town_center (the command center of the case''s town, else of its county; never the holder: then the district''s), district_center (of its county), discipline (the county''s discipline inspection and procuratorate departments)';
COMMENT ON COLUMN gridgov.escalation_ladder.delay IS 'Time after the previous rung (after the breach for rung 1)';
COMMENT ON COLUMN gridgov.escalation_ladder.delay_unit IS 'Unit of delay';
COMMENT ON COLUMN gridgov.escalation_ladder.calendar_id IS 'Calendar the delay is counted on';
COMMENT ON COLUMN gridgov.escalation_ladder.builtin IS 'Shipped default (not dumped)';
COMMENT ON COLUMN gridgov.escalation_ladder.category_prefix IS 'Category code prefix of the ladder; '''' for every category';
COMMENT ON COLUMN gridgov.escalation_ladder.urgency IS 'Urgency of the ladder; NULL for any';
COMMENT ON COLUMN gridgov.escalation_ladder.supervise IS
    'Reaching the rung puts the case under supervision (督办 by rule): the sweep takes the workflow''s supervise action, which starts a supervise clock the holder must answer';
COMMENT ON COLUMN gridgov.escalation_ladder.min_breaches IS
    'The rung applies only to a case with at least this many breaches when it falls due (repeated breaches, e.g. 2 for the discipline bodies): clocks of its steps met late or running past due and not paused, the command center''s own (review) and the whole-case clock not counted; a rung that does not apply is passed over';
SELECT pg_catalog.pg_extension_config_dump('gridgov.escalation_ladder', 'WHERE NOT builtin');

CREATE TABLE gridgov.escalations (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    stage           text NOT NULL,
    clock_seq       integer NOT NULL,
    level           integer NOT NULL,
    at              timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    department_ids  bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (county, case_id, stage, clock_seq, level),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
COMMENT ON TABLE gridgov.escalations IS
    'One row per rung a late clock (or a late whistle report-in, stage whistle) climbed: at most once per clock and level';
COMMENT ON COLUMN gridgov.escalations.county IS 'County of the case';
COMMENT ON COLUMN gridgov.escalations.case_id IS 'The case';
COMMENT ON COLUMN gridgov.escalations.stage IS 'Stage of the late clock, or whistle for a missing report-in';
COMMENT ON COLUMN gridgov.escalations.clock_seq IS 'Which clock of the stage (for whistle: the whistle id)';
COMMENT ON COLUMN gridgov.escalations.level IS 'Rung of the ladder (for whistle: 1)';
COMMENT ON COLUMN gridgov.escalations.at IS 'When the sweep escalated (its as_of)';
COMMENT ON COLUMN gridgov.escalations.due_at IS 'The deadline that was missed';
COMMENT ON COLUMN gridgov.escalations.department_ids IS 'Departments told (town or district center, discipline bodies, or the late department)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.escalations', '');

-- Whistle-and-report (吹哨报到).
CREATE TABLE gridgov.whistles (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    at              timestamptz NOT NULL,
    note            text,
    report_within   interval NOT NULL CHECK (report_within > interval '0'),
    called_by       name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (county, case_id, id),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
COMMENT ON TABLE gridgov.whistles IS 'Whistles (吹哨): a town summons departments to report on site for a case within report_within';
COMMENT ON COLUMN gridgov.whistles.county IS 'County of the case';
COMMENT ON COLUMN gridgov.whistles.case_id IS 'The case';
COMMENT ON COLUMN gridgov.whistles.at IS 'When the whistle was blown';
COMMENT ON COLUMN gridgov.whistles.note IS 'What the summoned departments are to do';
COMMENT ON COLUMN gridgov.whistles.report_within IS 'Time allowed to report on site (30 minutes in the origin case)';
COMMENT ON COLUMN gridgov.whistles.called_by IS 'Database role that blew the whistle';
SELECT pg_catalog.pg_extension_config_dump('gridgov.whistles', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.whistles_id_seq', '');

CREATE TABLE gridgov.whistle_calls (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    whistle_id      bigint NOT NULL,
    department_id   bigint NOT NULL REFERENCES gridgov.departments (id),
    due_at          timestamptz NOT NULL,
    reported_at     timestamptz,
    escalated_at    timestamptz,
    PRIMARY KEY (county, case_id, whistle_id, department_id),
    FOREIGN KEY (county, case_id, whistle_id) REFERENCES gridgov.whistles (county, case_id, id)
);
CREATE INDEX whistle_calls_due ON gridgov.whistle_calls (due_at)
    WHERE reported_at IS NULL AND escalated_at IS NULL;
COMMENT ON TABLE gridgov.whistle_calls IS 'Departments summoned by a whistle (报到): due by due_at, reported_at when they reported in, escalated_at when the sweep escalated a missing report-in';
COMMENT ON COLUMN gridgov.whistle_calls.county IS 'County of the case';
COMMENT ON COLUMN gridgov.whistle_calls.case_id IS 'The case';
COMMENT ON COLUMN gridgov.whistle_calls.whistle_id IS 'The whistle';
COMMENT ON COLUMN gridgov.whistle_calls.department_id IS 'Summoned department';
COMMENT ON COLUMN gridgov.whistle_calls.due_at IS 'Report-in deadline';
COMMENT ON COLUMN gridgov.whistle_calls.reported_at IS 'When the department reported in (on time when <= due_at)';
COMMENT ON COLUMN gridgov.whistle_calls.escalated_at IS 'When the sweep escalated the missing report-in';
SELECT pg_catalog.pg_extension_config_dump('gridgov.whistle_calls', '');

-- Requests of the holder, decided by the command center (申请延期 / 申请挂账).
CREATE TABLE gridgov.case_requests (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('extension', 'suspension')),
    stage           gridgov.sla_stage,
    amount          numeric CHECK (amount > 0 AND amount <= 100000),
    unit            text CHECK (unit IN ('minutes', 'working_hours', 'working_days', 'calendar_days')),
    reason          text NOT NULL,
    requested_at    timestamptz NOT NULL,
    requested_by    name NOT NULL,
    decided_seq     integer,
    decided_at      timestamptz,
    decision        text CHECK (decision IN ('approved', 'refused', 'cancelled')),
    decided_by      name,
    granted_amount  numeric CHECK (granted_amount > 0),
    PRIMARY KEY (county, case_id, seq),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id),
    CHECK ((kind = 'extension') = (stage IS NOT NULL AND amount IS NOT NULL AND unit IS NOT NULL)),
    CHECK ((decided_at IS NULL) = (decision IS NULL) AND (decided_at IS NULL) = (decided_seq IS NULL)),
    CHECK (granted_amount IS NULL OR (decision = 'approved' AND granted_amount <= amount))
);
-- At most one request of a case waits for a decision.
CREATE UNIQUE INDEX case_requests_open ON gridgov.case_requests (county, case_id) WHERE decided_at IS NULL;
COMMENT ON TABLE gridgov.case_requests IS
    'Requests of a case''s holder for more time (extension, 申请延期) or a suspension (挂账), with the reason, and the command center''s decision: only an approved request moves a deadline or pauses the clocks. Written by the actions request_extension, request_suspension, approve_* and refuse_* (one open request per case)';
COMMENT ON COLUMN gridgov.case_requests.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_requests.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_requests.seq IS 'The history event that filed the request';
COMMENT ON COLUMN gridgov.case_requests.kind IS 'extension or suspension';
COMMENT ON COLUMN gridgov.case_requests.stage IS 'Extension: the stage whose deadline is to move';
COMMENT ON COLUMN gridgov.case_requests.amount IS 'Extension: the time asked for, in unit';
COMMENT ON COLUMN gridgov.case_requests.unit IS 'Extension: unit of amount (the clock''s unit unless the request named one)';
COMMENT ON COLUMN gridgov.case_requests.reason IS 'Why the holder asks (the note of the request)';
COMMENT ON COLUMN gridgov.case_requests.requested_at IS 'When it was filed';
COMMENT ON COLUMN gridgov.case_requests.requested_by IS 'Database role that filed it';
COMMENT ON COLUMN gridgov.case_requests.decided_seq IS 'The history event of the decision';
COMMENT ON COLUMN gridgov.case_requests.decided_at IS 'When the command center decided (NULL: open)';
COMMENT ON COLUMN gridgov.case_requests.decision IS 'approved or refused by the command center, or cancelled: the case closed or was merged while the request was open';
COMMENT ON COLUMN gridgov.case_requests.decided_by IS 'Database role that decided';
COMMENT ON COLUMN gridgov.case_requests.granted_amount IS 'Extension approved: the time granted (at most the amount asked)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.case_requests', '');

-- Joint meetings on difficult cases (疑难案件会商).
CREATE TABLE gridgov.case_meetings (
    county              gridgov.gridcode NOT NULL,
    case_id             bigint NOT NULL,
    seq                 integer NOT NULL,
    convened_at         timestamptz NOT NULL,
    convened_by         name NOT NULL,
    departments         bigint[] NOT NULL CHECK (pg_catalog.cardinality(departments) BETWEEN 1 AND 100
                                             AND pg_catalog.array_position(departments, NULL) IS NULL),
    decided_seq         integer,
    decided_at          timestamptz,
    decided_by          name,
    decision            text,
    lead_department_id  bigint,
    PRIMARY KEY (county, case_id, seq),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id),
    CHECK ((decided_at IS NULL) = (decided_seq IS NULL) AND (decision IS NULL) = (lead_department_id IS NULL)
           AND (decision IS NULL OR decided_at IS NOT NULL))
);
CREATE UNIQUE INDEX case_meetings_open ON gridgov.case_meetings (county, case_id) WHERE decided_at IS NULL;
COMMENT ON TABLE gridgov.case_meetings IS
    'Joint meetings (会商) the command center convenes on a difficult case (疑难案件): the departments convened, then the decision and the lead department the case is dispatched to. Written by the actions refer_meeting and decide';
COMMENT ON COLUMN gridgov.case_meetings.county IS 'County of the case';
COMMENT ON COLUMN gridgov.case_meetings.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_meetings.seq IS 'The history event that convened the meeting';
COMMENT ON COLUMN gridgov.case_meetings.convened_at IS 'When it was convened';
COMMENT ON COLUMN gridgov.case_meetings.convened_by IS 'Database role that convened it';
COMMENT ON COLUMN gridgov.case_meetings.departments IS 'Departments convened';
COMMENT ON COLUMN gridgov.case_meetings.decided_seq IS 'The history event of the decision';
COMMENT ON COLUMN gridgov.case_meetings.decided_at IS 'When the meeting decided (NULL: still open); with no decision: cancelled, the case closed or was merged first';
COMMENT ON COLUMN gridgov.case_meetings.decided_by IS 'Database role that recorded the decision';
COMMENT ON COLUMN gridgov.case_meetings.decision IS 'What the meeting decided (NULL when cancelled)';
COMMENT ON COLUMN gridgov.case_meetings.lead_department_id IS 'The lead department (牵头单位), one of those convened: the case is dispatched to it';
SELECT pg_catalog.pg_extension_config_dump('gridgov.case_meetings', '');

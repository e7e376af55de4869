-- ---------------------------------------------------------------------------
-- cases: the intake API (plain INSERT or COPY) and the case history.
-- ---------------------------------------------------------------------------

-- Categories follow a workflow (added here: workflows are created after categories).
ALTER TABLE gridgov.categories
    ADD CONSTRAINT categories_workflow_fkey FOREIGN KEY (workflow)
    REFERENCES gridgov.workflows (name) ON UPDATE CASCADE;

-- A terminal state may leave closed_at unset until something else closes the
-- case (a merged duplicate is closed with its master).
ALTER TABLE gridgov.workflow_states ADD COLUMN closes_case boolean NOT NULL DEFAULT false;
ALTER TABLE gridgov.workflow_states ADD CONSTRAINT workflow_states_closes_terminal
    CHECK (NOT closes_case OR terminal);
COMMENT ON COLUMN gridgov.workflow_states.closes_case IS
    'Entering this state sets the case''s closed_at (true for closed and rejected; false for merged, which closes with its master)';
UPDATE gridgov.workflow_states SET closes_case = terminal AND state <> 'merged';

CREATE TYPE gridgov.case_source AS ENUM
    ('hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city', 'proactive');
COMMENT ON TYPE gridgov.case_source IS
    'Where a case came from: 12345 hotline, grid-worker patrol, video AI alert, public app (随手拍), department inspection, leader''s instruction, city-level dispatch, proactive (未诉先办)';
CREATE TYPE gridgov.urgency AS ENUM ('normal', 'urgent', 'emergency');
COMMENT ON TYPE gridgov.urgency IS 'Urgency of a case; selects the time limits';
CREATE TYPE gridgov.satisfaction AS ENUM ('satisfied', 'basically_satisfied', 'unsatisfied');
COMMENT ON TYPE gridgov.satisfaction IS 'The citizen''s answer at callback (满意, 基本满意, 不满意)';

CREATE TABLE gridgov.cases (
    county          gridgov.gridcode NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    case_no         text NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text CHECK (pg_catalog.length(external_id) BETWEEN 1 AND 100),
    category        text COLLATE pg_catalog."C" NOT NULL REFERENCES gridgov.categories (code),
    urgency         gridgov.urgency NOT NULL,
    title           text NOT NULL CHECK (pg_catalog.length(title) BETWEEN 1 AND 500),
    description     text CHECK (pg_catalog.length(description) <= 20000),
    location        geometry(Point, 4326),
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text CHECK (pg_catalog.length(address) <= 500),
    reporter_name   text CHECK (pg_catalog.length(reporter_name) <= 100),
    reporter_phone  text CHECK (pg_catalog.length(reporter_phone) <= 40),
    objcode         text,
    grid            gridgov.gridcode,
    department_id   bigint REFERENCES gridgov.departments (id),
    workflow        text NOT NULL REFERENCES gridgov.workflows (name),
    state           text NOT NULL,
    reported_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    closed_at       timestamptz,
    dispatches      integer NOT NULL DEFAULT 0,
    returns         integer NOT NULL DEFAULT 0,
    reworks         integer NOT NULL DEFAULT 0,
    reopens         integer NOT NULL DEFAULT 0,
    extensions      integer NOT NULL DEFAULT 0,
    suspensions     integer NOT NULL DEFAULT 0,
    supervised      boolean NOT NULL DEFAULT false,
    escalation_level integer NOT NULL DEFAULT 0,
    solved          boolean,
    satisfaction    gridgov.satisfaction,
    master_case_id  bigint,
    possible_duplicate_of bigint,
    events          integer NOT NULL DEFAULT 0,
    history_hash    bytea,
    PRIMARY KEY (county, id),
    UNIQUE (county, source, external_id),
    UNIQUE (county, case_no),
    FOREIGN KEY (workflow, state) REFERENCES gridgov.workflow_states (workflow, state),
    FOREIGN KEY (county, master_case_id) REFERENCES gridgov.cases (county, id),
    FOREIGN KEY (county, possible_duplicate_of) REFERENCES gridgov.cases (county, id),
    CHECK (master_case_id IS DISTINCT FROM id)
);
CREATE INDEX cases_grid ON gridgov.cases (county, grid);
CREATE INDEX cases_department_open ON gridgov.cases (department_id) WHERE closed_at IS NULL;
CREATE INDEX cases_reported ON gridgov.cases (county, reported_at);
CREATE INDEX cases_master ON gridgov.cases (county, master_case_id) WHERE master_case_id IS NOT NULL;
CREATE INDEX cases_open_location ON gridgov.cases USING gist (location) WHERE closed_at IS NULL;
CREATE INDEX cases_id ON gridgov.cases (id);

COMMENT ON TABLE gridgov.cases IS
    'Cases (案件/诉求). Plain INSERT or COPY is the intake API: a C trigger converts coordinates to WGS-84, locates the grid, routes, numbers the case, sets the workflow''s initial state and flags a likely duplicate. State changes go through gridgov.act() (or a raw UPDATE of state, checked by the same trigger); every change is appended to gridgov.case_events. (county, source, external_id) is unique, so a re-sent dispatch is a no-op with ON CONFLICT DO NOTHING.';
COMMENT ON COLUMN gridgov.cases.county IS 'District (6-digit code) the case belongs to: from its grid, else the home county; part of every key, never changes (distribution column when scaled out)';
COMMENT ON COLUMN gridgov.cases.case_no IS 'Readable number: county-yyyymmdd-id (local date of reporting in gridgov.time_zone); set at intake unless given';
COMMENT ON COLUMN gridgov.cases.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.cases.external_id IS 'The sender''s own id (e.g. the city platform''s ticket number); unique per county and source';
COMMENT ON COLUMN gridgov.cases.category IS 'Category code (gridgov.categories); decides the workflow and default urgency';
COMMENT ON COLUMN gridgov.cases.urgency IS 'normal, urgent or emergency; the category''s default when not given';
COMMENT ON COLUMN gridgov.cases.title IS 'Short summary';
COMMENT ON COLUMN gridgov.cases.description IS 'Full text of the complaint or report';
COMMENT ON COLUMN gridgov.cases.location IS 'Where, in WGS-84 (converted at intake from coord_system)';
COMMENT ON COLUMN gridgov.cases.coord_system IS 'Coordinate system the location was given in (wgs84, gcj02, bd09, cgcs2000); the stored location is WGS-84';
COMMENT ON COLUMN gridgov.cases.address IS 'Address as given (personal data: hidden from analysts)';
COMMENT ON COLUMN gridgov.cases.reporter_name IS 'Reporter''s name (personal data)';
COMMENT ON COLUMN gridgov.cases.reporter_phone IS 'Reporter''s phone (personal data)';
COMMENT ON COLUMN gridgov.cases.objcode IS '16-digit component identifier for component (部件) cases; routes to the component''s owner';
COMMENT ON COLUMN gridgov.cases.grid IS 'Grid the case lies in (gridgov.locate at reported_at), or as given; NULL when outside every grid';
COMMENT ON COLUMN gridgov.cases.department_id IS 'Responsible department: gridgov.route() at intake unless given; changed by dispatch';
COMMENT ON COLUMN gridgov.cases.workflow IS 'Workflow of the category';
COMMENT ON COLUMN gridgov.cases.state IS 'Current state in the workflow';
COMMENT ON COLUMN gridgov.cases.reported_at IS 'When the case was reported (defaults to the insert time)';
COMMENT ON COLUMN gridgov.cases.updated_at IS 'Time of the last recorded change';
COMMENT ON COLUMN gridgov.cases.closed_at IS 'When the case was closed (set on entering a closing state, or when its master closes)';
COMMENT ON COLUMN gridgov.cases.dispatches IS 'Number of dispatches (first one and re-dispatches)';
COMMENT ON COLUMN gridgov.cases.returns IS 'Number of times the assignee returned it (退单)';
COMMENT ON COLUMN gridgov.cases.reworks IS 'Number of failed verifications or unsatisfied re-handlings (返工)';
COMMENT ON COLUMN gridgov.cases.reopens IS 'Number of times a closed case was reopened';
COMMENT ON COLUMN gridgov.cases.extensions IS 'Number of approved deadline extensions (延期)';
COMMENT ON COLUMN gridgov.cases.suspensions IS 'Number of times the case was suspended (挂账)';
COMMENT ON COLUMN gridgov.cases.supervised IS 'Supervision flag (督办), raised when a clock of the case is escalated';
COMMENT ON COLUMN gridgov.cases.escalation_level IS 'Highest escalation rung any clock of the case reached (0: none; 3: discipline inspection)';
COMMENT ON COLUMN gridgov.cases.solved IS 'Callback answer: was the problem solved?';
COMMENT ON COLUMN gridgov.cases.satisfaction IS 'Callback answer: satisfied, basically satisfied or unsatisfied';
COMMENT ON COLUMN gridgov.cases.master_case_id IS 'For a merged duplicate: the case it was merged into';
COMMENT ON COLUMN gridgov.cases.possible_duplicate_of IS 'Set at intake when an open case of the same category lies within gridgov.duplicate_radius_m and gridgov.duplicate_window';
COMMENT ON COLUMN gridgov.cases.events IS 'Number of events in the case''s history';
COMMENT ON COLUMN gridgov.cases.history_hash IS 'Hash of the history''s latest event once the case has changed after intake (NULL: only the intake event); verify_history compares it';

SELECT pg_catalog.pg_extension_config_dump('gridgov.cases', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.cases_id_seq', '');

CREATE TABLE gridgov.case_events (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL CHECK (seq >= 1),
    at              timestamptz NOT NULL,
    actor_role      name NOT NULL,
    actor_staff_id  bigint,
    action          text NOT NULL,
    from_state      text,
    to_state        text,
    note            text,
    payload         jsonb,
    prev_hash       bytea NOT NULL,
    hash            bytea NOT NULL,
    PRIMARY KEY (county, case_id, seq),
    FOREIGN KEY (county, case_id) REFERENCES gridgov.cases (county, id)
);
COMMENT ON TABLE gridgov.case_events IS
    'Case history (全程留痕): one row per change, append-only (UPDATE, DELETE and TRUNCATE are refused), hash-chained per case: hash = sha256(prev_hash || canonical bytes of the row), see gridgov.event_hash() and gridgov.verify_history()';
COMMENT ON COLUMN gridgov.case_events.county IS 'County of the case (part of the key, co-located with the case)';
COMMENT ON COLUMN gridgov.case_events.case_id IS 'The case';
COMMENT ON COLUMN gridgov.case_events.seq IS 'Position in the case''s history, 1 = intake';
COMMENT ON COLUMN gridgov.case_events.at IS 'When it happened';
COMMENT ON COLUMN gridgov.case_events.actor_role IS 'Database role that made the change';
COMMENT ON COLUMN gridgov.case_events.actor_staff_id IS 'Staff member mapped to that role (gridgov.staff.db_role), if any';
COMMENT ON COLUMN gridgov.case_events.action IS 'intake, a workflow action (dispatch, sign, ...), edit, rehome or master_closed';
COMMENT ON COLUMN gridgov.case_events.from_state IS 'State before';
COMMENT ON COLUMN gridgov.case_events.to_state IS 'State after';
COMMENT ON COLUMN gridgov.case_events.note IS 'Free-text note given with the action';
COMMENT ON COLUMN gridgov.case_events.payload IS 'Structured details of the action (department, callback answers, changed fields...)';
COMMENT ON COLUMN gridgov.case_events.prev_hash IS 'Hash of the previous event (32 zero bytes for the first)';
COMMENT ON COLUMN gridgov.case_events.hash IS 'sha256(prev_hash || canonical bytes of this event)';

SELECT pg_catalog.pg_extension_config_dump('gridgov.case_events', '');

-- ---------------------------------------------------------------------------
-- cases: the intake API (plain INSERT or COPY) and the case history.
-- ---------------------------------------------------------------------------

CREATE TYPE gridgov.case_source AS ENUM
    ('hotline', 'patrol', 'video', 'app', 'department', 'leader', 'city', 'proactive', 'sensor');
COMMENT ON TYPE gridgov.case_source IS
    'Where a case came from: 12345 hotline, grid-worker patrol, video AI alert, public app (随手拍), department inspection, leader''s instruction, city-level dispatch, proactive (未诉先办), sensor (a device''s rule, gridgov.sensor_rules)';
CREATE TYPE gridgov.urgency AS ENUM ('normal', 'urgent', 'emergency');
COMMENT ON TYPE gridgov.urgency IS 'Urgency of a case; selects the time limits';
CREATE TYPE gridgov.satisfaction AS ENUM ('satisfied', 'basically_satisfied', 'unsatisfied');
COMMENT ON TYPE gridgov.satisfaction IS 'The citizen''s answer at callback (满意, 基本满意, 不满意)';

-- The cells of the likely-duplicate search (src/cases/duplicate.c).
CREATE FUNCTION gridgov.duplicate_cell(x double precision, y double precision) RETURNS integer
    AS 'MODULE_PATHNAME', 'gridgov_duplicate_cell' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.duplicate_cell(double precision, double precision) IS
    'The 0.01-degree square holding WGS-84 longitude x, latitude y, as an integer (column * 20000 + row; coordinates beyond the range share the edge cells; NULL for NaN): the third column of the index cases_open_duplicate_key';
CREATE FUNCTION gridgov.duplicate_cells(x double precision, y double precision, radius_m double precision)
    RETURNS integer[]
    AS 'MODULE_PATHNAME', 'gridgov_duplicate_cells' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.duplicate_cells(double precision, double precision, double precision) IS
    'The cells (gridgov.duplicate_cell) that a circle of radius_m metres around longitude x, latitude y may touch; 22023 for coordinates that are not WGS-84 or a radius outside 0-100000';

-- Length limits of a case's texts, one C check (src/case_texts.c).
CREATE FUNCTION gridgov.case_texts_ok(external_id text, title text, description text, address text,
                                      reporter_name text, reporter_phone text)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_texts_ok' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_texts_ok(text, text, text, text, text, text) IS
    'Check constraint cases_texts: true, or 23514 naming the column, when a value is out of its limits in characters (external_id 1-100, title 1-500, description 0-20000, address 0-500, reporter_name 0-100, reporter_phone 0-40; NULL passes)';
CREATE FUNCTION gridgov.case_texts_problem(external_id text, title text, description text, address text,
                                           reporter_name text, reporter_phone text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_case_texts_problem' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_texts_problem(text, text, text, text, text, text) IS
    'The limits of check constraint cases_texts (gridgov.case_texts_ok) without raising: NULL when every value is within its limits, else which is not and its length, e.g. "title must have 1 to 500 characters, not 612" (the history import''s check)';

-- Masks of citizens' contact data (src/cases/mask.c, contact.c; docs/security.md) ---

CREATE FUNCTION gridgov.mask_phone(phone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_phone' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_phone(text) IS
    'A phone number masked: of its n digits (ASCII, full-width, Chinese numerals, circled, mathematical or Arabic-Indic) the first 3 and the last 4 are kept when n >= 11, the last 4 when 7 <= n < 11; separators are kept; below 7 digits every other character is starred too. 13800138000 -> 138****8000';
CREATE FUNCTION gridgov.mask_name(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_name(text) IS
    'A person''s name masked: the first character kept, every other character but spaces starred (a name of one character, spaces aside, is starred). 张三丰 -> 张**';
CREATE FUNCTION gridgov.mask_address(address text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_address(text) IS
    'An address masked: every digit starred, and Chinese numerals before 号, 栋, 幢, 楼, 单(元), 层, 室, 门 or 户, so the street or estate stays (三羊里) and the building, unit and door numbers go. 兴华大街3号院2号楼 -> 兴华大街*号院*号楼';
CREATE FUNCTION gridgov.mask_numbers(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_numbers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_numbers(text) IS
    'Free text with each run of 7 or more digits (as gridgov.mask_phone counts them; up to three separators in a row between them: spaces, dashes, dots, slashes, brackets, tildes, full-width ones; an ID number''s final X) masked as gridgov.mask_phone masks a phone, and the local part of each e-mail address but its first character: phone, ID and bank card numbers and e-mail addresses inside a description. 身份证110101199003071234 -> 身份证110***********1234';
CREATE FUNCTION gridgov.contact_columns() RETURNS text[]
    AS 'MODULE_PATHNAME', 'gridgov_contact_columns' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.contact_columns() IS
    'The columns of gridgov.cases that hold citizens'' contact data (reporter_name, reporter_phone, address, description): the group roles may not read them (gridgov.setup_roles grants every other column), gridgov.my_cases and act() mask them, gridgov.reveal_contact reads them';

CREATE TABLE gridgov.cases (
    county          gridgov.gridcode NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    case_no         text NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text,
    category        text COLLATE pg_catalog."C" NOT NULL,
    urgency         gridgov.urgency NOT NULL,
    title           text NOT NULL,
    description     text,
    location        geometry(Point, 4326),
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text,
    reporter_name   text,
    reporter_phone  text,
    objcode         text,
    grid            gridgov.gridcode,
    department_id   bigint,
    workflow        text NOT NULL,
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
    occurred_at     timestamptz,
    category_by     text CHECK (category_by IN ('caller', 'model', 'fallback')),
    located_by      text CHECK (located_by IN ('point', 'grid', 'address')),
    assisted        jsonb,
    PRIMARY KEY (county, id),
    UNIQUE (county, source, external_id),
    UNIQUE (county, case_no),
    FOREIGN KEY (county, master_case_id) REFERENCES gridgov.cases (county, id),
    FOREIGN KEY (county, possible_duplicate_of) REFERENCES gridgov.cases (county, id),
    CHECK (master_case_id IS DISTINCT FROM id),
    CONSTRAINT cases_texts CHECK (gridgov.case_texts_ok(external_id, title, description, address,
                                                        reporter_name, reporter_phone))
);
CREATE INDEX cases_grid ON gridgov.cases (county, grid);
CREATE INDEX cases_department_open ON gridgov.cases (department_id) WHERE closed_at IS NULL;
CREATE INDEX cases_reported ON gridgov.cases (county, reported_at);
CREATE INDEX cases_master ON gridgov.cases (county, master_case_id) WHERE master_case_id IS NOT NULL;
-- Likely duplicates: the open cases of a county and category by place (a
-- 0.01-degree cell) and time, with their coordinates in the entries.  The
-- search finds it by its shape, not by this name (src/cases/duplicate_index.c).
CREATE INDEX cases_open_duplicate_key ON gridgov.cases
    (county, category, gridgov.duplicate_cell(ST_X(location), ST_Y(location)), reported_at,
     ST_X(location), ST_Y(location))
    WHERE closed_at IS NULL;
CREATE INDEX cases_id ON gridgov.cases (id);

COMMENT ON TABLE gridgov.cases IS
    'Cases (案件/诉求). Plain INSERT or COPY is the intake API: a C trigger converts coordinates to WGS-84, locates the grid, routes, numbers the case, sets the workflow''s initial state and flags a likely duplicate. State changes go through gridgov.act() (or a raw UPDATE of state, checked by the same trigger); every change is appended to gridgov.case_events. (county, source, external_id) is unique, so a re-sent dispatch is a no-op with ON CONFLICT DO NOTHING.';
COMMENT ON COLUMN gridgov.cases.county IS 'District (6-digit code) the case belongs to: from its grid, else the home county; part of every key, never changes (distribution column when scaled out)';
COMMENT ON COLUMN gridgov.cases.case_no IS 'Readable number: county-yyyymmdd-id (local date of reporting in gridgov.time_zone); set at intake unless given';
COMMENT ON COLUMN gridgov.cases.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.cases.external_id IS 'The sender''s own id (e.g. the city platform''s ticket number); unique per county and source';
COMMENT ON COLUMN gridgov.cases.category IS 'Category code (gridgov.categories, checked by the triggers rather than a foreign key: docs/cases.md, Integrity); decides the workflow and default urgency';
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
COMMENT ON COLUMN gridgov.cases.department_id IS 'Responsible department (gridgov.departments, checked by the triggers): gridgov.route() at intake unless given; changed by dispatch';
COMMENT ON COLUMN gridgov.cases.workflow IS 'Workflow of the category (gridgov.workflows)';
COMMENT ON COLUMN gridgov.cases.state IS 'Current state in the workflow (gridgov.workflow_states)';
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
COMMENT ON COLUMN gridgov.cases.occurred_at IS 'When the problem occurred or was found (发现时间: a patrol''s or a camera''s find), given at intake; NULL when unknown. Not later than reported_at (22023); the discovery stage of the timeliness (discover_on_time) runs from it to reported_at';
COMMENT ON COLUMN gridgov.cases.category_by IS 'How the case got its category at intake: caller (given in the INSERT), model (suggested by the text model gridgov.intake_text_model with a probability of at least gridgov.intake_suggest_threshold), fallback (the source''s category in settings unclassified_category: the command center sets the right one); NULL for cases filed before 1.5.0 or imported. Set by intake, never changed after (GG105)';
COMMENT ON COLUMN gridgov.cases.located_by IS 'How the case got its grid at intake: point (located from location), grid (given in the INSERT), address (a place named in the address or text, gridgov.suggest_area); NULL when it has none (or for cases filed before 1.5.0 or imported). Set by intake, never changed after (GG105)';
COMMENT ON COLUMN gridgov.cases.assisted IS 'What assisted intake inferred, with its evidence: {"suggestion": {"model", "category", "probability", "words", "applied"}} when a text model was asked for the category, {"place": {"grid", "kind", "applied", "name", "matched"}} or {"place": {"ambiguous": [grids]}} when a place was sought in the words (name and matched only when the masked text shows them); NULL when neither (the intake event says category_by and located_by). Set by intake, never changed after (GG105)';

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
    txid            bigint NOT NULL DEFAULT (pg_catalog.pg_current_xact_id()::text)::bigint,
    PRIMARY KEY (county, case_id, seq)
);
-- The analytics read the history as an outbox, by transaction (081): the
-- events of a transaction lie together at the table's end, where a BRIN
-- range is all a scan needs.
CREATE INDEX case_events_txid ON gridgov.case_events USING brin (txid) WITH (autosummarize = on);
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
COMMENT ON COLUMN gridgov.case_events.txid IS 'Id of the (top-level) transaction that appended the event: the analytics take in the events of every transaction below the oldest one still running (docs/bi.md); not part of the hashed content';

SELECT pg_catalog.pg_extension_config_dump('gridgov.case_events', '');

-- Integrity of the references of cases --------------------------------------------
--
-- cases.category, workflow, (workflow, state) and department_id, and the case
-- of every history row, are references without foreign keys: a foreign key
-- checks each new row with a query of its own, which cost intake more than
-- everything else it does together (docs/benchmarks.md).  The references
-- are kept instead by
--   - the case triggers, which accept only a category, department and state
--     that exist (from the per-backend reference cache, read with a fresh
--     snapshot), and gridgov's own code, the only writer of case_events and
--     case_clocks, for cases that exist (cases are never deleted or truncated);
--   - the guards below (and on sla_policies and calendars for case_clocks,
--     070), which refuse to delete, re-key or truncate a row that a case
--     refers to, with the foreign key's SQLSTATE 23503.  A guard first takes
--     a SHARE lock on the referring table: it waits for transactions writing
--     to it to end and keeps new ones out until it ends, so its check sees
--     every row that could refer to the keys it removes.

-- What each guarded table's key is and who refers to it: fixed here, never
-- taken from trigger arguments or a caller.  Keys of several columns compare
-- as one JSON array.
CREATE FUNCTION gridgov.reference_keys()
    RETURNS TABLE (guarded text, referrer text, own_columns text[], their_columns text[], noun text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 6
BEGIN ATOMIC
    VALUES ('categories', 'cases', ARRAY['code'], ARRAY['category'], 'category'),
           ('workflows', 'cases', ARRAY['name'], ARRAY['workflow'], 'workflow'),
           ('workflow_states', 'cases', ARRAY['workflow', 'state'], ARRAY['workflow', 'state'], 'workflow and state'),
           ('departments', 'cases', ARRAY['id'], ARRAY['department_id'], 'department'),
           ('sla_policies', 'case_clocks', ARRAY['id'], ARRAY['policy_id'], 'policy'),
           ('calendars', 'case_clocks', ARRAY['id'], ARRAY['calendar_id'], 'calendar');
END;
COMMENT ON FUNCTION gridgov.reference_keys() IS
    'The references kept without foreign keys (docs/cases.md, Integrity): each guarded table of schema gridgov, the table referring to it, the key columns on both sides and what the key is called; read by gridgov.reference_guard()';

-- The key of alias as one text value, for columns (quoted with %I).
CREATE FUNCTION gridgov.reference_key_sql(alias text, columns text[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN pg_catalog.cardinality(columns) = 1
                THEN pg_catalog.format('%I.%I::text', alias, columns[1])
                ELSE pg_catalog.format('pg_catalog.jsonb_build_array(%s)::text',
                                       (SELECT pg_catalog.string_agg(pg_catalog.format('%I.%I', alias, c), ', ' ORDER BY o)
                                        FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, o)))
           END;
COMMENT ON FUNCTION gridgov.reference_key_sql(text, text[]) IS
    'Internal: the SQL expression of a key of columns of the row alias as text (one column cast to text, several as a JSON array), identifiers quoted';

CREATE FUNCTION gridgov.reference_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    spec record;
    own_key text;
    their_key text;
    removed text[];
    hit text;
    tbl text;  -- the table (under Citus, TG_TABLE_NAME is a shard's name)
BEGIN
    tbl := gridgov.trigger_check('reference_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- trigger_check has made sure TG_RELID is a guarded table of schema gridgov
    -- or, under Citus, a shard of one.  The copies of a reference table on the
    -- workers leave the check to the coordinator's copy, which sees all cases.
    IF gridgov.citus_node_group() > 0 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO STRICT spec FROM gridgov.reference_keys() k WHERE k.guarded = tbl;
    own_key := gridgov.reference_key_sql('r', spec.own_columns);
    their_key := gridgov.reference_key_sql('c', spec.their_columns);
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE pg_catalog.format('LOCK TABLE gridgov.%I IN SHARE MODE', spec.referrer);
        EXECUTE pg_catalog.format('SELECT %1$s FROM gridgov.%2$I c WHERE %1$s IS NOT NULL LIMIT 1',
                                  their_key, spec.referrer)
            INTO hit;
        IF hit IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = '23503',
                MESSAGE = pg_catalog.format('cannot truncate gridgov.%s: table %s refers to it', tbl, spec.referrer),
                HINT = 'Deactivate rows instead.';
        END IF;
        RETURN NULL;
    END IF;
    -- The keys the statement removes (an UPDATE that keeps every key removes none).
    IF TG_OP = 'DELETE' THEN
        EXECUTE pg_catalog.format('SELECT ARRAY(SELECT %s FROM old_rows r)', own_key) INTO removed;
    ELSE
        EXECUTE pg_catalog.format('SELECT ARRAY(SELECT %1$s FROM old_rows r EXCEPT SELECT %1$s FROM new_rows r)',
                                  own_key) INTO removed;
    END IF;
    IF pg_catalog.cardinality(removed) = 0 THEN
        RETURN NULL;
    END IF;
    EXECUTE pg_catalog.format('LOCK TABLE gridgov.%I IN SHARE MODE', spec.referrer);
    EXECUTE pg_catalog.format('SELECT %1$s FROM gridgov.%2$I c WHERE %1$s OPERATOR(pg_catalog.=) ANY ($1) LIMIT 1',
                              their_key, spec.referrer)
        INTO hit USING removed;
    IF hit IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('%s %s is still referenced from table %s', spec.noun, hit, spec.referrer),
            DETAIL = pg_catalog.format('%s on gridgov.%s would remove or re-key a row that %s refers to.',
                                       TG_OP, tbl, spec.referrer),
            HINT = 'Records keep their references: deactivate the row or add a new one instead.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION gridgov.reference_guard() IS
    'AFTER DELETE / UPDATE and BEFORE TRUNCATE statement trigger on a table that cases or case_clocks refer to without a foreign key (gridgov.reference_keys()): refuses (23503) to remove, re-key or truncate a row still referred to, after a SHARE lock on the referring table (see docs/cases.md, Integrity)';

-- Creates the three guard triggers of a referenced table, named after the
-- table and its referrer (names order triggers: these come before a table's
-- other guards, e.g. calendars_guard_truncate).
CREATE FUNCTION gridgov.guard_references(tab text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    prefix text := (SELECT k.guarded || '_' || k.referrer FROM gridgov.reference_keys() k WHERE k.guarded = tab);
BEGIN
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I AFTER DELETE ON gridgov.%I REFERENCING OLD TABLE AS old_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.reference_guard()', prefix || '_refs_delete', tab);
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I AFTER UPDATE ON gridgov.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.reference_guard()', prefix || '_refs_update', tab);
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %I BEFORE TRUNCATE ON gridgov.%I '
        'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.reference_guard()', prefix || '_refs_truncate', tab);
END
$$;
COMMENT ON FUNCTION gridgov.guard_references(text) IS
    'Internal (install script): creates the gridgov.reference_guard() triggers of a table listed in gridgov.reference_keys()';
REVOKE EXECUTE ON FUNCTION gridgov.guard_references(text) FROM PUBLIC;

SELECT gridgov.guard_references(t) FROM pg_catalog.unnest(ARRAY['categories', 'workflows', 'workflow_states', 'departments']) t;

-- ---------------------------------------------------------------------------
-- History import: a district's past cases, staged with COPY and brought in
-- whole by one call (docs/history-import.md).  The timelines are walked in C
-- (src/cases/history_import.c): the workflow's transitions, the engine's hash
-- chain, the live clock policies and working-time arithmetic.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.import_cases (
    county          gridgov.gridcode NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text NOT NULL,
    category        text COLLATE pg_catalog."C",
    urgency         gridgov.urgency,
    title           text,
    description     text,
    location        geometry,
    coord_system    text NOT NULL DEFAULT 'wgs84',
    address         text,
    reporter_name   text,
    reporter_phone  text,
    objcode         text,
    department      text COLLATE pg_catalog."C",
    reported_at     timestamptz
);
COMMENT ON TABLE gridgov.import_cases IS
    'Staging of the history import: one row per past case (fill with COPY), its timeline in gridgov.import_steps; gridgov.import_history() imports the rows it accepts and writes the others to gridgov.import_rejects (docs/history-import.md)';
COMMENT ON COLUMN gridgov.import_cases.county IS 'District of the case (6-digit code); with source and external_id the key of the import (cases with the key already present are skipped)';
COMMENT ON COLUMN gridgov.import_cases.source IS 'Channel the case came from';
COMMENT ON COLUMN gridgov.import_cases.external_id IS 'The id the case had in the system it comes from';
COMMENT ON COLUMN gridgov.import_cases.category IS 'Category code (gridgov.categories); decides the workflow the timeline is checked against';
COMMENT ON COLUMN gridgov.import_cases.urgency IS 'Urgency; the category''s default when NULL';
COMMENT ON COLUMN gridgov.import_cases.title IS 'Short summary (required)';
COMMENT ON COLUMN gridgov.import_cases.description IS 'Full text';
COMMENT ON COLUMN gridgov.import_cases.location IS 'Where (a point, required), in coord_system';
COMMENT ON COLUMN gridgov.import_cases.coord_system IS 'Coordinate system of location (gridgov.coord_systems())';
COMMENT ON COLUMN gridgov.import_cases.address IS 'Address as given (personal data)';
COMMENT ON COLUMN gridgov.import_cases.reporter_name IS 'Reporter''s name (personal data)';
COMMENT ON COLUMN gridgov.import_cases.reporter_phone IS 'Reporter''s phone (personal data)';
COMMENT ON COLUMN gridgov.import_cases.objcode IS '16-digit component identifier for component cases';
COMMENT ON COLUMN gridgov.import_cases.department IS 'Code of the department responsible at intake (gridgov.departments.code), if any; a dispatch step changes it';
COMMENT ON COLUMN gridgov.import_cases.reported_at IS 'When the case was reported (required; not in the future)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.import_cases', '');

CREATE TABLE gridgov.import_steps (
    county          gridgov.gridcode NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text NOT NULL,
    seq             integer NOT NULL,
    at              timestamptz,
    action          text,
    department      text COLLATE pg_catalog."C",
    note            text,
    solved          boolean,
    satisfaction    gridgov.satisfaction,
    payload         jsonb
);
COMMENT ON TABLE gridgov.import_steps IS
    'Staging of the history import: the timeline of each staged case after its intake, one row per workflow action, in seq order (docs/history-import.md)';
COMMENT ON COLUMN gridgov.import_steps.county IS 'Key of the case (gridgov.import_cases)';
COMMENT ON COLUMN gridgov.import_steps.source IS 'Key of the case (gridgov.import_cases)';
COMMENT ON COLUMN gridgov.import_steps.external_id IS 'Key of the case (gridgov.import_cases)';
COMMENT ON COLUMN gridgov.import_steps.seq IS 'Position of the step in the timeline (1 = the first action after intake; unique per case)';
COMMENT ON COLUMN gridgov.import_steps.at IS 'When the step was taken (required; not before the previous step or reported_at, not in the future)';
COMMENT ON COLUMN gridgov.import_steps.action IS 'Workflow action (gridgov.transitions of the category''s workflow); merge, whistle and report_in are not imported';
COMMENT ON COLUMN gridgov.import_steps.department IS 'Code of the department concerned: for dispatch the department the case was dispatched to (it becomes responsible), otherwise the department that took the step (recorded in the event)';
COMMENT ON COLUMN gridgov.import_steps.note IS 'Free-text note of the step';
COMMENT ON COLUMN gridgov.import_steps.solved IS 'Callback answer: was the problem solved? (callback and follow_up need it)';
COMMENT ON COLUMN gridgov.import_steps.satisfaction IS 'Callback answer (callback and follow_up need it)';
COMMENT ON COLUMN gridgov.import_steps.payload IS 'Further details as a JSON object, as gridgov.act() takes them: extend needs {"stage": ..., "amount": ...[, "unit": ...]}';
SELECT pg_catalog.pg_extension_config_dump('gridgov.import_steps', '');

CREATE TABLE gridgov.import_rejects (
    county          gridgov.gridcode NOT NULL,
    source          gridgov.case_source NOT NULL,
    external_id     text NOT NULL,
    reason          text NOT NULL,
    staged          jsonb NOT NULL,
    rejected_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (county, source, external_id)
);
COMMENT ON TABLE gridgov.import_rejects IS
    'Staged cases gridgov.import_history() refused, one row per key with the reason and the staged rows; a later import of the key (once corrected) removes its row';
COMMENT ON COLUMN gridgov.import_rejects.county IS 'Key of the staged case';
COMMENT ON COLUMN gridgov.import_rejects.source IS 'Key of the staged case';
COMMENT ON COLUMN gridgov.import_rejects.external_id IS 'Key of the staged case';
COMMENT ON COLUMN gridgov.import_rejects.reason IS 'Why it was refused (the first failed check)';
COMMENT ON COLUMN gridgov.import_rejects.staged IS 'The staged rows: {"case": the import_cases row or null, "steps": the import_steps rows}';
COMMENT ON COLUMN gridgov.import_rejects.rejected_at IS 'When the import refused it';
SELECT pg_catalog.pg_extension_config_dump('gridgov.import_rejects', '');

CREATE FUNCTION gridgov.history_import_apply() RETURNS bigint
    AS 'MODULE_PATHNAME', 'gridgov_history_import_apply' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gridgov.history_import_apply() IS
    'Internal (gridgov.import_history()): walks the timelines of pg_temp.gg_import_ready, appends the events and clocks of the cases that pass, records every outcome in pg_temp.gg_import_done and inserts the complete cases; returns how many it imported';

-- The checks of a staged case that SQL makes, set-based, in order: the first
-- that fails is the reason.  (The timeline's walk through the workflow comes
-- after, in C.)
CREATE FUNCTION gridgov.import_history(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (staged bigint, imported bigint, skipped bigint, rejected bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    n_staged bigint;
    n_skipped bigint;
    n_rejected bigint;
    n_imported bigint;
BEGIN
    -- One import at a time; staging does not change under it.
    LOCK TABLE gridgov.import_cases, gridgov.import_steps IN SHARE ROW EXCLUSIVE MODE;
    -- Loads gridgov's library, whose settings (gridgov.time_zone) the case numbers read.
    PERFORM gridgov.duplicate_cell(0, 0);
    -- The work tables of an earlier import in this transaction.
    IF pg_catalog.to_regclass('pg_temp.gg_import_done') IS NOT NULL THEN
        DROP TABLE pg_temp.gg_import_steps, pg_temp.gg_import_check, pg_temp.gg_import_ready,
                   pg_temp.gg_import_done;
    END IF;

    -- The timelines, with what their checks need.
    CREATE TEMP TABLE gg_import_steps ON COMMIT DROP AS
    SELECT st.county, st.source, st.external_id,
           pg_catalog.count(*) AS nsteps,
           pg_catalog.bool_or(st.at IS NULL OR st.action IS NULL) AS incomplete,
           pg_catalog.bool_or(st.at > as_of) AS future,
           pg_catalog.min(st.department) FILTER (WHERE st.department IS NOT NULL AND d.id IS NULL) AS unknown_department,
           pg_catalog.bool_or(st.payload IS NOT NULL AND pg_catalog.jsonb_typeof(st.payload) <> 'object') AS bad_payload,
           pg_catalog.bool_or(st.action = 'extend' AND NOT COALESCE(
               pg_catalog.jsonb_typeof(st.payload) = 'object'
               AND st.payload ->> 'stage' IN (SELECT e::text FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::gridgov.sla_stage)) e)
               AND pg_catalog.jsonb_typeof(st.payload -> 'amount') = 'number'
               AND (st.payload ->> 'amount')::numeric > 0
               AND COALESCE(st.payload ->> 'unit', 'minutes') IN ('minutes', 'working_hours', 'working_days', 'calendar_days'),
               false)) AS bad_extend,
           -- In any order: the walk puts them in seq order (and checks seq and time order).
           pg_catalog.array_agg(st.seq) AS seqs,
           pg_catalog.array_agg(st.action) AS actions,
           pg_catalog.array_agg(st.at) AS ats,
           pg_catalog.array_agg(st.note) AS notes,
           pg_catalog.array_agg(pg_catalog.jsonb_strip_nulls(
               CASE WHEN pg_catalog.jsonb_typeof(st.payload) = 'object' THEN st.payload ELSE '{}'::jsonb END
               OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                   CASE WHEN st.action = 'dispatch' THEN 'department_id' ELSE 'actor_department_id' END, d.id,
                   'solved', st.solved, 'satisfaction', st.satisfaction))) AS payloads
    FROM gridgov.import_steps st
    LEFT JOIN gridgov.departments d ON d.code = st.department
    GROUP BY st.county, st.source, st.external_id;

    -- Each staged case: skipped (already imported), or its reason, or ready.
    CREATE TEMP TABLE gg_import_check ON COMMIT DROP AS
    SELECT s.*, st.nsteps, st.seqs, st.actions, st.ats, st.notes, st.payloads,
           gridgov.locate(w.point, s.reported_at) AS grid,
           cat.workflow, COALESCE(s.urgency::text, cat.default_urgency) AS final_urgency, dep.id AS department_id,
           EXISTS (SELECT 1 FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) s.county AND c.source = s.source
                     AND c.external_id = s.external_id) AS present,
           w.point,
           CASE
               WHEN twice.county IS NOT NULL THEN 'the key is staged more than once'
               WHEN gridgov.level(s.county) <> 3 THEN 'county is not a 6-digit district code'
               WHEN cat.code IS NULL THEN pg_catalog.format('unknown category %L', s.category)
               WHEN s.title IS NULL THEN 'missing title'
               WHEN s.location IS NULL THEN 'missing location'
               WHEN s.reported_at IS NULL THEN 'missing reported_at'
               WHEN s.reported_at > as_of THEN 'reported_at lies in the future'
               WHEN gridgov.case_texts_problem(s.external_id, s.title, s.description, s.address,
                                               s.reporter_name, s.reporter_phone) IS NOT NULL
                   THEN gridgov.case_texts_problem(s.external_id, s.title, s.description, s.address,
                                                   s.reporter_name, s.reporter_phone)
               WHEN s.department IS NOT NULL AND dep.id IS NULL THEN pg_catalog.format('unknown department %L', s.department)
               WHEN st.incomplete THEN 'a step has no time or no action'
               WHEN st.future THEN 'a step lies in the future'
               WHEN st.unknown_department IS NOT NULL THEN pg_catalog.format('unknown department %L', st.unknown_department)
               WHEN st.bad_payload THEN 'a step''s payload is not a JSON object'
               WHEN st.bad_extend THEN 'extend needs a stage, a positive amount and a known unit'
           END AS reason
    FROM gridgov.import_cases s
    LEFT JOIN (SELECT t.county, t.source, t.external_id FROM gridgov.import_cases t
               GROUP BY t.county, t.source, t.external_id HAVING pg_catalog.count(*) > 1) twice
           USING (county, source, external_id)
    LEFT JOIN pg_temp.gg_import_steps st USING (county, source, external_id)
    LEFT JOIN gridgov.categories cat ON cat.code = s.category
    LEFT JOIN gridgov.departments dep ON dep.code = s.department
    LEFT JOIN LATERAL (
        SELECT CASE WHEN s.location IS NOT NULL AND pg_catalog.lower(s.coord_system) IN
                              (SELECT pg_catalog.lower(a) FROM gridgov.coord_systems() cs,
                                      pg_catalog.unnest(cs.aliases || cs.name) a)
                         -- a point: the type of its EWKB (little- or big-endian) is 1
                         AND (SELECT CASE pg_catalog.get_byte(b.e, 0)
                                     WHEN 1 THEN pg_catalog.get_byte(b.e, 1) = 1 AND pg_catalog.get_byte(b.e, 2) = 0
                                                 AND pg_catalog.get_byte(b.e, 3) = 0
                                     ELSE pg_catalog.get_byte(b.e, 4) = 1 AND pg_catalog.get_byte(b.e, 3) = 0
                                          AND pg_catalog.get_byte(b.e, 2) = 0 END
                              FROM (SELECT s.location::bytea AS e) b)
                    THEN gridgov.to_wgs84(s.location, s.coord_system) END AS point) w ON true;
    UPDATE pg_temp.gg_import_check c SET reason = 'location is not a point in a known coordinate system'
        WHERE c.reason IS NULL AND c.point IS NULL;
    UPDATE pg_temp.gg_import_check c
        SET reason = pg_catalog.format('location lies in district %s', gridgov.ancestor(c.grid, 3))
        WHERE c.reason IS NULL AND c.grid IS NOT NULL AND gridgov.ancestor(c.grid, 3) OPERATOR(gridgov.<>) c.county;

    -- The cases to import, with their ids and numbers.
    CREATE TEMP TABLE gg_import_ready ON COMMIT DROP AS
    -- The case number as intake gives it: county-yyyymmdd-id, the date local to gridgov.time_zone.
    SELECT r.*, r.county::text || '-'
                || pg_catalog.to_char(r.reported_at AT TIME ZONE pg_catalog.current_setting('gridgov.time_zone'), 'YYYYMMDD')
                || '-' || CASE WHEN r.case_id < 10000000 THEN pg_catalog.lpad(r.case_id::text, 7, '0')
                               ELSE r.case_id::text END AS case_no,
           pg_catalog.jsonb_build_object('source', r.source, 'category', r.category, 'urgency', r.urgency,
                                         'grid', r.grid::text, 'department_id', r.department_id,
                                         'possible_duplicate_of', NULL, 'imported', true) AS intake_payload
    FROM (SELECT pg_catalog.nextval('gridgov.cases_id_seq') AS case_id, c.county, c.source::text AS source,
                 c.external_id, c.category, c.workflow, c.final_urgency AS urgency, c.title, c.description,
                 c.point AS location, c.coord_system, c.address, c.reporter_name, c.reporter_phone, c.objcode,
                 c.grid, c.department_id, c.reported_at,
                 COALESCE(c.seqs, '{}') AS seqs, COALESCE(c.actions, '{}') AS actions, COALESCE(c.ats, '{}') AS ats,
                 COALESCE(c.notes, '{}') AS notes, COALESCE(c.payloads, '{}') AS payloads
          FROM pg_temp.gg_import_check c WHERE NOT c.present AND c.reason IS NULL) r;
    CREATE TEMP TABLE gg_import_done (
        case_id bigint PRIMARY KEY, reason text, state text, closed_at timestamptz, updated_at timestamptz,
        events integer, history_hash bytea, dispatches integer, returns integer, reworks integer,
        reopens integer, extensions integer, suspensions integer, department_id bigint, solved boolean,
        satisfaction text) ON COMMIT DROP;

    n_imported := gridgov.history_import_apply();

    -- Every refusal, with its reason and the staged rows.
    WITH refused AS (
        -- by the checks above (a key staged twice: all its rows)
        SELECT c.county, c.source, c.external_id, pg_catalog.min(c.reason) AS reason,
               pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.-)
                                    ARRAY['nsteps', 'seqs', 'actions', 'ats', 'notes', 'payloads', 'grid', 'workflow',
                                          'final_urgency', 'department_id', 'present', 'point', 'reason']) AS staged_case
        FROM pg_temp.gg_import_check c
        WHERE NOT c.present AND c.reason IS NOT NULL
        GROUP BY c.county, c.source, c.external_id
        UNION ALL
        -- by the walk of the timeline
        SELECT i.county, i.source, i.external_id, x.reason, pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(i))
        FROM (SELECT r.county, r.source, r.external_id, d.reason
              FROM pg_temp.gg_import_done d JOIN pg_temp.gg_import_ready r ON r.case_id = d.case_id
              WHERE d.reason IS NOT NULL) x
        JOIN gridgov.import_cases i ON i.county OPERATOR(gridgov.=) x.county AND i.source::text = x.source
                                   AND i.external_id = x.external_id
        UNION ALL
        -- steps of no staged case
        SELECT st.county, st.source, st.external_id, 'steps without a staged case', NULL
        FROM pg_temp.gg_import_steps st
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.import_cases i
                          WHERE i.county OPERATOR(gridgov.=) st.county AND i.source = st.source
                            AND i.external_id = st.external_id)
          AND NOT EXISTS (SELECT 1 FROM gridgov.cases c
                          WHERE c.county OPERATOR(gridgov.=) st.county AND c.source = st.source
                            AND c.external_id = st.external_id)
    ), their_steps AS (
        SELECT st.county, st.source, st.external_id,
               pg_catalog.jsonb_agg(pg_catalog.to_jsonb(st) ORDER BY st.seq) AS steps
        FROM gridgov.import_steps st
        JOIN refused f ON f.county OPERATOR(gridgov.=) st.county AND f.source = st.source
                      AND f.external_id = st.external_id
        GROUP BY st.county, st.source, st.external_id
    )
    INSERT INTO gridgov.import_rejects AS j (county, source, external_id, reason, staged)
    SELECT f.county, f.source, f.external_id, f.reason,
           pg_catalog.jsonb_build_object('case', CASE WHEN pg_catalog.jsonb_array_length(f.staged_case) = 1
                                                      THEN f.staged_case -> 0 ELSE f.staged_case END,
                                         'steps', COALESCE(s.steps, '[]'::jsonb))
    FROM refused f
    LEFT JOIN their_steps s ON s.county OPERATOR(gridgov.=) f.county AND s.source = f.source
                           AND s.external_id = f.external_id
    ON CONFLICT (county, source, external_id) DO UPDATE
        SET reason = excluded.reason, staged = excluded.staged, rejected_at = excluded.rejected_at;
    GET DIAGNOSTICS n_rejected = ROW_COUNT;
    -- A key imported now is no longer refused.
    DELETE FROM gridgov.import_rejects j USING pg_temp.gg_import_done d JOIN pg_temp.gg_import_ready r USING (case_id)
        WHERE d.reason IS NULL AND j.county OPERATOR(gridgov.=) r.county AND j.source::text = r.source
          AND j.external_id = r.external_id;

    -- As at intake: with gridgov.analytics_sync on, the analytics now; else the job reads the history.
    IF gridgov.analytics_sync() THEN
        PERFORM gridgov.analytics_refresh(ARRAY(SELECT d.case_id FROM pg_temp.gg_import_done d WHERE d.reason IS NULL));
    END IF;
    SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE c.present)
        INTO n_staged, n_skipped FROM pg_temp.gg_import_check c;
    RETURN QUERY SELECT n_staged, n_imported, n_skipped, n_rejected;
END
$$;
COMMENT ON FUNCTION gridgov.import_history(timestamptz) IS
    'Administration: imports the past cases staged in gridgov.import_cases and gridgov.import_steps (docs/history-import.md) as of as_of (no time may lie after it): cases with their chained events, clocks with their met/breached outcome, picked up by the analytics like any other history; a key already imported is skipped, every refused case goes to gridgov.import_rejects with its reason. Returns how many cases were staged, imported, skipped and rejected';

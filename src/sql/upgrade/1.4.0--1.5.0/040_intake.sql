-- The columns of assisted intake (src/sql/055_cases.sql), as CREATE TABLE has them.
ALTER TABLE gridgov.cases ADD COLUMN category_by text CHECK (category_by IN ('caller', 'model', 'fallback'));
ALTER TABLE gridgov.cases ADD COLUMN located_by text CHECK (located_by IN ('point', 'grid', 'address'));
ALTER TABLE gridgov.cases ADD COLUMN assisted jsonb;
COMMENT ON COLUMN gridgov.cases.category_by IS 'How the case got its category at intake: caller (given in the INSERT), model (suggested by the text model gridgov.intake_text_model with a probability of at least gridgov.intake_suggest_threshold), fallback (the source''s category in settings unclassified_category: the command center sets the right one); NULL for cases filed before 1.5.0 or imported. Set by intake, never changed after (GG105)';
COMMENT ON COLUMN gridgov.cases.located_by IS 'How the case got its grid at intake: point (located from location), grid (given in the INSERT), address (a place named in the address or text, gridgov.suggest_area); NULL when it has none (or for cases filed before 1.5.0 or imported). Set by intake, never changed after (GG105)';
COMMENT ON COLUMN gridgov.cases.assisted IS 'What assisted intake inferred, with its evidence: {"suggestion": {"model", "category", "probability", "words", "applied"}} when a text model was asked for the category, {"place": {"grid", "kind", "applied", "name", "matched"}} or {"place": {"ambiguous": [grids]}} when a place was sought in the words (name and matched only when the masked text shows them); NULL when neither (the intake event says category_by and located_by). Set by intake, never changed after (GG105)';
-- settings_guard() checks unclassified_category (src/sql/040_organisation.sql).
CREATE OR REPLACE FUNCTION gridgov.settings_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    shipped boolean;
BEGIN
    PERFORM gridgov.trigger_check('settings_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'DELETE' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG128',
                MESSAGE = pg_catalog.format('setting %s ships with gridgov and cannot be deleted', OLD.key),
                DETAIL = 'A dump and restore would bring it back.',
                HINT = pg_catalog.format('Unset it instead: UPDATE gridgov.settings SET value = NULL WHERE key = %L.', OLD.key);
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.key = 'home_county' AND NEW.value IS NOT NULL
       AND NEW.value !~ '^[0-9]{6}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting home_county must be a 6-digit county code, not "%s"', NEW.value),
            DETAIL = 'It names the district this database serves, e.g. 110115 for Daxing.';
    END IF;
    IF NEW.key = 'unclassified_category' AND NEW.value IS NOT NULL
       AND (NEW.value !~ '^ *([a-z]+ *: *)?[CEHD]([0-9]{2}){1,3} *(, *([a-z]+ *: *)?[CEHD]([0-9]{2}){1,3} *)*$'
            OR EXISTS (SELECT 1 FROM pg_catalog.regexp_matches(NEW.value, '([a-z]+) *:', 'g') m
                       WHERE NOT m[1] = ANY (pg_catalog.enum_range(NULL::gridgov.case_source)::text[]))) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('setting unclassified_category must be a list of category codes, not "%s"', NEW.value),
            DETAIL = 'Entries are separated by commas: a category code (for any source) or source:code (for that source), e.g. H99, patrol:E9901.';
    END IF;

    IF TG_OP = 'INSERT' THEN
        -- A row for a shipped, unchanged key replaces it (this is how pg_restore
        -- brings back a changed shipped row after CREATE EXTENSION made it).
        -- In the relation fired on: under Citus each copy of the reference
        -- table (TG_TABLE_NAME, a shard) does so for itself.
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I s '
                                  'WHERE s.key = $1 AND s.builtin AND NOT s.modified)', TG_TABLE_NAME)
            INTO shipped USING NEW.key;
        IF shipped THEN
            EXECUTE pg_catalog.format('UPDATE gridgov.%I s SET value = $2, '
                                      'description = COALESCE($3, s.description) WHERE s.key = $1', TG_TABLE_NAME)
                USING NEW.key, NEW.value, NEW.description;
            RETURN NULL;
        END IF;
        NEW.builtin := false;
        NEW.modified := false;
        RETURN NEW;
    END IF;

    IF OLD.builtin AND NEW.key <> OLD.key THEN
        RAISE EXCEPTION USING ERRCODE = 'GG128',
            MESSAGE = pg_catalog.format('setting %s ships with gridgov and cannot be renamed', OLD.key);
    END IF;
    NEW.builtin := OLD.builtin;
    NEW.modified := OLD.modified
        OR (OLD.builtin AND (NEW.value, NEW.description) IS DISTINCT FROM (OLD.value, OLD.description));
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.settings_guard() IS
    'Trigger: validates known settings (home_county: 6 digits; unclassified_category: a list of category codes, each for a source or for all; 22023), keeps builtin/modified, refuses to delete or rename shipped keys (GG128), and lets an INSERT of a shipped unchanged key replace it (restore)';
-- The shipped setting unclassified_category, as a fresh install has it (shipped: builtin).
ALTER TABLE gridgov.settings DISABLE TRIGGER settings_guard;
INSERT INTO gridgov.settings (key, value, description, builtin) VALUES
    ('unclassified_category', 'H99, patrol:E9901, video:E9901, app:E9901, proactive:E9901',
     'The category of a case that arrives without one and that no text model classifies with enough confidence (gridgov.intake_text_model, docs/assisted-intake.md): it is filed under this category, routed by it, and waits for the command center to set the right one in the same workflow. A list separated by commas: source:code for a source of its own (a patrol''s case in the grid event workflow), a bare code for the others. A source with no category here (or NULL) is refused (23502) instead.',
     true);
ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;
-- my_cases shows the new columns too, with the comments of cases' columns (src/sql/097_access.sql).
CREATE OR REPLACE VIEW gridgov.my_cases WITH (security_barrier = true) AS
SELECT c.county, c.id, c.case_no, c.source, c.external_id, c.category, c.urgency, c.title,
       gridgov.mask_numbers(c.description) AS description, c.location, c.coord_system,
       gridgov.mask_address(c.address) AS address, gridgov.mask_name(c.reporter_name) AS reporter_name,
       gridgov.mask_phone(c.reporter_phone) AS reporter_phone, c.objcode, c.grid, c.department_id,
       c.workflow, c.state, c.reported_at, c.updated_at, c.closed_at, c.dispatches, c.returns,
       c.reworks, c.reopens, c.extensions, c.suspensions, c.supervised, c.escalation_level, c.solved,
       c.satisfaction, c.master_case_id, c.possible_duplicate_of, c.events, c.history_hash, c.occurred_at,
       c.category_by, c.located_by, c.assisted
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

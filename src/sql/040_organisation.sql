-- ---------------------------------------------------------------------------
-- organisation: settings, departments, staff, grid staff.
--
-- Functions here qualify every name (gridgov., pg_catalog., OPERATOR(gridgov.=))
-- instead of SET search_path, so that they behave the same under any caller's
-- search_path and stay cheap enough for the intake trigger's path.
--
-- SQLSTATEs (documented in docs/organisation.md): GG120 jurisdiction does not
-- match the department level, GG122 jurisdiction outside the parent's, GG124 a
-- second active command center, GG125 overlapping grid duty, GG127 parent
-- cycle, GG128 shipped row deleted or renamed; 22023 bad setting value or level
-- name; 42704 unknown database role.
-- ---------------------------------------------------------------------------

-- Settings ------------------------------------------------------------------

CREATE TABLE gridgov.settings (
    key         text COLLATE pg_catalog."C" PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    value       text,
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    modified    boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE gridgov.settings IS
    'Database-wide settings of gridgov (key, value). Shipped keys (builtin) cannot be deleted; set their value with UPDATE. Values of known keys are validated on write.';
COMMENT ON COLUMN gridgov.settings.key IS 'Setting name: lower-case letters, digits and _';
COMMENT ON COLUMN gridgov.settings.value IS 'Setting value as text; NULL means unset';
COMMENT ON COLUMN gridgov.settings.description IS 'What the setting does';
COMMENT ON COLUMN gridgov.settings.builtin IS 'Maintained by gridgov: the row ships with the extension (values written here are ignored)';
COMMENT ON COLUMN gridgov.settings.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

INSERT INTO gridgov.settings (key, value, description, builtin) VALUES
    ('home_county', NULL,
     'The 6-digit county (district) code this database serves, e.g. 110115. Unlocated cases belong to it and go to its district command center. Set it with: UPDATE gridgov.settings SET value = ''110115'' WHERE key = ''home_county''.',
     true),
    ('unclassified_category', 'H99, patrol:E9901, video:E9901, app:E9901, proactive:E9901',
     'The category of a case that arrives without one and that no text model classifies with enough confidence (gridgov.intake_text_model, docs/assisted-intake.md): it is filed under this category, routed by it, and waits for the command center to set the right one in the same workflow. A list separated by commas: source:code for a source of its own (a patrol''s case in the grid event workflow), a bare code for the others. A source with no category here (or NULL) is refused (23502) instead.',
     true);

-- Shipped rows are not dumped until changed; changed and user rows are.
SELECT pg_catalog.pg_extension_config_dump('gridgov.settings', 'WHERE NOT builtin OR modified');

CREATE FUNCTION gridgov.settings_guard() RETURNS trigger
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

CREATE TRIGGER settings_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.settings
    FOR EACH ROW EXECUTE FUNCTION gridgov.settings_guard();
-- Also under session_replication_role = replica: a restore in that mode brings
-- a changed shipped key back through it too (docs/backup.md).
ALTER TABLE gridgov.settings ENABLE ALWAYS TRIGGER settings_guard;

CREATE FUNCTION gridgov.home_county() RETURNS gridgov.gridcode
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT s.value::gridgov.gridcode FROM gridgov.settings s WHERE s.key = 'home_county';
END;
COMMENT ON FUNCTION gridgov.home_county() IS
    'The county (district) this database serves, from gridgov.settings home_county; NULL when unset';

-- Departments ----------------------------------------------------------------

CREATE TABLE gridgov.departments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text COLLATE pg_catalog."C" NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name         text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    level        text NOT NULL CHECK (level IN ('district', 'town', 'community')),
    jurisdiction gridgov.gridcode NOT NULL,
    parent_id    bigint REFERENCES gridgov.departments (id),
    kind         text NOT NULL CHECK (kind IN ('command_center', 'government', 'functional',
                                              'utility', 'discipline', 'community')),
    active       boolean NOT NULL DEFAULT true,
    attrs        jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT departments_level_jurisdiction CHECK (
        gridgov.level(jurisdiction) = CASE level WHEN 'district' THEN 3 WHEN 'town' THEN 4 ELSE 5 END),
    CONSTRAINT departments_community_kind CHECK (kind <> 'community' OR level = 'community'),
    CONSTRAINT departments_attrs_object CHECK (pg_catalog.jsonb_typeof(attrs) = 'object')
);
-- One active command center per jurisdiction (the trigger below says it first,
-- with a clearer message; this index holds under concurrent writers).
CREATE UNIQUE INDEX departments_one_command_center ON gridgov.departments (jurisdiction)
    WHERE kind = 'command_center' AND active;
CREATE INDEX departments_parent ON gridgov.departments (parent_id);
CREATE INDEX departments_jurisdiction ON gridgov.departments (jurisdiction);

COMMENT ON TABLE gridgov.departments IS
    'Departments at district, town or community level: command centers, governments, functional departments, utilities, discipline bodies and community committees. Each answers for a jurisdiction (an area code of its level).';
COMMENT ON COLUMN gridgov.departments.code IS 'Stable short identifier (ASCII letters, digits, _ . -), e.g. dx-cgzf';
COMMENT ON COLUMN gridgov.departments.name IS 'Name, e.g. 亦庄地区网格化服务管理中心';
COMMENT ON COLUMN gridgov.departments.level IS 'district (jurisdiction 6 digits), town (9 digits) or community (12 digits)';
COMMENT ON COLUMN gridgov.departments.jurisdiction IS 'The area the department answers for; its code level matches the department level';
COMMENT ON COLUMN gridgov.departments.parent_id IS 'Parent department; the jurisdiction must lie inside the parent''s';
COMMENT ON COLUMN gridgov.departments.kind IS
    'command_center (指挥中心 / 网格化服务管理中心), government, functional (职能部门), utility (供水/供电/燃气, own components), discipline (纪委监委, 检察院) or community (居委会/村委会)';
COMMENT ON COLUMN gridgov.departments.active IS 'Inactive departments are never routed to and do not count as command centers';
COMMENT ON COLUMN gridgov.departments.attrs IS 'Free attributes (address, duty phone, working calendar...) as a JSON object';

SELECT pg_catalog.pg_extension_config_dump('gridgov.departments', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.departments_id_seq', '');

CREATE FUNCTION gridgov.departments_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    want_level integer;
    p record;
    other record;
BEGIN
    PERFORM gridgov.trigger_check('departments_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    want_level := CASE NEW.level WHEN 'district' THEN 3 WHEN 'town' THEN 4 WHEN 'community' THEN 5 END;
    IF want_level IS NOT NULL AND gridgov.level(NEW.jurisdiction) <> want_level THEN
        RAISE EXCEPTION USING ERRCODE = 'GG120',
            MESSAGE = pg_catalog.format('department %s is %s level but its jurisdiction %s is a %s code',
                                        NEW.code, NEW.level, NEW.jurisdiction,
                                        gridgov.level_name(NEW.jurisdiction)),
            DETAIL = 'A district department answers for a 6-digit county code, a town department for a 9-digit town code, a community department for a 12-digit community code.';
    END IF;

    IF NEW.parent_id IS NOT NULL THEN
        SELECT d.id, d.code, d.jurisdiction INTO p FROM gridgov.departments d WHERE d.id = NEW.parent_id;
        IF FOUND AND NOT (p.jurisdiction OPERATOR(gridgov.@>) NEW.jurisdiction) THEN
            RAISE EXCEPTION USING ERRCODE = 'GG122',
                MESSAGE = pg_catalog.format('department %s (jurisdiction %s) lies outside its parent %s (jurisdiction %s)',
                                            NEW.code, NEW.jurisdiction, p.code, p.jurisdiction),
                DETAIL = 'A department''s jurisdiction must be its parent''s or lie inside it.';
        END IF;
        IF NEW.parent_id = NEW.id OR EXISTS (
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT d.id, d.parent_id FROM gridgov.departments d WHERE d.id = NEW.parent_id
                UNION
                SELECT d.id, d.parent_id FROM gridgov.departments d JOIN up ON d.id = up.parent_id
            )
            SELECT 1 FROM up WHERE up.id = NEW.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'GG127',
                MESSAGE = pg_catalog.format('department %s cannot have %s as parent: that would make a cycle',
                                            NEW.code, COALESCE(p.code, NEW.code)),
                DETAIL = 'The chain of parents of a department must end at a department without parent.';
        END IF;
    END IF;

    IF TG_OP = 'UPDATE' AND NEW.jurisdiction OPERATOR(gridgov.<>) OLD.jurisdiction THEN
        SELECT d.code, d.jurisdiction INTO other FROM gridgov.departments d
        WHERE d.parent_id = NEW.id AND NOT (NEW.jurisdiction OPERATOR(gridgov.@>) d.jurisdiction)
        ORDER BY d.code LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GG122',
                MESSAGE = pg_catalog.format('department %s cannot move to jurisdiction %s: its child %s (jurisdiction %s) would lie outside it',
                                            NEW.code, NEW.jurisdiction, other.code, other.jurisdiction),
                DETAIL = 'A department''s jurisdiction must be its parent''s or lie inside it.';
        END IF;
    END IF;

    IF NEW.kind = 'command_center' AND NEW.active THEN
        SELECT d.code, d.name INTO other FROM gridgov.departments d
        WHERE d.kind = 'command_center' AND d.active AND d.id <> NEW.id
          AND (TG_OP = 'INSERT' OR d.id <> OLD.id)
          AND d.jurisdiction OPERATOR(gridgov.=) NEW.jurisdiction;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GG124',
                MESSAGE = pg_catalog.format('jurisdiction %s already has an active command center: %s (%s)',
                                            NEW.jurisdiction, other.code, other.name),
                DETAIL = 'Cases fall back to the command center of their town or district, so there can be only one per area.',
                HINT = 'Deactivate the other one first, or insert this one with active = false.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.departments_check() IS
    'Trigger: jurisdiction level matches the department level (GG120), lies inside the parent''s and keeps children inside (GG122), no parent cycle (GG127), one active command center per jurisdiction (GG124)';

CREATE TRIGGER departments_check BEFORE INSERT OR UPDATE ON gridgov.departments
    FOR EACH ROW EXECUTE FUNCTION gridgov.departments_check();

CREATE FUNCTION gridgov.command_center(area gridgov.gridcode, level text) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    lvl integer := CASE command_center.level WHEN 'district' THEN 3 WHEN 'town' THEN 4
                                             WHEN 'community' THEN 5 END;
    dept bigint;
BEGIN
    IF lvl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = pg_catalog.format('unknown department level "%s"', command_center.level),
            DETAIL = 'Department levels are district, town and community.';
    END IF;
    SELECT d.id INTO dept FROM gridgov.departments d
    WHERE d.kind = 'command_center' AND d.active
      AND d.jurisdiction OPERATOR(gridgov.=) gridgov.ancestor(command_center.area, lvl);
    RETURN dept;
END
$$;
COMMENT ON FUNCTION gridgov.command_center(gridgov.gridcode, text) IS
    'The active command center of a level (district, town, community) whose jurisdiction contains the area; NULL when there is none or the area is above that level; 22023 for an unknown level';

-- Staff --------------------------------------------------------------------

CREATE TABLE gridgov.staff (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 100),
    department_id bigint NOT NULL REFERENCES gridgov.departments (id),
    db_role       text CHECK (pg_catalog.length(db_role) BETWEEN 1 AND 63),
    phone         text CHECK (phone ~ '^\+?[0-9][0-9 ()-]{2,31}$'),
    active        boolean NOT NULL DEFAULT true
);
-- A database role identifies at most one active staff member.
CREATE UNIQUE INDEX staff_db_role_active ON gridgov.staff (db_role) WHERE active AND db_role IS NOT NULL;
CREATE INDEX staff_department ON gridgov.staff (department_id);

COMMENT ON TABLE gridgov.staff IS
    'People who handle cases: name, department, optional database role. Personal data (phone) lives in this table only; views and events refer to staff by id.';
COMMENT ON COLUMN gridgov.staff.name IS 'Full name';
COMMENT ON COLUMN gridgov.staff.department_id IS 'The department the person works for';
COMMENT ON COLUMN gridgov.staff.db_role IS 'Database role the person logs in as (must exist when set); gridgov.current_staff() maps current_user to the row';
COMMENT ON COLUMN gridgov.staff.phone IS 'Work or mobile phone (personal data: keep it here only)';
COMMENT ON COLUMN gridgov.staff.active IS 'Whether the person is currently on staff';

SELECT pg_catalog.pg_extension_config_dump('gridgov.staff', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.staff_id_seq', '');

CREATE FUNCTION gridgov.staff_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('staff_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.db_role IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = NEW.db_role) THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = pg_catalog.format('role "%s" does not exist', NEW.db_role),
            DETAIL = pg_catalog.format('Staff member %s can only be mapped to an existing database role.', NEW.name),
            HINT = 'Create the role first, or leave db_role NULL.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.staff_check() IS 'Trigger: db_role, when set, names an existing database role (42704)';

CREATE TRIGGER staff_check BEFORE INSERT OR UPDATE OF db_role ON gridgov.staff
    FOR EACH ROW EXECUTE FUNCTION gridgov.staff_check();

CREATE FUNCTION gridgov.current_staff() RETURNS gridgov.staff
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT s FROM gridgov.staff s
    WHERE s.db_role = CURRENT_USER::text AND s.active;
END;
COMMENT ON FUNCTION gridgov.current_staff() IS
    'The active staff row mapped to current_user (staff.db_role); NULL when there is none';

-- Grid staff ------------------------------------------------------------------

CREATE TABLE gridgov.grid_staff (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grid       gridgov.gridcode NOT NULL,
    staff_id   bigint NOT NULL REFERENCES gridgov.staff (id),
    duty       text NOT NULL CHECK (duty IN ('leader', 'worker', 'sunk_officer')),
    valid_from timestamptz NOT NULL DEFAULT pg_catalog.now(),
    valid_to   timestamptz NOT NULL DEFAULT 'infinity',
    CONSTRAINT grid_staff_validity CHECK (valid_from < valid_to)
);
CREATE INDEX grid_staff_grid ON gridgov.grid_staff (grid, duty, valid_from);
CREATE INDEX grid_staff_staff ON gridgov.grid_staff (staff_id);

COMMENT ON TABLE gridgov.grid_staff IS
    'Who serves which grid: grid leader (网格长), grid worker (网格员) or sunk officer (下沉 from a department), for a period [valid_from, valid_to). At most one leader per grid at any time.';
COMMENT ON COLUMN gridgov.grid_staff.grid IS 'Area code of the grid (any level; usually a unit grid or a community); no foreign key, so assignments can precede the grid layer';
COMMENT ON COLUMN gridgov.grid_staff.staff_id IS 'The staff member';
COMMENT ON COLUMN gridgov.grid_staff.duty IS 'leader (网格长), worker (网格员) or sunk_officer (下沉干部)';
COMMENT ON COLUMN gridgov.grid_staff.valid_from IS 'Start of the assignment (inclusive)';
COMMENT ON COLUMN gridgov.grid_staff.valid_to IS 'End of the assignment (exclusive); infinity while current';

SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_staff', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_staff_id_seq', '');

CREATE FUNCTION gridgov.grid_staff_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    other record;
BEGIN
    PERFORM gridgov.trigger_check('grid_staff_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    -- Serialise writers of one grid so that the overlap checks see each other.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.grid_staff'),
                                             pg_catalog.hashtext(NEW.grid::text));
    IF NEW.duty = 'leader' THEN
        SELECT g.valid_from, g.valid_to, s.name INTO other
        FROM gridgov.grid_staff g JOIN gridgov.staff s ON s.id = g.staff_id
        WHERE g.grid OPERATOR(gridgov.=) NEW.grid AND g.duty = 'leader' AND g.id <> NEW.id
          AND g.valid_from < NEW.valid_to AND NEW.valid_from < g.valid_to
        ORDER BY g.valid_from LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GG125',
                MESSAGE = pg_catalog.format('grid %s already has a leader in [%s, %s): %s',
                                            NEW.grid, other.valid_from, other.valid_to, other.name),
                DETAIL = 'A grid has at most one leader at any time.',
                HINT = 'End the current leader''s assignment first (set its valid_to).';
        END IF;
    END IF;
    SELECT g.valid_from, g.valid_to, s.name INTO other
    FROM gridgov.grid_staff g JOIN gridgov.staff s ON s.id = g.staff_id
    WHERE g.grid OPERATOR(gridgov.=) NEW.grid AND g.staff_id = NEW.staff_id AND g.duty = NEW.duty
      AND g.id <> NEW.id AND g.valid_from < NEW.valid_to AND NEW.valid_from < g.valid_to
    ORDER BY g.valid_from LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GG125',
            MESSAGE = pg_catalog.format('%s is already %s of grid %s in [%s, %s)',
                                        other.name, NEW.duty, NEW.grid, other.valid_from, other.valid_to),
            DETAIL = 'Assignments of one person to one grid and duty must not overlap in time.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.grid_staff_check() IS
    'Trigger: at most one leader per grid at any time, no overlapping duplicate assignment (GG125)';

CREATE TRIGGER grid_staff_check BEFORE INSERT OR UPDATE ON gridgov.grid_staff
    FOR EACH ROW EXECUTE FUNCTION gridgov.grid_staff_check();

CREATE FUNCTION gridgov.grid_leader(grid gridgov.gridcode, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT g.staff_id FROM gridgov.grid_staff g
    WHERE g.grid OPERATOR(gridgov.=) grid_leader.grid AND g.duty = 'leader'
      AND g.valid_from <= grid_leader.as_of AND grid_leader.as_of < g.valid_to
    ORDER BY g.valid_from DESC LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.grid_leader(gridgov.gridcode, timestamptz) IS
    'Staff id of the leader (网格长) of exactly this grid code at as_of (default now()); NULL when none';

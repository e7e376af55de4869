-- A shipped calendar whose horizon moved (known_until, 040) is saved by pg_dump and
-- put back on restore, like the other shipped rows a city may change (010):
-- calendars.modified, the dump filter, the guard letting modified change with
-- known_until, and the calendars_builtin trigger (shipped_rows_restore() knows
-- calendars from 010) (src/sql/043_workflows.sql,
-- 060_calendars.sql; docs/backup.md).
ALTER TABLE gridgov.calendars ADD COLUMN modified boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN gridgov.calendars.builtin IS 'Shipped with gridgov: created by CREATE EXTENSION, read-only but for known_until; saved by pg_dump only when modified';
COMMENT ON COLUMN gridgov.calendars.modified IS 'A shipped calendar whose horizon (known_until) moved (set by gridgov.calendar_guard): saved by pg_dump, and its horizon put back on restore (gridgov.shipped_rows_restore)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.calendars', 'WHERE NOT builtin OR modified');

CREATE OR REPLACE FUNCTION gridgov.calendar_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
    cal text;
BEGIN
    PERFORM gridgov.trigger_check('calendar_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION USING ERRCODE = 'GG201',
            MESSAGE = pg_catalog.format('cannot truncate gridgov.%s', TG_TABLE_NAME),
            DETAIL = 'It holds rows of the calendars shipped with gridgov.',
            HINT = 'Delete your own rows with DELETE ... WHERE NOT builtin.';
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NOT OLD.builtin) THEN
        IF NEW.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG201',
                MESSAGE = pg_catalog.format('cannot mark a row of gridgov.%s as builtin', TG_TABLE_NAME),
                DETAIL = 'Only the gridgov install script writes shipped (builtin) rows; pg_dump skips them.';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT OLD.builtin THEN
        RETURN OLD;
    END IF;
    -- The horizon of a shipped calendar moves with the years loaded into it; a
    -- moved one is modified, so that pg_dump saves it (calendars_builtin puts
    -- it back on restore).
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'calendars'
       AND pg_catalog.to_jsonb(NEW) - 'known_until' - 'modified' = pg_catalog.to_jsonb(OLD) - 'known_until' - 'modified' THEN
        NEW.modified := OLD.modified OR NEW.known_until IS DISTINCT FROM OLD.known_until;
        RETURN NEW;
    END IF;
    r := pg_catalog.to_jsonb(OLD);
    SELECT c.name INTO cal FROM gridgov.calendars c
    WHERE c.id = COALESCE(r->>'calendar_id', r->>'id')::integer;
    RAISE EXCEPTION USING ERRCODE = 'GG201',
        MESSAGE = pg_catalog.format('cannot %s a shipped row of calendar "%s"', pg_catalog.lower(TG_OP), cal),
        DETAIL = 'Shipped calendar rows are read-only: CREATE EXTENSION restores them and pg_dump does not save them.',
        HINT = 'Add rows of your own (a user exception overrides a shipped one of the same day; kind regular cancels it), or copy the calendar with gridgov.copy_calendar() and change the copy.';
END
$$;
COMMENT ON FUNCTION gridgov.calendar_guard() IS
    'Trigger: shipped (builtin) calendar rows cannot be updated (except a calendar''s horizon, known_until, which marks it modified), deleted or truncated, and no other row can be marked builtin (GG201)';

-- A shipped calendar whose horizon moved comes back with it on restore.  Named
-- to fire before calendars_check and calendars_guard (triggers fire in name
-- order): the restored row becomes an UPDATE of the shipped one (which the
-- guard allows and marks modified) before the guard sees an INSERT of a
-- builtin row.
CREATE TRIGGER calendars_builtin BEFORE INSERT
    ON gridgov.calendars FOR EACH ROW EXECUTE FUNCTION gridgov.shipped_rows_restore();
ALTER TABLE gridgov.calendars ENABLE ALWAYS TRIGGER calendars_builtin;
-- The guard marks a moved horizon modified: under session_replication_role =
-- replica (a restore so made) too.
ALTER TABLE gridgov.calendars ENABLE ALWAYS TRIGGER calendars_guard;

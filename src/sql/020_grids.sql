-- ---------------------------------------------------------------------------
-- grids: the versioned grid layer, one row per area version at every level.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.grid_revisions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    effective   timestamptz NOT NULL,
    retired     gridgov.gridcode[] NOT NULL,
    added       gridgov.gridcode[] NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT CURRENT_USER,
    cases_rehomed_at timestamptz
);
COMMENT ON TABLE gridgov.grid_revisions IS
    'Re-divisions (动态调整): which codes were retired and which added at an effective time. Other modules react to new rows (e.g. re-homing open cases).';
COMMENT ON COLUMN gridgov.grid_revisions.effective IS 'When the retired versions end and the added ones begin';
COMMENT ON COLUMN gridgov.grid_revisions.retired IS 'Codes whose current versions were closed at effective';
COMMENT ON COLUMN gridgov.grid_revisions.added IS 'Codes whose new versions start at effective';
COMMENT ON COLUMN gridgov.grid_revisions.note IS 'Reason or decision reference';
COMMENT ON COLUMN gridgov.grid_revisions.created_at IS 'When the re-division was recorded';
COMMENT ON COLUMN gridgov.grid_revisions.created_by IS 'Database role that recorded it';
COMMENT ON COLUMN gridgov.grid_revisions.cases_rehomed_at IS
    'When the open cases of the retired grids were moved to the new ones (NULL: not yet, e.g. a future re-division)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_revisions', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.grid_revisions_id_seq', '');

CREATE TYPE gridgov.grid_kind AS ENUM ('general', 'special');
COMMENT ON TYPE gridgov.grid_kind IS
    'general grid, or special grid (专属网格: school, park, market, airport...) laid over general ones and taking precedence inside them';

CREATE TABLE gridgov.grids (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        gridgov.gridcode NOT NULL,
    level       integer GENERATED ALWAYS AS (gridgov.level(code)) STORED,
    name        text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    kind        gridgov.grid_kind NOT NULL DEFAULT 'general',
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT '-infinity',
    valid_to    timestamptz NOT NULL DEFAULT 'infinity',
    leader      text,
    attrs       jsonb NOT NULL DEFAULT '{}',
    revision_id bigint REFERENCES gridgov.grid_revisions (id),
    CONSTRAINT grids_validity CHECK (valid_from < valid_to),
    CONSTRAINT grids_attrs_object CHECK (pg_catalog.jsonb_typeof(attrs) = 'object')
);

-- At most one current (open-ended) version per code.
CREATE UNIQUE INDEX grids_current_code ON gridgov.grids (code) WHERE valid_to = 'infinity';
CREATE INDEX grids_code_versions ON gridgov.grids (code, valid_from);
CREATE INDEX grids_geom ON gridgov.grids USING gist (geom);

COMMENT ON TABLE gridgov.grids IS
    'Versioned grid layer: one row per version of an area at any level (county, town, community, unit grid); the level follows from the code. A version is valid in [valid_from, valid_to); valid_to = infinity is the current one (at most one per code).';
COMMENT ON COLUMN gridgov.grids.code IS 'Area code; its length gives the level';
COMMENT ON COLUMN gridgov.grids.name IS 'Area name, e.g. 亦庄地区 or 贵园北里社区 第3网格';
COMMENT ON COLUMN gridgov.grids.level IS 'gridgov.level(code): 3 county, 4 town, 5 community, 6 unit grid';
COMMENT ON COLUMN gridgov.grids.kind IS 'general, or special (专属网格: school, park, market, airport...), which takes precedence inside it';
COMMENT ON COLUMN gridgov.grids.geom IS 'Outline in WGS-84 (SRID 4326); must be valid and non-empty';
COMMENT ON COLUMN gridgov.grids.valid_from IS 'Start of this version''s validity (inclusive)';
COMMENT ON COLUMN gridgov.grids.valid_to IS 'End of this version''s validity (exclusive); infinity for the current version';
COMMENT ON COLUMN gridgov.grids.leader IS 'Grid leader (网格长), free text; staff assignments live in the organisation tables';
COMMENT ON COLUMN gridgov.grids.attrs IS 'Free attributes (population, households, area type...) as a JSON object';
COMMENT ON COLUMN gridgov.grids.revision_id IS 'The re-division (gridgov.grid_revisions) that created this version, if any';

SELECT pg_catalog.pg_extension_config_dump('gridgov.grids', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.grids_id_seq', '');

-- Write-time checks: a non-empty valid outline within the range of WGS-84
-- coordinates, and versions of one code that never overlap in time.
CREATE FUNCTION gridgov.grids_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    v valid_detail;
BEGIN
    PERFORM gridgov.trigger_check('grids_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF ST_IsEmpty(NEW.geom) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG001',
            MESSAGE = pg_catalog.format('grid %s has an empty geometry', NEW.code),
            DETAIL = 'Every grid version needs a non-empty outline.';
    END IF;
    v := ST_IsValidDetail(NEW.geom);
    IF NOT v.valid THEN
        RAISE EXCEPTION USING ERRCODE = 'GG001',
            MESSAGE = pg_catalog.format('grid %s has an invalid geometry', NEW.code),
            DETAIL = pg_catalog.format('PostGIS reports: %s at %s.', v.reason, ST_AsText(v.location)),
            HINT = 'Repair it with ST_MakeValid, or load it with gridgov.import_grids(..., repair => true).';
    END IF;
    IF ST_XMin(NEW.geom) < -180 OR ST_XMax(NEW.geom) > 180 OR ST_YMin(NEW.geom) < -90 OR ST_YMax(NEW.geom) > 90 THEN
        RAISE EXCEPTION USING ERRCODE = 'GG005',
            MESSAGE = pg_catalog.format('grid %s lies outside the range of WGS-84 coordinates', NEW.code),
            DETAIL = pg_catalog.format('Its outline spans longitudes %s to %s and latitudes %s to %s; WGS-84 has -180 to 180 and -90 to 90.',
                                       ST_XMin(NEW.geom), ST_XMax(NEW.geom), ST_YMin(NEW.geom), ST_YMax(NEW.geom)),
            HINT = 'Give the outline in longitude/latitude (SRID 4326); transform projected coordinates first (ST_Transform).';
    END IF;
    -- Serialise writers of one code so that the overlap check below sees them.
    -- Codes share 1,024 lock buckets, so a bulk load holds at most 1,024 locks.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.grids'),
                                             pg_catalog.hashtext(NEW.code::text) & 1023);
    IF EXISTS (SELECT 1 FROM gridgov.grids g
               WHERE g.code OPERATOR(gridgov.=) NEW.code AND g.id <> NEW.id
                 AND g.valid_from < NEW.valid_to AND NEW.valid_from < g.valid_to) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG002',
            MESSAGE = pg_catalog.format('grid %s already has a version overlapping [%s, %s)',
                                        NEW.code, NEW.valid_from, NEW.valid_to),
            DETAIL = 'Versions of one code must not overlap in time.',
            HINT = 'Close the current version first (set its valid_to), or use gridgov.redivide().';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.grids_check() IS
    'Trigger: rejects empty or invalid grid outlines (GG001) and overlapping versions of a code (GG002)';

CREATE TRIGGER grids_check BEFORE INSERT OR UPDATE OF code, geom, valid_from, valid_to
    ON gridgov.grids FOR EACH ROW EXECUTE FUNCTION gridgov.grids_check();

-- The case source of a device's rule (src/sql/055_cases.sql), at the end of the enum.
ALTER TYPE gridgov.case_source ADD VALUE IF NOT EXISTS 'sensor';
COMMENT ON TYPE gridgov.case_source IS
    'Where a case came from: 12345 hotline, grid-worker patrol, video AI alert, public app (随手拍), department inspection, leader''s instruction, city-level dispatch, proactive (未诉先办), sensor (a device''s rule, gridgov.sensor_rules)';
-- The devices, their readings and rules, video alerts (src/sql/078_sensors.sql).
-- ---------------------------------------------------------------------------
-- sensors: machines that report.  Devices (gridgov.sensors: water level,
-- rainfall, manhole cover, noise, smoke, camera...) feed readings
-- (gridgov.sensor_readings, COPY-friendly, partitioned by month); a C row
-- trigger (src/cases/sensors.c) keeps readings of unknown or inactive
-- devices, non-finite values, readings far in the future and readings of a
-- month without a partition apart in gridgov.sensor_quarantine with the
-- reason, and runs every good reading through the rules of its device
-- (gridgov.sensor_rules: above / below a threshold for a duration, rate of
-- change, stuck value; with hysteresis; src/cases/sensor_rules.c).  The state
-- of each device x rule is kept in memory per backend in front of
-- gridgov.sensor_rule_state (written once per statement); only a change of
-- state costs SQL: a rule that fires opens one case per device and rule
-- (source 'sensor'; never a second while one is open: a new alarm joins it),
-- each new peak and the condition's end are appended to that case's history
-- (system actions sensor_alarm, sensor_peak, sensor_cleared); a person
-- closes the case.  Video AI alerts (gridgov.video_alerts) open cases by
-- event type (gridgov.video_event_types: confidence threshold, duplicate
-- radius and window); alerts below the threshold wait for review.
-- docs/sensors.md describes the feed, the rules and the case lifecycle.
-- SQLSTATEs: 22023 bad parameter, 23503 unknown device or event type,
-- 23514 bad rule or device, 42P17 no partition can be made.
-- ---------------------------------------------------------------------------

-- Devices ---------------------------------------------------------------------------

CREATE TABLE gridgov.sensors (
    id              text COLLATE pg_catalog."C" PRIMARY KEY
                    CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$'),
    kind            text COLLATE pg_catalog."C" NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    location        geometry(Point, 4326) NOT NULL,
    grid            gridgov.gridcode,
    county          gridgov.gridcode,
    department_id   bigint REFERENCES gridgov.departments (id),
    unit            text CHECK (pg_catalog.length(unit) <= 20),
    name            text CHECK (pg_catalog.length(name) <= 200),
    active          boolean NOT NULL DEFAULT true,
    installed_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX sensors_county_grid ON gridgov.sensors (county, grid);
COMMENT ON TABLE gridgov.sensors IS
    'Devices that report (IoT sensors and AI cameras): one row per device, set by the DBA or the device platform. The grid is located from the location when not given (gridgov.locate), the county follows from it (gridgov.case_county); readings of a device not here or inactive are quarantined (gridgov.sensor_quarantine)';
COMMENT ON COLUMN gridgov.sensors.id IS 'The device''s own id, as it reports it (1-64 characters: letters, digits, _ . : / -)';
COMMENT ON COLUMN gridgov.sensors.kind IS 'What it measures, e.g. water_level, rainfall, manhole_cover, noise, smoke, camera: rules apply to a kind (or to one device)';
COMMENT ON COLUMN gridgov.sensors.location IS 'Where it is, WGS-84: the location of the cases its rules open';
COMMENT ON COLUMN gridgov.sensors.grid IS 'Grid it lies in: gridgov.locate(location) unless given';
COMMENT ON COLUMN gridgov.sensors.county IS 'County of the device (of its grid, else the home county): the county of its cases';
COMMENT ON COLUMN gridgov.sensors.department_id IS 'Owner department (权属单位): its cases go to it unless the rule names a department; NULL: routing decides';
COMMENT ON COLUMN gridgov.sensors.unit IS 'Unit of its values (m, mm, dB...), for people';
COMMENT ON COLUMN gridgov.sensors.name IS 'Name for people, e.g. 团河路涵洞水位计; the title of its cases';
COMMENT ON COLUMN gridgov.sensors.active IS 'false: its readings are quarantined (inactive_sensor) and no rule runs';
COMMENT ON COLUMN gridgov.sensors.installed_at IS 'When it was registered';
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensors', '');

CREATE FUNCTION gridgov.sensors_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('sensors_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'the id of a device cannot change',
            DETAIL = 'Readings, rule states and cases name the device by its id.',
            HINT = 'Register the new device as a new row and deactivate the old one.';
    END IF;
    IF ST_SRID(NEW.location) <> 4326 OR NOT ST_X(NEW.location) BETWEEN -180 AND 180
       OR NOT ST_Y(NEW.location) BETWEEN -90 AND 90 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the location of a device must be a WGS-84 point';
    END IF;
    IF TG_OP = 'INSERT' OR NEW.location IS DISTINCT FROM OLD.location OR NEW.grid IS DISTINCT FROM OLD.grid THEN
        IF NEW.grid IS NULL OR (TG_OP = 'UPDATE' AND NEW.grid IS NOT DISTINCT FROM OLD.grid) THEN
            NEW.grid := gridgov.locate(NEW.location);
        END IF;
        NEW.county := gridgov.case_county(NEW.location, 'wgs84', NEW.grid);
    ELSE
        NEW.county := OLD.county;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.sensors_check() IS
    'Trigger: a device''s location must be a WGS-84 point (22023) and its id never changes (23514); locates its grid when not given (and again when it moves) and sets its county';
CREATE TRIGGER sensors_check BEFORE INSERT OR UPDATE ON gridgov.sensors
    FOR EACH ROW EXECUTE FUNCTION gridgov.sensors_check();

-- Rules ------------------------------------------------------------------------------

CREATE TABLE gridgov.sensor_rules (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (pg_catalog.length(name) BETWEEN 1 AND 100),
    kind            text COLLATE pg_catalog."C",
    sensor_id       text COLLATE pg_catalog."C" REFERENCES gridgov.sensors (id),
    condition       text NOT NULL CHECK (condition IN ('above', 'below', 'rate', 'stuck')),
    threshold       double precision NOT NULL,
    hysteresis      double precision NOT NULL DEFAULT 0,
    duration        interval NOT NULL DEFAULT '0',
    rate_window     interval NOT NULL DEFAULT '10 minutes',
    peak_step       double precision NOT NULL DEFAULT 0,
    category        text COLLATE pg_catalog."C" NOT NULL,
    urgency         gridgov.urgency,
    department_id   bigint REFERENCES gridgov.departments (id),
    title           text NOT NULL CHECK (pg_catalog.length(title) BETWEEN 1 AND 200),
    active          boolean NOT NULL DEFAULT true,
    CONSTRAINT sensor_rules_target CHECK ((kind IS NULL) <> (sensor_id IS NULL)),
    CONSTRAINT sensor_rules_values CHECK (
        threshold NOT IN ('NaN', 'Infinity', '-Infinity') AND hysteresis NOT IN ('NaN', 'Infinity')
        AND hysteresis >= 0 AND peak_step >= 0 AND peak_step NOT IN ('NaN', 'Infinity')
        AND duration >= interval '0' AND duration <= interval '30 days'
        AND rate_window > interval '0' AND rate_window <= interval '1 day'
        AND (condition <> 'rate' OR threshold <> 0)
        AND (condition <> 'stuck' OR (threshold >= 0 AND duration > interval '0')))
);
CREATE INDEX sensor_rules_kind ON gridgov.sensor_rules (kind);
CREATE INDEX sensor_rules_sensor ON gridgov.sensor_rules (sensor_id);
COMMENT ON TABLE gridgov.sensor_rules IS
    'Rules as data: a kind of device (or one device) x a condition with hysteresis -> a case of the category and urgency (the category decides the workflow). Exact semantics in docs/sensors.md. Every device of the kind runs every active rule of the kind and every active rule naming it';
COMMENT ON COLUMN gridgov.sensor_rules.id IS 'Identifier';
COMMENT ON COLUMN gridgov.sensor_rules.name IS 'Unique name, e.g. 涵洞水位超警戒';
COMMENT ON COLUMN gridgov.sensor_rules.kind IS 'The kind of device it applies to (or NULL with sensor_id)';
COMMENT ON COLUMN gridgov.sensor_rules.sensor_id IS 'The one device it applies to (or NULL with kind)';
COMMENT ON COLUMN gridgov.sensor_rules.condition IS 'above: value > threshold; below: value < threshold; rate: change per minute between a reading and the one before it (at most rate_window earlier) >= threshold (threshold > 0: rising) or <= threshold (< 0: falling); stuck: value within threshold of the value at the start of the run for duration';
COMMENT ON COLUMN gridgov.sensor_rules.threshold IS 'The threshold (above, below), the rate per minute (rate, not 0) or the tolerance of an unchanged value (stuck, >= 0)';
COMMENT ON COLUMN gridgov.sensor_rules.hysteresis IS 'How far back past the threshold a reading must come to clear a fired rule: above clears below threshold - hysteresis, below above threshold + hysteresis, rate once the rate is back by more than hysteresis; 0: as soon as the condition is false (stuck clears when the value moves)';
COMMENT ON COLUMN gridgov.sensor_rules.duration IS 'How long the condition must hold, from its first reading to a reading at least this much later, before the rule fires (0: at the first reading; stuck: more than 0, at most 30 days)';
COMMENT ON COLUMN gridgov.sensor_rules.rate_window IS 'rate: the longest gap between two readings for which a rate is computed (a longer gap starts over)';
COMMENT ON COLUMN gridgov.sensor_rules.peak_step IS 'While the rule fires, a reading beyond the last recorded peak by more than this is appended to the case''s history as a new peak (sensor_peak); 0: every new extreme';
COMMENT ON COLUMN gridgov.sensor_rules.category IS 'Category of the cases it opens (an active category; it decides their workflow)';
COMMENT ON COLUMN gridgov.sensor_rules.urgency IS 'Urgency of its cases; NULL: the category''s default';
COMMENT ON COLUMN gridgov.sensor_rules.department_id IS 'Department its cases go to; NULL: the device''s owner department, else routing';
COMMENT ON COLUMN gridgov.sensor_rules.title IS 'Title of its cases (the device''s name is put before it)';
COMMENT ON COLUMN gridgov.sensor_rules.active IS 'false: not evaluated';
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensor_rules', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensor_rules_id_seq', '');

CREATE FUNCTION gridgov.sensor_rules_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('sensor_rules_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NOT EXISTS (SELECT 1 FROM gridgov.categories c WHERE c.code = NEW.category AND c.active) THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('rule "%s": category "%s" is not an active category',
                                        pg_catalog.left(NEW.name, 100), pg_catalog.left(NEW.category, 20)),
            DETAIL = 'A rule opens cases of its category; it must exist in gridgov.categories and be active.';
    END IF;
    IF NEW.kind IS NOT NULL AND NEW.kind !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
            MESSAGE = pg_catalog.format('rule "%s": kind must be a device kind (lower-case letters, digits, _)',
                                        pg_catalog.left(NEW.name, 100));
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.sensor_rules_check() IS
    'Trigger: a rule''s category must be an active category (23503) and its kind a device kind (23514)';
CREATE TRIGGER sensor_rules_check BEFORE INSERT OR UPDATE ON gridgov.sensor_rules
    FOR EACH ROW EXECUTE FUNCTION gridgov.sensor_rules_check();

-- A category that an active rule or event type opens cases of stays active:
-- deactivating or deleting it would fail every reading that fires the rule
-- (GG108 / GG121) and with it the whole INSERT or COPY of the feed.
CREATE FUNCTION gridgov.categories_sensor_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    user_name text;
BEGIN
    PERFORM gridgov.trigger_check('categories_sensor_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'UPDATE' AND NEW.active AND NEW.code IS NOT DISTINCT FROM OLD.code THEN
        RETURN NEW;
    END IF;
    SELECT u.name INTO user_name
    FROM (SELECT 'sensor rule ' || r.name AS name FROM gridgov.sensor_rules r
          WHERE r.active AND r.category = OLD.code
          UNION ALL
          SELECT 'video event type ' || t.event_type FROM gridgov.video_event_types t
          WHERE t.active AND t.category = OLD.code) u
    ORDER BY u.name LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('category "%s" is used by the active %s', pg_catalog.left(OLD.code, 20),
                                        pg_catalog.left(user_name, 140)),
            DETAIL = 'Readings and video alerts open cases of it: without it every one that fires would fail the feed.',
            HINT = 'Point the rule or event type at another category, or deactivate it, first.';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION gridgov.categories_sensor_guard() IS
    'Trigger: a category an active sensor rule or video event type opens cases of cannot be deactivated, re-coded or deleted (23503)';
CREATE TRIGGER categories_sensor_guard BEFORE UPDATE OR DELETE ON gridgov.categories
    FOR EACH ROW EXECUTE FUNCTION gridgov.categories_sensor_guard();

-- Readings and the quarantine -------------------------------------------------------

CREATE TABLE gridgov.sensor_readings (
    sensor_id       text COLLATE pg_catalog."C" NOT NULL,
    at              timestamptz NOT NULL,
    value           double precision NOT NULL,
    quality         smallint NOT NULL DEFAULT 0
) PARTITION BY RANGE (at);
COMMENT ON TABLE gridgov.sensor_readings IS
    'Readings of devices (INSERT or COPY sensor_id, at, value[, quality]): partitioned by month (gridgov.sensor_partitions makes them ahead, the nightly job three months ahead). A C trigger quarantines bad rows (gridgov.sensor_quarantine, with the reason) and runs each good one (quality 0 or 1) through the rules of its device; a reading older than the device''s last evaluated one is kept but not evaluated';
COMMENT ON COLUMN gridgov.sensor_readings.sensor_id IS 'The device (gridgov.sensors.id)';
COMMENT ON COLUMN gridgov.sensor_readings.at IS 'When it was measured';
COMMENT ON COLUMN gridgov.sensor_readings.value IS 'The measured value (finite), in the device''s unit';
COMMENT ON COLUMN gridgov.sensor_readings.quality IS '0 good, 1 suspect (both evaluated), 2 bad (kept, not evaluated); other values are quarantined';

-- Rows of a time without a partition land here and are quarantined: it stays
-- empty, so that a partition for any month can always be made.
CREATE TABLE gridgov.sensor_readings_default PARTITION OF gridgov.sensor_readings DEFAULT;
COMMENT ON TABLE gridgov.sensor_readings_default IS
    'Default partition of gridgov.sensor_readings: always empty (a reading of a month without a partition is quarantined as no_partition), so that gridgov.sensor_partitions can add any month';
COMMENT ON COLUMN gridgov.sensor_readings_default.sensor_id IS 'The device (as in gridgov.sensor_readings)';
COMMENT ON COLUMN gridgov.sensor_readings_default.at IS 'When it was measured (as in gridgov.sensor_readings)';
COMMENT ON COLUMN gridgov.sensor_readings_default.value IS 'The value (as in gridgov.sensor_readings)';
COMMENT ON COLUMN gridgov.sensor_readings_default.quality IS 'The quality (as in gridgov.sensor_readings)';

CREATE TABLE gridgov.sensor_quarantine (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sensor_id       text COLLATE pg_catalog."C",
    at              timestamptz,
    value           double precision,
    quality         smallint,
    reason          text NOT NULL CHECK (reason IN ('unknown_sensor', 'inactive_sensor', 'no_time', 'no_value',
                                                    'not_finite', 'bad_quality', 'future', 'no_partition')),
    received_at     timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp()
);
CREATE INDEX sensor_quarantine_reason ON gridgov.sensor_quarantine (reason, received_at);
COMMENT ON TABLE gridgov.sensor_quarantine IS
    'Readings kept apart, with the reason, instead of being lost or failing the feed: gridgov.sensor_quarantine_retry() feeds them again once the reason is gone (device registered, partition made)';
COMMENT ON COLUMN gridgov.sensor_quarantine.id IS 'Identifier';
COMMENT ON COLUMN gridgov.sensor_quarantine.sensor_id IS 'The device id as sent (the first 64 characters; NULL when none was)';
COMMENT ON COLUMN gridgov.sensor_quarantine.at IS 'Time as sent';
COMMENT ON COLUMN gridgov.sensor_quarantine.value IS 'Value as sent (NaN and infinities kept)';
COMMENT ON COLUMN gridgov.sensor_quarantine.quality IS 'Quality as sent';
COMMENT ON COLUMN gridgov.sensor_quarantine.reason IS 'unknown_sensor (no such device, or no id), inactive_sensor, no_time, no_value, not_finite (NaN or infinite), bad_quality (not 0-2), future (later than now + gridgov.future_tolerance), no_partition (no partition holds its month)';
COMMENT ON COLUMN gridgov.sensor_quarantine.received_at IS 'When it arrived';
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensor_quarantine', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensor_quarantine_id_seq', '');

-- The state of each device x rule, and the cases the devices opened --------------------

CREATE TABLE gridgov.sensor_rule_state (
    sensor_id       text COLLATE pg_catalog."C" NOT NULL,
    rule_id         bigint NOT NULL,
    phase           text NOT NULL CHECK (phase IN ('idle', 'pending', 'firing')),
    since           timestamptz,
    ref_value       double precision,
    last_at         timestamptz,
    last_value      double precision,
    peak            double precision,
    peak_at         timestamptz,
    county          gridgov.gridcode,
    case_id         bigint,
    changed_at      timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    PRIMARY KEY (sensor_id, rule_id)
);
COMMENT ON TABLE gridgov.sensor_rule_state IS
    'Where each device x rule stands, written by the readings'' trigger at the end of each statement that changed it (each backend keeps it in memory in front of this table); a rule that fires or clears locks its row, so a device never has two open cases for one rule';
COMMENT ON COLUMN gridgov.sensor_rule_state.sensor_id IS 'The device';
COMMENT ON COLUMN gridgov.sensor_rule_state.rule_id IS 'The rule (gridgov.sensor_rules)';
COMMENT ON COLUMN gridgov.sensor_rule_state.phase IS 'idle (condition false), pending (true for less than the duration), firing (fired, not yet cleared)';
COMMENT ON COLUMN gridgov.sensor_rule_state.since IS 'pending, firing: the time of the first reading of the condition; stuck: start of the run of unchanged values';
COMMENT ON COLUMN gridgov.sensor_rule_state.ref_value IS 'stuck: the value the run started with';
COMMENT ON COLUMN gridgov.sensor_rule_state.last_at IS 'Time of the last reading evaluated';
COMMENT ON COLUMN gridgov.sensor_rule_state.last_value IS 'Value of the last reading evaluated (the rate is measured from it)';
COMMENT ON COLUMN gridgov.sensor_rule_state.peak IS 'firing: the last peak recorded (value, or rate per minute)';
COMMENT ON COLUMN gridgov.sensor_rule_state.peak_at IS 'firing: when';
COMMENT ON COLUMN gridgov.sensor_rule_state.county IS 'County of the case';
COMMENT ON COLUMN gridgov.sensor_rule_state.case_id IS 'The last case the rule opened for the device (an alarm while it is open joins it)';
COMMENT ON COLUMN gridgov.sensor_rule_state.changed_at IS 'When the row was last written';
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensor_rule_state', '');

CREATE TABLE gridgov.sensor_cases (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    sensor_id       text COLLATE pg_catalog."C" NOT NULL,
    rule_id         bigint,
    video_alert_id  bigint,
    opened_at       timestamptz NOT NULL,
    PRIMARY KEY (county, case_id),
    CHECK ((rule_id IS NULL) <> (video_alert_id IS NULL))
);
CREATE INDEX sensor_cases_sensor ON gridgov.sensor_cases (sensor_id, opened_at);
COMMENT ON TABLE gridgov.sensor_cases IS
    'The cases machines opened: the device and the rule (source sensor) or the video alert (source video) of each';
COMMENT ON COLUMN gridgov.sensor_cases.county IS 'County of the case (part of the key, co-located with the case)';
COMMENT ON COLUMN gridgov.sensor_cases.case_id IS 'The case';
COMMENT ON COLUMN gridgov.sensor_cases.sensor_id IS 'The device (for a video alert, the camera)';
COMMENT ON COLUMN gridgov.sensor_cases.rule_id IS 'The rule that fired (source sensor)';
COMMENT ON COLUMN gridgov.sensor_cases.video_alert_id IS 'The video alert that opened it (source video)';
COMMENT ON COLUMN gridgov.sensor_cases.opened_at IS 'When (the reading''s or the alert''s time)';
SELECT pg_catalog.pg_extension_config_dump('gridgov.sensor_cases', '');

-- The C side --------------------------------------------------------------------------

CREATE FUNCTION gridgov.sensor_reading_in() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_sensor_reading_in' LANGUAGE C;
COMMENT ON FUNCTION gridgov.sensor_reading_in() IS
    'BEFORE INSERT row trigger on sensor_readings (each partition): quarantines a bad reading (gridgov.sensor_quarantine) and runs a good one through its device''s rules: fire, new peak and clear cost SQL, nothing else does. A row written straight into a partition by its owner or a superuser (a restore) goes in as it is';
CREATE TRIGGER sensor_reading_in BEFORE INSERT ON gridgov.sensor_readings
    FOR EACH ROW EXECUTE FUNCTION gridgov.sensor_reading_in();

CREATE FUNCTION gridgov.sensor_readings_start() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_sensor_readings_start' LANGUAGE C;
COMMENT ON FUNCTION gridgov.sensor_readings_start() IS
    'BEFORE INSERT statement trigger on sensor_readings (the table, not its partitions): notes that a statement on the table runs, whose rows gridgov.sensor_reading_in checks and runs through the rules (rows written straight into a partition by its owner, as pg_restore writes them, go in as they are)';
CREATE TRIGGER sensor_readings_start BEFORE INSERT ON gridgov.sensor_readings
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.sensor_readings_start();

CREATE FUNCTION gridgov.sensor_readings_done() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gridgov_sensor_readings_done' LANGUAGE C;
COMMENT ON FUNCTION gridgov.sensor_readings_done() IS
    'AFTER INSERT statement trigger on sensor_readings (and each partition): writes the rule states the statement changed to gridgov.sensor_rule_state';
CREATE TRIGGER sensor_readings_done AFTER INSERT ON gridgov.sensor_readings
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.sensor_readings_done();
CREATE TRIGGER sensor_readings_done AFTER INSERT ON gridgov.sensor_readings_default
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.sensor_readings_done();

CREATE FUNCTION gridgov.sensor_rule_eval(condition text, threshold double precision, hysteresis double precision,
                                         duration interval, rate_window interval, peak_step double precision,
                                         ats timestamptz[], vals double precision[])
    RETURNS TABLE (at timestamptz, value double precision, phase text, event text, measure double precision)
    AS 'MODULE_PATHNAME', 'gridgov_sensor_rule_eval' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.sensor_rule_eval(text, double precision, double precision, interval, interval, double precision, timestamptz[], double precision[]) IS
    'The rules'' state machine alone, the same C code as the trigger''s: runs readings (times ats, values vals, in order) through a rule of condition, threshold, hysteresis, duration, rate_window and peak_step from the idle state and returns each reading''s phase after it and its event (fire, peak, clear or NULL) with the measure (value, or rate per minute). For trying a rule on past data. 22023 for a bad parameter (as gridgov.sensor_rules refuses it) or arrays of different lengths; NULL arguments give no rows';

-- Opens the rule's case for the device, or joins the open one: the row of the
-- state is locked first, so that two backends never open two.
CREATE FUNCTION gridgov.sensor_rule_fire(sensor text, rule bigint, at timestamptz, since timestamptz,
                                         measure double precision, OUT county gridgov.gridcode, OUT case_id bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    s gridgov.sensors;
    r gridgov.sensor_rules;
    st gridgov.sensor_rule_state;
    open_case boolean := false;
    ext text;
BEGIN
    SELECT * INTO STRICT s FROM gridgov.sensors x WHERE x.id = sensor;
    SELECT * INTO STRICT r FROM gridgov.sensor_rules x WHERE x.id = rule;
    INSERT INTO gridgov.sensor_rule_state AS t (sensor_id, rule_id, phase)
    VALUES (sensor, rule, 'idle') ON CONFLICT ON CONSTRAINT sensor_rule_state_pkey DO NOTHING;
    SELECT * INTO STRICT st FROM gridgov.sensor_rule_state x
    WHERE x.sensor_id = sensor AND x.rule_id = rule FOR UPDATE;
    IF st.case_id IS NOT NULL THEN
        open_case := EXISTS (SELECT 1 FROM gridgov.cases c
                             WHERE c.county OPERATOR(gridgov.=) st.county AND c.id = st.case_id
                               AND c.closed_at IS NULL);
    END IF;
    IF open_case THEN
        county := st.county;
        case_id := st.case_id;
        PERFORM gridgov.sensor_case_event(county, case_id, 'sensor_alarm', at,
                                          pg_catalog.jsonb_build_object('sensor', sensor, 'rule', r.name,
                                                                        'since', since, 'value', measure));
    ELSE
        ext := pg_catalog.format('%s/%s/%s', sensor, rule,
                                 pg_catalog.to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS.US"Z"'));
        INSERT INTO gridgov.cases AS c (county, source, external_id, category, urgency, title, description,
                                        location, grid, department_id, reported_at, occurred_at)
        VALUES (s.county, 'sensor', ext, r.category, r.urgency,
                pg_catalog.left(pg_catalog.concat_ws(' ', s.name, r.title), 500),
                pg_catalog.format('设备 %s（%s）规则「%s」：%s 起 %s，读数 %s%s', sensor, s.kind, r.name,
                                  since, r.condition, measure, COALESCE(s.unit, '')),
                s.location, s.grid, COALESCE(r.department_id, s.department_id), at, since)
        RETURNING c.county, c.id INTO county, case_id;
        INSERT INTO gridgov.sensor_cases (county, case_id, sensor_id, rule_id, opened_at)
        VALUES (county, case_id, sensor, rule, at);
    END IF;
    UPDATE gridgov.sensor_rule_state x
    SET phase = 'firing', county = sensor_rule_fire.county, case_id = sensor_rule_fire.case_id,
        changed_at = pg_catalog.statement_timestamp()
    WHERE x.sensor_id = sensor AND x.rule_id = rule;
END
$$;
COMMENT ON FUNCTION gridgov.sensor_rule_fire(text, bigint, timestamptz, timestamptz, double precision) IS
    'Internal (readings'' trigger, as the owner of the history): the rule fired for the device at a reading of time at: opens its case (source sensor, reported at, occurred since) unless the case it opened before is still open, which gets a sensor_alarm event instead; returns the case';

CREATE FUNCTION gridgov.sensor_case_event(county gridgov.gridcode, case_id bigint, action text, at timestamptz,
                                          payload jsonb)
    RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    latest timestamptz;
BEGIN
    -- An event is never earlier than the case's latest one (GG111).
    SELECT pg_catalog.max(e.at) INTO latest FROM gridgov.case_events e
    WHERE e.county OPERATOR(gridgov.=) sensor_case_event.county AND e.case_id = sensor_case_event.case_id;
    PERFORM gridgov.case_system_update(county, case_id, action, payload, GREATEST(at, latest));
END
$$;
COMMENT ON FUNCTION gridgov.sensor_case_event(gridgov.gridcode, bigint, text, timestamptz, jsonb) IS
    'Internal: appends a device''s event (sensor_alarm, sensor_peak, sensor_cleared) to a case''s history at time at (or the case''s latest event time when that is later)';

CREATE FUNCTION gridgov.sensor_rule_note(sensor text, rule bigint, action text, at timestamptz,
                                         measure double precision)
    RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    st gridgov.sensor_rule_state;
BEGIN
    IF action NOT IN ('sensor_peak', 'sensor_cleared') THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('%s is not a device event', action);
    END IF;
    SELECT * INTO st FROM gridgov.sensor_rule_state x WHERE x.sensor_id = sensor AND x.rule_id = rule FOR UPDATE;
    IF NOT FOUND OR st.case_id IS NULL THEN
        RETURN;
    END IF;
    PERFORM gridgov.sensor_case_event(st.county, st.case_id, action, at,
                                      pg_catalog.jsonb_build_object('sensor', sensor,
                                                                    'rule', (SELECT r.name FROM gridgov.sensor_rules r WHERE r.id = rule),
                                                                    'value', measure));
    IF action = 'sensor_cleared' THEN
        UPDATE gridgov.sensor_rule_state x SET phase = 'idle', changed_at = pg_catalog.statement_timestamp()
        WHERE x.sensor_id = sensor AND x.rule_id = rule;
    END IF;
END
$$;
COMMENT ON FUNCTION gridgov.sensor_rule_note(text, bigint, text, timestamptz, double precision) IS
    'Internal (readings'' trigger, as the owner of the history): appends a new peak (sensor_peak) or the end of the condition (sensor_cleared) of the device x rule, with the reading''s value (or rate), to the history of the case the rule opened';

CREATE FUNCTION gridgov.sensor_state_load(sensor text)
    RETURNS SETOF gridgov.sensor_rule_state
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT * FROM gridgov.sensor_rule_state x WHERE x.sensor_id = sensor_state_load.sensor;
END;
COMMENT ON FUNCTION gridgov.sensor_state_load(text) IS
    'Internal: the rule states of a device, as the readings'' trigger loads them into memory';

-- Partitions --------------------------------------------------------------------------

CREATE FUNCTION gridgov.sensor_partitions(as_of timestamptz DEFAULT pg_catalog.now(), months_ahead integer DEFAULT 3)
    RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    m timestamptz;
    part text;
BEGIN
    IF as_of IS NULL OR months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 36
       OR NOT (as_of >= timestamptz '1949-01-01 00:00+00' AND as_of < timestamptz '2200-01-01 00:00+00') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'sensor_partitions needs an as_of in 1949-2199 and months_ahead between 0 and 36';
    END IF;
    FOR i IN 0 .. months_ahead LOOP
        m := (pg_catalog.date_trunc('month', as_of AT TIME ZONE 'UTC') + pg_catalog.make_interval(months => i))
             AT TIME ZONE 'UTC';
        part := 'sensor_readings_y' || pg_catalog.to_char(m AT TIME ZONE 'UTC', 'YYYY"m"MM');
        CONTINUE WHEN pg_catalog.to_regclass('gridgov.' || part) IS NOT NULL;
        EXECUTE pg_catalog.format('CREATE TABLE gridgov.%I PARTITION OF gridgov.sensor_readings FOR VALUES FROM (%L) TO (%L)',
                                  part, m, m + interval '1 month');
        EXECUTE pg_catalog.format('CREATE TRIGGER sensor_readings_done AFTER INSERT ON gridgov.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.sensor_readings_done()', part);
        EXECUTE pg_catalog.format('COMMENT ON TABLE gridgov.%I IS %L', part,
                                  pg_catalog.format('Readings of %s (UTC), a partition of gridgov.sensor_readings',
                                                    pg_catalog.to_char(m AT TIME ZONE 'UTC', 'YYYY-MM')));
        EXECUTE pg_catalog.format(
            'COMMENT ON COLUMN gridgov.%1$I.sensor_id IS %2$L; COMMENT ON COLUMN gridgov.%1$I.at IS %3$L; '
            'COMMENT ON COLUMN gridgov.%1$I.value IS %4$L; COMMENT ON COLUMN gridgov.%1$I.quality IS %5$L',
            part, 'The device (as in gridgov.sensor_readings)', 'When it was measured (as in gridgov.sensor_readings)',
            'The value (as in gridgov.sensor_readings)', 'The quality (as in gridgov.sensor_readings)');
        RETURN NEXT part;
    END LOOP;
END
$$;
COMMENT ON FUNCTION gridgov.sensor_partitions(timestamptz, integer) IS
    'Administration: makes the monthly partitions of gridgov.sensor_readings (UTC months, named sensor_readings_yYYYYmMM) of the month of as_of and months_ahead months after it that do not exist yet; returns those made. The nightly job runs it for now and 3 months ahead; run it with an earlier as_of before loading past readings. Runs as the extension''s owner (the partitions are its own; the admin role has no CREATE on the schema). 22023 for a bad argument (as_of outside 1949-2199)';

CREATE FUNCTION gridgov.sensor_quarantine_retry(reasons text[] DEFAULT ARRAY['unknown_sensor', 'inactive_sensor', 'future', 'no_partition'])
    RETURNS TABLE (retried bigint, quarantined_again bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    landed bigint;
BEGIN
    IF reasons IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'reasons must not be NULL';
    END IF;
    WITH moved AS (
        DELETE FROM gridgov.sensor_quarantine q WHERE q.reason = ANY (reasons)
        RETURNING q.id, q.sensor_id, q.at, q.value, q.quality),
    fed AS (
        INSERT INTO gridgov.sensor_readings (sensor_id, at, value, quality)
        SELECT m.sensor_id, m.at, m.value, m.quality FROM moved m ORDER BY m.at, m.id
        RETURNING 1)
    SELECT (SELECT pg_catalog.count(*) FROM moved), (SELECT pg_catalog.count(*) FROM fed) INTO retried, landed;
    quarantined_again := retried - landed;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION gridgov.sensor_quarantine_retry(text[]) IS
    'Administration: feeds the quarantined readings of the reasons given again, oldest first (a device registered since, a partition made since, a future reading whose time has come): returns how many were fed and how many of them were quarantined again (with their reason now). Runs as the extension''s owner (the admin role may not INSERT readings), feeding through gridgov.sensor_readings and its checks';

-- Video alerts -------------------------------------------------------------------------

CREATE TABLE gridgov.video_event_types (
    event_type      text COLLATE pg_catalog."C" PRIMARY KEY CHECK (event_type ~ '^[a-z][a-z0-9_]{0,39}$'),
    name            text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 100),
    category        text COLLATE pg_catalog."C" NOT NULL,
    urgency         gridgov.urgency,
    min_confidence  double precision NOT NULL DEFAULT 0.8 CHECK (min_confidence >= 0 AND min_confidence <= 1),
    dedup_radius_m  double precision NOT NULL DEFAULT 50 CHECK (dedup_radius_m >= 0 AND dedup_radius_m <= 5000),
    dedup_window    interval NOT NULL DEFAULT '30 minutes'
                    CHECK (dedup_window >= interval '0' AND dedup_window <= interval '7 days'),
    active          boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE gridgov.video_event_types IS
    'What an AI camera reports (违停, 垃圾堆放, 人群聚集...): the category of its cases, the confidence an alert needs to open one (below it: review), and the duplicate window: an alert within dedup_radius_m metres and dedup_window of an earlier alert of the type whose case is open joins that case';
COMMENT ON COLUMN gridgov.video_event_types.event_type IS 'Event type as the video platform names it, e.g. illegal_parking';
COMMENT ON COLUMN gridgov.video_event_types.name IS 'Name for people, e.g. 违法停车';
COMMENT ON COLUMN gridgov.video_event_types.category IS 'Category of its cases (an active category)';
COMMENT ON COLUMN gridgov.video_event_types.urgency IS 'Urgency of its cases; NULL: the category''s default';
COMMENT ON COLUMN gridgov.video_event_types.min_confidence IS 'Confidence (0-1) an alert needs to open or join a case; below it the alert waits for review';
COMMENT ON COLUMN gridgov.video_event_types.dedup_radius_m IS 'Metres within which an alert is a duplicate of an earlier one (0-5000)';
COMMENT ON COLUMN gridgov.video_event_types.dedup_window IS 'Time within which an alert is a duplicate of an earlier one (0-7 days)';
COMMENT ON COLUMN gridgov.video_event_types.active IS 'false: its alerts are kept for review only';
SELECT pg_catalog.pg_extension_config_dump('gridgov.video_event_types', '');

CREATE FUNCTION gridgov.video_event_types_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('video_event_types_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NOT EXISTS (SELECT 1 FROM gridgov.categories c WHERE c.code = NEW.category AND c.active) THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('video event type "%s": category "%s" is not an active category',
                                        pg_catalog.left(NEW.event_type, 40), pg_catalog.left(NEW.category, 20)),
            DETAIL = 'An alert of the type opens a case of its category; it must exist in gridgov.categories and be active.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.video_event_types_check() IS
    'Trigger: a video event type''s category must be an active category (23503), as a sensor rule''s';
CREATE TRIGGER video_event_types_check BEFORE INSERT OR UPDATE ON gridgov.video_event_types
    FOR EACH ROW EXECUTE FUNCTION gridgov.video_event_types_check();

CREATE TABLE gridgov.video_alerts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    camera_id       text COLLATE pg_catalog."C" NOT NULL,
    event_type      text COLLATE pg_catalog."C" NOT NULL,
    confidence      double precision NOT NULL,
    image_url       text,
    at              timestamptz NOT NULL,
    location        geometry(Point, 4326),
    external_id     text CHECK (pg_catalog.length(external_id) BETWEEN 1 AND 100),
    status          text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'case', 'duplicate', 'review', 'dismissed')),
    county          gridgov.gridcode,
    case_id         bigint,
    received_at     timestamptz NOT NULL DEFAULT pg_catalog.statement_timestamp(),
    UNIQUE (camera_id, external_id)
);
CREATE INDEX video_alerts_type_at ON gridgov.video_alerts (event_type, at) WHERE case_id IS NOT NULL;
CREATE INDEX video_alerts_review ON gridgov.video_alerts (received_at) WHERE status = 'review';
COMMENT ON TABLE gridgov.video_alerts IS
    'Alerts of AI cameras (INSERT camera_id, event_type, confidence, image_url, at[, location, external_id]): a trigger opens a case (status case), joins the open case of a duplicate (status duplicate) or keeps the alert for review below the type''s threshold (status review: gridgov.video_alert_review decides)';
COMMENT ON COLUMN gridgov.video_alerts.id IS 'Identifier';
COMMENT ON COLUMN gridgov.video_alerts.camera_id IS 'The camera (a device of gridgov.sensors)';
COMMENT ON COLUMN gridgov.video_alerts.event_type IS 'What it saw (gridgov.video_event_types)';
COMMENT ON COLUMN gridgov.video_alerts.confidence IS 'The model''s confidence, 0-1';
COMMENT ON COLUMN gridgov.video_alerts.image_url IS 'Snapshot: an http or https URL of at most 2000 characters without spaces, or NULL';
COMMENT ON COLUMN gridgov.video_alerts.at IS 'When it was seen';
COMMENT ON COLUMN gridgov.video_alerts.location IS 'Where (WGS-84); the camera''s location when not given';
COMMENT ON COLUMN gridgov.video_alerts.external_id IS 'The video platform''s own id of the alert: unique per camera, so a re-sent alert is a no-op with ON CONFLICT DO NOTHING';
COMMENT ON COLUMN gridgov.video_alerts.status IS 'case (opened a case), duplicate (joined an open case), review (below the threshold, the camera or type is inactive, or seen in another county than the camera''s: waits for a person), dismissed (reviewed and rejected)';
COMMENT ON COLUMN gridgov.video_alerts.county IS 'County of the camera';
COMMENT ON COLUMN gridgov.video_alerts.case_id IS 'The case it opened or joined';
COMMENT ON COLUMN gridgov.video_alerts.received_at IS 'When it arrived';
SELECT pg_catalog.pg_extension_config_dump('gridgov.video_alerts', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.video_alerts_id_seq', '');

-- The one rule of a video alert that passes: join an open duplicate or open a case.
CREATE FUNCTION gridgov.video_alert_file(a gridgov.video_alerts, t gridgov.video_event_types, s gridgov.sensors,
                                         OUT status text, OUT county gridgov.gridcode, OUT case_id bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    dup record;
BEGIN
    -- One filer per event type at a time, so that two alerts never open two cases.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('gridgov.video_alerts'), pg_catalog.hashtext(t.event_type));
    SELECT v.county, v.case_id INTO dup
    FROM gridgov.video_alerts v
    JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) v.county AND c.id = v.case_id AND c.closed_at IS NULL
    WHERE v.event_type = t.event_type AND v.case_id IS NOT NULL AND v.id <> a.id
      AND v.at BETWEEN a.at - t.dedup_window AND a.at + t.dedup_window
      AND public.ST_DWithin(v.location::public.geography, a.location::public.geography, t.dedup_radius_m)
    ORDER BY public.ST_Distance(v.location::public.geography, a.location::public.geography), v.at DESC, v.id
    LIMIT 1;
    IF FOUND THEN
        status := 'duplicate';
        county := dup.county;
        case_id := dup.case_id;
        PERFORM gridgov.sensor_case_event(county, case_id, 'sensor_alarm', a.at,
                                          pg_catalog.jsonb_build_object('camera', a.camera_id, 'video_alert', a.id,
                                                                        'event_type', a.event_type,
                                                                        'confidence', a.confidence,
                                                                        'image_url', a.image_url));
        RETURN;
    END IF;
    status := 'case';
    INSERT INTO gridgov.cases AS c (county, source, external_id, category, urgency, title, description, location,
                                    department_id, reported_at, occurred_at)
    VALUES (gridgov.case_county(a.location, 'wgs84', NULL, a.at), 'video', 'video/' || a.id, t.category, t.urgency,
            pg_catalog.left(pg_catalog.concat_ws(' ', s.name, t.name), 500),
            pg_catalog.format('视频告警 %s：%s，置信度 %s，图片 %s', a.camera_id, t.name,
                              pg_catalog.round(a.confidence::numeric, 3), COALESCE(a.image_url, '无')),
            a.location, s.department_id, a.at, a.at)
    RETURNING c.county, c.id INTO county, case_id;
    INSERT INTO gridgov.sensor_cases (county, case_id, sensor_id, video_alert_id, opened_at)
    VALUES (county, case_id, a.camera_id, a.id, a.at);
END
$$;
COMMENT ON FUNCTION gridgov.video_alert_file(gridgov.video_alerts, gridgov.video_event_types, gridgov.sensors) IS
    'Internal: files a video alert that passed its threshold: joins the open case of the nearest earlier alert of its type within the type''s radius and window (a sensor_alarm event), else opens a case (source video); returns the status and the case';

CREATE FUNCTION gridgov.video_alert_in() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    s gridgov.sensors;
    t gridgov.video_event_types;
    f record;
BEGIN
    PERFORM gridgov.trigger_check('video_alert_in', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF NEW.camera_id IS NULL OR NEW.event_type IS NULL OR NEW.at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', MESSAGE = 'a video alert needs a camera_id, an event_type and a time';
    END IF;
    SELECT * INTO s FROM gridgov.sensors x WHERE x.id = NEW.camera_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('camera "%s" is not a registered device', pg_catalog.left(NEW.camera_id, 64)),
            HINT = 'Register it in gridgov.sensors (kind camera) first.';
    END IF;
    SELECT * INTO t FROM gridgov.video_event_types x WHERE x.event_type = NEW.event_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = pg_catalog.format('video event type "%s" is not defined', pg_catalog.left(NEW.event_type, 40)),
            HINT = 'Add it to gridgov.video_event_types.';
    END IF;
    IF NEW.confidence IS NULL OR NOT (NEW.confidence >= 0 AND NEW.confidence <= 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'confidence must be between 0 and 1';
    END IF;
    IF NEW.image_url IS NOT NULL AND (NEW.image_url !~ '^https?://[^[:space:]/?#]+[^[:space:]]*$'
                                      OR pg_catalog.length(NEW.image_url) > 2000) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'image_url must be an http or https URL of at most 2000 characters without spaces';
    END IF;
    IF NOT pg_catalog.isfinite(NEW.at)
       OR NEW.at > pg_catalog.now() + pg_catalog.current_setting('gridgov.future_tolerance')::interval THEN
        RAISE EXCEPTION USING ERRCODE = 'GG112', MESSAGE = 'the time of a video alert must not lie in the future',
            DETAIL = 'It may be at most gridgov.future_tolerance seconds ahead of the database''s clock.';
    END IF;
    IF NEW.at < timestamptz '1949-01-01 00:00+00' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the time of a video alert must not lie before 1949';
    END IF;
    NEW.location := COALESCE(NEW.location, s.location);
    IF public.ST_SRID(NEW.location) <> 4326 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the location of a video alert must be a WGS-84 point';
    END IF;
    NEW.county := s.county;
    NEW.case_id := NULL;
    NEW.received_at := pg_catalog.statement_timestamp();
    -- Below the threshold, of an inactive camera or type, or seen in another
    -- county than the camera's (a platform could otherwise open cases in any
    -- county by the location it sends): a person of the camera's county decides.
    IF NOT s.active OR NOT t.active OR NEW.confidence < t.min_confidence
       OR gridgov.case_county(NEW.location, 'wgs84', NULL, NEW.at) IS DISTINCT FROM s.county THEN
        NEW.status := 'review';
        RETURN NEW;
    END IF;
    f := gridgov.video_alert_file(NEW, t, s);
    NEW.status := f.status;
    NEW.county := f.county;
    NEW.case_id := f.case_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.video_alert_in() IS
    'BEFORE INSERT trigger on video_alerts: checks the alert (camera, event type and time given 23502, camera 23503, event type 23503, confidence 22023, image URL 22023, time GG112 when in the future, 22023 before 1949), takes the camera''s location when none is given, stamps received_at with the statement''s time, and files it: review below the type''s threshold (or when camera or type is inactive, or the location lies in another county than the camera''s), else gridgov.video_alert_file (duplicate or case)';
CREATE TRIGGER video_alert_in BEFORE INSERT ON gridgov.video_alerts
    FOR EACH ROW EXECUTE FUNCTION gridgov.video_alert_in();

CREATE FUNCTION gridgov.case_readable_by_caller(county gridgov.gridcode, grid gridgov.gridcode,
                                                department_id bigint, case_id bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gridgov_case_readable_by_caller' LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000;
COMMENT ON FUNCTION gridgov.case_readable_by_caller(gridgov.gridcode, gridgov.gridcode, bigint, bigint) IS
    'Internal: gridgov.case_readable for the login that called (the session''s role), not the current user: what a SECURITY DEFINER function (gridgov.video_alert_review) asks about its caller''s scope';

CREATE FUNCTION gridgov.video_alert_review(alert_id bigint, accept boolean)
    RETURNS gridgov.video_alerts
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    a gridgov.video_alerts;
    f record;
BEGIN
    IF alert_id IS NULL OR accept IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'video_alert_review needs an alert and a decision';
    END IF;
    SELECT * INTO a FROM gridgov.video_alerts x WHERE x.id = alert_id FOR UPDATE;
    -- An alert the caller does not see (another county's) looks as if it did not exist.
    IF NOT FOUND OR a.status <> 'review' OR NOT gridgov.case_readable_by_caller(a.county, NULL, NULL, NULL) THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
            MESSAGE = pg_catalog.format('video alert %s is not waiting for review', alert_id);
    END IF;
    IF accept THEN
        f := gridgov.video_alert_file(a, (SELECT t FROM gridgov.video_event_types t WHERE t.event_type = a.event_type),
                                      (SELECT s FROM gridgov.sensors s WHERE s.id = a.camera_id));
        UPDATE gridgov.video_alerts x SET status = f.status, county = f.county, case_id = f.case_id
        WHERE x.id = alert_id RETURNING * INTO a;
    ELSE
        UPDATE gridgov.video_alerts x SET status = 'dismissed' WHERE x.id = alert_id RETURNING * INTO a;
    END IF;
    RETURN a;
END
$$;
COMMENT ON FUNCTION gridgov.video_alert_review(bigint, boolean) IS
    'A person decides a video alert waiting for review: accept files it as if it had passed its threshold (opens a case or joins an open duplicate), otherwise it is dismissed; returns the alert. 22004 NULL argument, 55000 when the alert does not wait for review or lies outside the caller''s scope (its county''s command center decides)';
-- The cache registry watches gridgov.sensors and gridgov.sensor_rules (src/sql/095_caches.sql
-- makes their triggers on a fresh install): the block 1.5.0's upgrade has for the same.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT w.table_name FROM gridgov.cache_watched_tables() w
             WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                               WHERE g.tgrelid = pg_catalog.format('gridgov.%I', w.table_name)::pg_catalog.regclass
                                 AND g.tgname = w.table_name || '_invalidate')
             ORDER BY 1 LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gridgov.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION gridgov.invalidate_caches()',
            t || '_invalidate', t);
    END LOOP;
END
$$;
-- Row-level security of the cases machines opened and of video alerts (src/sql/097_access.sql).
ALTER TABLE gridgov.sensor_cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY sensor_cases_read ON gridgov.sensor_cases FOR SELECT
    USING (gridgov.case_row_readable(county, case_id));
ALTER TABLE gridgov.video_alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY video_alerts_read ON gridgov.video_alerts FOR SELECT
    USING (CASE WHEN case_id IS NULL THEN gridgov.case_readable(county, NULL, NULL, NULL)
                ELSE gridgov.case_row_readable(county, case_id) END);
CREATE POLICY video_alerts_feed ON gridgov.video_alerts FOR INSERT WITH CHECK (true);
ALTER TABLE gridgov.sensors ENABLE ROW LEVEL SECURITY;
CREATE POLICY sensors_scope ON gridgov.sensors
    USING (gridgov.case_readable(county, grid, department_id, NULL));
CREATE VIEW gridgov.device_readings WITH (security_barrier = true) AS
SELECT r.sensor_id, r.at, r.value, r.quality
FROM gridgov.sensor_readings r
WHERE EXISTS (SELECT 1 FROM gridgov.sensors s
              WHERE s.id = r.sensor_id AND gridgov.case_readable(s.county, s.grid, s.department_id, NULL));
COMMENT ON VIEW gridgov.device_readings IS
    'The readings of the devices the caller sees (gridgov.sensors under row-level security: by county, grid and owner department, as cases are seen): what the case roles, leaders and auditors read instead of gridgov.sensor_readings';
COMMENT ON COLUMN gridgov.device_readings.sensor_id IS 'The device';
COMMENT ON COLUMN gridgov.device_readings.at IS 'When it was measured';
COMMENT ON COLUMN gridgov.device_readings.value IS 'The measured value';
COMMENT ON COLUMN gridgov.device_readings.quality IS '0 good, 1 suspect, 2 bad';
-- The nightly job makes the readings' partitions ahead (src/sql/074_sla_sweep.sql).
CREATE OR REPLACE FUNCTION gridgov.nightly_maintenance(as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
DECLARE
    result jsonb := pg_catalog.jsonb_build_object('rehomed', gridgov.rehome_due_cases(as_of));
    analytics jsonb;
    made bigint;
BEGIN
    IF pg_catalog.to_regprocedure('gridgov.analytics_nightly(timestamp with time zone)') IS NOT NULL THEN
        EXECUTE 'SELECT pg_catalog.to_jsonb(gridgov.analytics_nightly($1))' INTO STRICT analytics USING as_of;
        result := result || pg_catalog.jsonb_build_object('analytics', analytics);
    END IF;
    result := result || pg_catalog.jsonb_build_object('seal', gridgov.seal_nightly(as_of));
    IF pg_catalog.to_regprocedure('gridgov.sensor_partitions(timestamp with time zone, integer)') IS NOT NULL THEN
        EXECUTE 'SELECT pg_catalog.count(*) FROM gridgov.sensor_partitions($1, 3)' INTO STRICT made USING as_of;
        result := result || pg_catalog.jsonb_build_object('sensor_partitions', made);
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION gridgov.nightly_maintenance(timestamptz) IS
    'Administration: the nightly job: re-homes open cases of re-divisions that took effect, refreshes the analytics summaries, seals yesterday''s histories (gridgov.seal_nightly) and makes the devices'' reading partitions of this month and the next 3 (gridgov.sensor_partitions); returns what it did';

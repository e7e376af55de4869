-- ---------------------------------------------------------------------------
-- analytics (7/7): Open311 GeoReport v2 as SQL.
--
-- gridgov.open311_service_requests maps every case to the spec's service
-- request fields without personal data; the four functions return the spec's
-- JSON bodies (services list, requests, one request, the answer to a POST) or,
-- on a client error, the spec's error body [{"code": 400|404, "description":
-- ...}].  docs/open311.md has the field mapping.  The functions are SECURITY
-- DEFINER and not executable by PUBLIC: grant them to the API gateway's role.
-- ---------------------------------------------------------------------------

-- W3C date-time with the offset of a time zone, e.g. 2026-03-02T09:00:00+08:00
-- (in C: three per service request and one per feed event; src/time/w3c.c).
CREATE FUNCTION gridgov.w3c_time(t timestamptz, time_zone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_w3c_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.w3c_time(timestamptz, text) IS
    'A time as a W3C date-time (ISO 8601 subset) in a time zone (any spelling AT TIME ZONE takes; 22023 for an unknown one), with its UTC offset, e.g. 2026-03-02T09:00:00+08:00; seconds truncated; NULL for NULL or an infinite time';

-- A W3C date-time (the profile of ISO 8601 in https://www.w3.org/TR/NOTE-datetime
-- that Open311 prescribes): a complete date, hours and minutes, optional seconds
-- and fraction, and a zone designator (Z or +hh:mm / -hh:mm), which is required so
-- that the time never depends on the session's TimeZone.
CREATE FUNCTION gridgov.w3c_parse(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    v timestamptz;
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF t !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format',
            MESSAGE = 'not a W3C date-time with a time zone designator',
            HINT = 'Write e.g. 2026-03-01T00:00:00+08:00 or 2026-02-28T16:00:00Z.';
    END IF;
    BEGIN
        v := t::timestamptz;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format',
            MESSAGE = 'not a valid W3C date-time',
            HINT = 'A field is out of range (month 1-12, day of the month, hour 0-23, minute and second 0-59).';
    END;
    RETURN v;
END
$$;
COMMENT ON FUNCTION gridgov.w3c_parse(text) IS
    'A W3C date-time (YYYY-MM-DDThh:mm[:ss[.s]] with Z or +hh:mm/-hh:mm: hours 00-23, minutes and seconds 00-59, offsets up to 14:59, at most 6 decimals; the zone designator is required) as timestamptz; NULL for NULL; anything else (another format, a relative word such as now, a missing offset, a field out of range) is 22007';

-- Free text without the reporter's name, phone numbers or e-mail addresses;
-- numbers in other digits than ASCII ones are left to gridgov.mask_numbers.
CREATE FUNCTION gridgov.mask_personal(txt text, reporter_name text, reporter_phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN gridgov.mask_numbers(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
           CASE WHEN pg_catalog.length(reporter_name) >= 2
                THEN pg_catalog.replace(CASE WHEN reporter_phone <> '' THEN pg_catalog.replace(txt, reporter_phone, '***')
                                             ELSE txt END, reporter_name, '**')
                ELSE CASE WHEN reporter_phone <> '' THEN pg_catalog.replace(txt, reporter_phone, '***') ELSE txt END END,
           '\+?[0-9][0-9 ()-]{5,}[0-9]', '***', 'g'),
       '[^[:space:]@]+@[^[:space:]@]+', '***', 'g'));
COMMENT ON FUNCTION gridgov.mask_personal(text, text, text) IS
    'Free text with the reporter''s name (2 characters or more) replaced by **, and the reporter''s phone, any run of 7 or more ASCII digits (with spaces, dashes or brackets) and any e-mail address replaced by ***; then numbers in other digits (full-width, Chinese numerals...) masked by gridgov.mask_numbers';

CREATE VIEW gridgov.open311_service_requests AS
SELECT c.id AS case_id, c.county, c.case_no AS service_request_id,
       CASE WHEN c.closed_at IS NOT NULL THEN 'closed' ELSE 'open' END AS status,
       ws.title || CASE WHEN c.master_case_id IS NOT NULL
                        THEN '（已合并至 ' || COALESCE(m.case_no, '?') || '）' ELSE '' END AS status_notes,
       cat.name AS service_name, c.category AS service_code,
       gridgov.mask_personal(c.title, c.reporter_name, c.reporter_phone) AS description,
       d.name AS agency_responsible, wf.title AS service_notice,
       c.reported_at AS requested_datetime, c.updated_at AS updated_datetime, s.deadline AS expected_datetime,
       pg_catalog.concat_ws(' ', t.name, COALESCE(g.name, cm.name)) AS address,
       c.grid::text AS address_id, NULL::text AS zipcode,
       pg_catalog.round(ST_Y(c.location)::numeric, 3) AS lat, pg_catalog.round(ST_X(c.location)::numeric, 3) AS long,
       NULL::text AS media_url
FROM gridgov.cases c
JOIN gridgov.categories cat ON cat.code = c.category
JOIN gridgov.workflows wf ON wf.name = c.workflow
JOIN gridgov.workflow_states ws ON ws.workflow = c.workflow AND ws.state = c.state
LEFT JOIN gridgov.cases m ON m.county OPERATOR(gridgov.=) c.county AND m.id = c.master_case_id
LEFT JOIN gridgov.departments d ON d.id = c.department_id
LEFT JOIN gridgov.case_stats s ON s.county OPERATOR(gridgov.=) c.county AND s.case_id = c.id
LEFT JOIN gridgov.grids t ON t.code OPERATOR(gridgov.=) gridgov.area_at(c.county, c.grid, 4)
                         AND gridgov.level(c.grid) >= 4 AND t.valid_to = 'infinity'
LEFT JOIN gridgov.grids cm ON cm.code OPERATOR(gridgov.=) gridgov.area_at(c.county, c.grid, 5)
                          AND gridgov.level(c.grid) >= 5 AND cm.valid_to = 'infinity'
LEFT JOIN gridgov.grids g ON g.code OPERATOR(gridgov.=) c.grid AND gridgov.level(c.grid) >= 6
                         AND g.valid_to = 'infinity';
COMMENT ON VIEW gridgov.open311_service_requests IS
    'Every case as an Open311 GeoReport v2 service request, without personal data: the description is the case title with the reporter''s name, phone numbers and e-mail addresses masked (gridgov.mask_personal), the address is the names of the town and grid, lat/long are rounded to 0.001 degree; no reporter name or phone, no free-text address, no full description. See docs/open311.md';
COMMENT ON COLUMN gridgov.open311_service_requests.case_id IS 'Internal case id (not published)';
COMMENT ON COLUMN gridgov.open311_service_requests.county IS 'County (the Open311 jurisdiction_id)';
COMMENT ON COLUMN gridgov.open311_service_requests.service_request_id IS 'The case number';
COMMENT ON COLUMN gridgov.open311_service_requests.status IS 'open, or closed once the case is closed';
COMMENT ON COLUMN gridgov.open311_service_requests.status_notes IS 'Title of the current workflow state (merged duplicates name their master)';
COMMENT ON COLUMN gridgov.open311_service_requests.service_name IS 'Category name';
COMMENT ON COLUMN gridgov.open311_service_requests.service_code IS 'Category code';
COMMENT ON COLUMN gridgov.open311_service_requests.description IS 'Case title with personal data masked';
COMMENT ON COLUMN gridgov.open311_service_requests.agency_responsible IS 'Name of the responsible department';
COMMENT ON COLUMN gridgov.open311_service_requests.service_notice IS 'Title of the workflow the case follows';
COMMENT ON COLUMN gridgov.open311_service_requests.requested_datetime IS 'When the case was reported';
COMMENT ON COLUMN gridgov.open311_service_requests.updated_datetime IS 'Time of the case''s latest event';
COMMENT ON COLUMN gridgov.open311_service_requests.expected_datetime IS 'The case''s deadline (gridgov.case_facts.deadline)';
COMMENT ON COLUMN gridgov.open311_service_requests.address IS 'Town and grid names';
COMMENT ON COLUMN gridgov.open311_service_requests.address_id IS 'Grid code';
COMMENT ON COLUMN gridgov.open311_service_requests.zipcode IS 'Always NULL: postal codes are not kept';
COMMENT ON COLUMN gridgov.open311_service_requests.lat IS 'Latitude, WGS-84, 3 decimals';
COMMENT ON COLUMN gridgov.open311_service_requests.long IS 'Longitude, WGS-84, 3 decimals';
COMMENT ON COLUMN gridgov.open311_service_requests.media_url IS 'Always NULL: media are not kept';

-- The spec's error body.
CREATE FUNCTION gridgov.open311_error(code integer, description text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('code', code, 'description', description));
COMMENT ON FUNCTION gridgov.open311_error(integer, text) IS
    'The Open311 error body: [{"code": code, "description": description}]; code is the HTTP status to answer with';

-- One request as the spec's JSON object.
CREATE FUNCTION gridgov.open311_json(r gridgov.open311_service_requests, time_zone text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'gridgov_open311_json' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.open311_json(gridgov.open311_service_requests, text) IS
    'Internal: one row of gridgov.open311_service_requests as the spec''s service request object (its columns but case_id and county), times as W3C date-times in the time zone, lat and long numbers, NULL as JSON null (C: src/cases/open311.c)';

CREATE FUNCTION gridgov.open311_services() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'service_code', c.code, 'service_name', c.name,
               'description', pg_catalog.concat_ws(' / ', p.name, c.name),
               'metadata', false, 'type', 'realtime', 'keywords', pg_catalog.concat_ws(',', c.kind, c.code),
               'group', COALESCE(p.name, c.name)) ORDER BY c.code), '[]'::jsonb)
    FROM gridgov.categories c
    LEFT JOIN gridgov.categories p ON p.code = c.parent
    WHERE c.active
      AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = c.code AND ch.active);
END;
COMMENT ON FUNCTION gridgov.open311_services() IS
    'GET services: the active leaf categories as Open311 services (service_code, service_name, description, metadata false, type realtime, keywords, group = the parent class''s name), ordered by code';

CREATE FUNCTION gridgov.open311_service_definition(service_code text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT COALESCE((SELECT pg_catalog.jsonb_build_object('service_code', c.code, 'attributes', '[]'::jsonb)
                     FROM gridgov.categories c
                     WHERE c.code = open311_service_definition.service_code AND c.active
                       AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = c.code AND ch.active)),
                    gridgov.open311_error(404, 'service_code not found'));
END;
COMMENT ON FUNCTION gridgov.open311_service_definition(text) IS
    'GET service definition: {"service_code", "attributes": []} for a service of open311_services() (gridgov asks no extra attributes: every service has metadata false); [{"code": 404, ...}] for any other code';

CREATE FUNCTION gridgov.open311_requests(filters jsonb DEFAULT '{}', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    f jsonb := COALESCE(filters, '{}');
    bad text;
    ids text[];
    codes text[];
    statuses text[];
    t0 timestamptz;
    t1 timestamptz;
    jurisdiction gridgov.gridcode;
    tz text := gridgov.analytics_time_zone();
    page bigint[];
    result jsonb;
BEGIN
    IF pg_catalog.jsonb_typeof(f) <> 'object' THEN
        RETURN gridgov.open311_error(400, 'filters must be a JSON object');
    END IF;
    SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_object_keys(f) k
    WHERE k NOT IN ('jurisdiction_id', 'service_request_id', 'service_code', 'start_date', 'end_date', 'status');
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'unknown parameter: ' || bad);
    END IF;
    SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_each(f) e(k, v)
    WHERE pg_catalog.jsonb_typeof(v) NOT IN ('string', 'null')
      AND NOT (k IN ('service_request_id', 'service_code') AND pg_catalog.jsonb_typeof(v) = 'array');
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'parameters must be strings: ' || bad);
    END IF;

    IF f ->> 'jurisdiction_id' IS NOT NULL THEN
        BEGIN
            jurisdiction := (f ->> 'jurisdiction_id')::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation THEN
            jurisdiction := NULL;
        END;
        IF jurisdiction IS NULL OR gridgov.level(jurisdiction) <> 3
           OR NOT (jurisdiction OPERATOR(gridgov.=) gridgov.home_county()
                   OR EXISTS (SELECT 1 FROM gridgov.grids g WHERE g.code OPERATOR(gridgov.=) jurisdiction)) THEN
            RETURN gridgov.open311_error(404, 'jurisdiction_id not found');
        END IF;
    END IF;

    -- Lists: comma-delimited strings (the spec) or JSON arrays of strings.
    SELECT ARRAY(SELECT pg_catalog.btrim(x) FROM pg_catalog.unnest(
                     CASE pg_catalog.jsonb_typeof(f -> 'service_request_id')
                         WHEN 'array' THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(f -> 'service_request_id'))
                         ELSE pg_catalog.string_to_array(f ->> 'service_request_id', ',') END) x
                 WHERE pg_catalog.btrim(x) <> '') INTO ids;
    SELECT ARRAY(SELECT pg_catalog.btrim(x) FROM pg_catalog.unnest(
                     CASE pg_catalog.jsonb_typeof(f -> 'service_code')
                         WHEN 'array' THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(f -> 'service_code'))
                         ELSE pg_catalog.string_to_array(f ->> 'service_code', ',') END) x
                 WHERE pg_catalog.btrim(x) <> '') INTO codes;
    statuses := ARRAY(SELECT pg_catalog.btrim(x) FROM pg_catalog.unnest(pg_catalog.string_to_array(f ->> 'status', ',')) x
                      WHERE pg_catalog.btrim(x) <> '');
    IF EXISTS (SELECT 1 FROM pg_catalog.unnest(statuses) x WHERE x NOT IN ('open', 'closed')) THEN
        RETURN gridgov.open311_error(400, 'status must be open, closed or both, comma-delimited');
    END IF;

    IF pg_catalog.cardinality(ids) > 0 THEN
        -- The spec: service_request_id overrides every other argument.
        SELECT COALESCE(pg_catalog.jsonb_agg(gridgov.open311_json(r, tz) ORDER BY r.requested_datetime DESC, r.case_id DESC),
                        '[]'::jsonb)
        INTO result
        FROM (SELECT * FROM gridgov.open311_service_requests r
              WHERE r.service_request_id = ANY (ids)
              ORDER BY r.requested_datetime DESC, r.case_id DESC LIMIT 1000) r;
        RETURN result;
    END IF;

    BEGIN
        t0 := gridgov.w3c_parse(NULLIF(f ->> 'start_date', ''));
        t1 := gridgov.w3c_parse(NULLIF(f ->> 'end_date', ''));
    EXCEPTION WHEN invalid_datetime_format THEN
        RETURN gridgov.open311_error(400, 'start_date and end_date must be W3C date-times with a time zone, e.g. 2026-03-01T00:00:00+08:00');
    END;
    IF t0 IS NULL AND t1 IS NULL THEN
        t1 := as_of;
        t0 := as_of - interval '90 days';
    ELSIF t0 IS NULL THEN
        t0 := t1 - interval '90 days';
    ELSIF t1 IS NULL THEN
        t1 := LEAST(t0 + interval '90 days', GREATEST(t0, as_of));
    END IF;
    IF t1 < t0 THEN
        RETURN gridgov.open311_error(400, 'end_date is before start_date');
    END IF;
    IF t1 - t0 > interval '90 days' THEN
        RETURN gridgov.open311_error(400, 'the date range may not span more than 90 days');
    END IF;

    -- The page's cases first, from cases alone; the view's joins only for them
    -- (case ids are unique across counties and nodes).
    SELECT ARRAY(SELECT c.id FROM gridgov.cases c
                 WHERE c.reported_at >= t0 AND c.reported_at <= t1
                   AND (jurisdiction IS NULL OR c.county OPERATOR(gridgov.=) jurisdiction)
                   AND (pg_catalog.cardinality(codes) = 0 OR c.category = ANY (codes))
                   AND (pg_catalog.cardinality(statuses) = 0
                        OR CASE WHEN c.closed_at IS NOT NULL THEN 'closed' ELSE 'open' END = ANY (statuses))
                 ORDER BY c.reported_at DESC, c.id DESC LIMIT 1000)
    INTO page;
    SELECT COALESCE(pg_catalog.jsonb_agg(gridgov.open311_json(r, tz) ORDER BY r.requested_datetime DESC, r.case_id DESC),
                    '[]'::jsonb)
    INTO result
    FROM gridgov.open311_service_requests r
    WHERE r.case_id = ANY (page) AND (jurisdiction IS NULL OR r.county OPERATOR(gridgov.=) jurisdiction);
    RETURN result;
END
$$;
COMMENT ON FUNCTION gridgov.open311_requests(jsonb, timestamptz) IS
    'GET requests: service requests as the spec''s JSON array, newest first, at most 1,000. Filters (a JSON object of the query parameters): service_request_id (comma-delimited or array; overrides the others), service_code (comma-delimited or array), start_date and end_date (W3C date-times on requested_datetime, at most 90 days apart; default the 90 days up to as_of), status (open, closed), jurisdiction_id (county code). Errors: [{"code": 400 | 404, "description": ...}]';

CREATE FUNCTION gridgov.open311_request(id text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT COALESCE(
        (SELECT pg_catalog.jsonb_build_array(gridgov.open311_json(r, gridgov.analytics_time_zone()))
         FROM gridgov.open311_service_requests r WHERE r.service_request_id = open311_request.id),
        gridgov.open311_error(404, 'service_request_id not found'));
END;
COMMENT ON FUNCTION gridgov.open311_request(text) IS
    'GET request: one service request, as the spec''s array of one object; [{"code": 404, ...}] when there is no case with that number';

CREATE FUNCTION gridgov.open311_submit(request jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    r jsonb := request;
    bad text;
    cat gridgov.categories;
    lat double precision;
    lon double precision;
    grid gridgov.gridcode;
    county gridgov.gridcode;
    reporter text;
    c gridgov.cases;
BEGIN
    IF r IS NULL OR pg_catalog.jsonb_typeof(r) <> 'object' THEN
        RETURN gridgov.open311_error(400, 'the request must be a JSON object');
    END IF;
    -- attribute[CODE] is the spec's form encoding of the attribute object.
    SELECT pg_catalog.string_agg(pg_catalog.left(k, 40), ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_object_keys(r) k
    WHERE k NOT IN ('jurisdiction_id', 'service_code', 'lat', 'long', 'address_string', 'address_id', 'attribute',
                    'email', 'device_id', 'account_id', 'first_name', 'last_name', 'phone', 'description',
                    'media_url', 'api_key')
      AND k !~ '^attribute\[[^][]{1,100}\]$';
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'unknown parameter: ' || bad);
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.left(k, 40), ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_each(r) e(k, v)
    WHERE pg_catalog.jsonb_typeof(v) NOT IN ('string', 'null')
      AND NOT (k IN ('lat', 'long') AND pg_catalog.jsonb_typeof(v) = 'number')
      AND NOT (k = 'attribute' AND pg_catalog.jsonb_typeof(v) = 'object')
      AND NOT (k LIKE 'attribute[%' AND pg_catalog.jsonb_typeof(v) = 'array'
               AND NOT pg_catalog.jsonb_path_exists(v, 'strict $[*] ? (@.type() != "string")'));
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'parameters must be strings: ' || bad);
    END IF;

    IF NULLIF(r ->> 'service_code', '') IS NULL THEN
        RETURN gridgov.open311_error(400, 'service_code was not provided');
    END IF;
    -- A service of open311_services(): an active category without active subcategories.
    SELECT * INTO cat FROM gridgov.categories x WHERE x.code = r ->> 'service_code' AND x.active
      AND NOT EXISTS (SELECT 1 FROM gridgov.categories ch WHERE ch.parent = x.code AND ch.active);
    IF NOT FOUND THEN
        RETURN gridgov.open311_error(404, 'service_code not found');
    END IF;

    IF r ->> 'jurisdiction_id' IS NOT NULL THEN
        BEGIN
            county := (r ->> 'jurisdiction_id')::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation THEN
            county := NULL;
        END;
        IF county IS NULL OR gridgov.level(county) <> 3
           OR NOT (county OPERATOR(gridgov.=) gridgov.home_county()
                   OR EXISTS (SELECT 1 FROM gridgov.grids g WHERE g.code OPERATOR(gridgov.=) county)) THEN
            RETURN gridgov.open311_error(404, 'jurisdiction_id not found');
        END IF;
    END IF;

    IF (r ->> 'lat') IS NOT NULL OR (r ->> 'long') IS NOT NULL THEN
        BEGIN
            lat := (r ->> 'lat')::double precision;
            lon := (r ->> 'long')::double precision;
        EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
            RETURN gridgov.open311_error(400, 'lat and long must be numbers');
        END;
        IF lat IS NULL OR lon IS NULL THEN
            RETURN gridgov.open311_error(400, 'lat and long must be given together');
        END IF;
        IF NOT (lat BETWEEN -90 AND 90) OR NOT (lon BETWEEN -180 AND 180) THEN
            RETURN gridgov.open311_error(400, 'lat must lie in [-90, 90] and long in [-180, 180] (WGS-84 degrees)');
        END IF;
        -- The intake's own rule (locate): a point in no grid, nor near one, lies
        -- outside every jurisdiction this database serves.
        IF gridgov.locate(gridgov.wgs84_point(lon, lat)) IS NULL THEN
            RETURN gridgov.open311_error(400, 'the location lies outside the jurisdiction: no grid of this service covers it');
        END IF;
    END IF;
    IF NULLIF(r ->> 'address_id', '') IS NOT NULL THEN
        BEGIN
            grid := (r ->> 'address_id')::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation THEN
            grid := NULL;
        END;
        IF grid IS NULL OR NOT EXISTS (SELECT 1 FROM gridgov.grids g
                                       WHERE g.code OPERATOR(gridgov.=) grid AND g.valid_to = 'infinity') THEN
            RETURN gridgov.open311_error(400, 'address_id is not a grid code');
        END IF;
    END IF;
    IF lat IS NULL AND grid IS NULL AND NULLIF(pg_catalog.btrim(r ->> 'address_string'), '') IS NULL THEN
        RETURN gridgov.open311_error(400, 'a location is required: lat and long, address_string or address_id');
    END IF;
    IF pg_catalog.length(r ->> 'description') > 20000 OR pg_catalog.length(r ->> 'address_string') > 500
       OR pg_catalog.length(r ->> 'phone') > 40
       OR pg_catalog.length(COALESCE(r ->> 'last_name', '') || COALESCE(r ->> 'first_name', '')) > 99 THEN
        RETURN gridgov.open311_error(400, 'a parameter is too long (description 20,000, address_string 500, phone 40, names 99 characters)');
    END IF;

    -- Chinese names are family name first, others given name first.
    reporter := CASE WHEN COALESCE(r ->> 'last_name', '') || COALESCE(r ->> 'first_name', '') ~ '[一-鿿]'
                 THEN NULLIF(COALESCE(r ->> 'last_name', '') || COALESCE(r ->> 'first_name', ''), '')
                 ELSE NULLIF(pg_catalog.concat_ws(' ', NULLIF(r ->> 'first_name', ''), NULLIF(r ->> 'last_name', '')), '') END;
    BEGIN
        INSERT INTO gridgov.cases (source, category, title, description, location, coord_system, address, grid,
                                   reporter_name, reporter_phone)
        VALUES ('app', cat.code,
                cat.name,
                NULLIF(r ->> 'description', ''),
                CASE WHEN lat IS NOT NULL THEN gridgov.wgs84_point(lon, lat) END, 'wgs84',
                NULLIF(pg_catalog.btrim(r ->> 'address_string'), ''),
                CASE WHEN lat IS NULL THEN grid END,
                reporter, NULLIF(r ->> 'phone', ''))
        RETURNING * INTO c;
        IF county IS NOT NULL AND NOT (c.county OPERATOR(gridgov.=) county) THEN
            -- Caught below: the insert is undone.
            RAISE EXCEPTION USING ERRCODE = '22023',
                MESSAGE = pg_catalog.format('the location lies in county %s, not in jurisdiction %s', c.county, county);
        END IF;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
        RETURN gridgov.open311_error(400, SQLERRM);
    END;
    RETURN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
        'service_request_id', c.case_no,
        'service_notice', (SELECT w.title FROM gridgov.workflows w WHERE w.name = c.workflow),
        'account_id', NULL));
END
$$;
COMMENT ON FUNCTION gridgov.open311_submit(jsonb) IS
    'POST request: creates a case (source app) from the spec''s parameters as a JSON object — service_code (an active category), a location (lat and long in WGS-84 inside a grid this database serves, address_string, or address_id = a grid code), description (kept for the staff; the case''s title is the service name, so that the public answers never carry the citizen''s own words), first_name, last_name, phone; email, device_id, account_id, media_url, attribute and attribute[CODE] (the form encoding) are accepted and not stored — and answers [{"service_request_id", "service_notice", "account_id"}]. Client errors (including a location outside the given jurisdiction_id) answer [{"code": 400 | 404, "description"}] and create nothing';

REVOKE EXECUTE ON FUNCTION gridgov.open311_services() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_service_definition(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_requests(jsonb, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_request(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION gridgov.open311_submit(jsonb) FROM PUBLIC;

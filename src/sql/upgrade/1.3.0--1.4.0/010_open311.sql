-- w3c_time and open311_json in C (src/time/w3c.c, src/cases/open311.c), the W3C date-time parser, then the functions that use it or changed (086).
CREATE OR REPLACE FUNCTION gridgov.w3c_time(t timestamptz, time_zone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_w3c_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.w3c_time(timestamptz, text) IS
    'A time as a W3C date-time (ISO 8601 subset) in a time zone (any spelling AT TIME ZONE takes; 22023 for an unknown one), with its UTC offset, e.g. 2026-03-02T09:00:00+08:00; seconds truncated; NULL for NULL or an infinite time';
CREATE OR REPLACE FUNCTION gridgov.open311_json(r gridgov.open311_service_requests, time_zone text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'gridgov_open311_json' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.open311_json(gridgov.open311_service_requests, text) IS
    'Internal: one row of gridgov.open311_service_requests as the spec''s service request object (its columns but case_id and county), times as W3C date-times in the time zone, lat and long numbers, NULL as JSON null (C: src/cases/open311.c)';
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
CREATE OR REPLACE FUNCTION gridgov.open311_requests(filters jsonb DEFAULT '{}', as_of timestamptz DEFAULT pg_catalog.now())
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
CREATE OR REPLACE FUNCTION gridgov.open311_submit(request jsonb) RETURNS jsonb
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
REVOKE EXECUTE ON FUNCTION gridgov.open311_service_definition(text) FROM PUBLIC;

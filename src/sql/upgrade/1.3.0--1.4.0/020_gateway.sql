-- The gateway's side in SQL, as the install script has it (src/sql/087_gateway.sql).
-- ---------------------------------------------------------------------------
-- The gateway's side in SQL (gateway/, docs/gateway.md): API keys mapped to
-- database roles, the event feed read from the history as an outbox, and the
-- cross-platform transfer's outbox, delivery state and inbound updates.  The
-- gateway only calls these; every rule (who a key is, which events a caller
-- sees, when a push is retried, which update becomes which action) is here.
-- ---------------------------------------------------------------------------

-- A role an API key or a transfer endpoint may act as: an existing role that
-- cannot bypass what gridgov's privileges and row-level security decide.
CREATE FUNCTION gridgov.gateway_role_allowed(r name) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles x
    WHERE x.rolname = r
      -- a member of one of gridgov's group roles that HTTP callers act as
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles g
                  WHERE g.rolname IN ('gridgov_open311', 'gridgov_reporter', 'gridgov_dispatcher',
                                      'gridgov_department', 'gridgov_worker', 'gridgov_analyst',
                                      'gridgov_leader', 'gridgov_auditor')
                    AND pg_catalog.pg_has_role(x.oid, g.oid, 'MEMBER'))
      -- and not, directly or not, a role with powers beyond them
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles p
                      WHERE (p.rolsuper OR p.rolbypassrls OR p.rolcreaterole OR p.rolreplication
                             OR p.rolname IN ('gridgov_admin', 'gridgov_gateway') OR p.rolname LIKE 'pg\_%'
                             OR p.oid = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'gridgov'))
                        AND pg_catalog.pg_has_role(x.oid, p.oid, 'MEMBER')));
COMMENT ON FUNCTION gridgov.gateway_role_allowed(name) IS
    'Internal: whether an API key or a transfer endpoint may act as the role: it exists, is a member of one of gridgov''s group roles for callers (gridgov_open311, _reporter, _dispatcher, _department, _worker, _analyst, _leader, _auditor), and neither it nor any role it is a member of (directly or not) is a superuser, BYPASSRLS, CREATEROLE or REPLICATION role, gridgov_admin, gridgov_gateway, the extension''s owner or a predefined pg_ role';

-- The oldest transaction still running: every event of a transaction below it
-- is either visible or rolled back (docs/bi.md, "the watermark and the horizon").
CREATE FUNCTION gridgov.event_horizon() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text)::bigint;
COMMENT ON FUNCTION gridgov.event_horizon() IS
    'The id of the oldest transaction still running (pg_snapshot_xmin of the current snapshot): the events of every transaction below it (case_events.txid) are final, so a reader that stops there never finds an event later behind its position';

-- ---------------------------------------------------------------------------
-- API keys.

CREATE TABLE gridgov.api_keys (
    label           text PRIMARY KEY CHECK (label ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    key_hash        bytea NOT NULL UNIQUE CHECK (pg_catalog.octet_length(key_hash) = 32),
    db_role         name NOT NULL,
    rate_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_per_minute BETWEEN 1 AND 1000000),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at      timestamptz
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.api_keys', '');
COMMENT ON TABLE gridgov.api_keys IS
    'API keys of the gateway (docs/gateway.md): each maps to a database role, whose privileges and row-level security then apply to the HTTP caller. Only the SHA-256 of a key is kept; gridgov.api_key_create() makes one';
COMMENT ON COLUMN gridgov.api_keys.label IS 'Name of the key (who holds it), 1-64 of A-Z a-z 0-9 _ . : -; the rate limit counts per label';
COMMENT ON COLUMN gridgov.api_keys.key_hash IS 'SHA-256 of the key''s text';
COMMENT ON COLUMN gridgov.api_keys.db_role IS 'The role the gateway acts as for this key (SET ROLE); the gateway''s login must be a member of it';
COMMENT ON COLUMN gridgov.api_keys.rate_per_minute IS 'Requests per minute the gateway lets through for this key';
COMMENT ON COLUMN gridgov.api_keys.active IS 'false once revoked (gridgov.api_key_revoke)';
COMMENT ON COLUMN gridgov.api_keys.created_at IS 'When the key was made';
COMMENT ON COLUMN gridgov.api_keys.expires_at IS 'When the key stops working; NULL for never';

CREATE FUNCTION gridgov.api_key_create(label text, db_role name, rate_per_minute integer DEFAULT 600,
                                       expires_at timestamptz DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    k text;
BEGIN
    IF label IS NULL OR db_role IS NULL OR rate_per_minute IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'label, db_role and rate_per_minute must not be null';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = api_key_create.db_role) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object', MESSAGE = 'no such role',
            DETAIL = 'The key''s role must exist, and the gateway''s login must be a member of it.';
    END IF;
    IF NOT gridgov.gateway_role_allowed(db_role) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'an API key cannot act as this role',
            DETAIL = 'A key''s role must be a member of one of gridgov''s group roles for callers, and neither it nor a role it belongs to may be a superuser, BYPASSRLS, CREATEROLE or REPLICATION role, gridgov_admin, gridgov_gateway, the extension''s owner or a predefined pg_ role.',
            HINT = 'Map the key to a role made for it, e.g. CREATE ROLE app NOLOGIN IN ROLE gridgov_reporter (docs/gateway.md).';
    END IF;
    -- 256 bits from the server's strong random source (two version-4 UUIDs).
    k := 'gg_' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
             pg_catalog.gen_random_uuid()::text || pg_catalog.gen_random_uuid()::text, 'UTF8')), 'hex');
    INSERT INTO gridgov.api_keys (label, key_hash, db_role, rate_per_minute, expires_at)
    VALUES (api_key_create.label, pg_catalog.sha256(pg_catalog.convert_to(k, 'UTF8')), api_key_create.db_role,
            api_key_create.rate_per_minute, api_key_create.expires_at);
    RETURN k;
END
$$;
COMMENT ON FUNCTION gridgov.api_key_create(text, name, integer, timestamptz) IS
    'Administration: Makes an API key for the gateway acting as db_role, with a rate limit (requests per minute) and an optional expiry, and returns it (gg_ and 64 hex digits; shown this once, only its hash is kept). 22004 NULL argument, 42704 no such role, 42501 a role that is no member of a gridgov group role for callers, or one with more powers (superuser, BYPASSRLS, CREATEROLE, REPLICATION, gridgov_admin, gridgov_gateway, the owner, pg_ roles), 23505 the label exists, 23514 a bad label or rate';

CREATE FUNCTION gridgov.api_key_revoke(label text) RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    WITH r AS (UPDATE gridgov.api_keys k SET active = false
               WHERE k.label = api_key_revoke.label AND k.active RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM r);
END;
COMMENT ON FUNCTION gridgov.api_key_revoke(text) IS
    'Administration: Revokes an API key (it stops working at the gateway within its key cache time, GRIDGOV_GATEWAY_KEY_CACHE); true if it was active';

CREATE FUNCTION gridgov.api_key_role(key text)
    RETURNS TABLE(label text, db_role name, rate_per_minute integer)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT k.label, k.db_role, k.rate_per_minute
    FROM gridgov.api_keys k
    WHERE pg_catalog.length(api_key_role.key) <= 200
      AND k.key_hash = pg_catalog.sha256(pg_catalog.convert_to(api_key_role.key, 'UTF8'))
      AND k.active AND (k.expires_at IS NULL OR k.expires_at > pg_catalog.now())
      AND gridgov.gateway_role_allowed(k.db_role);
END;
COMMENT ON FUNCTION gridgov.api_key_role(text) IS
    'The gateway''s lookup of an API key: its label, role and rate limit, or no row for an unknown, revoked or expired key (or one whose role has since become a superuser or BYPASSRLS role)';

-- ---------------------------------------------------------------------------
-- The event feed: case_events in outbox order with what a screen shows of
-- each, without personal data.  security_invoker: the reader's row-level
-- security on cases and case_events applies.

CREATE VIEW gridgov.event_feed_rows WITH (security_invoker = true) AS
SELECT e.txid, e.county, e.case_id, e.seq,
       pg_catalog.format('%s.%s.%s.%s', e.txid, e.county, e.case_id, e.seq) AS id,
       c.department_id, c.grid,
       pg_catalog.jsonb_build_object(
           'type', 'case', 'county', e.county::text, 'case_id', e.case_id, 'case_no', c.case_no,
           'seq', e.seq, 'action', e.action, 'from', e.from_state, 'to', e.to_state,
           'department_id', c.department_id, 'department_name', d.name, 'grid', c.grid::text,
           'category', c.category, 'category_name', cat.name, 'source', c.source, 'urgency', c.urgency,
           'state', c.state, 'at', gridgov.w3c_time(e.at, gridgov.analytics_time_zone())) AS data
FROM gridgov.case_events e
JOIN gridgov.cases c ON c.county OPERATOR(gridgov.=) e.county AND c.id = e.case_id
LEFT JOIN gridgov.categories cat ON cat.code = c.category
LEFT JOIN gridgov.departments d ON d.id = c.department_id;
COMMENT ON VIEW gridgov.event_feed_rows IS
    'Every event of the history with its feed cursor (id = txid.county.case_id.seq) and what the live feed shows of it (data: the event''s keys, states and time, the case''s number, category, source, urgency, current state, department and grid; no title, note, payload or contact data). Security invoker: the reader sees the events of the cases its scope shows';
COMMENT ON COLUMN gridgov.event_feed_rows.txid IS 'The transaction that appended the event (case_events.txid): the outbox order is txid, county, case_id, seq';
COMMENT ON COLUMN gridgov.event_feed_rows.county IS 'County of the case';
COMMENT ON COLUMN gridgov.event_feed_rows.case_id IS 'The case';
COMMENT ON COLUMN gridgov.event_feed_rows.seq IS 'Position of the event in the case''s history';
COMMENT ON COLUMN gridgov.event_feed_rows.id IS 'The event''s cursor, TXID.COUNTY.CASE_ID.SEQ';
COMMENT ON COLUMN gridgov.event_feed_rows.department_id IS 'The department holding the case now';
COMMENT ON COLUMN gridgov.event_feed_rows.grid IS 'The case''s grid now';
COMMENT ON COLUMN gridgov.event_feed_rows.data IS 'The event as the feed sends it (JSON; docs/gateway.md)';

CREATE FUNCTION gridgov.event_feed_start() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN gridgov.event_horizon() || '.000000.0.0';
COMMENT ON FUNCTION gridgov.event_feed_start() IS
    'A feed cursor at the horizon: gridgov.event_feed() from it returns the events that become final from now on';

CREATE FUNCTION gridgov.event_feed(after text, max_rows integer DEFAULT 500, department_id bigint DEFAULT NULL,
                                   area text DEFAULT NULL)
    RETURNS TABLE(id text, data jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    m text[];
    a gridgov.gridcode;
    h bigint := gridgov.event_horizon();
BEGIN
    IF after IS NULL OR max_rows IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'after and max_rows must not be null';
    END IF;
    m := pg_catalog.regexp_match(after, '^([0-9]{1,18})\.([0-9]{6})\.([0-9]{1,18})\.([0-9]{1,9})$');
    IF m IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'malformed event cursor',
            DETAIL = 'An event cursor is TXID.COUNTY.CASE_ID.SEQ, as gridgov.event_feed() and gridgov.event_feed_start() return it.';
    END IF;
    IF max_rows NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'max_rows must lie between 1 and 10000';
    END IF;
    IF area IS NOT NULL THEN
        BEGIN
            a := area::gridgov.gridcode;
        EXCEPTION WHEN invalid_text_representation OR string_data_right_truncation THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'area is not a grid code';
        END;
    END IF;
    RETURN QUERY
    SELECT r.id, r.data
    FROM gridgov.event_feed_rows r
    WHERE r.txid >= m[1]::bigint AND r.txid < h
      AND (r.txid, r.county::text, r.case_id, r.seq) > (m[1]::bigint, m[2], m[3]::bigint, m[4]::integer)
      AND (event_feed.department_id IS NULL OR r.department_id = event_feed.department_id)
      AND (a IS NULL OR (r.grid IS NOT NULL AND gridgov.level(r.grid) >= gridgov.level(a)
                         AND gridgov.area_at(r.county, r.grid, gridgov.level(a)) OPERATOR(gridgov.=) a))
    ORDER BY r.txid, r.county::text, r.case_id, r.seq
    LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION gridgov.event_feed(text, integer, bigint, text) IS
    'The live feed (the gateway''s /events): the events after the cursor `after` in outbox order (txid, county, case_id, seq), of transactions below the horizon only (so none can appear later behind a cursor), at most max_rows (1-10000), optionally of the cases held by department_id or lying in area (a grid code of any level); as gridgov.event_feed_rows, so the caller''s scope applies. 22004 NULL, 22023 malformed cursor, max_rows out of range or area not a grid code';

-- ---------------------------------------------------------------------------
-- Cross-platform transfer (案件跨平台流转, seed 004): a department with its
-- own system gets the cases dispatched to it pushed by the gateway, and sends
-- its status updates back.

CREATE TABLE gridgov.transfer_endpoints (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    -- Not a foreign key: on a Citus cluster this table stays on the coordinator
    -- and departments becomes a reference table (citus_layout()).
    department_id bigint NOT NULL UNIQUE,
    url           text NOT NULL CHECK (url ~ '^https?://[^[:space:]]+$' AND pg_catalog.length(url) <= 2000),
    secret        text NOT NULL CHECK (pg_catalog.length(secret) BETWEEN 16 AND 200),
    db_role       name NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    below         bigint NOT NULL DEFAULT gridgov.event_horizon(),
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_endpoints', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_endpoints_id_seq', '');
COMMENT ON TABLE gridgov.transfer_endpoints IS
    'Platforms of other systems (a department''s own, a town''s city brain) that the gateway pushes the cases dispatched to their department to, and that send status updates back (docs/gateway.md)';
COMMENT ON COLUMN gridgov.transfer_endpoints.id IS 'Endpoint id';
COMMENT ON COLUMN gridgov.transfer_endpoints.name IS 'Name in the gateway''s URL /transfer/NAME/updates';
COMMENT ON COLUMN gridgov.transfer_endpoints.department_id IS 'The department whose dispatched cases go to this platform (a gridgov.departments id; one endpoint per department)';
COMMENT ON COLUMN gridgov.transfer_endpoints.url IS 'Where the gateway POSTs each case (http or https)';
COMMENT ON COLUMN gridgov.transfer_endpoints.secret IS 'Shared secret of the HMAC-SHA256 signatures both ways (16-200 characters)';
COMMENT ON COLUMN gridgov.transfer_endpoints.db_role IS 'The role the platform''s status updates act as (the department''s role; the gateway''s login must be a member)';
COMMENT ON COLUMN gridgov.transfer_endpoints.active IS 'false stops pushing (the queue waits) and refuses updates';
COMMENT ON COLUMN gridgov.transfer_endpoints.below IS 'Outbox watermark: the events of transactions below it have been queued (gridgov.transfer_collect)';
COMMENT ON COLUMN gridgov.transfer_endpoints.created_at IS 'When the endpoint was added: only cases dispatched after it are pushed';

CREATE TABLE gridgov.transfer_outbox (
    county          gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    seq             integer NOT NULL,
    endpoint_id     bigint NOT NULL REFERENCES gridgov.transfer_endpoints (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL UNIQUE,
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    leased_until    timestamptz,
    delivered_at    timestamptz,
    last_status     integer,
    last_error      text,
    PRIMARY KEY (county, case_id, seq, endpoint_id)
);
CREATE INDEX transfer_outbox_due ON gridgov.transfer_outbox (next_attempt_at) WHERE delivered_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_outbox', '');
COMMENT ON TABLE gridgov.transfer_outbox IS
    'One row per case event to push to an endpoint (a dispatch to its department) and its delivery: leased by gridgov.transfer_claim, settled by gridgov.transfer_result; delivered rows are kept as the record';
COMMENT ON COLUMN gridgov.transfer_outbox.county IS 'County of the case';
COMMENT ON COLUMN gridgov.transfer_outbox.case_id IS 'The case';
COMMENT ON COLUMN gridgov.transfer_outbox.seq IS 'The dispatching event (case_events.seq)';
COMMENT ON COLUMN gridgov.transfer_outbox.endpoint_id IS 'The endpoint';
COMMENT ON COLUMN gridgov.transfer_outbox.idempotency_key IS 'Stable key of this push (gg:COUNTY:CASE_ID:SEQ:ENDPOINT), sent as Idempotency-Key with every attempt: the receiver deduplicates by it';
COMMENT ON COLUMN gridgov.transfer_outbox.body IS 'The JSON pushed (idempotency_key, endpoint, department_id, event, service_request)';
COMMENT ON COLUMN gridgov.transfer_outbox.created_at IS 'When it was queued';
COMMENT ON COLUMN gridgov.transfer_outbox.attempts IS 'Attempts so far (claims)';
COMMENT ON COLUMN gridgov.transfer_outbox.next_attempt_at IS 'Not to be sent before (backoff after a failure)';
COMMENT ON COLUMN gridgov.transfer_outbox.leased_until IS 'A gateway holds the row until then (its attempt is in flight); after it, another may take it';
COMMENT ON COLUMN gridgov.transfer_outbox.delivered_at IS 'When the endpoint acknowledged it (HTTP 2xx); NULL while pending';
COMMENT ON COLUMN gridgov.transfer_outbox.last_status IS 'HTTP status of the last attempt (0: no answer: refused, timed out)';
COMMENT ON COLUMN gridgov.transfer_outbox.last_error IS 'Error of the last attempt (at most 500 characters)';

CREATE TABLE gridgov.transfer_inbound (
    endpoint_id bigint NOT NULL REFERENCES gridgov.transfer_endpoints (id) ON DELETE CASCADE,
    update_id   text NOT NULL CHECK (pg_catalog.length(update_id) BETWEEN 1 AND 200),
    county      gridgov.gridcode NOT NULL,
    case_id     bigint NOT NULL,
    result      jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (endpoint_id, update_id)
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.transfer_inbound', '');
COMMENT ON TABLE gridgov.transfer_inbound IS
    'Status updates applied from endpoints, one per update_id: a repeated update is answered from here and not applied twice';
COMMENT ON COLUMN gridgov.transfer_inbound.endpoint_id IS 'The endpoint that sent it';
COMMENT ON COLUMN gridgov.transfer_inbound.update_id IS 'The platform''s own id of the update (its idempotency key)';
COMMENT ON COLUMN gridgov.transfer_inbound.county IS 'County of the case';
COMMENT ON COLUMN gridgov.transfer_inbound.case_id IS 'The case';
COMMENT ON COLUMN gridgov.transfer_inbound.result IS 'The answer given';
COMMENT ON COLUMN gridgov.transfer_inbound.received_at IS 'When it was applied';

CREATE FUNCTION gridgov.transfer_endpoint_role(endpoint_id bigint) RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT e.db_role FROM gridgov.transfer_endpoints e WHERE e.id = transfer_endpoint_role.endpoint_id;
END;
COMMENT ON FUNCTION gridgov.transfer_endpoint_role(bigint) IS
    'Internal: the role an endpoint''s updates act as (the row-level security of gridgov.transfer_inbound)';

ALTER TABLE gridgov.transfer_inbound ENABLE ROW LEVEL SECURITY;
CREATE POLICY transfer_inbound_own ON gridgov.transfer_inbound
    USING (gridgov.transfer_endpoint_role(endpoint_id) = CURRENT_USER)
    WITH CHECK (gridgov.transfer_endpoint_role(endpoint_id) = CURRENT_USER);

-- The department a case is with after one of its events: the latest event up
-- to it that set one — the intake (its routed department), or a change whose
-- payload lists department_id among the columns it changed (the engine writes
-- "changed" and the new department_id; an action's own department_id, such as
-- the department reporting in to a summons, moves nothing and is not listed).
CREATE FUNCTION gridgov.event_department(county gridgov.gridcode, case_id bigint, seq integer) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN pg_catalog.jsonb_typeof(x.payload -> 'department_id') = 'number'
                THEN (x.payload ->> 'department_id')::bigint END
    FROM gridgov.case_events x
    WHERE x.county OPERATOR(gridgov.=) event_department.county AND x.case_id = event_department.case_id
      AND x.seq <= event_department.seq
      AND ((x.action = 'intake' AND x.payload ? 'department_id')
           OR pg_catalog.jsonb_typeof(x.payload -> 'changed') = 'array' AND x.payload -> 'changed' ? 'department_id')
    ORDER BY x.seq DESC
    LIMIT 1;
END;
COMMENT ON FUNCTION gridgov.event_department(gridgov.gridcode, bigint, integer) IS
    'Internal: the department a case was with right after its event seq, from the history: the latest event up to it that set the department (the intake''s routed department, or a change listing department_id in its payload''s "changed"); NULL for none';

-- The events that leave a case dispatched to a department: a dispatch, a
-- re-dispatch that changes the department, a joint meeting's decision; not
-- the past ones a history import brings in (written by the transaction of an
-- intake marked imported).
CREATE VIEW gridgov.dispatch_events AS
SELECT e.txid, e.county, e.case_id, e.seq, gridgov.event_department(e.county, e.case_id, e.seq) AS department_id
FROM gridgov.case_events e
WHERE e.to_state = 'dispatched'
  AND (e.from_state IS DISTINCT FROM 'dispatched' OR e.payload -> 'changed' ? 'department_id')
  AND NOT EXISTS (SELECT 1 FROM gridgov.case_events i
                  WHERE i.county OPERATOR(gridgov.=) e.county AND i.case_id = e.case_id AND i.seq = 1
                    AND i.txid = e.txid AND i.payload ? 'imported');
COMMENT ON VIEW gridgov.dispatch_events IS
    'The events of the history that leave a case dispatched to a department (into the state dispatched, or a change of department within it), with that department, but those a history import wrote (gridgov.import_history): what gridgov.transfer_collect pushes to the department''s platform';
COMMENT ON COLUMN gridgov.dispatch_events.txid IS 'The transaction that appended the event';
COMMENT ON COLUMN gridgov.dispatch_events.county IS 'County of the case';
COMMENT ON COLUMN gridgov.dispatch_events.case_id IS 'The case';
COMMENT ON COLUMN gridgov.dispatch_events.seq IS 'The event';
COMMENT ON COLUMN gridgov.dispatch_events.department_id IS 'The department the case is dispatched to (gridgov.event_department)';

CREATE FUNCTION gridgov.transfer_collect(max_rows integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    ep gridgov.transfer_endpoints;
    h bigint := gridgov.event_horizon();
    tz text := gridgov.analytics_time_zone();
    upto bigint;
    last_tx bigint;
    found_n integer;
    n integer;
    total integer := 0;
BEGIN
    IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'max_rows must lie between 1 and 100000';
    END IF;
    FOR ep IN SELECT * FROM gridgov.transfer_endpoints e WHERE e.active AND e.below < h ORDER BY e.id
              FOR UPDATE SKIP LOCKED LOOP
        -- How far this run goes: the horizon, or, with more than max_rows
        -- pushes waiting, up to the transaction of the last of the first
        -- max_rows (its events are taken next time; a transaction is never cut).
        SELECT pg_catalog.max(x.txid), pg_catalog.count(*) INTO last_tx, found_n
        FROM (SELECT d.txid FROM gridgov.dispatch_events d
              WHERE d.txid >= ep.below AND d.txid < h AND d.department_id = ep.department_id
              ORDER BY d.txid LIMIT max_rows) x;
        upto := CASE WHEN found_n < max_rows THEN h ELSE GREATEST(last_tx, ep.below + 1) END;
        INSERT INTO gridgov.transfer_outbox (county, case_id, seq, endpoint_id, idempotency_key, body)
        SELECT r.county, r.case_id, r.seq, ep.id, k.key,
               pg_catalog.jsonb_build_object(
                   'idempotency_key', k.key, 'endpoint', ep.name, 'department_id', ep.department_id,
                   'event', r.data,
                   'service_request', (SELECT gridgov.open311_json(o, tz) FROM gridgov.open311_service_requests o
                                       WHERE o.county OPERATOR(gridgov.=) r.county AND o.case_id = r.case_id))
        FROM gridgov.dispatch_events d
        JOIN gridgov.event_feed_rows r ON r.county OPERATOR(gridgov.=) d.county AND r.case_id = d.case_id AND r.seq = d.seq
        CROSS JOIN LATERAL (SELECT pg_catalog.format('gg:%s:%s:%s:%s', d.county, d.case_id, d.seq, ep.id) AS key) k
        WHERE d.txid >= ep.below AND d.txid < upto AND d.department_id = ep.department_id
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
        UPDATE gridgov.transfer_endpoints e SET below = upto WHERE e.id = ep.id;
    END LOOP;
    RETURN total;
END
$$;
COMMENT ON FUNCTION gridgov.transfer_collect(integer) IS
    'The transfer''s outbox reader (the gateway runs it before each claim): for every active endpoint, queues one gridgov.transfer_outbox row for each event, of the transactions from its watermark up to the horizon, that leaves a case dispatched to the endpoint''s department (a dispatch, a re-dispatch to it, a joint meeting''s decision for it), then moves the watermark; with more than max_rows (1-100000) waiting it stops after the transaction of the max_rows-th and goes on at the next call. Returns the rows queued. Idempotent; concurrent runs skip each other''s endpoints. 22023 max_rows out of range';

CREATE FUNCTION gridgov.transfer_claim(max_rows integer DEFAULT 10, lease interval DEFAULT '30 seconds',
                                       as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE(idempotency_key text, endpoint_id bigint, url text, secret text, body jsonb, attempt integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
BEGIN
    IF max_rows IS NULL OR lease IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'max_rows, lease and as_of must not be null';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'as_of must be finite';
    END IF;
    IF max_rows NOT BETWEEN 1 AND 1000 OR lease < interval '1 second' OR lease > interval '1 hour' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'max_rows must lie between 1 and 1000 and lease between 1 second and 1 hour';
    END IF;
    RETURN QUERY
    WITH due AS (
        SELECT o.idempotency_key AS k
        FROM gridgov.transfer_outbox o
        JOIN gridgov.transfer_endpoints e ON e.id = o.endpoint_id AND e.active
        WHERE o.delivered_at IS NULL AND o.next_attempt_at <= as_of
          AND (o.leased_until IS NULL OR o.leased_until <= as_of)
        ORDER BY o.next_attempt_at, o.created_at, o.idempotency_key
        LIMIT max_rows
        FOR UPDATE OF o SKIP LOCKED)
    UPDATE gridgov.transfer_outbox o
    SET attempts = o.attempts + 1, leased_until = as_of + lease
    FROM due, gridgov.transfer_endpoints e
    WHERE o.idempotency_key = due.k AND e.id = o.endpoint_id
    RETURNING o.idempotency_key, o.endpoint_id, e.url, e.secret, o.body, o.attempts;
END
$$;
COMMENT ON FUNCTION gridgov.transfer_claim(integer, interval, timestamptz) IS
    'The gateway takes up to max_rows (1-1000) pushes that are due (undelivered, next_attempt_at reached, no lease running, endpoint active) and leases them for `lease` (1 s - 1 h): another gateway skips them until the lease ends, so a gateway that dies mid-attempt loses nothing. Returns each with its endpoint''s URL and secret and the attempt''s number. 22004 NULL, 22023 out of range or an infinite as_of';

CREATE FUNCTION gridgov.transfer_result(idempotency_key text, http_status integer, error text DEFAULT NULL,
                                        as_of timestamptz DEFAULT pg_catalog.now(), attempt integer DEFAULT NULL)
    RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    o gridgov.transfer_outbox;
BEGIN
    IF idempotency_key IS NULL OR http_status IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'idempotency_key, http_status and as_of must not be null';
    END IF;
    IF NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'as_of must be finite';
    END IF;
    IF http_status NOT BETWEEN 0 AND 599 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'http_status must lie between 0 and 599';
    END IF;
    SELECT * INTO o FROM gridgov.transfer_outbox x WHERE x.idempotency_key = transfer_result.idempotency_key FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'no such push';
    END IF;
    IF o.delivered_at IS NOT NULL THEN
        RETURN pg_catalog.jsonb_build_object('delivered', true, 'delivered_at', o.delivered_at);
    END IF;
    -- The failure of an attempt whose lease ended and that another claim has
    -- since taken over: that newer attempt decides; its lease stays.
    IF attempt IS NOT NULL AND attempt <> o.attempts AND http_status NOT BETWEEN 200 AND 299 THEN
        RETURN pg_catalog.jsonb_build_object('delivered', false, 'stale', true, 'next_attempt_at', o.next_attempt_at);
    END IF;
    IF http_status BETWEEN 200 AND 299 THEN
        UPDATE gridgov.transfer_outbox x SET delivered_at = as_of, leased_until = NULL, last_status = http_status,
               last_error = NULL
        WHERE x.idempotency_key = o.idempotency_key;
        RETURN pg_catalog.jsonb_build_object('delivered', true, 'delivered_at', as_of);
    END IF;
    -- Backoff: 5 s, 10 s, 20 s ... at most an hour; it never gives up (transfer_status shows it).
    UPDATE gridgov.transfer_outbox x
    SET leased_until = NULL, last_status = http_status, last_error = pg_catalog.left(error, 500),
        next_attempt_at = as_of + LEAST(interval '5 seconds' * pg_catalog.power(2, LEAST(GREATEST(o.attempts, 1) - 1, 20)),
                                        interval '1 hour')
    WHERE x.idempotency_key = o.idempotency_key
    RETURNING * INTO o;
    RETURN pg_catalog.jsonb_build_object('delivered', false, 'next_attempt_at', o.next_attempt_at);
END
$$;
COMMENT ON FUNCTION gridgov.transfer_result(text, integer, text, timestamptz, integer) IS
    'The outcome of a push attempt (attempt: its number, as transfer_claim gave it): an HTTP 2xx marks it delivered (for good: a later result changes nothing); anything else (0 for no answer) schedules the next attempt after 5 s x 2^(attempts-1), at most an hour, keeping the status and error (500 characters) — unless it is the failure of an earlier attempt than the latest claim''s, which changes nothing ("stale": true). Returns {"delivered": true, "delivered_at"} or {"delivered": false, "next_attempt_at"}. 22004 NULL, 22023 unknown key, status out of 0-599 or an infinite as_of';

CREATE FUNCTION gridgov.transfer_endpoint(name text)
    RETURNS TABLE(id bigint, department_id bigint, db_role name, secret text, active boolean)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    SELECT e.id, e.department_id, e.db_role, e.secret, e.active
    FROM gridgov.transfer_endpoints e
    WHERE e.name = transfer_endpoint.name AND gridgov.gateway_role_allowed(e.db_role);
END;
COMMENT ON FUNCTION gridgov.transfer_endpoint(text) IS
    'The gateway''s lookup of an endpoint for an inbound update: its id, department, role, secret (to verify the signature) and whether it is active; no row for an unknown name or one whose role is a superuser, BYPASSRLS, CREATEROLE or REPLICATION role';

CREATE FUNCTION gridgov.transfer_apply(ep_id bigint, ep_department bigint, u jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    c record;
    done gridgov.cases;
    at timestamptz;
    answer jsonb;
    st text;
    msg text;
BEGIN
    -- Only columns every case handler may read (not the contact columns).
    SELECT x.id, x.county, x.department_id INTO c FROM gridgov.cases x WHERE x.case_no = u ->> 'service_request_id';
    IF NOT FOUND THEN
        RETURN gridgov.open311_error(404, 'service_request_id not found');
    END IF;
    IF c.department_id IS DISTINCT FROM ep_department THEN
        RETURN gridgov.open311_error(409, 'the case is not held by this endpoint''s department');
    END IF;
    BEGIN
        at := gridgov.w3c_parse(u ->> 'at');
    EXCEPTION WHEN invalid_datetime_format THEN
        RETURN gridgov.open311_error(400, 'at must be a W3C date-time with a time zone');
    END;
    BEGIN
        BEGIN
            INSERT INTO gridgov.transfer_inbound (endpoint_id, update_id, county, case_id, result)
            VALUES (ep_id, u ->> 'update_id', c.county, c.id, '{}');
        EXCEPTION WHEN unique_violation THEN
            -- Applied before (or being applied by a concurrent update, which we waited for).
            SELECT x.result || '{"duplicate": true}' INTO answer
            FROM gridgov.transfer_inbound x WHERE x.endpoint_id = ep_id AND x.update_id = u ->> 'update_id';
            RETURN answer;
        END;
        done := gridgov.act(c.id, u ->> 'action', u ->> 'note',
                            CASE WHEN pg_catalog.jsonb_typeof(u -> 'payload') = 'object' THEN u -> 'payload'
                                 ELSE '{}'::jsonb END, at);
        answer := pg_catalog.jsonb_build_object('service_request_id', done.case_no, 'state', done.state,
                                                'duplicate', false);
        UPDATE gridgov.transfer_inbound x SET result = answer
        WHERE x.endpoint_id = ep_id AND x.update_id = u ->> 'update_id';
        RETURN answer;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        IF st = '42501' OR st = 'GG102' THEN
            RETURN gridgov.open311_error(403, msg);
        ELSIF st LIKE 'GG1%' OR st LIKE 'GG2%' THEN
            RETURN gridgov.open311_error(409, msg);
        ELSIF st LIKE '22%' THEN
            RETURN gridgov.open311_error(400, msg);
        END IF;
        RAISE;
    END;
END
$$;
COMMENT ON FUNCTION gridgov.transfer_apply(bigint, bigint, jsonb) IS
    'Internal: the body of gridgov.transfer_receive once the update is checked: the case by number, held by the endpoint''s department, act() once per update_id, the workflow''s refusals as error bodies';

CREATE FUNCTION gridgov.transfer_receive(endpoint text, "update" jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    ep record;
    bad text;
    u jsonb := "update";
BEGIN
    SELECT e.id, e.department_id, e.db_role, e.active INTO ep
    FROM gridgov.transfer_endpoints_public e WHERE e.name = endpoint;
    IF NOT FOUND OR NOT ep.active THEN
        RETURN gridgov.open311_error(404, 'no such endpoint');
    END IF;
    IF ep.db_role <> CURRENT_USER THEN
        RETURN gridgov.open311_error(403, 'the update must be applied as the endpoint''s role');
    END IF;
    IF u IS NULL OR pg_catalog.jsonb_typeof(u) <> 'object' THEN
        RETURN gridgov.open311_error(400, 'the update must be a JSON object');
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.left(k, 40), ', ' ORDER BY k) INTO bad FROM pg_catalog.jsonb_object_keys(u) k
    WHERE k NOT IN ('update_id', 'service_request_id', 'action', 'note', 'at', 'payload');
    IF bad IS NOT NULL THEN
        RETURN gridgov.open311_error(400, 'unknown parameter: ' || bad);
    END IF;
    IF pg_catalog.jsonb_typeof(u -> 'update_id') IS DISTINCT FROM 'string'
       OR pg_catalog.length(u ->> 'update_id') NOT BETWEEN 1 AND 200
       OR pg_catalog.jsonb_typeof(u -> 'service_request_id') IS DISTINCT FROM 'string'
       OR pg_catalog.jsonb_typeof(u -> 'action') IS DISTINCT FROM 'string' THEN
        RETURN gridgov.open311_error(400, 'update_id (1-200 characters), service_request_id and action are required strings');
    END IF;
    IF pg_catalog.jsonb_typeof(u -> 'note') NOT IN ('string', 'null') OR pg_catalog.jsonb_typeof(u -> 'at') NOT IN ('string', 'null')
       OR pg_catalog.jsonb_typeof(u -> 'payload') NOT IN ('object', 'null') OR pg_catalog.length(u ->> 'note') > 4000 THEN
        RETURN gridgov.open311_error(400, 'note and at must be strings (note at most 4,000 characters), payload an object');
    END IF;
    RETURN gridgov.transfer_apply(ep.id, ep.department_id, u);
END
$$;
COMMENT ON FUNCTION gridgov.transfer_receive(text, jsonb) IS
    'A status update from an endpoint''s platform (the gateway''s POST /transfer/NAME/updates, run as the endpoint''s role after checking the signature): {"update_id", "service_request_id", "action", "note", "at", "payload"} becomes gridgov.act() on the case, once per update_id (a repeated one answers the first result with "duplicate": true). Answers {"service_request_id", "state", "duplicate"}, or the Open311 error body: 400 bad update, 403 not the endpoint''s role or the workflow''s role check, 404 unknown endpoint or case, 409 a case not held by the endpoint''s department or an action the workflow refuses';

CREATE VIEW gridgov.transfer_endpoints_public AS
SELECT e.id, e.name, e.department_id, e.db_role, e.active FROM gridgov.transfer_endpoints e;
COMMENT ON VIEW gridgov.transfer_endpoints_public IS
    'The transfer endpoints without their secrets and watermarks (what a department role may read)';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.id IS 'Endpoint id';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.name IS 'Name';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.department_id IS 'Its department';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.db_role IS 'The role its updates act as';
COMMENT ON COLUMN gridgov.transfer_endpoints_public.active IS 'Whether it is active';

CREATE VIEW gridgov.transfer_status AS
SELECT e.id AS endpoint_id, e.name, e.department_id, e.active,
       pg_catalog.count(o.*) FILTER (WHERE o.delivered_at IS NULL) AS pending,
       pg_catalog.count(o.*) FILTER (WHERE o.delivered_at IS NULL AND o.attempts > 0) AS failing,
       pg_catalog.count(o.*) FILTER (WHERE o.delivered_at IS NOT NULL) AS delivered,
       pg_catalog.min(o.created_at) FILTER (WHERE o.delivered_at IS NULL) AS oldest_pending,
       pg_catalog.max(o.delivered_at) AS last_delivered,
       (SELECT x.last_error FROM gridgov.transfer_outbox x
        WHERE x.endpoint_id = e.id AND x.delivered_at IS NULL AND x.last_error IS NOT NULL
        ORDER BY x.next_attempt_at DESC LIMIT 1) AS last_error
FROM gridgov.transfer_endpoints e
LEFT JOIN gridgov.transfer_outbox o ON o.endpoint_id = e.id
GROUP BY e.id;
COMMENT ON VIEW gridgov.transfer_status IS
    'Per transfer endpoint: pushes pending, failing (pending after at least one attempt), delivered, the oldest pending, the last delivery and the last error of a pending push';
COMMENT ON COLUMN gridgov.transfer_status.endpoint_id IS 'Endpoint id';
COMMENT ON COLUMN gridgov.transfer_status.name IS 'Endpoint name';
COMMENT ON COLUMN gridgov.transfer_status.department_id IS 'Its department';
COMMENT ON COLUMN gridgov.transfer_status.active IS 'Whether it is active';
COMMENT ON COLUMN gridgov.transfer_status.pending IS 'Pushes not yet acknowledged';
COMMENT ON COLUMN gridgov.transfer_status.failing IS 'Of those, the ones tried at least once';
COMMENT ON COLUMN gridgov.transfer_status.delivered IS 'Pushes acknowledged';
COMMENT ON COLUMN gridgov.transfer_status.oldest_pending IS 'When the oldest pending push was queued';
COMMENT ON COLUMN gridgov.transfer_status.last_delivered IS 'The latest acknowledgement';
COMMENT ON COLUMN gridgov.transfer_status.last_error IS 'The error of the latest failed attempt of a pending push';

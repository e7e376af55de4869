-- ---------------------------------------------------------------------------
-- The integrity of the case histories: the verification of each case's hash
-- chain (the chain itself is written by the engine, 057), and the daily seal
-- of the histories: a hash over the heads (latest events) of every history
-- that changed since the previous seal, chained day to day, kept append-only
-- and exportable as one line of text (docs/cases.md, The daily seal).  The
-- canonical bytes are defined once, in src/cases/seal.c.
-- ---------------------------------------------------------------------------

-- Verification of the hash chains ----------------------------------------------

-- The check is PL/pgSQL (Citus plans no SQL function that reads distributed
-- tables with parameters), under other parameter names than verify_histories()
-- has: PL/pgSQL does not take a parameter named like a result column.
CREATE FUNCTION gridgov.history_breaks(of_county gridgov.gridcode, of_case_ids bigint[])
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH c AS (
        SELECT x.county, x.id, x.events, x.history_hash, x.state FROM gridgov.cases x
        WHERE (history_breaks.of_county IS NULL OR x.county OPERATOR(gridgov.=) history_breaks.of_county)
          AND (history_breaks.of_case_ids IS NULL OR x.id = ANY (history_breaks.of_case_ids))
    ), e AS (
        SELECT ev.county, ev.case_id, ev.seq, ev.hash, ev.prev_hash, ev.action, ev.to_state,
               pg_catalog.lag(ev.hash) OVER w AS previous,
               pg_catalog.lag(ev.seq) OVER w AS previous_seq,
               gridgov.event_hash(ev.prev_hash, ev.county, ev.case_id, ev.seq, ev.at, ev.actor_role,
                                  ev.actor_staff_id, ev.action, ev.from_state, ev.to_state, ev.note,
                                  ev.payload) AS recomputed
        FROM gridgov.case_events ev
        JOIN c ON ev.county OPERATOR(gridgov.=) c.county AND ev.case_id = c.id
        WINDOW w AS (PARTITION BY ev.county, ev.case_id ORDER BY ev.seq)
    ), last AS (
        SELECT DISTINCT ON (e.county, e.case_id) e.county, e.case_id, e.seq, e.hash, e.to_state
        FROM e ORDER BY e.county, e.case_id, e.seq DESC
    ), counts AS (
        SELECT e.county, e.case_id, pg_catalog.count(*) AS n FROM e GROUP BY e.county, e.case_id
    ), problems AS (
        SELECT e.county, e.case_id, e.seq, 'hash_mismatch' AS problem,
               'the event''s content does not match its hash' AS detail
        FROM e WHERE e.recomputed <> e.hash
        UNION ALL
        SELECT e.county, e.case_id, e.seq, 'chain_broken',
               'prev_hash is not the hash of the event before'
        FROM e WHERE e.prev_hash <> COALESCE(e.previous, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'))
        UNION ALL
        SELECT e.county, e.case_id, e.seq, 'seq_gap',
               pg_catalog.format('expected event %s', COALESCE(e.previous_seq, 0) + 1)
        FROM e WHERE e.seq <> COALESCE(e.previous_seq, 0) + 1
        UNION ALL
        SELECT c.county, c.id, NULL::integer, 'event_count',
               pg_catalog.format('the case records %s events, the history has %s', c.events, COALESCE(n.n, 0))
        FROM c LEFT JOIN counts n ON n.county OPERATOR(gridgov.=) c.county AND n.case_id = c.id
        WHERE c.events <> COALESCE(n.n, 0)
        UNION ALL
        SELECT c.county, c.id, l.seq, 'tail_mismatch',
               'the case''s history_hash is not the hash of its latest event'
        FROM c JOIN last l ON l.county OPERATOR(gridgov.=) c.county AND l.case_id = c.id
        WHERE c.history_hash IS NOT NULL AND c.history_hash <> l.hash
        UNION ALL
        SELECT c.county, c.id, 1, 'intake_missing',
               CASE WHEN f.case_id IS NULL THEN 'the history has no event 1'
                    ELSE pg_catalog.format('event 1 is %s, not intake', f.action) END
        FROM c LEFT JOIN e f ON f.county OPERATOR(gridgov.=) c.county AND f.case_id = c.id AND f.seq = 1
        WHERE f.case_id IS NULL OR f.action <> 'intake'
        UNION ALL
        SELECT c.county, c.id, l.seq, 'state_mismatch',
               pg_catalog.format('the case is in state %s, its latest event leads to %s', c.state, COALESCE(l.to_state, 'none'))
        FROM c JOIN last l ON l.county OPERATOR(gridgov.=) c.county AND l.case_id = c.id
        WHERE l.to_state IS DISTINCT FROM c.state
    )
    SELECT p.county, p.case_id, p.seq, p.problem, p.detail FROM problems p
    ORDER BY p.county, p.case_id, p.seq NULLS LAST, p.problem;
END
$$;
COMMENT ON FUNCTION gridgov.history_breaks(gridgov.gridcode, bigint[]) IS
    'Building block of verify_histories(): the breaks in the hash chains of the histories of a county''s cases (all counties when of_county is NULL), of the listed ids only when of_case_ids is not NULL';

CREATE FUNCTION gridgov.verify_histories(county gridgov.gridcode DEFAULT NULL, case_ids bigint[] DEFAULT NULL)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT * FROM gridgov.history_breaks(verify_histories.county, verify_histories.case_ids);
END;
COMMENT ON FUNCTION gridgov.verify_histories(gridgov.gridcode, bigint[]) IS
    'Checks the hash chains of case histories (all cases, a county, or the listed ids): hash_mismatch (an event was edited), chain_broken (an event was removed, inserted or reordered), seq_gap (a sequence number is missing), event_count (cases.events differs from the number of events), tail_mismatch (cases.history_hash is not the hash of the latest event), intake_missing (no event 1, or event 1 is not the intake), state_mismatch (the latest event does not lead to the case''s state: events removed at the end). Sealed heads are checked by gridgov.verify_seals(). No rows: intact';

CREATE FUNCTION gridgov.verify_history(case_id bigint)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT * FROM gridgov.verify_histories(NULL, ARRAY[verify_history.case_id]);
END;
COMMENT ON FUNCTION gridgov.verify_history(bigint) IS
    'Checks one case''s hash-chained history; one row per break (see verify_histories), none when intact';

-- The daily seal ----------------------------------------------------------------

CREATE FUNCTION gridgov.local_day(at timestamptz) RETURNS date
    AS 'MODULE_PATHNAME', 'gridgov_local_day' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.local_day(timestamptz) IS
    'The date of at in gridgov.time_zone (the local date of case numbers and of seals); 22023 when the setting is not a known time zone';

CREATE FUNCTION gridgov.seal_hash(day date, prev bytea, heads bigint, heads_digest bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_seal_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.seal_hash(date, bytea, bigint, bytea) IS
    'The hash of a seal: sha256 of the tag gridgov-seal-v1, then the day (YYYY-MM-DD), the previous seal''s hash, the number of heads (decimal) and the heads digest (gridgov.seal_heads_digest), each as a 4-byte big-endian length and its bytes';

CREATE FUNCTION gridgov.seal_heads_digest_step(state internal, county gridgov.gridcode, case_id bigint,
                                               seq integer, hash bytea)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'gridgov_seal_heads_digest_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.seal_heads_digest_step(internal, gridgov.gridcode, bigint, integer, bytea) IS
    'Transition function of gridgov.seal_heads_digest()';
CREATE FUNCTION gridgov.seal_heads_digest_final(state internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_seal_heads_digest_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.seal_heads_digest_final(internal) IS
    'Final function of gridgov.seal_heads_digest()';
CREATE AGGREGATE gridgov.seal_heads_digest(county gridgov.gridcode, case_id bigint, seq integer, hash bytea) (
    SFUNC = gridgov.seal_heads_digest_step,
    STYPE = internal,
    FINALFUNC = gridgov.seal_heads_digest_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gridgov.seal_heads_digest(gridgov.gridcode, bigint, integer, bytea) IS
    'The heads chain of a seal: c0 = 32 zero bytes, ci = sha256(c(i-1) || county digits, case id, seq, hash, each length-prefixed); call it with ORDER BY county, case_id, seq (heads out of that order raise 22023); 32 zero bytes for no heads';

-- The tables -------------------------------------------------------------------

CREATE TABLE gridgov.history_seals (
    day         date PRIMARY KEY,
    prev_hash   bytea NOT NULL UNIQUE CHECK (pg_catalog.octet_length(prev_hash) = 32),
    hash        bytea NOT NULL CHECK (pg_catalog.octet_length(hash) = 32),
    heads       bigint NOT NULL CHECK (heads >= 0),
    sealed_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE gridgov.history_seals IS
    'The daily seals of the case histories (gridgov.seal_history), append-only (UPDATE, DELETE and TRUNCATE are refused, GG106): each commits to the heads in gridgov.history_seal_heads of its day and to the previous seal; gridgov.seal_line() exports one as a line of text, gridgov.verify_seal_line() and gridgov.verify_seals() check them';
COMMENT ON COLUMN gridgov.history_seals.day IS 'The local day (gridgov.time_zone) the seal is named after: the seal covers every history that changed since the previous seal';
COMMENT ON COLUMN gridgov.history_seals.prev_hash IS 'Hash of the previous seal (32 zero bytes for the first); unique, so the chain cannot fork';
COMMENT ON COLUMN gridgov.history_seals.hash IS 'gridgov.seal_hash(day, prev_hash, heads, the digest of its heads)';
COMMENT ON COLUMN gridgov.history_seals.heads IS 'Number of heads the seal covers';
COMMENT ON COLUMN gridgov.history_seals.sealed_at IS 'When the seal was taken (start of the sealing transaction)';

CREATE TABLE gridgov.history_seal_heads (
    county      gridgov.gridcode NOT NULL,
    case_id     bigint NOT NULL,
    seq         integer NOT NULL CHECK (seq >= 1),
    hash        bytea NOT NULL CHECK (pg_catalog.octet_length(hash) = 32),
    day         date NOT NULL,
    PRIMARY KEY (county, case_id, seq)
);
COMMENT ON TABLE gridgov.history_seal_heads IS
    'The chain heads each seal covers, append-only (GG106): the latest event of a case''s history when the seal was taken, for every case that was new or had new events since the previous seal. The key also finds the last sealed event of a case';
COMMENT ON COLUMN gridgov.history_seal_heads.county IS 'County of the case (first in the key: the distribution column when scaled out)';
COMMENT ON COLUMN gridgov.history_seal_heads.case_id IS 'The case';
COMMENT ON COLUMN gridgov.history_seal_heads.seq IS 'The sealed event: the case''s latest when the seal was taken';
COMMENT ON COLUMN gridgov.history_seal_heads.hash IS 'That event''s hash (gridgov.case_events.hash) when it was sealed';
COMMENT ON COLUMN gridgov.history_seal_heads.day IS 'The seal (gridgov.history_seals.day) that covers it';

SELECT pg_catalog.pg_extension_config_dump('gridgov.history_seals', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.history_seal_heads', '');

CREATE FUNCTION gridgov.history_seals_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM gridgov.trigger_check('history_seals_append_only', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    RAISE EXCEPTION USING ERRCODE = 'GG106',
        MESSAGE = pg_catalog.format('history seals are append-only: %s is not allowed', pg_catalog.lower(TG_OP)),
        DETAIL = 'A seal, once taken, is kept as it was.';
END
$$;
COMMENT ON FUNCTION gridgov.history_seals_append_only() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on history_seals and history_seal_heads (GG106)';
CREATE TRIGGER history_seals_append_only BEFORE UPDATE OR DELETE ON gridgov.history_seals
    FOR EACH ROW EXECUTE FUNCTION gridgov.history_seals_append_only();
CREATE TRIGGER history_seals_no_truncate BEFORE TRUNCATE ON gridgov.history_seals
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.history_seals_append_only();
CREATE TRIGGER history_seal_heads_append_only BEFORE UPDATE OR DELETE ON gridgov.history_seal_heads
    FOR EACH ROW EXECUTE FUNCTION gridgov.history_seals_append_only();
CREATE TRIGGER history_seal_heads_no_truncate BEFORE TRUNCATE ON gridgov.history_seal_heads
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.history_seals_append_only();

-- Sealing ------------------------------------------------------------------------

CREATE FUNCTION gridgov.seal_history(day date DEFAULT gridgov.local_day(pg_catalog.now()) - 1)
    RETURNS gridgov.history_seals
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    sealed gridgov.history_seals;
    latest gridgov.history_seals;
    today date := gridgov.local_day(pg_catalog.now());
    n bigint;
    digest bytea;
    prev bytea;
BEGIN
    IF seal_history.day IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'the day to seal must not be NULL';
    END IF;
    -- One sealer at a time (readers are not blocked); what the first one
    -- sealed is visible to the next statement of the second.
    LOCK TABLE gridgov.history_seals IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO sealed FROM gridgov.history_seals s WHERE s.day = seal_history.day;
    IF FOUND THEN
        RETURN sealed;
    END IF;
    SELECT * INTO latest FROM gridgov.history_seals s ORDER BY s.day DESC LIMIT 1;
    IF latest.day > seal_history.day THEN
        RAISE EXCEPTION USING ERRCODE = 'GG113',
            MESSAGE = pg_catalog.format('cannot seal %s: the histories are sealed up to %s', seal_history.day, latest.day),
            DETAIL = 'Seals follow each other in time; what changed since is covered by the next seal.',
            HINT = 'Seal a later day, or none: gridgov.seal_history() seals yesterday.';
    END IF;
    IF seal_history.day > today THEN
        RAISE EXCEPTION USING ERRCODE = 'GG113',
            MESSAGE = pg_catalog.format('cannot seal %s: it is %s in %s', seal_history.day, today,
                                        pg_catalog.current_setting('gridgov.time_zone')),
            DETAIL = 'A day can be sealed once it has begun.';
    END IF;
    -- Every case whose latest event is not sealed yet: new cases, and cases
    -- with events after their last sealed one (the primary key of the heads
    -- has the last sealed seq of each case).  Only those cases' latest events
    -- are read, each by its key (OFFSET 0 keeps the planner from joining the
    -- whole history instead).  One statement, one snapshot.
    WITH added AS (
        INSERT INTO gridgov.history_seal_heads (county, case_id, seq, hash, day)
        SELECT c.county, c.id, e.seq, e.hash, seal_history.day
        FROM gridgov.cases c
        CROSS JOIN LATERAL (SELECT x.seq, x.hash FROM gridgov.case_events x
                            WHERE x.county OPERATOR(gridgov.=) c.county AND x.case_id = c.id
                              AND x.seq = c.events
                            OFFSET 0) e
        WHERE NOT EXISTS (SELECT 1 FROM gridgov.history_seal_heads h
                          WHERE h.county OPERATOR(gridgov.=) c.county AND h.case_id = c.id
                            AND h.seq >= c.events)
        RETURNING county, case_id, seq, hash
    )
    SELECT pg_catalog.count(*),
           gridgov.seal_heads_digest(a.county, a.case_id, a.seq, a.hash ORDER BY a.county, a.case_id, a.seq)
    INTO n, digest
    FROM added a;
    prev := COALESCE(latest.hash, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'));
    INSERT INTO gridgov.history_seals (day, prev_hash, hash, heads)
    VALUES (seal_history.day, prev, gridgov.seal_hash(seal_history.day, prev, n, digest), n)
    RETURNING * INTO sealed;
    RETURN sealed;
END
$$;
COMMENT ON FUNCTION gridgov.seal_history(date) IS
    'Administration: seals a day (default: yesterday in gridgov.time_zone): records the latest event of every case history that is new or changed since the previous seal, read in one snapshot, and a seal chained to the previous one; returns the seal. Idempotent for a sealed day; GG113 for a day before the last sealed one or after today. Concurrent calls queue on a lock';
REVOKE EXECUTE ON FUNCTION gridgov.seal_history(date) FROM PUBLIC;

CREATE FUNCTION gridgov.seal_line(day date) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.format('gridgov-seal v1 %s heads=%s prev=%s hash=%s',
                             pg_catalog.to_char(s.day, 'YYYY-MM-DD'), s.heads,
                             pg_catalog.encode(s.prev_hash, 'hex'), pg_catalog.encode(s.hash, 'hex'))
    FROM gridgov.history_seals s WHERE s.day = seal_line.day;
END;
COMMENT ON FUNCTION gridgov.seal_line(date) IS
    'The seal of a day as one line of text to keep outside the database: gridgov-seal v1 YYYY-MM-DD heads=N prev=<hex> hash=<hex>; NULL when the day is not sealed';
REVOKE EXECUTE ON FUNCTION gridgov.seal_line(date) FROM PUBLIC;

-- Each seal up to a day, recomputed from its heads.
CREATE FUNCTION gridgov.seal_recomputed(up_to date)
    RETURNS TABLE (day date, stored_hash bytea, expected_prev bytea, prev_hash bytea, heads bigint,
                   counted bigint, recomputed bytea)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH r AS (
        SELECT h.day, pg_catalog.count(*) AS counted,
               gridgov.seal_heads_digest(h.county, h.case_id, h.seq, h.hash ORDER BY h.county, h.case_id, h.seq) AS digest
        FROM gridgov.history_seal_heads h
        WHERE up_to IS NULL OR h.day <= up_to
        GROUP BY h.day
    ), s AS (
        SELECT s.day, s.hash, s.prev_hash, s.heads,
               COALESCE(pg_catalog.lag(s.hash) OVER (ORDER BY s.day),
                        pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex')) AS expected_prev
        FROM gridgov.history_seals s
        WHERE up_to IS NULL OR s.day <= up_to
    )
    SELECT COALESCE(s.day, r.day), s.hash, s.expected_prev, s.prev_hash, s.heads, COALESCE(r.counted, 0),
           CASE WHEN s.day IS NOT NULL THEN
               gridgov.seal_hash(s.day, s.prev_hash, COALESCE(r.counted, 0),
                                 COALESCE(r.digest, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex')))
           END
    FROM s FULL JOIN r ON r.day = s.day
    ORDER BY 1;
END
$$;
COMMENT ON FUNCTION gridgov.seal_recomputed(date) IS
    'Internal (verify_seals, verify_seal_line): each seal up to a day (NULL: all) with the hash the previous seal has, and its hash and number of heads recomputed from gridgov.history_seal_heads; a day with heads but no seal has NULL stored values';
REVOKE EXECUTE ON FUNCTION gridgov.seal_recomputed(date) FROM PUBLIC;

CREATE FUNCTION gridgov.verify_seal_line(line text) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    m text[] := pg_catalog.regexp_match(pg_catalog.btrim(line, E' \t\r\n'),
        '^gridgov-seal v1 ([0-9]{4}-[0-9]{2}-[0-9]{2}) heads=([0-9]{1,18}) prev=([0-9a-f]{64}) hash=([0-9a-f]{64})$');
    d date;
    intact boolean;
BEGIN
    IF m IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22P02', MESSAGE = 'not a gridgov seal line',
            DETAIL = 'A seal line reads: gridgov-seal v1 YYYY-MM-DD heads=N prev=<64 hex digits> hash=<64 hex digits>.';
    END IF;
    d := m[1]::date;
    -- Every seal up to the day intact, and the day's seal the line's.
    SELECT pg_catalog.bool_and(r.stored_hash IS NOT NULL AND r.prev_hash = r.expected_prev
                               AND r.heads = r.counted AND r.recomputed = r.stored_hash)
           AND pg_catalog.bool_or(r.day = d AND r.heads = m[2]::bigint
                                  AND r.prev_hash = pg_catalog.decode(m[3], 'hex')
                                  AND r.stored_hash = pg_catalog.decode(m[4], 'hex'))
    INTO intact FROM gridgov.seal_recomputed(d) r;
    RETURN COALESCE(intact, false);
END
$$;
COMMENT ON FUNCTION gridgov.verify_seal_line(text) IS
    'Whether a line of gridgov.seal_line() kept outside the database still holds: every seal up to its day matches its heads and the seal before, and the seal of its day has the line''s number of heads, prev and hash (false otherwise); 22P02 for a line that is not a seal line';
REVOKE EXECUTE ON FUNCTION gridgov.verify_seal_line(text) FROM PUBLIC;

CREATE FUNCTION gridgov.verify_seals()
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text, day date)
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, gridgov, pg_temp
BEGIN ATOMIC
    WITH r AS (
        SELECT * FROM gridgov.seal_recomputed(NULL)
    ), problems AS (
        SELECT NULL::gridgov.gridcode AS county, NULL::bigint AS case_id, NULL::integer AS seq,
               'seal_chain_broken' AS problem, 'prev_hash is not the hash of the seal before' AS detail, r.day
        FROM r
        WHERE r.stored_hash IS NOT NULL AND r.prev_hash <> r.expected_prev
        UNION ALL
        SELECT NULL, NULL, NULL, 'seal_mismatch',
               CASE WHEN r.stored_hash IS NULL THEN pg_catalog.format('%s heads are recorded for a day without a seal', r.counted)
                    WHEN r.heads <> r.counted THEN pg_catalog.format('the seal counts %s heads, %s are recorded', r.heads, r.counted)
                    ELSE 'the seal''s hash does not match its heads' END,
               r.day
        FROM r
        WHERE r.stored_hash IS NULL OR r.heads <> r.counted OR r.recomputed <> r.stored_hash
        UNION ALL
        SELECT h.county, h.case_id, h.seq,
               CASE WHEN e.hash IS NULL THEN 'sealed_head_missing' ELSE 'sealed_head_differs' END,
               CASE WHEN e.hash IS NULL THEN 'the sealed event is no longer in the history'
                    ELSE 'the event''s hash is not the sealed one' END,
               h.day
        FROM gridgov.history_seal_heads h
        LEFT JOIN gridgov.case_events e
          ON e.county OPERATOR(gridgov.=) h.county AND e.case_id = h.case_id AND e.seq = h.seq
        WHERE e.hash IS DISTINCT FROM h.hash
    )
    SELECT p.county, p.case_id, p.seq, p.problem, p.detail, p.day FROM problems p
    ORDER BY p.day, p.county, p.case_id, p.seq, p.problem;
END;
COMMENT ON FUNCTION gridgov.verify_seals() IS
    'Checks the seals against themselves and the histories: seal_chain_broken (a seal''s prev_hash is not the hash of the seal before), seal_mismatch (a seal''s hash or number of heads does not match its recorded heads, or heads without a seal), sealed_head_missing (a sealed event is no longer in the history), sealed_head_differs (a sealed event has another hash now). No rows: intact. Runs as the owner: a role without access to the histories learns only ids';
REVOKE EXECUTE ON FUNCTION gridgov.verify_seals() FROM PUBLIC;

-- The nightly job's part: seal yesterday (of as_of) unless it cannot be.
CREATE FUNCTION gridgov.seal_nightly(as_of timestamptz) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    d date := gridgov.local_day(as_of) - 1;
    latest date := (SELECT pg_catalog.max(s.day) FROM gridgov.history_seals s);
    sealed gridgov.history_seals;
BEGIN
    IF d > gridgov.local_day(pg_catalog.now()) OR d < latest THEN
        RETURN pg_catalog.jsonb_build_object('day', d, 'skipped',
            CASE WHEN d < latest THEN pg_catalog.format('sealed up to %s', latest) ELSE 'in the future' END);
    END IF;
    sealed := gridgov.seal_history(d);
    -- A statement of its own: seal_line() sees the new seal.
    RETURN pg_catalog.jsonb_build_object('day', d, 'line', gridgov.seal_line(sealed.day));
END
$$;
COMMENT ON FUNCTION gridgov.seal_nightly(timestamptz) IS
    'The seal of gridgov.nightly_maintenance(as_of): seals the day before as_of''s local day and returns {day, line} (the seal line to export), or {day, skipped} when that day lies before the last sealed day or after today';
REVOKE EXECUTE ON FUNCTION gridgov.seal_nightly(timestamptz) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Thin wrappers over act(), history verification, roles, re-homing.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.dispatch(case_id bigint, department_id bigint DEFAULT NULL,
                                 note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'dispatch', note,
                       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('department_id', department_id)), at);
COMMENT ON FUNCTION gridgov.dispatch(bigint, bigint, text, timestamptz) IS
    'Dispatch (派遣/派单) or re-dispatch (改派) a case, to department_id or, when NULL, to the department routing chose';

CREATE FUNCTION gridgov.sign_case(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'sign', note, '{}', at);
COMMENT ON FUNCTION gridgov.sign_case(bigint, text, timestamptz) IS
    'The assignee acknowledges receipt (签收) (not sign(): an unqualified sign(42) would be pg_catalog.sign)';

CREATE FUNCTION gridgov.return_case(case_id bigint, reason text, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'return', reason, '{}', at);
COMMENT ON FUNCTION gridgov.return_case(bigint, text, timestamptz) IS
    'The assignee returns a wrong dispatch (退单), with the reason; the dispatcher re-dispatches it';

CREATE FUNCTION gridgov.handle(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'handle', note, '{}', at);
COMMENT ON FUNCTION gridgov.handle(bigint, text, timestamptz) IS 'The assignee reports the case handled (处置反馈)';

CREATE FUNCTION gridgov.verify(case_id bigint, passed boolean, note text DEFAULT NULL,
                               at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, CASE WHEN passed THEN 'verify_pass' ELSE 'verify_fail' END, note, '{}', at);
COMMENT ON FUNCTION gridgov.verify(bigint, boolean, text, timestamptz) IS
    'On-site verification (核查): passed moves the case on, failed sends it back for rework (返工)';

CREATE FUNCTION gridgov.callback(case_id bigint, solved boolean, satisfaction gridgov.satisfaction,
                                 note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'callback', note,
                       pg_catalog.jsonb_build_object('solved', solved, 'satisfaction', satisfaction), at);
COMMENT ON FUNCTION gridgov.callback(bigint, boolean, gridgov.satisfaction, text, timestamptz) IS
    'Callback to the citizen (回访): solved? satisfied? (disputes use act(..., ''follow_up'', ...))';

CREATE FUNCTION gridgov.close(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'close', note, '{}', at);
COMMENT ON FUNCTION gridgov.close(bigint, text, timestamptz) IS 'Close the case (结案/办结); duplicates merged into it close with it';

CREATE FUNCTION gridgov.reopen(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'reopen', note, '{}', at);
COMMENT ON FUNCTION gridgov.reopen(bigint, text, timestamptz) IS 'Reopen a closed case (hotline: the caller was not satisfied)';

CREATE FUNCTION gridgov.merge(duplicate_id bigint, master_id bigint, note text DEFAULT NULL,
                              at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(duplicate_id, 'merge', note,
                       pg_catalog.jsonb_build_object('master_case_id', master_id), at);
COMMENT ON FUNCTION gridgov.merge(bigint, bigint, text, timestamptz) IS
    'Merge a duplicate into its master: the duplicate becomes terminal (merged) and linked, and closes when the master closes';

-- History verification --------------------------------------------------------

CREATE FUNCTION gridgov.verify_histories(county gridgov.gridcode DEFAULT NULL, case_ids bigint[] DEFAULT NULL)
    RETURNS TABLE (county gridgov.gridcode, case_id bigint, seq integer, problem text, detail text)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH c AS (
        SELECT x.county, x.id, x.events, x.history_hash, x.state FROM gridgov.cases x
        WHERE (verify_histories.county IS NULL OR x.county OPERATOR(gridgov.=) verify_histories.county)
          AND (verify_histories.case_ids IS NULL OR x.id = ANY (verify_histories.case_ids))
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

-- Re-homing open cases after a re-division -------------------------------------

CREATE FUNCTION gridgov.rehome_cases(revision bigint) RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
DECLARE
    r gridgov.grid_revisions;
    c record;
    n integer := 0;
BEGIN
    SELECT * INTO r FROM gridgov.grid_revisions WHERE id = revision FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('re-division %s does not exist', revision);
    END IF;
    IF r.cases_rehomed_at IS NOT NULL THEN
        RETURN 0;
    END IF;
    FOR c IN
        SELECT x.county, x.id, x.grid, x.updated_at,
               COALESCE(CASE WHEN x.location IS NOT NULL THEN gridgov.locate(x.location, r.effective) END,
                        (SELECT a.code FROM gridgov.grids a
                         WHERE a.code OPERATOR(gridgov.@>) x.grid AND a.code OPERATOR(gridgov.<>) x.grid
                           AND a.valid_from <= r.effective AND r.effective < a.valid_to
                         ORDER BY a.level DESC LIMIT 1)) AS new_grid
        FROM gridgov.cases x
        JOIN gridgov.workflow_states s ON s.workflow = x.workflow AND s.state = x.state AND NOT s.terminal
        WHERE x.grid OPERATOR(gridgov.<@) ANY (r.retired)
          AND NOT EXISTS (SELECT 1 FROM gridgov.grids g
                          WHERE g.code OPERATOR(gridgov.=) x.grid
                            AND g.valid_from <= r.effective AND r.effective < g.valid_to)
        ORDER BY x.county, x.id
    LOOP
        PERFORM gridgov.case_system_update(
            c.county, c.id, 'rehome',
            pg_catalog.jsonb_build_object(
                'revision', revision, 'from_grid', c.grid::text,
                'to_grid', CASE WHEN c.new_grid OPERATOR(gridgov.<@) c.county THEN c.new_grid::text END),
            GREATEST(r.effective, c.updated_at));
        n := n + 1;
    END LOOP;
    UPDATE gridgov.grid_revisions SET cases_rehomed_at = pg_catalog.now() WHERE id = revision;
    RETURN n;
END
$$;
COMMENT ON FUNCTION gridgov.rehome_cases(bigint) IS
    'Administration: Moves the open cases of the grids a re-division retired to the grid that now holds their location (or the nearest surviving ancestor grid), recording a rehome event in each history; once per re-division; returns the number of cases moved. redivide() calls it when the re-division is already effective, gridgov.rehome_due_cases() later otherwise';

CREATE FUNCTION gridgov.rehome_due_cases(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.sum(gridgov.rehome_cases(r.id)), 0)::integer
    FROM (SELECT id FROM gridgov.grid_revisions
          WHERE cases_rehomed_at IS NULL AND effective <= as_of ORDER BY id) r;
END;
COMMENT ON FUNCTION gridgov.rehome_due_cases(timestamptz) IS
    'Administration: Re-homes the open cases of every re-division that has become effective by as_of and was not applied yet (run by the nightly job); returns the number of cases moved';

-- ---------------------------------------------------------------------------
-- Case actions over the engine (057): the named workflow actions, thin
-- wrappers over act(), and the re-homing of open cases after a re-division,
-- system updates through case_system_update().
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

-- The steps of Beijing's 12345 and the grid centers (1.3.0; docs/cases.md) ------

CREATE FUNCTION gridgov.first_contact(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'contact', note, '{}', at);
COMMENT ON FUNCTION gridgov.first_contact(bigint, text, timestamptz) IS
    'The holder has contacted the caller (先行联系): meets the contact clock started at signing (hotline)';

CREATE FUNCTION gridgov.review_return(case_id bigint, approve boolean, note text DEFAULT NULL,
                                      at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, CASE WHEN approve THEN 'approve_return' WHEN NOT approve THEN 'reject_return' END,
                       note, '{}', at);
COMMENT ON FUNCTION gridgov.review_return(bigint, boolean, text, timestamptz) IS
    'The command center reviews a return (退单审核): approve lets it back (returned, to be re-dispatched; counted in returns), otherwise it goes back to the holder, who must sign again (a rejected return)';

CREATE FUNCTION gridgov.supervise(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'supervise', note, '{}', at);
COMMENT ON FUNCTION gridgov.supervise(bigint, text, timestamptz) IS
    'The command center supervises the case (督办): marks it supervised and starts a supervise clock the holder must answer (the sweep does the same at a ladder rung that supervises)';

CREATE FUNCTION gridgov.answer_supervision(case_id bigint, note text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'answer_supervision', note, '{}', at);
COMMENT ON FUNCTION gridgov.answer_supervision(bigint, text, timestamptz) IS
    'The holder answers a supervision (督办回复): meets the running supervise clock (GG251 when there is none)';

CREATE FUNCTION gridgov.request_extension(case_id bigint, stage text, amount numeric, reason text,
                                          unit text DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'request_extension', reason,
                       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('stage', stage, 'amount', amount,
                                                                                  'unit', unit)), at);
COMMENT ON FUNCTION gridgov.request_extension(bigint, text, numeric, text, text, timestamptz) IS
    'The holder applies for more time on a stage (申请延期), with the reason; the deadline moves only when the command center approves (gridgov.decide_request)';

CREATE FUNCTION gridgov.request_suspension(case_id bigint, reason text, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'request_suspension', reason, '{}', at);
COMMENT ON FUNCTION gridgov.request_suspension(bigint, text, timestamptz) IS
    'The holder applies to suspend the case''s clocks (申请挂账: cannot be done for now), with the reason; the clocks pause only when the command center approves';

CREATE FUNCTION gridgov.decide_request(case_id bigint, kind text, approve boolean, note text DEFAULT NULL,
                                       amount numeric DEFAULT NULL, at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id,
                       CASE WHEN approve THEN 'approve_' WHEN NOT approve THEN 'refuse_' END
                       OPERATOR(pg_catalog.||) CASE WHEN kind IN ('extension', 'suspension') THEN kind END,
                       note, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('amount', amount)), at);
COMMENT ON FUNCTION gridgov.decide_request(bigint, text, boolean, text, numeric, timestamptz) IS
    'The command center decides the holder''s open request of kind extension or suspension: approve moves the deadline by the time asked (or amount, when smaller) or pauses the clocks; refuse leaves them (GG253 when no such request is open)';

CREATE FUNCTION gridgov.refer_meeting(case_id bigint, departments bigint[], note text DEFAULT NULL,
                                      at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'refer_meeting', note, pg_catalog.jsonb_build_object('departments', departments), at);
COMMENT ON FUNCTION gridgov.refer_meeting(bigint, bigint[], text, timestamptz) IS
    'The command center takes a difficult case (疑难案件) to a joint meeting (会商) of the departments named: the holder''s clocks are cancelled, the case waits in state meeting';

CREATE FUNCTION gridgov.decide_meeting(case_id bigint, lead_department bigint, decision text, note text DEFAULT NULL,
                                       at timestamptz DEFAULT NULL)
    RETURNS gridgov.cases LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN gridgov.act(case_id, 'decide', note,
                       pg_catalog.jsonb_build_object('department_id', lead_department, 'decision', decision), at);
COMMENT ON FUNCTION gridgov.decide_meeting(bigint, bigint, text, text, timestamptz) IS
    'Records the joint meeting''s decision and its lead department (牵头单位, one of those convened): the case is dispatched to it and continues';

-- Re-homing open cases after a re-division (called by redivide(), 027) ----------

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

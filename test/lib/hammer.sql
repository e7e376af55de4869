-- Hammer clients for test/shell/sweep_hammer.sh, test/shell/case_hammer.sh and
-- test/bench/070_sweep_batches.sh: a session runs
--     CALL hammer_client(client, first_id, n, stride, actions, deadline)
-- and until hammer_stop has a row (or the deadline passes) takes one random
-- step at a time on case first_id + stride * k (k random in 0 .. n - 1), each
-- its own transaction, and logs it in hammer_log: the step, the SQLSTATE it
-- failed with (NULL: it applied; 'none': nothing to do) and its time in ms.
-- The steps (ordinary client actions, read-then-act without a lock, as an
-- application does):
--   title, description  raw UPDATE of that column
--   pause               act() suspend, or resume when the case has a paused clock
--   extend              act() extend of a running clock by 1 minute
--   step                the next workflow step by the state the client saw:
--                       reported -> file, filed -> dispatch, dispatched -> sign,
--                       signed -> handle, handled -> verify_fail (back to signed)
-- Actions are taken without an explicit time (act()'s default).
SET client_min_messages = warning;

CREATE TABLE hammer_log (
    client  integer NOT NULL,
    step    text NOT NULL,
    case_id bigint NOT NULL,
    sqlstate text,
    started timestamptz NOT NULL,
    ms      double precision NOT NULL
);
CREATE TABLE hammer_stop (stopped_at timestamptz NOT NULL DEFAULT clock_timestamp());

-- One step on one case; returns 'none' when there was nothing to do.
CREATE FUNCTION hammer_step(case_id bigint, step text, client integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    cty gridgov.gridcode;
    st text;
    stage text;
    next_action text;
BEGIN
    SELECT c.county, c.state INTO cty, st FROM gridgov.cases c WHERE c.id = case_id;
    IF step IN ('title', 'description') THEN
        EXECUTE format('UPDATE gridgov.cases SET %I = $1 WHERE id = $2', step)
            USING format('client %s at %s', client, clock_timestamp()), case_id;
    ELSIF step = 'pause' THEN
        IF EXISTS (SELECT 1 FROM gridgov.case_clocks k WHERE k.county = cty AND k.case_id = hammer_step.case_id
                   AND k.paused_at IS NOT NULL AND k.met_at IS NULL AND k.cancelled_at IS NULL) THEN
            PERFORM gridgov.act(case_id, 'resume', 'hammer ' || client);
        ELSE
            PERFORM gridgov.act(case_id, 'suspend', 'hammer ' || client);
        END IF;
    ELSIF step = 'extend' THEN
        SELECT k.stage::text INTO stage FROM gridgov.case_clocks k
        WHERE k.county = cty AND k.case_id = hammer_step.case_id AND k.met_at IS NULL AND k.cancelled_at IS NULL
        ORDER BY random() LIMIT 1;
        IF stage IS NULL THEN
            RETURN 'none';
        END IF;
        PERFORM gridgov.act(case_id, 'extend', 'hammer ' || client,
                            jsonb_build_object('stage', stage, 'amount', 1, 'unit', 'minutes'));
    ELSIF step = 'step' THEN
        next_action := CASE st WHEN 'reported' THEN 'file' WHEN 'filed' THEN 'dispatch'
                               WHEN 'dispatched' THEN 'sign' WHEN 'signed' THEN 'handle'
                               WHEN 'handled' THEN 'verify_fail' END;
        IF next_action IS NULL THEN
            RETURN 'none';
        END IF;
        PERFORM gridgov.act(case_id, next_action, 'hammer ' || client);
    ELSE
        RAISE EXCEPTION 'unknown hammer step %', step;
    END IF;
    RETURN NULL;
END $$;

CREATE PROCEDURE hammer_client(client integer, first_id bigint, n integer, stride integer, steps text[],
                               deadline timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    id bigint;
    step text;
    t0 timestamptz;
    outcome text;
BEGIN
    LOOP
        EXIT WHEN clock_timestamp() > deadline OR EXISTS (SELECT 1 FROM hammer_stop);
        id := first_id + stride * floor(random() * n)::bigint;
        step := steps[1 + floor(random() * cardinality(steps))::integer];
        t0 := clock_timestamp();
        BEGIN
            outcome := hammer_step(id, step, client);
        EXCEPTION WHEN OTHERS THEN
            outcome := SQLSTATE;
        END;
        INSERT INTO hammer_log VALUES (client, step, id, outcome, t0, 1000 * extract(epoch FROM clock_timestamp() - t0));
        COMMIT;
    END LOOP;
END $$;

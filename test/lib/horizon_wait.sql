-- pg_temp.horizon_settle(county): wait (at most 60 s, polling every 50 ms)
-- until the horizon (gridgov.event_horizon()) has passed every event of the
-- county, so that each is final and the event feed and the transfer outbox
-- serve it; false if it did not within the time.  For the suites that commit
-- their events (test/gateway_sql.sql, test/gateway_sessions.sql).
CREATE FUNCTION pg_temp.horizon_settle(county gridgov.gridcode) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    last bigint := (SELECT max(e.txid) FROM gridgov.case_events e WHERE e.county OPERATOR(gridgov.=) horizon_settle.county);
    deadline timestamptz := clock_timestamp() + interval '60 s';
BEGIN
    WHILE gridgov.event_horizon() <= COALESCE(last, 0) LOOP
        IF clock_timestamp() > deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN true;
END
$$;

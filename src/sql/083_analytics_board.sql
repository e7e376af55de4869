-- ---------------------------------------------------------------------------
-- analytics (4/7): the live SLA board of the command center.
--
-- gridgov.sla_board_at(as_of) reads the open cases, their running clocks and
-- the pending whistle calls directly (not the summaries): open cases by state x
-- town x department, clocks due within the hour, overdue cases by the ladder
-- rung they reached, whistle calls not yet reported in.  gridgov.sla_board is
-- the same at now().  SQLSTATE: 22004 NULL as_of.
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.sla_board_at(as_of timestamptz)
    RETURNS TABLE (county gridgov.gridcode, town gridgov.gridcode, department_id bigint, department_name text,
                   state text, open_cases bigint, due_within_hour bigint, overdue bigint,
                   overdue_level0 bigint, overdue_level1 bigint, overdue_level2 bigint, overdue_level3 bigint,
                   whistles_pending bigint, whistles_late bigint, provisional bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, gridgov, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'as_of must not be NULL';
    END IF;
    RETURN QUERY
    WITH open_cases AS (
        SELECT c.county, c.id, gridgov.area_at(c.county, c.grid, 4) AS town, c.department_id, c.state
        FROM gridgov.cases c
        JOIN gridgov.workflow_states ws ON ws.workflow = c.workflow AND ws.state = c.state AND NOT ws.terminal
        WHERE c.closed_at IS NULL
    ), clocks AS (
        SELECT k.county, k.case_id,
               pg_catalog.bool_or(k.paused_at IS NULL AND k.due_at >= as_of
                                  AND k.due_at < as_of + interval '1 hour') AS due_soon,
               pg_catalog.max(k.escalation_level) FILTER (WHERE k.paused_at IS NULL AND k.due_at < as_of)
                   AS overdue_level,
               pg_catalog.bool_or(gridgov.is_provisional(cal.name, k.due_at, k.unit)) AS provisional
        FROM gridgov.case_clocks k
        JOIN gridgov.calendars cal ON cal.id = k.calendar_id
        WHERE k.met_at IS NULL AND k.cancelled_at IS NULL
        GROUP BY k.county, k.case_id
    ), by_case AS (
        SELECT o.county, o.town, o.department_id, o.state,
               pg_catalog.count(*) AS open_cases,
               pg_catalog.count(*) FILTER (WHERE k.due_soon) AS due_within_hour,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level IS NOT NULL) AS overdue,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 0) AS overdue_level0,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 1) AS overdue_level1,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level = 2) AS overdue_level2,
               pg_catalog.count(*) FILTER (WHERE k.overdue_level >= 3) AS overdue_level3,
               pg_catalog.count(*) FILTER (WHERE k.provisional) AS provisional
        FROM open_cases o
        LEFT JOIN clocks k ON k.county OPERATOR(gridgov.=) o.county AND k.case_id = o.id
        GROUP BY 1, 2, 3, 4
    ), by_whistle AS (
        SELECT o.county, o.town, w.department_id, o.state,
               pg_catalog.count(*) AS whistles_pending,
               pg_catalog.count(*) FILTER (WHERE w.due_at < as_of) AS whistles_late
        FROM gridgov.whistle_calls w
        JOIN open_cases o ON o.county OPERATOR(gridgov.=) w.county AND o.id = w.case_id
        WHERE w.reported_at IS NULL
        GROUP BY 1, 2, 3, 4
    )
    SELECT COALESCE(a.county, b.county), COALESCE(a.town, b.town),
           COALESCE(a.department_id, b.department_id), d.name, COALESCE(a.state, b.state),
           COALESCE(a.open_cases, 0), COALESCE(a.due_within_hour, 0), COALESCE(a.overdue, 0),
           COALESCE(a.overdue_level0, 0), COALESCE(a.overdue_level1, 0), COALESCE(a.overdue_level2, 0),
           COALESCE(a.overdue_level3, 0), COALESCE(b.whistles_pending, 0), COALESCE(b.whistles_late, 0),
           COALESCE(a.provisional, 0)
    FROM by_case a
    FULL JOIN by_whistle b
      ON b.county OPERATOR(gridgov.=) a.county AND b.town OPERATOR(gridgov.=) a.town
     AND b.department_id = a.department_id AND b.state = a.state
    LEFT JOIN gridgov.departments d ON d.id = COALESCE(a.department_id, b.department_id)
    ORDER BY 1, 2, 5, 4, 3;
END
$$;
COMMENT ON FUNCTION gridgov.sla_board_at(timestamptz) IS
    'The command center''s live board as of a time: per county x town x department x state, open cases, cases with a running clock due within the hour after as_of, overdue cases (a running, unpaused clock past its due time) by the highest ladder rung their overdue clocks reached (0: not escalated yet; 3: rung 3 and above), and whistle calls of open cases not reported in (pending; late: past due), counted at the summoned department, and cases with a provisional deadline (a clock, running or paused, due past its calendar''s horizon: gridgov.provisional_clocks). States and clocks are the current ones; as_of moves the time they are compared with. 22004 for NULL';

CREATE VIEW gridgov.sla_board AS
SELECT b.county, b.town, b.department_id, b.department_name, b.state, b.open_cases, b.due_within_hour,
       b.overdue, b.overdue_level0, b.overdue_level1, b.overdue_level2, b.overdue_level3,
       b.whistles_pending, b.whistles_late, b.provisional
FROM gridgov.sla_board_at(pg_catalog.now()) b;
COMMENT ON VIEW gridgov.sla_board IS 'gridgov.sla_board_at(now()): the live board of open cases, deadlines, overdue cases by escalation rung, pending whistle calls and provisional deadlines';
COMMENT ON COLUMN gridgov.sla_board.county IS 'County';
COMMENT ON COLUMN gridgov.sla_board.town IS 'Town (the county for cases without a grid)';
COMMENT ON COLUMN gridgov.sla_board.department_id IS 'Responsible department (for whistle calls: the summoned one)';
COMMENT ON COLUMN gridgov.sla_board.department_name IS 'Its name';
COMMENT ON COLUMN gridgov.sla_board.state IS 'Case state';
COMMENT ON COLUMN gridgov.sla_board.open_cases IS 'Open cases';
COMMENT ON COLUMN gridgov.sla_board.due_within_hour IS 'Open cases with a running clock due within the next hour';
COMMENT ON COLUMN gridgov.sla_board.overdue IS 'Open cases with a running, unpaused clock past its due time';
COMMENT ON COLUMN gridgov.sla_board.overdue_level0 IS 'Overdue, not escalated yet';
COMMENT ON COLUMN gridgov.sla_board.overdue_level1 IS 'Overdue, at ladder rung 1 (town center)';
COMMENT ON COLUMN gridgov.sla_board.overdue_level2 IS 'Overdue, at rung 2 (district center)';
COMMENT ON COLUMN gridgov.sla_board.overdue_level3 IS 'Overdue, at rung 3 or above (discipline inspection)';
COMMENT ON COLUMN gridgov.sla_board.whistles_pending IS 'Whistle calls (吹哨) not reported in';
COMMENT ON COLUMN gridgov.sla_board.whistles_late IS 'Of those, past their report-in deadline';
COMMENT ON COLUMN gridgov.sla_board.provisional IS 'Open cases with a provisional deadline: a running or paused clock due past its calendar''s horizon (gridgov.provisional_clocks)';

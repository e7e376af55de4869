-- Workflows: every legal transition of the three shipped workflows (checked
-- against the transitions table), illegal ones through act() and raw UPDATE,
-- roles, required values, maintained columns, counters and closing, merge,
-- event times, and the append-only, hash-chained history with tamper detection.
SET timezone = 'Asia/Shanghai';
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
BEGIN;
\i sql/fixtures/cases.sql
SELECT pg_catalog.count(*) AS setup_steps FROM setup_roles();
CREATE ROLE regress_dispatcher IN ROLE gridgov_dispatcher;
CREATE ROLE regress_clerk IN ROLE gridgov_department;
CREATE ROLE regress_worker IN ROLE gridgov_worker;
INSERT INTO staff (name, department_id, db_role)
SELECT v.name, d.id, v.role FROM departments d,
       (VALUES ('王调度', 'regress_dispatcher'), ('李文员', 'regress_clerk'), ('赵网格', 'regress_worker')) v(name, role)
WHERE d.code = 'YZ-CC';
-- The worker serves the grid of the cases below (its scope: docs/security.md).
INSERT INTO grid_staff (grid, staff_id, duty, valid_from)
SELECT '110115004001001', id, 'worker', '2026-01-01' FROM staff WHERE db_role = 'regress_worker';

-- A case per path, all reported on 2026-03-02 at 09:00; ids from 1001.
ALTER TABLE cases ALTER COLUMN id RESTART WITH 1001;
CREATE TEMP TABLE k (label text PRIMARY KEY, id bigint);
GRANT SELECT ON k TO PUBLIC;
CREATE FUNCTION new_case(label text, category text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE i bigint;
BEGIN
    INSERT INTO gridgov.cases (source, category, title, location, reported_at)
    VALUES ('patrol', category, label, ST_SetSRID(ST_MakePoint(116.45, 39.85), 4326), '2026-03-02 09:00+08')
    RETURNING id INTO i;
    INSERT INTO k VALUES (label, i);
    RETURN i;
END $$;
CREATE FUNCTION c(label text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM k WHERE k.label = c.label $$;
-- Step helper: act at 2026-03-02 09:00 + n minutes, returning the new state.
CREATE FUNCTION step(label text, action text, n int, payload jsonb DEFAULT '{}') RETURNS text
LANGUAGE sql AS $$
    SELECT (gridgov.act(c(label), action, 'step ' || n, payload,
                        timestamptz '2026-03-02 09:00+08' + n * interval '1 minute')).state
$$;
SELECT new_case('ge_full', 'E0102'), new_case('ge_reject', 'E0102'), new_case('ge_self', 'E0102'),
       new_case('ge_self_fail', 'E0102'), new_case('ge_merge', 'E0102'),
       new_case('hl_full', 'H0101'), new_case('hl_answer', 'H0101'), new_case('hl_merge', 'H0101'),
       new_case('dp_agree', 'D01'), new_case('dp_refer', 'D01'), new_case('dp_merge', 'D01') \gset

-- grid_event, the long way: file, dispatch, return (approved by the command
-- center), re-dispatch, sign, handle, failed verification (rework), handle
-- again, verify, callback, close.
SELECT step('ge_full', 'file', 1), step('ge_full', 'dispatch', 2),
       step('ge_full', 'return', 3), step('ge_full', 'approve_return', 3), step('ge_full', 'dispatch', 4,
            pg_catalog.jsonb_build_object('department_id', (SELECT id FROM departments WHERE code = 'DX-CGJ'))),
       step('ge_full', 'sign', 5), step('ge_full', 'handle', 6), step('ge_full', 'verify_fail', 7),
       step('ge_full', 'handle', 8), step('ge_full', 'verify_pass', 9),
       step('ge_full', 'callback', 10, '{"solved": true, "satisfaction": "basically_satisfied"}'),
       step('ge_full', 'close', 11);
SELECT state, dispatches, returns, reworks, reopens, solved, satisfaction, closed_at, events,
       (SELECT code FROM departments d WHERE d.id = cases.department_id) AS department
FROM cases WHERE id = c('ge_full');
SELECT seq, action, from_state, to_state, note, payload - 'department_id' AS payload,
       (SELECT code FROM departments d WHERE d.id = (e.payload ->> 'department_id')::bigint) AS department, at
FROM case_events e WHERE case_id = c('ge_full') ORDER BY seq;
-- Rejection, self-handling (自处置) passed and failed, merge from grid_event.
SELECT step('ge_reject', 'reject', 1);
SELECT step('ge_self', 'self_handle', 1), step('ge_self', 'verify_pass', 2), step('ge_self', 'close', 3);
SELECT step('ge_self_fail', 'self_handle', 1), step('ge_self_fail', 'verify_fail', 2),
       step('ge_self_fail', 'dispatch', 3);
SELECT step('ge_merge', 'file', 1), step('ge_merge', 'merge', 2,
            pg_catalog.jsonb_build_object('master_case_id', c('ge_self_fail')));

-- hotline: dispatch, return (approved), re-dispatch, sign, first contact,
-- handle, reply, unsatisfied callback, rehandle (back to contacted), handle,
-- reply, callback, close, reopen; direct answer.
SELECT step('hl_full', 'dispatch', 1), step('hl_full', 'return', 2), step('hl_full', 'approve_return', 2),
       step('hl_full', 'dispatch', 3), step('hl_full', 'sign', 4), step('hl_full', 'contact', 4),
       step('hl_full', 'handle', 5), step('hl_full', 'reply', 6),
       step('hl_full', 'callback', 7, '{"solved": false, "satisfaction": "unsatisfied"}'),
       step('hl_full', 'rehandle', 8), step('hl_full', 'handle', 9), step('hl_full', 'reply', 10),
       step('hl_full', 'callback', 11, '{"solved": true, "satisfaction": "satisfied"}'),
       step('hl_full', 'close', 12);
SELECT state, closed_at IS NOT NULL AS closed FROM cases WHERE id = c('hl_full');
SELECT step('hl_full', 'reopen', 13);
SELECT state, closed_at, reopens, dispatches, returns, reworks FROM cases WHERE id = c('hl_full');
SELECT step('hl_answer', 'answer', 1);
SELECT step('hl_merge', 'merge', 1, pg_catalog.jsonb_build_object('master_case_id', c('hl_full')));

-- dispute: mediate, agree, (a duplicate merged in), follow up, close;
-- mediate, fail, refer, follow up, close.
SELECT step('dp_agree', 'mediate', 1), step('dp_agree', 'agree', 2);
SELECT step('dp_merge', 'merge', 2, pg_catalog.jsonb_build_object('master_case_id', c('dp_agree')));
SELECT step('dp_agree', 'follow_up', 3, '{"solved": true, "satisfaction": "satisfied"}'), step('dp_agree', 'close', 4);
SELECT state, closed_at FROM cases WHERE id = c('dp_merge');
SELECT step('dp_refer', 'mediate', 1), step('dp_refer', 'fail', 2), step('dp_refer', 'refer', 3),
       step('dp_refer', 'follow_up', 4, '{"solved": false, "satisfaction": "unsatisfied"}'), step('dp_refer', 'close', 5);

-- Reviewed returns and joint meetings (1.3.0): a rejected return goes back to
-- the holder; a joint meeting from every state that allows one, decided with
-- the lead department the case is dispatched to.
SELECT new_case('ge_review', 'E0102'), new_case('hl_review', 'H0101') \gset
CREATE FUNCTION meet(label text, n int) RETURNS text LANGUAGE sql AS $$
    SELECT step(label, 'refer_meeting', n, pg_catalog.jsonb_build_object('departments',
                ARRAY(SELECT id FROM departments WHERE code IN ('DX-CGJ', 'DX-WATER') ORDER BY id))) || '/'
           || step(label, 'decide', n + 1, pg_catalog.jsonb_build_object('decision', '城管牵头',
                   'department_id', (SELECT id FROM departments WHERE code = 'DX-CGJ')))
$$;
SELECT step('ge_review', 'file', 1), step('ge_review', 'dispatch', 2), step('ge_review', 'return', 3),
       step('ge_review', 'reject_return', 4), meet('ge_review', 5), step('ge_review', 'sign', 7),
       meet('ge_review', 8), step('ge_review', 'return', 10), meet('ge_review', 11);
SELECT step('hl_review', 'dispatch', 1), step('hl_review', 'return', 2), step('hl_review', 'reject_return', 3),
       meet('hl_review', 4), step('hl_review', 'sign', 6), meet('hl_review', 7), step('hl_review', 'sign', 9),
       step('hl_review', 'contact', 10), meet('hl_review', 11), step('hl_review', 'return', 13), meet('hl_review', 14);
-- A return approved by re-dispatching it at once (counted as a return and a
-- dispatch), and a hotline ticket handled without a recorded first contact
-- (its contact clock cancelled).
SELECT new_case('ge_redispatch', 'E0102'), new_case('hl_redispatch', 'H0101') \gset
SELECT step('ge_redispatch', 'file', 1), step('ge_redispatch', 'dispatch', 2), step('ge_redispatch', 'return', 3),
       step('ge_redispatch', 'dispatch', 4, pg_catalog.jsonb_build_object('department_id', (SELECT id FROM departments WHERE code = 'DX-WATER')));
SELECT step('hl_redispatch', 'dispatch', 1), step('hl_redispatch', 'return', 2),
       step('hl_redispatch', 'dispatch', 3, pg_catalog.jsonb_build_object('department_id', (SELECT id FROM departments WHERE code = 'DX-CGJ'))),
       step('hl_redispatch', 'sign', 4), step('hl_redispatch', 'handle', 5);
SELECT k.stage, k.met_at IS NOT NULL AS met, k.cancelled_at IS NOT NULL AS cancelled
FROM case_clocks k WHERE k.case_id = c('hl_redispatch') AND k.stage = 'contact';
SELECT label, state, dispatches, returns, (SELECT code FROM departments d WHERE d.id = cases.department_id) AS department
FROM cases JOIN k USING (id) WHERE label IN ('ge_review', 'hl_review', 'ge_redispatch', 'hl_redispatch') ORDER BY label;

-- Every state-changing transition of the shipped workflows was taken at least
-- once (the time-limit actions that keep the state are covered by sql/sla.sql).
SELECT t.workflow, t.from_state, t.action FROM transitions t
WHERE t.builtin AND t.to_state IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM case_events e JOIN cases x ON x.id = e.case_id
    WHERE x.workflow = t.workflow AND e.action = t.action
      AND (t.from_state = '*' OR e.from_state = t.from_state))
ORDER BY 1, 2, 3;

-- Illegal transitions, through act() ...
SELECT step('ge_reject', 'file', 5);
SELECT step('ge_full', 'sign', 20);
SELECT step('hl_answer', 'merge', 5, pg_catalog.jsonb_build_object('master_case_id', c('hl_full')));
SELECT act(c('ge_full'), 'teleport');
SELECT act(-1, 'file');
SELECT act(NULL, 'file');
SELECT act(c('ge_full'), 'file', NULL, '[1, 2]');
-- ... and through a raw UPDATE, checked by the same trigger.
SELECT new_case('raw', 'E0102') IS NOT NULL AS created;
UPDATE cases SET state = 'closed' WHERE id = c('raw');
UPDATE cases SET state = 'nirvana' WHERE id = c('raw');
UPDATE cases SET state = 'filed' WHERE id = c('raw');
SELECT state, events, (SELECT action FROM case_events WHERE case_id = c('raw') AND seq = 2) FROM cases WHERE id = c('raw');
-- A raw change that several actions could make must name the action.
INSERT INTO transitions (workflow, from_state, action, to_state) VALUES ('grid_event', 'filed', 'fast_track', 'dispatched');
UPDATE cases SET state = 'dispatched' WHERE id = c('raw');
DELETE FROM transitions WHERE action = 'fast_track';

-- Required values: a callback needs solved and satisfaction.
SELECT new_case('req', 'H0101') IS NOT NULL AS created;
SELECT step('req', 'dispatch', 1), step('req', 'sign', 2), step('req', 'contact', 2), step('req', 'handle', 3),
       step('req', 'reply', 4);
SELECT step('req', 'callback', 5);
SELECT step('req', 'callback', 5, '{"solved": true}');
SELECT step('req', 'callback', 5, '{"solved": true, "satisfaction": "ecstatic"}');

-- Maintained columns cannot be written directly.
UPDATE cases SET dispatches = 9 WHERE id = c('req');
UPDATE cases SET closed_at = pg_catalog.now() WHERE id = c('req');
UPDATE cases SET county = '110114' WHERE id = c('req');
UPDATE cases SET solved = true WHERE id = c('req');
UPDATE cases SET history_hash = NULL WHERE id = c('req');
-- The grid may be corrected, but only inside the case's county.
UPDATE cases SET grid = '110116001' WHERE id = c('req');
UPDATE cases SET grid = '11' WHERE id = c('req');
UPDATE cases SET grid = '110115004002' WHERE id = c('req') RETURNING grid, county;
-- Ordinary fields can; the change is recorded (names of fields, not values).
UPDATE cases SET title = '更正后的标题', urgency = 'urgent' WHERE id = c('req');
SELECT seq, action, from_state, to_state, payload FROM case_events WHERE case_id = c('req') ORDER BY seq DESC LIMIT 1;
-- An UPDATE that changes nothing records nothing.
UPDATE cases SET title = title WHERE id = c('req');
SELECT events FROM cases WHERE id = c('req');

-- Roles: a department clerk may sign, not dispatch; the dispatcher is recorded
-- with the staff member mapped to its role.
SELECT new_case('roles', 'E0102') IS NOT NULL AS created;
SET ROLE regress_clerk;
SELECT step('roles', 'file', 1);
RESET ROLE;
SET ROLE regress_dispatcher;
SELECT step('roles', 'file', 1), step('roles', 'dispatch', 2);
RESET ROLE;
SET ROLE regress_clerk;
SELECT step('roles', 'sign', 3);
RESET ROLE;
SET ROLE regress_worker;
UPDATE cases SET state = 'handled' WHERE id = c('roles');
RESET ROLE;
SELECT seq, action, actor_role, (SELECT name FROM staff s WHERE s.id = e.actor_staff_id) AS staff
FROM case_events e WHERE case_id = c('roles') ORDER BY seq;

-- Merge: the duplicate becomes terminal and linked, and closes with its master.
SELECT state, master_case_id = c('ge_self_fail') AS linked, closed_at FROM cases WHERE id = c('ge_merge');
SELECT step('ge_merge', 'file', 30);
SELECT step('ge_self_fail', 'sign', 31), step('ge_self_fail', 'handle', 32),
       step('ge_self_fail', 'verify_pass', 33), step('ge_self_fail', 'close', 34);
SELECT state, closed_at, (SELECT closed_at FROM cases WHERE id = c('ge_self_fail')) AS master_closed_at
FROM cases WHERE id = c('ge_merge');
SELECT seq, action, payload - 'master_case_id' AS payload,
       (payload ->> 'master_case_id')::bigint = c('ge_self_fail') AS names_master
FROM case_events WHERE case_id = c('ge_merge') ORDER BY seq DESC LIMIT 2;
-- Merging into itself, into a closed case, or into nothing is refused.
SELECT new_case('dup', 'E0102') IS NOT NULL AS created;
SELECT step('dup', 'merge', 1, pg_catalog.jsonb_build_object('master_case_id', c('dup')));
SELECT step('dup', 'merge', 1, pg_catalog.jsonb_build_object('master_case_id', c('ge_full')));
SELECT step('dup', 'merge', 1, '{"master_case_id": -5}');
SELECT step('dup', 'merge', 1);

-- Event times: never before the latest event, never in the future.
SELECT act(c('dup'), 'file', NULL, '{}', '2026-03-01 00:00+08');
SELECT act(c('dup'), 'file', NULL, '{}', '2100-01-01 00:00+08');
SELECT (act(c('dup'), 'file', NULL, '{}', '2026-03-02 09:00+08')).state AS same_time_is_fine;

-- The transitions table is live: a new action works at the next statement.
INSERT INTO transitions (workflow, from_state, action, to_state, roles)
VALUES ('grid_event', 'filed', 'escalate_review', NULL, '{gridgov_dispatcher}');
SELECT (act(c('dup'), 'escalate_review', '领导批示')).state AS stays_filed;
SELECT action, from_state, to_state, note FROM case_events WHERE case_id = c('dup') ORDER BY seq DESC LIMIT 1;

-- The history is append-only ...
UPDATE case_events SET note = 'rewritten' WHERE case_id = c('ge_full');
DELETE FROM case_events WHERE case_id = c('ge_full');
TRUNCATE case_events;
-- ... and a superuser who bypasses the triggers is caught by verify_history.
SELECT pg_catalog.count(*) AS problems_before FROM verify_histories();
ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
UPDATE case_events SET note = '篡改' WHERE case_id = c('ge_full') AND seq = 3;
SELECT seq, problem, detail FROM verify_history(c('ge_full'));
UPDATE case_events SET note = 'step 2' WHERE case_id = c('ge_full') AND seq = 3;
SELECT pg_catalog.count(*) AS repaired FROM verify_history(c('ge_full'));
DELETE FROM case_events WHERE case_id = c('hl_full') AND seq = (SELECT pg_catalog.max(seq) FROM case_events WHERE case_id = c('hl_full'));
SELECT seq, problem, detail FROM verify_history(c('hl_full'));
DELETE FROM case_events WHERE case_id = c('dp_agree') AND seq = 2;
SELECT seq, problem FROM verify_history(c('dp_agree'));
ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;
SELECT case_id = c('hl_full') OR case_id = c('dp_agree') OR case_id = c('ge_full') AS only_tampered
FROM verify_histories() GROUP BY 1;

ROLLBACK;

-- The references of cases and clocks that are kept without foreign keys
-- (docs/cases.md, Integrity):
--   - on write: the intake trigger refuses a department that does not exist
--     (23503) and a category deleted earlier in the transaction (GG121); a raw
--     UPDATE of a case refuses an unknown category (GG121), a category of
--     another workflow (GG105) and a department that does not exist (23503),
--     and accepts existing ones (an edit event each);
--   - on delete: the guards of gridgov.reference_guard() on categories,
--     workflows, workflow_states, departments (cases) and sla_policies,
--     calendars (case_clocks) refuse (23503) to delete, re-key or truncate a
--     row still referred to, leaving the data as it was, and let through
--     UPDATEs that keep the key and deletions of rows nothing refers to;
--   - TRUNCATE of gridgov.cases is refused (GG109).
-- Everything lives in a fictitious county, 990104, with its own workflows
-- (refs_flow, refs_spare), categories (E98..), departments (refs-*),
-- calendars (refs_cal_1..3, copies of 24x7) and SLA policies (prefix E98),
-- so that the shipped rows, protected by their own triggers, are not used.
BEGIN;
SELECT plan(51);
SET LOCAL client_min_messages = warning;

-- Fixture ---------------------------------------------------------------------------
INSERT INTO gridgov.workflows (name, title) VALUES
    ('refs_flow', '引用测试流程'), ('refs_spare', '引用测试备用流程');
INSERT INTO gridgov.workflow_states (workflow, state, title, initial, terminal) VALUES
    ('refs_flow', 'open', '打开', true, false),
    ('refs_flow', 'done', '完成', false, true),
    ('refs_flow', 'spare', '备用', false, false),
    ('refs_spare', 'open', '打开', true, false);
INSERT INTO gridgov.transitions (workflow, from_state, action, to_state) VALUES
    ('refs_flow', 'open', 'finish', 'done');
INSERT INTO gridgov.categories (code, name, workflow) VALUES
    ('E98', '引用测试', 'refs_flow'),
    ('E9801', '引用测试一', 'refs_flow'),
    ('E9802', '引用测试二', 'refs_flow'),
    ('E9803', '引用测试三', 'refs_flow');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('refs-cc', '引用测试区指挥中心', 'district', '990104', 'command_center'),
    ('refs-fn', '引用测试区职能部门', 'district', '990104', 'functional'),
    ('refs-unused', '引用测试区无案件部门', 'district', '990104', 'functional');
CREATE TEMP TABLE d AS SELECT code, id FROM gridgov.departments WHERE code LIKE 'refs-%';
CREATE TEMP TABLE cal AS
SELECT n, gridgov.copy_calendar('24x7', 'refs_cal_' || n) AS id FROM pg_catalog.generate_series(1, 3) n;
-- The whole clock of E98 cases (refs_flow starts it at intake) on refs_cal_1,
-- and a handle policy that no clock uses.
INSERT INTO gridgov.sla_policies (category_prefix, stage, amount, unit, calendar_id, note)
SELECT 'E98', s::gridgov.sla_stage, 3, 'calendar_days', (SELECT id FROM cal WHERE n = 1), 'refs ' || s
FROM pg_catalog.unnest(ARRAY['whole', 'handle']) s;
CREATE TEMP TABLE pol AS
SELECT stage::text, id FROM gridgov.sla_policies WHERE category_prefix = 'E98';
-- Two cases: refs-1 of refs-cc, refs-2 of refs-fn, both E9801 in state open.
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
SELECT '990104', 'patrol', 'refs-' || i, 'E9801', '引用测试 ' || i,
       timestamptz '2026-01-05 09:00+08' + i * interval '1 hour',
       (SELECT id FROM d WHERE code = CASE i WHEN 1 THEN 'refs-cc' ELSE 'refs-fn' END)
FROM pg_catalog.generate_series(1, 2) i;
CREATE TEMP TABLE k AS
SELECT external_id, id FROM gridgov.cases
WHERE county OPERATOR(gridgov.=) '990104' AND external_id LIKE 'refs-%';

-- A case as "category department-code state events".
CREATE FUNCTION pg_temp.case_summary(ext text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_catalog.format('%s %s %s %s', c.category,
                             (SELECT dd.code FROM gridgov.departments dd WHERE dd.id = c.department_id),
                             c.state, c.events)
    FROM gridgov.cases c
    WHERE c.county OPERATOR(gridgov.=) '990104' AND c.external_id = ext
$$;
-- Deleting refs_flow after moving its categories away, so that only the
-- guards (not the categories' foreign key) can refuse it.
CREATE FUNCTION pg_temp.drop_refs_flow() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE gridgov.categories SET workflow = 'refs_spare' WHERE workflow = 'refs_flow';
    DELETE FROM gridgov.workflows WHERE name = 'refs_flow';
END $$;

SELECT is((SELECT pg_catalog.string_agg(pg_temp.case_summary(external_id), ', ' ORDER BY external_id) FROM k),
    'E9801 refs-cc open 1, E9801 refs-fn open 1',
    'fixture: two cases taken in with the departments given');
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', c.stage,
                  CASE WHEN c.policy_id = p.id AND c.calendar_id = cal.id THEN 'E98/refs_cal_1' ELSE 'other' END),
                  ' ' ORDER BY c.case_id)
           FROM gridgov.case_clocks c, pol p, cal
           WHERE c.county OPERATOR(gridgov.=) '990104' AND p.stage = 'whole' AND cal.n = 1),
    'whole:E98/refs_cal_1 whole:E98/refs_cal_1',
    'fixture: each case has a whole clock of the E98 policy on refs_cal_1');

-- Intake ----------------------------------------------------------------------------
SELECT throws_ok($$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, department_id)
    VALUES ('990104', 'patrol', 'refs-bad', 'E9801', '不存在的部门', -1)$$,
    '23503', 'department -1 does not exist',
    'intake: a given department that does not exist is refused (23503)');

-- Categories ------------------------------------------------------------------------
SELECT throws_ok($$DELETE FROM gridgov.categories WHERE code = 'E9801'$$,
    '23503', 'category E9801 is still referenced from table cases',
    'categories: deleting a category cases refer to is refused (23503)');
SELECT throws_ok($$UPDATE gridgov.categories SET code = 'E9809' WHERE code = 'E9801'$$,
    '23503', 'category E9801 is still referenced from table cases',
    'categories: recoding a category cases refer to is refused (23503)');
SELECT throws_ok($$TRUNCATE gridgov.categories CASCADE$$,
    '23503', 'cannot truncate gridgov.categories: table cases refers to it',
    'categories: TRUNCATE is refused while cases refer to them (23503)');
SELECT is((SELECT pg_catalog.array_agg(code ORDER BY code) FROM gridgov.categories WHERE code LIKE 'E98%'),
    ARRAY['E98', 'E9801', 'E9802', 'E9803']::text[],
    'categories: after the refused statements the categories are unchanged');
SELECT lives_ok($$UPDATE gridgov.categories SET name = '引用测试一（改名）' WHERE code = 'E9801'$$,
    'categories: an UPDATE of a referenced category that keeps its code is allowed');
SELECT lives_ok($$DELETE FROM gridgov.categories WHERE code = 'E9803'$$,
    'categories: a category no case refers to can be deleted');
SELECT throws_ok($$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, department_id)
    SELECT '990104', 'patrol', 'refs-bad', 'E9803', '已删除的类别', id FROM d WHERE code = 'refs-cc'$$,
    'GG121', 'unknown category "E9803"',
    'intake: a category deleted earlier in the transaction is unknown (GG121)');

-- Workflows -------------------------------------------------------------------------
SELECT throws_ok($$SELECT pg_temp.drop_refs_flow()$$,
    '23503', 'workflow refs_flow is still referenced from table cases',
    'workflows: deleting a workflow cases follow is refused (23503), also with no category left on it');
SELECT throws_ok($$UPDATE gridgov.workflows SET name = 'refs_renamed' WHERE name = 'refs_flow'$$,
    '23503', 'workflow refs_flow is still referenced from table cases',
    'workflows: renaming a workflow cases follow is refused (23503)');
SELECT throws_ok($$TRUNCATE gridgov.workflows CASCADE$$,
    '23503', 'cannot truncate gridgov.workflows: table cases refers to it',
    'workflows: TRUNCATE is refused while cases refer to them (23503)');
SELECT lives_ok($$UPDATE gridgov.workflows SET title = '引用测试流程（改名）' WHERE name = 'refs_flow'$$,
    'workflows: an UPDATE of a referenced workflow that keeps its name is allowed');
SELECT lives_ok($$DELETE FROM gridgov.workflows WHERE name = 'refs_spare'$$,
    'workflows: a workflow no case follows can be deleted (with its states)');

-- Workflow states -------------------------------------------------------------------
SELECT throws_ok($$DELETE FROM gridgov.workflow_states WHERE workflow = 'refs_flow' AND state = 'open'$$,
    '23503', 'workflow and state ["refs_flow", "open"] is still referenced from table cases',
    'workflow_states: deleting a state cases are in is refused (23503)');
SELECT throws_ok($$UPDATE gridgov.workflow_states SET state = 'opened' WHERE workflow = 'refs_flow' AND state = 'open'$$,
    '23503', 'workflow and state ["refs_flow", "open"] is still referenced from table cases',
    'workflow_states: renaming a state cases are in is refused (23503)');
SELECT throws_ok($$TRUNCATE gridgov.workflow_states CASCADE$$,
    '23503', 'cannot truncate gridgov.workflow_states: table cases refers to it',
    'workflow_states: TRUNCATE is refused while cases refer to them (23503)');
SELECT is((SELECT pg_catalog.string_agg(pg_catalog.format('%s:%s', w.state,
                  (SELECT pg_catalog.count(*) FROM gridgov.transitions t
                   WHERE t.workflow = w.workflow AND t.from_state = w.state)), ' ' ORDER BY w.state)
           FROM gridgov.workflow_states w WHERE w.workflow = 'refs_flow'),
    'done:0 open:1 spare:0',
    'workflows, workflow_states: after the refused statements refs_flow keeps its states and transition');
SELECT lives_ok($$UPDATE gridgov.workflow_states SET title = '待办' WHERE workflow = 'refs_flow' AND state = 'open'$$,
    'workflow_states: an UPDATE of a referenced state that keeps its key is allowed');
SELECT lives_ok($$DELETE FROM gridgov.workflow_states WHERE workflow = 'refs_flow' AND state = 'spare'$$,
    'workflow_states: a state no case is in can be deleted');

-- Departments -----------------------------------------------------------------------
SELECT throws_ok($$DELETE FROM gridgov.departments WHERE code = 'refs-cc'$$,
    '23503', pg_catalog.format('department %s is still referenced from table cases', (SELECT id FROM d WHERE code = 'refs-cc')),
    'departments: deleting a department cases refer to is refused (23503)');
SELECT throws_ok($$UPDATE gridgov.departments SET id = DEFAULT WHERE code = 'refs-fn'$$,
    '23503', pg_catalog.format('department %s is still referenced from table cases', (SELECT id FROM d WHERE code = 'refs-fn')),
    'departments: giving a referenced department a new id is refused (23503)');
SELECT throws_ok($$TRUNCATE gridgov.departments CASCADE$$,
    '23503', 'cannot truncate gridgov.departments: table cases refers to it',
    'departments: TRUNCATE is refused while cases refer to them (23503)');
SELECT set_eq($$SELECT code, id FROM gridgov.departments WHERE code LIKE 'refs-%'$$,
    $$SELECT code, id FROM d$$,
    'departments: after the refused statements the departments and their ids are unchanged');
SELECT lives_ok($$UPDATE gridgov.departments SET name = '引用测试区指挥中心（改名）' WHERE code = 'refs-cc'$$,
    'departments: an UPDATE of a referenced department that keeps its id is allowed');
SELECT lives_ok($$DELETE FROM gridgov.departments WHERE code = 'refs-unused'$$,
    'departments: a department no case refers to can be deleted');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('refs-cc2', '引用测试二区指挥中心', 'district', '990105', 'command_center');
SELECT lives_ok($$UPDATE gridgov.departments SET id = DEFAULT WHERE code = 'refs-cc2'$$,
    'departments: an active command center no case refers to can take a new id (it is not a second center)');
SELECT throws_ok($$
    INSERT INTO gridgov.cases (county, source, external_id, category, title, department_id)
    SELECT '990104', 'patrol', 'refs-bad', 'E9801', '已删除的部门', id FROM d WHERE code = 'refs-unused'$$,
    '23503', pg_catalog.format('department %s does not exist', (SELECT id FROM d WHERE code = 'refs-unused')),
    'intake: a department deleted earlier in the transaction does not exist (23503)');

-- Raw UPDATE of a case --------------------------------------------------------------
SELECT throws_ok($$UPDATE gridgov.cases SET category = 'E9999'
                   WHERE county OPERATOR(gridgov.=) '990104' AND external_id = 'refs-1'$$,
    'GG121', 'unknown category "E9999"',
    'raw UPDATE: an unknown category is refused (GG121)');
SELECT throws_ok($$UPDATE gridgov.cases SET category = 'E0102'
                   WHERE county OPERATOR(gridgov.=) '990104' AND external_id = 'refs-1'$$,
    'GG105', 'category "E0102" follows workflow "grid_event", not the case''s "refs_flow"',
    'raw UPDATE: a category of another workflow is refused (GG105)');
SELECT throws_ok($$UPDATE gridgov.cases SET department_id = -1
                   WHERE county OPERATOR(gridgov.=) '990104' AND external_id = 'refs-1'$$,
    '23503', 'department -1 does not exist',
    'raw UPDATE: a department that does not exist is refused (23503)');
SELECT throws_ok($$UPDATE gridgov.cases SET department_id = (SELECT id FROM d WHERE code = 'refs-unused')
                   WHERE county OPERATOR(gridgov.=) '990104' AND external_id = 'refs-1'$$,
    '23503', pg_catalog.format('department %s does not exist', (SELECT id FROM d WHERE code = 'refs-unused')),
    'raw UPDATE: a department deleted earlier in the transaction is refused (23503)');
SELECT is(pg_temp.case_summary('refs-1'), 'E9801 refs-cc open 1',
    'raw UPDATE: after the refused updates the case and its history are unchanged');
SELECT lives_ok($$UPDATE gridgov.cases SET category = 'E9802'
                  WHERE county OPERATOR(gridgov.=) '990104' AND external_id = 'refs-1'$$,
    'raw UPDATE: another category of the same workflow is accepted');
SELECT lives_ok($$UPDATE gridgov.cases SET department_id = (SELECT id FROM d WHERE code = 'refs-fn')
                  WHERE county OPERATOR(gridgov.=) '990104' AND external_id = 'refs-1'$$,
    'raw UPDATE: an existing department is accepted');
SELECT is(pg_temp.case_summary('refs-1') || ' ' ||
          (SELECT pg_catalog.string_agg(e.action, ',' ORDER BY e.seq) FROM gridgov.case_events e
           WHERE e.county OPERATOR(gridgov.=) '990104' AND e.case_id = (SELECT id FROM k WHERE external_id = 'refs-1')),
    'E9802 refs-fn open 3 intake,edit,edit',
    'raw UPDATE: the accepted changes are applied and recorded as edit events');
-- refs-cc has no case left: the guard looks at the references as they are now.
SELECT lives_ok($$DELETE FROM gridgov.departments WHERE code = 'refs-cc'$$,
    'departments: once its last case moved to another department, refs-cc can be deleted');
-- With CASCADE: without it PostgreSQL refuses first (0A000), as escalations
-- keeps a foreign key to cases.
SELECT throws_ok($$TRUNCATE gridgov.cases CASCADE$$,
    'GG109', 'cases are records and cannot be deleted',
    'cases: TRUNCATE is refused (GG109)');

-- SLA policies and calendars (case_clocks) ------------------------------------------
SELECT throws_ok($$DELETE FROM gridgov.sla_policies WHERE category_prefix = 'E98' AND stage = 'whole'$$,
    '23503', pg_catalog.format('policy %s is still referenced from table case_clocks', (SELECT id FROM pol WHERE stage = 'whole')),
    'sla_policies: deleting a policy clocks refer to is refused (23503)');
SELECT throws_ok($$UPDATE gridgov.sla_policies SET id = DEFAULT WHERE category_prefix = 'E98' AND stage = 'whole'$$,
    '23503', pg_catalog.format('policy %s is still referenced from table case_clocks', (SELECT id FROM pol WHERE stage = 'whole')),
    'sla_policies: giving a referenced policy a new id is refused (23503)');
SELECT throws_ok($$TRUNCATE gridgov.sla_policies$$,
    '23503', 'cannot truncate gridgov.sla_policies: table case_clocks refers to it',
    'sla_policies: TRUNCATE is refused while clocks refer to them (23503)');
SELECT lives_ok($$DELETE FROM gridgov.sla_policies WHERE category_prefix = 'E98' AND stage = 'handle'$$,
    'sla_policies: a policy no clock refers to can be deleted');
-- Moving the policy to refs_cal_2 leaves refs_cal_1 referred to by the clocks only.
SELECT lives_ok($$UPDATE gridgov.sla_policies SET calendar_id = (SELECT id FROM cal WHERE n = 2)
                  WHERE category_prefix = 'E98' AND stage = 'whole'$$,
    'sla_policies: an UPDATE of a referenced policy that keeps its id is allowed');
SELECT throws_ok($$DELETE FROM gridgov.calendars WHERE name = 'refs_cal_1'$$,
    '23503', pg_catalog.format('calendar %s is still referenced from table case_clocks', (SELECT id FROM cal WHERE n = 1)),
    'calendars: deleting a calendar clocks are counted on is refused (23503)');
SELECT throws_ok($$TRUNCATE gridgov.calendars CASCADE$$,
    '23503', 'cannot truncate gridgov.calendars: table case_clocks refers to it',
    'calendars: TRUNCATE is refused while clocks refer to them (23503)');
SELECT lives_ok($$DELETE FROM gridgov.calendars WHERE name = 'refs_cal_3'$$,
    'calendars: a calendar nothing refers to can be deleted');
SELECT is((SELECT pg_catalog.format('%s %s %s',
                  (SELECT pg_catalog.count(*) FROM gridgov.sla_policies p WHERE p.id = (SELECT id FROM pol WHERE stage = 'whole')),
                  (SELECT pg_catalog.count(*) FROM gridgov.calendars c WHERE c.id = (SELECT id FROM cal WHERE n = 1)),
                  (SELECT pg_catalog.count(*) FROM gridgov.case_clocks c
                   WHERE c.county OPERATOR(gridgov.=) '990104'
                     AND c.policy_id = (SELECT id FROM pol WHERE stage = 'whole')
                     AND c.calendar_id = (SELECT id FROM cal WHERE n = 1)))),
    '1 1 2',
    'sla_policies, calendars: after the refused statements the policy, the calendar and both clocks referring to them remain');

-- A case changed by the statement that files it: its intake (the first event)
-- ends with that statement, so the change is refused with 55000, not taken
-- for a broken history; in the next statement it goes through.
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind)
VALUES ('refs-same-cc', '引用测试区指挥中心二', 'district', '990104', 'command_center');
SELECT throws_ok($$WITH c AS (
                     INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
                     VALUES ('990104', 'patrol', 'refs-same', 'E9801', '同一语句', '2026-01-05 12:00+08',
                             (SELECT id FROM gridgov.departments WHERE code = 'refs-same-cc'))
                     RETURNING id)
                   SELECT gridgov.act(c.id, 'finish', NULL, '{}', '2026-01-05 12:05+08') FROM c$$,
    '55000', NULL,
    'a case acted on in the statement that inserts it: refused (55000), the intake not yet ended');
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
VALUES ('990104', 'patrol', 'refs-same', 'E9801', '同一语句', '2026-01-05 12:00+08', (SELECT id FROM gridgov.departments WHERE code = 'refs-same-cc'));
SELECT is((SELECT (gridgov.act(c.id, 'finish', NULL, '{}', '2026-01-05 12:05+08')).state FROM gridgov.cases c
           WHERE c.county OPERATOR(gridgov.=) '990104' AND c.external_id = 'refs-same'),
    'done', 'the same case acted on in a later statement: done');

-- A system action may be recorded as of a later time (the sweep's as_of), never
-- at infinity (GG112).
SELECT throws_ok($$SELECT gridgov.case_system_update('990104', c.id, 'recalendar', '{}', 'infinity')
                   FROM gridgov.cases c
                   WHERE c.county OPERATOR(gridgov.=) '990104' AND c.external_id = 'refs-same'$$,
    'GG112', NULL, 'a system action at infinity: refused (GG112)');

SELECT * FROM finish();
ROLLBACK;

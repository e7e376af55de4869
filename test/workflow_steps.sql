-- The steps of 1.3.0 (docs/cases.md; issue 15), each through act() or its
-- wrapper and, where the step changes the state, through a raw UPDATE of
-- cases.state: first contact (先行联系), reviewed returns (退单审核), supervision
-- (督办) and its answer, extension and suspension on request (申请延期 / 申请挂账)
-- and the command center's decisions, joint meetings (会商) and their decision.
-- For each: legal use, the wrong state (GG101), a role the transition refuses
-- (GG102, under SET ROLE), the clock effects (started, met, cancelled, moved,
-- paused), the counters, the bookkeeping rows (gridgov.case_requests,
-- gridgov.case_meetings) and the errors (GG104, GG251, GG253, GG254, 22004,
-- 22023, 22P02, 23503, 23514).  Every act() passes its time: nothing sleeps.
-- Everything happens in this file's transaction (county 990501), rolled back.
BEGIN;
SELECT plan(154);
\i test/lib/steps_fixture.sql

-- 1. First contact (hotline) ---------------------------------------------------------
SELECT pg_temp.nc('c1', 'H0101'), pg_temp.nc('c2', 'H0101'), pg_temp.nc('c3', 'H0101'),
       pg_temp.nc('ge1', 'E0102') \g /dev/null
SELECT pg_temp.step(l, 'dispatch', 1), pg_temp.step(l, 'sign', 2) FROM pg_catalog.unnest(ARRAY['c1', 'c2']) l \g /dev/null
SELECT pg_temp.step('c3', 'dispatch', 1) \g /dev/null
SELECT is((pg_temp.clock('c1', 'contact')).started_at, pg_temp.t(2), 'sign starts the contact clock');
SELECT is((pg_temp.clock('c1', 'contact')).due_at, gridgov.worktime_add('cn', pg_temp.t(2), 2, 'working_hours'),
          'the contact clock is due 2 working hours after signing (shipped H policy)');
SELECT is((pg_temp.clock('c1', 'handle')).started_at, pg_temp.t(2), 'sign still starts the handle clock');
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.first_contact(%s, NULL, %L)$$, 'c1', 3),
          'GG102', 'contact: a dispatcher is refused (GG102)');
SELECT is(pg_temp.try('wfs_clerk', $$SELECT gridgov.first_contact(%s, '已电话联系', %L)$$, 'c1', 3),
          'ok', 'contact: the holder''s clerk contacts the caller through first_contact()');
SELECT is((pg_temp.kase('c1')).state, 'contacted', 'contact: the case is contacted');
SELECT is((pg_temp.clock('c1', 'contact')).met_at, pg_temp.t(3), 'contact meets the contact clock');
SELECT ok((pg_temp.clock('c1', 'handle')).met_at IS NULL, 'contact leaves the handle clock running');
SELECT is(((pg_temp.last_event('c1')).action, (pg_temp.last_event('c1')).note, (pg_temp.last_event('c1')).actor_role)::text,
          ('contact', '已电话联系', 'wfs_clerk'::name)::text, 'contact: the event, its note and its actor');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.first_contact(%s, NULL, %L)$$, pg_temp.k('c3'), pg_temp.t(3)),
                 'GG101', NULL, 'contact before signing: GG101');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.first_contact(%s, NULL, %L)$$, pg_temp.k('c1'), pg_temp.t(4)),
                 'GG101', NULL, 'contact twice: GG101');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.first_contact(%s, NULL, %L)$$, pg_temp.k('ge1'), pg_temp.t(4)),
                 'GG101', NULL, 'contact on a grid event (no such step): GG101');
-- raw UPDATE
SELECT lives_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'contacted' WHERE id = %s$$, pg_temp.k('c2')),
                'contact by raw UPDATE of state');
SELECT is(((pg_temp.last_event('c2')).action, (pg_temp.clock('c2', 'contact')).met_at IS NOT NULL)::text,
          ('contact', true)::text, 'raw UPDATE: recorded as contact, the contact clock met');
SELECT throws_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'contacted' WHERE id = %s$$, pg_temp.k('c3')),
                 'GG101', NULL, 'raw UPDATE to contacted from dispatched: GG101');
-- rehandle goes back to contacted
SELECT pg_temp.step('c1', 'handle', 10), pg_temp.step('c1', 'reply', 11),
       pg_temp.step('c1', 'callback', 12, '{"solved": false, "satisfaction": "unsatisfied"}') \g /dev/null
SELECT is(pg_temp.step('c1', 'rehandle', 13), 'contacted', 'rehandle returns the ticket to contacted');

-- 2. Reviewed returns (退单审核) ----------------------------------------------------------
SELECT pg_temp.nc(l, 'E0102') FROM pg_catalog.unnest(ARRAY['r1', 'r2', 'r3', 'r4']) l \g /dev/null
SELECT pg_temp.step(l, 'file', 1), pg_temp.step(l, 'dispatch', 2) FROM pg_catalog.unnest(ARRAY['r1', 'r2', 'r3', 'r4']) l \g /dev/null
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.return_case(%s, '不属本单位', %L)$$, 'r1', 3),
          'GG102', 'return: a dispatcher is refused (GG102)');
SELECT is(pg_temp.try('wfs_clerk', $$SELECT gridgov.return_case(%s, '不属本单位', %L)$$, 'r1', 3),
          'ok', 'return: the clerk returns the case');
SELECT is(((pg_temp.kase('r1')).state, (pg_temp.kase('r1')).returns)::text, ('return_review', 0)::text,
          'return: the case waits in return_review; returns does not count it yet');
SELECT is((pg_temp.clock('r1', 'sign')).met_at, pg_temp.t(3), 'return meets the sign clock');
SELECT is(((pg_temp.clock('r1', 'review')).started_at, (pg_temp.clock('r1', 'review')).met_at)::text,
          (pg_temp.t(3), NULL::timestamptz)::text, 'return starts the review clock');
SELECT is((pg_temp.clock('r1', 'review')).due_at, gridgov.worktime_add('cn', pg_temp.t(3), 2, 'working_hours'),
          'the review clock is due 2 working hours later (shipped policy)');
SELECT is(pg_temp.try('wfs_clerk', $$SELECT gridgov.review_return(%s, true, NULL, %L)$$, 'r1', 4),
          'GG102', 'approve_return: the clerk is refused (GG102)');
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.review_return(%s, true, '同意退回', %L)$$, 'r1', 4),
          'ok', 'approve_return: the dispatcher approves through review_return()');
SELECT is(((pg_temp.kase('r1')).state, (pg_temp.kase('r1')).returns, (pg_temp.last_event('r1')).action)::text,
          ('returned', 1, 'approve_return')::text, 'approve_return: returned, counted in returns');
SELECT is((pg_temp.clock('r1', 'review')).met_at, pg_temp.t(4), 'approve_return meets the review clock');
SELECT is(((pg_temp.clock('r1', 'dispatch')).started_at, (pg_temp.clock('r1', 'dispatch')).met_at)::text,
          (pg_temp.t(4), NULL::timestamptz)::text, 'approve_return starts the dispatch clock');
SELECT is(pg_temp.step('r1', 'dispatch', 5, pg_catalog.jsonb_build_object('department_id', pg_temp.dep('wfs-f2'))),
          'dispatched', 'a returned case is re-dispatched as before');
-- rejected
SELECT pg_temp.step('r2', 'return', 3) \g /dev/null
SELECT is((gridgov.review_return(pg_temp.k('r2'), false, '应由本单位办理', pg_temp.t(4))).state, 'dispatched',
          'reject_return: back to the holder, dispatched');
SELECT is(((pg_temp.kase('r2')).returns, (pg_temp.last_event('r2')).action)::text, (0, 'reject_return')::text,
          'reject_return: no return counted');
SELECT is((pg_temp.clock('r2', 'review')).met_at, pg_temp.t(4), 'reject_return meets the review clock');
SELECT is(((pg_temp.clock('r2', 'sign')).seq, (pg_temp.clock('r2', 'sign')).started_at,
           (pg_temp.clock('r2', 'sign')).met_at)::text, (2, pg_temp.t(4), NULL::timestamptz)::text,
          'reject_return starts a new sign clock: the holder must sign again');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.review_return(%s, true, NULL, %L)$$, pg_temp.k('r2'), pg_temp.t(5)),
                 'GG101', NULL, 'approve_return with no return waiting: GG101');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'reject_return', NULL, '{}', %L)$$, pg_temp.k('r3'), pg_temp.t(5)),
                 'GG101', NULL, 'reject_return on a dispatched case: GG101');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.review_return(%s, NULL, NULL, %L)$$, pg_temp.k('r2'), pg_temp.t(5)),
                 '22004', NULL, 'review_return with approve NULL names no action: 22004');
-- raw UPDATE: return, approve_return, reject_return
SELECT lives_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'return_review' WHERE id = %s$$, pg_temp.k('r3')),
                'return by raw UPDATE of state');
SELECT is(((pg_temp.last_event('r3')).action, (pg_temp.clock('r3', 'review')).met_at IS NULL,
           (pg_temp.clock('r3', 'sign')).met_at IS NOT NULL)::text, ('return', true, true)::text,
          'raw UPDATE: recorded as return; review clock running, sign clock met');
SELECT lives_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'returned' WHERE id = %s$$, pg_temp.k('r3')),
                'approve_return by raw UPDATE of state');
SELECT is(((pg_temp.last_event('r3')).action, (pg_temp.kase('r3')).returns, (pg_temp.clock('r3', 'review')).met_at IS NOT NULL)::text,
          ('approve_return', 1, true)::text, 'raw UPDATE: recorded as approve_return, counted, review clock met');
SELECT pg_temp.step('r4', 'return', 3) \g /dev/null
-- From review back to dispatched lead two actions (reject_return, and a
-- re-dispatch approving the return): a raw UPDATE must name neither.
SELECT throws_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'dispatched' WHERE id = %s$$, pg_temp.k('r4')),
                 'GG103', NULL, 'raw UPDATE from return_review to dispatched is ambiguous (reject_return or dispatch): GG103');
SELECT is(((pg_temp.last_event('r4')).action, (pg_temp.kase('r4')).returns, (pg_temp.kase('r4')).state)::text,
          ('return', 0, 'return_review')::text, '... and changes nothing');
SELECT throws_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'signed' WHERE id = %s$$, pg_temp.k('r4')),
                 'GG101', NULL, 'raw UPDATE from return_review straight to signed: GG101');

-- 3. Supervision (督办) and its answer ----------------------------------------------------
SELECT pg_temp.nc('s1', 'E0102'), pg_temp.nc('s2', 'E0102'), pg_temp.nc('s3', 'E0102') \g /dev/null
SELECT pg_temp.step(l, 'file', 1), pg_temp.step(l, 'dispatch', 2) FROM pg_catalog.unnest(ARRAY['s1', 's2']) l \g /dev/null
SELECT pg_temp.step('s3', 'reject', 1) \g /dev/null
SELECT is(pg_temp.try('wfs_clerk', $$SELECT gridgov.supervise(%s, NULL, %L)$$, 's1', 10),
          'GG102', 'supervise: the clerk is refused (GG102)');
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.supervise(%s, '请尽快签收', %L)$$, 's1', 10),
          'ok', 'supervise: the dispatcher supervises through supervise()');
SELECT is(((pg_temp.kase('s1')).state, (pg_temp.kase('s1')).supervised, (pg_temp.last_event('s1')).action)::text,
          ('dispatched', true, 'supervise')::text, 'supervise keeps the state and marks the case supervised');
SELECT is(((pg_temp.clock('s1', 'supervise')).started_at, (pg_temp.clock('s1', 'supervise')).due_at)::text,
          (pg_temp.t(10), gridgov.worktime_add('cn', pg_temp.t(10), 1, 'working_days'))::text,
          'supervise starts a supervise clock due 1 working day later (shipped policy)');
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.answer_supervision(%s, NULL, %L)$$, 's1', 11),
          'GG102', 'answer_supervision: the dispatcher is refused (GG102)');
SELECT is(pg_temp.try('wfs_worker', $$SELECT gridgov.answer_supervision(%s, '已到现场', %L)$$, 's1', 11),
          'ok', 'answer_supervision: the grid worker answers');
SELECT is(((pg_temp.clock('s1', 'supervise')).met_at, (pg_temp.kase('s1')).state, (pg_temp.kase('s1')).supervised)::text,
          (pg_temp.t(11), 'dispatched', true)::text, 'answer_supervision meets the supervise clock; the case stays supervised');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.answer_supervision(%s, NULL, %L)$$, pg_temp.k('s1'), pg_temp.t(12)),
                 'GG251', NULL, 'answering twice (no supervise clock running): GG251');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.answer_supervision(%s, NULL, %L)$$, pg_temp.k('s2'), pg_temp.t(12)),
                 'GG251', NULL, 'answering a case never supervised: GG251');
SELECT is((pg_temp.kase('s2')).supervised, false, 'a case is not supervised until supervise');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.supervise(%s, NULL, %L)$$, pg_temp.k('s3'), pg_temp.t(12)),
                 'GG101', NULL, 'supervising a terminal (rejected) case: GG101');
SELECT is((gridgov.act(pg_temp.k('s2'), 'supervise', NULL, NULL, pg_temp.t(13))).supervised, true,
          'supervise through act() with a NULL note and a NULL payload');

-- 4. Extension on request (申请延期) ------------------------------------------------------
SELECT pg_temp.nc(l, 'E0102') FROM pg_catalog.unnest(ARRAY['e1', 'e2', 'e3', 'e4']) l \g /dev/null
SELECT pg_temp.step(l, 'file', 1), pg_temp.step(l, 'dispatch', 2) FROM pg_catalog.unnest(ARRAY['e1', 'e2', 'e3', 'e4']) l \g /dev/null
CREATE TEMP TABLE due0 AS
SELECT l AS label, (pg_temp.clock(l, 'sign')).due_at,
       (SELECT c.name FROM gridgov.calendars c WHERE c.id = (pg_temp.clock(l, 'sign')).calendar_id) AS calendar
FROM pg_catalog.unnest(ARRAY['e1', 'e2', 'e3']) l;
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.request_extension(%s, 'sign', 2, '需协调', 'working_hours', %L)$$, 'e1', 10),
          'GG102', 'request_extension: the dispatcher is refused (GG102)');
SELECT is(pg_temp.try('wfs_clerk', $$SELECT gridgov.request_extension(%s, 'sign', 2, '需协调产权单位', 'working_hours', %L)$$, 'e1', 10),
          'ok', 'request_extension: the clerk applies for 2 working hours on the sign stage');
SELECT results_eq(pg_catalog.format($$SELECT kind, stage::text, amount, unit, reason, requested_at, requested_by::text COLLATE "default",
                                             decided_at, decision FROM gridgov.case_requests WHERE case_id = %s$$, pg_temp.k('e1')),
                  $$VALUES ('extension', 'sign', 2::numeric, 'working_hours', '需协调产权单位', pg_temp.t(10),
                            'wfs_clerk', NULL::timestamptz, NULL::text)$$,
                  'request_extension files an open case_requests row');
SELECT is(((pg_temp.clock('e1', 'sign')).due_at, (pg_temp.kase('e1')).extensions)::text,
          ((SELECT due_at FROM due0 WHERE label = 'e1'), 0)::text, 'a request moves no deadline and counts nothing');
SELECT is(((pg_temp.clock('e1', 'review')).started_at, (pg_temp.clock('e1', 'review')).met_at)::text,
          (pg_temp.t(10), NULL::timestamptz)::text, 'request_extension starts the review clock');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_suspension(%s, '再申请', %L)$$, pg_temp.k('e1'), pg_temp.t(11)),
                 'GG254', NULL, 'a second request while one is open: GG254');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'sign', 1, '再申请', NULL, %L)$$, pg_temp.k('e1'), pg_temp.t(11)),
                 'GG254', NULL, 'a second extension request while one is open: GG254');
SELECT is(pg_temp.try('wfs_clerk', $$SELECT gridgov.decide_request(%s, 'extension', true, NULL, NULL, %L)$$, 'e1', 12),
          'GG102', 'approve_extension: the clerk is refused (GG102)');
SELECT is(pg_temp.try('wfs_disp', $$SELECT gridgov.decide_request(%s, 'extension', true, '准 1 小时', 1, %L)$$, 'e1', 12),
          'ok', 'approve_extension: the dispatcher grants 1 of the 2 working hours');
SELECT results_eq(pg_catalog.format($$SELECT decision, decided_at, decided_by::text COLLATE "default", granted_amount FROM gridgov.case_requests
                                      WHERE case_id = %s$$, pg_temp.k('e1')),
                  $$VALUES ('approved', pg_temp.t(12), 'wfs_disp', 1::numeric)$$,
                  'the request is decided: approved, by whom, the smaller amount granted');
SELECT is((pg_temp.clock('e1', 'sign')).due_at,
          (SELECT gridgov.worktime_add(calendar, due_at, 1, 'working_hours') FROM due0 WHERE label = 'e1'),
          'approve_extension moves the sign deadline by the granted working hour');
SELECT is(((pg_temp.kase('e1')).extensions, (pg_temp.clock('e1', 'review')).met_at)::text, (1, pg_temp.t(12))::text,
          'approve_extension counts an extension and meets the review clock');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_request(%s, 'extension', true, NULL, NULL, %L)$$, pg_temp.k('e1'), pg_temp.t(13)),
                 'GG253', NULL, 'approving with no open request: GG253');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_request(%s, 'suspension', false, NULL, NULL, %L)$$, pg_temp.k('e1'), pg_temp.t(13)),
                 'GG253', NULL, 'refusing with no open request: GG253');
-- the payload's amount larger than requested: the request's amount is granted
SELECT gridgov.request_extension(pg_temp.k('e2'), 'sign', 2, '需调用吊车', 'working_hours', pg_temp.t(10)) \g /dev/null
SELECT is((gridgov.decide_request(pg_temp.k('e2'), 'extension', true, NULL, 5, pg_temp.t(11))).extensions, 1,
          'approve_extension with a larger amount than asked');
SELECT is(((SELECT granted_amount FROM gridgov.case_requests WHERE case_id = pg_temp.k('e2')), (pg_temp.clock('e2', 'sign')).due_at)::text,
          (2::numeric, (SELECT gridgov.worktime_add(calendar, due_at, 2, 'working_hours') FROM due0 WHERE label = 'e2'))::text,
          'never more than asked: 2 working hours granted and added');
-- refused
SELECT gridgov.request_extension(pg_temp.k('e3'), 'sign', 1, '需调用吊车', NULL, pg_temp.t(10)) \g /dev/null
SELECT is((SELECT unit FROM gridgov.case_requests WHERE case_id = pg_temp.k('e3')), (pg_temp.clock('e3', 'sign')).unit,
          'a request without a unit takes the clock''s');
SELECT is((gridgov.decide_request(pg_temp.k('e3'), 'extension', false, '理由不充分', NULL, pg_temp.t(11))).extensions, 0,
          'refuse_extension counts nothing');
SELECT results_eq(pg_catalog.format($$SELECT decision, granted_amount FROM gridgov.case_requests WHERE case_id = %s$$, pg_temp.k('e3')),
                  $$VALUES ('refused', NULL::numeric)$$, 'the request is refused, nothing granted');
SELECT is(((pg_temp.clock('e3', 'sign')).due_at, (pg_temp.clock('e3', 'review')).met_at)::text,
          ((SELECT due_at FROM due0 WHERE label = 'e3'), pg_temp.t(11))::text,
          'refuse_extension leaves the deadline and meets the review clock');
-- errors
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'sign', 1, NULL, NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 'GG104', NULL, 'request without a reason: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'sign', 1, '   ', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 'GG104', NULL, 'request with a blank reason: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'verify', 1, '需要', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 'GG251', NULL, 'extension of a stage with no running clock: GG251');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'lunch', 1, '需要', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 '22P02', NULL, 'extension of an unknown stage: 22P02');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'sign', 0, '需要', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 '22023', NULL, 'amount 0: 22023');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'sign', -1, '需要', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 '22023', NULL, 'a negative amount: 22023');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'sign', NULL, '需要', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 'GG104', NULL, 'no amount: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'request_extension', '需要', NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 'GG104', NULL, 'request_extension through act() with a NULL payload: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_request(%s, 'bogus', true, NULL, NULL, %L)$$, pg_temp.k('e4'), pg_temp.t(10)),
                 '22004', NULL, 'decide_request of an unknown kind names no action: 22004');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_requests WHERE case_id = pg_temp.k('e4')), 0::bigint,
          'no failed request left a row');

-- 5. Suspension on request (申请挂账) -----------------------------------------------------
SELECT pg_temp.nc('u1', 'E0102'), pg_temp.nc('u2', 'E0102') \g /dev/null
SELECT pg_temp.step(l, 'file', 1), pg_temp.step(l, 'dispatch', 2) FROM pg_catalog.unnest(ARRAY['u1', 'u2']) l \g /dev/null
SELECT is(pg_temp.try('wfs_worker', $$SELECT gridgov.request_suspension(%s, '等待供电部门', %L)$$, 'u1', 10),
          'ok', 'request_suspension: the grid worker applies');
SELECT results_eq(pg_catalog.format($$SELECT kind, stage::text, amount, reason, requested_by::text COLLATE "default" FROM gridgov.case_requests
                                      WHERE case_id = %s$$, pg_temp.k('u1')),
                  $$VALUES ('suspension', NULL::text, NULL::numeric, '等待供电部门', 'wfs_worker')$$,
                  'request_suspension files an open suspension request (no stage, no amount)');
SELECT is((pg_temp.clock('u1', 'sign')).paused_at, NULL, 'a suspension request pauses nothing');
SELECT is(pg_temp.try('wfs_worker', $$SELECT gridgov.decide_request(%s, 'suspension', true, NULL, NULL, %L)$$, 'u1', 11),
          'GG102', 'approve_suspension: the worker is refused (GG102)');
SELECT is((gridgov.decide_request(pg_temp.k('u1'), 'suspension', true, '同意挂账', NULL, pg_temp.t(11))).suspensions, 1,
          'approve_suspension counts a suspension');
SELECT is(((pg_temp.clock('u1', 'sign')).paused_at, (pg_temp.clock('u1', 'review')).met_at,
           (pg_temp.clock('u1', 'review')).paused_at)::text, (pg_temp.t(11), pg_temp.t(11), NULL::timestamptz)::text,
          'approve_suspension pauses the running clocks; the review clock is met, not paused');
SELECT is((SELECT decision FROM gridgov.case_requests WHERE case_id = pg_temp.k('u1')), 'approved', 'the suspension request is approved');
SELECT is((gridgov.act(pg_temp.k('u1'), 'resume', NULL, '{}', pg_temp.t(20))).state, 'dispatched',
          'resume lets the approved suspension go on');
SELECT gridgov.request_suspension(pg_temp.k('u2'), '等待供电部门', pg_temp.t(10)) \g /dev/null
SELECT is((gridgov.decide_request(pg_temp.k('u2'), 'suspension', false, NULL, NULL, pg_temp.t(11))).suspensions, 0,
          'refuse_suspension counts nothing');
SELECT is(((pg_temp.clock('u2', 'sign')).paused_at, (SELECT decision FROM gridgov.case_requests WHERE case_id = pg_temp.k('u2')))::text,
          (NULL::timestamptz, 'refused')::text, 'refuse_suspension pauses nothing; the request is refused');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_suspension(%s, NULL, %L)$$, pg_temp.k('u2'), pg_temp.t(12)),
                 'GG104', NULL, 'request_suspension without a reason: GG104');

-- 6. Joint meetings (会商) -----------------------------------------------------------------
SELECT pg_temp.nc('m1', 'H0101'), pg_temp.nc('m2', 'H0101'), pg_temp.nc('m3', 'E0102'), pg_temp.nc('m4', 'E0102') \g /dev/null
SELECT pg_temp.step('m1', 'dispatch', 1), pg_temp.step('m1', 'sign', 2), pg_temp.step('m1', 'contact', 3) \g /dev/null
SELECT pg_temp.step('m2', 'dispatch', 1), pg_temp.step('m2', 'sign', 2) \g /dev/null
SELECT pg_temp.step(l, 'file', 1), pg_temp.step(l, 'dispatch', 2) FROM pg_catalog.unnest(ARRAY['m3', 'm4']) l \g /dev/null
CREATE TEMP TABLE convened AS
SELECT ARRAY(SELECT pg_temp.dep(c) FROM pg_catalog.unnest(ARRAY['wfs-f1', 'wfs-f2']) c ORDER BY 1) AS ids;
SELECT is(pg_temp.as_role('wfs_clerk', pg_catalog.format($$SELECT gridgov.refer_meeting(%s, %L, NULL, %L)$$,
                                                            pg_temp.k('m1'), (SELECT ids FROM convened), pg_temp.t(10))),
          'GG102', 'refer_meeting: the clerk is refused (GG102)');
SELECT is(pg_temp.as_role('wfs_disp', pg_catalog.format($$SELECT gridgov.refer_meeting(%s, %L, '疑难案件', %L)$$,
                                                           pg_temp.k('m1'), (SELECT ids FROM convened), pg_temp.t(10))),
          'ok', 'refer_meeting: the dispatcher convenes two departments on a contacted ticket');
SELECT is((pg_temp.kase('m1')).state, 'meeting', 'refer_meeting: the case waits in meeting');
SELECT is(((pg_temp.clock('m1', 'handle')).cancelled_at, (pg_temp.clock('m1', 'handle')).met_at)::text,
          (pg_temp.t(10), NULL::timestamptz)::text, 'refer_meeting cancels the handle clock (cancelled, not met)');
SELECT is(((pg_temp.clock('m1', 'contact')).met_at, (pg_temp.clock('m1', 'contact')).cancelled_at)::text,
          (pg_temp.t(3), NULL::timestamptz)::text, 'a contact clock already met stays met');
SELECT is(((pg_temp.clock('m1', 'review')).started_at, (pg_temp.clock('m1', 'review')).met_at)::text,
          (pg_temp.t(10), NULL::timestamptz)::text, 'refer_meeting starts the review clock');
SELECT results_eq(pg_catalog.format($$SELECT convened_at, convened_by::text COLLATE "default", departments, decided_at, decision, lead_department_id
                                      FROM gridgov.case_meetings WHERE case_id = %s$$, pg_temp.k('m1')),
                  $$SELECT pg_temp.t(10), 'wfs_disp', (SELECT ids FROM convened), NULL::timestamptz, NULL::text, NULL::bigint$$,
                  'refer_meeting writes an open case_meetings row');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_meeting(%s, %s, '由城管委牵头', NULL, %L)$$,
                                   pg_temp.k('m1'), pg_temp.dep('wfs-bureau'), pg_temp.t(11)),
                 '22023', NULL, 'decide with a lead department that was not convened: 22023');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_meeting(%s, %s, NULL, NULL, %L)$$,
                                   pg_temp.k('m1'), pg_temp.dep('wfs-f1'), pg_temp.t(11)),
                 'GG104', NULL, 'decide without a decision: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_meeting(%s, NULL, '由城管牵头', NULL, %L)$$, pg_temp.k('m1'), pg_temp.t(11)),
                 'GG104', NULL, 'decide without a lead department: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'review', 1, '需要', NULL, %L)$$, pg_temp.k('m1'), pg_temp.t(11)),
                 'GG254', NULL, 'a request while the joint meeting is open: GG254');
SELECT is(pg_temp.as_role('wfs_clerk', pg_catalog.format($$SELECT gridgov.decide_meeting(%s, %s, '由城管牵头', NULL, %L)$$,
                                                            pg_temp.k('m1'), pg_temp.dep('wfs-f1'), pg_temp.t(11))),
          'GG102', 'decide: the clerk is refused (GG102)');
SELECT is(pg_temp.as_role('wfs_disp', pg_catalog.format($$SELECT gridgov.decide_meeting(%s, %s, '由城管执法局牵头，水务配合', '会商纪要', %L)$$,
                                                           pg_temp.k('m1'), pg_temp.dep('wfs-f1'), pg_temp.t(12))),
          'ok', 'decide: the dispatcher records the decision and the lead department');
SELECT is(((pg_temp.kase('m1')).state, (pg_temp.kase('m1')).department_id, (pg_temp.kase('m1')).dispatches)::text,
          ('dispatched', pg_temp.dep('wfs-f1'), 2)::text, 'decide dispatches the case to the lead department (counted)');
SELECT results_eq(pg_catalog.format($$SELECT decided_at, decided_by::text COLLATE "default", decision, lead_department_id
                                      FROM gridgov.case_meetings WHERE case_id = %s$$, pg_temp.k('m1')),
                  $$SELECT pg_temp.t(12), 'wfs_disp', '由城管执法局牵头，水务配合', pg_temp.dep('wfs-f1')$$,
                  'decide closes the case_meetings row');
SELECT is(((pg_temp.clock('m1', 'review')).met_at, (pg_temp.clock('m1', 'sign')).seq, (pg_temp.clock('m1', 'sign')).started_at)::text,
          (pg_temp.t(12), 2, pg_temp.t(12))::text, 'decide meets the review clock and starts a sign clock for the lead department');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_meeting(%s, %s, '再议', NULL, %L)$$,
                                   pg_temp.k('m1'), pg_temp.dep('wfs-f1'), pg_temp.t(13)),
                 'GG101', NULL, 'decide when no meeting is open (dispatched): GG101');
-- from signed: handle and contact cancelled; from dispatched (grid event): sign cancelled
SELECT gridgov.refer_meeting(pg_temp.k('m2'), (SELECT ids FROM convened), NULL, pg_temp.t(10)) \g /dev/null
SELECT is(((pg_temp.clock('m2', 'handle')).cancelled_at, (pg_temp.clock('m2', 'contact')).cancelled_at,
           (pg_temp.clock('m2', 'contact')).met_at)::text, (pg_temp.t(10), pg_temp.t(10), NULL::timestamptz)::text,
          'refer_meeting from signed cancels the handle and contact clocks');
SELECT gridgov.refer_meeting(pg_temp.k('m3'), (SELECT ids FROM convened), NULL, pg_temp.t(10)) \g /dev/null
SELECT is(((pg_temp.clock('m3', 'sign')).cancelled_at, (pg_temp.clock('m3', 'sign')).met_at)::text,
          (pg_temp.t(10), NULL::timestamptz)::text, 'refer_meeting from dispatched (grid event) cancels the sign clock');
-- errors
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.refer_meeting(%s, ARRAY[-1]::bigint[], NULL, %L)$$, pg_temp.k('m4'), pg_temp.t(10)),
                 '23503', NULL, 'refer_meeting with an unknown department: 23503');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.refer_meeting(%s, ARRAY[%s, %s], NULL, %L)$$,
                                   pg_temp.k('m4'), pg_temp.dep('wfs-f1'), pg_temp.dep('wfs-off'), pg_temp.t(10)),
                 '23503', NULL, 'refer_meeting with an inactive department: 23503');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'refer_meeting', NULL, '{}', %L)$$, pg_temp.k('m4'), pg_temp.t(10)),
                 'GG104', NULL, 'refer_meeting without departments: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.refer_meeting(%s, '{}'::bigint[], NULL, %L)$$, pg_temp.k('m4'), pg_temp.t(10)),
                 '23514', NULL, 'refer_meeting convening nobody: 23514');
SELECT throws_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'meeting' WHERE id = %s$$, pg_temp.k('m4')),
                 'GG104', NULL, 'refer_meeting by raw UPDATE (no departments to convene): GG104');
SELECT throws_ok(pg_catalog.format($$UPDATE gridgov.cases SET state = 'dispatched' WHERE id = %s$$, pg_temp.k('m2')),
                 'GG104', NULL, 'decide by raw UPDATE (no decision): GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_meeting(%s, %s, '由城管牵头', NULL, %L)$$,
                                   pg_temp.k('m4'), pg_temp.dep('wfs-f1'), pg_temp.t(10)),
                 'GG101', NULL, 'decide on a dispatched case: GG101');
SELECT pg_temp.step('m4', 'sign', 3), pg_temp.step('m4', 'handle', 4) \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.refer_meeting(%s, %L, NULL, %L)$$,
                                   pg_temp.k('m4'), (SELECT ids FROM convened), pg_temp.t(10)),
                 'GG101', NULL, 'refer_meeting from handled: GG101');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_meetings WHERE case_id = pg_temp.k('m4')), 0::bigint,
          'no failed referral left a row');
-- refer_meeting without departments, and while a request waits for its decision:
SELECT pg_temp.nc('m5', 'E0102') \g /dev/null
SELECT pg_temp.step('m5', 'file', 1), pg_temp.step('m5', 'dispatch', 2) \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.refer_meeting(%s, NULL, NULL, %L)$$, pg_temp.k('m5'), pg_temp.t(10)),
                 'GG104', NULL, 'refer_meeting with NULL departments: GG104');
SELECT gridgov.request_suspension(pg_temp.k('m5'), '等待供电部门', pg_temp.t(11)) \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'refer_meeting', NULL, %L, %L)$$, pg_temp.k('m5'),
                                   pg_catalog.jsonb_build_object('departments', (SELECT ids FROM convened)), pg_temp.t(12)),
                 'GG254', NULL, 'refer_meeting while a request waits for its decision: GG254');

-- 6b. Hostile payloads, a second supervision, and what a closing or merge leaves open -------
SELECT pg_temp.nc('h1', 'E0102'), pg_temp.nc('h2', 'E0102'), pg_temp.nc('h3', 'H0101') \g /dev/null
SELECT pg_temp.step(l, 'file', 1), pg_temp.step(l, 'dispatch', 2), pg_temp.step(l, 'sign', 3)
FROM pg_catalog.unnest(ARRAY['h1', 'h2']) l \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'refer_meeting', NULL, '{"departments": false}', %L)$$,
                                   pg_temp.k('h1'), pg_temp.t(10)),
                 'GG104', NULL, 'refer_meeting with departments false (not an array): GG104, no crash');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'refer_meeting', NULL, '{"departments": [null]}', %L)$$,
                                   pg_temp.k('h1'), pg_temp.t(10)),
                 '23503', 'no active department null', 'refer_meeting with a null department: 23503');
SELECT pg_temp.step('h1', 'refer_meeting', 10, pg_catalog.jsonb_build_object('departments', (SELECT ids FROM convened))) \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'decide', NULL, %L, %L)$$, pg_temp.k('h1'),
                                   pg_catalog.jsonb_build_object('department_id', (SELECT ids[1] FROM convened), 'decision', true),
                                   pg_temp.t(11)),
                 'GG104', NULL, 'decide with a decision that is not a text (true): GG104, no crash');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'decide', NULL, %L, %L)$$, pg_temp.k('h1'),
                                   pg_catalog.jsonb_build_object('department_id', (SELECT ids[1] FROM convened),
                                                                 'decision', '{"x": [1]}'::jsonb),
                                   pg_temp.t(11)),
                 'GG104', NULL, 'decide with a decision that is an object: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'handle', %s, '理由', NULL, %L)$$,
                                   pg_temp.k('h2'), a, pg_temp.t(12)),
                 '22023', NULL, pg_catalog.format('request_extension with amount %s: 22023', a))
FROM pg_catalog.unnest(ARRAY['''NaN''', '1e30', '-3', '''Infinity''']) a;
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.request_extension(%s, 'handle', 1, '理由', 'fortnights', %L)$$,
                                   pg_temp.k('h2'), pg_temp.t(12)),
                 '22023', NULL, 'request_extension with an unknown unit: 22023');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'request_extension', '理由', '{"stage": "handle", "amount": 1, "unit": ["minutes"]}', %L)$$,
                                   pg_temp.k('h2'), pg_temp.t(12)),
                 '22023', NULL, 'request_extension with a unit that is not a text: 22023');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'request_extension', '理由', '{"stage": null, "amount": 1}', %L)$$,
                                   pg_temp.k('h2'), pg_temp.t(12)),
                 'GG104', NULL, 'request_extension with a null stage: GG104');
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.act(%s, 'request_extension', '理由', %L, %L)$$,
                                   pg_temp.k('h2'), pg_catalog.jsonb_build_object('stage', 'handle', 'amount', 1,
                                                                               'unit', pg_catalog.repeat('u', 100000)),
                                   pg_temp.t(12)),
                 '22023', 'unit must be minutes, working_hours, working_days or calendar_days, not "' || pg_catalog.repeat('u', 40) || '"',
                 'an overlong unit: 22023, the message quoting 40 characters of it');
SELECT gridgov.request_extension(pg_temp.k('h2'), 'handle', 2, '理由', 'working_hours', pg_temp.t(13)) \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.decide_request(%s, 'extension', true, NULL, 'NaN', %L)$$,
                                   pg_temp.k('h2'), pg_temp.t(14)),
                 '22023', NULL, 'an approval of NaN: 22023 (never the full request by accident)');
SELECT gridgov.supervise(pg_temp.k('h2'), '督办', pg_temp.t(15)) \g /dev/null
SELECT throws_ok(pg_catalog.format($$SELECT gridgov.supervise(%s, '再督办', %L)$$, pg_temp.k('h2'), pg_temp.t(16)),
                 'GG254', NULL, 'a second supervision while the first is unanswered: GG254');
-- Merging h1 (in its joint meeting) into h2 cancels the meeting; closing h3 cancels its request.
SELECT pg_temp.step('h1', 'merge', 17, pg_catalog.jsonb_build_object('master_case_id', pg_temp.k('h2'))) \g /dev/null
SELECT is((SELECT (m.decided_at, m.decision, m.lead_department_id)::text FROM gridgov.case_meetings m
           WHERE m.case_id = pg_temp.k('h1')), (pg_temp.t(17), NULL::text, NULL::bigint)::text,
          'a merged case''s open joint meeting is cancelled (decided_at, no decision, no lead)');
SELECT pg_temp.step('h3', 'dispatch', 1), pg_temp.step('h3', 'sign', 2), pg_temp.step('h3', 'contact', 3),
       pg_temp.step('h3', 'handle', 4), pg_temp.step('h3', 'reply', 5) \g /dev/null
SELECT gridgov.request_suspension(pg_temp.k('h3'), '等待回访', pg_temp.t(6)) \g /dev/null
SELECT pg_temp.step('h3', 'callback', 7, '{"solved": true, "satisfaction": "satisfied"}'),
       pg_temp.step('h3', 'close', 8) \g /dev/null
SELECT is((SELECT (r.decision, r.decided_at)::text FROM gridgov.case_requests r WHERE r.case_id = pg_temp.k('h3')),
          ('cancelled', pg_temp.t(8))::text, 'a closed case''s open request is cancelled');
SELECT pg_temp.step('h3', 'reopen', 9), pg_temp.step('h3', 'sign', 10) \g /dev/null
SELECT lives_ok(pg_catalog.format($$SELECT gridgov.request_suspension(%s, '新的申请', %L)$$, pg_temp.k('h3'), pg_temp.t(11)),
                'after reopening, a new request can be filed');

-- 6c. The grid events' callback policy is live: verify_pass starts the callback clock (E: 1
-- working day), callback meets it.
SELECT pg_temp.nc('cb1', 'E0102') \g /dev/null
SELECT pg_temp.step('cb1', 'file', 1), pg_temp.step('cb1', 'dispatch', 2), pg_temp.step('cb1', 'sign', 3),
       pg_temp.step('cb1', 'handle', 4), pg_temp.step('cb1', 'verify_pass', 5) \g /dev/null
SELECT is(((pg_temp.clock('cb1', 'callback')).started_at, (pg_temp.clock('cb1', 'callback')).due_at)::text,
          (pg_temp.t(5), gridgov.worktime_add('cn', pg_temp.t(5), 1, 'working_days'))::text,
          'grid_event verify_pass starts the callback clock, due 1 working day later (shipped E policy)');
SELECT pg_temp.step('cb1', 'callback', 6, '{"solved": true, "satisfaction": "satisfied"}') \g /dev/null
SELECT is((pg_temp.clock('cb1', 'callback')).met_at, pg_temp.t(6), 'the callback meets it');

-- 7. NULLs through the wrappers -----------------------------------------------------------
SELECT throws_ok($$SELECT gridgov.first_contact(NULL)$$, '22004', NULL, 'first_contact(NULL): 22004');
SELECT throws_ok($$SELECT gridgov.supervise(NULL)$$, '22004', NULL, 'supervise(NULL): 22004');
SELECT throws_ok($$SELECT gridgov.answer_supervision(NULL)$$, '22004', NULL, 'answer_supervision(NULL): 22004');
SELECT throws_ok($$SELECT gridgov.review_return(NULL, true)$$, '22004', NULL, 'review_return(NULL, ...): 22004');
SELECT throws_ok($$SELECT gridgov.request_extension(NULL, 'sign', 1, 'x')$$, '22004', NULL, 'request_extension(NULL, ...): 22004');
SELECT throws_ok($$SELECT gridgov.request_suspension(NULL, 'x')$$, '22004', NULL, 'request_suspension(NULL, ...): 22004');
SELECT throws_ok($$SELECT gridgov.decide_request(NULL, 'extension', true)$$, '22004', NULL, 'decide_request(NULL, ...): 22004');
SELECT throws_ok($$SELECT gridgov.refer_meeting(NULL, '{1}')$$, '22004', NULL, 'refer_meeting(NULL, ...): 22004');
SELECT throws_ok($$SELECT gridgov.decide_meeting(NULL, 1, 'x')$$, '22004', NULL, 'decide_meeting(NULL, ...): 22004');

-- Every history is intact.
SELECT is_empty($$SELECT * FROM gridgov.verify_histories('990501')$$, 'every history of this file verifies');

SELECT * FROM finish();
ROLLBACK;

-- The access matrix of docs/security.md ("Who sees which cases, and who acts
-- on them", "Citizens' contact data"), generated: acl_scope (in the fixture) states, for
-- each of thirteen logins of test/lib/access_fixture.sql (two towns, a
-- district command center, two functional departments, a community committee,
-- three grid workers, a leader, an auditor, an analyst, an admin and a
-- dispatcher without a staff row), which of the fixture's twelve cases it
-- sees, acts on and may reveal the contact data of, and where it may file.
-- From it every check is generated and run under SET ROLE, each statement
-- undone after it ran:
--   - SELECT on cases (non-personal columns), my_cases, case_events,
--     case_clocks, escalations, whistles, whistle_calls (also the whistles and calls to
--     the login's own department), provisional_clocks: exactly the cases in
--     scope that have rows there;
--   - SELECT of each of the four personal columns of cases: 42501;
--   - INSERT of a case in grid A1, A2, B1 and outside every grid: filed or
--     refused by the policy (42501);
--   - raw UPDATE (urgency) of each case: 1 row in scope, 0 rows out of it
--     (row-level security: not an error);
--   - DELETE: 42501;
--   - act() and its wrappers, one action of the grid_event workflow that the
--     case's state allows, on every case: GG100 outside the read scope,
--     42501 readable but not actable, GG102 when the transition's roles
--     (gridgov.transitions) refuse the login, success otherwise, and then
--     the returned case carries the four personal columns masked;
--   - the right to reveal on every case (gridgov.contact_revealable(), the
--     check of CALL reveal_contact()): allowed to the holder and the command
--     center over it, 42501 for a visible case the login may not reveal,
--     GG100 for an invisible one (the CALL itself commits the record of the
--     look, so test/shell/reveal_contact.sh runs it in real sessions);
--   - my_cases's masks for every login, the mask functions on the
--     documented examples, reveal_contact()'s reason checks;
--   - no error text (message, detail, hint, context) of any refused
--     statement names a reporter, a phone, an address or a description.
-- Everything happens in this file's transaction, rolled back at the end.
BEGIN;
SELECT plan(769);
\i test/lib/access_fixture.sql

-- The probes ------------------------------------------------------------------------------
CREATE TEMP TABLE acl_probe (
    n        serial PRIMARY KEY,
    login    text NOT NULL,
    op       text NOT NULL,
    target   text NOT NULL,
    sql      text,
    kind     text,
    expected text NOT NULL,      -- alternatives separated by |
    outcome  text,
    errtext  text
);
CREATE FUNCTION pg_temp.acl_sorted(labels text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE((SELECT pg_catalog.array_agg(x ORDER BY x) FROM pg_catalog.unnest($1) x)::text, '{}')
$$;

-- 1. SELECT on cases and the per-case tables: the cases in scope that have rows there.
CREATE TEMP TABLE acl_object (object text PRIMARY KEY, ord integer, sql text, has text[]);
INSERT INTO acl_object (object, ord, sql) VALUES
    ('cases', 1, 'SELECT pg_catalog.array_agg(id)::text FROM gridgov.cases WHERE county::text = ''990301'''),
    ('my_cases', 2, 'SELECT pg_catalog.array_agg(id)::text FROM gridgov.my_cases WHERE county::text = ''990301'''),
    ('case_events', 3, 'SELECT pg_catalog.array_agg(case_id)::text FROM gridgov.case_events WHERE county::text = ''990301'''),
    ('case_clocks', 4, 'SELECT pg_catalog.array_agg(case_id)::text FROM gridgov.case_clocks WHERE county::text = ''990301'''),
    ('escalations', 5, 'SELECT pg_catalog.array_agg(case_id)::text FROM gridgov.escalations WHERE county::text = ''990301'''),
    ('whistles', 6, 'SELECT pg_catalog.array_agg(case_id)::text FROM gridgov.whistles WHERE county::text = ''990301'''),
    ('whistle_calls', 7, 'SELECT pg_catalog.array_agg(case_id)::text FROM gridgov.whistle_calls WHERE county::text = ''990301'''),
    ('provisional_clocks', 8, 'SELECT pg_catalog.array_agg(case_id)::text FROM gridgov.provisional_clocks WHERE county::text = ''990301''');
DO $$
DECLARE
    o record;
    r text;
BEGIN
    FOR o IN SELECT * FROM acl_object LOOP
        EXECUTE o.sql INTO r;
        UPDATE acl_object SET has = pg_temp.acl_labels(r)::text[] WHERE object = o.object;
    END LOOP;
END
$$;
INSERT INTO acl_probe (login, op, target, sql, kind, expected)
SELECT l.login, 'select', o.object, o.sql, 'ids',
       pg_temp.acl_sorted(ARRAY(SELECT x FROM pg_catalog.unnest(s.sees) x WHERE x = ANY (o.has)
                                UNION
                                -- whistles and whistle_calls: also a whistle that summons the
                                -- login's own department, and its calls to it
                                SELECT a.label FROM gridgov.whistle_calls w JOIN acl_case a ON a.id = w.case_id
                                WHERE o.object IN ('whistles', 'whistle_calls')
                                  AND w.department_id = pg_temp.acl_dept(l.dept)))
       -- an analyst (no case rows) may be refused the tables outright
       || CASE WHEN l.login = 'analyst' THEN '|42501' ELSE '' END
FROM acl_login l JOIN acl_scope s USING (login) CROSS JOIN acl_object o
ORDER BY o.ord, l.ord;

-- 2. The personal columns of cases: no group role reads them.
INSERT INTO acl_probe (login, op, target, sql, kind, expected)
SELECT l.login, 'select column', c.col, pg_catalog.format('SELECT pg_catalog.count(%I)::text FROM gridgov.cases', c.col),
       'value', '42501'
FROM acl_login l
CROSS JOIN (VALUES (1, 'reporter_name'), (2, 'reporter_phone'), (3, 'address'), (4, 'description')) c(ord, col)
ORDER BY c.ord, l.ord;

-- 3. INSERT: in its grids (workers), anywhere (dispatchers, departments,
-- admin), nowhere (leader, auditor, analyst, no staff row).
INSERT INTO acl_probe (login, op, target, sql, kind, expected)
SELECT l.login, 'insert', t.target,
       pg_catalog.format($f$INSERT INTO gridgov.cases (county, source, external_id, category, title, description, grid,
                                                      address, reporter_name, reporter_phone, reported_at, department_id)
                            VALUES ('990301', 'app', %L, 'E0102', '权限测试 新案件', '新案件的描述', %L, '新地址', '新人',
                                    '13700000000', '2026-12-01 09:00+08', %s)$f$,
                         'acl-ins-' || l.login || '-' || t.target, t.grid, pg_temp.acl_dept(t.dept)),
       'rows', CASE WHEN t.target = ANY (s.files) THEN '1' ELSE '42501' END
FROM acl_login l JOIN acl_scope s USING (login)
CROSS JOIN (VALUES (1, 'A1', '990301001001001', 'acl-cc-a'), (2, 'A2', '990301001001002', 'acl-cc-a'),
                   (3, 'B1', '990301002001001', 'acl-cc-b'), (4, 'none', NULL, 'acl-cc')) t(ord, target, grid, dept)
ORDER BY t.ord, l.ord;

-- 4. Raw UPDATE: the rows in the write scope; out of it nothing, no error.
-- Read-only roles may be refused the statement (42501) instead.
INSERT INTO acl_probe (login, op, target, sql, kind, expected)
SELECT l.login, 'update', a.label,
       pg_catalog.format('UPDATE gridgov.cases SET urgency = ''urgent'' WHERE id = %s', a.id), 'rows',
       CASE WHEN a.label = ANY (s.acts) THEN '1'
            WHEN l.grp IN ('gridgov_leader', 'gridgov_auditor', 'gridgov_analyst') THEN '0|42501'
            ELSE '0' END
FROM acl_login l JOIN acl_scope s USING (login) CROSS JOIN acl_case a
ORDER BY a.n, l.ord;

-- 5. DELETE: no role may.
INSERT INTO acl_probe (login, op, target, sql, kind, expected)
SELECT l.login, 'delete', 'a1r', pg_catalog.format('DELETE FROM gridgov.cases WHERE id = %s', pg_temp.acl_id('a1r')),
       'rows', '42501'
FROM acl_login l ORDER BY l.ord;

-- 6. act() and the wrappers: one action the case's state allows, on every case.
CREATE TEMP TABLE acl_action (ord integer, label text, action text, call text);
INSERT INTO acl_action VALUES
    (1,  'a1r', 'file',        'gridgov.act(%s, ''file'')'),
    (2,  'a1r', 'self_handle', 'gridgov.act(%s, ''self_handle'')'),
    (3,  'a1f', 'dispatch',    'gridgov.dispatch(%s, ' || pg_temp.acl_dept('acl-f2') || ')'),
    (4,  'a1d', 'sign',        'gridgov.act(%s, ''sign'')'),
    (5,  'a1d', 'return',      'gridgov.return_case(%s, ''不属本单位职责'')'),
    (6,  'a1d', 'suspend',     'gridgov.act(%s, ''suspend'', ''挂账'')'),
    (7,  'a1s', 'handle',      'gridgov.handle(%s, ''已处置'')'),
    (8,  'a1c', 'sign',        'gridgov.sign_case(%s)'),
    (9,  'a2x', 'sign',        'gridgov.act(%s, ''sign'')'),
    (10, 'a2h', 'verify_pass', 'gridgov.verify(%s, true)'),
    (11, 'a2v', 'close',       'gridgov.close(%s)'),
    (12, 'b1r', 'file',        'gridgov.act(%s, ''file'')'),
    (13, 'b1r', 'self_handle', 'gridgov.act(%s, ''self_handle'')'),
    (14, 'b1d', 'sign',        'gridgov.act(%s, ''sign'')'),
    (15, 'b1c', 'return',      'gridgov.act(%s, ''return'', ''不属本单位职责'')'),
    (16, 'n0',  'file',        'gridgov.act(%s, ''file'')');
-- The transition's roles as gridgov.transitions has them (an exact row wins over *).
CREATE FUNCTION pg_temp.acl_roles_allow(login text, label text, action text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT t.roles = '{}' OR EXISTS (SELECT 1 FROM pg_catalog.unnest(t.roles) g
                                     WHERE pg_catalog.pg_has_role(pg_temp.acl_role($1), g, 'MEMBER'))
    FROM gridgov.cases c
    JOIN gridgov.transitions t ON t.workflow = c.workflow AND t.action = $3 AND t.from_state IN (c.state, '*')
    WHERE c.id = pg_temp.acl_id($2)
    ORDER BY t.from_state = '*' LIMIT 1
$$;
INSERT INTO acl_probe (login, op, target, sql, kind, expected)
SELECT l.login, 'act ' || x.action, x.label,
       pg_catalog.format('SELECT ROW(r.reporter_name, r.reporter_phone, r.address, r.description)::text FROM %s r',
                         pg_catalog.format(x.call, pg_temp.acl_id(x.label))),
       'act',
       -- a login without UPDATE on cases (leader, auditor, analyst) may not act at all
       CASE WHEN NOT pg_catalog.has_any_column_privilege(pg_temp.acl_role(l.login), 'gridgov.cases', 'UPDATE') THEN '42501'
            WHEN NOT x.label = ANY (s.sees) THEN 'GG100'
            WHEN NOT x.label = ANY (s.acts) THEN '42501'
            WHEN NOT pg_temp.acl_roles_allow(l.login, x.label, x.action) THEN 'GG102'
            ELSE 'ok' END
FROM acl_login l JOIN acl_scope s USING (login) CROSS JOIN acl_action x
ORDER BY x.ord, l.ord;

-- 7. reveal_contact(): the holder's and the command center's logins. An
-- invisible case looks as if it did not exist (GG100) to a login that may
-- call the function at all.
INSERT INTO acl_probe (login, op, target, kind, expected)
SELECT l.login, 'reveal_contact', a.label, 'reveal',
       CASE WHEN a.label = ANY (s.reveals) THEN 'ok'
            WHEN a.label = ANY (s.sees) THEN '42501'
            WHEN pg_catalog.has_function_privilege(pg_temp.acl_role(l.login), 'gridgov.contact_revealable(bigint)',
                                                   'EXECUTE') THEN 'GG100'
            ELSE '42501' END
FROM acl_login l JOIN acl_scope s USING (login) CROSS JOIN acl_case a
ORDER BY a.n, l.ord;

-- Run them all.
DO $$
DECLARE
    p record;
    r record;
    masked_for_login boolean;
BEGIN
    FOR p IN SELECT * FROM acl_probe ORDER BY n LOOP
        IF p.kind = 'reveal' THEN
            SELECT * INTO r FROM pg_temp.acl_reveal(p.login, p.target);
            UPDATE acl_probe SET outcome = r.state, errtext = r.errtext WHERE n = p.n;
            CONTINUE;
        END IF;
        SELECT * INTO r FROM pg_temp.acl_try(p.login, p.sql, CASE p.kind WHEN 'rows' THEN 'rows' ELSE 'value' END);
        IF r.state <> 'ok' THEN
            UPDATE acl_probe SET outcome = r.state, errtext = r.errtext WHERE n = p.n;
        ELSIF p.kind = 'ids' THEN
            UPDATE acl_probe SET outcome = pg_temp.acl_labels(r.result) WHERE n = p.n;
        ELSIF p.kind = 'value' THEN
            UPDATE acl_probe SET outcome = r.result WHERE n = p.n;
        ELSIF p.kind = 'rows' THEN
            UPDATE acl_probe SET outcome = r.result WHERE n = p.n;
        ELSE
            -- act(): the returned case is masked to a caller without SELECT on the columns.
            masked_for_login := NOT pg_catalog.has_column_privilege(pg_temp.acl_role(p.login), 'gridgov.cases',
                                                                    'reporter_phone', 'SELECT');
            UPDATE acl_probe SET outcome = CASE
                WHEN r.result IS NOT DISTINCT FROM CASE WHEN masked_for_login THEN pg_temp.acl_masked(p.target)
                                                        ELSE pg_temp.acl_clear(p.target) END THEN 'ok'
                WHEN r.result IS NOT DISTINCT FROM pg_temp.acl_clear(p.target) THEN 'ok, but returned the clear values'
                ELSE 'ok, but returned ' || COALESCE(r.result, 'NULL') END
            WHERE n = p.n;
        END IF;
    END LOOP;
END
$$;

-- Fixture sanity -----------------------------------------------------------------------------
SELECT is((SELECT pg_catalog.array_agg(a.label || ':' || COALESCE(c.grid::text, c.county::text || ' no grid') ORDER BY a.n)
           FROM acl_case a JOIN gridgov.cases c ON c.id = a.id),
          ARRAY['a1r:990301001001001', 'a1f:990301001001001', 'a1d:990301001001001', 'a1s:990301001001001',
                'a1c:990301001001001', 'a2x:990301001001002', 'a2h:990301001001002', 'a2v:990301001001002',
                'b1r:990301002001001', 'b1d:990301002001001', 'b1c:990301002001001', 'n0:990301 no grid'],
          'fixture: the cases lie in grids A1, A2, B1, and n0 in no grid of county 990301');
SELECT is((SELECT pg_catalog.array_agg(a.label || ':' || c.state || ':' || d.code ORDER BY a.n)
           FROM acl_case a JOIN gridgov.cases c ON c.id = a.id JOIN gridgov.departments d ON d.id = c.department_id),
          ARRAY['a1r:reported:acl-cc-a', 'a1f:filed:acl-cc-a', 'a1d:dispatched:acl-f1', 'a1s:signed:acl-f1',
                'a1c:dispatched:acl-cm-a', 'a2x:dispatched:acl-f2', 'a2h:handled:acl-f2', 'a2v:verified:acl-f2',
                'b1r:reported:acl-cc-b', 'b1d:dispatched:acl-f1', 'b1c:dispatched:acl-cm-a', 'n0:reported:acl-cc'],
          'fixture: states and holding departments as designed (a2x re-dispatched from acl-f1 to acl-f2)');
SELECT is((SELECT pg_catalog.array_agg(o.object || ':' || pg_catalog.cardinality(o.has) ORDER BY o.ord)
           FROM acl_object o WHERE o.object <> 'escalations'),
          ARRAY['cases:12', 'my_cases:12', 'case_events:12', 'case_clocks:12', 'whistles:1', 'whistle_calls:1',
                'provisional_clocks:12'],
          'fixture: every case has events, clocks and a provisional deadline; one has a whistle (the superuser sees all)');
SELECT ok((SELECT has @> '{a1r,a1d,a2x,b1r,b1d,n0}' FROM acl_object WHERE object = 'escalations'),
          'fixture: the sweep escalated late clocks of cases in both towns and of the case outside every grid');

-- The matrix ---------------------------------------------------------------------------------
SELECT is(CASE WHEN p.outcome = ANY (pg_catalog.string_to_array(p.expected, '|')) THEN p.expected ELSE p.outcome END,
          p.expected,
          pg_catalog.format('%s (%s): %s %s', p.login, l.what, p.op, p.target))
FROM acl_probe p JOIN acl_login l USING (login) ORDER BY p.n;

-- my_cases's masks, for every login that sees rows -------------------------------------------
SELECT is((SELECT (pg_temp.acl_try(l.login,
                      'SELECT pg_catalog.string_agg(id || '' '' || ROW(reporter_name, reporter_phone, address, description)::text, '' | '' ORDER BY id)
                       FROM gridgov.my_cases WHERE county::text = ''990301''', 'value')).result),
          (SELECT pg_catalog.string_agg(a.id || ' ' || pg_temp.acl_masked(a.label), ' | ' ORDER BY a.id)
           FROM acl_case a WHERE a.label = ANY (s.sees)),
          pg_catalog.format('%s: my_cases shows the reporter''s name, phone, address and the numbers in the description masked', l.login))
FROM acl_login l JOIN acl_scope s USING (login) WHERE s.sees <> '{}' ORDER BY l.ord;
SELECT is((SELECT pg_catalog.array_agg(a.attname::text || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
           FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'gridgov.my_cases'::regclass AND a.attnum > 0 AND NOT a.attisdropped),
          (SELECT pg_catalog.array_agg(a.attname::text || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
           FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'gridgov.cases'::regclass AND a.attnum > 0 AND NOT a.attisdropped),
          'my_cases has the columns of cases, in the same order, of the same types');
SELECT is((pg_temp.acl_try('ddisp', $q$SELECT pg_catalog.string_agg(pg_catalog.md5((pg_catalog.to_jsonb(m)
                                        - '{reporter_name,reporter_phone,address,description}'::text[])::text), ',' ORDER BY m.id)
                                      FROM gridgov.my_cases m WHERE m.county::text = '990301'$q$, 'value')).result,
          (SELECT pg_catalog.string_agg(pg_catalog.md5((pg_catalog.to_jsonb(c)
                                        - '{reporter_name,reporter_phone,address,description}'::text[])::text), ',' ORDER BY c.id)
           FROM gridgov.cases c WHERE c.county::text = '990301'),
          'my_cases shows every other column as cases has it');

-- The masks on the documented examples ----------------------------------------------------------
SELECT is(gridgov.mask_phone('13800138000'), '138****8000', 'mask_phone keeps the first 3 and the last 4 digits');
SELECT is(gridgov.mask_name('张三丰'), '张**', 'mask_name keeps the first character');
SELECT is(gridgov.mask_address('兴华大街3号院2号楼'), '兴华大街*号院*号楼', 'mask_address stars every digit');
SELECT is(gridgov.mask_numbers('身份证110101199003071234'), '身份证110***********1234',
          'mask_numbers masks a run of 7 or more digits like a phone');

-- act() returns the clear values to a caller that may read them (the superuser).
SELECT is((SELECT ROW(r.reporter_name, r.reporter_phone, r.address, r.description)::text
           FROM gridgov.act(pg_temp.acl_id('a1d'), 'sign') r),
          pg_temp.acl_clear('a1d'), 'act() by the superuser returns the clear values');

-- reveal_contact()'s reason, checked before anything else; a valid call
-- inside this transaction ends in 2D000 (it commits the record of the look
-- before it reads: test/shell/reveal_contact.sh runs it in real sessions).
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', NULL), '22004', 'reveal_contact() without a reason: 22004');
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', ''), '22023', 'reveal_contact() with an empty reason: 22023');
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', E' \t '), '22023', 'reveal_contact() with a blank reason: 22023');
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', '　　'), '22023', 'reveal_contact() with a reason of full-width spaces: 22023');
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', pg_catalog.repeat('因', 501)), '22023',
          'reveal_contact() with a reason of 501 characters: 22023');
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', pg_catalog.repeat('因', 500)), '2D000',
          'reveal_contact() with a reason of 500 characters passes, and inside a transaction block is refused (2D000)');

SELECT * FROM finish();
ROLLBACK;

-- Attempts around the access matrix (issue 13, item 4; docs/security.md
-- "Who sees which cases", "Citizens' contact data", "Error messages"), over the
-- organisation and cases of test/lib/access_fixture.sql (county 990301):
--   1. the table's personal columns by every other route: SELECT * (what
--      COPY gridgov.cases TO does) for every login, a real COPY ... TO
--      STDOUT, whole-row references, to_jsonb, filters and sort keys on a
--      personal column, RETURNING, and copying a personal column into a
--      readable one: 42501 each;
--   2. my_cases as an oracle: a filter on a clear value finds nothing;
--   3. a cheap function of the caller's in the WHERE clause (evaluated as
--      early as the planner likes) is only ever handed rows of the caller's
--      scope, and from my_cases only masked values;
--   4. the views and SECURITY DEFINER functions that BI and Open311 read
--      (case_facts, open311_requests/open311_request, sla_board_at,
--      grid_metrics, map_geojson) count every case and carry no personal
--      value; find_duplicate() finds only cases of the caller's scope; an
--      edit of the address is recorded without the value;
--   5. a case outside the scope fails act() and reveal_contact() exactly as a
--      case that does not exist (same SQLSTATE, message, detail and hint);
--   6. other refused statements (wrong state, missing payload, bad value,
--      unknown category, a failing constraint) name no reporter.
-- EXPLAIN is not checked: a plan may show row estimates (accepted leak).
-- Everything happens in this file's transaction, rolled back at the end.
BEGIN;
SELECT plan(121);
\i test/lib/access_fixture.sql

-- 1. The personal columns of cases -----------------------------------------------------------
SELECT is((pg_temp.acl_try(l.login, 'SELECT * FROM gridgov.cases LIMIT 1', 'value')).state, '42501',
          pg_catalog.format('%s (%s): SELECT * FROM gridgov.cases (what COPY gridgov.cases TO reads) is refused',
                            l.login, l.what))
FROM acl_login l ORDER BY l.ord;

-- A real COPY ... TO STDOUT (pgTAP runs SQL in functions, where COPY to the
-- client is not allowed): run by psql, its SQLSTATE kept.  The refused COPY's
-- ERROR line goes to stderr.
\set ON_ERROR_STOP 0
\set ON_ERROR_ROLLBACK on
SET LOCAL ROLE acl_t_wa1;
COPY gridgov.cases TO STDOUT;
\set acl_copy_wa1 :SQLSTATE
RESET ROLE;
SET LOCAL ROLE acl_t_adisp;
COPY (SELECT * FROM gridgov.cases WHERE county::text = '990301') TO STDOUT;
\set acl_copy_adisp :SQLSTATE
RESET ROLE;
\set ON_ERROR_ROLLBACK off
\set ON_ERROR_STOP 1
SELECT is(:'acl_copy_wa1'::text, '42501', 'wa1: COPY gridgov.cases TO STDOUT is refused (42501)');
SELECT is(:'acl_copy_adisp'::text, '42501', 'adisp: COPY (SELECT * FROM gridgov.cases ...) TO STDOUT is refused (42501)');

-- Other routes to the columns, by three logins on a case each may act on.
CREATE TEMP TABLE acl_route (ord integer, what text, kind text, sql text);
INSERT INTO acl_route VALUES
    (1,  'a whole-row reference', 'value', 'SELECT c::text FROM gridgov.cases c WHERE c.id = %1$s'),
    (2,  'to_jsonb of the row', 'value', 'SELECT pg_catalog.to_jsonb(c)::text FROM gridgov.cases c WHERE c.id = %1$s'),
    (3,  'a filter on reporter_phone', 'value', 'SELECT pg_catalog.count(*)::text FROM gridgov.cases WHERE reporter_phone = %2$L'),
    (4,  'a sort on reporter_name', 'value', 'SELECT id::text FROM gridgov.cases ORDER BY reporter_name LIMIT 1'),
    (5,  'an UPDATE filtered on reporter_phone', 'rows',
         'UPDATE gridgov.cases SET urgency = ''urgent'' WHERE id = %1$s AND reporter_phone = %2$L'),
    (6,  'UPDATE ... RETURNING *', 'value', 'UPDATE gridgov.cases SET urgency = ''urgent'' WHERE id = %1$s RETURNING *'),
    (7,  'UPDATE ... RETURNING description', 'value', 'UPDATE gridgov.cases SET urgency = ''urgent'' WHERE id = %1$s RETURNING description'),
    (8,  'INSERT ... RETURNING *', 'value',
         $$INSERT INTO gridgov.cases (county, source, category, title, grid, reporter_phone, reported_at, department_id)
           VALUES ('990301', 'app', 'E0102', '权限测试 新案件', %3$L, '13700000000', '2026-12-01 09:00+08', %4$s) RETURNING *$$),
    (9,  'reporter_name copied into the title', 'rows', 'UPDATE gridgov.cases SET title = reporter_name WHERE id = %1$s'),
    (10, 'reporter_phone copied into external_id', 'rows', 'UPDATE gridgov.cases SET external_id = reporter_phone WHERE id = %1$s');
SELECT is((pg_temp.acl_try(x.login, pg_catalog.format(r.sql, pg_temp.acl_id(x.label), a.phone, x.grid, pg_temp.acl_dept('acl-cc-a')),
                           r.kind)).state,
          '42501', pg_catalog.format('%s on %s: %s is refused (42501)', x.login, x.label, r.what))
FROM (VALUES (1, 'wa1', 'a1r', '990301001001001'), (2, 'adisp', 'a1r', '990301001001002'), (3, 'f1', 'a1d', '990301002001001'))
     x(ord, login, label, grid)
JOIN acl_case a ON a.label = x.label
CROSS JOIN acl_route r
ORDER BY x.ord, r.ord;

-- 2. my_cases as an oracle ---------------------------------------------------------------------
SELECT is((pg_temp.acl_try('wa1', pg_catalog.format(x.sql, x.v), 'value')).result, x.expected,
          'wa1: my_cases filtered on ' || x.what)
FROM (VALUES (1, 'SELECT pg_catalog.count(*)::text FROM gridgov.my_cases WHERE reporter_phone = %L',
              (SELECT phone FROM acl_case WHERE label = 'a1r'), '0', 'a clear phone finds nothing'),
             (2, 'SELECT pg_catalog.count(*)::text FROM gridgov.my_cases WHERE reporter_name = %L',
              (SELECT name FROM acl_case WHERE label = 'a1r'), '0', 'a clear name finds nothing'),
             (3, 'SELECT pg_catalog.count(*)::text FROM gridgov.my_cases WHERE address = %L',
              (SELECT address FROM acl_case WHERE label = 'a1r'), '0', 'a clear address finds nothing'),
             (4, 'SELECT pg_catalog.count(*)::text FROM gridgov.my_cases WHERE strpos(description, %L) > 0',
              (SELECT idno FROM acl_case WHERE label = 'a1r'), '0', 'an ID number in the description finds nothing'),
             (5, 'SELECT pg_catalog.count(*)::text FROM gridgov.my_cases WHERE reporter_phone = %L',
              '138****0001', '1', 'the masked phone finds its case (the filter works)')) x(ord, sql, v, expected, what)
ORDER BY x.ord;

-- 3. A function of the caller's in the WHERE clause ------------------------------------------------
-- Not LEAKPROOF and as cheap as can be, so the planner would run it first if
-- it could; it notes every value it is handed in a setting.
CREATE FUNCTION pg_temp.acl_leak(v text) RETURNS boolean LANGUAGE plpgsql VOLATILE COST 0.0000001 AS $$
BEGIN
    PERFORM pg_catalog.set_config('acl.leaked', pg_catalog.current_setting('acl.leaked', true) || ',' || v, true);
    RETURN true;
END
$$;
-- The values a login's query handed to acl_leak (undone afterwards).
CREATE FUNCTION pg_temp.acl_leak_run(login text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    got text;
BEGIN
    BEGIN
        PERFORM pg_catalog.set_config('role', pg_temp.acl_role(login), true);
        PERFORM pg_catalog.set_config('acl.leaked', '', true);
        EXECUTE sql;
        got := pg_catalog.ltrim(pg_catalog.current_setting('acl.leaked'), ',');
        RAISE EXCEPTION USING ERRCODE = 'AC999';
    EXCEPTION
        WHEN SQLSTATE 'AC999' THEN
            NULL;
        WHEN OTHERS THEN
            got := 'error ' || SQLSTATE;
    END;
    RETURN got;
END
$$;
SELECT is(pg_temp.acl_labels('{' || pg_temp.acl_leak_run('wa1', x.sql) || '}'),
          '{a1c,a1d,a1f,a1r,a1s}', 'wa1: a function in the WHERE clause on ' || x.what || ' is handed the rows of grid A1 only')
FROM (VALUES (1, 'cases', 'SELECT pg_catalog.count(*) FROM gridgov.cases WHERE pg_temp.acl_leak(id::text)'),
             (2, 'my_cases', 'SELECT pg_catalog.count(*) FROM gridgov.my_cases WHERE pg_temp.acl_leak(id::text)'),
             (3, 'case_events', 'SELECT pg_catalog.count(*) FROM gridgov.case_events WHERE pg_temp.acl_leak(case_id::text)'))
     x(ord, what, sql)
ORDER BY x.ord;
SELECT is(CASE WHEN x.got LIKE '%138****00%' THEN pg_temp.acl_leaks(x.got) ELSE ARRAY['handed ' || COALESCE(x.got, 'NULL')] END,
          '{}', 'wa1: a function in the WHERE clause on my_cases is handed masked names, phones and addresses only')
FROM (SELECT pg_temp.acl_leak_run('wa1', $q$SELECT pg_catalog.count(*) FROM gridgov.my_cases
                                             WHERE pg_temp.acl_leak(reporter_name || reporter_phone || address)$q$) AS got) x;
-- (The description keeps the reporter's name: only its numbers are masked.)
SELECT is(CASE WHEN x.got LIKE '%139****00%' THEN ARRAY(SELECT y FROM pg_catalog.unnest(pg_temp.acl_leaks(x.got)) y
                                                          WHERE y !~ ' name$')
               ELSE ARRAY['handed ' || COALESCE(x.got, 'NULL')] END,
          '{}', 'wa1: a function in the WHERE clause on my_cases is handed descriptions with masked numbers only')
FROM (SELECT pg_temp.acl_leak_run('wa1', $q$SELECT pg_catalog.count(*) FROM gridgov.my_cases
                                             WHERE pg_temp.acl_leak(description)$q$) AS got) x;

-- 4. Views and SECURITY DEFINER functions ------------------------------------------------------------
SELECT is((pg_temp.acl_try(x.login, 'SELECT pg_catalog.count(*)::text FROM gridgov.case_facts WHERE county::text = ''990301''', 'value')).result,
          '12', x.login || ': case_facts counts every case of the county')
FROM (VALUES (1, 'analyst'), (2, 'adisp')) x(ord, login) ORDER BY x.ord;
SELECT is(pg_temp.acl_leaks((pg_temp.acl_try('analyst', 'SELECT pg_catalog.string_agg(pg_catalog.to_jsonb(f)::text, '' '') FROM gridgov.case_facts f WHERE county::text = ''990301''', 'value')).result),
          '{}', 'analyst: case_facts carries no personal value');
CREATE TEMP TABLE acl_open311 AS
SELECT gridgov.open311_requests(pg_catalog.jsonb_build_object('jurisdiction_id', '990301',
                                                              'start_date', '2026-11-01T00:00:00+08:00',
                                                              'end_date', '2026-11-30T00:00:00+08:00')) AS requests,
       gridgov.open311_request((SELECT c.case_no FROM gridgov.cases c WHERE c.id = pg_temp.acl_id('a1r'))) AS request;
SELECT is((SELECT pg_catalog.jsonb_array_length(requests) FROM acl_open311), 12, 'open311_requests lists the 12 cases');
SELECT is(pg_temp.acl_leaks((SELECT requests::text FROM acl_open311)), '{}', 'open311_requests carries no personal value');
SELECT is(pg_temp.acl_leaks((SELECT request::text FROM acl_open311)), '{}', 'open311_request carries no personal value');
SELECT is((pg_temp.acl_try(x.login, x.sql, 'value')).result, '12', x.what)
FROM (VALUES (1, 'analyst', 'SELECT pg_catalog.sum(open_cases)::text FROM gridgov.sla_board_at(pg_catalog.now()) WHERE county::text = ''990301''',
              'analyst: sla_board_at counts the 12 open cases of the county'),
             (2, 'analyst', 'SELECT open_cases::text FROM gridgov.grid_metrics(pg_catalog.now()) WHERE code::text = ''990301''',
              'analyst: grid_metrics counts the 12 open cases of the county')) x(ord, login, sql, what)
ORDER BY x.ord;
SELECT is(pg_temp.acl_leaks((pg_temp.acl_try('analyst', x.sql, 'value')).result), '{}', x.what)
FROM (VALUES (1, 'SELECT pg_catalog.string_agg(b::text, '' '') FROM gridgov.sla_board_at(pg_catalog.now()) b WHERE county::text = ''990301''',
              'analyst: sla_board_at carries no personal value'),
             (2, 'SELECT pg_catalog.string_agg(m::text, '' '') FROM gridgov.grid_metrics(pg_catalog.now()) m WHERE code::text LIKE ''990301%''',
              'analyst: grid_metrics carries no personal value'),
             (3, 'SELECT gridgov.map_geojson(''grid'', ''open_cases'', pg_catalog.now())::text',
              'analyst: map_geojson carries no personal value')) x(ord, sql, what)
ORDER BY x.ord;
-- find_duplicate() reads the table directly, with the caller's scope applied to each candidate.
SELECT is((pg_temp.acl_try(x.login, $q$SELECT COALESCE(gridgov.find_duplicate('990301', 'E0102', '2026-11-02 09:10+08',
                                          ST_SetSRID(ST_MakePoint(101.05, 31.01), 4326), 1000, '1 day')::text, 'none')$q$,
                           'value')).result,
          x.expected, x.login || ': find_duplicate() at case b1r''s place ' || x.what)
FROM (VALUES (1, 'wa1', 'none', 'finds nothing (b1r lies outside its grids)'),
             (2, 'wb1', pg_temp.acl_id('b1r')::text, 'finds b1r (its grid)')) x(ord, login, expected, what)
ORDER BY x.ord;
UPDATE gridgov.cases SET address = '兴华大街99号院新址' WHERE id = pg_temp.acl_id('a1r');
SELECT is((pg_temp.acl_try('wa1', pg_catalog.format($q$SELECT pg_catalog.string_agg(pg_catalog.concat_ws(' ', action, note, payload::text), ' | ')
                                                      FROM gridgov.case_events WHERE case_id = %s$q$, pg_temp.acl_id('a1r')),
                           'value')).result LIKE '%兴华大街99号院新址%', false,
          'wa1: the history of an edited address names the column, not the new value');

-- 5. Outside the scope is as if it did not exist -----------------------------------------------------
-- The error of a login's act()/contact_revealable() on the first case it does not
-- see, and on a case id that does not exist, with every number replaced.
CREATE FUNCTION pg_temp.acl_shape(e text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_catalog.regexp_replace($1, '[0-9]+', 'N', 'g')
$$;
CREATE TEMP TABLE acl_unseen AS
SELECT l.login, l.ord, l.what,
       (SELECT a.id FROM acl_case a WHERE NOT a.label = ANY (s.sees) ORDER BY a.n LIMIT 1) AS unseen,
       (SELECT pg_catalog.max(c.id) + 1000 FROM gridgov.cases c) AS missing
FROM acl_login l JOIN acl_scope s USING (login)
WHERE s.sees <> (SELECT pg_catalog.array_agg(label) FROM acl_case);
SELECT is((SELECT r.state || ' ' || COALESCE(pg_temp.acl_shape(r.error), '')
           FROM pg_temp.acl_try(u.login, pg_catalog.format('SELECT gridgov.act(%s, ''file'')::text', u.unseen), 'value') r),
          (SELECT r.state || ' ' || COALESCE(pg_temp.acl_shape(r.error), '')
           FROM pg_temp.acl_try(u.login, pg_catalog.format('SELECT gridgov.act(%s, ''file'')::text', u.missing), 'value') r),
          pg_catalog.format('%s (%s): act() on a case it does not see fails as on a case that does not exist', u.login, u.what))
FROM acl_unseen u ORDER BY u.ord;
SELECT is((SELECT r.state || ' ' || COALESCE(pg_temp.acl_shape(r.error), '')
           FROM pg_temp.acl_try(u.login, pg_catalog.format('SELECT gridgov.contact_revealable(%s)::text', u.unseen), 'value') r),
          (SELECT r.state || ' ' || COALESCE(pg_temp.acl_shape(r.error), '')
           FROM pg_temp.acl_try(u.login, pg_catalog.format('SELECT gridgov.contact_revealable(%s)::text', u.missing), 'value') r),
          pg_catalog.format('%s (%s): contact_revealable() (reveal_contact()''s check) on a case it does not see fails as on a case that does not exist', u.login, u.what))
FROM acl_unseen u ORDER BY u.ord;

-- 6. Other refusals name no reporter ---------------------------------------------------------------
CREATE TEMP TABLE acl_refusal AS
SELECT x.ord, x.login, x.what, r.*
FROM (VALUES (1, 'adisp', 'act() in a state that does not allow the action (GG101)',
              pg_catalog.format('SELECT gridgov.act(%s, ''sign'')::text', pg_temp.acl_id('a1r'))),
             (2, 'adisp', 'act() without the payload the action requires (GG104)',
              pg_catalog.format('SELECT gridgov.act(%s, ''extend'')::text', pg_temp.acl_id('a1d'))),
             (3, 'adisp', 'act() with a bad value in the payload (22P02)',
              pg_catalog.format('SELECT gridgov.callback(%s, true, ''bogus'')::text', pg_temp.acl_id('a2v'))),
             (4, 'adisp', 'an UPDATE to an unknown category (GG121)',
              pg_catalog.format('UPDATE gridgov.cases SET category = ''E9999'' WHERE id = %s', pg_temp.acl_id('a1r'))),
             (5, 'wa1', 'an UPDATE that breaks the texts constraint',
              pg_catalog.format('UPDATE gridgov.cases SET title = '''' WHERE id = %s', pg_temp.acl_id('a1r'))),
             (6, 'f1', 'act() on a case the department has held (a2x)',
              pg_catalog.format('SELECT gridgov.act(%s, ''sign'')::text', pg_temp.acl_id('a2x'))),
             (7, 'wa1', 'reveal_contact() by a worker',
              pg_catalog.format('SELECT gridgov.contact_revealable(%s)::text', pg_temp.acl_id('a1r'))))
     x(ord, login, what, sql)
CROSS JOIN LATERAL pg_temp.acl_try(x.login, x.sql, 'value') r;
SELECT is((SELECT pg_catalog.array_agg(ord || ' ' || what ORDER BY ord) FROM acl_refusal WHERE state = 'ok'), NULL,
          'each of seven other wrong statements (wrong state, missing payload, bad value, unknown category, failing constraint, a case held before, a worker''s reveal) is refused');
SELECT is((SELECT pg_catalog.array_agg(DISTINCT ord || ' ' || x ORDER BY ord || ' ' || x)
           FROM acl_refusal CROSS JOIN LATERAL pg_catalog.unnest(pg_temp.acl_leaks(errtext)) x),
          NULL, 'and none of their errors names a reporter, phone, address or description');

-- 7. Writes that would change what the scope or the record says -----------------------------
-- A contact column is not written after intake (whether a write records an
-- edit would tell its value); the holder changes only by a command center's
-- dispatch; a summoned department reports in, and takes no other action; a
-- report-in or a summons exists only with its event.
CREATE TEMP TABLE acl_writes AS
SELECT x.ord, x.what, x.want, r.state, r.result
FROM (VALUES
        (1, 'a worker writes a reporter''s phone (a guess)', '42501', 'wa1',
         pg_catalog.format('UPDATE gridgov.cases SET reporter_phone = ''13800000000'' WHERE id = %s', pg_temp.acl_id('a1r'))),
        (2, 'a worker moves a case of its grid to a department', '42501', 'wa1',
         pg_catalog.format('UPDATE gridgov.cases SET department_id = %s WHERE id = %s', pg_temp.acl_dept('acl-f1'), pg_temp.acl_id('a1r'))),
        (3, 'the holding department hands its case to another', '42501', 'f1',
         pg_catalog.format('UPDATE gridgov.cases SET department_id = %s WHERE id = %s', pg_temp.acl_dept('acl-f2'), pg_temp.acl_id('a1d'))),
        (4, 'the town center''s dispatcher re-dispatches by an edit', 'ok', 'adisp',
         pg_catalog.format('UPDATE gridgov.cases SET department_id = %s WHERE id = %s RETURNING department_id::text', pg_temp.acl_dept('acl-f2'), pg_temp.acl_id('a1d'))),
        (5, 'the summoned department reports in, and the case stays with its holder', 'ok', 'f2',
         pg_catalog.format('SELECT gridgov.report_in(%1$s, %2$s)::text
                            || (SELECT c.department_id = %3$s FROM gridgov.cases c WHERE c.id = %1$s)::text',
                           pg_temp.acl_id('b1r'), pg_temp.acl_dept('acl-f2'), pg_temp.acl_dept('acl-cc-b'))),
        (6, 'the summoned department takes another action', '42501', 'f2',
         pg_catalog.format('SELECT gridgov.act(%s, ''file'')::text', pg_temp.acl_id('b1r'))),
        (7, 'the summoned department sets its report-in time without reporting in', '42501', 'f2',
         pg_catalog.format('UPDATE gridgov.whistle_calls SET reported_at = ''2026-03-02 11:00+08'' WHERE case_id = %s', pg_temp.acl_id('b1r'))),
        (8, 'a dispatcher inserts a summons without whistling', '42501', 'adisp',
         pg_catalog.format('INSERT INTO gridgov.whistles (county, case_id, at, report_within) VALUES (''990301'', %s, ''2026-03-02 11:00+08'', ''1 hour'')', pg_temp.acl_id('a1d'))),
        (9, 'the summoned department reports in for another department', '42501', 'f2',
         pg_catalog.format('SELECT gridgov.act(%s, ''report_in'', NULL, ''{"department_id": %s}'')::text', pg_temp.acl_id('b1r'), pg_temp.acl_dept('acl-f1'))),
        (10, 'the summoned department edits the case under a report-in', '42501', 'f2',
         pg_catalog.format('SELECT gridgov.act_prepare(%1$s, ''report_in'', NULL, ''{"department_id": %2$s}'', NULL);
                            UPDATE gridgov.cases SET title = ''改过'' WHERE id = %1$s', pg_temp.acl_id('b1r'), pg_temp.acl_dept('acl-f2'))),
        (11, 'the summoned department takes its call''s report-in back', '42501', 'f2',
         pg_catalog.format('UPDATE gridgov.whistle_calls SET reported_at = NULL WHERE case_id = %s', pg_temp.acl_id('b1r'))),
        (12, 'a whistle''s call for a department the whistle did not summon', '42501', 'ddisp',
         pg_catalog.format('SELECT gridgov.whistle(%1$s, ARRAY[%2$s]::bigint[], ''吹哨'', ''1 hour'');
                            INSERT INTO gridgov.whistle_calls (county, case_id, whistle_id, department_id, due_at)
                            SELECT county, case_id, id, %3$s, at + interval ''1 hour'' FROM gridgov.whistles WHERE case_id = %1$s ORDER BY id DESC LIMIT 1',
                           pg_temp.acl_id('b1d'), pg_temp.acl_dept('acl-f2'), pg_temp.acl_dept('acl-f1'))),
        (13, 'the holding department moves its case to another grid', '42501', 'f1',
         pg_catalog.format('UPDATE gridgov.cases SET grid = ''990301001001002'' WHERE id = %s', pg_temp.acl_id('a1d'))))
     x(ord, what, want, login, sql)
CROSS JOIN LATERAL pg_temp.acl_try(x.login, x.sql, 'value') r;
SELECT is(w.state, w.want, pg_catalog.format('writes: %s: %s', w.what, w.want)) FROM acl_writes w ORDER BY w.ord;
SELECT is((SELECT result FROM acl_writes WHERE ord = 5), 'falsetrue',
          'writes: the report-in (late: now, after the 30 minutes) left the case''s department as it was');

-- 8. The masks against numbers written otherwise ------------------------------------------------
SELECT is(gridgov.mask_numbers(t), want, pg_catalog.format('masks: %s -> %s', t, want))
FROM (VALUES ('电话138.0013.8000', '电话138.****.8000'), ('138  0013  8000', '138  ****  8000'),
             ('一三八〇〇一三八〇〇〇', '一三八****八〇〇〇'), ('①③⑧⓪⓪①③⑧⓪⓪⓪', '①③⑧****⑧⓪⓪⓪'),
             ('138—0013—8000', '138—****—8000'), ('身份证11010119900307123x', '身份证110***********123x'),
             ('邮箱 wangxm@example.com 联系', '邮箱 w*****@example.com 联系'),
             ('2026年3月15日，三楼', '2026年3月15日，三楼')) v(t, want);
SELECT is(pg_temp.acl_reveal_call('adisp', 'a1r', E'\u200B\u00A0\uFEFF'), '22023', 'a reason of invisible characters is blank: 22023');
SELECT is(gridgov.mask_phone('一三八〇〇一三八〇〇〇'), '一三八****八〇〇〇', 'masks: a phone in Chinese numerals');
SELECT is(gridgov.mask_phone('unknown'), '*******', 'masks: a phone field that is no number is starred whole');
SELECT is(gridgov.mask_name(' 张'), ' *', 'masks: a one-character name with a space is starred');
SELECT is(gridgov.mask_personal('王先生电话１３８００１３８０００', '王先生', NULL), '**电话１３８****８０００',
          'masks: Open311''s description masks a phone in full-width digits too');
SELECT is(gridgov.mask_address('三号楼二单元501室，三羊里社区'), '*号楼*单元***室，三羊里社区',
          'masks: Chinese building numbers are starred, an estate''s name is not');

SELECT * FROM finish();
ROLLBACK;

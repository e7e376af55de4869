-- Hardening of the case triggers and of every trigger function (docs/security.md):
--   1. NULLs written by a member of gridgov_worker into any column the C
--      triggers read are refused with a documented SQLSTATE (they crashed the
--      server before: workflow.c passed NULL to strlen/strcmp);
--   2. no trigger function of gridgov can be attached by a worker (EXECUTE
--      is revoked from PUBLIC), and attached by a superuser to any other
--      table — even one shaped like gridgov.cases, or with other column types
--      — it refuses to run (39P01) before it reads or writes anything;
--   3. a reported_at beyond gridgov.future_tolerance is refused (GG112).
-- Everything lives in a fictitious county, 990108, inside this transaction.
BEGIN;
SELECT plan(31);
SET LOCAL client_min_messages = warning;

CREATE TEMP TABLE setup AS SELECT gridgov.setup_roles();
CREATE ROLE gg_sec_worker NOLOGIN;
GRANT gridgov_worker TO gg_sec_worker;
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('sec-cc', '安全测试区指挥中心', 'district', '990108', 'command_center');
-- The worker serves the whole fictitious county (its scope: docs/security.md).
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT '安全测试员', id, 'gg_sec_worker' FROM gridgov.departments WHERE code = 'sec-cc';
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '990108', id, 'worker', '2026-01-01' FROM gridgov.staff WHERE db_role = 'gg_sec_worker';
INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
SELECT '990108', 'patrol', 'sec-' || i, 'E0102', '安全测试 ' || i, timestamptz '2026-01-05 09:00+08' + i * interval '1 hour',
       (SELECT id FROM gridgov.departments WHERE code = 'sec-cc')
FROM pg_catalog.generate_series(1, 3) i;
CREATE TEMP TABLE k AS
SELECT external_id, id FROM gridgov.cases WHERE county OPERATOR(gridgov.=) '990108' AND external_id LIKE 'sec-%';
GRANT SELECT ON k TO gg_sec_worker;
CREATE FUNCTION pg_temp.k(ext text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM k WHERE external_id = ext $$;

-- 1. NULLs from a worker ----------------------------------------------------------
SET LOCAL ROLE gg_sec_worker;
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET category = NULL WHERE id = %s', pg_temp.k('sec-1')),
                 '23502', 'column category of a case cannot be NULL', 'a worker''s UPDATE setting category to NULL is refused (23502)');
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET state = NULL WHERE id = %s', pg_temp.k('sec-1')),
                 '23502', 'column state of a case cannot be NULL', 'a worker''s UPDATE setting state to NULL is refused (23502)');
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET county = NULL WHERE id = %s', pg_temp.k('sec-1')),
                 'GG105', NULL, 'county set to NULL is refused (GG105)');
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET workflow = NULL WHERE id = %s', pg_temp.k('sec-1')),
                 'GG105', NULL, 'workflow set to NULL is refused (GG105)');
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET events = NULL, history_hash = NULL WHERE id = %s', pg_temp.k('sec-1')),
                 'GG105', NULL, 'the history columns set to NULL are refused (GG105)');
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET updated_at = NULL, reported_at = NULL WHERE id = %s', pg_temp.k('sec-1')),
                 '23502', NULL, 'reported_at set to NULL is refused (23502)');
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title, reported_at) VALUES ('990108', 'patrol', 'E0102', 'x', NULL)$$,
                 '23502', 'a case needs a value for reported_at', 'a new case with a NULL reported_at is refused (23502)');
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title) VALUES ('990108', NULL, 'E0102', 'x')$$,
                 '23502', 'a case needs a value for source', 'a new case with a NULL source is refused (23502)');
-- (Without a text model, a case with no category gets settings unclassified_category:
-- test/intake_assist.sql.  Unset, the case is refused.)
RESET ROLE;
UPDATE gridgov.settings SET value = NULL WHERE key = 'unclassified_category';
SET LOCAL ROLE gg_sec_worker;
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title) VALUES ('990108', 'patrol', NULL, 'x')$$,
                 '23502', 'a case needs a category', 'a new case with a NULL category is refused (23502) when unclassified_category is unset');
RESET ROLE;
UPDATE gridgov.settings SET value = 'H99' WHERE key = 'unclassified_category';
SET LOCAL ROLE gg_sec_worker;
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title, events, history_hash, supervised)
                   VALUES ('990108', 'patrol', 'E0102', 'x', NULL, NULL, NULL)$$,
                 'GG105', NULL, 'a new case with NULL counters is refused (GG105)');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.verify_histories('990108')), 0::bigint,
          'the cases and their histories are as they were');

-- 2. Trigger functions only where they belong -------------------------------------
-- Every trigger function of gridgov, as a worker: EXECUTE is not granted, so
-- CREATE TRIGGER is refused.
CREATE TEMP TABLE scratch (a integer);
CREATE FUNCTION pg_temp.attach_errors() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    f text;
    codes text[] := '{}';
BEGIN
    FOR f IN SELECT DISTINCT b.function_name FROM gridgov.trigger_bindings() b ORDER BY 1 LOOP
        BEGIN
            EXECUTE pg_catalog.format('CREATE TRIGGER t_%s BEFORE INSERT ON scratch FOR EACH ROW EXECUTE FUNCTION gridgov.%I()', f, f);
            codes := codes || (f || ': attached');
        EXCEPTION WHEN OTHERS THEN
            IF SQLSTATE <> '42501' THEN
                codes := codes || (f || ': ' || SQLSTATE);
            END IF;
        END;
    END LOOP;
    RETURN codes;
END $$;
SELECT is(pg_temp.attach_errors(), '{}'::text[],
          'a worker can attach no trigger function of gridgov to a table of its own (42501 for each)');
RESET ROLE;

-- As a superuser, each trigger function fired as each of its registered bindings,
-- but on a temporary table: 39P01 every time.  Tables of two shapes: a bare
-- one, and one shaped like the registered table (with a row copied into it).
CREATE FUNCTION pg_temp.fire_elsewhere(shaped boolean) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    b record;
    n integer := 0;
    ev text;
    t text;
    col text;
    refs text;
    result text[] := '{}';
BEGIN
    FOR b IN SELECT * FROM gridgov.trigger_bindings() ORDER BY 1, 2, 3, 4, 5 LOOP
        FOREACH ev IN ARRAY pg_catalog.regexp_split_to_array(b.events, '') LOOP
            n := n + 1;
            t := 'elsewhere_' || n;
            BEGIN
                IF shaped THEN
                    EXECUTE pg_catalog.format('CREATE TEMP TABLE %I (LIKE gridgov.%I)', t, b.table_name);
                    FOR col IN SELECT a.attname FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = pg_catalog.format('pg_temp.%I', t)::pg_catalog.regclass
                                 AND a.attnum > 0 AND a.attnotnull LOOP
                        EXECUTE pg_catalog.format('ALTER TABLE %I ALTER COLUMN %I DROP NOT NULL', t, col);
                    END LOOP;
                ELSE
                    EXECUTE pg_catalog.format('CREATE TEMP TABLE %I (category integer)', t);
                END IF;
                SELECT a.attname INTO col FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = pg_catalog.format('pg_temp.%I', t)::pg_catalog.regclass AND a.attnum = 1;
                refs := CASE WHEN b.level = 'STATEMENT' AND b.timing = 'AFTER' THEN
                    CASE ev WHEN 'I' THEN 'REFERENCING NEW TABLE AS new_rows'
                            WHEN 'U' THEN 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                            WHEN 'D' THEN 'REFERENCING OLD TABLE AS old_rows' ELSE '' END ELSE '' END;
                IF ev <> 'I' THEN
                    IF shaped THEN
                        EXECUTE pg_catalog.format('INSERT INTO %I SELECT * FROM gridgov.%I LIMIT 1', t, b.table_name);
                    END IF;
                    EXECUTE pg_catalog.format('INSERT INTO %I DEFAULT VALUES', t);
                END IF;
                EXECUTE pg_catalog.format('CREATE TRIGGER t %s %s ON %I %s FOR EACH %s EXECUTE FUNCTION gridgov.%I()',
                    b.timing, CASE ev WHEN 'I' THEN 'INSERT' WHEN 'U' THEN 'UPDATE' WHEN 'D' THEN 'DELETE' ELSE 'TRUNCATE' END,
                    t, refs, b.level, b.function_name);
                EXECUTE CASE ev WHEN 'I' THEN pg_catalog.format('INSERT INTO %I DEFAULT VALUES', t)
                                WHEN 'U' THEN pg_catalog.format('UPDATE %I SET %I = %I', t, col, col)
                                WHEN 'D' THEN pg_catalog.format('DELETE FROM %I', t)
                                ELSE pg_catalog.format('TRUNCATE %I', t) END;
                result := result || pg_catalog.format('%s %s %s %s: ran', b.function_name, b.timing, b.level, ev);
            EXCEPTION WHEN OTHERS THEN
                IF SQLSTATE <> '39P01' THEN
                    result := result || pg_catalog.format('%s %s %s %s: %s %s', b.function_name, b.timing, b.level, ev,
                                                          SQLSTATE, SQLERRM);
                END IF;
            END;
        END LOOP;
    END LOOP;
    RETURN result;
END $$;
SELECT is(pg_temp.fire_elsewhere(false), '{}'::text[],
          'every trigger function refuses (39P01) to fire on a table with other columns, as each of its bindings');
SELECT is(pg_temp.fire_elsewhere(true), '{}'::text[],
          'every trigger function refuses (39P01) to fire on a copy of its own table, as each of its bindings');

-- The reproduction of the issue: the intake statement trigger on a table with an integer category.
CREATE TEMP TABLE t3 (county gridgov.gridcode, id bigint, category integer);
CREATE TRIGGER t3_finish AFTER INSERT ON t3 REFERENCING NEW TABLE AS new_cases
    FOR EACH STATEMENT EXECUTE FUNCTION gridgov.case_intake_finish();
SELECT throws_ok($$INSERT INTO t3 VALUES ('990108', 1, 7)$$, '39P01',
                 'gridgov.case_intake_finish() may not fire here (on t3)',
                 'case_intake_finish() on another table refuses to run (39P01)');
-- Fired at another time on its own table: also refused.
CREATE TEMP TABLE t4 (LIKE gridgov.cases);
CREATE TRIGGER t4_update BEFORE UPDATE ON t4 FOR EACH ROW EXECUTE FUNCTION gridgov.case_update();
INSERT INTO t4 SELECT * FROM gridgov.cases WHERE id = pg_temp.k('sec-2');
SELECT throws_ok($$UPDATE t4 SET title = 'forged'$$, '39P01', NULL,
                 'case_update() on a copy of gridgov.cases refuses to run: no forged history');
SELECT is((SELECT pg_catalog.count(*) FROM gridgov.case_events WHERE case_id = pg_temp.k('sec-2')), 1::bigint,
          'no event was appended to the copied case''s history');
SELECT throws_ok($$SELECT gridgov.trigger_check('case_update', 'gridgov.cases'::regclass, 'AFTER', 'ROW', 'UPDATE')$$,
                 '39P01', NULL, 'trigger_check refuses the right table at the wrong time');
SELECT lives_ok($$SELECT gridgov.trigger_check('case_update', 'gridgov.cases'::regclass, 'BEFORE', 'ROW', 'UPDATE')$$,
                'trigger_check accepts a registered binding');
SELECT throws_ok($$SELECT gridgov.trigger_check('no_such_function', 'gridgov.cases'::regclass, 'AFTER', 'ROW', 'UPDATE')$$,
                 '39P01', NULL, 'trigger_check refuses a function it does not know');
SELECT throws_ok($$SELECT gridgov.trigger_check(NULL, NULL, NULL, NULL, NULL)$$, '39P01', NULL,
                 'trigger_check refuses NULLs');
SELECT throws_ok($$SELECT gridgov.case_intake_finish()$$, '39P01',
                 'gridgov.case_intake_finish() must be called as a trigger',
                 'a C trigger function called directly refuses to run (39P01)');

-- A column of gridgov.cases of another type than gridgov reads is refused, not misread.
SAVEPOINT retype;
ALTER EXTENSION gridgov DROP VIEW gridgov.my_cases;
DROP VIEW gridgov.my_cases;
ALTER TABLE gridgov.cases ALTER COLUMN coord_system TYPE varchar(20);
SELECT throws_ok(pg_catalog.format('UPDATE gridgov.cases SET title = title || ''!'' WHERE id = %s', pg_temp.k('sec-3')),
                 '42804', 'column coord_system of gridgov.cases has type character varying, not text',
                 'a retyped column of gridgov.cases is refused (42804)');
ROLLBACK TO SAVEPOINT retype;

-- A large payload: the row trigger's values live in SPI's memory, which was freed
-- before the new row was built (a crash with a payload of this size).
SELECT is((SELECT events FROM gridgov.act(pg_temp.k('sec-3'), 'whistle', NULL,
                                          pg_catalog.jsonb_build_object('departments', (SELECT pg_catalog.jsonb_agg(i) FROM pg_catalog.generate_series(1, 100000) i)),
                                          NULL)), 2,
          'an action with a 100,000-element payload is recorded');

-- 3. Times in the future ------------------------------------------------------------
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title, reported_at) VALUES ('990108', 'patrol', 'E0102', 'x', '2100-01-01')$$,
                 'GG112', 'reported_at lies in the future', 'a case reported in 2100 is refused (GG112)');
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title, reported_at) VALUES ('990108', 'patrol', 'E0102', 'x', pg_catalog.clock_timestamp() + interval '10 minutes')$$,
                 'GG112', NULL, 'a case reported 10 minutes ahead is refused with the default tolerance (5 minutes)');
SELECT throws_ok($$INSERT INTO gridgov.cases (county, source, category, title, reported_at) VALUES ('990108', 'patrol', 'E0102', 'x', 'infinity')$$,
                 'GG112', NULL, 'a case reported at infinity is refused (GG112)');
SELECT lives_ok($$INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
                  VALUES ('990108', 'patrol', 'sec-soon', 'E0102', 'x', pg_catalog.clock_timestamp() + interval '1 minute',
                          (SELECT id FROM gridgov.departments WHERE code = 'sec-cc'))$$,
                'a case reported a minute ahead (a clock a little fast) is taken in');
SET LOCAL gridgov.future_tolerance = '1h';
SELECT lives_ok($$INSERT INTO gridgov.cases (county, source, external_id, category, title, reported_at, department_id)
                  VALUES ('990108', 'patrol', 'sec-later', 'E0102', 'x', pg_catalog.clock_timestamp() + interval '30 minutes',
                          (SELECT id FROM gridgov.departments WHERE code = 'sec-cc'))$$,
                'gridgov.future_tolerance widens the window');

-- Rows marked builtin by anyone but the install script would be left out of
-- pg_dump: refused (GG201), as on the calendar tables.
SELECT throws_ok($$INSERT INTO gridgov.workflows (name, title, builtin) VALUES ('sec_builtin', 'x', true)$$,
    'GG201', 'cannot mark a row of gridgov.workflows as builtin',
    'a workflow of ours marked builtin: refused (GG201)');
SELECT throws_ok($$INSERT INTO gridgov.transitions (workflow, from_state, action, to_state, builtin)
                   VALUES ('grid_event', 'reported', 'sec_shortcut', 'closed', true)$$,
    'GG201', 'cannot mark a row of gridgov.transitions as builtin',
    'a transition of ours marked builtin: refused (GG201)');
SELECT * FROM finish();
ROLLBACK;

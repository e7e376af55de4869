-- Demo step 7: who sees what (docs/security.md, "Who sees which cases" and
-- "Citizens' contact data").  The same morning (step 040) seen by a grid
-- worker (刘洋, demo_liuyang), a functional department (孙丽 of the traffic
-- police, demo_sunli) and an analyst (demo_analyst, created here): each reads
-- the cases of its scope through gridgov.my_cases, with the reporter's name,
-- phone and address masked; the analyst reads no case at all, only the
-- PII-free facts and rates.  Then the district command center (张伟,
-- demo_zhangwei) reveals the contact data of the featured case SSP-001 with a
-- reason, and the case's history records it.  Needs steps 030 and 040.
-- Runs only where gridgov has access control (gridgov.my_cases, 1.1.0 on):
-- test/shell/upgrade.sh loads these steps into the previous release too.
\set QUIET on
SET client_min_messages = warning;
SET search_path = public, gridgov;
SET timezone = 'Asia/Shanghai';
SELECT pg_catalog.to_regclass('gridgov.my_cases') IS NOT NULL AS has_acl \gset
\if :has_acl
\pset footer off

-- The analyst: a login in gridgov_analyst, with no staff row.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'demo_analyst') THEN
        CREATE ROLE demo_analyst NOLOGIN IN ROLE gridgov_analyst;
        IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
            ALTER ROLE demo_analyst LOGIN;  -- on Citus: see 040
        END IF;
    END IF;
END
$$;

-- The morning of step 040: the day of its featured case, SSP-001.
SELECT id AS ssp, case_no AS ssp_no, (reported_at AT TIME ZONE 'Asia/Shanghai')::date AS day
FROM gridgov.cases WHERE source = 'app' AND external_id = 'SSP-001' \gset
SELECT pg_catalog.count(*) AS morning FROM gridgov.cases
WHERE reported_at >= (:'day'::date)::timestamp AT TIME ZONE 'Asia/Shanghai'
  AND reported_at < (:'day'::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' \gset

-- A statement's result, or the error it raises (SQLSTATE: message), as text.
CREATE FUNCTION pg_temp.outcome(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    EXECUTE q INTO v;
    RETURN COALESCE(v, '(null)');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- The scope gridgov makes of the current login, in one line.
CREATE FUNCTION pg_temp.scope() RETURNS TABLE (login text, staff text, department text, reads text, acts text, area text)
LANGUAGE sql AS $$
    SELECT s.login::text, st.name, d.name || ' (' || s.department_kind || ')', s.reads, s.acts,
           CASE WHEN pg_catalog.cardinality(s.grids) > 0 THEN 'grids ' || pg_catalog.array_to_string(s.grids::text[], ' ')
                WHEN s.department_kind IN ('command_center', 'government', 'community') THEN 'jurisdiction ' || s.jurisdiction::text
                ELSE 'what its department holds or has held' END
    FROM gridgov.my_scope() s
    LEFT JOIN gridgov.staff st ON st.id = s.staff_id
    LEFT JOIN gridgov.departments d ON d.id = s.department_id
$$;

\echo
\echo '== 7. Who sees what of the' :morning 'cases of' :day '(step 4''s morning): each login reads the cases of its scope'
\echo '== through gridgov.my_cases, with the reporter''s name, phone and address masked (docs/security.md)'
\echo
\echo '== 刘洋, grid worker (demo_liuyang, gridgov_worker): the cases in its grids'
SET ROLE demo_liuyang;
SELECT * FROM pg_temp.scope();
SELECT pg_catalog.count(*) AS cases, pg_catalog.count(*) FILTER (WHERE closed_at IS NULL) AS open
FROM gridgov.my_cases;
SELECT case_no, state, title, reporter_name, reporter_phone, address
FROM gridgov.my_cases ORDER BY reported_at LIMIT 5;
RESET ROLE;

\echo
\echo '== 孙丽, traffic police (demo_sunli, gridgov_department): the cases its department holds or has held'
SET ROLE demo_sunli;
SELECT * FROM pg_temp.scope();
SELECT m.case_no, m.state, d.name AS held_by, m.title, m.reporter_name, m.reporter_phone
FROM gridgov.my_cases m LEFT JOIN gridgov.departments d ON d.id = m.department_id
ORDER BY m.reported_at;
RESET ROLE;

\echo
\echo '== An analyst (demo_analyst, gridgov_analyst): no case rows, the facts and rates of every case'
SET ROLE demo_analyst;
SELECT v.what, pg_temp.outcome(v.q) AS result
FROM (VALUES
    (1, 'count(*) of gridgov.cases', 'SELECT pg_catalog.count(*) FROM gridgov.cases'),
    (2, 'count(*) of gridgov.my_cases', 'SELECT pg_catalog.count(*) FROM gridgov.my_cases'),
    (3, 'count(*) of gridgov.case_facts, the morning',
        pg_catalog.format('SELECT pg_catalog.count(*) FROM gridgov.case_facts WHERE reported_day = %L', :'day')),
    (4, 'three_rates: reported, county, the morning',
        pg_catalog.format('SELECT pg_catalog.sum(reported) FROM gridgov.three_rates WHERE period = ''day'' AND period_start = %L AND level = ''county'' AND department_id IS NULL', :'day'))
) v(n, what, q) ORDER BY v.n;
SELECT g.name AS town, r.reported, r.dispatched, r.response_rate, r.satisfaction_rate
FROM gridgov.three_rates r LEFT JOIN gridgov.grids g ON g.code = r.area AND g.valid_to = 'infinity'
WHERE r.period = 'day' AND r.period_start = :'day' AND r.level = 'town' AND r.department_id IS NULL
ORDER BY r.reported DESC, g.name LIMIT 3;
RESET ROLE;

\echo
\echo '== The contact data of' :ssp_no '(SSP-001): 刘洋 may not read it; the district center (张伟) reveals it with a reason'
SET ROLE demo_liuyang;
SELECT pg_temp.outcome(pg_catalog.format(
    'CALL gridgov.reveal_contact(%s, %L)', :ssp, '想看看')) AS "刘洋: reveal_contact";
SET ROLE demo_zhangwei;
-- A CALL, outside a transaction block: it commits the record of the look first.
CALL gridgov.reveal_contact(:ssp, '回访核实：与报案人确认消防通道已畅通');
RESET ROLE;
\echo '== ... and the case''s history records who looked, when and why (the event is chained like the others)'
SELECT e.seq, pg_catalog.to_char(e.at, 'MM-DD HH24:MI') AS at, e.action, e.actor_role, s.name AS by, e.note
FROM gridgov.case_events e LEFT JOIN gridgov.staff s ON s.id = e.actor_staff_id
WHERE e.case_id = :ssp ORDER BY e.seq DESC LIMIT 2;
SELECT pg_catalog.count(*) AS problems FROM gridgov.verify_history(:ssp) \gset
\echo '== verify_history() of' :ssp_no 'after the reveal: problems found:' :problems
\pset footer on
\set QUIET off
\else
\set QUIET off
\echo
\echo '== 7. Who sees what: skipped (this gridgov has no access control: gridgov.my_cases is missing)'
\endif

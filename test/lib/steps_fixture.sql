-- The organisation, logins and helpers of the workflow-step suites
-- (test/workflow_steps.sql, test/sla_ladder.sql), built inside the calling
-- test's transaction in the fictitious county 990501, which no other suite uses.
--
--   990501            步骤测试区 (district command center wfs-cc; wfs-bureau, a
--   │                 functional bureau, parent of wfs-f1; wfs-f2 with no parent;
--   │                 wfs-jw, the discipline commission)
--   └─ 990501001      town (command center wfs-cc-t, under wfs-cc)
--      └─ 990501001001   community
--         └─ 990501001001001  grid G (worker wfs_worker)
--
-- Logins (NOLOGIN roles, used with SET ROLE through pg_temp.as_role()), all
-- staff of the town command center wfs-cc-t, which holds the cases at intake:
--   wfs_disp    gridgov_dispatcher
--   wfs_clerk   gridgov_department
--   wfs_worker  gridgov_worker, worker of grid G
-- Cases: pg_temp.nc(label, category[, holder code, urgency, source]) files one at
-- pg_temp.t(0) = Mon 2 Mar 2026 09:00 (+08), in grid G; pg_temp.k(label) is its
-- id; pg_temp.step(label, action, minutes[, payload]) acts as the superuser at
-- t(minutes) and returns the state.
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL gridgov.duplicate_radius_m = 0;
CREATE TEMP TABLE wfs_setup AS SELECT gridgov.setup_roles();

INSERT INTO gridgov.grids (code, name, geom)
SELECT v.code::gridgov.gridcode, v.name, ST_Multi(ST_MakeEnvelope(102.00, 32.00, 102.04, 32.04, 4326))
FROM (VALUES ('990501', '步骤测试区'), ('990501001', '步骤测试街道'), ('990501001001', '步骤测试社区'),
             ('990501001001001', '步骤测试网格')) v(code, name);

INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind) VALUES
    ('wfs-cc', '步骤测试区指挥中心', 'district', '990501', 'command_center'),
    ('wfs-bureau', '步骤测试区城管委', 'district', '990501', 'functional'),
    ('wfs-f2', '步骤测试区水务局', 'district', '990501', 'functional'),
    ('wfs-jw', '步骤测试区纪委监委', 'district', '990501', 'discipline');
INSERT INTO gridgov.departments (code, name, level, jurisdiction, kind, parent_id)
SELECT v.code, v.name, v.level, v.j::gridgov.gridcode, v.kind, d.id
FROM (VALUES ('wfs-cc-t', '步骤测试街道指挥中心', 'town', '990501001', 'command_center', 'wfs-cc'),
             ('wfs-f1', '步骤测试区城管执法局', 'district', '990501', 'functional', 'wfs-bureau'),
             ('wfs-off', '步骤测试区已撤销部门', 'district', '990501', 'functional', NULL)) v(code, name, level, j, kind, parent)
LEFT JOIN gridgov.departments d ON d.code = v.parent;
UPDATE gridgov.departments SET active = false WHERE code = 'wfs-off';
CREATE FUNCTION pg_temp.dep(code text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT d.id FROM gridgov.departments d WHERE d.code = $1
$$;

CREATE ROLE wfs_disp NOLOGIN IN ROLE gridgov_dispatcher;
CREATE ROLE wfs_clerk NOLOGIN IN ROLE gridgov_department;
CREATE ROLE wfs_worker NOLOGIN IN ROLE gridgov_worker;
INSERT INTO gridgov.staff (name, department_id, db_role)
SELECT v.name, pg_temp.dep('wfs-cc-t'), v.role
FROM (VALUES ('步骤测试调度', 'wfs_disp'), ('步骤测试文员', 'wfs_clerk'), ('步骤测试网格员', 'wfs_worker')) v(name, role);
INSERT INTO gridgov.grid_staff (grid, staff_id, duty, valid_from)
SELECT '990501001001001', s.id, 'worker', '2026-01-01 00:00+08' FROM gridgov.staff s WHERE s.db_role = 'wfs_worker';

-- Time: minutes after Mon 2 Mar 2026 09:00 (+08).
CREATE FUNCTION pg_temp.t(minutes numeric) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT timestamptz '2026-03-02 09:00+08' + $1 * interval '1 minute'
$$;

-- Cases by label.
CREATE TEMP TABLE wfs_case (label text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION pg_temp.nc(label text, category text, holder text DEFAULT 'wfs-cc-t',
                           urgency gridgov.urgency DEFAULT 'normal', source text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    i bigint;
BEGIN
    INSERT INTO gridgov.cases (county, source, external_id, category, title, location, reported_at,
                               department_id, urgency)
    VALUES ('990501', COALESCE(source, CASE WHEN category LIKE 'H%' THEN 'hotline' ELSE 'patrol' END)::gridgov.case_source,
            'wfs-' || label, category, '步骤测试 ' || label, ST_SetSRID(ST_MakePoint(102.01, 32.01), 4326),
            pg_temp.t(0), pg_temp.dep(holder), urgency)
    RETURNING id INTO i;
    INSERT INTO wfs_case VALUES (label, i);
    RETURN i;
END
$$;
CREATE FUNCTION pg_temp.k(label text) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM wfs_case c WHERE c.label = $1
$$;
CREATE FUNCTION pg_temp.step(label text, action text, minutes numeric, payload jsonb DEFAULT '{}',
                             note text DEFAULT 'step') RETURNS text LANGUAGE sql AS $$
    SELECT (gridgov.act(pg_temp.k($1), $2, $5, $4, pg_temp.t($3))).state
$$;
-- The case's latest clock of a stage.
CREATE FUNCTION pg_temp.clock(label text, stage text) RETURNS gridgov.case_clocks LANGUAGE sql STABLE AS $$
    SELECT k.* FROM gridgov.case_clocks k
    WHERE k.county OPERATOR(gridgov.=) '990501' AND k.case_id = pg_temp.k($1) AND k.stage::text = $2
    ORDER BY k.seq DESC LIMIT 1
$$;
CREATE FUNCTION pg_temp.kase(label text) RETURNS gridgov.cases LANGUAGE sql STABLE AS $$
    SELECT c.* FROM gridgov.cases c WHERE c.county OPERATOR(gridgov.=) '990501' AND c.id = pg_temp.k($1)
$$;
-- The case's latest event.
CREATE FUNCTION pg_temp.last_event(label text) RETURNS gridgov.case_events LANGUAGE sql STABLE AS $$
    SELECT e.* FROM gridgov.case_events e
    WHERE e.county OPERATOR(gridgov.=) '990501' AND e.case_id = pg_temp.k($1) ORDER BY e.seq DESC LIMIT 1
$$;
-- Runs a statement as a login: 'ok', or the SQLSTATE it failed with.
CREATE FUNCTION pg_temp.as_role(login text, stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE pg_catalog.format('SET LOCAL ROLE %I', login);
    EXECUTE stmt;
    RESET ROLE;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
-- ... a call of a template with %s the case's id and %L the time t(minutes).
CREATE FUNCTION pg_temp.try(login text, template text, label text, minutes numeric) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.as_role($1, pg_catalog.format($2, pg_temp.k($3), pg_temp.t($4)))
$$;
GRANT SELECT ON wfs_case TO PUBLIC;

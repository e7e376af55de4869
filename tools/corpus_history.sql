-- tools/corpus_history.sql: labelled complaint texts as closed cases of the
-- city, with their history, through gridgov.import_history()
-- (docs/history-import.md), so that gridgov.train_text_model() can learn from
-- them (docs/assisted-intake.md).  Used by test/shell/text_corpus.sh (the
-- accuracy in make test), test/bench/140_text_model.sh (make bench) and the
-- demo.
--
--   psql -v corpus=test/data/text_corpus.tsv -f tools/corpus_history.sql
--
-- Variables (psql -v NAME=VALUE):
--   corpus   required: path (read by psql, on the client) of a UTF-8 file of
--            three tab-separated columns, no header, as test/data/README.md
--            describes: category code, date (a day, YYYY-MM-DD), text;
--            COPY's text format (a backslash escapes)
--   prefix   the external ids' prefix (default corpus): line N of the file
--            becomes external_id <prefix>-<N> (zero-padded to 7 digits), and
--            <prefix>-<N>-r<k> in repeat k > 0; give another prefix to load
--            another file beside it
--   repeat   how many times the file is loaded (default 1): repeat k (0, 1,
--            ...) is dated k periods earlier (the same texts, so do not train
--            on one repeat and score on another)
--   period   the interval between repeats (default 2 years)
--   shift    an interval added to every date (default 0), e.g. to move a
--            corpus whose last days are too recent for its timelines
--
-- What each line becomes (the same line gives the same case in every run):
--   - a case of category = the line's code; its title is the text (a text
--     over 200 characters: its first 200, the rest is the description), so
--     that the document a text model reads (title, line break, description)
--     has the features of the text itself;
--   - reported at the line's date, between 08:00 and 18:00 in Beijing time
--     (UTC+8), spread by the line number;
--   - at a point inside one of the city's current general unit grids (grids
--     with no current grid below them, valid since before the first date):
--     one of four points generated in each grid, picked by the line number;
--     the county is the one intake would give (gridgov.case_county);
--   - source: hotline for the hotline workflow, department for disputes; an
--     event by its wording (视频/监控/AI: video, 随手拍/APP: app, 领导/批示:
--     leader, 来电/市民/诉求人/反映/举报: hotline, else patrol);
--   - department: the one gridgov.route() gives its category and grid today,
--     responsible at intake and dispatched to;
--   - a short closed timeline of its category's workflow, at its own pace
--     (0.5 to 1.5 times the hours below), ending within 73 hours:
--       grid_event: file, dispatch, sign, handle, verify_pass, callback, close
--       hotline:    dispatch, sign, contact, handle, reply, callback, close
--       dispute:    mediate, agree, follow_up, close
--     every callback solved, one in ten basically satisfied, the rest satisfied.
--
-- It needs the city's grids and an organisation that routes every category
-- (e.g. tools/democity.sql and tools/demo/030_organisation.sql), and empty
-- staging tables (gridgov.import_cases, gridgov.import_steps): it stages,
-- imports and empties them in one transaction.  Lines already imported (the
-- same keys) are skipped; a line refused by the import (unknown category, a
-- date after today...) fails the whole script, with the reasons, and nothing
-- is imported.  Run it as an administrator of the import (docs/history-import.md).
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\if :{?corpus}
\else
DO $$ BEGIN
    RAISE EXCEPTION 'tools/corpus_history.sql: set the variable corpus to the path of a TSV file'
        USING ERRCODE = '22004', HINT = 'psql -v corpus=FILE -f tools/corpus_history.sql';
END $$;
\endif
\if :{?prefix}
\else
\set prefix corpus
\endif
\if :{?repeat}
\else
\set repeat 1
\endif
\if :{?period}
\else
\set period '2 years'
\endif
\if :{?shift}
\else
\set shift '0 days'
\endif

BEGIN;
CREATE TEMP TABLE corpus_in (
    line  bigint GENERATED ALWAYS AS IDENTITY,
    label text,
    day   date,
    text  text
) ON COMMIT DROP;
\setenv GRIDGOV_CORPUS :corpus
\copy corpus_in (label, day, text) FROM PROGRAM 'cat -- "$GRIDGOV_CORPUS"' WITH (FORMAT text)

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM gridgov.import_cases) OR EXISTS (SELECT 1 FROM gridgov.import_steps) THEN
        RAISE EXCEPTION 'the staging tables gridgov.import_cases and gridgov.import_steps are not empty'
            USING ERRCODE = '55000', HINT = 'Import or empty what is staged there first.';
    END IF;
END
$$;

-- The lines, each repeat, with their time, pace and workflow.
CREATE TEMP TABLE corpus_cases ON COMMIT DROP AS
SELECT i.line, r.k, i.label, i.text, c.workflow,
       :'prefix' || '-' || pg_catalog.lpad(i.line::text, 7, '0')
           || CASE WHEN r.k > 0 THEN '-r' || r.k ELSE '' END AS external_id,
       (i.day + :'shift'::interval - r.k * :'period'::interval
            + interval '8 hours' + (i.line * 37 % 600) * interval '1 minute')::timestamp
           AT TIME ZONE 'Asia/Shanghai' AS reported_at,
       0.5 + (i.line * 13 % 11) / 10.0 AS pace
FROM corpus_in i
CROSS JOIN pg_catalog.generate_series(0, :'repeat'::integer - 1) r(k)
LEFT JOIN gridgov.categories c ON c.code = i.label;

-- Four points in each current general unit grid valid since before the first date.
CREATE TEMP TABLE corpus_points ON COMMIT DROP AS
SELECT pg_catalog.row_number() OVER (ORDER BY g.code, d.path) AS i, g.code AS grid, d.geom
FROM gridgov.grids g
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.geom, 4, 1)) d
WHERE g.valid_to = 'infinity' AND g.kind = 'general'
  AND g.valid_from <= (SELECT pg_catalog.min(reported_at) FROM corpus_cases)
  AND NOT EXISTS (SELECT 1 FROM gridgov.grids s
                  WHERE s.valid_to = 'infinity' AND s.code OPERATOR(gridgov.<@) g.code
                    AND s.code OPERATOR(gridgov.<>) g.code);
SELECT pg_catalog.count(*) AS npoints FROM corpus_points \gset
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM corpus_points) THEN
        RAISE EXCEPTION 'the city has no current general unit grid to place the corpus in'
            USING ERRCODE = '55000', HINT = 'Load the grids first (tools/democity.sql).';
    END IF;
END
$$;

CREATE TEMP TABLE corpus_placed ON COMMIT DROP AS
SELECT c.*, p.grid, p.geom
FROM corpus_cases c
JOIN corpus_points p ON p.i = 1 + (c.line * 7919 + c.k * 104729) % :npoints;

-- The routed department of each (category, grid) once.
CREATE TEMP TABLE corpus_routes ON COMMIT DROP AS
SELECT x.label, x.grid, d.code AS department
FROM (SELECT DISTINCT p.label, p.grid FROM corpus_placed p WHERE p.workflow IS NOT NULL) x
LEFT JOIN gridgov.departments d ON d.id = gridgov.route(x.label, x.grid);

INSERT INTO gridgov.import_cases (county, source, external_id, category, title, description, location,
                                  coord_system, department, reported_at)
SELECT gridgov.case_county(p.geom, 'wgs84', NULL, p.reported_at), s.source, p.external_id, p.label,
       CASE WHEN pg_catalog.length(p.text) <= 200 THEN p.text ELSE pg_catalog."left"(p.text, 200) END,
       CASE WHEN pg_catalog.length(p.text) > 200 THEN pg_catalog.substr(p.text, 201) END,
       p.geom, 'wgs84', r.department, p.reported_at
FROM corpus_placed p
LEFT JOIN corpus_routes r ON r.label = p.label AND r.grid OPERATOR(gridgov.=) p.grid
CROSS JOIN LATERAL (SELECT (CASE
        WHEN p.workflow = 'hotline' THEN 'hotline'
        WHEN p.workflow = 'dispute' THEN 'department'
        WHEN p.text ~ '视频|监控|AI' THEN 'video'
        WHEN p.text ~* '随手拍|APP' THEN 'app'
        WHEN p.text ~ '领导|批示' THEN 'leader'
        WHEN p.text ~ '来电|市民|诉求人|反映|举报' THEN 'hotline'
        ELSE 'patrol' END)::gridgov.case_source AS source) s;

-- The timelines: (workflow, seq, action, hours after reporting at pace 1,
-- taken by the case's department?, callback?).
CREATE TEMP TABLE corpus_timeline (workflow text, seq integer, action text, hours numeric,
                                   dept boolean, answer boolean) ON COMMIT DROP;
INSERT INTO corpus_timeline VALUES
    ('grid_event', 1, 'file', 0.3, false, false), ('grid_event', 2, 'dispatch', 0.5, true, false),
    ('grid_event', 3, 'sign', 1.5, true, false), ('grid_event', 4, 'handle', 20, true, false),
    ('grid_event', 5, 'verify_pass', 22, false, false), ('grid_event', 6, 'callback', 26, false, true),
    ('grid_event', 7, 'close', 26.2, false, false),
    ('hotline', 1, 'dispatch', 0.3, true, false), ('hotline', 2, 'sign', 2, true, false),
    ('hotline', 3, 'contact', 3, true, false), ('hotline', 4, 'handle', 30, true, false),
    ('hotline', 5, 'reply', 31, true, false), ('hotline', 6, 'callback', 48, false, true),
    ('hotline', 7, 'close', 48.2, false, false),
    ('dispute', 1, 'mediate', 2, true, false), ('dispute', 2, 'agree', 40, true, false),
    ('dispute', 3, 'follow_up', 46, false, true), ('dispute', 4, 'close', 46.2, false, false);
INSERT INTO gridgov.import_steps (county, source, external_id, seq, at, action, department, solved, satisfaction)
SELECT s.county, s.source, s.external_id, t.seq, p.reported_at + t.hours * p.pace * interval '1 hour', t.action,
       CASE WHEN t.dept THEN s.department END,
       CASE WHEN t.answer THEN true END,
       CASE WHEN t.answer THEN (CASE WHEN p.line % 10 = 0 THEN 'basically_satisfied' ELSE 'satisfied' END)::gridgov.satisfaction END
FROM gridgov.import_cases s
JOIN corpus_placed p ON p.external_id = s.external_id
JOIN corpus_timeline t ON t.workflow = p.workflow;

SELECT staged, imported, skipped, rejected FROM gridgov.import_history() \gset
SELECT pg_catalog.set_config('corpus.staged', :'staged', true), pg_catalog.set_config('corpus.rejected', :'rejected', true),
       pg_catalog.set_config('corpus.prefix', :'prefix', true) \g /dev/null
DO $$
DECLARE
    reasons text;
BEGIN
    IF pg_catalog.current_setting('corpus.rejected')::bigint > 0 THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('%s x %s', n, reason), '; ' ORDER BY n DESC, reason) INTO reasons
        FROM (SELECT reason, pg_catalog.count(*) AS n FROM gridgov.import_rejects
              WHERE external_id LIKE pg_catalog.current_setting('corpus.prefix') || '-%'
              GROUP BY reason ORDER BY n DESC, reason LIMIT 5) r;
        RAISE EXCEPTION 'the import refused % of the corpus'' % cases: nothing imported',
            pg_catalog.current_setting('corpus.rejected'), pg_catalog.current_setting('corpus.staged')
            USING ERRCODE = '22023', DETAIL = 'Reasons: ' || reasons || '.';
    END IF;
END
$$;
TRUNCATE gridgov.import_cases, gridgov.import_steps;
COMMIT;
\echo 'corpus' :corpus 'x' :repeat ': ' :staged 'cases staged, ' :imported 'imported, ' :skipped 'already there (skipped)'

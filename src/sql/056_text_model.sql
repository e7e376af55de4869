-- ---------------------------------------------------------------------------
-- Assisted intake: text models learned from closed cases (docs/assisted-intake.md).
-- Features and classifier are C (src/cases/textfeatures.c, textmodel*.c); a
-- model is a row of gridgov.text_models, read once per backend and kept by
-- name (the cache "text models", dropped when the table changes).
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.text_models (
    name          text COLLATE pg_catalog."C" PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
    target        text NOT NULL CHECK (target IN ('category', 'department')),
    trained_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    since         timestamptz NOT NULL,
    until         timestamptz NOT NULL,
    training_rows bigint NOT NULL CHECK (training_rows > 0),
    classes       integer NOT NULL CHECK (classes > 0),
    params        bytea NOT NULL,
    held_out      jsonb NOT NULL,
    CHECK (since < until)
);
SELECT pg_catalog.pg_extension_config_dump('gridgov.text_models', '');
COMMENT ON TABLE gridgov.text_models IS
    'Text models learned from closed cases (gridgov.train_text_model()): naive Bayes over hashed character and word n-grams of a case''s title and description, one row per model name; read by gridgov.suggest_category() and gridgov.suggest_department()';
COMMENT ON COLUMN gridgov.text_models.name IS 'Name of the model (letters, digits, _ . -; at most 63)';
COMMENT ON COLUMN gridgov.text_models.target IS 'What it predicts: category (gridgov.cases.category) or department (the department that finally handled the case without returning it)';
COMMENT ON COLUMN gridgov.text_models.trained_at IS 'When it was trained';
COMMENT ON COLUMN gridgov.text_models.since IS 'Start of the training period (cases reported at or after it)';
COMMENT ON COLUMN gridgov.text_models.until IS 'End of the training period (cases reported before it)';
COMMENT ON COLUMN gridgov.text_models.training_rows IS 'Number of closed cases it was trained on';
COMMENT ON COLUMN gridgov.text_models.classes IS 'Number of labels (categories or departments) it knows';
COMMENT ON COLUMN gridgov.text_models.params IS 'The model''s stored form (format in src/cases/textmodel.h; described by gridgov.text_model_info())';
COMMENT ON COLUMN gridgov.text_models.held_out IS 'Scores on the latest 10% of the training cases by reported_at, of a model trained on the earlier 90%: rows, accuracy, macro_f1 (null when fewer than 10 cases)';

CREATE FUNCTION gridgov.text_model_fit_step(internal, text, text, integer, text, real) RETURNS internal
    AS 'MODULE_PATHNAME', 'gridgov_text_model_fit_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_fit_step(internal, text, text, integer, text, real) IS
    'Internal: transition function of gridgov.text_model_fit()';
CREATE FUNCTION gridgov.text_model_fit_final(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'gridgov_text_model_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_fit_final(internal) IS
    'Internal: final function of gridgov.text_model_fit()';
CREATE AGGREGATE gridgov.text_model_fit(label text, doc text, bits integer, variant text, alpha real) (
    SFUNC = gridgov.text_model_fit_step,
    STYPE = internal,
    FINALFUNC = gridgov.text_model_fit_final
);
COMMENT ON AGGREGATE gridgov.text_model_fit(text, text, integer, text, real) IS
    'Internal: the stored form of a naive Bayes model (variant complement or multinomial, 2^bits hashed features, smoothing alpha) fitted on (label, text) rows; NULL for no rows';

CREATE FUNCTION gridgov.text_model_classify(params bytea, docs text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'gridgov_text_model_classify' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_classify(bytea, text[]) IS
    'Internal: the most probable label for each text, by the model of stored form params';

CREATE FUNCTION gridgov.text_model_info(params bytea) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'gridgov_text_model_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_info(bytea) IS
    'What a text model''s stored form holds: version, variant, bits, alpha, classes, documents, buckets (features seen in training) and bytes; not executable by PUBLIC (reading a stored form costs memory in the size of its weights), granted to gridgov_admin';
REVOKE EXECUTE ON FUNCTION gridgov.text_model_info(bytea) FROM PUBLIC;

CREATE FUNCTION gridgov.text_model_suggest(model text, target text, doc text, k integer)
    RETURNS TABLE (label text, probability double precision, words text[])
    AS 'MODULE_PATHNAME', 'gridgov_text_model_suggest' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 3;
COMMENT ON FUNCTION gridgov.text_model_suggest(text, text, text, integer) IS
    'Internal: the k most probable labels of model (which must predict target) for a text, with the features that weighed most for the first; no rows for a NULL text';

CREATE FUNCTION gridgov.text_model_document(title text, description text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_text_model_document' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.text_model_document(text, text) IS
    'The text a model reads of a case: its title, a line break, its description (none: empty); the same at training and at intake. NULL for a NULL title';

-- The training rows of a target: closed cases reported in [since, until),
-- with their text (title, then description) and label.  The department of a
-- case is its department_id at close, unless a return of it was approved
-- after its last dispatch (then no department finally kept it: left out).
CREATE FUNCTION gridgov.text_model_rows(target text, since timestamptz, until timestamptz)
    RETURNS TABLE (label text, doc text, reported_at timestamptz, id bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
    SELECT CASE target WHEN 'category' THEN c.category ELSE c.department_id::text END,
           gridgov.text_model_document(c.title, c.description), c.reported_at, c.id
    FROM gridgov.cases c
    WHERE c.closed_at IS NOT NULL
      AND c.reported_at >= since AND c.reported_at < until
      AND (target = 'category'
           OR (target = 'department' AND c.department_id IS NOT NULL
               AND NOT EXISTS (
                   SELECT 1 FROM gridgov.case_events r
                   WHERE r.county = c.county AND r.case_id = c.id AND r.action = 'approve_return'
                     AND r.seq > COALESCE((SELECT max(d.seq) FROM gridgov.case_events d
                                           WHERE d.county = c.county AND d.case_id = c.id
                                             AND d.action = 'dispatch'), 0))))
    $$;
COMMENT ON FUNCTION gridgov.text_model_rows(text, timestamptz, timestamptz) IS
    'Internal: the training rows of target (category or department) from the closed cases reported in [since, until): label, text, reported_at, id';

CREATE FUNCTION gridgov.text_model_scores(actual text[], predicted text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
    WITH p AS (SELECT u.a, u.b FROM unnest(actual, predicted) AS u(a, b)),
    classes AS (SELECT p.a AS c FROM p UNION SELECT p.b FROM p WHERE p.b IS NOT NULL),
    per AS (
        SELECT k.c, count(*) FILTER (WHERE p.a = k.c AND p.b = k.c) AS tp,
               count(*) FILTER (WHERE p.b = k.c) AS predicted, count(*) FILTER (WHERE p.a = k.c) AS support
        FROM classes k CROSS JOIN p GROUP BY k.c),
    m AS (
        SELECT per.*, CASE WHEN predicted > 0 THEN tp::float8 / predicted ELSE 0 END AS prec,
               CASE WHEN support > 0 THEN tp::float8 / support ELSE 0 END AS rec
        FROM per)
    SELECT jsonb_build_object(
        'rows', (SELECT count(*) FROM p),
        'accuracy', (SELECT round((count(*) FILTER (WHERE p.a = p.b))::numeric / NULLIF(count(*), 0), 4) FROM p),
        'macro_f1', (SELECT round(avg(CASE WHEN prec + rec > 0 THEN 2 * prec * rec / (prec + rec) ELSE 0 END)::numeric, 4)
                     FROM m WHERE support > 0),
        'classes', (SELECT jsonb_object_agg(m.c, jsonb_build_object(
                        'precision', round(prec::numeric, 4), 'recall', round(rec::numeric, 4),
                        'support', support)) FROM m),
        'confusion', (SELECT jsonb_object_agg(x.a, x.row)
                      FROM (SELECT y.a, jsonb_object_agg(COALESCE(y.b, ''), y.n) AS row
                            FROM (SELECT p.a, p.b, count(*) AS n FROM p GROUP BY p.a, p.b) y
                            GROUP BY y.a) x))
    $$;
COMMENT ON FUNCTION gridgov.text_model_scores(text[], text[]) IS
    'Internal: scores of predictions against actual labels: rows, accuracy, macro_f1 (mean F1 over the labels that occur in actual), per-label precision, recall and support, and the confusion matrix {actual: {predicted: n}}';

CREATE FUNCTION gridgov.train_text_model(name text, target text, since timestamptz, until timestamptz,
                                         bits integer DEFAULT 18, variant text DEFAULT 'complement',
                                         alpha real DEFAULT 1.0)
    RETURNS gridgov.text_models
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
DECLARE
    n bigint;
    held bigint;
    held_params bytea;
    tested record;
    scores jsonb;
    r gridgov.text_models;
BEGIN
    IF name IS NULL OR target IS NULL OR since IS NULL OR until IS NULL THEN
        RAISE EXCEPTION 'the name, target and period of a text model must not be null'
            USING ERRCODE = '22004';
    END IF;
    IF target NOT IN ('category', 'department') THEN
        RAISE EXCEPTION 'unknown text model target "%"', target
            USING ERRCODE = '22023', HINT = 'The target is category or department.';
    END IF;
    -- A retrain keeps a model's target: intake asks gridgov.intake_text_model for
    -- categories, and a name turned into a department model would silently stop it.
    IF EXISTS (SELECT 1 FROM gridgov.text_models m
               WHERE m.name = train_text_model.name AND m.target <> train_text_model.target) THEN
        RAISE EXCEPTION 'text model "%" predicts %, not %', name,
            (SELECT m.target FROM gridgov.text_models m WHERE m.name = train_text_model.name), target
            USING ERRCODE = '22023', HINT = 'Train it under another name, or delete it first.';
    END IF;
    SELECT count(*) INTO n FROM gridgov.text_model_rows(target, since, until);
    IF n = 0 THEN
        RAISE EXCEPTION 'text model "%" would be trained on no rows', name
            USING ERRCODE = '22023',
                  DETAIL = 'No closed case with a label was reported in the period.',
                  HINT = 'Choose a period with closed cases.';
    END IF;
    held := n / 10;
    scores := jsonb_build_object('rows', held, 'accuracy', NULL, 'macro_f1', NULL);
    IF held > 0 THEN
        SELECT gridgov.text_model_fit(t.label, t.doc, bits, variant, alpha) INTO held_params
        FROM (SELECT * FROM gridgov.text_model_rows(target, since, until) x
              ORDER BY x.reported_at, x.id LIMIT n - held) t;
        SELECT array_agg(t.label ORDER BY t.reported_at, t.id) AS labels,
               array_agg(t.doc ORDER BY t.reported_at, t.id) AS docs INTO tested
        FROM (SELECT * FROM gridgov.text_model_rows(target, since, until) x
              ORDER BY x.reported_at, x.id OFFSET n - held) t;
        scores := gridgov.text_model_scores(tested.labels,
                                            gridgov.text_model_classify(held_params, tested.docs))
                  - 'classes' - 'confusion';
    END IF;
    INSERT INTO gridgov.text_models AS m (name, target, trained_at, since, until, training_rows, classes,
                                          params, held_out)
    SELECT train_text_model.name, target, pg_catalog.now(), since, until, n,
           (gridgov.text_model_info(f.params)->>'classes')::integer, f.params, scores
    FROM (SELECT gridgov.text_model_fit(t.label, t.doc, bits, variant, alpha) AS params
          FROM gridgov.text_model_rows(target, since, until) t) f
    ON CONFLICT ON CONSTRAINT text_models_pkey DO UPDATE
        SET trained_at = EXCLUDED.trained_at, since = EXCLUDED.since,
            until = EXCLUDED.until, training_rows = EXCLUDED.training_rows,
            classes = EXCLUDED.classes, params = EXCLUDED.params, held_out = EXCLUDED.held_out
    RETURNING m.* INTO r;
    RETURN r;
END
$$;
COMMENT ON FUNCTION gridgov.train_text_model(text, text, timestamptz, timestamptz, integer, text, real) IS
    'Administration: trains (or retrains) the text model name for target category or department from the closed cases reported in [since, until): scores a model of the earlier 90% on the latest 10% (held_out), then fits on all; bits (10-24) is the log2 of the hashed feature space, variant complement or multinomial naive Bayes, alpha the smoothing; returns the row';

CREATE FUNCTION gridgov.evaluate_text_model(name text, folds integer DEFAULT 5) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
DECLARE
    m gridgov.text_models;
    info jsonb;
    n bigint;
    f integer;
    fold record;
    actual text[] := '{}';
    predicted text[] := '{}';
    per_fold jsonb := '[]';
BEGIN
    IF name IS NULL OR folds IS NULL THEN
        RAISE EXCEPTION 'the name and folds of an evaluation must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO m FROM gridgov.text_models t WHERE t.name = evaluate_text_model.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'text model "%" does not exist', name USING ERRCODE = '42704';
    END IF;
    IF folds < 1 OR folds > 20 THEN
        RAISE EXCEPTION 'the number of folds must be between 1 and 20' USING ERRCODE = '22023';
    END IF;
    info := gridgov.text_model_info(m.params);
    SELECT count(*) INTO n FROM gridgov.text_model_rows(m.target, m.since, m.until);
    IF n < folds + 1 THEN
        RAISE EXCEPTION 'text model "%" has too few training rows for % folds', name, folds
            USING ERRCODE = '22023', DETAIL = pg_catalog.format('It has %s rows; folds + 1 are needed.', n);
    END IF;
    FOR f IN 2 .. folds + 1 LOOP
        WITH r AS (SELECT t.*, ntile(folds + 1) OVER (ORDER BY t.reported_at, t.id) AS chunk
                   FROM gridgov.text_model_rows(m.target, m.since, m.until) t),
        model AS (SELECT gridgov.text_model_fit(r.label, r.doc, (info->>'bits')::integer,
                                                info->>'variant', (info->>'alpha')::real) AS params
                  FROM r WHERE r.chunk < f),
        test AS (SELECT array_agg(r.label ORDER BY r.reported_at, r.id) AS labels,
                        array_agg(r.doc ORDER BY r.reported_at, r.id) AS docs
                 FROM r WHERE r.chunk = f)
        SELECT test.labels, gridgov.text_model_classify(model.params, test.docs) AS guesses
        INTO fold FROM model, test;
        actual := actual || fold.labels;
        predicted := predicted || fold.guesses;
        per_fold := per_fold || (gridgov.text_model_scores(fold.labels, fold.guesses)
                                 - 'classes' - 'confusion');
    END LOOP;
    RETURN gridgov.text_model_scores(actual, predicted)
        || jsonb_build_object('folds', folds, 'per_fold', per_fold);
END
$$;
COMMENT ON FUNCTION gridgov.evaluate_text_model(text, integer) IS
    'Administration: scores the training of model name by time (rolling origin): its training cases in reported_at order are cut into folds + 1 equal parts; for each part after the first, a model of the same parameters fitted on the parts before it classifies it. Returns rows, accuracy, macro_f1, per-label precision/recall/support (classes), the confusion matrix {actual: {predicted: n}}, folds and per_fold scores';

CREATE FUNCTION gridgov.suggest_category(text text, k integer DEFAULT 3, model text DEFAULT 'category')
    RETURNS TABLE (label text, probability double precision, words text[])
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
    SELECT s.label, s.probability, s.words
    FROM gridgov.text_model_suggest(model, 'category', pg_catalog."left"(text, 100000), k) s
    $$;
COMMENT ON FUNCTION gridgov.suggest_category(text, integer, text) IS
    'The k (1-1000) most probable categories of a complaint''s words by text model model (target category), with probabilities and, on the first row, the words that weighed most for it; no rows for a NULL text; only the first 100,000 characters are read';

CREATE FUNCTION gridgov.suggest_department(text text, grid gridgov.gridcode, k integer DEFAULT 3,
                                           model text DEFAULT 'department')
    RETURNS TABLE (department_id bigint, probability double precision, words text[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
BEGIN
    IF k IS NULL OR k < 1 OR k > 1000 THEN
        RAISE EXCEPTION 'the number of suggestions must be between 1 and 1000' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT s.label::bigint, s.probability, s.words
    FROM gridgov.text_model_suggest(model, 'department', "left"(text, 100000), 1000)
         WITH ORDINALITY AS s(label, probability, words, rank)
    WHERE grid IS NULL
       OR EXISTS (SELECT 1 FROM gridgov.departments d
                  WHERE d.id = s.label::bigint AND d.active AND d.jurisdiction @> grid)
    ORDER BY s.rank
    LIMIT k;
END
$$;
COMMENT ON FUNCTION gridgov.suggest_department(text, gridgov.gridcode, integer, text) IS
    'The k (1-1000) most probable departments to handle a complaint''s words by text model model (target department), with the model''s probabilities and the words that weighed most for its first choice (on that department''s row, when kept); when grid is given only active departments whose jurisdiction contains it are kept; no rows for a NULL text';

-- Replaying dispatch: how often the first dispatch of a period's cases would
-- have been right, by today's routing rules, by a department model, and by the
-- rules with the model where the rules fall back to a command center (no
-- component owner and no rule matched: explain_route()'s chosen step is a
-- center; where the model has no answer the center stays).  The truth is the
-- department that finally handled each case, as the department model learns
-- it (text_model_rows('department', ...), its one definition).
CREATE FUNCTION gridgov.dispatch_replay(since timestamptz, until timestamptz, model text DEFAULT 'department')
    RETURNS TABLE (method text, cases bigint, correct bigint, accuracy numeric,
                   fallback bigint, fallback_correct bigint, unanswered bigint, in_training_period bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 3
    SET search_path = pg_catalog, gridgov, pg_temp
    AS $$
#variable_conflict use_column
DECLARE
    m gridgov.text_models;
BEGIN
    IF dispatch_replay.since IS NULL OR dispatch_replay.until IS NULL OR dispatch_replay.model IS NULL THEN
        RAISE EXCEPTION 'the period and model of a dispatch replay must not be null' USING ERRCODE = '22004';
    END IF;
    IF dispatch_replay.since >= dispatch_replay.until THEN
        RAISE EXCEPTION 'the period of a dispatch replay must end after it starts' USING ERRCODE = '22023';
    END IF;
    -- The model must exist (42704) and predict departments (22023), checked
    -- and reported as suggest_department() does, even when no case is replayed.
    PERFORM FROM gridgov.text_model_suggest(dispatch_replay.model, 'department', NULL, 1);
    SELECT * INTO m FROM gridgov.text_models t WHERE t.name = dispatch_replay.model;
    RETURN QUERY
    WITH truth AS (
        SELECT r.label::bigint AS actual, r.doc, r.reported_at, c.category, c.grid, c.objcode
        FROM gridgov.text_model_rows('department', dispatch_replay.since, dispatch_replay.until) r
        JOIN gridgov.cases c ON c.id = r.id
    ),
    answered AS (
        SELECT t.actual, t.reported_at, e.department_id AS by_rules,
               COALESCE(e.step IN ('town center', 'district center', 'home center'), false) AS fell_back,
               (SELECT s.department_id
                FROM gridgov.suggest_department(t.doc, t.grid, 1, dispatch_replay.model) s) AS by_model
        FROM truth t
        LEFT JOIN LATERAL (SELECT x.department_id, x.step
                           FROM gridgov.explain_route(t.category, t.grid, t.objcode) x
                           WHERE x.chosen) e ON true
    ),
    per_method AS (
        SELECT v.method, v.answer, a.actual, a.fell_back, a.reported_at
        FROM answered a
        CROSS JOIN LATERAL (VALUES ('rules', a.by_rules), ('model', a.by_model),
                                   ('rules+model', CASE WHEN a.fell_back THEN COALESCE(a.by_model, a.by_rules)
                                                             ELSE a.by_rules END))
                           AS v(method, answer)
    )
    SELECT k.method, count(p.actual), count(*) FILTER (WHERE p.answer = p.actual),
           round((count(*) FILTER (WHERE p.answer = p.actual))::numeric / NULLIF(count(p.actual), 0), 4),
           count(*) FILTER (WHERE p.fell_back),
           count(*) FILTER (WHERE p.fell_back AND p.answer = p.actual),
           count(*) FILTER (WHERE p.actual IS NOT NULL AND p.answer IS NULL),
           CASE WHEN k.method <> 'rules' THEN count(*) FILTER (WHERE p.reported_at >= m.since AND p.reported_at < m.until) END
    FROM (VALUES (1, 'rules'), (2, 'model'), (3, 'rules+model')) AS k(ord, method)
    LEFT JOIN per_method p ON p.method = k.method
    GROUP BY k.ord, k.method
    ORDER BY k.ord;
END
$$;
COMMENT ON FUNCTION gridgov.dispatch_replay(timestamptz, timestamptz, text) IS
    'Administration: replays the first dispatch of the closed cases reported in [since, until) against the department that finally handled each without returning it (the truth of a department model): one row per method — rules (gridgov.route() with today''s rules), model (the first of gridgov.suggest_department() by text model model), rules+model (the rules, but the model where the rules fall back to a command center — no component owner and no rule matched — unless it has no answer) — with cases, correct, accuracy (NULL for no cases), fallback (cases the rules sent to a center by 属地兜底), fallback_correct (of those, how many the method got right), unanswered (no department given) and, for the methods that use the model, in_training_period (cases reported in the model''s training period, on which it is not tested fresh)';

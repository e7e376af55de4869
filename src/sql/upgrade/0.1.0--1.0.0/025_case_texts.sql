-- The limits of a case's texts without raising, for the history import's checks
-- (src/sql/055_cases.sql, src/cases/case_texts.c).
CREATE FUNCTION gridgov.case_texts_problem(external_id text, title text, description text, address text,
                                           reporter_name text, reporter_phone text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_case_texts_problem' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.case_texts_problem(text, text, text, text, text, text) IS
    'The limits of check constraint cases_texts (gridgov.case_texts_ok) without raising: NULL when every value is within its limits, else which is not and its length, e.g. "title must have 1 to 500 characters, not 612" (the history import''s check)';

-- Open311's mask_personal hands other digits than ASCII ones to mask_numbers (src/sql/086_analytics_open311.sql).
CREATE OR REPLACE FUNCTION gridgov.mask_personal(txt text, reporter_name text, reporter_phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN gridgov.mask_numbers(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
           CASE WHEN pg_catalog.length(reporter_name) >= 2
                THEN pg_catalog.replace(CASE WHEN reporter_phone <> '' THEN pg_catalog.replace(txt, reporter_phone, '***')
                                             ELSE txt END, reporter_name, '**')
                ELSE CASE WHEN reporter_phone <> '' THEN pg_catalog.replace(txt, reporter_phone, '***') ELSE txt END END,
           '\+?[0-9][0-9 ()-]{5,}[0-9]', '***', 'g'),
       '[^[:space:]@]+@[^[:space:]@]+', '***', 'g'));
COMMENT ON FUNCTION gridgov.mask_personal(text, text, text) IS
    'Free text with the reporter''s name (2 characters or more) replaced by **, and the reporter''s phone, any run of 7 or more ASCII digits (with spaces, dashes or brackets) and any e-mail address replaced by ***; then numbers in other digits (full-width, Chinese numerals...) masked by gridgov.mask_numbers';

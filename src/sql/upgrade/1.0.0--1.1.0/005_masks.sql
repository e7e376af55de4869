-- The masks of citizens' contact data (src/sql/055_cases.sql, as it is there).
-- Masks of citizens' contact data (src/cases/mask.c, contact.c; docs/security.md) ---

CREATE FUNCTION gridgov.mask_phone(phone text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_phone' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_phone(text) IS
    'A phone number masked: of its n digits (ASCII, full-width, Chinese numerals, circled, mathematical or Arabic-Indic) the first 3 and the last 4 are kept when n >= 11, the last 4 when 7 <= n < 11; separators are kept; below 7 digits every other character is starred too. 13800138000 -> 138****8000';
CREATE FUNCTION gridgov.mask_name(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_name' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_name(text) IS
    'A person''s name masked: the first character kept, every other character but spaces starred (a name of one character, spaces aside, is starred). 张三丰 -> 张**';
CREATE FUNCTION gridgov.mask_address(address text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_address' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_address(text) IS
    'An address masked: every digit starred, and Chinese numerals before 号, 栋, 幢, 楼, 单(元), 层, 室, 门 or 户, so the street or estate stays (三羊里) and the building, unit and door numbers go. 兴华大街3号院2号楼 -> 兴华大街*号院*号楼';
CREATE FUNCTION gridgov.mask_numbers(txt text) RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_mask_numbers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.mask_numbers(text) IS
    'Free text with each run of 7 or more digits (as gridgov.mask_phone counts them; up to three separators in a row between them: spaces, dashes, dots, slashes, brackets, tildes, full-width ones; an ID number''s final X) masked as gridgov.mask_phone masks a phone, and the local part of each e-mail address but its first character: phone, ID and bank card numbers and e-mail addresses inside a description. 身份证110101199003071234 -> 身份证110***********1234';
CREATE FUNCTION gridgov.contact_columns() RETURNS text[]
    AS 'MODULE_PATHNAME', 'gridgov_contact_columns' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.contact_columns() IS
    'The columns of gridgov.cases that hold citizens'' contact data (reporter_name, reporter_phone, address, description): the group roles may not read them (gridgov.setup_roles grants every other column), gridgov.my_cases and act() mask them, gridgov.reveal_contact reads them';


-- ---------------------------------------------------------------------------
-- The registry of gridgov's triggers (src/triggers.c): every trigger
-- function fires only on the table, at the time and for the events it was
-- written for, and refuses anything else (39P01).
-- ---------------------------------------------------------------------------

CREATE FUNCTION gridgov.trigger_check(fn text, relid oid, tg_when text, tg_level text, tg_op text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'gridgov_trigger_check' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.trigger_check(text, oid, text, text, text) IS
    'Building block of every PL/pgSQL trigger function of gridgov, called first with its own name and TG_RELID, TG_WHEN, TG_LEVEL, TG_OP: refuses (39P01) a firing that gridgov.trigger_bindings() does not list, e.g. the function attached to another table; returns the gridgov table the firing is bound to (TG_TABLE_NAME is a shard''s name under Citus)';

CREATE FUNCTION gridgov.trigger_bindings()
    RETURNS TABLE (function_name text, table_name text, timing text, level text, events text)
    AS 'MODULE_PATHNAME', 'gridgov_trigger_bindings' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 70;
COMMENT ON FUNCTION gridgov.trigger_bindings() IS
    'Where each trigger function of gridgov may fire: the function, the table (in schema gridgov), BEFORE or AFTER, ROW or STATEMENT, and the events (I insert, U update, D delete, T truncate); compiled into the module, checked against the installed triggers by test/catalog.sql';

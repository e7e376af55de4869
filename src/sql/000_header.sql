-- gridgov install script, built by concatenating src/sql/NNN_*.sql in name order.
-- Everything lives in schema gridgov (created by CREATE EXTENSION from the control
-- file).  Built-ins are qualified with pg_catalog, PostGIS with its own schema via
-- @extschema:postgis@ where the PostgreSQL version allows, else the search_path that
-- CREATE EXTENSION sets (gridgov, then the schemas of required extensions).

\echo Use "CREATE EXTENSION gridgov CASCADE" to load this file. \quit

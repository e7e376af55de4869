-- gridgov upgrade script, concatenated by `make` from src/sql/upgrade/FROM--TO/*.sql.
-- Run through ALTER EXTENSION gridgov UPDATE, never with psql.
\echo Use "ALTER EXTENSION gridgov UPDATE" to load this file. \quit

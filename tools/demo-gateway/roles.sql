-- make demo: the gateway's login and the roles its demo keys act as
-- (docs/gateway.md, "Keys and roles").  Run by tools/demo.sh after the demo's
-- steps, as the superuser; tools/demo.sh then makes the keys.
--   demo_gateway  the gateway's login: NOINHERIT, so it has no rights of its own,
--                 only those of the role it switches to for each request;
--   demo_app      a citizens' app (an Open311 client): gridgov_reporter;
--   demo_zhangwei the district command center (step 030), whose key the screen uses.
\set QUIET on
SET client_min_messages = warning;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'demo_gateway') THEN
        CREATE ROLE demo_gateway LOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'demo_app') THEN
        CREATE ROLE demo_app NOLOGIN IN ROLE gridgov_reporter;
    END IF;
END
$$;
GRANT gridgov_gateway, gridgov_open311, demo_app, demo_zhangwei TO demo_gateway;
DELETE FROM gridgov.api_keys WHERE label IN ('demo-app', 'demo-screen');

'use strict';
// What every gateway test needs: the gateway started in-process on a free port
// against the test database, and a superuser connection for setting up and
// checking (PGHOST/PGPORT/PGDATABASE/PGUSER from test/shell/gateway.sh).
const { Client } = require('pg');
const { load } = require('../../src/config');
const { build } = require('../../src/app');

// The login the gateway uses in the tests (test/fixtures/00_core.sql).
const GATEWAY_USER = 'gg_gateway_test';

async function startGateway(env = {}) {
  const saved = {};
  const base = { GRIDGOV_GATEWAY_PORT: '0', GRIDGOV_DATABASE_USER: GATEWAY_USER };
  for (const [k, v] of Object.entries({ ...base, ...env })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  let config;
  try {
    config = load();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const app = await build(config, { logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: address, close: () => app.close() };
}

// The gateway, a superuser connection and an API key of `role` (labelled
// PREFIX-pid-time); close() revokes the key and ends both.
async function gatewayWithKey(prefix, role, rate, env = {}) {
  const gw = await startGateway(env);
  const su = await superuser();
  const label = `${prefix}-${process.pid}-${Date.now()}`;
  const { rows: [{ key }] } = await su.query('SELECT gridgov.api_key_create($1, $2, $3) AS key', [label, role, rate]);
  return {
    gw, su, key, label,
    async close() {
      await su.query('SELECT gridgov.api_key_revoke($1)', [label]);
      await su.end();
      await gw.close();
    },
  };
}

// A superuser connection (the caller ends it).
async function superuser() {
  const client = new Client({ application_name: 'gridgov-gateway-test' });
  await client.connect();
  return client;
}

// Poll fn until it returns a truthy value or timeoutMs passes (bounded wait).
async function until(fn, timeoutMs = 5000, stepMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

module.exports = { startGateway, gatewayWithKey, superuser, until, GATEWAY_USER };

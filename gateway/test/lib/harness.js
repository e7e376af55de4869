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

// Debian's chromium headless at 1600x900 (puppeteer-core), in a profile
// directory of its own; close() ends it and removes the profile.  Without
// chromium it fails: the browser tests do not skip.
const CHROMIUM = process.env.GRIDGOV_CHROMIUM || '/usr/bin/chromium';
async function launchChromium() {
  const assert = require('node:assert/strict');
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  assert.ok(fs.existsSync(CHROMIUM),
    `chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set GRIDGOV_CHROMIUM`);
  const puppeteer = require('puppeteer-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gridgov-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`],
    defaultViewport: { width: 1600, height: 900 },
  });
  return {
    browser,
    profile,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

module.exports = { startGateway, gatewayWithKey, superuser, until, launchChromium, GATEWAY_USER };

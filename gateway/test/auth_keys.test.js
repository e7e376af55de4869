'use strict';
// API keys and rate limits through HTTP: the public role without a key,
// keys from the query, the body and the X-Api-Key header, wrong, revoked and
// expired keys, a key's role without the right to file requests (SQL 42501 →
// 403), a role the gateway may not become, per-key and per-address limits,
// and no key in the log.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Writable } = require('node:stream');
const { startGateway, superuser, until, GATEWAY_USER } = require('./lib/harness');
const { load } = require('../src/config');
const { build } = require('../src/app');
const { validate, assertXmlCarries, call } = require('./schemas/check');

let su;
const labels = [];
const HERE = { lat: '39.7', long: '116.3' };

async function newKey(role, rate = 600, expires = null) {
  const label = `auth-${labels.length}-${process.pid}-${Date.now()}`;
  labels.push(label);
  const { rows } = await su.query('SELECT gridgov.api_key_create($1, $2, $3, $4) AS key', [label, role, rate, expires]);
  return { label, key: rows[0].key };
}

const form = (fields, headers = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** Run fn(gateway) against a gateway started with env, then close it. */
async function withGateway(env, fn) {
  const gw = await startGateway(env);
  try {
    return await fn(gw, `${gw.url}/open311/v2`);
  } finally {
    await gw.close();
  }
}

before(async () => {
  su = await superuser();
});

after(async () => {
  for (const label of labels) await su.query('SELECT gridgov.api_key_revoke($1)', [label]);
  await su.end();
});

test('without a key: GET as the public role; POST refused with 403 (the spec: a missing api_key)', async () => {
  await withGateway({}, async (gw, base) => {
    const get = await call(`${base}/services.json`);
    assert.equal(get.status, 200);
    const head = await fetch(`${base}/services.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await call(`${base}/requests.json`, form({ service_code: 'C0101', ...HERE }));
    assert.equal(post.status, 403);
    assert.deepEqual(post.body, [{ code: 403, description: 'api_key required' }]);
  });
});

test('GRIDGOV_GATEWAY_PUBLIC_ROLE empty: no reading without a key', async () => {
  await withGateway({ GRIDGOV_GATEWAY_PUBLIC_ROLE: '' }, async (gw, base) => {
    const get = await call(`${base}/services.json`);
    assert.equal(get.status, 403);
    validate('errors', get.body);
  });
});

test('the key is taken from the query, the form body or the X-Api-Key header', async () => {
  const { key } = await newKey('gg_test_reporter');
  await withGateway({}, async (gw, base) => {
    const fields = { service_code: 'C0101', ...HERE, description: 'key placement' };
    const inQuery = await call(`${base}/requests.json?api_key=${key}`, form(fields));
    assert.equal(inQuery.status, 200, inQuery.text);
    validate('post', inQuery.body);
    const inBody = await call(`${base}/requests.json`, form({ ...fields, api_key: key }));
    assert.equal(inBody.status, 200, inBody.text);
    const inHeader = await call(`${base}/requests.json`, form(fields, { 'x-api-key': key }));
    assert.equal(inHeader.status, 200, inHeader.text);
    const json = await call(`${base}/requests.json`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, api_key: key }),
    });
    assert.equal(json.status, 200, json.text);
    const ids = new Set([inQuery, inBody, inHeader, json].map((r) => r.body[0].service_request_id));
    assert.equal(ids.size, 4, 'four requests filed');
  });
});

test('a wrong key: 403 with the spec body, JSON and XML, even where no key is needed', async () => {
  await withGateway({}, async (gw, base) => {
    const json = await call(`${base}/services.json?api_key=gg_0123`);
    assert.equal(json.status, 403);
    assert.deepEqual(json.body, [{ code: 403, description: 'invalid api_key' }]);
    const xml = await call(`${base}/services.xml`, { headers: { 'x-api-key': 'gg_0123' } });
    assert.equal(xml.status, 403);
    assertXmlCarries(xml.text, 'errors', [{ code: 403, description: 'invalid api_key' }]);
    const post = await call(`${base}/requests.json`, form({ api_key: 'x'.repeat(5000), service_code: 'C0101' }));
    assert.equal(post.status, 403);
  });
});

test('a revoked key: refused at once with a 0 s cache, still served from a long cache', async () => {
  const fresh = await newKey('gg_test_reporter');
  const cached = await newKey('gg_test_reporter');
  const noCache = await startGateway({ GRIDGOV_GATEWAY_KEY_CACHE: '0' });
  const longCache = await startGateway({ GRIDGOV_GATEWAY_KEY_CACHE: '3600' });
  try {
    const ask = (gw, key) => call(`${gw.url}/open311/v2/services.json?api_key=${key}`);
    assert.equal((await ask(noCache, fresh.key)).status, 200);
    assert.equal((await ask(longCache, cached.key)).status, 200);
    await su.query('SELECT gridgov.api_key_revoke($1)', [fresh.label]);
    await su.query('SELECT gridgov.api_key_revoke($1)', [cached.label]);
    assert.equal((await ask(noCache, fresh.key)).status, 403, 'revoked, no cache: refused');
    assert.equal((await ask(longCache, cached.key)).status, 200, 'revoked, cached: served until the cache time ends');
    assert.equal((await ask(noCache, cached.key)).status, 403, 'the same key through another gateway: refused');
  } finally {
    await noCache.close();
    await longCache.close();
  }
});

test('an expired key is refused', async () => {
  const { rows } = await su.query("SELECT now() + interval '1 second' AS t");
  const { key } = await newKey('gg_test_reporter', 600, rows[0].t);
  await withGateway({ GRIDGOV_GATEWAY_KEY_CACHE: '0' }, async (gw, base) => {
    await until(async () => (await call(`${base}/services.json?api_key=${key}`)).status === 403, 10000, 100);
  });
});

test("a key whose role may not file requests: POST → 403 (SQL 42501), GET still works", async () => {
  const { key } = await newKey('gg_test_reader');
  await withGateway({}, async (gw, base) => {
    const get = await call(`${base}/requests.json?api_key=${key}`);
    assert.equal(get.status, 200);
    for (const format of ['json', 'xml']) {
      const post = await call(`${base}/requests.${format}`, form({ api_key: key, service_code: 'C0101', ...HERE }));
      assert.equal(post.status, 403, post.text);
      const body = [{ code: 403, description: "the api_key's role may not do this" }];
      if (format === 'json') assert.deepEqual(post.body, body);
      else assertXmlCarries(post.text, 'errors', body);
    }
  });
});

test('a key whose role is not granted to the gateway login: 403, not 500', async () => {
  const { key } = await newKey('gg_test_orphan');
  const { rows } = await su.query('SELECT pg_has_role($1, $2, $3) AS member', [GATEWAY_USER, 'gg_test_orphan', 'MEMBER']);
  assert.equal(rows[0].member, false);
  await withGateway({}, async (gw, base) => {
    const get = await call(`${base}/services.json?api_key=${key}`);
    assert.equal(get.status, 403, get.text);
    assert.deepEqual(get.body, [{ code: 403, description: "the api_key's role cannot be used by this gateway" }]);
  });
});

test('rate limits: a key of 3 a minute gets 429 on the 4th request; other callers are not affected', async () => {
  const slow = await newKey('gg_test_reporter', 3);
  const other = await newKey('gg_test_reporter', 600);
  await withGateway({ GRIDGOV_GATEWAY_PUBLIC_RATE: '1000' }, async (gw, base) => {
    for (let i = 1; i <= 3; i++) {
      const res = await call(`${base}/services.json?api_key=${slow.key}`);
      assert.equal(res.status, 200, `request ${i}`);
      assert.equal(res.headers.get('x-ratelimit-limit'), '3');
    }
    const fourth = await call(`${base}/services.json?api_key=${slow.key}`);
    assert.equal(fourth.status, 429);
    validate('errors', fourth.body);
    assert.equal(fourth.body[0].code, 429);
    const retry = Number(fourth.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry > 0 && retry <= 60, `Retry-After ${retry}`);
    // The limit is the key's, wherever the key is given, whatever the format.
    const xml = await call(`${base}/services.xml`, { headers: { 'x-api-key': slow.key } });
    assert.equal(xml.status, 429);
    assert.match(xml.text, /<errors><error><code>429<\/code>/);
    assert.ok(Number(xml.headers.get('retry-after')) > 0);
    assert.equal((await call(`${base}/services.json?api_key=${other.key}`)).status, 200, 'another key');
    assert.equal((await call(`${base}/services.json`)).status, 200, 'the public caller');
  });
});

test('rate limits: callers without a key share their address limit (GRIDGOV_GATEWAY_PUBLIC_RATE)', async () => {
  await withGateway({ GRIDGOV_GATEWAY_PUBLIC_RATE: '2' }, async (gw, base) => {
    assert.equal((await call(`${base}/services.json`)).status, 200);
    assert.equal((await call(`${base}/requests/none.json`)).status, 404);
    const third = await call(`${base}/discovery.json`);
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
  });
});

test('keys never reach the log', async () => {
  const { key } = await newKey('gg_test_reporter');
  const lines = [];
  const stream = new Writable({ write(chunk, enc, done) { lines.push(String(chunk)); done(); } });
  const saved = process.env.GRIDGOV_DATABASE_USER;
  process.env.GRIDGOV_DATABASE_USER = GATEWAY_USER;
  let app;
  try {
    app = await build({ ...load(), port: 0 }, { logger: { level: 'trace', stream } });
  } finally {
    if (saved === undefined) delete process.env.GRIDGOV_DATABASE_USER;
    else process.env.GRIDGOV_DATABASE_USER = saved;
  }
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `${url}/open311/v2`;
    await call(`${base}/services.json?api_key=${key}`);
    await call(`${base}/services.json?jurisdiction_id=110115&api_key=${key}&x=1`);
    await call(`${base}/services.json`, { headers: { 'x-api-key': key } });
    await call(`${base}/requests.json`, form({ api_key: key, service_code: 'C0101', ...HERE }));
    await call(`${base}/services.json?api_key=${key}x`);
    await call(`${base}/services.json?%61pi_key=${key}&phone=13987654321`);
  } finally {
    await app.close();
  }
  const log = lines.join('');
  assert.match(log, /services\.json\?\[query not logged\]/, 'the request lines are logged, without their query');
  assert.ok(!log.includes(key), 'no key in the log');
  assert.ok(!log.includes(key.slice(3, 20)), 'not even a part of one');
  assert.ok(!log.includes('13987654321'), 'nor a parameter of the query');
});

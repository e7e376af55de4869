'use strict';
// Bad input: formats that do not exist, bodies too large or malformed, odd
// paths and parameters, SQL failures — each answered with the spec's error
// body and the right status, none taking the gateway down, none leaking SQL.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { gatewayWithKey } = require('./lib/harness');
const { validate, assertXmlCarries, call, JSON_TYPE } = require('./schemas/check');

let gw;
let su;
let base;
let key;
let ctx;

before(async () => {
  ctx = await gatewayWithKey('bad', 'gg_test_reporter', 100000);
  ({ gw, su, key } = ctx);
  base = `${gw.url}/open311/v2`;
});

after(async () => {
  await ctx.close();
});

async function expectError(res, status, pattern) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.type, JSON_TYPE);
  validate('errors', res.body);
  assert.equal(res.body[0].code, status);
  if (pattern) assert.match(res.body[0].description, pattern);
}

const post = (path, body, type) => call(`${base}/${path}`, {
  method: 'POST', headers: { 'content-type': type, 'x-api-key': key }, body,
});

test('a format that does not exist is a resource that does not exist: 404', async () => {
  for (const path of ['services.csv', 'services.JSON', 'services', 'discovery.yaml', 'requests.html',
    'services/C0101', 'services/C0101.txt', 'requests/110115-20261201-0000001.', 'tokens/1', '', 'nothing.json']) {
    await expectError(await call(`${base}/${path}`), 404);
  }
  await expectError(await post('requests.csv', 'service_code=C0101', 'application/x-www-form-urlencoded'), 404);
});

test('outside /open311 errors are {"error": ...}', async () => {
  const res = await call(`${gw.url}/no/such/page`);
  assert.equal(res.status, 404);
  assert.deepEqual(res.body, { error: 'not found' });
});

test('a body over 256 KiB: 413, in the format asked for', async () => {
  const big = `service_code=C0101&lat=39.7&long=116.3&description=${'x'.repeat(300 * 1024)}`;
  await expectError(await post('requests.json', big, 'application/x-www-form-urlencoded'), 413);
  const xml = await post('requests.xml', JSON.stringify({ description: 'y'.repeat(300 * 1024) }), 'application/json');
  assert.equal(xml.status, 413);
  assert.match(xml.text, /^<\?xml[^>]*\?>\s*<errors><error><code>413<\/code>/);
});

test('malformed or unusable bodies: 400 (415 for a media type that is not read)', async () => {
  await expectError(await post('requests.json', '{"service_code": "C01', 'application/json'), 400);
  await expectError(await post('requests.json', '', 'application/json'), 400);
  await expectError(await post('requests.json', '[1, 2]', 'application/json'), 400);
  await expectError(await post('requests.json', 'null', 'application/json'), 400);
  await expectError(await post('requests.json', '"text"', 'application/json'), 400);
  await expectError(await post('requests.json', JSON.stringify({ service_code: { nested: true } }), 'application/json'), 400);
  await expectError(await post('requests.json', 'service_code=C0101&service_code=C0102', 'application/x-www-form-urlencoded'), 400);
  // Fastify reads text/plain as a string: SQL refuses it as not a JSON object.
  await expectError(await post('requests.json', 'service_code=C0101', 'text/plain'), 400);
  await expectError(await post('requests.json', '<service_code>C0101</service_code>', 'application/xml'), 415);
  // An attribute nested 20,000 levels deep (within the body limit): 400, not a 500.
  const deep = `{"service_code": "C0101", "attribute": ${'{"a": '.repeat(20000)}1${'}'.repeat(20000)}}`;
  await expectError(await post('requests.json', deep, 'application/json'), 400);
  const xml = await post('requests.xml', '{oops', 'application/json');
  assert.equal(xml.status, 400);
  assertXmlCarries(xml.text, 'errors', [{ code: 400, description: JSON.parse(
    (await post('requests.json', '{oops', 'application/json')).text)[0].description }]);
});

test('odd paths and parameters are answered, not crashed on', async () => {
  await expectError(await call(`${base}/requests/%00.json`), 400);
  await expectError(await call(`${base}/requests/%E0%A4%A.json`), 400, /malformed URL/);
  // A path parameter over 100 characters (find-my-way's limit): 414.
  await expectError(await call(`${base}/requests/${'9'.repeat(5000)}.json`), 414);
  await expectError(await call(`${base}/requests/${'9'.repeat(90)}.json`), 404);
  await expectError(await call(`${base}/requests.json?start_date=2026-01-01T00:00:00Z&start_date=x`), 400);
  await expectError(await call(`${base}/requests.json?no_such_filter=1`), 400);
  const repeated = await call(`${base}/requests.json?service_code=C0101&service_code=E0406&status=open,closed`);
  assert.equal(repeated.status, 200, 'a repeated parameter is a comma-delimited list');
  validate('requests', repeated.body);
  assert.ok(repeated.body.every((r) => ['C0101', 'E0406'].includes(r.service_code)));
  const many = Array.from({ length: 500 }, (_, i) => `p${i}=${i}`).join('&');
  await expectError(await call(`${base}/requests.json?${many}`), 400);
  // And the gateway still answers.
  assert.equal((await call(`${base}/discovery.json`)).status, 200);
});

test('discovery never repeats a Host header that is not a host name', async () => {
  const http = require('node:http');
  const get = (host) => new Promise((resolve, reject) => {
    const u = new URL(`${base}/discovery.json`);
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const forged = await get('evil.example"><x');
  assert.equal(forged.status, 200);
  assert.ok(!forged.body.includes('evil'), 'the forged Host is not echoed');
  const named = await get('city.example:8443');
  assert.match(JSON.parse(named.body).endpoints[0].url, /^http:\/\/city\.example:8443\/open311\/v2$/);
});

test('an SQL failure is a 500 with a generic message: no SQL text, no detail', async () => {
  const real = gw.app.db.query;
  gw.app.db.query = async () => {
    const err = new Error('relation "gridgov.secret_table" does not exist');
    Object.assign(err, { code: '42P01', severity: 'ERROR', detail: 'SELECT password FROM secret_table' });
    throw err;
  };
  try {
    for (const format of ['json', 'xml']) {
      const res = await call(`${base}/services.${format}`);
      assert.equal(res.status, 500);
      assert.doesNotMatch(res.text, /secret|relation|SELECT/);
      if (format === 'json') assert.deepEqual(res.body, [{ code: 500, description: 'internal error' }]);
      else assertXmlCarries(res.text, 'errors', [{ code: 500, description: 'internal error' }]);
    }
    gw.app.db.query = async () => { throw new TypeError("Cannot read properties of undefined (reading 'body')"); };
    const res = await call(`${base}/requests.json`);
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, [{ code: 500, description: 'internal error' }]);
    gw.app.db.query = async () => {
      throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' });
    };
    await expectError(await call(`${base}/requests.json`), 503);
  } finally {
    gw.app.db.query = real;
  }
  assert.equal((await call(`${base}/services.json`)).status, 200, 'back to normal');
});

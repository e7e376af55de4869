'use strict';
// Every Open311 answer against the JSON schemas written from the spec
// (test/schemas/*.schema.json), with its content type; every XML answer
// well-formed, under the spec's root element, and carrying the same data as
// the JSON one (read back by the Spark convention).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { gatewayWithKey } = require('./lib/harness');
const { validate, assertXmlCarries, call, JSON_TYPE, XML_TYPE } = require('./schemas/check');

let gw;
let su;
let key;
let base;
let ctx;
// Letters only: runs of digits in a description are masked as phone numbers.
const tag = Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const HERE = { lat: '39.7', long: '116.3' };

before(async () => {
  ctx = await gatewayWithKey('schema', 'gg_test_reporter', 10000);
  ({ gw, su, key } = ctx);
  base = `${gw.url}/open311/v2`;
});

after(async () => {
  await ctx.close();
});

/** GET path in JSON and in XML; check both; return the JSON body. */
async function both(path, schema, root, status = 200) {
  const json = await call(`${base}/${path.replace('{f}', 'json')}`);
  assert.equal(json.status, status, json.text);
  assert.equal(json.type, JSON_TYPE);
  validate(schema, json.body);
  const xml = await call(`${base}/${path.replace('{f}', 'xml')}`);
  assert.equal(xml.status, status, xml.text);
  assert.equal(xml.type, XML_TYPE);
  assertXmlCarries(xml.text, root, json.body);
  return json.body;
}

const form = (fields) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: new URLSearchParams(fields).toString(),
});

test('discovery', async () => {
  const d = await both('discovery.{f}', 'discovery', 'discovery');
  assert.equal(d.endpoints[0].url, base);
  assert.equal(d.endpoints[0].type, 'production');
});

test('services', async () => {
  const services = await both('services.{f}', 'services', 'services');
  assert.ok(services.length > 10);
});

test('service definition, and an unknown service_code (404)', async () => {
  const def = await both('services/C0101.{f}', 'service_definition', 'service_definition');
  assert.equal(def.service_code, 'C0101');
  const err = await both('services/NO-SUCH.{f}', 'errors', 'errors', 404);
  assert.equal(err[0].code, 404);
});

test('requests: the default window, filtered lists, one request, an unknown one (404)', async () => {
  const all = await both('requests.{f}', 'requests', 'service_requests');
  assert.ok(all.length > 0);
  const open = await both('requests.{f}?status=open&service_code=C0101,E0406', 'requests', 'service_requests');
  assert.ok(open.every((r) => r.status === 'open' && ['C0101', 'E0406'].includes(r.service_code)));
  const ranged = await both('requests.{f}?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-03-01T00:00:00Z',
    'requests', 'service_requests');
  assert.ok(ranged.every((r) => r.requested_datetime >= '2025-12-31' && r.requested_datetime <= '2026-03-02'));
  const id = all[0].service_request_id;
  const one = await both(`requests/${encodeURIComponent(id)}.{f}`, 'requests', 'service_requests');
  assert.deepEqual(one, [all.find((r) => r.service_request_id === id)]);
  const missing = await both('requests/110115-19000101-0000000.{f}', 'errors', 'errors', 404);
  assert.equal(missing[0].code, 404);
});

test('POST requests: the answer, then the request it made', async () => {
  for (const format of ['json', 'xml']) {
    const description = `schema ${format} ${tag}`;
    const res = await call(`${base}/requests.${format}`, form({
      api_key: key, service_code: 'C0101', ...HERE, description,
    }));
    assert.equal(res.status, 200, res.text);
    let answer;
    if (format === 'json') {
      assert.equal(res.type, JSON_TYPE);
      validate('post', res.body);
      answer = res.body;
    } else {
      assert.equal(res.type, XML_TYPE);
      const { rows } = await su.query(`SELECT case_no, w.title FROM gridgov.cases c
        JOIN gridgov.workflows w ON w.name = c.workflow WHERE c.description = $1`, [description]);
      answer = [{ service_request_id: rows[0].case_no, service_notice: rows[0].title, account_id: null }];
      validate('post', answer);
      assertXmlCarries(res.text, 'service_requests', answer);
    }
    const made = await both(`requests/${answer[0].service_request_id}.{f}`, 'requests', 'service_requests');
    assert.equal(made[0].status, 'open');
    // The public description is the case's title, the service name: never the POSTed words.
    assert.equal(made[0].description, made[0].service_name);
  }
});

test('errors: 400, 403 and 404 bodies in both formats', async () => {
  const bad = await both('requests.{f}?status=pending', 'errors', 'errors', 400);
  assert.equal(bad[0].code, 400);
  const forbidden = await both('services.{f}?api_key=gg_wrong', 'errors', 'errors', 403);
  assert.equal(forbidden[0].code, 403);
  const token = await both('tokens/1.{f}', 'errors', 'errors', 404);
  assert.equal(token[0].code, 404);
  for (const format of ['json', 'xml']) {
    const res = await call(`${base}/requests.${format}`, form({ service_code: 'C0101', ...HERE }));
    assert.equal(res.status, 403, 'a POST without api_key');
    if (format === 'json') validate('errors', res.body);
    else assertXmlCarries(res.text, 'errors', [{ code: 403, description: 'api_key required' }]);
  }
});

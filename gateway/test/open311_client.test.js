'use strict';
// A real GeoReport v2 client against the running gateway: the npm package
// open311 (0.0.12, codeforamerica/node-open311), its XML readers being the
// adapters of test/shims. Every call it offers, in JSON and in XML.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const Open311 = require('open311');
const { gatewayWithKey } = require('./lib/harness');

let gw;
let su;
let key;
let ctx;
const created = {};
// A point in the demo city (Daxing, 110115), WGS-84.
const HERE = { lat: 39.7, long: 116.3 };

// The client answers callback(err, data); err is false, null or a status.
const call = (client, method, ...args) => new Promise((resolve) => {
  client[method](...args, (err, data) => resolve({ err, data }));
});

before(async () => {
  ctx = await gatewayWithKey('client', 'gg_test_reporter', 10000);
  ({ gw, su, key } = ctx);
});

after(async () => {
  await ctx.close();
});

for (const format of ['json', 'xml']) {
  test(`${format}: service discovery sets the endpoint and format`, async () => {
    const client = new Open311({ discovery: `${gw.url}/open311/v2/discovery.${format}` });
    const { err, data } = await call(client, 'serviceDiscovery', { cache: true });
    assert.ok(!err);
    assert.equal(data.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
    assert.deepEqual(data.endpoints[0].formats, ['application/json', 'text/xml']);
    assert.equal(client.endpoint, `${gw.url}/open311/v2/`);
    assert.equal(client.format, 'json');
  });

  test(`${format}: serviceList lists the active leaf categories`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format });
    const { err, data } = await call(client, 'serviceList');
    assert.equal(err, null);
    const { rows } = await su.query(`SELECT array_agg(code ORDER BY code) AS codes FROM gridgov.categories c
      WHERE c.active AND NOT EXISTS (SELECT FROM gridgov.categories ch WHERE ch.parent = c.code AND ch.active)`);
    assert.deepEqual(data.map((s) => String(s.service_code)).sort(), rows[0].codes.sort());
    assert.ok(data.every((s) => s.type === 'realtime' && s.metadata === false));
  });

  test(`${format}: serviceDefinition of a service`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format });
    const { err, data } = await call(client, 'serviceDefinition', 'C0101');
    assert.equal(err, null);
    assert.equal(data.service_code, 'C0101');
    // JSON: the list; XML: Spark reads an empty <attributes/> as null.
    assert.ok(Array.isArray(data.attributes) || data.attributes === null);
  });

  test(`${format}: serviceDefinition of an unknown service is an error`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format });
    const { err } = await call(client, 'serviceDefinition', 'NO-SUCH-CODE');
    assert.equal(err, true);
  });

  test(`${format}: submitRequest with an API key files a case`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format, apiKey: key });
    const { err, data } = await call(client, 'submitRequest', {
      service_code: 'C0101', ...HERE, description: `井盖缺失（${format} 客户端）`,
      first_name: '三', last_name: '张', attributes: { WHISPAWN: '123456' },
    });
    assert.ok(!err, String(data));
    assert.equal(data.length, 1);
    const id = String(data[0].service_request_id);
    assert.match(id, /^110115-/);
    assert.equal(data[0].token, undefined);
    const { rows } = await su.query("SELECT source, category FROM gridgov.cases WHERE case_no = $1", [id]);
    assert.deepEqual(rows, [{ source: 'app', category: 'C0101' }]);
    created[format] = id;
  });

  test(`${format}: submitRequest with a wrong key is refused (403)`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format, apiKey: 'gg_not_a_key' });
    const { err } = await call(client, 'submitRequest', { service_code: 'C0101', ...HERE });
    assert.equal(err, 403);
  });

  test(`${format}: serviceRequests with filters`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format });
    const { err, data } = await call(client, 'serviceRequests', { status: 'open', service_code: 'C0101' });
    assert.equal(err, null);
    assert.ok(data.length >= 1);
    assert.ok(data.every((r) => r.status === 'open' && r.service_code === 'C0101'));
    assert.ok(data.some((r) => r.service_request_id === created[format]), 'the request just filed is listed');
    assert.ok(data.every((r) => r.requested_datetime instanceof Date && !Number.isNaN(r.requested_datetime.getTime())));
  });

  test(`${format}: serviceRequest of one id, and of a list of ids`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format });
    const one = await call(client, 'serviceRequest', created[format]);
    assert.equal(one.err, null);
    assert.equal(one.data.length, 1);
    assert.equal(one.data[0].service_request_id, created[format]);
    assert.equal(one.data[0].service_name, '上水井盖');
    // Personal data stays out: no name in the answer.
    assert.doesNotMatch(JSON.stringify(one.data), /张三|三 张/);
    const { rows } = await su.query(
      "SELECT case_no FROM gridgov.cases WHERE case_no <> $1 ORDER BY id LIMIT 1", [created[format]]);
    const both = await call(client, 'serviceRequests', [created[format], rows[0].case_no]);
    assert.equal(both.err, null);
    assert.deepEqual(both.data.map((r) => r.service_request_id).sort(), [created[format], rows[0].case_no].sort());
  });

  test(`${format}: a token is not found (services are realtime)`, async () => {
    const client = new Open311({ endpoint: `${gw.url}/open311/v2/`, format });
    const { err, data } = await call(client, 'token', '12345');
    assert.equal(err, true);
    assert.match(data, /404/);
  });
}

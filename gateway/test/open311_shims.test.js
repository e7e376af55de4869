'use strict';
// The adapters that stand in for the open311 client's XML dependencies
// (test/shims: sparkxml, xml2json) against the client's own sample answers
// (node_modules/open311/test/mocks) and what its own tests expect of them.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const sparkxml = require('sparkxml');
const xml2json = require('xml2json');

const mocks = path.join(path.dirname(require.resolve('open311/package.json')), 'test', 'mocks');
const mock = (name) => fs.readFileSync(path.join(mocks, name), 'utf8');

test('the client resolves the adapters', () => {
  assert.equal(require.resolve('sparkxml'), require.resolve('../test/shims/sparkxml'));
  assert.equal(require.resolve('xml2json'), require.resolve('../test/shims/xml2json'));
});

test('sparkxml: a container of one repeated element is a list, the root is dropped', () => {
  const services = sparkxml.parseXml(mock('dc-services.xml'));
  assert.ok(Array.isArray(services));
  assert.equal(services[0].service_code, 'CSRREPIS');
  assert.equal(services[0].metadata, true);
  const one = sparkxml.parseXml('<services><service><service_code>A</service_code><type>x</type></service></services>');
  assert.deepEqual(one, [{ service_code: 'A', type: 'x' }], 'a list even of one');
});

test('sparkxml: a service definition, its attributes and values; an empty element is null', () => {
  const def = sparkxml.parseXml(mock('dc-services-S0301.xml'));
  assert.equal(def.service_code, 'S0301');
  assert.ok(Array.isArray(def.attributes));
  assert.ok(Array.isArray(def.attributes[1].values));
  assert.deepEqual(def.attributes[1].values[0], { key: 'NO001', name: 'No' });
  assert.equal(def.attributes[0].values, null);
  assert.equal(def.attributes[0].order, 9);
});

test('sparkxml: numbers and booleans typed when nothing is lost; text and entities kept', () => {
  assert.deepEqual(sparkxml.parseXml(mock('token.xml')), [{ service_request_id: 638344, token: 12345 }]);
  assert.deepEqual(sparkxml.parseXml(mock('boston-submitrequest-token.xml')), [['503fc045901932078800163c']]);
  const r = sparkxml.parseXml('<?xml version="1.0"?><r><a>006</a><b>1.50</b><c>-2.5</c><d>false</d>'
    + '<e> x &amp; &lt;y&gt; </e><f/><g></g><h>110115-20261201-0000001</h></r>');
  assert.deepEqual(r, { a: '006', b: '1.50', c: -2.5, d: false, e: 'x & <y>', f: null, g: null,
    h: '110115-20261201-0000001' });
});

test('sparkxml: discovery and errors', () => {
  const d = sparkxml.parseXml(mock('discovery-dc.xml'));
  assert.equal(d.endpoints.length, 2);
  assert.deepEqual(d.endpoints[0].formats, ['text/xml']);
  assert.deepEqual(sparkxml.parseXml(mock('boston-err-submitrequest-base_is_duplicate.xml')),
    [{ code: 400, description: 'Invalid service request: base is a duplicate.' }]);
  assert.throws(() => sparkxml.parseXml(''), /no root element/);
});

test('xml2json: the root kept, text as strings, repeats as lists, empty elements as {}', () => {
  assert.deepEqual(xml2json.toJson(mock('boston-submitrequest-token.xml'), { object: true }),
    { service_requests: { request: { token: '503fc045901932078800163c' } } });
  const answer = '<?xml version="1.0" encoding="utf-8"?><service_requests><request>'
    + '<service_request_id>293944</service_request_id><service_notice>n</service_notice><account_id/>'
    + '</request></service_requests>';
  assert.deepEqual(xml2json.toJson(answer, { object: true }).service_requests.request,
    { service_request_id: '293944', service_notice: 'n', account_id: {} });
  const two = xml2json.toJson('<a><b k="v">t</b><b>u</b></a>', { object: true });
  assert.deepEqual(two, { a: { b: [{ k: 'v', $t: 't' }, 'u'] } });
  assert.equal(typeof xml2json.toJson('<a>1</a>'), 'string');
  assert.deepEqual(JSON.parse(xml2json.toJson('<a>1</a>')), { a: '1' });
});

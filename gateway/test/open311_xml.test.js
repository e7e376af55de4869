'use strict';
// src/xml.js on its own: the spec's element names and order, escaping, what
// XML cannot carry, and a round trip through the Spark reading.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { XMLValidator } = require('fast-xml-parser');
const xml = require('../src/xml');
const sparkxml = require('sparkxml');

test('lists get the spec child names; objects follow the spec order; null is an empty element', () => {
  const doc = xml.document('service_requests', [{ lat: 39.7, service_request_id: 'A', zipcode: null, extra: true }]);
  assert.equal(doc, '<?xml version="1.0" encoding="utf-8"?>\n<service_requests><request>'
    + '<service_request_id>A</service_request_id><zipcode/><lat>39.7</lat><extra>true</extra>'
    + '</request></service_requests>\n');
  const def = xml.document('service_definition', {
    attributes: [{ code: 'C', values: [{ name: 'N', key: 1 }] }], service_code: 'S' });
  assert.match(def, /<service_definition><service_code>S<\/service_code><attributes><attribute><code>C<\/code>/);
  assert.match(def, /<values><value><key>1<\/key><name>N<\/name><\/value><\/values>/);
  assert.match(xml.document('discovery', { endpoints: [{ formats: ['a', 'b'] }] }),
    /<endpoints><endpoint><formats><format>a<\/format><format>b<\/format><\/formats>/);
  assert.match(xml.document('errors', [{ description: 'd', code: 404 }]),
    /<errors><error><code>404<\/code><description>d<\/description><\/error><\/errors>/);
});

test('text is escaped; characters XML cannot carry are dropped; odd keys become names', () => {
  const text = 'a<b>&"c\'\u0000\u0007\uFFFE\uD800 井盖 😀\t\n';
  const doc = xml.document('errors', [{ code: 400, description: text, 'bad key<>': 1, '9x': 2 }]);
  assert.equal(XMLValidator.validate(doc), true);
  assert.match(doc, /<description>a&lt;b&gt;&amp;&quot;c&apos; 井盖 😀\t\n<\/description>/);
  assert.match(doc, /<bad_key__>1<\/bad_key__><_9x>2<\/_9x>/);
  assert.equal(sparkxml.parseXml(doc)[0].description, 'a<b>&"c\' 井盖 😀');
});

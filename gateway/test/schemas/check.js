'use strict';
// Checking answers against the spec: JSON bodies with the JSON schemas of this
// directory (written from http://wiki.open311.org/GeoReport_v2 and
// /Service_Discovery), XML bodies by reading them back with the Spark
// convention (test/shims/sparkxml) and comparing with the JSON answer.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const { XMLValidator } = require('fast-xml-parser');
const spark = require('../shims/sparkxml');

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.schema.json'))) {
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(__dirname, file), 'utf8')));
}

/** Assert that value is valid by the schema of that $id (services, requests, ...). */
function validate(schema, value) {
  const check = ajv.getSchema(schema);
  assert.ok(check, `no schema ${schema}`);
  const ok = check(value);
  assert.ok(ok, `${schema}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
}

// A JSON value as the Spark reading of its XML gives it back: text typed the
// way sparkxml types it, an empty string, an empty list or null as null, an
// object of one key as a list of one (one kind of child).
function sparkOf(value) {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value.map(sparkOf);
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1) return [sparkOf(value[keys[0]])];
    return Object.fromEntries(keys.map((k) => [k, sparkOf(value[k])]));
  }
  const text = String(value).trim();
  return text === '' ? null : spark.parseXml(`<x>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</x>`);
}

/** Assert that an XML answer is well-formed, has root element root, and carries what json carries. */
function assertXmlCarries(xml, root, json) {
  assert.equal(XMLValidator.validate(xml), true, 'well-formed XML');
  assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\s*</, 'the XML declaration with encoding utf-8');
  const m = /^<\?xml[^>]*\?>\s*<([A-Za-z_][\w.-]*)/.exec(xml);
  assert.equal(m && m[1], root, 'root element');
  assert.deepEqual(spark.parseXml(xml), sparkOf(json));
}

/** fetch → {status, type, headers, text, body (parsed JSON when it is JSON)} */
async function call(url, options = {}) {
  const res = await fetch(url, options);
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  let body;
  if (type.startsWith('application/json')) body = JSON.parse(text);
  return { status: res.status, type, headers: res.headers, text, body };
}

const JSON_TYPE = 'application/json; charset=utf-8';
const XML_TYPE = 'text/xml; charset=utf-8';

module.exports = { validate, sparkOf, assertXmlCarries, call, JSON_TYPE, XML_TYPE };

'use strict';
// JSON → XML for Open311 GeoReport v2: the inverse of the spec's "Spark"
// convention (http://wiki.open311.org/JSON_and_XML_Conversion). An array is a
// container element whose children repeat one element name (services/service,
// service_requests/request, attributes/attribute, values/value, errors/error,
// endpoints/endpoint, formats/format); an object is an element with one child
// per key; null is an empty element; true/false and numbers are their text.

// Container name → the name of its repeated child, as in the spec's examples.
const ITEM = {
  services: 'service',
  service_requests: 'request',
  attributes: 'attribute',
  values: 'value',
  errors: 'error',
  endpoints: 'endpoint',
  formats: 'format',
};

// Element order of the spec's examples (XML, unlike JSON, is read in order by
// some clients); keys not listed follow in their own order.
const ORDER = {
  service: ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'],
  service_definition: ['service_code', 'attributes'],
  attribute: ['variable', 'code', 'datatype', 'required', 'datatype_description', 'order', 'description', 'values'],
  value: ['key', 'name'],
  request: ['service_request_id', 'token', 'status', 'status_notes', 'service_name', 'service_code', 'description',
    'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime',
    'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url', 'account_id'],
  error: ['code', 'description'],
  discovery: ['changeset', 'contact', 'key_service', 'endpoints'],
  endpoint: ['specification', 'url', 'changeset', 'type', 'formats'],
};

function ordered(key, object) {
  const order = ORDER[key];
  const keys = Object.keys(object);
  if (!order) return keys;
  return [...order.filter((k) => k in object), ...keys.filter((k) => !order.includes(k))];
}

// Characters XML 1.0 cannot carry at all (controls other than tab, newline and
// carriage return; lone surrogates; U+FFFE and U+FFFF): dropped.
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text content with XML's special characters escaped and impossible characters dropped. */
function escape(text) {
  return String(text).replace(INVALID, '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// Element names come from JSON keys written in SQL; anything that is not a
// plain XML name is made one rather than trusted.
function name(key) {
  const n = String(key).replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : `_${n}`;
}

function element(key, value, out) {
  const tag = name(key);
  if (value === null || value === undefined) {
    out.push(`<${tag}/>`);
  } else if (Array.isArray(value)) {
    const item = ITEM[key] || 'item';
    out.push(`<${tag}>`);
    for (const v of value) element(item, v, out);
    out.push(`</${tag}>`);
  } else if (typeof value === 'object') {
    out.push(`<${tag}>`);
    for (const k of ordered(key, value)) element(k, value[k], out);
    out.push(`</${tag}>`);
  } else {
    out.push(`<${tag}>${escape(value)}</${tag}>`);
  }
}

/**
 * An XML document with root element `root` holding `value`:
 * document('services', [{service_code: 'A'}]) →
 * <?xml version="1.0" encoding="utf-8"?><services><service><service_code>A</service_code></service></services>
 */
function document(root, value) {
  const out = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  element(root, value, out);
  out.push('\n');
  return out.join('');
}

module.exports = { document, escape };

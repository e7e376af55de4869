'use strict';
// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the SQL
// functions gridgov.open311_*: this file maps URLs to function calls, run as
// the caller's role (auth.js), and formats their jsonb as JSON or XML. The
// validation of parameters, the filters and the error bodies are SQL's.
//
// Registered at /open311/v2 (app.js). Formats: a resource name ends in .json
// or .xml; any other ending is a resource that does not exist (404, as the
// spec wants for those). A function's answer that is the spec's error body
// [{"code", "description"}] is sent with that code as the HTTP status.
const xml = require('./xml');
const { sendError, JSON_TYPE, XML_TYPE } = require('./auth');

const FORMATS = ['json', 'xml'];
const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

// The HTTP status of a spec error body, or null when body is an answer.
function errorStatus(body) {
  if (!Array.isArray(body) || body.length === 0) return null;
  const e = body[0];
  if (!e || typeof e !== 'object' || Array.isArray(e)) return null;
  if (Object.keys(e).length !== 2 || !Number.isInteger(e.code) || typeof e.description !== 'string') return null;
  return e.code >= 400 && e.code <= 599 ? e.code : 400;
}

function send(reply, format, root, body, status = 200) {
  reply.code(status);
  if (format === 'xml') return reply.type(XML_TYPE).send(xml.document(root, body));
  return reply.type(JSON_TYPE).send(JSON.stringify(body));
}

// "C0101.json" → {name: "C0101", format: "json"}; null for another ending.
function splitFormat(file) {
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return null;
  const format = file.slice(dot + 1);
  return FORMATS.includes(format) ? { name: file.slice(0, dot), format } : null;
}

// Query parameters as the filters object of open311_requests: strings as
// given, a repeated parameter comma-joined (the spec's lists), api_key out.
function filtersOf(query) {
  const filters = {};
  for (const [k, v] of Object.entries(query || {})) {
    if (k !== 'api_key') filters[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return filters;
}

// A form's list convention: "attribute[CODE][]=a&attribute[CODE][]=b" (the
// spec's encoding of a multivaluelist) is the list attribute[CODE] = [a, b].
function formLists(fields) {
  const out = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!k.endsWith('[]') || k.length === 2) {
      out[k] = v;
      continue;
    }
    const name = k.slice(0, -2);
    const values = Array.isArray(v) ? v : [v];
    out[name] = name in out ? [].concat(out[name], values) : values;
  }
  return out;
}

// The POST's parameters for open311_submit: the body's (form-encoded, keys
// such as attribute[WHISPAWN] as they came, or a JSON object) over the query
// string's, api_key out. A body that is not an object goes as it is, for SQL
// to refuse.
function submissionOf(request) {
  let body = request.body === undefined ? {} : request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const type = String(request.headers['content-type'] || '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) body = formLists(body);
  const request311 = {};
  for (const source of [formLists(request.query || {}), body]) {
    for (const [k, v] of Object.entries(source)) {
      if (k !== 'api_key') request311[k] = v;
    }
  }
  return request311;
}

const w3cNow = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

// The parameters as the jsonb text of a call; a body nested too deeply for
// JSON.stringify (a RangeError) is the client's error.
function paramsJson(params) {
  try {
    return JSON.stringify(params);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const bad = new Error('the request is nested too deeply');
    bad.statusCode = 400;
    throw bad;
  }
}

module.exports = async function open311(app) {
  const { db, config } = app;
  // The service list and definitions are read live from the database; the
  // changeset of the discovery document is when this gateway started.
  const changeset = w3cNow();

  /**
   * Call one open311 function as the caller and answer its jsonb. In JSON the
   * database's text goes out as it is (no parse and stringify of a 1,000-request
   * page): jsonb writes an object's keys sorted, so only an error body begins
   * with [{"code": — that one is parsed for its status.
   */
  async function answer(request, reply, format, root, sql, params) {
    if (format === 'json') {
      const { rows } = await db.query(request.caller.role, `SELECT (${sql})::text AS body`, params);
      const text = rows[0].body;
      if (text.startsWith('[{"code": ')) {
        const body = JSON.parse(text);
        const status = errorStatus(body);
        if (status !== null) return send(reply, format, 'errors', body, status);
      }
      reply.code(200);
      return reply.type(JSON_TYPE).send(text);
    }
    const { rows } = await db.query(request.caller.role, `SELECT ${sql} AS body`, params);
    const body = rows[0].body;
    const status = errorStatus(body);
    if (status !== null) return send(reply, format, 'errors', body, status);
    return send(reply, format, root, body);
  }

  function discovery(request) {
    // Without GRIDGOV_GATEWAY_URL, the request's Host — only when it is a host
    // name or address with a port, never other text a client put there.
    const host = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/.test(request.host || '')
      ? request.host : `${config.host}:${config.port}`;
    const base = (config.publicUrl || `${request.protocol}://${host}`).replace(/\/+$/, '');
    return {
      changeset,
      contact: config.contact || 'Ask the operator of this gridgov gateway.',
      key_service: config.keyService
        || 'API keys are issued by the database administrator (gridgov.api_key_create); see docs/gateway.md.',
      endpoints: [{
        specification: SPECIFICATION,
        url: `${base}${app.prefix}`,
        changeset,
        type: 'production',
        formats: ['application/json', 'text/xml'],
      }],
    };
  }

  for (const format of FORMATS) {
    app.get(`/discovery.${format}`, async (request, reply) => send(reply, format, 'discovery', discovery(request)));

    app.get(`/services.${format}`, async (request, reply) => answer(request, reply, format, 'services',
      'gridgov.open311_services()', []));

    app.get(`/requests.${format}`, async (request, reply) => answer(request, reply, format, 'service_requests',
      'gridgov.open311_requests($1::jsonb)', [paramsJson(filtersOf(request.query))]));

    app.post(`/requests.${format}`, async (request, reply) => answer(request, reply, format, 'service_requests',
      'gridgov.open311_submit($1::jsonb)', [paramsJson(submissionOf(request))]));
  }

  app.get('/services/:file', async (request, reply) => {
    const f = splitFormat(request.params.file);
    if (!f) return sendError(request, reply, 404, 'not found');
    return answer(request, reply, f.format, 'service_definition',
      'gridgov.open311_service_definition($1)', [f.name]);
  });

  app.get('/requests/:file', async (request, reply) => {
    const f = splitFormat(request.params.file);
    if (!f) return sendError(request, reply, 404, 'not found');
    return answer(request, reply, f.format, 'service_requests', 'gridgov.open311_request($1)', [f.name]);
  });

  // Services are all "realtime" (open311_services): a POST answers the
  // service_request_id at once and no token is ever issued.
  app.get('/tokens/:file', async (request, reply) => sendError(request, reply, 404,
    'token not found: this endpoint issues no tokens (every service is realtime)'));
};

module.exports.errorStatus = errorStatus;
module.exports.filtersOf = filtersOf;
module.exports.formLists = formLists;

'use strict';
// Who is calling, how often, and how errors look — for every route of the app
// (this plugin skips Fastify's encapsulation, so its hooks are global).
//
// Identity: an API key from the query (api_key), the body (api_key) or the
// X-Api-Key header, resolved by Keys to {label, role, rate}, becomes
// request.caller; every statement of the request then runs as caller.role.
// A wrong, revoked or expired key: 403. No key: config.publicRole for GET and
// HEAD; any other method without a key is refused with 403, as the GeoReport
// v2 spec says ("403 for errors because of wrong or missing api_key"). A route
// that authenticates its callers itself (the transfer's signed POSTs) declares
// `config: { apiKey: false }` and gets the public caller whatever the method.
// Static files (routes of @fastify/static, or with `config: { static: true }`)
// are neither identified nor rate-limited.
//
// Rate limits (@fastify/rate-limit): per key label at the key's
// rate_per_minute, per client address at config.publicRate without a key;
// 429 with Retry-After.
//
// Errors: on /open311/ paths the spec's error body — [{"code", "description"}]
// as JSON, or <errors><error><code/><description/></error></errors> when the
// path ends in .xml —, elsewhere {"error": "..."}. SQL errors are mapped by
// SQLSTATE (httpStatus below); a 5xx answer never carries the error's text,
// which goes to the log.
const rateLimit = require('@fastify/rate-limit');
const xml = require('./xml');

const JSON_TYPE = 'application/json; charset=utf-8';
const XML_TYPE = 'text/xml; charset=utf-8';
const READ_METHODS = new Set(['GET', 'HEAD']);

function pathOf(request) {
  const url = request.raw.url || '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

const isOpen311 = (path) => path.startsWith('/open311/');

/**
 * Answer an error in the shape the path calls for (see the head comment).
 * @returns the reply (return it from async hooks and handlers)
 */
function sendError(request, reply, status, description) {
  const path = pathOf(request);
  reply.code(status);
  if (!isOpen311(path)) {
    return reply.type(JSON_TYPE).send(JSON.stringify({ error: description }));
  }
  const body = [{ code: status, description }];
  if (path.endsWith('.xml')) return reply.type(XML_TYPE).send(xml.document('errors', body));
  return reply.type(JSON_TYPE).send(JSON.stringify(body));
}

// PostgreSQL errors carry a five-character SQLSTATE in err.code and a severity.
const isSqlError = (err) => typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && 'severity' in err;

/**
 * HTTP status and client-facing text for an error thrown while handling a
 * request. The gateway's login could not become the caller's role (db.js:
 * the role is not granted to it, or no longer exists) → 403, logged as a
 * warning for the operator. SQL: 42501 (insufficient privilege: the key's role may not run
 * that function, or the gateway's login may not become that role) → 403;
 * class 22 (data exception: a malformed argument, e.g. an event cursor) → 400
 * with the database's message, which gridgov writes for clients; lost or
 * refused connections, shutdown, statement timeout → 503; anything else
 * → 500. Fastify's own client errors (bad JSON 400, body too large 413,
 * media type 415, rate limit 429) keep their status and message.
 */
function httpStatus(err) {
  if (err.roleSwitchFailed) {
    return { status: 403, message: "the api_key's role cannot be used by this gateway", log: true };
  }
  if (isSqlError(err)) {
    const state = err.code;
    if (state === '42501') return { status: 403, message: "the api_key's role may not do this" };
    if (state.startsWith('22')) return { status: 400, message: err.message };
    if (state.startsWith('08') || state.startsWith('53') || state.startsWith('57')) {
      return { status: 503, message: 'the database is unavailable; try again later' };
    }
    return { status: 500, message: 'internal error' };
  }
  // pg's pool: no connection free within the statement timeout.
  if (/timeout exceeded when trying to connect/.test(String(err.message))) {
    return { status: 503, message: 'the gateway is busy; try again later' };
  }
  const status = err.statusCode;
  if (Number.isInteger(status) && status >= 400 && status < 500) return { status, message: err.message };
  return { status: 500, message: 'internal error' };
}

// The key of a request, or undefined; an empty value counts as none (the
// spec: a null parameter equals an undeclared one).
function findKey(request) {
  const given = (v) => v !== undefined && v !== null && v !== '';
  const q = request.query && request.query.api_key;
  if (given(q)) return q;
  const b = request.body;
  if (b && typeof b === 'object' && !Array.isArray(b) && Object.prototype.hasOwnProperty.call(b, 'api_key')
      && given(b.api_key)) {
    return b.api_key;
  }
  const h = request.headers['x-api-key'];
  return given(h) ? h : undefined;
}

// Invalid keys per client address in the current minute (at most 10,000
// addresses are remembered; the table is emptied each minute).
function badKeyCounter(limit) {
  let counts = new Map();
  let since = Date.now();
  const roll = () => {
    if (Date.now() - since >= 60000 || counts.size > 10000) {
      counts = new Map();
      since = Date.now();
    }
  };
  return {
    over(ip) {
      roll();
      return (counts.get(ip) || 0) >= limit;
    },
    count(ip) {
      roll();
      counts.set(ip, (counts.get(ip) || 0) + 1);
    },
  };
}

module.exports = async function auth(app) {
  const { config, keys } = app;
  const badKeys = badKeyCounter(config.badKeyRate);
  const publicCaller = Object.freeze({ label: null, role: config.publicRole || null, rate: config.publicRate });

  app.decorateRequest('caller', null);

  // Before @fastify/rate-limit sees the routes: static files are exempt.
  app.addHook('onRoute', (route) => {
    const cfg = route.config || {};
    if (cfg.static === true || (route.schema && route.schema.hide === true && cfg.rateLimit === undefined)) {
      route.config = { ...cfg, static: true, rateLimit: false };
    }
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler', // after the caller is known (preValidation, once the body is parsed)
    timeWindow: 60 * 1000,
    max: (request) => (request.caller ? request.caller.rate : config.publicRate),
    keyGenerator: (request) => (request.caller && request.caller.label !== null
      ? `key:${request.caller.label}` : `ip:${request.ip}`),
    errorResponseBuilder: (request, context) => {
      const err = new Error(`rate limit exceeded: at most ${context.max} requests a minute; retry in ${context.after}`);
      err.statusCode = context.statusCode;
      return err;
    },
  });

  app.addHook('preValidation', async (request, reply) => {
    const cfg = request.routeOptions.config || {};
    if (request.is404 || cfg.static) return undefined;
    const key = findKey(request);
    if (key === undefined) {
      if (cfg.apiKey === false) {
        request.caller = publicCaller;
        return undefined;
      }
      if (!READ_METHODS.has(request.method) || !config.publicRole) {
        return sendError(request, reply, 403, 'api_key required');
      }
      request.caller = publicCaller;
      return undefined;
    }
    // Wrong keys are counted per client address before the lookup: a flood of
    // made-up keys is refused with 429 without reaching the database.
    if (badKeys.over(request.ip)) {
      reply.header('retry-after', '60');
      return sendError(request, reply, 429, 'too many invalid api_keys from this address; retry in a minute');
    }
    const caller = await keys.resolve(key);
    if (!caller) {
      badKeys.count(request.ip);
      return sendError(request, reply, 403, 'invalid api_key');
    }
    request.caller = caller;
    return undefined;
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, message, log } = httpStatus(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else if (log) request.log.warn({ err, role: request.caller && request.caller.role }, message);
    return sendError(request, reply, status, message);
  });

  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, 'not found'));
};
module.exports[Symbol.for('skip-override')] = true;
module.exports.sendError = sendError;
module.exports.httpStatus = httpStatus;
module.exports.JSON_TYPE = JSON_TYPE;
module.exports.XML_TYPE = XML_TYPE;

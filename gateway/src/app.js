'use strict';
// The gateway application: a Fastify instance with the callers' identity (api
// keys mapped to database roles), per-key rate limits, and the four faces —
// Open311 (open311.js), the event stream (events.js), the command-center
// screen (screen.js) and cross-platform transfer (transfer.js).
const Fastify = require('fastify');
const { Db } = require('./db');
const { Keys } = require('./keys');
const { sendError } = require('./auth');

// Request URLs as logged: an api_key in the query string is never written out.
// The path only: a query string may carry an api_key in any spelling the
// router decodes (%61pi_key...) and a POST's parameters (names, phones).
function redactUrl(url) {
  const text = String(url);
  const q = text.indexOf('?');
  return q < 0 ? text : `${text.slice(0, q)}?[query not logged]`;
}

const serializers = {
  req(request) {
    return {
      method: request.method,
      url: redactUrl(request.url),
      remoteAddress: request.ip,
    };
  },
};

function loggerOption(config, given) {
  if (given === undefined) return { level: config.logLevel, serializers };
  if (given && typeof given === 'object' && typeof given.info !== 'function') {
    return { ...given, serializers: { ...serializers, ...given.serializers } };
  }
  return given;
}

async function build(config, options = {}) {
  const app = Fastify({
    logger: loggerOption(config, options.logger),
    trustProxy: config.trustProxy,
    bodyLimit: 256 * 1024,
    // Errors of the router itself (a malformed escape, a path parameter over
    // 100 characters) in the same shapes as the others (auth.js).
    frameworkErrors(err, request, reply) {
      const status = Number.isInteger(err.statusCode) ? err.statusCode : 400;
      return sendError(request, reply, status, status === 414 ? 'URL too long' : 'malformed URL');
    },
  });
  const db = options.db || new Db(config);
  const keys = new Keys(db, config);
  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('keys', keys);
  app.addHook('onClose', async () => {
    if (!options.db) await db.close();
  });

  await app.register(require('@fastify/formbody'));
  await app.register(require('./auth'));
  await app.register(require('./open311'), { prefix: '/open311/v2' });
  await app.register(require('./events'));
  await app.register(require('./screen'));
  await app.register(require('./transfer'));
  return app;
}

module.exports = { build, redactUrl };

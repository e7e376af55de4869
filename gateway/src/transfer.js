'use strict';
// Cross-platform transfer (issue 16, item 5; docs/gateway.md, "Transfer").
//
// Out: the pusher. A loop that moves the transfer outbox forward
// (gridgov.transfer_collect), leases the due rows (gridgov.transfer_claim),
// POSTs each row's body, signed, to its endpoint and records the outcome
// (gridgov.transfer_result), which decides in SQL whether the row is delivered
// or when it is tried again. The lease and the outbox are the whole state: a
// gateway that stops or dies loses nothing (a lease it held expires and the row
// is claimed again, with the same idempotency key and body).
//
// In: the receiver. POST /transfer/:endpoint/updates, authenticated by the
// endpoint's HMAC signature (not an api key), runs gridgov.transfer_receive()
// as the endpoint's database role and answers its JSON.
const crypto = require('node:crypto');
const hmac = require('./hmac');

const GATEWAY_ROLE = 'gridgov_gateway';
const CLAIM_ROWS = 10;
const IN_FLIGHT = 4;
// The lease of a claim: 30 s, or longer when the timeout is long, so that at
// least one request fits in it. A row whose request could outlast the lease is
// not sent (another gateway may claim it once the lease ends): it waits for
// the lease to end and is claimed again. LEASE_MARGIN_MS allows for the clocks
// of the gateway and the database differing a little.
const LEASE_MIN_SECONDS = 30;
const LEASE_MARGIN_MS = 1000;
// What is kept of an error or of a refusing receiver's answer for last_error.
const ERROR_CHARS = 200;

function trimText(text) {
  const s = String(text ?? '').replace(/\s+/g, ' ').trim();
  return s.length > ERROR_CHARS ? `${s.slice(0, ERROR_CHARS - 1)}…` : s;
}

// The text of a failed fetch: undici says "fetch failed" and puts the reason
// (ECONNREFUSED, a reset, a DNS failure) in err.cause.
function networkError(err) {
  const cause = err && err.cause;
  const why = cause && cause.message ? `${err.message}: ${cause.message}` : err && err.message;
  return trimText(why || 'network error');
}

/**
 * The pusher: one loop per gateway. start() on ready, stop() before close.
 */
class Pusher {
  /**
   * @param {object} deps
   * @param {import('./db').Db} deps.db
   * @param {{transferIntervalMs: number, transferTimeoutMs: number}} deps.config
   * @param {object} deps.log a pino-style logger
   * @param {typeof fetch} [deps.fetch]
   * @param {() => number} [deps.now] the clock, in ms
   */
  constructor({ db, config, log, fetch = globalThis.fetch, now = Date.now }) {
    this.db = db;
    this.intervalMs = config.transferIntervalMs;
    this.timeoutMs = config.transferTimeoutMs;
    this.leaseSeconds = Math.max(LEASE_MIN_SECONDS, Math.ceil(this.timeoutMs / 1000) + 5);
    this.log = log;
    this.fetch = fetch;
    this.now = now;
    this.running = false;
    this.loopDone = null;
    this.pause = null; // { timer, resolve } while the loop waits for its next round
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  // Claims nothing more, ends the wait, lets the requests in flight finish
  // (each within the timeout) and record their outcome; then resolves. The rows
  // of the last claim not yet sent keep their lease until it expires.
  async stop() {
    this.running = false;
    if (this.pause) {
      clearTimeout(this.pause.timer);
      this.pause.resolve();
    }
    await this.loopDone;
  }

  async loop() {
    while (this.running) {
      let full = false;
      try {
        full = await this.round();
      } catch (err) {
        this.log.warn({ err: { message: err.message, code: err.code } }, 'transfer: round failed');
      }
      // A full claim means more may be due: go on at once.
      if (this.running && !full) await this.wait(this.intervalMs);
    }
  }

  wait(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pause = null;
        resolve();
      }, ms);
      this.pause = { timer, resolve };
    });
  }

  /** One round: collect, claim, deliver. True when the claim was full. */
  async round() {
    await this.db.query(GATEWAY_ROLE, 'SELECT gridgov.transfer_collect()');
    // Taken before the claim: the lease ends no earlier than this.
    const leaseEnds = this.now() + this.leaseSeconds * 1000 - LEASE_MARGIN_MS;
    const { rows } = await this.db.query(
      GATEWAY_ROLE,
      'SELECT * FROM gridgov.transfer_claim($1, $2::interval)',
      [CLAIM_ROWS, `${this.leaseSeconds} seconds`],
    );
    let next = 0;
    const worker = async () => {
      while (this.running && next < rows.length) {
        const row = rows[next++];
        if (this.now() + this.timeoutMs > leaseEnds) continue; // left to its lease's end
        await this.deliver(row);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, worker));
    return rows.length >= CLAIM_ROWS;
  }

  /** POST one claimed row and record the outcome. */
  async deliver(row) {
    const outcome = await this.post(row);
    try {
      // With the attempt's number: the failure of an attempt a newer claim has
      // taken over changes nothing (transfer_result).
      await this.db.query(GATEWAY_ROLE, 'SELECT gridgov.transfer_result($1, $2, $3, now(), $4)', [
        row.idempotency_key,
        outcome.status,
        outcome.error,
        row.attempt,
      ]);
    } catch (err) {
      // Not recorded: the lease expires and the row is sent again (at least once).
      this.log.warn({ err: { message: err.message, code: err.code } }, 'transfer: result not recorded');
    }
    if (outcome.status < 200 || outcome.status > 299) {
      this.log.info(
        { endpoint: row.endpoint_id, attempt: row.attempt, status: outcome.status, error: outcome.error },
        'transfer: not delivered',
      );
    }
  }

  /** The HTTP exchange: {status, error}; status 0 when there was no answer. */
  async post(row) {
    const raw = Buffer.from(JSON.stringify(row.body), 'utf8');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await this.fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Idempotency-Key': row.idempotency_key,
          'X-Gridgov-Signature': hmac.sign(row.secret, raw),
          'User-Agent': 'gridgov-gateway',
        },
        body: raw,
        redirect: 'manual',
        signal: controller.signal,
      });
      // Read the answer to the end (within the timeout) so the connection is reusable.
      const text = await res.text();
      const ok = res.status >= 200 && res.status <= 299;
      return { status: res.status, error: ok ? null : trimText(text) || null };
    } catch (err) {
      if (controller.signal.aborted) return { status: 0, error: `timeout after ${this.timeoutMs} ms` };
      return { status: 0, error: networkError(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

// The 401 says nothing of what was wrong (endpoint unknown or inactive,
// signature missing, bad or stale).
const UNAUTHORIZED = [{ code: 401, description: 'a valid X-Gridgov-Signature is required' }];
const BAD_JSON = [{ code: 400, description: 'the body must be a JSON object' }];
// Verifying against this when the endpoint is unknown keeps the answer's timing alike.
const DUMMY_SECRET = crypto.randomBytes(32).toString('hex');

/** The status of transfer_receive()'s answer: an error body's code, else 200. */
function statusOf(result) {
  if (Array.isArray(result) && result.length > 0) {
    const code = Number(result[0] && result[0].code);
    if (Number.isInteger(code) && code >= 400 && code <= 599) return code;
  }
  return 200;
}

async function receiver(app) {
  // Only here: the body stays the raw bytes, as signed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => done(null, body));

  // No api key: the signature is the authentication (auth.js lets a route with
  // apiKey: false through as the public caller, whatever the method).
  app.post('/transfer/:endpoint/updates', { config: { apiKey: false, auth: 'hmac' } }, async (request, reply) => {
    const name = request.params.endpoint;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers['x-gridgov-signature'];
    const { rows } = await app.db.query(GATEWAY_ROLE, 'SELECT * FROM gridgov.transfer_endpoint($1)', [name]);
    const endpoint = rows[0];
    const known = endpoint !== undefined && endpoint.active === true;
    const signed = hmac.verify(known ? endpoint.secret : DUMMY_SECRET, raw, header);
    if (!known || !signed) return reply.code(401).send(UNAUTHORIZED);

    const text = raw.toString('utf8');
    let update;
    try {
      update = JSON.parse(text);
    } catch {
      update = undefined;
    }
    if (update === null || typeof update !== 'object' || Array.isArray(update)) {
      return reply.code(400).send(BAD_JSON);
    }
    const result = await app.db.asRole(endpoint.db_role, async (client) => {
      const r = await client.query('SELECT gridgov.transfer_receive($1, $2::jsonb) AS result', [name, text]);
      return r.rows[0].result;
    });
    return reply.code(statusOf(result)).send(result);
  });

  // Errors of this route in the shape of transfer_receive()'s own error bodies.
  app.setErrorHandler((err, request, reply) => {
    const { status, description } = errorOf(err);
    if (status >= 500) request.log.error({ err: { message: err.message, code: err.code } }, 'transfer: update failed');
    return reply.code(status).send([{ code: status, description }]);
  });
}

/**
 * Status and client-facing text of an error thrown by the update route. SQL:
 * class 22 (a value PostgreSQL refuses, e.g. \u0000 in jsonb or a malformed
 * time) → 400 with the database's message, which gridgov writes for clients;
 * 42501 → 403; lost or refused connections, shutdown → 503; the rest → 500
 * (the text goes to the log). Fastify's own client errors (body too large,
 * media type) keep theirs.
 */
function errorOf(err) {
  const state = typeof err.code === 'string' && 'severity' in err ? err.code : null;
  if (state) {
    if (state.startsWith('22')) return { status: 400, description: err.message };
    if (state === '42501') return { status: 403, description: "the endpoint's role may not do this" };
    if (/^(08|53|57)/.test(state)) return { status: 503, description: 'the database is unavailable; try again later' };
    return { status: 500, description: 'internal error' };
  }
  if (Number.isInteger(err.statusCode) && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, description: err.message };
  }
  return { status: 500, description: 'internal error' };
}

/** The fastify plugin: the receiver's route, and the pusher unless turned off. */
module.exports = async function transfer(app) {
  await app.register(receiver);
  if (!app.config.transferIntervalMs) return;
  const pusher = new Pusher({ db: app.db, config: app.config, log: app.log });
  app.addHook('onReady', async () => pusher.start());
  // preClose: before the pool closes (app.js closes it onClose).
  app.addHook('preClose', async () => pusher.stop());
};

module.exports.Pusher = Pusher;
module.exports.statusOf = statusOf;

'use strict';
// GET /events: the case history as server-sent events (docs/gateway.md, "Events").
//
// The events come from SQL only: each stream pulls gridgov.event_feed(cursor,
// max_rows, department_id, area) as its caller's role (row-level security
// decides what it sees) and sends one SSE message per row, with the row's
// cursor as the message id.  One shared connection LISTENs on gridgov_events
// and wakes every stream; since a notification is not durable (and arrives
// before the event is below the feed's horizon when another transaction is
// still running), every stream also pulls every few seconds without one.
// A stream never runs two pulls at once: a wake-up during a pull schedules
// one more.  The cursor (Last-Event-ID) is the database's; Node never reads it.
const { Client } = require('pg');

const CHANNEL = 'gridgov_events';
// Per server: its streams and listener (for tests and diagnostics; the
// plugin's own scope is encapsulated, the HTTP server is shared).
const states = new WeakMap();
const FEED_SQL = 'SELECT id, data FROM gridgov.event_feed($1, $2, $3, $4)';
const START_SQL = 'SELECT gridgov.event_feed_start() AS cursor';

// Tunables: the configuration's value (config.js), else the environment, else
// the default.  Read when a stream opens, so a running gateway's config object
// decides.
const SETTINGS = {
  pollMs: ['eventsPollMs', 'GRIDGOV_EVENTS_POLL_MS', 3000],
  heartbeatMs: ['eventsHeartbeatMs', 'GRIDGOV_EVENTS_HEARTBEAT_MS', 15000],
  retryMs: ['eventsRetryMs', 'GRIDGOV_EVENTS_RETRY_MS', 3000],
  maxPerKey: ['eventsMaxPerKey', 'GRIDGOV_EVENTS_MAX_PER_KEY', 20],
  maxStreamMs: ['eventsMaxStreamMs', 'GRIDGOV_EVENTS_MAX_STREAM_MS', 600000],
  batch: ['eventsBatch', 'GRIDGOV_EVENTS_BATCH', 500],
};

function settings(config) {
  const out = {};
  for (const [name, [key, env, fallback]] of Object.entries(SETTINGS)) {
    const raw = config[key] ?? process.env[env];
    const n = Number(raw);
    out[name] = raw !== undefined && raw !== '' && Number.isInteger(n) && n > 0 ? n : fallback;
  }
  return out;
}

// An SQL error the caller caused (SQLSTATE class 22) or may not do (42501):
// during a stream, such an error ends it (retrying cannot help).
function refused(err) {
  return typeof err.code === 'string' && (err.code.startsWith('22') || err.code === '42501');
}

// The key the caller presented (EventSource cannot set headers: ?api_key=).
function presentedKey(request) {
  const q = request.query || {};
  return q.api_key || request.headers['x-api-key'] || '';
}

/**
 * The shared LISTEN connection, as the gateway's own login (LISTEN needs no
 * privilege).  Reconnects with exponential backoff (0.5 s to 30 s) when the
 * connection drops, and wakes every stream once it is back (notifications sent
 * meanwhile are lost; the streams' pulls read the history).
 */
class Listener {
  constructor(config, log, onWake) {
    this.config = config;
    this.log = log;
    this.onWake = onWake;
    this.client = null;
    this.timer = null;
    this.delay = 500;
    this.stopped = false;
  }

  async start() {
    await this.connect();
  }

  async connect() {
    this.timer = null;
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      user: this.config.databaseUser,
      application_name: 'gridgov-gateway-listen',
    });
    client.on('notification', () => this.onWake());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      this.lost(client, err);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.delay = 500;
    this.onWake();
  }

  lost(client, err) {
    if (this.stopped || this.timer) return;
    if (this.client && this.client !== client) return;
    this.client = null;
    this.log.warn({ err: err && err.message }, `events: ${CHANNEL} listener lost; reconnecting in ${this.delay} ms`);
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, 30000);
    client.end().catch(() => {});
  }

  // For tests: the backend pid of the listening connection (null while down).
  get pid() {
    return this.client ? this.client.processID : null;
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => {});
  }
}

/**
 * One SSE client: its role, filters and cursor; pulls the feed from the
 * cursor (at most one pull in flight) and writes the rows.
 */
class Stream {
  constructor({ db, log, raw, role, label, cursor, departmentId, area, batch, onClose }) {
    Object.assign(this, { db, log, raw, role, label, cursor, departmentId, area, batch, onClose });
    this.pulling = false;
    this.again = false;
    this.blocked = false;
    this.closed = false;
    this.opened = Date.now();
    this.lastWrite = Date.now();
    raw.on('drain', () => {
      this.blocked = false;
      if (this.again) this.wake();
    });
  }

  write(text) {
    this.lastWrite = Date.now();
    if (!this.raw.write(text)) this.blocked = true;
  }

  // Send the rows of one pull and move the cursor past them.
  send(rows) {
    if (rows.length === 0) return;
    let out = '';
    for (const row of rows) out += `id: ${row.id}\nevent: case\ndata: ${JSON.stringify(row.data)}\n\n`;
    this.cursor = rows[rows.length - 1].id;
    this.write(out);
  }

  wake() {
    if (this.closed) return;
    if (this.pulling || this.blocked) {
      this.again = true;
      return;
    }
    this.pull();
  }

  async pull() {
    this.pulling = true;
    try {
      do {
        this.again = false;
        const { rows } = await this.db.query(this.role, FEED_SQL, [this.cursor, this.batch, this.departmentId, this.area]);
        if (this.closed) return;
        this.send(rows);
        if (rows.length === this.batch) this.again = true;
      } while (this.again && !this.closed && !this.blocked);
    } catch (err) {
      // A refusal (the role lost a right) ends the stream; anything else
      // (the database restarting) is retried at the next wake-up.
      if (refused(err)) {
        this.log.info({ code: err.code, label: this.label }, 'events: stream refused by the database, closing');
        this.end();
      } else {
        this.log.warn({ err: err.message, label: this.label }, 'events: pull failed; retrying at the next wake-up');
      }
    } finally {
      this.pulling = false;
    }
  }

  heartbeat(now, s) {
    if (this.closed) return;
    // A stream lives at most maxStreamMs: the client reconnects (EventSource
    // does by itself, with Last-Event-ID) and its key is checked again.
    if (now - this.opened >= s.maxStreamMs) {
      this.end();
      return;
    }
    if (now - this.lastWrite >= s.heartbeatMs && !this.blocked) this.write(': keep-alive\n\n');
  }

  end() {
    if (!this.closed) this.raw.end();
    this.close();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }
}

module.exports = async function events(app) {
  const streams = new Set();
  const perKey = new Map();
  const wakeAll = () => {
    for (const s of streams) s.wake();
  };
  const listener = new Listener(app.config, app.log, wakeAll);
  let pollTimer = null;
  let beatTimer = null;

  const release = (label) => {
    const n = (perKey.get(label) || 1) - 1;
    if (n > 0) perKey.set(label, n);
    else perKey.delete(label);
  };

  // Timers run while there are streams: the pull without a notification, and
  // the heartbeat (which also ends streams past their maximum duration).
  const timersOn = (s) => {
    if (pollTimer) return;
    pollTimer = setInterval(wakeAll, s.pollMs);
    beatTimer = setInterval(() => {
      const now = Date.now();
      for (const st of streams) st.heartbeat(now, s);
    }, Math.min(s.heartbeatMs, 1000));
    pollTimer.unref();
    beatTimer.unref();
  };
  const timersOff = () => {
    clearInterval(pollTimer);
    clearInterval(beatTimer);
    pollTimer = beatTimer = null;
  };

  states.set(app.server, { streams, listener, wakeAll });

  app.addHook('onReady', async () => {
    await listener.start();
  });
  // Streams end before the server closes (it waits for open connections).
  app.addHook('preClose', async () => {
    for (const s of [...streams]) s.end();
    timersOff();
  });
  app.addHook('onClose', async () => {
    await listener.stop();
  });

  // No HEAD route: a HEAD would open a stream.
  app.get('/events', { exposeHeadRoute: false }, async (request, reply) => {
    const caller = request.caller;
    if (!presentedKey(request) || !caller || !caller.role) {
      return reply.code(401).send({ error: 'an API key is required: api_key=... or the X-Api-Key header' });
    }
    const s = settings(app.config);
    const label = caller.label ?? caller.role;
    if ((perKey.get(label) || 0) >= s.maxPerKey) {
      reply.header('Retry-After', String(Math.ceil(s.retryMs / 1000)));
      return reply.code(429).send({ error: `at most ${s.maxPerKey} event streams per key` });
    }
    perKey.set(label, (perKey.get(label) || 0) + 1);

    const q = request.query || {};
    const given = request.headers['last-event-id'] || q.last_event_id || null;
    const departmentId = q.department_id === undefined || q.department_id === '' ? null : q.department_id;
    const area = q.area === undefined || q.area === '' ? null : q.area;
    let cursor = given;
    let first;
    // The start cursor and the first pull before the stream starts, so that a
    // malformed cursor or filter is a plain HTTP error.
    try {
      if (cursor === null) cursor = (await app.db.query(caller.role, START_SQL)).rows[0].cursor;
      first = (await app.db.query(caller.role, FEED_SQL, [cursor, s.batch, departmentId, area])).rows;
    } catch (err) {
      // The app's error handler (auth.js) answers: class 22 → 400 with the
      // database's message, 42501 → 403, else 500.
      release(label);
      throw err;
    }

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    const stream = new Stream({
      db: app.db, log: request.log, raw, role: caller.role, label, cursor, departmentId, area, batch: s.batch,
      onClose: (st) => {
        streams.delete(st);
        release(label);
        if (streams.size === 0) timersOff();
      },
    });
    // The reconnection delay, and the cursor as the last event id (a message
    // without data sets it without an event), so that a client that
    // reconnects before any event arrived resumes here too.
    stream.write(`retry: ${s.retryMs}\nid: ${cursor}\n\n`);
    stream.send(first);
    streams.add(stream);
    timersOn(s);
    // The response closes when the client goes away (or the stream ended);
    // a client gone during the first pull is gone already.
    raw.on('close', () => stream.close());
    raw.on('error', () => stream.close());
    if (raw.destroyed || !raw.socket || raw.socket.destroyed) stream.close();
    else if (first.length === s.batch) stream.wake();
  });
};

module.exports.settings = settings;
/** The streams and the listener of an app (app.server): `{streams, listener, wakeAll}`. */
module.exports.stateOf = (app) => states.get(app.server);

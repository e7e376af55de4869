'use strict';
// Cross-platform transfer, outbound (src/transfer.js, the pusher): cases
// dispatched to a platform's department are POSTed, signed, to a real local
// HTTP receiver that fails (500), times out (never answers in time) and
// recovers; every case is acknowledged exactly once as the receiver sees it
// (by idempotency key), across gateway restarts.
//
// Needs the test database (test/shell/gateway.sh: demo city, fixtures incl.
// fixtures/20_transfer.sql). No sleeps: bounded polls (harness.until); retries
// are made due at once by setting next_attempt_at as the superuser, instead of
// waiting for the SQL backoff.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startGateway, superuser, until } = require('./lib/harness');
const hmac = require('../src/hmac');

const SECRET = 'push-test-secret-0123456789';
const ENDPOINT = 'gw-test-push';
// A fast pusher: rounds every 25 ms. The timeout is long where the receiver
// answers (an answer slower than the timeout on a loaded machine would be a
// redelivery, rightly), short where it hangs.
const FAST = { GRIDGOV_TRANSFER_INTERVAL_MS: '25', GRIDGOV_TRANSFER_TIMEOUT_MS: '5000' };
const IMPATIENT = { ...FAST, GRIDGOV_TRANSFER_TIMEOUT_MS: '300' };

/**
 * The platform's side: a real HTTP server that records every request and
 * answers according to `mode`: 'ok' (200), 'fail' (500), 'hang' (no answer
 * until the server closes), 'hold' (no answer until release() is called).
 */
function receiver() {
  const r = {
    mode: 'fail',
    seen: [], // {key, raw, signature, verified, answered}
    held: [],
    sockets: new Set(),
  };
  r.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry = {
        key: req.headers['idempotency-key'],
        contentType: req.headers['content-type'],
        raw,
        signature: req.headers['x-gridgov-signature'],
        verified: hmac.verify(SECRET, raw, req.headers['x-gridgov-signature']),
        path: req.url,
        answered: null,
      };
      r.seen.push(entry);
      const answer = (status) => {
        entry.answered = status;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '{"received": true}' : '{"error": "the platform is down"}');
      };
      if (r.mode === 'ok') answer(200);
      else if (r.mode === 'fail') answer(500);
      else if (r.mode === 'hold') r.held.push(() => answer(200));
      // 'hang': never answered; the socket is destroyed when the server closes.
    });
  });
  r.server.on('connection', (s) => {
    r.sockets.add(s);
    s.on('close', () => r.sockets.delete(s));
  });
  r.listen = () => new Promise((resolve) => {
    r.server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${r.server.address().port}/gridgov/cases`));
  });
  r.close = () => new Promise((resolve) => {
    for (const s of r.sockets) s.destroy();
    r.server.close(() => resolve());
  });
  r.acked = (key) => r.seen.filter((e) => e.key === key && e.answered === 200).length;
  r.of = (key) => r.seen.filter((e) => e.key === key);
  return r;
}

let su;
let rx;
let endpointId;
let departmentId;
let serial = 0;

// A new case of the demo city (a patrol report in Daxing), filed and dispatched
// to the platform's department as the superuser; returns {id, county, caseNo}.
async function dispatchedCase(department = departmentId) {
  serial += 1;
  const ext = `xfer-push-${process.pid}-${serial}`;
  const { rows } = await su.query(
    `INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
     VALUES ('patrol', $1, 'E0102', '对接测试：暴露垃圾', ST_SetSRID(ST_MakePoint(116.4980, 39.7925), 4326),
             pg_catalog.now() - interval '1 hour')
     RETURNING id, county, case_no`,
    [ext],
  );
  const c = rows[0];
  await su.query("SELECT gridgov.act($1, 'file', NULL, '{}')", [c.id]);
  await su.query('SELECT gridgov.dispatch($1, $2)', [c.id, department]);
  return { id: c.id, county: c.county, caseNo: c.case_no };
}

// The outbox rows of our endpoint, by case.
async function outbox() {
  const { rows } = await su.query(
    `SELECT case_id, idempotency_key, attempts, delivered_at, last_status, last_error, body
     FROM gridgov.transfer_outbox WHERE endpoint_id = $1 ORDER BY case_id, seq`,
    [endpointId],
  );
  return rows;
}
const rowOf = async (c) => (await outbox()).find((r) => String(r.case_id) === String(c.id));

// Poll (bounded) until the outbox row of every one of cases satisfies ok(row).
async function untilEvery(cases, ok, ms = 10000) {
  await until(async () => {
    const rows = await outbox();
    return cases.every((c) => rows.some((r) => String(r.case_id) === String(c.id) && ok(r)));
  }, ms);
}

// Make every undelivered row of the endpoint due now (what the backoff would do later).
async function dueNow() {
  await su.query(
    `UPDATE gridgov.transfer_outbox SET next_attempt_at = pg_catalog.now()
     WHERE endpoint_id = $1 AND delivered_at IS NULL`,
    [endpointId],
  );
}

test.before(async () => {
  su = await superuser();
  rx = receiver();
  const url = await rx.listen();
  ({ rows: [{ id: departmentId }] } = await su.query("SELECT id FROM gridgov.departments WHERE code = 'gw-xfer-a'"));
  const { rows } = await su.query(
    `INSERT INTO gridgov.transfer_endpoints (name, department_id, url, secret, db_role)
     VALUES ($1, $2, $3, $4, 'gg_test_xfer_a') RETURNING id`,
    [ENDPOINT, departmentId, url, SECRET],
  );
  endpointId = rows[0].id;
});

test.after(async () => {
  await su.query('DELETE FROM gridgov.transfer_outbox WHERE endpoint_id = $1', [endpointId]);
  await su.query('DELETE FROM gridgov.transfer_endpoints WHERE id = $1', [endpointId]);
  await su.end();
  await rx.close();
});

test('fails, times out, recovers, across restarts: every case acknowledged exactly once, same key and body', async () => {
  rx.mode = 'fail';
  const first = [await dispatchedCase(), await dispatchedCase(), await dispatchedCase()];
  let gw = await startGateway(FAST);
  try {
    // 500: each case tried, recorded as failing, not delivered.
    await untilEvery(first, (r) => r.last_status === 500);
  } finally {
    await gw.close();
  }
  for (const c of first) {
    const row = await rowOf(c);
    assert.equal(row.delivered_at, null);
    assert.ok(row.attempts >= 1);
    assert.ok(rx.of(row.idempotency_key).length >= 1, 'the receiver saw it');
  }

  // Another gateway; no answer within its timeout: status 0 with the reason.
  rx.mode = 'hang';
  await dueNow();
  gw = await startGateway(IMPATIENT);
  try {
    await untilEvery(first, (r) => r.last_status === 0);
  } finally {
    await gw.close();
  }
  for (const c of first) {
    const row = await rowOf(c);
    assert.equal(row.delivered_at, null);
    assert.match(row.last_error, /timeout/);
    assert.ok(row.attempts >= 2);
  }

  // While no gateway runs, two more cases are dispatched.
  const later = [await dispatchedCase(), await dispatchedCase()];
  const all = [...first, ...later];

  // A new gateway, the platform back: everything delivered.
  rx.mode = 'ok';
  await dueNow();
  gw = await startGateway(FAST);
  try {
    await untilEvery(all, (r) => r.delivered_at !== null, 15000);
    // One more case after those, delivered too: the pusher went on past them
    // (rounds later than the deliveries) without sending any of them again.
    const last = await dispatchedCase();
    all.push(last);
    await until(async () => (await rowOf(last))?.delivered_at, 15000);
  } finally {
    await gw.close();
  }

  const rows = await outbox();
  assert.equal(rows.length, all.length, 'one outbox row per dispatch');
  for (const c of all) {
    const row = rows.find((r) => String(r.case_id) === String(c.id));
    const key = row.idempotency_key;
    assert.equal(row.last_status, 200);
    assert.equal(rx.acked(key), 1, `${key}: acknowledged exactly once`);
    const tries = rx.of(key);
    // Every try (failed, timed out, acknowledged) carried the same key and body.
    assert.equal(new Set(tries.map((t) => t.raw)).size, 1, `${key}: one body`);
    for (const t of tries) {
      assert.equal(t.verified, true, 'signed with the endpoint secret, within 300 s');
      assert.match(t.signature, /^t=\d+,v1=[0-9a-f]{64}$/);
      assert.equal(t.contentType, 'application/json');
    }
    const body = JSON.parse(tries[0].raw);
    assert.equal(body.idempotency_key, key);
    assert.equal(body.endpoint, ENDPOINT);
    assert.equal(String(body.department_id), String(departmentId));
    assert.equal(body.service_request.service_request_id, c.caseNo);
    assert.equal(body.event.case_no, c.caseNo);
    assert.equal(body.event.to, 'dispatched');
    assert.deepEqual(JSON.parse(JSON.stringify(row.body)), body, 'the body sent is the outbox body');
    if (first.includes(c)) assert.ok(tries.length >= 3, `${key}: failed, timed out, then delivered`);
  }
  assert.equal(new Set(rx.seen.map((e) => e.path)).size, 1, 'to the endpoint URL');
});

test('a gateway stopping with a request in flight lets it finish and records it: not sent again after the restart', async () => {
  rx.mode = 'hold';
  const c = await dispatchedCase();
  let gw = await startGateway({ ...FAST, GRIDGOV_TRANSFER_TIMEOUT_MS: '20000' });
  const key = (await until(() => rowOf(c), 10000)).idempotency_key;
  await until(() => rx.held.length === 1, 10000);
  const closing = gw.close();
  rx.mode = 'ok';
  rx.held.shift()();
  await closing;
  const row = await rowOf(c);
  assert.notEqual(row.delivered_at, null, 'the answer that came in during the stop was recorded');

  gw = await startGateway(FAST);
  try {
    const next = await dispatchedCase();
    await until(async () => (await rowOf(next))?.delivered_at, 15000);
  } finally {
    await gw.close();
  }
  assert.equal(rx.of(key).length, 1, 'sent once');
  assert.equal(rx.acked(key), 1);
});

test('a refused connection is recorded as status 0 with the reason, and retried', async () => {
  // A port nobody listens on: taken, then given back.
  const probe = http.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const dead = `http://127.0.0.1:${probe.address().port}/nobody`;
  await new Promise((resolve) => probe.close(resolve));
  const { rows: [{ url }] } = await su.query('SELECT url FROM gridgov.transfer_endpoints WHERE id = $1', [endpointId]);
  await su.query('UPDATE gridgov.transfer_endpoints SET url = $2 WHERE id = $1', [endpointId, dead]);
  rx.mode = 'ok';
  const c = await dispatchedCase();
  const gw = await startGateway(FAST);
  try {
    const row = await until(async () => {
      const r = await rowOf(c);
      return r && r.last_status === 0 ? r : null;
    }, 10000);
    assert.equal(row.delivered_at, null);
    assert.match(row.last_error, /ECONNREFUSED|fetch failed/);
    await su.query('UPDATE gridgov.transfer_endpoints SET url = $2 WHERE id = $1', [endpointId, url]);
    await dueNow();
    await until(async () => (await rowOf(c))?.delivered_at, 10000);
  } finally {
    await su.query('UPDATE gridgov.transfer_endpoints SET url = $2 WHERE id = $1', [endpointId, url]);
    await gw.close();
  }
  assert.equal(rx.acked((await rowOf(c)).idempotency_key), 1);
});

test('a case dispatched to another department is not pushed to this endpoint', async () => {
  rx.mode = 'ok';
  const { rows: [{ id: other }] } = await su.query("SELECT id FROM gridgov.departments WHERE code = 'gw-xfer-b'");
  const elsewhere = await dispatchedCase(other);
  const here = await dispatchedCase();
  const gw = await startGateway(FAST);
  try {
    await until(async () => (await rowOf(here))?.delivered_at, 15000);
  } finally {
    await gw.close();
  }
  assert.equal(await rowOf(elsewhere), undefined);
  assert.equal(rx.seen.filter((e) => String(JSON.parse(e.raw).event.case_id) === String(elsewhere.id)).length, 0);
});

test('GRIDGOV_TRANSFER_INTERVAL_MS=0: no pusher, nothing claimed', async () => {
  rx.mode = 'ok';
  const gw = await startGateway({ GRIDGOV_TRANSFER_INTERVAL_MS: '0' });
  const before = rx.seen.length;
  try {
    const c = await dispatchedCase();
    // The gateway answers requests meanwhile; the outbox row is not even collected.
    const res = await fetch(`${gw.url}/transfer/${ENDPOINT}/updates`, { method: 'POST' });
    assert.equal(res.status, 401);
    assert.equal(await rowOf(c), undefined);
  } finally {
    await gw.close();
  }
  assert.equal(rx.seen.length, before);
});

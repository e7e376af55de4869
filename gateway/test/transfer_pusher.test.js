'use strict';
// The pusher's loop (src/transfer.js, class Pusher) with a stand-in database
// and fetch: bounded concurrency, no request that could outlast its lease,
// outcomes reported, and a stop that ends the wait at once and leaves no
// timer behind. (The real thing, against PostgreSQL and an HTTP receiver, is
// transfer_push.test.js.)
const test = require('node:test');
const assert = require('node:assert/strict');
const { Pusher } = require('../src/transfer');
const hmac = require('../src/hmac');

const quiet = { warn() {}, info() {} };

function claimed(n) {
  return Array.from({ length: n }, (_, i) => ({
    idempotency_key: `gg:110115:${i + 1}:3:1`,
    endpoint_id: 1,
    url: `http://platform.invalid/cases/${i + 1}`,
    secret: 'stand-in-secret-0123456789',
    body: { idempotency_key: `gg:110115:${i + 1}:3:1`, n: i + 1, text: '派区水务局' },
    attempt: 1,
  }));
}

// A database that hands out `batches` (one claim each, then nothing) and records the results.
function standInDb(batches) {
  const db = { calls: [], results: [] };
  db.query = async (role, text, params) => {
    db.calls.push({ role, text });
    if (text.includes('transfer_claim')) return { rows: batches.shift() || [] };
    if (text.includes('transfer_result')) db.results.push(params);
    return { rows: [] };
  };
  return db;
}

const answer = (status, text = '') => ({ status, text: async () => text });

test('at most four requests in flight; every outcome reported as gridgov_gateway; signed bodies', async () => {
  const db = standInDb([claimed(10)]);
  let inFlight = 0;
  let most = 0;
  const sent = [];
  const fetch = async (url, init) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    sent.push({ url, init });
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return Number(url.split('/').pop()) % 3 === 0 ? answer(503, '  busy,\n try later ') : answer(200);
  };
  const p = new Pusher({ db, config: { transferIntervalMs: 3600000, transferTimeoutMs: 1000 }, log: quiet, fetch });
  const full = await (p.running = true, p.round());
  assert.equal(full, true, 'a full claim: the loop goes on at once');
  assert.equal(most, 4);
  assert.equal(sent.length, 10);
  assert.deepEqual(db.calls.slice(0, 2).map((c) => c.text), [
    'SELECT gridgov.transfer_collect()',
    'SELECT * FROM gridgov.transfer_claim($1, $2::interval)',
  ]);
  assert.ok(db.calls.every((c) => c.role === 'gridgov_gateway'));
  assert.equal(db.results.length, 10);
  for (const { init } of sent) {
    assert.equal(init.method, 'POST');
    assert.equal(init.redirect, 'manual');
    assert.equal(init.headers['Content-Type'], 'application/json');
    assert.ok(hmac.verify('stand-in-secret-0123456789', init.body, init.headers['X-Gridgov-Signature']));
    assert.equal(JSON.parse(init.body).idempotency_key, init.headers['Idempotency-Key']);
  }
  const failed = db.results.filter(([, status]) => status === 503);
  assert.equal(failed.length, 3);
  assert.deepEqual(failed[0].slice(2), ['busy, try later', 1], 'the answer, trimmed, with the attempt it answers');
  assert.ok(db.results.filter(([, status]) => status === 200).every(([, , error]) => error === null));
});

test('no request starts that could end after the lease; the rest wait for it to run out', async () => {
  let clock = 1000000;
  const db = standInDb([claimed(10)]);
  const sent = [];
  // Each request takes the whole timeout (10 s) on the stand-in clock.
  const fetch = async (url) => {
    sent.push(url);
    clock += 10000;
    return answer(200);
  };
  const p = new Pusher({
    db, config: { transferIntervalMs: 1000, transferTimeoutMs: 10000 }, log: quiet, fetch, now: () => clock,
  });
  p.running = true;
  await p.round();
  // Lease 30 s (less a 1 s margin): requests may start at +0 and +10 s, not at +20 s.
  assert.equal(sent.length, 2);
  assert.equal(db.results.length, 2, 'the others are not reported: their lease runs out');
  const { calls } = db;
  assert.ok(calls.some((c) => c.text.includes('transfer_claim')));

  // A long timeout lengthens the lease so that a request fits: 60 s → 65 s.
  const q = new Pusher({ db: standInDb([]), config: { transferIntervalMs: 1000, transferTimeoutMs: 60000 }, log: quiet });
  assert.equal(q.leaseSeconds, 65);
});

test('no answer within the timeout, or no connection: status 0 with the reason', async () => {
  const db = standInDb([claimed(2)]);
  const fetch = async (url, init) => {
    if (url.endsWith('/1')) {
      return new Promise((resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    const err = new TypeError('fetch failed');
    err.cause = new Error('connect ECONNREFUSED 127.0.0.1:9');
    throw err;
  };
  const p = new Pusher({ db, config: { transferIntervalMs: 1000, transferTimeoutMs: 100 }, log: quiet, fetch });
  p.running = true;
  await p.round();
  assert.deepEqual(db.results.map(([, s, e]) => [s, e]).sort(), [
    [0, 'fetch failed: connect ECONNREFUSED 127.0.0.1:9'],
    [0, 'timeout after 100 ms'],
  ]);
});

test('start() runs rounds; stop() ends the wait at once, leaves no timer; a failing database does not end the loop', async () => {
  let claims = 0;
  let failNext = true;
  const db = {
    query: async (role, text) => {
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('the database is starting up'), { code: '57P03' });
      }
      if (text.includes('transfer_claim')) claims += 1;
      return { rows: [] };
    },
  };
  const warnings = [];
  const p = new Pusher({
    db, config: { transferIntervalMs: 20, transferTimeoutMs: 1000 }, log: { ...quiet, warn: (o, m) => warnings.push(m) },
    fetch: async () => assert.fail('nothing to send'),
  });
  p.start();
  const deadline = Date.now() + 5000;
  while (claims < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(claims >= 3, 'rounds go on after a failed one');
  assert.deepEqual(warnings.slice(0, 1), ['transfer: round failed']);

  // Between rounds the loop now waits 30 s; stop() ends that wait (were the timer
  // left running, the assertion below would say so, and this file would end 30 s late).
  p.intervalMs = 30000;
  const before = claims;
  while (claims === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setImmediate(resolve));
  await p.stop();
  assert.equal(p.running, false);
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout');
  assert.deepEqual(timers, [], 'no timer left');
});

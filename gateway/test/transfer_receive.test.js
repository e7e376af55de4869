'use strict';
// Cross-platform transfer, inbound (src/transfer.js, the receiver): a
// platform's signed status update (POST /transfer/NAME/updates) becomes one
// act() as the endpoint's role, once per update_id; anything not signed with
// the endpoint's secret within 300 s is 401, whatever was wrong.
//
// Needs the test database (test/shell/gateway.sh: demo city, fixtures incl.
// fixtures/20_transfer.sql). The events are checked as the superuser.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startGateway, superuser } = require('./lib/harness');
const hmac = require('../src/hmac');

const SECRET = 'receive-test-secret-0123456789';
const ENDPOINT = 'gw-test-receive';
const UNAUTHORIZED = [{ code: 401, description: 'a valid X-Gridgov-Signature is required' }];

let su;
let gw;
let departments; // code → id
let serial = 0;

// A new case of the demo city, filed and dispatched to a department as the superuser.
async function dispatchedCase(code = 'gw-xfer-b') {
  serial += 1;
  const { rows } = await su.query(
    `INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
     VALUES ('patrol', $1, 'E0102', '对接测试：暴露垃圾', ST_SetSRID(ST_MakePoint(116.4980, 39.7925), 4326),
             pg_catalog.now() - interval '1 hour')
     RETURNING id, case_no`,
    [`xfer-recv-${process.pid}-${serial}`],
  );
  await su.query("SELECT gridgov.act($1, 'file', NULL, '{}')", [rows[0].id]);
  await su.query('SELECT gridgov.dispatch($1, $2)', [rows[0].id, departments[code]]);
  return { id: rows[0].id, caseNo: rows[0].case_no };
}

async function events(c) {
  const { rows } = await su.query(
    'SELECT action, to_state, actor_role, note FROM gridgov.case_events WHERE case_id = $1 ORDER BY seq',
    [c.id],
  );
  return rows;
}

/**
 * POST an update: body (an object, or a string sent as is), signed with
 * secret at t (unix seconds) unless a header is given. Answers {status, body}.
 */
async function post(body, { secret = SECRET, t, header, endpoint = ENDPOINT, type = 'application/json' } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = { 'content-type': type };
  const signature = header !== undefined ? header : hmac.sign(secret, raw, t);
  if (signature !== null) headers['x-gridgov-signature'] = signature;
  const res = await fetch(`${gw.url}/transfer/${encodeURIComponent(endpoint)}/updates`, {
    method: 'POST', headers, body: raw,
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

test.before(async () => {
  su = await superuser();
  const { rows } = await su.query("SELECT code, id FROM gridgov.departments WHERE code IN ('gw-xfer-a', 'gw-xfer-b')");
  departments = Object.fromEntries(rows.map((r) => [r.code, r.id]));
  await su.query(
    `INSERT INTO gridgov.transfer_endpoints (name, department_id, url, secret, db_role)
     VALUES ($1, $2, 'http://127.0.0.1:9/unused', $3, 'gg_test_xfer_b')`,
    [ENDPOINT, departments['gw-xfer-b'], SECRET],
  );
  // No pusher: only the receiver is under test here.
  gw = await startGateway({ GRIDGOV_TRANSFER_INTERVAL_MS: '0' });
});

test.after(async () => {
  await gw.close();
  await su.query('DELETE FROM gridgov.transfer_endpoints WHERE name = $1', [ENDPOINT]);
  await su.end();
});

test('a signed status update becomes one act() as the endpoint role; its replay is a duplicate with no second event', async () => {
  const c = await dispatchedCase();
  const update = {
    update_id: `upd-${c.id}-1`,
    service_request_id: c.caseNo,
    action: 'sign',
    note: '平台已签收',
    // The platform's own time of the update. An ISO string has milliseconds
    // and the dispatch's event microseconds: Date.now() can fall in the
    // dispatch's own millisecond, and truncated it would be earlier than that
    // event (409). One millisecond on is after it, whatever the microseconds.
    at: new Date(Date.now() + 1).toISOString(),
  };
  const first = await post(update);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body, { service_request_id: c.caseNo, state: 'signed', duplicate: false });
  let ev = await events(c);
  assert.deepEqual(ev.slice(-1), [{ action: 'sign', to_state: 'signed', actor_role: 'gg_test_xfer_b', note: '平台已签收' }]);
  const count = ev.length;

  // The same update again (the platform retrying), signed anew: the first answer, no new event.
  const again = await post(update);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { service_request_id: c.caseNo, state: 'signed', duplicate: true });
  // The same update_id with another action is still that update.
  const other = await post({ ...update, action: 'handle', note: '另一动作' });
  assert.equal(other.status, 200);
  assert.equal(other.body.duplicate, true);
  assert.equal(other.body.state, 'signed');
  ev = await events(c);
  assert.equal(ev.length, count, 'no second event');
  assert.equal(ev.filter((e) => e.action === 'sign').length, 1);

  // A new update_id goes on with the workflow (no `at`: now).
  const handled = await post({ update_id: `upd-${c.id}-2`, service_request_id: c.caseNo, action: 'handle', note: '已处置' });
  assert.equal(handled.status, 200, JSON.stringify(handled.body));
  assert.deepEqual(handled.body, { service_request_id: c.caseNo, state: 'handled', duplicate: false });
  assert.equal((await events(c)).length, count + 1);
});

test('bad, missing or stale signatures, unknown or inactive endpoints: 401 alike, nothing applied', async () => {
  const c = await dispatchedCase();
  const update = { update_id: `upd-${c.id}-x`, service_request_id: c.caseNo, action: 'sign' };
  const raw = JSON.stringify(update);
  const now = Math.floor(Date.now() / 1000);
  const refused = {
    'another secret': await post(update, { secret: 'not-the-endpoint-secret-000' }),
    'no signature': await post(update, { header: null }),
    'a garbage header': await post(update, { header: 't=abc,v1=xyz' }),
    'the signature of another body': await post(update, { header: hmac.sign(SECRET, `${raw} `) }),
    // (10 s beyond the tolerance: the clock moves on between here and the gateway;
    // the exact bounds are transfer_hmac.test.js's)
    'stale (310 s old)': await post(update, { t: now - 310 }),
    'from the future (310 s ahead)': await post(update, { t: now + 310 }),
    'an unknown endpoint': await post(update, { endpoint: 'no-such-endpoint' }),
  };
  await su.query('UPDATE gridgov.transfer_endpoints SET active = false WHERE name = $1', [ENDPOINT]);
  try {
    refused['an inactive endpoint'] = await post(update);
  } finally {
    await su.query('UPDATE gridgov.transfer_endpoints SET active = true WHERE name = $1', [ENDPOINT]);
  }
  for (const [why, res] of Object.entries(refused)) {
    assert.equal(res.status, 401, why);
    assert.deepEqual(res.body, UNAUTHORIZED, `${why}: says nothing of what was wrong`);
  }
  assert.ok((await events(c)).every((e) => e.action !== 'sign'), 'nothing applied');
  const { rows } = await su.query('SELECT count(*)::int AS n FROM gridgov.transfer_inbound WHERE case_id = $1', [c.id]);
  assert.equal(rows[0].n, 0);

  // Within the tolerance (290 s old) the same update is applied.
  const ok = await post(update, { t: now - 290 });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state, 'signed');
});

test('a case now held by another department: 409; one it never held: 404; the workflow refusing the action: 409', async () => {
  // Dispatched to the endpoint's department, returned, and re-dispatched to another.
  const moved = await dispatchedCase('gw-xfer-b');
  await su.query("SELECT gridgov.act($1, 'return', '不属本单位', '{}')", [moved.id]);
  await su.query("SELECT gridgov.act($1, 'dispatch', NULL, jsonb_build_object('department_id', $2::bigint))",
    [moved.id, departments['gw-xfer-a']]);
  const res = await post({ update_id: `upd-${moved.id}-1`, service_request_id: moved.caseNo, action: 'sign' });
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body[0].code, 409);
  assert.ok((await events(moved)).every((e) => e.action !== 'sign'));

  // A case the department never held is outside its sight (row-level security): not found.
  const elsewhere = await dispatchedCase('gw-xfer-a');
  const unseen = await post({ update_id: `upd-${elsewhere.id}-1`, service_request_id: elsewhere.caseNo, action: 'sign' });
  assert.equal(unseen.status, 404);
  assert.ok((await events(elsewhere)).every((e) => e.action !== 'sign'));

  const c = await dispatchedCase();
  const refused = await post({ update_id: `upd-${c.id}-1`, service_request_id: c.caseNo, action: 'close' });
  assert.equal(refused.status, 409);
  assert.equal(refused.body[0].code, 409);
  assert.ok((await events(c)).every((e) => e.action !== 'close'));

  const unknown = await post({ update_id: 'upd-none', service_request_id: '110115-19990101-0000000', action: 'sign' });
  assert.equal(unknown.status, 404);
});

test('a signed body that is not an update: 400; another media type: 415', async () => {
  const notJson = await post('{"update_id": ');
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body[0].code, 400);
  const array = await post('[1, 2]');
  assert.equal(array.status, 400);
  const missing = await post({ update_id: 'upd-missing' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body[0].code, 400);
  const nul = await post('{"update_id": "a\\u0000b", "service_request_id": "x", "action": "sign"}');
  assert.equal(nul.status, 400);
  const form = await post('update_id=1', { type: 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 415);
});

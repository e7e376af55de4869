'use strict';
// GET /events (src/events.js) against the demo city: who receives which
// events (row-level security of the key's role), the department_id and area
// filters, resuming with Last-Event-ID, the errors before a stream starts,
// the per-key cap, the pull without a notification, the LISTEN connection's
// reconnection and the shutdown.  Roles: test/fixtures/10_events.sql.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startGateway, superuser, until } = require('./lib/harness');
const { stateOf } = require('../src/events');

// The two points of the fixture's cases: town 012 (荣华街道) and town 002 (林校路街道).
const TOWN12 = [116.4980, 39.7925];
const TOWN02 = [116.3260, 39.7390];
const SEWER = 'E0404'; // 下水道堵塞: routed to the water authority (dx-sw), gg_test_ev_water's department
const LITTER = 'E0102'; // 路边暴露垃圾: routed to the town's command center

let gw;
let su;
let keys;
let seq = 0;
const suffix = `${process.pid}-${Date.now()}`;
const open = new Set();

/**
 * An SSE client: the status, then the messages as they arrive.  `events` are
 * the messages with data ({id, event, data}); `lastId` follows the SSE rules
 * (an id field without data sets it too); `comments` are the heartbeat lines.
 */
function connect(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, gw.url), { headers }, (res) => {
      const s = { status: res.statusCode, headers: res.headers, events: [], comments: [], lastId: null, retry: null, ended: false, body: '' };
      s.close = () => { req.destroy(); open.delete(s); };
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        res.on('data', (c) => { s.body += c; });
        res.on('end', () => resolve(s));
        return;
      }
      open.add(s);
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const msg = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { s.comments.push(line); continue; }
            const k = line.indexOf(':');
            const field = line.slice(0, k);
            const value = line.slice(k + 1).replace(/^ /, '');
            msg[field] = msg[field] === undefined ? value : `${msg[field]}\n${value}`;
          }
          if (msg.retry !== undefined) s.retry = Number(msg.retry);
          if (msg.id !== undefined) s.lastId = msg.id;
          if (msg.data !== undefined) s.events.push({ id: msg.id, event: msg.event, data: JSON.parse(msg.data) });
        }
      });
      res.on('end', () => { s.ended = true; });
      res.on('error', () => { s.ended = true; });
      resolve(s);
    });
    req.on('error', reject);
  });
}

const stream = (key, query = '', headers = {}) => connect(`/events?api_key=${encodeURIComponent(key)}${query}`, headers);
const caseIds = (s) => new Set(s.events.map((e) => e.data.case_id));
const hasCase = (s, id) => s.events.some((e) => e.data.case_id === id);

// A new case, as superuser (the intake appends its event and notifies).
async function newCase(category, [lon, lat]) {
  seq += 1;
  const { rows } = await su.query(
    `INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
     VALUES ('patrol', $1, $2, '事件流测试', public.ST_SetSRID(public.ST_MakePoint($3, $4), 4326), pg_catalog.now())
     RETURNING id::float8 AS id, case_no, department_id::float8 AS department_id, grid::text`,
    [`EVT-${suffix}-${seq}`, category, lon, lat]);
  return rows[0];
}

async function closeAll() {
  for (const s of [...open]) s.close();
  await until(() => stateOf(gw.app).streams.size === 0, 5000);
}

test.before(async () => {
  su = await superuser();
  const key = async (label, role) => (await su.query('SELECT gridgov.api_key_create($1, $2) AS k', [`${label}-${suffix}`, role])).rows[0].k;
  keys = { center: await key('ev-center', 'gg_test_ev_center'), water: await key('ev-water', 'gg_test_ev_water') };
  gw = await startGateway();
});

test.after(async () => {
  for (const s of [...open]) s.close();
  if (gw) await gw.close();
  if (su) {
    await su.query("DELETE FROM gridgov.api_keys WHERE label LIKE 'ev-%' || $1", [suffix]);
    await su.end();
  }
});

test.afterEach(closeAll);

test('a stream starts with the retry hint and its start cursor as the last event id', async () => {
  const s = await stream(keys.center);
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  await until(() => s.lastId !== null);
  assert.equal(s.retry, 3000);
  assert.match(s.lastId, /^[0-9]+\.[0-9]{6}\.[0-9]+\.[0-9]+$/);
  assert.equal(s.events.length, 0, 'no event from before the stream');
});

test('each key gets the events of the cases its role may read, and only those', async () => {
  const center = await stream(keys.center);
  const water = await stream(keys.water);
  await until(() => center.lastId && water.lastId);
  const a = await newCase(SEWER, TOWN12); // held by the water authority
  const b = await newCase(LITTER, TOWN02); // held by town 002's center
  const c = await newCase(SEWER, TOWN02); // the water authority's again: after b in the feed
  await until(() => [a, b, c].every((x) => hasCase(center, x.id)) && hasCase(water, c.id), 10000);
  assert.ok(hasCase(water, a.id), 'the water authority receives its own case');
  assert.ok(!hasCase(water, b.id), 'the water authority never receives the litter case of town 002');
  const intake = center.events.find((e) => e.data.case_id === a.id);
  assert.equal(intake.event, 'case');
  assert.equal(intake.data.case_no, a.case_no);
  assert.equal(intake.data.action, 'intake');
  assert.equal(intake.data.department_id, a.department_id);
  for (const s of [center, water]) {
    const ids = s.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
  }
});

test('department_id and area filter the stream', async () => {
  const { rows } = await su.query("SELECT id::float8 AS id FROM gridgov.departments WHERE code = 'dx-sw'");
  const water = rows[0].id;
  const byDept = await stream(keys.center, `&department_id=${water}`);
  const byArea = await stream(keys.center, '&area=110115002');
  await until(() => byDept.lastId && byArea.lastId);
  const a = await newCase(SEWER, TOWN12); // water authority, town 012
  const b = await newCase(LITTER, TOWN02); // town 002's center, town 002
  const d = await newCase(SEWER, TOWN02); // water authority, town 002: passes both
  assert.equal(a.department_id, water);
  assert.notEqual(b.department_id, water);
  await until(() => hasCase(byDept, d.id) && hasCase(byArea, d.id), 10000);
  assert.deepEqual([...caseIds(byDept)].sort(), [a.id, d.id].sort());
  assert.deepEqual([...caseIds(byArea)].sort(), [b.id, d.id].sort());
});

test('a client that reconnects with Last-Event-ID gets exactly what it missed', async () => {
  const first = await stream(keys.center);
  await until(() => first.lastId);
  const e1 = await newCase(LITTER, TOWN12);
  await until(() => hasCase(first, e1.id), 10000);
  const last = first.lastId;
  first.close();
  await until(() => stateOf(gw.app).streams.size === 0);

  // Missed while away: two cases, and a workflow action on one of them.
  const e2 = await newCase(LITTER, TOWN02);
  const e3 = await newCase(SEWER, TOWN12);
  await su.query("SELECT gridgov.act($1, 'file', '立案', '{}', pg_catalog.now())", [e2.id]);
  const expected = (await su.query('SELECT id FROM gridgov.event_feed($1, 10000)', [last])).rows.map((r) => r.id);
  assert.ok(expected.length >= 3, `the SQL side has the missed events (${expected.length})`);

  const again = await stream(keys.center, '', { 'Last-Event-ID': last });
  await until(() => again.events.length >= expected.length, 10000);
  assert.deepEqual(again.events.map((e) => e.id), expected, 'every missed event, in order, once');
  assert.ok(caseIds(again).has(e2.id) && caseIds(again).has(e3.id) && !caseIds(again).has(e1.id));
  assert.deepEqual(again.events.filter((e) => e.data.case_id === e2.id).map((e) => e.data.action), ['intake', 'file']);
  // What comes next follows without a gap or a repeat.
  const e4 = await newCase(SEWER, TOWN02);
  await until(() => hasCase(again, e4.id), 10000);
  const after = (await su.query('SELECT id FROM gridgov.event_feed($1, 10000)', [last])).rows.map((r) => r.id);
  assert.deepEqual(again.events.map((e) => e.id), after);

  // ?last_event_id= for clients that cannot set headers: the same events.
  const byQuery = await stream(keys.center, `&last_event_id=${encodeURIComponent(last)}`);
  await until(() => byQuery.events.length >= after.length, 10000);
  assert.deepEqual(byQuery.events.map((e) => e.id), after);
});

test('a malformed cursor or filter is refused with 400 before the stream starts', async () => {
  for (const [query, headers] of [
    ['', { 'Last-Event-ID': 'yesterday' }],
    ['', { 'Last-Event-ID': '1.2.3' }],
    ['&last_event_id=99.1101150.1.1', {}],
    ['&area=not-a-grid', {}],
    ['&department_id=water', {}],
  ]) {
    const s = await stream(keys.center, query, headers);
    assert.equal(s.status, 400, `${query} ${JSON.stringify(headers)}: ${s.body}`);
    assert.match(s.headers['content-type'], /application\/json/);
    assert.ok(JSON.parse(s.body).error);
  }
  assert.equal(stateOf(gw.app).streams.size, 0);
});

test('without a valid key there is no stream', async () => {
  const none = await connect('/events');
  assert.ok([401, 403].includes(none.status), `no key: ${none.status}`);
  const bad = await connect('/events?api_key=gg_000000000000000000000000000000000000000000000000');
  assert.equal(bad.status, 403);
  const badHeader = await connect('/events', { 'X-Api-Key': 'gg_nothing' });
  assert.equal(badHeader.status, 403);
});

test('a key holds at most the configured number of streams (429 beyond)', async () => {
  gw.app.config.eventsMaxPerKey = 3;
  try {
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await stream(keys.water));
    assert.deepEqual(held.map((s) => s.status), [200, 200, 200]);
    const refused = await stream(keys.water);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    const other = await stream(keys.center);
    assert.equal(other.status, 200, 'another key is not affected');
    held[0].close();
    const later = await until(async () => {
      const s = await stream(keys.water);
      return s.status === 200 ? s : (s.close(), false);
    }, 5000, 50);
    assert.equal(later.status, 200, 'a closed stream frees its place');
  } finally {
    delete gw.app.config.eventsMaxPerKey;
  }
});

test('events arrive without a notification (the periodic pull)', async () => {
  const s = await stream(keys.center);
  await until(() => s.lastId);
  await su.query('SET gridgov.notify_max_per_transaction = 0');
  let c;
  try {
    c = await newCase(SEWER, TOWN12);
  } finally {
    await su.query('RESET gridgov.notify_max_per_transaction');
  }
  await until(() => hasCase(s, c.id), 15000);
});

test('the LISTEN connection comes back after it is killed; heartbeats keep a quiet stream open', async () => {
  // Only a notification can deliver quickly now: the periodic pull is off.
  gw.app.config.eventsPollMs = 600000;
  gw.app.config.eventsHeartbeatMs = 200;
  try {
    const s = await stream(keys.center);
    await until(() => s.comments.some((c) => c.startsWith(': keep-alive')), 5000);
    const listener = stateOf(gw.app).listener;
    const pid = listener.pid;
    assert.ok(pid, 'the listener is connected');
    await su.query('SELECT pg_catalog.pg_terminate_backend($1)', [pid]);
    await until(() => listener.pid && listener.pid !== pid, 10000);
    const c = await newCase(LITTER, TOWN02);
    await until(() => hasCase(s, c.id), 5000);
  } finally {
    delete gw.app.config.eventsPollMs;
    delete gw.app.config.eventsHeartbeatMs;
  }
});

test('closing the gateway ends its streams and the LISTEN connection', async () => {
  const other = await startGateway();
  const saved = gw;
  gw = other;
  let s;
  try {
    s = await stream(keys.center);
    assert.equal(s.status, 200);
    await until(() => s.lastId);
    const pid = stateOf(other.app).listener.pid;
    await other.close();
    await until(() => s.ended, 5000);
    await until(async () => (await su.query(
      'SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE pid = $1', [pid])).rows[0].n === 0, 5000);
  } finally {
    gw = saved;
    if (s) open.delete(s);
  }
});

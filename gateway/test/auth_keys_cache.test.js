'use strict';
// The key cache (src/keys.js) on its own, with a counting stand-in for the
// database and a hand-driven clock: answers kept for keyCacheSeconds,
// refusals for at most 5 s, one lookup for concurrent requests with the same
// key, a bounded size, no key in clear in memory.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Keys } = require('../src/keys');

function fakeDb(known = {}) {
  const db = {
    calls: [],
    async query(role, text, params) {
      db.calls.push({ role, text, key: params[0] });
      await new Promise((r) => setImmediate(r));
      const k = known[params[0]];
      return { rows: k ? [{ label: k.label, db_role: k.role, rate_per_minute: k.rate }] : [] };
    },
  };
  return db;
}

const A = { label: 'app-a', role: 'gg_test_reporter', rate: 60 };

test('an answer is looked up as gridgov_gateway and kept for keyCacheSeconds', async () => {
  let clock = 1000;
  const db = fakeDb({ 'gg_a': A });
  const keys = new Keys(db, { keyCacheSeconds: 30 }, { now: () => clock });
  assert.deepEqual(await keys.resolve('gg_a'), A);
  assert.deepEqual(await keys.resolve('gg_a'), A);
  assert.equal(db.calls.length, 1);
  assert.equal(db.calls[0].role, 'gridgov_gateway');
  assert.match(db.calls[0].text, /gridgov\.api_key_role\(\$1\)/);
  clock += 29999;
  await keys.resolve('gg_a');
  assert.equal(db.calls.length, 1, 'still cached just before 30 s');
  clock += 1;
  await keys.resolve('gg_a');
  assert.equal(db.calls.length, 2, 'looked up again after 30 s');
});

test('a refusal is kept for at most 5 s; with keyCacheSeconds 0 nothing is kept', async () => {
  let clock = 0;
  const db = fakeDb();
  const keys = new Keys(db, { keyCacheSeconds: 30 }, { now: () => clock });
  assert.equal(await keys.resolve('gg_bad'), null);
  assert.equal(await keys.resolve('gg_bad'), null);
  assert.equal(db.calls.length, 1);
  clock += 5000;
  await keys.resolve('gg_bad');
  assert.equal(db.calls.length, 2);

  const none = fakeDb({ 'gg_a': A });
  const uncached = new Keys(none, { keyCacheSeconds: 0 });
  await uncached.resolve('gg_a');
  await uncached.resolve('gg_a');
  await uncached.resolve('gg_bad');
  await uncached.resolve('gg_bad');
  assert.equal(none.calls.length, 4);
});

test('concurrent requests with one key make one lookup', async () => {
  const db = fakeDb({ 'gg_a': A });
  const keys = new Keys(db, { keyCacheSeconds: 0 });
  const answers = await Promise.all(Array.from({ length: 20 }, () => keys.resolve('gg_a')));
  assert.ok(answers.every((a) => a.label === 'app-a'));
  assert.equal(db.calls.length, 1);
});

test('the cache is bounded: the oldest entry goes first', async () => {
  const db = fakeDb({ k1: A, k2: A, k3: A, k4: A });
  const keys = new Keys(db, { keyCacheSeconds: 60 }, { maxEntries: 3 });
  for (const k of ['k1', 'k2', 'k3', 'k4']) await keys.resolve(k);
  assert.equal(keys.cache.size, 3);
  await keys.resolve('k4');
  assert.equal(db.calls.length, 4, 'k4 is cached');
  await keys.resolve('k1');
  assert.equal(db.calls.length, 5, 'k1 was dropped');
});

test('no key in clear in the cache; absurd keys are refused without a query', async () => {
  const db = fakeDb({ 'gg_secret_value': A });
  const keys = new Keys(db, { keyCacheSeconds: 60 });
  await keys.resolve('gg_secret_value');
  assert.ok(![...keys.cache.keys()].some((k) => k.includes('secret')));
  assert.equal(await keys.resolve(''), null);
  assert.equal(await keys.resolve('k'.repeat(201)), null);
  assert.equal(await keys.resolve(['gg_secret_value']), null);
  assert.equal(db.calls.length, 1);
});

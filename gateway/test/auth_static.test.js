'use strict';
// auth.js on a bare Fastify app: static files (@fastify/static's routes, or a
// route with config.static) are neither identified nor rate-limited; other
// routes are, and a route with config.apiKey false takes POSTs without a key.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const Fastify = require('fastify');
const auth = require('../src/auth');

async function app() {
  const a = Fastify();
  a.decorate('config', { publicRole: 'gridgov_open311', publicRate: 2 });
  a.decorate('keys', { resolve: async (k) => (k === 'good' ? { label: 'l', role: 'r', rate: 100 } : null) });
  await a.register(auth);
  await a.register(require('@fastify/static'), { root: path.join(__dirname, 'schemas'), prefix: '/static/' });
  a.get('/page', { config: { static: true } }, async () => 'page');
  a.get('/api', async (request) => request.caller);
  a.post('/signed', { config: { apiKey: false } }, async (request) => request.caller);
  a.post('/api', async (request) => request.caller);
  return a;
}

test('static files: not rate-limited, a key not even looked at', async () => {
  const a = await app();
  for (let i = 0; i < 5; i++) {
    const res = await a.inject(`/static/errors.schema.json?api_key=wrong${i}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-ratelimit-limit'], undefined);
    assert.equal((await a.inject('/page')).statusCode, 200);
  }
  await a.close();
});

test('other routes: the public caller, its limit per address; keys; POST needs a key unless the route says', async () => {
  const a = await app();
  const first = await a.inject('/api');
  assert.equal(first.statusCode, 200);
  assert.deepEqual(first.json(), { label: null, role: 'gridgov_open311', rate: 2 });
  assert.equal(first.headers['x-ratelimit-limit'], '2');
  assert.equal((await a.inject('/api')).statusCode, 200);
  const third = await a.inject('/api');
  assert.equal(third.statusCode, 429);
  assert.ok(Number(third.headers['retry-after']) > 0);
  assert.deepEqual(Object.keys(third.json()), ['error']);
  const keyed = await a.inject({ url: '/api', headers: { 'x-api-key': 'good' } });
  assert.equal(keyed.statusCode, 200, 'a key has its own limit');
  assert.equal(keyed.json().label, 'l');
  assert.equal((await a.inject({ url: '/api?api_key=bad' })).statusCode, 403);
  assert.deepEqual((await a.inject({ method: 'POST', url: '/api' })).json(), { error: 'api_key required' });
  await a.close();
  const b = await app();
  const signed = await b.inject({ method: 'POST', url: '/signed', payload: {} });
  assert.equal(signed.statusCode, 200, 'a route that checks its callers itself');
  assert.equal(signed.json().label, null);
  await b.close();
});

'use strict';
// The transfer signature (src/hmac.js): format, verification, tolerance, and
// that no header, however malformed, makes verify() throw.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sign, verify } = require('../src/hmac');

const SECRET = 'secret-0123456789abcdef';
const BODY = '{"update_id":"u-1","note":"已处理"}';
const T = 1700000000;
// printf '%s' '1700000000.{"update_id":"u-1","note":"已处理"}' | openssl dgst -sha256 -hmac secret-0123456789abcdef
const VECTOR = 'b54b7188b963786fef640fe848359937eb3e914938fcc6320e830d5fd1bd2ece';

test('sign: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as openssl computes it', () => {
  assert.equal(sign(SECRET, BODY, T), `t=${T},v1=${VECTOR}`);
  assert.equal(sign(SECRET, Buffer.from(BODY, 'utf8'), T), `t=${T},v1=${VECTOR}`);
  assert.equal(sign(SECRET, BODY, T + 0.9), `t=${T},v1=${VECTOR}`, 'whole seconds');
  assert.match(sign(SECRET, BODY), /^t=\d{10},v1=[0-9a-f]{64}$/);
});

test('verify: the signature of the same bytes and secret, within the tolerance', () => {
  const header = sign(SECRET, BODY, T);
  assert.equal(verify(SECRET, BODY, header, T), true);
  assert.equal(verify(SECRET, Buffer.from(BODY, 'utf8'), header, T), true);
  assert.equal(verify(SECRET, BODY, header, T + 300), true);
  assert.equal(verify(SECRET, BODY, header, T - 300), true);
  assert.equal(verify(SECRET, BODY, header, T + 301), false, 'stale');
  assert.equal(verify(SECRET, BODY, header, T - 301), false, 'from the future');
  assert.equal(verify(SECRET, BODY, header, T + 1000, 2000), true, 'a wider tolerance');
  assert.equal(verify(SECRET, BODY, sign(SECRET, BODY)), true, 'the clock by default');
});

test('verify: another secret, another body or another time does not verify', () => {
  const header = sign(SECRET, BODY, T);
  assert.equal(verify(`${SECRET}x`, BODY, header, T), false);
  assert.equal(verify(SECRET, `${BODY} `, header, T), false);
  assert.equal(verify(SECRET, BODY.replace('u-1', 'u-2'), header, T), false);
  assert.equal(verify(SECRET, BODY, header.replace(`t=${T}`, `t=${T + 1}`), T), false);
  assert.equal(verify('', BODY, header, T), false, 'an empty secret verifies nothing');
});

test('verify: the header parts in any order, unknown parts ignored, one of several v1 values', () => {
  const v1 = VECTOR;
  const other = 'f'.repeat(64);
  assert.equal(verify(SECRET, BODY, `v1=${v1},t=${T}`, T), true);
  assert.equal(verify(SECRET, BODY, ` t=${T} , v1=${v1.toUpperCase()} `, T), true);
  assert.equal(verify(SECRET, BODY, `t=${T},v0=abc,v1=${other},v1=${v1}`, T), true);
  assert.equal(verify(SECRET, BODY, `t=${T},v1=${other}`, T), false);
});

test('verify: garbage headers are false, never an exception', () => {
  const garbage = [
    undefined, null, '', 't=', 'v1=', ',', '=,=', 't=abc,v1=abc', `t=${T}`, `v1=${VECTOR}`,
    `t=${T},v1=${VECTOR.slice(1)}`, `t=${T},v1=${VECTOR}0`, `t=${T},v1=${'g'.repeat(64)}`,
    `t=-${T},v1=${VECTOR}`, `t=${T}.5,v1=${VECTOR}`, `t=1e9,v1=${VECTOR}`, 'x'.repeat(100000),
    ['t=1', 'v1=2'], 12345, {}, `t=${'9'.repeat(400)},v1=${VECTOR}`,
  ];
  for (const h of garbage) {
    assert.equal(verify(SECRET, BODY, h, T), false, `header ${String(h).slice(0, 40)}`);
  }
  assert.equal(verify(SECRET, undefined, sign(SECRET, BODY, T), T), false, 'no body');
  assert.equal(verify(undefined, BODY, sign(SECRET, BODY, T), T), false, 'no secret');
  assert.equal(verify(SECRET, BODY, sign(SECRET, BODY, T), Number.NaN), false, 'no clock');
});

'use strict';
// Made-up keys from one address: counted before the lookup, refused with 429
// once over GRIDGOV_GATEWAY_BAD_KEY_RATE a minute, before any database lookup.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startGateway } = require('./lib/harness');

test('a flood of invalid keys gets 429 and stops reaching the database', async () => {
  const gw = await startGateway({ GRIDGOV_GATEWAY_BAD_KEY_RATE: '3', GRIDGOV_GATEWAY_KEY_CACHE: '0' });
  try {
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${gw.url}/open311/v2/services.json?api_key=gg_made_up_${i}`);
      statuses.push(res.status);
      if (res.status === 429) assert.equal(res.headers.get('retry-after'), '60');
    }
    assert.deepEqual(statuses, [403, 403, 403, 429, 429, 429]);
    // Without a key the address is still served (the limit is on wrong keys only).
    assert.equal((await fetch(`${gw.url}/open311/v2/services.json`)).status, 200);
  } finally {
    await gw.close();
  }
});

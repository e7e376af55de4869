'use strict';
// API keys → callers. A key is looked up, as role gridgov_gateway, with
// gridgov.api_key_role(key) (the database keeps only the key's hash); the
// answer is kept in memory for config.keyCacheSeconds — the longest a revoked
// key keeps working here — and a refusal for at most NEGATIVE_SECONDS, so a
// client repeating a wrong key costs one query now and then. The cache is
// bounded (oldest entry out first) and indexed by the key's SHA-256, so the
// process holds no key in clear beyond the request that carried it. Keys are
// never logged.
const crypto = require('node:crypto');

const GATEWAY_ROLE = 'gridgov_gateway';
const MAX_ENTRIES = 10000;
const NEGATIVE_SECONDS = 5;
// Longer than any key api_key_create makes (gg_ + 48 hex): refused unread.
const MAX_KEY_LENGTH = 200;

class Keys {
  /**
   * @param {import('./db').Db} db
   * @param {{keyCacheSeconds: number}} config
   * @param {{maxEntries?: number, now?: () => number}} [options]
   */
  constructor(db, config, options = {}) {
    this.db = db;
    this.ttlMs = config.keyCacheSeconds * 1000;
    this.negativeTtlMs = Math.min(config.keyCacheSeconds, NEGATIVE_SECONDS) * 1000;
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    this.cache = new Map(); // sha256(key) → {caller, expires}
    this.pending = new Map(); // sha256(key) → Promise of a lookup in flight
  }

  /**
   * The caller a key stands for: {label, role, rate} (rate in requests per
   * minute), or null for an unknown, revoked or expired key.
   * @param {string} key
   */
  async resolve(key) {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    const id = crypto.createHash('sha256').update(key).digest('base64');
    const hit = this.cache.get(id);
    if (hit && hit.expires > this.now()) return hit.caller;
    if (hit) this.cache.delete(id);
    let lookup = this.pending.get(id);
    if (!lookup) {
      lookup = this.lookup(key).finally(() => this.pending.delete(id));
      this.pending.set(id, lookup);
    }
    const caller = await lookup;
    this.remember(id, caller);
    return caller;
  }

  async lookup(key) {
    const { rows } = await this.db.query(GATEWAY_ROLE,
      'SELECT label, db_role, rate_per_minute FROM gridgov.api_key_role($1)', [key]);
    if (rows.length === 0) return null;
    const { label, db_role: role, rate_per_minute: rate } = rows[0];
    return Object.freeze({ label, role, rate });
  }

  remember(id, caller) {
    const ttl = caller ? this.ttlMs : this.negativeTtlMs;
    if (ttl <= 0) return;
    this.cache.delete(id);
    while (this.cache.size >= this.maxEntries) {
      this.cache.delete(this.cache.keys().next().value);
    }
    this.cache.set(id, { caller, expires: this.now() + ttl });
  }

  /** Forget every cached answer (tests, or a reload). */
  clear() {
    this.cache.clear();
  }
}

module.exports = { Keys, GATEWAY_ROLE };

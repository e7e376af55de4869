'use strict';
// The gateway's configuration, from the environment only (docs/gateway.md).

function int(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return n;
}

function trustProxy(raw) {
  if (raw === '') return false;
  if (/^[0-9]+$/.test(raw)) return Number(raw);
  if (!/^[0-9A-Fa-f.:/, ]+$/.test(raw)) {
    throw new Error(`GRIDGOV_GATEWAY_TRUST_PROXY must be addresses or CIDRs (comma-separated) or a hop count, not "${raw}"`);
  }
  return raw.split(',').map((a) => a.trim()).filter(Boolean);
}

function load() {
  return {
    // libpq-style URL; without it the PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE) apply.
    databaseUrl: process.env.GRIDGOV_DATABASE_URL || process.env.DATABASE_URL || undefined,
    // The login, when not in the URL (else PGUSER).
    databaseUser: process.env.GRIDGOV_DATABASE_USER || undefined,
    host: process.env.GRIDGOV_GATEWAY_HOST || '127.0.0.1',
    port: int('GRIDGOV_GATEWAY_PORT', 8311, 0, 65535),
    // The URL clients reach the gateway at (discovery document, push bodies).
    publicUrl: process.env.GRIDGOV_GATEWAY_URL || '',
    // Proxies in front whose X-Forwarded-For the gateway believes (Fastify's
    // trustProxy: an address, CIDRs comma-separated, or a hop count); '' none.
    trustProxy: trustProxy(process.env.GRIDGOV_GATEWAY_TRUST_PROXY || ''),
    poolSize: int('GRIDGOV_GATEWAY_POOL', 10, 1, 200),
    // Role of requests without an api_key (GET only); '' refuses them.
    publicRole: process.env.GRIDGOV_GATEWAY_PUBLIC_ROLE ?? 'gridgov_open311',
    // Requests per minute of a caller without a key, per client address.
    publicRate: int('GRIDGOV_GATEWAY_PUBLIC_RATE', 600, 1, 10000000),
    // Invalid api_keys a client address may try per minute before it gets 429.
    badKeyRate: int('GRIDGOV_GATEWAY_BAD_KEY_RATE', 30, 1, 1000000),
    // Longest statement of a request (ms): a slow query cannot hold a connection longer.
    statementTimeoutMs: int('GRIDGOV_GATEWAY_STATEMENT_TIMEOUT_MS', 10000, 100, 3600000),
    // How long a resolved api_key is trusted before it is looked up again (revocation delay).
    keyCacheSeconds: int('GRIDGOV_GATEWAY_KEY_CACHE', 30, 0, 3600),
    // Discovery document (GET /open311/v2/discovery.json): contact and how to get a key.
    contact: process.env.GRIDGOV_GATEWAY_CONTACT || '',
    keyService: process.env.GRIDGOV_GATEWAY_KEY_SERVICE || '',
    // Cross-platform transfer: poll interval and per-request timeout (ms); 0 turns pushing off.
    transferIntervalMs: int('GRIDGOV_TRANSFER_INTERVAL_MS', 1000, 0, 3600000),
    transferTimeoutMs: int('GRIDGOV_TRANSFER_TIMEOUT_MS', 10000, 100, 600000),
    logLevel: process.env.GRIDGOV_GATEWAY_LOG || 'info',
  };
}

module.exports = { load };

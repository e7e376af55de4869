'use strict';
// The one way the gateway reaches PostgreSQL: every statement runs in a short
// transaction under a database role (SET LOCAL ROLE), so that the privileges and
// row-level security of that role decide what an HTTP caller may see and do.
// The gateway's own login is NOINHERIT: it has no rights but those of the roles
// it switches to (docs/gateway.md).
const { Pool, escapeIdentifier } = require('pg');

class Db {
  constructor(config) {
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      user: config.databaseUser,
      max: config.poolSize,
      application_name: 'gridgov-gateway',
      // A slow statement is cancelled (57014, answered 503) rather than holding
      // a connection; a request that waits longer than this for a connection
      // fails too (503) instead of queueing without end.
      statement_timeout: config.statementTimeoutMs,
      connectionTimeoutMillis: config.statementTimeoutMs,
    });
    // An idle client's error (server restart) must not take the process down.
    this.pool.on('error', () => {});
  }

  // Run fn(client) in a transaction as role; the role is an identifier the
  // database gave us (api_key_role) or the configuration, always quoted.
  async asRole(role, fn) {
    const client = await this.pool.connect();
    try {
      try {
        await client.query(`BEGIN; SET LOCAL ROLE ${escapeIdentifier(role)}`);
      } catch (err) {
        // The login may not become that role (not granted to it, or dropped):
        // a configuration problem, told apart from the statement's errors.
        err.roleSwitchFailed = true;
        throw err;
      }
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  // One statement as role.
  async query(role, text, params) {
    return this.asRole(role, (client) => client.query(text, params));
  }

  async close() {
    await this.pool.end();
  }
}

module.exports = { Db, escapeIdentifier };

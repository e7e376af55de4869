'use strict';
// Entry point: `node src/server.js` (npm start). Configuration: docs/gateway.md.
const { load } = require('./config');
const { build } = require('./app');

async function main() {
  const config = load();
  const app = await build(config);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const address = await app.listen({ host: config.host, port: config.port });
  app.log.info(`gridgov gateway listening on ${address}`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});

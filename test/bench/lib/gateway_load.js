'use strict';
// Load for test/bench/130_gateway.sh: autocannon (from gateway/node_modules)
// against one URL for a number of seconds; prints one line
//   <req/s> <p99 ms> <errors> <timeouts> <non-2xx> <requests> <p50 ms>
//
//   node gateway_load.js GATEWAY_DIR get URL SECONDS CONNECTIONS
//   node gateway_load.js GATEWAY_DIR post URL SECONDS CONNECTIONS FORM_FILE
//
// post: FORM_FILE holds one form-encoded body per line (api_key, service_code,
// lat, long, description...); the requests cycle through them, each with its
// own description (a running number), as distinct reports would.
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

async function main() {
  const [gatewayDir, mode, url, seconds, connections, formFile] = process.argv.slice(2);
  const autocannon = createRequire(path.join(path.resolve(gatewayDir), 'package.json'))('autocannon');
  const opts = {
    url,
    duration: Number(seconds),
    connections: Number(connections),
    timeout: 10,
  };
  if (mode === 'post') {
    const forms = fs.readFileSync(formFile, 'utf8').split('\n').filter(Boolean);
    let n = 0;
    opts.method = 'POST';
    opts.headers = { 'content-type': 'application/x-www-form-urlencoded' };
    opts.requests = [
      {
        setupRequest(req) {
          n += 1;
          const body = `${forms[n % forms.length]}&description=${encodeURIComponent(`压测上报 ${process.pid}-${n}`)}`;
          return { ...req, method: 'POST', body };
        },
      },
    ];
  }
  const r = await autocannon(opts);
  // requests.average is the mean of the per-second counts; total / duration is
  // the same figure without the partial last second.
  const rps = r.requests.total / r.duration;
  console.log([rps.toFixed(1), r.latency.p99, r.errors, r.timeouts, r.non2xx, r.requests.total, r.latency.p50].join(' '));
}

main().catch((err) => {
  console.error(`gateway_load: ${err.message}`);
  process.exit(1);
});

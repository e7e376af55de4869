'use strict';
// The signature of cross-platform transfer (docs/gateway.md, "Transfer"):
//
//   X-Gridgov-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// The same header signs the gateway's pushes (with the endpoint's secret) and
// the status updates a platform posts back (with the same secret). The body is
// signed as the exact bytes sent, so a receiver must verify the raw body, before
// any JSON parsing.
const crypto = require('node:crypto');

const DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of "<t>.<raw body>" under secret. */
function digest(secret, t, rawBody) {
  return crypto
    .createHmac('sha256', secret)
    .update(`${t}.`)
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/**
 * The header value signing rawBody (a Buffer or a string, as sent) at nowSeconds.
 * @param {string} secret
 * @param {Buffer|string} rawBody
 * @param {number} [nowSeconds] unix time, default the clock
 * @returns {string} `t=<unix>,v1=<hex>`
 */
function sign(secret, rawBody, nowSeconds = Math.floor(Date.now() / 1000)) {
  const t = Math.floor(nowSeconds);
  return `t=${t},v1=${digest(secret, t, rawBody)}`;
}

/**
 * Parse `t=<unix>,v1=<hex>[,v1=<hex>...]` (order free, unknown keys ignored, as
 * a secret rotation may send two v1 values). Null when it is not that shape.
 */
function parse(header) {
  if (typeof header !== 'string' || header.length > 1024) return null;
  let t = null;
  const v1 = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1.push(value.toLowerCase());
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * Whether header signs rawBody under secret, with a timestamp at most
 * toleranceSeconds away from nowSeconds. Never throws: garbage is false.
 * @param {string} secret
 * @param {Buffer|string} rawBody
 * @param {string|undefined} header
 * @param {number} [nowSeconds]
 * @param {number} [toleranceSeconds]
 * @returns {boolean}
 */
function verify(secret, rawBody, header, nowSeconds = Date.now() / 1000, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS) {
  try {
    if (typeof secret !== 'string' || secret === '' || rawBody == null) return false;
    const parsed = parse(header);
    if (!parsed || !(Math.abs(nowSeconds - parsed.t) <= toleranceSeconds)) return false;
    const expected = Buffer.from(digest(secret, parsed.t, rawBody), 'hex');
    let ok = false;
    for (const candidate of parsed.v1) {
      // Both are 32 bytes (parse() checked the length): timingSafeEqual's precondition.
      if (crypto.timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) ok = true;
    }
    return ok;
  } catch {
    return false;
  }
}

module.exports = { sign, verify, parse, DEFAULT_TOLERANCE_SECONDS };

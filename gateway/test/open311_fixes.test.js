'use strict';
// What an external check against the spec found (issue 16), through HTTP:
// a point outside every county the database serves is refused; start_date and
// end_date take W3C date-times with a time zone only; the spec's own POST
// example, with its form keys attribute[WHISPAWN]=..., is accepted.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { gatewayWithKey } = require('./lib/harness');
const { validate, assertXmlCarries, call } = require('./schemas/check');

let gw;
let su;
let base;
let key;
let ctx;

before(async () => {
  ctx = await gatewayWithKey('fixes', 'gg_test_reporter', 100000);
  ({ gw, su, key } = ctx);
  base = `${gw.url}/open311/v2`;
});

after(async () => {
  await ctx.close();
});

const postForm = (format, body) => call(`${base}/requests.${format}`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body,
});

const count = async () => Number((await su.query('SELECT count(*) AS n FROM gridgov.cases')).rows[0].n);

test('a point in Shanghai (lat 31.2, long 121.5) is refused with 400 and files nothing', async () => {
  const before = await count();
  for (const format of ['json', 'xml']) {
    const res = await postForm(format, new URLSearchParams({
      api_key: key, service_code: 'C0101', lat: '31.2', long: '121.5', description: 'outside',
    }).toString());
    assert.equal(res.status, 400, res.text.slice(0, 300));
    if (format === 'json') {
      validate('errors', res.body);
      assert.equal(res.body[0].code, 400);
    } else {
      assert.match(res.text, /<errors><error><code>400<\/code><description>[^<]+<\/description><\/error><\/errors>/);
    }
  }
  const json = await call(`${base}/requests.json`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ service_code: 'C0101', lat: 31.2, long: 121.5 }),
  });
  assert.equal(json.status, 400, 'as JSON numbers too');
  assert.equal(await count(), before, 'no case filed');
  const inside = await postForm('json', new URLSearchParams({
    api_key: key, service_code: 'C0101', lat: '39.7', long: '116.3',
  }).toString());
  assert.equal(inside.status, 200, `a point in the city is accepted: ${inside.text.slice(0, 300)}`);
});

for (const param of ['start_date', 'end_date']) {
  test(`${param}: anything but a W3C date-time with a time zone is 400`, async () => {
    for (const value of ['yesterday', 'now', '12/01/2026', 'J2461000', '2026-12-01T00:00:00', '2026-12-01',
      'today', 'infinity', '2026-12-01 00:00:00+08']) {
      const res = await call(`${base}/requests.json?${param}=${encodeURIComponent(value)}`);
      assert.equal(res.status, 400, `${param}=${value}: ${res.text.slice(0, 300)}`);
      validate('errors', res.body);
      const xml = await call(`${base}/requests.xml?${param}=${encodeURIComponent(value)}`);
      assert.equal(xml.status, 400, `${param}=${value} (xml)`);
      assertXmlCarries(xml.text, 'errors', res.body);
    }
    for (const value of ['2026-12-01T00:00:00+08:00', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00.5-05:00']) {
      const res = await call(`${base}/requests.json?${param}=${encodeURIComponent(value)}`);
      assert.equal(res.status, 200, `${param}=${value}: ${res.text.slice(0, 300)}`);
      validate('requests', res.body);
    }
  });
}

test("the spec's POST example, form keys attribute[WHISPAWN]=... as written, is accepted", async () => {
  // http://wiki.open311.org/GeoReport_v2 "POST Service Request", Example
  // Request, with this city's service code, jurisdiction and a point in it.
  const body = `api_key=${key}&jurisdiction_id=110115&service_code=C0101&lat=39.7&long=116.3`
    + '&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456'
    + '&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street'
    + '&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg'
    + '&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001';
  const json = await postForm('json', body);
  assert.equal(json.status, 200, json.text.slice(0, 300));
  validate('post', json.body);
  const xml = await postForm('xml', body);
  assert.equal(xml.status, 200, xml.text.slice(0, 300));
  assert.match(xml.text, /<service_requests><request><service_request_id>110115-[^<]+<\/service_request_id>/);
  const { rows } = await su.query(
    'SELECT reporter_name, reporter_phone FROM gridgov.cases WHERE case_no = $1', [json.body[0].service_request_id]);
  assert.deepEqual(rows, [{ reporter_name: 'john smith', reporter_phone: '111111111' }]);
});

test('a multivaluelist attribute in the spec form encoding (attribute[code][]=a&attribute[code][]=b) is accepted', async () => {
  const res = await postForm('json', `api_key=${key}&service_code=C0101&lat=39.7&long=116.3`
    + '&attribute[WHISDORN][]=COISL001&attribute[WHISDORN][]=COISL002');
  assert.equal(res.status, 200, res.text.slice(0, 300));
  validate('post', res.body);
});

'use strict';
// The command-center screen (src/screen.js, public/) in a real browser:
// Debian's chromium driven by puppeteer-core.  The page loads with no console
// error and no failed request, its map has one feature per area of the level
// shown (as many as map_geojson has on the SQL side), a case INSERTed in SQL
// appears in the live feed within 2 s, and a screenshot is taken at 1600x900
// (into docs/gateway-screen.png only with GRIDGOV_UPDATE_DOCS=1).  The key's
// role is a read-only leader of the district command center
// (test/fixtures/10_events.sql: gg_test_ev_screen), as docs/gateway.md advises.
// Also the JSON API's refusals.  Without chromium the test fails: it does not skip.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startGateway, superuser, until, launchChromium } = require('./lib/harness');

const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'gateway-screen.png');

let gw;
let su;
let key;
let browser;
let profile;
let chromium;
const suffix = `${process.pid}-${Date.now()}`;

test.before(async () => {
  su = await superuser();
  key = (await su.query('SELECT gridgov.api_key_create($1, $2) AS k', [`screen-${suffix}`, 'gg_test_ev_screen'])).rows[0].k;
  gw = await startGateway();
});

test.after(async () => {
  if (chromium) await chromium.close();
  if (gw) await gw.close();
  if (su) {
    await su.query('DELETE FROM gridgov.api_keys WHERE label = $1', [`screen-${suffix}`]);
    await su.end();
  }
});

async function launch() {
  chromium = await launchChromium();
  profile = chromium.profile;
  return chromium.browser;
}

// A page that records every console error, page error and failed request.
async function watchedPage() {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The event stream is cut when the page closes: not a failure of the page.
    if (!r.url().includes('/events')) problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { page, problems };
}

test('the screen loads in chromium: map, panels and the live feed', async (t) => {
  browser = await launch();
  const { page, problems } = await watchedPage();
  const level = 'grid';
  await page.goto(`${gw.url}/?key=${encodeURIComponent(key)}&level=${level}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.gridgovScreen && window.gridgovScreen.ready, { timeout: 30000 });
  assert.deepEqual(problems, [], 'no console error, no failed request');

  // The map: one feature per area of the level, as on the SQL side.
  const sqlCount = Number((await su.query(
    "SELECT pg_catalog.jsonb_array_length(gridgov.map_geojson($1, 'open_cases', pg_catalog.now())->'features') AS n",
    [level])).rows[0].n);
  const grids = Number((await su.query(
    'SELECT count(*) AS n FROM gridgov.grids WHERE gridgov.level(code) = 6 AND valid_from <= now() AND now() < valid_to')).rows[0].n);
  assert.equal(sqlCount, grids, 'map_geojson has one feature per current grid');
  const map = await page.evaluate(() => {
    const chart = window.gridgovScreen.charts.map;
    const series = chart.getModel().getSeriesByIndex(0);
    const names = series.getData().mapArray((i) => series.getData().getName(i));
    return {
      type: series.subType,
      count: series.getData().count(),
      unique: new Set(names).size,
      regions: series.coordinateSystem.regions.length,
      visualMap: chart.getOption().visualMap.length,
    };
  });
  assert.equal(map.type, 'map');
  assert.equal(map.regions, sqlCount, 'one region per grid');
  assert.equal(map.count, sqlCount, 'one data item per grid');
  assert.equal(map.unique, sqlCount, 'no grid twice');
  assert.equal(map.visualMap, 1, 'coloured by a visualMap');
  // The metric choice lists map_geojson's metrics.
  const metrics = await page.$$eval('#metric option', (os) => os.map((o) => o.value));
  assert.ok(metrics.includes('open_cases') && metrics.includes('satisfaction_rate'), metrics.join(','));

  // A case INSERTed in SQL appears in the feed within 2 s.
  const { rows } = await su.query(
    `INSERT INTO gridgov.cases (source, external_id, category, title, location, reported_at)
     VALUES ('patrol', $1, 'E0404', '大屏测试', public.ST_SetSRID(public.ST_MakePoint(116.4980, 39.7925), 4326), pg_catalog.now())
     RETURNING case_no`, [`SCR-${suffix}`]);
  const caseNo = rows[0].case_no;
  const t0 = Date.now();
  await until(() => page.$(`#feed li.new[data-case-no="${caseNo}"]`), 2000, 25);
  const took = Date.now() - t0;
  const text = await page.$eval(`#feed li[data-case-no="${caseNo}"]`, (li) => li.textContent);
  assert.match(text, /下水道堵塞/, 'the category name');
  assert.match(text, /上报/, 'the action');
  t.diagnostic(`the case appeared in the feed after ${took} ms`);

  // The panels show the SQL's numbers.
  const kpis = await page.$eval('#sla-total', (el) => el.textContent);
  assert.match(kpis, /在办案件/);
  assert.ok(await page.$('#ranking tbody tr'), 'the ranking has rows');

  // Switching the level redraws the map with that level's areas.
  await page.select('#level', 'town');
  await page.waitForFunction(() => window.gridgovScreen.map.level === 'town', { timeout: 15000 });
  const towns = Number((await su.query(
    "SELECT pg_catalog.jsonb_array_length(gridgov.map_geojson('town', 'open_cases', pg_catalog.now())->'features') AS n")).rows[0].n);
  assert.equal(await page.evaluate(() => window.gridgovScreen.charts.map.getModel().getSeriesByIndex(0).getData().count()), towns);

  // The screenshot: into docs/ only when asked to (tests do not dirty the tree).
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  const file = process.env.GRIDGOV_UPDATE_DOCS === '1' ? SCREENSHOT : path.join(profile, 'gateway-screen.png');
  await page.screenshot({ path: file, type: 'png' });
  const png = fs.readFileSync(file);
  assert.equal(png.readUInt32BE(16), 1600, 'screenshot width');
  assert.equal(png.readUInt32BE(20), 900, 'screenshot height');
  assert.deepEqual(problems, [], 'still no console error, no failed request');
  await page.close();
});

test('the page without a key says so and calls nothing', async () => {
  browser = browser || await launch();
  const { page, problems } = await watchedPage();
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(`${gw.url}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => !document.getElementById('nokey').hidden, { timeout: 10000 });
  assert.deepEqual(problems, []);
  assert.ok(!requests.some((p) => p.startsWith('/api/') || p.startsWith('/events')), requests.join(' '));
  await page.close();
});

test('the screen API: a key is required, the SQL refuses bad parameters with 400', async () => {
  const get = (p, headers = {}) => fetch(`${gw.url}${p}`, { headers });
  assert.ok([401, 403].includes((await get('/api/screen/rates')).status));
  assert.equal((await get('/api/screen/rates', { 'X-Api-Key': 'gg_nothing' })).status, 403);
  const bad = await get('/api/screen/map?level=street', { 'X-Api-Key': key });
  assert.equal(bad.status, 400);
  assert.ok((await bad.json()).error);
  assert.equal((await get('/api/screen/map?metric=height', { 'X-Api-Key': key })).status, 400);
  assert.equal((await get('/api/screen/map?as_of=tomorrowish', { 'X-Api-Key': key })).status, 400);
  const geo = await (await get('/api/screen/map?level=county', { 'X-Api-Key': key })).json();
  assert.equal(geo.type, 'FeatureCollection');
  assert.equal(geo.features.length, 1);
  // A role without the analytics (a department) is refused, not served an error page.
  const water = (await su.query('SELECT gridgov.api_key_create($1, $2) AS k', [`screen-w-${suffix}`, 'gg_test_ev_water'])).rows[0].k;
  try {
    assert.equal((await get('/api/screen/rates', { 'X-Api-Key': water })).status, 403);
  } finally {
    await su.query('DELETE FROM gridgov.api_keys WHERE label = $1', [`screen-w-${suffix}`]);
  }
  for (const p of ['rates', 'timeliness', 'ranking', 'sla', 'hotspots', 'recent', 'labels', 'map/values']) {
    const r = await get(`/api/screen/${p}`, { 'X-Api-Key': key });
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /application\/json/);
    await r.json();
  }
});

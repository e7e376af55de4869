'use strict';
// The screen's forecast and social-conditions index (src/screen.js, public/):
// in Debian's chromium (puppeteer-core), the forecast panel draws the numbers
// of gridgov.forecast_volume() (the next 14 days, 80 % and 95 % bands) beside
// gridgov.forecast_actuals() (the last 28 days) for the home county, and the
// index panel those of gridgov.social_index_series(), or says the module is
// missing when the database has no such function (then the index checks are
// skipped, with a message).  The demo has a morning of cases, not the year a
// forecast needs: the test stores a fit for the county in gridgov.forecast_fits
// (a flat 6 cases a day, over-dispersion 0.05), which forecast_volume() uses as
// the nightly job's, and removes it at the end.  Also the API: defaults, bad
// input → 400 with the database's message, too little history → no forecast
// and the reason (gridgov.forecast_panel).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startGateway, superuser, launchChromium } = require('./lib/harness');

const suffix = `${process.pid}-${Date.now()}`;

let gw;
let su;
let key;
let county;
let chromium;
let hasIndex;

test.before(async () => {
  su = await superuser();
  key = (await su.query('SELECT gridgov.api_key_create($1, $2) AS k', [`screenfc-${suffix}`, 'gg_test_ev_screen'])).rows[0].k;
  county = (await su.query("SELECT value FROM gridgov.settings WHERE key = 'home_county'")).rows[0].value;
  // A flat fit: intercept ln 6, every other coefficient 0, its history ending today.
  await su.query(`
    INSERT INTO gridgov.forecast_fits (area, category_prefix, grain, fitted_at, data_from, data_to, periods, cases,
                                       regressors, coefficients, dispersion, deviance, iterations, mae, naive_mae,
                                       covariance)
    SELECT $1::gridgov.gridcode, '', 'day', now(), o - 365, o, 365, 2190, r,
           array_prepend(ln(6), array_fill(0::float8, ARRAY[cardinality(r) - 1])), 0.05, 0, 1, 0, 0,
           array_fill(0::float8, ARRAY[cardinality(r), cardinality(r)])
    FROM (SELECT gridgov.forecast_regressors('day') AS r, (now() AT TIME ZONE gridgov.analytics_time_zone())::date AS o) x
    ON CONFLICT (area, category_prefix, grain) DO NOTHING`, [county]);
  hasIndex = (await su.query(
    "SELECT to_regprocedure('gridgov.social_index_series(gridgov.gridcode, date, date)') IS NOT NULL AS ok")).rows[0].ok;
  gw = await startGateway();
});

test.after(async () => {
  if (chromium) await chromium.close();
  if (gw) await gw.close();
  if (su) {
    await su.query("DELETE FROM gridgov.forecast_fits WHERE area = $1::gridgov.gridcode AND category_prefix = '' AND grain = 'day' AND iterations = 1 AND deviance = 0", [county]);
    await su.query('DELETE FROM gridgov.api_keys WHERE label = $1', [`screenfc-${suffix}`]);
    await su.end();
  }
});

// The database's answers, as the screen's statements ask them (as_of now).
async function sqlForecast() {
  const { rows: [r] } = await su.query(`
    SELECT (SELECT json_agg(f ORDER BY f.period_start) FROM gridgov.forecast_volume($1, '', 'day', 14, now()) f) AS ahead,
           (SELECT json_agg(x ORDER BY x.period_start) FROM gridgov.forecast_actuals($1, '', 'day', 28, now()) x) AS actual`,
  [county]);
  return r;
}

test('the forecast and index panels draw the database\'s numbers', async (t) => {
  chromium = await launchChromium();
  const page = await chromium.browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(`${gw.url}/?key=${encodeURIComponent(key)}&level=town`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.gridgovScreen && window.gridgovScreen.ready && window.gridgovScreen.forecast,
    { timeout: 30000 });
  assert.deepEqual(problems, [], 'no console error, no failed request');

  const sql = await sqlForecast();
  assert.equal(sql.ahead.length, 14);
  assert.equal(sql.actual.length, 28);
  assert.ok(sql.actual.reduce((s, r) => s + r.cases, 0) > 0, 'the demo\'s cases are among the last 28 days');
  const drawn = await page.evaluate(() => {
    const s = window.gridgovScreen;
    const opt = s.charts.forecast.getOption();
    return {
      area: s.forecast.area,
      days: opt.xAxis[0].data,
      series: opt.series.map((x) => ({ name: x.name, data: x.data })),
      title: document.getElementById('forecast-area').textContent,
      note: document.getElementById('forecast-note').textContent,
    };
  });
  assert.equal(drawn.area, county, 'the home county by default');
  assert.ok(drawn.title.length > 0, 'the area\'s name is shown');
  assert.equal(drawn.days.length, 42, '28 days of actual counts, then 14 of forecast');
  const by = Object.fromEntries(drawn.series.map((x) => [x.name, x.data]));
  assert.deepEqual(by['实际'].slice(0, 28), sql.actual.map((r) => r.cases), 'the bars are forecast_actuals()');
  assert.deepEqual(by['预测'].slice(28), sql.ahead.map((r) => r.expected), 'the line is forecast_volume()\'s expected counts');
  assert.deepEqual(by['95%下限'].slice(28), sql.ahead.map((r) => r.lower_95));
  assert.deepEqual(by['95%区间'].slice(28).map((w, i) => w + by['95%下限'][28 + i]), sql.ahead.map((r) => r.upper_95),
    'the 95 % band reaches upper_95');
  assert.deepEqual(by['80%区间'].slice(28).map((w, i) => w + by['80%下限'][28 + i]), sql.ahead.map((r) => r.upper_80),
    'the 80 % band reaches upper_80');
  assert.ok(sql.ahead.every((r) => Math.abs(r.expected - 6) < 1e-9), 'the stored flat fit was used: 6 a day');
  const next = sql.ahead[1];
  assert.ok(drawn.note.includes(`80%区间 ${next.lower_80}–${next.upper_80}`), drawn.note);
  assert.ok(drawn.note.includes(`95%区间 ${next.lower_95}–${next.upper_95}`), drawn.note);

  // The social-conditions index.
  const features = await page.evaluate(() => window.gridgovScreen.features);
  assert.equal(features.social_index, hasIndex, 'the page knows whether the database has social_index_series()');
  if (!hasIndex) {
    assert.equal(await page.$eval('#social-note', (el) => el.textContent), '社情指数模块未安装');
  }
  await t.test('the index panel draws social_index_series()', {
    skip: !hasIndex && 'gridgov.social_index_series() is not in this database (helper B\'s module): the index panel\'s numbers are not checked',
  }, async () => {
    await page.waitForFunction(() => window.gridgovScreen.social, { timeout: 15000 });
    const { rows: [r] } = await su.query(`
      SELECT json_agg(x.index ORDER BY x.month) AS idx
      FROM gridgov.social_index_series($1,
             (date_trunc('month', (now() AT TIME ZONE gridgov.analytics_time_zone())::date::timestamp) - interval '11 months')::date,
             date_trunc('month', (now() AT TIME ZONE gridgov.analytics_time_zone())::date::timestamp)::date) x`, [county]);
    const shown = await page.evaluate(() => window.gridgovScreen.charts.social.getOption().series[0].data);
    assert.deepEqual(shown, r.idx || [], 'the index line is social_index_series()');
  });
  assert.deepEqual(problems, [], 'still no console error, no failed request');
  await page.close();
});

test('the forecast and index API: bad input is 400 with the database\'s message, too little history no forecast', async (t) => {
  const get = (p) => fetch(`${gw.url}${p}`, { headers: { 'X-Api-Key': key } });
  const dbError = async (sql, params) => {
    try {
      await su.query(sql, params);
    } catch (e) {
      return e.message;
    }
    return null;
  };
  let r = await get('/api/screen/forecast?area=11011X');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, await dbError("SELECT '11011X'::gridgov.gridcode"), 'the gridcode\'s own message');
  r = await get('/api/screen/forecast?as_of=2999-01-01');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'as_of must not be in the future');
  r = await get('/api/screen/forecast?as_of=soon');
  assert.equal(r.status, 400);
  // A town of the demo city: one morning of history.
  const town = (await su.query(
    "SELECT code::text FROM gridgov.grids WHERE level = 4 AND valid_to = 'infinity' AND code <@ $1::gridgov.gridcode ORDER BY code LIMIT 1",
    [county])).rows[0].code;
  r = await get(`/api/screen/forecast?area=${town}`);
  assert.equal(r.status, 200);
  const thin = await r.json();
  assert.equal(thin.forecast, null, 'no forecast');
  assert.match(thin.problem, /^too little history for a day forecast of /, 'and why');
  assert.equal(thin.actual.length, 28, 'the actual counts all the same');
  r = await get('/api/screen/features');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { social_index: hasIndex });
  await t.test('/api/screen/social-index', {
    skip: !hasIndex && 'gridgov.social_index_series() is not in this database (helper B\'s module): /api/screen/social-index is not checked',
  }, async () => {
    r = await get('/api/screen/social-index');
    assert.equal(r.status, 200);
    assert.equal((await r.json()).area, county);
    r = await get('/api/screen/social-index?from=someday');
    assert.equal(r.status, 400);
  });
});

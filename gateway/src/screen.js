'use strict';
// The command-center screen (指挥中心大屏): the page at GET / (public/, with
// ECharts served from the npm package, no CDN) and its JSON API under
// /api/screen/*, each route one SQL statement run as the caller's role
// (docs/gateway.md, "The screen").  The views decide what a number means;
// the statements only pick the latest period and shape the rows as JSON
// (json_agg in SQL, sent as it comes).
const path = require('node:path');

const PUBLIC_DIR = path.join(__dirname, '..', 'public');
const ECHARTS_DIR = path.dirname(require.resolve('echarts/dist/echarts.min.js'));

// Rows as a JSON array, built by the database.
const rows = (sql) => `SELECT COALESCE(pg_catalog.json_agg(t), '[]')::text AS json FROM (${sql}) t`;

// The local day (the analytics' time zone): periods that started after it
// (cases due next month) are not shown as "the latest".
const TODAY = `(pg_catalog.now() AT TIME ZONE gridgov.analytics_time_zone())::date`;

// The rows of a period view (three_rates, timeliness) for the county and its
// towns, all departments, in the latest period of the given kind (day, week,
// month) that has begun.
const periodView = (view, columns) => rows(`
  SELECT v.period, v.period_start, v.level, v.area, g.name AS area_name, ${columns}
  FROM gridgov.${view} v
  LEFT JOIN gridgov.grids g ON g.code::text = v.area::text AND g.valid_to = 'infinity'
  WHERE v.period = $1 AND v.level IN ('county', 'town') AND v.department_id IS NULL
    AND v.period_start = (SELECT pg_catalog.max(period_start) FROM gridgov.${view}
                          WHERE period = $1 AND level = 'county' AND department_id IS NULL
                            AND period_start <= ${TODAY})
  ORDER BY v.level, v.area`);

const SQL = {
  map: `SELECT gridgov.map_geojson($1, $2, COALESCE($3::timestamptz, pg_catalog.now()))::text AS json`,
  // The map's values only (the panels' refresh): code, name, value per area.
  'map/values': `SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                  'code', f->'properties'->'code', 'name', f->'properties'->'name', 'value', f->'properties'->'value')), '[]')::text AS json
              FROM pg_catalog.jsonb_array_elements(
                  gridgov.map_geojson($1, $2, COALESCE($3::timestamptz, pg_catalog.now()))->'features') f`,
  rates: periodView('three_rates',
    'v.reported, v.dispatched, v.response_rate, v.called_back, v.resolution_rate, v.satisfaction_rate, v.score'),
  timeliness: periodView('timeliness',
    'v.filed, v.due, v.closed, v.closure_rate, v.on_time_rate, v.rework_rate, v.extension_rate, ' +
    'v.first_dispatch_accuracy, v.avg_handle_hours, v.p90_handle_hours'),
  ranking: rows(`
    SELECT month, county, department_id, department_name, dispatched, response_rate, resolution_rate,
           satisfaction_rate, score, on_time_rate, rank
    FROM gridgov.department_ranking
    WHERE month = (SELECT pg_catalog.max(month) FROM gridgov.department_ranking WHERE month <= ${TODAY})
    ORDER BY county, rank, department_id
    LIMIT $1`),
  // The live board by department, and its total (department_id NULL).
  sla: rows(`
    SELECT GROUPING(department_id) = 1 AS total, department_id,
           CASE WHEN GROUPING(department_id) = 0 THEN pg_catalog.min(department_name) END AS department_name,
           pg_catalog.sum(open_cases)::bigint AS open_cases, pg_catalog.sum(due_within_hour)::bigint AS due_within_hour,
           pg_catalog.sum(overdue)::bigint AS overdue, pg_catalog.sum(overdue_level1)::bigint AS overdue_level1,
           pg_catalog.sum(overdue_level2)::bigint AS overdue_level2, pg_catalog.sum(overdue_level3)::bigint AS overdue_level3,
           pg_catalog.sum(whistles_pending)::bigint AS whistles_pending, pg_catalog.sum(whistles_late)::bigint AS whistles_late
    FROM gridgov.sla_board
    GROUP BY GROUPING SETS ((department_id), ())
    ORDER BY total DESC, overdue DESC, open_cases DESC, department_id
    LIMIT $1`),
  hotspots: rows(`
    SELECT id, county, detected_at, kind, category, category_name, grid, grids, window_start, window_end,
           cases, baseline_cases, expected, score, threshold, case_id
    FROM gridgov.hotspots_latest
    ORDER BY score DESC, id
    LIMIT $1`),
  // The newest cases the caller may read (the feed before the first event).
  recent: rows(`
    SELECT c.case_no, c.category, k.name AS category_name, c.state, c.reported_at AS at
    FROM gridgov.my_cases c LEFT JOIN gridgov.categories k ON k.code = c.category
    ORDER BY c.reported_at DESC, c.id DESC
    LIMIT $1`),
  // The volume forecast of an area (any level; default the home county) for
  // the next 14 days with its 80 % and 95 % intervals, beside the last 28
  // days' actual counts, every category (gridgov.forecast_panel: with too
  // little history, forecast null and the reason in problem).
  forecast: `SELECT gridgov.forecast_panel($1::gridgov.gridcode, COALESCE($2::timestamptz, pg_catalog.now()))::text AS json`,
  // Which optional parts the database has (the social-conditions index is
  // gridgov.social_index_series(), a later module): the page asks first.
  features: `SELECT pg_catalog.json_build_object(
               'social_index', pg_catalog.to_regprocedure('gridgov.social_index_series(gridgov.gridcode, date, date)') IS NOT NULL
             )::text AS json`,
  // The social-conditions index of an area by month (default: the home
  // county, the last 12 months up to the current one).
  'social-index': `
    SELECT pg_catalog.json_build_object(
             'area', a.code, 'name', (SELECT g.name FROM gridgov.grids g
                                      WHERE g.code OPERATOR(gridgov.=) a.code AND g.valid_to = 'infinity'),
             'months', COALESCE((SELECT pg_catalog.json_agg(x ORDER BY x.month)
                                 FROM gridgov.social_index_series(a.code, a.from_month, a.to_month) x), '[]'))::text AS json
    FROM (SELECT COALESCE($1::gridgov.gridcode,
                          (SELECT s.value FROM gridgov.settings s WHERE s.key = 'home_county')::gridgov.gridcode) AS code,
                 COALESCE($2::date, (pg_catalog.date_trunc('month', ${TODAY}::timestamp) - interval '11 months')::date) AS from_month,
                 COALESCE($3::date, pg_catalog.date_trunc('month', ${TODAY}::timestamp)::date) AS to_month) a`,
  // Chinese titles of the workflows' actions and states (the feed's labels).
  labels: `SELECT pg_catalog.json_build_object(
             'actions', (SELECT pg_catalog.json_object_agg(action, title) FROM (
                 SELECT action, pg_catalog.mode() WITHIN GROUP (ORDER BY title) AS title
                 FROM gridgov.transitions WHERE title IS NOT NULL GROUP BY action) a),
             'states', (SELECT pg_catalog.json_object_agg(state, title) FROM (
                 SELECT state, pg_catalog.mode() WITHIN GROUP (ORDER BY title) AS title
                 FROM gridgov.workflow_states GROUP BY state) s))::text AS json`,
};

function limit(q, fallback, max) {
  const n = Number(q.limit);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}

module.exports = async function screen(app) {
  // wildcard: false — a route per file, so that no catch-all route takes
  // other modules' unknown paths (and their own 404 bodies).
  await app.register(require('@fastify/static'), {
    root: PUBLIC_DIR,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
  });
  await app.register(require('@fastify/static'), {
    root: ECHARTS_DIR,
    prefix: '/vendor/echarts/',
    wildcard: false,
    decorateReply: false,
    maxAge: '1d',
  });

  // One API route: the key is required (the views are not public), the
  // statement runs as the caller's role, the JSON comes from the database.
  const api = (name, params) => {
    app.get(`/api/screen/${name}`, async (request, reply) => {
      const caller = request.caller;
      const key = (request.query && request.query.api_key) || request.headers['x-api-key'];
      if (!key || !caller || !caller.role) {
        return reply.code(401).send({ error: 'an API key is required: the X-Api-Key header or api_key=...' });
      }
      // An SQL error goes to the app's error handler (auth.js): class 22 (a
      // bad level, metric, time or number) → 400 with the database's message,
      // 42501 (the role may not read the view) → 403, else 500.
      const result = await app.db.query(caller.role, SQL[name], params(request.query || {}));
      reply.header('Cache-Control', 'no-store');
      return reply.type('application/json; charset=utf-8').send(result.rows[0].json);
    });
  };
  const mapParams = (q) => [q.level || 'town', q.metric || 'open_cases', q.as_of || null];
  api('map', mapParams);
  api('map/values', mapParams);
  api('rates', (q) => [q.period || 'month']);
  api('timeliness', (q) => [q.period || 'month']);
  api('ranking', (q) => [limit(q, 10, 200)]);
  api('sla', (q) => [limit(q, 12, 500)]);
  api('hotspots', (q) => [limit(q, 10, 200)]);
  api('recent', (q) => [limit(q, 20, 200)]);
  api('labels', () => []);
  api('forecast', (q) => [q.area || null, q.as_of || null]);
  api('features', () => []);
  api('social-index', (q) => [q.area || null, q.from || null, q.to || null]);
};

/* The command-center screen (指挥中心大屏).  Every number comes from the
 * gateway's /api/screen/* routes (one SQL statement each, run as the key's
 * role) and the live feed from /events (server-sent events).  The key comes
 * from the page's own URL: /?key=gg_...  (optional: &level=town|grid|...,
 * &metric=open_cases|..., &area=a gridcode for the forecast and the index).  docs/gateway.md, "The screen". */
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const key = params.get('key') || '';
  const view = { level: params.get('level') || 'town', metric: params.get('metric') || 'open_cases', area: params.get('area') || '' };
  // What the tests (and a curious operator, in the console) can look at.
  const screen = (window.gridgovScreen = { ready: false, events: 0, charts: {}, map: null, errors: [], features: {} });

  // Chinese labels of the SQL's names (map_geojson's levels and metrics); an
  // unknown metric shows its SQL name.
  const LEVELS = { county: '区', town: '街镇', community: '社区', grid: '网格' };
  const METRICS = {
    open_cases: '在办案件数', overdue_cases: '超期案件数', cases_30d: '近30日案件数',
    response_rate: '响应率(%)', resolution_rate: '解决率(%)', satisfaction_rate: '满意率(%)', score: '综合得分',
    patrol_coverage: '巡查覆盖率(%)', days_unpatrolled: '未巡查天数',
  };
  const MAP_FIXED = ['code', 'name', 'kind', 'metric', 'value'];
  // System actions have no workflow title (gridgov.transitions.title).
  const SYSTEM_ACTIONS = {
    intake: '上报', edit: '修改', escalate: '升级督办', rehome: '重新归属', master_closed: '随主案办结',
    recalendar: '重算时限', contact_revealed: '查阅联系方式',
    sensor_alarm: '设备告警', sensor_peak: '读数新高', sensor_cleared: '告警解除',
  };
  let labels = { actions: {}, states: {} };

  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const num = (v, digits) => (v === null || v === undefined ? '—' : Number(v).toFixed(digits ?? 0));
  const pct = (v) => (v === null || v === undefined ? '—' : `${Number(v).toFixed(1)}%`);
  const TZ = 'Asia/Shanghai';
  const dayOf = (d) => d.toLocaleDateString('zh-CN', { timeZone: TZ, month: '2-digit', day: '2-digit' });
  // Today's events by the second, older ones by day and minute.
  const timeOf = (at) => {
    const d = new Date(at);
    if (dayOf(d) === dayOf(new Date())) return d.toLocaleTimeString('zh-CN', { timeZone: TZ, hour12: false });
    return `${dayOf(d).replace('/', '-')} ${d.toLocaleTimeString('zh-CN', { timeZone: TZ, hour12: false, hour: '2-digit', minute: '2-digit' })}`;
  };

  async function api(path) {
    const res = await fetch(path, { headers: { 'X-Api-Key': key }, cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${(body && body.error) || ''}`);
    return body;
  }

  function chart(id) {
    if (!screen.charts[id]) screen.charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return screen.charts[id];
  }

  function fail(panel, err) {
    screen.errors.push(String(err.message || err));
    console.error(err);
    const el = $(panel);
    if (el) el.setAttribute('data-error', String(err.message || err));
  }

  // ---- the map -------------------------------------------------------------
  function mapOption(data, title) {
    const values = data.map((d) => d.value).filter((v) => v !== null && v !== undefined);
    const max = values.length ? Math.max(...values) : 0;
    const min = values.length ? Math.min(0, ...values) : 0;
    return {
      animation: false,
      tooltip: {
        trigger: 'item',
        formatter: (p) => `${esc(p.data ? p.data.areaName : p.name)}<br>${esc(p.name)}<br>${esc(title)}：${
          p.data && p.data.value !== null && p.data.value !== undefined ? p.data.value : '无数据'}`,
      },
      visualMap: {
        type: 'continuous', min, max: max > min ? max : min + 1, calculable: true, left: 10, bottom: 10,
        text: ['高', '低'], textStyle: { color: '#d8e6ff' },
        inRange: { color: ['#0f3b73', '#1f78c1', '#3fd3ff', '#ffd45e', '#ff8a3d', '#ff4040'] },
      },
      series: [{
        type: 'map', map: `gridgov-${view.level}`, nameProperty: 'code', roam: true, selectedMode: false,
        label: { show: view.level === 'town', color: '#fff', fontSize: 10, formatter: (p) => (p.data ? p.data.areaName : '') },
        itemStyle: { areaColor: '#132b52', borderColor: '#4d86d6', borderWidth: view.level === 'grid' ? 0.2 : 0.8 },
        emphasis: { label: { show: true, color: '#fff' }, itemStyle: { areaColor: '#ffd45e' } },
        data,
      }],
    };
  }

  const mapData = (items) => items.map((p) => ({ name: p.code, value: p.value, areaName: p.name }));

  async function loadMap() {
    const geo = await api(`/api/screen/map?level=${encodeURIComponent(view.level)}&metric=${encodeURIComponent(view.metric)}`);
    echarts.registerMap(`gridgov-${view.level}`, geo);
    const props = geo.features.map((f) => f.properties);
    // The metric choice: every metric map_geojson puts in the properties.
    const metrics = props.length ? Object.keys(props[0]).filter((k) => !MAP_FIXED.includes(k)) : [view.metric];
    const sel = $('metric');
    sel.innerHTML = metrics.map((m) => `<option value="${esc(m)}">${esc(METRICS[m] || m)}</option>`).join('');
    sel.value = view.metric;
    const c = chart('map');
    c.clear();
    c.setOption(mapOption(mapData(props), METRICS[view.metric] || view.metric));
    screen.map = { level: view.level, metric: view.metric, features: geo.features.length };
  }

  async function refreshMapValues() {
    const items = await api(`/api/screen/map/values?level=${encodeURIComponent(view.level)}&metric=${encodeURIComponent(view.metric)}`);
    chart('map').setOption(mapOption(mapData(items), METRICS[view.metric] || view.metric));
  }

  // ---- three rates, timeliness -------------------------------------------
  const county = (rows) => rows.find((r) => r.level === 'county') || null;

  async function loadRates() {
    const rows = await api('/api/screen/rates?period=month');
    const r = county(rows);
    $('rates-period').textContent = r ? `${r.period_start.slice(0, 7)} 月度` : '暂无数据';
    const items = [['响应率', r && r.response_rate], ['解决率', r && r.resolution_rate], ['满意率', r && r.satisfaction_rate]];
    chart('rates').setOption({
      animation: false,
      series: items.map(([name, v], i) => ({
        type: 'gauge', center: [`${17 + i * 33}%`, '58%'], radius: '80%', min: 0, max: 100,
        progress: { show: true, width: 8 }, axisLine: { lineStyle: { width: 8, color: [[1, '#16335e']] } },
        axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false },
        itemStyle: { color: ['#3fd3ff', '#35d07f', '#ffd45e'][i] },
        title: { offsetCenter: [0, '70%'], color: '#7f9cc7', fontSize: 12 },
        detail: { offsetCenter: [0, '5%'], color: '#fff', fontSize: 18, formatter: () => pct(v) },
        data: [{ value: v === null || v === undefined ? 0 : Number(v), name }],
      })),
    });
    $('rates-score').textContent = r
      ? `综合得分 ${num(r.score, 2)} · 派单 ${num(r.dispatched)} · 回访 ${num(r.called_back)} · 上报 ${num(r.reported)}`
      : '';
  }

  async function loadTimeliness() {
    const rows = await api('/api/screen/timeliness?period=month');
    const r = county(rows);
    $('time-period').textContent = r ? `${r.period_start.slice(0, 7)} 月度` : '暂无数据';
    const names = ['结案率', '按期结案率', '返工率', '延期率', '一次派单准确率'];
    const keys = ['closure_rate', 'on_time_rate', 'rework_rate', 'extension_rate', 'first_dispatch_accuracy'];
    chart('timeliness').setOption({
      animation: false,
      grid: { left: 40, right: 10, top: 14, bottom: 24 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
      xAxis: { type: 'category', data: names, axisLabel: { color: '#7f9cc7', fontSize: 11, interval: 0 } },
      yAxis: { type: 'value', max: 100, axisLabel: { color: '#7f9cc7' }, splitLine: { lineStyle: { color: '#16335e' } } },
      series: [{
        type: 'bar', barWidth: '45%', data: keys.map((k) => (r ? r[k] : null)),
        label: { show: true, position: 'top', color: '#d8e6ff', fontSize: 11, formatter: (p) => (p.value === null ? '—' : `${p.value}%`) },
        itemStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: '#3fd3ff' }, { offset: 1, color: '#1f5fa8' }]) },
      }],
    });
    $('time-note').textContent = r
      ? `立案 ${num(r.filed)} · 应结 ${num(r.due)} · 已结 ${num(r.closed)} · 平均处置 ${num(r.avg_handle_hours, 1)} 工时`
      : '';
  }

  // ---- tables and lists ---------------------------------------------------
  async function loadRanking() {
    const rows = await api('/api/screen/ranking?limit=10');
    $('rank-month').textContent = rows.length ? `${rows[0].month.slice(0, 7)}` : '';
    $('ranking').tBodies[0].innerHTML = rows.length
      ? rows.map((r) => `<tr><td class="num">${esc(r.rank)}</td><td title="${esc(r.department_name)}">${esc(r.department_name)}</td>` +
          `<td class="num">${num(r.score, 2)}</td><td class="num">${pct(r.response_rate)}</td><td class="num">${pct(r.on_time_rate)}</td></tr>`).join('')
      : '<tr><td colspan="5" class="empty">暂无排名</td></tr>';
  }

  async function loadSla() {
    const rows = await api('/api/screen/sla?limit=9');
    const total = rows.find((r) => r.total) || {};
    const kpi = (v, label, bad) => `<div><b class="${bad && v > 0 ? 'bad' : ''}">${num(v)}</b><span>${label}</span></div>`;
    $('sla-total').innerHTML = kpi(total.open_cases || 0, '在办案件') + kpi(total.due_within_hour || 0, '1小时内到期', true) +
      kpi(total.overdue || 0, '超期案件', true) + kpi(total.whistles_pending || 0, '吹哨待报到');
    const depts = rows.filter((r) => !r.total).slice(0, 8);
    $('sla').tBodies[0].innerHTML = depts.length
      ? depts.map((r) => `<tr><td title="${esc(r.department_name)}">${esc(r.department_name)}</td><td class="num">${num(r.open_cases)}</td>` +
          `<td class="num">${num(r.due_within_hour)}</td><td class="num ${r.overdue > 0 ? 'bad' : ''}">${num(r.overdue)}</td>` +
          `<td class="num">${num(r.whistles_pending)}</td></tr>`).join('')
      : '<tr><td colspan="5" class="empty">暂无在办案件</td></tr>';
  }

  async function loadHotspots() {
    const rows = await api('/api/screen/hotspots?limit=6');
    $('hotspots').innerHTML = rows.length
      ? rows.map((h) => `<li><span class="score">得分 ${num(h.score, 1)} / 阈值 ${num(h.threshold, 1)}</span>` +
          `${h.kind === 'spike' ? '突增' : '聚集'} · ${esc(h.category_name || h.category)} · ${esc(h.grid || (h.grids || []).join(' '))}` +
          ` · ${num(h.cases)} 件（预期 ${num(h.expected, 1)}）</li>`).join('')
      : '<li class="empty">最近一次检测未发现热点</li>';
  }

  // ---- the selected area: volume forecast and social-conditions index ------
  // The area is the one last clicked on the map (the home county at first);
  // the numbers are the SQL's (forecast_actuals, forecast_volume,
  // social_index_series), drawn as they come.
  const areaParam = () => (view.area ? `area=${encodeURIComponent(view.area)}` : '');
  const mmdd = (d) => String(d).slice(5, 10);

  async function loadForecast() {
    const fc = await api(`/api/screen/forecast?${areaParam()}`);
    screen.forecast = fc;
    const actual = fc.actual || [];
    const ahead = fc.forecast || [];
    const days = actual.map((r) => r.period_start).concat(ahead.map((r) => r.period_start));
    const pad = (rows, f) => actual.map(() => null).concat(rows.map(f));
    const band = (lo, hi) => [pad(ahead, (r) => r[lo]), pad(ahead, (r) => r[hi] - r[lo])];
    const [l95, w95] = band('lower_95', 'upper_95');
    const [l80, w80] = band('lower_80', 'upper_80');
    const edge = { lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } };
    $('forecast-area').textContent = fc.name || fc.area || '';
    chart('forecast').setOption({
      animation: false,
      grid: { left: 36, right: 10, top: 10, bottom: 22 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : Number(v).toFixed(1)) },
      xAxis: { type: 'category', data: days.map(mmdd), axisLabel: { color: '#7f9cc7', fontSize: 10 } },
      yAxis: { type: 'value', axisLabel: { color: '#7f9cc7' }, splitLine: { lineStyle: { color: '#16335e' } } },
      series: [
        { name: '实际', type: 'bar', data: actual.map((r) => r.cases).concat(ahead.map(() => null)), itemStyle: { color: '#1f78c1' } },
        { name: '95%下限', type: 'line', stack: 'b95', data: l95, ...edge },
        { name: '95%区间', type: 'line', stack: 'b95', data: w95, ...edge, areaStyle: { color: 'rgba(255, 212, 94, 0.18)' } },
        { name: '80%下限', type: 'line', stack: 'b80', data: l80, ...edge },
        { name: '80%区间', type: 'line', stack: 'b80', data: w80, ...edge, areaStyle: { color: 'rgba(255, 212, 94, 0.32)' } },
        { name: '预测', type: 'line', data: pad(ahead, (r) => r.expected), symbol: 'none', lineStyle: { color: '#ffd45e', width: 2 } },
      ],
    });
    const next = ahead[1] || ahead[0];
    $('forecast-note').textContent = next
      ? `${mmdd(next.period_start)} 预计 ${num(next.expected, 1)} 件 · 80%区间 ${next.lower_80}–${next.upper_80} · 95%区间 ${next.lower_95}–${next.upper_95}`
      : '暂无预测：历史数据不足（需一年）';
    $('forecast-note').title = fc.problem || '';
  }

  async function loadSocial() {
    if (!screen.features.social_index) {
      $('social-note').textContent = '社情指数模块未安装';
      return;
    }
    const si = await api(`/api/screen/social-index?${areaParam()}`);
    screen.social = si;
    const months = si.months || [];
    $('social-area').textContent = si.name || si.area || '';
    chart('social').setOption({
      animation: false,
      grid: { left: 36, right: 10, top: 10, bottom: 22 },
      tooltip: {
        trigger: 'axis',
        formatter: (ps) => {
          const r = months[ps[0].dataIndex] || {};
          return Object.entries(r).map(([k, v]) => `${esc(k)}：${esc(typeof v === 'number' ? Number(v).toFixed(2) : v)}`).join('<br>');
        },
      },
      xAxis: { type: 'category', data: months.map((r) => String(r.month).slice(0, 7)), axisLabel: { color: '#7f9cc7', fontSize: 10 } },
      yAxis: { type: 'value', scale: true, axisLabel: { color: '#7f9cc7' }, splitLine: { lineStyle: { color: '#16335e' } } },
      series: [{ name: '社情指数', type: 'line', data: months.map((r) => r.index), itemStyle: { color: '#35d07f' } }],
    });
    const last = months[months.length - 1];
    $('social-note').textContent = last ? `${String(last.month).slice(0, 7)} 指数 ${num(last.index, 2)}` : '暂无数据';
  }

  function selectArea(code) {
    view.area = code;
    loadForecast().catch((e) => fail('forecast', e));
    loadSocial().catch((e) => fail('social', e));
  }

  // ---- the live feed --------------------------------------------------------
  const actionLabel = (a) => labels.actions[a] || SYSTEM_ACTIONS[a] || a || '';
  const stateLabel = (s) => labels.states[s] || s || '';

  function feedItem(e, fresh) {
    const li = document.createElement('li');
    if (fresh) li.className = 'new';
    li.dataset.caseNo = e.case_no;
    li.innerHTML = `<span class="t">${esc(timeOf(e.at))}</span><span class="no">${esc(e.case_no)}</span>` +
      `<span class="c" title="${esc(e.category_name)}">${esc(e.category_name || e.category)}</span>` +
      `<span class="a">${esc(actionLabel(e.action))}</span><span class="s">${esc(stateLabel(e.to || e.state))}</span>`;
    return li;
  }

  function addFeed(e, fresh) {
    const list = $('feed');
    list.insertBefore(feedItem(e, fresh), list.firstChild);
    while (list.children.length > 40) list.removeChild(list.lastChild);
  }

  async function loadRecent() {
    const rows = await api('/api/screen/recent?limit=20');
    for (const r of rows.reverse()) addFeed({ ...r, action: null }, false);
  }

  // Panels refresh after events, at most every 3 s (the map's values only).
  let refreshTimer = null;
  let lastRefresh = 0;
  function scheduleRefresh() {
    if (refreshTimer) return;
    const wait = Math.max(500, 3000 - (Date.now() - lastRefresh));
    refreshTimer = setTimeout(async () => {
      refreshTimer = null;
      lastRefresh = Date.now();
      await Promise.all([
        refreshMapValues().catch((e) => fail('map', e)), loadRates().catch((e) => fail('rates', e)),
        loadTimeliness().catch((e) => fail('timeliness', e)), loadRanking().catch((e) => fail('ranking', e)),
        loadSla().catch((e) => fail('sla', e)), loadHotspots().catch((e) => fail('hotspots', e)),
      ]);
    }, wait);
  }

  // The browser reconnects by itself (with Last-Event-ID) after a network
  // error or when the gateway ends a stream; a refusal (429, 403) closes the
  // EventSource for good: then a new one, after a pause, from the last id.
  let lastId = '';
  function connect() {
    return new Promise((resolve) => {
      const resume = lastId ? `&last_event_id=${encodeURIComponent(lastId)}` : '';
      const es = new EventSource(`/events?api_key=${encodeURIComponent(key)}${resume}`);
      screen.source = es;
      es.addEventListener('open', () => {
        $('live').className = 'dot on';
        $('live-text').textContent = '实时连接';
        resolve();
      });
      es.addEventListener('error', () => {
        $('live').className = 'dot off';
        $('live-text').textContent = '重新连接中';
        if (es.readyState === EventSource.CLOSED) {
          resolve();
          setTimeout(connect, 15000);
        }
      });
      es.addEventListener('case', (m) => {
        lastId = m.lastEventId || lastId;
        screen.events += 1;
        $('feed-count').textContent = `本次已接收 ${screen.events} 条`;
        addFeed(JSON.parse(m.data), true);
        scheduleRefresh();
      });
    });
  }

  function tick() {
    $('clock').textContent = new Date().toLocaleString('zh-CN', { timeZone: TZ, hour12: false });
  }

  async function main() {
    tick();
    setInterval(tick, 1000);
    if (!key) {
      $('nokey').hidden = false;
      $('live-text').textContent = '未连接';
      return;
    }
    const level = $('level');
    level.innerHTML = Object.entries(LEVELS).map(([k, v]) => `<option value="${k}">${v}</option>`).join('');
    level.value = view.level;
    level.addEventListener('change', () => { view.level = level.value; loadMap().catch((e) => fail('map', e)); });
    $('metric').addEventListener('change', (ev) => { view.metric = ev.target.value; loadMap().catch((e) => fail('map', e)); });
    window.addEventListener('resize', () => Object.values(screen.charts).forEach((c) => c.resize()));
    // A click on an area shows its forecast and index.
    chart('map').on('click', (p) => { if (p.name) selectArea(p.name); });
    screen.features = await api('/api/screen/features').catch((e) => { fail('social', e); return {}; });
    labels = await api('/api/screen/labels').catch((e) => { fail('feed', e); return labels; });
    labels.actions = labels.actions || {};
    labels.states = labels.states || {};
    await Promise.all([
      loadMap().catch((e) => fail('map', e)), loadRates().catch((e) => fail('rates', e)),
      loadTimeliness().catch((e) => fail('timeliness', e)), loadRanking().catch((e) => fail('ranking', e)),
      loadSla().catch((e) => fail('sla', e)), loadHotspots().catch((e) => fail('hotspots', e)),
      loadRecent().catch((e) => fail('feed', e)), loadForecast().catch((e) => fail('forecast', e)),
      loadSocial().catch((e) => fail('social', e)), connect(),
    ]);
    screen.ready = true;
    document.documentElement.dataset.ready = '1';
  }

  main();
})();

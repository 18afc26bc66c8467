// groundtruth dashboard: a small single-page app over /api/v1. The API key stays in this
// tab's sessionStorage and goes out only as the Authorization header of API calls.
'use strict';

const state = { key: sessionStorage.getItem('gt.key') || '', me: null, config: {}, timer: null, map: null };

// h builds an element: h('a', {href: '#/x', class: 'y'}, 'text', child...). Text is never
// parsed as HTML.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const main = () => document.getElementById('main');
function show(...nodes) { main().replaceChildren(...nodes); }

class APIError extends Error {
  constructor(status, problem) {
    const first = (problem.errors || [])[0];
    super((problem.detail || problem.title || ('HTTP ' + status)) + (first && first.location ? ' (' + first.location + ')' : ''));
    this.status = status; this.problem = problem;
  }
}

async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: { Authorization: 'Bearer ' + state.key } };
  if (opts.body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(opts.body); }
  const resp = await fetch('/api/v1' + path, init);
  const text = await resp.text();
  const body = text ? JSON.parse(text) : null;
  if (resp.status === 401) { signOut(); throw new APIError(401, body || {}); }
  if (!resp.ok) throw new APIError(resp.status, body || {});
  return body;
}

// all reads every page of a list route.
async function all(path, max = 5000) {
  const out = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  while (out.length < max) {
    const page = await api(path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    out.push(...(page.items || []));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

// Formatting.
const minorDigits = { JPY: 0, KRW: 0 };
function money(m) {
  if (!m || m.currency === undefined) return '–';
  const d = minorDigits[m.currency] ?? 2;
  const v = m.amount / Math.pow(10, d);
  return v.toLocaleString('en', { maximumFractionDigits: 0 }) + ' ' + m.currency;
}
const pct = (x) => (x === undefined || x === null) ? '–' : (100 * x).toFixed(1) + '%';
const when = (t) => t ? new Date(t).toISOString().replace('T', ' ').slice(0, 16) + 'Z' : '–';
const badge = (v) => h('span', { class: 'badge b-' + v }, v.replace('_', ' '));
const link = (href, text) => h('a', { href }, text);
function table(headers, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { class: x.startsWith('#') ? 'num' : '' }, x.replace(/^#/, ''))))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'None.'))));
}
function failed(err) { show(h('p', { class: 'error' }, 'Error: ' + err.message)); }

// Sign-in.
function signOut() {
  sessionStorage.removeItem('gt.key');
  state.key = ''; state.me = null;
  document.getElementById('nav').hidden = true;
  document.getElementById('signout').hidden = true;
  document.getElementById('who').textContent = '';
  if (location.hash !== '#/signin') location.hash = '#/signin';
  else route();
}

function signInPage() {
  const input = h('input', { type: 'password', id: 'apikey', autocomplete: 'off', placeholder: 'gtk_...' });
  const msg = h('p', { class: 'error', id: 'signin-error' });
  const form = h('form', { class: 'panel signin', onsubmit: async (e) => {
    e.preventDefault();
    state.key = input.value.trim();
    try {
      await loadMe();
      sessionStorage.setItem('gt.key', state.key);
      location.hash = '#/portfolio';
    } catch (err) {
      state.key = '';
      msg.textContent = err.status === 401 ? 'Unknown or revoked API key.' : err.message;
    }
  } }, h('h1', {}, 'Sign in'), h('label', { for: 'apikey' }, 'API key'), input, h('button', { class: 'primary', type: 'submit' }, 'Sign in'), msg);
  show(form);
  input.focus();
}

async function loadMe() {
  state.me = await api('/whoami');
  document.getElementById('nav').hidden = false;
  document.getElementById('signout').hidden = false;
  document.getElementById('who').textContent = state.me.tenant.name + ' · ' + state.me.role;
}

// Portfolio.
async function portfolioPage() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const [p, risks, cr] = await Promise.all([api('/portfolio'), api('/loan-risks?limit=200' + (q.get('cursor') ? '&cursor=' + encodeURIComponent(q.get('cursor')) : '')), api('/portfolio/credit')]);
  const bands = ['healthy', 'warn', 'margin_call', 'liquidation'];
  const most = Math.max(1, ...bands.map((b) => p.by_band[b] || 0));
  const sev = ['critical', 'warning', 'info'];
  const mostA = Math.max(1, ...sev.map((s) => p.open_alerts[s] || 0));
  const bars = (keys, counts, max, cls) => keys.map((k) => h('div', { class: 'bar' }, h('span', { class: 'name' }, k.replace('_', ' ')),
    h('span', { class: 'fill ' + cls + k, style: null, 'data-w': String(Math.round(300 * (counts[k] || 0) / max)) }), h('span', {}, String(counts[k] || 0))));
  const buckets = ['<50%', '50-60%', '60-70%', '70-80%', '80-90%', '90-100%', '>=100%', 'none'];
  const hist = p.ltv_distribution || {};
  const conc = (dim) => {
    const rows = (p.concentrations[dim] || []).slice(0, 8).map((c) => h('tr', {}, h('td', {}, c.key || '(none)'), h('td', { class: 'num' }, money(c.value)), h('td', { class: 'num' }, pct(c.share)), h('td', { class: 'num' }, String(c.loans))));
    return h('div', { class: 'panel' }, h('h2', {}, 'By ' + dim.replace('_', ' ')), table(['Key', '#Value', '#Share', '#Loans'], rows));
  };
  const loanRows = risks.items.map((r) => h('tr', {}, h('td', {}, link('#/loans/' + encodeURIComponent(r.loan_id), r.loan_id)), h('td', {}, r.borrower_id),
    h('td', { class: 'num' }, money(r.exposure)), h('td', { class: 'num' }, money(r.collateral_value)), h('td', { class: 'num' }, pct(r.ltv)), h('td', {}, badge(r.band))));
  show(h('h1', {}, 'Portfolio'),
    h('div', { class: 'tiles' },
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Loans'), h('div', { class: 'value', id: 'loan-count' }, String(p.loans))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Exposure'), h('div', { class: 'value' }, (p.exposure || []).map(money).join(' · ') || '–')),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Collateral value'), h('div', { class: 'value' }, (p.collateral_value || []).map(money).join(' · ') || '–')),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Open alerts'), h('div', { class: 'value' }, String(sev.reduce((n, s) => n + (p.open_alerts[s] || 0), 0)))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Expected loss'), h('div', { class: 'value' }, (p.expected_loss || []).map(money).join(' · ') || '–')),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'RWA (IRB)'), h('div', { class: 'value' }, (p.rwa || []).map(money).join(' · ') || '–'))),
    h('div', { class: 'cols' },
      h('div', { class: 'panel', id: 'bands' }, h('h2', {}, 'Loans by band'), bars(bands, p.by_band, most, 'f-')),
      h('div', { class: 'panel' }, h('h2', {}, 'Open alerts by severity'), bars(sev, p.open_alerts, mostA, 'f-')),
      h('div', { class: 'panel', id: 'ltv-distribution' }, h('h2', {}, 'LTV distribution'), bars(buckets, hist, Math.max(1, ...Object.values(hist)), 'f-warn '))),
    h('div', { class: 'cols' }, ['custodian', 'core_enterprise', 'commodity', 'region'].map(conc)),
    h('div', { class: 'panel', id: 'credit' }, h('h2', {}, 'Credit (IRB, IFRS 9, 99.9% credit VaR) — ' + cr.loans + ' loans with a PD; stages 1/2/3: ' +
      ['1', '2', '3'].map((k) => String(cr.by_stage[k] || 0)).join(' / ')),
      table(['Currency', '#EAD', '#Expected loss', '#RWA', '#Capital', '#Allowance', '#Credit VaR'], cr.currencies.map((c) => h('tr', {}, h('td', {}, c.currency),
        h('td', { class: 'num' }, money(c.ead)), h('td', { class: 'num' }, money(c.expected_loss)), h('td', { class: 'num' }, money(c.rwa)),
        h('td', { class: 'num' }, money(c.capital)), h('td', { class: 'num' }, money(c.allowance)), h('td', { class: 'num' }, money(c.credit_var)))))),
    h('h2', {}, 'Loans, by id'),
    table(['Loan', 'Borrower', '#Exposure', '#Collateral value', '#LTV', 'Band'], loanRows), pager('#/portfolio', risks));
  for (const el of main().querySelectorAll('.fill')) el.style.width = el.dataset.w + 'px';
}

// Loan page.
async function loanPage(id) {
  const [view, series] = await Promise.all([api('/loans/' + encodeURIComponent(id) + '/risk'),
    api('/loans/' + encodeURIComponent(id) + '/series').catch(() => ({ points: [] }))]);
  const r = view.risk;
  const loan = await api('/loans/' + encodeURIComponent(id));
  const terms = loan.terms || {};
  const chart = h('div', { class: 'chart', id: 'ltv-chart' });
  const actions = (await api('/actions?limit=200')).items.filter((a) => (a.loans || []).includes(id));
  show(h('h1', {}, 'Loan ', id, ' ', r ? badge(r.band) : ''),
    h('div', { class: 'tiles' },
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Borrower'), h('div', { class: 'value' }, loan.borrower_id)),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Exposure'), h('div', { class: 'value' }, r ? money(r.exposure) : '–')),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Collateral value'), h('div', { class: 'value' }, r ? money(r.collateral_value) : '–')),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'LTV'), h('div', { class: 'value', id: 'ltv' }, r ? pct(r.ltv) : '–')),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Bands'), h('div', { class: 'value' }, pct(terms.warn_ltv) + ' / ' + pct(terms.margin_call_ltv) + ' / ' + pct(terms.liquidation_ltv)))),
    r && r.credit ? h('div', { class: 'tiles', id: 'credit' },
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'PD / LGD*'), h('div', { class: 'value' }, pct(r.credit.pd) + ' / ' + pct(r.credit.lgd))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Expected loss'), h('div', { class: 'value' }, money(r.credit.el))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Risk weight / RWA'), h('div', { class: 'value' }, pct(r.credit.risk_weight) + ' / ' + money(r.credit.rwa))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'IFRS 9'), h('div', { class: 'value' }, 'stage ' + r.credit.stage + ', allowance ' + money(r.credit.allowance)))) : '',
    h('h2', {}, 'LTV over time'), chart,
    h('h2', {}, 'Collateral and how it is valued'),
    table(['Collateral', 'Quantity', 'Source', 'Price', '#Haircut', 'Trust', '#Value'], (view.valuations || []).map((v) => h('tr', {},
      h('td', {}, v.collateral_id, h('div', { class: 'muted' }, v.kind)),
      h('td', {}, v.unit ? (fmtQty(v.verified_quantity) + ' ' + v.unit + ' verified of ' + fmtQty(v.book_quantity) + ' booked') : '–'),
      h('td', {}, v.quantity_source),
      h('td', {}, v.price ? money(v.price.price) + ' / ' + v.price.unit + ' (' + when(v.price.at) + ')' : '–'),
      h('td', { class: 'num' }, pct(v.haircut)),
      h('td', {}, (v.trust === undefined ? '–' : v.trust.toFixed(2)) + ' ' + (v.trust_reason || '')),
      h('td', { class: 'num' }, money(v.value))))),
    h('h2', {}, 'Alerts'), alertList(view.alerts || [], () => loanPage(id)),
    h('h2', {}, 'Actions'),
    table(['Action', 'State', 'Summary', 'Created', 'Cure by'], actions.map((a) => h('tr', {}, h('td', {}, a.kind), h('td', {}, a.state), h('td', {}, a.summary), h('td', {}, when(a.created)), h('td', {}, a.cure_by ? when(a.cure_by) : '–')))));
  drawLTV(chart, series.points || [], terms);
}

function fmtQty(x) { return x === undefined ? '–' : Number(x).toLocaleString('en', { maximumFractionDigits: 3 }); }

function drawLTV(el, points, terms) {
  if (!points.length) { el.append(h('p', { class: 'muted' }, 'No LTV history yet.')); return; }
  const xs = points.map((p) => Date.parse(p.start) / 1000);
  const ltv = points.map((p) => p.last_ltv === undefined || p.last_ltv === null ? null : 100 * p.last_ltv);
  const line = (v) => points.map(() => v === undefined ? null : 100 * v);
  // The scale stops at 200% (or the liquidation level and a half): an LTV beyond it is
  // drawn at the top, and its value is in the legend and the tiles.
  const top = Math.max(120, 150 * (terms.liquidation_ltv || 0.9));
  const clipped = ltv.map((v) => v === null ? null : Math.min(v, Math.max(top, 200)));
  const band = (label, stroke) => ({ label, stroke, dash: [4, 4], points: { show: false } });
  const opts = { width: Math.max(400, el.clientWidth - 20), height: 260,
    scales: { y: { range: () => [0, Math.max(top, Math.min(200, Math.max(...ltv.filter((v) => v !== null), 0) * 1.05))] } },
    series: [{}, { label: 'LTV %', stroke: '#1f5fbf', width: 2, points: { show: false } },
      band('warn', '#d4a017'), band('margin call', '#e06c00'), band('liquidation', '#c0392b')] };
  new uPlot(opts, [xs, clipped, line(terms.warn_ltv), line(terms.margin_call_ltv), line(terms.liquidation_ltv)], el);
}

// Alerts.
function alertList(alerts, refresh) {
  const may = (state.me && state.me.may) || {};
  return table(['Severity', 'Rule', 'Subject', 'State', 'Fired', 'Summary', ''], alerts.map((a) => {
    const cell = h('td', {});
    if (may.ack_alerts && a.status === 'open') cell.append(h('button', { type: 'button', class: 'ack', 'data-id': a.id, onclick: async (e) => {
      e.target.disabled = true;
      try { await api('/alerts/' + a.id + '/ack', { method: 'POST', body: {} }); refresh(); } catch (err) { e.target.after(h('span', { class: 'error' }, err.message)); }
    } }, 'Acknowledge'));
    if (may.close_alerts && a.status !== 'closed') cell.append(' ', h('button', { type: 'button', class: 'close', 'data-id': a.id, onclick: (e) => closeDialog(e.target, a, refresh) }, 'Close…'));
    return h('tr', { 'data-alert': a.id }, h('td', {}, badge(a.severity)), h('td', {}, a.rule), h('td', {}, subjectLink(a.subject)), h('td', {}, a.state + ' · ' + a.status),
      h('td', {}, when(a.fired_at)), h('td', {}, a.summary, evidence(a)), cell);
  }));
}

function subjectLink(s) {
  const [kind, id] = s.split(':');
  if (kind === 'loan') return link('#/loans/' + encodeURIComponent(id), s);
  if (kind === 'device') return link('#/devices/' + encodeURIComponent(id), s);
  return s;
}

function evidence(a) {
  const e = a.evidence || {};
  const lines = [];
  for (const r of e.readings || []) lines.push('reading ' + r.device + ' ' + r.name + ' = ' + r.value + ' at ' + when(r.at) + ' (event ' + r.seq + (r.signed ? ', signed' : '') + ')');
  for (const v of e.valuations || []) lines.push('valuation ' + v.collateral_id + ': ' + money(v.value) + ', verified ' + fmtQty(v.verified_quantity) + ' ' + (v.unit || '') + ' of ' + fmtQty(v.book_quantity) + ', trust ' + v.trust + ' (' + v.trust_reason + ')');
  for (const p of e.prices || []) lines.push('price ' + p.commodity + ' ' + money(p.price) + '/' + p.unit + ' at ' + when(p.at) + ' (event ' + p.seq + ')');
  lines.push('events ' + (e.events || []).join(', ') + '; rule version ' + (e.rule_version || a.rule_version));
  return h('details', { class: 'evidence' }, h('summary', {}, 'evidence'), h('pre', {}, lines.join('\n')));
}

function closeDialog(button, a, refresh) {
  if (button.nextElementSibling && button.nextElementSibling.classList.contains('dialog')) return;
  const reason = h('select', { class: 'reason' }, ['resolved', 'false_positive', 'duplicate', 'accepted_risk'].map((r) => h('option', { value: r }, r.replace('_', ' '))));
  const comment = h('input', { class: 'comment', placeholder: 'comment' });
  const msg = h('span', { class: 'error' });
  button.after(h('div', { class: 'dialog' }, reason, comment, h('button', { type: 'button', class: 'primary confirm-close', onclick: async () => {
    try { await api('/alerts/' + a.id + '/close', { method: 'POST', body: { reason: reason.value, comment: comment.value } }); refresh(); } catch (err) { msg.textContent = err.message; }
  } }, 'Close alert'), msg));
}

async function alertsPage() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const sel = (name, values) => h('select', { name, onchange: (e) => { q.set(name, e.target.value); if (!e.target.value) q.delete(name); location.hash = '#/alerts?' + q; } },
    [h('option', { value: '' }, 'any ' + name)].concat(values.map((v) => h('option', { value: v, selected: q.get(name) === v }, v))));
  const list = h('div', { id: 'alert-list' });
  const refresh = async () => {
    const params = new URLSearchParams({ limit: '200' });
    for (const k of ['state', 'status', 'severity', 'rule']) if (q.get(k)) params.set(k, q.get(k));
    const page = await api('/alerts?' + params);
    list.replaceChildren(h('p', { class: 'muted' }, page.items.length + ' alerts, newest first; updated ' + new Date().toLocaleTimeString()), alertList(page.items, refresh));
  };
  show(h('h1', {}, 'Alerts'), h('div', { class: 'filters' }, sel('state', ['pending', 'firing', 'resolved']), sel('status', ['open', 'acknowledged', 'closed']),
    sel('severity', ['critical', 'warning', 'info'])), list);
  await refresh();
  state.timer = setInterval(() => { if (!document.querySelector('.dialog')) refresh().catch(() => {}); }, 5000);
}

// Map.
async function mapPage() {
  const div = h('div', { id: 'map' });
  const counts = h('p', { class: 'muted', id: 'map-counts' });
  show(h('h1', {}, 'Map'), h('div', { class: 'legend' }, h('span', { class: 'lg-site' }, 'sites'), h('span', { class: 'lg-fence' }, 'geofences'),
    h('span', { class: 'lg-online' }, 'device reporting'), h('span', { class: 'lg-stale' }, 'device silent or unknown')), div, counts);
  const first = await api('/map');
  const map = L.map(div, { preferCanvas: true, attributionControl: !!state.config.tile_url });
  state.map = map;
  if (state.config.tile_url) L.tileLayer(state.config.tile_url, { maxZoom: 19 }).addTo(map);
  const sites = L.geoJSON(first.sites, { style: { color: '#1f5fbf', weight: 2, fillOpacity: 0.08 },
    onEachFeature: (f, l) => l.bindTooltip(f.properties.name + ' (' + f.properties.kind + ')') }).addTo(map);
  const fences = L.geoJSON(first.geofences, { style: { color: '#8e44ad', weight: 2, dashArray: '4 4', fillOpacity: 0.05 },
    onEachFeature: (f, l) => l.bindTooltip('geofence of ' + f.properties.collateral_id) }).addTo(map);
  // Crop fields, coloured from bare soil (brown) to a dense canopy (green) by the mean NDVI
  // of their latest scene; grey before any.
  const ndviColour = (v) => {
    if (v === undefined || v === null) return '#95a5a6';
    const t = Math.max(0, Math.min(1, (v - 0.1) / 0.7));
    return 'rgb(' + Math.round(150 - 120 * t) + ',' + Math.round(100 + 80 * t) + ',' + Math.round(40 + 20 * t) + ')';
  };
  const fields = L.geoJSON(first.fields, { style: (f) => ({ color: ndviColour(f.properties.ndvi), weight: 2, fillOpacity: 0.5 }),
    onEachFeature: (f, l) => l.bindTooltip(f.properties.collateral_id + ' · ' + f.properties.crop +
      (f.properties.ndvi !== undefined ? ' · NDVI ' + f.properties.ndvi.toFixed(2) + ' on ' + when(f.properties.acquired_at) : ' · no scene yet')) }).addTo(map);
  const devices = L.layerGroup().addTo(map);
  const draw = (layers) => {
    devices.clearLayers();
    for (const f of layers.devices.features) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      if (p.cluster) {
        const color = p.reporting === p.count ? '#2e8b57' : '#95a5a6';
        L.circleMarker([lat, lon], { radius: 6 + Math.min(14, Math.log2(p.count) * 2), color, fillColor: color, fillOpacity: 0.5 })
          .bindTooltip(p.count + ' devices, ' + p.reporting + ' reporting').addTo(devices);
      } else {
        const color = p.reporting ? '#2e8b57' : '#95a5a6';
        L.circleMarker([lat, lon], { radius: 6, color, fillColor: color, fillOpacity: 0.8 })
          .bindTooltip(p.id + ' · ' + p.kind + ' · ' + p.state + (p.last_seen ? ' · last seen ' + when(p.last_seen) : '')).addTo(devices);
      }
    }
    counts.textContent = first.sites.features.length + ' sites, ' + first.geofences.features.length + ' geofences, ' +
      first.fields.features.length + ' crop fields, ' +
      layers.total_devices + ' devices placed' + (layers.clustered ? ' (clustered; zoom in for each device)' : '');
  };
  draw(first);
  L.control.layers(null, { Sites: sites, Geofences: fences, 'Crop fields (NDVI)': fields, Devices: devices }).addTo(map);
  const bounds = L.latLngBounds([]);
  for (const l of [sites, fences, fields]) if (l.getBounds().isValid()) bounds.extend(l.getBounds());
  for (const f of first.devices.features) bounds.extend([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.2)); else map.setView([20, 0], 2);
  if (first.clustered) {
    map.on('moveend', async () => {
      const b = map.getBounds();
      try { draw(await api('/map?bbox=' + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(','))); } catch (err) { counts.textContent = err.message; }
    });
  }
}

// Devices.
async function devicesPage() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  const page = await api('/devices?limit=200' + (q.get('cursor') ? '&cursor=' + encodeURIComponent(q.get('cursor')) : ''));
  show(h('h1', {}, 'Devices'), table(['Device', 'Kind', 'Collateral', 'Interval', 'Signed'], page.items.map((d) => h('tr', {},
    h('td', {}, link('#/devices/' + encodeURIComponent(d.id), d.id)), h('td', {}, d.kind), h('td', {}, d.collateral_id || d.site_id || ''), h('td', {}, d.interval), h('td', {}, d.public_key ? 'yes' : 'no')))),
  pager('#/devices', page));
}

// pager links to the next page of a list, when there is one.
function pager(base, page) {
  if (!page.next_cursor) return '';
  return h('p', {}, link(base + '?cursor=' + encodeURIComponent(page.next_cursor), 'Next 200 →'));
}

async function devicePage(id) {
  const [d, hl] = await Promise.all([api('/devices/' + encodeURIComponent(id)), api('/devices/' + encodeURIComponent(id) + '/health')]);
  const names = Object.keys(hl.last || {}).filter((n) => hl.last[n].v !== undefined);
  const chart = h('div', { class: 'chart', id: 'reading-chart' });
  show(h('h1', {}, 'Device ', id, ' ', badge(hl.state || 'unknown')),
    h('div', { class: 'tiles' },
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Kind'), h('div', { class: 'value' }, d.kind)),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Last seen'), h('div', { class: 'value' }, when(hl.last_seen))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Packs'), h('div', { class: 'value' }, String(hl.packs))),
      h('div', { class: 'tile' }, h('div', { class: 'label' }, 'Duplicates / late'), h('div', { class: 'value' }, hl.duplicates + ' / ' + hl.late))),
    h('h2', {}, 'Refused payloads by reason'),
    table(['Reason', '#Count'], Object.entries(hl.rejected || {}).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, String(v))))),
    h('h2', {}, 'Readings' + (names.length ? ': ' + names[0] : '')), chart);
  if (!names.length) { chart.append(h('p', { class: 'muted' }, 'No numeric readings yet.')); return; }
  const to = new Date(Date.parse(hl.last_reading_at) + 60000);
  const from = new Date(to.getTime() - 24 * 3600 * 1000);
  const s = await api('/devices/' + encodeURIComponent(id) + '/series?name=' + encodeURIComponent(names[0]) +
    '&from=' + from.toISOString() + '&to=' + to.toISOString() + '&step=15m');
  const pts = s.points || [];
  if (!pts.length) { chart.append(h('p', { class: 'muted' }, 'No series yet.')); return; }
  new uPlot({ width: Math.max(400, chart.clientWidth - 20), height: 240, series: [{}, { label: names[0] + ' (mean)', stroke: '#1f5fbf', width: 2 },
    { label: 'min', stroke: '#95a5a6' }, { label: 'max', stroke: '#95a5a6' }] },
  [pts.map((p) => Date.parse(p.start) / 1000), pts.map((p) => p.mean), pts.map((p) => p.min), pts.map((p) => p.max)], chart);
}

// Rules.
async function rulesPage() {
  const page = await api('/rules');
  const items = page.items || [];
  show(h('h1', {}, 'Rules'), table(['Rule', 'Severity', 'Action', 'For', 'Version', 'Expression'], items.map((r) => h('tr', {},
    h('td', {}, link('#/rules/' + encodeURIComponent(r.name), r.name)), h('td', {}, badge(r.severity)), h('td', {}, r.action), h('td', {}, r.for || '0s'), h('td', {}, r.builtin ? 'built-in' : String(r.version)), h('td', {}, h('code', {}, r.expr))))));
}

async function rulePage(name) {
  const view = await api('/rules/' + encodeURIComponent(name));
  const r = view.rule || view;
  const may = (state.me && state.me.may) || {};
  const expr = h('textarea', { id: 'rule-expr', spellcheck: 'false', readonly: !may.edit_rules }, r.expr);
  const summary = h('input', { id: 'rule-summary', value: r.summary || '', readonly: !may.edit_rules });
  const forIn = h('input', { id: 'rule-for', value: r.for || '0s', readonly: !may.edit_rules });
  const sevIn = h('select', { id: 'rule-severity', disabled: !may.edit_rules }, ['critical', 'warning', 'info'].map((s) => h('option', { value: s, selected: s === r.severity }, s)));
  const actIn = h('select', { id: 'rule-action', disabled: !may.edit_rules }, ['alert', 'notify', 'request_inspection', 'margin_call', 'freeze_drawdown'].map((s) => h('option', { value: s, selected: s === r.action }, s)));
  const status = h('div', { id: 'rule-status' });
  const body = () => ({ name, expr: expr.value, for: forIn.value, severity: sevIn.value, action: actIn.value, summary: summary.value });
  const check = async () => {
    try {
      await api('/rules/check', { method: 'POST', body: body() });
      status.replaceChildren(h('p', { class: 'muted' }, 'Compiles.'));
      return true;
    } catch (err) {
      status.replaceChildren(h('p', { class: 'error', id: 'rule-error' }, err.message), caretFor(expr.value, err.message));
      return false;
    }
  };
  let debounce = null;
  expr.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(check, 300); });
  const versions = (view.versions || []).map((v) => h('tr', {}, h('td', {}, String(v.version)), h('td', {}, v.builtin ? 'built-in' : when(v.saved_at)), h('td', {}, h('code', {}, v.expr))));
  show(h('h1', {}, 'Rule ', name),
    h('div', { class: 'panel rule-editor' },
      h('label', { for: 'rule-expr' }, 'Expression (CEL)'), expr,
      h('label', { for: 'rule-for' }, 'For'), forIn, h('label', { for: 'rule-severity' }, 'Severity'), sevIn,
      h('label', { for: 'rule-action' }, 'Action'), actIn, h('label', { for: 'rule-summary' }, 'Summary'), summary,
      status,
      may.edit_rules ? h('button', { type: 'button', class: 'primary', id: 'rule-save', onclick: async () => {
        if (!await check()) return;
        try { await api('/rules/' + encodeURIComponent(name), { method: 'PUT', body: body() }); status.replaceChildren(h('p', { class: 'muted' }, 'Saved.')); rulePage(name); } catch (err) { status.replaceChildren(h('p', { class: 'error' }, err.message)); }
      } }, 'Save new version') : h('p', { class: 'muted' }, 'Your role may read rules, not change them.')),
    h('h2', {}, 'Versions'), table(['Version', 'Saved', 'Expression'], versions));
}

// Policy: the tenant's risk parameters, its own values over the defaults.
async function policyPage(saved) {
  const view = await api('/policy');
  const own = view.policy || {};
  const eff = view.effective || {};
  const may = (state.me && state.me.may) || {};
  const kinds = ['inventory_lot', 'vehicle', 'livestock_herd', 'crop_field', 'receivable'];
  const fields = [
    ['unsigned_trust_cap', 'Highest trust of unsigned data (0-1)'], ['stale_factor', 'Stale after this many reporting intervals'],
    ['blind_after', 'Blind after (no data), e.g. 24h'], ['hysteresis', 'Band hysteresis (0-0.2)'],
    ['disagreement_k', 'Sensor disagreement beyond K sigmas'], ['outflow_tolerance', 'Outflow tolerance (fraction of book)'],
    ['outflow_dwell', 'Outflow dwell, e.g. 15m'], ['price_shock_k', 'Price shock beyond K daily sigmas'],
  ];
  const inputs = {};
  const input = (name, value, placeholder) => {
    inputs[name] = h('input', { id: 'policy-' + name.replace('.', '-'), value: value === undefined ? '' : String(value), placeholder: String(placeholder), readonly: !may.edit_policy });
    return inputs[name];
  };
  const req = h('input', { type: 'checkbox', id: 'policy-require_signatures', checked: !!own.require_signatures, disabled: !may.edit_policy });
  const rows = fields.map(([name, label]) => h('tr', {}, h('td', {}, h('label', { for: 'policy-' + name }, label)), h('td', {}, input(name, own[name], eff[name])), h('td', { class: 'num' }, String(eff[name]))));
  const kindRows = kinds.map((k) => h('tr', {}, h('td', {}, k.replace('_', ' ')),
    h('td', {}, input('haircut_floors.' + k, (own.haircut_floors || {})[k], (eff.haircut_floors || {})[k])),
    h('td', {}, input('liquidation_days.' + k, (own.liquidation_days || {})[k], (eff.liquidation_days || {})[k]))));
  const status = h('div', { id: 'policy-status' }, saved ? h('p', { class: 'muted', id: 'policy-saved' }, 'Saved.') : '');
  const body = () => {
    const b = { require_signatures: req.checked };
    for (const [name, el] of Object.entries(inputs)) {
      const v = el.value.trim();
      if (v === '') continue;
      const num = ['blind_after', 'outflow_dwell'].includes(name) ? v : Number(v);
      const [group, kind] = name.split('.');
      if (kind) { b[group] = b[group] || {}; b[group][kind] = num; } else b[name] = num;
    }
    return b;
  };
  show(h('h1', {}, 'Risk policy'),
    h('p', { class: 'muted' }, 'Empty fields keep the default shown in grey; saving revalues every collateral and loan at once.'),
    h('div', { class: 'panel' }, h('label', {}, req, ' Devices must sign their packs (unsigned packs are refused)'),
      table(['Parameter', 'Own value', '#In effect'], rows)),
    h('div', { class: 'panel' }, h('h2', {}, 'By collateral kind'), table(['Kind', 'Haircut floor', 'Liquidation days'], kindRows)),
    status,
    may.edit_policy ? h('button', { type: 'button', class: 'primary', id: 'policy-save', onclick: async () => {
      try { await api('/policy', { method: 'PUT', body: body() }); await policyPage(true); }
      catch (err) { status.replaceChildren(h('p', { class: 'error', id: 'policy-error' }, err.message)); }
    } }, 'Save') : h('p', { class: 'muted' }, 'Your role may read the policy, not change it.'));
}

// caretFor marks the position a CEL error names ("1:5: ...") under the expression line.
function caretFor(text, message) {
  const m = /(\d+):(\d+)/.exec(message);
  if (!m) return '';
  const line = text.split('\n')[Number(m[1]) - 1];
  if (line === undefined) return '';
  return h('pre', { class: 'caret', id: 'rule-caret' }, line + '\n' + ' '.repeat(Math.max(0, Number(m[2]) - 1)) + '^');
}

// Routing.
async function route() {
  clearInterval(state.timer);
  if (state.map) { state.map.remove(); state.map = null; }
  const [path] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (!state.key) { if (parts[0] !== 'signin') { location.hash = '#/signin'; return; } signInPage(); return; }
  if (!state.me) { try { await loadMe(); } catch (err) { if (err.status !== 401) failed(err); return; } }
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === (parts[0] === 'loans' ? 'portfolio' : parts[0]));
  try {
    switch (parts[0]) {
      case 'loans': await loanPage(parts[1]); break;
      case 'alerts': await alertsPage(); break;
      case 'map': await mapPage(); break;
      case 'devices': parts[1] ? await devicePage(parts[1]) : await devicesPage(); break;
      case 'rules': parts[1] ? await rulePage(parts[1]) : await rulesPage(); break;
      case 'policy': await policyPage(); break;
      case 'signin': location.hash = '#/portfolio'; break;
      default: await portfolioPage();
    }
  } catch (err) { failed(err); }
}

document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('signout').addEventListener('click', signOut);
  try { state.config = await (await fetch('/config.json')).json(); } catch (e) { state.config = {}; }
  window.addEventListener('hashchange', route);
  route();
});

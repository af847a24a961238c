// livedash dashboard: wires the client to the views.

import { LivedashClient } from './client.js';
import { isValidClientId, randomId } from './ids.js';
import { loadLimits, charCount } from './limits.js';
import { ScoresView } from './view-scores.js';
import { ItemsView } from './view-items.js';
import { ActivityView } from './activity.js';
import { h, icon, setText, avatar, toast, confirmDialog, askName, askToken, safeStorage } from './ui.js';

const KEY_NAME = 'livedash.name';
const KEY_CLIENT = 'livedash.client';
const KEY_THEME = 'livedash.theme';
const KEY_TOKEN = 'livedash.adminToken';

const local = safeStorage('local');
const session = safeStorage('session');
const $ = (sel) => document.querySelector(sel);

// ------------------------------------------------------------------ theme

function effectiveTheme() {
  const t = document.documentElement.dataset.theme;
  if (t === 'light' || t === 'dark') return t;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function setupTheme() {
  const btn = $('#theme-toggle');
  const paint = () => {
    const dark = effectiveTheme() === 'dark';
    btn.replaceChildren(icon(dark ? 'sun' : 'moon'));
    btn.setAttribute('aria-label', dark ? 'Switch to light theme' : 'Switch to dark theme');
    btn.setAttribute('aria-pressed', dark ? 'true' : 'false');
    btn.title = dark ? 'Light theme' : 'Dark theme';
  };
  btn.addEventListener('click', () => {
    const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    local.set(KEY_THEME, next);
    paint();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', paint);
  paint();
}

// ------------------------------------------------------------- identity

function clientId(limits) {
  let id = local.get(KEY_CLIENT);
  if (!isValidClientId(id, limits.client_id)) {
    id = randomId(22);
    local.set(KEY_CLIENT, id);
  }
  return id;
}

// --------------------------------------------------------------- badge

function setupBadge(client) {
  const badge = $('[data-testid="connection-badge"]');
  const text = badge.querySelector('.badge-text');
  const retry = $('#retry-now');
  let timer = null;
  let status = client.status;

  const paint = () => {
    const s = status.state;
    const queued = client.pendingCount;
    let state;
    let label;
    if (s === 'live') {
      state = 'live';
      label = 'live';
    } else if (s === 'reconnecting' || (s === 'connecting' && status.reconnect)) {
      state = 'reconnecting';
      const left = status.nextRetryAt ? Math.ceil((status.nextRetryAt - Date.now()) / 1000) : 0;
      label = s === 'reconnecting' && left > 0 ? `reconnecting in ${left} s` : 'reconnecting\u2026';
    } else if (s === 'offline') {
      state = 'offline';
      const left = status.nextRetryAt ? Math.ceil((status.nextRetryAt - Date.now()) / 1000) : 0;
      label = left > 0 ? `offline \u00b7 retry in ${left} s` : 'offline';
    } else if (s === 'closed') {
      state = 'offline';
      label = 'offline';
    } else {
      state = 'connecting';
      label = 'connecting\u2026';
    }
    if (state !== 'live' && queued > 0) label += ` \u00b7 ${queued} queued`;
    badge.dataset.state = state;
    setText(text, label);
    const title = state === 'live' ? 'livedash' : `livedash \u00b7 ${label}`;
    if (document.title !== title) document.title = title;
    retry.hidden = !(state === 'reconnecting' || state === 'offline') || s === 'connecting';
    document.documentElement.dataset.conn = state;
  };

  client.addEventListener('status', (e) => {
    status = e.detail;
    clearInterval(timer);
    timer = null;
    if (status.nextRetryAt) timer = setInterval(paint, 250);
    paint();
  });
  client.addEventListener('pending', paint);
  retry.addEventListener('click', () => client.reconnectNow());
  paint();
}

// ------------------------------------------------------------ presence

function setupPresence(client) {
  const count = $('[data-testid="presence-count"]');
  const label = $('#presence-label');
  const list = $('#presence-list');
  const paint = () => {
    const p = client.presence || { count: 0, users: [] };
    const n = typeof p.count === 'number' ? p.count : (p.users || []).length;
    setText(count, String(n));
    setText(label, n === 1 ? 'dashboard open' : 'dashboards open');
    const me = client.serverClientId || client.clientId;
    // One chip per person (client id + name); several tabs show "×2".
    const groups = new Map();
    for (const u of p.users || []) {
      const name = (u && u.name) || 'Anonymous';
      const key = `${(u && u.client) || ''}\u0000${name}`;
      const g = groups.get(key) || { name, client: u && u.client, n: 0 };
      g.n++;
      groups.set(key, g);
    }
    const chips = [...groups.values()]
      .sort((a, b) => (b.client === me) - (a.client === me) || a.name.localeCompare(b.name))
      .map((g) =>
        h(
          'li',
          { class: `person${g.client === me ? ' me' : ''}` },
          avatar(g.name),
          h('span', { class: 'person-name' }, g.name),
          g.client === me ? h('span', { class: 'person-tag' }, 'you') : null,
          g.n > 1 ? h('span', { class: 'person-count', 'aria-label': `${g.n} tabs` }, `\u00d7${g.n}`) : null,
        ),
      );
    list.replaceChildren(...chips);
  };
  client.addEventListener('presence', paint);
  client.addEventListener('welcome', paint);
  client.addEventListener('status', (e) => {
    if (e.detail.state !== 'live') list.classList.add('stale');
    else list.classList.remove('stale');
  });
  paint();
}

// -------------------------------------------------------------- reset

function setupReset(client, activity) {
  const btn = $('[data-testid="reset-button"]');
  btn.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Reset the demo?',
      message: 'All items and scores will be replaced with the demo data, for everyone watching.',
      confirmLabel: 'Reset demo',
    });
    if (!ok) return;
    btn.disabled = true;
    try {
      let token = session.get(KEY_TOKEN);
      let error = '';
      for (;;) {
        try {
          // Say who we are so the reset event names us (header values must
          // be plain ASCII; other names stay anonymous to the others).
          const headers = { 'X-Livedash-Client': client.clientId };
          if (/^[\x20-\x7e]+$/.test(client.name) && charCount(client.name) <= client.limits.name) headers['X-Livedash-Name'] = client.name;
          if (token) headers.Authorization = `Bearer ${token}`;
          const res = await client.rest('POST', '/api/reset', {}, headers);
          if (res && typeof res.seq === 'number') activity.claim(res.seq);
          toast('The demo was reset.', { kind: 'success', timeout: 3000 });
          return;
        } catch (err) {
          if (err.status !== 401) throw err;
          if (token) {
            session.remove(KEY_TOKEN);
            error = 'That token was not accepted.';
          }
          token = await askToken({ error });
          if (!token) return;
          session.set(KEY_TOKEN, token);
        }
      }
    } catch (err) {
      toast(`Could not reset the demo: ${err.message}`);
    } finally {
      btn.disabled = false;
    }
  });
}

// --------------------------------------------------------------- name

function setupName(client) {
  const btn = $('#me-button');
  const paint = () => {
    const name = client.name || 'Guest';
    $('#me-avatar').replaceChildren(avatar(name));
    setText($('#me-name'), name);
    btn.setAttribute('aria-label', `Your display name is ${name}. Change it`);
  };
  btn.addEventListener('click', async () => {
    const name = await askName(client.name, client.limits.name);
    if (!name || name === client.name) return;
    local.set(KEY_NAME, name);
    client.setName(name);
    paint();
  });
  return paint;
}

// --------------------------------------------------------------- main

async function main() {
  setupTheme();

  const limits = await loadLimits(location.origin);
  const client = new LivedashClient({ limits, name: local.get(KEY_NAME) || '', clientId: clientId(limits) });
  Object.defineProperty(window, 'livedash', {
    value: Object.freeze({
      client,
      get state() {
        return client.state;
      },
    }),
    configurable: false,
    writable: false,
  });

  const scores = new ScoresView(client, {
    list: $('#score-list'),
    empty: $('#scores-empty'),
    meta: $('#scores-meta'),
    form: $('#add-player-form'),
  });
  const items = new ItemsView(client, {
    body: $('#item-body'),
    empty: $('#items-empty'),
    meta: $('#items-meta'),
    form: $('#add-item-form'),
  });
  const activity = new ActivityView(client, { list: $('[data-testid="activity-list"]'), empty: $('#activity-empty') });

  let backfilled = false;
  client.addEventListener('snapshot', () => {
    scores.onSnapshot();
    scores.render();
    items.render();
    document.body.classList.remove('loading');
    if (!backfilled) {
      backfilled = true;
      activity.backfill();
    }
  });
  client.addEventListener('event', (e) => {
    const { event, prev } = e.detail;
    activity.add(event, prev);
    if (event.type.startsWith('score.') || event.type === 'state.reset') {
      scores.onEvent(event);
      scores.render();
    }
    if (event.type.startsWith('item.') || event.type === 'state.reset') items.render();
  });
  client.addEventListener('protocol-error', (e) => toast(`Server: ${e.detail.message || e.detail.code}`));

  setupBadge(client);
  setupPresence(client);
  setupReset(client, activity);
  const paintName = setupName(client);
  paintName();

  if (!client.name) {
    const name = await askName('', limits.name, { cancellable: false });
    client.name = name || `Guest ${randomId(3)}`;
    local.set(KEY_NAME, client.name);
  }
  paintName();
  client.connect();

  // "/" jumps to the add-item field.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    if (document.querySelector('dialog[open]')) return;
    e.preventDefault();
    $('[data-testid="add-item-name"]').focus();
  });
}

main().catch((err) => {
  console.error(err);
  toast(`The dashboard failed to start: ${err.message}`);
});

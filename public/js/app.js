// livedash dashboard: loads the limits, then wires the client to the views.

import { LivedashClient } from './client.js';
import { loadLimits } from './limits.js';
import { ScoresView } from './view-scores.js';
import { ItemsView } from './view-items.js';
import { ActivityView } from './activity.js';
import { setupTheme } from './theme-toggle.js';
import { setupBadge } from './badge.js';
import { setupConnectionBanner } from './connection-banner.js';
import { setupPresence } from './presence.js';
import { setupPresenceStack } from './presence-stack.js';
import { setupEditingMarks } from './editing-marks.js';
import { setupLastChange } from './last-change.js';
import { setupPendingItems } from './pending-items.js';
import { setupReset } from './reset-button.js';
import { loadClientId, loadName, paintMeChip, setupMeChip } from './identity.js';
import { toast } from './toast.js';
import { OwnUndo, undoEvent } from './history.js';
import { HistoryPanel } from './history-panel.js';
import { ScoreCharts } from './charts.js';
import { setupChartWindow } from './chart-window.js';
import { takeCredential, forgetCredential, fetchAccess } from './credential.js';
import { setupShare } from './share.js';
import { setupRowKeys } from './row-keys.js';

const $ = (sel) => document.querySelector(sel);

async function main() {
  setupTheme($('#theme-toggle'));
  paintMeChip($('#me-button'), loadName());

  // Read first, before anything can fail: the key must leave the address bar.
  const credential = takeCredential();
  const access = await fetchAccess(location.origin);
  let limits;
  try {
    limits = await loadLimits(location.origin, { credential });
  } catch (err) {
    if (err.status !== 401) throw err;
    showDenied(access, 'refused');
    return;
  }
  const client = new LivedashClient({ limits, name: loadName(), clientId: loadClientId(limits), credential });
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

  // Presentation mode (js/present.js, css/present.css): rows to look at.
  const present = document.documentElement.hasAttribute('data-present');
  const scores = new ScoresView(
    client,
    {
      list: $('#score-list'),
      empty: $('#scores-empty'),
      meta: $('#scores-meta'),
      form: $('#add-player-form'),
    },
    { readOnly: present },
  );
  const items = new ItemsView(client, {
    body: $('#item-body'),
    empty: $('#items-empty'),
    meta: $('#items-meta'),
    form: $('#add-item-form'),
  });
  const panel = new HistoryPanel(client, $('#history-panel'));
  const openHistory = (kind, id) => panel.open(kind, id);
  new OwnUndo(client, openHistory);
  const activity = new ActivityView(client, {
    list: $('#activity-list'),
    empty: $('#activity-empty'),
    onUndo: (ev) => undoEvent(client, ev, openHistory),
  });
  const charts = new ScoreCharts(client, { chart: $('#score-chart'), list: $('#score-list') });
  setupChartWindow($('#chart-window'), (w) => charts.setWindow(w));
  const historyFrom = (list, kind, rowSel) => {
    const open = (e) => {
      const el = e.target.closest && e.target.closest('[data-action="history"]');
      const row = el && el.closest(rowSel);
      if (row) openHistory(kind, Number(row.dataset.id));
    };
    list.addEventListener('click', open);
    list.addEventListener('keydown', (e) => {
      if ((e.key === 'Enter' || e.key === ' ') && e.target.matches && e.target.matches('.score-name[data-action="history"]')) {
        e.preventDefault();
        open(e);
      }
    });
  };
  historyFrom($('#score-list'), 'score', '.score-row');
  historyFrom($('#item-body'), 'item', '.item-row');
  setupRowKeys($('#score-list'), '.score-row');
  setupRowKeys($('#item-body'), '.item-row');

  let backfilled = false;
  client.addEventListener('snapshot', () => {
    scores.onSnapshot();
    scores.render();
    charts.onSnapshot();
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
      charts.onEvent(event);
    }
    if (event.type.startsWith('item.') || event.type === 'state.reset') items.render();
  });
  client.addEventListener('protocol-error', (e) => toast(`Server: ${e.detail.message || e.detail.code}`));

  setupBadge(client, $('#connection-badge'), $('#retry-now'));
  setupConnectionBanner(client, $('#conn-banner'));
  setupPresence(client, { count: $('#presence-count'), label: $('#presence-label'), list: $('#presence-list') });
  setupPresenceStack(client, $('#presence-stack'));
  setupEditingMarks(client, { item: $('#item-body'), score: $('#score-list') });
  setupLastChange(client, { item: $('#item-body'), score: $('#score-list') });
  setupPendingItems(client, $('#item-body'));
  setupReset(client, activity, $('#reset-button'));
  setupMeChip(client, $('#me-button'));
  setupRole(client, access);
  setupShare(client, access, $('#share-button'), $('#share-dialog'));
  client.addEventListener('denied', (e) => showDenied(access, e.detail.reason));
  client.connect();

  // "/" jumps to the add-item field.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    if (document.querySelector('dialog[open]')) return;
    e.preventDefault();
    $('#add-item-name').focus();
  });
}

// setupRole marks the page with the connection's role (the CSS hides what
// the role may not use) and shows "view only" to a viewer. Reset is for
// admins where the mode has roles; in open mode everyone may try it (the
// admin token, if any, is asked for).
function setupRole(client, access) {
  // In open mode everyone has every role: a role on each person says nothing.
  document.documentElement.dataset.access = access.mode;
  client.addEventListener('welcome', () => {
    const role = (client.welcome && client.welcome.role) || '';
    document.documentElement.dataset.role = role;
    document.documentElement.toggleAttribute('data-no-reset', access.mode !== 'open' && role !== 'admin');
    $('#view-only').hidden = role !== 'view';
  });
}

// showDenied says, once and for good, that the server refused this link:
// no reconnecting with it, no endless spinner.
function showDenied(access, reason) {
  forgetCredential();
  const expired = /expired/.test(reason);
  const revoked = /revoked|replaced/.test(reason);
  let text = 'This link does not give access to the dashboard. Ask for a new link.';
  if (expired) text = 'Your sign-in expired.';
  else if (revoked) text = 'This link was replaced, so it no longer works. Ask for the new link.';
  $('#access-denied-text').textContent = text;
  const login = $('#access-login');
  if (access.login_url && /^https?:\/\//i.test(access.login_url)) {
    login.href = access.login_url;
    login.hidden = false;
  }
  $('#access-denied').hidden = false;
  document.body.classList.remove('loading');
  document.documentElement.dataset.role = 'view';
}

main().catch((err) => {
  console.error(err);
  toast(`The dashboard failed to start: ${err.message}`);
});

// The connection banner: while the page cannot reach the server it says so
// in words, not only with the top bar's small badge, says that what it
// shows is the last known state and how many changes wait; once back, it
// says "Back online · N changes synced", N being the changes that waited
// and that the server then acknowledged. It also retries at once when the
// person comes back to the tab or the network returns, instead of letting
// them stare at "retry in 11 s".

import { badgeOf } from './badge.js';
import { setText } from './dom.js';

// Requests that change nothing: not "changes" to count.
const READS = new Set(['state.get', 'item.list', 'item.get', 'score.list', 'score.get', 'item.history', 'score.history', 'ping']);
const SYNCED_MS = 6000;

const changes = (n) => `${n} change${n === 1 ? '' : 's'}`;

/** The banner's words; pure, for tests. */
export function bannerText({ phase, waiting = 0, synced = 0, failed = 0 }) {
  switch (phase) {
    case 'offline':
      return `You are offline. Showing what was last received${waiting ? `; ${changes(waiting)} will be sent when the connection is back` : ''}.`;
    case 'syncing':
      return `Back online \u00b7 sending ${changes(waiting)}\u2026`;
    case 'synced': {
      const parts = ['Back online'];
      if (synced) parts.push(`${changes(synced)} synced`);
      if (failed) parts.push(`${failed} could not be saved`);
      return parts.join(' \u00b7 ');
    }
    default:
      return '';
  }
}

export function setupConnectionBanner(client, el) {
  const text = el.querySelector('.conn-banner-text');
  let phase = 'hidden'; // hidden | offline | syncing | synced
  let syncing = new Set(); // ids of the changes that waited, until answered
  let synced = 0;
  let failed = 0;
  let hideTimer = null;

  const waitingChanges = () => client.queued().filter((r) => !READS.has(r.type));

  const paint = () => {
    clearTimeout(hideTimer);
    el.hidden = phase === 'hidden';
    el.dataset.phase = phase;
    document.documentElement.toggleAttribute('data-banner', !el.hidden);
    const waiting = phase === 'offline' ? waitingChanges().length : syncing.size;
    setText(text, bannerText({ phase, waiting, synced, failed }));
    if (phase === 'synced') {
      hideTimer = setTimeout(() => {
        phase = 'hidden';
        paint();
      }, SYNCED_MS);
    }
  };

  const onStatus = () => {
    const { state } = badgeOf(client.status, 0);
    // Every lost connection or failed attempt passes through waiting; the
    // attempts that follow (loading, opening) stay offline until welcomed.
    if (client.status.state === 'waiting' || (phase === 'offline' && state !== 'live')) {
      if (phase !== 'offline') {
        phase = 'offline';
        syncing = new Set();
      }
    } else if (state === 'live' && phase === 'offline') {
      // Everything that waited goes out now (client.js flushes its queue on
      // the welcome, right after this status).
      syncing = new Set(waitingChanges().map((r) => r.id));
      synced = 0;
      failed = 0;
      phase = syncing.size ? 'syncing' : 'synced';
    } else {
      return;
    }
    paint();
  };

  client.addEventListener('status', onStatus);
  client.addEventListener('pending', () => {
    if (phase === 'offline') paint();
  });
  client.addEventListener('settled', (e) => {
    const { id, ok } = e.detail;
    if (phase !== 'syncing' || !syncing.delete(id)) return;
    if (ok) synced++;
    else failed++;
    if (syncing.size === 0) phase = 'synced';
    paint();
  });

  // Back at the tab: try now, not at the timer (client.js does the same
  // when the network returns).
  const wake = () => {
    if (client.connection === 'waiting') client.reconnectNow();
  };
  globalThis.addEventListener('focus', wake);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') wake();
  });
  onStatus();
}

// The connection badge in the top bar (live, reconnecting in N s, offline,
// queued changes), the tab title and the "Retry now" button.

import { setText } from './dom.js';

export function setupBadge(client, badge, retry) {
  const text = badge.querySelector('.badge-text');
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

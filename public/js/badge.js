// The connection badge in the top bar (live, reconnecting in N s, offline,
// queued changes), the tab title and the "Retry now" button. It words the
// client's status (the connection states at the top of client.js); its own
// data-state is only the badge's look: live, connecting, reconnecting or
// offline.

import { setText } from './dom.js';

/** The badge's look and words for a client status; pure, for tests. */
export function badgeOf(status, queued, now = Date.now()) {
  const left = status.nextRetryAt ? Math.ceil((status.nextRetryAt - now) / 1000) : 0;
  let state;
  let label;
  switch (status.state) {
    case 'live':
    case 'resyncing': // still welcomed: requests go out, events catch up
      state = 'live';
      label = 'live';
      break;
    case 'waiting':
      state = status.offline ? 'offline' : 'reconnecting';
      if (status.offline) label = left > 0 ? `offline \u00b7 retry in ${left} s` : 'offline';
      else label = left > 0 ? `reconnecting in ${left} s` : 'reconnecting\u2026';
      break;
    case 'closed':
      state = 'offline';
      label = 'offline';
      break;
    default: // idle, loading, opening: an attempt is under way
      state = status.offline ? 'offline' : status.reconnect ? 'reconnecting' : 'connecting';
      label = status.offline ? 'offline' : `${state}\u2026`;
  }
  if (state !== 'live' && queued > 0) label += ` \u00b7 ${queued} queued`;
  // "Retry now" while a timer waits for the next attempt, or while an
  // attempt runs without network.
  return { state, label, retry: status.state === 'waiting' || (state === 'offline' && status.state !== 'closed') };
}

export function setupBadge(client, badge, retry) {
  const text = badge.querySelector('.badge-text');
  let timer = null;

  const paint = () => {
    const { state, label, retry: canRetry } = badgeOf(client.status, client.pendingCount);
    badge.dataset.state = state;
    setText(text, label);
    const title = state === 'live' ? 'livedash' : `livedash \u00b7 ${label}`;
    if (document.title !== title) document.title = title;
    retry.hidden = !canRetry;
    document.documentElement.dataset.conn = state;
  };

  client.addEventListener('status', () => {
    clearInterval(timer);
    timer = null;
    if (client.status.nextRetryAt) timer = setInterval(paint, 250);
    paint();
  });
  client.addEventListener('pending', paint);
  retry.addEventListener('click', () => client.reconnectNow());
  paint();
}

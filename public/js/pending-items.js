// A new item that waits for the connection shows as a row at once, marked
// "not saved", instead of nowhere: the last rows of the items table, one
// per item.create not yet answered. Its row goes when the server answers;
// the item itself comes as the server's item.created, in the view's own
// row (no duplicate: the answer follows that event on the socket).

import { h, setText } from './dom.js';

/** body: the items table's <tbody>, whose real rows are ItemsView's. */
export function setupPendingItems(client, body) {
  const rows = new Map(); // request id -> <tr>
  const paint = () => {
    const waiting = client.queued().filter((r) => r.type === 'item.create');
    const ids = new Set(waiting.map((r) => r.id));
    for (const [id, tr] of rows) {
      if (ids.has(id)) continue;
      tr.remove();
      rows.delete(id);
    }
    for (const r of waiting) {
      let tr = rows.get(r.id);
      if (!tr) {
        tr = pendingRow(r.data || {});
        rows.set(r.id, tr);
      }
      // Last, after the rows the view adds meanwhile.
      if (tr !== body.lastElementChild || !tr.isConnected) body.append(tr);
    }
  };
  client.addEventListener('pending', paint);
  client.addEventListener('settled', paint);
  // The view re-renders a frame after each event and may insert its rows
  // after ours.
  new MutationObserver(() => {
    const last = [...rows.values()].pop();
    if (last && last !== body.lastElementChild) paint();
  }).observe(body, { childList: true });
}

function pendingRow({ name = '', description = '' }) {
  const text = h('span', { class: 'pending-item-name' });
  setText(text, name);
  const desc = h('span', { class: 'pending-item-desc' });
  setText(desc, description);
  return h(
    'tr',
    { class: 'pending-item-row', 'data-testid': 'item-pending-row', 'aria-label': `${name}, not saved yet: waiting for the connection` },
    h('td', { class: 'col-id' }),
    h('td', { class: 'col-name', 'data-label': 'Name' }, text, ' ', h('span', { class: 'pending-tag', 'data-testid': 'item-pending-tag' }, 'not saved')),
    h('td', { class: 'col-desc', 'data-label': 'Description' }, desc),
    h('td', { class: 'col-actions' }),
  );
}

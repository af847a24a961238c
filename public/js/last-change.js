// "Alice · 2 min" on every item and score row: who changed the record last
// and how long ago. From the events the page sees, and, for a record the
// page has seen no event of (loaded with the snapshot), from the last event
// of its history, asked once. Rows are the views'; this only adds a line
// to each, refreshed every 30 s so that "just now" grows old.

import { h, setText } from './dom.js';
import { lastChangeLine } from './words.js';

const REFRESH_MS = 30000;

/** rows: {item: container of .item-row, score: container of .score-row}. */
export function setupLastChange(client, rows) {
  const last = new Map(); // "kind:id" -> the record's last event
  const asked = new Set(); // "kind:id" whose history was asked for

  const paintRow = (kind, row) => {
    const key = `${kind}:${row.dataset.id}`;
    let line = row.querySelector('.last-change');
    if (!line) {
      line = h('span', { class: 'last-change', 'data-testid': `${kind}-last-change` });
      // Items: under the name; scores: on the name line, before the sparkline.
      const name = row.querySelector('.col-name .editable-name');
      if (name) name.after(line);
      else {
        const spark = row.querySelector('.spark-slot');
        if (spark) spark.before(line);
        else (row.querySelector('.score-name-line') || row).append(line);
      }
    }
    const ev = last.get(key);
    const text = ev ? lastChangeLine(ev, client.me, Date.now() - Date.parse(ev.at)) : '';
    setText(line, text);
    if (ev && text) line.title = `Last changed ${new Date(ev.at).toLocaleString()}`;
    else line.removeAttribute('title');
  };
  const paint = () => {
    for (const [kind, container] of Object.entries(rows)) {
      for (const row of container.querySelectorAll(`.${kind}-row[data-id]`)) paintRow(kind, row);
    }
  };

  // The last event of each record the page has no event of yet.
  const fill = () => {
    const want = [];
    for (const it of client.state.items.values()) want.push(['item', it.id]);
    for (const s of client.state.scores.values()) want.push(['score', s.id]);
    for (const [kind, id] of want) {
      const key = `${kind}:${id}`;
      if (last.has(key) || asked.has(key)) continue;
      asked.add(key);
      client.history(kind, id, 1).then(
        (evs) => {
          const ev = evs[evs.length - 1];
          // A live event that came meanwhile is newer.
          if (ev && (!last.has(key) || last.get(key).seq < ev.seq)) {
            last.set(key, ev);
            paint();
          }
        },
        () => {}, // no history (never changed since the reset): nothing to say
      );
    }
  };

  client.addEventListener('snapshot', fill);
  client.addEventListener('event', (e) => {
    const ev = e.detail.event;
    if (ev.type === 'state.reset') {
      last.clear();
      asked.clear();
      fill();
      paint();
      return;
    }
    const m = /^(item|score)\.(created|updated|deleted)$/.exec(ev.type);
    if (!m || !ev.data) return;
    const key = `${m[1]}:${ev.data.id}`;
    last.set(key, ev);
    const row = rows[m[1]].querySelector(`.${m[1]}-row[data-id="${ev.data.id}"]`);
    if (row) paintRow(m[1], row);
  });
  // Rows come and go as the views render (a frame later): each new row
  // gets its line at once, before it is painted on screen.
  const observer = new MutationObserver(paint);
  for (const container of Object.values(rows)) observer.observe(container, { childList: true });
  setInterval(() => {
    if (!document.hidden) paint();
  }, REFRESH_MS);
  paint();
}

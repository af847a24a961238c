// "Alice · 2 min" on every item and score row: who changed the record last
// and how long ago. From the events the page sees, and, for the records a
// snapshot brings, from the log's latest events (one request). Rows are the
// views'; this only adds a line to each, refreshed every 30 s so that "just
// now" grows old.

import { h, setText } from './dom.js';
import { lastChangeLine } from './words.js';

const REFRESH_MS = 30000;
const WINDOW = 1000; // events asked for at load: GET /api/events' largest page

/** rows: {item: container of .item-row, score: container of .score-row}. */
export function setupLastChange(client, rows) {
  const last = new Map(); // "kind:id" -> the record's last event

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

  // The authors of the rows a snapshot brings, from the log's latest
  // events in one request. Not a history request per record: a page of a
  // few hundred records would spend its connection's rate limit (--rate,
  // --burst) on them and have its own changes refused meanwhile. A record
  // last changed before that window shows no line, nor does one the server
  // itself changed last (no actor: the demo data).
  const fill = async () => {
    const upto = client.state.seq;
    if (upto <= 0) return;
    const since = Math.max(0, upto - WINDOW);
    let events;
    try {
      const body = await client.rest('GET', `/api/events?since=${since}&limit=${WINDOW}`);
      events = body && Array.isArray(body.events) ? body.events : [];
    } catch {
      return; // a nicety: live events still fill the lines
    }
    const found = new Map();
    for (const ev of events.sort((x, y) => x.seq - y.seq)) {
      if (ev.seq > upto) break; // live events carry those
      if (ev.type === 'state.reset') found.clear();
      const m = /^(item|score)\./.exec(ev.type);
      if (m && ev.data) found.set(`${m[1]}:${ev.data.id}`, ev);
    }
    for (const [key, ev] of found) {
      // A live event that came meanwhile is newer.
      if (!last.has(key) || last.get(key).seq < ev.seq) last.set(key, ev);
    }
    paint();
  };

  client.addEventListener('snapshot', fill);
  client.addEventListener('event', (e) => {
    const ev = e.detail.event;
    if (ev.type === 'state.reset') {
      last.clear();
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
  // Rows come and go as the views render (a frame later): each row added
  // (or moved) gets its line at once, before it is painted on screen; the
  // rows left in place keep theirs.
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const kind = r.target === rows.item ? 'item' : 'score';
      for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches(`.${kind}-row[data-id]`)) paintRow(kind, n);
    }
  });
  for (const container of Object.values(rows)) observer.observe(container, { childList: true });
  setInterval(() => {
    if (!document.hidden) paint();
  }, REFRESH_MS);
  paint();
}

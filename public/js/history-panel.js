// The history side panel (a drawer on phones): who changed one record, when
// and how, each change with undo. It follows live events while open.

import { h, setText } from './dom.js';
import { icon } from './icons.js';
import { recordOf, undoBlockedBy, undoEvent } from './history.js';
import { actorName, changeLines, relTime } from './words.js';

export class HistoryPanel {
  constructor(client, el) {
    this.client = client;
    this.el = el;
    this.title = el.querySelector('#history-title');
    this.list = el.querySelector('#history-list');
    this.empty = el.querySelector('#history-empty');
    this.rec = null;
    this.events = [];
    this.gen = 0;
    el.querySelector('#history-close').addEventListener('click', () => this.close());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.el.hidden && !document.querySelector('dialog[open]')) this.close();
    });
    client.addEventListener('event', (e) => this.onEvent(e.detail.event));
    setInterval(() => this.paintTimes(), 1000);
  }

  /** Opens the history of a record: kind item|score. */
  async open(kind, id) {
    this.rec = { kind, id };
    this.events = [];
    const gen = ++this.gen;
    this.el.hidden = false;
    this.el.dataset.kind = kind;
    this.el.dataset.id = String(id);
    this.paintTitle();
    this.render();
    this.el.querySelector('#history-close').focus({ preventScroll: true });
    try {
      const evs = await this.client.history(kind, id, 100);
      if (gen !== this.gen) return;
      const seen = new Set(this.events.map((e) => e.seq));
      this.events = [...evs.filter((e) => !seen.has(e.seq)), ...this.events].sort((a, b) => a.seq - b.seq);
    } catch (err) {
      if (gen !== this.gen) return;
      if (err.code !== 'not_found') setText(this.empty, `Could not load the history: ${err.message}`);
    }
    this.el.dataset.loaded = 'true';
    this.render();
  }

  close() {
    this.gen++;
    this.rec = null;
    this.el.hidden = true;
    delete this.el.dataset.loaded;
  }

  paintTitle() {
    if (!this.rec) return;
    const { kind, id } = this.rec;
    const rec = kind === 'item' ? this.client.state.items.get(id) : this.client.state.scores.get(id);
    const name = rec ? (kind === 'item' ? rec.name : rec.player) : `#${id} (deleted)`;
    setText(this.title, `History of ${name}`);
  }

  onEvent(ev) {
    if (!this.rec) return;
    if (ev.type === 'state.reset') {
      this.events = [];
      this.render();
      return;
    }
    const rec = recordOf(ev);
    if (!rec || rec.kind !== this.rec.kind || rec.id !== this.rec.id) return;
    if (this.events.some((e) => e.seq === ev.seq)) return;
    this.events.push(ev);
    this.paintTitle();
    this.render();
  }

  render() {
    // Every later change of this record is in this list (an undo touches
    // the record it undoes), so a change offers Undo only where the server
    // would apply it: not undone yet, and not changed since (increments
    // aside).
    const open = (ev) => !this.events.some((later) => undoBlockedBy(ev, later));
    const items = this.events.map((ev) => {
      const time = h('time', { class: 'history-time', datetime: ev.at || '' });
      let undo = null;
      if (open(ev)) {
        undo = h('button', { type: 'button', class: 'link-btn history-undo', 'data-testid': 'history-undo', 'aria-label': `Undo change #${ev.seq}` }, icon('reset'), 'Undo');
        undo.addEventListener('click', async () => {
          undo.disabled = true;
          try {
            await undoEvent(this.client, ev, (k, i) => this.open(k, i));
          } finally {
            undo.disabled = false;
          }
        });
      }
      const li = h(
        'li',
        { class: 'history-entry', 'data-testid': 'history-entry', 'data-seq': String(ev.seq) },
        h('div', { class: 'history-head' }, h('strong', { class: 'history-who', 'data-testid': 'history-who' }, actorName(ev.actor, this.client.me)), time),
        h('ul', { class: 'history-diff' }, changeLines(ev).map((l) => h('li', { 'data-testid': 'history-diff' }, l))),
        undo,
      );
      li._time = time;
      li._at = Date.parse(ev.at);
      return li;
    });
    // Newest first: the change a person looks for is usually the last one.
    this.list.replaceChildren(...items.reverse());
    this.empty.hidden = items.length > 0 || !this.el.dataset.loaded;
    if (!this.empty.hidden && !this.empty.textContent.startsWith('Could')) setText(this.empty, 'No changes since the last reset.');
    this.paintTimes();
  }

  paintTimes() {
    const now = Date.now();
    for (const li of this.list.children) {
      if (li._time) setText(li._time, Number.isFinite(li._at) ? relTime(now - li._at) : '');
    }
  }
}

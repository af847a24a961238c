// Activity feed: the last 50 changes as sentences, newest first, with
// relative times that tick.

import { h, setText } from './dom.js';
import { icon } from './icons.js';
import { personId } from './ids.js';
import { undoable } from './history.js';
import { relTime, sentence } from './words.js';

const MAX = 50;

const KIND_ICON = { up: 'plus', down: 'minus', score: 'trophy', item: 'box', delete: 'trash', reset: 'reset', other: 'bolt' };

export class ActivityView {
  /** onUndo(ev) is called by an entry's undo action. */
  constructor(client, { list, empty, onUndo }) {
    this.client = client;
    this.onUndo = onUndo;
    this.list = list;
    this.empty = empty;
    this.entries = []; // newest first: {seq, at, li, time}
    this.seen = new Set();
    // Seqs an event in the feed undid: those can be undone no more (the
    // server's rule is "at most once"), so they lose their Undo.
    this.undone = new Set();
    this.claims = new Set(); // seqs of our own REST changes
    this.timer = setInterval(() => this.tick(), 1000);
    // Entries shown before the first welcome (the backfill) could not
    // know our id, so they named us by name: word them again.
    client.addEventListener('welcome', () => {
      for (const [i, old] of this.entries.entries()) this.rebuild(i, old);
    });
  }

  isMine(ev) {
    const me = this.client.me;
    return !!me && personId(ev.actor) === me;
  }

  /** Adds one event (live or backfilled). */
  add(ev, prev) {
    if (this.seen.has(ev.seq)) return;
    this.seen.add(ev.seq);
    if (typeof ev.undo_of === 'number') {
      this.undone.add(ev.undo_of);
      const target = this.entries.find((e) => e.seq === ev.undo_of);
      if (target && target.undo) target.undo.remove();
    }
    const entry = this.build(this.withClaim(ev), prev);

    // Insert by seq (newest first).
    let i = 0;
    while (i < this.entries.length && this.entries[i].seq > ev.seq) i++;
    this.entries.splice(i, 0, entry);
    const before = this.entries[i + 1] ? this.entries[i + 1].li : null;
    this.list.insertBefore(entry.li, before);
    if (i === 0 && this.entries.length > 1) entry.li.classList.add('fresh');
    while (this.entries.length > MAX) {
      const old = this.entries.pop();
      old.li.remove();
      this.seen.delete(old.seq);
    }
    this.empty.hidden = true;
  }

  /**
   * Marks the event with this seq as made by us (REST calls such as the
   * demo reset carry no actor).
   */
  claim(seq) {
    this.claims.add(seq);
    const i = this.entries.findIndex((e) => e.seq === seq);
    if (i >= 0) this.rebuild(i, this.entries[i]);
  }

  withClaim(ev) {
    if (!this.claims.has(ev.seq) || personId(ev.actor)) return ev;
    return { ...ev, actor: { id: this.client.me, name: this.client.name } };
  }

  /** Words entry i again, in place. */
  rebuild(i, old) {
    const entry = this.build(this.withClaim(old.ev), old.prev);
    old.li.replaceWith(entry.li);
    this.entries[i] = entry;
  }

  build(ev, prev) {
    const parsed = ev.at ? Date.parse(ev.at) : NaN;
    const at = Number.isFinite(parsed) ? Math.min(parsed, Date.now()) : Date.now();
    const { kind, parts } = sentence(ev, prev, this.client.me);
    const text = h('span', { class: 'activity-text' });
    for (const p of parts) {
      if (!p) continue;
      if (typeof p === 'string') text.appendChild(document.createTextNode(p));
      else text.appendChild(h('strong', { class: p.cls }, p.t));
    }
    const time = h('time', { class: 'activity-time' });
    if (Number.isFinite(parsed)) time.setAttribute('datetime', new Date(parsed).toISOString());
    const li = h(
      'li',
      { class: `activity-entry kind-${kind}${this.isMine(ev) ? ' mine' : ''}`, 'data-seq': String(ev.seq) },
      h('span', { class: 'activity-icon', 'aria-hidden': 'true' }, icon(KIND_ICON[kind] || 'bolt')),
      h('span', { class: 'activity-body' }, text, h('span', { class: 'sr-sep' }, ', '), time),
    );
    let btn = null;
    if (undoable(ev) && this.onUndo && !this.undone.has(ev.seq)) {
      btn = h('button', { type: 'button', class: 'icon-btn activity-undo', 'data-testid': 'activity-undo', 'aria-label': `Undo: ${text.textContent}`, title: 'Undo this change' }, icon('reset'));
      // Disabled while the undo is under way, so a double click sends one.
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          await this.onUndo(ev);
        } finally {
          btn.disabled = false;
        }
      });
      li.appendChild(btn);
    }
    setText(time, relTime(Date.now() - at));
    return { seq: ev.seq, at, li, time, ev, prev, undo: btn };
  }

  tick() {
    const now = Date.now();
    for (const e of this.entries) setText(e.time, relTime(now - e.at));
  }

  /** Loads the events just before the snapshot so the feed is not empty. */
  async backfill() {
    const upto = this.client.state.seq;
    if (upto <= 0) return;
    const since = Math.max(0, upto - MAX);
    try {
      const body = await this.client.rest('GET', `/api/events?since=${since}&limit=${MAX}`);
      const evs = (body && Array.isArray(body.events) ? body.events : []).filter((e) => e && typeof e.seq === 'number' && e.seq <= upto);
      // Rebuild previous records by replaying the window: a record's earlier
      // version inside the window gives names for renames and deletes.
      const last = { item: new Map(), score: new Map() };
      for (const e of evs.sort((a, b) => a.seq - b.seq)) {
        const kind = e.type.startsWith('item.') ? 'item' : e.type.startsWith('score.') ? 'score' : null;
        const id = e.data && e.data.id;
        let prev;
        if (kind) prev = last[kind].get(id);
        this.add(e, prev);
        if (kind && e.type.endsWith('.deleted')) last[kind].delete(id);
        else if (kind) last[kind].set(id, e.data);
        if (e.type === 'state.reset') {
          last.item.clear();
          last.score.clear();
        }
      }
    } catch {
      // Older history is a nicety; ignore failures.
    }
    this.empty.hidden = this.entries.length > 0;
  }
}

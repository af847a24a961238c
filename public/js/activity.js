// Activity feed: the last 50 changes as sentences, newest first, with
// relative times that tick.

import { h, setText } from './dom.js';
import { icon } from './icons.js';
import { personId } from './ids.js';
import { undoable } from './history.js';

const MAX = 50;

/** "just now", "3 s ago", "4 min ago", "2 h ago", "3 d ago". */
export function relTime(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr} h ago`;
  return `${Math.floor(hr / 24)} d ago`;
}

/** Who made an event: the actor's name, "Someone" or "A script". */
function actorName(ev) {
  const a = ev.actor;
  if (!a) return 'A script';
  if (a.name) return a.name;
  return personId(a) ? 'Someone' : 'A script';
}

/**
 * Whether the server made the change itself, as with the demo data of a new
 * database: no actor (contract 1.1), or, from servers before it, an actor
 * named "livedash" that is nobody's connection.
 */
function bySelf(ev) {
  const a = ev.actor;
  return !a || (!personId(a) && a.name === 'livedash');
}

function pts(n) {
  return `${n} point${Math.abs(n) === 1 ? '' : 's'}`;
}

/**
 * Describes an event as a list of parts: strings, or {t, cls} for
 * emphasised names. prev is the record before the change (if known).
 */
function describe(ev, prev) {
  const d = ev.data || {};
  const who = { t: actorName(ev), cls: 'who' };
  const b = (t) => ({ t: String(t), cls: 'what' });
  switch (ev.type) {
    case 'score.created':
      return { kind: 'score', parts: [who, ' added player ', b(d.player), d.points ? ` with ${pts(d.points)}` : ''] };
    case 'score.updated': {
      const parts = [who];
      const delta = typeof ev.delta === 'number' ? ev.delta : null;
      const renamed = prev && prev.player !== d.player;
      if (delta !== null && !renamed) {
        if (delta >= 0) parts.push(` added ${pts(delta)} to `, b(d.player));
        else parts.push(` removed ${pts(-delta)} from `, b(d.player));
        return { kind: delta >= 0 ? 'up' : 'down', parts };
      }
      const bits = [];
      if (renamed) bits.push([' renamed player ', b(prev.player), ' to ', b(d.player)]);
      if (prev && prev.points !== d.points && delta === null) {
        bits.push(renamed ? [` and set the points to ${d.points}`] : [' set ', b(d.player), `\u2019s points to ${d.points}`]);
      } else if (delta !== null && renamed) {
        bits.push([delta >= 0 ? ` and added ${pts(delta)}` : ` and removed ${pts(-delta)}`]);
      }
      if (bits.length === 0) bits.push([' updated player ', b(d.player)]);
      for (const x of bits) parts.push(...x);
      return { kind: 'score', parts };
    }
    case 'score.deleted':
      return { kind: 'delete', parts: [who, ' removed player ', prev ? b(prev.player) : b(`#${d.id}`)] };
    case 'item.created':
      return { kind: 'item', parts: [who, ' added item ', b(d.name)] };
    case 'item.updated': {
      const parts = [who];
      const renamed = prev && prev.name !== d.name;
      const described = prev && (prev.description || '') !== (d.description || '');
      if (renamed) {
        parts.push(' renamed item ', b(prev.name), ' to ', b(d.name));
        if (described) parts.push(' and edited its description');
      } else if (described) {
        parts.push(' edited the description of ', b(d.name));
      } else {
        parts.push(' updated item ', b(d.name));
      }
      return { kind: 'item', parts };
    }
    case 'item.deleted':
      return { kind: 'delete', parts: [who, ' deleted item ', prev ? b(prev.name) : b(`#${d.id}`)] };
    case 'state.reset':
      if (bySelf(ev)) return { kind: 'reset', parts: ['Demo data loaded'] };
      return { kind: 'reset', parts: [who, ' reset the demo'] };
    default:
      return { kind: 'other', parts: [who, ` made a change (${ev.type})`] };
  }
}

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
    this.claims = new Set(); // seqs of our own REST changes
    this.timer = setInterval(() => this.tick(), 1000);
    // Entries shown before the first welcome could not know our id.
    client.addEventListener('welcome', () => {
      for (const e of this.entries) e.li.classList.toggle('mine', this.isMine(e.ev));
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
    if (i < 0) return;
    const old = this.entries[i];
    if (old.ev.actor && old.ev.actor.name) return;
    const entry = this.build(this.withClaim(old.ev), old.prev);
    old.li.replaceWith(entry.li);
    this.entries[i] = entry;
  }

  withClaim(ev) {
    if (!this.claims.has(ev.seq) || (ev.actor && ev.actor.name)) return ev;
    return { ...ev, actor: { id: this.client.me, name: this.client.name || 'You' } };
  }

  build(ev, prev) {
    const parsed = ev.at ? Date.parse(ev.at) : NaN;
    const at = Number.isFinite(parsed) ? Math.min(parsed, Date.now()) : Date.now();
    const { kind, parts } = describe(ev, prev);
    const sentence = h('span', { class: 'activity-text' });
    for (const p of parts) {
      if (!p) continue;
      if (typeof p === 'string') sentence.appendChild(document.createTextNode(p));
      else sentence.appendChild(h('strong', { class: p.cls }, p.t));
    }
    const time = h('time', { class: 'activity-time' });
    if (Number.isFinite(parsed)) time.setAttribute('datetime', new Date(parsed).toISOString());
    const li = h(
      'li',
      { class: `activity-entry kind-${kind}${this.isMine(ev) ? ' mine' : ''}`, 'data-seq': String(ev.seq) },
      h('span', { class: 'activity-icon', 'aria-hidden': 'true' }, icon(KIND_ICON[kind] || 'bolt')),
      h('span', { class: 'activity-body' }, sentence, h('span', { class: 'sr-sep' }, ', '), time),
    );
    if (undoable(ev) && this.onUndo) {
      const btn = h('button', { type: 'button', class: 'icon-btn activity-undo', 'data-testid': 'activity-undo', 'aria-label': `Undo: ${sentence.textContent}`, title: 'Undo this change' }, icon('reset'));
      btn.addEventListener('click', () => this.onUndo(ev));
      li.appendChild(btn);
    }
    setText(time, relTime(Date.now() - at));
    return { seq: ev.seq, at, li, time, ev, prev };
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

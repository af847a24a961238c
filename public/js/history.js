// Undo and history: what a logged event changed, in words, and undo of any
// change with a refusal explained ("Bob changed it again since").

import { personId } from './ids.js';
import { toast } from './toast.js';

/** Whether an event is a change of one record, which undo can take back. */
export function undoable(ev) {
  return !!ev && typeof ev.seq === 'number' && /^(item|score)\.(created|updated|deleted)$/.test(ev.type);
}

/** The record an event touched: {kind, id}, or null. */
export function recordOf(ev) {
  if (!undoable(ev) || !ev.data) return null;
  return { kind: ev.type.startsWith('item.') ? 'item' : 'score', id: ev.data.id };
}

/** Who made an event, for sentences. */
export function actorLabel(ev, me) {
  const a = ev && ev.actor;
  if (me && personId(a) === me) return 'You';
  if (!a) return 'A script';
  return a.name || 'Someone';
}

function pts(n) {
  return `${n} point${Math.abs(n) === 1 ? '' : 's'}`;
}

/** What an event changed, as short readable lines ("name: Projector → Beamer", "+5 points"). */
export function diffLines(ev) {
  const d = ev.data || {};
  const b = ev.before || null;
  const lines = [];
  if (ev.undo_of) lines.push(`undid change #${ev.undo_of}`);
  switch (ev.type) {
    case 'item.created':
      lines.push(`created “${d.name}”`);
      break;
    case 'score.created':
      lines.push(`added ${d.player} with ${pts(d.points)}`);
      break;
    case 'item.deleted':
      lines.push(b ? `deleted “${b.name}”` : 'deleted');
      break;
    case 'score.deleted':
      lines.push(b ? `removed ${b.player} (${pts(b.points)})` : 'removed');
      break;
    case 'item.updated':
    case 'score.updated':
      if (typeof ev.delta === 'number') {
        lines.push(`${ev.delta > 0 ? '+' : '\u2212'}${pts(Math.abs(ev.delta))}`);
        break;
      }
      for (const f of ev.type === 'item.updated' ? ['name', 'description', 'player'] : ['player', 'points']) {
        if (!(f in d) || !b || b[f] === d[f]) continue;
        lines.push(`${f}: ${b[f] === '' ? '(empty)' : b[f]} \u2192 ${d[f] === '' ? '(empty)' : d[f]}`);
      }
      if (lines.length === (ev.undo_of ? 1 : 0)) lines.push('changed');
      break;
    default:
  }
  return lines;
}

/**
 * Undoes ev, explaining a refusal in words. Resolves true when undone.
 * openHistory(kind, id) opens the record's history from the explanation.
 */
export async function undoEvent(client, ev, openHistory) {
  const rec = recordOf(ev);
  try {
    await client.undo(ev.seq);
    return true;
  } catch (err) {
    toast(await explain(client, ev, rec, err), {
      timeout: 8000,
      testid: 'undo-refused',
      action: rec && openHistory ? { label: 'Open history', run: () => openHistory(rec.kind, rec.id), testid: 'undo-open-history' } : null,
    });
    return false;
  }
}

async function explain(client, ev, rec, err) {
  const code = err && err.code;
  if (code === 'not_found') return 'That change is too old to undo: it is no longer in the log.';
  if (code === 'invalid' && err.field === 'seq') {
    if (ev.type === 'state.reset') return 'A reset cannot be undone.';
    if (/range/.test(err.message || '')) return 'Undoing that would take the points out of range.';
    return 'That change is from before the last reset; it cannot be undone.';
  }
  if (code === 'conflict' && (err.field === 'player' || err.field === 'id')) {
    return `Cannot undo: ${err.message}. Rename or remove the other one first.`;
  }
  if (code === 'conflict' && rec) {
    let who = 'Someone';
    let what = 'changed';
    try {
      const later = (await client.history(rec.kind, rec.id, 1000)).filter((e) => e.seq > ev.seq);
      const last = later[later.length - 1];
      if (last) {
        who = actorLabel(last, client.me);
        if (last.type.endsWith('.deleted')) what = 'deleted';
      }
    } catch {
      // The explanation stays generic.
    }
    return what === 'deleted' ? `${who} deleted it since; open its history.` : `${who} changed it again since; open its history.`;
  }
  return `Could not undo: ${(err && err.message) || err}`;
}

/**
 * Your own changes: a toast with "Undo" after each, and Ctrl+Z / Cmd+Z
 * (outside text fields) for the most recent one that can still be undone.
 */
export class OwnUndo {
  constructor(client, openHistory) {
    this.client = client;
    this.openHistory = openHistory;
    this.mine = []; // own undoable events, oldest first
    this.dismiss = null;
    client.addEventListener('event', (e) => this.onEvent(e.detail.event));
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  onEvent(ev) {
    if (ev.type === 'state.reset') {
      this.mine = [];
      return;
    }
    if (!undoable(ev)) return;
    if (ev.undo_of) this.mine = this.mine.filter((m) => m.seq !== ev.undo_of);
    const me = this.client.me;
    if (!me || personId(ev.actor) !== me || ev.undo_of) return;
    this.mine.push(ev);
    if (this.mine.length > 100) this.mine.shift();
    this.offer(ev);
  }

  offer(ev) {
    if (this.dismiss) this.dismiss();
    const what = diffLines(ev).join(', ');
    this.dismiss = toast(`You: ${what}`, {
      kind: 'info',
      timeout: 5000,
      testid: 'undo-toast',
      action: { label: 'Undo', run: () => this.undo(ev), testid: 'undo-toast-action' },
    });
  }

  async undo(ev) {
    this.mine = this.mine.filter((m) => m.seq !== ev.seq);
    return undoEvent(this.client, ev, this.openHistory);
  }

  onKey(e) {
    if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== 'z') return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
    if (document.querySelector('dialog[open]')) return;
    e.preventDefault();
    this.undoLast();
  }

  /** Undoes the most recent own change that can still be undone. */
  async undoLast() {
    while (this.mine.length) {
      const ev = this.mine.pop();
      try {
        await this.client.undo(ev.seq);
        return;
      } catch (err) {
        if (err.code !== 'conflict' && err.code !== 'invalid' && err.code !== 'not_found') {
          toast(`Could not undo: ${err.message}`);
          return;
        }
      }
    }
    toast('Nothing of yours left to undo.', { kind: 'info' });
  }
}

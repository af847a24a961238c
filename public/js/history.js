// Undo: of any change, with a refusal explained ("Bob changed it again
// since"), and of your own last change from a toast or Ctrl+Z.

import { personId } from './ids.js';
import { toast } from './toast.js';
import { actorName, changeLines, undoRefusal } from './words.js';

/** Whether an event is a change of one record, which undo can take back. */
export function undoable(ev) {
  return !!ev && typeof ev.seq === 'number' && /^(item|score)\.(created|updated|deleted)$/.test(ev.type);
}

/** The record an event touched: {kind, id}, or null. */
export function recordOf(ev) {
  if (!undoable(ev) || !ev.data) return null;
  return { kind: ev.type.startsWith('item.') ? 'item' : 'score', id: ev.data.id };
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

/**
 * The refusal in words. For a version conflict it looks up who changed the
 * record since (contract: history of the record, later than ev).
 */
async function explain(client, ev, rec, err) {
  let since;
  if (err && err.code === 'conflict' && err.field !== 'player' && err.field !== 'id' && rec) {
    since = null;
    try {
      const later = (await client.history(rec.kind, rec.id, 1000)).filter((e) => e.seq > ev.seq);
      since = later[later.length - 1] || null;
    } catch {
      // The explanation stays generic.
    }
  }
  return undoRefusal(ev, err, since, client.me);
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
    const what = changeLines(ev).join(', ');
    this.dismiss = toast(`${actorName(ev.actor, this.client.me)}: ${what}`, {
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

// Undo: of any change, with a refusal explained ("Bob changed it again
// since"), and of your own last change from a toast or Ctrl+Z.

import { personId } from './ids.js';
import { toast } from './toast.js';
import { changeSummary, undoRefusal } from './words.js';

/** Whether an event is a change of one record, which undo can take back. */
export function undoable(ev) {
  return !!ev && typeof ev.seq === 'number' && /^(item|score)\.(created|updated|deleted)$/.test(ev.type);
}

/**
 * Whether later, an event after ev, makes undoing ev a conflict the server
 * would refuse: the server's rule (contract: History and undo; store's
 * undoable) applied to what the page has seen. An event is undone at most
 * once; an increment is undone only while every later change of its score
 * was an increment too (they commute); any other change only while it is
 * its record's last event (a create or an update while the record is still
 * at the version it left, a delete while nothing touched the id since). A
 * reset makes every earlier event too old. The page can learn of a later
 * change only after the server applied it, so an Undo shown can still be
 * refused: the refusal is then explained (undoEvent).
 */
export function undoBlockedBy(ev, later) {
  if (!later || typeof later.seq !== 'number' || later.seq <= ev.seq) return false;
  if (later.type === 'state.reset' || later.undo_of === ev.seq) return true;
  const a = recordOf(ev);
  const b = recordOf(later);
  if (!a || !b || a.kind !== b.kind || a.id !== b.id) return false;
  return !(isIncrement(ev) && isIncrement(later));
}

/** Whether ev is a score.updated made by an increment (or an undo of one). */
function isIncrement(ev) {
  return ev.type === 'score.updated' && typeof ev.delta === 'number';
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

/** The key of the one toast about your own undo (toast.js). */
const OWN_TOAST = 'own-undo';

/**
 * Your own changes: one toast with "Undo" for the latest, updated in place
 * by the next change and gone once its change is undone by any path; and
 * Ctrl+Z / Cmd+Z (outside text fields), which walks back your changes
 * newest first, one press at a time, skipping those no longer undoable.
 */
export class OwnUndo {
  constructor(client, openHistory) {
    this.client = client;
    this.openHistory = openHistory;
    this.mine = []; // own undoable events, oldest first
    this.dismiss = null;
    this.offered = null; // the event the undo toast offers to undo
    // Presses of Ctrl+Z run one after the other: each takes the newest
    // change left once the one before has its answer.
    this.presses = Promise.resolve();
    client.addEventListener('event', (e) => this.onEvent(e.detail.event));
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  onEvent(ev) {
    if (ev.type === 'state.reset') {
      this.mine = [];
      return;
    }
    if (!undoable(ev)) return;
    // Own changes a later one made a conflict are left out of Ctrl+Z, and
    // the toast of such a change loses its Undo with it.
    this.mine = this.mine.filter((m) => !undoBlockedBy(m, ev));
    if (this.offered && undoBlockedBy(this.offered, ev)) this.withdraw();
    const me = this.client.me;
    if (!me || personId(ev.actor) !== me || ev.undo_of) return;
    this.mine.push(ev);
    if (this.mine.length > 100) this.mine.shift();
    this.offer(ev);
  }

  offer(ev) {
    this.offered = ev;
    this.dismiss = toast(changeSummary(ev, this.client.me), {
      kind: 'info',
      timeout: 5000,
      key: OWN_TOAST,
      testid: 'undo-toast',
      action: { label: 'Undo', run: () => this.undo(ev), testid: 'undo-toast-action' },
    });
  }

  /** Removes the undo toast, if one is shown. */
  withdraw() {
    if (this.dismiss) this.dismiss();
    this.dismiss = null;
    this.offered = null;
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
    this.presses = this.presses.then(() => this.undoLast());
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
    // In the toast of your undo, so that more presses do not stack copies.
    this.offered = null;
    this.dismiss = toast('Nothing of yours left to undo.', { kind: 'info', key: OWN_TOAST, testid: 'undo-nothing' });
  }
}

// Items table: one <tr> per item keyed by id, edited in place. Rows being
// edited are never repainted; other rows update around them. A save that
// loses to someone else's change (version conflict) leaves a note.

import { flash, frameScheduler, setText } from './dom.js';
import { toast } from './toast.js';
import { copyText } from './clipboard.js';
import { charCount } from './limits.js';
import { showFieldError } from './field-error.js';
import { inlineEditor } from './inline-edit.js';
import { PendingEdits } from './item-edits.js';
import { createItemRow, paintItemRow, paintConflict } from './item-row.js';
import { actorName } from './words.js';
import { personId } from './ids.js';

const FIELDS = {
  name: { limit: 'item_name', title: 'Name', label: 'name', tooLong: (n) => `Item names are at most ${n} characters.` },
  description: { limit: 'item_description', title: 'Description', label: 'description', tooLong: (n) => `Descriptions are at most ${n} characters.` },
};

export class ItemsView {
  /**
   * @param {import('./client.js').LivedashClient} client
   * @param {{body: HTMLElement, empty: HTMLElement, meta: HTMLElement, form: HTMLFormElement}} els
   */
  constructor(client, els) {
    this.client = client;
    this.els = els;
    this.inputs = {
      name: els.form.querySelector('#add-item-name'),
      description: els.form.querySelector('#add-item-description'),
    };
    this.max = {};
    for (const [field, spec] of Object.entries(FIELDS)) {
      this.max[field] = client.limits[spec.limit];
      this.inputs[field].maxLength = this.max[field];
    }
    this.rows = new Map(); // item id -> row (item-row.js)
    this.edits = new PendingEdits();
    this.schedule = frameScheduler(() => this.renderNow());
    this.firstRender = true;
    // Who changed each item last, to name the person a save lost to. The
    // refusal can come before their event: a note then says "someone else"
    // until the event names them.
    this.lastActor = new Map(); // item id -> actor of its latest event
    this.mineChanged = new Map(); // item id -> fields our latest change of it set
    client.addEventListener('event', (e) => {
      const ev = e.detail.event;
      if (!ev.type.startsWith('item.') || !ev.data) return;
      this.lastActor.set(ev.data.id, ev.actor || null);
      this.noticeOverwrite(ev);
      const row = this.rows.get(ev.data.id);
      if (row && row.conflict) this.setConflict(row, row.conflict);
    });
    els.body.addEventListener('click', (e) => this.onClick(e));
    els.form.addEventListener('submit', (e) => this.onAdd(e));
  }

  /** The complaint about a field's value being too long, or ''. */
  tooLong(field, value) {
    return charCount(value) > this.max[field] ? FIELDS[field].tooLong(this.max[field]) : '';
  }

  // -------------------------------------------------------------- actions

  onClick(e) {
    const btn = e.target.closest('button[data-action]');
    const tr = btn && btn.closest('.item-row');
    const row = tr && this.rows.get(Number(tr.dataset.id));
    if (!row) return;
    switch (btn.dataset.action) {
      case 'edit':
        // A viewer's names are plain text (contract: Access): no editor.
        if (this.client.welcome && this.client.welcome.role === 'view') break;
        this.startEdit(row, btn.dataset.field);
        break;
      case 'delete':
        this.delete(row.id);
        break;
      case 'use-mine':
        this.useMine(row);
        break;
      case 'copy-mine':
        this.copyMine(row);
        break;
      case 'dismiss-conflict':
        this.setConflict(row, null);
        break;
      default:
    }
  }

  async onAdd(e) {
    e.preventDefault();
    const { name: nameEl, description: descEl } = this.inputs;
    const name = nameEl.value.trim();
    const description = descEl.value.trim();
    if (!name) {
      showFieldError(nameEl, 'Give the item a name first.');
      return;
    }
    for (const [el, field, value] of [[nameEl, 'name', name], [descEl, 'description', description]]) {
      const problem = this.tooLong(field, value);
      if (problem) {
        showFieldError(el, problem);
        return;
      }
    }
    nameEl.value = '';
    descEl.value = '';
    nameEl.focus();
    if (!this.client.live) toast(`${name} will be added when the connection is back.`, { kind: 'info' });
    try {
      await this.client.request('item.create', { name, description });
    } catch (err) {
      toast(`Could not add ${name}: ${err.message}`);
      if (!nameEl.value && !descEl.value) {
        nameEl.value = name;
        descEl.value = description;
      }
    }
  }

  /**
   * Deletes at once, without asking: a delete can be undone (the toast's
   * Undo, Ctrl+Z, the history), and a question before it is only noise.
   */
  async delete(id) {
    const it = this.client.state.items.get(id);
    if (!it) return;
    try {
      await this.client.request('item.delete', { id });
    } catch (err) {
      if (err.code !== 'not_found') toast(`Could not delete ${it.name}: ${err.message}`);
    }
  }

  // ------------------------------------------------------------- editing

  startEdit(row, field) {
    if (row.editor) {
      if (row.editor.field === field) {
        row.editor.input.focus();
        return;
      }
      this.commit(row, { leaving: true }); // finish the other field first
      if (row.editor) return;
    }
    const it = this.client.state.items.get(row.id);
    if (!it) return;
    this.setConflict(row, null);
    const pending = this.edits.value(row.id, field);
    const display = field === 'name' ? row.nameBtn : row.descBtn;
    const editor = inlineEditor({
      display,
      container: row.tr,
      value: pending !== undefined ? pending : it[field],
      maxLength: this.max[field],
      label: `${FIELDS[field].title} of item ${it.name}`,
      testid: field === 'name' ? 'item-name-input' : 'item-description-input',
      record: { client: this.client, type: 'item', id: row.id },
      onSave: (how) => this.commit(row, how),
      onCancel: () => this.endEdit(row),
    });
    // The version the edit started from: saving over a newer one conflicts.
    row.editor = { ...editor, field, display, version: it.version, start: it[field] };
  }

  /** Leaves edit mode without saving. */
  endEdit(row) {
    const ed = row.editor;
    if (!ed) return;
    row.editor = null;
    const hadFocus = ed.close();
    this.repaint(row);
    if (hadFocus) ed.display.focus();
    this.render();
  }

  /**
   * Saves the field being edited (Enter, or leaving the field: `how.leaving`,
   * when a value that cannot be saved is dropped with a toast, there being
   * no field left to show the error under).
   */
  commit(row, how = { leaving: true }) {
    const ed = row.editor;
    if (!ed) return;
    const value = ed.input.value.trim();
    const problem = ed.field === 'name' && !value ? 'An item needs a name.' : this.tooLong(ed.field, value);
    if (problem && how.leaving) {
      toast(`${problem} It was not changed.`, { kind: 'info' });
      this.endEdit(row);
      return;
    }
    if (problem) {
      showFieldError(ed.input, problem);
      return;
    }
    if (value === ed.start) {
      this.endEdit(row);
      return;
    }
    this.save(row, ed.field, value, ed.version);
    this.endEdit(row); // shows the value being saved
  }

  /** Saves value at version; the row shows it until the server's event lands. */
  save(row, field, value, version) {
    const edit = this.edits.sent(row.id, field, value);
    this.client.request('item.update', { id: row.id, version, [field]: value }).then(
      (reply) => {
        this.edits.acked(row.id, edit, reply.data && reply.data.version, this.client.state);
        this.repaint(row);
      },
      (err) => {
        this.edits.failed(row.id, edit);
        if (err.code === 'conflict') {
          this.setConflict(row, { field, value });
        } else if (err.code === 'not_found') {
          toast('That item was deleted meanwhile.');
        } else {
          toast(`Could not save the ${FIELDS[field].label}: ${err.message}`);
        }
        this.repaint(row);
      },
    );
  }

  /** Saves the text that lost a conflict over the current version. */
  useMine(row) {
    const c = row.conflict;
    const it = this.client.state.items.get(row.id);
    if (!c || !it) return;
    this.setConflict(row, null);
    this.save(row, c.field, c.value, it.version);
    this.repaint(row);
  }

  async copyMine(row) {
    const c = row.conflict;
    if (!c) return;
    try {
      await copyText(c.value);
      toast(`Your ${FIELDS[c.field].label} is on the clipboard.`, { kind: 'success', timeout: 2500 });
    } catch (err) {
      toast(`Could not copy: ${err.message}`);
    }
  }

  /**
   * Tells us when someone else's change replaces a field our own latest
   * change of that item set (as when they chose "Use mine" over ours).
   */
  noticeOverwrite(ev) {
    const id = ev.data.id;
    const changed = ev.type === 'item.updated' && ev.before ? Object.keys(FIELDS).filter((f) => ev.before[f] !== ev.data[f]) : [];
    const me = this.client.me;
    if (me && personId(ev.actor) === me) {
      if (changed.length) this.mineChanged.set(id, changed);
      return;
    }
    const mine = this.mineChanged.get(id);
    this.mineChanged.delete(id);
    const lost = mine ? changed.filter((f) => mine.includes(f)) : [];
    if (lost.length === 0 || ev.undo_of) return;
    const labels = lost.map((f) => FIELDS[f].label).join(' and ');
    toast(`${actorName(ev.actor, me)} replaced your ${labels} of \u201c${short(ev.before.name)}\u201d with theirs.`, { kind: 'info' });
  }

  setConflict(row, conflict) {
    row.conflict = conflict;
    const actor = this.lastActor.get(row.id);
    const name = actor === undefined ? 'someone else' : actorName(actor, this.client.me);
    const who = { You: 'you in another tab', Someone: 'someone', 'A script': 'a script' }[name] || name;
    paintConflict(
      row,
      conflict &&
        `Changed by ${who} \u2014 showing their version. Your ${FIELDS[conflict.field].label} \u201c${short(conflict.value)}\u201d was not saved.`,
    );
  }

  /** Paints a row at once, unless it is gone or being edited. */
  repaint(row) {
    const it = this.client.state.items.get(row.id);
    if (it && !row.editor && this.rows.get(row.id) === row) paintItemRow(row, it, this.edits.shown(it));
  }

  // ----------------------------------------------------------- rendering

  /** Schedules a render for the next frame (coalesced). */
  render() {
    this.schedule();
  }

  renderNow() {
    const { body, empty, meta } = this.els;
    const state = this.client.state;
    const items = [...state.items.values()].sort((a, b) => a.id - b.id);

    for (const [id, row] of this.rows) {
      if (state.items.has(id)) continue;
      if (row.editor) toast(`The item you were editing (${row.nameBtn.textContent}) was deleted.`, { kind: 'info' });
      this.edits.settle(id, state);
      row.tr.remove();
      this.rows.delete(id);
    }

    // Rows being edited keep their place in the DOM; the others move
    // around them (out of place only after a reset).
    let cur = body.firstElementChild;
    for (const it of items) {
      let row = this.rows.get(it.id);
      const isNew = !row;
      if (isNew) {
        row = createItemRow(it.id);
        this.rows.set(it.id, row);
      }
      this.edits.settle(it.id, state);
      if (!row.editor && row.version !== it.version) {
        const shown = this.edits.shown(it);
        paintItemRow(row, it, shown);
        // Flash changes made by others (ours were visible already).
        const changed = row.version !== null || (isNew && !this.firstRender);
        if (changed && !shown.pending && !this.edits.isOwn(it.id, it.version)) flash(row.tr, 'flash');
        row.version = it.version;
      }
      if (row.tr === cur) cur = cur.nextElementSibling;
      else body.insertBefore(row.tr, cur);
    }

    empty.hidden = items.length > 0;
    setText(meta, `${items.length} item${items.length === 1 ? '' : 's'}`);
    this.firstRender = false;
  }
}

function short(s) {
  const chars = [...String(s)];
  return chars.length > 60 ? chars.slice(0, 57).join('') + '\u2026' : chars.join('');
}

// Items table: one <tr> per item keyed by id, edited in place. Rows being
// edited are never repainted; other rows update around them. A save that
// loses to someone else's change (version conflict) leaves a note.

import { flash, frameScheduler, setText } from './dom.js';
import { confirmDialog } from './dialogs.js';
import { toast } from './toast.js';
import { copyText } from './clipboard.js';
import { charCount } from './limits.js';
import { inlineEditor } from './inline-edit.js';
import { PendingEdits } from './item-edits.js';
import { createItemRow, paintItemRow, paintConflict } from './item-row.js';

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
        this.confirmDelete(row.id);
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
      toast('Give the item a name first.', { kind: 'info' });
      nameEl.focus();
      return;
    }
    const problem = this.tooLong('name', name) || this.tooLong('description', description);
    if (problem) {
      toast(problem);
      return;
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

  async confirmDelete(id) {
    const it = this.client.state.items.get(id);
    if (!it) return;
    const ok = await confirmDialog({
      title: `Delete ${it.name}?`,
      message: 'The item will be removed for everyone.',
      confirmLabel: 'Delete item',
    });
    if (!ok) return;
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
      this.commit(row); // finish the other field first
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
      onSave: () => this.commit(row),
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

  /** Saves the field being edited (Enter or leaving the field). */
  commit(row) {
    const ed = row.editor;
    if (!ed) return;
    const value = ed.input.value.trim();
    if (ed.field === 'name' && !value) {
      toast('An item needs a name.', { kind: 'info' });
      this.endEdit(row);
      return;
    }
    const problem = this.tooLong(ed.field, value);
    if (problem) {
      toast(problem);
      ed.input.focus();
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

  setConflict(row, conflict) {
    row.conflict = conflict;
    paintConflict(
      row,
      conflict &&
        `Changed by someone else \u2014 showing their version. Your ${FIELDS[conflict.field].label} \u201c${short(conflict.value)}\u201d was not saved.`,
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

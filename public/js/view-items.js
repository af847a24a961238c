// Items table: one <tr> per item keyed by id, edited in place. Rows being
// edited are never re-rendered; other rows update around them.

import { h, icon, setText, flash, frameScheduler, confirmDialog, toast } from './ui.js';
import { charCount } from './limits.js';

const FIELDS = {
  name: { limit: 'item_name', label: 'name', required: true },
  description: { limit: 'item_description', label: 'description', required: false },
};

export class ItemsView {
  /**
   * @param {import('./client.js').LivedashClient} client
   * @param {{body: HTMLElement, empty: HTMLElement, meta: HTMLElement, form: HTMLFormElement}} els
   */
  constructor(client, els) {
    this.client = client;
    this.els = els;
    this.max = { name: client.limits.item_name, description: client.limits.item_description };
    els.form.querySelector('[data-testid="add-item-name"]').maxLength = this.max.name;
    els.form.querySelector('[data-testid="add-item-description"]').maxLength = this.max.description;
    this.rows = new Map(); // item id -> row
    this.schedule = frameScheduler(() => this.renderNow());
    this.firstRender = true;
    els.body.addEventListener('click', (e) => this.onClick(e));
    els.form.addEventListener('submit', (e) => this.onAdd(e));
  }

  // -------------------------------------------------------------- actions

  async onAdd(e) {
    e.preventDefault();
    const nameEl = this.els.form.querySelector('[data-testid="add-item-name"]');
    const descEl = this.els.form.querySelector('[data-testid="add-item-description"]');
    const name = nameEl.value.trim();
    const description = descEl.value.trim();
    if (!name) {
      toast('Give the item a name first.', { kind: 'info' });
      nameEl.focus();
      return;
    }
    if (charCount(name) > this.max.name) {
      toast(`Item names are at most ${this.max.name} characters.`);
      return;
    }
    if (charCount(description) > this.max.description) {
      toast(`Descriptions are at most ${this.max.description} characters.`);
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

  onClick(e) {
    const btn = e.target.closest('button[data-testid]');
    if (!btn) return;
    const tr = btn.closest('.item-row');
    if (!tr) return;
    const row = this.rows.get(Number(tr.dataset.id));
    if (!row) return;
    switch (btn.dataset.testid) {
      case 'item-name':
        this.startEdit(row, 'name');
        break;
      case 'item-description':
        this.startEdit(row, 'description');
        break;
      case 'item-delete':
        this.confirmDelete(row.id);
        break;
      case 'item-conflict-dismiss':
        this.setConflict(row, null);
        break;
      default:
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
    if (row.edit) {
      if (row.edit.field === field) {
        row.edit.input.focus();
        return;
      }
      this.commit(row); // finish the other field first
      if (row.edit) return;
    }
    const it = this.client.state.items.get(row.id);
    if (!it) return;
    this.setConflict(row, null);
    const display = field === 'name' ? row.nameBtn : row.descBtn;
    const start = row.pending && row.pending.field === field ? row.pending.value : it[field];
    const input = h('input', {
      class: 'inline-input',
      type: 'text',
      'data-testid': field === 'name' ? 'item-name-input' : 'item-description-input',
      maxlength: String(this.max[field]),
      'aria-label': `${field === 'name' ? 'Name' : 'Description'} of item ${it.name}`,
      autocomplete: 'off',
    });
    input.value = start;
    row.edit = { field, input, version: it.version, start: it[field], display };
    display.hidden = true;
    display.after(input);
    row.tr.classList.add('editing');
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.commit(row, true);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.cancel(row, true);
      }
    });
    input.addEventListener('blur', () => {
      setTimeout(() => {
        if (row.edit && row.edit.input === input && document.activeElement !== input) this.commit(row, false);
      }, 0);
    });
    input.focus();
    input.select();
  }

  /** Leaves edit mode without saving. */
  cancel(row, refocus) {
    const ed = row.edit;
    if (!ed) return;
    row.edit = null;
    const hadFocus = document.activeElement === ed.input;
    ed.input.remove();
    ed.display.hidden = false;
    row.tr.classList.remove('editing');
    this.updateRow(row, this.client.state.items.get(row.id));
    if (refocus || hadFocus) ed.display.focus();
    this.render();
  }

  /** Saves the field being edited (Enter or blur). */
  commit(row, refocus) {
    const ed = row.edit;
    if (!ed) return;
    const raw = ed.input.value;
    const value = ed.field === 'name' ? raw.trim() : raw.trim();
    const spec = FIELDS[ed.field];
    if (spec.required && !value) {
      toast('An item needs a name.', { kind: 'info' });
      this.cancel(row, refocus);
      return;
    }
    if (charCount(value) > this.max[ed.field]) {
      toast(`The ${spec.label} is at most ${this.max[ed.field]} characters.`);
      ed.input.focus();
      return;
    }
    if (value === ed.start) {
      this.cancel(row, refocus);
      return;
    }
    const { field, version } = ed;
    row.pending = { field, value };
    this.cancel(row, refocus); // leaves edit mode; shows the pending value
    const pending = row.pending;
    this.client.request('item.update', { id: row.id, version, [field]: value }).then(
      (reply) => {
        if (row.pending !== pending) return;
        // Keep showing our value until the event with this version is applied.
        const v = reply.data && reply.data.version;
        row.own = v;
        const cur = this.client.state.items.get(row.id);
        if (typeof v === 'number' && cur && cur.version < v) pending.until = v;
        else row.pending = null;
        this.refreshRow(row);
      },
      (err) => {
        if (row.pending === pending) row.pending = null;
        if (err.code === 'conflict') {
          this.setConflict(row, { field, value });
        } else if (err.code === 'not_found') {
          toast('That item was deleted meanwhile.');
        } else {
          toast(`Could not save the ${FIELDS[field].label}: ${err.message}`);
        }
        this.refreshRow(row);
      },
    );
  }

  setConflict(row, conflict) {
    row.conflict = conflict;
    if (!conflict) {
      row.note.hidden = true;
      row.tr.classList.remove('conflicted');
      return;
    }
    setText(
      row.noteText,
      `Changed by someone else \u2014 showing their version. Your ${FIELDS[conflict.field].label} \u201c${short(conflict.value)}\u201d was not saved.`,
    );
    row.note.hidden = false;
    row.tr.classList.add('conflicted');
  }

  refreshRow(row) {
    if (!this.rows.has(row.id)) return;
    const it = this.client.state.items.get(row.id);
    if (it && !row.edit) this.updateRow(row, it);
  }

  // ----------------------------------------------------------- rendering

  /** Schedules a render for the next frame (coalesced). */
  render() {
    this.schedule();
  }

  createRow(id) {
    const nameBtn = h('button', { type: 'button', class: 'editable editable-name', 'data-testid': 'item-name' });
    const descBtn = h('button', {
      type: 'button',
      class: 'editable editable-desc',
      'data-testid': 'item-description',
      'data-placeholder': 'Add a description',
    });
    const noteText = h('span', { class: 'conflict-text' });
    const note = h(
      'p',
      { class: 'conflict-note', 'data-testid': 'item-conflict', role: 'status', hidden: true },
      icon('alert', 'icon conflict-icon'),
      noteText,
      h('button', { type: 'button', class: 'link-btn', 'data-testid': 'item-conflict-dismiss', 'aria-label': 'Dismiss note' }, icon('x')),
    );
    const delBtn = h('button', { type: 'button', class: 'icon-btn icon-danger', 'data-testid': 'item-delete' }, icon('trash'));
    const idCell = h('td', { class: 'col-id' });
    const tr = h(
      'tr',
      { class: 'item-row', 'data-testid': 'item-row', 'data-id': String(id) },
      idCell,
      h('td', { class: 'col-name', 'data-label': 'Name' }, nameBtn, note),
      h('td', { class: 'col-desc', 'data-label': 'Description' }, descBtn),
      h('td', { class: 'col-actions' }, delBtn),
    );
    return { id, tr, idCell, nameBtn, descBtn, note, noteText, delBtn, version: null, own: null, edit: null, pending: null, conflict: null };
  }

  /** Writes an item into its row (never called while the row is edited). */
  updateRow(row, it) {
    if (!it || row.edit) return;
    if (row.pending && row.pending.until !== undefined && it.version >= row.pending.until) row.pending = null;
    const name = row.pending && row.pending.field === 'name' ? row.pending.value : it.name;
    const desc = row.pending && row.pending.field === 'description' ? row.pending.value : it.description || '';
    setText(row.idCell, `#${it.id}`);
    setText(row.nameBtn, name);
    setText(row.descBtn, desc);
    row.nameBtn.classList.toggle('pending', !!(row.pending && row.pending.field === 'name'));
    row.descBtn.classList.toggle('pending', !!(row.pending && row.pending.field === 'description'));
    row.nameBtn.setAttribute('aria-label', `Item name: ${name}. Activate to edit.`);
    row.descBtn.setAttribute('aria-label', desc ? `Description of ${name}: ${desc}. Activate to edit.` : `Add a description to ${name}`);
    row.delBtn.setAttribute('aria-label', `Delete item ${name}`);
    row.tr.dataset.version = String(it.version);
  }

  renderNow() {
    const { body, empty, meta } = this.els;
    const items = [...this.client.state.items.values()].sort((a, b) => a.id - b.id);

    for (const [id, row] of this.rows) {
      if (!this.client.state.items.has(id)) {
        if (row.edit) toast(`The item you were editing (${row.nameBtn.textContent}) was deleted.`, { kind: 'info' });
        row.tr.remove();
        this.rows.delete(id);
      }
    }

    let cur = body.firstElementChild;
    for (const it of items) {
      let row = this.rows.get(it.id);
      const isNew = !row;
      if (isNew) {
        row = this.createRow(it.id);
        this.rows.set(it.id, row);
      }
      if (!row.edit && row.version !== it.version) {
        const changed = row.version !== null;
        this.updateRow(row, it);
        // Flash changes made by others (ours were visible already).
        if ((changed || (isNew && !this.firstRender)) && !row.pending && row.own !== it.version) flash(row.tr, 'flash');
        row.version = it.version;
      }
      if (row.tr === cur) {
        cur = cur.nextElementSibling;
      } else if (isNew) {
        body.insertBefore(row.tr, cur);
      } else {
        // Out of place (rare: only after a reset); rows being edited keep
        // their node and the others move around them.
        body.insertBefore(row.tr, cur);
      }
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

// One row of the items table: built once per item, then painted with what
// to show. Buttons say what they do in data-action; data-testid is for
// tests only.

import { h, setText } from './dom.js';
import { icon } from './icons.js';

export function createItemRow(id) {
  const nameBtn = h('button', { type: 'button', class: 'editable editable-name', 'data-action': 'edit', 'data-field': 'name', 'data-testid': 'item-name' });
  const descBtn = h('button', {
    type: 'button',
    class: 'editable editable-desc',
    'data-action': 'edit',
    'data-field': 'description',
    'data-testid': 'item-description',
    'data-placeholder': 'Add a description',
  });
  const noteText = h('span', { class: 'conflict-text' });
  const note = h(
    'p',
    { class: 'conflict-note', 'data-testid': 'item-conflict', role: 'status', hidden: true },
    icon('alert', 'icon conflict-icon'),
    noteText,
    h(
      'span',
      { class: 'conflict-actions' },
      h('button', { type: 'button', class: 'link-btn', 'data-action': 'use-mine', 'data-testid': 'item-conflict-use-mine' }, 'Use mine'),
      h('button', { type: 'button', class: 'link-btn', 'data-action': 'copy-mine', 'data-testid': 'item-conflict-copy' }, 'Copy'),
      h('button', { type: 'button', class: 'link-btn', 'data-action': 'dismiss-conflict', 'data-testid': 'item-conflict-dismiss', 'aria-label': 'Dismiss note' }, icon('x')),
    ),
  );
  const delBtn = h('button', { type: 'button', class: 'icon-btn icon-danger', 'data-action': 'delete', 'data-testid': 'item-delete' }, icon('trash'));
  const histBtn = h('button', { type: 'button', class: 'icon-btn', 'data-action': 'history', 'data-testid': 'item-history' }, icon('clock'));
  const idCell = h('td', { class: 'col-id' });
  const tr = h(
    'tr',
    { class: 'item-row', 'data-testid': 'item-row', 'data-id': String(id) },
    idCell,
    h('td', { class: 'col-name', 'data-label': 'Name' }, nameBtn, note),
    h('td', { class: 'col-desc', 'data-label': 'Description' }, descBtn),
    h('td', { class: 'col-actions' }, histBtn, delBtn),
  );
  return { id, tr, idCell, nameBtn, descBtn, note, noteText, delBtn, histBtn, version: null, editor: null, conflict: null };
}

/** Paints an item; `shown` is PendingEdits.shown(item). */
export function paintItemRow(row, it, { name, description, pending }) {
  setText(row.idCell, `#${it.id}`);
  setText(row.nameBtn, name);
  setText(row.descBtn, description);
  row.nameBtn.classList.toggle('pending', pending === 'name');
  row.descBtn.classList.toggle('pending', pending === 'description');
  row.nameBtn.setAttribute('aria-label', `Item name: ${name}. Activate to edit.`);
  row.descBtn.setAttribute('aria-label', description ? `Description of ${name}: ${description}. Activate to edit.` : `Add a description to ${name}`);
  row.delBtn.setAttribute('aria-label', `Delete item ${name}`);
  row.histBtn.setAttribute('aria-label', `History of item ${name}`);
  row.tr.dataset.version = String(it.version);
}

/** Shows or hides the note about a save that lost to someone else's. */
export function paintConflict(row, text) {
  row.note.hidden = !text;
  row.tr.classList.toggle('conflicted', !!text);
  if (text) setText(row.noteText, text);
}

// An input in place of a displayed value, as in a spreadsheet: Enter or
// leaving the field saves (onSave gets {leaving: true} for the latter: a
// value that cannot be saved is then dropped, as there is no field left to
// show the error under), Escape cancels. The views decide what saving
// means; this only swaps the elements and routes the keys.

import { h } from './dom.js';
import { clearFieldError } from './field-error.js';

/**
 * Hides `display`, puts a focused input with `value` selected after it and
 * marks `container` as editing; while it is open, presence tells the others
 * that this tab edits `record` ({client, type, id}). Returns {input,
 * close()}; close() puts the display back and says whether the input had
 * the focus.
 */
export function inlineEditor({ display, container, value, maxLength, label, testid, spellcheck = true, record, onSave, onCancel }) {
  const input = h('input', {
    class: 'inline-input',
    type: 'text',
    'data-testid': testid,
    maxlength: String(maxLength),
    'aria-label': label,
    autocomplete: 'off',
    spellcheck: spellcheck ? undefined : 'false',
  });
  input.value = value;
  display.hidden = true;
  display.after(input);
  container.classList.add('editing');
  let open = true;

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      onSave({ leaving: false });
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation(); // an open dialog must not close too
      onCancel();
    }
  });
  input.addEventListener('blur', () => {
    // Later, so that a click on another control runs first, and a row moved
    // by a live update (which gives the focus back) does not count.
    setTimeout(() => {
      if (open && document.activeElement !== input) onSave({ leaving: true });
    }, 0);
  });
  input.focus();
  input.select();
  record.client.startEditing(record.type, record.id);

  return {
    input,
    close() {
      if (!open) return false;
      open = false;
      const hadFocus = document.activeElement === input;
      clearFieldError(input);
      input.remove();
      display.hidden = false;
      container.classList.remove('editing');
      record.client.stopEditing(record.type, record.id);
      return hadFocus;
    },
  };
}

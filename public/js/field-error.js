// A validation error shown under the field it is about, not in a corner:
// the field is marked invalid and described by the message, which is
// announced as it appears (role=alert). Typing in the field clears it.

import { h, setText } from './dom.js';
import { randomId } from './ids.js';

/** The message element that describes `input`, if any. */
function errorOf(input) {
  const id = input.getAttribute('aria-describedby');
  const el = id && document.getElementById(id);
  return el && el.classList.contains('field-error') ? el : null;
}

/**
 * Shows `message` for `input` as the next sibling of `after` (default: the
 * input itself; the rename editor's input shares a line with the avatar,
 * so its error goes after that line), and keeps the focus in the field.
 */
export function showFieldError(input, message, after = input) {
  let el = errorOf(input);
  if (!el) {
    // A random id: several fields (a form, an editor per row) may show one.
    el = h('p', { class: 'field-error', role: 'alert', id: `field-error-${randomId(8)}`, 'data-testid': 'field-error' });
    input.addEventListener('input', () => clearFieldError(input), { once: true });
  }
  if (el.previousElementSibling !== after) after.after(el);
  setText(el, message);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', el.id);
  input.focus();
}

/** Takes the error of `input` away, if it has one. */
export function clearFieldError(input) {
  const el = errorOf(input);
  if (el) el.remove();
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-describedby');
}

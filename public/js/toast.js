// Short messages in the corner that go away by themselves.

import { h } from './dom.js';
import { icon } from './icons.js';

let toastHost = null;

/**
 * Shows a short message that goes away by itself. kind: error|info|success.
 * action {label, run, testid} adds a button that runs and dismisses; testid
 * names the toast (default "toast"). Returns a function that removes it.
 */
export function toast(message, { kind = 'error', timeout = 4500, action = null, testid = 'toast' } = {}) {
  if (!toastHost) toastHost = document.getElementById('toasts');
  if (!toastHost) return;
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss message' }, icon('x'));
  const el = h(
    'div',
    { class: `toast toast-${kind}`, 'data-testid': testid, role: kind === 'error' ? 'alert' : 'status' },
    icon(kind === 'error' ? 'alert' : kind === 'success' ? 'check' : 'bolt', 'icon toast-icon'),
    h('span', { class: 'toast-text' }, message),
    action ? h('button', { class: 'link-btn toast-action', type: 'button', 'data-testid': action.testid || 'toast-action' }, action.label) : null,
    close,
  );
  let gone = false;
  const remove = () => {
    if (gone) return;
    gone = true;
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 250);
  };
  close.addEventListener('click', remove);
  if (action) {
    el.querySelector('.toast-action').addEventListener('click', () => {
      remove();
      action.run();
    });
  }
  toastHost.appendChild(el);
  while (toastHost.children.length > 4) toastHost.firstElementChild.remove();
  setTimeout(remove, timeout);
  return remove;
}

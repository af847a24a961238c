// Short messages in the corner that go away by themselves.

import { h } from './dom.js';
import { icon } from './icons.js';

let toastHost = null;

/**
 * Shows a short message that goes away by itself. kind: error|info|success.
 * action {label, run, testid} adds a button that runs and dismisses; testid
 * names the toast (default "toast"). A toast with a key that is still shown
 * is updated in place by the next toast with that key (its text, button and
 * timer), so that one subject never stacks up copies. Returns a function
 * that removes it.
 */
export function toast(message, { kind = 'error', timeout = 4500, action = null, testid = 'toast', key = '' } = {}) {
  if (!toastHost) toastHost = document.getElementById('toasts');
  if (!toastHost) return () => {};
  const shown = key && [...toastHost.children].find((t) => t.dataset.key === key && !t.classList.contains('leaving') && t.livedashToast);
  if (shown) return shown.livedashToast.update(message, { kind, timeout, action, testid });

  const el = h('div', { class: 'toast', 'data-key': key || null });
  let gone = false;
  let timer = null;
  const remove = () => {
    if (gone) return;
    gone = true;
    clearTimeout(timer);
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 250);
  };
  const update = (text, opts) => {
    if (gone) return remove;
    const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss message' }, icon('x'));
    close.addEventListener('click', remove);
    const act = opts.action;
    const button = act ? h('button', { class: 'link-btn toast-action', type: 'button', 'data-testid': act.testid || 'toast-action' }, act.label) : null;
    if (button) {
      button.addEventListener('click', () => {
        remove();
        act.run();
      });
    }
    el.className = `toast toast-${opts.kind}`;
    el.dataset.testid = opts.testid;
    el.setAttribute('role', opts.kind === 'error' ? 'alert' : 'status');
    el.replaceChildren(
      icon(opts.kind === 'error' ? 'alert' : opts.kind === 'success' ? 'check' : 'bolt', 'icon toast-icon'),
      h('span', { class: 'toast-text' }, text),
      button,
      close,
    );
    clearTimeout(timer);
    timer = setTimeout(remove, opts.timeout);
    return remove;
  };
  el.livedashToast = { update };
  update(message, { kind, timeout, action, testid });
  toastHost.appendChild(el);
  while (toastHost.children.length > 4) toastHost.firstElementChild.remove();
  return remove;
}

// Copying text. navigator.clipboard exists only in secure contexts
// (https, localhost); a dashboard served over plain http on a LAN copies
// through a selected, off-screen textarea instead.

import { h } from './dom.js';

export async function copyText(text) {
  if (globalThis.isSecureContext && navigator.clipboard) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const back = document.activeElement;
  const ta = h('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  if (back && typeof back.focus === 'function') back.focus();
  if (!ok) throw new Error('the browser refused to copy');
}

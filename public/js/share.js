// The admin's Share dialog (keys mode): the view and edit links with a
// copy button each, and the view link as a QR code, so a room full of
// phones can join from the projector. The links come from GET /api/share,
// which only an admin may call.

import { copyText } from './clipboard.js';
import { h } from './dom.js';
import { toast } from './toast.js';

export function setupShare(client, access, btn, dlg) {
  const field = (name) => dlg.querySelector(`[data-share="${name}"]`);
  client.addEventListener('welcome', () => {
    btn.hidden = !(access.mode === 'keys' && client.welcome && client.welcome.role === 'admin');
  });
  btn.addEventListener('click', async () => {
    let links;
    try {
      links = await client.rest('GET', '/api/share');
    } catch (err) {
      toast(`Could not load the share links: ${err.message}`);
      return;
    }
    field('view').value = links.view || '';
    field('edit').value = links.edit || '';
    // Made here, not kept in the page: the only image ever made from data
    // the server sent, and only for an admin who asked for it.
    const qr = links.view_qr ? h('img', { class: 'share-qr', 'data-testid': 'share-qr', alt: 'QR code of the view link', width: '240', height: '240', src: links.view_qr }) : null;
    field('qr-slot').replaceChildren(...(qr ? [qr] : []));
    if (!dlg.open) dlg.showModal();
  });
  dlg.addEventListener('click', async (e) => {
    const t = e.target.closest && e.target.closest('button');
    if (!t) return;
    if (t.dataset.copy) {
      try {
        await copyText(field(t.dataset.copy).value);
        toast('Link copied.', { kind: 'success', timeout: 2500 });
      } catch (err) {
        toast(`Could not copy: ${err.message}`);
      }
    } else if (t.classList.contains('dialog-cancel')) {
      dlg.close();
    }
  });
}

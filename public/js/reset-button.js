// The demo reset: confirmation, then POST /api/reset, asking for the admin
// token when the server wants one (kept for this tab only).

import { charCount } from './limits.js';
import { confirmDialog, askToken } from './dialogs.js';
import { toast } from './toast.js';
import { safeStorage } from './storage.js';

const KEY_TOKEN = 'livedash.adminToken';
const session = safeStorage('session');

export function setupReset(client, activity, btn) {
  btn.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Reset the demo?',
      message: 'All items and scores will be replaced with the demo data, for everyone watching.',
      confirmLabel: 'Reset demo',
    });
    if (!ok) return;
    btn.disabled = true;
    try {
      let token = session.get(KEY_TOKEN);
      let error = '';
      for (;;) {
        try {
          // Say who we are so the reset event names us (header values must
          // be plain ASCII; other names stay anonymous to the others).
          const headers = { 'X-Livedash-Client': client.clientId };
          if (/^[\x20-\x7e]+$/.test(client.name) && charCount(client.name) <= client.limits.name) headers['X-Livedash-Name'] = client.name;
          if (token) headers.Authorization = `Bearer ${token}`;
          const res = await client.rest('POST', '/api/reset', {}, headers);
          if (res && typeof res.seq === 'number') activity.claim(res.seq);
          toast('The demo was reset.', { kind: 'success', timeout: 3000 });
          return;
        } catch (err) {
          if (err.status !== 401) throw err;
          if (token) {
            session.remove(KEY_TOKEN);
            error = 'That token was not accepted.';
          }
          token = await askToken({ error });
          if (!token) return;
          session.set(KEY_TOKEN, token);
        }
      }
    } catch (err) {
      toast(`Could not reset the demo: ${err.message}`);
    } finally {
      btn.disabled = false;
    }
  });
}

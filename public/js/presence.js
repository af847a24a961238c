// "Who is here": how many dashboards are open, one chip per person with
// the role they have (contract: Access); while offline, marked as the last
// known count.

import { h, setText } from './dom.js';
import { avatar } from './avatar.js';
import { personId } from './ids.js';

export function setupPresence(client, { count, label, list }) {
  // Offline, the count is what the server said last, not who is here now.
  const stale = h('span', { class: 'presence-stale', 'data-testid': 'presence-stale', hidden: true }, 'last known \u00b7 offline');
  label.after(stale);
  const paint = () => {
    const p = client.presence || { count: 0, users: [] };
    const n = typeof p.count === 'number' ? p.count : (p.users || []).length;
    setText(count, String(n));
    setText(label, n === 1 ? 'dashboard open' : 'dashboards open');
    const me = client.me;
    // The server lists each person (public id) once, however many tabs.
    const people = (p.users || []).map((u) => ({ name: (u && u.name) || 'Anonymous', role: (u && u.role) || '', mine: !!me && personId(u) === me }));
    const chips = people
      .sort((a, b) => b.mine - a.mine || a.name.localeCompare(b.name))
      .map((g) =>
        h(
          'li',
          { class: `person${g.mine ? ' me' : ''}` },
          avatar(g.name),
          h('span', { class: 'person-name' }, g.name),
          g.role ? h('span', { class: 'person-role', 'data-testid': 'person-role' }, g.role) : null,
          g.mine ? h('span', { class: 'person-tag' }, 'you') : null,
        ),
      );
    list.replaceChildren(...chips);
  };
  client.addEventListener('presence', paint);
  client.addEventListener('welcome', paint);
  client.addEventListener('status', () => {
    const was = !client.live && client.status.reconnect;
    list.classList.toggle('stale', was);
    stale.hidden = !was;
    count.closest('.presence-summary').dataset.stale = String(was);
  });
  paint();
}

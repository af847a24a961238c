// "Who is here": how many dashboards are open, one chip per person.

import { h, setText } from './dom.js';
import { avatar } from './avatar.js';
import { personId } from './ids.js';

export function setupPresence(client, { count, label, list }) {
  const paint = () => {
    const p = client.presence || { count: 0, users: [] };
    const n = typeof p.count === 'number' ? p.count : (p.users || []).length;
    setText(count, String(n));
    setText(label, n === 1 ? 'dashboard open' : 'dashboards open');
    const me = client.me;
    // One chip per person (id + name); several tabs show "×2".
    const groups = new Map();
    for (const u of p.users || []) {
      const name = (u && u.name) || 'Anonymous';
      const id = personId(u);
      const key = `${id || ''}\u0000${name}`;
      const g = groups.get(key) || { name, mine: !!me && id === me, n: 0 };
      g.n++;
      groups.set(key, g);
    }
    const chips = [...groups.values()]
      .sort((a, b) => b.mine - a.mine || a.name.localeCompare(b.name))
      .map((g) =>
        h(
          'li',
          { class: `person${g.mine ? ' me' : ''}` },
          avatar(g.name),
          h('span', { class: 'person-name' }, g.name),
          g.mine ? h('span', { class: 'person-tag' }, 'you') : null,
          g.n > 1 ? h('span', { class: 'person-count', 'aria-label': `${g.n} tabs` }, `\u00d7${g.n}`) : null,
        ),
      );
    list.replaceChildren(...chips);
  };
  client.addEventListener('presence', paint);
  client.addEventListener('welcome', paint);
  client.addEventListener('status', (e) => {
    if (e.detail.state !== 'live') list.classList.add('stale');
    else list.classList.remove('stale');
  });
  paint();
}

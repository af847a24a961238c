// Who else is here, as a stack of avatars in the top bar on every width (the
// "Who is here" card is far down on a phone). It links to that card, and
// says in words who they are. At most MAX avatars, then "+N".

import { h, setText } from './dom.js';
import { avatar } from './avatar.js';
import { personId } from './ids.js';

const MAX = 3;

export function setupPresenceStack(client, link) {
  const list = link.querySelector('.avatar-stack-list');
  const more = link.querySelector('.avatar-stack-more');
  const paint = () => {
    const users = (client.presence && client.presence.users) || [];
    const me = client.me;
    const others = users
      .filter((u) => !me || personId(u) !== me)
      .map((u) => (u && u.name) || 'Anonymous')
      .sort((a, b) => a.localeCompare(b));
    const shown = others.slice(0, MAX).map((name, i) => {
      const li = h('li', { title: name }, avatar(name));
      li.style.zIndex = String(MAX - i); // the first on top, as read
      return li;
    });
    list.replaceChildren(...shown);
    const rest = others.length - MAX;
    more.hidden = rest <= 0;
    setText(more, rest > 0 ? `+${rest}` : '');
    const words = others.length === 0 ? 'nobody else' : others.length <= 4 ? others.join(', ') : `${others.slice(0, 3).join(', ')} and ${others.length - 3} more`;
    link.setAttribute('aria-label', `Who is here: you and ${words}`);
    link.title = `Here: you and ${words}`;
  };
  client.addEventListener('presence', paint);
  client.addEventListener('welcome', paint);
  paint();
}

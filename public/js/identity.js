// Who this browser is: a stable client id and a display name, both kept in
// localStorage, and the chip in the top bar that shows and changes the name.

import { isValidClientId, randomId } from './ids.js';
import { setText } from './dom.js';
import { avatar } from './avatar.js';
import { askName } from './dialogs.js';
import { safeStorage } from './storage.js';

const KEY_NAME = 'livedash.name';
const KEY_CLIENT = 'livedash.client';
const local = safeStorage('local');

export function loadClientId(limits) {
  let id = local.get(KEY_CLIENT);
  if (!isValidClientId(id, limits.client_id)) {
    id = randomId(22);
    local.set(KEY_CLIENT, id);
  }
  return id;
}

/** The stored display name, or ''. */
export function loadName() {
  return local.get(KEY_NAME) || '';
}

export function saveName(name) {
  local.set(KEY_NAME, name);
}

export function setupMeChip(client, btn) {
  const paint = () => {
    const name = client.name || 'Guest';
    btn.querySelector('.me-avatar').replaceChildren(avatar(name));
    setText(btn.querySelector('.me-name'), name);
    btn.setAttribute('aria-label', `Your display name is ${name}. Change it`);
  };
  btn.addEventListener('click', async () => {
    const name = await askName(client.name, client.limits.name);
    if (!name || name === client.name) return;
    saveName(name);
    client.setName(name);
    paint();
  });
  return paint;
}

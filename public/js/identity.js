// Who this browser is: a stable client id and a display name, both kept in
// localStorage, and the chip in the top bar that shows and changes the name.
//
// A first visitor gets a generated name ("Guest 4821") instead of a
// question: the dashboard goes live at once (a wall screen has nobody to
// answer), and the name chip changes the name at any time.

import { isValidClientId, randomId, NEW_CLIENT_ID } from './ids.js';
import { setText } from './dom.js';
import { avatar } from './avatar.js';
import { askName } from './dialogs.js';
import { safeStorage } from './storage.js';

const KEY_NAME = 'livedash.name';
const KEY_CLIENT = 'livedash.client';
const local = safeStorage('local');

/** The stored client id; a new random one when there is none or it is too weak. */
export function loadClientId(limits) {
  let id = local.get(KEY_CLIENT);
  if (!isValidClientId(id, limits.client_id)) {
    id = randomId(NEW_CLIENT_ID);
    local.set(KEY_CLIENT, id);
  }
  return id;
}

/** The stored display name; a new guest name (stored) the first time. */
export function loadName() {
  let name = local.get(KEY_NAME);
  if (!name) {
    name = guestName();
    local.set(KEY_NAME, name);
  }
  return name;
}

function guestName() {
  const n = new Uint16Array(1);
  globalThis.crypto.getRandomValues(n);
  return `Guest ${1000 + (n[0] % 9000)}`;
}

/**
 * Shows a name in the chip. The page calls it before anything loads: the
 * name is known from storage, and a chip that filled in later would push
 * the top bar's other buttons aside (a layout shift).
 */
export function paintMeChip(btn, name) {
  btn.querySelector('.me-avatar').replaceChildren(avatar(name));
  setText(btn.querySelector('.me-name'), name);
  btn.setAttribute('aria-label', `Your display name is ${name}. Change it`);
}

export function setupMeChip(client, btn) {
  const paint = () => paintMeChip(btn, client.name);
  btn.addEventListener('click', async () => {
    const name = await askName(client.name, client.limits.name);
    if (!name || name === client.name) return;
    local.set(KEY_NAME, name);
    client.setName(name);
    paint();
  });
  paint();
}

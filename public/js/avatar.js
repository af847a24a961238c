// Round avatars with initials, coloured by a hash of the name.

import { h } from './dom.js';

/** A stable hue for a string (avatars). */
function hueOf(str) {
  let x = 0;
  for (const ch of String(str)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return x % 360;
}

/**
 * Up to two initials: the first letter of the first and of the last word
 * that have a letter, so "Crowd 017" is "C" and "Ada Lovelace" is "AL". A
 * name without letters shows its first character.
 */
function initials(name) {
  const text = String(name || '').trim();
  const letters = text
    .split(/\s+/)
    .map((w) => w.match(/\p{L}/u))
    .filter(Boolean)
    .map((m) => upper(m[0]));
  if (letters.length === 0) return upper([...text][0] || '?');
  return letters.length > 1 ? letters[0] + letters[letters.length - 1] : letters[0];
}

// One character stays one ("ß" would become "SS").
function upper(ch) {
  return [...ch.toUpperCase()][0];
}

/**
 * A round avatar with initials; colour set through CSSOM (CSP-safe): the
 * given hue (a player's, colors.js), else one from the name.
 */
export function avatar(name, hue) {
  const el = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
  el.style.setProperty('--hue', String(hue ?? hueOf(name || '?')));
  return el;
}

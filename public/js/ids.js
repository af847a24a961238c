// Random ids, and telling people apart.

// Sixty-four symbols: a random byte & 63 picks each one equally often.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

// The client id works like a secret (contract 1.1): whoever knows it can
// replay or pre-empt our requests. The contract asks for at least 16
// random characters; new ones get 22 (132 bits).
const MIN_CLIENT_ID = 16;
export const NEW_CLIENT_ID = 22;

/** A random string of [A-Za-z0-9_-] from crypto.getRandomValues. */
export function randomId(len) {
  const bytes = new Uint8Array(len);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 63];
  return s;
}

/** Whether s is good as our client id: MIN_CLIENT_ID..max of [A-Za-z0-9_-]. */
export function isValidClientId(s, max) {
  return typeof s === 'string' && s.length >= MIN_CLIENT_ID && s.length <= max && /^[A-Za-z0-9_-]+$/.test(s);
}

/** The public id of a person: a presence user, an event's actor, welcome data. */
export function personId(p) {
  if (!p) return null;
  return p.id ?? null;
}

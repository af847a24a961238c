// Random ids.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random string of [A-Za-z0-9], suitable as a client id. */
export function randomId(len = 16) {
  const bytes = new Uint8Array(len);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return s;
}

/** Whether s is acceptable as a `client` query parameter: 1..max of [A-Za-z0-9_-]. */
export function isValidClientId(s, max) {
  return typeof s === 'string' && s.length >= 1 && s.length <= max && /^[A-Za-z0-9_-]+$/.test(s);
}

// The page's credential (contract: Access): a key or token arrives once as
// ?key= in the address, is kept in this browser, and is taken out of the
// address bar at once, so it is not bookmarked, shared with a screenshot of
// the URL, or kept in the history. It goes to our own server only: as
// ?key= on the WebSocket (browsers cannot set its headers) and as
// Authorization: Bearer on REST.

import { safeStorage } from './storage.js';

const KEY = 'livedash.key';

/**
 * Reads ?key= from the address (once), keeps it, removes it from the
 * address bar, and returns the kept credential ('' for none).
 */
export function takeCredential(loc = globalThis.location, hist = globalThis.history, store = safeStorage('local')) {
  const u = new URL(loc.href);
  if (u.searchParams.has('key')) {
    const k = u.searchParams.get('key');
    if (k) store.set(KEY, k);
    u.searchParams.delete('key');
    hist.replaceState(hist.state, '', u.pathname + u.search + u.hash);
  }
  return store.get(KEY) || '';
}

/** Forgets the kept credential: the server refused it, a new link is needed. */
export function forgetCredential(store = safeStorage('local')) {
  store.remove(KEY);
}

/** GET /api/access: the server's mode and login URL; open when it cannot tell. */
export async function fetchAccess(baseUrl, fetchFn = (...a) => globalThis.fetch(...a)) {
  try {
    const res = await fetchFn(new URL('/api/access', baseUrl).toString(), { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (res.ok) return await res.json();
  } catch {
    /* an older server: no access modes */
  }
  return { mode: 'open' };
}

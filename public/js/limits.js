// Field limits come from the server (GET /api/limits, made from
// models/limits.go), so that the page never disagrees with what it enforces:
// {item_name, item_description, player, name, client_id, request_id}.

/**
 * Fetches the limits once; rejects when the server does not answer with
 * them (with `status` 401 when it refused the credential).
 */
export async function fetchLimits(baseUrl, fetchFn = (...a) => globalThis.fetch(...a), credential = '') {
  const headers = { Accept: 'application/json' };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  const res = await fetchFn(new URL('/api/limits', baseUrl).toString(), { headers, cache: 'no-store' });
  if (!res.ok) throw Object.assign(new Error(`limits: HTTP ${res.status}`), { status: res.status });
  const limits = await res.json();
  for (const k of ['item_name', 'item_description', 'player', 'name', 'client_id', 'request_id']) {
    if (!Number.isInteger(limits && limits[k])) throw new Error(`limits: no ${k}`);
  }
  return Object.freeze(limits);
}

/**
 * Fetches the limits, retrying with backoff until the server answers: the
 * page can do nothing before, the snapshot comes from the same server. A
 * refused credential (401) is not retried: asking again will not help.
 */
export async function loadLimits(baseUrl, { minDelay = 500, maxDelay = 15000, credential = '' } = {}) {
  for (let delay = minDelay; ; delay = Math.min(maxDelay, delay * 2)) {
    try {
      return await fetchLimits(baseUrl, undefined, credential);
    } catch (e) {
      if (e.status === 401) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Length as the server counts it: in characters (code points), not UTF-16 units. */
export function charCount(s) {
  return [...String(s)].length;
}

/** s cut to at most max characters, never inside a surrogate pair. */
export function clip(s, max) {
  const chars = [...String(s)];
  return chars.length > max ? chars.slice(0, max).join('') : String(s);
}

// localStorage and sessionStorage, for browsers that refuse them too.

/** localStorage / sessionStorage that never throws. */
export function safeStorage(kind) {
  let s = null;
  try {
    s = kind === 'session' ? globalThis.sessionStorage : globalThis.localStorage;
  } catch {
    s = null;
  }
  return {
    get(k) {
      try {
        return s ? s.getItem(k) : null;
      } catch {
        return null;
      }
    },
    set(k, v) {
      try {
        if (s) s.setItem(k, v);
      } catch {
        /* ignore */
      }
    },
    remove(k) {
      try {
        if (s) s.removeItem(k);
      } catch {
        /* ignore */
      }
    },
  };
}

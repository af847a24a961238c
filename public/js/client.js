// livedash client: snapshot + WebSocket event stream, requests with
// idempotent retries, automatic reconnect. No DOM access: usable from any
// page, a worker or Node (pass `WebSocket` and `fetch` in the options there).
//
//   const c = new LivedashClient({ name: 'Alice', clientId: 'abc' });
//   c.addEventListener('event', (e) => console.log(e.detail.event));
//   c.connect();
//   const { seq, data } = await c.request('score.increment', { id: 3, by: 5 });
//
// Events (CustomEvent, payload in `detail`):
//   status    {state: 'connecting'|'live'|'reconnecting'|'offline'|'closed',
//              nextRetryAt?: ms epoch, failures, reason?}
//   snapshot  {state, reason}        state (re)loaded from GET /api/state
//   welcome   welcome frame data     {seq, epoch, client, name, resumed?}
//   resync    resync frame data      {seq, epoch}; the client reloads by itself
//   event     {event, prev, state}   one seq'd event, applied in seq order;
//                                     prev = the record before (or old lists
//                                     {items, scores} for state.reset)
//   presence  presence frame data    {count, users: [{client, name}]}
//   pending   {count}                number of requests awaiting a reply
//   protocol-error  error frame without a request id

const DEFAULTS = {
  minDelay: 500, // first reconnect delay (ms), doubled per failure
  maxDelay: 15000, // cap
  offlineAfter: 6, // consecutive failures before reporting "offline"
  welcomeTimeout: 10000, // socket open -> welcome
  pingIdle: 20000, // send a ping after this long without any frame
  pingTimeout: 10000, // drop the socket when a ping is not answered in time
  snapshotTimeout: 10000,
  maxSendAttempts: 5, // give up on a request sent this many times without reply
  minReloadInterval: 1000, // throttle gap-triggered snapshot reloads
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random string of [A-Za-z0-9], suitable as a client id. */
export function randomId(len = 16) {
  const bytes = new Uint8Array(len);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return s;
}

/** Whether s is acceptable as a `client` query parameter. */
export function isValidClientId(s) {
  return typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s);
}

/** Error carrying the `code`, `field` and `message` of an error frame. */
export class LivedashError extends Error {
  constructor(message, { code = 'internal', field, requestId, status } = {}) {
    super(message || code);
    this.name = 'LivedashError';
    this.code = code;
    if (field !== undefined && field !== null) this.field = field;
    if (requestId !== undefined) this.requestId = requestId;
    if (status !== undefined) this.status = status;
  }
}

/** Sort helpers matching the contract's list orders. */
export function compareScores(a, b) {
  return (b.points - a.points) || (a.id - b.id);
}
export function compareItems(a, b) {
  return a.id - b.id;
}

function toMap(list) {
  const m = new Map();
  for (const r of Array.isArray(list) ? list : []) {
    if (r && typeof r.id === 'number') m.set(r.id, r);
  }
  return m;
}

/**
 * Applies one event to a state object {seq, items: Map, scores: Map} and
 * returns what was there before (record, or {items, scores} for state.reset).
 */
export function applyEvent(state, ev) {
  const d = ev.data || {};
  let prev;
  switch (ev.type) {
    case 'item.created':
    case 'item.updated':
      prev = state.items.get(d.id);
      state.items.set(d.id, d);
      break;
    case 'item.deleted':
      prev = state.items.get(d.id);
      state.items.delete(d.id);
      break;
    case 'score.created':
    case 'score.updated':
      prev = state.scores.get(d.id);
      state.scores.set(d.id, d);
      break;
    case 'score.deleted':
      prev = state.scores.get(d.id);
      state.scores.delete(d.id);
      break;
    case 'state.reset': {
      prev = { items: [...state.items.values()], scores: [...state.scores.values()] };
      const items = [...(d.items || [])].sort(compareItems);
      const scores = [...(d.scores || [])].sort(compareScores);
      state.items.clear();
      for (const r of items) state.items.set(r.id, r);
      state.scores.clear();
      for (const r of scores) state.scores.set(r.id, r);
      break;
    }
    default:
      // Unknown event type: still consumes its seq.
      break;
  }
  state.seq = ev.seq;
  return prev;
}

function wsUrlFrom(baseUrl) {
  const u = new URL('/ws', baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u;
}

export class LivedashClient extends EventTarget {
  /**
   * @param {object} [opts]
   * @param {string} [opts.baseUrl]  server origin, default location.origin
   * @param {string} [opts.name]     display name for presence
   * @param {string} [opts.clientId] stable id ([A-Za-z0-9_-], <=64); random if absent
   * @param {Function} [opts.WebSocket] WebSocket constructor
   * @param {Function} [opts.fetch]  fetch implementation
   */
  constructor(opts = {}) {
    super();
    this.opts = { ...DEFAULTS, ...opts };
    this.baseUrl = opts.baseUrl || (globalThis.location ? globalThis.location.origin : 'http://127.0.0.1');
    this.name = opts.name || '';
    this.clientId = isValidClientId(opts.clientId) ? opts.clientId : randomId(22);
    this._WS = opts.WebSocket || globalThis.WebSocket;
    this._fetch = opts.fetch || ((...a) => globalThis.fetch(...a));

    /** Applied state. Mutated in place; never replaced. */
    this.state = { seq: 0, epoch: null, items: new Map(), scores: new Map(), loaded: false };
    Object.defineProperty(this.state, 'toJSON', {
      enumerable: false,
      value() {
        return {
          seq: this.seq,
          epoch: this.epoch,
          items: [...this.items.values()].sort(compareItems),
          scores: [...this.scores.values()].sort(compareScores),
        };
      },
    });
    /** Last presence frame data. */
    this.presence = { count: 0, users: [] };
    /** Current connection status (see the `status` event). */
    this.status = { state: 'idle', failures: 0 };

    this._running = false;
    this._ws = null;
    this._live = false;
    this._liveSince = 0;
    this._failures = 0;
    this._retryTimer = null;
    this._welcomeTimer = null;
    this._heartbeat = null;
    this._lastFrameAt = 0;
    this._ping = null;
    this._gen = 0;
    this._pending = new Map(); // request id -> entry, in creation order
    this._counter = 0;
    this._idPrefix = `${this.clientId.slice(0, 36)}-${Date.now().toString(36)}`;
    this._buffer = [];
    this._snapLoading = false;
    this._snapAgain = false;
    this._needSnapshot = false;
    this._lastReloadAt = 0;

    this._onOnline = () => {
      if (this._running && !this._live && !this._ws) {
        this._failures = Math.min(this._failures, 1);
        this._attempt();
      }
    };
    this._onOffline = () => {
      if (this._running && !this._live) this._setStatus('offline', { reason: 'network' });
    };
  }

  // ---------------------------------------------------------------- public

  /** Loads the snapshot and opens the socket; reconnects until close(). */
  connect() {
    if (this._running) return this;
    this._running = true;
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', this._onOnline);
      globalThis.addEventListener('offline', this._onOffline);
    }
    this._attempt();
    return this;
  }

  /** Closes the socket, stops reconnecting, rejects pending requests. */
  close() {
    this._running = false;
    if (typeof globalThis.removeEventListener === 'function') {
      globalThis.removeEventListener('online', this._onOnline);
      globalThis.removeEventListener('offline', this._onOffline);
    }
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._gen++;
    this._teardownSocket();
    for (const e of this._pending.values()) {
      e.reject(new LivedashError('client closed', { code: 'closed', requestId: e.id }));
    }
    this._pending.clear();
    this._emitPending();
    this._setStatus('closed');
  }

  /** True while the socket is open and welcomed. */
  get live() {
    return this._live;
  }

  /** Number of requests sent or queued and not yet answered. */
  get pendingCount() {
    return this._pending.size;
  }

  /**
   * Sends a request. While disconnected it is queued and sent after the
   * next welcome; requests unanswered when a connection drops are re-sent
   * under the same id (the server answers duplicates with the original reply).
   * Resolves with {id, seq, data} (seq only for mutations); rejects with a
   * LivedashError {code, field, message}. The returned promise has a
   * `requestId` property.
   */
  request(type, data = {}) {
    const id = this._nextRequestId();
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry = { id, type, data, resolve, reject, sentOn: null, attempts: 0, createdAt: Date.now() };
    this._pending.set(id, entry);
    if (this._live) this._send(entry);
    this._emitPending();
    promise.requestId = id;
    return promise;
  }

  /** Changes the presence name; reconnects at once if connected. */
  setName(name) {
    this.name = name || '';
    if (!this._running) return;
    if (this._ws) {
      this._teardownSocket();
      this._failures = 0;
      this._attempt();
    }
  }

  /** Forces a reconnect now (e.g. from a "retry now" button). */
  reconnectNow() {
    if (!this._running) return;
    this._teardownSocket();
    this._attempt();
  }

  /** Items in id order. */
  items() {
    return [...this.state.items.values()].sort(compareItems);
  }

  /** Scores by points desc, then id asc. */
  scores() {
    return [...this.state.scores.values()].sort(compareScores);
  }

  /**
   * Plain REST call against the server. Resolves with the parsed body;
   * rejects with LivedashError (with `status`, and `code`/`field` from the
   * error body when present).
   */
  async rest(method, path, body, headers = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await this._fetch(new URL(path, this.baseUrl).toString(), init);
    } catch (e) {
      throw new LivedashError('network error: ' + (e && e.message ? e.message : e), { code: 'network', status: 0 });
    }
    let parsed = null;
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!res.ok) {
      const err = (parsed && parsed.error) || {};
      const code = err.code || (res.status === 401 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'http_' + res.status);
      throw new LivedashError(err.message || `HTTP ${res.status}`, { code, field: err.field, status: res.status });
    }
    return parsed;
  }

  /** Convenience: addEventListener returning an unsubscribe function. */
  on(type, fn) {
    const h = (e) => fn(e.detail, e);
    this.addEventListener(type, h);
    return () => this.removeEventListener(type, h);
  }

  // -------------------------------------------------------------- internals

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _emitPending() {
    this._emit('pending', { count: this._pending.size });
  }

  _setStatus(state, extra = {}) {
    this.status = { state, failures: this._failures, ...extra };
    this._emit('status', this.status);
  }

  _nextRequestId() {
    this._counter += 1;
    return `${this._idPrefix}-${this._counter.toString(36)}-${randomId(6)}`.slice(0, 64);
  }

  _isOffline() {
    const nav = globalThis.navigator;
    return !!(nav && nav.onLine === false);
  }

  async _attempt() {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    if (!this._running) return;
    const gen = ++this._gen;
    // `reconnect` tells a first connection apart from a later one.
    this._setStatus('connecting', { attempt: this._failures + 1, reconnect: this.state.loaded || this._failures > 0 });
    if (!this.state.loaded || this._needSnapshot) {
      try {
        const snap = await this._fetchSnapshot();
        if (gen !== this._gen || !this._running) return;
        this._applySnapshot(snap, this.state.loaded ? 'reconnect' : 'initial');
      } catch (e) {
        if (gen !== this._gen || !this._running) return;
        this._failures++;
        this._scheduleRetry(String(e && e.message ? e.message : e));
        return;
      }
    }
    this._openSocket();
  }

  _scheduleRetry(reason) {
    if (!this._running) return;
    clearTimeout(this._retryTimer);
    const n = Math.max(1, this._failures);
    const base = Math.min(this.opts.maxDelay, this.opts.minDelay * 2 ** (n - 1));
    const delay = Math.round(Math.min(this.opts.maxDelay, base * (0.75 + Math.random() * 0.5)));
    const nextRetryAt = Date.now() + delay;
    this._retryTimer = setTimeout(() => this._attempt(), delay);
    const offline = this._isOffline() || this._failures >= this.opts.offlineAfter;
    this._setStatus(offline ? 'offline' : 'reconnecting', { nextRetryAt, reason });
  }

  _openSocket() {
    const u = wsUrlFrom(this.baseUrl);
    if (this.name) u.searchParams.set('name', this.name.slice(0, 40));
    u.searchParams.set('client', this.clientId);
    if (this.state.loaded) {
      u.searchParams.set('since', String(this.state.seq));
      if (this.state.epoch) u.searchParams.set('epoch', this.state.epoch);
    }
    let ws;
    try {
      ws = new this._WS(u.toString());
    } catch (e) {
      this._failures++;
      this._scheduleRetry(String(e && e.message ? e.message : e));
      return;
    }
    this._ws = ws;
    this._buffer = [];
    ws.onmessage = (m) => {
      if (this._ws === ws) this._onFrame(m.data);
    };
    ws.onclose = (e) => {
      if (this._ws === ws) this._onSocketLost(`closed (${e && e.code})`);
    };
    ws.onerror = () => {};
    this._welcomeTimer = setTimeout(() => {
      if (this._ws === ws && !this._live) this._onSocketLost('no welcome');
    }, this.opts.welcomeTimeout);
  }

  _teardownSocket() {
    const ws = this._ws;
    this._ws = null;
    const wasLive = this._live;
    this._live = false;
    clearTimeout(this._welcomeTimer);
    clearInterval(this._heartbeat);
    this._heartbeat = null;
    this._ping = null;
    this._buffer = [];
    if (this._snapLoading) this._needSnapshot = true;
    for (const e of this._pending.values()) e.sentOn = null;
    if (ws) {
      ws.onmessage = null;
      ws.onclose = null;
      ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        /* ignore */
      }
    }
    return wasLive;
  }

  _onSocketLost(reason) {
    const liveFor = this._live ? Date.now() - this._liveSince : 0;
    this._teardownSocket();
    if (!this._running) return;
    if (liveFor > 10000) this._failures = 0;
    this._failures++;
    this._scheduleRetry(reason);
  }

  _onFrame(raw) {
    let f;
    try {
      f = JSON.parse(raw);
    } catch {
      return;
    }
    if (!f || typeof f !== 'object') return;
    this._lastFrameAt = Date.now();
    switch (f.type) {
      case 'welcome':
        this._onWelcome(f.data || {});
        return;
      case 'resync':
        this._emit('resync', f.data || {});
        this._reloadSnapshot('resync');
        return;
      case 'presence':
        this.presence = f.data || { count: 0, users: [] };
        this._emit('presence', this.presence);
        return;
      case 'ack':
      case 'error':
        this._onReply(f);
        return;
      default:
        if (typeof f.seq === 'number' && typeof f.type === 'string') this._onEvent(f);
    }
  }

  _onWelcome(data) {
    clearTimeout(this._welcomeTimer);
    this._live = true;
    this._liveSince = Date.now();
    this._lastFrameAt = Date.now();
    if (data.client) this.serverClientId = data.client;
    this.welcome = data;
    this._setStatus('live', { resumed: !!data.resumed });
    this._emit('welcome', data);
    this._startHeartbeat();
    this._flush();
  }

  _startHeartbeat() {
    clearInterval(this._heartbeat);
    const ws = this._ws;
    this._heartbeat = setInterval(() => {
      if (this._ws !== ws || !this._live) return;
      const now = Date.now();
      if (this._ping) {
        if (now - this._ping.at > this.opts.pingTimeout) this._onSocketLost('ping timeout');
        return;
      }
      if (now - this._lastFrameAt > this.opts.pingIdle) {
        const id = this._nextRequestId();
        this._ping = { id, at: now };
        this._sendRaw({ type: 'ping', id, data: {} });
      }
    }, Math.min(5000, this.opts.pingIdle / 2));
  }

  _sendRaw(obj) {
    try {
      this._ws.send(JSON.stringify(obj));
      return true;
    } catch {
      return false;
    }
  }

  _send(entry) {
    if (!this._ws || !this._live) return;
    if (entry.attempts >= this.opts.maxSendAttempts) {
      this._pending.delete(entry.id);
      entry.reject(new LivedashError('no reply from the server', { code: 'unavailable', requestId: entry.id }));
      this._emitPending();
      return;
    }
    if (this._sendRaw({ type: entry.type, id: entry.id, data: entry.data })) {
      entry.sentOn = this._ws;
      entry.attempts++;
    }
  }

  _flush() {
    for (const e of [...this._pending.values()]) {
      if (!this._live) return;
      if (e.sentOn !== this._ws) this._send(e);
    }
  }

  _onReply(f) {
    if (this._ping && f.id === this._ping.id) {
      this._ping = null;
      return;
    }
    const entry = f.id != null ? this._pending.get(f.id) : undefined;
    if (!entry) {
      if (f.type === 'error') this._emit('protocol-error', f.error || {});
      return;
    }
    this._pending.delete(f.id);
    if (f.type === 'ack') {
      const reply = { id: f.id, data: f.data };
      if (typeof f.seq === 'number') reply.seq = f.seq;
      entry.resolve(reply);
    } else {
      const err = f.error || {};
      entry.reject(new LivedashError(err.message, { code: err.code || 'internal', field: err.field, requestId: f.id }));
    }
    this._emitPending();
  }

  _onEvent(ev) {
    if (this._snapLoading || !this.state.loaded) {
      this._buffer.push(ev);
      return;
    }
    if (ev.seq <= this.state.seq) return; // already in the snapshot
    if (ev.seq !== this.state.seq + 1) {
      // Gap: keep it and reload the snapshot.
      this._buffer.push(ev);
      this._reloadSnapshot('gap');
      return;
    }
    const prev = applyEvent(this.state, ev);
    this._emit('event', { event: ev, prev, state: this.state });
  }

  async _fetchSnapshot() {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const t = ctrl ? setTimeout(() => ctrl.abort(), this.opts.snapshotTimeout) : null;
    try {
      const res = await this._fetch(new URL('/api/state', this.baseUrl).toString(), {
        headers: { Accept: 'application/json' },
        cache: 'no-store',
        signal: ctrl ? ctrl.signal : undefined,
      });
      if (!res.ok) throw new LivedashError(`snapshot: HTTP ${res.status}`, { code: 'http_' + res.status, status: res.status });
      const snap = await res.json();
      if (!snap || typeof snap.seq !== 'number') throw new LivedashError('snapshot: bad body', { code: 'bad_snapshot' });
      return snap;
    } finally {
      if (t) clearTimeout(t);
    }
  }

  _applySnapshot(snap, reason) {
    const st = this.state;
    st.seq = snap.seq;
    st.epoch = snap.epoch || null;
    st.items.clear();
    for (const r of [...toMap(snap.items).values()].sort(compareItems)) st.items.set(r.id, r);
    st.scores.clear();
    for (const r of [...toMap(snap.scores).values()].sort(compareScores)) st.scores.set(r.id, r);
    st.loaded = true;
    this._needSnapshot = false;
    this._emit('snapshot', { state: st, reason });
  }

  async _reloadSnapshot(reason) {
    if (this._snapLoading) {
      this._snapAgain = true;
      return;
    }
    const ws = this._ws;
    if (!ws) {
      this._needSnapshot = true;
      return;
    }
    this._snapLoading = true;
    try {
      do {
        this._snapAgain = false;
        const wait = this._lastReloadAt + this.opts.minReloadInterval - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (this._ws !== ws) return;
        this._lastReloadAt = Date.now();
        const snap = await this._fetchSnapshot();
        if (this._ws !== ws) return;
        this._applySnapshot(snap, reason);
      } while (this._snapAgain);
    } catch (e) {
      this._snapLoading = false;
      if (this._ws === ws) {
        this._needSnapshot = true;
        this._onSocketLost('snapshot failed: ' + (e && e.message ? e.message : e));
      }
      return;
    } finally {
      this._snapLoading = false;
    }
    // Apply what arrived meanwhile, in seq order.
    const buf = this._buffer.sort((a, b) => a.seq - b.seq);
    this._buffer = [];
    for (const ev of buf) this._onEvent(ev);
  }
}

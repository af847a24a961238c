// livedash client: snapshot + WebSocket event stream, requests with
// idempotent retries, automatic reconnect. No DOM access: usable from any
// page, a worker or Node (pass `WebSocket` and `fetch` in the options there).
//
//   const limits = await fetchLimits(location.origin); // from limits.js
//   const c = new LivedashClient({ limits, name: 'Alice', clientId: 'abc' });
//   c.addEventListener('event', (e) => console.log(e.detail.event));
//   c.connect();
//   const { seq, data } = await c.request('score.increment', { id: 3, by: 5 });
//
// Events (CustomEvent, payload in `detail`):
//   status    {state, failures, reconnect, offline, nextRetryAt?, reason?, resumed?}
//             on every change of the connection state (below) and when
//             the browser goes offline; `client.status` is the last one
//   snapshot  {state, reason}        state (re)loaded from GET /api/state
//   welcome   welcome frame data     {seq, epoch, client, id, name, role, resumed?}
//   resync    resync frame data      {seq, epoch}; the client reloads by itself
//   event     {event, prev, state}   one seq'd event, applied in seq order;
//                                     prev = the record before (or old lists
//                                     {items, scores} for state.reset)
//   presence  presence frame data    {count, users: [{id, name, role, editing?}]}
//   denied    {reason}               the server refused our credential (a 401,
//                                     or a close with 1008: key revoked, token
//                                     expired); the client has closed itself:
//                                     retrying with it cannot work
//   pending   {count}                number of requests awaiting a reply
//   settled   {id, type, ok}         a request got its reply (ack: ok) or
//                                     was given up; `queued()` lists the others
//   protocol-error  error frame without a request id
//
// People are named by public id (`id`; client.me is ours, from the
// welcome); the client id is a secret that goes to our own server only.
//
// The connection is one state machine, and its state is the one status
// vocabulary: `client.connection`, `client.status.state` and the `status`
// event all name one of
//
//   idle       connect() not called yet
//   loading    fetching GET /api/state before opening a socket: the first
//              time, and after a snapshot reload was cut short
//   opening    socket created, waiting for the welcome
//   live       welcomed: requests go out, events apply in seq order
//   resyncing  welcomed, reloading the snapshot after a resync frame or a
//              seq gap; events wait in a buffer until it is in
//   waiting    no socket; a retry timer runs until `nextRetryAt`
//   closed     close() was called; final
//
// and the status adds what a page shows about it:
//
//   failures     attempts failed in a row (reset by a stable connection)
//   reconnect    not the first attempt: a snapshot was loaded before or an
//                attempt failed
//   offline      the browser reports no network, or `offlineAfter` attempts
//                failed in a row: waiting is likely to last
//   nextRetryAt  (waiting) ms epoch of the next attempt
//   reason       (waiting) why the last attempt or socket ended
//   resumed      (live, from opening) the welcome resumed from our seq
//
// Events that move it (TRANSITIONS below is the complete list):
//
//   load     start an attempt that needs a snapshot     -> loading
//   open     start an attempt that has a fresh one      -> opening
//            (connect, the retry timer, `online`, reconnectNow, setName)
//   loaded   the snapshot is in                         loading -> opening,
//                                                       resyncing -> live
//   welcome  the welcome frame                          opening -> live
//   resync   a resync frame or a seq gap                live -> resyncing;
//            in resyncing it asks for one more reload
//   lost     the attempt or the socket failed (close, welcome or ping
//            timeout, snapshot error)                   -> waiting
//   close    close()                                    -> closed
//
// Leaving live or resyncing for anything but each other drops the socket.

import { emptyState, applySnapshot, applyEvent } from './records.js';
import { randomId, isValidClientId, personId, NEW_CLIENT_ID } from './ids.js';
import { clip } from './limits.js';

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
  stableAfter: 10000, // a connection live this long resets the backoff
};

const RESTART = { load: 'loading', open: 'opening', close: 'closed' };
const TRANSITIONS = {
  idle: { load: 'loading', close: 'closed' }, // nothing loaded yet: never open
  loading: { ...RESTART, loaded: 'opening', lost: 'waiting' },
  opening: { ...RESTART, welcome: 'live', lost: 'waiting' },
  live: { ...RESTART, resync: 'resyncing', lost: 'waiting' },
  resyncing: { ...RESTART, resync: 'resyncing', loaded: 'live', lost: 'waiting' },
  waiting: RESTART,
  closed: {},
};
const WELCOMED = new Set(['live', 'resyncing']);

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

function wsUrlFrom(baseUrl) {
  const u = new URL('/ws', baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u;
}

function messageOf(e) {
  return String(e && e.message ? e.message : e);
}

export class LivedashClient extends EventTarget {
  /**
   * @param {object} opts
   * @param {object} opts.limits     the server's limits (fetchLimits in limits.js)
   * @param {string} [opts.baseUrl]  server origin, default location.origin
   * @param {string} [opts.name]     display name for presence
   * @param {string} [opts.clientId] stable secret id (16 to limits.client_id of [A-Za-z0-9_-]); random if absent
   * @param {string} [opts.credential] key or token (contract: Access), sent as ?key= on the socket and Bearer on REST
   * @param {Function} [opts.WebSocket] WebSocket constructor
   * @param {Function} [opts.fetch]  fetch implementation
   */
  constructor(opts) {
    super();
    if (!opts || !opts.limits) throw new Error('LivedashClient needs opts.limits: see fetchLimits in limits.js');
    this.opts = { ...DEFAULTS, ...opts };
    this.limits = opts.limits;
    this.baseUrl = opts.baseUrl || (globalThis.location ? globalThis.location.origin : 'http://127.0.0.1');
    this.name = opts.name || '';
    this.clientId = isValidClientId(opts.clientId, this.limits.client_id) ? opts.clientId : randomId(NEW_CLIENT_ID);
    this.credential = opts.credential || '';
    this._WS = opts.WebSocket || globalThis.WebSocket;
    this._fetch = opts.fetch || ((...a) => globalThis.fetch(...a));

    /** Applied state. Mutated in place; never replaced. */
    this.state = emptyState();
    /** Last presence frame data. */
    this.presence = { count: 0, users: [] };
    this._conn = 'idle';
    this._failures = 0;
    /** Current connection status (see the `status` event). */
    this.status = this._statusOf({});

    // Bumped on every change of state: async work started in one state
    // drops its result when the client has moved on meanwhile.
    this._gen = 0;
    this._stale = false; // the snapshot missed events: load before opening
    this._reloadAgain = false;
    this._ws = null;
    this._liveSince = 0;
    this._retryTimer = null;
    this._welcomeTimer = null;
    this._heartbeat = null;
    this._lastFrameAt = 0;
    this._ping = null;
    this._pending = new Map(); // request id -> entry, in creation order
    this._counter = 0;
    // Request ids are unique per client id without carrying it: it is a secret.
    this._idPrefix = randomId(10);
    this._buffer = [];
    this._lastReloadAt = 0;
    this._editing = null; // the record this tab edits ({type, id}), for presence

    this._onOnline = () => {
      if (this._conn !== 'waiting') return;
      this._failures = Math.min(this._failures, 1);
      this._attempt();
    };
    this._onOffline = () => {
      if (['loading', 'opening', 'waiting'].includes(this._conn)) this._setStatus({ ...this.status, reason: 'network' });
    };
  }

  // ---------------------------------------------------------------- public

  /** Loads the snapshot and opens the socket; reconnects until close(). */
  connect() {
    if (this._conn !== 'idle') return this;
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('online', this._onOnline);
      globalThis.addEventListener('offline', this._onOffline);
    }
    this._attempt();
    return this;
  }

  /** Closes the socket, stops reconnecting, rejects pending requests. */
  close() {
    if (this._conn !== 'closed') this._fire('close');
  }

  /** The connection's state (see the top of this file). */
  get connection() {
    return this._conn;
  }

  /** Our public id (from the last welcome), to recognise ourselves in presence and events. */
  get me() {
    return personId(this.welcome);
  }

  /** True while the socket is open and welcomed. */
  get live() {
    return WELCOMED.has(this._conn);
  }

  /** Number of requests sent or queued and not yet answered. */
  get pendingCount() {
    return this._pending.size;
  }

  /** The requests sent or queued and not yet answered, oldest first: [{id, type, data}]. */
  queued() {
    return [...this._pending.values()].map((e) => ({ id: e.id, type: e.type, data: e.data }));
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
    const entry = { id, type, data, resolve, reject, sentOn: null, attempts: 0 };
    this._pending.set(id, entry);
    if (this.live) this._send(entry);
    this._emitPending();
    promise.requestId = id;
    return promise;
  }

  /**
   * Reverses the change of the event with this seq (contract "History and
   * undo"); resolves like request().
   */
  undo(seq) {
    return this.request('undo', { seq });
  }

  /** The events of one record since the last reset, oldest first. kind: item|score. */
  async history(kind, id, limit = 100) {
    const { data } = await this.request(`${kind}.history`, { id, limit });
    return data.events || [];
  }

  /**
   * Says which record this tab has open for editing, {type: 'item'|'score',
   * id}, so that others see "Alice is editing…" (contract: Presence). The
   * server forgets it when the connection closes, so it is sent again after
   * every welcome. Never queued: an editor closed while offline must not
   * show as open later.
   */
  startEditing(type, id) {
    this._setEditing({ type, id });
  }

  /** Ends what startEditing(type, id) began; another record's editing stays. */
  stopEditing(type, id) {
    const e = this._editing;
    if (e && e.type === type && e.id === id) this._setEditing(null);
  }

  _setEditing(editing) {
    const e = this._editing;
    if (e === editing || (e && editing && e.type === editing.type && e.id === editing.id)) return;
    this._editing = editing;
    if (this.live) this._sendEditing();
  }

  _sendEditing() {
    this._sendRaw({ type: 'presence.set', id: this._nextRequestId(), data: { editing: this._editing || null } });
  }

  /** Changes the presence name; reconnects at once if there is a socket. */
  setName(name) {
    this.name = name || '';
    if (this._ws) {
      this._failures = 0;
      this._attempt();
    }
  }

  /** Forces a reconnect now (e.g. from a "retry now" button). */
  reconnectNow() {
    if (this._conn !== 'idle' && this._conn !== 'closed') this._attempt();
  }

  /**
   * Plain REST call against the server. Resolves with the parsed body;
   * rejects with LivedashError (with `status`, and `code`/`field` from the
   * error body when present).
   */
  async rest(method, path, body, headers = {}) {
    const init = { method, headers: { Accept: 'application/json', ...this._auth(), ...headers }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await this._fetch(new URL(path, this.baseUrl).toString(), init);
    } catch (e) {
      throw new LivedashError('network error: ' + messageOf(e), { code: 'network', status: 0 });
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

  // --------------------------------------------------------- state machine

  /** Moves the connection by one event of TRANSITIONS, or throws. */
  _fire(event, reason) {
    const from = this._conn;
    const to = TRANSITIONS[from][event];
    if (!to) throw new Error(`livedash client: "${event}" cannot happen in state ${from}`);
    if (from === to && event === 'resync') {
      this._reloadAgain = true;
      return;
    }
    this._conn = to;
    this._gen++;
    if (from === 'resyncing' && event !== 'loaded') this._stale = true;
    if (!WELCOMED.has(to)) this._teardownSocket();
    // The status goes out before the entry action below, which may move the
    // machine on at once (a socket that cannot be created is lost): so the
    // status events come in the order of the states.
    let extra = {};
    if (to === 'waiting') extra = this._scheduleRetry(reason);
    else if (to === 'live' && from === 'opening') extra = { resumed: !!this.welcome.resumed };
    this._setStatus(extra);
    switch (to) {
      case 'loading':
        this._load();
        break;
      case 'opening':
        this._openSocket();
        break;
      case 'live':
        if (from === 'opening') this._enterLive();
        else this._replayBuffer();
        break;
      case 'resyncing':
        this._reloadAgain = false;
        this._reload();
        break;
      case 'closed':
        this._shutDown();
        break;
      default:
    }
  }

  /** Starts an attempt: with a snapshot first when ours is missing or stale. */
  _attempt() {
    this._fire(this.state.loaded && !this._stale ? 'open' : 'load');
  }

  async _load() {
    const gen = this._gen;
    let snap;
    try {
      snap = await this._fetchSnapshot();
    } catch (e) {
      if (gen !== this._gen) return;
      if (e.status === 401) this._deny(e.message);
      else this._lost(messageOf(e));
      return;
    }
    if (gen !== this._gen) return;
    this._applySnapshot(snap, this.state.loaded ? 'reconnect' : 'initial');
    this._fire('loaded');
  }

  _openSocket() {
    const u = wsUrlFrom(this.baseUrl);
    if (this.name) u.searchParams.set('name', clip(this.name, this.limits.name));
    u.searchParams.set('client', this.clientId);
    u.searchParams.set('since', String(this.state.seq));
    if (this.state.epoch) u.searchParams.set('epoch', this.state.epoch);
    if (this.credential) u.searchParams.set('key', this.credential);
    let ws;
    try {
      ws = new this._WS(u.toString());
    } catch (e) {
      this._lost(messageOf(e));
      return;
    }
    this._ws = ws;
    this._buffer = [];
    ws.onmessage = (m) => {
      if (this._ws === ws) this._onFrame(m.data);
    };
    ws.onclose = (e) => {
      if (this._ws !== ws) return;
      if (e && e.code === 1008) this._deny(e.reason || 'policy violation');
      else this._lost(`closed (${e && e.code})`);
    };
    ws.onerror = () => {};
    this._welcomeTimer = setTimeout(() => {
      if (this._ws === ws && this._conn === 'opening') this._lost('no welcome');
    }, this.opts.welcomeTimeout);
  }

  _enterLive() {
    clearTimeout(this._welcomeTimer);
    this._liveSince = Date.now();
    this._lastFrameAt = Date.now();
    this._emit('welcome', this.welcome);
    this._startHeartbeat();
    if (this._editing) this._sendEditing();
    this._flush();
  }

  _lost(reason) {
    // A refused upgrade shows to a browser as a plain failed socket: when we
    // have a credential, one REST call tells whether it was the credential.
    if (this._conn === 'opening' && this.credential) this._checkCredential();
    if (WELCOMED.has(this._conn) && Date.now() - this._liveSince > this.opts.stableAfter) this._failures = 0;
    this._failures++;
    this._fire('lost', reason);
  }

  /** Closes for good when the server refused our credential (see `denied`). */
  _deny(reason) {
    if (this._conn === 'closed') return;
    this.denied = { reason };
    this.close();
    this._emit('denied', this.denied);
  }

  _checkCredential() {
    this.rest('GET', '/api/limits').catch((e) => {
      if (e.status === 401) this._deny(e.message);
    });
  }

  _auth() {
    return this.credential ? { Authorization: `Bearer ${this.credential}` } : {};
  }

  /** Starts the retry timer; returns the status fields of waiting. */
  _scheduleRetry(reason) {
    const n = Math.max(1, this._failures);
    const base = Math.min(this.opts.maxDelay, this.opts.minDelay * 2 ** (n - 1));
    const delay = Math.round(Math.min(this.opts.maxDelay, base * (0.75 + Math.random() * 0.5)));
    this._retryTimer = setTimeout(() => this._attempt(), delay);
    return { nextRetryAt: Date.now() + delay, reason };
  }

  _teardownSocket() {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    const ws = this._ws;
    this._ws = null;
    clearTimeout(this._welcomeTimer);
    clearInterval(this._heartbeat);
    this._heartbeat = null;
    this._ping = null;
    this._buffer = [];
    for (const e of this._pending.values()) e.sentOn = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    try {
      ws.close(1000);
    } catch {
      /* already closed */
    }
  }

  _shutDown() {
    if (typeof globalThis.removeEventListener === 'function') {
      globalThis.removeEventListener('online', this._onOnline);
      globalThis.removeEventListener('offline', this._onOffline);
    }
    for (const e of this._pending.values()) {
      e.reject(new LivedashError('client closed', { code: 'closed', requestId: e.id }));
    }
    this._pending.clear();
    this._emitPending();
  }

  // -------------------------------------------------------------- frames

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
        if (this._conn !== 'opening') return;
        this.welcome = f.data || {};
        this._fire('welcome');
        return;
      case 'resync':
        this._emit('resync', f.data || {});
        if (this.live) this._fire('resync');
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
    this._emit('settled', { id: f.id, type: entry.type, ok: f.type === 'ack' });
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
    if (this._conn === 'resyncing') {
      this._buffer.push(ev);
      return;
    }
    if (ev.seq <= this.state.seq) return; // already in the snapshot
    if (ev.seq !== this.state.seq + 1) {
      this._buffer.push(ev);
      this._fire('resync');
      return;
    }
    const prev = applyEvent(this.state, ev);
    this._emit('event', { event: ev, prev, state: this.state });
  }

  // ------------------------------------------------------------ snapshot

  async _fetchSnapshot() {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const t = ctrl ? setTimeout(() => ctrl.abort(), this.opts.snapshotTimeout) : null;
    try {
      const res = await this._fetch(new URL('/api/state', this.baseUrl).toString(), {
        headers: { Accept: 'application/json', ...this._auth() },
        cache: 'no-store',
        signal: ctrl ? ctrl.signal : undefined,
      });
      if (res.status === 401) throw new LivedashError('the server refused this link', { code: 'unauthorized', status: 401 });
      if (!res.ok) throw new LivedashError(`snapshot: HTTP ${res.status}`, { code: 'http_' + res.status, status: res.status });
      const snap = await res.json();
      if (!snap || typeof snap.seq !== 'number') throw new LivedashError('snapshot: bad body', { code: 'bad_snapshot' });
      return snap;
    } finally {
      if (t) clearTimeout(t);
    }
  }

  _applySnapshot(snap, reason) {
    applySnapshot(this.state, snap);
    this._stale = false;
    this._emit('snapshot', { state: this.state, reason });
  }

  /** Reloads until no resync asked for another round, then goes live. */
  async _reload() {
    const gen = this._gen;
    const reason = this._buffer.length ? 'gap' : 'resync';
    try {
      do {
        this._reloadAgain = false;
        const wait = this._lastReloadAt + this.opts.minReloadInterval - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (gen !== this._gen) return;
        this._lastReloadAt = Date.now();
        const snap = await this._fetchSnapshot();
        if (gen !== this._gen) return;
        this._applySnapshot(snap, reason);
      } while (this._reloadAgain);
    } catch (e) {
      if (gen !== this._gen) return;
      if (e.status === 401) this._deny(e.message);
      else this._lost('snapshot failed: ' + messageOf(e));
      return;
    }
    this._fire('loaded');
  }

  /** Applies, in seq order, the events that arrived during a reload. */
  _replayBuffer() {
    const buf = this._buffer.sort((a, b) => a.seq - b.seq);
    this._buffer = [];
    for (const ev of buf) this._onEvent(ev);
  }

  // ------------------------------------------------------------ requests

  _nextRequestId() {
    this._counter += 1;
    return `${this._idPrefix}-${this._counter.toString(36)}`.slice(0, this.limits.request_id);
  }

  _send(entry) {
    if (entry.attempts >= this.opts.maxSendAttempts) {
      this._pending.delete(entry.id);
      this._emit('settled', { id: entry.id, type: entry.type, ok: false });
      entry.reject(new LivedashError('no reply from the server', { code: 'unavailable', requestId: entry.id }));
      this._emitPending();
      return;
    }
    if (this._sendRaw({ type: entry.type, id: entry.id, data: entry.data })) {
      entry.sentOn = this._ws;
      entry.attempts++;
    }
  }

  _sendRaw(obj) {
    try {
      this._ws.send(JSON.stringify(obj));
      return true;
    } catch {
      return false;
    }
  }

  _flush() {
    for (const e of [...this._pending.values()]) {
      if (!this.live) return;
      if (e.sentOn !== this._ws) this._send(e);
    }
  }

  _startHeartbeat() {
    const ws = this._ws;
    this._heartbeat = setInterval(() => {
      if (this._ws !== ws || !this.live) return;
      const now = Date.now();
      if (this._ping) {
        if (now - this._ping.at > this.opts.pingTimeout) this._lost('ping timeout');
        return;
      }
      if (now - this._lastFrameAt > this.opts.pingIdle) {
        const id = this._nextRequestId();
        this._ping = { id, at: now };
        this._sendRaw({ type: 'ping', id, data: {} });
      }
    }, Math.min(5000, this.opts.pingIdle / 2));
  }

  // --------------------------------------------------------------- output

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _emitPending() {
    this._emit('pending', { count: this._pending.size });
  }

  /** The status of the current state (see the top of this file). */
  _statusOf(extra) {
    return {
      state: this._conn,
      failures: this._failures,
      reconnect: this.state.loaded || this._failures > 0,
      offline: this._isOffline() || this._failures >= this.opts.offlineAfter,
      ...extra,
    };
  }

  _setStatus(extra) {
    this.status = this._statusOf(extra);
    this._emit('status', this.status);
  }

  _isOffline() {
    const nav = globalThis.navigator;
    return !!(nav && nav.onLine === false);
  }
}

// What the scoreboard shows ahead of the server: our increments that the
// applied state does not hold yet, and our renames until their event lands.
// No DOM here; the view asks it for points and names.

import { personId } from './ids.js';

export class OptimisticScores {
  constructor() {
    this.increments = new Map(); // request id -> {scoreId, by, ackSeq}
    this.renames = new Map(); // score id -> {name, until}: until = version that holds it
  }

  /** Points to show: the server's plus our unconfirmed increments. */
  points(score) {
    let p = score.points;
    for (const op of this.increments.values()) if (op.scoreId === score.id) p += op.by;
    return p;
  }

  /** Name to show, and whether it is ours and not confirmed yet. */
  name(score) {
    const r = this.renames.get(score.id);
    return r ? { name: r.name, pending: true } : { name: score.player, pending: false };
  }

  /** `queued`: sent while disconnected, so it waits for the connection. */
  incrementSent(requestId, scoreId, by, queued = false) {
    this.increments.set(requestId, { scoreId, by, ackSeq: null, queued });
  }

  /** The connection dropped: every increment not acknowledged yet now waits. */
  queueUnacked() {
    for (const op of this.increments.values()) if (op.ackSeq === null) op.queued = true;
  }

  /** The sum of a score's increments that wait for the connection (not saved). */
  unsaved(scoreId) {
    let n = 0;
    for (const op of this.increments.values()) if (op.scoreId === scoreId && op.queued && op.ackSeq === null) n += op.by;
    return n;
  }

  /** Whether a score has increments waiting (their sum can be 0: +1 then -1). */
  hasUnsaved(scoreId) {
    for (const op of this.increments.values()) if (op.scoreId === scoreId && op.queued && op.ackSeq === null) return true;
    return false;
  }

  /**
   * The server applied the increment as event `seq`. Until the client has
   * applied that event too, the increment stays on top of its points.
   * Returns whether anything changed.
   */
  incrementAcked(requestId, seq, appliedSeq) {
    const op = this.increments.get(requestId);
    if (!op) return false;
    if (typeof seq !== 'number' || appliedSeq >= seq) this.increments.delete(requestId);
    else op.ackSeq = seq;
    return true;
  }

  incrementFailed(requestId) {
    return this.increments.delete(requestId);
  }

  renameSent(scoreId, name) {
    this.renames.set(scoreId, { name, until: null });
  }

  /** The rename is version `version` on the server: shown until state has it. */
  renameAcked(scoreId, name, version, state) {
    const r = this.renames.get(scoreId);
    if (!r || r.name !== name) return; // a later rename replaced it
    r.until = typeof version === 'number' ? version : 0;
    this.settleRenames(state);
  }

  renameFailed(scoreId, name) {
    const r = this.renames.get(scoreId);
    if (r && r.name === name) this.renames.delete(scoreId);
  }

  /**
   * Called for every applied event. `me` is our person id: an increment of
   * ours can land before its ack, and is then recognised by actor and delta.
   */
  onEvent(ev, state, me) {
    const d = ev.data || {};
    if (ev.type === 'score.updated') this.dropLandedIncrement(ev, d.id, me);
    else if (ev.type === 'score.deleted') {
      for (const [k, op] of this.increments) if (op.scoreId === d.id) this.increments.delete(k);
    }
    this.settleRenames(state);
  }

  /** Called after a snapshot (re)load. */
  onSnapshot(state) {
    for (const [k, op] of this.increments) if (op.ackSeq !== null && op.ackSeq <= state.seq) this.increments.delete(k);
    this.settleRenames(state);
  }

  dropLandedIncrement(ev, scoreId, me) {
    for (const [k, op] of this.increments) {
      if (op.ackSeq === ev.seq) {
        this.increments.delete(k);
        return;
      }
    }
    if (!me || personId(ev.actor) !== me || typeof ev.delta !== 'number') return;
    for (const [k, op] of this.increments) {
      if (op.scoreId === scoreId && op.ackSeq === null && op.by === ev.delta) {
        this.increments.delete(k);
        return;
      }
    }
  }

  settleRenames(state) {
    for (const [id, r] of this.renames) {
      const s = state.scores.get(id);
      if (r.until !== null && (!s || s.version >= r.until)) this.renames.delete(id);
    }
  }
}

// Scoreboard: ranked rows with bars, optimistic +1/+5/-1, rename in place,
// delete with confirmation, FLIP animation when ranks change.

import { compareScores } from './records.js';
import { h, icon, setText, flash, frameScheduler, reducedMotion, confirmDialog, toast, avatar } from './ui.js';
import { charCount } from './limits.js';

const FLIP_MS = 300;

export class ScoresView {
  /**
   * @param {import('./client.js').LivedashClient} client
   * @param {{list: HTMLElement, empty: HTMLElement, meta: HTMLElement, form: HTMLFormElement}} els
   */
  constructor(client, els) {
    this.client = client;
    this.els = els;
    this.maxPlayer = client.limits.player;
    els.form.querySelector('[data-testid="add-player-name"]').maxLength = this.maxPlayer;
    this.rows = new Map(); // score id -> row
    this.ops = new Map(); // request id -> {scoreId, by, ackSeq}
    this.schedule = frameScheduler(() => this.renderNow());
    this.reordering = false;
    this.firstRender = true;

    this.animating = new Set();
    this.touched = { id: null, at: 0 }; // row the user just pressed
    const touch = (e) => {
      const li = e.target.closest && e.target.closest('.score-row');
      if (li) this.touched = { id: Number(li.dataset.id), at: Date.now() };
    };
    els.list.addEventListener('pointerdown', touch, true);
    els.list.addEventListener('keydown', touch, true);
    els.list.addEventListener('click', touch, true);
    els.list.addEventListener('click', (e) => this.onClick(e));
    els.form.addEventListener('submit', (e) => this.onAdd(e));
  }

  // ------------------------------------------------------------ data side

  /** Points shown for a score: server value plus our unconfirmed increments. */
  displayed(score) {
    let p = score.points;
    for (const op of this.ops.values()) if (op.scoreId === score.id) p += op.by;
    return p;
  }

  /** Called for every applied event (before render). */
  onEvent(ev) {
    const d = ev.data || {};
    if (ev.type === 'score.updated') {
      // Our own increment has landed: drop its optimistic delta.
      for (const [k, op] of this.ops) {
        if (op.ackSeq === ev.seq) {
          this.ops.delete(k);
          return;
        }
      }
      const me = this.client.serverClientId || this.client.clientId;
      if (ev.actor && ev.actor.client === me && typeof ev.delta === 'number') {
        for (const [k, op] of this.ops) {
          if (op.scoreId === d.id && op.ackSeq === null && op.by === ev.delta) {
            this.ops.delete(k);
            return;
          }
        }
      }
    } else if (ev.type === 'score.deleted') {
      for (const [k, op] of this.ops) if (op.scoreId === d.id) this.ops.delete(k);
    }
  }

  /** Called after a snapshot (re)load. */
  onSnapshot() {
    const seq = this.client.state.seq;
    for (const [k, op] of this.ops) if (op.ackSeq !== null && op.ackSeq <= seq) this.ops.delete(k);
  }

  increment(id, by) {
    const score = this.client.state.scores.get(id);
    if (!score) return;
    const p = this.client.request('score.increment', { id, by });
    const key = p.requestId;
    this.ops.set(key, { scoreId: id, by, ackSeq: null });
    this.renderNow(); // at once: the click must feel instant
    p.then(
      (reply) => {
        const op = this.ops.get(key);
        if (!op) return;
        if (typeof reply.seq !== 'number' || this.client.state.seq >= reply.seq) this.ops.delete(key);
        else op.ackSeq = reply.seq;
        this.render();
      },
      (err) => {
        if (this.ops.delete(key)) this.render();
        const who = (this.client.state.scores.get(id) || score).player;
        toast(`Could not change ${who}'s points: ${err.message}`);
      },
    );
  }

  async onAdd(e) {
    e.preventDefault();
    const input = this.els.form.querySelector('[data-testid="add-player-name"]');
    const player = input.value.trim();
    if (!player) {
      toast('Enter a player name first.', { kind: 'info' });
      input.focus();
      return;
    }
    if (charCount(player) > this.maxPlayer) {
      toast(`Player names are at most ${this.maxPlayer} characters.`);
      return;
    }
    const lower = player.toLowerCase();
    for (const s of this.client.state.scores.values()) {
      if (s.player.toLowerCase() === lower) {
        toast(`There is already a player called ${s.player}.`);
        input.select();
        return;
      }
    }
    input.value = '';
    if (!this.client.live) toast(`${player} will be added when the connection is back.`, { kind: 'info' });
    try {
      await this.client.request('score.create', { player });
    } catch (err) {
      toast(`Could not add ${player}: ${err.message}`);
      if (!input.value) input.value = player;
    }
  }

  onClick(e) {
    const btn = e.target.closest('button[data-testid]');
    if (!btn) return;
    const li = btn.closest('.score-row');
    if (!li) return;
    const id = Number(li.dataset.id);
    const row = this.rows.get(id);
    if (!row) return;
    switch (btn.dataset.testid) {
      case 'score-inc-1':
        this.increment(id, 1);
        break;
      case 'score-inc-5':
        this.increment(id, 5);
        break;
      case 'score-dec-1':
        this.increment(id, -1);
        break;
      case 'score-rename':
        this.startRename(row);
        break;
      case 'score-delete':
        this.confirmDelete(id);
        break;
      default:
    }
  }

  async confirmDelete(id) {
    const s = this.client.state.scores.get(id);
    if (!s) return;
    const ok = await confirmDialog({
      title: `Delete ${s.player}?`,
      message: `${s.player} and their ${s.points} points will be removed for everyone.`,
      confirmLabel: 'Delete player',
    });
    if (!ok) return;
    try {
      await this.client.request('score.delete', { id });
    } catch (err) {
      if (err.code !== 'not_found') toast(`Could not delete ${s.player}: ${err.message}`);
    }
  }

  // --------------------------------------------------------------- rename

  startRename(row) {
    if (row.renaming) {
      row.renaming.input.focus();
      return;
    }
    const s = this.client.state.scores.get(row.id);
    if (!s) return;
    const input = h('input', {
      class: 'inline-input',
      type: 'text',
      'data-testid': 'score-rename-input',
      maxlength: String(this.maxPlayer),
      'aria-label': `New name for ${s.player}`,
      autocomplete: 'off',
      spellcheck: 'false',
    });
    input.value = row.pendingName ?? s.player;
    row.renaming = { input, start: input.value };
    row.name.hidden = true;
    row.name.after(input);
    row.li.classList.add('editing');
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.commitRename(row);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.endRename(row, true);
      }
    });
    input.addEventListener('blur', () => {
      if (this.reordering) return;
      // Let a click on another control in this row run first.
      setTimeout(() => {
        if (row.renaming && row.renaming.input === input && document.activeElement !== input) this.commitRename(row);
      }, 0);
    });
    input.focus();
    input.select();
  }

  endRename(row, refocus) {
    if (!row.renaming) return;
    const { input } = row.renaming;
    row.renaming = null;
    const hadFocus = document.activeElement === input;
    input.remove();
    row.name.hidden = false;
    row.li.classList.remove('editing');
    if (refocus || hadFocus) row.renameBtn.focus();
    this.render();
  }

  async commitRename(row) {
    if (!row.renaming) return;
    const value = row.renaming.input.value.trim();
    const s = this.client.state.scores.get(row.id);
    if (!s || !value || value === s.player) {
      if (!value) toast('A player needs a name.', { kind: 'info' });
      this.endRename(row, false);
      return;
    }
    if (charCount(value) > this.maxPlayer) {
      toast(`Player names are at most ${this.maxPlayer} characters.`);
      row.renaming.input.focus();
      return;
    }
    row.pendingName = value;
    row.pendingUntil = null;
    this.endRename(row, false);
    try {
      const reply = await this.client.request('score.update', { id: row.id, player: value });
      // Keep showing the new name until the event with this version lands.
      const v = reply.data && reply.data.version;
      const cur = this.client.state.scores.get(row.id);
      if (row.pendingName === value) {
        if (typeof v === 'number' && cur && cur.version < v) row.pendingUntil = v;
        else row.pendingName = null;
      }
    } catch (err) {
      if (row.pendingName === value) row.pendingName = null;
      toast(`Could not rename ${s.player}: ${err.message}`);
    } finally {
      this.render();
    }
  }

  // ------------------------------------------------------------ rendering

  /** Schedules a render for the next frame (coalesced). */
  render() {
    this.schedule();
  }

  createRow(id) {
    const name = h('span', { class: 'score-name', 'data-testid': 'score-name' });
    const av = h('span', { class: 'avatar-slot' });
    const fill = h('span', { class: 'bar-fill' });
    const zero = h('span', { class: 'bar-zero' });
    const bar = h('div', { class: 'bar', 'aria-hidden': 'true' }, zero, fill);
    const rank = h('span', { class: 'rank' });
    const points = h('span', { class: 'score-points', 'data-testid': 'score-points' });
    const dec = h('button', { type: 'button', class: 'step step-minus', 'data-testid': 'score-dec-1' }, '\u22121');
    const inc1 = h('button', { type: 'button', class: 'step step-plus', 'data-testid': 'score-inc-1' }, '+1');
    const inc5 = h('button', { type: 'button', class: 'step step-plus', 'data-testid': 'score-inc-5' }, '+5');
    const renameBtn = h('button', { type: 'button', class: 'icon-btn', 'data-testid': 'score-rename' }, icon('pencil'));
    const delBtn = h('button', { type: 'button', class: 'icon-btn icon-danger', 'data-testid': 'score-delete' }, icon('trash'));
    const li = h(
      'li',
      { class: 'score-row', 'data-testid': 'score-row', 'data-id': String(id) },
      rank,
      h('div', { class: 'score-main' }, h('div', { class: 'score-name-line' }, av, name), bar),
      points,
      h('div', { class: 'score-actions' }, dec, inc1, inc5, h('span', { class: 'actions-gap' }), renameBtn, delBtn),
    );
    return { id, li, name, av, fill, zero, bar, rank, points, dec, inc1, inc5, renameBtn, delBtn, shown: null, player: null, renaming: null, pendingName: null, pendingUntil: null, anim: null };
  }

  updateRow(row, s, pts, rank, range) {
    if (row.pendingName !== null && row.pendingUntil !== null && s.version >= row.pendingUntil) {
      row.pendingName = null;
      row.pendingUntil = null;
    }
    const player = row.pendingName ?? s.player;
    row.li.dataset.player = s.player;
    row.name.classList.toggle('pending', row.pendingName !== null);
    if (row.player !== player) {
      row.player = player;
      if (!row.renaming) setText(row.name, player);
      row.av.replaceChildren(avatar(player));
      row.dec.setAttribute('aria-label', `Remove 1 point from ${player}`);
      row.inc1.setAttribute('aria-label', `Add 1 point to ${player}`);
      row.inc5.setAttribute('aria-label', `Add 5 points to ${player}`);
      row.renameBtn.setAttribute('aria-label', `Rename ${player}`);
      row.delBtn.setAttribute('aria-label', `Delete ${player}`);
    }
    setText(row.rank, String(rank));
    row.li.dataset.rank = String(rank);
    row.li.classList.toggle('negative', pts < 0);
    if (row.shown !== pts) {
      if (row.shown !== null && !this.firstRender) flash(row.points, pts > row.shown ? 'flash-up' : 'flash-down');
      row.shown = pts;
      setText(row.points, String(pts));
      row.points.setAttribute('title', `${pts} point${Math.abs(pts) === 1 ? '' : 's'}`);
    }
    // Bar: from the zero line to the value, scaled to the widest value, so
    // the leader fills the track and negative points grow to the left.
    const { min, span } = range;
    const zero = ((0 - min) / span) * 100;
    const at = ((pts - min) / span) * 100;
    row.fill.style.left = `${Math.min(zero, at).toFixed(3)}%`;
    row.fill.style.width = `${Math.abs(at - zero).toFixed(3)}%`;
    row.fill.classList.toggle('neg', pts < 0);
    row.bar.classList.toggle('has-negative', min < 0);
    row.zero.style.left = `${zero.toFixed(3)}%`;
  }

  renderNow() {
    const { list, empty, meta } = this.els;
    const scores = [...this.client.state.scores.values()].map((s) => ({ s, pts: this.displayed(s) }));
    scores.sort((a, b) => compareScores({ id: a.s.id, points: a.pts }, { id: b.s.id, points: b.pts }));

    const animate = !this.firstRender && !reducedMotion() && list.isConnected;
    const first = new Map();
    if (animate) for (const [id, row] of this.rows) first.set(id, row.li.getBoundingClientRect().top);

    // Remove rows that are gone.
    for (const [id, row] of this.rows) {
      if (!this.client.state.scores.has(id)) {
        if (row.anim) row.anim.cancel();
        this.animDone(row);
        row.li.remove();
        this.rows.delete(id);
      }
    }

    let max = 0;
    let min = 0;
    for (const { pts } of scores) {
      if (pts > max) max = pts;
      if (pts < min) min = pts;
    }
    const range = { min, span: max - min || 1 };

    const order = [];
    scores.forEach(({ s, pts }, i) => {
      let row = this.rows.get(s.id);
      if (!row) {
        row = this.createRow(s.id);
        this.rows.set(s.id, row);
        if (!this.firstRender) row.li.classList.add('entering');
      }
      this.updateRow(row, s, pts, i + 1, range);
      row.li.classList.toggle('leader', i === 0 && pts > 0);
      order.push(row.li);
    });

    this.reorder(list, order);

    if (animate) {
      // The row the user is pressing jumps straight to its new place so the
      // next click lands on it; the others slide (FLIP).
      const pinned = Date.now() - this.touched.at < 1000 ? this.touched.id : null;
      for (const [id, top] of first) {
        const row = this.rows.get(id);
        if (!row) continue;
        if (row.anim) {
          row.anim.cancel();
          this.animDone(row);
        }
        if (id === pinned) continue;
        const dy = top - row.li.getBoundingClientRect().top;
        if (Math.abs(dy) > 0.5 && typeof row.li.animate === 'function') {
          row.anim = row.li.animate([{ transform: `translateY(${dy}px)` }, { transform: 'translateY(0)' }], {
            duration: FLIP_MS,
            easing: 'cubic-bezier(0.2, 0.8, 0.2, 1)',
          });
          // Rising rows pass over falling ones; falling rows let clicks
          // through so a click never lands on a row sliding past.
          row.li.classList.add('moving', dy > 0 ? 'rising' : 'falling');
          this.animating.add(row.id);
          list.dataset.animating = 'true';
          const a = row.anim;
          a.onfinish = a.oncancel = () => {
            if (row.anim === a) this.animDone(row);
          };
        }
      }
    }

    empty.hidden = scores.length > 0;
    const leader = scores[0];
    setText(
      meta,
      scores.length === 0
        ? 'no players'
        : `${scores.length} player${scores.length === 1 ? '' : 's'}` + (leader && leader.pts > 0 ? ` \u00b7 ${leader.s.player} leads` : ''),
    );
    this.firstRender = false;
  }

  animDone(row) {
    row.anim = null;
    row.li.classList.remove('moving', 'rising', 'falling');
    this.animating.delete(row.id);
    if (this.animating.size === 0) delete this.els.list.dataset.animating;
  }

  /** Puts children in the given order with as few moves as possible, keeping focus. */
  reorder(parent, order) {
    const active = document.activeElement;
    const sel = active && 'selectionStart' in active ? [active.selectionStart, active.selectionEnd] : null;
    this.reordering = true;
    try {
      let cur = parent.firstElementChild;
      for (const el of order) {
        if (el === cur) {
          cur = cur.nextElementSibling;
          continue;
        }
        if (typeof parent.moveBefore === 'function' && el.isConnected) {
          try {
            parent.moveBefore(el, cur);
          } catch {
            parent.insertBefore(el, cur);
          }
        } else {
          parent.insertBefore(el, cur);
        }
      }
    } finally {
      this.reordering = false;
    }
    if (active && active !== document.activeElement && active.isConnected && typeof active.focus === 'function') {
      active.focus({ preventScroll: true });
      if (sel) {
        try {
          active.setSelectionRange(sel[0], sel[1]);
        } catch {
          /* not a text input */
        }
      }
    }
  }
}

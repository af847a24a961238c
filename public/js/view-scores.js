// Scoreboard: ranked rows with bars, +1/+5/-1 shown at once (before the
// server confirms), rename in place, delete with confirmation. Rows slide
// to their new rank (flip.js); optimistic values live in scores-state.js.

import { compareScores } from './records.js';
import { frameScheduler, reducedMotion, setText } from './dom.js';
import { toast } from './toast.js';
import { charCount } from './limits.js';
import { showFieldError } from './field-error.js';
import { OptimisticScores } from './scores-state.js';
import { Flip } from './flip.js';
import { OrderHold } from './order-hold.js';
import { reorderChildren } from './reorder.js';
import { inlineEditor } from './inline-edit.js';
import { createScoreRow, paintScoreRow, barRange } from './score-row.js';

const FLIP_MS = 300;
// A row pressed this recently jumps to its new place instead of sliding, so
// that the next click lands on it.
const PRESSED_MS = 1000;

export class ScoresView {
  /**
   * @param {import('./client.js').LivedashClient} client
   * @param {{list: HTMLElement, empty: HTMLElement, meta: HTMLElement, form: HTMLFormElement}} els
   * @param {{readOnly?: boolean}} [opts] readOnly: rows without controls (presentation mode)
   */
  constructor(client, els, { readOnly = false } = {}) {
    this.client = client;
    this.els = els;
    this.maxPlayer = client.limits.player;
    this.input = els.form.querySelector('#add-player-name');
    this.input.maxLength = this.maxPlayer;
    this.readOnly = readOnly;
    this.rows = new Map(); // score id -> row (score-row.js)
    this.optimistic = new OptimisticScores();
    this.flip = new Flip(els.list, FLIP_MS);
    this.schedule = frameScheduler(() => this.renderNow());
    this.firstRender = true;
    this.pressed = { id: null, at: 0 };
    this.hold = new OrderHold(els.list, () => this.render());
    // Offline, our increments wait: their values show as not saved.
    client.addEventListener('status', () => {
      if (!client.live) this.optimistic.queueUnacked();
      this.render();
    });

    const press = (e) => {
      const li = e.target.closest && e.target.closest('.score-row');
      if (li) this.pressed = { id: Number(li.dataset.id), at: Date.now() };
    };
    for (const type of ['pointerdown', 'keydown', 'click']) els.list.addEventListener(type, press, true);
    els.list.addEventListener('click', (e) => this.onClick(e));
    els.form.addEventListener('submit', (e) => this.onAdd(e));
  }

  // ------------------------------------------------------------ data in

  /** Called for every applied event, before render. */
  onEvent(ev) {
    this.optimistic.onEvent(ev, this.client.state, this.client.me);
  }

  /** Called after a snapshot (re)load. */
  onSnapshot() {
    this.optimistic.onSnapshot(this.client.state);
  }

  // -------------------------------------------------------------- actions

  onClick(e) {
    const btn = e.target.closest('button[data-action]');
    const li = btn && btn.closest('.score-row');
    const row = li && this.rows.get(Number(li.dataset.id));
    if (!row) return;
    switch (btn.dataset.action) {
      case 'increment':
        this.increment(row.id, Number(btn.dataset.by));
        break;
      case 'rename':
        this.startRename(row);
        break;
      case 'delete':
        this.delete(row.id);
        break;
      default:
    }
  }

  increment(id, by) {
    const score = this.client.state.scores.get(id);
    if (!score) return;
    const p = this.client.request('score.increment', { id, by });
    const key = p.requestId;
    this.optimistic.incrementSent(key, id, by, !this.client.live);
    this.renderNow(); // at once: the click must feel instant
    p.then(
      (reply) => {
        if (this.optimistic.incrementAcked(key, reply.seq, this.client.state.seq)) this.render();
      },
      (err) => {
        if (this.optimistic.incrementFailed(key)) this.render();
        const who = (this.client.state.scores.get(id) || score).player;
        toast(`Could not change ${who}'s points: ${err.message}`);
      },
    );
  }

  tooLong() {
    return `Player names are at most ${this.maxPlayer} characters.`;
  }

  async onAdd(e) {
    e.preventDefault();
    const input = this.input;
    const player = input.value.trim();
    if (!player) {
      showFieldError(input, 'Enter a player name first.');
      return;
    }
    if (charCount(player) > this.maxPlayer) {
      showFieldError(input, this.tooLong());
      return;
    }
    // Whether the name is taken is the server's rule (contract: unique under
    // Unicode case folding, "STRASSE" and "straße" are one name), so the
    // page asks it and shows its conflict reply.
    input.value = '';
    if (!this.client.live) toast(`${player} will be added when the connection is back.`, { kind: 'info' });
    try {
      await this.client.request('score.create', { player });
    } catch (err) {
      toast(`Could not add ${player}: ${err.message}`, { testid: err.code === 'conflict' ? 'player-taken' : 'toast' });
      if (!input.value) {
        input.value = player;
        if (err.code === 'conflict') input.select();
      }
    }
  }

  /**
   * Deletes at once, without asking: a delete can be undone (the toast's
   * Undo, Ctrl+Z, the history), and a question before it is only noise.
   */
  async delete(id) {
    const s = this.client.state.scores.get(id);
    if (!s) return;
    try {
      await this.client.request('score.delete', { id });
    } catch (err) {
      if (err.code !== 'not_found') toast(`Could not delete ${s.player}: ${err.message}`);
    }
  }

  // --------------------------------------------------------------- rename

  startRename(row) {
    if (row.editor) {
      row.editor.input.focus();
      return;
    }
    const s = this.client.state.scores.get(row.id);
    if (!s) return;
    row.editor = inlineEditor({
      display: row.name,
      container: row.li,
      value: this.optimistic.name(s).name,
      maxLength: this.maxPlayer,
      label: `New name for ${s.player}`,
      testid: 'score-rename-input',
      spellcheck: false,
      record: { client: this.client, type: 'score', id: row.id },
      onSave: (how) => this.commitRename(row, how),
      onCancel: () => this.endRename(row),
    });
  }

  endRename(row) {
    const editor = row.editor;
    if (!editor) return;
    row.editor = null;
    if (editor.close()) row.renameBtn.focus();
    row.player = null; // repaint the name the editor covered
    this.render();
  }

  /** `how.leaving`: the editor lost the focus, so an error has no field to show under. */
  async commitRename(row, how = { leaving: true }) {
    if (!row.editor) return;
    const value = row.editor.input.value.trim();
    const s = this.client.state.scores.get(row.id);
    if (!s || value === s.player) {
      this.endRename(row);
      return;
    }
    const problem = !value ? 'A player needs a name.' : charCount(value) > this.maxPlayer ? this.tooLong() : '';
    if (problem && how.leaving) {
      toast(`${problem} The name was not changed.`, { kind: 'info' });
      this.endRename(row);
      return;
    }
    if (problem) {
      showFieldError(row.editor.input, problem, row.name.parentElement);
      return;
    }
    this.optimistic.renameSent(row.id, value);
    this.endRename(row);
    try {
      const reply = await this.client.request('score.update', { id: row.id, player: value });
      this.optimistic.renameAcked(row.id, value, reply.data && reply.data.version, this.client.state);
    } catch (err) {
      this.optimistic.renameFailed(row.id, value);
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

  renderNow() {
    const { list, empty, meta } = this.els;
    const scores = this.client.state.scores;
    const sorted = [...scores.values()].map((s) => ({ s, points: this.optimistic.points(s) }));
    sorted.sort((a, b) => compareScores({ id: a.s.id, points: a.points }, { id: b.s.id, points: b.points }));
    // Ranks follow the rows as shown: while a click burst holds the order,
    // a row keeps its place and its number until the list re-sorts.
    const ranked = this.hold.order(sorted, [...list.children].map((li) => Number(li.dataset.id)));

    const animate = !this.firstRender && !reducedMotion() && list.isConnected;
    const tops = animate ? this.flip.measure([...this.rows.values()].map((r) => r.li)) : null;

    for (const [id, row] of this.rows) {
      if (scores.has(id)) continue;
      this.flip.stop(row.li);
      row.li.remove();
      this.rows.delete(id);
    }

    const range = barRange(ranked.map((r) => r.points));
    const order = ranked.map(({ s, points }, i) => {
      let row = this.rows.get(s.id);
      if (!row) {
        row = createScoreRow(s.id, { readOnly: this.readOnly });
        this.rows.set(s.id, row);
        if (!this.firstRender) row.li.classList.add('entering');
      }
      const { name, pending } = this.optimistic.name(s);
      const unsaved = this.optimistic.hasUnsaved(s.id) ? this.optimistic.unsaved(s.id) : null;
      paintScoreRow(row, { player: s.player, name, pending, points, unsaved, rank: i + 1, leader: i === 0 && points > 0, range, animate: !this.firstRender });
      return row.li;
    });
    reorderChildren(list, order);

    if (tops) {
      const pressed = Date.now() - this.pressed.at < PRESSED_MS ? this.rows.get(this.pressed.id) : null;
      this.flip.play(tops, pressed && pressed.li);
    }

    empty.hidden = ranked.length > 0;
    setText(meta, metaText(sorted));
    this.firstRender = false;
  }
}

function metaText(ranked) {
  if (ranked.length === 0) return 'no players';
  const leader = ranked[0];
  const n = `${ranked.length} player${ranked.length === 1 ? '' : 's'}`;
  return leader.points > 0 ? `${n} \u00b7 ${leader.s.player} leads` : n;
}

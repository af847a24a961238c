// Keeps the scoreboard's order still while someone is clicking in it. A
// player who passes another on the third of five quick +1 clicks would
// otherwise slide away from the pointer, and the fourth click would land
// on the neighbour's +1 (measured: 4 of 5 clicks kept, one on the wrong
// player). The values change at once; the rows move to their new ranks
// once the clicking stops (HOLD_MS after the last press) or the pointer
// leaves the list.

export const HOLD_MS = 1000;

export class OrderHold {
  /**
   * @param {HTMLElement} list   the rows' parent
   * @param {Function} release  called when a hold ends (to re-sort)
   */
  constructor(list, release) {
    this.until = 0;
    this.timer = null;
    this.release = release;
    const press = () => this.hold();
    for (const type of ['pointerdown', 'keydown']) list.addEventListener(type, press, true);
    list.addEventListener('pointerleave', () => this.end());
  }

  get active() {
    return Date.now() < this.until;
  }

  hold() {
    this.until = Date.now() + HOLD_MS;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.end(), HOLD_MS);
  }

  end() {
    const was = this.until > 0;
    clearTimeout(this.timer);
    this.timer = null;
    this.until = 0;
    if (was) this.release();
  }

  /**
   * The display order while held: the rows in the order they stand (ids
   * in `shown`), then any new ones in their ranked place at the end.
   * `ranked` is [{s, points}] sorted by rank.
   */
  order(ranked, shown) {
    if (!this.active) return ranked;
    const at = new Map(shown.map((id, i) => [id, i]));
    const kept = ranked.filter((r) => at.has(r.s.id)).sort((a, b) => at.get(a.s.id) - at.get(b.s.id));
    return [...kept, ...ranked.filter((r) => !at.has(r.s.id))];
  }
}

// Our saved item edits that the applied state does not show yet: a row
// keeps showing the text we saved until the event with our version lands,
// and a change of ours does not flash as if someone else made it.
// No DOM here.

export class PendingEdits {
  constructor() {
    this.edits = new Map(); // item id -> {field, value, until}: until = version that holds it
    this.own = new Map(); // item id -> last version we wrote
  }

  /** What to show of an item: its fields with our pending value on top. */
  shown(it) {
    const p = this.edits.get(it.id);
    return {
      name: p && p.field === 'name' ? p.value : it.name,
      description: p && p.field === 'description' ? p.value : it.description || '',
      pending: p ? p.field : null,
    };
  }

  /** The value being saved for a field, if any. */
  value(id, field) {
    const p = this.edits.get(id);
    return p && p.field === field ? p.value : undefined;
  }

  /** Records a save; returns its token for acked/failed. */
  sent(id, field, value) {
    const edit = { field, value, until: null };
    this.edits.set(id, edit);
    return edit;
  }

  /** The save is `version` on the server: shown until the state has it. */
  acked(id, edit, version, state) {
    if (typeof version === 'number') this.own.set(id, version);
    if (this.edits.get(id) !== edit) return; // a later save replaced it
    edit.until = typeof version === 'number' ? version : 0;
    this.settle(id, state);
  }

  failed(id, edit) {
    if (this.edits.get(id) === edit) this.edits.delete(id);
  }

  /** Whether this version of the item is our own write. */
  isOwn(id, version) {
    return this.own.get(id) === version;
  }

  /** Drops what the state now holds (call after events and snapshots). */
  settle(id, state) {
    const p = this.edits.get(id);
    const it = state.items.get(id);
    if (p && p.until !== null && (!it || it.version >= p.until)) this.edits.delete(id);
    if (!it) this.own.delete(id);
  }
}

// The shared state as the client holds it: {seq, epoch, loaded, items, scores},
// records in Maps kept in the contract's list order, and how events change it.

/** The contract's list orders. */
export function compareScores(a, b) {
  return (b.points - a.points) || (a.id - b.id);
}
function compareItems(a, b) {
  return a.id - b.id;
}

/** An empty state. JSON.stringify gives {seq, epoch, items, scores} as lists. */
export function emptyState() {
  const state = { seq: 0, epoch: null, items: new Map(), scores: new Map(), loaded: false };
  Object.defineProperty(state, 'toJSON', {
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
  return state;
}

function refill(map, list, compare) {
  map.clear();
  const records = (Array.isArray(list) ? list : []).filter((r) => r && typeof r.id === 'number');
  for (const r of records.sort(compare)) map.set(r.id, r);
}

/** Replaces everything in state with a snapshot (GET /api/state). */
export function applySnapshot(state, snap) {
  state.seq = snap.seq;
  state.epoch = snap.epoch || null;
  refill(state.items, snap.items, compareItems);
  refill(state.scores, snap.scores, compareScores);
  state.loaded = true;
}

/**
 * Applies one event and returns what was there before: the record, or
 * {items, scores} for state.reset.
 */
export function applyEvent(state, ev) {
  const d = ev.data || {};
  let prev;
  switch (ev.type) {
    case 'item.created':
    case 'item.updated':
    case 'item.deleted':
    case 'score.created':
    case 'score.updated':
    case 'score.deleted': {
      // "item.updated" -> the items map; a delete removes, the rest put.
      const records = ev.type.startsWith('item.') ? state.items : state.scores;
      prev = records.get(d.id);
      if (ev.type.endsWith('.deleted')) records.delete(d.id);
      else records.set(d.id, d);
      break;
    }
    case 'state.reset':
      prev = { items: [...state.items.values()], scores: [...state.scores.values()] };
      refill(state.items, d.items, compareItems);
      refill(state.scores, d.scores, compareScores);
      break;
    default:
      // An event type this page does not know still consumes its seq.
      break;
  }
  state.seq = ev.seq;
  return prev;
}

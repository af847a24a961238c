// What happened, in words: the one place that words events, for the
// activity feed (sentences), the history drawer and the toasts (short lines
// of what changed, refused undos). Views call these and never word an event
// themselves, so a person, a count of points or a rename reads the same
// everywhere.

import { personId } from './ids.js';

/** "1 point", "5 points", "-1 point". */
export function pts(n) {
  return `${n} point${Math.abs(n) === 1 ? '' : 's'}`;
}

/** "just now", "3 s ago", "4 min ago", "2 h ago", "3 d ago". */
export function relTime(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr} h ago`;
  return `${Math.floor(hr / 24)} d ago`;
}

/**
 * Who made a change, the one rule for naming an event's actor: "You" when
 * its public id is `me` (ours, from the welcome; null before it), else its
 * name, else "Someone" for a person who gave no name, else "A script" (no
 * public id: a REST call without X-Livedash-Client, or the server itself).
 */
export function actorName(actor, me) {
  const id = personId(actor);
  if (id && id === me) return 'You';
  if (actor && actor.name) return actor.name;
  return id ? 'Someone' : 'A script';
}

/**
 * Whether the server made the change itself, as with the demo data of a new
 * database: no actor (how contract 1.1 marks the server's own changes), or
 * an actor named "livedash" with no public id (how databases made before
 * this server followed 1.1 there recorded the demo data they start with).
 */
function bySelf(ev) {
  const a = ev.actor;
  return !a || (!personId(a) && a.name === 'livedash');
}

/**
 * An event as one sentence for the activity feed: {kind, parts}, parts
 * being strings or {t, cls} for emphasised names. prev is the record before
 * the change (if known); me is our public id.
 */
export function sentence(ev, prev, me) {
  const d = ev.data || {};
  const who = { t: actorName(ev.actor, me), cls: 'who' };
  const b = (t) => ({ t: String(t), cls: 'what' });
  switch (ev.type) {
    case 'score.created':
      return { kind: 'score', parts: [who, ' added player ', b(d.player), d.points ? ` with ${pts(d.points)}` : ''] };
    case 'score.updated': {
      const parts = [who];
      const delta = typeof ev.delta === 'number' ? ev.delta : null;
      const renamed = prev && prev.player !== d.player;
      if (delta !== null && !renamed) {
        if (delta >= 0) parts.push(` added ${pts(delta)} to `, b(d.player));
        else parts.push(` removed ${pts(-delta)} from `, b(d.player));
        return { kind: delta >= 0 ? 'up' : 'down', parts };
      }
      const bits = [];
      if (renamed) bits.push([' renamed player ', b(prev.player), ' to ', b(d.player)]);
      if (prev && prev.points !== d.points && delta === null) {
        bits.push(renamed ? [` and set the points to ${d.points}`] : [' set ', b(d.player), `\u2019s points to ${d.points}`]);
      } else if (delta !== null && renamed) {
        bits.push([delta >= 0 ? ` and added ${pts(delta)}` : ` and removed ${pts(-delta)}`]);
      }
      if (bits.length === 0) bits.push([' updated player ', b(d.player)]);
      for (const x of bits) parts.push(...x);
      return { kind: 'score', parts };
    }
    case 'score.deleted':
      // A delete's event carries the record as it was (before): a page that
      // never saw the player (a reload) still names it.
      return { kind: 'delete', parts: [who, ' removed player ', b(formerly(prev, ev, 'player', d.id))] };
    case 'item.created':
      return { kind: 'item', parts: [who, ' added item ', b(d.name)] };
    case 'item.updated': {
      const parts = [who];
      const renamed = prev && prev.name !== d.name;
      const described = prev && (prev.description || '') !== (d.description || '');
      if (renamed) {
        parts.push(' renamed item ', b(prev.name), ' to ', b(d.name));
        if (described) parts.push(' and edited its description');
      } else if (described) {
        parts.push(' edited the description of ', b(d.name));
      } else {
        parts.push(' updated item ', b(d.name));
      }
      return { kind: 'item', parts };
    }
    case 'item.deleted':
      return { kind: 'delete', parts: [who, ' deleted item ', b(formerly(prev, ev, 'name', d.id))] };
    case 'state.reset':
      if (bySelf(ev)) return { kind: 'reset', parts: ['Demo data loaded'] };
      return { kind: 'reset', parts: [who, ' reset the demo'] };
    default:
      return { kind: 'other', parts: [who, ` made a change (${ev.type})`] };
  }
}

/** A deleted record's field, from what the page knew or the event's before. */
function formerly(prev, ev, field, id) {
  const was = prev || ev.before;
  return was && was[field] ? was[field] : `#${id}`;
}

/**
 * What one event of a record changed, as short lines for the history
 * drawer, where the record is named above them ("name: Projector →
 * Beamer", "+5 points"); the
 * record before comes from the event's own `before` (contract 1.1).
 */
export function changeLines(ev) {
  const d = ev.data || {};
  const b = ev.before || null;
  const lines = [];
  // An undo names no seq: "undid change #6" read like "item #6".
  if (ev.undo_of) lines.push('undid an earlier change');
  switch (ev.type) {
    case 'item.created':
      lines.push(`created “${d.name}”`);
      break;
    case 'score.created':
      lines.push(`added ${d.player} with ${pts(d.points)}`);
      break;
    case 'item.deleted':
      lines.push(b ? `deleted “${b.name}”` : 'deleted');
      break;
    case 'score.deleted':
      lines.push(b ? `removed ${b.player} (${pts(b.points)})` : 'removed');
      break;
    case 'item.updated':
    case 'score.updated':
      if (typeof ev.delta === 'number') {
        // The values too: "+5 points" alone does not say where it left them.
        const after = typeof d.points === 'number' ? ` (${d.points - ev.delta} \u2192 ${d.points})` : '';
        lines.push(`${ev.delta > 0 ? '+' : '\u2212'}${pts(Math.abs(ev.delta))}${after}`);
        break;
      }
      for (const f of ev.type === 'item.updated' ? ['name', 'description', 'player'] : ['player', 'points']) {
        if (!(f in d) || !b || b[f] === d[f]) continue;
        lines.push(`${f}: ${b[f] === '' ? '(empty)' : b[f]} \u2192 ${d[f] === '' ? '(empty)' : d[f]}`);
      }
      if (lines.length === (ev.undo_of ? 1 : 0)) lines.push('changed');
      break;
    default:
  }
  return lines;
}

/**
 * A change for the undo toast: who, then what changed of which record, named
 * as the feed names it, with the values where the feed has none: "You: +1
 * point to Carol (28 → 29)", "You: renamed item Kettle to Teapot", "You:
 * edited the description of Kettle (“Descale on Fridays” → “Descaled”)",
 * "You: deleted item Projector". A toast has no row around it to say which.
 */
export function changeSummary(ev, me) {
  const who = actorName(ev.actor, me);
  const d = ev.data || {};
  const b = ev.before || null;
  if (ev.type === 'score.updated' && typeof ev.delta === 'number' && (!b || b.player === d.player)) {
    const up = ev.delta >= 0;
    const values = typeof d.points === 'number' ? ` (${d.points - ev.delta} \u2192 ${d.points})` : '';
    return `${who}: ${up ? '+' : '\u2212'}${pts(Math.abs(ev.delta))} ${up ? 'to' : 'from'} ${d.player}${values}`;
  }
  const { parts } = sentence(ev, b, me);
  const rest = parts[0] && parts[0].cls === 'who' ? parts.slice(1) : parts;
  let text = `${who}:${rest.map((p) => (typeof p === 'string' ? p : p.t)).join('')}`;
  if (ev.type === 'item.updated' && b && b.name === d.name && (b.description || '') !== (d.description || '')) {
    const q = (t) => (t ? `\u201c${clip(t)}\u201d` : 'none');
    text += ` (${q(b.description)} \u2192 ${q(d.description)})`;
  }
  return text;
}

// A long description would fill the toast: its start says which one it was.
function clip(t, n = 48) {
  return t.length > n ? `${t.slice(0, n - 1)}\u2026` : t;
}

/**
 * Why an undo of ev was refused, from the error of the reply. since is, for
 * a version conflict, the latest later event of the record (null when none
 * could be found) and undefined otherwise; me is our public id.
 */
export function undoRefusal(ev, err, since, me) {
  const code = err && err.code;
  if (code === 'not_found') return 'That change is too old to undo: it is no longer in the log.';
  if (code === 'invalid' && err.field === 'seq') {
    if (ev.type === 'state.reset') return 'A reset cannot be undone.';
    if (/range/.test(err.message || '')) return 'Undoing that would take the points out of range.';
    return 'That change is from before the last reset; it cannot be undone.';
  }
  if (code === 'conflict' && (err.field === 'player' || err.field === 'id')) {
    return `Cannot undo: ${err.message}. Rename or remove the other one first.`;
  }
  if (code === 'conflict' && since !== undefined) {
    const who = since ? actorName(since.actor, me) : 'Someone';
    const what = since && since.type.endsWith('.deleted') ? 'deleted it' : 'changed it again';
    return `${who} ${what} since; open its history.`;
  }
  return `Could not undo: ${(err && err.message) || err}`;
}

/**
 * Who changed a record last and when, for its row: "Alice · just now",
 * "You · 2 min", "A script · 3 h"; "" for the server's own changes (the
 * demo data), which no one made. ago is in ms.
 */
export function lastChangeLine(ev, me, ago) {
  if (bySelf(ev)) return '';
  const m = Math.floor(Math.max(0, ago) / 60000);
  let when = 'just now';
  if (m >= 1440) when = `${Math.floor(m / 1440)} d`;
  else if (m >= 60) when = `${Math.floor(m / 60)} h`;
  else if (m >= 1) when = `${m} min`;
  return `${actorName(ev.actor, me)} \u00b7 ${when}`;
}

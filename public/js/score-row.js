// One scoreboard row: built once per score, then painted with what to show.
// Buttons say what they do in data-action; data-testid is for tests only.

import { h, setText, flash } from './dom.js';
import { icon } from './icons.js';
import { avatar } from './avatar.js';
import { playerColor, playerHue } from './colors.js';

/** `readOnly`: a row to look at (presentation mode): no buttons, the name no button. */
export function createScoreRow(id, { readOnly = false } = {}) {
  const step = (by, cls, testid, text) =>
    h('button', { type: 'button', class: `step ${cls}`, 'data-action': 'increment', 'data-by': String(by), 'data-testid': testid }, text);
  const name = readOnly
    ? h('span', { class: 'score-name', 'data-testid': 'score-name' })
    : h('span', { class: 'score-name', 'data-testid': 'score-name', 'data-action': 'history', role: 'button', tabindex: '0', title: 'Show the history' });
  const spark = h('span', { class: 'spark-slot', 'data-testid': 'score-spark', 'aria-hidden': 'true' });
  const unsavedTag = h('span', { class: 'pending-tag', 'data-testid': 'score-pending', hidden: true });
  const av = h('span', { class: 'avatar-slot' });
  const fill = h('span', { class: 'bar-fill' });
  const zero = h('span', { class: 'bar-zero' });
  const bar = h('div', { class: 'bar', 'aria-hidden': 'true' }, zero, fill);
  const rank = h('span', { class: 'rank' });
  const points = h('span', { class: 'score-points', 'data-testid': 'score-points' });
  const dec = step(-1, 'step-minus', 'score-dec-1', '\u22121');
  const inc1 = step(1, 'step-plus', 'score-inc-1', '+1');
  const inc5 = step(5, 'step-plus', 'score-inc-5', '+5');
  const renameBtn = h('button', { type: 'button', class: 'icon-btn', 'data-action': 'rename', 'data-testid': 'score-rename' }, icon('pencil'));
  const delBtn = h('button', { type: 'button', class: 'icon-btn icon-danger', 'data-action': 'delete', 'data-testid': 'score-delete' }, icon('trash'));
  const li = h(
    'li',
    { class: 'score-row', 'data-testid': 'score-row', 'data-id': String(id), 'data-color': playerColor(id) },
    rank,
    h('div', { class: 'score-main' }, h('div', { class: 'score-name-line' }, av, name, unsavedTag, spark), bar),
    points,
    readOnly ? null : h('div', { class: 'score-actions' }, dec, inc1, inc5, h('span', { class: 'actions-gap' }), renameBtn, delBtn),
  );
  li.style.setProperty('--hue', String(playerHue(id)));
  return { id, li, name, av, unsavedTag, fill, zero, bar, rank, points, dec, inc1, inc5, renameBtn, delBtn, shown: null, player: null, editor: null };
}

/**
 * Paints a row. `player` is the server's name (data-player, for tests and
 * lookups), `name` what to show; `unsaved` the part of `points` that waits
 * for the connection (null: none); `range` {min, span} scales the bars;
 * `animate` flashes changed points.
 */
export function paintScoreRow(row, { player, name, pending, points, unsaved, rank, leader, range, animate }) {
  row.li.dataset.player = player;
  row.name.classList.toggle('pending', pending);
  if (row.player !== name) {
    row.player = name;
    if (!row.editor) setText(row.name, name);
    row.av.replaceChildren(avatar(name, playerHue(row.id)));
    row.dec.setAttribute('aria-label', `Remove 1 point from ${name}`);
    row.inc1.setAttribute('aria-label', `Add 1 point to ${name}`);
    row.inc5.setAttribute('aria-label', `Add 5 points to ${name}`);
    row.renameBtn.setAttribute('aria-label', `Rename ${name}`);
    row.delBtn.setAttribute('aria-label', `Delete ${name}`);
  }
  setText(row.rank, String(rank));
  row.li.dataset.rank = String(rank);
  row.li.classList.toggle('negative', points < 0);
  row.li.classList.toggle('leader', leader);
  if (row.shown !== points) {
    if (row.shown !== null && animate) flash(row.points, points > row.shown ? 'flash-up' : 'flash-down');
    row.shown = points;
    setText(row.points, String(points));
  }
  paintUnsaved(row, points, unsaved);
  paintBar(row, points, range);
}

function paintUnsaved(row, points, unsaved) {
  const waits = unsaved !== null && unsaved !== undefined;
  const tag = waits ? `${unsaved >= 0 ? '+' : '\u2212'}${Math.abs(unsaved)} not saved` : '';
  row.points.classList.toggle('unsaved', waits);
  row.unsavedTag.hidden = !waits;
  setText(row.unsavedTag, tag);
  const title = `${points} point${Math.abs(points) === 1 ? '' : 's'}`;
  row.points.setAttribute('title', waits ? `${title}, ${tag}: waiting for the connection` : title);
}

// From the zero line to the value, scaled to the widest value, so that the
// leader fills the track and negative points grow to the left.
function paintBar(row, points, { min, span }) {
  const zero = ((0 - min) / span) * 100;
  const at = ((points - min) / span) * 100;
  row.fill.style.left = `${Math.min(zero, at).toFixed(3)}%`;
  row.fill.style.width = `${Math.abs(at - zero).toFixed(3)}%`;
  row.fill.classList.toggle('neg', points < 0);
  row.bar.classList.toggle('has-negative', min < 0);
  row.zero.style.left = `${zero.toFixed(3)}%`;
}

/** The bar scale for a list of points: from the lowest (or 0) to the highest (or 0). */
export function barRange(allPoints) {
  let max = 0;
  let min = 0;
  for (const p of allPoints) {
    if (p > max) max = p;
    if (p < min) min = p;
  }
  return { min, span: max - min || 1 };
}

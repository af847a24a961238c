// Keyboard moves in a list of rows, as in a grid (roving tabindex): each row
// is one tab stop, the control last used in it (the first at the start);
// Left/Right move between the row's controls, Home/End to its first and
// last, Up/Down to the same place in the row above or below. Tab leaves the
// row. Without this a player row alone took six tab stops.
//
// Rows are found by `rowSel` in `container`, controls by [data-action]
// inside a row; the views add and move rows, so a row's tab stop is settled
// when it is added, and every row's before every Tab press (a role change
// can hide the control that was the stop).

const KEYS = new Set(['ArrowLeft', 'ArrowRight', 'Home', 'End', 'ArrowUp', 'ArrowDown']);

export function setupRowKeys(container, rowSel) {
  // The control that is each row's tab stop. A WeakMap: rows come and go.
  const current = new WeakMap();
  const rows = () => [...container.querySelectorAll(rowSel)];
  const controls = (row) => [...row.querySelectorAll('[data-action]')].filter((el) => !el.disabled && el.getClientRects().length > 0);

  const settle = (row) => {
    const list = controls(row);
    if (list.length === 0) return;
    let stop = current.get(row);
    if (!list.includes(stop)) stop = list[0];
    for (const el of row.querySelectorAll('[data-action]')) el.tabIndex = el === stop ? 0 : -1;
  };
  const settleAll = () => rows().forEach(settle);

  container.addEventListener('focusin', (e) => {
    const row = e.target.closest(rowSel);
    if (!row || !e.target.matches('[data-action]')) return;
    current.set(row, e.target);
    settle(row);
  });

  container.addEventListener('keydown', (e) => {
    if (!KEYS.has(e.key) || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const from = e.target;
    const row = from.closest && from.closest(rowSel);
    if (!row || !from.matches('[data-action]')) return; // an editor's input keeps its arrows
    const list = controls(row);
    const at = list.indexOf(from);
    let to = null;
    if (e.key === 'ArrowLeft') to = list[at - 1];
    else if (e.key === 'ArrowRight') to = list[at + 1];
    else if (e.key === 'Home') to = list[0];
    else if (e.key === 'End') to = list[list.length - 1];
    else {
      const all = rows();
      const next = all[all.indexOf(row) + (e.key === 'ArrowUp' ? -1 : 1)];
      if (next) {
        const there = controls(next);
        to = there[Math.min(at, there.length - 1)];
      }
    }
    e.preventDefault(); // no page scroll, also at either end
    if (to) to.focus();
  });

  document.addEventListener(
    'keydown',
    (e) => {
      if (e.key === 'Tab') settleAll();
    },
    true,
  );
  // Only the rows a view adds (or moves) need settling; the others keep
  // their stops. The views reuse rows, so an event that reorders the board
  // costs the rows it moved, not a walk over all of them.
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches(rowSel)) settle(n);
  }).observe(container, { childList: true });
  settleAll();
}

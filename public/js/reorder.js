// Puts a parent's children in a given order with as few moves as possible.
// A move can take the focus away from an input inside a moved element (when
// the browser has no moveBefore); it is given back with its selection, so
// that a live update never interrupts typing.

export function reorderChildren(parent, order) {
  const active = document.activeElement;
  const sel = active && 'selectionStart' in active ? [active.selectionStart, active.selectionEnd] : null;
  let cur = parent.firstElementChild;
  for (const el of order) {
    if (el === cur) {
      cur = cur.nextElementSibling;
      continue;
    }
    move(parent, el, cur);
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

function move(parent, el, before) {
  if (typeof parent.moveBefore === 'function' && el.isConnected) {
    try {
      parent.moveBefore(el, before);
      return;
    } catch {
      /* not movable state-preserving: fall back */
    }
  }
  parent.insertBefore(el, before);
}

// Small DOM helpers shared by the views. All text goes in as text nodes.

/**
 * h('button', {class: 'btn', type: 'button', 'aria-label': 'x'}, 'text', child)
 * Strings become text nodes; attributes are set with setAttribute (never
 * `style`, never HTML), and skipped when undefined, null or false.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') {
        el.className = v;
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces the children of el with a single text node (only if different). */
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

/**
 * Runs fn once at the next animation frame (or after 50 ms when frames are
 * not delivered, e.g. in a hidden tab), coalescing repeated calls.
 */
export function frameScheduler(fn) {
  let pending = false;
  let raf = 0;
  let timer = 0;
  const run = () => {
    if (!pending) return;
    pending = false;
    if (raf && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(raf);
    clearTimeout(timer);
    fn();
  };
  return () => {
    if (pending) return;
    pending = true;
    raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(run) : 0;
    timer = setTimeout(run, 50);
  };
}

/** Whether the user asked for reduced motion. */
export function reducedMotion() {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Restarts a CSS animation class on an element. */
export function flash(el, cls) {
  if (!el) return;
  el.classList.remove('flash-up', 'flash-down', 'flash');
  void el.offsetWidth; // reflow so the animation runs again
  el.classList.add(cls);
  const done = () => {
    el.classList.remove(cls);
    el.removeEventListener('animationend', done);
  };
  el.addEventListener('animationend', done);
  setTimeout(done, 1500);
}

// Small DOM helpers shared by the views. All text goes in as text nodes.

import { charCount } from './limits.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * h('button', {class: 'btn', type: 'button', 'aria-label': 'x', on: {click: f}}, 'text', child)
 * Strings become text nodes; attributes are set with setAttribute (never
 * `style`, never HTML).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'on') {
        for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      } else if (k === 'text') {
        el.textContent = String(v);
      } else if (k === 'class') {
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

const ICONS = {
  plus: ['M12 5v14', 'M5 12h14'],
  minus: ['M5 12h14'],
  pencil: ['M12 20h9', 'M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4Z'],
  trash: ['M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6', 'M10 11v6', 'M14 11v6'],
  sun: ['M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8Z', 'M12 2v2', 'M12 20v2', 'M4.93 4.93l1.41 1.41', 'M17.66 17.66l1.41 1.41', 'M2 12h2', 'M20 12h2', 'M4.93 19.07l1.41-1.41', 'M17.66 6.34l1.41-1.41'],
  moon: ['M21 12.79A9 9 0 1 1 11.21 3a7 7 0 0 0 9.79 9.79Z'],
  reset: ['M3 12a9 9 0 1 0 3-6.7L3 8', 'M3 3v5h5'],
  x: ['M18 6 6 18', 'M6 6l12 12'],
  check: ['M20 6 9 17l-5-5'],
  alert: ['M12 9v4', 'M12 17h.01', 'M10.29 3.86 1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 2 0 0 0-3.42 0Z'],
  users: ['M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2', 'M9 3a4 4 0 1 0 0 8a4 4 0 1 0 0-8Z', 'M23 21v-2a4 4 0 0 0-3-3.87', 'M16 3.13a4 4 0 0 1 0 7.75'],
  bolt: ['M13 2 3 14h9l-1 8 10-12h-9l1-8Z'],
  trophy: ['M8 21h8', 'M12 17v4', 'M7 4h10v5a5 5 0 0 1-10 0Z', 'M17 5h3v2a3 3 0 0 1-3 3', 'M7 5H4v2a3 3 0 0 0 3 3'],
  box: ['M21 8 12 3 3 8v8l9 5 9-5Z', 'M3 8l9 5 9-5', 'M12 13v8'],
  clock: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18Z', 'M12 7v5l3 2'],
};

/** An inline SVG icon (decorative, aria-hidden). */
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name] || []) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  return svg;
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

/** A stable hue for a string (avatars). */
export function hueOf(str) {
  let x = 0;
  for (const ch of String(str)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return x % 360;
}

/** Up to two initials for an avatar. */
export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  const first = [...parts[0]][0] || '?';
  const second = parts.length > 1 ? [...parts[parts.length - 1]][0] || '' : '';
  return (first + second).toUpperCase();
}

/** A round avatar with initials; colour set through CSSOM (CSP-safe). */
export function avatar(name, extraClass = '') {
  const el = h('span', { class: `avatar ${extraClass}`.trim(), 'aria-hidden': 'true' }, initials(name));
  el.style.setProperty('--hue', String(hueOf(name || '?')));
  return el;
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

// ------------------------------------------------------------------ toasts

let toastHost = null;

/** Shows a short message that goes away by itself. kind: error|info|success. */
export function toast(message, { kind = 'error', timeout = 4500 } = {}) {
  if (!toastHost) toastHost = document.getElementById('toasts');
  if (!toastHost) return;
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss message' }, icon('x'));
  const el = h(
    'div',
    { class: `toast toast-${kind}`, 'data-testid': 'toast', role: kind === 'error' ? 'alert' : 'status' },
    icon(kind === 'error' ? 'alert' : kind === 'success' ? 'check' : 'bolt', 'icon toast-icon'),
    h('span', { class: 'toast-text' }, message),
    close,
  );
  let gone = false;
  const remove = () => {
    if (gone) return;
    gone = true;
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 250);
  };
  close.addEventListener('click', remove);
  toastHost.appendChild(el);
  while (toastHost.children.length > 4) toastHost.firstElementChild.remove();
  setTimeout(remove, timeout);
  return remove;
}

// ----------------------------------------------------------------- dialogs

function showDialog(dlg) {
  if (typeof dlg.showModal === 'function') {
    if (!dlg.open) dlg.showModal();
  } else {
    dlg.setAttribute('open', '');
  }
}

/**
 * Opens a modal dialog. Escape (or the browser closing it by itself) calls
 * onCancelRequested; when that does not close it, the dialog is shown again.
 * Returns a function that closes it.
 */
function openDialog(dlg, { initialFocus, onCancelRequested } = {}) {
  let closing = false;
  showDialog(dlg);
  if (initialFocus) setTimeout(() => initialFocus.focus(), 0);
  const onCancel = (e) => {
    e.preventDefault();
    if (onCancelRequested) onCancelRequested();
  };
  const onClose = () => {
    // The close event is queued: one from an earlier closing of this dialog
    // can arrive after it was opened again, and is not about this opening.
    if (closing || dlg.open) return;
    if (onCancelRequested) onCancelRequested();
    if (!closing) {
      showDialog(dlg);
      if (initialFocus) initialFocus.focus();
    }
  };
  dlg.addEventListener('cancel', onCancel);
  dlg.addEventListener('close', onClose);
  return () => {
    closing = true;
    dlg.removeEventListener('cancel', onCancel);
    dlg.removeEventListener('close', onClose);
    if (typeof dlg.close === 'function' && dlg.open) dlg.close();
    else dlg.removeAttribute('open');
  };
}

let confirmBusy = Promise.resolve();

/**
 * In-page confirmation. Resolves true (confirm-yes) or false (confirm-no,
 * Escape). Calls are queued one after another.
 */
export function confirmDialog({ title = 'Are you sure?', message = '', confirmLabel = 'Confirm', danger = true } = {}) {
  const run = () =>
    new Promise((resolve) => {
      const dlg = document.getElementById('confirm-dialog');
      const yes = dlg.querySelector('[data-testid="confirm-yes"]');
      const no = dlg.querySelector('[data-testid="confirm-no"]');
      setText(dlg.querySelector('.dialog-title'), title);
      setText(dlg.querySelector('.dialog-message'), message);
      setText(yes, confirmLabel);
      yes.classList.toggle('btn-danger', danger);
      yes.classList.toggle('btn-primary', !danger);
      const prevFocus = document.activeElement;
      let closeDlg;
      let done = false;
      const finish = (v) => {
        if (done) return;
        done = true;
        yes.removeEventListener('click', onYes);
        no.removeEventListener('click', onNo);
        closeDlg();
        if (prevFocus && prevFocus.isConnected && typeof prevFocus.focus === 'function') prevFocus.focus();
        resolve(v);
      };
      const onYes = (e) => {
        e.preventDefault();
        finish(true);
      };
      const onNo = (e) => {
        e.preventDefault();
        finish(false);
      };
      yes.addEventListener('click', onYes);
      no.addEventListener('click', onNo);
      closeDlg = openDialog(dlg, { initialFocus: no, onCancelRequested: () => finish(false) });
    });
  const p = confirmBusy.then(run);
  confirmBusy = p.catch(() => {});
  return p;
}

/**
 * A one-field form dialog. Resolves with the trimmed value, or null when
 * cancelled (only if `cancellable`).
 */
function formDialog(id, { value = '', error = '', cancellable = true, validate, title, message } = {}) {
  return new Promise((resolve) => {
    const dlg = document.getElementById(id);
    const form = dlg.querySelector('form');
    if (title) setText(dlg.querySelector('.dialog-title'), title);
    if (message) setText(dlg.querySelector('.dialog-message'), message);
    const input = form.querySelector('input');
    const errEl = form.querySelector('.field-error');
    const cancel = form.querySelector('.dialog-cancel');
    input.value = value;
    const showError = (msg) => {
      setText(errEl, msg || '');
      errEl.hidden = !msg;
      input.setAttribute('aria-invalid', msg ? 'true' : 'false');
    };
    showError(error);
    if (cancel) cancel.hidden = !cancellable;
    let closeDlg;
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      form.removeEventListener('submit', onSubmit);
      if (cancel) cancel.removeEventListener('click', onCancel);
      closeDlg();
      resolve(v);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      const v = input.value.trim();
      const msg = validate ? validate(v) : v ? '' : 'Please fill this in.';
      if (msg) {
        showError(msg);
        input.focus();
        return;
      }
      finish(v);
    };
    const onCancel = (e) => {
      e.preventDefault();
      finish(null);
    };
    form.addEventListener('submit', onSubmit);
    if (cancel) cancel.addEventListener('click', onCancel);
    closeDlg = openDialog(dlg, {
      initialFocus: input,
      onCancelRequested: () => {
        if (cancellable) finish(null);
      },
    });
  });
}

/** Asks for a display name of 1..max characters. */
export function askName(current, max, { cancellable = true } = {}) {
  document.getElementById('display-name').maxLength = max;
  return formDialog('name-dialog', {
    value: current,
    cancellable,
    title: current ? 'Change your name' : 'Welcome to livedash',
    message: current ? 'This is the name the others see in \u201cWho is here\u201d and in the activity feed.' : 'What should the others see as your name?',
    validate: (v) => (!v ? 'Please enter a name.' : charCount(v) > max ? `At most ${max} characters.` : ''),
  });
}

/** Asks for the admin token. */
export function askToken({ error = '' } = {}) {
  return formDialog('token-dialog', { error, validate: (v) => (v ? '' : 'Please enter the token.') });
}

/** localStorage / sessionStorage that never throws. */
export function safeStorage(kind) {
  let s = null;
  try {
    s = kind === 'session' ? globalThis.sessionStorage : globalThis.localStorage;
  } catch {
    s = null;
  }
  return {
    get(k) {
      try {
        return s ? s.getItem(k) : null;
      } catch {
        return null;
      }
    },
    set(k, v) {
      try {
        if (s) s.setItem(k, v);
      } catch {
        /* ignore */
      }
    },
    remove(k) {
      try {
        if (s) s.removeItem(k);
      } catch {
        /* ignore */
      }
    },
  };
}

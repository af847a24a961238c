// In-page dialogs (the page never uses alert, confirm or prompt).

import { setText } from './dom.js';
import { charCount } from './limits.js';

function showDialog(dlg) {
  if (typeof dlg.showModal === 'function') {
    if (!dlg.open) dlg.showModal();
  } else {
    dlg.setAttribute('open', '');
  }
}

/**
 * Opens a modal dialog. Escape (or the browser closing it by itself) calls
 * onCancelRequested, which must close it. Returns a function that closes it.
 */
function openDialog(dlg, { initialFocus, onCancelRequested }) {
  let closing = false;
  showDialog(dlg);
  // Selected, so that typing replaces what a field holds.
  setTimeout(() => (initialFocus.select ? initialFocus.select() : initialFocus.focus()), 0);
  const onCancel = (e) => {
    e.preventDefault();
    onCancelRequested();
  };
  const onClose = () => {
    // The close event is queued: one from an earlier closing of this dialog
    // can arrive after it was opened again, and is not about this opening.
    if (closing || dlg.open) return;
    onCancelRequested();
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
      const yes = dlg.querySelector('#confirm-yes');
      const no = dlg.querySelector('#confirm-no');
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

/** A one-field form dialog. Resolves with the trimmed value, or null when cancelled. */
function formDialog(id, { value = '', error = '', validate }) {
  return new Promise((resolve) => {
    const dlg = document.getElementById(id);
    const form = dlg.querySelector('form');
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
    let closeDlg;
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
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
    cancel.addEventListener('click', onCancel);
    closeDlg = openDialog(dlg, { initialFocus: input, onCancelRequested: () => finish(null) });
  });
}

/** Asks for a new display name of 1..max characters; null when cancelled. */
export function askName(current, max) {
  document.getElementById('display-name').maxLength = max;
  return formDialog('name-dialog', {
    value: current,
    validate: (v) => (!v ? 'Please enter a name.' : charCount(v) > max ? `At most ${max} characters.` : ''),
  });
}

/** Asks for the admin token. */
export function askToken({ error = '' } = {}) {
  return formDialog('token-dialog', { error, validate: (v) => (v ? '' : 'Please enter the token.') });
}

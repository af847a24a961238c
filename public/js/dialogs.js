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

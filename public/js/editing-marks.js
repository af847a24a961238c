// "Alice is editing…" on the row someone else has open for editing, from
// presence (contract: Presence, `editing`). Rows are the views'; this only
// adds a mark to each and shows it while another person edits that record.

import { h, setText } from './dom.js';
import { avatar } from './avatar.js';
import { personId } from './ids.js';

/** rows: {item: container of .item-row, score: container of .score-row}. */
export function setupEditingMarks(client, rows) {
  const paint = () => {
    const editors = editorsByRecord(client);
    for (const [type, container] of Object.entries(rows)) {
      for (const row of container.querySelectorAll(`.${type}-row[data-id]`)) {
        const names = client.live ? editors.get(`${type}:${row.dataset.id}`) || [] : [];
        paintMark(row, type, names);
      }
    }
  };
  for (const ev of ['presence', 'welcome', 'snapshot', 'status']) client.addEventListener(ev, paint);
  // Of the events, only those that add rows can need a mark: an update
  // changes no one's editing, and the feed's rate must not cost a pass over
  // every row each time.
  client.addEventListener('event', (e) => {
    const t = e.detail.event.type;
    if (t.endsWith('.created') || t === 'state.reset') paint();
  });
  paint();
}

/** Maps "type:id" to the names of the others editing that record. */
function editorsByRecord(client) {
  const me = client.me;
  const out = new Map();
  for (const u of (client.presence && client.presence.users) || []) {
    const e = u && u.editing;
    if (!e || !me || personId(u) === me) continue;
    const key = `${e.type}:${e.id}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key).push(u.name || 'Someone');
  }
  return out;
}

function paintMark(row, type, names) {
  let mark = row.querySelector('.editing-mark');
  if (!names.length) {
    if (mark) mark.hidden = true;
    row.classList.remove('being-edited');
    return;
  }
  if (!mark) {
    mark = h('p', { class: 'editing-mark', 'data-testid': `${type}-editing`, role: 'status' }, h('span', { class: 'editing-avatar' }), h('span', { class: 'editing-text' }));
    // Under the name, where the person looks before typing over it.
    (row.querySelector('.col-name') || row.querySelector('.score-main') || row).append(mark);
  }
  const text = names.length === 1 ? `${names[0]} is editing…` : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are editing…`;
  if (mark.dataset.text !== text) {
    mark.dataset.text = text;
    setText(mark.querySelector('.editing-text'), text);
    mark.querySelector('.editing-avatar').replaceChildren(avatar(names[0]));
  }
  mark.hidden = false;
  row.classList.add('being-edited');
}

// Presentation mode (?present): the leaderboard alone, full screen, for a
// projector or a TV. A classic script in <head>, so that the page is laid
// out for it (and dark) from the first paint: a wall screen must not jump.
// It also hides the pointer while it is idle and leaves with Escape; the
// rest is css/present.css and the read-only scoreboard (app.js).
(function () {
  var params = new URLSearchParams(location.search);
  if (!params.has('present')) return;
  var root = document.documentElement;
  root.setAttribute('data-present', '');
  // Dark by default: a dark room, and less glare across a wall.
  // ?present=light asks for the light one.
  root.setAttribute('data-theme', params.get('present') === 'light' ? 'light' : 'dark');

  var IDLE_MS = 2500;
  var timer = null;
  var idle = function () {
    root.setAttribute('data-cursor-idle', '');
  };
  var moved = function () {
    root.removeAttribute('data-cursor-idle');
    clearTimeout(timer);
    timer = setTimeout(idle, IDLE_MS);
  };
  document.addEventListener('pointermove', moved, { passive: true });
  document.addEventListener('pointerdown', moved, { passive: true });
  timer = setTimeout(idle, IDLE_MS);

  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' || document.querySelector('dialog[open]')) return;
    params.delete('present');
    var q = params.toString();
    location.assign(location.pathname + (q ? '?' + q : '') + location.hash);
  });
})();

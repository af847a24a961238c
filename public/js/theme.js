// Applies the remembered theme before first paint (classic script, no module).
(function () {
  try {
    var t = localStorage.getItem('livedash.theme');
    if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  } catch (e) {
    /* storage unavailable: follow the system */
  }
})();

// The chart's time window: the last 5, 15 or 60 minutes, or everything
// since the last reset. A row of toggle buttons under the chart picks it,
// and the browser remembers the choice.

import { safeStorage } from './storage.js';

const KEY = 'livedash.chartWindow';
/** Seconds shown, by button; 'reset' shows everything since the last reset. */
export const WINDOWS = ['300', '900', '3600', 'reset'];
const DEFAULT = 'reset';

/**
 * Wires the buttons ([data-window]) in group; calls onChange(window) with
 * 'reset' or a number of seconds, at once with the remembered choice and
 * then on every click.
 */
export function setupChartWindow(group, onChange) {
  const store = safeStorage('local');
  let current = store.get(KEY);
  if (!WINDOWS.includes(current)) current = DEFAULT;
  const paint = () => {
    for (const b of group.querySelectorAll('[data-window]')) b.setAttribute('aria-pressed', String(b.dataset.window === current));
  };
  const pick = (w) => {
    current = w;
    store.set(KEY, w);
    paint();
    onChange(asWindow(w));
  };
  group.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('[data-window]');
    if (b && WINDOWS.includes(b.dataset.window)) pick(b.dataset.window);
  });
  paint();
  onChange(asWindow(current));
}

function asWindow(w) {
  return w === 'reset' ? 'reset' : Number(w);
}

/**
 * A tick label of the time axis, as an offset from now: "now", "−30 s",
 * "−4 min", "−1 h", "−1 h 30". Ticks are whole steps back from now
 * (charts.js), so these are always round.
 */
export function agoLabel(secs) {
  const d = Math.round(secs);
  if (d <= 0) return 'now';
  if (d < 60) return `\u2212${d} s`;
  if (d < 3600) return `\u2212${Math.round(d / 60)} min`;
  const hours = Math.floor(d / 3600);
  const mins = Math.round((d % 3600) / 60);
  return mins ? `\u2212${hours} h ${String(mins).padStart(2, '0')}` : `\u2212${hours} h`;
}

/** Steps between ticks, in seconds: whole seconds, minutes and hours. */
const STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * Tick positions back from max (now) to min: the smallest whole step that
 * leaves at least minGap pixels between labels on a plot width px wide.
 */
export function agoSplits(min, max, width, minGap) {
  const span = max - min;
  if (!(span > 0) || !(width > 0)) return [max];
  const most = Math.max(1, Math.floor(width / minGap));
  const step = STEPS.find((s) => span / s <= most) || Math.ceil(span / most / 86400) * 86400;
  const out = [];
  for (let t = max; t >= min - 1e-6; t -= step) out.push(t);
  return out.reverse();
}

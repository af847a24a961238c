// Charts of the scoreboard: the leading players' points over time since the
// last reset (a line chart), and a sparkline in every player row. uPlot
// (vendor/uplot, MIT) draws them; the data comes from the score histories
// (score.history), then from live events.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { compareScores } from './records.js';
import { frameScheduler } from './dom.js';
import { playerColor } from './colors.js';

const LEADERS = 5;
// Height of a one-line legend, until the plot can measure its own.
const LEGEND_GUESS = 26;
const MIN_PLOT = 80;

/**
 * A clock time for the time axis and the hover legend: hours and minutes,
 * with seconds only when the axis spans less than ten minutes; never the
 * milliseconds uPlot's default shows at fine scales (":41.000").
 */
export function clockTime(secs, withSeconds) {
  const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (withSeconds) opts.second = '2-digit';
  return new Date(secs * 1000).toLocaleTimeString([], opts);
}

/** A player's points over time: v0 before its first point (null: it did not exist yet). */
function seriesFromHistory(events) {
  const s = { v0: null, pts: [] };
  for (const ev of events) {
    const t = Date.parse(ev.at) / 1000;
    if (!Number.isFinite(t)) continue;
    if (s.pts.length === 0 && ev.type !== 'score.created') {
      if (ev.before && typeof ev.before.points === 'number') s.v0 = ev.before.points;
      else if (typeof ev.delta === 'number' && ev.data) s.v0 = ev.data.points - ev.delta;
    }
    s.pts.push({ t, v: ev.type === 'score.deleted' ? null : ev.data.points });
  }
  return s;
}

function valueAt(s, t) {
  let v = s.v0;
  for (const p of s.pts) {
    if (p.t > t) break;
    v = p.v;
  }
  return v;
}

export class ScoreCharts {
  constructor(client, { chart, list }) {
    this.client = client;
    this.el = chart;
    this.listEl = list;
    this.series = new Map(); // score id -> series
    this.plot = null;
    this.plotIds = '';
    this.sparks = new Map(); // score id -> {u, slot}
    this.gen = 0;
    this.schedule = frameScheduler(() => this.renderNow());
    // The box, and the legend: it can settle to another height after the
    // plot is made (measured: 256 px at first, then 30, in presentation
    // mode), and the canvas takes what it leaves.
    this.resizer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.fit()) : null;
    if (this.resizer) this.resizer.observe(this.el);
  }

  fit() {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  /**
   * The plot fills the chart's box, whose height the stylesheet fixes so
   * that the page has the chart's space before the histories arrive (no
   * layout shift when it draws): the canvas gets what the legend leaves.
   */
  size() {
    const legend = this.plot && this.plot.root.querySelector('.u-legend');
    const legendH = legend ? legend.offsetHeight : LEGEND_GUESS;
    return { width: Math.max(160, Math.floor(this.el.clientWidth)), height: Math.max(MIN_PLOT, this.el.clientHeight - legendH) };
  }

  /** After a snapshot: loads every player's history. */
  async onSnapshot() {
    const gen = ++this.gen;
    const scores = [...this.client.state.scores.values()];
    const loaded = await Promise.all(
      scores.map((s) =>
        this.client.history('score', s.id, 1000).then(
          (evs) => [s.id, seriesFromHistory(evs)],
          () => [s.id, { v0: s.points, pts: [] }],
        ),
      ),
    );
    if (gen !== this.gen) return;
    this.series = new Map();
    for (const [id, s] of loaded) {
      const cur = this.client.state.scores.get(id);
      if (s.pts.length === 0 && s.v0 === null && cur) s.v0 = cur.points;
      this.series.set(id, s);
    }
    this.el.dataset.loaded = 'true';
    this.schedule();
  }

  onEvent(ev) {
    if (ev.type === 'state.reset') {
      this.series = new Map();
      for (const s of this.client.state.scores.values()) this.series.set(s.id, { v0: s.points, pts: [] });
      this.schedule();
      return;
    }
    if (!ev.type.startsWith('score.') || !ev.data) return;
    const t = Date.parse(ev.at) / 1000;
    let s = this.series.get(ev.data.id);
    if (!s) {
      s = { v0: null, pts: [] };
      this.series.set(ev.data.id, s);
    }
    s.pts.push({ t: Number.isFinite(t) ? t : Date.now() / 1000, v: ev.type === 'score.deleted' ? null : ev.data.points });
    this.schedule();
  }

  leaders() {
    return [...this.client.state.scores.values()].sort(compareScores).slice(0, LEADERS);
  }

  /** x: every moment a leader changed, from a second before the first to now. */
  data(ids) {
    const ts = new Set();
    for (const id of ids) for (const p of (this.series.get(id) || { pts: [] }).pts) ts.add(p.t);
    const now = Date.now() / 1000;
    const sorted = [...ts].sort((a, b) => a - b);
    const first = sorted.length ? sorted[0] - 1 : now - 60;
    const xs = [first, ...sorted, Math.max(now, sorted.length ? sorted[sorted.length - 1] : now)];
    return [xs, ...ids.map((id) => xs.map((x) => valueAt(this.series.get(id) || { v0: null, pts: [] }, x)))];
  }

  render() {
    this.schedule();
  }

  renderNow() {
    if (!this.el.dataset.loaded) return;
    const leaders = this.leaders();
    const ids = leaders.map((s) => s.id);
    const data = this.data(ids);
    const key = leaders.map((s) => `${s.id}:${s.player}`).join(',');
    if (!this.plot || this.plotIds !== key) {
      if (this.plot) {
        const old = this.plot.root.querySelector('.u-legend');
        if (this.resizer && old) this.resizer.unobserve(old);
        this.plot.destroy();
      }
      this.plotIds = key;
      // Axis labels are drawn on the canvas: sized from the chart's CSS font
      // size, so that they grow with the page (presentation mode on a TV).
      const px = Math.round(parseFloat(getComputedStyle(this.el).fontSize) || 12);
      const font = `${px}px system-ui, sans-serif`;
      this.plot = new uPlot(
        {
          ...this.size(),
          class: 'leaders-chart',
          scales: { x: { time: true } },
          // live: hovering (or touching) the chart shows each leader's points
          // at that moment, and the time, in the legend.
          legend: { show: true, live: true },
          cursor: { show: true, drag: { x: false, y: false } },
          axes: [
            {
              stroke: 'currentColor',
              grid: { stroke: 'rgba(128,128,128,0.15)' },
              ticks: { show: false },
              font,
              size: Math.round(px * 4.2),
              // Room for "19:01:47" between ticks, so that labels never overlap.
              space: px * 7,
              // Whole seconds and up: a label repeated for two ticks in one
              // second would say nothing.
              incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400],
              values: (u, splits) => {
                const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
                return splits.map((v) => clockTime(v, span < 600));
              },
            },
            { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { show: false }, font, size: Math.round(px * 3.7) },
          ],
          series: [
            // Away from the pointer, the legend shows the latest points.
            { label: 'Time', value: (u, v) => (v == null ? 'now' : clockTime(v, true)) },
            ...leaders.map((s) => ({
              label: s.player,
              stroke: playerColor(s.id),
              width: 2,
              points: { show: false },
              paths: uPlot.paths.stepped({ align: 1 }),
              value: (u, v, si) => {
                const latest = u.data[si][u.data[si].length - 1];
                const shown = v == null ? latest : v;
                return shown == null ? '\u2013' : String(shown);
              },
            })),
          ],
        },
        data,
        this.el,
      );
      // Now that its legend is laid out, the canvas takes what is left.
      this.fit();
      const legend = this.plot.root.querySelector('.u-legend');
      if (this.resizer && legend) this.resizer.observe(legend);
    } else {
      this.plot.setData(data);
    }
    this.el.dataset.lines = String(ids.length);
    // No players: say so instead of a bare grid.
    this.el.classList.toggle('chart-empty', ids.length === 0);
    this.el.dataset.points = String(data[0].length);
    this.el.setAttribute('aria-label', `Points over time of ${leaders.map((s) => s.player).join(', ')}`);
    this.paintSparks();
  }

  /** A sparkline in every player row (rows are found by data-id). */
  paintSparks() {
    const seen = new Set();
    for (const li of this.listEl.querySelectorAll('.score-row')) {
      const id = Number(li.dataset.id);
      const slot = li.querySelector('.spark-slot');
      if (!slot) continue;
      seen.add(id);
      const data = this.data([id]);
      const color = playerColor(id);
      let sp = this.sparks.get(id);
      if (!sp || sp.slot !== slot) {
        if (sp) sp.u.destroy();
        const u = new uPlot(
          {
            width: 60,
            height: 20,
            class: 'spark',
            legend: { show: false },
            cursor: { show: false },
            scales: { x: { time: false } },
            axes: [{ show: false }, { show: false }],
            series: [{}, { stroke: color, width: 1.5, points: { show: false }, paths: uPlot.paths.stepped({ align: 1 }) }],
          },
          data,
          slot,
        );
        sp = { u, slot };
        this.sparks.set(id, sp);
      } else {
        sp.u.setData(data);
      }
      slot.dataset.points = String(data[0].length);
      slot.dataset.color = color;
    }
    for (const [id, sp] of this.sparks) {
      if (!seen.has(id)) {
        sp.u.destroy();
        this.sparks.delete(id);
      }
    }
  }
}

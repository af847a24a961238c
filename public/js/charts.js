// Charts of the scoreboard: the leading players' points over a time window
// (the last 5, 15 or 60 minutes, or since the last reset: chart-window.js),
// with each line's current value at its end, and a sparkline in every
// player row over the same window. uPlot (vendor/uplot, MIT) draws them;
// the data comes from the score histories (score.history), then from live
// events, and is kept across reconnects.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { compareScores } from './records.js';
import { frameScheduler } from './dom.js';
import { playerColor } from './colors.js';
import { agoLabel, agoSplits } from './chart-window.js';

const LEADERS = 5;
// Height of a one-line legend, until the plot can measure its own.
const LEGEND_GUESS = 26;
const MIN_PLOT = 80;

/**
 * A clock time for the hover legend: hours and minutes, with seconds when
 * asked; never the milliseconds uPlot's default shows (":41.000").
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
    this.window = 'reset'; // seconds shown, or 'reset' (setWindow)
    this.resetAt = null; // when the last reset happened, if an event said so
    this.range = [0, 0]; // the x-scale of the last render: [start, now]
    this.ticker = null;
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
          () => [s.id, { v0: s.points, pts: [], failed: true }],
        ),
      ),
    ).then((pairs) => new Map(pairs));
    if (gen !== this.gen) return;
    // A history that did not come (the connection dropped again) keeps the
    // series the page already had: a reconnect must not empty the chart.
    for (const [id, s] of loaded) if (s.failed && this.series.has(id)) loaded.set(id, this.series.get(id));
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
      const at = Date.parse(ev.at) / 1000;
      this.resetAt = Number.isFinite(at) ? at : Date.now() / 1000;
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

  /** Shows the last `w` seconds, or everything since the reset ('reset'). */
  setWindow(w) {
    this.window = w;
    this.el.dataset.window = String(w);
    // "now" moves: the window slides about two pixels at a time.
    clearInterval(this.ticker);
    const every = w === 'reset' ? 10000 : Math.min(10000, Math.max(1000, (w / 300) * 1000));
    this.ticker = setInterval(() => {
      if (!document.hidden) this.schedule();
    }, every);
    this.schedule();
  }

  /**
   * The x-range shown, [start, now] in seconds. Since the reset, it starts
   * at the earliest moment the page knows of after it (the reset event, a
   * player's creation or first change), and spans at least a minute.
   */
  xRange() {
    const now = Date.now() / 1000;
    if (this.window !== 'reset') return [now - this.window, now];
    let start = this.resetAt == null ? now : this.resetAt;
    for (const s of this.client.state.scores.values()) {
      const c = Date.parse(s.created_at) / 1000;
      if (Number.isFinite(c) && c < start) start = c;
    }
    for (const s of this.series.values()) if (s.pts.length && s.pts[0].t < start) start = s.pts[0].t;
    return [Math.min(start, now - 60), now];
  }

  /** x: the window's start, every moment a leader changed within it, and now. */
  data(ids, [start, now] = this.range) {
    const ts = new Set();
    for (const id of ids) for (const p of (this.series.get(id) || { pts: [] }).pts) if (p.t > start && p.t < now) ts.add(p.t);
    const xs = [start, ...[...ts].sort((a, b) => a - b), now];
    return [xs, ...ids.map((id) => xs.map((x) => valueAt(this.series.get(id) || { v0: null, pts: [] }, x)))];
  }

  render() {
    this.schedule();
  }

  renderNow() {
    if (!this.el.dataset.loaded) return;
    const leaders = this.leaders();
    const ids = leaders.map((s) => s.id);
    this.range = this.xRange();
    const data = this.data(ids);
    const key = leaders.map((s) => `${s.id}:${s.player}`).join(',');
    this.plotIdList = ids;
    const px = Math.round(parseFloat(getComputedStyle(this.el).fontSize) || 12);
    this.labelH = Math.round(px * 1.3);
    const digits = Math.max(2, ...leaders.map((s) => String(s.points).length));
    this.labelRoom = Math.round(digits * px * 0.62 + px);
    if (!this.plot || this.plotIds !== key) {
      if (this.plot) {
        const old = this.plot.root.querySelector('.u-legend');
        if (this.resizer && old) this.resizer.unobserve(old);
        this.plot.destroy();
      }
      this.plotIds = key;
      // Axis labels are drawn on the canvas: sized from the chart's CSS font
      // size (px above), so that they grow with the page (presentation mode
      // on a TV).
      const font = `${px}px system-ui, sans-serif`;
      this.plot = new uPlot(
        {
          ...this.size(),
          class: 'leaders-chart',
          // The window, not the data, sets the x-scale: a series that just
          // began (or a reconnect) must not shrink it to a second.
          scales: { x: { time: false, range: () => this.range } },
          // Room on the right for each line's current value (line-ends).
          padding: [px, () => this.labelRoom, 0, 0],
          hooks: { draw: [(u) => this.paintLineEnds(u)] },
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
              size: Math.round(px * 3),
              // Ticks count back from now in whole steps ("−4 min", "now"),
              // with room for "−1 h 30" between them.
              splits: (u, ai, min, max) => agoSplits(min, max, u.bbox.width / devicePixelRatio, px * 6),
              values: (u, splits) => {
                const max = u.scales.x.max;
                const labels = splits.map((v) => agoLabel(max - v));
                this.el.dataset.ticks = labels.join('|');
                return labels;
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
    this.el.dataset.span = String(Math.round(this.plot.scales.x.max - this.plot.scales.x.min));
    this.el.dataset.lines = String(ids.length);
    // No players: say so instead of a bare grid.
    this.el.classList.toggle('chart-empty', ids.length === 0);
    this.el.dataset.points = String(data[0].length);
    this.el.setAttribute('aria-label', `Points over time of ${leaders.map((s) => s.player).join(', ')}`);
    this.paintSparks();
  }

  /**
   * Each line's current value at its right end, marked in its colour, as text over
   * the plot (the legend says the same to a screen reader). Labels that
   * would overlap are nudged apart, keeping their order.
   */
  paintLineEnds(u) {
    let layer = u.root.querySelector('.line-ends');
    if (!layer) {
      layer = document.createElement('div');
      layer.className = 'line-ends';
      layer.setAttribute('aria-hidden', 'true');
      u.over.appendChild(layer);
    }
    const h = this.labelH;
    const height = u.bbox.height / devicePixelRatio;
    const labels = [];
    for (let si = 1; si < u.series.length; si++) {
      const ys = u.data[si];
      const v = ys[ys.length - 1];
      if (v == null) continue;
      labels.push({ si, v, y: u.valToPos(v, 'y') });
    }
    labels.sort((a, b) => a.y - b.y);
    // Down from the top, then back up from the bottom.
    for (let i = 0; i < labels.length; i++) {
      labels[i].y = Math.max(labels[i].y, i ? labels[i - 1].y + h : h / 2);
    }
    for (let i = labels.length - 1; i >= 0; i--) {
      labels[i].y = Math.min(labels[i].y, i < labels.length - 1 ? labels[i + 1].y - h : height - h / 2);
    }
    const spans = layer.children;
    while (spans.length > labels.length) layer.lastChild.remove();
    while (spans.length < labels.length) {
      const s = document.createElement('span');
      s.className = 'line-end';
      s.dataset.testid = 'line-end';
      layer.appendChild(s);
    }
    labels.forEach((l, i) => {
      const s = spans[i];
      const id = this.plotIdList[l.si - 1];
      s.textContent = String(l.v);
      s.dataset.id = String(id);
      s.style.borderColor = playerColor(id);
      s.style.top = `${Math.round(l.y - h / 2)}px`;
    });
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

// FLIP: measure where elements are (First), change the DOM (Last), then
// play each one from its old place to its new one (Invert, Play). The list
// carries data-animating while anything moves, so that a click (a person's
// or a test's) can wait for rest instead of landing on a sliding row.

const EASING = 'cubic-bezier(0.2, 0.8, 0.2, 1)';

export class Flip {
  constructor(list, duration) {
    this.list = list;
    this.duration = duration;
    this.running = new Map(); // element -> Animation
  }

  /** The tops of the elements, taken before the DOM changes. */
  measure(elements) {
    const tops = new Map();
    for (const el of elements) tops.set(el, el.getBoundingClientRect().top);
    return tops;
  }

  /** Slides every measured element from its old top; `still` jumps at once. */
  play(tops, still) {
    for (const [el, top] of tops) {
      this.stop(el);
      if (el === still || !el.isConnected || typeof el.animate !== 'function') continue;
      const dy = top - el.getBoundingClientRect().top;
      if (Math.abs(dy) <= 0.5) continue;
      const a = el.animate([{ transform: `translateY(${dy}px)` }, { transform: 'translateY(0)' }], {
        duration: this.duration,
        easing: EASING,
      });
      // Rising rows pass over falling ones (see .rising/.falling in app.css).
      el.classList.add('moving', dy > 0 ? 'rising' : 'falling');
      this.running.set(el, a);
      this.list.dataset.animating = 'true';
      a.onfinish = a.oncancel = () => {
        if (this.running.get(el) === a) this.done(el);
      };
    }
  }

  /** Ends an element's slide where it is headed. */
  stop(el) {
    const a = this.running.get(el);
    if (!a) return;
    a.cancel();
    this.done(el);
  }

  done(el) {
    this.running.delete(el);
    el.classList.remove('moving', 'rising', 'falling');
    if (this.running.size === 0) delete this.list.dataset.animating;
  }
}

/**
 * A hand-driven clock for the batcher tests (runtime/serve/batcher.ts `BatchClock`): time
 * moves only in `advance`, which fires due timers in time order (ties in the order they were
 * set), setting `now()` to each timer's due time before calling it, so that a timer due at
 * t sees exactly t. Timers set by a callback fire in the same advance when they fall due;
 * more than 100,000 in one advance is reported as an error (a busy timer loop).
 */
import type { BatchClock } from '../../runtime/serve/batcher.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  live: boolean;
}

export class FakeClock implements BatchClock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Timers set and not yet fired or cancelled. */
  pending(): number {
    return this.timers.filter((x) => x.live).length;
  }

  /** Moves time forward by `ms`, firing every timer due by then. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let fired = 0; ; fired++) {
      // a timer that keeps re-arming itself at the same instant is a busy loop: fail, not hang
      if (fired > 100_000) throw new Error(`fake clock: more than 100000 timers fired at ${this.t} ms (a timer re-arms itself without progress)`);
      this.timers = this.timers.filter((x) => x.live);
      let next: Timer | undefined;
      for (const x of this.timers) if (x.at <= end && (next === undefined || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      if (next === undefined) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}

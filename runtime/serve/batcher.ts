/**
 * Admission and dynamic batching for the prediction service (issue 14; design note
 * section 2.5). Pure logic: the clock and the runner are injected, so that tests drive time
 * by hand and the served-session code (runtime/party/served.ts) plugs in later.
 *
 * A request carries a row count and an opaque payload (for the service: server0's share and
 * server1's sealed envelope). `submit` queues it, or refuses it at once with an
 * `OverloadError` (503 + Retry-After) when its rows would take the queue above
 * `maxQueueRows` or the batcher is draining. Queued requests are merged, whole and in arrival
 * order, into batches of at most `maxBatch` rows; a batch is padded with zero rows to the next
 * allowed size (`padTo`) and handed to the runner, which answers per request.
 *
 * **Dispatch rule.** While fewer than `maxInFlight` batches run, the head of the queue is
 * dispatched as soon as one of these holds:
 *   1. no batch is in flight: an idle server answers a lone request without any timer, so
 *      batching never costs latency at low load;
 *   2. the queue holds at least `maxBatch` rows: waiting cannot make the batch larger;
 *   3. the oldest queued request has waited `batchTimeoutMs`: the wait for company is bounded;
 *   4. the batcher is draining: nothing more will arrive.
 * Otherwise the queue waits for more rows, for a running batch to finish, or for the oldest
 * request's timer. Why: a secure session costs about the same wall time at 1 or 16 rows (net A:
 * 8 ms at batch 1, 28 ms at batch 16, over processes; the cost is rounds, not arithmetic), so
 * while a session runs it pays to gather the requests that arrive meanwhile into the next one,
 * and a second session in flight overlaps its rounds with the first. This is TF Serving's
 * shared batch scheduler (max_batch_size, batch_timeout_micros, allowed_batch_sizes,
 * max_enqueued_batches, num_batch_threads) with one change: its timeout also delays a request
 * arriving at an idle server, ours does not (rule 1).
 *
 * **Bounds.** Queued rows <= `maxQueueRows`; running batches <= `maxInFlight`; rows per batch
 * <= `maxBatch`. Memory is at most the queued payloads plus those of the running batches.
 *
 * **Deadlines.** Each request has `requestTimeoutMs` from `submit`. Still queued then: it
 * leaves the queue with an `OverloadError` (`queue-timeout`, 503: no secure work was started).
 * Already in a running batch: it fails with a `RequestTimeoutError` (504); the batch keeps its
 * slot until the runner settles (it really is still running), and the late result is dropped.
 *
 * **Failures.** A runner that rejects, throws, or answers with the wrong number of results
 * fails the requests of that batch only; the runner may also fail single requests.
 *
 * **Drain** (SIGTERM): `drain()` refuses new requests (`draining`), dispatches the queue
 * without waiting for timers, and resolves when the queue is empty and no batch runs. Every
 * request is answered exactly once, whatever happens (a settled flag guards each).
 */
import { TfeError } from '../../src/errors.js';
import { OverloadError, RequestTimeoutError } from './batch-errors.js';
import { batcherConfig, paddedSize, type BatcherConfig, type BatcherOptions } from './batch-options.js';

/** Time source and timers; `systemClock` in production, a fake clock in tests. */
export interface BatchClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** performance.now and unref'd setTimeout: the batcher's timers never keep the process alive. */
export const systemClock: BatchClock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** One request inside a batch: its rows are `offset .. offset + rows - 1` of the batch. */
export interface BatchItem<P> {
  readonly rows: number;
  readonly offset: number;
  readonly payload: P;
}

/** What the runner is asked to run: one secure session of `size` rows. */
export interface Batch<P> {
  /** 1, 2, 3, … in dispatch order. */
  readonly id: number;
  /** Rows the session runs at (an allowed size when `padTo` is set). */
  readonly size: number;
  /** Rows of the requests: `size - realRows` zero rows follow them (at the end of dim 0). */
  readonly realRows: number;
  /** The requests in batch order; their rows are consecutive from 0. */
  readonly items: readonly BatchItem<P>[];
}

/** The runner's answer for one request of a batch. */
export type ItemOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

/**
 * Runs one batch and answers each of its items, in `batch.items` order. It may reject (the
 * whole batch fails) or fail single items.
 */
export type BatchRunner<P, R> = (batch: Batch<P>) => Promise<readonly ItemOutcome<R>[]>;

/** A request's answer, with what the service reports about how it was served. */
export interface Served<R> {
  readonly value: R;
  readonly batchId: number;
  /** Size the batch ran at (padded). */
  readonly batchSize: number;
  /** Real rows of the batch. */
  readonly batchRows: number;
  /** Time from submit to dispatch (ms). */
  readonly queueMs: number;
  /** Time from dispatch to the runner's answer (ms). */
  readonly runMs: number;
}

/** Gauges for /metrics (design note section 2.7). */
export interface BatcherGauges {
  readonly queuedRows: number;
  readonly queuedRequests: number;
  readonly inFlightBatches: number;
  readonly inFlightRows: number;
  readonly draining: boolean;
}

/** Reported once per batch when its runner settles (for histograms: batch rows, session time). */
export interface BatchReport {
  readonly id: number;
  readonly size: number;
  readonly realRows: number;
  readonly requests: number;
  readonly runMs: number;
  /** The runner rejected or answered malformed: every item of the batch failed. */
  readonly failed: boolean;
}

export interface BatcherHooks {
  readonly onBatch?: (report: BatchReport) => void;
  readonly onReject?: (error: OverloadError | RequestTimeoutError) => void;
}

interface Pending<P, R> {
  readonly rows: number;
  readonly payload: P;
  readonly enqueuedAt: number;
  dispatchedAt: number | undefined;
  settled: boolean;
  cancelTimeout: () => void;
  resolve(v: Served<R>): void;
  reject(e: Error): void;
}

/** The outcome of `drain`. */
export interface DrainResult {
  /** True when every queued and running request finished before the timeout. */
  readonly complete: boolean;
  /** Queued requests refused at the timeout (they get `OverloadError` `draining`). */
  readonly refused: number;
  /** Batches still running at the timeout. */
  readonly running: number;
}

export class Batcher<P, R> {
  readonly config: BatcherConfig;
  private readonly run: BatchRunner<P, R>;
  private readonly clock: BatchClock;
  private readonly hooks: BatcherHooks;
  private readonly queue: Pending<P, R>[] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private inFlightRows = 0;
  private nextBatchId = 1;
  private draining = false;
  private waitTimer: { at: number; cancel: () => void } | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  /** Exponentially weighted mean batch run time (ms), for Retry-After. */
  private meanRunMs = 0;

  constructor(run: BatchRunner<P, R>, options: BatcherOptions = {}, clock: BatchClock = systemClock, hooks: BatcherHooks = {}) {
    this.config = batcherConfig(options);
    this.run = run;
    this.clock = clock;
    this.hooks = hooks;
  }

  /** Current queue and in-flight levels. */
  gauges(): BatcherGauges {
    return { queuedRows: this.queuedRows, queuedRequests: this.queue.length, inFlightBatches: this.inFlight, inFlightRows: this.inFlightRows, draining: this.draining };
  }

  /**
   * Queues a request of `rows` rows. Rejects at once with an `OverloadError` when it would take
   * the queue above `maxQueueRows` or the batcher drains; rejects with an E_SHAPE error when
   * `rows` is not an integer in 1..maxRows. Resolves with the runner's value for it.
   */
  submit(rows: number, payload: P): Promise<Served<R>> {
    const c = this.config;
    if (!Number.isSafeInteger(rows) || rows < 1 || rows > c.maxRows) {
      return Promise.reject(new TfeError('E_SHAPE', `a request of ${rows} rows is outside 1..${c.maxRows}, the rows one request may have`, 'split the input into requests of at most that many rows'));
    }
    if (this.draining) {
      return this.refuse(new OverloadError('draining', 'the service is shutting down and takes no new requests', this.retryAfter(), 'retry on another replica or after the restart'));
    }
    if (this.queuedRows + rows > c.maxQueueRows) {
      return this.refuse(new OverloadError('queue-full', `the queue is full (${this.queuedRows} of ${c.maxQueueRows} rows waiting; this request has ${rows})`, this.retryAfter(), 'retry after the Retry-After delay'));
    }
    return new Promise<Served<R>>((resolve, reject) => {
      const p: Pending<P, R> = { rows, payload, enqueuedAt: this.clock.now(), dispatchedAt: undefined, settled: false, cancelTimeout: () => undefined, resolve, reject };
      this.queue.push(p);
      this.queuedRows += rows;
      p.cancelTimeout = this.clock.setTimer(c.requestTimeoutMs, () => this.expire(p));
      this.pump();
    });
  }

  /**
   * Stops admitting, dispatches what is queued, and resolves once no request is queued or
   * running. With `timeoutMs`, it resolves at the latest then: requests still queued are
   * refused (`draining`) and batches still running are left to finish on their own.
   */
  drain(timeoutMs?: number): Promise<DrainResult> {
    this.draining = true;
    this.pump();
    return new Promise<DrainResult>((resolve) => {
      let cancel: () => void = () => undefined;
      const done = (): void => {
        cancel();
        resolve({ complete: true, refused: 0, running: 0 });
      };
      if (this.isIdle()) return done();
      this.idleWaiters.push(done);
      if (timeoutMs !== undefined) {
        cancel = this.clock.setTimer(timeoutMs, () => {
          const i = this.idleWaiters.indexOf(done);
          if (i < 0) return;
          this.idleWaiters.splice(i, 1);
          const left = this.queue.splice(0);
          this.queuedRows = 0;
          this.clearWaitTimer();
          for (const p of left) this.fail(p, new OverloadError('draining', 'the service shut down before this request could run', this.retryAfter(), 'retry on another replica or after the restart'));
          resolve({ complete: false, refused: left.length, running: this.inFlight });
        });
      }
    });
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  private refuse(e: OverloadError): Promise<Served<R>> {
    this.hooks.onReject?.(e);
    return Promise.reject(e);
  }

  /** Retry-After: the time to run the queued rows at the mean batch time, at least the minimum. */
  private retryAfter(): number {
    const c = this.config;
    const batchesAhead = Math.ceil(this.queuedRows / c.maxBatch) + this.inFlight;
    const ms = (batchesAhead * this.meanRunMs) / c.maxInFlight;
    return Math.max(c.minRetryAfterSeconds, Math.min(60, Math.ceil(ms / 1000)));
  }

  /** Whether the head of the queue may go now (the dispatch rule in the header). */
  private mayDispatch(now: number): boolean {
    const c = this.config;
    if (this.queue.length === 0 || this.inFlight >= c.maxInFlight) return false;
    return this.inFlight === 0 || this.draining || this.queuedRows >= c.maxBatch || now - this.queue[0].enqueuedAt >= c.batchTimeoutMs;
  }

  private pump(): void {
    while (this.mayDispatch(this.clock.now())) this.dispatch();
    this.armWaitTimer();
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Sets the timer for rule 3 when the head waits with a free slot; a full batcher is woken by a finishing batch. */
  private armWaitTimer(): void {
    if (this.queue.length === 0 || this.inFlight >= this.config.maxInFlight) return this.clearWaitTimer();
    const at = this.queue[0].enqueuedAt + this.config.batchTimeoutMs;
    if (this.waitTimer?.at === at) return;
    this.clearWaitTimer();
    const timer = { at, cancel: (): void => undefined };
    timer.cancel = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      if (this.waitTimer === timer) this.waitTimer = undefined;
      this.pump();
    });
    this.waitTimer = timer;
  }

  private clearWaitTimer(): void {
    this.waitTimer?.cancel();
    this.waitTimer = undefined;
  }

  /** Takes whole requests from the head, in order, up to maxBatch rows, and starts their batch. */
  private dispatch(): void {
    const c = this.config;
    const items: Pending<P, R>[] = [];
    let rows = 0;
    while (this.queue.length > 0 && rows + this.queue[0].rows <= c.maxBatch) {
      const p = this.queue.shift() as Pending<P, R>;
      rows += p.rows;
      items.push(p);
    }
    this.queuedRows -= rows;
    const now = this.clock.now();
    for (const p of items) p.dispatchedAt = now;
    let offset = 0;
    const batch: Batch<P> = {
      id: this.nextBatchId++,
      size: paddedSize(rows, c.padTo),
      realRows: rows,
      items: items.map((p) => {
        const item = { rows: p.rows, offset, payload: p.payload };
        offset += p.rows;
        return item;
      }),
    };
    this.inFlight++;
    this.inFlightRows += rows;
    let answer: Promise<readonly ItemOutcome<R>[]>;
    try {
      answer = this.run(batch);
    } catch (e) {
      answer = Promise.reject(e);
    }
    answer.then(
      (outcomes) => this.finish(batch, items, now, outcomes, undefined),
      (e: unknown) => this.finish(batch, items, now, undefined, e instanceof Error ? e : new TfeError('E_PROTOCOL', `batch ${batch.id} failed: ${String(e)}`)),
    );
  }

  private finish(batch: Batch<P>, items: readonly Pending<P, R>[], startedAt: number, outcomes: readonly ItemOutcome<R>[] | undefined, error: Error | undefined): void {
    const now = this.clock.now();
    const runMs = now - startedAt;
    this.meanRunMs = this.meanRunMs === 0 ? runMs : 0.8 * this.meanRunMs + 0.2 * runMs;
    this.inFlight--;
    this.inFlightRows -= batch.realRows;
    let failure = error;
    if (failure === undefined && (!Array.isArray(outcomes) || outcomes.length !== items.length)) {
      failure = new TfeError('E_PROTOCOL', `batch ${batch.id} runner answered ${Array.isArray(outcomes) ? outcomes.length : 'no array'} results for ${items.length} requests`);
    }
    items.forEach((p, i) => {
      if (failure !== undefined) return this.fail(p, failure);
      const o = (outcomes as readonly ItemOutcome<R>[])[i];
      if (o.ok) this.succeed(p, { value: o.value, batchId: batch.id, batchSize: batch.size, batchRows: batch.realRows, queueMs: startedAt - p.enqueuedAt, runMs });
      else this.fail(p, o.error);
    });
    this.hooks.onBatch?.({ id: batch.id, size: batch.size, realRows: batch.realRows, requests: items.length, runMs, failed: failure !== undefined });
    this.pump();
  }

  /** The request's deadline: out of the queue with a 503, or a 504 when its batch runs. */
  private expire(p: Pending<P, R>): void {
    if (p.settled) return;
    const t = this.config.requestTimeoutMs;
    if (p.dispatchedAt === undefined) {
      const i = this.queue.indexOf(p);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.queuedRows -= p.rows;
      }
      const e = new OverloadError('queue-timeout', `the request waited ${t} ms in the queue without a free session`, this.retryAfter(), 'the service is overloaded: retry after the Retry-After delay');
      this.hooks.onReject?.(e);
      this.fail(p, e);
      this.pump();
    } else {
      const e = new RequestTimeoutError(`the request's batch did not finish within ${t} ms of its arrival`, t);
      this.hooks.onReject?.(e);
      this.fail(p, e);
    }
  }

  private succeed(p: Pending<P, R>, v: Served<R>): void {
    if (p.settled) return;
    p.settled = true;
    p.cancelTimeout();
    p.resolve(v);
  }

  private fail(p: Pending<P, R>, e: Error): void {
    if (p.settled) return;
    p.settled = true;
    p.cancelTimeout();
    p.reject(e);
  }
}

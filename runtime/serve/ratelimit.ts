/**
 * Rate limiting per API key (issue 14: "many queries are how a model is extracted";
 * serve-design.md section 2.6): one token bucket per key id, counted in rows.
 *
 * Budget semantics. A key's budget B is in rows per minute, because model extraction
 * needs predictions, not HTTP requests: a batched request of n rows costs n. The bucket
 * holds at most `burst` = max(1, B · burstSeconds / 60) rows (default burstSeconds 10, so a
 * sixth of a minute's budget at once) and refills continuously at B / 60 rows per second.
 * A request of n rows is allowed when the bucket holds min(n, burst) rows; it then takes n,
 * so a request larger than the burst is admitted only from a full bucket and leaves it in
 * debt, which later requests wait out. Hence, over any window of W seconds, the rows admitted
 * for one key are at most max(burst, largest request) + B · W / 60, and no request size is
 * refused forever. A refused request takes nothing and is told `retryAfterSeconds`: the
 * whole seconds (>= 1, for HTTP's Retry-After, RFC 9110 section 10.2.3) until the bucket
 * will hold enough for it, if nothing else is taken meanwhile.
 *
 * Arithmetic is exact: levels are integers in units of 1/60000 row, so one millisecond
 * adds exactly B units (B <= 10^9 and levels <= 10^9 · 60000 · burstSeconds stay far below
 * 2^53). The clock is injectable (milliseconds; the default is the monotonic
 * `performance.now()`, floored); a clock that goes back adds nothing.
 *
 * Memory: a bucket that has refilled to full is the same as no bucket, so buckets of keys
 * idle that long are dropped (swept at most once per burst interval, O(buckets)). Callers
 * authenticate first, so at most one bucket per key of the key file exists, and only for
 * keys that asked within the last burst interval or so.
 */
import { TfeError } from '../../src/errors.js';

/** One row, in bucket units: a millisecond refills B units for a budget of B rows per minute. */
const UNITS_PER_ROW = 60_000;

export interface RateLimitOptions {
  /** The budget of keys without their own, in rows per minute (>= 1). */
  readonly perMinute: number;
  /** Seconds of budget a bucket can hold (burst size = perMinute · burstSeconds / 60, at least 1 row). Default 10. */
  readonly burstSeconds?: number;
  /** Milliseconds from any fixed origin, never decreasing in practice; default monotonic time. */
  readonly clock?: () => number;
}

/** The verdict on one request: allowed, or refused with the Retry-After for the 429. */
export type RateDecision =
  | { readonly allowed: true; /** Rows still available at once after this request (floored; 0 when in debt). */ readonly remaining: number }
  | { readonly allowed: false; /** Whole seconds (>= 1) until the bucket will hold enough for this request. */ readonly retryAfterSeconds: number };

interface Bucket {
  /** Level in units (may be negative: debt from a request larger than the burst). */
  level: number;
  /** Clock time (ms) the level was computed at. */
  at: number;
  /** Budget (rows per minute) this bucket was last used with. */
  perMinute: number;
}

function checkBudget(perMinute: number, where: string): void {
  if (!(Number.isInteger(perMinute) && perMinute >= 1 && perMinute <= 1_000_000_000)) {
    throw new TfeError('E_ARG', `${where}: a budget must be a whole number of rows per minute from 1 to 1000000000 (got ${perMinute})`);
  }
}

/** Token buckets per key id, counted in rows. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMinute: number;
  private readonly burstMs: number;
  private readonly clock: () => number;
  private lastSweep: number;

  constructor(options: RateLimitOptions) {
    checkBudget(options.perMinute, 'the rate limit');
    const burstSeconds = options.burstSeconds ?? 10;
    if (!(Number.isInteger(burstSeconds) && burstSeconds >= 1 && burstSeconds <= 3600)) {
      throw new TfeError('E_ARG', `the rate limit's burst must be a whole number of seconds from 1 to 3600 (got ${burstSeconds})`);
    }
    this.perMinute = options.perMinute;
    this.burstMs = burstSeconds * 1000;
    this.clock = options.clock ?? (() => Math.floor(performance.now()));
    this.lastSweep = this.now();
  }

  private now(): number {
    return Math.floor(this.clock());
  }

  /** Bucket capacity in units for a budget: perMinute · burstSeconds / 60 rows, at least one row. */
  private capacity(perMinute: number): number {
    return Math.max(UNITS_PER_ROW, perMinute * this.burstMs);
  }

  /** Burst size in rows for a budget (what a fresh or idle key may send at once). */
  burstRows(perMinute = this.perMinute): number {
    return Math.floor(this.capacity(perMinute) / UNITS_PER_ROW);
  }

  /** The level of `b` at `now`, refilled and capped (without storing it). */
  private levelAt(b: Bucket, now: number, perMinute: number): number {
    const cap = this.capacity(perMinute);
    const elapsed = Math.max(0, now - b.at);
    // Compare before multiplying, so that a long idle time cannot overflow 2^53.
    if (b.level >= cap || elapsed >= (cap - b.level) / perMinute) return cap;
    return b.level + elapsed * perMinute;
  }

  /**
   * Charges `rows` (a positive integer: the request's batch rows) to key `keyId` if its
   * bucket allows, with the key's own budget `perMinute` when it has one.
   */
  take(keyId: string, rows: number, perMinute: number = this.perMinute): RateDecision {
    if (!(Number.isInteger(rows) && rows >= 1)) throw new TfeError('E_ARG', `a rate-limited request must have a positive whole number of rows (got ${rows})`);
    checkBudget(perMinute, `the budget of key '${keyId}'`);
    const now = this.now();
    this.sweep(now);
    const cap = this.capacity(perMinute);
    const b = this.buckets.get(keyId);
    const level = b === undefined ? cap : this.levelAt(b, now, perMinute);
    const cost = rows * UNITS_PER_ROW;
    const need = Math.min(cost, cap);
    if (level >= need) {
      const left = level - cost;
      if (b === undefined) this.buckets.set(keyId, { level: left, at: now, perMinute });
      else Object.assign(b, { level: left, at: now, perMinute });
      return { allowed: true, remaining: Math.max(0, Math.floor(left / UNITS_PER_ROW)) };
    }
    const waitMs = Math.ceil((need - level) / perMinute);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Drops buckets that have refilled to full (equivalent to no bucket), at most once per burst interval. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.burstMs && now >= this.lastSweep) return;
    this.lastSweep = now;
    for (const [id, b] of this.buckets) {
      if (this.levelAt(b, now, b.perMinute) >= this.capacity(b.perMinute)) this.buckets.delete(id);
    }
  }

  /** How many buckets are held (keys that asked recently and have not refilled yet). */
  get size(): number {
    return this.buckets.size;
  }
}

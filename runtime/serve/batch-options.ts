/**
 * The batcher's options (batcher.ts), checked once at construction, and the padding rule.
 *
 * They follow TensorFlow Serving's batching parameters (tensorflow_serving/batching/
 * README.md, "Batch Scheduling Parameters and Tuning"): `maxBatch` is `max_batch_size`,
 * `batchTimeoutMs` is `batch_timeout_micros`, `padTo` is `allowed_batch_sizes` (whose last
 * entry must equal `max_batch_size` there too), `maxInFlight` is `num_batch_threads` (batches
 * processed at once), and `maxQueueRows` bounds the queue as `max_enqueued_batches` ×
 * `max_batch_size` does, counted in rows because requests carry several rows.
 */
import { TfeError } from '../../src/errors.js';

export interface BatcherOptions {
  /** Most rows in one batch (one secure session). TF Serving: max_batch_size. Default 32. */
  readonly maxBatch?: number;
  /**
   * Longest time (ms) the oldest queued request waits for more rows while a batch is in
   * flight. An idle batcher dispatches at once. TF Serving: batch_timeout_micros. Default 2.
   */
  readonly batchTimeoutMs?: number;
  /**
   * Allowed batch sizes, strictly increasing, the last equal to `maxBatch`: a batch of r real
   * rows runs at the smallest allowed size >= r, the rest zero rows (so the dealer's pool holds
   * bundles for few sizes). Empty or absent: a batch runs at its real row count.
   * TF Serving: allowed_batch_sizes.
   */
  readonly padTo?: readonly number[];
  /** Most batches running at once. Default 2. */
  readonly maxInFlight?: number;
  /** Most rows waiting in the queue (not counting running batches). Default 256. */
  readonly maxQueueRows?: number;
  /** Most rows in one request. Default `maxBatch`; at most `maxBatch` and `maxQueueRows`. */
  readonly maxRows?: number;
  /** A request not answered within this time (ms) from `submit` fails. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** Smallest Retry-After (s) given with an overload. Default 1. */
  readonly minRetryAfterSeconds?: number;
}

/** The options with every default filled in and checked. */
export interface BatcherConfig {
  readonly maxBatch: number;
  readonly batchTimeoutMs: number;
  readonly padTo: readonly number[];
  readonly maxInFlight: number;
  readonly maxQueueRows: number;
  readonly maxRows: number;
  readonly requestTimeoutMs: number;
  readonly minRetryAfterSeconds: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new TfeError('E_ARG', `batcher option ${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new TfeError('E_ARG', `batcher option ${name} must be a finite number >= 0, got ${v}`);
  return v;
}

/** Fills in defaults and checks the options; a bad option is an E_ARG error naming it. */
export function batcherConfig(o: BatcherOptions = {}): BatcherConfig {
  const maxBatch = positiveInt('maxBatch', o.maxBatch ?? 32);
  const padTo = [...(o.padTo ?? [])];
  padTo.forEach((s, i) => {
    positiveInt(`padTo[${i}]`, s);
    if (i > 0 && s <= padTo[i - 1]) throw new TfeError('E_ARG', `batcher option padTo must be strictly increasing, got ${padTo.join(',')}`);
  });
  if (padTo.length > 0 && padTo[padTo.length - 1] !== maxBatch) {
    throw new TfeError('E_ARG', `batcher option padTo must end with maxBatch (${maxBatch}), got ${padTo.join(',')}`, 'make the largest allowed batch size the maximum batch size, as TF Serving requires');
  }
  const maxQueueRows = positiveInt('maxQueueRows', o.maxQueueRows ?? 256);
  const maxRows = positiveInt('maxRows', o.maxRows ?? maxBatch);
  if (maxRows > maxBatch) throw new TfeError('E_ARG', `batcher option maxRows (${maxRows}) is above maxBatch (${maxBatch}): such a request could never run`);
  if (maxRows > maxQueueRows) throw new TfeError('E_ARG', `batcher option maxRows (${maxRows}) is above maxQueueRows (${maxQueueRows}): such a request could never be queued`);
  return {
    maxBatch,
    batchTimeoutMs: nonNegative('batchTimeoutMs', o.batchTimeoutMs ?? 2),
    padTo,
    maxInFlight: positiveInt('maxInFlight', o.maxInFlight ?? 2),
    maxQueueRows,
    maxRows,
    requestTimeoutMs: nonNegative('requestTimeoutMs', o.requestTimeoutMs ?? 10_000),
    minRetryAfterSeconds: positiveInt('minRetryAfterSeconds', o.minRetryAfterSeconds ?? 1),
  };
}

/**
 * The size a batch of `rows` real rows runs at: the smallest allowed size >= rows, or `rows`
 * itself without allowed sizes. `rows` is at most the largest allowed size (= maxBatch).
 */
export function paddedSize(rows: number, padTo: readonly number[]): number {
  if (padTo.length === 0) return rows;
  const s = padTo.find((p) => p >= rows);
  if (s === undefined) throw new TfeError('E_ARG', `a batch of ${rows} rows is above the largest allowed batch size ${padTo[padTo.length - 1]}`);
  return s;
}

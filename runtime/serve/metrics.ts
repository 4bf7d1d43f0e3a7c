/**
 * Prometheus metrics of the prediction service (issue 14; serve-design.md section 2.7), with
 * prom-client on a Registry of its own (so that two services in one process, as in tests,
 * never share series) plus prom-client's default process metrics (CPU, memory, event loop lag,
 * GC), served at `GET /metrics` in the text exposition format.
 *
 * Series (labels are always from small fixed sets, never from request content, so the number
 * of series is bounded):
 *
 * | name | type | labels | what |
 * |---|---|---|---|
 * | tfe_http_requests_total | counter | route, code | HTTP answers by route and status code |
 * | tfe_predictions_total | counter | outcome | infer requests by outcome: `ok` or the error code |
 * | tfe_rows_total | counter | | rows predicted (successful requests) |
 * | tfe_request_duration_seconds | histogram | route | time from request to answer, 1 ms .. 10 s |
 * | tfe_queue_rows | gauge | | rows waiting in the batcher's queue |
 * | tfe_sessions_in_flight | gauge | | secure sessions (batches) running |
 * | tfe_batch_rows | histogram | | real rows per batch |
 * | tfe_session_duration_seconds | histogram | | wall time of a batch's secure session |
 * | tfe_material_pool_bundles | gauge | batch | pooled correlated-randomness bundles per batch size |
 * | tfe_rejected_total | counter | reason | refusals: auth, rate, too-large, queue-full, draining, queue-timeout, timeout, not-ready |
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatcherGauges } from './batcher.js';

/** The routes as metric labels: one value per handler, never a raw path. */
export type RouteLabel = 'live' | 'ready' | 'metadata' | 'infer' | 'metrics' | 'static' | 'other';

/** Why a request was refused before or instead of running (the `reason` label of tfe_rejected_total). */
export type RejectReason = 'auth' | 'rate' | 'too-large' | 'queue-full' | 'draining' | 'queue-timeout' | 'timeout' | 'not-ready';

/** Where the gauges read their levels from when /metrics is scraped. */
export interface MetricSources {
  readonly batcher: () => BatcherGauges;
  readonly poolLevels: () => ReadonlyMap<number, number>;
}

/** 1 ms to 10 s, roughly x2.5 per step: latency of answers and sessions. */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Powers of two up to the largest batch sizes a plan is compiled for. */
const ROWS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'route' | 'code'>;
  private readonly predictions: Counter<'outcome'>;
  private readonly rows: Counter;
  private readonly duration: Histogram<'route'>;
  private readonly batchRows: Histogram;
  private readonly sessionSeconds: Histogram;
  private readonly rejected: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'tfe_http_requests_total', help: 'HTTP answers by route and status code', labelNames: ['route', 'code'], registers });
    this.predictions = new Counter({ name: 'tfe_predictions_total', help: 'Infer requests by outcome (ok, or the error code)', labelNames: ['outcome'], registers });
    this.rows = new Counter({ name: 'tfe_rows_total', help: 'Rows predicted by successful infer requests', registers });
    this.duration = new Histogram({ name: 'tfe_request_duration_seconds', help: 'Time from request to answer', labelNames: ['route'], buckets: SECONDS_BUCKETS, registers });
    new Gauge({
      name: 'tfe_queue_rows',
      help: 'Rows waiting in the batch queue',
      registers,
      collect() {
        this.set(sources.batcher().queuedRows);
      },
    });
    new Gauge({
      name: 'tfe_sessions_in_flight',
      help: 'Secure sessions (batches) running',
      registers,
      collect() {
        this.set(sources.batcher().inFlightBatches);
      },
    });
    this.batchRows = new Histogram({ name: 'tfe_batch_rows', help: 'Real rows per batch (one secure session)', buckets: ROWS_BUCKETS, registers });
    this.sessionSeconds = new Histogram({ name: 'tfe_session_duration_seconds', help: 'Wall time of a batch, from dispatch to its answers', buckets: SECONDS_BUCKETS, registers });
    new Gauge({
      name: 'tfe_material_pool_bundles',
      help: 'Pooled bundles of correlated randomness, by batch size',
      labelNames: ['batch'],
      registers,
      collect() {
        this.reset();
        for (const [batch, n] of sources.poolLevels()) this.set({ batch: String(batch) }, n);
      },
    });
    this.rejected = new Counter({ name: 'tfe_rejected_total', help: 'Requests refused, by reason', labelNames: ['reason'], registers });
  }

  /** One HTTP answer. */
  observeHttp(route: RouteLabel, status: number, seconds: number): void {
    this.httpRequests.inc({ route, code: String(status) });
    this.duration.observe({ route }, seconds);
  }

  /** One infer request's outcome: `ok` with its rows, or its error code. */
  observePrediction(outcome: string, rows: number): void {
    this.predictions.inc({ outcome });
    if (outcome === 'ok') this.rows.inc(rows);
  }

  /** One batch finished. */
  observeBatch(realRows: number, seconds: number): void {
    this.batchRows.observe(realRows);
    this.sessionSeconds.observe(seconds);
  }

  reject(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ type: string; body: string }> {
    return { type: this.registry.contentType, body: await this.registry.metrics() };
  }
}

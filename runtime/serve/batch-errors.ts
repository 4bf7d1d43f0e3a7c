/**
 * The errors with which the batcher (batcher.ts) refuses or gives up on a request. They are
 * TfeErrors with their own codes so that the HTTP layer can map them without parsing text:
 *
 * | error | code | HTTP (runtime/serve/http.ts) |
 * |---|---|---|
 * | `OverloadError` reason `queue-full`, `draining`, `queue-timeout` | E_OVERLOAD | 503 + `Retry-After: retryAfterSeconds` |
 * | `RequestTimeoutError` (the request's batch was already running) | E_TIMEOUT | 504 |
 *
 * A request still queued at its deadline never started any secure work, so a retry is safe
 * and cheap: 503 with Retry-After. A request whose batch already runs did start work (its
 * shares were sent to the other servers); its late result is dropped: 504.
 */
import { TfeError } from '../../src/errors.js';

/** Why a request was refused or dropped before it reached a batch. */
export type OverloadReason = 'queue-full' | 'draining' | 'queue-timeout';

/** The request was not admitted, or left the queue unserved; retry after `retryAfterSeconds`. */
export class OverloadError extends TfeError {
  readonly reason: OverloadReason;
  /** Whole seconds (>= 1) after which a retry may succeed: the value of the Retry-After header. */
  readonly retryAfterSeconds: number;
  constructor(reason: OverloadReason, message: string, retryAfterSeconds: number, hint?: string) {
    super('E_OVERLOAD', message, hint);
    this.name = 'OverloadError';
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The request's batch was running when its deadline passed; its result, when it comes, is dropped. */
export class RequestTimeoutError extends TfeError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, hint?: string) {
    super('E_TIMEOUT', message, hint);
    this.name = 'RequestTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * How the prediction service's errors become HTTP answers (serve-design.md section 2.3):
 * every refusal is a TfeError whose code decides the status, and the body is the OIP-shaped
 * ErrorResponse `{"error", "code", "hint"?}` (oip.ts). The errors that carry more than a code
 * (a status of their own, a Retry-After) are the classes below and the batcher's
 * (batch-errors.ts).
 *
 * | code | status |
 * |---|---|
 * | E_ARG, E_SHAPE, E_CIPHERTEXT, E_PLAINTEXT, E_RANGE, E_FORMAT | 400 |
 * | E_AUTH | 401 + WWW-Authenticate |
 * | E_PLAN | 409 (the client's metadata is stale) |
 * | E_RATE | 429 + Retry-After |
 * | E_OVERLOAD | 503 + Retry-After |
 * | E_TIMEOUT | 504 |
 * | E_HTTP | its own status (404, 405 + Allow, 413, 415) |
 * | anything else | 500 (a failed session: its TfeError text; an unexpected exception: a fixed text) |
 */
import { TfeError } from '../../src/errors.js';
import { OverloadError, RequestTimeoutError } from './batch-errors.js';
import type { RejectReason } from './metrics.js';
import type { ErrorResponse } from './oip.js';

/** A refusal at the HTTP level with its own status (404, 405, 413, 415). */
export class HttpError extends TfeError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, message: string, hint?: string, headers: Readonly<Record<string, string>> = {}) {
    super('E_HTTP', message, hint);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

/** 401: no valid API key. */
export class AuthError extends TfeError {
  readonly wwwAuthenticate: string;
  constructor(message: string, wwwAuthenticate: string) {
    super('E_AUTH', message, 'send Authorization: Bearer TOKEN with a key the operator issued (tfe serve-keys add)');
    this.name = 'AuthError';
    this.wwwAuthenticate = wwwAuthenticate;
  }
}

/** 429: the key's row budget is spent for now. */
export class RateLimitedError extends TfeError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('E_RATE', message, `retry after ${retryAfterSeconds} s (Retry-After), or ask the operator for a larger budget`);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 503 before the batcher: the deployment is not ready, or the service is shutting down. */
export class UnavailableError extends TfeError {
  readonly reason: 'not-ready' | 'draining';
  readonly retryAfterSeconds: number;
  constructor(reason: 'not-ready' | 'draining', message: string, retryAfterSeconds = 1) {
    super('E_OVERLOAD', message, reason === 'draining' ? 'retry on another replica or after the restart' : 'retry after the Retry-After delay; GET /v2/health/ready says when the service is ready');
    this.name = 'UnavailableError';
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** An error as an HTTP answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ErrorResponse;
  /** Set for refusals counted in tfe_rejected_total. */
  readonly reject?: RejectReason;
}

const BAD_REQUEST = new Set(['E_ARG', 'E_SHAPE', 'E_CIPHERTEXT', 'E_PLAINTEXT', 'E_RANGE', 'E_FORMAT']);

/** The HTTP answer for an error thrown while handling a request. */
export function errorAnswer(e: unknown): ErrorAnswer {
  if (!(e instanceof TfeError)) {
    return { status: 500, headers: {}, body: { error: 'internal error while handling the request', code: 'E_INTERNAL' } };
  }
  const body: ErrorResponse = e.hint === undefined ? { error: e.message, code: e.code } : { error: e.message, code: e.code, hint: e.hint };
  if (e instanceof HttpError) return { status: e.status, headers: e.headers, body, ...(e.status === 413 ? { reject: 'too-large' as const } : {}) };
  if (e instanceof AuthError) return { status: 401, headers: { 'www-authenticate': e.wwwAuthenticate }, body, reject: 'auth' };
  if (e instanceof RateLimitedError) return { status: 429, headers: { 'retry-after': String(e.retryAfterSeconds) }, body, reject: 'rate' };
  if (e instanceof UnavailableError) return { status: 503, headers: { 'retry-after': String(e.retryAfterSeconds) }, body, reject: e.reason };
  // The batcher counts its own refusals (queue-full, draining, queue-timeout, timeout) through its hook.
  if (e instanceof OverloadError) return { status: 503, headers: { 'retry-after': String(e.retryAfterSeconds) }, body };
  if (e instanceof RequestTimeoutError) return { status: 504, headers: {}, body };
  if (BAD_REQUEST.has(e.code)) return { status: 400, headers: {}, body };
  if (e.code === 'E_PLAN') return { status: 409, headers: {}, body };
  if (e.code === 'E_OVERLOAD') return { status: 503, headers: { 'retry-after': '1' }, body };
  if (e.code === 'E_TIMEOUT') return { status: 504, headers: {}, body };
  return { status: 500, headers: {}, body };
}

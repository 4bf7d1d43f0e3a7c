/**
 * Structured request logs of the prediction service (issue 14: "every request logged with its
 * key's id, never its shares"; serve-design.md section 2.7), with pino: one JSON line per
 * answered HTTP request, to stderr unless a destination is given (tests capture it).
 *
 * What a line holds is the closed set of fields of {@link RequestLogLine}: ids, sizes,
 * timings, status and error code. Nothing else is ever passed to the logger by the service,
 * so a body, a share, an envelope or a token cannot reach the log by accident; as a second
 * guard pino's `redact` censors any `authorization` header or `token` field should a future
 * caller log one. Error messages logged here are the service's own texts, which name roles,
 * shapes and sizes but never quote request content.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** One line per request; every field but `req_id`, `route` and `status` may be absent (not known yet, or not an infer). */
export interface RequestLogLine {
  /** The service's id for the request (also in the `x-request-id` answer header). */
  readonly req_id: string;
  /** The client's own id, if it sent one (at most 64 characters, oip.ts). */
  readonly client_id?: string;
  /** The API key's id (from the key file), never the token. */
  readonly key_id?: string;
  readonly model?: string;
  readonly method: string;
  readonly route: string;
  readonly rows?: number;
  /** Real rows and padded size of the batch the request ran in. */
  readonly batch_rows?: number;
  readonly batch_size?: number;
  readonly status: number;
  /** The error code of a refused or failed request. */
  readonly code?: string;
  /** The error message (the service's own text; never request content). */
  readonly error?: string;
  readonly queue_ms?: number;
  readonly session_ms?: number;
  readonly total_ms: number;
  readonly bytes_in?: number;
}

export type RequestLogger = Logger;

/**
 * A logger writing JSON lines to `destination` (default: stderr, synchronous writes so that
 * nothing is lost when the process exits after a drain).
 */
export function createRequestLogger(destination?: DestinationStream): RequestLogger {
  return pino(
    {
      base: { component: 'http' },
      redact: { paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'token', '*.token'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** Logs one answered request: `info` below 500, `error` from 500 on. */
export function logRequest(logger: RequestLogger, line: RequestLogLine): void {
  if (line.status >= 500 && line.status !== 503 && line.status !== 504) logger.error(line, 'request failed');
  else logger.info(line, 'request');
}

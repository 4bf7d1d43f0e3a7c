/**
 * The leader's HTTP listener (issue 14; serve-design.md sections 2.3, 2.6, 2.7) on node:http
 * (node:https with the `tls` option),
 * shaped like the Open Inference Protocol v2:
 *
 * | route | answer |
 * |---|---|
 * | GET /v2/health/live | 200 `{"live":true}` while the process runs (also while draining) |
 * | GET /v2/health/ready, GET /v2/models/NAME/ready | 200 `{"ready":true}`, or 503 + Retry-After with the reason |
 * | GET /v2/models/NAME | the model metadata (API key needed when keys are configured) |
 * | POST /v2/models/NAME/infer | a prediction (API key needed when keys are configured) |
 * | GET /v2/models/NAME/ca.pem | the deployment CA certificate (with the `caPem` option) |
 * | GET /metrics | Prometheus text (no key: scrape it from the operator's network) |
 * | GET anything else | the `static` option's answer (the demo page at `/`), else 404 |
 *
 * Checks, in order: 404 route or model name, 405 method (+ Allow), 415 not JSON, 413 declared
 * Content-Length above `maxBodyBytes`, 401 + WWW-Authenticate (auth.ts; no key file: no
 * auth), then the body is read with a running count and reading stops at `maxBodyBytes` (413,
 * connection closed), 400 not JSON, then the service's checks (service.ts: 400/409), 429 +
 * Retry-After (ratelimit.ts, rows per key, after validation and before any decryption or
 * queueing), 503 + Retry-After (not ready, overload, draining), 504 (request timeout).
 *
 * Limits: headers at most 16 KiB (`maxHeaderSize`), the whole request within 5 s
 * (`requestTimeout`, `headersTimeout`), idle keep-alive connections closed after 5 s.
 *
 * `drain(ms)` is for SIGTERM: readiness turns 503, the listener stops accepting, idle
 * connections close, requests arriving on live keep-alive connections get 503 + `Connection:
 * close`, queued and running requests finish (or are refused at `ms`), then every connection
 * closes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TfeError } from '../../src/errors.js';
import type { ApiKeys } from './auth.js';
import type { DrainResult } from './batcher.js';
import { AuthError, errorAnswer, HttpError, RateLimitedError, UnavailableError } from './http-errors.js';
import { jsonSyntaxWhere } from './json-where.js';
import { createRequestLogger, logRequest, type RequestLogger } from './log.js';
import type { RouteLabel } from './metrics.js';
import { RateLimiter, type RateLimitOptions } from './ratelimit.js';
import type { PredictionService, RequestNote } from './service.js';

/** A static answer (the demo page and its assets). */
export interface StaticAnswer {
  /** Content-Type. */
  readonly type: string;
  readonly body: string | Uint8Array;
  /** Extra headers (the demo page's Content-Security-Policy, nosniff). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpOptions {
  /** Interface to listen on (127.0.0.1 for `tfe serve`). */
  readonly host: string;
  /** Port; 0 picks a free one (see the handle's `url`). */
  readonly port: number;
  /** API keys; absent: no authentication (loopback `tfe serve`). */
  readonly apiKeys?: ApiKeys;
  /** Rows per minute per key (keys without their own budget); absent: no rate limit. Without keys, all callers share one budget. */
  readonly rateLimit?: RateLimitOptions;
  /** Largest request body (bytes); default the service's `maxBodyBytes()`. */
  readonly maxBodyBytes?: number;
  /** Time to receive a whole request (ms). Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive connections close after this (ms). Default 5000. */
  readonly keepAliveTimeoutMs?: number;
  /** Largest request head (bytes). Default 16 KiB. */
  readonly maxHeaderSize?: number;
  /** Request log; default JSON lines on stderr. */
  readonly logger?: RequestLogger;
  /** The deployment CA certificate (PEM), served at `/v2/models/NAME/ca.pem` (browser clients check it against their pin). */
  readonly caPem?: string;
  /** GET paths outside /v2 and /metrics: the demo page. */
  readonly static?: (path: string) => StaticAnswer | undefined;
  /**
   * Serve HTTPS (node:https) with this certificate and key (PEM), for a non-loopback
   * listener: without it a bearer token and the page's code travel in clear, and browsers
   * give a non-loopback http:// page no WebCrypto.
   */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface HttpHandle {
  /** `http://HOST:PORT` or `https://…` (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** Stops at once: refuses what is queued, closes every connection. */
  close(): Promise<void>;
  /** Graceful stop (SIGTERM): see the module comment. Resolves when the listener is closed. */
  drain(timeoutMs: number): Promise<DrainResult>;
}

/** The status logged for a request whose client closed the connection before the answer (nginx's convention). */
const CLIENT_CLOSED = 499;

/** Whether a Content-Type is JSON (`application/json`, any parameters, or a `+json` type). */
function isJson(type: string | undefined): boolean {
  if (type === undefined) return false;
  const t = type.split(';')[0].trim().toLowerCase();
  return t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
}

/** Reads the body with a running count; 413 (HttpError) once it passes `max`, without reading further. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      f();
    };
    const onData = (c: Buffer): void => {
      n += c.length;
      if (n > max) {
        req.pause();
        finish(() => reject(tooLarge(max, `more than ${max}`)));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => finish(() => resolve(Buffer.concat(chunks, n))));
    req.once('error', (e) => finish(() => reject(new HttpError(400, `the request body could not be read (${e.message})`))));
    req.once('close', () => finish(() => reject(new HttpError(400, 'the connection closed before the request body was complete'))));
  });
}

function tooLarge(max: number, got: string): HttpError {
  return new HttpError(413, `the request body has ${got} bytes, this server takes at most ${max}`, 'send at most max_rows rows per request (GET /v2/models/NAME), sealed as tfe predict and tfe/client do');
}

/** JSON.parse, with a 400 naming the line and column (never quoting the body) on a syntax error. */
function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    const w = jsonSyntaxWhere(text);
    const at = w === undefined ? '' : ` at line ${w.line}, column ${w.column} (${w.reason})`;
    throw new TfeError('E_ARG', `the request body is not valid JSON${at}`, 'send an OIP infer request as application/json');
  }
}

interface Route {
  readonly label: RouteLabel;
  readonly methods: readonly string[];
  readonly handle: (req: IncomingMessage, res: ServerResponse, ctx: RequestState) => Promise<void>;
}

/** What is known about a request as it is handled: the log line's fields. */
interface RequestState {
  readonly id: string;
  readonly started: number;
  route: RouteLabel;
  keyId?: string;
  bytesIn?: number;
  code?: string;
  error?: string;
  readonly note: RequestNote;
}

export async function startHttp(service: PredictionService, options: HttpOptions): Promise<HttpHandle> {
  const logger = options.logger ?? createRequestLogger();
  const maxBody = options.maxBodyBytes ?? service.maxBodyBytes();
  const limiter = options.rateLimit === undefined ? undefined : new RateLimiter(options.rateLimit);
  const name = service.name;
  const base = `/v2/models/${encodeURIComponent(name)}`;
  let draining = false;
  const inFlight = new Set<Promise<void>>();

  const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array, headers: Readonly<Record<string, string>> = {}): void => {
    if (res.headersSent) return;
    const h: Record<string, string | number> = { 'content-type': type, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length, 'cache-control': 'no-store', ...headers };
    if (draining) h.connection = 'close';
    res.writeHead(status, h);
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void => {
    send(res, status, 'application/json', JSON.stringify(value), headers);
  };

  /** Checks the API key (when keys are configured) and returns the key id; throws AuthError. */
  const authenticate = (req: IncomingMessage, st: RequestState): { keyId: string | undefined; perMinute: number | undefined } => {
    if (options.apiKeys === undefined) return { keyId: undefined, perMinute: undefined };
    const a = options.apiKeys.authenticate(req.headers.authorization);
    if (!a.ok) throw new AuthError(a.message, a.wwwAuthenticate);
    st.keyId = a.keyId;
    return { keyId: a.keyId, perMinute: a.perMinute };
  };

  const ready = (res: ServerResponse): Promise<void> => {
    const r = service.readiness();
    if (r.ready) sendJson(res, 200, { ready: true });
    else sendJson(res, 503, { ready: false, error: `not ready: ${r.reason}`, code: 'E_OVERLOAD' }, { 'retry-after': '1' });
    return Promise.resolve();
  };

  const routes = new Map<string, Route>([
    ['/v2/health/live', { label: 'live', methods: ['GET', 'HEAD'], handle: (_q, res) => Promise.resolve(sendJson(res, 200, { live: true })) }],
    ['/v2/health/ready', { label: 'ready', methods: ['GET', 'HEAD'], handle: (_q, res) => ready(res) }],
    [`${base}/ready`, { label: 'ready', methods: ['GET', 'HEAD'], handle: (_q, res) => ready(res) }],
    ['/metrics', {
      label: 'metrics',
      methods: ['GET'],
      handle: async (_q, res) => {
        const m = await service.metrics.exposition();
        send(res, 200, m.type, m.body);
      },
    }],
    [base, {
      label: 'metadata',
      methods: ['GET'],
      handle: (req, res, st) => {
        authenticate(req, st);
        sendJson(res, 200, service.metadata());
        return Promise.resolve();
      },
    }],
    // the deployment CA, for browser pages that pin its SHA-256 (the pin, not this answer, is what they trust)
    ...(options.caPem === undefined ? [] : [[`${base}/ca.pem`, {
      label: 'metadata' as const,
      methods: ['GET'],
      handle: (_q: IncomingMessage, res: ServerResponse) => Promise.resolve(send(res, 200, 'application/x-pem-file', options.caPem as string)),
    }] as [string, Route]]),
    [`${base}/infer`, {
      label: 'infer',
      methods: ['POST'],
      handle: async (req, res, st) => {
        if (!isJson(req.headers['content-type'])) throw new HttpError(415, `the infer body must be application/json, got ${JSON.stringify((req.headers['content-type'] ?? 'none').slice(0, 64))}`, 'send Content-Type: application/json');
        const declared = req.headers['content-length'];
        if (declared !== undefined && Number(declared) > maxBody) throw tooLarge(maxBody, declared);
        const who = authenticate(req, st);
        if (draining) throw new UnavailableError('draining', 'the service is shutting down and takes no new requests');
        const bytes = await readBody(req, maxBody);
        st.bytesIn = bytes.length;
        const body = parseJson(bytes);
        const admit = limiter === undefined ? undefined : (rows: number): void => {
          const d = limiter.take(who.keyId ?? '(anonymous)', rows, who.perMinute);
          if (!d.allowed) throw new RateLimitedError(`${who.keyId === undefined ? 'this server' : `key '${who.keyId}'`} has used its budget of rows for now (this request has ${rows})`, d.retryAfterSeconds);
        };
        const answer = await service.infer(body, { admit, note: st.note });
        sendJson(res, 200, answer);
      },
    }],
  ]);

  const routeOf = (path: string): Route | undefined => {
    const r = routes.get(path);
    if (r !== undefined) return r;
    if (path.startsWith('/v2/models/')) {
      const asked = decodeSafe(path.slice('/v2/models/'.length).split('/')[0]);
      if (asked !== name) throw new HttpError(404, `no model named '${asked.slice(0, 64)}' here; this server serves '${name}'`, `use ${base}`);
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, st: RequestState): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    const route = routeOf(path);
    if (route === undefined) {
      if (options.static !== undefined && (method === 'GET' || method === 'HEAD') && !path.startsWith('/v2/')) {
        const s = options.static(path);
        if (s !== undefined) {
          st.route = 'static';
          return send(res, 200, s.type, s.body, s.headers ?? {});
        }
      }
      throw new HttpError(404, `no route ${path.slice(0, 100)}`, `the routes are /v2/health/live, /v2/health/ready, ${base}, ${base}/infer and /metrics`);
    }
    st.route = route.label;
    if (!route.methods.includes(method)) throw new HttpError(405, `${method} is not allowed on ${path}`, `use ${route.methods.join(' or ')}`, { allow: route.methods.join(', ') });
    await route.handle(req, res, st);
  };

  const limits = { maxHeaderSize: options.maxHeaderSize ?? 16 * 1024, requestTimeout: options.requestTimeoutMs ?? 5000, headersTimeout: options.requestTimeoutMs ?? 5000 };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const st: RequestState = { id: randomUUID(), started: performance.now(), route: 'other', note: {} };
    res.setHeader('x-request-id', st.id);
    const p = handle(req, res, st).catch((e: unknown) => {
      const a = errorAnswer(e);
      st.code = a.body.code;
      st.error = a.body.error;
      if (a.reject !== undefined) service.metrics.reject(a.reject);
      const closing = a.status === 413 || !req.complete;
      send(res, a.status, 'application/json', JSON.stringify(a.body), closing ? { ...a.headers, connection: 'close' } : a.headers);
      // An unread body is abandoned: the connection closes once the answer is out.
      if (closing) res.once('finish', () => req.destroy());
    }).finally(() => {
      inFlight.delete(p);
    });
    inFlight.add(p);
    res.once('close', () => {
      const ms = performance.now() - st.started;
      // A client that hung up before its answer: 499, as nginx logs it (nothing was sent).
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      if (status === CLIENT_CLOSED && st.code === undefined) {
        st.code = 'E_HTTP';
        st.error = 'the client closed the connection before the answer';
      }
      service.metrics.observeHttp(st.route, status, ms / 1000);
      const n = st.note;
      logRequest(logger, {
        req_id: st.id,
        ...(n.clientId === undefined ? {} : { client_id: n.clientId }),
        ...(st.keyId === undefined ? {} : { key_id: st.keyId }),
        ...(st.route === 'infer' || st.route === 'metadata' ? { model: name } : {}),
        method: req.method ?? '',
        route: st.route,
        ...(n.rows === undefined ? {} : { rows: n.rows }),
        ...(n.batchRows === undefined ? {} : { batch_rows: n.batchRows, batch_size: n.batchSize }),
        status,
        ...(st.code === undefined ? {} : { code: st.code, error: st.error }),
        ...(n.queueMs === undefined ? {} : { queue_ms: round3(n.queueMs) }),
        ...(n.sessionMs === undefined ? {} : { session_ms: round3(n.sessionMs) }),
        total_ms: round3(ms),
        ...(st.bytesIn === undefined ? {} : { bytes_in: st.bytesIn }),
      });
    });
  };
  const server: Server = options.tls === undefined
    ? createServer(limits, onRequest)
    : createHttpsServer({ ...limits, cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, onRequest);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new TfeError('E_IO', `cannot listen on ${options.host}:${options.port} (${e.code ?? e.message})`, e.code === 'EADDRINUSE' ? 'choose another port' : undefined)));
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));

  const stopListening = (): void => {
    draining = true;
    if (server.listening) server.close();
    server.closeIdleConnections();
  };

  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`,
    port,
    async close() {
      stopListening();
      void service.drain(0);
      server.closeAllConnections();
      await closed;
    },
    async drain(timeoutMs: number) {
      const deadline = performance.now() + timeoutMs;
      stopListening();
      const result = await service.drain(timeoutMs);
      // Answers being written (sealing, JSON) finish; those still reading a body are cut at the deadline.
      await Promise.race([Promise.allSettled([...inFlight]), delay(Math.max(0, deadline - performance.now()))]);
      server.closeAllConnections();
      await closed;
      return result;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Starts the prediction service's HTTP listener on a free loopback port over the fake
 * compute party (serve-fixtures.ts), with the request log captured, for the HTTP tests.
 */
import { request } from 'node:http';
import type { Plan } from '../../src/plan/index.js';
import { startHttp, type HttpHandle, type HttpOptions } from '../../runtime/serve/http.js';
import { createRequestLogger } from '../../runtime/serve/log.js';
import { PredictionService, type PredictionServiceOptions } from '../../runtime/serve/service.js';
import { FakeCompute, freshKey, LogCapture, type ClientView, type FakeOptions } from './serve-fixtures.js';

export interface Harness {
  readonly h: HttpHandle;
  readonly service: PredictionService;
  readonly fake: FakeCompute;
  readonly view: ClientView;
  readonly log: LogCapture;
  /** `${url}/v2/models/A`. */
  readonly model: string;
}

export async function startHarness(plan: Plan, o: { service?: PredictionServiceOptions; http?: Partial<HttpOptions>; fake?: FakeOptions } = {}): Promise<Harness> {
  const key0 = freshKey();
  const key1 = freshKey();
  const fake = new FakeCompute(plan, key0.publicRaw, key1, o.fake);
  const service = new PredictionService({ compute: fake, name: 'A', hpkeKey: key0, options: o.service });
  const log = new LogCapture();
  const h = await startHttp(service, { host: '127.0.0.1', port: 0, logger: createRequestLogger(log), ...o.http });
  const view: ClientView = { model: 'A', plan, keys: new Map([['server0', key0.publicRaw], ['server1', key1.publicRaw]]) };
  return { h, service, fake, view, log, model: `${h.url}/v2/models/A` };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

/** POSTs a JSON value (or raw text) and parses the JSON answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, headers: r.headers, json: (await r.json()) as Record<string, unknown> };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer & { text: string }> {
  const r = await fetch(url, { headers });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (metrics)
  }
  return { status: r.status, headers: r.headers, json, text };
}

/**
 * Streams a chunked body of `total` bytes without Content-Length, and resolves with the
 * status of the answer (which may come before the body is all sent), or with the error code
 * of the connection when there is no answer.
 */
export function streamPost(url: string, total: number): Promise<{ status: number; json: Record<string, unknown> } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (!answered) resolve({ error: e.code ?? e.message });
    });
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const pump = (): void => {
      while (sent < total && !answered) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    req.write('{"inputs": ');
    pump();
  });
}

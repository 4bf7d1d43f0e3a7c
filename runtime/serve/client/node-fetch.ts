/**
 * A `fetch` for the Node client over node:http / node:https with keep-alive agents. Node's
 * global fetch (undici) costs about 0.5-1 ms of CPU per request in its stream and
 * promise machinery (V8 profiles of the serve benchmark's load generator); the client
 * sends one small JSON request and reads one JSON answer, which node:http does for a
 * fraction. It returns a standard `Response` so core.ts is unchanged, honours
 * `AbortSignal` (the client's timeout) and rejects with a TypeError for network errors,
 * as fetch does.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike } from './core.js';

/** A fetch with its own keep-alive agents (one per client). */
export function nodeFetch(): FetchLike {
  const http = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  const https = new HttpsAgent({ keepAlive: true, maxSockets: 256 });
  return (url, init) => new Promise<Response>((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const body = typeof init?.body === 'string' ? Buffer.from(init.body) : undefined;
    if (body) headers['content-length'] = String(body.length);
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
      return;
    }
    const req = (secure ? httpsRequest : httpRequest)(u, { method: init?.method ?? 'GET', headers, agent: secure ? https : http }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new TypeError('fetch failed', { cause: e })));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === 'string') h.set(k, v);
          else if (Array.isArray(v)) for (const x of v) h.append(k, x);
        }
        const status = res.statusCode ?? 500;
        const empty = status === 204 || status === 304 || init?.method === 'HEAD';
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: h }));
      });
    });
    const onAbort = (): void => {
      req.destroy();
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.on('error', (e) => reject(new TypeError('fetch failed', { cause: e })));
    req.end(body);
  });
}

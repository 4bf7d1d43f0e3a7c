/**
 * Headless-browser support for the tests of the browser client and demo page (issue 14):
 * find a system Chromium, launch it with playwright-core (no browser download: the
 * library drives the given executable over CDP), serve a few files from a loopback
 * node:http server, and collect what the page reports as errors.
 *
 * Chromium is looked up in order: the TFE_CHROMIUM environment variable (which must then
 * name an executable file: a wrong path is an error, not a skip), /usr/bin/chromium
 * (Debian's package, which .ci/run installs when missing), then `chromium` or
 * `chromium-browser` on PATH. Without one the browser tests skip with a message saying how
 * to get one. As root Chromium refuses to start without `--no-sandbox`, so that flag is
 * added for root only.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where a Chromium is, or why the browser tests skip. */
export type ChromiumLookup = { readonly path: string } | { readonly skip: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Finds a Chromium executable (see the module comment for the order; `system` are the fixed paths tried before PATH). */
export function findChromium(env: NodeJS.ProcessEnv = process.env, system: readonly string[] = ['/usr/bin/chromium']): ChromiumLookup {
  const forced = env.TFE_CHROMIUM;
  if (forced !== undefined && forced !== '') {
    if (!executable(forced)) throw new Error(`TFE_CHROMIUM=${forced} is not an executable file: point it at a Chromium binary, or unset it`);
    return { path: forced };
  }
  for (const p of system) if (executable(p)) return { path: p };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of ['chromium', 'chromium-browser']) {
      const p = join(dir, name);
      if (executable(p)) return { path: p };
    }
  }
  return { skip: 'no Chromium found (TFE_CHROMIUM, /usr/bin/chromium, chromium on PATH): install it (apt-get install chromium) to run the browser tests' };
}

/** The `skip` option of node:test for the browser tests: the reason, or false when a Chromium is there. */
export function browserSkip(found: ChromiumLookup = findChromium()): string | false {
  return 'skip' in found ? found.skip : false;
}

/** Launches the Chromium at `path`, headless (with --no-sandbox when running as root). */
export async function launchChromium(path: string): Promise<Browser> {
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: path, headless: true, args: root ? ['--no-sandbox'] : [], timeout: 60_000 });
}

/** A file the test server answers with. */
export interface ServedFile {
  readonly type: string;
  readonly body: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly origin: string;
  /** The URL paths requested so far, in order. */
  readonly requested: readonly string[];
  close(): Promise<void>;
}

/** A loopback HTTP server answering GET `path` (no query) from `files(path)`, 404 otherwise. */
export async function serveFiles(files: (path: string) => ServedFile | undefined): Promise<TestServer> {
  const requested: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requested.push(path);
    const f = req.method === 'GET' ? files(path) : undefined;
    if (f === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${path}`);
      return;
    }
    res.writeHead(200, { ...f.headers, 'content-type': f.type, 'cache-control': 'no-store' }).end(f.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requested,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** What a page reported as wrong: console errors and uncaught exceptions (with their messages). */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly uncaught: string[];
}

/** Starts collecting a page's console errors and uncaught exceptions. */
export function watchProblems(page: Page): PageProblems {
  const p: PageProblems = { consoleErrors: [], uncaught: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') p.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => p.uncaught.push(e.message));
  return p;
}

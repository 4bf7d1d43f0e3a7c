/**
 * The files of the browser demo, for the leader's HTTP server with `--demo` (issue 14):
 * `/` (index.html), `/tfe-client.js` (the client bundle) and `/demo.js` (the page's
 * script), all from dist/web, which `npm run build:web` writes (part of `npm run build`).
 *
 * Each asset carries the headers to send with it (a Content-Security-Policy for the page).
 * index.html gets two `<meta>` tags in place of its `<!--tfe-meta-->` marker: `tfe-model`
 * (the model the page asks for) and, when the deployment CA is given, `tfe-ca-sha256`:
 * the hex SHA-256 of the CA certificate's DER, which the page hands to the client as the pin
 * the server keys must chain to. What that pin is worth: a page served by the leader is
 * code the leader chose, so the pin protects against a swapped helper key only when the page
 * itself comes from elsewhere (saved, or hosted by the model owner); see the README.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { packageRoot } from '../package-root.js';

/** One file of the demo: its Content-Type, bytes, and further headers to send with it. */
export interface DemoAsset {
  readonly type: string;
  readonly body: Buffer;
  /** `content-security-policy` (the page) and `x-content-type-options` (every file). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The page's Content-Security-Policy: scripts only from the leader's origin (no inline
 * script, no eval), requests only to it (`connect-src 'self'`: a script injected through
 * the page cannot post the drawing elsewhere), the page's own inline `<style>` and a `data:`
 * favicon, and no framing. Tested in headless Chromium (test/serve/demo-page.test.ts).
 */
export const DEMO_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface DemoAssetOptions {
  /** The model name the page predicts with (`GET /v2/models/NAME`). */
  readonly model: string;
  /** The deployment CA certificate (PEM); its DER's SHA-256 becomes the page's pin. */
  readonly caPem?: string;
  /** Where the built files are (default: dist/web of the package). */
  readonly webDir?: string;
}

/** The files served, by URL path. */
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/tfe-client.js': { file: 'tfe-client.js', type: 'text/javascript; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
};

const MARKER = '<!--tfe-meta-->';

/** The hex SHA-256 of a PEM certificate's DER (the first certificate of the PEM): the page's CA pin. */
export function caSha256(caPem: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(caPem);
  } catch (e) {
    throw new TfeError('E_FORMAT', `the CA certificate for the demo page is not a PEM certificate (${e instanceof Error ? e.message : String(e)})`, "give the deployment's ca.pem");
  }
  return createHash('sha256').update(cert.raw).digest('hex');
}

/** The default directory of the built files: dist/web under the package root. */
export function defaultWebDir(): string {
  const root = packageRoot();
  if (root === undefined) throw new TfeError('E_IO', 'cannot find the tfe package root to serve the demo page from');
  return join(root, 'dist', 'web');
}

/**
 * Reads the demo's files now (so a server started with `--demo` fails at start, not at the
 * first page view, when they were not built) and returns the lookup by URL path (the path
 * only, without query string): undefined for any other path.
 */
export function demoAssets(options: DemoAssetOptions): (path: string) => DemoAsset | undefined {
  const dir = options.webDir ?? defaultWebDir();
  const meta = [`<meta name="tfe-model" content="${attribute(options.model)}">`];
  if (options.caPem !== undefined) meta.push(`<meta name="tfe-ca-sha256" content="${caSha256(options.caPem)}">`);
  const bodies = new Map<string, Buffer>();
  for (const name of new Set(Object.values(FILES).map((f) => f.file))) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new TfeError('E_IO', `the demo page's ${name} is missing from ${dir}`, 'build it with npm run build:web (part of npm run build)');
    let body = readFileSync(path);
    if (name === 'index.html') {
      const html = body.toString('utf8');
      if (!html.includes(MARKER)) throw new TfeError('E_FORMAT', `${path} has no ${MARKER} marker for the page's meta tags`, 'rebuild it with npm run build:web');
      body = Buffer.from(html.replace(MARKER, meta.join('\n')), 'utf8');
    }
    bodies.set(name, body);
  }
  return (path) => {
    const f = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
    const body = f === undefined ? undefined : bodies.get(f.file);
    if (f === undefined || body === undefined) return undefined;
    const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' };
    if (f.file === 'index.html') headers['content-security-policy'] = DEMO_CSP;
    return { type: f.type, body, headers };
  };
}

/** One lookup of {@link demoAssets} (reads the files on each call: prefer demoAssets once at start). */
export function demoAsset(path: string, options: DemoAssetOptions): DemoAsset | undefined {
  return demoAssets(options)(path);
}

/** An HTML attribute value with &, <, >, " and ' escaped. */
function attribute(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The browser demo (runtime/serve/demo/, served through demo-assets.ts).
 *
 * In Node: the 28×28 preprocessing (digit.ts `mnistPixels`) against hand computations on
 * images whose box-filter result is exact (a filled square, a wide rectangle, a bar of
 * 1.5 target pixels), translation invariance, the top classes and the hex view; and
 * demo-assets.ts (the CA pin is the SHA-256 of the certificate's DER, decoded here from
 * the PEM's base64 independently of node:crypto's X509 parser; escaping; missing files).
 *
 * In headless Chromium (skipped with a message when there is none): the page as the leader
 * serves it, with a fake `/tfe-client.js` in place of the client (whose metadata passes the
 * wire schema) so that the page's own work is what is tested: it connects to
 * `/v2/models/NAME` with the pinned CA's hash, a stroke drawn with the mouse reaches the
 * client as exactly `mnistPixels` of the canvas (and as the bar a hand computation expects,
 * with the ink mass the box filter must conserve), the top-3, the latency and the share
 * words are shown, `clear` clears, and nothing is logged as an error. With the real bundle
 * and no model server the page loads without an uncaught error and says it is not ready;
 * a model without a 28×28 input is reported the same way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeCa } from '../../runtime/deploy/certs.js';
import { caSha256, DEMO_CSP, demoAssets } from '../../runtime/serve/demo-assets.js';
import { DIGIT_PIXELS, hexWords, mnistPixels, softmax, topClasses } from '../../runtime/serve/demo/digit.js';
import { ModelMetadataSchema, type ModelMetadata } from '../../runtime/serve/oip.js';
import { TfeError } from '../../src/errors.js';
import { browserSkip, findChromium, launchChromium, serveFiles, watchProblems, type TestServer } from '../support/browser.js';
import { REPO_ROOT } from '../support/paths.js';

const WEB = join(REPO_ROOT, 'dist', 'web');
const SIDE = 28;

/** A black RGBA image of w×h with the given white rectangles [x, y, width, height]. */
function image(w: number, h: number, rects: readonly [number, number, number, number][]): Uint8ClampedArray {
  const px = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) px[4 * i + 3] = 255;
  for (const [x0, y0, rw, rh] of rects) {
    for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) px.fill(255, 4 * (y * w + x), 4 * (y * w + x) + 3);
  }
  return px;
}

/** A 28×28 image that is `v(x, y)` inside [x0, x0+w) × [y0, y0+h) and 0 elsewhere. */
function expected(x0: number, y0: number, w: number, h: number, v: (x: number, y: number) => number = () => 1): Float32Array {
  const out = new Float32Array(DIGIT_PIXELS);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) out[y * SIDE + x] = v(x - x0, y - y0);
  return out;
}

describe('demo preprocessing (digit.ts), by hand', () => {
  test('no ink gives zeros', () => {
    assert.deepEqual(mnistPixels(image(280, 280, []), 280, 280), new Float32Array(DIGIT_PIXELS));
  });

  test('a filled 100×100 square becomes a 20×20 block of ones with its centre of mass on pixel 14.5 → rows and columns 5..24', () => {
    // Centre of mass 10 in the box (pixel i spans [i, i + 1)); the shift is round(14.5 − 10) = 5 (MNIST centres on pixel 14's centre).
    assert.deepEqual(mnistPixels(image(280, 280, [[37, 90, 100, 100]]), 280, 280), expected(5, 5, 20, 20));
  });

  test('a 200×100 rectangle keeps its aspect ratio: 20×10 ones at columns 5..24, rows 10..19 (centre of mass 10, 5)', () => {
    assert.deepEqual(mnistPixels(image(280, 280, [[50, 20, 200, 100]]), 280, 280), expected(5, 10, 20, 10));
  });

  test('a 21×280 bar scales by 1/14 to 1.5 pixels wide: a column of ones and a column of 0.5, its centre of mass 0.8333 moved near 14.5', () => {
    // Columns: target 0 covers source 0..14 (all ink) = 1; target 1 covers 14..28, of which 7 are ink = 0.5.
    // Centre of mass x = (1·0.5 + 0.5·1.5) / 1.5 = 0.8333, so the shift is round(14.5 − 0.8333) = 14; rows: 20 tall, shift 5.
    const got = mnistPixels(image(280, 280, [[120, 0, 21, 280]]), 280, 280);
    assert.deepEqual(got, expected(14, 5, 2, 20, (x) => (x === 0 ? 1 : 0.5)));
  });

  test('the result does not depend on where the digit is drawn, nor on its size (for exact scalings)', () => {
    const shape = (dx: number, dy: number, k: number): Uint8ClampedArray =>
      image(280, 280, [
        [dx, dy, 10 * k, 40 * k],
        [dx + 10 * k, dy + 30 * k, 20 * k, 10 * k],
      ]);
    const ref = mnistPixels(shape(10, 10, 5), 280, 280);
    assert.ok(ref.some((v) => v > 0));
    assert.deepEqual(mnistPixels(shape(100, 70, 5), 280, 280), ref);
    assert.deepEqual(mnistPixels(shape(100, 100, 2), 280, 280), ref);
  });

  test('a dot in a corner is scaled up and kept whole inside the field', () => {
    const got = mnistPixels(image(280, 280, [[0, 0, 4, 4]]), 280, 280);
    assert.deepEqual(got, expected(5, 5, 20, 20));
  });

  test('bad sizes are refused with a message', () => {
    assert.throws(() => mnistPixels(new Uint8ClampedArray(10), 280, 280), /an RGBA image of 280×280 has 313600 values, got 10/);
    assert.throws(() => mnistPixels(new Uint8ClampedArray(0), 0, 0), /must be positive integers/);
  });

  test('softmax, top classes and the hex view', () => {
    const p = softmax([1, 3, 2]);
    const e = [Math.exp(1), Math.exp(3), Math.exp(2)];
    const s = e[0] + e[1] + e[2];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(p[i] - e[i] / s) < 1e-15);
    assert.ok(softmax([1000, 1000]).every((v) => v === 0.5), 'stable for large logits');
    assert.deepEqual(topClasses([0.1, 0.5, 0.1, 0.3], 3, ['a', 'b', 'c', 'd']), [
      { index: 1, label: 'b', probability: 0.5 },
      { index: 3, label: 'd', probability: 0.3 },
      { index: 0, label: 'a', probability: 0.1 },
    ]);
    assert.deepEqual(topClasses([0.2, 0.8], 3).map((c) => c.label), ['1', '0']);
    assert.deepEqual(hexWords(BigUint64Array.of(0n, 2n ** 64n - 1n, 0xabcn), 2), ['0000000000000000', 'ffffffffffffffff']);
  });
});

/** SHA-256 of the DER inside a PEM, decoded by hand (the independent reference for the pin). */
function derSha256(pem: string): string {
  const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
}

describe('demo assets (demo-assets.ts)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tfe-demo-assets-'));
    writeFileSync(join(dir, 'index.html'), '<head>\n<!--tfe-meta-->\n</head>');
    writeFileSync(join(dir, 'tfe-client.js'), 'export const client = 1;');
    writeFileSync(join(dir, 'demo.js'), 'export const demo = 2;');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('/ carries the model name (escaped) and the CA pin; the scripts are served as JavaScript; other paths are not served', async () => {
    const ca = await makeCa('demo test CA');
    const pin = derSha256(ca.certPem);
    assert.equal(caSha256(ca.certPem), pin);
    const asset = demoAssets({ model: 'a"<b>&', caPem: ca.certPem, webDir: dir });
    const index = asset('/');
    assert.equal(index?.type, 'text/html; charset=utf-8');
    assert.equal(index?.body.toString(), `<head>\n<meta name="tfe-model" content="a&#34;&#60;b&#62;&#38;">\n<meta name="tfe-ca-sha256" content="${pin}">\n</head>`);
    assert.deepEqual(asset('/index.html'), index);
    assert.equal(asset('/tfe-client.js')?.body.toString(), 'export const client = 1;');
    assert.equal(asset('/demo.js')?.type, 'text/javascript; charset=utf-8');
    assert.deepEqual(index?.headers, { 'x-content-type-options': 'nosniff', 'content-security-policy': DEMO_CSP });
    assert.deepEqual(asset('/demo.js')?.headers, { 'x-content-type-options': 'nosniff' });
    for (const p of ['/x', '/demo.js/', '/../package.json', '/constructor', '/toString', '']) assert.equal(asset(p), undefined, p);
    assert.doesNotMatch(demoAssets({ model: 'm', webDir: dir })('/')?.body.toString() ?? '', /tfe-ca-sha256/);
  });

  test('missing files and a bad CA certificate are clear errors', () => {
    const err = (code: string, re: RegExp) => (e: unknown) => e instanceof TfeError && e.code === code && re.test(e.message);
    assert.throws(() => demoAssets({ model: 'm', webDir: join(dir, 'nope') }), err('E_IO', /the demo page's index.html is missing from .*nope/));
    assert.throws(() => demoAssets({ model: 'm', caPem: 'not a certificate', webDir: dir }), err('E_FORMAT', /the CA certificate for the demo page is not a PEM certificate/));
  });

  test('the built page has the marker and loads demo.js as a module (npm run build:web)', () => {
    assert.ok(existsSync(join(WEB, 'index.html')), `${WEB} is missing: run npm run build:web`);
    const html = demoAssets({ model: 'A' })('/')?.body.toString() ?? '';
    assert.match(html, /<meta name="tfe-model" content="A">/);
    assert.match(html, /<script type="module" src="demo.js"><\/script>/);
    assert.match(readFileSync(join(WEB, 'demo.js'), 'utf8'), /from"\.\/tfe-client\.js"/, 'demo.js imports the client bundle, not a copy');
  });
});

/** The metadata the fake client returns: model A's bindings, checked against the wire schema. */
const META: ModelMetadata = ModelMetadataSchema.parse({
  name: 'mnist-a',
  versions: ['1'],
  platform: 'tfe',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 28, 28, 1] }],
  outputs: [{ name: 'dense3', datatype: 'FP32', shape: [-1, 10] }],
  parameters: {
    tfe: {
      version: 1,
      plan_id: 'ab'.repeat(32),
      protocol: 'pond',
      max_rows: 16,
      bindings: {
        inputs: [{ name: 'input', shape: [-1, 28, 28, 1], dtype: 'float32', scale: 16, range: [0, 1] }],
        outputs: [{ name: 'dense3', shape: [-1, 10], scale: 16, postprocess: 'softmax', kind: 'logits' }],
      },
      shareholders: ['server0', 'server1'],
      keys: [],
      labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
      allow_plaintext: false,
    },
  },
});
const LOGITS = [0.5, 1.5, -1, 2.25, 0, 0.25, -2, 3, 1, -0.5];
const SENT: Record<string, bigint[]> = {
  server0: Array.from({ length: 10 }, (_, i) => (0x9e3779b97f4a7c15n * BigInt(i + 1)) % 2n ** 64n),
  server1: Array.from({ length: 10 }, (_, i) => (0xc2b2ae3d27d4eb4fn * BigInt(i + 7)) % 2n ** 64n),
};

/** A stand-in for dist/web/tfe-client.js with the client API the page uses; it records what the page asks. */
const fakeClient = (meta: ModelMetadata): string => `
const calls = (globalThis.fakeCalls = { connect: [], predict: [] });
const META = ${JSON.stringify(meta)};
export function webSuite() { return { name: 'fake-webcrypto' }; }
export class TfeError extends Error { constructor(code, message, hint) { super(message); this.code = code; this.hint = hint; } }
export const TfeClient = {
  async connect(url, options) {
    calls.connect.push({ url, caSha256: options.caSha256 ?? null, suite: options.suite.name });
    if (options.caSha256 === undefined) options.onWarning?.('server keys are unauthenticated (fake client)');
    return {
      metadata: META,
      async predict(inputs) {
        const x = inputs.input;
        if (!(x instanceof Float32Array)) throw new TfeError('E_ARG', 'input is not a Float32Array');
        calls.predict.push(btoa(String.fromCharCode(...new Uint8Array(x.buffer))));
        return {
          outputs: { dense3: { shape: [1, 10], data: Float64Array.from(${JSON.stringify(LOGITS)}), kind: 'logits' } },
          stats: {},
          latencyMs: 12.5,
          sent: { server0: BigUint64Array.from([${SENT.server0.map((v) => `${v}n`).join(',')}]), server1: BigUint64Array.from([${SENT.server1.map((v) => `${v}n`).join(',')}]) },
        };
      },
    };
  },
};
`;

/** What the page's globals look like to the callbacks run in it. */
interface DemoGlobals {
  fakeCalls: { connect: { url: string; caSha256: string | null; suite: string }[]; predict: string[] };
  tfeDemo: {
    ready: Promise<void>;
    predictPixels(p: Float32Array): Promise<{ top: { label: string; probability: number }[]; latencyMs: number; sent: Record<string, string[]> }>;
  };
  document: { querySelector(s: string): { getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } | null };
}

const pixelsFromB64 = (s: string): Float32Array => new Float32Array(Buffer.from(s, 'base64').buffer.slice(0));

/** The canvas's RGBA pixels, read in the page. */
async function canvasPixels(page: Page): Promise<Uint8ClampedArray> {
  const b64 = await page.evaluate(() => {
    const g = globalThis as unknown as DemoGlobals;
    const data = g.document.querySelector('#pad')?.getContext('2d').getImageData(0, 0, 280, 280).data;
    if (data === undefined) throw new Error('no #pad canvas');
    let s = '';
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return btoa(s);
  });
  return new Uint8ClampedArray(Buffer.from(b64, 'base64'));
}

const found = findChromium();

describe('demo page in headless Chromium', { skip: browserSkip(found) }, () => {
  let browser: Browser;
  let pin: string;
  let caPem: string;

  before(async () => {
    browser = await launchChromium('path' in found ? found.path : '');
    caPem = (await makeCa('demo page CA')).certPem;
    pin = derSha256(caPem);
  });
  after(async () => {
    await browser?.close();
  });

  test('with a fake client: connects with the pin, a mouse stroke becomes the expected 28×28 input, results are shown, clear clears', async () => {
    const assets = demoAssets({ model: 'mnist-a', caPem });
    const server: TestServer = await serveFiles((path) => (path === '/tfe-client.js' ? { type: 'text/javascript', body: fakeClient(META) } : assets(path)));
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
      const problems = watchProblems(page);
      const response = await page.goto(`${server.origin}/`);
      assert.equal(response?.headers()['content-security-policy'], DEMO_CSP, 'the page runs under its Content-Security-Policy');
      await page.evaluate(() => (globalThis as unknown as DemoGlobals).tfeDemo.ready);
      assert.equal(await page.locator('#warning').isVisible(), false);
      const connect = await page.evaluate(() => (globalThis as unknown as DemoGlobals).fakeCalls.connect);
      assert.deepEqual(connect, [{ url: `${server.origin}/v2/models/mnist-a`, caSha256: pin, suite: 'fake-webcrypto' }]);
      assert.match(await page.locator('#status').textContent() ?? '', /model mnist-a \(pond, plan abababababab…\), server keys checked against the pinned CA: draw a digit/);

      // A horizontal stroke from (40, 140) to (240, 140) in canvas pixels, pen 20 wide with round caps.
      const box = await page.locator('#pad').boundingBox();
      assert.ok(box !== null);
      const at = (x: number, y: number): [number, number] => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280];
      await page.mouse.move(...at(40, 140));
      await page.mouse.down();
      for (let x = 60; x <= 240; x += 20) await page.mouse.move(...at(x, 140));
      await page.mouse.up();
      await page.waitForFunction(() => (globalThis as unknown as DemoGlobals).fakeCalls.predict.length === 1);
      const sent = pixelsFromB64(await page.evaluate(() => (globalThis as unknown as DemoGlobals).fakeCalls.predict[0]));
      assert.deepEqual(sent, mnistPixels(await canvasPixels(page), 280, 280), 'the client gets mnistPixels of the canvas');

      // By hand: the ink is ~220×20 canvas pixels, scaled by 20/220 to 20×1.8: a bar on two rows (13 and 14,
      // or 14 and 15, as its centre of mass ~1 row falls), 20 columns from 4 or 5; the box filter keeps the ink
      // mass times the scale²: (200·20 + π·10²)·(20/220)² ≈ 35.7.
      const rows = new Set<number>();
      const cols = new Set<number>();
      let mass = 0;
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          const v = sent[y * SIDE + x];
          mass += v;
          if (v > 0) rows.add(y);
          if (v > 0) cols.add(x);
        }
      }
      const top = Math.min(...rows);
      const left = Math.min(...cols);
      assert.ok(rows.size === 2 && top >= 13 && top <= 14 && rows.has(top + 1), `ink rows ${[...rows].join(', ')}`);
      assert.ok(cols.size === 20 && left >= 4 && left <= 5 && cols.has(left + 19), `ink columns ${[...cols].join(', ')}`);
      for (let x = left + 2; x <= left + 17; x++) assert.ok(sent[top * SIDE + x] > 0.6 && sent[(top + 1) * SIDE + x] > 0.6, `column ${x} of the bar is inked`);
      assert.ok(Math.abs(mass - (200 * 20 + Math.PI * 100) * (20 / 220) ** 2) < 1.5, `ink mass ${mass}`);

      // Top-3 of softmax(LOGITS), computed here: seven, three, one.
      const p = softmax(LOGITS);
      await page.waitForFunction(() => (globalThis as unknown as DemoGlobals).document.querySelector('#top li') !== null);
      const shown = await page.locator('#top li').allTextContents();
      assert.deepEqual(shown, [7, 3, 1].map((i) => `${META.parameters.tfe.labels?.[i]}: ${(100 * p[i]).toFixed(1)}%`));
      assert.equal(await page.locator('#latency').textContent(), '12.5 ms');
      const shares = await page.locator('#shares div').allTextContents();
      assert.deepEqual(shares, ['server0', 'server1'].map((r) => `${r} ${hexWords(BigUint64Array.from(SENT[r]), 8).join(' ')}`));

      // The test hook: model A's sample image goes to the client unchanged.
      const sample = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'zoo', 'A', 'sample.json'), 'utf8')) as { input: number[][][][] };
      const pixels = Float32Array.from(sample.input.flat(3));
      assert.equal(pixels.length, DIGIT_PIXELS);
      const r = await page.evaluate(async (b64) => {
        const g = globalThis as unknown as DemoGlobals;
        const px = new Float32Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer);
        return g.tfeDemo.predictPixels(px);
      }, Buffer.from(pixels.buffer).toString('base64'));
      assert.deepEqual(pixelsFromB64(await page.evaluate(() => (globalThis as unknown as DemoGlobals).fakeCalls.predict[1])), pixels);
      assert.deepEqual(r.top.map((c) => c.label), ['seven', 'three', 'one']);
      assert.ok(Math.abs(r.top[0].probability - p[7]) < 1e-12);
      assert.equal(r.latencyMs, 12.5);
      assert.deepEqual(r.sent.server1, hexWords(BigUint64Array.from(SENT.server1), 8));
      const bad = await page.evaluate(() => (globalThis as unknown as DemoGlobals).tfeDemo.predictPixels(new Float32Array(10)).then(() => 'accepted', (e: unknown) => String(e)));
      assert.match(bad, /predictPixels takes a Float32Array of 784 values/);

      await page.click('#clear');
      assert.ok((await canvasPixels(page)).every((v, i) => (i % 4 === 3 ? v === 255 : v === 0)), 'the canvas is black again');
      assert.equal(await page.locator('#top li').count(), 0);
      assert.equal(await page.locator('#latency').textContent(), '');
      assert.deepEqual(problems, { consoleErrors: [], uncaught: [] });
    } finally {
      await server.close();
    }
  });

  test('with a fake client and no CA pin: the warning of the client is shown, and a tap on a touch screen draws and predicts', async () => {
    const assets = demoAssets({ model: 'mnist-a' });
    const server = await serveFiles((path) => (path === '/tfe-client.js' ? { type: 'text/javascript', body: fakeClient(META) } : assets(path)));
    const context = await browser.newContext({ hasTouch: true, viewport: { width: 500, height: 900 } });
    try {
      const page = await context.newPage();
      const problems = watchProblems(page);
      await page.goto(`${server.origin}/`);
      await page.evaluate(() => (globalThis as unknown as DemoGlobals).tfeDemo.ready);
      assert.deepEqual(await page.evaluate(() => (globalThis as unknown as DemoGlobals).fakeCalls.connect.map((c) => c.caSha256)), [null]);
      assert.equal(await page.locator('#warning').textContent(), 'server keys are unauthenticated (fake client)');
      assert.equal(await page.locator('#warning').isVisible(), true);
      const box = await page.locator('#pad').boundingBox();
      assert.ok(box !== null);
      await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => (globalThis as unknown as DemoGlobals).fakeCalls.predict.length === 1);
      // A dot is scaled to fill the 20×20 box: a disc centred at (14, 14).
      const sent = pixelsFromB64(await page.evaluate(() => (globalThis as unknown as DemoGlobals).fakeCalls.predict[0]));
      assert.ok(sent[14 * SIDE + 14] > 0.99 && sent[4 * SIDE + 4] < 0.5 && sent[0] === 0, 'a disc in the middle');
      await page.waitForFunction(() => (globalThis as unknown as DemoGlobals).document.querySelector('#top li') !== null);
      assert.deepEqual(problems, { consoleErrors: [], uncaught: [] });
    } finally {
      await context.close();
      await server.close();
    }
  });

  test('a model without a 28×28 input: the page says so and predicts nothing', async () => {
    const meta = ModelMetadataSchema.parse({ ...META, parameters: { tfe: { ...META.parameters.tfe, bindings: { ...META.parameters.tfe.bindings, inputs: [{ name: 'x', shape: [-1, 10], dtype: 'float32', scale: 16, range: [0, 1] }] } } } });
    const assets = demoAssets({ model: 'mnist-a' });
    const server = await serveFiles((path) => (path === '/tfe-client.js' ? { type: 'text/javascript', body: fakeClient(meta) } : assets(path)));
    try {
      const page = await browser.newPage();
      const problems = watchProblems(page);
      await page.goto(`${server.origin}/`);
      const outcome = await page.evaluate(() => (globalThis as unknown as DemoGlobals).tfeDemo.ready.then(() => 'ready', (e: unknown) => `rejected: ${String(e)}`));
      assert.match(outcome, /^rejected: /);
      assert.equal(await page.locator('#status').textContent(), 'not ready: model mnist-a has no 28×28 input (its inputs: x [-1, 10]); the demo draws MNIST digits');
      assert.deepEqual(problems, { consoleErrors: [], uncaught: [] });
    } finally {
      await server.close();
    }
  });

  test('with the real client bundle and no model server: the page loads without an uncaught error and says it is not ready', async () => {
    const assets = demoAssets({ model: 'A' });
    const server = await serveFiles(assets);
    try {
      const page = await browser.newPage();
      const problems = watchProblems(page);
      await page.goto(`${server.origin}/`);
      const outcome = await page.evaluate(() => (globalThis as unknown as DemoGlobals).tfeDemo.ready.then(() => 'ready', (e: unknown) => `rejected: ${String(e)}`));
      assert.match(outcome, /^rejected: /);
      assert.match(await page.locator('#status').textContent() ?? '', /^not ready: /);
      assert.deepEqual(problems.uncaught, []);
      assert.ok(server.requested.includes('/tfe-client.js') && server.requested.includes('/demo.js'), `requested: ${server.requested.join(', ')}`);
    } finally {
      await server.close();
    }
  });
});

describe('finding Chromium (test/support/browser.ts)', () => {
  test('TFE_CHROMIUM wins and must be executable; PATH is searched; none found is a skip with a message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfe-chromium-'));
    try {
      const fake = join(dir, 'chromium');
      writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
      assert.deepEqual(findChromium({ TFE_CHROMIUM: fake, PATH: '' }, []), { path: fake });
      assert.throws(() => findChromium({ TFE_CHROMIUM: join(dir, 'nope'), PATH: dir }, []), /TFE_CHROMIUM=.*nope is not an executable file/);
      assert.deepEqual(findChromium({ PATH: `/nonexistent:${dir}` }, []), { path: fake });
      assert.deepEqual(findChromium({ PATH: `${dir}:/usr/bin` }, [join(dir, 'absent')]), { path: fake });
      const none = findChromium({ PATH: join(dir, 'empty') }, []);
      assert.ok('skip' in none && /no Chromium found .*apt-get install chromium/.test(none.skip));
      assert.equal(browserSkip(none), 'skip' in none ? none.skip : '');
      assert.equal(browserSkip({ path: fake }), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The browser bundle (dist/web/tfe-client.js, `npm run build:web`) in a real headless
 * Chromium, against the Node side of the envelopes (runtime/serve/hpke-node.ts): a request
 * sealed in the page with `webSuite()` (WebCrypto X25519, HKDF, AES-GCM) opens in Node with
 * `nodeSuite()` and carries the same words, and the answer Node seals opens in the page;
 * then the same with the roles of the two sides swapped (the page holds the key pair, as a
 * server would). The independent reference is the other implementation: node:crypto
 * primitives on one side, the browser's WebCrypto on the other, which share no code below
 * the `hpke` library's key schedule. It also shows that the bundle loads as an ES module with
 * no Node built-ins, and that its errors keep their TfeError code in the page.
 *
 * Skipped with a message when no Chromium is found (test/support/browser.ts).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type * as Client from '../../runtime/serve/client/browser.js';
import { openRequest, openResponse, requestHash, sealRequest, sealResponse, type RequestHeader, type ResponseKey } from '../../runtime/serve/envelope.js';
import { nodePrivateKeyFromPem, nodeSuite } from '../../runtime/serve/hpke-node.js';
import { fromBase64, toBase64 } from '../../runtime/serve/oip.js';
import { browserSkip, findChromium, launchChromium, serveFiles, watchProblems, type PageProblems, type TestServer } from '../support/browser.js';
import { REPO_ROOT } from '../support/paths.js';

const BUNDLE = join(REPO_ROOT, 'dist', 'web', 'tfe-client.js');
const PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>hpke</title><script type="module">import * as tfe from "/tfe-client.js"; globalThis.tfe = tfe; globalThis.tfeLoaded = true;</script>';

/** What the test page keeps on globalThis (typed for the callbacks that run in the page). */
interface PageGlobals {
  tfe: typeof Client;
  tfeLoaded?: boolean;
  responseKey?: ResponseKey;
  keyPair?: Awaited<ReturnType<ReturnType<typeof Client.webSuite>['hpke']['GenerateKeyPair']>>;
}

const wordsToB64 = (w: BigUint64Array): string => toBase64(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
const wordsFromB64 = (s: string): BigUint64Array => new BigUint64Array(fromBase64(s).slice().buffer);

/** `n` share words: the ring's edge values first, then uniformly random ones. */
function shareWords(n: number): BigUint64Array {
  const w = new BigUint64Array(randomBytes(8 * n).buffer);
  const edges = [0n, 1n, 2n ** 63n, 2n ** 64n - 1n];
  for (let i = 0; i < Math.min(n, edges.length); i++) w[i] = edges[i];
  return w;
}

const PLAN_ID = 'c0ffee'.repeat(10) + 'abcd';
const header: RequestHeader = { model: 'A', plan_id: PLAN_ID, rows: 2, inputs: [{ name: 'input', shape: [2, 5] }] };
const IN = { rows: 2, rowWords: 5 };
const OUT = { rows: 2, rowWords: 3 };

test('the client bundle is one self-contained ES module of bounded size (zod locales other than English left out)', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build:web (part of npm run build)`);
  const js = readFileSync(BUNDLE, 'utf8');
  // Measured 467,129 bytes: the client (hpke 1.1.7, zod 4.6.7 without its other locales, ~218 kB)
  // plus the servers' key verification (@peculiar/x509 with asn1js and reflect-metadata, ~250 kB).
  // All of zod's locales would add ~260 kB more.
  assert.ok(js.length < 600_000, `tfe-client.js is ${js.length} bytes`);
  assert.doesNotMatch(js, /from\s*"node:|require\(/, 'no Node built-in and no CommonJS require in the browser bundle');
  assert.doesNotMatch(js, /erwartet eine von/, "zod's German messages are not bundled");
});

const found = findChromium();

describe('browser bundle: HPKE envelopes between headless Chromium (WebCrypto) and Node (node:crypto)', { skip: browserSkip(found) }, () => {
  let browser: Browser;
  let server: TestServer;
  let page: Page;
  let problems: PageProblems;

  before(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build:web (part of npm run build)`);
    const bundle = readFileSync(BUNDLE);
    server = await serveFiles((path) => {
      if (path === '/') return { type: 'text/html; charset=utf-8', body: PAGE };
      if (path === '/tfe-client.js') return { type: 'text/javascript; charset=utf-8', body: bundle };
      return undefined;
    });
    browser = await launchChromium('path' in found ? found.path : '');
    page = await browser.newPage();
    problems = watchProblems(page);
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).tfeLoaded === true, undefined, { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the bundle loads as an ES module, exports the envelope API, and the page reports no errors', async () => {
    const names = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).tfe).sort());
    for (const n of ['sealRequest', 'openRequest', 'sealResponse', 'openResponse', 'requestHash', 'webSuite', 'ModelMetadataSchema', 'TfeError', 'toBase64']) {
      assert.ok(names.includes(n), `tfe-client.js exports ${n} (it has ${names.join(', ')})`);
    }
    assert.deepEqual(problems, { consoleErrors: [], uncaught: [] });
  });

  test('request sealed in Chromium to a Node key opens in Node; the response Node seals opens in Chromium', async () => {
    const pair = generateKeyPairSync('x25519');
    const priv = nodePrivateKeyFromPem(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'test server1.hpke.key');
    const words = shareWords(IN.rows * IN.rowWords);
    const sealed = await page.evaluate(
      async (a) => {
        const g = globalThis as unknown as PageGlobals;
        const aad = await g.tfe.requestHash(a.header);
        const s = await g.tfe.sealRequest(g.tfe.webSuite(), {
          rows: a.rows,
          rowWords: a.rowWords,
          publicKey: g.tfe.fromBase64(a.publicKey),
          planId: a.header.plan_id,
          role: 'server1',
          aad,
          words: new BigUint64Array(g.tfe.fromBase64(a.words).buffer),
        });
        g.responseKey = s.response;
        return { envelope: g.tfe.toBase64(s.envelope), aad: g.tfe.toBase64(aad), suite: g.tfe.webSuite().name };
      },
      { header, ...IN, publicKey: toBase64(priv.publicRaw), words: wordsToB64(words) },
    );
    assert.equal(sealed.suite, 'webcrypto');
    const aad = await requestHash(header);
    assert.equal(sealed.aad, toBase64(aad), 'the page hashes the request header as Node does');

    const node = nodeSuite();
    const opened = await openRequest(node, priv, { ...IN, planId: PLAN_ID, role: 'server1', aad }, fromBase64(sealed.envelope));
    assert.deepEqual(opened.words, words);

    const out = shareWords(OUT.rows * OUT.rowWords);
    const wire = await sealResponse(node, opened.response, OUT, out);
    const back = await page.evaluate(
      async (a) => {
        const g = globalThis as unknown as PageGlobals;
        if (g.responseKey === undefined) throw new Error('no response key kept in the page');
        const w = await g.tfe.openResponse(g.tfe.webSuite(), g.responseKey, { rows: a.rows, rowWords: a.rowWords }, g.tfe.fromBase64(a.wire));
        return g.tfe.toBase64(new Uint8Array(w.buffer));
      },
      { ...OUT, wire: toBase64(wire) },
    );
    assert.deepEqual(wordsFromB64(back), out);

    // A flipped bit in the answer is refused in the page with the envelope's error code.
    const tampered = wire.slice();
    tampered[tampered.length - 1] ^= 1;
    const refused = await page.evaluate(
      async (a) => {
        const g = globalThis as unknown as PageGlobals;
        if (g.responseKey === undefined) throw new Error('no response key kept in the page');
        try {
          await g.tfe.openResponse(g.tfe.webSuite(), g.responseKey, { rows: a.rows, rowWords: a.rowWords }, g.tfe.fromBase64(a.wire));
          return { code: 'opened', tfe: false, message: '' };
        } catch (e) {
          return { code: e instanceof g.tfe.TfeError ? e.code : 'not a TfeError', tfe: e instanceof g.tfe.TfeError, message: e instanceof Error ? e.message : String(e) };
        }
      },
      { ...OUT, wire: toBase64(tampered) },
    );
    assert.equal(refused.code, 'E_CIPHERTEXT', refused.message);
    assert.match(refused.message, /the response of server1 did not decrypt/);
    assert.deepEqual(problems, { consoleErrors: [], uncaught: [] });
  });

  test('request sealed in Node to a key pair made in Chromium opens in Chromium; its answer opens in Node', async () => {
    const publicKey = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      const s = g.tfe.webSuite();
      g.keyPair = await s.hpke.GenerateKeyPair(true);
      return g.tfe.toBase64(await s.hpke.SerializePublicKey(g.keyPair.publicKey));
    });
    const words = shareWords(IN.rows * IN.rowWords);
    const aad = await requestHash(header);
    const node = nodeSuite();
    const sealed = await sealRequest(node, { ...IN, publicKey: fromBase64(publicKey), planId: PLAN_ID, role: 'server0', aad, words });
    const out = shareWords(OUT.rows * OUT.rowWords);
    const result = await page.evaluate(
      async (a) => {
        const g = globalThis as unknown as PageGlobals;
        if (g.keyPair === undefined) throw new Error('no key pair kept in the page');
        const s = g.tfe.webSuite();
        const layout = { rows: a.rows, rowWords: a.rowWords };
        const aad = await g.tfe.requestHash(a.header);
        const o = await g.tfe.openRequest(s, g.keyPair, { ...layout, planId: a.header.plan_id, role: 'server0', aad }, g.tfe.fromBase64(a.envelope));
        const wire = await g.tfe.sealResponse(s, o.response, { rows: a.outRows, rowWords: a.outRowWords }, new BigUint64Array(g.tfe.fromBase64(a.out).buffer));
        return { words: g.tfe.toBase64(new Uint8Array(o.words.buffer)), wire: g.tfe.toBase64(wire) };
      },
      { header, ...IN, outRows: OUT.rows, outRowWords: OUT.rowWords, envelope: toBase64(sealed.envelope), out: wordsToB64(out) },
    );
    assert.deepEqual(wordsFromB64(result.words), words);
    assert.deepEqual(await openResponse(node, sealed.response, OUT, fromBase64(result.wire)), out);
    assert.deepEqual(problems, { consoleErrors: [], uncaught: [] });
  });
});

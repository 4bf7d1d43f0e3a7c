/**
 * The demo page against a served model, in a real headless Chromium (Debian's, driven by
 * playwright-core; skipped with a message when no Chromium is installed): `tfe serve --demo`
 * serves the page and the client bundle; the page fetches the model metadata, checks the
 * servers' keys against the CA whose SHA-256 the leader pinned in the page, splits and seals
 * the input in the browser (WebCrypto), and shows the prediction. Reference: the same plan
 * and input run in-process by PlanDeployment; the page's top class must be its top class and
 * its probability agree to 1e-3 (two private runs differ by truncation errors only).
 * What each server saw is shown as share words: two different, non-zero word lists.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServe, type ServeProcess } from '../../bench/serve.js';
import { compile } from '../../compiler/compile.js';
import { writePlanDir } from '../../compiler/plan/write.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { browserSkip, findChromium, launchChromium, watchProblems } from '../support/browser.js';

interface DemoResult {
  readonly top: readonly { readonly index: number; readonly probability: number }[];
  readonly latencyMs: number;
  readonly sent: Readonly<Record<string, readonly string[]>>;
}

interface DemoWindow {
  tfeDemo: { ready: Promise<void>; predictPixels(p: Float32Array): Promise<DemoResult> };
}

const skip = browserSkip();

describe('the demo page in headless Chromium against tfe serve --demo (net A)', { skip }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-browser-e2e-'));
  let server: ServeProcess;
  let browser: Browser;
  let pixels: number[];
  let expected: number[];

  before(async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    const planDir = join(root, 'A');
    writePlanDir(planDir, c.plan, c.weights);
    const x = readInputFile(zooSamplePath('A'), c.plan.inputs);
    pixels = Array.from(x[c.plan.inputs[0].name].data);
    const d = await PlanDeployment.start(c.plan, c.weights);
    try {
      const p = await d.predict(x);
      expected = Array.from(p.outputs[c.plan.outputs[0].name].probabilities as Float64Array);
    } finally {
      d.close();
    }
    server = await startServe(planDir, ['--demo']);
    const found = findChromium();
    assert.ok('path' in found);
    browser = await launchChromium(found.path);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('the page predicts privately in the browser: same top class as the in-process run, keys checked against the pinned CA', async () => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.goto(new URL('/', server.url).href);
    const pin = await page.locator('meta[name="tfe-ca-sha256"]').getAttribute('content');
    assert.match(pin ?? '', /^[0-9a-f]{64}$/, 'the leader pinned its CA in the page');
    await page.evaluate(() => (globalThis as unknown as DemoWindow).tfeDemo.ready);
    const r = await page.evaluate((px) => (globalThis as unknown as DemoWindow).tfeDemo.predictPixels(new Float32Array(px)), pixels);
    const want = expected.indexOf(Math.max(...expected));
    assert.equal(r.top[0].index, want, `top class ${r.top[0].index}, the in-process run says ${want}`);
    assert.ok(Math.abs(r.top[0].probability - expected[want]) <= 1e-3, `probability ${r.top[0].probability} vs ${expected[want]}`);
    assert.ok(r.latencyMs > 0);
    assert.deepEqual(Object.keys(r.sent).sort(), ['server0', 'server1']);
    assert.notDeepEqual(r.sent.server0, r.sent.server1);
    for (const role of ['server0', 'server1']) assert.ok(r.sent[role].some((w) => !/^0+$/.test(w)), `${role}'s share words are not all zero`);
    const status = await page.locator('body').innerText();
    assert.match(status, /pinned CA/, 'the page says the keys were checked against the pinned CA');
    assert.deepEqual(problems.uncaught, []);
    assert.deepEqual(problems.consoleErrors, []);
    await page.close();
  });
});

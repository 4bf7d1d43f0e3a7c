/**
 * The cost line of `tfe run` (the same function prints `tfe up`'s and `tfe party
 * client`'s, runtime/output/print.ts) for both protocols, on zoo net A and one MNIST
 * image: Pond prints `dealer N KiB (offline, made in X ms)` with the dealer's bytes; a
 * protocol without a dealer (securenn) names its helper server instead, whose material
 * is in that server's `sent` column; the JSON keys stay the same (`dealer_bytes` 0 for
 * securenn). The reference for the bytes: both protocols run the same kernels with the
 * same material, so securenn's server2 sends exactly what Pond's dealer sends (the spec
 * maps dealer bytes to server2's, src/protocols/securenn.ts), and each measured figure
 * equals the plan's declared one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli.js';
import { REPO_ROOT } from '../support/paths.js';

async function tfe(...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  assert.equal(code, 0, err);
  return out;
}

interface RunJson {
  bytes: Record<string, number>;
  dealer_bytes: number;
  offline_ms: number;
  declared: { bytes: Record<string, number>; dealerBytes: number };
}

const NET_A = join(REPO_ROOT, 'models', 'zoo', 'A', 'model.json');
const SAMPLE = join(REPO_ROOT, 'models', 'zoo', 'A', 'sample.json');
const tmp = mkdtempSync(join(tmpdir(), 'tfe-cost-wording-'));
const plans = (async () => {
  for (const p of ['pond', 'securenn']) await tfe('compile', NET_A, '-o', join(tmp, p), '--input-range', '0:1', '--protocol', p);
})();

test('pond: "dealer N KiB (offline, made in X ms)" with the dealer\'s bytes', async () => {
  await plans;
  const text = await tfe('run', join(tmp, 'pond'), '--input', SAMPLE);
  const m = /; dealer (\d+\.\d) KiB \(offline, made in \d+\.\d ms\); online \d+\.\d ms$/m.exec(text);
  assert.ok(m, text);
  const j = JSON.parse(await tfe('run', join(tmp, 'pond'), '--input', SAMPLE, '--json')) as RunJson;
  assert.ok(j.dealer_bytes > 0);
  assert.equal(j.dealer_bytes, j.declared.dealerBytes);
  assert.equal(m[1], (j.dealer_bytes / 1024).toFixed(1));
  assert.equal(j.bytes.dealer, undefined);
});

test('securenn: no dealer; server2 (the helper) made the material offline, its bytes in server2\'s column', async () => {
  await plans;
  const text = await tfe('run', join(tmp, 'securenn'), '--input', SAMPLE);
  assert.doesNotMatch(text, /dealer \d/);
  const m = /sent: (.*); no dealer: material by server2 \(the helper; offline, made in (\d+\.\d) ms, its bytes in server2's sent\); online \d+\.\d ms$/m.exec(text);
  assert.ok(m, text);
  const j = JSON.parse(await tfe('run', join(tmp, 'securenn'), '--input', SAMPLE, '--json')) as RunJson;
  assert.equal(j.dealer_bytes, 0);
  assert.equal(j.declared.dealerBytes, 0);
  assert.ok(j.offline_ms > 0);
  assert.equal(j.bytes.server2, j.declared.bytes.server2);
  assert.match(m[1], new RegExp(`server2 ${(j.bytes.server2 / 1024).toFixed(1)} KiB`));
  const pond = JSON.parse(await tfe('run', join(tmp, 'pond'), '--input', SAMPLE, '--json')) as RunJson;
  assert.equal(j.bytes.server2, pond.dealer_bytes, 'securenn\'s helper sends what Pond\'s dealer sends');
  assert.equal(j.bytes.server0, pond.bytes.server0);
  assert.equal(j.bytes.server1, pond.bytes.server1);
});

/**
 * A model whose own output is a label (ArgMax), made by the project's fixture script
 * (models/fixtures/argmax-output.ts): compiled to a plan that reveals only the label,
 * `tfe eval --npy X --labels-npy Y` reports 100% agreement with the plaintext model
 * (tfjs) and 100% accuracy against labels computed by hand in float64 from the same
 * weights (rows with a margin under 1e-3 between the two best classes are left out of
 * the inputs, so fixed-point rounding cannot flip them), at batch 1 and at batch 16.
 * Before the fix, the plaintext labels were argmaxed a second time (every label 0).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { argmaxFixture } from '../../models/fixtures/argmax-output.js';
import { seededValues } from '../../models/fixtures/graphdef-builder.js';
import { main } from '../../src/cli.js';
import { npy } from '../support/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-argmax-'));
after(() => rmSync(dir, { recursive: true, force: true }));


async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

test('tfe eval on a model whose output is an ArgMax label: 100% agreement and accuracy at batch 1 and 16', async () => {
  const f = argmaxFixture();
  const model = join(dir, 'argmax.pb');
  writeFileSync(model, f.bytes);
  const c = await tfe('compile', model, '-o', join(dir, 'plan'), '--input-range', '-1:1');
  assert.equal(c.code, 0, c.err);
  // inputs in [-1, 1] (float32 values), labels by a float64 forward pass of the same weights
  const rows: number[][] = [];
  const labels: number[] = [];
  const all = seededValues(64 * f.inDim, 77, -1, 1);
  for (let r = 0; r < 64 && rows.length < 40; r++) {
    const x = Array.from(Float32Array.from(all.subarray(r * f.inDim, (r + 1) * f.inDim)));
    const h = Array.from({ length: f.hidden }, (_, j) => Math.max(0, f.b1[j] + x.reduce((a, v, i) => a + v * f.w1[i * f.hidden + j], 0)));
    const z = Array.from({ length: f.classes }, (_, k) => f.b2[k] + h.reduce((a, v, j) => a + v * f.w2[j * f.classes + k], 0));
    const sorted = [...z].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] < 1e-3) continue;
    rows.push(x);
    labels.push(z.indexOf(sorted[0]));
  }
  assert.ok(new Set(labels).size > 1, 'the labels are not all one class');
  writeFileSync(join(dir, 'x.npy'), npy('<f4', [rows.length, f.inDim], Float32Array.from(rows.flat())));
  writeFileSync(join(dir, 'y.npy'), npy('<i8', [rows.length], BigInt64Array.from(labels.map(BigInt))));
  for (const batch of ['1', '16']) {
    const r = await tfe('eval', join(dir, 'plan'), '--npy', join(dir, 'x.npy'), '--labels-npy', join(dir, 'y.npy'), '--batch', batch, '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { n: number; agreement: number; accuracy_private: number; accuracy_plaintext: number };
    assert.equal(j.n, rows.length);
    assert.equal(j.agreement, 1, `batch ${batch}: agreement with tfjs`);
    assert.equal(j.accuracy_plaintext, 1, `batch ${batch}: tfjs against the hand-computed labels`);
    assert.equal(j.accuracy_private, 1, `batch ${batch}: private against the hand-computed labels`);
  }
});

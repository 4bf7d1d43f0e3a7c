/**
 * Weights manifest checks (issue 11): on a real compiled model (tf2onnx_fc_layers),
 * a tampered weights.json (entries overlapping, out of order, leaving a gap, an offset
 * off by one, running past weights.bin or leaving words of it unlisted, a length that is
 * not the product of the shape, a scale other than the plan's) is an E_PLAN error naming
 * the entry, from parseWeightsManifest (layout) and checkWeights (layout against
 * weights.bin, and scale against the plan); the untouched manifest passes both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { TfeError } from '../../src/errors.js';
import { checkWeights, parseWeightsManifest, type WeightsManifest } from '../../src/plan/index.js';
import { sharedModel } from '../support/paths.js';

const FC = sharedModel('tf2onnx_fc_layers', 'frozen.pb');
const r = await compile(FC, { inputRange: [0, 1] });
const plain = JSON.parse(JSON.stringify(r.weights.manifest)) as WeightsManifest;
const isPlan = (re: RegExp) => (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && re.test(e.message);

/** A copy of the manifest with entry `i` changed by `f` (or the entries replaced). */
function tamper(f: (entries: WeightsManifest['entries'][number][]) => void): WeightsManifest {
  const m = JSON.parse(JSON.stringify(plain)) as WeightsManifest;
  f(m.entries);
  return m;
}

/** Both checks refuse the manifest with an error matching `re`. */
function refused(m: WeightsManifest, re: RegExp): void {
  assert.throws(() => parseWeightsManifest(m), isPlan(re));
  assert.throws(() => checkWeights(r.plan, { manifest: m, data: r.weights.data }), isPlan(re));
}

test('the compiled manifest is contiguous from word 0 and passes both checks', () => {
  assert.ok(plain.entries.length >= 2);
  assert.equal(plain.entries[0].offset, 0);
  parseWeightsManifest(plain);
  checkWeights(r.plan, { manifest: plain, data: r.weights.data });
});

test('an offset off by one either way is refused, naming the entry', () => {
  const name = plain.entries[1].name;
  refused(tamper((e) => { e[1].offset += 1; }), new RegExp(`entry 1 '${name}' leaves a gap of 1 words`));
  refused(tamper((e) => { e[1].offset -= 1; }), new RegExp(`entry 1 '${name}' overlaps entry 0`));
  refused(tamper((e) => { e[0].offset = 1; }), /entry 0 .* leaves a gap of 1 words after the start of weights\.bin/);
});

test('overlapping, out-of-order and gapped entries are refused', () => {
  refused(tamper((e) => { e[1].offset = e[0].offset; }), /entry 1 .*(overlaps|out of order)/);
  refused(tamper((e) => { [e[0], e[1]] = [e[1], e[0]]; }), /entry 0 .*gap|entry 1 .*out of order/);
  refused(tamper((e) => { for (let i = 1; i < e.length; i++) e[i].offset += 5; }), /entry 1 .*gap of 5 words/);
  refused(tamper((e) => { e.push({ ...e[0] }); }), /repeats a name|overlaps|out of order/);
});

test('a length that is not the product of the shape is refused; a last entry running past weights.bin too', () => {
  const last = plain.entries.length - 1;
  refused(tamper((e) => { e[0].length += 1; }), new RegExp(`entry 0 '${plain.entries[0].name}' has length \\d+ but its shape \\[[\\d,]*\\] holds \\d+ values`));
  refused(tamper((e) => { e[0].shape = [...e[0].shape, 2]; }), /entry 0 .* has length/);
  // the shape and the length grown together still run past weights.bin: only checkWeights knows its size
  const grown = tamper((e) => { e[last].shape = [...e[last].shape, 2]; e[last].length *= 2; });
  parseWeightsManifest(grown);
  assert.throws(() => checkWeights(r.plan, { manifest: grown, data: r.weights.data }), isPlan(new RegExp(`entry ${last} .* past the end of weights\\.bin|shape`)));
  // words of weights.bin no entry lists
  const longer = new BigUint64Array(r.weights.data.length + 3);
  longer.set(r.weights.data);
  assert.throws(() => checkWeights(r.plan, { manifest: plain, data: longer }), isPlan(/3 words belong to no entry/));
  assert.throws(() => checkWeights(r.plan, { manifest: plain, data: r.weights.data.subarray(0, r.weights.data.length - 1) }), isPlan(new RegExp(`entry ${last} .* past the end of weights\\.bin`)));
});

test('a scale in weights.json other than the plan tensor\'s is refused, not obeyed', () => {
  const m = tamper((e) => { e[0].scale += 1; });
  parseWeightsManifest(m);
  assert.throws(() => checkWeights(r.plan, { manifest: m, data: r.weights.data }), isPlan(new RegExp(`weight '${plain.entries[0].name}' has scale ${plain.entries[0].scale + 1} in weights\\.json but the plan's tensor .* has scale ${plain.entries[0].scale}`)));
});

/**
 * The native AES-NI DCF key generation and evaluation (runtime/ring/native/dcf.cc) equal
 * the TypeScript ones (dcf.ts dcfGenJs, dcfEvalJs) word for word, for both parties, on random keys of 1..6 output
 * words, several input widths and element counts that are not multiples of its group of
 * four, and the reconstruction is the comparison; TFE_PRG=node selects the TypeScript
 * evaluator. Skipped (with a note) where the addon is not built or has no AES-NI.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { nativeDcfAvailable, nativeDcfEval, nativeDcfGen } from '../../runtime/protocols/pond/fss/dcf-native.js';
import { dcfEvalJs, dcfGen, dcfGenJs, dcfKeyWords, type DcfShape } from '../../runtime/protocols/pond/fss/dcf.js';

const words = (n: number): BigUint64Array => new BigUint64Array(randomBytes(8 * n).buffer);
const available = nativeDcfAvailable(1);

test('native DCF key generation and evaluation equal the TypeScript ones', { skip: available ? false : 'the native addon is not built or has no AES-NI' }, () => {
  for (const [bits, k, count] of [[63, 1, 37], [63, 2, 101], [63, 3, 9], [8, 4, 5], [20, 5, 3], [64, 6, 7], [1, 1, 2]] as const) {
    const s: DcfShape = { bits, outWords: k, count };
    const mask = bits === 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n;
    const roots: [BigUint64Array, BigUint64Array] = [words(2 * count), words(2 * count)];
    const alpha = words(count).map((v) => v & mask);
    const beta = words(count * k);
    const key = dcfGenJs(s, alpha, beta, roots);
    assert.deepEqual(nativeDcfGen(bits, k, alpha, beta, roots, count * dcfKeyWords(bits, k)), key, `keygen: ${bits} bits, ${k} words`);
    // half the points near alpha, half anywhere
    const x = words(count).map((v, i) => (i % 2 ? v & mask : (alpha[i] + (v % 3n) - 1n) & mask));
    const got = ([0, 1] as const).map((p) => nativeDcfEval(p, bits, k, roots[p], key, x) as BigUint64Array);
    ([0, 1] as const).forEach((p) => assert.deepEqual(got[p], dcfEvalJs(p, s, roots[p], key, x), `party ${p}, ${bits} bits, ${k} words`));
    for (let e = 0; e < count; e++) {
      for (let q = 0; q < k; q++) assert.equal(BigInt.asUintN(64, got[0][e * k + q] + got[1][e * k + q]), x[e] < alpha[e] ? beta[e * k + q] : 0n);
    }
  }
});

test('TFE_PRG=node selects the TypeScript evaluator; more than 6 output words never go native', () => {
  const before = process.env.TFE_PRG;
  process.env.TFE_PRG = 'node';
  try {
    assert.equal(nativeDcfAvailable(1), false);
  } finally {
    if (before === undefined) delete process.env.TFE_PRG;
    else process.env.TFE_PRG = before;
  }
  assert.equal(nativeDcfAvailable(7), false);
});

test('speed: native vs TypeScript on 28,800 keys of 63 bits (network C\'s first pool layer)', { skip: available ? false : 'no native evaluator' }, (t) => {
  const count = 28_800;
  const s: DcfShape = { bits: 63, outWords: 1, count };
  const roots: [BigUint64Array, BigUint64Array] = [words(2 * count), words(2 * count)];
  const alpha = words(count).map((v) => v >> 1n);
  const beta = words(count);
  let g0 = performance.now();
  const key = dcfGenJs(s, alpha, beta, roots);
  const genJsMs = performance.now() - g0;
  g0 = performance.now();
  assert.deepEqual(dcfGen(s, alpha, beta, roots), key);
  const genMs = performance.now() - g0;
  t.diagnostic(`keygen: TypeScript ${genJsMs.toFixed(0)} ms, native ${genMs.toFixed(0)} ms (${(genJsMs / genMs).toFixed(1)}x)`);
  const x = words(count).map((v) => v >> 1n);
  let t0 = performance.now();
  const js = dcfEvalJs(0, s, roots[0], key, x);
  const jsMs = performance.now() - t0;
  t0 = performance.now();
  const nat = nativeDcfEval(0, 63, 1, roots[0], key, x);
  const natMs = performance.now() - t0;
  assert.deepEqual(nat, js);
  t.diagnostic(`TypeScript ${jsMs.toFixed(0)} ms, native ${natMs.toFixed(0)} ms (${(jsMs / natMs).toFixed(1)}x)`);
});

/** The AES-CTR PRG: same seed, same stream; different seeds differ; output looks uniform. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prg, freshSeed } from '../../runtime/crypto/prg.js';
import { TfeError } from '../../src/errors.js';

test('the same seed gives the same stream regardless of how it is drawn', () => {
  const seed = freshSeed();
  const a = new Prg(seed);
  const b = new Prg(seed);
  const whole = a.ring(100_000);
  const parts = [b.ring(7), b.ring(65_536), b.ring(100_000 - 7 - 65_536)];
  assert.deepEqual([...parts[0], ...parts[1], ...parts[2]], [...whole]);
});

test('different seeds give different streams; fresh seeds differ', () => {
  const s1 = freshSeed();
  const s2 = freshSeed();
  assert.notDeepEqual(s1, s2);
  assert.notDeepEqual([...new Prg(s1).ring(4)], [...new Prg(s2).ring(4)]);
});

test('bits are 0/1 and balanced; ring words have balanced bits (chi-square-free sanity bound)', () => {
  const n = 200_000;
  const bits = Prg.fresh().bits(n);
  let ones = 0;
  for (const b of bits) {
    assert.ok(b === 0n || b === 1n);
    ones += Number(b);
  }
  // 6 standard deviations of Binomial(n, 1/2)
  assert.ok(Math.abs(ones - n / 2) < 6 * Math.sqrt(n / 4), `ones = ${ones}`);
  const words = Prg.fresh().ring(20_000);
  let top = 0;
  for (const w of words) top += Number(w >> 63n);
  assert.ok(Math.abs(top - 10_000) < 6 * Math.sqrt(5_000), `top bits = ${top}`);
});

test('a wrong seed length is an error', () => {
  assert.throws(() => new Prg(new Uint8Array(8)), TfeError);
});

/**
 * The identity behind the FSS comparison (runtime/protocols/pond/fss/compare-fss.ts),
 * checked exhaustively on an 8-bit and a 10-bit ring, for every x and every mask r,
 * in the arithmetic form the kernel computes: with c = x + r, c_h, r_h the top bits
 * and t = [c mod 2^(w-1) < r mod 2^(w-1)], w' = r_h + (1 - 2 r_h) t and
 * [x >= 0] = 1 - c_h - (1 - 2 c_h) w' (mod 2^w), x read as signed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

function check(width: number): number {
  const W = 1n << BigInt(width);
  const H = BigInt(width - 1);
  const low = (1n << H) - 1n;
  let bad = 0;
  for (let x = 0n; x < W; x++) {
    const signed = x >= W / 2n ? x - W : x;
    const want = signed >= 0n ? 1n : 0n;
    for (let r = 0n; r < W; r++) {
      const c = (x + r) % W;
      const ch = c >> H;
      const rh = r >> H;
      const t = (c & low) < (r & low) ? 1n : 0n;
      const w = (rh + (1n - 2n * rh) * t) % W;
      const b = (((1n - ch - (1n - 2n * ch) * w) % W) + W) % W;
      if (b !== want) bad++;
    }
  }
  return bad;
}

describe('FSS comparison identity', () => {
  for (const width of [8, 10]) test(`every x and r on Z_2^${width}`, () => assert.equal(check(width), 0));
});

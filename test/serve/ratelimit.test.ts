/**
 * The per-key row rate limiter (runtime/serve/ratelimit.ts) with a fake clock. Expected
 * values are hand computations from the budget semantics in its doc comment: burst =
 * max(1, B · burstSeconds / 60) rows, refill B / 60 rows per second, Retry-After =
 * ceil(seconds until the bucket holds min(rows, burst)). A fast-check property checks the
 * window bound and that every Retry-After is exact to the second (refused one second
 * earlier, allowed at it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RateLimiter, type RateDecision } from '../../runtime/serve/ratelimit.js';
import { TfeError } from '../../src/errors.js';

function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

const allowed = (d: RateDecision): boolean => d.allowed;
const retry = (d: RateDecision): number => {
  assert.equal(d.allowed, false, 'expected a refusal');
  return d.allowed ? -1 : d.retryAfterSeconds;
};

test('burst: 60 rows/min with a 10 s burst admits 10 rows at once, then 1 row per second', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 60, clock: c.now });
  assert.equal(rl.burstRows(), 10);
  for (let i = 0; i < 10; i++) assert.ok(allowed(rl.take('alice', 1)), `row ${i + 1} of the burst`);
  assert.equal(retry(rl.take('alice', 1)), 1); // 1 row at 1 row/s: 1000 ms
  c.advance(500);
  assert.equal(retry(rl.take('alice', 1)), 1); // 500 ms left: rounded up to 1 s
  c.advance(499);
  assert.equal(allowed(rl.take('alice', 1)), false); // 1 ms short
  c.advance(1);
  assert.ok(allowed(rl.take('alice', 1)));
  assert.equal(allowed(rl.take('alice', 1)), false);
});

test('refill is capped at the burst: a long idle key gets the burst back, not more', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 60, clock: c.now });
  for (let i = 0; i < 10; i++) rl.take('k', 1);
  c.advance(3_600_000);
  let n = 0;
  while (allowed(rl.take('k', 1))) n++;
  assert.equal(n, 10);
});

test('Retry-After in whole seconds: 6 rows/min refills one row per 10 s', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 6, clock: c.now });
  assert.equal(rl.burstRows(), 1); // 6 · 10 / 60 = 1
  assert.ok(allowed(rl.take('k', 1)));
  assert.equal(retry(rl.take('k', 1)), 10);
  c.advance(3_500);
  assert.equal(retry(rl.take('k', 1)), 7); // 6.5 s left
  c.advance(6_000);
  assert.equal(retry(rl.take('k', 1)), 1); // 0.5 s left
  c.advance(500);
  assert.ok(allowed(rl.take('k', 1)));
});

test('rows are counted: a batched request of n rows costs n', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 600, clock: c.now }); // burst 100 rows, 10 rows/s
  const d = rl.take('k', 64);
  assert.deepEqual(d, { allowed: true, remaining: 36 });
  assert.equal(retry(rl.take('k', 40)), 1); // 4 rows short at 10 rows/s: 400 ms
  assert.deepEqual(rl.take('k', 36), { allowed: true, remaining: 0 });
  assert.equal(retry(rl.take('k', 100)), 10); // the whole burst: 10 s
  c.advance(9_999);
  assert.equal(retry(rl.take('k', 100)), 1);
  c.advance(1);
  assert.deepEqual(rl.take('k', 100), { allowed: true, remaining: 0 });
});

test('a request larger than the burst is admitted from a full bucket and leaves a debt', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 60, clock: c.now }); // burst 10
  assert.ok(allowed(rl.take('k', 3)));
  assert.equal(retry(rl.take('k', 25)), 3); // needs a full bucket: 3 rows short at 1/s
  c.advance(3_000);
  assert.deepEqual(rl.take('k', 25), { allowed: true, remaining: 0 }); // level 10 - 25 = -15
  assert.equal(retry(rl.take('k', 1)), 16); // from -15 to 1 row: 16 s
  c.advance(16_000);
  assert.ok(allowed(rl.take('k', 1)));
});

test('keys are independent, and a key may carry its own budget', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 6, clock: c.now });
  assert.ok(allowed(rl.take('a', 1)));
  assert.equal(allowed(rl.take('a', 1)), false);
  assert.ok(allowed(rl.take('b', 1)));
  // 'c' has 1200 rows/min of its own: burst 200, 20 rows/s.
  assert.deepEqual(rl.take('c', 150, 1200), { allowed: true, remaining: 50 });
  assert.equal(retry(rl.take('c', 70, 1200)), 1); // 20 rows short: 1000 ms
  assert.equal(rl.burstRows(1200), 200);
});

test('a clock that goes back adds nothing', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 60, clock: c.now });
  for (let i = 0; i < 10; i++) rl.take('k', 1);
  c.advance(-60_000);
  assert.equal(retry(rl.take('k', 1)), 1);
  c.advance(60_000 + 999);
  assert.equal(allowed(rl.take('k', 1)), false);
  c.advance(1);
  assert.ok(allowed(rl.take('k', 1)));
});

test('memory is bounded: buckets of keys idle until refilled are dropped', () => {
  const c = fakeClock();
  const rl = new RateLimiter({ perMinute: 60, clock: c.now });
  for (let i = 0; i < 1000; i++) rl.take(`key${i}`, 1 + (i % 10));
  assert.equal(rl.size, 1000);
  c.advance(5_000); // key i refills in (1 + i % 10) s: those with <= 5 rows are full, yet the sweep waits for the burst interval
  rl.take('other', 1);
  assert.equal(rl.size, 1001);
  c.advance(5_000); // 10 s: every bucket is full again
  rl.take('key7', 2);
  assert.equal(rl.size, 1, 'only the key that just asked keeps a bucket');
  // Dropping a full bucket changes nothing: key7 now has 8 rows, as it would have had anyway.
  assert.deepEqual(rl.take('key7', 8), { allowed: true, remaining: 0 });
});

test('bad arguments are E_ARG errors naming what is wrong', () => {
  const rl = new RateLimiter({ perMinute: 60, clock: () => 0 });
  const e = (f: () => unknown, re: RegExp): void => {
    assert.throws(f, (x: unknown) => x instanceof TfeError && x.code === 'E_ARG' && re.test(x.message));
  };
  e(() => rl.take('k', 0), /positive whole number of rows \(got 0\)/);
  e(() => rl.take('k', 1.5), /positive whole number of rows/);
  e(() => rl.take('k', 1, 0), /budget of key 'k'/);
  e(() => new RateLimiter({ perMinute: 0 }), /rate limit: a budget must be/);
  e(() => new RateLimiter({ perMinute: 10, burstSeconds: 0 }), /burst must be/);
});

test('property: admitted rows within any window obey the bound, and every Retry-After is exact to the second', () => {
  const op = fc.record({ waitMs: fc.integer({ min: 0, max: 4_000 }), rows: fc.integer({ min: 1, max: 40 }) });
  fc.assert(fc.property(fc.integer({ min: 1, max: 1200 }), fc.integer({ min: 1, max: 30 }), fc.array(op, { maxLength: 60 }), (perMinute, burstSeconds, ops) => {
    const c = fakeClock(0);
    const rl = new RateLimiter({ perMinute, burstSeconds, clock: c.now });
    const burst = Math.max(1, (perMinute * burstSeconds) / 60);
    const admitted: { t: number; rows: number }[] = [];
    let biggest = 0;
    for (const { waitMs, rows } of ops) {
      c.advance(waitMs);
      const d = rl.take('k', rows);
      if (d.allowed) {
        admitted.push({ t: c.now(), rows });
        biggest = Math.max(biggest, rows);
        continue;
      }
      const r = d.retryAfterSeconds;
      assert.ok(Number.isInteger(r) && r >= 1);
      if (r > 1) {
        c.advance((r - 1) * 1000);
        assert.equal(rl.take('k', rows).allowed, false, `allowed ${r - 1} s after Retry-After ${r}`);
        c.advance(1000);
      } else {
        c.advance(1000);
      }
      assert.equal(rl.take('k', rows).allowed, true, `refused after Retry-After ${r}`);
      admitted.push({ t: c.now(), rows });
      biggest = Math.max(biggest, rows);
    }
    for (let i = 0; i < admitted.length; i++) {
      let sum = 0;
      for (let j = i; j < admitted.length; j++) {
        sum += admitted[j].rows;
        const windowS = (admitted[j].t - admitted[i].t) / 1000;
        const bound = Math.max(burst, biggest) + (perMinute * windowS) / 60;
        assert.ok(sum <= bound + 1e-9, `${sum} rows in ${windowS} s > bound ${bound}`);
      }
    }
  }), { numRuns: 300 });
});

/**
 * Admission and dynamic batching (runtime/serve/batcher.ts) with a fake clock and a runner
 * the test answers by hand. The reference is a model kept by the test itself: which requests
 * were accepted, when, which batch each went to, and the dispatch rule of the header stated
 * as invariants. Properties (fast-check): every request is answered, exactly with its own
 * value or an error; rows are conserved (each dispatched request in exactly one batch, at
 * consecutive offsets, batch rows = the sum); queue, in-flight and batch bounds hold after
 * every step; a submit beyond the queue bound is refused at once; an idle batcher dispatches
 * within submit; no request waits beyond batchTimeoutMs while a session slot is free. Then
 * examples: padding, deadlines, runner failures, drain, options, and the system clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TfeError } from '../../src/errors.js';
import { OverloadError, RequestTimeoutError } from '../../runtime/serve/batch-errors.js';
import { batcherConfig, paddedSize, type BatcherOptions } from '../../runtime/serve/batch-options.js';
import { Batcher, systemClock, type Batch, type BatchReport, type ItemOutcome, type Served } from '../../runtime/serve/batcher.js';
import { FakeClock } from './fake-clock.js';

/** Lets promise callbacks (the batcher's `finish`) run. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Running {
  readonly batch: Batch<number>;
  resolve(o: readonly ItemOutcome<string>[]): void;
  reject(e: Error): void;
}

interface Answer {
  count: number;
  value?: Served<string>;
  error?: Error;
}

/** A batcher over payload = request id, whose runner answers `v<id>` when the test says so. */
function harness(options: BatcherOptions) {
  const clock = new FakeClock();
  const batches: Running[] = [];
  const reports: BatchReport[] = [];
  const running = new Set<Running>();
  const batcher = new Batcher<number, string>(
    (batch) =>
      new Promise((resolve, reject) => {
        const r: Running = { batch, resolve, reject };
        batches.push(r);
        running.add(r);
      }),
    options,
    clock,
    { onBatch: (b) => reports.push(b) },
  );
  const answers = new Map<number, Answer>();
  let nextId = 0;
  /** Submits and records the answer; returns the id. */
  const submit = (rows: number): number => {
    const id = nextId++;
    const a: Answer = { count: 0 };
    answers.set(id, a);
    batcher.submit(rows, id).then(
      (v) => {
        a.count++;
        a.value = v;
      },
      (e: Error) => {
        a.count++;
        a.error = e;
      },
    );
    return id;
  };
  const ok = (r: Running): void => {
    running.delete(r);
    r.resolve(r.batch.items.map((it) => ({ ok: true, value: `v${it.payload}` })));
  };
  return { clock, batches, reports, running, batcher, answers, submit, ok };
}

const wasOverload = (a: Answer | undefined, reason: string): boolean => a?.error instanceof OverloadError && a.error.code === 'E_OVERLOAD' && a.error.reason === reason && a.error.retryAfterSeconds >= 1;

test('an idle batcher dispatches a lone request within submit, with no timer', () => {
  const h = harness({ maxBatch: 8, batchTimeoutMs: 50 });
  const id = h.submit(3);
  assert.equal(h.batches.length, 1);
  assert.deepEqual(h.batches[0].batch, { id: 1, size: 3, realRows: 3, items: [{ rows: 3, offset: 0, payload: id }] });
  assert.equal(h.clock.now(), 0);
});

test('requests arriving while a batch runs are merged, padded to the next allowed size, and the runner is told the pad rows', async () => {
  const h = harness({ maxBatch: 8, batchTimeoutMs: 5, padTo: [1, 2, 4, 8], maxInFlight: 2 });
  h.submit(1); // idle: batch 1 at once
  const a = h.submit(2);
  h.clock.advance(2);
  const b = h.submit(1);
  assert.equal(h.batches.length, 1, 'waits for company while one batch runs and a slot is free');
  h.clock.advance(2);
  assert.equal(h.batches.length, 1);
  h.clock.advance(1); // the oldest (a) has now waited exactly 5 ms
  assert.equal(h.batches.length, 2);
  assert.deepEqual(h.batches[1].batch, { id: 2, size: 4, realRows: 3, items: [{ rows: 2, offset: 0, payload: a }, { rows: 1, offset: 2, payload: b }] });
  h.ok(h.batches[1]);
  h.ok(h.batches[0]);
  await flush();
  assert.equal(h.answers.get(a)?.value?.value, `v${a}`);
  assert.deepEqual(h.answers.get(b)?.value, { value: `v${b}`, batchId: 2, batchSize: 4, batchRows: 3, queueMs: 3, runMs: 0 });
  assert.deepEqual(h.reports.map((r) => [r.id, r.size, r.realRows, r.requests, r.failed]), [[2, 4, 3, 2, false], [1, 1, 1, 1, false]]);
});

test('a full batch goes without waiting; whole requests in arrival order, never above maxBatch', () => {
  const h = harness({ maxBatch: 4, batchTimeoutMs: 100, maxInFlight: 3 });
  h.submit(1); // batch 1
  h.submit(3);
  h.submit(2); // 5 rows queued >= 4: dispatch [3], then 2 left < 4: wait
  assert.deepEqual(h.batches.map((b) => b.batch.items.map((i) => i.rows)), [[1], [3]]);
  h.submit(2); // 4 rows queued: dispatch [2, 2]
  assert.deepEqual(h.batches.map((b) => b.batch.realRows), [1, 3, 4]);
  assert.equal(h.batcher.gauges().inFlightBatches, 3);
});

test('with every slot busy the queue waits past batchTimeoutMs and goes when a batch finishes', async () => {
  const h = harness({ maxBatch: 8, batchTimeoutMs: 1, maxInFlight: 1 });
  h.submit(1);
  h.submit(1);
  h.submit(2);
  h.clock.advance(50);
  assert.equal(h.batches.length, 1);
  assert.deepEqual(h.batcher.gauges(), { queuedRows: 3, queuedRequests: 2, inFlightBatches: 1, inFlightRows: 1, draining: false });
  h.ok(h.batches[0]);
  await flush();
  assert.deepEqual(h.batches[1].batch.items.map((i) => i.rows), [1, 2]);
});

test('beyond maxQueueRows submit is refused at once with an overload error carrying Retry-After', async () => {
  const h = harness({ maxBatch: 4, maxQueueRows: 6, maxInFlight: 1, batchTimeoutMs: 1 });
  h.submit(4); // running
  h.submit(4);
  const fits = h.submit(2); // 6 queued: at the bound
  const over = h.submit(1);
  await flush();
  assert.ok(wasOverload(h.answers.get(over), 'queue-full'));
  assert.match(h.answers.get(over)?.error?.message ?? '', /queue is full \(6 of 6 rows waiting; this request has 1\)/);
  assert.equal(h.answers.get(fits)?.count, 0);
  assert.equal(h.batcher.gauges().queuedRows, 6);
});

test('Retry-After grows with the queued work at the measured batch time', async () => {
  const h = harness({ maxBatch: 2, maxQueueRows: 8, maxInFlight: 1, batchTimeoutMs: 0 });
  h.submit(2);
  h.clock.advance(3000); // the first batch takes 3 s
  h.ok(h.batches[0]);
  await flush();
  h.submit(2); // running
  for (let i = 0; i < 4; i++) h.submit(2); // 8 rows queued = 4 batches + 1 running, 3 s each
  const over = h.submit(1);
  await flush();
  assert.equal((h.answers.get(over)?.error as OverloadError).retryAfterSeconds, 15);
});

test('a request still queued at its deadline leaves the queue with a 503-kind overload and never runs', async () => {
  const h = harness({ maxBatch: 4, maxInFlight: 1, requestTimeoutMs: 100, batchTimeoutMs: 1 });
  h.submit(1);
  h.clock.advance(10);
  const late = h.submit(2);
  h.clock.advance(100);
  await flush();
  assert.ok(wasOverload(h.answers.get(late), 'queue-timeout'));
  assert.equal(h.batcher.gauges().queuedRows, 0);
  h.ok(h.batches[0]); // first batch took 110 ms: its request timed out while running
  await flush();
  assert.equal(h.batches.length, 1, 'the expired request is not dispatched');
});

test('a request whose batch runs at its deadline fails with E_TIMEOUT; the slot stays taken until the runner settles; the late result is dropped', async () => {
  const h = harness({ maxBatch: 4, maxInFlight: 1, requestTimeoutMs: 100, batchTimeoutMs: 1 });
  const slow = h.submit(1);
  h.clock.advance(60);
  const next = h.submit(1);
  h.clock.advance(40);
  await flush();
  const e = h.answers.get(slow)?.error;
  assert.ok(e instanceof RequestTimeoutError && e.code === 'E_TIMEOUT' && e.timeoutMs === 100);
  assert.equal(h.batches.length, 1, 'no new batch while the timed-out one still runs');
  h.ok(h.batches[0]);
  await flush();
  assert.equal(h.answers.get(slow)?.count, 1, 'answered once: the late value is dropped');
  assert.equal(h.batches.length, 2);
  h.ok(h.batches[1]);
  await flush();
  assert.equal(h.answers.get(next)?.value?.value, `v${next}`);
});

test('a runner failure fails only the requests of its batch; per-request failures fail only those', async () => {
  const h = harness({ maxBatch: 4, maxInFlight: 2, batchTimeoutMs: 0 });
  const a = h.submit(1); // batch 1
  const b = h.submit(1); // batch 2 (timeout 0)
  const c = h.submit(2); // waits: both slots busy
  const boom = new TfeError('E_TRANSPORT', 'server1 closed the link in step 4');
  h.running.delete(h.batches[0]);
  h.batches[0].reject(boom);
  await flush();
  assert.equal(h.answers.get(a)?.error, boom);
  assert.equal(h.batches[2].batch.items[0].payload, c);
  h.ok(h.batches[1]);
  const cFail = new TfeError('E_ARG', 'the share for server1 did not decrypt');
  h.batches[2].resolve([{ ok: false, error: cFail }]);
  await flush();
  assert.equal(h.answers.get(b)?.value?.value, `v${b}`);
  assert.equal(h.answers.get(c)?.error, cFail);
  assert.deepEqual(h.reports.map((r) => r.failed), [true, false, false]);
});

test('a runner that throws synchronously or answers the wrong number of results fails its batch with a clear error', async () => {
  let calls = 0;
  const clock = new FakeClock();
  const b = new Batcher<number, string>(
    (batch) => {
      calls++;
      if (calls === 1) throw new Error('runner bug');
      return Promise.resolve(batch.items.slice(1).map(() => ({ ok: true as const, value: 'x' })));
    },
    { batchTimeoutMs: 0 },
    clock,
  );
  await assert.rejects(b.submit(1, 0), /runner bug/);
  await assert.rejects(b.submit(1, 1), (e: unknown) => e instanceof TfeError && e.code === 'E_PROTOCOL' && /batch 2 runner answered 0 results for 1 requests/.test(e.message));
  assert.deepEqual(b.gauges(), { queuedRows: 0, queuedRequests: 0, inFlightBatches: 0, inFlightRows: 0, draining: false });
});

test('drain refuses new requests, dispatches the queue without waiting, and resolves only when all work is done', async () => {
  const h = harness({ maxBatch: 4, maxInFlight: 1, batchTimeoutMs: 1000 });
  const a = h.submit(1);
  const q = h.submit(2);
  let drained = false;
  const d = h.batcher.drain().then((r) => {
    drained = true;
    return r;
  });
  const refused = h.submit(1);
  await flush();
  assert.ok(wasOverload(h.answers.get(refused), 'draining'));
  assert.equal(h.batcher.gauges().draining, true);
  h.ok(h.batches[0]);
  await flush();
  assert.equal(h.batches.length, 2, 'the queued request goes at once when the slot frees, no batch timer');
  assert.equal(h.clock.now(), 0);
  assert.equal(drained, false);
  h.ok(h.batches[1]);
  assert.deepEqual(await d, { complete: true, refused: 0, running: 0 });
  assert.equal(h.answers.get(a)?.value?.value, `v${a}`);
  assert.equal(h.answers.get(q)?.value?.value, `v${q}`);
});

test('drain of an idle batcher resolves at once; drain with a timeout refuses what is still queued', async () => {
  const idle = harness({});
  assert.deepEqual(await idle.batcher.drain(), { complete: true, refused: 0, running: 0 });
  const h = harness({ maxBatch: 4, maxInFlight: 1, requestTimeoutMs: 10_000 });
  h.submit(1);
  const q1 = h.submit(1);
  const q2 = h.submit(2);
  const d = h.batcher.drain(500);
  h.clock.advance(499);
  await flush();
  assert.equal(h.answers.get(q1)?.count, 0);
  h.clock.advance(1);
  assert.deepEqual(await d, { complete: false, refused: 2, running: 1 });
  assert.ok(wasOverload(h.answers.get(q1), 'draining') && wasOverload(h.answers.get(q2), 'draining'));
  assert.match(h.answers.get(q2)?.error?.message ?? '', /shut down before this request could run/);
  assert.equal(h.batcher.gauges().queuedRows, 0);
  h.ok(h.batches[0]);
  await flush();
  assert.equal(h.batches.length, 1);
});

test('options: bad values are E_ARG errors naming the option; paddedSize picks the smallest allowed size', () => {
  const bad: [BatcherOptions, RegExp][] = [
    [{ maxBatch: 0 }, /maxBatch must be a positive integer, got 0/],
    [{ maxBatch: 8, padTo: [1, 4, 2, 8] }, /padTo must be strictly increasing/],
    [{ maxBatch: 8, padTo: [1, 2, 4] }, /padTo must end with maxBatch \(8\)/],
    [{ maxBatch: 8, maxRows: 9 }, /maxRows \(9\) is above maxBatch \(8\)/],
    [{ maxBatch: 8, maxQueueRows: 4 }, /maxRows \(8\) is above maxQueueRows \(4\)/],
    [{ batchTimeoutMs: -1 }, /batchTimeoutMs must be a finite number >= 0/],
    [{ maxInFlight: 1.5 }, /maxInFlight must be a positive integer/],
  ];
  for (const [o, re] of bad) assert.throws(() => batcherConfig(o), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && re.test(e.message));
  assert.deepEqual(batcherConfig({}), { maxBatch: 32, batchTimeoutMs: 2, padTo: [], maxInFlight: 2, maxQueueRows: 256, maxRows: 32, requestTimeoutMs: 10_000, minRetryAfterSeconds: 1 });
  assert.deepEqual([1, 2, 3, 5, 8, 9, 32].map((r) => paddedSize(r, [1, 2, 4, 8, 16, 32])), [1, 2, 4, 8, 8, 16, 32]);
  assert.equal(paddedSize(7, []), 7);
});

test('a request of 0, too many or fractional rows is refused with E_SHAPE', async () => {
  const h = harness({ maxBatch: 4 });
  for (const rows of [0, 5, 1.5, Number.NaN]) {
    await assert.rejects(h.batcher.submit(rows, 0), (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /outside 1\.\.4/.test(e.message));
  }
  assert.equal(h.batches.length, 0);
});

test('with the system clock, a request behind a running batch waits about batchTimeoutMs, not longer', async () => {
  const release: (() => void)[] = [];
  const b = new Batcher<number, number>(
    (batch) => new Promise((r) => release.push(() => r(batch.items.map((i) => ({ ok: true as const, value: i.payload }))))),
    { batchTimeoutMs: 20, maxInFlight: 2 },
    systemClock,
  );
  const first = b.submit(1, 1);
  const t0 = performance.now();
  const second = b.submit(1, 2);
  while (release.length < 2 && performance.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 1));
  assert.equal(release.length, 2, 'the first request ran alone at once, the second in its own batch');
  const waited = performance.now() - t0;
  // lower bound: the timer; upper bound: loaded 2-core machine scheduling slack
  assert.ok(waited >= 19 && waited < 500, `waited ${waited} ms`);
  for (const r of release) r();
  assert.equal((await first).value, 1);
  assert.equal((await second).value, 2);
});

// ---------------------------------------------------------------------------------------------
// Properties

type Op =
  | { readonly t: 'submit'; readonly rows: number }
  | { readonly t: 'advance'; readonly ms: number }
  | { readonly t: 'complete'; readonly k: number; readonly mode: 'ok' | 'reject' | 'itemfail' | 'short' }
  | { readonly t: 'drain' };

const optionsArb: fc.Arbitrary<BatcherOptions> = fc
  .record({
    maxBatch: fc.integer({ min: 1, max: 12 }),
    pad: fc.boolean(),
    maxInFlight: fc.integer({ min: 1, max: 3 }),
    extraQueue: fc.integer({ min: 0, max: 20 }),
    rowsFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    batchTimeoutMs: fc.integer({ min: 0, max: 6 }),
    requestTimeoutMs: fc.integer({ min: 1, max: 60 }),
  })
  .map((r) => {
    const maxRows = Math.max(1, Math.ceil(r.rowsFrac * r.maxBatch));
    const padTo: number[] = [];
    if (r.pad) {
      for (let s = 1; s < r.maxBatch; s *= 2) padTo.push(s);
      padTo.push(r.maxBatch);
    }
    return { maxBatch: r.maxBatch, padTo, maxInFlight: r.maxInFlight, maxRows, maxQueueRows: maxRows + r.extraQueue, batchTimeoutMs: r.batchTimeoutMs, requestTimeoutMs: r.requestTimeoutMs };
  });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 12 }).map((rows): Op => ({ t: 'submit', rows })) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }).map((ms): Op => ({ t: 'advance', ms })) },
  { weight: 3, arbitrary: fc.record({ k: fc.nat(), mode: fc.constantFrom<'ok' | 'reject' | 'itemfail' | 'short'>('ok', 'ok', 'ok', 'reject', 'itemfail', 'short') }).map((r): Op => ({ t: 'complete', ...r })) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'drain' }) },
);

interface Model {
  readonly rows: number;
  readonly at: number;
  batch: number | undefined;
}

test('properties: answered once with its own value, rows conserved, bounds kept, overload at the bound, idle dispatch immediate, wait bounded', async () => {
  await fc.assert(
    fc.asyncProperty(optionsArb, fc.array(opArb, { minLength: 10, maxLength: 80, size: 'max' }), async (options, ops) => {
      const h = harness(options);
      const c = h.batcher.config;
      const model = new Map<number, Model>();
      const batchOf = new Map<number, Running>();
      const completedMode = new Map<number, Op & { t: 'complete' }>();
      let drainP: Promise<unknown> | undefined;
      let seen = 0;
      const note = (): void => {
        for (; seen < h.batches.length; seen++) {
          const { batch } = h.batches[seen];
          assert.ok(batch.realRows >= 1 && batch.realRows <= c.maxBatch, `batch of ${batch.realRows} rows`);
          assert.equal(batch.size, paddedSize(batch.realRows, c.padTo));
          let off = 0;
          for (const it of batch.items) {
            const m = model.get(it.payload);
            assert.ok(m !== undefined && m.batch === undefined, `request ${it.payload} dispatched twice or unknown`);
            assert.ok(!(h.answers.get(it.payload)?.error instanceof OverloadError), 'a refused or expired request is dispatched');
            assert.equal(it.offset, off);
            assert.equal(it.rows, m.rows);
            m.batch = batch.id;
            off += it.rows;
          }
          assert.equal(off, batch.realRows, 'rows conserved in the batch');
          batchOf.set(batch.id, h.batches[seen]);
        }
      };
      const queued = (): [number, number] => {
        let rows = 0;
        let oldest = Infinity;
        for (const [id, m] of model) {
          if (m.batch !== undefined || (h.answers.get(id)?.count ?? 0) > 0) continue;
          rows += m.rows;
          oldest = Math.min(oldest, m.at);
        }
        return [rows, oldest];
      };
      const invariants = (): void => {
        note();
        const g = h.batcher.gauges();
        const [rows, oldest] = queued();
        assert.equal(g.queuedRows, rows, 'queued rows as the model counts them');
        assert.ok(g.queuedRows <= c.maxQueueRows, 'queue within its bound');
        assert.equal(g.inFlightBatches, h.running.size);
        assert.ok(g.inFlightBatches <= c.maxInFlight);
        if (g.queuedRequests > 0 && g.inFlightBatches < c.maxInFlight) {
          // a free slot and a waiting queue: only while rule 2-4 do not hold and a batch runs
          assert.ok(g.inFlightBatches > 0 && !g.draining && g.queuedRows < c.maxBatch, 'idle or full queue left waiting');
          assert.ok(h.clock.now() - oldest < c.batchTimeoutMs, `oldest waited ${h.clock.now() - oldest} ms >= ${c.batchTimeoutMs}`);
        }
      };
      for (const op of ops) {
        if (op.t === 'submit') {
          const before = h.batcher.gauges();
          const rows = Math.min(op.rows, c.maxRows);
          const expectRefused = before.draining || before.queuedRows + rows > c.maxQueueRows;
          const id = h.submit(rows);
          model.set(id, { rows, at: h.clock.now(), batch: undefined });
          note();
          if (!expectRefused && before.inFlightBatches === 0) assert.equal(model.get(id)?.batch, h.batches.length, 'idle: dispatched within submit');
          await flush();
          const a = h.answers.get(id);
          if (expectRefused) {
            assert.ok(wasOverload(a, before.draining ? 'draining' : 'queue-full'), 'refused at once');
            model.delete(id);
          } else assert.ok(!(a?.error instanceof OverloadError && a.error.reason !== 'queue-timeout'), 'admitted under the bound');
        } else if (op.t === 'advance') {
          h.clock.advance(op.ms);
          await flush();
        } else if (op.t === 'complete') {
          const list = [...h.running];
          if (list.length === 0) continue;
          const r = list[op.k % list.length];
          h.running.delete(r);
          completedMode.set(r.batch.id, op);
          if (op.mode === 'ok') h.ok(r);
          else if (op.mode === 'reject') r.reject(new TfeError('E_TRANSPORT', `batch ${r.batch.id} lost its link`));
          else if (op.mode === 'short') r.resolve([]);
          else r.resolve(r.batch.items.map((it) => (it.offset % 2 === 1 ? { ok: false, error: new TfeError('E_ARG', `item ${it.payload} bad`) } : { ok: true, value: `v${it.payload}` })));
          await flush();
        } else if (drainP === undefined) {
          drainP = h.batcher.drain();
          await flush();
        }
        invariants();
      }
      // finish: drain, answer every batch, let every deadline pass
      const d = drainP ?? h.batcher.drain();
      for (let guard = 0; h.running.size > 0 || h.batcher.gauges().queuedRequests > 0; guard++) {
        assert.ok(guard < 1000, 'drain makes progress');
        note();
        for (const r of [...h.running]) {
          completedMode.set(r.batch.id, { t: 'complete', k: 0, mode: 'ok' });
          h.ok(r);
        }
        await flush();
        note();
      }
      await d;
      h.clock.advance(1e6);
      await flush();
      for (const [id, m] of model) {
        const a = h.answers.get(id);
        assert.equal(a?.count, 1, `request ${id} answered once`);
        if (m.batch === undefined) {
          assert.ok(wasOverload(a, 'queue-timeout'), `request ${id} never dispatched must have expired in the queue`);
          continue;
        }
        const mode = completedMode.get(m.batch)?.mode;
        const item = batchOf.get(m.batch)?.batch.items.find((it) => it.payload === id);
        if (a?.value !== undefined) {
          assert.equal(a.value.value, `v${id}`, 'its own value');
          assert.equal(a.value.batchId, m.batch);
          assert.ok(mode === 'ok' || (mode === 'itemfail' && (item?.offset ?? 0) % 2 === 0));
        } else if (!(a?.error instanceof RequestTimeoutError)) {
          const msg = a?.error?.message ?? '';
          if (mode === 'reject') assert.match(msg, new RegExp(`batch ${m.batch} lost its link`));
          else if (mode === 'short') assert.match(msg, /runner answered 0 results/);
          else assert.ok(mode === 'itemfail' && msg === `item ${id} bad`, `unexpected failure ${msg} in mode ${mode}`);
        }
      }
      const dispatched = [...model.values()].filter((m) => m.batch !== undefined).reduce((s, m) => s + m.rows, 0);
      assert.equal(h.batches.reduce((s, b) => s + b.batch.realRows, 0), dispatched, 'rows conserved overall');
      assert.equal(h.clock.pending(), 0, 'no timer left behind');
    }),
    { numRuns: 300 },
  );
});

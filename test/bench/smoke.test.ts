/**
 * Benchmark smoke run (CI runs no full benchmark): the kernel, inference, serve and program benchmarks
 * run on their smallest configurations and produce well-formed rows, and the inference
 * rows' measured cost equals the plan's declared cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchInference } from '../../bench/inference.js';
import { benchKernels } from '../../bench/kernels.js';

test('kernels benchmark (quick): rows for every available backend and the Pond matmul', async () => {
  const rows = await benchKernels({ quick: true });
  const matmul = rows.filter((r) => r.bench === 'ring.matmul');
  assert.ok(matmul.length >= 2, 'at least two backends measured');
  for (const r of matmul) assert.ok(typeof r.ms === 'number' && r.ms > 0 && typeof r.gmacs === 'number' && r.gmacs > 0);
  const pondRow = rows.find((r) => r.bench === 'pond.matmul');
  assert.ok(pondRow && pondRow.rounds === 1 && pondRow.bytes === 8 * 128 * 784, 'the cached-weight matmul opens only the input side');
});

test('inference benchmark (network A, batch 1, exact ReLU): cost matches the plan', async () => {
  const [row] = await benchInference({ net: 'A', batch: 1, relu: 'exact', runs: 3, warmMs: 0 });
  assert.equal(row.net, 'A');
  assert.equal(row.cost_matches_plan, true);
  assert.ok(typeof row.ms === 'number' && row.ms > 0 && typeof row.plaintext_ms === 'number' && row.plaintext_ms > 0);
  assert.ok((row.rounds as number) <= 40, `network A takes ${row.rounds} rounds`);
});

test('serve benchmark (network A, 10 requests at concurrency 1 and 4): one well-formed row per concurrency, no errors', async () => {
  const { benchServe } = await import('../../bench/serve.js');
  const rows = await benchServe({ net: 'A', concurrency: '1,4', requests: 10, out: 'none' });
  assert.deepEqual(rows.map((r) => r.concurrency), [1, 4]);
  for (const r of rows) {
    assert.equal(r.errors, 0, String(r.first_error));
    assert.ok(typeof r.throughput_per_s === 'number' && r.throughput_per_s > 0);
    assert.ok(typeof r.p50_ms === 'number' && typeof r.p99_ms === 'number' && r.p50_ms > 0 && r.p99_ms >= r.p50_ms);
    assert.ok(typeof r.mean_batch_rows === 'number' && r.mean_batch_rows >= 1);
  }
});

test('program benchmark (the API examples, one run): a row per example with times and the plan\'s declared cost', async () => {
  const { benchProgram } = await import('../../bench/program.js');
  const rows = await benchProgram({ protocol: 'pond', runs: 1 });
  assert.deepEqual(rows.map((r) => r.example), ['private-matmul', 'two-data-owners']);
  for (const r of rows) {
    for (const k of ['compile_ms', 'local_ms', 'up_ms', 'rounds', 'bytes']) assert.ok(typeof r[k] === 'number' && r[k] > 0, `${k} = ${String(r[k])}`);
    assert.equal(r.up_over_local, (r.up_ms as number) / (r.local_ms as number));
  }
});

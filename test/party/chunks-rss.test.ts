/**
 * Bounded memory of a large batch (issue 11): `tfe eval` of zoo network C with
 * --batch 320 runs, in a child process, as sessions of the chunk rule's size
 * (runtime/party/chunks.ts: 36 examples since the 64 MiB budget; 289 and 80 before)
 * and its peak RSS (process.resourceUsage().maxRSS, reported by the child at exit)
 * stays under 1.25 GB. Bound: one session's RSS is ~1.2 x its declared bytes plus
 * ~200 MB of runtime (net C: 0.77 GB at batch 256 as one session, AMD EPYC, 2 cores);
 * sessions of 289 measured 0.86 GB, of 64 0.40 GB. The big case (--batch 1000 --limit 1000, ≤ 2 GB)
 * is `bench/rss-eval.sh`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { zooModelPath } from '../../models/index.js';
import { chunkSize } from '../../runtime/party/chunks.js';
import { parsePlanText } from '../../src/plan/index.js';
import { MNIST_TESTSET, REPO_ROOT } from '../support/paths.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');
/** Prints the peak RSS (KiB) on stderr when the child exits. */
const REPORT_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss "+process.resourceUsage().maxRSS+"\\n"))';
const BOUND_KIB = 1.25e9 / 1024;

test('tfe eval --batch 320 on network C runs in sessions of the chunk rule with peak RSS under 1.25 GB', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-rss-'));
  try {
    await run(process.execPath, [CLI, 'compile', zooModelPath('C'), '-o', dir, '--input-range', '0:1']);
    const r = await run(process.execPath, ['--import', REPORT_RSS, CLI, 'eval', dir, '--mnist', MNIST_TESTSET, '--batch', '320', '--limit', '320', '--json'], { maxBuffer: 1 << 20 });
    const out = JSON.parse(r.stdout) as { n: number; agreement: number; batch: number; chunk: number };
    assert.equal(out.n, 320);
    assert.equal(out.batch, 320);
    assert.equal(out.chunk, chunkSize(parsePlanText(readFileSync(join(dir, 'plan.json'), 'utf8'))));
    assert.ok(out.chunk < 320, `chunk ${out.chunk}: the batch must be split`);
    assert.ok(out.agreement >= 0.99, `agreement ${out.agreement}`);
    const m = /maxrss (\d+)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const kib = Number(m[1]);
    assert.ok(kib < BOUND_KIB, `peak RSS ${(kib / 1024).toFixed(0)} MiB, bound ${(BOUND_KIB / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

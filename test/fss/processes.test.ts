/**
 * An FSS plan as separate processes over mutual TLS (`tfe up`): zoo network A compiled
 * with --compare fss, every role a child process, so the DCF keys really travel from the
 * dealer's process to BOTH servers' (server0 receives material only for FSS keys). The
 * measured rounds, bytes and dealer bytes equal the declared ones, and the prediction is
 * the sample's label.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { REPO_ROOT } from '../support/paths.js';

const run = promisify(execFile);

test('tfe up of a --compare fss plan of network A: keys reach both servers, cost measured = declared', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-fss-up-'));
  try {
    await compile(zooModelPath('A'), { compare: 'fss', inputRange: [0, 1], outDir: dir });
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'dist/src/cli.js'), 'up', dir, '--input', zooSamplePath('A'), '--json'], { timeout: 240_000, maxBuffer: 1 << 24 });
    const r = JSON.parse(stdout) as { rounds: number; bytes: Record<string, number>; dealer_bytes: number; declared: { rounds: number; bytes: Record<string, number>; dealerBytes: number }; outputs: Record<string, { top: { class: number }[][] }> };
    assert.equal(r.rounds, 8);
    assert.equal(r.rounds, r.declared.rounds);
    assert.deepEqual(r.bytes, r.declared.bytes);
    assert.equal(r.dealer_bytes, r.declared.dealerBytes);
    const label = (JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { label: number }).label;
    assert.equal(Object.values(r.outputs)[0].top[0][0].class, label);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Compile benchmark: for every shared model (with its documented options), the time
 * of one compile (model file to plan and weights in memory, after a warm-up) and the
 * peak memory of a process that does only that, measured in a child process per
 * model. Target: < 2 s and < 500 MB each.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SHARED_MODEL_CASES } from '../test/compiler/shared-models.js';
import type { Row } from './stats.js';

export async function benchCompile(filter: { model?: string } = {}): Promise<Row[]> {
  const self = fileURLToPath(import.meta.url);
  const child = self.replace(/compile\.(ts|js)$/, (_, ext: string) => `compile-one.${ext}`);
  if (!existsSync(child)) throw new Error(`bench compile: ${child} is missing`);
  const rows: Row[] = [];
  for (const [i, m] of SHARED_MODEL_CASES.entries()) {
    if (filter.model !== undefined && !m.name.includes(filter.model)) continue;
    const out = execFileSync(process.execPath, [...process.execArgv, child, String(i)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as { ms: number; peak_mb: number };
    rows.push({ bench: 'compile', model: m.name, ms: Math.round(r.ms * 10) / 10, peak_mb: Math.round(r.peak_mb) });
  }
  return rows;
}

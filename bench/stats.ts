/** Timing helpers for benchmarks: medians of repeated runs, and output as JSON lines or a markdown table. */
import { performance } from 'node:perf_hooks';

/** Median wall time in ms of `fn` over `runs` runs after `warmup` unmeasured ones; stops early after `budgetMs`. */
export async function medianMs(fn: () => unknown, opts: { runs?: number; warmup?: number; budgetMs?: number } = {}): Promise<number> {
  const runs = opts.runs ?? 9;
  const budget = opts.budgetMs ?? 10_000;
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (performance.now() - start > budget && times.length >= 3) break;
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return times.length % 2 ? times[m] : (times[m - 1] + times[m]) / 2;
}

/** The median of `xs` (0 for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export type Row = Record<string, string | number | boolean>;

/** Prints rows as JSON lines (`json`) or as one markdown table. */
export function report(rows: readonly Row[], json: boolean): void {
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v ?? ''));
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => fmt(r[c])).join(' | ')} |`);
}

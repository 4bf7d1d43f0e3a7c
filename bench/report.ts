/**
 * `npm run bench -- report`: runs the inference benchmark over nets × batches (or reads
 * rows saved from `npm run bench -- inference --json` with `--from`), and writes to the
 * output directory (default bench/results/) the raw rows (`rows.jsonl`), the markdown
 * report (`report.md`, bench/report-md.ts) and the latency chart (`latency.svg`,
 * bench/report-chart.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../models/index.js';
import { benchInference } from './inference.js';
import { latencyChartSvg } from './report-chart.js';
import { renderMarkdown } from './report-md.js';
import { currentMeta } from './report-meta.js';
import { parseRowsJsonl, sortRows, toReportRow, type ReportRow } from './report-rows.js';
import type { Row } from './stats.js';

export const DEFAULT_REPORT_DIR = join(REPO_ROOT, 'bench', 'results');
export const DEFAULT_REPORT_NETS = ['A', 'B', 'C', 'D'] as const;
export const DEFAULT_REPORT_BATCHES = [1, 8, 64] as const;

export interface ReportOptions {
  /** Comma-separated nets (default A,B,C,D). With `from`, keeps only these nets' rows. */
  readonly nets?: string;
  /** Comma-separated batch sizes (default 1,8,64). With `from`, keeps only these batches. */
  readonly batches?: string;
  /** Predictions measured per configuration (default: the inference bench's, 31 at batch 1 and 3 above). */
  readonly runs?: number;
  /** memory (default), processes, or both as `memory,processes`. */
  readonly deploy?: string;
  readonly relu?: string;
  readonly maxpool?: string;
  /** Read rows from this JSON-lines file instead of measuring. */
  readonly from?: string;
  /** Output directory (default bench/results/ in the repository). */
  readonly out?: string;
  /** Warm-up time at batch 1 in ms (the inference bench's default when absent; tests use 0). */
  readonly warmMs?: number;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface ReportOutput {
  readonly dir: string;
  readonly files: readonly string[];
  readonly rows: readonly ReportRow[];
}

function list(s: string | undefined, what: string): string[] | undefined {
  if (s === undefined) return undefined;
  const items = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (items.length === 0) throw new Error(`--${what}: empty list`);
  return items;
}

function batchList(s: string | undefined): number[] | undefined {
  return list(s, 'batches')?.map((b) => {
    const n = Number(b);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--batches: '${b}' is not a positive integer`);
    return n;
  });
}

async function measure(o: ReportOptions, nets: readonly string[], batches: readonly number[], log: (l: string) => void): Promise<{ raw: Row[]; source: string }> {
  const deploys = list(o.deploy, 'deploy') ?? ['memory'];
  const relu = o.relu ?? 'exact';
  const raw: Row[] = [];
  for (const deploy of deploys) {
    for (const net of nets) {
      log(`report: measuring net ${net}, batches ${batches.join(',')}, ${deploy}, relu ${relu}`);
      raw.push(...(await benchInference({ net, batches, relu, maxpool: o.maxpool, runs: o.runs, deploy, warmMs: o.warmMs })));
    }
  }
  const runs = o.runs === undefined ? 'the inference bench default (31 predictions at batch 1, 3 above)' : `${o.runs} predictions per configuration`;
  const source = `measured by this run (nets ${nets.join(',')}; batches ${batches.join(',')}; deploy ${deploys.join(',')}; relu ${relu}; maxpool ${o.maxpool ?? 'auto'}; ${runs})`;
  return { raw, source };
}

/** Measures (or reads) the rows and writes rows.jsonl, report.md and latency.svg. */
export async function benchReport(o: ReportOptions): Promise<ReportOutput> {
  const log = o.log ?? ((l: string) => console.error(l));
  if (o.runs !== undefined && !(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('--runs: expected a positive integer');
  const nets = list(o.nets, 'nets');
  const batches = batchList(o.batches);
  let raw: Row[];
  let rows: ReportRow[];
  let source: string;
  if (o.from !== undefined) {
    const parsed = parseRowsJsonl(readFileSync(o.from, 'utf8'), o.from);
    const keep = parsed.rows.map((r) => (!nets || nets.includes(r.net)) && (!batches || batches.includes(r.batch)));
    raw = parsed.raw.filter((_, i) => keep[i]);
    rows = parsed.rows.filter((_, i) => keep[i]);
    source = `read from \`${o.from}\` (measured earlier, possibly elsewhere: the machine above is the one that wrote this report)`;
  } else {
    const m = await measure(o, nets ?? [...DEFAULT_REPORT_NETS], batches ?? [...DEFAULT_REPORT_BATCHES], log);
    raw = m.raw;
    rows = raw.map((r, i) => toReportRow(r, `row ${i + 1}`));
    source = m.source;
  }
  if (rows.length === 0) throw new Error('report: no inference rows to report');
  const dir = resolve(o.out ?? DEFAULT_REPORT_DIR);
  mkdirSync(dir, { recursive: true });
  const chart = { file: 'latency.svg', title: 'Online latency vs batch size' };
  const files = [join(dir, 'rows.jsonl'), join(dir, chart.file), join(dir, 'report.md')];
  writeFileSync(files[0], raw.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(files[1], await latencyChartSvg(rows));
  writeFileSync(files[2], renderMarkdown({ meta: currentMeta(), rows, source, charts: [chart] }));
  return { dir, files, rows: sortRows(rows) };
}

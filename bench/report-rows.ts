/**
 * The rows a bench report is made from: `inference` benchmark rows (as `npm run bench --
 * inference --json` prints them, one JSON object per line), checked and narrowed to the
 * fields the report shows. Checking them here means a stale or hand-edited `--from` file
 * fails with the line that is wrong, not with a blank cell or NaN in a chart.
 */
import { z } from 'zod';
import type { Row } from './stats.js';

const num = z.number().finite();

const InferenceRowSchema = z.object({
  bench: z.literal('inference'),
  net: z.string().min(1),
  batch: z.number().int().positive(),
  relu: z.string().default('exact'),
  maxpool: z.string().default('auto'),
  deploy: z.string().default('memory'),
  backend: z.string().optional(),
  online_ms: num.nonnegative(),
  offline_ms: num.nonnegative().optional(),
  rounds: z.number().int().nonnegative().optional(),
  // memory rows carry bytes_per_server; processes rows carry frame_bytes_per_server
  bytes_per_server: num.nonnegative().optional(),
  frame_bytes_per_server: num.nonnegative().optional(),
  rss_mb: num.nonnegative().optional(),
  wan_ms_est: num.nonnegative().optional(),
  cost_matches_plan: z.boolean().optional(),
});

/** One measured configuration (net, batch, deployment, comparison settings) as the report shows it. */
export interface ReportRow {
  readonly net: string;
  readonly batch: number;
  readonly deploy: string;
  readonly relu: string;
  readonly maxpool: string;
  readonly backend?: string;
  readonly online_ms: number;
  readonly offline_ms?: number;
  readonly rounds?: number;
  readonly bytes_per_server?: number;
  readonly rss_mb?: number;
  readonly wan_ms_est?: number;
  readonly cost_matches_plan?: boolean;
}

/** Narrows a benchmark row to a report row; throws naming `where` if it is not an inference row. */
export function toReportRow(row: unknown, where: string): ReportRow {
  const p = InferenceRowSchema.safeParse(row);
  if (!p.success) {
    const issue = p.error.issues[0];
    throw new Error(`${where}: not an inference benchmark row (${issue.path.join('.') || 'row'}: ${issue.message})`);
  }
  const r = p.data;
  return {
    net: r.net,
    batch: r.batch,
    deploy: r.deploy,
    relu: r.relu,
    maxpool: r.maxpool,
    backend: r.backend,
    online_ms: r.online_ms,
    offline_ms: r.offline_ms,
    rounds: r.rounds,
    bytes_per_server: r.bytes_per_server ?? r.frame_bytes_per_server,
    rss_mb: r.rss_mb,
    wan_ms_est: r.wan_ms_est,
    cost_matches_plan: r.cost_matches_plan,
  };
}

/** Parses JSON lines (blank lines and non-inference rows, e.g. kernel rows, are skipped); `name` labels errors. */
export function parseRowsJsonl(text: string, name: string): { raw: Row[]; rows: ReportRow[] } {
  const raw: Row[] = [];
  const rows: ReportRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${name}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || (v as { bench?: unknown }).bench !== 'inference') return;
    rows.push(toReportRow(v, `${name}:${i + 1}`));
    raw.push(v as Row);
  });
  return { raw, rows };
}

/** Rows in a stable order: by net, deployment, comparison settings, then batch. */
export function sortRows(rows: readonly ReportRow[]): ReportRow[] {
  const key = (r: ReportRow): string => `${r.net}\u0000${r.deploy}\u0000${r.relu}\u0000${r.maxpool}`;
  return [...rows].sort((a, b) => key(a).localeCompare(key(b)) || a.batch - b.batch);
}

/** What distinguishes a row's series besides its net: the settings that differ between rows (empty when none do). */
export function settingsLabel(r: ReportRow, all: readonly ReportRow[]): string {
  const parts: string[] = [];
  if (new Set(all.map((x) => x.deploy)).size > 1) parts.push(r.deploy);
  if (new Set(all.map((x) => x.relu)).size > 1) parts.push(`relu ${r.relu}`);
  if (new Set(all.map((x) => x.maxpool)).size > 1) parts.push(`maxpool ${r.maxpool}`);
  return parts.join(', ');
}

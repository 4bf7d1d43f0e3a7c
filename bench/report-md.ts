/**
 * The bench report as markdown: a header naming the machine, date and commit, the chart,
 * one table row per measured (net, batch, deployment, settings), and the quoted MP-SPDZ
 * reference figures in a table of their own, so that nobody mistakes them for ours.
 */
import type { ReportMeta } from './report-meta.js';
import { REFERENCE_FIGURES, REFERENCE_SOURCE, REFERENCE_SYSTEM, referenceFor } from './report-reference.js';
import { sortRows, type ReportRow } from './report-rows.js';
import { WAN_BITS_PER_S, WAN_RTT_MS } from './wan.js';

export interface MarkdownInput {
  readonly meta: ReportMeta;
  readonly rows: readonly ReportRow[];
  /** Where the rows came from (the command that measured them, or the file read). */
  readonly source: string;
  /** File names of the charts, relative to the report. */
  readonly charts: readonly { readonly file: string; readonly title: string }[];
}

/** A duration: µs below 1 ms, ms below 1 s, else s; three significant digits. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

/** A byte count in B, KiB, MiB or GiB. */
export function fmtBytes(b: number | undefined): string {
  if (b === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = b;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toPrecision(3)} ${units[u]}`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

function table(head: readonly string[], body: readonly (readonly string[])[]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** The whole report.md text. */
export function renderMarkdown(input: MarkdownInput): string {
  const { meta, rows } = input;
  const backends = [...new Set(rows.map((r) => r.backend).filter((b): b is string => b !== undefined))];
  const lines: string[] = [
    '# tfe private inference: benchmark report',
    '',
    `- **Machine:** ${meta.cpu}, ${meta.cores} cores (as the OS reports them), ${meta.memoryGb.toFixed(1)} GiB memory, Node ${meta.node}`,
    `- **Date:** ${meta.date}`,
    `- **Commit:** ${meta.commit}`,
    `- **Rows:** ${input.source}`,
  ];
  if (backends.length) lines.push(`- **Ring backend:** ${backends.join(', ')}`);
  lines.push(
    '- **Times:** medians per configuration; *online* from the servers\' acceptance of the input to the revealed output, *offline* the dealer\'s time for the same prediction\'s material.',
    '- **Peak RSS:** the largest peak resident memory of a process; with `memory` deployment that is the bench process since it started, so a row also covers the configurations measured before it.',
    `- **WAN estimate:** online time + ${WAN_RTT_MS} ms per round + the largest server payload at ${WAN_BITS_PER_S / 1e9} Gbit/s (bench/wan.ts); an estimate, not a measurement.`,
    '',
  );
  for (const c of input.charts) lines.push(`![${c.title}](${c.file})`, '');
  lines.push('## Measured by tfe', '');
  lines.push(
    ...table(
      ['net', 'batch', 'deploy', 'relu', 'maxpool', 'online', 'online per example', 'offline (dealer)', 'rounds', 'payload per server', 'peak RSS', 'WAN estimate', 'cost = plan', `${REFERENCE_SYSTEM} (quoted)`],
      sortRows(rows).map((r) => [
        r.net,
        String(r.batch),
        r.deploy,
        r.relu,
        r.maxpool,
        fmtMs(r.online_ms),
        fmtMs(r.online_ms / r.batch),
        fmtMs(r.offline_ms),
        r.rounds === undefined ? '–' : String(r.rounds),
        fmtBytes(r.bytes_per_server),
        r.rss_mb === undefined ? '–' : `${Math.round(r.rss_mb)} MB`,
        fmtMs(r.wan_ms_est),
        r.cost_matches_plan === undefined ? '–' : r.cost_matches_plan ? 'yes' : '**no**',
        referenceFor(r.net, r.batch)?.quoted ?? '–',
      ]),
    ),
    '',
  );
  lines.push('## Reference figures (quoted, not measured here)', '');
  lines.push(`${REFERENCE_SYSTEM}: ${REFERENCE_SOURCE}. They come from outside this report's run (another setup, another time): compare orders of magnitude, not digits.`, '');
  lines.push(...table(['net', 'batch', REFERENCE_SYSTEM], REFERENCE_FIGURES.map((f) => [f.net, String(f.batch), f.quoted])), '');
  return lines.join('\n');
}

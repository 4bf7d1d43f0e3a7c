/**
 * The report's chart: online latency against batch size, one line per measured series
 * (net, and deployment or settings where the rows differ), with the quoted MP-SPDZ
 * figures for the same nets drawn dashed with their own markers and named as quoted in
 * the legend. Rendered to SVG headless by vega-lite (spec) and vega (`View.toSVG`, which
 * needs no canvas). Axes go logarithmic when the values span a wide range.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { REFERENCE_FIGURES, REFERENCE_SYSTEM } from './report-reference.js';
import { seriesName, sortRows, type ReportRow } from './report-rows.js';

/** A point of the chart; `kind` separates our measurements from quoted figures. */
export interface ChartPoint {
  readonly series: string;
  readonly kind: 'measured (tfe)' | 'quoted reference';
  readonly batch: number;
  readonly ms: number;
}

/** The series name of the quoted figures of `net`. */
export const referenceSeriesName = (net: string): string => `${REFERENCE_SYSTEM}, net ${net} (quoted)`;

/** Our rows plus the quoted figures for the nets among them. */
export function chartPoints(rows: readonly ReportRow[]): ChartPoint[] {
  const sorted = sortRows(rows);
  const ours: ChartPoint[] = sorted.map((r) => ({ series: seriesName(r, sorted), kind: 'measured (tfe)', batch: r.batch, ms: r.online_ms }));
  const nets = new Set(sorted.map((r) => r.net));
  const quoted: ChartPoint[] = REFERENCE_FIGURES.filter((f) => nets.has(f.net)).map((f) => ({ series: referenceSeriesName(f.net), kind: 'quoted reference', batch: f.batch, ms: f.ms }));
  return [...ours, ...quoted];
}

/** A log axis is worth it when the largest positive value is at least `factor` times the smallest. */
function spans(values: readonly number[], factor: number): boolean {
  const pos = values.filter((v) => v > 0);
  return pos.length > 1 && Math.max(...pos) >= factor * Math.min(...pos);
}

/** The vega-lite spec of the latency chart. */
export function latencySpec(points: readonly ChartPoint[], title: string): TopLevelSpec {
  const logX = spans(points.map((p) => p.batch), 4);
  const logY = spans(points.map((p) => p.ms), 10);
  const x = { field: 'batch', type: 'quantitative', title: `batch size${logX ? ' (log scale)' : ''}`, scale: logX ? ({ type: 'log' } as const) : { zero: false }, axis: { values: [...new Set(points.map((p) => p.batch))].sort((a, b) => a - b) } } as const;
  const y = { field: 'ms', type: 'quantitative', title: `online latency, ms${logY ? ' (log scale)' : ''}`, scale: logY ? ({ type: 'log' } as const) : { zero: true } } as const;
  const color = { field: 'series', type: 'nominal', title: 'series', legend: { labelLimit: 400 } } as const;
  const dash = { field: 'kind', type: 'nominal', title: 'source', scale: { domain: ['measured (tfe)', 'quoted reference'], range: [[1, 0], [6, 4]] } } as const;
  const shape = { field: 'kind', type: 'nominal', title: 'source', scale: { domain: ['measured (tfe)', 'quoted reference'], range: ['circle', 'diamond'] } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `${REFERENCE_SYSTEM} figures are quoted from the README, not measured by tfe` },
    width: 560,
    height: 340,
    background: 'white',
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color, strokeDash: dash } },
      { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color, shape, tooltip: [{ field: 'series' }, { field: 'batch' }, { field: 'ms', format: '.3~r' }] } },
    ],
  };
}

/** Renders a vega-lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The latency chart of `rows` as SVG. */
export function latencyChartSvg(rows: readonly ReportRow[], title = 'tfe private inference: online latency vs batch'): Promise<string> {
  return renderSvg(latencySpec(chartPoints(rows), title));
}

/**
 * The report's chart: online latency against batch size. Colour is the net; line style
 * and marker are the source: our measurements (one style per deployment or setting where
 * the rows differ) solid, the quoted MP-SPDZ figures for the same nets dashed with
 * diamonds and named as quoted in the legend. Rendered to SVG headless by vega-lite
 * (spec) and vega (`View.toSVG`, which needs no canvas). Axes go logarithmic when the
 * values span a wide range.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { REFERENCE_FIGURES, REFERENCE_SYSTEM } from './report-reference.js';
import { settingsLabel, sortRows, type ReportRow } from './report-rows.js';

/** A point of the chart: `series` (source and net) is one line. */
export interface ChartPoint {
  readonly net: string;
  readonly source: string;
  readonly series: string;
  readonly batch: number;
  readonly ms: number;
}

/** The legend name of the quoted figures. */
export const REFERENCE_LABEL = 'MP-SPDZ (quoted, not measured)';

/** Our rows plus the quoted figures for the nets among them. */
export function chartPoints(rows: readonly ReportRow[]): ChartPoint[] {
  const sorted = sortRows(rows);
  const point = (net: string, source: string, batch: number, ms: number): ChartPoint => ({ net: `net ${net}`, source, series: `${source}: net ${net}`, batch, ms });
  const ours = sorted.map((r) => {
    const settings = settingsLabel(r, sorted);
    return point(r.net, settings ? `tfe (${settings})` : 'tfe (measured)', r.batch, r.online_ms);
  });
  const nets = new Set(sorted.map((r) => r.net));
  const quoted = REFERENCE_FIGURES.filter((f) => nets.has(f.net)).map((f) => point(f.net, REFERENCE_LABEL, f.batch, f.ms));
  return [...ours, ...quoted];
}

/** A log axis is worth it when the largest positive value is at least `factor` times the smallest. */
function spans(values: readonly number[], factor: number): boolean {
  const pos = values.filter((v) => v > 0);
  return pos.length > 1 && Math.max(...pos) >= factor * Math.min(...pos);
}

const MEASURED_DASHES: readonly (readonly number[])[] = [[1, 0], [10, 3, 2, 3], [2, 2]];
const MEASURED_SHAPES = ['circle', 'square', 'triangle-up'] as const;

/** The vega-lite spec of the latency chart. */
export function latencySpec(points: readonly ChartPoint[], title: string): TopLevelSpec {
  const logX = spans(points.map((p) => p.batch), 4);
  const logY = spans(points.map((p) => p.ms), 10);
  const sources = [...new Set(points.map((p) => p.source))].sort((a, b) => Number(a === REFERENCE_LABEL) - Number(b === REFERENCE_LABEL));
  const measured = (i: number): boolean => sources[i] !== REFERENCE_LABEL;
  const x = {
    field: 'batch',
    type: 'quantitative',
    title: `batch size${logX ? ' (log scale)' : ''}`,
    scale: logX ? ({ type: 'log' } as const) : { zero: false },
    axis: { values: [...new Set(points.map((p) => p.batch))].sort((a, b) => a - b) },
  } as const;
  const y = { field: 'ms', type: 'quantitative', title: `online latency, ms${logY ? ' (log scale)' : ''}`, scale: logY ? ({ type: 'log' } as const) : { zero: true } } as const;
  const color = { field: 'net', type: 'nominal', title: 'net' } as const;
  const dash = { field: 'source', type: 'nominal', title: 'source', scale: { domain: sources, range: sources.map((_, i) => (measured(i) ? [...MEASURED_DASHES[i % MEASURED_DASHES.length]] : [6, 4])) } } as const;
  const shape = { field: 'source', type: 'nominal', title: 'source', scale: { domain: sources, range: sources.map((_, i) => (measured(i) ? MEASURED_SHAPES[i % MEASURED_SHAPES.length] : 'diamond')) } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `${REFERENCE_SYSTEM} figures are quoted from the README, not measured by tfe` },
    width: 560,
    height: 340,
    background: 'white',
    config: { legend: { labelLimit: 400 } },
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color, strokeDash: dash, detail: { field: 'series' } } },
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

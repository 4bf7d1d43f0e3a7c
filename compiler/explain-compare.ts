/**
 * `tfe compile MODEL --explain --protocol pond,securenn`: the per-layer declared cost
 * of one model under several protocols side by side, to choose between them. Per layer
 * (the model node the steps came from, in the order the first plan runs them): its
 * kernels and output shape, then for each protocol its rounds and the bytes each of its
 * servers sends and the dealer's bytes (columns of explain-format.ts `byteColumns`), then
 * the totals per prediction and for the setup. Costs are the plans' declared step costs
 * at batch 1 with the weight masks open, the same numbers `--explain` prints for each
 * protocol alone.
 */
import type { Plan, PlanCost, PlanStep } from '../src/plan/schema.js';
import { protocolSpec } from '../src/protocols/registry.js';
import { addCosts } from '../src/protocols/spec.js';
import { costLine } from './explain.js';
import { byteCells, byteColumns, byteLegend, kernelList, table } from './explain-format.js';

/** Steps by model node across the whole list (a node's steps are summed even if not consecutive), in first-seen order. */
function bySource(steps: readonly PlanStep[]): Map<string, PlanStep[]> {
  const m = new Map<string, PlanStep[]>();
  for (const s of steps) {
    const l = m.get(s.source);
    if (l) l.push(s);
    else m.set(s.source, [s]);
  }
  return m;
}

/** The side-by-side table of `plans` (one per protocol, compiled from the same model with the same options). */
export function explainProtocols(plans: readonly Plan[]): string {
  const specs = plans.map((p) => protocolSpec(p.protocol));
  const groups = plans.map((p) => bySource(p.steps));
  const sources = [...new Set(groups.flatMap((g) => [...g.keys()]))];
  const shapeOf = (plan: Plan, steps: readonly PlanStep[]): string => {
    const out = plan.tensors.find((t) => t.id === steps[steps.length - 1].outputs[0]);
    return out ? `[${out.shape.join(',')}]` : '';
  };
  // one group of columns per protocol, each opened by a '|' column
  const width = specs.map((p) => 1 + byteColumns(p).length);
  const head1 = ['', '', '', ...specs.flatMap((p, i) => ['|', p.name, ...Array<string>(width[i] - 1).fill('')])];
  const head2 = ['layer', 'kernels', 'shape', ...specs.flatMap((p) => ['|', 'rounds', ...byteColumns(p)])];
  const cells = (i: number, c: PlanCost | undefined): string[] => (c ? ['|', String(c.rounds), ...byteCells(specs[i], c)] : ['|', ...Array<string>(width[i]).fill('-')]);
  const rows: string[][] = [head1, head2];
  for (const src of sources) {
    const per = groups.map((g) => g.get(src));
    const kernels = [...new Set(per.map((steps) => (steps ? kernelList(steps) : '-')))].join(' | ');
    const first = per.findIndex((steps) => steps !== undefined);
    rows.push([src, kernels, shapeOf(plans[first], per[first] as PlanStep[]), ...per.flatMap((steps, i) => cells(i, steps ? addCosts(steps.map((s) => s.cost)) : undefined))]);
  }
  rows.push(['per prediction', '', '', ...plans.flatMap((p, i) => cells(i, p.cost.perPrediction))]);
  rows.push(['setup (once)', '', '', ...plans.flatMap((p, i) => cells(i, p.cost.setup))]);
  const plan = plans[0];
  const lines = [
    `plans for ${plan.model.file} (${plan.model.format}): protocols ${plans.map((p) => p.protocol).join(', ')}, ${plan.fracBits} fractional bits, input range [${plan.inputs[0].range.join(', ')}]`,
    '',
    table(rows),
    '',
    ...plans.map((p) => costLine(`${p.protocol}: per prediction`, p.cost.perPrediction)),
    ...plans.map((p) => costLine(`${p.protocol}: setup, once per deployment`, p.cost.setup)),
    'bytes per layer:',
    ...specs.map((p) => `  ${byteLegend(p)}`),
    'costs are declared costs at batch 1 (the weight masks open); rounds are sequential message rounds; `--explain --protocol NAME` gives one protocol\'s table with shapes, scales, bounds and approximations',
  ];
  return `${lines.join('\n')}\n`;
}

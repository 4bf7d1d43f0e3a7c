/**
 * `tfe compile --explain` and the one-screen summary: a per-layer table of the plan
 * (layer = the model node the steps came from; kernels; output shape; scale; the
 * headroom bound on |value|, conservative; rounds, then the bytes each of the protocol's
 * servers sends (securenn's helper server2 included: its bytes are the correlated
 * randomness it makes) and the dealer's bytes (0 without a dealer), all declared costs
 * at batch 1 with the weight masks open; the approximation
 * and its error), then the totals per prediction, for the first prediction (masks
 * opened) and for the setup (weights shared).
 */
import type { RingGraph } from '../src/ir/ring-ops.js';
import { fssKeys } from '../src/plan/fss-keys.js';
import type { Plan, PlanCost } from '../src/plan/schema.js';
import { protocolSpec } from '../src/protocols/registry.js';
import { addCosts, shareholders } from '../src/protocols/spec.js';
import { byteCells, byteColumns, byteLegend, kb, kernelList, layers, materialColumn, table } from './explain-format.js';

/** One line of totals: rounds, the bytes every party sends, dealer bytes. */
export function costLine(what: string, c: PlanCost): string {
  const parties = Object.entries(c.bytes).map(([r, b]) => `${r} ${kb(b)}`).join(', ');
  return `${what}: ${c.rounds} rounds; sent: ${parties || 'nothing'}; dealer ${kb(c.dealerBytes)}`;
}

/** The per-layer table and totals. */
export function explainPlan(plan: Plan, ring: RingGraph): string {
  const tensors = new Map(plan.tensors.map((t) => [t.id, t]));
  const bounds = new Map(ring.nodes.map((n) => [n.id, n.bound]));
  const p = protocolSpec(plan.protocol);
  const fss = plan.steps.some((s) => s.attrs.compare === 'fss');
  const rows: string[][] = [['layer', 'kernels', 'shape', 'scale', '|x| bound', 'rounds', ...byteColumns(p), ...(fss ? ['fss keys/server'] : []), 'approximation']];
  const notes: string[] = [];
  for (const l of layers(plan.steps)) {
    const out = tensors.get(l.steps[l.steps.length - 1].outputs[0]);
    const c = addCosts(l.steps.map((s) => s.cost));
    const approx = l.steps.find((s) => s.approximation)?.approximation;
    if (approx) notes.push(`${l.source}: ${approx}`);
    const b = out?.name !== undefined ? bounds.get(out.name) : undefined;
    rows.push([
      l.source,
      kernelList(l.steps),
      `[${out?.shape.join(',') ?? ''}]`,
      String(out?.scale ?? ''),
      b !== undefined ? b.toPrecision(3) : '',
      String(c.rounds),
      ...byteCells(p, c),
      ...(fss ? [kb(fssKeys(plan, l.steps).bytes)] : []),
      approx ? `see note ${notes.length}` : '',
    ]);
  }
  const keys = fssKeys(plan, plan.steps);
  const lines = [
    `plan for ${plan.model.file} (${plan.model.format}): protocol ${plan.protocol}, ${plan.fracBits} fractional bits, input range [${plan.inputs[0].range.join(', ')}]`,
    '',
    table(rows),
    '',
    ...(notes.length ? ['approximations:', ...notes.map((n, i) => `  ${i + 1}. ${n}`), ''] : []),
    costLine('per prediction', plan.cost.perPrediction),
    ...(fss ? [`comparisons by FSS (--compare fss): DCF keys of ${kb(keys.bytes)} to each of ${shareholders(p).join(' and ')} per prediction (in the ${materialColumn(p) ?? 'dealer'} column, with the masks' shares); ${p.helper !== undefined ? `the helper ${p.helper}` : 'the dealer'} makes them offline (${(keys.aesBlocks / 1e6).toFixed(1)} M fixed-key AES blocks) and streams them layer by layer`] : []),
    costLine('setup, once per deployment (the model owner shares its weights, the servers open their masks)', plan.cost.setup),
    `bytes per layer: ${byteLegend(p)}`,
    'bounds are conservative (worst case over the declared input range); costs are declared costs at batch 1',
  ];
  return `${lines.join('\n')}\n`;
}

/** Approximations listed in the summary (each with its domain and error: the compiler's warning). */
const MAX_APPROX_LINES = 4;

/** The one-screen summary printed after `tfe compile -o DIR`, with the approximations it made. */
export function summarizePlan(plan: Plan, dir: string | undefined): string {
  const io = [
    ...plan.inputs.map((i) => (i.preprocess
      ? `  input  ${i.name} ${i.preprocess.dtype} ids [${i.preprocess.shape.join(',')}] from ${i.provider}, one-hot (depth ${i.preprocess.depth}) on the ${i.provider} to [${i.shape.join(',')}], scale ${i.scale}`
      : `  input  ${i.name} [${i.shape.join(',')}] from ${i.provider}, scale ${i.scale}, range [${i.range.join(', ')}]`)),
    ...plan.outputs.map((o) => `  output ${o.name} [${o.shape.join(',')}] to ${o.receiver}, scale ${o.scale}, ${o.kind}${o.postprocess !== 'none' ? ` (client applies ${o.postprocess})` : ''}`),
  ];
  // one line per approximated layer (a piecewise activation spans several steps, each stating it)
  const layersSeen = new Set<string>();
  const approxSteps = plan.steps.filter((s) => s.approximation && !layersSeen.has(s.source) && layersSeen.add(s.source));
  const approx = approxSteps.length;
  const secretWeights = plan.setupSteps.filter((s) => s.kernel === 'share').length;
  const publicTensors = plan.setupSteps.filter((s) => s.kernel === 'publish').length;
  const shown = approxSteps.slice(0, MAX_APPROX_LINES).map((s) => `  approximation at ${s.source}: ${s.approximation ?? ''}`);
  if (approx > MAX_APPROX_LINES) shown.push(`  ... and ${approx - MAX_APPROX_LINES} more (see --explain)`);
  return [
    `compiled ${plan.model.file} (${plan.model.format}) for ${plan.protocol}, ${plan.fracBits} fractional bits`,
    ...io,
    `  ${plan.steps.length} steps per prediction, ${secretWeights} secret weight tensors${publicTensors ? `, ${publicTensors} public tensors` : ''}${approx ? `, ${approx} approximated activations (see --explain)` : ''}`,
    ...shown,
    `  ${costLine('per prediction', plan.cost.perPrediction)}`,
    `  ${costLine('setup', plan.cost.setup)}`,
    ...(dir !== undefined ? [`wrote ${dir}/plan.json (public), ${dir}/weights.bin and ${dir}/weights.json (the model owner's, private)`] : []),
  ].join('\n') + '\n';
}

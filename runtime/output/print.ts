/**
 * How a prediction is printed, the same by `tfe run` (a local simulation) and by the
 * deployed client (`tfe party client`, `tfe up`): the outputs (top classes with their
 * names, labels, or values), the measured rounds and bytes, the online time and the
 * dealer's offline time; as text, or as one JSON object whose keys scripts rely on.
 */
import type { Plan } from '../../src/plan/index.js';
import { finalValues } from '../eval/compare.js';
import type { Prediction } from '../party/executor.js';
import { describeOutput, isClassScores, topClasses } from './describe.js';
import type { ClassNames } from './labels.js';

const kb = (b: number | undefined): string => `${((b ?? 0) / 1024).toFixed(1)} KiB`;

/** One line: rounds, bytes each party sent, dealer material, online and offline time. */
export function costLine(plan: Plan, p: Prediction): string {
  const s = p.stats;
  const sent = plan.roles.filter((r) => (s.bytes[r.name] ?? 0) > 0).map((r) => `${r.name} ${kb(s.bytes[r.name])}`).join(', ');
  return `${s.rounds} rounds${p.sessions ? ` in ${p.sessions} sessions` : ''}; sent: ${sent}; dealer ${kb(s.dealerBytes)} (offline, made in ${p.offlineMs.toFixed(1)} ms); online ${p.onlineMs.toFixed(1)} ms`;
}

/** The JSON object of a prediction (`extra` adds keys such as a plaintext check). */
export function predictionJson(p: Prediction, names: ClassNames | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    outputs: Object.fromEntries(Object.entries(p.outputs).map(([k, v]) => [k, {
      shape: v.shape, kind: v.kind, values: Array.from(finalValues(v)),
      ...(isClassScores(v, names) ? { top: topClasses(v, names, k) } : {}),
      ...(v.kind === 'label' && names ? { names: Array.from(v.data, (l) => names.names[l] ?? null) } : {}),
    }])),
    rounds: p.stats.rounds,
    bytes: p.stats.bytes,
    dealer_bytes: p.stats.dealerBytes,
    declared: p.declared,
    ms: p.ms,
    online_ms: p.onlineMs,
    offline_ms: p.offlineMs,
    ...(p.sessions ? { sessions: p.sessions } : {}),
    ...extra,
  };
}

/** The text of a prediction: each output, then the cost line (and a note if rounds differ from the declaration). */
export function predictionText(plan: Plan, p: Prediction, names: ClassNames | undefined): string {
  const lines = plan.outputs.filter((b) => p.outputs[b.name]).map((b) => describeOutput(b.name, p.outputs[b.name], names));
  lines.push(`cost: ${costLine(plan, p)}`);
  if (p.stats.rounds !== p.declared.rounds) lines.push(`note: measured rounds ${p.stats.rounds} differ from the declared ${p.declared.rounds}`);
  return `${lines.join('\n')}\n`;
}

/**
 * How a prediction is printed, the same by `tfe run` (a local simulation) and by the
 * deployed client (`tfe party client`, `tfe up`): the outputs (top classes with their
 * names, labels, or values), the measured rounds and bytes, the online time and the
 * offline time of the party that made the correlated randomness (Pond's dealer, or a
 * helper server such as securenn's server2); as text, or as one JSON object whose keys
 * scripts rely on (`dealer_bytes` is the dealer's material, 0 when a helper server makes
 * it: the helper's bytes are in `bytes` under its name, as the issue asks).
 */
import { predictParticipants, type Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { finalValues } from '../eval/compare.js';
import type { OutputValue, Prediction } from '../party/executor.js';
import { describeOutput, isClassScores, topClasses } from './describe.js';
import type { ClassNames } from './labels.js';

const kb = (b: number | undefined): string => `${((b ?? 0) / 1024).toFixed(1)} KiB`;

/**
 * Who made the material and when: `dealer N KiB (offline, made in X ms)` for a protocol
 * with a dealer role; for one whose helper server makes it (no dealer), that server's
 * name and offline time, its bytes being already in its `sent` column; nothing for a
 * protocol with neither.
 */
function materialPart(plan: Plan, p: Prediction): string | undefined {
  const spec = protocolSpec(plan.protocol);
  const made = `offline, made in ${p.offlineMs.toFixed(1)} ms`;
  if (spec.dealerRoles.length > 0) return `dealer ${kb(p.stats.dealerBytes)} (${made})`;
  if (spec.helper !== undefined) return `no dealer: material by ${spec.helper} (the helper; ${made}, its bytes in ${spec.helper}'s sent)`;
  return undefined;
}

/** One line: rounds, bytes each party sent, who made the material and its offline time, online time. */
export function costLine(plan: Plan, p: Prediction): string {
  const s = p.stats;
  const sent = plan.roles.filter((r) => (s.bytes[r.name] ?? 0) > 0).map((r) => `${r.name} ${kb(s.bytes[r.name])}`).join(', ');
  const material = materialPart(plan, p);
  return `${s.rounds} rounds${p.sessions ? ` in ${p.sessions} sessions` : ''}; sent: ${sent}; ${material ? `${material}; ` : ''}online ${p.onlineMs.toFixed(1)} ms`;
}

/** The `outputs` object of the JSON of a prediction (shared with `tfe predict --json`). */
export function outputsJson(outputs: Readonly<Record<string, OutputValue>>, names: ClassNames | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, {
    shape: v.shape, kind: v.kind, values: Array.from(finalValues(v)),
    ...(isClassScores(v, names) ? { top: topClasses(v, names, k) } : {}),
    ...(v.kind === 'label' && names ? { names: Array.from(v.data, (l) => names.names[l] ?? null) } : {}),
  }]));
}

/** The JSON object of a prediction (`extra` adds keys such as a plaintext check). */
export function predictionJson(p: Prediction, names: ClassNames | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    outputs: outputsJson(p.outputs, names),
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
  // with several participants (src/plan/participants.ts) each counts only the rounds it takes part in
  if (predictParticipants(plan).length > 1) lines.push(`note: rounds as this role took part in them; the prediction's critical path is declared at ${p.declared.rounds}`);
  else if (p.stats.rounds !== p.declared.rounds) lines.push(`note: measured rounds ${p.stats.rounds} differ from the declared ${p.declared.rounds}`);
  return `${lines.join('\n')}\n`;
}

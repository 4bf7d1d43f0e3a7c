/**
 * Parsing and validating plans and weight manifests: a plan of another format
 * version, or one that fails the schema, is an E_PLAN error naming the first problem.
 */
import { TfeError } from '../errors.js';
import { weightsDigest } from './digest.js';
import { PLAN_FORMAT, PLAN_VERSION, PlanSchema, type Plan } from './schema.js';
import { checkWeightsLayout } from './weights-check.js';
import { WEIGHTS_VERSION, WeightsManifestSchema, type Weights, type WeightsManifest } from './weights.js';

function describe(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const i = issues[0];
  return `${i.path.map(String).join('.') || '(root)'}: ${i.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`;
}

/** Validates a parsed plan object; `where` names its source in errors. */
export function parsePlan(json: unknown, where = 'plan'): Plan {
  if (typeof json === 'object' && json !== null) {
    const o = json as { format?: unknown; version?: unknown };
    if (o.format !== PLAN_FORMAT) throw new TfeError('E_PLAN', `${where} is not a tfe plan (format ${JSON.stringify(o.format)})`);
    if (o.version !== PLAN_VERSION) {
      throw new TfeError('E_PLAN', `${where} has plan format version ${JSON.stringify(o.version)}; this tfe reads version ${PLAN_VERSION}`, 'recompile the model with this version of tfe');
    }
  }
  const r = PlanSchema.safeParse(json);
  if (!r.success) throw new TfeError('E_PLAN', `${where} fails the plan schema at ${describe(r.error.issues)}`);
  return r.data;
}

/** Parses plan.json's text and validates it (E_PLAN naming `where` on invalid JSON, another version or a schema failure). */
export function parsePlanText(text: string, where = 'plan'): Plan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TfeError('E_PLAN', `${where} is not valid JSON: ${(e as Error).message}`);
  }
  return parsePlan(json, where);
}

/** Validates a parsed weights.json: schema, version and the entries' layout (E_PLAN naming `where`). */
export function parseWeightsManifest(json: unknown, where = 'weights.json'): WeightsManifest {
  const r = WeightsManifestSchema.safeParse(json);
  if (!r.success) throw new TfeError('E_PLAN', `${where} fails the weights manifest schema at ${describe(r.error.issues)}`);
  if (r.data.version !== WEIGHTS_VERSION) throw new TfeError('E_PLAN', `${where} has version ${r.data.version}; this tfe reads version ${WEIGHTS_VERSION}`);
  checkWeightsLayout(r.data.entries, where);
  return r.data;
}

/**
 * Checks that weights belong to the plan, that the manifest's layout is sound (entries
 * contiguous and in order, covering weights.bin exactly; weights-check.ts), and that
 * every weight binding has an entry of the plan tensor's shape and scale (a manifest's
 * scale that differs from the plan's is refused, not obeyed).
 */
export function checkWeights(plan: Plan, weights: Weights): void {
  if (weights.manifest.planId !== plan.planId) {
    throw new TfeError('E_PLAN', `weights belong to plan ${weights.manifest.planId}, not to this plan (${plan.planId})`, 'use the weights.bin compiled with this plan.json');
  }
  checkWeightsLayout(weights.manifest.entries, 'weights.json', weights.data.length);
  const byName = new Map(weights.manifest.entries.map((e) => [e.name, e]));
  const tensors = new Map(plan.tensors.map((t) => [t.id, t]));
  for (const w of plan.weights) {
    const e = byName.get(w.entry);
    if (!e) throw new TfeError('E_PLAN', `weights.json has no entry '${w.entry}' for tensor ${w.tensor}`);
    const t = tensors.get(w.tensor);
    if (!t || t.shape.join('x') !== e.shape.join('x')) {
      throw new TfeError('E_PLAN', `weight '${w.entry}' has shape [${e.shape.join(',')}] but the plan expects [${t?.shape.join(',') ?? '?'}]`);
    }
    if (e.scale !== t.scale) {
      throw new TfeError('E_PLAN', `weight '${w.entry}' has scale ${e.scale} in weights.json but the plan's tensor ${w.tensor} has scale ${t.scale}`, 'use the weights.json compiled with this plan.json');
    }
    if (e.offset + e.length > weights.data.length) throw new TfeError('E_PLAN', `weights.bin is truncated: entry '${e.name}' ends past its end`);
  }
  // last: a manifest error names the entry; this names only the digests
  const digest = weightsDigest(weights.data);
  if (digest !== plan.weightsSha256) {
    throw new TfeError('E_PLAN', `weights.bin has SHA-256 ${digest}, but the plan was compiled with weights ${plan.weightsSha256}`, 'use the weights.bin written with this plan.json by `tfe compile`');
  }
}

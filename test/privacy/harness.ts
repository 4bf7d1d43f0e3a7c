/**
 * Runs private predictions of one compiled plan on a local deployment built from a
 * given runtime (the real compiled one, or a mutant's copy), recording what every
 * party sends and receives, and summarises the views of R
 * runs per configuration (an input and a weight set) as per-bit counts.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { planDigest, weightsDigest, type Plan, type Weights } from '../../src/plan/index.js';
import type { FloatTensor } from '../../runtime/party/executor.js';
import assert from 'node:assert/strict';
import { compareViews, type BitCounts, type Finding } from './stats.js';
import { ViewRecorder } from './views.js';

type ExecutorModule = typeof import('../../runtime/party/executor.js');
type MemoryLinkModule = typeof import('../../runtime/transport/memory-link.js');

export interface Runtime {
  readonly root: string;
  readonly executor: ExecutorModule;
  readonly links: MemoryLinkModule;
}

/** The runtime compiled under `root` (dist/, or a mutant's copy of it). */
export async function loadRuntime(root: string): Promise<Runtime> {
  const load = (p: string): Promise<unknown> => import(pathToFileURL(join(root, p)).href);
  return {
    root,
    executor: (await load('runtime/party/executor.js')) as ExecutorModule,
    links: (await load('runtime/transport/memory-link.js')) as MemoryLinkModule,
  };
}

export interface Config {
  readonly plan: Plan;
  readonly weights: Weights;
  readonly input: FloatTensor;
}

/** Words counted per message and run (the first ones): enough power, bounded time. */
export const WORDS_PER_MESSAGE = 256;

/**
 * R fresh deployments of `c` (fresh seeds and masks each), one prediction each: the
 * views' per-bit counts, and the first output's values in the last run.
 */
export async function views(rt: Runtime, c: Config, runs: number): Promise<{ counts: Map<string, BitCounts>; output: Float64Array<ArrayBufferLike> }> {
  const counts = new Map<string, BitCounts>();
  let output: Float64Array<ArrayBufferLike> = new Float64Array(0);
  for (let i = 0; i < runs; i++) {
    const rec = new ViewRecorder();
    const d = await rt.executor.PlanDeployment.start(c.plan, c.weights, { links: rec.links(rt.links.memoryLinkPair) });
    try {
      const p = await d.predict({ [c.plan.inputs[0].name]: c.input });
      output = p.outputs[c.plan.outputs[0].name].data;
    } finally {
      d.close();
    }
    rec.summarise(counts, WORDS_PER_MESSAGE);
  }
  return { counts, output };
}

/**
 * The same plan for another weight set of the same shapes and scales: its
 * weightsSha256 and plan id recomputed, the manifest naming the new plan (what
 * `tfe compile` writes for a model with these weights).
 */
export function withWeights(plan: Plan, data: BigUint64Array, manifest: Weights['manifest']): { plan: Plan; weights: Weights } {
  const { planId: _id, ...rest } = { ...plan, weightsSha256: weightsDigest(data) };
  const planId = planDigest(rest);
  return { plan: { ...rest, planId } as Plan, weights: { manifest: { ...manifest, planId }, data } };
}

/** Every weight negated (in the ring, so exactly): another weight set of the same shapes and scales. */
export function negated(w: Weights): BigUint64Array {
  const data = new BigUint64Array(w.data.length);
  for (let i = 0; i < data.length; i++) data[i] = -w.data[i];
  return data;
}

/** Views of the same plan for two inputs (A, B) and for two weight sets (input A under each). */
export interface SecretViews {
  readonly inputA: Map<string, BitCounts>;
  readonly inputB: Map<string, BitCounts>;
  readonly weightsB: Map<string, BitCounts>;
  /** The output of input A under the first weights. */
  readonly output: Float64Array<ArrayBufferLike>;
}

/**
 * `runs` deployments per configuration: input A and input B under `plan`'s weights,
 * and input A under `other` (the same plan with another weight set).
 */
export async function secretViews(rt: Runtime, plan: Config['plan'], weights: Config['weights'], other: { plan: Plan; weights: Weights }, inputs: readonly [FloatTensor, FloatTensor], runs: number): Promise<SecretViews> {
  const a = await views(rt, { plan, weights, input: inputs[0] }, runs);
  return {
    inputA: a.counts,
    inputB: (await views(rt, { plan, weights, input: inputs[1] }, runs)).counts,
    weightsB: (await views(rt, { plan: other.plan, weights: other.weights, input: inputs[0] }, runs)).counts,
    output: a.output,
  };
}

/** One line per failing bit test, for assertion messages. */
export function describeFinding(f: Finding): string {
  return `${f.test} ${f.key} bit ${f.bit}: frequencies ${f.p.map((p) => p.toFixed(3)).join(' vs ')}, threshold ${f.threshold.toFixed(3)}`;
}

/**
 * A mutant's views against the real code's: its output must still be right (within
 * 1e-3 of `realOutput`: only a test of what parties see can catch it), then the
 * per-bit findings for two inputs and for two weight sets at false-alarm rate `alpha`.
 */
export function mutantFindings(name: string, v: SecretViews, realOutput: Float64Array<ArrayBufferLike>, alpha: number): { byInputs: Finding[]; byWeights: Finding[] } {
  for (let i = 0; i < v.output.length; i++) assert.ok(Math.abs(v.output[i] - realOutput[i]) < 1e-3, `mutant ${name} output ${i}`);
  return { byInputs: compareViews(v.inputA, v.inputB, alpha).findings, byWeights: compareViews(v.inputA, v.weightsB, alpha).findings };
}

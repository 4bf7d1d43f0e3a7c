/**
 * The plan executor as the user sees it: `PlanDeployment.start` verifies the plan
 * (the one plan verifier every party runs) and the weights, starts a local deployment
 * (every role a party of its own over in-memory links, runtime/party/local.ts) and runs
 * its setup; `predict` encodes the client's inputs, runs one prediction session and
 * decodes the outputs revealed to the client, applying the post-processing the plan
 * names.
 *
 * A batch larger than the plan's chunk size (runtime/party/chunks.ts: from the plan's
 * declared bytes per example, or `chunk`) runs as consecutive sessions whose outputs
 * are concatenated, so memory stays bounded whatever the batch.
 *
 * Each prediction reports its measured rounds and bytes next to the declared cost at
 * its actual batch size (the plan's own costs are at batch 1), and its online time
 * (from the leader's acceptance) next to the time the dealer took to make its
 * material offline.
 */
import { checkWeights, parsePlan, verifyPlan, type Plan, type Weights } from '../../src/plan/index.js';
import type { RingBackend } from '../ring/backend.js';
import { chunkSize, predictInChunks } from './chunks.js';
import { LocalDeployment, type LocalOptions } from './local.js';
import { encodeInputs, predictionOf, type FloatTensor, type Prediction } from './prediction-io.js';

export type { FloatTensor, OutputValue, Prediction } from './prediction-io.js';

export interface PlanDeploymentOptions extends LocalOptions {
  readonly ring?: RingBackend;
  /** Examples per session (default: the plan's chunk size, runtime/party/chunks.ts). */
  readonly chunk?: number;
}

export class PlanDeployment {
  private constructor(
    readonly plan: Plan,
    readonly local: LocalDeployment,
    /** Examples per session: a larger batch runs as consecutive sessions (Infinity: never split). */
    readonly chunk: number,
  ) {}

  /** Validates plan and weights, starts the parties and shares the weights (setup steps). */
  static async start(planJson: unknown, weights: Weights, opts: PlanDeploymentOptions = {}): Promise<PlanDeployment> {
    const plan = parsePlan(planJson);
    verifyPlan(plan);
    checkWeights(plan, weights);
    const chunk = chunkSize(plan, opts.chunk);
    return new PlanDeployment(plan, await LocalDeployment.start(plan, weights, opts), chunk);
  }

  /** One private prediction: inputs by binding name (float values, shape with the batch filled in); a batch above `chunk` runs in several sessions. */
  predict(inputs: Readonly<Record<string, FloatTensor>>): Promise<Prediction> {
    return predictInChunks(this.plan, inputs, this.chunk, (x) => this.predictSession(x), (x) => void encodeInputs(this.plan, x));
  }

  /** One session with all of `inputs`. */
  private async predictSession(inputs: Readonly<Record<string, FloatTensor>>): Promise<Prediction> {
    const t0 = performance.now();
    const { provider, env, batch } = encodeInputs(this.plan, inputs);
    return predictionOf(this.plan, provider, await this.local.session(provider, 'predict', batch, env), batch, t0);
  }

  /** Ends the local deployment's links. */
  close(): void {
    this.local.close();
  }
}

/** Compiles nothing: runs one prediction of a compiled plan on a fresh local deployment. */
export async function runLocal(plan: unknown, weights: Weights, inputs: Readonly<Record<string, FloatTensor>>, opts: { ring?: RingBackend; chunk?: number } = {}): Promise<Prediction> {
  const d = await PlanDeployment.start(plan, weights, opts);
  try {
    return await d.predict(inputs);
  } finally {
    d.close();
  }
}

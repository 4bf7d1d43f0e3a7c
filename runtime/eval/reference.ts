/**
 * Where the plaintext reference (the original model, run by TensorFlow.js) comes from.
 * The public plan names the model only by base name and hash; the model owner's
 * weights.json records its absolute path, and `--model FILE` overrides that (a model
 * moved, or a plan used on another machine). The runner (src/reference.ts, which joins
 * the compiler's converters to the runtime's tfjs runner) checks the file's hash
 * against the plan before using it.
 */
import { resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { Plan, WeightsManifest } from '../../src/plan/index.js';
import type { FloatTensor } from '../party/executor.js';

export interface ModelLocation {
  /** Absolute path of the model file or directory. */
  readonly path: string;
  /** Where the path came from, for error messages. */
  readonly from: '--model' | 'weights.json';
}

/** Runs the original model in plaintext: outputs in the order of `plan.outputs`. */
export type ReferenceRunner = (plan: Plan, model: ModelLocation, inputs: Readonly<Record<string, FloatTensor>>) => Promise<FloatTensor[]>;

/** The model to run the reference from: `--model`, else the path in weights.json. */
export function modelLocation(plan: Plan, manifest: WeightsManifest, option: string | undefined): ModelLocation {
  if (option !== undefined) return { path: resolve(option), from: '--model' };
  if (manifest.modelPath !== undefined) return { path: manifest.modelPath, from: 'weights.json' };
  throw new TfeError('E_ARG', `weights.json records no path for the model ${plan.model.file} (it was compiled from memory)`, 'give the model file with --model FILE');
}

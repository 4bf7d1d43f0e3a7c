/**
 * `tfe eval`'s loop: private predictions over a labelled set, in batches, each compared
 * with the plaintext model on the same batch. For a model whose batch dimension is fixed
 * (an input of shape [B, ...] rather than [-1, ...]) every prediction takes exactly B
 * examples: the last, partial batch is padded by repeating its last example (so the
 * padding is inside the input range the plan was compiled for) and the padding's outputs
 * are dropped. Labels are compared as in compare.ts, so a label output is argmaxed at
 * most once.
 */
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import type { FloatTensor, OutputValue, PlanDeployment } from '../party/executor.js';
import { outputDifference, privateLabels, referenceLabels } from './compare.js';
import type { EvalSet } from './datasets.js';
import { disagreementsOf, type Disagreement } from './disagreements.js';
import type { ModelLocation, ReferenceRunner } from './reference.js';

export interface EvalResult {
  readonly n: number;
  readonly agreement: number;
  readonly accuracy_private: number;
  readonly accuracy_plaintext: number;
  /** Largest difference of the final values (0 for a label output, compared as labels). */
  readonly max_abs_err: number;
  /** Private prediction time per example (the plaintext reference not included). */
  readonly ms_per_example: number;
  /** Examples per private prediction. */
  readonly batch: number;
  /** Examples per session: a batch larger than this ran as consecutive sessions (runtime/party/chunks.ts). */
  readonly chunk: number;
  /** Every example whose private label differs from the plaintext model's, with the logit gaps (disagreements.ts). */
  readonly disagreements: readonly Disagreement[];
}

/** Examples per prediction: the model's fixed batch if it has one, else `requested`. */
export function batchSize(plan: Plan, requested: number): number {
  const fixed = plan.inputs[0].shape[0];
  return fixed === undefined || fixed < 0 ? requested : fixed;
}

/** The first `rows` examples of an output whose leading dimension is the batch. */
function firstRows<T extends FloatTensor>(t: T, rows: number, total: number): T {
  if (total === rows || t.shape[0] !== total) return t;
  const per = t.data.length / total;
  const probabilities = (t as Partial<OutputValue>).probabilities;
  return { ...t, shape: [rows, ...t.shape.slice(1)], data: t.data.subarray(0, rows * per), ...(probabilities ? { probabilities: probabilities.subarray(0, rows * per) } : {}) };
}

export async function evaluate(d: PlanDeployment, set: EvalSet, reference: ReferenceRunner, model: ModelLocation, opts: { batch: number; onProgress?: (done: number) => void }): Promise<EvalResult> {
  const plan = d.plan;
  const b = plan.inputs[0];
  const out = plan.outputs[0];
  const last = out.shape[out.shape.length - 1] ?? 1;
  if (out.kind === 'values' && (out.shape.length < 2 || last < 2)) {
    throw new TfeError('E_ARG', `eval compares class labels, but output '${out.name}' of shape [${out.shape.join(',')}] holds one value per example (a regression?)`, 'use `tfe run --check` to compare its values');
  }
  const per = set.example.reduce((a, x) => a * x, 1);
  const batch = batchSize(plan, opts.batch);
  let agree = 0;
  let okPrivate = 0;
  let okPlain = 0;
  let maxErr = 0;
  let ms = 0;
  const disagreements: Disagreement[] = [];
  for (let s = 0; s < set.n; s += batch) {
    const m = Math.min(batch, set.n - s);
    const data = new Float64Array(batch === m || b.shape[0] === -1 ? m * per : batch * per);
    data.set(set.data.subarray(s * per, (s + m) * per));
    for (let r = m; r * per < data.length; r++) data.set(set.data.subarray((s + m - 1) * per, (s + m) * per), r * per);
    const rows = data.length / per;
    const x: FloatTensor = { shape: [rows, ...set.example], data };
    const p = await d.predict({ [b.name]: x });
    ms += p.ms;
    const got = firstRows(p.outputs[out.name], m, rows);
    const ref = firstRows((await reference(plan, model, { [b.name]: x }))[0], m, rows);
    const priv = privateLabels(got);
    const plain = referenceLabels(ref, m, got.kind === 'label');
    maxErr = Math.max(maxErr, outputDifference(got, ref));
    disagreements.push(...disagreementsOf(s, set.labels, priv, plain, got, ref));
    for (let i = 0; i < m; i++) {
      const label = set.labels[s + i];
      if (priv[i] === plain[i]) agree++;
      if (priv[i] === label) okPrivate++;
      if (plain[i] === label) okPlain++;
    }
    opts.onProgress?.(s + m);
  }
  return { n: set.n, agreement: agree / set.n, accuracy_private: okPrivate / set.n, accuracy_plaintext: okPlain / set.n, max_abs_err: maxErr, ms_per_example: ms / set.n, batch, chunk: Math.min(batch, d.chunk), disagreements };
}

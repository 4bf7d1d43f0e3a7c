/**
 * Chunked predictions: a local run (`tfe run`, `tfe eval`, `PlanDeployment.predict`) of a
 * plan with a free batch dimension splits a large user batch into chunks, runs them as
 * consecutive sessions and concatenates the outputs, so that memory stays bounded
 * whatever the batch. Memory of a session grows linearly with its batch: every party's
 * messages, the dealer's material and the intermediate shares. All parties of a local
 * run live in one process, so the rule uses the plan's declared bytes per example,
 * summed over every party and the dealer's material (the slope of declaredCost between
 * batches 128 and 256, i.e. without the batch-independent part):
 *
 *   chunk = clamp(floor(CHUNK_BUDGET_BYTES / declared bytes per example), 1, maxBatch)
 *
 * CHUNK_BUDGET_BYTES is 64 MiB, from measurements on network C (1.77 MiB declared per
 * example since the bit-plane comparison; chunk 36): `tfe eval --batch 256` on net C
 * (AMD EPYC, 2 cores, one run, `sh bench/rss-eval.sh 256 CHUNK`) took, per example and
 * at peak RSS, 12.8 ms / 869 MiB as one session of 256, 10.8 ms / 571 MiB in sessions of
 * 128, 8.9 ms / 398 MiB of 64 and 7.5 ms of 32: smaller sessions are both leaner and
 * faster in one process (their tensors stay in cache and the allocator reuses warm
 * memory), so the budget is small. Measured RSS per session is about 1.2 x the declared
 * bytes plus ~200-300 MB of runtime (tfjs, the weights, the plaintext reference).
 * (Before the bit-plane comparison net C declared 6.35 MiB per example, the budget was
 * 512 MiB and `tfe eval --batch 1000` peaked at 0.90 GB against 7.2 GB as one session;
 * test/party/chunks-rss.test.ts bounds it in a child process.)
 * `maxBatch` is the largest batch a party accepts (PlanLimits.maxBatch, 1024).
 *
 * A plan with a fixed batch (no -1 in an input binding's shape) runs as one session, as
 * does a batch no larger than the chunk. The concatenated prediction reports the sum of
 * the sessions' rounds, bytes, dealer material and times (the sessions run one after
 * another) and the declared cost at each chunk's batch, summed the same way.
 */
import { TfeError } from '../../src/errors.js';
import { DEFAULT_PLAN_LIMITS, declaredCost, type Plan } from '../../src/plan/index.js';
import { addCosts } from '../../src/protocols/spec.js';
import type { FloatTensor, OutputValue, Prediction } from './prediction-io.js';

/** Declared bytes (all parties and the dealer's material) one local session may hold. */
export const CHUNK_BUDGET_BYTES = 64 * 2 ** 20;

/**
 * The budget of a deployed client's session (`tfe party client`): 512 MiB. Each session
 * costs every one of its rounds as a network round trip, so deployed sessions are made
 * larger than local ones, and each party process holds only its own part of a session
 * (network C: 289 examples; a server's peak RSS at batch 128 was 0.43 GB).
 */
export const DEPLOYED_CHUNK_BUDGET_BYTES = 512 * 2 ** 20;

/**
 * Declared bytes per example of one prediction at a large batch: every party's messages
 * and the dealer's material, (cost at 2 PER_EXAMPLE_AT - cost at PER_EXAMPLE_AT) /
 * PER_EXAMPLE_AT. A kernel may change method with the batch (maxpool_s `auto` compares
 * all pairs only in small sessions), so the slope is taken where chunking matters.
 */
export function bytesPerExample(plan: Plan): number {
  const total = (batch: number): number => {
    const c = declaredCost(plan, plan.steps, batch);
    return c.dealerBytes + Object.values(c.bytes).reduce((a, b) => a + b, 0);
  };
  return Math.max(0, (total(2 * PER_EXAMPLE_AT) - total(PER_EXAMPLE_AT)) / PER_EXAMPLE_AT);
}

const PER_EXAMPLE_AT = 128;

/** Whether every input and output binding of `plan` has a free batch dimension (-1): only then can a batch be split. */
export function chunkable(plan: Plan): boolean {
  return plan.inputs.every((b) => b.shape.includes(-1)) && plan.outputs.every((b) => b.shape.includes(-1));
}

/**
 * Examples per session for `plan`: `requested` if given (E_ARG above maxBatch), else the
 * rule of this module with `budget` bytes. Infinity for a plan that cannot be split (a
 * fixed batch).
 */
export function chunkSize(plan: Plan, requested?: number, maxBatch: number = DEFAULT_PLAN_LIMITS.maxBatch, budget: number = CHUNK_BUDGET_BYTES): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new TfeError('E_ARG', `chunk size ${requested}: expected a positive integer`);
    if (requested > maxBatch) throw new TfeError('E_ARG', `chunk size ${requested} is above the largest batch a party accepts (${maxBatch})`, `give --chunk ${maxBatch} or less`);
  }
  if (!chunkable(plan)) return Infinity;
  if (requested !== undefined) return requested;
  const per = bytesPerExample(plan);
  return per <= 0 ? maxBatch : Math.max(1, Math.min(maxBatch, Math.floor(budget / per)));
}

/** [outer, n, inner] sizes of `shape` around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis], inner];
}

/** Rows [from, to) of `data` (of `shape`) along `axis`. */
function sliceAxis(data: Float64Array, shape: readonly number[], axis: number, from: number, to: number): Float64Array {
  const [outer, n, inner] = around(shape, axis);
  if (outer === 1) return data.subarray(from * inner, to * inner);
  const out = new Float64Array(outer * (to - from) * inner);
  for (let o = 0; o < outer; o++) out.set(data.subarray((o * n + from) * inner, (o * n + to) * inner), o * (to - from) * inner);
  return out;
}

/** `parts` (each of shape `shapes[i]`) joined along `axis`. */
function concatAxis(parts: readonly Float64Array[], shapes: readonly (readonly number[])[], axis: number): { shape: number[]; data: Float64Array } {
  const rows = shapes.reduce((a, s) => a + s[axis], 0);
  const shape = [...shapes[0]];
  shape[axis] = rows;
  const [outer, , inner] = around(shape, axis);
  const data = new Float64Array(outer * rows * inner);
  let at = 0;
  parts.forEach((p, i) => {
    const n = shapes[i][axis];
    for (let o = 0; o < outer; o++) data.set(p.subarray(o * n * inner, (o + 1) * n * inner), (o * rows + at) * inner);
    at += n;
  });
  return { shape, data };
}

/**
 * The batch size of `inputs` along each binding's free axis, or undefined when they
 * cannot be split consistently (a missing input, a shape of the wrong rank, batch sizes
 * that differ): then the prediction runs unsplit and reports the input's error itself.
 */
function batchOf(plan: Plan, inputs: Readonly<Record<string, FloatTensor>>): number | undefined {
  let n: number | undefined;
  for (const b of plan.inputs) {
    const x = inputs[b.name];
    const axis = b.shape.indexOf(-1);
    if (!x || x.shape.length < b.shape.length || axis < 0) return undefined;
    const rows = x.shape[axis];
    if (n !== undefined && rows !== n) return undefined;
    n = rows;
  }
  return n;
}

/** The inputs of examples [from, to). */
export function sliceInputs(plan: Plan, inputs: Readonly<Record<string, FloatTensor>>, from: number, to: number): Record<string, FloatTensor> {
  const out: Record<string, FloatTensor> = {};
  for (const b of plan.inputs) {
    const x = inputs[b.name];
    const axis = b.shape.indexOf(-1);
    const shape = [...x.shape];
    shape[axis] = to - from;
    out[b.name] = { shape, data: sliceAxis(x.data, x.shape, axis, from, to) };
  }
  return out;
}

/** One prediction made of the consecutive sessions `parts`, in order. */
export function concatPredictions(plan: Plan, parts: readonly Prediction[]): Prediction {
  if (parts.length === 1) return parts[0];
  const outputs: Record<string, OutputValue> = {};
  for (const b of plan.outputs) {
    const axis = b.shape.indexOf(-1);
    const vals = parts.map((p) => p.outputs[b.name]);
    const shapes = vals.map((v) => v.shape);
    const joined = concatAxis(vals.map((v) => v.data), shapes, axis);
    const probs = vals.every((v) => v.probabilities !== undefined) ? concatAxis(vals.map((v) => v.probabilities as Float64Array), shapes, axis).data : undefined;
    outputs[b.name] = { ...joined, kind: vals[0].kind, ...(probs ? { probabilities: probs } : {}) };
  }
  const bytes: Record<string, number> = {};
  for (const p of parts) for (const [r, n] of Object.entries(p.stats.bytes)) bytes[r] = (bytes[r] ?? 0) + n;
  const sum = (f: (p: Prediction) => number): number => parts.reduce((a, p) => a + f(p), 0);
  return {
    outputs,
    stats: { rounds: sum((p) => p.stats.rounds), bytes, dealerBytes: sum((p) => p.stats.dealerBytes) },
    declared: addCosts(parts.map((p) => p.declared)),
    ms: sum((p) => p.ms),
    onlineMs: sum((p) => p.onlineMs),
    offlineMs: sum((p) => p.offlineMs),
    sessions: parts.length,
  };
}

/**
 * Runs `inputs` through `predictOne` in chunks of at most `chunk` examples (consecutive
 * sessions), or in one session when the batch fits or cannot be split. `validate` checks
 * the whole batch first (it throws the error an unsplit run would).
 */
export async function predictInChunks(plan: Plan, inputs: Readonly<Record<string, FloatTensor>>, chunk: number, predictOne: (inputs: Readonly<Record<string, FloatTensor>>) => Promise<Prediction>, validate: (inputs: Readonly<Record<string, FloatTensor>>) => void): Promise<Prediction> {
  const n = batchOf(plan, inputs);
  if (n === undefined || n <= chunk || !chunkable(plan)) return predictOne(inputs);
  // errors name the example's index in the whole batch, not in its chunk
  validate(inputs);
  const parts: Prediction[] = [];
  for (let s = 0; s < n; s += chunk) parts.push(await predictOne(sliceInputs(plan, inputs, s, Math.min(n, s + chunk))));
  return concatPredictions(plan, parts);
}

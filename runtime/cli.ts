/**
 * The runtime's commands: `tfe run DIR --input FILE` (one private prediction, all
 * parties in this process) and `tfe eval DIR --mnist DIR` (private predictions over
 * the MNIST test set, compared with the plaintext model). The plaintext reference (the
 * original model run by tfjs) needs the compiler's frontends, so the top-level glue
 * (src/cli.ts) passes it in as `ReferenceRunner`; runtime/ never imports compiler/.
 */
import { Command, Option } from 'commander';
import { TfeError } from '../src/errors.js';
import type { Plan } from '../src/plan/index.js';
import { readInputFile } from './io/inputs.js';
import { readMnistDir } from './io/mnist.js';
import { PlanDeployment, type FloatTensor, type OutputValue, type Prediction } from './party/executor.js';
import { readPlanFile, readWeightsFiles } from './party/files.js';
import { defaultBackend } from './ring/index.js';

export interface RuntimeIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the original model in plaintext: outputs in the order of `plan.outputs`. */
export type ReferenceRunner = (plan: Plan, inputs: Readonly<Record<string, FloatTensor>>) => Promise<FloatTensor[]>;

export interface RuntimeDeps {
  readonly reference?: ReferenceRunner;
}

/** What the client sees of an output, comparable with the original model's output. */
export function finalValues(o: OutputValue): Float64Array {
  return o.probabilities ?? o.data;
}

function argmaxRows(x: Float64Array, last: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += last) {
    let best = 0;
    for (let j = 1; j < last; j++) if (x[r + j] > x[r + best]) best = j;
    out.push(best);
  }
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new TfeError('E_SHAPE', `private output has ${a.length} values but the plaintext model gave ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const kb = (b: number | undefined): string => `${((b ?? 0) / 1024).toFixed(1)} KiB`;

function costLine(p: Prediction): string {
  const s = p.stats;
  return `${s.rounds} rounds; sent: server0 ${kb(s.bytes.server0)}, server1 ${kb(s.bytes.server1)}, client ${kb(s.bytes.client)}; dealer ${kb(s.dealerBytes)} (offline); ${p.ms.toFixed(1)} ms`;
}

function describeOutput(name: string, o: OutputValue): string {
  const lines: string[] = [];
  const last = o.shape[o.shape.length - 1] ?? 1;
  if (o.kind === 'label') {
    lines.push(`${name}: label ${Array.from(o.data).join(', ')}`);
  } else if (last > 1 && (o.kind === 'logits' || o.probabilities || o.shape.length === 2)) {
    const v = finalValues(o);
    for (let r = 0; r * last < v.length; r++) {
      const row = Array.from(v.subarray(r * last, (r + 1) * last)).map((x, i) => ({ i, x })).sort((a, b) => b.x - a.x).slice(0, 5);
      lines.push(`${name}${v.length > last ? ` [example ${r}]` : ''}: top ${row.length} of ${last} classes (${o.probabilities ? 'probability' : 'score'})`);
      for (const { i, x } of row) lines.push(`  class ${String(i).padStart(3)}  ${x.toFixed(6)}`);
    }
  } else {
    lines.push(`${name} [${o.shape.join(',')}]: ${Array.from(o.data.subarray(0, 20)).map((x) => x.toPrecision(6)).join(', ')}${o.data.length > 20 ? ', ...' : ''}`);
  }
  return lines.join('\n');
}

async function start(dir: string): Promise<PlanDeployment> {
  const plan = readPlanFile(dir);
  return PlanDeployment.start(plan, readWeightsFiles(dir), { ring: defaultBackend() });
}

export function runCommand(io: RuntimeIo, deps: RuntimeDeps): Command {
  return new Command('run')
    .description('run one private prediction of a compiled model (all parties in this process)')
    .argument('<DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .requiredOption('--input <FILE>', 'input file: .npy, .json (nested arrays, or {"name": array}) or .png (pixels / 255)')
    .addOption(new Option('--resize', 'resize a .png input to the model\'s height and width (bilinear)').default(false))
    .addOption(new Option('--check', 'also run the original model in plaintext (tfjs) and print the largest difference').default(false))
    .addOption(new Option('--json', 'print machine-readable JSON').default(false))
    .action(async (dir: string, o: { input: string; resize: boolean; check: boolean; json: boolean }) => {
      const d = await start(dir);
      const inputs = readInputFile(o.input, d.plan.inputs, { resize: o.resize });
      const p = await d.predict(inputs);
      let check: number | undefined;
      if (o.check) {
        if (!deps.reference) throw new TfeError('E_ARG', '--check needs the plaintext runner, which this build lacks');
        const ref = await deps.reference(d.plan, inputs);
        check = Math.max(...d.plan.outputs.map((b, i) => maxAbsDiff(finalValues(p.outputs[b.name]), ref[i].data)));
      }
      if (o.json) {
        io.out(`${JSON.stringify({
          outputs: Object.fromEntries(Object.entries(p.outputs).map(([k, v]) => [k, { shape: v.shape, kind: v.kind, values: Array.from(finalValues(v)) }])),
          rounds: p.stats.rounds,
          bytes: p.stats.bytes,
          dealer_bytes: p.stats.dealerBytes,
          declared: p.declared,
          ms: p.ms,
          ...(check === undefined ? {} : { max_abs_err: check }),
        })}\n`);
        return;
      }
      for (const b of d.plan.outputs) io.out(`${describeOutput(b.name, p.outputs[b.name])}\n`);
      io.out(`cost (first prediction of this deployment: it also opens the weights' masks): ${costLine(p)}\n`);
      if (p.stats.rounds !== p.declared.rounds) io.out(`note: measured rounds ${p.stats.rounds} differ from the declared ${p.declared.rounds}\n`);
      if (check !== undefined) io.out(`check: largest |private - plaintext (tfjs)| = ${check.toExponential(3)}\n`);
    });
}

export interface EvalResult {
  readonly n: number;
  readonly agreement: number;
  readonly accuracy_private: number;
  readonly accuracy_plaintext: number;
  readonly max_abs_err: number;
  readonly ms_per_example: number;
}

/** Private predictions over the first `limit` MNIST test images, in batches, against the plaintext model. */
export async function evalMnist(d: PlanDeployment, mnistDir: string, reference: ReferenceRunner, opts: { limit?: number; batch?: number; onProgress?: (done: number) => void }): Promise<EvalResult> {
  const plan = d.plan;
  if (plan.inputs.length !== 1) throw new TfeError('E_ARG', `eval --mnist needs a model with one input; this one has ${plan.inputs.length}`);
  const b = plan.inputs[0];
  const per = b.shape.slice(1).reduce((a, x) => a * x, 1);
  if (per !== 784) throw new TfeError('E_SHAPE', `eval --mnist needs a model taking 28x28 images; input '${b.name}' has shape [${b.shape.join(',')}]`);
  const out = plan.outputs[0];
  const set = readMnistDir(mnistDir, opts.limit);
  const batch = Math.max(1, opts.batch ?? 1);
  let agree = 0;
  let okPrivate = 0;
  let okPlain = 0;
  let maxErr = 0;
  let ms = 0;
  for (let s = 0; s < set.n; s += batch) {
    const m = Math.min(batch, set.n - s);
    const x: FloatTensor = { shape: [m, ...b.shape.slice(1)], data: set.images.subarray(s * 784, (s + m) * 784) };
    const p = await d.predict({ [b.name]: x });
    ms += p.ms;
    const got = p.outputs[out.name];
    const [ref] = await reference(plan, { [b.name]: x });
    const refLast = ref.shape[ref.shape.length - 1] ?? 1;
    const refLabels = argmaxRows(ref.data, refLast);
    const privLabels = got.kind === 'label' ? Array.from(got.data) : argmaxRows(finalValues(got), got.shape[got.shape.length - 1] ?? 1);
    if (got.kind !== 'label') maxErr = Math.max(maxErr, maxAbsDiff(finalValues(got), ref.data));
    for (let i = 0; i < m; i++) {
      const label = set.labels[s + i];
      if (privLabels[i] === refLabels[i]) agree++;
      if (privLabels[i] === label) okPrivate++;
      if (refLabels[i] === label) okPlain++;
    }
    opts.onProgress?.(s + m);
  }
  return { n: set.n, agreement: agree / set.n, accuracy_private: okPrivate / set.n, accuracy_plaintext: okPlain / set.n, max_abs_err: maxErr, ms_per_example: ms / set.n };
}

export function evalCommand(io: RuntimeIo, deps: RuntimeDeps): Command {
  return new Command('eval')
    .description('private predictions over the MNIST test set, compared with the plaintext model')
    .argument('<DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .requiredOption('--mnist <DIR>', 'folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz')
    .addOption(new Option('--limit <N>', 'number of test images').default(10000).argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option('--batch <B>', 'images per private prediction').default(1).argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option('--json', 'print one JSON object').default(false))
    .action(async (dir: string, o: { mnist: string; limit: number; batch: number; json: boolean }) => {
      if (!Number.isInteger(o.limit) || o.limit < 1) throw new TfeError('E_ARG', `--limit ${o.limit}: expected a positive integer`);
      if (!Number.isInteger(o.batch) || o.batch < 1) throw new TfeError('E_ARG', `--batch ${o.batch}: expected a positive integer`);
      if (!deps.reference) throw new TfeError('E_ARG', 'eval needs the plaintext runner, which this build lacks');
      const d = await start(dir);
      const r = await evalMnist(d, o.mnist, deps.reference, { limit: o.limit, batch: o.batch });
      if (o.json) {
        io.out(`${JSON.stringify(r)}\n`);
        return;
      }
      io.out(`${r.n} images: agreement with plaintext ${(100 * r.agreement).toFixed(2)}%, accuracy private ${(100 * r.accuracy_private).toFixed(2)}% / plaintext ${(100 * r.accuracy_plaintext).toFixed(2)}%, largest output difference ${r.max_abs_err.toExponential(3)}, ${r.ms_per_example.toFixed(2)} ms per image\n`);
    });
}

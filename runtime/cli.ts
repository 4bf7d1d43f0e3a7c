/**
 * The runtime's commands: `tfe run DIR --input FILE` (one private prediction, all
 * parties in this process) and `tfe eval DIR` (private predictions over a labelled set:
 * MNIST, a folder of images per class, or a .npy pair; compared with the plaintext
 * model). The plaintext reference (the original model run by tfjs) needs the compiler's
 * frontends, so the top-level glue (src/cli.ts) passes it in as `ReferenceRunner`;
 * runtime/ never imports compiler/. This file is glue: the work is in io/, eval/ and
 * output/.
 */
import { Command, Option } from 'commander';
import { TfeError } from '../src/errors.js';
import { inputProviders, predictParticipants } from '../src/plan/index.js';
import { finalValues, maxAbsDiff, privateLabels, referenceLabels, rowsOf } from './eval/compare.js';
import { disagreementLines } from './eval/disagreements.js';
import { folderSet, mnistSet, npySet, type EvalSet } from './eval/datasets.js';
import { batchSize, evaluate, type EvalResult } from './eval/evaluate.js';
import { progressBar } from './eval/progress.js';
import { modelLocation, type ReferenceRunner } from './eval/reference.js';
import { readInputFile } from './io/inputs.js';
import { predictionJson, predictionText } from './output/print.js';
import { classNamesFor, type ClassNames } from './output/labels.js';
import { PlanDeployment } from './party/executor.js';
import { readPlanFile, readWeightsFiles } from './party/files.js';
import { defaultBackend } from './ring/index.js';
import { chunkOption, positiveInt } from './cli-options.js';

export { finalValues } from './eval/compare.js';
export type { EvalResult } from './eval/evaluate.js';
export type { ModelLocation, ReferenceRunner } from './eval/reference.js';

export interface RuntimeIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface RuntimeDeps {
  readonly reference?: ReferenceRunner;
}

/** The model owner's consent to a plan compiled with --public-weights (src/plan/consent.ts). */
const PUBLIC_WEIGHTS = (): Option => new Option('--public-weights', 'as the model owner, consent to a plan that sends the weights to the servers in the clear (compiled with --public-weights)').default(false);

async function start(dir: string, modelOption: string | undefined, chunk: number | undefined, publicWeights: boolean): Promise<{ d: PlanDeployment; model: () => ReturnType<typeof modelLocation> }> {
  const plan = readPlanFile(dir);
  const weights = readWeightsFiles(dir);
  const d = await PlanDeployment.start(plan, weights, { ring: defaultBackend(), publicWeights, ...(chunk === undefined ? {} : { chunk }) });
  return { d, model: () => modelLocation(plan, weights.manifest, modelOption) };
}

interface Check {
  readonly max_abs_err?: number;
  /** For label outputs: whether each private label equals the plaintext model's argmax. */
  readonly labels?: { readonly private: number[]; readonly plaintext: number[] };
}

function checkLine(name: string, c: Check): string {
  if (c.labels) {
    const same = c.labels.private.every((l, i) => l === c.labels?.plaintext[i]);
    return `check ${name}: private label ${c.labels.private.join(', ')} ${same ? '=' : '!='} plaintext (tfjs) argmax ${c.labels.plaintext.join(', ')}${same ? '' : ' (DIFFERENT)'}`;
  }
  return `check ${name}: largest |private - plaintext (tfjs)| = ${(c.max_abs_err ?? 0).toExponential(3)}`;
}

export function runCommand(io: RuntimeIo, deps: RuntimeDeps): Command {
  return new Command('run')
    .description('run one private prediction of a compiled model (all parties in this process)')
    .argument('<DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .requiredOption('--input <FILE>', 'input file: .npy, .json (nested arrays, or {"name": array}) or .png (pixels / 255)')
    .addOption(new Option('--resize', 'resize a .png input to the model\'s height and width (bilinear)').default(false))
    .addOption(new Option('--check', 'also run the original model in plaintext (tfjs) and compare').default(false))
    .addOption(new Option('--model <FILE>', 'the original model for --check (default: the path recorded in DIR/weights.json); its sha256 must match the plan'))
    .addOption(new Option('--labels <FILE>', 'class names, one per line (default: DIR/labels.txt if present)'))
    .addOption(new Option('--json', 'print machine-readable JSON').default(false))
    .addOption(chunkOption())
    .addOption(PUBLIC_WEIGHTS())
    .action(async (dir: string, o: { input: string; resize: boolean; check: boolean; json: boolean; model?: string; labels?: string; chunk?: number; publicWeights: boolean }) => {
      const plan = readPlanFile(dir);
      const participants = predictParticipants(plan);
      if (participants.length > 1) {
        const providers = inputProviders(plan);
        throw new TfeError('E_ARG', `tfe run takes one input file for one role, but this plan's predictions have several participants (${participants.join(', ')})`, `run every role: \`tfe up ${dir} ${providers.map((r) => `--input ${r}=FILE`).join(' ')}\`, or runLocal(loadPlan('${dir}'), { ${providers.map((r) => `'${r}': {...}`).join(', ')} }) in code`);
      }
      const { d, model } = await start(dir, o.model, o.chunk, o.publicWeights);
      const names = classNamesFor(dir, o.labels);
      const inputs = readInputFile(o.input, d.plan.inputs, { resize: o.resize, onWarning: (w) => io.err(`warning: ${w}\n`) });
      const p = await d.predict(inputs);
      const checks = new Map<string, Check>();
      if (o.check) {
        if (!deps.reference) throw new TfeError('E_ARG', '--check needs the plaintext runner, which this build lacks');
        const ref = await deps.reference(d.plan, model(), inputs);
        d.plan.outputs.forEach((b, i) => {
          const got = p.outputs[b.name];
          checks.set(b.name, got.kind === 'label'
            ? { labels: { private: privateLabels(got), plaintext: referenceLabels(ref[i], rowsOf(got), true) } }
            : { max_abs_err: maxAbsDiff(finalValues(got), ref[i].data) });
        });
      }
      if (o.json) {
        const errs = [...checks.values()].flatMap((c) => (c.max_abs_err === undefined ? [] : [c.max_abs_err]));
        const labelChecks = [...checks.values()].flatMap((c) => (c.labels ? [c.labels] : []));
        io.out(`${JSON.stringify(predictionJson(p, names, {
          ...(errs.length ? { max_abs_err: Math.max(...errs) } : {}),
          ...(labelChecks.length ? { labels_agree: labelChecks.every((c) => c.private.every((l, i) => l === c.plaintext[i])) } : {}),
        }))}\n`);
        return;
      }
      io.out(predictionText(d.plan, p, names));
      for (const [name, c] of checks) io.out(`${checkLine(name, c)}\n`);
    });
}

interface EvalOptions {
  mnist?: string;
  data?: string;
  npy?: string;
  labelsNpy?: string;
  limit: number;
  batch: number;
  resize: boolean;
  json: boolean;
  model?: string;
  labels?: string;
  publicWeights: boolean;
  chunk?: number;
}

function evalSet(d: PlanDeployment, o: EvalOptions): EvalSet {
  const sources = [o.mnist, o.data, o.npy].filter((s) => s !== undefined).length;
  if (sources !== 1) throw new TfeError('E_ARG', sources ? 'give only one of --mnist, --data and --npy' : 'eval needs labelled examples: --mnist DIR, --data DIR or --npy X.npy --labels-npy Y.npy');
  if ((o.npy === undefined) !== (o.labelsNpy === undefined)) throw new TfeError('E_ARG', '--npy and --labels-npy go together', 'give the examples with --npy X.npy and their labels with --labels-npy Y.npy');
  if (o.mnist !== undefined) return mnistSet(o.mnist, d.plan.inputs, o.limit);
  if (o.data !== undefined) return folderSet(o.data, d.plan.inputs, o.limit, { resize: o.resize });
  return npySet(o.npy as string, o.labelsNpy as string, d.plan.inputs, o.limit);
}

function evalLine(r: EvalResult, names: ClassNames | undefined): string {
  return `${r.n} examples${names ? ` (${names.names.length} classes)` : ''}: agreement with plaintext ${(100 * r.agreement).toFixed(2)}%, accuracy private ${(100 * r.accuracy_private).toFixed(2)}% / plaintext ${(100 * r.accuracy_plaintext).toFixed(2)}%, ${r.max_abs_err > 0 ? `largest output difference ${r.max_abs_err.toExponential(3)}, ` : ''}${r.ms_per_example.toFixed(2)} ms per example (batches of ${r.batch}${r.chunk < r.batch ? `, run as sessions of at most ${r.chunk}` : ''})`;
}

export function evalCommand(io: RuntimeIo, deps: RuntimeDeps): Command {
  return new Command('eval')
    .description('private predictions over a labelled set (MNIST, a folder per class, or .npy), compared with the plaintext model')
    .argument('<DIR>', 'directory written by `tfe compile MODEL -o DIR`')
    .addOption(new Option('--mnist <DIR>', 'folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz'))
    .addOption(new Option('--data <DIR>', 'one sub-folder of .png images per class; sorted folder names = label indices'))
    .addOption(new Option('--npy <FILE>', 'examples as a .npy array [N, ...] (with --labels-npy)'))
    .addOption(new Option('--labels-npy <FILE>', 'labels as a .npy array [N] of integers, or [N, K] one-hot'))
    .addOption(new Option('--limit <N>', 'number of examples').default(10000).argParser(positiveInt('--limit')))
    .addOption(new Option('--batch <B>', 'examples per private prediction (a model with a fixed batch uses its own)').default(1).argParser(positiveInt('--batch')))
    .addOption(new Option('--resize', 'resize --data images to the model\'s height and width (bilinear)').default(false))
    .addOption(new Option('--model <FILE>', 'the original model (default: the path recorded in DIR/weights.json); its sha256 must match the plan'))
    .addOption(new Option('--labels <FILE>', 'class names, one per line (default: DIR/labels.txt if present)'))
    .addOption(new Option('--json', 'print one JSON object').default(false))
    .addOption(chunkOption())
    .addOption(PUBLIC_WEIGHTS())
    .action(async (dir: string, o: EvalOptions) => {
      if (!deps.reference) throw new TfeError('E_ARG', 'eval needs the plaintext runner, which this build lacks');
      const { d, model } = await start(dir, o.model, o.chunk, o.publicWeights);
      const set = evalSet(d, o);
      const names = classNamesFor(dir, o.labels);
      const out = d.plan.outputs[0];
      const classes = out.shape[out.shape.length - 1] ?? 0;
      if (names && out.kind !== 'label' && names.names.length !== classes) {
        throw new TfeError('E_ARG', `${names.file} has ${names.names.length} class names but output '${out.name}' has ${classes} classes`, 'give a file with one name per class (--labels FILE)');
      }
      const batch = batchSize(d.plan, o.batch);
      if (batch !== o.batch && o.batch !== 1) io.err(`note: the model's batch dimension is fixed at ${batch}; --batch ${o.batch} is not used\n`);
      const bar = progressBar(set.n);
      let r: EvalResult;
      try {
        r = await evaluate(d, set, deps.reference, model(), { batch: o.batch, ...(bar ? { onProgress: (n: number) => bar.update(n) } : {}) });
      } finally {
        bar?.stop();
      }
      if (o.json) {
        io.out(`${JSON.stringify(r)}\n`);
        return;
      }
      const shown = names ?? (set.classNames ? { names: set.classNames, file: o.data ?? '' } : undefined);
      io.out(`${evalLine(r, shown)}\n`);
      if (r.disagreements.length) {
        io.out(`disagreements with plaintext (${r.disagreements.length}):\n`);
        for (const line of disagreementLines(r.disagreements, (c) => (shown?.names[c] === undefined ? String(c) : `${c} ${shown.names[c]}`))) io.out(`${line}\n`);
      }
    });
}

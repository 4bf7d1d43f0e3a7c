/**
 * The `tfe compile` command: its options (one table, so later options such as -o,
 * --protocol or --frac-bits are one entry each), their parsing into pass options,
 * and the command itself. It loads the model and runs the graph pipeline; with
 * `--emit ir[:PASS]` it prints the IR, and by default (`--emit plan`) compile-cli.ts
 * compiles to a plan (the secure options are its table, appended to this one).
 */
import { Command, Option } from 'commander';
import { TfeError } from '../src/errors.js';
import { printGraph } from '../src/ir/print.js';
import { loadModel } from './frontend/index.js';
import type { ConstFeed, InputOverride, PassOptions } from './passes/pass.js';
import { PASS_NAMES, runPipeline } from './pipeline.js';
import { checkProtocolList, isSecureEmit, runSecureCompile, secureCliOptions, type SecureCliOptions } from './compile-cli.js';
import { SECURE_PASS_NAMES } from './secure-pipeline.js';

/** Where the command writes (the process's streams, or buffers in tests). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The parsed `tfe compile` options. */
export interface CompileOptions {
  readonly emit: string;
  readonly input: readonly InputOverride[];
  readonly const: readonly ConstFeed[];
  readonly output: readonly string[];
  readonly signature?: string;
}

/**
 * Parses `NAME=SHAPE`: SHAPE is dims joined by `x` (or `,`), each a size >= 1 or -1
 * for the free batch dim; `NAME=` or `NAME=scalar` is a scalar. The name may itself
 * contain `=`: the last one separates.
 */
export function parseInputSpec(spec: string): InputOverride {
  const eq = spec.lastIndexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : '';
  if (!name) throw new TfeError('E_ARG', `--input ${spec}: expected NAME=SHAPE, e.g. x:0=1x784 or Mfcc:0=-1x49x10`);
  const text = spec.slice(eq + 1).trim();
  if (text === '' || text === 'scalar') return { name, shape: [] };
  const dims = text.split(/[x,]/).map((d) => Number(d.trim()));
  if (dims.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1))) {
    throw new TfeError('E_ARG', `--input ${spec}: bad shape "${text}"`, 'a shape is sizes joined by x, -1 for the free batch dim (e.g. -1x28x28x1)');
  }
  return { name, shape: dims };
}

/** Parses `NAME=VALUE` with a numeric VALUE (`true`/`false` are 1/0). */
export function parseConstSpec(spec: string): ConstFeed {
  const eq = spec.lastIndexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : '';
  const text = spec.slice(eq + 1).trim();
  const value = text === 'true' ? 1 : text === 'false' ? 0 : text === '' ? NaN : Number(text);
  if (!name || !Number.isFinite(value)) throw new TfeError('E_ARG', `--const ${spec}: expected NAME=VALUE with a number, e.g. keep_prob=1.0`);
  return { name, value };
}

function collect<T>(parse: (s: string) => T): (value: string, previous: readonly T[] | undefined) => readonly T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

/** The compile options, in the order `--help` lists them. */
function compileOptions(): Option[] {
  return [
    new Option('--emit <what>', `what to produce: plan, ir (the IR after all graph passes) or ir:PASS (after one of: ${PASS_NAMES.join(', ')}, or a secure pass)`)
      .default('plan'),
    new Option('--input <NAME=SHAPE>', 'make tensor NAME (x, x:0, Mfcc:0) an input of SHAPE (e.g. 1x784, -1x49x10; -1 = free batch), cutting off what only it needed; repeatable')
      .argParser(collect(parseInputSpec)).default([], "the model's inputs"),
    new Option('--const <NAME=VALUE>', 'replace input NAME by a constant (e.g. keep_prob=1.0); repeatable')
      .argParser(collect(parseConstSpec)).default([], 'none'),
    new Option('--output <NAME>', 'compute tensor NAME; repeatable; `--output label` reveals only the ArgMax of the output')
      .argParser(collect((s: string) => s)).default([], "the model's outputs"),
    new Option('--signature <NAME>', 'SavedModel signature to compile (default: serving_default)'),
    ...secureCliOptions(),
  ];
}

/** Runs `tfe compile` with parsed options. Throws TfeError for the caller to print. */
export async function compile(model: string, opts: CompileOptions, io: CliIo): Promise<void> {
  checkProtocolList(opts as CompileOptions & SecureCliOptions);
  if (isSecureEmit(opts.emit)) {
    // the plan, or the ring IR after a secure pass (compile-cli.ts)
    await runSecureCompile(model, opts as CompileOptions & SecureCliOptions, io.out);
    return;
  }
  const m = /^ir(?::(.+))?$/.exec(opts.emit);
  const all = [...PASS_NAMES, ...SECURE_PASS_NAMES].join(', ');
  if (!m) throw new TfeError('E_ARG', `--emit ${opts.emit}: expected plan, ir or ir:PASS`, `the passes are: ${all}`);
  const stop = m[1];
  if (stop !== undefined && !PASS_NAMES.includes(stop)) {
    throw new TfeError('E_ARG', `--emit ir:${stop}: unknown pass "${stop}"`, `the passes are: ${all}`);
  }
  const g = await loadModel(model, opts.signature !== undefined ? { signature: opts.signature } : {});
  const passOpts: PassOptions = { inputs: opts.input, consts: opts.const, outputs: opts.output };
  const out = runPipeline(g, passOpts, stop !== undefined ? { emitAfter: stop } : {});
  io.out(printGraph(out));
}

/** The `compile` subcommand, wired to `compile`. */
export function compileCommand(io: CliIo): Command {
  const cmd = new Command('compile')
    .description('compile a TensorFlow / Keras model to a secure plan (-o DIR), or print its IR (--emit ir[:PASS])')
    .addHelpText('after', `
Secure passes (--emit ir:PASS prints the ring IR after one): ${SECURE_PASS_NAMES.join(', ')}`)
    .argument('<MODEL>', 'a frozen .pb, a SavedModel directory, a Keras .h5 or .keras, or a TF.js model.json');
  for (const o of compileOptions()) cmd.addOption(o);
  cmd.action(async (model: string, o: CompileOptions) => {
    await compile(model, o, io);
  });
  return cmd;
}

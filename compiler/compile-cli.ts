/**
 * The secure half of `tfe compile`: the options that shape the plan (one table, each
 * with its default for --help) and the action that compiles to a plan: writes
 * DIR/plan.json, DIR/weights.bin and DIR/weights.json with -o DIR, prints a
 * one-screen summary, or the per-layer table with --explain, or the ring IR after a
 * secure pass with --emit ir:PASS. compiler/cli.ts adds these options to its own and
 * hands `--emit plan` and the secure passes here. `--protocol` takes one protocol, or,
 * with `--explain` only, a comma list (`pond,securenn`): the model is compiled for each
 * and their per-layer costs are printed side by side (explain-compare.ts); nothing is
 * written (a plan is for one protocol).
 */
import { Option } from 'commander';
import { TfeError } from '../src/errors.js';
import { DEFAULT_FRAC_BITS } from '../src/fixed/index.js';
import { DEFAULT_PROTOCOL } from '../src/protocols/registry.js';
import { checkPercentile, DEFAULT_CALIBRATE_PERCENTILE } from './calibrate.js';
import { compile, secureOptionsOf, type CompileOptions } from './compile.js';
import { explainPlan, summarizePlan } from './explain.js';
import { explainProtocols } from './explain-compare.js';
import type { ConstFeed, InputOverride } from './passes/pass.js';
import { loadModel } from './frontend/index.js';
import { LOWERINGS } from './lower/registry.js';
import { runPipeline } from './pipeline.js';
import { printRing } from './ring/print.js';
import { runSecurePipeline, SECURE_PASS_NAMES } from './secure-pipeline.js';
import { RELU_RANGE_CAP } from './secure/options.js';

export interface SecureCliOptions {
  readonly out?: string;
  readonly explain?: boolean;
  readonly protocol: string;
  readonly fracBits: number;
  readonly relu: string;
  readonly reluRange?: number;
  readonly inputRange: readonly [number, number];
  readonly calibrate?: string;
  readonly calibratePercentile: number;
  readonly publicWeights?: boolean;
  readonly maxpool: string;
  readonly compare: string;
}

/** What compiler/cli.ts parses besides these (its own options). */
export interface GraphCliOptions {
  readonly emit: string;
  readonly input: readonly InputOverride[];
  readonly const: readonly ConstFeed[];
  readonly output: readonly string[];
  readonly signature?: string;
}

/** Parses `LO:HI` (e.g. 0:1, -8:8). */
export function parseRange(spec: string): [number, number] {
  const m = /^\s*(-?[\d.eE+-]+)\s*:\s*(-?[\d.eE+-]+)\s*$/.exec(spec);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new TfeError('E_ARG', `--input-range ${spec}: expected LO:HI with LO <= HI, e.g. 0:1 or -8:8`);
  return [lo, hi];
}

function positiveInt(name: string) {
  return (s: string): number => {
    const v = Number(s);
    if (!Number.isInteger(v) || v < 1) throw new TfeError('E_ARG', `${name} ${s}: expected a positive integer`);
    return v;
  };
}

function positive(name: string) {
  return (s: string): number => {
    const v = Number(s);
    if (!(v > 0) || !Number.isFinite(v)) throw new TfeError('E_ARG', `${name} ${s}: expected a positive number`);
    return v;
  };
}

/** `--protocol NAME` or `--protocol A,B`: each a protocol the compiler lowers to, none twice; returns the names comma-joined. */
export function parseProtocols(spec: string): string {
  const names = spec.split(',').map((n) => n.trim());
  const known = [...LOWERINGS.keys()];
  for (const n of names) {
    if (!known.includes(n)) throw new TfeError('E_ARG', `--protocol ${spec}: unknown protocol '${n}'`, `available: ${known.join(', ')} (a comma list, e.g. ${known.join(',')}, with --explain only)`);
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new TfeError('E_ARG', `--protocol ${spec}: '${twice}' is listed twice`);
  return names.join(',');
}

/**
 * A list of protocols is accepted only with --explain, and not with -o or --emit other
 * than the plan: a plan is compiled for one protocol, the list is only to compare costs.
 */
export function checkProtocolList(o: { readonly protocol: string; readonly explain?: boolean; readonly out?: string; readonly emit: string }): void {
  const names = o.protocol.split(',');
  if (names.length < 2) return;
  const one = `give one protocol, e.g. --protocol ${names[0]}`;
  if (o.explain !== true) throw new TfeError('E_ARG', `--protocol ${o.protocol}: a list of protocols is accepted only with --explain (to print their per-layer costs side by side)`, `add --explain, or ${one}`);
  if (o.out !== undefined) throw new TfeError('E_ARG', `--protocol ${o.protocol} with -o ${o.out}: a plan is compiled for one protocol`, `${one} to write a plan; keep the list with --explain alone to compare costs`);
  if (o.emit !== 'plan') throw new TfeError('E_ARG', `--protocol ${o.protocol} with --emit ${o.emit}: the IR is printed for one protocol`, one);
}

function percentileArg(s: string): number {
  const v = Number(s);
  checkPercentile(v);
  return v;
}

/** The plan options, in the order `--help` lists them (after the graph options). */
export function secureCliOptions(): Option[] {
  return [
    new Option('-o, --out <DIR>', 'write DIR/plan.json (public), DIR/weights.bin and DIR/weights.json (the model owner\'s, private) (default: none, only the summary is printed)'),
    new Option('--explain', 'print the per-layer table: kernels, shape, scale, bound, rounds, bytes each server sends, dealer bytes, approximations').default(false),
    new Option('--protocol <NAME>', `secure protocol: ${[...LOWERINGS.keys()].join(' or ')}; with --explain, a comma list (${[...LOWERINGS.keys()].join(',')}) prints their per-layer costs side by side`).argParser(parseProtocols).default(DEFAULT_PROTOCOL),
    new Option('--frac-bits <N>', 'fractional bits of the fixed-point encoding').argParser(positiveInt('--frac-bits')).default(DEFAULT_FRAC_BITS),
    new Option('--relu <MODE>', 'ReLU by exact comparison, or by a fitted polynomial (an approximation)').choices(['exact', 'poly']).default('exact'),
    new Option('--relu-range <R>', `--relu poly: fit on [-R, R] (default: each layer's input bound, capped at ${RELU_RANGE_CAP})`).argParser(positive('--relu-range')),
    new Option('--input-range <LO:HI>', 'declared range of every input element, for the headroom check').argParser(parseRange).default([-8, 8], '-8:8'),
    new Option('--calibrate <FILE>', 'use the range observed in FILE (.npy or .json inputs) instead of --input-range (default: none, --input-range is used)'),
    new Option('--calibrate-percentile <P>', 'with --calibrate: the range is [percentile 100-P, percentile P] of the observed values (100: min and max); inputs outside it are refused at prediction time (E_RANGE), not clipped')
      .argParser(percentileArg).default(DEFAULT_CALIBRATE_PERCENTILE),
    new Option('--public-weights', 'make the weights public (the servers see them: this REVEALS THE MODEL; cheaper products)').default(false),
    new Option('--compare <METHOD>', 'exact comparisons (ReLU, max-pool, ArgMax): exact (8 rounds each, small dealer material) or fss (function secret sharing: 1 round each, ~2 KB of dealer keys per comparison to each server; for high-latency links)').choices(['exact', 'fss']).default('exact'),
    new Option('--maxpool <METHOD>', 'max-pool windows: pairs (all pairs compared at once: fewest rounds), tournament (fewest bytes), or auto (pairs for small windows at small batches)').choices(['auto', 'pairs', 'tournament']).default('auto'),
  ];
}

function compileOptionsOf(o: GraphCliOptions & SecureCliOptions): CompileOptions {
  const label = o.output.includes('label');
  return {
    inputs: o.input,
    consts: o.const,
    outputs: o.output.filter((n) => n !== 'label'),
    ...(o.signature !== undefined ? { signature: o.signature } : {}),
    protocol: o.protocol,
    fracBits: o.fracBits,
    relu: o.relu === 'poly' ? 'poly' : 'exact',
    ...(o.reluRange !== undefined ? { reluRange: o.reluRange } : {}),
    inputRange: o.inputRange,
    ...(o.calibrate !== undefined ? { calibrate: o.calibrate, calibratePercentile: o.calibratePercentile } : {}),
    publicWeights: o.publicWeights === true,
    outputLabel: label,
    maxpool: o.maxpool === 'tournament' || o.maxpool === 'pairs' ? o.maxpool : 'auto',
    compare: o.compare === 'fss' ? 'fss' : 'exact',
    ...(o.out !== undefined ? { outDir: o.out } : {}),
  };
}

/** True when `--emit` asks for something this module produces. */
export function isSecureEmit(emit: string): boolean {
  const m = /^ir:(.+)$/.exec(emit);
  return emit === 'plan' || (m !== null && SECURE_PASS_NAMES.includes(m[1]));
}

/** Runs `tfe compile` for `--emit plan` or `--emit ir:SECURE_PASS`. */
export async function runSecureCompile(model: string, o: GraphCliOptions & SecureCliOptions, out: (s: string) => void): Promise<void> {
  checkProtocolList(o);
  const protocols = o.protocol.split(',');
  if (protocols.length > 1) {
    const plans = [];
    for (const protocol of protocols) plans.push((await compile(model, compileOptionsOf({ ...o, protocol }))).plan);
    out(explainProtocols(plans));
    out('nothing written: compile with one --protocol and -o DIR to write a plan and its weights\n');
    return;
  }
  const opts = compileOptionsOf(o);
  const m = /^ir:(.+)$/.exec(o.emit);
  if (m) {
    const loaded = await loadModel(model, o.signature !== undefined ? { signature: o.signature } : {});
    const g = runPipeline(loaded, { inputs: opts.inputs ?? [], consts: opts.consts ?? [], outputs: opts.outputs ?? [] });
    out(printRing(runSecurePipeline(g, secureOptionsOf(opts), { emitAfter: m[1] })));
    return;
  }
  const r = await compile(model, opts);
  if (o.explain === true) out(explainPlan(r.plan, r.ring));
  out(summarizePlan(r.plan, o.out));
  if (o.out === undefined) out('nothing written: give -o DIR to write the plan and the weights\n');
}

/**
 * The programmatic compiler: `compile(model, options)` loads a model (a path, the
 * bytes of a file, or an IR graph), runs the graph pipeline, the secure pipeline and
 * the lowering to the protocol it names (default Pond), and returns the plan and the weights, plus the intermediate
 * graphs for --explain. It touches the disk only to read the model (and a temporary
 * copy of model bytes that are not a GraphDef), and to write when `outDir` is given.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TfeError } from '../src/errors.js';
import { checkFracBits } from '../src/fixed/index.js';
import type { IrGraph } from '../src/ir/node.js';
import type { RingGraph } from '../src/ir/ring-ops.js';
import type { Plan } from '../src/plan/schema.js';
import { verifyPlan } from '../src/plan/verify.js';
import type { Weights } from '../src/plan/weights.js';
import { DEFAULT_PROTOCOL, protocolSpec } from '../src/protocols/registry.js';
import { calibrationRange, checkPercentile, DEFAULT_CALIBRATE_PERCENTILE } from './calibrate.js';
import { loadGraphDef } from './frontend/graphdef.js';
import { loadModel } from './frontend/index.js';
import { checkInputRoles, lowerRoles, weightsOwnerOf } from './graph-roles.js';
import { lower } from './lower/lower.js';
import { loweringTable } from './lower/registry.js';
import { emitPlan, type EmitInfo } from './plan/emit.js';
import { modelIdentity } from './plan/model-hash.js';
import { checkOutDir } from './plan/out-dir.js';
import { writePlanDir } from './plan/write.js';
import type { ConstFeed, InputOverride } from './passes/pass.js';
import { runPipeline } from './pipeline.js';
import { runSecurePipeline } from './secure-pipeline.js';
import { DEFAULT_SECURE_OPTIONS, type SecureOptions } from './secure/options.js';

/** The options of `compile` (and of `tfe compile`, whose flags they mirror); every one is optional. */
export interface CompileOptions {
  /** --input NAME=SHAPE cuts. */
  readonly inputs?: readonly InputOverride[];
  /** --const NAME=VALUE feeds. */
  readonly consts?: readonly ConstFeed[];
  /** Tensors to compute (default: the model's outputs). */
  readonly outputs?: readonly string[];
  readonly signature?: string;
  /** A protocol of src/protocols/registry.ts (default pond). */
  readonly protocol?: string;
  readonly fracBits?: number;
  readonly relu?: 'exact' | 'poly';
  readonly reluRange?: number;
  /** Declared range of every input element (default [-8, 8]). */
  readonly inputRange?: readonly [number, number];
  /** A .npy or .json file whose observed range replaces inputRange. */
  readonly calibrate?: string;
  /** With calibrate: the range is [q(100 - P), q(P)] of the observed values (default 99.99). */
  readonly calibratePercentile?: number;
  readonly publicWeights?: boolean;
  /** Reveal only the ArgMax of the output (kind 'label'). */
  readonly outputLabel?: boolean;
  /** How max-pool windows are reduced (default auto; pairs: fewest rounds; tournament: fewest bytes). */
  readonly maxpool?: 'auto' | 'pairs' | 'tournament';
  /** --compare: exact (default) or fss (comparison by function secret sharing: 1 round, large dealer keys). */
  readonly compare?: 'exact' | 'fss';
  /** Write plan.json, weights.bin and weights.json there. */
  readonly outDir?: string;
  /**
   * The role each output is revealed to, by output name (default: client). Inputs name
   * their providers in the graph (Placeholder attr role, default client): see
   * src/ir/role-attrs.ts and compiler/graph-roles.ts.
   */
  readonly receivers?: Readonly<Record<string, string>>;
  /**
   * The role holding weights.bin (the secret weights' owner and the publisher of public
   * constants) when no Const of the graph names its owner (attr owner); default model-owner.
   */
  readonly weightsOwner?: string;
}

/** What `compile` (and a program's `compile`) returns: the public plan, the weights' owner's weights, and the intermediate graphs. */
export interface CompileResult {
  readonly plan: Plan;
  readonly weights: Weights;
  /** The TF-level graph after the graph pipeline. */
  readonly graph: IrGraph;
  /** The scaled ring graph that was lowered. */
  readonly ring: RingGraph;
  readonly secureOptions: SecureOptions;
}

const HDF5 = [0x89, 0x48, 0x44, 0x46];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

async function load(model: string | Uint8Array | IrGraph, signature: string | undefined): Promise<IrGraph> {
  if (typeof model === 'string') return loadModel(model, signature !== undefined ? { signature } : {});
  if (!(model instanceof Uint8Array)) return model;
  const is = (sig: number[]): boolean => sig.every((b, i) => model[i] === b);
  if (!is(HDF5) && !is(ZIP) && model[0] !== 0x7b) return loadGraphDef('<bytes>', model, { allowUnsupported: true });
  const dir = mkdtempSync(join(tmpdir(), 'tfe-model-'));
  try {
    const file = join(dir, is(HDF5) ? 'model.h5' : is(ZIP) ? 'model.keras' : 'model.json');
    writeFileSync(file, model);
    return await loadModel(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Validated secure options from compile options (defaults filled in). */
export function secureOptionsOf(o: CompileOptions): SecureOptions {
  const fracBits = o.fracBits ?? DEFAULT_SECURE_OPTIONS.fracBits;
  checkFracBits(fracBits);
  if (fracBits < 1 || fracBits > 30) throw new TfeError('E_ARG', `--frac-bits ${fracBits}: expected 1..30`);
  const inputRange = o.calibrate !== undefined ? calibrationRange(o.calibrate, o.calibratePercentile ?? DEFAULT_CALIBRATE_PERCENTILE) : o.inputRange ?? DEFAULT_SECURE_OPTIONS.inputRange;
  if (!(inputRange[0] <= inputRange[1]) || !inputRange.every(Number.isFinite)) throw new TfeError('E_ARG', `input range [${inputRange.join(', ')}] is not an interval`);
  if (o.calibratePercentile !== undefined) checkPercentile(o.calibratePercentile);
  if (o.compare !== undefined && o.compare !== 'exact' && o.compare !== 'fss') throw new TfeError('E_ARG', `compare ${JSON.stringify(o.compare)}: expected exact or fss`, 'fss compares by function secret sharing (1 round per comparison layer, large dealer keys); exact is the default');
  if (o.reluRange !== undefined && !(o.reluRange > 0)) throw new TfeError('E_ARG', `--relu-range ${o.reluRange}: expected a positive number`);
  return {
    fracBits,
    relu: o.relu ?? 'exact',
    ...(o.reluRange !== undefined ? { reluRange: o.reluRange } : {}),
    inputRange: [inputRange[0], inputRange[1]],
    publicWeights: o.publicWeights === true,
    outputLabel: o.outputLabel === true,
    maxpool: o.maxpool ?? DEFAULT_SECURE_OPTIONS.maxpool,
    compare: o.compare ?? DEFAULT_SECURE_OPTIONS.compare,
  };
}

function planOptions(o: CompileOptions, s: SecureOptions): Plan['options'] {
  const opts: Plan['options'] = {
    protocol: o.protocol ?? DEFAULT_PROTOCOL,
    fracBits: s.fracBits,
    relu: s.relu,
    inputRange: `${s.inputRange[0]}:${s.inputRange[1]}`,
    publicWeights: s.publicWeights,
    output: s.outputLabel ? 'label' : 'values',
    maxpool: s.maxpool,
  };
  // recorded only when not the default, so that exact plans (and their ids) stay as they were
  if (s.compare !== 'exact') opts.compare = s.compare;
  if (s.reluRange !== undefined) opts.reluRange = s.reluRange;
  if (o.calibrate !== undefined) {
    opts.calibrate = o.calibrate;
    opts.calibratePercentile = o.calibratePercentile ?? DEFAULT_CALIBRATE_PERCENTILE;
  }
  if (o.inputs?.length) opts.input = o.inputs.map((i) => `${i.name}=${i.shape.join('x')}`);
  if (o.outputs?.length) opts.outputs = [...o.outputs];
  return opts;
}

/** What the plan and weights.json record of the model: see plan/model-hash.ts. */
function modelInfo(model: string | Uint8Array | IrGraph, source: IrGraph['source']): EmitInfo['model'] {
  if (typeof model === 'string') {
    const id = modelIdentity(model);
    return { file: id.file, sha256: id.sha256, format: source.format, absolutePath: id.absolutePath };
  }
  if (model instanceof Uint8Array) return { file: basename(source.path), sha256: createHash('sha256').update(model).digest('hex'), format: source.format };
  return { file: basename(source.path), format: source.format };
}

/** Compiles `model` to a plan for `options.protocol` (default Pond) and its weights. */
export async function compile(model: string | Uint8Array | IrGraph, options: CompileOptions = {}): Promise<CompileResult> {
  // An unwritable -o fails before the (possibly long) load and compile.
  if (options.outDir !== undefined) checkOutDir(options.outDir);
  const secureOptions = secureOptionsOf(options);
  const protocol = protocolSpec(options.protocol ?? DEFAULT_PROTOCOL);
  const table = loweringTable(protocol.name);
  const loaded = await load(model, options.signature);
  // free roles (graph-roles.ts): checked before the passes; one weights owner, refused before folding could merge two
  checkInputRoles(loaded);
  const weightsOwner = weightsOwnerOf(loaded, options.weightsOwner);
  const graph = runPipeline(loaded, { inputs: options.inputs ?? [], consts: options.consts ?? [], outputs: options.outputs ?? [] });
  const roles = lowerRoles(weightsOwner, graph, options.receivers);
  const ring = runSecurePipeline(graph, secureOptions);
  const lowered = lower(ring, protocol, table, secureOptions.inputRange, secureOptions.compare, roles);
  const { plan, weights } = emitPlan(lowered, {
    fracBits: secureOptions.fracBits,
    model: modelInfo(model, graph.source),
    options: planOptions(options, secureOptions),
  });
  // the same verifier every party runs before executing: never write a plan a party would refuse
  try {
    verifyPlan(plan);
  } catch (e) {
    // FSS keys grow with the batch: a free batch must fit the party caps at the largest batch a party accepts
    if (secureOptions.compare === 'fss' && e instanceof TfeError && e.code === 'E_PLAN' && e.message.includes('maxPredictionBytes')) {
      throw new TfeError('E_PLAN', `--compare fss: ${e.message}`, `FSS keys grow with the batch: compile with a fixed batch, the largest you serve (--input ${plan.inputs[0]?.name ?? 'NAME'}=1x...), or use --compare exact`);
    }
    throw e;
  }
  if (options.outDir !== undefined) writePlanDir(options.outDir, plan, weights);
  return { plan, weights, graph, ring, secureOptions };
}

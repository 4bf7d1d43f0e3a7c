/**
 * Lowering as data: the generic driver from a scaled ring graph to a protocol's kernel
 * steps. It takes the protocol (src/protocols/spec.ts: its kernels, their costs and
 * roles) and that protocol's lowering table (ring op -> rule, e.g. ./pond.ts), runs each
 * node's rule in topological order, and collects the plan's tensors, setup steps (once
 * per deployment) and per-prediction steps, input and output bindings, and weights.
 *
 * Every step's cost is its kernel spec's declared cost at batch 1 (-1 counted as 1),
 * warm (the cached weight masks open); the cold cost is kept per prediction step for
 * the plan's firstPrediction. A step whose kernel the protocol lacks, or a rule that
 * cannot lower its node (operand visibility, missing decomposition kernels), is a
 * problem; all of them are reported at once (E_UNSUPPORTED, one line per node: node,
 * op, why, naming the missing kernel).
 */
import type { CompareMethod } from '../../src/protocols/pond-fss.js';
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode, RingOp } from '../../src/ir/ring-ops.js';
import type { InputBinding, OutputBinding, PlanStep, PlanTensor } from '../../src/plan/schema.js';
import type { Cost, KernelAttrs, ProtocolSpec } from '../../src/protocols/spec.js';

/** A weight (or public constant) to encode into weights.bin. */
export interface LoweredWeight {
  readonly tensor: string;
  readonly entry: string;
  readonly shape: readonly number[];
  readonly scale: number;
  readonly values: Float64Array;
  /** A trained parameter of the model (false: a compiler constant such as a piecewise table). */
  readonly parameter: boolean;
}

export interface LoweredProgram {
  /** The protocol the steps run under. */
  readonly protocol: ProtocolSpec;
  readonly tensors: PlanTensor[];
  readonly setupSteps: PlanStep[];
  readonly steps: PlanStep[];
  readonly inputs: InputBinding[];
  readonly outputs: OutputBinding[];
  readonly weights: LoweredWeight[];
  /** Per step, its cost with the weight masks not yet open (for firstPrediction). */
  readonly coldCosts: Cost[];
}

/**
 * Who owns what, beyond the protocol's own parties: the role holding weights.bin (the
 * owner of the secret weights and the publisher of the public constants, compiler
 * constants included), and the receiver of each output by name. An input's provider is
 * its ring node's attrs.role. Defaults: model-owner, client.
 */
export interface LowerRoles {
  readonly weightsOwner: string;
  /** Output name -> the role it is revealed to; an output not listed goes to client. */
  readonly receivers: Readonly<Record<string, string>>;
}

/** The roles of a model: weights of model-owner, every output to client. */
export const MODEL_ROLES: LowerRoles = { weightsOwner: 'model-owner', receivers: {} };

/** The role input `n` comes from (its attrs.role, else client). */
export function providerOf(n: RingNode): string {
  return typeof n.attrs.role === 'string' ? n.attrs.role : 'client';
}

/** Setup steps run once per deployment (sharing the weights); predict steps at every prediction. */
export type Phase = 'setup' | 'predict';

/** What a lowering rule sees while it lowers one node. */
export interface LowerContext {
  readonly protocol: ProtocolSpec;
  readonly node: RingNode;
  /** The plan tensors holding the node's operands. */
  readonly ins: readonly PlanTensor[];
  /** The declared range of every input element (for the input bindings) unless an input has its own (attrs.range). */
  readonly inputRange: readonly [number, number];
  /** The role holding weights.bin: owner of the weights and publisher of the public constants. */
  readonly weightsOwner: string;
  /** The role output `name` is revealed to. */
  receiverOf(name: string): string;
  /** The bindings so far; rules push to them. */
  readonly inputs: InputBinding[];
  readonly outputs: OutputBinding[];
  readonly weights: LoweredWeight[];
  /** The protocol has kernel `name`. */
  has(kernel: string): boolean;
  newTensor(t: Omit<PlanTensor, 'id'>): PlanTensor;
  /** A fresh secret tensor of the node's shape and scale, named by the node. */
  secretOut(): PlanTensor;
  /** A fresh secret intermediate of the node, named `node/name`. */
  temp(name: string, shape: readonly number[], scale: number): PlanTensor;
  /** A public constant of the node (`node/name`), encoded into weights.bin. */
  publicConstant(name: string, values: readonly number[], scale: number, shape?: readonly number[]): PlanTensor;
  /** Appends a step running `kernel` (a problem if the protocol has none); returns `out`. */
  step(phase: Phase, kernel: string, ins: readonly PlanTensor[], out: PlanTensor, attrs?: KernelAttrs): PlanTensor;
  /** `t` holds a secret model weight (products cache its mask). */
  isWeight(t: PlanTensor): boolean;
  markWeight(t: PlanTensor): void;
  /** `t` holds the node's value from now on. */
  bind(t: PlanTensor): void;
  /** The node cannot be lowered, because `why`. */
  fail(why: string): void;
}

export type LowerRule = (c: LowerContext) => void;

/** A protocol's lowering: one rule per ring op (a missing op is a type error). */
export type LoweringTable = Readonly<Record<RingOp, LowerRule>>;

interface Problem {
  readonly node: string;
  readonly op: string;
  readonly why: string;
}

const batch1 = (s: readonly number[]): number[] => s.map((d) => (d < 0 ? 1 : d));

/** Lowers `g` to `protocol`'s kernels with `table`; E_UNSUPPORTED listing every node it cannot lower. */
/**
 * @param compare the comparison of every kernel that can compare by FSS (one whose spec
 *   consumes 'dcf' material): 'fss' sets its attrs.compare (--compare; absent or exact: unchanged)
 */
/** @param roles the weights' owner and the outputs' receivers (default: a model's, MODEL_ROLES) */
export function lower(g: RingGraph, protocol: ProtocolSpec, table: LoweringTable, inputRange: readonly [number, number], compare: CompareMethod = 'exact', roles: LowerRoles = MODEL_ROLES): LoweredProgram {
  const tensors: PlanTensor[] = [];
  const setupSteps: PlanStep[] = [];
  const steps: PlanStep[] = [];
  const inputs: InputBinding[] = [];
  const outputs: OutputBinding[] = [];
  const weights: LoweredWeight[] = [];
  const coldCosts: Cost[] = [];
  const problems: Problem[] = [];
  /** ring id -> plan tensor (secret or public) holding its value for the servers. */
  const held = new Map<string, PlanTensor>();
  const weightTensors = new Set<string>();
  const newTensor = (t: Omit<PlanTensor, 'id'>): PlanTensor => {
    const p = { id: `t${tensors.length}`, ...t };
    tensors.push(p);
    return p;
  };
  for (const n of g.nodes) {
    let failed = false;
    const fail = (why: string): void => {
      failed = true;
      problems.push({ node: n.source, op: n.op, why });
    };
    const c: LowerContext = {
      protocol,
      node: n,
      ins: n.inputs.map((i) => held.get(i) as PlanTensor),
      inputRange,
      weightsOwner: roles.weightsOwner,
      receiverOf: (name) => roles.receivers[name] ?? 'client',
      inputs,
      outputs,
      weights,
      has: (kernel) => protocol.kernels.has(kernel),
      newTensor,
      secretOut: () => newTensor({ shape: [...n.shape], scale: n.scale as number, visibility: 'secret', name: n.id }),
      temp: (name, shape, scale) => newTensor({ shape: [...shape], scale, visibility: 'secret', name: `${n.id}/${name}` }),
      publicConstant: (name, values, scale, shape = [values.length]) => {
        const p = newTensor({ shape: [...shape], scale, visibility: 'public', owner: roles.weightsOwner, name: `${n.id}/${name}` });
        weights.push({ tensor: p.id, entry: p.name as string, shape: [...shape], scale, values: Float64Array.from(values), parameter: false });
        return p;
      },
      step: (phase, kernel, ins, out, given = {}) => {
        const spec = protocol.kernels.get(kernel);
        if (!spec) {
          fail(`protocol ${protocol.name} has no kernel '${kernel}'`);
          return out;
        }
        const attrs = compare === 'fss' && spec.randomness.includes('dcf') ? { ...given, compare } : given;
        const shapes = ins.map((t) => batch1(t.shape));
        const cost = spec.cost(shapes, attrs, { warm: true });
        if (phase === 'predict') coldCosts.push(spec.cost(shapes, attrs, { warm: false }));
        (phase === 'predict' ? steps : setupSteps).push({
          kernel, inputs: ins.map((t) => t.id), outputs: [out.id], attrs: { ...attrs } as PlanStep['attrs'], source: n.source, reveals: spec.reveals, cost,
          ...(n.approximation ? { approximation: n.approximation } : {}),
        });
        return out;
      },
      isWeight: (t) => weightTensors.has(t.id),
      markWeight: (t) => {
        weightTensors.add(t.id);
      },
      bind: (t) => {
        held.set(n.id, t);
      },
      fail,
    };
    table[n.op](c);
    // a placeholder for a node that could not be lowered, so that the nodes after it are checked too
    if (failed && !held.has(n.id)) held.set(n.id, c.secretOut());
  }
  if (problems.length) {
    throw new TfeError(
      'E_UNSUPPORTED',
      `protocol ${protocol.name} cannot run ${problems.length} node(s):\n${problems.map((p) => `  ${p.node} (${p.op}): ${p.why}`).join('\n')}`,
      'cut the model around these nodes with --input / --output, or change them in the model',
    );
  }
  return { protocol, tensors, setupSteps, steps, inputs, outputs, weights, coldCosts };
}

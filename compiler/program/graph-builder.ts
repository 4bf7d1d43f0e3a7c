/**
 * The program builder's node store: IR nodes (src/ir/node.ts) in the order the program
 * makes them (a topological order: an op's operands exist before it), each shaped WHEN
 * it is made by the IR's own shape rules (src/ir/shape-rules.ts), so that a mismatch is
 * reported at the call that caused it, naming the op and its operands' shapes. It also
 * keeps the user-given names (inputs, variables, outputs) unique and generates the
 * other ids (`matmul_1`, ...; a user name given later wins: the op is renamed, and its
 * ProgramTensors follow through their NodeRef), and records what each value depends on (a private input,
 * a private variable, public constants only) for reveal's check.
 */
import { TfeError } from '../../src/errors.js';
import type { Attrs, DType, IrNode } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import { VISIBILITY_ATTR } from '../../src/ir/role-attrs.js';
import { fmtShape, inferShape } from '../../src/ir/shape-rules.js';
import { float64ToTensor } from '../../src/ir/tensor-data.js';

/** What a value is made from. */
export interface Provenance {
  /** It depends on a privateInput (it may be revealed). */
  readonly input: boolean;
  /** It depends on a privateVariable. */
  readonly variable: boolean;
  /** It is an argmax (an integer label): it may only be revealed. */
  readonly label: boolean;
}

/** A user-given name and the call that gave it (for the duplicate-name error). */
interface Claim {
  readonly call: string;
}

/** A node's current id: shared with the ProgramTensors of the node, so that a rename reaches them. */
export interface NodeRef {
  readonly id: string;
}

/** User names: a letter or _, then letters, digits, _ . - (they become node ids and binding names). */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** The nodes of one program, with their names and provenance (see the module comment). */
export class ProgramGraph {
  readonly nodes: IrNode[] = [];
  private readonly byId = new Map<string, IrNode>();
  private readonly provenance = new Map<string, Provenance>();
  private readonly names = new Map<string, Claim>();
  private readonly counters = new Map<string, number>();
  /** Generated id -> its base (`matmul`), for the ids that may be renamed. */
  private readonly generated = new Map<string, string>();
  private readonly refs = new Map<string, { id: string }>();

  /** The ref of node `id` (its ProgramTensors hold it). */
  ref(id: string): NodeRef {
    const r = this.refs.get(id);
    if (!r) throw new TfeError('E_INTERNAL', `program: no node '${id}'`);
    return r;
  }

  /** The node of id `id` (E_INTERNAL if none: ids come from this program's tensors). */
  node(id: string): IrNode {
    const n = this.byId.get(id);
    if (!n) throw new TfeError('E_INTERNAL', `program: no node '${id}'`);
    return n;
  }

  /** What node `id`'s value is made from. */
  provenanceOf(id: string): Provenance {
    return this.provenance.get(id) ?? { input: false, variable: false, label: false };
  }

  /** Reserves user name `name` for `call`: E_ARG if malformed, or used by an earlier call or generated id. */
  claim(name: unknown, call: string): asserts name is string {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new TfeError('E_ARG', `${call}: name ${JSON.stringify(name)} is not a valid name`, 'a name is a letter or _, then up to 127 letters, digits, _, . or -');
    }
    const prior = this.names.get(name);
    if (prior) throw new TfeError('E_ARG', `${call}: the name '${name}' is already used by ${prior.call}`, 'input, variable and output names are unique within a program');
    this.names.set(name, { call });
    // the user's name wins over a generated id: that op takes the next free one
    const base = this.generated.get(name);
    if (base !== undefined) this.rename(name, this.fresh(base));
  }

  /** Renames generated node `from` to `to` everywhere (operands, refs). */
  private rename(from: string, to: string): void {
    const n = this.node(from);
    const renamed: IrNode = { ...n, id: to };
    const swap = (m: IrNode): IrNode => (m.inputs.includes(from) ? { ...m, inputs: m.inputs.map((i) => (i === from ? to : i)) } : m);
    for (let k = 0; k < this.nodes.length; k++) {
      const m = this.nodes[k] === n ? renamed : swap(this.nodes[k]);
      this.nodes[k] = m;
      this.byId.set(m.id, m);
    }
    this.byId.delete(from);
    this.provenance.set(to, this.provenanceOf(from));
    this.provenance.delete(from);
    this.generated.set(to, this.generated.get(from) as string);
    this.generated.delete(from);
    const r = this.refs.get(from) as { id: string };
    r.id = to;
    this.refs.set(to, r);
    this.refs.delete(from);
  }

  /** A fresh generated id `base_k` (k from 1), never a user name or an existing id. */
  fresh(base: string): string {
    let k = this.counters.get(base) ?? 0;
    let id: string;
    do id = `${base}_${++k}`;
    while (this.byId.has(id) || this.names.has(id));
    this.counters.set(base, k);
    return id;
  }

  /** Adds `n` (its shape already known) with its provenance; `base` when its id was generated (fresh(base)). */
  push(n: IrNode, p: Provenance, base?: string): IrNode {
    this.nodes.push(n);
    this.byId.set(n.id, n);
    this.provenance.set(n.id, p);
    this.refs.set(n.id, { id: n.id });
    if (base !== undefined) this.generated.set(n.id, base);
    return n;
  }

  /** A public structural constant (a shape, axes, a permutation): int32, marked public. */
  structural(base: string, values: readonly number[], shape: readonly number[]): string {
    const id = this.fresh(base);
    const value = float64ToTensor('int32', shape, Float64Array.from(values));
    this.push({ id, op: 'Const', inputs: [], attrs: { value, [VISIBILITY_ATTR]: 'public' }, dtype: 'int32', shape: [...shape] }, { input: false, variable: false, label: false }, base);
    return id;
  }

  /**
   * Adds op `op` with operands `inputs` (node ids: data operands, then any structural
   * ones), shaped by the IR's rule for it. A contradiction is E_SHAPE (or the rule's
   * code) naming `call` (e.g. `matmul(a [1,6], w [5,2])`) and the rule's reason; an
   * empty dimension (a window larger than its input) is E_SHAPE too.
   */
  op(op: Op, base: string, inputs: readonly string[], attrs: Attrs, call: string, dtype: DType = 'float32', label = false): IrNode {
    const operands = inputs.map((i) => this.node(i));
    const id = this.fresh(base);
    const draft: IrNode = { id, op, inputs: [...inputs], attrs, dtype, shape: undefined };
    let shape;
    try {
      shape = inferShape(draft, operands);
    } catch (e) {
      if (e instanceof TfeError) throw new TfeError(e.code, `${call}: ${e.message.replace(/^node "[^"]*" \([A-Za-z0-9]+\): /, '')}`, e.hint);
      throw e;
    }
    if (!shape) throw new TfeError('E_INTERNAL', `${call}: the shape rule of ${op} gave no shape`);
    if (shape.some((d) => d <= 0)) throw new TfeError('E_SHAPE', `${call}: the result would have shape ${fmtShape(shape)}, with an empty dimension`, 'a window or padding larger than the input leaves nothing: check the sizes, strides and padding');
    const ps = inputs.map((i) => this.provenanceOf(i));
    return this.push({ ...draft, shape }, { input: ps.some((p) => p.input), variable: ps.some((p) => p.variable), label }, base);
  }
}

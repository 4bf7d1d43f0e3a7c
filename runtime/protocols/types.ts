/**
 * What a protocol kernel is: a registered object with a name, the kinds of its
 * operands, its output shapes, its declared cost (rounds, bytes per party, dealer
 * bytes) as a function of the shapes, and `run(ctx, inputs, attrs)`, which executes
 * ONE party's side only: it sees that party's shares and the messages it receives.
 * Every party runs every step of a plan; parties without a part in a kernel (the
 * dealer in a local op, the client in a multiplication) return shape-only operands.
 */
import type { Prg } from '../crypto/prg.js';
import type { CorrelatedRandomness } from '../crypto/dealer.js';
import type { RingBackend } from '../ring/backend.js';
import type { RingTensor, Shape } from '../ring/tensor.js';
import type { Endpoint, Role } from '../transport/types.js';

/** A secret-shared tensor: servers hold an additive share, other parties only its shape. */
export interface Secret {
  readonly kind: 'secret';
  readonly shape: Shape;
  readonly share: RingTensor | undefined;
}

/** A public tensor: its value is known to the parties that hold `value` (the servers, or an input owner). */
export interface Public {
  readonly kind: 'public';
  readonly shape: Shape;
  readonly value: RingTensor | undefined;
}

export type Operand = Secret | Public;
export type OperandKind = Operand['kind'];

export type AttrValue = number | string | boolean | readonly number[] | readonly (readonly number[])[];
export type KernelAttrs = Readonly<Record<string, AttrValue>>;

/** Declared communication cost of one kernel invocation. */
export interface Cost {
  /** Sequential communication rounds (online). */
  readonly rounds: number;
  /** Online payload bytes each party sends. */
  readonly bytes: Readonly<Partial<Record<Role, number>>>;
  /** Offline bytes the dealer sends (correlated randomness). */
  readonly dealerBytes: number;
}

/** Whether the cached masks a kernel can reuse (masked weights) are already open. */
export interface CostOptions {
  readonly warm: boolean;
}

export interface PartyContext {
  readonly role: Role;
  readonly net: Endpoint;
  readonly ring: RingBackend;
  /** The correlated-randomness provider, bound to this party. */
  readonly dealer: CorrelatedRandomness;
  /** Randomness private to this party. */
  readonly prg: Prg;
  /** State a party keeps across runs of one deployment (opened masked weights). */
  readonly cache: Map<string, unknown>;
}

export interface Kernel {
  /** Registered name; says visibility where it matters (`matmul_ss`, `trunc_s`, `reveal`). */
  readonly name: string;
  /** One line: what it computes, and for revealing kernels what is revealed to whom. */
  readonly summary: string;
  /** True for kernels that reveal a secret value (only `reveal` and the labels of `argmax`). */
  readonly reveals: boolean;
  /** Operand kinds, in order; `'secret...'` means any number of secrets. */
  readonly operands: readonly (OperandKind | 'secret...')[];
  outputShapes(shapes: readonly Shape[], attrs: KernelAttrs): Shape[];
  cost(shapes: readonly Shape[], attrs: KernelAttrs, opts: CostOptions): Cost;
  run(ctx: PartyContext, inputs: readonly Operand[], attrs: KernelAttrs): Promise<Operand[]>;
}

export function secret(shape: Shape, share?: RingTensor): Secret {
  return { kind: 'secret', shape, share };
}

export function pub(shape: Shape, value?: RingTensor): Public {
  return { kind: 'public', shape, value };
}

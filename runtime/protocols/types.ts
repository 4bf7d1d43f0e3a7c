/**
 * What a protocol kernel is at run time: its spec (src/protocols: name, operand kinds,
 * output shapes, declared cost) and `run(ctx, inputs, attrs)`, which executes
 * ONE party's side only: it sees that party's shares and the messages it receives.
 * Every party runs every step of a plan; parties without a part in a kernel (the
 * dealer in a local op, the client in a multiplication) return shape-only operands.
 */
import type { Prg } from '../crypto/prg.js';
import type { DealerMaterial } from '../crypto/material.js';
import type { RingBackend } from '../ring/backend.js';
import type { RingTensor, Shape } from '../ring/tensor.js';
import type { Endpoint, Role } from '../transport/types.js';
import type { KernelAttrs, KernelSpec } from '../../src/protocols/spec.js';

export type { AttrValue, Cost, CostOptions, KernelAttrs, KernelSpec, OperandKind } from '../../src/protocols/spec.js';

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

export interface PartyContext {
  readonly role: Role;
  readonly net: Endpoint;
  readonly ring: RingBackend;
  /** This session's dealer material, bound to this party (servers and the dealer; undefined for other roles). */
  readonly dealer: DealerMaterial | undefined;
  /** Randomness private to this party. */
  readonly prg: Prg;
  /** State a party keeps across the sessions of one deployment (opened masked weights, by mask_s). */
  readonly cache: Map<string, unknown>;
}

/** A kernel: its specification (src/protocols, shared with the compiler) plus this runtime's implementation. */
export interface Kernel extends KernelSpec {
  run(ctx: PartyContext, inputs: readonly Operand[], attrs: KernelAttrs): Promise<Operand[]>;
}

/** Attaches an implementation to a spec. */
export function implement(spec: KernelSpec, run: Kernel['run']): Kernel {
  return { ...spec, run };
}

export function secret(shape: Shape, share?: RingTensor): Secret {
  return { kind: 'secret', shape, share };
}

export function pub(shape: Shape, value?: RingTensor): Public {
  return { kind: 'public', shape, value };
}

/**
 * Kernel specifications: what the compiler and the runtime agree on about a protocol
 * kernel, with no implementation. The name (saying visibility where it matters:
 * `matmul_ss`, `trunc_s`, `reveal`), the operand kinds, the output shapes, whether it
 * reveals anything, and its declared cost (rounds, bytes each party sends, dealer
 * bytes) as a function of the shapes and attributes. The runtime adds `run`
 * (runtime/protocols); the compiler lowers to these names and sums these costs; a
 * test checks the runtime's measured cost equals the declaration.
 */
import type { Shape } from '../shape.js';

export type Role = 'server0' | 'server1' | 'dealer' | 'client' | 'model-owner';

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

export type OperandKind = 'secret' | 'public';

export interface KernelSpec {
  readonly name: string;
  /** One line: what it computes, and for revealing kernels what is revealed to whom. */
  readonly summary: string;
  /** True only for kernels that disclose a secret value (reveal). */
  readonly reveals: boolean;
  /** Operand kinds, in order; `'secret...'` means any number of secrets. */
  readonly operands: readonly (OperandKind | 'secret...')[];
  outputShapes(shapes: readonly Shape[], attrs: KernelAttrs): Shape[];
  cost(shapes: readonly Shape[], attrs: KernelAttrs, opts: CostOptions): Cost;
}

export const FREE: Cost = { rounds: 0, bytes: {}, dealerBytes: 0 };

/** Sum of costs (rounds add: steps run one after another). */
export function addCosts(costs: readonly Cost[]): Cost {
  const bytes: Partial<Record<Role, number>> = {};
  let rounds = 0;
  let dealerBytes = 0;
  for (const c of costs) {
    rounds += c.rounds;
    dealerBytes += c.dealerBytes;
    for (const [r, b] of Object.entries(c.bytes) as [Role, number][]) bytes[r] = (bytes[r] ?? 0) + b;
  }
  return { rounds, bytes, dealerBytes };
}

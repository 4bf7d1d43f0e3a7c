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

/**
 * A role's name. The protocol fixes its compute and dealer roles (`server0`,
 * `server1`, `dealer` for Pond); input and output roles are free names chosen by the
 * model or program (`client`, `model-owner`, `alice`, `analyst`).
 */
export type Role = string;

/**
 * What a role does: `compute` roles (the servers) hold shares and run every kernel;
 * the `dealer` only makes correlated randomness; an `input` role provides private
 * tensors (the client's input, the model owner's weights) and may receive outputs;
 * an `output` role only receives revealed outputs.
 */
export type RoleKind = 'compute' | 'dealer' | 'input' | 'output';
export const ROLE_KINDS: readonly RoleKind[] = ['compute', 'dealer', 'input', 'output'];

export interface RoleDecl {
  readonly name: Role;
  readonly kind: RoleKind;
}

export type AttrValue = number | string | boolean | readonly number[] | readonly (readonly number[])[];
export type KernelAttrs = Readonly<Record<string, AttrValue>>;

/** Declared communication cost of one kernel invocation. */
export interface Cost {
  /** Sequential communication rounds (online). */
  readonly rounds: number;
  /** Online payload bytes each party sends. */
  readonly bytes: Readonly<Record<Role, number>>;
  /** Offline bytes the dealer sends (correlated randomness). */
  readonly dealerBytes: number;
}

/** Whether the cached masks a kernel can reuse (masked weights) are already open. */
export interface CostOptions {
  readonly warm: boolean;
}

/**
 * secret: shared among the compute roles; public: known in the clear to the compute
 * roles; private: known in the clear to one role only (the owner named by the kernel's
 * attributes: `share`'s input, `reveal`'s output).
 */
export type OperandKind = 'secret' | 'public' | 'private';

/** Who takes part in one kernel invocation, besides the compute roles (which always do). */
export interface KernelParties {
  /** The material role (the dealer, or the helper server: `materialRole`) makes correlated randomness for it. */
  readonly dealer: boolean;
  /** Other roles, named by the kernel's attributes (`share`'s owner, `reveal`'s receiver). */
  readonly roles: readonly Role[];
}

export interface KernelSpec {
  readonly name: string;
  /** One line: what it computes, and for revealing kernels what is revealed to whom. */
  readonly summary: string;
  /** True only for kernels that disclose a secret value (reveal). */
  readonly reveals: boolean;
  /** Operand kinds, in order; `'secret...'` means any number of secrets. */
  readonly operands: readonly (OperandKind | 'secret...')[];
  /** Result kinds, in order (one per output). */
  readonly results: readonly OperandKind[];
  /** The correlated-randomness kinds it consumes (names from its protocol's `randomness`). */
  readonly randomness: readonly string[];
  /** The roles besides the compute roles that run it. */
  parties(attrs: KernelAttrs): KernelParties;
  outputShapes(shapes: readonly Shape[], attrs: KernelAttrs): Shape[];
  cost(shapes: readonly Shape[], attrs: KernelAttrs, opts: CostOptions): Cost;
}

export const FREE: Cost = { rounds: 0, bytes: {}, dealerBytes: 0 };

/** A kernel run by the compute roles alone. */
export const COMPUTE_ONLY: KernelParties = { dealer: false, roles: [] };
/** A kernel the dealer (or the helper server) makes material for. */
export const WITH_DEALER: KernelParties = { dealer: true, roles: [] };

/**
 * A protocol as data: the contract that the compiler (lowering, cost), the plan
 * verifier and the runtime (kernel registry, party runner) all read. Kernel
 * implementations live in runtime/protocols/<name>/.
 */
export interface ProtocolSpec {
  readonly name: string;
  /** One paragraph: the paper, the parties, the security model. */
  readonly summary: string;
  /** The compute roles (servers), in order; their names are reserved. */
  readonly computeRoles: readonly Role[];
  /** The dealer roles (none for dealer-free protocols); reserved names. */
  readonly dealerRoles: readonly Role[];
  /**
   * A compute role that holds no shares and makes the correlated randomness (SecureNN's
   * third party, "P2", which supplies triples and comparison randomness to P0 and P1):
   * it runs the material side of every kernel whose `parties().dealer` is true, exactly
   * as a dealer would, but it is one of the deployment's servers and is named by the
   * plan as `compute`. Absent for protocols with a dealer or with every server holding
   * shares.
   */
  readonly helper?: Role;
  /** The correlated-randomness kinds its kernels consume, each with what it is. */
  readonly randomness: Readonly<Record<string, string>>;
  readonly kernels: ReadonlyMap<string, KernelSpec>;
}

/** The names no input or output role may take under `p`. */
export function reservedRoles(p: ProtocolSpec): Role[] {
  return [...p.computeRoles, ...p.dealerRoles];
}

/** The compute roles that hold shares of every secret: all of them but the helper, in order. */
export function shareholders(p: ProtocolSpec): Role[] {
  return p.computeRoles.filter((r) => r !== p.helper);
}

/** The role that makes correlated randomness: the dealer, or the helper server; undefined if the protocol has neither. */
export function materialRole(p: ProtocolSpec): Role | undefined {
  return p.dealerRoles[0] ?? p.helper;
}

/** Sum of costs (rounds add: steps run one after another). */
export function addCosts(costs: readonly Cost[]): Cost {
  const bytes: Record<Role, number> = {};
  let rounds = 0;
  let dealerBytes = 0;
  for (const c of costs) {
    rounds += c.rounds;
    dealerBytes += c.dealerBytes;
    for (const [r, b] of Object.entries(c.bytes)) bytes[r] = (bytes[r] ?? 0) + (b ?? 0);
  }
  return { rounds, bytes, dealerBytes };
}

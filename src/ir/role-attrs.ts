/**
 * The IR attributes that say who owns data, read by the compiler when it makes the
 * plan's roles (a frontend sets none of them: a model's input comes from `client`, its
 * weights from `model-owner`, its outputs go to `client`; the program builder sets them):
 *
 * - Placeholder `role` (string): the input role that provides this input (default client);
 * - Placeholder `range` ([lo, hi]): the declared range of this input's elements, which
 *   replaces the compile option inputRange for it (headroom analysis and input binding);
 * - Const `owner` (string): the role that holds this constant's value (weights.bin);
 *   a plan has one such role, so the Consts of a graph name at most one owner;
 * - Const `visibility`: 'public' (a constant the servers may know in the clear, whatever
 *   --public-weights says) or 'private' (always secret-shared, even under
 *   --public-weights); absent: a model parameter, secret unless --public-weights.
 */
import type { Attrs, IrNode } from './node.js';

export const ROLE_ATTR = 'role';
export const RANGE_ATTR = 'range';
export const OWNER_ATTR = 'owner';
export const VISIBILITY_ATTR = 'visibility';

export type ConstVisibility = 'public' | 'private';

/** The input role a Placeholder names, or undefined (the default client). */
export function placeholderRole(n: IrNode): string | undefined {
  const v = n.attrs[ROLE_ATTR];
  return n.op === 'Placeholder' && typeof v === 'string' ? v : undefined;
}

/** The range a Placeholder declares, or undefined (the compile option's range applies). */
export function placeholderRange(n: IrNode): [number, number] | undefined {
  const v = n.attrs[RANGE_ATTR];
  return n.op === 'Placeholder' && Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number') ? [v[0] as number, v[1] as number] : undefined;
}

/** The owner a Const names, or undefined. */
export function constOwner(n: IrNode): string | undefined {
  const v = n.attrs[OWNER_ATTR];
  return n.op === 'Const' && typeof v === 'string' ? v : undefined;
}

/** The visibility mark of a Const, or undefined (a model parameter). */
export function constVisibility(n: IrNode): ConstVisibility | undefined {
  const v = n.attrs[VISIBILITY_ATTR];
  return n.op === 'Const' && (v === 'public' || v === 'private') ? v : undefined;
}

/**
 * The marks of a Const computed from the Consts `operands` (constant folding): private
 * if any operand is private, public if every operand is public, unmarked otherwise (a
 * model parameter); the owner of the first operand that names one. A value computed
 * from a private constant thus stays private, and folding never makes a secret public.
 */
export function foldedConstMarks(operands: readonly IrNode[]): Attrs {
  const vis = operands.map(constVisibility);
  const v: ConstVisibility | undefined = vis.includes('private') ? 'private' : vis.length > 0 && vis.every((x) => x === 'public') ? 'public' : undefined;
  const owner = operands.map(constOwner).find((o) => o !== undefined);
  return { ...(v !== undefined ? { [VISIBILITY_ATTR]: v } : {}), ...(owner !== undefined ? { [OWNER_ATTR]: owner } : {}) };
}

/**
 * The plan's free roles, from the graph and the compile options (compile.ts): each
 * input's provider (Placeholder attr role, default client) and declared range
 * (Placeholder attr range), the one role holding weights.bin (the Consts' owner attr,
 * else the weightsOwner option, else model-owner), and each output's receiver (the
 * receivers option, default client). Names are checked here, before the pipeline, so
 * that an error names the graph node or the option rather than a plan field.
 *
 * One weights owner per plan: the runtime shares one weights.bin per deployment (the
 * owner's setup session). A graph whose Consts name several owners is refused up front
 * (E_UNSUPPORTED), before constant folding could merge two owners' values.
 */
import { TfeError } from '../src/errors.js';
import type { IrGraph } from '../src/ir/node.js';
import { constOwner, placeholderRange, RANGE_ATTR, ROLE_ATTR } from '../src/ir/role-attrs.js';
import { checkFreeRole } from '../src/plan/role-name.js';
import { MODEL_ROLES, type LowerRoles } from './lower/lower.js';

/** Checks every Placeholder's role and range attrs (E_ARG naming the input). */
export function checkInputRoles(g: IrGraph): void {
  for (const n of g.nodes) {
    if (n.op !== 'Placeholder') continue;
    if (n.attrs[ROLE_ATTR] !== undefined) checkFreeRole(n.attrs[ROLE_ATTR], `input '${n.id}'`);
    if (n.attrs[RANGE_ATTR] !== undefined) {
      const r = placeholderRange(n);
      if (!r || !r.every(Number.isFinite) || !(r[0] <= r[1])) {
        throw new TfeError('E_ARG', `input '${n.id}': range ${JSON.stringify(n.attrs[RANGE_ATTR])} is not an interval [lo, hi] of finite numbers with lo <= hi`);
      }
    }
  }
}

/**
 * The role holding the graph's weights: the owner the Consts name (all the same), else
 * `fallback`, else model-owner. E_UNSUPPORTED naming the owners when there are several.
 */
export function weightsOwnerOf(g: IrGraph, fallback: string | undefined): string {
  const owners = new Map<string, string>(); // owner -> one Const it owns
  for (const n of g.nodes) {
    const o = constOwner(n);
    if (o !== undefined && !owners.has(o)) owners.set(o, n.id);
  }
  if (fallback !== undefined && !owners.has(fallback)) owners.set(fallback, '(the weightsOwner option)');
  if (owners.size > 1) {
    throw new TfeError(
      'E_UNSUPPORTED',
      `weights of several owners: ${[...owners].map(([o, id]) => `'${o}' (${id})`).join(', ')}; a plan has one weights owner`,
      'keep the private variables of one role, and give the others as privateInput (provided at each prediction)',
    );
  }
  const owner = owners.keys().next().value ?? MODEL_ROLES.weightsOwner;
  checkFreeRole(owner, 'weights owner');
  return owner;
}

/** The outputs' receivers: each key must be an output of `g` (E_ARG naming the outputs), each value a free role. */
export function receiversOf(g: IrGraph, receivers: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  if (receivers === undefined) return MODEL_ROLES.receivers;
  for (const [name, role] of Object.entries(receivers)) {
    if (!g.outputs.includes(name)) throw new TfeError('E_ARG', `receivers: '${name}' is not an output (outputs: ${g.outputs.map((o) => `'${o}'`).join(', ')})`);
    checkFreeRole(role, `receiver of output '${name}'`);
  }
  return receivers;
}

/** The lowering's roles for graph `g` (after the graph pipeline) and the options. */
export function lowerRoles(weightsOwner: string, g: IrGraph, receivers: Readonly<Record<string, string>> | undefined): LowerRoles {
  return { weightsOwner, receivers: receiversOf(g, receivers) };
}

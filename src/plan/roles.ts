/**
 * A plan's role list: the protocol's compute and dealer roles (reserved names), then
 * each role that provides a private tensor (kind `input`, in order of first use), then
 * each role that only receives outputs (kind `output`). A free role may not take a
 * reserved name: the protocol's parties are fixed by the protocol, not by the model.
 */
import { TfeError } from '../errors.js';
import { reservedRoles, type ProtocolSpec, type RoleDecl } from '../protocols/spec.js';

export function planRoles(p: ProtocolSpec, providers: readonly string[], receivers: readonly string[]): RoleDecl[] {
  const roles: RoleDecl[] = [...p.computeRoles.map((name) => ({ name, kind: 'compute' as const })), ...p.dealerRoles.map((name) => ({ name, kind: 'dealer' as const }))];
  const reserved = new Set(reservedRoles(p));
  const seen = new Set<string>();
  for (const [names, kind] of [[providers, 'input'], [receivers, 'output']] as const) {
    for (const name of names) {
      if (reserved.has(name)) throw new TfeError('E_ARG', `role '${name}' is reserved by protocol ${p.name} (its parties: ${[...reserved].join(', ')})`, 'give input and output roles other names');
      if (seen.has(name)) continue;
      seen.add(name);
      roles.push({ name, kind });
    }
  }
  return roles;
}

/** The role declaration named `name`; E_PLAN if the plan has none. */
export function roleKind(roles: readonly RoleDecl[], name: string): RoleDecl['kind'] {
  const r = roles.find((x) => x.name === name);
  if (!r) throw new TfeError('E_PLAN', `the plan has no role '${name}' (roles: ${roles.map((x) => x.name).join(', ')})`);
  return r.kind;
}

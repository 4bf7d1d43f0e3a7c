/**
 * The rule for a free role name (an input or output role chosen by a model or a
 * program): it must match RoleSchema (a lowercase letter, then up to 63 of a-z, 0-9,
 * `-` and `_`) and must not be the name of a protocol's own party (server0, server1,
 * server2, dealer: the parties are fixed by the protocol, whichever one the plan uses).
 * Checked where a user names a role (the program builder, the compiler), so that the
 * error names the call instead of surfacing later from the plan schema.
 */
import { TfeError } from '../errors.js';
import { PROTOCOLS } from '../protocols/registry.js';
import { reservedRoles } from '../protocols/spec.js';
import { RoleSchema } from './schema.js';

/** Every protocol's compute and dealer roles, in registry order, without repeats. */
export function protocolRoleNames(): string[] {
  return [...new Set([...PROTOCOLS.values()].flatMap((p) => reservedRoles(p)))];
}

/** Throws E_ARG naming `where` unless `role` is a valid free role name. */
export function checkFreeRole(role: unknown, where: string): asserts role is string {
  if (typeof role !== 'string' || !RoleSchema.safeParse(role).success) {
    throw new TfeError('E_ARG', `${where}: role ${JSON.stringify(role)} is not a role name`, 'a role name is a lowercase letter, then up to 63 of a-z, 0-9, - and _ (e.g. alice, model-owner, analyst)');
  }
  const reserved = protocolRoleNames();
  if (reserved.includes(role)) {
    throw new TfeError('E_ARG', `${where}: role '${role}' is a protocol's own party`, `the protocols' parties (${reserved.join(', ')}) compute on shares and never own or receive data in the clear: name the data owner another way (e.g. alice, model-owner, analyst)`);
  }
}

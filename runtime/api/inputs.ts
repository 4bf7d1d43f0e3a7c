/**
 * A user's inputs by role (`{ alice: { a: [[1, 2, 3]] } }`) checked against a plan and
 * converted to float tensors, before anything is encoded or sent: every role given
 * provides inputs in the plan (a role of the plan that provides none, or a name the plan
 * does not have, is E_ARG naming it and the input roles), every input role is given
 * (E_ARG naming the missing role and its inputs), each role gives exactly its own inputs
 * (E_ARG naming the role and the input), and each value has the input's shape (E_SHAPE
 * naming the role and the input), and each value is one the encoder takes (inside the
 * declared range, finite: E_RANGE naming the role and the position). Values are converted by the HTTP client's rules
 * (serve/client/core.ts inputTensor), so one set of rules holds for every entry point.
 */
import { prefixErrors, TfeError } from '../../src/errors.js';
import { inputProviders, type InputBinding, type Plan } from '../../src/plan/index.js';
import { showShape as shapeText } from '../io/bindings-codec.js';
import { encodeInputsOf, type FloatTensor } from '../party/prediction-io.js';
import { inputTensor } from '../serve/client/core.js';
import type { Role } from '../transport/types.js';
import type { InputsOf, InputValue, RoleInputs } from './types.js';


function listed(plan: Plan): string {
  return plan.inputs.map((b) => `${b.provider}.${b.name} ${shapeText(b.preprocess?.shape ?? b.shape)}`).join(', ');
}

/** A flat number[] is read like a Float64Array (whole rows); any other value by the client's rules. */
function asClientValue(v: InputValue): InputValue {
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return Float64Array.from(v as readonly number[]);
  return v;
}

/** One role's inputs as float tensors, by binding name (only that role's bindings). */
export function tensorsOfRole(plan: Plan, role: Role, given: InputsOf | undefined): Record<string, FloatTensor> {
  const mine: InputBinding[] = plan.inputs.filter((b) => b.provider === role);
  if (given === undefined || given === null || typeof given !== 'object') {
    throw new TfeError('E_ARG', `missing the inputs of role '${role}' (${mine.map((b) => `'${b.name}' ${shapeText(b.preprocess?.shape ?? b.shape)}`).join(', ')})`, `give { '${role}': { ${mine.map((b) => `${b.name}: values`).join(', ')} } }`);
  }
  const out: Record<string, FloatTensor> = {};
  for (const name of Object.keys(given)) {
    const b = mine.find((x) => x.name === name);
    if (!b) {
      const other = plan.inputs.find((x) => x.name === name);
      throw new TfeError('E_ARG', other
        ? `role '${role}' was given input '${name}', which role '${other.provider}' provides`
        : `role '${role}' was given input '${name}', which the plan does not have`, `the plan's inputs: ${listed(plan)}`);
    }
    out[name] = prefixErrors(`role '${role}': `, () => inputTensor(asClientValue(given[name]), b, name));
  }
  for (const b of mine) {
    if (!(b.name in out)) throw new TfeError('E_ARG', `role '${role}' gives no input '${b.name}' (shape ${shapeText(b.preprocess?.shape ?? b.shape)})`, `the plan's inputs: ${listed(plan)}`);
  }
  // the encoder's checks (sizes, batch, range, finite values) now, naming the role, rather than in a session
  prefixErrors(`role '${role}': `, () => encodeInputsOf(plan, role, out));
  return out;
}

/**
 * Every input role's tensors, checked as the file comment says. Roles of the plan that
 * provide no inputs (output-only roles) may appear with an empty object.
 */
export function tensorsByRole(plan: Plan, inputs: RoleInputs): Record<Role, Record<string, FloatTensor>> {
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw new TfeError('E_ARG', 'the inputs are not an object of roles', `give { role: { input: values } }; this plan's inputs: ${listed(plan)}`);
  }
  const providers = inputProviders(plan);
  for (const [role, given] of Object.entries(inputs)) {
    if (providers.includes(role)) continue;
    const decl = plan.roles.find((r) => r.name === role);
    const empty = given !== null && typeof given === 'object' && Object.keys(given).length === 0;
    if (decl && (decl.kind === 'input' || decl.kind === 'output') && empty) continue;
    throw new TfeError('E_ARG', decl
      ? `role '${role}' provides no inputs of this plan (it is a ${decl.kind} role)`
      : `the plan has no role '${role}'`, `input roles: ${providers.join(', ')}; the plan's inputs: ${listed(plan)}`);
  }
  const out: Record<Role, Record<string, FloatTensor>> = {};
  for (const role of providers) out[role] = tensorsOfRole(plan, role, inputs[role]);
  return out;
}

/**
 * The programmatic API's values (what `runLocal`, `runParty` and `up` take and return):
 * inputs by role and name in the forms a user has at hand, and outputs as plain numbers
 * (flat, row-major) that JSON.stringify keeps as they are. A plan and its weights travel
 * together as a `Compiled` (a CompileResult, or what `loadPlan` returns).
 */
import type { OutputBinding, Plan, Weights } from '../../src/plan/index.js';
import type { ClientInput } from '../serve/client/core.js';
import type { OutputValue } from '../party/prediction-io.js';
import type { Role } from '../transport/types.js';

/** A plan with the weights of its owner: `compile()`'s result, a program's, or `loadPlan(dir)`'s. */
export interface Compiled {
  readonly plan: Plan;
  readonly weights: Weights;
}

/**
 * One input's values: nested arrays of numbers (their nesting is the shape; the batch
 * dimension may be left out for one example), a flat Float32Array / Float64Array /
 * number[] holding whole rows of the declared shape row-major, or `{ shape, data }`.
 */
export type InputValue = ClientInput;

/** The inputs of one role, by input name (the plan's input bindings that role provides). */
export type InputsOf = Readonly<Record<string, InputValue>>;

/** Every input role's inputs: `{ client: { x } }` for a model's plan, `{ alice: { a }, bob: { b } }` for a program's. */
export type RoleInputs = Readonly<Record<Role, InputsOf>>;

/** One revealed output as the API returns it. */
export interface RunOutput {
  /** Its shape, the batch dimension filled in. */
  readonly shape: number[];
  /** Its values, flat and row-major: the decoded fixed-point values (logits before any softmax; a label's class indices). */
  readonly values: number[];
  /** What the values are (the plan's output binding kind). */
  readonly kind: OutputBinding['kind'];
  /** The role it was revealed to. */
  readonly receiver: Role;
  /** softmax(values) per row, when the plan's post-processing asks for it. */
  readonly probabilities?: number[];
}

/** Outputs by name. Output names are unique in a plan, so the outputs of several receivers merge. */
export type RunOutputs = Record<string, RunOutput>;

/** `receiver`'s decoded outputs in the API's format. */
export function runOutputs(receiver: Role, outputs: Readonly<Record<string, OutputValue>>): RunOutputs {
  const out: RunOutputs = {};
  for (const [name, v] of Object.entries(outputs)) {
    out[name] = {
      shape: [...v.shape], values: Array.from(v.data), kind: v.kind, receiver,
      ...(v.probabilities ? { probabilities: Array.from(v.probabilities) } : {}),
    };
  }
  return out;
}

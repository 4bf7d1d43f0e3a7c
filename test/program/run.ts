/**
 * Runs a compiled program whose inputs all come from one role that also receives every
 * output, on the local simulation (runtime/party/local.ts, as `tfe run` does: the
 * weights' owner runs the setup, the input role one prediction), and returns the
 * outputs it receives. Programs with several input roles need the multi-role sessions
 * of the runtime; these tests keep to one.
 */
import type { CompileResult } from '../../compiler/compile.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { decodeOutputs, encodeInputs, type FloatTensor, type OutputValue } from '../../runtime/party/prediction-io.js';
import { testBackend } from '../support/backend.js';

export async function runOneRole(c: CompileResult, inputs: Readonly<Record<string, FloatTensor>>): Promise<Record<string, OutputValue>> {
  const d = await LocalDeployment.start(c.plan, c.weights, { ring: testBackend(), receiveTimeoutMs: 60_000 });
  try {
    const { provider, env, batch } = encodeInputs(c.plan, inputs);
    const r = await d.session(provider, 'predict', batch, env);
    return decodeOutputs(c.plan, provider, r.env);
  } finally {
    d.close();
  }
}

/** The bound a step's approximation states (`total <= X`) for the steps of `source`; undefined if none. */
export function statedBound(c: CompileResult, source: string): number | undefined {
  const s = c.plan.steps.find((x) => x.source === source && x.approximation !== undefined);
  const m = s?.approximation?.match(/total <= ([0-9.e+-]+)/);
  return m ? Number(m[1]) : undefined;
}

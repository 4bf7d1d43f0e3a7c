/**
 * Fuzz target (c): mutated input files through `readInputFile` (runtime/io/inputs.ts:
 * the .png, .npy and .json readers, then the fit to the model's input shape), read
 * against zoo net A's input binding ([N, 28, 28, 1]) and variants of its shape ([N, 784],
 * [N, 28, 28], [N, 28, 28, 3], [N, 10]), with and without --resize. The seed files:
 *
 *  - ../shared/models/moonflower_mnist_convnet_h5/sample_1.png (282 bytes, 28x28 gray)
 *  - ../shared/models/tfe_mnist_cnn_avgpool/mnist_input.npy (3264 bytes)
 *  - ../shared/models/tfe_2lfc/2lfc_input_example.npy (256 bytes)
 *  - models/zoo/A/sample.json's input as a nested array, and as {"<input name>": array}
 *
 * Byte mutations apply to every file, structural JSON mutations to the .json ones.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compile } from '../../compiler/compile.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import type { InputBinding } from '../../src/plan/index.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { sharedModel } from '../support/paths.js';
import { byteMutation, mutateBytes, type ByteMutation, type FuzzTarget } from './harness.js';
import { jsonMutation, mutateJson, stringsOf, type Json, type JsonMutation } from './json-mutation.js';

const SHAPES: readonly (readonly number[])[] = [[-1, 28, 28, 1], [-1, 784], [-1, 28, 28], [-1, 28, 28, 3], [-1, 10]];
const SEEDS = ['png', 'npy-mnist', 'npy-2lfc', 'json-array', 'json-named'] as const;

export type InputCase = {
  readonly seed: (typeof SEEDS)[number];
  readonly shape: number;
  readonly resize: boolean;
} & ({ readonly kind: 'bytes'; readonly muts: readonly ByteMutation[] } | { readonly kind: 'json'; readonly muts: readonly JsonMutation[] });

export const inputCase: fc.Arbitrary<InputCase> = fc.oneof(
  { arbitrary: fc.record({ seed: fc.constantFrom(...SEEDS), shape: fc.nat({ max: SHAPES.length - 1 }), resize: fc.boolean(), kind: fc.constant('bytes' as const), muts: fc.array(byteMutation, { minLength: 1, maxLength: 4 }) }), weight: 3 },
  fc.record({ seed: fc.constantFrom('json-array' as const, 'json-named' as const), shape: fc.nat({ max: SHAPES.length - 1 }), resize: fc.boolean(), kind: fc.constant('json' as const), muts: fc.array(jsonMutation, { minLength: 1, maxLength: 3 }) }),
);

export async function inputTarget(): Promise<FuzzTarget<InputCase>> {
  const { plan } = await compile(zooModelPath('A'), { inputRange: [0, 1] });
  const base = plan.inputs[0];
  const bindings: InputBinding[][] = SHAPES.map((shape) => [{ ...base, shape: [...shape] }]);
  const sample = (JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { input: Json }).input;
  const docs: Record<string, Json> = { 'json-array': sample, 'json-named': { [base.name]: sample } };
  const enc = (j: Json): Uint8Array => new TextEncoder().encode(JSON.stringify(j));
  const seeds: Record<(typeof SEEDS)[number], { ext: string; bytes: Uint8Array }> = {
    png: { ext: '.png', bytes: readFileSync(sharedModel('moonflower_mnist_convnet_h5', 'sample_1.png')) },
    'npy-mnist': { ext: '.npy', bytes: readFileSync(sharedModel('tfe_mnist_cnn_avgpool', 'mnist_input.npy')) },
    'npy-2lfc': { ext: '.npy', bytes: readFileSync(sharedModel('tfe_2lfc', '2lfc_input_example.npy')) },
    'json-array': { ext: '.json', bytes: enc(docs['json-array']) },
    'json-named': { ext: '.json', bytes: enc(docs['json-named']) },
  };
  const pool = [base.name, '', 'input', 'NaN', '1e999', ...stringsOf(docs['json-named'])];
  const dir = mkdtempSync(join(tmpdir(), 'tfe-fuzz-inputs-'));
  let n = 0;
  return {
    name: 'inputs',
    arbitrary: inputCase,
    label: (c) => `${c.seed}${c.kind === 'json' ? ' (json)' : ''}`,
    run(c) {
      const s = seeds[c.seed];
      const bytes = c.kind === 'bytes' ? mutateBytes(s.bytes, c.muts) : enc(mutateJson(docs[c.seed], c.muts, pool));
      const file = join(dir, `case${n++ % 16}${s.ext}`);
      writeFileSync(file, bytes);
      readInputFile(file, bindings[c.shape], { resize: c.resize, onWarning: () => undefined });
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

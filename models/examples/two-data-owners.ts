/**
 * Two data owners, a model owner and an analyst, none of whom sees the others' data:
 * a credit-risk score over features split between two organisations (a "vertically
 * partitioned" data set: the same customers, different columns).
 *
 *  - `insurer` holds 3 features per customer (age, income and debt, standardised);
 *  - `bank` holds 2 (balance and late payments, standardised);
 *  - `model-owner` holds a small network: dense 5→4, ReLU, dense 4→1, sigmoid;
 *  - `analyst` receives the scores, and only the scores.
 *
 * The servers compute on secret shares: the insurer never sees the bank's columns (nor the
 * reverse), neither sees the model or the scores, and the model owner sees no data.
 *
 * Run it: `npx tsx models/examples/two-data-owners.ts` (or, after `npm run build`,
 * `node dist/models/examples/two-data-owners.js`); add `--deployed` to run every role
 * (two servers, the dealer, the model owner, both data owners and the analyst) as its
 * own process over mutual TLS.
 */
import { program, runLocal, up, type CompileResult, type RoleInputs } from 'tfe';
import { isMain } from './main.js';

/** The model owner's parameters (a network trained elsewhere; fixed here so that the example is reproducible). */
export const MODEL = {
  w1: [
    [0.42, -0.31, 0.17, 0.55],
    [-0.63, 0.28, 0.49, -0.12],
    [0.81, 0.07, -0.36, 0.24],
    [-0.47, -0.58, 0.22, 0.39],
    [0.66, 0.41, -0.19, -0.27],
  ],
  b1: [0.05, -0.1, 0.2, 0.0],
  w2: [[1.2], [-0.8], [0.9], [0.6]],
  b2: [-0.3],
};

/** The program: score = sigmoid(relu([insurer, bank] · w1 + b1) · w2 + b2), revealed to 'analyst'. */
export function twoDataOwners(protocol = 'pond', customers = 4): Promise<CompileResult> {
  const p = program();
  const insurer = p.privateInput('insurer', 'insurer_features', [customers, 3], { range: [-4, 4] });
  const bank = p.privateInput('bank', 'bank_features', [customers, 2], { range: [-4, 4] });
  const w1 = p.privateVariable('model-owner', 'w1', MODEL.w1, [5, 4]);
  const b1 = p.privateVariable('model-owner', 'b1', MODEL.b1, [4]);
  const w2 = p.privateVariable('model-owner', 'w2', MODEL.w2, [4, 1]);
  const b2 = p.privateVariable('model-owner', 'b2', MODEL.b2, [1]);
  const hidden = p.relu(p.add(p.matmul(p.concat([insurer, bank], 1), w1), b1));
  const score = p.sigmoid(p.add(p.matmul(hidden, w2), b2));
  p.reveal(score, 'analyst', 'score');
  return p.compile({ protocol });
}

/** Each data owner's columns for the same four customers (standardised values). */
export const TWO_DATA_OWNERS_INPUTS: RoleInputs = {
  insurer: {
    insurer_features: [
      [0.5, 1.2, -0.3],
      [-1.1, -0.4, 1.5],
      [0.0, 0.3, 0.2],
      [1.8, -1.0, -0.9],
    ],
  },
  bank: {
    bank_features: [
      [1.0, -0.5],
      [-0.7, 2.0],
      [0.2, 0.0],
      [-1.5, 1.1],
    ],
  },
};

async function main(): Promise<void> {
  const compiled = await twoDataOwners();
  const run = process.argv.includes('--deployed') ? up : runLocal;
  const { score } = await run(compiled, TWO_DATA_OWNERS_INPUTS);
  process.stdout.write(`risk scores (revealed to analyst only): ${score.values.map((v) => v.toFixed(3)).join(', ')}\n`);
}

if (isMain(import.meta.url)) await main();

/**
 * The first example of the original library's README (tf-encrypted; see
 * ../shared/seed/tf-encrypted-README.md), in tfe's program builder: the model owner's
 * private variable `w` (10×10 ones) times the private input `x` of role
 * `input-provider` (5×10 ones, what the original's `provide_input` returns), and the
 * result revealed to the input provider only. The servers see shares of `x`, `w` and `y`
 * and nothing else; the model owner sees nothing of `x` or `y`.
 *
 * Run it: `npx tsx models/examples/private-matmul.ts` (or, after `npm run build`,
 * `node dist/models/examples/private-matmul.js`); add `--deployed` to run every role as
 * its own process over mutual TLS instead of in this process.
 */
import { program, runLocal, up, type CompileResult, type RoleInputs } from 'tfe';
import { isMain } from './main.js';

const ones = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => new Array<number>(cols).fill(1));

/** The program: y = x · w, revealed to 'input-provider'. */
export function privateMatmul(protocol = 'pond'): Promise<CompileResult> {
  const p = program();
  const w = p.privateVariable('model-owner', 'w', ones(10, 10), [10, 10]);
  const x = p.privateInput('input-provider', 'x', [5, 10]);
  const y = p.matmul(x, w);
  p.reveal(y, 'input-provider', 'y');
  return p.compile({ protocol });
}

/** What the input provider gives at run time. */
export const PRIVATE_MATMUL_INPUTS: RoleInputs = { 'input-provider': { x: ones(5, 10) } };

async function main(): Promise<void> {
  const compiled = await privateMatmul();
  const run = process.argv.includes('--deployed') ? up : runLocal;
  const { y } = await run(compiled, PRIVATE_MATMUL_INPUTS);
  process.stdout.write(`y (revealed to input-provider), shape [${y.shape.join(', ')}]:\n`);
  for (let r = 0; r < y.shape[0]; r++) process.stdout.write(`  ${y.values.slice(r * y.shape[1], (r + 1) * y.shape[1]).map((v) => v.toFixed(3)).join(' ')}\n`);
}

if (isMain(import.meta.url)) await main();

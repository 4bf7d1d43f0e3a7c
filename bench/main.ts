/**
 * `npm run bench -- <name> [--json] [filters]`: the project's benchmarks.
 *   kernels [--backend native|wasm|js]   ring kernels and one Pond matmul
 *   compile                              compile time and peak memory per shared model
 * Prints a markdown table, or with --json one JSON object per line.
 */
import { parseArgs } from 'node:util';
import { benchCompile } from './compile.js';
import { benchKernels } from './kernels.js';
import { report, type Row } from './stats.js';

const BENCHES: Record<string, (opts: Record<string, string | boolean | undefined>) => Promise<Row[]>> = {
  kernels: (o) => benchKernels({ backend: typeof o.backend === 'string' ? o.backend : undefined }),
  compile: () => benchCompile(),
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, backend: { type: 'string' } },
  });
  const names = positionals.length ? positionals : Object.keys(BENCHES);
  for (const name of names) {
    const b = BENCHES[name];
    if (!b) {
      console.error(`error: unknown benchmark '${name}' (have: ${Object.keys(BENCHES).join(', ')})`);
      return 2;
    }
    report(await b(values), values.json === true);
  }
  return 0;
}

process.exitCode = await main();

/**
 * `npm run bench -- program [--protocol pond|securenn|pond,securenn] [--runs N]`: the
 * programmatic API on the two examples of models/examples/ (the original README's private
 * matmul; two data owners, a model owner and an analyst): the time to compile the program,
 * one prediction with every role a party in this process (`runLocal`, setup included), and
 * the same with every role its own process over TCP + mutual TLS on 127.0.0.1 (`up`: key
 * and certificate generation, process start, setup and one prediction). Medians, measured
 * in the same process one after the other, so the ratio up / runLocal is the cost of
 * deploying a one-shot program as processes. Also the plan's declared rounds and bytes
 * per prediction.
 */
import { PRIVATE_MATMUL_INPUTS, privateMatmul } from '../models/examples/private-matmul.js';
import { TWO_DATA_OWNERS_INPUTS, twoDataOwners } from '../models/examples/two-data-owners.js';
import { runLocal, up, type CompileResult, type RoleInputs } from '../src/index.js';
import { median, medianMs, type Row } from './stats.js';

const EXAMPLES: readonly { name: string; build: (protocol: string) => Promise<CompileResult>; inputs: RoleInputs }[] = [
  { name: 'private-matmul', build: privateMatmul, inputs: PRIVATE_MATMUL_INPUTS },
  { name: 'two-data-owners', build: twoDataOwners, inputs: TWO_DATA_OWNERS_INPUTS },
];

export async function benchProgram(o: { protocol?: string; runs?: number } = {}): Promise<Row[]> {
  const rows: Row[] = [];
  const runs = o.runs ?? 5;
  for (const protocol of (o.protocol ?? 'pond').split(',')) {
    for (const ex of EXAMPLES) {
      let compiled: CompileResult | undefined;
      const compileMs = await medianMs(async () => {
        compiled = await ex.build(protocol);
      }, { runs, warmup: 1 });
      const c = compiled as CompileResult;
      const localMs = await medianMs(() => runLocal(c, ex.inputs), { runs, warmup: 1 });
      const upTimes: number[] = [];
      for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i++) {
        const t0 = performance.now();
        await up(c, ex.inputs);
        upTimes.push(performance.now() - t0);
      }
      const upMs = median(upTimes);
      const cost = c.plan.cost.perPrediction;
      rows.push({
        bench: 'program', example: ex.name, protocol,
        roles: c.plan.roles.length, compile_ms: compileMs, local_ms: localMs, up_ms: upMs, up_over_local: upMs / localMs,
        rounds: cost.rounds, bytes: Object.values(cost.bytes).reduce((a, b) => a + b, 0), dealer_bytes: cost.dealerBytes,
      });
    }
  }
  return rows;
}

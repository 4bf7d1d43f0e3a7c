/**
 * One role of a deployment as its own process, through the public API only (the tests
 * run it as `node dist/test/api/role-process.js --role ROLE DEPLOYMENT [INPUTS.json]`):
 * a compute or dealer role calls `startParty`, prints `listening` and stops when its
 * stdin closes; an input or output role calls `runParty` and prints the outputs
 * revealed to it as one JSON line. Without `--role` (the test runner loads every file
 * under test/) it does nothing.
 */
import { readFileSync } from 'node:fs';
import { runParty, startParty, TfeError, type InputsOf } from '../../src/index.js';

async function main(role: string, deployment: string, inputsFile: string | undefined, kind: string): Promise<void> {
  if (kind === 'server') {
    const s = await startParty(role, { deployment });
    process.stdout.write('listening\n');
    process.stdin.on('end', () => void s.stop());
    process.stdin.resume();
    return;
  }
  const inputs = inputsFile === undefined ? undefined : (JSON.parse(readFileSync(inputsFile, 'utf8')) as InputsOf);
  const out = await runParty(role, { deployment, ...(inputs ? { inputs } : {}) });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const at = process.argv.indexOf('--role');
if (at >= 0) {
  const [role, deployment, kind, inputsFile] = process.argv.slice(at + 1);
  main(role, deployment, inputsFile, kind).catch((e: unknown) => {
    process.stderr.write(e instanceof TfeError ? `error: ${e.message} [${e.code}]\n` : `${String(e)}\n`);
    process.exit(2);
  });
}

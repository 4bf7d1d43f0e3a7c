/**
 * `tfe serve-keys add FILE --id ID [--per-minute ROWS]`: makes an API key for a caller of the
 * prediction service and stores only its SHA-256 in FILE (created 0600 if absent; see
 * api-key-file.ts). The token is printed once, on stdout, and kept nowhere: hand it to the
 * caller (`tfe predict --api-key-file`, env TFE_API_KEY, or `Authorization: Bearer`).
 * `tfe serve-keys list FILE` shows the ids and budgets (never a hash).
 */
import { Command } from 'commander';
import { TfeError } from '../../src/errors.js';
import { addApiKey, readApiKeyFile } from './api-key-file.js';

export interface KeysIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export function serveKeysCommand(io: KeysIo): Command {
  const cmd = new Command('serve-keys').description('API keys of the prediction service (stored hashed)');
  cmd.command('add')
    .description('make a key for a caller: prints the token once, stores its SHA-256 in FILE')
    .argument('<FILE>', 'the key file the leader reads with --api-keys (created if absent)')
    .requiredOption('--id <ID>', 'who the key is for (appears in the leader\'s logs and metrics; never the token)')
    .option('--per-minute <ROWS>', 'the key\'s own budget: input rows per minute (default: the leader\'s --per-minute)')
    .action((file: string, o: { id: string; perMinute?: string }) => {
      const perMinute = o.perMinute === undefined ? undefined : Number(o.perMinute);
      if (perMinute !== undefined && !Number.isSafeInteger(perMinute)) throw new TfeError('E_ARG', `--per-minute must be a whole number, got '${o.perMinute}'`);
      const k = addApiKey(file, o.id, { perMinute });
      io.out(`${k.token}\n`);
      io.err(`added key '${k.entry.id}' (${k.entry.perMinute === undefined ? 'the leader\'s --per-minute budget' : `${k.entry.perMinute} rows/minute`}) to ${k.file}${k.created ? ' (created)' : ''}; the token above is shown once and stored nowhere\n`);
    });
  cmd.command('list')
    .description('the key ids and budgets in FILE')
    .argument('<FILE>', 'a key file')
    .action((file: string) => {
      for (const k of readApiKeyFile(file).keys) io.out(`${k.id}\t${k.perMinute === undefined ? 'default budget' : `${k.perMinute} rows/minute`}\n`);
    });
  return cmd;
}

/** Command-line option parsers and options shared by the runtime's commands (`tfe run`, `eval`, `party`). */
import { Option } from 'commander';
import { TfeError } from '../src/errors.js';

/** A positive integer option, or E_ARG naming the option. */
export function positiveInt(option: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < 1) throw new TfeError('E_ARG', `${option} ${v}: expected a positive integer`);
    return n;
  };
}

/** `--chunk N`: examples per session (runtime/party/chunks.ts); a larger batch runs as consecutive sessions. */
export function chunkOption(): Option {
  return new Option('--chunk <N>', 'examples per private session: a larger batch runs as several sessions (default: from the plan\'s declared bytes per example, at most 1024)').argParser(positiveInt('--chunk'));
}

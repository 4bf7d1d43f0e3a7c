#!/usr/bin/env node
/**
 * The `tfe-compile` executable: `tfe-compile MODEL [options]` is `tfe compile MODEL
 * [options]` (same options, same output, same exit codes: see src/cli.ts).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { main } from './cli.js';

type CliIo = NonNullable<Parameters<typeof main>[1]>;

/** Runs `tfe compile` with `argv` (without node and the script); returns the exit code. */
export async function compileMain(argv: readonly string[], io?: CliIo): Promise<number> {
  return io ? main(['compile', ...argv], io) : main(['compile', ...argv]);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await compileMain(process.argv.slice(2));
}

#!/usr/bin/env node
/**
 * The `tfe-compile` executable: `tfe-compile MODEL [options]` is `tfe compile MODEL
 * [options]` (same options, same output, same exit codes: see src/cli.ts).
 */
import { exitQuietlyOnClosedPipe, isEntryPoint, main } from './cli.js';

type CliIo = NonNullable<Parameters<typeof main>[1]>;

/** Runs `tfe compile` with `argv` (without node and the script); returns the exit code. */
export async function compileMain(argv: readonly string[], io?: CliIo): Promise<number> {
  return io ? main(['compile', ...argv], io) : main(['compile', ...argv]);
}

if (isEntryPoint(import.meta.url)) {
  exitQuietlyOnClosedPipe();
  process.exitCode = await compileMain(process.argv.slice(2));
}

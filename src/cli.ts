#!/usr/bin/env node
/**
 * The `tfe` executable: the top-level glue that wires the subcommands (from
 * `compiler/` and, later, `runtime/`) into one commander program. `main(argv, io)`
 * runs in-process and returns the exit code: 0 on success, 2 for errors the user can
 * act on (unsupported op, bad argument, bad or unreadable model file, shape error),
 * 1 for internal errors. Errors print `error: <message> [CODE]` and `hint: ...`, never
 * a stack trace unless TFE_DEBUG=1.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../compiler/cli.js';
import type { ReferenceRunner } from '../runtime/eval/reference.js';
import { type ErrorCode, TfeError } from './errors.js';

/** Error codes that mean "the input or the request is wrong", exit code 2. */
const USER_ERRORS: ReadonlySet<ErrorCode> = new Set(['E_UNSUPPORTED', 'E_ARG', 'E_FORMAT', 'E_IO', 'E_SHAPE', 'E_RANGE', 'E_PLAN', 'E_POLICY', 'E_TRANSPORT', 'E_BACKEND', 'E_TRUST', 'E_PLAINTEXT', 'E_AUTH', 'E_RATE', 'E_HTTP', 'E_OVERLOAD', 'E_TIMEOUT', 'E_CIPHERTEXT']);

const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

function debug(): boolean {
  return process.env.TFE_DEBUG === '1';
}

/**
 * The plaintext reference (TensorFlow.js and the compiler's frontends), loaded on first
 * use only: importing it takes about a second, which every `tfe party` process and
 * every command without --check would otherwise pay at start.
 */
function lazyReference(): ReferenceRunner {
  let loaded: Promise<ReferenceRunner> | undefined;
  return async (plan, model, inputs) => {
    loaded ??= import('./reference.js').then((m) => m.tfjsReference());
    return (await loaded)(plan, model, inputs);
  };
}

type CommandLoader = (io: CliIo, reference: ReferenceRunner) => Promise<Command>;

/**
 * Each subcommand's module, imported only when needed: the compiler's frontends
 * (protobufjs, h5wasm, TensorFlow.js) take about a second to import and the
 * certificate library a third of one, which every `tfe party` process of a deployment
 * would otherwise pay at start. `tfe NAME ...` loads NAME's module alone; anything else
 * (`tfe --help`, `tfe help`, a mistyped name) loads them all, so help and "did you
 * mean" suggestions list every command.
 */
const COMMANDS: Readonly<Record<string, CommandLoader>> = {
  compile: async (io) => (await import('../compiler/cli.js')).compileCommand(io),
  run: async (io, reference) => (await import('../runtime/cli.js')).runCommand(io, { reference }),
  eval: async (io, reference) => (await import('../runtime/cli.js')).evalCommand(io, { reference }),
  deploy: async (io) => (await import('../runtime/deploy/cli.js')).deployCommand(io),
  party: async (io) => (await import('../runtime/deploy/party-cli.js')).partyCommand(io),
  up: async (io) => (await import('../runtime/deploy/party-cli.js')).upCommand(io),
  serve: async (io) => (await import('../runtime/serve/serve-cli.js')).serveCommand(io),
  'serve-keys': async (io) => (await import('../runtime/serve/serve-keys-cli.js')).serveKeysCommand(io),
  predict: async (io) => (await import('../runtime/serve/predict-cli.js')).predictCommand(io),
};

/** Builds the program (fresh for every call, so in-process runs do not share state). */
async function program(io: CliIo, argv: readonly string[]): Promise<Command> {
  const p = new Command('tfe')
    .description('private prediction for TensorFlow and Keras models')
    .version('0.1.0')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const reference = lazyReference();
  const only = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? [argv[0]] : Object.keys(COMMANDS);
  for (const name of only) {
    const c = await COMMANDS[name](io, reference);
    p.addCommand(c.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride());
  }
  return p;
}

/** Runs `tfe` with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    await (await program(io, argv)).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" to commander; it has printed them already.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof TfeError) {
      io.err(`error: ${e.message} [${e.code}]\n`);
      if (e.hint) io.err(`hint: ${e.hint}\n`);
      if (debug() && e.stack) io.err(`${e.stack}\n`);
      return USER_ERRORS.has(e.code) ? 2 : 1;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.err(`error: internal error: ${err.message}\n`);
    io.err(debug() && err.stack ? `${err.stack}\n` : 'hint: this is a bug in tfe; run with TFE_DEBUG=1 for the stack trace and report it\n');
    return 1;
  }
}

/** True when the module at `moduleUrl` is the script node was started with (not imported by a test). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** A reader that stops early (`tfe ... | head`) closes the pipe: exit quietly, not with a stack. */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

if (isEntryPoint(import.meta.url)) {
  exitQuietlyOnClosedPipe();
  process.exitCode = await main(process.argv.slice(2));
}

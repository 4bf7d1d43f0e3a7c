/**
 * Roles as child processes of this one (`tfe up`, the deployed benchmark): each is
 * `tfe party ROLE ...` run by this package's CLI. Long-lived roles watch their stdin
 * pipe (TFE_EXIT_WITH_PARENT) so they stop with this process; `stopChildren` ends the
 * ones still running (SIGTERM, then SIGKILL after a grace period) and leaves none
 * behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { isErrorCode, TfeError } from '../../src/errors.js';
import { packageRoot } from '../package-root.js';

export interface PartyChild {
  readonly role: string;
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  /** The exit code (1 for a signal). */
  readonly exited: Promise<number>;
}

/** The CLI script to start children with (this package's dist/src/cli.js). */
function cliScript(): string {
  const root = packageRoot();
  if (root === undefined) throw new TfeError('E_IO', 'cannot find the tfe package root to start the parties');
  return join(root, 'dist', 'src', 'cli.js');
}

/** Node flags for children: with TFE_CPU_PROF=DIR each writes a V8 CPU profile there when it exits (profiling a deployment). */
export function childNodeFlags(): string[] {
  const dir = process.env.TFE_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Output kept per child: its last KEEP_CHARS characters once it passes twice that (amortised). */
const KEEP_CHARS = 128 * 1024;
function bounded(text: string): string {
  return text.length > 2 * KEEP_CHARS ? text.slice(-KEEP_CHARS) : text;
}

export function spawnParty(role: string, args: readonly string[], longLived: boolean): PartyChild {
  const proc = spawn(process.execPath, [...childNodeFlags(), cliScript(), 'party', role, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...(longLived ? { TFE_EXIT_WITH_PARENT: '1' } : {}) },
  });
  const c: PartyChild = {
    role, proc, stdout: '', stderr: '',
    exited: new Promise((res) => proc.on('exit', (code, sig) => res(code ?? (sig ? 1 : 0)))),
  };
  // a long-lived role (the HTTP leader logs a line per request) keeps only its last output
  proc.stdout?.on('data', (d: Buffer) => (c.stdout = bounded(c.stdout + d.toString())));
  proc.stderr?.on('data', (d: Buffer) => (c.stderr = bounded(c.stderr + d.toString())));
  return c;
}

/** The error lines a failed child printed (or its last lines). */
export function lastError(c: PartyChild): string {
  const lines = c.stderr.split('\n').filter((l) => l.startsWith('error:') || l.startsWith('hint:'));
  return lines.length ? lines.join('\n') : c.stderr.trim().split('\n').slice(-3).join('\n');
}

/**
 * The error a failed child reported, as ONE error with the child's own code, message
 * (prefixed by its role) and hint: the CLI printed `error: MESSAGE [CODE]` and
 * `hint: ...` on its stderr. A child that died without a TfeError (a signal, a crash)
 * is an E_TRANSPORT naming the role and its exit.
 */
export function childError(c: PartyChild, role: string, code: number): TfeError {
  const lines = c.stderr.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^error: (.*) \[([A-Z_]+)\]$/.exec(lines[i]);
    if (m && isErrorCode(m[2])) {
      const hint = lines[i + 1]?.startsWith('hint: ') ? lines[i + 1].slice(6) : undefined;
      return new TfeError(m[2], `${role}: ${m[1]}`, hint);
    }
  }
  return new TfeError('E_TRANSPORT', `${role} exited with code ${code}: ${lastError(c) || '(no output)'}`);
}

function running(c: PartyChild): boolean {
  return c.proc.exitCode === null && c.proc.signalCode === null;
}

/** Stops every child still running: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChildren(children: readonly PartyChild[], graceMs = 5000): Promise<void> {
  for (const c of children) if (running(c)) c.proc.kill('SIGTERM');
  await Promise.all(children.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, graceMs).unref())])));
  for (const c of children) if (running(c)) c.proc.kill('SIGKILL');
}

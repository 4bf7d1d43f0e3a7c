/**
 * A role of a deployment as a child process running test/api/role-process.ts (a role
 * through the API's startParty / runParty), with its output collected, and a wait for a
 * server role to say it listens.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const SCRIPT = join(REPO_ROOT, 'dist', 'test', 'api', 'role-process.js');

export interface Proc {
  readonly proc: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<number>;
}

/** role-process.js with `--role ARGS...`. */
export function role(args: string[]): Proc {
  const proc = spawn(process.execPath, [SCRIPT, '--role', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const p: Proc = { proc, out: '', err: '', exited: new Promise((r) => proc.on('exit', (code) => r(code ?? 1))) };
  proc.stdout?.on('data', (d: Buffer) => (p.out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}

/** Resolves once server role `p` printed that it listens (30 s at most); fails if it exits first. */
export async function listening(p: Proc): Promise<void> {
  for (let i = 0; i < 600 && !p.out.includes('listening'); i++) {
    if (p.proc.exitCode !== null) throw new Error(`a server exited: ${p.err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(p.out.includes('listening'), `server listening: ${p.err}`);
}

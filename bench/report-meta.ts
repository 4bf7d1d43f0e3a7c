/**
 * What the report header says about where and when it was made: the CPU model and core
 * count (os.cpus(), which reads the same /proc/cpuinfo model name as lscpu), Node's
 * version, the date, and the git commit of the working tree (with `-dirty` when it has
 * uncommitted changes), so that a figure can be traced to the code that produced it.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { REPO_ROOT } from '../models/index.js';

export interface ReportMeta {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly date: string;
  readonly commit: string;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The commit of the repository (short hash, `-dirty` if the tree has changes), or 'unknown' outside git. */
export function gitCommit(): string {
  const head = git(['rev-parse', '--short=12', 'HEAD']);
  if (!head) return 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return dirty ? `${head}-dirty` : head;
}

/** This machine and checkout, now. */
export function currentMeta(now: Date = new Date()): ReportMeta {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() || 'unknown CPU',
    cores: list.length,
    memoryGb: totalmem() / 2 ** 30,
    node: process.version,
    date: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    commit: gitCommit(),
  };
}

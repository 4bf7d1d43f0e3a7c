/** Paths the tests share: the repository root and the read-only shared models. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor of this file whose package.json is named "tfe". */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tfe') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('test/support/paths: cannot find the tfe package root');
    dir = up;
  }
}

export const REPO_ROOT = findRoot();
/** `../shared/models` beside the repository (present on developer machines and in CI). */
export const SHARED_MODELS = resolve(REPO_ROOT, '..', 'shared', 'models');
export const MNIST_TESTSET = join(SHARED_MODELS, 'mnist_testset');

export function sharedModel(...parts: string[]): string {
  return join(SHARED_MODELS, ...parts);
}

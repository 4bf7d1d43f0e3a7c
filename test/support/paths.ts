/** Paths the tests share: the repository root and the read-only shared models. */
import { join, resolve } from 'node:path';
import { packageRoot } from '../../runtime/package-root.js';

/** The repository root (the package root; see runtime/package-root.ts). */
export const REPO_ROOT = ((): string => {
  const root = packageRoot();
  if (root === undefined) throw new Error('test/support/paths: cannot find the tfe package root');
  return root;
})();
/** `../shared/models` beside the repository (present on developer machines and in CI). */
export const SHARED_MODELS = resolve(REPO_ROOT, '..', 'shared', 'models');
export const MNIST_TESTSET = join(SHARED_MODELS, 'mnist_testset');

export function sharedModel(...parts: string[]): string {
  return join(SHARED_MODELS, ...parts);
}

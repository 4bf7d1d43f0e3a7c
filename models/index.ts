/**
 * Where the model zoo lives: `models/zoo/<net>/` holds the committed benchmark networks
 * A–D (TF.js layers models, see models/README.md). The repository root is found by
 * walking up from this file to the package.json named "tfe", so the paths are the same
 * whether this runs from `models/` (tsx) or `dist/models/` (compiled).
 */
import { join } from 'node:path';
import { packageRoot } from '../runtime/package-root.js';

/** The benchmark networks of DESIGN.md ("Benchmark networks"). */
export const NETS = ['A', 'B', 'C', 'D'] as const;
export type NetName = (typeof NETS)[number];

export function isNetName(s: string): s is NetName {
  return (NETS as readonly string[]).includes(s);
}

/** The repository root (the directory of the package.json named "tfe"). */
export const REPO_ROOT = ((): string => {
  const root = packageRoot();
  if (root === undefined) throw new Error('models: cannot find the tfe package root');
  return root;
})();

/** `models/zoo` in the repository: one directory per network. */
export const ZOO_DIR = join(REPO_ROOT, 'models', 'zoo');

/** The directory of network `net` in the zoo. */
export function zooDir(net: NetName): string {
  return join(ZOO_DIR, net);
}

/** `models/zoo/<net>/model.json`: the TF.js layers model of network `net`. */
export function zooModelPath(net: NetName): string {
  return join(zooDir(net), 'model.json');
}

/** `models/zoo/<net>/sample.json`: one held-out MNIST input ([1,28,28,1]) and its label. */
export function zooSamplePath(net: NetName): string {
  return join(zooDir(net), 'sample.json');
}

/** `models/zoo/<net>/INFO.json`: parameter count, training setup, held-out accuracy. */
export function zooInfoPath(net: NetName): string {
  return join(zooDir(net), 'INFO.json');
}

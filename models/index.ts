/**
 * Where the model zoo lives: `models/zoo/<net>/` holds the committed benchmark networks
 * A–D (TF.js layers models, see models/README.md). The repository root is found by
 * walking up from this file to the package.json named "tfe", so the paths are the same
 * whether this runs from `models/` (tsx) or `dist/models/` (compiled).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The benchmark networks of DESIGN.md ("Benchmark networks"). */
export const NETS = ['A', 'B', 'C', 'D'] as const;
export type NetName = (typeof NETS)[number];

export function isNetName(s: string): s is NetName {
  return (NETS as readonly string[]).includes(s);
}

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tfe') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('models: cannot find the tfe package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The repository root (the directory of the package.json named "tfe"). */
export const REPO_ROOT = findRoot();

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

/**
 * The package root: the nearest ancestor of this file whose package.json is named
 * "tfe". The same code runs from the sources (tsx) and from dist/ (tsc output), so
 * files that are not compiled (the native addon, the wasm module, the model zoo,
 * test goldens) are located from here rather than from the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null | undefined;

/** The package root, or undefined when this file is not inside the tfe package. */
export function packageRoot(): string | undefined {
  if (cached !== undefined) return cached ?? undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'tfe') {
          cached = dir;
          return dir;
        }
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) {
      cached = null;
      return undefined;
    }
    dir = up;
  }
}

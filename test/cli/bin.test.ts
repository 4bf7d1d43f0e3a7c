/**
 * The package's executables can be run as `npx tfe` / `npx tfe-compile` from a fresh
 * clone: the build marks the files package.json's `bin` names as executable (tsc does
 * not, and npm links only dependencies' bins, not the package's own).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/paths.js';

test('every bin of package.json is built executable, with a node shebang', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const [name, file] of Object.entries(pkg.bin)) {
    const path = join(REPO_ROOT, file);
    assert.ok((statSync(path).mode & 0o111) !== 0, `${name}: ${file} is not executable`);
    assert.match(readFileSync(path, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node/, `${name}: ${file} has no shebang`);
  }
});

/**
 * Architecture rules no linter here checks: no import cycles between the project's
 * modules; `compiler/` and `runtime/` never import each other; `src/` (the shared
 * contract) imports neither, except the top-level glue (`src/cli.ts`,
 * `src/cli-compile.ts`, `src/index.ts`, `src/reference.ts`). Reads the TypeScript sources from the repository.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/paths.js';

const TOP = ['src', 'compiler', 'runtime', 'models', 'test', 'bench'];
const GLUE = new Set(['src/cli.ts', 'src/cli-compile.ts', 'src/index.ts', 'src/reference.ts']);

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === 'node_modules' || e === 'assembly' || e === 'build') continue;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  const files = TOP.flatMap((t) => sources(join(REPO_ROOT, t)));
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/g;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(re)) {
      // type-only imports do not create runtime cycles but still count for layering
      const target = resolve(dirname(f), m[1].replace(/\.js$/, '.ts'));
      deps.push(relative(REPO_ROOT, target));
    }
    g.set(relative(REPO_ROOT, f), deps);
  }
  return g;
}

test('compiler/ and runtime/ never import each other; src/ imports neither (except the glue)', () => {
  const bad: string[] = [];
  for (const [f, deps] of graph()) {
    for (const d of deps) {
      if (f.startsWith('compiler/') && d.startsWith('runtime/')) bad.push(`${f} -> ${d}`);
      if (f.startsWith('runtime/') && d.startsWith('compiler/')) bad.push(`${f} -> ${d}`);
      if (f.startsWith('src/') && !GLUE.has(f) && (d.startsWith('compiler/') || d.startsWith('runtime/'))) bad.push(`${f} -> ${d}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no import cycles', () => {
  const g = graph();
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    const s = state.get(f);
    if (s === 'done') return;
    if (s === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const d of g.get(f) ?? []) if (g.has(d)) visit(d, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of g.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});

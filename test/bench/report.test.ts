/**
 * The bench report (`npm run bench -- report`): from a real short inference run (net A,
 * batch 1, one prediction, no warm-up) into a temporary directory, the markdown has one
 * row per (net, batch), the SVG chart is well-formed XML naming our series and the quoted
 * reference, the raw rows round-trip through `--from`, and the quoted MP-SPDZ figures
 * still match the README.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../../models/index.js';
import { benchReport, type ReportOutput } from '../../bench/report.js';
import { REFERENCE_LABEL } from '../../bench/report-chart.js';
import { REFERENCE_FIGURES, REFERENCE_SYSTEM } from '../../bench/report-reference.js';
import { parseRowsJsonl } from '../../bench/report-rows.js';
import { xmlProblem } from './xml-check.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tfe-report-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The body rows of the "Measured by tfe" table, as cells. */
function measuredTable(md: string): string[][] {
  const section = md.split('## Measured by tfe')[1]?.split('\n## ')[0] ?? '';
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
}

let measured: ReportOutput;
before(async () => {
  measured = await benchReport({ nets: 'A', batches: '1', runs: 1, warmMs: 0, out: tempDir(), log: () => undefined });
});

test('report from a real run: one markdown row per (net, batch), header names machine and commit', () => {
  const md = readFileSync(join(measured.dir, 'report.md'), 'utf8');
  const rows = measuredTable(md);
  assert.equal(rows.length, 1);
  const [net, batch, deploy] = rows[0];
  assert.deepEqual([net, batch, deploy], ['A', '1', 'memory']);
  assert.match(rows[0][5], /^[0-9.]+ (µs|ms|s)$/, 'online time printed with a unit');
  assert.equal(rows[0].at(-1), '19 ms', 'the quoted MP-SPDZ figure sits beside our net A batch 1');
  assert.match(md, /\*\*Machine:\*\* .+, \d+ cores/);
  assert.match(md, /\*\*Commit:\*\* ([0-9a-f]{7,}(-dirty)?|unknown)/);
  assert.match(md, /## Reference figures \(quoted, not measured here\)/);
  assert.match(md, /!\[[^\]]+\]\(latency\.svg\)/);
});

test('report from a real run: the SVG is well-formed and names our series and the quoted reference', () => {
  const svg = readFileSync(join(measured.dir, 'latency.svg'), 'utf8');
  assert.match(svg, /^<svg[\s>]/);
  assert.equal(xmlProblem(svg), undefined);
  for (const name of ['net A', 'tfe (measured)', REFERENCE_LABEL]) assert.ok(svg.includes(`>${name}<`), `legend label '${name}'`);
  assert.ok(svg.includes('quoted from the README, not measured by tfe'), 'the subtitle says the reference is quoted');
});

test('report --from: the saved rows give the same table', async () => {
  const jsonl = readFileSync(join(measured.dir, 'rows.jsonl'), 'utf8');
  const { raw, rows } = parseRowsJsonl(jsonl, 'rows.jsonl');
  assert.equal(raw.length, 1);
  assert.equal(rows[0].net, 'A');
  const again = await benchReport({ from: join(measured.dir, 'rows.jsonl'), out: tempDir() });
  const table = (dir: string): string[][] => measuredTable(readFileSync(join(dir, 'report.md'), 'utf8'));
  assert.deepEqual(table(again.dir), table(measured.dir));
  assert.equal(readFileSync(join(again.dir, 'rows.jsonl'), 'utf8'), jsonl);
  assert.match(readFileSync(join(again.dir, 'report.md'), 'utf8'), /read from `.*rows\.jsonl`/);
});

test('report --from: a broken line is named', () => {
  assert.throws(() => parseRowsJsonl('{"bench":"inference"}\n', 'x.jsonl'), /x\.jsonl:1: not an inference benchmark row/);
  assert.throws(() => parseRowsJsonl('\n{oops\n', 'y.jsonl'), /y\.jsonl:2: not JSON/);
  assert.equal(parseRowsJsonl('{"bench":"ring.matmul","ms":1}\n', 'z.jsonl').rows.length, 0, 'other benchmarks are skipped');
});

test('the quoted MP-SPDZ figures match the README table', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
  const at = readme.findIndex((l) => l.startsWith('| net, batch |') && l.includes(REFERENCE_SYSTEM));
  assert.ok(at >= 0, `the README has a table with a '${REFERENCE_SYSTEM}' column`);
  const header = readme[at];
  const col = header.split('|').map((c) => c.trim()).indexOf(REFERENCE_SYSTEM);
  // the rows of that table (other tables, e.g. securenn's, have rows of the same nets)
  const end = readme.findIndex((l, i) => i > at && !l.startsWith('|'));
  const table = readme.slice(at, end < 0 ? undefined : end);
  for (const f of REFERENCE_FIGURES) {
    const row = table.find((l) => l.startsWith(`| ${f.net}, ${f.batch} |`));
    assert.ok(row, `README row for net ${f.net} batch ${f.batch}`);
    assert.equal(row.split('|').map((c) => c.trim())[col], f.quoted);
    const m = /^([0-9.]+) (ms|s)$/.exec(f.quoted);
    assert.ok(m && Math.abs(Number(m[1]) * (m[2] === 's' ? 1000 : 1) - f.ms) < 1e-9, `${f.quoted} = ${f.ms} ms`);
  }
});

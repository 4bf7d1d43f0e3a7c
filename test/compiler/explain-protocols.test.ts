/**
 * `tfe compile MODEL --explain --protocol pond,securenn` (compiler/compile-cli.ts,
 * compiler/explain-compare.ts): a comma list of protocols without --explain (or with -o)
 * is E_ARG with a hint, an unknown name in it is E_ARG naming the available ones; with
 * --explain the per-layer table has a column group per protocol whose cells are the
 * plans' declared step costs summed per layer (recomputed here from plans compiled for
 * each protocol), securenn's dealer column is 0 and its server2 column equals Pond's
 * dealer column on every layer (the helper sends what Pond's dealer sends). The
 * single-protocol table of securenn shows server2's bytes and says what they are. The
 * README's excerpt of net A's side-by-side table is the command's output, line for line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { kb } from '../../compiler/explain-format.js';
import { zooModelPath } from '../../models/index.js';
import { main } from '../../src/cli.js';
import type { Plan, PlanCost } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { addCosts } from '../../src/protocols/spec.js';
import { REPO_ROOT } from '../support/paths.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

/** Each plan step's declared cost summed per model node. */
function layerCosts(plan: Plan): Map<string, PlanCost> {
  const steps = new Map<string, PlanCost[]>();
  for (const s of plan.steps) steps.set(s.source, [...(steps.get(s.source) ?? []), s.cost]);
  return new Map([...steps].map(([k, v]) => [k, addCosts(v)]));
}

/**
 * The table's rows (the lines with column groups) as cells, cut at the columns' offsets
 * in the second header row (the table is left-aligned, so a column starts at the same
 * offset on every line; empty cells stay empty).
 */
function tableRows(out: string): string[][] {
  const lines = out.split('\n').filter((l) => l.includes(' |  '));
  const names = lines[1].trim().split(/ {2,}/);
  const starts: number[] = [];
  let at = 0;
  for (const n of names) {
    at = lines[1].indexOf(n, at);
    starts.push(at);
    at += n.length;
  }
  return lines.map((l) => starts.map((st, i) => l.slice(st, starts[i + 1] ?? l.length).trim()));
}

/** Column name -> cell, per protocol group of a data row, by the second header row. */
function groupsOf(header: readonly string[], row: readonly string[]): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  header.forEach((h, i) => {
    if (h === '|') groups.push(new Map());
    else if (groups.length) groups[groups.length - 1].set(h, row[i]);
  });
  return groups;
}

const MODEL = zooModelPath('A');

describe('tfe compile --explain --protocol pond,securenn', () => {
  test('a list of protocols without --explain is E_ARG with a hint (exit 2, no stack)', async () => {
    const r = await tfe('compile', MODEL, '--protocol', 'pond,securenn', '--input-range', '0:1');
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: --protocol pond,securenn: a list of protocols is accepted only with --explain .* \[E_ARG\]$/m);
    assert.match(r.err, /^hint: add --explain, or give one protocol/m);
    assert.doesNotMatch(r.err, /^\s+at /m);
    assert.equal(r.out, '');
  });

  test('a list with -o DIR, or with an unknown protocol, is E_ARG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfe-explain-'));
    try {
      const o = await tfe('compile', MODEL, '--explain', '--protocol', 'pond,securenn', '-o', dir);
      assert.equal(o.code, 2);
      assert.match(o.err, /--protocol pond,securenn with -o .*: a plan is compiled for one protocol \[E_ARG\]/);
      const u = await tfe('compile', MODEL, '--explain', '--protocol', 'pond,spdz');
      assert.equal(u.code, 2);
      assert.match(u.err, /--protocol pond,spdz: unknown protocol 'spdz' \[E_ARG\]\nhint: available: pond, securenn/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const net of ['A', 'B'] as const) {
    test(`net ${net}: both protocols side by side; securenn's dealer column is 0 and its server2 column is pond's dealer column on every layer`, async () => {
      const model = zooModelPath(net);
      const r = await tfe('compile', model, '--explain', '--protocol', 'pond,securenn', '--input-range', '0:1');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /nothing written/);
      const plans = await Promise.all(['pond', 'securenn'].map(async (protocol) => (await compile(model, { inputRange: [0, 1], protocol })).plan));
      const costs = plans.map(layerCosts);
      const [head1, head2, ...body] = tableRows(r.out);
      assert.deepEqual(head1.filter((c) => c !== '|' && c !== ''), ['pond', 'securenn']);
      // each group: rounds, then one column per compute role of its protocol, then dealer
      const named = groupsOf(head2, head2);
      assert.deepEqual(named.map((g) => [...g.keys()]), plans.map((p) => ['rounds', ...protocolSpec(p.protocol).computeRoles, 'dealer']));
      const rows = new Map(body.map((row) => [row[0], groupsOf(head2, row)]));
      assert.deepEqual([...rows.keys()].filter((k) => !costs[0].has(k)), ['per prediction', 'setup (once)']);
      for (const [layer, pondCost] of costs[0]) {
        const snCost = costs[1].get(layer);
        assert.ok(snCost, `securenn has layer ${layer}`);
        // the plans themselves: the helper's bytes are pond's dealer bytes, no dealer bytes
        assert.equal(snCost.dealerBytes, 0, `${layer}: securenn dealer bytes`);
        assert.equal(snCost.bytes.server2 ?? 0, pondCost.dealerBytes, `${layer}: securenn server2 bytes = pond dealer bytes`);
        const row = rows.get(layer);
        assert.ok(row, `row for layer ${layer}`);
        const [pond, sn] = row;
        for (const [g, c] of [[pond, pondCost], [sn, snCost]] as const) {
          assert.equal(g.get('rounds'), String(c.rounds), `${layer}: rounds`);
          for (const [col, cell] of g) if (col !== 'rounds') assert.equal(cell, kb(col === 'dealer' ? c.dealerBytes : c.bytes[col] ?? 0), `${layer}: ${col}`);
        }
        assert.equal(sn.get('dealer'), '0 B', `${layer}: securenn dealer column`);
        assert.equal(sn.get('server2'), pond.get('dealer'), `${layer}: securenn server2 column = pond dealer column`);
      }
      const total = rows.get('per prediction');
      assert.ok(total);
      assert.equal(total[1].get('server2'), kb(plans[0].cost.perPrediction.dealerBytes));
      assert.match(r.out, /server2 is securenn's helper: it holds no shares, and its bytes are the correlated randomness it makes for server0 and server1/);
    });
  }

  test("the README's side-by-side excerpt (net A) is what the command prints", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf('**Comparing protocols.**');
    assert.ok(at >= 0, 'README has the "Comparing protocols" paragraph');
    const block = /```\n([\s\S]*?)\n```/.exec(readme.slice(at));
    assert.ok(block, 'the paragraph has a code block');
    const r = await tfe('compile', MODEL, '--input-range', '0:1', '--explain', '--protocol', 'pond,securenn');
    assert.equal(r.code, 0, r.err);
    const printed = new Set(r.out.split('\n'));
    for (const line of block[1].split('\n')) assert.ok(printed.has(line), `README line is printed: ${line}`);
  });

  test('securenn alone: the table has a server2 column next to server0, server1 and dealer, and the legend says what it is', async () => {
    const r = await tfe('compile', MODEL, '--explain', '--protocol', 'securenn', '--input-range', '0:1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^layer +kernels +shape +scale +\|x\| bound +rounds +server0 +server1 +server2 +dealer +approximation$/m);
    const plan = (await compile(MODEL, { inputRange: [0, 1], protocol: 'securenn' })).plan;
    const relu = layerCosts(plan).get('dense1/Relu');
    assert.ok(relu);
    assert.match(r.out, new RegExp(`^dense1/Relu +relu_s\\+trunc_s .* ${relu.rounds} +${kb(relu.bytes.server0 ?? 0)} +${kb(relu.bytes.server1 ?? 0)} +${kb(relu.bytes.server2 ?? 0)} +0 B`, 'm'));
    assert.match(r.out, /^bytes per layer: securenn: server0, server1, server2: bytes each server sends; server2 is securenn's helper/m);
  });
});

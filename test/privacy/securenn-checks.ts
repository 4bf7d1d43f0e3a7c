/**
 * The checks of securenn's party views that go beyond per-bit statistics (used by
 * securenn.test.ts and securenn-fss.test.ts): the structure of who receives what, and
 * the share-holders' own material compared with each other's views (shares.ts).
 */
import type { Plan } from '../../src/plan/index.js';
import type { Config, Runtime } from './harness.js';
import { crossViewWords, jointViews, recordDraws, reusedWords, withDraws } from './shares.js';
import { compareViews, type BitCounts } from './stats.js';
import { TrafficLog } from './traffic.js';
import { ViewRecorder } from './views.js';

/** The control messages the helper may receive: requests for bundles and their use, nothing about values. */
const HELPER_CONTROL = new Set(['make', 'consume']);

/** What one deployment's traffic breaks of securenn's structural rules, one line each. */
export function structuralFindings(plan: Plan, log: TrafficLog, rec: ViewRecorder): string[] {
  const reveals = new Set(plan.steps.flatMap((s, i) => (s.kernel === 'reveal' ? [i] : [])));
  const fss = plan.steps.some((s) => s.attrs.compare === 'fss');
  const out: string[] = [];
  for (const d of log.received) {
    const what = `${d.to} received ${d.kind}${d.control ? ` '${d.control}'` : ''} from ${d.from} at step ${d.step}`;
    if (d.to === 'server2' && d.kind !== 'control' && d.kind !== 'hello') out.push(what);
    else if (d.to === 'server2' && d.kind === 'control' && !HELPER_CONTROL.has(d.control ?? '')) out.push(what);
    else if ((d.to === 'model-owner' || d.to === 'client') && d.kind === 'material') out.push(what);
    else if (d.to === 'model-owner' && d.kind === 'data') out.push(what);
    else if (d.to === 'client' && d.kind === 'data' && !(reveals.has(d.step) && (d.from === 'server0' || d.from === 'server1'))) out.push(what);
    else if (d.to === 'server0' && d.kind === 'material' && !fss) out.push(`${what} (server0 draws all its shares from its seed; the plan has no FSS key)`);
  }
  for (const m of rec.sent) {
    if ((m.from === 'server0' || m.from === 'server1') && m.to === 'server2') out.push(`${m.from} sent ${m.kind} to server2 at step ${m.step}`);
  }
  // what server0 receives from the helper (FSS key correction words) is public to both: server1 receives the same words
  const toServer1 = rec.received.filter((m) => m.to === 'server1' && m.kind === 'material');
  for (const m of rec.received) {
    if (m.to !== 'server0' || m.kind !== 'material') continue;
    const same = toServer1.some((o) => o.session === m.session && o.step === m.step && o.words.length === m.words.length && o.words.every((w, i) => w === m.words[i]));
    if (!same) out.push(`server0 received material #${m.seq} from ${m.from} at step ${m.step} that server1 did not receive (only words public to both may reach server0)`);
  }
  return out;
}

export interface Inspection {
  /** structuralFindings of every deployment. */
  readonly structural: string[];
  /** Words of each share-holder's material shares found in the other's view (shares.ts crossViewWords). */
  readonly cross: { server0: number; server1: number };
  /** Words of the share-holders' draws drawn twice, within or across the deployments. */
  readonly reused: number;
  /** Draws recorded. */
  readonly draws: number;
  /** Bit tests of the joint views (shares.ts jointViews) for the two inputs, and those that failed. */
  readonly joint: { readonly tests: number; readonly failing: number };
}

/** Total false-alarm rate of the joint views' comparison (stats.ts). */
const ALPHA = 1e-6;

/**
 * `runs` fresh deployments of each input of `c` (same plan and weights), one prediction
 * each, with the share-holders' draws and all traffic recorded.
 */
export async function inspect(rt: Runtime, c: Omit<Config, 'input'>, inputs: readonly [Config['input'], Config['input']], runs: number): Promise<Inspection> {
  await recordDraws(rt.root);
  const earlier = new Set<bigint>();
  const structural: string[] = [];
  const cross = { server0: 0, server1: 0 };
  const joint: [Map<string, BitCounts>, Map<string, BitCounts>] = [new Map(), new Map()];
  let reused = 0;
  let count = 0;
  for (let i = 0; i < 2 * runs; i++) {
    const input = inputs[i % 2];
    const rec = new ViewRecorder();
    const log = new TrafficLog();
    const { draws } = await withDraws(async () => {
      const d = await rt.executor.PlanDeployment.start(c.plan, c.weights, { links: rec.links(log.links(rt.links.memoryLinkPair)) });
      try {
        await d.predict({ [c.plan.inputs[0].name]: input });
      } finally {
        d.close();
      }
    });
    structural.push(...structuralFindings(c.plan, log, rec));
    const x = crossViewWords(draws, rec.received);
    cross.server0 += x.server0;
    cross.server1 += x.server1;
    reused += reusedWords(draws, earlier);
    count += draws.length;
    jointViews(draws, rec.received, joint[i % 2]);
  }
  const r = compareViews(joint[0], joint[1], ALPHA);
  return { structural, cross, reused, draws: count, joint: { tests: joint[0].size === 0 ? 0 : r.tests, failing: r.findings.length } };
}

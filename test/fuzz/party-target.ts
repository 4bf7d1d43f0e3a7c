/**
 * Fuzz target (d, continued): a hostile input-role connection to a live local deployment
 * of zoo net A (server0, server1 and the dealer as the party objects `tfe party` runs,
 * over memory links). Each case connects a new `client#N` link to the leader (server0)
 * or to server1, sends a few frames (control messages shaped like the real ones with
 * valid or arbitrary fields: `open`, `join`, `session`, `seed`, `bundle`, `done`, ...;
 * data, material and abort frames for random sessions; arbitrary payloads), and
 * disconnects. The parties must survive it: no exception or promise rejection escapes
 * their handlers (a named refusal sent back, a session that fails, a link dropped are all
 * fine), every 20th case an honest client's prediction on the same deployment still
 * gives the reference output (the first prediction's, within 2^-10 per logit: two runs
 * differ only by the truncations' last-bit errors, far below that), and every 50th case,
 * once the hostile connection is gone and its sessions have timed out, no party holds a
 * frame (dealer material or data) for a session that will never run.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { compile } from '../../compiler/compile.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import type { FloatTensor, Prediction } from '../../runtime/party/prediction-io.js';
import { FRAME_KINDS, NO_STEP, type FrameKind } from '../../runtime/transport/frame.js';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import type { Router } from '../../runtime/transport/router.js';
import { FuzzFailure, type FuzzTarget } from './harness.js';

interface HostileFrame {
  readonly kind: FrameKind;
  readonly session: bigint;
  readonly step: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

export interface PartyCase {
  readonly to: 'server0' | 'server1';
  readonly frames: readonly HostileFrame[];
  /** Close the link at once, or leave it open until the next case (so sessions start). */
  readonly linger: boolean;
}

const enc = new TextEncoder();
const TYPES = ['open', 'accepted', 'refused', 'session', 'make', 'bundle', 'consume', 'join', 'done', 'ready', 'stats', 'seed', 'remask'] as const;
const id = fc.oneof(fc.constantFrom('0', '1', '7', '18446744073709551615'), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String));
const controlLike = fc.record({
  type: fc.constantFrom(...TYPES),
  request: fc.nat({ max: 10 }),
  purpose: fc.constantFrom('setup', 'predict'),
  batch: fc.constantFrom(1, 2, 1024, 1025),
  session: id,
  bundle: id,
  epoch: fc.nat({ max: 3 }),
  peer: fc.constantFrom('client', 'model-owner', 'server0', 'dealer', 'client#1'),
  seed: fc.constant('00112233445566778899aabbccddeeff'),
  masks: fc.boolean(),
  offlineMs: fc.nat(),
  bytes: fc.nat(),
  frames: fc.nat(),
  offlineBytes: fc.nat(),
  rssMb: fc.nat(),
  code: fc.constant('E_ARG'),
  message: fc.string(),
}, { requiredKeys: ['type'] });

const hostileFrame: fc.Arbitrary<HostileFrame> = fc.record({
  kind: fc.oneof({ arbitrary: fc.constant('control' as const), weight: 3 }, fc.constantFrom(...FRAME_KINDS)),
  session: fc.oneof(fc.constantFrom(0n, 1n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  step: fc.oneof(fc.constant(NO_STEP), fc.nat({ max: 40 })),
  seq: fc.nat({ max: 3 }),
  payload: fc.oneof(
    { arbitrary: controlLike.map((c) => enc.encode(JSON.stringify(c))), weight: 4 },
    fc.uint8Array({ maxLength: 64 }),
    fc.jsonValue({ maxDepth: 2 }).map((j) => enc.encode(JSON.stringify(j))),
  ),
});

export const partyCase: fc.Arbitrary<PartyCase> = fc.record({
  to: fc.constantFrom('server0' as const, 'server1' as const),
  frames: fc.array(hostileFrame, { minLength: 1, maxLength: 5 }),
  linger: fc.boolean(),
});

const TOLERANCE = 2 ** -10;
/** The deployment's receive timeout: hostile sessions end within it. */
const RECEIVE_TIMEOUT_MS = 300;

function logits(p: Prediction): Float64Array {
  return Object.values(p.outputs)[0].data;
}

export async function partyTarget(): Promise<FuzzTarget<PartyCase>> {
  const { plan, weights } = await compile(zooModelPath('A'), { inputRange: [0, 1] });
  const dep = await PlanDeployment.start(JSON.parse(JSON.stringify(plan)), weights, { receiveTimeoutMs: RECEIVE_TIMEOUT_MS, log: (l) => { if (process.env.TFE_FUZZ_PARTY_LOG) console.error(l); } });
  const sample = JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { input: number[][][][] };
  const input: FloatTensor = { shape: [1, 28, 28, 1], data: Float64Array.from(sample.input.flat(3)) };
  const predict = (): Promise<Prediction> => dep.predict({ [plan.inputs[0].name]: input });
  const reference = logits(await predict());
  const escaped: unknown[] = [];
  const onEscape = (e: unknown): void => {
    escaped.push(e);
  };
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  let n = 0;
  let lingering: { close(): void } | undefined;
  return {
    name: 'party',
    arbitrary: partyCase,
    label: (c) => `${c.to}${c.linger ? ' (linger)' : ''}`,
    async run(c) {
      lingering?.close();
      lingering = undefined;
      const router = dep.local.routers.get(c.to) as Router;
      const name = `client#fuzz${n++}`;
      const [mine, theirs] = memoryLinkPair(c.to, name);
      theirs.onFrame(() => undefined);
      router.addLink(mine, name);
      for (const f of c.frames) theirs.send({ ...f, clock: 0 });
      if (c.linger) lingering = theirs;
      else theirs.close();
      // let the parties handle the frames (and refuse, fail or time out what they start)
      await new Promise((r) => setTimeout(r, 2));
      if (escaped.length) throw new FuzzFailure(`an error escaped a party's handlers: ${String(escaped.splice(0)[0])}`);
      if (n % 50 === 0) {
        lingering?.close();
        lingering = undefined;
        await new Promise((r) => setTimeout(r, RECEIVE_TIMEOUT_MS + 100));
        const held = [...dep.local.routers].map(([role, r]) => [role, r.bufferedFrames] as const).filter(([, k]) => k > 0);
        if (held.length) throw new FuzzFailure(`frames of sessions that will never run are kept: ${held.map(([role, k]) => `${role} ${k}`).join(', ')}`);
      }
      if (n % 20 === 0) {
        const got = logits(await predict());
        const worst = Math.max(...got.map((v, i) => Math.abs(v - reference[i])));
        if (!(worst <= TOLERANCE)) throw new FuzzFailure(`after hostile frames, an honest prediction differs from the reference by ${worst}`);
      }
    },
    close() {
      lingering?.close();
      process.off('unhandledRejection', onEscape);
      process.off('uncaughtException', onEscape);
      dep.close();
    },
  };
}

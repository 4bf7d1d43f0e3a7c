/**
 * Deployed inference: the plan's servers and dealer as child processes (`tfe party`,
 * over TCP + mutual TLS on 127.0.0.1), the model owner as a child that shares the
 * weights and exits, and this process as the client, running predictions one after
 * another. Reports the online time (the client's, from the leader's acceptance to the
 * revealed outputs), the dealer's offline time for the same material, the frame
 * payload bytes each server sent (to compare with the declared bytes) and the frame
 * headers apart, and the largest peak RSS of any process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan, Weights } from '../src/plan/index.js';
import { declaredCost, maxFramePayload } from '../src/plan/index.js';
import { protocolSpec } from '../src/protocols/registry.js';
import { writePlanDir } from '../compiler/plan/write.js';
import { lastError, spawnParty, stopChildren, type PartyChild } from '../runtime/deploy/children.js';
import { readDeployment } from '../runtime/deploy/config.js';
import { initDeployment } from '../runtime/deploy/init.js';
import { startRole } from '../runtime/deploy/party.js';
import { tlsNetwork } from '../runtime/deploy/tls-network.js';
import { encodeInputs, type FloatTensor } from '../runtime/party/prediction-io.js';
import { defaultBackend } from '../runtime/ring/index.js';
import { FRAME_HEADER_BYTES } from '../runtime/transport/frame.js';
import { median } from './stats.js';

export interface DeployedRun {
  readonly online_ms: number;
  readonly offline_ms: number;
  readonly wall_ms: number;
  readonly rounds: number;
  readonly frame_bytes_per_server: number;
  readonly declared_bytes_per_server: number;
  readonly frame_header_bytes_per_server: number;
  readonly dealer_bytes: number;
  /** Bytes the protocol's helper server sent (securenn's server2: the material it made; 0 for Pond, whose dealer's are dealer_bytes). */
  readonly helper_bytes: number;
  readonly rss_mb: number;
  readonly processes: number;
}

/** The bytes the plan's helper server sent (0 if its protocol has none). */
export function helperBytes(plan: Plan, bytes: Readonly<Record<string, number>>): number {
  const h = protocolSpec(plan.protocol).helper;
  return h === undefined ? 0 : bytes[h] ?? 0;
}

/** Runs `runs` predictions of `feeds` on a fresh deployment of `plan` as processes. */
export async function benchDeployed(plan: Plan, weights: Weights, feeds: Readonly<Record<string, FloatTensor>>, runs: number, warmMs: number): Promise<DeployedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bench-'));
  const procs: PartyChild[] = [];
  try {
    const planDir = join(dir, 'plan');
    writePlanDir(planDir, plan, weights);
    await initDeployment({ dir: join(dir, 'dep'), planDir, hosts: [] });
    const depFile = join(dir, 'dep', 'deployment.json');
    for (const r of plan.roles.filter((x) => x.kind === 'compute' || x.kind === 'dealer')) {
      procs.push(spawnParty(r.name, ['--deployment', depFile], true));
    }
    const owner = spawnParty('model-owner', ['--deployment', depFile], false);
    procs.push(owner);
    if ((await owner.exited) !== 0) throw new Error(`the model owner failed: ${lastError(owner)}`);
    const dep = readDeployment(depFile);
    const client = plan.inputs[0].provider;
    const net = tlsNetwork(dep, client, plan.planId, maxFramePayload(plan, 1024) + FRAME_HEADER_BYTES);
    const running = await startRole({ plan, role: client, net, ring: defaultBackend(), receiveTimeoutMs: dep.timeouts.receiveMs });
    try {
      const { env, batch } = encodeInputs(plan, feeds);
      const one = async (): Promise<{ wall: number; r: Awaited<ReturnType<NonNullable<typeof running.input>['session']>> }> => {
        const t0 = performance.now();
        const r = await (running.input as NonNullable<typeof running.input>).session('predict', batch, new Map(env));
        return { wall: performance.now() - t0, r };
      };
      let last = await one();
      const until = performance.now() + warmMs;
      while (performance.now() < until) last = await one();
      const online: number[] = [];
      const offline: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        last = await one();
        online.push(last.r.onlineMs);
        offline.push(last.r.offlineMs);
        wall.push(last.wall);
      }
      const declared = declaredCost(plan, plan.steps, batch);
      return {
        online_ms: median(online),
        offline_ms: median(offline),
        wall_ms: median(wall),
        rounds: last.r.rounds,
        frame_bytes_per_server: last.r.bytes.server0 ?? 0,
        declared_bytes_per_server: declared.bytes.server0 ?? 0,
        frame_header_bytes_per_server: (last.r.frames.server0 ?? 0) * FRAME_HEADER_BYTES,
        dealer_bytes: last.r.dealerBytes,
        helper_bytes: helperBytes(plan, last.r.bytes),
        rss_mb: Math.max(last.r.rssMb, process.resourceUsage().maxRSS / 1024),
        processes: procs.length + 1,
      };
    } finally {
      await running.stop();
    }
  } finally {
    await stopChildren(procs);
    rmSync(dir, { recursive: true, force: true });
  }
}

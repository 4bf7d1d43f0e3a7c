/**
 * Inference benchmark: private predictions of the zoo networks A-D (models/zoo) at
 * batch 1 and 64, with exact and polynomial ReLU, all parties in this process. Per
 * configuration: the median wall time of a prediction (after a warm-up that opens the
 * weights' masks and lets V8 optimise the protocol code), its measured rounds and bytes (checked equal to the declared cost),
 * and the plaintext tfjs time of the same batch in the same process as the baseline.
 * Inputs are MNIST test images when ../shared is present, else uniform pixels.
 */
import { existsSync } from 'node:fs';
import { compile } from '../compiler/compile.js';
import { toTfjsLayersArtifacts } from '../compiler/frontend/keras-artifacts.js';
import { isNetName, NETS, zooModelPath, type NetName } from '../models/index.js';
import { readMnistDir } from '../runtime/io/mnist.js';
import { PlanDeployment } from '../runtime/party/executor.js';
import { openTfjsLayers, type TfjsArtifacts } from '../runtime/plaintext/tfjs-runner.js';
import { Prg } from '../runtime/crypto/prg.js';
import { defaultBackend } from '../runtime/ring/index.js';
import { fssKeys } from '../src/plan/fss-keys.js';
import type { Plan, Weights } from '../src/plan/index.js';
import { DEFAULT_PROTOCOL, protocolSpec } from '../src/protocols/registry.js';
import { median, medianMs, type Row } from './stats.js';
import { MNIST_DIR } from './paths.js';
import { benchDeployed, helperBytes } from './deploy.js';
import { wanMsEstimate } from './wan.js';

export interface InferenceFilter {
  readonly net?: string;
  readonly batch?: number;
  /** Several batch sizes in one compile and deployment per net (overrides `batch`). */
  readonly batches?: readonly number[];
  readonly relu?: string;
  /** tfe compile --maxpool (default: auto; several with `--maxpool pairs,tournament`). */
  readonly maxpool?: string;
  /** tfe compile --compare (default: exact; both with `--compare exact,fss`). FSS plans are compiled per batch with that batch fixed. */
  readonly compare?: string;
  /** tfe compile --protocol (default: pond; several with `--protocol pond,securenn`). */
  readonly protocol?: string;
  readonly runs?: number;
  /** memory (default): every role a party in this process; processes: servers and dealer as child processes over mutual TLS. */
  readonly deploy?: string;
  /** Milliseconds of warm-up predictions at batch 1 (default 1500; the smoke test uses 0). */
  readonly warmMs?: number;
}

function images(n: number): Float64Array {
  if (existsSync(MNIST_DIR)) {
    const set = readMnistDir(MNIST_DIR, n);
    if (set.n === n) return set.images;
  }
  const bytes = new Uint8Array(n * 784);
  Prg.fresh().fill(bytes);
  return Float64Array.from(bytes, (b) => b / 255);
}

export async function benchInference(f: InferenceFilter): Promise<Row[]> {
  const nets: NetName[] = f.net ? [f.net].filter(isNetName) : [...NETS];
  if (f.net && nets.length === 0) throw new Error(`unknown network '${f.net}' (have ${NETS.join(', ')})`);
  const batches = f.batches?.length ? [...f.batches] : f.batch ? [f.batch] : [1, 64];
  const relus = (f.relu ? [f.relu] : ['exact', 'poly']) as ('exact' | 'poly')[];
  const maxpools = (f.maxpool ?? 'auto').split(',').map((m) => {
    if (m !== 'pairs' && m !== 'tournament' && m !== 'auto') throw new Error(`--maxpool ${m}: expected auto, pairs or tournament`);
    return m;
  });
  const compares = (f.compare ?? 'exact').split(',').map((c) => {
    if (c !== 'exact' && c !== 'fss') throw new Error(`--compare ${c}: expected exact or fss`);
    return c;
  });
  const protocols = (f.protocol ?? DEFAULT_PROTOCOL).split(',').map((p) => protocolSpec(p).name);
  const rows: Row[] = [];
  const ring = defaultBackend();
  for (const net of nets) for (const protocol of protocols) {
    const path = zooModelPath(net);
    const plain = await openTfjsLayers((await toTfjsLayersArtifacts(path)) as unknown as TfjsArtifacts);
    const configs = relus.flatMap((r) => maxpools.flatMap((m) => compares.map((c) => [r, m, c] as const)));
    for (const [relu, maxpool, compare] of configs) {
      if (compare === 'fss') {
        // FSS keys grow with the batch: one plan per batch, with that batch fixed (compiler/compile.ts)
        const free = (await compile(path, { relu, maxpool, protocol, inputRange: [0, 1] })).plan.inputs[0];
        for (const batch of batches) {
          const { plan, weights } = await compile(path, { relu, maxpool, compare, protocol, inputRange: [0, 1], inputs: [{ name: free.name, shape: [batch, ...free.shape.slice(1)] }] });
          rows.push(...await runConfig(f, plan, weights, [batch], { net, relu, maxpool, compare, ring, plain }));
        }
        continue;
      }
      const { plan, weights } = await compile(path, { relu, maxpool, protocol, inputRange: [0, 1] });
      rows.push(...await runConfig(f, plan, weights, batches, { net, relu, maxpool, compare, ring, plain }));
    }
    plain.dispose();
  }
  return rows;
}

interface Config {
  readonly net: NetName;
  readonly relu: string;
  readonly maxpool: string;
  readonly compare: string;
  readonly ring: ReturnType<typeof defaultBackend>;
  readonly plain: Awaited<ReturnType<typeof openTfjsLayers>>;
}

/** Benchmarks one compiled plan at each batch (memory or processes), one row per batch. */
async function runConfig(f: InferenceFilter, plan: Plan, weights: Weights, batches: readonly number[], cfg: Config): Promise<Row[]> {
  const { net, relu, maxpool, compare, ring, plain } = cfg;
  const rows: Row[] = [];
  const input = plan.inputs[0];
  if (f.deploy === 'processes') {
    for (const batch of batches) {
      const x = { shape: [batch, ...input.shape.slice(1)], data: images(batch) };
      const r = await benchDeployed(plan, weights, { [input.name]: x }, f.runs ?? (batch > 1 ? 3 : 31), batch > 1 ? 0 : f.warmMs ?? 1500);
      rows.push({
        bench: 'inference', net, batch, protocol: plan.protocol, relu, maxpool, compare, key_bytes: fssKeys(plan, plan.steps, batch).bytes, backend: ring.name, ms: r.online_ms, deploy: 'processes', ...r,
        wan_ms_est: wanMsEstimate(r.online_ms, r.rounds, r.frame_bytes_per_server),
        cost_matches_plan: r.frame_bytes_per_server === r.declared_bytes_per_server,
      });
    }
    return rows;
  }
  if (f.deploy !== undefined && f.deploy !== 'memory') throw new Error(`--deploy ${f.deploy}: expected memory or processes`);
  // one session per prediction at the batch measured (not split into chunks, runtime/party/chunks.ts)
  const d = await PlanDeployment.start(plan, weights, { ring, chunk: Math.max(...batches) });
  for (const batch of batches) {
    const x = { shape: [batch, ...input.shape.slice(1)], data: images(batch) };
    const feeds = { [input.name]: x };
    // warm-up: the first prediction opens the weights' masks; the next ones let V8
    // optimise the protocol code (about a second's worth at batch 1)
    let last = await d.predict(feeds);
    const warmUntil = performance.now() + (batch > 1 ? 0 : f.warmMs ?? 1500);
    while (performance.now() < warmUntil) last = await d.predict(feeds);
    const runs = f.runs ?? (batch > 1 ? 3 : 31);
    const online: number[] = [];
    const offline: number[] = [];
    const wallMs = await medianMs(async () => {
      last = await d.predict(feeds);
      online.push(last.onlineMs);
      offline.push(last.offlineMs);
    }, { runs, warmup: 0, budgetMs: 60_000 });
    const ms = median(online);
    const plaintextMs = await medianMs(() => plain.run([x]), { runs: 15 });
    rows.push({
      bench: 'inference',
      net,
      batch,
      protocol: plan.protocol,
      relu,
      maxpool,
      compare,
      /** FSS key bytes each server receives per prediction (part of dealer_bytes; 0 for exact). */
      key_bytes: fssKeys(plan, plan.steps, batch).bytes,
      backend: ring.name,
      ms,
      online_ms: ms,
      offline_ms: median(offline),
      wall_ms: wallMs,
      deploy: 'memory',
      processes: 1,
      frame_bytes_per_server: last.stats.bytes.server0 ?? 0,
      declared_bytes_per_server: last.declared.bytes.server0 ?? 0,
      rss_mb: process.resourceUsage().maxRSS / 1024,
      rounds: last.stats.rounds,
      bytes_per_server: last.stats.bytes.server0 ?? 0,
      wan_ms_est: wanMsEstimate(ms, last.stats.rounds, Math.max(last.stats.bytes.server0 ?? 0, last.stats.bytes.server1 ?? 0)),
      dealer_bytes: last.stats.dealerBytes,
      helper_bytes: helperBytes(plan, last.stats.bytes),
      cost_matches_plan: last.stats.rounds === last.declared.rounds && last.stats.dealerBytes === last.declared.dealerBytes && last.stats.bytes.server0 === last.declared.bytes.server0,
      plaintext_ms: plaintextMs,
      ratio: ms / plaintextMs,
    });
  }
  await d.close();
  return rows;
}

/**
 * `npm run bench -- serve --net A --concurrency 1,4,16,64 --requests N [--protocol pond] [--json]`:
 * the prediction service as users run it. `tfe serve` (a child process, which starts the
 * deployment's roles as its own children over mutual TLS) serves the compiled net; this
 * process is the load generator: at each concurrency c, c closed-loop workers share one
 * Node client (`tfe/client`: input sharing, HPKE sealing of both shares, HTTP keep-alive,
 * opening and combining the answers) and send N one-row requests in all (MNIST test images
 * when ../shared is present). Per concurrency: throughput over the measured requests, p50
 * and p99 latency as the client sees it (from sealing to the decoded answer), errors, and
 * the mean real rows per secure session (dynamic batching) from the service's own stats.
 * Everything runs on this machine's cores, load generator included.
 *
 * Writes bench/results/serve.svg (latency against throughput, one point per concurrency)
 * unless `--out none`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from '../compiler/compile.js';
import { writePlanDir } from '../compiler/plan/write.js';
import { isNetName, zooModelPath } from '../models/index.js';
import { readMnistDir } from '../runtime/io/mnist.js';
import { Prg } from '../runtime/crypto/prg.js';
import { packageRoot } from '../runtime/package-root.js';
import { childNodeFlags } from '../runtime/deploy/children.js';
import { connect, type TfeClient } from '../runtime/serve/client/index.js';
import type { NodeX25519Key } from '../runtime/serve/hpke-node.js';
import { SERVING_LINE } from '../runtime/serve/serve-cli.js';
import { renderSvg } from './report-chart.js';
import { MNIST_DIR } from './paths.js';
import { DEFAULT_REPORT_DIR } from './report.js';
import type { Row } from './stats.js';

export interface ServeBenchFilter {
  readonly net?: string;
  readonly concurrency?: string;
  readonly requests?: number;
  readonly protocol?: string;
  /** Directory for serve.svg ('none': no chart). */
  readonly out?: string;
  /** Extra `tfe serve` flags, e.g. ['--max-batch', '16']. */
  readonly serveArgs?: readonly string[];
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}

function images(n: number): Float32Array[] {
  if (existsSync(MNIST_DIR)) {
    const set = readMnistDir(MNIST_DIR, n);
    if (set.n === n) return Array.from({ length: n }, (_, i) => Float32Array.from(set.images.subarray(i * 784, (i + 1) * 784)));
  }
  const bytes = new Uint8Array(n * 784);
  Prg.fresh().fill(bytes);
  return Array.from({ length: n }, (_, i) => Float32Array.from(bytes.subarray(i * 784, (i + 1) * 784), (b) => b / 255));
}

/** A running `tfe serve` child. */
export interface ServeProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  /** Its stderr so far (the last 200 kB). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
}

/** Starts `tfe serve PLAN_DIR --port 0 ...` and waits until it prints its model URL (it is then ready). */
export async function startServe(planDir: string, args: readonly string[] = []): Promise<ServeProcess> {
  const root = packageRoot();
  if (root === undefined) throw new Error('cannot find the tfe package root');
  const proc = spawn(process.execPath, [...childNodeFlags(), join(root, 'dist', 'src', 'cli.js'), 'serve', planDir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // the service logs a line per request: keep the last ~200 kB without copying them per line
  let errChunks: string[] = [];
  let errBytes = 0;
  const err = (): string => errChunks.join('').slice(-200_000);
  proc.stderr.on('data', (d: Buffer) => {
    errChunks.push(d.toString());
    errBytes += d.length;
    if (errBytes > 400_000) {
      errChunks = [err()];
      errBytes = errChunks[0].length;
    }
  });
  const exited = new Promise<number>((res) => proc.on('exit', (code) => res(code ?? 1)));
  const url = await new Promise<string>((res, rej) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = SERVING_LINE.exec(out);
      if (m) res(m[2]);
    });
    void exited.then((code) => rej(new Error(`tfe serve exited with code ${code}: ${err().trim().split('\n').slice(-5).join('\n')}`)));
  });
  return {
    url,
    proc,
    stderr: err,
    stop: async (graceMs = 40_000) => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs).unref())]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
}

interface LoadResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly wallMs: number;
  readonly batchRows: number[];
  readonly firstError?: string;
}

/** `requests` requests from `concurrency` closed-loop workers on one client. */
async function load(client: TfeClient<NodeX25519Key>, inputName: string, xs: readonly Float32Array[], concurrency: number, requests: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const batchRows: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const s = performance.now();
      try {
        const r = await client.predict({ [inputName]: { shape: [1, 28, 28, 1], data: xs[i % xs.length] } });
        latencies.push(performance.now() - s);
        batchRows.push(r.stats.batch_rows);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, wallMs: performance.now() - t0, batchRows, firstError };
}

/** The chart: p50 and p99 latency against throughput, one point per concurrency. */
export function serveSpec(rows: readonly Row[], title: string): TopLevelSpec {
  const values = rows.flatMap((r) => [
    { throughput: r.throughput_per_s, ms: r.p50_ms, stat: 'p50', concurrency: r.concurrency },
    { throughput: r.throughput_per_s, ms: r.p99_ms, stat: 'p99', concurrency: r.concurrency },
  ]);
  const x = { field: 'throughput', type: 'quantitative', title: 'throughput, predictions/s' } as const;
  const y = { field: 'ms', type: 'quantitative', title: 'latency seen by the client, ms' } as const;
  const color = { field: 'stat', type: 'nominal', title: 'latency' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores; load generator on the same machine; labels: concurrency` },
    width: 560,
    height: 340,
    background: 'white',
    data: { values },
    layer: [
      { mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 70 } }, encoding: { x, y, color, order: { field: 'concurrency', type: 'quantitative' } } },
      { mark: { type: 'text', dy: -10, fontSize: 11 }, encoding: { x, y, text: { field: 'concurrency', type: 'quantitative' }, color } },
    ],
  };
}

export async function benchServe(f: ServeBenchFilter): Promise<Row[]> {
  const net = f.net ?? 'A';
  if (!isNetName(net)) throw new Error(`unknown network '${net}'`);
  const levels = (f.concurrency ?? '1,4,16,64').split(',').map((s) => Number.parseInt(s, 10));
  if (levels.some((c) => !(c >= 1))) throw new Error(`--concurrency must be a list of positive integers, got '${f.concurrency}'`);
  const requests = f.requests ?? 2000;
  const protocol = f.protocol ?? 'pond';
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bench-serve-'));
  const rows: Row[] = [];
  let server: ServeProcess | undefined;
  try {
    const c = await compile(zooModelPath(net), { inputRange: [0, 1], protocol });
    const planDir = join(dir, net);
    writePlanDir(planDir, c.plan, c.weights);
    server = await startServe(planDir, f.serveArgs ?? []);
    // TFE_BENCH_FETCH=global: the client on Node's global fetch (undici) instead of its node:http fetch, to compare
    const client = await connect(server.url, { onWarning: () => undefined, ...(process.env.TFE_BENCH_FETCH === 'global' ? { fetch: (u: string, i?: RequestInit) => fetch(u, i) } : {}) });
    const inputName = c.plan.inputs[0].name;
    const xs = images(Math.min(requests, 1000));
    for (const concurrency of levels) {
      await load(client, inputName, xs, concurrency, Math.max(2 * concurrency, 20)); // warm-up: pools, JIT, connections
      const r = await load(client, inputName, xs, concurrency, requests);
      const sorted = [...r.latencies].sort((a, b) => a - b);
      const meanRows = r.batchRows.length ? r.batchRows.reduce((s, x) => s + x, 0) / r.batchRows.length : 0;
      rows.push({
        bench: 'serve', net, protocol, concurrency, requests,
        throughput_per_s: Number((r.latencies.length / (r.wallMs / 1000)).toFixed(1)),
        p50_ms: Number(percentile(sorted, 50).toFixed(2)),
        p99_ms: Number(percentile(sorted, 99).toFixed(2)),
        errors: r.errors,
        mean_batch_rows: Number(meanRows.toFixed(1)),
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        cores: cpus().length,
        ...(r.firstError ? { first_error: r.firstError.slice(0, 200) } : {}),
      });
    }
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (f.out !== 'none') {
    const out = f.out ?? DEFAULT_REPORT_DIR;
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'serve.svg'), await renderSvg(serveSpec(rows, `tfe serve, net ${net} (${protocol}): latency vs throughput`)));
  }
  return rows;
}

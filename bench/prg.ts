/**
 * PRG throughput, rows of the kernel benchmark: Prg.ring(n) (n 64-bit words, 8n
 * bytes of AES-128-CTR keystream into a fresh array) and Prg.fill of a reused 8n-byte
 * buffer, with the native AES-NI path and with node:crypto (TFE_PRG=node) in the
 * same run, in MB/s (10^6 bytes per second) of median wall time, and the ratio
 * native / node on the native rows.
 * The warm-up is long (15 calls): the first ~10 fresh 8 MB arrays of a process are
 * fresh mmap'd pages (~20 ms of page faults each, whichever path fills them) until
 * the allocator starts reusing freed memory; the medians are the steady state.
 */
import { Prg, prgBackend, type PrgBackend } from '../runtime/crypto/prg.js';
import { medianMs, type Row } from './stats.js';

/** Runs `f` with process.env.TFE_PRG = `value`, restoring the previous value. */
function withPrgEnv<T>(value: PrgBackend, f: () => T): T {
  const old = process.env.TFE_PRG;
  process.env.TFE_PRG = value;
  try {
    return f();
  } finally {
    if (old === undefined) delete process.env.TFE_PRG;
    else process.env.TFE_PRG = old;
  }
}

/** Rows per available PRG path (node:crypto always; aes-ni when the addon has it). */
export async function benchPrg(n = 1_000_000, runs = 21): Promise<Row[]> {
  const paths: PrgBackend[] = prgBackend({}) === 'aes-ni' ? ['aes-ni', 'node'] : ['node'];
  const ring = new Map<PrgBackend, number>();
  const fill = new Map<PrgBackend, number>();
  const buf = new Uint8Array(8 * n);
  for (const path of paths) {
    const prg = withPrgEnv(path, () => Prg.fresh());
    if (prg.backend !== path) throw new Error(`bench prg: asked for ${path}, got ${prg.backend}`);
    ring.set(path, await medianMs(() => prg.ring(n), { runs, warmup: 15 }));
    fill.set(path, await medianMs(() => prg.fill(buf), { runs, warmup: 3 }));
  }
  const rows: Row[] = [];
  for (const [bench, times] of [['prg.ring', ring], ['prg.fill', fill]] as const) {
    const nodeMs = times.get('node') ?? 0;
    for (const path of paths) {
      const ms = times.get(path) ?? 0;
      const row: Row = { bench, backend: path, n, ms, mb_s: (8 * n) / (ms * 1e3) };
      if (path !== 'node') row.speedup_vs_node = nodeMs / ms;
      rows.push(row);
    }
  }
  return rows;
}

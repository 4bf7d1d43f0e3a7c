/**
 * What the `--explain` tables share (compiler/explain.ts for one protocol,
 * compiler/explain-compare.ts for several side by side): byte formatting, column
 * alignment, the grouping of plan steps into layers, and the per-party byte columns of
 * a protocol (its compute roles, then the dealer), with the legend that says what a
 * helper server's bytes are.
 */
import type { PlanCost, PlanStep } from '../src/plan/schema.js';
import { materialRole, shareholders, type ProtocolSpec } from '../src/protocols/spec.js';

/** Bytes for people: `80 B`, `6.1 KiB`, `1.80 MiB`. */
export function kb(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Rows of cells as left-aligned columns two spaces apart (trailing blanks trimmed). */
export function table(rows: readonly (readonly string[])[]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((x, c) => x.padEnd(w[c])).join('  ').trimEnd()).join('\n');
}

export interface Layer {
  /** The model node the steps came from. */
  readonly source: string;
  readonly steps: PlanStep[];
}

/** Consecutive steps from the same model node, in plan order. */
export function layers(steps: readonly PlanStep[]): Layer[] {
  const out: Layer[] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (last && last.source === s.source) last.steps.push(s);
    else out.push({ source: s.source, steps: [s] });
  }
  return out;
}

/** The kernels of a layer, repeated ones counted: `relu_s x2`. */
export function kernelList(steps: readonly PlanStep[]): string {
  const counts = new Map<string, number>();
  for (const s of steps) counts.set(s.kernel, (counts.get(s.kernel) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join('+');
}

/**
 * The byte columns of protocol `p`: one per compute role (the bytes that server sends),
 * then `dealer` (the bytes of correlated randomness a dealer sends offline; 0 for a
 * protocol without one, whose helper server's material is in that server's column).
 */
export function byteColumns(p: ProtocolSpec): string[] {
  return [...p.computeRoles, 'dealer'];
}

/** A cost's cells under `byteColumns(p)`. */
export function byteCells(p: ProtocolSpec, c: PlanCost): string[] {
  return [...p.computeRoles.map((r) => kb(c.bytes[r] ?? 0)), kb(c.dealerBytes)];
}

/** The name of the column that holds `p`'s correlated randomness: `dealer`, or its helper server's; undefined if none. */
export function materialColumn(p: ProtocolSpec): string | undefined {
  const m = materialRole(p);
  if (m === undefined) return undefined;
  return p.dealerRoles.includes(m) ? 'dealer' : m;
}

/** The legend of `p`'s byte columns: who sends what, and what a helper's bytes are. */
export function byteLegend(p: ProtocolSpec): string {
  const servers = `${p.computeRoles.join(', ')}: bytes each server sends`;
  if (p.helper === undefined) return `${p.name}: ${servers}; dealer: bytes of correlated randomness the dealer sends (offline, ahead of the request)`;
  return `${p.name}: ${servers}; ${p.helper} is ${p.name}'s helper: it holds no shares, and its bytes are the correlated randomness it makes for ${shareholders(p).join(' and ')} (what a dealer would send); ${p.name} has no dealer, so dealer is 0`;
}

/**
 * Frozen TensorFlow GraphDef (`.pb`, graph.proto) frontend: decode, sniff the
 * wrong formats users hand over (Keras HDF5, .keras zip, JSON, SavedModel), cut
 * and prune (tf-graph.ts), convert to IR (tf-nodes.ts). Inputs are the
 * Placeholders the outputs need; outputs are the graph's sinks unless requested.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { IrGraph } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { decodeTf, type GraphDefMsg } from './proto/tf-proto.js';
import { inlineFunctions } from './tf-functions.js';
import { prepareTfGraph, type TfCutOptions, type TfGraph } from './tf-graph.js';
import { tfGraphToIr, type TfConvertOptions } from './tf-nodes.js';

export type TfLoadOptions = TfCutOptions & TfConvertOptions;

/** Reads a file for a frontend, as one-line E_IO on failure. */
export async function readModelFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfeError('E_IO', `${path}: cannot read the ${what} (${code ?? String(e)})`,
      code === 'EISDIR' ? 'a directory is a SavedModel or a TF.js model: load it with that format' : undefined);
  }
}

/** Names the format of bytes that are clearly not a GraphDef, from their magic. */
function sniffOtherFormat(b: Uint8Array): string | undefined {
  const starts = (sig: number[]): boolean => sig.every((v, i) => b[i] === v);
  if (starts([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'an HDF5 file (Keras .h5)';
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'a zip archive (Keras .keras)';
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  if (b[i] === 0x7b || b[i] === 0x5b) return 'a JSON file (a TF.js model.json?)';
  return undefined;
}

/** Decodes and checks a binary GraphDef; `path` names it in errors. */
export function decodeGraphDef(bytes: Uint8Array, path: string): GraphDefMsg {
  const other = sniffOtherFormat(bytes);
  if (other) throw new TfeError('E_FORMAT', `${path}: this is ${other}, not a frozen TensorFlow GraphDef`, 'use the loader for that format');
  if (basename(path) === 'saved_model.pb') {
    throw new TfeError('E_FORMAT', `${path}: this is a SavedModel, not a frozen GraphDef`, 'load its directory as a SavedModel');
  }
  const g = decodeTf('GraphDef', bytes, path);
  const nodes = g.node ?? [];
  if (nodes.length === 0) throw new TfeError('E_FORMAT', `${path}: not a GraphDef (no nodes)`, 'the file is empty, truncated or of another format');
  nodes.forEach((n, i) => {
    if (!n.name || !n.op || !/^[A-Za-z0-9_.>][A-Za-z0-9_.\-/>]*$/.test(n.name) || !/^[A-Za-z_][A-Za-z0-9_>]*$/.test(n.op)) {
      throw new TfeError('E_FORMAT', `${path}: not a valid GraphDef (node #${i} has ${!n.name ? 'no name' : !n.op ? 'no op' : 'a malformed name or op'})`,
        'the file is corrupt or of another format');
    }
  });
  return g;
}

/** The unprepared TfGraph of a frozen GraphDef: no declared inputs or outputs. */
export async function readGraphDef(path: string, bytes?: Uint8Array): Promise<TfGraph> {
  const g = decodeGraphDef(bytes ?? await readModelFile(path, 'GraphDef'), path);
  const raw: TfGraph = { nodes: g.node ?? [], inputs: [], outputs: [], source: { format: 'graphdef', path } };
  // A graph may still call library functions (TF2 exports); inlining is shared with SavedModel.
  return (g.library?.function ?? []).length > 0 ? inlineFunctions(raw, g.library?.function ?? []) : raw;
}

/**
 * Loads a frozen GraphDef `.pb` into IR. `bytes` may hold the file's content
 * already. See tf-graph.ts for the cut options and tf-nodes.ts for allowUnsupported.
 */
export async function loadGraphDef(path: string, bytes?: Uint8Array, opts: TfLoadOptions = {}): Promise<IrGraph> {
  return tfGraphToIr(prepareTfGraph(await readGraphDef(path, bytes), opts), opts);
}

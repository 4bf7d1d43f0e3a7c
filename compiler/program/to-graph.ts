/**
 * A program's IR graph and its compilation: the nodes the revealed outputs need (in
 * the order the program made them, a topological order), its privateInputs as the
 * graph's inputs (Placeholders with attr role), its reveals as the graph's outputs
 * (named by reveal's name), then compiler/compile.ts `compile` with the outputs'
 * receivers and, when no private variable is used, the first input's role as the
 * holder of the public constants (weights.bin). So a program goes through the same
 * passes, verifier and plan format as a model.
 */
import { TfeError } from '../../src/errors.js';
import { reachableFrom } from '../../src/ir/graph.js';
import type { IrGraph } from '../../src/ir/node.js';
import { constOwner } from '../../src/ir/role-attrs.js';
import { compile, type CompileOptions, type CompileResult } from '../compile.js';
import { PROGRAM_FORMAT } from '../secure/output-kind.js';
import type { ProgramGraph } from './graph-builder.js';

/** The compile options a program takes: those of compile() that are not about loading or cutting a model file. */
export type ProgramCompileOptions = Pick<CompileOptions, 'protocol' | 'fracBits' | 'relu' | 'reluRange' | 'inputRange' | 'maxpool' | 'compare' | 'outDir'>;

const PROGRAM_OPTION_KEYS: readonly (keyof ProgramCompileOptions)[] = ['protocol', 'fracBits', 'relu', 'reluRange', 'inputRange', 'maxpool', 'compare', 'outDir'];

/** A privateInput as declared. */
export interface ProgramInput {
  readonly name: string;
  readonly role: string;
  readonly call: string;
}

/** A reveal as declared. */
export interface ProgramOutput {
  readonly name: string;
  readonly role: string;
  readonly call: string;
}

/** The graph source of every program (plan.model: file 'program', format 'program'). */
export const PROGRAM_SOURCE = { format: PROGRAM_FORMAT, path: 'program' } as const;

/** The IR graph of a program with `outputs`; E_ARG when nothing is revealed or an input is unused. */
export function programGraph(g: ProgramGraph, inputs: readonly ProgramInput[], outputs: readonly ProgramOutput[]): IrGraph {
  if (outputs.length === 0) throw new TfeError('E_ARG', 'program.compile: nothing is revealed', 'call reveal(tensor, role, name) for each output');
  const live = reachableFrom({ nodes: g.nodes, inputs: [], outputs: [], source: PROGRAM_SOURCE }, outputs.map((o) => o.name));
  const unused = inputs.filter((i) => !live.has(i.name));
  if (unused.length > 0) {
    throw new TfeError('E_ARG', `program.compile: ${unused.map((i) => i.call).join(', ')} ${unused.length === 1 ? 'is' : 'are'} used by no revealed value`, 'use each input in a revealed value, or remove it');
  }
  return { nodes: g.nodes.filter((n) => live.has(n.id)), inputs: inputs.map((i) => i.name), outputs: outputs.map((o) => o.name), source: PROGRAM_SOURCE };
}

/** Compiles a program (see the module comment). */
export async function compileProgram(g: ProgramGraph, inputs: readonly ProgramInput[], outputs: readonly ProgramOutput[], opts: ProgramCompileOptions): Promise<CompileResult> {
  if (typeof opts !== 'object' || opts === null) throw new TfeError('E_ARG', 'program.compile: options must be an object');
  const extra = Object.keys(opts).filter((k) => !(PROGRAM_OPTION_KEYS as readonly string[]).includes(k));
  if (extra.length > 0) throw new TfeError('E_ARG', `program.compile: option(s) ${extra.join(', ')} do not apply to a program`, `a program takes ${PROGRAM_OPTION_KEYS.join(', ')}`);
  const graph = programGraph(g, inputs, outputs);
  const receivers = Object.fromEntries(outputs.map((o) => [o.name, o.role]));
  // the public constants' holder when no private variable names one: the first input's provider
  const hasOwner = graph.nodes.some((n) => constOwner(n) !== undefined);
  const weightsOwner = hasOwner ? undefined : inputs[0]?.role;
  return compile(graph, { ...opts, receivers, ...(weightsOwner !== undefined ? { weightsOwner } : {}) });
}
